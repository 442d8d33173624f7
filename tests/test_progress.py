"""The solve's progress on a terminal: a bar of parts with coverage, bound and gap."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_terminal_sees_parts_done_coverage_and_bound(tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))  # a real size
    command = ["solve", str(ROOT / "data" / "demo"), "-o", str(tmp_path / "roster.xlsx")]
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduler", *command],
        stdout=subprocess.DEVNULL,
        stderr=follower,
    )
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the other end closed: the command is done
            break
        if not chunk:
            break
        seen += chunk
    assert process.wait(timeout=120) == 0
    os.close(leader)
    text = seen.decode(errors="replace")
    bar = text.rsplit("places filled", 1)[0]  # the bar came before the summary line
    assert "100%" in bar and "part" in bar, text[-500:]
    assert "coverage" in bar and "bound" in bar and "gap" in bar, text[-500:]


def test_a_pipe_gets_no_bar(tmp_path: Path) -> None:
    command = ["solve", str(ROOT / "data" / "demo"), "-o", str(tmp_path / "roster.xlsx")]
    done = subprocess.run(
        [sys.executable, "-m", "scheduler", *command], capture_output=True, text=True, check=True
    )
    assert "bound" not in done.stderr.split(":")[0] and "%|" not in done.stderr
