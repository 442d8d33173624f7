"""The funnel in words: each open need's figures as a Funnel, its stage and its sentence.

The first stage that empties is the reason, written in words a coordinator
can act on, with the count at each stage. Plain Python from here on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from scheduler import i18n
from scheduler import rules as registry
from scheduler.arrays import I64
from scheduler.domain import Dataset, Need, Rules
from scheduler.i18n import figure, gettext, ngettext, pgettext
from scheduler.outputs.unfilled.funnel import BLOCKING_RULES, Funnel
from scheduler.outputs.unfilled.limits import Stops
from scheduler.outputs.unfilled.reach import Reach
from scheduler.rules.credentials import touched_days


class _Counts(NamedTuple):
    """A funnel's figures, in the order of Funnel's fields, before its stage and sentence."""

    in_region_with_role: int
    available: int
    within_distance: int
    holding: int
    on_this_shift: int
    blocked: dict[str, int]
    weigh_more: int
    free: tuple[str, ...]

    @property
    def candidates(self) -> int:
        return self.holding - self.on_this_shift


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
    requires: str = ""  # "pcr test and red zone training valid on 2026-12-10", or ""


@dataclass(frozen=True)
class _Phrases:
    """What the sentences of one dataset share: rule labels, roles, regions, the distance."""

    labels: dict[str, str]
    only_role: dict[str, bool]  # role -> nobody but the role itself fills it
    regions: dict[str, str]  # facility id -> its region as a sentence names it
    near: str  # "within 30 km"
    own_limit: str  # "within their distance limit"

    @classmethod
    def of(cls, dataset: Dataset) -> _Phrases:
        """The phrases in the current language."""
        return cls(
            labels=_rule_labels(dataset.rules),
            only_role={r: dataset.roles.fillers(r) == {r} for r in dataset.roles.roles},
            regions={f.id: region_phrase(f.region_name) for f in dataset.facilities},
            near=gettext("within %(km)s km", km=figure(dataset.rules.max_distance_km)),
            own_limit=gettext("within their distance limit"),
        )

    def words(self, need: Need, personal: int, limited: int, heavier: tuple[int, ...]) -> _Words:
        """The words for one need; `personal`: how many have a distance limit of their own."""
        return _Words(
            role=need.role,
            only_role=self.only_role[need.role],
            region=self.regions[need.facility_id],
            within=self.own_limit if personal else self.near,
            limited=limited,
            hours=need.hours,
            heavier=", ".join(i18n.priority_name(p) for p in heavier),
            labels=self.labels,
            requires=required(need),
        )


def required(need: Need) -> str:
    """'a pcr test valid on 2026-12-10', or both days for a shift across midnight; '' when the
    need requires nothing."""
    if not need.requires:
        return ""
    names = [c.replace("_", " ") for c in need.requires]
    listed = (
        names[0]
        if len(names) == 1
        else gettext("%(first)s and %(last)s", first=", ".join(names[:-1]), last=names[-1])
    )
    first, last = touched_days(need)
    if first == last:
        return gettext("%(credentials)s valid on %(day)s", credentials=listed, day=first)
    return gettext(
        "%(credentials)s valid on %(first)s and %(last)s",
        credentials=listed,
        first=first,
        last=last,
    )


def funnels(
    dataset: Dataset, needs: I64, places: I64, reach: Reach, on_shift: I64, stop: Stops
) -> dict[str, Funnel]:
    """The figures of each open need as a Funnel with its sentence; plain Python from here."""
    phrases = _Phrases.of(dataset)
    ids = [v.id for v in dataset.volunteers]
    free = [ids[v] for v in stop.free_volunteer.tolist()]
    bounds = stop.free_bounds.tolist()
    columns = zip(
        *(
            a.tolist()
            for a in (reach.with_role, reach.available, reach.within, reach.holding, on_shift)
        ),
        stop.blocked.tolist(),
        stop.heavier.tolist(),
        reach.personal.tolist(),
        reach.limited.tolist(),
        strict=True,
    )
    explained = {}
    for k, (g, row) in enumerate(zip(needs.tolist(), columns, strict=True)):
        role, available, within, holding, on_it, blocked, heavier, personal, limited = row
        need = dataset.needs[g]
        rules = {r: c for r, c in zip(BLOCKING_RULES, blocked, strict=True) if c}
        counts = _Counts(
            role,
            available,
            within,
            holding,
            on_it,
            rules,
            heavier,
            tuple(free[bounds[k] : bounds[k + 1]]),
        )
        words = phrases.words(need, personal, limited, stop.heavier_priorities.get(k, ()))
        stage = _stage(counts)
        explained[need.id] = Funnel(
            need.id, int(places[g]), *counts, stage, _reason(stage, counts, words)
        )
    return explained


def _stage(c: _Counts) -> str:
    """The first stage that empties; "free" when somebody could still take the shift."""
    if not c.in_region_with_role:
        return "role"
    if not c.available:
        return "availability"
    if not c.within_distance:
        return "distance"
    if not c.holding:
        return "credentials"
    if not c.candidates:
        return "on_shift"
    if c.free:
        return "free"
    return "weigh_more" if c.weigh_more == c.candidates else "limits"


def _reason(stage: str, c: _Counts, w: _Words) -> str:
    if stage == "role":
        return gettext(
            "no volunteer in %(region)s has a role that covers %(role)s",
            region=w.region,
            role=i18n.role_name(w.role),
        )
    said = [gettext("%(who)s in %(region)s", who=_who(c.in_region_with_role, w), region=w.region)]
    if stage == "availability":
        return _join(said, gettext("none available for the whole shift") + _limited(w))
    said.append(
        ngettext(
            "%(count)s available for the whole shift",
            "%(count)s available for the whole shift",
            c.available,
        )
    )
    if stage == "distance":
        return _join(said, gettext("none %(within)s", within=w.within))
    said.append(
        ngettext("%(count)s %(within)s", "%(count)s %(within)s", c.within_distance, within=w.within)
    )
    if stage == "credentials":
        return _join(said, gettext("none holds %(requires)s", requires=w.requires))
    if w.requires:
        said.append(
            ngettext(
                "%(count)s holds %(requires)s",
                "%(count)s hold %(requires)s",
                c.holding,
                requires=w.requires,
            )
        )
    if stage == "on_shift":
        if c.on_this_shift == 1:
            return _join(said, gettext("the only one who could take it is already on this shift"))
        return _join(
            said,
            gettext(
                "%(all)s who could take it are already on this shift", all=_all(c.on_this_shift)
            ),
        )
    if c.on_this_shift:
        said.append(gettext("%(count)s already on this shift", count=c.on_this_shift))
    return _join(said, _at_limits(stage, c, w))


def _at_limits(stage: str, c: _Counts, w: _Words) -> str:
    """Stage 5 in words: who is kept off by which rule, or who could still take it."""
    rules = ", ".join(
        gettext("%(count)s %(label)s", count=n, label=w.labels[rule])
        for rule, n in c.blocked.items()
    )
    if stage == "free":
        ids = ", ".join(c.free[:3])
        if len(c.free) > 3:
            ids = gettext("%(ids)s and %(count)s more", ids=ids, count=len(c.free) - 3)
        could = ngettext(
            "%(count)s volunteer could still take it without breaking a rule (%(ids)s) — "
            "assign by hand or re-run the solver",
            "%(count)s volunteers could still take it without breaking a rule (%(ids)s) — "
            "assign by hand or re-run the solver",
            len(c.free),
            ids=ids,
        )
        stuck = c.candidates - len(c.free)
        if not stuck:
            return could
        return gettext(
            "%(count)s already at a limit: %(rules)s; %(could)s",
            count=stuck,
            rules=rules,
            could=could,
        )
    n = c.candidates
    if n == 1:
        everyone = gettext("the other one") if c.on_this_shift else gettext("the only one")
    else:
        everyone = gettext("the other %(count)s", count=n) if c.on_this_shift else _all(n)
    if stage == "weigh_more":
        return ngettext(
            "%(everyone)s was used on shifts that weigh more (%(heavier)s): %(rules)s",
            "%(everyone)s were used on shifts that weigh more (%(heavier)s): %(rules)s",
            n,
            everyone=everyone,
            heavier=w.heavier,
            rules=rules,
        )
    said = gettext("%(everyone)s already at a limit: %(rules)s", everyone=everyone, rules=rules)
    if c.weigh_more:
        said = gettext(
            "%(said)s; %(count)s of them on shifts that weigh more (%(heavier)s)",
            said=said,
            count=c.weigh_more,
            heavier=w.heavier,
        )
    return said


def _rule_labels(rules: Rules) -> dict[str, str]:
    """How a sentence names each blocking rule."""
    return {r.name: r.label(rules) for r in registry.BLOCKING_RULES if r.label}


def _limited(w: _Words) -> str:
    if not w.limited:
        return ""
    because = ngettext(
        "%(count)s free then, but their weekly limits leave no room for this %(hours)s-hour shift",
        "%(count)s free then, but their weekly limits leave no room for this %(hours)s-hour shift",
        w.limited,
        hours=figure(w.hours),
    )
    return f" ({because})"


def _who(n: int, w: _Words) -> str:
    """'12 nurses', or '12 volunteers who can fill an orderly place' when other roles cover it."""
    if w.only_role:
        return ngettext("%(count)s %(role)s", "%(count)s %(role)s", n, role=_counted(w.role, n))
    article = "an" if w.role[:1].lower() in "aeiou" else "a"
    return ngettext(
        "%(count)s volunteer who can fill %(article)s %(role)s place",
        "%(count)s volunteers who can fill %(article)s %(role)s place",
        n,
        article=article,
        role=i18n.role_name(w.role),
    )


def _counted(role: str, n: int) -> str:
    """The role after a count: English makes the role itself plural ('12 nurses'); another
    language names the role as a word of its own ('12 волонтёров с ролью «медсестра»')."""
    if i18n.language() == i18n.DEFAULT:
        return _plural(role, n)
    return i18n.role_name(role)


def _all(n: int) -> str:
    return gettext("both") if n == 2 else gettext("all %(count)s", count=n)


def _plural(word: str, n: int) -> str:
    if n == 1:
        return word
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def region_phrase(name: str) -> str:
    """'Sosnogorsk Region' as it is; 'North' becomes 'North region'."""
    if name.lower().endswith("region"):
        return pgettext("a region named in full", "%(name)s", name=name)
    return gettext("%(name)s region", name=name)


def _join(said: list[str], last: str) -> str:
    return "; ".join([*said, last])
