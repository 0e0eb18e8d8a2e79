"""What an import of the appendix understood, in words an official checks against the plan.

``intake_summary`` turns the imported tasks and the import findings into plain
(label, value) lines: tasks per section and in total, what was skipped and why,
deadlines without a date (conditional or not understood), unit names that match
no unit.  ``khoi-tao`` prints them and the master keeps them on the sheet
"Nhập liệu" (with every finding), so a lost row stays visible after the import.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from cchc_xl.core.deadlines import parse_deadline
from cchc_xl.core.findings import catalog
from cchc_xl.core.models import DeadlineKind, Finding, Task
from cchc_xl.core.units import UnitRegistry

# findings that mean "something in the source was not taken as a task"
SKIP_CODES: tuple[str, ...] = tuple(t.code for t in (
    catalog.TABLE_SKIPPED, catalog.TEXT_BETWEEN_TABLES, catalog.ORPHAN_ROW, catalog.NUMBER_ONLY_ROW,
    catalog.SECTION_STRAY, catalog.TRAILING_CONFLICT))
UNIT_FIELDS: tuple[tuple[str, str], ...] = (("lead", "Chủ trì"), ("partners", "Phối hợp"),
                                            ("monitor", "Theo dõi"))


@dataclass
class Intake:
    """Summary lines (label, value) and the findings of one import."""

    source: str
    lines: list[tuple[str, str]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join(f"{label}: {value}" if value else label for label, value in self.lines)


def _ids(ids: list[str], limit: int = 12) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" và {len(ids) - limit} nhiệm vụ khác" if len(ids) > limit else "")


def intake_summary(source: str, tasks: list[Task], findings: list[Finding], sections: dict[str, str],
                   *, year: int, registry: UnitRegistry, tables: list[str] | None = None) -> Intake:
    """The summary of an import (see the module docstring)."""
    out = Intake(source=source, findings=list(findings))
    add = out.lines.append
    add(("Tệp phụ lục", source))
    if tables:
        add(("Bảng đã đọc", ", ".join(tables)))
    add(("Tổng số nhiệm vụ", str(len(tasks))))
    per = Counter(t.section for t in tasks)
    for roman in dict.fromkeys([*sections, *per]):
        name = sections.get(roman, "")
        add((f"  Phần {roman or '(chưa có phần)'}" + (f" - {name}" if name else ""), f"{per.get(roman, 0)} nhiệm vụ"))
    skipped = [f for f in findings if f.code in SKIP_CODES and not f.task_id]   # task_id: the row was kept
    add(("Bỏ qua (không phải nhiệm vụ)", f"{len(skipped)} mục" if skipped else "không có"))
    for f in skipped:
        add((f"  {', '.join(x for x in (f.sheet, f.cell) if x) or source}", f.message))
    conditional, undated, missing = [], [], []
    for t in tasks:
        if t.due is not None:
            continue
        kind = parse_deadline(t.deadline_text, year).kind
        (conditional if kind == DeadlineKind.CONDITIONAL else
         missing if not t.deadline_text else undated).append(t.id)
    add(("Hạn theo điều kiện (không có ngày)", f"{len(conditional)}: {_ids(conditional)}" if conditional
         else "không có"))
    add(("Không hiểu thời gian hoàn thành", f"{len(undated)}: {_ids(undated)}" if undated else "không có"))
    if missing:
        add(("Không có thời gian hoàn thành", f"{len(missing)}: {_ids(missing)}"))
    unknown: dict[str, list[str]] = {}
    for t in tasks:
        for key, label in UNIT_FIELDS:
            for name in registry.resolve(getattr(t, key))[1]:
                unknown.setdefault(f"'{name}' ({label})", []).append(t.id)
    add(("Đơn vị không nhận ra", f"{len(unknown)} tên" if unknown else "không có"))
    for name, ids in unknown.items():
        add((f"  {name}", _ids(list(dict.fromkeys(ids)))))
    counts = Counter(f.severity for f in findings)
    add(("Thông báo khi đọc", f"{counts['error']} lỗi, {counts['warning']} cảnh báo, {counts['info']} thông tin"))
    return out
