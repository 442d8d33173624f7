"""Finding volunteers by a part of their name or id, as coordinators type it."""

from __future__ import annotations

from sqlalchemy import Select, or_

from web import models as m

LONGEST = 100  # characters of a search kept


def matching(query: Select, text: str) -> Select:
    """`query` (of volunteers) narrowed to those whose name or id holds `text`, any case.

    LIKE's own wildcards in the text are taken literally.
    """
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return query.where(
        or_(
            m.Volunteer.name.ilike(pattern, escape="\\"),
            m.Volunteer.id.ilike(pattern, escape="\\"),
        )
    )
