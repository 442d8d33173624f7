"""Credentials one at a time: recorded by a coordinator with evidence, sent by a volunteer and
verified or refused, withdrawn; and the roster kept to rule 8 when a need asks for more or a
credential goes. With a real SMTP server for what people are told."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from tests.web import mail
from tests.web.conftest import Accounts, csrf_token, login
from tests.web.mail import address, text_of
from tests.web.races import at_once
from tests.web.test_coordination import text, upload, workbook
from tests.web.test_i18n import choose
from tests.web.test_notices import crowded_need, edit
from tests.web.test_publishing import published_pairs
from tests.web.test_schedule import at
from web import models as m
from web import schedule, store
from web.models import db

mailbox = mail.mailbox
addressed = mail.addressed

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PAGE = b"<html><script>alert(1)</script></html>"


@pytest.fixture
def app_config(mailbox, tmp_path) -> dict:
    return mail.mail_settings(mailbox) | {"EVIDENCE_FOLDER": str(tmp_path / "evidence")}


@pytest.fixture(autouse=True)
def before_the_demo_week(monkeypatch) -> None:
    monkeypatch.setattr(schedule, "now", lambda: at(2020, 5, 1, 12))


def form(client, page: str, file: bytes | None = None, **values) -> dict:
    data = {"csrf_token": csrf_token(client, page), "credential": "PCR test"} | values
    if file is not None:
        data["evidence"] = (io.BytesIO(file), "scan.pdf")
    return {"data": data, "content_type": "multipart/form-data"}


def rows_of(app, volunteer_id: str) -> list[m.Credential]:
    with app.app_context():
        found = db.session.scalars(
            select(m.Credential).where(m.Credential.volunteer_id == volunteer_id)
        ).all()
        db.session.expunge_all()
        return list(found)


def clear(app, volunteer_id: str) -> None:
    with app.app_context():
        db.session.execute(delete(m.Credential).where(m.Credential.volunteer_id == volunteer_id))
        db.session.commit()


def region_of(demo, volunteer_id: str) -> str:
    return demo["dataset"].volunteer_by_id[volunteer_id].region


def test_a_coordinator_records_one_with_its_evidence_and_it_counts_at_once(app, client, demo):
    named = demo["volunteer"]
    clear(app, named)
    login(client, Accounts.national)
    page = f"/volunteers/{named}/credentials"
    sent = form(client, page, PDF, valid_from="2020-05-10", valid_until="17.05.2020")
    assert client.post(page, **sent).status_code == 303
    (row,) = rows_of(app, named)
    assert (row.credential, row.valid_from, row.valid_until) == (
        "pcr_test",
        dt.date(2020, 5, 10),
        dt.date(2020, 5, 17),
    )
    assert row.verified_at is not None and row.evidence_type == "application/pdf"
    with app.app_context():
        assert any(c.volunteer_id == named for c in store.load().credentials)
    with client.get(f"/credentials/{row.id}/evidence") as shown:
        assert shown.status_code == 200 and shown.data == PDF
        assert shown.headers["Content-Type"] == "application/pdf"
        assert "no-store" in shown.headers["Cache-Control"]
    # the volunteer sees their own file; nobody else outside the region does
    owner = app.test_client()
    login(owner, Accounts.volunteer)
    with owner.get(f"/credentials/{row.id}/evidence") as mine:
        assert mine.data == PDF
    other = app.test_client()
    login(other, Accounts.other_volunteer)
    assert other.get(f"/credentials/{row.id}/evidence").status_code == 404
    outsider = app.test_client()
    regions = {demo["region"], demo["other_region"]}
    login(
        outsider,
        Accounts.other_regional if region_of(demo, named) == demo["region"] else Accounts.regional,
    )
    assert region_of(demo, named) in regions
    assert outsider.get(f"/credentials/{row.id}/evidence").status_code == 404
    assert outsider.get(page).status_code == 404
    hospital = app.test_client()
    login(hospital, Accounts.hospital)
    assert hospital.get(f"/credentials/{row.id}/evidence").status_code == 403
    assert hospital.get("/credentials").status_code == 403


def test_a_bad_day_or_file_is_named_in_words_and_nothing_is_kept(app, client, demo, tmp_path):
    named = demo["volunteer"]
    before = rows_of(app, named)
    login(client, Accounts.national)
    page = f"/volunteers/{named}/credentials"
    answer = client.post(page, **form(client, page, PDF, valid_until="31.02.2020"))
    assert answer.status_code == 400
    assert "Type a day, e.g. 2026-05-25, or leave it empty." in answer.get_data(as_text=True)
    answer = client.post(
        page, **form(client, page, PDF, valid_from="2020-05-10", valid_until="2020-05-01")
    )
    assert answer.status_code == 400
    assert "is before “Valid from” 2020-05-10" in answer.get_data(as_text=True)
    answer = client.post(page, **form(client, page, PAGE))
    assert answer.status_code == 400
    assert "Send a PDF or a photo" in answer.get_data(as_text=True)
    answer = client.post(page, **form(client, page, PDF, credential=""))
    assert answer.status_code == 400
    assert [r.id for r in rows_of(app, named)] == [r.id for r in before]
    assert not list((tmp_path / "evidence").glob("*"))


def test_a_volunteer_sends_one_and_it_counts_only_once_verified(app, client, demo, mailbox):
    named = demo["volunteer"]
    clear(app, named)
    volunteer = app.test_client()
    login(volunteer, Accounts.volunteer)
    page = "/my/credentials"
    assert volunteer.post(page, **form(volunteer, page)).status_code == 400  # no evidence
    assert (
        volunteer.post(page, **form(volunteer, page, PDF, valid_until="2020-05-20")).status_code
        == 303
    )
    (row,) = rows_of(app, named)
    assert row.verified_at is None
    with app.app_context():
        assert not any(c.volunteer_id == named for c in store.load().credentials)
    # the coordinators of their region see it waiting; the other region's do not
    mine = (
        Accounts.regional if region_of(demo, named) == demo["region"] else Accounts.other_regional
    )
    theirs = Accounts.other_regional if mine == Accounts.regional else Accounts.regional
    login(client, mine)
    assert (
        "PCR test".lower().replace(" ", " ")
        in client.get("/credentials").get_data(as_text=True).lower()
    )
    outsider = app.test_client()
    login(outsider, theirs)
    assert f"credentials/{row.id}/verify" not in outsider.get("/credentials").get_data(as_text=True)
    assert (
        outsider.post(
            f"/credentials/{row.id}/verify",
            data={"csrf_token": csrf_token(outsider, "/credentials")},
        ).status_code
        == 404
    )
    token = csrf_token(client, "/credentials")
    assert (
        client.post(f"/credentials/{row.id}/verify", data={"csrf_token": token}).status_code == 303
    )
    (row,) = rows_of(app, named)
    assert row.verified_at is not None
    with app.app_context():
        assert any(c.volunteer_id == named for c in store.load().credentials)
    again = client.post(
        f"/credentials/{row.id}/verify", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Someone has already dealt with this credential." in again.get_data(as_text=True)
    # a checked one cannot be taken back by the volunteer
    back = volunteer.post(
        f"/my/credentials/{row.id}/withdraw", data={"csrf_token": csrf_token(volunteer, page)}
    )
    assert back.status_code == 303 and len(rows_of(app, named)) == 1


def test_a_refused_one_is_gone_with_its_file_and_the_volunteer_is_told_why(
    app, client, addressed, mailbox, tmp_path
):
    named = addressed["volunteer"]
    clear(app, named)
    volunteer = app.test_client()
    login(volunteer, Accounts.volunteer)
    assert (
        volunteer.post("/my/credentials", **form(volunteer, "/my/credentials", PDF)).status_code
        == 303
    )
    (row,) = rows_of(app, named)
    assert len(list((tmp_path / "evidence").glob("*"))) == 1
    login(client, Accounts.national)
    token = csrf_token(client, "/credentials")
    empty = client.post(f"/credentials/{row.id}/refuse", data={"csrf_token": token, "reason": ""})
    assert empty.status_code == 303 and len(rows_of(app, named)) == 1
    why = "The photo is blurred: the date cannot be read."
    answer = client.post(f"/credentials/{row.id}/refuse", data={"csrf_token": token, "reason": why})
    assert answer.status_code == 303
    assert rows_of(app, named) == []
    assert not list((tmp_path / "evidence").glob("*"))
    assert mailbox.to() == [address(named)]
    assert why in text_of(mailbox.messages[0]) and "pcr test" in text_of(mailbox.messages[0])


@pytest.mark.parametrize("second", ["verify", "refuse"])
def test_two_coordinators_deciding_one_credential_at_once_one_decides(app, demo, second):
    named = demo["volunteer"]
    clear(app, named)
    with app.app_context():
        row = m.Credential(volunteer_id=named, credential="pcr_test")
        db.session.add(row)
        db.session.commit()
        credential_id = row.id
    mine = (
        Accounts.regional if region_of(demo, named) == demo["region"] else Accounts.other_regional
    )
    deciders = []
    for email, action in ((Accounts.national, "verify"), (mine, second)):
        client = app.test_client()
        login(client, email)
        data = {"csrf_token": csrf_token(client, "/credentials"), "reason": "unreadable"}
        deciders.append((client, action, data))
    answers = at_once(
        *(
            lambda c=c, a=a, d=d: c.post(f"/credentials/{credential_id}/{a}", data=d).status_code
            for c, a, d in deciders
        )
    )
    assert answers == [303, 303]
    with app.app_context():
        decided = db.session.scalars(
            select(m.AuditEntry.action).where(m.AuditEntry.entity == "credential")
        ).all()
    assert len(decided) == 1
    left = rows_of(app, named)
    assert (decided == ["verify"]) == (len(left) == 1 and left[0].verified_at is not None)
    assert (decided == ["refuse"]) == (left == [])


def test_a_need_that_asks_for_a_credential_keeps_only_its_holders(app, client, addressed, mailbox):
    need, people = crowded_need(addressed)
    holder, *others = people
    for v in people:
        clear(app, v)
    with app.app_context():
        db.session.add(
            m.Credential(
                volunteer_id=holder,
                credential="pcr_test",
                valid_from=need.date,
                valid_until=need.date + dt.timedelta(days=1),
                verified_at=m.utcnow(),
            )
        )
        db.session.add(m.Credential(volunteer_id=others[0], credential="pcr_test"))  # unverified
        db.session.commit()
    login(client, Accounts.hospital)
    assert edit(client, need, requires="pcr_test") == 302
    assert {v for n, v in published_pairs(app)[1] if n == need.id} == {holder}
    assert mailbox.to() == sorted(address(v) for v in others)
    for message in mailbox.messages:
        assert "This shift now asks for pcr test" in text_of(message)


def test_a_withdrawn_credential_takes_its_holder_off_the_shifts_that_need_it(
    app, client, addressed, mailbox
):
    need, people = crowded_need(addressed)
    holder = people[0]
    clear(app, holder)
    with app.app_context():
        row = m.Credential(volunteer_id=holder, credential="pcr_test", verified_at=m.utcnow())
        db.session.add(row)
        db.session.get(m.Need, need.id).requires = "pcr_test"
        db.session.commit()
        credential_id = row.id
    login(client, Accounts.national)
    page = f"/volunteers/{holder}/credentials"
    answer = client.post(
        f"/credentials/{credential_id}/withdraw",
        data={"csrf_token": csrf_token(client, page), "back": "volunteer"},
        follow_redirects=True,
    )
    assert "off 1 published shift(s) that required it" in answer.get_data(as_text=True)
    assert holder not in {v for n, v in published_pairs(app)[1] if n == need.id}
    assert mailbox.to() == [address(holder)]
    assert "Your pcr test is no longer on record as valid" in text_of(mailbox.messages[0])
    with app.app_context():
        (entry,) = db.session.scalars(
            select(m.AuditEntry).where(m.AuditEntry.entity == "credential")
        ).all()
        assert entry.action == "withdraw" and entry.detail["taken_off"] == 1


def test_the_form_speaks_russian_with_its_own_labels_and_dates(app, client, demo):
    named = demo["volunteer"]
    login(client, Accounts.national)
    page = f"/volunteers/{named}/credentials"
    choose(client, "ru", page)
    said = client.post(page, **form(client, page, PDF, credential="")).get_data(as_text=True)
    assert "в столбце «Допуск» пусто" in said
    backwards = form(client, page, PDF, valid_from="24.05.2020", valid_until="18.05.2020")
    said = client.post(page, **backwards).get_data(as_text=True)
    assert "«Действует по» 18.05.2020 раньше «Действует с» 24.05.2020" in said
    impossible = form(client, page, PDF, valid_until="31.02.2020")
    said = client.post(page, **impossible).get_data(as_text=True)
    assert "Введите дату, например 25.05.2026, или оставьте поле пустым." in said


def test_a_draft_solved_before_a_credential_went_does_not_send_its_holder(app, client, demo):
    """The draft was solved while the volunteer held the test; it is withdrawn before the draft
    is published: the published roster leaves them off that shift, keeps everyone else."""
    from tests.web.test_publishing import make_draft, publish

    need, people = crowded_need(demo)
    holder = people[0]
    clear(app, holder)
    with app.app_context():
        db.session.get(m.Need, need.id).requires = "pcr_test"
        for v in people:
            db.session.add(
                m.Credential(volunteer_id=v, credential="pcr_test", verified_at=m.utcnow())
            )
        db.session.commit()
        pairs = set(store.roster_assignments(store.published().id))
    elsewhere = next(p for p in sorted(pairs) if p[0] != need.id)
    draft = make_draft(app, pairs - {elsewhere})  # a draft that changes something elsewhere
    with app.app_context():  # then the holder's test is withdrawn (straight in the table)
        db.session.execute(delete(m.Credential).where(m.Credential.volunteer_id == holder))
        db.session.commit()
    login(client, Accounts.national)
    publish(client, draft)
    now = published_pairs(app)[1]
    assert (need.id, holder) not in now
    assert {(need.id, v) for v in people[1:]} <= now


def test_a_click_on_a_credential_since_replaced_under_its_id_changes_nothing(app, demo):
    """SQLite gives a deleted row's id to the next: a stale page's button must not verify a
    document its coordinator never opened."""
    named = demo["volunteer"]
    clear(app, named)
    with app.app_context():
        first = m.Credential(volunteer_id=named, credential="pcr_test", recorded_at=m.utcnow())
        db.session.add(first)
        db.session.commit()
        shown, seen = first.id, first.recorded_at.isoformat()
        db.session.delete(first)
        db.session.commit()
        second = m.Credential(
            volunteer_id=named, credential="pcr_test", recorded_at=m.utcnow() + dt.timedelta(1)
        )
        db.session.add(second)
        db.session.commit()
    national = app.test_client()
    login(national, Accounts.national)
    data = {"csrf_token": csrf_token(national, "/credentials"), "seen": seen}
    answer = national.post(f"/credentials/{shown}/verify", data=data, follow_redirects=True)
    assert "Someone has already dealt with this credential." in answer.get_data(as_text=True)
    assert [r.verified_at for r in rows_of(app, named)] == [None]


def test_an_uploaded_sheet_keeps_what_volunteers_sent_and_drops_the_files_it_replaces(
    app, client, demo
):
    """A credentials sheet replaces the verified credentials of those it names; one a volunteer
    sent, still waiting for review, stays waiting with its file; replaced files are removed."""
    named = demo["volunteer"]
    clear(app, named)
    volunteer = app.test_client()
    login(volunteer, Accounts.volunteer)
    page = "/my/credentials"
    assert volunteer.post(page, **form(volunteer, page, PDF)).status_code == 303
    login(client, Accounts.national)
    mine = f"/volunteers/{named}/credentials"
    values = {"credential": "red zone training"}
    assert client.post(mine, **form(client, mine, PDF, **values)).status_code == 303
    waiting, verified = sorted(rows_of(app, named), key=lambda c: c.verified_at is not None)
    assert waiting.verified_at is None and verified.verified_at is not None
    folder = app.config["EVIDENCE_FOLDER"]
    sheet = [{"volunteer_id": named, "credential": "first aid"}]
    response = upload(client, workbook({"credentials": sheet}), "credentials.xlsx")
    assert response.status_code == 302
    assert "waiting for review stay waiting" in text(client.get("/volunteers"))
    after = rows_of(app, named)
    assert {(c.credential, c.verified_at is None) for c in after} == {
        ("pcr_test", True),
        ("first_aid", False),
    }
    assert (Path(folder) / waiting.evidence).is_file()
    assert not (Path(folder) / verified.evidence).exists()
    assert f"credentials/{waiting.id}/verify" in text(client.get("/credentials"))


def test_an_upload_that_drops_a_credential_takes_its_holder_off_the_shifts_that_need_it(
    app, client, addressed, mailbox
):
    need, people = crowded_need(addressed)
    holder, other = people[0], people[1]
    for v in (holder, other):
        clear(app, v)
    with app.app_context():
        for v in (holder, other):
            db.session.add(
                m.Credential(volunteer_id=v, credential="pcr_test", verified_at=m.utcnow())
            )
        db.session.get(m.Need, need.id).requires = "pcr_test"
        db.session.commit()
    login(client, Accounts.national)
    sheet = [
        {"volunteer_id": holder, "credential": "first aid"},  # the test is gone
        {"volunteer_id": other, "credential": "pcr_test"},  # kept, as the sheet says
    ]
    response = upload(client, workbook({"credentials": sheet}), "credentials.xlsx")
    assert response.status_code == 302
    assert "1 place of the published roster needed a credential" in text(client.get("/volunteers"))
    on_it = {v for n, v in published_pairs(app)[1] if n == need.id}
    assert holder not in on_it and other in on_it
    assert mailbox.to() == [address(holder)]
    assert "Your pcr test is no longer on record as valid" in text_of(mailbox.messages[0])
    with app.app_context():
        (entry,) = db.session.scalars(
            select(m.AuditEntry).where(m.AuditEntry.action == "upload")
        ).all()
        assert entry.detail["taken_off"] == 1
