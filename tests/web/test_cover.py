"""Who could cover an open place, from the coverage pages: the engine's suggestions, checked."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from scheduler.checker import check_roster
from scheduler.outputs.roster_reading import Assignment
from scheduler.outputs.suggestions import suggest
from tests.web.conftest import Accounts, login
from web import store
from web.models import Volunteer, db


@pytest.fixture
def opened(app, demo) -> str:
    """A volunteer of the demo leaves, one whose place somebody else could take: that need."""
    dataset, assignments = demo["dataset"], demo["result"].assignments
    for gone in sorted({v for _, v in assignments}):
        left = dataset.without_volunteers({gone})
        pairs = [(n, v) for n, v in assignments if v != gone]
        need = next(
            (n for n, v in assignments if v == gone and suggest(left, pairs, n).candidates), None
        )
        if need is not None:
            break
    else:
        pytest.fail("nobody in the demo could take over anybody's place")
    with app.app_context():
        db.session.execute(delete(Volunteer).where(Volunteer.id == gone))
        db.session.commit()
    return need


def test_the_suggestions_are_listed_and_each_keeps_every_rule(client, app, demo, opened) -> None:
    login(client, Accounts.national)
    response = client.get(f"/plan/needs/{opened}/cover", headers={"Accept": "application/json"})
    assert response.status_code == 200
    answer = response.get_json()
    with app.app_context():
        dataset = store.load()
        pairs = store.roster_assignments(store.published().id)
    pairs = [(n, v) for n, v in pairs if v in dataset.volunteer_by_id]
    assert answer == suggest(dataset, pairs, opened).as_json()
    assert answer["candidates"], "the demo has someone free for a place its solve filled"
    for candidate in answer["candidates"]:
        after = list(pairs)
        for move in candidate["moves"]:
            after.remove((move["need_id"], move["from"]))
            after.append((move["need_id"], move["to"]))
        after.append((opened, candidate["volunteer_id"]))
        rows = [Assignment(n, v, row) for row, (n, v) in enumerate(after, 2)]
        assert check_roster(dataset, rows) == [], candidate
    page = client.get(f"/plan/needs/{opened}/cover").get_data(as_text=True)
    assert answer["candidates"][0]["name"] in page


def test_the_page_speaks_russian(client, demo, opened) -> None:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    login(client, Accounts.national)
    page = client.get(f"/plan/needs/{opened}/cover").get_data(as_text=True)
    assert "Кто может закрыть" in page and "км от дома" in page


@pytest.mark.parametrize(("email", "status"), [(Accounts.hospital, 403), (Accounts.volunteer, 403)])
def test_only_coordinators_see_it(client, demo, opened, email, status) -> None:
    login(client, email)
    assert client.get(f"/plan/needs/{opened}/cover").status_code == status


def test_a_need_of_another_region_is_404_for_a_regional_coordinator(client, demo) -> None:
    theirs = next(n.id for n in demo["dataset"].needs if n.facility_id == demo["other_facility"])
    login(client, Accounts.regional)
    assert client.get(f"/plan/needs/{theirs}/cover").status_code == 404
    assert client.get("/plan/needs/NO-SUCH-NEED/cover").status_code == 404
