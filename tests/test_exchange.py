"""The assignments CSV: read back with pandas (and with the roster reader) and compared as data.

A row is turned back into facts (a need, a volunteer, a start and end time)
and compared with the solved roster, so the test does not restate how the
cells are formatted; the formatting rules that matter to other systems
(BOM, ISO dates, `24:00`, the quote before a formula) have tests of their own.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from scheduler.domain import Dataset
from scheduler.engine.results import Settings
from scheduler.engine.solver import solve
from scheduler.intake.loading import load_dataset
from scheduler.outputs import exchange
from scheduler.outputs.exchange import defuse, restore, write_assignments_csv
from scheduler.outputs.roster import ASSIGNMENT_COLUMNS
from scheduler.outputs.roster_reading import read_assignments
from tests.factories import make_dataset, make_facility, make_need, make_volunteer

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
BOM = b"\xef\xbb\xbf"
HOSTILE = ('=HYPERLINK("http://x","y")', "@SUM(A1)", "+1-1", "-2+3")
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")  # OWASP's list


@pytest.fixture(scope="module")
def demo() -> tuple[Dataset, list[tuple[str, str]]]:
    dataset, _ = load_dataset(DEMO)
    return dataset, list(solve(dataset, Settings()).assignments)


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


def moment(date: str, clock: str) -> dt.datetime:
    """A date and an HH:MM cell as a datetime; 24:00 is the next midnight."""
    hours, minutes = map(int, clock.split(":"))
    return dt.datetime.fromisoformat(date) + dt.timedelta(hours=hours, minutes=minutes)


# --- the demo ---------------------------------------------------------------------------


def test_demo_csv_holds_exactly_the_roster(demo, tmp_path: Path) -> None:
    dataset, pairs = demo
    path = tmp_path / "assignments.csv"
    write_assignments_csv(dataset, pairs, path)
    table = read(path)
    assert tuple(table.columns) == ASSIGNMENT_COLUMNS
    assert len(table) == len(pairs)

    found = set()
    for row in table.map(restore).itertuples(index=False):
        need = dataset.need_by_id[row.need_id]
        volunteer = dataset.volunteer_by_id[row.volunteer_id]
        facility = dataset.facility_by_id[row.facility_id]
        assert row.date == need.date.isoformat()
        start, end = moment(row.date, row.start), moment(row.date, row.end)
        if end <= start:  # the format's rule: an end at or before the start is the next day
            end += dt.timedelta(days=1)
        assert (start, end) == (need.start, need.end)
        assert (row.role, int(row.priority)) == (need.role, need.priority)
        assert (row.facility_name, row.region) == (facility.name, facility.region_name)
        person = (row.volunteer_name, row.volunteer_role, row.phone)
        assert person == (volunteer.name, volunteer.role, volunteer.phone)
        found.add((row.need_id, row.volunteer_id))
    assert found == set(pairs)


def test_demo_csv_is_sorted_like_the_workbook(demo, tmp_path: Path) -> None:
    dataset, pairs = demo
    write_assignments_csv(dataset, pairs, tmp_path / "a.csv")
    table = read(tmp_path / "a.csv").map(restore)
    regions = {f.id: f.region for f in dataset.facilities}
    order = [
        (
            regions[r.facility_id],
            r.facility_id,
            moment(r.date, r.start),
            r.need_id,
            r.volunteer_name,
        )
        for r in table.itertuples(index=False)
    ]
    assert order == sorted(order)


def test_demo_csv_starts_with_one_bom_and_writes_midnight_as_24(demo, tmp_path: Path) -> None:
    dataset, pairs = demo
    path = tmp_path / "a.csv"
    write_assignments_csv(dataset, pairs, path)
    data = path.read_bytes()
    assert data.startswith(BOM + b"need_id,") and BOM not in data[3:]
    table = read(path)
    assert table["date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert table["start"].str.fullmatch(r"([01]\d|2[0-3]):[0-5]\d").all()
    ends_at_midnight = {n for n, _ in pairs if dataset.need_by_id[n].end.time() == dt.time()}
    assert ends_at_midnight, "the demo should have shifts ending at midnight"
    assert set(table.loc[table["end"] == "24:00", "need_id"]) == ends_at_midnight
    assert "00:00" not in set(table["end"])


def test_demo_csv_reads_back_as_a_roster(demo, tmp_path: Path) -> None:
    """`scheduler check` accepts the CSV: the roster reader finds every assignment in it."""
    dataset, pairs = demo
    write_assignments_csv(dataset, pairs, tmp_path / "assignments.csv")
    read_back = read_assignments(tmp_path / "assignments.csv", dataset)
    assert sorted((a.need_id, a.volunteer_id) for a in read_back) == sorted(pairs)


# --- formula injection ------------------------------------------------------------------


def test_hostile_names_come_back_as_quoted_text(tmp_path: Path) -> None:
    names = [*HOSTILE, "Anna\nline two", "Иванова Мария", "'quoted"]
    count = range(len(names))
    dataset = make_dataset(
        facilities=[make_facility(id=f"F{i}", name=names[i]) for i in count],
        volunteers=[
            make_volunteer(id=f"V{i}", name=names[i], phone="+7 900 123-45-67") for i in count
        ],
        needs=[make_need(id=f"N{i}", facility_id=f"F{i}") for i in count],
    )
    path = tmp_path / "a.csv"
    write_assignments_csv(dataset, [(f"N{i}", f"V{i}") for i in count], path)
    table = read(path).set_index("volunteer_id")
    for i, name in enumerate(names):
        row = table.loc[f"V{i}"]
        quoted = "'" + name if name.startswith((*TRIGGERS, "'")) else name
        assert (row["volunteer_name"], row["facility_name"]) == (quoted, quoted)
        assert restore(row["volunteer_name"]) == name
        assert row["phone"] == "'+7 900 123-45-67"
    cells = read(path).to_numpy().ravel()
    assert not [c for c in cells if c.startswith(TRIGGERS)]


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+7 900 123-45-67", "'+7 900 123-45-67"),
        ("-5", "'-5"),  # OWASP: no exception for numbers
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\n=1", "'\n=1"),
        ("'=1", "''=1"),  # so that restore is exact
        ("Anna", "Anna"),
        ("a=1", "a=1"),
        ("", ""),
    ],
)
def test_defuse_quotes_what_could_start_a_formula_and_restore_undoes_it(
    text: str, cell: str
) -> None:
    assert defuse(text) == cell
    assert restore(defuse(text)) == text


# --- files and errors -------------------------------------------------------------------


def test_no_assignments_give_a_header_only(tmp_path: Path) -> None:
    write_assignments_csv(make_dataset(), [], tmp_path / "a.csv")
    assert (tmp_path / "a.csv").read_bytes() == BOM + ",".join(
        ASSIGNMENT_COLUMNS
    ).encode() + b"\r\n"


def test_a_failed_write_leaves_the_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.csv"
    path.write_text("the previous export\n")

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(exchange.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        write_assignments_csv(make_dataset(), [("N1", "V1")], path)
    assert path.read_text() == "the previous export\n"
    assert list(tmp_path.iterdir()) == [path]


def test_unknown_ids_are_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"need_id: \['N9'\]; volunteer_id: none"):
        write_assignments_csv(make_dataset(), [("N9", "V1")], tmp_path / "a.csv")
    assert not (tmp_path / "a.csv").exists()
