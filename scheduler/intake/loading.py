"""From raw sheets to a validated `Dataset`, collecting every problem on the way.

Row-level checks are declared in `scheduler.intake.schema` and run by
`scheduler.intake.validation`; what spans rows and sheets (unique ids,
references between sheets, known roles, duplicate needs, the rules table) is
`scheduler.intake.tables`. Nothing is returned unless the whole input is
valid, so a caller never stores half a dataset.
"""

from __future__ import annotations

from pathlib import Path

from scheduler.domain import (
    Dataset,
)
from scheduler.garbage import collector_paused
from scheduler.i18n import gettext
from scheduler.intake.raw import DEFAULT_LIMITS, Limits, RawSheet
from scheduler.intake.reading import read_sheets
from scheduler.intake.schema import (
    MODELS,
    REQUIRED_SHEETS,
)
from scheduler.intake.tables import (
    availability_list,
    credential_list,
    facility_list,
    need_list,
    regions_without_facilities,
    role_table,
    rules_table,
    unheld_credentials,
    volunteer_list,
)
from scheduler.intake.validation import Rows, validate_rows
from scheduler.problems import InvalidInput, Problem


def load_dataset(path: Path, limits: Limits = DEFAULT_LIMITS) -> tuple[Dataset, list[Problem]]:
    """Read and validate INPUT; return the dataset and its warnings.

    Raises `InvalidInput` listing every error found.
    """
    with collector_paused():
        sheets, problems = read_sheets(path, limits)
        dataset, more = build_dataset(sheets)
    problems += more
    if dataset is None or any(p.is_error for p in problems):
        raise InvalidInput(problems)
    return dataset, sorted(problems, key=lambda p: (p.sheet, p.row or 0))


def build_dataset(sheets: dict[str, RawSheet]) -> tuple[Dataset | None, list[Problem]]:
    problems: list[Problem] = []
    rows: dict[str, Rows] = {}
    for name in REQUIRED_SHEETS:
        if name not in sheets:
            present = ", ".join(sorted(sheets)) or gettext("none of the known sheets")
            problems.append(
                Problem(
                    name,
                    None,
                    None,
                    gettext(
                        "the sheet '%(name)s' is missing (found: %(present)s); add it with "
                        "its header row",
                        name=name,
                        present=present,
                    ),
                )
            )
    for name, sheet in sheets.items():
        sheet_rows, found = validate_rows(sheet, MODELS[name])
        problems += found
        if sheet_rows is not None:
            rows[name] = sheet_rows
    if any(name not in rows for name in REQUIRED_SHEETS):
        return None, problems

    roles, found = role_table(rows.get("roles", []))
    problems += found
    rules, found = rules_table(rows.get("rules", []))
    problems += found
    facilities, found = facility_list(rows["facilities"])
    problems += found
    volunteers, found = volunteer_list(rows["volunteers"], roles, facilities)
    problems += found
    availability, found = availability_list(rows.get("availability", []), volunteers)
    problems += found
    needs, found = need_list(rows["needs"], roles, facilities)
    problems += found
    credentials, found = credential_list(rows.get("credentials", []), volunteers)
    problems += found + unheld_credentials(needs, credentials)
    problems += regions_without_facilities(volunteers, facilities)
    if any(p.is_error for p in problems):
        return None, problems
    dataset = Dataset(
        tuple(facilities.values()),
        tuple(volunteers.values()),
        tuple(needs),
        tuple(availability),
        roles,
        rules,
        tuple(credentials),
    )
    return dataset, problems
