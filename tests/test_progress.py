"""While solving on a terminal, stderr shows parts done, the coverage found and the bound; piped,
it shows nothing (the --json output and logs stay clean)."""

from __future__ import annotations

import fcntl
import os
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from scheduler.cli.solving import _progress
from tests.test_solve import DEMO

SCHEDULER = [sys.executable, "-m", "scheduler"]


def test_a_terminal_sees_the_parts_the_coverage_and_the_bound(tmp_path: Path) -> None:
    leader, follower = os.openpty()
    try:
        done = subprocess.run(
            [*SCHEDULER, "solve", str(DEMO), "-o", str(tmp_path / "roster.xlsx")],
            stdout=subprocess.PIPE,
            stderr=follower,
            env={**os.environ, "COLUMNS": "160"},
            timeout=120,
        )
    finally:
        os.close(follower)
    shown = _read_all(leader)
    assert done.returncode == 0, shown
    bars = [
        line for line in shown.replace("\r", "\n").splitlines() if re.search(r"part/s|s/part", line)
    ]
    assert bars, shown
    last = bars[-1]
    assert re.search(r"\b(\d+)/\1 \[", last), last  # every part done
    assert re.search(r"coverage 5,654, bound 5,654, gap 0\.00%", last), last


def test_a_pipe_sees_no_progress(tmp_path: Path) -> None:
    done = subprocess.run(
        [*SCHEDULER, "solve", str(DEMO), "-o", str(tmp_path / "roster.xlsx"), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0
    assert "part" not in done.stderr and "bound" not in done.stderr


def test_the_bar_follows_a_window_made_narrower(monkeypatch: pytest.MonkeyPatch) -> None:
    leader, follower = os.openpty()
    terminal = open(follower, "w", encoding="utf-8", closefd=True)  # noqa: SIM115
    monkeypatch.setattr(sys, "stderr", terminal)
    try:
        with _progress() as show:
            assert show is not None
            _resize(follower, columns=120)
            show(1, 3, 100.0, 200.0)
            _resize(follower, columns=40)
            show(2, 3, 150.0, 200.0)
    finally:
        terminal.close()
    drawn = [line.rstrip() for line in _read_all(leader).replace("\r", "\n").splitlines()]
    wide = [line for line in drawn if "1/3" in line]
    narrow = [line for line in drawn if "2/3" in line]
    assert wide and max(len(line) for line in wide) > 40, drawn
    assert narrow and max(len(line) for line in narrow) <= 40, drawn


def _resize(terminal: int, columns: int, lines: int = 24) -> None:
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))


def _read_all(leader: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal's other side is closed: all is read
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return b"".join(chunks).decode(errors="replace")
