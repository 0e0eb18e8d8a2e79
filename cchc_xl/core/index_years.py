"""The index scores kept per year in the master, and what the official changed by hand.

"Nhập chỉ số" keeps every year's scores in "_meta" (``chi_so_cac_nam``) and lays the
latest year out in "Chỉ số CCHC" (``ingest.index_docs.index_edits``), the other years in
columns "Thẩm định NĂM" beside it.  Before the table is laid out again, what the official
typed into it since the last import - a corrected score, a renamed criterion, a row added
or deleted - is found by comparing the sheet with the record it was laid out from
(``compare``) and becomes part of that year's record (``apply``): a value the official set
is never replaced by the next import without a word.  A new document for a year the
official corrected is merged three ways (``merge_year``): where the document says otherwise,
the official's value is kept and reported.

Pure: records are the dicts stored in "_meta"; the sheet's rows come as ``SheetEntry``.

Public API
----------
``entry_key``, ``label_of``, ``table_entries``, ``same``; ``SheetEntry``, ``HandEdit``,
``SheetDiff``, ``compare``, ``apply`` (the table); ``side_edits``, ``set_appraised`` (a year's
column); ``Kept``, ``merge_year`` (a new document for a corrected year).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from cchc_xl.core.models import AREA_NAMES, Area
from cchc_xl.core.text import fold, normalize_text

NUMBER_FIELDS = ("max_points", "appraised", "deducted", "self_assessed")
AREA_FIELDS = ("name", *NUMBER_FIELDS)
CRITERION_FIELDS = ("code", "name", *NUMBER_FIELDS)
_TOLERANCE = 5e-5     # scores have at most 2-4 decimals


# ---------------------------------------------------------------- public API

@dataclass(frozen=True)
class SheetEntry:
    """A row of the index table as the sheet holds it now (``entry`` in the record's shape)."""

    kind: str               # "area" | "criterion"
    key: str
    entry: dict[str, Any]
    row: int


@dataclass(frozen=True)
class HandEdit:
    """A cell of the table the official changed since the record was laid out."""

    key: str
    label: str
    field: str
    row: int
    recorded: Any
    value: Any


@dataclass
class SheetDiff:
    """What the official changed in the table laid out from one year's record."""

    edits: list[HandEdit] = field(default_factory=list)
    added: list[SheetEntry] = field(default_factory=list)
    removed: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)   # (kind, key, entry)

    @property
    def empty(self) -> bool:
        return not (self.edits or self.added or self.removed)


@dataclass(frozen=True)
class Kept:
    """A value the official set that a new document contradicts: the official's is kept."""

    key: str
    label: str
    field: str
    mine: Any
    theirs: Any


def entry_key(kind: str, entry: Mapping[str, Any]) -> str:
    """Key of an area ("a3") or criterion ("c3|3.1.2", or by its folded name without a code)."""
    area = str(_area_value(entry.get("area")))
    if kind == "area":
        return f"a{area}"
    code = normalize_text(entry.get("code") or "")
    return f"c{area}|{code.lower()}" if code else f"n{area}|{fold(entry.get('name') or '')}"


def label_of(kind: str, entry: Mapping[str, Any]) -> str:
    """How a message names the row: "Lĩnh vực 3", "Tiêu chí 3.1.2", "Tiêu chí 'Tên'"."""
    if kind == "area":
        return f"Lĩnh vực {_area_value(entry.get('area'))}"
    code = normalize_text(entry.get("code") or "")
    return f"Tiêu chí {code}" if code else f"Tiêu chí '{normalize_text(entry.get('name') or '')}'"


def table_entries(record: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, key, entry) in the order the table is laid out: areas by number, each
    followed by its criteria in the record's order (a criterion of an area the record
    lacks is not laid out)."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    crits = list(record.get("criteria") or [])
    for a in sorted(record.get("areas") or [], key=lambda x: int(_area_value(x.get("area")))):
        out.append(("area", entry_key("area", a), a))
        out.extend(("criterion", entry_key("criterion", c), c) for c in crits
                   if str(_area_value(c.get("area"))) == str(_area_value(a.get("area"))))
    return out


def same(a: Any, b: Any) -> bool:
    """Whether two cell values are the same score or text (None and "" alike; 10.2 == 10.20)."""
    a = None if a == "" else a
    b = None if b == "" else b
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return abs(float(a) - float(b)) < _TOLERANCE
    return normalize_text(str(a)) == normalize_text(str(b))


def compare(record: Mapping[str, Any], sheet: Iterable[SheetEntry], first_row: int) -> SheetDiff:
    """What the official changed in the table laid out from ``record`` at ``first_row``.

    Rows are matched by key; a row whose key the record lacks, standing where the record
    put a row whose key is nowhere in the sheet, is that row renamed in place.  Other rows
    are added by the official; rows of the record not found are deleted."""
    expected = table_entries(record)
    by_key = {key: (kind, entry, n) for n, (kind, key, entry) in enumerate(expected, start=first_row)}
    at_row = {n: (kind, key, entry) for n, (kind, key, entry) in enumerate(expected, start=first_row)}
    rows = list(sheet)
    present = {e.key for e in rows}
    diff = SheetDiff()
    matched: set[str] = set()
    for e in rows:
        target = by_key.get(e.key)
        key = e.key
        if target is None or key in matched:
            laid = at_row.get(e.row)
            if laid is None or laid[0] != e.kind or laid[1] in present or laid[1] in matched:
                diff.added.append(e)
                continue
            key, target = laid[1], (laid[0], laid[2], e.row)
        matched.add(key)
        kind, rec, _ = target
        for f in (AREA_FIELDS if kind == "area" else CRITERION_FIELDS):
            recorded = _shown(kind, rec, f)
            if not same(e.entry.get(f), recorded):
                diff.edits.append(HandEdit(key, label_of(kind, rec), f, e.row, recorded, e.entry.get(f)))
    diff.removed = [(kind, key, entry) for kind, key, entry in expected if key not in matched]
    return diff


def apply(record: Mapping[str, Any], diff: SheetDiff) -> dict[str, Any]:
    """``record`` with the official's changes (``compare``) made part of it; the total moves
    with the areas' appraised points."""
    out = copy.deepcopy(dict(record))
    index = _index(out)
    delta = 0.0
    for e in diff.edits:
        entry = index.get(e.key)
        if entry is None:
            continue
        if e.field == "appraised" and e.key.startswith("a"):
            delta += (_num(e.value) or 0.0) - (_num(e.recorded) or 0.0)
        entry[e.field] = e.value if e.field in NUMBER_FIELDS else normalize_text(e.value or "")
    for kind, key, entry in diff.removed:
        part = "areas" if kind == "area" else "criteria"
        out[part] = [x for x in out.get(part) or [] if entry_key(kind, x) != key]
        if kind == "area":
            delta -= _num(entry.get("appraised")) or 0.0
    for e in diff.added:
        part = "areas" if e.kind == "area" else "criteria"
        out.setdefault(part, []).append(dict(e.entry))
        if e.kind == "area":
            delta += _num(e.entry.get("appraised")) or 0.0
    return _moved_total(out, delta)


def side_edits(record: Mapping[str, Any], values: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """(key, recorded, value) where a column "Thẩm định NĂM" (``values``: key -> the
    appraised points in the sheet) differs from that year's record (recorded ``None`` for
    a row that year's record lacks)."""
    out = []
    index = _index(record)
    for key, value in values.items():
        entry = index.get(key)
        recorded = entry.get("appraised") if entry is not None else None
        if not same(value, recorded):
            out.append((key, recorded, value))
    return out


def set_appraised(record: Mapping[str, Any], changes: Iterable[tuple[str, Any, Any]],
                  rows: Mapping[str, tuple[str, Mapping[str, Any]]] | None = None) -> dict[str, Any]:
    """``record`` with the appraised points of ``changes`` (``side_edits``), total moved with
    the areas.  A row the record lacks is added from ``rows`` (key -> (kind, entry in the
    sheet)) with only the points typed in that year's column."""
    out = copy.deepcopy(dict(record))
    index = _index(out)
    delta = 0.0
    for key, recorded, value in changes:
        if key not in index:
            if not rows or key not in rows:
                continue
            kind, entry = rows[key]
            added = {k: entry.get(k) for k in ("area", "name", *(("code",) if kind == "criterion" else ()))}
            added.update({f: None for f in NUMBER_FIELDS})
            if kind == "area" and added.get("max_points") is None:
                added["max_points"] = entry.get("max_points")
            out.setdefault("areas" if kind == "area" else "criteria", []).append(added)
            index[key] = added
        index[key]["appraised"] = _num(value)
        if key.startswith("a"):
            delta += (_num(value) or 0.0) - (_num(recorded) or 0.0)
    return _moved_total(out, delta)


def merge_year(base: Mapping[str, Any] | None, mine: Mapping[str, Any],
               theirs: Mapping[str, Any]) -> tuple[dict[str, Any], list[Kept]]:
    """A new document (``theirs``) for a year the master already holds (``mine``: the
    record with the official's changes; ``base``: as the last import wrote it).

    Where the official changed nothing, the document's value is taken; where the official
    changed a value and the document says something else, the official's is kept
    (``Kept``).  Rows the official added stay; a row the official deleted stays deleted
    unless the document changed it."""
    if base is None or _entries(mine) == _entries(base):
        return dict(theirs), []
    merged = copy.deepcopy(dict(theirs))
    theirs_ix = _index(merged)
    base_ix, kinds = _index(base), {key: kind for kind, key, _ in _all_entries(mine)}
    kept: list[Kept] = []
    delta = 0.0
    for kind, key, me in _all_entries(mine):
        was = base_ix.get(key, {})
        te = theirs_ix.get(key)
        if te is None:
            if key not in base_ix or any(not same(me.get(f), was.get(f)) for f in _fields(kind)):
                merged.setdefault("areas" if kind == "area" else "criteria", []).append(copy.deepcopy(me))
                kept.append(Kept(key, label_of(kind, me), "", "", ""))
                if kind == "area":
                    delta += _num(me.get("appraised")) or 0.0
            continue
        for f in _fields(kind):
            if key in base_ix and same(me.get(f), was.get(f)):
                continue          # not changed by the official: the document's value
            if me.get(f) in (None, "") and key not in base_ix:
                continue          # a row the official added: only what they typed counts
            if not same(te.get(f), me.get(f)):
                if not (key in base_ix and same(te.get(f), was.get(f))):   # the document changed it too
                    kept.append(Kept(key, label_of(kind, me), f, me.get(f), te.get(f)))
                if f == "appraised" and kind == "area":
                    delta += (_num(me.get(f)) or 0.0) - (_num(te.get(f)) or 0.0)
                te[f] = me.get(f)
    for kind, key, was in _all_entries(base):
        if key in kinds or key not in theirs_ix:
            continue
        te = theirs_ix[key]
        if all(same(te.get(f), was.get(f)) for f in _fields(kind)):   # deleted by the official, unchanged since
            part = "areas" if kind == "area" else "criteria"
            merged[part] = [x for x in merged.get(part) or [] if entry_key(kind, x) != key]
            if kind == "area":
                delta -= _num(te.get("appraised")) or 0.0
    return _moved_total(merged, delta), kept


# ---------------------------------------------------------------- private

def _moved_total(record: dict[str, Any], delta: float) -> dict[str, Any]:
    """``record`` with its total moved by ``delta`` (the areas' appraised points changed)."""
    if delta and record.get("total") is not None:
        record["total"] = round(float(record["total"]) + delta, 2)
    return record


def _area_value(value: Any) -> str:
    if isinstance(value, Area):
        return value.value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _shown(kind: str, entry: Mapping[str, Any], f: str) -> Any:
    """The value the table shows for ``entry`` (an area without a name shows the area's name)."""
    if kind == "area" and f == "name" and not entry.get("name"):
        try:
            return AREA_NAMES[Area(_area_value(entry.get("area")))]
        except ValueError:
            return ""
    return entry.get(f)


def _fields(kind: str) -> tuple[str, ...]:
    return AREA_FIELDS if kind == "area" else CRITERION_FIELDS


def _all_entries(record: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return ([("area", entry_key("area", a), a) for a in record.get("areas") or []]
            + [("criterion", entry_key("criterion", c), c) for c in record.get("criteria") or []])


def _entries(record: Mapping[str, Any]) -> list[Any]:
    return [(k, key, sorted(e.items())) for k, key, e in _all_entries(record)]


def _index(record: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {key: entry for _, key, entry in _all_entries(record)}


def _num(value: Any) -> float | None:
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
