"""Validation rules for the master workbook (tasks, index scores, remediation).

Every rule returns ``models.Finding`` objects with a Vietnamese message; when a
row map is given (``MasterData.rows[sheet]``) the finding names the cell.  The
rules work on a bare ``Plan`` too (no file: the message still names the task,
area or criterion).

Severity: "error" = wrong data that must be fixed; "warning" = probably wrong or
needs attention (overdue, missing due date); "info" = worth a look.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Iterable, Mapping

from cchc_xl.core.indicators import check_sheet as check_indicator_sheet
from cchc_xl.core import schema as S
from cchc_xl.core.compute import passed_milestones, task_state
from cchc_xl.core.findings import FindingType, catalog
from cchc_xl.core.deadlines import parse_deadline
from cchc_xl.core.records import MasterData
from cchc_xl.core.safety import looks_like_formula_injection  # one rule for every reader and writer
from cchc_xl.core.models import (AREA_SHORT, Area, DeadlineKind, Finding, IndexArea, IndexCriterion, Plan,
                     RemediationItem, Status, Task)
from cchc_xl.core.text import fold, format_date, format_number
from cchc_xl.core.units import UnitRegistry
from cchc_xl.core.tracking_rules import plan_period_start, row_issues

TOLERANCE = 0.005
RowMap = Mapping[str, int]

# ---------------------------------------------------------------- helpers

_date = format_date


def _n(x: float | None) -> str:
    return format_number(round(x, 4) if x is not None else None)


class _Locator:
    """Builds findings for one sheet, naming cells through the row map."""

    def __init__(self, sheet: str, columns: tuple[S.Column, ...], rows: RowMap | None, file: str):
        self.sheet, self.columns, self.rows, self.file = sheet, columns, rows or {}, file
        self.has_file = rows is not None

    def sheet_name(self, sheet: str) -> str:
        return sheet if self.has_file else ""

    def cell(self, key: str, column: str) -> str:
        row = self.rows.get(key)
        return f"{S.col_letter(self.columns, column)}{row}" if row else ""

    def f(self, ftype: FindingType, key: str, column: str, *, task_id: str = "", **params: object) -> Finding:
        """A finding of ``ftype`` located at the cell (row of ``key``, ``column``) of this sheet."""
        return ftype(file=self.file, sheet=self.sheet if self.has_file else "", cell=self.cell(key, column),
                     task_id=task_id, **params)


def _tracking_rules(item: Task | RemediationItem, loc: _Locator, label: str, as_of: dt.date,
                    earliest: dt.date | None, year: int | None = None,
                    plan_date: dt.date | None = None) -> list[Finding]:
    """Status / progress / completion date consistency (tasks and remediation items): the
    rules of ``core.tracking_rules``, the same Tổng hợp applies to a returned row."""
    issues = row_issues(label, item.status, item.progress, item.completed_on, as_of=as_of, year=year,
                        earliest=earliest, plan_date=plan_date)
    return [i.finding(file=loc.file, sheet=loc.sheet if loc.has_file else "", cell=loc.cell(item.id, i.field),
                      task_id=item.id) for i in issues]


def _injection_rules(item: object, fields: Iterable[str], loc: _Locator, label: str) -> list[Finding]:
    out = []
    for f in fields:
        value = getattr(item, f, "")
        if looks_like_formula_injection(value):
            out.append(loc.f(catalog.FORMULA_INJECTION, getattr(item, "id", ""), f,
                             task_id=getattr(item, "id", ""), item=label, value=str(value)[:40]))
    return out


def _overdue(due: dt.date | None, as_of: dt.date, loc: _Locator, key: str, label: str) -> list[Finding]:
    days = (as_of - due).days if due else 0
    if days <= 0:
        return []
    return [loc.f(catalog.OVERDUE, key, "due", task_id=key, item=label, days=days, due=_date(due))]


# ---------------------------------------------------------------- tasks

_TASK_TEXT = ("id", "title", "product", "deadline_text", "lead", "partners", "monitor", "evidence",
              "note")




def validate_tasks(plan: Plan, rows: RowMap | None = None, *, as_of: dt.date | None = None,
                   file: str = "") -> list[Finding]:
    """Task rules (sheet "Phân công"); ``rows`` = task id -> worksheet row."""
    as_of = as_of or dt.date.today()
    loc = _Locator(S.SHEET_TASKS, S.TASK_COLUMNS, rows, file)
    out: list[Finding] = []
    registry = UnitRegistry(plan.units) if plan.units else None
    if not plan.tasks:
        out.append(catalog.NO_TASKS(file=file, sheet=loc.sheet_name(S.SHEET_TASKS),
                                    cell=f"A{S.FIRST_DATA_ROW}" if loc.has_file else ""))
    if registry is None and plan.tasks:
        out.append(catalog.NO_UNITS(file=file, sheet=loc.sheet_name(S.SHEET_UNITS)))
    seen: set[str] = set()
    for t in plan.tasks:
        label = f"Nhiệm vụ {t.id}"
        if t.id in seen:
            out.append(loc.f(catalog.DUPLICATE_ID, t.id, "id", task_id=t.id, kind="nhiệm vụ", id=t.id, first=""))
            continue
        seen.add(t.id)
        out += _tracking_rules(t, loc, label, as_of, plan_period_start(plan.info.year), plan.info.year,
                               plan.info.plan_date)
        out += _lead_rules(t, registry, loc, label)
        out += _due_rules(t, plan.info.year, as_of, loc, label)
        out += _injection_rules(t, _TASK_TEXT, loc, label)
    return out


def _lead_rules(t: Task, registry: UnitRegistry | None, loc: _Locator, label: str) -> list[Finding]:
    if not t.lead and not t.lead_units:
        return [loc.f(catalog.MISSING_LEAD, t.id, "lead", task_id=t.id, item=label)]
    if registry is None:
        return []
    bad = [c for c in t.lead_units if c not in registry.by_code]
    if bad:
        return [loc.f(catalog.UNKNOWN_UNIT_CODE, t.id, "lead_units", task_id=t.id, item=label,
                      codes="; ".join(bad))]
    if t.lead_units or not t.lead:
        return []
    codes, unknown = registry.resolve(t.lead)
    if unknown:
        names = "; ".join(f"'{u}'" for u in unknown)
        return [loc.f(catalog.UNKNOWN_LEAD, t.id, "lead", task_id=t.id, item=label, names=names)]
    return [loc.f(catalog.LEAD_UNITS_MISSING, t.id, "lead_units", task_id=t.id, item=label,
                  codes="; ".join(codes))]


def _due_rules(t: Task, year: int, as_of: dt.date, loc: _Locator, label: str) -> list[Finding]:
    if t.status == Status.CANCELLED:
        return []
    if t.due is None:
        dl = parse_deadline(t.deadline_text, year)
        if dl.kind in (DeadlineKind.RECURRING, DeadlineKind.CONDITIONAL):
            return []
        if dl.due is not None:
            return [loc.f(catalog.MISSING_DUE_SUGGESTED, t.id, "due", task_id=t.id, item=label, text=dl.text,
                          due=_date(dl.due))]
        if t.deadline_text:
            return [loc.f(catalog.DEADLINE_UNPARSED, t.id, "due", task_id=t.id, item=label,
                          text=t.deadline_text, due_column=S.header_of(S.TASK_COLUMNS, "due"))]
        return [loc.f(catalog.MISSING_DUE, t.id, "due", task_id=t.id, item=label)]
    if task_state(t, as_of) == "overdue":
        return _overdue(t.due, as_of, loc, t.id, f"{label} ({t.status.value})")
    return [catalog.MILESTONE_PASSED(task=t.id, status=t.status.value, label=m.label or "(không tên)",
                                     due=m.due, as_of=as_of, file=loc.file, sheet=loc.sheet_name(loc.sheet),
                                     cell=loc.cell(t.id, "deadline_text"), task_id=t.id)
            for m in passed_milestones(t, as_of)]


# ---------------------------------------------------------------- index

def _area_label(a: Area, names: Mapping[Area, str]) -> str:
    return f"Lĩnh vực {a.value} ({names.get(a) or AREA_SHORT[a]})"


def _score_rules(item: IndexArea | IndexCriterion, label: str, loc: _Locator, key: str) -> list[Finding]:
    """Negative values, appraised/deducted above max, deducted != max - appraised."""
    out: list[Finding] = []
    mx, ap, de = item.max_points, item.appraised, item.deducted
    for col, v, what in (("max_points", mx, "điểm tối đa"), ("appraised", ap, "điểm thẩm định"),
                         ("deducted", de, "điểm bị trừ")):
        if v is not None and v < 0:
            out.append(loc.f(catalog.NEGATIVE_POINTS, key, col, item=label, what=what, value=_n(v)))
    if mx is None:
        return out
    if ap is not None and ap > mx + TOLERANCE:
        out.append(loc.f(catalog.APPRAISED_GT_MAX, key, "appraised", item=label, appraised=_n(ap), max=_n(mx)))
    if de is not None and de > mx + TOLERANCE:
        out.append(loc.f(catalog.DEDUCTION_GT_MAX, key, "deducted", item=label, deducted=_n(de), max=_n(mx)))
    elif de is not None and ap is not None and abs(de - (mx - ap)) > TOLERANCE:
        out.append(loc.f(catalog.DEDUCTION_MISMATCH, key, "deducted", item=label, deducted=_n(de), max=_n(mx),
                         appraised=_n(ap), expected=_n(mx - ap)))
    return out


def _area_deduction(a: IndexArea) -> float | None:
    if a.deducted is not None:
        return a.deducted
    return a.max_points - a.appraised if a.appraised is not None else None


class _SourceLocator(_Locator):
    """Findings located in a document being imported: ``cells`` maps "area:<n>" / "crit:<i>"
    to {field: cell of the document} (its own columns, not those of "Chỉ số CCHC")."""

    def __init__(self, sheet: str, cells: Mapping[str, Mapping[str, str]] | None, file: str):
        super().__init__(sheet, S.INDEX_COLUMNS, {}, file)
        self.has_file, self.cells = True, cells or {}

    def cell(self, key: str, column: str) -> str:
        return self.cells.get(key, {}).get(column, "")


def validate_index(plan: Plan, rows: RowMap | None = None, *, file: str = "") -> list[Finding]:
    """Index rules (sheet "Chỉ số CCHC"); ``rows``: "area:<n>" / "crit:<i>" -> worksheet row."""
    if not plan.index_areas and not plan.index_criteria:
        return []
    return _index_rules(plan.index_areas, plan.index_criteria, _Locator(S.SHEET_INDEX, S.INDEX_COLUMNS, rows, file))


def validate_index_source(areas: list[IndexArea], criteria: list[IndexCriterion], *, file: str = "",
                          sheet: str = "", cells: Mapping[str, Mapping[str, str]] | None = None) -> list[Finding]:
    """The rules of ``validate_index`` (what ``kiem-tra`` reports) on scores read from a
    document, located at the document's cells (``cells``: "area:<n>" / "crit:<i>", the
    criterion's position in ``criteria`` -> {field: cell})."""
    if not areas and not criteria:
        return []
    return _index_rules(areas, criteria, _SourceLocator(sheet, cells, file))


def _index_rules(areas: list[IndexArea], criteria: list[IndexCriterion], loc: _Locator) -> list[Finding]:
    names = {a.area: a.name for a in areas}
    out: list[Finding] = []
    by_area: dict[Area, list[IndexArea]] = defaultdict(list)
    for a in areas:
        by_area[a.area].append(a)
    for area, items in by_area.items():
        if len(items) > 1:
            out.append(loc.f(catalog.DUPLICATE_AREA, f"area:{area.value}", "area",
                             item=_area_label(area, names), count=len(items)))
    for a in areas:
        out += _score_rules(a, _area_label(a.area, names), loc, f"area:{a.area.value}")
    for i, c in enumerate(criteria):
        label = f"{_area_label(c.area, names)}, tiêu chí '{c.name}'"
        out += _score_rules(c, label, loc, f"crit:{i}")
        if c.deducted is None and (c.max_points is None or c.appraised is None):
            out.append(loc.f(catalog.CRITERION_NO_DEDUCTION, f"crit:{i}", "deducted", item=label))
    out += _area_sum_rules(areas, criteria, loc, names)
    out += _duplicate_criteria(criteria, loc, names)
    out += _total_rules(areas, loc, names)
    return out


def _criterion_deduction(c: IndexCriterion) -> float | None:
    if c.deducted is not None:
        return c.deducted
    if c.max_points is not None and c.appraised is not None:
        return c.max_points - c.appraised
    return None


def _area_sum_rules(areas: list[IndexArea], criteria: list[IndexCriterion], loc: _Locator,
                    names: Mapping[Area, str]) -> list[Finding]:
    """Sum of the criteria deductions of an area vs the area's deduction."""
    out: list[Finding] = []
    for a in areas:
        crits = [c for c in criteria if c.area == a.area]
        total = _area_deduction(a)
        if not crits or total is None:
            continue
        known = [d for d in map(_criterion_deduction, crits) if d is not None]
        unknown = len(crits) - len(known)
        s = round(sum(known), 4)
        diff = round(s - total, 4)
        label, key = _area_label(a.area, names), f"area:{a.area.value}"
        if abs(diff) <= TOLERANCE:
            continue
        if unknown and diff < 0:
            out.append(loc.f(catalog.AREA_SUM_INCOMPLETE, key, "deducted", item=label, known=len(known),
                             sum=_n(s), total=_n(total), diff=_n(-diff), unknown=unknown))
        else:
            out.append(loc.f(catalog.AREA_SUM_MISMATCH, key, "deducted", item=label, count=len(crits),
                             sum=_n(s), total=_n(total), diff=_n(abs(diff))))
    return out


def _duplicate_criteria(criteria: list[IndexCriterion], loc: _Locator,
                        names: Mapping[Area, str]) -> list[Finding]:
    """The same criterion listed twice (e.g. copied from another area)."""
    first: dict[str, tuple[int, IndexCriterion]] = {}
    out: list[Finding] = []
    for i, c in enumerate(criteria):
        k = fold(c.name)
        if not k:
            continue
        if k in first:
            _, other = first[k]
            where = ("cùng lĩnh vực" if other.area == c.area
                     else f"cũng có ở {_area_label(other.area, names)}")
            out.append(loc.f(catalog.DUPLICATE_CRITERION, f"crit:{i}", "name", area=_area_label(c.area, names),
                             criterion=c.name, where=where))
        else:
            first[k] = (i, c)
    return out


def _area_inconsistent(a: IndexArea) -> bool:
    return (a.deducted is not None and a.appraised is not None
            and abs(a.deducted - (a.max_points - a.appraised)) > TOLERANCE)


def _total_rules(areas: list[IndexArea], loc: _Locator, names: Mapping[Area, str]) -> list[Finding]:
    """Missing areas, total max != 100, total deduction vs total max - total appraised."""
    out: list[Finding] = []
    present = {a.area for a in areas}
    for a in Area:
        if a not in present:
            out.append(loc.f(catalog.AREA_MISSING, "", "area", area=_area_label(a, names)))
    total_max = round(sum(a.max_points for a in areas), 4)
    if areas and abs(total_max - 100) > TOLERANCE:
        out.append(loc.f(catalog.TOTAL_MAX, "", "max_points", total=_n(total_max)))
    written = [a.deducted for a in areas]
    if areas and not any(map(_area_inconsistent, areas)) and all(d is not None for d in written) and all(
            a.appraised is not None for a in areas):
        s = round(sum(written), 4)  # type: ignore[arg-type]
        calc = round(total_max - sum(a.appraised for a in areas), 4)  # type: ignore[misc]
        if abs(s - calc) > TOLERANCE:
            out.append(loc.f(catalog.TOTAL_DEDUCTION, "", "deducted", deducted=_n(s), expected=_n(calc)))
    return out


# ---------------------------------------------------------------- remediation

_REM_TEXT = ("id", "criterion", "solution", "deadline_text", "lead", "partners", "evidence", "note")


def validate_remediation(plan: Plan, rows: RowMap | None = None, *, index_rows: RowMap | None = None,
                         as_of: dt.date | None = None, file: str = "") -> list[Finding]:
    """Remediation rules (sheet "Khắc phục"); ``rows`` = item id -> row, ``index_rows`` as above."""
    as_of = as_of or dt.date.today()
    loc = _Locator(S.SHEET_REMEDIATION, S.REMEDIATION_COLUMNS, rows, file)
    iloc = _Locator(S.SHEET_INDEX, S.INDEX_COLUMNS, index_rows, file)
    names = {a.area: a.name for a in plan.index_areas}
    out: list[Finding] = []
    covered = {r.area for r in plan.remediation}
    for a in sorted(plan.index_areas, key=lambda x: int(x.area.value)):
        d = _area_deduction(a)
        if d is not None and d > TOLERANCE and a.area not in covered:
            out.append(iloc.f(catalog.NO_REMEDIATION, f"area:{a.area.value}", "deducted",
                              area=_area_label(a.area, names), deducted=_n(d), target=S.SHEET_REMEDIATION))
    seen: set[str] = set()
    for r in plan.remediation:
        label = f"Khắc phục {r.id}"
        if r.id in seen:
            out.append(loc.f(catalog.DUPLICATE_ID, r.id, "id", task_id=r.id, kind="khắc phục", id=r.id, first=""))
            continue
        seen.add(r.id)
        out += _criterion_match(r, plan, loc, label, names)
        out += _tracking_rules(r, loc, label, as_of, None)
        out += _injection_rules(r, _REM_TEXT, loc, label)
    return out


def _criterion_match(r: RemediationItem, plan: Plan, loc: _Locator, label: str,
                     names: Mapping[Area, str]) -> list[Finding]:
    """A remediation item should point at a criterion (or area) that lost points."""
    if not r.criterion:
        area = next((a for a in plan.index_areas if a.area == r.area), None)
        d = _area_deduction(area) if area else None
        if area is not None and (d is None or d <= TOLERANCE):
            return [loc.f(catalog.REMEDIATION_NOT_DEDUCTED, r.id, "area", task_id=r.id, item=label,
                          what=_area_label(r.area, names))]
        return []
    match = [c for c in plan.index_criteria if c.area == r.area and fold(c.name) == fold(r.criterion)]
    if not match:
        if not plan.index_criteria:
            return []
        return [loc.f(catalog.REMEDIATION_UNKNOWN_CRITERION, r.id, "criterion", task_id=r.id, item=label,
                      criterion=r.criterion, area=_area_label(r.area, names))]
    d = _criterion_deduction(match[0])
    if d is not None and d <= TOLERANCE:
        return [loc.f(catalog.REMEDIATION_NOT_DEDUCTED, r.id, "criterion", task_id=r.id, item=label,
                      what=f"tiêu chí '{r.criterion}'")]
    if r.deducted is not None and match[0].deducted is not None and abs(r.deducted - match[0].deducted) > TOLERANCE:
        return [loc.f(catalog.REMEDIATION_DEDUCTION, r.id, "deducted", task_id=r.id, item=label,
                      deducted=_n(r.deducted), target=S.SHEET_INDEX, expected=_n(match[0].deducted))]
    return []


# ---------------------------------------------------------------- everything

def validate_plan(plan: Plan, *, as_of: dt.date | None = None) -> list[Finding]:
    """All rules on a plan without a file (no cell references)."""
    return (validate_tasks(plan, as_of=as_of) + validate_index(plan)
            + validate_remediation(plan, as_of=as_of))


def validate_master(data: MasterData, as_of: dt.date | None = None,
                    include_read_findings: bool = True) -> list[Finding]:
    """All rules on a read master; also returns ``data.findings`` (reading problems) first.

    A duplicate task id is reported once (by ``read_master``, which keeps the first row).
    """
    file = Path(data.path).name if data.path else ""
    if not file and data.findings:
        file = data.findings[0].file
    plan = data.plan
    out = list(data.findings) if include_read_findings else []
    out += validate_tasks(plan, data.rows.get(S.SHEET_TASKS, {}), as_of=as_of, file=file)
    out += validate_index(plan, data.rows.get(S.SHEET_INDEX, {}), file=file)
    out += validate_remediation(plan, data.rows.get(S.SHEET_REMEDIATION, {}),
                                index_rows=data.rows.get(S.SHEET_INDEX, {}), as_of=as_of, file=file)
    out += validate_links(plan, data.rows, file=file)
    out += check_indicator_sheet(data.indicators, file=file)      # sheet "Số liệu"
    out += data.history.findings                                  # sheet "Lịch sử"
    return _dedupe(out)


def validate_links(plan: Plan, rows: dict[str, RowMap], file: str = "") -> list[Finding]:
    """Codes in the "Tiêu chí" cells that no criterion of "Chỉ số CCHC" (with a maximum) carries:
    such a link never counts in the points at risk (``compute.points_at_risk``)."""
    from cchc_xl.core.compute import split_codes
    from cchc_xl.core.findings import catalog

    if not plan.index_criteria:
        return []
    known = {c.code.replace(" ", "") for c in plan.index_criteria if c.code and c.max_points is not None}
    out: list[Finding] = []
    for sheet, columns, items, key in ((S.SHEET_TASKS, S.TASK_COLUMNS, plan.tasks, "criteria"),
                                       (S.SHEET_REMEDIATION, S.REMEDIATION_COLUMNS, plan.remediation,
                                        "criterion_code")):
        loc = _Locator(sheet, columns, rows.get(sheet), file)
        for item in items:
            for code in split_codes(getattr(item, key)):
                if code not in known:
                    out.append(catalog.LINK_UNKNOWN_CODE(item=item.id, code=code, file=file,
                                                         sheet=loc.sheet_name(sheet), cell=loc.cell(item.id, key),
                                                         task_id=item.id))
    return out


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, str, str]] = set()
    out = []
    for f in findings:
        k = (f.code, f.sheet, f.cell, f.message)
        if k not in seen:
            seen.add(k)
            out.append(f)
    return out
