"""Read the figures of "Số liệu" from an .xlsx export (one-stop centre, budget system...).

An export is any workbook where a row names an indicator (as on the sheet
"Số liệu", or one of its usual wordings: "Tổng số hồ sơ tiếp nhận", "+ Trực tuyến",
"Tỷ lệ giải ngân (%)"...) and the first number to the right of the name is its value.
A cell formatted as a percentage (0,9622 shown as 96,22 %) is read as 96,22.
Every row is accounted for: read (indicator, value, cell) or skipped (why).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cchc_xl.core import indicators as I
from cchc_xl.core.findings import catalog as F
from cchc_xl.core.models import Finding
from cchc_xl.core.periods import ReportingPeriod
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
        for row in worksheet_rows(ws, p.name, cells=True):     # within the rectangle of values
            cells = [c for c in row if c.value not in (None, "")]
            if not cells:
                continue
            label_i = next((i for i, c in enumerate(cells) if isinstance(c.value, str)
                            and I.match_label(c.value)), None)
            if label_i is None:
                text = next((str(c.value) for c in cells if isinstance(c.value, str)), "")
                if text:
                    out.skipped.append((ws.title, cells[0].coordinate, f"không phải chỉ tiêu: {text[:60]}"))
                continue
            label = cells[label_i]
            key = I.match_label(label.value) or ""
            ind = I.BY_KEY[key]
            value_cell = next((c for c in cells[label_i + 1:] if _numeric(c.value)), None)
            if value_cell is None:
                out.skipped.append((ws.title, label.coordinate, f"\"{ind.label}\" không có số liệu"))
                continue
            value, problem = I.parse_value(ind, value_cell.value, period.short_label, file=p.name,
                                           sheet=ws.title, cell=value_cell.coordinate,
                                           fraction_percent="%" in (value_cell.number_format or ""))
            if problem:
                out.errors.append(problem)
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


def _numeric(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, str):
        try:
            return I.parse_number(value) is not None
        except ValueError:
            return False
    return False
