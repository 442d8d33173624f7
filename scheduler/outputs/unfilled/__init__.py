"""Why a place is open: the funnel a coordinator walks, counted from the data.

For every need with open places, count the volunteers who could have filled
it, stage by stage: the right role in the facility's region, available for
the whole shift, within their distance limit (`reach`), not already on this
shift (here), and not kept off by the rest, weekly or days-in-a-row limits
given the roster as it stands (`limits`). The first stage that empties is
the reason, written in words a coordinator can act on, with the count at
each stage (`sentences`, into a `funnel.Funnel`).

Stages 1 to 3 call the engine's own eligibility functions, so the count that
survives them is exactly the engine's eligible count for the need. Stage 5
judges hard rules 4 to 6 as the checker does, on the roster given, which may
have been edited by hand and may itself break rules. Everything is
vectorised over (volunteer, open need) pairs (`shifts` holds the arrays):
the national roster is explained in well under a second.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from scheduler.domain import Dataset
from scheduler.outputs.unfilled.funnel import BLOCKING_RULES, STAGES, Funnel
from scheduler.outputs.unfilled.limits import stops
from scheduler.outputs.unfilled.reach import reach
from scheduler.outputs.unfilled.sentences import funnels
from scheduler.outputs.unfilled.shifts import roster_pairs, shift_clock

__all__ = ["BLOCKING_RULES", "STAGES", "Funnel", "explain_unfilled"]


def explain_unfilled(dataset: Dataset, assignments: Iterable[tuple[str, str]]) -> dict[str, Funnel]:
    """A funnel for every need with open places; only needs with open places appear.

    `assignments` are (need_id, volunteer_id) pairs. A repeated pair counts
    once, and a pair naming an unknown need or volunteer is left out (both
    are the checker's to report), so a hand-edited roster never crashes this.
    """
    if not dataset.needs:
        return {}
    shifts = shift_clock(dataset)
    roster = roster_pairs(dataset, assignments)
    filled = np.bincount(roster[1], minlength=len(dataset.needs))
    open_places = np.array([n.count for n in dataset.needs]) - filled
    needs = np.flatnonzero(open_places > 0)
    if not len(needs):
        return {}
    found = reach(dataset, shifts, needs)
    on_shift = np.isin(
        needs[found.need] * len(dataset.volunteers) + found.volunteer,
        roster[1] * len(dataset.volunteers) + roster[0],
    )
    stop = stops(dataset, shifts, roster, found, ~on_shift)
    on_this_shift = np.bincount(found.need[on_shift], minlength=len(needs))
    return funnels(dataset, needs, open_places, found, on_this_shift, stop)
