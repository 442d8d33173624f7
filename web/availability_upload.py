"""A coordinator's availability upload, reviewed before it replaces anybody's windows.

The availability sheet replaces all stored windows of each volunteer it
names. One "no" row for a volunteer who is ill would otherwise wipe out their
whole weekly pattern unseen. So when an upload would remove any stored
window, the coordinator is first shown, per volunteer, what goes and what
comes, and which published shifts would no longer fit; the file waits under
the instance folder (for its uploader only, a day at most) until they confirm
or upload again. Every replacement is kept in the volunteer's history.
"""

from __future__ import annotations

import json
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from scheduler.domain import Dataset
from scheduler.intake.own_availability import changed, records, stranded
from scheduler.intake.updates import Changes, merge
from web import i18n, schedule, store
from web.own_availability import keep, window_words

WAIT_SECONDS = 86400  # a parked upload older than this is gone
_TOKEN_LENGTH = 22


@dataclass(frozen=True)
class Replacement:
    """What an upload does to one volunteer's windows, in words."""

    volunteer_id: str
    name: str
    removed: list[str]
    added: list[str]


def removals(changes: Changes, base: Dataset) -> list[Replacement]:
    """The volunteers who would lose a stored window, and what they would get instead."""
    stored: dict[str, list] = {}
    for window in base.availability:
        if window.volunteer_id in changes.availability:
            stored.setdefault(window.volunteer_id, []).append(window)
    named = {v.id: v.name for v in base.volunteers} | {v.id: v.name for v in changes.volunteers}
    found = []
    for volunteer_id in sorted(changes.availability):
        removed, added = changed(stored.get(volunteer_id, ()), changes.availability[volunteer_id])
        if removed:
            found.append(
                Replacement(
                    volunteer_id,
                    named.get(volunteer_id, volunteer_id),
                    [window_words(w) for w in removed],
                    [window_words(w) for w in added],
                )
            )
    return found


def stranded_shifts(changes: Changes, base: Dataset) -> list[str]:
    """Published shifts, not yet started, that the new windows would leave out, in words."""
    roster = store.published()
    if roster is None or not changes.availability:
        return []
    after = merge(base, changes)
    site, now = str(current_app.config["TIMEZONE"]), schedule.now()
    facilities = after.facility_by_id
    ahead = [
        (n, v)
        for n, v in store.roster_assignments(roster.id)
        if v in changes.availability
        and n in after.need_by_id
        and after.need_by_id[n].start.replace(
            tzinfo=facilities[after.need_by_id[n].facility_id].zone(site)
        )
        > now
    ]
    people = after.volunteer_by_id
    words = []
    for need_id, volunteer_id in stranded(after, ahead):
        need = after.need_by_id[need_id]
        words.append(
            f"{people[volunteer_id].name}: {i18n.short_day(need.date)} {need.start:%H:%M}, "
            f"{facilities[need.facility_id].name}"
        )
    return words


def keep_history(changes: Changes, base: Dataset) -> None:
    """A history entry for each volunteer whose windows the upload changes (no commit)."""
    stored: dict[str, list] = {v: [] for v in changes.availability}
    for window in base.availability:
        if window.volunteer_id in stored:
            stored[window.volunteer_id].append(window)
    for volunteer_id, after in changes.availability.items():
        if records(stored[volunteer_id]) != records(after):
            keep(volunteer_id, "upload", stored[volunteer_id], after)


# --- the parked file -----------------------------------------------------------------------


def _folder() -> Path:
    return Path(current_app.instance_path) / "uploads"


def park(file: FileStorage, name: str) -> str:
    """Keep the uploaded file until its uploader confirms; the token that names it."""
    _sweep()
    token = secrets.token_urlsafe(16)
    place = _folder() / token
    place.mkdir(parents=True)
    file.stream.seek(0)
    file.save(place / name)
    (place / "owner.json").write_text(json.dumps({"user": current_user.id}))
    return token


def parked(token: str) -> Path | None:
    """The file parked under `token` by this user, if it is still there."""
    if len(token) != _TOKEN_LENGTH or not token.replace("-", "").replace("_", "").isalnum():
        return None
    place = _folder() / token
    try:
        owner = json.loads((place / "owner.json").read_text())
    except (OSError, ValueError):
        return None
    if owner.get("user") != current_user.id or time.time() - place.stat().st_mtime > WAIT_SECONDS:
        return None
    files = [p for p in place.iterdir() if p.name != "owner.json"]
    return files[0] if len(files) == 1 else None


def discard(token: str) -> None:
    if parked(token) is not None:
        shutil.rmtree(_folder() / token, ignore_errors=True)


def _sweep() -> None:
    """Forget files nobody confirmed within a day."""
    if not _folder().is_dir():
        return
    for place in _folder().iterdir():
        try:
            if time.time() - place.stat().st_mtime > WAIT_SECONDS:
                shutil.rmtree(place, ignore_errors=True)
        except OSError:
            continue
