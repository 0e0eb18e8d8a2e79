"""The main job: one whole reporting period on the bundled sample, end to end."""

import datetime as dt

from cchc_xl.core import compute
from cchc_xl.core.models import Status
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


# ---------------------------------------------------------------- the whole year with late and refused units

def test_year_demo_late_missing_refused_reminders_feedback_and_trend(tmp_path):
    """Quý I -> Năm: in Quý I and Quý III a unit is missing at the deadline (reminded, returns late)
    and another resends with a refused cell (reminded, feedback workbook, corrected, applied);
    6 tháng and Năm are on time; the annual report (Word + sheet) shows period and trend figures."""
    from docx import Document
    from openpyxl import load_workbook

    from cchc_xl.core import register as R
    from cchc_xl.demo import run_year_demo

    res = run_year_demo(tmp_path / "nam", pdf=False)
    rounds = {r.period: r for r in res.rounds}
    assert list(rounds) == ["Quý I/2025", "Quý III/2025"]
    expected = {"Quý I/2025": ("VHXH", "KT"), "Quý III/2025": ("VP", "PVHCC")}
    for period, (refused, missing) in expected.items():
        rnd = rounds[period]
        assert (rnd.refused_unit, rnd.missing_unit, rnd.refused) == (refused, missing, 1)
        # when reminding: the missing unit is overdue, the refused one has a refused cell, others on time
        assert rnd.status_before == {u: (R.STATUS_CELLS_REFUSED if u == refused else R.STATUS_OVERDUE
                                         if u == missing else R.STATUS_ON_TIME)
                                     for u in ("VP", "VHXH", "KT", "PVHCC")}
        assert sorted(p.name.split("_")[1] for p in rnd.reminders) == sorted([refused, missing])
        assert all(p.exists() and p.parent.name == period_code(period) for p in rnd.reminders)
        assert [p.name.split("_")[1] for p in rnd.feedback_files] == [refused]
        wb = load_workbook(rnd.feedback_files[0])
        assert "Phản hồi" in wb.sheetnames
        # the corrected file and the late one are applied, a rerun changes nothing
        assert rnd.resend_changes > 1 and rnd.last_run_changes == 0
        assert rnd.status_after[refused] == rnd.status_after[missing] == R.STATUS_LATE
    assert res.second_run_changes == 0

    # the register of each period, as kept in the master
    end = dt.date(2026, 1, 31)
    states = {p: {s.unit: (s.compute_status(end), s.returns) for s in R.of_period(res.register, p)}
              for p in ("Quý I/2025", "6 tháng/2025", "Quý III/2025", "Năm 2025")}
    on_time = (R.STATUS_ON_TIME, 1)
    assert states["Quý I/2025"] == {"VP": on_time, "VHXH": (R.STATUS_LATE, 3), "KT": (R.STATUS_LATE, 1),
                                    "PVHCC": on_time}
    assert states["Quý III/2025"] == {"VP": (R.STATUS_LATE, 3), "VHXH": on_time, "KT": on_time,
                                      "PVHCC": (R.STATUS_LATE, 1)}
    assert states["6 tháng/2025"] == states["Năm 2025"] == {u: on_time for u in ("VP", "VHXH", "KT", "PVHCC")}
    fixed = next(s for s in R.of_period(res.register, "Quý I/2025") if s.unit == "VHXH")
    assert fixed.file.endswith("_phan_hoi.xlsx") and fixed.refused_cells == 0

    # each period's corrected note was applied: the audit sheet logs it (Năm's units typed over it later)
    data = read_master(res.master)
    audit = [str(c.value) for row in load_workbook(res.master)[S.SHEET_AUDIT].iter_rows() for c in row
             if c.value is not None]
    for label in ("Quý I/2025", "Quý III/2025"):
        assert f"Minh chứng ({label}): http://quangson.example.gov.vn/minh-chung" in audit, label
    assert not any(v.startswith("=HYPERLINK") for v in audit)      # the refused formula never got in

    # every period is closed the day after its cut-off; each period's figures in their own column,
    # the year adds up to seed 003's
    from cchc_xl.core.periods import periods_of_year
    from cchc_xl.report.data import build_report

    q1, _h6, _q3, year = periods_of_year(2025)
    snaps = data.history.snapshots
    assert [s.period.code for s in snaps] == ["Q1-2025", "6T-2025", "Q3-2025", "NAM-2025"]
    assert all(s.current for s in snaps)
    assert [s.taken_at.date() for s in snaps] == [dt.date(2025, 3, 15), dt.date(2025, 6, 15),
                                                  dt.date(2025, 9, 15), dt.date(2025, 12, 15)]
    assert data.indicators.of(q1)["hs_tiep_nhan"] == 310 and data.indicators.of(year)["hs_tiep_nhan"] == 1268

    # the trend grows at every cut-off, from tasks finished early in Quý I
    rep = build_report(data.plan, year, history=data.history, indicators=data.indicators)
    done = [r.done for r in rep.trend]
    assert done == [compute.progress(s.tasks, s.period.end).done for s in snaps]
    assert [f.code for f in rep.indicator_findings] == ["indicator_rate_mismatch"]   # 96,22 % of seed 003
    assert [r.label for r in rep.trend] == ["Quý I/2025", "6 tháng/2025", "Quý III/2025", "Năm 2025"]
    assert done[0] > 0 and all(a < b for a, b in zip(done, done[1:])), done
    assert [r.gained for r in rep.trend][1:] == [b - a for a, b in zip(done, done[1:])]
    text = "\n".join(p.text for p in Document(res.report_docx).paragraphs)
    cells = {c.text for t in Document(res.report_docx).tables for row in t.rows for c in row.cells}
    assert f"Quý I/2025: {done[0]}/52 nhiệm vụ" in text
    assert f"Năm 2025: {done[3]}/52 nhiệm vụ" in text and f"tăng {done[3] - done[2]} nhiệm vụ" in text
    assert {str(d) for d in done} <= cells and {"Quý I/2025", "Quý III/2025"} <= cells
    assert f"đã hoàn thành {done[3]}/52 nhiệm vụ" in text and "1.268 hồ sơ" in text
    ws = load_workbook(res.master)[S.SHEET_REPORT]
    assert len(ws._charts) == 3
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    head = next(i for i, r in enumerate(rows) if r[0] == "VIII. KẾT QUẢ LŨY KẾ QUA CÁC KỲ BÁO CÁO")
    trend = [r for r in rows[head:] if isinstance(r[0], int)][:4]
    assert [r[1].split(" (")[0] for r in trend] == ["Quý I/2025", "6 tháng/2025", "Quý III/2025", "Năm 2025"]
    assert [r[3] for r in trend] == done                            # cumulative
    assert [r[4] for r in trend] == [done[0]] + [b - a for a, b in zip(done, done[1:])]   # within the period
    summary = dict(res.summary)
    assert summary["Quý I/2025: Gửi lại có ô sai"].startswith("KT chưa gửi đúng hạn, VHXH: 1 ô bị từ chối")
    assert "Quý III/2025: Phiếu đã sửa" in summary and summary["Năm 2025: Tổng hợp lần 2"].startswith("0 ô")


def period_code(label: str) -> str:
    from cchc_xl.core.periods import parse_period

    return parse_period(label).code


def test_year_progress_is_monotone_and_inside_the_year():
    """Tasks finished early stay finished with the same date; all dates lie in the plan year and
    not after the cut-off; finished counts grow at every cut-off."""
    from cchc_xl.core.periods import periods_of_year
    from cchc_xl.demo import year_progress
    from cchc_xl.importers.sample import sample_plan

    plan = sample_plan()
    before: dict[str, dt.date] = {}
    counts = []
    for p in periods_of_year(2025):
        sim = year_progress(plan, p.end)
        done = {t.id: t.completed_on for t in sim.tasks if t.status == Status.DONE}
        assert all(d is not None and dt.date(2025, 1, 1) <= d <= p.end for d in done.values())
        assert all(done.get(k) == v for k, v in before.items())
        before = done
        counts.append(compute.progress(sim.tasks, p.end).done)
    assert counts[0] > 0 and counts == sorted(set(counts)), counts
