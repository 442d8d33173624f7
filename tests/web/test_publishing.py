"""Drafts, publishing, the history and the downloads.

Drafts are built by hand with `store.save_draft`: a copy of the published
demo roster with one volunteer swapped for another who could take the same
shift without breaking a rule (the engine's `unfilled` funnel names them).
Every download is read back as data: openpyxl, pandas, icalendar.
"""

from __future__ import annotations

import io
import re
import threading

import openpyxl
import pandas as pd
import pytest
from icalendar import Calendar
from markupsafe import escape
from sqlalchemy import func, select

from scheduler.outputs.unfilled import explain_unfilled
from tests.web.conftest import OWN_SCRIPTS, Accounts, csrf_token, login, scripts
from web import store
from web.models import NATIONAL, AuditEntry, Roster, User, Volunteer, db

Pair = tuple[str, str]


# --- helpers ----------------------------------------------------------------------------------


def swap_at(demo, place: str) -> tuple[Pair, Pair]:
    """A published assignment at a facility (or in a region), and another volunteer free for it."""
    dataset, pairs = demo["dataset"], sorted(demo["result"].assignments)
    for need_id, volunteer_id in pairs:
        facility = dataset.facility_by_id[dataset.need_by_id[need_id].facility_id]
        if place not in (facility.id, facility.region):
            continue
        rest = [p for p in pairs if p != (need_id, volunteer_id)]
        funnel = explain_unfilled(dataset, rest).get(need_id)
        others = [v for v in funnel.free if v != volunteer_id] if funnel else []
        if others:
            return (need_id, volunteer_id), (need_id, others[0])
    raise AssertionError(f"the demo roster has no swappable assignment at {place}")


def in_region(demo, pairs, region: str) -> set[Pair]:
    needs, facilities = demo["dataset"].need_by_id, demo["dataset"].facility_by_id
    return {(n, v) for n, v in pairs if facilities[needs[n].facility_id].region == region}


def make_draft(app, pairs, scope: str = NATIONAL, by: str | None = None) -> int:
    with app.app_context():
        user = db.session.scalar(select(User.id).where(User.email == by)) if by else None
        current = store.published()
        draft = store.save_draft(sorted(pairs), based_on=current.id, scope=scope, created_by=user)
        db.session.commit()
        return draft.id


def swapped_draft(app, demo, place: str | None = None, scope: str = NATIONAL):
    """A draft of the whole published roster (or of one region) with one volunteer swapped.

    The swap is at `place`, a facility or region (by default the hospital account's facility).
    """
    removed, added = swap_at(demo, place or demo["facility"])
    pairs = set(demo["result"].assignments) - {removed} | {added}
    if scope != NATIONAL:
        pairs = in_region(demo, pairs, scope)
    return make_draft(app, pairs, scope), removed, added


CONFIRMED = {"confirmed": "yes"}  # what the confirmation page's form sends


def publish(client, draft_id: int, *, token: bool = True):
    data = {"csrf_token": csrf_token(client, f"/plan/rosters/{draft_id}")} if token else {}
    return client.post(
        f"/plan/rosters/{draft_id}/publish", data=data | CONFIRMED, follow_redirects=True
    )


def published_pairs(app) -> tuple[int, set[Pair]]:
    with app.app_context():
        roster = store.published()
        return roster.id, set(store.roster_assignments(roster.id))


def name(demo, volunteer_id: str) -> str:
    return demo["dataset"].volunteer_by_id[volunteer_id].name


def rows(sheet) -> list[dict[str, object]]:
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def workbook(response) -> openpyxl.Workbook:
    assert response.status_code == 200, response.status_code
    return openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)


def pairs_of(book: openpyxl.Workbook) -> set[Pair]:
    return {(r["need_id"], r["volunteer_id"]) for r in rows(book["Assignments"])}


# --- who may do what --------------------------------------------------------------------------


def coordinator_pages(roster_id: int, volunteer_id: str) -> list[str]:
    base = f"/plan/rosters/{roster_id}"
    return [
        "/plan/rosters",
        base,
        f"{base}/changes",
        f"{base}/roster.xlsx",
        f"{base}/assignments.csv",
        f"{base}/calendars/{volunteer_id}.ics",
    ]


@pytest.mark.parametrize("email", [Accounts.hospital, Accounts.volunteer])
def test_hospital_staff_and_volunteers_get_403(app, client, demo, email: str) -> None:
    draft_id, _, _ = swapped_draft(app, demo)
    login(client, email)
    for url in coordinator_pages(draft_id, demo["volunteer"]):
        assert client.get(url).status_code == 403, url
    token = csrf_token(client, "/my/schedule" if email == Accounts.volunteer else "/needs")
    response = client.post(f"/plan/rosters/{draft_id}/publish", data={"csrf_token": token})
    assert response.status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(app, client, demo) -> None:
    draft_id, _, _ = swapped_draft(app, demo)
    urls = coordinator_pages(draft_id, demo["volunteer"])
    urls.append(f"/plan/rosters/current/facility/{demo['facility']}.xlsx")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"]


def test_hospital_staff_download_only_their_facilitys_current_roster(client, demo) -> None:
    login(client, Accounts.hospital)
    response = client.get(f"/plan/rosters/current/facility/{demo['facility']}.xlsx")
    book = workbook(response)
    assert f"-{demo['facility']}.xlsx" in response.headers["Content-Disposition"]
    needs = demo["dataset"].need_by_id
    mine = {(n, v) for n, v in demo["result"].assignments}
    mine = {(n, v) for n, v in mine if needs[n].facility_id == demo["facility"]}
    assert pairs_of(book) == mine
    # the Volunteers sheet lists the people sent there, nobody else of the region
    listed = {r["volunteer_id"] for r in rows(book["Volunteers"])} - {"total"}  # the total row
    assert listed == {v for _, v in mine}
    other = f"/plan/rosters/current/facility/{demo['other_facility']}.xlsx"
    assert client.get(other).status_code == 404


def test_volunteers_may_not_download_a_facilitys_roster(client, demo) -> None:
    login(client, Accounts.volunteer)
    url = f"/plan/rosters/current/facility/{demo['facility']}.xlsx"
    assert client.get(url).status_code == 403


def test_a_regional_coordinator_sees_and_publishes_only_their_regions_drafts(
    app, client, demo
) -> None:
    mine, _, _ = swapped_draft(app, demo, scope=demo["region"])
    theirs, _, _ = swapped_draft(app, demo, demo["other_region"], scope=demo["other_region"])
    national, _, _ = swapped_draft(app, demo)
    login(client, Accounts.regional)
    html = client.get("/plan/rosters").get_data(as_text=True)
    assert f'href="/plan/rosters/{mine}"' in html
    for hidden in (theirs, national):
        assert f'href="/plan/rosters/{hidden}"' not in html
        assert client.get(f"/plan/rosters/{hidden}").status_code == 404
        token = csrf_token(client, f"/plan/rosters/{mine}")
        response = client.post(f"/plan/rosters/{hidden}/publish", data={"csrf_token": token})
        assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Roster, theirs).status == "draft"


# --- publishing -------------------------------------------------------------------------------


def test_publishing_shows_hospital_staff_the_new_assignments_and_keeps_history(
    app, client, demo
) -> None:
    before, old = published_pairs(app)
    draft_id, removed, added = swapped_draft(app, demo)
    login(client, Accounts.national)
    html = publish(client, draft_id).get_data(as_text=True)
    after, new = published_pairs(app)
    assert f"Draft #{draft_id} is published as roster #{after}; 2 volunteers have changed" in html
    assert after != before and added in new and removed not in new
    assert new == old - {removed} | {added}
    with app.app_context():
        assert db.session.get(Roster, before).status == "published"  # the history keeps it
        assert db.session.get(Roster, after).based_on == before
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "publish")).one()
        assert entry.entity_id == str(after) and entry.detail["volunteers_changed"] == 2
    history = client.get("/plan/rosters").get_data(as_text=True)
    assert f'href="/plan/rosters/{before}"' in history
    assert f'href="/plan/rosters/{after}"' in history
    client.post("/logout", data={"csrf_token": csrf_token(client, "/plan")})
    login(client, Accounts.hospital)
    needs = client.get(f"/needs?facility={demo['facility']}").get_data(as_text=True)
    assert name(demo, added[1]) in needs


def test_publishing_changes_what_a_volunteer_sees(app, client, demo) -> None:
    volunteer = demo["volunteer"]
    dataset = demo["dataset"]
    theirs = [(n, v) for n, v in demo["result"].assignments if v == volunteer]
    facilities = {
        str(escape(dataset.facility_by_id[dataset.need_by_id[n].facility_id].name))
        for n, _ in theirs
    }
    login(client, Accounts.volunteer)
    schedule = client.get("/my/schedule").get_data(as_text=True)
    assert all(f in schedule for f in facilities)
    draft_id = make_draft(app, set(demo["result"].assignments) - set(theirs))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/my/schedule")})
    login(client, Accounts.national)
    assert "1 volunteer has changed shifts" in publish(client, draft_id).get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/plan")})
    login(client, Accounts.volunteer)
    schedule = client.get("/my/schedule").get_data(as_text=True)
    assert not any(f in schedule for f in facilities)


def test_a_regional_publish_keeps_the_other_regions_assignments(app, client, demo) -> None:
    _, old = published_pairs(app)
    removed, added = swap_at(demo, demo["facility"])
    mine = in_region(demo, old - {removed} | {added}, demo["region"])
    stray = sorted(in_region(demo, old, demo["other_region"]))[0]
    # a draft's assignments outside its scope are not its to publish
    draft_id = make_draft(app, mine | {stray}, scope=demo["region"])
    other = in_region(demo, old, demo["other_region"])
    login(client, Accounts.regional)
    html = publish(client, draft_id).get_data(as_text=True)
    assert "2 volunteers have changed shifts" in html
    _, new = published_pairs(app)
    assert in_region(demo, new, demo["other_region"]) == other
    assert in_region(demo, new, demo["region"]) == mine


def test_publishing_needs_the_csrf_token(app, client, demo) -> None:
    before, _ = published_pairs(app)
    draft_id, _, _ = swapped_draft(app, demo)
    login(client, Accounts.national)
    assert publish(client, draft_id, token=False).status_code == 400
    assert published_pairs(app)[0] == before


def test_a_draft_is_published_once(app, client, demo) -> None:
    draft_id, _, _ = swapped_draft(app, demo)
    login(client, Accounts.national)
    publish(client, draft_id)
    after, _ = published_pairs(app)
    html = publish(client, draft_id).get_data(as_text=True)
    assert f"Draft #{draft_id} is published already, as roster #{after}" in html
    assert "This draft was published as" in html
    assert published_pairs(app)[0] == after
    assert f'href="/plan/rosters/{draft_id}"' not in client.get("/plan/rosters").get_data(
        as_text=True
    )


def at_once(*calls):
    """Run the calls in threads released together; their results in order."""
    start = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(k: int) -> None:
        start.wait()
        results[k] = calls[k]()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def signed_in(app, email: str):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


@pytest.mark.parametrize("round_", range(3))
def test_two_regions_published_at_once_both_land(app, demo, round_: int) -> None:
    """Each publish builds on the roster published when it commits, not when it started."""
    _, old = published_pairs(app)
    drafts, wanted = {}, {}
    for region in (demo["region"], demo["other_region"]):
        removed, added = swap_at(demo, region)
        wanted[region] = in_region(demo, old - {removed} | {added}, region)
        drafts[region] = make_draft(app, wanted[region], scope=region)
    mine, theirs = signed_in(app, Accounts.regional), signed_in(app, Accounts.other_regional)
    tokens = [
        csrf_token(c, f"/plan/rosters/{drafts[r]}")
        for c, r in ((mine, demo["region"]), (theirs, demo["other_region"]))
    ]
    responses = at_once(
        lambda: mine.post(
            f"/plan/rosters/{drafts[demo['region']]}/publish",
            data={"csrf_token": tokens[0], **CONFIRMED},
        ),
        lambda: theirs.post(
            f"/plan/rosters/{drafts[demo['other_region']]}/publish",
            data={"csrf_token": tokens[1], **CONFIRMED},
        ),
    )
    assert [r.status_code for r in responses] == [302, 302]
    _, new = published_pairs(app)
    for region in drafts:
        assert in_region(demo, new, region) == wanted[region]
    with app.app_context():  # one history: each published roster replaced the one before it
        published = db.session.scalars(
            select(Roster).where(Roster.status == "published").order_by(Roster.id)
        ).all()
        assert [r.based_on for r in published[1:]] == [r.id for r in published[:-1]]


def test_a_draft_published_three_times_at_once_makes_one_roster(app, demo) -> None:
    draft_id, _, _ = swapped_draft(app, demo)
    clients = [signed_in(app, Accounts.national) for _ in range(3)]
    tokens = [csrf_token(c, f"/plan/rosters/{draft_id}") for c in clients]
    with app.app_context():
        before = db.session.scalar(select(func.count()).where(Roster.status == "published"))
    responses = at_once(
        *(
            (
                lambda c=c, t=t: c.post(
                    f"/plan/rosters/{draft_id}/publish", data={"csrf_token": t, **CONFIRMED}
                )
            )
            for c, t in zip(clients, tokens, strict=True)
        )
    )
    with app.app_context():
        after = db.session.scalar(select(func.count()).where(Roster.status == "published"))
    assert after == before + 1
    places = sorted(r.headers["Location"] for r in responses)
    assert places.count(f"/plan/rosters/{draft_id}") == 2  # the two late clicks: back to the draft
    for client, response in zip(clients, responses, strict=True):
        if response.headers["Location"] == f"/plan/rosters/{draft_id}":
            html = client.get(response.headers["Location"]).get_data(as_text=True)
            assert f"Draft #{draft_id} is published already" in html


def test_publishing_asks_first_and_says_how_many_people_it_affects(app, client, demo) -> None:
    before, _ = published_pairs(app)
    draft_id, _, _ = swapped_draft(app, demo)
    login(client, Accounts.national)
    show = client.get(f"/plan/rosters/{draft_id}").get_data(as_text=True)
    assert f'href="/plan/rosters/{draft_id}/publish"' in show  # a link to the question, no POST
    assert f'action="/plan/rosters/{draft_id}/publish"' not in show
    html = client.get(f"/plan/rosters/{draft_id}/publish").get_data(as_text=True)
    assert f"Publish draft #{draft_id}?" in html
    assert "2 volunteers have changed shifts: call them." in html
    assert "1 shift given to someone, 1 shift taken from someone, at 1 facility." in html
    assert f"in place of roster #{before}" in html
    assert 'name="confirmed" value="yes"' in html
    # a POST without the confirmation (an old page, a stray form) asks first and changes nothing
    token = csrf_token(client, f"/plan/rosters/{draft_id}")
    response = client.post(f"/plan/rosters/{draft_id}/publish", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/plan/rosters/{draft_id}/publish"
    assert published_pairs(app)[0] == before
    publish(client, draft_id)
    assert published_pairs(app)[0] != before
    # the question is not asked again of a published draft
    response = client.get(f"/plan/rosters/{draft_id}/publish")
    assert response.headers["Location"] == f"/plan/rosters/{draft_id}"


def test_a_draft_and_the_roster_it_is_published_as_name_each_other(app, client, demo) -> None:
    draft_id, _, _ = swapped_draft(app, demo)
    login(client, Accounts.national)
    flashed = publish(client, draft_id).get_data(as_text=True)
    roster_id, _ = published_pairs(app)
    assert roster_id != draft_id  # a new roster in the history, with its own number
    assert f"Draft #{draft_id} is published as roster #{roster_id}" in flashed
    draft_page = client.get(f"/plan/rosters/{draft_id}").get_data(as_text=True)
    assert (
        f'This draft was published as <a href="/plan/rosters/{roster_id}">roster #{roster_id}'
        in (draft_page)
    )
    roster_page = client.get(f"/plan/rosters/{roster_id}").get_data(as_text=True)
    assert f'Published from <a href="/plan/rosters/{draft_id}">draft #{draft_id}</a>' in roster_page
    history = client.get("/plan/rosters").get_data(as_text=True)
    assert f"from draft #{draft_id}" in history


def test_a_draft_that_changes_nothing_cannot_be_published(app, client, demo) -> None:
    before, pairs = published_pairs(app)
    draft_id = make_draft(app, pairs)
    login(client, Accounts.national)
    for url in (f"/plan/rosters/{draft_id}", f"/plan/rosters/{draft_id}/publish"):
        html = client.get(url).get_data(as_text=True)
        assert f"sends everyone where roster #{before}, published now" in html, url
        assert "there is nothing to publish" in html and 'name="confirmed"' not in html
    html = publish(client, draft_id).get_data(as_text=True)
    assert f"Draft #{draft_id} sends everyone where roster #{before}" in html
    assert "nothing was published" in html
    assert published_pairs(app)[0] == before
    with app.app_context():
        assert db.session.get(Roster, draft_id).published_as is None


def test_a_regional_draft_that_changes_nothing_in_its_region_cannot_be_published(
    app, client, demo
) -> None:
    before, pairs = published_pairs(app)
    draft_id = make_draft(app, in_region(demo, pairs, demo["region"]), scope=demo["region"])
    login(client, Accounts.regional)
    assert "nothing was published" in publish(client, draft_id).get_data(as_text=True)
    assert published_pairs(app)[0] == before


@pytest.mark.parametrize("round_", range(3))
def test_of_two_same_drafts_published_at_once_the_second_changes_nothing(
    app, demo, round_: int
) -> None:
    """Judged under the publishing lock: the later one meets the roster the first made."""
    before, _ = published_pairs(app)
    first, removed, added = swapped_draft(app, demo)
    with app.app_context():
        second = make_draft(app, store.roster_assignments(first))
    clients = [signed_in(app, Accounts.national) for _ in range(2)]
    posts = [
        (
            lambda c=c, d=d: c.post(
                f"/plan/rosters/{d}/publish",
                data={"csrf_token": csrf_token(c, f"/plan/rosters/{d}"), **CONFIRMED},
            )
        )
        for c, d in zip(clients, (first, second), strict=True)
    ]
    responses = at_once(*posts)
    with app.app_context():
        published = db.session.scalars(
            select(Roster).where(Roster.status == "published", Roster.id != before)
        ).all()
        assert len(published) == 1
        assert published[0].summary["draft"] in (first, second)
    _, new = published_pairs(app)
    assert added in new and removed not in new
    refused = [
        c.get(r.headers["Location"]).get_data(as_text=True)
        for c, r in zip(clients, responses, strict=True)
        if "/changes" not in r.headers["Location"]
    ]
    assert len(refused) == 1 and "nothing was published" in refused[0]


def test_a_stale_draft_warns_but_publishes(app, client, demo) -> None:
    first, _, _ = swapped_draft(app, demo)
    stale, removed, added = swapped_draft(app, demo, demo["other_region"])
    login(client, Accounts.national)
    assert "older state" not in client.get(f"/plan/rosters/{stale}").get_data(as_text=True)
    publish(client, first)
    assert "older state" in client.get(f"/plan/rosters/{stale}").get_data(as_text=True)
    html = publish(client, stale).get_data(as_text=True)
    assert "solved against an older published roster" in html
    _, new = published_pairs(app)
    assert added in new and removed not in new


# --- what changed for whom --------------------------------------------------------------------


def test_the_change_list_names_who_loses_and_who_gets_a_shift(app, client, demo) -> None:
    first, _ = published_pairs(app)
    draft_id, removed, added = swapped_draft(app, demo)
    need = demo["dataset"].need_by_id[removed[0]]
    facility = demo["dataset"].facility_by_id[need.facility_id]
    login(client, Accounts.national)
    pages = [client.get(f"/plan/rosters/{draft_id}").get_data(as_text=True)]
    publish(client, draft_id)
    after, _ = published_pairs(app)
    pages.append(client.get(f"/plan/rosters/{after}/changes").get_data(as_text=True))
    for html in pages:
        for volunteer_id, sign in ((removed[1], "−"), (added[1], "+")):
            assert name(demo, volunteer_id) in html
            assert f"{sign} {need.date:%a} {need.date.isoformat()}" in html
        assert facility.name in html
    first_changes = client.get(f"/plan/rosters/{first}/changes").get_data(as_text=True)
    assert "is the first published roster" in first_changes


def test_a_regional_coordinator_sees_changes_in_their_region_only(app, client, demo) -> None:
    draft_id, _, added = swapped_draft(app, demo, demo["other_region"])
    login(client, Accounts.national)
    publish(client, draft_id)
    after, _ = published_pairs(app)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/plan")})
    login(client, Accounts.regional)
    html = client.get(f"/plan/rosters/{after}/changes").get_data(as_text=True)
    assert "Nobody's shifts change." in html
    assert name(demo, added[1]) not in html


# --- downloads --------------------------------------------------------------------------------


def test_the_workbook_holds_the_rosters_assignments(app, client, demo) -> None:
    draft_id, _, _ = swapped_draft(app, demo)
    with app.app_context():
        expected = set(store.roster_assignments(draft_id))
    login(client, Accounts.national)
    response = client.get(f"/plan/rosters/{draft_id}/roster.xlsx")
    assert pairs_of(workbook(response)) == expected
    assert f"roster-{draft_id}.xlsx" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"


def test_the_workbook_per_region_and_per_facility(app, client, demo) -> None:
    roster_id, pairs = published_pairs(app)
    needs = demo["dataset"].need_by_id
    login(client, Accounts.national)
    region = demo["other_region"]
    response = client.get(f"/plan/rosters/{roster_id}/roster.xlsx?region={region}")
    assert pairs_of(workbook(response)) == in_region(demo, pairs, region)
    assert region.replace(" ", "_") in response.headers["Content-Disposition"]
    facility = demo["facility"]
    response = client.get(f"/plan/rosters/{roster_id}/roster.xlsx?facility={facility}")
    assert pairs_of(workbook(response)) == {p for p in pairs if needs[p[0]].facility_id == facility}
    assert f"roster-{roster_id}-{facility}.xlsx" in response.headers["Content-Disposition"]


def test_a_regional_coordinators_downloads_stay_in_their_region(app, client, demo) -> None:
    roster_id, pairs = published_pairs(app)
    login(client, Accounts.regional)
    book = workbook(client.get(f"/plan/rosters/{roster_id}/roster.xlsx"))
    assert pairs_of(book) == in_region(demo, pairs, demo["region"])
    base = f"/plan/rosters/{roster_id}"
    other_volunteer = min(v for _, v in in_region(demo, pairs, demo["other_region"]))
    for url in (
        f"{base}/roster.xlsx?region={demo['other_region']}",
        f"{base}/roster.xlsx?facility={demo['other_facility']}",
        f"{base}/assignments.csv?region={demo['other_region']}",
        f"{base}/calendars/{other_volunteer}.ics",
    ):
        assert client.get(url).status_code == 404, url


def test_the_assignments_csv_reads_back_as_the_roster(app, client, demo) -> None:
    roster_id, pairs = published_pairs(app)
    login(client, Accounts.national)
    response = client.get(f"/plan/rosters/{roster_id}/assignments.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f"assignments-{roster_id}.csv" in response.headers["Content-Disposition"]
    frame = pd.read_csv(io.BytesIO(response.data), encoding="utf-8-sig", dtype=str)
    assert set(zip(frame["need_id"], frame["volunteer_id"], strict=True)) == pairs


def test_a_volunteers_calendar_lists_their_shifts(app, client, demo) -> None:
    roster_id, pairs = published_pairs(app)
    volunteer = demo["volunteer"]
    theirs = {n for n, v in pairs if v == volunteer}
    login(client, Accounts.national)
    response = client.get(f"/plan/rosters/{roster_id}/calendars/{volunteer}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    events = Calendar.from_ical(response.data).walk("VEVENT")
    assert len(events) == len(theirs)
    assert all(any(n in str(e["DESCRIPTION"]) for n in theirs) for e in events)
    found = client.get(f"/plan/rosters/{roster_id}/calendar?volunteer={volunteer}")
    assert found.headers["Location"].endswith(f"/calendars/{volunteer}.ics")
    assert client.get(f"/plan/rosters/{roster_id}/calendars/NOPE.ics").status_code == 404


def test_a_volunteers_calendar_is_found_by_a_part_of_their_name(app, client, demo) -> None:
    roster_id, _ = published_pairs(app)
    volunteer = demo["dataset"].volunteer_by_id[demo["volunteer"]]
    part = volunteer.name.split()[-1][:5]  # a part of the surname, as a coordinator types it
    login(client, Accounts.national)
    response = client.get(f"/plan/rosters/{roster_id}/calendar?volunteer={part.lower()}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    href = f"/plan/rosters/{roster_id}/calendars/{volunteer.id}.ics"
    assert f'<a href="{href}">{escape(volunteer.name)}</a>' in html
    everyone = demo["dataset"].volunteers
    holding = [
        v for v in everyone if part.lower() in v.name.lower() or part.lower() in v.id.lower()
    ]
    assert len(re.findall(r"/calendars/[^\"]+\.ics", html)) == min(len(holding), 20)


def test_a_name_nobody_has_is_a_page_that_says_so(app, client, demo) -> None:
    roster_id, _ = published_pairs(app)
    login(client, Accounts.national)
    response = client.get(f"/plan/rosters/{roster_id}/calendar?volunteer=Nobody%20Zzyzx")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "No volunteer you may see has “Nobody Zzyzx” in their name or id." in html
    assert 'name="volunteer"' in html  # and the search again


def test_a_regional_coordinator_finds_only_their_regions_volunteers(app, client, demo) -> None:
    roster_id, pairs = published_pairs(app)
    other = demo["dataset"].volunteer_by_id[
        min(v for _, v in in_region(demo, pairs, demo["other_region"]))
    ]
    login(client, Accounts.regional)
    response = client.get(f"/plan/rosters/{roster_id}/calendar?volunteer={other.name}")
    assert f"/calendars/{other.id}.ics" not in response.get_data(as_text=True)


def test_the_roster_page_offers_every_download(app, client, demo) -> None:
    roster_id, _ = published_pairs(app)
    login(client, Accounts.national)
    html = client.get(f"/plan/rosters/{roster_id}").get_data(as_text=True)
    base = f"/plan/rosters/{roster_id}"
    for href in ("roster.xlsx", "assignments.csv", "calendar", "roster.xlsx?region="):
        assert f'"{base}/{href}' in html, href
    assert 'name="facility"' in html  # one facility's workbook


def test_a_draft_that_does_not_say_what_it_was_solved_against_is_judged_by_its_age(
    app, client, demo
) -> None:
    with app.app_context():
        old = Roster(status="draft", scope=NATIONAL, summary={})
        db.session.add(old)
        db.session.commit()
        old_id = old.id
    newer, _, _ = swapped_draft(app, demo)
    login(client, Accounts.national)
    assert "older state" not in client.get(f"/plan/rosters/{old_id}").get_data(as_text=True)
    publish(client, newer)
    assert "older state" in client.get(f"/plan/rosters/{old_id}").get_data(as_text=True)


def test_names_in_the_change_list_are_escaped(app, client, demo) -> None:
    draft_id, removed, _ = swapped_draft(app, demo)
    with app.app_context():
        db.session.get(Volunteer, removed[1]).name = "<script>alert(1)</script>"
        db.session.commit()
    login(client, Accounts.national)
    html = client.get(f"/plan/rosters/{draft_id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert scripts(html) == OWN_SCRIPTS
