"""Places nobody can take for want of a credential: counted per credential and day, put down
to the credential that is short, never to one held widely enough, and never for places no one
within reach could take at all."""

from __future__ import annotations

import datetime as dt

from scheduler.domain import Credential
from scheduler.outputs.credential_gaps import Gap, wanting
from tests.factories import make_dataset, make_need, make_volunteer, make_window

MONDAY = dt.date(2026, 3, 2)
PCR, TRAINING = "pcr_test", "red_zone_training"


def nurses(n: int) -> tuple[list, list]:
    people = [make_volunteer(id=f"V{k}", name=f"Nurse {k}") for k in range(1, n + 1)]
    windows = [make_window("2026-03-02", volunteer_id=v.id) for v in people]
    return people, windows


def dataset(count: int, requires: tuple[str, ...], held: list[Credential], people: int = 3):
    volunteers, windows = nurses(people)
    need = make_need(count=count, requires=requires)
    return make_dataset(volunteers=volunteers, needs=[need], availability=windows, credentials=held)


def test_the_places_the_holders_cannot_take_wait_for_the_credential() -> None:
    data = dataset(2, (PCR,), [Credential("V1", PCR)])
    assert wanting(data, []) == [Gap(PCR, MONDAY, 1, ("N1",), ("F1",))]
    # the holder on it: still one place that only a holder could take
    assert wanting(data, [("N1", "V1")]) == [Gap(PCR, MONDAY, 1, ("N1",), ("F1",))]


def test_a_need_whose_holders_suffice_waits_for_nothing() -> None:
    data = dataset(1, (PCR,), [Credential("V1", PCR)])
    assert wanting(data, []) == []


def test_a_place_nobody_within_reach_could_take_waits_for_people_not_a_credential() -> None:
    data = dataset(5, (PCR,), [], people=2)  # two nurses: three places want people
    assert wanting(data, []) == [Gap(PCR, MONDAY, 2, ("N1",), ("F1",))]


def test_each_short_credential_is_named_and_a_widely_held_one_is_not() -> None:
    held = [Credential(v, TRAINING) for v in ("V1", "V2", "V3")] + [Credential("V1", PCR)]
    data = dataset(2, (PCR, TRAINING), held)
    assert wanting(data, []) == [Gap(PCR, MONDAY, 1, ("N1",), ("F1",))]
    data = dataset(2, (PCR, TRAINING), [])
    assert [(g.credential, g.places) for g in wanting(data, [])] == [(PCR, 2), (TRAINING, 2)]


def test_credentials_held_by_different_people_are_each_wanted() -> None:
    data = dataset(1, (PCR, TRAINING), [Credential("V1", PCR), Credential("V2", TRAINING)])
    assert [(g.credential, g.places) for g in wanting(data, [])] == [(PCR, 1), (TRAINING, 1)]


def test_a_credential_that_runs_out_before_the_shift_does_not_count() -> None:
    ended = Credential("V1", PCR, valid_until=MONDAY - dt.timedelta(days=1))
    data = dataset(1, (PCR,), [ended])
    assert wanting(data, []) == [Gap(PCR, MONDAY, 1, ("N1",), ("F1",))]
