"""Why a place is not offered: a forbidding and an allowing case per reason, the words a
volunteer reads, and on the demo the list is empty exactly when `open_shifts` offers it.

2026-03-02 is a Monday; the default volunteer V1 is a nurse 1.6 km from F1.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from scheduler import i18n
from scheduler import rules as registry
from scheduler.domain import Dataset
from scheduler.engine.results import Settings
from scheduler.engine.solver import solve
from scheduler.intake.loading import load_dataset
from scheduler.outputs import refusals
from scheduler.outputs.open_shifts import open_shifts
from scheduler.outputs.refusals import DECLINED, ON_SHIFT, why_not
from scheduler.problems import InvalidInput
from tests.factories import make_dataset, make_facility, make_need, make_volunteer, make_window

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
FAR = (55.9, 37.9)  # about 24 km from F1


def reasons(dataset: Dataset, held=(), need_id: str = "N1", declined=()) -> list[tuple[str, str]]:
    """(rule, sentence) of every reason V1 may not take `need_id`, holding `held` needs."""
    pairs = [(n, "V1") for n in held]
    return [(r.rule, r.text) for r in why_not(dataset, pairs, "V1", need_id, declined)]


def rules_of(found: list[tuple[str, str]]) -> list[str]:
    return [rule for rule, _ in found]


# --- the place itself ----------------------------------------------------------------------------


def test_a_place_already_theirs_is_the_only_reason_not_a_clash_with_itself() -> None:
    dataset = make_dataset()
    assert reasons(dataset, held=["N1"]) == [(ON_SHIFT, "You already have this shift.")]
    assert reasons(dataset) == []


def test_capacity_forbids_a_need_whose_places_are_all_taken() -> None:
    dataset = make_dataset(volunteers=[make_volunteer(), make_volunteer(id="V2")])
    found = why_not(dataset, [("N1", "V2")], "V1", "N1")
    assert [(r.rule, r.text) for r in found] == [
        ("capacity", "Every place on this shift is taken (1 of 1).")
    ]


def test_capacity_allows_a_need_with_a_place_left() -> None:
    needs = [make_need(count=2)]
    dataset = make_dataset(volunteers=[make_volunteer(), make_volunteer(id="V2")], needs=needs)
    assert why_not(dataset, [("N1", "V2")], "V1", "N1") == []


def test_a_shift_they_declined_is_not_offered_again() -> None:
    dataset = make_dataset()
    assert reasons(dataset, declined=[("N1", "V1")]) == [(DECLINED, "You declined this shift.")]
    assert reasons(dataset, declined=[("N1", "V2"), ("N2", "V1")]) == []


def test_unknown_ids_are_refused_by_name() -> None:
    with pytest.raises(InvalidInput) as refused:
        why_not(make_dataset(), [], "V404", "N404")
    said = " ".join(str(p) for p in refused.value.problems)
    assert "V404" in said and "N404" in said


# --- eligibility: role, region and distance, availability ----------------------------------------


def test_role_forbids_a_need_the_volunteers_role_does_not_cover() -> None:
    dataset = make_dataset(needs=[make_need(role="doctor")])
    assert reasons(dataset) == [
        ("role", "This shift is for the role doctor, which your role (nurse) does not cover.")
    ]


def test_role_allows_a_need_of_a_role_theirs_covers() -> None:
    assert reasons(make_dataset(needs=[make_need(role="junior_student")])) == []


def test_region_forbids_a_facility_in_another_region() -> None:
    south = make_facility(id="F2", region="south", region_label="South")
    dataset = make_dataset(facilities=[make_facility(), south], needs=[make_need(facility_id="F2")])
    assert reasons(dataset) == [
        ("region and distance", "This shift is in South region; you volunteer in north region.")
    ]


def test_region_allows_a_facility_in_their_own_region() -> None:
    south = make_facility(id="F2", region="south", region_label="South")
    assert reasons(make_dataset(facilities=[make_facility(), south])) == []


def test_distance_forbids_a_facility_beyond_their_limit_and_says_both() -> None:
    volunteer = make_volunteer(lat=FAR[0], lon=FAR[1], max_distance_km=20)
    ((rule, text),) = reasons(make_dataset(volunteers=[volunteer]))
    assert rule == "region and distance"
    assert text.startswith("City Hospital is 2") and text.endswith("beyond your limit of 20 km.")


def test_distance_allows_a_facility_within_their_limit() -> None:
    volunteer = make_volunteer(lat=FAR[0], lon=FAR[1], max_distance_km=30)
    assert reasons(make_dataset(volunteers=[volunteer])) == []


def test_availability_forbids_a_shift_touching_a_no_window_and_names_its_hours() -> None:
    no = make_window("2026-03-02", "12:00", "13:00", available=False)
    assert reasons(make_dataset(availability=[no])) == [
        ("availability", "You said you are not available Mon 2 March 12:00–13:00.")
    ]


def test_availability_names_every_no_window_the_shift_touches() -> None:
    windows = [
        make_window("2026-03-02", "09:00", "10:00", available=False),
        make_window("2026-03-02", "12:00", "13:00", available=False),
    ]
    found = reasons(make_dataset(availability=windows))
    assert [text[-12:] for _, text in found] == ["09:00–10:00.", "12:00–13:00."]


def test_availability_allows_a_no_window_that_only_touches_the_shifts_end() -> None:
    no = make_window("2026-03-02", "16:00", "18:00", available=False)
    assert reasons(make_dataset(availability=[no])) == []


def test_availability_forbids_hours_outside_their_yes_windows() -> None:
    yes = make_window("Mon", "08:00", "12:00")
    assert reasons(make_dataset(availability=[yes])) == [
        (
            "availability",
            "Its hours, Mon 2 March 08:00–16:00, are outside the times you said you can work.",
        )
    ]


def test_availability_allows_hours_inside_their_yes_windows() -> None:
    yes = make_window("Mon", "08:00", "16:00")
    assert reasons(make_dataset(availability=[yes])) == []


# --- the roster rules, beside the volunteer's other shifts ---------------------------------------


def test_rest_forbids_too_little_rest_after_a_shift_of_theirs() -> None:
    needs = [make_need(id="DAY"), make_need(start="20:00", end="04:00")]
    assert reasons(make_dataset(needs=needs), held=["DAY"]) == [
        (
            "rest",
            "Your shift at City Hospital, Mon 2 March 08:00–16:00 ends 4 h before it starts; "
            "you need 11 h of rest between shifts.",
        )
    ]


def test_rest_forbids_too_little_rest_before_a_shift_of_theirs_and_an_overlap() -> None:
    needs = [
        make_need(id="NIGHT", date="2026-03-01", start="22:00", end="06:00"),
        make_need(id="EVENING", start="14:00", end="22:00"),
        make_need(),
    ]
    found = reasons(make_dataset(needs=needs), held=["NIGHT", "EVENING"])
    assert found == [
        (
            "rest",
            "Your shift at City Hospital, Sun 1 March 22:00–06:00 ends 2 h before it starts; "
            "you need 11 h of rest between shifts.",
        ),
        ("rest", "It overlaps your shift at City Hospital, Mon 2 March 14:00–22:00."),
    ]
    later = [make_need(id="NEXT", date="2026-03-03", start="02:00", end="10:00"), make_need()]
    assert reasons(make_dataset(needs=later), held=["NEXT"]) == [
        (
            "rest",
            "Your shift at City Hospital, Tue 3 March 02:00–10:00 starts 10 h after it ends; "
            "you need 11 h of rest between shifts.",
        )
    ]


def test_rest_allows_exactly_the_minimum_rest() -> None:
    needs = [make_need(id="DAY"), make_need(date="2026-03-03", start="03:00", end="11:00")]
    assert reasons(make_dataset(needs=needs), held=["DAY"]) == []


def test_weekly_shifts_forbid_a_full_week_and_name_it() -> None:
    volunteer = make_volunteer(max_shifts_per_week=1)
    needs = [make_need(id="TUE", date="2026-03-03"), make_need(date="2026-03-05")]
    dataset = make_dataset(volunteers=[volunteer], needs=needs)
    assert reasons(dataset, held=["TUE"]) == [
        (
            "weekly shifts",
            "You already have 1 shift in the week of 2 March; your limit is 1 a week.",
        )
    ]


def test_weekly_shifts_allow_a_shift_of_another_week() -> None:
    volunteer = make_volunteer(max_shifts_per_week=1)
    needs = [make_need(id="SUN", date="2026-03-01"), make_need()]
    assert reasons(make_dataset(volunteers=[volunteer], needs=needs), held=["SUN"]) == []


def test_weekly_shifts_of_zero_forbid_every_shift() -> None:
    dataset = make_dataset(volunteers=[make_volunteer(max_shifts_per_week=0)])
    assert reasons(dataset) == [
        ("weekly shifts", "Your weekly shift limit is 0: you take no shifts.")
    ]


def test_weekly_hours_forbid_going_over_the_limit() -> None:
    volunteer = make_volunteer(max_hours_per_week=12)
    needs = [make_need(id="TUE", date="2026-03-03"), make_need(date="2026-03-05")]
    dataset = make_dataset(volunteers=[volunteer], needs=needs)
    assert reasons(dataset, held=["TUE"]) == [
        (
            "weekly hours",
            "You already have 8 h of shifts in the week of 2 March; this 8-hour shift would "
            "take you over your limit of 12 h a week.",
        )
    ]


def test_weekly_hours_allow_up_to_the_limit_and_forbid_a_shift_longer_than_it() -> None:
    needs = [make_need(id="TUE", date="2026-03-03"), make_need(date="2026-03-05")]
    enough = make_dataset(volunteers=[make_volunteer(max_hours_per_week=16)], needs=needs)
    assert reasons(enough, held=["TUE"]) == []
    short = make_dataset(volunteers=[make_volunteer(max_hours_per_week=6)])
    assert reasons(short) == [
        ("weekly hours", "This 8-hour shift is longer than your limit of 6 h a week.")
    ]


def test_days_in_a_row_forbid_a_run_too_long_and_say_its_days() -> None:
    needs = [
        make_need(id="MON"),
        make_need(id="TUE", date="2026-03-03"),
        make_need(id="THU", date="2026-03-05"),
        make_need(date="2026-03-04"),
    ]
    dataset = make_dataset(needs=needs, rules={"max_consecutive_days": 3})
    assert reasons(dataset, held=["MON", "TUE", "THU"]) == [
        (
            "consecutive days",
            "It would make 4 days in a row with a shift, Mon 2 March to Thu 5 March; "
            "the limit is 3.",
        )
    ]


def test_days_in_a_row_allow_a_run_at_the_limit() -> None:
    needs = [make_need(id="MON"), make_need(id="TUE", date="2026-03-03")]
    needs.append(make_need(date="2026-03-04"))
    dataset = make_dataset(needs=needs, rules={"max_consecutive_days": 3})
    assert reasons(dataset, held=["MON", "TUE"]) == []


def test_every_reason_is_given_not_only_the_first() -> None:
    volunteer = make_volunteer(max_shifts_per_week=1)
    needs = [make_need(id="DAY"), make_need(role="doctor", start="18:00", end="22:00")]
    dataset = make_dataset(volunteers=[volunteer], needs=needs)
    found = reasons(dataset, held=["DAY"], declined=[("N1", "V1")])
    assert rules_of(found) == [DECLINED, "role", "rest", "weekly shifts"]


def test_every_roster_rule_with_a_ledger_has_words_for_a_volunteer() -> None:
    named = {rule.name for rule in registry.ROSTER_RULES if rule.ledger}
    assert named == set(refusals._WORDS)


def test_the_reasons_are_said_in_the_volunteers_language() -> None:
    volunteer = make_volunteer(max_hours_per_week=6)
    dataset = make_dataset(volunteers=[volunteer], needs=[make_need(role="doctor")])
    with i18n.using("ru"):
        found = [r.text for r in why_not(dataset, [], "V1", "N1")]
    assert len(found) == 2 and all("shift" not in text for text in found)
    assert "врач" in found[0]


# --- the demo: empty exactly when open_shifts offers it ------------------------------------------


@pytest.fixture(scope="module")
def demo_board() -> tuple[Dataset, list[tuple[str, str]], set[tuple[str, str]]]:
    """The solved demo with a third of its places given back (it leaves open only places
    nobody can take), and a few of the places then offered declined."""
    dataset, _ = load_dataset(DEMO)
    solved = sorted(solve(dataset, Settings(time_limit=60)).assignments)
    pairs = [pair for k, pair in enumerate(solved) if k % 3]
    needs = [n.id for n in dataset.needs]
    offers = [
        (o.need_id, v.id)
        for v in dataset.volunteers
        for o in open_shifts(dataset, pairs, v.id, needs)
    ]
    return dataset, pairs, set(offers[::10])


def test_on_the_demo_no_reason_exactly_when_open_shifts_offers_the_place(demo_board) -> None:
    dataset, pairs, declined = demo_board
    region = dataset.facilities[0].region
    here = {f.id for f in dataset.facilities if f.region == region}
    needs = [n.id for n in dataset.needs if n.facility_id in here]
    offered, kinds = 0, Counter[str]()
    for volunteer in dataset.volunteers:  # of both regions: the other one is refused too
        open_ = {o.need_id for o in open_shifts(dataset, pairs, volunteer.id, needs, declined)}
        for need_id in needs:
            found = why_not(dataset, pairs, volunteer.id, need_id, declined)
            assert (found == []) == (need_id in open_), (volunteer.id, need_id, found)
            offered += not found
            kinds.update({r.rule for r in found})
    assert offered > 50
    assert {ON_SHIFT, DECLINED, "capacity", "role", "availability", "rest"} <= set(kinds)
    assert {"region and distance", "weekly shifts"} <= set(kinds)
