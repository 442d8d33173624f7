"""The synthetic generator and the table writer.

The generator feeds every benchmark and the shipped sample data, so these tests
pin what makes it useful: reproducible, internally consistent, shaped like the
national campaign (skewed regions, student evenings, a real shortage), and
written in files that read back as the same data.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from scheduler.domain import DEFAULT_COVER, WEEKDAYS
from scheduler.geo import distances_km
from scheduler.intake import schema
from scheduler.intake.writing import write_tables
from scheduler.synthetic import GeneratorSpec, generate, weekly_capacity

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = {sheet: schema.columns(sheet) for sheet in schema.MODELS if sheet != "roles"}
NUMBER = re.compile(r"-?\d+\.\d+")
NATIONAL = GeneratorSpec(volunteers=7000, facilities=160, days=7, regions=40, seed=2020)
SMALL = GeneratorSpec(volunteers=300, facilities=12, days=7, regions=3, seed=5)


@pytest.fixture(scope="module")
def national() -> dict[str, pd.DataFrame]:
    return generate(NATIONAL)


@pytest.fixture(scope="module")
def small() -> dict[str, pd.DataFrame]:
    return generate(SMALL)


def canon(value: object) -> str:
    """A cell as text, however it was stored: CSV text, Excel date/time cell, number."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float | np.floating) and math.isnan(value):
        return ""
    if isinstance(value, dt.timedelta):
        minutes = round(value.total_seconds() / 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    if isinstance(value, dt.datetime):
        assert value.time() == dt.time(), value
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, str) and NUMBER.fullmatch(value):  # CSV text: 56.0 and 56 are one number
        return canon(float(value))
    return str(value)


def as_text(table: pd.DataFrame) -> list[list[str]]:
    return [[canon(v) for v in row] for row in table.astype(object).itertuples(index=False)]


# --- the generator --------------------------------------------------------------------------


def test_same_spec_gives_identical_tables(small):
    again = generate(SMALL)
    assert again.keys() == small.keys()
    for name, table in small.items():
        pd.testing.assert_frame_equal(again[name], table)


def test_another_seed_gives_other_data(small):
    other = generate(GeneratorSpec(volunteers=300, facilities=12, days=7, regions=3, seed=6))
    assert not other["volunteers"].equals(small["volunteers"])
    assert not other["needs"].equals(small["needs"])


def test_sheets_have_exactly_the_contract_columns(small):
    assert {name: list(table.columns) for name, table in small.items()} == CONTRACT
    assert small["rules"].to_dict("records") == [{"rule": "max_distance_km", "value": 30}]


@pytest.mark.parametrize(
    "spec",
    [
        NATIONAL,
        GeneratorSpec(volunteers=100, facilities=6, days=7, regions=2, seed=7),
        GeneratorSpec(volunteers=500, facilities=20, days=28, seed=1, start=dt.date(2020, 4, 8)),
        GeneratorSpec(volunteers=5, facilities=3, days=1, regions=9, seed=3),
    ],
)
def test_sizes_and_horizon_follow_the_spec(spec):
    tables = generate(spec)
    assert len(tables["facilities"]) == spec.facilities
    assert len(tables["volunteers"]) == spec.volunteers
    assert tables["facilities"]["region"].nunique() == spec.region_count
    dates = set(tables["needs"]["date"])
    first = spec.first_day
    assert dates <= {first + dt.timedelta(days=d) for d in range(spec.days)}
    dated = {d for d in tables["availability"]["day"] if isinstance(d, dt.date)}
    assert all(first <= d < first + dt.timedelta(days=spec.days) for d in dated)


def test_default_start_is_a_monday_fixed_by_the_seed():
    assert GeneratorSpec(10, 2, seed=2020).first_day.weekday() == 0
    assert GeneratorSpec(10, 2, seed=2020).first_day == GeneratorSpec(99, 9, seed=2020).first_day


def test_regions_never_outnumber_facilities_and_bad_sizes_are_refused():
    assert GeneratorSpec(volunteers=10, facilities=3, regions=9).region_count == 3
    with pytest.raises(ValueError, match="volunteers"):
        GeneratorSpec(volunteers=0, facilities=3)


def test_ids_are_unique_and_every_reference_exists(national):
    fac, vol = national["facilities"], national["volunteers"]
    needs, avail = national["needs"], national["availability"]
    assert fac["facility_id"].is_unique and vol["volunteer_id"].is_unique
    assert needs["need_id"].is_unique
    assert set(needs["facility_id"]) <= set(fac["facility_id"])
    assert set(avail["volunteer_id"]) <= set(vol["volunteer_id"])
    region_of = dict(zip(fac["facility_id"], fac["region"], strict=True))
    for ids, region in vol.dropna(subset="preferred_facilities")[
        ["preferred_facilities", "region"]
    ].itertuples(index=False):
        assert all(region_of[f] == region for f in ids.split(";"))
    assert set(vol["region"]) <= set(fac["region"])  # everyone can work somewhere in their region
    key = ["facility_id", "date", "start", "end", "role"]
    assert not needs.duplicated(key).any()


def test_roles_are_in_the_default_table(national):
    assert set(national["volunteers"]["role"]) == set(DEFAULT_COVER)
    assert set(national["needs"]["role"]) <= set(DEFAULT_COVER)


def test_needs_look_like_hospital_shifts(national):
    needs = national["needs"]
    assert needs["count"].between(1, 5).all() and needs["count"].median() <= 3
    share = needs["priority"].value_counts(normalize=True)
    assert share[1] == pytest.approx(0.25, abs=0.04) and share[3] == pytest.approx(0.20, abs=0.04)
    shifts = set(zip(needs["start"], needs["end"], strict=True))
    patterns = {("08:00", "20:00"), ("20:00", "08:00"), ("16:00", "24:00"), ("23:00", "07:00")}
    assert patterns <= shifts  # 12 h and 8 h, night shifts crossing midnight


def test_demand_exceeds_what_volunteers_can_give(national):
    capacity = weekly_capacity(national["volunteers"]).sum() * NATIONAL.days / 7
    demand = national["needs"]["count"].sum()
    assert 1.08 * capacity < demand < 1.22 * capacity
    assert len(national["needs"]) == pytest.approx(8961, rel=0.15)  # the lab's instance
    assert len(national["availability"]) == pytest.approx(19556, rel=0.15)


def test_region_sizes_are_skewed(national):
    per_region = national["volunteers"]["region"].value_counts()
    assert per_region.iloc[0] > 8 * per_region.median()
    assert (national["facilities"]["region"].value_counts() <= 2).sum() >= 15  # many small ones


def test_most_but_not_all_volunteers_live_within_reach(national):
    fac, vol = national["facilities"], national["volunteers"].dropna(subset="lat")
    reachable = []
    for region, people in vol.groupby("region"):
        here = fac[fac["region"] == region]
        km = distances_km(
            people["lat"].to_numpy()[:, None],
            people["lon"].to_numpy()[:, None],
            here["lat"].to_numpy()[None, :],
            here["lon"].to_numpy()[None, :],
        )
        limit = people["max_distance_km"].astype("Float64").fillna(30).to_numpy(float)
        reachable.extend((km <= limit[:, None]).any(axis=1))
    assert 0.8 < np.mean(reachable) < 0.98


def test_students_are_available_mostly_evenings_and_weekends(national):
    vol, avail = national["volunteers"], national["availability"]
    students = set(vol.loc[vol["role"].str.endswith("_student"), "volunteer_id"])
    rows = avail[avail["volunteer_id"].isin(students) & (avail["available"] == "yes")]
    weekend = rows["day"].map(
        lambda d: (d.weekday() if isinstance(d, dt.date) else WEEKDAYS.index(d.lower())) >= 5
    )
    evening = (rows["start"] >= "14:00") | (rows["end"] <= rows["start"])
    assert (weekend | evening).mean() > 0.8
    assert avail.loc[avail["available"] == "no", "volunteer_id"].nunique() > 100  # exams, leave


def test_volunteers_have_varied_limits_and_availability(national):
    vol, avail = national["volunteers"], national["availability"]
    assert vol["max_shifts_per_week"].isna().mean() > 0.05  # blank: the default 3
    assert vol["max_shifts_per_week"].dropna().between(2, 4).mean() > 0.7
    assert 0.05 < vol["max_hours_per_week"].notna().mean() < 0.4
    assert 0.1 < 1 - vol["volunteer_id"].isin(avail["volunteer_id"]).mean() < 0.3  # any time
    assert (avail["end"] <= avail["start"]).mean() > 0.1  # windows that cross midnight
    assert vol["name"].str.contains("[а-яА-Я]").mean() == pytest.approx(0.05, abs=0.02)


def test_a_four_week_horizon_has_needs_every_day():
    tables = generate(GeneratorSpec(volunteers=2000, facilities=50, days=28, seed=9))
    assert tables["needs"]["date"].nunique() == 28


# --- writing ---------------------------------------------------------------------------------


def test_csv_folder_reads_back_as_the_same_data(small, tmp_path):
    write_tables(small, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{name}.csv" for name in small
    )
    for name, table in small.items():
        back = pd.read_csv(
            tmp_path / "out" / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8"
        )
        assert list(back.columns) == list(table.columns)
        assert as_text(back) == as_text(table), name


@pytest.mark.parametrize("engine", ["openpyxl", "calamine"])
def test_workbook_reads_back_with_real_date_and_time_cells(small, tmp_path, engine):
    path = tmp_path / "data.xlsx"
    write_tables(small, path)
    back = pd.read_excel(path, sheet_name=None, engine=engine)
    assert list(back) == list(small)
    for name, table in small.items():
        assert as_text(back[name]) == as_text(table), name
    needs = back["needs"]
    assert all(isinstance(v, dt.datetime) for v in needs["date"])
    assert all(
        isinstance(v, dt.time | dt.timedelta)
        for v in needs["start"].tolist() + needs["end"].tolist()
    )
    assert any(isinstance(v, dt.datetime) for v in back["availability"]["day"])


def test_workbook_header_is_bold_and_frozen(small, tmp_path):
    write_tables(small, tmp_path / "data.xlsx")
    book = openpyxl.load_workbook(tmp_path / "data.xlsx")
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet["A1"].font.b
    assert book["needs"]["C2"].number_format == "yyyy-mm-dd"
    assert book["needs"]["D2"].number_format == "hh:mm"


def test_rewriting_a_folder_replaces_sheets_and_keeps_other_files(small, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "README.md").write_text("keep me\n", encoding="utf-8")
    (folder / "roles.csv").write_text("role,can_cover\nnurse,\n", encoding="utf-8")
    write_tables(small, folder)
    assert (folder / "README.md").read_text(encoding="utf-8") == "keep me\n"
    assert not (folder / "roles.csv").exists()  # a stale sheet would change the dataset
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # no temporary left over


def test_a_failed_write_leaves_the_old_data_whole(small, tmp_path, monkeypatch):
    folder = tmp_path / "data"
    write_tables(small, folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def explode(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", explode)
    with pytest.raises(OSError, match="disk full"):
        write_tables(small, folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_generated_data_passes_the_validator(small, tmp_path):
    loading = pytest.importorskip("scheduler.intake.loading")
    write_tables(small, tmp_path / "data")
    dataset, warnings = loading.load_dataset(tmp_path / "data")
    assert [str(w) for w in warnings] == []
    assert len(dataset.volunteers) == SMALL.volunteers


@pytest.mark.parametrize(
    "name, spec",
    [
        ("demo", GeneratorSpec(volunteers=100, facilities=6, days=7, regions=2, seed=7)),
        ("national", NATIONAL),
    ],
)
def test_shipped_data_is_what_the_generator_makes(name, spec):
    folder = ROOT / "data" / name
    for sheet, table in generate(spec).items():
        back = pd.read_csv(folder / f"{sheet}.csv", dtype=str, keep_default_na=False)
        assert as_text(back) == as_text(table), f"data/{name}/{sheet}.csv: run `make data`"
