"""Shared set-up of the period tests (register, reminders, feedback): a master built from
the round-trip fixture, split into unit workbooks once per module, copied for each test."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from cchc_xl.core import schema as S
from cchc_xl.core.models import Plan
from cchc_xl.roundtrip.split import split_master
from cchc_xl.workbook.master import write_master
from cchc_xl.core.dispatch import unit_code_from_file_name

FIXTURE = Path(__file__).parent / "fixtures" / "roundtrip_plan.json"
AS_OF = dt.date(2025, 9, 14)
PERIOD = "Quý III/2025"
MASTER_NAME = "So_tong_hop_CCHC.xlsx"


def fixture_plan(emails: dict[str, str] | None = None) -> Plan:
    plan = Plan.model_validate_json(FIXTURE.read_text(encoding="utf-8"))
    if emails:
        plan = plan.model_copy(update={"units": [u.model_copy(update={"email": emails.get(u.code, "")})
                                                 for u in plan.units]})
    return plan


def build_template(root: Path, plan: Plan, return_by: dt.date | None = None) -> Path:
    """Master + unit workbooks of ``PERIOD`` in ``root`` (no backups)."""
    master = root / MASTER_NAME
    write_master(plan, master, as_of=AS_OF)
    split_master(master, root / "phieu", period_label=PERIOD, as_of=AS_OF, return_by=return_by)
    shutil.rmtree(root / "sao_luu")
    return root


def copy_env(template: Path, tmp_path: Path) -> dict[str, Path]:
    """A fresh copy: root, master, inbox (empty), phieu and one entry per unit code."""
    shutil.copytree(template, tmp_path / "w")
    root = tmp_path / "w"
    files = {unit_code_from_file_name(f.name): f for f in (root / "phieu").glob("*.xlsx")}
    (root / "nhan_ve").mkdir()
    return {"root": root, "master": root / MASTER_NAME, "inbox": root / "nhan_ve", "phieu": root / "phieu",
            **files}


def task_rows(ws) -> dict[str, int]:
    return {ws.cell(r, 1).value: r for r in range(S.FIRST_DATA_ROW, ws.max_row + 1)}


def fill(src: Path, dst: Path, changes: dict[str, dict[str, Any]], sheet: str = S.SHEET_TASKS) -> Path:
    """What an official does: open the workbook, type values in tracking cells, save as ``dst``."""
    wb = load_workbook(src)
    ws = wb[sheet]
    rows = task_rows(ws)
    for item, values in changes.items():
        for key, value in values.items():
            ws.cell(rows[item], S.col_index(S.TASK_COLUMNS, key), value=value)
    wb.save(dst)
    return dst
