"""Issue 8, "Import never loses a task": appendix tables laid out the ways offices build them.

Every fixture is built here (python-docx / openpyxl) as a variant of the Quảng Sơn 2025
appendix: split over several tables, cells merged down over several tasks, conditional and
multi-milestone deadlines, unit lists inside a cell, files with no appendix at all.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
import pytest
import typer
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from cchc_xl.cli import plan as cli_plan
from cchc_xl.cli import roundtrip as cli_roundtrip
from cchc_xl.core import schema as S
from cchc_xl.core.compute import overdue_tasks, passed_milestones, task_state
from cchc_xl.core.deadlines import parse_deadline, task_milestones
from cchc_xl.core.intake import intake_summary
from cchc_xl.core.models import CchcError, DeadlineKind as K, Milestone, Status
from cchc_xl.core.units import DEFAULT_UNITS, UnitRegistry
from cchc_xl.core.validate import validate_tasks
from cchc_xl.importers.appendix import import_appendix
from cchc_xl.workbook.master import read_master

D = dt.date
HEADER = ["TT", "Nhiệm vụ", "Sản phẩm", "Thời gian hoàn thành", "Chủ trì thực hiện", "Phối hợp thực hiện",
          "Theo dõi, kiểm tra, đôn đốc"]


def task_row(n: int, title: str, *, deadline: str = "Trong năm 2025", lead: str = "Phòng VHXH",
             partners: str = "Phòng Kinh tế", monitor: str = "Phòng VHXH") -> list[str]:
    return [str(n), title, f"Sản phẩm {n}", deadline, lead, partners, monitor]


def add_table(d, rows: list[list[str]]):
    t = d.add_table(rows=len(rows), cols=len(rows[0]))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            t.cell(r, c).text = value
    return t


def section(roman: str, name: str) -> list[str]:
    return [roman, name, "", "", "", "", ""]


def titles(result) -> list[str]:
    return [t.title for t in result.tasks]


# ---------------------------------------------------------------- appendix over several tables

def _split_docx(path: Path, variant: str) -> list[str]:
    """A Word plan whose appendix is split in two tables; returns the expected task titles."""
    d = docx.Document()
    d.add_paragraph("ỦY BAN NHÂN DÂN XÃ QUẢNG SƠN")
    add_table(d, [["UBND XÃ QUẢNG SƠN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
                  ["Số: 149/KH-UBND", "Quảng Sơn, ngày 30 tháng 7 năm 2025"]])   # letterhead table
    d.add_paragraph("PHÂN CÔNG THỰC HIỆN NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2025")
    first = [HEADER, section("I", "Cải cách thể chế"),
             task_row(1, "Rà soát văn bản quy phạm pháp luật"), task_row(2, "Theo dõi thi hành pháp luật")]
    add_table(d, first)
    expected = ["Rà soát văn bản quy phạm pháp luật", "Theo dõi thi hành pháp luật"]
    if variant == "repeated_header":
        d.add_page_break()
        second = [HEADER, task_row(3, "Kiểm soát thủ tục hành chính"), section("II", "Cải cách thủ tục hành chính"),
                  task_row(1, "Số hóa hồ sơ")]
    elif variant == "no_header_numbering_continues":
        d.add_paragraph("(tiếp theo)")
        second = [task_row(3, "Kiểm soát thủ tục hành chính"), task_row(4, "Công khai thủ tục")]
    elif variant == "reordered_header":
        order = [0, 1, 3, 4, 2, 5, 6]        # pasted from another copy: Sản phẩm moved right
        second = [[r[i] for i in order] for r in (HEADER, task_row(3, "Kiểm soát thủ tục hành chính"))]
    elif variant == "section_between_tables":
        d.add_paragraph("II. CẢI CÁCH THỦ TỤC HÀNH CHÍNH")
        second = [task_row(1, "Số hóa hồ sơ"), task_row(2, "Công khai thủ tục")]
    else:
        raise AssertionError(variant)
    expected += [r[1] for r in second if r[0].isdigit() and r[1] != "Nhiệm vụ"]
    if variant == "reordered_header":
        expected = expected[:2] + ["Kiểm soát thủ tục hành chính"]
    add_table(d, second)
    d.add_paragraph("Nơi nhận: - Như trên; - Lưu: VT.")
    add_table(d, [["KT. CHỦ TỊCH", ""], ["PHÓ CHỦ TỊCH", "Đoàn Văn Phương"]])      # signature table
    d.save(str(path))
    return expected


@pytest.mark.parametrize("variant", ["repeated_header", "no_header_numbering_continues", "reordered_header",
                                     "section_between_tables"])
def test_appendix_split_over_tables_imports_every_task(tmp_path, variant):
    path = tmp_path / f"{variant}.docx"
    expected = _split_docx(path, variant)
    res = import_appendix(path, year=2025)
    assert titles(res) == expected
    assert all(t.lead_units == ["VHXH"] and t.due == D(2025, 12, 31) for t in res.tasks)
    assert res.tables == ["Bảng 2", "Bảng 3"]
    skipped = [f for f in res.findings if f.code == "table_skipped"]
    assert [f.sheet for f in skipped] == ["Bảng 1", "Bảng 4"]          # letterhead and signature: reported
    assert any(f.code == "table_continued" and f.sheet == "Bảng 3" for f in res.findings)
    assert not [f for f in res.findings if f.severity != "info"], res.findings


def test_split_table_ids_sections_and_locations(tmp_path):
    path = tmp_path / "tach.docx"
    _split_docx(path, "section_between_tables")
    res = import_appendix(path, year=2025)
    assert [(t.id, t.area.value) for t in res.tasks] == [("I-01", "2"), ("I-02", "2"), ("II-01", "3"),
                                                         ("II-02", "3")]
    assert any(f.code == "section_from_text" for f in res.findings)
    # a finding in the second table names that table and its own row
    d = docx.Document(str(path))
    d.tables[2].cell(1, 4).text = "Ban Quản lý chợ"
    d.save(str(path))
    res = import_appendix(path, year=2025)
    f = next(x for x in res.findings if x.code == "unit_part_unknown")
    assert (f.sheet, f.cell, f.task_id) == ("Bảng 3", "E2", "II-02")


def test_text_between_parts_and_unrelated_table_are_reported(tmp_path):
    d = docx.Document()
    add_table(d, [HEADER, section("I", "Cải cách thể chế"), task_row(1, "Rà soát văn bản")])
    d.add_paragraph("Ghi chú: các phòng báo cáo trước ngày 10 hằng tháng")
    add_table(d, [task_row(2, "Theo dõi thi hành pháp luật")])
    add_table(d, [["Lĩnh vực", "Điểm tối đa", "Điểm đạt"], ["Thể chế", "10", "8"]])   # a score table
    d.save(str(tmp_path / "kh.docx"))
    res = import_appendix(tmp_path / "kh.docx", year=2025)
    assert titles(res) == ["Rà soát văn bản", "Theo dõi thi hành pháp luật"]
    codes = [(f.code, f.sheet) for f in res.findings]
    assert ("text_between_tables", "Bảng 2") in codes and ("table_skipped", "Bảng 3") in codes
    skipped = next(f for f in res.findings if f.code == "table_skipped")
    assert "3 cột" in skipped.message and "7 cột" in skipped.message


# ---------------------------------------------------------------- a cell merged over several tasks

def _merged_docx(path: Path) -> None:
    d = docx.Document()
    rows = [HEADER, section("II", "Cải cách thủ tục hành chính"),
            task_row(1, "Rà soát thủ tục", deadline="Quý III", lead="Trung tâm PVHCC",
                     partners="Các phòng, ban chuyên môn"),
            task_row(2, "Công khai thủ tục", deadline="", lead="", partners=""),
            task_row(3, "Số hóa kết quả", deadline="", lead="", partners=""),
            task_row(4, "Đo lường sự hài lòng", deadline="Tháng 11/2025", lead="Phòng VHXH", partners="")]
    t = add_table(d, rows)
    for col in (3, 4, 5):                    # one deadline, one lead, one partner list for rows 2-4
        t.cell(2, col).merge(t.cell(4, col))
    d.save(str(path))


def _merged_xlsx(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["PHÂN CÔNG THỰC HIỆN NHIỆM VỤ NĂM 2025"])
    ws.append(HEADER)
    ws.append(section("II", "Cải cách thủ tục hành chính"))
    ws.append(task_row(1, "Rà soát thủ tục", deadline="Quý III", lead="Trung tâm PVHCC",
                       partners="Các phòng, ban chuyên môn"))
    ws.append(task_row(2, "Công khai thủ tục", deadline="", lead="", partners=""))
    ws.append(task_row(3, "Số hóa kết quả", deadline="", lead="", partners=""))
    ws.append(task_row(4, "Đo lường sự hài lòng", deadline="Tháng 11/2025", lead="Phòng VHXH", partners=""))
    for col in "DEF":
        ws.merge_cells(f"{col}4:{col}6")
    wb.save(path)


@pytest.mark.parametrize("maker, name", [(_merged_docx, "gop.docx"), (_merged_xlsx, "gop.xlsx")])
def test_cell_merged_over_several_tasks_applies_to_each(tmp_path, maker, name):
    maker(tmp_path / name)
    res = import_appendix(tmp_path / name, year=2025)
    a, b, c, last = res.tasks
    assert [t.id for t in res.tasks] == ["II-01", "II-02", "II-03", "II-04"]
    for t in (a, b, c):
        assert (t.deadline_text, t.due, t.lead, t.lead_units) == ("Quý III", D(2025, 9, 30), "Trung tâm PVHCC",
                                                                  ["PVHCC"])
        assert t.partners == "Các phòng, ban chuyên môn"
    assert (last.lead_units, last.due, last.partners) == (["VHXH"], D(2025, 11, 30), "")  # not merged: empty
    assert not [f for f in res.findings if f.code in ("missing_lead", "missing_due")]
    shared = [f for f in res.findings if f.code == "merged_applied"]
    assert len(shared) == 3 and all("II-01, II-02, II-03" in f.message for f in shared)


def test_without_merge_information_an_empty_lead_is_still_reported(tmp_path):
    (tmp_path / "pl.tsv").write_text("\n".join("\t".join(r) for r in (
        HEADER, section("II", "Cải cách thủ tục hành chính"),
        task_row(1, "Rà soát thủ tục"), task_row(2, "Công khai thủ tục", lead=""))), encoding="utf-8")
    res = import_appendix(tmp_path / "pl.tsv", year=2025)
    assert [f.task_id for f in res.findings if f.code == "missing_lead"] == ["II-02"]


# ---------------------------------------------------------------- deadlines

@pytest.mark.parametrize("text", [
    "Sau 03 tháng kể từ khi có văn bản của Trung ương",
    "Theo lộ trình tại Kế hoạch của UBND tỉnh",
    "Thực hiện thường xuyên khi có yêu cầu của bộ, ngành Trung ương.",
    "Khi có hướng dẫn của Sở Nội vụ",
    "Định kỳ khi phát sinh hồ sơ",
    "Trong vòng 30 ngày kể từ khi có quyết định",
])
def test_conditional_deadlines_are_not_year_end(text):
    d = parse_deadline(text, 2025)
    assert (d.kind, d.due) == (K.CONDITIONAL, None)


def test_offset_from_a_written_date_is_dated():
    assert parse_deadline("Sau 02 tháng kể từ ngày 01/7/2025", 2025).due == D(2025, 9, 1)
    assert parse_deadline("Trong vòng 15 ngày kể từ ngày 20/8/2025", 2025).due == D(2025, 9, 4)


@pytest.mark.parametrize("text, steps", [
    ("ban hành kế hoạch chậm nhất 15/8/2025, kiểm tra trong tháng 10/2025, báo cáo trong tháng 11/2025",
     [("Ban hành kế hoạch", D(2025, 8, 15)), ("Kiểm tra", D(2025, 10, 31)), ("Báo cáo", D(2025, 11, 30))]),
    ("Ban hành kế hoạch chậm nhất là ngày 15/8/2025, tổ chức kiểm tra chậm nhất trong tháng 10/2025 và báo cáo "
     "kết quả khắc phục chậm nhất trong tháng 11/2025.",
     [("Ban hành kế hoạch", D(2025, 8, 15)), ("Tổ chức kiểm tra", D(2025, 10, 31)),
      ("Báo cáo kết quả khắc phục", D(2025, 11, 30))]),
    ("Dự thảo trước ngày 30 tháng 6 năm 2025; trình ký vào 15/7/2025",
     [("Dự thảo", D(2025, 6, 30)), ("Trình ký", D(2025, 7, 15))]),
])
def test_each_milestone_is_kept_with_its_label(text, steps):
    d = parse_deadline(text, 2025)
    assert [(m.label, m.due) for m in d.steps] == steps
    assert d.due == steps[-1][1]


def _milestone_task():
    from cchc_xl.core.models import Area, Task

    text = "Ban hành kế hoạch chậm nhất 15/8/2025, kiểm tra trong tháng 10/2025, báo cáo trong tháng 11/2025"
    return Task(id="I-05", area=Area.CHI_DAO, title="Kiểm tra CCHC", deadline_text=text,
                due=D(2025, 11, 30), lead="Phòng VHXH", lead_units=["VHXH"],
                milestones=task_milestones(text, 2025, D(2025, 11, 30)), status=Status.IN_PROGRESS)


def test_a_passed_milestone_of_an_unfinished_task_is_reported():
    from cchc_xl.core.models import Plan, PlanInfo

    t = _milestone_task()
    assert passed_milestones(t, D(2025, 8, 10)) == []
    assert [m.label for m in passed_milestones(t, D(2025, 11, 5))] == ["Ban hành kế hoạch", "Kiểm tra"]
    assert task_state(t, D(2025, 11, 5)) == "in_progress"       # overdue still means: due date passed
    plan = Plan(info=PlanInfo(year=2025), units=list(DEFAULT_UNITS), tasks=[t])
    found = [f for f in validate_tasks(plan, as_of=D(2025, 9, 1)) if f.code == "milestone_passed"]
    assert len(found) == 1 and "Ban hành kế hoạch" in found[0].message and "15/08/2025" in found[0].message
    done = t.model_copy(update={"status": Status.DONE, "completed_on": D(2025, 10, 1), "progress": 100})
    assert passed_milestones(done, D(2025, 11, 5)) == []
    late = overdue_tasks([t], D(2025, 12, 2))
    assert late == [t] and passed_milestones(t, D(2025, 12, 2)) == []   # overdue is reported once


def test_hand_set_due_date_replaces_the_last_milestone():
    text = "Dự thảo trước ngày 30/6/2025; trình ký vào 15/7/2025"
    assert task_milestones(text, 2025, D(2025, 8, 1)) == [Milestone(label="Dự thảo", due=D(2025, 6, 30)),
                                                         Milestone(label="Trình ký", due=D(2025, 8, 1))]
    assert task_milestones(text, 2025, D(2025, 6, 1)) == []
    assert task_milestones("Tháng 9/2025", 2025, None) == []


# ---------------------------------------------------------------- unit lists inside a cell

@pytest.mark.parametrize("text, codes, unknown", [
    ("Các cơ quan; đơn vị; phòng, ban chuyên môn; ĐVSNCL", ["VP", "VHXH", "KT", "PVHCC"],
     ["Các cơ quan", "đơn vị", "ĐVSNCL"]),
    ("Phòng Kinh tế, các trường học trên địa bàn xã", ["KT"], ["các trường học trên địa bàn xã"]),
    ("Phòng VHXH và Phòng Kinh tế", ["VHXH", "KT"], []),
    ("Phòng VHXH, Phòng KT và Trung tâm PVHCC", ["VHXH", "KT", "PVHCC"], []),
    ("Văn phòng HĐND và UBND xã\nPhòng VHXH", ["VP", "VHXH"], []),
    ("phòng, ban chuyên môn", ["VP", "VHXH", "KT", "PVHCC"], []),
    ("Ban Quản lý chợ; Phòng Kinh tế", ["KT"], ["Ban Quản lý chợ"]),
])
def test_unit_lists_resolve_each_part(text, codes, unknown):
    assert UnitRegistry(DEFAULT_UNITS).resolve(text) == (codes, unknown)


def test_unknown_partner_and_lead_names_are_reported_by_name(tmp_path):
    (tmp_path / "pl.tsv").write_text("\n".join("\t".join(r) for r in (
        HEADER, section("IV", "Cải cách chế độ công vụ"),
        task_row(1, "Tuyển dụng", lead="Các cơ quan; đơn vị; phòng, ban chuyên môn; ĐVSNCL",
                 partners="Phòng Kinh tế, Ban Quản lý chợ"))), encoding="utf-8")
    res = import_appendix(tmp_path / "pl.tsv", year=2025)
    (t,) = res.tasks
    assert t.lead_units == ["VP", "VHXH", "KT", "PVHCC"]
    lead = next(f for f in res.findings if f.code == "unit_part_unknown")
    assert all(name in lead.message for name in ("'Các cơ quan'", "'đơn vị'", "'ĐVSNCL'"))
    partner = next(f for f in res.findings if f.code == "unit_part_unknown" and f.severity == "info")
    assert "'Ban Quản lý chợ'" in partner.message and "Kinh tế" not in partner.message


# ---------------------------------------------------------------- what the import understood

@pytest.fixture()
def app() -> typer.Typer:
    app = typer.Typer()
    cli_plan.register(app)
    cli_roundtrip.register(app)
    return app


def run(app, *args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})


def test_intake_summary_counts_sections_skips_and_undated(tmp_path):
    path = tmp_path / "kh.docx"
    _split_docx(path, "repeated_header")
    res = import_appendix(path, year=2025)
    intake = intake_summary(path.name, res.tasks, res.findings, res.sections, year=2025,
                            registry=UnitRegistry(DEFAULT_UNITS), tables=res.tables)
    lines = dict(intake.lines)
    assert lines["Tổng số nhiệm vụ"] == "4"
    assert lines["  Phần I - Cải cách thể chế"] == "3 nhiệm vụ"
    assert lines["  Phần II - Cải cách thủ tục hành chính"] == "1 nhiệm vụ"
    assert lines["Bỏ qua (không phải nhiệm vụ)"] == "2 mục"
    assert lines["Bảng đã đọc"] == "Bảng 2, Bảng 3"


def test_khoi_tao_prints_and_keeps_what_it_understood(app, tmp_path):
    src = tmp_path / "kh.docx"
    _split_docx(src, "no_header_numbering_continues")
    d = docx.Document(str(src))
    d.tables[2].cell(1, 3).text = "Khi có hướng dẫn của tỉnh"
    d.tables[2].cell(1, 4).text = "Ban Quản lý chợ"
    d.save(str(src))
    out = tmp_path / "so.xlsx"
    preview = run(app, "khoi-tao", "--tu-tep", src, "--ra", out, "--thu")
    assert preview.exit_code == 0, preview.output
    assert "Tổng số nhiệm vụ" in preview.output and "Chạy thử" in preview.output and not out.exists()
    res = run(app, "khoi-tao", "--tu-tep", src, "--ra", out)
    assert res.exit_code == 0, res.output
    for phrase in ("Tổng số nhiệm vụ", "Phần I - Cải cách thể chế", "Hạn theo điều kiện", "I-04",
                   "Đơn vị không nhận ra", "Nhập liệu"):
        assert phrase in res.output
    wb = load_workbook(out)
    ws = wb[S.SHEET_INTAKE]
    cells = {str(c.value) for row in ws.iter_rows() for c in row if c.value is not None}
    assert {"Tổng số nhiệm vụ", "4", "table_skipped", "unit_part_unknown"} <= cells
    assert any("'Ban Quản lý chợ'" in c for c in cells)
    assert read_master(out).plan.tasks[3].title == "Công khai thủ tục"
    # kept across the other commands that write the master
    assert run(app, "tao-phieu", out, "--ky", "Quý III/2025", "--ra", tmp_path / "phieu").exit_code == 0
    assert S.SHEET_INTAKE in load_workbook(out).sheetnames


# ---------------------------------------------------------------- a plan with no appendix table

def _no_table_docx(path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("KẾ HOẠCH Cải cách hành chính năm 2025")
    d.add_paragraph("1. Rà soát văn bản - Phòng VHXH - Quý III")
    d.save(str(path))


def _other_tables_docx(path: Path) -> None:
    d = docx.Document()
    add_table(d, [["UBND XÃ", "CỘNG HÒA"], ["Số: 1/KH", "ngày 1/1/2025"]])
    add_table(d, [["Lĩnh vực", "Điểm"], ["Thể chế", "8"]])
    d.save(str(path))


def _other_xlsx(path: Path) -> None:
    wb = Workbook()
    wb.active.append(["Lĩnh vực", "Điểm tối đa"])
    wb.save(path)


@pytest.mark.parametrize("maker, name", [(_no_table_docx, "ke_hoach.docx"), (_other_tables_docx, "bang.docx"),
                                         (_other_xlsx, "diem.xlsx")])
def test_no_appendix_table_one_message_exit_1_nothing_written(app, tmp_path, maker, name):
    maker(tmp_path / name)
    with pytest.raises(CchcError) as err:
        import_appendix(tmp_path / name)
    assert err.value.finding.code == "no_appendix"
    out = tmp_path / "so.xlsx"
    res = run(app, "khoi-tao", "--tu-tep", tmp_path / name, "--ra", out)
    assert res.exit_code == 1
    assert res.output.count(name) == 1 and "Không tìm thấy bảng phân công" in res.output
    assert "Traceback" not in res.output and not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_two_row_header_repeated_on_the_next_page(tmp_path):
    head = [["TT", "Nhiệm vụ", "Sản phẩm", "Thời gian hoàn thành", "Đơn vị thực hiện", "", "Theo dõi"],
            ["", "", "", "", "Chủ trì", "Phối hợp", ""]]
    d = docx.Document()
    add_table(d, head + [section("I", "Cải cách thể chế"), task_row(1, "Rà soát văn bản", lead="Phòng KT")])
    d.add_page_break()
    add_table(d, head + [task_row(2, "Theo dõi thi hành pháp luật", partners="")])
    d.save(str(tmp_path / "hai_dong.docx"))
    res = import_appendix(tmp_path / "hai_dong.docx", year=2025)
    a, b = res.tasks
    assert (a.lead_units, a.partners, b.title, b.lead_units, b.partners) == (
        ["KT"], "Phòng Kinh tế", "Theo dõi thi hành pháp luật", ["VHXH"], "")
    assert not [f for f in res.findings if f.severity != "info"], res.findings   # no "Chủ trì" as a value


def test_continuation_table_missing_a_column_is_realigned_not_dropped(tmp_path):
    d = docx.Document()
    add_table(d, [HEADER, section("I", "Cải cách thể chế"), task_row(1, "Rà soát văn bản"),
                  task_row(2, "Theo dõi thi hành pháp luật")])
    add_table(d, [task_row(3, "Kiểm tra văn bản", deadline="Quý III")[:6]])   # "Theo dõi" column lost
    d.save(str(tmp_path / "thieu_cot.docx"))
    res = import_appendix(tmp_path / "thieu_cot.docx", year=2025)
    assert [t.title for t in res.tasks][-1] == "Kiểm tra văn bản"
    last = res.tasks[-1]
    assert (last.due, last.lead_units, last.monitor) == (D(2025, 9, 30), ["VHXH"], "")
    assert any(f.code == "columns_realigned" and f.task_id == "I-03" for f in res.findings)
    cont = next(f for f in res.findings if f.code == "table_continued")
    assert "số TT nối tiếp từ 2" in cont.message


def test_numbering_that_restarts_without_a_section_is_not_glued(tmp_path):
    """A second, different numbered list after the appendix (e.g. a 3-column schedule) is skipped."""
    d = docx.Document()
    add_table(d, [HEADER, section("I", "Cải cách thể chế"), task_row(1, "Rà soát văn bản")])
    add_table(d, [["1", "Họp giao ban", "Thứ hai"], ["2", "Kiểm tra", "Thứ sáu"]])
    d.save(str(tmp_path / "lich.docx"))
    res = import_appendix(tmp_path / "lich.docx", year=2025)
    assert [t.title for t in res.tasks] == ["Rà soát văn bản"]
    assert [f.sheet for f in res.findings if f.code == "table_skipped"] == ["Bảng 2"]


def test_milestones_come_back_from_the_master_and_show_in_tien_do(app, tmp_path):
    text = "Ban hành kế hoạch chậm nhất 15/8/2025, kiểm tra trong tháng 10/2025, báo cáo trong tháng 11/2025"
    (tmp_path / "pl.tsv").write_text("\n".join("\t".join(r) for r in (
        ["PHÂN CÔNG THỰC HIỆN NHIỆM VỤ NĂM 2025"], HEADER, section("I", "Cải cách thể chế"),
        task_row(1, "Kiểm tra CCHC", deadline=text))), encoding="utf-8")
    out = tmp_path / "so.xlsx"
    assert run(app, "khoi-tao", "--tu-tep", tmp_path / "pl.tsv", "--ra", out).exit_code == 0
    (t,) = read_master(out).plan.tasks
    assert [(m.label, m.due) for m in t.milestones] == [("Ban hành kế hoạch", D(2025, 8, 15)),
                                                       ("Kiểm tra", D(2025, 10, 31)), ("Báo cáo", D(2025, 11, 30))]
    res = run(app, "tien-do", out, "--ngay", "05/11/2025")
    assert res.exit_code == 0, res.output
    assert "Mốc trung gian đã qua" in res.output and "Ban hành kế hoạch" in res.output and "15/08/2025" in res.output
    assert "Không có nhiệm vụ quá hạn" in res.output
    check = run(app, "kiem-tra", out, "--ngay", "05/11/2025")
    assert check.output.count("đã qua mốc") == 2


@pytest.mark.libreoffice
@pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
def test_dashboard_formulas_agree_with_python_on_milestone_and_conditional_tasks(tmp_path):
    """Intermediate milestones are reported, not counted as overdue: the Excel formulas (recalculated
    by LibreOffice) and compute give the same figures on tasks with milestones and conditional texts."""
    from cchc_xl.core import compute
    from cchc_xl.report.pdf import recalculate
    from cchc_xl.workbook.dashboard import dashboard_cells
    from cchc_xl.workbook.master import write_master

    multi = "Ban hành kế hoạch chậm nhất 15/8/2025, kiểm tra trong tháng 10/2025, báo cáo trong tháng 11/2025"
    early = "Dự thảo trước ngày 30/6/2025; trình ký vào 31/8/2025"
    (tmp_path / "pl.tsv").write_text("\n".join("\t".join(r) for r in (
        ["PHÂN CÔNG THỰC HIỆN NHIỆM VỤ NĂM 2025"], HEADER, section("I", "Cải cách thể chế"),
        task_row(1, "Kiểm tra CCHC", deadline=multi),                       # milestone passed, not overdue
        task_row(2, "Sửa quy chế", deadline=early),                          # every milestone passed: overdue
        task_row(3, "Theo hướng dẫn", deadline="Sau 03 tháng kể từ khi có văn bản của Trung ương"),
        task_row(4, "Khi được yêu cầu", deadline="Thực hiện thường xuyên khi có yêu cầu của tỉnh"),
        task_row(5, "Báo cáo quý", deadline="Quý III"))), encoding="utf-8")
    res = import_appendix(tmp_path / "pl.tsv", year=2025)
    from cchc_xl.core.models import Plan, PlanInfo

    plan = Plan(info=PlanInfo(year=2025), units=list(DEFAULT_UNITS), tasks=res.tasks)
    as_of = D(2025, 9, 14)
    master = write_master(plan, tmp_path / "so.xlsx", as_of=as_of)
    plan = read_master(master).plan
    p = compute.progress(plan.tasks, as_of)
    assert (p.total, p.overdue, p.not_started) == (5, 1, 4)           # by hand: only I-02 is overdue
    assert [(t.id, [m.label for m in compute.passed_milestones(t, as_of)]) for t in plan.tasks
            if compute.passed_milestones(t, as_of)] == [("I-01", ["Ban hành kế hoạch"])]
    wb = load_workbook(recalculate(master, tmp_path / "lo"), data_only=True)
    ws = wb[S.SHEET_DASHBOARD]
    cells = dashboard_cells(ws)
    for field in ("total", "done", "in_progress", "not_started", "overdue"):
        assert ws[cells[field]].value == getattr(p, field), field


def test_header_in_its_own_table_then_the_rows(tmp_path):
    d = docx.Document()
    add_table(d, [HEADER])
    add_table(d, [section("III", "Cải cách tổ chức bộ máy"), task_row(1, "Rà soát vị trí việc làm"),
                  ["", "tinh giản biên chế theo lộ trình", "", "", "", "", ""]])   # text continued
    d.save(str(tmp_path / "tieu_de_rieng.docx"))
    res = import_appendix(tmp_path / "tieu_de_rieng.docx", year=2025)
    (t,) = res.tasks
    assert (t.id, t.title) == ("III-01", "Rà soát vị trí việc làm tinh giản biên chế theo lộ trình")
    assert "dòng tiêu đề phần" in next(f for f in res.findings if f.code == "table_continued").message


def test_excel_appendix_continued_on_another_sheet(tmp_path):
    wb = Workbook()
    guide = wb.active
    guide.title = "Hướng dẫn"
    guide.append(["Điền cột Trạng thái cho từng nhiệm vụ"])
    first = wb.create_sheet("Phụ lục")
    for r in (["PHÂN CÔNG THỰC HIỆN NHIỆM VỤ NĂM 2025"], HEADER, section("I", "Cải cách thể chế"),
              task_row(1, "Rà soát văn bản"), task_row(2, "Theo dõi thi hành pháp luật")):
        first.append(r)
    more = wb.create_sheet("Phụ lục (tiếp)")
    for r in (["PHÂN CÔNG THỰC HIỆN NHIỆM VỤ (tiếp theo)"], HEADER, section("II", "Cải cách thủ tục hành chính"),
              task_row(1, "Số hóa hồ sơ", lead="Ban Quản lý chợ")):
        more.append(r)
    scores = wb.create_sheet("Chỉ số")
    scores.append(["Lĩnh vực", "Điểm tối đa", "Điểm thẩm định"])
    scores.append(["Thể chế", 7, 6.75])
    wb.create_sheet("Trống")
    wb.save(tmp_path / "pl.xlsx")
    res = import_appendix(tmp_path / "pl.xlsx")
    assert [(t.id, t.title) for t in res.tasks] == [("I-01", "Rà soát văn bản"), ("I-02", "Theo dõi thi hành pháp luật"),
                                                    ("II-01", "Số hóa hồ sơ")]
    assert res.tables == ["Phụ lục", "Phụ lục (tiếp)"]
    skipped = [f for f in res.findings if f.code == "table_skipped"]
    assert [f.sheet for f in skipped] == ["Hướng dẫn", "Chỉ số"]
    assert skipped[1].message.startswith("Trang 'Chỉ số' (2 dòng, 3 cột")
    f = next(x for x in res.findings if x.code == "unit_part_unknown")
    assert (f.sheet, f.cell, f.task_id) == ("Phụ lục (tiếp)", "E4", "II-01")


def test_continuation_with_an_empty_extra_grid_column(tmp_path):
    d = docx.Document()
    add_table(d, [HEADER, section("I", "Cải cách thể chế"), task_row(1, "Rà soát văn bản")])
    add_table(d, [task_row(2, "Theo dõi thi hành pháp luật")[:5] + [""] + task_row(2, "")[5:]])   # 8 columns
    add_table(d, [["Nơi nhận:", "", "", "", "", "", "", "KT. CHỦ TỊCH"]])                      # 8, not tasks
    d.save(str(tmp_path / "cot_thua.docx"))
    res = import_appendix(tmp_path / "cot_thua.docx", year=2025)
    last = res.tasks[-1]
    assert (last.title, last.lead_units, last.partners, last.monitor) == (
        "Theo dõi thi hành pháp luật", ["VHXH"], "Phòng Kinh tế", "Phòng VHXH")
    assert [f.sheet for f in res.findings if f.code == "table_skipped"] == ["Bảng 3"]
