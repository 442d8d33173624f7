"""The parts on a Dask cluster (a real LocalCluster): the same roster as the local pool,
and none lost when a worker dies mid-solve."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from scheduler.engine.cluster import dask_executor
from scheduler.engine.results import PartMethod, Settings
from scheduler.engine.solver import solve
from scheduler.intake.loading import load_dataset

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.filterwarnings("ignore:.*:UserWarning"),
]


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local


def test_a_cluster_gives_the_roster_of_the_local_pool(cluster) -> None:
    dataset, _ = load_dataset(ROOT / "data" / "demo")
    settings = Settings(time_limit=60, workers=2)
    here = solve(dataset, settings)
    with dask_executor(cluster.scheduler_address) as executor:
        there = solve(dataset, settings, executor)
    assert there.assignments == here.assignments
    assert there.weighted_coverage == here.weighted_coverage
    assert all(p.method is not PartMethod.GREEDY for p in there.parts)


@pytest.mark.slow
def test_a_worker_killed_mid_solve_loses_no_part(cluster) -> None:
    """National parts take seconds; one worker is killed once both are busy."""
    dataset, _ = load_dataset(ROOT / "data" / "national")
    settings = Settings(time_limit=120, workers=2)
    here = solve(dataset, settings)
    killed: list[str] = []
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as watcher:

        def kill_one_when_busy() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                busy = [w for w, tasks in watcher.processing().items() if tasks]
                if len(busy) == 2:
                    killed.append(busy[0])
                    watcher.run(lambda: __import__("os")._exit(1), workers=[busy[0]], wait=False)
                    return
                time.sleep(0.05)

        killer = threading.Thread(target=kill_one_when_busy)
        with dask_executor(cluster.scheduler_address) as executor:
            killer.start()
            there = solve(dataset, settings, executor)
        killer.join()
    assert killed, "both workers were never busy at once"
    assert there.assignments == here.assignments
    assert all(p.method is not PartMethod.GREEDY for p in there.parts)


def test_the_command_says_when_no_cluster_answers(tmp_path: Path) -> None:
    command = ["solve", str(ROOT / "data" / "demo"), "-o", str(tmp_path / "roster.xlsx")]
    done = subprocess.run(
        [sys.executable, "-m", "scheduler", *command, "--dask", "tcp://127.0.0.1:9"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1
    assert "no Dask scheduler answered at tcp://127.0.0.1:9" in done.stderr
    assert not (tmp_path / "roster.xlsx").exists()
