""""Điểm có nguy cơ bị trừ": criteria whose linked tasks or remediation items are overdue.

Python (``compute.points_at_risk``) and the native formulas (column "Điểm có nguy cơ bị
trừ" of "Chỉ số CCHC", section V of "Tổng quan"), recalculated by LibreOffice, must agree.
"""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from cchc_xl.core import compute
from cchc_xl.core import schema as S
from cchc_xl.core.models import (Area, IndexArea, IndexCriterion, Plan, PlanInfo, RemediationItem, Status,
                                 Task)
from cchc_xl.workbook.dashboard import dashboard_cells
from cchc_xl.workbook.master import write_master

AS_OF = dt.date(2025, 9, 14)
D = dt.date


def risk_plan() -> Plan:
    tasks = [
        # overdue, linked to 1.4.1 and (with a comma and spaces) 7.1
        Task(id="T1", area=Area.CHI_DAO, title="Kế hoạch kiểm tra", due=D(2025, 3, 31), criteria="1.4.1 , 7.1"),
        # done: no risk
        Task(id="T2", area=Area.CHI_DAO, title="Đối thoại", due=D(2025, 6, 30), status=Status.DONE,
             completed_on=D(2025, 6, 1), criteria="1.5"),
        # overdue but only a suggested code: never counts
        Task(id="T3", area=Area.THE_CHE, title="Góp ý văn bản", due=D(2025, 5, 1), criteria_suggested="2.1"),
        # cancelled: not counted
        Task(id="T4", area=Area.TTHC, title="Rà soát", due=D(2025, 5, 1), status=Status.CANCELLED, criteria="3.2"),
        # done after the cut-off: overdue as of the date
        Task(id="T5", area=Area.TTHC, title="Công khai", due=D(2025, 8, 31), status=Status.DONE,
             completed_on=D(2025, 9, 30), criteria="3.1"),
        # not yet due
        Task(id="T6", area=Area.CQ_SO, title="Chữ ký số", due=D(2025, 12, 31), criteria="7.1.2"),
    ]
    remediation = [
        RemediationItem(id="KP-01", area=Area.CQ_SO, criterion="Thanh toán trực tuyến", criterion_code="7.3.7",
                        due=D(2025, 9, 1), status=Status.IN_PROGRESS),
        RemediationItem(id="KP-02", area=Area.TAC_DONG, criterion="Thu ngân sách", criterion_code="8.2",
                        due=D(2025, 9, 1), status=Status.DONE, completed_on=D(2025, 8, 20)),
        RemediationItem(id="KP-03", area=Area.TAC_DONG, criterion="Thu hút đầu tư", criterion_code="8.1",
                        due=None, status=Status.NOT_STARTED),                # no due date: not overdue
    ]
    areas = [IndexArea(area=a, max_points=m) for a, m in zip(Area, (11, 7, 14.5, 6, 16.5, 13.5, 20, 11.5))]
    crit = [("1.4.1", Area.CHI_DAO, 1), ("1.5", Area.CHI_DAO, 1), ("2.1", Area.THE_CHE, 2),
            ("3.1", Area.TTHC, 1.5), ("3.2", Area.TTHC, 2), ("7.1", Area.CQ_SO, 4), ("7.1.2", Area.CQ_SO, 0.5),
            ("7.3.7", Area.CQ_SO, 0.5), ("8.1", Area.TAC_DONG, 2), ("8.2", Area.TAC_DONG, 2),
            ("", Area.TAC_DONG, 1)]
    criteria = [IndexCriterion(area=a, code=c, name=f"Tiêu chí {c or 'không mã'}", max_points=m) for c, a, m in crit]
    return Plan(info=PlanInfo(year=2025, index_year=2024), tasks=tasks, remediation=remediation,
                index_areas=areas, index_criteria=criteria)


def test_points_at_risk_rule():
    rows = compute.points_at_risk(risk_plan(), AS_OF)
    assert [(r.code, r.points, r.late) for r in rows] == [
        ("1.4.1", 1, ("T1",)), ("3.1", 1.5, ("T5",)), ("7.1", 4, ("T1",)), ("7.3.7", 0.5, ("KP-01",))]
    by_area = compute.risk_by_area(rows)
    assert by_area[Area.CHI_DAO] == 1 and by_area[Area.CQ_SO] == 4.5 and by_area[Area.THE_CHE] == 0
    # on 31/03 nothing linked is late yet (T1 is due that day)
    assert compute.points_at_risk(risk_plan(), D(2025, 3, 31)) == []


@pytest.mark.libreoffice
@pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
def test_formulas_equal_python_in_libreoffice(tmp_path):
    from cchc_xl.report.pdf import recalculate

    plan = risk_plan()
    master = write_master(plan, tmp_path / "So.xlsx", as_of=AS_OF)
    wb = load_workbook(recalculate(master, tmp_path / "lo"), data_only=True)
    ws = wb[S.SHEET_INDEX]
    code_j = S.col_index(S.INDEX_COLUMNS, "code") - 1
    level_j = S.col_index(S.INDEX_COLUMNS, "level") - 1
    risk_j = S.col_index(S.INDEX_COLUMNS, "at_risk") - 1
    expected = {r.code: r.points for r in compute.points_at_risk(plan, AS_OF)}
    seen = 0
    for row in ws.iter_rows(min_row=S.FIRST_DATA_ROW, values_only=True):
        if row[level_j] != S.LEVEL_CRITERION:
            continue
        value = row[risk_j]
        if not row[code_j]:
            assert value in (None, "")
            continue
        assert value == pytest.approx(expected.get(str(row[code_j]), 0)), row[code_j]
        seen += 1
    assert seen == 10
    dash = wb[S.SHEET_DASHBOARD]
    cells = dashboard_cells(dash)
    by_area = compute.risk_by_area(compute.points_at_risk(plan, AS_OF))
    for area in Area:
        assert dash[cells[f"risk:{area.value}:points"]].value == pytest.approx(by_area[area]), area
    assert dash[cells["risk:total:points"]].value == pytest.approx(7.0)
    assert dash[cells["risk:total:criteria"]].value == 4


def test_report_has_the_points_at_risk_and_the_remediation_section(tmp_path):
    from docx import Document

    from cchc_xl.core.periods import parse_period
    from cchc_xl.report.data import build_report
    from cchc_xl.report.word import write_report_docx

    rep = build_report(risk_plan(), parse_period("Quý III/2025"), as_of=AS_OF)
    assert [(r.code, r.points, r.late) for r in rep.points_at_risk] == [
        ("1.4.1", 1, ["T1"]), ("3.1", 1.5, ["T5"]), ("7.1", 4, ["T1"]), ("7.3.7", 0.5, ["KP-01"])]
    assert rep.risk_total == 7
    assert rep.narrative.risk.startswith("Có 4 tiêu chí với tổng 7 điểm có nguy cơ bị trừ")
    path = write_report_docx(rep, tmp_path / "bc.docx", commune="xã Thử", province="tỉnh Thử")
    text = "\n".join(p.text for p in Document(path).paragraphs)
    assert "Kết quả khắc phục tồn tại, hạn chế" in text and "3. Điểm có nguy cơ bị trừ" in text
    cells = [c.text for t in Document(path).tables for row in t.rows for c in row.cells]
    assert "7.3.7" in cells and "KP-01" in cells


@pytest.mark.libreoffice
@pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
def test_remediation_figures_on_the_dashboard_equal_python(tmp_path):
    from cchc_xl.report.pdf import recalculate

    plan = risk_plan()
    plan.remediation.append(RemediationItem(id="KP-04", area=Area.CQ_SO, criterion="Bỏ", status=Status.CANCELLED,
                                            due=D(2025, 1, 1)))
    wb = load_workbook(recalculate(write_master(plan, tmp_path / "So.xlsx", as_of=AS_OF), tmp_path / "lo"),
                       data_only=True)
    dash = wb[S.SHEET_DASHBOARD]
    cells = dashboard_cells(dash)
    states = {r.id: compute.item_state(r.status, r.completed_on, r.due, AS_OF) for r in plan.remediation}
    assert states == {"KP-01": "overdue", "KP-02": "done", "KP-03": "not_started", "KP-04": "cancelled"}
    for area in Area:
        mine = [states[r.id] for r in plan.remediation if r.area == area and states[r.id] != "cancelled"]
        assert dash[cells[f"remediation:{area.value}:total"]].value == len(mine), area
        assert dash[cells[f"remediation:{area.value}:done"]].value == mine.count("done"), area
        assert dash[cells[f"remediation:{area.value}:overdue"]].value == mine.count("overdue"), area
    assert [dash[cells[f"remediation:total:{k}"]].value for k in ("total", "done", "overdue")] == [3, 1, 1]
    assert dash[cells["remediation:total:percent"]].value == pytest.approx(round(1 / 3, 4))


def test_a_link_to_no_criterion_is_reported():
    from cchc_xl.core.records import MasterData
    from cchc_xl.core.validate import validate_master

    plan = risk_plan()
    plan.tasks[0].criteria = "1.4.1; 9.9"
    plan.remediation[0].criterion_code = "7.3.8"
    found = [(f.code, f.task_id) for f in validate_master(MasterData(plan=plan), AS_OF)
             if f.code == "link_unknown_code"]
    assert found == [("link_unknown_code", "T1"), ("link_unknown_code", "KP-01")]
