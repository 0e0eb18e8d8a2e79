"""Headers and columns in plain cell values (rows from A1), for the master and the returns.

Sheets are located by header text (folded: case, accents and spacing do not matter), so a
column the official moved is still found; the schema's letters are the fallback.
"""

from __future__ import annotations

import functools
from typing import Any, Sequence

from openpyxl.utils import column_index_from_string, get_column_letter

from cchc_xl.core import schema as S
from cchc_xl.core.text import fold


@functools.lru_cache(maxsize=4096)
def _fold(value: str) -> str:
    return fold(value)


def _fold_any(value: Any) -> str:
    return _fold(value) if isinstance(value, str) else fold(value)


def _find_header(rows: list[tuple[Any, ...]], first_header: str, limit: int = 15) -> int | None:
    """``records.find_header_row`` with cached folding (called for every returned file)."""
    key = _fold(first_header)
    for i, row in enumerate(rows[:limit]):
        for v in row:
            if v not in (None, ""):
                if _fold_any(v) == key:
                    return i
                break
    return None


def _header_columns(header_row: Sequence[Any], columns: tuple[S.Column, ...]) -> dict[str, list[int]]:
    """{key: 1-based columns} of the headers of ``columns`` in ``header_row``, in row order (a
    copied column gives a key two columns).  Read only: the same header row (hundreds of
    returns share one) gives the same mapping, computed once."""
    try:
        return _header_columns_of(tuple(header_row), columns)
    except TypeError:                  # a value that does not hash: computed each time
        return _header_columns_of.__wrapped__(tuple(header_row), columns)


@functools.lru_cache(maxsize=64)
def _header_columns_of(header_row: tuple[Any, ...], columns: tuple[S.Column, ...]) -> dict[str, list[int]]:
    by_header = {_fold(c.header): c.key for c in columns}
    out: dict[str, list[int]] = {}
    for i, v in enumerate(header_row, start=1):
        if v in (None, ""):
            continue
        k = by_header.get(_fold_any(v))
        if k is not None:
            out.setdefault(k, []).append(i)
    return out


def _column_map(rows: list[tuple[Any, ...]], columns: tuple[S.Column, ...]) -> tuple[int | None, dict[str, str]]:
    """(0-based header row, {key: column letter}) by header text; schema letters if absent."""
    h = _find_header(rows, columns[0].header) if rows else None
    default = {c.key: get_column_letter(i) for i, c in enumerate(columns, start=1)}
    if h is None:
        return None, default
    found = {k: get_column_letter(cols[0]) for k, cols in _header_columns(rows[h], columns).items()}
    return h, {**default, **found}


def _found_keys(rows: list[list[Any]], h: int | None, columns: tuple[S.Column, ...]) -> set[str]:
    return set() if h is None else set(_header_columns(rows[h], columns))


def _repeated_headers(header_row: Sequence[Any], columns: tuple[S.Column, ...]) -> dict[str, list[str]]:
    """{header: column letters} of the headers of ``columns`` found more than once in the row
    (a copied column: which of the two the unit filled in cannot be told)."""
    header_of = {c.key: c.header for c in columns}
    return {header_of[k]: [get_column_letter(i) for i in cols]
            for k, cols in _header_columns(header_row, columns).items() if len(cols) > 1}


def _last_row(rows: list[tuple[Any, ...]], floor: int) -> int:
    for i in range(len(rows) - 1, floor - 1, -1):
        if any(v not in (None, "") for v in rows[i]):
            return i + 1
    return floor


def _get(row: tuple[Any, ...], letter: str) -> Any:
    i = column_index_from_string(letter) - 1
    return row[i] if i < len(row) else None


def _int(v: Any) -> int:
    try:
        return int(float(v))
    except (TypeError, ValueError):
        return 0
