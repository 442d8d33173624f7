"""What the web app stores: the input tables, accounts, published rosters and the audit log.

The input tables mirror the data contract's sheets, one row per sheet row,
so `web.store` turns them into a `scheduler.domain.Dataset` and back without
interpretation. Times are naive wall-clock values, as in the contract.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib

from flask_babel import lazy_gettext
from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from web.tables import ID, Base, db, utcnow  # noqa: F401  (re-exported)


class Role(enum.StrEnum):
    NATIONAL = "national"  # a national coordinator: everything
    REGIONAL = "regional"  # a regional coordinator: one region
    HOSPITAL = "hospital"  # hospital staff: their facilities' needs
    VOLUNTEER = "volunteer"  # their own schedule, nothing else

    @property
    def label(self) -> str:
        """The role in words, in the request's language."""
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.NATIONAL: lazy_gettext("national coordinator"),
    Role.REGIONAL: lazy_gettext("regional coordinator"),
    Role.HOSPITAL: lazy_gettext("hospital staff"),
    Role.VOLUNTEER: lazy_gettext("volunteer"),
}


staff_facilities = Table(
    "staff_facility",
    Base.metadata,
    Column("user_id", ForeignKey("account.id", ondelete="CASCADE"), primary_key=True),
    Column("facility_id", ForeignKey("facility.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, Base):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower case
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[Role] = mapped_column(String(20))
    region: Mapped[str | None] = mapped_column(String(200))  # regional coordinators
    volunteer_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("volunteer.id", ondelete="SET NULL"), unique=True
    )
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # the language chosen with the switcher (web.i18n.LANGUAGES); None: the browser's
    locale: Mapped[str | None] = mapped_column(String(10))
    # the zone stamped times (audit, published) are shown in; None: the site's
    timezone: Mapped[str | None] = mapped_column(String(64))
    # a volunteer's notices (web.notices): by e-mail or not, and the reminder's lead time in
    # hours before each shift (None: the site's REMINDER_HOURS; 0: no reminders)
    email_notices: Mapped[bool] = mapped_column(default=True, server_default=true())
    remind_hours: Mapped[int | None]
    # the second channel (web.messenger): a Telegram chat linked through the site's bot, and
    # text messages to the volunteer's phone where the site has an SMS provider
    telegram_chat: Mapped[str | None] = mapped_column(String(64))
    telegram_link: Mapped[str | None] = mapped_column(String(64), unique=True)  # /start token
    sms_notices: Mapped[bool] = mapped_column(default=False, server_default=false())
    facilities: Mapped[list[Facility]] = relationship(secondary=staff_facilities)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        """What the session cookie holds: the id and a fingerprint of the password hash.

        A new password changes the fingerprint, so every session signed in
        with the old one ends (`web._load_user` compares them): a reset after
        a lost phone locks the finder out.
        """
        return f"{self.id}:{self.password_fingerprint}"

    @property
    def password_fingerprint(self) -> str:
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    @property
    def kind(self) -> Role:
        return Role(self.role)


class LoginSession(Base):
    """One sign-in of one browser, so signing out ends it on the server, not only in the cookie.

    The id Flask-Login keeps in the signed cookie is `account id:password fingerprint:token`
    (`web.auth.sign_in`); only the token's SHA-256 is stored, so a copy of the database
    holds no usable session. `web._load_user` accepts a session while `ended_at` is empty.
    """

    __tablename__ = "login_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)  # refreshed now and then
    ended_at: Mapped[dt.datetime | None]  # signed out, or the password changed


class Facility(Base):
    __tablename__ = "facility"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    region: Mapped[str] = mapped_column(String(200), index=True)  # normalised
    region_label: Mapped[str] = mapped_column(String(200), default="")
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    address: Mapped[str] = mapped_column(String(500), default="")
    timezone: Mapped[str] = mapped_column(
        String(64), default="", server_default=""
    )  # IANA; "": the site's
    phone: Mapped[str] = mapped_column(
        String(100), default="", server_default=""
    )  # whom to call there


class Volunteer(Base):
    __tablename__ = "volunteer"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(200), index=True)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    max_shifts_per_week: Mapped[int] = mapped_column(default=3)
    max_hours_per_week: Mapped[float | None]
    max_distance_km: Mapped[float | None]
    preferred_facilities: Mapped[str] = mapped_column(String(2000), default="")  # ids, ';'
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(100), default="")


class Window(Base):
    """An availability row: a dated or weekly window, open or closed."""

    __tablename__ = "availability"
    __table_args__ = (Index("ix_availability_volunteer", "volunteer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[str] = mapped_column(ID, ForeignKey("volunteer.id", ondelete="CASCADE"))
    start_minute: Mapped[int]
    end_minute: Mapped[int]
    available: Mapped[bool] = mapped_column(default=True)
    date: Mapped[dt.date | None]
    weekday: Mapped[int | None]


class Need(Base):
    __tablename__ = "need"
    __table_args__ = (
        UniqueConstraint("facility_id", "date", "start", "end", "role", name="uq_need_shift"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    facility_id: Mapped[str] = mapped_column(ID, ForeignKey("facility.id"), index=True)
    date: Mapped[dt.date]
    start: Mapped[dt.datetime]
    end: Mapped[dt.datetime]
    role: Mapped[str] = mapped_column(String(100))
    count: Mapped[int]
    priority: Mapped[int] = mapped_column(default=2)
    id_given: Mapped[bool] = mapped_column(default=True)
    requires: Mapped[str] = mapped_column(String(2000), default="", server_default="")  # ';'
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Credential(Base):
    """A credential a volunteer holds (the credentials sheet), and who verified it when: only
    verified ones count for the engine (rule 8)."""

    __tablename__ = "credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[str] = mapped_column(
        ID, ForeignKey("volunteer.id", ondelete="CASCADE"), index=True
    )
    credential: Mapped[str] = mapped_column(String(100))
    valid_from: Mapped[dt.date | None]
    valid_until: Mapped[dt.date | None]
    verified_at: Mapped[dt.datetime | None]
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    evidence: Mapped[str] = mapped_column(String(300), default="")  # a stored file's name
    evidence_type: Mapped[str] = mapped_column(String(100), default="")  # its media type
    recorded_at: Mapped[dt.datetime | None] = mapped_column(default=utcnow)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))


class RoleCover(Base):
    """A row of the roles sheet; no rows means the contract's default table."""

    __tablename__ = "role_cover"

    role: Mapped[str] = mapped_column(String(100), primary_key=True)
    can_cover: Mapped[str] = mapped_column(String(2000), default="")  # roles, ';'


class Rule(Base):
    __tablename__ = "rule"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[float]


NATIONAL = "national"  # the scope of a solve or roster that covers every region


class RosterStatus(enum.StrEnum):
    DRAFT = "draft"  # a solve's result; coordinators of its scope see it
    PUBLISHED = "published"  # what hospital staff and volunteers see, the newest one


class Roster(Base):
    """A solved roster; hospital staff and volunteers see the newest published one.

    A draft covers its scope (the country or one region). Publishing makes a
    new, complete published roster: the draft's assignments in its scope and
    the previous published roster's everywhere else, so the published
    rosters form the history, each one whole.
    """

    __tablename__ = "roster"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_at: Mapped[dt.datetime | None]
    status: Mapped[RosterStatus] = mapped_column(String(20), default=RosterStatus.DRAFT)
    scope: Mapped[str] = mapped_column(String(200), default=NATIONAL)  # or a region
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    published_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    # a draft: the published roster it was solved against; a published roster: the one
    # it replaced
    based_on: Mapped[int | None] = mapped_column(ForeignKey("roster.id", ondelete="SET NULL"))
    # a draft once published: the published roster it became
    published_as: Mapped[int | None] = mapped_column(
        ForeignKey("roster.id", ondelete="SET NULL"), unique=True
    )
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="roster", cascade="all, delete-orphan"
    )


class Assignment(Base):
    __tablename__ = "assignment"
    __table_args__ = (
        Index("ix_assignment_volunteer", "roster_id", "volunteer_id"),
        Index("ix_assignment_need", "roster_id", "need_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("roster.id", ondelete="CASCADE"))
    # not foreign keys: a published roster outlives a need withdrawn after it
    need_id: Mapped[str] = mapped_column(ID)
    volunteer_id: Mapped[str] = mapped_column(ID)
    # pinned by a coordinator: a re-plan keeps it whatever happens, or says why it cannot
    locked: Mapped[bool] = mapped_column(default=False, server_default=false())
    roster: Mapped[Roster] = relationship(back_populates="assignments")


class CalendarEvent(Base):
    """Every event a volunteer's calendar was served: its SEQUENCE, and when it was cancelled.

    The rows are `scheduler.outputs.calendars.ShiftEvent`s: what the volunteer
    was told (times in the facility's zone, named by `zone`), so a shift whose
    need or volunteer is gone can still be told as cancelled.
    """

    __tablename__ = "calendar_event"

    uid: Mapped[str] = mapped_column(String(36), primary_key=True)
    volunteer_id: Mapped[str] = mapped_column(
        ID, ForeignKey("volunteer.id", ondelete="CASCADE"), index=True
    )
    need_id: Mapped[str] = mapped_column(ID)
    start: Mapped[dt.datetime]
    end: Mapped[dt.datetime]
    zone: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(100))
    priority: Mapped[int]
    facility_name: Mapped[str] = mapped_column(String(300))
    address: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(100), default="")
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    sequence: Mapped[int] = mapped_column(default=0)
    cancelled_at: Mapped[dt.datetime | None]  # UTC


class NoticeState(enum.StrEnum):
    PENDING = "pending"  # to be sent at next_attempt_at
    SENDING = "sending"  # claimed by a sender; sent or not, never sent again by itself
    SENT = "sent"
    FAILED = "failed"  # refused every time, or the sender stopped mid-send: last_error says


class Notice(Base):
    """One message to one volunteer, written with the change that causes it (the outbox).

    `key` makes it once-only: the same change posts the same key, and a key
    is stored once. The worker sends it (`web.outbox`).
    """

    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    volunteer_id: Mapped[str | None] = mapped_column(  # the volunteer it is to, or about
        ID, ForeignKey("volunteer.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int | None] = mapped_column(  # a coordinator it is to, if not the volunteer
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(20))  # "email"
    recipient: Mapped[str] = mapped_column(String(254))  # the address, as it was when posted
    kind: Mapped[str] = mapped_column(String(30))  # roster_changed, shift_withdrawn, ...
    language: Mapped[str] = mapped_column(String(10))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), default=NoticeState.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    claimed_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]


class ShiftAnswer(Base):
    """A volunteer's answer to a shift they were given: confirmed, or declined (by link)."""

    __tablename__ = "shift_answer"

    need_id: Mapped[str] = mapped_column(ID, primary_key=True)
    volunteer_id: Mapped[str] = mapped_column(
        ID, ForeignKey("volunteer.id", ondelete="CASCADE"), primary_key=True
    )
    answer: Mapped[str] = mapped_column(String(20))  # "confirmed" or "declined"
    answered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"  # a draft roster is ready
    FAILED = "failed"  # the solver or the worker failed; `message` says how
    CANCELLED = "cancelled"

    @property
    def active(self) -> bool:
        return self in (JobStatus.QUEUED, JobStatus.RUNNING)


class SolveJob(Base):
    """A solve started from the browser, run by the task-queue worker.

    The state lives here, not in the worker: any web process can show it,
    and a worker that dies leaves a job whose heartbeat stops.
    At most one active job per scope: the partial unique index refuses a
    second one even when two coordinators click at the same moment.
    """

    __tablename__ = "solve_job"
    __table_args__ = (
        Index(
            "uq_solve_job_active_scope",
            "scope",
            unique=True,
            sqlite_where=text("status IN ('queued', 'running')"),
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(200))  # NATIONAL or a region
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.QUEUED)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    progress: Mapped[dict] = mapped_column(JSON, default=dict)  # done, total, found, bound, gap
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    message: Mapped[str] = mapped_column(String(2000), default="")
    # What `message` says, as a code and its values, for the page to word in the reader's
    # language; "" for rows from before (their stored message is shown as it is).
    message_code: Mapped[str] = mapped_column(String(50), default="", server_default="")
    message_values: Mapped[dict | None] = mapped_column(JSON, default=None)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]
    roster_id: Mapped[int | None] = mapped_column(ForeignKey("roster.id", ondelete="SET NULL"))


class Lock(Base):
    """A named row that one kind of change holds until it commits, so such changes queue.

    `web.store.hold` upserts the row: the write takes SQLite's database lock and
    PostgreSQL's row lock alike, so whatever the holder reads afterwards is what
    stands at its commit (publishing builds on the roster published *then*).
    """

    __tablename__ = "lock"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    held_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Who changed which need, list or account, and when."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


# Volunteers' self-service tables (availability history, cover cases, swaps and approvals)
# live in a module of their own, on the same Base; `models.Invitation` reads as ever.
from web.attendance_models import Attendance, Certificate  # noqa: E402
from web.self_service_models import (  # noqa: E402
    AvailabilityChange,
    CoverCase,
    Invitation,
    RegionSetting,
    ShiftRequest,
)

__all__ = [
    "Attendance",
    "AvailabilityChange",
    "Certificate",
    "CoverCase",
    "Invitation",
    "RegionSetting",
    "ShiftRequest",
]
