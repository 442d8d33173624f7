"""The engine's words in the reader's language: gettext catalogs, one language per context.

Messages are written in English in the code, marked with `gettext` (or
`ngettext` for counts) and translated through the catalogs in
`scheduler/locale/<language>/LC_MESSAGES/scheduler.po`, read with Babel when
first needed, so there is no compile step to forget. Values go in as named
placeholders (`gettext("%(count)s volunteers", count=3)`), as in the web app's
Flask-Babel, so a translation may put them in its own order.

The language is a context variable: the web app sets it for each request
(`using`), the command line takes it from SCHEDULER_LANGUAGE or the usual
LANGUAGE, LC_ALL, LC_MESSAGES or LANG; English when none names a language
there is a catalog for.
"""

from __future__ import annotations

import gettext as stdlib_gettext
import io
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALES = Path(__file__).resolve().parent / "locale"
DOMAIN = "scheduler"
LANGUAGES = ("en", "ru")  # English is the catalogs' source; each other one has a catalog
DEFAULT = "en"
ENVIRONMENT = ("SCHEDULER_LANGUAGE", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def language_from(environ: Mapping[str, str]) -> str:
    """The first language the environment names that we speak ("ru_RU.UTF-8" is "ru")."""
    for name in ENVIRONMENT:
        for wanted in environ.get(name, "").split(":"):  # LANGUAGE may list several
            code = wanted.split(".")[0].split("_")[0].split("-")[0].lower()
            if code in LANGUAGES:
                return code
    return DEFAULT


STARTED_IN = language_from(os.environ)  # the command line's, or English
_language: ContextVar[str] = ContextVar("language", default=STARTED_IN)


def language() -> str:
    return _language.get()


@contextmanager
def using(code: str | None) -> Iterator[None]:
    """Speak `code` inside the block (a language without a catalog is English)."""
    token = _language.set(code if code in LANGUAGES else DEFAULT)
    try:
        yield
    finally:
        _language.reset(token)


@cache
def _catalog(code: str) -> stdlib_gettext.NullTranslations:
    path = LOCALES / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    if code == DEFAULT or not path.exists():
        return stdlib_gettext.NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=code)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return stdlib_gettext.GNUTranslations(compiled)


def gettext(message: str, **values: object) -> str:
    """The message in the current language, its %(name)s placeholders filled."""
    text = _catalog(language()).gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, count: int, **values: object) -> str:
    """The form for `count` in the current language (Russian has three); %(count)s is filled."""
    text = _catalog(language()).ngettext(singular, plural, count)
    return text % {"count": count, **values}


def number(value: float, digits: int = 3) -> str:
    """A number as the current language writes it (12.5 in English, 12,5 in Russian)."""
    return format_decimal(round(value, digits), locale=language())
