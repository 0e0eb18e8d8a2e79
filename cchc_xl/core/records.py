"""Plain cell values of the master's sheets -> ``Plan`` (pure: no file or Excel code).

``read_master_sheets({sheet: [row tuples]})`` is shared by the file reader
(``cchc_xl.workbook.master``), the xlwings book reader and Tổng hợp: whatever
holds the cells, the same rules turn them into tasks, index rows and
remediation items, and cells that cannot be read become located findings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable

from cchc_xl.core.history import History
from cchc_xl.core.history import read as read_history_sheet
from cchc_xl.core.indicators import IndicatorSheet
from cchc_xl.core.indicators import read_sheet as read_indicator_sheet
from cchc_xl.core import schema as S
from cchc_xl.core.deadlines import task_milestones
from cchc_xl.core.findings import FindingType, catalog
from cchc_xl.core.models import (AREA_NAMES, AREA_SHORT, Area, Finding, IndexArea, IndexCriterion,
                                 Plan, PlanInfo, RemediationItem, Status, Task, Unit)
from cchc_xl.core.text import CellValueError, fold, normalize_text, parse_number

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


def status_error(raw: object) -> ValueError:
    """The reason of a "Trạng thái" cell holding no status of the list (a ``bad_cell``: the same text
    as the light reader of Tổng hợp, ``roundtrip.consolidate.state``)."""
    return ValueError(f"'{raw}' không có trong danh sách trạng thái")


def cell_finding(exc: ValueError, *, column: str, **where: Any) -> Finding:
    """The finding of a cell a parser refused: its own type when the parser names one
    (``CellValueError``: not_a_number, bad_date), else ``bad_cell`` with the reason."""
    if isinstance(exc, CellValueError):
        return exc.finding(column=column, **where)
    return catalog.BAD_CELL(column=column, why=exc, **where)


_EXCEL_SERIAL_END = 2958466      # the serial of 1/1/10000


def parse_date(value: object) -> dt.date | None:
    """Excel date, datetime, "30/7/2025", "2025-07-30" -> date; "" -> None. Raises ValueError."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # Excel serial date (1900 system): 0 .. 2 958 465 (31/12/9999); beyond, Excel shows ####
        if not 0 <= value < _EXCEL_SERIAL_END:      # NaN fails both comparisons
            raise CellValueError("bad_date", value=value)
        return (dt.datetime(1899, 12, 30) + dt.timedelta(days=float(value))).date()
    text = normalize_text(value)
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellValueError("bad_date", value=text)


def parse_progress(value: object) -> float | None:
    """"80", "80%", 80, "80,5" -> percent 0..100 (the column holds 0..100, not fractions).

    Raises ValueError for text that is not a number.
    """
    if value is None or value == "":
        return None
    return parse_number(value)


def formula_mismatch(key: str, raw: object, parsed: object) -> CellValueError | None:
    """Why the dashboard's Excel formulas would read a cell differently from Python (None if not).

    The formulas compare "Trạng thái" with the exact dropdown labels and need real dates in
    "Ngày hoàn thành" / "Hạn (ngày)"; Python also accepts "Hoàn thành", "Đã hoàn thành " or a
    date typed as text, so such cells are counted by ``tien-do`` but not on "Tổng quan".
    The result names its warning (``status_spelling``, ``date_as_text``): ``note.finding(column=...)``;
    ``str(note)`` is the reason alone.
    """
    if (key == "status" and isinstance(parsed, Status) and isinstance(raw, str)
            and raw.casefold() != parsed.value.casefold()):     # Excel's "=" ignores case
        return CellValueError("status_spelling", value=normalize_text(raw), status=parsed.value,
                              dashboard=S.SHEET_DASHBOARD)
    if key in ("completed_on", "due") and parsed is not None and isinstance(raw, str):
        return CellValueError("date_as_text", value=normalize_text(raw), dashboard=S.SHEET_DASHBOARD)
    return None


def cell_notes(findings: Iterable[Finding]) -> list[tuple[Finding, list[Finding]]]:
    """What a command or button that computes figures says before them, the same everywhere:
    (headline, cells) for the cells that could not be read (skipped when counting,
    ``cells_skipped``) and for those read as meant but differently by the formulas of
    "Tổng quan" (a status spelled otherwise, a date typed as text: ``cells_counted_otherwise``)."""
    findings = list(findings)
    out: list[tuple[Finding, list[Finding]]] = []
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        out.append((catalog.CELLS_SKIPPED(count=len(errors)), errors))
    other = [f for f in findings if f.code in (catalog.STATUS_SPELLING.code, catalog.DATE_AS_TEXT.code)]
    if other:
        out.append((catalog.CELLS_COUNTED_OTHERWISE(count=len(other), dashboard=S.SHEET_DASHBOARD), other))
    return out


# ---------------------------------------------------------------- reading

@dataclass
class MasterData:
    plan: Plan
    findings: list[Finding] = field(default_factory=list)
    # rows[sheet][id] = worksheet row number (for messages naming cells)
    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    path: str = ""
    # sheets "Số liệu" and "Lịch sử" (filled by workbook.master.read_master)
    indicators: IndicatorSheet = field(default_factory=IndicatorSheet)
    history: History = field(default_factory=History)

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
        raise catalog.NO_HEADER.error(expected=f"(cột đầu tiên '{columns[0].header}')", file=file, sheet=sheet)
    cmap = _header_map(rows[h], columns)
    missing = [c.header for c in columns if c.key in set(required) and c.key not in cmap]
    if missing:
        width = max(len(rows[h]), 1)     # the header row, as a range (a row number alone is not a cell)
        raise catalog.MISSING_COLUMNS.error(columns=", ".join(f"'{m}'" for m in missing), file=file, sheet=sheet,
                                            cell=f"A{h + 1}:{S.column_letter(width)}{h + 1}")
    out = []
    for r in range(h + 1, len(rows)):
        raw = rows[r]
        rec = {k: (raw[i] if i < len(raw) else None) for k, i in cmap.items()}
        if all(v in (None, "") for v in rec.values()):
            continue
        out.append((r + 1, rec))
    return out, findings


def read_master_sheets(sheets: dict[str, list[tuple[Any, ...]]], *, file: str = "") -> MasterData:
    """Core reader over plain cell values: ``{sheet name: [row tuples from A1]}``.

    Used for files (openpyxl) and for a live/JSON xlwings ``Book``.
    """
    fname = file
    for name in (S.SHEET_TASKS, S.SHEET_META):
        if name not in sheets:
            raise catalog.MISSING_SHEET.error(name=name, file=fname)
    refuse_unit_book(sheets[S.SHEET_META], fname)
    data = MasterData(plan=Plan(info=read_plan_info(sheets[S.SHEET_META], fname)))
    f = data.findings

    def bad(sheet: str, cols, key, row, ftype: FindingType, item_id="", **params):
        f.append(ftype(file=fname, sheet=sheet, cell=f"{S.col_letter(cols, key)}{row}", task_id=item_id,
                       **params))

    # units
    if S.SHEET_UNITS in sheets:
        recs, _ = read_table(sheets[S.SHEET_UNITS], S.UNIT_COLUMNS, file=fname, sheet=S.SHEET_UNITS)
        rows_u: dict[str, int] = {}
        for row, rec in recs:
            code = normalize_text(rec.get("code"))
            if code.casefold() in rows_u:   # which row routes the unit's tasks, name, e-mail? neither is kept
                bad(S.SHEET_UNITS, S.UNIT_COLUMNS, "code", row, catalog.DUPLICATE_ID, kind="đơn vị", id=code,
                    first=f" (đã có ở dòng {rows_u[code.casefold()]})")
                continue
            if code:
                rows_u[code.casefold()] = row
            try:
                data.plan.units.append(Unit(
                    code=normalize_text(rec.get("code")), name=rec.get("name") or "",
                    aliases=rec.get("aliases"), email=normalize_text(rec.get("email")),
                    head=rec.get("head"), members=rec.get("members")))
            except Exception as exc:  # pydantic validation
                bad(S.SHEET_UNITS, S.UNIT_COLUMNS, "code", row, catalog.BAD_UNIT, why=exc)
    # tasks
    recs, _ = read_table(sheets[S.SHEET_TASKS], S.TASK_COLUMNS, file=fname, sheet=S.SHEET_TASKS,
                         required=("id", "title", "status", "progress"))
    rows_t: dict[str, int] = {}
    for row, rec in recs:
        task_id = normalize_text(rec.get("id"))
        if not task_id:
            bad(S.SHEET_TASKS, S.TASK_COLUMNS, "id", row, catalog.MISSING_ID, kind="nhiệm vụ")
            continue
        if task_id in rows_t:
            bad(S.SHEET_TASKS, S.TASK_COLUMNS, "id", row, catalog.DUPLICATE_ID, task_id, kind="nhiệm vụ",
                id=task_id, first=f" (đã có ở dòng {rows_t[task_id]})")
            continue
        rows_t[task_id] = row
        area = parse_area(rec.get("area_name"))
        if area is None:
            bad(S.SHEET_TASKS, S.TASK_COLUMNS, "area_name", row, catalog.BAD_AREA, task_id,
                value=rec.get('area_name') or '')
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
                    raise status_error(raw)
                values[key] = v
            except ValueError as exc:
                f.append(cell_finding(exc, column=label, file=fname, sheet=S.SHEET_TASKS, task_id=task_id,
                                      cell=f"{S.col_letter(S.TASK_COLUMNS, key)}{row}"))
                continue
            note = formula_mismatch(key, raw, v)
            if note:
                f.append(note.finding(column=label, file=fname, sheet=S.SHEET_TASKS, task_id=task_id,
                                      cell=f"{S.col_letter(S.TASK_COLUMNS, key)}{row}"))
        lead_units = [c for c in str(rec.get("lead_units") or "").replace(",", ";").split(";") if c.strip()]
        repeated = [c for c in dict.fromkeys(u.strip() for u in lead_units)
                    if sum(u.strip() == c for u in lead_units) > 1]
        if repeated:
            f.append(catalog.DUPLICATE_UNIT_CODE(
                column=S.header_of(S.TASK_COLUMNS, "lead_units"), value=normalize_text(rec.get("lead_units")),
                codes=", ".join(f"'{c}'" for c in repeated), file=fname, sheet=S.SHEET_TASKS, task_id=task_id,
                cell=f"{S.col_letter(S.TASK_COLUMNS, 'lead_units')}{row}"))
        data.plan.tasks.append(Task(
            id=task_id, area=area, section=rec.get("section"), tt=rec.get("tt"),
            title=rec.get("title"), product=rec.get("product"), deadline_text=rec.get("deadline_text"),
            due=values.get("due"), lead=rec.get("lead"), partners=rec.get("partners"),
            monitor=rec.get("monitor"), lead_units=[c.strip() for c in lead_units],
            criteria=rec.get("criteria"), criteria_suggested=rec.get("criteria_suggested"),
            milestones=task_milestones(normalize_text(rec.get("deadline_text")), data.plan.info.year,
                                       values.get("due")),
            status=values.get("status") or Status.NOT_STARTED,
            progress=values.get("progress") or 0.0, completed_on=values.get("completed_on"),
            evidence=rec.get("evidence"), note=rec.get("note")))
    data.rows[S.SHEET_TASKS] = rows_t
    # index scores
    if S.SHEET_INDEX in sheets:
        recs, _ = read_table(sheets[S.SHEET_INDEX], S.INDEX_COLUMNS, file=fname, sheet=S.SHEET_INDEX)
        rows_i: dict[str, int] = {}
        data_keys = ("area", "level", "code", "name", "max_points", "appraised", "deducted", "self_assessed")
        for row, rec in recs:
            if all(rec.get(k) in (None, "") for k in data_keys):
                continue    # only the row formulas (a shorter table was imported over a longer one)
            area = parse_area(rec.get("area"))
            if area is None:
                bad(S.SHEET_INDEX, S.INDEX_COLUMNS, "area", row, catalog.BAD_AREA_NUMBER)
                continue
            nums: dict[str, float | None] = {}
            for key in ("max_points", "appraised", "deducted", "self_assessed"):
                try:
                    nums[key] = parse_number(rec.get(key))
                except ValueError as exc:
                    f.append(cell_finding(exc, column=S.header_of(S.INDEX_COLUMNS, key), file=fname,
                                          sheet=S.SHEET_INDEX, cell=f"{S.col_letter(S.INDEX_COLUMNS, key)}{row}"))
                    nums[key] = None
            level = fold(rec.get("level"))
            if level == fold(S.LEVEL_AREA):
                if nums["max_points"] is None:
                    bad(S.SHEET_INDEX, S.INDEX_COLUMNS, "max_points", row, catalog.MISSING_MAX_POINTS,
                        area=area.value)
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
                if not rid:
                    bad(S.SHEET_REMEDIATION, S.REMEDIATION_COLUMNS, "id", row, catalog.MISSING_ID, kind="khắc phục")
                else:
                    bad(S.SHEET_REMEDIATION, S.REMEDIATION_COLUMNS, "area", row, catalog.BAD_AREA_NUMBER)
                continue
            vals: dict[str, Any] = {}
            for key, parser in (("status", parse_status), ("progress", parse_progress),
                                ("completed_on", parse_date), ("deducted", parse_number),
                                ("due", parse_date)):
                try:
                    vals[key] = parser(rec.get(key))
                    if key == "status" and vals[key] is None and rec.get(key) not in (None, ""):
                        raise status_error(rec.get(key))
                except ValueError as exc:
                    f.append(cell_finding(exc, column=S.header_of(S.REMEDIATION_COLUMNS, key), file=fname,
                                          sheet=S.SHEET_REMEDIATION, task_id=rid,
                                          cell=f"{S.col_letter(S.REMEDIATION_COLUMNS, key)}{row}"))
            rows_r[rid] = row
            data.plan.remediation.append(RemediationItem(
                id=rid, area=area, criterion=normalize_text(rec.get("criterion")),
                deducted=vals.get("deducted"), solution=normalize_text(rec.get("solution")),
                deadline_text=normalize_text(rec.get("deadline_text")), lead=normalize_text(rec.get("lead")),
                partners=normalize_text(rec.get("partners")), status=vals.get("status") or Status.NOT_STARTED,
                progress=vals.get("progress") or 0.0, completed_on=vals.get("completed_on"),
                evidence=normalize_text(rec.get("evidence")), note=normalize_text(rec.get("note")),
                criterion_code=normalize_text(rec.get("criterion_code")),
                last_result=normalize_text(rec.get("last_result")), target=normalize_text(rec.get("target")),
                due=vals.get("due"), criteria_suggested=normalize_text(rec.get("criteria_suggested")),
                source=normalize_text(rec.get("source"))))
        data.rows[S.SHEET_REMEDIATION] = rows_r
    # sheets across periods (absent in an older master: empty)
    data.indicators = read_indicator_sheet(sheets.get(S.SHEET_INDICATORS, []), file=fname)
    data.history = read_history_sheet(sheets.get(S.SHEET_HISTORY, []), file=fname)
    return data


def read_plan_info(rows: list[tuple[Any, ...]], file: str = "") -> PlanInfo:
    """``PlanInfo`` of a "_meta" sheet (its ``plan_info`` JSON, else just the year).

    Raises ``master_info_damaged`` (naming the "_meta" cell) when the JSON does not read,
    the year is not a year, or neither is there (a cleared "_meta": the year was taken as
    the current one, silently)."""
    meta = meta_dict(rows)
    raw = meta.get("plan_info")
    if raw:
        try:
            return PlanInfo.model_validate_json(str(raw))
        except ValueError:       # pydantic's ValidationError is one: its text is English
            raise _info_damaged(rows, "plan_info", "bị sửa, không đọc được", file) from None
    year = meta.get("year")
    if year in (None, ""):
        raise _info_damaged(rows, "", "không còn (trang bị xóa nội dung?)", file)
    try:
        number = float(year)
        if not number.is_integer() or not 1900 <= number <= 9999:
            raise ValueError
    except (TypeError, ValueError):
        raise _info_damaged(rows, "year", f"ghi năm '{year}', không phải một năm", file) from None
    return PlanInfo(year=int(number))


def _info_damaged(rows: list[tuple[Any, ...]], key: str, what: str, file: str) -> Exception:
    cell = next((f"B{i}" for i, r in enumerate(rows, start=1) if key and r and str(r[0]) == key), "")
    return catalog.MASTER_INFO_DAMAGED.error(what=what, file=file, sheet=S.SHEET_META, cell=cell)


def refuse_unit_book(meta_rows: list[tuple[Any, ...]], file: str = "") -> None:
    """Raise ``unit_book_as_master`` when "_meta" says the workbook is a unit workbook (a form
    Tạo phiếu wrote, or a unit's return): it has "Phân công" and "_meta" like a master, and
    every command writing the master would otherwise write into it."""
    meta = meta_dict(meta_rows)
    if fold(meta.get("kind")) != S.UNIT_KIND:
        return
    unit = " - ".join(str(v) for v in (meta.get("unit_code"), meta.get("unit_name")) if v not in (None, ""))
    label = str(meta.get("period_label") or "")
    raise catalog.UNIT_BOOK_AS_MASTER.error(unit=unit or "(không rõ)",
                                            period=f"kỳ {label}" if label else f"năm {meta.get('year') or '?'}",
                                            file=file)


def meta_dict(rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    """Key/value pairs of a "_meta" sheet (column A = key, column B = value)."""
    return {str(r[0]): (r[1] if len(r) > 1 else None) for r in rows if r and r[0]}


def item_value(obj: Any, key: str) -> Any:
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
