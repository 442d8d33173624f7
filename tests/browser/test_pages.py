"""Each role signs in and does its main task in a real browser, on a phone where it matters.

Debian's chromium drives the real app over HTTP (see conftest.py); the
module is skipped where /usr/bin/chromium is not installed (`.ci/run`
installs it). Locators are the ones a screen reader would use: labels,
roles and accessible names.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM, PHONE, Site, sign_in, snapshot

if not CHROMIUM.exists():
    pytest.skip(
        f"no {CHROMIUM}: install Debian's chromium package to run the browser tests",
        allow_module_level=True,
    )

from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

VOLUNTEER_COLUMNS = (
    "volunteer_id,name,role,region,lat,lon,max_shifts_per_week,max_hours_per_week,"
    "max_distance_km,preferred_facilities,email,phone"
)


def volunteers_csv(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "volunteers.csv"
    path.write_text("\n".join([VOLUNTEER_COLUMNS, *rows]) + "\n", encoding="utf-8")
    return path


def test_hospital_staff_post_a_need_and_see_it_listed(desktop: Page, site: Site) -> None:
    sign_in(desktop, site.hospital)
    expect(desktop).to_have_url(re.compile(r"/needs$"))
    snapshot(desktop, "hospital-needs")
    desktop.get_by_role("button", name="Post a need").click()
    expect(desktop).to_have_url(re.compile(r"/needs/new$"))
    expect(desktop.get_by_label("Facility")).to_have_value(site.facility.id)  # their only one
    desktop.get_by_label("Date").fill("2020-05-30")
    desktop.get_by_label("Start", exact=True).fill("07:00")
    desktop.get_by_label("End").fill("15:00")
    desktop.get_by_label("Role").select_option("nurse")
    desktop.get_by_label("Volunteers wanted").fill("3")
    desktop.get_by_label("Priority").select_option("1")
    snapshot(desktop, "hospital-need-form")
    desktop.get_by_role("button", name="Post", exact=True).click()
    expect(desktop).to_have_url(re.compile(r"/needs\?facility="))
    expect(desktop.get_by_role("status")).to_contain_text("is posted")
    day = desktop.get_by_role("region", name="Saturday, 2020-05-30")  # the list, by day
    row = day.get_by_role("row").filter(has_text="07:00–15:00")
    expect(row.get_by_role("cell")).to_contain_text(["07:00–15:00", "nurse", "critical", "0 / 3"])
    expect(desktop.locator(".facility-name")).to_contain_text(site.facility.name)  # named once
    snapshot(desktop, "hospital-need-posted")
    desktop.get_by_label("Date").fill("2020-05-30")  # the list's filter: that day only
    desktop.get_by_role("button", name="Show").click()
    expect(desktop.get_by_role("row").filter(has_text="07:00–15:00")).to_contain_text("0 / 3")
    snapshot(desktop, "hospital-needs-of-a-day", docs="hospital")


def test_a_regional_coordinator_sees_only_their_regions_needs(desktop: Page, site: Site) -> None:
    sign_in(desktop, site.regional)
    expect(desktop).to_have_url(re.compile(r"/needs$"))
    needs = desktop.get_by_role("row").filter(has=desktop.get_by_role("cell"))
    expect(needs.first).to_be_visible()
    headings = desktop.locator("section.day h3").all_inner_texts()  # a facility once a day
    shown = {h.rsplit(" (", 1)[0] for h in headings}
    assert shown and shown <= site.region_facilities, shown & site.other_facilities
    choices = desktop.get_by_label("Facility").locator("option").all_inner_texts()
    assert {c.rsplit(" (", 1)[0] for c in choices[1:]} == site.region_facilities
    snapshot(desktop, "regional-needs", docs="regional")


def test_a_coordinator_uploads_a_volunteer_list(desktop: Page, site: Site, tmp_path) -> None:
    upload = volunteers_csv(
        tmp_path,
        "V90001,Olga Browser,nurse,Staropolye Region,57.2,36.6,3,,,,olga@example.org,",
        "V90002,Pavel Browser,doctor,Sosnoozersk Region,53.8,50.9,2,,,,,+7 900 000-00-00",
    )
    sign_in(desktop, site.national)
    desktop.goto("/volunteers")
    desktop.get_by_role("button", name="Upload volunteers or availability").click()
    expect(desktop).to_have_url(re.compile(r"/volunteers/upload$"))
    snapshot(desktop, "national-volunteers-upload")
    desktop.get_by_label("Volunteers or availability").set_input_files(upload)
    desktop.get_by_role("button", name="Check and store").click()
    expect(desktop).to_have_url(re.compile(r"/volunteers$"))
    expect(desktop.get_by_role("status").first).to_contain_text("Stored: 2 new volunteer(s)")
    snapshot(desktop, "national-volunteers-uploaded", docs="national")
    desktop.get_by_role("searchbox", name="Find a volunteer by name or id").fill("Browser")
    desktop.get_by_role("button", name="Find").click()
    expect(desktop.get_by_text("2 volunteers matching")).to_be_visible()
    snapshot(desktop, "national-volunteers-found")
    expect(desktop.get_by_role("row").filter(has_text="Pavel Browser")).to_contain_text("V90002")


def test_a_bad_upload_shows_each_problem_with_sheet_row_and_column(
    desktop: Page, site: Site, tmp_path
) -> None:
    upload = volunteers_csv(
        tmp_path,
        "V90003,Good Row,nurse,Staropolye Region,57.2,36.6,3,,,,,",
        "V90004,Bad Row,nurse,Staropolye Region,57.2,36.6,lots,,,,,",
    )
    sign_in(desktop, site.national)
    desktop.goto("/volunteers/upload")
    desktop.get_by_label("Volunteers or availability").set_input_files(upload)
    desktop.get_by_role("button", name="Check and store").click()
    problems = desktop.get_by_role("alert")
    expect(problems).to_contain_text("Nothing was stored")
    headers = problems.get_by_role("columnheader")
    expect(headers).to_have_text(["Sheet", "Row", "Column", "Problem"])
    row = problems.get_by_role("row").filter(has_text="max_shifts_per_week")
    expect(row.get_by_role("cell")).to_have_text(
        ["volunteers", "3", "max_shifts_per_week", re.compile("lots")]
    )
    snapshot(desktop, "national-volunteers-upload-problems")


def test_a_volunteer_sees_their_shifts_on_a_phone_and_takes_them_along(
    phone: Page, site: Site, browser
) -> None:
    sign_in(phone, site.volunteer)
    expect(phone).to_have_url(re.compile(r"/my/schedule$"))
    upcoming = phone.get_by_role("region", name="Upcoming")
    expect(upcoming.get_by_role("article")).to_have_count(site.shifts)
    expect(upcoming.get_by_role("link", name="Open the map").first).to_be_visible()
    assert (
        phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    )  # no sideways scroll
    snapshot(phone, "volunteer-schedule", docs="volunteer")

    with phone.expect_download() as download:
        phone.get_by_role("button", name=re.compile(r"download my shifts", re.I)).click()
    ics = Path(download.value.path()).read_text(encoding="utf-8")
    assert ics.startswith("BEGIN:VCALENDAR")
    assert ics.count("BEGIN:VEVENT") == site.shifts

    feed = phone.get_by_label(re.compile("subscribe", re.I)).input_value()
    assert re.fullmatch(re.escape(site.url) + r"/calendar/[\w-]+\.ics", feed)
    anonymous = browser.new_context()  # a calendar app: no session, only the address
    try:
        response = anonymous.request.get(feed)
        assert response.ok
        assert response.headers["content-type"].startswith("text/calendar")
        assert response.text().count("BEGIN:VEVENT") == site.shifts
    finally:
        anonymous.close()
