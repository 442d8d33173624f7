"""Latency of the coordinators' list pages at national scale (target: p95 <= 300 ms).

Stores data/national with a published roster exactly as bench_web.py does
(its `prepare`), adds a national coordinator, a regional coordinator of the
region with the most needs and hospital staff of the facility with the most
needs, starts gunicorn with one worker (bench_web's `start_server`), signs
each in through the real login form and times sequential GETs of the
coverage dashboard /plan, the needs list /needs and the JSON list
/api/needs: a few unmeasured requests first, then --requests measured ones
each. The medians and p95s are printed next to the targets. One worker and
one request at a time: this measures what one page costs, not throughput
(bench_web.py measures that).

    .venv/bin/python benchmarks/bench_pages.py [--requests 30] [--sqlite PATH]
        [--database-url postgresql://...]

--sqlite PATH keeps the prepared database in PATH and reuses it on the next
run (the set-up solves the national week, about 10 s).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench_web import _send, free_port, get, prepare, sqlalchemy_url, start_server, stop_server
from flask_migrate import upgrade
from sqlalchemy import delete, func, select

from web import create_app
from web import models as m
from web.auth import hash_password

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password"
TARGET_P95 = 300.0  # milliseconds, for /plan and /needs
WARMUP = 3


BUSIEST_FACILITY = (  # the facility with the most needs (ties: the first id)
    select(m.Need.facility_id)
    .group_by(m.Need.facility_id)
    .order_by(func.count().desc(), m.Need.facility_id)
    .limit(1)
)


@dataclass(frozen=True)
class Coordinator:
    """A bench account: who it is and what it may open."""

    email: str
    label: str
    pages: tuple[str, ...]


@dataclass(frozen=True)
class Timing:
    page: str
    who: str
    times: list[float]  # milliseconds
    size: int  # bytes of the last answer

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.times, n=20, method="inclusive")[18]


def create_accounts(url: str) -> list[Coordinator]:
    """A national and a regional coordinator and hospital staff, on the busiest region and site."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()  # a database kept by --sqlite may predate a migration
        session = m.db.session
        busiest_facility = session.scalar(BUSIEST_FACILITY)
        busiest_region = session.scalar(
            select(m.Facility.region)
            .join(m.Need, m.Need.facility_id == m.Facility.id)
            .group_by(m.Facility.region)
            .order_by(func.count().desc(), m.Facility.region)
            .limit(1)
        )
        session.execute(delete(m.User).where(m.User.email.like("pages-%@bench.example")))
        hashed = hash_password(PASSWORD)
        session.add_all(
            [
                m.User(
                    email="pages-national@bench.example",
                    name="National",
                    password_hash=hashed,
                    role=m.Role.NATIONAL,
                ),
                m.User(
                    email="pages-regional@bench.example",
                    name="Regional",
                    password_hash=hashed,
                    role=m.Role.REGIONAL,
                    region=busiest_region,
                ),
                m.User(
                    email="pages-hospital@bench.example",
                    name="Hospital",
                    password_hash=hashed,
                    role=m.Role.HOSPITAL,
                    facilities=[session.get(m.Facility, busiest_facility)],
                ),
            ]
        )
        session.commit()
        m.db.engine.dispose()
    lists = ("/needs", "/api/needs")
    return [
        Coordinator("pages-national@bench.example", "national coordinator", ("/plan", *lists)),
        Coordinator(
            "pages-regional@bench.example", f"regional ({busiest_region})", ("/plan", *lists)
        ),
        Coordinator("pages-hospital@bench.example", f"hospital ({busiest_facility})", lists),
    ]


def sign_in(port: int, email: str) -> str:
    """The login form as a browser fills it; the session cookie."""
    status, page, cookie = get(port, "/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if status != 200 or token is None or not cookie:
        raise RuntimeError(f"GET /login: {status}, no CSRF token or cookie")
    form = {"csrf_token": token[1], "email": email, "password": PASSWORD}
    status, _, cookie = _send(port, "POST", "/login", cookie, form)
    if status != 302 or not cookie:
        raise RuntimeError(f"{email}: signing in answered {status}")
    return cookie


def time_page(port: int, cookie: str, page: str, requests: int) -> tuple[list[float], int]:
    times, size = [], 0
    for number in range(WARMUP + requests):
        started = time.perf_counter()
        status, body, _ = get(port, page, cookie)
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise RuntimeError(f"GET {page} answered {status}: {body[:300]}")
        if number >= WARMUP:
            times.append(elapsed)
        size = len(body.encode())
    return times, size


def report(timings: list[Timing]) -> bool:
    print(f"{'page':<12} {'as':<28} {'median':>9} {'p95':>9} {'size':>10}  target (p95)")
    met = True
    for t in timings:
        target = ""
        if t.page in ("/plan", "/needs"):
            ok = t.p95 <= TARGET_P95
            met &= ok
            target = f"<= {TARGET_P95:.0f} ms {'met' if ok else 'NOT met'}"
        print(
            f"{t.page:<12} {t.who:<28} {t.median:6.1f} ms {t.p95:6.1f} ms "
            f"{t.size / 1024:7.0f} kB  {target}"
        )
    return met


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30, help="measured requests per page")
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "national")
    parser.add_argument(
        "--sqlite", type=Path, help="keep the prepared SQLite database here and reuse it"
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL database to use instead of SQLite; its contents are replaced",
    )
    args = parser.parse_args()
    # What bench_web's start_server reads: one sync worker, the app as committed.
    args.workers, args.threads, args.app = 1, 1, "web:create_app()"
    return args


def main() -> int:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as folder:
        folder = Path(folder)
        path = args.sqlite or folder / "scheduler.sqlite3"
        url = sqlalchemy_url(args.database_url or f"sqlite:///{path.resolve()}")
        if args.database_url or not path.exists():
            prepare(url, args.data, accounts=1)
        people = create_accounts(url)
        port = free_port()
        server = start_server(url, args, port, folder / "gunicorn.log")
        try:
            database = "PostgreSQL" if args.database_url else "SQLite"
            print(
                f"gunicorn: 1 worker, {database}; {WARMUP} unmeasured then "
                f"{args.requests} measured requests per page, one at a time"
            )
            timings = []
            for person in people:
                cookie = sign_in(port, person.email)
                for page in person.pages:
                    times, size = time_page(port, cookie, page, args.requests)
                    timings.append(Timing(page, person.label, times, size))
        finally:
            stop_server(server)
    return 0 if report(timings) else 1


if __name__ == "__main__":
    sys.exit(main())
