"""What changes for whom between two rosters: the people to call, and the counts per facility.

A volunteer's change is the shifts given to them, those taken away and those
moved (one taken and one given on the same day: "Tue 08:00–16:00 at A →
Tue 20:00–08:00 at A" is one call, not two).

Publishing shows it before (the draft against the roster published now) and
after (a published roster against the one it replaced).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from scheduler.domain import Dataset, Facility, Need, Volunteer
from scheduler.outputs.roster import clock
from web import i18n, store
from web import models as m
from web.dashboard import Pairs, cut


@dataclass(frozen=True)
class Shift:
    need: Need
    facility: Facility

    def __str__(self) -> str:
        n = self.need
        when = f"{i18n.short_day(n.date)} {clock(n.start)}–{clock(n.end, end_of=n.date)}"
        return f"{when}, {i18n.role_name(n.role)}, {self.facility.name}"


@dataclass(frozen=True)
class Move:
    """A shift taken from a volunteer and one given to them on the same day: one call."""

    before: Shift
    after: Shift

    def __str__(self) -> str:
        return f"{self.before} → {self.after}"


@dataclass(frozen=True)
class Change:
    """One volunteer's shifts added, removed and moved: whom to call, and what to tell them."""

    volunteer: Volunteer
    added: list[Shift]
    removed: list[Shift]
    moved: list[Move]


@dataclass(frozen=True)
class FacilityChange:
    facility: Facility
    before: int  # people sent there before
    after: int
    added: int
    removed: int


@dataclass(frozen=True)
class Diff:
    people: list[Change]
    facilities: list[FacilityChange]

    @property
    def added(self) -> int:
        """Shifts given to someone (a volunteer's shift counts once per volunteer)."""
        return sum(len(c.added) for c in self.people)

    @property
    def removed(self) -> int:
        return sum(len(c.removed) for c in self.people)

    @property
    def moved(self) -> int:
        return sum(len(c.moved) for c in self.people)


def diff(dataset: Dataset, before: Pairs, after: Pairs) -> Diff:
    """What changes between two rosters' assignments, both already cut to `dataset`."""
    old, new = set(before), set(after)
    needs, facilities = dataset.need_by_id, dataset.facility_by_id
    added, removed = new - old, old - new

    def by_volunteer(pairs: set[tuple[str, str]]) -> dict[str, list[Shift]]:
        found: dict[str, list[Need]] = {}
        for need_id, volunteer_id in pairs:
            found.setdefault(volunteer_id, []).append(needs[need_id])
        return {
            v: [Shift(n, facilities[n.facility_id]) for n in sorted(mine, key=lambda n: n.start)]
            for v, mine in found.items()
        }

    gained, lost = by_volunteer(added), by_volunteer(removed)
    volunteers = sorted(
        (dataset.volunteer_by_id[v] for v in gained.keys() | lost.keys()),
        key=lambda v: (v.name.casefold(), v.id),
    )
    people = [change(v, gained.get(v.id, []), lost.get(v.id, [])) for v in volunteers]

    def per_facility(pairs: set[tuple[str, str]]) -> Counter[str]:
        return Counter(needs[n].facility_id for n, _ in pairs)

    counts = [per_facility(p) for p in (old, new, added, removed)]
    touched = sorted(set(counts[2]) | set(counts[3]), key=lambda f: facilities[f].name.casefold())
    rows = [FacilityChange(facilities[f], *(c[f] for c in counts)) for f in touched]
    return Diff(people, rows)


def change(volunteer: Volunteer, added: list[Shift], removed: list[Shift]) -> Change:
    """The volunteer's change, a shift removed and one added on the same day paired as a move.

    Both lists are in order of start; each removed shift pairs with the first
    added one of its day not paired yet, so a day with two of each pairs
    earliest with earliest.
    """
    left = list(added)
    moved, gone = [], []
    for before in removed:
        after = next((s for s in left if s.need.date == before.need.date), None)
        if after is None:
            gone.append(before)
        else:
            left.remove(after)
            moved.append(Move(before, after))
    return Change(volunteer, left, gone, moved)


def diff_from(earlier: m.Roster | None, dataset: Dataset, after: Pairs) -> Diff:
    """What changes from an earlier roster to `after`, within `dataset` (needs stored now)."""
    before = store.roster_assignments(earlier.id) if earlier is not None else []
    return diff(dataset, cut(dataset, before, None)[1], after)
