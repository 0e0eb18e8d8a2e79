"""Report data, the "Báo cáo quý" sheet and the Word draft on a hand-built plan.

The plan is reported for "Quý III/2025": data from 15/06/2025 to the cut-off
14/09/2025.  Every expected number below is counted by hand from the task list
(see the comment on each task).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Mm, Pt
from openpyxl import load_workbook
from typer.testing import CliRunner

from cchc_xl.core import schema as S
from cchc_xl.workbook.master import read_master, write_master
from cchc_xl.core.models import (Area, CchcError, IndexArea, IndexCriterion, Plan, PlanInfo,
                            RemediationItem, Status, Task, Unit)
from cchc_xl.core.periods import parse_period, period_for
from cchc_xl.report.data import build_report
from cchc_xl.report.word import write_report_docx
from cchc_xl.report.sheet import report_layout, update_master_report, write_report_sheet

D = dt.date
_RUNNER = CliRunner()
Q3 = period_for("Q3", 2025)           # 15/06/2025 - 14/09/2025, due 20/09/2025


def _task(tid: str, area: Area, title: str, units: list[str], *, lead: str = "", due: dt.date | None,
          status: Status = Status.NOT_STARTED, done_on: dt.date | None = None, progress: float = 0,
          evidence: str = "") -> Task:
    return Task(id=tid, area=area, title=title, lead=lead, lead_units=units, due=due, status=status,
                completed_on=done_on, progress=100 if status == Status.DONE else progress,
                evidence=evidence)


def make_plan() -> Plan:
    """14 tasks, 4 units, the Cẩm Sơn 2023 index (seed 002), 5 remediation items."""
    units = [Unit(code="VP", name="Văn phòng HĐND và UBND xã"),
             Unit(code="VHXH", name="Phòng Văn hóa - Xã hội"),
             Unit(code="PVHCC", name="Trung tâm Phục vụ hành chính công"),
             Unit(code="KT", name="Phòng Kinh tế")]
    A, DONE, IP, ONG, CAN = Area, Status.DONE, Status.IN_PROGRESS, Status.ONGOING, Status.CANCELLED
    tasks = [
        # done before the period
        _task("I-01", A.CHI_DAO, "Ban hành Kế hoạch CCHC năm 2025", ["VP"], due=D(2025, 1, 31),
              status=DONE, done_on=D(2025, 1, 20)),
        # done inside the period
        _task("I-02", A.CHI_DAO, "Ban hành Kế hoạch kiểm tra CCHC", ["VP"], due=D(2025, 9, 30),
              status=DONE, done_on=D(2025, 8, 10), evidence="Kế hoạch số 46/KH-UBND"),
        # done the day before the period starts: done, not "in the period"
        _task("I-03", A.CHI_DAO, "Kiện toàn Ban chỉ đạo CCHC", ["VP"], due=D(2025, 6, 30),
              status=DONE, done_on=D(2025, 6, 14)),
        # overdue: due 30/06, 76 days late on 14/09
        _task("II-01", A.THE_CHE, "Rà soát văn bản quy phạm pháp luật", ["VHXH"], due=D(2025, 6, 30),
              status=IP, progress=50),
        # done on the first day of the period
        _task("II-02", A.THE_CHE, "Tuyên truyền phổ biến pháp luật", ["VHXH"], due=D(2025, 12, 31),
              status=DONE, done_on=D(2025, 6, 15)),
        # done AFTER the cut-off: still in progress as of 14/09
        _task("III-01", A.TTHC, "Số hóa hồ sơ thủ tục hành chính", ["PVHCC"], due=D(2025, 12, 31),
              status=DONE, done_on=D(2025, 9, 20)),
        # two lead units, not started, due the day after the cut-off
        _task("III-02", A.TTHC, "Niêm yết công khai thủ tục hành chính", ["PVHCC", "VP"],
              due=D(2025, 9, 15)),
        # overdue: due 31/08, 14 days late
        _task("IV-01", A.TO_CHUC, "Rà soát chức năng, nhiệm vụ các phòng", ["VP"], due=D(2025, 8, 31)),
        # cancelled: not counted
        _task("V-01", A.CONG_VU, "Tuyển dụng công chức", ["VP"], due=D(2025, 10, 31), status=CAN),
        # done exactly on the cut-off date
        _task("VI-01", A.TAI_CHINH, "Công khai ngân sách", ["KT"], due=D(2025, 7, 31), status=DONE,
              done_on=D(2025, 9, 14)),
        _task("VI-02", A.TAI_CHINH, "Giải ngân vốn đầu tư công", ["KT"], due=D(2025, 12, 31)),
        _task("VII-01", A.CQ_SO, "Vận hành Trang thông tin điện tử", ["KT"], due=D(2025, 12, 31),
              status=ONG, progress=60),
        # no resolved lead unit, done without a completion date
        _task("VII-02", A.CQ_SO, "Cấp chữ ký số cho công chức", [], lead="Tổ chuyển đổi số cộng đồng",
              due=None, status=DONE),
        # due on the cut-off date itself: not overdue yet
        _task("VIII-01", A.TAC_DONG, "Khảo sát sự hài lòng của người dân", ["VHXH"],
              due=D(2025, 9, 14), status=IP, progress=30),
    ]
    # Cẩm Sơn 2023 (seed 002): max / appraised / deducted per area
    seed = [(11, 9.13, 1.87), (7, 6.75, 0.25), (14.5, 12.99, 1.51), (6, 5.5, 0.5),
            (16.5, 14.62, 1.88), (13.5, 12.86, 0.64), (20, 14.27, 5.73), (11.5, 8.96, 2.54)]
    areas = [IndexArea(area=a, max_points=m, appraised=ap, deducted=de) for a, (m, ap, de) in zip(Area, seed)]
    # area 1 criteria as printed in seed 002 (0,7 where 0,07 is meant -> sum 2,5 instead of 1,87)
    crit = [IndexCriterion(area=A.CHI_DAO, name=n, max_points=m, appraised=ap, deducted=de)
            for n, m, ap, de in (("Thực hiện Kế hoạch CCHC", 1.5, 1.43, 0.7),
                                 ("Khắc phục tồn tại năm trước", 2, 1.84, 0.16),
                                 ("Đổi mới, sáng tạo", 2, 0.5, 1.5),
                                 ("Đối thoại với người dân", 1, 0.96, 0.04),
                                 ("Nhiệm vụ cấp trên giao", 1.5, 1.4, 0.1))]
    rem = [RemediationItem(id="KP-01", area=A.CHI_DAO, criterion="Thực hiện Kế hoạch CCHC",
                           status=DONE, completed_on=D(2025, 9, 1)),
           RemediationItem(id="KP-02", area=A.CHI_DAO, criterion="Đổi mới, sáng tạo", status=IP,
                           solution="Khuyến khích sáng kiến", lead="Văn phòng"),
           RemediationItem(id="KP-03", area=A.CQ_SO, criterion="Văn bản ký số", status=DONE,
                           completed_on=D(2025, 9, 30)),           # after the cut-off
           RemediationItem(id="KP-04", area=A.CQ_SO, criterion="Thanh toán trực tuyến"),
           RemediationItem(id="KP-05", area=A.TAC_DONG, criterion="Hài lòng", status=CAN)]
    info = PlanInfo(commune="xã Quảng Sơn", province="tỉnh Lâm Đồng", year=2025,
                    plan_number="149/KH-UBND", plan_date=D(2025, 7, 30), index_year=2023)
    return Plan(info=info, units=units, tasks=tasks, index_areas=areas, index_criteria=crit,
                remediation=rem)


@pytest.fixture(scope="module")
def report():
    return build_report(make_plan(), Q3)


# ---------------------------------------------------------------- report numbers

def test_summary_counts(report):
    s = report.summary
    assert report.as_of == D(2025, 9, 14)
    assert (s.total, s.done, s.in_progress, s.not_started, s.overdue, s.cancelled) == (13, 6, 3, 2, 2, 1)
    assert s.percent == pytest.approx(46.15)


def test_completion_sentence_vietnamese_decimals(report):
    assert report.narrative.completion == \
        "Đến thời điểm báo cáo, đã hoàn thành 6/13 nhiệm vụ, đạt 46,15% kế hoạch đề ra."
    assert "149/KH-UBND ngày 30/07/2025" in report.narrative.plan
    assert "xác định 13 nhiệm vụ" in report.narrative.plan
    assert "Có 1 nhiệm vụ không thực hiện" in report.narrative.breakdown
    # VII-02 is done without a completion date: said apart, not dropped silently
    assert report.narrative.period_done == (
        "Trong kỳ báo cáo (từ ngày 15/06/2025 đến ngày 14/09/2025), đã hoàn thành 3 nhiệm vụ (tính theo "
        "ngày hoàn thành); ngoài ra có 1 nhiệm vụ đã hoàn thành nhưng chưa ghi ngày hoàn thành nên không xác "
        "định được hoàn thành trong kỳ nào (không tính vào số trên).")


def test_completed_within_period_boundaries(report):
    # 15/06 (first day) and 14/09 (cut-off) are inside; 14/06 and 20/09 are not; no date -> not listed
    assert [t.id for t in report.completed_in_period] == ["II-02", "I-02", "VI-01"]


def test_done_after_cutoff_counts_as_in_progress(report):
    line = next(t for t in report.tasks if t.id == "III-01")
    assert line.state == "in_progress"
    later = build_report(make_plan(), period_for("NAM", 2025))     # cut-off 14/12/2025
    assert next(t for t in later.tasks if t.id == "III-01").state == "done"
    assert later.summary.done == 7
    assert "III-01" in [t.id for t in later.completed_in_period]


def test_overdue_list(report):
    assert [(t.id, t.due, t.days_late, t.lead) for t in report.overdue_tasks] == [
        ("II-01", D(2025, 6, 30), 76, "Phòng Văn hóa - Xã hội"),
        ("IV-01", D(2025, 8, 31), 14, "Văn phòng HĐND và UBND xã")]
    assert report.narrative.overdue.startswith("Còn 2 nhiệm vụ quá hạn chưa hoàn thành (chậm nhất 76 ngày)")


def test_by_area(report):
    got = {r.key: (r.total, r.done, r.in_progress, r.not_started, r.overdue, r.cancelled, r.percent)
           for r in report.by_area}
    assert got == {"1": (3, 3, 0, 0, 0, 0, 100.0), "2": (2, 1, 0, 0, 1, 0, 50.0),
                   "3": (2, 0, 1, 1, 0, 0, 0.0), "4": (1, 0, 0, 0, 1, 0, 0.0),
                   "5": (0, 0, 0, 0, 0, 1, None), "6": (2, 1, 0, 1, 0, 0, 50.0),
                   "7": (2, 1, 1, 0, 0, 0, 50.0), "8": (1, 0, 1, 0, 0, 0, 0.0)}


def test_by_unit_multi_unit_task_counts_for_each_unit(report):
    got = [(r.key, r.name, r.total, r.done, r.percent) for r in report.by_unit]
    assert got == [("VP", "Văn phòng HĐND và UBND xã", 5, 3, 60.0),
                   ("VHXH", "Phòng Văn hóa - Xã hội", 3, 1, 33.33),
                   ("PVHCC", "Trung tâm Phục vụ hành chính công", 2, 0, 0.0),
                   ("KT", "Phòng Kinh tế", 3, 1, 33.33),
                   ("(Chưa xác định)", "(Chưa xác định)", 1, 1, 100.0)]
    assert report.by_unit[0].cancelled == 1


def test_upcoming_tasks_of_next_period(report):
    assert report.next_period.kind == "NAM" and report.next_period.year == 2025
    # not done on 14/09 and due from 14/09 to 31/12/2025 (the rest of the year: quý IV)
    assert [t.id for t in report.upcoming] == ["VIII-01", "III-02", "III-01", "VI-02", "VII-01"]


def test_index_deductions_and_checks(report):
    assert report.index_max == pytest.approx(100)
    assert report.index_appraised == pytest.approx(85.08)
    assert report.index_deducted == pytest.approx(14.92)
    first = report.deductions[0]
    assert first.deducted_calc == pytest.approx(1.87)
    assert first.criteria_deducted == pytest.approx(2.5)          # the 0,7 typo of seed 002
    assert "Tổng điểm trừ các tiêu chí (2,5) khác điểm bị trừ của lĩnh vực (1,87)" in first.check
    assert all(d.check == "" for d in report.deductions[1:])
    assert report.narrative.index == (
        "Chỉ số cải cách hành chính năm 2023 của xã đạt 85,08/100 điểm; tổng số điểm bị trừ là 14,92 điểm, "
        "bị trừ nhiều nhất ở các lĩnh vực: Chính quyền số (5,73 điểm), Tác động (2,54 điểm), "
        "Chế độ công vụ (1,88 điểm).")


def test_deduction_larger_than_max_flagged():
    plan = make_plan()
    plan.index_areas[3] = IndexArea(area=Area.TO_CHUC, max_points=6, appraised=5.5, deducted=7)
    rep = build_report(plan, Q3)
    assert "Điểm bị trừ (7) lớn hơn điểm tối đa (6)" in rep.deductions[3].check
    assert "tính lại 0,5" in rep.deductions[3].check


def test_remediation_status(report):
    t = report.remediation_total
    assert (t.total, t.done, t.in_progress, t.not_started, t.cancelled, t.percent) == (4, 1, 2, 1, 1, 25.0)
    rows = {r.key: (r.total, r.done, r.percent) for r in report.remediation_by_area}
    assert rows == {"1": (2, 1, 50.0), "7": (2, 0, 0.0), "8": (0, 0, None)}
    assert [i.id for i in report.remediation_open] == ["KP-02", "KP-03", "KP-04"]
    assert report.narrative.remediation == ("Kế hoạch khắc phục có 4 nội dung; đã hoàn thành 1/4 nội dung "
                                            "(25%), 2 nội dung đang thực hiện, 1 nội dung chưa thực hiện.")


def test_report_json_round_trip(report):
    """The report travels as JSON (xlwings server payloads) without loss."""
    from cchc_xl.report.data import QuarterlyReport

    assert QuarterlyReport.model_validate_json(report.model_dump_json()) == report


def test_layout_grid_matches_cells(report):
    lay = report_layout(report)
    grid = lay.grid()
    assert len(grid) == lay.last_row and all(len(r) == 9 for r in grid)
    assert grid[0][0].startswith("BÁO CÁO KẾT QUẢ")
    t = lay.tables["summary"]
    assert grid[t.first_row - 1][2] == 13
    for (r, c), v in lay.cells.items():
        assert grid[r - 1][c - 1] == v


def test_empty_plan_report():
    rep = build_report(Plan(info=PlanInfo(year=2026)), parse_period("Quý I/2026"))
    assert rep.summary.total == 0 and rep.summary.percent is None
    assert rep.narrative.completion == "Đến thời điểm báo cáo, kế hoạch chưa có nhiệm vụ nào cần thực hiện."
    assert rep.narrative.index == "" and rep.narrative.remediation == ""
    lay = report_layout(rep)
    assert "unit" not in lay.tables and not lay.charts


# ---------------------------------------------------------------- report sheet

def _cell_text(ws, text: str) -> str:
    """Coordinate of the first cell whose value equals ``text``."""
    for row in ws.iter_rows():
        for c in row:
            if c.value == text:
                return c.coordinate
    raise AssertionError(f"không thấy ô '{text}'")


@pytest.fixture()
def master(tmp_path) -> Path:
    path = tmp_path / "So_tong_hop.xlsx"
    write_master(make_plan(), path, make_backup=False)
    return path


def _sheet_snapshot(path: Path) -> dict:
    """Every cell value/formula of every sheet, data validations and defined names."""
    wb = load_workbook(path)
    cells = {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}
    dv = {ws.title: [str(d.sqref) for d in ws.data_validations.dataValidation] for ws in wb.worksheets}
    return {"cells": cells, "dv": dv, "names": sorted(wb.defined_names.keys())}


def test_update_master_report_writes_sheet_with_backup(master, tmp_path):
    before = read_master(master).plan
    snapshot = _sheet_snapshot(master)
    out = update_master_report(master, Q3)
    assert out == master
    backups = list((tmp_path / "sao_luu").glob("So_tong_hop_*.xlsx"))
    assert len(backups) == 1
    wb = load_workbook(master)
    assert S.SHEET_REPORT in wb.sheetnames
    ws = wb[S.SHEET_REPORT]
    assert ws["A1"].value == "BÁO CÁO KẾT QUẢ THỰC HIỆN KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH QUÝ III NĂM 2025"
    assert ws["A3"].value.startswith("Số liệu tính từ ngày 15/06/2025 đến ngày 14/09/2025")
    assert ws["A1"].font.name == "Times New Roman" and ws["A1"].font.bold
    # the rest of the master is untouched (data, dashboard formulas, dropdowns, names)
    assert read_master(master).plan == before
    after = _sheet_snapshot(master)
    del after["cells"][S.SHEET_REPORT], after["dv"][S.SHEET_REPORT]
    assert after == snapshot
    # running it again replaces the sheet instead of adding a second one
    update_master_report(master, Q3)
    names = load_workbook(master).sheetnames
    assert names.count(S.SHEET_REPORT) == 1 and not any(n.startswith(S.SHEET_REPORT + "1") for n in names)


def test_report_sheet_summary_and_tables(master):
    update_master_report(master, Q3)
    ws = load_workbook(master)[S.SHEET_REPORT]
    lay = report_layout(build_report(make_plan(), Q3))
    t = lay.tables["summary"]
    values = [ws.cell(row=r, column=3).value for r in range(t.first_row, t.last_row + 1)]
    assert values == [13, 6, 3, 2, 2, 1, pytest.approx(0.4615), 3, 1]     # 1: VII-02, done, no date
    # a percent with 2 decimals; "[$-42A]" (Vietnamese) gives the decimal comma in LibreOffice
    assert ws.cell(row=t.first_row + 6, column=3).number_format == "[$-42A]0.00%"
    # the completion sentence sits under the summary
    assert ws.cell(row=t.last_row + 1, column=1).value == \
        "Đến thời điểm báo cáo, đã hoàn thành 6/13 nhiệm vụ, đạt 46,15% kế hoạch đề ra."
    area = lay.tables["area"]
    assert ws.cell(row=area.header_row, column=2).value == "Lĩnh vực"
    assert ws.cell(row=area.first_row, column=2).value == "1. Chỉ đạo, điều hành"
    assert [ws.cell(row=area.first_row + 1, column=c).value for c in range(3, 9)] == [2, 1, 0, 0, 1, 0.5]
    assert ws.cell(row=area.last_row + 1, column=2).value == "Tổng cộng"
    assert ws.cell(row=area.last_row + 1, column=3).value == 13
    unit = lay.tables["unit"]
    assert ws.cell(row=unit.first_row, column=2).value == "Văn phòng HĐND và UBND xã"
    assert ws.cell(row=unit.first_row, column=3).value == 5
    ded = lay.tables["deductions"]
    assert ws.cell(row=ded.first_row + 6, column=5).value == pytest.approx(5.73)
    assert "Tổng điểm trừ các tiêu chí" in ws.cell(row=ded.first_row, column=8).value
    assert ws.cell(row=ded.last_row + 1, column=4).value == pytest.approx(85.08)
    over = lay.tables["overdue"]
    assert [ws.cell(row=over.first_row, column=c).value for c in (2, 3, 5)] == \
        ["Rà soát văn bản quy phạm pháp luật", "II-01", 76]
    assert ws.cell(row=over.first_row, column=4).value.date() == D(2025, 6, 30)
    done = lay.tables["done_in_period"]
    assert [ws.cell(row=r, column=3).value for r in range(done.first_row, done.last_row + 1)] == \
        ["II-02", "I-02", "VI-01"]
    rem = lay.tables["remediation"]
    assert ws.cell(row=rem.last_row + 1, column=2).value == "Tổng cộng"
    assert ws.cell(row=rem.last_row + 1, column=8).value == pytest.approx(0.25)
    # borders on table cells
    assert ws.cell(row=area.first_row, column=5).border.left.style == "thin"


def test_report_sheet_charts_reference_tables(master):
    update_master_report(master, Q3)
    ws = load_workbook(master)[S.SHEET_REPORT]
    lay = report_layout(build_report(make_plan(), Q3))
    assert len(ws._charts) == 3
    unit, area = lay.tables["unit"], lay.tables["area"]
    q = "'Báo cáo quý'!"
    by_unit, by_area, trend = ws._charts
    # the trend chart: cumulative completion rate at Quý I, 6 tháng, Quý III
    t = lay.tables["trend"]
    assert trend.series[0].val.numRef.f == f"{q}$G${t.first_row}:$G${t.last_row}"
    assert t.last_row - t.first_row + 1 == 3
    assert by_unit.grouping == "stacked"
    assert [s.val.numRef.f for s in by_unit.series] == [
        f"{q}${col}${unit.first_row}:${col}${unit.last_row}" for col in "DEFG"]
    # series names come from the header cells ("Đã hoàn thành", "Đang thực hiện", ...)
    assert [s.tx.strRef.f.replace("$", "") for s in by_unit.series] == \
        [f"{q}{col}{unit.header_row}" for col in "DEFG"]
    assert [ws[f"{col}{unit.header_row}"].value for col in "DEFG"] == \
        ["Đã hoàn thành", "Đang thực hiện", "Chưa thực hiện", "Quá hạn"]
    assert by_unit.series[0].cat.numRef.f == f"{q}$B${unit.first_row}:$B${unit.last_row}" or \
        by_unit.series[0].cat.strRef.f == f"{q}$B${unit.first_row}:$B${unit.last_row}"
    assert len(by_area.series) == 1
    assert by_area.series[0].val.numRef.f == f"{q}$H${area.first_row}:$H${area.last_row}"
    # the area chart does not include the total row
    assert area.last_row - area.first_row + 1 == 8


def test_report_sheet_print_setup(master):
    update_master_report(master, Q3)
    ws = load_workbook(master)[S.SHEET_REPORT]
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.print_area.startswith("'Báo cáo quý'!$A$1:$I$")
    assert "&P" in ws.oddFooter.center.text


def test_update_master_report_to_other_file(master, tmp_path):
    out = update_master_report(master, Q3, out=tmp_path / "ban_sao.xlsx")
    assert S.SHEET_REPORT in load_workbook(out).sheetnames
    assert S.SHEET_REPORT not in load_workbook(master).sheetnames


def test_update_master_report_bad_file(tmp_path):
    bad = tmp_path / "hong.xlsx"
    bad.write_bytes(b"khong phai excel")
    with pytest.raises(CchcError) as err:
        update_master_report(bad, Q3)
    assert "hong.xlsx" in str(err.value) and "Không mở được" in str(err.value)


def test_write_report_sheet_keeps_sheet_position():
    from cchc_xl.workbook.master import build_master

    wb = build_master(make_plan())
    rep = build_report(make_plan(), Q3)
    write_report_sheet(wb, rep)
    pos = wb.sheetnames.index(S.SHEET_REPORT)
    write_report_sheet(wb, rep)
    assert wb.sheetnames.index(S.SHEET_REPORT) == pos
    assert len(wb.sheetnames) == len(set(wb.sheetnames))


# ---------------------------------------------------------------- Word draft

@pytest.fixture(scope="module")
def docx_path(tmp_path_factory, report) -> Path:
    path = tmp_path_factory.mktemp("word") / "Bao_cao.docx"
    return write_report_docx(report, path, commune="xã Quảng Sơn", province="tỉnh Lâm Đồng",
                             signer_name="Nguyễn Văn A")


def _all_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.extend(p.text for p in cell.paragraphs)
    return "\n".join(parts)


def test_docx_page_setup(docx_path):
    doc = Document(str(docx_path))
    sec = doc.sections[0]
    assert abs(sec.page_width - Mm(210)) < Mm(1) and abs(sec.page_height - Mm(297)) < Mm(1)
    assert Mm(20) - Mm(0.5) <= sec.top_margin <= Mm(25) + Mm(0.5)
    assert Mm(20) - Mm(0.5) <= sec.bottom_margin <= Mm(25) + Mm(0.5)
    assert Mm(30) - Mm(0.5) <= sec.left_margin <= Mm(35) + Mm(0.5)
    assert Mm(15) - Mm(0.5) <= sec.right_margin <= Mm(20) + Mm(0.5)
    normal = doc.styles["Normal"].font
    assert normal.name == "Times New Roman" and Pt(13) <= normal.size <= Pt(14)
    rfonts = doc.styles["Normal"].element.rPr.rFonts
    assert rfonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == \
        "Times New Roman"


def _runs_with(doc, text: str):
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    if text in p.text:
                        return p, p.runs
    for p in doc.paragraphs:
        if text in p.text:
            return p, p.runs
    raise AssertionError(f"không thấy '{text}'")


def test_docx_header_block(docx_path):
    doc = Document(str(docx_path))
    head = doc.tables[0]
    left = [p.text for p in head.cell(0, 0).paragraphs if p.text]
    right = [p.text for p in head.cell(0, 1).paragraphs if p.text]
    assert left[:3] == ["ỦY BAN NHÂN DÂN", "XÃ QUẢNG SƠN", "Số: …/BC-UBND"]
    assert right[:3] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                         "Quảng Sơn, ngày … tháng … năm 2025"]
    _, runs = _runs_with(doc, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert all(r.bold for r in runs) and Pt(12) <= runs[0].font.size <= Pt(13)
    _, runs = _runs_with(doc, "Độc lập - Tự do - Hạnh phúc")
    assert all(r.bold for r in runs) and Pt(13) <= runs[0].font.size <= Pt(14)
    assert any(r.underline for r in runs)
    _, runs = _runs_with(doc, "Quảng Sơn, ngày")
    assert all(r.italic for r in runs)
    _, runs = _runs_with(doc, "XÃ QUẢNG SƠN")
    assert all(r.bold for r in runs)


def test_docx_title_sections_and_sentence(docx_path, report):
    doc = Document(str(docx_path))
    texts = [p.text for p in doc.paragraphs]
    assert "BÁO CÁO" in texts
    assert "Kết quả thực hiện công tác cải cách hành chính quý III năm 2025" in texts
    for heading in ("I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CẢI CÁCH HÀNH CHÍNH",
                    "II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH",
                    "III. CHỈ SỐ CẢI CÁCH HÀNH CHÍNH VÀ KẾT QUẢ KHẮC PHỤC",
                    "IV. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN",
                    "V. PHƯƠNG HƯỚNG, NHIỆM VỤ QUÝ IV NĂM 2025"):
        assert heading in texts
    assert "2. Tiến độ thực hiện Kế hoạch CCHC năm 2025" in texts
    body = "\n".join(texts)
    assert report.narrative.completion in body
    assert texts.index("I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CẢI CÁCH HÀNH CHÍNH") < texts.index(
        "II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH") < texts.index(
        "V. PHƯƠNG HƯỚNG, NHIỆM VỤ QUÝ IV NĂM 2025")
    # placeholders for narrative officials must write
    assert body.count("…") >= 5


def _table_with(doc, header: str):
    for t in doc.tables:
        if any(header == c.text for c in t.rows[0].cells):
            return t
    raise AssertionError(f"không thấy bảng có cột '{header}'")


def test_docx_tables(docx_path):
    doc = Document(str(docx_path))
    area = _table_with(doc, "Lĩnh vực")
    rows = [[c.text for c in r.cells] for r in area.rows]
    assert rows[1][:3] == ["1", "Công tác chỉ đạo, điều hành cải cách hành chính", "3"]
    assert rows[-1][1] == "Tổng cộng" and rows[-1][-1] == "46,15%"
    unit = _table_with(doc, "Đơn vị chủ trì")
    assert [r.cells[-1].text for r in unit.rows[1:]] == ["60%", "33,33%", "0%", "33,33%", "100%"]
    late = _table_with(doc, "Số ngày quá hạn")
    assert [[c.text for c in r.cells][1:] for r in late.rows[1:]] == [
        ["Rà soát văn bản quy phạm pháp luật", "Phòng Văn hóa - Xã hội", "30/06/2025", "76"],
        ["Rà soát chức năng, nhiệm vụ các phòng", "Văn phòng HĐND và UBND xã", "31/08/2025", "14"]]
    ded = _table_with(doc, "Điểm thẩm định")
    assert [c.text for c in ded.rows[1].cells][2:] == ["11", "9,13", "1,87"]
    assert [c.text for c in ded.rows[-1].cells][2:] == ["100", "85,08", "14,92"]
    # tables have borders (Table Grid)
    assert area.style.name == "Table Grid"
    # per-area task table in section II (area 2: Cải cách thể chế)
    tasks = [t for t in doc.tables if t.rows[0].cells[-1].text == "Kết quả"]
    assert any("Rà soát văn bản quy phạm pháp luật" in t.rows[1].cells[1].text
               and "Quá hạn 76 ngày" in t.rows[1].cells[-1].text for t in tasks)


def test_docx_signature_and_recipients(docx_path):
    doc = Document(str(docx_path))
    sign = doc.tables[-1]
    left = [p for p in sign.cell(0, 0).paragraphs if p.text]
    right = [p.text for p in sign.cell(0, 1).paragraphs if p.text]
    assert left[0].text == "Nơi nhận:"
    assert all(r.bold and r.italic for r in left[0].runs) and left[0].runs[0].font.size == Pt(12)
    assert left[1].runs[0].font.size == Pt(11)
    assert left[-1].text.startswith("- Lưu:")
    assert right[:2] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"] and right[-1] == "Nguyễn Văn A"


def test_docx_annual_report_next_period(tmp_path):
    rep = build_report(make_plan(), period_for("NAM", 2025))
    path = write_report_docx(rep, tmp_path / "nam.docx", commune="xã Quảng Sơn", province="tỉnh Lâm Đồng",
                             signer_title="PHÓ CHỦ TỊCH", number="25/BC-UBND")
    doc = Document(str(path))
    texts = [p.text for p in doc.paragraphs]
    assert "Kết quả thực hiện công tác cải cách hành chính năm 2025" in texts
    assert "V. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2026" in texts
    assert "Số: 25/BC-UBND" in _all_text(doc)
    right = [p.text for p in doc.tables[-1].cell(0, 1).paragraphs if p.text]
    assert right[:3] == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]


# ---------------------------------------------------------------- CLI

def _report_app():
    """A Typer app with only ``bao-cao`` (independent of the other command modules)."""
    import typer

    from cchc_xl.cli import report as cli_report

    app = typer.Typer()
    cli_report.register(app)

    @app.callback()
    def _root() -> None:  # keep "bao-cao" as a sub-command
        pass

    return app

def test_cli_bao_cao_writes_sheet_and_word(master, tmp_path):
    app = _report_app()
    word = tmp_path / "bc.docx"
    res = _RUNNER.invoke(app, ["bao-cao", str(master), "--ky", "Quý III/2025", "--word", str(word),
                                   "--nguoi-ky", "Nguyễn Văn A", "--so", "12/BC-UBND"])
    assert res.exit_code == 0, res.output
    assert "6/13" in res.output and "46,15%" in res.output
    assert S.SHEET_REPORT in load_workbook(master).sheetnames
    assert len(list((tmp_path / "sao_luu").glob("So_tong_hop_*.xlsx"))) == 1
    doc = Document(str(word))
    assert "Số: 12/BC-UBND" in _all_text(doc)
    assert "Kết quả thực hiện công tác cải cách hành chính quý III năm 2025" in [p.text for p in doc.paragraphs]


@pytest.mark.parametrize("ky, in_period, undated, gained", [
    # 6 tháng (15/12/2024-14/06/2025) overlaps Quý I: I-01 (20/01) and I-03 (14/06) have their date in it,
    # VII-02 has no date; cumulative done: Quý I 2 (I-01, VII-02), 6 tháng 3 -> increase 1
    ("6 tháng 2025", 2, 1, 1),
    # Quý III: II-02, I-02, VI-01 dated in it; 6 tháng 3 -> Quý III 6: increase 3
    ("Quý III/2025", 3, 1, 3),
])
def test_done_in_period_and_trend_increase_are_named_apart(master, tmp_path, ky, in_period, undated, gained):
    """"Hoàn thành trong kỳ" was the label of two quantities: tasks with a completion date in the
    period (summary, sentence) and the increase of the cumulative count since the previous cut-off
    (trend table).  Each has its own label, the same in the sheet, the Word draft and the CLI; done
    tasks without a completion date are counted apart."""
    from cchc_xl.report.data import DONE_IN_PERIOD_LABEL, DONE_UNDATED_LABEL
    from cchc_xl.report.periodic import GAINED_LABEL

    word = tmp_path / "bc.docx"
    res = _RUNNER.invoke(_report_app(), ["bao-cao", str(master), "--ky", ky, "--word", str(word)],
                         env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    out = res.output
    assert any(DONE_IN_PERIOD_LABEL in ln and ln.rstrip(" │").endswith(str(in_period)) for ln in out.splitlines())
    assert any(DONE_UNDATED_LABEL in ln and ln.rstrip(" │").endswith(str(undated)) for ln in out.splitlines())
    assert GAINED_LABEL in out and "Trong kỳ" not in out.replace("Trong kỳ báo cáo (", "")
    # the sheet
    ws = load_workbook(master)[S.SHEET_REPORT]
    labels = {c.value: ws.cell(row=c.row, column=3).value for row in ws.iter_rows() for c in row
              if c.column == 2 and isinstance(c.value, str)}
    assert labels[DONE_IN_PERIOD_LABEL] == in_period and labels[DONE_UNDATED_LABEL] == undated
    head = ws[_cell_text(ws, GAINED_LABEL)]
    rows = [r for r in range(head.row + 1, ws.max_row + 1) if ws.cell(row=r, column=2).value
            and str(ws.cell(row=r, column=2).value).startswith(parse_period(ky).short_label)]
    assert ws.cell(row=rows[0], column=head.column).value == gained
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(t.strip() in ("Hoàn thành trong kỳ", "Hoàn thành trong kỳ báo cáo") for t in texts)
    # the Word draft
    doc = Document(str(word))
    table = _table_with(doc, GAINED_LABEL)
    col = [c.text for c in table.rows[0].cells].index(GAINED_LABEL)
    assert table.rows[-1].cells[col].text == str(gained)
    assert not any(c.text.startswith("Hoàn thành trong kỳ") for t in doc.tables for c in t.rows[0].cells)
    sentence = next(p.text for p in doc.paragraphs if p.text.startswith("Trong kỳ báo cáo (từ ngày"))
    assert f"đã hoàn thành {in_period} nhiệm vụ (tính theo ngày hoàn thành)" in sentence
    assert f"ngoài ra có {undated} nhiệm vụ đã hoàn thành nhưng chưa ghi ngày hoàn thành" in sentence


def test_cli_bao_cao_default_word_path_and_no_sheet(master):
    app = _report_app()
    res = _RUNNER.invoke(app, ["bao-cao", str(master), "--ky", "q1", "--khong-ghi-so"])
    assert res.exit_code == 0, res.output
    # year taken from the plan (2025); sheet not written, no backup made
    assert (master.parent / "Bao_cao_CCHC_Q1-2025.docx").exists()
    assert S.SHEET_REPORT not in load_workbook(master).sheetnames
    assert not (master.parent / "sao_luu").exists()


def test_cli_bao_cao_errors_in_vietnamese(master, tmp_path):
    app = _report_app()
    res = _RUNNER.invoke(app, ["bao-cao", str(master), "--ky", "Quý II/2025"])
    assert res.exit_code == 1
    assert "6 tháng" in res.output
    res = _RUNNER.invoke(app, ["bao-cao", str(tmp_path / "khong_co.xlsx"), "--ky", "Năm 2025"])
    assert res.exit_code == 1 and "Không tìm thấy tệp" in res.output


def test_cli_bao_cao_period_from_dashboard_setting(master):
    from openpyxl import load_workbook as load

    from cchc_xl.cli.report import PERIOD_NAME
    from cchc_xl.core.periods import current_period

    wb = load(master)
    if PERIOD_NAME not in wb.defined_names:
        pytest.skip("sổ chưa có ô 'Kỳ báo cáo' (dashboard)")
    # empty setting -> the period being prepared today
    res = _RUNNER.invoke(_report_app(), ["bao-cao", str(master), "--khong-ghi-so"])
    assert res.exit_code == 0, res.output
    assert (master.parent / f"Bao_cao_CCHC_{current_period(dt.date.today()).code}.docx").exists()
    sheet, ref = next(iter(wb.defined_names[PERIOD_NAME].destinations))
    wb[sheet][ref.replace("$", "")] = "6 tháng 2025"
    wb.save(master)
    res = _RUNNER.invoke(_report_app(), ["bao-cao", str(master), "--khong-ghi-so"])
    assert res.exit_code == 0, res.output
    assert (master.parent / "Bao_cao_CCHC_6T-2025.docx").exists()


@pytest.mark.parametrize("kind, due, wrong", [
    ("NAM", D(2025, 12, 31), "trong năm 2026"),     # due in late December 2025: not next year's work
    ("Q1", D(2025, 3, 31), "trong quý II"),          # due after the cut-off 14/3, still in March
])
def test_outlook_says_the_window_it_lists(tmp_path, kind, due, wrong):
    """Section V lists the tasks due after the cut-off; it names their dates as they are, not a
    label of the next period that tasks due right after the cut-off do not belong to."""
    plan = make_plan()
    plan.tasks.append(_task("VIII-09", Area.CHI_DAO, "Tổng kết công tác cải cách hành chính", ["VP"], due=due))
    period = period_for(kind, 2025)
    rep = build_report(plan, period)
    assert "VIII-09" in [t.id for t in rep.upcoming]
    path = write_report_docx(rep, tmp_path / "r.docx", commune="xã Quảng Sơn", province="tỉnh Lâm Đồng")
    text = _all_text(Document(str(path)))
    first = period.end + dt.timedelta(days=1)
    assert f"có hạn từ ngày {first:%d/%m/%Y} đến ngày {period.outlook_end:%d/%m/%Y}" in text
    assert f"nhiệm vụ đến hạn {wrong}" not in text
