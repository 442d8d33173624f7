"""The roster workbook, read back with openpyxl and compared with the solution as data."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from scheduler.checker import check_roster
from scheduler.domain import Dataset, Priority
from scheduler.engine.results import Settings, SolveResult
from scheduler.engine.solver import solve
from scheduler.intake.loading import load_dataset
from scheduler.outputs.coverage import coverage
from scheduler.outputs.roster import (
    ASSIGNMENT_COLUMNS,
    STAGE_WORDS,
    UNFILLED_COLUMNS,
    VOLUNTEER_COLUMNS,
    cell_text,
    facility_sheet_names,
    split_folder,
    week_grids,
    write_roster,
)
from scheduler.outputs.roster_reading import read_assignments
from tests.factories import make_dataset, make_facility, make_need, make_volunteer

DEMO = Path(__file__).parent.parent / "data" / "demo"
HOSTILE = ('=HYPERLINK("http://evil.example","click")', "@SUM(A1:A9)", "+1-1", "-2+3")


@pytest.fixture(scope="module")
def demo() -> tuple[Dataset, SolveResult]:
    dataset, _ = load_dataset(DEMO)
    return dataset, solve(dataset, Settings())


@pytest.fixture(scope="module")
def demo_book(demo, tmp_path_factory) -> Path:
    dataset, result = demo
    path = tmp_path_factory.mktemp("roster") / "roster.xlsx"
    write_roster(dataset, result.assignments, path, result=result)
    return path


def rows_of(path: Path, sheet: str) -> list[dict[str, object]]:
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book[sheet].iter_rows(values_only=True))
    book.close()
    header = rows[0]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]


def test_the_assignments_sheet_is_the_roster(demo, demo_book) -> None:
    dataset, result = demo
    rows = rows_of(demo_book, "Assignments")
    assert tuple(rows[0]) == ASSIGNMENT_COLUMNS
    assert Counter((r["need_id"], r["volunteer_id"]) for r in rows) == Counter(result.assignments)
    needs, facilities = dataset.need_by_id, dataset.facility_by_id
    for row in rows:
        need = needs[row["need_id"]]
        assert row["date"] == dt.datetime.combine(need.date, dt.time())  # a real Excel date
        assert row["facility_name"] == facilities[need.facility_id].name
        assert row["volunteer_name"] == dataset.volunteer_by_id[row["volunteer_id"]].name
    order = [
        (
            facilities[needs[r["need_id"]].facility_id].region,
            r["facility_id"],
            r["date"],
            r["start"],
        )
        for r in rows
    ]
    assert order == sorted(order)


def test_the_workbook_reads_back_and_passes_the_checker(demo, demo_book) -> None:
    dataset, result = demo
    read = read_assignments(demo_book, dataset)
    assert Counter((a.need_id, a.volunteer_id) for a in read) == Counter(result.assignments)
    assert check_roster(dataset, read) == []


def test_unfilled_lists_every_open_place_with_its_reason(demo, demo_book) -> None:
    dataset, result = demo
    filled = Counter(n for n, _ in result.assignments)
    rows = rows_of(demo_book, "Unfilled")
    assert tuple(rows[0]) == UNFILLED_COLUMNS
    expected = {n.id: n.count - filled[n.id] for n in dataset.needs if filled[n.id] < n.count}
    assert {r["need_id"]: r["open"] for r in rows} == expected
    for row in rows:
        assert row["filled"] + row["open"] == row["count"]
        assert row["why"] in STAGE_WORDS.values()
        assert len(row["reason"]) > 20
    priorities = [r["priority"] for r in rows]
    assert priorities == sorted(priorities)  # critical first


def summary_figures(path: Path) -> dict[str, object]:
    book = openpyxl.load_workbook(path, read_only=True)
    figures = {}
    for label, value, *_ in book["Summary"].iter_rows(min_row=2, max_col=2, values_only=True):
        if label is None:
            break
        figures[label] = value
    book.close()
    return figures


def summary_table(path: Path, title: str) -> list[tuple]:
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book["Summary"].iter_rows(values_only=True))
    book.close()
    start = next(i for i, r in enumerate(rows) if r[0] == title) + 2
    table = []
    for row in rows[start:]:
        if row[0] is None:
            break
        table.append(row)
    return table


def test_the_summary_adds_up(demo, demo_book) -> None:
    dataset, result = demo
    figures = summary_figures(demo_book)
    assert figures["places filled"] == result.filled
    assert figures["places wanted"] == dataset.demand
    assert figures["places open"] == dataset.demand - result.filled
    assert figures["weighted coverage"] == pytest.approx(result.weighted_coverage)
    assert figures["proven upper bound"] == pytest.approx(result.upper_bound)
    assert figures["solver status"] == result.status.value
    for title in ("By priority", "By region", "By day", "By facility"):
        table = summary_table(demo_book, title)
        wanted = sum(r[3] for r in table)
        filled = sum(r[4] for r in table)
        assert (wanted, filled) == (dataset.demand, result.filled), title
    regions = summary_table(demo_book, "By region")
    assert {r[0] for r in regions} == {f.region_name for f in dataset.facilities}
    with zipfile.ZipFile(demo_book) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
    assert "Coverage by region" in chart and "Summary!$G$" in chart


def test_the_volunteers_sheet_has_everyone_with_their_shifts_by_day(demo, demo_book) -> None:
    dataset, result = demo
    book = openpyxl.load_workbook(demo_book, read_only=True)
    rows = list(book["Volunteers"].iter_rows(values_only=True))
    book.close()
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert header[: len(VOLUNTEER_COLUMNS)] == VOLUNTEER_COLUMNS
    first, last = dataset.horizon
    assert [d.date() for d in header[len(VOLUNTEER_COLUMNS) :]] == [
        first + dt.timedelta(days=k) for k in range((last - first).days + 1)
    ]
    assert {r[0] for r in body} == {v.id for v in dataset.volunteers}
    shifts = Counter(v for _, v in result.assignments)
    needs = dataset.need_by_id
    for row in body:
        assert row[5] == shifts[row[0]]
        mine = [needs[n] for n, v in result.assignments if v == row[0]]
        assert row[6] == pytest.approx(round(sum(n.hours for n in mine), 2))
        days = {needs_day for needs_day in (n.date for n in mine)}
        for k, cell in enumerate(row[len(VOLUNTEER_COLUMNS) :]):
            assert (cell is not None) == (first + dt.timedelta(days=k) in days)
    assert total[0] == "total" and total[5] == len(result.assignments)
    per_day = Counter(day for day, _ in {(needs[n].date, v) for n, v in result.assignments})
    assert list(total[len(VOLUNTEER_COLUMNS) :]) == [
        per_day[first + dt.timedelta(days=k)] for k in range((last - first).days + 1)
    ]


def test_every_facility_has_a_printable_sheet(demo, demo_book) -> None:
    dataset, result = demo
    names = facility_sheet_names(dataset.facilities)
    book = openpyxl.load_workbook(demo_book)
    assert book.sheetnames == ["Summary", "Assignments", "Unfilled", "Volunteers"] + [
        names[f.id] for f in dataset.facilities
    ]
    volunteers = dataset.volunteer_by_id
    for facility in dataset.facilities:
        sheet = book[names[facility.id]]
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        # OOXML's default for fitToWidth is 1, which xlsxwriter leaves out
        assert (sheet.page_setup.fitToWidth or 1) == 1
        assert sheet.page_setup.fitToHeight == 0  # as many pages tall as needed
        assert sheet.print_title_rows == "$1:$2"
        text = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
        for need_id, volunteer_id in result.assignments:
            if dataset.need_by_id[need_id].facility_id == facility.id:
                assert volunteers[volunteer_id].name in text
    book.close()


def small_case() -> tuple[Dataset, list[tuple[str, str]]]:
    facility = make_facility(address="1 Lenin St")
    people = [
        make_volunteer(id="V1", name="Anna", phone="+7 900 000-00-01"),
        make_volunteer(id="V2", name="Boris", phone="+7 900 000-00-02"),
    ]
    needs = [
        make_need(id="N1", date="2026-03-02", start="08:00", end="16:00", count=2),
        make_need(id="N2", date="2026-03-03", start="20:00", end="08:00", priority=1),
        make_need(id="N3", date="2026-03-10", start="08:00", end="16:00", count=1),
        make_need(id="N4", date="2026-03-04", start="08:00", end="16:00", count=1),
    ]
    dataset = make_dataset(facilities=[facility], volunteers=people, needs=needs)
    return dataset, [("N1", "V1"), ("N3", "V2"), ("N4", "V2")]


def test_a_week_is_a_grid_of_slots_by_day() -> None:
    dataset, _ = small_case()
    grids = week_grids(dataset.needs)
    assert [g.monday for g in grids] == [dt.date(2026, 3, 2), dt.date(2026, 3, 9)]
    first = grids[0]
    assert first.slots == (("08:00", "16:00", "nurse"), ("20:00", "08:00", "nurse"))
    assert {(s, d): n.id for (s, d), n in first.cells.items()} == {
        (0, 0): "N1",
        (1, 1): "N2",
        (0, 2): "N4",
    }


def test_a_cell_names_who_comes_and_what_is_open() -> None:
    dataset, _ = small_case()
    anna = dataset.volunteer_by_id["V1"]
    need = dataset.need_by_id["N1"]
    assert cell_text(need, [anna], 1) == "Anna  +7 900 000-00-01\nOPEN"
    assert cell_text(need, [], 0) == "OPEN ×2"
    assert cell_text(dataset.need_by_id["N2"], [], 0) == "OPEN (critical)"


def test_open_places_are_red_on_the_wall_roster(tmp_path) -> None:
    dataset, assignments = small_case()
    path = tmp_path / "roster.xlsx"
    write_roster(dataset, assignments, path)
    book = openpyxl.load_workbook(path)
    sheet = book[facility_sheet_names(dataset.facilities)["F1"]]
    cells = {c.value: c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    open_cell = cells["Anna  +7 900 000-00-01\nOPEN"]
    assert open_cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert cells["OPEN (critical)"].fill.fgColor.rgb.endswith("FFC7CE")
    full = cells["Boris  +7 900 000-00-02"]
    assert not (full.fill.fgColor.rgb or "").endswith("FFC7CE")
    assert "1 Lenin St" in sheet["A2"].value
    book.close()
    # without a solver result the Summary says where the roster came from
    assert "read from a roster" in summary_figures(path)["solver status"]


def test_sheet_names_follow_excels_rules() -> None:
    facilities = [
        make_facility(id="F1", name="A very long hospital name that goes on and on"),
        make_facility(id="F1 ", name="A very long hospital name that goes on and on"),
        make_facility(id="S", name="ummary"),
        make_facility(id="x", name="a/b:c*d?e[f]g\\h"),
        make_facility(id="Summary", name=""),
        make_facility(id="F0004", name="Berezedolsk War Veterans' Hospital"),  # cut at the '
        make_facility(id="'F5", name="Quoted'"),
    ]
    names = facility_sheet_names(facilities)
    values = list(names.values())
    assert all(len(n) <= 31 for n in values)
    assert len({n.casefold() for n in values}) == len(values)
    assert not any(set(n) & set("[]:*?/\\") for n in values)
    assert "summary" not in {n.casefold() for n in values}
    assert not any(n.startswith("'") or n.endswith("'") for n in values)
    assert names["F0004"] == "F0004 Berezedolsk War Veterans"


def test_split_writes_a_workbook_per_facility_and_replaces_the_old_folder(tmp_path) -> None:
    dataset, assignments = small_case()
    second = make_facility(id="F/2", name="Second")
    dataset = make_dataset(
        facilities=[*dataset.facilities, second],
        volunteers=dataset.volunteers,
        needs=dataset.needs,
    )
    path = tmp_path / "roster.xlsx"
    folder = split_folder(path)
    folder.mkdir()
    (folder / "stale.xlsx").write_text("from an earlier run")
    written = write_roster(dataset, assignments, path, split=True)
    assert written[0] == path
    assert sorted(p.name for p in folder.iterdir()) == ["F1.xlsx", "F_2.xlsx"]
    assert sorted(written[1:]) == sorted(folder.iterdir())
    main = openpyxl.load_workbook(path, read_only=True)
    assert main.sheetnames == ["Summary", "Assignments", "Unfilled", "Volunteers"]
    main.close()
    one = openpyxl.load_workbook(folder / "F1.xlsx", read_only=True)
    assert len(one.sheetnames) == 1
    one.close()


def test_hostile_text_is_exported_as_text(tmp_path) -> None:
    facility = make_facility(name=HOSTILE[0], address=HOSTILE[1])
    people = [
        make_volunteer(id=f"V{k}", name=text, phone=HOSTILE[2]) for k, text in enumerate(HOSTILE)
    ]
    needs = [make_need(id=f"N{k}", date=f"2026-03-0{k + 2}", count=2) for k in range(4)]
    dataset = make_dataset(facilities=[facility], volunteers=people, needs=needs)
    assignments = [(f"N{k}", f"V{k}") for k in range(4)]
    path = tmp_path / "roster.xlsx"
    write_roster(dataset, assignments, path)
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name).decode()
                assert "<f>" not in xml and "<f " not in xml, name
    book = openpyxl.load_workbook(path)
    seen = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(("=", "@", "+", "-")):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate)
                    assert cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
                    seen.add(cell.value)
    book.close()
    assert set(HOSTILE) <= seen
    rows = rows_of(path, "Assignments")
    assert {r["volunteer_name"] for r in rows} == set(HOSTILE)
    assert {r["facility_name"] for r in rows} == {HOSTILE[0]}


def test_a_roster_streamed_to_disk_reads_the_same_as_one_held_in_memory(
    demo, demo_book, tmp_path, monkeypatch
) -> None:
    """Very large rosters stream rows to disk; every sheet must come out the same."""
    dataset, result = demo
    monkeypatch.setattr("scheduler.outputs.roster.STREAM_FROM_ROWS", 0)
    streamed = tmp_path / "streamed.xlsx"
    write_roster(dataset, result.assignments, streamed, result=result)
    held, disk = (openpyxl.load_workbook(p) for p in (demo_book, streamed))
    assert held.sheetnames == disk.sheetnames
    for name in held.sheetnames:
        cells = [[c.value for c in row] for row in held[name].iter_rows()]
        assert cells == [[c.value for c in row] for row in disk[name].iter_rows()], name
        assert held[name].print_title_rows == disk[name].print_title_rows
    with zipfile.ZipFile(streamed) as archive:  # the streamed file has no shared strings
        assert "xl/sharedStrings.xml" not in archive.namelist()


def test_a_failed_write_leaves_the_previous_roster(tmp_path, monkeypatch) -> None:
    dataset, assignments = small_case()
    path = tmp_path / "roster.xlsx"
    write_roster(dataset, assignments, path)
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("scheduler.outputs.roster._volunteers", broken)
    with pytest.raises(RuntimeError):
        write_roster(dataset, assignments[:1], path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.xlsx"]


def test_coverage_counts_an_overfilled_shift_once() -> None:
    dataset, _ = small_case()
    tally = coverage(dataset, [("N4", "V1"), ("N4", "V2"), ("N1", "V1")])
    assert tally.filled_by_need["N4"] == 1
    assert tally.total.filled == 2
    assert tally.by_priority[Priority.CRITICAL].filled == 0
    weight = dataset.rules.weight(Priority.NORMAL)
    assert tally.total.weight_filled == pytest.approx(2 * weight)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_roster(demo_book, tmp_path) -> None:
    done = subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), demo_book],
        capture_output=True,
        text=True,
        timeout=180,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / "roster.pdf"
    assert pdf.stat().st_size > 10_000
    assert "Error" not in done.stderr


def test_a_need_years_away_adds_one_day_column_not_the_years_between(tmp_path) -> None:
    """The Volunteers sheet once spanned 2,406 day columns for one stray need."""
    dataset, assignments = small_case()
    stray = make_need(id="N9", date="2032-10-04", start="08:00", end="16:00")
    dataset = make_dataset(
        facilities=dataset.facilities, volunteers=dataset.volunteers, needs=[*dataset.needs, stray]
    )
    path = tmp_path / "roster.xlsx"
    write_roster(dataset, [*assignments, ("N9", "V1")], path)
    rows = list(
        openpyxl.load_workbook(path, read_only=True)["Volunteers"].iter_rows(values_only=True)
    )
    days = [d.date() for d in rows[0][len(VOLUNTEER_COLUMNS) :]]
    assert days == sorted({n.date for n in dataset.needs})  # the days with shifts, in order
    assert len(days) == 5
    anna = next(r for r in rows if r[0] == "V1")
    assert anna[len(VOLUNTEER_COLUMNS) + days.index(dt.date(2032, 10, 4))] == "08:00–16:00 F1"


def test_day_columns_stop_at_a_year_of_days_with_a_note(tmp_path, monkeypatch) -> None:
    from scheduler.outputs.roster import volunteers

    monkeypatch.setattr(volunteers, "MAX_DAY_COLUMNS", 2)
    dataset, assignments = small_case()
    path = tmp_path / "roster.xlsx"
    write_roster(dataset, assignments, path)
    rows = list(
        openpyxl.load_workbook(path, read_only=True)["Volunteers"].iter_rows(values_only=True)
    )
    header = rows[0][len(VOLUNTEER_COLUMNS) :]
    assert [d.date() for d in header[:2]] == [dt.date(2026, 3, 2), dt.date(2026, 3, 3)]
    assert header[2] == "2 more days with shifts are not shown here; see the facility sheets"
    boris = next(r for r in rows if r[0] == "V2")  # his shifts are on the days left out
    assert boris[5] == 2 and not any(boris[len(VOLUNTEER_COLUMNS) :])


def test_a_facility_sheet_states_its_own_span(tmp_path) -> None:
    dataset, assignments = small_case()
    other = make_facility(id="F2", name="Second")
    late = make_need(id="N8", facility_id="F2", date="2026-05-20", start="08:00", end="16:00")
    dataset = make_dataset(
        facilities=[*dataset.facilities, other],
        volunteers=dataset.volunteers,
        needs=[*dataset.needs, late],
    )
    path = tmp_path / "roster.xlsx"
    write_roster(dataset, assignments, path)
    book = openpyxl.load_workbook(path, read_only=True)
    names = facility_sheet_names(dataset.facilities)
    first = next(book[names["F1"]].iter_rows(min_row=2, max_row=2, values_only=True))[0]
    second = next(book[names["F2"]].iter_rows(min_row=2, max_row=2, values_only=True))[0]
    book.close()
    assert first.endswith("shifts 02 Mar 2026 – 10 Mar 2026")  # not the roster's 20 May
    assert second.endswith("facility F2   ·   shifts 20 May 2026 – 20 May 2026")
