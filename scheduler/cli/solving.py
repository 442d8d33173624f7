"""Staffing: `scheduler solve`, fresh or re-planned against a roster, locally or on Dask."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from scheduler.cli.group import INPUT, cannot_write, load_or_exit, main
from scheduler.domain import DEFAULT_TIMEZONE
from scheduler.engine import results
from scheduler.engine.results import SolverName
from scheduler.i18n import figure, gettext
from scheduler.problems import InvalidInput

if TYPE_CHECKING:
    from scheduler.engine.solver import Progress


@main.command()
@click.argument("input_path", metavar="INPUT", type=INPUT)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the roster workbook (.xlsx).",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=1),
    default=120.0,
    show_default=True,
    help="Seconds for the whole solve; the best roster found by then is written.",
)
@click.option(
    "--gap",
    type=click.FloatRange(min=0, max=1),
    default=1e-4,
    show_default=True,
    help="Relative optimality gap at which the search for a part stops.",
)
@click.option(
    "--solver",
    type=click.Choice([s.value for s in SolverName]),
    default="highs",
    show_default=True,
    help="HiGHS (fast) or CBC (the alternative).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    help="Parts solved side by side [default: one per core].",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Solver threads for each part.",
)
@click.option(
    "--prove-seconds",
    type=click.FloatRange(min=0),
    default=5.0,
    show_default=True,
    help="Seconds each worker may spend in a solve proving parts optimal (a part short of "
    "its bound gets its whole MIP, started from the roster found); 0 never tries.",
)
@click.option(
    "--split",
    is_flag=True,
    help="Put each facility's roster in its own workbook, in the folder OUTPUT-facilities.",
)
@click.option(
    "--baseline",
    type=INPUT,
    default=None,
    help="Re-plan against this roster (a roster workbook, maybe edited): its still-possible "
    "assignments are kept unless moving one fills places weighing more, its locked rows "
    "are kept whatever happens.",
)
@click.option(
    "--freeze-before",
    type=click.DateTime(
        formats=[
            "%Y-%m-%d %H:%M",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M%z",
            "%Y-%m-%d %H:%M %z",
            "%Y-%m-%dT%H:%M%z",
        ]
    ),
    default=None,
    help='With --baseline: nothing starting before this instant ("YYYY-MM-DD HH:MM" in '
    f"{DEFAULT_TIMEZONE} time, or with an offset such as +10:00) is moved or removed, each "
    "shift's start read in its facility's time zone; its open places may still be filled.",
)
@click.option(
    "--keep-weight",
    type=click.FloatRange(min=0, max=1000),
    default=1.0,
    show_default=True,
    help="With --baseline: what keeping an assignment is worth, in its place's weight; an "
    "assignment moves only to fill places weighing more than (1 + this) times its own.",
)
@click.option(
    "--dask",
    "dask_address",
    envvar="SCHEDULER_DASK_ADDRESS",
    default=None,
    help="Solve the parts on the Dask cluster whose scheduler is at this address "
    "(e.g. tcp://10.0.0.5:8786; also SCHEDULER_DASK_ADDRESS) instead of local processes.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the figures as one JSON object on stdout."
)
def solve(
    input_path: Path,
    output: Path,
    time_limit: float,
    gap: float,
    solver: str,
    workers: int,
    threads: int,
    prove_seconds: float,
    split: bool,
    baseline: Path | None,
    freeze_before: dt.datetime | None,
    keep_weight: float,
    dask_address: str | None,
    as_json: bool,
) -> None:
    """Staff every need of INPUT and write the roster to OUTPUT.

    Critical needs come first, then normal, then low (by the weights of the
    rules sheet); among rosters that fill as much, work is spread fairly.
    The roster never breaks a hard rule. Exit status 0 when it is written.
    """
    from scheduler.engine.results import Settings
    from scheduler.engine.solver import solve as run
    from scheduler.outputs.roster import write_roster

    started = time.monotonic()
    dataset = load_or_exit(input_path)
    loaded = time.monotonic()
    settings = Settings(SolverName(solver), time_limit, gap, threads, workers, prove_seconds)
    against = _baseline_or_exit(baseline, dataset, freeze_before, keep_weight)
    run = functools.partial(run, baseline=against)
    if dask_address:
        from scheduler.engine.cluster import ClusterUnreachable, dask_executor

        try:
            with dask_executor(dask_address) as executor, _progress() as progress:
                result = run(dataset, settings, executor, progress=progress)
        except ClusterUnreachable as exc:
            click.echo(f"--dask: {exc}", err=True)
            sys.exit(1)
    else:
        with _progress() as progress:
            result = run(dataset, settings, progress=progress)
    solved = time.monotonic()
    try:
        write_roster(dataset, result.assignments, output, result=result, split=split)
    except OSError as exc:
        cannot_write(output, exc)
    seconds = {"read": loaded - started, **result.seconds, "write": time.monotonic() - solved}
    figures = {
        **result.summary(),
        "seconds": round(time.monotonic() - started, 3),
        "phases": {k: round(v, 3) for k, v in seconds.items()},
        "part_seconds": {
            k: round(sum(p.seconds.get(k, 0.0) for p in result.parts), 3)
            for k in ("build", "lp", "mip", "chains", "prove", "polish", "greedy")
        },
    }
    if as_json:
        click.echo(json.dumps(figures))
    if result.replan is not None:
        _say_replan(result.replan)
    said = gettext(
        "%(path)s: %(filled)s of %(demand)s places filled; weighted coverage %(coverage)s of "
        "at most %(bound)s (%(share)s); %(seconds)s s",
        path=output,
        filled=figure(result.filled, ","),
        demand=figure(result.demand, ","),
        coverage=figure(result.weighted_coverage, ",.0f"),
        bound=figure(result.upper_bound, ",.0f"),
        share=f"{1 - result.gap:.3%}",
        seconds=figure(float(figures["seconds"]), ".1f"),  # type: ignore[arg-type]
    )
    click.echo(said, err=True)


def _say_replan(replan) -> None:
    """What a re-plan changed, and every pin or frozen assignment it could not keep."""

    for note in replan.notes:
        click.echo(note, err=True)
    click.echo(
        gettext(
            "re-plan: %(kept)s assignments kept, %(added)s added, %(removed)s removed; "
            "%(people)s volunteers' shifts change",
            kept=replan.kept,
            added=replan.added,
            removed=replan.removed,
            people=replan.changed_volunteers,
        ),
        err=True,
    )


def _baseline_or_exit(
    path: Path | None, dataset, freeze_before: dt.datetime | None, keep_weight: float
):
    """The roster to re-plan against, or None; exits on an unreadable one."""
    from scheduler.engine.baseline import Baseline
    from scheduler.outputs.roster_reading import read_baseline

    if path is None:
        if freeze_before is not None:
            click.echo(
                gettext("--freeze-before: only a re-plan has a freeze; give --baseline"), err=True
            )
            sys.exit(2)
        return None
    try:
        roster = read_baseline(path, dataset)
    except InvalidInput as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(gettext("%(path)s: the baseline roster cannot be read.", path=path), err=True)
        sys.exit(1)
    if freeze_before is not None and freeze_before.tzinfo is None:
        freeze_before = freeze_before.replace(tzinfo=ZoneInfo(DEFAULT_TIMEZONE))
    return Baseline(roster.assignments, roster.pinned, freeze_before, keep_weight)


def _stderr_size() -> os.terminal_size:
    """The size of the terminal the bar is drawn on, else COLUMNS/LINES, else 80 x 24.

    tqdm's own reading gives 0 rows on a terminal that never told its size
    (`script`, some consoles and containers), and then it shows nothing at all.
    """
    fallback = shutil.get_terminal_size()  # COLUMNS/LINES, stdout's terminal, or 80 x 24
    try:
        size = os.get_terminal_size(sys.stderr.fileno())
    except (OSError, ValueError):
        return fallback
    return os.terminal_size((size.columns or fallback.columns, size.lines or fallback.lines))


@contextmanager
def _progress() -> Iterator[Progress | None]:
    """Parts done, best roster found and bound on stderr as a progress bar, on a terminal only."""
    if not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    bar: tqdm | None = None

    def show(done: int, total: int, found: float, bound: float) -> None:
        nonlocal bar
        size = _stderr_size()  # read each time: a window made narrower mid-solve is followed
        if bar is None:
            bar = tqdm(
                total=total,
                unit=gettext("part"),
                file=sys.stderr,
                ncols=size.columns,
                nrows=size.lines,
            )
        bar.ncols, bar.nrows = size.columns, size.lines
        bar.update(done - bar.n)
        bar.set_postfix_str(
            gettext(
                "coverage %(found)s, bound %(bound)s, gap %(gap)s",
                found=f"{found:,.0f}",
                bound=f"{bound:,.0f}",
                gap=f"{results.gap(found, bound):.2%}",
            )
        )

    try:
        yield show
    finally:
        if bar is not None:
            bar.close()
