"""CLI commands khoi-tao/init, kiem-tra, tien-do run against real files."""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import pytest
import typer
from openpyxl import load_workbook
from typer.testing import CliRunner

from cchc_xl.cli import plan as cli_core
from cchc_xl.core import schema as S
from cchc_xl.workbook.dashboard import read_as_of
from cchc_xl.workbook.master import read_master, write_master
from cchc_xl.core.models import Area, Plan, PlanInfo, Status, Task
from cchc_xl.files.safeio import BACKUP_DIR_NAME
from cchc_xl.core.units import DEFAULT_UNITS

FIXTURES = Path(__file__).parent / "fixtures"
APPENDIX_TSV = FIXTURES / "quang_son_2025_phan_cong.tsv"
AS_OF = dt.date(2025, 9, 14)


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    cli_core.register(app)
    return app


def run(app, *args: object):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})


def small_plan() -> Plan:
    tasks = [
        Task(id="I-01", area=Area.THE_CHE, title="Ban hành văn bản", lead_units=["VP"],
             due=dt.date(2025, 8, 1), status=Status.DONE, progress=100,
             completed_on=dt.date(2025, 7, 30)),
        Task(id="II-01", area=Area.TTHC, title="Rà soát thủ tục hành chính", lead_units=["KT"],
             due=dt.date(2025, 8, 1), status=Status.IN_PROGRESS, progress=40),
        Task(id="II-02", area=Area.TTHC, title="Công khai kết quả", lead_units=["VP", "KT"],
             due=dt.date(2025, 12, 31), status=Status.ONGOING, progress=50),
        Task(id="V-01", area=Area.CONG_VU, title="Nhiệm vụ không thực hiện", lead_units=["VHXH"],
             status=Status.CANCELLED),
    ]
    return Plan(info=PlanInfo(commune="xã Quảng Sơn", year=2025), units=list(DEFAULT_UNITS),
                tasks=tasks)


@pytest.fixture()
def master(tmp_path) -> Path:
    return write_master(small_plan(), tmp_path / "So_tong_hop_CCHC.xlsx", as_of=AS_OF)


# ---------------------------------------------------------------- help / arguments

def test_commands_and_vietnamese_help(app):
    result = run(app, "--help")
    assert result.exit_code == 0
    for name in ("khoi-tao", "init", "kiem-tra", "tien-do"):
        assert name in result.output
    result = run(app, "khoi-tao", "--help")
    assert result.exit_code == 0
    assert "Tạo sổ tổng hợp CCHC" in result.output and "--tu-tep" in result.output
    assert "--ghi-de" in result.output


def test_init_needs_exactly_one_source(app, tmp_path):
    result = run(app, "khoi-tao", "--ra", tmp_path / "a.xlsx")
    assert result.exit_code == 2 and "đúng một nguồn" in result.output
    result = run(app, "khoi-tao", "--mau", "--tu-tep", APPENDIX_TSV, "--ra", tmp_path / "a.xlsx")
    assert result.exit_code == 2
    assert not (tmp_path / "a.xlsx").exists()


def test_init_rejects_bad_report_date(app, tmp_path):
    result = run(app, "khoi-tao", "--mau", "--ra", tmp_path / "a.xlsx", "--ngay-so-lieu", "31/02/2025")
    assert result.exit_code == 2
    assert "--ngay-so-lieu" in result.output and "không phải ngày hợp lệ" in result.output


def test_init_refuses_to_overwrite(app, master):
    before = master.read_bytes()
    result = run(app, "khoi-tao", "--mau", "--ra", master)
    assert result.exit_code == 1
    assert "đã có" in result.output and "--ghi-de" in result.output
    assert master.read_bytes() == before
    assert not (master.parent / BACKUP_DIR_NAME).exists()


# ---------------------------------------------------------------- khoi-tao

def test_init_from_appendix_tsv(app, tmp_path):
    importers = pytest.importorskip("cchc_xl.importers.appendix")
    out = tmp_path / "so" / "So_tong_hop_CCHC.xlsx"
    result = run(app, "khoi-tao", "--tu-tep", APPENDIX_TSV, "--ra", out, "--ngay-so-lieu", "14/09/2025",
                 "--xa", "xã Quảng Sơn", "--tinh", "tỉnh Lâm Đồng")
    assert result.exit_code == 0, result.output
    expected = importers.import_appendix(APPENDIX_TSV, registry=None)
    data = read_master(out)
    assert [t.id for t in data.plan.tasks] == [t.id for t in expected.tasks]
    assert len(data.plan.tasks) > 40
    assert data.plan.info.commune == "xã Quảng Sơn" and data.plan.info.province == "tỉnh Lâm Đồng"
    assert data.plan.info.year == 2025
    assert read_as_of(out) == AS_OF
    assert f"Đã tạo sổ tổng hợp: {out}" in result.output
    if expected.findings:       # import findings are shown with their location
        assert "Kết quả đọc phụ lục" in result.output and "Vị trí" in result.output
        assert expected.findings[0].location() in result.output


def test_init_keeps_the_year_of_a_title_without_plan_number(app, tmp_path):
    """"NĂM 2024" in the title alone (no plan number, date, commune) is the master's year."""
    src = tmp_path / "pl.tsv"
    src.write_text("PHÂN CÔNG THỰC HIỆN NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2024\n\n"
                   "TT\tNhiệm vụ\tSản phẩm\tThời gian hoàn thành\tChủ trì\n"
                   "I\tCải cách thể chế\t\t\t\n"
                   "1\tRà soát văn bản QPPL\tBáo cáo\tQuý III\tPhòng Kinh tế\n", encoding="utf-8")
    out = tmp_path / "so.xlsx"
    result = run(app, "khoi-tao", "--tu-tep", src, "--ra", out)
    assert result.exit_code == 0, result.output
    data = read_master(out)
    assert data.plan.info.year == 2024 and data.plan.tasks[0].due == dt.date(2024, 9, 30)
    assert "Không rõ năm kế hoạch" not in result.output
    src.write_text(src.read_text(encoding="utf-8").replace(" NĂM 2024", ""), encoding="utf-8")
    result = run(app, "khoi-tao", "--tu-tep", src, "--ra", out, "--ghi-de")
    assert result.exit_code == 0, result.output
    this_year = dt.date.today().year
    assert read_master(out).plan.info.year == this_year
    assert f"đã lấy năm {this_year} (năm hiện tại)" in " ".join(result.output.split())


def test_init_sample_with_alias_then_overwrite_with_backup(app, tmp_path):
    sample = pytest.importorskip("cchc_xl.importers.sample")
    out = tmp_path / "So_tong_hop_CCHC.xlsx"
    result = run(app, "init", "--mau", "--ra", out, "--ngay-so-lieu", "14/09/2025")
    assert result.exit_code == 0, result.output
    plan = sample.sample_plan()
    data = read_master(out)
    assert len(data.plan.tasks) == len(plan.tasks)
    assert data.plan.info.commune == plan.info.commune
    assert len(data.plan.index_areas) == len(plan.index_areas)
    # an official typed in the master; re-initialising needs --ghi-de and keeps a backup
    wb = load_workbook(out)
    wb[S.SHEET_TASKS]["Q5"] = "Ghi chú của cán bộ"
    wb.save(out)
    typed = out.read_bytes()
    result = run(app, "khoi-tao", "--mau", "--ra", out, "--ghi-de", "--nam", "2025")
    assert result.exit_code == 0, result.output
    backups = list((tmp_path / BACKUP_DIR_NAME).glob("So_tong_hop_CCHC_*.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == typed
    assert "Đã sao lưu sổ cũ" in result.output
    assert read_master(out).plan.tasks[0].note == plan.tasks[0].note


def test_init_missing_appendix_file(app, tmp_path):
    pytest.importorskip("cchc_xl.importers.appendix")
    result = run(app, "khoi-tao", "--tu-tep", tmp_path / "khong_co.docx", "--ra", tmp_path / "a.xlsx")
    assert result.exit_code == 1 and "không tìm thấy tệp phụ lục" in result.output
    assert not (tmp_path / "a.xlsx").exists()


# ---------------------------------------------------------------- kiem-tra

def test_check_clean_master_exit_0(app, master):
    pytest.importorskip("cchc_xl.core.validate")
    result = run(app, "kiem-tra", master)
    assert result.exit_code == 0, result.output
    assert "Lỗi" not in result.output


def test_check_reports_cells_and_exit_1(app, master):
    pytest.importorskip("cchc_xl.core.validate")
    wb = load_workbook(master)
    ws = wb[S.SHEET_TASKS]
    progress = S.col_letter(S.TASK_COLUMNS, "progress")
    status = S.col_letter(S.TASK_COLUMNS, "status")
    ws[f"{progress}6"] = "tám mươi"                 # typed text in "Tiến độ (%)" of II-01
    ws[f"{status}7"] = "Xong rồi đó"                 # not a status of the list (II-02)
    wb.save(master)
    result = run(app, "kiem-tra", master)
    assert result.exit_code == 1
    out = result.output
    assert "Mức độ" in out and "Vị trí" in out and "Nội dung" in out
    assert f"ô {progress}6" in out and f"ô {status}7" in out
    assert "trang 'Phân công'" in out and master.name in out
    assert "Tổng cộng:" in out and "lỗi" in out


def test_check_missing_or_bad_file(app, tmp_path):
    pytest.importorskip("cchc_xl.core.validate")
    result = run(app, "kiem-tra", tmp_path / "khong_co.xlsx")
    assert result.exit_code == 1 and "Không tìm thấy tệp" in result.output
    bad = tmp_path / "hong.xlsx"
    bad.write_bytes(b"day khong phai tep excel")
    result = run(app, "kiem-tra", bad)
    assert result.exit_code == 1 and "Không mở được tệp Excel" in result.output


# ---------------------------------------------------------------- tien-do

def test_progress_uses_dashboard_date_and_vietnamese_decimals(app, master):
    result = run(app, "tien-do", master)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Ngày số liệu: 14/09/2025" in out           # read from the dashboard cell
    # 3 counted tasks (V-01 cancelled), 1 done -> 33,33 %; II-01 overdue by 44 days
    assert "33,33%" in out and "33.33" not in out
    assert "Theo đơn vị chủ trì" in out and "Theo lĩnh vực" in out
    assert "VP - Văn phòng HĐND và UBND xã" in out
    assert "Nhiệm vụ quá hạn (1)" in out
    overdue_line = next(line for line in out.splitlines() if "Rà soát thủ tục hành chính" in line)
    assert "II-01" in overdue_line and "01/08/2025" in overdue_line and "44" in overdue_line
    # per unit: VP has I-01 (done) and II-02 (in progress); KT has II-01 (overdue) and II-02
    assert row_cells(out, "VP - Văn phòng")[1:7] == ["2", "1", "1", "0", "0", "50%"]
    assert row_cells(out, "KT - Phòng Kinh tế")[1:7] == ["2", "0", "1", "0", "1", "0%"]
    assert row_cells(out, "Tổng số nhiệm vụ phải thực hiện")[1] == "3"
    assert row_cells(out, "Không thực hiện")[1] == "1"


def row_cells(output: str, label: str) -> list[str]:
    """Cells of the rich table row starting with ``label``."""
    line = next(line for line in output.splitlines() if label in line)
    return [c.strip() for c in line.split("│")[1:-1]]


def test_progress_by_area_at_other_date(app, master):
    result = run(app, "tien-do", master, "--ngay", "02/01/2026", "--theo", "linh-vuc")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Ngày số liệu: 02/01/2026" in out
    assert "Theo lĩnh vực" in out and "Theo đơn vị chủ trì" not in out
    assert "3. Thủ tục hành chính" in out
    assert "Nhiệm vụ quá hạn (2)" in out                # II-02 is late too after 31/12/2025


def test_progress_rejects_bad_options(app, master):
    result = run(app, "tien-do", master, "--ngay", "hôm qua")
    assert result.exit_code == 2 and "--ngay" in result.output
    result = run(app, "tien-do", master, "--theo", "phong")
    assert result.exit_code == 2


@pytest.mark.parametrize("typed, what", [
    ("30/02/2025", "'30/02/2025' - không phải ngày hợp lệ"),        # impossible date (Excel keeps it as text)
    ("Quý II", "'Quý II' - không phải ngày hợp lệ"),
    ("14/06/2025", "'14/06/2025' nhập dạng văn bản"),             # Python could read it, the formulas cannot
    (None, "đang trống"),
])
def test_bad_dashboard_date_is_refused_naming_the_cell(app, master, typed, what):
    """"Ngày số liệu" (Tổng quan!C4) that is not a real date: tien-do refuses (exit 1, file unchanged)
    naming file, sheet and cell and the way out; kiem-tra lists it as an error at the cell; with
    --ngay tien-do runs at that date and still warns about the cell."""
    import hashlib

    from cchc_xl.workbook.dashboard import dashboard_cells

    wb = load_workbook(master)
    cell = dashboard_cells(wb[S.SHEET_DASHBOARD])["as_of"]
    wb[S.SHEET_DASHBOARD][cell] = typed
    wb.save(master)
    digest = hashlib.sha256(master.read_bytes()).hexdigest()
    where = f"tệp {master.name}, trang '{S.SHEET_DASHBOARD}', ô {cell}"
    result = run(app, "tien-do", master)
    out = " ".join(result.output.split())
    assert result.exit_code == 1, out
    assert what in out and where in out and "--ngay" in out and "Ngày số liệu:" not in out
    assert "Traceback" not in out
    result = run(app, "kiem-tra", master)
    assert result.exit_code == 1
    line = next(ln for ln in result.output.splitlines() if f"ô {cell}" in ln)
    assert "Lỗi" in line and S.SHEET_DASHBOARD in line
    result = run(app, "tien-do", master, "--ngay", "14/09/2025")
    out = " ".join(result.output.split())
    assert result.exit_code == 0 and "Ngày số liệu: 14/09/2025" in out and where in out
    assert hashlib.sha256(master.read_bytes()).hexdigest() == digest


@pytest.mark.parametrize("key, typed", [
    ("status", "hoàn thành"),                                        # another wording of "Đã hoàn thành"
    ("status", unicodedata.normalize("NFD", "Đã hoàn thành")),       # another Unicode form
    ("completed_on", "30/07/2025"),                                  # a date typed as text
], ids=["wording", "nfd", "date-as-text"])
def test_progress_names_cells_the_dashboard_counts_otherwise(app, master, key, typed):
    """tien-do reads these cells as the official meant; the formulas of "Tổng quan" do not, so
    the two sets of figures differ: said, with each cell, not left for kiem-tra to find."""
    wb = load_workbook(master)
    ws = wb[S.SHEET_TASKS]
    row = next(r for r in range(S.FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, 1).value == "I-01")
    ref = f"{S.col_letter(S.TASK_COLUMNS, key)}{row}"
    ws[ref] = typed
    wb.save(master)
    result = run(app, "tien-do", master, "--ngay", "14/09/2025")
    out = " ".join(result.output.split())
    assert result.exit_code == 0, out
    assert f"trang '{S.SHEET_DASHBOARD}' sẽ khác số liệu của lệnh này" in out and f"ô {ref}" in out
