"""Notices by e-mail, through a real SMTP server (aiosmtpd) started by the tests.

Every volunteer is given an address, so "exactly those" means something: a
publish mails the volunteers whose shifts it changes and nobody else; a
withdrawn need mails the people rostered on it; a refused delivery is
retried with back-off and then reported; a sender that stops between
sending and marking never sends the notice again.
"""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select, update

from tests.web import mail
from tests.web.conftest import Accounts, csrf_token, login
from tests.web.mail import address, html_of, text_of
from tests.web.test_publishing import make_draft, publish, published_pairs
from web import notices, outbox, schedule, shift_answers, store
from web.models import Notice, NoticeState, Roster, User, Volunteer, db, utcnow

mailbox = mail.mailbox
app_config = mail.app_config
addressed = mail.addressed


def three_changes(demo) -> tuple[set, dict[str, str]]:
    """The published roster with one volunteer taken off a shift, one given a shift and one
    moved to another shift of the same day; the three ids by what happened to them."""
    dataset, pairs = demo["dataset"], set(demo["result"].assignments)
    needs = dataset.need_by_id
    on = {}
    for n, v in pairs:
        on.setdefault(n, set()).add(v)
    n1, gone = min(pairs)
    given = next(v.id for v in dataset.volunteers if v.id not in on[n1] and v.id != gone)
    moved, n2, n3 = next(
        (v, n, other.id)
        for n, v in sorted(pairs)
        if v not in (gone, given)
        for other in dataset.needs
        if other.date == needs[n].date and other.id != n and v not in on.get(other.id, set())
    )
    changed = pairs - {(n1, gone), (n2, moved)} | {(n1, given), (n3, moved)}
    return changed, {"removed": gone, "added": given, "moved": moved}


# --- publishing ---------------------------------------------------------------------------------


def test_a_publish_mails_exactly_the_volunteers_whose_shifts_change(
    app, client, addressed, mailbox
):
    pairs, who = three_changes(addressed)
    draft_id = make_draft(app, pairs)
    login(client, Accounts.national)
    assert publish(client, draft_id).status_code == 200
    assert mailbox.to() == sorted(address(v) for v in who.values())
    dataset = addressed["dataset"]
    removed = text_of(mailbox.of(address(who["removed"]))[0])
    assert "Shifts you no longer have (do not come):" in removed
    assert "New shifts:" not in removed
    added = mailbox.of(address(who["added"]))[0]
    assert str(added["Subject"]) == "Your shifts have changed"
    assert "New shifts:" in text_of(added) and "Moved shifts:" not in text_of(added)
    moved = text_of(mailbox.of(address(who["moved"]))[0])
    assert "Moved shifts:" in moved and "was: " in moved
    for message in mailbox.messages:
        assert "https://scheduler.test/my/schedule" in text_of(message)
        assert 'href="https://scheduler.test/my/schedule"' in html_of(message)
        assert str(message["From"]) == "staffing@scheduler.test"
        assert "Europe/Moscow time" in text_of(message)
    facility = dataset.facility_by_id[dataset.need_by_id[sorted(pairs)[0][0]].facility_id]
    assert any(facility.name in text_of(m) for m in mailbox.messages)
    with app.app_context():
        states = set(db.session.scalars(select(Notice.state)))
    assert states == {NoticeState.SENT}


def test_publishing_the_same_change_again_tells_nobody_twice(app, client, addressed, mailbox):
    pairs, _ = three_changes(addressed)
    login(client, Accounts.national)
    publish(client, make_draft(app, pairs))
    with app.app_context():
        roster = store.published()
        assert notices.roster_published(store.previous_published(roster), roster) == 0
        db.session.commit()
        assert outbox.send_due(utcnow() + dt.timedelta(days=1)) == 0
    assert len(mailbox.messages) == 3


def test_the_notice_is_in_the_volunteers_language(app, client, addressed, mailbox):
    pairs, who = three_changes(addressed)
    with app.app_context():
        db.session.execute(
            update(User)
            .where(User.email == Accounts.volunteer)
            .values(volunteer_id=who["added"], locale="ru")
        )
        db.session.execute(
            update(Volunteer).where(Volunteer.id == who["added"]).values(email="")
        )  # the account's address is used when the list has none
        db.session.commit()
    login(client, Accounts.national)
    publish(client, make_draft(app, pairs))
    [russian] = mailbox.of(Accounts.volunteer)
    assert str(russian["Subject"]) == "Ваши смены изменились"
    assert "Новые смены:" in text_of(russian)
    assert 'lang="ru"' in html_of(russian)


# --- withdrawing a need -------------------------------------------------------------------------


def test_a_withdrawn_need_mails_its_volunteers_and_nobody_else(app, client, addressed, mailbox):
    demo = addressed
    here = {n.id for n in demo["dataset"].needs if n.facility_id == demo["facility"]}
    need_id = next(n for n, _ in sorted(demo["result"].assignments) if n in here)
    rostered = {v for n, v in demo["result"].assignments if n == need_id}
    login(client, Accounts.hospital)
    token = csrf_token(client, f"/needs/{need_id}/withdraw")
    response = client.post(
        f"/needs/{need_id}/withdraw", data={"csrf_token": token, "confirmed": "yes"}
    )
    assert response.status_code == 302
    assert mailbox.to() == sorted(address(v) for v in rostered)
    for message in mailbox.messages:
        assert "is off" in str(message["Subject"])
        assert "Do not come" in text_of(message)


# --- delivery: retries, reports, never twice ----------------------------------------------------


def post_one(app, demo) -> int:
    volunteer_id = demo["volunteer"]
    with app.app_context():
        outbox.post(
            [
                {
                    "key": "test-1",
                    "volunteer_id": volunteer_id,
                    "recipient": address(volunteer_id),
                    "language": "en",
                    "kind": "roster_changed",
                    "payload": {
                        "roster": 1,
                        "name": "Anna",
                        "added": [],
                        "moved": [],
                        "removed": [],
                    },
                }
            ]
        )
        db.session.commit()
        return db.session.scalar(select(Notice.id))


def state_of(app, notice_id: int) -> Notice:
    with app.app_context():
        notice = db.session.get(Notice, notice_id)
        db.session.expunge(notice)
        return notice


def test_a_refused_delivery_is_retried_with_back_off_and_then_reported(app, addressed, mailbox):
    notice_id = post_one(app, addressed)
    mailbox.refuse.add(address(addressed["volunteer"]))
    now = utcnow()
    waits = []
    with app.app_context():
        for _ in range(outbox.MAX_ATTEMPTS):
            assert outbox.send_due(now) == 0
            notice = db.session.get(Notice, notice_id)
            waits.append((notice.next_attempt_at - now).total_seconds())
            assert outbox.send_due(now) == 0  # not due again yet: nothing is tried
            now = notice.next_attempt_at
    final = state_of(app, notice_id)
    assert final.state == NoticeState.FAILED and final.attempts == outbox.MAX_ATTEMPTS
    assert "550" in final.last_error and "mailbox unavailable" in final.last_error
    assert waits[:4] == [60, 120, 240, 480]
    assert mailbox.messages == []


def test_a_delivery_refused_once_goes_out_on_the_retry(app, addressed, mailbox):
    notice_id = post_one(app, addressed)
    mailbox.refuse.add(address(addressed["volunteer"]))
    with app.app_context():
        outbox.send_due()
        mailbox.refuse.clear()
        assert outbox.send_due(utcnow() + dt.timedelta(minutes=2)) == 1
    assert state_of(app, notice_id).state == NoticeState.SENT
    assert len(mailbox.messages) == 1


class Crash(BaseException):
    """The sender's process dies: nothing after it runs."""


def test_a_sender_that_stops_between_sending_and_marking_never_sends_twice(
    app, addressed, mailbox, monkeypatch
):
    notice_id = post_one(app, addressed)

    def crash(*args, **kwargs):
        raise Crash

    monkeypatch.setattr(outbox, "_sent", crash)
    with app.app_context(), pytest.raises(Crash):
        outbox.send_due()
    monkeypatch.undo()
    assert len(mailbox.messages) == 1
    with app.app_context():
        db.session.rollback()
        assert outbox.send_due() == 0  # a new sender: the notice is not due, it is "sending"
        assert outbox.send_due(utcnow() + outbox.STUCK_AFTER * 2) == 0
    assert len(mailbox.messages) == 1
    final = state_of(app, notice_id)
    assert (final.state, final.last_error) == (NoticeState.FAILED, outbox.STOPPED_MID_SEND)


def test_two_senders_at_once_send_each_notice_once(app, addressed, mailbox):
    pairs, who = three_changes(addressed)
    draft_id = make_draft(app, pairs)
    with app.app_context():
        draft = db.session.get(Roster, draft_id)
        roster = store.publish_draft(draft, None)
        notices.roster_published(store.previous_published(roster), roster)
        db.session.commit()
    start = threading.Barrier(2, timeout=10)
    counts: list[int] = []

    def sender() -> None:
        with app.app_context():
            start.wait()
            counts.append(outbox.send_due())

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(counts) == 3
    assert mailbox.to() == sorted(address(v) for v in who.values())


# --- the coordinators' page ---------------------------------------------------------------------


def test_a_failed_notice_is_shown_with_its_reason_and_can_be_sent_again(
    app, client, addressed, mailbox
):
    notice_id = post_one(app, addressed)
    mailbox.refuse.add(address(addressed["volunteer"]))
    now = utcnow()
    with app.app_context():
        for _ in range(outbox.MAX_ATTEMPTS):
            outbox.send_due(now)
            now += dt.timedelta(hours=1)
    login(client, Accounts.national)
    page = client.get("/plan/notices?state=failed").get_data(as_text=True)
    assert "550 5.1.1 mailbox unavailable" in page and address(addressed["volunteer"]) in page
    assert "Send again" in page
    mailbox.refuse.clear()
    token = csrf_token(client, "/plan/notices")
    response = client.post(f"/plan/notices/{notice_id}/resend", data={"csrf_token": token})
    assert response.status_code == 302
    assert state_of(app, notice_id).state == NoticeState.SENT  # woken: sent at once
    assert len(mailbox.messages) == 1
    again = client.post(f"/plan/notices/{notice_id}/resend", data={"csrf_token": token})
    assert "has not failed" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert len(mailbox.messages) == 1


def test_a_regional_coordinator_sees_only_their_regions_notices(app, client, addressed):
    post_one(app, addressed)  # to the test volunteer, of the first region
    with app.app_context():
        region = db.session.get(Volunteer, addressed["volunteer"]).region
    mine = Accounts.regional if region == addressed["region"] else Accounts.other_regional
    theirs = Accounts.other_regional if mine == Accounts.regional else Accounts.regional
    login(client, mine)
    assert address(addressed["volunteer"]) in client.get("/plan/notices").get_data(as_text=True)
    client = app.test_client()
    login(client, theirs)
    page = client.get("/plan/notices").get_data(as_text=True)
    assert address(addressed["volunteer"]) not in page and "No notices yet." in page
    with app.app_context():
        notice_id = db.session.scalar(select(Notice.id))
    token = csrf_token(client, "/plan/notices")
    assert (
        client.post(f"/plan/notices/{notice_id}/resend", data={"csrf_token": token}).status_code
        == 404
    )


def test_hospital_staff_and_volunteers_cannot_see_notices(app, addressed):
    for who in (Accounts.hospital, Accounts.volunteer):
        client = app.test_client()
        login(client, who)
        assert client.get("/plan/notices").status_code == 403


# --- reminders, preferences, quiet hours ---------------------------------------------------------


MOSCOW = ZoneInfo("Europe/Moscow")


def first_shift(demo, volunteer_id: str):
    mine = [n for n, v in demo["result"].assignments if v == volunteer_id]
    return min((demo["dataset"].need_by_id[n] for n in mine), key=lambda n: n.start)


def reminders_of(app, volunteer_id: str) -> list[str]:
    """The need of each reminder posted to the volunteer."""
    with app.app_context():
        rows = db.session.scalars(
            select(Notice).where(Notice.kind == "reminder", Notice.volunteer_id == volunteer_id)
        )
        return [n.payload["shift"]["need_id"] for n in rows]


def test_a_reminder_goes_out_once_a_day_before_the_shift(app, addressed, mailbox):
    volunteer_id = addressed["volunteer"]
    need = first_shift(addressed, volunteer_id)
    start = need.start.replace(tzinfo=MOSCOW)
    with app.app_context():
        notices.post_reminders(start - dt.timedelta(hours=24, minutes=1))
        db.session.commit()
    assert need.id not in reminders_of(app, volunteer_id)  # not yet
    with app.app_context():
        for minute in range(3):  # three runs of the minute task see it due
            notices.post_reminders(start - dt.timedelta(hours=23, minutes=59 - minute))
            db.session.commit()
            outbox.send_due()
    assert reminders_of(app, volunteer_id).count(need.id) == 1
    day = need.date.isoformat()
    mine = [
        m for m in mailbox.of(address(volunteer_id)) if "Reminder: your shift" in str(m["Subject"])
    ]
    about = [
        m
        for m in mine
        if day in str(m["Subject"]) and need.start.strftime("%H:%M") in str(m["Subject"])
    ]
    assert len(about) == 1
    assert "A reminder of your shift:" in text_of(about[0])
    assert "https://scheduler.test/shift/" in text_of(about[0])


def test_a_volunteer_chooses_the_reminders_lead_or_none(app, client, addressed, mailbox):
    volunteer_id = addressed["volunteer"]
    need = first_shift(addressed, volunteer_id)
    start = need.start.replace(tzinfo=MOSCOW)
    login(client, Accounts.volunteer)
    form = {"email_notices": "y", "remind_hours": "2", "locale": "ru"}
    response = client.post(
        "/my/notices", data=form | {"csrf_token": csrf_token(client, "/my/schedule")}
    )
    assert response.status_code == 302
    page = client.get("/my/schedule").get_data(as_text=True)
    assert "Настройки уведомлений сохранены." in page
    assert page.count('id="notices-title"') == 1 and "<title>Мои смены" in page
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == Accounts.volunteer)).one()
        assert (user.remind_hours, user.locale, user.email_notices) == (2, "ru", True)
        notices.post_reminders(start - dt.timedelta(hours=3))
        db.session.commit()
    assert need.id not in reminders_of(app, volunteer_id)  # 3 h ahead: not within 2 h
    with app.app_context():
        notices.post_reminders(start - dt.timedelta(hours=1))
        db.session.commit()
        outbox.send_due()
    assert reminders_of(app, volunteer_id) == [need.id]
    [reminder] = [
        m for m in mailbox.of(address(volunteer_id)) if "Напоминание" in str(m["Subject"])
    ]
    assert "Напоминаем о вашей смене" in text_of(reminder)
    off = form | {"remind_hours": "0", "csrf_token": csrf_token(client, "/my/schedule")}
    assert client.post("/my/notices", data=off).status_code == 302
    with app.app_context():
        db.session.execute(delete(Notice))
        db.session.commit()
        notices.post_reminders(start - dt.timedelta(hours=1))
        db.session.commit()
    assert reminders_of(app, volunteer_id) == []


def test_a_bad_choice_is_refused_in_words_and_nothing_changes(app, client, addressed):
    login(client, Accounts.volunteer)
    token = csrf_token(client, "/my/schedule")
    response = client.post(
        "/my/notices", data={"csrf_token": token, "remind_hours": "9999", "locale": "xx"}
    )
    assert "were not saved" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == Accounts.volunteer)).one()
        assert (user.remind_hours, user.locale, user.email_notices) == (None, None, True)


def test_a_volunteer_who_turned_mail_off_gets_none(app, client, addressed, mailbox):
    pairs, who = three_changes(addressed)
    with app.app_context():
        db.session.execute(
            update(User)
            .where(User.email == Accounts.volunteer)
            .values(volunteer_id=who["added"], email_notices=False)
        )
        db.session.commit()
    login(client, Accounts.national)
    publish(client, make_draft(app, pairs))
    assert mailbox.to() == sorted(address(who[k]) for k in ("removed", "moved"))


def test_quiet_hours_hold_what_can_wait_and_not_what_cannot(
    app, client, addressed, mailbox, monkeypatch
):
    """At 23:30 Moscow time, a change to shifts weeks ahead waits until 08:00; a reminder of
    a shift early the next morning goes at once."""
    app.config["QUIET_HOURS"] = "22-8"
    night = dt.datetime(2020, 5, 1, 23, 30, tzinfo=MOSCOW)
    morning = dt.datetime(2020, 5, 2, 5, 0)  # 08:00 in Moscow, as the columns hold it (UTC)
    with app.app_context():
        assert outbox.quiet_until(night) == morning.replace(tzinfo=dt.UTC)
        assert outbox.quiet_until(night.replace(hour=12)) is None
    clock = {"now": night}
    monkeypatch.setattr(schedule, "now", lambda: clock["now"])
    monkeypatch.setattr(
        outbox, "utcnow", lambda: clock["now"].astimezone(dt.UTC).replace(tzinfo=None)
    )
    pairs, who = three_changes(addressed)
    login(client, Accounts.national)
    publish(client, make_draft(app, pairs))
    assert mailbox.messages == []  # held: the shifts are weeks ahead
    with app.app_context():
        assert set(db.session.scalars(select(Notice.next_attempt_at))) == {morning}
        clock["now"] = morning.replace(tzinfo=dt.UTC)
        assert outbox.send_due() == 3
    assert mailbox.to() == sorted(address(v) for v in who.values())


@pytest.mark.parametrize("hours_before", [2, 20])
def test_a_reminder_in_the_quiet_hours_waits_only_if_it_still_comes_in_time(
    app, addressed, monkeypatch, hours_before
):
    """Quiet from an hour before the reminder is due until two hours after: due 2 h before
    the shift, it goes at once; due 20 h before, it waits for the end of the quiet hours."""
    volunteer_id = addressed["volunteer"]
    need = first_shift(addressed, volunteer_id)
    now = need.start.replace(tzinfo=MOSCOW) - dt.timedelta(hours=hours_before)
    assert (now.minute, now.second) == (0, 0)  # the demo's shifts start on the hour
    first, last = (now - dt.timedelta(hours=1)).hour, (now + dt.timedelta(hours=2)).hour
    app.config["QUIET_HOURS"] = f"{first}-{last}"
    monkeypatch.setattr(outbox, "utcnow", lambda: now.astimezone(dt.UTC).replace(tzinfo=None))
    with app.app_context():
        notices.post_reminders(now)
        db.session.commit()
        [reminder] = db.session.scalars(
            select(Notice).where(Notice.kind == "reminder", Notice.volunteer_id == volunteer_id)
        ).all()
        due = reminder.next_attempt_at.replace(tzinfo=dt.UTC)
    assert due == (now if hours_before == 2 else now + dt.timedelta(hours=2))


# --- hospital staff edit a need people are on ----------------------------------------------------


def crowded_need(demo) -> tuple:
    """A need of the hospital's facility with at least two people on it, and them."""
    here = {n.id: n for n in demo["dataset"].needs if n.facility_id == demo["facility"]}
    on: dict[str, list[str]] = {}
    for n, v in sorted(demo["result"].assignments):
        if n in here:
            on.setdefault(n, []).append(v)
    need_id = next(n for n, people in on.items() if len(people) >= 2)
    return here[need_id], on[need_id]


def edit(client, need, **changes) -> int:
    token = csrf_token(client, f"/needs/{need.id}/edit")
    values = {
        "facility_id": need.facility_id,
        "date": need.date.isoformat(),
        "start": f"{need.start:%H:%M}",
        "end": f"{need.end:%H:%M}",
        "role": need.role,
        "count": str(need.count),
        "priority": str(int(need.priority)),
    }
    return client.post(
        f"/needs/{need.id}/edit", data=values | changes | {"csrf_token": token}
    ).status_code


def test_fewer_places_take_people_off_the_roster_the_confirmed_last(
    app, client, addressed, mailbox
):
    need, people = crowded_need(addressed)
    sure = people[-1]
    with app.test_request_context():
        token = shift_answers.token_for(need.id, sure)
    volunteer = app.test_client()
    url = f"/shift/{token}"
    volunteer.post(url, data={"csrf_token": csrf_token(volunteer, url), "answer": "confirmed"})
    login(client, Accounts.hospital)
    assert edit(client, need, count="1") == 302
    _, now = published_pairs(app)
    assert [v for n, v in now if n == need.id] == [sure]
    gone = sorted(set(people) - {sure})
    assert mailbox.to() == sorted(address(v) for v in gone)
    for message in mailbox.messages:
        assert "needs fewer people on this shift" in text_of(message)


def test_a_shift_moved_to_another_time_tells_the_people_on_it(app, client, addressed, mailbox):
    need, people = crowded_need(addressed)
    login(client, Accounts.hospital)
    later = need.start + dt.timedelta(hours=1)
    ends = need.end + dt.timedelta(hours=1)
    assert edit(client, need, start=f"{later:%H:%M}", end=f"{ends:%H:%M}") == 302
    assert {v for n, v in published_pairs(app)[1] if n == need.id} == set(people)
    assert mailbox.to() == sorted(address(v) for v in people)
    text = text_of(mailbox.messages[0])
    assert "Moved shifts:" in text and f"{later:%H:%M}–" in text and f"{need.start:%H:%M}–" in text
