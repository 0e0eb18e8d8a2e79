"""Locating the sheets of a package (``sheet_parts``) and the layouts refused before a sheet
is patched: a cell in a table's header or totals row, appended rows reaching into a table,
a cell covered by an array formula (see "Refused" in the contract,
``cchc_xl/files/xlsx_patch/__init__.py``).
"""

from __future__ import annotations

import html
import os
import re
import zipfile
from typing import Any, Iterable, Mapping

from openpyxl.utils import get_column_letter

from cchc_xl.files.xlsx_patch.cells import _col_num
from cchc_xl.files.xlsx_patch.values import Append, PatchUnsupported


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


_SHEET_REL = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_SHEET_REL2 = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"')
_REL = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"'
                  rb'|<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')


def _xml_unescape(b: bytes) -> str:
    """Text of an XML attribute value (bytes, entities resolved)."""
    return html.unescape(b.decode("utf-8"))


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
