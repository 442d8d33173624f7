"""Needs: hospital staff post the shifts they want filled; coordinators see their region's.

A form, a JSON body and an uploaded file are all judged by the engine
(`scheduler.intake.updates`) exactly as a whole input is, against what is stored and
what the person may change, so a hospital cannot post for another hospital
however it fills the form. The view only stores what comes back, in one
transaction, with its audit entry. `web.api` shares the helpers here.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext, lazy_gettext, ngettext
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import Select, select
from werkzeug.datastructures import FileStorage
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length

from scheduler import domain
from scheduler.domain import DEFAULT_COVER
from scheduler.intake import cells
from scheduler.intake.needs_template import build_needs_template
from scheduler.intake.raw import RawSheet
from scheduler.intake.schema import columns
from scheduler.intake.updates import Changes, changes_from_sheets, named_in, one_row, read_upload
from scheduler.problems import InvalidInput, Problem
from web import access, audit, form_words, i18n, need_edits, notices, store
from web import models as m
from web.access import STAFF, roles_required
from web.coming import Coming, coming_to, facility_names
from web.models import db
from web.paging import page_number
from web.roster_changes import Shift

bp = Blueprint("needs", __name__)

PER_PAGE = 50  # rows of the needs list (the API pages on its own)
REPLACED_SHOWN = 25  # needs an upload replaced, listed by id and shift; the rest are counted
FIELDS = ("facility_id", "date", "start", "end", "role", "count", "priority", "requires")
PRIORITIES = [
    SelectChoice(str(p), lazy_gettext("%(number)s · %(name)s", number=p, name=name))
    for p, name in i18n.PRIORITY_NAMES.items()
]
NEEDS_COLUMNS = columns("needs")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- shared with the API ----------------------------------------------------------------------


def needs_in_scope(facility_id: str = "", day: dt.date | None = None) -> Select:
    """The current user's needs, optionally of one facility and one day, in shift order."""
    query = access.needs_query(current_user)
    if facility_id:
        query = query.where(m.Need.facility_id == facility_id)
    if day is not None:
        query = query.where(m.Need.date == day)
    return query.order_by(m.Need.date, m.Need.start, m.Need.facility_id, m.Need.role, m.Need.id)


def parse_day(text: str) -> dt.date | None:
    """A date filter as typed (ISO, or DD.MM.YYYY); raises `CellError` with the engine's
    message."""
    return cells.date(i18n.typed_date(text)) if text.strip() else None


def save_need(values: Mapping[str, object], need_id: str | None = None) -> tuple[m.Need, bool]:
    """Judge one need as a one-row upload, then store and audit it; raises `InvalidInput`.

    Returns the stored need and whether it replaced one (an edit, or a posted
    shift posted again).
    """
    changes, base = judged(one_row("needs", {**values, "need_id": need_id}))
    (need,) = changes.needs
    replaced = need.id in base.need_by_id
    store.apply(changes)
    taken_off = need_edits.settle(base.need_by_id, changes.needs)
    audit.record(
        "edit" if replaced else "create", "need", need.id, **described(need), taken_off=taken_off
    )
    db.session.commit()
    notices.wake()
    return db.session.get(m.Need, need.id), replaced  # type: ignore[return-value]


def judged(
    found: dict[str, RawSheet], problems: list[Problem] | None = None
) -> tuple[Changes, domain.Dataset]:
    """The changes a needs sheet brings, and the stored input they were judged against.

    Judged against the facilities the sheet names and the needs it names by
    id, not the whole country: a need saved at one hospital reads that
    hospital. Should a resulting id belong to a stored need not read (an id
    typed by hand elsewhere that equals a generated one), it is judged again
    against everything.
    """
    scope = access.scope(current_user)
    named = found.get("needs")
    if named is None:
        base = store.load(facility_ids=(), volunteer_ids=())
    else:
        need_ids = named_in(named, "need_id")
        facility_ids = named_in(named, "facility_id") | store.facilities_of_needs(need_ids)
        base = store.load(facility_ids, volunteer_ids=())
    changes = changes_from_sheets(found, base, {"needs"}, scope, problems)
    if store.unread_needs([n.id for n in changes.needs], base):
        base = store.load()
        changes = changes_from_sheets(found, base, {"needs"}, scope, problems)
    return changes, base


def withdraw_need(need: m.Need) -> list[Coming]:
    """Delete the need (the published roster keeps its rows) and tell whoever was rostered for
    it (`web.notices`); return them."""
    store.hold("publish")  # a publish at the same moment sees the need gone, or tells nobody
    people = coming_to([need.id]).get(need.id, [])
    told = notices.need_withdrawn(need, [p.volunteer_id for p in people])
    store.forget_answers(need_ids=[need.id])  # a need posted again later starts unanswered
    audit.record("withdraw", "need", need.id, **described(need), rostered=len(people), notices=told)
    db.session.delete(need)
    db.session.commit()
    notices.wake()
    return people


def described(need: domain.Need | m.Need) -> dict[str, object]:
    """A need as the audit log keeps it: the cells a person would have typed."""
    return {
        "facility_id": need.facility_id,
        "date": need.date.isoformat(),
        "start": f"{need.start:%H:%M}",
        "end": f"{need.end:%H:%M}",
        "role": need.role,
        "count": need.count,
        "priority": int(need.priority),
        "requires": "; ".join(
            need.requires if isinstance(need.requires, tuple) else store.split_ids(need.requires)
        ),
    }


def role_names() -> list[str]:
    """The roles of the stored role table (the contract's defaults when none is stored)."""
    stored = db.session.scalars(select(m.RoleCover.role).order_by(m.RoleCover.role)).all()
    return list(stored) or list(DEFAULT_COVER)


# --- the list ---------------------------------------------------------------------------------

LIST_ARGS = ("facility", "date", "page")


def list_args() -> dict[str, Any]:
    """The list's filter and page this request carries (from the list's links), to go back to."""
    found = {key: request.values.get(key, "").strip()[:40] for key in LIST_ARGS}
    return {key: value for key, value in found.items() if value}


def back_to_list(**default: str) -> str:
    """The list as the person left it (filter and page), else as `default` narrows it."""
    return url_for("needs.index", **(list_args() or default))


@bp.get("/needs")
@roles_required(*STAFF)
def index():
    facility_id = request.args.get("facility", "").strip()
    date_text = request.args.get("date", "")
    facilities = db.session.scalars(access.facilities_query(current_user)).all()
    shown = {"facilities": facilities, "facility_id": facility_id, "date_text": date_text}
    try:
        day = parse_day(date_text)
    except cells.CellError:  # typed wrong, or an address typed by hand
        error = gettext("Choose a day, e.g. %(example)s.", example=form_words.date_example())
        return render_template("needs/index.html", page=None, error=error, **shown), 400
    if day is not None:
        shown["date_text"] = i18n.date_field(day)  # in the page's own format
    by_day = needs_in_scope(facility_id, day).order_by(None)
    by_day = by_day.order_by(m.Need.date, m.Need.facility_id, m.Need.start, m.Need.role, m.Need.id)
    page = page_of(by_day, PER_PAGE)
    return render_template(
        "needs/index.html",
        page=page,
        error="",
        names={f.id: f.name for f in facilities},
        coming=coming_to([n.id for n in page.items]),
        back=list_args(),
        **shown,
    )


def page_of(query: Select, per_page: int) -> Pagination:
    """The page `?page=` asks for (`web.paging`); after the last page, the last page.

    A stale link past the end would otherwise show an empty table that reads as "no needs".
    """
    page = db.paginate(query, page=page_number(), per_page=per_page, error_out=False)
    if page.page > page.pages > 0:
        page = db.paginate(query, page=page.pages, per_page=per_page, error_out=False)
    return page


# --- one need ---------------------------------------------------------------------------------


class NeedForm(FlaskForm):
    """Only CSRF and lengths are checked here: every value is judged by the engine."""

    facility_id = SelectField(lazy_gettext("Facility"), validate_choice=False)
    # Typed as text in the page's format, not the browser's date and time pickers: those
    # follow the browser's language (05/18/2020, 12:00 AM on an English one) whatever the
    # page says, and a 24-hour clock is what a shift is planned by.
    date = StringField(lazy_gettext("Date"), [Length(max=40)], render_kw={"inputmode": "numeric"})
    start = StringField(
        lazy_gettext("Start"), [Length(max=20)], render_kw={"inputmode": "numeric", "size": 5}
    )
    end = StringField(
        lazy_gettext("End"),
        [Length(max=20)],
        description=lazy_gettext("An end at or before the start is on the next day."),
        render_kw={"inputmode": "numeric", "size": 5},
    )
    role = SelectField(lazy_gettext("Role"), validate_choice=False)
    count = StringField(
        lazy_gettext("Volunteers wanted"),
        [Length(max=20)],
        render_kw={"type": "number", "min": 1},
    )
    priority = SelectField(
        lazy_gettext("Priority"), choices=PRIORITIES, default="2", validate_choice=False
    )
    requires = StringField(
        lazy_gettext("Credentials required"),
        [Length(max=2000)],
        description=lazy_gettext(
            "Optional: what every volunteer on it must hold on the shift's days, separated "
            "by ; (e.g. pcr_test; red_zone_training)."
        ),
    )


def need_form(need: m.Need | None = None) -> NeedForm:
    data = None
    if need is not None:
        data = {
            "facility_id": need.facility_id,
            "date": i18n.date_field(need.date),
            "start": f"{need.start:%H:%M}",
            "end": f"{need.end:%H:%M}",
            "role": need.role,
            "count": str(need.count),
            "priority": str(need.priority),
            "requires": "; ".join(store.split_ids(need.requires)),
        }
    form = NeedForm(data=data)
    form.date.render_kw = {**(form.date.render_kw or {}), "placeholder": i18n.date_hint()}
    for clock in (form.start, form.end):
        clock.render_kw = {**(clock.render_kw or {}), "placeholder": gettext("HH:MM")}
    facilities = db.session.scalars(access.facilities_query(current_user))
    form.facility_id.choices = [SelectChoice(f.id, f"{f.name} ({f.id})") for f in facilities]
    form.role.choices = [SelectChoice(r, i18n.role_name(r)) for r in role_names()]
    return form


def submit(form: NeedForm, need: m.Need | None = None):
    """Store a posted form, or show it again with the engine's problems (400)."""
    if form.validate_on_submit():
        values = {name: form[name].data for name in FIELDS}
        values["date"] = i18n.typed_date(str(values["date"] or ""))
        try:
            saved, replaced = save_need(values, need.id if need else None)
        except InvalidInput as exc:
            problems = form_words.place_problems(form, exc.problems, FIELDS)
        else:
            if need is None and replaced:
                flash(
                    gettext("This shift was already posted as %(id)s; it is updated.", id=saved.id)
                )
            elif replaced:
                flash(gettext("Need %(id)s is updated.", id=saved.id))
                return redirect(back_to_list(facility=saved.facility_id))
            else:
                flash(gettext("Need %(id)s is posted.", id=saved.id))
            # the day of the need just posted, where it is sure to be seen
            day = saved.date.isoformat()
            return redirect(url_for("needs.index", facility=saved.facility_id, date=day))
    else:
        problems = []
    status = 400 if request.method == "POST" else 200
    page = render_template(
        "needs/form.html", form=form, need=need, problems=problems, back=list_args()
    )
    return page, status


@bp.route("/needs/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def create():
    return submit(need_form())


@bp.route("/needs/<need_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def edit(need_id: str):
    need = access.need_or_404(current_user, need_id)
    return submit(need_form(need), need)


@bp.get("/needs/<need_id>/withdraw")
@roles_required(*STAFF)
def confirm_withdraw(need_id: str):
    """Ask before withdrawing: the shift, and the rostered volunteers who must be told."""
    need = access.need_or_404(current_user, need_id)
    return render_template(
        "needs/withdraw.html",
        need=need,
        facility=facility_names([need.facility_id]).get(need.facility_id, need.facility_id),
        people=coming_to([need.id]).get(need.id, []),
        back=list_args(),
    )


@bp.post("/needs/<need_id>/withdraw")
@roles_required(*STAFF)
def withdraw(need_id: str):
    """Withdraw once confirmed (the confirmation page's form says so); else ask first."""
    need = access.need_or_404(current_user, need_id)
    if request.form.get("confirmed") != "yes":
        return redirect(url_for("needs.confirm_withdraw", need_id=need.id, **list_args()), 303)
    facility_id = need.facility_id
    people = withdraw_need(need)
    message = gettext("Need %(id)s is withdrawn.", id=need_id)
    if people:
        message += " " + ngettext(
            "%(num)s volunteer was rostered for it; tell them it is off: %(people)s.",
            "%(num)s volunteers were rostered for it; tell them it is off: %(people)s.",
            len(people),
            people="; ".join(contact(p) for p in people),
        )
    flash(message)
    return redirect(back_to_list(facility=facility_id))


def contact(person: Coming) -> str:
    """'Anna Petrova, +7 912 000-00-00': whom to call and the number."""
    return f"{person.name}, {person.phone}" if person.phone else person.name


# --- files --------------------------------------------------------------------------------


class UploadForm(FlaskForm):
    file = FileField(
        lazy_gettext("Needs file"),
        validators=[
            FileRequired(lazy_gettext("Choose a workbook (.xlsx) or a CSV file to upload.")),
            FileAllowed(["xlsx", "csv"], lazy_gettext("Upload an .xlsx workbook or a .csv file.")),
        ],
        description=lazy_gettext("An .xlsx workbook with a needs sheet, or a needs .csv file."),
    )


@bp.route("/needs/upload", methods=["GET", "POST"])
@roles_required(*STAFF)
def upload():
    form = UploadForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_upload(form), status
    try:
        added, replaced, warnings = store_upload(form.file.data)
    except InvalidInput as exc:
        return render_upload(form, [p for p in exc.problems if p.is_error]), 400
    result = {
        "added": added,
        "replaced": replaced[:REPLACED_SHOWN],
        "more_replaced": max(0, len(replaced) - REPLACED_SHOWN),
        "replaced_count": len(replaced),
        "warnings": warnings,
    }
    return render_upload(UploadForm(formdata=None), result=result)


def render_upload(form: UploadForm, problems: list[Problem] | None = None, result=None) -> str:
    return render_template(
        "needs/upload.html",
        form=form,
        problems=problems or [],
        result=result,
        columns=NEEDS_COLUMNS,
    )


@dataclass(frozen=True)
class Replaced:
    """A stored need an upload replaced: its id and its shift in words."""

    id: str
    shift: str


def store_upload(file: FileStorage) -> tuple[int, list[Replaced], list[Problem]]:
    """Judge the whole file, then store all of it in one transaction; raises `InvalidInput`.

    Returns how many needs were added, the needs replaced (in shift order), the warnings.
    """
    suffix = Path(file.filename or "").suffix.lower()
    with tempfile.TemporaryDirectory(prefix="needs-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        file.save(path)
        found, problems = read_upload(path, {"needs"})
    changes, base = judged(found, problems)
    replaced = sorted(
        (n for n in changes.needs if n.id in base.need_by_id),
        key=lambda n: (n.start, n.facility_id, n.role, n.id),
    )
    added = len(changes.needs) - len(replaced)
    store.apply(changes)
    taken_off = need_edits.settle(base.need_by_id, replaced)
    audit.record(
        "upload",
        "need",
        "",
        file=(file.filename or "")[:200],
        added=added,
        replaced=len(replaced),
        replaced_ids=[n.id for n in replaced[:REPLACED_SHOWN]],
        taken_off=taken_off,
    )
    db.session.commit()
    notices.wake()
    facilities = base.facility_by_id
    shifts = [Replaced(n.id, str(Shift(n, facilities[n.facility_id]))) for n in replaced]
    return added, shifts, list(changes.warnings)


@bp.get("/needs/template.xlsx")
@roles_required(*STAFF)
def template():
    """The needs template, built fresh so it always matches the format: the needs sheet
    alone, with the user's facilities (`scheduler.intake.needs_template`)."""
    rows = db.session.execute(
        access.facilities_query(current_user).with_only_columns(m.Facility.id, m.Facility.name)
    )
    workbook = build_needs_template([(facility_id, name) for facility_id, name in rows])
    data = io.BytesIO()
    workbook.save(data)
    data.seek(0)
    return send_file(
        data,
        mimetype=XLSX,
        as_attachment=True,
        download_name="needs-template.xlsx",
    )
