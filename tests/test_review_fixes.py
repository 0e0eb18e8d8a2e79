"""Regression tests of the senior review: each test fails without its fix.

Real files throughout: a small master written by ``write_master``, unit workbooks written
by ``tao-phieu``, the real CLI app of ``cchc_xl.cli`` (Vietnamese help and errors).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cchc_xl.core import schema as S
from cchc_xl.cli import app
from cchc_xl.workbook.master import read_master, write_master
from cchc_xl.core.models import Area, CchcError, Plan, PlanInfo, Status, Task, Unit
from cchc_xl.files.safeio import BACKUP_DIR_NAME
from cchc_xl.core.validate import validate_master, validate_plan

AS_OF = dt.date(2025, 9, 14)
UNITS = [
    Unit(code="VP", name="Văn phòng HĐND và UBND xã", email="vp.quangson@lamdong.gov.vn"),
    Unit(code="VHXH", name="Phòng Văn hóa - Xã hội", email="vhxh.quangson@lamdong.gov.vn"),
]


def _plan() -> Plan:
    tasks = [
        Task(id="I-01", area=Area.CHI_DAO, title="Ban hành Kế hoạch CCHC năm 2025", lead="Văn phòng",
             lead_units=["VP"], due=dt.date(2025, 7, 30), status=Status.DONE, progress=100,
             completed_on=dt.date(2025, 7, 25)),
        Task(id="III-01", area=Area.TTHC, title="Rà soát thủ tục hành chính", lead="Phòng VHXH",
             lead_units=["VHXH"], due=dt.date(2025, 8, 31), status=Status.IN_PROGRESS, progress=40),
        Task(id="VII-01", area=Area.CQ_SO, title="Số hóa hồ sơ", lead="Văn phòng", lead_units=["VP"],
             due=dt.date(2025, 12, 31)),
    ]
    return Plan(info=PlanInfo(commune="xã Quảng Sơn", province="tỉnh Lâm Đồng", year=2025), units=UNITS,
                tasks=tasks)


@pytest.fixture()
def master(tmp_path: Path) -> Path:
    return write_master(_plan(), tmp_path / "So_tong_hop.xlsx", as_of=AS_OF, make_backup=False)


def run(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def _no_traceback(res) -> None:
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    assert "Traceback" not in res.output


# ---------------------------------------------------------------- demo must not delete user files

def test_demo_refuses_to_empty_a_folder_with_other_files(tmp_path):
    folder = tmp_path / "Tai_lieu"
    folder.mkdir()
    (folder / "bao_cao_quan_trong.docx").write_text("không được xóa", encoding="utf-8")
    res = run("demo", "--ra", folder, "--khong-pdf")
    _no_traceback(res)
    assert res.exit_code == 1 and "đã có dữ liệu khác" in res.output
    assert (folder / "bao_cao_quan_trong.docx").read_text(encoding="utf-8") == "không được xóa"


def test_demo_out_dir_rules(tmp_path):
    from cchc_xl.demo import MARKER, MASTER_NAME, prepare_out_dir

    fresh = tmp_path / "moi"
    prepare_out_dir(fresh)                      # new folder: created and marked
    (fresh / MASTER_NAME).write_bytes(b"x")
    prepare_out_dir(fresh)                      # its own output: emptied again
    assert sorted(p.name for p in fresh.iterdir()) == [MARKER]
    old = tmp_path / "demo_cu"                  # output of an older demo (no marker)
    (old / "phieu_don_vi").mkdir(parents=True)
    (old / MASTER_NAME).write_bytes(b"x")
    prepare_out_dir(old)
    assert sorted(p.name for p in old.iterdir()) == [MARKER]
    a_file = tmp_path / "tep.txt"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(CchcError, match="là một tệp"):
        prepare_out_dir(a_file)


def test_demo_bad_period_is_a_vietnamese_error(tmp_path):
    res = run("demo", "--ky", "Quý II/2025", "--ra", tmp_path / "d")
    _no_traceback(res)
    assert res.exit_code == 1 and "6 tháng" in res.output
    assert not (tmp_path / "d").exists()


# ---------------------------------------------------------------- tao-phieu / gui-email: the period

def test_tao_phieu_rejects_a_period_without_report(master, tmp_path):
    before = master.read_bytes()
    for text in ("Quý II/2025", "abc"):
        res = run("tao-phieu", master, "--ky", text, "--ra", tmp_path / "phieu")
        _no_traceback(res)
        assert res.exit_code == 1 and "--ky" in res.output
    assert master.read_bytes() == before                    # version not bumped
    assert not (tmp_path / "phieu").exists() and not (tmp_path / BACKUP_DIR_NAME).exists()


def test_tao_phieu_uses_the_canonical_period(master, tmp_path):
    out = tmp_path / "phieu"
    res = run("tao-phieu", master, "--ky", "q3", "--ra", out, "--han", "16/09/2025")   # year: the plan's
    assert res.exit_code == 0, res.output
    files = sorted(out.glob("*.xlsx"))
    assert [f.name for f in files] == ["01_VP_Van-phong-HDND-va-UBND-xa_Quy-III-2025.xlsx",
                                       "02_VHXH_Phong-Van-hoa-Xa-hoi_Quy-III-2025.xlsx"]
    meta = {r[0]: r[1] for r in load_workbook(files[0])[S.SHEET_META].iter_rows(values_only=True)}
    assert meta["period_label"] == "Quý III/2025"
    assert str(meta["as_of"])[:10] == "2025-09-14"          # default: the cut-off of the period


def test_gui_email_matches_workbooks_of_the_same_period_written_differently(master, tmp_path):
    out = tmp_path / "phieu"
    assert run("tao-phieu", master, "--ky", "Quý III/2025", "--ra", out).exit_code == 0
    res = run("gui-email", master, out, "--ky", "q3-2025", "--han-gui", "16/09/2025")
    assert res.exit_code == 0, res.output
    drafts = sorted((out / "thu_nhap").glob("*.eml"))
    assert len(drafts) == 2
    subject = BytesParser(policy=default).parsebytes(drafts[0].read_bytes())["Subject"]
    assert "kỳ Quý III/2025" in subject                    # the canonical label, not "q3-2025"
    bad = run("gui-email", master, out, "--ky", "Quý II/2025", "--han", "16/09/2025")
    assert bad.exit_code == 1 and "6 tháng" in bad.output


def test_same_period():
    from cchc_xl.core.periods import same_period

    assert same_period("Quý III/2025", "q3-2025") and same_period("Quý III năm 2025", "quy 3 2025")
    assert not same_period("Quý I/2025", "Quý III/2025")


# ---------------------------------------------------------------- bao-cao

def test_bao_cao_word_option_may_be_a_folder(master, tmp_path):
    folder = tmp_path / "bao_cao"
    folder.mkdir()
    res = run("bao-cao", master, "--ky", "Quý III/2025", "--word", folder, "--khong-ghi-so")
    _no_traceback(res)
    assert res.exit_code == 0, res.output
    assert (folder / "Bao_cao_CCHC_Q3-2025.docx").is_file()


def test_write_report_docx_to_a_folder_is_a_vietnamese_error(master, tmp_path):
    from cchc_xl.core.periods import parse_period
    from cchc_xl.report.data import build_report
    from cchc_xl.report.word import write_report_docx

    report = build_report(read_master(master).plan, parse_period("Quý III/2025"))
    with pytest.raises(CchcError, match="thư mục"):
        write_report_docx(report, tmp_path, commune="xã Quảng Sơn", province="tỉnh Lâm Đồng")


def test_bao_cao_warns_when_the_period_is_not_in_the_plan_year(master, tmp_path):
    res = run("bao-cao", master, "--ky", "Năm 2030", "--word", tmp_path / "bc.docx", "--khong-ghi-so")
    assert res.exit_code == 0, res.output
    assert "không thuộc năm kế hoạch 2025" in res.output


# ---------------------------------------------------------------- tong-hop: empty inbox

def test_tong_hop_empty_inbox_says_so(master, tmp_path):
    inbox = tmp_path / "phieu_gui_ve"
    inbox.mkdir()
    (inbox / "desktop.ini").write_text("[.ShellClassInfo]", encoding="utf-8")   # Windows puts these
    (inbox / "Thumbs.db").write_bytes(b"\0")
    res = run("tong-hop", master, inbox)
    assert res.exit_code == 1
    assert "chưa có phiếu đơn vị nào" in res.output
    assert not (tmp_path / BACKUP_DIR_NAME).exists()


def test_returned_files_skips_lock_and_system_files(tmp_path):
    from cchc_xl.roundtrip.folders import returned_files, unit_workbooks

    for name in ("01_VP_a.xlsx", "~$01_VP_a.xlsx", ".~lock.x#", "desktop.ini", "Thumbs.db", "ghi_chu.pdf"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "con").mkdir()
    assert [p.name for p in returned_files(tmp_path)] == ["01_VP_a.xlsx", "ghi_chu.pdf"]
    assert [p.name for p in unit_workbooks(tmp_path)] == ["01_VP_a.xlsx"]
    with pytest.raises(CchcError, match="Không tìm thấy thư mục"):
        returned_files(tmp_path / "khong_co")


# ---------------------------------------------------------------- reading the master

def _edit(master: Path, cells: dict[str, object]) -> None:
    wb = load_workbook(master)
    ws = wb[S.SHEET_TASKS]
    for ref, value in cells.items():
        ws[ref] = value
    wb.save(master)


def _col(key: str) -> str:
    return S.col_letter(S.TASK_COLUMNS, key)


def test_cells_the_dashboard_formulas_cannot_count_are_warned(master):
    s, d, due = _col("status"), _col("completed_on"), _col("due")
    _edit(master, {f"{s}5": "Đã hoàn thành\u00a0 ",                                    # NBSP from a paste
                   f"{s}6": unicodedata.normalize("NFD", "Đang thực hiện"),           # NFD text
                   f"{d}5": "25/07/2025 ",                                            # a date as text
                   f"{due}7": "31/12/2025",
                   f"{s}7": "chưa thực hiện"})                                        # case only: fine
    data = read_master(master)
    plan = {t.id: t for t in data.plan.tasks}
    assert plan["I-01"].status == Status.DONE and plan["I-01"].completed_on == dt.date(2025, 7, 25)
    warned = {(f.cell, f.severity) for f in data.findings}
    assert warned == {(f"{s}5", "warning"), (f"{s}6", "warning"), (f"{d}5", "warning"),
                      (f"{due}7", "warning")}
    assert all(f.file == master.name and f.sheet == S.SHEET_TASKS for f in data.findings)
    assert any("Tổng quan" in f.message and "văn bản" in f.message for f in data.findings)


def test_master_with_a_blank_row_in_the_middle(master):
    wb = load_workbook(master)
    wb[S.SHEET_TASKS].insert_rows(S.FIRST_DATA_ROW + 1)
    wb.save(master)
    data = read_master(master)
    assert [t.id for t in data.plan.tasks] == ["I-01", "III-01", "VII-01"] and data.findings == []
    assert data.rows[S.SHEET_TASKS]["III-01"] == S.FIRST_DATA_ROW + 2


def test_open_errors_are_explained(tmp_path):
    with pytest.raises(CchcError, match="là thư mục"):
        read_master(tmp_path)
    old = tmp_path / "so_cu.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0 old excel")
    with pytest.raises(CchcError, match=r"\.xls.*không được hỗ trợ") as err:
        read_master(old)
    assert "so_cu.xls" in str(err.value) and "Error" not in str(err.value)


def test_tien_do_warns_about_unreadable_cells(master):
    _edit(master, {f"{_col('progress')}6": "bốn mươi"})
    res = run("tien-do", master, "--ngay", "14/09/2025")
    assert res.exit_code == 0, res.output
    assert "1 ô không đọc được" in res.output


def test_cli_date_option_aliases(master, tmp_path):
    assert run("kiem-tra", master, "--ngay-so-lieu", "14/09/2025").exit_code in (0, 1)
    res = run("tien-do", master, "--ngay-so-lieu", "31/02/2025")
    assert res.exit_code == 2 and "không phải ngày hợp lệ" in res.output
    res = run("tong-hop", master, tmp_path, "--ngay", "31/02/2025")
    assert res.exit_code == 2 and "không phải ngày hợp lệ" in res.output


# ---------------------------------------------------------------- validation

def test_progress_typed_as_a_fraction_is_warned():
    plan = _plan()
    plan.tasks[1].progress = 0.8          # 80% typed into a cell formatted as percent
    found = [f for f in validate_plan(plan, as_of=AS_OF) if f.code == "progress_fraction"]
    assert len(found) == 1 and "80%" in found[0].message


def test_master_without_tasks_is_not_reported_clean(tmp_path):
    path = write_master(Plan(info=PlanInfo(year=2025), units=UNITS), tmp_path / "trong.xlsx",
                        make_backup=False)
    findings = validate_master(read_master(path), as_of=AS_OF)
    assert [(f.code, f.sheet, f.cell) for f in findings] == [("no_tasks", S.SHEET_TASKS, "A5")]


# ---------------------------------------------------------------- khoi-tao --ra

def test_khoi_tao_ra_folder_or_name_without_suffix(tmp_path):
    folder = tmp_path / "so"
    folder.mkdir()
    res = run("khoi-tao", "--mau", "--ra", folder, "--ghi-de")
    _no_traceback(res)
    assert res.exit_code == 0, res.output
    assert (folder / "So_tong_hop_CCHC.xlsx").is_file()
    res = run("khoi-tao", "--mau", "--ra", tmp_path / "So_2025")
    assert res.exit_code == 0 and (tmp_path / "So_2025.xlsx").is_file()
    res = run("khoi-tao", "--mau", "--ra", tmp_path / "so.xlsm")
    assert res.exit_code == 2 and ".xlsx" in res.output and not (tmp_path / "so.xlsm").exists()


# ---------------------------------------------------------------- Vietnamese help and usage errors

def test_help_and_usage_errors_are_vietnamese(master):
    res = run("--help")
    assert res.exit_code == 0
    assert "Cách dùng:" in res.output and "Lệnh" in res.output and "Show this message" not in res.output
    res = run("tao-phieu", "--help")
    assert "Tùy chọn" in res.output and "Tham số" in res.output and "[bắt buộc]" in res.output
    assert "SỔ_TỔNG_HỢP" in res.output and "--han-gui,--han" in res.output and "Usage" not in res.output
    res = run("tao-phieu", master)
    assert res.exit_code == 2 and "Thiếu tùy chọn '--ky'" in res.output
    res = run("tien-do", master, "--ngy", "1")
    assert res.exit_code == 2 and "Không có tùy chọn --ngy" in res.output
    res = run("tien-do", master, "--theo", "abc")
    assert res.exit_code == 2 and "don-vi" in res.output and "Value error" not in res.output
    res = run("gui-email", master, master.parent, "--ky", "Quý III/2025", "--han", "1/9/2025",
              "--cong", "abc")
    assert res.exit_code == 2 and "phải là số nguyên" in res.output


# ---------------------------------------------------------------- Excel button: year of the period

def test_button_period_without_year_takes_the_plan_year():
    from cchc_xl.xl.buttons import resolve_period

    period = resolve_period("Quý III", dt.date(2026, 1, 10), None, plan_year=2025)  # type: ignore[arg-type]
    assert period.code == "Q3-2025"

