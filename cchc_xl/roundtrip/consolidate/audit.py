"""Nhật ký (the audit log): the rows a run appends, and what earlier runs logged.

Every cell a run updates, every conflict, every rejected cell or file is a row of
"Nhật ký" (``schema.AUDIT_COLUMNS``): time, user, file, its SHA-256, unit, item, column,
old value, new value, result.  Texts are logged as they are (``_safe_text`` only shortens
them): every writer stores text as text (the patcher as strings, openpyxl through
``workbook.cells``, xlwings with Excel's quote prefix), so none of it runs as a formula.  ``_read_audit`` reads the log back: the files already
consolidated (idempotency) and the values last applied per unit (3-way merge).
"""

from __future__ import annotations

from typing import Any

from openpyxl.utils import column_index_from_string

from cchc_xl.core import schema as S
from cchc_xl.core.text import normalize_text
from cchc_xl.roundtrip.consolidate.columns import _column_map
from cchc_xl.roundtrip.consolidate.plan import (ACTION_FILE_DONE, ACTION_FILE_REJECTED, ACTION_UPDATED, AuditIndex,
                                                ConsolidationPlan)
from cchc_xl.core.tracking import FIELD_LABELS, fast_normalize
from cchc_xl.workbook.returned import ReturnedBook

AUDIT_TEXT_MAX = 500


def _safe_text(value: Any) -> Any:
    """Audit text, shortened; never mangled (the writers keep text as text, see the module doc)."""
    if isinstance(value, str) and len(value) > AUDIT_TEXT_MAX:
        return value[:AUDIT_TEXT_MAX]
    return value


class _AuditLog:
    """Audit rows of one run (mixed into the planner: ``merge._Planner``)."""

    plan: ConsolidationPlan
    user: str
    _stamp: str
    updates: dict[str, int]   # file sha256 -> fields updated

    def stamp(self) -> str:
        return self._stamp

    def audit(self, book: ReturnedBook | None, file: str, unit: str, item: str, key: str,
              old: str, new: str, action: str) -> None:
        header = FIELD_LABELS.get(key, key) if key else ""
        sha = book.sha256 if book else ""
        self.plan.audit_rows.append([self._stamp, self.user, file, sha, unit, item, header,
                                     _safe_text(old), _safe_text(new), action])
        if action == ACTION_UPDATED and book is not None:
            self.updates[sha] = self.updates.get(sha, 0) + 1


# ================================================================= reading the log back

_HEADER_TO_KEY = {v: k for k, v in FIELD_LABELS.items()}


def _read_audit(rows: list[tuple[Any, ...]]) -> tuple[AuditIndex, dict[str, str]]:
    """Files already consolidated and the values last applied, from "Nhật ký".

    The log grows by a row per changed cell (100 000 rows a quarter at province scale):
    columns are located once and texts, which repeat, are normalised once.
    """
    h, cmap = _column_map(rows, S.AUDIT_COLUMNS)
    idx = AuditIndex()
    if h is None:
        return idx, cmap
    col = {k: column_index_from_string(v) - 1 for k, v in cmap.items()}
    i_sha, i_act, i_field, i_unit, i_item, i_new = (col[k] for k in (
        "file_hash", "action", "field", "unit", "task_id", "new"))
    width = max(i_sha, i_act, i_field, i_unit, i_item, i_new) + 1
    memo: dict[str, str] = {}

    def norm(value: Any) -> str:  # ``normalize_text``, memoised for text
        if type(value) is not str:
            return normalize_text(value)
        out = memo.get(value)
        if out is None:
            out = memo[value] = fast_normalize(value)
            if len(memo) > 200_000:
                memo.clear()
        return out

    files, last = idx.files, idx.last_applied
    done = (ACTION_FILE_DONE, ACTION_FILE_REJECTED)
    for r in rows[h + 1:]:
        if len(r) < width:
            r = (*r, *(None,) * (width - len(r)))
        action = norm(r[i_act])
        if action == ACTION_UPDATED:
            key = _HEADER_TO_KEY.get(norm(r[i_field]))
            if key:
                last[(norm(r[i_unit]), norm(r[i_item]), key)] = norm(r[i_new])
        elif action.startswith(done):
            sha = norm(r[i_sha])
            if sha:
                files.setdefault(sha, []).append(action)
    return idx, cmap
