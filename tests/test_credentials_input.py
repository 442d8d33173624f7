"""The credentials sheet and the needs' `requires` column, read from xlsx and CSV alike, every
problem named at sheet:row:column; a credential nobody holds is a warning naming the need."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduler.domain import Credential
from scheduler.intake.loading import load_dataset
from scheduler.problems import InvalidInput
from tests import test_loading
from tests.broken.make_cases import D, base

write = test_loading.write  # the fixture: xlsx and CSV alike
HEADER = ["volunteer_id", "credential", "valid_from", "valid_until"]


def with_credentials(rows: list[list[object]], requires: str = "PCR test; Red zone training"):
    sheets = base()
    sheets["needs"][0].append("requires")
    sheets["needs"][1].append(requires)
    for row in sheets["needs"][2:]:
        row.append(None)
    sheets["credentials"] = [HEADER, *rows]
    return sheets


def test_credentials_and_requirements_load_compared_like_role_names(write) -> None:
    rows = [
        ["V1", "PCR  Test", D - dt.timedelta(days=3), D + dt.timedelta(days=3)],
        ["V1", "pcr_test", D + dt.timedelta(days=4), None],  # renewed: the rows join
        ["V1", "red zone training", None, None],
    ]
    dataset, warnings = load_dataset(write(with_credentials(rows)))
    assert warnings == []  # no column or sheet ignored
    assert dataset.needs[0].requires == ("pcr_test", "red_zone_training")
    assert dataset.needs[1].requires == ()
    assert dataset.credentials == (
        Credential("V1", "pcr_test", D - dt.timedelta(days=3), D + dt.timedelta(days=3)),
        Credential("V1", "pcr_test", D + dt.timedelta(days=4), None),
        Credential("V1", "red_zone_training", None, None),
    )


def test_bad_credential_rows_are_named_at_sheet_row_and_column(write) -> None:
    rows = [
        ["V9", "pcr_test", None, None],
        ["V1", "pcr_test", "someday", None],
        ["V1", "pcr_test", D, D - dt.timedelta(days=1)],
        ["V1", None, None, None],
    ]
    with pytest.raises(InvalidInput) as refused:
        load_dataset(write(with_credentials(rows)))
    found = {(p.sheet, p.row, p.column) for p in refused.value.problems if p.is_error}
    assert found == {
        ("credentials", 2, "volunteer_id"),
        ("credentials", 3, "valid_from"),
        ("credentials", 4, "valid_until"),
        ("credentials", 5, "credential"),
    }
    words = {p.row: p.message for p in refused.value.problems}
    assert "V9" in words[2] and "someday" in words[3] and "before valid_from" in words[4]


def test_a_credential_nobody_holds_is_a_warning_naming_the_need(write) -> None:
    rows = [["V1", "pcr_test", None, None]]
    dataset, warnings = load_dataset(write(with_credentials(rows)))
    (warning,) = warnings
    assert not warning.is_error
    assert (warning.sheet, warning.column) == ("needs", "requires")
    assert "N1" in warning.message and "red_zone_training" in warning.message
    assert dataset.needs[0].requires == ("pcr_test", "red_zone_training")


def test_inputs_without_credentials_load_as_before(write) -> None:
    dataset, warnings = load_dataset(write(base()))
    assert warnings == [] and dataset.credentials == ()
    assert all(n.requires == () for n in dataset.needs)
