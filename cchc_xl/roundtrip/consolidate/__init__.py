"""Tổng hợp: merge the returned unit workbooks into the master.

Layers:

* ``master_state_from_sheets`` - everything the merge needs from the master,
  read from plain cell values (a file via python-calamine, or a live xlwings
  Book): the plan, the unit reports ("Báo cáo đơn vị"), the audit log
  ("Nhật ký": files already consolidated, values last applied per unit), the
  split history from "_meta".
* ``plan_consolidation`` - the pure core: returned files -> ``ConsolidationPlan``
  (cell changes, unit-report upserts, audit rows, conflicts, rejections).
  3-way merge per tracking field: base (as sent, from the file's "_meta"),
  theirs (returned), mine (the master now).
* Adapters applying a plan: ``apply_with(setter, appender, plan)`` (generic,
  used with a live Book), ``apply_to_openpyxl(wb, plan)``, and
  ``patch_xlsx`` (edits the changed cells directly in the xlsx package: fast
  on large masters, keeps everything openpyxl would drop - charts, images,
  VBA).  ``consolidate(master_path, inbox)`` = read + plan + backup + write.

Speed at province scale (500 returned files, 50 000 tasks, ``scripts/benchmark.py``):
the master (only the sheets the merge needs) and the returned files are read in two
threads - python-calamine parses without the GIL - and each reading thread also does the
file-only part of the checks (``_prepare``: fingerprints, clean tracking values); the
master's tasks are read without pydantic (``_light_tasks``); the hot loops avoid
per-row objects and repeated normalisation; cyclic garbage collection is paused during
a run; the master's sheet parts are decompressed by a reading thread while the files are
merged; the two big sheets are patched as bytes and streamed, chunk by chunk, to a thread
that compresses them (deflate level 1) while the next chunk is built.  Every check is
still made, in file order.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import html
import itertools
import json
import os
import queue
import re
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from openpyxl.utils import column_index_from_string, get_column_letter

from cchc_xl.core import schema as S
from cchc_xl.core.records import MasterData, find_header_row, meta_dict, read_master_sheets
from cchc_xl.workbook.master import write_table
from cchc_xl.core.models import CchcError, Finding, Status
from cchc_xl.files.safeio import atomic_path, backup, file_sha256
from cchc_xl.core.text import fold, normalize_text
from cchc_xl.workbook.unitbook import (DATA_SHEETS, FIELD_LABELS, TRACKING_KEYS, ReturnedBook, RowFingerprinter, canonical,
                       cell_hashes, cell_value, display, fast_normalize, iter_unit_files, locked_columns,
                       row_fingerprint,
                       norm_cell,
                       read_unit_workbook, registry_for, remediation_units, sheet_parts,
                       unit_code_from_file_name)

try:  # shared detector written with the validation rules
    from cchc_xl.core.validate import looks_like_formula_injection
except ImportError:  # pragma: no cover - fallback if validate.py is absent
    _INJ = re.compile(r"^\s*(?:[=\uff1d]|[+\-@]\s*[A-Za-z_.]+\s*\(|[+\-@]\s*\$?[A-Z]{1,3}\$?\d+)|\|.*!")

    def looks_like_formula_injection(value: object) -> bool:
        return isinstance(value, str) and bool(_INJ.search(value))

Progress = Callable[[int, int, str], None]

ACTION_UPDATED = "Đã cập nhật"
ACTION_CONFLICT = "Xung đột"
ACTION_REJECTED = "Từ chối"
ACTION_FILE_DONE = "Đã tổng hợp tệp"
ACTION_FILE_REJECTED = "Từ chối tệp"

STATUS_DONE = "Đã tổng hợp"
STATUS_REJECTED = "Từ chối"
STATUS_SEEN = "Đã tổng hợp trước đó"

DERIVED_SUFFIX = " (tổng hợp các đơn vị)"
PATCHED_SHEETS = (S.SHEET_TASKS, S.SHEET_REMEDIATION, S.SHEET_AUDIT, S.SHEET_UNIT_REPORTS)
MASTER_SHEETS = (S.SHEET_TASKS, S.SHEET_UNITS, S.SHEET_REMEDIATION, S.SHEET_META, S.SHEET_AUDIT,
                 S.SHEET_UNIT_REPORTS)
ItemKey = tuple[str, str]  # (sheet, item id)


# ================================================================= results

@dataclass(slots=True)
class CellChange:
    """One master cell to write.  ``new`` is the cell value (number, text, date or None)."""

    sheet: str
    row: int
    column_key: str
    cell: str
    old: Any
    new: Any
    task_id: str = ""
    unit: str = ""
    source: str = ""


@dataclass
class Conflict:
    file: str
    unit: str
    sheet: str
    item_id: str
    column_key: str
    cell: str
    mine: str      # value in the master (display text)
    theirs: str    # value sent by the unit
    base: str      # value when the workbook was sent

    @property
    def header(self) -> str:
        return FIELD_LABELS.get(self.column_key, self.column_key)

    def message(self) -> str:
        return (f"Xung đột ở {self.item_id}, cột '{self.header}': trong sổ là '{self.mine}', "
                f"đơn vị {self.unit} gửi '{self.theirs}' (lúc gửi phiếu: '{self.base}') - chưa cập nhật")


@dataclass
class Rejection:
    file: str
    reason: str
    unit: str = ""
    sheet: str = ""
    cell: str = ""
    item_id: str = ""
    whole_file: bool = False

    def message(self) -> str:
        loc = ", ".join(p for p in (f"trang '{self.sheet}'" if self.sheet else "",
                                    f"ô {self.cell}" if self.cell else "") if p)
        return f"{self.file}: {self.reason}" + (f" ({loc})" if loc else "")


@dataclass
class FileSummary:
    file: str
    status: str = STATUS_DONE
    unit: str = ""
    sha256: str = ""
    updated: int = 0
    conflicts: int = 0
    rejected: int = 0
    unchanged: int = 0
    reason: str = ""


@dataclass
class UnitReportRow:
    """A row of "Báo cáo đơn vị": one unit's report on an item with several lead units."""

    task_id: str
    unit: str
    values: dict[str, Any]
    source: str = ""
    received_at: str = ""
    row: int | None = None

    def cells(self) -> list[Any]:
        """Row values in ``schema.UNIT_REPORT_COLUMNS`` order."""
        out = []
        for c in S.UNIT_REPORT_COLUMNS:
            if c.key in TRACKING_KEYS:
                out.append(cell_value(c.key, self.values.get(c.key)))
            else:
                out.append(getattr(self, c.key))
        return out


@dataclass
class AuditIndex:
    """What "Nhật ký" says about earlier runs."""

    files: dict[str, list[str]] = field(default_factory=dict)                 # sha256 -> actions
    last_applied: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (unit, id, key)


@dataclass
class MasterState:
    data: MasterData
    unit_reports: list[UnitReportRow] = field(default_factory=list)
    audit: AuditIndex = field(default_factory=AuditIndex)
    splits: list[dict[str, Any]] = field(default_factory=list)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)   # sheet -> key -> letter
    next_rows: dict[str, int] = field(default_factory=dict)            # first free row (appends)
    meta: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    # big masters (``read_master_state``): task id -> (lead units, tracking values); the
    # plan's task list is then empty
    light_tasks: dict[str, tuple[list[str], dict[str, Any]]] | None = None


@dataclass
class ConsolidationPlan:
    changes: list[CellChange] = field(default_factory=list)
    new_unit_reports: list[UnitReportRow] = field(default_factory=list)
    audit_rows: list[list[Any]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    files: list[FileSummary] = field(default_factory=list)
    unchanged: int = 0
    next_rows: dict[str, int] = field(default_factory=dict)
    as_of: dt.date | None = None

    @property
    def unit_report_upserts(self) -> list[CellChange | UnitReportRow]:
        """Changed cells of existing "Báo cáo đơn vị" rows plus the rows to append."""
        return [c for c in self.changes if c.sheet == S.SHEET_UNIT_REPORTS] + list(self.new_unit_reports)

    @property
    def master_changes(self) -> list[CellChange]:
        return [c for c in self.changes if c.sheet != S.SHEET_UNIT_REPORTS]

    @property
    def has_problems(self) -> bool:
        return bool(self.conflicts or self.rejections)

    @property
    def is_empty(self) -> bool:
        return not (self.changes or self.new_unit_reports or self.audit_rows)

    def summary_rows(self) -> list[list[str]]:
        return summary_rows(self)

    def summary_text(self) -> str:
        return summary_text(self)


@dataclass
class ConsolidationResult:
    """What ``consolidate`` did (``plan`` holds every detail)."""

    plan: ConsolidationPlan
    master: Path
    backup: Path | None = None
    written: bool = False
    dry_run: bool = False

    @property
    def applied(self) -> list[CellChange]:
        return self.plan.changes

    @property
    def conflicts(self) -> list[Conflict]:
        return self.plan.conflicts

    @property
    def rejected_files(self) -> list[FileSummary]:
        return [f for f in self.plan.files if f.status == STATUS_REJECTED]

    @property
    def rejections(self) -> list[Rejection]:
        return self.plan.rejections

    @property
    def findings(self) -> list[Finding]:
        return self.plan.findings

    @property
    def unchanged(self) -> int:
        return self.plan.unchanged

    @property
    def has_problems(self) -> bool:
        return self.plan.has_problems

    def summary_text(self) -> str:
        text = summary_text(self.plan)
        if self.dry_run:
            return "CHẠY THỬ - chưa ghi vào sổ tổng hợp.\n" + text
        if self.backup:
            text += f"\nĐã sao lưu sổ trước khi ghi: {self.backup}"
        return text


# ================================================================= reading the master state

@functools.lru_cache(maxsize=4096)
def _fold(value: str) -> str:
    return fold(value)


def _fold_any(value: Any) -> str:
    return _fold(value) if isinstance(value, str) else fold(value)


def _find_header(rows: list[tuple[Any, ...]], first_header: str, limit: int = 15) -> int | None:
    """``records.find_header_row`` with cached folding (called for every returned file)."""
    key = _fold(first_header)
    for i, row in enumerate(rows[:limit]):
        for v in row:
            if v not in (None, ""):
                if _fold_any(v) == key:
                    return i
                break
    return None


def _column_map(rows: list[tuple[Any, ...]], columns: tuple[S.Column, ...]) -> tuple[int | None, dict[str, str]]:
    """(0-based header row, {key: column letter}) by header text; schema letters if absent."""
    h = _find_header(rows, columns[0].header) if rows else None
    default = {c.key: get_column_letter(i) for i, c in enumerate(columns, start=1)}
    if h is None:
        return None, default
    by_header = {_fold(c.header): c.key for c in columns}
    found: dict[str, str] = {}
    for i, v in enumerate(rows[h], start=1):
        k = by_header.get(_fold_any(v)) if v not in (None, "") else None
        if k and k not in found:
            found[k] = get_column_letter(i)
    return h, {**default, **found}


def _last_row(rows: list[tuple[Any, ...]], floor: int) -> int:
    for i in range(len(rows) - 1, floor - 1, -1):
        if any(v not in (None, "") for v in rows[i]):
            return i + 1
    return floor


def _get(row: tuple[Any, ...], letter: str) -> Any:
    i = column_index_from_string(letter) - 1
    return row[i] if i < len(row) else None


def _read_unit_reports(rows: list[tuple[Any, ...]], file: str) -> tuple[list[UnitReportRow], dict[str, str], list[Finding]]:
    h, cmap = _column_map(rows, S.UNIT_REPORT_COLUMNS)
    out: list[UnitReportRow] = []
    findings: list[Finding] = []
    if h is None:
        return out, cmap, findings
    for i in range(h + 1, len(rows)):
        r = rows[i]
        task_id, unit = normalize_text(_get(r, cmap["task_id"])), normalize_text(_get(r, cmap["unit"]))
        if not task_id or not unit:
            continue
        vals: dict[str, Any] = {}
        for k in TRACKING_KEYS:
            try:
                vals[k] = canonical(k, _get(r, cmap[k]))
            except ValueError as exc:
                findings.append(Finding(code="bad_cell", message=f"{FIELD_LABELS[k]}: {exc}", file=file,
                                        sheet=S.SHEET_UNIT_REPORTS, cell=f"{cmap[k]}{i + 1}", task_id=task_id))
                vals[k] = canonical(k, None)
        out.append(UnitReportRow(task_id=task_id, unit=unit, values=vals,
                                 source=normalize_text(_get(r, cmap["source"])),
                                 received_at=normalize_text(_get(r, cmap["received_at"])), row=i + 1))
    return out, cmap, findings


_HEADER_TO_KEY = {v: k for k, v in FIELD_LABELS.items()}


def _read_audit(rows: list[tuple[Any, ...]]) -> tuple[AuditIndex, dict[str, str]]:
    """Files already consolidated and the values last applied, from "Nhật ký".

    The log grows by a row per changed cell (100 000 rows a quarter at province scale):
    columns are located once and texts, which repeat, are normalised once.
    """
    h, cmap = _column_map(rows, S.AUDIT_COLUMNS)
    idx = AuditIndex()
    if h is None:
        return idx, cmap
    col = {k: column_index_from_string(v) - 1 for k, v in cmap.items()}
    i_sha, i_act, i_field, i_unit, i_item, i_new = (col[k] for k in (
        "file_hash", "action", "field", "unit", "task_id", "new"))
    width = max(i_sha, i_act, i_field, i_unit, i_item, i_new) + 1
    memo: dict[str, str] = {}

    def norm(value: Any) -> str:  # ``normalize_text``, memoised for text
        if type(value) is not str:
            return normalize_text(value)
        out = memo.get(value)
        if out is None:
            out = memo[value] = fast_normalize(value)
            if len(memo) > 200_000:
                memo.clear()
        return out

    files, last = idx.files, idx.last_applied
    done = (ACTION_FILE_DONE, ACTION_FILE_REJECTED)
    for r in rows[h + 1:]:
        if len(r) < width:
            r = (*r, *(None,) * (width - len(r)))
        action = norm(r[i_act])
        if action == ACTION_UPDATED:
            key = _HEADER_TO_KEY.get(norm(r[i_field]))
            if key:
                last[(norm(r[i_unit]), norm(r[i_item]), key)] = norm(r[i_new])
        elif action.startswith(done):
            sha = norm(r[i_sha])
            if sha:
                files.setdefault(sha, []).append(action)
    return idx, cmap


def read_splits(meta: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Split history recorded in the master's "_meta" (key "splits", a JSON list)."""
    raw = meta.get("splits")
    if not raw:
        return []
    try:
        data = json.loads(str(raw))
    except json.JSONDecodeError:
        return []
    return [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []


_STATUS_EXACT = {s.value: s for s in Status}
_STATUS_LABELS = frozenset(_STATUS_EXACT)


def _light_tasks(rows: list[tuple[Any, ...]], data: MasterData, file: str,
                 light: dict[str, tuple[list[str], dict[str, Any]]]) -> bool:
    """``_fast_tasks(light=...)`` in one tight loop over the row tuples (same findings).

    Returns ``False`` (nothing done) when a column it reads is missing: the caller then
    takes the generic path.
    """
    from cchc_xl.core.records import _header_map, formula_mismatch, parse_area, parse_date, parse_progress, parse_status, read_table
    from cchc_xl.core.models import Area

    h = find_header_row(rows, S.TASK_COLUMNS[0].header)
    if h is None:
        return False
    read_table(rows[:h + 1], S.TASK_COLUMNS, file=file, sheet=S.SHEET_TASKS,  # same errors
               required=("id", "title", "status", "progress"))
    cmap = _header_map(rows[h], S.TASK_COLUMNS)
    keys = ("id", "area_name", "status", "progress", "completed_on", "due", "lead_units", "evidence", "note")
    if any(k not in cmap for k in keys):
        return False
    i_id, i_area, i_st, i_pr, i_done, i_due, i_units, i_ev, i_note = (cmap[k] for k in keys)
    mapped = sorted(set(cmap.values()))
    width = mapped[-1] + 1
    letters = {c.key: S.col_letter(S.TASK_COLUMNS, c.key) for c in S.TASK_COLUMNS}
    seen: dict[str, int] = {}
    areas: dict[Any, Area | None] = {}
    labels = _STATUS_LABELS
    not_started = Status.NOT_STARTED.value
    date_type, float_type, str_type = dt.date, float, str
    findings = data.findings

    def bad(key: str, row: int, msg: str, item: str = "", severity: str = "error") -> None:
        findings.append(Finding(severity=severity, code="bad_cell", message=msg, file=file,
                                sheet=S.SHEET_TASKS, cell=f"{letters[key]}{row}", task_id=item))

    def mismatch(key: str, label: str, raw: Any, parsed: Any, row: int, item: str) -> None:
        note = formula_mismatch(key, raw, parsed)  # warnings of ``read_master_sheets``
        if note:
            bad(key, row, f"{label}: {note}", item, "warning")

    def date_of(key: str, label: str, value: Any, row: int, item: str) -> dt.date | None:
        try:
            parsed = parse_date(value)
        except ValueError as exc:
            bad(key, row, f"{label}: {exc}", item)
            return None
        mismatch(key, label, value, parsed, row, item)
        return parsed

    for i in range(h + 1, len(rows)):
        raw = rows[i]
        if len(raw) < width:
            raw = (*raw, *(None,) * (width - len(raw)))
        tid = raw[i_id]
        if tid is None or tid == "":
            if all(raw[j] is None or raw[j] == "" for j in mapped):
                continue
            bad("id", i + 1, "Thiếu mã nhiệm vụ")
            continue
        task_id = " ".join(tid.split()) if type(tid) is str_type and tid.isascii() else fast_normalize(tid)
        if not task_id:
            bad("id", i + 1, "Thiếu mã nhiệm vụ")
            continue
        row = i + 1
        if task_id in seen:
            bad("id", row, f"Mã nhiệm vụ '{task_id}' bị trùng (đã có ở dòng {seen[task_id]})", task_id)
            continue
        seen[task_id] = row
        raw_area = raw[i_area]
        if raw_area in areas:
            area = areas[raw_area]
        else:
            area = areas[raw_area] = parse_area(raw_area)
        if area is None:
            bad("area_name", row, f"Lĩnh vực '{raw_area or ''}' không thuộc 8 lĩnh vực CCHC", task_id)
        st = raw[i_st]
        if st not in labels:
            if st is None or st == "":
                st = not_started
            else:
                parsed = parse_status(st)
                if parsed is None:
                    bad("status", row, f"Trạng thái: '{st}' không có trong danh sách trạng thái", task_id)
                else:
                    mismatch("status", "Trạng thái", st, parsed, row, task_id)
                st = (parsed or Status.NOT_STARTED).value
        pr = raw[i_pr]
        if type(pr) is not float_type:
            try:
                pr = parse_progress(pr)
            except ValueError as exc:
                bad("progress", row, f"Tiến độ: {exc}", task_id)
                pr = None
        done = raw[i_done]
        if type(done) is not date_type:
            done = None if done is None or done == "" else date_of("completed_on", "Ngày hoàn thành", done,
                                                                    row, task_id)
        due = raw[i_due]
        if type(due) is not date_type and due is not None and due != "":
            date_of("due", "Hạn (ngày)", due, row, task_id)
        units = raw[i_units]
        units = [c.strip() for c in str(units).replace(",", ";").split(";") if c.strip()] if units else []
        ev, note = raw[i_ev], raw[i_note]
        light[task_id] = (units, {"status": st, "progress": round(float(pr or 0.0), 2), "completed_on": done,
                                  "evidence": "" if ev is None or ev == "" else fast_normalize(ev),
                                  "note": "" if note is None or note == "" else fast_normalize(note)})
    data.rows[S.SHEET_TASKS] = seen
    return True


def _fast_tasks(rows: list[tuple[Any, ...]], data: MasterData, file: str, texts: bool = True,
                light: dict[str, tuple[list[str], dict[str, Any]]] | None = None) -> None:
    """Tasks of "Phân công" like ``read_master_sheets`` (same findings), without pydantic
    validation: 50 000 rows in about a second instead of a minute."""
    from cchc_xl.core.records import formula_mismatch, parse_area, parse_date, parse_progress, parse_status, read_table
    from cchc_xl.core.models import Area, Task

    if light is not None and _light_tasks(rows, data, file, light):
        return
    recs, _ = read_table(rows, S.TASK_COLUMNS, file=file, sheet=S.SHEET_TASKS,
                         required=("id", "title", "status", "progress"))
    letters = {c.key: S.col_letter(S.TASK_COLUMNS, c.key) for c in S.TASK_COLUMNS}
    seen: dict[str, int] = {}
    areas: dict[Any, Area | None] = {}
    out = data.plan.tasks

    def bad(key: str, row: int, msg: str, item: str = "", severity: str = "error") -> None:
        data.findings.append(Finding(severity=severity, code="bad_cell", message=msg, file=file,
                                     sheet=S.SHEET_TASKS, cell=f"{letters[key]}{row}", task_id=item))

    def mismatch(key: str, label: str, raw: Any, parsed: Any, row: int, item: str) -> None:
        note = formula_mismatch(key, raw, parsed)
        if note:
            bad(key, row, f"{label}: {note}", item, "warning")

    for row, rec in recs:
        task_id = fast_normalize(rec.get("id"))
        if not task_id:
            bad("id", row, "Thiếu mã nhiệm vụ")
            continue
        if task_id in seen:
            bad("id", row, f"Mã nhiệm vụ '{task_id}' bị trùng (đã có ở dòng {seen[task_id]})", task_id)
            continue
        seen[task_id] = row
        raw_area = rec.get("area_name")
        if raw_area not in areas:
            areas[raw_area] = parse_area(raw_area)
        area = areas[raw_area]
        if area is None:
            bad("area_name", row, f"Lĩnh vực '{raw_area or ''}' không thuộc 8 lĩnh vực CCHC", task_id)
            area = Area.CHI_DAO
        vals: dict[str, Any] = {}
        raw = rec.get("status")
        st = _STATUS_EXACT.get(raw) if isinstance(raw, str) else None
        if st is None and raw not in (None, ""):
            st = parse_status(raw)
            if st is None:
                bad("status", row, f"Trạng thái: '{raw}' không có trong danh sách trạng thái", task_id)
            else:
                mismatch("status", "Trạng thái", raw, st, row, task_id)
        for key, parser, label in (("progress", parse_progress, "Tiến độ"),
                                   ("completed_on", parse_date, "Ngày hoàn thành"),
                                   ("due", parse_date, "Hạn (ngày)")):
            try:
                vals[key] = parser(rec.get(key))
            except ValueError as exc:
                bad(key, row, f"{label}: {exc}", task_id)
                continue
            mismatch(key, label, rec.get(key), vals[key], row, task_id)
        units = [c.strip() for c in str(rec.get("lead_units") or "").replace(",", ";").split(";") if c.strip()]
        if light is not None:  # only what the merge needs: no Task objects (50 000 rows in ~1 s)
            light[task_id] = (units, {"status": (st or Status.NOT_STARTED).value,
                                      "progress": round(float(vals.get("progress") or 0.0), 2),
                                      "completed_on": vals.get("completed_on"),
                                      "evidence": fast_normalize(rec.get("evidence")),
                                      "note": fast_normalize(rec.get("note"))})
            continue
        txt = {k: fast_normalize(rec.get(k)) if texts else "" for k in
               ("section", "tt", "title", "product", "deadline_text", "lead", "partners", "monitor")}
        out.append(Task.model_construct(
            id=task_id, area=area, due=vals.get("due"), lead_units=units, **txt,
            status=st or Status.NOT_STARTED, progress=vals.get("progress") or 0.0,
            completed_on=vals.get("completed_on"), evidence=fast_normalize(rec.get("evidence")),
            note=fast_normalize(rec.get("note"))))
    data.rows[S.SHEET_TASKS] = seen


def master_data_fast(sheets: Mapping[str, list[tuple[Any, ...]]], *, file: str = "",
                     texts: bool = True, light: dict[str, tuple[list[str], dict[str, Any]]] | None = None
                     ) -> MasterData:
    """``read_master_sheets`` for big masters: same plan and findings, but the tasks are
    built without pydantic validation (texts normalised with ``fast_normalize``).
    ``texts=False`` leaves the descriptive task texts (title, product, ...) empty; with
    ``light`` (a dict) tasks are not built at all: ``light[id] = (lead units, tracking)``."""
    rows = sheets.get(S.SHEET_TASKS, [])
    h = find_header_row(list(rows[:15]), S.TASK_COLUMNS[0].header)
    small = dict(sheets)
    small[S.SHEET_TASKS] = list(rows[:(h or 0) + 1])
    data = read_master_sheets(small, file=file)
    data.plan.tasks = []
    _fast_tasks(list(rows), data, file, texts, light)
    return data


def master_state_from_sheets(sheets: Mapping[str, list[tuple[Any, ...]]], *, file: str = "",
                             fast: bool | str = False, texts: bool = True) -> MasterState:
    """Everything ``plan_consolidation`` needs, from plain cell values (rows from A1).

    ``fast``: build the tasks with ``master_data_fast`` (big masters); ``texts=False``
    skips the descriptive task texts the merge never uses; ``fast="light"`` builds no
    Task objects at all (``MasterState.light_tasks``; used by ``consolidate``)."""
    sheets = {k: [tuple(r) for r in v] for k, v in sheets.items()}
    light: dict[str, tuple[list[str], dict[str, Any]]] | None = {} if fast == "light" else None
    data = master_data_fast(sheets, file=file, texts=texts, light=light) if fast else \
        read_master_sheets(sheets, file=file)
    meta = meta_dict(sheets.get(S.SHEET_META, []))
    state = MasterState(data=data, meta=meta, splits=read_splits(meta), light_tasks=light)
    for sheet, cols in ((S.SHEET_TASKS, S.TASK_COLUMNS), (S.SHEET_REMEDIATION, S.REMEDIATION_COLUMNS)):
        state.columns[sheet] = _column_map(sheets.get(sheet, []), cols)[1]
    reports, state.columns[S.SHEET_UNIT_REPORTS], state.findings = _read_unit_reports(
        sheets.get(S.SHEET_UNIT_REPORTS, []), file)
    state.unit_reports = reports
    state.audit, state.columns[S.SHEET_AUDIT] = _read_audit(sheets.get(S.SHEET_AUDIT, []))
    for sheet in (S.SHEET_AUDIT, S.SHEET_UNIT_REPORTS):
        state.next_rows[sheet] = _last_row(sheets.get(sheet, []), S.HEADER_ROW) + 1
    return state


def read_master_values(path: str | os.PathLike[str],
                       names: Sequence[str] = MASTER_SHEETS) -> dict[str, list[tuple[Any, ...]]]:
    """Cell values of the master's sheets (python-calamine: seconds for 50 000 rows)."""
    import python_calamine as pc

    p = Path(path)
    if not p.exists():
        raise CchcError("Không tìm thấy sổ tổng hợp", file=str(p), code="no_file")
    try:
        wb = pc.CalamineWorkbook.from_path(str(p))
    except Exception as exc:
        raise CchcError(f"Không mở được sổ tổng hợp ({exc.__class__.__name__})", file=p.name,
                        code="bad_file") from None
    try:
        return {n: [tuple(r) for r in wb.get_sheet_by_name(n).to_python(skip_empty_area=False)]
                for n in names if n in wb.sheet_names}
    finally:
        wb.close()


def read_master_state(path: str | os.PathLike[str]) -> MasterState:
    p = Path(path)
    state = master_state_from_sheets(read_master_values(p), file=p.name, fast="light", texts=False)
    state.data.path = str(p)
    return state


def blocking_findings(data: MasterData, extra: Iterable[Finding] = ()) -> list[Finding]:
    """Errors that make splitting/merging unsafe: bad ids (duplicates, missing) and unreadable
    cells on the sheets that are sent to or merged from the units."""
    sheets = (S.SHEET_TASKS, S.SHEET_REMEDIATION, S.SHEET_UNIT_REPORTS, S.SHEET_UNITS)
    return [f for f in (*data.findings, *extra) if f.severity == "error" and f.sheet in sheets
            and not (f.sheet == S.SHEET_TASKS and f.cell[:1] == S.col_letter(S.TASK_COLUMNS, "area_name"))]


def refuse_if_unsafe(state_or_data: MasterState | MasterData, action: str) -> None:
    """Raise ``CchcError`` listing (up to 10) blocking errors of the master."""
    if isinstance(state_or_data, MasterState):
        blockers = blocking_findings(state_or_data.data, state_or_data.findings)
    else:
        blockers = blocking_findings(state_or_data)
    if not blockers:
        return
    lines = "\n".join(f"  - {f}" for f in blockers[:10])
    more = f"\n  ... và {len(blockers) - 10} lỗi khác" if len(blockers) > 10 else ""
    err = CchcError(f"Không thể {action}: sổ tổng hợp có {len(blockers)} lỗi cần sửa trước:\n{lines}{more}",
                    code="master_unsafe")
    err.findings = blockers  # type: ignore[attr-defined]
    raise err


# ================================================================= the merge (pure)

def derive_tracking(reports: Sequence[Mapping[str, Any]], units: Sequence[str]) -> dict[str, Any]:
    """Tracking values of an item with several lead units, from each unit's report.

    progress = mean (cancelled units excluded); done only when every unit is done
    (completion date = the latest); "Thường xuyên" when every unit says so;
    otherwise in progress as soon as any unit has progress; evidence/notes joined
    as "[MÃ] ..." (empty when no unit wrote any).
    """
    active = [r for r in reports if r["status"] != Status.CANCELLED.value] or list(reports)
    statuses = {r["status"] for r in active}
    prog = round(sum(float(r["progress"]) for r in active) / len(active), 2) if active else 0.0
    if all(r["status"] == Status.CANCELLED.value for r in reports):
        status = Status.CANCELLED.value
    elif statuses == {Status.DONE.value}:
        status = Status.DONE.value
    elif statuses == {Status.ONGOING.value}:
        status = Status.ONGOING.value
    elif prog > 0 or statuses & {Status.IN_PROGRESS.value, Status.DONE.value, Status.ONGOING.value}:
        status = Status.IN_PROGRESS.value
    else:
        status = Status.NOT_STARTED.value
    dates = [r["completed_on"] for r in active if r["completed_on"]]
    out: dict[str, Any] = {"status": status, "progress": prog,
                           "completed_on": max(dates) if status == Status.DONE.value and dates else None}
    for key in ("evidence", "note"):
        parts = [f"[{u}] {r[key]}" for u, r in zip(units, reports) if r[key]]
        out[key] = "; ".join(parts)
    return out


_RISKY_FIRST = frozenset(("=", "+", "-", "@", "\t", "\r"))  # first characters ``_safe_text`` looks at


def _safe_text(value: Any) -> Any:
    """Audit text that no spreadsheet will run as a formula."""
    if isinstance(value, str):
        value = value[:500]
        if value[:1] in ("=", "+", "-", "@", "\t", "\r") and looks_like_formula_injection(value):
            return "'" + value
        if value[:1] == "=":
            return "'" + value
    return value


@dataclass
class _Row:
    """One evaluated row of a returned workbook."""

    sheet: str
    item_id: str
    row: int
    theirs: dict[str, Any]
    base: dict[str, Any]
    master_base: dict[str, Any] | None


_NO_FORMULAS: frozenset[str] = frozenset()


@dataclass
class _Layout:
    """Where the columns of a returned data sheet are (0-based), for the row loop."""

    columns: tuple[S.Column, ...]
    cmap: dict[str, str]
    indexes: list[int]                       # per column of ``columns``
    id_index: int
    width: int                               # a row shorter than this takes the slow path
    tracking: list[tuple[str, int, str]]     # (key, index, column letter)
    fingerprint: RowFingerprinter


_LAYOUTS: dict[tuple[int, tuple[tuple[str, str], ...]], _Layout] = {}


def _layout(columns: tuple[S.Column, ...], cmap: dict[str, str]) -> _Layout:
    key = (id(columns), tuple(sorted(cmap.items())))
    lay = _LAYOUTS.get(key)
    if lay is None:
        index = {k: column_index_from_string(v) - 1 for k, v in cmap.items()}
        indexes = [index[c.key] for c in columns]
        lay = _Layout(columns=columns, cmap=dict(cmap), indexes=indexes, id_index=index["id"],
                      width=max(indexes) + 1, tracking=[(k, index[k], cmap[k]) for k in TRACKING_KEYS],
                      fingerprint=RowFingerprinter(columns, index))
        if len(_LAYOUTS) < 64:
            _LAYOUTS[key] = lay
    return lay


_DIRTY = object()  # a tracking cell ``evaluate_cell`` must look at


def _clean_value(key: str, v: Any, base: Any, as_of: dt.date) -> Any:
    """The canonical value of a tracking cell that needs no check, else ``_DIRTY``.

    Unchanged cells, exact status labels, progress 0 or 1..100 (0..1 gets a warning), and
    dates up to the cut-off: what ``evaluate_cell`` would return for them, without messages."""
    kind = type(v)
    if (v == base and kind is not bool) or ((v is None or v == "") and (base is None or base == "")):
        return base
    if key == "status" and kind is str and v in _STATUS_LABELS:
        return v
    if key == "progress" and (kind is float or kind is int) and (v == 0 or 1 <= v <= 100):
        return round(float(v), 2)
    if key == "completed_on" and kind is dt.date and v <= as_of:
        return v
    return _DIRTY


def _clean_tracking(lay: _Layout, raw: Sequence[Any], base: Mapping[str, Any],
                    as_of: dt.date) -> dict[str, Any] | None:
    """Canonical tracking values of a row when no cell needs checking, else ``None``."""
    theirs: dict[str, Any] = {}
    for k, j, _ in lay.tracking:
        t = _clean_value(k, raw[j], base[k], as_of)
        if t is _DIRTY:
            return None
        theirs[k] = t
    return theirs


def _prepare(book: ReturnedBook, as_of: dt.date) -> None:
    """The file-only part of ``_Planner.evaluate``, run by the reading thread while the next
    file is parsed: per data row, its fingerprint and (when no cell needs a check) its
    canonical tracking values.  ``evaluate`` still makes every check, in file order; it
    only takes these two results instead of computing them again."""
    for sheet, rows in book.sheets.items():
        if book.formula_cells.get(sheet):
            continue  # rows of this sheet take the slow path anyway
        h, cmap = _column_map(rows[:15], DATA_SHEETS[sheet])
        if h is None:
            continue
        lay = _layout(DATA_SHEETS[sheet], cmap)
        id_j, width, items = lay.id_index, lay.width, book.items
        ready: dict[int, tuple[str, dict[str, Any] | None]] = {}
        for i in range(h + 1, len(rows)):
            raw = rows[i]
            if len(raw) < width:
                continue
            tid = raw[id_j]
            if tid is None or tid == "":
                continue
            item_id = " ".join(tid.split()) if type(tid) is str and tid.isascii() else fast_normalize(tid)
            meta = items.get((sheet, item_id))
            if meta is not None:
                ready[i] = (lay.fingerprint(raw), _clean_tracking(lay, raw, meta.base, as_of))
        book.prepared[sheet] = (h, lay, ready, as_of)


class _Planner:
    """Holds the evolving state of one consolidation run."""

    def __init__(self, state: MasterState, *, as_of: dt.date, now: dt.datetime, user: str):
        self.state = state
        self.data = state.data
        self.as_of, self.now, self.user = as_of, now, user
        self._stamp = now.strftime("%d/%m/%Y %H:%M:%S")
        self.plan = ConsolidationPlan(next_rows=dict(state.next_rows), as_of=as_of)
        plan = state.data.plan
        self.registry = registry_for(plan)
        self.units_of: dict[ItemKey, list[str]] = {(S.SHEET_TASKS, t.id): list(t.lead_units)
                                                   for t in plan.tasks}
        for r in plan.remediation:
            self.units_of[(S.SHEET_REMEDIATION, r.id)] = remediation_units(r, self.registry)
        self.current: dict[ItemKey, dict[str, Any]] = {}
        for t in plan.tasks:
            self.current[(S.SHEET_TASKS, t.id)] = _tracking_lenient(t)
        for tid, (units, track) in (state.light_tasks or {}).items():
            self.units_of[(S.SHEET_TASKS, tid)] = units
            self.current[(S.SHEET_TASKS, tid)] = track
        for r in plan.remediation:
            self.current[(S.SHEET_REMEDIATION, r.id)] = _tracking_lenient(r)
        self.reports: dict[tuple[str, str], UnitReportRow] = {(u.task_id, u.unit): u for u in state.unit_reports}
        self.last_applied = dict(state.audit.last_applied)
        self.seen_hashes: dict[str, str] = {}
        self.updates: dict[str, int] = {}  # file sha256 -> fields updated
        self.pending: dict[tuple[str, int, str], CellChange] = {}
        self.letters: dict[str, dict[str, str]] = {}  # sheet -> column key -> letter (cache)
        self.issued = {_int(s.get("version")) for s in state.splits} - {0}
        self.latest = max(self.issued) if self.issued else _int(state.meta.get("master_version")) or \
            plan.info.master_version

    # ---------------------------------------------------------------- audit helpers
    def stamp(self) -> str:
        return self._stamp

    def audit(self, book: ReturnedBook | None, file: str, unit: str, item: str, key: str,
              old: str, new: str, action: str) -> None:
        header = FIELD_LABELS.get(key, key) if key else ""
        sha = book.sha256 if book else ""
        self.plan.audit_rows.append([self._stamp, self.user, file, sha, unit, item, header,
                                     _safe_text(old), _safe_text(new), action])
        if action == ACTION_UPDATED and book is not None:
            self.updates[sha] = self.updates.get(sha, 0) + 1

    def cell(self, sheet: str, row: int, key: str) -> str:
        letters = self.letters.get(sheet)
        if letters is None:
            cols = S.TASK_COLUMNS if sheet == S.SHEET_TASKS else (
                S.REMEDIATION_COLUMNS if sheet == S.SHEET_REMEDIATION else S.UNIT_REPORT_COLUMNS)
            found = self.state.columns.get(sheet, {})
            letters = self.letters[sheet] = {c.key: found.get(c.key) or S.col_letter(cols, c.key) for c in cols}
        letter = letters.get(key)
        if letter is None:  # not a column of the sheet's schema: as before, look it up
            cols = S.TASK_COLUMNS if sheet == S.SHEET_TASKS else (
                S.REMEDIATION_COLUMNS if sheet == S.SHEET_REMEDIATION else S.UNIT_REPORT_COLUMNS)
            letter = S.col_letter(cols, key)
        return f"{letter}{row}"

    def set_cell(self, sheet: str, row: int, key: str, old: Any, new: Any, item: str, unit: str,
                 source: str) -> None:
        k = (sheet, row, key)
        prev = self.pending.get(k)
        self.pending[k] = CellChange(sheet, row, key, self.cell(sheet, row, key), prev.old if prev else old, new,
                                     item, unit, source)

    # ---------------------------------------------------------------- per file
    def reject_file(self, book: ReturnedBook | None, path: Path, reason: str, unit: str = "",
                    sha: str = "") -> None:
        sha = sha or (book.sha256 if book else "")
        self.plan.rejections.append(Rejection(file=path.name, reason=reason, unit=unit, whole_file=True))
        self.plan.files.append(FileSummary(file=path.name, status=STATUS_REJECTED, unit=unit, sha256=sha,
                                           reason=reason))
        self.plan.findings.append(Finding(code="file_rejected", message=reason, file=path.name))
        action = f"{ACTION_FILE_REJECTED}: {reason}"[:250]
        if sha and action in self.state.audit.files.get(sha, []):
            return  # already logged by an earlier run
        row = [self.stamp(), self.user, path.name, sha, unit, "", "", "", "", _safe_text(action)]
        self.plan.audit_rows.append(row)

    def check_meta(self, book: ReturnedBook) -> str | None:
        """Reason to reject the whole file, or ``None``."""
        meta, info = book.meta, self.data.plan.info
        if str(meta.get("kind")) != "unit":
            return "Không phải phiếu đơn vị (thông tin ẩn 'kind' khác 'unit')"
        if _int(meta.get("schema_version")) != S.SCHEMA_VERSION:
            return (f"Phiếu theo mẫu phiên bản {meta.get('schema_version')}, phần mềm dùng mẫu "
                    f"{S.SCHEMA_VERSION}: hãy dùng phiếu mới")
        if _int(meta.get("year")) != info.year or fold(meta.get("commune")) != fold(info.commune):
            return (f"Phiếu của {meta.get('commune') or '(không rõ)'} năm {meta.get('year')}, "
                    f"không phải của sổ {info.commune} năm {info.year}")
        code = book.unit_code
        unit = self.registry.by_code.get(code)
        if unit is None or unit.is_group:
            return f"Đơn vị '{code}' không có trong danh sách đơn vị của sổ tổng hợp"
        named = unit_code_from_file_name(book.name)
        if named and named != code and named in self.registry.by_code:
            return f"Tên tệp ghi đơn vị {named} nhưng phiếu là của đơn vị {code} (gửi nhầm tệp?)"
        version = _int(meta.get("master_version"))
        if self.issued and version not in self.issued or not self.issued and version > self.latest:
            return (f"Phiếu mang phiên bản {version} - sổ tổng hợp chưa từng tạo phiếu phiên bản này "
                    f"(phiếu của sổ khác?)")
        if version < self.latest:
            self.plan.findings.append(Finding(
                severity="warning", code="old_version", file=book.name,
                message=(f"Phiếu tạo từ lần chia phiên bản {version}, sổ đã chia lại (phiên bản {self.latest}); "
                         f"vẫn tổng hợp theo nguyên tắc đối chiếu 3 chiều")))
        return None

    def process(self, book: ReturnedBook) -> None:
        if book.sha256 in self.seen_hashes or ACTION_FILE_DONE in {
                a.split(":")[0] for a in self.state.audit.files.get(book.sha256, [])}:
            earlier = self.seen_hashes.get(book.sha256)
            why = f"trùng nội dung với tệp {earlier}" if earlier else "đã tổng hợp trước đó"
            self.plan.files.append(FileSummary(file=book.name, status=STATUS_SEEN, unit=book.unit_code,
                                               sha256=book.sha256, reason=why))
            self.plan.findings.append(Finding(severity="info", code="already_done", file=book.name,
                                              message=f"Bỏ qua: {why}"))
            return
        self.seen_hashes[book.sha256] = book.name
        reason = self.check_meta(book)
        if reason:
            self.reject_file(book, book.path, reason, unit=book.unit_code)
            return
        summary = FileSummary(file=book.name, unit=book.unit_code, sha256=book.sha256)
        n_rej, n_conf = len(self.plan.rejections), len(self.plan.conflicts)
        n_audit, n_find = len(self.plan.audit_rows), len(self.plan.findings)
        rows, file_reason = self.evaluate(book)
        if file_reason:
            del self.plan.rejections[n_rej:]
            del self.plan.audit_rows[n_audit:]
            del self.plan.findings[n_find:]
            self.reject_file(book, book.path, file_reason, unit=book.unit_code)
            return
        for w in book.warnings:
            self.plan.findings.append(Finding(severity="warning", code="external_links", message=w,
                                              file=book.name))
        for row in rows:
            if row.theirs == row.base:  # same keys: equal values
                summary.unchanged += 1
                self.plan.unchanged += 1
                continue
            self.merge_row(book, row)
        summary.rejected = len(self.plan.rejections) - n_rej
        summary.conflicts = len(self.plan.conflicts) - n_conf
        summary.updated = self.updates.pop(book.sha256, 0)
        self.plan.files.append(summary)
        note = f"{summary.updated} cập nhật, {summary.conflicts} xung đột, {summary.rejected} từ chối"
        self.audit(book, book.name, book.unit_code, "", "", "", note, ACTION_FILE_DONE)

    # ---------------------------------------------------------------- evaluating rows
    def evaluate(self, book: ReturnedBook) -> tuple[list[_Row], str | None]:
        """Validated rows of a file, or a reason to reject the whole file."""
        unit = book.unit_code
        rows: list[_Row] = []
        own = foreign = 0
        seen: set[ItemKey] = set()
        if S.SHEET_TASKS not in book.sheets:
            return [], f"Thiếu trang '{S.SHEET_TASKS}' (trang bị xóa hoặc đổi tên)"
        units_of, items = self.units_of, book.items
        for sheet, rows_raw in book.sheets.items():
            columns = DATA_SHEETS[sheet]
            h, cmap = _column_map(rows_raw[:15], columns)
            found = _found_keys(rows_raw, h, columns)
            missing = [c.header for c in columns if c.key not in found]
            if h is None or missing:
                return [], (f"Trang '{sheet}' thiếu cột: " + ", ".join(f"'{m}'" for m in missing)
                            if h is not None else f"Trang '{sheet}' không có dòng tiêu đề")
            lay = _layout(columns, cmap)
            formulas = book.formula_cells.get(sheet)
            prepared = book.prepared.get(sheet)
            ready = prepared[2] if prepared and prepared[0] == h and prepared[1] is lay and prepared[3] == self.as_of \
                else None
            id_j, width = lay.id_index, lay.width
            for i in range(h + 1, len(rows_raw)):
                raw = rows_raw[i]
                tid = raw[id_j] if id_j < len(raw) else None
                if tid is None or tid == "":
                    if all(v is None or v == "" for v in raw):
                        continue
                    item_id = ""
                else:
                    item_id = " ".join(tid.split()) if type(tid) is str and tid.isascii() else fast_normalize(tid)
                key = (sheet, item_id)
                units = units_of.get(key)
                meta = items.get(key)
                if (item_id and units and unit in units and meta is not None and key not in seen
                        and not formulas and len(raw) >= width):
                    seen.add(key)
                    r = self.evaluate_fast(book, sheet, lay, i + 1, item_id, raw, meta,
                                           ready.get(i) if ready is not None else None)
                else:
                    values = {c.key: (raw[j] if j < len(raw) else None) for c, j in zip(columns, lay.indexes)}
                    r = self.evaluate_row(book, sheet, columns, cmap, i + 1, item_id, values, seen)
                if item_id and units:
                    if unit in units:
                        own += 1
                    else:
                        foreign += 1
                if r is not None:
                    rows.append(r)
        if foreign and not own:
            return [], f"Phiếu chứa nhiệm vụ của đơn vị khác, không có nhiệm vụ nào của đơn vị {unit}"
        for (sheet, item_id), meta in book.items.items():
            if (sheet, item_id) not in seen:
                self.plan.findings.append(Finding(
                    severity="warning", code="row_deleted", file=book.name, sheet=sheet, task_id=item_id,
                    message=f"Dòng của {item_id} đã bị xóa khỏi phiếu (đơn vị {unit}): không cập nhật"))
        return rows, None

    def evaluate_fast(self, book: ReturnedBook, sheet: str, lay: _Layout, row: int, item_id: str,
                      raw: Sequence[Any], meta: Any, ready: tuple[str, dict[str, Any] | None] | None = None
                      ) -> _Row | None:
        """``evaluate_row`` for the common row: known id of this unit, no formula in the sheet.

        ``ready``: (fingerprint, clean tracking values or ``None``) computed by the reading
        thread (``_prepare``) - the same functions of the same row."""
        fp, theirs = ready if ready is not None else (lay.fingerprint(raw), None)
        if fp != meta.fingerprint:
            values = {c.key: raw[j] for c, j in zip(lay.columns, lay.indexes)}
            self.reject_tampered(book, sheet, lay.columns, lay.cmap, row, item_id, values, meta)
            return None
        base = meta.base
        if theirs is None:
            theirs = _clean_tracking(lay, raw, base, self.as_of)
        if theirs is None:  # a cell to validate (and maybe reject) here, in file order
            theirs = {}
            for k, j, letter in lay.tracking:
                v, b = raw[j], base[k]
                t = _clean_value(k, v, b, self.as_of)
                theirs[k] = t if t is not _DIRTY else self.evaluate_cell(
                    book, sheet, f"{letter}{row}", item_id, k, v, _NO_FORMULAS, b)
        return _Row(sheet=sheet, item_id=item_id, row=row, theirs=theirs, base=base,
                    master_base=meta.master_base)

    def reject_row(self, book: ReturnedBook, sheet: str, cell: str, item_id: str, reason: str,
                   value: Any = "") -> None:
        self.plan.rejections.append(Rejection(file=book.name, reason=reason, unit=book.unit_code,
                                              sheet=sheet, cell=cell, item_id=item_id))
        self.plan.findings.append(Finding(code="rejected", message=reason, file=book.name, sheet=sheet,
                                          cell=cell, task_id=item_id))
        self.audit(book, book.name, book.unit_code, item_id, "", "", norm_cell(value),
                   f"{ACTION_REJECTED}: {reason}"[:250])

    def reject_tampered(self, book: ReturnedBook, sheet: str, columns: tuple[S.Column, ...],
                        cmap: dict[str, str], row: int, item_id: str, values: dict[str, Any],
                        meta: Any) -> None:
        """Reject a row whose locked cells differ from the fingerprint sent, naming the cells."""
        id_cell = f"{cmap['id']}{row}"
        cells = cell_hashes(columns, values)
        bad = [c for c, a, b in zip(locked_columns(columns), cells, meta.cells) if a != b]
        refs = ", ".join(f"{cmap[c.key]}{row} ('{c.header}')" for c in bad) or id_cell
        first = f"{cmap[bad[0].key]}{row}" if bad else id_cell
        self.reject_row(book, sheet, first, item_id,
                        f"Cột bị khóa của {item_id} đã bị sửa: {refs} - không cập nhật dòng này")

    def evaluate_row(self, book: ReturnedBook, sheet: str, columns: tuple[S.Column, ...],
                     cmap: dict[str, str], row: int, item_id: str, values: dict[str, Any],
                     seen: set[ItemKey]) -> _Row | None:
        unit = book.unit_code
        id_cell = f"{cmap['id']}{row}"
        key = (sheet, item_id)
        label = "Mã NV" if sheet == S.SHEET_TASKS else "Mã KP"
        if not item_id:
            self.reject_row(book, sheet, id_cell, "", "Dòng không có mã (dòng được chèn thêm?)")
            return None
        if key in seen:
            self.reject_row(book, sheet, id_cell, item_id, f"{label} {item_id} xuất hiện hai lần trong phiếu")
            return None
        seen.add(key)
        units = self.units_of.get(key)
        if units is None:
            self.reject_row(book, sheet, id_cell, item_id, f"{label} {item_id} không có trong sổ tổng hợp")
            return None
        if unit not in units:
            self.reject_row(book, sheet, id_cell, item_id,
                            f"{label} {item_id} không thuộc đơn vị {unit} (đơn vị chủ trì: "
                            f"{', '.join(units) or 'chưa xác định'})")
            return None
        meta = book.items.get(key)
        if meta is None:
            self.reject_row(book, sheet, id_cell, item_id,
                            f"{label} {item_id} không có trong phiếu gốc gửi đơn vị {unit} (dòng được chèn thêm?)")
            return None
        formulas = book.formula_cells.get(sheet, set())
        for c in locked_columns(columns):
            ref = f"{cmap[c.key]}{row}"
            if ref in formulas:
                self.reject_row(book, sheet, ref, item_id, f"Ô bị khóa '{c.header}' của {item_id} chứa công thức")
                return None
        if row_fingerprint(columns, values) != meta.fingerprint:
            self.reject_tampered(book, sheet, columns, cmap, row, item_id, values, meta)
            return None
        base = meta.base
        theirs: dict[str, Any] = {}
        for k in TRACKING_KEYS:
            theirs[k] = self.evaluate_cell(book, sheet, f"{cmap[k]}{row}", item_id, k, values[k], formulas,
                                           base[k])
        return _Row(sheet=sheet, item_id=item_id, row=row, theirs=theirs, base=base,
                    master_base=meta.master_base)

    def evaluate_cell(self, book: ReturnedBook, sheet: str, ref: str, item_id: str, key: str, raw: Any,
                      formulas: set[str], base: Any) -> Any:
        """Validated canonical value, or ``base`` (no change) when the cell is rejected."""
        if raw == base and not isinstance(raw, bool) and ref not in formulas:
            return base  # unchanged cell (the common case): nothing to validate
        header = FIELD_LABELS[key]
        if ref in formulas:
            self.reject_row(book, sheet, ref, item_id, f"Ô '{header}' của {item_id} chứa công thức", raw)
            return base
        if looks_like_formula_injection(raw) or (isinstance(raw, str) and raw.lstrip()[:1] in ("=", "\uff1d")):
            self.reject_row(book, sheet, ref, item_id,
                            f"Ô '{header}' của {item_id} nghi ngờ công thức độc hại/DDE - bị từ chối", raw)
            return base
        try:
            value = canonical(key, raw)
        except ValueError as exc:
            self.reject_row(book, sheet, ref, item_id, f"'{header}' của {item_id} không hợp lệ: {exc}", raw)
            return base
        if key == "completed_on" and value is not None and value > self.as_of:
            self.reject_row(book, sheet, ref, item_id,
                            f"Ngày hoàn thành {display(key, value)} của {item_id} sau ngày số liệu "
                            f"{display(key, self.as_of)}", raw)
            return base
        if key == "progress" and 0 < value < 1:
            self.plan.findings.append(Finding(
                severity="warning", code="progress_fraction", file=book.name, sheet=sheet, cell=ref,
                task_id=item_id, message=f"Tiến độ {display(key, value)} rất nhỏ: có phải {value * 100:g}%? "
                                         f"(cột này nhập số 0 - 100)"))
        return value

    # ---------------------------------------------------------------- merging
    def merge_row(self, book: ReturnedBook, row: _Row) -> None:
        key = (row.sheet, row.item_id)
        if len(self.units_of.get(key, [])) > 1:
            self.merge_multi(book, row)
        else:
            self.merge_single(book, row)

    def _applies(self, unit: str, item: str, k: str, mine: Any, base: Any) -> bool:
        return mine == base or display(k, mine) == self.last_applied.get((unit, item, k), None)

    def merge_single(self, book: ReturnedBook, row: _Row) -> None:
        """3-way merge of an item with one lead unit.

        ``set_cell``, ``audit``, ``display``, ``cell_value`` and ``_safe_text`` are inlined
        for the common values (text, numbers): this runs once per changed cell.
        """
        unit, item, sheet, name, sha = book.unit_code, row.item_id, row.sheet, book.name, book.sha256
        mine = self.current[(sheet, item)]
        master_row = self.data.rows.get(sheet, {}).get(item)
        theirs, base, last = row.theirs, row.base, self.last_applied
        pending, audit_rows, updated = self.pending, self.plan.audit_rows, 0
        letters = self.letters.get(sheet) or self._letters(sheet)
        for k in TRACKING_KEYS:
            t, b, m = theirs[k], base[k], mine[k]
            if t == b or m == t:
                continue
            old = m if type(m) is str else display(k, m)
            if (m == b or old == last.get((unit, item, k))) and master_row:
                where = (sheet, master_row, k)
                prev = pending.get(where)
                if k == "progress":
                    before, after = cell_value(k, m), cell_value(k, t)
                else:
                    before, after = (None if m == "" else m), (None if t == "" else t)
                pending[where] = CellChange(sheet, master_row, k, f"{letters[k]}{master_row}",
                                            prev.old if prev else before, after, item, unit, name)
                mine[k] = t
                new = last[(unit, item, k)] = t if type(t) is str else display(k, t)
                audit_rows.append([self._stamp, self.user, name, sha, unit, item, FIELD_LABELS[k],
                                   old if old[:1] not in _RISKY_FIRST and len(old) <= 500 else _safe_text(old),
                                   new if new[:1] not in _RISKY_FIRST and len(new) <= 500 else _safe_text(new),
                                   ACTION_UPDATED])
                updated += 1
            else:
                self.conflict(book, sheet, item, k, master_row or 0, m, t, b)
        if updated:
            self.updates[sha] = self.updates.get(sha, 0) + updated

    def _letters(self, sheet: str) -> dict[str, str]:
        self.cell(sheet, 0, "status")  # fills the cache
        return self.letters[sheet]

    def conflict(self, book: ReturnedBook, sheet: str, item: str, k: str, row: int, mine: Any, theirs: Any,
                 base: Any, derived: bool = False) -> None:
        c = Conflict(file=book.name, unit=book.unit_code, sheet=sheet, item_id=item, column_key=k,
                     cell=self.cell(sheet, row, k) if row else "", mine=display(k, mine),
                     theirs=display(k, theirs), base=display(k, base))
        self.plan.conflicts.append(c)
        self.plan.findings.append(Finding(severity="warning", code="conflict", message=c.message(),
                                          file=book.name, sheet=sheet, cell=c.cell, task_id=item))
        self.plan.audit_rows.append([self.stamp(), self.user, book.name, book.sha256, book.unit_code, item,
                                     FIELD_LABELS[k] + (DERIVED_SUFFIX if derived else ""),
                                     _safe_text(c.mine), _safe_text(c.theirs), ACTION_CONFLICT])

    def merge_multi(self, book: ReturnedBook, row: _Row) -> None:
        """Unit report row first (3-way), then the master row derived from all unit reports."""
        unit, key = book.unit_code, (row.sheet, row.item_id)
        units = self.units_of[key]
        master_base = row.master_base or row.base
        before = self._unit_values(row.item_id, units, master_base)
        report = self.reports.get((row.item_id, unit))
        mine_r = dict(report.values) if report else dict(row.base)
        changed = False
        for k in TRACKING_KEYS:
            t, b, m = row.theirs[k], row.base[k], mine_r[k]
            if t == b or m == t:
                continue
            if self._applies(unit, row.item_id, k, m, b):
                if report is not None and report.row:
                    self.set_cell(S.SHEET_UNIT_REPORTS, report.row, k, cell_value(k, m), cell_value(k, t),
                                  row.item_id, unit, book.name)
                mine_r[k] = t
                changed = True
                self.last_applied[(unit, row.item_id, k)] = display(k, t)
                self.audit(book, book.name, unit, row.item_id, k, display(k, m), display(k, t), ACTION_UPDATED)
            else:
                self.conflict(book, S.SHEET_UNIT_REPORTS, row.item_id, k, report.row if report and report.row else 0,
                              m, t, b)
        if not changed:
            return
        self._store_report(book, row.item_id, unit, report, mine_r)
        after = self._unit_values(row.item_id, units, master_base)
        self._apply_derived(book, row, units, before, after, master_base)

    def _unit_values(self, item: str, units: list[str], master_base: dict[str, Any]) -> list[dict[str, Any]]:
        return [dict(self.reports[(item, u)].values) if (item, u) in self.reports else dict(master_base)
                for u in units]

    def _store_report(self, book: ReturnedBook, item: str, unit: str, report: UnitReportRow | None,
                      values: dict[str, Any]) -> None:
        stamp = self.stamp()
        if report is None:
            report = UnitReportRow(task_id=item, unit=unit, values=dict(values), source=book.name,
                                   received_at=stamp, row=None)
            self.reports[(item, unit)] = report
            self.plan.new_unit_reports.append(report)
            return
        report.values = dict(values)
        if report.row:
            self.set_cell(S.SHEET_UNIT_REPORTS, report.row, "source", report.source, book.name, item, unit, book.name)
            self.set_cell(S.SHEET_UNIT_REPORTS, report.row, "received_at", report.received_at, stamp, item, unit,
                          book.name)
        report.source, report.received_at = book.name, stamp

    def _apply_derived(self, book: ReturnedBook, row: _Row, units: list[str], before: list[dict[str, Any]],
                       after: list[dict[str, Any]], master_base: dict[str, Any]) -> None:
        key = (row.sheet, row.item_id)
        prev, new = derive_tracking(before, units), derive_tracking(after, units)
        mine = self.current[key]
        master_row = self.data.rows.get(row.sheet, {}).get(row.item_id)
        for k in TRACKING_KEYS:
            d, m = new[k], mine[k]
            if m == d or (k in ("evidence", "note") and not d):
                continue
            if (m == prev[k] or m == master_base[k]) and master_row:
                self.set_cell(row.sheet, master_row, k, cell_value(k, m), cell_value(k, d), row.item_id,
                              book.unit_code, book.name)
                mine[k] = d
                self.plan.audit_rows.append([self.stamp(), self.user, book.name, book.sha256, book.unit_code,
                                             row.item_id, FIELD_LABELS[k] + DERIVED_SUFFIX,
                                             _safe_text(display(k, m)), _safe_text(display(k, d)),
                                             ACTION_UPDATED])
                self.updates[book.sha256] = self.updates.get(book.sha256, 0) + 1
            else:
                self.conflict(book, row.sheet, row.item_id, k, master_row or 0, m, d, prev[k], derived=True)

    def finish(self) -> ConsolidationPlan:
        self.plan.changes = [c for c in self.pending.values() if c.old != c.new or c.column_key in
                             ("source", "received_at")]
        return self.plan


def _found_keys(rows: list[list[Any]], h: int | None, columns: tuple[S.Column, ...]) -> set[str]:
    if h is None:
        return set()
    by_header = {_fold(c.header): c.key for c in columns}
    return {by_header[_fold_any(v)] for v in rows[h] if v not in (None, "") and _fold_any(v) in by_header}


def _int(v: Any) -> int:
    try:
        return int(float(v))
    except (TypeError, ValueError):
        return 0


def _tracking_lenient(obj: Any) -> dict[str, Any]:
    out = {}
    for k in TRACKING_KEYS:
        try:
            out[k] = canonical(k, getattr(obj, k, None))
        except ValueError:
            out[k] = canonical(k, None)
    return out


# ---------------------------------------------------------------- reading returned files

READ_THREADS = 2          # python-calamine parses without the GIL: 2 threads ~ 1.8x on 2 cores
_PARALLEL_MIN_FILES = 4


@dataclass
class _Read:
    """Outcome of reading one returned file (a book, or why it cannot be used)."""

    path: Path
    book: ReturnedBook | None = None
    reason: str = ""
    sha256: str = ""
    unreadable: bool = False   # OSError: no hash, no unit


def _read_one(path: Path, as_of: dt.date | None = None) -> _Read:
    try:
        book = read_unit_workbook(path)
    except CchcError as exc:
        try:
            sha = file_sha256(path) if path.is_file() else ""
        except OSError:
            sha = ""
        return _Read(path, reason=exc.finding.message, sha256=sha)
    except OSError as exc:
        return _Read(path, reason=f"Không đọc được tệp ({exc.strerror or exc})", unreadable=True)
    except Exception as exc:  # anything else a damaged package makes the readers raise
        return _Read(path, reason=f"Tệp bị hỏng, không đọc được ({exc.__class__.__name__})",
                     sha256=_sha_or_empty(path))
    if as_of is not None:
        try:
            _prepare(book, as_of)
        except Exception:  # only work done ahead: ``evaluate`` does it again (and reports)
            book.prepared.clear()
    return _Read(path, book=book)


def _read_parts(path: Path, sheets: Sequence[str]) -> dict[str, bytes]:
    """{zip part name: content} of the worksheet parts of ``sheets`` in the workbook ``path``."""
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        found = sheet_parts(z)
        return {part: z.read(part) for sheet in sheets if (part := found.get(sheet)) in names}


def _sha_or_empty(path: Path) -> str:
    try:
        return file_sha256(path)
    except OSError:
        return ""


class _ReadAhead:
    """Reads the returned files - and the master, when given - in background threads.

    Results come back in the order of ``files``.  With one CPU, few files or no thread
    available, everything is read in the calling thread instead (same results).
    """

    def __init__(self, files: Sequence[Path], master: Path | None = None, threads: int | None = None,
                 as_of: dt.date | None = None):
        self.files = list(files)
        self.master = master
        self.as_of = as_of  # cut-off date: the reading threads also do ``_prepare``
        n = threads if threads is not None else min(READ_THREADS, os.cpu_count() or 1)
        self.pool: ThreadPoolExecutor | None = None
        self.master_future: Future[dict[str, list[tuple[Any, ...]]]] | None = None
        self.futures: list[Future[_Read]] = []
        self.parts_future: Future[dict[str, bytes]] | None = None
        if n > 1 and len(self.files) >= _PARALLEL_MIN_FILES:
            try:
                self.pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="cchc-doc-phieu")
                if master is not None:
                    self.master_future = self.pool.submit(read_master_values, master)
                self.futures = [self.pool.submit(_read_one, f, as_of) for f in self.files]
            except RuntimeError:  # no thread can be started: read in this thread
                self.close()

    def prefetch_parts(self, sheets: Sequence[str]) -> None:
        """Read the master's parts of ``sheets`` after the returned files (while they are
        merged): the write then does not wait for 50-100 MB to be decompressed."""
        if self.pool is not None and self.master is not None:
            self.parts_future = self.pool.submit(_read_parts, self.master, sheets)

    def parts(self) -> dict[str, bytes] | None:
        if self.parts_future is None:
            return None
        try:
            return self.parts_future.result()
        except Exception:  # only a head start: the writer reads the file itself
            return None

    def master_values(self) -> dict[str, list[tuple[Any, ...]]]:
        if self.master is None:
            raise ValueError("_ReadAhead: không có sổ tổng hợp")
        if self.master_future is not None:
            return self.master_future.result()
        return read_master_values(self.master)

    def results(self) -> Iterator[_Read]:
        if self.pool is not None and self.futures:
            for fut in self.futures:
                yield fut.result()
        else:
            for f in self.files:
                yield _read_one(f, self.as_of)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def __enter__(self) -> "_ReadAhead":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _load_returns(returns: Sequence[ReturnedBook | str | os.PathLike[str]], planner: _Planner,
                  progress: Progress | None, reader: _ReadAhead | None = None) -> list[ReturnedBook]:
    books: list[ReturnedBook] = []
    total = len(returns)
    paths = [Path(r) for r in returns if not isinstance(r, ReturnedBook)]
    own = reader is None
    reader = reader or _ReadAhead(paths, as_of=planner.as_of)
    try:
        results = reader.results()
        for i, item in enumerate(returns, start=1):
            if isinstance(item, ReturnedBook):
                books.append(item)
            else:
                got = next(results)
                if got.book is not None:
                    books.append(got.book)
                elif got.unreadable:
                    planner.reject_file(None, got.path, got.reason)
                else:
                    planner.reject_file(None, got.path, got.reason, sha=got.sha256,
                                        unit=unit_code_from_file_name(got.path.name) or "")
            if progress:
                progress(i, total, f"Đọc phiếu: {Path(getattr(item, 'path', item)).name}")
    finally:
        if own:
            reader.close()
    return sorted(books, key=lambda b: b.order_key())


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection during a run: it would walk the millions of cell values
    read from hundreds of workbooks again and again (a third of the run time).  Nothing
    here makes reference cycles that must be freed early; the previous state is restored."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def plan_consolidation(master: MasterState | MasterData,
                       unit_reports: Sequence[UnitReportRow] | Mapping[str, list[tuple[Any, ...]]] | None = None,
                       applied: AuditIndex | Iterable[str] | Sequence[Any] | None = None,
                       returns: Sequence[ReturnedBook | str | os.PathLike[str]] = (), *,
                       splits: Sequence[Mapping[str, Any]] | None = None,
                       as_of: dt.date | None = None, user: str = "", now: dt.datetime | None = None,
                       progress: Progress | None = None, _reader: _ReadAhead | None = None) -> ConsolidationPlan:
    """Pure core: what to change in the master for the returned unit workbooks.

    ``master`` is a ``MasterState`` (from ``master_state_from_sheets``) or a bare
    ``MasterData`` with the unit reports, applied file hashes / audit index and
    split history given separately.  Also accepted, for a live Book:
    ``plan_consolidation(data, sheets, files)`` where ``sheets`` are the master's
    cell values ({sheet: rows from A1}) - reports, audit and splits come from them.  Returned files are paths (read with
    python-calamine here) or ``ReturnedBook`` objects.  Unreadable files become
    rejections; nothing raises for a bad returned file.
    """
    if isinstance(unit_reports, Mapping):
        # (master, sheet values of the master, returned files): read the rest from the sheets
        state = master_state_from_sheets(unit_reports, file=Path(master.path).name if isinstance(
            master, MasterData) and master.path else "", fast=True)
        if isinstance(master, MasterData):
            state.data = master
        if not returns and applied is not None and not isinstance(applied, AuditIndex):
            returns, applied = list(applied), None
        if isinstance(applied, AuditIndex):
            state.audit = applied
    elif isinstance(master, MasterData):
        state = MasterState(data=master, unit_reports=list(unit_reports or []),
                            splits=list(splits or []), next_rows={})
        if isinstance(applied, AuditIndex):
            state.audit = applied
        elif applied:
            state.audit = AuditIndex(files={h: [ACTION_FILE_DONE] for h in applied})
    else:
        state = master
        if unit_reports is not None:
            state.unit_reports = list(unit_reports)
        if isinstance(applied, AuditIndex):
            state.audit = applied
        if splits is not None:
            state.splits = list(splits)
    with _gc_paused():
        planner = _Planner(state, as_of=as_of or dt.date.today(), now=now or dt.datetime.now(), user=user)
        books = _load_returns(list(returns), planner, progress, _reader)
        for i, book in enumerate(books, start=1):
            planner.process(book)
            if progress:
                progress(i, len(books), f"Đối chiếu: {book.name}")
        return planner.finish()


def plan_from_sheets(sheets: Mapping[str, list[tuple[Any, ...]]],
                     returns: Sequence[ReturnedBook | str | os.PathLike[str]], *, file: str = "",
                     as_of: dt.date | None = None, user: str = "", now: dt.datetime | None = None,
                     progress: Progress | None = None) -> ConsolidationPlan:
    """Convenience for a live Book: sheet values -> state -> plan (refuses an unsafe master)."""
    state = master_state_from_sheets(sheets, file=file)
    refuse_if_unsafe(state, "tổng hợp")
    return plan_consolidation(state, returns=returns, as_of=as_of, user=user, now=now, progress=progress)


# ================================================================= summaries

SUMMARY_HEADERS = ("Tệp", "Đơn vị", "Kết quả", "Cập nhật", "Xung đột", "Từ chối", "Ghi chú")


def summary_rows(plan: ConsolidationPlan) -> list[list[str]]:
    return [[f.file, f.unit, f.status, str(f.updated), str(f.conflicts), str(f.rejected), f.reason]
            for f in plan.files]


def summary_text(plan: ConsolidationPlan) -> str:
    """Vietnamese summary: one line per file, then conflicts and rejections."""
    lines = [f"TỔNG HỢP PHIẾU ĐƠN VỊ: {len(plan.files)} tệp, {len(plan.master_changes)} ô cập nhật trong sổ, "
             f"{len(plan.conflicts)} xung đột, {len(plan.rejections)} từ chối, "
             f"{plan.unchanged} dòng không thay đổi."]
    for f in plan.files:
        extra = f" - {f.reason}" if f.reason else ""
        lines.append(f"- {f.file} ({f.unit or '?'}): {f.status}; cập nhật {f.updated}, xung đột {f.conflicts}, "
                     f"từ chối {f.rejected}{extra}")
    if plan.conflicts:
        lines.append("Xung đột (chưa cập nhật, cần xem lại):")
        lines += [f"  * {c.message()}" for c in plan.conflicts]
    rows = [r for r in plan.rejections if not r.whole_file]
    if rows:
        lines.append("Ô/dòng bị từ chối:")
        lines += [f"  * {r.message()}" for r in rows]
    return "\n".join(lines)


# ================================================================= applying a plan

def _excel_text(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def apply_with(setter: Callable[[str, str, Any], None], appender: Callable[[str, list[Any]], None],
               plan: ConsolidationPlan, *, excel_safe: bool = False) -> None:
    """Apply ``plan`` through callbacks: ``setter(sheet, "M12", value)``, ``appender(sheet, row values)``.

    Rows are appended to "Báo cáo đơn vị" (``schema.UNIT_REPORT_COLUMNS`` order) and
    "Nhật ký" (``schema.AUDIT_COLUMNS`` order).  With ``excel_safe`` text starting
    with = + - @ gets a leading apostrophe, so a live Excel keeps it as text.
    """
    fix = _excel_text if excel_safe else (lambda v: v)
    for c in plan.changes:
        setter(c.sheet, c.cell, fix(c.new))
    for r in plan.new_unit_reports:
        appender(S.SHEET_UNIT_REPORTS, [fix(v) for v in r.cells()])
    for row in plan.audit_rows:
        appender(S.SHEET_AUDIT, [fix(v) for v in row])


def _ws_last_row(ws) -> int:
    for row in range(ws.max_row, S.HEADER_ROW, -1):
        if any(c.value not in (None, "") for c in ws[row]):
            return row
    return S.HEADER_ROW


def apply_to_openpyxl(wb, plan: ConsolidationPlan) -> None:
    """Apply ``plan`` to an openpyxl workbook in memory (cells changed in place)."""
    titles = {S.SHEET_AUDIT: ("NHẬT KÝ TỔNG HỢP", S.AUDIT_COLUMNS),
              S.SHEET_UNIT_REPORTS: ("BÁO CÁO CỦA TỪNG ĐƠN VỊ (nhiệm vụ nhiều đơn vị chủ trì)",
                                     S.UNIT_REPORT_COLUMNS)}
    next_row: dict[str, int] = {}

    def sheet(name: str):
        if name not in wb.sheetnames:
            title, cols = titles[name]
            write_table(wb.create_sheet(name), cols, [], title=title)
        return wb[name]

    def put(ws, ref: str, value: Any) -> None:
        cell = ws[ref]
        cell.value = value
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # text, never a formula

    def setter(name: str, ref: str, value: Any) -> None:
        put(sheet(name), ref, value)

    def appender(name: str, values: list[Any]) -> None:
        ws = sheet(name)
        r = next_row.get(name) or _ws_last_row(ws) + 1
        for j, v in enumerate(values, start=1):
            put(ws, f"{get_column_letter(j)}{r}", v)
        next_row[name] = r + 1

    apply_with(setter, appender, plan)


def plan_cell_edits(plan: ConsolidationPlan) -> dict[str, dict[tuple[int, int], Any]]:
    """{sheet: {(row, column): value}} for ``patch_xlsx`` (appends at ``plan.next_rows``)."""
    edits: dict[str, dict[tuple[int, int], Any]] = {}
    cols: dict[str, int] = {}
    for c in plan.changes:
        letters = c.cell.rstrip("0123456789")
        col = cols.get(letters) or cols.setdefault(letters, column_index_from_string(letters))
        edits.setdefault(c.sheet, {})[(c.row, col)] = c.new
    for name, rows in ((S.SHEET_UNIT_REPORTS, [r.cells() for r in plan.new_unit_reports]),
                       (S.SHEET_AUDIT, plan.audit_rows)):
        if not rows:
            continue
        start = plan.next_rows.get(name)
        if not start:
            raise PatchUnsupported(f"không biết dòng cuối của trang {name}")
        target = edits.setdefault(name, {})
        for i, values in enumerate(rows, start=start):
            for j, v in enumerate(values, start=1):
                if v is not None and v != "":
                    target[(i, j)] = v
    return edits


AUDIT_FIXED_COLUMNS = 5  # time, user, file, hash, unit: the same for every audit row of a file


def plan_patch(plan: ConsolidationPlan) -> tuple[dict[str, dict[tuple[int, int], Any]], dict[str, Append]]:
    """``plan_cell_edits`` split for ``patch_xlsx``: changed cells, and the appended rows of
    "Báo cáo đơn vị" and "Nhật ký" as whole rows (100 000 audit rows are not 1 000 000 edits)."""
    edits: dict[str, dict[tuple[int, int], Any]] = {}
    cols: dict[str, int] = {}
    for c in plan.changes:
        letters = c.cell.rstrip("0123456789")
        col = cols.get(letters) or cols.setdefault(letters, column_index_from_string(letters))
        edits.setdefault(c.sheet, {})[(c.row, col)] = c.new
    appends: dict[str, Append] = {}
    for name, rows, fixed in ((S.SHEET_UNIT_REPORTS, [r.cells() for r in plan.new_unit_reports], 0),
                              (S.SHEET_AUDIT, plan.audit_rows, AUDIT_FIXED_COLUMNS)):
        if not rows:
            continue
        start = plan.next_rows.get(name)
        if not start:
            raise PatchUnsupported(f"không biết dòng cuối của trang {name}")
        appends[name] = (start, rows, fixed)
    return edits, appends


# ================================================================= xlsx patcher

class PatchUnsupported(Exception):
    """The package uses a layout the patcher does not handle: use openpyxl instead."""


_ROW_RE = re.compile(r"<row\b([^>]*?)(/?)>")
_ROW_R_RE = re.compile(r'<row\b[^>]*?\br="(\d+)"[^>]*?(/?)>')
_ROW_NO_R = re.compile(r'<row\b(?![^>]*\br=")[^>]*>')
_CELL_RE = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_R_ATTR = re.compile(r'\br="([A-Z]*)(\d+)"')
_S_ATTR = re.compile(r'\bs="(\d+)"')
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f]")
_EPOCH = dt.datetime(1899, 12, 30)


class _Styles:
    """Minimal editor of xl/styles.xml: find/create date cell formats (dd/mm/yyyy)."""

    DATE_CODE = "dd/mm/yyyy"

    def __init__(self, xml: str):
        self.xml = xml
        self.changed = False
        m = re.search(r"<cellXfs\b[^>]*>(.*?)</cellXfs>", xml, re.S)
        if not m:
            raise PatchUnsupported("styles.xml không có cellXfs")
        self.xfs = re.findall(r"<xf\b[^>]*?/>|<xf\b[^>]*?>.*?</xf>", m.group(1), re.S)
        self.fmts = {int(i): html.unescape(c) for i, c in
                     re.findall(r'<numFmt\b[^>]*?numFmtId="(\d+)"[^>]*?formatCode="([^"]*)"', xml)}
        self.cache: dict[int, int] = {}
        self.dates: dict[int, bool] = {}
        self.new_fmt: int | None = None

    def is_date(self, s: int) -> bool:
        known = self.dates.get(s)
        if known is None:
            known = self.dates[s] = self._is_date(s)
        return known

    def _is_date(self, s: int) -> bool:
        if s >= len(self.xfs):
            return False
        m = re.search(r'numFmtId="(\d+)"', self.xfs[s])
        fid = int(m.group(1)) if m else 0
        if 14 <= fid <= 22 or 45 <= fid <= 47:
            return True
        code = re.sub(r'"[^"]*"|\[[^\]]*\]', "", self.fmts.get(fid, "")).lower()
        return bool(code) and bool(re.search(r"[dy]", code)) and "general" not in code

    def date_style(self, s: int | None) -> int:
        s = s or 0
        if self.is_date(s):
            return s
        if s in self.cache:
            return self.cache[s]
        fid = self._date_fmt_id()
        xf = self.xfs[s] if s < len(self.xfs) else '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        xf = re.sub(r'\snumFmtId="\d+"', "", xf, count=1)
        xf = re.sub(r'\sapplyNumberFormat="\d"', "", xf, count=1)
        xf = xf.replace("<xf", f'<xf numFmtId="{fid}" applyNumberFormat="1"', 1)
        self.xfs.append(xf)
        self.cache[s] = len(self.xfs) - 1
        self.changed = True
        return self.cache[s]

    def _date_fmt_id(self) -> int:
        for fid, code in self.fmts.items():
            if code.lower() == self.DATE_CODE:
                return fid
        if self.new_fmt is None:
            self.new_fmt = max([163, *self.fmts]) + 1
            self.fmts[self.new_fmt] = self.DATE_CODE
        return self.new_fmt

    def render(self) -> str:
        xml = self.xml
        if self.new_fmt is not None:
            entry = f'<numFmt numFmtId="{self.new_fmt}" formatCode="{self.DATE_CODE}"/>'
            if re.search(r"<numFmts\b[^>]*/>", xml):
                xml = re.sub(r"<numFmts\b[^>]*/>", f'<numFmts count="1">{entry}</numFmts>', xml, count=1)
            elif "<numFmts" in xml:
                xml = re.sub(r"<numFmts\b[^>]*>", lambda m: m.group(0) + entry, xml, count=1)
                xml = re.sub(r'(<numFmts\b[^>]*?count=")(\d+)(")',
                             lambda m: f"{m.group(1)}{int(m.group(2)) + 1}{m.group(3)}", xml, count=1)
            else:
                xml = re.sub(r"(<styleSheet\b[^>]*>)", lambda m: m.group(1) + f'<numFmts count="1">{entry}</numFmts>',
                             xml, count=1)
        body = "".join(self.xfs)
        return re.sub(r"<cellXfs\b[^>]*>.*?</cellXfs>",
                      lambda m: f'<cellXfs count="{len(self.xfs)}">{body}</cellXfs>', xml, count=1, flags=re.S)


def _col_num(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _serial(value: dt.date) -> float:
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    delta = value - _EPOCH
    serial = delta.days + delta.seconds / 86400
    return int(serial) if serial == int(serial) else round(serial, 8)


def _cell_xml(ref: str, value: Any, style: int | None, styles: _Styles | None) -> str:
    if type(value) is str and value:
        text = value
        if _NEEDS_ESCAPE.search(text):
            text = html.escape(_ILLEGAL.sub("", text), quote=False)
        s = f' s="{style}"' if style else ""
        t = "<t>" if text.strip() == text else '<t xml:space="preserve">'
        return f'<c r="{ref}"{s} t="inlineStr"><is>{t}{text}</t></is></c>'
    if isinstance(value, (dt.date, dt.datetime)) and styles is not None:
        style = styles.date_style(style)
    s = f' s="{style}"' if style else ""
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return f'<c r="{ref}"{s}/>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (dt.date, dt.datetime)):
        return f'<c r="{ref}"{s}><v>{_serial(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    text = html.escape(_ILLEGAL.sub("", str(value)), quote=False)
    t = "<t>" if text.strip() == text else '<t xml:space="preserve">'
    return f'<c r="{ref}"{s} t="inlineStr"><is>{t}{text}</t></is></c>'


def _row_cells(row_xml: str) -> list[tuple[int, str, int | None]]:
    """[(column, cell xml, style)] of a row element."""
    out = []
    for m in _CELL_RE.finditer(row_xml):
        r = _R_ATTR.search(m.group(1))
        if not r or not r.group(1):
            raise PatchUnsupported("ô không có địa chỉ r=")
        s = _S_ATTR.search(m.group(1))
        out.append((_col_num(r.group(1)), m.group(0), int(s.group(1)) if s else None))
    return out


def _col_styles(xml: str) -> dict[int, int]:
    out: dict[int, int] = {}
    cols = re.search(r"<cols>(.*?)</cols>", xml, re.S)
    if cols:
        for m in re.finditer(r"<col\b([^>]*)/?>", cols.group(1)):
            a = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
            if "style" in a and "min" in a and "max" in a:
                for c in range(int(a["min"]), min(int(a["max"]), 200) + 1):
                    out[c] = int(a["style"])
    return out


def _find_cell(row_xml: str, ref: str) -> tuple[int, int] | None:
    """(start, end) of the cell element ``ref`` inside a row element."""
    i = row_xml.find(f'<c r="{ref}"')
    if i < 0:
        m = re.search(rf'<c\b[^>]*?\br="{ref}"', row_xml)
        if not m:
            return None
        i = m.start()
    j = row_xml.find(">", i)
    end = j + 1 if row_xml[j - 1] == "/" else row_xml.find("</c>", j) + 4
    return i, end


_LETTERS = [""] + [get_column_letter(i) for i in range(1, 200)]


_TAILS: dict[tuple[str, int | None], str] = {}  # (text, style) -> cell xml after the address


def _new_row(r: int, values: dict[int, Any], template: dict[int, int], col_styles: dict[int, int],
             styles: _Styles | None) -> str:
    rs = str(r)
    parts = [f'<row r="{rs}">']
    for c in sorted(values):
        ref = (_LETTERS[c] if c < len(_LETTERS) else get_column_letter(c)) + rs
        parts.append(_cell_fast(ref, values[c], template.get(c, col_styles.get(c)), styles))
    parts.append("</row>")
    return "".join(parts)


def _cell_tail(value: Any, style: int | None, styles: _Styles | None) -> str:
    """Cell XML after ``<c r="A1`` (starts with the closing quote of the address)."""
    return '"' + _cell_xml("", value, style, styles)[len('<c r=""'):]


def _cell_fast(ref: str, value: Any, style: int | None, styles: _Styles | None) -> str:
    """``_cell_xml`` with the text cells memoised (the same statuses/labels repeat)."""
    if type(value) is str and value:
        key = (value, style)
        tail = _TAILS.get(key)
        if tail is None:
            tail = _cell_tail(value, style, styles)
            if len(_TAILS) < 50_000:
                _TAILS[key] = tail
        return '<c r="' + ref + tail
    if type(value) is int or (type(value) is float and value == value):
        return f'<c r="{ref}" s="{style}"><v>{value!r}</v></c>' if style else f'<c r="{ref}"><v>{value!r}</v></c>'
    return _cell_xml(ref, value, style, styles)


def _patched_row(r: int, row_xml: str, values: dict[int, Any], template: Callable[[], dict[int, int]],
                 col_styles: dict[int, int], styles: _Styles | None) -> str:
    """``row_xml`` with the cells of ``values`` replaced (style kept) or inserted."""
    spans: list[tuple[int, int, str]] = []
    missing: dict[int, Any] = {}
    rs = str(r)
    for c, v in values.items():
        ref = (_LETTERS[c] if c < len(_LETTERS) else get_column_letter(c)) + rs
        i = row_xml.find('<c r="' + ref + '"')
        if i < 0:
            span = _find_cell(row_xml, ref)
            if span is None:
                missing[c] = v
                continue
            i = span[0]
        j = row_xml.find(">", i)
        end = j + 1 if row_xml[j - 1] == "/" else row_xml.find("</c>", j) + 4
        if end > j + 1 and ("<f>" in row_xml[j:end] or "<f " in row_xml[j:end] or "<f/" in row_xml[j:end]):
            raise PatchUnsupported("ô cần ghi đang chứa công thức")
        k = row_xml.find(' s="', i, j)
        style = int(row_xml[k + 4:row_xml.index('"', k + 4)]) if k >= 0 else None
        spans.append((i, end, _cell_fast(ref, v, style, styles)))
    spans.sort()
    pieces, pos = [], 0
    for start, end, xml in spans:
        pieces += (row_xml[pos:start], xml)
        pos = end
    pieces.append(row_xml[pos:])
    out = "".join(pieces)
    if not missing:
        return out
    tpl = template()
    cells = {c: xml for c, xml, _ in _row_cells(out)}
    for c, v in missing.items():
        cells[c] = _cell_xml(f"{get_column_letter(c)}{r}", v, tpl.get(c, col_styles.get(c)), styles)
    m = _ROW_RE.match(out)
    attrs = re.sub(r'\sspans="[^"]*"', "", m.group(1))
    return f"<row{attrs}>" + "".join(cells[c] for c in sorted(cells)) + "</row>"


def _render_rows(start: int, rows: Sequence[Sequence[Any]], style_of: Callable[[int], int | None],
                 styles: _Styles | None, fixed: int = 0) -> str:
    """XML of new rows numbered from ``start`` (values from column A; empty values: no cell).

    ``fixed``: how many leading columns repeat from row to row (the audit log repeats
    time, user, file, hash and unit for every cell of a file): their XML is built once
    per distinct run and only the row number is stamped in.
    """
    width = max((len(r) for r in rows), default=0)
    opens = ['<c r="' + (_LETTERS[c] if c < len(_LETTERS) else get_column_letter(c)) for c in range(1, width + 1)]
    col_style = [style_of(c) for c in range(1, width + 1)]
    memo: list[dict[str, str]] = [{} for _ in range(width)]
    runs: dict[tuple[Any, ...], list[str]] = {}
    out: list[str] = []
    append, extend = out.append, out.extend
    row_number = start - 1
    for values in rows:
        row_number += 1
        rs = str(row_number)
        append('<row r="' + rs + '">')
        first = 0
        if fixed:
            head = tuple(values[:fixed])
            pieces = runs.get(head)  # keys hold only text: ``True == 1`` cannot mix runs up
            if pieces is None:
                pieces = _run_pieces(head, opens, col_style, styles)
                if len(runs) < 10_000 and all(type(v) is str or v is None for v in head):
                    runs[head] = pieces
            append(rs.join(pieces))
            first = len(head)
        for j in range(first, len(values)):
            v = values[j]
            if type(v) is str:
                if not v:
                    continue
                tail = memo[j].get(v)
                if tail is None:
                    tail = _cell_tail(v, col_style[j], styles)
                    if len(memo[j]) < 20_000:
                        memo[j][v] = tail
                extend((opens[j], rs, tail))
            elif v is not None:
                append(_cell_xml(opens[j][len('<c r="'):] + rs, v, col_style[j], styles))
        append("</row>")
    return "".join(out)


def _run_pieces(head: Sequence[Any], opens: list[str], col_style: list[int | None],
                styles: _Styles | None) -> list[str]:
    """Pieces that ``row_number.join(pieces)`` turns into the cells of ``head``."""
    pieces, acc = [], ""
    for j, v in enumerate(head):
        if v is None or v == "":
            continue
        pieces.append(acc + opens[j])
        acc = _cell_tail(v, col_style[j], styles)
    pieces.append(acc)
    return pieces


_LAST_ROW_R = re.compile(r'<row\b[^>]*?\br="(\d+)"')


def _patch_sheet(xml: str, edits: dict[tuple[int, int], Any], styles: _Styles | None,
                 append: tuple[int, Sequence[Sequence[Any]], int] | None = None) -> str:
    """Rewrite only the rows of ``xml`` (a worksheet part) that ``edits`` touch, and add
    the rows ``append = (first row, row values, fixed leading columns)`` after the last row."""
    by_row: dict[int, dict[int, Any]] = {}
    for (r, c), v in edits.items():
        by_row.setdefault(r, {})[c] = v
    m = re.search(r"<sheetData\s*/>|<sheetData\b[^>]*>", xml)
    if not m:
        raise PatchUnsupported("không tìm thấy sheetData")
    col_styles = _col_styles(xml[:m.start()])
    if append and append[1]:
        start, rows = append[0], append[1]
        last = _last_row_number(xml, m)
        if (last is not None and start <= last) or any(r >= start for r in by_row):
            # rows already there (formatted empty rows?): merge the values cell by cell
            for i, values in enumerate(rows, start=start):
                for j, v in enumerate(values, start=1):
                    if v is not None and v != "":
                        by_row.setdefault(i, {})[j] = v
            append = None
    else:
        append = None
    if not by_row and append is None:
        return xml
    if m.group(0).endswith("/>"):
        body = "".join(_new_row(r, by_row[r], {}, col_styles, styles) for r in sorted(by_row))
        if append:
            body += _render_rows(append[0], append[1], col_styles.get, styles, append[2])
        max_row, max_col = _extent(by_row, append)
        return _fix_dimension(xml[:m.start()] + f"<sheetData>{body}</sheetData>" + xml[m.end():], max_row, max_col)
    start, end = m.end(), xml.index("</sheetData>", m.end())
    region = xml[start:end]
    out = (_patch_region_fast(region, by_row, col_styles, styles)
           or _patch_region(region, by_row, col_styles, styles)) if by_row else [region]
    if append:
        tpl = _last_row_styles(region)
        out.append(_render_rows(append[0], append[1], lambda c: tpl.get(c, col_styles.get(c)), styles,
                                append[2]))
    max_row, max_col = _extent(by_row, append)
    head = _fix_dimension(xml[:start], max_row, max_col)
    return head + "".join(out) + xml[end:]  # one copy of the (large) sheet text


def _extent(by_row: dict[int, dict[int, Any]], append: tuple[int, Sequence[Sequence[Any]], int] | None
            ) -> tuple[int, int]:
    """(last row, last column) written."""
    rows = [max(by_row)] if by_row else []
    cols = [max(c for cells in by_row.values() for c in cells)] if by_row else []
    if append:
        rows.append(append[0] + len(append[1]) - 1)
        cols.append(max(len(v) for v in append[1]))
    return max(rows), max(cols)


def _last_row_number(xml: str, sheet_data: re.Match[str]) -> int | None:
    """Number of the last ``<row>`` of the sheet (``None``: no rows)."""
    if sheet_data.group(0).endswith("/>"):
        return None
    end = xml.index("</sheetData>", sheet_data.end())
    i = xml.rfind("<row", sheet_data.end(), end)
    while i >= 0:
        m = _LAST_ROW_R.match(xml, i)
        if m:
            return int(m.group(1))
        if xml[i + 4:i + 5] in (" ", ">", "/"):
            raise PatchUnsupported("dòng không có số thứ tự r=")
        i = xml.rfind("<row", sheet_data.end(), i)
    return None


def _last_row_styles(region: str) -> dict[int, int]:
    """Cell styles of the last data row of a sheet region (new rows look like it)."""
    i = region.rfind("<row")
    m = _ROW_R_RE.match(region, i) if i >= 0 else None
    if not m or int(m.group(1)) <= S.HEADER_ROW:
        return {}
    end = m.end() if m.group(2) else region.index("</row>", m.end()) + 6
    return {c: st for c, _, st in _row_cells(region[i:end]) if st is not None}


def _patch_region_fast(region: str, by_row: dict[int, dict[int, Any]], col_styles: dict[int, int],
                       styles: _Styles | None) -> list[str] | None:
    """``_patch_region`` when every cell to write already exists, in row and column order
    (what Excel, LibreOffice and openpyxl write for formatted cells): each cell is found by
    its address with ``str.find`` and replaced in place.  ``None``: a cell is missing or out
    of order - use the general path."""
    out: list[str] = []
    append = out.append
    pos = 0
    find = region.find
    letters = _LETTERS
    for r in sorted(by_row):
        rs = str(r)
        values = by_row[r]
        for c in (sorted(values) if len(values) > 1 else values):
            ref = (letters[c] if c < len(letters) else get_column_letter(c)) + rs
            k = find('<c r="' + ref + '"', pos)
            if k < 0:
                return None
            close = find(">", k)
            if region[close - 1] == "/":
                stop = close + 1
            else:
                stop = find("</c>", close) + 4
                if stop < 4:
                    return None
                if "<f" in region[close:stop]:
                    body = region[close:stop]
                    if "<f>" in body or "<f " in body or "<f/" in body:
                        raise PatchUnsupported("ô cần ghi đang chứa công thức")
            s = find(' s="', k, close)
            style = int(region[s + 4:find('"', s + 4)]) if s >= 0 else None
            append(region[pos:k])
            append(_cell_fast(ref, values[c], style, styles))
            pos = stop
    append(region[pos:])
    return out


def _patch_region(region: str, by_row: dict[int, dict[int, Any]], col_styles: dict[int, int],
                  styles: _Styles | None) -> list[str]:
    """Pieces of the sheetData ``region`` with the rows of ``by_row`` patched or inserted."""
    targets = sorted(by_row)
    out: list[str] = []
    pos, ti = 0, 0
    prev: list[Any] = [None, 0, -1, None]  # row number, start, end (-1: find it), cached styles

    def template() -> dict[int, int]:
        if prev[0] is None or prev[0] <= S.HEADER_ROW:
            return {}
        if prev[3] is None:
            e = prev[2] if prev[2] >= 0 else region.index("</row>", prev[1]) + 6
            prev[3] = {c: st for c, _, st in _row_cells(region[prev[1]:e]) if st is not None}
        return prev[3]

    if region.count("<row") != region.count("<row r=") and _ROW_NO_R.search(region):
        raise PatchUnsupported("dòng không có số thứ tự r=")
    for rm in _ROW_R_RE.finditer(region):
        r = int(rm.group(1))
        if r < targets[ti]:
            prev[0], prev[1], prev[2], prev[3] = r, rm.start(), rm.end() if rm.group(2) else -1, None
            continue
        row_end = rm.end() if rm.group(2) else region.index("</row>", rm.end()) + 6
        if targets[ti] < r:
            out.append(region[pos:rm.start()])
            pos = rm.start()
            tpl = template()
            while ti < len(targets) and targets[ti] < r:
                out.append(_new_row(targets[ti], by_row[targets[ti]], tpl, col_styles, styles))
                ti += 1
        if ti < len(targets) and targets[ti] == r:
            out.append(region[pos:rm.start()])
            out.append(_patched_row(r, region[rm.start():row_end], by_row[r], template, col_styles, styles))
            pos = row_end
            ti += 1
        prev[:] = [r, rm.start(), row_end, None]
        if ti >= len(targets):
            break
    out.append(region[pos:])
    if ti < len(targets):
        tpl = template()
        out.extend(_new_row(t, by_row[t], tpl, col_styles, styles) for t in targets[ti:])
    return out


# ---------------------------------------------------------------- fast path over the raw bytes
# Big sheets are patched without decoding them: joining str pieces that mix ASCII and
# Vietnamese text widens 50-100 MB of XML to UCS-2 and costs more than the patch itself.

_TAILS_B: dict[tuple[str, int | None], bytes] = {}
_LETTERS_B = [s.encode() for s in _LETTERS]
_SHEET_DATA_B = re.compile(rb"<sheetData\s*/>|<sheetData\b[^>]*>")
_LAST_ROW_B = re.compile(rb'<row\b[^>]*?\br="(\d+)"')


def _text_tail_b(value: str, style: int | None, styles: _Styles | None) -> bytes:
    key = (value, style)
    tail = _TAILS_B.get(key)
    if tail is None:
        tail = _cell_tail(value, style, styles).encode("utf-8")
        if len(_TAILS_B) < 50_000:
            _TAILS_B[key] = tail
    return tail


def _cell_b(ref: bytes, value: Any, style: int | None, styles: _Styles | None) -> bytes:
    """``_cell_xml`` as UTF-8 bytes (text tails memoised)."""
    kind = type(value)
    if kind is str and value:
        return b'<c r="' + ref + _text_tail_b(value, style, styles)
    if kind is int or (kind is float and value == value and value not in (_INF, -_INF)):
        return b''.join((b'<c r="', ref, _STYLE_ATTR_B[style] if style in _STYLE_ATTR_B else
                         _style_attr_b(style), b'><v>', repr(value).encode(), b'</v></c>'))
    return _cell_xml(ref.decode(), value, style, styles).encode("utf-8")


_INF = float("inf")
_STYLE_ATTR_B: dict[int | None, bytes] = {None: b'"', 0: b'"'}


def _style_attr_b(style: int | None) -> bytes:
    """``"`` closing the address, then `` s="N"`` when the cell has a style."""
    out = _STYLE_ATTR_B[style] = (b'" s="%d"' % style) if style else b'"'
    return out


def _patch_region_b(region: bytes, by_row: dict[int, dict[int, Any]],
                    styles: _Styles | None) -> Iterator[bytes]:
    """``_patch_region_fast`` over bytes, as a stream of pieces (raises ``_FastPathMiss`` when a
    cell is missing or out of order)."""
    out: list[bytes] = []
    append = out.append
    pos = 0
    find = region.find
    letters = _LETTERS_B
    attr_styles: dict[bytes, int | None] = {}   # b' s="26" t="n"' -> 26
    for r in sorted(by_row):
        rs = b"%d" % r
        values = by_row[r]
        for c in (sorted(values) if len(values) > 1 else values):
            ref = (letters[c] if c < len(letters) else get_column_letter(c).encode()) + rs
            k = find(b'<c r="' + ref + b'"', pos)
            if k < 0:
                raise _FastPathMiss(ref.decode())
            close = find(b">", k)
            if region[close - 1] == 47:  # "/": an empty cell <c .../>
                stop = close + 1
                attrs = region[k + len(ref) + 7:close - 1]
            else:
                stop = find(b"</c>", close) + 4
                if stop < 4:
                    raise _FastPathMiss(ref.decode())
                f = find(b"<f", close, stop)
                if f >= 0 and region[f + 2:f + 3] in (b">", b" ", b"/"):
                    raise PatchUnsupported("ô cần ghi đang chứa công thức")
                attrs = region[k + len(ref) + 7:close]
            style = attr_styles.get(attrs, -1)
            if style == -1:
                m = _S_ATTR_B.search(attrs)
                style = attr_styles[attrs] = int(m.group(1)) if m else None
            append(region[pos:k])
            append(_cell_b(ref, values[c], style, styles))
            pos = stop
        if len(out) >= 2048:
            yield b"".join(out)
            out.clear()
    out.append(region[pos:])
    yield b"".join(out)


_S_ATTR_B = re.compile(rb'(?:^|\s)s="(\d+)"')


def _render_rows_b(start: int, rows: Sequence[Sequence[Any]], style_of: Callable[[int], int | None],
                   styles: _Styles | None, fixed: int = 0) -> Iterator[bytes]:
    """``_render_rows`` as a stream of UTF-8 chunks (about 2 000 rows each).

    The columns are cut in groups - the ``fixed`` leading ones, then one group per column,
    except that for the audit log (``fixed`` = 5) the last four columns (field, old, new,
    result) form one group: their combinations repeat ("Tiến độ (%)", "0", "100", "Đã cập
    nhật").  Each group's XML is built once per distinct value tuple, with the row number
    left as the join point.
    """
    width = max((len(r) for r in rows), default=0)
    opens = [b'<c r="' + (_LETTERS_B[c] if c < len(_LETTERS_B) else get_column_letter(c).encode())
             for c in range(1, width + 1)]
    col_style = [style_of(c) for c in range(1, width + 1)]
    bounds = [0, fixed] if fixed else [0]
    tail_group = fixed == AUDIT_FIXED_COLUMNS and width == len(S.AUDIT_COLUMNS)
    last = width - 4 if tail_group else width
    bounds += list(range(bounds[-1] + 1, last + 1)) + ([width] if tail_group else [])
    groups = [(a, b, {}) for a, b in zip(bounds, bounds[1:]) if b > a and b - a > 1]
    singles = [(a, opens[a], {}, _text_head_b(col_style[a])) for a, b in zip(bounds, bounds[1:]) if b - a == 1]
    # cells in column order: ("g", group) or ("s", single)
    order = sorted([(g[0], 0, g) for g in groups] + [(x[0], 1, x) for x in singles], key=lambda t: t[0])
    join = b"".join
    out: list[bytes] = []
    emit = out.append
    row_number = start - 1
    for values in rows:
        row_number += 1
        rs = b"%d" % row_number
        cells = [b'<row r="', rs, b'">']
        n = len(values)
        for first, kind, spec in order:
            if first >= n:
                continue
            if kind:  # one column
                _, open_, memo, head = spec
                v = values[first]
                if type(v) is str:
                    if not v:
                        continue
                    tail = memo.get(v)
                    if tail is None:
                        tail = _text_tail_fast(v, head)
                        if len(memo) < 20_000:
                            memo[v] = tail
                elif v is None:
                    continue
                else:
                    tail = _cell_tail(v, col_style[first], styles).encode("utf-8")
                cells += (open_, rs, tail)
                continue
            a, b, memo = spec
            key = tuple(values[a:b])
            pieces = memo.get(key)  # cached keys hold only text: ``True == 1`` cannot mix them up
            if pieces is None:
                pieces = _group_pieces(key, a, opens, col_style, styles)
                if len(memo) < 20_000 and all(type(v) is str or v is None for v in key):
                    memo[key] = pieces
            cells.append(rs.join(pieces))
        cells.append(b"</row>")
        emit(join(cells))
        if len(out) >= 2048:
            yield join(out)
            out.clear()
    if out:
        yield join(out)


def _text_head_b(style: int | None) -> bytes:
    """Start of a text cell's XML after its address (see ``_cell_xml``)."""
    return b'"' + (b' s="%d"' % style if style else b"") + b' t="inlineStr"><is>'


def _text_tail_fast(value: str, head: bytes) -> bytes:
    """``_cell_tail(value, style)`` for a non-empty text, as bytes (``head``: ``_text_head_b``)."""
    text = value
    if _NEEDS_ESCAPE.search(text):
        text = html.escape(_ILLEGAL.sub("", text), quote=False)
    return b"".join((head, b"<t>" if text.strip() == text else b'<t xml:space="preserve">',
                     text.encode("utf-8"), b"</t></is></c>"))


def _group_pieces(values: Sequence[Any], first: int, opens: list[bytes], col_style: list[int | None],
                  styles: _Styles | None) -> list[bytes]:
    """Pieces that ``row_number.join(pieces)`` turns into the cells of ``values`` (from
    column index ``first``); empty values get no cell."""
    pieces, acc = [], b""
    for j, v in enumerate(values, start=first):
        if v is None or v == "":
            continue
        pieces.append(acc + opens[j])
        acc = (_text_tail_fast(v, _text_head_b(col_style[j])) if type(v) is str
               else _cell_tail(v, col_style[j], styles).encode("utf-8"))
    pieces.append(acc)
    return pieces


class _FastPathMiss(Exception):
    """The bytes fast path cannot patch this part (a cell to write is missing, rows overlap...)."""


def _patch_chunks_b(data: bytes, edits: dict[tuple[int, int], Any], styles: _Styles | None,
                    append: Append | None) -> Iterator[bytes]:
    """The patched part in chunks, produced while it is patched (so the writer thread
    compresses one chunk while the next is built).  Raises ``_FastPathMiss`` - possibly after
    some chunks - when the part needs the general path."""
    m = _SHEET_DATA_B.search(data)
    if not m or m.group(0).endswith(b"/>"):
        raise _FastPathMiss("sheetData")
    start = m.end()
    end = data.find(b"</sheetData>", start)
    if end < 0:
        raise _FastPathMiss("sheetData")
    region = data[start:end]
    if append and append[1]:
        i = region.rfind(b"<row")
        last = _LAST_ROW_B.match(region, i) if i >= 0 else None
        if i >= 0 and last is None:
            raise _FastPathMiss("row")
        if last is not None and append[0] <= int(last.group(1)):
            raise _FastPathMiss("rows overlap")
        if any(r >= append[0] for r, _ in edits):
            raise _FastPathMiss("rows overlap")
    else:
        append = None
    by_row: dict[int, dict[int, Any]] = {}
    for (r, c), v in edits.items():
        by_row.setdefault(r, {})[c] = v
    max_row, max_col = _extent(by_row, append)
    pieces: Iterable[bytes] = _patch_region_b(region, by_row, styles) if by_row else (region,)
    if append:
        col_styles = _col_styles(data[:m.start()].decode("utf-8"))
        tpl = _last_row_styles(region[region.rfind(b"<row"):].decode("utf-8")) if b"<row" in region else {}
        pieces = itertools.chain(pieces, _render_rows_b(append[0], append[1],
                                                        lambda c: tpl.get(c, col_styles.get(c)), styles,
                                                        append[2]))
    yield _fix_dimension(data[:start].decode("utf-8"), max_row, max_col).encode("utf-8")
    yield from pieces  # chunks of a few thousand cells or rows
    yield data[end:]


def _fix_dimension(xml: str, max_row: int, max_col: int) -> str:
    """Widen ``<dimension ref=...>`` (in the part of the sheet before its data)."""
    head = xml.find("<sheetData")
    m = re.compile(r'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"\s*/>').search(
        xml, 0, head if head >= 0 else len(xml))
    if not m or not m.group(3):
        return xml
    last_col = max(_col_num(m.group(3)), max_col)
    last_row = max(int(m.group(4)), max_row)
    ref = f'<dimension ref="{m.group(1)}{m.group(2)}:{get_column_letter(last_col)}{last_row}"/>'
    return xml[:m.start()] + ref + xml[m.end():]


_CALC_AFTER = ("<oleSize", "<customWorkbookViews", "<pivotCaches", "<smartTagPr", "<smartTagTypes",
               "<webPublishing", "<fileRecoveryPr", "<webPublishObjects", "<extLst", "</workbook>")


def _full_calc_on_load(xml: str) -> str:
    """Ask Excel to recalculate every formula when the file is opened."""
    m = re.search(r"<calcPr\b[^>]*?/?>", xml)
    if m:
        tag = m.group(0)
        if "fullCalcOnLoad=" in tag:
            new = re.sub(r'fullCalcOnLoad="[^"]*"', 'fullCalcOnLoad="1"', tag)
        else:
            new = tag.replace("<calcPr", '<calcPr fullCalcOnLoad="1"', 1)
        return xml[:m.start()] + new + xml[m.end():]
    for marker in _CALC_AFTER:
        i = xml.find(marker)
        if i >= 0:
            return xml[:i] + '<calcPr fullCalcOnLoad="1"/>' + xml[i:]
    return xml


Append = tuple[int, Sequence[Sequence[Any]], int]  # (first row, row values from column A, fixed columns)


def patch_xlsx(src: str | os.PathLike[str], dst: str | os.PathLike[str],
               edits: Mapping[str, Mapping[tuple[int, int], Any]],
               appends: Mapping[str, Append] | None = None) -> None:
    """Copy the xlsx/xlsm ``src`` to ``dst`` with cell values replaced/added.

    ``edits``: {sheet name: {(row, column): value}}; values are numbers, text
    (written as inline strings), dates (get a dd/mm/yyyy style) or None (cleared).
    ``appends``: {sheet name: (first row, rows, fixed)}: whole rows added below the
    last row (``fixed`` leading columns repeat from row to row: built once per run).
    Untouched parts are copied byte for byte (re-compressed); the calculation
    chain is dropped and Excel is asked to recalculate on open.
    """
    try:
        _patch_package(src, dst, edits, appends or {}, fast=True)
    except _FastPathMiss:  # a sheet needs the general path: write the package again
        _patch_package(src, dst, edits, appends or {}, fast=False)


def _patch_package(src: str | os.PathLike[str], dst: str | os.PathLike[str],
                   edits: Mapping[str, Mapping[tuple[int, int], Any]], appends: Mapping[str, Append], *,
                   fast: bool, parts: Mapping[str, bytes] | None = None) -> None:
    """``patch_xlsx``; ``parts``: {zip part name: content} of ``src`` already read."""
    preread = parts or {}
    with zipfile.ZipFile(src) as zin:
        names = set(zin.namelist())
        sheets = sheet_parts(zin)
        styles = _Styles(zin.read("xl/styles.xml").decode("utf-8")) if "xl/styles.xml" in names else None
        jobs: dict[str, tuple[dict[tuple[int, int], Any], Append | None]] = {}
        for sheet in [*edits, *[n for n in appends if n not in edits]]:
            cells, app = edits.get(sheet) or {}, appends.get(sheet)
            if not cells and not (app and app[1]):
                continue
            part = sheets.get(sheet)
            if not part or part not in names:
                raise PatchUnsupported(f"không có trang {sheet}")
            jobs[part] = (dict(cells), app)
        new: dict[str, bytes] = {}
        new["xl/workbook.xml"] = _full_calc_on_load(zin.read("xl/workbook.xml").decode("utf-8")).encode("utf-8")
        skip = {"xl/calcChain.xml"}
        if "xl/calcChain.xml" in names:
            ct = zin.read("[Content_Types].xml").decode("utf-8")
            new["[Content_Types].xml"] = re.sub(r'<Override\b[^>]*?PartName="/xl/calcChain\.xml"[^>]*/>', "",
                                                ct).encode("utf-8")
            rels = zin.read("xl/_rels/workbook.xml.rels").decode("utf-8")
            new["xl/_rels/workbook.xml.rels"] = re.sub(r'<Relationship\b[^>]*?Target="[^"]*calcChain\.xml"[^>]*/>',
                                                       "", rels).encode("utf-8")
        # level 1: the rewritten sheets of a big master compress 3-4 times faster; a second
        # thread compresses while the next chunk is patched (zlib runs without the GIL)
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout, \
                _MemberWriter(zout) as out:
            later: list[zipfile.ZipInfo] = []
            for info in zin.infolist():
                name = info.filename
                if name in skip:
                    continue
                if name == "xl/styles.xml" and styles is not None:
                    later.append(info)  # date styles may still be added by the sheets
                    continue
                if name in jobs:
                    cells, app = jobs[name]
                    data = preread.get(name) or zin.read(name)
                    if fast:
                        out.stream(info, _patch_chunks_b(data, cells, styles, app))
                    else:
                        out.write(info, _patch_sheet(data.decode("utf-8"), cells, styles, app).encode("utf-8"))
                else:
                    out.write(info, new[name] if name in new else zin.read(name))
            for info in later:
                out.write(info, styles.render().encode("utf-8") if styles is not None and styles.changed
                          else zin.read(info.filename))


class _MemberWriter:
    """Writes zip members (deflate level 1) in order, in one background thread."""

    def __init__(self, zout: zipfile.ZipFile):
        self.zout = zout
        self.pool: ThreadPoolExecutor | None = None
        self.futures: list[Future[None]] = []
        try:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cchc-ghi-so")
        except RuntimeError:
            self.pool = None

    @staticmethod
    def _info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
        zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
        zi.compress_type = zipfile.ZIP_DEFLATED
        zi.external_attr = info.external_attr
        # the level ``ZipFile.open(..., "w")`` uses ("compress_level" from Python 3.13 on)
        setattr(zi, "compress_level" if hasattr(zi, "compress_level") else "_compresslevel", 1)
        return zi

    def _check(self) -> None:
        done = [f for f in self.futures if f.done()]
        for f in done:
            f.result()  # raise a write error early
            self.futures.remove(f)

    def write(self, info: zipfile.ZipInfo, data: bytes) -> None:
        zi = self._info(info)
        if self.pool is None:
            self.zout.writestr(zi, data, compresslevel=1)
            return
        self.futures.append(self.pool.submit(self.zout.writestr, zi, data, compresslevel=1))
        self._check()

    def stream(self, info: zipfile.ZipInfo, chunks: Iterable[bytes]) -> None:
        """Write a member from ``chunks``, compressing each one while the next is produced."""
        zi = self._info(info)
        if self.pool is None:
            with self.zout.open(zi, "w") as f:
                for chunk in chunks:
                    f.write(chunk)
            return
        q: queue.Queue[bytes | None] = queue.Queue(maxsize=8)
        fut = self.pool.submit(self._drain, zi, q)
        self.futures.append(fut)
        try:
            for chunk in chunks:
                while True:
                    try:
                        q.put(chunk, timeout=0.5)
                        break
                    except queue.Full:
                        if fut.done():  # the writer failed: stop producing, raise its error
                            fut.result()
        finally:
            if not fut.done():
                q.put(None)
        self._check()

    def _drain(self, zi: zipfile.ZipInfo, q: "queue.Queue[bytes | None]") -> None:
        with self.zout.open(zi, "w") as f:
            while (chunk := q.get()) is not None:
                f.write(chunk)

    def __enter__(self) -> "_MemberWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None
        for f in self.futures:
            f.result()


# ================================================================= file wrapper

def _write_master(path: Path, plan: ConsolidationPlan, engine: str,
                  parts: Mapping[str, bytes] | None = None) -> None:
    """``parts``: sheet parts of ``path`` already read (``_ReadAhead.prefetch_parts``)."""
    if engine in ("auto", "patch"):
        try:
            edits, appends = plan_patch(plan)
            with atomic_path(path) as tmp:
                _patch_package(path, tmp, edits, appends, fast=True, parts=parts)
            return
        except _FastPathMiss:
            try:
                with atomic_path(path) as tmp:
                    _patch_package(path, tmp, edits, appends, fast=False, parts=parts)
                return
            except PatchUnsupported:
                if engine == "patch":
                    raise
        except PatchUnsupported:
            if engine == "patch":
                raise
    from openpyxl import load_workbook

    wb = load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm")
    apply_to_openpyxl(wb, plan)
    with atomic_path(path) as tmp:
        wb.save(tmp)


def consolidate(master_path: str | os.PathLike[str],
                inbox_dir_or_files: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], *,
                as_of: dt.date | None = None, user: str = "", dry_run: bool = False,
                progress: Progress | None = None, engine: str = "auto",
                now: dt.datetime | None = None) -> ConsolidationResult:
    """Tổng hợp: merge returned unit workbooks into the master file.

    Backs the master up (``sao_luu/``) and writes it atomically; ``dry_run``
    writes nothing.  ``engine``: "auto" (patch the xlsx in place, openpyxl if the
    package layout is unusual), "patch" or "openpyxl".
    """
    path = Path(master_path)
    if not path.exists():
        raise CchcError("Không tìm thấy sổ tổng hợp", file=str(path), code="no_file")
    with _gc_paused():
        return _consolidate(path, inbox_dir_or_files, as_of=as_of, user=user, dry_run=dry_run,
                            progress=progress, engine=engine, now=now)


def _consolidate(path: Path, inbox_dir_or_files: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], *,
                 as_of: dt.date | None, user: str, dry_run: bool, progress: Progress | None, engine: str,
                 now: dt.datetime | None) -> ConsolidationResult:
    sha_before = file_sha256(path)
    files = iter_unit_files(inbox_dir_or_files)
    files = [f for f in files if f.resolve() != path.resolve()]
    # the master and the returned files are read together (python-calamine runs without the
    # GIL); the master state is built meanwhile
    as_of = as_of or dt.date.today()
    with _ReadAhead(files, master=path, as_of=as_of) as reader:
        if not dry_run:
            reader.prefetch_parts(PATCHED_SHEETS)
        state = master_state_from_sheets(reader.master_values(), file=path.name, fast="light", texts=False)
        state.data.path = str(path)
        refuse_if_unsafe(state, "tổng hợp")
        plan = plan_consolidation(state, returns=files, as_of=as_of, user=user, now=now, progress=progress,
                                  _reader=reader)
        parts = reader.parts() if not (dry_run or plan.is_empty) else None
    result = ConsolidationResult(plan=plan, master=path, dry_run=dry_run)
    if dry_run or plan.is_empty:
        return result
    if file_sha256(path) != sha_before:
        raise CchcError("Sổ tổng hợp vừa bị thay đổi trong lúc tổng hợp: hãy lưu, đóng sổ rồi chạy lại",
                        file=path.name, code="master_changed")
    result.backup = backup(path)
    try:
        _write_master(path, plan, engine, parts)  # the file is unchanged: same sha-256
    except PermissionError:
        raise CchcError("Không ghi được sổ tổng hợp: tệp đang mở trong Excel? Hãy đóng tệp rồi chạy lại "
                        "(hoặc dùng nút 'Tổng hợp' trong Excel)", file=path.name, code="locked") from None
    result.written = True
    return result
