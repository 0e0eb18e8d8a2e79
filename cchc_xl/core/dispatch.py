"""What each unit receives: its items, the values sent for them, its workbook's name.

* which tasks and remediation items a unit leads (``unit_items``, ``items_by_unit``)
  and the tracking values its workbook sends for them (``issued_values``);
* the file name of its workbook (``unit_file_name``) and the unit code read back from
  it (``unit_code_from_file_name``);
* the layout both the writer (``workbook.unitbook``) and the reader
  (``workbook.returned``) of a unit workbook follow.

``_meta`` layout: columns A:B hold key/value pairs (``records.meta_dict`` reads
them); columns D:I hold one row per item sent: sheet, id, row, fingerprint of
the locked columns (SHA-256), short per-cell hashes (to name the tampered
cell) and the tracking values as sent (JSON, the "base" of the 3-way merge).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

from cchc_xl.core import schema as S
from cchc_xl.core.models import Plan, RemediationItem, Task, Unit
from cchc_xl.core.safety import safe_file_component
from cchc_xl.core.text import normalize_text, strip_diacritics
from cchc_xl.core.tracking import tracking_of
from cchc_xl.core.units import DEFAULT_UNITS, UnitRegistry

UNIT_KIND = S.UNIT_KIND
ITEM_HEADERS = ("sheet", "id", "row", "fingerprint", "cells", "base", "master_base")
ITEM_COL = 4  # column D: first column of the per-item table in "_meta"

# sheet name -> columns, for the data sheets of a unit workbook
DATA_SHEETS: dict[str, tuple[S.Column, ...]] = {
    S.SHEET_TASKS: S.TASK_COLUMNS,
    S.SHEET_REMEDIATION: S.REMEDIATION_COLUMNS,
}


# ---------------------------------------------------------------- which items go to a unit

def registry_for(plan: Plan) -> UnitRegistry:
    return UnitRegistry(plan.units or DEFAULT_UNITS)


def remediation_units(item: RemediationItem, registry: UnitRegistry) -> list[str]:
    return registry.resolve(item.lead)[0]


def item_units(plan: Plan, registry: UnitRegistry | None = None) -> dict[tuple[str, str], list[str]]:
    """{(sheet, item id): lead unit codes} for every task and remediation item."""
    reg = registry or registry_for(plan)
    out = {(S.SHEET_TASKS, t.id): list(t.lead_units) for t in plan.tasks}
    for r in plan.remediation:
        out[(S.SHEET_REMEDIATION, r.id)] = remediation_units(r, reg)
    return out


def unit_items(plan: Plan, unit_code: str,
               registry: UnitRegistry | None = None) -> tuple[list[Task], list[RemediationItem]]:
    """Tasks whose lead units contain ``unit_code``, and remediation items it leads."""
    reg = registry or registry_for(plan)
    tasks = [t for t in plan.tasks if unit_code in t.lead_units]
    rem = [r for r in plan.remediation if unit_code in remediation_units(r, reg)]
    return tasks, rem


def items_by_unit(plan: Plan, registry: UnitRegistry | None = None
                  ) -> dict[str, tuple[list[Task], list[RemediationItem]]]:
    """{unit code: (tasks, remediation items)} in one pass (``unit_items`` for every unit)."""
    reg = registry or registry_for(plan)
    out: dict[str, tuple[list[Task], list[RemediationItem]]] = {}
    for t in plan.tasks:
        for code in dict.fromkeys(t.lead_units):
            out.setdefault(code, ([], []))[0].append(t)
    for r in plan.remediation:
        for code in dict.fromkeys(remediation_units(r, reg)):
            out.setdefault(code, ([], []))[1].append(r)
    return out


def work_units(plan: Plan) -> list[Unit]:
    """Units that receive a workbook: the non-group units of the plan (in order)."""
    return [u for u in (plan.units or DEFAULT_UNITS) if not u.is_group]


# ---------------------------------------------------------------- file names

def ascii_slug(text: str, max_len: int = 40) -> str:
    """"Phòng Văn hóa - Xã hội" -> "Phong-Van-hoa-Xa-hoi" (ASCII, no "_")."""
    s = strip_diacritics(normalize_text(text))
    s = re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-")
    return s[:max_len].rstrip("-") or "x"


def unit_file_name(seq: int, unit: Unit, period_label: str, width: int = 2) -> str:
    """``<stt>_<MÃ>_<tên không dấu>_<kỳ>.xlsx`` (the unit code is the 2nd "_" field)."""
    code = ascii_slug(unit.code, 20)
    name = f"{seq:0{width}d}_{code}_{ascii_slug(unit.name)}_{ascii_slug(period_label, 24)}.xlsx"
    return safe_file_component(name, max_len=120)   # never a path separator, device name or control char


_NAME_RE = re.compile(r"^\d+_([A-Za-z0-9-]+)_")


def unit_code_from_file_name(name: str) -> str | None:
    """Unit code of a file named by ``unit_file_name`` (``None`` if renamed)."""
    m = _NAME_RE.match(Path(name).name)
    return m.group(1) if m else None


def issued_values(obj: Task | RemediationItem, unit_code: str, reg: UnitRegistry,
                  reports: Mapping[tuple[str, str], Mapping[str, Any]]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Tracking values a unit workbook sends for ``obj`` (the unit's own report for an item of
    several lead units), and the master row's values for such an item (else ``None``)."""
    shared = len(obj.lead_units if isinstance(obj, Task) else remediation_units(obj, reg)) > 1
    own = reports.get((obj.id, unit_code)) if shared else None
    track = tracking_of(own) if own is not None else tracking_of(obj)
    return track, (tracking_of(obj) if shared else None)
