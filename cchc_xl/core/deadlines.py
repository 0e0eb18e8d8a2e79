"""Parse the free-text "Thời gian hoàn thành" of a plan row.

Examples (plan year 2025)::

    "Trước ngày 30/7/2025"            -> DATE       due 2025-07-30
    "Tháng 9/2025"                    -> MONTH      due 2025-09-30
    "chậm nhất trong tháng 10/2025"   -> MONTH      due 2025-10-31
    "Quý III"                         -> QUARTER    due 2025-09-30
    "Thường xuyên trong năm"          -> RECURRING  due 2025-12-31 (evaluated at year end)
    "Định kỳ hằng tháng"              -> RECURRING  monthly
    "Trong năm 2025"                  -> YEAR       due 2025-12-31
    "Khi có Kế hoạch của UBND tỉnh"   -> CONDITIONAL (no due date)

When a text holds several milestones ("Ban hành kế hoạch chậm nhất là ngày
15/8/2025, tổ chức kiểm tra chậm nhất trong tháng 10/2025 ...") every one is
kept in ``milestones`` and ``due`` is the last one.
"""

from __future__ import annotations

import calendar
import functools
import datetime as dt
import re

from cchc_xl.core.models import Deadline, DeadlineKind, Milestone
from cchc_xl.core.text import fold, normalize_text, strip_diacritics

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}

# "30/7/2025", "30-7-2025", "30.7.2025", "30/7" ; "ngày 30 tháng 7 năm 2025"
_DATE = re.compile(r"\b(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?:\s*[/.\-]\s*(\d{4}|\d{2}))?\b")
_DATE_WORDS = re.compile(r"\bngay (\d{1,2}) thang (\d{1,2})(?: nam (\d{4}))?\b")
# "tháng 9/2025", "tháng 9 năm 2025", "tháng 02/2026", "tháng 9"
_MONTH = re.compile(r"\bthang (\d{1,2})(?:\s*(?:/|nam)?\s*(\d{4}))?\b")
_QUARTER = re.compile(r"\bquy (iv|iii|ii|i|[1-4])\b(?:\s*(?:/|nam)?\s*(\d{4}))?")
_YEAR = re.compile(r"\bnam (\d{4})\b")
_HALF = re.compile(r"\b6 thang dau nam\b|\bnua dau nam\b")
# on folded text (no diacritics): "thường xuyên", "định kỳ", "hằng tháng", "liên tục"
_RECURRING = re.compile(r"\bthuong xuyen\b|\bdinh ky\b|\bhang (tuan|thang|quy|nam)\b|\blien tuc\b")
# "Trong năm 2026 và những năm tiếp theo": due at the end of 2026, then every year
_AND_LATER = re.compile(r"\b(?:va )?(?:nhung|cac) nam tiep theo\b")
_RECURRENCE = (("weekly", re.compile(r"hang tuan")),
               ("monthly", re.compile(r"hang thang|moi thang")),
               ("quarterly", re.compile(r"hang quy|moi quy")),
               ("yearly", re.compile(r"hang nam|moi nam")))


# an event the plan cannot date: "khi có yêu cầu", "sau khi có ý kiến", "kể từ khi có văn bản"
_EVENT = re.compile(r"\bkhi co\b|\bsau khi\b|\bke tu khi\b|\bkhi duoc\b|\bneu co\b|\bkhi phat sinh\b")
# "sau 02 tháng kể từ ngày 01/7/2025", "trong vòng 30 ngày kể từ ngày ..."
_OFFSET = re.compile(r"\b(?:sau|trong vong|trong) (\d{1,3}) (thang|ngay|tuan) (?:ke tu|tinh tu) ngay\b")
# a dated phrase inside a deadline text (on the diacritic-free, lower-case text)
_DATED = re.compile(r"(?:\b(?:chậm nhất|cham nhat)\s+)?(?:\blà\s+|\bla\s+)?(?:\b(?:truoc|trong|den|vao)\s+)?"
                    r"(?:\bngay\s+\d{1,2}\s+thang\s+\d{1,2}(?:\s+nam\s+\d{4})?"
                    r"|(?:\bngay\s+)?\b\d{1,2}\s*[/.\-]\s*\d{1,2}(?:\s*[/.\-]\s*\d{2,4})?"
                    r"|\bthang\s+\d{1,2}(?:\s*(?:/|nam)\s*\d{4})?)")
_LABEL_HEAD = re.compile(r"^(?:\s|[,;.:)(]|\bva\b|\bde\b)+")
_LABEL_TAIL = re.compile(r"(?:\s|[,;.:)(]|\bcham nhat\b|\bla\b|\btruoc\b|\btrong\b|\bden\b|\bvao\b|"
                         r"\bngay\b|\bhan\b)+$")


def _add(day: dt.date, n: int, unit: str) -> dt.date:
    if unit == "ngay":
        return day + dt.timedelta(days=n)
    if unit == "tuan":
        return day + dt.timedelta(weeks=n)
    month = day.month - 1 + n
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _steps(original: str, low: str, plan_year: int, dates: tuple[dt.date, ...]) -> tuple[Milestone, ...]:
    """Label each milestone with the words before its date ("Ban hành kế hoạch", "tổ chức kiểm
    tra", ...).  ``low`` is ``original`` without diacritics, same length."""
    labels: dict[dt.date, str] = {}
    start = 0
    for m in _DATED.finditer(low):
        found = parse_deadline(original[m.start():m.end()], plan_year).due
        if found is None or found not in dates:
            continue
        # trim connectors and date words ("chậm nhất là ngày") on the folded copy, same offsets
        piece = low[start:m.start()]
        head = _LABEL_HEAD.match(piece)
        tail = _LABEL_TAIL.search(piece)
        left = start + (head.end() if head else 0)
        right = max(left, start + (tail.start() if tail else len(piece)))
        label = original[left:right].strip(" ,;.")
        labels.setdefault(found, label[:1].upper() + label[1:])
        start = m.end()
    return tuple(Milestone(label=labels.get(d, ""), due=d) for d in dates)


def _last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _year(raw: str | None, default: int) -> int:
    if not raw:
        return default
    y = int(raw)
    return y + 2000 if y < 100 else y


def parse_deadline(text: object, plan_year: int) -> Deadline:
    """Parse ``text``; ``plan_year`` fills in missing years."""
    original = normalize_text(text)
    if not original:
        return Deadline(text="", kind=DeadlineKind.UNKNOWN)
    # Use the folded form for keywords but keep "/" and digits: fold() drops
    # punctuation, so build a variant that keeps "/" "-" ".".
    low = strip_diacritics(original).lower()
    words = fold(original)

    milestones: list[tuple[dt.date, DeadlineKind]] = []
    consumed = low
    for m in _DATE_WORDS.finditer(words):
        d, mo, y = int(m.group(1)), int(m.group(2)), _year(m.group(3), plan_year)
        try:
            milestones.append((dt.date(y, mo, d), DeadlineKind.DATE))
        except ValueError:
            pass
    words_rest = _DATE_WORDS.sub(" ", words)
    for m in _DATE.finditer(low):
        d, mo = int(m.group(1)), int(m.group(2))
        # "tháng 9/2025" is a month, not day 9 of month 2025: skip those
        prefix = low[max(0, m.start() - 6): m.start()]
        if "thang" in prefix and m.group(3) is None:
            continue
        if "thang" in prefix and len(m.group(2)) == 4:
            continue
        try:
            milestones.append((dt.date(_year(m.group(3), plan_year), mo, d), DeadlineKind.DATE))
        except ValueError:
            continue
        consumed = consumed.replace(m.group(0), " ")
    for m in _MONTH.finditer(_DATE_WORDS.sub(" ", fold(consumed))):
        mo = int(m.group(1))
        if 1 <= mo <= 12:
            milestones.append((_last_day(_year(m.group(2), plan_year), mo), DeadlineKind.MONTH))
    q = _QUARTER.search(words_rest)
    if q and milestones:   # "đăng ký trong Quý I, hoàn thành trong tháng 10/2025": both are milestones
        year = _year(q.group(2), max(d for d, _ in milestones).year)
        milestones.append((_last_day(year, _ROMAN[q.group(1)] * 3), DeadlineKind.QUARTER))
    if q and not milestones:
        quarter = _ROMAN[q.group(1)]
        year = _year(q.group(2), plan_year)
        due = _last_day(year, quarter * 3)
        return Deadline(text=original, kind=DeadlineKind.QUARTER, due=due, milestones=(due,))
    # "9/2025" written without "tháng"
    if not milestones:
        m = re.search(r"(?<![\d/])\b(\d{1,2})\s*/\s*(\d{4})\b", low)  # not the tail of "31/2/2025"
        if m and 1 <= int(m.group(1)) <= 12:
            milestones.append((_last_day(int(m.group(2)), int(m.group(1))), DeadlineKind.MONTH))

    if milestones and (offset := _OFFSET.search(words)) and len(milestones) == 1:
        # "Sau 02 tháng kể từ ngày 01/7/2025": a date counted from the one written
        due = _add(milestones[0][0], int(offset.group(1)), offset.group(2))
        return Deadline(text=original, kind=DeadlineKind.DATE, due=due, milestones=(due,))
    if milestones:
        milestones.sort(key=lambda x: x[0])
        due, kind = milestones[-1]
        dates = tuple(sorted({d for d, _ in milestones}))
        return Deadline(text=original, kind=kind, due=due, milestones=dates,
                        steps=_steps(original, low, plan_year, dates) if len(dates) > 1 else ())

    if _HALF.search(words):
        due = dt.date(plan_year, 6, 30)
        return Deadline(text=original, kind=DeadlineKind.QUARTER, due=due, milestones=(due,))

    year_m = _YEAR.search(words)
    year = _year(year_m.group(1), plan_year) if year_m else plan_year

    if _EVENT.search(words):   # "thường xuyên khi có yêu cầu": only when the event happens
        return Deadline(text=original, kind=DeadlineKind.CONDITIONAL)

    if _RECURRING.search(words) or _AND_LATER.search(words):
        rec = next((name for name, pattern in _RECURRENCE if pattern.search(words)),
                   "yearly" if _AND_LATER.search(words) else "continuous")
        return Deadline(text=original, kind=DeadlineKind.RECURRING, due=dt.date(year, 12, 31),
                        recurrence=rec)

    if re.search(r"\bkhi co\b|\bsau khi\b|\bke tu\b|\btheo (ke hoach|lo trinh|yeu cau|quy dinh|chi dao|huong dan|thoi gian quy dinh|thoi han quy dinh)\b|\btu phat hien\b", words):
        return Deadline(text=original, kind=DeadlineKind.CONDITIONAL)

    if year_m or re.search(r"\btrong nam\b|\bca nam\b|\bnam nay\b", words):
        due = dt.date(year, 12, 31)
        return Deadline(text=original, kind=DeadlineKind.YEAR, due=due, milestones=(due,))

    return Deadline(text=original, kind=DeadlineKind.UNKNOWN)


def task_milestones(text: str, plan_year: int, due: dt.date | None = None) -> list[Milestone]:
    """The dated steps of a deadline text with several milestones ([] for one date or none).

    The last step is the task's due date: when "Hạn (ngày)" was set by hand (``due``), it
    replaces the last step and steps not before it are dropped.
    """
    steps = list(_steps_of(text, plan_year)) if text and any(c.isdigit() for c in text) else []
    if not steps or due is None or due == steps[-1].due:
        return steps
    kept = [m for m in steps[:-1] if m.due < due]
    return kept + [steps[-1].model_copy(update={"due": due})] if kept else []


@functools.lru_cache(maxsize=4096)
def _steps_of(text: str, plan_year: int) -> tuple[Milestone, ...]:
    """Milestones of a text (cached: a master repeats few distinct texts over many rows)."""
    return parse_deadline(text, plan_year).steps


KIND_LABELS = {
    DeadlineKind.DATE: "Ngày cụ thể",
    DeadlineKind.MONTH: "Trong tháng",
    DeadlineKind.QUARTER: "Trong quý",
    DeadlineKind.YEAR: "Trong năm",
    DeadlineKind.RECURRING: "Thường xuyên/định kỳ",
    DeadlineKind.CONDITIONAL: "Theo điều kiện",
    DeadlineKind.UNKNOWN: "Không xác định",
}
