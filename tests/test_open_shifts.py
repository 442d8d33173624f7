"""Open shifts for one volunteer: only places they may take under every hard rule."""

from __future__ import annotations

from scheduler.outputs.open_shifts import open_shifts
from tests.factories import make_dataset, make_need, make_volunteer

FAR = (55.9, 37.9)


def test_open_places_the_rules_allow_nearest_first() -> None:
    needs = [
        make_need(id="FULL"),  # V2 holds its one place
        make_need(id="OPEN", count=2, date="2026-03-03"),
        make_need(id="CLASH", start="10:00", end="18:00", date="2026-03-04"),
        make_need(id="MINE", start="09:00", end="17:00", date="2026-03-04"),
        make_need(id="DOCTOR", role="doctor", date="2026-03-05"),
    ]
    volunteers = [make_volunteer(), make_volunteer(id="V2")]
    dataset = make_dataset(volunteers=volunteers, needs=needs)
    held = [("FULL", "V2"), ("MINE", "V1")]
    found = open_shifts(dataset, held, "V1", [n.id for n in needs])
    assert [(o.need_id, o.open) for o in found] == [("OPEN", 2)]  # CLASH overlaps MINE


def test_a_declined_pair_and_an_unknown_volunteer_are_never_offered() -> None:
    dataset = make_dataset(needs=[make_need(count=2)])
    assert open_shifts(dataset, [], "V1", ["N1"], declined=[("N1", "V1")]) == []
    assert open_shifts(dataset, [], "V9", ["N1"]) == []
    assert [o.need_id for o in open_shifts(dataset, [], "V1", ["N1", "N9"])] == ["N1"]


def test_nearer_facilities_come_first() -> None:
    from tests.factories import make_facility

    facilities = [make_facility(), make_facility(id="F2", name="Far", lat=FAR[0], lon=FAR[1])]
    needs = [make_need(id="FAR", facility_id="F2"), make_need(id="NEAR", date="2026-03-03")]
    dataset = make_dataset(facilities=facilities, needs=needs, rules={"max_distance_km": 100})
    found = open_shifts(dataset, [], "V1", ["FAR", "NEAR"])
    assert [o.need_id for o in found] == ["NEAR", "FAR"]
    assert found[0].km is not None and found[0].km < found[1].km
