"""The `scheduler` command: the same engine calls the web app makes, for a terminal.

`group` holds the command group; each module adds its commands to it when imported.
"""

from scheduler.cli import inputs, rosters, solving
from scheduler.cli.group import main
from scheduler.garbage import spare_the_last_collection

__all__ = ["inputs", "main", "rosters", "run", "solving"]


def run() -> None:
    """The `scheduler` program: the command group, in a process that ends when it does (and
    so may skip Python's last collection; a test calling `main` keeps its own)."""
    spare_the_last_collection()
    main()
