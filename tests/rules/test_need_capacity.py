"""Rule 2, need capacity: forbidden and allowed cases, solved end to end."""

from __future__ import annotations

from tests.factories import (
    make_dataset,
    make_need,
    make_volunteer,
)
from tests.rules import faces
from tests.rules.solving import roster, two_volunteers

# --- rule 2: capacity -------------------------------------------------------------------


def test_capacity_a_need_for_one_gets_one_of_two_volunteers() -> None:
    dataset = make_dataset(volunteers=two_volunteers())
    assert len(roster(dataset)) == 1


def test_capacity_a_need_for_two_gets_both() -> None:
    dataset = make_dataset(volunteers=two_volunteers(), needs=[make_need(count=2)])
    assert roster(dataset) == {("N1", "V1"), ("N1", "V2")}


def test_capacity_one_volunteer_fills_one_place_of_a_need_at_most() -> None:
    dataset = make_dataset(needs=[make_need(count=3)])
    assert roster(dataset) == {("N1", "V1")}


def test_capacity_rows_alone_give_a_need_for_one_one_volunteer_and_for_two_two() -> None:
    volunteers = [make_volunteer(), make_volunteer(id="V2", name="Boris")]
    one = make_dataset(volunteers=volunteers, needs=[make_need(count=1)])
    two = make_dataset(volunteers=volunteers, needs=[make_need(count=2)])
    assert len(faces.solved_with_only(one)) == 1
    assert len(faces.solved_with_only(two)) == 2
