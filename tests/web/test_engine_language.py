"""The engine's words on a page come in the page's language, and only for that request."""

from __future__ import annotations

import re

import pytest

from scheduler import i18n
from tests.web.conftest import Accounts
from tests.web.test_needs import HEADER, signed_in, upload

BAD_DATE = "N-X,{facility},30.13.2020,08:00,16:00,nurse,1,\n"


@pytest.mark.parametrize(("language", "russian"), [("ru", True), ("en", False)])
def test_an_upload_problem_is_in_the_pages_language(client, demo, language, russian) -> None:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    token = signed_in(client, Accounts.hospital)
    rows = BAD_DATE.format(facility=demo["facility"])
    response = upload(client, token, (HEADER + rows).encode(), "needs.csv")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    (problem,) = re.findall(r"30\.13\.2020[^<]*", html) or [""]
    assert problem, html[-1500:]
    assert bool(re.search("[а-яё]", problem)) is russian, problem


def test_a_request_leaves_the_engine_in_its_own_language(client, demo) -> None:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    signed_in(client, Accounts.hospital)
    client.get("/needs")
    assert i18n.language() == "en"  # the tests' language, as before the request
