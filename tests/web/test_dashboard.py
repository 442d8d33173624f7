"""The coverage dashboard: who may see it, the engine's figures in each scope, a facility's shifts.

Every test runs on the demo data with its roster published (`demo`): two
regions of three facilities; the regional coordinator has the first region.
"""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import delete, insert, select, update

from scheduler.outputs.coverage import coverage
from scheduler.outputs.unfilled import explain_unfilled
from tests.web.conftest import OWN_SCRIPTS, Accounts, login, scripts
from web import dashboard, store
from web.models import Assignment, Facility, Need, Roster, Rule, Volunteer, db

SCRIPT = "<script>alert(1)</script>"
BARS = re.compile(r'<rect class="chart-bar[^"]*"')


def page(client, url: str, email: str | None = None):
    if email:
        login(client, email)
    return client.get(url)


def region_cut(demo, region: str):
    """The demo dataset and its roster cut to one region, as the views cut them."""
    dataset = demo["dataset"]
    ids = {f.id for f in dataset.facilities if f.region == region}
    return dashboard.cut(dataset, demo["result"].assignments, ids)


def figures_text(tally) -> list[str]:
    """The headline figures as the page prints them."""
    return [f"<strong>{tally.demand}</strong>", f"<strong>{tally.filled}</strong>"]


# --- who may see it ---------------------------------------------------------------------------


@pytest.mark.parametrize("email", [Accounts.hospital, Accounts.volunteer])
def test_hospital_staff_and_volunteers_get_403(client, demo, email: str) -> None:
    login(client, email)
    assert client.get("/plan").status_code == 403
    assert client.get(f"/plan/facilities/{demo['facility']}").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, demo) -> None:
    for url in ("/plan", f"/plan/facilities/{demo['facility']}"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


# --- the figures ------------------------------------------------------------------------------


def test_a_national_coordinator_sees_every_region_with_the_engines_figures(client, demo) -> None:
    html = page(client, "/plan", Accounts.national).get_data(as_text=True)
    tally = coverage(demo["dataset"], demo["result"].assignments)
    for text in figures_text(tally.total):
        assert text in html
    for label, region in tally.by_region.items():
        assert label in html
        assert f"<td>{region.demand}</td><td>{region.filled}</td>" in html
    assert len(BARS.findall(html)) == len(tally.by_region)  # the chart: a bar per region
    assert 'href="/plan/solves"' in html
    for facility_id in tally.by_facility:
        assert f'href="/plan/facilities/{facility_id}"' in html


def test_solver_words_are_said_plainly_with_the_exact_figures_one_click_away(client, demo) -> None:
    html = page(client, "/plan", Accounts.national).get_data(as_text=True)
    summaries = re.findall(r"<summary>([^<]*)</summary>", html)
    assert "Exact figures" in summaries and "Exact figures: the weights" in summaries
    # the solver's words only inside a <details>, never in a heading or a figure's label
    shown = re.sub(r"<details>.*?</details>", "", html, flags=re.S)
    for word in ("Weighted coverage", "Weight wanted", "Weight filled", "bound", "feasible"):
        assert word not in shown, word
    assert "Filled, the critical counting most" in shown
    tally = coverage(demo["dataset"], demo["result"].assignments).total
    assert f"{tally.weight_filled:,.3f}".rstrip("0").rstrip(".") in html  # the exact figure


def test_a_national_coordinator_narrows_to_one_region(client, demo) -> None:
    login(client, Accounts.national)
    html = client.get(f"/plan?region={demo['other_region']}").get_data(as_text=True)
    dataset, pairs = region_cut(demo, demo["other_region"])
    tally = coverage(dataset, pairs)
    for text in figures_text(tally.total):
        assert text in html
    assert len(BARS.findall(html)) == len(dataset.facilities)  # by facility now
    assert f"/plan/facilities/{demo['facility']}" not in html
    assert client.get("/plan?region=atlantis").status_code == 404


def test_a_regional_coordinator_sees_only_their_region(client, demo) -> None:
    login(client, Accounts.regional)
    # a region in the query string changes nothing for them
    html = client.get(f"/plan?region={demo['other_region']}").get_data(as_text=True)
    dataset, pairs = region_cut(demo, demo["region"])
    for text in figures_text(coverage(dataset, pairs).total):
        assert text in html
    others = [f for f in demo["dataset"].facilities if f.region == demo["other_region"]]
    for facility in others:
        assert facility.name not in html
        assert client.get(f"/plan/facilities/{facility.id}").status_code == 404
    assert len(BARS.findall(html)) == len(dataset.facilities)
    assert "By region" not in html


def test_the_dashboard_says_when_nothing_is_published(app, client, demo) -> None:
    with app.app_context():
        db.session.execute(delete(Assignment))
        db.session.execute(delete(Roster))
        db.session.commit()
    login(client, Accounts.national)
    html = client.get("/plan").get_data(as_text=True)
    assert "No roster is published yet" in html
    assert f"<strong>{demo['dataset'].demand}</strong>" in html
    assert client.get(f"/plan/facilities/{demo['facility']}").status_code == 200


def test_the_database_sums_the_same_figures_as_the_engine(app, demo) -> None:
    """Over-filled, withdrawn and orphaned assignments and stored weights, in every scope."""
    assignments = demo["result"].assignments
    crowded, _ = assignments[0]
    withdrawn = next(n for n, _ in assignments if n != crowded)
    gone = next(v for n, v in assignments if n not in (crowded, withdrawn))
    with app.app_context(), app.test_request_context():
        roster = store.published()
        extra = [v.id for v in demo["dataset"].volunteers][:6]  # more people than it asked for
        rows = [{"roster_id": roster.id, "need_id": crowded, "volunteer_id": v} for v in extra]
        db.session.execute(insert(Assignment), rows)
        db.session.execute(delete(Need).where(Need.id == withdrawn))
        db.session.execute(delete(Volunteer).where(Volunteer.id == gone))
        db.session.add_all(
            [Rule(name="weight_priority_1", value=7.5), Rule(name="min_rest_hours", value=9)]
        )
        db.session.commit()
        regions = db.session.scalars(select(Facility.region).distinct()).all()
        for ids in [None, *(store.region_facilities(r) for r in regions), frozenset()]:
            engine = dashboard.figures(*dashboard.scoped_roster(roster, ids), by_region=ids is None)
            summed = dashboard.stored_coverage(roster.id, ids)
            assert dashboard.laid_out(*summed, by_region=ids is None) == engine, ids
        nothing = dashboard.figures(*dashboard.scoped_roster(None, None), by_region=True)
        assert dashboard.laid_out(*dashboard.stored_coverage(None, None), by_region=True) == nothing


# --- a facility's shifts ----------------------------------------------------------------------


def test_a_facility_lists_who_comes_and_why_places_are_open(client, demo) -> None:
    dataset, pairs = region_cut(demo, demo["region"])
    here = {n.id for n in dataset.needs if n.facility_id == demo["facility"]}
    login(client, Accounts.regional)
    html = client.get(f"/plan/facilities/{demo['facility']}").get_data(as_text=True)
    people = {v for n, v in pairs if n in here}
    assert people
    for volunteer_id in people:
        volunteer = dataset.volunteer_by_id[volunteer_id]
        assert str(escape(volunteer.name)) in html
        if volunteer.phone:
            assert str(escape(volunteer.phone)) in html
    reasons = {k: f for k, f in explain_unfilled(dataset, pairs).items() if k in here}
    assert reasons
    for funnel in reasons.values():
        assert str(escape(funnel.reason)) in html
    assert html.count(" open</span>") == len(reasons)  # this facility's shifts only


@pytest.mark.parametrize("url", ["/plan?region=%00", "/plan/facilities/F%00"])
def test_a_nul_character_in_the_address_is_400(client, demo, url: str) -> None:
    """PostgreSQL refuses NUL in text: narrowing to such a region was a 500 there."""
    login(client, Accounts.national)
    response = client.get(url)
    assert response.status_code == 400
    assert "NUL character (%00)" in response.get_data(as_text=True)


def test_an_unknown_facility_is_404(client, demo) -> None:
    login(client, Accounts.national)
    assert client.get("/plan/facilities/NOPE").status_code == 404


# --- escaping and the content security policy ------------------------------------------------


def test_hostile_names_are_escaped_and_pages_carry_no_inline_style(app, client, demo) -> None:
    needs = demo["dataset"].need_by_id
    victim = min(
        v for n, v in demo["result"].assignments if needs[n].facility_id == demo["facility"]
    )
    with app.app_context():
        db.session.execute(update(Volunteer).where(Volunteer.id == victim).values(name=SCRIPT))
        db.session.execute(
            update(Facility).where(Facility.id == demo["facility"]).values(name=SCRIPT)
        )
        db.session.commit()
    login(client, Accounts.national)
    for url in ("/plan", f"/plan?region={demo['region']}", f"/plan/facilities/{demo['facility']}"):
        html = client.get(url).get_data(as_text=True)
        assert "&lt;script&gt;" in html, url
        assert scripts(html) == OWN_SCRIPTS, url
        assert "style=" not in html, url
