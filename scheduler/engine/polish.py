"""After the solve: put the volunteers likelier to come on critical shifts, and move people to
facilities they prefer and closer to home.

Reliability (the chance a volunteer comes, estimated by the web app from
their marked attendance as (kept + 1) / (marked + 2), 0.5 for someone never
marked) on critical needs, then preferred facilities and short travel, are
the last tie-breakers. As LP
costs they would multiply the simplex's work (see `scheduler.engine.objective`), so
they are served here instead, on the finished roster of each part: a place
is handed from one volunteer to another only if every need keeps exactly the
volunteers it had in number, no hard rule breaks, and the load does not get
less fair (the newcomer has fewer shifts than the one who leaves). Weighted
coverage therefore never changes, and in a re-plan nobody kept from the
baseline is moved.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scheduler.engine.parts import Part
from scheduler.rules import Bookings, Calendar

PREFERRED = 1.0  # a shift at a preferred facility
CLOSE = 0.5  # at most, for a trip of no distance; none at the distance limit
# Per unit of estimated chance of coming, on a critical need: a difference of 0.15 outweighs
# any comfort, so on critical shifts the one likelier to come is put first.
RELIABLE = 10.0
MAX_CANDIDATES = 25  # most pleasing candidates tried per place


def comfort(part: Part) -> NDArray[np.float64]:
    """How much each pair is worth handing over: on a critical need, how likely its volunteer
    is to come (when attendance is known); then their preference, then a short trip."""
    ratio = np.nan_to_num(part.pair_km / part.pair_km_limit, nan=1.0)
    pleasing = PREFERRED * part.pair_preferred + CLOSE * (1.0 - np.clip(ratio, 0.0, 1.0))
    if part.pair_reliability is None:
        return pleasing
    return pleasing + RELIABLE * part.pair_reliability


def polish(part: Part, chosen: NDArray[np.bool_], passes: int = 2) -> NDArray[np.bool_]:
    """Hand places to volunteers who like them better; same needs filled, same coverage."""
    chosen = chosen.copy()
    score = comfort(part)
    book = Bookings(Calendar.of_part(part))
    for k in np.flatnonzero(chosen):
        book.add(int(part.pair_volunteer[k]), int(part.pair_need[k]))
    by_need = np.lexsort((-score, part.pair_need))  # each need's pairs, most pleasing first
    bounds = np.searchsorted(part.pair_need[by_need], np.arange(len(part.need) + 1))
    on_need = {
        (int(part.pair_volunteer[k]), int(part.pair_need[k])) for k in np.flatnonzero(chosen)
    }
    kept = part.pair_keep if part.pair_keep is not None else np.zeros(part.size, bool)
    changing = _changing(part, chosen) if part.pair_keep is not None else None
    for _ in range(passes):
        moved = 0
        for k in np.flatnonzero(chosen & ~kept):  # a re-plan's kept assignments stay put
            better = _better_volunteer(
                part,
                int(k),
                score,
                by_need[bounds[part.pair_need[k]] : bounds[part.pair_need[k] + 1]],
                book,
                on_need,
                changing,
            )
            if better is not None:
                chosen[k], chosen[better] = False, True
                moved += 1
        if not moved:
            break
    return chosen


def _better_volunteer(
    part: Part,
    k: int,
    score: NDArray[np.float64],
    candidates: np.ndarray,
    book: Bookings,
    on_need: set[tuple[int, int]],
    changing: set[int] | None = None,
) -> int | None:
    v, n = int(part.pair_volunteer[k]), int(part.pair_need[k])
    for other in candidates[:MAX_CANDIDATES]:
        if score[other] <= score[k] + 1e-9:
            return None  # sorted: nobody further down pleases more
        u = int(part.pair_volunteer[other])
        if (u, n) in on_need or book.load(u) + 1 > book.load(v):
            continue  # already on this shift, or the loads would get less even
        if changing is not None and u not in changing:
            continue  # a re-plan changes nobody's shifts for comfort alone
        if book.fits(u, n):  # u's rules do not depend on v's shifts
            book.remove(v, n)
            book.add(u, n)
            on_need.discard((v, n))
            on_need.add((u, n))
            return int(other)
    return None


def fewer_changed(part: Part, chosen: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """In a re-plan, hand a new place from someone whose shifts change for it alone to
    someone whose shifts change anyway: fewer people to tell, the same places filled and
    the same baseline assignments kept (docs/engine.md, "Re-planning")."""
    if part.pair_keep is None:
        return chosen
    chosen, keep = chosen.copy(), part.pair_keep
    book = Bookings(Calendar.of_part(part))
    for held in np.flatnonzero(chosen):
        book.add(int(part.pair_volunteer[held]), int(part.pair_need[held]))
    people = len(part.volunteer)
    added = np.bincount(part.pair_volunteer[chosen & ~keep], minlength=people)
    removed = np.bincount(part.pair_volunteer[keep & ~chosen], minlength=people)
    by_need = np.argsort(part.pair_need, kind="stable")
    bounds = np.searchsorted(part.pair_need[by_need], np.arange(len(part.need) + 1))
    for k in map(int, np.flatnonzero(chosen & ~keep)):
        v, n = int(part.pair_volunteer[k]), int(part.pair_need[k])
        if removed[v] or added[v] != 1:
            continue  # v changes anyway, or for more than this place
        for other in map(int, by_need[bounds[n] : bounds[n + 1]]):
            u = int(part.pair_volunteer[other])
            if u == v or chosen[other] or keep[other] or not (added[u] or removed[u]):
                continue
            book.remove(v, n)
            if book.fits(u, n):
                book.add(u, n)
                chosen[k], chosen[other] = False, True
                added[v] -= 1
                added[u] += 1
                break
            book.add(v, n)
    return chosen


def _changing(part: Part, chosen: NDArray[np.bool_]) -> set[int]:
    """The volunteers whose shifts a re-plan changes (a baseline pair dropped, or a new one)."""
    keep = part.pair_keep if part.pair_keep is not None else np.zeros(part.size, bool)
    return set(np.unique(part.pair_volunteer[chosen ^ keep]).tolist())
