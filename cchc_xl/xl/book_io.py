"""Read the open master workbook and write back to it through the xlwings ``Book`` API.

Everything here uses only the public ``xw.Book``/``Sheet``/``Range`` API, so the
same code runs

* in desktop Excel (VBA ``RunPython`` -> ``xw.Book.caller()``), where writes go
  straight into the open workbook (never into the file on disk), and
* on a JSON book (``xw.Book(json=payload)``, xlwings' "remote" engine used by
  Office.js / Office Scripts / xlwings Server), where writes become the list of
  actions returned by ``book.json()`` for the client to apply.

Values are read from A1 as plain tuples and handed to ``records.read_master_sheets``.
Integral floats (Excel stores every number as a double) become ``int`` so that a
"TT" cell holding 1 reads as ``1`` like with openpyxl, not ``1.0``.

The remote engine is part of xlwings PRO (dual licence, PolyForm Noncommercial or
commercial); it needs ``XLWINGS_LICENSE_KEY`` (``noncommercial`` is accepted by
xlwings 0.37).  Desktop Excel does not need any key.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import xlwings as xw
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries

from cchc_xl.core import schema as S
from cchc_xl.core.records import MasterData, read_master_sheets, refuse_unit_book
from cchc_xl.core.findings import catalog
from cchc_xl.core.models import SEVERITY_LABELS, Finding
from cchc_xl.core.safety import starts_like_formula
from cchc_xl.files.sheet_scan import MAX_VALUE_CELLS

FINDINGS_SHEET = "Kết quả kiểm tra"
MESSAGE_TITLE = "Cải cách hành chính"
FINDINGS_HEADERS = ("STT", "Mức độ", "Vị trí", "Mã NV", "Nội dung", "Đi tới")

# text Excel would coerce into a number/date/time/boolean ("0123", "05/11/2026 10:00",
# "80%", "1e5", "TRUE"); formula-like text ("=SUM(..)", "- Văn bản", " ＝X") is decided by
# ``cchc_xl.core.safety.starts_like_formula``
_NEEDS_QUOTE = re.compile(r"^\s*[\d.,/:%\s-]+\s*$|^\s*[\d.]+e[+-]?\d+\s*$|^(true|false)$",
                          re.IGNORECASE)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


# ------------------------------------------------------------------ engines / books

def is_remote(book: xw.Book) -> bool:
    """True for a JSON book (xlwings remote engine), False for desktop Excel."""
    return type(book.impl).__module__.endswith("_xlremote")


def enable_remote_engine() -> None:
    """Register xlwings' JSON ("remote") engine if ``import xlwings`` did not.

    xlwings only registers it at import time when a licence key is set; this
    lets a key set later (server start-up, tests) take effect.
    """
    if "remote" in [e.name for e in xw.engines]:
        return
    if not os.environ.get("XLWINGS_LICENSE_KEY"):
        raise catalog.XLWINGS_LICENSE.error()
    from xlwings.main import Engine
    from xlwings.pro import _xlremote

    xw.engines.add(Engine(impl=_xlremote.engine))


def open_json_book(payload: dict[str, Any]) -> xw.Book:
    """``xw.Book(json=payload)`` after making sure the remote engine is available.

    The book works on a copy: xlwings updates its payload in place (added sheets,
    names), and the caller's payload must stay what the client sent.
    """
    enable_remote_engine()
    return xw.Book(json=copy.deepcopy(payload))


def rich_formatting(book: xw.Book) -> bool:
    """Whether the client applies formatting actions (fonts, widths, merges).

    Desktop Excel and the Office.js client do; Office Scripts' ``xlwings.ts``
    only knows values/sheets/number formats and fails on the others.
    """
    return not is_remote(book) or book.impl.api.get("client") == "Office.js"


def book_path(book: xw.Book) -> Path | None:
    """Full path of the book's file on disk; ``None`` for JSON books, unsaved or cloud books."""
    if is_remote(book):
        return None
    try:
        name = book.fullname   # xlwings maps OneDrive/SharePoint URLs to the synced folder...
    except Exception:          # ...and raises when it cannot find that folder
        return None
    if not name or re.match(r"^[a-z]+://", name, re.IGNORECASE):
        return None   # OneDrive/SharePoint books report a URL
    path = Path(name)
    return path if path.is_absolute() else None


# ------------------------------------------------------------------ reading

def plain_value(value: Any) -> Any:
    """Excel value -> the value openpyxl would give (1.0 -> 1, "" -> None)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if value == "":
        return None
    return value


def sheet_rows(sheet: xw.Sheet) -> list[tuple[Any, ...]]:
    """All values of ``sheet`` from A1 to the last used cell, as tuples.

    Excel's used range reaches the farthest cell used, a formatted empty one included: past
    ``MAX_VALUE_CELLS`` cells it is refused by name (``sheet_too_far``) rather than asking
    Excel for billions of values."""
    last = sheet.used_range.last_cell
    if last.row * last.column > MAX_VALUE_CELLS:
        raise catalog.SHEET_TOO_FAR.error(
            sheet=sheet.name, cells=f"ô {last.address.replace('$', '')} (vùng đã dùng, kể cả ô chỉ có định dạng)",
            rows=last.row, columns=last.column, file=sheet.book.name, cell=last.address.replace("$", ""))
    values = range_values(sheet.range((1, 1), (last.row, last.column)))
    rows = [tuple(plain_value(v) for v in row) for row in values or []]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    return rows


# how an Office.js / Office Scripts client sends a date cell: ISO text in UTC ("Z")
_CLIENT_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


def _client_value(value: Any) -> Any:
    """A value of a JSON book as sent, read as xlwings reads it, except for text: only what the
    client sends for a date ("2025-09-14T00:00:00.000Z") becomes a date; any other text stays
    text as typed ("2025-09-10T08:30:00", the created_at of a unit workbook's "_meta", which
    xlwings' own reader cuts to "...:0" and fails on with an English ValueError)."""
    if isinstance(value, str) and _CLIENT_DATETIME.match(value):
        try:
            return dt.datetime.fromisoformat(value[:-1])
        except ValueError:
            return value
    return value


def range_values(rng: xw.Range) -> list[list[Any]]:
    """Values of ``rng`` as rows (2-D even for one cell); error values as their text ("#REF!"), as a
    JSON book sends them: never an empty cell.

    A JSON book's values are read as the client sent them (``raw_value``, ``_client_value``), not
    through xlwings' converter, which takes any text looking like an ISO date-time for a date."""
    if is_remote(rng.sheet.book):
        return [[None if v == "" else _client_value(v) for v in row] for row in rng.raw_value or []]
    return rng.options(ndim=2, empty=None, err_to_str=True).value


def find_sheet(book: xw.Book, name: str) -> xw.Sheet | None:
    """Sheet by name (case-insensitive), or ``None``."""
    key = name.casefold()
    return next((s for s in book.sheets if s.name.casefold() == key), None)


def book_sheets(book: xw.Book, names: Iterable[str] | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """``{sheet name: rows from A1}`` for every sheet (or only ``names``)."""
    wanted = {n.casefold() for n in names} if names is not None else None
    return {s.name: sheet_rows(s) for s in book.sheets
            if wanted is None or s.name.casefold() in wanted}


def master_sheets(book: xw.Book) -> dict[str, list[tuple[Any, ...]]]:
    """``book_sheets`` of the open master, refused first when its "_meta" says it is a unit
    workbook (``records.refuse_unit_book``, as every command refuses it): no button reads a
    setting of, or writes into, a unit's form."""
    sheets = book_sheets(book)
    meta = next((rows for name, rows in sheets.items() if name.casefold() == S.SHEET_META.casefold()), None)
    if meta is not None:
        refuse_unit_book(list(meta), book.name)
    return sheets


def book_formula_refs(book: xw.Book, names: Iterable[str]) -> dict[str, frozenset[str]]:
    """``{sheet: addresses}`` of the cells holding a formula in the sheets ``names`` of the
    open book (sheets without any left out).

    Desktop Excel reads them (``Range.formula`` of the used range); a JSON book cannot say
    (xlwings' remote engine sends values only, formulas only on an asynchronous request):
    ``{}``, and what is written there may replace a formula (the command-line tools read it
    from the file)."""
    if is_remote(book):
        return {}
    out: dict[str, frozenset[str]] = {}
    for name in names:
        sheet = find_sheet(book, name)
        if sheet is None:
            continue
        rng = sheet.used_range
        refs = formula_refs_from_grid(rng.formula, rng.row, rng.column)
        # a text typed with a leading apostrophe ("'=...") also reads "=...": Excel says which are formulas
        refs = frozenset(ref for ref in refs if _has_formula(sheet, ref))
        if refs:
            out[sheet.name] = refs
    return out


def _has_formula(sheet: xw.Sheet, ref: str) -> bool:
    try:
        return bool(sheet.range(ref).api.HasFormula)
    except Exception:     # not known: counted as a formula (kept, never written over)
        return True


EXCEL_ERRORS = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"))


def book_error_cells(sheets: dict[str, list[tuple[Any, ...]]], names: Iterable[str]
                     ) -> tuple[dict[str, list[tuple[Any, ...]]], dict[str, dict[str, str]]]:
    """(``sheets`` with the error values of the sheets ``names`` read as empty cells, ``{sheet:
    {address: "#REF!"}}`` of those cells).

    ``sheet_rows`` reads an error value as its text (a JSON book sends it so); the files are
    read by python-calamine, which gives an empty cell.  Both then go the same way: the cell is
    named (Tạo phiếu) and never written over (Tổng hợp)."""
    out: dict[str, dict[str, str]] = {}
    clean = dict(sheets)
    for name in names:
        rows = sheets.get(name) or []
        cells = {f"{get_column_letter(j)}{i}": v for i, row in enumerate(rows, start=1)
                 for j, v in enumerate(row, start=1) if type(v) is str and v in EXCEL_ERRORS}
        if cells:
            out[name] = cells
            clean[name] = [tuple(None if type(v) is str and v in EXCEL_ERRORS else v for v in row) for row in rows]
    return clean, out


def formula_refs_from_grid(grid: Any, first_row: int = 1, first_column: int = 1) -> frozenset[str]:
    """Addresses of the formulas in what Excel's ``Range.Formula`` gives for a range whose
    top-left cell is at (``first_row``, ``first_column``): a text for one cell, rows of
    texts otherwise; a formula is a text starting with "="."""
    if isinstance(grid, str) or grid is None:
        grid = ((grid,),)
    elif grid and not isinstance(grid[0], (list, tuple)):
        grid = (grid,)
    return frozenset(f"{get_column_letter(first_column + j)}{first_row + i}"
                     for i, row in enumerate(grid) for j, f in enumerate(row)
                     if isinstance(f, str) and f.startswith("=") and len(f) > 1)


def read_book(book: xw.Book, sheets: dict[str, list[tuple[Any, ...]]] | None = None) -> MasterData:
    """Read the open master into ``MasterData`` (``CchcError`` when it is not a master)."""
    sheets = book_sheets(book) if sheets is None else sheets
    data = read_master_sheets(sheets, file=book.name)
    path = book_path(book)
    data.path = str(path) if path else ""
    return data


# ------------------------------------------------------------------ writing

def excel_value(value: Any) -> Any:
    """Python value -> what to put in a cell.

    Text that Excel would turn into a formula, a number, a date or an error value ("=...",
    "- Văn bản số ...", "0123", "05/11/2026 10:00", "#N/A") gets a leading apostrophe so it
    is stored as text, as written (a date typed as text is read per the PC's locale).
    """
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, str):
        if value == "":
            return None
        if starts_like_formula(value) or _NEEDS_QUOTE.match(value) or value.strip().upper() in EXCEL_ERRORS:
            return "'" + value      # "#N/A" typed as text: Excel would store the error value
    return value


class BookWriter:
    """Writes cells and appends rows; remembers appended rows per sheet.

    On a JSON book the sheet values do not change until the client applies the
    actions, so the next free row of each sheet is tracked here.
    """

    def __init__(self, book: xw.Book):
        self.book = book
        self._next_row: dict[str, int] = {}
        self.cells_written = 0
        self.rows_appended = 0

    def sheet(self, name: str) -> xw.Sheet:
        sheet = find_sheet(self.book, name)
        if sheet is None:
            raise catalog.SHEET_NOT_FOUND.error(name=name, file=self.book.name, sheet=name)
        return sheet

    def set(self, sheet: str, cell: str, value: Any) -> None:
        """Write one cell, e.g. ``set("Phân công", "M12", "Đã hoàn thành")``."""
        self.sheet(sheet).range(cell).value = excel_value(value)
        self.cells_written += 1

    def set_cells(self, changes: Iterable[Any]) -> int:
        """Write ``(sheet, cell, value)`` tuples or objects with ``sheet``/``cell``/``new``."""
        n = 0
        for change in changes:
            if isinstance(change, (tuple, list)):
                sheet, cell, value = change
            else:
                sheet, cell, value = change.sheet, change.cell, change.new
            self.set(sheet, cell, value)
            n += 1
        return n

    def next_free_row(self, sheet: str) -> int:
        key = sheet.casefold()
        if key not in self._next_row:
            rows = sheet_rows(self.sheet(sheet))
            self._next_row[key] = max(len(rows), S.HEADER_ROW) + 1
        return self._next_row[key]

    def append(self, sheet: str, rows: Sequence[Any]) -> int:
        """Append one row (a sequence of values) or several rows; returns the first row written."""
        if not rows:
            return self.next_free_row(sheet)
        block = [list(r) for r in rows] if isinstance(rows[0], (list, tuple)) else [list(rows)]
        width = max(len(r) for r in block)
        block = [[excel_value(v) for v in r] + [None] * (width - len(r)) for r in block]
        first = self.next_free_row(sheet)
        self.sheet(sheet).range((first, 1)).value = block
        self._next_row[sheet.casefold()] = first + len(block)
        self.rows_appended += len(block)
        return first


def set_cells(book: xw.Book, changes: Iterable[Any]) -> int:
    """Write cell changes (see ``BookWriter.set_cells``); returns how many were written."""
    return BookWriter(book).set_cells(changes)


def append_rows(book: xw.Book, sheet: str, rows: Sequence[Sequence[Any]]) -> int:
    """Append rows below the last used row of ``sheet``; returns the first row written.

    A JSON book only changes when the client applies the actions: for several
    appends to one JSON book use one ``BookWriter``, which tracks the next row.
    """
    return BookWriter(book).append(sheet, rows)


def cosmetic(action: Callable[[], Any]) -> None:
    """Formatting is best effort: what an engine lacks must not stop a handler.

    (NotImplementedError on JSON books, COM errors on old Excel versions.)
    """
    try:
        action()
    except Exception:
        pass


def replace_sheet(book: xw.Book, name: str, *, after: str | None = None) -> xw.Sheet:
    """Existing sheet ``name`` cleared, or a new one added (after ``after`` or at the end)."""
    sheet = find_sheet(book, name)
    if sheet is not None:
        sheet.clear_contents()
        return sheet
    anchor = find_sheet(book, after) if after else None
    if anchor is None:
        anchor = book.sheets[len(book.sheets) - 1]
    return book.sheets.add(name=name, after=anchor)


def _column_width(book: xw.Book, rng: xw.Range, chars: float) -> None:
    # desktop Excel counts characters, Office.js points (about 7 per character)
    width = chars * 7 if is_remote(book) else chars
    cosmetic(lambda: setattr(rng, "column_width", width))


_CELL_REF = re.compile(r"^\$?[A-Z]{1,3}\$?[1-9]\d{0,6}$")


def _link(sheet: str, cell: str) -> str | None:
    """A "Mở" link to the cell (our own formula: only a plain cell reference, quotes doubled)."""
    if not sheet or (cell and not _CELL_REF.match(cell)) or any(ord(ch) < 32 for ch in sheet):
        return None
    target = f"#'{sheet.replace(chr(39), chr(39) * 2)}'!{cell or 'A1'}".replace('"', '""')
    return f'=HYPERLINK("{target}","Mở")'


def findings_rows(findings: Sequence[Finding]) -> list[list[Any]]:
    """Rows of the findings table: errors first, then warnings, then information."""
    order = {"error": 0, "warning": 1, "info": 2}
    ranked = sorted(findings, key=lambda f: order[f.severity])
    rows = []
    for i, f in enumerate(ranked, start=1):
        where = f"{f.sheet}!{f.cell}" if f.sheet and f.cell else (f.sheet or f.file)
        rows.append([i, SEVERITY_LABELS[f.severity], excel_value(where), excel_value(f.task_id),
                     excel_value(f.message), _link(f.sheet, f.cell)])
    return rows


def write_findings_sheet(book: xw.Book, findings: Sequence[Finding], *,
                         as_of: dt.date | None = None, now: dt.datetime | None = None) -> xw.Sheet:
    """(Re)write the sheet "Kết quả kiểm tra": mức độ / vị trí / mã NV / nội dung / link."""
    sheet = replace_sheet(book, FINDINGS_SHEET)
    counts = {k: sum(1 for f in findings if f.severity == k) for k in SEVERITY_LABELS}
    stamp = (now or dt.datetime.now()).strftime("%d/%m/%Y %H:%M")
    summary = (f"Kiểm tra lúc {stamp}"
               + (f"; ngày số liệu {as_of:%d/%m/%Y}" if as_of else "")
               + f": {counts['error']} lỗi, {counts['warning']} cảnh báo, {counts['info']} thông tin.")
    sheet.range("A1").value = [["KẾT QUẢ KIỂM TRA SỔ TỔNG HỢP CẢI CÁCH HÀNH CHÍNH"], [summary]]
    sheet.range((S.HEADER_ROW, 1)).value = [list(FINDINGS_HEADERS)]
    rows = findings_rows(findings) or [[None, None, None, None, "Không phát hiện lỗi.", None]]
    sheet.range((S.FIRST_DATA_ROW, 1)).value = rows
    if rich_formatting(book):
        header = sheet.range((S.HEADER_ROW, 1), (S.HEADER_ROW, len(FINDINGS_HEADERS)))
        cosmetic(lambda: setattr(sheet.range("A1").font, "bold", True))
        cosmetic(lambda: setattr(header.font, "bold", True))
        for j, chars in enumerate((6, 11, 22, 10, 90, 8), start=1):
            _column_width(book, sheet.range((1, j)), chars)
    cosmetic(sheet.activate)
    return sheet


def show_message(book: xw.Book, text: str, *, title: str = MESSAGE_TITLE,
                 critical: bool = False) -> str:
    """Tell the user: a message box in desktop Excel, an ``alert`` action for a JSON book.

    Call it last in a handler: Office Scripts stops applying actions at an alert.
    """
    try:
        book.app.alert(text, title=title, mode="critical" if critical else "info")
    except Exception:  # no window (e.g. Excel busy): fall back to the status bar
        try:
            book.app.status_bar = text[:250]
        except Exception:
            pass
    return text


# ------------------------------------------------------------------ JSON payloads

def _json_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, dt.date):
        return f"{value.isoformat()}T00:00:00.000Z"
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, bool) or isinstance(value, (int, float)):
        return value
    return str(value)


def book_payload_from_xlsx(path: str | os.PathLike[str], *, client: str = "Office.js",
                      active_sheet: str | None = None) -> dict[str, Any]:
    """The JSON an Office.js client would send for the workbook at ``path``.

    Values come from openpyxl (cached values of formulas, as Excel would send
    them); dates become ISO strings with "Z" like the client sends.
    """
    wb = load_workbook(path, data_only=True)
    sheets = []
    for ws in wb.worksheets:
        values = [[_json_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
        used = f"A1:{get_column_letter(ws.max_column)}{ws.max_row}" if values else None
        sheets.append({"name": ws.title, "values": values or [[]], "used_range_address": used,
                       "visibility": {"visible": "Visible", "hidden": "Hidden"}.get(ws.sheet_state,
                                                                                     "VeryHidden"),
                       "pictures": [], "shapes": [], "charts": [], "notes": [], "tables": [],
                       "print_area": None, "show_gridlines": True, "pivot_tables": []})
    names = []
    titles = [ws.title for ws in wb.worksheets]
    for name, dn in wb.defined_names.items():
        dests = list(dn.destinations)
        if len(dests) != 1 or dests[0][0] not in titles:
            continue
        sheet_name, address = dests[0]
        names.append({"name": name, "sheet_index": titles.index(sheet_name),
                      "address": address.replace("$", ""), "book_scope": True,
                      "scope_sheet_name": None, "scope_sheet_index": None})
    active = titles.index(active_sheet) if active_sheet in titles else wb.index(wb.active)
    return {"client": client, "version": xw.__version__,
            "book": {"name": Path(path).name, "active_sheet_index": active, "selection": "A1"},
            "names": names, "sheets": sheets}


def _excel_input(value: Any) -> Any:
    """What Excel stores when a client writes ``value`` (apostrophe = text, ISO = date)."""
    if isinstance(value, str):
        if value.startswith("'"):
            return value[1:]
        if _ISO_DATE.match(value):
            return f"{value}T00:00:00.000Z"
        if _ISO_DATETIME.match(value):
            return value.replace(" ", "T") + ".000Z"
    return "" if value is None else value


def _put(values: list[list[Any]], row: int, col: int, value: Any) -> None:
    while len(values) <= row:
        values.append([])
    line = values[row]
    while len(line) <= col:
        line.append("")
    line[col] = value


def apply_actions(payload: dict[str, Any], actions: dict[str, Any] | list[dict[str, Any]]) -> dict[str, Any]:
    """Apply ``book.json()`` actions to a copy of ``payload`` the way the Excel client would.

    Supports the value/sheet actions (setValues, addSheet, setSheetName, sheetDelete,
    clear contents, activateSheet); formatting actions and alerts do not change values.
    Used to preview a handler's result and in tests.
    """
    out = copy.deepcopy(payload)
    if isinstance(actions, dict):
        actions = actions.get("actions", [])
    sheets = out["sheets"]
    for a in actions:
        func = a["func"]
        if func == "setValues":
            values = sheets[a["sheet_position"]]["values"]
            for i, row in enumerate(a["values"]):
                for j, v in enumerate(row):
                    _put(values, a["start_row"] + i, a["start_column"] + j, _excel_input(v))
        elif func == "addSheet":
            sheets.insert(a["args"][0], {"name": a["args"][1], "values": [[]], "pictures": [],
                                         "shapes": [], "charts": [], "notes": [], "tables": [],
                                         "visibility": "Visible"})
        elif func == "setSheetName":
            sheets[a["sheet_position"]]["name"] = a["args"][0]
        elif func == "sheetDelete":
            del sheets[a["sheet_position"]]
        elif func in ("sheetClear", "sheetClearContents"):
            sheets[a["sheet_position"]]["values"] = [[]]
        elif func in ("rangeClear", "rangeClearContents"):
            values = sheets[a["sheet_position"]]["values"]
            for i in range(a["row_count"]):
                for j in range(a["column_count"]):
                    r, c = a["start_row"] + i, a["start_column"] + j
                    if r < len(values) and c < len(values[r]):
                        values[r][c] = ""
        elif func == "activateSheet":
            out["book"]["active_sheet_index"] = a["args"][0]
    for sheet in sheets:   # rectangular, like the client sends
        width = max((len(r) for r in sheet["values"]), default=0)
        sheet["values"] = [r + [""] * (width - len(r)) for r in sheet["values"]] or [[]]
        sheet.pop("used_range_address", None)
    return out


def alerts(actions: dict[str, Any]) -> list[str]:
    """Texts of the alert actions in ``book.json()`` output."""
    return [a["args"][0] for a in actions.get("actions", []) if a["func"] == "alert"]


def cell_position(address: str) -> tuple[int, int]:
    """"M12" -> (12, 13)."""
    min_col, min_row, _, _ = range_boundaries(address)
    return min_row, min_col
