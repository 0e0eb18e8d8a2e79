"""How the master workbook looks to officials: fonts, header rows, number
formats, frozen panes, filters, print setup, dropdowns (data validation) and
conditional formatting.  ``style_master`` is called by ``master.build_master``.

Only existing data rows get cell styles; empty rows below stay untouched so
that other modules appending rows at ``ws.max_row + 1`` keep working.
Column default styles (``<col style=...>``) give new rows typed in Excel the
right font and number format.
"""

from __future__ import annotations

import datetime as dt
from copy import copy

from openpyxl import Workbook
from openpyxl.formatting.rule import DataBarRule, FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from . import schema as S
from .models import Area, Plan, Status

FONT_NAME = "Times New Roman"
FONT_SIZE = 11
HEADER_FILL = "DDEBF7"
AREA_ROW_FILL = "F2F2F2"
INPUT_FILL = "FFF2CC"
OVERDUE_FILL = "FFC7CE"
OVERDUE_FONT = "9C0006"
DONE_FILL = "C6EFCE"
DONE_FONT = "006100"
WARN_FILL = "FFEB9C"
CANCELLED_FONT = "808080"
DATABAR_COLOR = "5B9BD5"

DATE_FORMAT = "dd/mm/yyyy"
PROGRESS_FORMAT = "0"
POINTS_FORMAT = "0.00"
PERCENT_FORMAT = "0.00%"

FOOTER_TEXT = "Trang &P/&N"
HEADER_FOOTER_FONT = f"{FONT_NAME},Regular"

# Workbook names of the dropdown lists (hidden sheet "Danh mục").
NAME_STATUS_LIST = "DS_TrangThai"
NAME_AREA_LIST = "DS_LinhVuc"
NAME_LEVEL_LIST = "DS_Cap"

# Smallest validated/conditionally formatted block (rows) on data sheets.
MIN_CAPACITY_ROW = 1000
EXTRA_ROWS = 500

THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

# Data sheets with their columns, in workbook order.
DATA_SHEETS: tuple[tuple[str, tuple[S.Column, ...]], ...] = (
    (S.SHEET_TASKS, S.TASK_COLUMNS),
    (S.SHEET_UNITS, S.UNIT_COLUMNS),
    (S.SHEET_INDEX, S.INDEX_COLUMNS),
    (S.SHEET_REMEDIATION, S.REMEDIATION_COLUMNS),
    (S.SHEET_AUDIT, S.AUDIT_COLUMNS),
    (S.SHEET_UNIT_REPORTS, S.UNIT_REPORT_COLUMNS),
)

_NUMBER_FORMATS = {"date": DATE_FORMAT, "percent": PROGRESS_FORMAT, "number": POINTS_FORMAT,
                   "int": "0"}


def font(bold: bool = False, size: int = FONT_SIZE, italic: bool = False,
         color: str | None = None) -> Font:
    """Times New Roman font (Vietnamese administrative style)."""
    return Font(name=FONT_NAME, size=size, bold=bold, italic=italic, color=color)


def capacity_row(n_items: int) -> int:
    """Last row covered by names, dropdowns and conditional formats of a data sheet."""
    return max(S.FIRST_DATA_ROW + n_items + EXTRA_ROWS, MIN_CAPACITY_ROW)


def last_data_row(ws: Worksheet) -> int:
    """Last row holding a value (``HEADER_ROW`` when the table is empty)."""
    for row in range(ws.max_row, S.HEADER_ROW, -1):
        if any(c.value not in (None, "") for c in ws[row]):
            return row
    return S.HEADER_ROW


def define_name(wb: Workbook, name: str, sheet: str, ref: str) -> None:
    """Workbook-level name ``name`` -> ``'sheet'!ref`` (replaces an existing one)."""
    if name in wb.defined_names:
        del wb.defined_names[name]
    wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheet(sheet)}!{ref}")


def quote_sheet(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def abs_range(col: str, first: int, last: int) -> str:
    return f"${col}${first}:${col}${last}"


# ---------------------------------------------------------------- entry point

def style_master(wb: Workbook, plan: Plan, as_of: dt.date | None = None) -> None:
    """Format every sheet of a freshly built master, add dropdowns and the dashboard."""
    from .dashboard import build_dashboard  # local: dashboard imports this module

    _define_lists(wb)
    commune = plan.info.commune
    for sheet, columns in DATA_SHEETS:
        if sheet in wb.sheetnames:
            style_table(wb[sheet], columns, freeze_after=5 if sheet == S.SHEET_TASKS else 0,
                        header_left=f"UBND {commune}" if commune else "")
    tasks_end = capacity_row(len(plan.tasks))
    index_end = capacity_row(last_data_row(wb[S.SHEET_INDEX]) - S.HEADER_ROW)
    build_dashboard(wb, plan, as_of=as_of, tasks_end=tasks_end, index_end=index_end)
    style_tasks(wb[S.SHEET_TASKS], tasks_end)
    style_index(wb[S.SHEET_INDEX], index_end)
    style_remediation(wb[S.SHEET_REMEDIATION], capacity_row(len(plan.remediation)))
    style_unit_reports(wb[S.SHEET_UNIT_REPORTS], capacity_row(0))
    wb.active = wb.sheetnames.index(S.SHEET_DASHBOARD)
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == S.SHEET_DASHBOARD


def _define_lists(wb: Workbook) -> None:
    lists = wb[S.SHEET_LISTS]
    n_status = len(Status.labels())
    n_area = len(Area)
    for i, label in enumerate((S.LEVEL_AREA, S.LEVEL_CRITERION), start=1):
        lists.cell(row=i, column=3, value=label)
    define_name(wb, NAME_STATUS_LIST, S.SHEET_LISTS, abs_range("A", 1, n_status))
    define_name(wb, NAME_AREA_LIST, S.SHEET_LISTS, abs_range("B", 1, n_area))
    define_name(wb, NAME_LEVEL_LIST, S.SHEET_LISTS, abs_range("C", 1, 2))


# ---------------------------------------------------------------- generic table

def style_table(ws: Worksheet, columns: tuple[S.Column, ...], *, freeze_after: int = 0,
                header_left: str = "") -> None:
    """Title, header, body formats, freeze panes, filter and print setup of a data sheet."""
    ncol = len(columns)
    last_col = get_column_letter(ncol)
    last = last_data_row(ws)
    _style_title(ws, ncol)
    for j, col in enumerate(columns, start=1):
        letter = get_column_letter(j)
        dim = ws.column_dimensions[letter]
        dim.width = col.width
        dim.font = font()
        dim.alignment = Alignment(vertical="top", wrap_text=col.kind == "longtext")
        if col.kind in _NUMBER_FORMATS:
            dim.number_format = _NUMBER_FORMATS[col.kind]
        head = ws.cell(row=S.HEADER_ROW, column=j)
        head.font = font(bold=True)
        head.fill = PatternFill("solid", fgColor=HEADER_FILL)
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        head.border = BORDER
        if last >= S.FIRST_DATA_ROW:
            template = ws.cell(row=S.FIRST_DATA_ROW, column=j)
            _style_body_cell(template, col)
            for row in range(S.FIRST_DATA_ROW + 1, last + 1):   # share the style: fast
                ws.cell(row=row, column=j)._style = copy(template._style)
    ws.row_dimensions[S.HEADER_ROW].height = 33
    ws.freeze_panes = f"{get_column_letter(freeze_after + 1)}{S.FIRST_DATA_ROW}"
    ws.auto_filter.ref = f"A{S.HEADER_ROW}:{last_col}{max(last, S.FIRST_DATA_ROW)}"
    setup_print(ws, landscape=True, title_rows=f"{S.HEADER_ROW}:{S.HEADER_ROW}",
                header_left=header_left)


def _style_title(ws: Worksheet, ncol: int) -> None:
    last_col = get_column_letter(ncol)
    for row, size, bold, italic in ((1, 14, True, False), (2, 12, False, True)):
        cell = ws.cell(row=row, column=1)
        if cell.value in (None, "") and row == 2:
            continue
        cell.font = font(bold=bold, size=size, italic=italic)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if ncol > 1:
            ws.merge_cells(f"A{row}:{last_col}{row}")
    ws.row_dimensions[1].height = 36


def _style_body_cell(cell, col: S.Column) -> None:
    cell.font = font()
    cell.border = BORDER
    horizontal = "center" if col.kind in ("date", "percent", "choice", "int") else None
    cell.alignment = Alignment(vertical="top", horizontal=horizontal,
                               wrap_text=col.kind in ("longtext", "choice"))
    if col.kind in _NUMBER_FORMATS:
        cell.number_format = _NUMBER_FORMATS[col.kind]


def setup_print(ws: Worksheet, *, landscape: bool, title_rows: str | None = None,
                header_left: str = "") -> None:
    """A4, fit to one page wide, margins (inches), header/footer with page numbers."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = 0.5
    ws.page_margins.right = 0.4
    ws.page_margins.top = 0.6
    ws.page_margins.bottom = 0.6
    ws.page_margins.header = 0.3
    ws.page_margins.footer = 0.3
    if title_rows:
        ws.print_title_rows = title_rows
    for part, text in ((ws.oddHeader.left, header_left), (ws.oddHeader.right, "&A"),
                       (ws.oddFooter.center, FOOTER_TEXT)):
        if text:
            part.text = text
            part.font = HEADER_FOOTER_FONT
            part.size = 10


# ---------------------------------------------------------------- validations

def status_validation(ref: str) -> DataValidation:
    dv = DataValidation(type="list", formula1=NAME_STATUS_LIST, allow_blank=True)
    _messages(dv, "Trạng thái không hợp lệ",
              "Chọn trạng thái trong danh sách: " + ", ".join(Status.labels()) + ".",
              "Trạng thái", "Chọn trạng thái từ danh sách thả xuống.")
    dv.add(ref)
    return dv


def progress_validation(ref: str) -> DataValidation:
    dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="100",
                        allow_blank=True)
    _messages(dv, "Tiến độ không hợp lệ",
              "Tiến độ là số từ 0 đến 100 (ví dụ: 80 nghĩa là đạt 80%).",
              "Tiến độ (%)", "Nhập số từ 0 đến 100.")
    dv.add(ref)
    return dv


def date_validation(ref: str, label: str) -> DataValidation:
    # 36526 = 01/01/2000, 73415 = 31/12/2100 (Excel serial dates)
    dv = DataValidation(type="date", operator="between", formula1="36526", formula2="73415",
                        allow_blank=True)
    _messages(dv, f"{label} không hợp lệ",
              f"{label} phải là ngày hợp lệ, nhập dạng dd/mm/yyyy (ví dụ: 30/07/2025).",
              label, "Nhập ngày dạng dd/mm/yyyy.")
    dv.add(ref)
    return dv


def list_validation(ref: str, name: str, title: str, message: str) -> DataValidation:
    dv = DataValidation(type="list", formula1=name, allow_blank=True)
    _messages(dv, f"{title} không hợp lệ", message, title, "Chọn từ danh sách thả xuống.")
    dv.add(ref)
    return dv


def _messages(dv: DataValidation, error_title: str, error: str, prompt_title: str,
              prompt: str) -> None:
    dv.showErrorMessage = True
    dv.errorStyle = "stop"
    dv.errorTitle = error_title[:32]
    dv.error = error[:225]
    dv.showInputMessage = True
    dv.promptTitle = prompt_title[:32]
    dv.prompt = prompt[:255]


def _col(columns: tuple[S.Column, ...], key: str) -> str:
    return S.col_letter(columns, key)


def _block(columns: tuple[S.Column, ...], key: str, end: int) -> str:
    letter = _col(columns, key)
    return f"{letter}{S.FIRST_DATA_ROW}:{letter}{end}"


# ---------------------------------------------------------------- sheet specifics

def task_state_conditions(row: int = S.FIRST_DATA_ROW) -> dict[str, str]:
    """Row formulas (without "=") mirroring ``compute.task_state`` for one task row."""
    c = {k: f"${_col(S.TASK_COLUMNS, k)}{row}" for k in ("id", "status", "due", "completed_on")}
    done = (f'AND({c["status"]}="{Status.DONE.value}",'
            f'OR({c["completed_on"]}="",{c["completed_on"]}<=NgaySoLieu))')
    cancelled = f'{c["status"]}="{Status.CANCELLED.value}"'
    return {
        "cancelled": f'AND({c["id"]}<>"",{cancelled})',
        "done": f'AND({c["id"]}<>"",{done})',
        "overdue": (f'AND({c["id"]}<>"",NOT({cancelled}),NOT({done}),'
                    f'ISNUMBER({c["due"]}),{c["due"]}<NgaySoLieu)'),
    }


def style_tasks(ws: Worksheet, end: int) -> None:
    """Dropdowns and conditional formats of "Phân công" (rows 5..end)."""
    cols = S.TASK_COLUMNS
    ws.add_data_validation(status_validation(_block(cols, "status", end)))
    ws.add_data_validation(progress_validation(_block(cols, "progress", end)))
    ws.add_data_validation(date_validation(_block(cols, "completed_on", end), "Ngày hoàn thành"))
    ws.add_data_validation(date_validation(_block(cols, "due", end), "Hạn (ngày)"))
    ws.add_data_validation(list_validation(
        _block(cols, "area_name", end), NAME_AREA_LIST, "Lĩnh vực",
        "Chọn một trong 8 lĩnh vực cải cách hành chính trong danh sách."))
    whole = f"A{S.FIRST_DATA_ROW}:{get_column_letter(len(cols))}{end}"
    cond = task_state_conditions()
    cf = ws.conditional_formatting
    cf.add(whole, FormulaRule(formula=[cond["overdue"]],
                              fill=PatternFill("solid", bgColor=OVERDUE_FILL),
                              font=Font(color=OVERDUE_FONT)))
    cf.add(whole, FormulaRule(formula=[cond["done"]],
                              fill=PatternFill("solid", bgColor=DONE_FILL),
                              font=Font(color=DONE_FONT)))
    cf.add(whole, FormulaRule(formula=[cond["cancelled"]],
                              font=Font(color=CANCELLED_FONT, strike=True)))
    cf.add(_block(cols, "progress", end),
           DataBarRule(start_type="num", start_value=0, end_type="num", end_value=100,
                       color=DATABAR_COLOR, showValue=True))


def index_formulas(row: int) -> tuple[str, str]:
    """Formulas of "Điểm bị trừ (tính)" and "Kiểm tra" on row ``row`` of "Chỉ số CCHC"."""
    c = {k: f"{_col(S.INDEX_COLUMNS, k)}{row}"
         for k in ("area", "max_points", "appraised", "deducted", "deducted_calc")}
    mx, ap, de, calc = c["max_points"], c["appraised"], c["deducted"], c["deducted_calc"]
    calc_f = f'=IF(AND({mx}<>"",{ap}<>""),ROUND({mx}-{ap},2),"")'
    check_f = (f'=IF(OR({c["area"]}="",{de}=""),"",'
               f'IF(NOT(ISNUMBER({de})),"Điểm bị trừ không phải là số",'
               f'TRIM(IF(ISNUMBER({mx}),IF({de}>{mx},"Điểm bị trừ lớn hơn điểm tối đa. ",""),"")'
               f'&IF(ISNUMBER({calc}),IF(ABS({de}-{calc})>0.005,'
               f'"Điểm bị trừ khác điểm tính (tối đa - thẩm định).",""),""))))')
    return calc_f, check_f


def style_index(ws: Worksheet, end: int) -> None:
    """Formulas, dropdowns and highlights of "Chỉ số CCHC"."""
    cols = S.INDEX_COLUMNS
    last = last_data_row(ws)
    j_calc, j_check = S.col_index(cols, "deducted_calc"), S.col_index(cols, "check")
    j_level = S.col_index(cols, "level")
    for row in range(S.FIRST_DATA_ROW, last + 1):
        calc_f, check_f = index_formulas(row)
        ws.cell(row=row, column=j_calc, value=calc_f)
        ws.cell(row=row, column=j_check, value=check_f).alignment = Alignment(
            vertical="top", wrap_text=True)
        if ws.cell(row=row, column=j_level).value == S.LEVEL_AREA:
            for j in range(1, len(cols) + 1):
                cell = ws.cell(row=row, column=j)
                cell.font = font(bold=True)
                cell.fill = PatternFill("solid", fgColor=AREA_ROW_FILL)
    ws.add_data_validation(list_validation(
        _block(cols, "level", end), NAME_LEVEL_LIST, "Cấp",
        f"Cấp là '{S.LEVEL_AREA}' hoặc '{S.LEVEL_CRITERION}'."))
    area = DataValidation(type="whole", operator="between", formula1="1", formula2="8",
                          allow_blank=True)
    _messages(area, "Lĩnh vực không hợp lệ", "Lĩnh vực là số từ 1 đến 8.", "Lĩnh vực",
              "Nhập số lĩnh vực từ 1 đến 8.")
    area.add(_block(cols, "area", end))
    ws.add_data_validation(area)
    check = _col(cols, "check")
    whole = f"A{S.FIRST_DATA_ROW}:{get_column_letter(len(cols))}{end}"
    ws.conditional_formatting.add(whole, FormulaRule(
        formula=[f'LEN(${check}{S.FIRST_DATA_ROW})>0'], stopIfTrue=True,
        fill=PatternFill("solid", bgColor=WARN_FILL), font=Font(color=OVERDUE_FONT, bold=True)))


def style_remediation(ws: Worksheet, end: int) -> None:
    """Dropdowns and highlights of "Khắc phục"."""
    cols = S.REMEDIATION_COLUMNS
    ws.add_data_validation(status_validation(_block(cols, "status", end)))
    ws.add_data_validation(progress_validation(_block(cols, "progress", end)))
    ws.add_data_validation(date_validation(_block(cols, "completed_on", end), "Ngày hoàn thành"))
    status = _col(cols, "status")
    whole = f"A{S.FIRST_DATA_ROW}:{get_column_letter(len(cols))}{end}"
    ws.conditional_formatting.add(whole, FormulaRule(
        formula=[f'${status}{S.FIRST_DATA_ROW}="{Status.DONE.value}"'],
        fill=PatternFill("solid", bgColor=DONE_FILL), font=Font(color=DONE_FONT)))
    ws.conditional_formatting.add(_block(cols, "progress", end), DataBarRule(
        start_type="num", start_value=0, end_type="num", end_value=100, color=DATABAR_COLOR,
        showValue=True))


def style_unit_reports(ws: Worksheet, end: int) -> None:
    """Dropdowns of "Báo cáo đơn vị" (rows appended by consolidation)."""
    cols = S.UNIT_REPORT_COLUMNS
    ws.add_data_validation(status_validation(_block(cols, "status", end)))
    ws.add_data_validation(progress_validation(_block(cols, "progress", end)))
    ws.add_data_validation(date_validation(_block(cols, "completed_on", end), "Ngày hoàn thành"))
