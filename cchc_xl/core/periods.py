"""Reporting periods of the CCHC periodic report (kỳ báo cáo).

The data of a report is cut off on the 14th of the period's last month and the
report is due by the 20th of that month::

    Q1   Quý I        15/12 (năm trước) - 14/3    hạn gửi 20/3
    6T   6 tháng      15/12 (năm trước) - 14/6    hạn gửi 20/6
    Q3   Quý III      15/6              - 14/9    hạn gửi 20/9
    NAM  Năm          15/12 (năm trước) - 14/12   hạn gửi 20/12

There is no "Quý II" / "Quý IV" report: the 6-month and the annual reports
take their place.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cchc_xl.core.findings import catalog
from cchc_xl.core.models import CchcError
from cchc_xl.core.text import fold

PeriodKind = Literal["Q1", "6T", "Q3", "NAM"]
KINDS: tuple[PeriodKind, ...] = ("Q1", "6T", "Q3", "NAM")

_LAST_MONTH: dict[str, int] = {"Q1": 3, "6T": 6, "Q3": 9, "NAM": 12}
_LABELS: dict[str, str] = {"Q1": "Quý I năm {y}", "6T": "6 tháng đầu năm {y}",
                           "Q3": "Quý III năm {y}", "NAM": "Năm {y}"}
_SHORT: dict[str, str] = {"Q1": "Quý I/{y}", "6T": "6 tháng/{y}", "Q3": "Quý III/{y}",
                          "NAM": "Năm {y}"}
CUTOFF_DAY = 14
DUE_DAY = 20
EXAMPLES = "\"Quý I/2026\", \"6 tháng 2026\", \"Quý III/2025\", \"Năm 2025\", \"q1-2026\""


class ReportingPeriod(BaseModel):
    """One reporting period: data from ``start`` to ``end`` (cut-off), report due on ``due``."""

    model_config = ConfigDict(frozen=True)

    kind: PeriodKind
    year: int
    start: dt.date
    end: dt.date
    due: dt.date
    label: str

    @property
    def short_label(self) -> str:
        """"Quý III/2025" (for file names' captions and narrow cells)."""
        return _SHORT[self.kind].format(y=self.year)

    @property
    def code(self) -> str:
        """Machine code "Q3-2025" (safe in file names)."""
        return f"{self.kind}-{self.year}"

    @property
    def outlook_label(self) -> str:
        """What comes after this report ("phương hướng, nhiệm vụ ..."): "quý IV năm 2025"."""
        return {"Q1": f"quý II năm {self.year}", "6T": f"6 tháng cuối năm {self.year}",
                "Q3": f"quý IV năm {self.year}", "NAM": f"năm {self.year + 1}"}[self.kind]

    @property
    def outlook_end(self) -> dt.date:
        """Last day of the outlook window (tasks due up to it are "nhiệm vụ kỳ tới")."""
        return {"Q1": dt.date(self.year, 6, 30), "6T": dt.date(self.year, 12, 31),
                "Q3": dt.date(self.year, 12, 31), "NAM": dt.date(self.year + 1, 12, 31)}[self.kind]

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def next(self) -> "ReportingPeriod":
        """The period reported after this one."""
        i = KINDS.index(self.kind)
        if i + 1 < len(KINDS):
            return period_for(KINDS[i + 1], self.year)
        return period_for(KINDS[0], self.year + 1)

    def previous(self) -> "ReportingPeriod":
        i = KINDS.index(self.kind)
        if i > 0:
            return period_for(KINDS[i - 1], self.year)
        return period_for(KINDS[-1], self.year - 1)


def period_for(kind: str, year: int) -> ReportingPeriod:
    """Build the period ``kind`` ("Q1", "6T", "Q3", "NAM") of ``year``."""
    k = kind.upper()
    if k not in _LAST_MONTH:
        raise catalog.BAD_PERIOD_KIND.error(kind=kind)
    last = _LAST_MONTH[k]
    start = dt.date(year, 6, 15) if k == "Q3" else dt.date(year - 1, 12, 15)
    return ReportingPeriod(kind=k, year=year, start=start, end=dt.date(year, last, CUTOFF_DAY),
                           due=dt.date(year, last, DUE_DAY), label=_LABELS[k].format(y=year))


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_QUARTER = re.compile(r"\b(?:quy|qui|q)\s?(iv|iii|ii|i|[1-4])\b")
_HALF = re.compile(r"\b(?:6\s?t|6\s?thang|sau thang|nua nam|6m)\b")
_YEAR_WORD = re.compile(r"(?:ca |hang )?nam|n")


def parse_period(text: object, default_year: int | None = None) -> ReportingPeriod:
    """Parse "Quý I/2026", "q1-2026", "6 tháng 2026", "năm 2025", "quy3 2025", "Q3", ...

    A missing year takes ``default_year``; without one it is an error.
    """
    raw = "" if text is None else str(text)
    key = fold(raw)
    if not key:
        raise catalog.PERIOD_EMPTY.error(examples=EXAMPLES)
    years = re.findall(r"\b(\d{4})\b", key)
    rest = re.sub(r"\b\d{4}\b", " ", key)
    rest = re.sub(r"\b(?:bao cao|ky|dau)\b", " ", rest)
    rest = " ".join(rest.split())
    kind = _kind_of(rest, raw)
    if len(set(years)) > 1:
        raise catalog.PERIOD_MANY_YEARS.error(raw=raw)
    if years:
        year = int(years[0])
    elif default_year is not None:
        year = default_year
    else:
        raise catalog.PERIOD_NO_YEAR.error(raw=raw, examples=EXAMPLES)
    if not 2000 <= year <= 2100:
        raise catalog.PERIOD_BAD_YEAR.error(year=year, raw=raw)
    return period_for(kind, year)


def _kind_of(rest: str, raw: str) -> str:
    """Period kind from the folded text without its year (nothing else may be left)."""
    if rest.upper() in KINDS:
        return rest.upper()
    q = _QUARTER.search(rest)
    h = _HALF.search(rest)
    found = q or h
    leftover = (rest[:found.start()] + " " + rest[found.end():]).split() if found else rest.split()
    if leftover not in ([], ["nam"]):
        if not found and _YEAR_WORD.fullmatch(rest):
            return "NAM"
        raise catalog.BAD_PERIOD.error(raw=raw, examples=EXAMPLES)
    if h:
        return "6T"
    if q:
        n = _ROMAN[q.group(1)]
        if n in (1, 3):
            return "Q1" if n == 1 else "Q3"
        other = "6 tháng" if n == 2 else "năm"
        raise catalog.PERIOD_NO_QUARTER.error(quarter="II" if n == 2 else "IV", other=other, raw=raw)
    if _YEAR_WORD.fullmatch(rest):
        return "NAM"
    raise catalog.BAD_PERIOD.error(raw=raw, examples=EXAMPLES)


def same_period(a: object, b: object) -> bool:
    """True when two period texts name the same period ("Quý III/2025" = "q3-2025" =
    "Quý III năm 2025"); texts that cannot be parsed are compared loosely (``fold``)."""
    try:
        return parse_period(a).code == parse_period(b).code
    except CchcError:
        return fold(a) == fold(b)


def current_period(today: dt.date | None = None) -> ReportingPeriod:
    """The period whose report is being prepared: the first one due on or after ``today``."""
    today = today or dt.date.today()
    for kind in KINDS:
        p = period_for(kind, today.year)
        if today <= p.due:
            return p
    return period_for("Q1", today.year + 1)


def periods_of_year(year: int) -> list[ReportingPeriod]:
    """The four reporting periods of ``year`` in order."""
    return [period_for(k, year) for k in KINDS]
