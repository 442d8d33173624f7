"""Writing tables in the input format: one .xlsx workbook, or a folder of CSV files.

Used by `scheduler generate` and by anything else that hands datasets to people.
Writes are atomic: the dataset appears whole or not at all, so a crash or a
full disk never leaves a folder where half the sheets are new and half are old.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import shutil
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from scheduler.i18n import gettext

SHEETS = ("facilities", "volunteers", "availability", "needs", "credentials", "roles", "rules")
TIME_COLUMNS = frozenset({"start", "end"})  # HH:MM text here becomes an Excel time
DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "hh:mm"
FULL_DAY_FORMAT = "[hh]:mm"  # Excel shows the number 1.0 this way as 24:00
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


def write_tables(tables: dict[str, pd.DataFrame], path: Path) -> None:
    """Write `tables` as `path`: a workbook when it ends in .xlsx, else a CSV folder."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        _write_workbook(tables, path)
    else:
        _write_folder(tables, path)


# --- CSV folders ------------------------------------------------------------------------


def _write_folder(tables: dict[str, pd.DataFrame], folder: Path) -> None:
    """Build the whole folder beside the target, then swap it in with renames."""
    folder = folder.absolute()
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(
            gettext("%(path)s is a file; give a folder or a name ending in .xlsx", path=folder)
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = _sibling(folder, "new")
    staging.mkdir()
    try:
        for name, table in tables.items():
            _write_csv(table, staging / f"{name}.csv")
        if folder.exists():
            _carry_over(folder, staging, {f"{name}.csv".lower() for name in tables})
        _swap(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    """UTF-8, dates as YYYY-MM-DD, times as HH:MM, missing values as empty fields."""
    text = table.copy()
    for column in text.columns:
        if text[column].dtype == object:
            text[column] = pd.Series([_as_text(v) for v in text[column]], index=text.index)
    with path.open("w", encoding="utf-8", newline="") as handle:
        text.to_csv(handle, index=False, na_rep="", lineterminator="\n")
        handle.flush()
        os.fsync(handle.fileno())


def _as_text(value: object) -> object:
    """A cell of an object column as CSV text."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return value


def _carry_over(old: Path, staging: Path, written: set[str]) -> None:
    """Keep the old folder's other files (a README, say); drop its stale sheet files."""
    for entry in old.iterdir():
        stale_sheet = entry.suffix.lower() == ".csv" and entry.stem.lower() in SHEETS
        if stale_sheet or entry.name.lower() in written:
            continue
        if not entry.is_file():
            raise IsADirectoryError(
                gettext(
                    "%(path)s holds the folder %(name)s; refusing to replace it: write the "
                    "dataset to an empty or dataset-only folder",
                    path=old,
                    name=entry.name,
                )
            )
        try:
            os.link(entry, staging / entry.name)
        except OSError:
            shutil.copy2(entry, staging / entry.name)


def _swap(staging: Path, folder: Path) -> None:
    """Rename the new folder into place; the old one is kept until the new one is there."""
    if not folder.exists():
        staging.rename(folder)
        return
    backup = _sibling(folder, "old")
    folder.rename(backup)
    try:
        staging.rename(folder)
    except BaseException:
        backup.rename(folder)
        raise
    shutil.rmtree(backup, ignore_errors=True)


def _sibling(path: Path, role: str) -> Path:
    """A hidden, unique name next to `path`, on the same file system so renames are atomic."""
    return path.with_name(f".{path.name}.{role}-{uuid.uuid4().hex[:12]}")


# --- workbooks --------------------------------------------------------------------------


def _write_workbook(tables: dict[str, pd.DataFrame], path: Path) -> None:
    """One sheet per table: bold frozen header, real Excel date and time cells."""
    path = path.absolute()
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook(write_only=True)
    for name, table in tables.items():
        _write_sheet(book.create_sheet(name), table)
    temporary = _sibling(path, "new")
    try:
        book.save(temporary)
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _write_sheet(sheet: WriteOnlyWorksheet, table: pd.DataFrame) -> None:
    """Header, column widths and rows; a write-only sheet needs its layout before rows."""
    sheet.freeze_panes = "A2"
    columns = [_excel_column(sheet, str(name), table[name]) for name in table.columns]
    for i, name in enumerate(table.columns, start=1):
        width = max([len(str(name))] + [len(str(v)) for v in table[name].head(200)])
        # a write-only sheet has column_dimensions at run time; its stubs leave it out
        dimensions = sheet.column_dimensions  # type: ignore[attr-defined]
        dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 48)
    header = []
    for name in table.columns:
        cell = WriteOnlyCell(sheet, value=str(name))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in zip(*columns, strict=True):
        sheet.append(row)


def _excel_column(sheet: WriteOnlyWorksheet, name: str, values: pd.Series) -> list[object]:
    """The cells of one column, typed for Excel."""
    if pd.api.types.is_numeric_dtype(values.dtype):
        return [None if pd.isna(v) else v.item() if hasattr(v, "item") else v for v in values]
    convert = _time_cell if name.strip().lower() in TIME_COLUMNS else _plain_cell
    return [convert(sheet, v) for v in values]


def _plain_cell(sheet: WriteOnlyWorksheet, value: object) -> object:
    """Dates and times as formatted cells; missing as empty; the rest as it is."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()
    if isinstance(value, dt.date | dt.time):
        return _formatted(sheet, value, TIME_FORMAT if isinstance(value, dt.time) else DATE_FORMAT)
    return value


def _time_cell(sheet: WriteOnlyWorksheet, value: object) -> object:
    """HH:MM text as an Excel time; 24:00 as one full day shown [hh]:mm."""
    if isinstance(value, str) and (match := _CLOCK.fullmatch(value.strip())):
        hours, minutes = int(match.group(1)), int(match.group(2))
        if (hours, minutes) == (24, 0):
            return _formatted(sheet, 1.0, FULL_DAY_FORMAT)
        if hours < 24 and minutes < 60:
            return _formatted(sheet, dt.time(hours, minutes), TIME_FORMAT)
    return _plain_cell(sheet, value)


def _formatted(sheet: WriteOnlyWorksheet, value: Any, number_format: str) -> Cell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell
