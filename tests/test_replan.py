"""Re-planning against a roster: pins kept, the frozen untouched, nobody moved for nothing.

Weights are the defaults (critical 100, normal 10, low 1) and the keep
weight 1 unless a test says otherwise: a kept assignment is worth its
place's weight once more, so it is only moved when that fills places
weighing more than twice what it held. 2026-03-02 is a Monday.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from scheduler.checker import check_roster
from scheduler.domain import Dataset, Priority
from scheduler.engine.baseline import Baseline
from scheduler.engine.results import Settings, SolveResult
from scheduler.engine.solver import solve
from scheduler.outputs.roster_reading import Assignment
from tests.factories import make_dataset, make_facility, make_need, make_volunteer, make_window

SETTINGS = Settings(time_limit=30)


def replanned(dataset: Dataset, baseline: Baseline) -> SolveResult:
    result = solve(dataset, SETTINGS, baseline=baseline)
    rows = [Assignment(n, v, row) for row, (n, v) in enumerate(result.assignments, 2)]
    assert check_roster(dataset, rows) == []
    assert result.weighted_coverage <= result.upper_bound + 1e-6
    return result


def tempted() -> Dataset:
    """V1 holds normal N1; a critical N2 that clashes with it is new, and only V1 may take it
    (V2 is an orderly); V2 could hold N1 instead only as an orderly... it cannot: N1 is a
    nurse's place. So taking N2 means leaving N1 open."""
    needs = [
        make_need(id="N1", priority=Priority.NORMAL),
        make_need(id="N2", start="09:00", end="17:00", priority=Priority.CRITICAL),
    ]
    volunteers = [make_volunteer(id="V1"), make_volunteer(id="V2", role="orderly")]
    return make_dataset(volunteers=volunteers, needs=needs)


def test_a_fresh_solve_takes_the_heavier_place() -> None:
    assert set(solve(tempted(), SETTINGS).assignments) == {("N2", "V1")}


def test_a_baseline_assignment_moves_when_the_place_weighs_more_than_twice() -> None:
    result = replanned(tempted(), Baseline((("N1", "V1"),)))
    assert set(result.assignments) == {("N2", "V1")}  # 100 > 2 x 10
    assert result.replan is not None
    assert (result.replan.kept, result.replan.added, result.replan.removed) == (0, 1, 1)
    assert result.replan.changed_volunteers == 1


def test_the_trade_is_settable_a_heavy_keep_weight_holds_the_place() -> None:
    result = replanned(tempted(), Baseline((("N1", "V1"),), keep_weight=10))
    assert set(result.assignments) == {("N1", "V1")}  # 100 < 11 x 10


def test_a_pin_is_kept_against_a_better_alternative() -> None:
    pin = ("N1", "V1")
    result = replanned(tempted(), Baseline((pin,), pinned=frozenset([pin])))
    assert set(result.assignments) == {pin}
    assert result.replan is not None and result.replan.notes == ()


def test_nothing_that_starts_before_the_freeze_moves() -> None:
    freeze = dt.datetime(2026, 3, 2, 8, 30)  # N1 has started, N2 not yet
    result = replanned(tempted(), Baseline((("N1", "V1"),), freeze_before=freeze))
    assert set(result.assignments) == {("N1", "V1")}


def test_the_freeze_is_an_instant_read_in_each_facilitys_zone() -> None:
    """N1 starts at 08:00 in Vladivostok, 01:00 in Moscow: frozen at 01:30 Moscow time,
    though its wall clock (08:00) is after that freeze's (01:30)."""
    vladivostok = make_facility(timezone="Asia/Vladivostok")
    dataset = dataclasses.replace(tempted(), facilities=(vladivostok,))
    freeze = dt.datetime(2026, 3, 2, 1, 30, tzinfo=ZoneInfo("Europe/Moscow"))
    result = replanned(dataset, Baseline((("N1", "V1"),), freeze_before=freeze))
    assert set(result.assignments) == {("N1", "V1")}
    baseline = Baseline((), freeze_before=freeze)
    n1, n2 = dataset.needs
    assert baseline.frozen(n1, vladivostok) and not baseline.frozen(n2, vladivostok)
    assert not baseline.frozen(n1, make_facility())  # 08:00 in Moscow: after the freeze
    assert Baseline((), freeze_before=freeze, zone="Asia/Vladivostok").frozen(n1, make_facility())
    wall_clock = Baseline((), freeze_before=freeze.replace(tzinfo=None))
    assert not wall_clock.frozen(n1, vladivostok)  # naive: wall clocks compared as written


def test_a_declined_shift_is_not_given_back_and_nothing_else_is_barred() -> None:
    """V1 declined N1; N2 at the same hours elsewhere is still theirs to take."""
    needs = [make_need(id="N1"), make_need(id="N2", facility_id="F2")]
    facilities = [make_facility(), make_facility(id="F2", name="Clinic")]
    dataset = make_dataset(facilities=facilities, needs=needs)
    declined = frozenset([("N1", "V1")])
    result = replanned(dataset, Baseline((("N1", "V1"),), declined=declined))
    assert set(result.assignments) == {("N2", "V1")}


def test_an_open_place_before_the_freeze_may_still_be_filled() -> None:
    needs = [make_need(id="N1", count=2)]
    volunteers = [make_volunteer(id="V1"), make_volunteer(id="V2")]
    dataset = make_dataset(volunteers=volunteers, needs=needs)
    freeze = dt.datetime(2026, 3, 2, 12, 0)
    result = replanned(dataset, Baseline((("N1", "V1"),), freeze_before=freeze))
    assert set(result.assignments) == {("N1", "V1"), ("N1", "V2")}


def test_a_baseline_assignment_is_kept_when_moving_it_gains_nothing() -> None:
    """V2 lives nearer, so a fresh solve (its polish) gives N1 to V2; the baseline had V1."""
    volunteers = [make_volunteer(id="V1"), make_volunteer(id="V2", lat=55.7501, lon=37.6201)]
    dataset = make_dataset(volunteers=volunteers, needs=[make_need(id="N1")])
    assert set(solve(dataset, SETTINGS).assignments) == {("N1", "V2")}
    result = replanned(dataset, Baseline((("N1", "V1"),)))
    assert set(result.assignments) == {("N1", "V1")}
    assert result.replan is not None and result.replan.changed_volunteers == 0


@pytest.mark.parametrize(
    ("pin", "gone", "words"),
    [
        (("N9", "V1"), {}, "the need is no longer in the input"),
        (("N1", "V9"), {}, "the volunteer is no longer in the input"),
        (("N1", "V2"), {}, "no longer allow this shift"),  # an orderly on a nurse's place
    ],
)
def test_a_pin_made_impossible_is_reported_in_words(pin, gone, words) -> None:
    result = replanned(tempted(), Baseline((pin,), pinned=frozenset([pin])))
    assert result.replan is not None
    (note,) = result.replan.notes
    assert (
        note.startswith(f"pinned assignment {pin[0]} / {pin[1]} cannot be kept") and words in note
    )
    assert pin not in set(result.assignments)


def test_two_pins_that_now_clash_keep_one_and_report_the_other() -> None:
    """The rest rule was raised since: N1 and N3 are now too close for one volunteer."""
    needs = [make_need(id="N1"), make_need(id="N3", start="20:00", end="23:00")]
    dataset = make_dataset(needs=needs, rules={"min_rest_hours": 6})
    pins = (("N1", "V1"), ("N3", "V1"))
    result = replanned(dataset, Baseline(pins, pinned=frozenset(pins)))
    assert set(result.assignments) == {("N1", "V1")}
    assert result.replan is not None
    (note,) = result.replan.notes
    assert "N3 / V1" in note and "rest" in note


def test_a_need_asking_for_fewer_than_are_frozen_on_it_says_so() -> None:
    needs = [make_need(id="N1", count=1)]
    volunteers = [make_volunteer(id="V1"), make_volunteer(id="V2")]
    dataset = make_dataset(volunteers=volunteers, needs=needs)
    freeze = dt.datetime(2026, 3, 3)
    result = replanned(dataset, Baseline((("N1", "V1"), ("N1", "V2")), freeze_before=freeze))
    assert len(result.assignments) == 1
    assert result.replan is not None
    (note,) = result.replan.notes
    assert "fewer people" in note


def test_the_bound_is_on_coverage_alone() -> None:
    """The objective rewards kept assignments; the bound reported is still coverage's own."""
    dataset = tempted()
    fresh = solve(dataset, SETTINGS)
    result = replanned(dataset, Baseline((("N1", "V1"),), keep_weight=10))
    assert result.upper_bound == fresh.upper_bound == 100
    assert result.weighted_coverage == 10


def test_a_note_is_said_in_the_readers_language() -> None:
    from scheduler import i18n

    pin = ("N1", "V9")
    with i18n.using("ru"):
        result = replanned(tempted(), Baseline((pin,), pinned=frozenset([pin])))
    assert result.replan is not None
    assert result.replan.notes == (
        "закреплённое назначение N1 / V9 нельзя сохранить: этого волонтёра больше нет во "
        "входных данных",
    )


def test_a_new_place_goes_to_someone_who_changes_anyway() -> None:
    """V1 held N1 and N4, too close together now that more rest is asked: V1 changes
    anyway. A new N2 could go to V1 or to V2, who is away on Monday and has nothing. Fair
    load alone gives it to V2, and two people change; fewer people to tell comes first."""
    needs = [
        make_need(id="N1"),
        make_need(id="N4", start="20:00", end="23:00"),
        make_need(id="N2", date="2026-03-04"),
    ]
    volunteers = [make_volunteer(id="V1"), make_volunteer(id="V2", name="Boris")]
    away = [make_window("Mon", "00:00", "00:00", False, volunteer_id="V2")]
    dataset = make_dataset(
        volunteers=volunteers, needs=needs, availability=away, rules={"min_rest_hours": 6}
    )
    assert ("N2", "V2") in solve(dataset, SETTINGS).assignments  # fair load, no baseline
    result = replanned(dataset, Baseline((("N1", "V1"), ("N4", "V1"))))
    assert ("N2", "V1") in result.assignments and len(result.assignments) == 2
    assert result.replan is not None and result.replan.changed_volunteers == 1
