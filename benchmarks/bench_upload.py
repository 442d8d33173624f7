"""Server memory and time for hostile and national-sized needs uploads (target: < 300 MB).

A 39 MB CSV of one repeated row once took 57 s and 2.56 GB of server memory
and answered with 174 MB of HTML. This stores data/national (no solve) in a
scratch database (SQLite in a temporary folder, or the PostgreSQL database
given with --database-url, whose contents are replaced), makes a national
coordinator, and for each upload starts a fresh gunicorn with one sync
worker, signs in through the real form, warms the worker up (the upload page
and one small upload), then posts the file to /needs/upload. The figures are
the worker's peak resident memory (VmHWM) after the upload, the part the
upload added to the warmed-up worker, the answer's status, size and time.
Each case runs --runs times; medians are printed.

    .venv/bin/python benchmarks/bench_upload.py [--runs 3] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import re
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psutil
from bench_web import HOST, _send, free_port, get, sqlalchemy_url, start_server, stop_server
from flask_migrate import upgrade
from sqlalchemy import delete

from scheduler.intake.loading import load_dataset
from scheduler.intake.updates import UPLOAD_LIMITS
from web import create_app, store
from web import models as m
from web.auth import hash_password

ROOT = Path(__file__).resolve().parent.parent
EMAIL, PASSWORD = "bench-national@bench.example", "bench-password"
TARGET_MB = 300
HEADER = b"need_id,facility_id,date,start,end,role,count,priority\n"
ROWS = UPLOAD_LIMITS.max_rows
ROLES = ("doctor", "nurse", "orderly", "support")


@dataclass(frozen=True)
class Case:
    label: str
    body: bytes
    name: str = "needs.csv"


def cases() -> list[Case]:
    row = b",F001,2020-05-04,08:00,20:00,doctor,1,2\n"
    bad = b",F001,2020-05-04,08:00,20:00,doctor,lots,2\n"
    national = (ROOT / "data" / "national" / "needs.csv").read_bytes()
    return [
        Case("national needs.csv (9,092 rows, stored)", national),
        Case(f"{ROWS:,} new needs (the most, stored)", new_needs(ROWS)),
        Case(f"{ROWS:,} rows, each wrong", HEADER + bad * ROWS),
        Case("39 MB, one row repeated", HEADER + row * (39 * 2**20 // len(row))),
        Case("60 MB, one row repeated", HEADER + row * (60 * 2**20 // len(row))),
    ]


def new_needs(count: int) -> bytes:
    """Distinct valid shifts in the coming months: 50 facilities, 4 roles, one a day each."""
    today = dt.date.today()
    rows = [
        f",F{1 + k % 50:03},{today + dt.timedelta(days=1 + k // 200)},08:00,20:00,"
        f"{ROLES[k // 50 % 4]},1,2\n"
        for k in range(count)
    ]
    return HEADER + "".join(rows).encode()


def prepare(url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        dataset, _ = load_dataset(ROOT / "data" / "national")
        store.replace_all(dataset)
        m.db.session.execute(delete(m.User).where(m.User.email == EMAIL))
        m.db.session.add(
            m.User(
                email=EMAIL,
                name="Bench",
                password_hash=hash_password(PASSWORD),
                role=m.Role.NATIONAL,
            )
        )
        m.db.session.commit()
        m.db.engine.dispose()


def sign_in(port: int) -> tuple[str, str]:
    """The session cookie and the upload form's CSRF token."""
    _, page, cookie = get(port, "/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
    form = {"csrf_token": token, "email": EMAIL, "password": PASSWORD}
    status, _, cookie = _send(port, "POST", "/login", cookie, form)
    if status != 302:
        raise SystemExit(f"signing in answered {status}")
    _, page, newer = get(port, "/needs/upload", cookie)
    cookie = newer or cookie
    return cookie, re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]


def post_file(port: int, cookie: str, token: str, case: Case) -> tuple[int, int, float]:
    """POST the file as a browser's form does; (status, answer bytes, seconds)."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{case.name}"\r\nContent-Type: text/csv\r\n\r\n'
    ).encode()
    body = head + case.body + f"\r\n--{boundary}--\r\n".encode()
    connection = http.client.HTTPConnection(HOST, port, timeout=600)
    started = time.perf_counter()
    try:
        connection.request(
            "POST",
            "/needs/upload",
            body=body,
            headers={
                "Cookie": cookie,
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            },
        )
        response = connection.getresponse()
        answer = response.read()
        return response.status, len(answer), time.perf_counter() - started
    except (BrokenPipeError, ConnectionResetError):  # refused before the body was read
        return 413, 0, time.perf_counter() - started
    finally:
        connection.close()


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def measure(url: str, case: Case, args: argparse.Namespace, log: Path) -> tuple:
    port = free_port()
    server = start_server(url, args, port, log)
    try:
        [worker] = psutil.Process(server.pid).children()
        cookie, token = sign_in(port)
        warm = Case("warm-up", HEADER + b",F001,2020-05-04,08:00,20:00,doctor,x,2\n")
        post_file(port, cookie, token, warm)
        before = peak_mb(worker.pid)
        status, size, seconds = post_file(port, cookie, token, case)
        return status, size, seconds, peak_mb(worker.pid), peak_mb(worker.pid) - before
    finally:
        stop_server(server)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    args.workers, args.threads, args.app = 1, 1, "web:create_app()"
    with tempfile.TemporaryDirectory(prefix="bench-upload-") as folder:
        url = sqlalchemy_url(args.database_url) or f"sqlite:///{folder}/bench.sqlite3"
        prepare(url)
        log = Path(folder) / "gunicorn.log"
        print(f"database: {url.split('@')[-1]}; gunicorn, 1 sync worker; medians of {args.runs}")
        print(f"{'upload':<42} {'status':>6} {'answer':>9} {'time':>7} {'peak':>8} {'added':>8}")
        worst = 0.0
        for case in cases():
            runs = [measure(url, case, args, log) for _ in range(args.runs)]
            status = {r[0] for r in runs}
            size, seconds, peak, added = (
                statistics.median(r[k] for r in runs) for k in (1, 2, 3, 4)
            )
            worst = max(worst, peak)
            print(
                f"{case.label:<42} {'/'.join(map(str, sorted(status))):>6} "
                f"{size / 1024:>7.0f} kB {seconds:>6.2f}s {peak:>6.0f} MB {added:>6.0f} MB"
            )
        verdict = "target met" if worst < TARGET_MB else "target NOT met"
        print(
            f"worst peak of the server worker: {worst:.0f} MB (target < {TARGET_MB} MB): {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
