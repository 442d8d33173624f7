"""My availability: a volunteer reads and replaces their own windows, on the page and by API,
judged as an upload; refused when it would strand a shift they hold; kept in a history."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from scheduler.intake.own_availability import WEEKDAYS, records
from tests.web.conftest import Accounts, csrf_token, login
from tests.web.test_schedule import at
from web import schedule, store
from web.models import AuditEntry, AvailabilityChange, Window, db


@pytest.fixture(autouse=True)
def before_the_demo_week(monkeypatch) -> None:
    monkeypatch.setattr(schedule, "now", lambda: at(2020, 5, 1, 12))


def put(client, body: object, page: str = "/my/availability"):
    headers = {"X-CSRFToken": csrf_token(client, page)}
    return client.put("/api/my/availability", json=body, headers=headers)


def windows_of(app, volunteer_id: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(Window).where(Window.volunteer_id == volunteer_id)
        )


def held_shift(app, volunteer_id: str):
    with app.app_context():
        pairs = store.roster_assignments(store.published().id)
        dataset = store.load()
    return next(dataset.need_by_id[n] for n, v in sorted(pairs) if v == volunteer_id)


def free_weekday(app, volunteer_id: str) -> str:
    """A weekday on which none of the volunteer's shifts starts or ends."""
    with app.app_context():
        pairs = store.roster_assignments(store.published().id)
        dataset = store.load()
    busy = set()
    for n, v in pairs:
        if v == volunteer_id:
            need = dataset.need_by_id[n]
            busy |= {need.start.weekday(), need.end.weekday()}
    return WEEKDAYS[min(set(range(7)) - busy)]


def test_the_api_gives_the_stored_windows_in_the_contracts_words(app, client, demo) -> None:
    login(client, Accounts.volunteer)
    stored = [a for a in demo["dataset"].availability if a.volunteer_id == demo["volunteer"]]
    answer = client.get("/api/my/availability")
    assert answer.status_code == 200
    assert answer.get_json() == {"windows": records(stored)}


def test_a_volunteer_replaces_their_windows_and_the_change_is_kept(app, client, demo) -> None:
    login(client, Accounts.volunteer)
    before = client.get("/api/my/availability").get_json()["windows"]
    # no "can work" rows: free at any time, except an exam day far from any shift
    new = [{"day": "2020-06-20", "start": "00:00", "end": "24:00", "available": False}]
    answer = put(client, {"windows": new})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"windows": new}
    assert client.get("/api/my/availability").get_json() == {"windows": new}
    with app.app_context():
        kept = db.session.scalars(select(AvailabilityChange)).one()
        assert (kept.volunteer_id, kept.source) == (demo["volunteer"], "volunteer")
        assert kept.before == before and kept.after == new
        assert db.session.scalar(select(func.count()).where(AuditEntry.entity == "availability"))
    page = client.get("/my/availability").get_data(as_text=True)
    assert "by you" in page and "cannot work" in page


def test_bad_windows_are_refused_by_number_and_nothing_is_stored(app, client, demo) -> None:
    login(client, Accounts.volunteer)
    count = windows_of(app, demo["volunteer"])
    given = [
        {"day": "Mon", "start": "08:00", "end": "16:00"},
        {"day": "Moonday", "start": "25:00", "end": {"a": 1}, "available": [1]},
    ]
    answer = put(client, {"windows": given})
    assert answer.status_code == 400
    problems = answer.get_json()["error"]["problems"]
    assert {(p["row"], p["column"]) for p in problems} == {
        (2, "day"),
        (2, "start"),
        (2, "end"),
        (2, "available"),
    }
    assert "Moonday" in str(problems)
    assert windows_of(app, demo["volunteer"]) == count
    for body in (None, [], {"windows": "Mon"}, {"windows": [1]}, {"windows": [{}] * 201}):
        answer = put(client, body)
        assert answer.status_code == 400, body
        assert answer.get_json()["error"]["message"]
    assert windows_of(app, demo["volunteer"]) == count


def test_a_window_that_strands_a_held_shift_is_refused_naming_it(app, client, demo) -> None:
    login(client, Accounts.volunteer)
    need = held_shift(app, demo["volunteer"])
    count = windows_of(app, demo["volunteer"])
    ill = [{"day": need.date.isoformat(), "start": "00:00", "end": "24:00", "available": False}]
    answer = put(client, {"windows": ill})
    assert answer.status_code == 409
    message = answer.get_json()["error"]["message"]
    assert "Decline those shifts first" in message and f"{need.start:%H:%M}" in message
    assert windows_of(app, demo["volunteer"]) == count
    # the same through the page
    token = csrf_token(client, "/my/availability")
    form = {
        "csrf_token": token,
        "day": ["Mon", "date"],
        "date": ["", need.date.isoformat()],
        "start": ["", "00:00"],
        "end": ["", "24:00"],
        "available": ["yes", "no"],
    }
    page = client.post("/my/availability", data=form)
    assert page.status_code == 409
    assert "Decline those shifts first" in page.get_data(as_text=True)
    assert windows_of(app, demo["volunteer"]) == count


def test_the_page_reads_weekly_and_dated_lines_and_names_a_bad_one(app, client, demo) -> None:
    login(client, Accounts.volunteer)
    client.post(
        "/language", data={"locale": "ru", "csrf_token": csrf_token(client, "/my/schedule")}
    )
    token = csrf_token(client, "/my/availability")
    bad = {
        "csrf_token": token,
        "day": ["Tue", "Sat", "date", "date"],
        "date": ["", "", "20.06.2020", ""],
        "start": ["08:00", "", "00:00", ""],
        "end": ["2x:00", "", "24:00", ""],
        "available": ["yes", "yes", "no", "yes"],
    }
    page = client.post("/my/availability", data=bad)
    assert page.status_code == 400
    assert "Каждую неделю, строка 1, end" in page.get_data(as_text=True)
    free = free_weekday(app, demo["volunteer"])
    good = bad | {"day": [free, "Sat", "date", "date"], "available": ["no", "yes", "no", "yes"]}
    good |= {"end": ["16:00", "", "24:00", ""]}
    saved = client.post("/my/availability", data=good)
    assert saved.status_code == 302
    assert client.get("/api/my/availability").get_json()["windows"] == [
        {"day": free, "start": "08:00", "end": "16:00", "available": False},
        {"day": "2020-06-20", "start": "00:00", "end": "24:00", "available": False},
    ]


@pytest.mark.parametrize(
    "email", [Accounts.national, Accounts.regional, Accounts.hospital], ids=["nat", "reg", "hosp"]
)
def test_only_volunteers_have_availability_of_their_own(app, client, demo, email) -> None:
    login(client, email)
    assert client.get("/api/my/availability").status_code == 403
    assert client.get("/my/availability").status_code == 403
    headers = {"X-CSRFToken": csrf_token(client, "/password")}
    assert (
        client.put("/api/my/availability", json={"windows": []}, headers=headers).status_code == 403
    )


def test_signed_out_the_api_answers_401(app, client, demo) -> None:
    for path in ("/api/my/availability", "/api/open-shifts"):
        answer = client.get(path)
        assert answer.status_code == 401
        assert "Sign in first" in answer.get_json()["error"]["message"]
    assert client.get("/my/availability").status_code == 302  # a page goes to the sign-in form
