"""The base of the three-way merge, kept in the master - never taken from a returned file.

For every (unit, sheet, item) the master's very hidden "_meta" sheet holds, in columns
D:G below the header ``BASE_HEADERS``, a JSON record::

    {"v": 3,                      # version of the split that issued it
     "i": [status, progress, "YYYY-MM-DD", evidence, note],   # values sent to the unit
     "b": [...],                  # merge base: values sent, then last applied from the unit
     "m": [...]}                  # items of several units: the master row as sent

Tạo phiếu writes "i" = "b" (and "m") for every item it sends; Tổng hợp moves "b" forward
with every value applied from that unit (and when the master already holds the unit's
value), never on a conflict or a rejected row.  A returned file's own "_meta" base is
only a claim: when it differs from "i" of the same version the row is rejected.

Returns applied are recorded per unit under the "_meta" key ``RETURNS_KEY`` (version,
saved time from docProps/core.xml, file, SHA-256): an older return never replaces newer
values.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from openpyxl.utils import get_column_letter

from cchc_xl.core.models import Status
from cchc_xl.core.text import normalize_text
from cchc_xl.core.tracking import decode_json_texts

TRACKING = ("status", "progress", "completed_on", "evidence", "note")
BASE_COL = 4                                    # column D of the master's "_meta"
BASE_HEADERS = ("goc_don_vi", "goc_trang", "goc_ma", "goc_gia_tri")
RETURNS_KEY = "returns"                         # "_meta" key: last return applied per unit
_LETTERS = [get_column_letter(BASE_COL + i) for i in range(len(BASE_HEADERS))]
BASE_VALUE_COLUMN = _LETTERS[3]                 # "G": the JSON record of each (unit, sheet, item)
Key = tuple[str, str, str]                      # (unit, sheet, item id)


def pack(values: Mapping[str, Any] | None) -> list[Any] | None:
    """Canonical tracking values -> JSON list (dates as ISO text)."""
    if values is None:
        return None
    return _pack_tuple(tuple(values.get(k) for k in TRACKING))


def unpack(raw: Any) -> dict[str, Any] | None:
    """JSON list -> canonical tracking values (``None`` when not a list of five)."""
    values = _unpack_tuple(raw)
    return None if values is None else dict(zip(TRACKING, values))


def _unpack_tuple(raw: Any) -> tuple[Any, ...] | None:
    """``unpack`` as a tuple in ``TRACKING`` order (how a ``BaseEntry`` keeps it)."""
    if not isinstance(raw, list) or len(raw) != len(TRACKING):
        return None
    status, progress, done, evidence, note = raw
    try:
        progress = round(float(progress or 0), 2)
        return (_SHARED.setdefault(str(status or Status.NOT_STARTED.value), str(status or Status.NOT_STARTED.value)),
                _SHARED.setdefault(progress, progress), _day(done) if done else None,
                str(evidence or ""), str(note or ""))
    except (TypeError, ValueError):
        return None


# values that repeat over thousands of records (status labels, progress, dates) are kept
# once: json.loads makes a new object for every occurrence
_SHARED: dict[Any, Any] = {s.value: s.value for s in Status}


def _day(text: str) -> dt.date:
    day = _SHARED.get(text)
    if day is None:
        day = dt.date.fromisoformat(text)
        if len(_SHARED) < 10_000:
            _SHARED[text] = day
    return day


def _as_tuple(values: Mapping[str, Any] | Sequence[Any]) -> tuple[Any, ...]:
    if isinstance(values, tuple):
        return values
    return tuple(values[k] for k in TRACKING)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class BaseEntry:
    """The base record of one (unit, sheet, item): version issued, values issued ("i"),
    merge base ("b"), master row as sent for items of several units ("m").

    The values are kept as tuples in ``TRACKING`` order (50 000 records of a province are a
    few MB, not 40); ``issued``, ``base`` and ``master`` give them as mappings.
    """

    __slots__ = ("version", "_issued", "_base", "_master", "row")

    def __init__(self, version: int, issued: Mapping[str, Any] | Sequence[Any], base: Mapping[str, Any] | Sequence[Any],
                 master: Mapping[str, Any] | Sequence[Any] | None = None, row: int = 0):
        self.version = version
        self._issued = _as_tuple(issued)
        self._base = _as_tuple(base)
        self._master = None if master is None else _as_tuple(master)
        self.row = row

    @property
    def issued(self) -> dict[str, Any]:
        return dict(zip(TRACKING, self._issued))

    @property
    def base(self) -> dict[str, Any]:
        return dict(zip(TRACKING, self._base))

    @property
    def master(self) -> dict[str, Any] | None:
        return None if self._master is None else dict(zip(TRACKING, self._master))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BaseEntry):
            return NotImplemented
        return (self.version, self._issued, self._base, self._master, self.row) == \
            (other.version, other._issued, other._base, other._master, other.row)

    def __repr__(self) -> str:
        return f"BaseEntry(version={self.version}, issued={self.issued}, base={self.base}, master={self.master})"

    def to_json(self) -> str:
        return (f'{{"v":{self.version},"i":{_json_list(self._issued)}'
                + (f',"m":{_json_list(self._master)}' if self._master is not None else "")
                + f',"b":{_json_list(self._base)}}}')


def _json_list(values: tuple[Any, ...]) -> str:
    """``_dumps(_pack_tuple(values))``, built once per distinct tuple of values (they repeat:
    "Chưa thực hiện", 0.0, ...)."""
    try:
        return _json_list_of(values)
    except TypeError:    # an unhashable value: never from the readers
        return _dumps(_pack_tuple(values))


@functools.lru_cache(maxsize=50_000)
def _json_list_of(values: tuple[Any, ...]) -> str:
    return _dumps(_pack_tuple(values))


def _pack_tuple(values: tuple[Any, ...]) -> list[Any]:
    """``pack`` of a tuple in ``TRACKING`` order."""
    out = []
    for v in values:
        if isinstance(v, dt.date):
            v = v.isoformat()
        elif isinstance(v, Status):
            v = v.value
        out.append(v if v is not None else "")
    return out


@dataclass
class BaseStore:
    """The base records of a master and the "_meta" cells changed since reading it."""

    entries: dict[Key, BaseEntry] = field(default_factory=dict)
    header_row: int = 0                 # 0: no table yet
    next_row: int = 2
    edits: dict[str, Any] = field(default_factory=dict)    # {"G17": text}
    damaged: list[int] = field(default_factory=list)        # rows whose record does not read
    damaged_keys: set[Key] = field(default_factory=set)      # their (unit, sheet, item)

    def get(self, unit: str, sheet: str, item: str) -> BaseEntry | None:
        return self.entries.get((unit, sheet, item))

    def put(self, unit: str, sheet: str, item: str, entry: BaseEntry) -> None:
        """Set (or replace) the record of ``(unit, sheet, item)`` and note the cells to write."""
        old = self.entries.get((unit, sheet, item))
        if not self.header_row:
            self.header_row = 1
            for letter, h in zip(_LETTERS, BASE_HEADERS):
                self.edits[f"{letter}1"] = h
            self.next_row = max(self.next_row, 2)
        if old is not None and old.row:
            entry.row = old.row
        else:
            entry.row = self.next_row
            self.next_row += 1
            for letter, v in zip(_LETTERS[:3], (unit, sheet, item)):
                self.edits[f"{letter}{entry.row}"] = v
        self.entries[(unit, sheet, item)] = entry
        self.edits[f"{_LETTERS[3]}{entry.row}"] = entry.to_json()

    def advance(self, unit: str, sheet: str, item: str, values: Mapping[str, Any]) -> None:
        """Move the merge base of ``(unit, sheet, item)`` to ``values`` (applied from the unit)."""
        entry = self.entries.get((unit, sheet, item))
        if entry is None:
            return
        new = _as_tuple(values)
        if new != entry._base:
            self.put(unit, sheet, item, BaseEntry(entry.version, entry._issued, new, entry._master))


def _key_text(value: Any, memo: dict[Any, str]) -> str:
    """Unit code, sheet name, item id as written by ``BaseStore.put`` (normalised once each)."""
    if type(value) is str and value.isascii():
        return value.strip()
    out = memo.get(value)
    if out is None:
        out = memo[value] = normalize_text(value)
    return out


def read_bases(meta_rows: Sequence[Sequence[Any]]) -> BaseStore:
    """The base table of the master's "_meta" rows (plain cell values, row 1 first)."""
    store = BaseStore()
    j = BASE_COL - 1
    last_used = 0
    found: list[tuple[int, str, str, str, str]] = []
    memo: dict[Any, str] = {}
    for i, r in enumerate(meta_rows, start=1):
        if any(v not in (None, "") for v in r[:max(2, j)]):
            last_used = i
        cells = list(r[j:j + 4]) if len(r) > j else []
        if not cells or cells[0] in (None, ""):
            continue
        if not store.header_row:
            if str(cells[0]) == BASE_HEADERS[0]:
                store.header_row = i
            continue
        cells += [None] * (4 - len(cells))
        found.append((i, _key_text(cells[0], memo), _key_text(cells[1], memo), _key_text(cells[2], memo),
                      str(cells[3] or "")))
    # records repeat (every item sent in the same state has the same text): each distinct
    # text is parsed once, all of them in one ``json.loads`` (one by one when one is damaged)
    texts = list(dict.fromkeys(f[4] for f in found))
    recs = decode_json_texts(texts)
    records = {t: _record(rec) for t, rec in zip(texts, recs)}
    for i, unit, sheet, item, text in found:
        rec = records[text]
        if rec is None:
            store.damaged.append(i)
            store.damaged_keys.add((unit, sheet, item))
            continue
        version, issued, base, master = rec
        store.entries[(unit, sheet, item)] = BaseEntry(version, issued, base, master, row=i)
        last_used = max(last_used, i)
    store.next_row = max(last_used, store.header_row) + 1 if store.header_row else 2
    if store.entries:
        store.next_row = max(store.next_row, max(e.row for e in store.entries.values()) + 1)
    return store


def _record(rec: Any) -> tuple[int, tuple[Any, ...], tuple[Any, ...], tuple[Any, ...] | None] | None:
    """(version, issued, base, master) of one parsed record; ``None`` when it is not one."""
    if not isinstance(rec, dict):
        return None
    issued, base = _unpack_tuple(rec.get("i")), _unpack_tuple(rec.get("b"))
    if issued is None or base is None:
        return None
    if base == issued:
        base = issued      # until a value is applied the base is what was issued: kept once
    try:
        version = int(rec.get("v") or 0)
    except (TypeError, ValueError):
        version = 0
    return version, issued, base, _unpack_tuple(rec.get("m"))


def issue(store: BaseStore, version: int,
          sent: Iterable[tuple[str, str, str, Mapping[str, Any], Mapping[str, Any] | None]]) -> dict[str, Any]:
    """Record what a split sends: ``sent`` = (unit, sheet, item, values, master values or None).

    Returns the "_meta" cells to write ({"G17": ...}, headers included on first use).
    """
    for unit, sheet, item, values, master in sent:
        vals = _as_tuple(values)
        store.put(unit, sheet, item, BaseEntry(version, vals, vals, _as_tuple(master) if master else None))
    return dict(store.edits)


# ---------------------------------------------------------------- key/value cells of "_meta"

def meta_cell_updates(meta_rows: Sequence[Sequence[Any]], updates: Mapping[str, Any]) -> dict[str, Any]:
    """{cell ("B3"): value} writing ``updates`` into a key/value "_meta" sheet.

    Existing keys (column A) get their value in column B; new keys go below the
    last used row.  Usable with any cell setter (openpyxl, patcher, live Book).
    """
    rows = {str(r[0]): i for i, r in enumerate(meta_rows, start=1) if r and r[0] not in (None, "")}
    last = max([0, *[i for i, r in enumerate(meta_rows, start=1)
                     if r and any(v not in (None, "") for v in r[:2])]])
    out: dict[str, Any] = {}
    for key, value in updates.items():
        if key in rows:
            out[f"B{rows[key]}"] = value
        else:
            last += 1
            out[f"A{last}"] = key
            out[f"B{last}"] = value
    return out



# ---------------------------------------------------------------- files already consolidated

APPLIED_COL = 9                                  # column I of the master's "_meta"
APPLIED_HEADERS = ("tep_da_xu_ly", "ket_qua")    # SHA-256 of a returned file, JSON list of its results
_APPLIED_LETTERS = [get_column_letter(APPLIED_COL + i) for i in range(len(APPLIED_HEADERS))]


@dataclass
class AppliedFiles:
    """Files Tổng hợp has already dealt with (consolidated, or rejected as a whole), kept in
    the master's "_meta" (columns I:J below ``APPLIED_HEADERS``): SHA-256 -> the results
    logged for it ("Đã tổng hợp tệp", "Từ chối tệp: ...").

    The same index "Nhật ký" gives, without reading its rows back: the log grows by a row
    per changed cell (100 000 a quarter at province scale) and every run would parse it.
    ``found`` is False for a master without the table (made before it): the index is then
    read from "Nhật ký" and the table written whole at the next Tổng hợp.
    """

    files: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)       # sha -> row of "_meta"
    found: bool = False
    next_row: int = 2

    def edits(self, files: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        """"_meta" cells ({"I7": sha, "J7": JSON}) recording ``files`` (results per SHA-256),
        the header too when the table is new; only files whose results changed."""
        out: dict[str, Any] = {}
        if not self.found and not self.rows:
            out.update({f"{letter}1": h for letter, h in zip(_APPLIED_LETTERS, APPLIED_HEADERS)})
        for sha, actions in files.items():
            actions = list(actions)
            if self.files.get(sha) == actions:
                continue
            row = self.rows.get(sha)
            if row is None:
                row = self.rows[sha] = self.next_row
                self.next_row += 1
                out[f"{_APPLIED_LETTERS[0]}{row}"] = sha
            out[f"{_APPLIED_LETTERS[1]}{row}"] = _dumps(actions)
            self.files[sha] = actions
        self.found = True
        return out


def read_applied(meta_rows: Sequence[Sequence[Any]]) -> AppliedFiles:
    """The "files already consolidated" table of the master's "_meta" rows (row 1 first).

    A damaged record (not a JSON list of texts) makes the whole table unusable (``found``
    False: the index is read from "Nhật ký" and the table rewritten), its row kept so the
    rewrite replaces it."""
    out = AppliedFiles()
    j = APPLIED_COL - 1
    if not meta_rows or len(meta_rows[0]) <= j or str(meta_rows[0][j] or "").strip() != APPLIED_HEADERS[0]:
        return out
    damaged = False
    last = 1
    for i, r in enumerate(meta_rows[1:], start=2):
        if len(r) <= j or r[j] in (None, ""):
            continue
        sha = str(r[j]).strip()
        last = i
        out.rows[sha] = i
        try:
            actions = json.loads(str(r[j + 1] if len(r) > j + 1 else "") or "[]")
        except (ValueError, RecursionError):
            actions = None
        if isinstance(actions, list) and all(isinstance(a, str) for a in actions):
            out.files[sha] = actions
        else:
            damaged = True
    out.found = not damaged
    out.next_row = last + 1
    return out


# ---------------------------------------------------------------- returns applied, per unit

@dataclass(frozen=True)
class ReturnStamp:
    """What identifies how recent a return is."""

    version: int
    saved_at: str = ""          # ISO text of docProps/core.xml "modified" ("" unknown)
    file: str = ""
    sha256: str = ""

    def newer_than(self, other: "ReturnStamp") -> bool | None:
        """True/False when it can be told (by version, then saved time), else ``None``."""
        if self.version != other.version:
            return self.version > other.version
        if self.saved_at and other.saved_at and self.saved_at != other.saved_at:
            return self.saved_at > other.saved_at
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "saved_at": self.saved_at, "file": self.file, "sha256": self.sha256}


def read_returns(meta: Mapping[str, Any]) -> dict[str, ReturnStamp]:
    """{unit: stamp of the last return applied} from the "_meta" key ``RETURNS_KEY``."""
    raw = meta.get(RETURNS_KEY)
    if not raw:
        return {}
    try:
        data = json.loads(str(raw))
    except (ValueError, RecursionError):
        return {}
    out = {}
    if isinstance(data, dict):
        for unit, rec in data.items():
            if isinstance(rec, dict):
                try:
                    out[str(unit)] = ReturnStamp(int(rec.get("version") or 0), str(rec.get("saved_at") or ""),
                                                 str(rec.get("file") or ""), str(rec.get("sha256") or ""))
                except (TypeError, ValueError):
                    continue
    return out


def returns_unreadable(meta: Mapping[str, Any]) -> bool:
    """The "_meta" key ``RETURNS_KEY`` holds something that is not the JSON record it should
    be (edited by hand): which return of each unit is the newest cannot be told from it."""
    raw = meta.get(RETURNS_KEY)
    if not raw:
        return False
    try:
        return not isinstance(json.loads(str(raw)), dict)
    except (ValueError, RecursionError):
        return True


def returns_json(stamps: Mapping[str, ReturnStamp]) -> str:
    return json.dumps({u: s.to_dict() for u, s in sorted(stamps.items())}, ensure_ascii=False,
                      separators=(",", ":"))


__all__ = ["APPLIED_COL", "APPLIED_HEADERS", "AppliedFiles", "BASE_COL", "BASE_HEADERS", "BASE_VALUE_COLUMN",
           "RETURNS_KEY", "BaseEntry", "BaseStore", "ReturnStamp", "issue", "read_applied", "meta_cell_updates", "pack",
           "read_bases", "read_returns", "returns_json", "returns_unreadable", "unpack"]
