"""The files that prove a credential: a scan or a phone photo of a PCR test, a training
certificate, a licence.

Kept under `EVIDENCE_FOLDER` (the instance folder's `evidence/` by default),
named by a random token, never by what the sender called it. What a file is
is read from its first bytes (`filetype`), not from its name or the
browser's word for it, and only PDFs and photos are kept: a page that shows
evidence to a coordinator never hands them a script or a workbook with
macros. Shown only through `web.credentials`, to the volunteer it belongs to
and to the coordinators of their region.
"""

from __future__ import annotations

import contextlib
import secrets
from pathlib import Path

import filetype
from flask import current_app
from flask_babel import gettext
from werkzeug.datastructures import FileStorage

# The media types kept, and the ending a kept file gets.
KINDS = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
}
MOST_BYTES = 10 * 2**20  # a phone photo of a page is 2 to 5 MB


class Unusable(ValueError):
    """A file that is not kept, with the reason in the sender's language."""


def folder() -> Path:
    configured = current_app.config.get("EVIDENCE_FOLDER")
    return Path(configured) if configured else Path(current_app.instance_path) / "evidence"


def keep(file: FileStorage) -> tuple[str, str]:
    """Store an uploaded file; its stored name and media type. Raises `Unusable`."""
    content = file.stream.read(MOST_BYTES + 1)
    if not content:
        raise Unusable(gettext("The file is empty; choose the scan or photo again."))
    if len(content) > MOST_BYTES:
        raise Unusable(
            gettext(
                "The file is larger than %(size)s MB; send a smaller scan or photo.",
                size=MOST_BYTES // 2**20,
            )
        )
    kind = filetype.guess_mime(content)
    if kind not in KINDS:
        raise Unusable(
            gettext("Send a PDF or a photo (JPEG, PNG, WebP or HEIC); this file is neither.")
        )
    name = f"{secrets.token_urlsafe(18)}.{KINDS[kind]}"
    place = folder()
    place.mkdir(parents=True, exist_ok=True)
    (place / name).write_bytes(content)
    return name, kind


def path_of(name: str) -> Path | None:
    """Where a stored file is, if it still is: None for a name that is not one of ours."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    found = folder() / name
    return found if found.is_file() else None


def discard(name: str) -> None:
    """Remove a stored file (its credential refused or withdrawn, or never stored)."""
    if (found := path_of(name)) is not None:
        with contextlib.suppress(OSError):
            found.unlink()
