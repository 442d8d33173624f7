"""Stages 1 to 4 of the funnel: the right role in the region, available, near enough, holding
the credentials the need requires.

They judge with the rules' own tests (`scheduler.rules`), as the engine's
eligibility does, so the count that survives them is exactly the engine's
eligible count for the need.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scheduler.arrays import F64, I64, Mask, ranks
from scheduler.domain import Dataset
from scheduler.outputs.unfilled.shifts import Shifts
from scheduler.rules import availability, credentials, region_distance, role_cover, weekly_limits


@dataclass(frozen=True)
class Reach:
    """Per open need (position k in `needs`) the stage counts, and its eligible pairs."""

    needs: I64
    with_role: I64
    available: I64
    limited: I64  # free by their windows, but their weekly limits allow no shift this long
    personal: I64  # available volunteers with a distance limit of their own
    within: I64
    holding: I64  # within reach and holding every credential the need requires on its days
    volunteer: I64  # eligible pairs: volunteer index ...
    need: I64  # ... and the need's position k
    km: F64  # NaN when either end has no coordinates


def reach(dataset: Dataset, shifts: Shifts, needs: I64) -> Reach:
    """Stages 1 to 4 with the engine's own tests, on the open needs only.

    Availability depends only on the volunteer and the shift's times, so it is
    judged once per (region and role block, shift times) that some open need
    asks for, and shared by every need asking the same: a nurse's Monday
    night is judged once for the nurse, junior student, orderly and support
    needs of all the region's facilities. Only available pairs are spread out
    to their needs, for the distance.
    """
    ask = _Asks.of(dataset, shifts, needs)
    combo = np.repeat(np.arange(len(ask.group)), ask.size)
    volunteer = ask.order[np.repeat(ask.bounds[ask.group], ask.size) + ranks(ask.size)]
    start, end = ask.start[combo], ask.end[combo]
    windows = availability.availability_windows(dataset, shifts.epoch)
    in_window = availability.available(windows, volunteer, start, end)
    workable = weekly_limits.workable(weekly_limits.limits(dataset), volunteer, end - start)
    ok = in_window & workable
    k, at = _spread(ask, combo[ok])
    volunteer = volunteer[ok][at]
    limit = region_distance.distance_limits(dataset)
    km = region_distance.pair_km(dataset, volunteer, shifts.facility[needs[k]], limit)
    near = region_distance.near(km, limit[volunteer])
    held = credentials.qualified(dataset, credentials.holdings(dataset), volunteer, needs[k])
    eligible = near & held
    personal = np.array([v.max_distance_km is not None for v in dataset.volunteers], bool)

    def per_need(counts: I64 | None = None, positions: I64 = ask.need) -> I64:
        """Per open need: the sum of `counts` per ask, or the number of `positions`."""
        total = np.bincount(positions, counts, minlength=len(needs))
        return total.round().astype(np.int64)

    def per_ask(mask: Mask) -> I64:
        return np.bincount(combo[mask], minlength=len(ask.group))[ask.combo]

    return Reach(
        needs=needs,
        with_role=per_need(ask.size[ask.combo]),
        available=per_need(per_ask(ok)),
        limited=per_need(per_ask(in_window & ~workable)),
        personal=per_need(positions=k[personal[volunteer]]),
        within=per_need(positions=k[near]),
        holding=per_need(positions=k[eligible]),
        volunteer=volunteer[eligible],
        need=k[eligible],
        km=km[eligible],
    )


@dataclass(frozen=True)
class _Asks:
    """What the open needs ask of the (region, role) blocks of volunteers.

    One ask per (need, role that covers it); asks for the same block at the
    same times share a combo, which is where availability is judged.
    """

    order: I64  # volunteers sorted by block ...
    bounds: I64  # ... block b holds order[bounds[b] : bounds[b + 1]]
    need: I64  # per ask: the need's position in the open needs ...
    combo: I64  # ... and its combo
    group: I64  # per combo: the block ...
    size: I64  # ... its number of volunteers ...
    start: I64  # ... and the shift's times
    end: I64

    @classmethod
    def of(cls, dataset: Dataset, shifts: Shifts, needs: I64) -> _Asks:
        roles = role_cover.role_numbers(dataset)
        regions = {r: i for i, r in enumerate(dataset.regions)}
        covers = role_cover.covers(dataset)
        block = np.array(
            [
                regions[v.region] * len(roles) + roles[v.role] if v.region in regions else -1
                for v in dataset.volunteers
            ],
            np.int64,
        )
        order = np.argsort(block, kind="stable")
        bounds = np.searchsorted(block[order], np.arange(len(regions) * len(roles) + 1))
        region_of = {f.id: regions[f.region] for f in dataset.facilities}
        region = np.array([region_of[dataset.needs[g].facility_id] for g in needs], np.int64)
        role = np.array([roles[dataset.needs[g].role] for g in needs], np.int64)
        times, when = np.unique(
            shifts.start[needs] * (int(shifts.end.max()) + 1) + shifts.end[needs],
            return_inverse=True,
        )
        need, filler = np.nonzero(covers[:, role].T)
        combos, combo = np.unique(
            (region[need] * len(roles) + filler) * len(times) + when[need], return_inverse=True
        )
        group, first = combos // len(times), np.zeros(len(times), np.int64)
        first[when] = needs
        shift = first[combos % len(times)]
        size = bounds[group + 1] - bounds[group]
        return cls(order, bounds, need, combo, group, size, shifts.start[shift], shifts.end[shift])


def _spread(ask: _Asks, combo: I64) -> tuple[I64, I64]:
    """Pairs judged per combo (`combo`, sorted) spread to every ask of the combo.

    Returns, per resulting pair, the need's position and the index into `combo`.
    """
    bounds = np.searchsorted(combo, np.arange(len(ask.group) + 1))
    size = bounds[ask.combo + 1] - bounds[ask.combo]
    return np.repeat(ask.need, size), np.repeat(bounds[ask.combo], size) + ranks(size)
