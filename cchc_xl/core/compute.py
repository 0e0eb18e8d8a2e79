"""Completion percentages, overdue lists and deductions (pure Python / pandas).

Definitions (the dashboard formulas in the workbook mirror these exactly):

* counted task: status is not "Không thực hiện" (cancelled).
* done as of D: status "Đã hoàn thành" and (no completion date or completion date <= D).
* overdue as of D: counted, not done, has a due date, and due date < D.
* in progress: counted, not done, not overdue, status "Đang thực hiện" or "Thường xuyên".
* not started: the remaining counted tasks.
* completion % = done / counted x 100, rounded half up to 2 decimals
  (``core.rounding``; None when nothing is counted).

A task with several lead units counts once for each of its units in the
per-unit table; tasks with no resolved lead unit are grouped under
``UNASSIGNED``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Literal

import pandas as pd

from cchc_xl.core.models import AREA_SHORT, Area, Milestone, Plan, Status, Task
from cchc_xl.core.rounding import percent as _percent

UNASSIGNED = "(Chưa xác định)"

State = Literal["done", "overdue", "in_progress", "not_started", "cancelled"]

STATE_LABELS: dict[str, str] = {
    "done": "Đã hoàn thành",
    "overdue": "Quá hạn",
    "in_progress": "Đang thực hiện",
    "not_started": "Chưa thực hiện",
    "cancelled": "Không thực hiện",
}


def task_state(task: Task, as_of: dt.date) -> State:
    if task.status == Status.CANCELLED:
        return "cancelled"
    if task.status == Status.DONE and (task.completed_on is None or task.completed_on <= as_of):
        return "done"
    if task.due is not None and task.due < as_of:
        return "overdue"
    if task.status in (Status.IN_PROGRESS, Status.ONGOING) or (
            task.status == Status.DONE):  # done after the cut-off date: still in progress then
        return "in_progress"
    return "not_started"


@dataclass(frozen=True)
class Progress:
    total: int          # counted tasks (cancelled excluded)
    done: int
    in_progress: int
    not_started: int
    overdue: int
    cancelled: int

    @property
    def percent(self) -> float | None:
        return _percent(self.done, self.total)


def progress(tasks: Iterable[Task], as_of: dt.date) -> Progress:
    counts = {"done": 0, "overdue": 0, "in_progress": 0, "not_started": 0, "cancelled": 0}
    for t in tasks:
        counts[task_state(t, as_of)] += 1
    total = counts["done"] + counts["overdue"] + counts["in_progress"] + counts["not_started"]
    return Progress(total=total, done=counts["done"], in_progress=counts["in_progress"],
                    not_started=counts["not_started"], overdue=counts["overdue"],
                    cancelled=counts["cancelled"])


def tasks_frame(tasks: Iterable[Task], as_of: dt.date) -> pd.DataFrame:
    """One row per (task, lead unit) with its state as of ``as_of``."""
    rows = []
    for t in tasks:
        state = task_state(t, as_of)
        for unit in (t.lead_units or [UNASSIGNED]):
            rows.append({"id": t.id, "area": t.area.value, "area_name": AREA_SHORT[t.area],
                         "unit": unit, "state": state, "due": t.due, "status": t.status.value,
                         "progress": t.progress})
    return pd.DataFrame(rows, columns=["id", "area", "area_name", "unit", "state", "due", "status",
                                       "progress"])


def completion_table(tasks: list[Task], as_of: dt.date, by: Literal["unit", "area"]) -> pd.DataFrame:
    """Counts and completion % grouped by unit code or by area.

    Columns: key, total, done, in_progress, not_started, overdue, percent.
    Areas are listed 1..8 (only those with tasks); units in first-seen order.
    """
    frame = tasks_frame(tasks, as_of)
    if by == "area":
        frame = frame.drop_duplicates("id")
        keys = [a.value for a in Area if a.value in set(frame["area"])]
        col = "area"
    else:
        keys = list(dict.fromkeys(frame["unit"]))
        col = "unit"
    out = []
    for key in keys:
        sub = frame[frame[col] == key]
        c = sub["state"].value_counts()
        total = int(len(sub) - c.get("cancelled", 0))
        done = int(c.get("done", 0))
        out.append({"key": key, "name": AREA_SHORT[Area(key)] if by == "area" else key,
                    "total": total, "done": done, "in_progress": int(c.get("in_progress", 0)),
                    "not_started": int(c.get("not_started", 0)), "overdue": int(c.get("overdue", 0)),
                    "percent": _percent(done, total)})
    return pd.DataFrame(out, columns=["key", "name", "total", "done", "in_progress", "not_started",
                                      "overdue", "percent"])


def passed_milestones(task: Task, as_of: dt.date) -> list[Milestone]:
    """Intermediate milestones (before the due date) already passed on a task that is neither
    done, cancelled nor overdue as of ``as_of``: the checks report each one.  The overdue
    state itself (and so the dashboard formulas) still looks at the due date only."""
    if task_state(task, as_of) in ("done", "cancelled", "overdue"):
        return []
    return [m for m in task.milestones[:-1] if m.due < as_of]


def overdue_tasks(tasks: Iterable[Task], as_of: dt.date) -> list[Task]:
    """Overdue tasks, most overdue first."""
    late = [t for t in tasks if task_state(t, as_of) == "overdue"]
    return sorted(late, key=lambda t: (t.due or as_of, t.id))


def deduction_table(plan: Plan) -> pd.DataFrame:
    """Per area: max, appraised, deducted (as written) and deducted computed (max - appraised)."""
    rows = []
    for a in sorted(plan.index_areas, key=lambda x: int(x.area.value)):
        calc = round(a.max_points - a.appraised, 4) if a.appraised is not None else None
        crit = [c.deducted for c in plan.index_criteria if c.area == a.area and c.deducted is not None]
        rows.append({"area": a.area.value, "name": AREA_SHORT[a.area], "max_points": a.max_points,
                     "appraised": a.appraised, "deducted": a.deducted, "deducted_calc": calc,
                     "criteria_deducted": round(sum(crit), 4) if crit else None})
    return pd.DataFrame(rows, columns=["area", "name", "max_points", "appraised", "deducted",
                                       "deducted_calc", "criteria_deducted"])


def index_totals(plan: Plan) -> dict[str, float | None]:
    """Total max / appraised / deducted over the 8 areas."""
    areas = plan.index_areas
    if not areas:
        return {"max_points": None, "appraised": None, "deducted": None}
    appraised = [a.appraised for a in areas if a.appraised is not None]
    return {"max_points": round(sum(a.max_points for a in areas), 4),
            "appraised": round(sum(appraised), 4) if appraised else None,
            "deducted": round(sum(a.max_points - a.appraised for a in areas if a.appraised is not None), 4)
            if appraised else None}


def deduction(max_points: float | None, appraised: float | None) -> float | None:
    """Điểm bị trừ = điểm tối đa - điểm thẩm định (rounded to 2 decimals, as published)."""
    if max_points is None or appraised is None:
        return None
    return round(max_points - appraised, 2)


# ---------------------------------------------------------------- points at risk (Điểm có nguy cơ bị trừ)

def split_codes(text: object) -> list[str]:
    """"1.4.1; 7.3.7" / "1.4.1, 7.3.7" -> ["1.4.1", "7.3.7"] (spaces removed, as in the Excel formula)."""
    raw = str(text or "").replace(" ", "").replace(",", ";")
    return [c for c in raw.split(";") if c]


def item_state(status: Status, completed_on: dt.date | None, due: dt.date | None, as_of: dt.date) -> State:
    """``task_state`` for anything with status, completion date and due date (remediation items)."""
    return task_state(Task(id="_", area=Area.CHI_DAO, status=status, completed_on=completed_on, due=due),
                      as_of)


@dataclass(frozen=True)
class RiskRow:
    area: Area
    code: str
    name: str
    points: float                   # "Điểm tối đa" of the criterion on "Chỉ số CCHC"
    late: tuple[str, ...]           # ids of the overdue tasks / remediation items linked to it


def points_at_risk(plan: Plan, as_of: dt.date) -> list[RiskRow]:
    """Criteria whose points are at risk as of ``as_of``.

    Rule (the "Điểm có nguy cơ bị trừ" column of "Chỉ số CCHC" computes the same):
    a criterion row of "Chỉ số CCHC" with a code and a maximum is at risk when at
    least one task ("Phân công") or remediation item ("Khắc phục") whose "Tiêu chí"
    cell lists that code (exactly; several codes separated by ";" or ",") is overdue
    as of the date - counted, not done as of the date, due date before it.  The
    points at stake are the criterion's maximum ("Điểm tối đa").  Suggested codes
    ("Tiêu chí (gợi ý)") never count.
    """
    late: dict[str, list[str]] = {}
    for t in plan.tasks:
        if task_state(t, as_of) == "overdue":
            for code in split_codes(t.criteria):
                late.setdefault(code, []).append(t.id)
    for r in plan.remediation:
        if item_state(r.status, r.completed_on, r.due, as_of) == "overdue":
            for code in split_codes(r.criterion_code):
                late.setdefault(code, []).append(r.id)
    out: list[RiskRow] = []
    for c in plan.index_criteria:
        code = c.code.replace(" ", "")
        if code and c.max_points is not None and code in late:
            out.append(RiskRow(area=c.area, code=c.code, name=c.name, points=c.max_points, late=tuple(late[code])))
    return out


def risk_by_area(rows: Iterable[RiskRow]) -> dict[Area, float]:
    """Points at risk per area (every area present, 0 when none)."""
    out = {a: 0.0 for a in Area}
    for r in rows:
        out[r.area] = round(out[r.area] + r.points, 4)
    return out
