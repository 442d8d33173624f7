"""The `scheduler` command: the same engine calls the web app makes, for a terminal.

`group` holds the command group; each module adds its commands to it when imported.
"""

from scheduler.cli import inputs, rosters, solving
from scheduler.cli.group import main

__all__ = ["inputs", "main", "rosters", "solving"]
