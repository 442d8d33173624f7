"""Every role walks every page it has, in Russian and in English.

The browser asks for the language (its locale, hence Accept-Language) and each
role signs in, then follows the links of the header's navigation and of each
page's main part, one page of each kind (`/needs/N00001/edit` and
`/needs/N00002/edit` are one kind), downloads and actions aside. Each page is
in the language asked for, passes axe-core, and is saved whole under
`tests/artifacts/screenshots/<language>/` (gitignored), so a reviewer can leaf
through every page in both languages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import (
    ARTIFACTS,
    CHROMIUM,
    DESKTOP,
    Site,
    checked_pages,
    sign_in,
    violations,
)

if not CHROMIUM.exists():
    pytest.skip(
        f"no {CHROMIUM}: install Debian's chromium package to run the browser tests",
        allow_module_level=True,
    )

from playwright.sync_api import Page

pytestmark = pytest.mark.browser

SCREENSHOTS = ARTIFACTS / "screenshots"
LOCALES = {"ru": "ru-RU", "en": "en-US"}
ROLES = ("national", "regional", "hospital", "volunteer")
# The header's words in English: none may be left on a Russian page.
NAVIGATION_WORDS = (
    "Volunteer staffing",
    "Needs",
    "Planning",
    "Solves",
    "Rosters",
    "Volunteers",
    "Facilities",
    "Accounts",
    "Audit log",
    "My shifts",
    "Password",
    "Sign out",
    "Menu",
)
# Downloads, actions, and `/` (it only sends each role to the start page the walk begins on).
NOT_A_PAGE = re.compile(r"\.(xlsx|ics|csv|json)$|^/(logout|language|static|api)(/|$)|^/$")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
MOST_PAGES = 40  # a role with more kinds of page than this is a crawl gone wrong

# The header's text as read in the page's own language: the switcher's other language
# (marked with its own lang) left out.
HEADER_TEXT = """() => {
  const header = document.querySelector('body > header').cloneNode(true);
  header.querySelectorAll('[lang]').forEach((element) => element.remove());
  return header.textContent.replace(/\\s+/g, ' ');
}"""
# Where the links and the search forms lead (an SVG link's href is not a string).
TARGETS = "body > header a[href], main a[href], main form[method=get][action]"
LINKS = """els => els.map(
  (e) => new URL(e.getAttribute(e.tagName === 'FORM' ? 'action' : 'href'), document.baseURI).href
)"""


@pytest.fixture(params=list(LOCALES))
def language(request) -> str:
    return request.param


@pytest.fixture
def page(browser, site: Site, language: str, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A desktop-sized page whose browser asks for `language`."""
    context = browser.new_context(base_url=site.url, viewport=DESKTOP, locale=LOCALES[language])
    context.set_default_timeout(10_000)
    yield from checked_pages(context, request)


def kind(path: str) -> str:
    """A page's kind: its path with every id (a segment holding a digit) as `*`."""
    return "/".join("*" if re.search(r"\d", part) else part for part in path.split("/"))


def links(page: Page, origin: str) -> list[str]:
    """The same-site pages the header and the main part link or search to, in order."""
    found = []
    for href in page.eval_on_selector_all(TARGETS, LINKS):
        url = urlsplit(href)
        if f"{url.scheme}://{url.netloc}" == origin and not NOT_A_PAGE.search(url.path):
            found.append(url.path + (f"?{url.query}" if url.query else ""))
    return found


def language_problems(page: Page, language: str) -> list[str]:
    """How the page is not in `language`: its <html lang>, title and header words."""
    problems = []
    declared = page.get_attribute("html", "lang")
    if declared != language:
        problems.append(f'<html lang="{declared}">, not "{language}"')
    title, header = page.title(), page.evaluate(HEADER_TEXT)
    if (language == "ru") != bool(CYRILLIC.search(title)):
        problems.append(f"title {title!r}")
    if language == "ru":
        english = [w for w in NAVIGATION_WORDS if re.search(rf"\b{w}\b", header)]
        if english:
            problems.append(f"English words in the header: {english}")
    elif CYRILLIC.search(header):
        problems.append(f"Russian in the header: {header!r}")
    return problems


def walk(page: Page, site: Site, language: str, role: str) -> dict[str, list[str]]:
    """Visit each kind of page the role reaches; what is wrong with each, by address."""
    folder = SCREENSHOTS / language
    folder.mkdir(parents=True, exist_ok=True)
    queue, seen, found = [urlsplit(page.url).path], set(), {}
    while queue and len(seen) < MOST_PAGES:
        path = queue.pop(0)
        if kind(path.split("?")[0]) in seen:
            continue
        seen.add(kind(path.split("?")[0]))
        response = page.goto(path)
        assert response and response.ok, f"{path}: {response and response.status}"
        problems = language_problems(page, language) + violations(page)
        if problems:
            found[path] = problems
        name = re.sub(r"[^\w]+", "-", path.strip("/")) or "start"
        page.screenshot(path=folder / f"{role}-{len(seen):02d}-{name}.png", full_page=True)
        queue += links(page, site.url)
    assert len(seen) < MOST_PAGES, f"{role} reaches {MOST_PAGES} kinds of page or more: {seen}"
    return found


@pytest.mark.parametrize("role", ROLES)
def test_each_role_walks_every_page_in_its_language(
    page: Page, site: Site, language: str, role: str
) -> None:
    sign_in(page, getattr(site, role))
    found = walk(page, site, language, role)
    assert not found, "\n".join(
        f"{path}:\n  " + "\n  ".join(problems) for path, problems in found.items()
    )
