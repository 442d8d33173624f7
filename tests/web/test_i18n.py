"""Languages: the Russian catalog complete and current, and each request in the right language."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import ngettext
from sqlalchemy import select

from tests.web.conftest import Accounts, csrf_token, login, settings
from web import create_app, schedule
from web.models import User, db

ROOT = Path(__file__).resolve().parents[2]
RUSSIAN = ROOT / "web" / "translations" / "ru" / "LC_MESSAGES" / "messages.po"
HTML_LANG = re.compile(r'<html lang="([^"]+)">')
H1 = re.compile(r"<h1>(.*?)</h1>", re.S)


def russian_catalog():
    with RUSSIAN.open("rb") as source:
        return read_po(source, locale="ru")


def extracted() -> set[tuple[str | None, str]]:
    """Every message of web/ as `make messages` extracts it: babel.cfg, the Makefile's keywords."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    line = re.search(r"^BABEL_KEYWORDS := (.*)$", (ROOT / "Makefile").read_text(), re.M)
    assert line, "the Makefile names the extra gettext keywords in BABEL_KEYWORDS"
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
    keywords |= parse_keywords(line.group(1).replace("-k ", "").split())
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=keywords
    ):
        found.add((context, message[0] if isinstance(message, tuple) else message))
    return found


def page(client: FlaskClient, url: str, language: str | None = None) -> str:
    headers = {"Accept-Language": language} if language else {}
    response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def lang(html: str) -> str:
    match = HTML_LANG.search(html)
    assert match
    return match.group(1)


def choose(client: FlaskClient, locale: str, back: str = "/login"):
    token = csrf_token(client, back)
    return client.post("/language", data={"locale": locale, "next": back, "csrf_token": token})


# --- the catalog ----------------------------------------------------------------------------


def test_every_russian_message_is_translated_and_none_is_fuzzy() -> None:
    catalog = russian_catalog()
    untranslated = [
        m.id
        for m in catalog
        if m.id and (not all(m.string) if isinstance(m.string, tuple) else not m.string)
    ]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []
    assert not catalog.fuzzy  # a fuzzy header makes `pybabel compile` (make) skip the catalog
    plurals = [m for m in catalog if isinstance(m.id, tuple)]
    assert plurals and all(len(m.string) == 3 for m in plurals)  # one, few, many
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert problems == []  # the same %(name)s placeholders as the English


def test_no_message_is_in_the_catalog_twice() -> None:
    """Babel's reader keeps the last of two entries silently; gettext's msgfmt refuses them."""
    text = RUSSIAN.read_text(encoding="utf-8")
    keys = Counter(
        (entry.group(1), entry.group(2))
        for entry in re.finditer(
            r'^(?:msgctxt (".*")\n)?msgid ((?:".*"\n)+)', text + "\n", flags=re.MULTILINE
        )
    )
    assert [key for key, count in keys.items() if count > 1] == []


def test_the_russian_catalog_holds_every_message_of_the_source() -> None:
    """Stale when a string was added or changed in web/ without `make messages`."""
    known = {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id) for m in russian_catalog()}
    found = extracted()
    assert len(found) > 300  # the extraction read the templates and the modules
    assert sorted(found - known, key=str) == []


def test_russian_plurals_take_their_three_forms(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        words = {
            n: ngettext(
                "Nothing was stored: %(num)s problem", "Nothing was stored: %(num)s problems", n
            )
            for n in (1, 3, 5, 11, 21, 22)
        }
    assert words == {
        1: "Ничего не сохранено: 1 ошибка",
        3: "Ничего не сохранено: 3 ошибки",
        5: "Ничего не сохранено: 5 ошибок",
        11: "Ничего не сохранено: 11 ошибок",
        21: "Ничего не сохранено: 21 ошибка",
        22: "Ничего не сохранено: 22 ошибки",
    }


# --- which language a request gets ---------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "language", "heading"),
    [
        ("ru", "ru", "Войти"),
        ("ru-RU,ru;q=0.9,en-US;q=0.8", "ru", "Войти"),
        ("en", "en", "Sign in"),
        ("de-DE,fr;q=0.5", "en", "Sign in"),
        (None, "en", "Sign in"),
    ],
)
def test_the_sign_in_page_speaks_the_browsers_language(client, accept, language, heading) -> None:
    html = page(client, "/login", accept)
    assert lang(html) == language and H1.search(html).group(1) == heading


def test_a_site_default_language_serves_browsers_that_name_none(tmp_path: Path) -> None:
    app = create_app(settings(f"sqlite:///{tmp_path / 'x.sqlite3'}", DEFAULT_LOCALE="ru"))
    html = page(app.test_client(), "/login")
    assert lang(html) == "ru" and "Войти" in html
    assert lang(page(app.test_client(), "/login", "en")) == "en"


def test_an_unknown_site_default_language_stops_the_app_with_the_choices(tmp_path) -> None:
    with pytest.raises(ValueError, match=r"SCHEDULER_DEFAULT_LOCALE is 'de'.*en, ru"):
        create_app(settings(f"sqlite:///{tmp_path / 'x.sqlite3'}", DEFAULT_LOCALE="de"))


def test_error_pages_and_api_errors_are_in_the_browsers_language(client, demo) -> None:
    response = client.get("/no-such-page", headers={"Accept-Language": "ru"})
    assert response.status_code == 404 and "Здесь ничего нет" in response.get_data(as_text=True)
    response = client.get("/api/no-such-thing", headers={"Accept-Language": "ru"})
    assert response.status_code == 404
    assert response.get_json()["error"]["message"].startswith("Здесь ничего нет")
    english = client.get("/no-such-page").get_data(as_text=True)
    assert "There is nothing here" in english and lang(english) == "en"


# --- the switcher ---------------------------------------------------------------------------


def test_the_switcher_stores_the_choice_on_the_account_and_it_beats_the_browser(
    app, client, demo
) -> None:
    login(client, Accounts.volunteer)
    response = choose(client, "ru", "/my/schedule")
    assert response.status_code == 302 and response.headers["Location"] == "/my/schedule"
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == Accounts.volunteer)).one()
        assert user.locale == "ru"
    html = page(client, "/my/schedule", "en-US,en")
    assert lang(html) == "ru" and "Мои смены" in html

    client.post("/logout", data={"csrf_token": csrf_token(client, "/my/schedule")})
    again = app.test_client()  # another browser, asking for English
    again.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert lang(page(again, "/login")) == "en"
    login(again, Accounts.volunteer)
    assert lang(page(again, "/my/schedule")) == "ru"


def test_signed_out_the_choice_is_kept_in_the_session_and_carried_into_the_account(
    app, client, demo
) -> None:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = choose(client, "ru")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    html = page(client, "/login")
    assert lang(html) == "ru" and H1.search(html).group(1) == "Войти"
    login(client, Accounts.hospital)
    assert lang(page(client, "/needs")) == "ru"
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == Accounts.hospital)).one()
        assert user.locale == "ru"
    choose(client, "en", "/needs")
    assert lang(page(client, "/needs", "ru")) == "en"


@pytest.mark.parametrize(
    "back", ["//evil.example/", "https://evil.example/", "/\t/evil.example", "javascript:x"]
)
def test_the_switcher_never_sends_the_browser_to_another_site(client, back) -> None:
    token = csrf_token(client)
    response = client.post("/language", data={"locale": "ru", "next": back, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_the_switcher_refuses_an_unknown_language_and_a_missing_csrf_token(client) -> None:
    token = csrf_token(client)
    assert client.post("/language", data={"locale": "xx", "csrf_token": token}).status_code == 400
    assert client.post("/language", data={"locale": "ru"}).status_code == 400
    assert lang(page(client, "/login")) == "en"


def test_the_switcher_offers_the_other_language_by_its_own_name(client) -> None:
    english, russian = page(client, "/login"), page(client, "/login", "ru")
    assert 'value="ru" lang="ru"' in english and "Русский" in english
    assert 'value="en" lang="en"' in russian and "English" in russian


# --- pages in Russian -----------------------------------------------------------------------


def test_a_volunteers_shifts_show_russian_dates(client, demo, monkeypatch) -> None:
    # after the demo week (May 2020), whatever the server's date: every shift is past
    monkeypatch.setattr(schedule, "today", lambda: dt.date(2020, 6, 1))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    login(client, Accounts.volunteer)
    html = page(client, "/my/schedule")
    days = re.findall(r"<h3>(.*?)</h3>", html)
    assert days and all(re.fullmatch(r"[А-Я][а-я]+, \d{1,2} мая 2020", d) for d in days), days
    assert "Прошедшие смены" in html and "Past shifts" not in html


def test_a_search_counts_volunteers_with_the_russian_plural(app, client, demo) -> None:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    login(client, Accounts.national)
    html = page(client, "/volunteers?q=V")
    count = int(re.search(r"найден[оа]? (\d+) волонт", html).group(1))
    assert f"{count} {('волонтёр', 'волонтёра', 'волонтёров')[russian_form(count)]}." in html


def russian_form(n: int) -> int:
    """Russian's plural form of a count: 1, 21 (one); 2-4, 22 (few); 5-20, 11-14 (many)."""
    if n % 10 == 1 and n % 100 != 11:
        return 0
    return 1 if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else 2


def test_roles_and_priorities_are_in_words_on_the_needs_page(client, demo) -> None:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    login(client, Accounts.hospital)
    html = page(client, "/needs")
    assert "Заявки" in html and "junior_student" not in html
    assert re.search(r"<td>(медсестра|врач|фельдшер|санитар|помощник)</td>", html)
    assert re.search(r"<td>(критический|обычный|низкий)</td>", html)
    assert re.search(r"<h2 [^>]*>[А-Я][а-я]+, \d{1,2} мая 2020</h2>", html)  # a day in Russian
