"""Latency of saving one need at national scale, by form and by API (target: p95 <= 50 ms).

Stores data/national with a published roster as bench_pages.py does (its
`prepare` and accounts), starts gunicorn with one worker, signs hospital
staff of the busiest facility and the national coordinator in through the
real login form, and times sequential saves of one need each: a new shift
posted by the form (POST /needs/new) and by the API (POST /api/needs), and a
stored need's count changed by the form (POST /needs/<id>/edit) and by the
API (PATCH /api/needs/<id>). A few unmeasured saves first, then --requests
measured ones each; every save must answer as a success. Medians and p95s
are printed next to the target.

    .venv/bin/python benchmarks/bench_needs.py [--requests 40] [--sqlite PATH]
        [--database-url postgresql://...]

--sqlite PATH keeps the prepared database in PATH and reuses it (needs
posted by an earlier run stay; each run posts new shifts after them).
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from bench_pages import BUSIEST_FACILITY, WARMUP, Timing, create_accounts, parse_args, sign_in
from bench_web import (
    HOST,
    _send,
    free_port,
    get,
    prepare,
    sqlalchemy_url,
    start_server,
    stop_server,
)
from sqlalchemy import create_engine, func, select

from web import models as m

TARGET_P95 = 50.0  # milliseconds, every save
FIRST_DAY = dt.date(2021, 1, 4)  # new shifts go after the national week, a day per save


def send_json(port: int, method: str, path: str, cookie: str, token: str, body: dict):
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Cookie": cookie, "Content-Type": "application/json", "X-CSRFToken": token}
    try:
        connection.request(method, path, body=json.dumps(body), headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def form_token(port: int, cookie: str) -> tuple[str, str]:
    """A form's CSRF token, and the session cookie that holds its secret."""
    status, page, renewed = get(port, "/needs/new", cookie)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if status != 200 or token is None:
        raise RuntimeError(f"GET /needs/new: {status}, no CSRF token")
    return token[1], renewed or cookie


def api_token(port: int, cookie: str) -> str:
    status, body, _ = get(port, "/api/csrf-token", cookie)
    if status != 200:
        raise RuntimeError(f"GET /api/csrf-token: {status}")
    return json.loads(body)["csrf_token"]


def shifts(facility_id: str, start: int) -> Iterator[dict[str, str]]:
    """New shifts at the facility, one day apart, none posted before."""
    for number in range(start, start + 10_000):
        yield {
            "facility_id": facility_id,
            "date": (FIRST_DAY + dt.timedelta(days=number)).isoformat(),
            "start": "08:00",
            "end": "20:00",
            "role": "nurse",
            "count": "2",
            "priority": "2",
        }


def timed(save: Callable[[int], tuple[int, str]], expected: set[int], requests: int) -> list[float]:
    times = []
    for number in range(WARMUP + requests):
        started = time.perf_counter()
        status, body = save(number)
        elapsed = (time.perf_counter() - started) * 1000
        if status not in expected:
            text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))
            raise RuntimeError(f"a save answered {status}: {text[-1500:]}")
        if number >= WARMUP:
            times.append(elapsed)
    return times


def measure(port: int, email: str, label: str, facility_id: str, need_id: str, posted: int, n: int):
    cookie = sign_in(port, email)
    token, cookie = form_token(port, cookie)
    api = api_token(port, cookie)
    fresh = shifts(facility_id, posted)
    edited = {
        "facility_id": facility_id,
        "date": "",
        "start": "",
        "end": "",
        "role": "",
        "priority": "",
    }
    stored = json.loads(get(port, f"/api/needs/{need_id}", cookie)[1])["need"]
    edited.update({k: str(stored[k]) for k in ("date", "start", "end", "role", "priority")})

    def form_new(_: int) -> tuple[int, str]:
        status, body, _ = _send(
            port, "POST", "/needs/new", cookie, {"csrf_token": token, **next(fresh)}
        )
        return status, body

    def form_edit(number: int) -> tuple[int, str]:
        form = {"csrf_token": token, **edited, "count": str(2 + number % 3)}
        status, body, _ = _send(port, "POST", f"/needs/{need_id}/edit", cookie, form)
        return status, body

    def api_new(_: int) -> tuple[int, str]:
        return send_json(port, "POST", "/api/needs", cookie, api, next(fresh))

    def api_edit(number: int) -> tuple[int, str]:
        body = {"count": 2 + number % 3}
        return send_json(port, "PATCH", f"/api/needs/{need_id}", cookie, api, body)

    return [
        Timing("form: new", label, timed(form_new, {302}, n), 0),
        Timing("form: edit", label, timed(form_edit, {302}, n), 0),
        Timing("API: new", label, timed(api_new, {201}, n), 0),
        Timing("API: edit", label, timed(api_edit, {200}, n), 0),
    ]


def busiest(url: str) -> tuple[str, str, int]:
    """The busiest facility, one of its needs, and how many needs were posted after the week."""
    engine = create_engine(url)
    with engine.connect() as connection:
        facility_id = connection.scalar(BUSIEST_FACILITY)
        need_id = connection.scalar(
            select(m.Need.id).where(m.Need.facility_id == facility_id).order_by(m.Need.id).limit(1)
        )
        posted = connection.scalar(select(func.count()).where(m.Need.date >= FIRST_DAY))
    engine.dispose()
    return facility_id, need_id, posted or 0


def main() -> int:
    args = parse_args()
    os.environ["SCHEDULER_NEED_DAYS_BACK"] = str((dt.date.today() - dt.date(2020, 1, 1)).days)
    with tempfile.TemporaryDirectory(prefix="bench-needs-") as folder:
        folder = Path(folder)
        path = args.sqlite or folder / "scheduler.sqlite3"
        url = sqlalchemy_url(args.database_url or f"sqlite:///{path.resolve()}")
        if args.database_url or not path.exists():
            prepare(url, args.data, accounts=1)
        people = create_accounts(url)
        facility_id, need_id, posted = busiest(url)
        port = free_port()
        server = start_server(url, args, port, folder / "gunicorn.log")
        try:
            database = "PostgreSQL" if args.database_url else "SQLite"
            print(
                f"gunicorn: 1 worker, {database}; {WARMUP} unmeasured then "
                f"{args.requests} measured saves each, one at a time; facility {facility_id}"
            )
            timings = []
            for person in (people[2], people[0]):  # hospital staff, national coordinator
                per_person = 2 * (WARMUP + args.requests)
                timings += measure(
                    port, person.email, person.label, facility_id, need_id, posted, args.requests
                )
                posted += per_person
        finally:
            stop_server(server)
    print(f"{'save':<12} {'as':<28} {'median':>9} {'p95':>9}  target (p95)")
    met = True
    for t in timings:
        ok = t.p95 <= TARGET_P95
        met &= ok
        print(
            f"{t.page:<12} {t.who:<28} {t.median:6.1f} ms {t.p95:6.1f} ms  "
            f"<= {TARGET_P95:.0f} ms {'met' if ok else 'NOT met'}"
        )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
