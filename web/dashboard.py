"""The coverage dashboard: demand, filled and open places of the published roster, and why.

Coordinators only: a national coordinator sees every region (and may
narrow to one with `?region=`), a regional coordinator their own region;
hospital staff and volunteers get 403. The figures are the engine's
(`scheduler.outputs.coverage`) on the stored input cut to the scope, so they are the
same numbers as the roster workbook's Summary sheet; the dashboard has the
database sum them (`stored_coverage`), as loading the national input for it
took most of a second. A facility's page lists
its shifts with who comes and, for every open place, the engine's reason
(`scheduler.outputs.unfilled`), judged on the whole region so a volunteer's shifts
at other facilities count against their limits.

`cut` and `scope_of` are shared with `web.publishing`, which shows drafts
and the history with the same tables.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Hashable, Iterable
from dataclasses import dataclass

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import case, func, select

from scheduler.domain import Dataset, Facility, Need, Priority, Rules, Volunteer
from scheduler.outputs.coverage import Tallies, Tally, coverage
from scheduler.outputs.roster import STAGE_WORDS, clock
from scheduler.outputs.suggestions import suggest
from scheduler.outputs.unfilled import Funnel, explain_unfilled
from web import access, audit, i18n, store
from web import models as m
from web.access import COORDINATORS, roles_required
from web.errors import wants_json
from web.models import db

bp = Blueprint("dashboard", __name__)

Pairs = list[tuple[str, str]]

# The bar chart's geometry, in SVG user units (the viewBox scales it to the page).
CHART_LABEL = 260  # room for the label on the left
CHART_TRACK = 300  # the bar for 100 %
CHART_ROW = 26
CHART_BAR = 18
CHART_LABEL_CHARACTERS = 38
LOW_SHARE = 0.8  # bars below this are drawn in the warning colour


# --- the scope and the data in it ------------------------------------------------------------


def scope_of(user: m.User, roster: m.Roster | None = None) -> frozenset[str] | None:
    """The facilities a user sees of a roster (None: all of them).

    A draft covers only its scope; a published roster is whole, so only the
    user's own scope limits it.
    """
    ids = access.facility_ids(user)
    if roster is None or roster.status == "published" or roster.scope == m.NATIONAL:
        return ids
    inside = store.region_facilities(roster.scope)
    return inside if ids is None else ids & inside


def cut(
    dataset: Dataset,
    pairs: Iterable[tuple[str, str]],
    facility_ids: Collection[str] | None,
    *,
    everyone: bool = True,
) -> tuple[Dataset, Pairs]:
    """The dataset of some facilities (None: all), and the pairs of stored ids in it.

    Kept: those facilities' needs; the volunteers of their regions when
    `everyone` (they are the candidates the reasons count), else only the
    volunteers assigned there (a hospital's workbook lists no one else);
    and always whoever is assigned there. A pair naming a need withdrawn or a
    volunteer removed since the roster was made is dropped, as every export
    refuses unknown ids.
    """
    if facility_ids is None:
        needs, people_known = dataset.need_by_id, dataset.volunteer_by_id
        return dataset, sorted({(n, v) for n, v in pairs if n in needs and v in people_known})
    needs, known = dataset.need_by_id, dataset.volunteer_by_id
    kept_pairs = sorted(
        {(n, v) for n, v in pairs if n in needs and needs[n].facility_id in facility_ids}
    )
    kept_pairs = [(n, v) for n, v in kept_pairs if v in known]
    assigned = {v for _, v in kept_pairs}
    regions = {f.region for f in dataset.facilities if f.id in facility_ids} if everyone else set()
    people = assigned | {v.id for v in dataset.volunteers if v.region in regions}
    return dataset.restricted(facility_ids, people), kept_pairs


def scoped_roster(
    roster: m.Roster | None, facility_ids: Collection[str] | None
) -> tuple[Dataset, Pairs]:
    """The stored input and a roster's assignments, cut to some facilities.

    Only those facilities' part is read: their regions' volunteers and whoever
    the roster sends there, all that `cut` keeps.
    """
    pairs = store.roster_assignments(roster.id) if roster is not None else []
    if facility_ids is None:
        return cut(store.load(), pairs, None)
    sent = store.assigned_at(roster.id, facility_ids) if roster is not None else set()
    return cut(store.load(facility_ids, also=sent), pairs, facility_ids)


# --- the figures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of a coverage table: what it groups, its tally, where it leads."""

    label: str
    tally: Tally
    url: str = ""
    note: str = ""  # a second column: the facility's region


@dataclass(frozen=True)
class Table:
    title: str
    head: str  # the first column's header
    rows: list[Row]
    note_head: str = ""


@dataclass(frozen=True)
class Bar:
    """One bar of the chart, its geometry computed here: the CSP forbids inline styles."""

    label: str
    share: float
    url: str
    y: int

    @property
    def width(self) -> float:
        return round(self.share * CHART_TRACK, 1)

    @property
    def low(self) -> bool:
        return self.share < LOW_SHARE

    @property
    def short_label(self) -> str:
        text, most = self.label, CHART_LABEL_CHARACTERS
        return text if len(text) <= most else text[: most - 1] + "…"


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]

    @property
    def height(self) -> int:
        return CHART_ROW * len(self.bars) + 4


@dataclass(frozen=True)
class Figures:
    total: Tally
    tables: list[Table]
    chart: Chart


def figures(dataset: Dataset, pairs: Pairs, *, by_region: bool, links: bool = True) -> Figures:
    """The dashboard's tables and chart; the chart by region when `by_region`, else by facility."""
    return laid_out(coverage(dataset, pairs), dataset.facilities, by_region=by_region, links=links)


def laid_out(
    tallies: Tallies,
    facilities: Iterable[Facility],
    *,
    by_region: bool,
    links: bool = True,
) -> Figures:
    """Tables and chart of some tallies; `facilities` names the ids in them."""
    by_id = {f.id: f for f in facilities}
    region_key = {f.region_name: f.region for f in by_id.values()}

    def facility_url(facility_id: str) -> str:
        return url_for("dashboard.facility", facility_id=facility_id) if links else ""

    def region_url(label: str) -> str:
        return url_for("dashboard.index", region=region_key[label]) if links else ""

    regions = [Row(label, t, region_url(label)) for label, t in tallies.by_region.items()]
    places = sorted(
        (
            Row(f.name, tallies.by_facility[f.id], facility_url(f.id), f.region_name)
            for f in (by_id[i] for i in tallies.by_facility)
        ),
        key=lambda r: (r.note.casefold(), r.label.casefold()),
    )
    days = [Row(i18n.short_day(d), t) for d, t in tallies.by_day.items()]
    priorities = [Row(i18n.priority_name(p), t) for p, t in tallies.by_priority.items()]
    tables = [Table(gettext("By priority"), gettext("Priority"), priorities)]
    if by_region:
        tables.append(Table(gettext("By region"), gettext("Region"), regions))
    tables += [
        Table(gettext("By day"), gettext("Day"), days),
        Table(gettext("By facility"), gettext("Facility"), places, gettext("Region")),
    ]
    shown = regions if by_region else places
    if by_region:
        title = gettext("Share of places filled, by region")
    else:
        title = gettext("Share of places filled, by facility")
    bars = [Bar(r.label, r.tally.share, r.url, k * CHART_ROW) for k, r in enumerate(shown)]
    return Figures(tallies.total, tables, Chart(title, bars))


# --- the same figures, summed by the database ------------------------------------------------


def stored_coverage(
    roster_id: int | None, facility_ids: Collection[str] | None
) -> tuple[Tallies, list[Facility]]:
    """`coverage` of a stored roster on the stored needs of some facilities (None: all).

    The same numbers as `figures(*scoped_roster(...))` (a test holds them
    together): a need's filled places are its distinct stored volunteers,
    never more than its count; assignments of withdrawn needs or removed
    volunteers fill nothing. The database returns one row per facility,
    day and priority instead of the whole input.
    """
    rows = db.session.execute(_groups(roster_id, facility_ids)).all()
    facilities = _facilities({facility_id for facility_id, *_ in rows})
    weight = _rules().weight
    groups = [
        (facilities[facility_id], day, Priority(priority), int(wanted), int(filled))
        for facility_id, day, priority, wanted, filled in rows
    ]

    def by(key: Callable[[Facility, dt.date, Priority], Hashable]) -> dict:
        sums: dict = defaultdict(lambda: [0, 0, 0.0, 0.0])  # a Tally's fields, added up
        for f, day, p, demand, filled in groups:
            total, w = sums[key(f, day, p)], weight(p)
            total[0] += demand
            total[1] += filled
            total[2] += demand * w
            total[3] += filled * w
        return {k: Tally(*total) for k, total in sums.items()}

    regions = by(lambda f, day, p: f.region_name)
    tallies = Tallies(
        total=by(lambda f, day, p: None).get(None, Tally()),
        by_priority=dict(sorted(by(lambda f, day, p: p).items())),
        by_region=dict(sorted(regions.items(), key=lambda kv: kv[0].casefold())),
        by_facility=dict(sorted(by(lambda f, day, p: f.id).items())),
        by_day=dict(sorted(by(lambda f, day, p: day).items())),
    )
    return tallies, list(facilities.values())


def _groups(roster_id: int | None, facility_ids: Collection[str] | None):
    """Places wanted and filled per facility, day and priority: a few thousand rows at most."""
    n = m.Need
    people = (
        select(
            m.Assignment.need_id,
            func.count(m.Assignment.volunteer_id.distinct()).label("people"),
        )
        .join(m.Volunteer, m.Volunteer.id == m.Assignment.volunteer_id)
        .where(m.Assignment.roster_id == roster_id)  # None: IS NULL, so nothing is filled
        .group_by(m.Assignment.need_id)
        .subquery()
    )
    places = case((people.c.people > n.count, n.count), else_=people.c.people)
    filled = func.coalesce(func.sum(places), 0)
    query = select(n.facility_id, n.date, n.priority, func.sum(n.count), filled).outerjoin(
        people, people.c.need_id == n.id
    )
    if facility_ids is not None:
        query = query.where(n.facility_id.in_(list(facility_ids)))
    return query.group_by(n.facility_id, n.date, n.priority)


def _facilities(ids: Collection[str]) -> dict[str, Facility]:
    f = m.Facility
    query = select(f.id, f.name, f.region, f.lat, f.lon, f.address, f.region_label)
    rows = db.session.execute(query.where(f.id.in_(list(ids))).order_by(f.id))
    return {row.id: Facility(*row) for row in rows}


def _rules() -> Rules:
    """The stored priority weights (the contract's defaults for those not stored)."""
    names = [name for name in Rules.model_fields if name.startswith("weight_")]
    stored = db.session.execute(select(m.Rule.name, m.Rule.value).where(m.Rule.name.in_(names)))
    return Rules.from_stored({name: value for name, value in stored})


# --- the pages -------------------------------------------------------------------------------


def narrowed(user: m.User) -> tuple[frozenset[str] | None, str]:
    """The facilities the dashboard covers and the region it is narrowed to ('' for none).

    A national coordinator may narrow to one region with `?region=`; an
    unknown region is 404. A regional coordinator always sees their own.
    """
    ids = scope_of(user)
    region = request.args.get("region", "").strip()
    if user.kind is not m.Role.NATIONAL:
        return ids, user.region or ""
    if not region:
        return ids, ""
    inside = store.region_facilities(region)
    if not inside:
        abort(404)
    return inside, region


def region_label(region: str) -> str:
    label = db.session.scalar(
        select(m.Facility.region_label).where(m.Facility.region == region).limit(1)
    )
    return label or region


@bp.get("/plan")
@roles_required(*COORDINATORS)
def index():
    roster = store.published()
    ids, region = narrowed(current_user)
    tallies, facilities = stored_coverage(roster.id if roster else None, ids)
    shown = laid_out(tallies, facilities, by_region=ids is None)
    return render_template(
        "dashboard/index.html",
        roster=roster,
        figures=shown,
        region=region,
        scope=region_label(region) if region else gettext("all regions"),
        national=current_user.kind is m.Role.NATIONAL,
    )


@dataclass(frozen=True)
class Place:
    """A shift of the facility as the drill-down shows it."""

    need: Need
    people: list[Volunteer]
    funnel: Funnel | None

    @property
    def filled(self) -> int:
        return min(len(self.people), self.need.count)

    @property
    def open(self) -> int:
        return self.need.count - self.filled

    @property
    def time(self) -> str:
        return f"{clock(self.need.start)}–{clock(self.need.end, end_of=self.need.date)}"

    @property
    def priority(self) -> str:
        return i18n.priority_name(self.need.priority)


def places_by_day(dataset: Dataset, pairs: Pairs, facility_id: str) -> dict[dt.date, list[Place]]:
    """The facility's shifts by day, with who comes and why open places are open.

    The reasons are computed on the whole (region's) dataset given, then only
    this facility's are kept: a volunteer's other shifts count against them.
    """
    reasons = explain_unfilled(dataset, pairs)
    volunteers = dataset.volunteer_by_id
    people: dict[str, list[Volunteer]] = defaultdict(list)
    for need_id, volunteer_id in pairs:
        people[need_id].append(volunteers[volunteer_id])
    needs = sorted(
        (n for n in dataset.needs if n.facility_id == facility_id),
        key=lambda n: (n.start, n.end, n.priority, n.role, n.id),
    )
    days: dict[dt.date, list[Place]] = defaultdict(list)
    for need in needs:
        here = sorted(people.get(need.id, []), key=lambda v: (v.name.casefold(), v.id))
        days[need.date].append(Place(need, here, reasons.get(need.id)))
    return dict(days)


@bp.get("/plan/facilities/<facility_id>")
@roles_required(*COORDINATORS)
def facility(facility_id: str):
    row = access.facility_or_404(current_user, facility_id)
    roster = store.published()
    dataset, pairs = scoped_roster(roster, store.region_facilities(row.region))
    days = places_by_day(dataset, pairs, facility_id)
    mine, mine_pairs = cut(dataset, pairs, {facility_id})
    tally = coverage(mine, mine_pairs).total
    return render_template(
        "dashboard/facility.html",
        facility=row,
        roster=roster,
        days=days,
        total=tally,
        stage_words=STAGE_WORDS,
        pinned=store.pinned_pairs(roster.id) if roster is not None else set(),
        confirmed=store.confirmed_pairs(n for n, _ in mine_pairs),
    )


@bp.post("/plan/pins")
@roles_required(*COORDINATORS)
def pin():
    """Pin an assignment of the published roster, or unpin it: a re-plan keeps a pin."""
    need = access.need_or_404(current_user, request.form.get("need_id", "")[:200])
    volunteer_id = request.form.get("volunteer_id", "")[:200]
    locked = request.form.get("locked") == "yes"
    roster = store.set_pin(need.id, volunteer_id, locked=locked)
    if roster is None:
        db.session.rollback()
        flash(
            gettext("That assignment is not in the published roster; nothing was pinned."), "error"
        )
    else:
        audit.record("pin" if locked else "unpin", "assignment", f"{need.id}/{volunteer_id}")
        db.session.commit()
        flash(
            gettext(
                "%(need)s / %(volunteer)s is pinned: a re-plan keeps it.",
                need=need.id,
                volunteer=volunteer_id,
            )
            if locked
            else gettext(
                "%(need)s / %(volunteer)s is no longer pinned.",
                need=need.id,
                volunteer=volunteer_id,
            )
        )
    return redirect(url_for("dashboard.facility", facility_id=need.facility_id))


@bp.get("/plan/needs/<need_id>/cover")
@roles_required(*COORDINATORS)
def cover(need_id: str):
    """Who could take an open place of the need on the published roster, now or after one
    move (`scheduler.outputs.suggestions`); nothing is changed."""
    need = access.need_or_404(current_user, need_id)
    facility = db.session.get(m.Facility, need.facility_id)
    if facility is None:
        abort(404)
    roster = store.published()
    dataset, pairs = scoped_roster(roster, store.region_facilities(facility.region))
    found = suggest(dataset, pairs, need_id, declined=store.declined_pairs())
    if wants_json():
        return jsonify(found.as_json())
    return render_template(
        "dashboard/cover.html",
        need=dataset.need_by_id[need_id],
        facility=facility,
        roster=roster,
        direct=[c for c in found.candidates if not c.moves],
        moved=[c for c in found.candidates if c.moves],
        open_places=found.open_places,
        names={v.id: v.name for v in dataset.volunteers},
    )
