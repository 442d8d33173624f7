"""Suggesting cover for an open place: who is free now, who would be after one move.

Every suggestion, once applied, must pass the independent checker.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from scheduler.checker import check_roster
from scheduler.domain import Dataset
from scheduler.engine.results import Settings
from scheduler.engine.solver import solve
from scheduler.intake.loading import load_dataset
from scheduler.outputs.roster import write_roster
from scheduler.outputs.roster_reading import Assignment
from scheduler.outputs.suggestions import Candidate, suggest
from scheduler.problems import InvalidInput
from tests.factories import make_dataset, make_need, make_volunteer

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
NEAR, FAR = (55.755, 37.615), (55.90, 37.40)


def applied(pairs, need_id: str, candidate: Candidate) -> list[tuple[str, str]]:
    after = list(pairs)
    for move in candidate.moves:
        after.remove((move.need_id, move.from_volunteer))
        after.append((move.need_id, move.to_volunteer))
    return [*after, (need_id, candidate.volunteer_id)]


def breaks_nothing(dataset: Dataset, pairs) -> bool:
    rows = [Assignment(n, v, row) for row, (n, v) in enumerate(pairs, 2)]
    return check_roster(dataset, rows) == []


def test_the_free_are_suggested_nearest_first_and_nobody_already_on_it() -> None:
    volunteers = [
        make_volunteer(id="V1"),
        make_volunteer(id="V2", lat=FAR[0], lon=FAR[1]),
        make_volunteer(id="V3", lat=NEAR[0], lon=NEAR[1]),
    ]
    dataset = make_dataset(volunteers=volunteers, needs=[make_need(count=3)])
    found = suggest(dataset, [("N1", "V1")], "N1")
    assert found.open_places == 2
    assert [c.volunteer_id for c in found.candidates] == ["V3", "V2"]
    assert all(c.moves == () for c in found.candidates)
    assert found.candidates[0].km is not None and found.candidates[0].km < 1


def test_a_volunteer_who_declined_the_shift_is_not_offered_it_again() -> None:
    volunteers = [
        make_volunteer(id="V1"),
        make_volunteer(id="V2", lat=FAR[0], lon=FAR[1]),
        make_volunteer(id="V3", lat=NEAR[0], lon=NEAR[1]),
    ]
    dataset = make_dataset(volunteers=volunteers, needs=[make_need(count=3)])
    found = suggest(dataset, [("N1", "V1")], "N1", declined=[("N1", "V3"), ("N9", "V2")])
    assert [c.volunteer_id for c in found.candidates] == ["V2"]


def test_among_equally_near_the_one_with_fewer_shifts_that_week_comes_first() -> None:
    volunteers = [make_volunteer(id="V1"), make_volunteer(id="V2")]
    needs = [make_need(id="N1"), make_need(id="N2", date="2026-03-03")]
    dataset = make_dataset(volunteers=volunteers, needs=needs)
    found = suggest(dataset, [("N2", "V1")], "N1")
    assert [(c.volunteer_id, c.shifts_that_week) for c in found.candidates] == [
        ("V2", 0),
        ("V1", 1),
    ]


def test_a_volunteer_the_rules_keep_off_is_not_suggested() -> None:
    needs = [make_need(id="N1"), make_need(id="N2", start="20:00", end="04:00")]
    dataset = make_dataset(volunteers=[make_volunteer()], needs=needs)
    assert suggest(dataset, [("N1", "V1")], "N2").candidates == ()  # 4 h of rest, 11 wanted


def move_case() -> Dataset:
    """V2 (a nurse) holds an orderly shift N3 that clashes with nurse need N2;
    V1, an orderly, cannot take N2 but is free for N3."""
    volunteers = [make_volunteer(id="V1", role="orderly"), make_volunteer(id="V2")]
    needs = [make_need(id="N2"), make_need(id="N3", start="09:00", end="17:00", role="orderly")]
    return make_dataset(volunteers=volunteers, needs=needs)


def test_one_move_frees_a_volunteer_and_is_spelled_out() -> None:
    dataset = move_case()
    pairs = [("N3", "V2")]
    (candidate,) = suggest(dataset, pairs, "N2").candidates
    assert candidate.volunteer_id == "V2"
    assert [(m.need_id, m.from_volunteer, m.to_volunteer) for m in candidate.moves] == [
        ("N3", "V2", "V1")
    ]
    assert "N3" in candidate.why and "Anna" in candidate.why
    assert breaks_nothing(dataset, applied(pairs, "N2", candidate))


def test_no_move_is_offered_when_nobody_can_take_the_shift_over() -> None:
    dataset = dataclasses.replace(move_case(), volunteers=(make_volunteer(id="V2"),))
    assert suggest(dataset, [("N3", "V2")], "N2").candidates == ()


def test_an_unknown_need_is_refused_by_name() -> None:
    with pytest.raises(InvalidInput) as refused:
        suggest(make_dataset(), [], "N404")
    assert "N404" in str(refused.value.problems[0])


@pytest.fixture(scope="module")
def demo_after_drop_outs():
    """The demo solved, then a fifth of its busy volunteers gone: places to cover."""
    dataset, _ = load_dataset(DEMO)
    result = solve(dataset, Settings(time_limit=60))
    busy = sorted({v for _, v in result.assignments})
    gone = set(busy[::5])
    left = dataset.without_volunteers(gone)
    pairs = [(n, v) for n, v in result.assignments if v not in gone]
    hit = sorted({n for n, v in result.assignments if v in gone})
    return left, pairs, hit


def test_every_suggestion_on_the_demo_passes_the_checker(demo_after_drop_outs) -> None:
    dataset, pairs, hit = demo_after_drop_outs
    tried = 0
    for need_id in hit:
        for candidate in suggest(dataset, pairs, need_id).candidates:
            assert breaks_nothing(dataset, applied(pairs, need_id, candidate)), candidate
            tried += 1
    assert tried > 0


def test_the_command_prints_json(tmp_path: Path) -> None:
    """The demo's roster with one volunteer's shifts taken out: their places are open."""
    dataset, _ = load_dataset(DEMO)
    result = solve(dataset, Settings(time_limit=60))
    out = result.assignments[0][1]
    pairs = [(n, v) for n, v in result.assignments if v != out]
    need_id = next(n for n, v in result.assignments if v == out)
    roster = tmp_path / "roster.xlsx"
    write_roster(dataset, pairs, roster)
    command = ["suggest", str(DEMO), str(roster), "--need", need_id, "--json"]
    done = subprocess.run(
        [sys.executable, "-m", "scheduler", *command],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer == suggest(dataset, pairs, need_id).as_json()
    assert answer["need_id"] == need_id and answer["candidates"]
    assert out in {c["volunteer_id"] for c in answer["candidates"]}
    assert all({"volunteer_id", "moves", "why"} <= set(c) for c in answer["candidates"])


def test_the_reasons_are_said_in_the_readers_language() -> None:
    from scheduler import i18n

    volunteers = [make_volunteer(id="V1"), make_volunteer(id="V2")]
    needs = [make_need(id="N1", count=2), make_need(id="N2", date="2026-03-03")]
    dataset = make_dataset(volunteers=volunteers, needs=needs)
    with i18n.using("ru"):
        (only,) = suggest(dataset, [("N1", "V1"), ("N2", "V2")], "N1").candidates
    assert only.volunteer_id == "V2"
    assert only.why == "свободен(на) в это время; 1,7 км от дома; уже 1 смена на этой неделе"
