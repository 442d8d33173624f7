"""Writing the national roster workbook (target: under 10 s), and LibreOffice opening it.

Solves data/national once, then times `write_roster` several times (the
funnel of reasons included, as `scheduler solve` does it) and prints the
median, with the split variant (a workbook per facility) beside it. When
LibreOffice is installed it converts the national workbook to PDF
(`soffice --headless --convert-to pdf`) and reports whether that worked;
with `--screenshots DIR` it renders the demo roster's Summary and one
facility sheet to PNG (pdftoppm) for the README.

    .venv/bin/python benchmarks/bench_roster.py [--runs 3] [--screenshots docs/images]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scheduler.engine.results import Settings
from scheduler.engine.solver import solve
from scheduler.intake.loading import load_dataset
from scheduler.outputs.roster import facility_sheet_names, split_folder, write_roster
from scheduler.outputs.unfilled import explain_unfilled

ROOT = Path(__file__).resolve().parent.parent


def timed(action, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return times


def line(label: str, times: list[float]) -> str:
    runs = ", ".join(f"{t:.2f}" for t in times)
    return f"{label:<34}: median {statistics.median(times):.2f} s (runs: {runs})"


def to_pdf(workbook: Path, folder: Path) -> tuple[bool, float, str]:
    """LibreOffice's verdict on a workbook: converted or not, seconds, what it printed."""
    started = time.perf_counter()
    done = subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(folder), str(workbook)],
        capture_output=True,
        text=True,
        timeout=1800,
        env={**os.environ, "HOME": str(folder)},  # a fresh LibreOffice profile
    )
    pdf = folder / f"{workbook.stem}.pdf"
    ok = done.returncode == 0 and pdf.exists() and pdf.stat().st_size > 0
    return ok, time.perf_counter() - started, (done.stdout + done.stderr).strip()


def screenshots(target: Path, work: Path) -> list[Path]:
    """The demo roster's Summary and first facility sheet as PNG pictures."""
    dataset, _ = load_dataset(ROOT / "data" / "demo")
    result = solve(dataset, Settings())
    roster = work / "demo-roster.xlsx"
    write_roster(dataset, result.assignments, roster, result=result, split=True)
    target.mkdir(parents=True, exist_ok=True)
    pictures = []
    summary_only = work / "summary.xlsx"
    _keep_sheets(roster, summary_only, ["Summary"])
    first = dataset.facilities[0]
    facility_book = split_folder(roster) / f"{first.id}.xlsx"
    assert facility_sheet_names(dataset.facilities)[first.id]
    for name, book in (("roster-summary", summary_only), ("roster-facility", facility_book)):
        ok, _, said = to_pdf(book, work)
        if not ok:
            raise SystemExit(f"LibreOffice could not convert {book}: {said}")
        stem = target / name
        subprocess.run(
            [
                *("pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"),
                str(work / f"{book.stem}.pdf"),
                str(stem),
            ],
            check=True,
        )
        pictures.append(stem.with_suffix(".png"))
    return pictures


def _keep_sheets(source: Path, target: Path, names: list[str]) -> None:
    import openpyxl

    book = openpyxl.load_workbook(source)
    for sheet in list(book.worksheets):
        if sheet.title not in names:
            book.remove(sheet)
    book.save(target)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--input", type=Path, default=ROOT / "data" / "national")
    parser.add_argument("--screenshots", type=Path, default=None)
    parser.add_argument("--no-pdf", action="store_true", help="Skip the LibreOffice check.")
    args = parser.parse_args()
    dataset, _ = load_dataset(args.input)
    result = solve(dataset, Settings())
    print(
        f"{args.input.name}: {len(dataset.needs):,} needs, {len(result.assignments):,} "
        f"assignments, {dataset.demand - result.filled:,} open places"
    )
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        path = work / "roster.xlsx"
        reasons = timed(lambda: explain_unfilled(dataset, result.assignments), args.runs)
        whole = timed(
            lambda: write_roster(dataset, result.assignments, path, result=result), args.runs
        )
        split = timed(
            lambda: write_roster(dataset, result.assignments, path, result=result, split=True),
            args.runs,
        )
        write_roster(dataset, result.assignments, path, result=result)
        size = path.stat().st_size / 2**20
        print(line("why-unfilled funnel", reasons))
        print(line(f"roster workbook ({size:.1f} MB)", whole))
        print(line("workbook + one per facility", split))
        verdict = statistics.median(whole) < 10.0
        print(f"target < 10 s: {'met' if verdict else 'NOT met'}")
        if shutil.which("soffice") is None:
            print("LibreOffice: not installed, PDF check skipped")
        elif not args.no_pdf:
            ok, seconds, said = to_pdf(path, work)
            pages = _pages(work / "roster.pdf") if ok else 0
            print(
                f"LibreOffice --convert-to pdf: {'converted' if ok else 'FAILED'} in "
                f"{seconds:.0f} s, {pages:,} pages" + ("" if ok else f"\n{said}")
            )
            verdict = verdict and ok
        if args.screenshots is not None:
            for picture in screenshots(args.screenshots, work):
                print(f"wrote {picture}")
    return 0 if verdict else 1


def _pages(pdf: Path) -> int:
    if shutil.which("pdfinfo") is None:
        return 0
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    return next((int(x.split()[-1]) for x in info.splitlines() if x.startswith("Pages:")), 0)


if __name__ == "__main__":
    sys.exit(main())
