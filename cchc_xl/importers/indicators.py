"""Read the figures of "Số liệu" from an .xlsx export (one-stop centre, budget system...).

An export is any workbook where a row names an indicator (as on the sheet
"Số liệu", or one of its usual wordings: "Tổng số hồ sơ tiếp nhận", "+ Trực tuyến",
"Tỷ lệ giải ngân (%)"...) and a cell to the right of the name holds its value.

Which cell: when the table has a header row ("Chỉ tiêu | Số lượng | Ghi chú",
"Nội dung | Năm 2024 | Năm 2025 | So sánh"), the value is in the column of the period
(its header names this period's year, or "kỳ này", "thực hiện", "số lượng"...), never in a
column of an earlier period, a plan or a comparison ("cùng kỳ", "năm trước", "kế hoạch",
"so sánh", "tăng/giảm"), a unit ("ĐVT") or a note; an empty cell there is skipped, not
replaced by the next number of the row.  Without a header row the value is the first
cell to the right of the name that is not a unit word ("hồ sơ").  Either way a cell that
is there but is not a number ("1.268 hồ sơ", "abc") is an error: nothing is imported.
A cell formatted as a percentage (0,9622 shown as 96,22 %) is read as 96,22.
Every row is accounted for: read (indicator, value, cell) or skipped (why).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cchc_xl.core import indicators as I
from cchc_xl.core.findings import catalog as F
from cchc_xl.core.models import Finding
from cchc_xl.core.periods import ReportingPeriod
from cchc_xl.core.text import fold
from cchc_xl.files.excel import load_xlsx, worksheet_rows


@dataclass
class ReadValue:
    key: str
    value: float
    sheet: str
    cell: str
    text: str            # the label as written in the export


@dataclass
class ExportRead:
    values: list[ReadValue] = field(default_factory=list)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)   # (sheet, cell, why)
    errors: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict[str, float]:
        return {v.key: v.value for v in self.values}


def read_export(path: str | os.PathLike[str], period: ReportingPeriod) -> ExportRead:
    """Indicators found in the export ``path`` (a bad value is an error: nothing is imported)."""
    p = Path(path)
    wb = load_xlsx(p, data_only=True)
    out = ExportRead()
    seen: dict[str, ReadValue] = {}
    for ws in wb.worksheets:
        header: dict[int, str] = {}                 # column -> header text of the table in force
        for row in worksheet_rows(ws, p.name, cells=True):     # within the rectangle of values
            cells = [c for c in row if c.value not in (None, "")]
            if not cells:
                continue
            label_i = next((i for i, c in enumerate(cells) if isinstance(c.value, str)
                            and I.match_label(c.value)), None)
            if label_i is None:
                if _is_header(cells):
                    header = {c.column: str(c.value) for c in cells}
                    continue
                text = next((str(c.value) for c in cells if isinstance(c.value, str)), "")
                if text:
                    out.skipped.append((ws.title, cells[0].coordinate, f"không phải chỉ tiêu: {text[:60]}"))
                continue
            label = cells[label_i]
            key = I.match_label(label.value) or ""
            ind = I.BY_KEY[key]
            value_cell, why = _value_cell(row, label.column, header, period)
            if value_cell is None:
                out.skipped.append((ws.title, label.coordinate, f"\"{ind.label}\" {why}"))
                continue
            value, problem = I.parse_value(ind, value_cell.value, period.short_label, file=p.name,
                                           sheet=ws.title, cell=value_cell.coordinate,
                                           fraction_percent="%" in (value_cell.number_format or ""))
            if problem:
                out.errors.append(problem)
                continue
            if value is None:                       # "" after normalising: nothing there
                out.skipped.append((ws.title, label.coordinate, f"\"{ind.label}\" không có số liệu"))
                continue
            if key in seen:
                out.skipped.append((ws.title, label.coordinate,
                                    f"\"{ind.label}\" đã đọc ở ô {seen[key].cell} (trang {seen[key].sheet})"))
                continue
            seen[key] = ReadValue(key, value, ws.title, value_cell.coordinate, str(label.value))
            out.values.append(seen[key])
    if not out.values and not out.errors:
        out.errors.append(F.IND_IMPORT_EMPTY(file=p.name))
    return out


# words of a table header (folded): a row holding one of them and no indicator is a header row
_HEADER_WORDS = re.compile(r"\b(chi tieu|noi dung|so luong|so lieu|ket qua|ky nay|ky bao cao|thuc hien|nam|"
                           r"quy|thang|cung ky|ke hoach|ghi chu|dvt|don vi tinh|ty le|stt|tt|so sanh)\b")
# columns that never hold this period's value: a unit, a note, a row number
_NOT_VALUE = re.compile(r"^(dvt|don vi tinh|don vi|ghi chu|stt|tt|so tt)\b")
# columns of another period, a plan or a comparison
_OTHER_PERIOD = re.compile(r"\b(cung ky|nam truoc|ky truoc|quy truoc|thang truoc|ke hoach|chi tieu giao|"
                           r"so sanh|tang|giam|chenh lech|du toan)\b")
# columns that say they hold the period's figures
_THIS_PERIOD = re.compile(r"\b(ky nay|ky bao cao|thuc hien|so luong|so lieu|ket qua|gia tri)\b")


def _is_header(cells: list[Any]) -> bool:
    """A row of two or more texts, one of them a header word ("Chỉ tiêu", "Số lượng", "ĐVT"...)."""
    return (len(cells) >= 2 and all(isinstance(c.value, str) for c in cells)
            and any(_HEADER_WORDS.search(fold(c.value)) for c in cells))


def _value_column(header: dict[int, str], after: int, period: ReportingPeriod) -> tuple[int | None, str]:
    """Column of the period's value right of column ``after`` by the header, or (None, why)."""
    year = str(period.year)
    years = re.compile(r"\b(19|20)\d\d\b")
    candidates = []
    for col in sorted(c for c in header if c > after):
        text = fold(header[col])
        if not text or _NOT_VALUE.match(text):
            continue
        other_year = any(y.group(0) != year for y in years.finditer(text)) and year not in text.split()
        candidates.append((col, text, bool(_OTHER_PERIOD.search(text)) or other_year))
    for col, text, other in candidates:           # a column naming this period's year
        if year in text.split() and not other:
            return col, ""
    for col, text, other in candidates:           # "Kỳ này", "Thực hiện", "Số lượng"...
        if _THIS_PERIOD.search(text) and not other:
            return col, ""
    for col, text, other in candidates:
        if not other:
            return col, ""
    if candidates:
        names = ", ".join(f"'{header[c]}'" for c, _, _ in candidates)
        return None, f"không có cột số liệu của {period.short_label} (các cột {names} là kỳ khác, kế hoạch hoặc so sánh)"
    return None, "không có số liệu"


def _value_cell(row: tuple[Any, ...], label_col: int, header: dict[int, str],
                period: ReportingPeriod) -> tuple[Any | None, str]:
    """The cell holding the value of the indicator named in column ``label_col``, or (None, why).

    With a header the column decides (an empty cell there is "no value", never the next
    number of the row); without one, the first cell right of the name that is not a unit word."""
    right = [c for c in row if c.column > label_col and c.value not in (None, "")]
    if header:
        col, why = _value_column(header, label_col, period)
        if col is None:
            return None, why
        cell = next((c for c in right if c.column == col), None)
        return (cell, "") if cell is not None else (None, f"không có số liệu (cột '{header[col]}' trống)")
    for c in right:
        if isinstance(c.value, str) and not re.search(r"\d", c.value) and _unit_word(c.value):
            continue                                # "hồ sơ", "%" beside the number
        return c, ""
    return None, "không có số liệu"


def _unit_word(text: str) -> bool:
    """A short text without digits beside a number: its unit ("hồ sơ", "thủ tục", "%")."""
    return len(fold(text).split()) <= 3
