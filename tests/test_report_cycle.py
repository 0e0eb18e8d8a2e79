"""The reporting cycle across a year: what a closed report keeps, what it says about its data,
and the checks between periods (found by walking a whole year as an official would)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from cchc_xl.cli import app as main_app
from cchc_xl.core import schema as S
from cchc_xl.core.indicators import SHEET as IND_SHEET, check_sheet
from cchc_xl.core.models import Status
from cchc_xl.core.periods import periods_of_year
from cchc_xl.importers.sample import sample_plan, sample_progress
from cchc_xl.report.data import build_report
from cchc_xl.report.periodic import indicator_text
from cchc_xl.workbook.master import read_master, write_master

Q1, H6, Q3, YEAR = periods_of_year(2025)


def run(*args: object):
    return CliRunner().invoke(main_app, [str(a) for a in args], env={"COLUMNS": "250"})


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def flat(output: str) -> str:
    return " ".join(output.split())


@pytest.fixture()
def master(tmp_path) -> Path:
    return write_master(sample_progress(sample_plan(), Q1.end), tmp_path / "So.xlsx", as_of=Q1.end)


def set_done(master: Path, task_id: str, day: dt.date) -> None:
    wb = load_workbook(master)
    ws = wb[S.SHEET_TASKS]
    r = next(r for r in range(S.FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, 1).value == task_id)
    ws.cell(r, S.col_index(S.TASK_COLUMNS, "status"), value=Status.DONE.value)
    ws.cell(r, S.col_index(S.TASK_COLUMNS, "progress"), value=100)
    ws.cell(r, S.col_index(S.TASK_COLUMNS, "completed_on"), value=day)
    wb.save(master)


def set_indicators(master: Path, values: dict) -> None:
    """{(period, key): value} typed into "Số liệu" as an official would."""
    data = read_master(master)
    wb = load_workbook(master)
    for (period, key), v in values.items():
        wb[IND_SHEET][data.indicators.cell(period, key)] = v
    wb.save(master)


def open_task(master: Path) -> str:
    plan = read_master(master).plan
    return next(t.id for t in plan.tasks if t.status == Status.NOT_STARTED and t.due and t.due > Q1.end)


def test_a_period_closed_early_says_so(master, tmp_path, clock):
    """chot-ky run before the cut-off holds the data of that moment: a report made after the
    cut-off from it must not claim "số liệu đến 14/03" silently."""
    clock["now"] = dt.datetime(2025, 3, 10, 9, 0)
    assert run("chot-ky", master, "--ky", "Quý I/2025").exit_code == 0
    set_done(master, open_task(master), dt.date(2025, 3, 12))         # done before the cut-off
    clock["now"] = dt.datetime(2025, 3, 16, 8, 0)
    res = run("bao-cao", master, "--ky", "Quý I/2025", "--word", tmp_path / "q1.docx")
    out = flat(res.output)
    assert res.exit_code == 0, out
    assert "được chốt lúc 10/03/2025" in out and "trước ngày chốt số liệu 14/03/2025" in out and "--ghi-de" in out
    text = " ".join(p.text for p in Document(str(tmp_path / "q1.docx")).paragraphs)
    assert "trước ngày chốt số liệu 14/03/2025" in text and "(số liệu đến 14/03/2025)" not in text


def test_figures_for_a_closed_period_need_ghi_de(master, tmp_path, clock):
    """A closed period's report is re-issued as sent; new "Số liệu" for it would change it."""
    assert run("bao-cao", master, "--ky", "Quý I/2025", "--word", tmp_path / "q1.docx").exit_code == 0
    src = tmp_path / "pakn.xlsx"
    wb = Workbook()
    wb.active.append(["Chỉ tiêu", "Số lượng"])
    wb.active.append(["Phản ánh, kiến nghị về quy định TTHC tiếp nhận", 3])
    wb.save(src)
    before = sha(master)
    res = run("nhap-so-lieu", master, "--tu-tep", src, "--ky", "Quý I/2025")
    out = flat(res.output)
    assert res.exit_code == 1 and "Kỳ Quý I/2025 đã chốt lúc" in out and "--ghi-de" in out
    assert sha(master) == before
    res = run("nhap-so-lieu", master, "--tu-tep", src, "--ky", "Quý I/2025", "--ghi-de")
    assert res.exit_code == 0 and "đã chốt" in flat(res.output)
    # a period not closed takes the same figures without a word
    assert run("nhap-so-lieu", master, "--tu-tep", src, "--ky", "6 tháng 2025").exit_code == 0


@pytest.mark.parametrize("values, outer", [
    ({(Q1, "pakn_tiep_nhan"): 3, (H6, "pakn_tiep_nhan"): 0}, "6 tháng/2025"),
    ({(H6, "hs_tiep_nhan"): 600, (Q3, "hs_tiep_nhan"): 500, (YEAR, "hs_tiep_nhan"): 1000}, "Năm 2025"),
    ({(Q1, "dn_thanh_lap"): 12, (YEAR, "dn_thanh_lap"): 5, (H6, "dn_thanh_lap"): 12}, "Năm 2025"),
], ids=["6-thang-below-Q1", "year-below-6-thang-plus-Q3", "year-below-6-thang"])
def test_a_period_with_less_than_a_period_it_contains(master, values, outer):
    set_indicators(master, values)
    data = read_master(master)
    found = [f for f in check_sheet(data.indicators, file=master.name) if f.code == "indicator_period_contains"]
    assert found and all(outer in f.message for f in found), [f.message for f in found]
    period = next(p for (p, _k) in values if p.short_label == outer)
    rep = build_report(data.plan, period, indicators=data.indicators)
    assert any(f.code == "indicator_period_contains" for f in rep.indicator_findings)


@pytest.mark.parametrize("values", [
    {(Q1, "tthc_tong"): 120, (YEAR, "tthc_tong"): 110},        # procedures: a stock, not a flow
    # disbursement is reported "lũy kế từ đầu năm" every period: the year is not 6 tháng + Quý III
    {(H6, "gn_thuc_hien"): 5.4, (Q3, "gn_thuc_hien"): 8.3, (YEAR, "gn_thuc_hien"): 10.55},
], ids=["stock", "year-to-date"])
def test_stocks_and_year_to_date_amounts_are_not_added_across_periods(master, values):
    set_indicators(master, values)
    data = read_master(master)
    assert not [f for f in check_sheet(data.indicators) if f.code == "indicator_period_contains"]


def test_a_replaced_snapshot_behind_a_closed_report_is_said(master, tmp_path, clock):
    """6 tháng was closed with Quý I's snapshot; Quý I is closed again later (--ghi-de): the
    6-tháng report keeps its figures and says that Quý I's now differ."""
    assert run("bao-cao", master, "--ky", "Quý I/2025", "--word", tmp_path / "a.docx").exit_code == 0
    clock["now"] = dt.datetime(2025, 6, 16, 8, 0)
    assert run("bao-cao", master, "--ky", "6 tháng 2025", "--word", tmp_path / "b.docx").exit_code == 0
    set_done(master, open_task(master), dt.date(2025, 3, 1))
    assert run("chot-ky", master, "--ky", "Quý I/2025", "--ghi-de").exit_code == 0
    res = run("bao-cao", master, "--ky", "6 tháng 2025", "--word", tmp_path / "c.docx")
    out = flat(res.output)
    assert res.exit_code == 0 and "đã được thay thế" in out and "Quý I/2025" in out, out
    paras = lambda p: [x.text for x in Document(str(p)).paragraphs]  # noqa: E731
    assert paras(tmp_path / "b.docx") == paras(tmp_path / "c.docx")     # the closed report as it was sent


def test_a_draft_says_in_the_document_that_its_figures_are_not_closed(master, tmp_path, clock):
    res = run("bao-cao", master, "--ky", "Quý III/2025", "--word", tmp_path / "d.docx", "--khong-ghi-so")
    assert res.exit_code == 0, res.output
    text = " ".join(p.text for p in Document(str(tmp_path / "d.docx")).paragraphs)
    assert "Số liệu nhiệm vụ trong báo cáo này chưa chốt" in text


def test_a_dashboard_date_other_than_the_reports_is_said(master, tmp_path, clock):
    """'Tổng quan' counts at its own Ngày số liệu (14/03 here); a report of 6 tháng says so."""
    res = run("bao-cao", master, "--ky", "6 tháng 2025", "--word", tmp_path / "e.docx", "--khong-ghi-so")
    out = flat(res.output)
    assert res.exit_code == 0 and "là 14/03/2025, khác ngày chốt số liệu của kỳ 6 tháng/2025 (14/06/2025)" in out


def test_none_is_said_as_none():
    t = indicator_text({"vb_ban_hanh": 0, "vb_gop_y": 2}, Q3)
    assert "không ban hành văn bản quy phạm pháp luật nào" in t.institution and "ban hành 0" not in t.institution


def test_bao_cao_without_a_period_takes_the_dashboards_like_the_button(master, tmp_path, clock):
    """No --ky and no "Kỳ báo cáo": the period of "Ngày số liệu" (14/03/2025 here: Quý I), as
    the button picks it - not the period of today's date (a report of another year)."""
    res = run("bao-cao", master, "--word", tmp_path / "r.docx", "--khong-ghi-so")
    out = flat(res.output)
    assert res.exit_code == 0, out
    assert "Quý I/2025" in out and "2026" not in out
