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
from contextvars import ContextVar, Token
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


def speak(code: str | None) -> Token[str]:
    """Speak `code` in this context from now on, until `reset(token)`: for a web request,
    whose start and end are two hooks rather than one block."""
    return _language.set(code if code in LANGUAGES else DEFAULT)


def reset(token: Token[str]) -> None:
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


def gettext(message: str, /, **values: object) -> str:
    """The message in the current language, its %(name)s placeholders filled."""
    text = _catalog(language()).gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, count: int, /, **values: object) -> str:
    """The form for `count` in the current language (Russian has three); %(count)s is filled,
    with `count` itself unless `values` gives it written otherwise (1,234)."""
    text = _catalog(language()).ngettext(singular, plural, count)
    return text % {"count": count, **values}


def number(value: float, digits: int = 3) -> str:
    """A number as the current language writes it (12.5 in English, 12,5 in Russian)."""
    return format_decimal(round(value, digits), locale=language())


def pgettext(context: str, message: str, /, **values: object) -> str:
    """The message in the current language, as `gettext`, told apart by its `context`."""
    text = _catalog(language()).pgettext(context, message)
    return text % values if values else text


def N_(message: str) -> str:
    """Marks a message for the catalogs where it is declared; `gettext` translates it where used."""
    return message


def figure(value: float, spec: str = "g") -> str:
    """A number in running text: in English exactly as `format(value, spec)` writes it, in
    another language in its own way (12,5; 1 234). `spec` is "g", "," or ".<n>f"."""
    if language() == DEFAULT:
        return format(value, spec)
    if spec.endswith("f"):
        digits = int(spec.rpartition(".")[2][:-1])
        return format_decimal(value, "#,##0" + ("." + "0" * digits if digits else ""), language())
    return format_decimal(value, "#,##0.######", locale=language())


def role_name(role: str) -> str:
    """A role in the current language: the contract's roles have words in each catalog
    (English keeps the role as written, `junior_student`); any other role is shown as written."""
    return _role_names(language()).get(role, role)


def priority_name(priority: int) -> str:
    """A need's priority in words: critical, normal, low."""
    names = _priority_names(language())
    return names.get(int(priority), str(priority))


@cache
def _role_names(code: str) -> dict[str, str]:
    with using(code):
        return {
            "doctor": pgettext("volunteer role", "doctor"),
            "nurse": pgettext("volunteer role", "nurse"),
            "paramedic": pgettext("volunteer role", "paramedic"),
            "senior_student": pgettext("volunteer role", "senior_student"),
            "junior_student": pgettext("volunteer role", "junior_student"),
            "orderly": pgettext("volunteer role", "orderly"),
            "support": pgettext("volunteer role", "support"),
        }


@cache
def _priority_names(code: str) -> dict[int, str]:
    with using(code):
        return {
            1: pgettext("priority", "critical"),
            2: pgettext("priority", "normal"),
            3: pgettext("priority", "low"),
        }
