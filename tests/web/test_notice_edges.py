"""The edges of notices that a review found: big publishes, long ids, answers that outlive
their shift, the webhook's secret, what a regional coordinator sees, and words for codes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.web import mail
from tests.web.conftest import Accounts, csrf_token, login
from tests.web.test_notices import crowded_need, edit
from tests.web.test_publishing import make_draft, publish, signed_in
from tests.web.test_schedule import at
from web import messenger, notice_log, outbox, schedule, shift_answers
from web.models import Notice, ShiftAnswer, User, Volunteer, db

mailbox = mail.mailbox
app_config = mail.app_config
addressed = mail.addressed


@pytest.fixture(autouse=True)
def before_the_demo_week(monkeypatch) -> None:
    """Before the demo's shifts start, so they may still be declined."""
    monkeypatch.setattr(schedule, "now", lambda: at(2020, 5, 1, 12))


def test_thousands_of_notices_are_stored_in_one_go(app, demo):
    """More rows than one INSERT may carry on a stock SQLite (32,766 values: 2,520 rows)."""
    volunteer_id = demo["volunteer"]
    notices = [
        {
            "key": f"bulk-{k}",
            "volunteer_id": volunteer_id,
            "recipient": "v@example.org",
            "language": "en",
            "kind": "reminder",
            "payload": {},
        }
        for k in range(2600)
    ]
    with app.app_context():
        assert outbox.post(notices) == 2600
        assert outbox.post(notices[:10]) == 0  # once only
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Notice)) == 2600


def test_a_key_of_long_ids_fits_its_column_and_stays_once_only(app, demo):
    long_need = "N" * 100
    key = f"withdrawn-{long_need}-20200101000000000000-{'V' * 100}"
    assert len(outbox.fitted(key)) <= outbox.KEY_ROOM
    assert (
        outbox.fitted(key) == outbox.fitted(key) and outbox.fitted("roster-1-V1") == "roster-1-V1"
    )
    with app.app_context():
        row = {"key": key, "volunteer_id": demo["volunteer"], "recipient": "a@b.c",
               "language": "en", "kind": "shift_withdrawn", "payload": {}}  # fmt: skip
        assert outbox.post([row]) == 1
        assert outbox.post([row]) == 0
        assert outbox.stored_keys([key]) == {key}
        db.session.commit()


def answer(app, client, pair, choice: str) -> None:
    with app.test_request_context():
        url = f"/shift/{shift_answers.token_for(*pair)}"
    client.post(url, data={"csrf_token": csrf_token(client, url), "answer": choice})


def answers(app) -> dict:
    with app.app_context():
        return {
            (a.need_id, a.volunteer_id): a.answer for a in db.session.scalars(select(ShiftAnswer))
        }


def test_a_confirmation_is_forgotten_when_its_shift_moves_or_is_withdrawn(app, client, addressed):
    need, people = crowded_need(addressed)
    answer(app, app.test_client(), (need.id, people[0]), "confirmed")
    assert answers(app) == {(need.id, people[0]): "confirmed"}
    login(client, Accounts.hospital)
    later = need.start + dt.timedelta(hours=1)
    assert (
        edit(client, need, start=f"{later:%H:%M}", end=f"{need.end + dt.timedelta(hours=1):%H:%M}")
        == 302
    )
    assert answers(app) == {}  # confirmed another time: asked again by the notice
    answer(app, app.test_client(), (need.id, people[0]), "confirmed")
    token = csrf_token(client, f"/needs/{need.id}/withdraw")
    client.post(f"/needs/{need.id}/withdraw", data={"csrf_token": token, "confirmed": "yes"})
    assert answers(app) == {}


def test_a_confirmation_is_forgotten_when_a_publish_takes_the_shift_away(app, client, demo):
    pair = sorted(demo["result"].assignments)[0]
    answer(app, app.test_client(), pair, "confirmed")
    national = signed_in(app, Accounts.national)
    publish(national, make_draft(app, set(demo["result"].assignments) - {pair}))
    assert answers(app) == {}


def test_the_webhook_wants_the_secret_in_its_header_and_survives_any_text(app, demo):
    app.config.update(
        TELEGRAM_BOT_TOKEN="1:x", TELEGRAM_BOT_NAME="bot", TELEGRAM_WEBHOOK_SECRET="s3cret"
    )
    client = app.test_client()
    body = {"message": {"chat": {"id": 1}, "text": "/start x"}}
    assert client.post("/telegram/s3cret", json=body).status_code == 404  # no header
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
    assert client.post("/telegram/s3cret", json=body, headers=headers).status_code == 200
    assert client.post("/telegram/%C3%A9", json=body, headers=headers).status_code == 404
    odd = {"X-Telegram-Bot-Api-Secret-Token": "é".encode().decode("latin-1")}
    assert client.post("/telegram/s3cret", json=body, headers=odd).status_code == 404


def test_a_pending_telegram_code_does_not_break_the_page_once_telegram_is_off(app, client, demo):
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == Accounts.volunteer)).one()
        user.telegram_link = "pending-code"
        db.session.commit()
    login(client, Accounts.volunteer)
    page = client.get("/my/schedule")
    assert page.status_code == 200 and "t.me" not in page.get_data(as_text=True)


def test_a_regional_coordinator_does_not_see_a_colleagues_notices(app, client, addressed, mailbox):
    need, people = crowded_need(addressed)
    answer(app, app.test_client(), (need.id, people[0]), "declined")
    with app.app_context():
        to = {n.recipient for n in db.session.scalars(select(Notice))}
        region = db.session.get(Volunteer, people[0]).region
    mine = Accounts.regional if region == addressed["region"] else Accounts.other_regional
    assert Accounts.national in to and mine in to
    login(client, mine)
    page = client.get("/plan/notices").get_data(as_text=True)
    assert f"{mine}</td>" in page and Accounts.national not in page


def test_the_apps_own_refusals_are_worded_in_the_readers_language(app):
    unusable = Notice(last_error=f"{messenger.UNUSABLE}:telegram")
    silent = Notice(last_error=f"{messenger.SILENT}:sms")
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        assert "Настройка Telegram на сайте" in notice_log.reason(unusable)
        assert "Сервис SMS не принял сообщение" in notice_log.reason(silent)
    with app.test_request_context():
        assert "setting is not an address" in notice_log.reason(unusable)
