"""Every deliberately broken input gets its exact sheet:row:column message and exit 1.

The cases live in tests/broken/cases (made by tests/broken/make_cases.py);
the ones too large for git are made here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.cli import main

CASES = Path(__file__).parent / "broken" / "cases"
CASE_DIRS = sorted(p for p in CASES.iterdir() if p.is_dir())


def run_validate(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", "--quiet", str(path)])
    return result.exit_code, result.output


def test_there_are_at_least_25_distinct_mistakes() -> None:
    assert len(CASE_DIRS) >= 25


@pytest.mark.parametrize("case", CASE_DIRS, ids=lambda p: p.name)
def test_broken_input_is_reported_where_it_is(case: Path) -> None:
    source = next(p for p in case.iterdir() if p.name.startswith("input"))
    code, output = run_validate(source)
    assert code == 1, output
    printed = output.splitlines()
    for line in (case / "expected.txt").read_text(encoding="utf-8").splitlines():
        assert line in printed, f"expected {line!r} in:\n{output}"
    assert "Traceback" not in output


def test_a_50_mb_csv_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    folder = tmp_path / "input"
    shutil.copytree(CASES / "csv_semicolon_bad_time" / "input", folder)
    row = b"F1,2026-03-02,08:00,16:00,nurse,1,2\n"
    with (folder / "needs.csv").open("wb") as out:
        out.write(b"facility_id,date,start,end,role,count,priority\n")
        out.write(row * (50 * 2**20 // len(row) + 1))
    code, output = run_validate(folder)
    assert code == 1
    assert (
        "needs:-:-: needs.csv: the file is 50.0 MB, more than the 40 MB accepted; split it "
        "or remove what is not needed"
    ) in output.splitlines()


def test_the_real_command_exits_1_without_a_traceback() -> None:
    """Once through a real process: exit status and streams as a shell sees them."""
    case = CASES / "zip_bomb" / "input.xlsx"
    done = subprocess.run(
        [sys.executable, "-m", "scheduler", "validate", str(case)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stdout.startswith("input.xlsx:-:-: the workbook unpacks to 512 MB")
    assert "Traceback" not in done.stderr


def csv_input(tmp_path: Path, needs: bytes) -> Path:
    """The CSV case's folder with needs.csv replaced."""
    folder = tmp_path / "input"
    shutil.copytree(CASES / "csv_semicolon_bad_time" / "input", folder)
    (folder / "needs.csv").write_bytes(needs)
    return folder


HEADER = b"facility_id,date,start,end,role,count,priority\n"


def test_a_cell_over_the_csv_field_limit_is_named_by_row(tmp_path: Path) -> None:
    huge = b'F1,2026-03-02,08:00,16:00,nurse,1,2\nF1,2026-03-02,08:00,16:00,"' + b"x" * 200_000
    code, output = run_validate(csv_input(tmp_path, HEADER + huge + b'",1,2\n'))
    assert code == 1
    assert "needs:3:-: this row cannot be read (field larger than field limit (131072)); " in output
    assert 'a quote " opens a cell and is never closed' in output
    assert "Traceback" not in output


def test_a_sheet_over_the_row_limit_is_refused_before_it_is_validated(tmp_path: Path) -> None:
    from scheduler.intake.csv_files import read_csv_sheet
    from scheduler.intake.raw import Limits
    from scheduler.problems import InvalidInput

    row = b"F1,2026-03-02,08:00,16:00,nurse,1,2\n"
    file = csv_input(tmp_path, HEADER + row * 101) / "needs.csv"
    with pytest.raises(InvalidInput) as caught:
        read_csv_sheet(file, "needs", Limits(max_rows=100))
    [problem] = caught.value.problems
    assert str(problem) == (
        "needs:102:-: the sheet has more than 100 rows, the most accepted at once; "
        "split it into several files"
    )
    sheet, _ = read_csv_sheet(file, "needs", Limits(max_rows=101))
    assert sheet is not None and len(sheet.rows) == 101


def test_a_thousand_problems_are_listed_and_the_rest_counted(tmp_path: Path) -> None:
    same = b"F1,2026-03-02,08:00,16:00,nurse,1,2\n"  # each row after the first: a duplicate
    code, output = run_validate(csv_input(tmp_path, HEADER + same * 5000))
    assert code == 1
    lines = output.splitlines()
    listed = [line for line in lines if line.startswith("needs:") and line[6].isdigit()]
    assert len(listed) == 1000
    assert listed[0].startswith("needs:3:-: the same shift as row 2")
    more = (
        "needs:-:-: … and 3,999 more problems in this sheet, not listed; fix the ones above "
        "(often a whole column is wrong) and try again"
    )
    assert lines.index(listed[-1]) < lines.index(more)
    assert lines[-1].endswith("4,999 problems; nothing was loaded.")


def test_checking_stops_after_a_thousand_bad_rows(tmp_path: Path) -> None:
    bad = b"F1,2026-03-02,08:00,16:00,nurse,lots,2\n"
    code, output = run_validate(csv_input(tmp_path, HEADER + bad * 5000))
    assert code == 1
    lines = output.splitlines()
    listed = [line for line in lines if line.startswith("needs:") and line[6].isdigit()]
    assert listed == [f"needs:{n}:count: 'lots' is not a number" for n in range(2, 1002)]
    assert (
        "needs:-:-: checking stopped after 1,000 problems at row 1,001; the 4,000 rows below "
        "it were not checked. Fix the problems listed (often a whole column is wrong) and "
        "try again"
    ) in lines


def test_a_header_of_a_million_columns_is_refused(tmp_path: Path) -> None:
    code, output = run_validate(csv_input(tmp_path, b"x," * 1_000_000 + b"\n"))
    assert code == 1
    assert (
        "needs:1:-: the header row has 1,000,001 cells, more than the 200 columns accepted; "
        "delete the unused columns"
    ) in output.splitlines()


def test_a_sheet_of_mostly_blank_lines_is_refused_before_it_is_all_read(tmp_path: Path) -> None:
    from scheduler.intake.csv_files import read_csv_sheet
    from scheduler.intake.raw import Limits
    from scheduler.problems import InvalidInput

    row = b"F1,2026-03-02,08:00,16:00,nurse,1,2\n"
    file = csv_input(tmp_path, HEADER + row + b",,,,,,\n" * 300) / "needs.csv"
    with pytest.raises(InvalidInput) as caught:
        read_csv_sheet(file, "needs", Limits(max_rows=100))
    [problem] = caught.value.problems
    assert str(problem) == (
        "needs:201:-: the sheet has more than 200 rows, blank ones included; "
        "delete the empty rows at its end"
    )
