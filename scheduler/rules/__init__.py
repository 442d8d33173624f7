"""The hard rules of a roster, a module each, and the registry everything iterates.

The data contract numbers them (docs/format.md); here each is one unit
(`scheduler.rules.base.Rule`) holding its settings, its model rows, its fast
check against what a volunteer already holds, its vectorised check for the
why-unfilled funnel and the words of a refusal. The model
(`scheduler.engine.model`), the greedy and the polish (`Bookings`) and the
funnel (`scheduler.outputs.unfilled.limits`) iterate `ROSTER_RULES`; the
eligibility rules are judged pair by pair before the model is built
(`scheduler.engine.eligibility`, `scheduler.outputs.unfilled.reach`). The
checker (`scheduler.checker`) stays independent on purpose: it re-reads the
contract and judges a roster without any of this code.

Adding a rule: write its module with a `Rule` (rows, ledger, blocking and
label as it needs), add it to `ROSTER_RULES` at its place in the contract's
order, and give it tests that it forbids what it must and allows the rest
(`tests/rules/`). docs/engine.md shows an example.
"""

from __future__ import annotations

from collections.abc import Sequence

from scheduler.rules import (
    availability,
    consecutive_days,
    credentials,
    need_capacity,
    region_distance,
    rest,
    role_cover,
    weekly_limits,
)
from scheduler.rules.base import Calendar, Ledger, Rule

ELIGIBILITY_RULES: tuple[Rule, ...] = (
    role_cover.RULE,
    availability.RULE,
    region_distance.RULE,
    credentials.RULE,
)
ROSTER_RULES: tuple[Rule, ...] = (
    need_capacity.RULE,
    rest.RULE,
    weekly_limits.SHIFTS,
    weekly_limits.HOURS,
    consecutive_days.RULE,
)
# What may keep a candidate off a shift, in the contract's order: a blocked candidate
# counts under the first of these it would break, so the counts add up.
BLOCKING_RULES: tuple[Rule, ...] = tuple(r for r in ROSTER_RULES if r.blocking)


class Bookings:
    """Each volunteer's accepted shifts, kept by every rule's ledger as they change.

    Need capacity is not a ledger's business: whoever fills a need counts its
    places.
    """

    def __init__(self, calendar: Calendar, rules: Sequence[Rule] = ROSTER_RULES):
        self.ledgers: list[Ledger] = [r.ledger(calendar) for r in rules if r.ledger]
        self.held: dict[int, int] = {}

    def fits(self, v: int, n: int) -> bool:
        for ledger in self.ledgers:  # noqa: SIM110 (a plain loop: asked a million times a solve)
            if not ledger.fits(v, n):
                return False
        return True

    def fits_instead(self, v: int, n: int, leaving: Sequence[int]) -> bool:
        """Whether `v` would fit `n` if they gave up the shifts of `leaving`; rule by rule,
        so that the first rule that refuses spares the others the bookkeeping. Each ledger
        gets back what was taken from it, whatever happens."""
        for ledger in self.ledgers:
            taken: list[int] = []
            try:
                for m in leaving:
                    ledger.remove(v, m)
                    taken.append(m)
                fits = ledger.fits(v, n)
            finally:
                for m in taken:
                    ledger.add(v, m)
            if not fits:
                return False
        return True

    def add(self, v: int, n: int) -> None:
        for ledger in self.ledgers:
            ledger.add(v, n)
        self.held[v] = self.held.get(v, 0) + 1

    def remove(self, v: int, n: int) -> None:
        for ledger in self.ledgers:
            ledger.remove(v, n)
        self.held[v] -= 1

    def load(self, v: int) -> int:
        """How many shifts the volunteer holds."""
        return self.held.get(v, 0)


__all__ = ["BLOCKING_RULES", "ELIGIBILITY_RULES", "ROSTER_RULES", "Bookings", "Calendar", "Rule"]
