"""The JSON API: the pages' rules as JSON, the schedule by role, a contract that cannot drift."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.web.conftest import Accounts, login
from web import api
from web.models import AuditEntry, Facility, Need, ShiftAnswer, db

NEED = {"date": "2020-05-25", "start": "08:00", "end": "20:00", "role": "nurse", "count": 2}
ASSIGNMENT_FIELDS = {
    "need_id",
    "facility_id",
    "facility_name",
    "address",
    "date",
    "start",
    "end",
    "role",
    "volunteer_id",
    "volunteer_name",
    "timezone",  # the facility's clock the times are on
    "facility_phone",
    "confirmed",
}


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Need))


def audit_actions(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(a.action, a.entity_id) for a in db.session.scalars(select(AuditEntry))]


def signed_in(client, email: str) -> dict[str, str]:
    """Sign in; return the headers an API client sends on unsafe methods."""
    login(client, email)
    token = client.get("/api/csrf-token").get_json()["csrf_token"]
    return {"X-CSRFToken": token}


def need_at(demo, facility: str) -> str:
    busy = {n for n, _ in demo["result"].assignments}
    return next(n.id for n in demo["dataset"].needs if n.facility_id == facility and n.id in busy)


def error_of(response) -> dict:
    assert response.is_json, response.get_data(as_text=True)[:300]
    return response.get_json()["error"]


def every(client, url: str, key: str) -> list[dict]:
    """Every item of a paged list, following `next` as a client would."""
    items: list[dict] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        items += response.get_json()[key]
        url = response.get_json()["next"]
    return items


# --- who may call what --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/needs"),
        ("get", "/api/needs/N00001"),
        ("get", "/api/schedule"),
        ("post", "/api/needs"),
        ("patch", "/api/needs/N00001"),
        ("delete", "/api/needs/N00001"),
    ],
)
def test_without_a_session_every_call_is_401_json(client, app, demo, method, path) -> None:
    token = client.get("/api/csrf-token").get_json()["csrf_token"]  # a real token, no sign-in
    response = getattr(client, method)(path, json=NEED, headers={"X-CSRFToken": token})
    assert response.status_code == 401
    assert "Location" not in response.headers
    assert error_of(response) == {
        "status": 401,
        "message": "Sign in first: POST /login with email, password and csrf_token.",
    }
    assert count(app) == len(demo["dataset"].needs)


def test_the_contract_and_the_csrf_token_need_no_session(client) -> None:
    assert client.get("/api/openapi.json").status_code == 200
    assert client.get("/api/csrf-token").get_json()["csrf_token"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/needs"),
        ("get", "/api/needs/{need}"),
        ("post", "/api/needs"),
        ("patch", "/api/needs/{need}"),
        ("delete", "/api/needs/{need}"),
    ],
)
def test_a_volunteer_gets_403_json_on_needs(client, app, demo, method, path) -> None:
    headers = signed_in(client, Accounts.volunteer)
    url = path.format(need=need_at(demo, demo["facility"]))
    response = getattr(client, method)(url, json=NEED, headers=headers)
    assert response.status_code == 403 and error_of(response)["status"] == 403
    assert count(app) == len(demo["dataset"].needs)


@pytest.mark.parametrize(
    ("email", "whose"),
    [(Accounts.hospital, "other_facility"), (Accounts.other_regional, "facility")],
)
def test_a_need_out_of_scope_is_404_json(client, app, demo, email, whose) -> None:
    headers = signed_in(client, email)
    url = f"/api/needs/{need_at(demo, demo[whose])}"
    assert client.get(url).status_code == 404
    assert client.patch(url, json={"count": 9}, headers=headers).status_code == 404
    response = client.delete(url, headers=headers)
    assert response.status_code == 404
    assert error_of(response)["message"] == "There is nothing here, or it is not yours to see."
    assert count(app) == len(demo["dataset"].needs) and audit_actions(app) == []


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/api/needs"), ("patch", "/api/needs/{need}"), ("delete", "/api/needs/{need}")],
)
def test_unsafe_calls_without_the_csrf_header_are_400(client, app, demo, method, path) -> None:
    login(client, Accounts.national)
    url = path.format(need=need_at(demo, demo["facility"]))
    response = getattr(client, method)(url, json={**NEED, "facility_id": demo["facility"]})
    assert response.status_code == 400
    assert "reload the page" in error_of(response)["message"]
    assert count(app) == len(demo["dataset"].needs) and audit_actions(app) == []


# --- needs ------------------------------------------------------------------------------------


def test_hospital_staff_list_their_facilitys_needs_with_who_is_coming(client, demo) -> None:
    signed_in(client, Accounts.hospital)
    needs = every(client, "/api/needs?per_page=10", "needs")
    mine = [n for n in demo["dataset"].needs if n.facility_id == demo["facility"]]
    assert sorted(n["need_id"] for n in needs) == sorted(n.id for n in mine)
    coming: dict[str, list[str]] = {}
    for need_id, volunteer_id in demo["result"].assignments:
        coming.setdefault(need_id, []).append(volunteer_id)
    for need in needs:
        people = sorted(a["volunteer_id"] for a in need["assigned"])
        assert people == sorted(coming.get(need["need_id"], []))
        assert need["filled"] + need["open"] == need["count"]
    assert client.get(f"/api/needs?facility_id={demo['other_facility']}").get_json() == {
        "needs": [],
        "page": 1,
        "per_page": 100,
        "total": 0,
        "next": None,
    }


def test_needs_filter_by_facility_and_date(client, demo) -> None:
    signed_in(client, Accounts.national)
    url = f"/api/needs?facility_id={demo['facility']}&date=2020-05-20&per_page=2"
    needs = every(client, url, "needs")
    wanted = [
        n.id
        for n in demo["dataset"].needs
        if n.facility_id == demo["facility"] and n.date == dt.date(2020, 5, 20)
    ]
    assert sorted(n["need_id"] for n in needs) == sorted(wanted) and wanted
    assert [(n["start"], n["role"]) for n in needs] == sorted(
        (n["start"], n["role"]) for n in needs
    )


def test_a_bad_date_filter_is_a_problem_with_its_column(client, demo) -> None:
    signed_in(client, Accounts.national)
    response = client.get("/api/needs?date=20/05/2020")
    assert response.status_code == 400
    (problem,) = error_of(response)["problems"]
    assert (problem["sheet"], problem["row"], problem["column"]) == ("query", None, "date")


def test_posting_a_need_stores_it_audits_it_and_says_where(client, app, demo) -> None:
    headers = signed_in(client, Accounts.hospital)
    response = client.post(
        "/api/needs", json={**NEED, "facility_id": demo["facility"]}, headers=headers
    )
    assert response.status_code == 201
    need = response.get_json()["need"]
    assert need["need_id"] == f"{demo['facility']}-20200525-0800-2000-nurse"
    assert (need["count"], need["priority"], need["filled"], need["open"]) == (2, 2, 0, 2)
    assert response.headers["Location"] == f"/api/needs/{need['need_id']}"
    assert client.get(response.headers["Location"]).get_json()["need"] == need
    assert audit_actions(app) == [("create", need["need_id"])]


def test_posting_a_posted_shift_again_replaces_it(client, app, demo) -> None:
    headers = signed_in(client, Accounts.national)
    first = client.post(
        "/api/needs", json={**NEED, "facility_id": demo["facility"]}, headers=headers
    )
    again = {**NEED, "facility_id": demo["facility"], "count": 5}
    second = client.post("/api/needs", json=again, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.get_json()["need"]["need_id"] == first.get_json()["need"]["need_id"]
    assert second.get_json()["need"]["count"] == 5


def test_an_invalid_need_lists_every_problem_and_stores_nothing(client, app, demo) -> None:
    headers = signed_in(client, Accounts.hospital)
    body = {
        "facility_id": demo["other_facility"],
        "date": "2026-01-01'; DROP TABLE need;--",
        "start": "8 am",
        "end": "20:00",
        "role": "<script>alert(1)</script>",
        "count": 0,
    }
    response = client.post("/api/needs", json=body, headers=headers)
    assert response.status_code == 400
    error = error_of(response)
    assert error["status"] == 400 and error["message"] == "5 problem(s); nothing was stored."
    assert sorted(p["column"] for p in error["problems"]) == [
        "count",
        "date",
        "facility_id",
        "role",
        "start",
    ]
    assert {p["sheet"] for p in error["problems"]} == {"needs"}
    assert {p["row"] for p in error["problems"]} == {None}  # a body is no sheet row
    assert response.mimetype == "application/json"
    assert count(app) == len(demo["dataset"].needs) and audit_actions(app) == []


@pytest.mark.parametrize(
    ("body", "column"),
    [
        ({**NEED, "shift": "day"}, "shift"),
        ({**NEED, "count": [1, 2]}, "count"),
        ({**NEED, "count": True}, "count"),
        (["not", "an", "object"], None),
    ],
)
def test_a_body_that_is_not_needs_columns_is_400(client, app, demo, body, column) -> None:
    headers = signed_in(client, Accounts.national)
    response = client.post("/api/needs", json=body, headers=headers)
    assert response.status_code == 400
    assert [p["column"] for p in error_of(response)["problems"]] == [column]
    assert count(app) == len(demo["dataset"].needs)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("[" * 100_000, "nested too deeply"),
        ('{"count": ' + "[" * 100_000, "nested too deeply"),
        ('{"count": 2,', "not valid JSON"),
        ('{"count": ' + "9" * 5000 + "}", "not valid JSON"),
        (b'{"role": "\xff"}', "not valid JSON"),
        ("1e30", "send a JSON object"),
        ('"nurse"', "send a JSON object"),
        ("null", "send a JSON object"),
        ("", "send a JSON object"),
    ],
)
@pytest.mark.parametrize("method", ["post", "patch"])
def test_a_body_that_is_not_a_json_object_is_400_with_what_to_send(
    client, app, demo, data, words, method
) -> None:
    headers = signed_in(client, Accounts.national) | {"Content-Type": "application/json"}
    url = "/api/needs" if method == "post" else f"/api/needs/{need_at(demo, demo['facility'])}"
    response = getattr(client, method)(url, data=data, headers=headers)
    assert response.status_code == 400
    error = error_of(response)
    assert words in error["problems"][0]["message"], error
    assert count(app) == len(demo["dataset"].needs) and audit_actions(app) == []


@pytest.mark.parametrize(
    "values",
    [
        {"count": 1e30},
        {"count": 2**63},
        {"count": -(2**63) - 1},
        {"count": "1e30"},
        {"count": "abc"},
        {"count": 1.5},
        {"priority": 1e308},
        {"start": 99999999999999999999},
        {"date": 20200525},
        {"date": "9999-12-31"},
        {"facility_id": 12},
        {"role": "nurse\x00"},
        {"need_id": "N\x00"},
    ],
)
def test_wrong_values_in_a_need_are_400(client, app, demo, values) -> None:
    headers = signed_in(client, Accounts.national)
    body = {**NEED, "facility_id": demo["facility"], **values}
    response = client.post("/api/needs", json=body, headers=headers)
    assert response.status_code == 400, response.get_data(as_text=True)[:500]
    assert [p["column"] for p in error_of(response)["problems"]] == list(values)
    need_id = need_at(demo, demo["facility"])
    if "need_id" not in values:
        response = client.patch(f"/api/needs/{need_id}", json=values, headers=headers)
        assert response.status_code == 400, response.get_data(as_text=True)[:500]
        assert [p["column"] for p in error_of(response)["problems"]] == list(values)
    assert count(app) == len(demo["dataset"].needs) and audit_actions(app) == []


def test_patching_changes_only_what_is_sent_and_keeps_the_id(client, app, demo) -> None:
    headers = signed_in(client, Accounts.regional)
    need_id = need_at(demo, demo["facility"])
    before = client.get(f"/api/needs/{need_id}").get_json()["need"]
    response = client.patch(f"/api/needs/{need_id}", json={"count": 7}, headers=headers)
    assert response.status_code == 200
    after = response.get_json()["need"]
    assert after == before | {"count": 7, "open": 7 - before["filled"]}
    assert audit_actions(app) == [("edit", need_id)]


def test_a_need_keeps_its_id(client, app, demo) -> None:
    headers = signed_in(client, Accounts.national)
    need_id = need_at(demo, demo["facility"])
    response = client.patch(f"/api/needs/{need_id}", json={"need_id": "X1"}, headers=headers)
    assert response.status_code == 400
    assert error_of(response)["problems"][0]["column"] == "need_id"


def test_patching_onto_another_facility_out_of_scope_is_refused(client, app, demo) -> None:
    headers = signed_in(client, Accounts.hospital)
    need_id = need_at(demo, demo["facility"])
    body = {"facility_id": demo["other_facility"]}
    response = client.patch(f"/api/needs/{need_id}", json=body, headers=headers)
    assert response.status_code == 400
    assert [p["column"] for p in error_of(response)["problems"]] == ["facility_id"]


def test_deleting_withdraws_the_need_once(client, app, demo) -> None:
    headers = signed_in(client, Accounts.hospital)
    need_id = need_at(demo, demo["facility"])
    response = client.delete(f"/api/needs/{need_id}", headers=headers)
    assert response.status_code == 204 and response.data == b""
    assert client.delete(f"/api/needs/{need_id}", headers=headers).status_code == 404
    assert count(app) == len(demo["dataset"].needs) - 1
    assert audit_actions(app) == [("withdraw", need_id)]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/needs/N%00"),
        ("patch", "/api/needs/N%00"),
        ("delete", "/api/needs/N%00"),
        ("get", "/api/needs?facility_id=%00"),
        ("get", "/api/needs?date=2020-05-19%00"),
        ("get", "/api/schedule?facility_id=F%00"),
        ("get", "/api/needs?page=1&%00=1"),
    ],
)
def test_a_nul_character_in_the_address_is_400_json(client, app, demo, method, url) -> None:
    """PostgreSQL refuses NUL in text: looking such an id up was a 500 there."""
    headers = signed_in(client, Accounts.national)
    response = getattr(client, method)(url, json={"count": 3}, headers=headers)
    assert response.status_code == 400
    assert "NUL character (%00)" in error_of(response)["message"]
    assert count(app) == len(demo["dataset"].needs) and audit_actions(app) == []


# --- paging -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "key"), [("/api/needs", "needs"), ("/api/schedule", "assignments")]
)
def test_a_list_comes_a_page_at_a_time_in_a_stable_order(client, demo, path, key) -> None:
    signed_in(client, Accounts.national)
    whole = client.get(f"{path}?per_page=1000").get_json()
    assert whole["next"] is None and len(whole[key]) == whole["total"] > 100
    first = client.get(path).get_json()
    assert (first["page"], first["per_page"], first["total"]) == (1, 100, whole["total"])
    assert first[key] == whole[key][:100]
    assert first["next"] == f"{path}?page=2&per_page=100"
    assert every(client, f"{path}?per_page=7", key) == whole[key]


def test_the_next_page_keeps_the_filters(client, demo) -> None:
    signed_in(client, Accounts.national)
    url = f"/api/needs?facility_id={demo['facility']}&per_page=3"
    first = client.get(url).get_json()
    assert f"facility_id={demo['facility']}" in first["next"] and "page=2" in first["next"]
    needs = every(client, url, "needs")
    assert {n["facility_id"] for n in needs} == {demo["facility"]}
    assert (
        len(needs)
        == first["total"]
        == sum(n.facility_id == demo["facility"] for n in demo["dataset"].needs)
    )


@pytest.mark.parametrize("path", ["/api/needs", "/api/schedule"])
@pytest.mark.parametrize("page", ["3", "99999999999999999999", "9223372036854775807", "9" * 4000])
def test_a_page_after_the_last_is_empty(client, demo, path, page) -> None:
    """A huge page overflowed the database's OFFSET: the page after the last is asked of nobody."""
    signed_in(client, Accounts.national)
    response = client.get(f"{path}?page={page}&per_page=1000")
    assert response.status_code == 200
    body = response.get_json()
    assert body["page"] == int(page) and body["next"] is None and body["total"] > 0
    assert body["needs" if path.endswith("needs") else "assignments"] == []


@pytest.mark.parametrize("path", ["/api/needs", "/api/schedule"])
@pytest.mark.parametrize(
    ("query", "column"),
    [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("page=1.5", "page"),
        ("page=1e3", "page"),
        ("page=٣", "page"),
        (f"page={'9' * 5000}", "page"),
        ("per_page=0", "per_page"),
        ("per_page=1001", "per_page"),
        ("per_page=99999999999999999999", "per_page"),
        ("per_page=ten", "per_page"),
    ],
)
def test_a_page_or_page_size_that_is_not_one_says_what_to_send(
    client, demo, path, query, column
) -> None:
    signed_in(client, Accounts.national)
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    (problem,) = error_of(response)["problems"]
    assert (problem["sheet"], problem["column"]) == ("query", column)
    assert "1" in problem["message"] and len(problem["message"]) < 200


@pytest.mark.parametrize("path", ["/api/needs", "/api/schedule"])
def test_every_problem_of_a_list_query_is_named_at_once(client, demo, path) -> None:
    signed_in(client, Accounts.national)
    response = client.get(f"{path}?page=0&per_page=5000&date=19.05.2020")
    assert response.status_code == 400
    assert error_of(response)["message"] == "3 problem(s); fix the query and ask again."
    problems = error_of(response)["problems"]
    assert [p["column"] for p in problems] == ["page", "per_page", "date"]
    assert "pages are counted from 1, e.g. page=2" in problems[0]["message"]
    assert "ask for 1 to 1000 per page" in problems[1]["message"]


# --- the schedule -------------------------------------------------------------------------------


@pytest.fixture
def in_may_2020(monkeypatch):
    """The demo week lies in 2020: move the clock to the Sunday before it."""
    monkeypatch.setattr(api, "_now", lambda: dt.datetime(2020, 5, 17, 12))


def test_a_volunteer_sees_their_own_upcoming_shifts_only(client, demo, in_may_2020) -> None:
    signed_in(client, Accounts.volunteer)
    rows = every(client, "/api/schedule", "assignments")
    own = [n for n, v in demo["result"].assignments if v == demo["volunteer"]]
    assert sorted(r["need_id"] for r in rows) == sorted(own) and own
    assert all(set(r) == ASSIGNMENT_FIELDS for r in rows)
    assert {r["volunteer_id"] for r in rows} == {demo["volunteer"]}
    assert all(r["address"] for r in rows)
    own_name = demo["dataset"].volunteer_by_id[demo["volunteer"]].name
    assert {r["volunteer_name"] for r in rows} == {own_name}


def test_a_volunteer_does_not_see_shifts_that_have_ended(client, demo) -> None:
    signed_in(client, Accounts.volunteer)  # the real clock: the demo week is long past
    assert client.get("/api/schedule").get_json()["assignments"] == []


def test_a_volunteer_cannot_widen_their_schedule_with_filters(client, demo, in_may_2020) -> None:
    signed_in(client, Accounts.volunteer)
    url = f"/api/schedule?facility_id={demo['other_facility']}"
    rows = every(client, url, "assignments")
    assert {r["volunteer_id"] for r in rows} <= {demo["volunteer"]}


@pytest.mark.parametrize(
    ("email", "facilities"),
    [
        (Accounts.national, "all"),
        (Accounts.regional, "region"),
        (Accounts.hospital, "facility"),
    ],
)
def test_staff_see_the_assignments_in_their_scope(client, demo, email, facilities) -> None:
    signed_in(client, email)
    rows = every(client, "/api/schedule?per_page=50", "assignments")
    where = {n.id: n.facility_id for n in demo["dataset"].needs}
    region = {f.id for f in demo["dataset"].facilities if f.region == demo["region"]}
    allowed = {
        "all": lambda f: True,
        "region": lambda f: f in region,
        "facility": lambda f: f == demo["facility"],
    }[facilities]
    wanted = sorted((n, v) for n, v in demo["result"].assignments if allowed(where[n]))
    assert sorted((r["need_id"], r["volunteer_id"]) for r in rows) == wanted and wanted
    assert all(set(r) == ASSIGNMENT_FIELDS for r in rows)


def test_a_shift_says_its_facilitys_zone_and_phone_and_whether_it_is_confirmed(
    app, client, demo
) -> None:
    pair = sorted(demo["result"].assignments)[0]
    with app.app_context():
        facility_id = demo["dataset"].need_by_id[pair[0]].facility_id
        facility = db.session.get(Facility, facility_id)
        facility.timezone, facility.phone = "Asia/Vladivostok", "+7 423 200-00-00"
        db.session.add(ShiftAnswer(need_id=pair[0], volunteer_id=pair[1], answer="confirmed"))
        db.session.commit()
    signed_in(client, Accounts.national)
    rows = every(client, "/api/schedule?per_page=50", "assignments")
    by_pair = {(r["need_id"], r["volunteer_id"]): r for r in rows}
    row = by_pair[pair]
    assert (row["timezone"], row["facility_phone"], row["confirmed"]) == (
        "Asia/Vladivostok",
        "+7 423 200-00-00",
        True,
    )
    others = [r for p, r in by_pair.items() if p != pair]
    assert not any(r["confirmed"] for r in others)
    assert {r["timezone"] for r in others if r["facility_id"] != facility_id} == {"Europe/Moscow"}
    need = client.get(f"/api/needs/{pair[0]}").get_json()["need"]
    assert {c["volunteer_id"]: c["confirmed"] for c in need["assigned"]}[pair[1]] is True


def test_the_schedule_filters_by_facility_and_date(client, demo) -> None:
    signed_in(client, Accounts.national)
    url = f"/api/schedule?facility_id={demo['facility']}&date=2020-05-19"
    rows = every(client, url, "assignments")
    assert rows and {(r["facility_id"], r["date"]) for r in rows} == {
        (demo["facility"], "2020-05-19")
    }


# --- the contract -------------------------------------------------------------------------------


def test_the_openapi_document_names_every_api_route_and_method(client, app) -> None:
    response = client.get("/api/openapi.json")
    document = json.loads(response.get_data(as_text=True))
    assert document["openapi"].startswith("3.1")
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            routes.setdefault(path, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    documented = {
        path: {m.upper() for m in item if m in ("get", "post", "put", "patch", "delete")}
        for path, item in document["paths"].items()
    }
    assert documented == routes


def test_the_openapi_document_describes_auth_and_errors(client) -> None:
    document = client.get("/api/openapi.json").get_json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["csrf"] == schemes["csrf"] | {"in": "header", "name": "X-CSRFToken"}
    assert schemes["session"]["in"] == "cookie"
    error = document["components"]["schemas"]["Error"]["properties"]["error"]
    assert set(error["properties"]) == {"status", "message", "problems", "reasons", "field"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("post", "put", "patch", "delete"):
                assert {"csrf": []} in [
                    {k: v for k, v in s.items() if k == "csrf"} for s in operation["security"]
                ], path
    refs = re.findall(r'"\$ref": "#/components/(\w+)/(\w+)"', json.dumps(document))
    for kind, name in refs:
        assert name in document["components"][kind], name


def test_the_served_document_is_the_file_in_static(client) -> None:
    static = json.loads(
        (Path(__file__).resolve().parents[2] / "web/static/openapi.json").read_text()
    )
    assert client.get("/api/openapi.json").get_json() == static


@pytest.mark.parametrize(
    ("path", "key"), [("/api/needs", "needs"), ("/api/schedule", "assignments")]
)
def test_the_document_describes_the_paging_the_code_does(client, path, key) -> None:
    operation = client.get("/api/openapi.json").get_json()["paths"][path]["get"]
    parameters = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert parameters["page"]["minimum"] == 1
    per_page = parameters["per_page"]
    assert (per_page["maximum"], per_page["default"]) == (api.MAX_PER_PAGE, api.PER_PAGE)
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert {key, "page", "per_page", "total", "next"} <= set(body["required"])
