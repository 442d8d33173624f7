"""Splitting the country into independent parts that can be solved side by side.

Two volunteers or needs belong to the same part when a chain of eligible
pairs links them. Parts share nobody, so solving each alone and putting the
rosters together is exactly the same as solving the whole model at once, and
parts can go to different processes (or machines). Since a volunteer works
only in their own region, a part never spans two regions; big regions often
split further where travel limits cut them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from scheduler.arrays import F64, I32, I64
from scheduler.domain import Dataset, Need, Priority, Volunteer
from scheduler.engine.baseline import Reconciled
from scheduler.engine.eligibility import Instance
from scheduler.rules.base import rest_minutes


@dataclass(frozen=True)
class PartRules:
    min_rest_minutes: int
    max_consecutive_days: int
    max_distance_km: float
    unit: float  # the smallest step of the objective's main terms (see `coverage_unit`)
    keep_weight: float = 0.0  # re-planning: a kept baseline assignment's worth, per weight


@dataclass(frozen=True)
class Part:
    """One independent piece of the problem, as plain arrays (cheap to send to a process).

    Needs and volunteers are numbered locally; `need` and `volunteer` map back
    to the dataset's order. Pairs are sorted by volunteer, then shift start.
    """

    index: int
    need: I32
    volunteer: I32
    pair_volunteer: I32
    pair_need: I32
    pair_km: F64  # NaN when unknown
    pair_km_limit: F64
    pair_preferred: NDArray[np.bool_]
    start: I64
    end: I64
    count: I32
    weight: F64
    day: I32
    week: I32
    max_shifts: I32
    max_hours: F64
    need_names: tuple[str, ...]
    volunteer_names: tuple[str, ...]
    rules: PartRules
    pair_keep: NDArray[np.bool_] | None = None  # re-planning: a still-possible baseline pair
    pair_fixed: NDArray[np.bool_] | None = None  # re-planning: pinned or frozen, kept always
    # on critical needs, how likely the pair's volunteer is to come (0 on others); None
    # when no attendance is known at all
    pair_reliability: F64 | None = None

    @property
    def size(self) -> int:
        return len(self.pair_need)

    @property
    def demand_weight(self) -> float:
        return float(self.weight @ self.count)


def split_into_parts(
    dataset: Dataset,
    instance: Instance,
    reconciled: Reconciled | None = None,
    keep_weight: float = 0.0,
) -> list[Part]:
    """The connected parts of the eligibility graph, largest first; with `reconciled`, each
    part carries which of its pairs a re-plan keeps or must keep."""
    pairs = instance.pairs
    n_vol, n_need = len(dataset.volunteers), len(dataset.needs)
    if len(pairs) == 0:
        return []
    graph = coo_matrix(
        (np.ones(len(pairs)), (pairs.volunteer, n_vol + pairs.need)),
        shape=(n_vol + n_need, n_vol + n_need),
    )
    _, label = connected_components(graph, directed=False)
    pair_label = label[pairs.volunteer]
    order = np.argsort(pair_label, kind="stable")  # keeps volunteer-then-start order inside
    bounds = np.flatnonzero(np.diff(pair_label[order])) + 1
    groups = np.split(order, bounds)
    groups.sort(key=lambda g: (-len(g), int(pairs.need[g].min())))
    rules = part_rules(dataset, keep_weight if reconciled is not None else 0.0)
    return [_part(i, dataset, instance, g, rules, reconciled) for i, g in enumerate(groups)]


def single_part(dataset: Dataset, instance: Instance) -> Part:
    """Everything as one part: the monolithic model, for comparisons and baselines."""
    return _part(0, dataset, instance, np.arange(len(instance.pairs)), part_rules(dataset))


def part_rules(dataset: Dataset, keep_weight: float = 0.0) -> PartRules:
    r = dataset.rules
    weights = (r.weight_priority_1, r.weight_priority_2, r.weight_priority_3)
    kept = tuple(w * keep_weight for w in weights if keep_weight)
    return PartRules(
        rest_minutes(r),
        r.max_consecutive_days,
        r.max_distance_km,
        coverage_unit(*weights, *kept),
        keep_weight,
    )


def coverage_unit(*weights: float) -> float:
    """The smallest positive difference two rosters' weighted coverage can have.

    With weights 100, 10, 1 it is 1; with 2.5 and 0.5 it is 0.5. Tie-breaking
    terms are kept below half of it, so they never buy a filled place.
    """
    for digits in range(7):
        scaled = [w * 10**digits for w in weights]
        if all(abs(s - round(s)) < 1e-9 * max(1.0, abs(s)) for s in scaled):
            return float(np.gcd.reduce([round(s) for s in scaled])) / 10**digits
    return min(weights) * 1e-6  # irrational-looking weights: a conservative step


def _part(
    index: int,
    dataset: Dataset,
    inst: Instance,
    rows: I64,
    rules: PartRules,
    reconciled: Reconciled | None = None,
) -> Part:
    pv, pn = inst.pairs.volunteer[rows], inst.pairs.need[rows]
    volunteers, local_v = np.unique(pv, return_inverse=True)
    needs, local_n = np.unique(pn, return_inverse=True)
    vols = [dataset.volunteers[i] for i in volunteers]
    need_objs = [dataset.needs[i] for i in needs]
    limit = np.array(
        [rules.max_distance_km if v.max_distance_km is None else v.max_distance_km for v in vols]
    )
    facility = [dataset.needs[i].facility_id for i in pn]
    preferred = np.array(
        [f in vols[v].preferred_facilities for f, v in zip(facility, local_v, strict=True)], bool
    )
    return Part(
        index=index,
        need=needs.astype(np.int32),
        volunteer=volunteers.astype(np.int32),
        pair_volunteer=local_v.astype(np.int32),
        pair_need=local_n.astype(np.int32),
        pair_km=inst.pairs.km[rows],
        pair_km_limit=limit[local_v],
        pair_preferred=preferred,
        start=inst.need_start[needs],
        end=inst.need_end[needs],
        count=inst.need_count[needs],
        weight=inst.need_weight[needs],
        day=inst.need_day[needs],
        week=inst.need_week[needs],
        max_shifts=inst.volunteer_max_shifts[volunteers],
        max_hours=inst.volunteer_max_hours[volunteers],
        need_names=safe_names([n.id for n in need_objs], "n"),
        volunteer_names=safe_names([v.id for v in vols], "v"),
        rules=rules,
        pair_keep=None if reconciled is None else reconciled.keep[rows],
        pair_fixed=None if reconciled is None else reconciled.fixed[rows],
        pair_reliability=_reliability(dataset, vols, need_objs, local_v, local_n),
    )


UNKNOWN_RELIABILITY = 0.5  # the estimate for a volunteer never marked: (0 + 1) / (0 + 2)


def _reliability(
    dataset: Dataset, vols: list[Volunteer], need_objs: list[Need], local_v: I64, local_n: I64
) -> F64 | None:
    """Per pair: the volunteer's estimated chance of coming, on critical needs only."""
    if not dataset.reliability:
        return None
    known = dataset.reliability
    chance = np.array([known.get(v.id, UNKNOWN_RELIABILITY) for v in vols], np.float64)
    critical = np.array([n.priority == Priority.CRITICAL for n in need_objs], bool)
    return np.where(critical[local_n], chance[local_v], 0.0)


_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def safe_names(ids: list[str], prefix: str) -> tuple[str, ...]:
    """Ids as LP-file-safe names; numbered instead when cleaning would merge two ids."""
    names = tuple(_UNSAFE.sub("_", i)[:60] for i in ids)
    if len(set(names)) == len(names):
        return names
    return tuple(f"{prefix}{k}" for k in range(len(ids)))
