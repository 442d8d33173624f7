"""Each sheet's checked rows as domain objects, with what spans rows and sheets.

Unique ids, references between sheets, known roles, duplicate needs, the
rules table and the generated need ids.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping

from pydantic import ValidationError

from scheduler.domain import (
    Availability,
    Credential,
    Facility,
    Need,
    Priority,
    RoleTable,
    Rules,
    Volunteer,
)
from scheduler.i18n import gettext, ngettext
from scheduler.intake import cells, rule_words
from scheduler.intake.schema import (
    ID_LENGTH,
    AvailabilityRow,
    CredentialRow,
    FacilityRow,
    NeedRow,
    RoleRow,
    RuleRow,
    VolunteerRow,
)
from scheduler.intake.validation import Rows
from scheduler.problems import Problem, Severity


def _duplicates(rows: Iterable[tuple[int, object]], sheet: str, column: str) -> list[Problem]:
    first: dict[object, int] = {}
    problems = []
    for number, key in rows:
        if key is None:
            continue
        if key in first:
            problems.append(
                Problem(
                    sheet,
                    number,
                    column,
                    gettext(
                        "'%(value)s' is already used in row %(row)s; each %(column)s must be "
                        "unique",
                        value=key,
                        row=first[key],
                        column=column,
                    ),
                )
            )
        else:
            first[key] = number
    return problems


def role_table(rows: Rows) -> tuple[RoleTable, list[Problem]]:
    """The roles sheet replaces the default table; every covered role must be a row."""
    if not rows:
        return RoleTable.default(), []
    typed: list[tuple[int, RoleRow]] = [(n, r) for n, r, _ in rows]  # type: ignore[misc]
    problems = _duplicates(((n, r.role) for n, r in typed), "roles", "role")
    names = {r.role for _, r in typed if r.role}
    for number, row in typed:
        for other in row.can_cover or ():
            if other not in names:
                problems.append(
                    Problem(
                        "roles",
                        number,
                        "can_cover",
                        gettext(
                            "'%(role)s' is not a role of this sheet; add a row for it or "
                            "remove it (roles: %(roles)s)",
                            role=other,
                            roles=", ".join(sorted(names)),
                        ),
                    )
                )
    table = RoleTable.from_lists({r.role: r.can_cover or () for _, r in typed if r.role})
    return table, problems


def rules_table(rows: Rows) -> tuple[Rules, list[Problem]]:
    """The rules sheet against `Rules`, where each setting's default and bounds are declared."""
    typed: list[tuple[int, RuleRow]] = [(n, r) for n, r, _ in rows]  # type: ignore[misc]
    problems = _duplicates(((n, r.rule) for n, r in typed), "rules", "rule")
    values: dict[str, float] = {}
    known = ", ".join(Rules.model_fields)
    for number, row in typed:
        if row.rule is None:
            continue
        if row.rule not in Rules.model_fields:
            problems.append(
                Problem(
                    "rules",
                    number,
                    "rule",
                    gettext(
                        "'%(rule)s' is not a known rule; the rules are %(rules)s",
                        rule=row.rule,
                        rules=known,
                    ),
                )
            )
            continue
        if row.value is None:
            continue
        try:
            Rules.model_validate({row.rule: row.value})
        except ValidationError:
            problems.append(
                Problem(
                    "rules",
                    number,
                    "value",
                    gettext(
                        "%(value)s is not accepted for %(rule)s; it must be %(accepted)s",
                        value=cells.shown(row.value),
                        rule=row.rule,
                        accepted=rule_words.accepted(row.rule),
                    ),
                )
            )
            continue
        values[row.rule] = row.value
    return Rules.model_validate(values), problems


def facility_list(rows: Rows) -> tuple[dict[str, Facility], list[Problem]]:
    typed: list[tuple[int, FacilityRow]] = [(n, r) for n, r, _ in rows]  # type: ignore[misc]
    problems = _duplicates(((n, r.facility_id) for n, r in typed), "facilities", "facility_id")
    facilities: dict[str, Facility] = {}
    for _, row in typed:
        if row.facility_id is not None:
            facilities.setdefault(
                row.facility_id,
                Facility(
                    row.facility_id,
                    row.name,
                    _key(row.region),  # type: ignore[arg-type]  # None only in a failed row
                    row.lat,
                    row.lon,
                    row.address,
                    row.region,
                    row.timezone,
                    row.phone,
                ),
            )
    return facilities, problems


def _key(name: str | None) -> str | None:
    """Region names compare trimmed and without case (as the contract says, nothing more)."""
    return None if name is None else name.strip().lower()


def _unknown_role(sheet: str, number: int, role: str, roles: RoleTable) -> Problem:
    return Problem(
        sheet,
        number,
        "role",
        gettext(
            "'%(role)s' is not a known role; known roles are %(roles)s (a roles sheet can "
            "define others)",
            role=role,
            roles=", ".join(roles.roles),
        ),
    )


def volunteer_list(
    rows: Rows, roles: RoleTable, facilities: dict[str, Facility]
) -> tuple[dict[str, Volunteer], list[Problem]]:
    typed: list[tuple[int, VolunteerRow]] = [(n, r) for n, r, _ in rows]  # type: ignore[misc]
    problems = _duplicates(((n, r.volunteer_id) for n, r in typed), "volunteers", "volunteer_id")
    volunteers: dict[str, Volunteer] = {}
    for number, row in typed:
        if row.role is not None and row.role not in roles:
            problems.append(_unknown_role("volunteers", number, row.role, roles))
        for facility in row.preferred_facilities or ():
            if facility not in facilities:
                problems.append(
                    _unknown_facility("volunteers", number, "preferred_facilities", facility)
                )
        if row.volunteer_id is not None:
            volunteers.setdefault(
                row.volunteer_id,
                Volunteer(
                    row.volunteer_id,
                    row.name,
                    row.role,
                    _key(row.region),  # type: ignore[arg-type]  # None only in a failed row
                    row.lat,
                    row.lon,
                    row.max_shifts_per_week,
                    row.max_hours_per_week,
                    row.max_distance_km,
                    frozenset(row.preferred_facilities or ()),
                    row.email,
                    row.phone,
                ),
            )
    return volunteers, problems


def _unknown_facility(
    sheet: str, number: int, column: str, facility: str, stored: bool = False
) -> Problem:
    if stored:
        message = gettext(
            "'%(id)s' is not a facility_id of any stored facility",
            id=facility,
        )
    elif "," in facility and column == "preferred_facilities":
        message = gettext(
            "'%(id)s' is not a facility_id of the facilities sheet; separate several ids with ';'",
            id=facility,
        )
    else:
        message = gettext("'%(id)s' is not a facility_id of the facilities sheet", id=facility)
    return Problem(sheet, number, column, message)


def availability_list(
    rows: Rows, volunteers: dict[str, Volunteer], managed: bool = False
) -> tuple[list[Availability], list[Problem]]:
    """The windows of known volunteers; `managed`: `volunteers` are those of an upload and
    of its uploader, not a whole volunteers sheet (as an unknown id is then reported)."""
    problems = []
    windows = []
    for number, r, failed in rows:
        row: AvailabilityRow = r  # type: ignore[assignment]
        if row.volunteer_id is not None and row.volunteer_id not in volunteers:
            problems.append(_unknown_volunteer("availability", number, row.volunteer_id, managed))
        if failed or row.volunteer_id not in volunteers:
            continue
        start, end = row.minutes
        day = row.day
        windows.append(
            Availability(
                row.volunteer_id,
                start,
                end,
                row.available,
                day if isinstance(day, dt.date) else None,
                None if isinstance(day, dt.date) else day,
            )
        )
    return windows, problems


def _unknown_volunteer(sheet: str, number: int, volunteer_id: str, managed: bool) -> Problem:
    return Problem(
        sheet,
        number,
        "volunteer_id",
        gettext(
            "'%(id)s' is neither in this file's volunteers sheet nor among the "
            "volunteers you manage",
            id=volunteer_id,
        )
        if managed
        else gettext("'%(id)s' is not a volunteer_id of the volunteers sheet", id=volunteer_id),
    )


def credential_list(
    rows: Rows, volunteers: Mapping[str, Volunteer], managed: bool = False
) -> tuple[list[Credential], list[Problem]]:
    """The credentials of known volunteers (rows of one volunteer and credential join)."""
    problems = []
    found = []
    for number, r, failed in rows:
        row: CredentialRow = r  # type: ignore[assignment]
        if row.volunteer_id is not None and row.volunteer_id not in volunteers:
            problems.append(_unknown_volunteer("credentials", number, row.volunteer_id, managed))
        if failed or row.volunteer_id not in volunteers:
            continue
        found.append(Credential(row.volunteer_id, row.credential, row.valid_from, row.valid_until))
    return found, problems


def unheld_credentials(needs: list[Need], credentials: list[Credential]) -> list[Problem]:
    """A warning per need requiring a credential nobody holds: allowed, but it cannot be filled."""
    held = {c.credential for c in credentials}
    warnings = []
    for need in needs:
        for credential in need.requires:
            if credential not in held:
                warnings.append(
                    Problem(
                        "needs",
                        None,
                        "requires",
                        gettext(
                            "need %(need)s requires %(credential)s, which no volunteer holds; "
                            "it cannot be filled until someone does",
                            need=need.id,
                            credential=credential,
                        ),
                        Severity.WARNING,
                    )
                )
    return warnings


def need_list(
    rows: Rows, roles: RoleTable, facilities: dict[str, Facility], stored: bool = False
) -> tuple[list[Need], list[Problem]]:
    """The sheet's needs; `stored`: `facilities` are the stored ones (an upload has no
    facilities sheet), as an unknown facility is then reported."""
    problems = _duplicates(((n, r.need_id) for n, r, _ in rows), "needs", "need_id")  # type: ignore[attr-defined]
    given = {r.need_id for _, r, _ in rows if r.need_id}  # type: ignore[attr-defined]
    seen: dict[tuple, int] = {}
    needs = []
    for number, r, failed in rows:
        row: NeedRow = r  # type: ignore[assignment]
        if row.facility_id is not None and row.facility_id not in facilities:
            problems.append(
                _unknown_facility("needs", number, "facility_id", row.facility_id, stored)
            )
        if row.role is not None and row.role not in roles:
            problems.append(_unknown_role("needs", number, row.role, roles))
        if failed & {"facility_id", "date", "start", "end", "role"}:
            continue
        midnight = dt.datetime.combine(row.date, dt.time())
        start, end = (midnight + dt.timedelta(minutes=m) for m in row.minutes)
        key = (row.facility_id, row.date, start, end, row.role)
        if key in seen:
            shift = (
                f"{row.facility_id}, {row.date}, "
                f"{cells.clock(row.start)}-{cells.clock(row.end)}, {row.role}"
            )
            problems.append(
                Problem(
                    "needs",
                    number,
                    None,
                    gettext(
                        "the same shift as row %(row)s (%(shift)s); put the total count in one row",
                        row=seen[key],
                        shift=shift,
                    ),
                )
            )
            continue
        seen[key] = number
        if not failed:
            need_id = row.need_id or generated_id(key, given)
            needs.append(
                Need(
                    need_id,
                    row.facility_id,
                    row.date,
                    start,
                    end,
                    row.role,
                    row.count,
                    Priority(row.priority),
                    id_given=row.need_id is not None,
                    requires=tuple(dict.fromkeys(row.requires)),
                )
            )
    return needs, problems


def generated_id(key: tuple, taken: set[str]) -> str:
    """Readable and stable across edits of other rows: built from the shift itself.

    A long facility id and role are cut, with a digest of the whole kept, so the id
    fits the ids' width (ID_LENGTH) and stays unique.
    """
    facility, day, start, end, role = key
    base = f"{facility}-{day:%Y%m%d}-{start:%H%M}-{end:%H%M}-{role}"
    if len(base) > ID_LENGTH - 4:  # room for a -2, -3 … suffix
        digest = hashlib.sha256(base.encode()).hexdigest()[:10]
        base = f"{base[: ID_LENGTH - 4 - 11]}-{digest}"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate)
    return candidate


def regions_without_facilities(
    volunteers: dict[str, Volunteer], facilities: dict[str, Facility]
) -> list[Problem]:
    """Not an error, but such volunteers can never be assigned: say so once per region."""
    served = {f.region for f in facilities.values()}
    stranded: dict[str, int] = {}
    for v in volunteers.values():
        if v.region not in served:
            stranded[v.region] = stranded.get(v.region, 0) + 1
    return [
        Problem(
            "volunteers",
            None,
            "region",
            ngettext(
                "%(count)s volunteer(s) in region '%(region)s', "
                "which has no facility; they cannot be assigned",
                "%(count)s volunteer(s) in region '%(region)s', "
                "which has no facility; they cannot be assigned",
                count,
                region=region,
            ),
            Severity.WARNING,
        )
        for region, count in sorted(stranded.items())
    ]
