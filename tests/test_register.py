"""Register "Tình hình gửi phiếu": the pure events and figures, the sheet edits, and the
dashboard block recalculated by LibreOffice against ``register.summary``."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from cchc_xl.core import register as R
from cchc_xl.core import schema as S
from cchc_xl.core.models import Plan, PlanInfo, Unit
from cchc_xl.roundtrip.register import read_register, register_rows, write_register
from cchc_xl.workbook.dashboard import NAME_PERIOD, dashboard_cells
from cchc_xl.workbook.master import write_master
from cchc_xl.workbook.register_sheet import register_cell_edits

D = dt.date
Q3, Q1 = "Quý III/2025", "Quý I/2025"
UNITS = [("VP", "Văn phòng"), ("VHXH", "Phòng Văn hóa - Xã hội"), ("KT", "Phòng Kinh tế"),
         ("PVHCC", "Trung tâm PVHCC"), ("CA", "Công an xã")]


def ret(unit: str, file: str, sha: str, day: dt.date, period: str = Q3, **kw) -> R.ReturnInfo:
    return R.ReturnInfo(period=period, unit=unit, file=file, sha256=sha, received_on=day, **kw)


def varied() -> list[R.Submission]:
    """Q1 (older) and Q3 rows in every state: on time, late, refused cells, refused file,
    missing before and after the deadline, no deadline."""
    subs = R.record_issue([], Q1, UNITS[:2], version=1, issued_on=D(2025, 3, 15), due=D(2025, 3, 17),
                          today=D(2025, 3, 15))
    subs = R.record_returns(subs, [ret("VP", "q1_vp.xlsx", "a1", D(2025, 3, 16), Q1)], today=D(2025, 3, 18))
    subs = R.record_issue(subs, Q3, UNITS, version=2, issued_on=D(2025, 9, 15), due=None, today=D(2025, 9, 15))
    subs = R.record_deadline(subs, Q3, UNITS[:4], due=D(2025, 9, 17), mailed_on=D(2025, 9, 15),
                             today=D(2025, 9, 15))
    subs = R.record_returns(subs, [
        ret("VP", "vp.xlsx", "b1", D(2025, 9, 17)),                                  # on the deadline day
        ret("VHXH", "vhxh.xlsx", "b2", D(2025, 9, 19), refused_cells=2,
            details=["trang 'Phân công', ô N7 (III-03): 'Tiến độ (%)' không hợp lệ", "ô O9: ngày sai"]),
        ret("KT", "kt.xlsx", "b3", D(2025, 9, 20), file_refused=True, details=["Cả tệp bị từ chối: x"]),
    ], today=D(2025, 9, 20))
    return subs


def test_statuses_and_summary_by_hand():
    subs = varied()
    q3 = {s.unit: s for s in R.of_period(subs, Q3)}
    day = D(2025, 9, 20)
    assert {u: s.compute_status(day) for u, s in q3.items()} == {
        "VP": R.STATUS_ON_TIME, "VHXH": R.STATUS_CELLS_REFUSED, "KT": R.STATUS_FILE_REFUSED,
        "PVHCC": R.STATUS_OVERDUE, "CA": R.STATUS_PENDING}          # CA: no deadline given
    assert q3["VHXH"].late and q3["KT"].late and not q3["VP"].late
    assert R.summary(subs, Q3, day) == {"issued": 5, "returned": 3, "on_time": 1, "late": 2, "missing": 2,
                                        "overdue": 1, "refused": 2, "refused_cells": 2, "percent": 0.6}
    assert R.summary(subs, Q1, day)["returned"] == 1 and R.latest_period(subs) == Q3
    assert [s.unit for s in R.needing_reminder(subs, Q3, day)] == ["VHXH", "KT", "PVHCC", "CA"]
    assert [s.unit for s in R.needing_reminder(subs, Q3, D(2025, 9, 16))] == ["VHXH", "KT", "PVHCC", "CA"]
    assert q3["VHXH"].detail_lines()[0].startswith("trang 'Phân công', ô N7")


def test_returns_supersede_and_repeat_is_idempotent():
    subs = varied()
    again = R.record_returns(subs, [ret("VP", "vp.xlsx", "b1", D(2025, 9, 25), seen_before=True),
                                    ret("VP", "vp.xlsx", "b1", D(2025, 9, 25))], today=D(2025, 9, 20))
    assert again == subs
    newer = R.record_returns(subs, [ret("VHXH", "vhxh_sua.xlsx", "c2", D(2025, 9, 21))], today=D(2025, 9, 21))
    v = R.find(newer, Q3, "vhxh")
    assert (v.file, v.returns, v.refused_cells, v.details, v.superseded) == ("vhxh_sua.xlsx", 2, 0, "",
                                                                              "tệp vhxh.xlsx")
    assert v.compute_status(D(2025, 9, 21)) == R.STATUS_LATE
    reissued = R.record_issue(newer, Q3, UNITS[1:2], version=3, issued_on=D(2025, 9, 22), due=None,
                              today=D(2025, 9, 22))
    v = R.find(reissued, Q3, "VHXH")
    assert v.version == 3 and v.superseded == "tệp vhxh.xlsx; phiếu phiên bản 2" and v.due == D(2025, 9, 17)
    # a file of a unit the register does not know yet (master older than the register) is added
    added = R.record_returns([], [ret("VP", "vp.xlsx", "z", D(2025, 9, 16), seen_before=True)],
                             names={"VP": "Văn phòng"}, today=D(2025, 9, 16))
    assert [(s.unit, s.unit_name, s.file) for s in added] == [("VP", "Văn phòng", "vp.xlsx")]


def test_rows_round_trip_and_hand_edits_survive():
    subs = varied()
    rows = [["TÌNH HÌNH GỬI PHIẾU"], [], [], [c.header for c in S.SUBMISSION_COLUMNS]] + \
        [R.submission_row(s) for s in subs]
    back = R.read_submissions(rows)
    assert back == subs
    # the official corrects "Ngày nhận" of KT by hand (typed as text): it is read and kept
    rows[4 + 4][S.col_index(S.SUBMISSION_COLUMNS, "received_on") - 1] = "16/09/2025"
    edited = R.read_submissions(rows)
    assert R.find(edited, Q3, "VHXH").received_on == D(2025, 9, 19)
    assert [s.received_on for s in edited if s.unit == "KT" and s.period == Q3] == [D(2025, 9, 16)]
    # nothing changes -> no cell to write
    sheet = [[None], [None, None, None, None, Q3]] + rows[2:4] + [R.submission_row(s) for s in subs]
    assert register_cell_edits(sheet, back) == {}
    fewer = register_cell_edits(sheet, back[:2])
    assert fewer[(5 + 2, 1)] is None and (5, 1) not in fewer   # rows below are cleared


@pytest.fixture()
def master(tmp_path):
    plan = Plan(info=PlanInfo(commune="xã Quảng Sơn", year=2025),
                units=[Unit(code=c, name=n) for c, n in UNITS])
    return write_master(plan, tmp_path / "So.xlsx", as_of=D(2025, 9, 20))


def test_write_register_patches_only_that_sheet(master):
    before = load_workbook(master)
    assert read_register(master) == [] and register_rows(master) is not None
    subs = varied()
    assert write_register(master, subs)
    assert read_register(master) == subs
    assert not write_register(master, subs)          # nothing changed: file untouched
    wb = load_workbook(master)
    assert wb.sheetnames == before.sheetnames
    ws = wb[S.SHEET_SUBMISSIONS]
    assert ws["E2"].value == Q3
    assert ws.cell(S.FIRST_DATA_ROW, S.col_index(S.SUBMISSION_COLUMNS, "issued_on")).number_format == "dd/mm/yyyy"
    rules = [r for rng in ws.conditional_formatting for r in rng.rules]
    assert any(R.STATUS_OVERDUE in (r.formula or [""])[0] for r in rules)


def test_master_without_register_sheet_gets_one(master, tmp_path):
    wb = load_workbook(master)
    del wb[S.SHEET_SUBMISSIONS]
    old = tmp_path / "Cu.xlsx"
    wb.save(old)
    assert register_rows(old) is None and read_register(old) == []
    assert write_register(old, varied())
    assert read_register(old) == varied()


@pytest.mark.libreoffice
@pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
@pytest.mark.parametrize("typed_period", [None, Q1, "empty"])
def test_dashboard_block_matches_python_after_recalculation(master, tmp_path, typed_period):
    from cchc_xl.report.pdf import recalculate

    subs = [] if typed_period == "empty" else varied()   # "empty": a new master, nothing issued yet
    typed_period = None if typed_period == "empty" else typed_period
    write_register(master, subs)
    if typed_period:
        wb = load_workbook(master)
        defined = wb.defined_names[NAME_PERIOD]
        sheet, ref = next(iter(defined.destinations))
        wb[sheet][ref.replace("$", "")] = typed_period
        wb.save(master)
    out = load_workbook(recalculate(master, tmp_path / "lo"), data_only=True)
    ws = out[S.SHEET_DASHBOARD]
    cells = dashboard_cells(load_workbook(master)[S.SHEET_DASHBOARD])
    period = typed_period or (Q3 if subs else "")
    assert (ws[cells["submissions:period"]].value or "") == period
    expected = R.summary(subs, period, D(2025, 9, 20))   # the dashboard's Ngày số liệu
    got = {k: ws[cells[f"submissions:{k}"]].value for k, _l in R.SUMMARY_FIELDS}
    got = {k: (round(v, 4) if isinstance(v, float) else "" if v is None else v) for k, v in got.items()}
    assert got == expected
    if not typed_period and subs:
        assert expected["overdue"] == 1 and expected["late"] == 2   # the block is not trivially zero
    if not subs:
        assert got["issued"] == 0 and got["percent"] == ""   # not the 4 995 blank rows


def test_old_master_with_a_chart_is_not_rewritten_by_openpyxl(tmp_path):
    """A master made before the register, holding a chart: Tạo phiếu still writes the
    workbooks, warns that the register was not kept, and the chart is still there."""
    import zipfile

    from openpyxl.chart import BarChart, Reference

    from cchc_xl.core.models import Area, Task
    from cchc_xl.roundtrip.split import split_master_detailed

    plan = Plan(info=PlanInfo(commune="xã Quảng Sơn", year=2025), units=[Unit(code=c, name=n) for c, n in UNITS],
                tasks=[Task(id="I-01", area=Area.THE_CHE, title="Rà soát văn bản", lead_units=["VP"])])
    wb = load_workbook(write_master(plan, tmp_path / "Moi.xlsx", as_of=D(2025, 9, 14)))
    del wb[S.SHEET_SUBMISSIONS]
    ws = wb[S.SHEET_UNITS]
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=1, min_row=5, max_row=6))
    ws.add_chart(chart, "H2")
    old = tmp_path / "Cu.xlsx"
    wb.save(old)
    result = split_master_detailed(old, tmp_path / "phieu", period_label=Q3)
    assert len(result.files) == 1
    (warning,) = [f for f in result.findings if f.code == "register_no_sheet"]
    assert warning.severity == "warning" and "Tình hình gửi phiếu" in warning.message
    with zipfile.ZipFile(old) as z:
        assert any(n.startswith("xl/charts/") for n in z.namelist())
    assert register_rows(old) is None
