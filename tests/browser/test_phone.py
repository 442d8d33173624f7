"""On a small phone (375×667) the page, not the header, fills the first screen.

The navigation sits behind a "Menu" that is a plain <details>, so it opens with
script turned off; on a wide screen it is simply shown. A volunteer copies their
calendar address with one tap; without script the address is still a read-only
field to select.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest

from tests.browser.conftest import (
    CHROMIUM,
    DOCS_IMAGES,
    PHONE,
    Site,
    accessible,
    checked_pages,
    sign_in,
    snapshot,
)

if not CHROMIUM.exists():
    pytest.skip(
        f"no {CHROMIUM}: install Debian's chromium package to run the browser tests",
        allow_module_level=True,
    )

from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

LOCALES = {"ru": "ru-RU", "en": "en-US"}
MENU = {"ru": "Меню", "en": "Menu"}
# The page's own heading ends within the top quarter of the first screen.
HEADING_BY = PHONE["height"] // 4
README_IMAGE = DOCS_IMAGES / "schedule-ru.png"


def new_page(
    browser, site: Site, request, locale: str = "en-US", script: bool = True, **options
) -> Iterator[Page]:
    context = browser.new_context(
        base_url=site.url,
        viewport=PHONE,
        locale=locale,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=script,
        **options,
    )
    context.set_default_timeout(10_000)
    yield from checked_pages(context, request, script)


@pytest.fixture(params=list(LOCALES))
def language(request) -> str:
    return request.param


@pytest.fixture
def phone_in(browser, site: Site, language: str, request) -> Iterator[Page]:
    """A phone whose browser asks for `language`."""
    yield from new_page(browser, site, request, LOCALES[language])


@pytest.fixture
def scriptless(browser, site: Site, request) -> Iterator[Page]:
    """A phone with script turned off."""
    yield from new_page(browser, site, request, script=False)


@pytest.fixture
def clipboard(browser, site: Site, request) -> Iterator[Page]:
    """A phone whose pages may write to and read from the clipboard."""
    yield from new_page(browser, site, request, permissions=["clipboard-read", "clipboard-write"])


@pytest.mark.parametrize("role", ["national", "regional", "hospital", "volunteer"])
def test_on_a_phone_the_start_page_begins_on_the_first_screen(
    phone_in: Page, site: Site, language: str, role: str
) -> None:
    sign_in(phone_in, getattr(site, role))
    heading = phone_in.locator("main h1").bounding_box()
    assert heading and heading["y"] + heading["height"] <= HEADING_BY, heading
    expect(phone_in.locator(".menu a").first).to_be_hidden()
    assert phone_in.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    if (role, language) == ("volunteer", "ru") and os.environ.get("UPDATE_DOCS_IMAGES") == "1":
        phone_in.screenshot(path=README_IMAGE)  # the README's (Languages)

    phone_in.get_by_text(MENU[language], exact=True).click()
    expect(phone_in.locator(".menu a").first).to_be_visible()
    snapshot(phone_in, f"phone-{language}-{role}-menu")


def test_the_menu_opens_without_script(scriptless: Page, site: Site) -> None:
    sign_in(scriptless, site.national)
    facilities = scriptless.get_by_role("link", name="Facilities")
    expect(facilities).to_be_hidden()
    scriptless.get_by_text("Menu", exact=True).click()
    facilities.click()
    expect(scriptless).to_have_url(re.compile(r"/facilities$"))
    snapshot(scriptless, "phone-no-script-facilities")


def test_on_a_wide_screen_the_menu_is_shown_without_a_button(desktop: Page, site: Site) -> None:
    sign_in(desktop, site.regional)
    expect(desktop.get_by_role("link", name="Audit log")).to_be_visible()
    expect(desktop.get_by_text("Menu", exact=True)).to_be_hidden()


def test_a_volunteer_copies_their_calendar_address(clipboard: Page, site: Site) -> None:
    sign_in(clipboard, site.volunteer)
    address = clipboard.get_by_label(re.compile("subscribe", re.I)).input_value()
    copy = clipboard.get_by_role("button", name="Copy", exact=True)
    expect(copy).to_have_count(1, timeout=1_000)
    copy.click()
    expect(clipboard.get_by_role("status").filter(has_text="Copied.")).to_be_visible()
    assert clipboard.evaluate("navigator.clipboard.readText()") == address
    snapshot(clipboard, "phone-volunteer-copied")
    accessible(clipboard)


def test_without_script_the_address_is_a_field_to_select(scriptless: Page, site: Site) -> None:
    sign_in(scriptless, site.volunteer)
    field = scriptless.get_by_label(re.compile("subscribe", re.I))
    expect(field).to_have_attribute("readonly", "")
    expect(field).to_have_value(re.compile(r"/calendar/[\w-]+\.ics$"))
    expect(scriptless.get_by_role("button", name="Copy", exact=True)).to_have_count(0)
