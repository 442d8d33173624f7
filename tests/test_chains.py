"""Chains of moves: the place a roster left open is filled by someone who gives up theirs, and
every hard rule still holds (the independent checker says so)."""

from __future__ import annotations

import time

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.checker import check_roster
from scheduler.domain import Dataset
from scheduler.engine.chains import fill_by_chains
from scheduler.engine.eligibility import build_instance
from scheduler.engine.greedy import greedy_part
from scheduler.engine.parts import Part, single_part
from scheduler.outputs.roster_reading import Assignment
from tests.factories import make_dataset, make_need, make_volunteer
from tests.test_optimality import exact_optimum
from tests.test_solve import datasets

FOREVER = 60.0  # seconds: no search here comes near it


def roster(dataset: Dataset, part: Part, chosen: np.ndarray) -> list[tuple[str, str]]:
    return sorted(
        (
            dataset.needs[part.need[part.pair_need[k]]].id,
            dataset.volunteers[part.volunteer[part.pair_volunteer[k]]].id,
        )
        for k in np.flatnonzero(chosen)
    )


def pairs_of(part: Part, dataset: Dataset, wanted: list[tuple[str, str]]) -> np.ndarray:
    """The part's pairs of these (need, volunteer) ids."""
    index = {
        (dataset.needs[part.need[n]].id, dataset.volunteers[part.volunteer[v]].id): k
        for k, (v, n) in enumerate(zip(part.pair_volunteer, part.pair_need, strict=True))
    }
    chosen = np.zeros(part.size, bool)
    chosen[[index[pair] for pair in wanted]] = True
    return chosen


def coverage(part: Part, chosen: np.ndarray) -> float:
    return float(part.weight[part.pair_need[chosen]].sum())


def two_shifts_for_one() -> Dataset:
    """Anna, the only nurse, holds two 8-hour orderly shifts (16 hours, her weekly most); the
    12-hour nurse shift on Wednesday overlaps the second. She can take it only by giving up
    both, and only one of them can go to Boris (two shifts a week, he holds Tuesday's):
    Vera, free, takes the other."""
    volunteers = [
        make_volunteer(id="ANNA", role="nurse", max_hours_per_week=16.0),
        make_volunteer(id="BORIS", role="orderly", max_shifts_per_week=2),
        make_volunteer(id="VERA", role="orderly"),
    ]
    needs = [
        make_need(id="MON", date="2026-03-02", role="orderly"),
        make_need(id="TUE", date="2026-03-03", role="orderly"),
        make_need(id="WED", date="2026-03-04", role="orderly"),
        make_need(id="WED-NURSE", date="2026-03-04", role="nurse", start="08:00", end="20:00"),
    ]
    return make_dataset(volunteers=volunteers, needs=needs)


def test_a_volunteer_gives_up_two_shifts_and_both_are_taken_again() -> None:
    dataset = two_shifts_for_one()
    part = single_part(dataset, build_instance(dataset))
    start = [("MON", "ANNA"), ("WED", "ANNA"), ("TUE", "BORIS")]
    chosen = pairs_of(part, dataset, start)

    filled = fill_by_chains(part, chosen, time.monotonic() + FOREVER)

    assert ("WED-NURSE", "ANNA") in roster(dataset, part, filled)
    assert [need for need, _ in roster(dataset, part, filled)] == ["MON", "TUE", "WED", "WED-NURSE"]
    assert coverage(part, filled) == part.demand_weight
    assert check(dataset, part, filled) == []
    assert (chosen == pairs_of(part, dataset, start)).all()  # the caller's roster is untouched


def test_a_chain_may_leave_open_a_place_worth_less_than_the_one_it_fills() -> None:
    """Anna, the only volunteer, works one shift a week: the critical one, not the normal."""
    volunteers = [make_volunteer(id="ANNA", max_shifts_per_week=1)]
    needs = [
        make_need(id="NORMAL", date="2026-03-02"),
        make_need(id="CRITICAL", date="2026-03-03", priority=1),
    ]
    dataset = make_dataset(volunteers=volunteers, needs=needs)
    part = single_part(dataset, build_instance(dataset))

    filled = fill_by_chains(
        part, pairs_of(part, dataset, [("NORMAL", "ANNA")]), time.monotonic() + FOREVER
    )

    assert roster(dataset, part, filled) == [("CRITICAL", "ANNA")]


def test_no_chain_is_searched_past_the_deadline() -> None:
    dataset = two_shifts_for_one()
    part = single_part(dataset, build_instance(dataset))
    chosen = pairs_of(part, dataset, [("MON", "ANNA"), ("WED", "ANNA"), ("TUE", "BORIS")])

    assert (fill_by_chains(part, chosen, time.monotonic() - 1.0) == chosen).all()


def test_the_search_stops_at_the_bound() -> None:
    dataset = two_shifts_for_one()
    part = single_part(dataset, build_instance(dataset))
    chosen = pairs_of(part, dataset, [("MON", "ANNA"), ("WED", "ANNA"), ("TUE", "BORIS")])

    assert (
        fill_by_chains(part, chosen, time.monotonic() + FOREVER, coverage(part, chosen)) == chosen
    ).all()


def check(dataset: Dataset, part: Part, chosen: np.ndarray) -> list:
    assignments = [
        Assignment(need, volunteer, row)
        for row, (need, volunteer) in enumerate(roster(dataset, part, chosen), start=2)
    ]
    return check_roster(dataset, assignments)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(dataset=datasets(), dropped=st.randoms(use_true_random=False))
def test_chains_keep_every_rule_and_never_lose_weight(dataset: Dataset, dropped) -> None:
    """From part of the careful coordinator's roster (any subset of a valid roster is valid),
    chains only gain, keep every rule, and never pass the exact optimum."""
    instance = build_instance(dataset)
    if not len(instance.pairs):
        return
    part = single_part(dataset, instance)
    start = greedy_part(part)
    start[[k for k in np.flatnonzero(start) if dropped.random() < 0.5]] = False

    filled = fill_by_chains(part, start, time.monotonic() + FOREVER)

    assert check(dataset, part, filled) == []
    assert coverage(part, start) <= coverage(part, filled) <= exact_optimum(dataset) + 1e-6
