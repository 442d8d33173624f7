"""Drafts, publishing and the history of published rosters; the roster downloads.

A solve makes a draft (`web.solving`); nobody outside planning sees it until
a coordinator publishes it here. Publishing makes a new, whole published
roster (`store.publish_draft`): the draft's assignments in its scope, the
previous published roster's everywhere else, so the published rosters are
the history and each one can be downloaded again as it was. Before and
after publishing, the page lists what changes for whom: the people to call.

A national coordinator sees every draft; a regional coordinator only the
drafts of their region (others are 404) and every published roster cut to
their region. Hospital staff and volunteers get 403, except that hospital
staff download their own facilities' workbook of the current roster.
"""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Collection
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext, ngettext
from flask_login import current_user
from sqlalchemy import Select, func, select

from scheduler.outputs.calendars import calendar_file_names
from scheduler.outputs.exchange import write_assignments_csv
from scheduler.outputs.roster import write_roster
from scheduler.outputs.unfilled import explain_unfilled
from web import access, audit, calendar_feed, notices, schedule, store, volunteer_search
from web import models as m
from web.access import COORDINATORS, STAFF, roles_required
from web.coordination import region_labels
from web.dashboard import cut, figures, scope_of, scoped_roster
from web.models import Role, RosterStatus, db
from web.paging import page_number
from web.roster_changes import diff_from

bp = Blueprint("publishing", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
ICS = "text/calendar; charset=utf-8"
HISTORY_PER_PAGE = 25
DRAFTS_SHOWN = 50
CALENDAR_CHOICES = 20  # volunteers listed for a name typed to find a calendar
_UNSAFE_IN_FILE_NAME = re.compile(r"[^\w.-]+")


# --- which rosters a user sees ---------------------------------------------------------------


def roster_or_404(user: m.User, roster_id: int) -> m.Roster:
    """A published roster, or a draft of the user's scope; anything else is 404."""
    roster = db.session.get(m.Roster, roster_id)
    if roster is None:
        abort(404)
    mine = user.kind is Role.NATIONAL or roster.scope == user.region
    if roster.status != RosterStatus.PUBLISHED and not mine:
        abort(404)
    return roster


def drafts_query(user: m.User) -> Select:
    """The user's drafts that are not published yet, newest first."""
    query = select(m.Roster).where(
        m.Roster.status == RosterStatus.DRAFT, m.Roster.published_as.is_(None)
    )
    if user.kind is not Role.NATIONAL:
        query = query.where(m.Roster.scope == (user.region or ""))
    return query.order_by(m.Roster.created_at.desc(), m.Roster.id.desc())


def is_stale(draft: m.Roster, current: m.Roster | None) -> bool:
    """Solved against another published roster than the one people see now.

    A draft that does not record what it was solved against is stale when
    the current roster was published after the draft was made.
    """
    if current is None:
        return False
    if draft.based_on is not None:
        return draft.based_on != current.id
    return current.published_at is not None and draft.created_at < current.published_at


def account_names(rosters: Collection[m.Roster]) -> dict[int, str]:
    ids = {r.created_by for r in rosters} | {r.published_by for r in rosters}
    ids.discard(None)
    rows = db.session.execute(select(m.User.id, m.User.name).where(m.User.id.in_(ids)))
    return {user_id: name for user_id, name in rows}


def scope_label(scope: str, labels: dict[str, str]) -> str:
    return gettext("national") if scope == m.NATIONAL else labels.get(scope, scope)


def figures_of(rosters: Collection[m.Roster]) -> dict[int, tuple[int, int]]:
    """(places filled, places wanted) of each roster in the user's view, against today's needs."""
    demand_by_region = dict(
        db.session.execute(
            select(m.Facility.region, func.sum(m.Need.count))
            .join(m.Need, m.Need.facility_id == m.Facility.id)
            .group_by(m.Facility.region)
        ).all()
    )
    groups: dict[frozenset[str] | None, list[int]] = {}
    for roster in rosters:
        groups.setdefault(scope_of(current_user, roster), []).append(roster.id)
    found = {}
    for ids, roster_ids in groups.items():
        regions = (
            set(demand_by_region)
            if ids is None
            else set(db.session.scalars(select(m.Facility.region).where(m.Facility.id.in_(ids))))
        )
        wanted = sum(int(demand_by_region.get(r) or 0) for r in regions)
        for roster_id, filled in store.filled_places(roster_ids, ids).items():
            found[roster_id] = (filled, wanted)
    return found


# --- the pages -------------------------------------------------------------------------------


@bp.get("/plan/rosters")
@roles_required(*COORDINATORS)
def index():
    drafts = db.session.scalars(drafts_query(current_user).limit(DRAFTS_SHOWN)).all()
    history_query = select(m.Roster).where(m.Roster.status == RosterStatus.PUBLISHED)
    history = db.paginate(
        history_query.order_by(m.Roster.published_at.desc(), m.Roster.id.desc()),
        page=page_number(),
        per_page=HISTORY_PER_PAGE,
        error_out=False,
    )
    rosters = [*drafts, *history.items]
    current = store.published()
    return render_template(
        "publishing/index.html",
        drafts=drafts,
        history=history,
        current=current,
        stale={d.id for d in drafts if is_stale(d, current)},
        names=account_names(rosters),
        figures=figures_of(rosters),
        labels=region_labels(),
        scope_label=scope_label,
    )


@bp.get("/plan/rosters/<int:roster_id>")
@roles_required(*COORDINATORS)
def show(roster_id: int):
    roster = roster_or_404(current_user, roster_id)
    ids = scope_of(current_user, roster)
    current = store.published()
    draft = roster.status == RosterStatus.DRAFT
    dataset, pairs = scoped_roster(roster, ids)
    pending = draft and roster.published_as is None
    labels = region_labels()
    return render_template(
        "publishing/show.html",
        roster=roster,
        draft=draft,
        current=current,
        stale=draft and is_stale(roster, current),
        published_as=roster.published_as if draft else None,
        nothing_changes=pending and store.changes_nothing(roster, current),
        figures=figures(dataset, pairs, by_region=ids is None, links=False),
        changes=diff_from(current, dataset, pairs) if pending else None,
        names=account_names([roster]),
        scope=scope_label(roster.scope, labels),
        downloads=download_choices(roster, ids, labels),
    )


@bp.get("/plan/rosters/<int:roster_id>/publish")
@roles_required(*COORDINATORS)
def confirm_publish(roster_id: int):
    """Ask before publishing: how many people the change affects, and a button to go on."""
    draft = roster_or_404(current_user, roster_id)
    if draft.status != RosterStatus.DRAFT or draft.published_as is not None:
        return redirect(url_for("publishing.show", roster_id=draft.id))
    current = store.published()
    dataset, pairs = scoped_roster(draft, scope_of(current_user, draft))
    return render_template(
        "publishing/confirm.html",
        draft=draft,
        current=current,
        stale=is_stale(draft, current),
        nothing_changes=store.changes_nothing(draft, current),
        changes=diff_from(current, dataset, pairs),
        scope=scope_label(draft.scope, region_labels()),
    )


@bp.post("/plan/rosters/<int:roster_id>/publish")
@roles_required(*COORDINATORS)
def publish(roster_id: int):
    """Publish a draft once confirmed (the confirmation page's form says so); else ask first."""
    draft = roster_or_404(current_user, roster_id)
    if request.form.get("confirmed") != "yes":
        return redirect(url_for("publishing.confirm_publish", roster_id=draft.id), 303)
    try:
        roster = store.publish_draft(draft, current_user.id)
    except store.AlreadyPublished:
        db.session.rollback()
        if draft.published_as is not None:  # a double click, or a colleague was quicker
            message = gettext(
                "Draft #%(id)s is published already, as roster #%(published)s; "
                "nothing was published again.",
                id=draft.id,
                published=draft.published_as,
            )
        else:
            message = gettext(
                "Roster #%(id)s is not an unpublished draft; nothing was published.", id=draft.id
            )
        flash(message, "error")
        return redirect(url_for("publishing.show", roster_id=draft.id))
    except store.NothingChanges as exc:
        db.session.rollback()
        flash(
            gettext(
                "Draft #%(id)s sends everyone where roster #%(current)s, published now, "
                "sends them: nothing was published.",
                id=draft.id,
                current=exc.current_id,
            ),
            "error",
        )
        return redirect(url_for("publishing.show", roster_id=draft.id))
    previous = store.previous_published(roster)
    stale = is_stale(draft, previous)  # against what stood when it was published
    dataset, pairs = scoped_roster(roster, scope_of(current_user, draft))
    changed = len(diff_from(previous, dataset, pairs).people)
    told = notices.roster_published(previous, roster)
    audit.record(
        "publish",
        "roster",
        str(roster.id),
        draft=draft.id,
        scope=draft.scope,
        previous=previous.id if previous else None,
        volunteers_changed=changed,
        notices=told,
        stale=stale,
    )
    db.session.commit()
    notices.wake()
    flash(
        ngettext(
            "Draft #%(draft)s is published as roster #%(id)s; "
            "%(num)s volunteer has changed shifts.",
            "Draft #%(draft)s is published as roster #%(id)s; "
            "%(num)s volunteers have changed shifts.",
            changed,
            draft=draft.id,
            id=roster.id,
        )
    )
    if stale:
        flash(
            gettext(
                "Draft #%(id)s was solved against an older published roster than the one "
                "it replaced: check the changes below, and solve again if they look wrong.",
                id=draft.id,
            ),
            "error",
        )
    return redirect(url_for("publishing.changes", roster_id=roster.id))


@bp.get("/plan/rosters/<int:roster_id>/changes")
@roles_required(*COORDINATORS)
def changes(roster_id: int):
    """What changed for whom when this roster was published, against the one before it."""
    roster = roster_or_404(current_user, roster_id)
    if roster.status != RosterStatus.PUBLISHED:
        return redirect(url_for("publishing.show", roster_id=roster.id))
    previous = store.previous_published(roster)
    found = None
    if previous is not None:  # the first published roster has nothing to compare with
        dataset, pairs = scoped_roster(roster, scope_of(current_user, roster))
        found = diff_from(previous, dataset, pairs)
    return render_template(
        "publishing/changes.html",
        roster=roster,
        previous=previous,
        changes=found,
        names=account_names([roster]),
    )


# --- downloads -------------------------------------------------------------------------------


def download_choices(
    roster: m.Roster, ids: frozenset[str] | None, labels: dict[str, str]
) -> dict[str, list]:
    """The regions and facilities a roster's workbook can be cut to, for the page's links."""
    query = select(m.Facility).order_by(m.Facility.region, m.Facility.name)
    if ids is not None:
        query = query.where(m.Facility.id.in_(ids))
    facilities = list(db.session.scalars(query))

    def label(region: str) -> str:
        return labels.get(region) or region

    regions = sorted({f.region for f in facilities}, key=lambda r: label(r).casefold())
    return {"regions": [(r, label(r)) for r in regions], "facilities": facilities}


def download_scope(roster: m.Roster) -> tuple[frozenset[str] | None, str, str]:
    """The facilities a download covers, the file name's suffix, and the one facility if one.

    `?facility=` and `?region=` narrow the download; either outside the
    user's scope (or the draft's) is 404.
    """
    ids = scope_of(current_user, roster)
    facility_id = request.args.get("facility", "").strip()
    region = request.args.get("region", "").strip()
    if facility_id:
        access.facility_or_404(current_user, facility_id)
        if ids is not None and facility_id not in ids:
            abort(404)
        return frozenset([facility_id]), facility_id, facility_id
    if region:
        inside = store.region_facilities(region)
        narrowed = inside if ids is None else ids & inside
        if not narrowed:
            abort(404)
        return narrowed, region, ""
    if ids is not None and current_user.kind is Role.REGIONAL:
        return ids, current_user.region or "", ""
    return ids, "" if roster.scope == m.NATIONAL else roster.scope, ""


def file_name(roster: m.Roster, suffix: str, extension: str, stem: str = "roster") -> str:
    """`roster-12-<what>.xlsx`: the roster and what it was cut to, safe on any file system."""
    safe = _UNSAFE_IN_FILE_NAME.sub("_", suffix).strip("._")[:80]
    return f"{stem}-{roster.id}{'-' + safe if safe else ''}.{extension}"


def attachment(data: bytes, mimetype: str, name: str) -> Response:
    """A download that no proxy keeps: rosters hold names and phone numbers."""
    response = send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def workbook_bytes(roster: m.Roster, ids: frozenset[str] | None, facility_id: str) -> bytes:
    """The roster workbook of some facilities, written to a temporary file and read back.

    One facility's workbook lists only the people sent there, but its
    reasons for open places are judged on the whole region, where the
    volunteers' other shifts are.
    """
    dataset, pairs = scoped_roster(roster, ids if not facility_id else None)
    reasons = None
    if facility_id:
        region = dataset.facility_by_id[facility_id].region
        dataset, pairs = cut(dataset, pairs, store.region_facilities(region))
        found = explain_unfilled(dataset, pairs)
        dataset, pairs = cut(dataset, pairs, {facility_id}, everyone=False)
        reasons = {k: f for k, f in found.items() if k in dataset.need_by_id}
    with tempfile.TemporaryDirectory(prefix="roster-") as folder:
        path = Path(folder) / "roster.xlsx"
        pinned = store.pinned_pairs(roster.id)  # `locked` rows: a re-plan against it keeps them
        write_roster(dataset, pairs, path, reasons=reasons, pinned=pinned)
        return path.read_bytes()


@bp.get("/plan/rosters/<int:roster_id>/roster.xlsx")
@roles_required(*COORDINATORS)
def workbook(roster_id: int):
    roster = roster_or_404(current_user, roster_id)
    ids, suffix, facility_id = download_scope(roster)
    data = workbook_bytes(roster, ids, facility_id)
    return attachment(data, XLSX, file_name(roster, suffix, "xlsx"))


@bp.get("/plan/rosters/<int:roster_id>/assignments.csv")
@roles_required(*COORDINATORS)
def assignments_csv(roster_id: int):
    roster = roster_or_404(current_user, roster_id)
    ids, suffix, _ = download_scope(roster)
    dataset, pairs = scoped_roster(roster, ids)
    with tempfile.TemporaryDirectory(prefix="assignments-") as folder:
        path = Path(folder) / "assignments.csv"
        write_assignments_csv(dataset, pairs, path)
        data = path.read_bytes()
    return attachment(data, CSV, file_name(roster, suffix, "csv", "assignments"))


@bp.get("/plan/rosters/<int:roster_id>/calendars/<volunteer_id>.ics")
@roles_required(*COORDINATORS)
def calendar(roster_id: int, volunteer_id: str):
    """A volunteer's shifts in this roster, for a coordinator to send them."""
    roster = roster_or_404(current_user, roster_id)
    query = access.volunteers_query(current_user).where(m.Volunteer.id == volunteer_id)
    if db.session.scalars(query).first() is None:
        abort(404)
    dataset = store.load()
    _, pairs = cut(dataset, store.roster_assignments(roster.id), scope_of(current_user, roster))
    mine = tuple((n, v) for n, v in pairs if v == volunteer_id)
    zone = str(current_app.config["TIMEZONE"])
    at = schedule.now()
    body = calendar_feed.calendar(dataset, volunteer_id, mine, zone=zone, at=at, store=False)
    name = calendar_file_names([volunteer_id])[volunteer_id]
    return attachment(body, ICS, name)


@bp.get("/plan/rosters/<int:roster_id>/calendar")
@roles_required(*COORDINATORS)
def find_calendar(roster_id: int):
    """A volunteer's calendar by id, or a short list of those whose name holds what was typed."""
    roster = roster_or_404(current_user, roster_id)
    typed = request.args.get("volunteer", "").strip()[: volunteer_search.LONGEST]
    if not typed:
        return redirect(url_for("publishing.show", roster_id=roster.id))
    in_scope = access.volunteers_query(current_user)
    if db.session.scalars(in_scope.where(m.Volunteer.id == typed)).first() is not None:
        return redirect(url_for("publishing.calendar", roster_id=roster.id, volunteer_id=typed))
    found = db.session.scalars(
        volunteer_search.matching(in_scope, typed).limit(CALENDAR_CHOICES + 1)
    ).all()
    page = render_template(
        "publishing/find_calendar.html",
        roster=roster,
        typed=typed,
        found=found[:CALENDAR_CHOICES],
        more=len(found) > CALENDAR_CHOICES,
    )
    return page, 200 if found else 404


@bp.get("/plan/rosters/current/facility/<facility_id>.xlsx")
@roles_required(*STAFF)
def current_facility(facility_id: str):
    """The wall roster a hospital prints: its facility in the roster published now."""
    access.facility_or_404(current_user, facility_id)
    roster = store.published()
    if roster is None:
        abort(404)
    data = workbook_bytes(roster, frozenset([facility_id]), facility_id)
    return attachment(data, XLSX, file_name(roster, facility_id, "xlsx"))
