"""Rule 4, no overlap and minimum rest: forbidden and allowed cases, and the clash cliques."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.domain import Dataset
from scheduler.rules import rest
from scheduler.rules.rest import clash_cliques
from tests.factories import (
    make_dataset,
    make_need,
)
from tests.rules import faces
from tests.rules.solving import filled, roster, two_volunteers

# --- rule 4: no overlap -----------------------------------------------------------------


def test_overlap_one_volunteer_gets_one_of_two_overlapping_shifts() -> None:
    needs = [make_need(id="N1"), make_need(id="N2", start="12:00", end="20:00")]
    dataset = make_dataset(needs=needs, rules={"min_rest_hours": 0})
    assert len(roster(dataset)) == 1


def test_overlap_touching_shifts_are_both_worked() -> None:
    needs = [make_need(id="N1"), make_need(id="N2", start="16:00", end="24:00")]
    dataset = make_dataset(needs=needs, rules={"min_rest_hours": 0})
    assert roster(dataset) == {("N1", "V1"), ("N2", "V1")}


def test_overlap_a_night_shift_clashes_with_the_next_morning() -> None:
    needs = [
        make_need(id="N1", start="20:00", end="04:00"),
        make_need(id="N2", date="2026-03-03", start="02:00", end="10:00"),
    ]
    dataset = make_dataset(needs=needs, rules={"min_rest_hours": 0})
    assert len(roster(dataset)) == 1


def test_overlap_the_second_volunteer_takes_the_clashing_shift() -> None:
    needs = [make_need(id="N1"), make_need(id="N2", start="12:00", end="20:00")]
    dataset = make_dataset(volunteers=two_volunteers(), needs=needs, rules={"min_rest_hours": 0})
    assert filled(dataset) == {"N1", "N2"}


# --- rule 4: minimum rest ---------------------------------------------------------------

REST_10_5 = [
    make_need(id="N1"),
    make_need(id="N2", date="2026-03-03", start="02:30", end="10:30"),
]  # 16:00 to 02:30: 10.5 h


def test_rest_of_10_5_hours_is_too_short_when_11_are_needed() -> None:
    dataset = make_dataset(needs=REST_10_5, rules={"min_rest_hours": 11})
    assert len(roster(dataset)) == 1


def test_rest_exactly_equal_to_the_minimum_is_allowed() -> None:
    dataset = make_dataset(needs=REST_10_5, rules={"min_rest_hours": 10.5})
    assert roster(dataset) == {("N1", "V1"), ("N2", "V1")}


def test_rest_a_fraction_of_a_minute_short_of_the_minimum_is_too_short() -> None:
    dataset = make_dataset(needs=REST_10_5, rules={"min_rest_hours": 10.505})  # 630.3 minutes
    assert len(roster(dataset)) == 1


def test_rest_is_needed_before_an_earlier_listed_later_shift_too() -> None:
    dataset = make_dataset(needs=REST_10_5[::-1], rules={"min_rest_hours": 10.75})
    assert len(roster(dataset)) == 1


# --- building blocks --------------------------------------------------------------------


def cliques(*intervals: tuple[int, int]) -> list[list[int]]:
    start, reach = np.array(intervals, np.int64).T
    return clash_cliques(start, reach)


def test_clash_cliques_touching_intervals_do_not_clash() -> None:
    assert cliques((0, 10), (10, 20)) == []


def test_clash_cliques_three_mutually_overlapping_make_one_clique() -> None:
    assert cliques((0, 10), (1, 10), (2, 12)) == [[0, 1, 2]]


def test_clash_cliques_a_chain_makes_two_cliques() -> None:
    assert cliques((0, 10), (5, 15), (12, 20)) == [[0, 1], [1, 2]]


def test_clash_cliques_a_long_interval_clashes_with_each_short_one() -> None:
    assert cliques((0, 100), (10, 20), (30, 40)) == [[0, 1], [0, 2]]


def test_clash_cliques_alone_or_apart_make_none() -> None:
    assert cliques((0, 10)) == []
    assert cliques((0, 10), (20, 30), (40, 50)) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(1, 30)), max_size=12))
def test_clash_cliques_cover_every_clashing_pair_and_nothing_else(intervals) -> None:
    intervals.sort()
    start = np.array([s for s, _ in intervals], np.int64)
    reach = start + np.array([n for _, n in intervals], np.int64)
    found = clash_cliques(start, reach)
    together = {(i, j) for c in found for i in c for j in c if i < j}
    clashing = {
        (i, j)
        for i in range(len(start))
        for j in range(i + 1, len(start))
        if start[j] < reach[i] and start[i] < reach[j]
    }
    assert together == clashing


# --- the rule's own faces: rows alone, ledger, vectorised check -----------------------------


def clash_and_one_more() -> Dataset:
    """N1 08-16 and N2 20-04 leave 4 h of rest; N3 on Wednesday clashes with nothing."""
    needs = [
        make_need(id="N1"),
        make_need(id="N2", start="20:00", end="04:00"),
        make_need(id="N3", date="2026-03-04"),
    ]
    return make_dataset(needs=needs)


def test_rest_rows_alone_forbid_the_clash_and_allow_the_rest() -> None:
    dataset = clash_and_one_more()
    assert len(faces.solved_with_only(dataset)) == 3  # without the rule, all three
    kept = faces.solved_with_only(dataset, rest.RULE)
    assert len(kept) == 2 and ("N3", "V1") in kept


def test_rest_ledger_forbids_a_shift_inside_the_rest_and_allows_exactly_the_rest() -> None:
    h = faces.HOUR
    cal = faces.calendar([(8 * h, 16 * h), (20 * h, 28 * h), (27 * h, 35 * h)], rest_hours=11)
    assert not faces.ledger_allows(rest.RULE, cal, [0], 1)
    assert faces.ledger_allows(rest.RULE, cal, [0], 2)  # 16:00 + 11 h = 03:00 next day
    assert not faces.ledger_allows(rest.RULE, cal, [2], 1)  # before a held shift too


def test_rest_check_against_a_roster_names_the_shift_in_the_way() -> None:
    h = faces.HOUR
    cal = faces.calendar([(8 * h, 16 * h), (20 * h, 28 * h), (27 * h, 35 * h)], rest_hours=11)
    verdict = faces.blocked(rest.RULE, cal, [(0, 0)], [(0, 1), (0, 2)])
    assert verdict.pairs.tolist() == [True, False]
    assert verdict.links.tolist() == [True, False]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 12), st.sampled_from([3, 6, 10])), max_size=16),
    st.integers(-(10**7), 10**7),
    st.randoms(use_true_random=False),
)
def test_clash_cliques_are_exactly_the_maximal_ones_in_start_order(
    intervals, offset, random
) -> None:
    """Many equal intervals (a shift's times at several hospitals), in the order callers give
    them (by start, ties as they come): each maximal clique once, as the active set at the
    last start of its members, in start order."""
    random.shuffle(intervals)
    intervals.sort(key=lambda interval: interval[0])
    start = np.array([s + offset for s, _ in intervals], np.int64)
    reach = start + np.array([n for _, n in intervals], np.int64)
    active = [
        [i for i in range(len(start)) if start[i] <= x < reach[i]] for x in sorted(set(start))
    ]
    maximal = [c for c in active if len(c) > 1 and not any(set(c) < set(other) for other in active)]
    assert clash_cliques(start, reach) == maximal
