"""Coordinators' pages: the volunteer list and its uploads, and the facilities.

National coordinators see and change everything; a regional coordinator
only their region's volunteers and facilities (anything else is 404, as
`web.access` filters every query by the account's scope). Hospital staff and
volunteers get 403. Accounts and the audit log are `web.accounts`.
"""

from __future__ import annotations

import math
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext, ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from wtforms import Field, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from scheduler.domain import Dataset
from scheduler.intake import cells, schema
from scheduler.intake.cells import CellError
from scheduler.intake.schema import COLUMNS
from scheduler.intake.updates import Changes, read_changes
from scheduler.problems import InvalidInput
from web import (
    access,
    audit,
    availability_upload,
    evidence,
    need_edits,
    notices,
    store,
    volunteer_search,
)
from web import models as m
from web.access import COORDINATORS, roles_required
from web.models import Role, db
from web.paging import page_number

bp = Blueprint("coordination", __name__)

PER_PAGE = 100
UPLOAD_SHEETS = frozenset({"volunteers", "availability", "credentials"})
_UNSAFE_IN_FILE_NAME = re.compile(r"[^\w.-]")
_DEGREES = re.compile(r"-?\d{1,3}(\.\d+)?")


def strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def read_as(parse: Callable[[object], object]) -> Callable[[FlaskForm, Field], None]:
    """A form field read by the engine's cell reader, so a form and an upload agree."""

    def check(form: FlaskForm, field: Field) -> None:
        if field.data:
            try:
                field.data = parse(field.data)
            except CellError as exc:
                raise ValidationError(f"{exc}.") from None

    return check


def region_key(name: str) -> str:
    """Regions compare trimmed and without case, as the data contract says."""
    return name.strip().lower()


def region_labels() -> dict[str, str]:
    """Each region's name as the facilities sheet wrote it, for people to read."""
    rows = db.session.execute(select(m.Facility.region, m.Facility.region_label).distinct())
    return {region: label or region for region, label in rows}


# --- volunteers ----------------------------------------------------------------------------


@bp.get("/volunteers")
@roles_required(*COORDINATORS)
def volunteers():
    """The volunteers in scope, 100 a page; `q` finds a part of a name or an id."""
    q = (request.args.get("q") or "").strip()[: volunteer_search.LONGEST]
    query = access.volunteers_query(current_user)
    if q:
        query = volunteer_search.matching(query, q)
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("coordination/volunteers.html", page=page, q=q, regions=region_labels())


class UploadForm(FlaskForm):
    file = FileField(
        lazy_gettext("Volunteers or availability"),
        validators=[
            FileRequired(lazy_gettext("Choose a workbook (.xlsx) or a CSV file to upload."))
        ],
        description=lazy_gettext(
            "A workbook with volunteers, availability and/or credentials sheets, or one "
            "CSV file named volunteers.csv, availability.csv or credentials.csv. Credentials "
            "you upload count as verified by you."
        ),
    )


@bp.route("/volunteers/upload", methods=["GET", "POST"])
@roles_required(*COORDINATORS)
def upload_volunteers():
    """Add or replace volunteers and their availability: all of the file, or nothing.

    An upload that would remove anybody's stored windows is shown for review
    first (`web.availability_upload`) and stored only when confirmed.
    """
    form = UploadForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_upload(form), status
    base = store.load()
    try:
        changes = read_upload(form.file.data, base)
    except InvalidInput as exc:
        return render_upload(form, [p for p in exc.problems if p.is_error]), 400
    name = upload_name(form.file.data.filename or "")
    review = availability_upload.removals(changes, base)
    if review:
        return render_template(
            "coordination/upload_review.html",
            token=availability_upload.park(form.file.data, name),
            review=review,
            stranded=availability_upload.stranded_shifts(changes, base),
            filename=name,
        )
    return stored(changes, base, name)


@bp.post("/volunteers/upload/confirm")
@roles_required(*COORDINATORS)
def confirm_upload():
    """Store an upload shown for review: read again, as the stored data may have moved on."""
    token = request.form.get("token", "")[:100]
    path = availability_upload.parked(token)
    if not ConfirmForm().validate_on_submit() or path is None:
        flash(gettext("This upload is no longer waiting; upload the file again."), "error")
        return redirect(url_for("coordination.upload_volunteers"))
    base = store.load()
    try:
        changes = read_changes(path, base, UPLOAD_SHEETS, access.scope(current_user))
    except InvalidInput as exc:
        availability_upload.discard(token)
        return render_upload(UploadForm(), [p for p in exc.problems if p.is_error]), 400
    response = stored(changes, base, path.name)
    availability_upload.discard(token)
    return response


class ConfirmForm(FlaskForm):
    """Only the CSRF token; the parked file's token is a plain field."""


def stored(changes: Changes, base: Dataset, name: str):
    message, taken_off = store_upload(changes, base, name)
    flash(message)
    if changes.credentials:
        flash(
            gettext(
                "Credentials of %(people)s volunteer(s) replaced (%(rows)s row(s)), verified "
                "by you; those sent by volunteers and waiting for review stay waiting.",
                people=len(changes.credentials),
                rows=sum(len(rows) for rows in changes.credentials.values()),
            )
        )
    if taken_off:
        flash(
            ngettext(
                "%(num)d place of the published roster needed a credential its volunteer no "
                "longer holds: they are taken off it and told.",
                "%(num)d places of the published roster needed a credential their volunteers "
                "no longer hold: they are taken off them and told.",
                taken_off,
            ),
            "warning",
        )
    for warning in changes.warnings:
        flash(f"{warning.sheet}: {warning.message}", "warning")
    return redirect(url_for("coordination.volunteers"))


def render_upload(form: UploadForm, problems: list | None = None) -> str:
    columns = {sheet: COLUMNS[sheet] for sheet in sorted(UPLOAD_SHEETS, reverse=True)}
    return render_template(
        "coordination/upload.html", form=form, problems=problems or [], columns=columns
    )


def upload_name(filename: str) -> str:
    """The file's own name made safe to save: the engine reads the sheet from a CSV's name."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_IN_FILE_NAME.sub("_", name)[-100:]
    return name if name and not name.startswith(".") else f"upload{name}"


def read_upload(file: FileStorage, base: Dataset) -> Changes:
    """The validated changes in an uploaded file; raises `InvalidInput` listing every problem."""
    with tempfile.TemporaryDirectory(prefix="upload-") as folder:
        path = Path(folder) / upload_name(file.filename or "")
        file.save(path)
        return read_changes(path, base, UPLOAD_SHEETS, access.scope(current_user))


def store_upload(changes: Changes, base: Dataset, filename: str) -> tuple[str, int]:
    """Store the changes and their audit entry in one transaction; say what changed, and
    how many published places were left by volunteers whose credentials it replaced."""
    replaced = sum(v.id in base.volunteer_by_id for v in changes.volunteers)
    added = len(changes.volunteers) - replaced
    windows = sum(len(rows) for rows in changes.availability.values())
    if changes.credentials:
        store.hold("publish")  # rule 8 on the published roster changes with them
    old_evidence = store.apply(changes)
    taken_off = need_edits.without_credentials(set(changes.credentials))
    availability_upload.keep_history(changes, base)
    audit.record(
        "upload",
        "volunteers",
        filename,
        volunteers_added=added,
        volunteers_replaced=replaced,
        availability_of=len(changes.availability),
        availability_rows=windows,
        credentials_of=len(changes.credentials),
        taken_off=taken_off,
    )
    db.session.commit()
    for name in old_evidence:
        evidence.discard(name)
    if taken_off:
        notices.wake()
    message = gettext(
        "Stored: %(added)s new volunteer(s), %(replaced)s updated; availability of "
        "%(people)s volunteer(s) replaced (%(rows)s row(s)).",
        added=added,
        replaced=replaced,
        people=len(changes.availability),
        rows=windows,
    )
    return message, taken_off


# --- facilities ----------------------------------------------------------------------------


def degrees(low: int, high: int, example: str):
    """A coordinate in degrees within [low, high]; a decimal comma is accepted."""

    def check(form: FlaskForm, field: Field) -> None:
        if not field.data:
            return
        text = field.data.replace(",", ".")
        if not _DEGREES.fullmatch(text):
            raise ValidationError(
                gettext(
                    "'%(value)s' is not a number; write degrees, e.g. %(example)s.",
                    value=field.data,
                    example=example,
                )
            )
        value = float(text)
        if not math.isfinite(value) or not low <= value <= high:
            raise ValidationError(
                gettext(
                    "%(value)s is out of range; it must be from %(low)s to %(high)s.",
                    value=field.data,
                    low=low,
                    high=high,
                )
            )

    return check


class FacilityForm(FlaskForm):
    facility_id = StringField(
        lazy_gettext("Facility id"),
        validators=[
            DataRequired(lazy_gettext("Give the facility an id, e.g. F012.")),
            read_as(cells.identifier),
            Length(max=schema.ID_LENGTH),
        ],
        filters=[strip],
        description=lazy_gettext(
            "Needs and preferred facilities refer to it; it cannot change later."
        ),
    )
    name = StringField(
        lazy_gettext("Name"),
        validators=[
            DataRequired(lazy_gettext("Give the facility's name.")),
            read_as(cells.free_text),
            Length(max=schema.NAME_LENGTH),
        ],
        filters=[strip],
    )
    region = StringField(
        lazy_gettext("Region"),
        validators=[
            DataRequired(lazy_gettext("Give the region.")),
            read_as(cells.word),
            Length(max=schema.REGION_LENGTH),
        ],
        filters=[strip],
    )
    address = StringField(
        lazy_gettext("Address"),
        validators=[read_as(cells.free_text), Length(max=schema.ADDRESS_LENGTH)],
        filters=[strip],
    )
    timezone = StringField(
        lazy_gettext("Time zone"),
        validators=[read_as(cells.time_zone)],
        filters=[strip],
        description=lazy_gettext(
            "An IANA name such as Europe/Moscow or Asia/Vladivostok. Empty: the site's zone. "
            "Shift times stay the facility's own clock times."
        ),
    )
    phone = StringField(
        lazy_gettext("Phone"),
        validators=[read_as(cells.word), Length(max=schema.PHONE_LENGTH)],
        filters=[strip],
        description=lazy_gettext("Whom a volunteer calls at the facility; shown on their shifts."),
    )
    lat = StringField(
        lazy_gettext("Latitude"),
        validators=[degrees(-90, 90, "55.7558")],
        filters=[strip],
        description=lazy_gettext("Degrees, e.g. 55.7558. Fill in both coordinates, or neither."),
    )
    lon = StringField(
        lazy_gettext("Longitude"),
        validators=[degrees(-180, 180, "37.6173")],
        filters=[strip],
        description=lazy_gettext("Degrees, e.g. 37.6173."),
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if bool(self.lat.data) != bool(self.lon.data):
            missing = self.lon if self.lat.data else self.lat
            missing.errors.append(gettext("Fill in both latitude and longitude, or neither."))
            return False
        return valid

    def coordinate(self, field: Field) -> float | None:
        return float(field.data.replace(",", ".")) if field.data else None


@bp.get("/facilities")
@roles_required(*COORDINATORS)
def facilities():
    found = db.session.scalars(access.facilities_query(current_user)).all()
    return render_template("coordination/facilities.html", facilities=found)


@bp.route("/facilities/new", methods=["GET", "POST"])
@roles_required(*COORDINATORS)
def new_facility():
    form = FacilityForm()
    if request.method == "GET" and current_user.kind is Role.REGIONAL:
        form.region.data = region_labels().get(current_user.region, current_user.region)
    if form.validate_on_submit() and region_allowed(form) and id_free(form):
        facility = m.Facility(id=form.facility_id.data)
        changed = fill_facility(facility, form)
        db.session.add(facility)
        audit.record("create", "facility", facility.id, **{k: v for k, (_, v) in changed.items()})
        db.session.commit()
        flash(gettext("Facility %(id)s added.", id=facility.id))
        return redirect(url_for("coordination.facilities"))
    status = 400 if request.method == "POST" else 200
    return render_template("coordination/facility_form.html", form=form, facility=None), status


@bp.route("/facilities/<path:facility_id>/edit", methods=["GET", "POST"])
@roles_required(*COORDINATORS)
def edit_facility(facility_id: str):
    facility = access.facility_or_404(current_user, facility_id)
    form = FacilityForm(data=facility_data(facility))
    del form.facility_id  # the primary key: needs point at it
    if form.validate_on_submit() and region_allowed(form):
        changed = fill_facility(facility, form)
        if changed:
            audit.record("update", "facility", facility.id, **changed)
            db.session.commit()
            flash(gettext("Facility %(id)s saved.", id=facility.id))
        return redirect(url_for("coordination.facilities"))
    status = 400 if request.method == "POST" else 200
    return render_template("coordination/facility_form.html", form=form, facility=facility), status


def facility_data(facility: m.Facility) -> dict[str, str]:
    def shown(value: float | None) -> str:
        return "" if value is None else f"{value:g}"

    return {
        "name": facility.name,
        "region": facility.region_label or facility.region,
        "address": facility.address,
        "timezone": facility.timezone,
        "phone": facility.phone,
        "lat": shown(facility.lat),
        "lon": shown(facility.lon),
    }


def region_allowed(form: FacilityForm) -> bool:
    """A regional coordinator keeps facilities in their own region (else they would lose them)."""
    if current_user.kind is Role.NATIONAL or region_key(form.region.data) == current_user.region:
        return True
    mine = region_labels().get(current_user.region, current_user.region)
    form.region.errors.append(
        gettext(
            "You coordinate the region '%(region)s'; a facility of another region is added "
            "or moved by a national coordinator.",
            region=mine,
        )
    )
    return False


def id_free(form: FacilityForm) -> bool:
    if db.session.get(m.Facility, form.facility_id.data) is None:
        return True
    form.facility_id.errors.append(
        gettext(
            "There is already a facility with the id '%(id)s'; choose another id.",
            id=form.facility_id.data,
        )
    )
    return False


def fill_facility(facility: m.Facility, form: FacilityForm) -> dict[str, list]:
    """Copy the form into the row; the changed fields as {name: [old, new]} for the audit log."""
    new = {
        "name": form.name.data,
        "region": region_key(form.region.data),
        "region_label": form.region.data,
        "address": form.address.data or "",
        "timezone": form.timezone.data or "",
        "phone": form.phone.data or "",
        "lat": form.coordinate(form.lat),
        "lon": form.coordinate(form.lon),
    }
    changed = {}
    for name, value in new.items():
        old = getattr(facility, name, None)
        if old != value:
            changed[name] = [old, value]
            setattr(facility, name, value)
    return changed
