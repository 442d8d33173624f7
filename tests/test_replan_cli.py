"""`scheduler solve --baseline`: a roster in, locked rows kept, the changes counted and said."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from scheduler.engine.results import Settings
from scheduler.engine.solver import solve
from scheduler.intake.loading import load_dataset
from scheduler.outputs.roster import write_roster

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scheduler", *args], capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def roster(tmp_path_factory) -> Path:
    dataset, _ = load_dataset(DEMO)
    path = tmp_path_factory.mktemp("replan") / "roster.xlsx"
    write_roster(dataset, solve(dataset, Settings(time_limit=60)).assignments, path)
    return path


def locked_copy(roster: Path, folder: Path, rows: int, stranger: str | None = None) -> Path:
    """The roster with a `locked` column, its first `rows` rows locked; and a row for a
    volunteer the input does not have, locked too, when `stranger` is given."""
    book = openpyxl.load_workbook(roster)
    sheet = book["Assignments"]
    column = sheet.max_column + 1
    sheet.cell(1, column, "locked")
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row, column, "yes" if row <= rows + 1 else "no")
    if stranger:
        header = [c.value for c in sheet[1]]
        copy = [c.value for c in sheet[2]]
        copy[header.index("volunteer_id")] = stranger
        copy[header.index("locked")] = "yes"
        sheet.append(copy)
    path = folder / "locked.xlsx"
    book.save(path)
    return path


def test_a_replan_of_unchanged_data_keeps_everything_and_writes_the_pins_back(
    roster: Path, tmp_path: Path
) -> None:
    baseline = locked_copy(roster, tmp_path, rows=5)
    out = tmp_path / "new.xlsx"
    done = run("solve", str(DEMO), "-o", str(out), "--baseline", str(baseline), "--json")
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    pairs = sum(1 for _ in openpyxl.load_workbook(roster)["Assignments"].iter_rows(min_row=2))
    assert (figures["kept"], figures["added"], figures["removed"]) == (pairs, 0, 0)
    assert figures["changed_volunteers"] == 0 and figures["baseline_notes"] == []
    assert "re-plan:" in done.stderr
    sheet = openpyxl.load_workbook(out)["Assignments"]
    header = [c.value for c in sheet[1]]
    assert header[-1] == "locked"
    locked = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[-1] == "yes"]
    assert len(locked) == 5


def test_a_locked_row_that_cannot_be_kept_is_said_in_words(roster: Path, tmp_path: Path) -> None:
    baseline = locked_copy(roster, tmp_path, rows=0, stranger="V-LEFT")
    out = tmp_path / "new.xlsx"
    done = run("solve", str(DEMO), "-o", str(out), "--baseline", str(baseline), "--json")
    assert done.returncode == 0, done.stderr
    assert "/ V-LEFT cannot be kept: the volunteer is no longer in the input" in done.stderr
    (note,) = json.loads(done.stdout)["baseline_notes"]
    assert "V-LEFT" in note


def test_a_freeze_needs_a_baseline(tmp_path: Path) -> None:
    out = tmp_path / "new.xlsx"
    done = run("solve", str(DEMO), "-o", str(out), "--freeze-before", "2020-05-20 08:00")
    assert done.returncode == 2
    assert "give --baseline" in done.stderr
    assert not out.exists()


def test_an_unreadable_locked_cell_names_its_row(roster: Path, tmp_path: Path) -> None:
    baseline = locked_copy(roster, tmp_path, rows=1)
    book = openpyxl.load_workbook(baseline)
    sheet = book["Assignments"]
    sheet.cell(3, sheet.max_column, "perhaps")
    book.save(baseline)
    done = run("solve", str(DEMO), "-o", str(tmp_path / "new.xlsx"), "--baseline", str(baseline))
    assert done.returncode == 1
    assert "Assignments:3:locked:" in done.stderr.replace(" ", "")


def test_a_freeze_is_read_with_or_without_an_offset(roster: Path, tmp_path: Path) -> None:
    """The demo names no zones: its facilities are on the site's clock (Moscow, +03:00)."""
    found = []
    for when in ("2020-05-20 08:00", "2020-05-20 08:00+03:00", "2020-05-20 05:00 +00:00"):
        out = tmp_path / "new.xlsx"
        done = run(
            "solve", str(DEMO), "-o", str(out), "--baseline", str(roster),
            "--freeze-before", when, "--json",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        found.append(json.loads(done.stdout)["kept"])
    assert found[0] == found[1] == found[2] > 0
