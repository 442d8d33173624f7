"""`scheduler export`, and the round trip: a coordinator edits the roster in Excel, checks it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import icalendar
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from scheduler.cli import main
from scheduler.domain import Dataset
from scheduler.engine.results import Settings, SolveResult
from scheduler.engine.solver import solve
from scheduler.intake.loading import load_dataset
from scheduler.outputs.roster import write_roster

DEMO = Path(__file__).parent.parent / "data" / "demo"


@pytest.fixture(scope="module")
def demo() -> tuple[Dataset, SolveResult]:
    dataset, _ = load_dataset(DEMO)
    return dataset, solve(dataset, Settings())


@pytest.fixture
def roster(demo, tmp_path) -> Path:
    dataset, result = demo
    path = tmp_path / "roster.xlsx"
    write_roster(dataset, result.assignments, path, result=result)
    return path


def run(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


def edit_assignments(path: Path, change) -> None:
    """Open the roster as a coordinator would in Excel, change the Assignments sheet, save."""
    book = openpyxl.load_workbook(path)
    sheet = book["Assignments"]
    header = [c.value for c in sheet[1]]
    change(sheet, {name: i + 1 for i, name in enumerate(header)})
    book.save(path)


def test_export_writes_every_calendar_and_the_csv(demo, roster, tmp_path) -> None:
    _, result = demo
    out = tmp_path / "out"
    code, _, err = run("export", DEMO, roster, "-o", out)
    assert code == 0, err
    busy = {v for _, v in result.assignments}
    calendars = sorted((out / "calendars").iterdir())
    assert len(calendars) == len(busy)
    events = Counter()
    for file in calendars:
        for event in icalendar.Calendar.from_ical(file.read_bytes()).walk("VEVENT"):
            events[str(event["DESCRIPTION"])] += 1
    assert sum(events.values()) == len(result.assignments)
    table = pd.read_csv(out / "assignments.csv", encoding="utf-8-sig", dtype=str)
    assert Counter(zip(table.need_id, table.volunteer_id, strict=True)) == Counter(
        result.assignments
    )


def test_a_hand_edit_that_breaks_a_rule_is_reported_in_words(demo, roster, tmp_path) -> None:
    dataset, result = demo
    needs = dataset.need_by_id
    # Put the volunteer of one shift also on another shift at the same time.
    moved, moved_from, other_need = next(
        (v1, v2, n2)
        for n1, v1 in result.assignments
        for n2, v2 in result.assignments
        if v1 != v2
        and n1 != n2
        and needs[n2].start < needs[n1].end
        and needs[n1].start < needs[n2].end
    )

    def move(sheet, column) -> None:
        for row in sheet.iter_rows(min_row=2):
            need_id = row[column["need_id"] - 1].value
            volunteer_id = row[column["volunteer_id"] - 1].value
            if (need_id, volunteer_id) == (other_need, moved_from):
                row[column["volunteer_id"] - 1].value = moved
                return
        raise AssertionError("the row to edit was not found")

    edit_assignments(roster, move)
    code, out, err = run("check", DEMO, roster)
    assert code == 1
    assert f"{moved} works" in out and ("overlap" in out or "between them" in out)
    code, _, err = run("export", DEMO, roster, "-o", tmp_path / "out")
    assert code == 1 and "nothing was exported" in err
    assert not (tmp_path / "out").exists()
    code, _, err = run("export", DEMO, roster, "-o", tmp_path / "out", "--allow-broken")
    assert code == 0, err
    assert (tmp_path / "out" / "assignments.csv").exists()


def test_a_deleted_row_reopens_the_place_in_the_rebuilt_workbook(demo, roster, tmp_path) -> None:
    _, result = demo
    removed: list[str] = []

    def delete_second_row(sheet, column) -> None:
        removed.append(sheet.cell(2, column["need_id"]).value)
        sheet.delete_rows(2)

    edit_assignments(roster, delete_second_row)
    code, _, err = run("check", DEMO, roster)
    assert code == 0, err
    assert f"{len(result.assignments) - 1:,} assignments" in err
    code, _, err = run("export", DEMO, roster, "-o", tmp_path / "out", "--workbook", roster)
    assert code == 0, err
    book = openpyxl.load_workbook(roster, read_only=True)
    figures = {
        r[0]: r[1] for r in book["Summary"].iter_rows(min_row=2, max_row=8, values_only=True)
    }
    unfilled = [r[0] for r in book["Unfilled"].iter_rows(min_row=2, values_only=True)]
    book.close()
    assert figures["places filled"] == result.filled - 1
    assert removed[0] in unfilled


def test_export_of_a_file_that_is_no_roster_says_so(tmp_path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("hello")
    code, out, _ = run("export", DEMO, bogus)
    assert code == 1
    assert "is not a roster workbook" in out


@pytest.mark.slow
def test_a_national_roster_reads_back_from_every_export(tmp_path) -> None:
    """Solve the national week, export everything, and read each file back as data."""
    from scheduler.checker import check_roster
    from scheduler.outputs.roster_reading import read_assignments

    national = Path(__file__).parent.parent / "data" / "national"
    dataset, _ = load_dataset(national)
    result = solve(dataset, Settings())
    roster = tmp_path / "roster.xlsx"
    write_roster(dataset, result.assignments, roster, result=result)
    expected = Counter(result.assignments)
    back = read_assignments(roster, dataset)
    assert Counter((a.need_id, a.volunteer_id) for a in back) == expected
    assert check_roster(dataset, back) == []

    code, _, err = run("export", national, roster, "-o", tmp_path / "out")
    assert code == 0, err
    table = pd.read_csv(tmp_path / "out" / "assignments.csv", encoding="utf-8-sig", dtype=str)
    assert Counter(zip(table.need_id, table.volunteer_id, strict=True)) == expected
    from_calendars = Counter()
    for file in (tmp_path / "out" / "calendars").iterdir():
        calendar = icalendar.Calendar.from_ical(file.read_bytes())
        for event in calendar.walk("VEVENT"):
            need_id = str(event["DESCRIPTION"]).rsplit("Need: ", 1)[-1].strip()
            from_calendars[need_id] += 1
    assert from_calendars == Counter(n for n, _ in result.assignments)

    book = openpyxl.load_workbook(roster, read_only=True)
    unfilled = {r[0]: r[11] for r in book["Unfilled"].iter_rows(min_row=2, values_only=True)}
    book.close()
    filled = Counter(n for n, _ in result.assignments)
    assert unfilled == {
        n.id: n.count - filled[n.id] for n in dataset.needs if filled[n.id] < n.count
    }
