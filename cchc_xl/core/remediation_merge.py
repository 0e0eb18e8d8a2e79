"""Merge remediation items read from a document into the "Khắc phục" rows of the master.

Rules (pure; the file writer applies the result):

* A document owns the rows whose "Nguồn" is its name.  An incoming item matches an owned
  row by area + criterion code, else area + criterion name (folded); the n-th repeat of
  the same key matches the n-th owned row with that key.
* Importing the same document again changes nothing.  A changed document updates the
  descriptive cells of the rows it owns and reports each change.
* Tracking cells (Trạng thái, Tiến độ, Ngày hoàn thành, Minh chứng, Ghi chú) are never
  written for an existing row.  A descriptive cell the official edited since the last
  import (it differs from ``base``, what the import wrote then) is kept and reported.
* New items get the next free id "KP-NN" (ids are never reused or renumbered); owned rows
  the document no longer contains are kept and reported.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from cchc_xl.core.findings import catalog
from cchc_xl.core.models import Finding, RemediationItem
from cchc_xl.core.text import fold, format_number, normalize_text

# descriptive cells the import owns (in sheet order)
OWNED_FIELDS: tuple[str, ...] = ("area", "criterion_code", "criterion", "deducted", "last_result", "target",
                                 "solution", "deadline_text", "due", "lead", "partners", "criteria_suggested",
                                 "source")
ID_PREFIX = "KP-"


@dataclass
class Change:
    item_id: str
    key: str
    old: Any
    new: Any


@dataclass
class MergeResult:
    added: list[RemediationItem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)          # cells to write on existing rows
    kept: list[Change] = field(default_factory=list)             # official's edits kept
    gone: list[RemediationItem] = field(default_factory=list)
    unchanged: int = 0
    base: dict[str, dict[str, Any]] = field(default_factory=dict)  # what the import owns now, per id

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.changes)


def item_key(item: RemediationItem) -> str:
    code = normalize_text(item.criterion_code).lower().strip(".")
    return f"{item.area.value}|{code}" if code else f"{item.area.value}|{fold(item.criterion)}"


def cell_value(item: RemediationItem, key: str) -> Any:
    """The value as stored in a cell (comparable between the model and the sheet)."""
    v = getattr(item, key)
    if key == "area":
        return int(item.area.value)
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float):
        return round(v, 6)
    return v if v not in ("", None) else None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return normalize_text(a) == normalize_text(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(float(a) - float(b)) < 1e-9
    return a == b


def _show(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return format_number(v)
    if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        y, m, d = v.split("-")
        return f"{d}/{m}/{y}"
    text = str(v).replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "…"


def next_id(existing: Iterable[str]) -> int:
    numbers = [int(m.group(1)) for i in existing if (m := re.fullmatch(rf"{ID_PREFIX}(\d+)", i or ""))]
    return max(numbers, default=0) + 1


def merge_remediation(existing: list[RemediationItem], incoming: list[RemediationItem], *, source: str,
                      base: dict[str, dict[str, Any]] | None = None) -> MergeResult:
    """What importing ``incoming`` (items of document ``source``) changes in ``existing``."""
    base = base or {}
    res = MergeResult()
    owned: dict[str, list[RemediationItem]] = {}
    for item in existing:
        if normalize_text(item.source) == normalize_text(source):
            owned.setdefault(item_key(item), []).append(item)
    used: set[str] = set()
    n = next_id(i.id for i in existing)
    for inc in incoming:
        candidates = [i for i in owned.get(item_key(inc), []) if i.id not in used]
        if not candidates:
            new = inc.model_copy(update={"id": f"{ID_PREFIX}{n:02d}", "source": source})
            n += 1
            res.added.append(new)
            res.base[new.id] = {k: cell_value(new, k) for k in OWNED_FIELDS}
            continue
        row = candidates[0]
        used.add(row.id)
        inc = inc.model_copy(update={"source": source})
        was = base.get(row.id, {})
        now_base: dict[str, Any] = {}
        changed = False
        for key in OWNED_FIELDS:
            mine, theirs = cell_value(row, key), cell_value(inc, key)
            if _same(mine, theirs):
                now_base[key] = theirs
                continue
            if key in was and not _same(mine, was[key]):
                # the official edited this cell after the last import: keep it
                res.kept.append(Change(row.id, key, mine, theirs))
                now_base[key] = was[key] if _same(was[key], theirs) else theirs
                continue
            if key == "due" and mine is not None and key not in was:
                res.kept.append(Change(row.id, key, mine, theirs))   # typed by hand before any import
                now_base[key] = theirs
                continue
            res.changes.append(Change(row.id, key, mine, theirs))
            now_base[key] = theirs
            changed = True
        res.base[row.id] = now_base
        if not changed:
            res.unchanged += 1
    for items in owned.values():
        for item in items:
            if item.id not in used:
                res.gone.append(item)
                if item.id in base:
                    res.base[item.id] = base[item.id]
    return res


def merge_findings(res: MergeResult, *, file: str = "", headers: dict[str, str] | None = None) -> list[Finding]:
    """One finding per added item, changed cell, kept edit and item gone."""
    headers = headers or {}
    out = [catalog.REMEDIATION_ADDED(id=i.id, item=f"lĩnh vực {i.area.value} - {_show(i.criterion)}", file=file)
           for i in res.added]
    out += [catalog.REMEDIATION_CHANGED(id=c.item_id, column=headers.get(c.key, c.key), old=_show(c.old),
                                        new=_show(c.new), file=file) for c in res.changes]
    out += [catalog.REMEDIATION_KEPT(id=c.item_id, column=headers.get(c.key, c.key), mine=_show(c.old),
                                     new=_show(c.new), file=file) for c in res.kept]
    out += [catalog.REMEDIATION_GONE(id=i.id, item=_show(i.criterion), source=i.source, file=file)
            for i in res.gone]
    return out


# ---------------------------------------------------------------- cell edits over plain sheet values

BASE_META_KEY = "khac_phuc_nhap"     # _meta: {source: {id: {field: value written}}} (JSON)

Edits = dict[str, dict[tuple[int, int], Any]]   # {sheet: {(row, column): value}} (1-based)


def read_base(meta_rows: list[tuple[Any, ...]], source: str) -> dict[str, dict[str, Any]]:
    """What earlier imports of ``source`` wrote (from the "_meta" sheet)."""
    import json

    from cchc_xl.core.records import meta_dict

    raw = meta_dict(meta_rows).get(BASE_META_KEY)
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return data.get(normalize_text(source), {}) if isinstance(data, dict) else {}


def _excel(key: str, value: Any) -> Any:
    if key == "due" and isinstance(value, str) and value:
        return dt.date.fromisoformat(value)
    return value


def remediation_edits(sheets: dict[str, list[tuple[Any, ...]]], rows: dict[str, int], res: MergeResult,
                      *, source: str) -> Edits:
    """Cells to write in "Khắc phục" (and "_meta") for ``res``.

    ``sheets`` holds the plain values of the "Khắc phục" and "_meta" sheets; ``rows`` maps
    item id -> worksheet row.  Columns are found by header text; a column an older master
    lacks is added after its last header.
    """
    import json

    from cchc_xl.core import schema as S
    from cchc_xl.core.models import Status
    from cchc_xl.core.records import find_header_row, meta_dict

    sheet_rows = sheets.get(S.SHEET_REMEDIATION) or []
    h = find_header_row(sheet_rows, S.REMEDIATION_COLUMNS[0].header)
    if h is None:
        raise catalog.SHEET_NO_HEADER.error(sheet=S.SHEET_REMEDIATION, header=S.REMEDIATION_COLUMNS[0].header)
    header = list(sheet_rows[h])
    by_header = {fold(c.header): c.key for c in S.REMEDIATION_COLUMNS}
    cols: dict[str, int] = {}
    for j, v in enumerate(header, start=1):
        k = by_header.get(fold(v)) if v not in (None, "") else None
        if k and k not in cols:
            cols[k] = j
    edits: Edits = {S.SHEET_REMEDIATION: {}, S.SHEET_META: {}}
    out = edits[S.SHEET_REMEDIATION]
    last_col = max([j for j, v in enumerate(header, start=1) if v not in (None, "")], default=0)
    for c in S.REMEDIATION_COLUMNS:
        if c.key not in cols:
            last_col += 1
            cols[c.key] = last_col
            out[(h + 1, last_col)] = c.header
    for ch in res.changes:
        r = rows.get(ch.item_id)
        if r is not None:
            out[(r, cols[ch.key])] = _excel(ch.key, ch.new)
    last = h + 1
    for i, row in enumerate(sheet_rows[h + 1:], start=h + 2):
        if any(v not in (None, "") for v in row):
            last = i
    for n, item in enumerate(res.added, start=last + 1):
        values = {k: _excel(k, cell_value(item, k)) for k in OWNED_FIELDS}
        values.update(id=item.id, status=Status.NOT_STARTED.value, progress=0)
        for key, v in values.items():
            if v is not None:
                out[(n, cols[key])] = v
    meta_rows = sheets.get(S.SHEET_META) or []
    meta = meta_dict(meta_rows)
    try:
        all_base = json.loads(meta.get(BASE_META_KEY) or "{}")
    except ValueError:
        all_base = {}
    all_base[normalize_text(source)] = res.base
    text = json.dumps(all_base, ensure_ascii=False, sort_keys=True)
    meta_row = next((i for i, r in enumerate(meta_rows, start=1) if r and r[0] == BASE_META_KEY), None)
    if meta_row is None:
        meta_row = len(meta_rows) + 1
        edits[S.SHEET_META][(meta_row, 1)] = BASE_META_KEY
    edits[S.SHEET_META][(meta_row, 2)] = text
    return edits
