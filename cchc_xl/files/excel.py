"""Opening .xlsx files with openpyxl, with a Vietnamese message for every way it can fail;
saving them with their sheets' text in UTF-8 (``save_xlsx``); the values of a worksheet within the
rectangle that holds them (``worksheet_rows``)."""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from cchc_xl.core.findings import catalog
from cchc_xl.core.models import CchcError
from cchc_xl.files.sheet_scan import MAX_VALUE_CELLS, ValueBox, too_far


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


def worksheet_rows(ws: Any, file: str = "", *, cells: bool = False) -> list[tuple[Any, ...]]:
    """Cell values of ``ws`` (the cells themselves with ``cells``), rows from A1.  openpyxl's
    rectangle reaches the farthest cell it holds, a formatted empty one included: when that
    rectangle is too big to list (a border drawn down to row 1 048 576), only the rectangle of
    the values is listed, and a value too far away is refused (``sheet_too_far``) instead of
    listing billions of cells."""
    if ws.max_row * ws.max_column > MAX_VALUE_CELLS:
        rows = cols = 0
        lowest = rightmost = ""
        for (r, c), cell in ws._cells.items():      # the cells openpyxl holds (a dict: sparse)
            if cell.value is None:
                continue
            if r > rows:
                rows, lowest = r, cell.coordinate
            if c > cols:
                cols, rightmost = c, cell.coordinate
        box = ValueBox(rows, cols, lowest, rightmost)
        if box.cells > MAX_VALUE_CELLS:
            raise too_far(box, ws.title, file)
        return [tuple(r) for r in ws.iter_rows(min_row=1, max_row=max(box.rows, 1), min_col=1,
                                               max_col=max(box.columns, 1), values_only=not cells)]
    return [tuple(r) for r in ws.iter_rows(min_row=1, min_col=1, max_row=ws.max_row, max_col=ws.max_column,
                                           values_only=not cells)]   # from A1, even when row 1 or column A is empty


def calamine_sheet(path: str | os.PathLike[str], sheet: str) -> list[list[Any]] | None:
    """Cell values of one sheet (rows from A1) read with python-calamine; ``None`` when the
    workbook has no such sheet.  Raises what python-calamine raises for an unreadable file."""
    import zipfile

    from python_calamine import CalamineWorkbook

    from cchc_xl.files.sheet_scan import check_sheet_extent
    from cchc_xl.files.xlsx_patch import sheet_parts

    wb = CalamineWorkbook.from_path(str(path))
    try:
        if sheet not in wb.sheet_names:
            return None
        with zipfile.ZipFile(path) as z:     # a rectangle calamine can build (sheet_too_far)
            part = sheet_parts(z).get(sheet)
            if part:
                check_sheet_extent(z, part, sheet=sheet, file=Path(path).name, trust_dimension=True)
        return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    finally:
        wb.close()


# ================================================================ saving

_SAVE_LOCK = threading.Lock()


def save_xlsx(wb: Workbook, path: str | os.PathLike[str]) -> None:
    """``wb.save(path)``, the sheets' XML written in UTF-8.

    openpyxl's sheet writer (lxml ``xmlfile`` without an encoding) writes every character
    beyond ASCII as a character reference: "đợt" becomes "&#273;&#7907;t", 7 bytes for
    one letter where UTF-8 takes 2 or 3.  A master of 50 000 Vietnamese tasks grew by a
    tenth, and every later read (python-calamine) and patch (Tổng hợp) walked the longer
    XML: 0.8 s instead of 0.6 s to parse its "Phân công".  The same document is written
    with ``encoding="utf-8"`` here (no XML declaration: UTF-8 is XML's default).  When
    openpyxl's writer is not the one this was made for, it is left as it is.
    """
    try:
        from lxml.etree import xmlfile as lxml_xmlfile
        from openpyxl.worksheet import _writer as sheet_writer
    except ImportError:          # no lxml: openpyxl's own writer (already UTF-8 text)
        wb.save(path)
        return
    if getattr(sheet_writer, "xmlfile", None) is not lxml_xmlfile:
        wb.save(path)
        return
    with _SAVE_LOCK:             # a module attribute: one save at a time swaps it
        sheet_writer.xmlfile = functools.partial(lxml_xmlfile, encoding="utf-8")
        try:
            wb.save(path)
        finally:
            sheet_writer.xmlfile = lxml_xmlfile
