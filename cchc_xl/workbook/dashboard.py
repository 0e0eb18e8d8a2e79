"""The "Tổng quan" sheet: a dashboard made of native Excel formulas.

Every figure is a formula over the data sheets (SUMPRODUCT / COUNTIFS /
SUMIFS / IFERROR), never a constant computed in Python, so the dashboard
follows the officials' edits and the report date typed in "Ngày số liệu".
The formulas implement exactly the definitions of ``cchc_xl.core.compute``:

* counted: "Mã NV" not empty and status not "Không thực hiện";
* done as of D: status "Đã hoàn thành" and (no completion date or completion date <= D);
* overdue: counted, not done as of D, "Hạn (ngày)" is a date and < D;
* in progress: counted, not done, not overdue, status "Đang thực hiện",
  "Thường xuyên" or "Đã hoàn thành" (completed after D);
* not started: the other counted tasks; completion % = done / counted.

Workbook names (``NV_*`` for "Phân công", ``CS_*`` for "Chỉ số CCHC") keep
the formulas readable.  ``dashboard_cells(ws)`` tells where each figure is.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Iterable

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cchc_xl.core import schema as S
from cchc_xl.core.compute import UNASSIGNED
from cchc_xl.core.models import AREA_NAMES, AREA_SHORT, Area, Plan, Status
from cchc_xl.core import register as R
from cchc_xl.workbook.register_sheet import NAME_LATEST, define_register_names
from cchc_xl.workbook.cells import put, put_formula
from cchc_xl.workbook.styling import (BORDER, DATE_FORMAT, FONT_NAME, HEADER_FILL, INPUT_FILL, OVERDUE_FONT,
                      PERCENT_FORMAT, POINTS_FORMAT, abs_range, date_validation, define_name, font,
                      last_data_row, lines_height, setup_print, wrapped_lines)

# ---------------------------------------------------------------- names

NAME_AS_OF = "NgaySoLieu"
NAME_PERIOD = "KyBaoCao"
NAME_UNIT_DIR = "ThuMucPhieu"
NAME_INBOX_DIR = "ThuMucNhanVe"

# name -> column key of "Phân công"
TASK_NAMES: dict[str, str] = {
    "NV_Ma": "id",
    "NV_LinhVuc": "area_name",
    "NV_Han": "due",
    "NV_DonVi": "lead_units",
    "NV_TrangThai": "status",
    "NV_TienDo": "progress",
    "NV_NgayHT": "completed_on",
    "NV_TieuChi": "criteria",
}
# name -> column key of "Khắc phục"
REMEDIATION_NAMES: dict[str, str] = {
    "KP_Ma": "id",
    "KP_LinhVuc": "area",
    "KP_TieuChi": "criterion_code",
    "KP_TrangThai": "status",
    "KP_Han": "due",
    "KP_NgayHT": "completed_on",
}
# name -> column key of "Chỉ số CCHC"
INDEX_NAMES: dict[str, str] = {
    "CS_LinhVuc": "area",
    "CS_Cap": "level",
    "CS_DiemToiDa": "max_points",
    "CS_DiemThamDinh": "appraised",
    "CS_DiemBiTru": "deducted",
    "CS_DiemBiTruTinh": "deducted_calc",
    "CS_Ma": "code",
    "CS_NguyCo": "at_risk",
}

# ---------------------------------------------------------------- layout

LAST_COL = "H"
# Column widths: the whole sheet prints on one A4 portrait page at about 85 %.
WIDTHS: dict[str, float] = {"A": 10, "B": 38, "C": 12, "D": 11, "E": 11, "F": 11, "G": 11, "H": 11}
NOTE_SIZE = 10
SETTINGS: tuple[tuple[str, str, str, str], ...] = (
    # key, label, name, note
    ("as_of", "Ngày số liệu", NAME_AS_OF,
     "Ngày chốt số liệu (dd/mm/yyyy). Mọi số liệu bên dưới tự tính lại theo ngày này."),
    ("period", "Kỳ báo cáo", NAME_PERIOD,
     "Ví dụ: Quý III/2025, 6 tháng 2025, Năm 2025. Để trống: xác định theo ngày số liệu."),
    ("unit_dir", "Thư mục phiếu đơn vị", NAME_UNIT_DIR,
     "Nơi lưu phiếu gửi các đơn vị. Để trống: thư mục 'phieu_don_vi' cạnh sổ này."),
    ("inbox_dir", "Thư mục phiếu nhận về", NAME_INBOX_DIR,
     "Nơi đặt phiếu các đơn vị gửi lại. Để trống: thư mục 'phieu_nhan_ve' cạnh sổ này."),
)
SETTINGS_ROW = 4
SUMMARY_TITLE_ROW = 9
SUMMARY_HEADER_ROW = 10
SUMMARY_ROWS: tuple[tuple[str, str], ...] = (
    ("total", "Tổng số nhiệm vụ phải thực hiện (không tính nhiệm vụ không thực hiện)"),
    ("done", "Đã hoàn thành"),
    ("in_progress", "Đang thực hiện (chưa đến hạn)"),
    ("not_started", "Chưa thực hiện (chưa đến hạn)"),
    ("overdue", "Quá hạn (chưa hoàn thành)"),
    ("cancelled", "Không thực hiện"),
)
PERCENT_LABEL = "Tỷ lệ hoàn thành (đã hoàn thành / tổng số phải thực hiện)"

COUNT_FIELDS = ("total", "done", "in_progress", "not_started", "overdue")
TABLE_HEADERS = ("Tổng số", "Đã hoàn thành", "Đang thực hiện", "Chưa thực hiện", "Quá hạn",
                 "Tỷ lệ hoàn thành")
TABLE_FIELDS = COUNT_FIELDS + ("percent",)
UNIT_KEY_HEADER = "Mã đơn vị"
AREA_KEY_HEADER = "Lĩnh vực"
INDEX_HEADERS = ("Điểm tối đa", "Điểm thẩm định", "Điểm bị trừ (tính)", "Điểm bị trừ (ghi)",
                 "Tỷ lệ đạt")
INDEX_FIELDS = ("max_points", "appraised", "deducted_calc", "deducted", "ratio")
TOTAL_LABEL = "Tổng cộng"

FIXED_CELLS: dict[str, str] = {key: f"C{SETTINGS_ROW + i}" for i, (key, *_r) in enumerate(SETTINGS)}
FIXED_CELLS.update({key: f"C{SUMMARY_HEADER_ROW + 1 + i}" for i, (key, _l) in enumerate(SUMMARY_ROWS)})
FIXED_CELLS["percent"] = f"C{SUMMARY_HEADER_ROW + 1 + len(SUMMARY_ROWS)}"

# ---------------------------------------------------------------- formula pieces

_EXISTS = "(LEN(NV_Ma)>0)"
_CANCELLED = f'(NV_TrangThai="{Status.CANCELLED.value}")'
_DONE = f'(NV_TrangThai="{Status.DONE.value}")*((NV_NgayHT="")+(NV_NgayHT<={NAME_AS_OF})>0)'
_LATE = f"ISNUMBER(NV_Han)*(NV_Han<{NAME_AS_OF})"
_ACTIVE = ("((NV_TrangThai=\"{}\")+(NV_TrangThai=\"{}\")+(NV_TrangThai=\"{}\"))"
           .format(Status.IN_PROGRESS.value, Status.ONGOING.value, Status.DONE.value))
_STATE_TERMS: dict[str, tuple[str, ...]] = {
    "total": (_EXISTS, f"(1-{_CANCELLED})"),
    "done": (_EXISTS, _DONE),
    "overdue": (_EXISTS, f"(1-{_CANCELLED})", f"(1-{_DONE})", _LATE),
    "in_progress": (_EXISTS, f"(1-{_CANCELLED})", f"(1-{_DONE})", f"(1-{_LATE})", _ACTIVE),
    "not_started": (_EXISTS, f"(1-{_CANCELLED})", f"(1-{_DONE})", f"(1-{_LATE})",
                    f"(1-{_ACTIVE})"),
    "cancelled": (_EXISTS, _CANCELLED),
}
_UNIT_CODES = ('";"&SUBSTITUTE(SUBSTITUTE(NV_DonVi," ",""),",",";")&";"')


def count_formula(state: str, *extra: str) -> str:
    """``=SUMPRODUCT(...)`` counting tasks in ``state`` that also meet ``extra`` terms."""
    return "=SUMPRODUCT(" + "*".join(_STATE_TERMS[state] + extra) + ")"


def unit_term(code_cell: str) -> str:
    """Exact match of a unit code in "Mã đơn vị chủ trì" ("VP; KT"): no substring matches."""
    return f'ISNUMBER(FIND(";"&{code_cell}&";",{_UNIT_CODES}))'


def unassigned_term() -> str:
    return '(LEN(SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(NV_DonVi," ",""),";",""),",",""))=0)'


def area_term(name_cell: str) -> str:
    return f"(NV_LinhVuc={name_cell})"


def percent_formula(done_cell: str, total_cell: str) -> str:
    return f'=IFERROR(ROUND({done_cell}/{total_cell},4),"")'


# ---------------------------------------------------------------- build

def _late_terms(prefix: str) -> tuple[str, ...]:
    """The "overdue" terms of ``count_formula`` over the names ``NV_*`` or ``KP_*``."""
    return tuple(t.replace("NV_", prefix) for t in _STATE_TERMS["overdue"])


def risk_formula(row: int) -> str:
    """"Điểm có nguy cơ bị trừ" of row ``row`` of "Chỉ số CCHC" (``compute.points_at_risk``):
    the criterion's maximum when a task or remediation item whose "Tiêu chí" lists its code
    (exactly) is overdue as of ``NgaySoLieu``, else 0; "" on area rows and rows without code."""
    c = {k: f"${S.col_letter(S.INDEX_COLUMNS, k)}{row}" for k in ("level", "code", "max_points")}
    terms = []
    for prefix, name in (("NV_", "NV_TieuChi"), ("KP_", "KP_TieuChi")):
        link = (f'ISNUMBER(FIND(";"&{c["code"]}&";",";"&SUBSTITUTE(SUBSTITUTE({name}," ",""),",",";")'
                f'&";"))')
        terms.append("SUMPRODUCT(" + "*".join(_late_terms(prefix) + (link,)) + ")")
    return (f'=IF(AND({c["level"]}="{S.LEVEL_CRITERION}",LEN({c["code"]})>0,ISNUMBER({c["max_points"]})),'
            f'IF({"+".join(terms)}>0,{c["max_points"]},0),"")')


def define_data_names(wb: Workbook, tasks_end: int, index_end: int, remediation_end: int = 1000) -> None:
    """Workbook names over the data columns used by the dashboard formulas."""
    for name, key in REMEDIATION_NAMES.items():
        define_name(wb, name, S.SHEET_REMEDIATION,
                    abs_range(S.col_letter(S.REMEDIATION_COLUMNS, key), S.FIRST_DATA_ROW, remediation_end))
    for name, key in TASK_NAMES.items():
        define_name(wb, name, S.SHEET_TASKS,
                    abs_range(S.col_letter(S.TASK_COLUMNS, key), S.FIRST_DATA_ROW, tasks_end))
    for name, key in INDEX_NAMES.items():
        define_name(wb, name, S.SHEET_INDEX,
                    abs_range(S.col_letter(S.INDEX_COLUMNS, key), S.FIRST_DATA_ROW, index_end))


def build_dashboard(wb: Workbook, plan: Plan, as_of: dt.date | None = None, *,
                    tasks_end: int = 1000, index_end: int = 1000) -> Worksheet:
    """Fill the "Tổng quan" sheet (created first by ``build_master``)."""
    if S.SHEET_DASHBOARD in wb.sheetnames:
        ws = wb[S.SHEET_DASHBOARD]
    else:
        ws = wb.create_sheet(S.SHEET_DASHBOARD, 0)
    define_data_names(wb, tasks_end, index_end,
                      max(S.FIRST_DATA_ROW + len(plan.remediation) + 500, 1000))
    _write_risk_column(wb)
    _write_header(ws, plan)
    _write_settings(wb, ws, as_of or dt.date.today())
    row = _write_summary(ws)
    row = _write_table(ws, row + 2, "II. TIẾN ĐỘ THEO ĐƠN VỊ CHỦ TRÌ "
                       "(nhiệm vụ có nhiều đơn vị chủ trì được tính cho từng đơn vị)",
                       UNIT_KEY_HEADER, "Tên đơn vị", _unit_rows(plan), unit_term)
    row = _write_table(ws, row + 2, "III. TIẾN ĐỘ THEO LĨNH VỰC CẢI CÁCH HÀNH CHÍNH",
                       AREA_KEY_HEADER, "Tên lĩnh vực",
                       [(int(a.value), AREA_SHORT[a]) for a in Area], None)
    row = _write_index(ws, row + 2, plan)
    row = _write_risk(ws, row + 2)
    row = _write_remediation(ws, row + 2)
    _write_submissions(wb, ws, row + 2)
    _finish(ws)
    return ws


def _write_header(ws: Worksheet, plan: Plan) -> None:
    info = plan.info
    put(ws, 1, 1, f"TỔNG QUAN THỰC HIỆN KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM {info.year}")
    parts = []
    if info.commune:
        parts.append(f"UBND {info.commune}" + (f", {info.province}" if info.province else ""))
    if info.plan_number:
        date = f" ngày {info.plan_date:%d/%m/%Y}" if info.plan_date else ""
        parts.append(f"Kế hoạch số {info.plan_number}{date}")
    put(ws, 2, 1, " - ".join(parts))
    for row, size, bold, italic in ((1, 14, True, False), (2, 12, False, True)):
        cell = ws.cell(row=row, column=1)
        cell.font = font(bold=bold, size=size, italic=italic)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.merge_cells(f"A{row}:{LAST_COL}{row}")
        _fit_height(ws, row, cell.value, _span_width("A", LAST_COL), size=size, bold=bold,
                    minimum=24 if row == 1 else 0)


def _write_settings(wb: Workbook, ws: Worksheet, as_of: dt.date) -> None:
    for i, (key, label, name, note) in enumerate(SETTINGS):
        row = SETTINGS_ROW + i
        label_cell = put(ws, row, 1, label)
        label_cell.font = font(bold=True)
        label_cell.alignment = Alignment(vertical="center")
        ws.merge_cells(f"A{row}:B{row}")
        cell = ws.cell(row=row, column=3)
        cell.fill = PatternFill("solid", fgColor=INPUT_FILL)
        cell.border = BORDER
        cell.font = font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center")
        if key == "as_of":
            cell.value = dt.datetime(as_of.year, as_of.month, as_of.day)
            cell.number_format = DATE_FORMAT
        note_cell = put(ws, row, 4, note)
        note_cell.font = font(italic=True, size=NOTE_SIZE)
        note_cell.alignment = Alignment(vertical="center", wrap_text=True)
        ws.merge_cells(f"D{row}:{LAST_COL}{row}")
        _fit_height(ws, row, note, _span_width("D", LAST_COL), size=NOTE_SIZE)
        define_name(wb, name, S.SHEET_DASHBOARD, f"$C${row}")
    ws.add_data_validation(date_validation(FIXED_CELLS["as_of"], "Ngày số liệu"))


def _write_summary(ws: Worksheet) -> int:
    """Section I (whole plan).  Returns the last row used."""
    _section_title(ws, SUMMARY_TITLE_ROW, "I. TOÀN KẾ HOẠCH (tính đến ngày số liệu)")
    _header_row(ws, SUMMARY_HEADER_ROW, ("TT", "Chỉ tiêu", "Số nhiệm vụ", "Tỷ lệ"))
    ws.merge_cells(f"D{SUMMARY_HEADER_ROW}:E{SUMMARY_HEADER_ROW}")
    total_cell = FIXED_CELLS["total"]
    for i, (key, label) in enumerate(SUMMARY_ROWS):
        row = SUMMARY_HEADER_ROW + 1 + i
        ws.cell(row=row, column=1, value=i + 1)
        put(ws, row, 2, label)
        ws.cell(row=row, column=3, value=count_formula(key)).number_format = "0"
        if key not in ("total", "cancelled"):
            share = ws.cell(row=row, column=4, value=percent_formula(f"C{row}", total_cell))
            share.number_format = PERCENT_FORMAT
        _body_row(ws, row, 5)
        ws.merge_cells(f"D{row}:E{row}")
    row = SUMMARY_HEADER_ROW + 1 + len(SUMMARY_ROWS)
    put(ws, row, 2, PERCENT_LABEL)
    pct = ws.cell(row=row, column=3, value=percent_formula(FIXED_CELLS["done"], total_cell))
    pct.number_format = PERCENT_FORMAT
    _body_row(ws, row, 5, bold=True)
    ws.merge_cells(f"D{row}:E{row}")
    _percent_colours(ws, FIXED_CELLS["percent"])
    _overdue_alert(ws, FIXED_CELLS["overdue"])
    return row


def _unit_rows(plan: Plan) -> list[tuple[str, str]]:
    """(code, name) rows: non-group units, other codes used by tasks, then unassigned."""
    rows = [(u.code, u.name) for u in plan.units if not u.is_group]
    known = {code for code, _n in rows}
    names = {u.code: u.name for u in plan.units}
    for task in plan.tasks:
        for code in task.lead_units:
            if code not in known:
                known.add(code)
                rows.append((code, names.get(code, code)))
    if any(not t.lead_units for t in plan.tasks):
        rows.append(("", UNASSIGNED))
    return rows


def _write_table(ws: Worksheet, row: int, title: str, key_header: str, name_header: str,
                 items: Iterable[tuple[object, str]], term) -> int:
    """A progress table (units or areas).  Returns its last row."""
    _section_title(ws, row, title)
    _header_row(ws, row + 1, (key_header, name_header) + TABLE_HEADERS)
    first = row + 2
    r = row + 1
    for r, (key, name) in enumerate(items, start=first):
        put(ws, r, 1, key if key != "" else None)
        put(ws, r, 2, name)
        if term is None:
            extra = area_term(f"$B{r}")
        elif key == "":
            extra = unassigned_term()
        else:
            extra = term(f"$A{r}")
        for j, field in enumerate(COUNT_FIELDS, start=3):
            ws.cell(row=r, column=j, value=count_formula(field, extra)).number_format = "0"
        pct = ws.cell(row=r, column=8, value=percent_formula(f"D{r}", f"C{r}"))
        pct.number_format = PERCENT_FORMAT
        _body_row(ws, r, 8)
    if r >= first:
        _percent_colours(ws, f"H{first}:H{r}")
        _overdue_alert(ws, f"G{first}:G{r}")
    return r


def _index_formulas(r: int) -> list[str]:
    key = f'CS_LinhVuc,$A{r},CS_Cap,"{S.LEVEL_AREA}"'

    def summed(name: str) -> str:
        return f'=IF(COUNTIFS({key},{name},"<>")=0,"",ROUND(SUMIFS({name},{key}),2))'

    return [summed("CS_DiemToiDa"), summed("CS_DiemThamDinh"),
            f'=IF(OR(C{r}="",D{r}=""),"",ROUND(C{r}-D{r},2))', summed("CS_DiemBiTru"),
            f'=IFERROR(ROUND(D{r}/C{r},4),"")']


def _write_index(ws: Worksheet, row: int, plan: Plan) -> int:
    """Section IV: index scores per area, from the "Chỉ số CCHC" sheet."""
    year = f" NĂM {plan.info.index_year}" if plan.info.index_year else ""
    _section_title(ws, row, f"IV. CHỈ SỐ CẢI CÁCH HÀNH CHÍNH{year} (theo trang '{S.SHEET_INDEX}')")
    _header_row(ws, row + 1, (AREA_KEY_HEADER, "Tên lĩnh vực") + INDEX_HEADERS)
    first = row + 2
    for i, area in enumerate(Area):
        r = first + i
        ws.cell(row=r, column=1, value=int(area.value))
        put(ws, r, 2, AREA_NAMES[area])
        for j, formula in enumerate(_index_formulas(r), start=3):
            ws.cell(row=r, column=j, value=formula).number_format = (
                PERCENT_FORMAT if j == 7 else POINTS_FORMAT)
        _body_row(ws, r, 7)
    last = first + len(Area) - 1
    total = last + 1
    put(ws, total, 2, TOTAL_LABEL)
    for j in range(3, 7):
        col = get_column_letter(j)
        rng = f"{col}{first}:{col}{last}"
        ws.cell(row=total, column=j, value=f'=IF(COUNT({rng})=0,"",ROUND(SUM({rng}),2))'
                ).number_format = POINTS_FORMAT
    ws.cell(row=total, column=7, value=f'=IFERROR(ROUND(D{total}/C{total},4),"")'
            ).number_format = PERCENT_FORMAT
    _body_row(ws, total, 7, bold=True)
    _percent_colours(ws, f"G{first}:G{total}")
    return total


# ---------------------------------------------------------------- VII. who sent what

SUBMISSIONS_TITLE = "VII. TÌNH HÌNH GỬI PHIẾU CỦA CÁC ĐƠN VỊ (theo trang '{sheet}')"
SUBMISSIONS_PERIOD_LABEL = "Kỳ báo cáo đang xem"
SUBMISSIONS_PERIOD_NOTE = "Theo ô 'Kỳ báo cáo' ở trên; để trống: kỳ gần nhất đã tạo phiếu."
SUBMISSIONS_HEADERS = ("TT", "Chỉ tiêu", "Số đơn vị", "Tỷ lệ")


def submission_formulas(p: str, first: int) -> dict[str, str]:
    """Formula of each figure of the block; ``p``: the period cell, ``first``: row of "issued"."""
    rows = {key: first + i for i, (key, _l) in enumerate(R.SUMMARY_FIELDS)}
    c = {key: f"C{r}" for key, r in rows.items()}
    ky = f"(GS_Ky={p})"
    return {
        # no period yet: Excel's COUNTIFS with an empty criterion would count the blank rows
        "issued": f"=IF(LEN({p})=0,0,COUNTIFS(GS_Ky,{p}))",
        "returned": f'=COUNTIFS(GS_Ky,{p},GS_NgayNhan,">0")',
        "on_time": f"={c['returned']}-{c['late']}",
        "late": f"=SUMPRODUCT({ky}*ISNUMBER(GS_NgayNhan)*ISNUMBER(GS_Han)*(GS_NgayNhan>GS_Han))",
        "missing": f"={c['issued']}-{c['returned']}",
        "overdue": f"=SUMPRODUCT({ky}*(1-ISNUMBER(GS_NgayNhan))*ISNUMBER(GS_Han)*(GS_Han<{NAME_AS_OF}))",
        "refused": f"=SUMPRODUCT({ky}*(((GS_SoO>0)+(GS_TepTuChoi>0))>0))",
        "refused_cells": f"=SUMIFS(GS_SoO,GS_Ky,{p})",
        "percent": f'=IFERROR(ROUND({c["returned"]}/{c["issued"]},4),"")',
    }


def _write_submissions(wb: Workbook, ws: Worksheet, row: int) -> int:
    """Section VII: the register of the period (native formulas over "Tình hình gửi phiếu")."""
    define_register_names(wb)
    _section_title(ws, row, SUBMISSIONS_TITLE.format(sheet=S.SHEET_SUBMISSIONS))
    prow = row + 1
    put(ws, prow, 1, SUBMISSIONS_PERIOD_LABEL).font = font(bold=True)
    ws.merge_cells(f"A{prow}:B{prow}")
    period = put_formula(ws, prow, 3, f'=IF(LEN({NAME_PERIOD})>0,{NAME_PERIOD},{NAME_LATEST})')
    period.font = font(bold=True)
    period.border = BORDER
    period.alignment = Alignment(horizontal="center", vertical="center", shrink_to_fit=True)
    note = put(ws, prow, 4, SUBMISSIONS_PERIOD_NOTE)
    note.font = font(italic=True, size=NOTE_SIZE)
    note.alignment = Alignment(vertical="center", wrap_text=True)
    ws.merge_cells(f"D{prow}:{LAST_COL}{prow}")
    _fit_height(ws, prow, SUBMISSIONS_PERIOD_NOTE, _span_width("D", LAST_COL), size=NOTE_SIZE)
    _header_row(ws, prow + 1, SUBMISSIONS_HEADERS)
    ws.merge_cells(f"D{prow + 1}:E{prow + 1}")
    first = prow + 2
    formulas = submission_formulas(f"$C${prow}", first)
    for i, (key, label) in enumerate(R.SUMMARY_FIELDS):
        r = first + i
        ws.cell(row=r, column=1, value=i + 1)
        put(ws, r, 2, label)
        cell = put_formula(ws, r, 3, formulas[key])
        cell.number_format = PERCENT_FORMAT if key == "percent" else "0"
        if key in ("returned", "missing", "refused"):
            share = ws.cell(row=r, column=4, value=percent_formula(f"C{r}", f"C{first}"))
            share.number_format = PERCENT_FORMAT
        _body_row(ws, r, 5, bold=key in ("issued", "percent"))
        ws.merge_cells(f"D{r}:E{r}")
    last = first + len(R.SUMMARY_FIELDS) - 1
    for key in ("missing", "overdue", "refused", "refused_cells", "late"):
        _overdue_alert(ws, f"C{first + [k for k, _l in R.SUMMARY_FIELDS].index(key)}")
    _percent_colours(ws, f"C{last}")
    return last
RISK_HEADERS = ("Điểm có nguy cơ bị trừ", "Số tiêu chí có nguy cơ")
RISK_FIELDS = ("points", "criteria")


def _write_risk_column(wb: Workbook) -> None:
    """The formula of "Điểm có nguy cơ bị trừ" on every row of "Chỉ số CCHC"."""
    if S.SHEET_INDEX not in wb.sheetnames:
        return
    ws = wb[S.SHEET_INDEX]
    j = S.col_index(S.INDEX_COLUMNS, "at_risk")
    for row in range(S.FIRST_DATA_ROW, last_data_row(ws) + 1):
        ws.cell(row=row, column=j, value=risk_formula(row)).number_format = POINTS_FORMAT


def _write_risk(ws: Worksheet, row: int) -> int:
    """Section V: points at risk per area (criteria with an overdue linked task/remediation item)."""
    _section_title(ws, row, "V. ĐIỂM CÓ NGUY CƠ BỊ TRỪ (tiêu chí có nhiệm vụ hoặc nội dung khắc phục quá hạn, "
                            f"theo cột 'Tiêu chí'; xem trang '{S.SHEET_INDEX}')")
    _header_row(ws, row + 1, (AREA_KEY_HEADER, "Tên lĩnh vực") + RISK_HEADERS)
    first = row + 2
    key = f'CS_LinhVuc,$A{{r}},CS_Cap,"{S.LEVEL_CRITERION}"'
    for i, area in enumerate(Area):
        r = first + i
        k = key.format(r=r)
        ws.cell(row=r, column=1, value=int(area.value))
        put(ws, r, 2, AREA_NAMES[area])
        ws.cell(row=r, column=3, value=f"=ROUND(SUMIFS(CS_NguyCo,{k}),2)").number_format = POINTS_FORMAT
        ws.cell(row=r, column=4, value=f'=COUNTIFS({k},CS_NguyCo,">0")')
        _body_row(ws, r, 4)
    last = first + len(Area) - 1
    total = last + 1
    put(ws, total, 2, TOTAL_LABEL)
    ws.cell(row=total, column=3, value=f"=ROUND(SUM(C{first}:C{last}),2)").number_format = POINTS_FORMAT
    ws.cell(row=total, column=4, value=f"=SUM(D{first}:D{last})")
    _body_row(ws, total, 4, bold=True)
    return total


REMEDIATION_HEADERS = ("Số nội dung", "Đã hoàn thành", "Quá hạn", "Tỷ lệ hoàn thành")
REMEDIATION_FIELDS = ("total", "done", "overdue", "percent")


def remediation_count_formula(state: str, *extra: str) -> str:
    """``count_formula`` over "Khắc phục" (names ``KP_*``): same definitions as for tasks."""
    return "=SUMPRODUCT(" + "*".join(tuple(t.replace("NV_", "KP_") for t in _STATE_TERMS[state]) + extra) + ")"


def _write_remediation(ws: Worksheet, row: int) -> int:
    """Section VI: remediation items per area - counted, done, overdue (``compute.item_state``)."""
    _section_title(ws, row, f"VI. KẾT QUẢ KHẮC PHỤC TỒN TẠI, HẠN CHẾ (theo trang '{S.SHEET_REMEDIATION}')")
    _header_row(ws, row + 1, ("Mã LV", "Tên lĩnh vực") + REMEDIATION_HEADERS)
    first = row + 2
    for i, area in enumerate(Area):
        r = first + i
        ws.cell(row=r, column=1, value=int(area.value))
        put(ws, r, 2, AREA_NAMES[area])
        for j, state in enumerate(("total", "done", "overdue"), start=3):
            ws.cell(row=r, column=j, value=remediation_count_formula(state, f"(KP_LinhVuc=$A{r})"))
        ws.cell(row=r, column=6, value=percent_formula(f"D{r}", f"C{r}")).number_format = PERCENT_FORMAT
        _body_row(ws, r, 6)
    last = first + len(Area) - 1
    total = last + 1
    put(ws, total, 2, TOTAL_LABEL)
    for j in range(3, 6):
        col = get_column_letter(j)
        ws.cell(row=total, column=j, value=f"=SUM({col}{first}:{col}{last})")
    ws.cell(row=total, column=6, value=percent_formula(f"D{total}", f"C{total}")).number_format = PERCENT_FORMAT
    _body_row(ws, total, 6, bold=True)
    _percent_colours(ws, f"F{first}:F{total}")
    return total


# ---------------------------------------------------------------- formats

def _section_title(ws: Worksheet, row: int, text: str) -> None:
    cell = put(ws, row, 1, text)
    cell.font = font(bold=True, size=12)
    cell.alignment = Alignment(vertical="bottom", wrap_text=True)
    ws.merge_cells(f"A{row}:{LAST_COL}{row}")
    _fit_height(ws, row, text, _span_width("A", LAST_COL), size=12, bold=True)


def _header_row(ws: Worksheet, row: int, labels: tuple[str, ...]) -> None:
    for j, label in enumerate(labels, start=1):
        cell = put(ws, row, j, label)
        cell.font = font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BORDER
        _fit_height(ws, row, label, WIDTHS[get_column_letter(j)], bold=True, minimum=33)


def _span_width(first: str, last: str) -> float:
    """Width of the merged columns ``first..last``."""
    letters = "ABCDEFGH"
    return sum(WIDTHS[c] for c in letters[letters.index(first):letters.index(last) + 1])


def _fit_height(ws: Worksheet, row: int, text: object, width: float, *, size: float = 11,
                bold: bool = False, minimum: float = 0) -> None:
    """Make row ``row`` tall enough for ``text`` wrapped in ``width`` (never lowers it)."""
    lines = wrapped_lines(text, width, size=size, bold=bold)
    height = max(lines_height(lines, size) if lines > 1 else 0, minimum)
    if height and height > (ws.row_dimensions[row].height or 0):
        ws.row_dimensions[row].height = height


def _body_row(ws: Worksheet, row: int, ncol: int, bold: bool = False) -> None:
    _fit_height(ws, row, ws.cell(row=row, column=2).value, WIDTHS["B"], bold=bold)
    for j in range(1, ncol + 1):
        cell = ws.cell(row=row, column=j)
        cell.font = font(bold=bold)
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="left" if j == 2 else "center", vertical="center",
                                   wrap_text=j == 2)


def _percent_colours(ws: Worksheet, ref: str) -> None:
    ws.conditional_formatting.add(ref, ColorScaleRule(
        start_type="num", start_value=0, start_color="F8696B",
        mid_type="num", mid_value=0.5, mid_color="FFEB84",
        end_type="num", end_value=1, end_color="63BE7B"))


def _overdue_alert(ws: Worksheet, ref: str) -> None:
    ws.conditional_formatting.add(ref, CellIsRule(
        operator="greaterThan", formula=["0"], font=Font(name=FONT_NAME, bold=True,
                                                         color=OVERDUE_FONT)))


def _finish(ws: Worksheet) -> None:
    for letter, width in WIDTHS.items():
        ws.column_dimensions[letter].width = width
        ws.column_dimensions[letter].font = font()
    ws.sheet_view.showGridLines = False
    ws.sheet_view.zoomScale = 100
    setup_print(ws, landscape=False)
    ws.page_setup.fitToHeight = 1


# ---------------------------------------------------------------- locating figures

def dashboard_cells(ws: Worksheet) -> dict[str, str]:
    """Where each figure lives: key -> cell ("C11").

    Keys: ``as_of``, ``period``, ``unit_dir``, ``inbox_dir``; whole plan ``total``,
    ``done``, ``in_progress``, ``not_started``, ``overdue``, ``cancelled``, ``percent``;
    "Tình hình gửi phiếu" ``submissions:<period|issued|returned|...>`` (``register.SUMMARY_FIELDS``);
    per unit ``unit:<code>:<field>`` (``compute.UNASSIGNED`` for tasks without a unit),
    per area ``area:<1..8>:<field>`` with field in total/done/in_progress/not_started/
    overdue/percent; index ``index:<1..8|total>:<max_points|appraised|deducted_calc|
    deducted|ratio>``; points at risk ``risk:<1..8|total>:<points|criteria>``; remediation
    ``remediation:<1..8|total>:<total|done|overdue|percent>``.
    """
    cells = dict(FIXED_CELLS)
    rows = list(ws.iter_rows(min_col=1, max_col=3, values_only=True))
    for i, (a, _b, c) in enumerate(rows):
        if a == UNIT_KEY_HEADER:
            cells.update(_scan(rows, i + 1, "unit", TABLE_FIELDS))
        elif a == AREA_KEY_HEADER and c == TABLE_HEADERS[0]:
            cells.update(_scan(rows, i + 1, "area", TABLE_FIELDS))
        elif a == AREA_KEY_HEADER and c == INDEX_HEADERS[0]:
            cells.update(_scan(rows, i + 1, "index", INDEX_FIELDS))
        elif a == SUBMISSIONS_PERIOD_LABEL:
            cells["submissions:period"] = f"C{i + 1}"
            for j, (key, _l) in enumerate(R.SUMMARY_FIELDS):
                cells[f"submissions:{key}"] = f"C{i + 3 + j}"
        elif a == AREA_KEY_HEADER and c == RISK_HEADERS[0]:
            cells.update(_scan(rows, i + 1, "risk", RISK_FIELDS))
        elif a == "Mã LV" and c == REMEDIATION_HEADERS[0]:
            cells.update(_scan(rows, i + 1, "remediation", REMEDIATION_FIELDS))
    return cells


def _scan(rows: list[tuple], start: int, prefix: str, fields: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i in range(start, len(rows)):
        a, b, _c = rows[i]
        if a in (None, "") and b in (None, ""):
            break
        if a in (None, ""):
            key = "total" if b == TOTAL_LABEL else UNASSIGNED if b == UNASSIGNED else str(b)
        else:
            key = str(a)
        for j, field in enumerate(fields, start=3):
            out[f"{prefix}:{key}:{field}"] = f"{get_column_letter(j)}{i + 1}"
    return out


def read_as_of(path: str | os.PathLike[str]) -> dt.date | None:
    """The "Ngày số liệu" typed on the dashboard of a master file.

    ``None`` when the file or the cell (workbook name NgaySoLieu) is absent.  A cell that is
    not a real date - blank, an impossible date, any text (even "14/06/2025" typed as text: the
    formulas of "Tổng quan" compare dates with it and count wrong) - raises ``CchcError``
    (``as_of_not_date``) naming the file, sheet and cell: no command silently uses another date.
    A number is an Excel date serial, which the formulas use as it is.
    """
    from openpyxl import load_workbook

    from cchc_xl.core.findings import catalog

    try:     # read-only: one cell, not the whole workbook (26 s for a province's 50 000 rows)
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # unreadable file: the caller reports it when reading the master
        return None
    try:
        defined = wb.defined_names.get(NAME_AS_OF)
        for sheet, ref in (defined.destinations if defined is not None else ()):
            if sheet not in wb.sheetnames:
                continue
            cell = ref.replace("$", "")
            day, what = as_of_value(wb[sheet][cell].value)
            if day is not None:
                return day
            raise catalog.AS_OF_NOT_DATE.error(what=what, dashboard=S.SHEET_DASHBOARD,
                                               file=os.path.basename(os.fspath(path)), sheet=sheet, cell=cell)
        return None
    finally:
        wb.close()


def labelled_cells(rows: list[tuple[object, ...]]) -> dict[str, tuple[object, str]]:
    """(value, cell) of each settings label on the dashboard's rows from A1 (label in A, merged
    A:B; value in C), by ``SETTINGS`` key ("as_of", "period", ...)."""
    from cchc_xl.core.text import fold

    labels = {fold(label): key for key, label, _name, _note in SETTINGS}
    out: dict[str, tuple[object, str]] = {}
    for i, row in enumerate(rows[:40]):
        key = labels.get(fold(row[0])) if row and isinstance(row[0], str) else None
        if key and len(row) > 2:
            out[key] = (row[2], f"C{i + 1}")
    return out


def as_of_from_rows(rows: list[tuple[object, ...]] | None, file: str) -> dt.date | None:
    """The "Ngày số liệu" of the dashboard's cell values (rows from A1, as ``read_master_values``
    gives them: no whole workbook loaded); ``None`` without that label; ``CchcError``
    (``as_of_not_date``) for a cell that is not a date, as ``read_as_of``."""
    from cchc_xl.core.findings import catalog

    found = labelled_cells(list(rows or [])).get("as_of")
    if found is None:
        return None
    day, what = as_of_value(found[0])
    if day is None:
        raise catalog.AS_OF_NOT_DATE.error(what=what, dashboard=S.SHEET_DASHBOARD, file=file,
                                           sheet=S.SHEET_DASHBOARD, cell=found[1])
    return day


def as_of_value(value: object) -> tuple[dt.date | None, str]:
    """(date, "") of a "Ngày số liệu" cell value, or (None, why it is not a date): the one rule
    of the command line (``read_as_of``) and the buttons (``xl.buttons.read_settings``).

    A real date (or an Excel date serial) is a date; blank, an impossible date and any text -
    "14/06/2025" typed as text included, which the formulas of "Tổng quan" cannot use - are not."""
    if isinstance(value, dt.datetime):
        return value.date(), ""
    if isinstance(value, dt.date):
        return value, ""
    what = _as_of_problem(value)
    if what is None:
        from openpyxl.utils.datetime import from_excel

        try:
            return from_excel(value).date(), ""
        except (TypeError, ValueError, OverflowError):
            what = f"là số {value}, không phải ngày"
    return None, what


def _as_of_problem(value: object) -> str | None:
    """Why a "Ngày số liệu" value is not a date (``None`` for a number: an Excel date serial)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "đang trống"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return None
    from cchc_xl.core.records import parse_date

    text = str(value).strip()
    try:
        parse_date(text)
    except ValueError:
        return f"là '{text}' - không phải ngày hợp lệ"
    return f"là '{text}' nhập dạng văn bản, không phải ngày"
