"""Commands about a roster: check it, suggest cover for an open place, export it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from scheduler.cli.group import INPUT, cannot_write, load_or_exit, main
from scheduler.i18n import figure, gettext, ngettext
from scheduler.problems import InvalidInput

if TYPE_CHECKING:
    pass


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

    dataset = load_or_exit(input_path)
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
    verdict = (
        ngettext(
            "%(number)s broken rule",
            "%(number)s broken rules",
            len(violations),
            number=figure(len(violations), ","),
        )
        if violations
        else gettext("no hard rule is broken")
    )
    said = gettext(
        "%(path)s: %(filled)s assignments, weighted coverage %(coverage)s; %(verdict)s.",
        path=roster_path,
        filled=figure(summary["filled"], ","),
        coverage=figure(summary["weighted_coverage"], ",.0f"),
        verdict=verdict,
    )
    click.echo(said, err=True)
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
    from scheduler.outputs.roster_reading import read_assignments
    from scheduler.outputs.suggestions import suggest as find

    dataset = load_or_exit(input_path)
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

    dataset = load_or_exit(input_path)
    try:
        rows = read_assignments(roster_path, dataset)
    except InvalidInput as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        said = gettext("%(path)s: cannot be read back; nothing was exported.", path=roster_path)
        click.echo(said, err=True)
        sys.exit(1)
    violations = check_roster(dataset, rows)
    for violation in violations:
        click.echo(str(violation))
    if violations and not allow_broken:
        said = ngettext(
            "%(path)s: %(number)s broken rule; nothing was exported. "
            "Fix the roster, or pass --allow-broken.",
            "%(path)s: %(number)s broken rules; nothing was exported. "
            "Fix the roster, or pass --allow-broken.",
            len(violations),
            path=roster_path,
            number=figure(len(violations), ","),
        )
        click.echo(said, err=True)
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
        cannot_write(Path(exc.filename or folder), exc, gettext("the export"))
    said = ngettext(
        "%(path)s: %(assignments)s assignments; wrote %(number)s file:",
        "%(path)s: %(assignments)s assignments; wrote %(number)s files:",
        len(written),
        path=roster_path,
        assignments=figure(len(assignments), ","),
        number=figure(len(written), ","),
    )
    click.echo(said, err=True)
    for path in written[:10]:
        click.echo(f"  {path}", err=True)
    if len(written) > 10:
        more = len(written) - 10
        click.echo(gettext("  ... and %(number)s more", number=figure(more, ",")), err=True)
