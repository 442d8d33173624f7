"""Signing in: passwords, CSRF, the rate limit, sessions, and where each role lands."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_login.utils import encode_cookie
from sqlalchemy import event, func, select, update

from tests.web.conftest import PASSWORD, Accounts, csrf_token, login, settings
from tests.web.faults import RefusedWrites
from web import _load_user, create_app
from web.models import LoginSession, Need, User, db

NEED = {"date": "2020-05-25", "start": "08:00", "end": "20:00", "role": "nurse", "count": 2}


@pytest.mark.parametrize(
    ("email", "lands"),
    [
        (Accounts.national, "/needs"),
        (Accounts.regional, "/needs"),
        (Accounts.hospital, "/needs"),
        (Accounts.volunteer, "/my/schedule"),
    ],
)
def test_each_role_signs_in_and_lands_on_its_page(client, demo, email, lands) -> None:
    response = login(client, email)
    assert response.status_code == 302
    assert client.get("/").headers["Location"].endswith(lands)


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, demo) -> None:
    response = login(client, Accounts.hospital, "wrong")
    assert response.status_code == 400
    assert "The email or the password is wrong." in response.get_data(as_text=True)
    unknown = login(client, "nobody@test.example")
    assert unknown.status_code == 400
    assert "The email or the password is wrong." in unknown.get_data(as_text=True)
    assert client.get("/needs").status_code == 302  # still signed out


def test_the_login_form_needs_its_csrf_token(client, demo) -> None:
    response = client.post("/login", data={"email": Accounts.national, "password": PASSWORD})
    assert response.status_code == 400
    assert "reload the page" in response.get_data(as_text=True)


def test_login_attempts_are_rate_limited(client, demo) -> None:
    token = csrf_token(client)
    codes = [
        client.post(
            "/login", data={"email": Accounts.national, "password": "x", "csrf_token": token}
        ).status_code
        for _ in range(12)
    ]
    assert codes[:10] == [400] * 10
    assert codes[10:] == [429, 429]


def failed_logins(client, token: str, address: str, times: int) -> list[int]:
    return [
        client.post(
            "/login",
            data={"email": Accounts.national, "password": "x", "csrf_token": token},
            headers={"X-Forwarded-For": address},
        ).status_code
        for _ in range(times)
    ]


def test_behind_a_trusted_proxy_each_client_address_has_its_own_limit(app, demo) -> None:
    proxied = create_app(settings(app.config["SQLALCHEMY_DATABASE_URI"], TRUSTED_PROXIES=1))
    client = proxied.test_client()
    token = csrf_token(client)
    try:
        assert failed_logins(client, token, "203.0.113.7", 11) == [400] * 10 + [429]
        assert failed_logins(client, token, "198.51.100.9", 1) == [400]  # someone else
    finally:
        with proxied.app_context():
            db.engine.dispose()


def test_without_a_trusted_proxy_a_forwarded_address_is_ignored(client, demo) -> None:
    token = csrf_token(client)
    assert failed_logins(client, token, "203.0.113.7", 10) == [400] * 10
    # a made-up header dodges nothing:
    assert failed_logins(client, token, "198.51.100.9", 1) == [429]


def sign_in_then(client, next_page: str):
    token = csrf_token(client)
    return client.post(
        f"/login?next={next_page}",
        data={"email": Accounts.national, "password": PASSWORD, "csrf_token": token},
    )


@pytest.mark.parametrize(
    "next_page",
    [
        "//evil.example/x",
        "/%09/evil.example/phish",  # a tab: browsers and Werkzeug drop it, leaving //evil...
        "/%0A/evil.example",  # a line feed, dropped the same way
        "/%5Cevil.example",  # a backslash reads as a slash
        "/%5C/evil.example",
        "%5C%5Cevil.example",
        "///evil.example",
        "https://evil.example/phish",
        "HTTPS://evil.example",
        "https:evil.example",  # no slashes, still another site
        "https:/evil.example",
        "javascript:alert(document.cookie)",
        "%20//evil.example",  # browsers strip a leading space
        "%01//evil.example",  # browsers strip leading control characters too
        "%2F%2Fevil.example",
        "/%0D%0ASet-Cookie:%20stolen=1",  # a header injected into the redirect
        "http://[evil.example",  # a URL Python cannot even parse
        "evil.example/phish",  # not a path: relative to /login
    ],
)
def test_a_next_page_off_this_site_goes_home_instead(client, demo, next_page) -> None:
    response = sign_in_then(client, next_page)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("next_page", "location"),
    [
        ("/needs", "/needs"),
        ("/needs%3Ffacility%3DF1%26date%3D2020-05-25", "/needs?facility=F1&date=2020-05-25"),
        ("/plan/solves/3", "/plan/solves/3"),
        ("/needs%3Ffacility%3Da%2520b", "/needs?facility=a%20b"),
        ("/%252F%252Fevil.example", "/%2F%2Fevil.example"),  # a path on this site, encoded
    ],
)
def test_a_next_page_on_this_site_is_followed(client, demo, next_page, location) -> None:
    response = sign_in_then(client, next_page)
    assert response.status_code == 302
    assert response.headers["Location"] == location


def test_signing_out_ends_the_session(client, demo) -> None:
    login(client, Accounts.national)
    token = csrf_token(client, "/needs")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/needs").status_code == 302


# --- sessions kept on the server ---------------------------------------------------------------


def sign_out(client) -> None:
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/needs")})
    assert response.status_code == 302


def session_id(client) -> str:
    """What Flask-Login keeps in the signed session cookie for this browser."""
    with client.session_transaction() as session:
        return session["_user_id"]


def with_cookie(app, name: str, value: str):
    """Another browser holding a copy of a cookie, as a thief would replay it."""
    other = app.test_client()
    other.set_cookie(name, value)
    return other


def needs(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Need))


def test_a_session_cookie_copied_before_signing_out_is_refused_afterwards(app, demo) -> None:
    browser = app.test_client()
    login(browser, Accounts.hospital)
    header = {"X-CSRFToken": browser.get("/api/csrf-token").get_json()["csrf_token"]}
    copied = browser.get_cookie("session").value
    thief = with_cookie(app, "session", copied)
    assert thief.get("/api/schedule").status_code == 200  # the copy works while signed in
    before = needs(app)
    sign_out(browser)
    refused = thief.get("/api/schedule")
    assert refused.status_code == 401
    assert refused.get_json()["error"]["message"].startswith("Sign in first")
    posted = thief.post(
        "/api/needs", json={**NEED, "facility_id": demo["facility"]}, headers=header
    )
    assert posted.status_code == 401
    assert needs(app) == before
    assert thief.get("/needs").headers["Location"].startswith("/login")


def test_a_remember_cookie_of_a_signed_out_session_is_refused(app, client, demo) -> None:
    login(client, Accounts.national)
    with app.test_request_context():
        remembered = encode_cookie(session_id(client))
    assert with_cookie(app, "remember_token", remembered).get("/needs").status_code == 200
    sign_out(client)
    assert with_cookie(app, "remember_token", remembered).get("/needs").status_code == 302


def test_signing_out_on_one_device_keeps_the_others_signed_in(app, demo) -> None:
    phone, laptop = app.test_client(), app.test_client()
    login(phone, Accounts.volunteer)
    login(laptop, Accounts.volunteer)
    copied = phone.get_cookie("session").value
    sign_out(phone)
    assert laptop.get("/my/schedule").status_code == 200
    assert with_cookie(app, "session", copied).get("/my/schedule").status_code == 302


def test_each_request_finds_its_session_with_one_read_and_no_write(app, client, demo) -> None:
    """The volunteer page is load-tested at ~300 requests a second: keep the check cheap."""
    login(client, Accounts.volunteer)
    statements: list[str] = []

    def seen(_connection, _cursor, statement, *_rest) -> None:
        statements.append(statement)

    with app.test_request_context():
        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            user = _load_user(session_id(client))
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        assert user is not None and user.email == Accounts.volunteer
    assert len(statements) == 1
    assert statements[0].lstrip().upper().startswith("SELECT")


def last_seen(app, moved: dt.timedelta | None = None) -> dt.datetime:
    """The session's last sign of life, after moving it back by `moved`."""
    with app.app_context():
        (row,) = db.session.scalars(select(LoginSession)).all()
        if moved is not None:
            when = dt.datetime.now(dt.UTC).replace(tzinfo=None) - moved
            db.session.execute(update(LoginSession).values(last_seen_at=when))
            db.session.commit()
            db.session.refresh(row)
        return row.last_seen_at


def test_a_session_is_marked_seen_at_most_every_few_minutes(app, client, demo) -> None:
    login(client, Accounts.national)
    a_minute_ago = last_seen(app, dt.timedelta(minutes=1))
    assert client.get("/needs").status_code == 200
    assert last_seen(app) == a_minute_ago  # no write on every request
    last_seen(app, dt.timedelta(hours=1))
    assert client.get("/needs").status_code == 200
    assert last_seen(app) > a_minute_ago


@pytest.mark.parametrize(
    "bad", ["", "abc", "1", "1:x", ":x:y", "x:y:z", "1:2:3:4", "99999:ffff:nope", "-1:a:b"]
)
def test_a_session_id_that_names_no_open_session_is_nobody(app, demo, bad) -> None:
    with app.test_request_context():
        assert _load_user(bad) is None


def test_a_session_from_before_server_sessions_is_signed_out(app, demo) -> None:
    """An id without a session token (the format before) is refused: one sign-in again."""
    with app.test_request_context():
        user = db.session.scalars(select(User).where(User.email == Accounts.national)).one()
        assert _load_user(f"{user.id}:{user.password_fingerprint}") is None


@pytest.fixture
def refused(app):
    refusal = RefusedWrites(app)
    yield refusal
    refusal.close()


def test_signing_in_while_the_database_refuses_writes_says_so(client, demo, refused) -> None:
    token = csrf_token(client)
    refused.on.set()
    response = client.post(
        "/login", data={"email": Accounts.national, "password": PASSWORD, "csrf_token": token}
    )
    refused.on.clear()
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "could not record the sign-in" in page
    assert "readonly database" in page or "read-only transaction" in page  # the database's words
    assert client.get("/needs").status_code == 302  # not signed in


def test_signing_out_while_the_database_refuses_writes_says_so(client, demo, refused) -> None:
    login(client, Accounts.national)
    token = csrf_token(client, "/needs")
    refused.on.set()
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=True)
    refused.on.clear()
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "could not end the session" in page
    assert client.get("/needs").status_code == 302  # this browser forgot it all the same


def test_a_deactivated_account_cannot_sign_in(app, client, demo) -> None:
    from web.models import User, db

    with app.app_context():
        user = db.session.query(User).filter_by(email=Accounts.hospital).one()
        user.active = False
        db.session.commit()
    assert login(client, Accounts.hospital).status_code == 400


def test_session_cookies_are_http_only_and_same_site(client, demo) -> None:
    response = login(client, Accounts.national)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure_by_default() -> None:
    from web import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
