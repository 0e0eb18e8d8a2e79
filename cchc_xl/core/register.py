"""Register of a reporting period: which unit was sent which workbook, what came back.

One ``Submission`` per (period, unit), kept in the master's sheet "Tình hình gửi phiếu"
(``schema.SUBMISSION_COLUMNS``).  Tạo phiếu records the issue (version, date), gửi email
the deadline (``--han``) and the mailing date, Tổng hợp each returned file (name,
SHA-256, date received, refused cells, conflicts).  A newer issue or a newer returned
file supersedes the older one (kept in "Đã thay thế").

Everything here is pure: rows of plain cell values in, rows out.  ``summary`` computes
the figures of the dashboard block "Tình hình gửi phiếu" with exactly the definitions of
its native formulas (``workbook.dashboard``):

* issued:     rows of the period;
* returned:   "Ngày nhận" is a date;
* late:       returned, "Hạn gửi lại" is a date and "Ngày nhận" > "Hạn gửi lại";
* on time:    returned and not late;
* missing:    not returned;  overdue: missing and "Hạn gửi lại" < the report date;
* refused:    "Số ô bị từ chối" > 0 or "Tệp bị từ chối" > 0; refused cells: their sum.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field, fields, replace
from typing import Any, Iterable, Mapping, Sequence

from cchc_xl.core import schema as S
from cchc_xl.core.models import CchcError
from cchc_xl.core.periods import parse_period
from cchc_xl.core.records import find_header_row, parse_date
from cchc_xl.core.text import fold, normalize_text

STATUS_PENDING = "Chưa gửi về"
STATUS_OVERDUE = "Quá hạn, chưa gửi"
STATUS_ON_TIME = "Đã nhận, đúng hạn"
STATUS_LATE = "Đã nhận, trễ hạn"
STATUS_CELLS_REFUSED = "Có ô bị từ chối"
STATUS_FILE_REFUSED = "Tệp bị từ chối"
STATUSES = (STATUS_PENDING, STATUS_OVERDUE, STATUS_ON_TIME, STATUS_LATE, STATUS_CELLS_REFUSED,
            STATUS_FILE_REFUSED)
NEEDS_REMINDER = (STATUS_PENDING, STATUS_OVERDUE, STATUS_CELLS_REFUSED, STATUS_FILE_REFUSED)

DETAIL_SEPARATOR = "\n"
DETAILS_LIMIT = 30000          # an Excel cell holds 32 767 characters

SUMMARY_FIELDS: tuple[tuple[str, str], ...] = (
    ("issued", "Số đơn vị được gửi phiếu"),
    ("returned", "Đã gửi phiếu về"),
    ("on_time", "- trong đó đúng hạn"),
    ("late", "- trong đó trễ hạn"),
    ("missing", "Chưa gửi phiếu về"),
    ("overdue", "- trong đó đã quá hạn"),
    ("refused", "Đơn vị có ô hoặc tệp bị từ chối"),
    ("refused_cells", "Tổng số ô bị từ chối"),
    ("percent", "Tỷ lệ đơn vị đã gửi về"),
)


@dataclass
class Submission:
    period: str
    unit: str
    unit_name: str = ""
    version: int | None = None
    issued_on: dt.date | None = None
    due: dt.date | None = None
    mailed_on: dt.date | None = None
    file: str = ""
    sha256: str = ""
    received_on: dt.date | None = None
    returns: int = 0
    refused_cells: int = 0
    file_refused: int = 0
    conflicts: int = 0
    status: str = ""
    superseded: str = ""
    details: str = ""

    @property
    def returned(self) -> bool:
        return self.received_on is not None

    @property
    def late(self) -> bool:
        return self.returned and self.due is not None and self.received_on > self.due  # type: ignore[operator]

    def overdue(self, today: dt.date) -> bool:
        return not self.returned and self.due is not None and self.due < today

    @property
    def refused(self) -> bool:
        return self.refused_cells > 0 or self.file_refused > 0

    def compute_status(self, today: dt.date) -> str:
        if not self.returned:
            return STATUS_OVERDUE if self.overdue(today) else STATUS_PENDING
        if self.file_refused:
            return STATUS_FILE_REFUSED
        if self.refused_cells:
            return STATUS_CELLS_REFUSED
        return STATUS_LATE if self.late else STATUS_ON_TIME

    def detail_lines(self) -> list[str]:
        return [line for line in (self.details or "").split(DETAIL_SEPARATOR) if line.strip()]


@dataclass
class ReturnInfo:
    """What Tổng hợp learned about one returned file."""

    period: str
    unit: str
    file: str
    sha256: str
    received_on: dt.date
    version: int | None = None
    refused_cells: int = 0
    file_refused: bool = False
    conflicts: int = 0
    details: list[str] = field(default_factory=list)
    seen_before: bool = False       # already consolidated earlier (same SHA-256)
    # the form as issued, never saved since (Tổng hợp: "return_as_issued"): not a return - a
    # unit that has returned nothing gets ``details`` as a note, and stays not received
    as_issued: bool = False


# ---------------------------------------------------------------- rows <-> submissions

_INT_KEYS = {c.key for c in S.SUBMISSION_COLUMNS if c.kind == "int"}
_DATE_KEYS = {c.key for c in S.SUBMISSION_COLUMNS if c.kind == "date"}


def _int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(float(str(value).replace(",", ".")))
    except ValueError:
        return None


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return parse_date(value)
    except ValueError:
        return None


def read_submissions(rows: Sequence[Sequence[Any]]) -> list[Submission]:
    """Submissions from the sheet's cell values (rows from A1); tolerant of hand edits."""
    table = [tuple(r) for r in rows]
    h = find_header_row(table, S.SUBMISSION_COLUMNS[0].header)
    if h is None:
        return []
    by_header = {fold(c.header): c.key for c in S.SUBMISSION_COLUMNS}
    cmap = {by_header[fold(v)]: i for i, v in enumerate(table[h]) if v not in (None, "")
            and fold(v) in by_header}
    out: list[Submission] = []
    for raw in table[h + 1:]:
        rec = {k: (raw[i] if i < len(raw) else None) for k, i in cmap.items()}
        period = normalize_text(rec.get("period"))
        unit = normalize_text(rec.get("unit")).upper()
        if not period or not unit:
            continue
        values: dict[str, Any] = {}
        for key, value in rec.items():
            if key in _INT_KEYS:
                number = _int(value)
                values[key] = number if key == "version" else (number or 0)
            elif key in _DATE_KEYS:
                values[key] = _date(value)
            else:
                values[key] = normalize_text(value) if key != "details" else str(value or "").strip()
        values["period"], values["unit"] = period, unit
        out.append(Submission(**values))
    return out


def submission_row(sub: Submission) -> list[Any]:
    """Cell values in ``SUBMISSION_COLUMNS`` order (None for empty)."""
    out: list[Any] = []
    for c in S.SUBMISSION_COLUMNS:
        v = getattr(sub, c.key)
        if c.key in ("returns", "refused_cells", "file_refused", "conflicts"):
            v = int(v or 0)
        out.append(None if v in ("", None) else v)
    return out


@functools.lru_cache(maxsize=256)
def period_key(period: str) -> str:
    """One key per period ("Quý III/2025" = "q3-2025"); unknown texts compared loosely."""
    try:
        return parse_period(period).code
    except CchcError:
        return fold(period)


def find(subs: Iterable[Submission], period: str, unit: str) -> Submission | None:
    unit = normalize_text(unit).upper()
    key = period_key(period)
    for s in subs:
        if s.unit == unit and period_key(s.period) == key:
            return s
    return None


class _Index:
    """(period, unit) -> row of a register being updated: no scan per event (500 units)."""

    def __init__(self, subs: list[Submission]):
        self.subs = subs
        self.rows = {(period_key(s.period), s.unit): s for s in reversed(subs)}   # first row wins

    def get(self, period: str, unit: str) -> Submission | None:
        return self.rows.get((period_key(period), normalize_text(unit).upper()))

    def add(self, sub: Submission) -> Submission:
        self.subs.append(sub)
        self.rows.setdefault((period_key(sub.period), sub.unit), sub)
        return sub


def _copy(subs: Iterable[Submission]) -> list[Submission]:
    return [replace(s) for s in subs]


def refresh_status(subs: list[Submission], today: dt.date) -> list[Submission]:
    for s in subs:
        s.status = s.compute_status(today)
    return subs


# ---------------------------------------------------------------- events

def record_issue(subs: Sequence[Submission], period: str, units: Iterable[tuple[str, str]], *,
                 version: int, issued_on: dt.date, due: dt.date | None, today: dt.date) -> list[Submission]:
    """Tạo phiếu: ``units`` (code, name) were sent workbook ``version`` of ``period``.

    An earlier issue of the same period to the same unit is superseded (noted in
    "Đã thay thế"); what the unit already returned stays.
    """
    out = _copy(subs)
    index = _Index(out)
    for code, name in units:
        s = index.get(period, code) or index.add(Submission(period=period, unit=normalize_text(code).upper()))
        if s.version is not None and s.version != version:
            s.superseded = _add_note(s.superseded, f"phiếu phiên bản {s.version}")
        s.unit_name = normalize_text(name) or s.unit_name
        s.version, s.issued_on = version, issued_on
        if due is not None:
            s.due = due
    return refresh_status(out, today)


def record_deadline(subs: Sequence[Submission], period: str, units: Iterable[tuple[str, str]], *,
                    due: dt.date, mailed_on: dt.date | None, today: dt.date) -> list[Submission]:
    """gửi email --han: the deadline (and, when really sent, the date) for ``units``."""
    out = _copy(subs)
    index = _Index(out)
    for code, name in units:
        s = index.get(period, code) or index.add(
            Submission(period=period, unit=normalize_text(code).upper(), unit_name=normalize_text(name)))
        s.due = due
        if mailed_on is not None:
            s.mailed_on = mailed_on
    return refresh_status(out, today)


def record_returns(subs: Sequence[Submission], returns: Iterable[ReturnInfo], *,
                   names: Mapping[str, str] | None = None, today: dt.date) -> list[Submission]:
    """Tổng hợp: each returned file of a unit replaces (supersedes) the one before.

    A file already recorded (same SHA-256) changes nothing, so running Tổng hợp twice
    leaves the register as it was.  A form as issued (``ReturnInfo.as_issued``) is no return:
    a unit that has not returned anything keeps its status, with the reason noted once.
    """
    out = _copy(subs)
    index = _Index(out)
    for r in returns:
        if not r.unit or not r.period:
            continue
        if r.as_issued:
            s = index.get(r.period, r.unit)
            if s is not None and not s.returned:
                lines = s.detail_lines()
                s.details = _details(lines + [d for d in r.details if d not in lines])
            continue
        s = index.get(r.period, r.unit) or index.add(
            Submission(period=r.period, unit=r.unit, unit_name=(names or {}).get(r.unit, ""), version=r.version))
        if s.sha256 == r.sha256 or (r.seen_before and s.sha256):
            continue
        if s.file:
            s.superseded = _add_note(s.superseded, f"tệp {s.file}")
        s.file, s.sha256 = r.file, r.sha256
        s.received_on = s.received_on if r.seen_before and s.received_on else r.received_on
        s.returns = (s.returns or 0) + 1
        s.refused_cells = r.refused_cells
        s.file_refused = int(bool(r.file_refused))
        s.conflicts = r.conflicts
        s.details = _details(r.details)
    return refresh_status(out, today)


def _add_note(existing: str, note: str) -> str:
    parts = [p.strip() for p in (existing or "").split(";") if p.strip()]
    if note not in parts:
        parts.append(note)
    return "; ".join(parts)


def _details(lines: Sequence[str]) -> str:
    out: list[str] = []
    size = 0
    for i, line in enumerate(lines):
        if size + len(line) + 1 > DETAILS_LIMIT:
            out.append(f"… và {len(lines) - i} ô khác (xem trang Nhật ký)")
            break
        out.append(line)
        size += len(line) + 1
    return DETAIL_SEPARATOR.join(out)


# ---------------------------------------------------------------- figures

def of_period(subs: Iterable[Submission], period: str) -> list[Submission]:
    key = period_key(period)
    return [s for s in subs if period_key(s.period) == key]


def latest_period(subs: Sequence[Submission]) -> str:
    """Period of the last row (rows are kept in the order periods were issued)."""
    return subs[-1].period if subs else ""


def summary(subs: Iterable[Submission], period: str, as_of: dt.date) -> dict[str, Any]:
    """The dashboard block's figures (same definitions as its formulas)."""
    rows = [s for s in subs if s.period == period]
    issued = len(rows)
    returned = sum(s.returned for s in rows)
    out: dict[str, Any] = {
        "issued": issued,
        "returned": returned,
        "late": sum(s.late for s in rows),
        "missing": issued - returned,
        "overdue": sum(s.overdue(as_of) for s in rows),
        "refused": sum(s.refused for s in rows),
        "refused_cells": sum(s.refused_cells for s in rows),
    }
    out["on_time"] = returned - out["late"]
    out["percent"] = round(returned / issued, 4) if issued else ""
    return out


def needing_reminder(subs: Iterable[Submission], period: str, today: dt.date) -> list[Submission]:
    """Units of ``period`` that are missing, overdue or refused, in register order."""
    out = []
    for s in of_period(subs, period):
        if s.compute_status(today) in NEEDS_REMINDER:
            out.append(s)
    return out


FIELD_NAMES = tuple(f.name for f in fields(Submission))
