"""The rules sheet's settings in words of the current language.

Each setting is declared once, in `scheduler.domain.Rules`, with its meaning
and kind of value in English. They are marked here for the catalogs, so the
template and the rules sheet's messages can say them in Russian too; a test
fails when `Rules` declares a meaning or kind that is not listed here.
"""

from __future__ import annotations

from annotated_types import Ge, Gt, Le

from scheduler.domain import Rules
from scheduler.i18n import N_, figure, gettext

# Rules' meanings and kinds of value, as scheduler.domain declares them.
WORDS = frozenset(
    {
        N_("least hours from the end of one shift to the start of the next"),
        N_("most days in a row with a shift start"),
        N_("most km from home to facility, when both have lat/lon"),
        N_("worth of one filled place of a critical need"),
        N_("worth of one filled place of a normal need"),
        N_("worth of one filled place of a low need"),
        N_("a number of hours"),
        N_("a whole number"),
        N_("a distance in km"),
        N_("a weight"),
        N_("a number"),
    }
)


def meaning(name: str) -> str:
    """What a rule means: 'most days in a row with a shift start'."""
    description = Rules.model_fields[name].description
    return gettext(description) if description else name


def accepted(name: str) -> str:
    """What a rule takes: 'a whole number from 1 to 366' (in English as `Rules.accepted`)."""
    info = Rules.model_fields[name]
    extra = info.json_schema_extra
    kind = gettext(str(extra["kind"]) if isinstance(extra, dict) else "a number")
    low = next(m for m in info.metadata if isinstance(m, Ge | Gt))
    high = _figure(next(m.le for m in info.metadata if isinstance(m, Le)))
    if isinstance(low, Gt):
        return gettext(
            "%(kind)s, more than %(low)s and at most %(high)s",
            kind=kind,
            low=_figure(low.gt),
            high=high,
        )
    return gettext("%(kind)s from %(low)s to %(high)s", kind=kind, low=_figure(low.ge), high=high)


def _figure(value: object) -> str:
    number = float(value)  # type: ignore[arg-type]
    return figure(int(number), ",") if number.is_integer() else figure(number, ",")
