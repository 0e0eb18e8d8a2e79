"""The master's sheet "Tình hình gửi phiếu" (the register of ``core.register``).

``add_register_sheet(wb)`` creates the styled, empty table with its workbook names
(``GS_*``, used by the dashboard block) and conditional formats (status colours);
``register_cell_edits(old_rows, subs)`` gives the cells to write for a new content
(usable with ``patch_xlsx``, openpyxl or a live Book).
"""

from __future__ import annotations

from typing import Any, Sequence

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cchc_xl.core import register as R
from cchc_xl.core import schema as S
from cchc_xl.workbook.cells import put, set_value
from cchc_xl.workbook import styling as ST

CAPACITY_ROW = 5000          # names and formats cover the register up to this row
LATEST_LABEL_CELL = "A2"
LATEST_CELL = "E2"           # latest period issued (the dashboard's default period)
LATEST_LABEL = "Kỳ báo cáo gần nhất (phần mềm tự ghi):"
TITLE = "TÌNH HÌNH GỬI PHIẾU CỦA CÁC ĐƠN VỊ"

NAME_LATEST = "GS_KyGanNhat"
# name -> column key
NAMES: dict[str, str] = {
    "GS_Ky": "period",
    "GS_MaDonVi": "unit",
    "GS_Han": "due",
    "GS_NgayNhan": "received_on",
    "GS_SoO": "refused_cells",
    "GS_TepTuChoi": "file_refused",
    "GS_TinhTrang": "status",
}

STATUS_COLOURS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    ((R.STATUS_OVERDUE, R.STATUS_FILE_REFUSED, R.STATUS_CELLS_REFUSED), ST.OVERDUE_FILL, ST.OVERDUE_FONT),
    ((R.STATUS_LATE,), ST.WARN_FILL, "7F6000"),
    ((R.STATUS_ON_TIME,), ST.DONE_FILL, "006100"),
)


def letter(key: str) -> str:
    return S.col_letter(S.SUBMISSION_COLUMNS, key)


def add_register_sheet(wb: Workbook, index: int | None = None) -> Worksheet:
    """Create (or return) the register sheet, styled, with names and status colours."""
    if S.SHEET_SUBMISSIONS in wb.sheetnames:
        return wb[S.SHEET_SUBMISSIONS]
    ws = wb.create_sheet(S.SHEET_SUBMISSIONS, index)
    put(ws, 1, 1, TITLE)
    for j, col in enumerate(S.SUBMISSION_COLUMNS, start=1):
        put(ws, S.HEADER_ROW, j, col.header)
    ST.style_table(ws, S.SUBMISSION_COLUMNS, freeze_after=3)
    set_value(ws[LATEST_LABEL_CELL], LATEST_LABEL)
    ws[LATEST_LABEL_CELL].font = ST.font(italic=True)
    ws[LATEST_CELL].font = ST.font(bold=True)
    define_register_names(wb)
    status = letter("status")
    last = get_column_letter(len(S.SUBMISSION_COLUMNS))
    whole = f"A{S.FIRST_DATA_ROW}:{last}{CAPACITY_ROW}"
    for labels, fill, colour in STATUS_COLOURS:
        test = ",".join(f'${status}{S.FIRST_DATA_ROW}="{v}"' for v in labels)
        formula = f"OR({test})" if len(labels) > 1 else test
        ws.conditional_formatting.add(whole, FormulaRule(
            formula=[formula], fill=PatternFill("solid", bgColor=fill), font=Font(color=colour)))
    for key in ("issued_on", "due", "mailed_on", "received_on"):
        ws.column_dimensions[letter(key)].number_format = ST.DATE_FORMAT
    return ws


def define_register_names(wb: Workbook) -> None:
    for name, key in NAMES.items():
        ST.define_name(wb, name, S.SHEET_SUBMISSIONS,
                       ST.abs_range(letter(key), S.FIRST_DATA_ROW, CAPACITY_ROW))
    ST.define_name(wb, NAME_LATEST, S.SHEET_SUBMISSIONS, "$E$2")


def register_cell_edits(old_rows: Sequence[Sequence[Any]], subs: Sequence[R.Submission]
                        ) -> dict[tuple[int, int], Any]:
    """{(row, column): value} turning the sheet's ``old_rows`` (from A1) into ``subs``.

    Only cells whose value changes are listed; rows no longer used are cleared.
    """
    width = len(S.SUBMISSION_COLUMNS)
    edits: dict[tuple[int, int], Any] = {}
    old_latest = _cell(old_rows, 2, 5)
    latest = R.latest_period(list(subs)) or None
    if _norm(old_latest) != _norm(latest):
        edits[(2, 5)] = latest
    last_old = max([S.HEADER_ROW] + [i + 1 for i, r in enumerate(old_rows)
                                      if i + 1 > S.HEADER_ROW and any(v not in (None, "") for v in r[:width])])
    new_rows = [R.submission_row(s) for s in subs]
    for i in range(max(len(new_rows), last_old - S.HEADER_ROW)):
        r = S.FIRST_DATA_ROW + i
        values = new_rows[i] if i < len(new_rows) else [None] * width
        for j, v in enumerate(values, start=1):
            if _norm(_cell(old_rows, r, j)) != _norm(v):
                edits[(r, j)] = v
    return edits


def _cell(rows: Sequence[Sequence[Any]], r: int, c: int) -> Any:
    if r - 1 < len(rows) and c - 1 < len(rows[r - 1]):
        return rows[r - 1][c - 1]
    return None


def _norm(v: Any) -> Any:
    import datetime as dt

    if v in (None, ""):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v
