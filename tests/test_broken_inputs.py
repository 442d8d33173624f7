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
