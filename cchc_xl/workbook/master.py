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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cchc_xl.core import schema as S
from cchc_xl.core.models import (AREA_NAMES, AREA_SHORT, Area, CchcError, Finding, IndexArea, IndexCriterion,
                     Plan, PlanInfo, RemediationItem, Status, Task, Unit)
from cchc_xl.files.safeio import backup, save_workbook_atomic
from cchc_xl.core.text import fold, normalize_text, parse_number

# ---------------------------------------------------------------- helpers

_AREA_BY_KEY: dict[str, Area] = {}
for _a in Area:
    _AREA_BY_KEY[fold(_a.value)] = _a
    _AREA_BY_KEY[fold(AREA_SHORT[_a])] = _a
    _AREA_BY_KEY[fold(AREA_NAMES[_a])] = _a


def parse_area(value: object) -> Area | None:
    """"3", 3, "Thủ tục hành chính", full area name -> Area."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _AREA_BY_KEY.get(fold(value))


_STATUS_BY_KEY = {fold(s.value): s for s in Status}
_STATUS_BY_KEY.update({
    "hoan thanh": Status.DONE, "da xong": Status.DONE, "xong": Status.DONE,
    "dang lam": Status.IN_PROGRESS, "dang trien khai": Status.IN_PROGRESS,
    "chua": Status.NOT_STARTED, "chua lam": Status.NOT_STARTED, "chua trien khai": Status.NOT_STARTED,
})


def parse_status(value: object) -> Status | None:
    """Vietnamese status label (any spelling/case/diacritics) -> Status; "" -> None."""
    if value is None or value == "":
        return None
    return _STATUS_BY_KEY.get(fold(value))


def parse_date(value: object) -> dt.date | None:
    """Excel date, datetime, "30/7/2025", "2025-07-30" -> date; "" -> None. Raises ValueError."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # Excel serial date (1900 system)
        return (dt.datetime(1899, 12, 30) + dt.timedelta(days=float(value))).date()
    text = normalize_text(value)
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' không phải ngày hợp lệ (dạng dd/mm/yyyy)")


def parse_progress(value: object) -> float | None:
    """"80", "80%", 80, "80,5" -> percent 0..100 (the column holds 0..100, not fractions).

    Raises ValueError for text that is not a number.
    """
    if value is None or value == "":
        return None
    return parse_number(value)


def formula_mismatch(key: str, raw: object, parsed: object) -> str:
    """Why the dashboard's Excel formulas would read a cell differently from Python ("" if not).

    The formulas compare "Trạng thái" with the exact dropdown labels and need real dates in
    "Ngày hoàn thành" / "Hạn (ngày)"; Python also accepts "Hoàn thành", "Đã hoàn thành " or a
    date typed as text, so such cells are counted by ``tien-do`` but not on "Tổng quan".
    """
    if (key == "status" and isinstance(parsed, Status) and isinstance(raw, str)
            and raw.casefold() != parsed.value.casefold()):     # Excel's "=" ignores case
        return (f"'{normalize_text(raw)}' được hiểu là '{parsed.value}' nhưng viết khác giá trị chuẩn "
                "(cách viết khác, khoảng trắng thừa hoặc bảng mã dấu khác); hãy chọn lại từ danh sách "
                f"để trang '{S.SHEET_DASHBOARD}' tính đúng")
    if key in ("completed_on", "due") and parsed is not None and isinstance(raw, str):
        return (f"'{normalize_text(raw)}' đang là văn bản, không phải ngày - công thức trang "
                f"'{S.SHEET_DASHBOARD}' không tính được; hãy nhập lại ô dưới dạng ngày (dd/mm/yyyy)")
    return ""


# ---------------------------------------------------------------- reading

@dataclass
class MasterData:
    plan: Plan
    findings: list[Finding] = field(default_factory=list)
    # rows[sheet][id] = worksheet row number (for messages naming cells)
    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    path: str = ""

    def cell(self, sheet: str, item_id: str, columns: tuple[S.Column, ...], key: str) -> str:
        row = self.rows.get(sheet, {}).get(item_id)
        if row is None:
            return ""
        return f"{S.col_letter(columns, key)}{row}"


def find_header_row(ws_rows: list[tuple[Any, ...]], first_header: str, limit: int = 15) -> int | None:
    """0-based index of the row whose first non-empty cell is ``first_header``."""
    key = fold(first_header)
    for i, row in enumerate(ws_rows[:limit]):
        for v in row:
            if v not in (None, ""):
                if fold(v) == key:
                    return i
                break
    return None


def _header_map(header: tuple[Any, ...], columns: tuple[S.Column, ...]) -> dict[str, int]:
    """Map column key -> 0-based index, by header text (order-independent)."""
    by_header = {fold(c.header): c.key for c in columns}
    result: dict[str, int] = {}
    for i, v in enumerate(header):
        k = by_header.get(fold(v)) if v not in (None, "") else None
        if k and k not in result:
            result[k] = i
    return result


def read_table(rows: list[tuple[Any, ...]], columns: tuple[S.Column, ...], *, file: str, sheet: str,
               required: Iterable[str] = ()) -> tuple[list[tuple[int, dict[str, Any]]], list[Finding]]:
    """Generic table reader: returns [(excel_row, {key: raw value})], findings."""
    findings: list[Finding] = []
    h = find_header_row(rows, columns[0].header)
    if h is None:
        raise CchcError(f"Không tìm thấy dòng tiêu đề (cột đầu tiên '{columns[0].header}')",
                        file=file, sheet=sheet, code="no_header")
    cmap = _header_map(rows[h], columns)
    missing = [c.header for c in columns if c.key in set(required) and c.key not in cmap]
    if missing:
        raise CchcError("Thiếu cột: " + ", ".join(f"'{m}'" for m in missing), file=file, sheet=sheet,
                        cell=f"{h + 1}", code="missing_columns")
    out = []
    for r in range(h + 1, len(rows)):
        raw = rows[r]
        rec = {k: (raw[i] if i < len(raw) else None) for k, i in cmap.items()}
        if all(v in (None, "") for v in rec.values()):
            continue
        out.append((r + 1, rec))
    return out, findings


def _sheet_rows(ws: Worksheet) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def open_error(path: Path, exc: BaseException | None = None) -> CchcError:
    """The Vietnamese error for an Excel file that cannot be opened (why, and what to do)."""
    suffix = path.suffix.lower()
    if path.is_dir():
        return CchcError(f"'{path}' là thư mục, không phải tệp Excel - hãy chỉ ra tệp sổ (.xlsx)",
                         code="is_dir")
    if suffix in (".xls", ".ods", ".csv"):
        why = (f"định dạng '{suffix}' không được hỗ trợ - mở bằng Excel rồi lưu lại dưới dạng "
               "Excel Workbook (.xlsx)")
    elif isinstance(exc, PermissionError):
        why = "không có quyền đọc tệp (tệp đang bị khóa hoặc chỉ đọc)"
    else:
        why = "tệp bị hỏng hoặc không phải tệp Excel .xlsx/.xlsm"
    return CchcError(f"Không mở được tệp Excel: {why}", file=path.name or str(path), code="bad_file")


def load_xlsx(path: str | os.PathLike[str], **kwargs: Any) -> Workbook:
    """``openpyxl.load_workbook`` raising a Vietnamese ``CchcError`` (missing, folder, corrupt)."""
    p = Path(path)
    if not p.exists():
        raise CchcError("Không tìm thấy tệp", file=str(p), code="no_file")
    if p.is_dir():
        raise open_error(p)
    try:
        return load_workbook(p, **kwargs)
    except Exception as exc:  # zipfile/openpyxl raise many types for damaged or foreign files
        raise open_error(p, exc) from exc


def read_master(path: str | os.PathLike[str]) -> MasterData:
    """Read the master workbook file into a ``Plan`` (tolerant: bad cells become findings)."""
    p = Path(path)
    wb = load_xlsx(p, data_only=False)
    sheets = {ws.title: _sheet_rows(ws) for ws in wb.worksheets}
    data = read_master_sheets(sheets, file=p.name)
    data.path = str(p)
    return data


def read_master_sheets(sheets: dict[str, list[tuple[Any, ...]]], *, file: str = "") -> MasterData:
    """Core reader over plain cell values: ``{sheet name: [row tuples from A1]}``.

    Used for files (openpyxl) and for a live/JSON xlwings ``Book``.
    """
    fname = file
    for name in (S.SHEET_TASKS, S.SHEET_META):
        if name not in sheets:
            raise CchcError(f"Thiếu trang '{name}' - đây không phải sổ tổng hợp CCHC", file=fname,
                            code="missing_sheet")
    data = MasterData(plan=Plan(info=read_plan_info(sheets[S.SHEET_META])))
    f = data.findings

    def bad(sheet: str, cols, key, row, msg, item_id="", severity="error"):
        f.append(Finding(severity=severity, code="bad_cell", message=msg, file=fname, sheet=sheet,
                         cell=f"{S.col_letter(cols, key)}{row}", task_id=item_id))

    # units
    if S.SHEET_UNITS in sheets:
        recs, _ = read_table(sheets[S.SHEET_UNITS], S.UNIT_COLUMNS, file=fname, sheet=S.SHEET_UNITS)
        for row, rec in recs:
            try:
                data.plan.units.append(Unit(
                    code=normalize_text(rec.get("code")), name=rec.get("name") or "",
                    aliases=rec.get("aliases"), email=normalize_text(rec.get("email")),
                    head=rec.get("head"), members=rec.get("members")))
            except Exception as exc:  # pydantic validation
                bad(S.SHEET_UNITS, S.UNIT_COLUMNS, "code", row, f"Đơn vị không hợp lệ: {exc}")
    # tasks
    recs, _ = read_table(sheets[S.SHEET_TASKS], S.TASK_COLUMNS, file=fname, sheet=S.SHEET_TASKS,
                         required=("id", "title", "status", "progress"))
    rows_t: dict[str, int] = {}
    for row, rec in recs:
        task_id = normalize_text(rec.get("id"))
        if not task_id:
            bad(S.SHEET_TASKS, S.TASK_COLUMNS, "id", row, "Thiếu mã nhiệm vụ")
            continue
        if task_id in rows_t:
            bad(S.SHEET_TASKS, S.TASK_COLUMNS, "id", row,
                f"Mã nhiệm vụ '{task_id}' bị trùng (đã có ở dòng {rows_t[task_id]})", task_id)
            continue
        rows_t[task_id] = row
        area = parse_area(rec.get("area_name"))
        if area is None:
            bad(S.SHEET_TASKS, S.TASK_COLUMNS, "area_name", row,
                f"Lĩnh vực '{rec.get('area_name') or ''}' không thuộc 8 lĩnh vực CCHC", task_id)
            area = Area.CHI_DAO
        values: dict[str, Any] = {}
        for key, parser, label in (("status", parse_status, "Trạng thái"),
                                   ("progress", parse_progress, "Tiến độ"),
                                   ("completed_on", parse_date, "Ngày hoàn thành"),
                                   ("due", parse_date, "Hạn (ngày)")):
            raw = rec.get(key)
            try:
                v = parser(raw)
                if key == "status" and v is None and raw not in (None, ""):
                    raise ValueError(f"'{raw}' không có trong danh sách trạng thái")
                values[key] = v
            except ValueError as exc:
                bad(S.SHEET_TASKS, S.TASK_COLUMNS, key, row, f"{label}: {exc}", task_id)
                continue
            note = formula_mismatch(key, raw, v)
            if note:
                bad(S.SHEET_TASKS, S.TASK_COLUMNS, key, row, f"{label}: {note}", task_id, "warning")
        lead_units = [c for c in str(rec.get("lead_units") or "").replace(",", ";").split(";") if c.strip()]
        data.plan.tasks.append(Task(
            id=task_id, area=area, section=rec.get("section"), tt=rec.get("tt"),
            title=rec.get("title"), product=rec.get("product"), deadline_text=rec.get("deadline_text"),
            due=values.get("due"), lead=rec.get("lead"), partners=rec.get("partners"),
            monitor=rec.get("monitor"), lead_units=[c.strip() for c in lead_units],
            status=values.get("status") or Status.NOT_STARTED,
            progress=values.get("progress") or 0.0, completed_on=values.get("completed_on"),
            evidence=rec.get("evidence"), note=rec.get("note")))
    data.rows[S.SHEET_TASKS] = rows_t
    # index scores
    if S.SHEET_INDEX in sheets:
        recs, _ = read_table(sheets[S.SHEET_INDEX], S.INDEX_COLUMNS, file=fname, sheet=S.SHEET_INDEX)
        rows_i: dict[str, int] = {}
        for row, rec in recs:
            area = parse_area(rec.get("area"))
            if area is None:
                bad(S.SHEET_INDEX, S.INDEX_COLUMNS, "area", row, "Lĩnh vực phải là số từ 1 đến 8")
                continue
            nums: dict[str, float | None] = {}
            for key in ("max_points", "appraised", "deducted"):
                try:
                    nums[key] = parse_number(rec.get(key))
                except ValueError as exc:
                    bad(S.SHEET_INDEX, S.INDEX_COLUMNS, key, row, str(exc))
                    nums[key] = None
            level = fold(rec.get("level"))
            if level == fold(S.LEVEL_AREA):
                if nums["max_points"] is None:
                    bad(S.SHEET_INDEX, S.INDEX_COLUMNS, "max_points", row, "Thiếu điểm tối đa của lĩnh vực")
                    continue
                data.plan.index_areas.append(IndexArea(area=area, name=normalize_text(rec.get("name")), **nums))
                rows_i[f"area:{area.value}"] = row
            else:
                name = normalize_text(rec.get("name"))
                data.plan.index_criteria.append(IndexCriterion(
                    area=area, code=normalize_text(rec.get("code")), name=name, **nums))
                rows_i[f"crit:{len(data.plan.index_criteria) - 1}"] = row
        data.rows[S.SHEET_INDEX] = rows_i
    # remediation
    if S.SHEET_REMEDIATION in sheets:
        recs, _ = read_table(sheets[S.SHEET_REMEDIATION], S.REMEDIATION_COLUMNS, file=fname,
                             sheet=S.SHEET_REMEDIATION)
        rows_r: dict[str, int] = {}
        for row, rec in recs:
            rid = normalize_text(rec.get("id"))
            area = parse_area(rec.get("area"))
            if not rid or area is None:
                bad(S.SHEET_REMEDIATION, S.REMEDIATION_COLUMNS, "id" if not rid else "area", row,
                    "Thiếu mã khắc phục" if not rid else "Lĩnh vực phải là số từ 1 đến 8")
                continue
            vals: dict[str, Any] = {}
            for key, parser in (("status", parse_status), ("progress", parse_progress),
                                ("completed_on", parse_date), ("deducted", parse_number)):
                try:
                    vals[key] = parser(rec.get(key))
                except ValueError as exc:
                    bad(S.SHEET_REMEDIATION, S.REMEDIATION_COLUMNS, key, row, str(exc), rid)
            rows_r[rid] = row
            data.plan.remediation.append(RemediationItem(
                id=rid, area=area, criterion=normalize_text(rec.get("criterion")),
                deducted=vals.get("deducted"), solution=normalize_text(rec.get("solution")),
                deadline_text=normalize_text(rec.get("deadline_text")), lead=normalize_text(rec.get("lead")),
                partners=normalize_text(rec.get("partners")), status=vals.get("status") or Status.NOT_STARTED,
                progress=vals.get("progress") or 0.0, completed_on=vals.get("completed_on"),
                evidence=normalize_text(rec.get("evidence")), note=normalize_text(rec.get("note"))))
        data.rows[S.SHEET_REMEDIATION] = rows_r
    return data


def read_plan_info(rows: list[tuple[Any, ...]]) -> PlanInfo:
    """``PlanInfo`` of a "_meta" sheet (its ``plan_info`` JSON, else just the year)."""
    meta = meta_dict(rows)
    raw = meta.get("plan_info")
    if raw:
        return PlanInfo.model_validate_json(raw)
    year = meta.get("year") or dt.date.today().year
    return PlanInfo(year=int(year))


def meta_dict(rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    """Key/value pairs of a "_meta" sheet (column A = key, column B = value)."""
    return {str(r[0]): (r[1] if len(r) > 1 else None) for r in rows if r and r[0]}


# ---------------------------------------------------------------- writing

def _cell_value(obj: Any, key: str) -> Any:
    if key == "area_name":
        return AREA_SHORT[obj.area]
    if key == "area":
        return int(obj.area.value)
    v = getattr(obj, key, None)
    if isinstance(v, Status):
        return v.value
    if isinstance(v, Area):
        return int(v.value)
    if isinstance(v, list):
        return "; ".join(v)
    if v == "":
        return None
    return v


def write_table(ws: Worksheet, columns: tuple[S.Column, ...], items: Iterable[Any], *, title: str,
                subtitle: str = "") -> int:
    """Title rows + header at ``S.HEADER_ROW`` + one row per item.  Returns last data row."""
    ws.cell(row=1, column=1, value=title)
    if subtitle:
        ws.cell(row=2, column=1, value=subtitle)
    for j, col in enumerate(columns, start=1):
        ws.cell(row=S.HEADER_ROW, column=j, value=col.header)
        ws.column_dimensions[get_column_letter(j)].width = col.width
    r = S.HEADER_ROW
    for r, item in enumerate(items, start=S.FIRST_DATA_ROW):
        for j, col in enumerate(columns, start=1):
            v = item.get(col.key) if isinstance(item, dict) else _cell_value(item, col.key)
            ws.cell(row=r, column=j, value=v)
    return r


def index_rows(plan: Plan) -> list[dict[str, Any]]:
    """Rows of the index sheet: each area followed by its criteria."""
    out: list[dict[str, Any]] = []
    for a in sorted(plan.index_areas, key=lambda x: int(x.area.value)):
        out.append({"area": int(a.area.value), "level": S.LEVEL_AREA, "code": a.area.value,
                    "name": a.name or AREA_NAMES[a.area], "max_points": a.max_points,
                    "appraised": a.appraised, "deducted": a.deducted})
        for c in plan.index_criteria:
            if c.area == a.area:
                out.append({"area": int(c.area.value), "level": S.LEVEL_CRITERION, "code": c.code or None,
                            "name": c.name, "max_points": c.max_points, "appraised": c.appraised,
                            "deducted": c.deducted})
    known = {a.area for a in plan.index_areas}
    for c in plan.index_criteria:
        if c.area not in known:
            out.append({"area": int(c.area.value), "level": S.LEVEL_CRITERION, "code": c.code or None,
                        "name": c.name, "max_points": c.max_points, "appraised": c.appraised,
                        "deducted": c.deducted})
    return out


def write_meta(wb: Workbook, plan: Plan, extra: dict[str, Any] | None = None) -> None:
    ws = wb[S.SHEET_META] if S.SHEET_META in wb.sheetnames else wb.create_sheet(S.SHEET_META)
    ws.delete_rows(1, ws.max_row)
    meta = {"kind": "master", "schema_version": S.SCHEMA_VERSION, "year": plan.info.year,
            "master_version": plan.info.master_version,
            "plan_info": plan.info.model_dump_json(), **(extra or {})}
    for i, (k, v) in enumerate(meta.items(), start=1):
        ws.cell(row=i, column=1, value=k)
        ws.cell(row=i, column=2, value=v if not isinstance(v, (dict, list)) else json.dumps(v, ensure_ascii=False))
    ws.sheet_state = "veryHidden"


def build_master(plan: Plan, as_of: dt.date | None = None) -> Workbook:
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
    lists = wb.create_sheet(S.SHEET_LISTS)
    for i, label in enumerate(Status.labels(), start=1):
        lists.cell(row=i, column=1, value=label)
    for i, a in enumerate(Area, start=1):
        lists.cell(row=i, column=2, value=AREA_SHORT[a])
    lists.sheet_state = "hidden"
    write_meta(wb, plan)
    try:  # formats, dropdowns, dashboard (optional until those modules exist)
        from cchc_xl.workbook.styling import style_master
    except ImportError:  # pragma: no cover
        style_master = None
    if style_master is not None:
        style_master(wb, plan, as_of=as_of)
    return wb


def write_master(plan: Plan, path: str | os.PathLike[str], as_of: dt.date | None = None,
                 make_backup: bool = True) -> Path:
    """Write the master atomically (after a backup of the existing file)."""
    if make_backup:
        backup(path)
    wb = build_master(plan, as_of=as_of)
    return save_workbook_atomic(wb, path)
