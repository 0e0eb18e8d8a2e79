"""Data of the periodic CCHC report (pure Python, no file I/O).

``build_report(plan, period)`` computes everything the report sheet and the
Word draft show, as of the period's data cut-off (``period.end``), with the
definitions of :mod:`cchc_xl.core.compute` (the dashboard formulas use the same).
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable

from pydantic import BaseModel, Field

from cchc_xl.core import compute
from cchc_xl.core.models import AREA_SHORT, Area, Finding, Plan, PlanInfo, RemediationItem, Status, Task
from cchc_xl.core.periods import ReportingPeriod
from cchc_xl.core.rounding import percent
from cchc_xl.core.history import History, Snapshot, describe
from cchc_xl.core.history import take as take_snapshot
from cchc_xl.core.indicators import IndicatorSheet, check_across, check_period
from cchc_xl.report.periodic import SOURCE_LIVE, IndicatorText, TrendRow, indicator_text, trend_rows
from cchc_xl.core.text import format_date, format_number

TOLERANCE = 0.005   # two deductions closer than this are "equal" (published with 2 decimals)

# The two "done in the period" figures, worded the same in the sheet, the Word draft and the CLI:
# tasks whose completion date lies in the period, and done tasks without a completion date (they
# cannot be placed in any period, so they are counted apart rather than dropped).  The trend's
# difference of cumulative counts is ``periodic.GAINED_LABEL``.
DONE_IN_PERIOD_LABEL = "Hoàn thành trong kỳ báo cáo (theo ngày hoàn thành)"
DONE_UNDATED_LABEL = "Đã hoàn thành nhưng chưa ghi ngày hoàn thành (không xếp được vào kỳ nào)"


class CountRow(BaseModel):
    """Counts of one unit / area (or of the whole plan)."""

    key: str
    name: str
    total: int = 0          # counted tasks (cancelled excluded)
    done: int = 0
    in_progress: int = 0
    not_started: int = 0
    overdue: int = 0
    cancelled: int = 0
    percent: float | None = None   # 0..100, 2 decimals; None when nothing is counted


class TaskLine(BaseModel):
    """One task as shown in the report."""

    id: str
    area: Area
    title: str
    lead: str = ""
    deadline_text: str = ""
    due: dt.date | None = None
    state: compute.State
    state_label: str
    progress: float = 0.0
    completed_on: dt.date | None = None
    days_late: int | None = None   # for overdue tasks
    evidence: str = ""


class DeductionRow(BaseModel):
    """Index score of one area with the consistency check of its deduction."""

    area: Area
    name: str
    max_points: float
    appraised: float | None = None
    deducted: float | None = None            # as written in the source
    deducted_calc: float | None = None       # max - appraised
    criteria_deducted: float | None = None   # sum over the area's criteria
    check: str = ""                          # Vietnamese remark when something does not add up

    @property
    def effective(self) -> float | None:
        """Deduction to report: computed when possible, else as written."""
        return self.deducted_calc if self.deducted_calc is not None else self.deducted


class RemediationRow(BaseModel):
    """Remediation items of one area (or all): counts as of the cut-off."""

    key: str
    name: str
    total: int = 0          # not cancelled
    done: int = 0
    in_progress: int = 0
    not_started: int = 0
    cancelled: int = 0
    percent: float | None = None


class RemediationLine(BaseModel):
    id: str
    area: Area
    criterion: str = ""
    solution: str = ""
    lead: str = ""
    deadline_text: str = ""
    state_label: str = ""
    progress: float = 0.0


class RiskLine(BaseModel):
    """A criterion whose points are at risk (``compute.points_at_risk``)."""

    area: Area
    code: str
    name: str = ""
    points: float
    late: list[str] = Field(default_factory=list)      # ids of the overdue tasks / remediation items


class Narrative(BaseModel):
    """Vietnamese sentences for the report (seed 003 style)."""

    plan: str
    completion: str
    breakdown: str = ""
    period_done: str = ""
    overdue: str = ""
    index: str = ""
    remediation: str = ""
    risk: str = ""

    def sentences(self) -> list[str]:
        return [s for s in (self.plan, self.completion, self.breakdown, self.period_done,
                            self.overdue, self.index, self.remediation, self.risk) if s]


class QuarterlyReport(BaseModel):
    """Everything shown in the periodic report."""

    info: PlanInfo
    period: ReportingPeriod
    next_period: ReportingPeriod
    as_of: dt.date
    summary: CountRow
    by_unit: list[CountRow] = Field(default_factory=list)
    by_area: list[CountRow] = Field(default_factory=list)
    tasks: list[TaskLine] = Field(default_factory=list)
    completed_in_period: list[TaskLine] = Field(default_factory=list)   # completion date in the period
    done_undated: list[TaskLine] = Field(default_factory=list)          # done, no completion date
    overdue_tasks: list[TaskLine] = Field(default_factory=list)
    upcoming: list[TaskLine] = Field(default_factory=list)
    deductions: list[DeductionRow] = Field(default_factory=list)
    index_max: float | None = None
    index_appraised: float | None = None
    index_deducted: float | None = None
    remediation_by_area: list[RemediationRow] = Field(default_factory=list)
    remediation_total: RemediationRow
    remediation_open: list[RemediationLine] = Field(default_factory=list)
    points_at_risk: list[RiskLine] = Field(default_factory=list)
    risk_total: float = 0.0
    narrative: Narrative
    # across periods and "Số liệu" (report.periodic)
    trend: list[TrendRow] = Field(default_factory=list)
    source: str = SOURCE_LIVE                     # "chốt lúc …" when built from a snapshot
    indicators: dict[str, float] = Field(default_factory=dict)
    indicator_text: IndicatorText = Field(default_factory=IndicatorText)
    indicator_findings: list[Finding] = Field(default_factory=list)
    indicator_cells: dict[str, str] = Field(default_factory=dict)   # key -> cell on "Số liệu"

    @property
    def closed(self) -> bool:
        """Built from the period's snapshot (sheet "Lịch sử")."""
        return self.source != SOURCE_LIVE

    def tasks_of(self, area: Area) -> list[TaskLine]:
        return [t for t in self.tasks if t.area == area]

    def area_row(self, area: Area) -> CountRow | None:
        return next((r for r in self.by_area if r.key == area.value), None)


# ---------------------------------------------------------------- helpers

def fmt_date(day: dt.date | None) -> str:
    """dd/mm/yyyy ("" for None)."""
    return format_date(day)


def fmt_pct(value: float | None) -> str:
    """Percent 0..100 -> "95,35%" ("" for None)."""
    return "" if value is None else format_number(value, 2) + "%"


def fmt_points(value: float | None) -> str:
    return format_number(value, 2)


def _pct(done: int, total: int) -> float | None:
    return percent(done, total)


def _lead_text(task: Task, unit_names: dict[str, str]) -> str:
    if task.lead:
        return task.lead
    return "; ".join(unit_names.get(c, c) for c in task.lead_units)


def task_line(task: Task, as_of: dt.date, unit_names: dict[str, str]) -> TaskLine:
    state = compute.task_state(task, as_of)
    late = (as_of - task.due).days if state == "overdue" and task.due else None
    return TaskLine(id=task.id, area=task.area, title=task.title, lead=_lead_text(task, unit_names),
                    deadline_text=task.deadline_text, due=task.due, state=state,
                    state_label=compute.STATE_LABELS[state], progress=task.progress,
                    completed_on=task.completed_on, days_late=late, evidence=task.evidence)


def _count_rows(frame, names: dict[str, str]) -> list[CountRow]:
    rows = []
    for rec in frame.to_dict("records"):
        pct = rec["percent"]
        rows.append(CountRow(key=str(rec["key"]), name=names.get(str(rec["key"]), str(rec["name"])),
                             total=int(rec["total"]), done=int(rec["done"]),
                             in_progress=int(rec["in_progress"]), not_started=int(rec["not_started"]),
                             overdue=int(rec["overdue"]),
                             percent=None if pct is None or pct != pct else float(pct)))
    return rows


def _add_cancelled(rows: list[CountRow], tasks: list[Task], as_of: dt.date, by: str) -> None:
    for row in rows:
        row.cancelled = sum(1 for t in tasks if compute.task_state(t, as_of) == "cancelled"
                            and (t.area.value == row.key if by == "area"
                                 else row.key in (t.lead_units or [compute.UNASSIGNED])))


# ---------------------------------------------------------------- index / remediation

def _check_deduction(max_points: float, appraised: float | None, deducted: float | None,
                     calc: float | None, crit: float | None) -> str:
    notes = []
    if deducted is not None and deducted > max_points + TOLERANCE:
        notes.append(f"Điểm bị trừ ({fmt_points(deducted)}) lớn hơn điểm tối đa ({fmt_points(max_points)})")
    if appraised is not None and appraised > max_points + TOLERANCE:
        notes.append(f"Điểm thẩm định ({fmt_points(appraised)}) lớn hơn điểm tối đa ({fmt_points(max_points)})")
    if deducted is not None and calc is not None and abs(deducted - calc) > TOLERANCE:
        notes.append(f"Điểm bị trừ ghi {fmt_points(deducted)}, tính lại {fmt_points(calc)}")
    ref = calc if calc is not None else deducted
    if crit is not None and ref is not None and abs(crit - ref) > TOLERANCE:
        notes.append(f"Tổng điểm trừ các tiêu chí ({fmt_points(crit)}) khác điểm bị trừ của lĩnh vực "
                     f"({fmt_points(ref)})")
    return "; ".join(notes)


def deduction_rows(plan: Plan) -> list[DeductionRow]:
    """compute.deduction_table as models, with the consistency remark."""
    rows = []
    for rec in compute.deduction_table(plan).to_dict("records"):
        vals = {k: (None if v is None or v != v else float(v)) for k, v in rec.items()
                if k in ("max_points", "appraised", "deducted", "deducted_calc", "criteria_deducted")}
        check = _check_deduction(vals["max_points"], vals["appraised"], vals["deducted"],
                                 vals["deducted_calc"], vals["criteria_deducted"])
        rows.append(DeductionRow(area=Area(rec["area"]), name=str(rec["name"]), check=check, **vals))
    return rows


def remediation_state(item: RemediationItem, as_of: dt.date) -> str:
    """"done" | "in_progress" | "not_started" | "cancelled" as of ``as_of``."""
    if item.status == Status.CANCELLED:
        return "cancelled"
    if item.status == Status.DONE and (item.completed_on is None or item.completed_on <= as_of):
        return "done"
    if item.status in (Status.IN_PROGRESS, Status.ONGOING, Status.DONE) or item.progress > 0:
        return "in_progress"
    return "not_started"


def _remediation_row(key: str, name: str, states: list[str]) -> RemediationRow:
    counted = [s for s in states if s != "cancelled"]
    done = counted.count("done")
    return RemediationRow(key=key, name=name, total=len(counted), done=done,
                          in_progress=counted.count("in_progress"),
                          not_started=counted.count("not_started"),
                          cancelled=len(states) - len(counted), percent=_pct(done, len(counted)))


def remediation_summary(items: list[RemediationItem], as_of: dt.date
                        ) -> tuple[list[RemediationRow], RemediationRow, list[RemediationLine]]:
    """Per-area rows (areas 1..8 having items), the total row, and the items not done yet."""
    states = {i.id: remediation_state(i, as_of) for i in items}
    rows = [_remediation_row(a.value, AREA_SHORT[a], [states[i.id] for i in items if i.area == a])
            for a in Area if any(i.area == a for i in items)]
    total = _remediation_row("", "Tổng cộng", list(states.values()))
    labels = {"in_progress": Status.IN_PROGRESS.value, "not_started": Status.NOT_STARTED.value}
    open_items = [RemediationLine(id=i.id, area=i.area, criterion=i.criterion, solution=i.solution,
                                  lead=i.lead, deadline_text=i.deadline_text,
                                  state_label=labels[states[i.id]], progress=i.progress)
                  for i in sorted(items, key=lambda x: (int(x.area.value), x.id))
                  if states[i.id] in labels]
    return rows, total, open_items


# ---------------------------------------------------------------- narrative

def _plan_sentence(info: PlanInfo, total: int) -> str:
    ref = f"Kế hoạch số {info.plan_number}" if info.plan_number else "Kế hoạch"
    if info.plan_number and info.plan_date:
        ref += f" ngày {fmt_date(info.plan_date)}"
    return (f"UBND xã đã ban hành {ref} về cải cách hành chính năm {info.year}, "
            f"trong đó xác định {total} nhiệm vụ cần thực hiện.")


def completion_sentence(done: int, total: int, percent: float | None) -> str:
    """"Đến thời điểm báo cáo, đã hoàn thành 41/43 nhiệm vụ, đạt 95,35% kế hoạch đề ra."."""
    if not total:
        return "Đến thời điểm báo cáo, kế hoạch chưa có nhiệm vụ nào cần thực hiện."
    return (f"Đến thời điểm báo cáo, đã hoàn thành {done}/{total} nhiệm vụ, "
            f"đạt {fmt_pct(percent)} kế hoạch đề ra.")


def _breakdown_sentence(s: CountRow) -> str:
    parts = [f"{n} nhiệm vụ {label}" for n, label in ((s.in_progress, "đang thực hiện"),
                                                      (s.not_started, "chưa thực hiện"),
                                                      (s.overdue, "quá hạn chưa hoàn thành")) if n]
    text = ("Số nhiệm vụ chưa hoàn thành: " + ", ".join(parts) + ".") if parts else ""
    if s.cancelled:
        text += (" " if text else "") + (f"Có {s.cancelled} nhiệm vụ không thực hiện "
                                         "(không tính vào tổng số).")
    return text


def _period_sentence(period: ReportingPeriod, n: int, undated: int = 0) -> str:
    """Tasks completed in the period (by completion date), and apart those done without a date."""
    span = f"Trong kỳ báo cáo (từ ngày {fmt_date(period.start)} đến ngày {fmt_date(period.end)})"
    text = (f"{span}, đã hoàn thành {n} nhiệm vụ (tính theo ngày hoàn thành)" if n else
            f"{span}, chưa có nhiệm vụ nào được hoàn thành (tính theo ngày hoàn thành)")
    if undated:
        text += (f"; ngoài ra có {undated} nhiệm vụ đã hoàn thành nhưng chưa ghi ngày hoàn thành nên không "
                 "xác định được hoàn thành trong kỳ nào (không tính vào số trên)")
    return text + "."


def _overdue_sentence(late: list[TaskLine]) -> str:
    if not late:
        return "Không có nhiệm vụ quá hạn."
    worst = max(t.days_late or 0 for t in late)
    return (f"Còn {len(late)} nhiệm vụ quá hạn chưa hoàn thành (chậm nhất {worst} ngày), "
            "cần tập trung chỉ đạo hoàn thành trong kỳ tới.")


def _index_sentence(info: PlanInfo, rows: list[DeductionRow], max_pts: float | None,
                    appraised: float | None, deducted: float | None) -> str:
    if not rows or appraised is None:
        return ""
    year = f" năm {info.index_year}" if info.index_year else ""
    text = (f"Chỉ số cải cách hành chính{year} của xã đạt {fmt_points(appraised)}/{fmt_points(max_pts)} "
            f"điểm; tổng số điểm bị trừ là {fmt_points(deducted)} điểm")
    top = sorted((r for r in rows if (r.effective or 0) > TOLERANCE), key=lambda r: -(r.effective or 0))[:3]
    if top:
        text += ", bị trừ nhiều nhất ở các lĩnh vực: " + ", ".join(
            f"{r.name} ({fmt_points(r.effective)} điểm)" for r in top)
    return text + "."


def _remediation_sentence(total: RemediationRow) -> str:
    if not total.total:
        return ""
    text = (f"Kế hoạch khắc phục có {total.total} nội dung; đã hoàn thành {total.done}/{total.total} "
            f"nội dung ({fmt_pct(total.percent)})")
    rest = [f"{n} nội dung {label}" for n, label in ((total.in_progress, "đang thực hiện"),
                                                    (total.not_started, "chưa thực hiện")) if n]
    return text + (", " + ", ".join(rest) if rest else "") + "."


def _risk_sentence(lines: list[RiskLine]) -> str:
    if not lines:
        return ""
    total = round(sum(r.points for r in lines), 4)
    items = "; ".join(f"{r.code} ({fmt_points(r.points)} điểm: {', '.join(r.late)})" for r in lines)
    return (f"Có {len(lines)} tiêu chí với tổng {fmt_points(total)} điểm có nguy cơ bị trừ do nhiệm vụ hoặc "
            f"nội dung khắc phục liên quan quá hạn: {items}.")


# ---------------------------------------------------------------- build

def upcoming_tasks(tasks: Iterable[Task], as_of: dt.date, until: dt.date,
                   unit_names: dict[str, str]) -> list[TaskLine]:
    """Tasks not done as of ``as_of`` (and not overdue) that are due from ``as_of`` to ``until``."""
    out = [task_line(t, as_of, unit_names) for t in tasks
           if t.due is not None and as_of <= t.due <= until
           and compute.task_state(t, as_of) in ("in_progress", "not_started")]
    return sorted(out, key=lambda t: (t.due, t.id))


def build_report(plan: Plan, period: ReportingPeriod, as_of: dt.date | None = None, *,
                 history: History | None = None, indicators: IndicatorSheet | None = None
                 ) -> QuarterlyReport:
    """Compute the report of ``period`` (as of the cut-off ``period.end`` unless ``as_of`` is given).

    With ``history``: the period's current snapshot, when there is one, replaces the
    plan's tasks and remediation items (so the report is the same however often it is
    re-run), and the trend across the year's periods uses each period's snapshot.
    With ``indicators``: the period's "Số liệu", their sentences and their review.
    """
    as_of = as_of or period.end
    snap = history.current(period) if history else None
    current = plan                  # the trend of a period not closed yet uses the current data
    if snap is not None:
        plan = snap.plan(plan)
    names = {u.code: u.name for u in plan.units}
    tasks = plan.tasks
    p = compute.progress(tasks, as_of)
    summary = CountRow(key="", name="Tổng cộng", total=p.total, done=p.done, in_progress=p.in_progress,
                       not_started=p.not_started, overdue=p.overdue, cancelled=p.cancelled,
                       percent=p.percent)
    by_unit = _count_rows(compute.completion_table(tasks, as_of, "unit"), names)
    by_unit.sort(key=lambda r: r.key == compute.UNASSIGNED)    # "(Chưa xác định)" last
    _add_cancelled(by_unit, tasks, as_of, "unit")
    by_area = _count_rows(compute.completion_table(tasks, as_of, "area"),
                          {a.value: AREA_SHORT[a] for a in Area})
    _add_cancelled(by_area, tasks, as_of, "area")
    lines = [task_line(t, as_of, names) for t in tasks]
    done_in = sorted((ln for ln in lines if ln.state == "done" and ln.completed_on
                      and period.start <= ln.completed_on <= period.end),
                     key=lambda ln: (ln.completed_on, ln.id))
    undated = [ln for ln in lines if ln.state == "done" and ln.completed_on is None]
    late = [task_line(t, as_of, names) for t in compute.overdue_tasks(tasks, as_of)]
    nxt = period.next()
    deductions = deduction_rows(plan)
    totals = compute.index_totals(plan)
    rem_rows, rem_total, rem_open = remediation_summary(plan.remediation, as_of)
    risk = [RiskLine(area=r.area, code=r.code, name=r.name, points=r.points, late=list(r.late))
            for r in compute.points_at_risk(plan, as_of)]
    narrative = Narrative(
        plan=_plan_sentence(plan.info, p.total),
        completion=completion_sentence(p.done, p.total, p.percent),
        breakdown=_breakdown_sentence(summary),
        period_done=_period_sentence(period, len(done_in), len(undated)),
        overdue=_overdue_sentence(late),
        index=_index_sentence(plan.info, deductions, totals["max_points"], totals["appraised"],
                              totals["deducted"]),
        remediation=_remediation_sentence(rem_total), risk=_risk_sentence(risk))
    values = indicators.of(period) if indicators else {}
    return QuarterlyReport(
        info=plan.info, period=period, next_period=nxt, as_of=as_of, summary=summary,
        by_unit=by_unit, by_area=by_area, tasks=lines, completed_in_period=done_in,
        done_undated=undated,
        overdue_tasks=late, upcoming=upcoming_tasks(tasks, as_of, period.outlook_end, names),
        deductions=deductions,
        index_max=totals["max_points"], index_appraised=totals["appraised"],
        index_deducted=totals["deducted"], remediation_by_area=rem_rows, remediation_total=rem_total,
        remediation_open=rem_open, points_at_risk=risk, risk_total=round(sum(r.points for r in risk), 4),
        narrative=narrative,
        trend=trend_rows(current, period, history), source=describe(snap) if snap else SOURCE_LIVE,
        indicators=values, indicator_text=indicator_text(values, period),
        indicator_findings=check_period(values, period.short_label, lambda k: indicators.cell(period, k))
        + check_across(indicators, only=period) if indicators else [],
        indicator_cells={k: indicators.cell(period, k) for k in values} if indicators else {})


def report_for(plan: Plan, period: ReportingPeriod, *, history: History | None = None,
               indicators: IndicatorSheet | None = None, moment: dt.datetime | None = None
               ) -> tuple[QuarterlyReport, Snapshot | None]:
    """The report of ``period``, closing the period first when it should be.

    With ``moment`` (the time the report is made, ``None`` = never close): when the
    period has no snapshot yet and its cut-off date has passed (``moment`` is after
    ``period.end``), a snapshot is taken and the report is built from it; the caller
    saves that snapshot (``save_report_sheet(..., snapshot=)``) with the report.
    """
    history = history or History()
    snap = None
    if moment is not None and history.current(period) is None and moment.date() > period.end:
        snap = take_snapshot(plan, period, moment)
        history = History(snapshots=[*history.snapshots, snap], findings=history.findings)
    return build_report(plan, period, history=history, indicators=indicators), snap
