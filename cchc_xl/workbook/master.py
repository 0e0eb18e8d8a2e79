"""Read and write the master workbook (openpyxl).

``write_master(plan, path)`` builds the whole workbook (data sheets here; the
dashboard, formats and dropdowns come from ``cchc_xl.workbook.dashboard`` /
``cchc_xl.workbook.styling``).  ``read_master(path)`` returns the ``Plan`` plus
located findings for cells that cannot be read, and the row of every id so that
validation messages can name cells.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cchc_xl.core import schema as S
from cchc_xl.core.intake import Intake
from cchc_xl.core.models import AREA_NAMES, AREA_SHORT, Area, Finding, Plan, Status
from cchc_xl.workbook import styling as ST
from cchc_xl.workbook import periodbook
from cchc_xl.workbook.cells import formula_text_findings, put
from cchc_xl.workbook.dashboard import build_dashboard
from cchc_xl.workbook.register_sheet import add_register_sheet
from cchc_xl.files.excel import load_xlsx, save_xlsx, worksheet_rows
from cchc_xl.files.safeio import GuardedWrite, guarded_write
from cchc_xl.core.records import MasterData, item_value, read_master_sheets

def read_master(path: str | os.PathLike[str]) -> MasterData:
    """Read the master workbook file into a ``Plan`` (tolerant: bad cells become findings)."""
    p = Path(path)
    wb = load_xlsx(p, data_only=False)
    sheets = {ws.title: worksheet_rows(ws, p.name) for ws in wb.worksheets}
    data = read_master_sheets(sheets, file=p.name)
    data.path = str(p)
    return data


# ---------------------------------------------------------------- writing

def write_table(ws: Worksheet, columns: tuple[S.Column, ...], items: Iterable[Any], *, title: str,
                subtitle: str = "") -> int:
    """Title rows + header at ``S.HEADER_ROW`` + one row per item.  Returns last data row."""
    put(ws, 1, 1, title)
    if subtitle:
        put(ws, 2, 1, subtitle)
    for j, col in enumerate(columns, start=1):
        put(ws, S.HEADER_ROW, j, col.header)
        ws.column_dimensions[get_column_letter(j)].width = col.width
    r = S.HEADER_ROW
    for r, item in enumerate(items, start=S.FIRST_DATA_ROW):
        for j, col in enumerate(columns, start=1):
            v = item.get(col.key) if isinstance(item, dict) else item_value(item, col.key)
            put(ws, r, j, v)
    return r


def index_rows(plan: Plan) -> list[dict[str, Any]]:
    """Rows of the index sheet: each area followed by its criteria."""
    out: list[dict[str, Any]] = []
    for a in sorted(plan.index_areas, key=lambda x: int(x.area.value)):
        out.append({"area": int(a.area.value), "level": S.LEVEL_AREA, "code": a.area.value,
                    "name": a.name or AREA_NAMES[a.area], "max_points": a.max_points,
                    "appraised": a.appraised, "deducted": a.deducted, "self_assessed": a.self_assessed})
        for c in plan.index_criteria:
            if c.area == a.area:
                out.append({"area": int(c.area.value), "level": S.LEVEL_CRITERION, "code": c.code or None,
                            "name": c.name, "max_points": c.max_points, "appraised": c.appraised,
                            "deducted": c.deducted, "self_assessed": c.self_assessed})
    known = {a.area for a in plan.index_areas}
    for c in plan.index_criteria:
        if c.area not in known:
            out.append({"area": int(c.area.value), "level": S.LEVEL_CRITERION, "code": c.code or None,
                        "name": c.name, "max_points": c.max_points, "appraised": c.appraised,
                        "deducted": c.deducted, "self_assessed": c.self_assessed})
    return out


def write_meta(wb: Workbook, plan: Plan, extra: dict[str, Any] | None = None) -> None:
    ws = wb[S.SHEET_META] if S.SHEET_META in wb.sheetnames else wb.create_sheet(S.SHEET_META)
    ws.delete_rows(1, ws.max_row)
    meta = {"kind": "master", "schema_version": S.SCHEMA_VERSION, "year": plan.info.year,
            "master_version": plan.info.master_version,
            "plan_info": plan.info.model_dump_json(), **(extra or {})}
    for i, (k, v) in enumerate(meta.items(), start=1):
        put(ws, i, 1, k)
        put(ws, i, 2, v if not isinstance(v, (dict, list)) else json.dumps(v, ensure_ascii=False))
    ws.sheet_state = "veryHidden"


def write_intake(wb: Workbook, intake: Intake) -> None:
    """Sheet "Nhập liệu": the import summary, then every finding of the import (kept by the
    other commands, which edit the master in place)."""
    ws = wb[S.SHEET_INTAKE] if S.SHEET_INTAKE in wb.sheetnames else wb.create_sheet(S.SHEET_INTAKE)
    ws.delete_rows(1, ws.max_row)
    bold = ST.font(bold=True)
    put(ws, 1, 1, "KẾT QUẢ NHẬP PHỤ LỤC PHÂN CÔNG NHIỆM VỤ").font = ST.font(bold=True, size=13)
    put(ws, 2, 1, "Đối chiếu với bản gốc: số nhiệm vụ từng phần, mục bị bỏ qua, hạn và "
                  "đơn vị chưa xác định.")
    r = 3
    for label, value in intake.lines:
        r += 1
        put(ws, r, 1, label).font = bold if not label.startswith(" ") else ST.font()
        put(ws, r, 2, value)
    r += 2
    for j, header in enumerate(("Mức độ", "Mã", "Vị trí", "Nội dung"), start=1):
        put(ws, r, j, header).font = bold
    labels = {"error": "Lỗi", "warning": "Cảnh báo", "info": "Thông tin"}
    for f in intake.findings:
        r += 1
        for j, value in enumerate((labels[f.severity], f.code,
                                   ", ".join(x for x in (f.sheet, f.cell) if x), f.message), start=1):
            put(ws, r, j, value)
    for col, width in zip("ABCD", (44, 60, 16, 90)):
        ws.column_dimensions[col].width = width


def build_master(plan: Plan, as_of: dt.date | None = None, intake: Intake | None = None) -> Workbook:
    """Build the master workbook in memory."""
    wb = Workbook()
    wb.remove(wb.active)
    info = plan.info
    title_suffix = f" {info.commune}".rstrip() + f" năm {info.year}"
    wb.create_sheet(S.SHEET_DASHBOARD)
    ws = wb.create_sheet(S.SHEET_TASKS)
    write_table(ws, S.TASK_COLUMNS, plan.tasks,
                title=f"PHÂN CÔNG THỰC HIỆN NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH{title_suffix.upper()}",
                subtitle=(f"(Kèm theo Kế hoạch số {info.plan_number})" if info.plan_number else ""))
    write_table(wb.create_sheet(S.SHEET_UNITS), S.UNIT_COLUMNS, plan.units, title="DANH SÁCH ĐƠN VỊ")
    write_table(wb.create_sheet(S.SHEET_INDEX), S.INDEX_COLUMNS, index_rows(plan),
                title=f"CHỈ SỐ CẢI CÁCH HÀNH CHÍNH{(' NĂM ' + str(info.index_year)) if info.index_year else ''}")
    write_table(wb.create_sheet(S.SHEET_REMEDIATION), S.REMEDIATION_COLUMNS, plan.remediation,
                title="KẾ HOẠCH KHẮC PHỤC CÁC TIÊU CHÍ BỊ TRỪ ĐIỂM")
    write_table(wb.create_sheet(S.SHEET_AUDIT), S.AUDIT_COLUMNS, [], title="NHẬT KÝ TỔNG HỢP")
    write_table(wb.create_sheet(S.SHEET_UNIT_REPORTS), S.UNIT_REPORT_COLUMNS, [],
                title="BÁO CÁO CỦA TỪNG ĐƠN VỊ (nhiệm vụ nhiều đơn vị chủ trì)")
    periodbook.indicator_sheet(wb, info.year)
    periodbook.history_sheet(wb, info.year)
    lists = wb.create_sheet(S.SHEET_LISTS)
    for i, label in enumerate(Status.labels(), start=1):
        put(lists, i, 1, label)
    for i, a in enumerate(Area, start=1):
        put(lists, i, 2, AREA_SHORT[a])
    lists.sheet_state = "hidden"
    if intake is not None:
        write_intake(wb, intake)
    write_meta(wb, plan)
    style_master(wb, plan, as_of=as_of)
    return wb


def style_master(wb: Workbook, plan: Plan, as_of: dt.date | None = None) -> None:
    """Format every sheet of a freshly built master, add dropdowns and the dashboard."""
    ST.set_default_font(wb)
    ST.define_lists(wb)
    commune = plan.info.commune
    for sheet, columns in ST.DATA_SHEETS:
        if sheet in wb.sheetnames:
            ST.style_table(wb[sheet], columns, freeze_after=5 if sheet == S.SHEET_TASKS else 0,
                           header_left=f"UBND {commune}" if commune else "",
                           widths=ST.PRINT_WIDTHS.get(sheet), grouped=ST.GROUPED_COLUMNS.get(sheet, ()))
    add_register_sheet(wb, index=wb.sheetnames.index(S.SHEET_LISTS) if S.SHEET_LISTS in wb.sheetnames else None)
    tasks_end = ST.capacity_row(len(plan.tasks))
    index_end = ST.capacity_row(ST.last_data_row(wb[S.SHEET_INDEX]) - S.HEADER_ROW)
    build_dashboard(wb, plan, as_of=as_of, tasks_end=tasks_end, index_end=index_end)
    ST.style_tasks(wb[S.SHEET_TASKS], tasks_end)
    ST.style_index(wb[S.SHEET_INDEX], index_end)
    ST.style_remediation(wb[S.SHEET_REMEDIATION], ST.capacity_row(len(plan.remediation)))
    ST.style_unit_reports(wb[S.SHEET_UNIT_REPORTS], ST.capacity_row(0))
    wb.active = wb.sheetnames.index(S.SHEET_DASHBOARD)
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == S.SHEET_DASHBOARD


WRITE_ACTION = "ghi sổ tổng hợp mới"
GENERATED_SHEETS = (S.SHEET_REPORT, "Kết quả kiểm tra", S.SHEET_INTAKE)   # made again by a button/command


def rebuild_losses(path: str | os.PathLike[str], wb: Workbook) -> list[Any]:
    """What the existing file ``path`` holds that the freshly built ``wb`` would not: sheets,
    defined names, pictures, charts, comments, buttons, VBA the official added."""
    from cchc_xl.files.package import package_additions

    if not Path(path).exists():
        return []
    own_names = set(wb.defined_names.keys()) if hasattr(wb.defined_names, "keys") else set()
    return package_additions(path, own_sheets=wb.sheetnames, own_names=own_names,
                             replaced_sheets=GENERATED_SHEETS)


def refuse_lossy_rebuild(path: str | os.PathLike[str], wb: Workbook) -> None:
    """``CchcError`` naming what would be lost when ``wb`` replaced the file ``path``."""
    from cchc_xl.core.findings import catalog
    from cchc_xl.files.package import describe

    lost = rebuild_losses(path, wb)
    if lost:
        raise catalog.ADDITIONS_WOULD_BE_LOST.error(
            what=describe(lost), action="tạo lại sổ từ phụ lục (--ghi-de)",
            advice="Đổi tên hoặc chuyển sổ cũ sang chỗ khác rồi chạy lại, hoặc ghi sổ mới ra tệp khác (--ra)",
            file=Path(path).name)


def write_master_file(plan: Plan, path: str | os.PathLike[str], as_of: dt.date | None = None,
                      make_backup: bool = True, keep_additions: bool = True,
                      intake: Intake | None = None, neutralised: list[Finding] | None = None) -> GuardedWrite:
    """Build the master and write it through ``guarded_write`` (checks, backup, atomic).

    ``keep_additions``: refuse (``CchcError``) to replace a file holding things the official
    added (a rebuild cannot carry them over).
    """
    wb = build_master(plan, as_of=as_of, intake=intake)
    if neutralised is not None:
        neutralised.extend(formula_text_findings(wb, file=Path(path).name))
    if keep_additions:
        refuse_lossy_rebuild(path, wb)
    with guarded_write(path, WRITE_ACTION, make_backup=make_backup) as w:
        save_xlsx(wb, w.tmp)
    return w


def write_master(plan: Plan, path: str | os.PathLike[str], as_of: dt.date | None = None,
                 make_backup: bool = True, intake: Intake | None = None,
                 neutralised: list[Finding] | None = None) -> Path:
    """Write the master atomically (after a backup of the existing file).

    ``neutralised`` (if given) receives one ``formula_text`` finding per cell whose text
    looks like a formula or DDE call: written as text, never live.
    """
    write_master_file(plan, path, as_of=as_of, make_backup=make_backup, intake=intake, neutralised=neutralised)
    return Path(path)
