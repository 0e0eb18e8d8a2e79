"""Tổng hợp and the register "Tình hình gửi phiếu" (``core.register``): what the run learned
about each returned file (unit, period, SHA-256, refused cells with their reason,
conflicts), as register events, and the register cells to write with the merge."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Sequence

from cchc_xl.core import register as R
from cchc_xl.core import schema as S
from cchc_xl.core.findings import catalog
from cchc_xl.files.excel import calamine_sheet
from cchc_xl.roundtrip.consolidate.plan import STATUS_AS_ISSUED, STATUS_REJECTED, STATUS_SEEN, ConsolidationPlan
from cchc_xl.workbook.register_sheet import register_cell_edits
from cchc_xl.core.dispatch import unit_code_from_file_name


def _file_meta(path: Path) -> dict[str, Any]:
    try:
        rows = calamine_sheet(path, S.SHEET_META) or []
    except Exception:
        return {}
    return {str(r[0]): (r[1] if len(r) > 1 else None) for r in rows if r and r[0] not in (None, "")}


# warnings about a returned file that its register row says too: it was received, but not all read
_NOTED = frozenset(t.code for t in (catalog.RETURN_NO_CHANGE, catalog.RETURN_SHEET_NOT_READ,
                                    catalog.RETURN_COLUMN_NOT_READ))


def returns_of_plan(plan: ConsolidationPlan, files: Sequence[Path], subs: Sequence[R.Submission],
                    received_on: dt.date) -> list[R.ReturnInfo]:
    """One ``ReturnInfo`` per file Tổng hợp looked at (``plan``: a ``ConsolidationPlan``)."""
    by_name = {Path(f).name: Path(f) for f in files}
    refused: dict[str, list[Any]] = {}
    for r in plan.rejections:
        if not r.whole_file:
            refused.setdefault(r.file, []).append(r)
    notes: dict[str, list[str]] = {}   # what the register must say about a file beyond its cells
    for f in plan.findings:
        if f.code in _NOTED and f.file:
            notes.setdefault(f.file, []).append(f.message)
    out: list[R.ReturnInfo] = []
    for fs in plan.files:
        # what the file says about itself (Tổng hợp passes it on; else read from its "_meta")
        known = getattr(fs, "period", "")
        path = by_name.get(fs.file)
        meta = {"period_label": known, "master_version": getattr(fs, "version", None)} if known else (
            _file_meta(path) if path is not None else {})
        unit = (fs.unit or str(meta.get("unit_code") or "") or unit_code_from_file_name(fs.file) or "").upper()
        period = str(meta.get("period_label") or "")
        if not period:  # unreadable file: the unit's latest period in the register
            mine = [s for s in subs if s.unit == unit]
            period = mine[-1].period if mine else ""
        version = meta.get("master_version")
        rejected = refused.get(fs.file, []) if fs.status != STATUS_SEEN else []
        details = [_detail(r) for r in rejected]
        if fs.status == STATUS_REJECTED:
            details = [f"Cả tệp bị từ chối: {fs.reason}"]
        elif fs.status == STATUS_AS_ISSUED:
            details = [f"Tệp {fs.file}: {fs.reason}"]
        details = notes.get(fs.file, []) + details
        out.append(R.ReturnInfo(period=period, unit=unit, file=fs.file, sha256=fs.sha256,
                                received_on=received_on,
                                version=int(float(version)) if isinstance(version, (int, float)) else None,
                                refused_cells=len(rejected), file_refused=fs.status == STATUS_REJECTED,
                                conflicts=fs.conflicts, details=details,
                                seen_before=fs.status == STATUS_SEEN, as_issued=fs.status == STATUS_AS_ISSUED))
    return out


def _detail(r: Any) -> str:
    where = ", ".join(p for p in (f"trang '{r.sheet}'" if r.sheet else "", f"ô {r.cell}" if r.cell else "",
                                  f"nhiệm vụ {r.item_id}" if r.item_id else "") if p)
    return f"{where}: {r.reason}" if where else r.reason


def return_edits(rows: Sequence[Sequence[Any]], plan: ConsolidationPlan, files: Sequence[Path], *,
                 now: dt.datetime | None = None) -> dict[tuple[int, int], Any]:
    """{(row, column): value} of the register (its cell values ``rows``) after Tổng hợp."""
    moment = now or dt.datetime.now()
    subs = R.read_submissions(rows)
    new = R.record_returns(subs, returns_of_plan(plan, files, subs, moment.date()), today=moment.date())
    return register_cell_edits(rows, new)


