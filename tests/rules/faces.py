"""A rule's faces on hand-made shifts: its ledger, its vectorised check, its rows alone.

Times are minutes from the epoch; day and ISO week follow from the start
(the epoch is a Monday's midnight, so a week is 7 days from it).
"""

from __future__ import annotations

import numpy as np
import pulp

from scheduler import rules as registry
from scheduler.engine.eligibility import build_instance
from scheduler.engine.model import build_model
from scheduler.engine.parts import single_part
from scheduler.rules import Calendar, Rule
from scheduler.rules.base import Blocked, Links
from scheduler.rules.need_capacity import RULE as CAPACITY

HOUR = 60
DAY = 24 * HOUR


def calendar(
    shifts: list[tuple[int, int]],
    max_shifts: list[int] | None = None,
    max_hours: list[float | None] | None = None,
    rest_hours: float = 11,
    max_days: int = 6,
) -> Calendar:
    """Shifts as (start, end) in minutes; one volunteer unless the limits name more."""
    start = np.array([s for s, _ in shifts], np.int64)
    end = np.array([e for _, e in shifts], np.int64)
    people = max(len(max_shifts or [1]), len(max_hours or [None]))
    return Calendar(
        start,
        end,
        start // DAY,
        start // (7 * DAY),
        np.array(max_shifts or [7] * people, np.int64),
        np.array([np.nan if h is None else h for h in (max_hours or [None] * people)]),
        round(rest_hours * HOUR),
        max_days,
    )


def ledger_allows(rule: Rule, cal: Calendar, held: list[int], n: int, v: int = 0) -> bool:
    """May volunteer v take shift n, holding `held`, by the rule's ledger?"""
    assert rule.ledger is not None
    ledger = rule.ledger(cal)
    for k in held:
        ledger.add(v, k)
    return ledger.fits(v, n)


def blocked(rule: Rule, cal: Calendar, roster: list[tuple[int, int]], pairs: list[tuple[int, int]]):
    """The rule's vectorised verdict on (volunteer, need) pairs against a roster of such pairs."""
    assert rule.blocking is not None
    on = np.array([v for v, _ in sorted(roster)], np.int64)
    held = np.array([n for _, n in sorted(roster)], np.int64)
    volunteer = np.array([v for v, _ in pairs], np.int64)
    need = np.array([n for _, n in pairs], np.int64)
    own = [p for p, (v, _) in enumerate(pairs) for w in on.tolist() if w == v]
    other = [n for v, _ in pairs for w, n in zip(on.tolist(), held.tolist(), strict=True) if w == v]
    links = Links(volunteer, need, np.array(own, np.int64), np.array(other, np.int64), (on, held))
    verdict: Blocked = rule.blocking(cal, links)
    return verdict


def solved_with_only(dataset, *rules: Rule) -> set[tuple[str, str]]:
    """The roster of a model that holds need capacity and only these rules, solved by HiGHS."""
    part = single_part(dataset, build_instance(dataset))
    model = build_model(part, (CAPACITY, *rules))
    model.problem.solve(pulp.HiGHS(msg=False))
    return {
        (part.need_names[n], part.volunteer_names[v])
        for v, n, x in zip(part.pair_volunteer, part.pair_need, model.assign, strict=True)
        if (x.value() or 0) > 0.5
    }


ROSTER_RULES = registry.ROSTER_RULES
