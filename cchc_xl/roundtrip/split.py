"""Tạo phiếu: split the master into one workbook per department.

``split_plan`` works on a ``Plan`` (so the Excel button can split the open
book); ``split_master`` is the file wrapper: it refuses an unsafe master, bumps
``master_version`` in the master's "_meta" and records the split (backup first,
atomic write), then writes the unit workbooks.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence


from cchc_xl.core import schema as S
from cchc_xl.files.xlsx_patch import PatchUnsupported, patch_xlsx
from cchc_xl.roundtrip.consolidate.check import refuse_if_unsafe
from cchc_xl.roundtrip.consolidate.columns import _int
from cchc_xl.roundtrip.consolidate.state import master_state_from_sheets, read_master_values, read_splits
from cchc_xl.core.findings import catalog
from cchc_xl.core.periods import EXAMPLES
from cchc_xl.core.records import MasterData, meta_dict
from cchc_xl.core.models import CchcError, Finding, Plan, Unit
from cchc_xl.files.memory import gc_frozen, gc_paused
from cchc_xl.files.safeio import guarded_write, save_workbook_atomic, save_workbook_guarded, write_error
from cchc_xl.files.package import refuse_openpyxl_losses
from cchc_xl.roundtrip.bases import RETURNS_KEY, issue, meta_cell_updates
from cchc_xl.core.dispatch import issued_values, items_by_unit, registry_for, unit_file_name, work_units
from cchc_xl.workbook.cells import set_value
from cchc_xl.workbook.unitbook import build_unit_workbook

Progress = Callable[[int, int, str], None]


@dataclass
class SplitResult:
    files: list[Path]
    version: int
    period_label: str
    as_of: dt.date
    created_at: dt.datetime
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # unit -> (tasks, remediation)
    findings: list[Finding] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        """The entry appended to the master's split history (``_meta`` key "splits")."""
        return {"version": self.version, "period": self.period_label, "date": self.as_of.isoformat(),
                "created_at": self.created_at.replace(microsecond=0).isoformat(),
                "units": len(self.files)}


def units_to_split(plan: Plan, units: Sequence[str] | None = None) -> list[Unit]:
    """Non-group units to receive a workbook (all, or the requested codes, in plan order)."""
    work = work_units(plan)
    if not units:
        return work
    reg = registry_for(plan)
    wanted: list[str] = []
    for name in units:
        code = name if name in reg.by_code else reg.lookup(name)
        if code is None:
            raise catalog.UNKNOWN_UNIT.error(unit=name, sheet=S.SHEET_UNITS)
        unit = reg.by_code[code]
        wanted.extend(unit.members if unit.is_group else [code])
    return [u for u in work if u.code in set(wanted)]


def _unassigned(plan: Plan, data: MasterData | None) -> list[Finding]:
    out = []
    for t in plan.tasks:
        if not t.lead_units:
            cell = data.cell(S.SHEET_TASKS, t.id, S.TASK_COLUMNS, "lead_units") if data else ""
            out.append(catalog.NO_LEAD_UNIT(task=t.id, sheet=S.SHEET_TASKS, cell=cell, task_id=t.id,
                                            file=Path(data.path).name if data and data.path else ""))
    return out


def split_plan_detailed(plan: Plan, out_dir: str | os.PathLike[str], *, period_label: str,
                        as_of: dt.date | None = None, units: Sequence[str] | None = None,
                        progress: Progress | None = None, master_version: int | None = None,
                        master_name: str = "", return_by: dt.date | None = None, contact: str = "",
                        unit_reports: Mapping[tuple[str, str], Mapping[str, Any]] | None = None,
                        created_at: dt.datetime | None = None,
                        master_data: MasterData | None = None,
                        issued: Mapping[tuple[str, str, str], tuple[dict[str, Any], dict[str, Any] | None]]
                        | None = None) -> SplitResult:
    """Write one workbook per unit that leads at least one task or remediation item.

    ``master_version`` is the version written into every workbook (default: the
    plan's ``master_version`` + 1, i.e. the version this split creates).  ``issued``: the
    values each unit is sent per item, as recorded in the master's merge base
    (``build_unit_workbook``).
    """
    if not normalize_label(period_label):
        raise catalog.PERIOD_EMPTY.error(examples=EXAMPLES)
    version = master_version if master_version is not None else plan.info.master_version + 1
    created = created_at or dt.datetime.now()
    reg = registry_for(plan)
    work = work_units(plan)
    seq = {u.code: i for i, u in enumerate(work, start=1)}
    width = max(2, len(str(len(work))))
    index = items_by_unit(plan, reg)
    targets = [u for u in units_to_split(plan, units) if any(index.get(u.code, ([], [])))]
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(exc, out / "phieu.xlsx", "tạo thư mục phiếu") from None
    result = SplitResult(files=[], version=version, period_label=period_label,
                         as_of=as_of or dt.date.today(), created_at=created,
                         findings=_unassigned(plan, master_data))
    for i, unit in enumerate(targets, start=1):
        wb = build_unit_workbook(plan, unit.code, period_label=period_label, master_version=version,
                                 master_path_name=master_name, as_of=as_of, return_by=return_by,
                                 contact=contact, unit_reports=unit_reports, created_at=created, registry=reg,
                                 items=index[unit.code], issued=issued)
        path = out / unit_file_name(seq[unit.code], unit, period_label, width)
        try:
            save_workbook_atomic(wb, path)
        except OSError as exc:   # disk full, folder read-only: the files written so far stay
            raise write_error(exc, path, "ghi phiếu đơn vị") from None
        tasks, rems = index[unit.code]
        result.files.append(path)
        result.counts[unit.code] = (len(tasks), len(rems))
        if progress:
            progress(i, len(targets), unit.code)
    if as_of is None and result.files:
        from cchc_xl.workbook.unitbook import _default_dates

        result.as_of = _default_dates(period_label, None, None)[0]
    return result


def normalize_label(label: str) -> str:
    return " ".join(str(label or "").split())


def split_plan(plan: Plan, out_dir: str | os.PathLike[str], *, period_label: str,
               as_of: dt.date | None = None, units: Sequence[str] | None = None,
               progress: Progress | None = None, **kwargs: Any) -> list[Path]:
    """Like ``split_plan_detailed`` but returns only the written files."""
    return split_plan_detailed(plan, out_dir, period_label=period_label, as_of=as_of, units=units,
                               progress=progress, **kwargs).files


# ---------------------------------------------------------------- recording the split in "_meta"

def split_meta_updates(meta_or_plan: Mapping[str, Any] | Plan, result: SplitResult | None = None, *,
                       period_label: str = "", as_of: dt.date | None = None,
                       meta_rows: Sequence[Sequence[Any]] | None = None, version: int | None = None,
                       units: int = 0) -> dict[str, Any]:
    """New "_meta" values after a split: master_version, plan_info JSON, split history.

    Either ``split_meta_updates(meta_dict, split_result)`` or, for a live book,
    ``split_meta_updates(plan, period_label=..., as_of=..., meta_rows=rows)`` (the
    version is then ``plan.info.master_version + 1``, the one ``split_plan`` wrote).
    """
    if isinstance(meta_or_plan, Plan):
        meta = meta_dict([tuple(r) for r in (meta_rows or [])])
        if result is None:
            v = version if version is not None else meta_or_plan.info.master_version + 1
            result = SplitResult(files=[Path(str(i)) for i in range(units)], version=v,
                                 period_label=period_label, as_of=as_of or dt.date.today(),
                                 created_at=dt.datetime.now())
    else:
        meta = meta_or_plan
    if result is None:
        raise ValueError("split_meta_updates: thiếu kết quả tạo phiếu")
    updates: dict[str, Any] = {"master_version": result.version}
    raw = meta.get("plan_info")
    if raw:
        try:
            info = json.loads(str(raw))
            info["master_version"] = result.version
            updates["plan_info"] = json.dumps(info, ensure_ascii=False)
        except json.JSONDecodeError:
            pass
    history = read_splits(meta) + [result.record()]
    updates["splits"] = json.dumps(history, ensure_ascii=False)
    return updates


def issued_items(plan: Plan, units: Sequence[str], index: Mapping[str, tuple[list[Any], list[Any]]],
                 reports: Mapping[tuple[str, str], Mapping[str, Any]], reg: Any) -> Iterator[
                     tuple[str, str, str, dict[str, Any], dict[str, Any] | None]]:
    """(unit, sheet, item id, values sent, master values or None) of every item a split sends."""
    for code in units:
        tasks, rems = index.get(code, ([], []))
        for sheet, objs in ((S.SHEET_TASKS, tasks), (S.SHEET_REMEDIATION, rems)):
            for obj in objs:
                track, master = issued_values(obj, code, reg, reports)
                yield code, sheet, obj.id, track, master


def _cells_to_edits(cells: Mapping[str, Any]) -> dict[tuple[int, int], Any]:
    from openpyxl.utils.cell import coordinate_from_string, column_index_from_string

    out = {}
    for ref, v in cells.items():
        col, row = coordinate_from_string(ref)
        out[(row, column_index_from_string(col))] = v
    return out


SPLIT_ACTION = "ghi phiên bản phiếu vào sổ tổng hợp"


def _write_meta_cells(path: Path, cells: Mapping[str, Any],
                      register: Mapping[str, Any] | None = None) -> Path | None:
    """Write "_meta" cells (and the "Tình hình gửi phiếu" cells ``register``) in one guarded
    write (checks, backup, atomic); returns the backup.

    Only those sheet parts change: pictures, charts, comments, buttons and VBA the official
    added stay byte for byte.  When the package cannot be patched, openpyxl rewrites it -
    unless that would drop such additions (then a ``CchcError``).
    """
    sheets = {S.SHEET_META: cells, **({S.SHEET_SUBMISSIONS: register} if register else {})}
    try:
        with guarded_write(path, SPLIT_ACTION) as w:
            patch_xlsx(path, w.tmp, {name: _cells_to_edits(c) for name, c in sheets.items()})
        return w.backup
    except PatchUnsupported:
        pass
    from openpyxl import load_workbook

    refuse_openpyxl_losses(path, "ghi phiên bản phiếu vào sổ")
    wb = load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm")
    for name, values in sheets.items():
        ws = wb[name]
        for ref, v in values.items():
            set_value(ws[ref], v)
            if isinstance(v, (dt.date, dt.datetime)):
                ws[ref].number_format = "dd/mm/yyyy"
    return save_workbook_guarded(wb, path, SPLIT_ACTION).backup


def split_master_detailed(master_path: str | os.PathLike[str], out_dir: str | os.PathLike[str], *,
                          period_label: str, as_of: dt.date | None = None,
                          units: Sequence[str] | None = None, progress: Progress | None = None,
                          return_by: dt.date | None = None, contact: str = "") -> SplitResult:
    """``split_master`` returning the full ``SplitResult`` (files, version, warnings)."""
    # reading the master makes no reference cycles: no collection walks its 50 000 tasks meanwhile
    with gc_paused():
        path = Path(master_path)
        sheets = read_master_values(path)
        state = master_state_from_sheets(sheets, file=path.name, fast=True)
        state.data.path = str(path)
        refuse_unsafe_split(state, path.name)
        plan = state.data.plan
        current = max(_int(state.meta.get("master_version")), plan.info.master_version)
        version = current + 1
        reg = registry_for(plan)
        index = items_by_unit(plan, reg)
        targets = [u for u in units_to_split(plan, units) if any(index.get(u.code, ([], [])))]
        if not targets:
            raise catalog.NOTHING_TO_SPLIT.error(file=path.name, sheet=S.SHEET_TASKS)
        created = dt.datetime.now()
        pending = SplitResult(files=[Path(u.code) for u in targets], version=version, period_label=period_label,
                              as_of=as_of or dt.date.today(), created_at=created)
        if as_of is None:
            from cchc_xl.workbook.unitbook import _default_dates

            pending.as_of = _default_dates(period_label, None, None)[0]
        # Record the version in the master first: a workbook must never carry a version
        # the master does not know (it would be rejected on return).
        updates = split_meta_updates(state.meta, pending)
        if RETURNS_KEY not in state.meta:   # its cell exists from now on: Tổng hợp patches it in place
            updates[RETURNS_KEY] = "{}"
        cells = meta_cell_updates(sheets.get(S.SHEET_META, []), updates)
        register = _issue_edits(sheets, pending, targets, return_by)
        reports = {(u.task_id, u.unit): u.values for u in state.unit_reports}
        # the merge base lives in the master: what each unit is sent, per item
        sent = {(unit, sheet, item): (values, master) for unit, sheet, item, values, master
                in issued_items(plan, [u.code for u in targets], index, reports, reg)}
        cells.update(issue(state.bases, version,     # the merge base the state read from "_meta"
                           [(*key, values, master) for key, (values, master) in sent.items()]))
        _write_meta_cells(path, cells, register)
        del sheets, cells     # the cell values read: only the plan is needed from here
    with gc_frozen():   # the plan read once: the collector walks only each workbook's objects
        result = split_plan_detailed(plan, out_dir, period_label=period_label, as_of=pending.as_of,
                                     units=[u.code for u in targets], progress=progress, master_version=version,
                                     master_name=path.name, return_by=return_by, contact=contact,
                                     unit_reports=reports, created_at=created, master_data=state.data,
                                     issued=sent)
    if register is None:   # a master made before the register: the sheet is added apart
        _record_issue(path, result, targets, return_by)
    result.findings.extend(split_cell_findings(state, path.name))
    return result


def unsendable_findings(data: MasterData, file: str) -> list[Finding]:
    """Tracking cells of the master that reading accepts but a unit workbook cannot carry
    (``tracking.canonical`` refuses them: a "Tiến độ" of 150, -1 or 100,5), each named by its
    cell, in sheet and row order."""
    from cchc_xl.core.records import cell_finding
    from cchc_xl.core.text import format_number
    from cchc_xl.core.tracking import FIELD_LABELS, canonical

    parsed = ("status", "progress", "completed_on")     # evidence and note: any text is sent
    out: list[Finding] = []
    for sheet, columns, items, kind in ((S.SHEET_TASKS, S.TASK_COLUMNS, data.plan.tasks, "Nhiệm vụ"),
                                        (S.SHEET_REMEDIATION, S.REMEDIATION_COLUMNS, data.plan.remediation,
                                         "Khắc phục")):
        for item in items:
            for key in parsed:
                value = getattr(item, key, None)
                try:
                    canonical(key, value)
                except ValueError as exc:
                    where = {"file": file, "sheet": sheet, "cell": data.cell(sheet, item.id, columns, key),
                             "task_id": item.id}
                    if key == "progress" and isinstance(value, (int, float)):
                        out.append(catalog.PROGRESS_RANGE(item=f"{kind} {item.id}",
                                                          progress=format_number(round(value, 4)), **where))
                    else:
                        out.append(cell_finding(exc, column=FIELD_LABELS[key], **where))
    return out


def refuse_unsafe_split(state: Any, file: str) -> None:
    """Tạo phiếu's refusal, before anything is written (command and button alike): the master's
    blocking errors and the cells a unit workbook cannot carry (``unsendable_findings``)."""
    refuse_if_unsafe(state, "tạo phiếu", extra=unsendable_findings(state.data, file))


def as_of_after_cutoff(as_of: dt.date, period: Any, *, file: str, source: str, fix: str,
                       sheet: str = "", cell: str = "") -> list[Finding]:
    """A warning when the Ngày số liệu the workbooks carry is after the period's cut-off (a
    dashboard date left at the day the master was made, months later): command and button alike."""
    from cchc_xl.core.text import format_date

    if as_of <= period.end:
        return []
    return [catalog.SPLIT_AS_OF_AFTER_CUTOFF(as_of=format_date(as_of), cutoff=format_date(period.end),
                                             period=period.label, source=source, fix=fix, file=file,
                                             sheet=sheet, cell=cell)]


def split_cell_findings(state: Any, file: str) -> list[Finding]:
    """What the units are sent that is not what the master's cell holds, in sheet and row
    order (command and button alike): an error value read as empty - the default is sent
    (``split_cell_error``); a formula in a tracking cell below the header - its value is
    sent, and Tổng hợp will keep the formula (``split_cell_formula``)."""
    from openpyxl.utils.cell import coordinate_from_string

    from cchc_xl.core.tracking import TRACKING_KEYS

    def in_rows(refs: Any) -> list[tuple[str, str, int]]:
        """(address, column letters, row) sorted by row, then column."""
        cells = [(ref, *coordinate_from_string(ref)) for ref in refs]
        return sorted(cells, key=lambda c: (c[2], len(c[1]), c[1]))

    out = [catalog.SPLIT_CELL_ERROR(error=cells[ref], file=file, sheet=sheet, cell=ref)
           for sheet, cells in state.error_cells.items() for ref, _, _ in in_rows(cells)]
    for sheet in (S.SHEET_TASKS, S.SHEET_REMEDIATION):
        letters = {state.columns.get(sheet, {}).get(k) for k in TRACKING_KEYS} - {None}
        out += [catalog.SPLIT_CELL_FORMULA(file=file, sheet=sheet, cell=ref)
                for ref, col, row in in_rows(state.formula_cells.get(sheet, ()))
                if col in letters and row > S.HEADER_ROW]
    return out


def _issue_edits(sheets: Mapping[str, Any], pending: SplitResult, targets: Sequence[Unit],
                 return_by: dt.date | None) -> dict[str, Any] | None:
    """Cells of "Tình hình gửi phiếu" recording this issue (``None``: the master has no such sheet)."""
    from cchc_xl.roundtrip.register import book_issue_edits
    from cchc_xl.workbook.unitbook import _default_dates

    if S.SHEET_SUBMISSIONS not in sheets:
        return None
    due = _default_dates(pending.period_label, pending.as_of, return_by)[1]
    return book_issue_edits(sheets, pending.period_label, [(u.code, u.name) for u in targets],
                            version=pending.version, issued_on=pending.created_at.date(), due=due)


def _record_issue(path: Path, result: SplitResult, targets: Sequence[Unit], return_by: dt.date | None) -> None:
    """Register "Tình hình gửi phiếu": which unit got which version, and the deadline printed."""
    from cchc_xl.roundtrip.register import record_split
    from cchc_xl.workbook.unitbook import _default_dates

    due = _default_dates(result.period_label, result.as_of, return_by)[1]
    units = [(u.code, u.name) for u in targets if u.code in result.counts]
    try:
        record_split(path, result.period_label, units, version=result.version,
                     issued_on=result.created_at.date(), due=due)
    except CchcError as exc:   # the workbooks are written; the register could not be
        result.findings.append(exc.finding.model_copy(update={"severity": "warning"}))


def split_master(master_path: str | os.PathLike[str], out_dir: str | os.PathLike[str], *,
                 period_label: str, as_of: dt.date | None = None, units: list[str] | None = None,
                 progress: Progress | None = None, return_by: dt.date | None = None,
                 contact: str = "") -> list[Path]:
    """Read the master, refuse it if unsafe, bump its version, write one workbook per unit."""
    return split_master_detailed(master_path, out_dir, period_label=period_label, as_of=as_of, units=units,
                                 progress=progress, return_by=return_by, contact=contact).files


__all__ = ["SplitResult", "split_plan", "split_plan_detailed", "split_master", "split_master_detailed",
           "meta_cell_updates", "split_meta_updates", "units_to_split", "refuse_unsafe_split",
           "unsendable_findings", "as_of_after_cutoff"]
