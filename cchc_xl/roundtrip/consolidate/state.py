"""Reading the master for Tổng hợp: everything the merge needs, as a ``MasterState``.

From plain cell values (a file via python-calamine - ``read_master_values`` - or a live
xlwings Book): the plan (tasks read without pydantic for big masters: ``_light_tasks``),
the unit reports ("Báo cáo đơn vị"), the audit log ("Nhật ký", ``audit._read_audit``),
the split history from "_meta", where the columns are and where appended rows go.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from cchc_xl.core.reasons import why_unreadable
from cchc_xl.core import schema as S
from cchc_xl.roundtrip.bases import (RETURNS_KEY, AppliedFiles, read_applied, read_bases, read_returns,
                                     returns_unreadable)
from cchc_xl.core.findings import FindingType, catalog
from cchc_xl.core.models import CchcError, Finding, Status
from cchc_xl.core.records import (MasterData, cell_finding, find_header_row, meta_dict, read_master_sheets,
                                  status_error)
from cchc_xl.core.text import normalize_text
from cchc_xl.roundtrip.consolidate.audit import _read_audit
from cchc_xl.roundtrip.consolidate.columns import _column_map, _get, _last_row
from cchc_xl.files.sheet_scan import check_sheet_extent, formula_and_error_refs, last_value_row_of
from cchc_xl.files.xlsx_patch import sheet_parts
from cchc_xl.roundtrip.consolidate.plan import AuditIndex, MasterState, UnitReportRow
from cchc_xl.core.tracking import FIELD_LABELS, TRACKING_KEYS, canonical, fast_normalize

MASTER_SHEETS = (S.SHEET_TASKS, S.SHEET_UNITS, S.SHEET_REMEDIATION, S.SHEET_META, S.SHEET_AUDIT,
                 S.SHEET_UNIT_REPORTS, S.SHEET_SUBMISSIONS)


def read_master_values(path: str | os.PathLike[str], names: Sequence[str] = MASTER_SHEETS, *,
                       light: bool = False,
                       on_meta: Callable[[AppliedFiles], None] | None = None,
                       scan: Sequence[str] | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Cell values of the master's sheets, rows from A1 (python-calamine: seconds for 50 000 rows).

    ``light``: in "Phân công", below its header, only the cells Tổng hợp reads are kept
    (``LIGHT_TASK_KEYS``; the others are ``None``): the long task texts of 50 000 rows are
    never held.  Rows are converted one at a time, so a big sheet is never held twice.
    ``on_meta(applied)`` is called with the list of files dealt with that "_meta" holds
    (``bases.read_applied``) as soon as "_meta" is read (first).
    ``scan``: the sheets whose formula cells (``FORMULA_CELLS``) and error values
    (``ERROR_CELLS``) are located, from the XML in the same pass (default ``WRITTEN_SHEETS``).
    """
    import python_calamine as pc

    scanned = WRITTEN_SHEETS if scan is None else scan
    p = Path(path)
    if not p.exists():
        raise catalog.NO_MASTER.error(file=str(p))
    try:
        wb = pc.CalamineWorkbook.from_path(str(p))
    except Exception as exc:
        raise catalog.BAD_MASTER.error(why=why_unreadable(exc), file=p.name) from None
    try:
        z = zipfile.ZipFile(p)        # each sheet's rectangle is measured before calamine reads it
    except Exception as exc:
        wb.close()
        raise catalog.BAD_MASTER.error(why=why_unreadable(exc), file=p.name) from None
    try:
        parts = _parts_or_damaged(z, p.name)
        present = [n for n in names if n in wb.sheet_names]
        if (light or on_meta is not None) and S.SHEET_META in present:   # "_meta" first: it says what is needed
            present.remove(S.SHEET_META)
            present.insert(0, S.SHEET_META)
        out: dict[str, Any] = {}
        applied: AppliedFiles | None = None
        for n in present:
            if light and n == S.SHEET_AUDIT and applied is not None and applied.found:
                tail = last_value_row_of(z, parts[n]) if n in parts else None   # not parsed (full log: sheet_full)
                if tail is not None:   # the files dealt with are in "_meta": only where to append
                    out[AUDIT_TAIL] = AuditTail(next_row=max(tail, S.HEADER_ROW) + 1, path=str(p),
                                                applied=applied)
                    continue
            if n in parts:
                check_sheet_extent(z, parts[n], sheet=n, file=p.name, trust_dimension=True)
                if n in scanned:     # cells Tổng hợp (or an import) must not write over
                    refs, errors = formula_and_error_refs(z, parts[n])
                    if refs:
                        out.setdefault(FORMULA_CELLS, {})[n] = frozenset(refs)
                    if errors:    # python-calamine reads them as empty cells
                        out.setdefault(ERROR_CELLS, {})[n] = errors
            out[n] = _sheet_rows(wb.get_sheet_by_name(n), _task_projection if light and n == S.SHEET_TASKS else None)
            if n == S.SHEET_META and (light or on_meta is not None):
                applied = read_applied(out[n])
                if on_meta is not None:
                    on_meta(applied)
        return out
    except CchcError:
        raise
    except (OSError, MemoryError, ValueError, KeyError, EOFError, zipfile.BadZipFile, pc.CalamineError) as exc:
        # a sheet part missing or damaged inside a package that opened
        raise catalog.BAD_MASTER.error(why=why_unreadable(exc), file=p.name) from None
    finally:
        wb.close()
        z.close()


def _parts_or_damaged(z: zipfile.ZipFile, name: str) -> dict[str, str]:
    try:
        return sheet_parts(z)
    except Exception as exc:      # no workbook part or relationships: calamine said nothing
        raise catalog.BAD_MASTER.error(why=why_unreadable(exc), file=name) from None


# in the values of a light read: {sheet: addresses} of the cells holding a formula in the
# sheets whose cells Tổng hợp writes (the official's formulas are kept, never written over)
FORMULA_CELLS = "\x00Ô có công thức"
ERROR_CELLS = "\x00Ô có giá trị lỗi"   # {sheet: {address: "#REF!"}}
WRITTEN_SHEETS = (S.SHEET_TASKS, S.SHEET_REMEDIATION, S.SHEET_UNIT_REPORTS)


# in the values of a light read, instead of the rows of "Nhật ký" when "_meta" lists the files
# already dealt with: where Tổng hợp appends, and the file to read the log from if it must
AUDIT_TAIL = "\x00Nhật ký: dòng trống đầu tiên"


@dataclass(frozen=True)
class AuditTail:
    next_row: int
    path: str
    applied: AppliedFiles    # the list in "_meta" that made reading the log needless


def _last_applied_from(path: str) -> dict[tuple[str, str, str], str]:
    """The values last applied per (unit, item, field), read back from the master's "Nhật ký"
    (only when an item without a base record is merged)."""
    rows = read_master_values(path, [S.SHEET_AUDIT]).get(S.SHEET_AUDIT, [])
    return _read_audit(rows)[0].last_applied


# the "Phân công" cells Tổng hợp reads (``_light_tasks``)
LIGHT_TASK_KEYS = ("id", "area_name", "status", "progress", "completed_on", "due", "lead_units", "evidence",
                   "note")


def _task_projection(head: list[tuple[Any, ...]]) -> tuple[int, list[int]] | None:
    """(header row index, columns to blank below it) of "Phân công" for ``LIGHT_TASK_KEYS``;
    ``None`` (keep everything) when the header or one of those columns is not found."""
    from cchc_xl.core.records import _header_map

    h = find_header_row(head, S.TASK_COLUMNS[0].header)
    if h is None:
        return None
    cmap = _header_map(head[h], S.TASK_COLUMNS)
    if any(k not in cmap for k in LIGHT_TASK_KEYS):
        return None
    keep = {cmap[k] for k in LIGHT_TASK_KEYS}
    return h, [j for j in range(len(head[h])) if j not in keep]


def _sheet_rows(sheet: Any, projection: Any = None) -> list[tuple[Any, ...]]:
    """Rows of a python-calamine sheet from A1 (empty leading rows and columns included, as
    ``to_python(skip_empty_area=False)``), converted row by row.  ``projection(first rows)``
    -> (header row, columns set to ``None`` in the rows below it) or ``None``."""
    start, end = sheet.start, sheet.end
    if start is None or end is None:
        return []
    it = iter(sheet.iter_rows())
    first = next(it, None)
    if first is None:
        return []
    # python-calamine yields rows from row 1 but columns from the first used one; either
    # way is recognised (the first used row has a value; a padded leading row has none)
    pad = [""] * start[1] if start[1] and len(first) == end[1] - start[1] + 1 else []
    rows: list[tuple[Any, ...]] = []
    if start[0] and any(v not in (None, "") for v in first):
        rows.extend(() for _ in range(start[0]))
    drop: list[int] = []     # columns blanked below the header, once it is known
    for r in itertools.chain((first,), it):
        if pad:
            r = pad + r
        if drop:
            for j in drop:
                if j < len(r):
                    r[j] = None
        rows.append(tuple(r))
        if projection is not None and len(rows) >= _HEAD_ROWS:
            drop = _project(rows, projection)
            projection = None
    if projection is not None:
        _project(rows, projection)
    return rows


def _project(rows: list[tuple[Any, ...]], projection: Any) -> list[int]:
    """Apply ``projection`` to the rows read so far; the columns dropped below the header."""
    found = projection(rows[:_HEAD_ROWS])
    if found is None:
        return []
    below, drop = found
    gone = set(drop)
    for i in range(below + 1, len(rows)):
        rows[i] = tuple(None if j in gone else v for j, v in enumerate(rows[i]))
    return drop


_HEAD_ROWS = 15   # rows searched for a header (``find_header_row``)


def read_master_state(path: str | os.PathLike[str]) -> MasterState:
    """``MasterState`` of the master file ``path`` (light tasks: only what the merge needs)."""
    p = Path(path)
    state = master_state_from_sheets(read_master_values(p), file=p.name, fast="light", texts=False)
    state.data.path = str(p)
    return state


def master_state_from_sheets(sheets: Mapping[str, list[tuple[Any, ...]]], *, file: str = "",
                             fast: bool | str = False, texts: bool = True, consume: bool = False) -> MasterState:
    """Everything ``plan_consolidation`` needs, from plain cell values (rows from A1).

    ``fast``: build the tasks with ``master_data_fast`` (big masters); ``texts=False``
    skips the descriptive task texts the merge never uses; ``fast="light"`` builds no
    Task objects at all (``MasterState.light_tasks``; used by ``consolidate``).
    ``consume``: ``sheets`` (a dict of row tuples, as ``read_master_values`` gives) is handed
    over: "Phân công" and "_meta" are removed from it as soon as they are read, so their
    50 000 rows are freed before the next part of the state is built."""
    if consume and isinstance(sheets, dict):
        work = sheets
    else:
        work = {k: v if k in (AUDIT_TAIL, FORMULA_CELLS, ERROR_CELLS) else [tuple(r) for r in v]
                for k, v in sheets.items()}
    light: dict[str, tuple[list[str], dict[str, Any]]] | None = {} if fast == "light" else None
    data = master_data_fast(work, file=file, texts=texts, light=light) if fast else \
        read_master_sheets(work, file=file)
    columns = {sheet: _column_map(work.get(sheet, []), cols)[1]
               for sheet, cols in ((S.SHEET_TASKS, S.TASK_COLUMNS), (S.SHEET_REMEDIATION, S.REMEDIATION_COLUMNS))}
    if consume:
        work.pop(S.SHEET_TASKS, None)
    meta_rows = work.pop(S.SHEET_META, []) if consume else work.get(S.SHEET_META, [])
    meta = meta_dict(meta_rows)
    tail = work.get(AUDIT_TAIL)
    state = MasterState(data=data, meta=meta, splits=read_splits(meta), light_tasks=light,
                        bases=read_bases(meta_rows), returns=read_returns(meta), meta_rows=_key_rows(meta_rows),
                        applied=tail.applied if isinstance(tail, AuditTail) else read_applied(meta_rows))
    del meta_rows
    state.formula_cells = dict(work.get(FORMULA_CELLS) or {})
    state.error_cells = dict(work.get(ERROR_CELLS) or {})
    state.columns.update(columns)
    reports, state.columns[S.SHEET_UNIT_REPORTS], state.findings = _read_unit_reports(
        work.get(S.SHEET_UNIT_REPORTS, []), file)
    if returns_unreadable(meta):   # an older return could then replace newer values: a blocking error
        row = next((i for i, r in enumerate(state.meta_rows, start=1) if r and str(r[0]) == RETURNS_KEY), 0)
        state.findings.append(catalog.MASTER_RETURNS_DAMAGED(file=file, sheet=S.SHEET_META,
                                                             cell=f"B{row}" if row else ""))
    state.unit_reports = reports
    if isinstance(tail, AuditTail):   # "Nhật ký" not read: the files dealt with are in "_meta"
        state.audit = AuditIndex(files={sha: list(a) for sha, a in state.applied.files.items()},
                                 loader=functools.partial(_last_applied_from, tail.path))
        state.columns[S.SHEET_AUDIT] = _column_map([], S.AUDIT_COLUMNS)[1]
        state.next_rows[S.SHEET_AUDIT] = tail.next_row
    else:
        state.audit, state.columns[S.SHEET_AUDIT] = _read_audit(work.get(S.SHEET_AUDIT, []))
        state.next_rows[S.SHEET_AUDIT] = _last_row(work.get(S.SHEET_AUDIT, []), S.HEADER_ROW) + 1
    state.next_rows[S.SHEET_UNIT_REPORTS] = _last_row(work.get(S.SHEET_UNIT_REPORTS, []), S.HEADER_ROW) + 1
    return state


def _key_rows(meta_rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """The key/value part of "_meta" (columns A:B, down to the last used row): all that
    ``bases.meta_cell_updates`` needs later - not the 50 000 rows of the base table."""
    last = 0
    for i, r in enumerate(meta_rows, start=1):
        if r and any(v not in (None, "") for v in r[:2]):
            last = i
    return [tuple(r[:2]) for r in meta_rows[:last]]


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
    if S.SHEET_TASKS in sheets:      # a master without the sheet: read_master_sheets says so
        small[S.SHEET_TASKS] = list(rows[:(h or 0) + 1])
    data = read_master_sheets(small, file=file)
    data.plan.tasks = []
    _fast_tasks(list(rows), data, file, texts, light)
    return data


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


def _read_unit_reports(rows: list[tuple[Any, ...]], file: str) -> tuple[list[UnitReportRow], dict[str, str], list[Finding]]:
    """Rows of "Báo cáo đơn vị", its column letters, and findings for unreadable cells."""
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
                findings.append(cell_finding(exc, column=FIELD_LABELS[k], file=file,
                                                 sheet=S.SHEET_UNIT_REPORTS, cell=f"{cmap[k]}{i + 1}",
                                                 task_id=task_id))
                vals[k] = canonical(k, None)
        out.append(UnitReportRow(task_id=task_id, unit=unit, values=vals,
                                 source=normalize_text(_get(r, cmap["source"])),
                                 received_at=normalize_text(_get(r, cmap["received_at"])), row=i + 1))
    return out, cmap, findings


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

    def bad(key: str, row: int, ftype: FindingType, item: str = "", **params: Any) -> None:
        findings.append(ftype(file=file, sheet=S.SHEET_TASKS, cell=f"{letters[key]}{row}", task_id=item, **params))

    def mismatch(key: str, label: str, raw: Any, parsed: Any, row: int, item: str) -> None:
        note = formula_mismatch(key, raw, parsed)  # warnings of ``read_master_sheets``
        if note:
            findings.append(note.finding(column=label, file=file, sheet=S.SHEET_TASKS,
                                         cell=f"{letters[key]}{row}", task_id=item))

    def date_of(key: str, label: str, value: Any, row: int, item: str) -> dt.date | None:
        try:
            parsed = parse_date(value)
        except ValueError as exc:
            findings.append(cell_finding(exc, column=label, file=file, sheet=S.SHEET_TASKS,
                                         cell=f"{letters[key]}{row}", task_id=item))
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
            bad("id", i + 1, catalog.MISSING_ID, kind="nhiệm vụ")
            continue
        task_id = " ".join(tid.split()) if type(tid) is str_type and tid.isascii() else fast_normalize(tid)
        if not task_id:
            bad("id", i + 1, catalog.MISSING_ID, kind="nhiệm vụ")
            continue
        row = i + 1
        if task_id in seen:
            bad("id", row, catalog.DUPLICATE_ID, task_id, kind="nhiệm vụ", id=task_id,
                first=f" (đã có ở dòng {seen[task_id]})")
            continue
        seen[task_id] = row
        raw_area = raw[i_area]
        if raw_area in areas:
            area = areas[raw_area]
        else:
            area = areas[raw_area] = parse_area(raw_area)
        if area is None:
            bad("area_name", row, catalog.BAD_AREA, task_id, value=raw_area or "")
        st = raw[i_st]
        if st not in labels:
            if st is None or st == "":
                st = not_started
            else:
                parsed = parse_status(st)
                if parsed is None:
                    findings.append(cell_finding(status_error(st), column="Trạng thái", file=file,
                                                 sheet=S.SHEET_TASKS, cell=f"{letters['status']}{row}",
                                                 task_id=task_id))
                else:
                    mismatch("status", "Trạng thái", st, parsed, row, task_id)
                st = (parsed or Status.NOT_STARTED).value
        pr = raw[i_pr]
        if type(pr) is not float_type:
            try:
                pr = parse_progress(pr)
            except ValueError as exc:
                findings.append(cell_finding(exc, column="Tiến độ", file=file, sheet=S.SHEET_TASKS,
                                             cell=f"{letters['progress']}{row}", task_id=task_id))
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


_TEXT_KEYS = ("section", "tt", "title", "product", "deadline_text", "lead", "partners", "monitor")


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

    def bad(key: str, row: int, ftype: FindingType, item: str = "", **params: Any) -> None:
        data.findings.append(ftype(file=file, sheet=S.SHEET_TASKS, cell=f"{letters[key]}{row}", task_id=item,
                                  **params))

    findings = data.findings

    def mismatch(key: str, label: str, raw: Any, parsed: Any, row: int, item: str) -> None:
        note = formula_mismatch(key, raw, parsed)
        if note:
            findings.append(note.finding(column=label, file=file, sheet=S.SHEET_TASKS,
                                         cell=f"{letters[key]}{row}", task_id=item))

    normalised: dict[Any, str] = {}   # texts repeat (areas, units, deadlines, products): normalised once

    def norm(value: Any) -> str:
        got = normalised.get(value)
        if got is None:
            got = fast_normalize(value)
            if len(normalised) < 200_000 and type(value) is str:
                normalised[value] = got
        return got

    for row, rec in recs:
        task_id = fast_normalize(rec.get("id"))
        if not task_id:
            bad("id", row, catalog.MISSING_ID, kind="nhiệm vụ")
            continue
        if task_id in seen:
            bad("id", row, catalog.DUPLICATE_ID, task_id, kind="nhiệm vụ", id=task_id,
                first=f" (đã có ở dòng {seen[task_id]})")
            continue
        seen[task_id] = row
        raw_area = rec.get("area_name")
        if raw_area not in areas:
            areas[raw_area] = parse_area(raw_area)
        area = areas[raw_area]
        if area is None:
            bad("area_name", row, catalog.BAD_AREA, task_id, value=raw_area or "")
            area = Area.CHI_DAO
        vals: dict[str, Any] = {}
        raw = rec.get("status")
        st = _STATUS_EXACT.get(raw) if isinstance(raw, str) else None
        if st is None and raw not in (None, ""):
            st = parse_status(raw)
            if st is None:
                data.findings.append(cell_finding(status_error(raw), column="Trạng thái", file=file,
                                                  sheet=S.SHEET_TASKS, cell=f"{letters['status']}{row}",
                                                  task_id=task_id))
            else:
                mismatch("status", "Trạng thái", raw, st, row, task_id)
        for key, parser, label in (("progress", parse_progress, "Tiến độ"),
                                   ("completed_on", parse_date, "Ngày hoàn thành"),
                                   ("due", parse_date, "Hạn (ngày)")):
            try:
                vals[key] = parser(rec.get(key))
            except ValueError as exc:
                data.findings.append(cell_finding(exc, column=label, file=file, sheet=S.SHEET_TASKS,
                                                  cell=f"{letters[key]}{row}", task_id=task_id))
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
        txt = {k: norm(rec.get(k)) if texts else "" for k in _TEXT_KEYS}
        out.append(Task.model_construct(
            id=task_id, area=area, due=vals.get("due"), lead_units=units, **txt,
            status=st or Status.NOT_STARTED, progress=vals.get("progress") or 0.0,
            completed_on=vals.get("completed_on"), evidence=fast_normalize(rec.get("evidence")),
            note=fast_normalize(rec.get("note"))))
    data.rows[S.SHEET_TASKS] = seen
