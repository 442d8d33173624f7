"""The template's headers: each sheet's columns with their widths and the note on each header.

Kept apart from the template's writing (`scheduler.intake.template`): what a
clerk reads on each header changes with the contract, how a workbook is
written does not.
"""

from __future__ import annotations

from scheduler.i18n import N_

# sheet -> [(column, width, note on the header cell)], in the contract's order; the names are
# the contract's in every language, the notes are translated when the template is written.
COLUMNS: dict[str, list[tuple[str, int, str]]] = {
    "facilities": [
        ("facility_id", 13, N_("Required. A short code for the facility, unique in this sheet.")),
        ("name", 28, N_("Required. The name people know the facility by.")),
        ("region", 14, N_("Required. Volunteers only work in facilities of their own region.")),
        (
            "lat",
            10,
            N_("Optional latitude, -90 to 90 (e.g. 50.0647). Fill lat and lon or neither."),
        ),
        ("lon", 10, N_("Optional longitude, -180 to 180. Fill lat and lon or neither.")),
        ("address", 30, N_("Optional. Free text for people; not used to compute distances.")),
        (
            "timezone",
            18,
            N_(
                "Optional IANA time zone, e.g. Europe/Moscow or Asia/Vladivostok. Empty: the "
                "site's zone. Shift times stay the facility's clock times."
            ),
        ),
        ("phone", 16, N_("Optional. Whom a volunteer calls at the facility; shown on shifts.")),
    ],
    "volunteers": [
        ("volunteer_id", 13, N_("Required. A code unique in this sheet.")),
        ("name", 22, N_("Required. Shown on rosters.")),
        ("role", 16, N_("Required. A role from the roles sheet (or the default roles).")),
        ("region", 14, N_("Required. The volunteer only works in facilities of this region.")),
        ("lat", 10, N_("Optional home latitude. Fill lat and lon or neither.")),
        ("lon", 10, N_("Optional home longitude. Fill lat and lon or neither.")),
        ("max_shifts_per_week", 12, N_("Whole number, 0 or more. Empty means 3.")),
        ("max_hours_per_week", 12, N_("Optional number above 0. Empty means no hour limit.")),
        ("max_distance_km", 12, N_("Optional number. Replaces the rules sheet's max_distance_km.")),
        ("preferred_facilities", 20, N_("Optional facility ids separated by ; (e.g. F01;F02).")),
        ("email", 24, N_("Optional. Personal data: never shown to other volunteers.")),
        ("phone", 16, N_("Optional. Personal data: never shown to other volunteers.")),
    ],
    "availability": [
        ("volunteer_id", 13, N_("Required. Must be a volunteer_id of the volunteers sheet.")),
        ("day", 12, N_("Required. A date YYYY-MM-DD, or a weekday Mon...Sun (every week).")),
        ("start", 9, N_("Required. Time HH:MM when the window opens.")),
        ("end", 9, N_("Required. Time HH:MM. An end at or before start means the next day.")),
        ("available", 10, N_("yes: may work in this window; no: may not (leave). Empty: yes.")),
    ],
    "needs": [
        ("need_id", 11, N_("Optional. Unique when given; made up by the program when empty.")),
        ("facility_id", 13, N_("Required. Must be a facility_id of the facilities sheet.")),
        ("date", 12, N_("Required. Date YYYY-MM-DD on which the shift starts.")),
        ("start", 9, N_("Required. Time HH:MM when the shift starts.")),
        ("end", 9, N_("Required. Time HH:MM. An end at or before start means the next day.")),
        ("role", 16, N_("Required. The role wanted; a role from the roles sheet.")),
        ("count", 8, N_("Required. Whole number, 1 or more: how many volunteers are wanted.")),
        ("priority", 9, N_("1 critical, 2 normal, 3 low. Empty means 2.")),
        (
            "requires",
            26,
            N_(
                "Optional credentials every volunteer on it must hold on each day the shift "
                "touches, separated by ; (e.g. pcr_test; red_zone_training)."
            ),
        ),
    ],
    "credentials": [
        ("volunteer_id", 13, N_("Required. Must be a volunteer_id of the volunteers sheet.")),
        (
            "credential",
            20,
            N_("Required. A name such as pcr_test or red_zone_training, as needs require it."),
        ),
        ("valid_from", 12, N_("Optional date YYYY-MM-DD: the first day it counts.")),
        (
            "valid_until",
            12,
            N_("Optional date YYYY-MM-DD: the last day it counts; not before valid_from."),
        ),
    ],
    "roles": [
        ("role", 18, N_("A role name, unique in this sheet. Every role fills its own places.")),
        ("can_cover", 50, N_("Other roles it may also fill, separated by ; (each a row here).")),
    ],
    "rules": [
        ("rule", 22, N_("A rule name from the How to fill in sheet. Unknown names are an error.")),
        ("value", 10, N_("A number; fractions are allowed (9.5).")),
    ],
}
