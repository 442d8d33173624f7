"""The web app factory: the thin layer starts and answers."""

from __future__ import annotations

from web import create_app


def test_the_app_factory_answers_a_health_check() -> None:
    client = create_app({"TESTING": True}).test_client()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_unknown_pages_are_404() -> None:
    client = create_app({"TESTING": True}).test_client()
    assert client.get("/nowhere").status_code == 404
