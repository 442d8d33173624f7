"""The engine end to end: the demo through the command line, determinism, random small cases.

The property test builds small random datasets straight as domain objects
(every corner the format allows: midnight crossings, 24-hour shifts, weekday
and dated windows, yes and no, missing coordinates, fractional weights) and
asks of every roster what the data contract asks: it breaks no hard rule, as
judged by the independent checker, and its weighted coverage never exceeds
the proven bound reported with it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.checker import check_roster, roster_summary
from scheduler.cli import main
from scheduler.domain import (
    DEFAULT_COVER,
    Availability,
    Credential,
    Dataset,
    Need,
    Priority,
    Rules,
)
from scheduler.engine.eligibility import build_instance
from scheduler.engine.greedy import greedy_part
from scheduler.engine.parts import split_into_parts
from scheduler.engine.results import Settings, SolverName
from scheduler.engine.solver import solve
from scheduler.intake.loading import load_dataset
from scheduler.outputs.roster_reading import Assignment, read_assignments
from tests.factories import HOSPITAL, make_dataset, make_facility, make_volunteer

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
SOLVERS = [s.value for s in SolverName]


def as_roster(pairs) -> list[Assignment]:
    """(need_id, volunteer_id) pairs as roster rows 2, 3, …"""
    return [Assignment(n, v, row) for row, (n, v) in enumerate(pairs, start=2)]


# --- the demo, through the command line -------------------------------------------------


@pytest.mark.parametrize("solver", SOLVERS)
def test_solve_the_demo_and_check_the_roster(solver: str, tmp_path: Path) -> None:
    output = tmp_path / "roster.xlsx"
    runner = CliRunner()
    solved = runner.invoke(
        main,
        ["solve", str(DEMO), "-o", str(output), "--json", "--solver", solver, "--time-limit", "60"],
    )
    assert solved.exit_code == 0, solved.output
    figures = json.loads(solved.stdout)
    assert {"weighted_coverage", "upper_bound", "filled", "demand", "seconds"} <= set(figures)
    assert 0 < figures["weighted_coverage"] <= figures["upper_bound"] + 1e-6
    assert 0 < figures["filled"] <= figures["demand"]

    checked = runner.invoke(main, ["check", str(DEMO), str(output)])
    assert checked.exit_code == 0, checked.output
    dataset, _ = load_dataset(DEMO)
    assignments = read_assignments(output, dataset)
    assert len(assignments) == figures["filled"]
    summary = roster_summary(dataset, assignments)
    assert summary["weighted_coverage"] == pytest.approx(figures["weighted_coverage"])


@pytest.mark.parametrize("solver", SOLVERS)
def test_same_input_and_settings_give_the_same_roster(solver: str) -> None:
    dataset, _ = load_dataset(DEMO)
    chosen = Settings(SolverName(solver), time_limit=60)
    first, second = solve(dataset, chosen), solve(dataset, chosen)
    assert first.assignments == second.assignments
    assert first.weighted_coverage == second.weighted_coverage


# --- small random datasets --------------------------------------------------------------

MONDAY = dt.date(2026, 3, 2)
ROLES = tuple(DEFAULT_COVER)
WEIGHTS = (0.5, 1.0, 2.5, 10.0, 100.0)


def coordinates(draw) -> dict:
    """No coordinates, or a point within about 55 km of the default hospital."""
    if draw(st.booleans()):
        return {"lat": None, "lon": None}
    dlat, dlon = draw(st.integers(-50, 50)), draw(st.integers(-50, 50))
    return {"lat": HOSPITAL[0] + dlat / 100, "lon": HOSPITAL[1] + dlon / 100}


def minute_of_day(draw) -> int:
    return 30 * draw(st.integers(0, 47))


def length(draw) -> int:
    """From half an hour to a whole day (a 24-hour shift or window)."""
    return 30 * draw(st.integers(1, 48))


@st.composite
def datasets(draw) -> Dataset:
    regions = ["north", "south"][: draw(st.integers(1, 2))]
    facilities = [
        make_facility(
            id=f"F{i}",
            name=f"Hospital {i}",
            region=draw(st.sampled_from(regions)),
            **coordinates(draw),
        )
        for i in range(1, draw(st.integers(1, 3)) + 1)
    ]
    volunteers = [volunteer(draw, i, regions) for i in range(1, draw(st.integers(2, 8)) + 1)]
    first = MONDAY + dt.timedelta(days=draw(st.integers(0, 6)))  # any weekday
    needs: dict[tuple, Need] = {}
    for i in range(1, draw(st.integers(1, 8)) + 1):
        need = random_need(draw, i, first, [f.id for f in facilities])
        needs.setdefault(need.key, need)  # the duplicate rule: one need per shift and role
    availability = [
        window(draw, [v.id for v in volunteers]) for _ in range(draw(st.integers(0, 6)))
    ]
    credentials = [
        credential(draw, [v.id for v in volunteers]) for _ in range(draw(st.integers(0, 10)))
    ]
    rest = st.one_of(
        st.integers(0, 24).map(lambda h: h / 2),  # whole and half hours
        st.integers(0, 12_000).map(lambda m: m / 1000),
    )  # and odd fractions
    rules = Rules(
        min_rest_hours=draw(rest),
        max_consecutive_days=draw(st.integers(1, 3)),
        max_distance_km=draw(st.sampled_from([10.0, 30.0, 50.0, 100.0])),
        weight_priority_1=draw(st.sampled_from(WEIGHTS)),
        weight_priority_2=draw(st.sampled_from(WEIGHTS)),
        weight_priority_3=draw(st.sampled_from(WEIGHTS)),
    )
    return make_dataset(
        facilities=facilities,
        volunteers=volunteers,
        needs=needs.values(),
        availability=availability,
        rules=rules,
        credentials=credentials,
    )


def volunteer(draw, i: int, regions: list[str]):
    return make_volunteer(
        id=f"V{i}",
        name=f"Volunteer {i}",
        role=draw(st.sampled_from(ROLES)),
        region=draw(st.sampled_from(regions)),
        **coordinates(draw),
        max_shifts_per_week=draw(st.integers(0, 5)),
        max_hours_per_week=draw(st.sampled_from([None, None, 4.0, 8.0, 12.5, 16.0, 24.0, 40.0])),
        max_distance_km=draw(st.sampled_from([None, None, 5.0, 20.0, 40.0, 80.0])),
    )


def random_need(draw, i: int, first: dt.date, facility_ids: list[str]) -> Need:
    """A need within five days of `first`: dense enough for rest and run rules to bite."""
    date = first + dt.timedelta(days=draw(st.integers(0, 4)))
    start = dt.datetime.combine(date, dt.time()) + dt.timedelta(minutes=minute_of_day(draw))
    return Need(
        id=f"N{i}",
        facility_id=draw(st.sampled_from(facility_ids)),
        date=date,
        start=start,
        end=start + dt.timedelta(minutes=length(draw)),
        role=draw(st.sampled_from(ROLES)),
        count=draw(st.integers(1, 3)),
        priority=Priority(draw(st.integers(1, 3))),
        requires=draw(st.sampled_from([(), (), (), (PCR,), (PCR, TRAINING)])),
    )


PCR, TRAINING = "pcr_test", "red_zone_training"


def credential(draw, volunteer_ids: list[str]) -> Credential:
    """A test or training valid around the needs' days: some end inside them, some start."""
    since = draw(st.one_of(st.none(), st.integers(-3, 8)))
    until = draw(st.one_of(st.none(), st.integers(0, 6)))
    first = None if since is None else MONDAY + dt.timedelta(days=since)
    last = None if until is None else (first or MONDAY) + dt.timedelta(days=until)
    return Credential(
        draw(st.sampled_from(volunteer_ids)), draw(st.sampled_from([PCR, TRAINING])), first, last
    )


def window(draw, volunteer_ids: list[str]) -> Availability:
    first = minute_of_day(draw)
    when = draw(
        st.one_of(
            st.integers(0, 6).map(lambda d: {"weekday": d}),
            st.integers(-1, 10).map(lambda d: {"date": MONDAY + dt.timedelta(days=d)}),
        )
    )
    return Availability(
        draw(st.sampled_from(volunteer_ids)),
        first,
        first + length(draw),
        available=draw(st.booleans()),
        **when,
    )


def greedy_roster(dataset: Dataset) -> list[tuple[str, str]]:
    """The careful coordinator's roster of the whole dataset (another valid roster)."""
    pairs = []
    for part in split_into_parts(dataset, build_instance(dataset)):
        for k in np.flatnonzero(greedy_part(part)):
            need = dataset.needs[part.need[part.pair_need[k]]]
            person = dataset.volunteers[part.volunteer[part.pair_volunteer[k]]]
            pairs.append((need.id, person.id))
    return pairs


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(dataset=datasets())
def test_every_roster_is_valid_and_within_the_bound(dataset: Dataset) -> None:
    results = {s: solve(dataset, Settings(s, time_limit=30)) for s in SolverName}
    bound = min(r.upper_bound for r in results.values())  # each is proven: the least holds
    for result in results.values():
        roster = as_roster(result.assignments)
        assert check_roster(dataset, roster) == []
        assert roster_summary(dataset, roster)["weighted_coverage"] == pytest.approx(
            result.weighted_coverage
        )
        assert result.weighted_coverage <= bound + 1e-6
    greedy = as_roster(greedy_roster(dataset))
    assert check_roster(dataset, greedy) == []
    assert roster_summary(dataset, greedy)["weighted_coverage"] <= bound + 1e-6


def test_an_unwritable_roster_path_is_a_message_not_a_traceback(tmp_path) -> None:
    from click.testing import CliRunner

    from scheduler.cli import main

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    demo = Path(__file__).parent.parent / "data" / "demo"
    result = CliRunner().invoke(main, ["solve", str(demo), "-o", str(blocker / "r.xlsx")])
    assert result.exit_code == 1
    assert "the roster cannot be written" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
