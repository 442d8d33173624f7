"""A few lines that tell a coordinator what a dataset holds."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from scheduler.domain import Dataset, Priority
from scheduler.i18n import figure, gettext, ngettext, pgettext, priority_name, role_name


def describe(dataset: Dataset, source: Path | str) -> str:
    horizon = dataset.horizon
    if horizon:
        span = gettext("%(first)s to %(last)s", first=horizon[0], last=horizon[1])
    else:
        span = gettext("no dates")
    by_priority: Counter[int] = Counter()
    for need in dataset.needs:
        by_priority[need.priority] += need.count
    demand = ", ".join(
        gettext("%(count)s %(priority)s", count=_n(by_priority[p]), priority=priority_name(p))
        for p in Priority
    )
    capacity = sum(v.max_shifts_per_week for v in dataset.volunteers)
    roles = Counter(v.role for v in dataset.volunteers)
    by_role = ", ".join(
        pgettext("volunteers of a role", "%(count)s %(role)s", count=_n(n), role=role_name(r))
        for r, n in roles.most_common()
    )
    facilities, regions = len(dataset.facilities), len(dataset.regions)
    return "\n".join(
        [
            gettext("%(source)s: valid.", source=source),
            "  "
            + gettext(
                "%(facilities)s in %(regions)s; %(volunteers)s volunteers (%(roles)s)",
                facilities=ngettext(
                    "%(count)s facility", "%(count)s facilities", facilities, count=_n(facilities)
                ),
                regions=ngettext(
                    "%(count)s region", "%(count)s regions", regions, count=_n(regions)
                ),
                volunteers=_n(len(dataset.volunteers)),
                roles=by_role,
            ),
            "  "
            + gettext(
                "%(needs)s needs from %(span)s: %(places)s places (%(demand)s)",
                needs=_n(len(dataset.needs)),
                span=span,
                places=_n(dataset.demand),
                demand=demand,
            ),
            "  "
            + gettext(
                "%(rows)s availability rows; volunteers offer up to %(capacity)s shifts a week",
                rows=_n(len(dataset.availability)),
                capacity=_n(capacity),
            ),
            *_credential_lines(dataset),
        ]
    )


def _credential_lines(dataset: Dataset) -> list[str]:
    """What credentials are held and asked for; nothing for an input without them."""
    asking = sum(1 for n in dataset.needs if n.requires)
    if not dataset.credentials and not asking:
        return []
    holders = len({c.volunteer_id for c in dataset.credentials})
    names = ", ".join(sorted({c.credential for c in dataset.credentials})) or "-"
    return [
        "  "
        + gettext(
            "%(rows)s credential rows of %(holders)s volunteers (%(names)s); %(needs)s needs "
            "require credentials",
            rows=_n(len(dataset.credentials)),
            holders=_n(holders),
            names=names,
            needs=_n(asking),
        )
    ]


def _n(count: int) -> str:
    return figure(count, ",")
