"""Where the values of a worksheet are, without reading its cells.

* ``last_value_row``: Tổng hợp appends its audit rows below the last row of "Nhật ký"
  that holds a value.  Parsing that sheet (a row per changed cell: 100 000 a quarter at
  province scale) costs more than the rest of a run's reading of the master; this scan
  only decompresses the sheet part and looks for value markers.
* ``formula_cells``: the cells holding a formula (python-calamine shows only their values);
  ``error_cells``: the cells holding an error value (python-calamine shows them empty).
* ``check_value_box`` / ``check_sheet_extent``: python-calamine builds the whole rectangle
  from A1 to the farthest cell holding a value - one value typed at XFD1048576 asks it for
  512 GB and the process is killed without a word (ZZ200000: 4.4 GB).  Before a sheet is
  handed to it, the rectangle is measured here and a sheet too big is refused, naming the
  far cell (``sheet_too_far``).
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass
from typing import Callable

from openpyxl.utils import column_index_from_string, get_column_letter

from cchc_xl.core.findings import catalog
from cchc_xl.files.xlsx_patch import sheet_parts

_CHUNK = 1 << 20
_CARRY = 1024                      # bytes kept between chunks: a row tag or a marker cut in two
# a cell holding a value, a text or a formula (the namespace-prefixed forms are refused by
# the patcher anyway; they would only make the scan answer "unknown")
_VALUE_MARKS = (b"<v>", b"<v ", b"<is>", b"<is ", b"<f>", b"<f ")
_ROW = re.compile(rb'<row\b[^>]*?\br="(\d+)"')


def last_value_row(path: str | os.PathLike[str], sheet: str) -> int | None:
    """1-based number of the last row of ``sheet`` with a cell holding a value, a text or a
    formula (``0`` when there is none; ``None`` when the sheet is not in the workbook, or
    when rows without ``r=`` or prefixed tags make it unknowable).

    Conservative: a cell holding an empty text counts as a value, so rows appended below it
    never land on a row that holds anything.
    """
    with zipfile.ZipFile(path) as z:
        part = sheet_parts(z).get(sheet)
        return None if part is None else last_value_row_of(z, part)


def last_value_row_of(z: zipfile.ZipFile, part: str) -> int | None:
    """``last_value_row`` of the part ``part`` of an open package ``z``."""
    if part not in z.NameToInfo:
        return None
    last = 0
    row_open: int | None = None     # number of the last row tag read so far
    carry = b""
    with z.open(part) as f:
        while chunk := f.read(_CHUNK):
            buf = carry + chunk
            if b"<x:" in buf or b"<s:" in buf:
                return None
            # markers in the carried bytes were counted with the chunk before (one cut in
            # two is complete only now: hence the few bytes of overlap)
            fresh = max(0, len(carry) - 8)
            at = max(buf.rfind(mark, fresh) for mark in _VALUE_MARKS)
            if at >= 0:
                tag = buf.rfind(b"<row", 0, at)
                if tag >= 0:
                    m = _ROW.match(buf, tag)
                    if m is None:
                        return None
                    row_open_at_value = int(m.group(1))
                elif row_open is None:
                    return None
                else:
                    row_open_at_value = row_open
                last = max(last, row_open_at_value)
            tag = buf.rfind(b"<row")
            if tag >= 0:
                m = _ROW.match(buf, tag)
                if m is None:
                    if len(buf) - tag > 256:     # a whole tag without r=
                        return None
                else:
                    row_open = int(m.group(1))
            carry = buf[-_CARRY:]
    return last


# ================================================================ formulas

_FORMULA_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+\d+)"[^>]*?>(?:(?!</(?:\w+:)?c>).)*?'
                           rb'<(?:\w+:)?f[\s>/]', re.S)
_HAS_F = re.compile(rb'<(?:\w+:)?f[\s>/]')
_SHEET_DATA = re.compile(rb'<(?:\w+:)?sheetData\b')


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


_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b([^>]*?\bt="e"[^>]*)>\s*<(?:\w+:)?v>([^<]*)<')
_R_ATTR = re.compile(rb'\br="([A-Z]+[0-9]+)"')


def error_cells(xml: bytes) -> dict[str, str]:
    """{address: error text} of the cells holding an Excel error value (``t="e"``: #N/A,
    #REF!...), which python-calamine reads as empty cells."""
    if b't="e"' not in xml:
        return {}
    out = {}
    for m in _ERROR_CELL.finditer(xml):
        r = _R_ATTR.search(m.group(1))
        if r:
            out[r.group(1).decode()] = m.group(2).decode("utf-8", "replace")
    return out


def formula_and_error_refs(z: zipfile.ZipFile, part: str) -> tuple[set[str], dict[str, str]]:
    """(``formula_cells``, ``error_cells``) of the part ``part`` of ``z`` in one pass, read
    piece by piece (a 60 MB sheet is never held whole; a piece without "f" or an error costs
    one memchr each)."""
    formulas: set[str] = set()
    errors: dict[str, str] = {}
    if part not in z.NameToInfo:
        return formulas, errors
    for window in _row_windows(z, part):
        if b"f" in window:
            formulas |= formula_cells(window)
        errors.update(error_cells(window))      # one memchr-like search when there is none
    return formulas, errors


# ================================================================ the rectangle of values

# rows x columns of the rectangle a sheet may ask the reader for (about 32 bytes a cell): a
# 10-column log ("Nhật ký") down to Excel's last row fits; XFD1048576 (17 billion cells)
# and ZZ200000 (140 million) do not
MAX_VALUE_CELLS = 12_000_000
# a cell address at column AA or beyond, or at row 10 000 or beyond: below neither, the
# rectangle is at most 9 999 x 26 cells and nothing needs measuring (``rows`` tags have no
# letters).  No ``\b`` before ``r=``: a literal start lets re skip ahead (5 times faster); an
# other attribute ending in "r" that matched would only send the sheet to be measured
_FAR_REF = re.compile(rb'r="(?:[A-Z]{2,3}[0-9]|[A-Z][0-9]{5})')
# a cell with an explicit address followed by a value, a text or a formula (an empty
# ``<c .../>`` or ``<c ...></c>`` is not read as a value)
_VALUE_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>]*>\s*<(?:\w+:)?(?:v|is|f)\b')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="(?:[A-Z]{1,3}[0-9]{1,7}:)?([A-Z]{1,3})([0-9]{1,7})"')
# a row numbered 10 000 or beyond (a row "1048576" holding one cell written without its
# address asks the reader for a million rows), and a row or a cell without its address
_FAR_ROW = re.compile(rb'r="[0-9]{5,}"')     # literal start, as ``_FAR_REF``
_NO_ADDRESS = re.compile(rb'<(?:\w+:)?(?:c|row)(?=[\s/>])(?![^>]*\br=")[^>]*>')
_ROW_ELEMENT = re.compile(rb'<(?:\w+:)?row\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?row>)', re.S)
_CELL_ELEMENT = re.compile(rb'<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)', re.S)
_R_NUMBER = re.compile(rb'\br="([0-9]{1,7})"')
_R_CELL = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_HAS_VALUE = re.compile(rb'<(?:\w+:)?(?:v|is|f)\b')


def _needs_measuring(xml: bytes | bytearray) -> bool:
    """Whether values of ``xml`` may lie beyond 9 999 rows x 26 columns (else nothing to measure).
    A row or a cell without an address follows the previous one: only a far row numbered by
    hand holding cells without theirs reaches far (``_FAR_ROW``)."""
    return bool(_FAR_REF.search(xml) or _FAR_ROW.search(xml))


def _unaddressed(xml: bytes | bytearray) -> bool:
    """Whether a row or a cell of ``xml`` is written without its address.  Counted first (Excel,
    LibreOffice, openpyxl and XlsxWriter write ``r=`` first: a few memchr-speed counts); the
    regular expression only for other writers and namespace prefixes."""
    if b":c " not in xml and b":row " not in xml and b":c>" not in xml and b":row>" not in xml:
        if (xml.count(b"<c ") + xml.count(b"<c>") == xml.count(b'<c r="')
                and xml.count(b"<row ") + xml.count(b"<row>") == xml.count(b'<row r="')):
            return False
    return bool(_NO_ADDRESS.search(xml))


@dataclass(frozen=True)
class ValueBox:
    """The rectangle from A1 to the farthest values of a sheet."""

    rows: int = 0
    columns: int = 0
    lowest: str = ""     # the cell with a value on the last row
    rightmost: str = ""  # the cell with a value in the last column

    @property
    def cells(self) -> int:
        return self.rows * self.columns

    def merged(self, other: "ValueBox") -> "ValueBox":
        low = self if self.rows >= other.rows else other
        right = self if self.columns >= other.columns else other
        return ValueBox(low.rows, right.columns, low.lowest, right.rightmost)


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def value_box(xml: bytes | bytearray) -> ValueBox:
    """The rectangle of the cells of ``xml`` (a worksheet part, or a run of its rows) that
    hold a value, by their addresses."""
    if _FAR_ROW.search(xml) and _unaddressed(xml):
        return _counted_box(xml)[0]
    rows = cols = 0
    lowest = rightmost = b""
    for m in _VALUE_CELL.finditer(xml):
        r, c = int(m.group(2)), _col_number(m.group(1))
        if r > rows:
            rows, lowest = r, m.group(1) + m.group(2)
        if c > cols:
            cols, rightmost = c, m.group(1) + m.group(2)
    return ValueBox(rows, cols, lowest.decode(), rightmost.decode())


def _counted_box(xml: bytes | bytearray, row_no: int = 0) -> tuple[ValueBox, int]:
    """(``value_box``, number of the last row) of a part, or a run of its rows after row
    ``row_no``, where some rows or cells have no address: each follows the previous one, as
    a reader counts them (slower: only such odd files come here)."""
    rows = cols = 0
    lowest = rightmost = ""
    for rm in _ROW_ELEMENT.finditer(xml):
        m = _R_NUMBER.search(rm.group(1))
        row_no = int(m.group(1)) if m else row_no + 1
        col = 0
        for cm in _CELL_ELEMENT.finditer(rm.group(2) or b""):
            a = _R_CELL.search(cm.group(1))
            col = _col_number(a.group(1)) if a else col + 1
            if not (cm.group(2) and _HAS_VALUE.search(cm.group(2))):
                continue
            ref = f"{get_column_letter(min(col, 16384))}{row_no}"
            if row_no > rows:
                rows, lowest = row_no, ref
            if col > cols:
                cols, rightmost = col, ref
    return ValueBox(rows, cols, lowest, rightmost), row_no


def check_value_box(xml: bytes | bytearray, *, sheet: str, file: str,
                    limit: int = MAX_VALUE_CELLS) -> None:
    """Raise ``sheet_too_far`` when the values of the worksheet part ``xml`` span more than
    ``limit`` cells from A1.  Measured from the cells themselves (a ``<dimension>`` is only
    what the file says of itself); most sheets pass a single search."""
    if not _needs_measuring(xml):
        return
    box = value_box(xml)
    if box.cells > limit:
        raise too_far(box, sheet, file)


def check_sheet_extent(z: zipfile.ZipFile, part: str, *, sheet: str, file: str,
                       limit: int = MAX_VALUE_CELLS, trust_dimension: bool = False) -> None:
    """``check_value_box`` of the part ``part`` of ``z``, read piece by piece (a 60 MB sheet
    is never held whole).  ``trust_dimension``: for a workbook of the official's own (the
    master), a ``<dimension>`` whose rectangle is small enough is taken as it is (Excel,
    LibreOffice, openpyxl and XlsxWriter write it from the cells, formatted ones included);
    a returned file's is never trusted."""
    if part not in z.NameToInfo:
        return
    with z.open(part) as f:
        head = f.read(_CHUNK)
    m = _DIMENSION.search(head)
    if trust_dimension and m and int(m.group(2)) * _col_number(m.group(1)) <= limit:
        return
    if not any(_needs_measuring(window) for window in _row_windows(z, part)):
        return                                       # at most 9 999 x 26 cells
    box, row_no = ValueBox(), 0
    counted = any(_FAR_ROW.search(window) and _unaddressed(window) for window in _row_windows(z, part))
    for window in _row_windows(z, part):             # measured, from the first row again
        if counted:                                  # rows without "r=" follow across the windows
            found, row_no = _counted_box(window, row_no)
        else:
            found = value_box(window)
        box = box.merged(found)
    if box.cells > limit:
        raise too_far(box, sheet, file)


def _row_windows(z: zipfile.ZipFile, part: str):
    """The part in pieces of about ``_CHUNK`` bytes, each cut after a ``</row>`` (a piece
    without one runs on to the next)."""
    carry = b""
    with z.open(part) as f:
        while chunk := f.read(_CHUNK):
            buf = carry + chunk
            cut = buf.rfind(b"</row>")
            if cut < 0:
                carry = buf
                continue
            yield buf[:cut + 6]
            carry = buf[cut + 6:]
    if carry:
        yield carry


def too_far(box: ValueBox, sheet: str, file: str) -> Exception:
    """The ``sheet_too_far`` error of ``box`` (naming its lowest and rightmost values)."""
    cells = f"ô {box.lowest}" if box.lowest == box.rightmost else f"ô {box.lowest} và ô {box.rightmost}"
    return catalog.SHEET_TOO_FAR.error(sheet=sheet, cells=cells, rows=box.rows, columns=box.columns, file=file,
                                       cell=box.lowest if box.rows >= box.columns else box.rightmost)


# ---------------------------------------------------------------- number formats of cells
# (python-calamine gives values, not how a cell shows them: a percentage, a date without its day)

_NUMFMT = re.compile(rb'<(?:\w+:)?numFmt\b[^>]*?\bnumFmtId="(\d+)"[^>]*?\bformatCode="([^"]*)"'
                     rb'|<(?:\w+:)?numFmt\b[^>]*?\bformatCode="([^"]*)"[^>]*?\bnumFmtId="(\d+)"')
_CELL_XFS = re.compile(rb"<(?:\w+:)?cellXfs\b.*?</(?:\w+:)?cellXfs>", re.S)
_XF = re.compile(rb"<(?:\w+:)?xf\b([^>]*)>")
_CELL = re.compile(rb"<(?:\w+:)?c\s([^>]*)>")
_ATTR = re.compile(rb'\b(r|s|numFmtId)="([^"]*)"')


def format_symbols(code: str) -> str:
    """What a number format code shows as symbols, its literal parts taken out: quoted text
    ("Tháng "), bracketed sections ([Red], [$-42A]) and escaped characters (\\%): the part that
    says percent, month, day..."""
    return re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code)


def format_styles(z: zipfile.ZipFile, wanted: Callable[[str], bool],
                  builtin: dict[int, str] | None = None) -> dict[int, str]:
    """Cell style index (``s=``) -> number format code, for the styles whose format is
    ``wanted`` (custom formats of styles.xml) or one of ``builtin`` (id -> code: Excel's
    built-in formats are not written in the file).  Empty when the package has no styles."""
    import html

    try:
        styles = z.read("xl/styles.xml")
    except KeyError:
        return {}
    formats = dict(builtin or {})
    for m in _NUMFMT.finditer(styles):
        fid, code = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        text = html.unescape(code.decode("utf-8", "replace"))
        if wanted(text):
            formats[int(fid)] = text
    block = _CELL_XFS.search(styles)
    out: dict[int, str] = {}
    for i, m in enumerate(_XF.finditer(block.group(0) if block else b"")):
        attrs = dict(_ATTR.findall(m.group(1)))
        fid = attrs.get(b"numFmtId", b"0")
        if fid.isdigit() and int(fid) in formats:
            out[i] = formats[int(fid)]
    return out


def styled_cells(xml: bytes, styles: dict[int, str]) -> dict[tuple[int, int], str]:
    """(0-based row, column) -> format code of the cells of a sheet carrying one of ``styles``
    (cells written with their address ``r=``, as Excel, LibreOffice and XlsxWriter write them)."""
    out: dict[tuple[int, int], str] = {}
    for m in _CELL.finditer(xml):
        attrs = dict(_ATTR.findall(m.group(1)))
        style, ref = attrs.get(b"s", b""), attrs.get(b"r", b"")
        if not style.isdigit() or int(style) not in styles:
            continue
        if rc := re.fullmatch(rb"([A-Z]{1,3})(\d+)", ref):
            out[(int(rc.group(2)) - 1, column_index_from_string(rc.group(1).decode()) - 1)] = styles[int(style)]
    return out
