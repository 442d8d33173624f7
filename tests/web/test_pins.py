"""Pins on the published roster: set and cleared from a facility's page, carried on by
publishing, read by the next re-plan, and safe when a colleague publishes at the same moment."""

from __future__ import annotations

import datetime as dt
import threading
import time

from sqlalchemy import select

from scheduler.outputs.roster_reading import read_baseline
from tests.web.conftest import Accounts, csrf_token, login
from tests.web.test_publishing import publish, signed_in, swapped_draft
from web import replanning, store
from web.models import AuditEntry, db
from web.store import rosters


def first_pair(demo) -> tuple[str, str]:
    here = {n.id for n in demo["dataset"].needs if n.facility_id == demo["facility"]}
    return next((n, v) for n, v in demo["result"].assignments if n in here)


def pin(client, demo, pair: tuple[str, str], locked: bool = True, page: str = ""):
    token = csrf_token(client, page or f"/plan/facilities/{demo['facility']}")
    need_id, volunteer_id = pair
    form = {"csrf_token": token, "need_id": need_id, "volunteer_id": volunteer_id}
    return client.post("/plan/pins", data=form | {"locked": "yes" if locked else "no"})


def pins(app) -> set[tuple[str, str]]:
    with app.app_context():
        return store.pinned_pairs(store.published().id)


def test_a_coordinator_pins_and_unpins_from_the_facility_page(client, app, demo) -> None:
    pair = first_pair(demo)
    login(client, Accounts.national)
    response = pin(client, demo, pair)
    assert response.status_code == 302
    assert pins(app) == {pair}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is pinned: a re-plan keeps it" in page and "unpin" in page
    assert pin(client, demo, pair, locked=False).status_code == 302
    assert pins(app) == set()
    with app.app_context():
        actions = [a.action for a in db.session.scalars(select(AuditEntry))]
    assert actions[-2:] == ["pin", "unpin"]


def test_pinning_what_the_roster_does_not_hold_pins_nothing(client, app, demo) -> None:
    need_id, _ = first_pair(demo)
    login(client, Accounts.national)
    response = pin(client, demo, (need_id, "NOBODY"))
    assert response.status_code == 302
    assert pins(app) == set()
    assert "nothing was pinned" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_need_out_of_scope_cannot_be_pinned(client, app, demo) -> None:
    theirs = next(
        (n, v)
        for n, v in demo["result"].assignments
        if demo["dataset"].need_by_id[n].facility_id == demo["other_facility"]
    )
    assert pin(signed_in(app, Accounts.regional), demo, theirs).status_code == 404
    assert pin(signed_in(app, Accounts.hospital), demo, theirs, page="/needs").status_code == 403
    assert pins(app) == set()


def test_the_next_solve_reads_the_pins_as_its_baselines(client, app, demo) -> None:
    pair = first_pair(demo)
    login(client, Accounts.national)
    pin(client, demo, pair)
    with app.test_request_context():
        baseline = replanning.baseline_for(store.load(), store.published(), dt.datetime(2020, 1, 1))
    assert baseline is not None and baseline.pinned == {pair}
    assert set(baseline.assignments) == set(demo["result"].assignments)


def test_a_pin_set_while_a_colleague_publishes_stays_on_the_roster_published(
    app, demo, monkeypatch
) -> None:
    """The publisher is held inside its lock as it carries the pins over (read, not yet
    written); the pin comes meanwhile. Pinning waits for the lock, so it lands on the new
    roster; pinning the roster it read first would pin one that is already history."""
    pair = first_pair(demo)
    draft_id, removed, _ = swapped_draft(app, demo, place=demo["other_region"])
    assert removed != pair
    inside, go = threading.Event(), threading.Event()
    carried = rosters.pinned_pairs

    def held_before_carrying(roster_id: int) -> set[tuple[str, str]]:
        found = carried(roster_id)  # the pins to carry over are read: now the pin comes
        inside.set()
        go.wait(10)
        return found

    publisher = signed_in(app, Accounts.national)
    pinner = signed_in(app, Accounts.national)
    token = csrf_token(pinner, f"/plan/facilities/{demo['facility']}")
    need_id, volunteer_id = pair
    form = {"csrf_token": token, "need_id": need_id, "volunteer_id": volunteer_id, "locked": "yes"}
    monkeypatch.setattr(rosters, "pinned_pairs", held_before_carrying)
    answers: dict[str, object] = {}
    publishing = threading.Thread(target=lambda: answers.update(p=publish(publisher, draft_id)))
    publishing.start()
    assert inside.wait(10)
    pinning = threading.Thread(
        target=lambda: answers.update(q=pinner.post("/plan/pins", data=form))
    )
    pinning.start()
    time.sleep(0.5)  # time for the pin to go wrong, were it not waiting
    go.set()
    publishing.join(30)
    pinning.join(30)
    monkeypatch.setattr(rosters, "pinned_pairs", carried)
    assert answers["p"].status_code == 200 and answers["q"].status_code == 302
    with app.app_context():
        assert store.published().summary.get("draft") == draft_id
    assert pins(app) == {pair}


def test_the_downloaded_workbook_carries_the_pins_for_a_replan(client, app, demo, tmp_path) -> None:
    pair = first_pair(demo)
    login(client, Accounts.national)
    pin(client, demo, pair)
    with app.app_context():
        roster_id = store.published().id
    response = client.get(f"/plan/rosters/{roster_id}/roster.xlsx")
    assert response.status_code == 200
    path = tmp_path / "roster.xlsx"
    path.write_bytes(response.data)
    baseline = read_baseline(path, demo["dataset"])
    assert baseline.pinned == {pair}
    assert set(baseline.assignments) == set(demo["result"].assignments)
