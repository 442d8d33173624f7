"""Commands about the input: check it, generate one, write the template."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from scheduler.cli.group import INPUT, main
from scheduler.i18n import figure, gettext, ngettext
from scheduler.problems import InvalidInput

if TYPE_CHECKING:
    pass


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
        said = ngettext(
            "%(path)s: %(number)s problem; nothing was loaded.",
            "%(path)s: %(number)s problems; nothing was loaded.",
            exc.error_count,
            path=input_path,
            number=figure(exc.error_count, ","),
        )
        click.echo(said, err=True)
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
    click.echo(gettext("wrote %(path)s", path=output), err=True)


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
    click.echo(gettext("wrote %(path)s", path=output), err=True)
