"""Why a place is open: each stage of the funnel alone on a tiny case, then the demo whole.

Each stage has a case where the funnel empties there (stage, counts and the
key words of the sentence are checked); each limit of stage 5 also has a case
just inside the rule, where the volunteer could still take the shift. On the
demo, the funnels are recounted against the engine's eligibility and the
checker. Factory defaults: region "north", facility F1, volunteer V1 (a nurse
about 1.6 km away, up to 7 shifts a week), need N1 on Monday 2026-03-02,
08:00-16:00, normal priority; the distance limit is 50 km.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from scheduler.checker import (
    consecutive_days,
    rest_between_shifts,
    volunteer_available,
    weekly_limits,
)
from scheduler.domain import Dataset, Priority
from scheduler.engine.eligibility import build_instance
from scheduler.engine.results import Settings
from scheduler.engine.solver import solve
from scheduler.geo import distance_km
from scheduler.intake.loading import load_dataset
from scheduler.outputs.roster_reading import Assignment
from scheduler.outputs.unfilled import BLOCKING_RULES, STAGES, Funnel, explain_unfilled
from tests.factories import HOME, HOSPITAL, make_dataset, make_need, make_volunteer, make_window

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
WEDNESDAY, THURSDAY = "2026-03-04", "2026-03-05"
FAR = (HOSPITAL[0] + 1.0, HOSPITAL[1])  # about 111 km north of the hospital


def funnel_of(dataset: Dataset, roster=(), need_id: str = "N1") -> Funnel:
    return explain_unfilled(dataset, roster)[need_id]


def figures(funnel: Funnel) -> tuple[int, ...]:
    """The counts along the funnel: role, available, within distance, on this shift."""
    return (
        funnel.in_region_with_role,
        funnel.available,
        funnel.within_distance,
        funnel.on_this_shift,
    )


# --- stage 1: role ------------------------------------------------------------------------


def test_role_nobody_in_the_region_has_a_role_that_covers_the_need() -> None:
    volunteers = [make_volunteer(), make_volunteer(id="V2", role="doctor", region="south")]
    funnel = funnel_of(make_dataset(volunteers=volunteers, needs=[make_need(role="doctor")]))
    assert (funnel.stage, funnel.open, figures(funnel)) == ("role", 1, (0, 0, 0, 0))
    assert funnel.reason == "no volunteer in north region has a role that covers doctor"


def test_role_counts_every_role_that_covers_the_need_in_its_region_only() -> None:
    roles = ["nurse", "orderly", "doctor", "support"]  # support does not cover orderly
    volunteers = [make_volunteer(id=f"V{i}", role=r) for i, r in enumerate(roles)]
    volunteers.append(make_volunteer(id="V9", role="orderly", region="south"))
    dataset = make_dataset(volunteers=volunteers, needs=[make_need(role="orderly")])
    funnel = funnel_of(dataset)
    assert figures(funnel) == (3, 3, 3, 0)
    assert funnel.reason.startswith("3 volunteers who can fill an orderly place in north region;")


# --- stage 2: availability ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("shift", "windows", "available"),
    [
        pytest.param(("08:00", "16:00"), [make_window("Tue")], 0, id="yes rows, none on Monday"),
        pytest.param(
            ("08:00", "16:00"),
            [make_window("Mon", "08:00", "12:00"), make_window("2026-03-02", "12:00", "16:00")],
            1,
            id="touching windows join",
        ),
        pytest.param(
            ("08:00", "16:00"),
            [make_window("Mon", "15:00", "17:00", available=False)],
            0,
            id="a no-window overlaps",
        ),
        pytest.param(
            ("08:00", "16:00"),
            [make_window("Mon", "16:00", "18:00", available=False)],
            1,
            id="a no-window only touches",
        ),
        pytest.param(
            ("20:00", "08:00"),
            [make_window("Mon", "18:00", "24:00"), make_window("Tue", "00:00", "08:00")],
            1,
            id="a night shift across two windows",
        ),
        pytest.param(
            ("20:00", "08:00"), [make_window("Mon", "18:00", "24:00")], 0, id="a night cut short"
        ),
        pytest.param(
            ("02:00", "08:00"),
            [make_window("Sun", "22:00", "10:00")],
            1,
            id="Sunday's window covers Monday morning",
        ),
    ],
)
def test_availability_follows_hard_rule_3(shift, windows, available: int) -> None:
    dataset = make_dataset(needs=[make_need(start=shift[0], end=shift[1])], availability=windows)
    funnel = funnel_of(dataset)
    assert funnel.available == available
    assert funnel.stage == ("free" if available else "availability")


def test_availability_stage_says_nobody_is_available_for_the_whole_shift() -> None:
    funnel = funnel_of(make_dataset(availability=[make_window("Mon", "08:00", "12:00")]))
    assert (funnel.stage, figures(funnel)) == ("availability", (1, 0, 0, 0))
    assert funnel.reason == "1 nurse in north region; none available for the whole shift"


def test_availability_counts_out_a_weekly_limit_shorter_than_the_shift() -> None:
    funnel = funnel_of(make_dataset(volunteers=[make_volunteer(max_hours_per_week=6)]))
    assert (funnel.stage, figures(funnel)) == ("availability", (1, 0, 0, 0))
    assert funnel.reason.endswith(
        "none available for the whole shift (1 free then, but their weekly limits "
        "leave no room for this 8-hour shift)"
    )


# --- stage 3: distance --------------------------------------------------------------------


def test_distance_stage_states_the_limit() -> None:
    volunteer = make_volunteer(lat=FAR[0], lon=FAR[1])
    funnel = funnel_of(make_dataset(volunteers=[volunteer], rules={"max_distance_km": 50}))
    assert (funnel.stage, figures(funnel)) == ("distance", (1, 1, 0, 0))
    assert funnel.reason == (
        "1 nurse in north region; 1 available for the whole shift; none within 50 km"
    )


def test_distance_stage_speaks_of_their_own_limit_when_volunteers_have_one() -> None:
    funnel = funnel_of(make_dataset(volunteers=[make_volunteer(max_distance_km=1.0)]))
    assert (funnel.stage, figures(funnel)) == ("distance", (1, 1, 0, 0))
    assert funnel.reason.endswith("; none within their distance limit")


@pytest.mark.parametrize(
    "volunteer",
    [
        make_volunteer(max_distance_km=distance_km(*HOME, *HOSPITAL)),
        make_volunteer(lat=None, lon=None, max_distance_km=0.1),
    ],
    ids=["exactly at the limit", "no coordinates"],
)
def test_distance_passes_at_the_limit_and_without_coordinates(volunteer) -> None:
    funnel = funnel_of(make_dataset(volunteers=[volunteer]))
    assert (funnel.stage, funnel.within_distance) == ("free", 1)


# --- stage 4: already on this shift -------------------------------------------------------


def test_on_shift_when_everyone_who_could_take_it_is_already_on_it() -> None:
    volunteers = [make_volunteer(), make_volunteer(id="V2")]
    dataset = make_dataset(volunteers=volunteers, needs=[make_need(count=3)])
    funnel = funnel_of(dataset, [("N1", "V1"), ("N1", "V2")])
    assert (funnel.stage, funnel.open, figures(funnel)) == ("on_shift", 1, (2, 2, 2, 2))
    assert funnel.candidates == 0
    assert funnel.reason.endswith(
        "; 2 within 50 km; both who could take it are already on this shift"
    )


# --- stage 5: rest, weekly limits, days in a row ------------------------------------------

LIMITS = [
    pytest.param(
        {"max_shifts_per_week": 1},
        [make_need(id="N2", date=WEDNESDAY)],
        {},
        "weekly shifts",
        "at their weekly shift limit",
        id="weekly shift limit",
    ),
    pytest.param(
        {"max_hours_per_week": 12},
        [make_need(id="N2", date=WEDNESDAY)],
        {},
        "weekly hours",
        "at their weekly hour limit",
        id="weekly hour limit",
    ),
    pytest.param(
        {},
        [make_need(id="N2", start="20:00", end="04:00")],
        {},
        "rest",
        "by the rest rule (11 h between shifts)",
        id="rest",
    ),
    pytest.param(
        {},
        [make_need(id="N2", start="12:00", end="20:00")],
        {},
        "rest",
        "by the rest rule (11 h between shifts)",
        id="overlap",
    ),
    pytest.param(
        {},
        [make_need(id="N2", date="2026-03-03"), make_need(id="N3", date=WEDNESDAY)],
        {"max_consecutive_days": 2},
        "consecutive days",
        "at the limit of 2 days in a row",
        id="days in a row",
    ),
]


@pytest.mark.parametrize(("volunteer", "roster", "rules", "rule", "words"), LIMITS)
def test_limits_name_the_rule_that_keeps_the_volunteer_off(
    volunteer, roster, rules, rule: str, words: str
) -> None:
    dataset = make_dataset(
        volunteers=[make_volunteer(**volunteer)], needs=[make_need(), *roster], rules=rules
    )
    funnel = funnel_of(dataset, [(n.id, "V1") for n in roster])
    assert (funnel.stage, figures(funnel)) == ("limits", (1, 1, 1, 0))
    assert (funnel.blocked, funnel.weigh_more, funnel.free) == ({rule: 1}, 0, ())
    assert f"; the only one already at a limit: 1 {words}" in funnel.reason


@pytest.mark.parametrize(
    ("volunteer", "roster", "rules"),
    [
        pytest.param(
            {"max_shifts_per_week": 1},
            [make_need(id="N2", date="2026-03-09")],
            {},
            id="the other shift is in the next ISO week",
        ),
        pytest.param(
            {"max_hours_per_week": 16},
            [make_need(id="N2", date=WEDNESDAY)],
            {},
            id="hours exactly at the limit",
        ),
        pytest.param(
            {},
            [make_need(id="N2", date="2026-03-03", start="03:00", end="07:00")],
            {},
            id="exactly 11 h of rest",
        ),
        pytest.param(
            {},
            [make_need(id="N2", date=WEDNESDAY), make_need(id="N3", date=THURSDAY)],
            {"max_consecutive_days": 2},
            id="a day off in between",
        ),
    ],
)
def test_just_inside_each_limit_the_volunteer_could_still_take_it(volunteer, roster, rules) -> None:
    dataset = make_dataset(
        volunteers=[make_volunteer(**volunteer)], needs=[make_need(), *roster], rules=rules
    )
    funnel = funnel_of(dataset, [(n.id, "V1") for n in roster])
    assert (funnel.stage, funnel.blocked, funnel.free) == ("free", {}, ("V1",))


def test_a_volunteer_kept_off_by_several_rules_counts_once_under_the_first() -> None:
    """Both the rest rule and the weekly shift limit keep V1 off; rest comes first."""
    night = make_need(id="N2", start="20:00", end="04:00")
    dataset = make_dataset(
        volunteers=[make_volunteer(max_shifts_per_week=1)], needs=[make_need(), night]
    )
    assert funnel_of(dataset, [("N2", "V1")]).blocked == {"rest": 1}
    assert BLOCKING_RULES == ("rest", "weekly shifts", "weekly hours", "consecutive days")


def test_weigh_more_when_every_candidate_works_shifts_that_weigh_more() -> None:
    volunteers = [make_volunteer(id=f"V{i}", max_shifts_per_week=1) for i in (1, 2, 3)]
    critical = make_need(id="N2", date=WEDNESDAY, count=3, priority=Priority.CRITICAL)
    dataset = make_dataset(volunteers=volunteers, needs=[make_need(), critical])
    funnel = funnel_of(dataset, [("N2", v.id) for v in volunteers])
    assert (funnel.stage, figures(funnel)) == ("weigh_more", (3, 3, 3, 0))
    assert (funnel.blocked, funnel.weigh_more) == ({"weekly shifts": 3}, 3)
    assert funnel.reason.endswith(
        "; all 3 were used on shifts that weigh more (critical): 3 at their weekly shift limit"
    )


@pytest.mark.parametrize(("volunteer", "roster", "rules", "rule", "words"), LIMITS)
def test_weigh_more_under_each_rule_when_the_blocking_shifts_are_critical(
    volunteer, roster, rules, rule: str, words: str
) -> None:
    roster = [replace(n, priority=Priority.CRITICAL) for n in roster]
    dataset = make_dataset(
        volunteers=[make_volunteer(**volunteer)], needs=[make_need(), *roster], rules=rules
    )
    funnel = funnel_of(dataset, [(n.id, "V1") for n in roster])
    assert (funnel.stage, funnel.blocked, funnel.weigh_more) == ("weigh_more", {rule: 1}, 1)
    assert funnel.reason.endswith(
        f"; the only one was used on shifts that weigh more (critical): 1 {words}"
    )


def test_limits_when_only_some_candidates_work_shifts_that_weigh_more() -> None:
    volunteers = [
        make_volunteer(max_shifts_per_week=1),
        make_volunteer(id="V2", max_shifts_per_week=1),
    ]
    critical = make_need(id="N2", date=WEDNESDAY, priority=Priority.CRITICAL)
    low = make_need(id="N3", date=THURSDAY, priority=Priority.LOW)
    dataset = make_dataset(volunteers=volunteers, needs=[make_need(), critical, low])
    funnel = funnel_of(dataset, [("N2", "V1"), ("N3", "V2")])
    assert (funnel.stage, funnel.blocked, funnel.weigh_more) == ("limits", {"weekly shifts": 2}, 1)
    assert funnel.reason.endswith(
        "; both already at a limit: 2 at their weekly shift limit; "
        "1 of them on shifts that weigh more (critical)"
    )


def test_weigh_more_needs_every_blocking_shift_to_weigh_more() -> None:
    """V1's week holds a critical and a low shift: dropping the low one would free them."""
    critical = make_need(id="N2", date=WEDNESDAY, priority=Priority.CRITICAL)
    low = make_need(id="N3", date=THURSDAY, priority=Priority.LOW)
    dataset = make_dataset(
        volunteers=[make_volunteer(max_shifts_per_week=2)], needs=[make_need(), critical, low]
    )
    funnel = funnel_of(dataset, [("N2", "V1"), ("N3", "V1")])
    assert (funnel.stage, funnel.blocked, funnel.weigh_more) == ("limits", {"weekly shifts": 1}, 0)


# --- free: somebody could still take it ---------------------------------------------------


def test_free_names_who_could_still_take_it_nearest_first() -> None:
    volunteers = [
        make_volunteer(id=f"V{i}", lat=HOSPITAL[0] + 0.01 * i, lon=HOSPITAL[1])
        for i in (5, 4, 3, 2, 1)
    ]
    volunteers.append(make_volunteer(id="V6", max_shifts_per_week=1))
    needs = [make_need(count=2), make_need(id="N2", date=WEDNESDAY)]
    funnel = funnel_of(make_dataset(volunteers=volunteers, needs=needs), [("N2", "V6")])
    assert (funnel.stage, funnel.open, figures(funnel)) == ("free", 2, (6, 6, 6, 0))
    assert funnel.free == ("V1", "V2", "V3", "V4", "V5")
    assert funnel.blocked == {"weekly shifts": 1}
    assert funnel.reason.endswith(
        "; 1 already at a limit: 1 at their weekly shift limit; 5 volunteers could still "
        "take it without breaking a rule (V1, V2, V3 and 2 more) — assign by hand or re-run "
        "the solver"
    )


def test_free_with_a_single_volunteer() -> None:
    funnel = funnel_of(make_dataset())
    assert (funnel.stage, figures(funnel), funnel.free) == ("free", (1, 1, 1, 0), ("V1",))
    assert funnel.reason == (
        "1 nurse in north region; 1 available for the whole shift; 1 within 50 km; "
        "1 volunteer could still take it without breaking a rule (V1) — assign by hand "
        "or re-run the solver"
    )


# --- which needs appear, and rosters edited by hand ---------------------------------------


def test_needs_without_open_places_do_not_appear() -> None:
    volunteers = [make_volunteer(), make_volunteer(id="V2")]
    needs = [make_need(), make_need(id="N2", date=WEDNESDAY, count=2)]
    dataset = make_dataset(volunteers=volunteers, needs=needs)
    assert explain_unfilled(dataset, [("N1", "V1"), ("N2", "V1"), ("N2", "V2")]) == {}
    overfilled = [("N1", "V1"), ("N1", "V2"), ("N2", "V1"), ("N2", "V2")]
    assert explain_unfilled(dataset, overfilled) == {}
    assert set(explain_unfilled(dataset, [("N1", "V1")])) == {"N2"}
    assert explain_unfilled(make_dataset(needs=[]), []) == {}


def test_a_hand_edited_roster_that_breaks_rules_is_explained_not_refused() -> None:
    volunteers = [make_volunteer(max_shifts_per_week=1), make_volunteer(id="V2", role="support")]
    needs = [
        make_need(count=3),
        make_need(id="N2", start="12:00", end="20:00"),
        make_need(id="N3", date="2026-03-03"),
        make_need(id="N4", date=THURSDAY),
    ]
    roster = [
        ("N1", "V1"),
        ("N1", "V1"),  # the same row twice
        ("N2", "V1"),  # overlaps N1
        ("N3", "V1"),  # past V1's weekly limit
        ("N1", "V2"),  # a support volunteer on a nurse's place (rule 1)
        ("N9", "V1"),  # no such need
        ("N4", "V9"),  # no such volunteer
    ]
    funnels = explain_unfilled(make_dataset(volunteers=volunteers, needs=needs), roster)
    assert set(funnels) == {"N1", "N4"}
    assert (funnels["N1"].stage, funnels["N1"].open, figures(funnels["N1"])) == (
        "on_shift",
        1,
        (1, 1, 1, 1),
    )
    assert funnels["N1"].reason.endswith("the only one who could take it is already on this shift")
    assert (funnels["N4"].stage, funnels["N4"].blocked) == ("limits", {"weekly shifts": 1})


# --- the demo, solved: the funnel against the engine and the checker ----------------------


@pytest.fixture(scope="module")
def demo() -> tuple[Dataset, list[tuple[str, str]], dict[str, Funnel]]:
    dataset, problems = load_dataset(DEMO)
    assert dataset is not None, problems
    roster = list(solve(dataset, Settings()).assignments)
    return dataset, roster, explain_unfilled(dataset, roster)


def test_demo_every_open_need_appears_and_the_funnel_only_narrows(demo) -> None:
    dataset, roster, funnels = demo
    filled = Counter(need_id for need_id, _ in set(roster))
    expected = {n.id: n.count - filled[n.id] for n in dataset.needs if filled[n.id] < n.count}
    assert expected and {k: f.open for k, f in funnels.items()} == expected
    for f in funnels.values():
        assert f.stage in STAGES and len(f.reason) > 20
        assert f.in_region_with_role >= f.available >= f.within_distance >= f.on_this_shift >= 0
        assert set(f.blocked) <= set(BLOCKING_RULES) and all(f.blocked.values())
        assert sum(f.blocked.values()) + len(f.free) == f.candidates
        assert 0 <= f.weigh_more <= sum(f.blocked.values())


def test_demo_holding_is_the_engines_eligible_count(demo) -> None:
    """The last eligibility stage (credentials, rule 8) leaves exactly the engine's pairs; a
    need requiring nothing keeps everyone within distance."""
    dataset, _, funnels = demo
    eligible = np.bincount(build_instance(dataset).pairs.need, minlength=len(dataset.needs))
    expected = {n.id: int(c) for n, c in zip(dataset.needs, eligible, strict=True)}
    assert {k: f.holding for k, f in funnels.items()} == {k: expected[k] for k in funnels}
    for k, f in funnels.items():
        if not dataset.need_by_id[k].requires:
            assert f.holding == f.within_distance
    assert any(f.holding < f.within_distance for f in funnels.values())  # the red zone bites


def test_demo_role_and_availability_agree_with_the_checker(demo) -> None:
    """Stages 1 and 2 recounted volunteer by volunteer with the checker's rule 3."""
    dataset, _, funnels = demo
    for need_id, f in funnels.items():
        need = dataset.need_by_id[need_id]
        region = dataset.facility_by_id[need.facility_id].region
        with_role = [
            v
            for v in dataset.volunteers
            if v.region == region and dataset.roles.covers(v.role, need.role)
        ]
        available = [
            v
            for v in with_role
            if not volunteer_available(dataset, [Assignment(need_id, v.id, 2)])
            and v.max_shifts_per_week > 0
            and (v.max_hours_per_week is None or need.hours <= v.max_hours_per_week)
        ]
        assert (f.in_region_with_role, f.available) == (len(with_role), len(available))


def test_demo_limits_agree_with_the_checker(demo) -> None:
    """A free candidate added to the roster breaks no rule; a blocked one, the rule named first."""
    dataset, roster, funnels = demo
    shifts: dict[str, list[Assignment]] = {}
    for row, (need_id, volunteer_id) in enumerate(roster, start=2):
        shifts.setdefault(volunteer_id, []).append(Assignment(need_id, volunteer_id, row))
    number = {"rest": 4, "weekly shifts": 5, "weekly hours": 5, "consecutive days": 6}
    pairs = build_instance(dataset).pairs
    first_broken: dict[str, Counter[int]] = {k: Counter() for k in funnels}
    free: dict[str, set[str]] = {k: set() for k in funnels}
    for v, n in zip(pairs.volunteer.tolist(), pairs.need.tolist(), strict=True):
        need_id, volunteer_id = dataset.needs[n].id, dataset.volunteers[v].id
        theirs = shifts.get(volunteer_id, [])
        if need_id not in funnels or any(a.need_id == need_id for a in theirs):
            continue
        trial = [*theirs, Assignment(need_id, volunteer_id, 1)]
        rules = [
            x.rule
            for check in (rest_between_shifts, weekly_limits, consecutive_days)
            for x in check(dataset, trial)
        ]
        if rules:
            first_broken[need_id][min(rules)] += 1
        else:
            free[need_id].add(volunteer_id)
    for need_id, f in funnels.items():
        named = Counter()
        for rule, count in f.blocked.items():
            named[number[rule]] += count
        assert (named, set(f.free)) == (first_broken[need_id], free[need_id]), need_id
