"""Rule 1, role cover: forbidden and allowed cases, solved end to end."""

from __future__ import annotations

from scheduler.rules import role_cover
from tests.factories import (
    make_dataset,
    make_need,
    make_volunteer,
)
from tests.rules.solving import roster

# --- rule 1: role cover (eligibility) --------------------------------------------------


def test_role_a_junior_student_is_not_given_a_nurse_place() -> None:
    dataset = make_dataset(volunteers=[make_volunteer(role="junior_student")])
    assert roster(dataset) == set()


def test_role_a_nurse_fills_an_orderly_place() -> None:
    dataset = make_dataset(needs=[make_need(role="orderly")])
    assert roster(dataset) == {("N1", "V1")}


def test_role_cover_is_not_transitive() -> None:
    roles = {"lead": ["helper"], "helper": ["runner"], "runner": []}
    needs = [
        make_need(id="N1", role="runner"),
        make_need(id="N2", role="helper", date="2026-03-03"),
    ]
    dataset = make_dataset(volunteers=[make_volunteer(role="lead")], needs=needs, roles=roles)
    assert roster(dataset) == {("N2", "V1")}


def test_role_picks_the_volunteer_whose_role_covers_the_need() -> None:
    volunteers = [make_volunteer(role="support"), make_volunteer(id="V2", role="doctor")]
    dataset = make_dataset(volunteers=volunteers, needs=[make_need(role="orderly")])
    assert roster(dataset) == {("N1", "V2")}


# --- the rule's own test --------------------------------------------------------------------


def test_role_cover_matrix_allows_covering_roles_and_forbids_the_rest() -> None:
    dataset = make_dataset(roles={"doctor": ["nurse"], "nurse": ["orderly"], "orderly": []})
    number = role_cover.role_numbers(dataset)
    covers = role_cover.covers(dataset)
    assert covers[number["nurse"], number["orderly"]]
    assert covers[number["nurse"], number["nurse"]]
    assert not covers[number["orderly"], number["nurse"]]
    assert not covers[number["doctor"], number["orderly"]]  # not transitive
