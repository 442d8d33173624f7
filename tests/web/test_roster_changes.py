"""The list of people to call: a shift taken and one given on the same day is one move."""

from __future__ import annotations

from types import SimpleNamespace

from tests.factories import make_dataset, make_need, make_volunteer
from web.roster_changes import diff

NEEDS = [
    make_need(id="MON-DAY"),
    make_need(id="MON-NIGHT", start="20:00", end="08:00"),
    make_need(id="TUE-DAY", date="2026-03-03"),
    make_need(id="WED-DAY", date="2026-03-04"),
]
DATASET = make_dataset(
    volunteers=[make_volunteer(), make_volunteer(id="V2", name="Boris")], needs=NEEDS
)


def test_a_shift_moved_within_a_day_is_one_move_not_an_add_and_a_remove(app) -> None:
    before = [("MON-DAY", "V1"), ("TUE-DAY", "V1"), ("WED-DAY", "V2")]
    after = [("MON-NIGHT", "V1"), ("WED-DAY", "V1")]
    with app.test_request_context():
        found = diff(DATASET, before, after)
        [anna, boris] = found.people
        assert [(m.before.need.id, m.after.need.id) for m in anna.moved] == [
            ("MON-DAY", "MON-NIGHT")
        ]
        assert [s.need.id for s in anna.added] == ["WED-DAY"]
        assert [s.need.id for s in anna.removed] == ["TUE-DAY"]
        assert str(anna.moved[0]).count("→") == 1
        assert (boris.added, boris.moved, [s.need.id for s in boris.removed]) == (
            [],
            [],
            ["WED-DAY"],
        )
        assert (found.added, found.moved, found.removed) == (1, 1, 2)


def test_the_list_of_changes_names_the_moves_in_russian(app) -> None:
    roster = SimpleNamespace(id=1)
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        changes = diff(DATASET, [("MON-DAY", "V1")], [("MON-NIGHT", "V1")])
        change_list = app.jinja_env.get_template("publishing/_changes.html").module.change_list
        listed = str(change_list(changes, roster))
    assert "Смены перенесены" in listed
    assert listed.count('<li class="moved">') == 1
