"""The calendar feed keeps what it told: a moved shift comes again at a higher SEQUENCE under
the same UID, a shift taken away comes as CANCELLED for two weeks, and two polls at once
revise the history once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from icalendar import Calendar
from sqlalchemy import delete, select

from tests.web.conftest import Accounts, login
from tests.web.test_schedule import TOKEN, at, own_needs
from web import calendar_feed, schedule, store
from web.models import CalendarEvent, Need, db

FEED = f"/calendar/{TOKEN[Accounts.volunteer]}.ics"


@pytest.fixture(autouse=True)
def before_the_demo_week(monkeypatch) -> None:
    monkeypatch.setattr(schedule, "now", lambda: at(2020, 5, 1, 12))


def read(client) -> dict[str, dict]:
    """Each event of the feed by its need id: UID, SEQUENCE, STATUS, SUMMARY and start."""
    response = client.get(FEED)
    assert response.status_code == 200
    found = {}
    for e in Calendar.from_ical(response.data).walk("VEVENT"):
        need_id = str(e["DESCRIPTION"]).rsplit("Need: ", 1)[1]
        found[need_id] = {
            "uid": str(e["UID"]),
            "sequence": int(e["SEQUENCE"]),
            "status": str(e["STATUS"]),
            "summary": str(e["SUMMARY"]),
            "start": e["DTSTART"].dt,
        }
    return found


def move(app, need_id: str, hours: int) -> None:
    with app.app_context():
        need = db.session.get(Need, need_id)
        need.start += dt.timedelta(hours=hours)
        need.end += dt.timedelta(hours=hours)
        db.session.commit()


def test_a_shift_moved_after_publishing_comes_again_at_the_next_sequence(app, client, demo):
    need = own_needs(demo, demo["volunteer"])[0]
    first = read(client)
    assert {e["sequence"] for e in first.values()} == {0}
    assert {e["status"] for e in first.values()} == {"CONFIRMED"}
    move(app, need.id, 2)
    second = read(client)
    assert second[need.id]["uid"] == first[need.id]["uid"]
    assert second[need.id]["sequence"] == 1
    assert second[need.id]["start"] == first[need.id]["start"] + dt.timedelta(hours=2)
    assert all(second[n] == first[n] for n in first if n != need.id)
    assert read(client) == second  # polled again, nothing new: nothing revised


def test_a_withdrawn_shift_is_cancelled_for_two_weeks(app, client, demo, monkeypatch):
    need = own_needs(demo, demo["volunteer"])[0]
    first = read(client)
    with app.app_context():
        db.session.execute(delete(Need).where(Need.id == need.id))
        db.session.commit()
    second = read(client)
    assert set(second) == set(first)
    gone = second[need.id]
    assert (gone["uid"], gone["sequence"], gone["status"]) == (
        first[need.id]["uid"],
        1,
        "CANCELLED",
    )
    assert gone["summary"] == f"Cancelled: {first[need.id]['summary']}"
    assert gone["start"] == first[need.id]["start"]  # as it was told
    page = client.get("/my/schedule")  # the page lists only what stands
    assert page.status_code == 302 or need.id not in page.get_data(as_text=True)
    monkeypatch.setattr(schedule, "now", lambda: at(2020, 5, 15, 11))
    assert read(client)[need.id]["status"] == "CANCELLED"
    monkeypatch.setattr(schedule, "now", lambda: at(2020, 5, 15, 12))
    assert need.id not in read(client)


def test_a_new_roster_that_takes_a_shift_away_cancels_it(app, client, demo):
    need = own_needs(demo, demo["volunteer"])[0]
    first = read(client)
    kept = [p for p in demo["result"].assignments if p != (need.id, demo["volunteer"])]
    with app.app_context():
        store.publish(kept, {"filled": len(kept)})
        db.session.commit()
    second = read(client)
    assert second[need.id]["status"] == "CANCELLED"
    with app.app_context():
        store.publish(demo["result"].assignments, {"filled": len(kept) + 1})
        db.session.commit()
    third = read(client)
    assert (third[need.id]["status"], third[need.id]["sequence"]) == ("CONFIRMED", 2)
    assert third[need.id]["uid"] == first[need.id]["uid"]


def test_a_volunteer_who_downloads_and_subscribes_shares_one_history(app, client, demo):
    first = read(client)
    login(client, Accounts.volunteer)
    download = Calendar.from_ical(client.get("/my/schedule.ics").data)
    assert {str(e["UID"]) for e in download.walk("VEVENT")} == {e["uid"] for e in first.values()}
    with app.app_context():
        rows = db.session.scalars(select(CalendarEvent)).all()
    assert {r.uid for r in rows} == {e["uid"] for e in first.values()}
    assert {r.volunteer_id for r in rows} == {demo["volunteer"]}


@pytest.mark.parametrize("served_before", [False, True], ids=["first poll", "after a move"])
def test_two_polls_at_once_revise_the_history_once(app, demo, monkeypatch, served_before):
    """Both polls read the history before either writes: both insert the same new events, or
    both revise the same moved one. Neither fails, and the moved shift is at sequence 1."""
    need = own_needs(demo, demo["volunteer"])[0]
    if served_before:
        read(app.test_client())
        move(app, need.id, 1)
    both_read = threading.Barrier(2, timeout=10)
    reading = calendar_feed.history
    first_read: set[int] = set()

    def held(volunteer_id: str):
        found = reading(volunteer_id)
        if threading.get_ident() not in first_read:
            first_read.add(threading.get_ident())
            both_read.wait()
        return found

    monkeypatch.setattr(calendar_feed, "history", held)
    answers: list[dict] = []
    polls = [
        threading.Thread(target=lambda: answers.append(read(app.test_client()))) for _ in range(2)
    ]
    for poll in polls:
        poll.start()
    for poll in polls:
        poll.join(30)
    monkeypatch.setattr(calendar_feed, "history", reading)
    assert len(answers) == 2
    sequence = 1 if served_before else 0
    assert answers[0] == answers[1]
    assert answers[0][need.id]["sequence"] == sequence
    with app.app_context():
        stored = calendar_feed.history(demo["volunteer"])
    assert {e.need_id: e.sequence for e in stored}[need.id] == sequence
    assert len(stored) == len(own_needs(demo, demo["volunteer"]))
    assert read(app.test_client())[need.id]["sequence"] == sequence


def test_a_coordinators_download_carries_the_sequence_the_feed_would(app, client, demo):
    """Sent by hand after the shift moved, the file must outrank what the feed told, or a
    calendar program ignores it; the download itself stores nothing."""
    need = own_needs(demo, demo["volunteer"])[0]
    read(client)
    move(app, need.id, 2)
    with app.app_context():
        roster_id = store.published().id
        before = calendar_feed.history(demo["volunteer"])
    coordinator = app.test_client()
    login(coordinator, Accounts.national)
    data = coordinator.get(f"/plan/rosters/{roster_id}/calendars/{demo['volunteer']}.ics").data
    events = {
        str(e["DESCRIPTION"]).rsplit("Need: ", 1)[1]: e
        for e in Calendar.from_ical(data).walk("VEVENT")
    }
    assert int(events[need.id]["SEQUENCE"]) == 1
    with app.app_context():
        assert calendar_feed.history(demo["volunteer"]) == before
    assert read(client)[need.id]["sequence"] == 1
