"""Coordinators' account and audit pages (`web.accounts`, on the coordination blueprint).

Who may create which account, who sees and deactivates whom (a regional
coordinator: themselves, their region's hospital staff and volunteers), and
whose audit entries each coordinator sees. The route-by-role checks are in
test_coordination.py with the other coordination pages.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update
from werkzeug.security import check_password_hash

from tests.web.conftest import PASSWORD, Accounts, csrf_token, login
from tests.web.test_coordination import (
    ESCAPED,
    HOSTILE,
    SCRIPT,
    account,
    count,
    facility_form,
    post,
    text,
)
from web import accounts as account_views
from web.models import AuditEntry, Facility, Role, User, db

NEW_PASSWORD = "a long enough password"


# --- accounts ------------------------------------------------------------------------------


def account_form(**more) -> dict:
    values = {"name": "New Person", "email": "New.Person@Test.Example", "password": NEW_PASSWORD}
    return values | {"role": "hospital", "region": "", "volunteer_id": ""} | more


def unlinked_volunteer(demo: dict, region: str) -> str:
    taken = {demo["volunteer"], demo["other_volunteer"]}
    return next(
        v.id for v in demo["dataset"].volunteers if v.region == region and v.id not in taken
    )


def test_a_national_coordinator_creates_every_role(app, client, demo) -> None:
    login(client, Accounts.national)
    made = {
        "national": {},
        "regional": {"region": demo["other_region"]},
        "hospital": {"facilities": [demo["facility"], demo["other_facility"]]},
        "volunteer": {"volunteer_id": unlinked_volunteer(demo, demo["other_region"])},
    }
    for role, fields in made.items():
        data = account_form(email=f"{role}.NEW@test.example", role=role, **fields)
        assert post(client, "/accounts/new", data).status_code == 302, role
    with app.app_context():
        for role, fields in made.items():
            user = db.session.scalars(
                select(User).where(User.email == f"{role}.new@test.example")
            ).one()
            assert user.kind is Role(role)
            assert check_password_hash(user.password_hash, NEW_PASSWORD)
            assert NEW_PASSWORD not in user.password_hash
            assert user.region == fields.get("region")
            assert sorted(f.id for f in user.facilities) == sorted(fields.get("facilities", []))
            assert user.volunteer_id == fields.get("volunteer_id")
            assert (user.calendar_token is not None) is (role == "volunteer")
        query = select(AuditEntry).where(AuditEntry.entity == "account").order_by(AuditEntry.id)
        entries = db.session.scalars(query).all()
        assert [e.detail["role"] for e in entries] == list(made)
        assert all(NEW_PASSWORD not in str(e.detail) for e in entries)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/accounts")})
    assert login(client, "volunteer.new@test.example", NEW_PASSWORD).status_code == 302


def test_a_regional_coordinator_creates_hospital_and_volunteer_accounts_of_their_region(
    app, client, demo
) -> None:
    login(client, Accounts.regional)
    hospital = account_form(email="h@test.example", facilities=[demo["facility"]])
    assert post(client, "/accounts/new", hospital).status_code == 302
    mine = unlinked_volunteer(demo, demo["region"])
    person = account_form(email="v@test.example", role="volunteer", volunteer_id=mine)
    assert post(client, "/accounts/new", person).status_code == 302
    html = text(client.get("/accounts/new"))
    assert demo["other_facility"] not in html and 'value="national"' not in html


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"role": "regional", "region": "sosnoozersk region"}, "role", "You may create accounts"),
        ({"role": "national"}, "role", "You may create accounts of these roles only"),
        ({"facilities": ["other_facility"]}, "facilities", "is not a valid choice"),
        ({"facilities": []}, "facilities", "Choose at least one facility"),
        ({"role": "volunteer", "volunteer_id": "volunteer"}, "volunteer_id", "in your region"),
        ({"role": "volunteer", "volunteer_id": "other_volunteer"}, "volunteer_id", "already has"),
        ({"role": "volunteer", "volunteer_id": "V99999"}, "volunteer_id", "There is no volunteer"),
        ({"role": "volunteer"}, "volunteer_id", "Give the volunteer&#39;s id"),
        ({"email": "NATIONAL@test.example"}, "email", "There is already an account with the email"),
        ({"email": "not-an-email"}, "email", "This is not an email address"),
        ({"email": SCRIPT}, "email", "This is not an email address"),
        ({"password": "x" * 11}, "password", "The password needs 12 to 200 characters"),
        ({"name": ""}, "name", "Give the person&#39;s name."),
    ],
)
def test_account_problems_are_shown_next_to_their_field(
    app, client, demo, fields, field, message
) -> None:
    login(client, Accounts.regional)  # of the region of demo["facility"] and "other_volunteer"
    fields = dict(fields)
    if "volunteer_id" in fields:  # a placeholder for a volunteer of the demo, or an id
        fields["volunteer_id"] = demo.get(fields["volunteer_id"], fields["volunteer_id"])
    if fields.get("facilities"):
        fields["facilities"] = [demo[f] for f in fields["facilities"]]
    data = account_form(facilities=[demo["facility"]]) | fields
    before = count(app, User)
    response = post(client, "/accounts/new", data)
    html = text(response)
    assert response.status_code == 400
    assert f'<small id="{field}-error" class="error">' in html and message in html
    assert SCRIPT not in html
    assert count(app, User) == before


def test_a_national_coordinator_must_pick_a_region_for_a_regional_account(
    app, client, demo
) -> None:
    login(client, Accounts.national)
    response = post(client, "/accounts/new", account_form(role="regional"))
    assert response.status_code == 400 and "Choose the region" in text(response)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_account_names_are_shown_escaped(app, client, demo, hostile) -> None:
    login(client, Accounts.national)
    assert (
        post(
            client, "/accounts/new", account_form(name=hostile, facilities=[demo["facility"]])
        ).status_code
        == 302
    )
    html = text(client.get("/accounts"))
    assert SCRIPT not in html
    assert ESCAPED[hostile] in html
    with app.app_context():
        assert (
            db.session.scalars(
                select(User.name).where(User.email == "new.person@test.example")
            ).one()
            == hostile
        )


REGIONAL = [Accounts.regional, Accounts.other_regional]


def scope_of(demo: dict, email: str) -> set[str]:
    """What a regional coordinator manages: themselves, their hospital, their region's volunteer."""
    mine, hospital = ("region", Accounts.hospital)
    if email == Accounts.other_regional:
        mine, hospital = ("other_region", Accounts.other_hospital)
    volunteers = {
        Accounts.volunteer: demo["volunteer"],
        Accounts.other_volunteer: demo["other_volunteer"],
    }
    region = demo[mine]
    by_id = demo["dataset"].volunteer_by_id
    return {email, hospital} | {a for a, v in volunteers.items() if by_id[v].region == region}


@pytest.mark.parametrize("email", REGIONAL)
def test_a_regional_coordinator_sees_only_the_accounts_of_their_scope(client, demo, email) -> None:
    login(client, email)
    html = text(client.get("/accounts"))
    scope = scope_of(demo, email)
    assert len(scope) >= 3
    for other in vars(Accounts()).values():
        assert (f"<td>{other}</td>" in html) is (other in scope), other


def test_a_national_coordinator_sees_every_account(client, demo) -> None:
    login(client, Accounts.national)
    html = text(client.get("/accounts"))
    assert all(f"<td>{email}</td>" in html for email in vars(Accounts()).values())


def test_hospital_staff_of_two_regions_are_left_to_national_coordinators(app, client, demo) -> None:
    with app.app_context():
        both = [
            db.session.get(Facility, demo["facility"]),
            db.session.get(Facility, demo["other_facility"]),
        ]
        db.session.add(
            User(
                email="both@test.example",
                name="Both",
                password_hash="x",
                role=Role.HOSPITAL,
                facilities=both,
            )
        )
        db.session.commit()
    user = account(app, "both@test.example")
    login(client, Accounts.regional)
    assert "both@test.example" not in text(client.get("/accounts"))
    assert post(client, f"/accounts/{user.id}/deactivate", page="/accounts").status_code == 404
    assert account(app, "both@test.example").active


def test_deactivating_an_account_ends_its_sign_in(app, client, demo) -> None:
    target = account(app, Accounts.hospital)
    login(client, Accounts.regional)
    response = post(client, f"/accounts/{target.id}/deactivate", page="/accounts")
    assert response.status_code == 302
    assert not account(app, Accounts.hospital).active
    assert "can no longer sign in" in text(client.get("/accounts"))
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry)).one()
        assert (entry.action, entry.entity_id) == ("deactivate", str(target.id))
    other = client.application.test_client()
    assert login(other, Accounts.hospital).status_code == 400


@pytest.mark.parametrize(
    "target",
    [Accounts.national, Accounts.other_regional, Accounts.other_hospital, Accounts.volunteer],
)
def test_accounts_outside_a_regions_scope_are_404_to_deactivate(app, client, demo, target) -> None:
    user = account(app, target)
    login(client, Accounts.regional)
    assert post(client, f"/accounts/{user.id}/deactivate", page="/accounts").status_code == 404
    assert account(app, target).active
    assert post(client, "/accounts/99999/deactivate", page="/accounts").status_code == 404


@pytest.mark.parametrize("email", [Accounts.national, Accounts.regional])
def test_nobody_deactivates_themselves(app, client, demo, email) -> None:
    me = account(app, email)
    login(client, email)
    response = post(client, f"/accounts/{me.id}/deactivate", page="/accounts")
    assert response.status_code == 302
    assert "cannot deactivate your own account" in text(client.get("/accounts"))
    assert account(app, email).active
    assert count(app, AuditEntry) == 0


def test_a_national_coordinator_deactivates_any_other_account(app, client, demo) -> None:
    login(client, Accounts.national)
    for email in (Accounts.other_regional, Accounts.volunteer):
        user = account(app, email)
        assert post(client, f"/accounts/{user.id}/deactivate", page="/accounts").status_code == 302
        assert not account(app, email).active


# --- passwords and reactivation -----------------------------------------------------------

ANOTHER_PASSWORD = "another long enough password"


def new_password(password: str = ANOTHER_PASSWORD, repeat: str | None = None) -> dict:
    return {"password": password, "repeat": password if repeat is None else repeat}


def test_a_coordinator_sets_a_new_password_and_the_old_sessions_end(app, client, demo) -> None:
    target = account(app, Accounts.hospital)
    staff = app.test_client()
    login(staff, Accounts.hospital)
    assert staff.get("/needs").status_code == 200
    login(client, Accounts.regional)
    page = client.get(f"/accounts/{target.id}/password")
    assert page.status_code == 200 and Accounts.hospital in text(page)
    response = post(client, f"/accounts/{target.id}/password", new_password())
    assert response.status_code == 302
    assert "hand it over in person" in text(client.get("/accounts"))
    assert staff.get("/needs").headers["Location"].startswith("/login")  # signed out
    assert login(app.test_client(), Accounts.hospital).status_code == 400  # the old password
    assert login(app.test_client(), Accounts.hospital, ANOTHER_PASSWORD).status_code == 302
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry)).one()
        assert (entry.action, entry.entity_id) == ("reset password", str(target.id))
        assert ANOTHER_PASSWORD not in str(entry.detail)


@pytest.mark.parametrize(
    ("form", "says"),
    [
        (new_password("short"), "needs 12 to 200 characters"),
        (new_password(repeat="a different long password"), "The two passwords differ"),
        (new_password(""), "Give a password."),
    ],
)
def test_a_bad_new_password_changes_nothing(app, client, demo, form, says) -> None:
    target = account(app, Accounts.hospital)
    login(client, Accounts.national)
    response = post(client, f"/accounts/{target.id}/password", form)
    assert response.status_code == 400
    assert says in text(response)
    assert account(app, Accounts.hospital).password_hash == target.password_hash
    assert count(app, AuditEntry) == 0


@pytest.mark.parametrize(
    "target",
    [Accounts.national, Accounts.other_regional, Accounts.other_hospital, Accounts.volunteer],
)
def test_a_regional_coordinator_resets_only_passwords_in_their_scope(
    app, client, demo, target
) -> None:
    user = account(app, target)
    login(client, Accounts.regional)
    assert client.get(f"/accounts/{user.id}/password").status_code == 404
    response = post(client, f"/accounts/{user.id}/password", new_password(), page="/accounts")
    assert response.status_code == 404
    assert account(app, target).password_hash == user.password_hash
    assert client.get("/accounts/99999/password").status_code == 404


def test_a_coordinators_own_password_is_changed_with_the_current_one(app, client, demo) -> None:
    me = account(app, Accounts.regional)
    login(client, Accounts.regional)
    response = client.get(f"/accounts/{me.id}/password")
    assert response.status_code == 302 and response.location.endswith("/account/password")


def test_everyone_changes_their_own_password_and_other_devices_sign_out(app, client, demo) -> None:
    phone = app.test_client()
    login(phone, Accounts.volunteer)
    login(client, Accounts.volunteer)
    assert client.get("/account/password").status_code == 200
    form = new_password() | {"current": PASSWORD}
    response = post(client, "/account/password", form)
    assert response.status_code == 302
    assert client.get("/my/schedule").status_code == 200  # this browser stays signed in
    assert phone.get("/my/schedule").headers["Location"].startswith("/login")
    assert login(app.test_client(), Accounts.volunteer, ANOTHER_PASSWORD).status_code == 302
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry)).one()
        assert entry.action == "change password"


def test_a_wrong_current_password_changes_nothing(app, client, demo) -> None:
    before = account(app, Accounts.hospital).password_hash
    login(client, Accounts.hospital)
    form = new_password() | {"current": "not the password at all"}
    response = post(client, "/account/password", form)
    assert response.status_code == 400
    assert "This is not your current password." in text(response)
    assert account(app, Accounts.hospital).password_hash == before
    assert count(app, AuditEntry) == 0


def test_changing_a_password_needs_a_session_and_its_csrf_token(app, client, demo) -> None:
    response = client.get("/account/password")
    assert response.status_code == 302 and response.location.startswith("/login")
    login(client, Accounts.hospital)
    form = new_password() | {"current": PASSWORD}
    assert client.post("/account/password", data=form).status_code == 400  # no token
    assert count(app, AuditEntry) == 0


def test_a_session_from_before_the_fingerprint_is_signed_out(app, client, demo) -> None:
    user = account(app, Accounts.hospital)
    login(client, Accounts.hospital)
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)  # as sessions were stored before
    assert client.get("/needs").headers["Location"].startswith("/login")


def test_a_deactivated_account_is_reactivated_with_its_old_password(app, client, demo) -> None:
    target = account(app, Accounts.hospital)
    login(client, Accounts.regional)
    post(client, f"/accounts/{target.id}/deactivate", page="/accounts")
    page = text(client.get("/accounts"))
    assert "Reactivate" in page
    response = post(client, f"/accounts/{target.id}/reactivate", page="/accounts")
    assert response.status_code == 302
    assert account(app, Accounts.hospital).active
    assert "can sign in again" in text(client.get("/accounts"))
    assert login(app.test_client(), Accounts.hospital).status_code == 302
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["deactivate", "reactivate"]


def test_reactivating_does_not_revive_a_session_from_before(app, client, demo) -> None:
    target = account(app, Accounts.hospital)
    phone = app.test_client()
    assert login(phone, Accounts.hospital).status_code == 302
    assert phone.get("/needs").status_code == 200
    login(client, Accounts.regional)
    post(client, f"/accounts/{target.id}/deactivate", page="/accounts")
    post(client, f"/accounts/{target.id}/reactivate", page="/accounts")
    assert phone.get("/needs").status_code == 302  # to sign in: that session ended for good
    assert login(app.test_client(), Accounts.hospital).status_code == 302


def test_a_regional_coordinator_reactivates_only_in_their_scope(app, client, demo) -> None:
    user = account(app, Accounts.other_hospital)
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    login(client, Accounts.regional)
    response = post(client, f"/accounts/{user.id}/reactivate", page="/accounts")
    assert response.status_code == 404
    assert not account(app, Accounts.other_hospital).active


# --- the audit log -------------------------------------------------------------------------


def add_entries(app, by: list[str]) -> None:
    """One entry per account in `by`, in that order, each naming who made it."""
    with app.app_context():
        ids = {u.email: u.id for u in db.session.scalars(select(User))}
        start = dt.datetime(2026, 1, 1, 9, 0)
        for k, email in enumerate(by):
            db.session.add(
                AuditEntry(
                    at=start + dt.timedelta(minutes=k),
                    user_id=ids.get(email),
                    action="update",
                    entity="need",
                    entity_id=f"by {email}",
                    detail={"note": SCRIPT},
                )
            )
        db.session.commit()


EVERYONE = [*vars(Accounts()).values(), "command line"]


def test_the_audit_log_is_newest_first_and_national_sees_it_all(app, client, demo) -> None:
    add_entries(app, EVERYONE)
    login(client, Accounts.national)
    html = text(client.get("/audit"))
    positions = [html.index(f"by {email}") for email in EVERYONE]
    assert positions == sorted(positions, reverse=True)
    assert SCRIPT not in html and "&lt;script&gt;" in html
    assert "command line or a deleted account" in html


@pytest.mark.parametrize("email", REGIONAL)
def test_a_regional_coordinator_sees_entries_by_the_accounts_of_their_scope(
    app, client, demo, email
) -> None:
    add_entries(app, EVERYONE)
    login(client, email)
    html = text(client.get("/audit"))
    scope = scope_of(demo, email)
    for author in EVERYONE:
        assert (f"by {author}<" in html) is (author in scope), author


def test_the_audit_log_comes_in_pages(app, client, demo, monkeypatch) -> None:
    monkeypatch.setattr(account_views, "AUDIT_PER_PAGE", 3)
    add_entries(app, [Accounts.national] * 7)
    login(client, Accounts.national)
    first, last = text(client.get("/audit")), text(client.get("/audit?page=3"))
    assert "Page 1 of 3 (7 in all)" in first and first.count("<td>update</td>") == 3
    assert "Page 3 of 3" in last and last.count("<td>update</td>") == 1


def test_actions_in_the_app_reach_the_audit_log(app, client, demo) -> None:
    login(client, Accounts.regional)
    post(client, "/facilities/new", facility_form())
    html = text(client.get("/audit"))
    assert "Regional (regional@test.example)" in html and "facility F900" in html
    other = client.application.test_client()
    login(other, Accounts.other_regional)
    assert "facility F900" not in text(other.get("/audit"))


def test_an_account_deactivated_in_the_database_itself_is_signed_out(app, client, demo) -> None:
    """Flask-Login refuses an inactive account on its next request, session or not."""
    login(client, Accounts.hospital)
    assert client.get("/needs").status_code == 200
    with app.app_context():  # as an administrator might, with SQL, ending no session
        db.session.execute(update(User).where(User.email == Accounts.hospital).values(active=False))
        db.session.commit()
    assert client.get("/needs").status_code == 302
