"""Reading part of the stored input: exactly the domain's `restricted`, done by the database."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.web.conftest import Accounts
from tests.web.test_api import NEED, signed_in
from web import dashboard, jobs, store
from web.models import NATIONAL, Assignment, Need, db


def cases(dataset) -> list[tuple[set[str], set[str] | None]]:
    """Facility sets and volunteer sets, from one facility to all, with ids nobody has."""
    regions = dataset.regions
    one = dataset.facilities[0].id
    region = {f.id for f in dataset.facilities if f.region == regions[0]}
    everywhere = {f.id for f in dataset.facilities}
    some = {dataset.volunteers[0].id, dataset.volunteers[-1].id}
    return [
        ({one}, None),
        ({one}, set()),
        ({one}, some),
        (region, None),
        (region, some | {"nobody"}),
        (everywhere, None),
        (set(), None),
        ({"no such facility"}, None),
    ]


def test_a_part_read_by_the_database_is_the_whole_restricted(app, demo) -> None:
    with app.app_context():
        whole = store.load()
        assert whole == demo["dataset"]
        for facility_ids, volunteer_ids in cases(whole):
            part = store.load(facility_ids, volunteer_ids)
            assert part == whole.restricted(facility_ids, volunteer_ids), (
                facility_ids,
                volunteer_ids,
            )


def test_volunteers_rostered_from_elsewhere_are_read_too(app, demo) -> None:
    with app.app_context():
        whole = store.load()
        here = {demo["facility"]}
        stranger = next(v.id for v in whole.volunteers if v.region == demo["other_region"])
        people = {v.id for v in whole.volunteers if v.region == demo["region"]} | {stranger}
        assert store.load(here, also={stranger, "nobody"}) == whole.restricted(here, people)


def test_a_regional_solve_reads_its_region_and_a_national_one_everything(app, demo) -> None:
    with app.app_context():
        whole = store.load()
        region = {f.id for f in whole.facilities if f.region == demo["region"]}
        part = jobs.scoped_input(demo["region"])
        assert part == whole.restricted(region)
        assert (
            {f.region for f in part.facilities}
            == {v.region for v in part.volunteers}
            == {demo["region"]}
        )
        assert 0 < len(part.needs) < len(whole.needs)
        assert jobs.scoped_input(NATIONAL) == whole


def test_a_need_typed_elsewhere_with_the_id_a_new_shift_would_get_is_left_alone(
    client, app, demo
) -> None:
    """Judged against one hospital only, a new shift's generated id could be anyone's."""
    mine, theirs = demo["facility"], demo["other_facility"]
    generated = f"{mine}-20200525-0800-2000-nurse"
    headers = signed_in(client, Accounts.national)
    typed = {**NEED, "facility_id": theirs, "need_id": generated, "count": 3}
    assert client.post("/api/needs", json=typed, headers=headers).status_code == 201

    hospital = app.test_client()
    headers = signed_in(hospital, Accounts.hospital)
    response = hospital.post("/api/needs", json={**NEED, "facility_id": mine}, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["need"]["need_id"] == f"{generated}-2"
    with app.app_context():
        kept = db.session.get(Need, generated)
        assert (kept.facility_id, kept.count) == (theirs, 3)
        assert (
            db.session.scalar(select(Need.facility_id).where(Need.id == f"{generated}-2")) == mine
        )


@pytest.mark.parametrize("given", [True, False])
def test_an_id_of_another_hospital_is_refused_not_taken_over(client, app, demo, given) -> None:
    """A need id named in the sheet is read wherever it is, so its owner is known."""
    theirs = next(n for n in demo["dataset"].needs if n.facility_id == demo["other_facility"])
    headers = signed_in(client, Accounts.hospital)
    body = {**NEED, "facility_id": demo["facility"], "need_id": theirs.id}
    if not given:
        body = {**NEED, "facility_id": demo["other_facility"]}
    response = client.post("/api/needs", json=body, headers=headers)
    assert response.status_code in (400, 403), response.get_data(as_text=True)
    with app.app_context():
        assert store.as_need(db.session.get(Need, theirs.id)) == theirs


def test_a_roster_cut_to_some_facilities_reads_only_them_and_who_it_sends(app, demo) -> None:
    with app.app_context():
        roster = store.published()
        here = demo["facility"]
        need = next(n.id for n in demo["dataset"].needs if n.facility_id == here)
        stranger = next(v.id for v in demo["dataset"].volunteers if v.region != demo["region"])
        db.session.add(Assignment(roster_id=roster.id, need_id=need, volunteer_id=stranger))
        db.session.commit()
        pairs = store.roster_assignments(roster.id)
        region = store.region_facilities(demo["region"])
        for ids in [None, region, frozenset([here]), frozenset()]:
            assert dashboard.scoped_roster(roster, ids) == dashboard.cut(store.load(), pairs, ids)
        dataset, kept = dashboard.scoped_roster(roster, frozenset([here]))
        assert (need, stranger) in kept
        assert stranger in dataset.volunteer_by_id
