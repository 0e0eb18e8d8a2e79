"""Patching cell values into an .xlsx/.xlsm package in place, by rewriting its sheet XML.

openpyxl loads a whole workbook and saves only what it understands (charts, images,
slicers, some extensions are lost) and takes minutes on a 50 000-row master.  This module
copies the package and rewrites only the rows it must touch: everything else (drawings,
comments, VBA, buttons, defined names, validation, conditional formats) is kept as it was.
It works on the XML text with regular expressions and string search, not a parser, so it
accepts only the layouts it knows and refuses the rest (``PatchUnsupported``): the caller
then writes with openpyxl (``roundtrip.consolidate.write`` does so automatically).

Contract
--------

Sheets
    Found by name through ``xl/workbook.xml`` and its relationships (``sheet_parts``;
    ``<x:sheet>`` elements and absolute targets are understood there).  A sheet to patch
    must be a worksheet part with an unprefixed ``<sheetData>``; a workbook whose
    worksheet or ``xl/styles.xml`` elements carry a namespace prefix (``<x:sheetData>``,
    ``<x:cellXfs>``, as some writers emit) is refused.

Values written (``edits`` and ``appends``)
    * ``int`` / ``float``: a number cell, ``<v>`` holding ``repr(value)``.
    * ``bool``: a boolean cell (``t="b"``, 1 or 0).
    * ``datetime.date`` / ``datetime.datetime``: a serial number of the 1900 date system
      (days since 1899-12-30, time as a fraction, microseconds dropped), with a date
      style (below).
    * non-empty ``str``: an inline string (``t="inlineStr"``, ``<is><t>``), never a
      shared string; ``&``, ``<``, ``>`` are escaped, characters XML 1.0 forbids
      (U+0000-U+0008, U+000B, U+000C, U+000E-U+001F) are removed, and
      ``xml:space="preserve"`` is set when the text starts or ends with white space.
      A text starting with "=" is written as text, never as a formula; a text whose first
      visible character is a formula lead (``core.safety.starts_like_formula``: = + - @,
      full-width too) also gets a style with Excel's quote prefix (below), so that editing
      the cell in Excel later keeps it text.
    * ``Formula("=...")``: a formula cell (``<f>``, no cached value; Excel and LibreOffice
      compute it on open) - the only way to write a formula, so text from a returned
      file can never become one.
    * ``None``, ``""`` and NaN: the cell is cleared (an empty ``<c>`` keeping its style);
      in appended rows ``None`` and ``""`` make no cell at all (NaN an empty cell).
    * anything else (``Decimal``, ``datetime.time``, numpy integers...): ``str(value)``
      as an inline string.
    No other value is written as a formula, and a cell to overwrite that holds a formula
    (``<f>``) is refused.  Numbers of other types (numpy integers and floats, any ``numbers.Real``)
    are written as the Python ``int``/``float`` they equal.  ``PatchUnsupported`` is
    raised, before anything is written, for values the package format cannot hold as
    given: infinite floats, timezone-aware datetimes, texts with lone surrogates; and
    for a workbook in the 1904 date system (``<workbookPr date1904="1">``), whose date
    serials the patcher does not compute.

Shared strings
    ``xl/sharedStrings.xml`` is never read or changed.  Untouched cells keep their shared
    strings; an overwritten cell loses its ``t="s"`` reference (the string stays in the
    table, unused).

Styles (``s=``)
    An overwritten cell keeps its ``s=`` (other attributes such as ``t=``, ``cm=``,
    ``vm=`` are dropped with the old value).  A cell created in an existing row, or in a
    new row between existing ones, takes the style of the same column in the nearest
    existing row above when that row lies below the header row (``schema.HEADER_ROW``),
    else the column's ``<col style=>``; appended rows take the styles of the sheet's last
    row (if below the header row), else the column styles.  A date needs a date format:
    when the cell's style has none, a copy of that style (or of the default style 0) with
    the format ``dd/mm/yyyy`` is added to ``cellXfs``, once per source style (and the
    number format to ``numFmts``, reusing an existing ``dd/mm/yyyy``); likewise a
    formula-like text gets a copy of its style with ``quotePrefix="1"`` (once per source
    style; a style that has it already is kept); nothing else in ``xl/styles.xml`` changes.  A package without ``xl/styles.xml`` gets date serials
    without a date format.

Rows and columns
    Cells are found by their ``r=`` address.  Rows without ``r=`` are refused whenever
    rows must be located (inserted, appended after, patched on the general path), and so
    are cells without ``r=`` in a row being rebuilt.  Existing ``<row>`` attributes
    (height, hidden, outline, row style) are kept; when a cell must be inserted into a
    row its ``spans=`` is dropped.  New rows - between existing ones or appended after
    the last row - carry only ``r=``.  ``<cols>`` is only read (column styles of the
    first 200 columns), never changed.  ``<dimension>`` is widened to cover the cells
    written when it is a range (a one-cell ``ref="A1"`` is left as it is).  Merged
    cells, tables, validations, conditional formats and defined names are not adjusted
    to appended rows.

Appends
    ``appends[sheet] = (first row, rows, fixed)``: whole rows of values from column A,
    added below the sheet's last row; when rows already exist there (formatted empty
    rows) the values are merged into them cell by cell instead.  ``fixed`` leading
    columns repeat from row to row and are built once per distinct run (speed only).

The package
    Every other part is copied unchanged (re-compressed, deflate level 1, member order
    and times kept; ``xl/styles.xml`` is written last).  The calculation chain
    (``xl/calcChain.xml``, its content type and relationship) is dropped and
    ``<calcPr fullCalcOnLoad="1">`` asks Excel to recalculate when the file is opened
    (not added when ``xl/workbook.xml`` itself is namespace-prefixed).

Refused (``PatchUnsupported``; ``roundtrip.consolidate.write`` then uses openpyxl)
    a sheet name not in the workbook, or whose part has no unprefixed ``<sheetData>``
    (``<x:sheetData>``); ``xl/styles.xml`` without an unprefixed ``<cellXfs>``; a cell to
    overwrite that holds a formula; a cell covered by an array formula (``<f t="array"
    ref=>``, dynamic arrays too); a cell in the header or totals row of a table (its
    column names and totals, which the table part repeats), or appended rows reaching into
    a table; a workbook of the 1904 date system (above); rows or cells without ``r=``
    where they must be located (above).
    Nothing is refused silently: the exception names the reason.  A refusal can come
    after ``dst`` was started: write to a temporary file (``files.safeio.atomic_path``).

Two paths give the same result: a fast one over the raw bytes of the sheet (every cell
to write already exists, in order, appended rows after the last row), streamed to a
thread that compresses it; and a general one over the decoded text, which
``patch_xlsx`` takes when the fast one misses.
"""

from __future__ import annotations

import bisect
import datetime as dt
import html
import itertools
import math
import numbers
import os
import queue
import re
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from openpyxl.utils import get_column_letter

from cchc_xl.core import schema as S
from cchc_xl.core.safety import starts_like_formula

__all__ = ["Append", "Formula", "PatchUnsupported", "patch_xlsx", "sheet_parts"]

# ================================================================= public API

Append = tuple[int, Sequence[Sequence[Any]], int]  # (first row, row values from column A, fixed columns)


class Formula:
    """A formula to write (``Formula("=SUM(A1:A3)")``); plain text is never a formula."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        if not text.startswith("="):
            raise ValueError("a formula starts with '='")
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Formula) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"


class PatchUnsupported(Exception):
    """The package uses a layout the patcher does not handle: use openpyxl instead."""


def patch_xlsx(src: str | os.PathLike[str], dst: str | os.PathLike[str],
               edits: Mapping[str, Mapping[tuple[int, int], Any]],
               appends: Mapping[str, Append] | None = None, *,
               parts: Mapping[str, bytes] | None = None) -> None:
    """Copy the xlsx/xlsm ``src`` to ``dst`` with cell values replaced/added.

    ``edits``: {sheet name: {(row, column): value}} (1-based row and column); values are
    numbers, booleans, text (written as inline strings), dates (get a dd/mm/yyyy style)
    or None / "" (cleared) - see the module docstring for every case.
    ``appends``: {sheet name: (first row, rows, fixed)}: whole rows added below the
    last row (``fixed`` leading columns repeat from row to row: built once per run).
    ``parts``: {zip part name: content} of ``src`` already read (a head start: the
    sheets' parts are not read again).
    Untouched parts are copied byte for byte (re-compressed); the calculation
    chain is dropped and Excel is asked to recalculate on open.

    Raises ``PatchUnsupported`` (before ``dst`` is complete: write ``dst`` to a temporary
    path) when the package uses a layout the patcher does not handle.
    """
    edits, appends = _checked_values(edits, appends or {})
    try:
        try:
            _patch_package(src, dst, edits, appends, fast=True, parts=parts)
        except _FastPathMiss:  # a sheet needs the general path: write the package again
            _patch_package(src, dst, edits, appends, fast=False, parts=parts)
    except UnicodeEncodeError as exc:  # a lone surrogate (e.g. from a file name) cannot be UTF-8
        raise PatchUnsupported("văn bản chứa ký tự không mã hóa được (UTF-8)") from exc


def sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """{sheet name: zip part path} from ``xl/workbook.xml`` and its relationships.

    Sheet elements may carry a namespace prefix (``<x:sheet>``); relationship targets
    may be relative to ``xl/`` or absolute.  Names are XML-unescaped.
    """
    wbx = z.read("xl/workbook.xml")
    rels = z.read("xl/_rels/workbook.xml.rels")
    targets: dict[bytes, str] = {}
    for m in _REL.finditer(rels):
        rid, target = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        t = _xml_unescape(target)
        targets[rid] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    out: dict[str, str] = {}
    for m in _SHEET_REL.finditer(wbx):
        out[_xml_unescape(m.group(1))] = targets.get(m.group(2), "")
    if not out:
        for m in _SHEET_REL2.finditer(wbx):
            out[_xml_unescape(m.group(2))] = targets.get(m.group(1), "")
    return out


# ================================================================= private helpers

# ---------------------------------------------------------------- values

def _checked_value(value: Any) -> Any:
    """``value`` as the patcher writes it, or ``PatchUnsupported`` (see the contract)."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, float):
        if math.isinf(value):
            raise PatchUnsupported("số vô hạn không ghi được vào ô Excel")
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        raise PatchUnsupported("ngày giờ có múi giờ")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return _checked_value(float(value))
    return value


_PLAIN = frozenset((str, int, type(None), dt.date))


def _all_plain(values: Callable[[], Iterable[Any]]) -> bool:
    """No value of ``values()`` (an iterator made anew on each call) needs ``_checked_value``:
    only plain types and finite floats.  The types are gathered without a Python-level loop
    per value: the 1,000,000 cells of 100,000 audit rows in milliseconds."""
    types = set(map(type, values()))
    if float in types:
        if any(map(math.isinf, (v for v in values() if type(v) is float))):
            return False
        types.discard(float)
    return types <= _PLAIN


def _checked_values(edits: Mapping[str, Mapping[tuple[int, int], Any]], appends: Mapping[str, Append]
                    ) -> tuple[Mapping[str, Mapping[tuple[int, int], Any]], Mapping[str, Append]]:
    """Every value through ``_checked_value``; the common all-plain case returns the inputs as they are."""
    out_edits: dict[str, Mapping[tuple[int, int], Any]] = {}
    for sheet, cells in edits.items():
        if not _all_plain(cells.values):
            cells = {k: _checked_value(v) for k, v in cells.items()}
        out_edits[sheet] = cells
    out_appends: dict[str, Append] = {}
    for sheet, (first, rows, fixed_cols) in appends.items():
        if not _all_plain(lambda: itertools.chain.from_iterable(rows)):
            rows = [[_checked_value(v) for v in row] for row in rows]
        out_appends[sheet] = (first, rows, fixed_cols)
    return out_edits, out_appends


# ---------------------------------------------------------------- locating the sheets

_DATE1904 = re.compile(rb'<(?:\w+:)?workbookPr\b[^>]*\bdate1904="(?:1|true)"')
_SHEET_REL = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_SHEET_REL2 = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"')
_REL = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"'
                  rb'|<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')


def _xml_unescape(b: bytes) -> str:
    """Text of an XML attribute value (bytes, entities resolved)."""
    return html.unescape(b.decode("utf-8"))


def _patch_package(src: str | os.PathLike[str], dst: str | os.PathLike[str],
                   edits: Mapping[str, Mapping[tuple[int, int], Any]], appends: Mapping[str, Append], *,
                   fast: bool, parts: Mapping[str, bytes] | None = None) -> None:
    """``patch_xlsx``; ``parts``: {zip part name: content} of ``src`` already read."""
    preread = parts or {}
    with zipfile.ZipFile(src) as zin:
        names = set(zin.namelist())
        if _DATE1904.search(zin.read("xl/workbook.xml")):
            raise PatchUnsupported("sổ dùng hệ ngày 1904")
        sheets = sheet_parts(zin)
        styles = _Styles(zin.read("xl/styles.xml").decode("utf-8")) if "xl/styles.xml" in names else None
        jobs: dict[str, tuple[dict[tuple[int, int], Any], Append | None]] = {}
        for sheet in [*edits, *[n for n in appends if n not in edits]]:
            cells, app = edits.get(sheet) or {}, appends.get(sheet)
            if not cells and not (app and app[1]):
                continue
            part = sheets.get(sheet)
            if not part or part not in names:
                raise PatchUnsupported(f"không có trang {sheet}")
            _refuse_table_frames(zin, names, part, cells, app)
            jobs[part] = (dict(cells), app)
        new: dict[str, bytes] = {}
        new["xl/workbook.xml"] = _full_calc_on_load(zin.read("xl/workbook.xml").decode("utf-8")).encode("utf-8")
        skip = {"xl/calcChain.xml"}
        if "xl/calcChain.xml" in names:
            ct = zin.read("[Content_Types].xml").decode("utf-8")
            new["[Content_Types].xml"] = re.sub(r'<Override\b[^>]*?PartName="/xl/calcChain\.xml"[^>]*/>', "",
                                                ct).encode("utf-8")
            rels = zin.read("xl/_rels/workbook.xml.rels").decode("utf-8")
            new["xl/_rels/workbook.xml.rels"] = re.sub(r'<Relationship\b[^>]*?Target="[^"]*calcChain\.xml"[^>]*/>',
                                                       "", rels).encode("utf-8")
        # level 1: the rewritten sheets of a big master compress 3-4 times faster; a second
        # thread compresses while the next chunk is patched (zlib runs without the GIL)
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout, \
                _MemberWriter(zout) as out:
            later: list[zipfile.ZipInfo] = []
            for info in zin.infolist():
                name = info.filename
                if name in skip:
                    continue
                if name == "xl/styles.xml" and styles is not None:
                    later.append(info)  # date styles may still be added by the sheets
                    continue
                if name in jobs:
                    cells, app = jobs[name]
                    if fast and name not in preread and (info.file_size > _BUFFERED_PART or
                                                         (app is not None and len(app[1]) > _BUFFERED_ROWS)):
                        # a big sheet - or one getting many rows - is read, patched and
                        # compressed window by window: never held whole
                        out.stream(info, _patch_stream_b(_member_chunks(zin, info), cells, styles, app))
                        continue
                    data = preread.get(name) or _read_member(zin, info)
                    _refuse_array_cells(data, cells)
                    if fast and len(data) <= _BUFFERED_PART:
                        # a small sheet (register, _meta...) is patched in memory: a cell the fast
                        # path cannot place sends this sheet alone down the general path
                        try:
                            patched = b"".join(_patch_chunks_b(data, cells, styles, app))
                        except _FastPathMiss:
                            patched = _patch_sheet(bytes(data).decode("utf-8"), cells, styles, app).encode("utf-8")
                        out.write(info, patched)
                    elif fast:
                        out.stream(info, _patch_chunks_b(data, cells, styles, app))
                    else:
                        out.write(info, _patch_sheet(bytes(data).decode("utf-8"), cells, styles, app)
                                  .encode("utf-8"))
                    del data  # a big sheet is held while it is patched, not after
                else:
                    out.write(info, new[name] if name in new else zin.read(name))
            for info in later:
                out.write(info, styles.render().encode("utf-8") if styles is not None and styles.changed
                          else zin.read(info.filename))


# ---------------------------------------------------------------- layouts refused

_ARRAY_F = re.compile(rb'<(?:\w+:)?f\b[^>]*\bt="array"[^>]*')
_REF_ATTR = re.compile(rb'\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_TABLE_REL = re.compile(rb'<Relationship\b[^>]*?\bType="[^"]*/table"[^>]*>')
_TARGET = re.compile(rb'\bTarget="([^"]*)"')
_TABLE_TAG = re.compile(rb'<(?:\w+:)?table\b[^>]*>')
_COUNT = {b"headerRowCount": 1, b"totalsRowCount": 0}


def _box(m: re.Match[bytes]) -> tuple[int, int, int, int]:
    """(first row, first column, last row, last column) of a ``ref="A1:C3"`` match."""
    c1, r1 = _col_num(m.group(1).decode()), int(m.group(2))
    if m.group(3):
        return r1, c1, int(m.group(4)), _col_num(m.group(3).decode())
    return r1, c1, r1, c1


def _hits(box: tuple[int, int, int, int], cells: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    r1, c1, r2, c2 = box
    return [(r, c) for r, c in cells if r1 <= r <= r2 and c1 <= c <= c2]


def _refuse_table_frames(zin: zipfile.ZipFile, names: set[str], part: str,
                         cells: Mapping[tuple[int, int], Any], app: Append | None) -> None:
    """A table's header and totals rows name its columns and hold its totals: a value written
    there would no longer match the table definition, which Excel then "repairs".  Refused;
    so are appended rows that would land inside a table."""
    folder, _, leaf = part.rpartition("/")
    rels = f"{folder}/_rels/{leaf}.rels"
    if rels not in names:
        return
    for m in _TABLE_REL.finditer(zin.read(rels)):
        t = _TARGET.search(m.group(0))
        if not t:
            continue
        target = _xml_unescape(t.group(1))
        path = target.lstrip("/") if target.startswith("/") else os.path.normpath(
            f"{folder}/{target}").replace(os.sep, "/")
        if path not in names:
            continue
        tag = _TABLE_TAG.search(zin.read(path))
        ref = _REF_ATTR.search(tag.group(0)) if tag else None
        if not ref:
            raise PatchUnsupported(f"bảng {path} không đọc được vùng")
        r1, c1, r2, c2 = _box(ref)
        counts = dict(_COUNT)
        for key in counts:
            cm = re.search(rb"\b" + key + rb'="(\d+)"', tag.group(0))
            if cm:
                counts[key] = int(cm.group(1))
        frames = []
        if counts[b"headerRowCount"]:
            frames.append((r1, c1, r1, c2))
        if counts[b"totalsRowCount"]:
            frames.append((r2 - counts[b"totalsRowCount"] + 1, c1, r2, c2))
        for box in frames:
            hit = _hits(box, cells)
            if hit:
                r, c = hit[0]
                raise PatchUnsupported(f"ô {get_column_letter(c)}{r} thuộc dòng tiêu đề/tổng của bảng")
        if app and app[1] and app[0] <= r2 and app[0] + len(app[1]) - 1 >= r1:
            raise PatchUnsupported("dòng thêm vào nằm trong vùng của một bảng")


def _refuse_array_cells(data: bytes | bytearray, cells: Iterable[tuple[int, int]], lo: int = 0,
                        hi: int | None = None) -> None:
    """Cells covered by an array formula (``<f t="array" ref="A1:A3">``, dynamic arrays too)
    belong to the formula: a value written there would be overwritten by Excel or make the
    array invalid.  Refused (the formula cell itself is refused as any formula).
    ``lo``/``hi``: the part of ``data`` to look at (a window of a streamed sheet)."""
    hi = len(data) if hi is None else hi
    if data.find(b'"array"', lo, hi) < 0:
        return
    cells = list(cells)
    for m in _ARRAY_F.finditer(data, lo, hi):
        ref = _REF_ATTR.search(m.group(0))
        if ref:
            hit = _hits(_box(ref), cells)
            if hit:
                r, c = hit[0]
                raise PatchUnsupported(f"ô {get_column_letter(c)}{r} nằm trong vùng công thức mảng")


def _read_member(zin: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | bytearray:
    """A zip member's content, decompressed into one buffer of its declared size (``read()``
    grows its result chunk by chunk and briefly holds a 60 MB sheet twice)."""
    size = info.file_size
    if size < _CHUNK:
        return zin.read(info)
    buf = bytearray(size)
    view = memoryview(buf)
    pos = 0
    with zin.open(info) as f:
        while pos < size:
            n = f.readinto(view[pos:pos + _CHUNK])
            if not n:
                break
            pos += n
        rest = f.read()   # a member larger than declared (CRC is checked at its end)
    view.release()
    if pos < size:
        del buf[pos:]
    if rest:
        buf += rest
    return buf


class _MemberWriter:
    """Writes zip members (deflate level 1) in order, in one background thread."""

    def __init__(self, zout: zipfile.ZipFile):
        """Write into ``zout`` from one background thread (in this thread when none can start)."""
        self.zout = zout
        self.pool: ThreadPoolExecutor | None = None
        self.futures: list[Future[None]] = []
        try:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cchc-ghi-so")
        except RuntimeError:
            self.pool = None

    @staticmethod
    def _info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
        """A fresh ``ZipInfo`` for ``info``'s member: same name, time and attributes, deflate level 1."""
        zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
        zi.compress_type = zipfile.ZIP_DEFLATED
        zi.external_attr = info.external_attr
        # the level ``ZipFile.open(..., "w")`` uses ("compress_level" from Python 3.13 on)
        setattr(zi, "compress_level" if hasattr(zi, "compress_level") else "_compresslevel", 1)
        return zi

    def _check(self) -> None:
        """Drop finished writes, raising the error of one that failed."""
        done = [f for f in self.futures if f.done()]
        for f in done:
            f.result()  # raise a write error early
            self.futures.remove(f)

    def write(self, info: zipfile.ZipInfo, data: bytes) -> None:
        """Write a member whose content is ready (in the background thread when there is one)."""
        zi = self._info(info)
        if self.pool is None:
            self.zout.writestr(zi, data, compresslevel=1)
            return
        self.futures.append(self.pool.submit(self.zout.writestr, zi, data, compresslevel=1))
        self._check()

    def stream(self, info: zipfile.ZipInfo, chunks: Iterable[bytes]) -> None:
        """Write a member from ``chunks``, compressing each one while the next is produced."""
        zi = self._info(info)
        if self.pool is None:
            with self.zout.open(zi, "w") as f:
                for chunk in chunks:
                    f.write(chunk)
            return
        q: queue.Queue[bytes | None] = queue.Queue(maxsize=8)
        fut = self.pool.submit(self._drain, zi, q)
        self.futures.append(fut)
        try:
            for chunk in chunks:
                while True:
                    try:
                        q.put(chunk, timeout=0.5)
                        break
                    except queue.Full:
                        if fut.done():  # the writer failed: stop producing, raise its error
                            fut.result()
        finally:
            if not fut.done():
                q.put(None)
        self._check()

    def _drain(self, zi: zipfile.ZipInfo, q: "queue.Queue[bytes | None]") -> None:
        """Background side of ``stream``: write the queued chunks until ``None``."""
        with self.zout.open(zi, "w") as f:
            while (chunk := q.get()) is not None:
                f.write(chunk)

    def __enter__(self) -> "_MemberWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        """Wait for every pending write; raise the first error."""
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None
        for f in self.futures:
            f.result()


def _full_calc_on_load(xml: str) -> str:
    """Ask Excel to recalculate every formula when the file is opened."""
    m = re.search(r"<calcPr\b[^>]*?/?>", xml)
    if m:
        tag = m.group(0)
        if "fullCalcOnLoad=" in tag:
            new = re.sub(r'fullCalcOnLoad="[^"]*"', 'fullCalcOnLoad="1"', tag)
        else:
            new = tag.replace("<calcPr", '<calcPr fullCalcOnLoad="1"', 1)
        return xml[:m.start()] + new + xml[m.end():]
    for marker in _CALC_AFTER:
        i = xml.find(marker)
        if i >= 0:
            return xml[:i] + '<calcPr fullCalcOnLoad="1"/>' + xml[i:]
    return xml


_CALC_AFTER = ("<oleSize", "<customWorkbookViews", "<pivotCaches", "<smartTagPr", "<smartTagTypes",
               "<webPublishing", "<fileRecoveryPr", "<webPublishObjects", "<extLst", "</workbook>")


def _fix_dimension(xml: str, max_row: int, max_col: int) -> str:
    """Widen ``<dimension ref=...>`` (in the part of the sheet before its data)."""
    head = xml.find("<sheetData")
    m = re.compile(r'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"\s*/>').search(
        xml, 0, head if head >= 0 else len(xml))
    if not m or not m.group(3):
        return xml
    last_col = max(_col_num(m.group(3)), max_col)
    last_row = max(int(m.group(4)), max_row)
    ref = f'<dimension ref="{m.group(1)}{m.group(2)}:{get_column_letter(last_col)}{last_row}"/>'
    return xml[:m.start()] + ref + xml[m.end():]

# ---------------------------------------------------------------- the general path (text)

_ROW_RE = re.compile(r"<row\b([^>]*?)(/?)>")
_ROW_R_RE = re.compile(r'<row\b[^>]*?\br="(\d+)"[^>]*?(/?)>')
_ROW_NO_R = re.compile(r'<row\b(?![^>]*\br=")[^>]*>')
_CELL_RE = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_R_ATTR = re.compile(r'\br="([A-Z]*)(\d+)"')
_S_ATTR = re.compile(r'\bs="(\d+)"')
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f]")
_EPOCH = dt.datetime(1899, 12, 30)


class _Styles:
    """Minimal editor of xl/styles.xml: find/create date cell formats (dd/mm/yyyy)."""

    DATE_CODE = "dd/mm/yyyy"

    def __init__(self, xml: str):
        """Parse ``cellXfs`` and the custom number formats of ``xml`` (``xl/styles.xml``)."""
        self.xml = xml
        self.changed = False
        m = re.search(r"<cellXfs\b[^>]*>(.*?)</cellXfs>", xml, re.S)
        if not m:
            raise PatchUnsupported("styles.xml không có cellXfs")
        self.xfs = re.findall(r"<xf\b[^>]*?/>|<xf\b[^>]*?>.*?</xf>", m.group(1), re.S)
        self.fmts = {int(i): html.unescape(c) for i, c in
                     re.findall(r'<numFmt\b[^>]*?numFmtId="(\d+)"[^>]*?formatCode="([^"]*)"', xml)}
        self.cache: dict[int, int] = {}
        self.text_cache: dict[int, int] = {}
        self.dates: dict[int, bool] = {}
        self.new_fmt: int | None = None

    def is_date(self, s: int) -> bool:
        """Whether the cell style ``s`` (an index into ``cellXfs``) shows a date (cached)."""
        known = self.dates.get(s)
        if known is None:
            known = self.dates[s] = self._is_date(s)
        return known

    def _is_date(self, s: int) -> bool:
        """Built-in date/time formats 14-22 and 45-47, or a custom format with d or y outside quotes and brackets."""
        if s >= len(self.xfs):
            return False
        m = re.search(r'numFmtId="(\d+)"', self.xfs[s])
        fid = int(m.group(1)) if m else 0
        if 14 <= fid <= 22 or 45 <= fid <= 47:
            return True
        code = re.sub(r'"[^"]*"|\[[^\]]*\]', "", self.fmts.get(fid, "")).lower()
        return bool(code) and bool(re.search(r"[dy]", code)) and "general" not in code

    def date_style(self, s: int | None) -> int:
        """A style showing a date: ``s`` itself, or a copy of ``s`` (default 0) with ``dd/mm/yyyy``, added once."""
        s = s or 0
        if self.is_date(s):
            return s
        if s in self.cache:
            return self.cache[s]
        fid = self._date_fmt_id()
        xf = self.xfs[s] if s < len(self.xfs) else '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        xf = re.sub(r'\snumFmtId="\d+"', "", xf, count=1)
        xf = re.sub(r'\sapplyNumberFormat="\d"', "", xf, count=1)
        xf = xf.replace("<xf", f'<xf numFmtId="{fid}" applyNumberFormat="1"', 1)
        self.xfs.append(xf)
        self.cache[s] = len(self.xfs) - 1
        self.changed = True
        return self.cache[s]

    def text_style(self, s: int | None) -> int:
        """A style with Excel's quote prefix: ``s`` itself if it has one, else a copy of ``s`` (default 0), added once."""
        s = s or 0
        hit = self.text_cache.get(s)
        if hit is not None:
            return hit
        xf = self.xfs[s] if s < len(self.xfs) else '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        head = xf[:xf.find(">") + 1]
        if re.search(r'\squotePrefix="(?:1|true)"', head):
            self.text_cache[s] = s
            return s
        xf = re.sub(r'\squotePrefix="[^"]*"', "", xf, count=1)
        self.xfs.append(xf.replace("<xf", '<xf quotePrefix="1"', 1))
        self.text_cache[s] = len(self.xfs) - 1
        self.changed = True
        return self.text_cache[s]

    def _date_fmt_id(self) -> int:
        """Number format id of ``dd/mm/yyyy``: an existing one, else a new custom id (at least 164)."""
        for fid, code in self.fmts.items():
            if code.lower() == self.DATE_CODE:
                return fid
        if self.new_fmt is None:
            self.new_fmt = max([163, *self.fmts]) + 1
            self.fmts[self.new_fmt] = self.DATE_CODE
        return self.new_fmt

    def render(self) -> str:
        """The styles part with the added number format and cell styles (``cellXfs`` count updated)."""
        xml = self.xml
        if self.new_fmt is not None:
            entry = f'<numFmt numFmtId="{self.new_fmt}" formatCode="{self.DATE_CODE}"/>'
            if re.search(r"<numFmts\b[^>]*/>", xml):
                xml = re.sub(r"<numFmts\b[^>]*/>", f'<numFmts count="1">{entry}</numFmts>', xml, count=1)
            elif "<numFmts" in xml:
                xml = re.sub(r"<numFmts\b[^>]*>", lambda m: m.group(0) + entry, xml, count=1)
                xml = re.sub(r'(<numFmts\b[^>]*?count=")(\d+)(")',
                             lambda m: f"{m.group(1)}{int(m.group(2)) + 1}{m.group(3)}", xml, count=1)
            else:
                xml = re.sub(r"(<styleSheet\b[^>]*>)", lambda m: m.group(1) + f'<numFmts count="1">{entry}</numFmts>',
                             xml, count=1)
        body = "".join(self.xfs)
        return re.sub(r"<cellXfs\b[^>]*>.*?</cellXfs>",
                      lambda m: f'<cellXfs count="{len(self.xfs)}">{body}</cellXfs>', xml, count=1, flags=re.S)


def _col_num(letters: str) -> int:
    """Column number of column letters (``"A"`` -> 1, ``"AA"`` -> 27)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _serial(value: dt.date) -> float:
    """Excel serial number of a date or datetime (1900 date system; an integer for whole days)."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    delta = value - _EPOCH
    serial = delta.days + delta.seconds / 86400
    return int(serial) if serial == int(serial) else round(serial, 8)


def _cell_xml(ref: str, value: Any, style: int | None, styles: _Styles | None) -> str:
    """XML of the cell ``ref`` holding ``value`` with style ``style`` (see the module docstring
    for each type; dates get a date style from ``styles``)."""
    if isinstance(value, Formula):
        s = f' s="{style}"' if style else ""
        return f'<c r="{ref}"{s}><f>{html.escape(_ILLEGAL.sub("", value.text[1:]), quote=False)}</f></c>'
    if type(value) is str and value:
        text = value
        if styles is not None and starts_like_formula(text):
            style = styles.text_style(style)
        if _NEEDS_ESCAPE.search(text):
            text = html.escape(_ILLEGAL.sub("", text), quote=False)
        s = f' s="{style}"' if style else ""
        t = "<t>" if text.strip() == text else '<t xml:space="preserve">'
        return f'<c r="{ref}"{s} t="inlineStr"><is>{t}{text}</t></is></c>'
    if isinstance(value, (dt.date, dt.datetime)) and styles is not None:
        style = styles.date_style(style)
    s = f' s="{style}"' if style else ""
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return f'<c r="{ref}"{s}/>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (dt.date, dt.datetime)):
        return f'<c r="{ref}"{s}><v>{_serial(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    text = html.escape(_ILLEGAL.sub("", str(value)), quote=False)
    t = "<t>" if text.strip() == text else '<t xml:space="preserve">'
    return f'<c r="{ref}"{s} t="inlineStr"><is>{t}{text}</t></is></c>'


def _row_cells(row_xml: str) -> list[tuple[int, str, int | None]]:
    """[(column, cell xml, style)] of a row element."""
    out = []
    for m in _CELL_RE.finditer(row_xml):
        r = _R_ATTR.search(m.group(1))
        if not r or not r.group(1):
            raise PatchUnsupported("ô không có địa chỉ r=")
        s = _S_ATTR.search(m.group(1))
        out.append((_col_num(r.group(1)), m.group(0), int(s.group(1)) if s else None))
    return out


def _col_styles(xml: str) -> dict[int, int]:
    """{column number: style} from the ``<cols>`` of a worksheet's head (first 200 columns)."""
    out: dict[int, int] = {}
    cols = re.search(r"<cols>(.*?)</cols>", xml, re.S)
    if cols:
        for m in re.finditer(r"<col\b([^>]*)/?>", cols.group(1)):
            a = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
            if "style" in a and "min" in a and "max" in a:
                for c in range(int(a["min"]), min(int(a["max"]), 200) + 1):
                    out[c] = int(a["style"])
    return out


def _find_cell(row_xml: str, ref: str) -> tuple[int, int] | None:
    """(start, end) of the cell element ``ref`` inside a row element."""
    i = row_xml.find(f'<c r="{ref}"')
    if i < 0:
        m = re.search(rf'<c\b[^>]*?\br="{ref}"', row_xml)
        if not m:
            return None
        i = m.start()
    j = row_xml.find(">", i)
    end = j + 1 if row_xml[j - 1] == "/" else row_xml.find("</c>", j) + 4
    return i, end


_LETTERS = [""] + [get_column_letter(i) for i in range(1, 200)]


_TAILS: dict[tuple[str, int | None], str] = {}  # (text, style) -> cell xml after the address


def _new_row(r: int, values: dict[int, Any], template: dict[int, int], col_styles: dict[int, int],
             styles: _Styles | None) -> str:
    """XML of a new row ``r`` with the cells of ``values``; styles from ``template`` (the row
    above), else the column styles."""
    rs = str(r)
    parts = [f'<row r="{rs}">']
    for c in sorted(values):
        ref = (_LETTERS[c] if c < len(_LETTERS) else get_column_letter(c)) + rs
        parts.append(_cell_fast(ref, values[c], template.get(c, col_styles.get(c)), styles))
    parts.append("</row>")
    return "".join(parts)


def _cell_tail(value: Any, style: int | None, styles: _Styles | None) -> str:
    """Cell XML after ``<c r="A1`` (starts with the closing quote of the address)."""
    return '"' + _cell_xml("", value, style, styles)[len('<c r=""'):]


def _cell_fast(ref: str, value: Any, style: int | None, styles: _Styles | None) -> str:
    """``_cell_xml`` with the text cells memoised (the same statuses/labels repeat).  A
    formula-like text is not memoised: its quote-prefix style index belongs to one workbook."""
    if type(value) is str and value and not starts_like_formula(value):
        key = (value, style)
        tail = _TAILS.get(key)
        if tail is None:
            tail = _cell_tail(value, style, styles)
            if len(_TAILS) < 50_000:
                _TAILS[key] = tail
        return '<c r="' + ref + tail
    if type(value) is int or (type(value) is float and value == value):
        return f'<c r="{ref}" s="{style}"><v>{value!r}</v></c>' if style else f'<c r="{ref}"><v>{value!r}</v></c>'
    return _cell_xml(ref, value, style, styles)


def _patched_row(r: int, row_xml: str, values: dict[int, Any], template: Callable[[], dict[int, int]],
                 col_styles: dict[int, int], styles: _Styles | None) -> str:
    """``row_xml`` with the cells of ``values`` replaced (style kept) or inserted."""
    spans: list[tuple[int, int, str]] = []
    missing: dict[int, Any] = {}
    rs = str(r)
    for c, v in values.items():
        ref = (_LETTERS[c] if c < len(_LETTERS) else get_column_letter(c)) + rs
        i = row_xml.find('<c r="' + ref + '"')
        if i < 0:
            span = _find_cell(row_xml, ref)
            if span is None:
                missing[c] = v
                continue
            i = span[0]
        j = row_xml.find(">", i)
        end = j + 1 if row_xml[j - 1] == "/" else row_xml.find("</c>", j) + 4
        if end > j + 1 and ("<f>" in row_xml[j:end] or "<f " in row_xml[j:end] or "<f/" in row_xml[j:end]):
            raise PatchUnsupported("ô cần ghi đang chứa công thức")
        k = row_xml.find(' s="', i, j)
        style = int(row_xml[k + 4:row_xml.index('"', k + 4)]) if k >= 0 else None
        spans.append((i, end, _cell_fast(ref, v, style, styles)))
    spans.sort()
    pieces, pos = [], 0
    for start, end, xml in spans:
        pieces += (row_xml[pos:start], xml)
        pos = end
    pieces.append(row_xml[pos:])
    out = "".join(pieces)
    if not missing:
        return out
    tpl = template()
    cells = {c: xml for c, xml, _ in _row_cells(out)}
    for c, v in missing.items():
        cells[c] = _cell_xml(f"{get_column_letter(c)}{r}", v, tpl.get(c, col_styles.get(c)), styles)
    m = _ROW_RE.match(out)
    attrs = re.sub(r'\sspans="[^"]*"', "", m.group(1))
    return f"<row{attrs}>" + "".join(cells[c] for c in sorted(cells)) + "</row>"


def _render_rows(start: int, rows: Sequence[Sequence[Any]], style_of: Callable[[int], int | None],
                 styles: _Styles | None, fixed: int = 0) -> str:
    """XML of new rows numbered from ``start`` (values from column A; empty values: no cell).

    ``fixed``: how many leading columns repeat from row to row (the audit log repeats
    time, user, file, hash and unit for every cell of a file): their XML is built once
    per distinct run and only the row number is stamped in.
    """
    width = max((len(r) for r in rows), default=0)
    opens = ['<c r="' + (_LETTERS[c] if c < len(_LETTERS) else get_column_letter(c)) for c in range(1, width + 1)]
    col_style = [style_of(c) for c in range(1, width + 1)]
    memo: list[dict[str, str]] = [{} for _ in range(width)]
    runs: dict[tuple[Any, ...], list[str]] = {}
    out: list[str] = []
    append, extend = out.append, out.extend
    row_number = start - 1
    for values in rows:
        row_number += 1
        rs = str(row_number)
        append('<row r="' + rs + '">')
        first = 0
        if fixed:
            head = tuple(values[:fixed])
            pieces = runs.get(head)  # keys hold only text: ``True == 1`` cannot mix runs up
            if pieces is None:
                pieces = _run_pieces(head, opens, col_style, styles)
                if len(runs) < 10_000 and all(type(v) is str or v is None for v in head):
                    runs[head] = pieces
            append(rs.join(pieces))
            first = len(head)
        for j in range(first, len(values)):
            v = values[j]
            if type(v) is str:
                if not v:
                    continue
                tail = memo[j].get(v)
                if tail is None:
                    tail = _cell_tail(v, col_style[j], styles)
                    if len(memo[j]) < 20_000:
                        memo[j][v] = tail
                extend((opens[j], rs, tail))
            elif v is not None:
                append(_cell_xml(opens[j][len('<c r="'):] + rs, v, col_style[j], styles))
        append("</row>")
    return "".join(out)


def _run_pieces(head: Sequence[Any], opens: list[str], col_style: list[int | None],
                styles: _Styles | None) -> list[str]:
    """Pieces that ``row_number.join(pieces)`` turns into the cells of ``head``."""
    pieces, acc = [], ""
    for j, v in enumerate(head):
        if v is None or v == "":
            continue
        pieces.append(acc + opens[j])
        acc = _cell_tail(v, col_style[j], styles)
    pieces.append(acc)
    return pieces


_LAST_ROW_R = re.compile(r'<row\b[^>]*?\br="(\d+)"')


def _patch_sheet(xml: str, edits: dict[tuple[int, int], Any], styles: _Styles | None,
                 append: tuple[int, Sequence[Sequence[Any]], int] | None = None) -> str:
    """Rewrite only the rows of ``xml`` (a worksheet part) that ``edits`` touch, and add
    the rows ``append = (first row, row values, fixed leading columns)`` after the last row."""
    by_row: dict[int, dict[int, Any]] = {}
    for (r, c), v in edits.items():
        by_row.setdefault(r, {})[c] = v
    m = re.search(r"<sheetData\s*/>|<sheetData\b[^>]*>", xml)
    if not m:
        raise PatchUnsupported("không tìm thấy sheetData")
    col_styles = _col_styles(xml[:m.start()])
    if append and append[1]:
        start, rows = append[0], append[1]
        last = _last_row_number(xml, m)
        if (last is not None and start <= last) or any(r >= start for r in by_row):
            # rows already there (formatted empty rows?): merge the values cell by cell
            for i, values in enumerate(rows, start=start):
                for j, v in enumerate(values, start=1):
                    if v is not None and v != "":
                        by_row.setdefault(i, {})[j] = v
            append = None
    else:
        append = None
    if not by_row and append is None:
        return xml
    if m.group(0).endswith("/>"):
        body = "".join(_new_row(r, by_row[r], {}, col_styles, styles) for r in sorted(by_row))
        if append:
            body += _render_rows(append[0], append[1], col_styles.get, styles, append[2])
        max_row, max_col = _extent(by_row, append)
        return _fix_dimension(xml[:m.start()] + f"<sheetData>{body}</sheetData>" + xml[m.end():], max_row, max_col)
    start, end = m.end(), xml.index("</sheetData>", m.end())
    region = xml[start:end]
    out = (_patch_region_fast(region, by_row, col_styles, styles)
           or _patch_region(region, by_row, col_styles, styles)) if by_row else [region]
    if append:
        tpl = _last_row_styles(region)
        out.append(_render_rows(append[0], append[1], lambda c: tpl.get(c, col_styles.get(c)), styles,
                                append[2]))
    max_row, max_col = _extent(by_row, append)
    head = _fix_dimension(xml[:start], max_row, max_col)
    return head + "".join(out) + xml[end:]  # one copy of the (large) sheet text


def _extent(by_row: dict[int, dict[int, Any]], append: tuple[int, Sequence[Sequence[Any]], int] | None
            ) -> tuple[int, int]:
    """(last row, last column) written."""
    rows = [max(by_row)] if by_row else []
    cols = [max(c for cells in by_row.values() for c in cells)] if by_row else []
    if append:
        rows.append(append[0] + len(append[1]) - 1)
        cols.append(max(len(v) for v in append[1]))
    return max(rows), max(cols)


def _last_row_number(xml: str, sheet_data: re.Match[str]) -> int | None:
    """Number of the last ``<row>`` of the sheet (``None``: no rows)."""
    if sheet_data.group(0).endswith("/>"):
        return None
    end = xml.index("</sheetData>", sheet_data.end())
    i = xml.rfind("<row", sheet_data.end(), end)
    while i >= 0:
        m = _LAST_ROW_R.match(xml, i)
        if m:
            return int(m.group(1))
        if xml[i + 4:i + 5] in (" ", ">", "/"):
            raise PatchUnsupported("dòng không có số thứ tự r=")
        i = xml.rfind("<row", sheet_data.end(), i)
    return None


def _last_row_styles(region: str) -> dict[int, int]:
    """Cell styles of the last data row of a sheet region (new rows look like it)."""
    i = region.rfind("<row")
    m = _ROW_R_RE.match(region, i) if i >= 0 else None
    if not m or int(m.group(1)) <= S.HEADER_ROW:
        return {}
    end = m.end() if m.group(2) else region.index("</row>", m.end()) + 6
    return {c: st for c, _, st in _row_cells(region[i:end]) if st is not None}


def _patch_region_fast(region: str, by_row: dict[int, dict[int, Any]], col_styles: dict[int, int],
                       styles: _Styles | None) -> list[str] | None:
    """``_patch_region`` when every cell to write already exists, in row and column order
    (what Excel, LibreOffice and openpyxl write for formatted cells): each cell is found by
    its address with ``str.find`` and replaced in place.  ``None``: a cell is missing or out
    of order - use the general path."""
    out: list[str] = []
    append = out.append
    pos = 0
    find = region.find
    letters = _LETTERS
    for r in sorted(by_row):
        rs = str(r)
        values = by_row[r]
        for c in (sorted(values) if len(values) > 1 else values):
            ref = (letters[c] if c < len(letters) else get_column_letter(c)) + rs
            k = find('<c r="' + ref + '"', pos)
            if k < 0:
                return None
            close = find(">", k)
            if region[close - 1] == "/":
                stop = close + 1
            else:
                stop = find("</c>", close) + 4
                if stop < 4:
                    return None
                if "<f" in region[close:stop]:
                    body = region[close:stop]
                    if "<f>" in body or "<f " in body or "<f/" in body:
                        raise PatchUnsupported("ô cần ghi đang chứa công thức")
            s = find(' s="', k, close)
            style = int(region[s + 4:find('"', s + 4)]) if s >= 0 else None
            append(region[pos:k])
            append(_cell_fast(ref, values[c], style, styles))
            pos = stop
    append(region[pos:])
    return out


def _patch_region(region: str, by_row: dict[int, dict[int, Any]], col_styles: dict[int, int],
                  styles: _Styles | None) -> list[str]:
    """Pieces of the sheetData ``region`` with the rows of ``by_row`` patched or inserted."""
    targets = sorted(by_row)
    out: list[str] = []
    pos, ti = 0, 0
    prev: list[Any] = [None, 0, -1, None]  # row number, start, end (-1: find it), cached styles

    def template() -> dict[int, int]:
        """Cell styles of the previous row (below the header row), read once."""
        if prev[0] is None or prev[0] <= S.HEADER_ROW:
            return {}
        if prev[3] is None:
            e = prev[2] if prev[2] >= 0 else region.index("</row>", prev[1]) + 6
            prev[3] = {c: st for c, _, st in _row_cells(region[prev[1]:e]) if st is not None}
        return prev[3]

    if region.count("<row") != region.count("<row r=") and _ROW_NO_R.search(region):
        raise PatchUnsupported("dòng không có số thứ tự r=")
    for rm in _ROW_R_RE.finditer(region):
        r = int(rm.group(1))
        if r < targets[ti]:
            prev[0], prev[1], prev[2], prev[3] = r, rm.start(), rm.end() if rm.group(2) else -1, None
            continue
        row_end = rm.end() if rm.group(2) else region.index("</row>", rm.end()) + 6
        if targets[ti] < r:
            out.append(region[pos:rm.start()])
            pos = rm.start()
            tpl = template()
            while ti < len(targets) and targets[ti] < r:
                out.append(_new_row(targets[ti], by_row[targets[ti]], tpl, col_styles, styles))
                ti += 1
        if ti < len(targets) and targets[ti] == r:
            out.append(region[pos:rm.start()])
            out.append(_patched_row(r, region[rm.start():row_end], by_row[r], template, col_styles, styles))
            pos = row_end
            ti += 1
        prev[:] = [r, rm.start(), row_end, None]
        if ti >= len(targets):
            break
    out.append(region[pos:])
    if ti < len(targets):
        tpl = template()
        out.extend(_new_row(t, by_row[t], tpl, col_styles, styles) for t in targets[ti:])
    return out

# ---------------------------------------------------------------- fast path over the raw bytes
# Big sheets are patched without decoding them: joining str pieces that mix ASCII and
# Vietnamese text widens 50-100 MB of XML to UCS-2 and costs more than the patch itself.

_TAILS_B: dict[tuple[str, int | None], bytes] = {}
_LETTERS_B = [s.encode() for s in _LETTERS]
_SHEET_DATA_B = re.compile(rb"<sheetData\s*/>|<sheetData\b[^>]*>")
_LAST_ROW_B = re.compile(rb'<row\b[^>]*?\br="(\d+)"')


def _text_tail_b(value: str, style: int | None, styles: _Styles | None) -> bytes:
    """``_cell_tail`` of a non-empty text as UTF-8 bytes (memoised per text and style; not a
    formula-like text, whose quote-prefix style index belongs to one workbook)."""
    if starts_like_formula(value):
        return _cell_tail(value, style, styles).encode("utf-8")
    key = (value, style)
    tail = _TAILS_B.get(key)
    if tail is None:
        tail = _cell_tail(value, style, styles).encode("utf-8")
        if len(_TAILS_B) < 50_000:
            _TAILS_B[key] = tail
    return tail


def _cell_b(ref: bytes, value: Any, style: int | None, styles: _Styles | None) -> bytes:
    """``_cell_xml`` as UTF-8 bytes (text tails memoised)."""
    kind = type(value)
    if kind is str and value:
        return b'<c r="' + ref + _text_tail_b(value, style, styles)
    if kind is int or (kind is float and value == value and value not in (_INF, -_INF)):
        return b''.join((b'<c r="', ref, _STYLE_ATTR_B[style] if style in _STYLE_ATTR_B else
                         _style_attr_b(style), b'><v>', repr(value).encode(), b'</v></c>'))
    return _cell_xml(ref.decode(), value, style, styles).encode("utf-8")


_INF = float("inf")
_STYLE_ATTR_B: dict[int | None, bytes] = {None: b'"', 0: b'"'}


def _style_attr_b(style: int | None) -> bytes:
    """``"`` closing the address, then `` s="N"`` when the cell has a style."""
    out = _STYLE_ATTR_B[style] = (b'" s="%d"' % style) if style else b'"'
    return out


_CHUNK = 1 << 20   # bytes of unchanged XML handed on per piece (bounded memory)


def _patch_region_b(region: bytes, by_row: dict[int, dict[int, Any]],
                    styles: _Styles | None, lo: int = 0, hi: int | None = None) -> Iterator[bytes]:
    """``_patch_region_fast`` over bytes ``region[lo:hi]``, as a stream of pieces (raises
    ``_FastPathMiss`` when a cell is missing or out of order).  The unchanged XML between
    edits is passed on as views of ``region`` in pieces of at most ``_CHUNK`` bytes, never
    copied whole: patching a 60 MB sheet holds the sheet once, not twice."""
    hi = len(region) if hi is None else hi
    view = memoryview(region)
    out: list[bytes | memoryview] = []
    append = out.append
    size = 0
    pos = lo
    find = region.find
    letters = _LETTERS_B
    attr_styles: dict[bytes, int | None] = {}   # b' s="26" t="n"' -> 26
    for r in sorted(by_row):
        rs = b"%d" % r
        values = by_row[r]
        for c in (sorted(values) if len(values) > 1 else values):
            ref = (letters[c] if c < len(letters) else get_column_letter(c).encode()) + rs
            k = find(b'<c r="' + ref + b'"', pos, hi)
            if k < 0:
                raise _FastPathMiss(ref.decode())
            close = find(b">", k, hi)
            if close < 0:
                raise _FastPathMiss(ref.decode())
            if region[close - 1] == 47:  # "/": an empty cell <c .../>
                stop = close + 1
                attrs = bytes(region[k + len(ref) + 7:close - 1])
            else:
                stop = find(b"</c>", close, hi) + 4
                if stop < 4:
                    raise _FastPathMiss(ref.decode())
                f = find(b"<f", close, stop)
                if f >= 0 and region[f + 2:f + 3] in (b">", b" ", b"/"):
                    raise PatchUnsupported("ô cần ghi đang chứa công thức")
                attrs = bytes(region[k + len(ref) + 7:close])
            style = attr_styles.get(attrs, -1)
            if style == -1:
                m = _S_ATTR_B.search(attrs)
                style = attr_styles[attrs] = int(m.group(1)) if m else None
            if k - pos > _CHUNK:
                if out:
                    yield b"".join(out)
                    out.clear()
                    size = 0
                yield from _pieces(view, pos, k)
            else:
                append(view[pos:k])
                size += k - pos
            append(_cell_b(ref, values[c], style, styles))
            pos = stop
        if len(out) >= 2048 or size > _CHUNK:
            yield b"".join(out)
            out.clear()
            size = 0
    if out:
        yield b"".join(out)
    yield from _pieces(view, pos, hi)


def _pieces(view: memoryview, lo: int, hi: int) -> Iterator[bytes]:
    for i in range(lo, hi, _CHUNK):
        yield bytes(view[i:min(i + _CHUNK, hi)])


_S_ATTR_B = re.compile(rb'(?:^|\s)s="(\d+)"')


def _render_rows_b(start: int, rows: Sequence[Sequence[Any]], style_of: Callable[[int], int | None],
                   styles: _Styles | None, fixed: int = 0) -> Iterator[bytes]:
    """``_render_rows`` as a stream of UTF-8 chunks (about 2 000 rows each).

    The columns are cut in groups - the ``fixed`` leading ones, then one group per column,
    except that for the audit log (``fixed`` = 5) the last four columns (field, old, new,
    result) form one group: their combinations repeat ("Tiến độ (%)", "0", "100", "Đã cập
    nhật").  Each group's XML is built once per distinct value tuple, with the row number
    left as the join point.
    """
    width = max((len(r) for r in rows), default=0)
    opens = [b'<c r="' + (_LETTERS_B[c] if c < len(_LETTERS_B) else get_column_letter(c).encode())
             for c in range(1, width + 1)]
    col_style = [style_of(c) for c in range(1, width + 1)]
    bounds = [0, fixed] if fixed else [0]
    tail_group = fixed == S.AUDIT_FIXED_COLUMNS and width == len(S.AUDIT_COLUMNS)
    last = width - 4 if tail_group else width
    bounds += list(range(bounds[-1] + 1, last + 1)) + ([width] if tail_group else [])
    groups = [(a, b, {}) for a, b in zip(bounds, bounds[1:]) if b > a and b - a > 1]
    singles = [(a, opens[a], {}, _text_head_b(col_style[a])) for a, b in zip(bounds, bounds[1:]) if b - a == 1]
    # cells in column order: ("g", group) or ("s", single)
    order = sorted([(g[0], 0, g) for g in groups] + [(x[0], 1, x) for x in singles], key=lambda t: t[0])
    join = b"".join
    out: list[bytes] = []
    emit = out.append
    row_number = start - 1
    for values in rows:
        row_number += 1
        rs = b"%d" % row_number
        cells = [b'<row r="', rs, b'">']
        n = len(values)
        for first, kind, spec in order:
            if first >= n:
                continue
            if kind:  # one column
                _, open_, memo, head = spec
                v = values[first]
                if type(v) is str:
                    if not v:
                        continue
                    tail = memo.get(v)
                    if tail is None:
                        tail = _text_tail_fast(v, _text_head_for(v, head, col_style[first], styles))
                        if len(memo) < 20_000:
                            memo[v] = tail
                elif v is None:
                    continue
                else:
                    tail = _cell_tail(v, col_style[first], styles).encode("utf-8")
                cells += (open_, rs, tail)
                continue
            a, b, memo = spec
            key = tuple(values[a:b])
            pieces = memo.get(key)  # cached keys hold only text: ``True == 1`` cannot mix them up
            if pieces is None:
                pieces = _group_pieces(key, a, opens, col_style, styles)
                if len(memo) < 20_000 and all(type(v) is str or v is None for v in key):
                    memo[key] = pieces
            cells.append(rs.join(pieces))
        cells.append(b"</row>")
        emit(join(cells))
        if len(out) >= 2048:
            yield join(out)
            out.clear()
    if out:
        yield join(out)


def _text_head_b(style: int | None) -> bytes:
    """Start of a text cell's XML after its address (see ``_cell_xml``)."""
    return b'"' + (b' s="%d"' % style if style else b"") + b' t="inlineStr"><is>'


def _text_head_for(value: str, head: bytes, style: int | None, styles: _Styles | None) -> bytes:
    """``head`` (``_text_head_b(style)``), or the head with the quote-prefix style for formula-like text."""
    if styles is not None and starts_like_formula(value):
        return _text_head_b(styles.text_style(style))
    return head


def _text_tail_fast(value: str, head: bytes) -> bytes:
    """``_cell_tail(value, style)`` for a non-empty text, as bytes (``head``: ``_text_head_b``)."""
    text = value
    if _NEEDS_ESCAPE.search(text):
        text = html.escape(_ILLEGAL.sub("", text), quote=False)
    return b"".join((head, b"<t>" if text.strip() == text else b'<t xml:space="preserve">',
                     text.encode("utf-8"), b"</t></is></c>"))


def _group_pieces(values: Sequence[Any], first: int, opens: list[bytes], col_style: list[int | None],
                  styles: _Styles | None) -> list[bytes]:
    """Pieces that ``row_number.join(pieces)`` turns into the cells of ``values`` (from
    column index ``first``); empty values get no cell."""
    pieces, acc = [], b""
    for j, v in enumerate(values, start=first):
        if v is None or v == "":
            continue
        pieces.append(acc + opens[j])
        acc = (_text_tail_fast(v, _text_head_for(v, _text_head_b(col_style[j]), col_style[j], styles))
               if type(v) is str
               else _cell_tail(v, col_style[j], styles).encode("utf-8"))
    pieces.append(acc)
    return pieces


_BUFFERED_PART = 4 << 20   # sheet parts up to 4 MB are patched in memory (see _patch_package)
_BUFFERED_ROWS = 5_000     # ... unless more rows than this are appended to them (the audit log)


class _FastPathMiss(Exception):
    """The bytes fast path cannot patch this part (a cell to write is missing, rows overlap...)."""


def _patch_chunks_b(data: bytes | bytearray, edits: dict[tuple[int, int], Any], styles: _Styles | None,
                    append: Append | None) -> Iterator[bytes]:
    """``_patch_stream_b`` of a part held in memory."""
    return _patch_stream_b((data,), edits, styles, append)


_WINDOW = 4 << 20   # bytes of a streamed sheet patched at a time (cut after a ``</row>``)


def _member_chunks(zin: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A zip member's content, decompressed piece by piece (its CRC checked at the end)."""
    with zin.open(info) as f:
        while chunk := f.read(_CHUNK):
            yield chunk


def _patch_stream_b(chunks: Iterable[bytes | bytearray], edits: dict[tuple[int, int], Any],
                    styles: _Styles | None, append: Append | None) -> Iterator[bytes]:
    """The patched part in chunks, produced while the part is read (``chunks``: its content)
    and patched: a window of about ``_WINDOW`` bytes, cut after a ``</row>``, is patched at
    a time, so a 60 MB sheet is never held whole, and the writer thread compresses one
    chunk while the next is built.  Raises ``_FastPathMiss`` - possibly after some chunks -
    when the part needs the general path."""
    it = iter(chunks)
    buf = bytearray()
    done = False

    def fill(size: int) -> None:
        nonlocal done
        while not done and len(buf) < size:
            chunk = next(it, None)
            if chunk is None:
                done = True
            else:
                buf.extend(chunk)

    m = None
    while True:   # the head, up to <sheetData>
        m = _SHEET_DATA_B.search(buf)
        if m or done:
            break
        fill(len(buf) + _CHUNK)
    if not m or m.group(0).endswith(b"/>"):
        raise _FastPathMiss("sheetData")
    if append and append[1]:
        if any(r >= append[0] for r, _ in edits):
            raise _FastPathMiss("rows overlap")
    else:
        append = None
    by_row: dict[int, dict[int, Any]] = {}
    for (r, c), v in edits.items():
        by_row.setdefault(r, {})[c] = v
    max_row, max_col = _extent(by_row, append)
    head = bytes(buf[:m.start()])
    yield _fix_dimension(bytes(buf[:m.end()]).decode("utf-8"), max_row, max_col).encode("utf-8")
    buf = buf[m.end():]
    keys, next_key = sorted(by_row), 0
    cells = list(edits)
    last_no: int | None = None          # number and XML of the last row seen (appended rows follow it)
    last_xml = b""
    while True:
        end = buf.find(b"</sheetData>")
        if end < 0:
            if not done and len(buf) < _WINDOW:
                fill(_WINDOW)
                continue
            if done:
                raise _FastPathMiss("sheetData")
            cut = buf.rfind(b"</row>")
            if cut < 0:              # one row longer than the window: read on
                fill(len(buf) + _WINDOW)
                continue
            cut += 6
        else:
            cut = end
        i = buf.rfind(b"<row", 0, cut)
        if i >= 0:
            lm = _LAST_ROW_B.match(buf, i, cut)
            if lm is None:
                raise _FastPathMiss("row")
            last_no = int(lm.group(1))
            if append:
                last_xml = bytes(buf[i:cut])
        upto = len(keys) if end >= 0 else (bisect.bisect_right(keys, last_no, next_key) if i >= 0 else next_key)
        window = {r: by_row[r] for r in keys[next_key:upto]}
        next_key = upto
        _refuse_array_cells(buf, cells, 0, cut)
        if window:
            yield from _patch_region_b(buf, window, styles, 0, cut)
        else:
            yield from _pieces(memoryview(buf), 0, cut)
        if end >= 0:
            break
        buf = buf[cut:]
    if append:
        if last_no is not None and append[0] <= last_no:
            raise _FastPathMiss("rows overlap")
        col_styles = _col_styles(head.decode("utf-8"))
        tpl = _last_row_styles(last_xml.decode("utf-8")) if last_xml else {}
        yield from _render_rows_b(append[0], append[1], lambda c: tpl.get(c, col_styles.get(c)), styles,
                                  append[2])
    yield bytes(buf[end:])
    for chunk in it:
        yield bytes(chunk)
