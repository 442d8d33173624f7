"""A certificate of hours: a PDF a volunteer hands their university or employer, and the public
page that says whether one is genuine.

The PDF (`/my/hours/certificate.pdf?from=&to=`) is rendered by WeasyPrint
from an HTML template, in the volunteer's language: the organisation's name
(`SCHEDULER_ORGANISATION`), the volunteer, the facilities, each shift's date
and hours, the totals (night hours apart), and a verification code with the
address of its page. What it states is stored under that code as it is
issued; asking again for the same period, with the same hours, gives the
same code. The page (`/certificates/<code>`, no sign-in, rate-limited) shows
exactly what the certificate states, so a reader can compare; a code that
was never issued is "not found", and nothing else is revealed.
"""

from __future__ import annotations

import datetime as dt
import secrets

import weasyprint
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from scheduler.outputs.hours import total
from web import hours, i18n, schedule
from web import models as m
from web.access import roles_required
from web.extensions import limiter
from web.models import Role, db

bp = Blueprint("certificates", __name__)

CODE_GROUPS = 3  # XXXX-XXXX-XXXX: 48 random bits


def organisation() -> str:
    return str(current_app.config.get("ORGANISATION") or gettext("Volunteer staffing headquarters"))


def new_code() -> str:
    raw = secrets.token_hex(2 * CODE_GROUPS).upper()
    return "-".join(raw[k : k + 4] for k in range(0, len(raw), 4))


def normalised(code: str) -> str:
    plain = "".join(c for c in code.upper() if c.isalnum())[: 4 * CODE_GROUPS]
    return "-".join(plain[k : k + 4] for k in range(0, len(plain), 4))


def issued(volunteer: m.Volunteer, entries: list[hours.Entry], first, last) -> m.Certificate:
    """The certificate stating these entries: the one already issued for the same, or new."""
    summed = total(e.worked for e in entries)
    facilities = sorted({e.facility for e in entries}, key=str.casefold)
    language = i18n.language()
    same = db.session.scalars(
        select(m.Certificate).where(
            m.Certificate.volunteer_id == volunteer.id,
            m.Certificate.first_day == first,
            m.Certificate.last_day == last,
            m.Certificate.minutes == summed.minutes,
            m.Certificate.night_minutes == summed.night_minutes,
            m.Certificate.shifts == len(entries),
            m.Certificate.language == language,
        )
    ).first()
    if same is not None and same.volunteer_name == volunteer.name:
        return same
    certificate = m.Certificate(
        code=new_code(),
        volunteer_id=volunteer.id,
        volunteer_name=volunteer.name,
        first_day=first,
        last_day=last,
        minutes=summed.minutes,
        night_minutes=summed.night_minutes,
        shifts=len(entries),
        facilities=facilities,
        language=language,
        issued_at=schedule.now().astimezone(dt.UTC).replace(tzinfo=None),
    )
    db.session.add(certificate)
    db.session.commit()
    return certificate


@bp.get("/my/hours/certificate.pdf")
@roles_required(Role.VOLUNTEER)
@limiter.limit(lambda: current_app.config.get("CERTIFICATE_RATE_LIMIT", "30 per minute"))
def pdf():
    first, last, good = hours.period()
    volunteer = db.session.get(m.Volunteer, current_user.volunteer_id or "")
    back = redirect(url_for("hours.mine"), 303)
    if volunteer is None:
        flash(gettext("Your account is not linked to a volunteer in the current lists."), "error")
        return back
    if not good or first is None or last is None:
        flash(gettext("Choose the period as two days, the first before the last."), "error")
        return back
    entries = hours.ledger(volunteer.id, first, last)
    if not entries:
        flash(gettext("No confirmed hours in this period: there is nothing to certify."), "error")
        return back
    certificate = issued(volunteer, entries, first, last)
    page = render_template(
        "certificates/certificate.html",
        certificate=certificate,
        entries=entries,
        organisation=organisation(),
        check_url=url_for("certificates.show", code=certificate.code, _external=True),
    )
    document = weasyprint.HTML(string=page, base_url=request.host_url).write_pdf()
    name = f"certificate-{certificate.code}.pdf"
    return Response(
        document,
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )


@bp.get("/certificates")
@limiter.limit(lambda: current_app.config.get("CERTIFICATE_RATE_LIMIT", "30 per minute"))
def find():
    """Type a code: where a reader goes from the address printed on the certificate."""
    code = request.args.get("code", "").strip()
    if code:
        return redirect(url_for("certificates.show", code=normalised(code)), 303)
    return render_template("certificates/find.html")


@bp.get("/certificates/<code>")
@limiter.limit(lambda: current_app.config.get("CERTIFICATE_RATE_LIMIT", "30 per minute"))
def show(code: str):
    certificate = db.session.get(m.Certificate, normalised(code)) if len(code) <= 40 else None
    if certificate is None:
        return render_template("certificates/unknown.html", code=code[:40]), 404
    return render_template(
        "certificates/show.html", certificate=certificate, organisation=organisation()
    )
