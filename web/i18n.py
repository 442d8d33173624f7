"""Languages: which one a request is answered in, and dates, numbers and roles in its words.

The language is the account's choice (the switcher, `web.language`), else
the choice made in this browser while signed out, else the browser's
Accept-Language (the best of LANGUAGES), else DEFAULT_LOCALE
(`SCHEDULER_DEFAULT_LOCALE`, English unless set). Messages are gettext
calls over the catalogs in `web/translations/` (the English text is the
msgid, so English needs no catalog); `make` compiles them.

Dates are shown in each language's own way, through Babel: English keeps
the ISO dates the input files use (2020-05-20), Russian writes
"среда, 20 мая 2020". Shift times are wall-clock and always 24-hour.

Stamped times (published, audited, solved) are stored as naive UTC and shown
in the site's time zone (`SCHEDULER_TIMEZONE`, Europe/Moscow unless set), or
a facility's when a page is about one facility (`moment(value, zone)`); a
page never prints a bare UTC time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from zoneinfo import ZoneInfo

from babel import dates
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import (
    format_date,
    format_decimal,
    format_percent,
    get_locale,
    lazy_gettext,
    lazy_pgettext,
)
from flask_login import current_user

from scheduler import i18n as engine_i18n
from scheduler.intake import cells
from scheduler.intake.cells import CellError
from web.extensions import babel

# The languages offered, by their own name. Adding one: a catalog in web/translations/
# (README, "Languages"), a line here, and its date patterns below.
LANGUAGES: Mapping[str, str] = {"en": "English", "ru": "Русский"}
LOCALE_KEY = "locale"  # where a choice made while signed out is kept in the session

# Babel date patterns per language; a language without its own falls back to Babel's.
PATTERNS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "day": "EEEE, yyyy-MM-dd",
        "short_day": "EEE yyyy-MM-dd",
        "date": "yyyy-MM-dd",
        "moment": "yyyy-MM-dd HH:mm",
    },
    "ru": {
        "day": "EEEE, d MMMM yyyy",
        "short_day": "EEE dd.MM.yyyy",
        "date": "dd.MM.yyyy",
        "moment": "dd.MM.yyyy HH:mm",
    },
}
BABEL_DEFAULTS = {"day": "full", "short_day": "medium", "date": "medium", "moment": "short"}

# The contract's roles (scheduler.domain.DEFAULT_COVER) in words; a role of a stored role
# table that is not here is shown as written, underscores as spaces.
ROLE_NAMES = {
    "doctor": lazy_pgettext("volunteer role", "doctor"),
    "nurse": lazy_pgettext("volunteer role", "nurse"),
    "paramedic": lazy_pgettext("volunteer role", "paramedic"),
    "senior_student": lazy_pgettext("volunteer role", "senior student"),
    "junior_student": lazy_pgettext("volunteer role", "junior student"),
    "orderly": lazy_pgettext("volunteer role", "orderly"),
    "support": lazy_pgettext("volunteer role", "support"),
}
PRIORITY_NAMES = {
    1: lazy_gettext("critical"),
    2: lazy_gettext("normal"),
    3: lazy_gettext("low"),
}

# Why a place is open, by stage of the funnel (scheduler.outputs.roster.STAGE_WORDS).
STAGE_NAMES = {
    "role": lazy_gettext("nobody with the role"),
    "availability": lazy_gettext("nobody available"),
    "distance": lazy_gettext("nobody near enough"),
    "credentials": lazy_gettext("nobody holds the credentials"),
    "on_shift": lazy_gettext("everyone eligible is on it"),
    "limits": lazy_gettext("weekly limit or rest"),
    "weigh_more": lazy_gettext("used on more important shifts"),
    "free": lazy_gettext("could still be filled"),
}


def init_app(app: Flask) -> None:
    """Flask-Babel with the selector below, and the filters templates format values with."""
    default = str(app.config["DEFAULT_LOCALE"])
    if default not in LANGUAGES:
        raise ValueError(
            f"SCHEDULER_DEFAULT_LOCALE is {default!r}, which is not a language of this site; "
            f"set it to one of {', '.join(LANGUAGES)}"
        )
    app.config["BABEL_DEFAULT_LOCALE"] = default
    app.config["TIMEZONE"] = _site_zone_setting(str(app.config["TIMEZONE"]))
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]
    babel.init_app(app, locale_selector=select_locale)
    filters: dict[str, Callable] = {
        "day": day,
        "short_day": short_day,
        "date": date,
        "moment": moment,
        "seconds": seconds,
        "number": number,
        "percent": percent,
        "role_name": role_name,
        "priority_name": priority_name,
        "stage_name": stage_name,
        "credential_name": credential_name,
        "iso_date": lambda text: date(dt.date.fromisoformat(text)),
    }
    app.jinja_env.filters.update(filters)
    app.context_processor(
        lambda: {
            "current_locale": language(),
            "languages": LANGUAGES,
            "time_zone": viewer_zone_name(),
            "date_hint": date_hint,
            "viewer_zones": VIEWER_ZONES,
        }
    )
    app.before_request(_engine_speaks)
    app.teardown_request(_engine_done)


def _site_zone_setting(name: str) -> str:
    """SCHEDULER_TIMEZONE as the zone database spells it; a name it lacks stops the app."""
    try:
        return cells.time_zone(name)
    except CellError:
        raise ValueError(
            f"SCHEDULER_TIMEZONE is {name!r}, which is not a time zone; set it to an IANA "
            "name such as Europe/Moscow or Asia/Vladivostok"
        ) from None


def site_zone() -> ZoneInfo:
    """The site's time zone: a facility's when it names none, and the zone of stamped times."""
    return ZoneInfo(current_app.config["TIMEZONE"])


# The zones a person may choose for the times stamped on pages: Russia's eleven, and UTC.
VIEWER_ZONES = (
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Yakutsk",
    "Asia/Vladivostok",
    "Asia/Magadan",
    "Asia/Kamchatka",
    "UTC",
)


def viewer_zone_name() -> str:
    """The zone stamped times are shown in: the signed-in person's choice, else the site's."""
    if has_request_context() and current_user and current_user.is_authenticated:
        chosen = getattr(current_user, "timezone", None)
        if chosen:
            return str(chosen)
    return str(current_app.config["TIMEZONE"])


def zone_of(name: str | None = None) -> ZoneInfo:
    """The zone `name` (a facility's), the site's when it is empty."""
    return ZoneInfo(name) if name else site_zone()


def _engine_speaks() -> None:
    """The engine's messages (upload problems, why a place is open) in the page's language."""
    g.engine_language = engine_i18n.speak(language())


def _engine_done(_: BaseException | None) -> None:
    token = g.pop("engine_language", None)
    if token is not None:
        engine_i18n.reset(token)


def select_locale() -> str:
    """The account's choice, the session's, the browser's, the site's (see the docstring)."""
    default = current_app.config["DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    if current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    if session.get(LOCALE_KEY) in LANGUAGES:
        return session[LOCALE_KEY]
    return request.accept_languages.best_match(list(LANGUAGES)) or default


def language() -> str:
    """The language of this request, as a LANGUAGES key (`<html lang>`)."""
    return str(get_locale() or current_app.config["DEFAULT_LOCALE"])


def _pattern(kind: str) -> str:
    return PATTERNS.get(language(), {}).get(kind, BABEL_DEFAULTS[kind])


# How a date is typed into a form, per language: shown as the field's hint; `typed_date`
# reads it, and ISO (YYYY-MM-DD) in any language.
DATE_HINTS: Mapping[str, str] = {"en": "YYYY-MM-DD", "ru": "ДД.ММ.ГГГГ"}
_DOTTED = re.compile(r"\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*")


def date_hint() -> str:
    return DATE_HINTS.get(language(), DATE_HINTS["en"])


def date_field(value: dt.date) -> str:
    """A date as the form shows it in this language: '2020-05-18', '18.05.2020'."""
    return format_date(value, _pattern("date"))


def typed_date(text: str) -> str:
    """A date typed as DD.MM.YYYY as ISO, for the engine; anything else as it was typed
    (the engine says what is wrong with it, in words)."""
    dotted = _DOTTED.fullmatch(text)
    if dotted is None:
        return text
    day_, month, year = (int(part) for part in dotted.groups())
    try:
        return dt.date(year, month, day_).isoformat()
    except ValueError:
        return text


def day(value: dt.date) -> str:
    """A day as a heading: 'Wednesday, 2020-05-20', 'Среда, 20 мая 2020'."""
    text = format_date(value, _pattern("day"))
    return text[:1].upper() + text[1:]


def short_day(value: dt.date) -> str:
    """A day in a line of text: 'Wed 2020-05-20', 'ср 20.05.2020'."""
    return format_date(value, _pattern("short_day"))


def date(value: dt.date) -> str:
    return format_date(value, _pattern("date"))


def local(value: dt.datetime, zone: str | None = None) -> dt.datetime:
    """A stamped time (stored as naive UTC, or aware) in `zone` (a facility's), else in the
    viewer's (`viewer_zone_name`)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(ZoneInfo(zone or viewer_zone_name()))


def moment(value: dt.datetime, zone: str | None = None) -> str:
    """A stamped time with its date, to the minute, in `zone` (the viewer's unless given)."""
    return dates.format_datetime(local(value, zone), _pattern("moment"), locale=get_locale())


def seconds(value: dt.datetime, zone: str | None = None) -> str:
    """A stamped time of day, to the second, in `zone` (the viewer's unless given)."""
    return dates.format_datetime(local(value, zone), "HH:mm:ss", locale=get_locale())


def number(value: float | None, digits: int = 0) -> str:
    """1,234.5 or 1 234,5, with up to `digits` decimals as needed (a dash for none)."""
    if value is None:
        return "–"
    return format_decimal(value, "#,##0" + ("." + "#" * digits if digits else ""))


def percent(value: float | None, digits: int = 0) -> str:
    """A share from 0 to 1 as '85%' or '85 %' (a dash for none)."""
    if value is None:
        return "–"
    return format_percent(value, "#,##0" + ("." + "0" * digits if digits else "") + "%")


def role_name(role: str) -> str:
    """A volunteer role in words: 'junior_student' or 'junior student' reads 'junior student'."""
    name = ROLE_NAMES.get(role.strip().replace(" ", "_"))
    return str(name) if name is not None else role.replace("_", " ")


def credential_name(credential: str) -> str:
    """A credential as people read it: 'pcr_test' reads 'pcr test'. Credentials are each
    organisation's own names, so they are shown as written, never translated."""
    return credential.replace("_", " ")


def priority_name(priority: int) -> str:
    name = PRIORITY_NAMES.get(priority)
    return str(name) if name is not None else str(priority)


def stage_name(stage: str) -> str:
    name = STAGE_NAMES.get(stage)
    return str(name) if name is not None else stage
