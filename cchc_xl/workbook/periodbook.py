"""The master's sheets that live across periods: "Số liệu" (indicators typed or
imported per period) and "Lịch sử" (snapshots taken at each period's cut-off).

Both sheets are created empty with the master, created on demand in an older
master, carried over by ``khoi-tao --ghi-de`` (``carry_over``) and left alone by
Tạo phiếu, Tổng hợp and Báo cáo (they only touch their own sheets).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cchc_xl.core import history as H
from cchc_xl.core import indicators as I
from cchc_xl.core.compute import STATE_LABELS
from cchc_xl.core.findings import catalog as F
from cchc_xl.core.periods import ReportingPeriod, parse_period, periods_of_year
from cchc_xl.core.text import fold
from cchc_xl.workbook import styling as ST
from cchc_xl.workbook.cells import put, put_formula

TITLE_ROW = 1
NOTE_ROW = 2
HEADER_ROW = 4


def _rows(ws: Worksheet) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def _header(ws: Worksheet, labels: tuple[str, ...] | list[str], widths: tuple[float, ...] | list[float],
            first_col: int = 1) -> None:
    for j, (label, width) in enumerate(zip(labels, widths), start=first_col):
        c = put(ws, HEADER_ROW, j, label)
        c.font = ST.font(bold=True)
        c.fill = PatternFill("solid", fgColor=ST.HEADER_FILL)
        c.border = ST.BORDER
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(j)].width = width


# ---------------------------------------------------------------- Số liệu

def indicator_sheet(wb: Workbook, year: int) -> Worksheet:
    """The "Số liệu" sheet, created if missing; a column per period of ``year`` is added if missing."""
    if I.SHEET in wb.sheetnames:
        ws = wb[I.SHEET]
    else:
        ws = wb.create_sheet(I.SHEET)
        put(ws, TITLE_ROW, 1, "SỐ LIỆU BÁO CÁO CẢI CÁCH HÀNH CHÍNH THEO KỲ").font = \
            ST.font(bold=True, size=13)
        put(ws, NOTE_ROW, 1,
            "Nhập số liệu của từng kỳ vào ô nền vàng (hoặc dùng lệnh cchc-xl nhap-so-lieu). "
            "Tỷ lệ (%) ghi từ 0 đến 100; báo cáo tính lại tỷ lệ từ số lượng, làm tròn nửa lên "
            "2 chữ số.").font = ST.font(italic=True)
        _header(ws, I.HEADER, (18, 24, 52, 12))
        for r, ind in enumerate(I.INDICATORS, start=HEADER_ROW + 1):
            for j, v in enumerate((ind.key, ind.group, ind.label, ind.unit), start=1):
                c = put(ws, r, j, v)
                c.font = ST.font(size=9, italic=True) if j == 1 else ST.font()
                c.border = ST.BORDER
                c.alignment = Alignment(vertical="center", wrap_text=j == 3)
        ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=I.FIRST_PERIOD_COL)
        r = HEADER_ROW + len(I.INDICATORS) + 2
        put(ws, r, 1, I.RECALC_TITLE).font = ST.font(bold=True)
        for r, ind in enumerate((i for i in I.INDICATORS if i.rate_of), start=r + 1):
            for j, v in enumerate((ind.key, ind.group, f"{ind.label} (tính lại)", ind.unit), start=1):
                c = put(ws, r, j, v)
                c.font = ST.font(size=9, italic=True) if j == 1 else ST.font(italic=True)
                c.border = ST.BORDER
    sheet = I.read_sheet(_rows(ws))
    for p in periods_of_year(year):
        if p.code not in sheet.columns:
            _add_period_column(ws, p)
    return ws


def _add_period_column(ws: Worksheet, period: ReportingPeriod) -> int:
    col = max(I.FIRST_PERIOD_COL, ws.max_column + 1) if ws.cell(row=HEADER_ROW, column=ws.max_column).value \
        else I.FIRST_PERIOD_COL
    while ws.cell(row=HEADER_ROW, column=col).value not in (None, ""):
        col += 1
    _header(ws, [period.short_label], [14], first_col=col)
    fill = PatternFill("solid", fgColor=ST.INPUT_FILL)
    for r, ind in enumerate(I.INDICATORS, start=HEADER_ROW + 1):
        c = ws.cell(row=r, column=col)
        c.fill = fill
        c.border = ST.BORDER
        c.number_format = "#,##0" if ind.kind == "count" else "#,##0.00#"
    _recalc_formulas(ws, col)
    return col


def _recalc_formulas(ws: Worksheet, col: int) -> None:
    """Formulas of the recalculated rates in ``col``; a written rate that differs is shown red."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Font

    rows = _rows(ws)
    start = next((i for i, r in enumerate(rows) if r and fold(r[0]).startswith(fold(I.RECALC_TITLE)[:20])),
                 None)
    if start is None:
        return
    main = I.read_sheet(rows).rows
    L = get_column_letter(col)
    for i in range(start + 1, len(rows)):
        key = rows[i][0] if rows[i] else None
        ind = I.BY_KEY.get(str(key)) if key else None
        if ind is None or not ind.rate_of or any(k not in main for k in ind.rate_of):
            continue
        part, whole = (f"{L}{main[k]}" for k in ind.rate_of)
        c = put_formula(ws, i + 1, col,
                        f'=IF(OR({whole}="",{part}=""),"",IF({whole}=0,"",ROUND({part}/{whole}*100,2)))')
        c.number_format = "0.00"
        c.border = ST.BORDER
        if ind.key in main:
            written = f"{L}{main[ind.key]}"
            ws.conditional_formatting.add(written, FormulaRule(
                formula=[f'AND(ISNUMBER({written}),ISNUMBER({c.coordinate}),ABS({written}-{c.coordinate})>0.0051)'],
                fill=PatternFill("solid", fgColor=ST.OVERDUE_FILL), font=Font(color=ST.OVERDUE_FONT)))


def read_indicators(wb: Workbook, *, file: str = "") -> I.IndicatorSheet:
    if I.SHEET not in wb.sheetnames:
        return I.IndicatorSheet()
    return I.read_sheet(_rows(wb[I.SHEET]), file=file)


def write_indicators(wb: Workbook, period: ReportingPeriod, values: dict[str, float]) -> dict[str, str]:
    """Write ``values`` into the period's column (``CchcError`` when an indicator's row was deleted).

    Returns the cell of every key written.
    """
    ws = indicator_sheet(wb, period.year)
    sheet = I.read_sheet(_rows(ws))
    col = sheet.columns[period.code]
    cells = {}
    for key, value in values.items():
        row = sheet.rows.get(key)
        if row is None:      # the official deleted the row: say so rather than guess where it goes
            raise F.IND_ROW_MISSING.error(label=I.BY_KEY[key].label, key=key, sheet=I.SHEET)
        c = put(ws, row, col, int(value) if I.BY_KEY[key].kind == "count" else value)
        cells[key] = c.coordinate
    return cells


# ---------------------------------------------------------------- Lịch sử

TREND_COL = H.DATA_COL + 2          # column Q: the per-period summary block (formulas)
TREND_HEADER = ("Kỳ (bản chốt đang dùng)", "Tổng số nhiệm vụ", "Đã hoàn thành", "Tỷ lệ hoàn thành (%)")
_LAST = 50000


def history_sheet(wb: Workbook, year: int | None = None) -> Worksheet:
    """The "Lịch sử" sheet, created if missing (with the per-period summary of ``year``)."""
    if H.SHEET in wb.sheetnames:
        return wb[H.SHEET]
    ws = wb.create_sheet(H.SHEET)
    if year is not None:
        _trend_formulas(ws, year)
    put(ws, TITLE_ROW, 1, "LỊCH SỬ SỐ LIỆU THEO KỲ BÁO CÁO (bản chốt tại ngày chốt số liệu)"
            ).font = ST.font(bold=True, size=13)
    put(ws, NOTE_ROW, 1,
        "Do lệnh chot-ky / bao-cao ghi; không sửa tay. Báo cáo của kỳ đã chốt luôn lấy số liệu "
        "ở đây. Chốt lại một kỳ cần --ghi-de, bản cũ được giữ và đánh dấu 'Đã thay thế'."
        ).font = ST.font(italic=True)
    _header(ws, H.HEADER, H.WIDTHS)
    ws.column_dimensions[get_column_letter(H.DATA_COL)].hidden = True
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
    ws.protection.sheet = True           # no password: guards against a slip, not against the official
    return ws


def _trend_formulas(ws: Worksheet, year: int) -> None:
    """Beside the snapshot rows: per period, the counts of the current snapshot at its cut-off,
    as COUNTIFS/ROUND formulas (the same figures as the report's trend table)."""
    _header(ws, TREND_HEADER, (22, 12, 12, 14), first_col=TREND_COL)

    def rng(col: int) -> str:
        L = get_column_letter(col)
        return f"${L}${HEADER_ROW + 1}:${L}${_LAST}"

    state = H.HEADER.index("Tình trạng tại ngày chốt") + 1
    cancelled, finished = STATE_LABELS["cancelled"], STATE_LABELS["done"]
    for r, p in enumerate(periods_of_year(year), start=HEADER_ROW + 1):
        label = put(ws, r, TREND_COL, p.short_label).coordinate
        base = f'{rng(1)},{label},{rng(4)},"{H.CURRENT}",{rng(5)},"{H.KIND_TASK}"'
        total = put_formula(ws, r, TREND_COL + 1,
                            f'=COUNTIFS({base})-COUNTIFS({base},{rng(state)},"{cancelled}")')
        done = put_formula(ws, r, TREND_COL + 2, f'=COUNTIFS({base},{rng(state)},"{finished}")')
        put_formula(ws, r, TREND_COL + 3,
                    f'=IF({total.coordinate}=0,"",ROUND({done.coordinate}/{total.coordinate}*100,2))'
                ).number_format = "0.00"
        for j in range(4):
            ws.cell(row=r, column=TREND_COL + j).border = ST.BORDER


def read_history(wb: Workbook, *, file: str = "") -> H.History:
    if H.SHEET not in wb.sheetnames:
        return H.History()
    return H.read(_rows(wb[H.SHEET]), file=file)


def append_snapshot(wb: Workbook, snap: H.Snapshot) -> int:
    """Append ``snap``; the period's earlier current rows become "Đã thay thế lúc …".  Returns rows written."""
    ws = history_sheet(wb, snap.period.year)
    superseded = H.SUPERSEDED.format(at=H.stamp(snap.taken_at))
    last = HEADER_ROW
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        if any(ws.cell(row=r, column=j).value not in (None, "") for j in (1, 3)):
            last = r
            same = H.period_code(ws.cell(row=r, column=1).value) == snap.period.code
            if same and ws.cell(row=r, column=4).value == H.CURRENT:
                put(ws, r, 4, superseded)
    rows = H.rows(snap)
    for i, values in enumerate(rows, start=last + 1):
        for j, v in enumerate(values, start=1):
            c = put(ws, i, j, v)
            if isinstance(v, dt.date):
                c.number_format = ST.DATE_FORMAT
            c.font = ST.font(size=10)
    return len(rows)


# ---------------------------------------------------------------- khởi tạo lại

def carry_over(old: Workbook, new: Workbook, year: int) -> tuple[int, int]:
    """Copy the indicator values and the snapshots of ``old`` into ``new`` (a rebuilt master).

    Returns (indicator values copied, snapshot rows copied).
    """
    n_values = 0
    sheet = read_indicators(old)
    for code, values in sheet.values.items():
        period = parse_period(code)
        indicator_sheet(new, period.year)
        write_indicators(new, period, values)
        n_values += len(values)
    indicator_sheet(new, year)
    n_rows = 0
    if H.SHEET in old.sheetnames:
        src = old[H.SHEET]
        ws = history_sheet(new, year)
        for i, row in enumerate(src.iter_rows(min_row=HEADER_ROW + 1, values_only=True), start=HEADER_ROW + 1):
            if all(v in (None, "") for v in row):
                continue
            for j, v in enumerate(row[:H.DATA_COL], start=1):
                c = put(ws, i, j, v)
                if isinstance(v, dt.datetime):
                    c.number_format = ST.DATE_FORMAT
            n_rows += 1
    return n_values, n_rows


# ---------------------------------------------------------------- file round trip

def _save(master_path, change) -> Path:
    """Load the master (keeping VBA), apply ``change(wb)``, back up, save atomically."""
    from cchc_xl.files.excel import load_xlsx
    from cchc_xl.files.safeio import backup, save_workbook_atomic

    src = Path(master_path)
    wb = load_xlsx(src, keep_vba=src.suffix.lower() == ".xlsm")
    change(wb)
    ST.restore_outline_levels(wb)
    backup(src)
    try:
        return save_workbook_atomic(wb, src)
    except PermissionError as exc:
        raise F.WRITE_DENIED.error(action="ghi sổ", file=src.name) from exc


def save_snapshot(master_path, snap: H.Snapshot) -> Path:
    return _save(master_path, lambda wb: append_snapshot(wb, snap))


def save_indicators(master_path, period: ReportingPeriod, values: dict[str, float]) -> dict[str, str]:
    cells: dict[str, str] = {}
    _save(master_path, lambda wb: cells.update(write_indicators(wb, period, values)))
    return cells
