"""What a solve job's message says, in the reader's language.

The worker writes a job's end without a reader, so it stores a code and
its values (`SolveJob.message_code`, `message_values`) beside the English
text; a page or the API words it when it is read. Rows from before the codes,
and messages without one, are shown as stored.
"""

from __future__ import annotations

from flask_babel import gettext, ngettext

from web.i18n import number
from web.models import SolveJob


def job_message(job: SolveJob) -> str:
    values = job.message_values or {}
    if job.message_code == "draft_ready" and {"filled", "demand"} <= set(values):
        said = gettext(
            "draft roster ready: %(filled)s of %(demand)s places filled",
            filled=number(values["filled"]),
            demand=number(values["demand"]),
        )
        if "kept" in values:
            said += "; " + ngettext(
                "%(count)s assignment of the published roster kept",
                "%(count)s assignments of the published roster kept",
                int(values["kept"]),
                count=number(values["kept"]),
            )
            said += ", " + ngettext(
                "%(count)s volunteer's shifts change",
                "%(count)s volunteers' shifts change",
                int(values.get("changed_volunteers", 0)),
                count=number(values.get("changed_volunteers", 0)),
            )
        return said
    return job.message
