"""`flask load-data` on a database with accounts: links by id survive, or nothing is loaded.

Reloading used to delete every volunteer and insert them again, so each
volunteer account's link (ON DELETE SET NULL) was silently dropped, and a
facility the new data lacked took its hospital staff's link with it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
from sqlalchemy import func, select

from tests.web.conftest import DEMO, Accounts
from web.models import AuditEntry, Facility, User, Volunteer, db


def load(app, runner, *args: str):
    with app.app_context():  # as `flask --app web load-data` runs it
        return runner.invoke(args=list(args))


def links(app) -> dict[str, object]:
    with app.app_context():
        users = db.session.scalars(select(User)).all()
        return {u.email: (u.volunteer_id, sorted(f.id for f in u.facilities)) for u in users}


def demo_copy(tmp_path: Path, edit=None) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(DEMO, folder)
    if edit:
        edit(folder)
    return folder


def edit_csv(folder: Path, sheet: str, change) -> None:
    path = folder / f"{sheet}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(frame).to_csv(path, index=False)


def test_reloading_the_same_data_keeps_every_account_linked(app, runner, demo) -> None:
    before = links(app)
    result = load(app, runner, "load-data", str(DEMO))
    assert result.exit_code == 0, result.output
    assert links(app) == before
    assert before[Accounts.volunteer][0] == demo["volunteer"]


def test_a_renamed_facility_keeps_its_staff_and_says_so(app, runner, demo, tmp_path) -> None:
    def rename(frame):
        frame.loc[frame.facility_id == demo["facility"], "name"] = "Renamed Hospital"
        return frame

    folder = demo_copy(tmp_path, lambda f: edit_csv(f, "facilities", rename))
    before = links(app)
    result = load(app, runner, "load-data", str(folder))
    assert result.exit_code == 0, result.output
    assert links(app) == before
    assert (
        f"note: {Accounts.hospital} stays linked to facility {demo['facility']}, "
        "now named 'Renamed Hospital'"
    ) in result.output


def test_data_without_a_linked_volunteer_is_not_loaded(app, runner, demo, tmp_path) -> None:
    gone = demo["volunteer"]
    folder = demo_copy(
        tmp_path,
        lambda f: (
            edit_csv(f, "volunteers", lambda v: v[v.volunteer_id != gone]),
            edit_csv(f, "availability", lambda a: a[a.volunteer_id != gone]),
            edit_csv(f, "credentials", lambda c: c[c.volunteer_id != gone]),
        ),
    )
    before = links(app)
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(Volunteer))
    result = load(app, runner, "load-data", str(folder))
    assert result.exit_code == 1
    assert f"{Accounts.volunteer} is linked to volunteer {gone} (" in result.output
    assert "Nothing was loaded" in result.output
    assert links(app) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Volunteer)) == stored

    result = load(app, runner, "load-data", str(folder), "--unlink")
    assert result.exit_code == 0, result.output
    after = links(app)
    assert after[Accounts.volunteer] == (None, [])
    assert after[Accounts.other_volunteer] == before[Accounts.other_volunteer]
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "load")).one()
        assert entry.detail["unlinked"] == [f"{Accounts.volunteer}: volunteer {gone}"]


def test_data_without_a_staffed_facility_is_not_loaded(app, runner, demo, tmp_path) -> None:
    gone = demo["facility"]
    folder = demo_copy(
        tmp_path,
        lambda f: (
            edit_csv(f, "facilities", lambda x: x[x.facility_id != gone]),
            edit_csv(f, "needs", lambda n: n[n.facility_id != gone]),
            edit_csv(
                f,
                "volunteers",
                lambda v: v.assign(
                    preferred_facilities=v.preferred_facilities.str.replace(gone, "")
                    .str.replace(";;", ";")
                    .str.strip(";")
                ),
            ),
        ),
    )
    result = load(app, runner, "load-data", str(folder))
    assert result.exit_code == 1, result.output
    assert f"{Accounts.hospital} is linked to facility {gone} (" in result.output
    with app.app_context():
        assert db.session.get(Facility, gone) is not None
