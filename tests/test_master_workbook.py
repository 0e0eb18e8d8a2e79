"""The master workbook as officials see it: sheets, formats, dropdowns, print
setup, dashboard formulas, and a lossless write -> read round trip."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries

from cchc_xl.core import schema as S
from cchc_xl.core.compute import UNASSIGNED
from cchc_xl.workbook.dashboard import NAME_AS_OF, dashboard_cells, read_as_of
from cchc_xl.workbook.master import build_master, read_master, write_master
from cchc_xl.core.models import (AREA_SHORT, Area, IndexArea, IndexCriterion, Plan, PlanInfo,
                            RemediationItem, Status, Task)
from cchc_xl.workbook.styling import FONT_NAME, FOOTER_TEXT, capacity_row
from cchc_xl.core.units import DEFAULT_UNITS

AS_OF = dt.date(2025, 9, 14)
EXPECTED_SHEETS = [S.SHEET_DASHBOARD, S.SHEET_TASKS, S.SHEET_UNITS, S.SHEET_INDEX,
                   S.SHEET_REMEDIATION, S.SHEET_AUDIT, S.SHEET_UNIT_REPORTS, S.SHEET_INDICATORS,
                   S.SHEET_HISTORY, S.SHEET_SUBMISSIONS, S.SHEET_LISTS,
                   S.SHEET_META]


def make_plan() -> Plan:
    units = [u.model_copy(update={"email": f"{u.code.lower()}.quangson@example.gov.vn"})
             for u in DEFAULT_UNITS]
    tasks = [
        Task(id="I-01", area=Area.THE_CHE, section="I", tt="1",
             title="Tham mưu ban hành các văn bản quy phạm pháp luật",
             product="Văn bản quy phạm pháp luật", deadline_text="Thường xuyên trong năm",
             due=dt.date(2025, 12, 31), lead="Văn phòng HĐND và UBND xã", partners="Các phòng",
             monitor="Văn phòng HĐND và UBND xã", lead_units=["VP"], status=Status.ONGOING,
             progress=50),
        Task(id="II-01", area=Area.TTHC, section="II", tt="1",
             title="Rà soát, thống kê các thủ tục hành chính", product="Báo cáo",
             deadline_text="Trước ngày 30/7/2025", due=dt.date(2025, 7, 30),
             lead="Phòng Văn hóa - Xã hội; Phòng Kinh tế", lead_units=["VHXH", "KT"],
             status=Status.DONE, progress=100, completed_on=dt.date(2025, 7, 25),
             evidence="Báo cáo số 12/BC-UBND", note="Đúng hạn"),
        Task(id="III-01", area=Area.TO_CHUC, section="III", tt="1",
             title="Xây dựng Kế hoạch sắp xếp đơn vị sự nghiệp", deadline_text="Tháng 8/2025",
             due=dt.date(2025, 8, 31), lead="Phòng Văn hóa - Xã hội", lead_units=["VHXH"],
             status=Status.IN_PROGRESS, progress=30),
        Task(id="VII-02", area=Area.CQ_SO, section="VII", tt="2",
             title="Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
             deadline_text="Khi có Kế hoạch của UBND tỉnh", lead="Trung tâm PVHCC",
             lead_units=["PVHCC"], status=Status.CANCELLED),
    ]
    areas = [IndexArea(area=Area.CHI_DAO, name="Chỉ đạo điều hành", max_points=11, appraised=9.13,
                       deducted=1.87),
             IndexArea(area=Area.CQ_SO, name="Chính quyền số", max_points=20, appraised=14.27,
                       deducted=5.73)]
    criteria = [IndexCriterion(area=Area.CHI_DAO, code="1.1", name="Thực hiện Kế hoạch CCHC",
                               max_points=1.5, appraised=1.43, deducted=0.7)]
    remediation = [RemediationItem(id="KP-01", area=Area.CHI_DAO,
                                   criterion="Thực hiện Kế hoạch CCHC", deducted=0.07,
                                   solution="Theo dõi, đôn đốc thực hiện kế hoạch hằng tháng",
                                   deadline_text="Năm 2024", lead="Văn phòng HĐND và UBND xã",
                                   status=Status.IN_PROGRESS, progress=40)]
    info = PlanInfo(commune="xã Quảng Sơn", province="tỉnh Lâm Đồng", year=2025,
                    plan_number="149/KH-UBND", plan_date=dt.date(2025, 7, 30), index_year=2023)
    return Plan(info=info, units=units, tasks=tasks, index_areas=areas, index_criteria=criteria,
                remediation=remediation)


@pytest.fixture(scope="module")
def master_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("master") / "So_tong_hop_CCHC.xlsx"
    write_master(make_plan(), path, as_of=AS_OF)
    return path


@pytest.fixture(scope="module")
def wb(master_file):
    return load_workbook(master_file)


def _validations(ws) -> dict[str, object]:
    """sqref -> DataValidation."""
    return {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}


def _name_target(wb, name: str) -> tuple[str, str]:
    (sheet, ref), = list(wb.defined_names[name].destinations)
    return sheet, ref


def test_sheets_present_ordered_and_hidden(wb):
    assert wb.sheetnames == EXPECTED_SHEETS
    states = {ws.title: ws.sheet_state for ws in wb.worksheets}
    assert states[S.SHEET_META] == "veryHidden"
    assert states[S.SHEET_LISTS] == "hidden"
    assert all(states[s] == "visible" for s in EXPECTED_SHEETS[:7])
    assert wb.active.title == S.SHEET_DASHBOARD


def test_round_trip_equal(master_file):
    plan = make_plan()
    data = read_master(master_file)
    assert data.findings == []
    assert data.plan == plan
    assert data.rows[S.SHEET_TASKS] == {"I-01": 5, "II-01": 6, "III-01": 7, "VII-02": 8}
    # write again from what was read: same content
    again = read_master(write_master(data.plan, master_file.parent / "lan2.xlsx", as_of=AS_OF))
    assert again.plan == plan


def test_status_dropdowns_use_hidden_list(wb):
    end = capacity_row(4)
    assert end == 1000
    sheet, ref = _name_target(wb, "DS_TrangThai")
    assert sheet == S.SHEET_LISTS
    lists = wb[S.SHEET_LISTS]
    assert [row[0].value for row in lists[ref.replace("$", "")]] == Status.labels()
    for ws_name, cols, n in ((S.SHEET_TASKS, S.TASK_COLUMNS, 4),
                             (S.SHEET_REMEDIATION, S.REMEDIATION_COLUMNS, 1)):
        dvs = _validations(wb[ws_name])
        status = S.col_letter(cols, "status")
        dv = dvs[f"{status}5:{status}{capacity_row(n)}"]
        assert dv.type == "list" and dv.formula1 == "DS_TrangThai"
        assert dv.showErrorMessage and dv.error


def test_task_validations(wb):
    dvs = _validations(wb[S.SHEET_TASKS])
    progress = dvs["N5:N1000"]
    assert (progress.type, progress.operator, progress.formula1, progress.formula2) == (
        "decimal", "between", "0", "100")
    assert "từ 0 đến 100" in progress.error and progress.errorStyle == "stop"
    assert dvs["O5:O1000"].type == "date"
    assert "dd/mm/yyyy" in dvs["O5:O1000"].error
    area = dvs["C5:C1000"]
    assert area.type == "list" and area.formula1 == "DS_LinhVuc"
    sheet, ref = _name_target(wb, "DS_LinhVuc")
    assert [r[0].value for r in wb[sheet][ref.replace("$", "")]] == [AREA_SHORT[a] for a in Area]
    # the columns are the ones of the schema
    assert wb[S.SHEET_TASKS]["M4"].value == "Trạng thái"
    assert wb[S.SHEET_TASKS]["N4"].value == "Tiến độ (%)"
    assert wb[S.SHEET_TASKS]["O4"].value == "Ngày hoàn thành"


def test_freeze_filter_and_formats(wb):
    tasks = wb[S.SHEET_TASKS]
    assert tasks.freeze_panes == "F5"
    for name in (S.SHEET_UNITS, S.SHEET_INDEX, S.SHEET_REMEDIATION, S.SHEET_AUDIT,
                 S.SHEET_UNIT_REPORTS):
        assert wb[name].freeze_panes == "A5", name
    assert tasks.auto_filter.ref == f"A4:{S.column_letter(len(S.TASK_COLUMNS))}8"
    assert f"A1:{S.column_letter(len(S.TASK_COLUMNS))}1" in {str(r) for r in tasks.merged_cells.ranges}
    assert tasks["A1"].font.bold and tasks["A1"].font.name == FONT_NAME
    head = tasks["E4"]
    assert head.font.bold and head.font.name == FONT_NAME and head.alignment.wrap_text
    assert head.fill.fgColor.rgb.endswith("DDEBF7") and head.border.left.style == "thin"
    assert tasks["E5"].alignment.wrap_text                     # Nhiệm vụ: long text
    assert tasks["H5"].number_format == "dd/mm/yyyy"           # Hạn (ngày)
    assert tasks["O6"].number_format == "dd/mm/yyyy"           # Ngày hoàn thành
    assert tasks["N5"].number_format == "0"                    # Tiến độ 0..100
    assert tasks["N5"].value == 50
    assert tasks.column_dimensions["H"].number_format == "dd/mm/yyyy"   # new rows too


def test_print_setup(wb):
    for name in (S.SHEET_TASKS, S.SHEET_UNITS, S.SHEET_INDEX, S.SHEET_REMEDIATION):
        ws = wb[name]
        assert ws.page_setup.orientation == "landscape", name
        assert int(ws.page_setup.paperSize) == 9   # A4
        assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$4:$4"
        assert ws.oddFooter.center.text == FOOTER_TEXT
        assert ws.page_margins.left == pytest.approx(0.5)
    dash = wb[S.SHEET_DASHBOARD]
    assert dash.page_setup.orientation == "portrait"
    assert dash.oddFooter.center.text == FOOTER_TEXT
    assert wb[S.SHEET_TASKS].oddHeader.left.text == "UBND xã Quảng Sơn"


def test_task_conditional_formats(wb):
    cf = wb[S.SHEET_TASKS].conditional_formatting
    rules = {str(rng.sqref): rng.rules for rng in cf}
    row_rules = rules[f"A5:{S.column_letter(len(S.TASK_COLUMNS))}1000"]
    formulas = [r.formula[0] for r in row_rules]
    overdue = next(f for f in formulas if "$H5<NgaySoLieu" in f)
    assert '"Không thực hiện"' in overdue and '"Đã hoàn thành"' in overdue
    done = next(f for f in formulas if f is not overdue and '$M5="Đã hoàn thành"' in f
                and "$H5" not in f)
    assert "$O5<=NgaySoLieu" in done
    fills = {r.formula[0]: r.dxf.fill.bgColor.rgb for r in row_rules if r.dxf.fill is not None}
    assert fills[overdue].endswith("FFC7CE") and fills[done].endswith("C6EFCE")
    bars = rules["N5:N1000"]
    assert bars[0].type == "dataBar"


def test_index_sheet_formulas(wb):
    ws = wb[S.SHEET_INDEX]
    assert [ws.cell(row=r, column=2).value for r in range(5, 9)] == [
        S.LEVEL_AREA, S.LEVEL_CRITERION, S.LEVEL_AREA, None]
    assert ws["H5"].value == '=IF(AND(E5<>"",F5<>""),ROUND(E5-F5,2),"")'
    assert ws["H6"].value == '=IF(AND(E6<>"",F6<>""),ROUND(E6-F6,2),"")'
    assert "0.005" in ws["I6"].value and "G6>E6" in ws["I6"].value
    assert ws["A5"].font.bold                                   # area rows stand out
    rules = [r for rng in ws.conditional_formatting for r in rng.rules]
    assert any("LEN($I5)>0" in r.formula[0] for r in rules)


def test_dashboard_is_formulas_only(wb):
    ws = wb[S.SHEET_DASHBOARD]
    cells = dashboard_cells(ws)
    settings = {"as_of", "period", "unit_dir", "inbox_dir"}
    figures = {k: v for k, v in cells.items() if k not in settings}
    # whole plan 7, 4 non-group units x 6, 8 areas x 6, index (8 areas + total) x 5,
    # points at risk, remediation, "Tình hình gửi phiếu" (period + 9 figures)
    assert len(figures) == 7 + 4 * 6 + 8 * 6 + 9 * 5 + 9 * 2 + 9 * 4 + 10
    for key, ref in figures.items():
        value = ws[ref].value
        assert isinstance(value, str) and value.startswith("="), (key, ref, value)
        for forbidden in ("LET(", "LAMBDA(", "FILTER(", "_xlfn"):
            assert forbidden not in value
    assert "SUMPRODUCT" in ws[cells["unit:VHXH:done"]].value
    assert '";"&$A' in ws[cells["unit:VHXH:done"]].value        # exact code match
    assert "SUMIFS" in ws[cells["index:1:max_points"]].value
    assert ws[cells["percent"]].number_format == "0.00%"
    assert ws[cells["as_of"]].value == dt.datetime(2025, 9, 14)
    assert ws[cells["as_of"]].number_format == "dd/mm/yyyy"
    assert _name_target(wb, NAME_AS_OF) == (S.SHEET_DASHBOARD, "$C$4")
    assert "xã Quảng Sơn" in ws["A2"].value and "149/KH-UBND" in ws["A2"].value
    pct_rules = [r for rng in ws.conditional_formatting for r in rng.rules if r.type == "colorScale"]
    assert pct_rules


def test_dashboard_unit_rows(wb):
    cells = dashboard_cells(wb[S.SHEET_DASHBOARD])
    units = {k.split(":")[1] for k in cells if k.startswith("unit:")}
    assert units == {"VP", "VHXH", "KT", "PVHCC"}             # no group "CM", no unassigned
    assert {k.split(":")[1] for k in cells if k.startswith("area:")} == {a.value for a in Area}
    assert "index:total:deducted" in cells


def test_unassigned_row_only_when_needed():
    plan = make_plan()
    plan.tasks.append(Task(id="X-01", area=Area.CHI_DAO, title="Chưa rõ đơn vị"))
    ws = build_master(plan, as_of=AS_OF)[S.SHEET_DASHBOARD]
    cells = dashboard_cells(ws)
    ref = cells[f"unit:{UNASSIGNED}:total"]
    assert "NV_DonVi" in ws[ref].value and "FIND" not in ws[ref].value


def test_names_cover_the_data_columns(wb):
    assert _name_target(wb, "NV_TrangThai") == (S.SHEET_TASKS, "$M$5:$M$1000")
    assert _name_target(wb, "NV_DonVi") == (S.SHEET_TASKS, "$L$5:$L$1000")
    assert _name_target(wb, "CS_Cap") == (S.SHEET_INDEX, "$B$5:$B$1000")


def test_default_report_date_is_today_and_readable(tmp_path):
    path = write_master(make_plan(), tmp_path / "m.xlsx")
    assert read_as_of(path) == dt.date.today()
    assert read_as_of(tmp_path / "khong_co.xlsx") is None


def test_openpyxl_resave_keeps_dropdowns_names_and_formulas(master_file, tmp_path):
    """Consolidation re-saves the master with openpyxl: nothing of the layout may be lost."""
    wb1 = load_workbook(master_file)
    wb1[S.SHEET_TASKS]["M7"] = Status.DONE.value
    out = tmp_path / "resaved.xlsx"
    wb1.save(out)
    wb2 = load_workbook(out)
    assert set(wb2.defined_names.keys()) == set(wb1.defined_names.keys())
    assert len(wb2[S.SHEET_TASKS].data_validations.dataValidation) == 5
    assert wb2[S.SHEET_DASHBOARD]["C11"].value.startswith("=SUMPRODUCT(")
    assert wb2[S.SHEET_META].sheet_state == "veryHidden"
    assert read_master(out).plan.task("III-01").status == Status.DONE


def test_capacity_grows_with_plan():
    assert capacity_row(0) == 1000
    assert capacity_row(900) == S.FIRST_DATA_ROW + 900 + 500
    plan = make_plan()
    plan.tasks = [t.model_copy(update={"id": f"N-{i:04d}"}) for i in range(900) for t in plan.tasks[:1]]
    wb = build_master(plan, as_of=AS_OF)
    sheet, ref = _name_target(wb, "NV_Ma")
    min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    assert (min_row, max_row) == (5, 1405)
    assert f"M5:M{max_row}" in _validations(wb[S.SHEET_TASKS])


def test_read_as_of_refuses_date_typed_as_text(tmp_path):
    """A report date typed as text is refused (the formulas of 'Tổng quan' cannot compare dates with
    it, so using it in Python gave figures different from the sheet's); so is any other non-date."""
    import datetime as dt

    from openpyxl import load_workbook

    from cchc_xl.workbook.dashboard import NAME_AS_OF, read_as_of
    from cchc_xl.workbook.master import write_master
    from cchc_xl.core.models import Plan, PlanInfo

    path = write_master(Plan(info=PlanInfo(year=2025)), tmp_path / "so.xlsx", as_of=dt.date(2025, 6, 14))
    assert read_as_of(path) == dt.date(2025, 6, 14)
    wb = load_workbook(path)
    sheet, ref = next(iter(wb.defined_names[NAME_AS_OF].destinations))
    import pytest

    from cchc_xl.core.models import CchcError

    for typed in ("14/09/2025", "không rõ", None):
        wb[sheet][ref.replace("$", "")].value = typed
        wb.save(path)
        with pytest.raises(CchcError) as err:
            read_as_of(path)
        assert (err.value.finding.code, err.value.finding.cell) == ("as_of_not_date", ref.replace("$", ""))
    wb[sheet][ref.replace("$", "")].value = 45914          # an Excel date serial: the formulas use it
    wb.save(path)
    assert read_as_of(path) == dt.date(2025, 9, 14)


def test_sheet_text_is_written_in_utf8_not_character_references(master_file):
    """Vietnamese letters take 2-3 bytes, not 7 ("&#7907;"): same values for every reader."""
    import re
    import zipfile

    import python_calamine as pc

    with zipfile.ZipFile(master_file) as z:
        sheets = {n: z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/sheet")}
    assert sheets
    for name, xml in sheets.items():
        assert not re.search(rb"&#(?:[1-9][0-9]{2,}|x[0-9a-fA-F]{2,});", xml), name
        xml.decode("utf-8")
    assert "Rà soát".encode() in b"".join(sheets.values())
    wb_ = load_workbook(master_file)
    cal = pc.CalamineWorkbook.from_path(str(master_file))
    for ws in wb_.worksheets:
        rows = cal.get_sheet_by_name(ws.title).to_python()
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row, start=1):
                if isinstance(v, str) and v:
                    assert ws.cell(r, c).value == v


def test_utf8_save_leaves_openpyxl_as_it_was(tmp_path):
    """The writer openpyxl uses is swapped only during the save, also when the save fails."""
    from lxml.etree import xmlfile
    from openpyxl import Workbook
    from openpyxl.worksheet import _writer

    from cchc_xl.files.excel import save_xlsx

    wb_ = Workbook()
    wb_.active["A1"] = "Đã hoàn thành <&> \t"
    save_xlsx(wb_, tmp_path / "a.xlsx")
    assert _writer.xmlfile is xmlfile
    assert load_workbook(tmp_path / "a.xlsx").active["A1"].value == "Đã hoàn thành <&> \t"
    with pytest.raises(OSError):
        save_xlsx(wb_, tmp_path / "khong_co" / "b.xlsx")
    assert _writer.xmlfile is xmlfile
    wb_.save(tmp_path / "c.xlsx")      # openpyxl's own save: character references, as before
    import zipfile
    assert b"&#272;" in zipfile.ZipFile(tmp_path / "c.xlsx").read("xl/worksheets/sheet1.xml")
