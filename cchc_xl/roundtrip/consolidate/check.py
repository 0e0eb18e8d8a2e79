"""Checks of Tổng hợp: is the master safe to merge into, and what may a returned file change.

A returned workbook is a claim, not a fact.  The whole file is rejected (``check_meta``,
``evaluate``) when it is not a unit workbook of this master: kind, template version,
commune and year, unit (registry, file name), split version, missing sheets or columns,
tasks of another unit only.  A row is rejected (never half applied) when its id is
missing, repeated, unknown, of another unit or not in the workbook as sent, when a locked
column was edited (row fingerprint against the one sent) or holds a formula.  A tracking
cell is rejected when it holds a formula, looks like formula injection/DDE, is not a
valid value, or dates completion after the cut-off.

``_prepare`` is the file-only part of these checks, done ahead by the reading thread
(``read``); ``evaluate`` still makes every check, in file order.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from openpyxl.utils import column_index_from_string, get_column_letter

from cchc_xl.core import schema as S
from cchc_xl.core.models import Finding
from cchc_xl.core.records import MasterData
from cchc_xl.core.text import fold
from cchc_xl.core.findings import catalog
from cchc_xl.core.safety import looks_like_formula
from cchc_xl.roundtrip.consolidate.audit import _AuditLog, _safe_text
from cchc_xl.roundtrip.consolidate.columns import _column_map, _found_keys, _int, _repeated_headers
from cchc_xl.core.tracking_rules import row_issues
from cchc_xl.roundtrip.consolidate.plan import (ACTION_FILE_REJECTED, ACTION_REJECTED, ACTION_WARNING, STATUS_AS_ISSUED,
                                                STATUS_REJECTED,
                                                ConsolidationPlan, FileSummary, ItemKey, MasterState, Rejection)
from cchc_xl.roundtrip.consolidate.state import _STATUS_LABELS
from cchc_xl.core.dispatch import DATA_SHEETS, unit_code_from_file_name
from cchc_xl.core.fingerprint import RowFingerprinter, cell_hashes, locked_columns, norm_cell, row_fingerprint
from cchc_xl.core.tracking import FIELD_LABELS, TRACKING_KEYS, canonical, display, fast_normalize
from cchc_xl.workbook.returned import ReturnedBook


def _repeated_ids(rows: Sequence[Sequence[Any]], h: int, id_j: int) -> dict[str, list[int]]:
    """{id: sheet rows} of the ids found on more than one row below the header row ``h``."""
    where: dict[str, list[int]] = {}
    for i in range(h + 1, len(rows)):
        raw = rows[i]
        tid = raw[id_j] if id_j < len(raw) else None
        if tid is None or tid == "":
            continue
        item_id = " ".join(tid.split()) if type(tid) is str and tid.isascii() else fast_normalize(tid)
        where.setdefault(item_id, []).append(i + 1)
    return {k: v for k, v in where.items() if len(v) > 1}


def _same(value: Any, base: Any) -> bool:
    """A tracking cell holds its base value (an empty cell and an empty text are the same)."""
    if value is None or value == "":
        return base is None or base == ""
    return value == base and type(value) is not bool


# ================================================================= the master

def blocking_findings(data: MasterData, extra: Iterable[Finding] = ()) -> list[Finding]:
    """Errors that make splitting/merging unsafe: bad ids (duplicates, missing) and unreadable
    cells on the sheets that are sent to or merged from the units."""
    sheets = (S.SHEET_TASKS, S.SHEET_REMEDIATION, S.SHEET_UNIT_REPORTS, S.SHEET_UNITS, S.SHEET_META)
    return [f for f in (*data.findings, *extra) if f.severity == "error" and f.sheet in sheets
            and not (f.sheet == S.SHEET_TASKS and f.cell[:1] == S.col_letter(S.TASK_COLUMNS, "area_name"))]


def refuse_if_unsafe(state_or_data: MasterState | MasterData, action: str, extra: Iterable[Finding] = ()) -> None:
    """Raise ``CchcError`` listing (up to 10) blocking errors of the master (``extra``: errors
    of this action only, e.g. the cells Tạo phiếu cannot send)."""
    if isinstance(state_or_data, MasterState):
        blockers = blocking_findings(state_or_data.data, [*state_or_data.findings, *extra])
    else:
        blockers = blocking_findings(state_or_data, extra)
    if not blockers:
        return
    lines = "\n".join(f"  - {f}" for f in blockers[:10])
    more = f"\n  ... và {len(blockers) - 10} lỗi khác" if len(blockers) > 10 else ""
    err = catalog.MASTER_UNSAFE.error(action=action, count=len(blockers), lines=lines, more=more)
    err.findings = blockers  # type: ignore[attr-defined]
    raise err


def unread_content(book: ReturnedBook) -> list[Finding]:
    """What a returned file holds that Tổng hợp does not read, one warning each: sheets other
    than the data sheets (a copied "Phân công (2)" the unit filled), and columns outside the
    table holding values (the unit's own column T of results).  Listed, never read; nothing
    is listed for what makes ``evaluate`` reject the file (no tasks sheet, a repeated column)."""
    if S.SHEET_TASKS not in book.sheets:
        return []        # the file is rejected for it (``evaluate``): nothing of it is read
    read = ", ".join(f"'{n}'" for n in DATA_SHEETS)
    out = [catalog.RETURN_SHEET_NOT_READ(read=read, file=book.name, sheet=name) for name in book.other_sheets]
    for sheet, rows in book.sheets.items():
        columns = DATA_SHEETS[sheet]
        h, cmap = _column_map(rows[:15], columns)
        if h is None or _repeated_headers(rows[h], columns):
            continue     # the file is rejected for it (``evaluate``)
        inside = {column_index_from_string(v) - 1 for v in cmap.values()}
        width = max((len(r) for r in rows), default=0)
        outside = [j for j in range(width) if j not in inside]
        if not outside:
            continue
        found: dict[int, list[int]] = {}
        for i, raw in enumerate(rows):
            for j in outside:
                if j < len(raw) and raw[j] is not None and raw[j] != "":
                    found.setdefault(j, []).append(i + 1)
        for j, at in sorted(found.items()):
            letter = get_column_letter(j + 1)
            head = rows[h][j] if j < len(rows[h]) else None
            out.append(catalog.RETURN_COLUMN_NOT_READ(
                column=letter, header=f" ('{head}')" if head is not None and head != "" else "", count=len(at),
                first=f"{letter}{at[0]}", file=book.name, sheet=sheet, cell=f"{letter}{at[0]}"))
    return out


def refuse_outgoing_folder(plan: ConsolidationPlan, where: str) -> None:
    """Raise ``outgoing_folder`` when every file looked at is a form as issued, never saved
    since (``STATUS_AS_ISSUED``): the folder given is the one Tạo phiếu wrote, not the
    returns - nothing is written (a register note per unit would be noise)."""
    if plan.files and all(f.status == STATUS_AS_ISSUED for f in plan.files):
        raise catalog.OUTGOING_FOLDER.error(count=len(plan.files), folder=where)


# ================================================================= returned rows

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
        if book.formula_cells.get(sheet) or book.error_cells.get(sheet):
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


class _Checker(_AuditLog):
    """The checks of one run, file by file (mixed into the planner: ``merge._Planner``)."""

    state: MasterState
    data: MasterData
    as_of: dt.date
    registry: Any
    units_of: dict[ItemKey, list[str]]
    issued: set[int]
    latest: int

    # ---------------------------------------------------------------- per file
    def reject_file(self, book: ReturnedBook | None, path: Path, why: Finding, unit: str = "",
                    sha: str = "") -> None:
        """Reject a whole file: ``why`` is the catalogue finding saying why (located here)."""
        sha = sha or (book.sha256 if book else "")
        reason = why.message
        self.plan.rejections.append(Rejection(file=path.name, reason=reason, unit=unit, whole_file=True,
                                              code=why.code))
        self.plan.files.append(FileSummary(file=path.name, status=STATUS_REJECTED, unit=unit, sha256=sha,
                                           reason=reason))
        self.plan.findings.append(why.model_copy(update={"file": path.name}))
        action = f"{ACTION_FILE_REJECTED}: {reason}"[:250]
        if sha and action in self.state.audit.files.get(sha, []):
            return  # already logged by an earlier run
        row = [self.stamp(), self.user, path.name, sha, unit, "", "", "", "", _safe_text(action)]
        self.plan.audit_rows.append(row)

    def as_issued(self, book: ReturnedBook) -> bool:
        """Whether ``book`` is, in everything Tổng hợp reads, the form Tạo phiếu wrote: a file of
        this master (``check_meta`` passes), read whole, its sheets with their columns (no
        header missing or repeated, nothing outside them), every item it was sent on its sheet
        with its locked cells (fingerprint) and tracking cells as sent - the base its "_meta"
        carries and, for the version the master still records, the values the master recorded
        as issued ("_meta" D:G, "i")."""
        if book.partial or not book.items or S.SHEET_TASKS not in book.sheets:
            return False
        if book.formula_cells or book.error_cells or book.other_sheets:
            return False
        unit, version = book.unit_code, _int(book.meta.get("master_version"))
        found = 0
        for sheet, rows in book.sheets.items():
            columns = DATA_SHEETS[sheet]
            h, cmap = _column_map(rows[:15], columns)
            if (h is None or len(_found_keys(rows, h, columns)) < len(columns)
                    or _repeated_headers(rows[h], columns)):
                return False
            lay = _layout(columns, cmap)
            inside = set(lay.indexes)
            for i in range(h, len(rows)):
                raw = rows[i]
                if any(v is not None and v != "" for j, v in enumerate(raw) if j not in inside):
                    return False        # a cell outside the table holds something
                if i == h:
                    continue
                tid = raw[lay.id_index] if lay.id_index < len(raw) else None
                if tid is None or tid == "":
                    if any(v is not None and v != "" for v in raw):
                        return False
                    continue
                meta = book.items.get((sheet, fast_normalize(tid)))
                if meta is None or len(raw) < lay.width or lay.fingerprint(raw) != meta.fingerprint:
                    return False
                for k, j, _ in lay.tracking:
                    if not _same(raw[j], meta.base[k]):
                        return False
                entry = self.state.bases.get(unit, sheet, meta.id)
                if entry is not None and entry.version == version and any(
                        not _same(meta.base[k], v) for k, v in entry.issued.items()):
                    return False
                found += 1
        if found != len(book.items):
            return False
        n = len(self.plan.findings)       # last: a real return has failed above, on its first change
        try:
            return self.check_meta(book) is None
        finally:
            del self.plan.findings[n:]     # said again when the file is merged

    def skip_as_issued(self, book: ReturnedBook) -> None:
        """``book`` is a form as issued, never saved since: listed, not a return of its unit."""
        why = catalog.RETURN_AS_ISSUED(unit=book.unit_code, file=book.name)
        self.plan.files.append(FileSummary(file=book.name, status=STATUS_AS_ISSUED, unit=book.unit_code,
                                           sha256=book.sha256, reason=why.message,
                                           period=str(book.meta.get("period_label") or ""),
                                           version=_int(book.meta.get("master_version")) or None))
        self.plan.findings.append(why)

    @functools.cached_property
    def commune_key(self) -> str:
        """The master's commune as compared with a return's (folded once, not per file)."""
        return fold(self.data.plan.info.commune)

    def check_meta(self, book: ReturnedBook) -> Finding | None:
        """Reason to reject the whole file, or ``None``."""
        meta, info = book.meta, self.data.plan.info
        if str(meta.get("kind")) != "unit":
            return catalog.RETURN_NOT_UNIT_BOOK()
        if _int(meta.get("schema_version")) != S.SCHEMA_VERSION:
            return catalog.RETURN_SCHEMA_VERSION(theirs=meta.get("schema_version"), ours=S.SCHEMA_VERSION)
        if _int(meta.get("year")) != info.year or fold(meta.get("commune")) != self.commune_key:
            return catalog.RETURN_OTHER_MASTER(commune=meta.get("commune") or "(không rõ)", year=meta.get("year"),
                                               master_commune=info.commune, master_year=info.year)
        code = book.unit_code
        unit = self.registry.by_code.get(code)
        if unit is None or unit.is_group:
            return catalog.RETURN_UNKNOWN_UNIT(unit=code)
        named = unit_code_from_file_name(book.name)
        if named and named != code and named in self.registry.by_code:
            return catalog.RETURN_NAME_MISMATCH(named=named, unit=code)
        version = _int(meta.get("master_version"))
        if self.issued and version not in self.issued or not self.issued and version > self.latest:
            return catalog.RETURN_UNKNOWN_VERSION(version=version)
        if version < self.latest:
            self.plan.findings.append(catalog.RETURN_OLD_VERSION(version=version, latest=self.latest,
                                                                 file=book.name))
        return self.check_items(book, code, version)

    def check_items(self, book: ReturnedBook, unit: str, version: int) -> Finding | None:
        """The rows a file's "_meta" says were sent to ``unit`` are a claim: checked against the
        master's own record of what that issue sent (its merge bases).  A row the master did not
        send to this unit rejects the file (another unit's form relabelled, a hand-made "_meta");
        a row sent but missing from the file is reported as deleted.  Nothing is checked when
        the master has no record of this issue (a master older than the record, or a later
        issue to this unit replaced it); a row without its own record that the master says the
        unit leads is left to the row checks."""
        sent = self.issued_items(unit, version)
        if not sent:
            return None
        if book.partial:
            return None                # only "_meta" was read: the file is listed as consolidated already
        claimed = set(book.items)
        unknown = {(sheet, item) for u, sheet, item in self.bases.damaged_keys if u == unit}  # said elsewhere
        # not recorded as sent to this unit and not the unit's per the master either: not its form
        # (a record missing by itself, for a row the unit leads, is not a reason to refuse the file)
        foreign = sorted((k for k in claimed - sent - unknown if unit not in self.units_of.get(k, ())),
                         key=lambda k: (k[0] != S.SHEET_TASKS, k[1]))
        if foreign:
            names = ", ".join(item for _, item in foreign[:8]) + (" ..." if len(foreign) > 8 else "")
            return catalog.RETURN_ITEMS_NOT_SENT(unit=unit, version=version, count=len(foreign), items=names)
        for sheet, item in sorted(sent - claimed):
            self.plan.findings.append(catalog.RETURN_ROW_DELETED(item=item, unit=unit, file=book.name,
                                                                 sheet=sheet, task_id=item))
        return None

    def issued_items(self, unit: str, version: int) -> set[tuple[str, str]]:
        """(sheet, item) the master recorded as sent to ``unit`` by the issue ``version``."""
        index = getattr(self, "_issued_index", None)
        if index is None:
            index = self._issued_index = {}
            for (u, sheet, item), entry in self.bases.entries.items():
                index.setdefault((u, entry.version), set()).add((sheet, item))
        return index.get((unit, version), set())

    # ---------------------------------------------------------------- evaluating rows
    def evaluate(self, book: ReturnedBook) -> tuple[list[_Row], Finding | None]:
        """Validated rows of a file, or a reason to reject the whole file."""
        unit = book.unit_code
        rows: list[_Row] = []
        own = foreign = 0
        seen: set[ItemKey] = set()
        if S.SHEET_TASKS not in book.sheets:
            return [], catalog.RETURN_NO_SHEET(sheet=S.SHEET_TASKS)
        units_of, items = self.units_of, book.items
        for sheet, rows_raw in book.sheets.items():
            columns = DATA_SHEETS[sheet]
            h, cmap = _column_map(rows_raw[:15], columns)
            found = _found_keys(rows_raw, h, columns)
            missing = [c.header for c in columns if c.key not in found]
            if h is None or missing:
                return [], (catalog.RETURN_MISSING_COLUMNS(sheet=sheet, columns=", ".join(f"'{m}'" for m in missing))
                            if h is not None else catalog.RETURN_NO_HEADER(sheet=sheet))
            twice = _repeated_headers(rows_raw[h], columns)
            if twice:
                header, letters = next(iter(twice.items()))
                return [], catalog.RETURN_REPEATED_COLUMN(sheet=sheet, header=header, columns=", ".join(letters),
                                                          cell=f"{letters[1]}{h + 1}")
            lay = _layout(columns, cmap)
            formulas = (book.formula_cells.get(sheet) or book.error_cells.get(sheet)   # slow path: every cell checked
                        or book.percent_cells.get(sheet))
            prepared = book.prepared.get(sheet)
            ready = prepared[2] if prepared and prepared[0] == h and prepared[1] is lay and prepared[3] == self.as_of \
                else None
            id_j, width = lay.id_index, lay.width
            repeated = _repeated_ids(rows_raw, h, id_j)
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
                if item_id in repeated:      # every row of a repeated id is rejected
                    seen.add(key)
                    self.reject_row(book, sheet, f"{cmap['id']}{i + 1}", item_id, catalog.RETURN_DUPLICATE_ID(
                        item=item_id, count=len(repeated[item_id]),
                        rows=", ".join(str(r) for r in repeated[item_id])))
                    continue
                n_rejected = len(self.plan.rejections)
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
                if r is not None and len(self.plan.rejections) == n_rejected:
                    r = self.check_row(book, sheet, cmap, r)   # status, progress, date together
                    if r is not None:
                        rows.append(r)   # a row with a rejected cell is not applied at all
        if foreign and not own:
            return [], catalog.RETURN_FOREIGN_ONLY(unit=unit)
        for (sheet, item_id), meta in book.items.items():
            if (sheet, item_id) not in seen:
                self.plan.findings.append(catalog.RETURN_ROW_DELETED(item=item_id, unit=unit, file=book.name,
                                                                     sheet=sheet, task_id=item_id))
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

    def reject_row(self, book: ReturnedBook, sheet: str, cell: str, item_id: str, why: Finding,
                   value: Any = "") -> None:
        """Reject a row: ``why`` is the catalogue finding saying why (located here)."""
        reason = why.message
        self.plan.rejections.append(Rejection(file=book.name, reason=reason, unit=book.unit_code,
                                              sheet=sheet, cell=cell, item_id=item_id, code=why.code))
        self.plan.findings.append(why.model_copy(update={"file": book.name, "sheet": sheet, "cell": cell,
                                                         "task_id": item_id}))
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
                        catalog.RETURN_LOCKED_CHANGED(item=item_id, cells=refs))

    def evaluate_row(self, book: ReturnedBook, sheet: str, columns: tuple[S.Column, ...],
                     cmap: dict[str, str], row: int, item_id: str, values: dict[str, Any],
                     seen: set[ItemKey]) -> _Row | None:
        unit = book.unit_code
        id_cell = f"{cmap['id']}{row}"
        key = (sheet, item_id)
        label = "Mã NV" if sheet == S.SHEET_TASKS else "Mã KP"
        if not item_id:
            self.reject_row(book, sheet, id_cell, "", catalog.RETURN_ROW_NO_ID())
            return None
        if key in seen:
            self.reject_row(book, sheet, id_cell, item_id, catalog.RETURN_ROW_TWICE(label=label, item=item_id))
            return None
        seen.add(key)
        units = self.units_of.get(key)
        if units is None:
            self.reject_row(book, sheet, id_cell, item_id, catalog.RETURN_ROW_UNKNOWN(label=label, item=item_id))
            return None
        if unit not in units:
            self.reject_row(book, sheet, id_cell, item_id,
                            catalog.RETURN_ROW_OTHER_UNIT(label=label, item=item_id, unit=unit,
                                                          leads=", ".join(units) or "chưa xác định"))
            return None
        meta = book.items.get(key)
        if meta is None:
            self.reject_row(book, sheet, id_cell, item_id,
                            catalog.RETURN_ROW_NOT_SENT(label=label, item=item_id, unit=unit))
            return None
        formulas = book.formula_cells.get(sheet, set())
        for c in locked_columns(columns):
            ref = f"{cmap[c.key]}{row}"
            if ref in formulas:
                self.reject_row(book, sheet, ref, item_id, catalog.RETURN_LOCKED_FORMULA(header=c.header, item=item_id))
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
        errors = book.error_cells.get(sheet)
        if errors and ref in errors:    # read as empty by python-calamine: not an empty cell
            self.reject_row(book, sheet, ref, item_id, catalog.RETURN_CELL_ERROR(
                header=FIELD_LABELS[key], item=item_id, error=errors[ref]), errors[ref])
            return base
        percent = book.percent_cells.get(sheet)
        if percent and key == "progress" and ref in percent and type(raw) in (int, float):
            shown = round(raw * 100, 10)      # "80%" typed in Excel is stored 0,8: the unit sees 80 %
            self.plan.findings.append(catalog.RETURN_PERCENT_READ(
                item=item_id, format=percent[ref], stored=display(key, raw), shown=display(key, shown),
                file=book.name, sheet=sheet, cell=ref, task_id=item_id))
            raw = shown
        if raw == base and not isinstance(raw, bool) and ref not in formulas:
            return base  # unchanged cell (the common case): nothing to validate
        header = FIELD_LABELS[key]
        if ref in formulas:
            self.reject_row(book, sheet, ref, item_id, catalog.RETURN_CELL_FORMULA(header=header, item=item_id), raw)
            return base
        if looks_like_formula(raw):     # the one rule of core.safety
            self.reject_row(book, sheet, ref, item_id, catalog.FORMULA_REJECTED(header=header, item=item_id),
                            raw)
            return base
        try:
            value = canonical(key, raw)
        except ValueError as exc:
            self.reject_row(book, sheet, ref, item_id, catalog.RETURN_CELL_INVALID(header=header, item=item_id, why=exc),
                            raw)
            return base
        if key == "completed_on" and value is not None and value > self.as_of:
            self.reject_row(book, sheet, ref, item_id,
                            catalog.RETURN_DATE_AFTER_CUTOFF(date=display(key, value), item=item_id,
                                                             as_of=display(key, self.as_of)), raw)
            return base
        return value   # "0,5" for 50 %, contradictions: ``check_row`` (the rules of ``kiem-tra``)

    def check_row(self, book: ReturnedBook, sheet: str, cmap: Mapping[str, str], r: _Row) -> _Row | None:
        """Status, progress and completion date of a row the unit changed, checked together
        (``core.tracking_rules``, the rules of ``kiem-tra``): an error rejects the whole row,
        a warning is reported (report and Nhật ký) and the row is applied."""
        t, b = r.theirs, r.base
        if all(t[k] == b[k] for k in TRACKING_KEYS):
            return r
        info = self.data.plan.info
        tasks = sheet == S.SHEET_TASKS
        label = f"{'Nhiệm vụ' if tasks else 'Khắc phục'} {r.item_id}"
        issues = row_issues(label, t["status"], t["progress"], t["completed_on"],
                            year=info.year if tasks else None, plan_date=info.plan_date if tasks else None,
                            texts={k: (FIELD_LABELS[k], t[k]) for k in ("evidence", "note")})
        if not issues:
            return r
        errors = [i for i in issues if i.severity == "error"]
        if errors:
            first = errors[0]
            why = catalog.RETURN_ROW_INVALID(problems="; ".join(i.type.message(**i.params) for i in errors),
                                             severity="error")
            self.reject_row(book, sheet, f"{cmap[first.field]}{r.row}", r.item_id, why, t.get(first.field, ""))
            return None
        for i in issues:
            f = i.finding(file=book.name, sheet=sheet, cell=f"{cmap[i.field]}{r.row}", task_id=r.item_id)
            self.plan.findings.append(f)
            self.audit(book, book.name, book.unit_code, r.item_id, i.field, "", "",
                       f"{ACTION_WARNING}: {f.message}"[:250])
        return r
