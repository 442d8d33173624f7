"""Who could cover an open place now: straight away, or if one of their own shifts changed hands.

A coordinator at three in the morning has a need with a place open and a
published roster that must not be reshuffled. This answers with the
volunteers who may take the place without breaking a hard rule, judged by the
rules' own units (`scheduler.rules`): eligible for the shift (role, region,
distance, availability, weekly limits that allow it at all) and free given
what they already hold. Ranked by distance, then how many shifts they have
that week, then whether they prefer the facility.

Beyond them come volunteers who could take it if exactly one of their own
shifts went to somebody else who is free for it; each comes with that one
move spelled out. Nothing is changed: these are suggestions, and each can be
checked by `scheduler.checker` once applied.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import numpy as np

from scheduler.arrays import I64
from scheduler.domain import Dataset, Need, Volunteer
from scheduler.i18n import gettext, ngettext, number
from scheduler.outputs.unfilled.reach import Reach, reach
from scheduler.outputs.unfilled.shifts import Shifts, roster_pairs, shift_clock
from scheduler.problems import InvalidInput, Problem
from scheduler.rules import Bookings, Calendar

MOVERS = 3  # most candidates a moved shift is offered to, nearest first


@dataclass(frozen=True)
class Move:
    """A shift handed from one volunteer to another to free the first."""

    need_id: str
    from_volunteer: str
    to_volunteer: str


@dataclass(frozen=True)
class Candidate:
    """Somebody who could take one open place of the need, and what it would take."""

    volunteer_id: str
    name: str
    km: float | None  # home to facility; None without coordinates
    shifts_that_week: int
    prefers: bool  # the facility is one of their preferred ones
    moves: tuple[Move, ...]  # empty: they take the place as things stand
    why: str

    def as_json(self) -> dict[str, object]:
        return {
            "volunteer_id": self.volunteer_id,
            "name": self.name,
            "km": None if self.km is None else round(self.km, 1),
            "shifts_that_week": self.shifts_that_week,
            "prefers_facility": self.prefers,
            "moves": [
                {"need_id": m.need_id, "from": m.from_volunteer, "to": m.to_volunteer}
                for m in self.moves
            ],
            "why": self.why,
        }


@dataclass(frozen=True)
class Suggestions:
    need_id: str
    open_places: int
    candidates: tuple[Candidate, ...]  # those who can take it now first, then those with a move

    def as_json(self) -> dict[str, object]:
        return {
            "need_id": self.need_id,
            "open_places": self.open_places,
            "candidates": [c.as_json() for c in self.candidates],
        }


def suggest(
    dataset: Dataset,
    assignments: Iterable[tuple[str, str]],
    need_id: str,
    most: int = 20,
    declined: Collection[tuple[str, str]] = (),
) -> Suggestions:
    """Up to `most` of each kind of candidate for one place of the need; raises `InvalidInput`
    for a need the dataset does not have. `assignments` are (need_id, volunteer_id) pairs;
    nobody is offered a shift in `declined` (need_id, volunteer_id), theirs to decline."""
    index = {n.id: k for k, n in enumerate(dataset.needs)}
    if need_id not in index:
        message = gettext("there is no need '%(need_id)s' in the input", need_id=need_id)
        raise InvalidInput([Problem("needs", None, "need_id", message)])
    g = index[need_id]
    pairs = sorted(set(assignments))
    shifts = shift_clock(dataset)
    roster = roster_pairs(dataset, pairs)
    need = dataset.needs[g]
    open_places = need.count - int(np.count_nonzero(roster[1] == g))
    board = Board(dataset, shifts, roster, declined)
    here = board.eligible([g])
    on_it = set(roster[0][roster[1] == g].tolist())
    direct: list[tuple[int, float]] = []
    blocked: list[tuple[int, float]] = []
    for v, km in zip(here.volunteer.tolist(), here.km.tolist(), strict=True):
        if v in on_it or board.declined(v, g):
            continue
        (direct if board.fits(v, g) else blocked).append((v, km))
    direct.sort(key=lambda c: board.rank(c[0], c[1], g))
    found = [board.candidate(v, km, g, ()) for v, km in direct[:most]]
    blocked.sort(key=lambda c: board.rank(c[0], c[1], g))
    freeing = [(v, km, board.freeing(v, g)) for v, km in blocked]
    freeing = [(v, km, shifts_) for v, km, shifts_ in freeing if shifts_]
    board.reach_for(sorted({s for _, _, held in freeing for s in held}))
    moved: list[Candidate] = []
    for v, km, held in freeing:
        if len(moved) == most:
            break
        move = board.one_move(v, held)
        if move is not None:
            moved.append(board.candidate(v, km, g, (move,)))
    return Suggestions(need_id, max(open_places, 0), tuple(found + moved))


class Board:
    """The roster as the rules see it, opened up volunteer by volunteer as they are asked about."""

    def __init__(
        self,
        dataset: Dataset,
        shifts: Shifts,
        roster: tuple[I64, I64],
        declined: Collection[tuple[str, str]] = (),
    ):
        self.dataset, self.shifts = dataset, shifts
        self.refused = set(declined)
        calendar = Calendar.of_dataset(dataset, shifts.start, shifts.end, shifts.day, shifts.week)
        self.book = Bookings(calendar)
        self.held: dict[int, list[int]] = {}
        for v, n in zip(*(a.tolist() for a in roster), strict=True):
            self.held.setdefault(v, []).append(n)
        self.on_shift: dict[int, set[int]] = {}
        self.weekly: dict[tuple[int, int], int] = {}  # shifts per (volunteer, week)
        for v, held in self.held.items():
            for n in held:
                self.on_shift.setdefault(n, set()).add(v)
                key = (v, int(shifts.week[n]))
                self.weekly[key] = self.weekly.get(key, 0) + 1
        self.opened: set[int] = set()
        self.options: dict[int, list[tuple[int, float]]] = {}  # shift -> (volunteer, km)

    def _open(self, v: int) -> None:
        if v not in self.opened:
            self.opened.add(v)
            for n in self.held.get(v, ()):
                self.book.add(v, n)

    def fits(self, v: int, n: int) -> bool:
        self._open(v)
        return self.book.fits(v, n)

    def eligible(self, needs: list[int]) -> Reach:
        return reach(self.dataset, self.shifts, np.array(needs, np.int64))

    def week_load(self, v: int, n: int) -> int:
        return self.weekly.get((v, int(self.shifts.week[n])), 0)

    def rank(self, v: int, km: float, n: int) -> tuple[float, int, bool]:
        prefers = (
            self.dataset.needs[n].facility_id in self.dataset.volunteers[v].preferred_facilities
        )
        return (math.inf if math.isnan(km) else km, self.week_load(v, n), not prefers)

    def freeing(self, v: int, g: int) -> list[int]:
        """v's shifts whose handing over alone would free v for g, earliest first."""
        found = []
        for s in sorted(self.held.get(v, ()), key=lambda k: self.shifts.start[k]):
            self.book.remove(v, s)
            if self.book.fits(v, g):
                found.append(s)
            self.book.add(v, s)
        return found

    def reach_for(self, needs: list[int]) -> None:
        """Who is eligible for each of these shifts, in one pass over the volunteers."""
        if not needs:
            return
        found = self.eligible(needs)
        order = np.argsort(found.need, kind="stable")
        bounds = np.searchsorted(found.need[order], np.arange(len(needs) + 1))
        km = np.nan_to_num(found.km, nan=np.inf)
        for k, s in enumerate(needs):
            rows = order[bounds[k] : bounds[k + 1]]
            rows = rows[np.argsort(km[rows], kind="stable")]  # nearest first
            self.options[s] = list(
                zip(found.volunteer[rows].tolist(), found.km[rows].tolist(), strict=True)
            )

    def one_move(self, v: int, freeing: list[int]) -> Move | None:
        """The first of these shifts of v that somebody free for it could take over."""
        for s in freeing:
            taker = self._taker(s, exclude=v)
            if taker is not None:
                return Move(self.dataset.needs[s].id, self.dataset.volunteers[v].id, taker)
        return None

    def declined(self, v: int, n: int) -> bool:
        return (self.dataset.needs[n].id, self.dataset.volunteers[v].id) in self.refused

    def _taker(self, s: int, exclude: int) -> str | None:
        on_it = self.on_shift.get(s, set())
        nearest = itertools.islice(
            (
                (v, km)
                for v, km in self.options.get(s, ())
                if v != exclude and v not in on_it and not self.declined(v, s)
            ),
            3 * MOVERS,
        )
        ranked = sorted(nearest, key=lambda c: self.rank(c[0], c[1], s))
        for v, _ in ranked[:MOVERS]:
            if self.fits(v, s):
                return self.dataset.volunteers[v].id
        return None

    def candidate(self, v: int, km: float, g: int, moves: tuple[Move, ...]) -> Candidate:
        volunteer = self.dataset.volunteers[v]
        need = self.dataset.needs[g]
        load = self.week_load(v, g)
        known = None if math.isnan(km) else km
        return Candidate(
            volunteer.id,
            volunteer.name,
            known,
            load,
            need.facility_id in volunteer.preferred_facilities,
            moves,
            _why(volunteer, known, load, moves, self.dataset),
        )


def _why(
    volunteer: Volunteer, km: float | None, load: int, moves: tuple[Move, ...], dataset: Dataset
) -> str:
    """The reason in a coordinator's words."""
    far = (
        gettext("distance unknown")
        if km is None
        else gettext("%(km)s km from home", km=number(km, 1))
    )
    week = ngettext("%(count)s shift that week already", "%(count)s shifts that week already", load)
    if not moves:
        return gettext("free then; %(far)s; %(week)s", far=far, week=week)
    (move,) = moves
    shift: Need = dataset.need_by_id[move.need_id]
    taker = dataset.volunteer_by_id[move.to_volunteer]
    return gettext(
        "free if their shift %(need_id)s (%(day)s %(start)s) goes to %(name)s, "
        "who is free for it; %(far)s",
        need_id=shift.id,
        day=f"{shift.date:%Y-%m-%d}",
        start=f"{shift.start:%H:%M}",
        name=taker.name,
        far=far,
    )
