"""The dashboard's native formulas, recalculated by LibreOffice, give exactly the
numbers of ``cchc_xl.core.compute`` (and the index sheet's check formulas flag the
real data errors of seed 002)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from cchc_xl.core import compute
from cchc_xl.core import schema as S
from cchc_xl.workbook.dashboard import dashboard_cells
from cchc_xl.report.pdf import find_soffice, recalculate, to_pdf
from cchc_xl.workbook.master import write_master
from cchc_xl.core.models import (AREA_SHORT, Area, CchcError, IndexArea, IndexCriterion, Plan, PlanInfo,
                            Status, Task, Unit)
from cchc_xl.core.units import DEFAULT_UNITS

pytestmark = [
    pytest.mark.libreoffice,
    # LibreOffice writes x14 extensions that openpyxl drops with a warning when reading values
    pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning"),
]

AS_OF = dt.date(2025, 9, 14)      # Q3 cut-off
D = dt.date

# Area scores of xã Cẩm Sơn 2023 (seed 002: max | appraised | deducted).
CAM_SON_AREAS = [
    (Area.CHI_DAO, 11, 9.13, 1.87), (Area.THE_CHE, 7, 6.75, 0.25), (Area.TTHC, 14.5, 12.99, 1.51),
    (Area.TO_CHUC, 6, 5.5, 0.5), (Area.CONG_VU, 16.5, 14.62, 1.88),
    (Area.TAI_CHINH, 13.5, 12.86, 0.64), (Area.CQ_SO, 20, 14.27, 5.73),
    (Area.TAC_DONG, 11.5, 8.96, 2.54),
]


def task(tid: str, area: Area, units: list[str], due: dt.date | None, status: Status,
         done_on: dt.date | None = None, progress: float = 0) -> Task:
    return Task(id=tid, area=area, title=f"Nhiệm vụ {tid}", lead_units=units, due=due,
                status=status, completed_on=done_on, progress=progress,
                lead="; ".join(units))


def varied_plan() -> Plan:
    """Tasks covering every state, multi-unit tasks, codes that are substrings of others."""
    units = [u for u in DEFAULT_UNITS] + [Unit(code="VH", name="Ban Văn hóa thông tin")]
    tasks = [
        task("T01", Area.THE_CHE, ["VP"], D(2025, 8, 1), Status.DONE, D(2025, 7, 20), 100),
        task("T02", Area.THE_CHE, ["VHXH"], None, Status.DONE, None, 100),
        task("T03", Area.TTHC, ["KT"], D(2025, 10, 31), Status.DONE, D(2025, 9, 20), 100),
        task("T04", Area.TTHC, ["KT", "VP"], D(2025, 8, 31), Status.DONE, D(2025, 9, 30), 100),
        task("T05", Area.TTHC, ["PVHCC"], D(2025, 6, 30), Status.IN_PROGRESS, None, 60),
        task("T06", Area.TO_CHUC, ["VHXH"], D(2025, 9, 13), Status.NOT_STARTED),
        task("T07", Area.TO_CHUC, ["VH"], D(2025, 9, 14), Status.NOT_STARTED),
        task("T08", Area.CONG_VU, ["VP"], D(2025, 3, 1), Status.CANCELLED),
        task("T09", Area.CQ_SO, ["VP", "VHXH", "KT", "PVHCC"], D(2025, 12, 31), Status.ONGOING, None, 50),
        task("T10", Area.CHI_DAO, [], None, Status.NOT_STARTED),
        task("T11", Area.TAC_DONG, [], D(2025, 1, 31), Status.IN_PROGRESS, None, 20),
        task("T12", Area.TAI_CHINH, ["KT"], D(2025, 12, 31), Status.IN_PROGRESS, None, 40),
        task("T13", Area.CQ_SO, ["VH"], D(2025, 9, 30), Status.DONE, D(2025, 9, 14), 100),
        task("T14", Area.THE_CHE, ["BCH"], D(2025, 11, 30), Status.NOT_STARTED),
        task("T15", Area.TTHC, ["VHXH", "VH"], D(2025, 9, 1), Status.ONGOING, None, 30),
        task("T16", Area.CHI_DAO, ["VP"], None, Status.CANCELLED, D(2025, 5, 1)),
    ]
    areas = [IndexArea(area=a, name=AREA_SHORT[a], max_points=m, appraised=ap, deducted=de)
             for a, m, ap, de in CAM_SON_AREAS]
    criteria = [
        # seed 002: 1,43/1,5 "bị trừ 0,7" where 0,07 is meant
        IndexCriterion(area=Area.CHI_DAO, code="1.1", name="Thực hiện Kế hoạch CCHC",
                       max_points=1.5, appraised=1.43, deducted=0.7),
        # seed 002: "bị trừ 1 điểm (tổng 0,5 điểm)"
        IndexCriterion(area=Area.CQ_SO, code="7.3", name="Trang thông tin điện tử có đầy đủ thông tin",
                       max_points=0.5, appraised=None, deducted=1),
        IndexCriterion(area=Area.CQ_SO, code="7.1", name="Văn bản điện tử, ký số",
                       max_points=4, appraised=3.27, deducted=0.73),
    ]
    info = PlanInfo(commune="xã Quảng Sơn", province="tỉnh Lâm Đồng", year=2025,
                    plan_number="149/KH-UBND", plan_date=D(2025, 7, 30), index_year=2023)
    return Plan(info=info, units=units, tasks=tasks, index_areas=areas, index_criteria=criteria)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("recalc")
    plan = varied_plan()
    master = write_master(plan, tmp / "So_tong_hop.xlsx", as_of=AS_OF)
    out = recalculate(master, tmp / "lo")
    return plan, master, load_workbook(out, data_only=True)


def _num(v):
    return None if v in (None, "") else v


def _assert_counts(ws, cells, prefix: str, expected: dict) -> None:
    for field in ("total", "done", "in_progress", "not_started", "overdue"):
        assert ws[cells[f"{prefix}{field}"]].value == expected[field], (prefix, field)
    pct = _num(ws[cells[f"{prefix}percent"]].value)
    if expected["percent"] is None:
        assert pct is None, prefix
    else:
        assert pct == pytest.approx(expected["percent"] / 100, abs=1e-9), prefix


def test_soffice_is_found():
    assert find_soffice() is not None


def test_whole_plan_figures_equal_compute(recalculated):
    plan, _master, wb = recalculated
    ws = wb[S.SHEET_DASHBOARD]
    cells = dashboard_cells(ws)
    p = compute.progress(plan.tasks, AS_OF)
    # hand check of the fixture itself, so that compute and the formulas can't agree on nonsense
    assert (p.total, p.done, p.in_progress, p.not_started, p.overdue, p.cancelled) == (14, 3, 3, 3, 5, 2)
    expected = {"total": p.total, "done": p.done, "in_progress": p.in_progress,
                "not_started": p.not_started, "overdue": p.overdue, "percent": p.percent}
    _assert_counts(ws, cells, "", expected)
    assert ws[cells["cancelled"]].value == p.cancelled
    assert ws[cells["as_of"]].value.date() == AS_OF


def test_unit_table_equals_compute(recalculated):
    plan, _master, wb = recalculated
    ws = wb[S.SHEET_DASHBOARD]
    cells = dashboard_cells(ws)
    table = compute.completion_table(plan.tasks, AS_OF, "unit")
    seen = set()
    for rec in table.to_dict("records"):
        expected = dict(rec, percent=None if rec["percent"] != rec["percent"] else rec["percent"])
        _assert_counts(ws, cells, f"unit:{rec['key']}:", expected)
        seen.add(rec["key"])
    # "VH" is a substring of "VHXH": it must only count its own tasks (T07, T13, T15)
    assert ws[cells["unit:VH:total"]].value == 3
    assert ws[cells["unit:VHXH:total"]].value == 4
    # every non-group unit has a row, the group "CM" has none, unknown code BCH has one
    rows = {k.split(":")[1] for k in cells if k.startswith("unit:")}
    assert rows == {"VP", "VHXH", "KT", "PVHCC", "VH", "BCH", compute.UNASSIGNED}
    assert seen <= rows
    assert ws[cells["unit:" + compute.UNASSIGNED + ":overdue"]].value == 1


def test_area_table_equals_compute(recalculated):
    plan, _master, wb = recalculated
    ws = wb[S.SHEET_DASHBOARD]
    cells = dashboard_cells(ws)
    table = {r["key"]: r for r in compute.completion_table(plan.tasks, AS_OF, "area").to_dict("records")}
    for area in Area:
        rec = table.get(area.value)
        if rec is None:
            rec = {"total": 0, "done": 0, "in_progress": 0, "not_started": 0, "overdue": 0,
                   "percent": None}
        elif rec["percent"] != rec["percent"]:
            rec = dict(rec, percent=None)
        _assert_counts(ws, cells, f"area:{area.value}:", rec)
    assert ws[cells["area:5:total"]].value == 0          # only a cancelled task
    assert _num(ws[cells["area:5:percent"]].value) is None


def test_index_totals_equal_compute(recalculated):
    plan, _master, wb = recalculated
    ws = wb[S.SHEET_DASHBOARD]
    cells = dashboard_cells(ws)
    for rec in compute.deduction_table(plan).to_dict("records"):
        key = f"index:{rec['area']}:"
        assert ws[cells[key + "max_points"]].value == pytest.approx(rec["max_points"])
        assert ws[cells[key + "appraised"]].value == pytest.approx(rec["appraised"])
        assert ws[cells[key + "deducted_calc"]].value == pytest.approx(rec["deducted_calc"], abs=0.005)
        assert ws[cells[key + "deducted"]].value == pytest.approx(rec["deducted"])
        assert ws[cells[key + "ratio"]].value == pytest.approx(
            round(rec["appraised"] / rec["max_points"], 4))
    totals = compute.index_totals(plan)
    assert ws[cells["index:total:max_points"]].value == pytest.approx(totals["max_points"]) == 100
    assert ws[cells["index:total:appraised"]].value == pytest.approx(totals["appraised"]) == 85.08
    assert ws[cells["index:total:deducted_calc"]].value == pytest.approx(totals["deducted"])
    assert ws[cells["index:total:deducted"]].value == pytest.approx(14.92)


def test_index_sheet_check_column(recalculated):
    _plan, _master, wb = recalculated
    ws = wb[S.SHEET_INDEX]
    calc_col = S.col_index(S.INDEX_COLUMNS, "deducted_calc") - 1
    check_col = S.col_index(S.INDEX_COLUMNS, "check") - 1
    name_col = S.col_index(S.INDEX_COLUMNS, "name") - 1
    rows = {r[name_col]: r for r in ws.iter_rows(min_row=S.FIRST_DATA_ROW, values_only=True)
            if r[name_col]}
    plan_crit = rows["Thực hiện Kế hoạch CCHC"]
    assert plan_crit[calc_col] == pytest.approx(0.07)
    assert "khác điểm tính" in plan_crit[check_col]
    website = rows["Trang thông tin điện tử có đầy đủ thông tin"]
    assert _num(website[calc_col]) is None                 # no appraised score
    assert "lớn hơn điểm tối đa" in website[check_col]
    assert _num(rows["Văn bản điện tử, ký số"][check_col]) is None
    # every area row of seed 002 is consistent (max - appraised = deducted)
    for a, _m, _ap, de in CAM_SON_AREAS:
        row = rows[AREA_SHORT[a]]
        assert row[calc_col] == pytest.approx(de)
        assert _num(row[check_col]) is None, AREA_SHORT[a]


def test_formulas_follow_edits_and_report_date(recalculated, tmp_path):
    """Change the report date and some statuses in the file like an official would:
    the recalculated dashboard follows (nothing is a constant computed in Python)."""
    plan, master, _wb = recalculated
    new_date = dt.date(2025, 12, 14)
    wb = load_workbook(master)
    wb[S.SHEET_DASHBOARD][dashboard_cells(wb[S.SHEET_DASHBOARD])["as_of"]] = dt.datetime(2025, 12, 14)
    ws = wb[S.SHEET_TASKS]
    status_col = S.col_letter(S.TASK_COLUMNS, "status")
    units_col = S.col_letter(S.TASK_COLUMNS, "lead_units")
    row_of = {ws[f"A{r}"].value: r for r in range(S.FIRST_DATA_ROW, ws.max_row + 1)}
    ws[f"{status_col}{row_of['T05']}"] = Status.DONE.value            # no completion date
    ws[f"{status_col}{row_of['T08']}"] = Status.IN_PROGRESS.value     # un-cancelled
    ws[f"{units_col}{row_of['T10']}"] = "VH;KT"                       # typed without spaces
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    changed = plan.model_copy(deep=True)
    changed.task("T05").status = Status.DONE
    changed.task("T08").status = Status.IN_PROGRESS
    changed.task("T10").lead_units = ["VH", "KT"]
    out = load_workbook(recalculate(edited, tmp_path / "lo"), data_only=True)[S.SHEET_DASHBOARD]
    cells = dashboard_cells(out)
    p = compute.progress(changed.tasks, new_date)
    _assert_counts(out, cells, "", {"total": p.total, "done": p.done, "in_progress": p.in_progress,
                                    "not_started": p.not_started, "overdue": p.overdue,
                                    "percent": p.percent})
    for rec in compute.completion_table(changed.tasks, new_date, "unit").to_dict("records"):
        if rec["key"] != compute.UNASSIGNED:
            _assert_counts(out, cells, f"unit:{rec['key']}:", rec)
    assert out[cells["unit:" + compute.UNASSIGNED + ":total"]].value == 1   # only T11 left


@pytest.mark.parametrize("cell", ["KT; KT", "VP;KT; VP"])
def test_unit_code_listed_twice_counts_once_everywhere(recalculated, tmp_path, cell):
    """A unit code written twice in "Mã đơn vị chủ trì": the recalculated 'Tổng quan' and the
    counts of the master as read (tien-do, bao-cao) agree - the task counts once per unit."""
    from cchc_xl.workbook.master import read_master

    _plan, master, _wb = recalculated
    wb = load_workbook(master)
    ws = wb[S.SHEET_TASKS]
    units_col = S.col_letter(S.TASK_COLUMNS, "lead_units")
    row_of = {ws[f"A{r}"].value: r for r in range(S.FIRST_DATA_ROW, ws.max_row + 1)}
    ws[f"{units_col}{row_of['T04']}"] = cell            # T04: done 30/09 (after the cut-off), overdue
    ws[f"{units_col}{row_of['T03']}"] = cell            # T03: done 20/09, not due yet
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    read = read_master(edited).plan
    out = load_workbook(recalculate(edited, tmp_path / "lo"), data_only=True)[S.SHEET_DASHBOARD]
    cells = dashboard_cells(out)
    for rec in compute.completion_table(read.tasks, AS_OF, "unit").to_dict("records"):
        expected = dict(rec, percent=None if rec["percent"] != rec["percent"] else rec["percent"])
        _assert_counts(out, cells, f"unit:{rec['key']}:", expected)


def test_recalculate_keeps_source_when_same_folder(recalculated):
    _plan, master, _wb = recalculated
    before = master.read_bytes()
    out = recalculate(master, master.parent)
    assert out != master and out.name.endswith("_tinh_lai.xlsx")
    assert master.read_bytes() == before
    dash = load_workbook(out, data_only=True)[S.SHEET_DASHBOARD]
    assert dash[dashboard_cells(dash)["total"]].value == 14


def test_dashboard_pdf_has_page_numbers(recalculated, tmp_path):
    _plan, master, _wb = recalculated
    pdf = to_pdf(master, tmp_path)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) chưa được cài")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "TỔNG QUAN THỰC HIỆN KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM 2025" in text
    assert "Trang 1/" in text
    assert "PHÂN CÔNG THỰC HIỆN NHIỆM VỤ" in text


def test_errors_are_vietnamese(tmp_path, monkeypatch):
    with pytest.raises(CchcError, match="Không tìm thấy tệp"):
        recalculate(tmp_path / "khong_co.xlsx", tmp_path)
    src = tmp_path / "a.xlsx"
    write_master(varied_plan(), src, as_of=AS_OF)
    with pytest.raises(CchcError, match="quá 0 giây"):
        recalculate(src, tmp_path / "out", timeout=0.01)
    import cchc_xl.report.pdf as lo

    monkeypatch.setattr(lo, "find_soffice", lambda: None)
    with pytest.raises(CchcError, match="Không tìm thấy LibreOffice") as err:
        lo.to_pdf(src, tmp_path)
    assert err.value.finding.file == "a.xlsx"
