"""Fingerprints of the locked cells of a unit workbook's rows.

What a unit must not edit (task text, product, deadline, lead unit...) is hashed when
the workbook is written (``fingerprint``: SHA-256 of the row, short hash per cell, both
kept in ``_meta``) and again when it comes back (``row_fingerprint``,
``RowFingerprinter`` over raw rows; ``cell_hashes`` names the changed cell).
``norm_cell`` makes the text independent of the program that saved the file.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import operator
import unicodedata
from typing import Any, Mapping, Sequence

from cchc_xl.core import schema as S

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


@functools.lru_cache(maxsize=100_000)
def _short_hash(part: str) -> str:
    """8-hex hash of one "key=text" part (areas, units, dates repeat: hashed once each)."""
    return _h(part)[:8]


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
                parts = list(map(dict.get, self.memos, values))
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

