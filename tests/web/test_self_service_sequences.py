"""Nothing a volunteer does can make the published roster break a rule.

Random sequences of what volunteers may do by themselves (claim an open
place, decline a shift, offer one to a colleague or to anyone, take an
offer, replace their availability, accept an invitation), each through the
same functions the pages and the API call, then the published roster is
judged by the independent checker (`scheduler.checker`), which shares no
code with the rule units that guard each action. Seeded, so a failure
replays exactly.
"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select, update

from scheduler.checker import check_roster
from scheduler.outputs.roster_reading import Assignment
from tests.web.test_schedule import at
from web import cover_cases, open_shifts, own_availability, schedule, shift_answers, store, swaps
from web import models as m
from web.models import db
from web.open_shifts import Refused
from web.own_availability import Refused as AvailabilityRefused

STEPS = 80
WINDOWS = (
    {"day": "Mon", "start": "08:00", "end": "20:00", "available": True},
    {"day": "Tue", "start": "00:00", "end": "24:00", "available": True},
    {"day": "Wed", "start": "20:00", "end": "08:00", "available": True},
    {"day": "Sat", "start": "00:00", "end": "24:00", "available": False},
    {"day": "2020-05-21", "start": "06:00", "end": "18:00", "available": False},
)


@pytest.fixture(autouse=True)
def before_the_demo_week(monkeypatch) -> None:
    monkeypatch.setattr(schedule, "now", lambda: at(2020, 5, 1, 12))


def published(app) -> list[tuple[str, str]]:
    return sorted(store.roster_assignments(store.published().id))


def violations(app) -> list:
    dataset = store.load()
    rows = [Assignment(n, v, row) for row, (n, v) in enumerate(published(app), 2)]
    return check_roster(dataset, rows)


@pytest.mark.parametrize("seed", range(4))
def test_random_self_service_never_breaks_a_rule(app, demo, seed) -> None:
    rng = random.Random(seed)
    done: dict[str, int] = {}
    with app.test_request_context():
        # one more place wanted on every other need: open places to claim and to cover
        ids = sorted(db.session.scalars(select(m.Need.id)))
        db.session.execute(
            update(m.Need).where(m.Need.id.in_(ids[::2])).values(count=m.Need.count + 1)
        )
        db.session.commit()
        assert violations(app) == []
        people = sorted(db.session.scalars(select(m.Volunteer.id)))
        for _ in range(STEPS):
            kind = rng.choice(["claim", "claim", "decline", "offer", "take", "hours", "invite"])
            if act(kind, rng, people):
                done[kind] = done.get(kind, 0) + 1
        assert violations(app) == [], done
    assert sum(done.values()) >= STEPS // 4, done  # the sequence did things, not only refusals


def act(kind: str, rng: random.Random, people: list[str]) -> bool:
    """One action by a random volunteer; True when it changed something."""
    pairs = sorted(store.roster_assignments(store.published().id))
    if kind == "claim":  # mostly a place offered to them; now and then any place at all
        for volunteer in rng.sample(people, 8):
            offers = [o.shift.need.id for o in open_shifts.offers(volunteer)]
            if offers or rng.random() < 0.2:
                need = rng.choice(offers or [rng.choice(pairs)[0]])
                return open_shifts.claim(volunteer, need) is None
        return False
    if kind == "decline" and pairs:
        need_id, volunteer_id = rng.choice(pairs)
        need, volunteer = db.session.get(m.Need, need_id), db.session.get(m.Volunteer, volunteer_id)
        return shift_answers.decline(need, volunteer)
    if kind == "offer" and pairs:
        need_id, giver = rng.choice(pairs)
        to = rng.choice([None, rng.choice(people)])
        return not isinstance(swaps.offer(need_id, giver, to), Refused)
    if kind == "take":
        offered = db.session.scalars(
            select(m.ShiftRequest).where(m.ShiftRequest.state == "offered")
        ).all()
        if not offered:
            return False
        request = rng.choice(offered)
        if request.named_id:
            return swaps.accept(request.id, request.named_id) == "taken"
        for taker in rng.sample(people, 8):  # someone it is offered to, mostly
            if rng.random() < 0.2 or request in swaps.offers_to(taker):
                return swaps.accept(request.id, taker) == "taken"
        return False
    if kind == "hours":
        volunteer = rng.choice(people)
        windows = rng.sample(WINDOWS, rng.randint(0, 3))
        try:
            own_availability.replace(volunteer, windows)
        except AvailabilityRefused:  # it would strand a shift they hold: nothing stored
            return False
        return True
    if kind == "invite":
        cases = cover_cases.open_cases(None)
        if not cases:
            return False
        case = rng.choice(cases)
        need = db.session.get(m.Need, case.shift.need.id)
        facility = db.session.get(m.Facility, case.shift.facility.id)
        if cover_cases.invite_wave(need, facility, case.open) == 0:
            return False
        invited = db.session.scalars(
            select(m.Invitation.volunteer_id).where(m.Invitation.need_id == need.id)
        ).all()
        return open_shifts.claim(rng.choice(invited), need.id) is None
    return False
