"""The coordinators' view of the outbox: what was sent to whom, what failed and why.

A national coordinator sees every notice; a regional one the notices of
their region's volunteers. Failed notices come first, with the server's own
words; "Send again" puts one back in the queue (say, after fixing an
address, or when the sender stopped mid-send and the volunteer says
nothing came).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext, lazy_pgettext
from flask_login import current_user
from sqlalchemy import case, select, update

from web import audit, messenger, notices, outbox
from web import models as m
from web.access import COORDINATORS, roles_required, volunteers_query
from web.models import NoticeState, Role, db, utcnow
from web.paging import page_number

bp = Blueprint("notice_log", __name__)

PER_PAGE = 50
STATES = {
    NoticeState.FAILED: lazy_pgettext("notice state", "failed"),
    NoticeState.SENDING: lazy_pgettext("notice state", "sending"),
    NoticeState.PENDING: lazy_pgettext("notice state", "waiting to be sent"),
    NoticeState.SENT: lazy_pgettext("notice state", "sent"),
}
CHANNELS = {"email": lazy_gettext("e-mail"), "telegram": "Telegram", "sms": "SMS"}
KINDS = {
    "roster_changed": lazy_gettext("shifts changed"),
    "shift_withdrawn": lazy_gettext("shift withdrawn"),
    "shift_declined": lazy_gettext("a volunteer cannot come"),
    "reminder": lazy_gettext("reminder"),
    "taken_off": lazy_gettext("taken off a shift"),
    "invitation": lazy_gettext("invited to an open place"),
    "cover_alert": lazy_gettext("an open place nobody took"),
    "swapped_away": lazy_gettext("a colleague took an offered shift"),
    "swap_offer": lazy_gettext("a colleague offers a shift"),
    "request_decided": lazy_gettext("a request decided"),
    "credential_refused": lazy_gettext("a credential not accepted"),
    "credential_expiring": lazy_gettext("a credential running out"),
    "credentials_at_risk": lazy_gettext("credentials running out before shifts"),
}


def reason(notice: m.Notice) -> str:
    code, _, channel = notice.last_error.partition(":")
    channel = str(CHANNELS.get(channel, channel))
    if code == messenger.UNUSABLE:
        return gettext(
            "The site's %(channel)s setting is not an address the sending library can use; "
            "ask whoever runs the server to check it.",
            channel=channel,
        )
    if code == messenger.SILENT:
        return gettext(
            "The %(channel)s service did not take the message and gave no reason.",
            channel=channel,
        )
    if notice.last_error == outbox.STOPPED_MID_SEND:
        return gettext(
            "The sender stopped while sending this notice, so it may or may not have arrived; "
            "it is not sent again by itself. Ask the volunteer, or send it again."
        )
    return notice.last_error


def notices_query(user: m.User):
    """A national coordinator sees every notice; a regional one those to their region's
    volunteers and those to themselves (not a colleague's, though about their volunteer)."""
    query = select(m.Notice)
    if user.kind is not Role.NATIONAL:
        mine = volunteers_query(user).with_only_columns(m.Volunteer.id).order_by(None)
        to_volunteer = m.Notice.account_id.is_(None) & m.Notice.volunteer_id.in_(mine)
        query = query.where(to_volunteer | (m.Notice.account_id == user.id))
    return query


@bp.get("/plan/notices")
@roles_required(*COORDINATORS)
def index():
    state = request.args.get("state", "")
    query = notices_query(current_user)
    if state in STATES:
        query = query.where(m.Notice.state == state)
    first = case(
        (m.Notice.state == NoticeState.FAILED, 0),
        (m.Notice.state == NoticeState.SENDING, 1),
        (m.Notice.state == NoticeState.PENDING, 2),
        else_=3,
    )
    page = db.paginate(
        query.order_by(first, m.Notice.created_at.desc(), m.Notice.id.desc()),
        page=page_number(),
        per_page=PER_PAGE,
        error_out=False,
    )
    ids = {n.volunteer_id for n in page.items}
    rows = db.session.execute(
        select(m.Volunteer.id, m.Volunteer.name).where(m.Volunteer.id.in_(ids))
    )
    names = {volunteer_id: name for volunteer_id, name in rows}
    return render_template(
        "notices/index.html",
        page=page,
        names=names,
        state=state if state in STATES else "",
        states=STATES,
        kinds=KINDS,
        reason=reason,
        channels=CHANNELS,
    )


@bp.post("/plan/notices/<int:notice_id>/resend")
@roles_required(*COORDINATORS)
def resend(notice_id: int):
    """A failed notice back in the queue, from its first attempt."""
    mine = notices_query(current_user).where(m.Notice.id == notice_id)
    if db.session.execute(mine).first() is None:
        abort(404)
    again = db.session.execute(
        update(m.Notice)
        .where(m.Notice.id == notice_id, m.Notice.state == NoticeState.FAILED)
        .values(state=NoticeState.PENDING, attempts=0, last_error="", next_attempt_at=utcnow())
        .returning(m.Notice.id)
    ).first()
    if again is None:
        flash(gettext("Notice %(id)s has not failed; nothing was sent again.", id=notice_id))
        return redirect(url_for("notice_log.index"))
    audit.record("resend", "notice", str(notice_id))
    db.session.commit()
    notices.wake()
    flash(gettext("Notice %(id)s is sent again.", id=notice_id))
    return redirect(url_for("notice_log.index"))
