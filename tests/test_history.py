"""Snapshots at each period's cut-off (sheet "Lịch sử"): taken by chot-ky or by the first
bao-cao after the cut-off, never overwritten silently, kept by every command, and the
base of reproducible reports and of the trend Quý I -> 6 tháng -> Quý III -> Năm."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from typer.testing import CliRunner

from cchc_xl.cli import app as main_app
from cchc_xl.core import compute
from cchc_xl.core import history as H
from cchc_xl.core import schema as S
from cchc_xl.core.models import Status
from cchc_xl.core.periods import periods_of_year
from cchc_xl.demo import fill_returned_workbook
from cchc_xl.importers.sample import sample_plan, sample_progress
from cchc_xl.report.data import build_report
from cchc_xl.report.word import write_report_docx
from cchc_xl.workbook.master import read_master, write_master

Q1, H6, Q3, YEAR = periods_of_year(2025)


def run(*args: object):
    return CliRunner().invoke(main_app, [str(a) for a in args], env={"COLUMNS": "250"})


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def master(tmp_path) -> Path:
    plan = sample_progress(sample_plan(), Q1.end)
    return write_master(plan, tmp_path / "So.xlsx", as_of=Q1.end)


def set_tracking(master: Path, task_id: str, status: Status, done_on: dt.date | None) -> None:
    """Change a task's tracking in the master as an official would (cells of "Phân công")."""
    wb = load_workbook(master)
    ws = wb[S.SHEET_TASKS]
    st_col = S.col_index(S.TASK_COLUMNS, "status")
    dt_col = S.col_index(S.TASK_COLUMNS, "completed_on")
    pr_col = S.col_index(S.TASK_COLUMNS, "progress")
    for r in range(S.FIRST_DATA_ROW, ws.max_row + 1):
        if ws.cell(row=r, column=1).value == task_id:
            ws.cell(row=r, column=st_col, value=status.value)
            ws.cell(row=r, column=dt_col, value=done_on)
            ws.cell(row=r, column=pr_col, value=100 if status == Status.DONE else 50)
            break
    else:
        raise AssertionError(task_id)
    wb.save(master)


# ---------------------------------------------------------------- core

def test_snapshot_rows_read_back_exactly():
    plan = sample_progress(sample_plan(), Q3.end)
    snap = H.take(plan, Q3, dt.datetime(2025, 9, 15, 7, 30, 12, 999))
    header = [None] * 3 + [H.HEADER]
    rows = [tuple(r) for r in header[3:]] + [tuple(r) for r in H.rows(snap)]
    hist = H.read([("title",), (), ()] + rows)
    assert hist.findings == []
    [back] = hist.snapshots
    assert back.taken_at == dt.datetime(2025, 9, 15, 7, 30, 12)
    assert back.tasks == plan.tasks and back.remediation == plan.remediation
    assert back.current and hist.current(Q3) == back and hist.current(Q1) is None


def test_damaged_snapshot_row_is_reported_and_that_snapshot_ignored():
    plan = sample_progress(sample_plan(), Q1.end)
    rows = [H.HEADER] + [tuple(r) for r in H.rows(H.take(plan, Q1, dt.datetime(2025, 3, 15)))]
    broken = list(rows[3])
    broken[H.DATA_COL - 1] = '{"id": "II-01", "area": "99"}'
    rows[3] = tuple(broken)
    hist = H.read(rows, file="So.xlsx")
    assert hist.snapshots == []
    [f] = hist.findings
    assert f.code == "history_bad_row" and f.sheet == "Lịch sử" and f.cell == "dòng 4"


# ---------------------------------------------------------------- chot-ky

def test_chot_ky_refuses_to_retake_and_ghi_de_keeps_the_old_one(master, clock):
    res = run("chot-ky", master, "--ky", "Quý I/2025")
    assert res.exit_code == 0, res.output
    assert "Đã chốt số liệu kỳ Quý I/2025" in res.output
    before = sha(master)
    again = run("chot-ky", master, "--ky", "q1-2025")
    assert again.exit_code == 1
    assert "đã được chốt số liệu lúc 16/03/2025 08:01:00" in again.output and "--ghi-de" in again.output
    assert sha(master) == before                      # nothing changed
    set_tracking(master, read_master(master).plan.tasks[0].id, Status.DONE, dt.date(2025, 3, 10))
    res = run("chot-ky", master, "--ky", "Quý I/2025", "--ghi-de")
    assert res.exit_code == 0, res.output
    hist = read_master(master).history
    assert [(s.taken_at.minute, s.current) for s in hist.snapshots] == [(1, False), (3, True)]
    assert hist.snapshots[0].superseded_at == dt.datetime(2025, 3, 16, 8, 3)
    old, new = hist.snapshots
    assert compute.progress(new.tasks, Q1.end).done == compute.progress(old.tasks, Q1.end).done + 1
    ws = load_workbook(master)["Lịch sử"]
    marks = {ws.cell(row=r, column=4).value for r in range(5, ws.max_row + 1)}
    assert marks == {"Đang dùng", "Đã thay thế lúc 16/03/2025 08:03:00"}
    assert ws.protection.sheet and ws.column_dimensions["O"].hidden


def test_chot_ky_before_cutoff_warns(master, clock):
    clock["now"] = dt.datetime(2025, 3, 10, 9, 0)
    res = run("chot-ky", master, "--ky", "Quý I/2025")
    assert res.exit_code == 0
    assert "trước ngày chốt số liệu 14/03/2025" in res.output


def test_chot_ky_bad_period_and_missing_file(master, tmp_path, clock):
    res = run("chot-ky", master, "--ky", "Quý II/2025")
    assert res.exit_code == 1 and "6 tháng" in res.output and "Traceback" not in res.output
    res = run("chot-ky", tmp_path / "khong_co.xlsx", "--ky", "Quý I/2025")
    assert res.exit_code == 1 and "Không tìm thấy" in res.output


def _spoil(master: Path, cells: dict[str, object]) -> None:
    """Type values the reader cannot read into cells of "Phân công" (by column key, first task rows)."""
    wb = load_workbook(master)
    ws = wb[S.SHEET_TASKS]
    for i, (key, value) in enumerate(cells.items()):
        ws[f"{S.col_letter(S.TASK_COLUMNS, key)}{S.FIRST_DATA_ROW + i}"] = value
    wb.save(master)


@pytest.mark.parametrize("command", [
    ("chot-ky", "--ky", "Quý I/2025"),
    ("bao-cao", "--ky", "Quý I/2025"),                 # the first report after the cut-off closes the period
    ("chot-ky", "--ky", "Quý I/2025", "--ghi-de"),
])
@pytest.mark.parametrize("bad", [
    {"status": "Xong rồi"},                                          # an official's own word for "done"
    {"status": "Chưa rõ", "completed_on": "31/02/2025"},             # two cells, two rows
])
def test_no_period_is_closed_while_cells_are_unreadable(master, tmp_path, clock, command, bad):
    """A snapshot would keep an unreadable cell's wrong value forever: closing a period (chot-ky, or
    bao-cao closing it) is refused naming each cell (file, sheet, cell, value); the master is unchanged."""
    _spoil(master, bad)
    before = sha(master)
    res = run(command[0], master, *command[1:], *(["--word", tmp_path / "a.docx"] if command[0] == "bao-cao"
                                                  else []))
    out = " ".join(res.output.split())
    assert res.exit_code == 1, res.output
    assert "Không chốt số liệu kỳ Quý I/2025" in out and "Traceback" not in out
    for i, (key, value) in enumerate(bad.items()):
        cell = f"{S.col_letter(S.TASK_COLUMNS, key)}{S.FIRST_DATA_ROW + i}"
        assert f"'{value}'" in out and f"trang '{S.SHEET_TASKS}', ô {cell}" in out and master.name in out
    assert sha(master) == before and read_master(master).history.snapshots == []
    assert not (tmp_path / "a.docx").exists()


def test_unreadable_cells_are_named_when_nothing_is_closed(master, tmp_path, clock):
    """bao-cao that closes nothing (--khong-ghi-so) still reports, and names each unreadable cell."""
    _spoil(master, {"status": "Xong rồi", "progress": "tám mươi"})
    res = run("bao-cao", master, "--ky", "Quý I/2025", "--khong-ghi-so", "--word", tmp_path / "a.docx")
    out = " ".join(res.output.split())
    assert res.exit_code == 0, res.output
    assert "2 ô không đọc được" in out
    for cell, value in ((f"{S.col_letter(S.TASK_COLUMNS, 'status')}{S.FIRST_DATA_ROW}", "Xong rồi"),
                        (f"{S.col_letter(S.TASK_COLUMNS, 'progress')}{S.FIRST_DATA_ROW + 1}", "tám mươi")):
        assert f"ô {cell}" in out and value in out


# ---------------------------------------------------------------- bao-cao reproducible

def _report_cells(master: Path) -> list[tuple]:
    ws = load_workbook(master)[S.SHEET_REPORT]
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def test_rerun_report_gives_the_same_numbers_after_tracking_changed(master, tmp_path, clock):
    res = run("bao-cao", master, "--ky", "Quý I/2025", "--word", tmp_path / "a.docx")
    assert res.exit_code == 0, res.output
    assert "Đã chốt số liệu kỳ Quý I/2025" in res.output       # first report after the cut-off closes it
    first = build_report(read_master(master).plan, Q1, history=read_master(master).history)
    cells_first = _report_cells(master)
    # the official then records a completion dated inside Q1 and cancels another task
    plan = read_master(master).plan
    open_tasks = [t for t in plan.tasks if compute.task_state(t, Q1.end) != "done"]
    set_tracking(master, open_tasks[0].id, Status.DONE, dt.date(2025, 3, 1))
    set_tracking(master, open_tasks[1].id, Status.CANCELLED, None)
    live = build_report(read_master(master).plan, Q1)
    assert (live.summary.done, live.summary.total) != (first.summary.done, first.summary.total)
    res = run("bao-cao", master, "--ky", "Quý I/2025", "--word", tmp_path / "b.docx")
    assert res.exit_code == 0, res.output
    assert "Đã chốt số liệu kỳ" not in res.output and "theo bản chốt lúc 16/03/2025 08:01:00" in res.output
    again = build_report(read_master(master).plan, Q1, history=read_master(master).history)
    assert again.summary == first.summary and again.by_unit == first.by_unit
    assert again.by_area == first.by_area and again.remediation_total == first.remediation_total
    assert _report_cells(master) == cells_first
    text_a = "\n".join(p.text for p in Document(tmp_path / "a.docx").paragraphs)
    text_b = "\n".join(p.text for p in Document(tmp_path / "b.docx").paragraphs)
    assert text_a == text_b


def test_report_before_cutoff_is_not_closed(master, tmp_path, clock):
    clock["now"] = dt.datetime(2025, 3, 14, 9, 0)          # on the cut-off day itself: still open
    res = run("bao-cao", master, "--ky", "Quý I/2025", "--word", tmp_path / "a.docx")
    assert res.exit_code == 0, res.output
    assert "Kỳ chưa chốt số liệu" in res.output
    assert read_master(master).history.snapshots == []


def test_khong_ghi_so_never_closes(master, tmp_path, clock):
    res = run("bao-cao", master, "--ky", "Quý I/2025", "--khong-ghi-so", "--word", tmp_path / "a.docx")
    assert res.exit_code == 0, res.output
    assert read_master(master).history.snapshots == []


@pytest.mark.parametrize("later", ["close Q1 after", "re-close Q1 after"])
def test_closed_report_reissues_the_same_trend(master, tmp_path, clock, later):
    """A closed period's report keeps its figures: an earlier period closed (or closed again) after
    it does not change its trend rows, and a row computed from this period's snapshot says so."""
    ids = [t.id for t in read_master(master).plan.tasks if compute.task_state(t, Q1.end) != "done"][:2]
    set_tracking(master, ids[0], Status.DONE, dt.date(2025, 2, 10))        # completions dated in Quý I
    set_tracking(master, ids[1], Status.DONE, dt.date(2025, 3, 1))
    if later == "re-close Q1 after":
        assert run("chot-ky", master, "--ky", "Quý I/2025").exit_code == 0
    clock["now"] = dt.datetime(2025, 6, 16, 8, 0)
    res = run("bao-cao", master, "--ky", "6 tháng 2025", "--word", tmp_path / "a.docx")
    assert res.exit_code == 0, res.output
    first = build_report(read_master(master).plan, H6, history=read_master(master).history).trend
    cells_first = _report_cells(master)
    q1 = first[0]
    if later == "close Q1 after":
        assert not q1.closed and q1.basis_label == "Theo bản chốt 6 tháng/2025"
        assert "từ bản chốt lúc 16/06/2025 08:01:00" in q1.source and "Chưa chốt" not in q1.source
    else:
        assert q1.closed and q1.basis_label == "Đã chốt" and "16/03/2025 08:01:00" in q1.source
    # the official then undoes a completion dated in Quý I and closes Quý I from the current data
    set_tracking(master, ids[0], Status.NOT_STARTED, None)
    res = run("chot-ky", master, "--ky", "Quý I/2025", *(["--ghi-de"] if later == "re-close Q1 after" else []))
    assert res.exit_code == 0, res.output
    hist = read_master(master).history
    assert compute.progress(hist.current(Q1).tasks, Q1.end).done == q1.done - 1
    res = run("bao-cao", master, "--ky", "6 tháng 2025", "--word", tmp_path / "b.docx")
    assert res.exit_code == 0, res.output
    again = build_report(read_master(master).plan, H6, history=read_master(master).history).trend
    assert again == first
    assert _report_cells(master) == cells_first
    text_a = [p.text for p in Document(tmp_path / "a.docx").paragraphs]
    table_a = [[c.text for c in r.cells] for t in Document(tmp_path / "a.docx").tables for r in t.rows]
    assert text_a == [p.text for p in Document(tmp_path / "b.docx").paragraphs]
    assert table_a == [[c.text for c in r.cells] for t in Document(tmp_path / "b.docx").tables for r in t.rows]
    # the Quý I report itself uses its new snapshot
    assert build_report(read_master(master).plan, Q1, history=hist).summary.done == q1.done - 1


# ---------------------------------------------------------------- survives every command

def test_history_and_indicators_survive_every_command(tmp_path, clock):
    out = tmp_path / "so"
    out.mkdir()
    m = out / "So.xlsx"
    assert run("khoi-tao", "--mau", "--ra", m).exit_code == 0
    xlsx = tmp_path / "so_lieu.xlsx"
    from openpyxl import Workbook
    wb = Workbook()
    wb.active.append(["Hồ sơ TTHC tiếp nhận", 120])
    wb.active.append(["Hồ sơ tiếp nhận trực tuyến", 100])
    wb.save(xlsx)
    assert run("nhap-so-lieu", m, "--tu-tep", xlsx, "--ky", "Quý I/2025").exit_code == 0
    assert run("chot-ky", m, "--ky", "Quý I/2025").exit_code == 0

    def state():
        d = read_master(m)
        return ([(s.period.code, s.taken_at, s.current, len(s.tasks)) for s in d.history.snapshots],
                d.indicators.values)

    kept = state()
    assert kept[0] and kept[1] == {"Q1-2025": {"hs_tiep_nhan": 120.0, "hs_truc_tuyen": 100.0}}
    res = run("tao-phieu", m, "--ky", "Quý III/2025", "--ra", out / "phieu")
    assert res.exit_code == 0, res.output
    assert state() == kept
    simulated = sample_progress(read_master(m).plan, Q3.end)
    inbox = out / "ve"
    for f in sorted((out / "phieu").glob("*.xlsx")):
        fill_returned_workbook(f, inbox / f.name, simulated)
    res = run("tong-hop", m, inbox)
    assert "Traceback" not in res.output
    assert any(t.status != Status.NOT_STARTED for t in read_master(m).plan.tasks)   # it did write
    assert state() == kept
    assert run("bao-cao", m, "--ky", "Quý I/2025", "--word", out / "bc.docx").exit_code == 0
    assert state() == kept                                  # Q1 already closed: nothing added
    res = run("khoi-tao", "--mau", "--ra", m, "--ghi-de")
    assert res.exit_code == 0, res.output
    assert "Giữ lại từ sổ cũ: 2 số liệu" in res.output
    assert state() == kept


# ---------------------------------------------------------------- trend across the year

def test_annual_report_trend_uses_each_snapshot(tmp_path):
    base = sample_plan()
    hist = H.History(snapshots=[H.take(sample_progress(base, p.end), p, dt.datetime.combine(p.end, dt.time(17)))
                                for p in periods_of_year(2025)])
    # the live data at year end differ from every snapshot: the trend must not use them
    live = sample_progress(base, dt.date(2025, 12, 31))
    rep = build_report(live, YEAR, history=hist)
    done = [compute.progress(s.tasks, s.period.end).done for s in hist.snapshots]
    assert done == sorted(done) and done[0] < done[-1]          # the sample progresses through the year
    assert [r.label for r in rep.trend] == ["Quý I/2025", "6 tháng/2025", "Quý III/2025", "Năm 2025"]
    assert [r.done for r in rep.trend] == done
    assert [r.gained for r in rep.trend] == [done[0]] + [b - a for a, b in zip(done, done[1:])]
    assert all(r.closed for r in rep.trend)
    assert rep.summary.done == done[-1]
    # a Quý III report shows only the periods up to it
    assert [r.code for r in build_report(live, Q3, history=hist).trend] == ["Q1-2025", "6T-2025", "Q3-2025"]
    # without a snapshot a period is computed from the current data and marked as such
    partial = H.History(snapshots=hist.snapshots[:1])
    trend = build_report(live, H6, history=partial).trend
    assert [r.closed for r in trend] == [True, False]
    assert trend[1].done == compute.progress(live.tasks, H6.end).done
    doc = write_report_docx(rep, tmp_path / "nam.docx", commune="xã Quảng Sơn", province="tỉnh Lâm Đồng")
    text = "\n".join(p.text for p in Document(doc).paragraphs)
    assert "Kết quả hoàn thành lũy kế qua các kỳ: Quý I/2025" in text
    assert f"Năm 2025: {done[-1]}/" in text
    table = [[c.text for c in row.cells] for t in Document(doc).tables for row in t.rows
             if row.cells[0].text in ("Kỳ", "Quý I/2025", "Năm 2025")]
    assert table[0][:4] == ["Kỳ", "Ngày chốt", "Tổng số", "Hoàn thành lũy kế"]
    assert table[-1][0] == "Năm 2025" and table[-1][3] == str(done[-1])


def test_report_sheet_has_trend_table_and_chart(tmp_path):
    from cchc_xl.report.sheet import report_layout

    base = sample_plan()
    hist = H.History(snapshots=[H.take(sample_progress(base, p.end), p, dt.datetime.combine(p.end, dt.time(17)))
                                for p in periods_of_year(2025)])
    rep = build_report(base, YEAR, history=hist)
    lay = report_layout(rep)
    ref = lay.tables["trend"]
    labels = [lay.cells[(r, 2)] for r in range(ref.first_row, ref.last_row + 1)]
    assert labels == ["Quý I/2025 (14/03/2025)", "6 tháng/2025 (14/06/2025)", "Quý III/2025 (14/09/2025)",
                      "Năm 2025 (14/12/2025)"]
    assert [lay.cells[(r, 4)] for r in range(ref.first_row, ref.last_row + 1)] == [r.done for r in rep.trend]
    assert any(c.title == "Tỷ lệ hoàn thành lũy kế qua các kỳ" and c.first_row == ref.first_row
               for c in lay.charts)


# ---------------------------------------------------------------- the whole year, end to end

# the whole-year demo (every period closed, trend, late/refused units) is tested in tests/test_demo.py


def test_khoi_tao_ghi_de_over_an_unreadable_master(tmp_path):
    m = tmp_path / "So.xlsx"
    m.write_bytes(b"khong phai xlsx")
    res = run("khoi-tao", "--mau", "--ra", m, "--ghi-de")
    assert res.exit_code == 0, res.output
    assert "không đọc được sổ cũ" in res.output and "Traceback" not in res.output
    data = read_master(m)
    assert data.history.snapshots == [] and data.indicators.values == {}
    assert list((tmp_path / "sao_luu").glob("So_*.xlsx"))          # the old file is kept


@pytest.mark.libreoffice
@pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
def test_history_sheet_summary_formulas_agree_with_the_report_trend(tmp_path):
    """COUNTIFS/ROUND beside the snapshot rows, recalculated by LibreOffice = Python's trend."""
    from cchc_xl.report.pdf import recalculate
    from cchc_xl.workbook import periodbook as PB

    base = sample_plan()
    m = write_master(base, tmp_path / "So.xlsx", as_of=Q1.end)
    wb = load_workbook(m)
    for p in (Q1, H6, Q3):
        PB.append_snapshot(wb, H.take(sample_progress(base, p.end), p, dt.datetime.combine(p.end, dt.time(17))))
    # Q3 closed again later with more done: only the current snapshot counts
    later = sample_progress(base, dt.date(2025, 11, 30))
    PB.append_snapshot(wb, H.take(later, Q3, dt.datetime(2025, 9, 20, 9)))
    wb.save(m)
    hist = read_master(m).history
    assert [s.current for s in hist.snapshots] == [True, True, False, True]
    trend = build_report(base, Q3, history=hist).trend
    ws = load_workbook(recalculate(m, tmp_path / "lo"), data_only=True)["Lịch sử"]
    col = PB.TREND_COL
    got = [(ws.cell(row=r, column=col).value, ws.cell(row=r, column=col + 1).value,
            ws.cell(row=r, column=col + 2).value, ws.cell(row=r, column=col + 3).value) for r in range(5, 9)]
    assert [g[0] for g in got] == ["Quý I/2025", "6 tháng/2025", "Quý III/2025", "Năm 2025"]
    for g, t in zip(got, trend):
        assert (g[1], g[2]) == (t.total, t.done), (g, t)
        assert (g[3] in (None, "") and t.percent is None) or g[3] == pytest.approx(t.percent, abs=1e-9)
    assert trend[2].done > trend[0].done                      # the later Q3 snapshot is the one counted
    assert got[3][1] == 0 and got[3][3] in (None, "")         # Năm not closed yet
