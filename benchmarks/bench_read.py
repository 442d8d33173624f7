"""Reading and validating the national dataset from .xlsx (target: under 5 s).

Makes the national workbook with the generator (the same seed as
data/national), then times `load_dataset` on it several times and prints the
median, with the CSV folder read the same way for comparison.

    .venv/bin/python benchmarks/bench_read.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from scheduler.intake.loading import load_dataset
from scheduler.intake.writing import write_tables
from scheduler.synthetic import GeneratorSpec, generate

ROOT = Path(__file__).resolve().parent.parent
NATIONAL = GeneratorSpec(volunteers=7000, facilities=160, days=7, regions=40, seed=2020)


def timed(path: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        load_dataset(path)
        times.append(time.perf_counter() - started)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        workbook = Path(folder) / "national.xlsx"
        write_tables(generate(NATIONAL), workbook)
        size = workbook.stat().st_size / 2**20
        dataset, _ = load_dataset(workbook)
        xlsx = timed(workbook, args.runs)
        csv = timed(ROOT / "data" / "national", args.runs)
    print(
        f"national: {len(dataset.volunteers):,} volunteers, {len(dataset.facilities)} "
        f"facilities, {len(dataset.availability):,} availability rows, "
        f"{len(dataset.needs):,} needs; workbook {size:.1f} MB"
    )
    print(
        f"read + validate .xlsx : median {statistics.median(xlsx):.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in xlsx)})"
    )
    print(
        f"read + validate CSV   : median {statistics.median(csv):.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in csv)})"
    )
    target = statistics.median(xlsx) < 5.0
    print(f"target (< 5 s for .xlsx): {'met' if target else 'NOT met'}")
    return 0 if target else 1


if __name__ == "__main__":
    sys.exit(main())
