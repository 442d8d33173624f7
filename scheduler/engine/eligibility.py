"""Who may fill which need: role cover, region, distance and availability, vectorised.

Only eligible (volunteer, need) pairs become variables of the model, so this
is where the national problem shrinks from 7,000 x 9,000 candidates to the
few hundred thousand that could really happen. Hard rules 1 (role), 3
(availability) and 7 (region, distance), and the weekly limits that rule a
pair out on its own, are judged here with their units' tests
(`scheduler.rules`) and nowhere else in the model; the checker re-derives
them independently.

Times are integer minutes after the `epoch`, the midnight before the first
shift's day (so a window that starts the day before still counts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from scheduler.arrays import F64, I32, I64
from scheduler.domain import Dataset
from scheduler.geo import distances_km
from scheduler.rules import availability, credentials, region_distance, role_cover, weekly_limits


@dataclass(frozen=True)
class Instance:
    """The dataset as arrays, indexed like `dataset.volunteers` and `dataset.needs`."""

    epoch: dt.datetime
    need_start: I64  # minutes after epoch
    need_end: I64
    need_count: I32
    need_weight: F64
    need_facility: I32
    need_day: I32  # days after epoch's date, of the start
    need_week: I32  # ordinal of the ISO week of the start date, from 0
    volunteer_max_shifts: I32
    volunteer_max_hours: F64  # NaN: no limit
    pairs: Pairs


@dataclass(frozen=True)
class Pairs:
    """Eligible (volunteer, need) pairs, sorted by volunteer then shift start."""

    volunteer: I32
    need: I32
    km: F64  # home to facility; NaN when either has no coordinates

    def __len__(self) -> int:
        return len(self.volunteer)

    def without(self, dataset: Dataset, pairs: Iterable[tuple[str, str]]) -> Pairs:
        """These pairs less some (need_id, volunteer_id): a volunteer who declined a shift
        is eligible for everything else, just not for it."""
        need_index = {n.id: k for k, n in enumerate(dataset.needs)}
        volunteer_index = {v.id: k for k, v in enumerate(dataset.volunteers)}
        people = max(len(dataset.volunteers), 1)
        dropped = np.array(
            [
                need_index[n] * people + volunteer_index[v]
                for n, v in pairs
                if n in need_index and v in volunteer_index
            ],
            np.int64,
        )
        if not len(dropped):
            return self
        keep = ~np.isin(self.need.astype(np.int64) * people + self.volunteer, dropped)
        return Pairs(self.volunteer[keep], self.need[keep], self.km[keep])


def build_instance(dataset: Dataset) -> Instance:
    first, _ = dataset.horizon or (dt.date.today(), None)
    epoch = dt.datetime.combine(first - dt.timedelta(days=1), dt.time())
    facility_index = {f.id: i for i, f in enumerate(dataset.facilities)}
    needs = dataset.needs
    start = np.array([(n.start - epoch) // dt.timedelta(minutes=1) for n in needs], np.int64)
    end = np.array([(n.end - epoch) // dt.timedelta(minutes=1) for n in needs], np.int64)
    weeks = sorted({n.iso_week for n in needs})
    week_index = {w: i for i, w in enumerate(weeks)}
    return Instance(
        epoch=epoch,
        need_start=start,
        need_end=end,
        need_count=np.array([n.count for n in needs], np.int32),
        need_weight=np.array([dataset.rules.weight(n.priority) for n in needs], np.float64),
        need_facility=np.array([facility_index[n.facility_id] for n in needs], np.int32),
        need_day=(start // 1440).astype(np.int32),
        need_week=np.array([week_index[n.iso_week] for n in needs], np.int32),
        volunteer_max_shifts=np.array(
            [v.max_shifts_per_week for v in dataset.volunteers], np.int32
        ),
        volunteer_max_hours=np.array(
            [
                np.nan if v.max_hours_per_week is None else v.max_hours_per_week
                for v in dataset.volunteers
            ]
        ),
        pairs=eligible_pairs(dataset, epoch, start, end),
    )


def eligible_pairs(dataset: Dataset, epoch: dt.datetime, start: I64, end: I64) -> Pairs:
    """All pairs that pass role cover, region and distance, weekly limits, availability and
    credentials.

    Judged region by region, and within a region on the grids each rule depends
    on: distance per (volunteer, facility), availability and the weekly limits
    per (volunteer, distinct shift time), role cover per (volunteer, need); only
    their conjunction is taken per pair. Pair by pair, a metropolitan region's
    4.6 million candidates took most of 1.2 s (dense seed 11); on the grids the
    whole instance takes 0.3 s, national 0.12 s instead of 0.25 s, the same pairs.
    """
    windows = availability.availability_windows(dataset, epoch)
    limits = weekly_limits.limits(dataset)
    held = credentials.holdings(dataset)
    grids = _Grids(dataset)
    found: list[tuple[I64, I64, F64]] = []
    for vs, ns in _regions(dataset, grids.need_facility):
        fs, column = np.unique(grids.need_facility[ns], return_inverse=True)
        slots, slot = np.unique(np.stack([start[ns], end[ns]]), axis=1, return_inverse=True)
        blocks = min(len(vs), -(-len(vs) * len(ns) // GRID_CELLS))
        for block in np.array_split(vs, blocks):
            km = grids.km(block, fs)
            near = region_distance.near(km, grids.limit[block][:, None])
            people = np.repeat(block, slots.shape[1])
            begins, ends = np.tile(slots[0], len(block)), np.tile(slots[1], len(block))
            free = weekly_limits.workable(limits, people, ends - begins)
            free &= availability.available(windows, people, begins, ends)
            free = free.reshape(len(block), -1)
            ok = grids.covers[grids.volunteer_role[block][:, None], grids.need_role[ns][None, :]]
            ok &= near[:, column]
            ok &= free[:, slot.ravel()]
            vi, ni = np.nonzero(ok)
            volunteer, need = block[vi], ns[ni]
            keep = credentials.qualified(dataset, held, volunteer, need)
            found.append((volunteer[keep], need[keep], km[vi, column[ni]][keep]))
    if not found:
        return Pairs(np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0))
    volunteer, need, km = (np.concatenate(arrays) for arrays in zip(*found, strict=True))
    order = np.lexsort((need, start[need], volunteer))
    return Pairs(volunteer[order].astype(np.int32), need[order].astype(np.int32), km[order])


# Cells of a (volunteer, need) grid judged at once: a region larger than this is taken a
# block of volunteers at a time. At worst (every need at its own time, every pair eligible)
# a block holds about 100 bytes a cell, so 100 MB at any size of region.
GRID_CELLS = 1_000_000


class _Grids:
    """What the rules judge per volunteer, per need and per (volunteer, facility)."""

    def __init__(self, dataset: Dataset) -> None:
        f_index = {f.id: i for i, f in enumerate(dataset.facilities)}
        self.need_facility = np.array([f_index[n.facility_id] for n in dataset.needs], np.int64)
        self.covers = role_cover.covers(dataset)
        self.volunteer_role = role_cover.volunteer_roles(dataset)
        self.need_role = role_cover.need_roles(dataset)
        self.limit = region_distance.distance_limits(dataset)
        self.places = (
            *region_distance.coordinates(dataset.volunteers),
            *region_distance.coordinates(dataset.facilities),
        )

    def km(self, vs: I64, fs: I64) -> F64:
        """Home to facility for every (volunteer, facility), exact at each one's limit."""
        v_lat, v_lon, f_lat, f_lon = self.places
        km = distances_km(
            v_lat[vs][:, None], v_lon[vs][:, None], f_lat[fs][None, :], f_lon[fs][None, :]
        )
        people, places = np.repeat(vs, len(fs)), np.tile(fs, len(vs))
        exact = region_distance.exact_at_the_limit(
            km.ravel(), self.limit[people], people, places, self.places
        )
        return exact.reshape(km.shape)


def _regions(dataset: Dataset, need_facility: I64) -> Iterator[tuple[I64, I64]]:
    """Each region's volunteers and needs: the cross product never spans the country."""
    regions = {r: i for i, r in enumerate(dataset.regions)}
    f_region = np.array([regions[f.region] for f in dataset.facilities], np.int64)
    v_region = np.array([regions.get(v.region, -1) for v in dataset.volunteers], np.int64)
    n_region = f_region[need_facility]
    for region in range(len(regions)):
        vs, ns = np.flatnonzero(v_region == region), np.flatnonzero(n_region == region)
        if len(vs) and len(ns):
            yield vs, ns
