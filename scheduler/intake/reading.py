"""Getting raw rows out of a workbook or a folder of CSV files, safely.

It knows nothing of what the columns mean; `scheduler.intake.schema` does.
The workbook reader is `scheduler.intake.workbook`, the CSV reader
`scheduler.intake.csv_files`, the sheets they give `scheduler.intake.raw`.
"""

from __future__ import annotations

from pathlib import Path

from scheduler.i18n import gettext
from scheduler.intake.csv_files import read_csv_folder
from scheduler.intake.raw import DEFAULT_LIMITS, Limits, RawSheet, file_problem
from scheduler.intake.workbook import read_workbook
from scheduler.problems import Problem


def read_sheets(
    path: Path, limits: Limits = DEFAULT_LIMITS
) -> tuple[dict[str, RawSheet], list[Problem]]:
    """Read every known sheet of INPUT (an .xlsx file or a CSV folder).

    Raises `InvalidInput` when the file itself cannot be read; returns the
    sheets and the warnings (extra sheets, extra columns) otherwise.
    """
    if path.is_dir():
        return read_csv_folder(path, limits)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raise file_problem(
            path,
            gettext(
                "a single CSV file holds one sheet only; put facilities.csv, volunteers.csv, "
                "needs.csv (and the optional sheets) into one folder and give the folder"
            ),
        )
    if suffix not in (".xlsx", ".xlsm"):
        raise file_problem(
            path,
            gettext(
                "'%(name)s' is not an .xlsx workbook; save it from Excel as "
                "'Excel Workbook (.xlsx)', or give a folder of CSV files",
                name=path.name,
            ),
        )
    return read_workbook(path, limits)
