"""The JSON API fuzzed from its own OpenAPI document: no request may get a 5xx.

Schemathesis reads /api/openapi.json from the app in-process (WSGI) and, for
each operation, sends the document's boundary cases and generated requests,
valid and invalid (wrong types, huge numbers, odd text, missing fields),
signed in as a national coordinator and as hospital staff on the demo data.
Hooks mix the demo's real need ids, facilities, roles and dates into what is
generated, so requests also get past "not found" and "unknown facility" to
the engine's judgement and the database. Only `not_a_server_error` runs: a
4xx is the API doing its job; a 5xx is a bug, and the app's own exception is
raised with a curl line that reproduces it. A fixed seed and derandomised
generation send the same requests on every run; the example count keeps the
file at about 15 seconds.
"""

from __future__ import annotations

import pytest
import schemathesis
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from scheduler.intake.loading import load_dataset
from tests.web import conftest
from tests.web.conftest import Accounts, login
from web import create_app

pytestmark = pytest.mark.fuzz

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20200504,
        "generation": {
            "mode": "all",  # valid and invalid requests
            "max-examples": 30,
            "deterministic": True,
            "database": "none",  # nothing remembered between runs: the same requests each time
            # The session cookie and the CSRF header are the signed-in client's, not generated:
            # a random cookie would only ever meet the 401 that needs no fuzzing.
            "with-security-parameters": False,
        },
        "phases": {"stateful": {"enabled": False}},
    }
)


DEMO, _ = load_dataset(conftest.DEMO)
REAL = {
    "need_id": st.sampled_from(sorted(n.id for n in DEMO.needs)),
    "facility_id": st.sampled_from(sorted(f.id for f in DEMO.facilities)),
    "role": st.sampled_from(sorted({n.role for n in DEMO.needs})),
    "date": st.sampled_from(sorted({n.date.isoformat() for n in DEMO.needs})),
    "start": st.sampled_from(["07:00", "08:00", "19:30", "24:00"]),
    "end": st.sampled_from(["15:00", "20:00", "07:30", "08:00"]),
    "count": st.integers(1, 4),
    "priority": st.sampled_from([1, 2, 3, "2"]),
}


@pytest.fixture(params=[Accounts.national, Accounts.hospital], ids=["national", "hospital"])
def signed_in_client(request, client: FlaskClient, demo) -> FlaskClient:
    """The test client signed in, carrying the session's CSRF token as an API client would."""
    login(client, request.param)
    token = client.get("/api/csrf-token").get_json()["csrf_token"]
    client.environ_base["HTTP_X_CSRFTOKEN"] = token
    return client


# The document as the app serves it, read once from an app of its own: serving it needs no
# database. Each request then goes to the test's app through its signed-in client.
# (`schemathesis.pytest.from_fixture` would read it from the test's app, but 4.32 sets
# pytest's private `Node._nodeid`, which pytest 9.2 no longer has.)
schema = schemathesis.openapi.from_wsgi(
    "/api/openapi.json", create_app(conftest.settings("sqlite://")), config=CONFIG
)


@schema.hook
def flatmap_path_parameters(context, path_parameters: dict | None) -> st.SearchStrategy:
    """The generated need id, or a stored one: one in scope, or another hospital's."""
    if not isinstance(path_parameters, dict) or "need_id" not in path_parameters:
        return st.just(path_parameters)
    real = REAL["need_id"].map(lambda need_id: {**path_parameters, "need_id": need_id})
    return st.one_of(st.just(path_parameters), real)


@schema.hook
def flatmap_body(context, body: object) -> st.SearchStrategy:
    """The generated body; it with some real values; it with a whole valid need in it."""
    if not isinstance(body, dict):
        return st.just(body)
    columns = {name: values for name, values in REAL.items() if name != "need_id"}
    some = st.fixed_dictionaries({}, optional=columns)
    whole = st.fixed_dictionaries(columns)
    return st.one_of(st.just(body), *(s.map(lambda real: body | real) for s in (some, whole)))


@schema.parametrize()
# One signed-in client and one database for all of an operation's requests, on purpose:
# what one request stores, the next may trip over.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_request_gets_a_server_error(case, signed_in_client: FlaskClient) -> None:
    case.call_and_validate(session=signed_in_client, checks=[not_a_server_error])
