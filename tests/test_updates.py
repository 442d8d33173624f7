"""Changes to a stored dataset: what an upload or a form adds, replaces and may not touch.

Each case is tiny and hand-made: two regions, one facility each, a stored
need N1 at F1 (north) and N2 at F2 (south), volunteers V1 (north) and V2
(south). Sheets are written as rows of cells, as the reader hands them over.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scheduler.intake.raw import RawSheet
from scheduler.intake.schema import columns
from scheduler.intake.updates import (
    Changes,
    Scope,
    changes_from_sheets,
    merge,
    one_row,
    read_changes,
)
from scheduler.problems import InvalidInput, Problem
from tests.broken.make_cases import save_xlsx
from tests.factories import (
    MONDAY,
    make_dataset,
    make_facility,
    make_need,
    make_volunteer,
    make_window,
)

NORTH = Scope(facilities=frozenset({"F1"}), regions=frozenset({"north"}))
SHIFT = {"facility_id": "F1", "date": MONDAY, "start": "08:00", "end": "16:00", "role": "nurse"}


def base_dataset(**overrides):
    values = dict(
        facilities=[make_facility(), make_facility(id="F2", name="South Clinic", region="south")],
        volunteers=[make_volunteer(), make_volunteer(id="V2", name="Boris", region="south")],
        needs=[make_need(), make_need(id="N2", facility_id="F2")],
        availability=[
            make_window("Mon", "08:00", "20:00"),
            make_window(MONDAY, "00:00", "08:00", available=False),
            make_window("Tue", "08:00", "20:00", volunteer_id="V2"),
        ],
    )
    return make_dataset(**(values | overrides))


def sheet(name: str, *rows: dict[str, object]) -> dict[str, RawSheet]:
    """A sheet with the contract's columns and one row per dict, from Excel row 2."""
    names = columns(name)
    body = [(n, [row.get(c) for c in names]) for n, row in enumerate(rows, start=2)]
    return {name: RawSheet(name, {c: i for i, c in enumerate(names)}, body)}


def needs(*rows: dict[str, object], scope: Scope | None = None, base=None) -> Changes:
    found = sheet("needs", *rows)
    return changes_from_sheets(found, base or base_dataset(), {"needs"}, scope or Scope())


def problems(call) -> list[Problem]:
    with pytest.raises(InvalidInput) as raised:
        call()
    return raised.value.problems


def where(found: list[Problem]) -> list[tuple]:
    return [(p.sheet, p.row, p.column) for p in found]


# --- needs --------------------------------------------------------------------------------


def test_a_new_shift_is_added_with_a_generated_id() -> None:
    changes = needs(SHIFT | {"start": "16:00", "end": "24:00", "role": "doctor", "count": 2})
    (need,) = changes.needs
    assert need.id == "F1-20260302-1600-0000-doctor" and not need.id_given
    assert (need.count, need.end) == (2, dt.datetime(2026, 3, 3))
    assert changes.warnings == ()


def test_a_need_id_replaces_the_stored_need_with_that_id() -> None:
    (need,) = needs(SHIFT | {"need_id": "N1", "start": "09:00", "count": 3}).needs
    assert (need.id, need.count, need.start.hour, need.id_given) == ("N1", 3, 9, True)


def test_a_row_without_id_replaces_the_stored_need_of_the_same_shift() -> None:
    (need,) = needs(SHIFT | {"count": 4, "priority": 1}).needs
    assert (need.id, need.count, int(need.priority)) == ("N1", 4, 1)
    assert need.id_given  # the stored need's id came from its input


def test_replacing_a_need_keeps_where_its_id_came_from() -> None:
    generated = make_need(id="F1-20260302-0800-1600-nurse", id_given=False)
    base = base_dataset(needs=[generated])
    by_key = needs(SHIFT | {"count": 2}, base=base).needs[0]
    by_id = needs(SHIFT | {"need_id": generated.id, "count": 3}, base=base).needs[0]
    assert (by_key.id, by_key.id_given) == (generated.id, False)
    assert (by_id.id, by_id.id_given) == (generated.id, False)


def test_a_generated_id_never_takes_a_stored_one() -> None:
    squatter = make_need(id="F1-20260302-1600-0000-doctor", start="06:00", end="07:00")
    base = base_dataset(needs=[squatter])
    (need,) = needs(
        SHIFT | {"start": "16:00", "end": "00:00", "role": "doctor", "count": 1}, base=base
    ).needs
    assert need.id == "F1-20260302-1600-0000-doctor-2"


def test_a_facility_out_of_scope_is_refused_at_its_cell() -> None:
    found = problems(lambda: needs({**SHIFT, "facility_id": "F2", "count": 1}, scope=NORTH))
    assert where(found) == [("needs", 2, "facility_id")]
    assert "'F2' is not a facility you manage" in found[0].message


def test_an_unknown_facility_is_one_problem_for_anyone() -> None:
    hospital = problems(lambda: needs({**SHIFT, "facility_id": "F9", "count": 1}, scope=NORTH))
    national = problems(lambda: needs({**SHIFT, "facility_id": "F9", "count": 1}))
    assert where(hospital) == where(national) == [("needs", 2, "facility_id")]
    assert "'F9' is not a facility_id of any stored facility" in national[0].message


def test_another_facilitys_need_cannot_be_replaced_by_its_id() -> None:
    found = problems(lambda: needs(SHIFT | {"need_id": "N2", "count": 1}, scope=NORTH))
    assert where(found) == [("needs", 2, "need_id")]
    assert found[0].message == "'N2' is already taken; use another need_id"  # not whose


def test_a_new_id_for_a_posted_shift_is_refused() -> None:
    found = problems(lambda: needs(SHIFT | {"need_id": "N9", "count": 1}))
    assert where(found) == [("needs", 2, None)]
    assert "the same shift as the posted need 'N1'" in found[0].message


def test_a_posted_shift_may_take_a_new_id_when_its_need_moves_away() -> None:
    moved = SHIFT | {"need_id": "N1", "start": "10:00", "end": "18:00", "count": 1}
    changes = needs(SHIFT | {"need_id": "N9", "count": 2}, moved)
    assert sorted(n.id for n in changes.needs) == ["N1", "N9"]


def test_one_need_changed_by_two_rows_is_refused() -> None:
    by_key = SHIFT | {"count": 2}
    by_id = SHIFT | {"need_id": "N1", "start": "10:00", "count": 1}
    found = problems(lambda: needs(by_key, by_id))
    assert where(found) == [("needs", 3, "need_id")]
    assert "row 2 changes the need 'N1' too" in found[0].message


def test_a_need_id_given_twice_is_reported_once() -> None:
    first = SHIFT | {"need_id": "N7", "date": "2026-03-04", "count": 1}
    second = first | {"start": "10:00"}
    assert where(problems(lambda: needs(first, second))) == [("needs", 3, "need_id")]


def test_every_bad_cell_of_a_form_is_named() -> None:
    values = {**SHIFT, "date": "2026-01-01'; DROP TABLE need;--", "role": "<b>", "count": "x"}
    found = problems(
        lambda: changes_from_sheets(one_row("needs", values), base_dataset(), {"needs"}, NORTH)
    )
    assert sorted(where(found)) == [
        ("needs", 2, "count"),
        ("needs", 2, "date"),
        ("needs", 2, "role"),
    ]


def test_a_sheet_with_extra_columns_passes_them_on_as_warnings() -> None:
    raw = sheet("needs", SHIFT | {"count": 2})
    raw["needs"].header["remarks"] = 99
    changes = changes_from_sheets(raw, base_dataset(), {"needs"})
    assert [(w.column, w.is_error) for w in changes.warnings] == [("remarks", False)]


# --- volunteers and availability ----------------------------------------------------------

VOLUNTEER = {"volunteer_id": "V3", "name": "Clara", "role": "doctor", "region": "north"}


def people(*sheets: dict[str, RawSheet], scope: Scope = NORTH) -> Changes:
    found = {name: raw for s in sheets for name, raw in s.items()}
    return changes_from_sheets(found, base_dataset(), {"volunteers", "availability"}, scope)


def test_a_coordinator_adds_and_replaces_volunteers_of_their_region() -> None:
    changes = people(sheet("volunteers", VOLUNTEER, {**VOLUNTEER, "volunteer_id": "V1"}))
    assert [(v.id, v.role) for v in changes.volunteers] == [("V3", "doctor"), ("V1", "doctor")]


def test_volunteers_out_of_region_are_refused() -> None:
    elsewhere = {**VOLUNTEER, "region": "South"}
    moved_in = {**VOLUNTEER, "volunteer_id": "V2"}  # V2 is stored in the south
    found = problems(lambda: people(sheet("volunteers", elsewhere, moved_in)))
    assert where(found) == [("volunteers", 2, "region"), ("volunteers", 3, "volunteer_id")]
    assert "'south' is not a region you manage" in found[0].message
    assert found[1].message == "'V2' is already taken; use another volunteer_id"  # not where


def test_a_volunteer_row_with_a_bad_region_gets_one_problem() -> None:
    found = problems(lambda: people(sheet("volunteers", {**VOLUNTEER, "region": " "})))
    assert where(found) == [("volunteers", 2, "region")]
    assert "region is empty" in found[0].message


def test_availability_replaces_all_windows_of_each_volunteer_named() -> None:
    rows = sheet(
        "availability", {"volunteer_id": "V1", "day": "Fri", "start": "06:00", "end": "14:00"}
    )
    changes = people(rows)
    (window,) = changes.availability["V1"]
    assert (window.weekday, window.start_minute, window.end_minute) == (4, 360, 840)
    after = merge(base_dataset(), changes)
    assert after.availability_by_volunteer["V1"] == (window,)
    assert len(after.availability_by_volunteer["V2"]) == 1  # untouched


def test_availability_of_a_volunteer_of_another_region_is_refused() -> None:
    rows = sheet(
        "availability", {"volunteer_id": "V2", "day": "Fri", "start": "06:00", "end": "14:00"}
    )
    theirs = problems(lambda: people(rows))
    assert where(theirs) == [("availability", 2, "volunteer_id")]
    rows["availability"].rows[0][1][0] = "V99"  # nobody's: answered the same way
    nobodys = problems(lambda: people(rows))
    assert [p.message.replace("V99", "V2") for p in nobodys] == [p.message for p in theirs]
    assert theirs[0].message == (
        "'V2' is neither in this file's volunteers sheet nor among the volunteers you manage"
    )


def test_availability_may_name_a_volunteer_of_the_same_upload() -> None:
    rows = sheet(
        "availability", {"volunteer_id": "V3", "day": MONDAY, "start": "08:00", "end": "12:00"}
    )
    changes = people(sheet("volunteers", VOLUNTEER), rows)
    assert [w.date for w in changes.availability["V3"]] == [dt.date(2026, 3, 2)]


# --- files --------------------------------------------------------------------------------

HEADER = "need_id,facility_id,date,start,end,role,count,priority\n"


def test_a_csv_upload_named_needs_csv_is_the_needs_sheet(tmp_path: Path) -> None:
    path = tmp_path / "Needs.csv"
    path.write_text(
        HEADER + ",F1,2026-03-03,08:00,16:00,nurse,2,\n,F1,2026-03-02,08:00,16:00,nurse,5,1\n"
    )
    changes = read_changes(path, base_dataset(), {"needs"}, NORTH)
    assert [(n.id, n.count) for n in changes.needs] == [
        ("F1-20260303-0800-1600-nurse", 2),
        ("N1", 5),
    ]


def test_a_csv_with_a_bad_date_names_its_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "upload.csv"
    path.write_text(
        HEADER + ",F1,2026-03-03,08:00,16:00,nurse,2,\n,F1,03/04/2026,08:00,16:00,nurse,1,\n"
    )
    found = problems(lambda: read_changes(path, base_dataset(), {"needs"}, NORTH))
    assert [str(p).split(": ")[0] for p in found] == ["needs:3:date"]


def test_a_csv_of_several_possible_sheets_must_be_named_after_one(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("volunteer_id,name,role,region\nV3,Clara,doctor,north\n")
    found = problems(lambda: read_changes(path, base_dataset(), {"volunteers", "availability"}))
    assert "name the CSV file after its sheet" in found[0].message
    renamed = path.rename(tmp_path / "volunteers.csv")
    changes = read_changes(renamed, base_dataset(), {"volunteers", "availability"}, NORTH)
    assert [v.id for v in changes.volunteers] == ["V3"]


def test_other_sheets_of_a_workbook_are_ignored_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "upload.xlsx"
    save_xlsx(
        {
            "needs": [
                list(columns("needs")),
                [None, "F1", MONDAY, "20:00", "08:00", "nurse", 1, 2],
            ],
            "volunteers": [list(columns("volunteers"))[:4], ["V9", "Zed", "nurse", "north"]],
            "Notes": [["anything"]],
        },
        path,
    )
    changes = read_changes(path, base_dataset(), {"needs"}, NORTH)
    assert len(changes.needs) == 1 and changes.volunteers == ()
    warned = {w.sheet: w.message for w in changes.warnings}
    assert warned["volunteers"] == "not read: this upload changes only 'needs'"
    assert "not part of the format" in warned["Notes"]


def test_a_workbook_without_the_sheet_says_to_start_from_the_template(tmp_path: Path) -> None:
    path = tmp_path / "upload.xlsx"
    save_xlsx({"volunteers": [["volunteer_id"], ["V9"]]}, path)
    found = problems(lambda: read_changes(path, base_dataset(), {"needs"}))
    assert [p.message for p in found] == [
        "the file holds no 'needs' sheet; start from the template"
    ]


def test_a_text_file_named_xlsx_gets_the_readers_message(tmp_path: Path) -> None:
    path = tmp_path / "needs.xlsx"
    path.write_text(HEADER)
    (found,) = problems(lambda: read_changes(path, base_dataset(), {"needs"}))
    assert found.sheet == "needs.xlsx" and "a text (CSV?) file renamed to .xlsx" in found.message


# --- merge ----------------------------------------------------------------------------------


def test_merge_replaces_what_the_changes_name_and_adds_the_rest() -> None:
    base = base_dataset()
    changes = needs(SHIFT | {"count": 6}, SHIFT | {"start": "20:00", "end": "08:00", "count": 1})
    after = merge(base, changes)
    assert [(n.id, n.count) for n in after.needs] == [
        ("N1", 6),
        ("N2", 1),
        ("F1-20260302-2000-0800-nurse", 1),
    ]
    assert after.facilities == base.facilities and after.volunteers == base.volunteers
    assert after.availability == base.availability and after.rules == base.rules


def test_empty_changes_say_so() -> None:
    assert Changes().empty
    assert not needs(SHIFT | {"count": 1}).empty


def test_a_generated_id_fits_the_ids_width_however_long_its_parts() -> None:
    facility = "F" * 95
    base = base_dataset(
        facilities=[make_facility(), make_facility(id=facility)], needs=[make_need()]
    )
    first, second = needs(
        SHIFT | {"facility_id": facility, "count": 1},
        SHIFT | {"facility_id": facility, "count": 1, "start": "09:00"},
        base=base,
    ).needs
    assert len(first.id) <= 100 and len(second.id) <= 100
    assert first.id != second.id and first.id.startswith(facility[:60])


def test_a_role_typed_as_people_write_it_is_stored_in_the_contracts_form() -> None:
    """The need form offers 'junior student'; an upload may say 'Junior Student'."""
    changes = needs(SHIFT | {"role": "Junior Student", "count": 1})
    assert [n.role for n in changes.needs] == ["junior_student"]
    form = one_row("needs", SHIFT | {"role": "junior student", "count": "1"})
    assert [n.role for n in changes_from_sheets(form, base_dataset(), {"needs"}).needs] == [
        "junior_student"
    ]
