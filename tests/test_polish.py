"""Polishing: people move to facilities they prefer and closer to home, nothing else changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scheduler.checker import check_roster
from scheduler.engine.eligibility import build_instance
from scheduler.engine.greedy import greedy_part
from scheduler.engine.parts import split_into_parts
from scheduler.engine.polish import comfort, polish
from scheduler.engine.results import Settings
from scheduler.engine.solver import solve
from scheduler.intake.loading import load_dataset
from scheduler.outputs.roster_reading import Assignment
from tests.factories import make_dataset, make_facility, make_need, make_volunteer

DEMO = Path(__file__).parent.parent / "data" / "demo"
NEAR, FAR = (55.751, 37.621), (55.95, 37.62)  # about 0.1 km and 22 km from F1


def test_the_volunteer_who_prefers_the_facility_gets_the_place() -> None:
    volunteers = [
        make_volunteer(id="V1"),
        make_volunteer(id="V2", preferred_facilities=frozenset({"F1"})),
    ]
    result = solve(make_dataset(volunteers=volunteers), Settings(time_limit=30))
    assert result.assignments == (("N1", "V2"),)


def test_the_volunteer_living_closer_gets_the_place() -> None:
    volunteers = [
        make_volunteer(id="V1", lat=FAR[0], lon=FAR[1]),
        make_volunteer(id="V2", lat=NEAR[0], lon=NEAR[1]),
    ]
    result = solve(make_dataset(volunteers=volunteers), Settings(time_limit=30))
    assert result.assignments == (("N1", "V2"),)


def test_polish_never_makes_the_load_less_even() -> None:
    """V2 prefers F1 but already works; taking V1's second shift would load V2 with two."""
    volunteers = [
        make_volunteer(id="V1", lat=FAR[0], lon=FAR[1]),
        make_volunteer(id="V2", preferred_facilities=frozenset({"F1", "F2"})),
    ]
    needs = [make_need(id="N1"), make_need(id="N2", facility_id="F2", date="2026-03-04")]
    facilities = [make_facility(), make_facility(id="F2", name="Clinic")]
    result = solve(
        make_dataset(facilities=facilities, volunteers=volunteers, needs=needs),
        Settings(time_limit=30),
    )
    assert sorted(v for _, v in result.assignments) == ["V1", "V2"]


def test_on_the_demo_polish_keeps_every_need_filled_and_every_rule() -> None:
    dataset, _ = load_dataset(DEMO)
    for part in split_into_parts(dataset, build_instance(dataset)):
        before = greedy_part(part)
        after = polish(part, before)
        filled = np.bincount(part.pair_need[before], minlength=len(part.need))
        assert (np.bincount(part.pair_need[after], minlength=len(part.need)) == filled).all()
        assert comfort(part)[after].sum() >= comfort(part)[before].sum() - 1e-9
        assignments = [
            Assignment(
                dataset.needs[part.need[part.pair_need[k]]].id,
                dataset.volunteers[part.volunteer[part.pair_volunteer[k]]].id,
                row,
            )
            for row, k in enumerate(np.flatnonzero(after), start=2)
        ]
        assert check_roster(dataset, assignments) == []
