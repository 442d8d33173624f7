"""Signing in: passwords, CSRF, the rate limit, sessions, and where each role lands."""

from __future__ import annotations

import pytest

from tests.web.conftest import PASSWORD, Accounts, csrf_token, login, settings
from web import create_app
from web.models import db


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
        "%00//evil.example",
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
