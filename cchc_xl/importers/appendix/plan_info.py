"""The plan header read from the text above the table: number, date, commune, province, year."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Iterable

from cchc_xl.core.models import PlanInfo
from cchc_xl.core.text import fold, normalize_text
from cchc_xl.importers.appendix.table import _title_lines, find_header, header_map


# ---------------------------------------------------------------- plan header

_PLAN_NO = re.compile(r"(?:Kế hoạch|Quyết định)\s+số[:\s]*([0-9]+\s*/\s*[0-9A-Za-zĐđ/\-–]+)", re.I)
_PLAN_DATE = re.compile(r"ngày\s+(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})", re.I)
_PLAN_DATE_WORDS = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.I)
_COMMUNE = re.compile(r"(?:UBND|Ủy ban nhân dân)\s+(xã|phường|thị trấn|đặc khu)\s+((?:\w+\s*)+)", re.I)
_PROVINCE = re.compile(r"(?<!\w)(tỉnh|thành phố)\s+((?:\w+\s*)+)", re.I)
_YEAR_WORD = re.compile(r"\bnam (20\d\d)\b")


def guess_plan_info(lines: Iterable[str], year: int) -> PlanInfo | None:
    """PlanInfo from title lines like "(Ban hành kèm theo Kế hoạch số 149/KH-UBND ngày
    30/7/2025 của UBND xã Quảng Sơn)"; None when nothing is recognised."""
    text = "\n".join(normalize_text(x) for x in lines if normalize_text(x))
    number = date = None
    if m := _PLAN_NO.search(text):
        number = re.sub(r"\s+", "", m.group(1)).replace("–", "-")
    for rx in (_PLAN_DATE, _PLAN_DATE_WORDS):
        if (m := rx.search(text)) and date is None:
            try:
                date = dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            except ValueError:
                date = None
    commune = _named(_COMMUNE, text)
    province = _named(_PROVINCE, text)
    if not (number or date or commune):
        return None
    return PlanInfo(year=year, plan_number=number or "", plan_date=date, commune=commune,
                    province=province)


def _named(rx: re.Pattern[str], text: str) -> str:
    """"xã Quảng Sơn" from the first match of ``rx`` followed by a capitalised name."""
    for m in rx.finditer(text):
        words = []
        for word in m.group(2).split():
            if not word[:1].isupper():
                break
            words.append(word.title() if word.isupper() else word)
        if words:
            return f"{m.group(1).lower()} {' '.join(words)}"
    return ""


def guess_year(rows: list[list[str]], preamble: Iterable[str] = ()) -> int | None:
    """Plan year from the title ("... NĂM 2025"), the plan date or the deadline texts."""
    clean = [[normalize_text(c) for c in r] for r in rows]
    h = find_header(clean)
    head = _title_lines(clean[:h] if h is not None else clean[:10]) + [normalize_text(x) for x in preamble]
    for line in head:
        if m := _YEAR_WORD.search(fold(line)):
            return int(m.group(1))
    info = guess_plan_info(head, 0)
    if info and info.plan_date:
        return info.plan_date.year
    if h is None:
        return None
    col = header_map(clean[h]).get("deadline_text")
    years: Counter[int] = Counter()
    for r in clean[h + 1:]:
        if col is not None and col < len(r):
            years.update(int(y) for y in re.findall(r"\b(20\d\d)\b", r[col]))
    return years.most_common(1)[0][0] if years else None


