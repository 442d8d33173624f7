"""Volunteers' self-service tables: their availability's history, cover cases and their
invitations, swaps and claims waiting for approval, and a region's approval setting."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from web.tables import ID, Base, utcnow


class AvailabilityChange(Base):
    """One replacement of a volunteer's windows, kept so that nobody's hours vanish unseen:
    who changed them (the volunteer, or a coordinator's upload), when, before and after."""

    __tablename__ = "availability_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[str] = mapped_column(
        ID, ForeignKey("volunteer.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(20))  # "volunteer" or "upload"
    before: Mapped[list] = mapped_column(JSON, default=list)  # windows in the contract's words
    after: Mapped[list] = mapped_column(JSON, default=list)


class CoverCase(Base):
    """An open place somebody started to fill by invitations: its waves and its alert."""

    __tablename__ = "cover_case"

    need_id: Mapped[str] = mapped_column(ID, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    waves: Mapped[int] = mapped_column(default=0)
    last_wave_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    alerted_at: Mapped[dt.datetime | None]  # coordinators told nobody took it in time


class Invitation(Base):
    """A volunteer asked to take an open place; the first to accept gets it."""

    __tablename__ = "invitation"

    need_id: Mapped[str] = mapped_column(ID, primary_key=True)
    volunteer_id: Mapped[str] = mapped_column(
        ID, ForeignKey("volunteer.id", ondelete="CASCADE"), primary_key=True
    )
    wave: Mapped[int] = mapped_column(default=1)
    invited_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    answer: Mapped[str] = mapped_column(String(20), default="")  # "", "accepted", "refused"
    answered_at: Mapped[dt.datetime | None]


class RegionSetting(Base):
    """How a region runs self-service: with `approval`, a claim or a swap waits for one of the
    region's coordinators before it changes the roster."""

    __tablename__ = "region_setting"

    region: Mapped[str] = mapped_column(String(200), primary_key=True)  # normalised
    approval: Mapped[bool] = mapped_column(default=False)


class ShiftRequest(Base):
    """A volunteer's claim waiting for approval, or a swap: a shift offered by `giver_id` (to
    `named_id`, or to anyone who may take it), taken by `volunteer_id`."""

    __tablename__ = "shift_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # "claim" or "swap"
    need_id: Mapped[str] = mapped_column(ID, index=True)
    volunteer_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("volunteer.id", ondelete="CASCADE")
    )
    giver_id: Mapped[str | None] = mapped_column(ID, ForeignKey("volunteer.id", ondelete="CASCADE"))
    named_id: Mapped[str | None] = mapped_column(ID)
    state: Mapped[str] = mapped_column(String(20), index=True)  # offered, waiting, done, ...
    note: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
