"""The `scheduler` command: the same engine calls the web app makes, for a terminal."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from scheduler.engine import results
from scheduler.engine.results import SolverName
from scheduler.problems import InvalidInput

if TYPE_CHECKING:
    from scheduler.engine.solver import Progress

INPUT = click.Path(exists=True, path_type=Path)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="volunteer-scheduler")
def main() -> None:
    """Staff hospitals with medical volunteers.

    INPUT is an Excel workbook (.xlsx) with the sheets facilities, volunteers,
    needs and optionally availability, roles and rules; or a folder holding
    one CSV file per sheet. See docs/format.md, or start from
    data/templates/staffing-template.xlsx.
    """


@main.command()
@click.argument("input_path", metavar="INPUT", type=INPUT)
@click.option("-q", "--quiet", is_flag=True, help="Print problems only, no summary.")
def validate(input_path: Path, quiet: bool) -> None:
    """Check INPUT against the data contract.

    Prints one line per problem as sheet:row:column: message, with rows
    numbered as Excel shows them (the header is row 1). Exit status 0 when
    the input is valid, 1 when it is not.
    """
    from scheduler.intake.loading import load_dataset
    from scheduler.intake.summary import describe

    try:
        dataset, warnings = load_dataset(input_path)
    except InvalidInput as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        click.echo(f"{input_path}: {exc.error_count:,} problem(s); nothing was loaded.", err=True)
        sys.exit(1)
    for warning in warnings:
        click.echo(str(warning))
    if not quiet:
        click.echo(describe(dataset, input_path), err=True)


@main.command()
@click.option(
    "--volunteers", type=click.IntRange(min=1), required=True, help="How many volunteers."
)
@click.option(
    "--facilities", type=click.IntRange(min=1), required=True, help="How many facilities."
)
@click.option(
    "--days",
    type=click.IntRange(min=1, max=366),
    default=7,
    show_default=True,
    help="Length of the horizon of needs.",
)
@click.option(
    "--regions",
    type=click.IntRange(min=1),
    default=None,
    help="How many regions [default: about one per four facilities].",
)
@click.option(
    "--start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="First day of needs, YYYY-MM-DD [default: a Monday fixed by the seed].",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Same seed and sizes, same dataset."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="A folder (one CSV per sheet) or a file ending in .xlsx.",
)
def generate(
    volunteers: int, facilities: int, days: int, regions: int | None, start, seed: int, output: Path
) -> None:
    """Write a realistic synthetic dataset in the input format.

    Regions of very different size, 8 h and 12 h day and night shifts,
    students available mostly in evenings and at weekends, and demand above
    what the volunteers can cover. docs/generator.md lists every assumption.
    """
    from scheduler.intake.writing import write_tables
    from scheduler.synthetic import GeneratorSpec
    from scheduler.synthetic import generate as make

    spec = GeneratorSpec(
        volunteers=volunteers,
        facilities=facilities,
        days=days,
        regions=regions,
        seed=seed,
        start=start.date() if start else None,
    )
    write_tables(make(spec), output)
    click.echo(f"wrote {output}", err=True)


@main.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="Where to write the workbook (.xlsx), or a folder for the CSV version.",
)
def template(output: Path) -> None:
    """Write the empty input template with example rows and instructions.

    Give a name ending in .xlsx for the Excel workbook, or a folder name for
    one CSV file per sheet.
    """
    from scheduler.intake.template import write_csv_template, write_template

    if output.suffix.lower() == ".xlsx":
        write_template(output)
    else:
        write_csv_template(output)
    click.echo(f"wrote {output}", err=True)


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
    "--split",
    is_flag=True,
    help="Put each facility's roster in its own workbook, in the folder OUTPUT-facilities.",
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
    split: bool,
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
    dataset = _load_or_exit(input_path)
    loaded = time.monotonic()
    settings = Settings(SolverName(solver), time_limit, gap, threads, workers)
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
        _cannot_write(output, exc)
    seconds = {"read": loaded - started, **result.seconds, "write": time.monotonic() - solved}
    figures = {
        **result.summary(),
        "seconds": round(time.monotonic() - started, 3),
        "phases": {k: round(v, 3) for k, v in seconds.items()},
        "part_seconds": {
            k: round(sum(p.seconds.get(k, 0.0) for p in result.parts), 3)
            for k in ("build", "to_highs", "lp", "mip", "polish", "greedy")
        },
    }
    if as_json:
        click.echo(json.dumps(figures))
    click.echo(
        f"{output}: {result.filled:,} of {result.demand:,} places filled; weighted "
        f"coverage {result.weighted_coverage:,.0f} of at most {result.upper_bound:,.0f} "
        f"({1 - result.gap:.3%}); {figures['seconds']:.1f} s",
        err=True,
    )


def _cannot_write(path: Path, exc: OSError, what: str = "the roster") -> None:
    click.echo(
        f"{path}: {what} cannot be written ({exc.strerror or exc}); choose another place with -o",
        err=True,
    )
    sys.exit(1)


def _load_or_exit(path: Path):
    from scheduler.intake.loading import load_dataset

    try:
        dataset, _ = load_dataset(path)
    except InvalidInput as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(
            f"{path}: the input is not valid; run `scheduler validate` for details.", err=True
        )
        sys.exit(1)
    return dataset


@contextmanager
def _progress() -> Iterator[Progress | None]:
    """Parts done, best roster found and bound on stderr as a progress bar, on a terminal only."""
    if not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    from scheduler.i18n import gettext

    bar: tqdm | None = None

    def show(done: int, total: int, found: float, bound: float) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit=gettext("part"), file=sys.stderr, dynamic_ncols=True)
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


@main.command()
@click.argument("input_path", metavar="INPUT", type=INPUT)
@click.argument("roster_path", metavar="ROSTER", type=INPUT)
def check(input_path: Path, roster_path: Path) -> None:
    """Check that ROSTER (a roster workbook, maybe edited by hand) breaks no hard rule of INPUT.

    Every rule is derived again from the data, independently of the solver.
    Exit status 0 when no rule is broken; otherwise 1 and one line per
    broken rule.
    """
    from scheduler.checker import check_roster, roster_summary
    from scheduler.outputs.roster_reading import read_assignments

    dataset = _load_or_exit(input_path)
    try:
        assignments = read_assignments(roster_path, dataset)
    except InvalidInput as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        sys.exit(1)
    violations = check_roster(dataset, assignments)
    for violation in violations:
        click.echo(str(violation))
    summary = roster_summary(dataset, assignments)
    verdict = f"{len(violations)} broken rule(s)" if violations else "no hard rule is broken"
    click.echo(
        f"{roster_path}: {summary['filled']:,} assignments, weighted coverage "
        f"{summary['weighted_coverage']:,.0f}; {verdict}.",
        err=True,
    )
    sys.exit(1 if violations else 0)


@main.command()
@click.argument("input_path", metavar="INPUT", type=INPUT)
@click.argument("roster_path", metavar="ROSTER", type=INPUT)
@click.option("--need", "need_id", required=True, help="The need with a place to cover.")
@click.option(
    "--most",
    type=click.IntRange(min=1, max=1000),
    default=20,
    show_default=True,
    help="Most volunteers listed of each kind (free now; free after one move).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the suggestions as JSON on stdout.")
def suggest(input_path: Path, roster_path: Path, need_id: str, most: int, as_json: bool) -> None:
    """Who could cover a place of NEED in ROSTER now, without breaking a hard rule.

    First the volunteers free to take it as things stand (nearest first, then
    the fewest shifts that week, then those who prefer the facility); then
    those who would be free if one of their own shifts went to someone free
    for it, with that move spelled out. Nothing is changed.
    """
    from scheduler.i18n import gettext
    from scheduler.outputs.roster_reading import read_assignments
    from scheduler.outputs.suggestions import suggest as find

    dataset = _load_or_exit(input_path)
    try:
        assignments = read_assignments(roster_path, dataset)
        found = find(dataset, [(a.need_id, a.volunteer_id) for a in assignments], need_id, most)
    except InvalidInput as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(found.as_json(), ensure_ascii=False))
        return
    click.echo(gettext("%(need_id)s: %(count)s open", need_id=need_id, count=found.open_places))
    for candidate in found.candidates:
        click.echo(f"  {candidate.volunteer_id} {candidate.name}: {candidate.why}")
    if not found.candidates:
        click.echo(gettext("  nobody can take it without breaking a hard rule"))


@main.command()
@click.argument("input_path", metavar="INPUT", type=INPUT)
@click.argument("roster_path", metavar="ROSTER", type=INPUT)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the calendars and the CSV [default: ROSTER's name + '-export'].",
)
@click.option(
    "--calendars/--no-calendars",
    default=True,
    show_default=True,
    help="One .ics calendar per volunteer with a shift, in OUTPUT/calendars.",
)
@click.option(
    "--csv/--no-csv",
    "with_csv",
    default=True,
    show_default=True,
    help="OUTPUT/assignments.csv (UTF-8 with BOM, for Excel and other systems).",
)
@click.option(
    "--workbook",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also rebuild the whole roster workbook from ROSTER's Assignments sheet "
    "(Summary, Unfilled, Volunteers, facility sheets); may be ROSTER itself.",
)
@click.option("--split", is_flag=True, help="With --workbook: a workbook per facility too.")
@click.option(
    "--allow-broken",
    is_flag=True,
    help="Export even when the roster breaks a hard rule (the broken rules are still listed).",
)
def export(
    input_path: Path,
    roster_path: Path,
    output: Path | None,
    calendars: bool,
    with_csv: bool,
    workbook: Path | None,
    split: bool,
    allow_broken: bool,
) -> None:
    """Hand out a roster, possibly edited by hand: calendars, CSV, a rebuilt workbook.

    ROSTER's Assignments sheet is read back and checked like `scheduler check`
    does; a roster that breaks a hard rule is not exported unless
    --allow-broken is given.
    """
    from scheduler.checker import check_roster
    from scheduler.outputs.calendars import write_calendars
    from scheduler.outputs.exchange import write_assignments_csv
    from scheduler.outputs.roster import write_roster
    from scheduler.outputs.roster_reading import read_assignments

    dataset = _load_or_exit(input_path)
    try:
        rows = read_assignments(roster_path, dataset)
    except InvalidInput as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        click.echo(f"{roster_path}: cannot be read back; nothing was exported.", err=True)
        sys.exit(1)
    violations = check_roster(dataset, rows)
    for violation in violations:
        click.echo(str(violation))
    if violations and not allow_broken:
        click.echo(
            f"{roster_path}: {len(violations)} broken rule(s); nothing was exported. "
            "Fix the roster, or pass --allow-broken.",
            err=True,
        )
        sys.exit(1)
    assignments = [(row.need_id, row.volunteer_id) for row in rows]
    folder = output or roster_path.with_name(f"{roster_path.stem}-export")
    written: list[Path] = []
    try:
        if calendars:
            written += write_calendars(dataset, assignments, folder / "calendars")
        if with_csv:
            write_assignments_csv(dataset, assignments, folder / "assignments.csv")
            written.append(folder / "assignments.csv")
        if workbook is not None:
            written += write_roster(dataset, assignments, workbook, split=split)
    except OSError as exc:
        _cannot_write(Path(exc.filename or folder), exc, "the export")
    click.echo(
        f"{roster_path}: {len(assignments):,} assignments; wrote {len(written)} file(s):", err=True
    )
    for path in written[:10]:
        click.echo(f"  {path}", err=True)
    if len(written) > 10:
        click.echo(f"  ... and {len(written) - 10} more", err=True)
