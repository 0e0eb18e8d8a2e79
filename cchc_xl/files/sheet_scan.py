"""Where the last value of a worksheet is, without reading its cells.

Tổng hợp appends its audit rows below the last row of "Nhật ký" that holds a value.
Parsing that sheet (a row per changed cell: 100 000 a quarter at province scale) costs
more than the rest of a run's reading of the master; this scan only decompresses the
sheet part and looks for value markers, a few hundred thousand bytes of Python work.
"""

from __future__ import annotations

import os
import re
import zipfile

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
        if part is None or part not in z.namelist():
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
