"""A volunteer's own shifts: a phone-sized page, an .ics download and a private calendar feed.

Only the volunteer's own rows are read: their assignments in the published
roster, those needs and those facilities. The engine's calendar is built
from that small dataset, so nothing about colleagues on the same shift (not
a name, not a count) can reach the page or the calendar.

"Upcoming" is relative to now in each shift's facility's time zone (the
site's, `SCHEDULER_TIMEZONE`, when it names none; `now` is a function so
tests can set the instant): a shift is upcoming until the end of the day it
ends on there, so a night shift stays listed the morning after, and a
shift in Vladivostok leaves the list at Vladivostok's midnight, seven hours
before Moscow's. Earlier shifts are listed under "Past shifts", newest
first, folded away. Shift times themselves are the facility's wall clock,
shown as they are; the calendar names the zone, so a phone elsewhere moves
them to its own.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext, lazy_gettext, ngettext, refresh
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import and_, select
from wtforms import BooleanField, SelectField

from scheduler import domain
from web import audit, calendar_feed, i18n, messenger, outbox, store, telegram
from web import models as m
from web.access import roles_required
from web.models import Role, db

bp = Blueprint("schedule", __name__)

ICS = "text/calendar; charset=utf-8"


def now() -> dt.datetime:
    """This instant (aware); tests replace it."""
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """The site's date now (in `SCHEDULER_TIMEZONE`): the day of a facility without a zone."""
    return now().astimezone(i18n.site_zone()).date()


def local_today(facility: domain.Facility) -> dt.date:
    """The date now at the facility, in its own time zone."""
    if not facility.timezone:
        return today()
    return now().astimezone(facility.zone()).date()


def cutoff_hours() -> float:
    """How long before a shift it may still be declined on a page (`DECLINE_CUTOFF_HOURS`)."""
    return float(current_app.config.get("DECLINE_CUTOFF_HOURS", 12))


def new_token() -> str:
    """A calendar token: 256 random bits, URL-safe (43 characters, the column holds 64)."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Shift:
    """One of the volunteer's shifts as the page shows it."""

    need: domain.Need
    facility: domain.Facility

    @property
    def start(self) -> str:
        return f"{self.need.start:%H:%M}"

    @property
    def end(self) -> str:
        """'24:00' for a shift that ends at midnight, as people and the input format write it."""
        return "24:00" if self.need.end.time() == dt.time() else f"{self.need.end:%H:%M}"

    @property
    def next_day(self) -> bool:
        """Ends after the midnight that follows its start (a night shift)."""
        return self.need.end > dt.datetime.combine(self.need.date + dt.timedelta(days=1), dt.time())

    @property
    def role(self) -> str:
        return i18n.role_name(self.need.role)

    @property
    def ended(self) -> bool:
        """Past: the day it ends on is over at the facility (so a night shift stays listed
        the morning after)."""
        return self.need.end <= dt.datetime.combine(local_today(self.facility), dt.time())

    def started(self) -> bool:
        """Its start has passed at the facility: it can no longer be offered or taken."""
        zone = self.facility.zone(str(current_app.config["TIMEZONE"]))
        return now() >= self.need.start.replace(tzinfo=zone)

    def too_late_to_decline(self) -> bool:
        """Within `cutoff_hours()` of its start at the facility, or later: too late to decline
        on a page; the volunteer calls the hospital instead, so that somebody hears it."""
        zone = self.facility.zone(str(current_app.config["TIMEZONE"]))
        return now() >= self.need.start.replace(tzinfo=zone) - dt.timedelta(hours=cutoff_hours())

    @property
    def phone_url(self) -> str:
        """The facility's phone as a tel: link, or '': its digits and a leading +, up to the
        first word ('+7 423 200-00-00 ext. 12' dials +74232000000)."""
        number = re.split(r"[^\W\d_]", self.facility.phone.strip(), maxsplit=1)[0]
        digits = "".join(c for c in number if c.isascii() and c.isdigit())
        if not digits:
            return ""
        return f"tel:{'+' if number.startswith('+') else ''}{digits}"

    @property
    def map_url(self) -> str:
        """OpenStreetMap at the facility (or a search for its address): a plain link."""
        f = self.facility
        if f.lat is not None and f.lon is not None:
            query = urlencode({"mlat": f"{f.lat:.5f}", "mlon": f"{f.lon:.5f}"})
            return f"https://www.openstreetmap.org/?{query}#map=17/{f.lat:.5f}/{f.lon:.5f}"
        if f.address:
            return "https://www.openstreetmap.org/search?" + urlencode({"query": f.address})
        return ""


@dataclass(frozen=True)
class OwnData:
    """A dataset of one volunteer, their assigned needs and those needs' facilities."""

    dataset: domain.Dataset
    assignments: tuple[tuple[str, str], ...]

    def shifts(self) -> list[Shift]:
        facilities = self.dataset.facility_by_id
        needs = sorted(self.dataset.needs, key=lambda n: (n.start, n.id))
        return [Shift(n, facilities[n.facility_id]) for n in needs]


def own_data(volunteer_id: str | None) -> OwnData | None:
    """The volunteer's shifts in the published roster; None if no such volunteer is stored.

    One query: the volunteer, outer-joined to their assignments in the newest
    published roster, those needs and their facilities. This is the page every
    volunteer opens; five small queries cost a third more per view than one
    (docs/production.md, "Load benchmark"). An assignment whose need was
    withdrawn after publishing is left out: the hospital no longer wants that
    shift.
    """
    if not volunteer_id:
        return None
    rows = db.session.execute(
        select(m.Volunteer, m.Need, m.Facility)
        .select_from(m.Volunteer)
        .outerjoin(
            m.Assignment,
            and_(
                m.Assignment.volunteer_id == m.Volunteer.id,
                m.Assignment.roster_id == store.published_id(),
            ),
        )
        .outerjoin(m.Need, m.Need.id == m.Assignment.need_id)
        .outerjoin(m.Facility, m.Facility.id == m.Need.facility_id)
        .where(m.Volunteer.id == volunteer_id)
    ).all()
    if not rows:
        return None
    volunteer = rows[0][0]
    needs = {n.id: n for _, n, _ in rows if n is not None}
    facilities = {f.id: f for _, _, f in rows if f is not None}
    dataset = domain.Dataset(
        facilities=tuple(store.as_facility(f) for f in facilities.values()),
        volunteers=(store.as_volunteer(volunteer),),
        needs=tuple(store.as_need(n) for n in needs.values()),
    )
    return OwnData(dataset, tuple((need_id, volunteer.id) for need_id in needs))


def calendar_response(data: OwnData, volunteer_id: str, filename: str) -> Response:
    """The .ics bytes as a download, revised against what was served before
    (`web.calendar_feed`); never cached by a proxy, as it is personal."""
    zone = current_app.config["TIMEZONE"]  # of a facility that names none
    body = calendar_feed.calendar(data.dataset, volunteer_id, data.assignments, zone=zone, at=now())
    response = Response(body, content_type=ICS)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


REMINDER_CHOICES = (0, 2, 6, 12, 24, 48, 72)  # hours before a shift; 0: none


class NoticeForm(FlaskForm):
    """How a volunteer is told: by e-mail or not, how long before a shift, in what language."""

    email_notices = BooleanField(lazy_gettext("Tell me by e-mail when my shifts change"))
    sms_notices = BooleanField(lazy_gettext("Also by text message (SMS) to my phone"))
    remind_hours = SelectField(lazy_gettext("Remind me before each shift"), coerce=int)
    locale = SelectField(lazy_gettext("Language of my messages"))

    def offer(self) -> NoticeForm:
        self.remind_hours.choices = [
            (
                h,
                gettext("never")
                if h == 0
                else ngettext("%(num)s hour before", "%(num)s hours before", h),
            )
            for h in REMINDER_CHOICES
        ]
        self.locale.choices = list(i18n.LANGUAGES.items())
        return self


def notice_form(user: m.User) -> NoticeForm:
    form = NoticeForm(
        email_notices=user.email_notices,
        sms_notices=user.sms_notices,
        remind_hours=user.remind_hours
        if user.remind_hours is not None
        else outbox.reminder_hours(),
        locale=user.locale or current_app.config["DEFAULT_LOCALE"],
    )
    return form.offer()


@bp.post("/my/notices")
@roles_required(Role.VOLUNTEER)
def notice_settings():
    form = NoticeForm().offer()
    if not form.validate_on_submit():
        flash(gettext("Your notice settings were not saved: choose from the lists."), "error")
        return redirect(url_for("schedule.show"))
    current_user.email_notices = bool(form.email_notices.data)
    current_user.sms_notices = bool(form.sms_notices.data) and messenger.sms_on()
    current_user.remind_hours = int(form.remind_hours.data)
    current_user.locale = form.locale.data
    audit.record(
        "update",
        "notice_settings",
        str(current_user.id),
        email=current_user.email_notices,
        sms=current_user.sms_notices,
        remind_hours=current_user.remind_hours,
        locale=current_user.locale,
    )
    db.session.commit()
    refresh()  # the language just chosen, for the message below
    flash(gettext("Your notice settings are saved."))
    return redirect(url_for("schedule.show"))


@bp.get("/my/schedule")
@roles_required(Role.VOLUNTEER)
def show():
    data = own_data(current_user.volunteer_id)
    if data is None:
        return render_template("schedule/unlinked.html")
    if not current_user.calendar_token:  # first visit: the feed needs a token
        current_user.calendar_token = new_token()
        db.session.commit()
    shifts = data.shifts()
    confirmed = store.confirmed_pairs(s.need.id for s in shifts)
    from web import check_in

    windows = check_in.states(current_user.volunteer_id, shifts)
    return render_template(
        "schedule/show.html",
        check_in_open=windows.open,
        checked_in=windows.waiting,
        marked=windows.marked,
        confirmed={n for n, v in confirmed if v == current_user.volunteer_id},
        cutoff=cutoff_hours(),
        upcoming=[s for s in shifts if not s.ended],
        past=[s for s in reversed(shifts) if s.ended],
        feed_url=url_for("schedule.feed", token=current_user.calendar_token, _external=True),
        notices=notice_form(current_user),
        telegram_on=messenger.telegram_on(),
        telegram_start=(
            telegram.start_url(current_user.telegram_link)
            if current_user.telegram_link and messenger.telegram_on()
            else ""
        ),
        sms_on=messenger.sms_on(),
        credentials=db.session.scalars(
            select(m.Credential)
            .where(m.Credential.volunteer_id == current_user.volunteer_id)
            .order_by(m.Credential.credential, m.Credential.valid_from)
        ).all(),
    )


@bp.get("/my/schedule.ics")
@roles_required(Role.VOLUNTEER)
def download():
    data = own_data(current_user.volunteer_id)
    if data is None:
        flash(gettext("Your account is not linked to a volunteer in the current lists."), "error")
        return redirect(url_for("schedule.show"))
    return calendar_response(data, current_user.volunteer_id, "my-shifts.ics")


@bp.post("/my/calendar-token")
@roles_required(Role.VOLUNTEER)
def reset_token():
    """A new private address; the old one stops working at once (a leaked link, a lost phone)."""
    current_user.calendar_token = new_token()
    audit.record("reset", "calendar_token", str(current_user.id))
    db.session.commit()
    flash(
        gettext(
            "Your calendar has a new private address; the old one no longer works. "
            "Subscribe to the new address in your calendar app."
        )
    )
    return redirect(url_for("schedule.show"))


@bp.get("/calendar/<token>.ics")
def feed(token: str):
    """The subscription a calendar app polls: the token is the only key, so no session."""
    if not token or len(token) > 64:
        abort(404)
    user = db.session.scalars(select(m.User).where(m.User.calendar_token == token)).first()
    if user is None or not user.active or user.kind is not Role.VOLUNTEER:
        abort(404)
    volunteer_id = user.volunteer_id
    data = own_data(volunteer_id)
    if data is None or volunteer_id is None:
        abort(404)
    return calendar_response(data, volunteer_id, "shifts.ics")
