"""The needs pages: who may see and change which needs, forms and uploads judged like input.

Every test runs on the demo data with its roster published (`demo`). The
hospital account manages one facility of the first region; the other
hospital one of the second region.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from html import unescape as html_unescape
from pathlib import Path

import openpyxl
import pytest
from markupsafe import escape
from sqlalchemy import func, select

from scheduler.intake.loading import load_dataset
from tests.broken.make_cases import save_xlsx
from tests.web.conftest import Accounts, csrf_token, login
from web import store
from web.models import AuditEntry, Facility, Need, Role, User, Volunteer, db

NATIONAL = Path(__file__).resolve().parents[2] / "data" / "national"
HEADER = "need_id,facility_id,date,start,end,role,count,priority\n"
STAFF_PAGES = ["/needs", "/needs/new", "/needs/upload", "/needs/template.xlsx"]
SCRIPT = "<script>alert(1)</script>"


# --- helpers ----------------------------------------------------------------------------------


def count(app, model=Need) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def audit_actions(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(a.action, a.entity_id) for a in db.session.scalars(select(AuditEntry))]


def stored(app, need_id: str) -> Need | None:
    with app.app_context():
        need = db.session.get(Need, need_id)
        if need is not None:
            db.session.expunge(need)
        return need


def need_at(demo, facility: str) -> str:
    """A demo need of the facility with volunteers rostered to it."""
    busy = {n for n, _ in demo["result"].assignments}
    return next(n.id for n in demo["dataset"].needs if n.facility_id == facility and n.id in busy)


def form(demo, **overrides) -> dict[str, str]:
    values = {
        "facility_id": demo["facility"],
        "date": "2020-05-25",
        "start": "08:00",
        "end": "20:00",
        "role": "nurse",
        "count": "2",
        "priority": "1",
    }
    return values | overrides


def signed_in(client, email: str) -> str:
    """Sign in; return the session's CSRF token, read from a page as a browser would."""
    login(client, email)
    return csrf_token(client, "/needs/new")


def upload(client, token: str | None, data: bytes, name: str):
    fields: dict[str, object] = {"file": (io.BytesIO(data), name)}
    if token is not None:
        fields["csrf_token"] = token
    return client.post("/needs/upload", data=fields, content_type="multipart/form-data")


# --- who may open what ------------------------------------------------------------------------


@pytest.mark.parametrize("email", [Accounts.national, Accounts.regional, Accounts.hospital])
@pytest.mark.parametrize("page", STAFF_PAGES)
def test_staff_and_coordinators_open_every_needs_page(client, demo, email, page) -> None:
    login(client, email)
    assert client.get(page).status_code == 200


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_a_volunteer_gets_403_on_every_needs_page(client, demo, page) -> None:
    login(client, Accounts.volunteer)
    assert client.get(page).status_code == 403


def test_a_volunteer_cannot_post_edit_withdraw_or_upload(client, app, demo) -> None:
    login(client, Accounts.volunteer)
    token = client.get("/api/csrf-token").get_json()["csrf_token"]
    need = need_at(demo, demo["facility"])
    for path in ("/needs/new", f"/needs/{need}/edit", f"/needs/{need}/withdraw"):
        response = client.post(path, data=form(demo, csrf_token=token))
        assert response.status_code == 403, path
    assert upload(client, token, HEADER.encode(), "needs.csv").status_code == 403
    assert count(app) == len(demo["dataset"].needs) and audit_actions(app) == []


@pytest.mark.parametrize("path", [*STAFF_PAGES, "/needs/N00001/edit"])
def test_anonymous_visitors_are_sent_to_sign_in(client, demo, path) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_anonymous_posts_change_nothing(client, app, demo) -> None:
    token = csrf_token(client)  # a real token of the anonymous session
    need = need_at(demo, demo["facility"])
    for path in ("/needs/new", f"/needs/{need}/edit", f"/needs/{need}/withdraw"):
        response = client.post(path, data=form(demo, csrf_token=token))
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = upload(client, token, HEADER.encode(), "needs.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert count(app) == len(demo["dataset"].needs) and audit_actions(app) == []


@pytest.mark.parametrize(
    ("email", "whose"),
    [(Accounts.hospital, "other_facility"), (Accounts.other_regional, "facility")],
)
def test_a_need_out_of_scope_is_404_for_every_action(client, app, demo, email, whose) -> None:
    token = signed_in(client, email)
    need = need_at(demo, demo[whose])
    assert client.get(f"/needs/{need}/edit").status_code == 404
    posted = form(demo, facility_id=demo[whose], csrf_token=token)
    assert client.post(f"/needs/{need}/edit", data=posted).status_code == 404
    assert client.post(f"/needs/{need}/withdraw", data={"csrf_token": token}).status_code == 404
    assert stored(app, need) is not None and audit_actions(app) == []


def test_a_regional_coordinator_edits_needs_of_their_region(client, demo) -> None:
    login(client, Accounts.regional)
    assert client.get(f"/needs/{need_at(demo, demo['facility'])}/edit").status_code == 200


# --- the list ---------------------------------------------------------------------------------


def listed_ids(html: str) -> set[str]:
    return set(re.findall(r"/needs/([^/\"]+)/edit", html))


def test_hospital_staff_see_only_their_facilitys_needs(client, demo) -> None:
    login(client, Accounts.hospital)
    html = client.get("/needs").get_data(as_text=True)
    mine = {n.id for n in demo["dataset"].needs if n.facility_id == demo["facility"]}
    assert listed_ids(html) == mine
    other = client.get(f"/needs?facility={demo['other_facility']}").get_data(as_text=True)
    assert listed_ids(other) == set()


def test_a_regional_coordinator_sees_their_region_only(client, demo) -> None:
    login(client, Accounts.regional)
    region = {f.id for f in demo["dataset"].facilities if f.region == demo["region"]}
    wanted = {n.id for n in demo["dataset"].needs if n.facility_id in region}
    seen: set[str] = set()
    for page in (1, 2, 3, 4):
        seen |= listed_ids(client.get(f"/needs?page={page}").get_data(as_text=True))
    assert seen == wanted


def test_the_list_is_grouped_by_day_and_names_the_facility_once(client, demo) -> None:
    login(client, Accounts.hospital)  # one facility
    facility = demo["dataset"].facility_by_id[demo["facility"]]
    html = client.get("/needs").get_data(as_text=True)
    name = str(escape(facility.name))
    listing = html.split('aria-label="Filter needs"')[1].split("</form>", 1)[1]
    assert listing.count(name) == 1  # above the days, not on every row
    days = re.findall(r'<h2 id="day-([\d-]+)">', html)
    mine = sorted(
        {n.date.isoformat() for n in demo["dataset"].needs if n.facility_id == facility.id}
    )
    assert days == mine  # each day once, in order
    assert "<h3" not in html  # no facility headings for one facility


def test_several_facilities_are_named_once_per_day(client, demo) -> None:
    login(client, Accounts.regional)
    html = client.get("/needs").get_data(as_text=True)
    sections = re.split(r'<section class="day"', html)[1:]
    assert sections
    for section in sections:
        named = re.findall(r"<h3 [^>]*>[^<]*<small>\((F\d+)\)</small></h3>", section)
        assert named and len(named) == len(set(named)), named  # each facility once a day
    # and a page holds at most 50 needs
    assert len(listed_ids(html)) == 50


@pytest.mark.parametrize("asked", ["99999999999999999999", "9223372036854775807", "9", "٩"])
def test_a_page_after_the_last_shows_the_last(client, demo, asked: str) -> None:
    """Overflowing the database's OFFSET was a 500; the last page is what a stale link wants."""
    login(client, Accounts.national)
    total = len(demo["dataset"].needs)
    pages = -(-total // 50)
    last = client.get(f"/needs?page={pages}")
    response = client.get(f"/needs?page={asked}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"Page {pages} of {pages} ({total} needs)" in html
    assert listed_ids(html) == listed_ids(last.get_data(as_text=True))


@pytest.mark.parametrize("asked", ["0", "-5", "abc", "", "0001", " 1 ", "1.5", "1e3", "9" * 5000])
def test_a_page_number_that_is_not_one_shows_the_first_page(client, demo, asked: str) -> None:
    login(client, Accounts.national)
    first = listed_ids(client.get("/needs").get_data(as_text=True))
    response = client.get(f"/needs?page={asked}")
    assert response.status_code == 200
    assert listed_ids(response.get_data(as_text=True)) == first and len(first) == 50


@pytest.mark.parametrize("url", ["/needs?facility=F%00", "/needs?date=%00", "/needs/N%00/edit"])
def test_a_nul_character_in_the_address_is_400_with_what_to_do(client, demo, url) -> None:
    """PostgreSQL refuses NUL in text: filtering or looking up by it was a 500 there."""
    login(client, Accounts.national)
    response = client.get(url)
    assert response.status_code == 400
    assert "check the link" in response.get_data(as_text=True)


def test_the_list_filters_by_facility_and_date_in_shift_order(client, demo) -> None:
    login(client, Accounts.national)
    html = client.get(f"/needs?facility={demo['facility']}&date=2020-05-19").get_data(as_text=True)
    wanted = [
        n
        for n in demo["dataset"].needs
        if n.facility_id == demo["facility"] and str(n.date) == "2020-05-19"
    ]
    order = re.findall(r"/needs/([^/\"]+)/edit", html)
    assert order == [n.id for n in sorted(wanted, key=lambda n: (n.start, n.role, n.id))]


def test_a_bad_date_filter_says_what_to_write_in_the_pages_format(client, demo) -> None:
    login(client, Accounts.national)
    response = client.get("/needs?date=19/05/2020")
    assert response.status_code == 400
    assert "Choose a day, e.g. 2026-05-25." in response.get_data(as_text=True)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    response = client.get("/needs?date=soon")
    assert response.status_code == 400
    assert "25.05.2026" in response.get_data(as_text=True)


@pytest.mark.parametrize(("language", "typed", "shown"), [
    ("en", "2020-05-19", "2020-05-19"),
    ("en", "19.05.2020", "2020-05-19"),
    ("ru", "19.05.2020", "19.05.2020"),
    ("ru", "2020-05-19", "19.05.2020"),
])  # fmt: skip
def test_a_date_is_typed_either_way_and_shown_the_pages_way(client, demo, language, typed, shown):
    login(client, Accounts.national)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    html = client.get(f"/needs?date={typed}").get_data(as_text=True)
    assert f'value="{shown}"' in html
    assert 'type="date"' not in html and 'inputmode="numeric"' in html


def test_each_shift_shows_filled_open_and_who_is_coming(client, demo) -> None:
    login(client, Accounts.hospital)
    need_id = need_at(demo, demo["facility"])
    need = next(n for n in demo["dataset"].needs if n.id == need_id)
    coming = [v for n, v in demo["result"].assignments if n == need_id]
    html = client.get(f"/needs?facility={need.facility_id}&date={need.date}").get_data(as_text=True)
    row = html[html.index(f"/needs/{need_id}/edit") - 2000 : html.index(f"/needs/{need_id}/edit")]
    assert f"{len(coming)} / {need.count}" in row
    for volunteer_id in coming:
        volunteer = demo["dataset"].volunteer_by_id[volunteer_id]
        assert volunteer.name in row and volunteer.phone in row


def test_stored_text_is_shown_escaped_in_the_list(client, app, demo) -> None:
    with app.app_context():
        facility = db.session.get(Facility, demo["facility"])
        facility.name = SCRIPT
        db.session.commit()
    login(client, Accounts.hospital)
    html = client.get("/needs").get_data(as_text=True)
    assert SCRIPT not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- posting, editing, withdrawing ------------------------------------------------------------


def test_hospital_staff_post_a_need_and_it_is_audited(client, app, demo) -> None:
    token = signed_in(client, Accounts.hospital)
    before = count(app)
    response = client.post("/needs/new", data=form(demo, csrf_token=token))
    assert response.status_code == 302
    assert count(app) == before + 1
    need_id = f"{demo['facility']}-20200525-0800-2000-nurse"
    need = stored(app, need_id)
    assert need is not None and (need.count, need.priority, need.id_given) == (2, 1, False)
    assert audit_actions(app) == [("create", need_id)]
    assert f"Need {need_id} is posted." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_a_need_for_another_hospital_is_refused_next_to_the_facility(client, app, demo) -> None:
    token = signed_in(client, Accounts.hospital)
    before = count(app)
    posted = form(demo, facility_id=demo["other_facility"], csrf_token=token)
    response = client.post("/needs/new", data=posted)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    error = re.search(r'id="facility_id-error" class="error">([^<]*)<', html)
    assert error and "is not a facility you manage" in error.group(1)
    assert "your own facilities&#39; data" in error.group(1)
    assert count(app) == before and audit_actions(app) == []


def test_every_bad_field_gets_its_own_message(client, app, demo) -> None:
    token = signed_in(client, Accounts.hospital)
    before = count(app)
    posted = form(demo, date="25/05/2020", end="", count="0", priority="7", csrf_token=token)
    html = client.post("/needs/new", data=posted).get_data(as_text=True)
    for field in ("date", "end", "count", "priority"):
        assert f'id="{field}-error"' in html, field
    assert 'id="start-error"' not in html
    assert count(app) == before


def field_error(html: str, field: str) -> str:
    found = re.search(rf'id="{field}-error" class="error">([^<]*)<', html)
    assert found, f"no error under {field}"
    return html_unescape(found.group(1))


def test_a_fields_problem_is_said_with_its_label_not_its_column(client, demo) -> None:
    token = signed_in(client, Accounts.hospital)
    html = client.post("/needs/new", data=form(demo, count="", csrf_token=token)).get_data(
        as_text=True
    )
    assert 'for="count">Volunteers wanted' in html
    error = field_error(html, "count")
    assert error.startswith("“Volunteers wanted” is empty") and "count" not in error
    html = client.post("/needs/new", data=form(demo, role="", csrf_token=token)).get_data(
        as_text=True
    )
    assert field_error(html, "role") == "Choose one from the list."


@pytest.mark.parametrize(
    ("language", "day", "start", "end"),
    [  # the page's format, whatever the browser's region: no 05/25 or 08:00 AM any more
        ("en-GB,en;q=0.9", "2026-05-25", "08:00", "20:00"),
        ("en-US,en;q=0.9", "2026-05-25", "08:00", "20:00"),
        ("ru-RU,ru;q=0.9", "25.05.2026", "08:00", "20:00"),
    ],
)
def test_date_and_time_problems_give_examples_in_the_pages_format(
    client, demo, language, day, start, end
) -> None:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    token = signed_in(client, Accounts.hospital)
    posted = form(demo, date="", start="8 o'clock", end="", csrf_token=token)
    html = client.post("/needs/new", data=posted).get_data(as_text=True)
    errors = [field_error(html, f) for f in ("date", "start", "end")]
    for error, example in zip(errors, (day, start, end), strict=True):
        assert f" {example}" in error.replace("\u202f", " "), (error, example)
        assert "YYYY" not in error and "HH:MM" not in error and "ГГГГ" not in error
    page = html.replace("\u202f", " ")
    hint = "ДД.ММ.ГГГГ" if language.startswith("ru") else "YYYY-MM-DD"
    assert f'placeholder="{hint}"' in page  # the field itself says how to write it
    if language.startswith("ru"):
        assert all(re.search("[а-я]", e) for e in errors), errors
    listed = client.get("/needs?date=tomorrow")  # a filter typed into the address
    assert listed.status_code == 400
    assert f" {day}." in field_error(listed.get_data(as_text=True), "date")


@pytest.mark.parametrize(
    "overrides",
    [
        {"role": SCRIPT},
        {"facility_id": "x' OR '1'='1"},
        {"date": "2026-01-01'; DROP TABLE need;--"},
        {"start": SCRIPT, "end": '"><img src=x onerror=alert(1)>', "count": SCRIPT},
    ],
)
def test_injection_attempts_are_refused_and_shown_escaped(client, app, demo, overrides) -> None:
    token = signed_in(client, Accounts.national)
    before = count(app)
    response = client.post("/needs/new", data=form(demo, **overrides, csrf_token=token))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<script>alert" not in html and "<img src=x" not in html
    assert count(app) == before  # the table is still there, unchanged
    if "role" in overrides:
        assert "&#39;&lt;script&gt;alert(1)&lt;/script&gt;&#39; is not a known role" in html


def test_editing_keeps_the_id_and_is_audited(client, app, demo) -> None:
    token = signed_in(client, Accounts.hospital)
    need_id = need_at(demo, demo["facility"])
    page = client.get(f"/needs/{need_id}/edit").get_data(as_text=True)
    assert 'value="' + str(stored(app, need_id).count) + '"' in page
    need = stored(app, need_id)
    posted = {
        "facility_id": need.facility_id,
        "date": need.date.isoformat(),
        "start": f"{need.start:%H:%M}",
        "end": f"{need.end:%H:%M}",
        "role": need.role,
        "count": "9",
        "priority": "3",
        "csrf_token": token,
    }
    before = count(app)
    assert client.post(f"/needs/{need_id}/edit", data=posted).status_code == 302
    after = stored(app, need_id)
    assert (after.count, after.priority, after.start) == (9, 3, need.start)
    assert count(app) == before and audit_actions(app) == [("edit", need_id)]


def test_editing_a_need_onto_another_posted_shift_is_refused(client, app, demo) -> None:
    token = signed_in(client, Accounts.national)
    first, second = [n for n in demo["dataset"].needs if n.facility_id == demo["facility"]][:2]
    posted = {
        "facility_id": second.facility_id,
        "date": second.date.isoformat(),
        "start": f"{second.start:%H:%M}",
        "end": f"{second.end:%H:%M}",
        "role": second.role,
        "count": "1",
        "priority": "2",
        "csrf_token": token,
    }
    response = client.post(f"/needs/{first.id}/edit", data=posted)
    assert response.status_code == 400
    assert f"the same shift as the posted need &#39;{second.id}&#39;" in response.get_data(
        as_text=True
    )
    assert stored(app, first.id).start == first.start


def rostered_people(app, demo, need_id: str) -> list[tuple[str, str]]:
    """Names and phones of those rostered for a need, each given a phone (the demo has none)."""
    found = []
    with app.app_context():
        for k, (n, v) in enumerate(sorted(demo["result"].assignments)):
            if n == need_id:
                volunteer = db.session.get(Volunteer, v)
                volunteer.phone = f"+7 900 000-00-{k % 100:02d}"
                found.append((volunteer.name, volunteer.phone))
        db.session.commit()
    assert found
    return found


def test_withdrawing_asks_first_naming_whom_to_tell(client, app, demo) -> None:
    token = signed_in(client, Accounts.hospital)
    need_id = need_at(demo, demo["facility"])
    people = rostered_people(app, demo, need_id)
    listed = client.get("/needs").get_data(as_text=True)
    assert f'href="/needs/{need_id}/withdraw"' in listed  # a link to the question, no POST
    assert f'action="/needs/{need_id}/withdraw"' not in listed
    html = client.get(f"/needs/{need_id}/withdraw").get_data(as_text=True)
    assert f"Withdraw need {need_id}?" in html
    for name, phone in people:
        assert f"{escape(name)} (" in html and f'<a href="tel:{phone.replace(" ", "")}">' in html
    assert 'name="confirmed" value="yes"' in html
    # a POST without the confirmation asks first and deletes nothing
    response = client.post(f"/needs/{need_id}/withdraw", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/needs/{need_id}/withdraw"
    assert stored(app, need_id) is not None and audit_actions(app) == []


def test_withdrawing_deletes_the_need_names_who_to_tell_and_is_audited(client, app, demo) -> None:
    token = signed_in(client, Accounts.hospital)
    need_id = need_at(demo, demo["facility"])
    people = rostered_people(app, demo, need_id)
    data = {"csrf_token": token, "confirmed": "yes"}
    response = client.post(f"/needs/{need_id}/withdraw", data=data)
    assert response.status_code == 302
    assert stored(app, need_id) is None
    assert audit_actions(app) == [("withdraw", need_id)]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Need {need_id} is withdrawn." in page
    assert "rostered for it; tell them it is off:" in page
    for name, phone in people:
        assert f"{escape(name)}, {phone}" in page


def test_withdrawing_a_need_nobody_is_rostered_for_says_so(client, app, demo) -> None:
    token = signed_in(client, Accounts.hospital)
    client.post("/needs/new", data=form(demo, csrf_token=token))
    need_id = f"{demo['facility']}-20200525-0800-2000-nurse"
    html = client.get(f"/needs/{need_id}/withdraw").get_data(as_text=True)
    assert "Nobody is rostered for it in the published roster." in html
    data = {"csrf_token": token, "confirmed": "yes"}
    page = client.post(f"/needs/{need_id}/withdraw", data=data, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert f"Need {need_id} is withdrawn." in text and "it is off" not in text


def test_the_list_keeps_its_filter_after_an_edit_and_a_withdraw(client, app, demo) -> None:
    token = signed_in(client, Accounts.hospital)
    need = demo["dataset"].need_by_id[need_at(demo, demo["facility"])]
    query = f"facility={demo['facility']}&date={need.date.isoformat()}"
    listed = client.get(f"/needs?{query}").get_data(as_text=True)
    edit = f"/needs/{need.id}/edit?{query.replace('&', '&amp;')}"
    assert f'href="{edit}"' in listed
    assert f'href="/needs/{need.id}/withdraw?{query.replace("&", "&amp;")}"' in listed
    values = form(demo, date=need.date.isoformat(), start=f"{need.start:%H:%M}")
    values |= {"end": f"{need.end:%H:%M}", "role": need.role, "count": "9", "csrf_token": token}
    response = client.post(f"/needs/{need.id}/edit?{query}", data=values)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == f"/needs?{query}"
    confirm = client.get(f"/needs/{need.id}/withdraw?{query}").get_data(as_text=True)
    assert f'action="/needs/{need.id}/withdraw?{query.replace("&", "&amp;")}"' in confirm
    data = {"csrf_token": token, "confirmed": "yes"}
    response = client.post(f"/needs/{need.id}/withdraw?{query}", data=data)
    assert response.headers["Location"] == f"/needs?{query}"


@pytest.mark.parametrize("path", ["/needs/new", "/needs/{need}/edit", "/needs/{need}/withdraw"])
def test_a_post_without_its_csrf_token_is_refused(client, app, demo, path) -> None:
    login(client, Accounts.national)
    need = need_at(demo, demo["facility"])
    before = stored(app, need)
    response = client.post(path.format(need=need), data=form(demo))
    assert response.status_code == 400
    assert "reload the page" in response.get_data(as_text=True)
    assert stored(app, need).count == before.count and audit_actions(app) == []


# --- uploads ------------------------------------------------------------------------------------


def test_a_csv_upload_adds_and_replaces_in_one_go_and_is_audited(client, app, demo) -> None:
    token = signed_in(client, Accounts.hospital)
    replaced = stored(app, need_at(demo, demo["facility"]))
    shift = f"{replaced.date},{replaced.start:%H:%M},{replaced.end:%H:%M},{replaced.role}"
    facility = demo["facility"]
    rows = f"{replaced.id},{facility},{shift},5,1\n,{facility},2020-05-30,20:00,08:00,doctor,1,\n"
    before = count(app)
    response = upload(client, token, (HEADER + rows).encode(), "our needs.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "Stored: 1 need added, 1 replaced" in html
    # which need was replaced: its id (a link to it) and its shift in words
    when = f"{replaced.date:%a} {replaced.date.isoformat()} {replaced.start:%H:%M}"
    assert f'<a href="/needs/{replaced.id}/edit">{replaced.id}</a>: {when}' in html
    assert count(app) == before + 1 and stored(app, replaced.id).count == 5
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry)).one()
        assert (entry.action, entry.detail["added"], entry.detail["replaced"]) == ("upload", 1, 1)
        assert entry.detail["file"] == "our needs.csv"
        assert entry.detail["replaced_ids"] == [replaced.id]


def test_an_upload_that_replaces_many_needs_lists_the_first_and_counts_the_rest(
    client, app, demo
) -> None:
    token = signed_in(client, Accounts.national)
    needs = sorted(demo["dataset"].needs, key=lambda n: (n.start, n.facility_id, n.role, n.id))
    rows = "".join(
        f"{n.id},{n.facility_id},{n.date},{n.start:%H:%M},{n.end:%H:%M},{n.role},{n.count},\n"
        for n in needs
    )
    response = upload(client, token, (HEADER + rows).encode(), "again.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:2000]
    listed = re.findall(r'<li><a href="/needs/([^/]+)/edit">', html)
    assert listed == [n.id for n in needs[:25]]
    assert f"… and {len(needs) - 25} more" in html


def test_other_sheets_of_an_uploaded_workbook_are_named_as_not_read(
    client, app, demo, tmp_path
) -> None:
    token = signed_in(client, Accounts.hospital)
    path = tmp_path / "needs.xlsx"
    save_xlsx(
        {
            "needs": [
                HEADER.strip().split(","),
                [None, demo["facility"], "2020-06-01", "08:00", "16:00", "nurse", 1, 2],
            ],
            "volunteers": [["volunteer_id", "name", "role", "region"], ["V9", "Zed", "nurse", "x"]],
        },
        path,
    )
    response = upload(client, token, path.read_bytes(), "needs.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Stored: 1 need added, 0 replaced" in html
    assert "volunteers: not read: this upload changes only &#39;needs&#39;" in html


def problem_rows(html: str) -> list[tuple[str, str, str]]:
    """(sheet, row, column) of each problem in the page's table."""
    cells = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>", html)
    return [tuple(c) for c in cells]


def test_an_upload_with_a_bad_date_names_the_cell_and_stores_nothing(client, app, demo) -> None:
    token = signed_in(client, Accounts.hospital)
    facility = demo["facility"]
    rows = (
        f",{facility},2020-05-30,08:00,16:00,nurse,1,\n"
        f",{facility},30.05.2020,20:00,08:00,doctor,1,\n"
    )
    before = count(app)
    response = upload(client, token, (HEADER + rows).encode(), "needs.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert problem_rows(html) == [("needs", "3", "date")]
    assert "Nothing was stored: 1 problem" in html
    assert count(app) == before and audit_actions(app) == []


def test_an_upload_for_another_hospital_stores_nothing(client, app, demo) -> None:
    token = signed_in(client, Accounts.hospital)
    rows = (
        f",{demo['facility']},2020-05-30,08:00,16:00,nurse,1,\n"
        f",{demo['other_facility']},2020-05-30,08:00,16:00,nurse,1,\n"
    )
    before = count(app)
    response = upload(client, token, (HEADER + rows).encode(), "needs.csv")
    assert response.status_code == 400
    assert problem_rows(response.get_data(as_text=True)) == [("needs", "3", "facility_id")]
    assert count(app) == before


def test_injection_in_an_upload_is_refused_and_shown_escaped(client, app, demo) -> None:
    token = signed_in(client, Accounts.hospital)
    rows = (
        f",{demo['facility']},2020-05-30,08:00,16:00,{SCRIPT},1,\n"
        ",x' OR '1'='1,2026-01-01'; DROP TABLE need;--,08:00,16:00,nurse,1,\n"
    )
    response = upload(client, token, (HEADER + rows).encode(), "needs.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert SCRIPT not in html and "&lt;script&gt;" in html
    assert problem_rows(html) == [
        ("needs", "2", "role"),
        ("needs", "3", "date"),
        ("needs", "3", "facility_id"),
    ]
    assert count(app) == len(demo["dataset"].needs)


def test_a_text_file_renamed_xlsx_gets_the_readers_message(client, app, demo) -> None:
    token = signed_in(client, Accounts.national)
    before = count(app)
    response = upload(
        client, token, (HEADER + ",F001,2020-05-30,08:00,16:00,nurse,1,\n").encode(), "needs.xlsx"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "a text (CSV?) file renamed to .xlsx" in html
    assert count(app) == before


def test_only_xlsx_and_csv_files_are_taken(client, app, demo) -> None:
    token = signed_in(client, Accounts.national)
    response = upload(client, token, b"anything", "needs.xls")
    assert response.status_code == 400
    assert "Upload an .xlsx workbook or a .csv file." in response.get_data(as_text=True)


def test_an_oversized_upload_is_413(client, app, demo) -> None:
    token = signed_in(client, Accounts.national)
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = upload(client, token, b"x" * 20_000, "needs.csv")
    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)


def test_an_upload_without_its_csrf_token_is_refused(client, app, demo) -> None:
    login(client, Accounts.national)
    rows = ",F001,2020-05-30,08:00,16:00,nurse,1,\n"
    before = count(app)
    assert upload(client, None, (HEADER + rows).encode(), "needs.csv").status_code == 400
    assert count(app) == before


def test_the_template_downloads_as_a_workbook_with_a_needs_sheet(client, demo) -> None:
    login(client, Accounts.hospital)
    response = client.get("/needs/template.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    assert "needs" in book.sheetnames


def test_the_hospitals_template_names_its_facilities_and_uploads_without_warnings(
    app, client, demo
) -> None:
    """The needs sheet alone, empty, with the hospital's facility as its dropdown; filled in
    and uploaded, it stores the need and reports no sheet as not read."""
    token = signed_in(client, Accounts.hospital)
    data = client.get("/needs/template.xlsx").data
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["How to fill in", "needs"]
    needs = book["needs"]
    assert needs.max_row == 1  # no example row to delete, none to upload by mistake
    listed = [row for row in book["How to fill in"].iter_rows(values_only=True) if row[0]]
    assert (demo["facility"],) == tuple(r[0] for r in listed if r[0] == demo["facility"])
    dropdowns = [v.formula1 for v in needs.data_validations.dataValidation]
    assert f'"{demo["facility"]}"' in dropdowns
    header = [c.value for c in needs[1]]
    row = {"facility_id": demo["facility"], "date": dt.date(2020, 5, 30), "start": dt.time(8),
           "end": dt.time(16), "role": "nurse", "count": 1, "priority": 2}  # fmt: skip
    needs.append([row.get(name) for name in header])
    filled = io.BytesIO()
    book.save(filled)
    before = count(app)
    response = upload(client, token, filled.getvalue(), "our-needs.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "1 need added" in html
    assert "Not read:" not in html
    assert count(app) == before + 1


# --- the national dataset -----------------------------------------------------------------------


@pytest.fixture
def national(app, demo):
    """The national facilities and volunteers stored without needs; the accounts of `demo`."""
    dataset, _ = load_dataset(NATIONAL)
    with app.app_context():
        store.replace_all(dataclasses.replace(dataset, needs=()))
        db.session.commit()
        assert db.session.scalars(select(User).where(User.role == Role.NATIONAL)).one()
    return dataset


@pytest.mark.slow
def test_the_national_needs_upload_stores_all_or_nothing(client, app, national) -> None:
    token = signed_in(client, Accounts.national)
    text = (NATIONAL / "needs.csv").read_text()
    lines = text.splitlines(keepends=True)
    broken = lines[:]
    broken[5000] = broken[5000].replace(",2020-", ",2020-13-", 1)  # line 5001 of the file
    response = upload(client, token, "".join(broken).encode(), "needs.csv")
    assert response.status_code == 400
    assert problem_rows(response.get_data(as_text=True)) == [("needs", "5001", "date")]
    assert count(app) == 0

    response = upload(client, token, text.encode(), "needs.csv")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert "Stored: 9092 needs added, 0 replaced" in response.get_data(as_text=True)
    assert count(app) == len(national.needs) == 9092


def test_a_russian_clerk_types_the_date_as_russians_write_it(app, client, demo) -> None:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    token = signed_in(client, Accounts.hospital)
    response = client.post("/needs/new", data=form(demo, date="30.05.2020", csrf_token=token))
    assert response.status_code == 302
    assert "date=2020-05-30" in response.headers["Location"]
    with app.app_context():
        need = db.session.scalars(
            select(Need).where(
                Need.facility_id == demo["facility"], Need.date == dt.date(2020, 5, 30)
            )
        ).one()
        db.session.expunge(need)
    page = client.get(f"/needs/{need.id}/edit").get_data(as_text=True)
    assert 'value="30.05.2020"' in page and 'placeholder="ДД.ММ.ГГГГ"' in page
    assert 'placeholder="ЧЧ:ММ"' in page
