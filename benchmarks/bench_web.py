"""Load on the volunteer schedule page (target: >= 300 requests/s, p99 < 100 ms, no errors).

Migrates a scratch database (SQLite in a temporary folder, or the PostgreSQL
database given with --database-url, whose contents are replaced), stores
data/national, solves it and publishes the roster, and creates volunteer
accounts for volunteers who have shifts. Then it starts gunicorn on a free
local port, signs every account in through the real login form (CSRF token
and all), checks that each one's page is theirs (their name, as many shift
cards as they have assignments), and points wrk at GET /my/schedule with a
Lua script that rotates the accounts' session cookies and counts every
answer other than 200. After a warm-up, wrk runs several times; the medians
decide. wrk runs on the same machine, so the CPU it uses is printed beside
the server's (on a 2-core machine it takes a share the server does not get),
and so is the CPU other processes took, and the server's CPU time per
request, which such noise hardly changes.

    .venv/bin/python benchmarks/bench_web.py [--workers 4] [--threads 1] [--connections 8]
        [--duration 20] [--runs 3] [--accounts 200] [--database-url postgresql://...]

--app 'module:create_app()' (with PYTHONPATH) measures a variant of the app.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import html
import http.client
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import psutil
from flask_migrate import upgrade
from sqlalchemy import delete, func, insert, select

from scheduler.engine.solver import solve
from scheduler.intake.loading import load_dataset
from web import create_app, store
from web import models as m
from web.auth import hash_password

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PAGE = "/my/schedule"
PASSWORD = "bench-password"
EMAIL = "bench-{}@bench.example"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Account:
    email: str
    name: str
    shifts: int  # assignments in the published roster, so cards on the page


@dataclass(frozen=True)
class Figures:
    """One wrk run; latencies in milliseconds."""

    rate: float
    p50: float
    p75: float
    p90: float
    p99: float
    max: float
    not_200: int  # counted by the Lua response hook: redirects to /login count too
    socket_errors: int  # connect, read, write, timeout
    wrk_cpu: float  # cores wrk used on average
    server_cpu: float  # cores gunicorn (master and workers) used on average
    other_cpu: float  # cores everything else on the machine used: noise on a shared machine

    @property
    def errors(self) -> int:
        return self.not_200 + self.socket_errors

    @property
    def cost(self) -> float:
        """Server CPU milliseconds per request: what other load on the machine hardly moves."""
        return 1000 * self.server_cpu / self.rate if self.rate else 0.0


def sqlalchemy_url(url: str) -> str:
    """postgres:// and postgresql:// mean psycopg 3, as in the app's DATABASE_URL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# --- the data: migrated, national dataset stored, roster published, accounts ----------


def prepare(url: str, data: Path, accounts: int) -> list[Account]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        dataset, _ = load_dataset(data)
        store.replace_all(dataset)
        print(
            f"stored {data.name}: {len(dataset.volunteers):,} volunteers, "
            f"{len(dataset.needs):,} needs ({time.perf_counter() - started:.1f} s)"
        )
        started = time.perf_counter()
        result = solve(dataset)
        roster = store.publish(
            result.assignments,
            {"weighted_coverage": result.weighted_coverage, "filled": result.filled},
        )
        m.db.session.commit()
        print(
            f"solved and published: {result.filled:,} places filled "
            f"({time.perf_counter() - started:.1f} s)"
        )
        chosen = create_accounts(roster.id, accounts)
        m.db.engine.dispose()
    return chosen


def create_accounts(roster_id: int, wanted: int) -> list[Account]:
    """Accounts for volunteers spread over the id order, all with shifts; one hash for all."""
    session = m.db.session
    busy = session.execute(
        select(m.Assignment.volunteer_id, func.count(func.distinct(m.Assignment.need_id)))
        .where(m.Assignment.roster_id == roster_id)
        .group_by(m.Assignment.volunteer_id)
        .order_by(m.Assignment.volunteer_id)
    ).all()
    if len(busy) < wanted:
        raise SystemExit(f"--accounts {wanted}: only {len(busy)} volunteers have shifts")
    picked = [busy[i * len(busy) // wanted] for i in range(wanted)]
    names = dict(
        session.execute(
            select(m.Volunteer.id, m.Volunteer.name).where(
                m.Volunteer.id.in_([v for v, _ in picked])
            )
        ).all()
    )
    session.execute(delete(m.User).where(m.User.email.like(EMAIL.format("%"))))
    password_hash = hash_password(PASSWORD)
    rows = [
        {
            "email": EMAIL.format(i),
            "name": names[volunteer_id],
            "password_hash": password_hash,
            "role": m.Role.VOLUNTEER.value,
            "volunteer_id": volunteer_id,
            # set, as `demo-accounts` does: a first visit would otherwise write it
            "calendar_token": secrets.token_urlsafe(32),
        }
        for i, (volunteer_id, _) in enumerate(picked)
    ]
    session.execute(insert(m.User), rows)
    session.commit()
    return [Account(EMAIL.format(i), names[v], shifts) for i, (v, shifts) in enumerate(picked)]


# --- the server ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(url: str, args: argparse.Namespace, port: int, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        SCHEDULER_SQLALCHEMY_DATABASE_URI=url,
        SCHEDULER_SECRET_KEY=secrets.token_hex(32),
        SCHEDULER_SESSION_COOKIE_SECURE="false",
        SCHEDULER_LOGIN_RATE_LIMIT="100000 per minute",  # every account signs in at once
    )
    command = [str(BIN / "gunicorn"), "-w", str(args.workers), "-b", f"{HOST}:{port}"]
    if args.threads > 1:
        command += ["--threads", str(args.threads)]  # the gthread worker: keep-alive
    command.append(args.app)
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start:\n{log.read_text()[-3000:]}")
        try:
            if get(port, "/healthz")[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(server)
    raise SystemExit(f"gunicorn did not answer /healthz in 60 s:\n{log.read_text()[-3000:]}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()  # gunicorn: graceful shutdown of master and workers
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# --- signing in over HTTP ----------------------------------------------------------------


def get(port: int, path: str, cookie: str = "") -> tuple[int, str, str]:
    """(status, body, the session cookie the answer set or '')."""
    return _send(port, "GET", path, cookie)


def _send(port: int, method: str, path: str, cookie: str, form: dict | None = None):
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        session = f"session={jar['session'].value}" if "session" in jar else ""
        return response.status, text, session
    finally:
        connection.close()


def sign_in(port: int, account: Account) -> str:
    """The login form as a browser fills it; then the account's page, checked. Its cookie."""
    status, page, cookie = get(port, "/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if status != 200 or token is None or not cookie:
        raise RuntimeError(f"GET /login: {status}, no CSRF token or cookie")
    form = {"csrf_token": token[1], "email": account.email, "password": PASSWORD}
    status, _, cookie = _send(port, "POST", "/login", cookie, form)
    if status != 302 or not cookie:
        raise RuntimeError(f"{account.email}: signing in answered {status}")
    status, page, newer = get(port, PAGE, cookie)
    cards = page.count('<article class="shift">')
    if status != 200 or html.escape(account.name) not in page or cards != account.shifts:
        raise RuntimeError(
            f"{account.email}: {PAGE} answered {status} with {cards} shift cards "
            f"(expected 200, {account.shifts} cards and the name {account.name!r})"
        )
    return newer or cookie  # the page adds the form's CSRF token to the session


def sign_in_all(port: int, accounts: list[Account], parallel: int) -> list[str]:
    started = time.perf_counter()
    with cf.ThreadPoolExecutor(parallel) as pool:
        cookies = list(pool.map(lambda a: sign_in(port, a), accounts))
    print(
        f"signed in {len(cookies)} accounts and checked each one's page: their name and "
        f"their {sum(a.shifts for a in accounts)} shifts ({time.perf_counter() - started:.1f} s)"
    )
    return cookies


# --- wrk ----------------------------------------------------------------------------------

LUA = """-- written by benchmarks/bench_web.py: each request carries the next account's session
local cookies = {%(cookies)s}
local threads = {}

function setup(thread)
  thread:set("first", #threads * math.floor(#cookies / %(threads)d))
  table.insert(threads, thread)
end

function init(args)
  i = first
  not_200 = 0
end

function request()
  i = i + 1
  return wrk.format("GET", wrk.path, {["Cookie"] = cookies[i %% #cookies + 1]})
end

function response(status, headers, body)
  if status ~= 200 then not_200 = not_200 + 1 end
end

function done(summary, latency, requests)
  local not_200 = 0
  for _, thread in ipairs(threads) do not_200 = not_200 + thread:get("not_200") end
  local e = summary.errors
  io.write(string.format(
    "RESULT %%d %%d %%d %%d %%d %%d %%d %%d %%d %%d %%d %%d\\n",
    summary.requests, summary.duration, not_200, e.connect + e.read + e.write + e.timeout,
    math.floor(latency:percentile(50)), math.floor(latency:percentile(75)),
    math.floor(latency:percentile(90)), math.floor(latency:percentile(99)),
    latency.max, e.status, e.timeout, e.connect))
end
"""


def write_script(path: Path, cookies: list[str], threads: int) -> None:
    quoted = ",\n  ".join(json.dumps(c) for c in cookies)  # ASCII: JSON quoting is Lua's
    path.write_text(LUA % {"cookies": "\n  " + quoted + "\n", "threads": threads})


def run_wrk(
    url: str, script: Path, args: argparse.Namespace, seconds: int, server: psutil.Process
) -> Figures:
    command = ["wrk", f"-t{args.threads_wrk}", f"-c{args.connections}", f"-d{seconds}s"]
    command += ["--latency", "--timeout", "5s", "-s", str(script), url]
    tree = [server, *server.children(recursive=True)]
    server_before, wrk_before, busy_before = _server_cpu(tree), _children_cpu(), _busy()
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    wrk_cpu = (_children_cpu() - wrk_before) / seconds
    server_cpu = (_server_cpu(tree) - server_before) / seconds
    other_cpu = max(0.0, (_busy() - busy_before) / seconds - wrk_cpu - server_cpu)
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    n, duration, not_200, sock, p50, p75, p90, p99, top, *_ = map(int, line.split()[1:])
    ms = 1000.0
    rate = n / (duration / 1e6)
    latencies = (p50 / ms, p75 / ms, p90 / ms, p99 / ms, top / ms)
    return Figures(rate, *latencies, not_200, sock, wrk_cpu, server_cpu, other_cpu)


def _server_cpu(tree: list[psutil.Process]) -> float:
    total = 0.0
    for process in tree:
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system
    return total


def _busy() -> float:
    """CPU seconds the whole machine has spent on anything but idling."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def _children_cpu() -> float:
    """CPU seconds of the children waited for so far: wrk's, after each run."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def show(label: str, f: Figures) -> None:
    print(
        f"{label}: {f.rate:7.1f} req/s  p50 {f.p50:6.1f} ms  p75 {f.p75:6.1f}  "
        f"p90 {f.p90:6.1f}  p99 {f.p99:6.1f}  max {f.max:6.1f}  "
        f"not-200 {f.not_200}  socket errors {f.socket_errors}  "
        f"CPU (cores): server {f.server_cpu:.2f}, wrk {f.wrk_cpu:.2f}, "
        f"other processes {f.other_cpu:.2f}; server {f.cost:.1f} ms CPU per request"
    )


# --- main ---------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2 * cores, help="gunicorn workers")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per worker; more than 1 is gunicorn's gthread worker",
    )
    parser.add_argument("--connections", type=int, default=8, help="wrk's open connections")
    parser.add_argument("--threads-wrk", type=int, default=2, help="wrk's threads (-t)")
    parser.add_argument("--duration", type=int, default=20, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of unmeasured load")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument(
        "--app",
        default="web:create_app()",
        help="the WSGI app for gunicorn, to measure a variant (on PYTHONPATH)",
    )
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "national")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL database to use instead of a scratch SQLite one; its contents "
        "are replaced",
    )
    args = parser.parse_args()
    args.threads_wrk = min(args.threads_wrk, args.connections)
    return args


def main() -> int:
    args = parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    with tempfile.TemporaryDirectory(prefix="bench-web-") as folder:
        folder = Path(folder)
        url = sqlalchemy_url(args.database_url or f"sqlite:///{folder / 'scheduler.sqlite3'}")
        accounts = prepare(url, args.data, args.accounts)
        # After the solve (its forked pool workers must keep the default): a plain `kill`
        # then ends the script through `finally`, so gunicorn stops with it.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        port = free_port()
        server = start_server(url, args, port, folder / "gunicorn.log")
        try:
            cookies = sign_in_all(port, accounts, parallel=args.workers)
            script = folder / "schedule.lua"
            write_script(script, cookies, args.threads_wrk)
            return measure(f"http://{HOST}:{port}{PAGE}", script, args, server)
        finally:
            stop_server(server)


def measure(url: str, script: Path, args: argparse.Namespace, server: subprocess.Popen) -> int:
    process = psutil.Process(server.pid)
    database = "PostgreSQL" if args.database_url else "SQLite (WAL)"
    print(
        f"gunicorn: {args.workers} workers x {args.threads} thread(s), {database}; "
        f"wrk: {args.threads_wrk} threads, {args.connections} connections, "
        f"{args.accounts} accounts; {os.cpu_count()} cores shared by both"
    )
    run_wrk(url, script, args, args.warmup, process)
    runs = []
    for number in range(1, args.runs + 1):
        runs.append(run_wrk(url, script, args, args.duration, process))
        show(f"run {number}", runs[-1])
    rate = statistics.median(r.rate for r in runs)
    p50 = statistics.median(r.p50 for r in runs)
    p99 = statistics.median(r.p99 for r in runs)
    errors = sum(r.errors for r in runs)
    cost = statistics.median(r.cost for r in runs)
    print(
        f"median of {len(runs)} x {args.duration} s: {rate:.1f} req/s, p50 {p50:.1f} ms, "
        f"p99 {p99:.1f} ms; errors (not 200 or socket) in all runs: {errors}; "
        f"server CPU {cost:.1f} ms per request"
    )
    met = rate >= 300 and p99 < 100 and errors == 0
    print(f"target (>= 300 req/s, p99 < 100 ms, 0 errors): {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
