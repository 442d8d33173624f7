"""What a solve job's message says, in the reader's language.

The worker writes a job's end without a reader, so it stores a code and
its values (`SolveJob.message_code`, `message_values`) beside the English
text (`Said`); a page or the API words it when it is read (`job_message`).
Rows from before the codes, and messages without one, are shown as stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import force_locale, gettext, ngettext

from web.i18n import number
from web.models import SolveJob


@dataclass(frozen=True)
class Said:
    """A job's message: its code and values, and the English words stored beside them."""

    code: str
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def english(self) -> str:
        with force_locale("en"):
            return words(self.code, self.values) or self.code

    def columns(self) -> dict[str, Any]:
        """The job row's columns for it."""
        return {
            "message": self.english[:2000],
            "message_code": self.code,
            "message_values": self.values,
        }


def job_message(job: SolveJob) -> str:
    if job.message_code:
        try:
            said = words(job.message_code, job.message_values or {})
        except (KeyError, TypeError, ValueError):  # values of an older shape: as stored
            said = None
        if said:
            return said
    return job.message


def words(code: str, values: Mapping[str, Any]) -> str | None:
    """The message of a code in the current language; None for a code not known here."""
    v = values
    if code == "draft_ready":
        said = gettext(
            "draft roster ready: %(filled)s of %(demand)s places filled",
            filled=number(v["filled"]),
            demand=number(v["demand"]),
        )
        if "kept" in v:
            said += "; " + ngettext(
                "%(count)s assignment of the published roster kept",
                "%(count)s assignments of the published roster kept",
                int(v["kept"]),
                count=number(v["kept"]),
            )
            said += ", " + ngettext(
                "%(count)s volunteer's shifts change",
                "%(count)s volunteers' shifts change",
                int(v.get("changed_volunteers", 0)),
                count=number(v.get("changed_volunteers", 0)),
            )
        return said
    unchanged = gettext("the published roster is unchanged")
    again = gettext("Start the solve again.")
    admin = gettext(
        "Ask whoever runs the server to check the database's disk space and write "
        "permission, then start the solve again."
    )
    found = {
        "solver_failed": lambda: gettext("the solver failed: %(error)s", error=v["error"]),
        "solver_killed": lambda: gettext(
            "the solver process was killed by signal %(signal)s", signal=v["signal"]
        ),
        "solver_out_of_memory": lambda: gettext(
            "the solver process was killed by signal %(signal)s (out of memory, or stopped "
            "by the system)",
            signal=v["signal"],
        ),
        "solver_exited": lambda: gettext(
            "the solver process stopped with exit code %(code)s", code=v["code"]
        ),
        "timed_out": lambda: gettext(
            "the solver did not finish within %(seconds)s s and was stopped",
            seconds=v["seconds"],
        ),
        "interrupted": lambda: gettext("the worker was shut down while solving"),
        "stale": lambda: gettext("the worker stopped while solving (killed or crashed)"),
        "not_stored": lambda: gettext("the roster could not be stored (the database stayed busy)"),
        "not_started": lambda: gettext("the solve could not start (the database stayed busy)"),
        "store_refused": lambda: gettext(
            "the database refused to store the roster (%(reason)s)", reason=v["reason"]
        ),
        "start_refused": lambda: gettext(
            "the database refused to start the solve (%(reason)s)", reason=v["reason"]
        ),
        "queue_unreachable": lambda: gettext(
            "the task queue could not be reached (%(error)s)", error=v["error"]
        ),
        "cancelled": lambda: gettext("cancelled by %(name)s at %(time)s", **v),
    }.get(code)
    if found is None:
        return None
    tail = {
        "interrupted": f"; {unchanged}. {again}",
        "not_stored": f"; {unchanged}. {again}",
        "not_started": f"; {unchanged}. {again}",
        "store_refused": f"; {unchanged}. {admin}",
        "start_refused": f"; {unchanged}. {admin}",
        "cancelled": "",
    }.get(code, f"; {unchanged}")
    return found() + tail
