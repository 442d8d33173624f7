"""Solves as jobs: who may start, see and cancel them, and what a finished one leaves behind.

Under TESTING the queue runs each job inside the request ("immediate"), so a
POST returns when the solve has ended; the tests that need a job to stay
queued point the queue at a SQLite file that no worker reads.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select

from scheduler.engine.results import Settings
from scheduler.engine.solver import solve
from tests.web.conftest import Accounts, csrf_token, login
from web import job_ends, job_queue, jobs, replanning, solving, store
from web.job_messages import Said
from web.models import (
    NATIONAL,
    Assignment,
    AuditEntry,
    JobStatus,
    Roster,
    SolveJob,
    User,
    Volunteer,
    db,
    utcnow,
)

HOME = {  # a page of each account's own with a form on it, to read the CSRF token from
    Accounts.national: "/plan/solves",
    Accounts.regional: "/plan/solves",
    Accounts.other_regional: "/plan/solves",
    Accounts.hospital: "/needs",
    Accounts.volunteer: "/my/schedule",
}


@pytest.fixture
def queued(app: Flask, tmp_path: Path) -> Flask:
    """Jobs stay queued: the queue is a SQLite file that no worker reads."""
    app.config.update(HUEY_IMMEDIATE=False, HUEY_SQLITE_PATH=str(tmp_path / "huey.sqlite3"))
    return app


STALE = "the worker stopped while solving (killed or crashed); the published roster is unchanged"


def signed_in(client: FlaskClient, email: str) -> str:
    """Sign in; returns the session's CSRF token."""
    assert login(client, email).status_code == 302
    return csrf_token(client, HOME[email])


def make_job(app: Flask, scope: str, status: JobStatus = JobStatus.DONE, **values) -> int:
    with app.app_context():
        job = SolveJob(scope=scope, status=status, settings={"time_limit": 60}, **values)
        db.session.add(job)
        db.session.commit()
        return job.id


def read_job(app: Flask, job_id: int) -> SolveJob:
    with app.app_context():
        job = db.session.get(SolveJob, job_id)
        db.session.expunge(job)
        return job


def published(app: Flask) -> tuple[int, list[tuple[str, str]]]:
    with app.app_context():
        roster = store.published()
        return roster.id, sorted((a.need_id, a.volunteer_id) for a in roster.assignments)


def start(
    client: FlaskClient,
    token: str,
    scope: str,
    time_limit: int = 120,
    afresh: bool = False,
    **headers,
):
    data = {"scope": scope, "time_limit": time_limit, "csrf_token": token}
    if afresh:
        data["afresh"] = "y"
    return client.post("/plan/solves", data=data, headers=headers)


# --- who may do what --------------------------------------------------------------------------


def routes(job_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", "/plan/solves"),
        ("POST", "/plan/solves"),
        ("GET", f"/plan/solves/{job_id}"),
        ("GET", f"/plan/solves/{job_id}.json"),
        ("POST", f"/plan/solves/{job_id}/cancel"),
        ("DELETE", f"/plan/solves/{job_id}"),
    ]


def test_signed_out_every_route_sends_to_the_login_page(app, client, demo) -> None:
    """A page goes to the sign-in form; a poller's JSON and a DELETE (from a script) get 401,
    as a script cannot follow a redirect to a form."""
    job_id = make_job(app, NATIONAL)
    token = csrf_token(client)
    for method, path in routes(job_id):
        response = client.open(path, method=method, headers={"X-CSRFToken": token})
        if path.endswith(".json") or method == "DELETE":
            assert response.status_code == 401, (method, path)
            assert "Sign in first" in response.get_json()["error"]["message"]
        else:
            assert response.status_code == 302, (method, path)
            assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("email", [Accounts.hospital, Accounts.volunteer])
def test_hospital_staff_and_volunteers_get_403_everywhere(app, client, demo, email) -> None:
    job_id = make_job(app, NATIONAL)
    token = signed_in(client, email)
    for method, path in routes(job_id):
        response = client.open(path, method=method, headers={"X-CSRFToken": token})
        assert response.status_code == 403, (method, path)
    assert read_job(app, job_id).status == JobStatus.DONE


def test_another_regions_job_is_404_on_every_route(app, client, demo) -> None:
    theirs = make_job(app, demo["other_region"], JobStatus.QUEUED)
    national = make_job(app, NATIONAL, JobStatus.QUEUED)
    token = signed_in(client, Accounts.regional)
    for job_id in (theirs, national):
        for method, path in routes(job_id)[2:]:
            response = client.open(path, method=method, headers={"X-CSRFToken": token})
            assert response.status_code == 404, (method, path)
    assert read_job(app, theirs).status == JobStatus.QUEUED
    assert client.get(f"/plan/solves/{theirs}.json").get_json()["error"]["status"] == 404


def test_unsafe_requests_need_the_csrf_token(app, client, demo) -> None:
    job_id = make_job(app, NATIONAL, JobStatus.QUEUED)
    signed_in(client, Accounts.national)
    assert (
        client.post("/plan/solves", data={"scope": NATIONAL, "time_limit": 60}).status_code == 400
    )
    assert client.post(f"/plan/solves/{job_id}/cancel").status_code == 400
    assert client.delete(f"/plan/solves/{job_id}").status_code == 400
    assert read_job(app, job_id).status == JobStatus.QUEUED
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SolveJob)) == 1


def test_each_coordinator_is_offered_only_their_scopes(client, demo) -> None:
    signed_in(client, Accounts.regional)
    html = client.get("/plan/solves").get_data(as_text=True)
    assert f'value="{demo["region"]}"' in html
    assert f'value="{demo["other_region"]}"' not in html
    assert f'value="{NATIONAL}"' not in html
    client.post("/logout", data={"csrf_token": csrf_token(client, "/plan/solves")})
    signed_in(client, Accounts.national)
    html = client.get("/plan/solves").get_data(as_text=True)
    for scope in (NATIONAL, demo["region"], demo["other_region"]):
        assert f'value="{scope}"' in html


@pytest.mark.parametrize("scope", [NATIONAL, "other_region", "nowhere"])
def test_a_regional_coordinator_cannot_solve_another_scope(app, client, demo, scope) -> None:
    token = signed_in(client, Accounts.regional)
    response = start(client, token, demo.get(scope, scope))
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SolveJob)) == 0


def test_a_time_limit_out_of_range_is_refused_with_the_rule(app, client, demo) -> None:
    token = signed_in(client, Accounts.national)
    response = start(client, token, NATIONAL, time_limit=5)
    assert response.status_code == 400
    assert "between 10 and 3600" in response.get_data(as_text=True)


def test_the_list_shows_each_coordinator_their_scopes_jobs_newest_first(app, client, demo) -> None:
    mine = make_job(app, demo["region"])
    theirs = make_job(app, demo["other_region"])
    country = make_job(app, NATIONAL)
    signed_in(client, Accounts.regional)
    listed = client.get("/plan/solves", headers={"Accept": "application/json"}).get_json()
    assert [job["id"] for job in listed["jobs"]] == [mine]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/plan/solves")})
    signed_in(client, Accounts.national)
    listed = client.get("/plan/solves", headers={"Accept": "application/json"}).get_json()
    assert [job["id"] for job in listed["jobs"]] == [country, theirs, mine]
    html = client.get("/plan/solves").get_data(as_text=True)
    assert html.index(f"/plan/solves/{country}") < html.index(f"/plan/solves/{mine}")


# --- solving ----------------------------------------------------------------------------------


def test_a_national_solve_makes_a_draft_and_leaves_the_published_roster(app, client, demo) -> None:
    before = published(app)
    token = signed_in(client, Accounts.national)
    response = start(client, token, NATIONAL)
    assert response.status_code == 302
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    job = read_job(app, job_id)
    assert job.status == JobStatus.DONE, job.message
    with app.app_context():
        roster = db.session.get(Roster, job.roster_id)
        national = db.session.scalars(select(User).where(User.email == Accounts.national)).one()
        assert (roster.status, roster.scope, roster.created_by) == ("draft", NATIONAL, national.id)
        # what it was solved against: the stale-draft warning depends on it
        assert roster.based_on == store.published().id
        assert len(roster.assignments) == demo["result"].filled
        assert roster.summary["filled"] == demo["result"].filled
        assert set(roster.summary) >= {"weighted_coverage", "upper_bound", "demand", "gap"}
    assert job.progress["done"] == job.progress["total"] > 0
    assert published(app) == before


def test_a_regional_solve_staffs_only_its_region(app, client, demo) -> None:
    before = published(app)
    region = demo["region"]
    dataset = demo["dataset"]
    inside = {f.id for f in dataset.facilities if f.region == region}
    expected = solve(dataset.restricted(inside), Settings(time_limit=120))
    token = signed_in(client, Accounts.regional)
    job_id = int(start(client, token, region).headers["Location"].rsplit("/", 1)[1])
    job = read_job(app, job_id)
    assert (job.status, job.scope) == (JobStatus.DONE, region)
    with app.app_context():
        rows = db.session.scalars(select(Assignment).where(Assignment.roster_id == job.roster_id))
        assert sorted((a.need_id, a.volunteer_id) for a in rows) == list(expected.assignments)
        assert db.session.get(Roster, job.roster_id).scope == region
    assert published(app) == before


def test_the_finished_job_page_links_its_draft_and_stops_refreshing(app, client, demo) -> None:
    token = signed_in(client, Accounts.national)
    response = start(client, token, demo["region"])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    job = read_job(app, int(response.headers["Location"].rsplit("/", 1)[1]))
    with app.test_request_context():
        assert f'href="{solving.roster_url(job.roster_id)}"' in page
    assert "Done:" in page
    assert 'http-equiv="refresh"' not in page and "solve.js" not in page
    # the solver's words (bound, gap, feasible) only behind "Exact figures"
    shown = re.sub(r"<details>.*?</details>", "", page, flags=re.S)
    assert "How good the roster is" in shown and "How the solve ended" in shown
    assert not re.search(r"\b(bound|gap|feasible|optimal)\b", shown, re.I)
    assert "the proven bound" in page
    state = client.get(f"/plan/solves/{job.id}.json").get_json()
    assert state["status"] == "done" and not state["active"]
    assert state["progress"]["gap"] is not None and state["roster_id"] == job.roster_id


def test_starting_a_solve_is_audited(app, client, demo) -> None:
    token = signed_in(client, Accounts.regional)
    start(client, token, demo["region"], time_limit=30)
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "solve")).one()
        assert entry.action == "start"
        assert entry.detail == {"scope": demo["region"], "time_limit": 30, "afresh": False}


# --- the queue: one active job per scope, cancelling --------------------------------------------


def test_a_json_client_gets_202_and_where_to_poll(queued, client, demo) -> None:
    token = signed_in(client, Accounts.national)
    response = client.post(
        "/plan/solves",
        json={"scope": NATIONAL, "time_limit": 60},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    assert response.status_code == 202
    body = response.get_json()
    assert response.headers["Location"] == f"/plan/solves/{body['id']}.json"
    assert (body["status"], body["active"], body["time_limit"]) == ("queued", True, 60)
    assert client.get(response.headers["Location"]).get_json()["id"] == body["id"]


def test_a_second_solve_of_the_same_scope_is_409(queued, client, demo) -> None:
    token = signed_in(client, Accounts.national)
    first = start(client, token, NATIONAL)
    assert first.status_code == 302
    job = int(first.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    again = start(client, token, NATIONAL)
    assert again.status_code == 409
    message = f"a solve of the whole country is already running (job {job})"
    assert message in again.get_data(as_text=True)
    as_json = start(client, token, NATIONAL, Accept="application/json")
    assert as_json.status_code == 409
    assert as_json.get_json()["error"]["job"] == job
    assert start(client, token, demo["region"]).status_code == 302  # another scope may run
    with queued.app_context():
        assert db.session.scalar(select(func.count()).select_from(SolveJob)) == 2


def test_a_queued_job_is_cancelled_at_once_and_revoked(queued, client, demo) -> None:
    token = signed_in(client, Accounts.regional)
    location = start(client, token, demo["region"]).headers["Location"]
    job_id = int(location.rsplit("/", 1)[1])
    page = client.get(location).get_data(as_text=True)
    assert '<script src="/static/solve.js" defer>' in page  # updates it in place, no reload
    assert f'data-job-state="/plan/solves/{job_id}.json"' in page
    assert 'http-equiv="refresh"' not in page and ">Refresh</a>" in page
    assert "Waiting for the worker" in page
    response = client.post(f"/plan/solves/{job_id}/cancel", data={"csrf_token": token})
    assert response.status_code == 302
    job = read_job(queued, job_id)
    assert job.status == JobStatus.CANCELLED
    assert job.message.startswith("cancelled by Regional at ")
    assert job_queue.queue(queued).is_revoked(job_queue.task_id(job_id))
    with queued.app_context():
        jobs.run_solve(job_id)  # a worker that got the task anyway does nothing
        assert db.session.get(SolveJob, job_id).status == JobStatus.CANCELLED
        assert db.session.scalar(select(func.count()).select_from(Roster)) == 1  # published
    assert start(client, token, demo["region"]).status_code == 302  # the scope is free again


def test_delete_cancels_a_queued_job_and_asks_a_running_one_to_stop(queued, client, demo) -> None:
    token = signed_in(client, Accounts.national)
    waiting = make_job(queued, demo["region"], JobStatus.QUEUED)
    running = make_job(queued, NATIONAL, JobStatus.RUNNING, heartbeat_at=utcnow())
    response = client.delete(f"/plan/solves/{waiting}", headers={"X-CSRFToken": token})
    assert (response.status_code, response.get_json()["status"]) == (200, "cancelled")
    response = client.delete(f"/plan/solves/{running}", headers={"X-CSRFToken": token})
    assert response.status_code == 202
    assert response.get_json()["status"] == "running"
    assert response.get_json()["cancel_requested"] is True
    assert "Stopping:" in client.get(f"/plan/solves/{running}").get_data(as_text=True)
    ended = client.delete(f"/plan/solves/{waiting}", headers={"X-CSRFToken": token})
    assert ended.status_code == 409
    assert "already ended" in ended.get_json()["error"]["message"]


def test_a_job_the_queue_cannot_take_fails_and_says_why(app, client, demo, monkeypatch) -> None:
    def unreachable(job_id: int) -> None:
        raise ConnectionError("redis: connection refused")

    monkeypatch.setattr(job_queue, "enqueue", unreachable)
    token = signed_in(client, Accounts.national)
    response = start(client, token, NATIONAL, Accept="application/json")
    assert response.status_code == 503
    job = read_job(app, response.get_json()["id"])
    assert job.status == JobStatus.FAILED
    assert "task queue could not be reached" in job.message
    assert "the published roster is unchanged" in job.message


# --- a worker that stopped --------------------------------------------------------------------


def test_a_running_job_without_heartbeat_is_shown_and_stored_as_failed(app, client, demo) -> None:
    old = utcnow() - dt.timedelta(minutes=5)
    stale = make_job(app, NATIONAL, JobStatus.RUNNING, started_at=old, heartbeat_at=old)
    alive = make_job(app, demo["region"], JobStatus.RUNNING, heartbeat_at=utcnow())
    signed_in(client, Accounts.national)
    state = client.get(f"/plan/solves/{stale}.json").get_json()
    assert state["status"] == "failed"
    assert state["message"] == STALE
    assert read_job(app, stale).status == JobStatus.FAILED
    assert client.get(f"/plan/solves/{alive}.json").get_json()["status"] == "running"


@pytest.mark.parametrize(
    ("code", "values", "russian"),
    [
        ("stale", {}, "обработчик расчётов остановился во время расчёта"),
        ("solver_out_of_memory", {"signal": 9}, "не хватило памяти"),
        ("timed_out", {"seconds": 204}, "расчёт не закончился за 204 с"),
        ("store_refused", {"reason": "disk full"}, "Попросите администратора сервера"),
        ("cancelled", {"name": "Regional", "time": "21:05"}, "отменено: Regional, 21:05"),
    ],
)
def test_a_failed_jobs_message_is_in_the_readers_language(app, client, demo, code, values, russian):
    with app.app_context():
        said = Said(code, values)
        job_id = make_job(app, NATIONAL, JobStatus.FAILED, **said.columns())
        assert said.english == read_job(app, job_id).message  # stored in English for logs
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    signed_in(client, Accounts.national)
    state = client.get(f"/plan/solves/{job_id}.json").get_json()
    assert russian in state["message"]
    if code not in ("cancelled",):
        assert state["message"].endswith(("не изменился", "снова."))
    page = client.get(f"/plan/solves/{job_id}").get_data(as_text=True)
    assert russian in page


def test_a_starting_worker_fails_the_jobs_whose_worker_stopped(app, demo) -> None:
    old = utcnow() - dt.timedelta(minutes=5)
    stale = make_job(app, NATIONAL, JobStatus.RUNNING, heartbeat_at=old)
    alive = make_job(app, demo["region"], JobStatus.RUNNING, heartbeat_at=utcnow())
    with app.app_context():
        assert job_ends.sweep_stale() == 1
    assert read_job(app, stale).status == JobStatus.FAILED
    assert read_job(app, alive).status == JobStatus.RUNNING


# --- the queue's configuration and the worker command -----------------------------------------


def test_the_queue_is_sqlite_in_the_instance_folder_unless_redis_is_named(tmp_path) -> None:
    from huey import RedisHuey, SqliteHuey

    from web import create_app

    base = {"TESTING": True, "SECRET_KEY": "x", "HUEY_IMMEDIATE": False}
    app = create_app({**base, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    app.instance_path = str(tmp_path)  # the queue is built on first use, from here
    queue = job_queue.queue(app)
    assert isinstance(queue, SqliteHuey)
    assert queue.storage.filename == str(tmp_path / "huey.sqlite3")
    redis = create_app({**base, "HUEY_REDIS_URL": "redis://localhost:6379/3"})
    assert isinstance(job_queue.queue(redis), RedisHuey)
    assert job_queue.queue(create_app({"TESTING": True, "SECRET_KEY": "x"})).immediate


def test_the_worker_command_is_registered(app, runner) -> None:
    assert runner.invoke(args=["worker", "--help"]).exit_code == 0
    result = runner.invoke(args=["worker"])  # immediate under TESTING: nothing to consume
    assert result.exit_code != 0 and "HUEY_IMMEDIATE" in result.output


def test_a_solve_after_publishing_replans_and_keeps_the_published_roster(app, client, demo) -> None:
    """Every demo shift is long past, so all of the published roster is frozen: kept whole,
    except the shifts of a volunteer who has left since."""
    gone = demo["volunteer"]
    with app.app_context():
        db.session.execute(delete(Volunteer).where(Volunteer.id == gone))
        db.session.commit()
    kept = [(n, v) for n, v in demo["result"].assignments if v != gone]
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    token = signed_in(client, Accounts.national)
    job_id = int(start(client, token, NATIONAL).headers["Location"].rsplit("/", 1)[1])
    job = read_job(app, job_id)
    assert job.status == JobStatus.DONE, job.message
    with app.app_context():
        rows = db.session.scalars(select(Assignment).where(Assignment.roster_id == job.roster_id))
        draft = {(a.need_id, a.volunteer_id) for a in rows}
        summary = db.session.get(Roster, job.roster_id).summary
    assert set(kept) <= draft
    assert summary["kept"] == len(kept) and summary["removed"] == len(
        demo["result"].assignments
    ) - len(kept)
    assert job.message_code == "draft_ready" and job.message_values["kept"] == len(kept)
    page = client.get(f"/plan/solves/{job_id}").get_data(as_text=True)
    assert f"сохранено {len(kept)} назнач" in page.replace("\u202f", "").replace("\xa0", "")


def test_a_solve_afresh_keeps_only_the_pins_and_the_frozen_shifts(app, client, demo) -> None:
    """On the demo's first morning, 12 h of notice freeze the shifts starting before 20:00;
    planning afresh keeps those and the pin, and lets everything else be moved."""
    first_morning = min(n.start for n in demo["dataset"].needs).replace(hour=8, minute=0)
    now = first_morning.replace(tzinfo=ZoneInfo("Europe/Moscow"))
    freeze = first_morning + dt.timedelta(hours=12)
    needs = demo["dataset"].need_by_id
    pairs = demo["result"].assignments
    pin = next(p for p in pairs if needs[p[0]].start >= freeze)
    with app.app_context():
        store.set_pin(*pin, locked=True)
        db.session.commit()
        dataset, current = store.load(), store.published()
        whole = replanning.baseline_for(dataset, current, now)
        afresh = replanning.baseline_for(dataset, current, now, afresh=True)
    assert set(whole.assignments) == set(pairs)
    frozen = {p for p in pairs if needs[p[0]].start < freeze}
    assert frozen and set(afresh.assignments) == frozen | {pin}
    assert (afresh.pinned, afresh.freeze_before) == (whole.pinned, whole.freeze_before)
    token = signed_in(client, Accounts.national)
    job_id = int(start(client, token, NATIONAL, afresh=True).headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        assert db.session.get(SolveJob, job_id).settings["afresh"] is True
    assert read_job(app, job_id).status == JobStatus.DONE
    form = client.get("/plan/solves").get_data(as_text=True)
    assert 'name="afresh"' in form and "Plan afresh" in form
