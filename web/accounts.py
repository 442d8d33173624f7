"""Coordinators' pages for accounts and the audit log.

Who is in a regional coordinator's scope, for the account list, for
deactivating and for the audit log alike: themselves, hospital staff all of
whose facilities are in their region (an account that also serves another
region is left to a national coordinator, as deactivating it would lock
that region out too), and volunteer accounts linked to a volunteer of their
region. A national coordinator's scope is every account.

The audit log shows a regional coordinator the entries made by the accounts
in their scope, so they see what their hospitals and they themselves
changed; entries by national coordinators and by the command line are for
national coordinators only.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from wtforms import EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length

from scheduler.intake import cells, schema
from web import access, audit
from web import models as m
from web.auth import (
    MIN_PASSWORD,
    PASSWORD_RULES,
    NewPasswordForm,
    end_sessions,
    hash_password,
    set_password,
)
from web.coordination import read_as, region_labels, strip
from web.models import Role, db
from web.paging import page_number
from web.schedule import new_token

ACCOUNTS_PER_PAGE = 100
AUDIT_PER_PAGE = 50

bp = Blueprint("accounts", __name__)
bp.add_app_template_filter(audit.action_words, "audit_action")
bp.add_app_template_filter(audit.entity_words, "audit_entity")


# --- scope ---------------------------------------------------------------------------------


def accounts_query(user: m.User) -> Select:
    """The accounts `user` may see and deactivate (see the module docstring)."""
    query = select(m.User).order_by(m.User.role, m.User.email)
    if user.kind is Role.NATIONAL:
        return query
    if user.kind is Role.REGIONAL and user.region:
        return query.where(
            or_(m.User.id == user.id, _hospital_of(user.region), _volunteer_of(user.region))
        )
    return query.where(m.User.id == user.id)


def _hospital_of(region: str) -> ColumnElement[bool]:
    links = m.staff_facilities.c
    inside = select(m.Facility.id).where(m.Facility.region == region)
    outside = select(m.Facility.id).where(m.Facility.region != region)
    return and_(
        m.User.role == Role.HOSPITAL,
        exists().where(links.user_id == m.User.id, links.facility_id.in_(inside)),
        ~exists().where(links.user_id == m.User.id, links.facility_id.in_(outside)),
    )


def _volunteer_of(region: str) -> ColumnElement[bool]:
    mine = select(m.Volunteer.id).where(m.Volunteer.region == region)
    return and_(m.User.role == Role.VOLUNTEER, m.User.volunteer_id.in_(mine))


def creatable_roles(user: m.User) -> list[Role]:
    if user.kind is Role.NATIONAL:
        return list(Role)
    return [Role.HOSPITAL, Role.VOLUNTEER]


# --- accounts ------------------------------------------------------------------------------


@bp.get("/accounts")
@access.roles_required(*access.COORDINATORS)
def index():
    query = accounts_query(current_user).options(selectinload(m.User.facilities))
    page = db.paginate(query, page=page_number(), per_page=ACCOUNTS_PER_PAGE, error_out=False)
    return render_template("accounts/index.html", page=page, regions=region_labels())


class AccountForm(FlaskForm):
    name = StringField(
        lazy_gettext("Name"),
        validators=[
            DataRequired(lazy_gettext("Give the person's name.")),
            read_as(cells.free_text),
            Length(max=200),
        ],
        filters=[strip],
    )
    email = EmailField(
        lazy_gettext("Email"),
        validators=[
            DataRequired(lazy_gettext("Give an email address; it is the sign-in name.")),
            Email(lazy_gettext("This is not an email address, e.g. name@hospital.example.")),
            Length(max=254),
        ],
        filters=[strip],
    )
    password = PasswordField(
        lazy_gettext("Password"),
        validators=PASSWORD_RULES,
        description=lazy_gettext(
            "At least %(min)s characters. Hand it over in person or by phone.", min=MIN_PASSWORD
        ),
    )
    role = SelectField(lazy_gettext("Role"), validate_choice=False)
    region = SelectField(
        lazy_gettext("Region"),
        validate_choice=False,
        description=lazy_gettext("Regional coordinators only."),
    )
    facilities = SelectMultipleField(
        lazy_gettext("Facilities"),
        description=lazy_gettext("Hospital staff only: the facilities whose needs they post."),
    )
    volunteer_id = StringField(
        lazy_gettext("Volunteer id"),
        validators=[read_as(cells.identifier), Length(max=schema.ID_LENGTH)],
        filters=[strip],
        description=lazy_gettext(
            "Volunteer accounts only: their id in the volunteer list, e.g. V00012."
        ),
    )


def account_form() -> AccountForm:
    """The form with the choices the signed-in coordinator may give."""
    form = AccountForm()
    form.role.choices = [(r.value, r.label) for r in creatable_roles(current_user)]
    regions = region_labels() if current_user.kind is Role.NATIONAL else {}
    form.region.choices = [("", "—"), *sorted(regions.items(), key=lambda r: r[1])]
    form.facilities.choices = [
        (f.id, f"{f.name} ({f.id})")
        for f in db.session.scalars(access.facilities_query(current_user))
    ]
    return form


@bp.route("/accounts/new", methods=["GET", "POST"])
@access.roles_required(*access.COORDINATORS)
def new():
    form = account_form()
    if form.validate_on_submit() and role_fields_valid(form) and email_free(form):
        user = build_account(form)
        db.session.add(user)
        try:
            db.session.flush()
        except IntegrityError:  # the same email or volunteer posted twice at once
            db.session.rollback()
            form.email.errors.append(
                gettext("An account with this email or volunteer exists already.")
            )
        else:
            audit.record("create", "account", str(user.id), email=user.email, role=user.role)
            db.session.commit()
            flash(
                gettext(
                    "Account %(email)s (%(role)s) created.", email=user.email, role=user.kind.label
                )
            )
            return redirect(url_for("accounts.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/form.html", form=form), status


def role_fields_valid(form: AccountForm) -> bool:
    """The fields the chosen role needs, within what the coordinator may give."""
    roles = {r.value for r in creatable_roles(current_user)}
    role = form.role.data
    if role not in roles:
        form.role.errors.append(
            gettext(
                "You may create accounts of these roles only: %(roles)s.",
                roles=", ".join(Role(r).label for r in sorted(roles)),
            )
        )
        return False
    if role == Role.REGIONAL and form.region.data not in region_labels():
        form.region.errors.append(gettext("Choose the region this coordinator coordinates."))
    if role == Role.HOSPITAL and not form.facilities.data:
        form.facilities.errors.append(gettext("Choose at least one facility for hospital staff."))
    if role == Role.VOLUNTEER:
        volunteer_valid(form)
    return not (form.region.errors or form.facilities.errors or form.volunteer_id.errors)


def volunteer_valid(form: AccountForm) -> None:
    given = form.volunteer_id.data
    if not given:
        form.volunteer_id.errors.append(gettext("Give the volunteer's id from the volunteer list."))
        return
    query = access.volunteers_query(current_user).where(m.Volunteer.id == given)
    if db.session.scalars(query).first() is None:
        if current_user.kind is Role.REGIONAL:
            missing = gettext("There is no volunteer '%(id)s' in your region.", id=given)
        else:
            missing = gettext("There is no volunteer '%(id)s' in the volunteer list.", id=given)
        form.volunteer_id.errors.append(missing)
        return
    linked = db.session.scalars(select(m.User).where(m.User.volunteer_id == given)).first()
    if linked is not None:
        form.volunteer_id.errors.append(
            gettext(
                "The volunteer '%(id)s' already has an account (%(email)s).",
                id=given,
                email=linked.email,
            )
        )


def email_free(form: AccountForm) -> bool:
    email = form.email.data.lower()
    if db.session.scalars(select(m.User.id).where(m.User.email == email)).first() is None:
        return True
    form.email.errors.append(
        gettext("There is already an account with the email %(email)s.", email=email)
    )
    return False


def build_account(form: AccountForm) -> m.User:
    """The new account with only the fields its role uses."""
    role = Role(form.role.data)
    user = m.User(
        email=form.email.data.lower(),
        name=form.name.data,
        password_hash=hash_password(form.password.data),
        role=role,
    )
    if role is Role.REGIONAL:
        user.region = form.region.data
    elif role is Role.HOSPITAL:
        chosen = set(form.facilities.data)
        user.facilities = [
            f for f in db.session.scalars(access.facilities_query(current_user)) if f.id in chosen
        ]
    elif role is Role.VOLUNTEER:
        user.volunteer_id = form.volunteer_id.data
        user.calendar_token = new_token()
    return user


def account_or_404(account_id: int) -> m.User:
    """An account in the signed-in coordinator's scope; any other id is 404, as if absent."""
    query = accounts_query(current_user).where(m.User.id == account_id)
    account = db.session.scalars(query).first()
    if account is None:
        abort(404)
    return account


@bp.post("/accounts/<int:account_id>/deactivate")
@access.roles_required(*access.COORDINATORS)
def deactivate(account_id: int):
    """Sign the account out for good; its rows and audit entries stay."""
    account = account_or_404(account_id)
    if account.id == current_user.id:
        flash(gettext("You cannot deactivate your own account; ask another coordinator."), "error")
    elif account.active:
        account.active = False
        end_sessions(account)  # reactivating it later must not revive an old cookie
        audit.record("deactivate", "account", str(account.id), email=account.email)
        db.session.commit()
        flash(
            gettext("Account %(email)s deactivated; it can no longer sign in.", email=account.email)
        )
    return redirect(url_for("accounts.index"))


@bp.post("/accounts/<int:account_id>/reactivate")
@access.roles_required(*access.COORDINATORS)
def reactivate(account_id: int):
    """Let a deactivated account sign in again, with the password it had."""
    account = account_or_404(account_id)
    if not account.active:
        account.active = True
        audit.record("reactivate", "account", str(account.id), email=account.email)
        db.session.commit()
        flash(
            gettext(
                "Account %(email)s can sign in again with its old password; "
                "set a new one if it may have been lost.",
                email=account.email,
            )
        )
    return redirect(url_for("accounts.index"))


@bp.route("/accounts/<int:account_id>/password", methods=["GET", "POST"])
@access.roles_required(*access.COORDINATORS)
def reset_password(account_id: int):
    """A new password for someone who forgot theirs; their devices are signed out."""
    account = account_or_404(account_id)
    if account.id == current_user.id:
        return redirect(url_for("auth.change_password"))  # one's own needs the current one
    form = NewPasswordForm()
    if form.validate_on_submit():
        set_password(account, form.password.data, "reset password")
        db.session.commit()
        flash(
            gettext(
                "New password set for %(email)s; hand it over in person or by phone.",
                email=account.email,
            )
        )
        return redirect(url_for("accounts.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("password.html", form=form, account=account), status


# --- audit log -----------------------------------------------------------------------------


@bp.get("/audit", endpoint="audit")  # `audit` is the module that records entries
@access.roles_required(*access.COORDINATORS)
def audit_log():
    """Newest first; a regional coordinator sees what the accounts of their scope did."""
    query = select(m.AuditEntry).order_by(m.AuditEntry.at.desc(), m.AuditEntry.id.desc())
    if current_user.kind is not Role.NATIONAL:
        ids = accounts_query(current_user).with_only_columns(m.User.id).order_by(None)
        query = query.where(m.AuditEntry.user_id.in_(ids))
    page = db.paginate(query, page=page_number(), per_page=AUDIT_PER_PAGE, error_out=False)
    user_ids = {e.user_id for e in page.items if e.user_id is not None}
    users = {u.id: u for u in db.session.scalars(select(m.User).where(m.User.id.in_(user_ids)))}
    return render_template("accounts/audit.html", page=page, users=users)
