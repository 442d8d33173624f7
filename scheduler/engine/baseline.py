"""Re-planning against a roster: what still stands of it, what must stay, what cannot.

A campaign's roster changes every day; people must not be reshuffled for
nothing. A re-plan is given the roster it replaces (`Baseline`): its
assignments, those a coordinator pinned, and a freeze time before which
nothing is moved or removed. `reconcile` reads it against the new data, pair
by pair of the eligible pairs:

- `keep`: a baseline assignment that is still possible (the need and the
  volunteer exist, the pair is eligible). The objective rewards keeping it
  (`Baseline.keep_weight` times its place's weight, docs/engine.md), so it is
  only moved when that fills places that weigh more than what is lost.
- `fixed`: a pinned assignment, or one whose shift starts before the freeze:
  kept whatever happens (its variable's lower bound is 1). Fixed
  assignments are checked against each other by the rules' own ledgers
  (pins first, then frozen ones by start) and against each need's count.
- `notes`: every pinned or frozen assignment that cannot be kept, in words;
  never silently dropped, never silently kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scheduler.domain import DEFAULT_TIMEZONE, Dataset, Facility, Need
from scheduler.engine.eligibility import Instance
from scheduler.i18n import N_, gettext
from scheduler.rules import Bookings, Calendar
from scheduler.rules.base import rest_minutes

Pair = tuple[str, str]  # (need_id, volunteer_id)


@dataclass(frozen=True)
class Baseline:
    """The roster a re-plan keeps to."""

    assignments: tuple[Pair, ...]
    pinned: frozenset[Pair] = frozenset()
    # Shifts starting earlier are not touched. Aware: an instant, each shift's start read in
    # its facility's zone (`zone` for one that names none). Naive: a wall-clock time, compared
    # with the shifts' wall clocks as they are written.
    freeze_before: dt.datetime | None = None
    keep_weight: float = 1.0  # a kept assignment is worth this share of its place's weight more
    zone: str = DEFAULT_TIMEZONE
    # (need_id, volunteer_id) the volunteer declined: never given, whatever else holds
    declined: frozenset[Pair] = frozenset()

    def frozen(self, need: Need, facility: Facility) -> bool:
        """The need starts before the freeze, at its facility."""
        freeze = self.freeze_before
        if freeze is None:
            return False
        if freeze.tzinfo is None:
            return need.start < freeze
        return need.start.replace(tzinfo=facility.zone(self.zone)) < freeze


@dataclass(frozen=True)
class Reconciled:
    keep: NDArray[np.bool_]  # per eligible pair of the instance
    fixed: NDArray[np.bool_]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Replan:
    """How a re-planned roster differs from its baseline."""

    kept: int
    added: int
    removed: int
    changed_volunteers: int
    notes: tuple[str, ...]
    pinned: frozenset[Pair] = frozenset()  # the pins the roster keeps, to write back as locked

    def summary(self) -> dict[str, object]:
        return {
            "kept": self.kept,
            "added": self.added,
            "removed": self.removed,
            "changed_volunteers": self.changed_volunteers,
            "baseline_notes": list(self.notes),
        }


def reconcile(dataset: Dataset, instance: Instance, baseline: Baseline) -> Reconciled:
    pairs = instance.pairs
    people = len(dataset.volunteers)
    keys = pairs.need.astype(np.int64) * people + pairs.volunteer
    order = np.argsort(keys)
    need_index = {n.id: k for k, n in enumerate(dataset.needs)}
    volunteer_index = {v.id: k for k, v in enumerate(dataset.volunteers)}
    keep = np.zeros(len(pairs), bool)
    held: list[tuple[int, Pair]] = []  # (pair position, assignment) to fix, in order
    notes: list[str] = []
    for need_id, volunteer_id in sorted(set(baseline.assignments) | baseline.pinned):
        pinned = (need_id, volunteer_id) in baseline.pinned
        n, v = need_index.get(need_id), volunteer_index.get(volunteer_id)
        need = None if n is None else dataset.needs[n]
        frozen = need is not None and baseline.frozen(
            need, dataset.facility_by_id[need.facility_id]
        )
        if n is None or v is None:
            if pinned or frozen:
                reason = "need gone" if n is None else "volunteer gone"
                notes.append(_note(reason, need_id, volunteer_id, pinned))
            continue
        at = np.searchsorted(keys, n * people + v, sorter=order)
        if at == len(keys) or keys[order[at]] != n * people + v:
            if pinned or frozen:
                notes.append(_note("not possible", need_id, volunteer_id, pinned))
            continue
        keep[order[at]] = True
        if pinned or frozen:
            held.append((int(order[at]), (need_id, volunteer_id)))
    fixed = _fixable(dataset, instance, held, baseline.pinned, notes)
    return Reconciled(keep, fixed, tuple(notes))


def _fixable(
    dataset: Dataset,
    instance: Instance,
    held: list[tuple[int, Pair]],
    pinned: frozenset[Pair],
    notes: list[str],
) -> NDArray[np.bool_]:
    """The pinned and frozen pairs that fit together under the rules, pins first."""
    calendar = Calendar(
        instance.need_start,
        instance.need_end,
        instance.need_day,
        instance.need_week,
        instance.volunteer_max_shifts,
        instance.volunteer_max_hours,
        rest_minutes(dataset.rules),
        dataset.rules.max_consecutive_days,
    )
    book = Bookings(calendar)
    room = instance.need_count.astype(np.int64).copy()
    fixed = np.zeros(len(instance.pairs), bool)
    held.sort(
        key=lambda h: (h[1] not in pinned, int(instance.need_start[instance.pairs.need[h[0]]]))
    )
    for position, (need_id, volunteer_id) in held:
        v, n = int(instance.pairs.volunteer[position]), int(instance.pairs.need[position])
        if room[n] == 0:
            notes.append(_note("full", need_id, volunteer_id, (need_id, volunteer_id) in pinned))
        elif not book.fits(v, n):
            notes.append(_note("clashes", need_id, volunteer_id, (need_id, volunteer_id) in pinned))
        else:
            book.add(v, n)
            room[n] -= 1
            fixed[position] = True
    return fixed


def compare(baseline: Baseline, assignments: tuple[Pair, ...], notes: tuple[str, ...]) -> Replan:
    """Kept, added and removed assignments, and how many people's shifts changed."""
    before, after = set(baseline.assignments), set(assignments)
    changed = {v for _, v in before ^ after}
    return Replan(
        len(before & after),
        len(after - before),
        len(before - after),
        len(changed),
        notes,
        baseline.pinned & after,
    )


# Why a pinned or frozen assignment cannot be kept, by reason.
WHY_NOT_KEPT = {
    "need gone": N_(
        "%(what)s %(need_id)s / %(volunteer_id)s cannot be kept: the need is no longer in the input"
    ),
    "volunteer gone": N_(
        "%(what)s %(need_id)s / %(volunteer_id)s cannot be kept: the volunteer is no longer "
        "in the input"
    ),
    "not possible": N_(
        "%(what)s %(need_id)s / %(volunteer_id)s cannot be kept: the volunteer's role, region, "
        "distance, availability or weekly limits no longer allow this shift"
    ),
    "full": N_(
        "%(what)s %(need_id)s / %(volunteer_id)s cannot be kept: the need now asks for fewer "
        "people than are pinned or frozen on it"
    ),
    "clashes": N_(
        "%(what)s %(need_id)s / %(volunteer_id)s cannot be kept: with the volunteer's other "
        "pinned or frozen shifts it would break the rest, weekly or days-in-a-row rules"
    ),
}


def _note(reason: str, need_id: str, volunteer_id: str, pinned: bool) -> str:
    what = gettext("pinned assignment") if pinned else gettext("assignment before the freeze")
    return gettext(WHY_NOT_KEPT[reason], what=what, need_id=need_id, volunteer_id=volunteer_id)
