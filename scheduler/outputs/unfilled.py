"""Why a place is open: the funnel a coordinator walks, counted from the data.

For every need with open places, count the volunteers who could have filled
it, stage by stage: the right role in the facility's region, available for
the whole shift, within their distance limit, not already on this shift, and
not kept off by the rest, weekly or days-in-a-row limits given the roster as
it stands. The first stage that empties is the reason, written in words a
coordinator can act on, with the count at each stage.

Stages 1 to 3 call the engine's own eligibility functions, so the count that
survives them is exactly the engine's eligible count for the need. Stage 5
judges hard rules 4 to 6 as the checker does, on the roster given, which may
have been edited by hand and may itself break rules. Everything is
vectorised over (volunteer, open need) pairs: the national roster is
explained in well under a second.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from scheduler.domain import Dataset, Priority, Rules
from scheduler.engine.eligibility import (
    F64,
    I64,
    _available,
    _coordinates,
    _exact_at_the_limit,
    _ranks,
    _workable,
)
from scheduler.engine.parts import part_rules
from scheduler.geo import distances_km

Mask = NDArray[np.bool_]

# A blocked candidate counts under the first rule it would break, in the data
# contract's order (rule 4, then 5, then 6), so the counts add up to the candidates.
BLOCKING_RULES = ("rest", "weekly shifts", "weekly hours", "consecutive days")
STAGES = ("role", "availability", "distance", "on_shift", "limits", "weigh_more", "free")


@dataclass(frozen=True, slots=True)
class Funnel:
    """Why one need still has open places: who drops out at each stage, and the sentence.

    `available` counts those whose windows hold the whole shift and whose
    weekly limits allow a shift this long at all (the engine reads both as
    availability). `blocked` maps each rule of BLOCKING_RULES to the
    candidates it keeps off, each counted once, under the first rule they
    would break; rules that block nobody are left out. `free` lists every
    candidate who could still take it, nearest first.
    """

    need_id: str
    open: int
    in_region_with_role: int
    available: int
    within_distance: int
    on_this_shift: int
    blocked: Mapping[str, int]
    weigh_more: int  # blocked candidates whose blocking shifts all weigh more
    free: tuple[str, ...]
    stage: str  # one of STAGES: where the funnel empties, or "free"
    reason: str

    @property
    def candidates(self) -> int:
        """Eligible volunteers not already on this shift."""
        return self.within_distance - self.on_this_shift


def explain_unfilled(dataset: Dataset, assignments: Iterable[tuple[str, str]]) -> dict[str, Funnel]:
    """A funnel for every need with open places; only needs with open places appear.

    `assignments` are (need_id, volunteer_id) pairs. A repeated pair counts
    once, and a pair naming an unknown need or volunteer is left out (both
    are the checker's to report), so a hand-edited roster never crashes this.
    """
    if not dataset.needs:
        return {}
    shifts = _shift_clock(dataset)
    roster = _roster(dataset, assignments)
    filled = np.bincount(roster[1], minlength=len(dataset.needs))
    open_places = np.array([n.count for n in dataset.needs]) - filled
    needs = np.flatnonzero(open_places > 0)
    if not len(needs):
        return {}
    reach = _reach(dataset, shifts, needs)
    on_shift = np.isin(
        needs[reach.need] * len(dataset.volunteers) + reach.volunteer,
        roster[1] * len(dataset.volunteers) + roster[0],
    )
    stop = _stops(dataset, shifts, roster, reach, ~on_shift)
    on_this_shift = np.bincount(reach.need[on_shift], minlength=len(needs))
    return _funnels(dataset, needs, open_places, reach, on_this_shift, stop)


# --- the clock and the roster -------------------------------------------------------------


@dataclass(frozen=True)
class _Shifts:
    """Every need's shift on the engine's clock: minutes after `epoch`, the day before the first."""

    epoch: dt.datetime
    start: I64
    end: I64
    day: I64  # days after the epoch's date, of the start
    week: I64  # ISO week of the start date, numbered from 0
    weight: F64
    priority: I64
    facility: I64


def _shift_clock(dataset: Dataset) -> _Shifts:
    first, _ = dataset.horizon  # type: ignore[misc]
    epoch = dt.datetime.combine(first - dt.timedelta(days=1), dt.time())
    minute = dt.timedelta(minutes=1)
    needs = dataset.needs
    start = np.array([(n.start - epoch) // minute for n in needs], np.int64)
    weeks = {w: i for i, w in enumerate(sorted({n.iso_week for n in needs}))}
    facility = {f.id: i for i, f in enumerate(dataset.facilities)}
    return _Shifts(
        epoch=epoch,
        start=start,
        end=np.array([(n.end - epoch) // minute for n in needs], np.int64),
        day=start // 1440,
        week=np.array([weeks[n.iso_week] for n in needs], np.int64),
        weight=np.array([dataset.rules.weight(n.priority) for n in needs]),
        priority=np.array([int(n.priority) for n in needs], np.int64),
        facility=np.array([facility[n.facility_id] for n in needs], np.int64),
    )


def _roster(dataset: Dataset, assignments: Iterable[tuple[str, str]]) -> tuple[I64, I64]:
    """Distinct (volunteer, need) index pairs of known ids, sorted by volunteer then need."""
    volunteer_index = {v.id: i for i, v in enumerate(dataset.volunteers)}
    need_index = {n.id: i for i, n in enumerate(dataset.needs)}
    keys = [
        volunteer_index[v] * len(need_index) + need_index[n]
        for n, v in assignments
        if v in volunteer_index and n in need_index
    ]
    unique = np.unique(np.array(keys, np.int64))
    return unique // len(need_index), unique % len(need_index)


# --- stages 1 to 3: role, availability, distance -----------------------------------------


@dataclass(frozen=True)
class _Reach:
    """Per open need (position k in `needs`) the stage counts, and its eligible pairs."""

    needs: I64
    with_role: I64
    available: I64
    limited: I64  # free by their windows, but their weekly limits allow no shift this long
    personal: I64  # available volunteers with a distance limit of their own
    within: I64
    volunteer: I64  # eligible pairs: volunteer index ...
    need: I64  # ... and the need's position k
    km: F64  # NaN when either end has no coordinates


def _reach(dataset: Dataset, shifts: _Shifts, needs: I64) -> _Reach:
    """Stages 1 to 3 with the engine's own tests, on the open needs only.

    Availability depends only on the volunteer and the shift's times, so it is
    judged once per (region and role block, shift times) that some open need
    asks for, and shared by every need asking the same: a nurse's Monday
    night is judged once for the nurse, junior student, orderly and support
    needs of all the region's facilities. Only available pairs are spread out
    to their needs, for the distance.
    """
    ask = _Asks.of(dataset, shifts, needs)
    combo = np.repeat(np.arange(len(ask.group)), ask.size)
    volunteer = ask.order[np.repeat(ask.bounds[ask.group], ask.size) + _ranks(ask.size)]
    start, end = ask.start[combo], ask.end[combo]
    in_window = _available(dataset, shifts.epoch, volunteer, start, end)
    workable = _workable(dataset, volunteer, end - start)
    ok = in_window & workable
    k, at = _spread(ask, combo[ok])
    volunteer = volunteer[ok][at]
    limit = np.array(
        [
            dataset.rules.max_distance_km if v.max_distance_km is None else v.max_distance_km
            for v in dataset.volunteers
        ]
    )
    km = _km(dataset, volunteer, shifts.facility[needs[k]], limit)
    near = np.isnan(km) | (km <= limit[volunteer])
    personal = np.array([v.max_distance_km is not None for v in dataset.volunteers], bool)

    def per_need(counts: I64 | None = None, positions: I64 = ask.need) -> I64:
        """Per open need: the sum of `counts` per ask, or the number of `positions`."""
        total = np.bincount(positions, counts, minlength=len(needs))
        return total.round().astype(np.int64)

    def per_ask(mask: Mask) -> I64:
        return np.bincount(combo[mask], minlength=len(ask.group))[ask.combo]

    return _Reach(
        needs=needs,
        with_role=per_need(ask.size[ask.combo]),
        available=per_need(per_ask(ok)),
        limited=per_need(per_ask(in_window & ~workable)),
        personal=per_need(positions=k[personal[volunteer]]),
        within=per_need(positions=k[near]),
        volunteer=volunteer[near],
        need=k[near],
        km=km[near],
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
    def of(cls, dataset: Dataset, shifts: _Shifts, needs: I64) -> _Asks:
        roles = {r: i for i, r in enumerate(dataset.roles.roles)}
        regions = {r: i for i, r in enumerate(dataset.regions)}
        covers = np.array([[dataset.roles.covers(a, b) for b in roles] for a in roles], bool)
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
    return np.repeat(ask.need, size), np.repeat(bounds[ask.combo], size) + _ranks(size)


def _km(dataset: Dataset, volunteer: I64, facility: I64, limit: F64) -> F64:
    """Home to facility, exactly as eligibility computes it (the scalar formula at the limit)."""
    v_lat, v_lon = _coordinates(dataset.volunteers)
    f_lat, f_lon = _coordinates(dataset.facilities)
    km = distances_km(v_lat[volunteer], v_lon[volunteer], f_lat[facility], f_lon[facility])
    return _exact_at_the_limit(
        km, limit[volunteer], volunteer, facility, (v_lat, v_lon, f_lat, f_lon)
    )


# --- stage 5: rest, weekly limits, days in a row -----------------------------------------


@dataclass(frozen=True)
class _Stops:
    """Stage 5 per open need (position k): who is kept off by which rule, and who is free."""

    blocked: I64  # (open needs, BLOCKING_RULES) counts, first rule broken only
    heavier: I64  # blocked candidates whose blocking shifts all weigh more
    heavier_priorities: dict[int, tuple[int, ...]]  # k -> priorities of those shifts
    free_bounds: I64  # need k's free volunteers: free_volunteer[bounds[k] : bounds[k + 1]]
    free_volunteer: I64  # nearest first


def _stops(
    dataset: Dataset, shifts: _Shifts, roster: tuple[I64, I64], reach: _Reach, candidate: Mask
) -> _Stops:
    volunteer, k, km = reach.volunteer[candidate], reach.need[candidate], reach.km[candidate]
    rule, heavier, pair, priority = _blocking(dataset, shifts, roster, volunteer, reach.needs[k])
    m, rules = len(reach.needs), len(BLOCKING_RULES)
    hit = rule >= 0
    blocked = np.bincount(k[hit] * rules + rule[hit], minlength=m * rules).reshape(m, rules)
    priorities: dict[int, list[int]] = {}
    for code in np.unique(k[pair] * 8 + priority).tolist():
        priorities.setdefault(code // 8, []).append(code % 8)
    free = np.flatnonzero(~hit)
    free = free[np.lexsort((volunteer[free], np.nan_to_num(km[free], nan=np.inf), k[free]))]
    return _Stops(
        blocked=blocked,
        heavier=np.bincount(k[heavier], minlength=m),
        heavier_priorities={n: tuple(p) for n, p in priorities.items()},
        free_bounds=np.searchsorted(k[free], np.arange(m + 1)),
        free_volunteer=volunteer[free],
    )


def _blocking(
    dataset: Dataset, shifts: _Shifts, roster: tuple[I64, I64], volunteer: I64, need: I64
) -> tuple[I64, Mask, I64, I64]:
    """Which rule adding each (volunteer, need) pair to the roster would break first.

    Rules 4 to 6 read as the checker reads them, against each volunteer's
    shifts in the roster, all pairs at once. Returns per pair the index into
    BLOCKING_RULES (-1: none), whether every shift that blocks it weighs more
    than the need, and (pair, priority) of the shifts behind those that do.
    """
    own, other = _their_shifts(roster, volunteer, len(dataset.volunteers))
    mine = need[own]
    rest = part_rules(dataset).min_rest_minutes
    start, end, length = shifts.start, shifts.end, shifts.end - shifts.start
    clash = (start[other] < end[mine] + rest) & (start[mine] < end[other] + rest)
    same_week = shifts.week[other] == shifts.week[mine]
    before, after, taken = _days_in_a_row(shifts, roster, volunteer, need)
    volunteers = dataset.volunteers
    max_shifts = np.array([v.max_shifts_per_week for v in volunteers])[volunteer]
    max_hours = np.array(
        [np.nan if v.max_hours_per_week is None else v.max_hours_per_week for v in volunteers]
    )[volunteer]

    def per_pair(values: Mask | I64) -> F64:
        return np.bincount(own, values, minlength=len(need))

    broken = np.stack(
        [
            per_pair(clash) > 0,
            per_pair(same_week) + 1 > max_shifts,
            per_pair(same_week * length[other]) + length[need] > max_hours * 60 + 1e-9,
            ~taken & (before + 1 + after > dataset.rules.max_consecutive_days),
        ]
    )
    rule = np.where(broken.any(axis=0), broken.argmax(axis=0), -1)
    day = shifts.day
    in_run = (day[other] >= day[mine] - before[own]) & (day[other] <= day[mine] + after[own])
    blocks = clash | (same_week & (broken[1] | broken[2])[own]) | (in_run & broken[3][own])
    lighter = per_pair(blocks & (shifts.weight[other] <= shifts.weight[mine])) > 0
    heavier = (rule >= 0) & ~lighter
    behind = blocks & heavier[own]
    return rule, heavier, own[behind], shifts.priority[other[behind]]


def _their_shifts(roster: tuple[I64, I64], volunteer: I64, people: int) -> tuple[I64, I64]:
    """Each pair's volunteer's shifts in the roster, flattened: (pair index, need index)."""
    on, need = roster
    first = np.searchsorted(on, np.arange(people + 1))
    size = first[volunteer + 1] - first[volunteer]
    own = np.repeat(np.arange(len(volunteer)), size)
    return own, need[np.repeat(first[volunteer], size) + _ranks(size)]


def _days_in_a_row(
    shifts: _Shifts, roster: tuple[I64, I64], volunteer: I64, need: I64
) -> tuple[I64, I64, Mask]:
    """Per pair: days in a row with a shift start just before and just after the need's day,
    and whether the volunteer already starts a shift on that day (then rule 6 cannot change).
    """
    people, row = np.unique(volunteer, return_inverse=True)
    days = int(shifts.day.max()) + 2
    has = np.zeros((len(people), days), bool)
    theirs = np.isin(roster[0], people)
    has[np.searchsorted(people, roster[0][theirs]), shifts.day[roster[1][theirs]]] = True
    before = np.zeros((len(people), days), np.int64)
    after = np.zeros_like(before)
    for d in range(1, days):
        before[:, d] = (before[:, d - 1] + 1) * has[:, d - 1]
    for d in range(days - 2, -1, -1):
        after[:, d] = (after[:, d + 1] + 1) * has[:, d + 1]
    day = shifts.day[need]
    return before[row, day], after[row, day], has[row, day]


# --- the funnel in words -----------------------------------------------------------------


class _Counts(NamedTuple):
    """A funnel's figures, in the order of Funnel's fields, before its stage and sentence."""

    in_region_with_role: int
    available: int
    within_distance: int
    on_this_shift: int
    blocked: dict[str, int]
    weigh_more: int
    free: tuple[str, ...]

    @property
    def candidates(self) -> int:
        return self.within_distance - self.on_this_shift


@dataclass(frozen=True)
class _Words:
    """What a sentence says beyond the counts."""

    role: str
    only_role: bool  # nobody but the role itself fills it
    region: str
    within: str  # "within 30 km" or "within their distance limit"
    limited: int
    hours: float
    heavier: str  # priority names of the shifts that weigh more: "critical"
    labels: Mapping[str, str]  # rule -> "at their weekly shift limit"


def _funnels(
    dataset: Dataset, needs: I64, places: I64, reach: _Reach, on_shift: I64, stop: _Stops
) -> dict[str, Funnel]:
    """The figures of each open need as a Funnel with its sentence; plain Python from here."""
    labels = _rule_labels(dataset.rules)
    only_role = {r: dataset.roles.fillers(r) == {r} for r in dataset.roles.roles}
    regions = {f.id: _region(f.region_name) for f in dataset.facilities}
    near = f"within {dataset.rules.max_distance_km:g} km"
    ids = [v.id for v in dataset.volunteers]
    free = [ids[v] for v in stop.free_volunteer.tolist()]
    bounds = stop.free_bounds.tolist()
    columns = zip(
        *(a.tolist() for a in (reach.with_role, reach.available, reach.within, on_shift)),
        stop.blocked.tolist(),
        stop.heavier.tolist(),
        reach.personal.tolist(),
        reach.limited.tolist(),
        strict=True,
    )
    funnels = {}
    for k, (g, (*seen, blocked, heavier, personal, limited)) in enumerate(
        zip(needs.tolist(), columns, strict=True)
    ):
        need = dataset.needs[g]
        rules = {r: c for r, c in zip(BLOCKING_RULES, blocked, strict=True) if c}
        counts = _Counts(*seen, rules, heavier, tuple(free[bounds[k] : bounds[k + 1]]))
        words = _Words(
            role=need.role,
            only_role=only_role[need.role],
            region=regions[need.facility_id],
            within="within their distance limit" if personal else near,
            limited=limited,
            hours=need.hours,
            heavier=", ".join(Priority(p).name.lower() for p in stop.heavier_priorities.get(k, ())),
            labels=labels,
        )
        stage = _stage(counts)
        funnels[need.id] = Funnel(
            need.id, int(places[g]), *counts, stage, _reason(stage, counts, words)
        )
    return funnels


def _stage(c: _Counts) -> str:
    """The first stage that empties; "free" when somebody could still take the shift."""
    if not c.in_region_with_role:
        return "role"
    if not c.available:
        return "availability"
    if not c.within_distance:
        return "distance"
    if not c.candidates:
        return "on_shift"
    if c.free:
        return "free"
    return "weigh_more" if c.weigh_more == c.candidates else "limits"


def _reason(stage: str, c: _Counts, w: _Words) -> str:
    if stage == "role":
        return f"no volunteer in {w.region} has a role that covers {w.role}"
    said = [f"{_who(c.in_region_with_role, w)} in {w.region}"]
    if stage == "availability":
        return _join(said, "none available for the whole shift" + _limited(w))
    said.append(f"{c.available} available for the whole shift")
    if stage == "distance":
        return _join(said, f"none {w.within}")
    said.append(f"{c.within_distance} {w.within}")
    if stage == "on_shift":
        if c.on_this_shift == 1:
            return _join(said, "the only one who could take it is already on this shift")
        return _join(said, f"{_all(c.on_this_shift)} who could take it are already on this shift")
    if c.on_this_shift:
        said.append(f"{c.on_this_shift} already on this shift")
    return _join(said, _at_limits(stage, c, w))


def _at_limits(stage: str, c: _Counts, w: _Words) -> str:
    """Stage 5 in words: who is kept off by which rule, or who could still take it."""
    rules = ", ".join(f"{n} {w.labels[rule]}" for rule, n in c.blocked.items())
    if stage == "free":
        ids = ", ".join(c.free[:3]) + (f" and {len(c.free) - 3} more" if len(c.free) > 3 else "")
        could = (
            f"{len(c.free)} {_plural('volunteer', len(c.free))} could still take it without "
            f"breaking a rule ({ids}) — assign by hand or re-run the solver"
        )
        stuck = c.candidates - len(c.free)
        return f"{stuck} already at a limit: {rules}; {could}" if stuck else could
    n = c.candidates
    if n == 1:
        everyone = "the other one" if c.on_this_shift else "the only one"
    else:
        everyone = f"the other {n}" if c.on_this_shift else _all(n)
    if stage == "weigh_more":
        were = "were" if n > 1 else "was"
        return f"{everyone} {were} used on shifts that weigh more ({w.heavier}): {rules}"
    said = f"{everyone} already at a limit: {rules}"
    if c.weigh_more:
        said += f"; {c.weigh_more} of them on shifts that weigh more ({w.heavier})"
    return said


def _rule_labels(rules: Rules) -> dict[str, str]:
    """How a sentence names each blocking rule."""
    return {
        "rest": f"by the rest rule ({rules.min_rest_hours:g} h between shifts)",
        "weekly shifts": "at their weekly shift limit",
        "weekly hours": "at their weekly hour limit",
        "consecutive days": f"at the limit of {rules.max_consecutive_days} days in a row",
    }


def _limited(w: _Words) -> str:
    if not w.limited:
        return ""
    return (
        f" ({w.limited} free then, but their weekly limits leave no room "
        f"for this {w.hours:g}-hour shift)"
    )


def _who(n: int, w: _Words) -> str:
    """'12 nurses', or '12 volunteers who can fill an orderly place' when other roles cover it."""
    if w.only_role:
        return f"{n} {_plural(w.role, n)}"
    article = "an" if w.role[:1].lower() in "aeiou" else "a"
    return f"{n} {_plural('volunteer', n)} who can fill {article} {w.role} place"


def _all(n: int) -> str:
    return "both" if n == 2 else f"all {n}"


def _plural(word: str, n: int) -> str:
    if n == 1:
        return word
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def _region(name: str) -> str:
    """'Sosnogorsk Region' as it is; 'North' becomes 'North region'."""
    return name if name.lower().endswith("region") else f"{name} region"


def _join(said: list[str], last: str) -> str:
    return "; ".join([*said, last])
