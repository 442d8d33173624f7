"""Credentials recorded one at a time, with their evidence, and verified by a coordinator.

- **A coordinator records** a volunteer's credential on the volunteer's page
  (`/volunteers/<id>/credentials`), with the scan or photo they were shown;
  it counts at once, verified by them. Whole sheets go through the
  volunteers upload (`web.coordination`).
- **A volunteer sends their own** (`/my/credentials`) with its evidence; it
  waits on the coordinators' list (`/credentials`) until one of their region
  looks at the file and verifies it, or refuses it with a reason the
  volunteer is told. Only verified credentials count for rule 8.
- **Withdrawing a verified one** (a forged test, a revoked licence) takes the
  volunteer off the published shifts that needed it, and tells them
  (`web.need_edits.without_credentials`).

Each value is judged by the engine as a one-row credentials sheet, so a
form says what an upload would. Verifying, refusing and withdrawing are each
one conditional statement on the row as it was shown: when two coordinators
act on one credential at once, one does and the other is told it is done.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import delete, func, select, update
from werkzeug.datastructures import FileStorage
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from scheduler import domain
from scheduler.intake.updates import changes_from_sheets, one_row
from scheduler.problems import InvalidInput, Problem
from web import (
    access,
    audit,
    credential_expiry,
    evidence,
    form_words,
    i18n,
    need_edits,
    notices,
    store,
)
from web import models as m
from web.access import COORDINATORS, roles_required
from web.models import Role, db
from web.tables import changed

bp = Blueprint("credentials", __name__)

FIELDS = ("credential", "valid_from", "valid_until")
MOST_WAITING = 20  # a volunteer's credentials waiting for a coordinator at once
LISTED = 200  # the longest list the coordinators' page shows at once


def _day(label: str, description: str) -> StringField:
    # typed in the page's format, as the need form's date: never the browser's picker
    return StringField(
        label, [Length(max=40)], description=description, render_kw={"inputmode": "numeric"}
    )


class CredentialForm(FlaskForm):
    credential = StringField(
        lazy_gettext("Credential"),
        [Length(max=100)],
        description=lazy_gettext("As the needs name it, e.g. pcr_test or red zone training."),
        render_kw={"list": "known-credentials", "autocomplete": "off"},
    )
    valid_from = _day(lazy_gettext("Valid from"), lazy_gettext("Optional: its first day."))
    valid_until = _day(
        lazy_gettext("Valid until"),
        lazy_gettext("Optional: its last day; leave it empty for one that does not expire."),
    )
    evidence = FileField(
        lazy_gettext("Evidence"),
        description=lazy_gettext(
            "A scan or photo of the document: PDF, JPEG, PNG, WebP or HEIC, up to 10 MB."
        ),
    )


class OwnCredentialForm(CredentialForm):
    evidence = FileField(
        CredentialForm.evidence.args[0],
        [FileRequired(lazy_gettext("Attach a scan or photo: a coordinator checks it first."))],
        description=CredentialForm.evidence.kwargs["description"],
    )


class RefusalForm(FlaskForm):
    reason = StringField(
        lazy_gettext("Why"),
        [
            DataRequired(lazy_gettext("Say why, so the volunteer can put it right.")),
            Length(max=500),
        ],
    )


def credential_form(cls: type[CredentialForm] = CredentialForm) -> CredentialForm:
    form = cls()
    for day in (form.valid_from, form.valid_until):
        day.render_kw = {**(day.render_kw or {}), "placeholder": i18n.date_hint()}
    return form


def judged(volunteer_id: str, form: CredentialForm) -> domain.Credential:
    """The form's credential as the engine reads a one-row sheet; raises `InvalidInput`."""
    values = {
        "volunteer_id": volunteer_id,
        "credential": form.credential.data,
        "valid_from": i18n.typed_date(str(form.valid_from.data or "")),
        "valid_until": i18n.typed_date(str(form.valid_until.data or "")),
    }
    base = store.load(facility_ids=(), volunteer_ids=[volunteer_id])
    changes = changes_from_sheets(one_row("credentials", values), base, {"credentials"})
    (held,) = changes.credentials[volunteer_id]
    return held


def record(volunteer_id: str, form: CredentialForm, *, verified: bool) -> list[Problem] | None:
    """Store the posted credential (with its evidence), verified by the poster when
    `verified`; None when stored, else the problems not shown next to a field."""
    if not form.validate_on_submit():
        return []
    try:
        held = judged(volunteer_id, form)
    except InvalidInput as exc:
        return form_words.place_problems(form, exc.problems, FIELDS)
    name = kind = ""
    file = form.evidence.data
    if isinstance(file, FileStorage) and file.filename:
        try:
            name, kind = evidence.keep(file)
        except evidence.Unusable as exc:
            form.evidence.errors = [str(exc)]
            return []
    now = m.utcnow()
    db.session.add(
        m.Credential(
            volunteer_id=volunteer_id,
            credential=held.credential,
            valid_from=held.valid_from,
            valid_until=held.valid_until,
            evidence=name,
            evidence_type=kind,
            recorded_at=now,
            recorded_by=current_user.id,
            verified_at=now if verified else None,
            verified_by=current_user.id if verified else None,
        )
    )
    audit.record(
        "create", "credential", volunteer_id, credential=held.credential, verified=verified
    )
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        evidence.discard(name)
        raise
    return None


def known_credentials() -> list[str]:
    """The credentials people hold or needs ask for, offered as the field is typed."""
    held = select(m.Credential.credential).distinct()
    asked = select(m.Need.requires).where(m.Need.requires != "").distinct().limit(1000)
    names = set(db.session.scalars(held).all())
    for requires in db.session.scalars(asked):
        names.update(store.split_ids(requires))
    return sorted(names)


def listed(volunteer_id: str) -> list[m.Credential]:
    return list(
        db.session.scalars(
            select(m.Credential)
            .where(m.Credential.volunteer_id == volunteer_id)
            .order_by(m.Credential.credential, m.Credential.valid_from, m.Credential.id)
        )
    )


def names_of(account_ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in account_ids if i is not None}
    rows = db.session.execute(select(m.User.id, m.User.name).where(m.User.id.in_(ids)))
    return {account_id: name for account_id, name in rows}


# --- coordinators ------------------------------------------------------------------------------


def volunteer_or_404(volunteer_id: str) -> m.Volunteer:
    query = access.volunteers_query(current_user).where(m.Volunteer.id == volunteer_id)
    volunteer = db.session.scalars(query).first()
    if volunteer is None:
        abort(404)
    return volunteer


def credential_or_404(credential_id: int) -> m.Credential:
    """A credential of a volunteer in the coordinator's scope (404 otherwise)."""
    row = _in_scope(credential_id)
    if row is None:
        abort(404)
    return row


def _in_scope(credential_id: int) -> m.Credential | None:
    people = access.volunteers_query(current_user).with_only_columns(m.Volunteer.id)
    return db.session.scalars(
        select(m.Credential).where(
            m.Credential.id == credential_id, m.Credential.volunteer_id.in_(people.order_by(None))
        )
    ).first()


@bp.get("/credentials")
@roles_required(*COORDINATORS)
def queue():
    """Sent by volunteers and waiting to be checked, oldest first; then those running out."""
    people = access.volunteers_query(current_user).with_only_columns(m.Volunteer.id).order_by(None)
    waiting_query = (
        select(m.Credential, m.Volunteer.name)
        .join(m.Volunteer, m.Volunteer.id == m.Credential.volunteer_id)
        .where(m.Credential.verified_at.is_(None), m.Credential.volunteer_id.in_(people))
    )
    total = db.session.scalar(waiting_query.with_only_columns(func.count()).order_by(None))
    waiting = db.session.execute(
        waiting_query.order_by(m.Credential.recorded_at, m.Credential.id).limit(LISTED)
    ).all()
    region = None if current_user.kind is Role.NATIONAL else current_user.region or ""
    running_out = credential_expiry.expiring(credential_expiry.today(), region)
    return render_template(
        "credentials/queue.html",
        waiting=waiting,
        total=total or 0,
        running_out=running_out[:LISTED],
        more_running_out=max(0, len(running_out) - LISTED),
        refusal=RefusalForm(formdata=None),
    )


@bp.route("/volunteers/<volunteer_id>/credentials", methods=["GET", "POST"])
@roles_required(*COORDINATORS)
def of_volunteer(volunteer_id: str):
    volunteer = volunteer_or_404(volunteer_id)
    form = credential_form()
    problems = record(volunteer.id, form, verified=True) if request.method == "POST" else []
    if problems is None:
        flash(gettext("The credential is recorded, verified by you; it counts from now."))
        return redirect(url_for("credentials.of_volunteer", volunteer_id=volunteer.id), 303)
    rows = listed(volunteer.id)
    page = render_template(
        "credentials/volunteer.html",
        volunteer=volunteer,
        rows=rows,
        names=names_of({r.verified_by for r in rows} | {r.recorded_by for r in rows}),
        form=form,
        problems=problems,
        known=known_credentials(),
        refusal=RefusalForm(formdata=None),
    )
    return page, 400 if request.method == "POST" else 200


def on_credential(view: Callable[[m.Credential], ResponseReturnValue]) -> Callable:
    """A coordinator's action on one credential, given the row: when it is gone (another
    coordinator refused or withdrew it a moment ago) the list says so; out of scope, 404."""

    @wraps(view)
    def acting(credential_id: int) -> ResponseReturnValue:
        row = _in_scope(credential_id)
        if row is not None and request.form.get("seen", seen(row)) == seen(row):
            return view(row)
        if row is not None:  # the id names another credential now (SQLite reuses ids)
            return _dealt_with(None)
        if db.session.get(m.Credential, credential_id) is None:  # gone, maybe a moment ago
            return _dealt_with(None)
        abort(404)

    return acting


def seen(row: m.Credential) -> str:
    """What a page's button says it acts on, beside the id: when the row was recorded. An id
    alone may name another credential by the click (SQLite gives a deleted row's id again)."""
    return row.recorded_at.isoformat() if row.recorded_at else ""


def _dealt_with(volunteer_id: str | None):
    """Another coordinator acted on the credential first: nothing is changed here."""
    db.session.rollback()
    flash(gettext("Someone has already dealt with this credential."), "error")
    return _back(volunteer_id)


def _back(row_volunteer: str | None):
    if row_volunteer is not None and request.form.get("back") == "volunteer":
        return redirect(url_for("credentials.of_volunteer", volunteer_id=row_volunteer), 303)
    return redirect(url_for("credentials.queue"), 303)


@bp.post("/credentials/<int:credential_id>/verify")
@roles_required(*COORDINATORS)
@on_credential
def verify(row: m.Credential):
    credential_id = row.id
    volunteer_id, credential = row.volunteer_id, row.credential
    done = changed(
        update(m.Credential)
        .where(m.Credential.id == credential_id, m.Credential.verified_at.is_(None))
        .values(verified_at=m.utcnow(), verified_by=current_user.id)
    )
    if done:
        audit.record("verify", "credential", volunteer_id, credential=credential)
        db.session.commit()
        named = i18n.credential_name(credential)
        flash(gettext("Verified: %(credential)s counts from now.", credential=named))
        return _back(volunteer_id)
    return _dealt_with(volunteer_id)


@bp.post("/credentials/<int:credential_id>/refuse")
@roles_required(*COORDINATORS)
@on_credential
def refuse(row: m.Credential):
    credential_id = row.id
    volunteer_id, credential, name = row.volunteer_id, row.credential, row.evidence
    form = RefusalForm()
    if not form.validate_on_submit():
        flash(" ".join(map(str, form.reason.errors)) or gettext("Say why."), "error")
        return _back(volunteer_id)
    done = changed(
        delete(m.Credential).where(
            m.Credential.id == credential_id, m.Credential.verified_at.is_(None)
        )
    )
    if not done:
        return _dealt_with(volunteer_id)
    reason = str(form.reason.data).strip()
    audit.record("refuse", "credential", volunteer_id, credential=credential, reason=reason)
    notices.credential_refused(volunteer_id, credential, reason)
    db.session.commit()
    evidence.discard(name)
    notices.wake()
    flash(gettext("Refused; the volunteer is told why."))
    return _back(volunteer_id)


@bp.post("/credentials/<int:credential_id>/withdraw")
@roles_required(*COORDINATORS)
@on_credential
def withdraw(row: m.Credential):
    credential_id = row.id
    if row.verified_at is None:  # waiting ones are refused, with a reason, not withdrawn
        return _dealt_with(row.volunteer_id)
    volunteer_id, credential, name = row.volunteer_id, row.credential, row.evidence
    store.hold("publish")  # the roster changes with it
    if not changed(delete(m.Credential).where(m.Credential.id == credential_id)):
        return _dealt_with(volunteer_id)
    taken_off = need_edits.without_credentials({volunteer_id})
    audit.record("withdraw", "credential", volunteer_id, credential=credential, taken_off=taken_off)
    db.session.commit()
    evidence.discard(name)
    notices.wake()
    message = gettext("The credential is withdrawn.")
    if taken_off:
        message += " " + gettext(
            "The volunteer is off %(count)s published shift(s) that required it, and is told.",
            count=taken_off,
        )
    flash(message)
    return _back(volunteer_id)


@bp.get("/credentials/<int:credential_id>/evidence")
@roles_required(Role.NATIONAL, Role.REGIONAL, Role.VOLUNTEER)
def evidence_file(credential_id: int):
    """The file, to the volunteer it belongs to and the coordinators of their region."""
    if current_user.kind is Role.VOLUNTEER:
        row = db.session.get(m.Credential, credential_id)
        if row is None or row.volunteer_id != current_user.volunteer_id:
            abort(404)
    else:
        row = credential_or_404(credential_id)
    found = evidence.path_of(row.evidence)
    if found is None or row.evidence_type not in evidence.KINDS:
        abort(404)
    ending = evidence.KINDS[row.evidence_type]
    response = send_file(
        found,
        mimetype=row.evidence_type,
        download_name=f"{row.credential}-{row.volunteer_id}.{ending}",
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- volunteers ------------------------------------------------------------------------------


@bp.route("/my/credentials", methods=["GET", "POST"])
@roles_required(Role.VOLUNTEER)
def mine():
    volunteer_id = current_user.volunteer_id
    if volunteer_id is None or db.session.get(m.Volunteer, volunteer_id) is None:
        flash(gettext("Your account is not linked to a volunteer in the current lists."), "error")
        return redirect(url_for("schedule.show"))
    form = credential_form(OwnCredentialForm)
    problems: list[Problem] | None = []
    if request.method == "POST":
        waiting = db.session.scalar(
            select(func.count()).where(
                m.Credential.volunteer_id == volunteer_id, m.Credential.verified_at.is_(None)
            )
        )
        if (waiting or 0) >= MOST_WAITING:
            form.validate_on_submit()
            form.credential.errors = [
                gettext(
                    "%(count)s of your credentials are waiting to be checked; send more once "
                    "a coordinator has checked them.",
                    count=waiting,
                )
            ]
        else:
            problems = record(volunteer_id, form, verified=False)
    if problems is None:
        flash(gettext("Sent: a coordinator of your region checks it, then it counts."))
        return redirect(url_for("credentials.mine"), 303)
    page = render_template(
        "credentials/mine.html",
        rows=listed(volunteer_id),
        form=form,
        problems=problems,
        known=known_credentials(),
    )
    return page, 400 if request.method == "POST" else 200


@bp.post("/my/credentials/<int:credential_id>/withdraw")
@roles_required(Role.VOLUNTEER)
def withdraw_mine(credential_id: int):
    """A volunteer takes back one they sent that is still waiting (a wrong photo)."""
    row = db.session.get(m.Credential, credential_id)
    if row is None or row.volunteer_id != current_user.volunteer_id:
        abort(404)
    name, volunteer_id, credential = row.evidence, row.volunteer_id, row.credential
    done = changed(
        delete(m.Credential).where(
            m.Credential.id == credential_id, m.Credential.verified_at.is_(None)
        )
    )
    if not done:
        db.session.rollback()
        flash(gettext("It is already checked; ask a coordinator to change it."), "error")
        return redirect(url_for("credentials.mine"), 303)
    audit.record("withdraw", "credential", volunteer_id, credential=credential)
    db.session.commit()
    evidence.discard(name)
    flash(gettext("Taken back."))
    return redirect(url_for("credentials.mine"), 303)
