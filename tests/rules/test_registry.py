"""The registry: every setting has one rule, and each rule's faces judge alike."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.domain import Rules
from scheduler.rules import BLOCKING_RULES, ELIGIBILITY_RULES, ROSTER_RULES, Bookings
from tests.rules import faces


def test_every_setting_is_read_by_one_rule_or_weighs_the_objective() -> None:
    claimed = [name for rule in (*ELIGIBILITY_RULES, *ROSTER_RULES) for name in rule.settings]
    assert len(claimed) == len(set(claimed))
    weights = {name for name in Rules.model_fields if name.startswith("weight_priority_")}
    assert set(claimed) | weights == set(Rules.model_fields)
    assert not set(claimed) & weights


def test_rules_keep_the_contracts_order() -> None:
    numbers = [rule.number for rule in ROSTER_RULES]
    assert numbers == sorted(numbers)
    assert [rule.name for rule in BLOCKING_RULES] == [
        "rest",
        "weekly shifts",
        "weekly hours",
        "consecutive days",
    ]


@st.composite
def cases(draw) -> tuple[faces.Calendar, list[tuple[int, int]], list[tuple[int, int]]]:
    """Random shifts over two weeks and limits, a valid roster and the pairs left out of it."""
    hour = faces.HOUR
    n = draw(st.integers(1, 9))
    people = draw(st.integers(1, 3))
    starts = draw(st.lists(st.integers(0, 14 * 24), min_size=n, max_size=n))
    lengths = draw(st.lists(st.sampled_from([4, 8, 12, 24]), min_size=n, max_size=n))
    shifts = [(s * hour, (s + h) * hour) for s, h in zip(starts, lengths, strict=True)]
    hours_limit = st.one_of(st.none(), st.sampled_from([8.0, 12.5, 20.0, 36.0]))
    cal = faces.calendar(
        shifts,
        max_shifts=draw(st.lists(st.integers(0, 4), min_size=people, max_size=people)),
        max_hours=draw(st.lists(hours_limit, min_size=people, max_size=people)),
        rest_hours=draw(st.sampled_from([0, 8, 11, 12.5])),
        max_days=draw(st.integers(1, 4)),
    )
    pairs = [(v, k) for v in range(people) for k in range(n)]
    book, roster = Bookings(cal), []
    for v, k in draw(st.permutations(pairs)):
        if book.fits(v, k):
            book.add(v, k)
            roster.append((v, k))
    return cal, roster, [p for p in pairs if p not in roster]


@settings(max_examples=300, deadline=None)
@given(cases())
def test_each_rules_ledger_and_roster_check_agree(case) -> None:
    """The greedy's check and the funnel's check of one rule never disagree on a pair."""
    cal, roster, left_out = case
    for rule in BLOCKING_RULES:
        verdict = faces.blocked(rule, cal, roster, left_out) if left_out else None
        for p, (v, k) in enumerate(left_out):
            held = [h for w, h in roster if w == v]
            allowed = faces.ledger_allows(rule, cal, held, k, v)
            assert allowed == (not verdict.pairs[p]), (rule.name, v, k, held)
