"""Snapshots of the tracking values at each period's cut-off ("Lịch sử").

When a period is closed (``cchc-xl chot-ky``, or the first ``bao-cao`` of a period
whose cut-off date has passed) every task and remediation item is copied, with its
tracking values, into the master's sheet "Lịch sử".  The report of that period is
then always built from the snapshot, so re-running it after the tracking changed
gives the same numbers as the first time, and later reports can show what was done
within each period and the trend Quý I -> 6 tháng -> Quý III -> Năm.

A snapshot is never overwritten silently: closing a closed period again is refused;
with ``--ghi-de`` a new snapshot is taken and the old rows stay on the sheet marked
"Đã thay thế lúc …".

Sheet layout: one row per item of a snapshot; the visible columns are for reading,
the last column ("Dữ liệu") holds the item's full record (JSON) from which the
report is rebuilt.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from cchc_xl.core.reasons import why_bad_data
from cchc_xl.core import compute
from cchc_xl.core import schema as S
from cchc_xl.core.findings import catalog as F
from cchc_xl.core.models import AREA_SHORT, Finding, Plan, RemediationItem, Task
from cchc_xl.core.periods import ReportingPeriod, parse_period
from cchc_xl.core.text import fold, format_date

SHEET = S.SHEET_HISTORY
CURRENT = "Đang dùng"
SUPERSEDED = "Đã thay thế lúc {at}"
KIND_TASK = "Nhiệm vụ"
KIND_REMEDIATION = "Khắc phục"
HEADER = ("Kỳ", "Ngày chốt số liệu", "Thời điểm chốt", "Hiệu lực", "Loại", "Mã", "Lĩnh vực",
          "Nội dung", "Chủ trì", "Hạn", "Trạng thái", "Tiến độ (%)", "Ngày hoàn thành",
          "Tình trạng tại ngày chốt", "Dữ liệu")
WIDTHS = (14, 12, 17, 22, 11, 10, 16, 50, 22, 12, 16, 9, 13, 18, 8)
DATA_COL = len(HEADER)
STAMP = "%d/%m/%Y %H:%M:%S"


class Snapshot(BaseModel):
    period: ReportingPeriod
    taken_at: dt.datetime
    tasks: list[Task] = Field(default_factory=list)
    remediation: list[RemediationItem] = Field(default_factory=list)
    superseded_at: dt.datetime | None = None

    @property
    def current(self) -> bool:
        return self.superseded_at is None

    def plan(self, plan: Plan) -> Plan:
        """``plan`` with the tasks and remediation items as they were in the snapshot."""
        return plan.model_copy(update={"tasks": list(self.tasks), "remediation": list(self.remediation)})


def take(plan: Plan, period: ReportingPeriod, taken_at: dt.datetime) -> Snapshot:
    return Snapshot(period=period, taken_at=taken_at.replace(microsecond=0),
                    tasks=[t.model_copy(deep=True) for t in plan.tasks],
                    remediation=[r.model_copy(deep=True) for r in plan.remediation])


@dataclass
class History:
    snapshots: list[Snapshot] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def current(self, period: ReportingPeriod) -> Snapshot | None:
        found = [s for s in self.snapshots if s.period.code == period.code and s.current]
        return max(found, key=lambda s: s.taken_at) if found else None

    def current_at(self, period: ReportingPeriod, moment: dt.datetime) -> Snapshot | None:
        """The snapshot of ``period`` that was in use at ``moment`` (taken by then, not yet replaced):
        what a report frozen at ``moment`` saw, whatever was closed or re-closed since."""
        found = [s for s in self.snapshots if s.period.code == period.code and s.taken_at <= moment
                 and (s.superseded_at is None or s.superseded_at > moment)]
        return max(found, key=lambda s: s.taken_at) if found else None


def stamp(moment: dt.datetime) -> str:
    return moment.strftime(STAMP)


def rows(snap: Snapshot) -> list[list[Any]]:
    """Sheet rows of one snapshot (dates as ``dt.date``; the writer formats them)."""
    status = CURRENT if snap.current else SUPERSEDED.format(at=stamp(snap.superseded_at))
    head = [snap.period.short_label, snap.period.end, stamp(snap.taken_at), status]
    out = []
    for t in snap.tasks:
        state = compute.STATE_LABELS[compute.task_state(t, snap.period.end)]
        out.append(head + [KIND_TASK, t.id, AREA_SHORT[t.area], t.title, t.lead or "; ".join(t.lead_units),
                           t.due, t.status.value, t.progress, t.completed_on, state,
                           t.model_dump_json()])
    for r in snap.remediation:
        out.append(head + [KIND_REMEDIATION, r.id, AREA_SHORT[r.area], r.solution or r.criterion, r.lead,
                           None, r.status.value, r.progress, r.completed_on, "", r.model_dump_json()])
    return out


def period_code(text: object) -> str | None:
    """"Q3-2025" for "Quý III/2025" (None when the text is not a period)."""
    try:
        return parse_period(text).code
    except Exception:
        return None


def _moment(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.strptime(str(value).strip(), STAMP)


def read(sheet_rows: list[tuple[Any, ...]], *, file: str = "") -> History:
    """Snapshots written on the sheet (plain cell values, row 1 first)."""
    hist = History()
    header_i = next((i for i, r in enumerate(sheet_rows[:15]) if r and fold(r[0]) == fold(HEADER[0])), None)
    if header_i is None:
        return hist
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    bad: set[tuple[str, str]] = set()
    for i in range(header_i + 1, len(sheet_rows)):
        row = tuple(sheet_rows[i]) + (None,) * DATA_COL
        if all(v in (None, "") for v in row[:DATA_COL]):
            continue
        r = i + 1
        gkey = (str(row[0]), str(row[2]))
        try:
            period = parse_period(row[0])
            taken = _moment(row[2])
            g = groups.setdefault(gkey, {"period": period, "taken_at": taken, "tasks": [], "remediation": [],
                                         "superseded_at": None, "row": r})
            status = str(row[3] or "")
            if fold(status) != fold(CURRENT):
                at = status.rsplit("lúc", 1)[-1].strip()
                g["superseded_at"] = _moment(at) if at and at != status else taken
            data = json.loads(str(row[DATA_COL - 1]))
            if fold(row[4]) == fold(KIND_REMEDIATION):
                g["remediation"].append(RemediationItem.model_validate(data))
            else:
                g["tasks"].append(Task.model_validate(data))
        except (ValueError, TypeError, ValidationError, json.JSONDecodeError) as exc:
            if gkey not in bad:
                bad.add(gkey)
                why = why_bad_data(exc)     # json/pydantic say it in English
                hist.findings.append(F.HIST_BAD_ROW(period=row[0], why=why, file=file, sheet=SHEET,
                                                    cell=f"dòng {r}"))
    for gkey, g in groups.items():
        if gkey in bad:
            continue
        g.pop("row")
        hist.snapshots.append(Snapshot(**g))
    hist.snapshots.sort(key=lambda s: (s.period.end, s.taken_at))
    return hist


def describe(snap: Snapshot) -> str:
    """"chốt lúc 15/12/2025 08:00:00 (số liệu đến 14/12/2025)"; a snapshot taken before the
    cut-off date holds the data of that moment, not of the cut-off, and says so."""
    if early(snap):
        return (f"chốt lúc {stamp(snap.taken_at)}, trước ngày chốt số liệu {format_date(snap.period.end)} "
                f"(số liệu đến lúc chốt; cập nhật sau đó không có trong báo cáo)")
    return f"chốt lúc {stamp(snap.taken_at)} (số liệu đến {format_date(snap.period.end)})"


def early(snap: Snapshot) -> bool:
    """Taken before the period's cut-off date ended (chot-ky run early)."""
    return snap.taken_at.date() < snap.period.end
