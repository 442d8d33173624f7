"""The `scheduler` command group and what its commands share."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scheduler.i18n import gettext
from scheduler.problems import InvalidInput

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


def cannot_write(path: Path, exc: OSError, what: str | None = None) -> None:
    click.echo(
        gettext(
            "%(path)s: %(what)s cannot be written (%(error)s); choose another place with -o",
            path=path,
            what=what or gettext("the roster"),
            error=exc.strerror or exc,
        ),
        err=True,
    )
    sys.exit(1)


def load_or_exit(path: Path):
    from scheduler.intake.loading import load_dataset

    try:
        dataset, _ = load_dataset(path)
    except InvalidInput as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(
            gettext(
                "%(path)s: the input is not valid; run `scheduler validate` for details.",
                path=path,
            ),
            err=True,
        )
        sys.exit(1)
    return dataset
