"""Canonical tracking values: what a unit reports for an item, in one comparable form.

The five tracking fields (``TRACKING_KEYS``: status, progress, completed_on, evidence,
note) are compared (``canonical``), shown in messages and the audit log (``display``),
written back into cells (``cell_value``) and stored in a unit workbook's ``_meta`` as
the "base" of the 3-way merge (``base_to_json`` / ``base_from_json``).  Shared by the
writer (``workbook.unitbook``), the reader (``workbook.returned``) and Tổng hợp.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import unicodedata
from typing import Any, Mapping, Sequence

from cchc_xl.core import schema as S
from cchc_xl.core.models import RemediationItem, Status, Task
from cchc_xl.core.records import parse_date, parse_progress, parse_status
from cchc_xl.core.text import CellValueError
from cchc_xl.core.text import normalize_text

TRACKING_KEYS: tuple[str, ...] = S.TRACKING_FIELDS  # status, progress, completed_on, evidence, note
FIELD_LABELS: dict[str, str] = {c.key: c.header for c in S.TASK_COLUMNS}

# an open "oa/oe/uy" syllable (nothing after the vowels) carrying a tone mark: the only
# case where ``normalize_text`` moves a tone (see text._move_tone)
_TONE_CANDIDATE = re.compile("(?:[oO][aAeE]|[uU][yY])[\u0300-\u036f]*[\u0300\u0301\u0303\u0309\u0323]"
                             "[\u0300-\u036f]*(?![^\\W\\d_])")


def fast_normalize(value: Any) -> str:
    """Same result as ``text.normalize_text``, much faster when no tone mark has to move
    (ASCII text, or no "oa/oe/uy" syllable with an old-style tone): used on every cell."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if "\n" in text or "\r" in text:
        return normalize_text(text)     # keeps the line breaks (Alt+Enter) of a cell
    if text.isascii():
        return " ".join(text.split())
    if _TONE_CANDIDATE.search(unicodedata.normalize("NFD", text)):
        return normalize_text(text)
    return " ".join(unicodedata.normalize("NFC", text).replace("\u00a0", " ").split())


def canonical(key: str, value: Any) -> Any:
    """Comparable form of a tracking value; raises ``ValueError`` (Vietnamese) when invalid.

    status -> label ("" means "Chưa thực hiện"); progress -> float (2 decimals, ""
    means 0); completed_on -> ``date`` or ``None``; evidence/note -> normalised text.
    """
    if key == "status":
        if isinstance(value, Status):
            return value.value
        if value in _LABELS:
            return value
        st = parse_status(value)
        if st is None and value not in (None, ""):
            raise ValueError(f"trạng thái '{normalize_text(value)}' không có trong danh sách "
                             f"({', '.join(Status.labels())})")
        return (st or Status.NOT_STARTED).value
    if key == "progress":
        try:
            num = parse_progress(value)
        except ValueError:
            raise ValueError(f"tiến độ '{normalize_text(value)}' không phải là số") from None
        num = 0.0 if num is None else round(float(num), 2)
        if not 0 <= num <= 100:
            raise ValueError(f"tiến độ {num:g} nằm ngoài khoảng 0 - 100")
        return num
    if key == "completed_on":
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:     # "2025-13-01": Python's own reason is English
                raise CellValueError("bad_date", value=value.strip()) from None
        return parse_date(value)
    return fast_normalize(value)


_LABELS = frozenset(Status.labels())


def display(key: str, value: Any) -> str:
    """How a canonical tracking value is shown in messages and in the audit log."""
    if value is None or value == "":
        return ""
    if key == "progress":
        v = float(value)
        return str(int(v)) if v.is_integer() else f"{v:.2f}".rstrip("0").replace(".", ",")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def cell_value(key: str, value: Any) -> Any:
    """Value written into a worksheet cell for a canonical tracking value."""
    if key == "progress":
        v = float(value or 0)
        return int(v) if v.is_integer() else v
    if value in ("",):
        return None
    return value


def tracking_of(obj: Task | RemediationItem | Mapping[str, Any]) -> dict[str, Any]:
    """Canonical tracking values of a task / remediation item / unit report mapping."""
    get = obj.get if isinstance(obj, Mapping) else (lambda k: getattr(obj, k, None))
    return {k: canonical(k, get(k)) for k in TRACKING_KEYS}


def base_to_json(values: Mapping[str, Any]) -> str:
    """Tracking values as the JSON text a unit workbook's "_meta" keeps (keys sorted, dates as
    ISO text); built once per distinct set of values (most items are sent as "not started")."""
    try:
        return _base_json(tuple(sorted((k, type(v), v) for k, v in values.items())))
    except TypeError:        # an unhashable value: never from the readers
        return _base_json.__wrapped__(tuple((k, type(v), v) for k, v in sorted(values.items())))


@functools.lru_cache(maxsize=50_000)
def _base_json(items: tuple[tuple[str, type, Any], ...]) -> str:
    """``base_to_json`` of the (key, type, value) triples in key order (the type keeps 1,
    1.0 and True apart)."""
    return json.dumps({k: (v.isoformat() if isinstance(v, dt.date) else v) for k, _, v in items},
                      ensure_ascii=False, sort_keys=True)


def decode_json_texts(texts: Sequence[str]) -> list[Any]:
    """The JSON value of each text, all in one ``json.loads`` (records of thousands of items are
    read at once); when one does not decode, one by one: ``None`` for it, the others read."""
    try:
        out = json.loads("[" + ",".join(t or "null" for t in texts) + "]")
        if len(out) == len(texts):
            return out
    except (ValueError, RecursionError):
        pass
    out = []
    for t in texts:
        try:
            out.append(json.loads(t))
        except (ValueError, RecursionError):
            out.append(None)
    return out


def base_from_json(text: str) -> dict[str, Any]:
    """Inverse of ``base_to_json`` (values written by us: only the date needs converting)."""
    return base_values(json.loads(text or "{}"))


_BASE_KEYS = frozenset(TRACKING_KEYS)


def base_values(raw: Any) -> dict[str, Any]:
    """Tracking values as sent, from the decoded JSON of ``base_to_json``."""
    if not isinstance(raw, dict):
        raise ValueError("không phải bảng giá trị")
    # what ``base_to_json`` wrote is already canonical, except the date (ISO text)
    if raw.keys() == _BASE_KEYS:
        status, progress, done = raw["status"], raw["progress"], raw["completed_on"]
        if (status in _LABELS and type(progress) is float and round(progress, 2) == progress
                and type(raw["evidence"]) is str and type(raw["note"]) is str
                and (done is None or type(done) is str and done)):
            if done is not None:
                raw["completed_on"] = dt.date.fromisoformat(done)
            return raw
    v = raw.get("completed_on")
    done = dt.date.fromisoformat(v) if v else None
    status = raw.get("status")
    evidence, note = raw.get("evidence"), raw.get("note")
    return {"status": status if status in _LABELS else canonical("status", status),
            "progress": round(float(raw.get("progress") or 0), 2),
            "completed_on": done,
            "evidence": evidence if type(evidence) is str else fast_normalize(evidence),
            "note": note if type(note) is str else fast_normalize(note)}

