"""Reliability as a tie-break on critical shifts: of two volunteers who could fill a critical
place equally, the one likelier to come gets it; never at the cost of a filled place, and not on
other shifts."""

from __future__ import annotations

import dataclasses

from scheduler.domain import Priority
from tests.factories import make_dataset, make_need, make_volunteer, make_window
from tests.rules.solving import roster

MONDAY = "2026-03-02"


def two_nurses(priority: Priority, reliability: dict[str, float]):
    people = [make_volunteer(id="V1", name="Anna"), make_volunteer(id="V2", name="Boris")]
    windows = [make_window(MONDAY, volunteer_id=v.id) for v in people]
    need = make_need(priority=priority)
    data = make_dataset(volunteers=people, needs=[need], availability=windows)
    return dataclasses.replace(data, reliability=reliability)


def test_the_volunteer_likelier_to_come_gets_the_critical_place() -> None:
    assert roster(two_nurses(Priority.CRITICAL, {"V1": 0.2, "V2": 0.9})) == {("N1", "V2")}
    assert roster(two_nurses(Priority.CRITICAL, {"V1": 0.9, "V2": 0.2})) == {("N1", "V1")}


def test_someone_never_marked_counts_as_even_odds() -> None:
    assert roster(two_nurses(Priority.CRITICAL, {"V1": 0.3})) == {("N1", "V2")}
    assert roster(two_nurses(Priority.CRITICAL, {"V1": 0.7})) == {("N1", "V1")}


def test_it_is_never_worth_a_filled_place() -> None:
    """The reliable doctor could take the nurse's place too, but then the doctor's place would
    stay open: both stay filled, each by whom only they fit."""
    people = [
        make_volunteer(id="V1", name="Anna", role="doctor"),
        make_volunteer(id="V2", name="Boris", role="nurse"),
    ]
    windows = [make_window(MONDAY, volunteer_id=v.id) for v in people]
    needs = [
        make_need(id="N1", role="nurse", priority=Priority.CRITICAL),
        make_need(id="N2", role="doctor", priority=Priority.CRITICAL),
    ]
    data = make_dataset(volunteers=people, needs=needs, availability=windows)
    data = dataclasses.replace(data, reliability={"V1": 0.99, "V2": 0.01})
    assert roster(data) == {("N1", "V2"), ("N2", "V1")}


def test_other_shifts_ignore_it() -> None:
    plain = roster(two_nurses(Priority.NORMAL, {}))
    assert roster(two_nurses(Priority.NORMAL, {"V1": 0.01, "V2": 0.99})) == plain
    assert roster(two_nurses(Priority.NORMAL, {"V1": 0.99, "V2": 0.01})) == plain
