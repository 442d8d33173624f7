"""Chains of moves: the place a roster left open is filled by someone who gives up theirs, and
every hard rule still holds (the independent checker says so)."""

from __future__ import annotations

import dataclasses
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

PLENTY = 1_000_000  # rule checks: no search here comes near it


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


def one_shift_a_week() -> tuple[Dataset, Part]:
    """Anna, the only volunteer, works one shift a week; a normal and a critical one are asked."""
    volunteers = [make_volunteer(id="ANNA", max_shifts_per_week=1)]
    needs = [
        make_need(id="NORMAL", date="2026-03-02"),
        make_need(id="CRITICAL", date="2026-03-03", priority=1),
    ]
    dataset = make_dataset(volunteers=volunteers, needs=needs)
    return dataset, single_part(dataset, build_instance(dataset))


def nurse_shift_for_two(priorities: tuple[int, int, int], **weights: float) -> tuple[Dataset, Part]:
    """Anna, the only volunteer, a nurse at her weekly 16 hours with two 8-hour orderly shifts
    (Monday's and Wednesday's), could take Wednesday's 12-hour nurse shift only by giving up
    both; `priorities` of the three."""
    volunteers = [make_volunteer(id="ANNA", role="nurse", max_hours_per_week=16.0)]
    monday, wednesday, nurse = priorities
    needs = [
        make_need(id="MON", date="2026-03-02", role="orderly", priority=monday),
        make_need(id="WED", date="2026-03-04", role="orderly", priority=wednesday),
        make_need(
            id="WED-NURSE",
            date="2026-03-04",
            role="nurse",
            start="08:00",
            end="20:00",
            priority=nurse,
        ),
    ]
    dataset = make_dataset(volunteers=volunteers, needs=needs, rules=weights)
    return dataset, single_part(dataset, build_instance(dataset))


def test_a_volunteer_gives_up_two_shifts_and_both_are_taken_again() -> None:
    dataset = two_shifts_for_one()
    part = single_part(dataset, build_instance(dataset))
    start = [("MON", "ANNA"), ("WED", "ANNA"), ("TUE", "BORIS")]
    chosen = pairs_of(part, dataset, start)

    filled = fill_by_chains(part, chosen, PLENTY)

    assert ("WED-NURSE", "ANNA") in roster(dataset, part, filled)
    assert [need for need, _ in roster(dataset, part, filled)] == ["MON", "TUE", "WED", "WED-NURSE"]
    assert coverage(part, filled) == part.demand_weight
    assert check(dataset, part, filled) == []
    assert (chosen == pairs_of(part, dataset, start)).all()  # the caller's roster is untouched


def test_a_chain_may_leave_open_a_place_worth_less_than_the_one_it_fills() -> None:
    """Anna, the only volunteer, works one shift a week: the critical one, not the normal."""
    dataset, part = one_shift_a_week()

    filled = fill_by_chains(part, pairs_of(part, dataset, [("NORMAL", "ANNA")]), PLENTY)

    assert roster(dataset, part, filled) == [("CRITICAL", "ANNA")]


def test_no_chain_is_searched_past_the_deadline() -> None:
    dataset = two_shifts_for_one()
    part = single_part(dataset, build_instance(dataset))
    chosen = pairs_of(part, dataset, [("MON", "ANNA"), ("WED", "ANNA"), ("TUE", "BORIS")])

    assert (fill_by_chains(part, chosen, PLENTY, time.monotonic() - 1.0) == chosen).all()


def test_the_search_stops_at_the_bound() -> None:
    dataset = two_shifts_for_one()
    part = single_part(dataset, build_instance(dataset))
    chosen = pairs_of(part, dataset, [("MON", "ANNA"), ("WED", "ANNA"), ("TUE", "BORIS")])

    assert (fill_by_chains(part, chosen, PLENTY, bound=coverage(part, chosen)) == chosen).all()


def test_a_chain_may_leave_two_places_open_for_one_worth_more() -> None:
    """Nobody can take Anna's two normal shifts, but the critical one is worth more."""
    dataset, part = nurse_shift_for_two((3, 3, 1))
    chosen = pairs_of(part, dataset, [("MON", "ANNA"), ("WED", "ANNA")])

    assert roster(dataset, part, fill_by_chains(part, chosen, PLENTY)) == [("WED-NURSE", "ANNA")]


def test_no_chain_trades_a_place_for_one_worth_less() -> None:
    dataset, part = one_shift_a_week()
    chosen = pairs_of(part, dataset, [("CRITICAL", "ANNA")])

    assert (fill_by_chains(part, chosen, PLENTY) == chosen).all()


def test_an_even_trade_is_no_gain_even_in_floating_point() -> None:
    """0.7 + 0.2 is 0.8999999999999999 in floating point, not less than 0.9 in weight."""
    weights = {"weight_priority_1": 0.9, "weight_priority_2": 0.7, "weight_priority_3": 0.2}
    dataset, part = nurse_shift_for_two((3, 2, 1), **weights)
    chosen = pairs_of(part, dataset, [("MON", "ANNA"), ("WED", "ANNA")])

    assert (fill_by_chains(part, chosen, PLENTY) == chosen).all()


def test_pinned_and_frozen_assignments_are_never_given_up() -> None:
    """A re-plan's fixed pairs stay, even where giving one up would fill a place worth more."""
    dataset, part = one_shift_a_week()
    chosen = pairs_of(part, dataset, [("NORMAL", "ANNA")])
    pinned = dataclasses.replace(part, pair_keep=chosen.copy(), pair_fixed=chosen.copy())

    assert (fill_by_chains(pinned, chosen, PLENTY) == chosen).all()
    assert not (fill_by_chains(part, chosen, PLENTY) == chosen).all()  # unpinned, it moves


def test_the_search_stops_when_its_checks_are_spent() -> None:
    """The allowance, not the clock, bounds it: the same roster on a quiet and a busy machine."""
    dataset = two_shifts_for_one()
    part = single_part(dataset, build_instance(dataset))
    chosen = pairs_of(part, dataset, [("MON", "ANNA"), ("WED", "ANNA"), ("TUE", "BORIS")])

    assert (fill_by_chains(part, chosen, 0) == chosen).all()
    assert (fill_by_chains(part, chosen, PLENTY) != chosen).any()


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

    filled = fill_by_chains(part, start, PLENTY)

    assert check(dataset, part, filled) == []
    assert coverage(part, start) <= coverage(part, filled) <= exact_optimum(dataset) + 1e-6


def test_asking_about_a_shift_someone_does_not_hold_leaves_their_rules_as_they_were() -> None:
    """A question that fails halfway (Anna does not hold Tuesday's shift) gives back every
    shift it took away: she still holds Wednesday's, which clashes with the nurse shift."""
    import pytest

    from scheduler.rules import Bookings, Calendar

    dataset, part = nurse_shift_for_two((3, 3, 1))
    need = {dataset.needs[n].id: i for i, n in enumerate(part.need)}
    book = Bookings(Calendar.of_part(part))
    book.add(0, need["MON"])
    book.add(0, need["WED"])

    with pytest.raises((ValueError, KeyError)):
        book.fits_instead(0, need["WED-NURSE"], [need["WED"], need["MON"], need["MON"]])

    assert not book.fits(0, need["WED-NURSE"])
    assert book.fits_instead(0, need["WED-NURSE"], [need["WED"], need["MON"]])
