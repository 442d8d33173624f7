"""Which page of a long list a request asks for, read so that no number breaks the query."""

from __future__ import annotations

from flask import request

# A page past this is past the end of any list here; a larger number would overflow
# the database's OFFSET (SQLite and PostgreSQL take 64-bit integers at most).
MAX_PAGE = 1_000_000


def page_number() -> int:
    """`?page=` as a page from 1 to MAX_PAGE: 0, negative or unreadable is page 1."""
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)
