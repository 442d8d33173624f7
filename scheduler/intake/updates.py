"""Changes to a stored dataset: needs a hospital posts, volunteer lists a coordinator uploads.

An upload or a web form brings some of the input sheets. They are validated
exactly as a whole input is (the same row models, the same messages with
sheet, row and column), against the dataset already stored, and checked
against what the person may change (their facilities, their region). The
result says what to add and what to replace; nothing is returned unless all
of it is valid, so a caller that stores it in one transaction never stores
half an upload.

Matching: a need with a `need_id` replaces the stored need with that id; a
need without one replaces the stored need of the same shift (facility, date,
start, end, role), else it is new and gets a generated id. A volunteer
replaces the stored volunteer with the same id; the availability sheet (and the
credentials sheet)
replaces all stored windows of each volunteer it names.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from scheduler.domain import Availability, Credential, Dataset, Need, Volunteer
from scheduler.i18n import gettext
from scheduler.intake import cells
from scheduler.intake.csv_files import read_csv_sheet
from scheduler.intake.raw import Limits, RawSheet
from scheduler.intake.reading import read_sheets
from scheduler.intake.schema import MODELS, columns
from scheduler.intake.tables import (
    availability_list,
    credential_list,
    generated_id,
    need_list,
    volunteer_list,
)
from scheduler.intake.validation import Rows, validate_rows
from scheduler.problems import InvalidInput, Problem, Severity

WARNING = Severity.WARNING


@dataclass(frozen=True)
class Scope:
    """What one person may change; None means everything (a national coordinator)."""

    facilities: frozenset[str] | None = None
    regions: frozenset[str] | None = None  # normalised region names
    # the first and last day a need may be dated; None: the data contract's calendar
    need_dates: tuple[dt.date, dt.date] | None = None

    def has_facility(self, facility_id: str) -> bool:
        return self.facilities is None or facility_id in self.facilities

    def has_region(self, region: str) -> bool:
        return self.regions is None or region in self.regions

    def date_problem(self, number: int, day: dt.date) -> Problem | None:
        """Why a new or moved need may not be dated `day` (a year typed wrong), if it may not."""
        if self.need_dates is None:
            return None
        first, last = self.need_dates
        if first <= day <= last:
            return None
        return Problem(
            "needs",
            number,
            "date",
            gettext(
                "%(day)s is outside the dates needs are taken for, %(first)s to %(last)s; "
                "check the year",
                day=day,
                first=first,
                last=last,
            ),
        )


# Uploads through the web app: a sheet of more rows is refused before it fills the
# server's memory (the command line takes the reader's larger defaults).
UPLOAD_LIMITS = Limits(max_rows=30_000)


@dataclass(frozen=True)
class Changes:
    """Validated additions and replacements, ready to store."""

    needs: tuple[Need, ...] = ()
    volunteers: tuple[Volunteer, ...] = ()
    # volunteer id -> their complete new set of windows (possibly empty)
    availability: dict[str, tuple[Availability, ...]] = field(default_factory=dict)
    # volunteer id -> their complete new set of credentials (possibly empty)
    credentials: dict[str, tuple[Credential, ...]] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()  # sheets and columns that were not read

    @property
    def empty(self) -> bool:
        return not (self.needs or self.volunteers or self.availability or self.credentials)


def read_changes(
    path: Path,
    base: Dataset,
    sheets: Collection[str],
    scope: Scope = Scope(),
    limits: Limits = UPLOAD_LIMITS,
) -> Changes:
    """The changes an uploaded workbook or CSV file brings; raises `InvalidInput`."""
    found, problems = read_upload(path, sheets, limits)
    return changes_from_sheets(found, base, sheets, scope, problems)


def read_upload(
    path: Path, sheets: Collection[str], limits: Limits = UPLOAD_LIMITS
) -> tuple[dict[str, RawSheet], list[Problem]]:
    """The sheets of an uploaded workbook or CSV file, and the reader's problems.

    Only `sheets` are judged later (e.g. just `needs` for hospital staff); any
    other sheet in the file is left alone with a warning, so nobody changes by
    accident what they did not mean to. A CSV file holds one sheet: the one
    its name says, or the only one of `sheets`.
    """
    if path.suffix.lower() != ".csv":
        return read_sheets(path, limits)
    name = path.stem.strip().lower()
    if name not in sheets:
        if len(sheets) != 1:
            raise InvalidInput(
                [
                    Problem(
                        path.name,
                        None,
                        None,
                        gettext(
                            "name the CSV file after its sheet (%(sheets)s, plus .csv), or "
                            "upload a workbook",
                            sheets=_listed(sheets, either=True),
                        ),
                    )
                ]
            )
        name = next(iter(sheets))
    sheet, problems = read_csv_sheet(path, name, limits)
    return ({} if sheet is None else {name: sheet}), problems


def named_in(sheet: RawSheet, column: str) -> set[str]:
    """The ids a sheet's column names, read as validation reads them (unreadable cells left out).

    What a change touches, known before it is judged: a need saved at one
    hospital is judged against that hospital's stored needs, not the country's.
    """
    at = sheet.header.get(column)
    if at is None:
        return set()
    named = set()
    for _, row in sheet.rows:
        if at < len(row):
            try:
                named.add(cells.identifier(row[at]))
            except (ValueError, TypeError):
                continue
    return named


def changes_from_sheets(
    found: dict[str, RawSheet],
    base: Dataset,
    sheets: Collection[str],
    scope: Scope = Scope(),
    problems: list[Problem] | None = None,
) -> Changes:
    """The changes that already-read sheets bring; raises `InvalidInput`.

    `problems` are the reader's: its errors stop everything, its warnings
    (sheets and columns that are not part of the format) are passed on.
    """
    warnings = [p for p in (problems or []) if not p.is_error]
    problems = [p for p in (problems or []) if p.is_error]
    warnings += [
        Problem(
            name,
            None,
            None,
            gettext("not read: this upload changes only %(sheets)s", sheets=_listed(sheets)),
            WARNING,
        )
        for name in sorted(set(found) - set(sheets))
    ]
    found = {name: sheet for name, sheet in found.items() if name in sheets}
    if not found:
        problems.append(
            Problem(
                " and ".join(f"'{n}'" for n in sorted(sheets)),
                None,
                None,
                gettext(
                    "the file holds no %(sheets)s sheet; start from the template",
                    sheets=_listed(sheets),
                ),
            )
        )
    if problems:
        raise InvalidInput(problems)
    needs: tuple[Need, ...] = ()
    volunteers: dict[str, Volunteer] = {}
    availability: dict[str, tuple[Availability, ...]] = {}
    if "volunteers" in found:
        volunteers, more = _volunteer_changes(found["volunteers"], base, scope)
        problems += more
    if "availability" in found:
        availability, more = _per_volunteer_changes(
            found["availability"], base, volunteers, scope, availability_list
        )
        problems += more
    credentials: dict[str, tuple[Credential, ...]] = {}
    if "credentials" in found:
        credentials, more = _per_volunteer_changes(
            found["credentials"], base, volunteers, scope, credential_list
        )
        problems += more
    if "needs" in found:
        needs, more = _need_changes(found["needs"], base, scope)
        problems += more
    if any(p.is_error for p in problems):
        raise InvalidInput(problems)
    warnings += [p for p in problems if not p.is_error]
    return Changes(needs, tuple(volunteers.values()), availability, credentials, tuple(warnings))


def one_row(sheet: str, values: dict[str, object]) -> dict[str, RawSheet]:
    """A web form's fields as a one-row sheet, so a form is validated like an upload."""
    names = columns(sheet)
    header = {name: i for i, name in enumerate(names)}
    row = [values.get(name) for name in names]
    return {sheet: RawSheet(sheet, header, [(2, row)])}


def merge(base: Dataset, changes: Changes) -> Dataset:
    """The dataset with the changes applied (what the store will hold afterwards)."""
    needs = {n.id: n for n in base.needs}
    needs.update((n.id, n) for n in changes.needs)
    volunteers = {v.id: v for v in base.volunteers}
    volunteers.update((v.id, v) for v in changes.volunteers)
    windows = [a for a in base.availability if a.volunteer_id not in changes.availability]
    for rows in changes.availability.values():
        windows.extend(rows)
    return Dataset(
        base.facilities,
        tuple(volunteers.values()),
        tuple(needs.values()),
        tuple(windows),
        base.roles,
        base.rules,
        tuple(c for c in base.credentials if c.volunteer_id not in changes.credentials)
        + tuple(c for rows in changes.credentials.values() for c in rows),
    )


# --- needs ---------------------------------------------------------------------------------


def _need_changes(
    sheet: RawSheet, base: Dataset, scope: Scope
) -> tuple[tuple[Need, ...], list[Problem]]:
    """The sheet's needs as they will be stored: matched to stored needs, within the scope."""
    rows, problems = validate_rows(sheet, MODELS["needs"])
    if rows is None:
        return (), problems
    outside = {
        number: row.facility_id  # type: ignore[attr-defined]
        for number, row, _ in rows
        if row.facility_id is not None and not scope.has_facility(row.facility_id)  # type: ignore[attr-defined]
    }
    needs, more = need_list(rows, base.roles, base.facility_by_id, stored=True)
    # a facility out of scope is reported once, as not theirs (whether it exists or not)
    problems += [p for p in more if not (p.column == "facility_id" and p.row in outside)]
    problems += [_not_yours("needs", n, "facility_id", f) for n, f in outside.items()]
    row_of = _row_numbers(rows)
    taken = {n.id for n in base.needs} | {n.id for n in needs if n.id_given}
    given = Counter(n.id for n in needs if n.id_given)
    matched = []
    for need in needs:
        if need.facility_id not in base.facility_by_id or not scope.has_facility(need.facility_id):
            continue  # reported above
        found = _matched(need, base, scope, taken, row_of.get(need.key, 2))
        if isinstance(found, Problem):
            problems.append(found)
        else:
            matched.append(found)
    for need in matched:  # new needs and moved dates only: a 2020 need's count may still change
        stored = base.need_by_id.get(need.id)
        moved = stored is None or stored.date != need.date
        if moved and (late := scope.date_problem(row_of.get(need.key, 2), need.date)):
            problems.append(late)
    repeated = {need_id for need_id, n in given.items() if n > 1}  # need_list reported them
    problems += _clashes(matched, base, row_of, repeated)
    return tuple(matched), problems


def _matched(
    need: Need, base: Dataset, scope: Scope, taken: set[str], number: int
) -> Need | Problem:
    """The need with the id of the stored need it replaces, or a new id; or why it may not."""
    stored = base.need_by_id.get(need.id) if need.id_given else base.need_by_key.get(need.key)
    if stored is not None and not scope.has_facility(stored.facility_id):
        return _taken("needs", number, "need_id", stored.id)
    if stored is not None:  # calendars keep their events when the id keeps its origin
        return replace(need, id=stored.id, id_given=stored.id_given)
    if need.id_given:
        return need
    return replace(need, id=generated_id(need.key, taken), id_given=False)


def _clashes(
    matched: list[Need], base: Dataset, row_of: dict[tuple, int], repeated: set[str]
) -> list[Problem]:
    """What would break once stored: a shift posted twice, one need changed by two rows."""
    problems = []
    claimed: dict[str, int] = {}
    for need in matched:
        number = row_of.get(need.key, 2)
        if need.id in claimed and need.id not in repeated:
            problems.append(
                Problem(
                    "needs",
                    number,
                    "need_id",
                    gettext(
                        "row %(row)s changes the need '%(id)s' too; change each need in one row",
                        row=claimed[need.id],
                        id=need.id,
                    ),
                )
            )
        claimed.setdefault(need.id, number)
    after = base.need_by_id | {n.id: n for n in matched}
    holders: dict[tuple, list[str]] = {}
    for need in after.values():
        holders.setdefault(need.key, []).append(need.id)
    for need in matched:
        others = [i for i in holders.get(need.key, []) if i != need.id and i not in claimed]
        if others:
            problems.append(
                Problem(
                    "needs",
                    row_of.get(need.key, 2),
                    None,
                    gettext(
                        "the same shift as the posted need '%(id)s'; change that need's "
                        "count instead of posting the shift twice",
                        id=others[0],
                    ),
                )
            )
    return problems


def _row_numbers(rows) -> dict[tuple, int]:
    """The sheet row of each shift, by its key, as `need_list` builds needs from rows."""
    numbers: dict[tuple, int] = {}
    for number, row, failed in rows:
        if failed & {"facility_id", "date", "start", "end", "role"}:
            continue
        midnight = dt.datetime.combine(row.date, dt.time())
        start, end = (midnight + dt.timedelta(minutes=m) for m in row.minutes)
        numbers.setdefault((row.facility_id, row.date, start, end, row.role), number)
    return numbers


# --- volunteers and availability -----------------------------------------------------------


def _volunteer_changes(
    sheet: RawSheet, base: Dataset, scope: Scope
) -> tuple[dict[str, Volunteer], list[Problem]]:
    rows, problems = validate_rows(sheet, MODELS["volunteers"])
    if rows is None:
        return {}, problems
    volunteers, more = volunteer_list(rows, base.roles, base.facility_by_id)
    problems += more
    number_of = {row.volunteer_id: number for number, row, _ in rows}  # type: ignore[attr-defined]
    allowed = {}
    for volunteer in volunteers.values():
        number = number_of.get(volunteer.id, 2)
        stored = base.volunteer_by_id.get(volunteer.id)
        # a row whose region failed is reported already; its region is None
        if volunteer.region is not None and not scope.has_region(volunteer.region):
            problems.append(_not_yours("volunteers", number, "region", volunteer.region))
        elif stored is not None and not scope.has_region(stored.region):
            problems.append(_taken("volunteers", number, "volunteer_id", volunteer.id))
        else:
            allowed[volunteer.id] = volunteer
    return allowed, problems


PerVolunteer = TypeVar("PerVolunteer", Availability, Credential)


def _per_volunteer_changes(
    sheet: RawSheet,
    base: Dataset,
    uploaded: dict[str, Volunteer],
    scope: Scope,
    listed: Callable[[Rows, dict[str, Volunteer], bool], tuple[list[PerVolunteer], list[Problem]]],
) -> tuple[dict[str, tuple[PerVolunteer, ...]], list[Problem]]:
    """A sheet of rows per volunteer (availability, credentials): each volunteer it names gets
    exactly its rows, none if all of theirs failed to read."""
    rows, problems = validate_rows(sheet, MODELS[sheet.name])
    if rows is None:
        return {}, problems
    # another region's volunteer is answered as an unknown one, as a read would answer 404
    mine = {v.id: v for v in base.volunteers if scope.has_region(v.region)}
    known = mine | uploaded
    # an upload has no full volunteers sheet: unknown means neither uploaded nor theirs
    found, more = listed(rows, known, True)
    problems += more
    named = {row.volunteer_id for _, row, _ in rows if row.volunteer_id in known}  # type: ignore[attr-defined]
    grouped: dict[str, list[PerVolunteer]] = {v: [] for v in named}
    for item in found:
        grouped[item.volunteer_id].append(item)
    return {v: tuple(items) for v, items in grouped.items()}, problems


def _taken(sheet: str, number: int, column: str, value: str) -> Problem:
    """An id someone else's data holds: say no more than that it is taken.

    Ids are the contract's keys, one namespace for the country, so a taken
    one cannot be given again; whose it is and where stays unsaid.
    """
    return Problem(
        sheet,
        number,
        column,
        gettext("'%(value)s' is already taken; use another %(column)s", value=value, column=column),
    )


def _not_yours(sheet: str, number: int, column: str, value: str) -> Problem:
    if column == "facility_id":
        message = gettext(
            "'%(value)s' is not a facility you manage; you may only change your own "
            "facilities' data",
            value=value,
        )
    elif column == "region":
        message = gettext(
            "'%(value)s' is not a region you manage; you may only change your own regions' data",
            value=value,
        )
    else:
        message = gettext(
            "'%(value)s' is not a volunteer you manage; you may only change your own "
            "volunteers' data",
            value=value,
        )
    return Problem(sheet, number, column, message)


def _listed(sheets: Collection[str], either: bool = False) -> str:
    """'needs' and 'volunteers' (or: 'needs' or 'volunteers'), in the language's quotes."""
    names = [gettext("'%(text)s'", text=n) for n in sorted(sheets)]
    listed = names[0] if names else ""
    for name in names[1:]:
        if either:
            listed = gettext("%(first)s or %(second)s", first=listed, second=name)
        else:
            listed = gettext("%(first)s and %(second)s", first=listed, second=name)
    return listed
