"""Rule 8, credentials: forbidden and allowed cases, solved end to end and judged by the checker,
and the rule unit's faces (the vectorised test, the words of what is missing) agreeing."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from scheduler.checker import check_roster
from scheduler.domain import Credential
from scheduler.outputs.roster_reading import Assignment
from scheduler.rules import credentials
from tests.factories import make_dataset, make_need
from tests.rules.solving import roster, two_volunteers

D = dt.date.fromisoformat
PCR = "pcr_test"


def held(*rows: tuple[str | None, str | None], credential: str = PCR) -> list[Credential]:
    return [Credential("V1", credential, D(a) if a else None, D(b) if b else None) for a, b in rows]


def night(**more) -> list:
    """Monday 2026-03-02 22:00 to Tuesday 06:00, requiring a PCR test."""
    return [make_need(start="22:00", end="06:00", requires=(PCR,), **more)]


def test_a_night_shift_across_the_expiry_day_is_forbidden() -> None:
    dataset = make_dataset(needs=night(), credentials=held(("2026-02-24", "2026-03-02")))
    assert roster(dataset) == set()
    assert credentials.missing(dataset, "V1", dataset.needs[0]) == [(PCR, D("2026-03-03"))]


def test_a_night_shift_inside_the_validity_is_allowed() -> None:
    dataset = make_dataset(needs=night(), credentials=held(("2026-02-24", "2026-03-03")))
    assert roster(dataset) == {("N1", "V1")}


def test_two_joined_rows_cover_both_days_of_a_night() -> None:
    rows = held(("2026-02-24", "2026-03-02"), ("2026-03-03", "2026-03-09"))  # renewed
    dataset = make_dataset(needs=night(), credentials=rows)
    assert roster(dataset) == {("N1", "V1")}


def test_a_gap_between_two_rows_is_not_covered() -> None:
    rows = held(("2026-02-24", "2026-03-01"), ("2026-03-03", "2026-03-09"))  # lapsed on Monday
    dataset = make_dataset(needs=night(), credentials=rows)
    assert roster(dataset) == set()


def test_a_credential_valid_only_from_a_date_forbids_the_days_before() -> None:
    needs = [
        make_need(id="N1", requires=(PCR,)),
        make_need(id="N2", date="2026-03-04", requires=(PCR,)),
    ]
    dataset = make_dataset(needs=needs, credentials=held(("2026-03-03", None)))
    assert roster(dataset) == {("N2", "V1")}


def test_a_shift_ending_at_midnight_needs_only_its_own_day() -> None:
    evening = [make_need(start="16:00", end="24:00", requires=(PCR,))]
    dataset = make_dataset(needs=evening, credentials=held((None, "2026-03-02")))
    assert roster(dataset) == {("N1", "V1")}


def test_every_required_credential_is_needed() -> None:
    needs = [make_need(requires=(PCR, "red_zone_training"))]
    dataset = make_dataset(needs=needs, credentials=held((None, None)))
    assert roster(dataset) == set()
    both = held((None, None)) + held((None, None), credential="red_zone_training")
    assert roster(make_dataset(needs=needs, credentials=both)) == {("N1", "V1")}


def test_a_need_requiring_nothing_ignores_credentials() -> None:
    assert roster(make_dataset()) == {("N1", "V1")}


def test_the_checker_names_the_day_a_credential_is_missing() -> None:
    dataset = make_dataset(needs=night(), credentials=held(("2026-02-24", "2026-03-02")))
    (violation,) = check_roster(dataset, [Assignment("N1", "V1", 2)])
    assert violation.rule == 8 and "2026-03-03" in violation.message and PCR in violation.message


@pytest.mark.parametrize("seed", range(20))
def test_the_vectorised_test_and_the_words_agree(seed: int) -> None:
    """Random validity rows and shifts: `qualified` allows a pair exactly when `missing` is
    empty, and the checker agrees."""
    rng = np.random.default_rng(seed)
    base = D("2026-03-02")
    rows = []
    for _ in range(int(rng.integers(0, 4))):
        a = base + dt.timedelta(days=int(rng.integers(-3, 6)))
        b = a + dt.timedelta(days=int(rng.integers(0, 4)))
        rows.append(
            Credential(
                "V1", PCR, a if rng.random() < 0.8 else None, b if rng.random() < 0.8 else None
            )
        )
    needs = []
    for k in range(6):
        start = int(rng.integers(0, 24))
        needs.append(
            make_need(
                id=f"N{k}",
                date=str(base + dt.timedelta(days=int(rng.integers(0, 5)))),
                start=f"{start:02d}:00",
                end=f"{(start + int(rng.choice([8, 12]))) % 24:02d}:00",
                requires=(PCR,),
            )
        )
    dataset = make_dataset(needs=needs, credentials=rows)
    held_ = credentials.holdings(dataset)
    ok = credentials.qualified(dataset, held_, np.zeros(6, np.int64), np.arange(6))
    for k, need in enumerate(dataset.needs):
        lacking = credentials.missing(dataset, "V1", need)
        assert bool(ok[k]) == (lacking == []), (need, rows)
        broken = check_roster(dataset, [Assignment(need.id, "V1", 2)])
        assert any(v.rule == 8 for v in broken) == bool(lacking)


def test_why_unfilled_names_the_credential_and_its_days() -> None:
    from scheduler.outputs.unfilled import explain_unfilled

    dataset = make_dataset(needs=night(), credentials=held(("2026-02-24", "2026-03-02")))
    (funnel,) = explain_unfilled(dataset, []).values()
    assert (funnel.within_distance, funnel.holding, funnel.stage) == (1, 0, "credentials")
    assert "none holds pcr test valid on 2026-03-02 and 2026-03-03" in funnel.reason
    covered = make_dataset(
        needs=night(count=2),
        volunteers=[*two_volunteers()],
        credentials=held(("2026-02-24", "2026-03-09")),
    )
    (funnel,) = explain_unfilled(covered, [("N1", "V1")]).values()
    assert funnel.holding == 1 and "1 holds pcr test valid on" in funnel.reason


def test_a_volunteer_is_told_which_credential_and_day_they_lack() -> None:
    from scheduler.outputs.refusals import why_not

    dataset = make_dataset(needs=night(), credentials=held(("2026-02-24", "2026-03-02")))
    (refusal,) = why_not(dataset, [], "V1", "N1")
    assert refusal.rule == "credentials"
    assert "pcr test" in refusal.text and "3 March" in refusal.text
