"""The unit workbook ("phiếu đơn vị"): what one department receives and sends back.

* ``build_unit_workbook`` (XlsxWriter) - the tasks (and remediation items) led by
  one unit, with only the tracking columns unlocked, dropdowns, an instructions
  sheet and a very hidden ``_meta`` sheet.
* ``read_unit_workbook`` (python-calamine, fast) - what came back: values of the
  data sheets, the metadata, which cells hold formulas, the file's SHA-256.

``_meta`` layout: columns A:B hold key/value pairs (``records.meta_dict`` reads
them); columns D:I hold one row per item sent: sheet, id, row, fingerprint of
the locked columns (SHA-256), short per-cell hashes (to name the tampered
cell) and the tracking values as sent (JSON, the "base" of the 3-way merge).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import json
import operator
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import xlsxwriter
import xlsxwriter.exceptions
from openpyxl.worksheet.datavalidation import DataValidation

from cchc_xl.core import schema as S
from cchc_xl.workbook import styling as ST
from cchc_xl.core.findings import catalog
from cchc_xl.core.records import item_value, parse_date, parse_progress, parse_status
from cchc_xl.core.models import CchcError, Plan, RemediationItem, Status, Task, Unit
from cchc_xl.core.safety import safe_file_component, starts_like_formula
from cchc_xl.core.text import normalize_text, strip_diacritics
from cchc_xl.core.units import DEFAULT_UNITS, UnitRegistry
from cchc_xl.files.xlsx_patch import sheet_parts
from cchc_xl.files.package import check_package_size

UNIT_KIND = "unit"
# Sheet protection only prevents accidental edits: the password is stored as a
# weak hash inside the file and anyone can remove it.  It is NOT a security
# boundary; integrity is checked on return with the fingerprints in "_meta".
SHEET_PASSWORD = "cchc"
DEFAULT_CONTACT = "Văn phòng HĐND và UBND xã (bộ phận theo dõi cải cách hành chính)"

ITEM_HEADERS = ("sheet", "id", "row", "fingerprint", "cells", "base", "master_base")
ITEM_COL = 4  # column D: first column of the per-item table in "_meta"

TRACKING_KEYS: tuple[str, ...] = S.TRACKING_FIELDS  # status, progress, completed_on, evidence, note

# sheet name -> columns, for the data sheets of a unit workbook
DATA_SHEETS: dict[str, tuple[S.Column, ...]] = {
    S.SHEET_TASKS: S.TASK_COLUMNS,
    S.SHEET_REMEDIATION: S.REMEDIATION_COLUMNS,
}
FIELD_LABELS: dict[str, str] = {c.key: c.header for c in S.TASK_COLUMNS}


# ---------------------------------------------------------------- canonical tracking values

# an open "oa/oe/uy" syllable (nothing after the vowels) carrying a tone mark: the only
# case where ``normalize_text`` moves a tone (see text._move_tone)
_TONE_CANDIDATE = re.compile("(?:[oO][aAeE]|[uU][yY])[\u0300-\u036f]*[\u0300\u0301\u0303\u0309\u0323]"
                             "[\u0300-\u036f]*(?![^\\W\\d_])")


def fast_normalize(value: Any) -> str:
    """Same result as ``text.normalize_text``, much faster when no tone mark has to move
    (ASCII text, or no "oa/oe/uy" syllable with an old-style tone): used on every cell."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if "\n" in text or "\r" in text:
        return normalize_text(text)     # keeps the line breaks (Alt+Enter) of a cell
    if text.isascii():
        return " ".join(text.split())
    if _TONE_CANDIDATE.search(unicodedata.normalize("NFD", text)):
        return normalize_text(text)
    return " ".join(unicodedata.normalize("NFC", text).replace("\u00a0", " ").split())


def canonical(key: str, value: Any) -> Any:
    """Comparable form of a tracking value; raises ``ValueError`` (Vietnamese) when invalid.

    status -> label ("" means "Chưa thực hiện"); progress -> float (2 decimals, ""
    means 0); completed_on -> ``date`` or ``None``; evidence/note -> normalised text.
    """
    if key == "status":
        if isinstance(value, Status):
            return value.value
        if value in _LABELS:
            return value
        st = parse_status(value)
        if st is None and value not in (None, ""):
            raise ValueError(f"trạng thái '{normalize_text(value)}' không có trong danh sách "
                             f"({', '.join(Status.labels())})")
        return (st or Status.NOT_STARTED).value
    if key == "progress":
        try:
            num = parse_progress(value)
        except ValueError:
            raise ValueError(f"tiến độ '{normalize_text(value)}' không phải là số") from None
        num = 0.0 if num is None else round(float(num), 2)
        if not 0 <= num <= 100:
            raise ValueError(f"tiến độ {num:g} nằm ngoài khoảng 0 - 100")
        return num
    if key == "completed_on":
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            return dt.date.fromisoformat(value.strip())
        return parse_date(value)
    return fast_normalize(value)


_LABELS = frozenset(Status.labels())


def display(key: str, value: Any) -> str:
    """How a canonical tracking value is shown in messages and in the audit log."""
    if value is None or value == "":
        return ""
    if key == "progress":
        v = float(value)
        return str(int(v)) if v.is_integer() else f"{v:.2f}".rstrip("0").replace(".", ",")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def cell_value(key: str, value: Any) -> Any:
    """Value written into a worksheet cell for a canonical tracking value."""
    if key == "progress":
        v = float(value or 0)
        return int(v) if v.is_integer() else v
    if value in ("",):
        return None
    return value


def tracking_of(obj: Task | RemediationItem | Mapping[str, Any]) -> dict[str, Any]:
    """Canonical tracking values of a task / remediation item / unit report mapping."""
    get = obj.get if isinstance(obj, Mapping) else (lambda k: getattr(obj, k, None))
    return {k: canonical(k, get(k)) for k in TRACKING_KEYS}


def base_to_json(values: Mapping[str, Any]) -> str:
    out = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()}
    return json.dumps(out, ensure_ascii=False, sort_keys=True)


def base_from_json(text: str) -> dict[str, Any]:
    """Inverse of ``base_to_json`` (values written by us: only the date needs converting)."""
    return _base_values(json.loads(text or "{}"))


# ---------------------------------------------------------------- fingerprints

def norm_cell(value: Any) -> str:
    """Writer-independent text of a cell (openpyxl, Excel, LibreOffice, calamine)."""
    if type(value) is str:
        if value.isascii():
            return " ".join(value.split())
        return " ".join(unicodedata.normalize("NFC", value).split())
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(round(value, 6))
    if isinstance(value, int):
        return str(value)
    # NFC + single spaces: enough for a stable fingerprint (same function on both sides)
    text = value if isinstance(value, str) else str(value)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())


def _h(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def locked_columns(columns: tuple[S.Column, ...]) -> list[S.Column]:
    return [c for c in columns if not c.editable]


_LOCKED_KEYS: dict[int, list[str]] = {}  # id(columns) -> locked keys (Column hashing is slow)


def _locked_keys(columns: tuple[S.Column, ...]) -> list[str]:
    keys = _LOCKED_KEYS.get(id(columns))
    if keys is None:
        keys = _LOCKED_KEYS[id(columns)] = [c.key for c in locked_columns(columns)]
    return keys


def _locked_parts(columns: tuple[S.Column, ...], values: Mapping[str, Any]) -> list[str]:
    get = values.get
    return [f"{k}={norm_cell(get(k))}" for k in _locked_keys(columns)]


def row_fingerprint(columns: tuple[S.Column, ...], values: Mapping[str, Any]) -> str:
    """SHA-256 of the normalised locked (non-editable) cells of a row."""
    return _h("\x1f".join(_locked_parts(columns, values)))


def cell_hashes(columns: tuple[S.Column, ...], values: Mapping[str, Any]) -> list[str]:
    """Short (8-hex) hash per locked cell, to name the cell that was changed."""
    return [_h(p)[:8] for p in _locked_parts(columns, values)]


def fingerprint(columns: tuple[S.Column, ...], values: Mapping[str, Any]) -> tuple[str, str]:
    """(row fingerprint, space-separated per-cell hashes) of the locked columns."""
    parts = _locked_parts(columns, values)
    return _h("\x1f".join(parts)), " ".join(map(_short_hash, parts))


_SHORT_HASHES: dict[str, str] = {}   # "key=text" -> its 8-hex hash (areas, units, dates repeat)


def _short_hash(part: str) -> str:
    got = _SHORT_HASHES.get(part)
    if got is None:
        if len(_SHORT_HASHES) > 100_000:
            _SHORT_HASHES.clear()
        got = _SHORT_HASHES[part] = _h(part)[:8]
    return got


class RowFingerprinter:
    """``row_fingerprint`` over raw row sequences: ``fp(row)`` reads the locked cells at
    the 0-based positions ``index[key]`` (missing cells count as empty).

    Each column keeps a memo value -> "key=normalised text" (titles, units, dates repeat
    over thousands of rows).  ``True`` equals ``1`` for a dict, so booleans bypass it.
    """

    def __init__(self, columns: tuple[S.Column, ...], index: Mapping[str, int]):
        keys = _locked_keys(columns)
        self.slots = [(index[k], f"{k}=", {}) for k in keys]
        self.memos = [memo for _, _, memo in self.slots]
        self.width = max((j for j, _, _ in self.slots), default=-1) + 1
        positions = [j for j, _, _ in self.slots]
        self.pick = (operator.itemgetter(*positions) if len(positions) > 1
                     else (lambda row: (row[positions[0]],)) if positions else (lambda row: ()))

    def __call__(self, row: Sequence[Any]) -> str:
        if len(row) < self.width:
            row = [*row, *[None] * (self.width - len(row))]
        values = self.pick(row)
        # fast path: every value already seen (1/0 values may be booleans: slow path)
        if True not in values and False not in values:
            try:
                parts = [memo.get(v) for memo, v in zip(self.memos, values)]
            except TypeError:  # unhashable: never from a spreadsheet reader
                parts = [None]
            if None not in parts:
                return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
        parts = []
        for (_, prefix, memo), v in zip(self.slots, values):
            if type(v) is bool:
                parts.append(prefix + norm_cell(v))
                continue
            try:
                part = memo.get(v)
            except TypeError:
                part = prefix + norm_cell(v)
            if part is None:
                if len(memo) > 50_000:
                    memo.clear()
                part = memo[v] = prefix + norm_cell(v)
            parts.append(part)
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- which items go to a unit

def registry_for(plan: Plan) -> UnitRegistry:
    return UnitRegistry(plan.units or DEFAULT_UNITS)


def remediation_units(item: RemediationItem, registry: UnitRegistry) -> list[str]:
    return registry.resolve(item.lead)[0]


def item_units(plan: Plan, registry: UnitRegistry | None = None) -> dict[tuple[str, str], list[str]]:
    """{(sheet, item id): lead unit codes} for every task and remediation item."""
    reg = registry or registry_for(plan)
    out = {(S.SHEET_TASKS, t.id): list(t.lead_units) for t in plan.tasks}
    for r in plan.remediation:
        out[(S.SHEET_REMEDIATION, r.id)] = remediation_units(r, reg)
    return out


def unit_items(plan: Plan, unit_code: str,
               registry: UnitRegistry | None = None) -> tuple[list[Task], list[RemediationItem]]:
    """Tasks whose lead units contain ``unit_code``, and remediation items it leads."""
    reg = registry or registry_for(plan)
    tasks = [t for t in plan.tasks if unit_code in t.lead_units]
    rem = [r for r in plan.remediation if unit_code in remediation_units(r, reg)]
    return tasks, rem


def items_by_unit(plan: Plan, registry: UnitRegistry | None = None
                  ) -> dict[str, tuple[list[Task], list[RemediationItem]]]:
    """{unit code: (tasks, remediation items)} in one pass (``unit_items`` for every unit)."""
    reg = registry or registry_for(plan)
    out: dict[str, tuple[list[Task], list[RemediationItem]]] = {}
    for t in plan.tasks:
        for code in dict.fromkeys(t.lead_units):
            out.setdefault(code, ([], []))[0].append(t)
    for r in plan.remediation:
        for code in dict.fromkeys(remediation_units(r, reg)):
            out.setdefault(code, ([], []))[1].append(r)
    return out


def work_units(plan: Plan) -> list[Unit]:
    """Units that receive a workbook: the non-group units of the plan (in order)."""
    return [u for u in (plan.units or DEFAULT_UNITS) if not u.is_group]


# ---------------------------------------------------------------- file names

def ascii_slug(text: str, max_len: int = 40) -> str:
    """"Phòng Văn hóa - Xã hội" -> "Phong-Van-hoa-Xa-hoi" (ASCII, no "_")."""
    s = strip_diacritics(normalize_text(text))
    s = re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-")
    return s[:max_len].rstrip("-") or "x"


def unit_file_name(seq: int, unit: Unit, period_label: str, width: int = 2) -> str:
    """``<stt>_<MÃ>_<tên không dấu>_<kỳ>.xlsx`` (the unit code is the 2nd "_" field)."""
    code = ascii_slug(unit.code, 20)
    name = f"{seq:0{width}d}_{code}_{ascii_slug(unit.name)}_{ascii_slug(period_label, 24)}.xlsx"
    return safe_file_component(name, max_len=120)   # never a path separator, device name or control char


_NAME_RE = re.compile(r"^\d+_([A-Za-z0-9-]+)_")


def unit_code_from_file_name(name: str) -> str | None:
    """Unit code of a file named by ``unit_file_name`` (``None`` if renamed)."""
    m = _NAME_RE.match(Path(name).name)
    return m.group(1) if m else None


# ---------------------------------------------------------------- building

@dataclass
class UnitBookInfo:
    """What the header/instructions of a unit workbook show."""

    unit: Unit
    commune: str
    year: int
    period_label: str
    as_of: dt.date
    return_by: dt.date | None
    contact: str
    master_version: int
    master_name: str


def _row_values(obj: Any, columns: tuple[S.Column, ...],
                tracking: Mapping[str, Any] | None) -> dict[str, Any]:
    vals = {c.key: item_value(obj, c.key) for c in columns}
    if tracking is not None:
        for k in TRACKING_KEYS:
            vals[k] = cell_value(k, tracking[k])
    return vals


# XlsxWriter counts widths in pixels of the default font's digit (7 px for Times New
# Roman / Calibri 11); the schema's widths are stored widths (as openpyxl wrote them).
_PX_PER_WIDTH = 7
_BORDER_COLOR = "#808080"


def _legacy_hash(password: str) -> str:
    """The 16-bit password hash of ``workbookProtection``/``sheetProtection`` (ECMA-376 part 4)."""
    digest = 0
    for char in password[::-1]:
        digest = ((digest >> 14) & 0x01) | ((digest << 1) & 0x7FFF)
        digest ^= ord(char)
    digest = ((digest >> 14) & 0x01) | ((digest << 1) & 0x7FFF)
    return f"{digest ^ len(password) ^ 0xCE4B:X}"


class _Book(xlsxwriter.Workbook):
    """XlsxWriter workbook whose structure is locked (``<workbookProtection lockStructure>``,
    which XlsxWriter has no method for: written right after ``<workbookPr>``, where the
    schema puts it)."""

    structure_password = ""

    def _write_workbook_pr(self) -> None:
        super()._write_workbook_pr()
        if self.structure_password:
            self._xml_empty_tag("workbookProtection", [
                ("workbookPassword", _legacy_hash(self.structure_password)), ("lockStructure", 1)])


class _Formats:
    """The cell formats of one unit workbook (XlsxWriter formats belong to a workbook)."""

    def __init__(self, wb: xlsxwriter.Workbook):
        self.wb = wb
        self._cache: dict[tuple, Any] = {}
        self._props: dict[int, dict[str, Any]] = {}

    def get(self, **props: Any) -> Any:
        key = tuple(sorted(props.items()))
        fmt = self._cache.get(key)
        if fmt is None:
            fmt = self._cache[key] = self.wb.add_format(props)
            self._props[id(fmt)] = props
        return fmt

    def quoted(self, fmt: Any) -> Any:
        """``fmt`` with Excel's quote prefix: text starting like a formula stays text when
        the cell is edited in Excel later (``core.safety.starts_like_formula``)."""
        props = dict(self._props.get(id(fmt), {})) if fmt is not None else {}
        props["quote_prefix"] = True
        return self.get(**props)

    def header(self, editable: bool) -> Any:
        return self.get(bold=True, border=1, border_color=_BORDER_COLOR, align="center", valign="vcenter",
                        text_wrap=True, bg_color="#" + (ST.INPUT_FILL if editable else ST.HEADER_FILL))

    def body(self, col: S.Column) -> Any:
        """One format per column: the cells of a column all look alike."""
        props: dict[str, Any] = {"border": 1, "border_color": _BORDER_COLOR, "valign": "top"}
        if ST.wraps(col):
            props["text_wrap"] = True
        if col.kind in ("date", "percent"):
            props["align"] = "center"
            props["num_format"] = ST.DATE_FORMAT if col.kind == "date" else ST.PROGRESS_FORMAT
        if col.editable:
            props["locked"] = False
            props["bg_color"] = "#" + ST.INPUT_FILL
        return self.get(**props)

    def fill(self, color: str) -> Any:
        """Conditional format (differential): background only."""
        return self.get(bg_color="#" + color)


def _write_cells(ws: Any, fmts: _Formats, r: int, values: Iterable[Any], formats: Sequence[Any] | None = None,
                 first_col: int = 0) -> None:
    """Write one row: text always as text (``write_string``: never a formula, a number or a
    link, whatever it starts with; with the quote prefix when it starts like a formula),
    numbers, dates; empty cells keep their format."""
    for j, v in enumerate(values, start=first_col):
        fmt = formats[j - first_col] if formats is not None else None
        t = type(v)
        if t is str:
            if v:
                if not v[0].isalnum() and starts_like_formula(v):
                    fmt = fmts.quoted(fmt)
                ws.write_string(r, j, v, fmt)
            elif fmt is not None:
                ws.write_blank(r, j, None, fmt)
        elif v is None:
            if fmt is not None:
                ws.write_blank(r, j, None, fmt)
        elif t is int or t is float:
            ws.write_number(r, j, v, fmt)
        elif t is bool:
            ws.write_boolean(r, j, v, fmt)
        elif isinstance(v, (dt.date, dt.datetime)):
            ws.write_datetime(r, j, v, fmt)
        elif isinstance(v, (int, float)):
            ws.write_number(r, j, float(v), fmt)
        else:
            ws.write_string(r, j, str(v), fmt)


def _set_width(ws: Any, j: int, width: float, options: Mapping[str, Any] | None = None) -> None:
    ws.set_column_pixels(j, j, width * _PX_PER_WIDTH, None, dict(options or {}))


def _write_data_sheet(ws: Any, fmt: _Formats, columns: tuple[S.Column, ...], rows: list[dict[str, Any]],
                      *, title: str, subtitle: str, as_of: dt.date, year: int) -> None:
    """Title, header, rows, dropdowns, formats, print setup and protection of a data sheet.

    Printed like the master's sheets (``styling``): A4 landscape one page wide with the
    master's narrower print widths, the technical columns folded away (hidden, the data
    stays and is still checked), text wrapping and rows as tall as their text, so the
    printout is legible.  Every data cell of a column shares one format.
    """
    name = ws.get_name()
    ws.write_string(0, 0, title, fmt.get(bold=True, font_size=13))
    ws.write_string(1, 0, subtitle, fmt.get(italic=True))
    widths = ST.column_widths(columns, ST.PRINT_WIDTHS.get(name))
    grouped = ST.GROUPED_COLUMNS.get(name, ())
    folded = {S.col_index(columns, k) - 1 for k in grouped}
    head = S.HEADER_ROW - 1
    for j, col in enumerate(columns):
        ws.write_string(head, j, col.header, fmt.header(col.editable))
        options = ({"level": 1, "hidden": True} if j in folded
                   else {"collapsed": True} if j - 1 in folded else None)
        _set_width(ws, j, widths[col.key], options)
    formats = [fmt.body(c) for c in columns]
    keys = [c.key for c in columns]
    first = S.FIRST_DATA_ROW - 1
    for r, vals in enumerate(rows, start=first):
        _write_cells(ws, fmt, r, map(vals.get, keys), formats)
    _fit_rows(ws, columns, rows, widths, grouped)
    last = S.FIRST_DATA_ROW + max(len(rows), 1) - 1      # 1-based, as in the sheet
    _add_validations(ws, columns, last, year)
    _add_conditional_formats(ws, fmt, columns, last, as_of)
    ws.freeze_panes(first, 1)
    ws.autofilter(head, 0, last - 1, len(columns) - 1)
    _setup_print(ws, landscape=True, title_row=head)
    _protect(ws)


@functools.lru_cache(maxsize=50_000)
def _wrapped(text: str, width: float, bold: bool = False) -> int:
    return ST.wrapped_lines(text, width, bold=bold)


def _fit_rows(ws: Any, columns: tuple[S.Column, ...], rows: list[dict[str, Any]],
              widths: Mapping[str, float], skip: tuple[str, ...]) -> None:
    """Header and data rows as tall as their wrapped text (``styling.wrapped_lines``, memoised:
    the same task texts come back in every workbook)."""
    visible = [c for c in columns if c.key not in skip]
    ws.set_row(S.HEADER_ROW - 1, max(ST.HEADER_MIN_HEIGHT, ST.lines_height(
        max(_wrapped(c.header, widths[c.key], True) for c in visible))))
    wrapping = [(c.key, widths[c.key]) for c in visible if ST.wraps(c)]
    for r, vals in enumerate(rows, start=S.FIRST_DATA_ROW - 1):
        n = max((_wrapped(str(v), w) for k, w in wrapping if (v := vals.get(k)) not in (None, "")),
                default=1)
        if n > 1:
            ws.set_row(r, ST.lines_height(n))


def _block(columns: tuple[S.Column, ...], key: str, last: int) -> str:
    letter = S.col_letter(columns, key)
    return f"{letter}{S.FIRST_DATA_ROW}:{letter}{last}"


def _validation_options(dv: DataValidation) -> dict[str, Any]:
    """XlsxWriter options of an openpyxl ``DataValidation`` (the shared ones in ``styling``)."""
    out: dict[str, Any] = {"validate": dv.type, "ignore_blank": bool(dv.allow_blank),
                           "show_input": bool(dv.showInputMessage), "show_error": bool(dv.showErrorMessage)}
    if dv.operator or dv.type != "list":
        out["criteria"] = dv.operator or "between"
    for key, value in (("value", dv.formula1), ("maximum", dv.formula2)):
        if value is not None:
            out[key] = value if _is_number(value) else "=" + value
    for key, value in (("input_title", dv.promptTitle), ("input_message", dv.prompt),
                       ("error_title", dv.errorTitle), ("error_message", dv.error)):
        if value:
            out[key] = value
    if dv.errorStyle and dv.errorStyle != "stop":
        out["error_type"] = dv.errorStyle
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _add_validations(ws: Any, columns: tuple[S.Column, ...], last: int, year: int) -> None:
    ws.data_validation(_block(columns, "status", last), {
        "validate": "list", "source": Status.labels(), "ignore_blank": True,
        "error_title": "Trạng thái không hợp lệ", "error_message": "Chọn trạng thái trong danh sách thả xuống.",
        "input_title": "Trạng thái", "input_message": "Chọn trạng thái từ danh sách."})
    ws.data_validation(_block(columns, "progress", last),
                       _validation_options(ST.progress_validation(_block(columns, "progress", last))))
    ws.data_validation(_block(columns, "completed_on", last), {
        "validate": "date", "criteria": "between", "ignore_blank": True,
        "minimum": f"=DATE({year - 1},1,1)", "maximum": f"=DATE({year + 1},12,31)",
        "error_title": "Ngày hoàn thành không hợp lệ",
        "error_message": f"Nhập ngày dạng dd/mm/yyyy, trong khoảng năm {year - 1} - {year + 1}.",
        "input_title": "Ngày hoàn thành", "input_message": "Nhập ngày dạng dd/mm/yyyy."})


def _add_conditional_formats(ws: Any, fmt: _Formats, columns: tuple[S.Column, ...], last: int,
                             as_of: dt.date) -> None:
    ref = f"A{S.FIRST_DATA_ROW}:{S.col_letter(columns, columns[-1].key)}{last}"
    r = S.FIRST_DATA_ROW
    status = f"${S.col_letter(columns, 'status')}{r}"
    done = f'{status}="{Status.DONE.value}"'
    if any(c.key == "due" for c in columns):
        due = f"${S.col_letter(columns, 'due')}{r}"
        overdue = (f'AND(ISNUMBER({due}),{due}<DATE({as_of.year},{as_of.month},{as_of.day}),'
                   f'NOT({done}),{status}<>"{Status.CANCELLED.value}")')
        ws.conditional_format(ref, {"type": "formula", "criteria": "=" + overdue,
                                    "format": fmt.fill(ST.OVERDUE_FILL), "stop_if_true": True})
    ws.conditional_format(ref, {"type": "formula", "criteria": "=" + done, "format": fmt.fill(ST.DONE_FILL)})


def _setup_print(ws: Any, *, landscape: bool, title_row: int | None = None) -> None:
    """As ``styling.setup_print``: A4 one page wide, margins, sheet name and page numbers."""
    ws.set_paper(9)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    m = ST.MARGINS
    ws.set_margins(left=m["left"], right=m["right"], top=m["top"], bottom=m["bottom"])
    font = f'&"{ST.HEADER_FOOTER_FONT}"&10 '
    ws.set_header("&R" + font + "&A", margin=m["header"])
    ws.set_footer("&C" + font + ST.FOOTER_TEXT, margin=m["footer"])
    if title_row is not None:
        ws.repeat_rows(title_row)


def _protect(ws: Any) -> None:
    """Password-protect the sheet; resizing columns/rows and filtering stay allowed (the
    password only prevents mistakes: see ``SHEET_PASSWORD``)."""
    ws.protect(SHEET_PASSWORD, {"objects": True, "scenarios": True, "format_columns": True,
                                "format_rows": True, "autofilter": True, "select_locked_cells": True,
                                "select_unlocked_cells": True})


def _guide_lines(info: UnitBookInfo, n_tasks: int, n_rem: int) -> list[tuple[str, bool]]:
    """(text, bold) lines of the instructions sheet."""
    due = info.return_by.strftime("%d/%m/%Y") if info.return_by else "theo thông báo của Văn phòng"
    lines = [
        ("HƯỚNG DẪN CẬP NHẬT PHIẾU TIẾN ĐỘ NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH", True),
        ("", False),
        (f"Đơn vị: {info.unit.name} (mã {info.unit.code})", True),
        (f"Kỳ báo cáo: {info.period_label} - {info.commune}, năm {info.year}".replace(" - ,", ","), False),
        (f"Số liệu tính đến ngày: {info.as_of.strftime('%d/%m/%Y')}", False),
        (f"Hạn gửi lại phiếu: {due}", True),
        (f"Gửi lại cho: {info.contact}", True),
        ("", False),
        (f"1. Trang \"{S.SHEET_TASKS}\" gồm {n_tasks} nhiệm vụ do đơn vị chủ trì"
         + (f"; trang \"{S.SHEET_REMEDIATION}\" gồm {n_rem} nội dung khắc phục." if n_rem else "."), False),
        ("2. Chỉ điền các cột nền vàng: Trạng thái (chọn trong danh sách), Tiến độ (%) (số từ 0 đến 100, "
         "ví dụ 80 - không nhập 0,8), Ngày hoàn thành (dd/mm/yyyy, không sau ngày báo cáo), "
         "Minh chứng (số, ký hiệu văn bản, đường dẫn), Ghi chú.", False),
        ("3. Nhiệm vụ đã xong: chọn \"Đã hoàn thành\", Tiến độ 100, ghi Ngày hoàn thành và Minh chứng.", False),
        ("4. Không sửa cột bị khóa (nội dung nhiệm vụ, sản phẩm, thời hạn, đơn vị chủ trì...). "
         "Cần điều chỉnh nội dung thì ghi vào cột Ghi chú." + _folded_note(), False),
        ("5. Không chèn/xóa dòng, không đổi thứ tự hoặc tên các trang, không đổi tên tệp.", False),
        ("6. Không nhập công thức (ô bắt đầu bằng dấu \"=\"): ô có công thức sẽ bị từ chối khi tổng hợp.", False),
        ("7. Lưu tệp dạng Excel (.xlsx) và gửi lại (trả lời thư đã nhận) trước hạn nêu trên.", False),
        ("", False),
        ("Lưu ý: mật khẩu bảo vệ trang chỉ để tránh sửa nhầm. Khi tổng hợp, phần mềm tự kiểm tra "
         "các cột bị khóa; dòng bị sửa nội dung sẽ bị từ chối.", False),
        (f"Phiếu tạo từ sổ tổng hợp \"{info.master_name}\" (phiên bản {info.master_version}).", False),
    ]
    return lines


def _folded_note() -> str:
    """Sentence of the instructions about the technical columns folded away for printing."""
    keys = ST.GROUPED_COLUMNS.get(S.SHEET_TASKS, ())
    if not keys:
        return ""
    names = ", ".join(S.header_of(S.TASK_COLUMNS, k) for k in keys)
    return f" Các cột kỹ thuật ({names}) được ẩn cho bản in gọn, dễ đọc: không cần xem hay sửa."


def _write_guide(ws: Any, fmt: _Formats, info: UnitBookInfo, n_tasks: int, n_rem: int) -> None:
    _set_width(ws, 0, 120)
    for i, (text, bold) in enumerate(_guide_lines(info, n_tasks, n_rem)):
        f = fmt.get(bold=bold, font_size=13 if i == 0 else ST.FONT_SIZE + 1, text_wrap=True, valign="top")
        _write_cells(ws, fmt, i, (text or None,), (f,))
    _setup_print(ws, landscape=False)
    _protect(ws)


def _write_meta(ws: Any, fmt: _Formats, meta: dict[str, Any], items: list[list[Any]]) -> None:
    for i, (k, v) in enumerate(meta.items()):
        _write_cells(ws, fmt, i, (k, v if not isinstance(v, (list, dict)) else json.dumps(v, ensure_ascii=False)))
    _write_cells(ws, fmt, 0, ITEM_HEADERS, first_col=ITEM_COL - 1)
    for i, item in enumerate(items, start=1):
        _write_cells(ws, fmt, i, item, first_col=ITEM_COL - 1)
    ws.very_hidden()


def _default_dates(period_label: str, as_of: dt.date | None,
                   return_by: dt.date | None) -> tuple[dt.date, dt.date | None]:
    """as_of defaults to the period cut-off (else today); return_by to cut-off + 2 days."""
    end = None
    try:
        from cchc_xl.core.periods import parse_period
        end = parse_period(period_label).end
    except Exception:  # unknown label or module missing: fall back to today
        end = None
    as_of = as_of or end or dt.date.today()
    if return_by is None and end is not None:
        return_by = end + dt.timedelta(days=2)
    return as_of, return_by


def issued_values(obj: Task | RemediationItem, unit_code: str, reg: UnitRegistry,
                  reports: Mapping[tuple[str, str], Mapping[str, Any]]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Tracking values a unit workbook sends for ``obj`` (the unit's own report for an item of
    several lead units), and the master row's values for such an item (else ``None``)."""
    shared = len(obj.lead_units if isinstance(obj, Task) else remediation_units(obj, reg)) > 1
    own = reports.get((obj.id, unit_code)) if shared else None
    track = tracking_of(own) if own is not None else tracking_of(obj)
    return track, (tracking_of(obj) if shared else None)


@dataclass
class _DataSheet:
    name: str
    columns: tuple[S.Column, ...]
    rows: list[dict[str, Any]]
    title: str
    subtitle: str


@dataclass
class UnitWorkbook:
    """A unit workbook ready to be written: ``save(path)`` writes it with XlsxWriter.

    Sheets, in order: the data sheets, the instructions, the very hidden ``_meta``."""

    info: UnitBookInfo
    data_sheets: list[_DataSheet]
    meta: dict[str, Any]
    items: list[list[Any]]
    n_tasks: int
    n_remediation: int

    @property
    def sheetnames(self) -> list[str]:
        return [s.name for s in self.data_sheets] + [S.SHEET_GUIDE, S.SHEET_META]

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the workbook to ``path`` (.xlsx).  Raises ``OSError`` when it cannot be written."""
        p = Path(path)
        wb = _Book(str(p), {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                            "strings_to_urls": False,
                            # widths are counted in digits of the default font (as the master)
                            "default_format_properties": {"font_name": ST.FONT_NAME,
                                                          "font_size": ST.FONT_SIZE}})
        wb.structure_password = SHEET_PASSWORD   # no sheet added, deleted, renamed or unhidden
        fmt = _Formats(wb)
        info = self.info
        for sheet in self.data_sheets:
            _write_data_sheet(wb.add_worksheet(sheet.name), fmt, sheet.columns, sheet.rows,
                              title=sheet.title, subtitle=sheet.subtitle, as_of=info.as_of, year=info.year)
        _write_guide(wb.add_worksheet(S.SHEET_GUIDE), fmt, info, self.n_tasks, self.n_remediation)
        _write_meta(wb.add_worksheet(S.SHEET_META), fmt, self.meta, self.items)
        try:
            wb.close()
        except xlsxwriter.exceptions.FileCreateError as exc:   # wraps the OSError
            cause = exc.args[0] if exc.args else None
            if isinstance(cause, OSError):
                raise cause from None
            raise OSError(str(exc)) from None
        return p


def build_unit_workbook(plan: Plan, unit_code: str, *, period_label: str, master_version: int,
                        master_path_name: str = "", as_of: dt.date | None = None,
                        return_by: dt.date | None = None, contact: str = "",
                        unit_reports: Mapping[tuple[str, str], Mapping[str, Any]] | None = None,
                        created_at: dt.datetime | None = None,
                        registry: UnitRegistry | None = None,
                        items: tuple[list[Task], list[RemediationItem]] | None = None,
                        issued: Mapping[tuple[str, str, str], tuple[dict[str, Any], dict[str, Any] | None]]
                        | None = None) -> UnitWorkbook:
    """Build the workbook sent to ``unit_code`` (in memory; ``.save(path)`` writes it).

    ``unit_reports[(item id, unit)]`` (rows of "Báo cáo đơn vị") replaces the
    master's tracking values for items with several lead units, so each unit
    sees and edits its own report.  ``issued[(unit, sheet, item id)]``: the values
    ``issued_values`` gives, when the caller has them already (the split records them in
    the master's merge base first).
    """
    reg = registry or registry_for(plan)
    unit = reg.by_code.get(unit_code)
    if unit is None:
        raise catalog.UNKNOWN_UNIT.error(unit=unit_code, sheet=S.SHEET_UNITS)
    as_of, return_by = _default_dates(period_label, as_of, return_by)
    tasks, rems = items if items is not None else unit_items(plan, unit_code, reg)
    info = UnitBookInfo(unit=unit, commune=plan.info.commune, year=plan.info.year,
                        period_label=period_label, as_of=as_of, return_by=return_by,
                        contact=contact or DEFAULT_CONTACT, master_version=master_version,
                        master_name=master_path_name)
    reports = unit_reports or {}
    meta_items: list[list[Any]] = []
    specs = [(S.SHEET_TASKS, S.TASK_COLUMNS, tasks, "NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH")]
    if rems:
        specs.append((S.SHEET_REMEDIATION, S.REMEDIATION_COLUMNS, rems,
                      "NỘI DUNG KHẮC PHỤC CÁC TIÊU CHÍ BỊ TRỪ ĐIỂM"))
    sheets = []
    for sheet, columns, objs, heading in specs:
        rows = []
        for r, obj in enumerate(objs, start=S.FIRST_DATA_ROW):
            got = issued.get((unit_code, sheet, obj.id)) if issued is not None else None
            track, shared_base = got if got is not None else issued_values(obj, unit_code, reg, reports)
            vals = _row_values(obj, columns, track)
            fp, cells = fingerprint(columns, vals)
            meta_items.append([sheet, obj.id, r, fp, cells, base_to_json(track),
                               base_to_json(shared_base) if shared_base is not None else None])
            rows.append(vals)
        sheets.append(_DataSheet(sheet, columns, rows, title=f"{heading} - {unit.name.upper()}",
                                 subtitle=(f"Kỳ báo cáo: {period_label}. Chỉ điền các cột nền vàng; "
                                           f"xem trang \"{S.SHEET_GUIDE}\".")))
    meta = {
        "kind": UNIT_KIND, "schema_version": S.SCHEMA_VERSION, "unit_code": unit.code,
        "unit_name": unit.name, "commune": plan.info.commune, "year": plan.info.year,
        "period_label": period_label, "master_version": master_version,
        "master_file": master_path_name,
        "created_at": (created_at or dt.datetime.now()).replace(microsecond=0).isoformat(),
        "as_of": as_of.isoformat(), "return_by": return_by.isoformat() if return_by else "",
        "task_ids": [t.id for t in tasks], "remediation_ids": [r.id for r in rems],
    }
    return UnitWorkbook(info, sheets, meta, meta_items, len(tasks), len(rems))



# ---------------------------------------------------------------- reading a returned file

@dataclass(slots=True)
class ItemMeta:
    sheet: str
    id: str
    row: int
    fingerprint: str
    cell_text: str                  # per-cell hashes as written ("a1b2c3d4 ..."): see ``cells``
    base: dict[str, Any]
    master_base: dict[str, Any] | None = None   # master values as sent (items of several units)

    @property
    def cells(self) -> list[str]:
        """Short per-cell hashes of the locked cells (only needed to name a tampered cell:
        kept as the one text read, 12 strings per row less while hundreds of files are held)."""
        return self.cell_text.split()


@dataclass
class ReturnedBook:
    """A returned unit workbook as read by python-calamine."""

    path: Path
    sha256: str
    meta: dict[str, Any]
    items: dict[tuple[str, str], ItemMeta]          # (sheet, id) -> as sent
    sheets: dict[str, list[list[Any]]]              # data sheets, rows from A1
    formula_cells: dict[str, set[str]] = field(default_factory=dict)
    saved_at: dt.datetime | None = None              # docProps/core.xml "modified"
    mtime: float = 0.0
    warnings: list[str] = field(default_factory=list)
    # work done ahead by the reading thread (``roundtrip.consolidate.check._prepare``): sheet -> results
    prepared: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @functools.cached_property
    def name(self) -> str:
        return self.path.name

    @functools.cached_property
    def unit_code(self) -> str:
        return fast_normalize(self.meta.get("unit_code"))

    @property
    def created_at(self) -> str:
        return str(self.meta.get("created_at") or "")

    def order_key(self) -> tuple:
        """Older returns first: metadata version/creation, saved time, then file mtime."""
        saved = self.saved_at.isoformat() if self.saved_at else ""
        return (_int(self.meta.get("master_version")), self.created_at, saved, self.mtime, self.name)


def _int(v: Any) -> int:
    try:
        return int(float(v))
    except (TypeError, ValueError):
        return 0


ACCEPTED_SUFFIXES = (".xlsx", ".xlsm")
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_file_kind(path: Path, data: bytes | None = None) -> None:
    """Raise ``CchcError`` (Vietnamese reason) for files that cannot be a unit workbook.

    ``data``: the file's content when already read (saves opening it again)."""
    suffix = path.suffix.lower()
    name = path.name
    if suffix == ".xls":
        raise catalog.RETURN_XLS.error(file=name)
    if suffix in (".csv", ".txt", ".tsv"):
        raise catalog.RETURN_CSV.error(file=name)
    if suffix not in ACCEPTED_SUFFIXES:
        raise catalog.NOT_EXCEL.error(suffix=path.suffix or "(không có)", file=name)
    size = path.stat().st_size if data is None else len(data)
    if size == 0:
        raise catalog.EMPTY_FILE.error(file=name)
    if data is None:
        with open(path, "rb") as f:
            head = f.read(8)
            rest = head + f.read() if head == _CFB_MAGIC else head
    else:
        head, rest = data[:8], data
    if head == _CFB_MAGIC:
        if "EncryptionInfo".encode("utf-16-le") in rest:
            raise catalog.ENCRYPTED.error(file=name)
        raise catalog.RETURN_OLD_FORMAT.error(file=name)
    if not zipfile.is_zipfile(path if data is None else io.BytesIO(data)):
        raise catalog.RETURN_NOT_ZIP.error(file=name)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_unit_workbook(path: str | os.PathLike[str]) -> ReturnedBook:
    """Read a returned unit workbook with python-calamine (raises ``CchcError`` when unusable).

    The file is read once: its SHA-256, the cell values and the package scan come from
    the same bytes.  Safe to call from several threads (python-calamine parses without
    holding the GIL; ``consolidate`` reads the returned files in parallel).
    """
    import python_calamine as pc

    p = Path(path)
    if p.suffix.lower() not in ACCEPTED_SUFFIXES:
        check_file_kind(p)  # raises the reason (by name: the file is not read)
    check_package_size(p)         # before anything decompresses it (zip bomb)
    data = p.read_bytes()
    check_file_kind(p, data)
    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except pc.PasswordError:
        raise catalog.ENCRYPTED.error(file=p.name) from None
    except Exception as exc:  # zip/xml errors
        raise catalog.RETURN_DAMAGED.error(why=exc.__class__.__name__, file=p.name) from None
    try:
        names = wb.sheet_names
        if S.SHEET_META not in names:
            raise catalog.NO_META.error(file=p.name)
        meta_rows = wb.get_sheet_by_name(S.SHEET_META).to_python(skip_empty_area=False)
        sheets = {n: wb.get_sheet_by_name(n).to_python(skip_empty_area=False)
                  for n in DATA_SHEETS if n in names}
    except CchcError:
        raise
    except Exception as exc:  # a sheet part that does not parse
        raise catalog.RETURN_DAMAGED.error(why=exc.__class__.__name__, file=p.name) from None
    finally:
        wb.close()
    meta = {str(r[0]): (r[1] if len(r) > 1 else None) for r in meta_rows if r and r[0] not in (None, "")}
    if meta.get("kind") != UNIT_KIND:
        raise (catalog.MASTER_AS_RETURN if meta.get("kind") == "master" else catalog.NOT_UNIT_BOOK).error(
            file=p.name)
    book = ReturnedBook(path=p, sha256=hashlib.sha256(data).hexdigest(), meta=meta,
                        items=_read_items(meta_rows, p.name), sheets=sheets,
                        mtime=p.stat().st_mtime)
    _scan_package(data, book)
    return book


_BASE_KEYS = frozenset(TRACKING_KEYS)


def _base_values(raw: Any) -> dict[str, Any]:
    """Tracking values as sent, from the decoded JSON of ``base_to_json``."""
    if not isinstance(raw, dict):
        raise ValueError("không phải bảng giá trị")
    # what ``base_to_json`` wrote is already canonical, except the date (ISO text)
    if raw.keys() == _BASE_KEYS:
        status, progress, done = raw["status"], raw["progress"], raw["completed_on"]
        if (status in _LABELS and type(progress) is float and round(progress, 2) == progress
                and type(raw["evidence"]) is str and type(raw["note"]) is str
                and (done is None or type(done) is str and done)):
            if done is not None:
                raw["completed_on"] = dt.date.fromisoformat(done)
            return raw
    v = raw.get("completed_on")
    done = dt.date.fromisoformat(v) if v else None
    status = raw.get("status")
    evidence, note = raw.get("evidence"), raw.get("note")
    return {"status": status if status in _LABELS else canonical("status", status),
            "progress": round(float(raw.get("progress") or 0), 2),
            "completed_on": done,
            "evidence": evidence if type(evidence) is str else fast_normalize(evidence),
            "note": note if type(note) is str else fast_normalize(note)}


def _decode_bases(texts: list[str]) -> list[Any] | None:
    """All base JSON objects of a workbook in one ``json.loads`` (``None``: decode one by one)."""
    try:
        out = json.loads("[" + ",".join(texts) + "]")
    except (ValueError, RecursionError):
        return None
    return out if len(out) == len(texts) else None


def _read_items(rows: list[list[Any]], fname: str) -> dict[tuple[str, str], ItemMeta]:
    header = rows[0] if rows else []
    idx = {h: i for i, h in enumerate(header) if isinstance(h, str) and h in ITEM_HEADERS}
    if not set(ITEM_HEADERS[:6]) <= set(idx):
        raise catalog.BAD_META.error(file=fname, sheet=S.SHEET_META)
    si, ii, ri, fi, ci, bi = (idx[k] for k in ITEM_HEADERS[:6])
    mi = idx.get("master_base")
    width = max(idx.values()) + 1
    entries: list[tuple[str, str, Sequence[Any]]] = []
    for r in rows[1:]:
        if len(r) < width:
            r = [*r, *[""] * (width - len(r))]
        sheet, item_id = str(r[si] or ""), fast_normalize(r[ii])
        if sheet and item_id:
            entries.append((sheet, item_id, r))
    texts = [str(r[bi] or "{}") for _, _, r in entries]
    decoded = _decode_bases(texts) or [None] * len(texts)
    out: dict[tuple[str, str], ItemMeta] = {}
    for (sheet, item_id, r), text, raw in zip(entries, texts, decoded):
        shared = r[mi] if mi is not None else ""
        try:
            base = _base_values(raw if raw is not None else json.loads(text))
            master_base = _base_values(json.loads(str(shared))) if shared else None
        except (ValueError, TypeError, RecursionError):  # JSONDecodeError is a ValueError
            raise catalog.BAD_META_BASE.error(item=item_id, file=fname, sheet=S.SHEET_META) from None
        row, fp, cells = r[ri], r[fi], r[ci]
        out[(sheet, item_id)] = ItemMeta(
            sheet, item_id, int(row) if type(row) is float and row.is_integer() else _int(row),
            fp if type(fp) is str else str(fp or ""),
            cells if type(cells) is str else str(cells or ""), base, master_base)
    return out


_FORMULA_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+\d+)"[^>]*?>(?:(?!</(?:\w+:)?c>).)*?'
                           rb'<(?:\w+:)?f[\s>/]', re.S)
_HAS_F = re.compile(rb'<(?:\w+:)?f[\s>/]')
_SHEET_DATA = re.compile(rb'<(?:\w+:)?sheetData\b')
_MODIFIED = re.compile(rb'<dcterms:modified[^>]*>([^<]+)<')


def formula_cells(xml: bytes) -> set[str]:
    """Addresses of the cells holding a formula (``<f>``) in a worksheet part."""
    m = _SHEET_DATA.search(xml)
    if m is None:
        region = xml
    elif xml[m.end():m.end() + 2] == b"/>":
        return set()                              # <sheetData/>: no cells at all
    else:
        end = xml.rfind(b"sheetData>", m.end())   # the closing tag (conditional formats follow it)
        region = xml[m.end():end if end >= 0 else len(xml)]
    # quick test first (memchr): no "f" at all, no <f> or <x:f> element; most sheets have none
    if b"f" not in region:
        return set()
    if not _HAS_F.search(region):
        return set()
    return {m.group(1).decode() for m in _FORMULA_CELL.finditer(region)}


def _scan_package(data: bytes, book: ReturnedBook) -> None:
    """Formula cells of the data sheets, saved time, external links (calamine shows none)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = set(z.namelist())
        parts = sheet_parts(z)
        for sheet in DATA_SHEETS:
            part = parts.get(sheet)
            if not part or part not in names:
                continue
            cells = formula_cells(z.read(part))
            if cells:
                book.formula_cells[sheet] = cells
        if "docProps/core.xml" in names:
            m = _MODIFIED.search(z.read("docProps/core.xml"))
            if m:
                try:
                    book.saved_at = dt.datetime.fromisoformat(m.group(1).decode().strip().replace("Z", ""))
                except ValueError:
                    book.saved_at = None
        if any(n.startswith("xl/externalLinks/") for n in names):
            book.warnings.append("Tệp có liên kết ngoài/DDE (externalLinks): các liên kết này bị bỏ qua")


def iter_unit_files(inbox: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files to consolidate: a folder (non-recursive, no hidden/lock files) or explicit files."""
    if isinstance(inbox, (str, os.PathLike)):
        p = Path(inbox)
        if p.is_dir():
            return sorted(f for f in p.iterdir()
                          if f.is_file() and not f.name.startswith((".", "~$")))
        return [p]
    return [Path(f) for f in inbox]
