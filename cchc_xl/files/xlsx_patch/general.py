"""The general path over the decoded text of a sheet (``_patch_sheet``): rows found by their
``r=``, cells replaced in place or inserted with the style of the row above, new rows
inserted between existing ones or appended after the last row, ``<dimension>`` widened.
``patch_xlsx`` takes it for a sheet the fast path cannot place a cell in.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Sequence

from openpyxl.utils import get_column_letter

from cchc_xl.core import schema as S
from cchc_xl.core.safety import starts_like_formula
from cchc_xl.files.xlsx_patch.cells import _LETTERS, _Styles, _cell_tail, _cell_xml, _col_num
from cchc_xl.files.xlsx_patch.values import PatchUnsupported


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


_ROW_RE = re.compile(r"<row\b([^>]*?)(/?)>")
_ROW_R_RE = re.compile(r'<row\b[^>]*?\br="(\d+)"[^>]*?(/?)>')
_ROW_NO_R = re.compile(r'<row\b(?![^>]*\br=")[^>]*>')
_CELL_RE = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_R_ATTR = re.compile(r'\br="([A-Z]*)(\d+)"')
_S_ATTR = re.compile(r'\bs="(\d+)"')


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


_CELL_REF = re.compile(r'<c\b[^>]*?\br="([A-Z]+[0-9]+)"')


def _find_cell(row_xml: str, ref: str) -> tuple[int, int] | None:
    """(start, end) of the cell element ``ref`` inside a row element (``r`` need not be the
    first attribute; one pattern for every address: a pattern per address would be compiled
    again for every cell once re's cache is full)."""
    i = row_xml.find(f'<c r="{ref}"')
    if i < 0:
        i = next((m.start() for m in _CELL_REF.finditer(row_xml) if m.group(1) == ref), -1)
        if i < 0:
            return None
    j = row_xml.find(">", i)
    end = j + 1 if row_xml[j - 1] == "/" else row_xml.find("</c>", j) + 4
    return i, end


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
