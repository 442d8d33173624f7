"""`make run`'s demo lives in the present: past shifts, today's and upcoming ones."""

from __future__ import annotations

import datetime as dt
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from scheduler.intake.loading import load_dataset

ROOT = Path(__file__).resolve().parents[1]


def run_recipe() -> list[str]:
    """The commands `make run` would run, as make prints them (continuations joined)."""
    printed = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return printed.replace("\\\n", " ").splitlines()


@pytest.mark.slow
def test_the_demo_runs_from_a_week_ago_to_a_week_ahead(tmp_path: Path) -> None:
    (line,) = [c for c in run_recipe() if "scheduler generate" in c]
    command = shlex.split(line)
    output = command.index("-o") + 1
    assert command[output] == "instance/demo"
    command[output] = str(tmp_path / "demo")
    command[0] = str(ROOT / command[0])
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    dataset, _ = load_dataset(tmp_path / "demo")
    first, last = dataset.horizon or (None, None)
    today = dt.date.today()
    assert first == today - dt.timedelta(days=7)
    assert last == today + dt.timedelta(days=7)
    assert {n.date for n in dataset.needs} >= {first, today, last}


def test_the_demo_loaded_is_the_one_generated() -> None:
    recipe = run_recipe()
    (load,) = [c for c in recipe if "load-data" in c]
    assert re.search(r"load-data instance/demo --solve$", load)
    assert not any("NEED_DAYS_BACK" in c for c in recipe)  # no window widened for old dates
