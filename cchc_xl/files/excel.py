"""Opening .xlsx files with openpyxl, with a Vietnamese message for every way it can fail."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from cchc_xl.core.findings import catalog
from cchc_xl.core.models import CchcError


def open_error(path: Path, exc: BaseException | None = None) -> CchcError:
    """The Vietnamese error for an Excel file that cannot be opened (why, and what to do)."""
    suffix = path.suffix.lower()
    if path.is_dir():
        return catalog.IS_DIR.error(path=path, kind="Excel", suffix=".xlsx")
    name = path.name or str(path)
    if suffix in (".xls", ".ods", ".csv"):
        return catalog.EXCEL_FORMAT.error(suffix=suffix, file=name)
    if isinstance(exc, PermissionError):
        return catalog.FILE_NO_READ.error(file=name)
    return catalog.BAD_FILE.error(file=name)


def load_xlsx(path: str | os.PathLike[str], **kwargs: Any) -> Workbook:
    """``openpyxl.load_workbook`` raising a Vietnamese ``CchcError`` (missing, folder, corrupt)."""
    p = Path(path)
    if not p.exists():
        raise catalog.NO_FILE.error(file=str(p))
    if p.is_dir():
        raise open_error(p)
    try:
        return load_workbook(p, **kwargs)
    except Exception as exc:  # zipfile/openpyxl raise many types for damaged or foreign files
        raise open_error(p, exc) from exc


def calamine_sheet(path: str | os.PathLike[str], sheet: str) -> list[list[Any]] | None:
    """Cell values of one sheet (rows from A1) read with python-calamine; ``None`` when the
    workbook has no such sheet.  Raises what python-calamine raises for an unreadable file."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    try:
        if sheet not in wb.sheet_names:
            return None
        return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    finally:
        wb.close()
