"""Who came: a mark per volunteer and shift, and the certificates of hours issued from them.

A mark keeps the shift as it was (facility, region, role, planned times), so
a volunteer's hours survive a need withdrawn or a list replaced afterwards:
hours once certified must not vanish.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from web.tables import ID, Base, utcnow


class Attendance(Base):
    """One volunteer at one shift: present, partly present or absent, with the times they
    actually worked (the facility's wall clock). Marked by staff, or checked in by the
    volunteer and then confirmed by staff; only confirmed marks count as hours."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("need_id", "volunteer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[str] = mapped_column(ID, index=True)
    volunteer_id: Mapped[str] = mapped_column(ID, index=True)
    volunteer_name: Mapped[str] = mapped_column(String(200), default="")
    facility_id: Mapped[str] = mapped_column(ID, index=True)
    facility_name: Mapped[str] = mapped_column(String(200), default="")
    region: Mapped[str] = mapped_column(String(100), index=True)
    role: Mapped[str] = mapped_column(String(100))
    planned_start: Mapped[dt.datetime]
    planned_end: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(20))  # present, partial, absent
    start: Mapped[dt.datetime | None]  # actual; None for an absence
    end: Mapped[dt.datetime | None]
    confirmed: Mapped[bool] = mapped_column(default=False)
    marked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    marked_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    checked_in_at: Mapped[dt.datetime | None]  # the volunteer's own check-in, UTC
    checked_in_km: Mapped[float | None]  # how far from the facility they were, if they said


class Certificate(Base):
    """A certificate of hours as issued: what it states, under a code its public page checks."""

    __tablename__ = "certificate"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    volunteer_id: Mapped[str] = mapped_column(ID, index=True)
    volunteer_name: Mapped[str] = mapped_column(String(200))
    first_day: Mapped[dt.date]
    last_day: Mapped[dt.date]
    minutes: Mapped[int]
    night_minutes: Mapped[int]
    shifts: Mapped[int]
    facilities: Mapped[list] = mapped_column(JSON, default=list)  # names
    language: Mapped[str] = mapped_column(String(10))
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
