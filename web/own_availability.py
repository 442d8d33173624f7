"""My availability: a volunteer's weekly pattern and dated exceptions, on their page and by API.

What the volunteer sends is their complete new set of windows, judged by the
engine exactly as an availability upload (`scheduler.intake.own_availability`).
It is stored under the publishing lock, after checking it against the shifts
they hold in the published roster from now on: a window that would leave them
rostered at hours they cannot work is refused, naming the shift, so the
published roster never breaks rule 3 behind the coordinators' backs (they
decline the shift first, and its place opens for someone else). Every
replacement is kept in `availability_change` with who made it, before and
after, and audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import delete, insert, select

from scheduler import domain
from scheduler.intake.own_availability import WEEKDAYS, changed, read_own, records, stranded
from scheduler.intake.updates import Changes, merge
from scheduler.problems import InvalidInput, Problem
from web import audit, i18n, schedule, store
from web import models as m
from web.access import roles_required
from web.api import failure
from web.models import Role, db
from web.store.rows import window_rows

bp = Blueprint("own_availability", __name__)

HISTORY_SHOWN = 10
BLANK_ROWS = 2  # empty lines under each part of the page form, to add windows
DAY_NAMES = (
    lazy_gettext("Mondays"),
    lazy_gettext("Tuesdays"),
    lazy_gettext("Wednesdays"),
    lazy_gettext("Thursdays"),
    lazy_gettext("Fridays"),
    lazy_gettext("Saturdays"),
    lazy_gettext("Sundays"),
)


class Refused(Exception):
    """The new windows would strand shifts the volunteer holds: the message names them."""


def stored_windows(volunteer_id: str) -> tuple[domain.Availability, ...]:
    rows = db.session.scalars(select(m.Window).where(m.Window.volunteer_id == volunteer_id))
    return tuple(
        domain.Availability(
            w.volunteer_id, w.start_minute, w.end_minute, w.available, w.date, w.weekday
        )
        for w in rows
    )


def held_ahead(volunteer_id: str) -> list[str]:
    """The needs the volunteer holds in the published roster that have not started yet."""
    data = schedule.own_data(volunteer_id)
    if data is None:
        return []
    site, now = str(current_app.config["TIMEZONE"]), schedule.now()
    return [
        s.need.id for s in data.shifts() if s.need.start.replace(tzinfo=s.facility.zone(site)) > now
    ]


def replace(
    volunteer_id: str, given: Sequence[Mapping[str, object]]
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Judge and store the volunteer's new windows (committed); (removed, added).

    Raises `InvalidInput` (nothing stored) for windows the engine refuses and
    `Refused` for windows that would leave a held shift outside them.
    """
    store.hold("publish")  # a claim judged at the same moment sees the old windows or the new
    held = held_ahead(volunteer_id)
    base = store.load(store.facilities_of_needs(held), [volunteer_id])
    try:
        windows = read_own(base, volunteer_id, given)
    except InvalidInput:
        db.session.rollback()
        raise
    after = merge(base, Changes(availability={volunteer_id: windows}))
    blocked = [n for n, _ in stranded(after, [(n, volunteer_id) for n in held])]
    if blocked:
        db.session.rollback()
        raise Refused(_stranded_words(base, blocked))
    before = stored_windows(volunteer_id)
    removed, added = changed(before, windows)
    if removed or added:
        db.session.execute(delete(m.Window).where(m.Window.volunteer_id == volunteer_id))
        if windows:
            db.session.execute(insert(m.Window), window_rows(windows))
        keep(volunteer_id, "volunteer", before, windows)
        audit.record("update", "availability", volunteer_id, removed=len(removed), added=len(added))
    db.session.commit()
    return removed, added


def keep(
    volunteer_id: str,
    source: str,
    before: Sequence[domain.Availability],
    after: Sequence[domain.Availability],
) -> None:
    """Add the change to the history, in the caller's transaction."""
    by = current_user.id if current_user and current_user.is_authenticated else None
    db.session.add(
        m.AvailabilityChange(
            volunteer_id=volunteer_id,
            by=by,
            source=source,
            before=records(before),
            after=records(after),
        )
    )


def _stranded_words(base: domain.Dataset, needs: list[str]) -> str:
    facilities = base.facility_by_id
    shifts = "; ".join(
        f"{i18n.short_day(n.date)} {n.start:%H:%M}, {facilities[n.facility_id].name}"
        for n in (base.need_by_id[k] for k in needs)
    )
    return gettext(
        "Nothing was saved: you are on the roster at hours these windows leave out (%(shifts)s). "
        "Decline those shifts first on your page (or call the hospital), then change your "
        "availability.",
        shifts=shifts,
    )


@dataclass(frozen=True)
class Change:
    """One line of the history, in words: when, by whom, what went and what came."""

    at: dt.datetime
    by_upload: bool
    removed: list[str]
    added: list[str]


def history(volunteer_id: str) -> list[Change]:
    kept = list(
        db.session.scalars(
            select(m.AvailabilityChange)
            .where(m.AvailabilityChange.volunteer_id == volunteer_id)
            .order_by(m.AvailabilityChange.id.desc())
            .limit(HISTORY_SHOWN)
        )
    )
    return [
        Change(
            c.at,
            c.source == "upload",
            [window_words(w) for w in c.before if w not in c.after],
            [window_words(w) for w in c.after if w not in c.before],
        )
        for c in kept
    ]


def window_words(window: Mapping[str, object]) -> str:
    """'Mondays 08:00–16:00', 'ср 09.12.2026 00:00–24:00, cannot work'."""
    day = str(window.get("day", ""))
    if day in WEEKDAYS:
        when = str(DAY_NAMES[WEEKDAYS.index(day)])
    else:
        try:
            when = i18n.short_day(dt.date.fromisoformat(day))
        except ValueError:
            when = day
    text = f"{when} {window.get('start')}–{window.get('end')}"
    return (
        text if window.get("available", True) else gettext("%(window)s, cannot work", window=text)
    )


# --- the page ------------------------------------------------------------------------------


class AvailabilityForm(FlaskForm):
    """Only the CSRF token: the windows are rows of plain inputs, read in `posted_windows`."""


def posted_windows() -> tuple[list[dict[str, object]], list[str]]:
    """The page's rows as windows in the contract's words, and each one's place on the page
    (blank rows left out)."""
    form = request.form
    days, dates = form.getlist("day"), form.getlist("date")
    starts, ends, answers = form.getlist("start"), form.getlist("end"), form.getlist("available")
    windows, places = [], []
    weekly = dated = 0
    for k, start in enumerate(starts[:500]):
        day = days[k] if k < len(days) else ""
        date = (dates[k] if k < len(dates) else "").strip()
        end = ends[k] if k < len(ends) else ""
        is_date = day == "date"
        weekly, dated = weekly + (not is_date), dated + is_date
        if not start.strip() and not end.strip() and (not is_date or not date):
            continue
        windows.append(
            {
                "day": i18n.typed_date(date) if is_date else day,
                "start": start,
                "end": end,
                "available": (answers[k] if k < len(answers) else "yes") != "no",
            }
        )
        places.append(
            gettext("Dates, line %(line)s", line=dated)
            if is_date
            else gettext("Every week, line %(line)s", line=weekly)
        )
    return windows, places


def page_rows(shown: list[dict[str, object]]) -> tuple[list[dict], list[dict]]:
    """The weekly and the dated rows as the form shows them, with blank ones to fill in."""
    weekly = [w for w in shown if w["day"] in WEEKDAYS]
    dated = [
        w | {"date": _page_date(str(w["day"])), "day": "date"}
        for w in shown
        if w["day"] not in WEEKDAYS
    ]
    blank = {"start": "", "end": "", "available": True}
    weekly += [blank | {"day": "Mon"}] * BLANK_ROWS
    dated += [blank | {"day": "date", "date": ""}] * BLANK_ROWS
    return weekly, dated


def _page_date(text: str) -> str:
    try:
        return i18n.date_field(dt.date.fromisoformat(text))
    except ValueError:
        return text


def render_page(shown: list[dict[str, object]], problems: list[str] | None = None, status=200):
    weekly, dated = page_rows(shown)
    changes = history(current_user.volunteer_id or "")
    return render_template(
        "schedule/availability.html",
        form=AvailabilityForm(),
        weekly=weekly,
        dated=dated,
        day_names=list(zip(WEEKDAYS, DAY_NAMES, strict=True)),
        problems=problems or [],
        changes=changes,
        date_hint=i18n.date_hint(),
    ), status


@bp.get("/my/availability")
@roles_required(Role.VOLUNTEER)
def show():
    if not _linked():
        return render_template("schedule/unlinked.html")
    return render_page(records(stored_windows(current_user.volunteer_id)))


@bp.post("/my/availability")
@roles_required(Role.VOLUNTEER)
def save():
    if not _linked():
        return render_template("schedule/unlinked.html"), 404
    form = AvailabilityForm()
    windows, places = posted_windows()
    if not form.validate_on_submit():
        return render_page(windows, [gettext("The form expired; send it again.")], 400)
    try:
        removed, added = replace(current_user.volunteer_id, windows)
    except InvalidInput as exc:
        return render_page(windows, [_placed(p, places) for p in exc.problems if p.is_error], 400)
    except Refused as exc:
        return render_page(windows, [str(exc)], 409)
    if removed or added:
        flash(
            gettext(
                "Your availability is saved: %(added)s window(s) added, %(removed)s removed. "
                "Coordinators plan with it from now on.",
                added=len(added),
                removed=len(removed),
            )
        )
    else:
        flash(gettext("Nothing changed in your availability."))
    return redirect(url_for("own_availability.show"))


def _placed(problem: Problem, places: list[str]) -> str:
    if problem.row is None or not 1 <= problem.row <= len(places):
        return problem.message
    return f"{places[problem.row - 1]}, {problem.column}: {problem.message}"


def _linked() -> bool:
    vid = current_user.volunteer_id
    return bool(vid) and db.session.get(m.Volunteer, vid) is not None


# --- the API -------------------------------------------------------------------------------


@bp.get("/api/my/availability")
@roles_required(Role.VOLUNTEER)
def api_show():
    if not _linked():
        return failure(404, gettext("Your account is not linked to a volunteer."))
    return jsonify(windows=records(stored_windows(current_user.volunteer_id)))


@bp.put("/api/my/availability")
@roles_required(Role.VOLUNTEER)
def api_replace():
    if not _linked():
        return failure(404, gettext("Your account is not linked to a volunteer."))
    body = request.get_json(silent=True)
    given = body.get("windows") if isinstance(body, dict) else None
    if not isinstance(given, list) or not all(isinstance(w, dict) for w in given):
        return failure(
            400,
            gettext(
                'Send {"windows": [{"day", "start", "end", "available"}, ...]}: the complete '
                "new list (an empty list: available at any time)."
            ),
        )
    try:
        replace(current_user.volunteer_id, given)
    except InvalidInput as exc:
        problems = [p for p in exc.problems if p.is_error]
        return jsonify(
            error={
                "status": 400,
                "message": gettext(
                    "%(count)s problem(s); nothing was stored.", count=len(problems)
                ),
                "problems": [
                    {"sheet": p.sheet, "row": p.row, "column": p.column, "message": p.message}
                    for p in problems
                ],
            }
        ), 400
    except Refused as exc:
        return failure(409, str(exc))
    return jsonify(windows=records(stored_windows(current_user.volunteer_id)))
