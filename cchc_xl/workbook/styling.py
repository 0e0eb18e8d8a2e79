"""How the master workbook looks to officials: fonts, header rows, number
formats, frozen panes, filters, print setup, dropdowns (data validation) and
conditional formatting.  ``master.build_master`` applies them (and the dashboard).

Only existing data rows get cell styles; empty rows below stay untouched so
that other modules appending rows at ``ws.max_row + 1`` keep working.
Column default styles (``<col style=...>``) give new rows typed in Excel the
right font and number format.

Print layout (A4, one page wide): Times New Roman 11 is the workbook's default
font (column widths are counted in its digits, in Excel and LibreOffice alike);
wide sheets get narrower columns (``PRINT_WIDTHS``), technical columns are
folded into a collapsed outline group (``GROUPED_COLUMNS``), text wraps and
every row gets the height of its wrapped text (``wrapped_lines``), because
neither LibreOffice nor the printer re-fits rows.
"""

from __future__ import annotations

import math
import unicodedata
from copy import copy

from openpyxl import Workbook
from openpyxl.formatting.rule import DataBarRule, FormulaRule, Rule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from cchc_xl.core import schema as S
from cchc_xl.core.models import Area, Status
from cchc_xl.workbook.cells import put, text_guard

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

# Printed layout (A4 landscape, one page wide).  The schema widths suit the unit
# workbooks; on the master the wide sheets get narrower columns (text wraps,
# rows get their height): "Phân công" prints at about 67 % instead of 35-45 %.
PRINT_WIDTHS: dict[str, dict[str, float]] = {
    S.SHEET_TASKS: {
        "id": 8, "area_name": 10, "title": 38, "product": 24, "deadline_text": 15, "due": 11,
        "lead": 13, "partners": 13, "monitor": 10, "criteria": 7, "status": 14, "progress": 8,
        "completed_on": 11, "evidence": 16, "note": 12,
    },
    S.SHEET_UNITS: {"email": 34},               # an address on one line
    S.SHEET_INDEX: {"name": 50, "check": 34},
    S.SHEET_REMEDIATION: {
        "id": 8, "area": 7, "criterion_code": 7, "criterion": 26, "deducted": 8, "solution": 44,
        "deadline_text": 10,
        "lead": 15, "partners": 15, "status": 14, "progress": 8, "completed_on": 11,
        "evidence": 18, "note": 14,
    },
    # rows appended by consolidation do not wrap: room for file names and field names
    S.SHEET_AUDIT: {"user": 14, "source": 46, "file_hash": 12, "unit": 8, "task_id": 9,
                    "field": 30, "old": 16, "new": 18},
    S.SHEET_UNIT_REPORTS: {"evidence": 22, "note": 18, "source": 46},
}
# Technical columns grouped (outline) and collapsed: hidden on screen and on paper,
# one click on "+" shows them.  Readers find columns by header text, never by position.
GROUPED_COLUMNS: dict[str, tuple[str, ...]] = {
    S.SHEET_TASKS: ("section", "tt", "lead_units", "criteria_suggested"),
    # imported from a remediation plan: shown with one click, not printed by default
    S.SHEET_REMEDIATION: ("last_result", "target", "due", "criteria_suggested", "source"),
}
# Sheets whose rows are appended later (consolidation): borders come from a
# conditional format on non-empty rows.
APPENDED_SHEETS = (S.SHEET_AUDIT, S.SHEET_UNIT_REPORTS)
CENTERED_KEYS = ("area",)           # area numbers 1..8 (index, remediation)
MARGINS = {"left": 0.5, "right": 0.4, "top": 0.6, "bottom": 0.6, "header": 0.3, "footer": 0.3}

# Row height estimate (points) for wrapped Times New Roman 11 text.
LINE_HEIGHT = 12.9               # Excel ~12.75, LibreOffice ~12.2 per line
ROW_PADDING = 3.0
MIN_ROW_HEIGHT = 15.0
MAX_ROW_HEIGHT = 409.0            # Excel's limit
HEADER_MIN_HEIGHT = 33.0
PX_PER_WIDTH = 7.0                # Excel: one width unit = max digit width (7 px, TNR/Calibri 11)
CELL_PADDING_PX = 7.0
TEXT_SAFETY = 1.06                # renderers differ a little; better one line too many

_NUMBER_FORMATS = {"date": DATE_FORMAT, "percent": PROGRESS_FORMAT, "number": POINTS_FORMAT,
                   "int": "0"}


def font(bold: bool = False, size: int = FONT_SIZE, italic: bool = False,
         color: str | None = None) -> Font:
    """Times New Roman font (Vietnamese administrative style)."""
    return Font(name=FONT_NAME, size=size, bold=bold, italic=italic, color=color)


# Advance widths of Times New Roman / Liberation Serif (fraction of the em).
_EM_GROUPS = (
    ("ijlt'", 0.278), ("fr-()[]!I", 0.333), ("sJ", 0.389), ("acez?", 0.444),
    ("bdghknopquvxy0123456789*_", 0.5), ("PSF", 0.556), ("+=", 0.564), ("ELTZ", 0.611),
    ("BCR", 0.667), ("wADGHKNOQUVXY", 0.722), ("m&", 0.778), ("%", 0.833), ("M", 0.889),
    ("W", 0.944), (" .,", 0.25), (":;/", 0.278), ('"', 0.408),
)
_EM: dict[str, float] = {ch: w for chars, w in _EM_GROUPS for ch in chars}
_EM_BASE = {"đ": "d", "Đ": "D"}


def char_em(ch: str) -> float:
    """Advance width of ``ch`` in Times New Roman (em); Vietnamese letters as their base letter."""
    base = _EM_BASE.get(ch) or unicodedata.normalize("NFD", ch)[:1] or ch
    if base in _EM:
        return _EM[base]
    return 0.722 if base.isupper() else 0.5


def text_px(text: str, size: float = FONT_SIZE, bold: bool = False) -> float:
    """Printed width of ``text`` in pixels (96 dpi), a little generous."""
    em = sum(char_em(ch) for ch in text) * (1.06 if bold else 1.0)
    return em * size * 96 / 72 * TEXT_SAFETY


def wrapped_lines(text: object, width: float, *, size: float = FONT_SIZE,
                  bold: bool = False) -> int:
    """Number of lines ``text`` takes when wrapped in a column of ``width`` units."""
    if text in (None, ""):
        return 1
    avail = max(width * PX_PER_WIDTH - CELL_PADDING_PX, 10.0)
    space = text_px(" ", size, bold)
    lines = 0
    for paragraph in str(text).split("\n"):
        used, count = 0.0, 1
        for word in paragraph.split():
            w = text_px(word, size, bold)
            if w > avail:                          # a long word breaks anywhere
                if used:
                    count += 1
                extra = math.ceil(w / avail)
                count += extra - 1
                used = w - (extra - 1) * avail
            elif used and used + space + w > avail:
                count += 1
                used = w
            else:
                used += (space if used else 0.0) + w
        lines += count
    return lines


def lines_height(lines: int, size: float = FONT_SIZE) -> float:
    """Row height (points) for ``lines`` lines of text."""
    height = lines * LINE_HEIGHT * size / FONT_SIZE + ROW_PADDING
    return round(min(max(height, MIN_ROW_HEIGHT), MAX_ROW_HEIGHT), 1)


def set_default_font(wb: Workbook) -> None:
    """Make Times New Roman 11 the workbook's "Normal" font.

    Column widths are measured in digits of this font, so LibreOffice (which has
    no Calibri) lays the sheets out like Excel, and new cells get the right font.
    """
    base = Font(name=FONT_NAME, size=FONT_SIZE, family=1)
    fonts = list(wb._fonts)
    fonts[0] = base
    wb._fonts = IndexedList(fonts)
    for style in wb._named_styles:
        if style.name == "Normal":
            style.font = base
            style.bind(wb)


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


def define_lists(wb: Workbook) -> None:
    lists = wb[S.SHEET_LISTS]
    n_status = len(Status.labels())
    n_area = len(Area)
    for i, label in enumerate((S.LEVEL_AREA, S.LEVEL_CRITERION), start=1):
        put(lists, i, 3, label)
    define_name(wb, NAME_STATUS_LIST, S.SHEET_LISTS, abs_range("A", 1, n_status))
    define_name(wb, NAME_AREA_LIST, S.SHEET_LISTS, abs_range("B", 1, n_area))
    define_name(wb, NAME_LEVEL_LIST, S.SHEET_LISTS, abs_range("C", 1, 2))


# ---------------------------------------------------------------- generic table

def style_table(ws: Worksheet, columns: tuple[S.Column, ...], *, freeze_after: int = 0,
                header_left: str = "", widths: dict[str, float] | None = None,
                grouped: tuple[str, ...] = ()) -> None:
    """Title, header, body formats, freeze panes, filter and print setup of a data sheet.

    ``widths`` overrides schema widths by column key; ``grouped`` keys are put in a
    collapsed outline group (hidden, not printed).  Rows get heights for their
    wrapped text, so the sheet prints legibly in Excel and in LibreOffice.
    """
    ncol = len(columns)
    last_col = get_column_letter(ncol)
    last = last_data_row(ws)
    sizes = column_widths(columns, widths)
    _style_title(ws, ncol)
    for j, col in enumerate(columns, start=1):
        letter = get_column_letter(j)
        dim = ws.column_dimensions[letter]
        dim.width = sizes[col.key]
        dim.font = font()
        dim.alignment = Alignment(vertical="top",
                                  wrap_text=wraps(col) and ws.title not in APPENDED_SHEETS)
        if col.kind in _NUMBER_FORMATS:
            dim.number_format = _NUMBER_FORMATS[col.kind]
        head = ws.cell(row=S.HEADER_ROW, column=j)
        head.font = font(bold=True)
        head.fill = PatternFill("solid", fgColor=HEADER_FILL)
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        head.border = BORDER
        if last >= S.FIRST_DATA_ROW:
            template = ws.cell(row=S.FIRST_DATA_ROW, column=j)
            template.quotePrefix = False     # a text guard belongs to its cell, not to the column
            _style_body_cell(template, col)
            for row in range(S.FIRST_DATA_ROW + 1, last + 1):   # share the style: fast
                cell = ws.cell(row=row, column=j)
                cell._style = copy(template._style)
                if type(cell._value) is str:
                    text_guard(cell)
            text_guard(template)
    group_columns(ws, columns, grouped)
    visible = tuple(c for c in columns if c.key not in grouped)
    ws.row_dimensions[S.HEADER_ROW].height = max(
        HEADER_MIN_HEIGHT, lines_height(max(wrapped_lines(c.header, sizes[c.key], bold=True)
                                            for c in visible)))
    fit_row_heights(ws, columns, sizes, S.FIRST_DATA_ROW, last, skip=grouped)
    ws.freeze_panes = f"{get_column_letter(freeze_after + 1)}{S.FIRST_DATA_ROW}"
    ws.auto_filter.ref = f"A{S.HEADER_ROW}:{last_col}{max(last, S.FIRST_DATA_ROW)}"
    setup_print(ws, landscape=True, title_rows=f"{S.HEADER_ROW}:{S.HEADER_ROW}",
                header_left=header_left)
    if ws.title in APPENDED_SHEETS:
        _border_filled_rows(ws, ncol, capacity_row(max(last - S.HEADER_ROW, 0)))


def wraps(col: S.Column) -> bool:
    """Text columns wrap (numbers and dates never do)."""
    return col.kind in ("text", "longtext", "choice")


def column_widths(columns: tuple[S.Column, ...],
                  widths: dict[str, float] | None = None) -> dict[str, float]:
    """Column key -> width: the schema width unless ``widths`` overrides it."""
    return {c.key: (widths or {}).get(c.key, c.width) for c in columns}


def group_columns(ws: Worksheet, columns: tuple[S.Column, ...], keys: tuple[str, ...]) -> None:
    """Put each column of ``keys`` in a collapsed outline group (hidden, "+" to show)."""
    for key in keys:
        j = S.col_index(columns, key)
        letter = get_column_letter(j)
        ws.column_dimensions.group(letter, letter, outline_level=1, hidden=True)
        if j < len(columns):
            ws.column_dimensions[get_column_letter(j + 1)].collapsed = True
    if keys:
        # Excel shows the outline bar only with <sheetFormatPr outlineLevelCol>; openpyxl
        # writes that from ``max_outline`` before it computes it from the columns.
        ws.column_dimensions.max_outline = 1
        ws.sheet_format.outlineLevelCol = 1
        ws.sheet_properties.outlinePr.summaryRight = True


def restore_outline_levels(wb: Workbook) -> None:
    """Call before saving a loaded master with openpyxl: it would drop
    ``<sheetFormatPr outlineLevelCol>`` and Excel would lose the "+" of folded columns."""
    for ws in wb.worksheets:
        level = max((d.outline_level or 0 for d in ws.column_dimensions.values()), default=0)
        if level:
            ws.column_dimensions.max_outline = level
            ws.sheet_format.outlineLevelCol = level


def row_lines(values: list[object], columns: tuple[S.Column, ...], sizes: dict[str, float],
              skip: tuple[str, ...] = ()) -> int:
    """Lines the tallest wrapped cell of a row needs."""
    lines = 1
    for col, value in zip(columns, values):
        if value not in (None, "") and wraps(col) and col.key not in skip:
            lines = max(lines, wrapped_lines(value, sizes[col.key]))
    return lines


def fit_row_heights(ws: Worksheet, columns: tuple[S.Column, ...], sizes: dict[str, float],
                    first: int, last: int, skip: tuple[str, ...] = ()) -> None:
    """Give rows ``first..last`` the height of their wrapped text (hidden columns ignored).

    Neither LibreOffice nor a printout re-fits rows written by openpyxl, so
    wrapped text would otherwise overflow one-line rows.
    """
    rows = ws.iter_rows(min_row=first, max_row=last, max_col=len(columns), values_only=True)
    for r, values in enumerate(rows, start=first):
        n = row_lines(list(values), columns, sizes, skip)
        if n > 1:
            ws.row_dimensions[r].height = lines_height(n)


def _border_filled_rows(ws: Worksheet, ncol: int, end: int) -> None:
    """Borders on every non-empty row (rows appended later carry no cell style)."""
    whole = f"A{S.FIRST_DATA_ROW}:{get_column_letter(ncol)}{end}"
    rule = Rule(type="expression", dxf=DifferentialStyle(border=BORDER),
                formula=[f'LEN($A{S.FIRST_DATA_ROW})>0'])
    ws.conditional_formatting.add(whole, rule)


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
    centered = col.kind in ("date", "percent", "choice", "int") or col.key in CENTERED_KEYS
    horizontal = "center" if centered else None
    cell.alignment = Alignment(vertical="top", horizontal=horizontal, wrap_text=wraps(col))
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
    for side, inches in MARGINS.items():
        setattr(ws.page_margins, side, inches)
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


CHECK_NOT_NUMBER = "Điểm bị trừ không phải là số"
CHECK_OVER_MAX = "Điểm bị trừ lớn hơn điểm tối đa."
CHECK_MISMATCH = "Điểm bị trừ khác điểm tính (tối đa - thẩm định)."


def index_formulas(row: int) -> tuple[str, str]:
    """Formulas of "Điểm bị trừ (tính)" and "Kiểm tra" on row ``row`` of "Chỉ số CCHC"."""
    c = {k: f"{_col(S.INDEX_COLUMNS, k)}{row}"
         for k in ("area", "max_points", "appraised", "deducted", "deducted_calc")}
    mx, ap, de, calc = c["max_points"], c["appraised"], c["deducted"], c["deducted_calc"]
    calc_f = f'=IF(AND({mx}<>"",{ap}<>""),ROUND({mx}-{ap},2),"")'
    check_f = (f'=IF(OR({c["area"]}="",{de}=""),"",'
               f'IF(NOT(ISNUMBER({de})),"{CHECK_NOT_NUMBER}",'
               f'TRIM(IF(ISNUMBER({mx}),IF({de}>{mx},"{CHECK_OVER_MAX} ",""),"")'
               f'&IF(ISNUMBER({calc}),IF(ABS({de}-{calc})>0.005,'
               f'"{CHECK_MISMATCH}",""),""))))')
    return calc_f, check_f


def index_check_text(area: object, max_points: object, appraised: object,
                     deducted: object) -> str:
    """What the "Kiểm tra" formula shows for these values (used to size the row)."""
    def num(v: object) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    if area in (None, "") or deducted in (None, ""):
        return ""
    if not num(deducted):
        return CHECK_NOT_NUMBER
    parts = []
    if num(max_points) and deducted > max_points:  # type: ignore[operator]
        parts.append(CHECK_OVER_MAX)
    if num(max_points) and num(appraised):
        calc = round(max_points - appraised, 2)  # type: ignore[operator]
        if abs(deducted - calc) > 0.005:  # type: ignore[operator]
            parts.append(CHECK_MISMATCH)
    return " ".join(parts)


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
        is_area = ws.cell(row=row, column=j_level).value == S.LEVEL_AREA
        if is_area:
            for j in range(1, len(cols) + 1):
                cell = ws.cell(row=row, column=j)
                cell.font = font(bold=True)
                cell.fill = PatternFill("solid", fgColor=AREA_ROW_FILL)
        _fit_index_row(ws, row, bold=is_area)
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


def _fit_index_row(ws: Worksheet, row: int, bold: bool) -> None:
    """Height for the criterion name and for the message the check formula will show."""
    cols = S.INDEX_COLUMNS
    sizes = column_widths(cols, PRINT_WIDTHS.get(S.SHEET_INDEX))
    v = {c.key: ws.cell(row=row, column=j).value for j, c in enumerate(cols, start=1)}
    check = index_check_text(v["area"], v["max_points"], v["appraised"], v["deducted"])
    lines = max(wrapped_lines(v["name"], sizes["name"], bold=bold),
                wrapped_lines(check, sizes["check"], bold=True))
    if lines > 1:
        ws.row_dimensions[row].height = lines_height(lines)


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
