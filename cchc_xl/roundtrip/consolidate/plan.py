"""What a Tổng hợp run changes, and how it is told: the plan and its parts.

``ConsolidationPlan`` is what ``merge.plan_consolidation`` produces and ``write`` applies
(cell changes, unit-report rows, audit rows, conflicts, rejections, per-file summaries);
``ConsolidationResult`` is what ``consolidate`` returns.  ``MasterState`` and
``AuditIndex`` are what the merge reads from the master (``state``).  The Vietnamese
labels written to "Nhật ký" and the summaries shown to the official are here too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from cchc_xl.core import schema as S
from cchc_xl.core.findings import catalog
from cchc_xl.core.models import Finding
from cchc_xl.core.records import MasterData
from cchc_xl.roundtrip.bases import AppliedFiles, BaseStore, ReturnStamp
from cchc_xl.core.tracking import FIELD_LABELS, TRACKING_KEYS, cell_value

Progress = Callable[[int, int, str], None]

ACTION_UPDATED = "Đã cập nhật"
ACTION_CONFLICT = "Xung đột"
ACTION_REJECTED = "Từ chối"
ACTION_FILE_DONE = "Đã tổng hợp tệp"
ACTION_FILE_REJECTED = "Từ chối tệp"

STATUS_DONE = "Đã tổng hợp"
STATUS_REJECTED = "Từ chối"
STATUS_SEEN = "Đã tổng hợp trước đó"
STATUS_SUPERSEDED = "Bỏ qua (có phiếu mới hơn)"
STATUS_AS_ISSUED = "Không tính (giống phiếu gửi đi)"
ACTION_WARNING = "Cảnh báo"

DERIVED_SUFFIX = " (tổng hợp các đơn vị)"
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
    theirs: str    # value sent by the unit (``derived``: derived from the units' reports after its file)
    base: str      # value when the workbook was sent
    # a master row of several units, derived from their reports: the unit did not send ``theirs``
    derived: bool = False

    @property
    def header(self) -> str:
        return FIELD_LABELS.get(self.column_key, self.column_key) + (DERIVED_SUFFIX if self.derived else "")

    def message(self) -> str:
        ftype = catalog.RETURN_CONFLICT_DERIVED if self.derived else catalog.RETURN_CONFLICT
        return ftype.message(item=self.item_id, header=self.header, mine=self.mine, unit=self.unit,
                             theirs=self.theirs, base=self.base)


@dataclass
class Rejection:
    file: str
    reason: str
    unit: str = ""
    sheet: str = ""
    cell: str = ""
    item_id: str = ""
    whole_file: bool = False
    code: str = ""          # the catalogue code of the reason ("return_row_invalid"...)

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
    period: str = ""                # what the file's "_meta" says (for "Tình hình gửi phiếu")
    version: int | None = None


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


class AuditIndex:
    """What earlier runs did: ``files`` (SHA-256 of a returned file -> the results logged for
    it) and ``last_applied`` ((unit, item id, field) -> the value last applied from that unit,
    as displayed: the merge base of items the master keeps no base record for).

    ``last_applied`` may come from ``loader``, called on first use only: the master's
    "Nhật ký" is then read back only when an item without a base record is merged.
    """

    def __init__(self, files: dict[str, list[str]] | None = None,
                 last_applied: dict[tuple[str, str, str], str] | None = None,
                 loader: Callable[[], dict[tuple[str, str, str], str]] | None = None):
        self.files = files if files is not None else {}
        self._last_applied = last_applied
        self._loader = loader

    @property
    def last_applied(self) -> dict[tuple[str, str, str], str]:
        if self._last_applied is None:
            self._last_applied = self._loader() if self._loader is not None else {}
            self._loader = None
        return self._last_applied

    @property
    def loaded(self) -> bool:
        """Whether ``last_applied`` is known (read, or given)."""
        return self._last_applied is not None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AuditIndex):
            return NotImplemented
        return self.files == other.files and self.last_applied == other.last_applied

    def __repr__(self) -> str:
        return f"AuditIndex(files={len(self.files)}, last_applied={'?' if not self.loaded else len(self._last_applied)})"


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
    # the merge base kept in the master ("_meta" D:G) and the last return applied per unit
    bases: BaseStore = field(default_factory=BaseStore)
    applied: AppliedFiles = field(default_factory=AppliedFiles)   # files dealt with ("_meta" I:J)
    returns: dict[str, ReturnStamp] = field(default_factory=dict)
    meta_rows: list[tuple[Any, ...]] = field(default_factory=list)
    # {sheet: addresses} of the master's cells holding a formula (read from the file; a live
    # Book gives none): the official's formulas are never written over
    formula_cells: dict[str, frozenset[str]] = field(default_factory=dict)
    # {sheet: {address: "#REF!"}} of the master's written sheets holding an Excel error value
    # (python-calamine reads them as empty): never taken for a value, never written over
    error_cells: dict[str, dict[str, str]] = field(default_factory=dict)


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
    edited_rows: int = 0          # rows a file changed (merged: applied, or held by a conflict)
    held_rows: int = 0            # of those, rows not applied (conflict, formula or error cell)
    next_rows: dict[str, int] = field(default_factory=dict)
    as_of: dt.date | None = None

    @property
    def unit_report_upserts(self) -> list[CellChange | UnitReportRow]:
        """Changed cells of existing "Báo cáo đơn vị" rows plus the rows to append."""
        return [c for c in self.changes if c.sheet == S.SHEET_UNIT_REPORTS] + list(self.new_unit_reports)

    @property
    def master_changes(self) -> list[CellChange]:
        """Changed cells an official reads (not "Báo cáo đơn vị", not the hidden "_meta")."""
        return [c for c in self.changes if c.sheet not in (S.SHEET_UNIT_REPORTS, S.SHEET_META)]

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


# ================================================================= summaries

SUMMARY_HEADERS = ("Tệp", "Đơn vị", "Kết quả", "Cập nhật", "Xung đột", "Từ chối", "Ghi chú")


def changes_line(plan: ConsolidationPlan) -> str:
    """What was written and what was read, counted so that it adds up: the master's cells (a cell
    several files changed counts once), the units' report rows, the rows the files changed and
    those they left as sent."""
    reports = len(plan.unit_report_upserts)
    per_file = sum(f.updated for f in plan.files)
    text = f"cập nhật {len(plan.master_changes)} ô trong sổ"
    if reports:
        text += f" và {reports} ô/dòng trang '{S.SHEET_UNIT_REPORTS}'"
    if per_file != len(plan.master_changes) + reports:
        text += f" ({per_file} thay đổi theo từng tệp: một ô có thể do nhiều tệp cập nhật)"
    return (text + f"; {plan.edited_rows} dòng đơn vị đã sửa ({plan.held_rows} dòng trong đó chưa cập nhật), "
            f"{plan.unchanged} dòng không thay đổi")


def summary_rows(plan: ConsolidationPlan) -> list[list[str]]:
    return [[f.file, f.unit, f.status, str(f.updated), str(f.conflicts), str(f.rejected), f.reason]
            for f in plan.files]


def summary_text(plan: ConsolidationPlan) -> str:
    """Vietnamese summary: one line per file, then conflicts and rejections."""
    lines = [f"TỔNG HỢP PHIẾU ĐƠN VỊ: {len(plan.files)} tệp; {changes_line(plan)}; "
             f"{len(plan.conflicts)} xung đột, {len(plan.rejections)} từ chối."]
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
