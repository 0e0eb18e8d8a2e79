"""The main job: one whole reporting period on the bundled sample, end to end."""

import datetime as dt

from cchc_xl.core import compute
from cchc_xl.core import schema as S
from cchc_xl.demo import run_demo
from cchc_xl.workbook.master import read_master
from cchc_xl.importers.sample import sample_progress


def test_demo_runs_the_whole_cycle(tmp_path):
    res = run_demo(tmp_path / "demo", period_text="Quý III/2025", pdf=False)
    assert res.master.exists()
    assert len(res.unit_files) == 4 and len(res.drafts) == 4 and len(res.returned) == 4
    assert res.changes > 0 and res.conflicts == 0 and res.rejected == 0
    assert res.second_run_changes == 0          # Tổng hợp is idempotent
    assert res.report_docx and res.report_docx.exists()

    # the master now holds what the departments typed: for every task sent to a unit,
    # its tracking values equal the simulated ones
    data = read_master(res.master)
    as_of = dt.date(2025, 9, 14)
    simulated = sample_progress(data.plan, as_of)
    for task in data.plan.tasks:
        if task.lead_units and len(task.lead_units) == 1:
            sim = simulated.task(task.id)
            assert (task.status, task.progress, task.completed_on) == \
                (sim.status, sim.progress, sim.completed_on), task.id
    p = compute.progress(data.plan.tasks, as_of)
    assert p.done > 0 and p.total == 52

    from openpyxl import load_workbook

    wb = load_workbook(res.master)
    assert S.SHEET_REPORT in wb.sheetnames
    audit = wb[S.SHEET_AUDIT]
    assert audit.max_row > S.FIRST_DATA_ROW   # audit rows were written


def test_demo_resend_reminder_feedback_and_correction(tmp_path):
    """The demo's period also has a late resend with a refused cell, a reminder, the feedback
    workbook and the corrected return; the register ("Tình hình gửi phiếu") follows."""
    from cchc_xl.core import register as R

    res = run_demo(tmp_path / "demo", period_text="Quý III/2025", pdf=False)
    assert res.refused_round == 1
    assert [p.name.split("_")[1] for p in res.reminders] == ["VHXH"]
    assert [p.name.split("_")[1] for p in res.feedback_files] == ["VHXH"]
    assert res.resend_changes >= 1 and res.last_run_changes == 0
    by_unit = {s.unit: s for s in R.of_period(res.register, "Quý III/2025")}
    assert set(by_unit) == {"VP", "VHXH", "KT", "PVHCC"}
    assert by_unit["VP"].compute_status(dt.date(2025, 9, 30)) == R.STATUS_ON_TIME
    vhxh = by_unit["VHXH"]
    assert vhxh.returns == 3 and vhxh.refused_cells == 0 and vhxh.file.endswith("_phan_hoi.xlsx")
    assert vhxh.compute_status(dt.date(2025, 9, 30)) == R.STATUS_LATE
    assert vhxh.superseded.count("tệp ") == 1   # the same file name was returned twice, then the fixed one
