"""The merge of Tổng hợp (pure): returned files -> ``ConsolidationPlan``.

3-way merge per tracking field: base (the value when the workbook was sent, from the
file's "_meta"), theirs (returned), mine (the master now).  A field the unit changed is
applied when the master still holds the base (or what this unit last applied, from
"Nhật ký"); otherwise it is a conflict, left for the official.  An item with several lead
units keeps each unit's report in "Báo cáo đơn vị" and derives the master row from them
(``derive_tracking``).  Files are merged in a stable order; nothing is written here.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from cchc_xl.core import schema as S
from cchc_xl.core.models import CchcError, Finding, Status
from cchc_xl.core.records import MasterData
from cchc_xl.roundtrip.consolidate.audit import AUDIT_TEXT_MAX, _safe_text
from cchc_xl.roundtrip.consolidate.check import _Checker, _Row, refuse_if_unsafe
from cchc_xl.roundtrip.consolidate.columns import _int
from cchc_xl.files.memory import gc_paused
from cchc_xl.core.findings import FindingType, catalog
from cchc_xl.roundtrip.bases import BASE_VALUE_COLUMN, RETURNS_KEY, ReturnStamp, meta_cell_updates, returns_json
from cchc_xl.roundtrip.consolidate.plan import (ACTION_CONFLICT, ACTION_FILE_DONE, ACTION_FILE_REJECTED, ACTION_UPDATED,
                                                ACTION_WARNING, DERIVED_SUFFIX, STATUS_SEEN, STATUS_SUPERSEDED,
                                                AuditIndex, CellChange, Conflict, ConsolidationPlan, FileSummary,
                                                ItemKey, MasterState, Progress, UnitReportRow)
from cchc_xl.roundtrip.consolidate.read import _handed_over, _load_returns, _ReadAhead
from cchc_xl.roundtrip.consolidate.state import master_state_from_sheets
from cchc_xl.core.dispatch import registry_for, remediation_units
from cchc_xl.core.tracking import FIELD_LABELS, TRACKING_KEYS, canonical, cell_value, display
from cchc_xl.workbook.returned import ReturnedBook, read_unit_workbook


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


class _Planner(_Checker):
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
        self._last_applied: dict[tuple[str, str, str], str] | None = None   # read on first need
        self.seen_hashes: dict[str, str] = {}
        self.updates: dict[str, int] = {}  # file sha256 -> fields updated
        self.pending: dict[tuple[str, int, str], CellChange] = {}
        self.letters: dict[str, dict[str, str]] = {}  # sheet -> column key -> letter (cache)
        self.formula_cells = state.formula_cells    # the official's formulas: never written over
        self.error_cells = state.error_cells        # error values (#REF!...): not a value, not written over
        self.bases = state.bases                    # the merge base kept in the master
        # unit -> stamp of the last return applied (a saved time recorded from a file whose
        # clock ran ahead is not kept: it would make every later return look older)
        self.returns = {u: _trusted_stamp(s) for u, s in state.returns.items()}
        self.returns_changed = False
        self.superseded: dict[int, ReturnedBook] = {}   # id(book) -> newer book of the same unit
        self.issued = {_int(s.get("version")) for s in state.splits} - {0}
        self.latest = max(self.issued) if self.issued else _int(state.meta.get("master_version")) or \
            plan.info.master_version

    @property
    def last_applied(self) -> dict[tuple[str, str, str], str]:
        """Values last applied per (unit, item, field), for items without a base record in the
        master (``AuditIndex.last_applied``: "Nhật ký" is read back only when one is merged)."""
        if self._last_applied is None:
            self._last_applied = dict(self.state.audit.last_applied)
        return self._last_applied

    @property
    def master_name(self) -> str:
        """The master's file name, for findings about the master itself ("" for a live Book)."""
        return Path(self.data.path).name if self.data.path else ""

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

    def unwritable(self, sheet: str, row: int, key: str) -> str | None:
        """Why a master cell is not written: "" the official's formula, the error value it
        shows (#REF!...), ``None`` when it can be written."""
        cell = self.cell(sheet, row, key)
        formulas = self.formula_cells.get(sheet)
        if formulas and cell in formulas:
            return ""
        errors = self.error_cells.get(sheet)
        return errors.get(cell) if errors else None

    def set_cell(self, sheet: str, row: int, key: str, old: Any, new: Any, item: str, unit: str,
                 source: str, book: ReturnedBook | None = None) -> bool:
        """Plan writing ``new`` into a master cell; ``False`` (and a finding) when the cell holds
        the official's formula or an error value (``unwritable``), which is kept."""
        why = self.unwritable(sheet, row, key)
        if why is not None:
            if why:
                self.error_kept(book, source, unit, sheet, item, key, row, new, why)
            else:
                self.formula_kept(book, source, unit, sheet, item, key, row, new)
            return False
        cell = self.cell(sheet, row, key)
        k = (sheet, row, key)
        prev = self.pending.get(k)
        self.pending[k] = CellChange(sheet, row, key, cell, prev.old if prev else old, new, item, unit, source)
        return True

    def error_kept(self, book: ReturnedBook | None, file: str, unit: str, sheet: str, item: str, k: str,
                   row: int, theirs: Any, error: str) -> None:
        """The master cell holds an Excel error value (#REF!, #N/A...), read as empty: the master's
        value is not known, so the unit's is not written (nor compared with a default the
        cell does not hold) - reported and logged with the error; the merge base does not move."""
        self._kept(catalog.MASTER_CELL_ERROR, book, file, unit, sheet, item, k, row, theirs, error, error=error)

    def formula_kept(self, book: ReturnedBook | None, file: str, unit: str, sheet: str, item: str, k: str,
                     row: int, theirs: Any) -> None:
        """The unit's value is not written over the formula the official put in the master
        cell: reported and logged; the merge base does not move (it is reported again until
        the official settles it)."""
        self._kept(catalog.MASTER_CELL_FORMULA, book, file, unit, sheet, item, k, row, theirs, "")

    def _kept(self, ftype: FindingType, book: ReturnedBook | None, file: str, unit: str, sheet: str, item: str,
              k: str, row: int, theirs: Any, old: str, **params: Any) -> None:
        """A master cell the unit's value is not written into: the finding ``ftype`` names the
        master's cell, the log row says what the cell held (``old``) and what the unit sent."""
        cell = self.cell(sheet, row, k)
        shown = theirs if type(theirs) is str else display(k, theirs) if k in TRACKING_KEYS else str(theirs or "")
        f = ftype(item=item, header=FIELD_LABELS.get(k, k), theirs=shown or "(trống)", unit=unit,
                  file=self.master_name or file, sheet=sheet, cell=cell, task_id=item, **params)
        self.plan.findings.append(f)
        self.audit(book, file, unit, item, k, old, shown, f"{ACTION_WARNING}: {f.message}"[:250])

    def process(self, book: ReturnedBook) -> None:
        """Check and merge one returned book (skipped when already consolidated)."""
        if book.sha256 in self.seen_hashes or ACTION_FILE_DONE in {
                a.split(":")[0] for a in self.state.audit.files.get(book.sha256, [])}:
            earlier = self.seen_hashes.get(book.sha256)
            why = f"trùng nội dung với tệp {earlier}" if earlier else "đã tổng hợp trước đó"
            self.plan.files.append(FileSummary(file=book.name, status=STATUS_SEEN, unit=book.unit_code,
                                               sha256=book.sha256, reason=why))
            self.plan.findings.append(catalog.RETURN_ALREADY_DONE(why=why, file=book.name))
            return
        newer = self.superseded.get(id(book))
        if book.partial:   # listed as consolidated where it was read, not in this run's index: read it whole
            try:
                book = read_unit_workbook(book.path)
            except CchcError as exc:
                self.reject_file(None, book.path, exc.finding, sha=book.sha256, unit=book.unit_code)
                return
        self.seen_hashes[book.sha256] = book.name
        if newer is not None:
            f = catalog.RETURN_SUPERSEDED(unit=book.unit_code, newer=newer.name, newer_stamp=_told(stamp_of(newer)),
                                          this=_told(stamp_of(book)), file=book.name)
            self.plan.files.append(FileSummary(file=book.name, status=STATUS_SUPERSEDED, unit=book.unit_code,
                                               sha256=book.sha256, reason=f.message))
            self.plan.findings.append(f)
            return
        reason = self.check_meta(book)
        if not reason:
            reason = self.check_stale(book)
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
            self.plan.findings.append(catalog.RETURN_EXTERNAL_LINKS(why=w, file=book.name))
        bases, unit = self.bases, book.unit_code
        for row in rows:
            if row.theirs == row.base and (   # same keys: equal values; and nothing to roll back
                    (entry := bases.get(unit, row.sheet, row.item_id)) is None or entry.base == row.base):
                summary.unchanged += 1
                self.plan.unchanged += 1
                continue
            self.plan.edited_rows += 1
            self.merge_row(book, row)
        summary.rejected = len(self.plan.rejections) - n_rej
        summary.conflicts = len(self.plan.conflicts) - n_conf
        summary.updated = self.updates.pop(book.sha256, 0)
        self.plan.files.append(summary)
        note = f"{summary.updated} cập nhật, {summary.conflicts} xung đột, {summary.rejected} từ chối"
        self.audit(book, book.name, book.unit_code, "", "", "", note, ACTION_FILE_DONE)
        stamp, rec = stamp_of(book), self.returns.get(book.unit_code)
        if rec is None or stamp.newer_than(rec) is not False:
            self.returns[book.unit_code] = stamp
            self.returns_changed = True

    def check_saved_time(self, book: ReturnedBook) -> None:
        """A saved time (docProps/core.xml, UTC) later than this computer's clock is a claim
        that cannot be true: reported, and not used to tell newer returns from older ones
        (kept, it would make every later return of the unit look older and be refused)."""
        if book.saved_at is None or not _in_future(book.saved_at):
            return
        self.plan.findings.append(catalog.RETURN_SAVED_LATER(saved=_vn_time(book.saved_at),
                                                             clock=_vn_time(_utc_now()), file=book.name))
        book.saved_at = None

    def check_stale(self, book: ReturnedBook) -> Finding | None:
        """Reason to reject a return older than the one already applied from its unit."""
        rec = self.returns.get(book.unit_code)
        if rec is None:
            return None
        stamp = stamp_of(book)
        if stamp.newer_than(rec) is False:
            return catalog.RETURN_STALE(unit=book.unit_code, this=_told(stamp), applied=_told(rec),
                                        applied_file=rec.file)
        return None

    def mark_superseded(self, books: Sequence[ReturnedBook]) -> None:
        """Two returns of one unit in one run: only the newest is merged (the others are reported)."""
        done = self.state.audit.files
        by_unit: dict[str, list[ReturnedBook]] = {}
        shas: set[str] = set()
        for b in books:
            if b.sha256 in shas or ACTION_FILE_DONE in {a.split(":")[0] for a in done.get(b.sha256, [])}:
                continue
            shas.add(b.sha256)
            by_unit.setdefault(b.unit_code, []).append(b)
        for group in by_unit.values():
            if len(group) < 2:
                continue
            newest = max(group, key=lambda b: (stamp_of(b).version, stamp_of(b).saved_at, b.order_key()))
            for b in group:
                if b is not newest:
                    self.superseded[id(b)] = newest

    # ---------------------------------------------------------------- merging
    def merge_row(self, book: ReturnedBook, row: _Row) -> None:
        key = (row.sheet, row.item_id)
        entry = self.bases.get(book.unit_code, row.sheet, row.item_id)
        if entry is not None and entry.version == _int(book.meta.get("master_version")):
            forged = _differing(row.base, entry.issued)
            if entry.master is not None and row.master_base is not None:
                forged += [k for k in _differing(row.master_base, entry.master) if k not in forged]
            if forged:
                self.reject_row(book, row.sheet, self.cell(row.sheet, row.row, "id"), row.item_id,
                                catalog.RETURN_BASE_MISMATCH(
                                    item=row.item_id, fields=", ".join(FIELD_LABELS[k] for k in forged)))
                return
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
        theirs, base = row.theirs, row.base
        pending, audit_rows, updated = self.pending, self.plan.audit_rows, 0
        letters = self.letters.get(sheet) or self._letters(sheet)
        formulas = self.formula_cells.get(sheet)
        errors = self.error_cells.get(sheet)
        entry = self.bases.get(unit, sheet, item)
        if entry is not None:
            held = entry.base      # what this unit was sent, or last applied from it: in the master
            moved: dict[str, Any] = {}
        todo = []        # fields to write: (k, t, m, old, b)
        blocked = None   # fields that cannot be written (conflict, formula, error value)
        for k in TRACKING_KEYS:
            t, b, m = theirs[k], base[k], mine[k]
            if entry is not None:
                h = held[k]
                if t == b or t == h:
                    if t == b and t != h and m == h:
                        self.rolled_back(book, sheet, item, k, master_row or 0, t, h)
                    continue   # not edited in this file, or already applied from this unit
                if m == t:
                    moved[k] = t
                    continue
                b = h          # the merge base comes from the master, never from the file
            elif t == b or m == t:
                continue
            if errors and master_row:
                error = errors.get(f"{letters[k]}{master_row}")
                if error is not None:
                    (blocked := blocked or []).append((k, t, m, b, error))
                    continue
            old = m if type(m) is str else display(k, m)
            if (m == b or (entry is None and old == self.last_applied.get((unit, item, k)))) and master_row:
                if formulas and f"{letters[k]}{master_row}" in formulas:
                    (blocked := blocked or []).append((k, t, m, b, ""))
                    continue
                todo.append((k, t, m, old))
            else:
                (blocked := blocked or []).append((k, t, m, b, None))
        if blocked:        # a row is applied whole or not at all: nothing of it is written
            self.plan.held_rows += 1
            self.hold_row(book, sheet, item, master_row or 0, blocked, [(k, m, t) for k, t, m, _ in todo])
            if entry is not None and moved:
                self.bases.advance(unit, sheet, item, {**held, **moved})
            return
        for k, t, m, old in todo:
            where = (sheet, master_row, k)
            prev = pending.get(where)
            if k == "progress":
                before, after = cell_value(k, m), cell_value(k, t)
            else:
                before, after = (None if m == "" else m), (None if t == "" else t)
            pending[where] = CellChange(sheet, master_row, k, f"{letters[k]}{master_row}",
                                        prev.old if prev else before, after, item, unit, name)
            mine[k] = t
            new = t if type(t) is str else display(k, t)
            if entry is None:      # the next file of this unit merges against it
                self.last_applied[(unit, item, k)] = new
            audit_rows.append([self._stamp, self.user, name, sha, unit, item, FIELD_LABELS[k],
                               old if len(old) <= AUDIT_TEXT_MAX else _safe_text(old),
                               new if len(new) <= AUDIT_TEXT_MAX else _safe_text(new),
                               ACTION_UPDATED])
            updated += 1
            if entry is not None:
                moved[k] = t
        if updated:
            self.updates[sha] = self.updates.get(sha, 0) + updated
        if entry is not None and moved:
            self.bases.advance(unit, sheet, item, {**held, **moved})

    def hold_row(self, book: ReturnedBook, sheet: str, item: str, row: int,
                 blocked: list[tuple[str, Any, Any, Any, str | None]], fields: list[tuple[str, Any, Any]],
                 derived: bool = False) -> None:
        """A row the unit changed where some cell cannot be written: ``blocked`` (key, theirs,
        mine, base, why: ``None`` a conflict, "" the official's formula, else the error value)
        are reported as such (``derived``: values of a master row derived from several units) and
        the other changed ``fields`` (key, mine, theirs) are held back: a row is applied whole or
        not at all (a task "Đã hoàn thành" at the official's 30 % is a row neither side wrote)."""
        for k, t, m, b, why in blocked:
            if why is None:
                self.conflict(book, sheet, item, k, row, m, t, b, derived=derived)
            elif why:
                self.error_kept(book, book.name, book.unit_code, sheet, item, k, row, t, why)
            else:
                self.formula_kept(book, book.name, book.unit_code, sheet, item, k, row, t)
        if fields:
            self.held_back(book, sheet, item, row, fields, blocked[0][0])

    def held_back(self, book: ReturnedBook, sheet: str, item: str, row: int, fields: list[tuple[str, Any, Any]],
                  blocking: str) -> None:
        """The unit's changes (key, mine, theirs) to a row that also has a cell that cannot be
        written: none is written. Reported with the unit's values and logged, one "Nhật ký" row
        per cell held back."""
        shown = [(k, display(k, m), display(k, t)) for k, m, t in fields]
        cells = ", ".join(f"{FIELD_LABELS[k]} '{t or '(trống)'}' (ô {self.cell(sheet, row, k)})"
                          for k, _, t in shown)
        blocked = self.cell(sheet, row, blocking) if row else FIELD_LABELS[blocking]
        f = catalog.RETURN_ROW_HELD(item=item, unit=book.unit_code, cells=cells, blocked=blocked,
                                    file=self.master_name or book.name, sheet=sheet,
                                    cell=self.cell(sheet, row, fields[0][0]) if row else "", task_id=item)
        self.plan.findings.append(f)
        for k, m, t in shown:
            self.audit(book, book.name, book.unit_code, item, k, m, t,
                       f"{ACTION_WARNING}: chưa cập nhật - dòng có ô {blocked} không ghi được")

    def rolled_back(self, book: ReturnedBook, sheet: str, item: str, k: str, row: int, theirs: Any,
                    held: Any) -> None:
        """The file still has the value it was sent with, while a later value of this unit was
        applied: not a change of the unit - reported, not applied (no roll-back)."""
        f = catalog.RETURN_ROLLBACK(item=item, header=FIELD_LABELS[k], theirs=display(k, theirs) or "(trống)",
                                    held=display(k, held) or "(trống)", file=book.name, sheet=sheet,
                                    cell=self.cell(sheet, row, k) if row else "", task_id=item)
        self.plan.findings.append(f)
        self.audit(book, book.name, book.unit_code, item, k, display(k, held), display(k, theirs),
                   f"{ACTION_WARNING}: {f.message}"[:250])

    def _letters(self, sheet: str) -> dict[str, str]:
        self.cell(sheet, 0, "status")  # fills the cache
        return self.letters[sheet]

    def conflict(self, book: ReturnedBook, sheet: str, item: str, k: str, row: int, mine: Any, theirs: Any,
                 base: Any, derived: bool = False) -> None:
        c = Conflict(file=book.name, unit=book.unit_code, sheet=sheet, item_id=item, column_key=k,
                     cell=self.cell(sheet, row, k) if row else "", mine=display(k, mine),
                     theirs=display(k, theirs), base=display(k, base), derived=derived)
        self.plan.conflicts.append(c)
        ftype = catalog.RETURN_CONFLICT_DERIVED if derived else catalog.RETURN_CONFLICT
        self.plan.findings.append(ftype(item=item, header=c.header, mine=c.mine, unit=c.unit, theirs=c.theirs,
                                        base=c.base, file=book.name, sheet=sheet, cell=c.cell, task_id=item))
        self.plan.audit_rows.append([self.stamp(), self.user, book.name, book.sha256, book.unit_code, item,
                                     c.header, _safe_text(c.mine), _safe_text(c.theirs), ACTION_CONFLICT])

    def merge_multi(self, book: ReturnedBook, row: _Row) -> None:
        """Unit report row first (3-way), then the master row derived from all unit reports."""
        unit, key = book.unit_code, (row.sheet, row.item_id)
        units = self.units_of[key]
        entry = self.bases.get(unit, row.sheet, row.item_id)
        master_base = (entry.master if entry is not None and entry.master is not None else
                       row.master_base or row.base)
        before = self._unit_values(row.item_id, units, master_base)
        report = self.reports.get((row.item_id, unit))
        mine_r = dict(report.values) if report else dict(entry.issued if entry is not None else row.base)
        changed = False
        moved: dict[str, Any] = {}
        todo: list[tuple[str, Any, Any]] = []
        blocked: list[tuple[str, Any, Any, Any, str | None]] = []
        report_row = report.row if report and report.row else 0
        for k in TRACKING_KEYS:
            t, b, m = row.theirs[k], row.base[k], mine_r[k]
            if entry is not None:
                h = entry.base[k]
                if t == b or t == h:
                    if t == b and t != h and m == h:
                        self.rolled_back(book, S.SHEET_UNIT_REPORTS, row.item_id, k, 0, t, h)
                    continue
                if m == t:
                    moved[k] = t
                    continue
                b = h
            elif t == b or m == t:
                continue
            if m == b if entry is not None else self._applies(unit, row.item_id, k, m, b):
                why = self.unwritable(S.SHEET_UNIT_REPORTS, report_row, k) if report_row else None
                if why is None:
                    todo.append((k, t, m))
                else:
                    blocked.append((k, t, m, b, why))
            else:
                blocked.append((k, t, m, b, None))
        if blocked:        # the unit's report is applied whole or not at all
            self.plan.held_rows += 1
            self.hold_row(book, S.SHEET_UNIT_REPORTS, row.item_id, report_row, blocked,
                          [(k, m, t) for k, t, m in todo])
            todo = []
        for k, t, m in todo:
            if report_row:
                self.set_cell(S.SHEET_UNIT_REPORTS, report_row, k, cell_value(k, m), cell_value(k, t), row.item_id,
                              unit, book.name, book)
            moved[k] = t
            mine_r[k] = t
            changed = True
            if entry is None:
                self.last_applied[(unit, row.item_id, k)] = display(k, t)
            self.audit(book, book.name, unit, row.item_id, k, display(k, m), display(k, t), ACTION_UPDATED)
        if entry is not None and moved:
            self.bases.advance(unit, row.sheet, row.item_id, {**entry.base, **moved})
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
        todo, blocked = [], []
        for k in TRACKING_KEYS:
            d, m = new[k], mine[k]
            if m == d or (k in ("evidence", "note") and not d):
                continue
            if (m == prev[k] or m == master_base[k]) and master_row:
                why = self.unwritable(row.sheet, master_row, k)
                if why is None:
                    todo.append((k, d, m))
                else:
                    blocked.append((k, d, m, prev[k], why))
            else:
                blocked.append((k, d, m, prev[k], None))
        if blocked:        # the master row is derived whole or not at all
            self.plan.held_rows += 1
            self.hold_row(book, row.sheet, row.item_id, master_row or 0, blocked, [(k, m, d) for k, d, m in todo],
                          derived=True)
            return
        for k, d, m in todo:
            self.set_cell(row.sheet, master_row, k, cell_value(k, m), cell_value(k, d), row.item_id,
                          book.unit_code, book.name, book)
            mine[k] = d
            self.plan.audit_rows.append([self.stamp(), self.user, book.name, book.sha256, book.unit_code,
                                         row.item_id, FIELD_LABELS[k] + DERIVED_SUFFIX,
                                         _safe_text(display(k, m)), _safe_text(display(k, d)), ACTION_UPDATED])
            self.updates[book.sha256] = self.updates.get(book.sha256, 0) + 1

    def finish(self) -> ConsolidationPlan:
        """The plan: changed cells (source/time of unit reports always), audit rows, findings."""
        self.plan.changes = [c for c in self.pending.values() if c.old != c.new or c.column_key in
                             ("source", "received_at")]
        self._check_room()
        damaged = self.bases.damaged
        if damaged:   # those items fall back to the log: said, not silent
            self.plan.findings.append(catalog.MASTER_BASES_DAMAGED(
                count=len(damaged), file=self.master_name, sheet=S.SHEET_META,
                cell=f"{BASE_VALUE_COLUMN}{damaged[0]}"))
        meta = dict(self.bases.edits)
        if self.returns_changed:
            meta.update(meta_cell_updates(self.state.meta_rows, {RETURNS_KEY: returns_json(self.returns)}))
        # the files dealt with, in "_meta": the next run need not read "Nhật ký" back (a master
        # without the table gets it whole with the first run that writes anything else)
        if self.state.applied.found or not self.plan.is_empty or meta:
            meta.update(self.state.applied.edits(self._files_index()))
        for ref, value in meta.items():
            self.plan.changes.append(CellChange(S.SHEET_META, int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")), "meta",
                                                ref, None, value))
        return self.plan

    def _check_room(self) -> None:
        """Rows appended past Excel's last row would make a workbook Excel refuses to open:
        refused before anything is written (the log grows by a row per changed cell, 100 000
        a quarter at province scale: full after some ten quarters)."""
        for sheet, rows in ((S.SHEET_AUDIT, len(self.plan.audit_rows)),
                            (S.SHEET_UNIT_REPORTS, len(self.plan.new_unit_reports))):
            start = self.plan.next_rows.get(sheet)
            if rows and start and start + rows - 1 > S.EXCEL_MAX_ROWS:
                raise catalog.SHEET_FULL.error(sheet=sheet, rows=rows, used=start - 1, last=start + rows - 1,
                                               limit=S.EXCEL_MAX_ROWS,
                                               file=self.master_name)

    def _files_index(self) -> dict[str, list[str]]:
        """Results per file SHA-256: those known before this run and those logged by it."""
        files = {sha: list(actions) for sha, actions in self.state.audit.files.items()}
        done = (ACTION_FILE_DONE, ACTION_FILE_REJECTED)
        for row in self.plan.audit_rows:
            action, sha = row[-1], row[3]
            if sha and isinstance(action, str) and action.startswith(done):
                files.setdefault(sha, []).append(action)
        return files


def stamp_of(book: ReturnedBook) -> ReturnStamp:
    """How recent a return is: the version it was issued with, then the time Excel saved it
    (docProps/core.xml) - claims of the file, compared with what the master recorded."""
    saved = book.saved_at.replace(microsecond=0).isoformat() if book.saved_at else ""
    return ReturnStamp(_int(book.meta.get("master_version")), saved, book.name, book.sha256)


SAVED_TIME_SLACK = dt.timedelta(days=1)   # clocks and time zones written wrongly by some programs


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _in_future(saved_utc: dt.datetime) -> bool:
    """``saved_utc`` (naive, UTC) later than this computer's clock, beyond ``SAVED_TIME_SLACK``."""
    if saved_utc.tzinfo is not None:
        saved_utc = saved_utc.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return saved_utc > _utc_now() + SAVED_TIME_SLACK


def _vn_time(utc: dt.datetime, seconds: bool = False) -> str:
    """A UTC time (docProps/core.xml) as officials read it: Vietnam time (UTC+7)."""
    form = f"%d/%m/%Y %H:%M{':%S' if seconds else ''}"
    try:
        return (utc + dt.timedelta(hours=7)).strftime(form)
    except OverflowError:     # the last hours of year 9999
        return utc.strftime(form) + " UTC"


def _trusted_stamp(stamp: ReturnStamp) -> ReturnStamp:
    """``stamp`` without its saved time when that time is later than this computer's clock."""
    try:
        saved = dt.datetime.fromisoformat(stamp.saved_at) if stamp.saved_at else None
    except ValueError:
        saved = None
    if saved is not None and _in_future(saved):
        return ReturnStamp(stamp.version, "", stamp.file, stamp.sha256)
    return stamp


def _told(stamp: ReturnStamp) -> str:
    text = f"phiên bản {stamp.version}"
    if stamp.saved_at:
        try:
            text += f", lưu lúc {_vn_time(dt.datetime.fromisoformat(stamp.saved_at), seconds=True)}"
        except ValueError:
            pass
    return text


def _tracking_lenient(obj: Any) -> dict[str, Any]:
    """Tracking values of a master row as the merge compares them.  A number reading accepted
    but ``canonical`` refuses (a "Tiến độ" of 150 the official typed) is kept as read, like the
    light reader of "Phân công" (``state._light_tasks``) keeps it: the official's value is then
    a conflict, never taken for 0 and overwritten."""
    out = {}
    for k in TRACKING_KEYS:
        value = getattr(obj, k, None)
        try:
            out[k] = canonical(k, value)
        except ValueError:
            numeric = k == "progress" and isinstance(value, (int, float)) and not isinstance(value, bool)
            out[k] = round(float(value), 2) if numeric else canonical(k, None)
    return out


def _differing(claimed: Mapping[str, Any], recorded: Mapping[str, Any]) -> list[str]:
    """Tracking fields whose value a returned file claims was sent differs from the one the
    master recorded (compared as displayed: 50 and 50.0 are the same value)."""
    if all(claimed[k] == recorded[k] for k in TRACKING_KEYS):
        return []
    return [k for k in TRACKING_KEYS if display(k, claimed[k]) != display(k, recorded[k])]


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
    with gc_paused():
        planner = _Planner(state, as_of=as_of or dt.date.today(), now=now or dt.datetime.now(), user=user)
        books = _load_returns(list(returns), planner, progress, _reader)
        for book in books:
            planner.check_saved_time(book)
        planner.mark_superseded(books)
        for i, book in enumerate(_handed_over(books), start=1):
            n = len(planner.plan.files)
            planner.process(book)
            for summary in planner.plan.files[n:]:  # the register needs the period the file claims
                summary.period = str(book.meta.get("period_label") or "")
                summary.version = _int(book.meta.get("master_version")) or None
            if progress:
                progress(i, len(books), f"Đối chiếu: {book.name}")
        return planner.finish()


def plan_from_sheets(sheets: Mapping[str, list[tuple[Any, ...]]],
                     returns: Sequence[ReturnedBook | str | os.PathLike[str]], *, file: str = "",
                     as_of: dt.date | None = None, user: str = "", now: dt.datetime | None = None,
                     progress: Progress | None = None) -> ConsolidationPlan:
    """Convenience for a live Book: sheet values -> state -> plan (refuses an unsafe master).

    The state is read as ``tong-hop`` reads the file (``fast="light"``, no descriptive texts), so
    the button and the command compare the same master values."""
    state = master_state_from_sheets(sheets, file=file, fast="light", texts=False)
    refuse_if_unsafe(state, "tổng hợp")
    return plan_consolidation(state, returns=returns, as_of=as_of, user=user, now=now, progress=progress)
