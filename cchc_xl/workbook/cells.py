"""The one way cchc_xl puts a value into an openpyxl cell: text always stays text.

openpyxl turns any string starting with "=" into a formula (``data_type`` "f", an
``<f>`` element in the file).  Every writer of the package goes through
``put``/``set_value`` instead of ``ws.cell(value=...)``/``cell.value = ...`` for values
that did not come from our own code (task text, unit names and aliases, notes,
report lines, audit rows): strings are stored with ``data_type`` "s" (an inline/
shared string, never ``<f>``), and text whose first visible character is a formula
lead also gets Excel's quote prefix, so that editing the cell later keeps it text.
Intentional formulas (dashboard, report sheet) are written with ``put_formula``.

``formula_text_findings(wb)`` lists the cells whose text looks like a real formula
or DDE call (``cchc_xl.core.safety.looks_like_formula``): what an import reports as
neutralised.
"""

from __future__ import annotations

from typing import Any, Iterable

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from cchc_xl.core.findings import catalog
from cchc_xl.core.models import Finding
from cchc_xl.core.safety import looks_like_formula, preview, starts_like_formula

__all__ = ["formula_text_findings", "put", "put_formula", "set_value", "text_guard"]


def text_guard(cell: Cell) -> Cell:
    """Make the string already in ``cell`` text for good (string type + quote prefix when needed)."""
    value = cell._value
    if isinstance(value, str):
        cell.data_type = "s"
        if starts_like_formula(value) and not cell.quotePrefix:
            cell.quotePrefix = True
    return cell


def set_value(cell: Cell, value: Any) -> Cell:
    """``cell.value = value``, except that a string is always stored as text."""
    cell.value = value
    if isinstance(value, str):
        text_guard(cell)
    return cell


def put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """``ws.cell(row, column, value)`` with text kept as text (see ``set_value``)."""
    return set_value(ws.cell(row=row, column=column), value)


def put_formula(ws: Worksheet, row: int, column: int, formula: str) -> Cell:
    """An intentional formula written by our own code (must start with "=")."""
    if not formula.startswith("="):
        raise ValueError(f"not a formula: {formula!r}")
    cell = ws.cell(row=row, column=column)
    cell.value = formula
    return cell


def formula_text_findings(wb: Any, file: str = "", sheets: Iterable[str] | None = None) -> list[Finding]:
    """One ``formula_text`` finding per text cell that looks like a formula/DDE call (neutralised).

    ``sheets`` default: the visible sheets (hidden bookkeeping sheets repeat their text).
    """
    out: list[Finding] = []
    names = list(sheets) if sheets is not None else [ws.title for ws in wb.worksheets
                                                      if ws.sheet_state == "visible"]
    for name in names:
        if name not in wb.sheetnames:
            continue
        ws = wb[name]
        # the cells openpyxl holds, in row order (not its rectangle: a sheet carried over from an
        # old master may have a formatted cell at XFD1048576)
        for _, cell in sorted(ws._cells.items()):
            v = cell._value
            if isinstance(v, str) and cell.data_type == "s" and looks_like_formula(v):
                out.append(catalog.FORMULA_TEXT(text=preview(v), file=file, sheet=name,
                                                cell=cell.coordinate))
    return out
