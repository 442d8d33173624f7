"""Volunteers' own writes under load: claims and availability edits (target: 50 requests/s,
p99 <= 150 ms, no errors).

Prepares the national database as bench_web.py does (its `prepare`: a scratch
SQLite database, or the PostgreSQL database given with --database-url, whose
contents are replaced; data/national stored, solved, the roster published),
then readies it for volunteers who act now:

- the week is moved by whole weeks to the first Monday at least two days
  ahead (needs and dated windows): only shifts that have not started are
  offered or may be changed;
- every need asks for --extra more places than the published roster gives
  it, and every volunteer may work --extra more shifts a week: the solve
  leaves most volunteers at their weekly limit and the open places to
  nobody who may take them, so without this hardly anyone would be offered
  a shift;
- all 7,000 volunteers get an account (one bulk insert). They share one
  cheap PBKDF2 hash of the password: scrypt, as the app hashes, would cost
  65 ms of CPU per sign-in, minutes for all, and sign-in is not measured.

It starts gunicorn (bench_web's `start_server`), signs the accounts in through
the real login form (bench_web's `sign_in_all`, which checks each one's
schedule page), and asks for each one its CSRF token (GET /api/csrf-token),
its offers (GET /api/open-shifts) and its windows (GET /api/my/availability).

Then an open-loop generator sends --rate requests/s, each started at its
planned instant on a pool thread, its latency counted from that instant (a
server that falls behind is charged for the wait: no coordinated omission).
Every other request is a claim, POST /api/open-shifts/<need>/claim of a
shift the account was offered (in a shuffled order: 201 taken, 202 left to a
coordinator's approval where the region asks for it, or 409 refused, since
someone took the last place or a rule now forbids it: answers, counted
apart), and the others availability edits, PUT
/api/my/availability with the account's windows plus, then minus, a
"cannot work" day two months after the week (which strands no shift: 200).
The GETs are all made before the timed runs; only the writes are timed. Any
other status, a connection error or a time-out (10 s) is an error; a run
whose requests wait for all POOL threads is sent below the planned rate. After a warm-up,
--runs runs of --duration seconds; the medians decide. The CPU that
gunicorn, this script and other processes used is printed beside, as this
script shares the machine with the server.

    .venv/bin/python benchmarks/bench_self_service.py [--rate 50] [--duration 60]
        [--runs 3] [--warmup 10] [--workers 4] [--threads 1] [--signed-in 7000]
        [--extra 2] [--sqlite PATH] [--database-url postgresql+psycopg://...]

--sqlite PATH keeps the prepared database in PATH and reuses it on the next
run (the set-up solves the national week); claims of earlier runs stay in it.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime as dt
import http.client
import itertools
import json
import math
import os
import random
import resource
import secrets
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from bench_web import (
    EMAIL,
    HOST,
    PASSWORD,
    Account,
    _busy,
    _server_cpu,
    free_port,
    get,
    prepare,
    sign_in_all,
    sqlalchemy_url,
    start_server,
    stop_server,
)
from flask_migrate import upgrade
from sqlalchemy import delete, func, insert, select, update
from werkzeug.security import generate_password_hash

from web import create_app, store
from web import models as m

ROOT = Path(__file__).resolve().parent.parent
TARGET_P99 = 150.0  # milliseconds
LEAD = dt.timedelta(days=2)  # the moved week starts at least this far ahead
MARK_AFTER = dt.timedelta(days=61)  # the "cannot work" day, after the week's last day
TIMEOUT = 10.0  # seconds; a request that takes longer is an error
POOL = 200  # threads sending: more than ever wait at once, unless the server stalls
EXPECTED = {"claim": ("201", "202", "409"), "edit": ("200",)}  # 202: approval asked


@dataclass
class Person:
    """A signed-in account as the generator drives it."""

    headers: dict[str, str]  # its session cookie and CSRF token
    offers: list[str]  # need ids it was offered, the next claim last
    windows: list[dict[str, object]]  # without the "cannot work" day
    marked: bool  # whether its stored windows include that day


@dataclass(frozen=True)
class Call:
    kind: str  # "claim" or "edit"
    method: str
    path: str
    headers: dict[str, str]
    body: str | None = None


@dataclass(frozen=True)
class Outcome:
    kind: str
    status: str  # the HTTP status, or the exception's name
    latency: float  # milliseconds from the planned start to the answer read
    sent: float  # perf_counter when sending began
    body: str = ""  # the start of an unexpected answer


@dataclass
class Run:
    outcomes: list[Outcome]
    seconds: float
    cpu: dict[str, float] = field(default_factory=dict)  # cores: server, bench, other

    def latencies(self, kind: str | None = None) -> list[float]:
        return sorted(o.latency for o in self.outcomes if kind in (None, o.kind))

    def percentile(self, q: float, kind: str | None = None) -> float:
        values = self.latencies(kind)
        return values[min(len(values) - 1, math.ceil(q / 100 * len(values)) - 1)]

    @property
    def rate(self) -> float:
        """Requests sent per second, from the first send to the last: below the planned rate
        only when every thread of the pool waits for an answer (then latencies show it)."""
        sent = [o.sent for o in self.outcomes]
        return (len(sent) - 1) / (max(sent) - min(sent))

    @property
    def answered(self) -> float:
        """Answers per second, from the first planned start to the last answer."""
        return len(self.outcomes) / self.seconds

    @property
    def errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status not in EXPECTED[o.kind]]

    def counts(self, kind: str) -> str:
        tally = Counter(o.status for o in self.outcomes if o.kind == kind)
        return ", ".join(f"{status} x{n}" for status, n in sorted(tally.items()))


# --- the data: the week ahead, places open, an account for everyone -----------------------


def ready(url: str, args: argparse.Namespace) -> tuple[list[Account], dict[str, object]]:
    """Accounts of every volunteer, and the "cannot work" window the edits add and remove."""
    fresh = args.database_url or not args.sqlite or not args.sqlite.exists()
    if fresh:
        prepare(url, args.data, accounts=1)  # its one account is replaced below
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()  # a database kept by --sqlite may predate a migration
        last = move_ahead()
        if fresh:
            open_places(args.extra)
        accounts = create_accounts()
        m.db.engine.dispose()
    day = (last + MARK_AFTER).isoformat()
    return accounts, {"day": day, "start": "00:00", "end": "24:00", "available": False}


def move_ahead() -> dt.date:
    """Move needs and dated windows by whole weeks (weekdays stay) to start at least LEAD
    from today; the last day of the needs."""
    session = m.db.session
    first, last = session.execute(select(func.min(m.Need.date), func.max(m.Need.date))).one()
    shift = dt.timedelta(weeks=max(0, math.ceil((dt.date.today() + LEAD - first).days / 7)))
    if shift:
        needs = session.execute(select(m.Need.id, m.Need.date, m.Need.start, m.Need.end))
        session.execute(
            update(m.Need),
            [
                {"id": i, "date": d + shift, "start": s + shift, "end": e + shift}
                for i, d, s, e in needs
            ],
        )
        dated = session.execute(
            select(m.Window.id, m.Window.date).where(m.Window.date.is_not(None))
        )
        session.execute(update(m.Window), [{"id": i, "date": d + shift} for i, d in dated])
        session.commit()
    print(f"the week moved by {shift.days // 7} weeks: {first + shift} to {last + shift}")
    return last + shift


def open_places(extra: int) -> None:
    """Every need asks for `extra` places more than the published roster gives it, and every
    volunteer may work `extra` shifts (of up to 12 h) more a week: the solve leaves most of
    them at their weekly limit, and a place nobody may take is offered to nobody."""
    session = m.db.session
    session.execute(
        update(m.Volunteer).values(
            max_shifts_per_week=m.Volunteer.max_shifts_per_week + extra,
            max_hours_per_week=m.Volunteer.max_hours_per_week + 12 * extra,
        )
    )
    have = published_tally(m.Assignment.need_id, m.Assignment.volunteer_id)
    counts = dict(session.execute(select(m.Need.id, m.Need.count)).all())
    wanted = {i: max(c, have.get(i, 0) + extra) for i, c in counts.items()}
    session.execute(update(m.Need), [{"id": i, "count": c} for i, c in wanted.items()])
    session.commit()
    before = sum(max(0, c - have.get(i, 0)) for i, c in counts.items())
    after = sum(c - have.get(i, 0) for i, c in wanted.items())
    print(
        f"each need asks for {extra} more than it has: {after:,} places open (before: "
        f"{before:,}); each volunteer may work {extra} more shifts a week"
    )


def published_tally(key, counted) -> dict[str, int]:
    """How many different `counted` each `key` has in the published roster."""
    query = (
        select(key, func.count(func.distinct(counted)))
        .where(m.Assignment.roster_id == store.published_id())
        .group_by(key)
    )
    return dict(m.db.session.execute(query).all())


def create_accounts() -> list[Account]:
    """A volunteer account for every volunteer, in one insert; one hash for all."""
    session = m.db.session
    shifts = published_tally(m.Assignment.volunteer_id, m.Assignment.need_id)
    people = session.execute(select(m.Volunteer.id, m.Volunteer.name).order_by(m.Volunteer.id))
    people = people.all()
    session.execute(delete(m.User).where(m.User.email.like(EMAIL.format("%"))))
    password_hash = generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")
    session.execute(
        insert(m.User),
        [
            {
                "email": EMAIL.format(k),
                "name": name,
                "password_hash": password_hash,
                "role": m.Role.VOLUNTEER.value,
                "volunteer_id": volunteer_id,
                "calendar_token": secrets.token_urlsafe(32),
            }
            for k, (volunteer_id, name) in enumerate(people)
        ],
    )
    session.commit()
    print(f"accounts for all {len(people):,} volunteers")
    return [Account(EMAIL.format(k), name, shifts.get(v, 0)) for k, (v, name) in enumerate(people)]


def written(url: str) -> tuple[int, int]:
    """(claims audited, availability replacements kept): what the server really stored."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        session = m.db.session
        claims = session.scalar(
            select(func.count()).select_from(m.AuditEntry).where(m.AuditEntry.action == "claim")
        )
        edits = session.scalar(
            select(func.count())
            .select_from(m.AvailabilityChange)
            .where(m.AvailabilityChange.source == "volunteer")
        )
        m.db.engine.dispose()
    return claims or 0, edits or 0


# --- before the timed runs: each account's token, offers and windows -----------------------


def answer(port: int, path: str, cookie: str) -> dict:
    status, body, _ = get(port, path, cookie)
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}: {body[:300]}")
    return json.loads(body)


def collect(port: int, cookie: str, mark: dict[str, object], rng: random.Random) -> Person:
    token = answer(port, "/api/csrf-token", cookie)["csrf_token"]
    offers = [o["need_id"] for o in answer(port, "/api/open-shifts", cookie)["open_shifts"]]
    windows = answer(port, "/api/my/availability", cookie)["windows"]
    rng.shuffle(offers)  # not all nearest first: fewer claims of the same place at once
    headers = {"Cookie": cookie, "X-CSRFToken": token}
    return Person(headers, offers, [w for w in windows if w != mark], mark in windows)


def collect_all(port: int, cookies: list[str], mark, parallel: int) -> list[Person]:
    started = time.perf_counter()
    rngs = [random.Random(k) for k in range(len(cookies))]
    with cf.ThreadPoolExecutor(parallel) as pool:
        people = list(pool.map(lambda c, r: collect(port, c, mark, r), cookies, rngs))
    offered = [len(p.offers) for p in people]
    print(
        f"asked every account for its token, offers and windows "
        f"({time.perf_counter() - started:.1f} s): {sum(1 for n in offered if n):,} of "
        f"{len(people):,} are offered shifts, {sum(offered):,} offers (at most 30 each)"
    )
    return people


# --- the open-loop generator ------------------------------------------------------------------


def calls(people: list[Person], mark: dict[str, object], seed: int = 1) -> Iterator[Call]:
    """Claims and edits by turns, the accounts in a shuffled round; an account's edits add
    and remove the "cannot work" day by turns."""
    rng = random.Random(seed)
    claimers = [p for p in people if p.offers]
    editors = people[:]
    rng.shuffle(claimers)
    rng.shuffle(editors)
    waiting = itertools.cycle(claimers)
    for who in itertools.cycle(editors):
        claimer = next(waiting)
        for _ in claimers:
            if claimer.offers:
                break
            claimer = next(waiting)
        else:
            raise SystemExit("every offer collected has been claimed: raise --extra")
        need = claimer.offers.pop()
        yield Call("claim", "POST", f"/api/open-shifts/{need}/claim", claimer.headers)
        who.marked = not who.marked
        body = json.dumps({"windows": who.windows + [mark] * who.marked})
        headers = who.headers | {"Content-Type": "application/json"}
        yield Call("edit", "PUT", "/api/my/availability", headers, body)


def send(port: int, call: Call, planned: float) -> Outcome:
    sent = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
    try:
        connection.request(call.method, call.path, body=call.body, headers=call.headers)
        response = connection.getresponse()
        body = response.read()
        status = str(response.status)
    except (OSError, http.client.HTTPException) as exc:
        status, body = type(exc).__name__, str(exc).encode()
    finally:
        connection.close()
    latency = (time.perf_counter() - planned) * 1000
    unexpected = "" if status in EXPECTED[call.kind] else body[:300].decode(errors="replace")
    return Outcome(call.kind, status, latency, sent, unexpected)


def drive(port: int, plan: Iterator[Call], rate: float, seconds: float, server) -> Run:
    """`rate` requests a second for `seconds`, each sent at its planned instant."""
    tree = [server, *server.children(recursive=True)]
    server_before, busy_before = _server_cpu(tree), _busy()
    self_before = _own_cpu()
    start = time.perf_counter() + 0.05
    with cf.ThreadPoolExecutor(POOL) as pool:
        pending = []
        for k in range(round(rate * seconds)):
            planned = start + k / rate
            pause = planned - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            pending.append(pool.submit(send, port, next(plan), planned))
        outcomes = [f.result() for f in pending]
    took = time.perf_counter() - start
    server_cpu = (_server_cpu(tree) - server_before) / took
    own = (_own_cpu() - self_before) / took
    other = max(0.0, (_busy() - busy_before) / took - server_cpu - own)
    return Run(outcomes, took, {"server": server_cpu, "bench": own, "other": other})


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def show(label: str, run: Run) -> None:
    figures = "  ".join(f"p{q} {run.percentile(q):6.1f}" for q in (50, 95, 99))
    print(
        f"{label}: {len(run.outcomes)} requests sent at {run.rate:.1f}/s, answered at "
        f"{run.answered:.1f}/s  {figures}  max {run.percentile(100):6.1f} ms; "
        f"errors {len(run.errors)}"
    )
    for kind in ("claim", "edit"):
        figures = "  ".join(f"p{q} {run.percentile(q, kind):6.1f}" for q in (50, 99))
        print(f"    {kind + 's':<7} {figures} ms; {run.counts(kind)}")
    print(
        "    CPU (cores): gunicorn {server:.2f}, this script {bench:.2f}, "
        "other processes {other:.2f}".format(**run.cpu)
    )
    for outcome in run.errors[:5]:
        print(f"    error: {outcome.kind} {outcome.status} {outcome.body!r}")


# --- main -----------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0, help="requests per second")
    parser.add_argument("--duration", type=int, default=60, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=10, help="seconds of unmeasured load")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2 * cores, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument(
        "--signed-in", type=int, default=7000, help="accounts signed in and driven (all: 7,000)"
    )
    parser.add_argument(
        "--extra",
        type=int,
        default=2,
        help="places each need asks for beyond its roster, and shifts a week each volunteer "
        "may work beyond their limit",
    )
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "national")
    parser.add_argument(
        "--sqlite", type=Path, help="keep the prepared SQLite database here and reuse it"
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL database to use instead of SQLite; its contents are replaced",
    )
    args = parser.parse_args()
    args.app = "web:create_app()"  # what bench_web's start_server reads
    return args


def main() -> int:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-self-service-") as folder:
        folder = Path(folder)
        path = args.sqlite or folder / "scheduler.sqlite3"
        url = sqlalchemy_url(args.database_url or f"sqlite:///{path.resolve()}")
        accounts, mark = ready(url, args)
        # Claims wake the notice queue: a scratch one, not the instance folder's.
        os.environ["SCHEDULER_HUEY_SQLITE_PATH"] = str(folder / "huey.sqlite3")
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # as bench_web: stop gunicorn
        port = free_port()
        server = start_server(url, args, port, folder / "gunicorn.log")
        try:
            chosen = accounts[:: max(1, len(accounts) // args.signed_in)][: args.signed_in]
            cookies = sign_in_all(port, chosen, parallel=args.workers)
            people = collect_all(port, cookies, mark, parallel=args.workers)
            before = written(url)
            runs = measure(port, people, mark, args, psutil.Process(server.pid))
            after = written(url)
        finally:
            stop_server(server)
    return verdict(runs, before, after, args)


def measure(port: int, people, mark, args: argparse.Namespace, server) -> list[Run]:
    database = "PostgreSQL" if args.database_url else "SQLite (WAL)"
    print(
        f"gunicorn: {args.workers} workers x {args.threads} thread(s), {database}; "
        f"{args.rate:g} requests/s open loop, claims and edits by turns, "
        f"{len(people):,} accounts; {os.cpu_count()} cores shared with this script"
    )
    plan = calls(people, mark)
    runs = [drive(port, plan, args.rate, args.warmup, server)]
    show("warm-up", runs[0])
    for number in range(1, args.runs + 1):
        runs.append(drive(port, plan, args.rate, args.duration, server))
        show(f"run {number}", runs[-1])
    return runs


def verdict(runs: list[Run], before, after, args: argparse.Namespace) -> int:
    measured = runs[1:]
    medians = {q: statistics.median(r.percentile(q) for r in measured) for q in (50, 95, 99)}
    rate = statistics.median(r.rate for r in measured)
    answered = statistics.median(r.answered for r in measured)
    errors = sum(len(r.errors) for r in runs)
    taken = sum(o.status == "201" for r in runs for o in r.outcomes)
    saved = sum(o.status == "200" for r in runs for o in r.outcomes)
    stored = (after[0] - before[0], after[1] - before[1])
    print(
        f"median of {len(measured)} x {args.duration} s: sent {rate:.1f} requests/s, "
        f"answered {answered:.1f}/s, "
        f"p50 {medians[50]:.1f} ms, p95 {medians[95]:.1f} ms, p99 {medians[99]:.1f} ms "
        f"(worst run's p99 {max(r.percentile(99) for r in measured):.1f} ms); "
        f"errors in all runs and the warm-up: {errors}"
    )
    print(
        f"stored by the server: {stored[0]} claims audited for {taken} answered 201, "
        f"{stored[1]} availability changes kept for {saved} answered 200"
    )
    met = (
        rate >= 0.98 * args.rate
        and medians[99] <= TARGET_P99
        and errors == 0
        and stored == (taken, saved)
    )
    print(
        f"target ({args.rate:g} requests/s, p99 <= {TARGET_P99:.0f} ms, 0 errors): "
        f"{'met' if met else 'NOT met'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
