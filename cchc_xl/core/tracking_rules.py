"""Rules on one tracking row - status, progress, completion date, texts - checked together.

``validate`` (kiem-tra, the Kiểm tra button) and Tổng hợp call the same ``row_issues`` so
an official sees the same verdict everywhere: "Đã hoàn thành" at 40 %, 100 % but not
done, a date without "Đã hoàn thành", dates outside the plan year or before the plan,
"0,5" typed where 50 % is meant.  Errors make Tổng hợp reject the whole row (nothing
of it is applied); warnings are applied and reported (report and Nhật ký).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from cchc_xl.core.findings import catalog as C
from cchc_xl.core.findings.base import FindingType
from cchc_xl.core.models import Finding, Status
from cchc_xl.core.text import format_date, format_number

EXCEL_CELL_LIMIT = 32_767        # characters a cell holds (Excel's specification)
DONE = Status.DONE.value
CANCELLED = Status.CANCELLED.value


@dataclass(frozen=True)
class RowIssue:
    """One problem of a row: its type, the field it points at, the template parameters."""

    type: FindingType
    field: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def severity(self) -> str:
        return self.type.severity

    def finding(self, *, file: str = "", sheet: str = "", cell: str = "", task_id: str = "") -> Finding:
        return self.type(file=file, sheet=sheet, cell=cell, task_id=task_id, **self.params)


def is_fraction(progress: float | None) -> bool:
    """"0,5" where 50 % is meant (Excel stores 50 % as 0,5): the one rule for every reader."""
    return progress is not None and 0 < progress < 1


def plan_period_start(year: int) -> dt.date:
    """First day of a plan year's reporting period (data cut-off 15/12 of the previous year)."""
    from cchc_xl.core.periods import period_for

    return period_for("NAM", year).start


def _n(x: float) -> str:
    return format_number(round(x, 4))


def row_issues(label: str, status: Any, progress: float | None, completed_on: dt.date | None, *,
               as_of: dt.date | None = None, year: int | None = None,
               earliest: dt.date | None = None, plan_date: dt.date | None = None,
               texts: dict[str, tuple[str, str]] | None = None) -> list[RowIssue]:
    """Issues of one row.  ``status``: a ``Status`` or its label; ``earliest``: first day allowed
    (default: start of the plan year's period when ``year`` is given); ``texts``: {field:
    (header, text)} checked against Excel's cell limit."""
    st = status.value if isinstance(status, Status) else (status or Status.NOT_STARTED.value)
    out: list[RowIssue] = []
    p = progress if progress is not None else 0.0
    if p < 0 or p > 100:
        out.append(RowIssue(C.PROGRESS_RANGE, "progress", {"item": label, "progress": _n(p)}))
    elif is_fraction(p):
        out.append(RowIssue(C.PROGRESS_FRACTION, "progress", {"item": label, "progress": _n(p),
                                                              "percent": _n(p * 100)}))
    if st == DONE:
        if p < 100:
            out.append(RowIssue(C.DONE_PROGRESS, "progress", {"item": label, "progress": _n(p)}))
        if completed_on is None:
            out.append(RowIssue(C.DONE_NO_DATE, "completed_on", {"item": label}))
    elif p >= 100 and st != CANCELLED:
        out.append(RowIssue(C.PROGRESS_NOT_DONE, "status", {"item": label, "status": st}))
    d = completed_on
    if d is not None:
        day = format_date(d)
        if st != DONE:
            out.append(RowIssue(C.DATE_NOT_DONE, "completed_on", {"item": label, "date": day, "status": st}))
        first = earliest if earliest is not None else (plan_period_start(year) if year else None)
        if as_of is not None and d > as_of:
            out.append(RowIssue(C.DATE_FUTURE, "completed_on", {"item": label, "date": day,
                                                                 "as_of": format_date(as_of)}))
        elif first is not None and d < first:
            out.append(RowIssue(C.DATE_BEFORE_YEAR, "completed_on", {"item": label, "date": day,
                                                                      "start": format_date(first)}))
        elif year and d > dt.date(year, 12, 31):
            out.append(RowIssue(C.DATE_AFTER_YEAR, "completed_on", {"item": label, "date": day, "year": year}))
        elif plan_date is not None and d < plan_date:
            out.append(RowIssue(C.DATE_BEFORE_PLAN, "completed_on",
                                {"item": label, "date": day, "plan_date": format_date(plan_date)}))
    for key, (header, text) in (texts or {}).items():
        if isinstance(text, str) and len(text) > EXCEL_CELL_LIMIT:
            out.append(RowIssue(C.TEXT_TOO_LONG, key, {"item": label, "header": header, "length": len(text),
                                                       "limit": EXCEL_CELL_LIMIT}))
    return out


__all__ = ["EXCEL_CELL_LIMIT", "RowIssue", "is_fraction", "plan_period_start", "row_issues"]
