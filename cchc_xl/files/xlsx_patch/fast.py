"""The fast path over the raw bytes of a sheet: every row to write already exists, in
order (a cell its row lacks is added to that row, decoded alone, as the general path
does), and appended rows come after the last row (else ``_FastPathMiss``: the general
path).  Big sheets are patched without decoding them: joining str pieces that mix ASCII
and Vietnamese text widens 50-100 MB of XML to UCS-2 and costs more than the patch
itself.  A big sheet is read, patched and handed on window by window
(``_patch_stream_b``), never held whole; the zip members are read in pieces of ``_CHUNK``
bytes (``_read_member``, ``_member_chunks``).
"""

from __future__ import annotations

import bisect
import html
import re
import zipfile
from typing import Any, Callable, Iterable, Iterator, Sequence

from openpyxl.utils import get_column_letter

from cchc_xl.core import schema as S
from cchc_xl.core.safety import starts_like_formula
from cchc_xl.files.xlsx_patch.cells import _ILLEGAL, _LETTERS, _NEEDS_ESCAPE, _Styles, _cell_tail, _cell_xml
from cchc_xl.files.xlsx_patch.general import (_col_styles, _extent, _fix_dimension, _last_row_styles, _patched_row,
                                               _row_cells)
from cchc_xl.files.xlsx_patch.parts import _refuse_array_cells
from cchc_xl.files.xlsx_patch.values import Append, PatchUnsupported


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
                    styles: _Styles | None, lo: int = 0, hi: int | None = None,
                    row_context: Callable[[], tuple[bytes, dict[int, int]]] | None = None) -> Iterator[bytes]:
    """``_patch_region_fast`` over bytes ``region[lo:hi]``, as a stream of pieces.  The
    unchanged XML between edits is passed on as views of ``region`` in pieces of at most
    ``_CHUNK`` bytes, never copied whole: patching a 60 MB sheet holds the sheet once, not twice.

    A cell to write that its row does not have yet (a new column of "_meta") is added to
    that row as the general path does (``general._patched_row``: row decoded alone, cells
    in column order, style of the row above); ``row_context()`` gives the XML of the row
    before the window and the column styles.  A row that does not exist, or cells out of
    order: ``_FastPathMiss``."""
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
        # the cells of the row are found first, written after: a cell the row does not have
        # sends the whole row to ``_row_with_new_cells`` before anything of it is handed on
        found: list[tuple[int, int, bytes]] = []
        # cells are looked for within their row (a cell it lacks is not searched for to the
        # end of the window); a row written without r= first: up to the end of the window
        span = _row_span(region, rs, pos, hi)
        row_hi = span[1] if span is not None else hi
        for c in (sorted(values) if len(values) > 1 else values):
            ref = (letters[c] if c < len(letters) else get_column_letter(c).encode()) + rs
            k = find(b'<c r="' + ref + b'"', pos, row_hi)
            if k < 0:
                if row_context is None:
                    raise _FastPathMiss(ref.decode())
                found = []
                break
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
            found.append((k, stop, _cell_b(ref, values[c], style, styles)))
        if not found:
            if span is None:
                raise _FastPathMiss(f"dòng {r}")
            found = [_row_with_new_cells(region, r, span, values, styles, lo, row_context)]
        for k, stop, xml in found:
            if k - pos > _CHUNK:
                if out:
                    yield b"".join(out)
                    out.clear()
                    size = 0
                yield from _pieces(view, pos, k)
            else:
                append(view[pos:k])
                size += k - pos
            append(xml)
            pos = stop
        if len(out) >= 2048 or size > _CHUNK:
            yield b"".join(out)
            out.clear()
            size = 0
    if out:
        yield b"".join(out)
    yield from _pieces(view, pos, hi)


def _row_span(region: bytes, rs: bytes, pos: int, hi: int) -> tuple[int, int] | None:
    """(start, end) of the element of row ``rs`` (its number as bytes, ``r=`` written first)
    in ``region[pos:hi]``, its closing ``</row>`` or ``/>`` included; ``None`` when not found."""
    start = region.find(b'<row r="' + rs + b'"', pos, hi)
    if start < 0:
        return None
    tag_end = region.find(b">", start, hi)
    if tag_end < 0:
        return None
    if region[tag_end - 1] == 47:   # <row .../>: no cells
        return start, tag_end + 1
    stop = region.find(b"</row>", tag_end, hi)
    return None if stop < 0 else (start, stop + 6)


def _row_with_new_cells(region: bytes, r: int, span: tuple[int, int], values: dict[int, Any],
                        styles: _Styles | None, lo: int, row_context: Callable[[], tuple[bytes, dict[int, int]]]
                        ) -> tuple[int, int, bytes]:
    """(start, end, new XML) of row ``r`` (at ``span`` in ``region``) with ``values`` written,
    cells added."""
    start, stop = span
    before, col_styles = row_context()
    prev_at = region.rfind(b"<row", lo, start)
    if prev_at >= 0:
        before = bytes(region[prev_at:start])

    def template() -> dict[int, int]:      # the styles of the row above, when below the header
        m = _LAST_ROW_B.match(before) if before else None
        if m is None or int(m.group(1)) <= S.HEADER_ROW:
            return {}
        return {c: st for c, _, st in _row_cells(before.decode("utf-8")) if st is not None}

    xml = _patched_row(r, bytes(region[start:stop]).decode("utf-8"), values, template, col_styles, styles)
    return start, stop, xml.encode("utf-8")


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


class _FastPathMiss(Exception):
    """The bytes fast path cannot patch this part (a cell to write is missing, rows overlap...)."""


def _patch_chunks_b(data: bytes | bytearray, edits: dict[tuple[int, int], Any], styles: _Styles | None,
                    append: Append | None) -> Iterator[bytes]:
    """``_patch_stream_b`` of a part held in memory."""
    return _patch_stream_b((data,), edits, styles, append)


_WINDOW = 4 << 20   # bytes of a streamed sheet patched at a time (cut after a ``</row>``)


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
    col_styles_of: list[dict[int, int]] = []

    def context() -> tuple[bytes, dict[int, int]]:
        """The row before this window (its XML) and the column styles: for cells added to a row."""
        if not col_styles_of:
            col_styles_of.append(_col_styles(head.decode("utf-8")))
        return last_xml, col_styles_of[0]

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
        upto = len(keys) if end >= 0 else (bisect.bisect_right(keys, last_no, next_key) if i >= 0 else next_key)
        window = {r: by_row[r] for r in keys[next_key:upto]}
        next_key = upto
        _refuse_array_cells(buf, cells, 0, cut)
        if window:
            yield from _patch_region_b(buf, window, styles, 0, cut, context)
        else:
            yield from _pieces(memoryview(buf), 0, cut)
        if i >= 0:
            last_xml = bytes(buf[i:cut])      # the row above the next window
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
