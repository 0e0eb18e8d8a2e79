"""Validation rules: seed 002 index errors, task rules, remediation rules, cell references."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cchc_xl.core import schema as S
from cchc_xl.importers.index import import_index, sample_index
from cchc_xl.workbook.master import read_master, write_master
from cchc_xl.core.models import (Area, IndexArea, IndexCriterion, Plan, PlanInfo, RemediationItem, Status,
                            Task)
from cchc_xl.core.units import DEFAULT_UNITS
from cchc_xl.core.validate import (looks_like_formula_injection, validate_index, validate_master,
                              validate_plan, validate_remediation, validate_tasks)

FIXTURES = Path(__file__).parent / "fixtures"
SEED = FIXTURES / "cam_son_2023_chi_so.json"
AS_OF = dt.date(2025, 9, 14)          # Q3 cut-off

PORTAL = "Trang thông tin điện tử có đầy đủ"
DUP_FINANCE = "Thực hiện các kiến nghị sau thanh tra, kiểm tra, kiểm toán nhà nước về tài chính, ngân sách"

# Checked by hand against the seed (area deduction vs the sum of its criteria lines):
#   1: 0,7 + 0,16 + 1,5 + 0,04 + 0,1 = 2,5  vs 1,87  -> error (0,7 written, 0,07 = 1,5 - 1,43 meant)
#   2: 0,25                          = 0,25 vs 0,25  ok
#   3: 0,01 + 0,5                    = 0,51 vs 1,51  -> error (1 point not explained)
#   4: 0,5                           = 0,5  vs 0,5   ok
#   5: 0,38 + 1 + ("không có điểm")  = 1,38 vs 1,88  -> warning (0,5 left for the unnumbered line)
#   6: 0,14 + 0,5                    = 0,64 vs 0,64  ok
#   7: 0,2+0,5+0,5+0,73+1+0,18+0,39+0,22+0,25+0,25+0,75+0,25+0,5 = 5,72 vs 5,73 -> error (0,01)
#   8: 0,01 + 2 + 0,5 + 0,53         = 3,04 vs 2,54  -> error
# Every area row itself is consistent (max - appraised = deducted) and the totals are
# 100 / 85,08 / 14,92.  Area 7 repeats area 6's finance criterion (copy-paste).
SEED_EXPECTED = {
    ("error", "deduction_mismatch", "1", "Thực hiện Kế hoạch CCHC"),
    ("error", "area_sum_mismatch", "1", ""),
    ("error", "area_sum_mismatch", "3", ""),
    ("warning", "criterion_no_deduction", "5", "Trong năm không có văn bản phê bình của cấp trên"),
    ("warning", "area_sum_incomplete", "5", ""),
    ("error", "deduction_gt_max", "7", PORTAL),
    ("error", "area_sum_mismatch", "7", ""),
    ("error", "area_sum_mismatch", "8", ""),
    ("warning", "duplicate_criterion", "7", DUP_FINANCE),
}


def _key(f) -> tuple[str, str, str, str]:
    area = f.message.split(" ", 3)[2].rstrip(":,")      # "Lĩnh vực 7 (...)"
    crit = f.message.split("tiêu chí '", 1)[1].split("'", 1)[0] if "tiêu chí '" in f.message else ""
    if crit.startswith(PORTAL):
        crit = PORTAL
    return (f.severity, f.code, area, crit)


def _seed_plan(path: Path = SEED) -> Plan:
    areas, criteria, findings = import_index(path)
    assert findings == []
    return Plan(info=PlanInfo(year=2024, index_year=2023), index_areas=areas, index_criteria=criteria)


def _corrected_copy(tmp_path: Path) -> Path:
    """The seed with its two known typos fixed.

    * area 1: "bị trừ 0,7 điểm" -> "bị trừ 0,07 điểm" (1,5 - 1,43);
    * area 7, portal: the *maximum* is the typo ("tổng 0,5" -> "tổng 1"): with a
      deduction of 1 the area adds up to 5,72, near the published 5,73, whereas 0,5
      would leave 5,22.
    """
    doc = json.loads(SEED.read_text(encoding="utf-8"))
    a1 = doc["areas"][0]["criteria"]
    a1[0] = a1[0].replace("bị trừ 0,7 điểm", "bị trừ 0,07 điểm")
    a7 = doc["areas"][6]["criteria"]
    i = next(i for i, line in enumerate(a7) if line.startswith(PORTAL))
    a7[i] = a7[i].replace("bị trừ 1 điểm (tổng 0,5 điểm)", "bị trừ 1 điểm (tổng 1 điểm)")
    p = tmp_path / "cam_son_2023_chi_so_da_sua.json"
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return p


# ---------------------------------------------------------------- seed 002

def test_seed_index_errors_exactly():
    findings = validate_index(_seed_plan())
    assert {_key(f) for f in findings} == SEED_EXPECTED
    assert len(findings) == len(SEED_EXPECTED)
    msg = {(_key(f)[1], _key(f)[2]): f.message for f in findings}
    assert "0,7" in msg[("deduction_mismatch", "1")] and "= 0,07" in msg[("deduction_mismatch", "1")]
    assert "2,5" in msg[("area_sum_mismatch", "1")] and "1,87" in msg[("area_sum_mismatch", "1")]
    assert "điểm bị trừ 1 lớn hơn điểm tối đa 0,5" in msg[("deduction_gt_max", "7")]
    assert "5,72" in msg[("area_sum_mismatch", "7")] and "5,73" in msg[("area_sum_mismatch", "7")]
    assert "3,04" in msg[("area_sum_mismatch", "8")] and "2,54" in msg[("area_sum_mismatch", "8")]
    assert "0,51" in msg[("area_sum_mismatch", "3")] and "1,51" in msg[("area_sum_mismatch", "3")]
    assert "phần chênh lệch 0,5" in msg[("area_sum_incomplete", "5")]


def test_corrected_copy_clears_the_known_errors(tmp_path):
    findings = validate_index(_seed_plan(_corrected_copy(tmp_path)))
    fixed = {("error", "deduction_mismatch", "1", "Thực hiện Kế hoạch CCHC"),
             ("error", "area_sum_mismatch", "1", ""), ("error", "deduction_gt_max", "7", PORTAL)}
    assert {_key(f) for f in findings} == SEED_EXPECTED - fixed


def test_fully_consistent_index_has_no_findings():
    areas, criteria, _ = sample_index()
    consistent = [c for c in criteria if c.area in (Area.THE_CHE, Area.TO_CHUC, Area.TAI_CHINH)]
    plan = Plan(info=PlanInfo(year=2024), index_areas=areas, index_criteria=consistent)
    assert validate_index(plan) == []


def test_seed_cells_after_master_roundtrip(tmp_path):
    areas, criteria, items = sample_index()
    plan = Plan(info=PlanInfo(year=2024, index_year=2023), units=DEFAULT_UNITS, index_areas=areas,
                index_criteria=criteria, remediation=items)
    path = tmp_path / "so_tong_hop.xlsx"
    write_master(plan, path, make_backup=False)
    findings = validate_master(read_master(path), as_of=dt.date(2024, 6, 30))
    assert [f.code for f in findings if f.sheet == S.SHEET_TASKS] == ["no_tasks"]   # index-only master
    findings = [f for f in findings if f.code != "no_tasks"]
    cells = {(f.code, f.cell) for f in findings}
    # index sheet: area 1 on row 5, its criteria on rows 6-10; area 7 on row 25, portal on row 30
    assert ("deduction_mismatch", "G6") in cells
    assert ("area_sum_mismatch", "G5") in cells
    assert ("deduction_gt_max", "G30") in cells
    assert ("area_sum_mismatch", "G39") in cells                 # area 8
    assert all(f.file == "so_tong_hop.xlsx" and f.sheet == S.SHEET_INDEX for f in findings)
    assert len(findings) == len(SEED_EXPECTED)                   # remediation covers every area
    ws = load_workbook(path)[S.SHEET_INDEX]
    assert ws["G6"].value == 0.7 and ws["D30"].value.startswith(PORTAL)


# ---------------------------------------------------------------- index rules in code

def _areas(**overrides: tuple[float, float | None, float | None]) -> list[IndexArea]:
    base = {"1": (11, 11, 0), "2": (7, 7, 0), "3": (14.5, 14.5, 0), "4": (6, 6, 0),
            "5": (16.5, 16.5, 0), "6": (13.5, 13.5, 0), "7": (20, 20, 0), "8": (11.5, 11.5, 0)}
    base.update(overrides)
    return [IndexArea(area=Area(k), max_points=m, appraised=a, deducted=d) for k, (m, a, d) in base.items()]


def test_index_area_rules():
    areas = _areas(**{"2": (7, 7.5, -0.5), "3": (14.5, 12, 2.6)})
    areas = [a for a in areas if a.area != Area.TAC_DONG]           # area 8 missing
    findings = validate_index(Plan(info=PlanInfo(year=2025), index_areas=areas))
    codes = sorted((f.severity, f.code) for f in findings)
    assert codes == sorted([
        ("error", "negative_points"),          # area 2 deducted -0,5
        ("error", "appraised_gt_max"),         # area 2 7,5 > 7
        ("error", "deduction_mismatch"),       # area 3 2,6 vs 2,5
        ("warning", "area_missing"),           # area 8
        ("warning", "total_max"),              # 88,5 != 100
    ])
    m = next(f for f in findings if f.code == "deduction_mismatch").message
    assert m.startswith("Lĩnh vực 3") and "2,6" in m and "= 2,5" in m
    assert "88,5" in next(f for f in findings if f.code == "total_max").message


def test_area_sum_with_unknown_criterion_exceeding_is_error():
    areas = _areas(**{"5": (16.5, 15.5, 1)})
    crits = [IndexCriterion(area=Area.CONG_VU, name="A", deducted=1.2),
             IndexCriterion(area=Area.CONG_VU, name="B", appraised=0)]
    findings = validate_index(Plan(info=PlanInfo(year=2025), index_areas=areas, index_criteria=crits))
    assert sorted(f.code for f in findings) == ["area_sum_mismatch", "criterion_no_deduction"]


def test_criterion_deduction_computed_from_max_and_appraised():
    areas = _areas(**{"1": (11, 10.5, 0.5)})
    crits = [IndexCriterion(area=Area.CHI_DAO, name="A", max_points=2, appraised=1.7),
             IndexCriterion(area=Area.CHI_DAO, name="B", max_points=1, appraised=0.8, deducted=0.2)]
    assert validate_index(Plan(info=PlanInfo(year=2025), index_areas=areas, index_criteria=crits)) == []


def test_duplicate_area_rows():
    areas = _areas() + [IndexArea(area=Area.CHI_DAO, max_points=11, appraised=11, deducted=0)]
    findings = validate_index(Plan(info=PlanInfo(year=2025), index_areas=areas))
    assert "duplicate_area" in {f.code for f in findings}


def test_no_index_data_no_findings():
    assert validate_index(Plan(info=PlanInfo(year=2025))) == []


# ---------------------------------------------------------------- tasks

def _task(tid: str, **kw) -> Task:
    base = dict(id=tid, area=Area.CHI_DAO, title=f"Nhiệm vụ {tid}", deadline_text="Tháng 12/2025",
                due=dt.date(2025, 12, 31), lead="Văn phòng HĐND và UBND xã", lead_units=["VP"])
    base.update(kw)
    return Task(**base)


def _plan(*tasks: Task) -> Plan:
    return Plan(info=PlanInfo(year=2025), units=DEFAULT_UNITS, tasks=list(tasks))


def _codes(findings) -> list[tuple[str, str, str]]:
    return [(f.task_id, f.severity, f.code) for f in findings]


def test_clean_tasks_have_no_findings():
    plan = _plan(_task("I-01", status=Status.DONE, progress=100, completed_on=dt.date(2025, 3, 2)),
                 _task("I-02", status=Status.IN_PROGRESS, progress=40),
                 _task("I-03", deadline_text="Thường xuyên", due=None, status=Status.ONGOING, progress=60),
                 _task("I-04", deadline_text="Khi có Kế hoạch của UBND tỉnh", due=None),
                 _task("I-05", lead="Các phòng, ban chuyên môn", lead_units=["VP", "VHXH", "KT", "PVHCC"]),
                 _task("I-06", evidence="- Kế hoạch số 12/KH-UBND; + Tổ 1 đã họp", note="+84 912 345 678"),
                 _task("I-07", status=Status.DONE, progress=100, completed_on=dt.date(2024, 12, 20)))
    assert validate_tasks(plan, as_of=AS_OF) == []


@pytest.mark.parametrize("task, expected", [
    (_task("T", progress=120), [("error", "progress_range"), ("warning", "progress_not_done")]),
    (_task("T", progress=-5), [("error", "progress_range")]),
    (_task("T", status=Status.DONE, progress=80, completed_on=dt.date(2025, 5, 1)), [("error", "done_progress")]),
    (_task("T", status=Status.DONE, progress=100), [("warning", "done_no_date")]),
    (_task("T", status=Status.IN_PROGRESS, progress=100), [("warning", "progress_not_done")]),
    (_task("T", status=Status.IN_PROGRESS, progress=50, completed_on=dt.date(2025, 5, 1)),
     [("warning", "date_not_done")]),
    (_task("T", status=Status.DONE, progress=100, completed_on=dt.date(2025, 10, 1)), [("error", "date_future")]),
    # the 2025 period starts on 15/12/2024
    (_task("T", status=Status.DONE, progress=100, completed_on=dt.date(2024, 12, 14)),
     [("error", "date_before_year")]),
    (_task("T", lead="", lead_units=[]), [("error", "missing_lead")]),
    (_task("T", lead="Phòng Tư pháp", lead_units=[]), [("error", "unknown_lead")]),
    (_task("T", lead="Phòng VHXH", lead_units=[]), [("warning", "lead_units_missing")]),
    (_task("T", lead_units=["XYZ"]), [("error", "unknown_unit_code")]),
    (_task("T", deadline_text="Tháng 9/2025", due=None), [("warning", "missing_due_suggested")]),
    (_task("T", deadline_text="", due=None), [("warning", "missing_due")]),
    (_task("T", due=dt.date(2025, 6, 30), status=Status.IN_PROGRESS, progress=30), [("warning", "overdue")]),
    (_task("T", due=dt.date(2025, 9, 14)), []),                  # due today: not late yet
    (_task("T", due=dt.date(2025, 6, 30), status=Status.CANCELLED), []),
    (_task("T", title="=HYPERLINK(\"http://x.example/a\",\"Bấm vào\")"), [("error", "formula_injection")]),
    (_task("T", evidence="=cmd|' /C calc'!A0"), [("error", "formula_injection")]),
])
def test_task_rules(task, expected):
    findings = validate_tasks(_plan(task), as_of=AS_OF)
    assert sorted((f.severity, f.code) for f in findings) == sorted(expected)
    assert all(f.task_id == "T" and f.message.startswith("Nhiệm vụ T") for f in findings)


def test_task_messages_are_specific():
    f = validate_tasks(_plan(_task("T", due=dt.date(2025, 6, 30))), as_of=AS_OF)[0]
    assert "quá hạn 76 ngày" in f.message and "30/06/2025" in f.message
    f = validate_tasks(_plan(_task("T", deadline_text="Tháng 9/2025", due=None)), as_of=AS_OF)[0]
    assert "30/09/2025" in f.message
    f = validate_tasks(_plan(_task("T", lead="Phòng Tư pháp; Phòng VHXH", lead_units=[])), as_of=AS_OF)[0]
    assert "'Phòng Tư pháp'" in f.message and "VHXH" not in f.message
    f = validate_tasks(_plan(_task("T", lead="Phòng VHXH", lead_units=[])), as_of=AS_OF)[0]
    assert "VHXH" in f.message
    f = validate_tasks(_plan(_task("T", evidence="=cmd|' /C calc'!A0")), as_of=AS_OF)[0]
    assert "nghi ngờ công thức độc hại" in f.message


def test_duplicate_ids_in_plan_and_no_units():
    plan = Plan(info=PlanInfo(year=2025), tasks=[_task("A"), _task("A")])
    findings = validate_tasks(plan, as_of=AS_OF)
    assert sorted(f.code for f in findings) == ["duplicate_id", "no_units"]


# ---------------------------------------------------------------- tasks through the workbook

def test_task_cells_after_master_roundtrip(tmp_path):
    plan = _plan(
        _task("I-01", status=Status.DONE, progress=100, completed_on=dt.date(2025, 2, 1)),    # row 5
        _task("I-02", due=dt.date(2025, 5, 31)),                                              # row 6
        _task("I-03", status=Status.IN_PROGRESS, progress=100),                               # row 7
        _task("I-04", progress=150, note="@SUM(1+1)*cmd|' /C calc'!A0"),                      # row 8
        _task("I-05", lead="Ban Quản lý chợ", lead_units=[], completed_on=dt.date(2026, 1, 5)),  # row 9
    )
    path = tmp_path / "so_tong_hop.xlsx"
    write_master(plan, path, make_backup=False)
    data = read_master(path)
    findings = validate_master(data, as_of=AS_OF)
    got = {(f.code, f.cell) for f in findings}
    assert got == {
        ("overdue", "H6"),
        ("progress_not_done", "M7"),
        ("progress_range", "N8"), ("progress_not_done", "M8"), ("formula_injection", "Q8"),
        ("unknown_lead", "I9"), ("date_not_done", "O9"), ("date_future", "O9"),
    }
    assert all(f.file == "so_tong_hop.xlsx" and f.sheet == S.SHEET_TASKS for f in findings)
    assert "Lỗi:" in str(next(f for f in findings if f.code == "progress_range"))
    assert "ô N8" in str(next(f for f in findings if f.code == "progress_range"))


def test_duplicate_id_reported_once(tmp_path):
    path = tmp_path / "so_tong_hop.xlsx"
    write_master(_plan(_task("I-01"), _task("I-02")), path, make_backup=False)
    wb = load_workbook(path)
    wb[S.SHEET_TASKS]["A6"] = "I-01"
    wb.save(path)
    data = read_master(path)
    findings = validate_master(data, as_of=AS_OF)
    dups = [f for f in findings if "trùng" in f.message]
    assert len(dups) == 1 and dups[0].cell == "A6"
    assert validate_master(data, as_of=AS_OF, include_read_findings=False) == []


@pytest.mark.parametrize("cell, repeated", [("VP; VP", "'VP'"), ("KT;VP; KT", "'KT'"),
                                             ("VP, KT; VP; KT", "'VP', 'KT'")])
def test_unit_code_listed_twice(tmp_path, cell, repeated):
    """A code written twice in "Mã đơn vị chủ trì": kiem-tra warns at the cell; the task counts once."""
    path = tmp_path / "so_tong_hop.xlsx"
    write_master(_plan(_task("I-01"), _task("I-02")), path, make_backup=False)
    col = S.col_letter(S.TASK_COLUMNS, "lead_units")
    wb = load_workbook(path)
    wb[S.SHEET_TASKS][f"{col}6"] = cell
    wb.save(path)
    data = read_master(path)
    assert len(data.plan.task("I-02").lead_units) == len(set(c.strip() for c in cell.replace(",", ";").split(";")))
    found = [f for f in validate_master(data, as_of=AS_OF) if f.code == "duplicate_unit_code"]
    assert len(found) == 1
    f = found[0]
    assert (f.severity, f.sheet, f.cell, f.task_id) == ("warning", S.SHEET_TASKS, f"{col}6", "I-02")
    assert repeated in f.message and "một lần" in f.message


@pytest.mark.parametrize("code, first", [("VP", 5), (" VP ", 5), ("vp", 5), ("KT", 7)])
def test_unit_code_written_twice_on_the_units_sheet(tmp_path, code, first):
    """A unit code on two rows of "Đơn vị": which row names the unit, gets its forms and mails is
    unknown - an error of kiem-tra naming both rows (the second is not read)."""
    path = tmp_path / "so_tong_hop.xlsx"
    write_master(_plan(_task("I-01")), path, make_backup=False)
    wb = load_workbook(path)
    ws = wb[S.SHEET_UNITS]
    assert ws[f"A{first}"].value == code.strip().upper()
    extra = ws.max_row + 1
    ws[f"A{extra}"], ws[f"B{extra}"] = code, "Văn phòng (bản 2)"
    wb.save(path)
    data = read_master(path)
    assert [u.name for u in data.plan.units if u.code.casefold() == code.strip().casefold()] != ["Văn phòng (bản 2)"]
    found = [f for f in validate_master(data, as_of=AS_OF) if f.sheet == S.SHEET_UNITS]
    assert [(f.severity, f.code, f.cell) for f in found] == [("error", "duplicate_id", f"A{extra}")]
    assert f"Mã đơn vị '{code.strip()}' bị trùng (đã có ở dòng {first})" in found[0].message


# ---------------------------------------------------------------- remediation

def _rem_plan(*items: RemediationItem) -> Plan:
    areas = _areas(**{"1": (11, 10, 1), "3": (14.5, 14, 0.5)})
    crits = [IndexCriterion(area=Area.CHI_DAO, name="Đối thoại với người dân", max_points=1, appraised=0,
                            deducted=1),
             IndexCriterion(area=Area.TTHC, name="Rà soát TTHC", deducted=0.5),
             IndexCriterion(area=Area.TTHC, name="Công khai TTHC", max_points=1, appraised=1, deducted=0)]
    return Plan(info=PlanInfo(year=2025, index_year=2024), index_areas=areas, index_criteria=crits,
                remediation=list(items))


def _rem(rid: str, area: Area, criterion: str, **kw) -> RemediationItem:
    return RemediationItem(id=rid, area=area, criterion=criterion, deadline_text="Năm 2025", **kw)


def test_remediation_rules():
    plan = _rem_plan(
        _rem("KP-01", Area.CHI_DAO, "đối thoại với người dân", deducted=1),       # case-insensitive match
        _rem("KP-02", Area.TTHC, "Công khai TTHC"),                                # not deducted -> info
        _rem("KP-03", Area.TTHC, "Tiêu chí không có"),                              # unknown -> info
        _rem("KP-04", Area.CHI_DAO, "Đối thoại với người dân", deducted=0.7),       # differs from index
        _rem("KP-05", Area.TTHC, "Rà soát TTHC", status=Status.DONE, progress=60),
        _rem("KP-05", Area.TTHC, "Rà soát TTHC"),
        _rem("KP-06", Area.THE_CHE, ""),                                            # area 2 not deducted
    )
    findings = validate_remediation(plan, as_of=AS_OF)
    assert sorted(_codes(findings)) == sorted([
        ("KP-02", "info", "remediation_not_deducted"),
        ("KP-03", "info", "remediation_unknown_criterion"),
        ("KP-04", "warning", "remediation_deduction"),
        ("KP-05", "error", "done_progress"),
        ("KP-05", "warning", "done_no_date"),
        ("KP-05", "error", "duplicate_id"),
        ("KP-06", "info", "remediation_not_deducted"),
    ])


def test_area_without_remediation_names_index_row(tmp_path):
    plan = _rem_plan(_rem("KP-01", Area.TTHC, "Rà soát TTHC"))
    plan = plan.model_copy(update={"units": DEFAULT_UNITS})
    assert [(f.severity, f.code) for f in validate_remediation(plan, as_of=AS_OF)] == [
        ("warning", "no_remediation")]
    path = tmp_path / "so_tong_hop.xlsx"
    write_master(plan, path, make_backup=False)
    findings = validate_master(read_master(path), as_of=AS_OF)
    f = next(f for f in findings if f.code == "no_remediation")
    assert (f.sheet, f.cell) == (S.SHEET_INDEX, "G5") and "Lĩnh vực 1" in f.message


def test_validate_plan_runs_everything():
    areas, criteria, items = sample_index()
    plan = Plan(info=PlanInfo(year=2024, index_year=2023), units=DEFAULT_UNITS, index_areas=areas,
                index_criteria=criteria, remediation=items[1:],
                tasks=[_task("X", progress=101)])
    codes = {f.code for f in validate_plan(plan, as_of=dt.date(2024, 6, 1))}
    assert {"progress_range", "deduction_gt_max", "area_sum_mismatch"} <= codes
    assert "remediation_unknown_criterion" not in codes


# ---------------------------------------------------------------- formula injection

@pytest.mark.parametrize("value", [
    "=cmd|' /C calc'!A0", "=HYPERLINK(\"http://x.example\",\"Bấm\")", "+SUM(A1:A9)", "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0", "=1+1", "=A1", "  =SUM(A1:A3)", "\t=1+2", "＝HYPERLINK(\"x\")", "+A1+B2",
    "=Sheet1!A1", "=DDE(\"cmd\";\"/C calc\";\"!A0\")", "Xem DDEAUTO c:\\\\windows",
])
def test_formula_injection_detected(value):
    assert looks_like_formula_injection(value)


@pytest.mark.parametrize("value", [
    "- Nêu cao vai trò trách nhiệm của người đứng đầu", "+ Tổ 1 thôn Đông", "+84 912 345 678",
    "- TTHC (thủ tục hành chính)", "=> xem phụ lục", "- 15/3/2025", "- B2 ở ngoài", "Số 12/KH-UBND",
    "@ Văn phòng", "", None, 5, 100.0, "Ghi chú: tỷ lệ đạt 95%",
])
def test_formula_injection_not_flagged(value):
    assert not looks_like_formula_injection(value)
