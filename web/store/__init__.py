"""Between the database and the engine: stored rows to a `Dataset`, validated changes to rows,
and the rosters.

Every write here happens inside the caller's transaction; the views commit
once, after all of an upload is stored, so a failure stores nothing.
"""

from web.store.reading import facilities_of_needs, load, region_facilities, unread_needs
from web.store.rosters import (
    AlreadyPublished,
    NothingChanges,
    Pairs,
    assigned_at,
    changes_nothing,
    filled_places,
    hold,
    pinned_pairs,
    previous_published,
    publish,
    publish_draft,
    published,
    published_id,
    roster_assignments,
    save_draft,
    set_pin,
)
from web.store.rows import (
    FACILITY_FIELDS,
    NEED_FIELDS,
    VOLUNTEER_FIELDS,
    as_facility,
    as_need,
    as_volunteer,
    facility_row,
    need_row,
    volunteer_row,
    window_rows,
)
from web.store.writing import AccountLink, account_links, apply, replace_all

__all__ = [
    "FACILITY_FIELDS",
    "NEED_FIELDS",
    "VOLUNTEER_FIELDS",
    "AccountLink",
    "AlreadyPublished",
    "NothingChanges",
    "Pairs",
    "account_links",
    "apply",
    "as_facility",
    "as_need",
    "as_volunteer",
    "assigned_at",
    "changes_nothing",
    "facilities_of_needs",
    "facility_row",
    "filled_places",
    "hold",
    "load",
    "need_row",
    "pinned_pairs",
    "previous_published",
    "publish",
    "publish_draft",
    "published",
    "published_id",
    "region_facilities",
    "replace_all",
    "roster_assignments",
    "save_draft",
    "set_pin",
    "unread_needs",
    "volunteer_row",
    "window_rows",
]
