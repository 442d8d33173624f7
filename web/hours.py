"""Hours worked: each volunteer's ledger of confirmed hours, and the coordinators' view of it.

- **A volunteer** sees their own (`/my/hours`, `GET /api/my/hours`): each
  shift staff confirmed they worked, its hours and night hours (22:00-06:00),
  and the totals; and asks for a certificate of a period (`web.certificates`).
- **Coordinators** see the volunteers of their scope for a period
  (`/hours?from=&to=`, a national one may narrow to `?region=`): hours,
  night hours, shifts kept and missed, and reliability (shifts kept of the
  shifts marked); `&format=csv` or `xlsx` downloads the same table.

Only marks staff confirmed count; a check-in still waiting counts nothing.
Reliability counts marked shifts only: a shift nobody marked says nothing
about whether its volunteer came.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import xlsxwriter
from flask import Blueprint, Response, abort, flash, jsonify, render_template, request
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import case, func, select

from scheduler.outputs.exchange import defuse
from scheduler.outputs.hours import NOTHING, Worked, reliability, total, worked
from scheduler.outputs.roster.cells import SAFE_OPTIONS, Styles, write_cells, write_header
from web import i18n, schedule
from web import models as m
from web.access import COORDINATORS, roles_required
from web.api import failure
from web.models import Role, db

bp = Blueprint("hours", __name__)

KEPT = ("present", "partial")
FIRST_YEAR, LAST_YEAR = 1900, 2999  # the days a period may name
DEFAULT_DAYS = 30  # the coordinators' period when none is asked for


@dataclass(frozen=True)
class Entry:
    need_id: str
    facility: str
    role: str
    status: str
    start: dt.datetime
    end: dt.datetime
    worked: Worked

    @property
    def day(self) -> dt.date:
        return self.start.date()


def marks(
    volunteer_ids: Iterable[str] | None,
    first: dt.date | None,
    last: dt.date | None,
    region: str | None = None,
) -> list[m.Attendance]:
    """Confirmed marks of some volunteers (None: everyone) whose shifts start in the period,
    at the facilities of one region (None: all)."""
    a = m.Attendance
    query = select(a).where(a.confirmed.is_(True)).order_by(a.planned_start, a.need_id)
    if volunteer_ids is not None:
        query = query.where(a.volunteer_id.in_(list(volunteer_ids)))
    if region is not None:  # a regional coordinator's page reads its region, not the country
        query = query.where(a.region == region)
    if first is not None:
        query = query.where(a.planned_start >= dt.datetime.combine(first, dt.time()))
    if last is not None:
        query = query.where(
            a.planned_start < dt.datetime.combine(last + dt.timedelta(days=1), dt.time())
        )
    return list(db.session.scalars(query))


def ledger(volunteer_id: str, first: dt.date | None = None, last: dt.date | None = None):
    """The shifts a volunteer worked (present or partly), oldest first."""
    return [
        Entry(
            row.need_id,
            row.facility_name,
            row.role,
            row.status,
            row.start,
            row.end,
            worked(row.start, row.end),
        )
        for row in marks([volunteer_id], first, last)
        if row.status in KEPT and row.start is not None and row.end is not None
    ]


@dataclass(frozen=True)
class Line:
    """One volunteer in the coordinators' table."""

    volunteer_id: str
    name: str
    region: str
    worked: Worked
    kept: int
    missed: int

    @property
    def reliability(self) -> float | None:
        return reliability(self.kept, self.kept + self.missed)


def table(region: str | None, first: dt.date, last: dt.date) -> list[Line]:
    """Per volunteer with a mark in the period (of one region, or all): hours and reliability."""
    rows = marks(None, first, last, region)
    by: dict[str, list[m.Attendance]] = defaultdict(list)
    for row in rows:
        by[row.volunteer_id].append(row)
    lines = []
    for volunteer_id, theirs in by.items():
        kept = [r for r in theirs if r.status in KEPT and r.start and r.end]
        lines.append(
            Line(
                volunteer_id,
                theirs[-1].volunteer_name,
                theirs[-1].region,
                total(worked(r.start, r.end) for r in kept if r.start and r.end),
                len(kept),
                sum(1 for r in theirs if r.status == "absent"),
            )
        )
    return sorted(lines, key=lambda line: (line.name.casefold(), line.volunteer_id))


def estimates() -> dict[str, float]:
    """Per volunteer with a confirmed mark: the chance they come, (kept + 1) / (marked + 2),
    the estimate that neither trusts nor doubts one shift too much. The engine uses it as a
    tie-break on critical shifts (`scheduler.engine.polish`)."""
    a = m.Attendance
    kept = func.sum(case((a.status.in_(KEPT), 1), else_=0))
    rows = db.session.execute(
        select(a.volunteer_id, kept, func.count())
        .where(a.confirmed.is_(True))
        .group_by(a.volunteer_id)
    )
    return {volunteer_id: (int(k) + 1) / (int(n) + 2) for volunteer_id, k, n in rows}


def period() -> tuple[dt.date | None, dt.date | None, bool]:
    """`?from=` and `?to=` as days (typed either way); and whether both were readable."""
    found = []
    good = True
    for name in ("from", "to"):
        text = request.args.get(name, "").strip()
        try:
            found.append(dt.date.fromisoformat(i18n.typed_date(text)) if text else None)
        except ValueError:
            found.append(None)
            good = False
    first, last = found
    if any(day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR for day in found):
        return None, None, False  # 0001-01-01 or 9999-12-31: no campaign's, and no sums past them
    if first and last and last < first:
        return None, None, False
    return first, last, good


# --- the volunteer's own -------------------------------------------------------------------


@bp.get("/my/hours")
@roles_required(Role.VOLUNTEER)
def mine():
    first, last, good = period()
    if not good:
        flash(gettext("Choose the period as two days, the first before the last."), "error")
    entries = ledger(current_user.volunteer_id or "", first, last)
    return render_template(
        "hours/mine.html",
        entries=entries,
        total=total(e.worked for e in entries),
        first=first,
        last=last,
    )


@bp.get("/api/my/hours")
@roles_required(Role.VOLUNTEER)
def api_mine():
    first, last, good = period()
    if not good:
        return failure(400, gettext("Give the period as ?from=YYYY-MM-DD&to=YYYY-MM-DD."))
    entries = ledger(current_user.volunteer_id or "", first, last)
    summed = total(e.worked for e in entries)
    return jsonify(
        total_hours=summed.hours,
        night_hours=summed.night_hours,
        entries=[
            {
                "need_id": e.need_id,
                "facility": e.facility,
                "role": e.role,
                "status": e.status,
                "date": e.day.isoformat(),
                "start": e.start.isoformat(timespec="minutes"),
                "end": e.end.isoformat(timespec="minutes"),
                "hours": e.worked.hours,
                "night_hours": e.worked.night_hours,
            }
            for e in entries
        ],
    )


# --- the coordinators' -----------------------------------------------------------------------


@bp.get("/hours")
@roles_required(*COORDINATORS)
def index():
    first, last, good = period()
    if not good:
        flash(gettext("Choose the period as two days, the first before the last."), "error")
    today = schedule.today()
    last = last or today
    first = first or last - dt.timedelta(days=DEFAULT_DAYS)
    if current_user.kind is Role.NATIONAL:
        region = request.args.get("region", "").strip() or None
    else:
        region = current_user.region or ""
    lines = table(region, first, last)
    wanted = request.args.get("format", "")
    if wanted in ("csv", "xlsx"):
        return download(lines, first, last, wanted)
    if wanted:
        abort(404)
    return render_template(
        "hours/index.html",
        lines=lines,
        total=total(line.worked for line in lines) if lines else NOTHING,
        first=first,
        last=last,
        region=region or "",
        national=current_user.kind is Role.NATIONAL,
    )


def download(lines: list[Line], first: dt.date, last: dt.date, kind: str) -> Response:
    head = [
        gettext("Volunteer id"),
        gettext("Name"),
        gettext("Region"),
        gettext("Hours"),
        gettext("Night hours"),
        gettext("Shifts kept"),
        gettext("Shifts missed"),
        gettext("Reliability"),
    ]
    rows = [
        [
            line.volunteer_id,
            line.name,
            line.region,
            line.worked.hours,
            line.worked.night_hours,
            line.kept,
            line.missed,
            None if line.reliability is None else round(line.reliability, 3),
        ]
        for line in lines
    ]
    name = f"hours-{first.isoformat()}-{last.isoformat()}.{kind}"
    if kind == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(head)
        writer.writerows(
            [defuse(v) if isinstance(v, str) else "" if v is None else v for v in row]
            for row in rows
        )
        content, media = ("\ufeff" + out.getvalue()).encode(), "text/csv; charset=utf-8"
    else:
        buffer = io.BytesIO()
        with xlsxwriter.Workbook(buffer, {"in_memory": True, **SAFE_OPTIONS}) as book:
            sheet = book.add_worksheet(gettext("Hours")[:31])
            style = Styles(book)
            write_header(sheet, style, head, [14, 30, 20, 10, 12, 12, 12, 12], len(rows))
            for k, row in enumerate(rows, 1):
                write_cells(sheet, k, row, style)
        content = buffer.getvalue()
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        content, mimetype=media, headers={"Content-Disposition": f"attachment; filename={name}"}
    )
