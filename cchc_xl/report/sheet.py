"""The report sheet "Báo cáo quý" of the master workbook.

``report_layout(report)`` lays the sheet out as plain data (values from A1,
number formats, styles, merged ranges, row heights, table positions, chart
specs, page breaks): pure Python, so the xlwings adapter can write the same
grid through the Book API.  ``write_report_sheet(wb, report)`` applies it to
an openpyxl workbook with Times New Roman, borders, A4 print setup and two
native Excel bar charts.  ``update_master_report(path, period)`` does the
whole file round trip (read, build, replace the sheet, back up, save atomically).

Printing: neither LibreOffice nor the printer re-fits rows written by openpyxl,
so every row gets the height of its wrapped text (``styling.wrapped_lines``);
charts sit on rows of fixed height reserved for them, and manual page breaks
keep each section (heading, table, chart) on one A4 page when it fits there.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, OneCellAnchor
from openpyxl.drawing.text import CharacterProperties, Font as DrawingFont, Paragraph, \
    ParagraphProperties, RegularTextRun
from openpyxl.drawing.xdr import XDRPositiveSize2D
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.units import cm_to_EMU, pixels_to_EMU
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from cchc_xl.core.history import Snapshot
from cchc_xl.workbook.periodbook import append_snapshot
from cchc_xl.core import schema as S
from cchc_xl.files.excel import load_xlsx
from cchc_xl.core.periods import ReportingPeriod
from cchc_xl.report.data import (DONE_IN_PERIOD_LABEL, DONE_UNDATED_LABEL, QuarterlyReport, fmt_date,
                                  report_for)
from cchc_xl.report.periodic import GAINED_LABEL, basis_note
from cchc_xl.files.safeio import check_can_write, save_workbook_guarded
from cchc_xl.files.package import refuse_openpyxl_losses
from cchc_xl.workbook.cells import text_guard
from cchc_xl.workbook.styling import PX_PER_WIDTH, lines_height, restore_outline_levels, wrapped_lines

FONT_NAME = "Times New Roman"
# column widths A..I (digits of the default font); 115 in all: prints at about 80 % on A4
WIDTHS = (5, 35, 10, 11, 10, 10, 10, 10, 14)
LAST_COL = len(WIDTHS)
# "[$-42A]" (Vietnamese) makes LibreOffice print a decimal comma; Excel uses the system's.
PCT_FORMAT = "[$-42A]0.00%"
POINTS_FORMAT = "[$-42A]0.00"
DATE_FORMAT = "dd/mm/yyyy"

CHART_WIDTH_CM = 17.0
CHART_HEIGHT_CM = 8.5
CHART_ROW_HEIGHT = 15.0      # points; the rows under a chart have this fixed height
CHART_GAP = 6.0              # points left free under a chart
BLANK_HEIGHT = 12.0          # an empty spacer row
HEADER_MIN_HEIGHT = 30.0

# Print geometry (inches): A4 portrait, fit to one page wide.
PAPER_WIDTH_IN, PAPER_HEIGHT_IN = 8.27, 11.69
MARGIN_SIDE_IN, MARGIN_TOP_IN, MARGIN_BOTTOM_IN, FOOTER_IN = 0.5, 0.6, 0.75, 0.3
PRINT_PX_PER_WIDTH = 7.5     # LibreOffice's Times New Roman digit: a little wider than Excel's 7 px
PAGE_SAFETY = 0.95           # renderers differ a little: plan pages 5 % shorter
SMALL_BLOCK = 0.5            # a table up to half a page is not split across pages

COUNT_HEADERS = ("Tổng số", "Đã hoàn thành", "Đang thực hiện", "Chưa thực hiện", "Quá hạn",
                 "Tỷ lệ hoàn thành")


@dataclass
class TableRef:
    """Where a table sits: header row, first/last data rows (1-based)."""

    header_row: int
    first_row: int
    last_row: int
    first_col: int = 1
    last_col: int = LAST_COL


@dataclass
class ChartSpec:
    """A bar chart over a table of the sheet (1-based rows/cols)."""

    title: str
    anchor: str
    cat_col: int
    value_cols: tuple[int, ...]
    header_row: int
    first_row: int
    last_row: int
    stacked: bool = False
    percent: bool = False
    y_title: str = ""
    width_cm: float = CHART_WIDTH_CM
    height_cm: float = CHART_HEIGHT_CM
    rows: tuple[int, int] = (0, 0)      # rows reserved for the chart (fixed heights)


@dataclass
class ReportSheetLayout:
    """The sheet as data: ``cells[(row, col)] = value``, plus formats/styles/merges.

    ``heights`` has every row 1..``last_row``; ``keep`` lists row ranges that should
    print on one page; ``breaks`` are the rows after which a new page starts.
    """

    cells: dict[tuple[int, int], Any] = field(default_factory=dict)
    formats: dict[tuple[int, int], str] = field(default_factory=dict)
    styles: dict[tuple[int, int], str] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2
    heights: dict[int, float] = field(default_factory=dict)
    tables: dict[str, TableRef] = field(default_factory=dict)
    charts: list[ChartSpec] = field(default_factory=list)
    keep: list[tuple[int, int]] = field(default_factory=list)
    breaks: list[int] = field(default_factory=list)
    last_row: int = 0

    def grid(self) -> list[list[Any]]:
        """Values as a rectangular 2D list from A1 (None for empty cells)."""
        out = [[None] * LAST_COL for _ in range(self.last_row)]
        for (r, c), v in self.cells.items():
            out[r - 1][c - 1] = v
        return out

    def span_width(self, row: int, col: int) -> float:
        """Width (digits) of the cell at ``row, col``, merged columns included."""
        end = next((c2 for r1, c1, r2, c2 in self.merges if r1 == row and c1 == col), col)
        return float(sum(WIDTHS[col - 1:end]))


# ---------------------------------------------------------------- print geometry

def print_scale(widths: tuple[float, ...] = WIDTHS) -> float:
    """Scale of the printout when the columns are fitted to one A4 page wide."""
    sheet_pt = sum(w * PRINT_PX_PER_WIDTH for w in widths) * 0.75
    return min(1.0, (PAPER_WIDTH_IN - 2 * MARGIN_SIDE_IN) * 72 / sheet_pt)


def page_capacity(widths: tuple[float, ...] = WIDTHS) -> float:
    """Sheet points (row heights) that fit on one printed page, with a safety margin."""
    body_in = PAPER_HEIGHT_IN - MARGIN_TOP_IN - MARGIN_BOTTOM_IN
    return body_in * 72 / print_scale(widths) * PAGE_SAFETY


def paginate(heights: dict[int, float], last_row: int, keep: list[tuple[int, int]],
             capacity: float) -> list[int]:
    """Rows after which to break the page so that kept ranges are not split.

    At each row the longest kept range starting there that fits on a page is laid
    out as a block; a block that does not fit on the rest of the page starts a new one.
    """
    starts: dict[int, list[int]] = {}
    for first, last in keep:
        starts.setdefault(first, []).append(last)
    breaks: list[int] = []
    used, row = 0.0, 1
    while row <= last_row:
        end = row
        for last in sorted(starts.get(row, []), reverse=True):
            if _rows_height(heights, row, last) <= capacity:
                end = last
                break
        block = _rows_height(heights, row, end)
        if used > 0 and used + block > capacity:
            breaks.append(row - 1)
            used = 0.0
        used += block
        while used > capacity:            # a block taller than a page flows over
            used -= capacity
        row = end + 1
    return breaks


def _rows_height(heights: dict[int, float], first: int, last: int) -> float:
    return sum(heights.get(r, BLANK_HEIGHT) for r in range(first, last + 1))


def chart_rows(height_cm: float = CHART_HEIGHT_CM) -> int:
    """Rows of ``CHART_ROW_HEIGHT`` reserved for a chart ``height_cm`` high."""
    return math.ceil((height_cm / 2.54 * 72 + CHART_GAP) / CHART_ROW_HEIGHT)


# ---------------------------------------------------------------- layout builder

class _Builder:
    """Cursor-based writer of a ``ReportSheetLayout``."""

    def __init__(self) -> None:
        self.lay = ReportSheetLayout()
        self.row = 1
        self.min_heights: dict[int, float] = {}
        self.fixed: dict[int, float] = {}
        self.small: list[tuple[int, int]] = []

    def put(self, row: int, col: int, value: Any, style: str = "cell", fmt: str | None = None,
            span_to: int | None = None) -> None:
        self.lay.cells[(row, col)] = value
        self.lay.styles[(row, col)] = style
        if fmt:
            self.lay.formats[(row, col)] = fmt
        if span_to and span_to > col:
            self.lay.merges.append((row, col, row, span_to))
            for c in range(col + 1, span_to + 1):
                self.lay.styles[(row, c)] = style
        self.lay.last_row = max(self.lay.last_row, row)

    def line(self, text: str, style: str, height: float | None = None) -> None:
        """A full-width merged line of text (at least ``height`` points high)."""
        self.put(self.row, 1, text, style, span_to=LAST_COL)
        if height:
            self.min_heights[self.row] = height
        self.row += 1

    def skip(self, n: int = 1) -> None:
        self.row += n

    def header(self, labels: list[tuple[int, str, int | None]]) -> int:
        """Header cells (col, label, merge-to col); returns the header row."""
        r = self.row
        for col, label, span in labels:
            self.put(r, col, label, "header", span_to=span)
        self.min_heights[r] = HEADER_MIN_HEIGHT
        self.row += 1
        return r

    def keep(self, first: int, last: int) -> None:
        """Rows ``first..last`` should print on one page."""
        if last > first:
            self.lay.keep.append((first, last))

    def keep_section(self, start: int, first: int) -> None:
        """A section from its heading ``start`` to the cursor: the heading never ends a
        page alone (kept with the table header and ``first`` data row), and the whole
        section stays on one page when it is short (``SMALL_BLOCK``)."""
        self.keep(start, first)
        if self.row - 1 > first:
            self.small.append((start, self.row - 1))

    def chart(self, spec: ChartSpec) -> None:
        """Reserve fixed-height rows from the cursor for ``spec`` and register it."""
        n = chart_rows(spec.height_cm)
        first, last = self.row, self.row + n - 1
        for r in range(first, last + 1):
            self.fixed[r] = CHART_ROW_HEIGHT
        spec.anchor = f"B{first}"
        spec.rows = (first, last)
        self.lay.charts.append(spec)
        self.lay.last_row = max(self.lay.last_row, last)
        self.row = last + 1

    def finish(self) -> ReportSheetLayout:
        """Row heights for every row, then the page breaks."""
        lay = self.lay
        for r in range(1, lay.last_row + 1):
            lay.heights[r] = self.fixed.get(r) or max(_row_height(lay, r),
                                                      self.min_heights.get(r, 0.0))
        capacity = page_capacity()
        lay.keep += [(a, z) for a, z in self.small
                     if _rows_height(lay.heights, a, z) <= SMALL_BLOCK * capacity]
        lay.breaks = paginate(lay.heights, lay.last_row, lay.keep, capacity)
        return lay


def _row_height(lay: ReportSheetLayout, row: int) -> float:
    """Height (points) the tallest cell of ``row`` needs; ``BLANK_HEIGHT`` for an empty row."""
    need = 0.0
    for col in range(1, LAST_COL + 1):
        value = lay.cells.get((row, col))
        if value in (None, ""):
            continue
        style = _STYLE[lay.styles.get((row, col), "cell")]
        size, bold = float(style["font"].sz), bool(style["font"].b)
        lines = 1
        if style["alignment"].wrap_text and isinstance(value, str):
            lines = wrapped_lines(value, lay.span_width(row, col), size=size, bold=bold)
        need = max(need, lines_height(lines, size))
    return need or BLANK_HEIGHT


def _pct_value(percent: float | None) -> float | None:
    """Report percent 0..100 -> cell value as a fraction (formatted 0.00%)."""
    return None if percent is None else round(percent / 100, 6)


# ---------------------------------------------------------------- layout

def report_layout(report: QuarterlyReport) -> ReportSheetLayout:
    """Lay out the report sheet (pure data)."""
    b = _Builder()
    _title_block(b, report)
    _summary_block(b, report)
    _count_table(b, report, "unit", "II. KẾT QUẢ THEO ĐƠN VỊ CHỦ TRÌ", "Đơn vị chủ trì")
    _count_table(b, report, "area", "III. KẾT QUẢ THEO LĨNH VỰC", "Lĩnh vực")
    _deduction_block(b, report)
    _remediation_block(b, report)
    _overdue_block(b, report)
    _done_block(b, report)
    _trend_block(b, report)
    _indicator_block(b, report)
    return b.finish()


TREND_HEADERS = ("Tổng số", "Hoàn thành lũy kế", GAINED_LABEL, "Quá hạn", "Tỷ lệ lũy kế",
                 "Số liệu")


def _trend_block(b: _Builder, rep: QuarterlyReport) -> None:
    """VIII. Cumulative figures at each cut-off of the year, with the trend chart."""
    start = b.row
    b.line("VIII. KẾT QUẢ LŨY KẾ QUA CÁC KỲ BÁO CÁO", "section", 20)
    b.line(f"Số liệu nhiệm vụ của kỳ này: {rep.source}." if rep.closed else
           "Kỳ này chưa chốt số liệu (lệnh chot-ky): số liệu tính từ sổ tổng hợp hiện tại.", "note")
    hdr = b.header([(1, "TT", None), (2, "Kỳ báo cáo (ngày chốt)", None)]
                   + [(3 + i, h, None) for i, h in enumerate(TREND_HEADERS)])
    first = b.row
    for i, r in enumerate(rep.trend, start=1):
        b.put(b.row, 1, i, "center")
        b.put(b.row, 2, f"{r.label} ({fmt_date(r.cutoff)})", "cell")
        for j, v in enumerate((r.total, r.done, r.gained, r.overdue)):
            b.put(b.row, 3 + j, v, "number")
        b.put(b.row, 7, _pct_value(r.percent), "number", fmt=PCT_FORMAT)
        b.put(b.row, 8, r.basis_label, "center")
        b.row += 1
    last = b.row - 1
    b.lay.tables["trend"] = TableRef(hdr, first, last, 1, 8)
    if basis_note(rep.trend):
        b.line(basis_note(rep.trend), "note")
    b.keep(start, b.row - 1)
    b.skip()
    if len(rep.trend) >= 2:
        chart_start = b.row - 1
        b.chart(ChartSpec(title="Tỷ lệ hoàn thành lũy kế qua các kỳ", anchor="", cat_col=2,
                          value_cols=(7,), header_row=hdr, first_row=first, last_row=last,
                          percent=True, y_title="Tỷ lệ hoàn thành"))
        b.keep(chart_start, b.row - 1)         # a chart never straddles a page break
        b.keep(start, b.row - 1)               # the table with its chart


def _indicator_block(b: _Builder, rep: QuarterlyReport) -> None:
    """IX. The period's figures of the sheet "Số liệu" with the reviewer's remarks."""
    from cchc_xl.core.indicators import INDICATORS, rate

    start = b.row
    b.line(f"IX. SỐ LIỆU CẢI CÁCH HÀNH CHÍNH {rep.period.label.upper()} (trang 'Số liệu')", "section", 20)
    shown = [i for i in INDICATORS if i.key in rep.indicators
             or (i.kind == "rate" and rate(rep.indicators, i.key) is not None)]
    if not shown:
        b.line("(Chưa nhập số liệu của kỳ tại trang 'Số liệu' hoặc bằng lệnh nhap-so-lieu)", "note")
        b.skip()
        return
    hdr = b.header([(1, "TT", None), (2, "Chỉ tiêu", None), (3, "Đơn vị tính", None), (4, "Số liệu", None),
                    (5, "Ghi chú, kiểm tra", 8)])
    first = b.row
    notes: dict[str, list[str]] = {}
    for f in rep.indicator_findings:
        key = next((i.key for i in INDICATORS if f.cell and f.cell == _cell_of(rep, i.key)), "")
        notes.setdefault(key, []).append(f.message)
    for n, ind in enumerate(shown, start=1):
        b.put(b.row, 1, n, "center")
        b.put(b.row, 2, ind.label, "cell")
        b.put(b.row, 3, ind.unit, "center")
        if ind.kind == "rate":
            b.put(b.row, 4, _pct_value(rate(rep.indicators, ind.key)), "number", fmt=PCT_FORMAT)
        else:
            b.put(b.row, 4, rep.indicators[ind.key], "number",
                  fmt="#,##0" if ind.kind == "count" else "#,##0.00#")
        b.put(b.row, 5, "; ".join(notes.get(ind.key, [])) or None, "cell", span_to=8)
        b.row += 1
    b.lay.tables["indicators"] = TableRef(hdr, first, b.row - 1, 1, 8)
    b.keep(start, first)
    b.skip()


def _cell_of(rep: QuarterlyReport, key: str) -> str:
    return rep.indicator_cells.get(key, "")


def _title_block(b: _Builder, rep: QuarterlyReport) -> None:
    info, p = rep.info, rep.period
    b.line(f"BÁO CÁO KẾT QUẢ THỰC HIỆN KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH {p.label.upper()}", "title", 24)
    who = "Ủy ban nhân dân " + ", ".join(x for x in (info.commune, info.province) if x)
    plan = f" - Kế hoạch số {info.plan_number}" if info.plan_number else ""
    b.line(f"{who.strip()}{plan}", "subtitle", 18)
    b.line(f"Số liệu tính từ ngày {fmt_date(p.start)} đến ngày {fmt_date(p.end)} (ngày chốt số liệu); "
           f"hạn gửi báo cáo: {fmt_date(p.due)}", "italic", 18)
    b.line("Trang này được tạo lại mỗi lần lập báo cáo từ số liệu của sổ tổng hợp; "
           "không nhập số liệu tại đây.", "note", 16)
    b.skip()


def _summary_block(b: _Builder, rep: QuarterlyReport) -> None:
    s = rep.summary
    b.line("I. TỔNG HỢP CHUNG", "section", 20)
    r0 = b.header([(1, "TT", None), (2, "Chỉ tiêu", None), (3, "Số lượng", None)])
    rows = [("Tổng số nhiệm vụ phải thực hiện (không tính nhiệm vụ không thực hiện)", s.total, None),
            ("Đã hoàn thành", s.done, None), ("Đang thực hiện", s.in_progress, None),
            ("Chưa thực hiện", s.not_started, None), ("Quá hạn", s.overdue, None),
            ("Không thực hiện", s.cancelled, None),
            ("Tỷ lệ hoàn thành", _pct_value(s.percent), PCT_FORMAT),
            (DONE_IN_PERIOD_LABEL, len(rep.completed_in_period), None),
            (DONE_UNDATED_LABEL, len(rep.done_undated), None)]
    for i, (label, value, fmt) in enumerate(rows, start=1):
        b.put(b.row, 1, i, "center")
        b.put(b.row, 2, label, "cell")
        b.put(b.row, 3, value, "number", fmt=fmt)
        b.row += 1
    b.lay.tables["summary"] = TableRef(r0, r0 + 1, b.row - 1, 1, 3)
    for text in (rep.narrative.completion, rep.narrative.breakdown, rep.narrative.period_done,
                 rep.narrative.overdue):
        if text:
            b.line(text, "text")
    b.keep(1, b.row - 1)                       # title, summary and its sentences: page 1
    b.skip()


def _count_table(b: _Builder, rep: QuarterlyReport, by: str, title: str, label: str) -> None:
    rows = rep.by_unit if by == "unit" else rep.by_area
    start = b.row
    b.line(title, "section", 20)
    hdr = b.header([(1, "TT", None), (2, label, None)]
                   + [(3 + i, h, None) for i, h in enumerate(COUNT_HEADERS)])
    first = b.row
    for i, r in enumerate(rows, start=1):
        name = f"{r.key}. {r.name}" if by == "area" else r.name
        values = (r.total, r.done, r.in_progress, r.not_started, r.overdue)
        b.put(b.row, 1, i, "center")
        b.put(b.row, 2, name, "cell")
        for j, v in enumerate(values):
            b.put(b.row, 3 + j, v, "number")
        b.put(b.row, 8, _pct_value(r.percent), "number", fmt=PCT_FORMAT)
        b.row += 1
    last = b.row - 1
    if by == "area" and rows:
        s = rep.summary
        b.put(b.row, 1, None, "total")
        b.put(b.row, 2, "Tổng cộng", "total")
        for j, v in enumerate((s.total, s.done, s.in_progress, s.not_started, s.overdue)):
            b.put(b.row, 3 + j, v, "total_number")
        b.put(b.row, 8, _pct_value(s.percent), "total_number", fmt=PCT_FORMAT)
        b.row += 1
    if not rows:
        b.line("(Chưa có nhiệm vụ)", "note")
        b.skip()
        return
    b.lay.tables[by] = TableRef(hdr, first, last, 1, 8)
    b.keep(start, first)                       # heading, header and a first row together
    b.skip()
    chart_start = b.row - 1                    # the spacer row above the chart
    if by == "unit":
        spec = ChartSpec(title="Tình hình thực hiện nhiệm vụ theo đơn vị chủ trì", anchor="",
                         cat_col=2, value_cols=(4, 5, 6, 7), header_row=hdr, first_row=first,
                         last_row=last, stacked=True, y_title="Số nhiệm vụ")
    else:
        spec = ChartSpec(title="Tỷ lệ hoàn thành nhiệm vụ theo lĩnh vực", anchor="", cat_col=2,
                         value_cols=(8,), header_row=hdr, first_row=first, last_row=last,
                         percent=True, y_title="Tỷ lệ hoàn thành")
    b.chart(spec)
    b.keep(chart_start, b.row - 1)             # a chart never straddles a page break
    b.keep(start, b.row - 1)                   # the table with its chart when they fit


def _deduction_block(b: _Builder, rep: QuarterlyReport) -> None:
    start = b.row
    year = f" NĂM {rep.info.index_year}" if rep.info.index_year else ""
    b.line(f"IV. CHỈ SỐ CẢI CÁCH HÀNH CHÍNH{year} - ĐIỂM BỊ TRỪ THEO LĨNH VỰC", "section", 20)
    if not rep.deductions:
        b.line("(Sổ tổng hợp chưa có số liệu Chỉ số CCHC - nhập tại trang 'Chỉ số CCHC')", "note")
        b.skip()
        return
    hdr = b.header([(1, "TT", None), (2, "Lĩnh vực", None), (3, "Điểm tối đa", None),
                    (4, "Điểm thẩm định", None), (5, "Điểm bị trừ", None),
                    (6, "Điểm bị trừ (tính lại)", None), (7, "Tổng trừ theo tiêu chí", None),
                    (8, "Kiểm tra", LAST_COL)])
    first = b.row
    for i, d in enumerate(rep.deductions, start=1):
        b.put(b.row, 1, i, "center")
        b.put(b.row, 2, f"{d.area.value}. {d.name}", "cell")
        for j, v in enumerate((d.max_points, d.appraised, d.deducted, d.deducted_calc,
                               d.criteria_deducted)):
            b.put(b.row, 3 + j, v, "number", fmt=POINTS_FORMAT)
        b.put(b.row, 8, d.check or None, "warn" if d.check else "cell", span_to=LAST_COL)
        b.row += 1
    last = b.row - 1
    b.put(b.row, 1, None, "total")
    b.put(b.row, 2, "Tổng điểm", "total")
    for j, v in enumerate((rep.index_max, rep.index_appraised, None, rep.index_deducted, None)):
        b.put(b.row, 3 + j, v, "total_number", fmt=POINTS_FORMAT)
    b.put(b.row, 8, None, "total", span_to=LAST_COL)
    b.row += 1
    b.lay.tables["deductions"] = TableRef(hdr, first, last, 1, LAST_COL)
    if rep.narrative.index:
        b.line(rep.narrative.index, "text")
    b.keep_section(start, first)
    b.skip()


def _remediation_block(b: _Builder, rep: QuarterlyReport) -> None:
    start = b.row
    b.line("V. KẾT QUẢ KHẮC PHỤC TỒN TẠI, HẠN CHẾ", "section", 20)
    if not rep.remediation_total.total and not rep.remediation_total.cancelled:
        b.line("(Sổ tổng hợp chưa có nội dung khắc phục - nhập tại trang 'Khắc phục')", "note")
        if rep.narrative.risk:
            b.line(rep.narrative.risk, "text")
        b.skip()
        return
    hdr = b.header([(1, "TT", None), (2, "Lĩnh vực", None), (3, "Số nội dung", None),
                    (4, "Đã hoàn thành", None), (5, "Đang thực hiện", None),
                    (6, "Chưa thực hiện", None), (7, "Không thực hiện", None),
                    (8, "Tỷ lệ hoàn thành", None)])
    first = b.row
    rows = list(enumerate(rep.remediation_by_area, start=1)) + [(None, rep.remediation_total)]
    for i, r in rows:
        total = i is None
        style, num = ("total", "total_number") if total else ("cell", "number")
        b.put(b.row, 1, i, "total" if total else "center")
        b.put(b.row, 2, r.name if total else f"{r.key}. {r.name}", style)
        for j, v in enumerate((r.total, r.done, r.in_progress, r.not_started, r.cancelled)):
            b.put(b.row, 3 + j, v, num)
        b.put(b.row, 8, _pct_value(r.percent), num, fmt=PCT_FORMAT)
        b.row += 1
    b.lay.tables["remediation"] = TableRef(hdr, first, b.row - 2, 1, 8)
    if rep.narrative.remediation:
        b.line(rep.narrative.remediation, "text")
    if rep.narrative.risk:
        b.line(rep.narrative.risk, "text")
    b.keep_section(start, first)
    b.skip()


def _task_rows(b: _Builder, lines, cols) -> None:
    for i, t in enumerate(lines, start=1):
        b.put(b.row, 1, i, "center")
        b.put(b.row, 2, t.title, "cell")
        b.put(b.row, 3, t.id, "center")
        for col, value, style, fmt, span in cols(t):
            b.put(b.row, col, value, style, fmt=fmt, span_to=span)
        b.row += 1


def _overdue_block(b: _Builder, rep: QuarterlyReport) -> None:
    start = b.row
    b.line(f"VI. NHIỆM VỤ QUÁ HẠN (tính đến ngày {fmt_date(rep.as_of)})", "section", 20)
    if not rep.overdue_tasks:
        b.line("Không có nhiệm vụ quá hạn.", "text")
        b.skip()
        return
    hdr = b.header([(1, "TT", None), (2, "Nhiệm vụ", None), (3, "Mã NV", None), (4, "Hạn", None),
                    (5, "Số ngày quá hạn", None), (6, "Tiến độ (%)", None), (7, "Chủ trì", LAST_COL)])
    first = b.row
    _task_rows(b, rep.overdue_tasks, lambda t: ((4, t.due, "center", DATE_FORMAT, None),
                                                (5, t.days_late, "number", None, None),
                                                (6, t.progress, "number", "0", None),
                                                (7, t.lead, "cell", None, LAST_COL)))
    b.lay.tables["overdue"] = TableRef(hdr, first, b.row - 1, 1, LAST_COL)
    b.keep_section(start, first)
    b.skip()


def _done_block(b: _Builder, rep: QuarterlyReport) -> None:
    start = b.row
    b.line("VII. NHIỆM VỤ HOÀN THÀNH TRONG KỲ BÁO CÁO", "section", 20)
    if rep.done_undated:
        b.line(f"{DONE_UNDATED_LABEL}: {len(rep.done_undated)} nhiệm vụ ("
               + ", ".join(t.id for t in rep.done_undated) + ") - không liệt kê dưới đây; hãy ghi ngày "
               "hoàn thành ở trang 'Phân công'.", "note")
    if not rep.completed_in_period:
        b.line("Trong kỳ báo cáo chưa có nhiệm vụ nào được hoàn thành (tính theo ngày hoàn thành).", "text")
        return
    hdr = b.header([(1, "TT", None), (2, "Nhiệm vụ", None), (3, "Mã NV", None),
                    (4, "Ngày hoàn thành", None), (5, "Minh chứng", 7), (8, "Chủ trì", LAST_COL)])
    first = b.row
    _task_rows(b, rep.completed_in_period, lambda t: ((4, t.completed_on, "center", DATE_FORMAT, None),
                                                      (5, t.evidence or None, "cell", None, 7),
                                                      (8, t.lead, "cell", None, LAST_COL)))
    b.lay.tables["done_in_period"] = TableRef(hdr, first, b.row - 1, 1, LAST_COL)
    b.keep_section(start, first)


# ---------------------------------------------------------------- openpyxl adapter

_THIN = Side(style="thin", color="000000")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_WARN_FILL = PatternFill("solid", fgColor="FCE4D6")

_STYLE: dict[str, dict[str, Any]] = {
    "title": dict(font=Font(name=FONT_NAME, size=14, bold=True),
                  alignment=Alignment(horizontal="center", vertical="center", wrap_text=True)),
    "subtitle": dict(font=Font(name=FONT_NAME, size=13, bold=True),
                     alignment=Alignment(horizontal="center", vertical="center", wrap_text=True)),
    "italic": dict(font=Font(name=FONT_NAME, size=12, italic=True),
                   alignment=Alignment(horizontal="center", vertical="center", wrap_text=True)),
    "note": dict(font=Font(name=FONT_NAME, size=10, italic=True, color="595959"),
                 alignment=Alignment(horizontal="center", vertical="center", wrap_text=True)),
    "section": dict(font=Font(name=FONT_NAME, size=12, bold=True),
                    alignment=Alignment(horizontal="left", vertical="center", wrap_text=True)),
    "text": dict(font=Font(name=FONT_NAME, size=12),
                 alignment=Alignment(horizontal="justify", vertical="top", wrap_text=True)),
    "header": dict(font=Font(name=FONT_NAME, size=11, bold=True), border=_BOX, fill=_HEADER_FILL,
                   alignment=Alignment(horizontal="center", vertical="center", wrap_text=True)),
    "cell": dict(font=Font(name=FONT_NAME, size=11), border=_BOX,
                 alignment=Alignment(horizontal="left", vertical="top", wrap_text=True)),
    "center": dict(font=Font(name=FONT_NAME, size=11), border=_BOX,
                   alignment=Alignment(horizontal="center", vertical="top", wrap_text=True)),
    "number": dict(font=Font(name=FONT_NAME, size=11), border=_BOX,
                   alignment=Alignment(horizontal="right", vertical="top")),
    "warn": dict(font=Font(name=FONT_NAME, size=11, color="C00000"), border=_BOX, fill=_WARN_FILL,
                 alignment=Alignment(horizontal="left", vertical="top", wrap_text=True)),
    "total": dict(font=Font(name=FONT_NAME, size=11, bold=True), border=_BOX, fill=_TOTAL_FILL,
                  alignment=Alignment(horizontal="left", vertical="top", wrap_text=True)),
    "total_number": dict(font=Font(name=FONT_NAME, size=11, bold=True), border=_BOX, fill=_TOTAL_FILL,
                         alignment=Alignment(horizontal="right", vertical="top")),
}


def _replace_sheet(wb: Workbook) -> Worksheet:
    """Remove the old report sheet (if any) and create an empty one in its place."""
    if S.SHEET_REPORT in wb.sheetnames:
        old = wb[S.SHEET_REPORT]
        index = wb.index(old)
        wb.remove(old)
    else:
        index = 1 if S.SHEET_DASHBOARD in wb.sheetnames and wb.sheetnames[0] == S.SHEET_DASHBOARD \
            else len(wb.sheetnames)
    return wb.create_sheet(S.SHEET_REPORT, index)


def _apply_cells(ws: Worksheet, lay: ReportSheetLayout) -> None:
    for (r, c), style in lay.styles.items():
        cell = ws.cell(row=r, column=c)
        if (r, c) in lay.cells:
            cell.value = lay.cells[(r, c)]
        for attr, value in _STYLE[style].items():
            setattr(cell, attr, value)
        text_guard(cell)   # unit names, task titles, notes: text, never a formula
        if (r, c) in lay.formats:
            cell.number_format = lay.formats[(r, c)]
    for r1, c1, r2, c2 in lay.merges:
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    for r, h in lay.heights.items():
        ws.row_dimensions[r].height = h
    for i, w in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def _chars(size: int, bold: bool = False) -> CharacterProperties:
    return CharacterProperties(sz=size * 100, b=bold, latin=DrawingFont(typeface=FONT_NAME))


def _chart_title(text: str) -> Title:
    props = _chars(12, bold=True)
    para = Paragraph(pPr=ParagraphProperties(defRPr=props), r=[RegularTextRun(rPr=props, t=text)])
    return Title(tx=Text(rich=RichText(p=[para])), overlay=False)


def _text_props(size: int) -> RichText:
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=_chars(size)), endParaRPr=_chars(size))])


def _chart_anchor(spec: ChartSpec) -> OneCellAnchor:
    """The chart centred across the printed width, from the first of its reserved rows."""
    sheet_px = sum(WIDTHS) * PX_PER_WIDTH
    chart_px = spec.width_cm / 2.54 * 96
    left = max((sheet_px - chart_px) / 2, 0.0)
    col = 0
    while col < LAST_COL - 1 and left >= WIDTHS[col] * PX_PER_WIDTH:
        left -= WIDTHS[col] * PX_PER_WIDTH
        col += 1
    start = AnchorMarker(col=col, colOff=pixels_to_EMU(int(left)), row=spec.rows[0] - 1, rowOff=0)
    return OneCellAnchor(_from=start, ext=XDRPositiveSize2D(cm_to_EMU(spec.width_cm),
                                                            cm_to_EMU(spec.height_cm)))


def _make_chart(ws: Worksheet, spec: ChartSpec) -> BarChart:
    chart = BarChart()
    chart.type = "col"
    chart.title = _chart_title(spec.title)
    chart.style = 10
    chart.height = spec.height_cm
    chart.width = spec.width_cm
    for col in spec.value_cols:
        data = Reference(ws, min_col=col, min_row=spec.header_row, max_row=spec.last_row)
        chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=spec.cat_col, min_row=spec.first_row,
                                   max_row=spec.last_row))
    chart.y_axis.title = spec.y_title
    chart.x_axis.txPr = _text_props(9)
    chart.y_axis.txPr = _text_props(9)
    chart.x_axis.delete = False      # openpyxl 3.1 hides axes in Excel unless told otherwise
    chart.y_axis.delete = False
    chart.y_axis.scaling.min = 0
    if spec.stacked:
        chart.grouping = "stacked"
        chart.overlap = 100
        chart.legend.position = "b"
        chart.legend.txPr = _text_props(9)
    if spec.percent:
        chart.y_axis.scaling.max = 1
        chart.y_axis.number_format = "0%"
        chart.y_axis.numFmt.sourceLinked = False
        chart.legend = None
        chart.dataLabels = DataLabelList(showVal=True, showSerName=False, showCatName=False,
                                         showLegendKey=False, showPercent=False,
                                         numFmt="[$-42A]0.0%", txPr=_text_props(9))
    return chart


def _print_setup(ws: Worksheet, lay: ReportSheetLayout) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.page_margins.left = ws.page_margins.right = MARGIN_SIDE_IN
    ws.page_margins.top, ws.page_margins.bottom = MARGIN_TOP_IN, MARGIN_BOTTOM_IN
    ws.page_margins.footer = FOOTER_IN
    ws.print_area = f"A1:{get_column_letter(LAST_COL)}{lay.last_row}"
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "Trang &P/&N"
    ws.oddFooter.center.font = f"{FONT_NAME},Regular"
    ws.oddFooter.center.size = 10
    ws.sheet_view.showGridLines = False
    for row in lay.breaks:
        ws.row_breaks.append(Break(id=row))


def write_report_sheet(wb: Workbook, report: QuarterlyReport) -> Worksheet:
    """Create or replace the sheet "Báo cáo quý" of ``wb`` with ``report``."""
    ws = _replace_sheet(wb)
    lay = report_layout(report)
    _apply_cells(ws, lay)
    for spec in lay.charts:
        chart = _make_chart(ws, spec)
        chart.anchor = _chart_anchor(spec)
        ws.add_chart(chart)
    _print_setup(ws, lay)
    return ws


# ---------------------------------------------------------------- file round trip

REPORT_ACTION = f"ghi trang '{S.SHEET_REPORT}' vào sổ"
REPORT_ADVICE = (f"Chạy lại với --khong-ghi-so (chỉ tạo bản Word), hoặc bấm nút '{S.SHEET_REPORT}' trong "
                 "Excel: trang báo cáo được ghi ngay trong sổ đang mở và mọi thứ được giữ nguyên")


def save_report_sheet(master_path: str | os.PathLike[str], report: QuarterlyReport, *,
                      out: str | os.PathLike[str] | None = None, snapshot: Snapshot | None = None) -> Path:
    """Load the master, replace its report sheet (and append ``snapshot`` to "Lịch sử"),
    back up the target and save atomically."""
    src = Path(master_path)
    target = Path(out) if out else src
    # openpyxl rewrites the whole package: refuse rather than drop what the official added
    refuse_openpyxl_losses(src, f"ghi trang '{S.SHEET_REPORT}' vào sổ", replaced_sheets=(S.SHEET_REPORT,),
                           advice=REPORT_ADVICE)
    check_can_write(target, REPORT_ACTION)   # before the slow part
    wb = load_xlsx(src, keep_vba=src.suffix.lower() == ".xlsm")
    write_report_sheet(wb, report)
    if snapshot is not None:
        append_snapshot(wb, snapshot)
    restore_outline_levels(wb)       # keeps the "+" of the folded columns of "Phân công"
    save_workbook_guarded(wb, target, REPORT_ACTION)
    return target


def update_master_report(master_path: str | os.PathLike[str], period: ReportingPeriod, *,
                         out: str | os.PathLike[str] | None = None,
                         moment: dt.datetime | None = None) -> Path:
    """Read the master, build the report of ``period`` (from its snapshot, "Số liệu" included)
    and write the report sheet; with ``moment`` the period is closed first if it should be
    (see ``report.data.report_for``)."""
    from cchc_xl.workbook.master import read_master

    data = read_master(master_path)
    report, snap = report_for(data.plan, period, history=data.history, indicators=data.indicators,
                              moment=moment)
    return save_report_sheet(master_path, report, out=out, snapshot=snap)
