"""Figures of the sheet "Số liệu": reviewed like a careful reviewer would (seed 003's own
mistakes included), typed or imported from an .xlsx export, carried into the report."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from cchc_xl.cli import app as main_app
from cchc_xl.core import indicators as I
from cchc_xl.core.periods import periods_of_year
from cchc_xl.importers.indicators import read_export
from cchc_xl.importers.sample import sample_plan
from cchc_xl.report.data import build_report
from cchc_xl.report.sheet import report_layout
from cchc_xl.report.word import write_report_docx
from cchc_xl.workbook.master import read_master, write_master

Q1, H6, Q3, YEAR = periods_of_year(2025)

# seed 003 (xã Mai Hoa, báo cáo CCHC năm 2025), as written
SEED_003 = dict(nv_tinh_giao=36, nv_tinh_xong=36, tl_nv_tinh_dung_han=100, don_vi_kiem_tra=6, vb_gop_y=264,
                tthc_tong=559, tthc_dvc=368, tthc_toan_trinh=75, tthc_mot_phan=293,
                hs_tiep_nhan=1268, hs_truc_tuyen=1219, tl_truc_tuyen=96.22, hs_truc_tiep=49,
                tl_truc_tiep=3.78, hs_da_giai_quyet=1214, hs_dang_giai_quyet=28, tl_dung_han=99.75,
                tl_qua_han=0.25, pakn_tiep_nhan=0, gn_thuc_hien=10.55, tl_giai_ngan=82.1,
                thu_ns_thuc_hien=5.147, thu_ns_ke_hoach=3.046, tl_thu_ns=169)


def run(*args: object):
    return CliRunner().invoke(main_app, [str(a) for a in args], env={"COLUMNS": "250"})


def check(values: dict, **changes) -> dict[str, list]:
    v = {**values, **changes}
    v = {k: x for k, x in v.items() if x is not None}
    out: dict[str, list] = {}
    for f in I.check_period({k: float(x) for k, x in v.items()}, "Năm 2025", lambda k: f"cell:{k}"):
        out.setdefault(f.code, []).append(f)
    return out


# ---------------------------------------------------------------- the review

def test_seed_003_online_rate_is_caught_with_its_cell():
    found = check(SEED_003)
    rates = {f.cell: f.message for f in found["indicator_rate_mismatch"]}
    assert set(rates) == {"cell:tl_truc_tuyen", "cell:tl_truc_tiep"}
    assert "ghi 96,22%, nhưng 1.219/1.268 = 96,14%" in rates["cell:tl_truc_tuyen"]
    assert "ghi 3,78%, nhưng 49/1.268 = 3,86%" in rates["cell:tl_truc_tiep"]
    # what adds up is not flagged: 1.219 + 49 = 1.268, 75 + 293 = 368, 99,75 + 0,25 = 100,
    # 82,1 % written with one decimal, revenue above plan (169 %) is no share
    assert "indicator_parts_sum" not in found and "indicator_rate_over_100" not in found
    assert "indicator_part_gt_whole" not in found and "indicator_rate_rounding" not in found


@pytest.mark.parametrize("changes,code,cell", [
    (dict(hs_truc_tuyen=1200, tl_truc_tuyen=None, tl_truc_tiep=None), "indicator_parts_sum", "hs_tiep_nhan"),
    (dict(tthc_mot_phan=290), "indicator_parts_sum", "tthc_dvc"),
    (dict(tthc_dvc=600, tthc_toan_trinh=300, tthc_mot_phan=300), "indicator_part_gt_whole", "tthc_dvc"),
    (dict(nv_tinh_xong=37), "indicator_part_gt_whole", "nv_tinh_xong"),
    (dict(tl_dung_han=100.25), "indicator_rate_over_100", "tl_dung_han"),
    (dict(tl_giai_ngan=82.1, gn_ke_hoach=12.85, gn_thuc_hien=13.5), "indicator_rate_mismatch", "tl_giai_ngan"),
    (dict(hs_dung_han=1211, hs_qua_han=3, tl_dung_han=99.5), "indicator_rate_mismatch", "tl_dung_han"),
    (dict(tl_qua_han=0.35), "indicator_parts_sum", "tl_dung_han"),
    (dict(hs_dang_giai_quyet=80), "indicator_part_gt_whole_warning", "hs_da_giai_quyet"),
])
def test_each_family_of_inconsistency(changes, code, cell):
    found = check(SEED_003, **changes)
    assert code in found, found.keys()
    assert any(f.cell == f"cell:{cell}" for f in found[code]), [f.cell for f in found[code]]


def test_truncated_rate_is_a_rounding_warning_not_an_error():
    # seed 003 writes 41/43 as 95,34 %: the counts here are dossiers, the arithmetic the same
    found = check({}, hs_dung_han=41, hs_qua_han=2, hs_da_giai_quyet=43, tl_dung_han=95.34)
    [f] = found["indicator_rate_rounding"]
    assert f.severity == "warning" and "là 95,35%" in f.message
    assert check({}, hs_dung_han=41, hs_qua_han=2, hs_da_giai_quyet=43, tl_dung_han=95.35) == {}
    assert check({}, hs_dung_han=41, hs_qua_han=2, hs_da_giai_quyet=43, tl_dung_han=95.3) == {}


def test_rate_without_counts_is_information():
    found = check({}, tl_giai_ngan=82.1, gn_thuc_hien=10.55)
    [f] = found["indicator_rate_no_counts"]
    assert f.severity == "info" and "Kế hoạch vốn đầu tư công được giao" in f.message


@pytest.mark.parametrize("raw,code", [("nhiều", "indicator_not_number"), (-3, "indicator_negative"),
                                      (12.5, "indicator_not_whole"), ("1.268,5", "indicator_not_whole")])
def test_bad_values(raw, code):
    value, problem = I.parse_value(I.BY_KEY["hs_tiep_nhan"], raw, "Quý I/2025", sheet="Số liệu", cell="E16")
    assert value is None and problem.code == code and problem.cell == "E16"


def test_vietnamese_numbers_and_percent_cells():
    assert I.parse_value(I.BY_KEY["hs_tiep_nhan"], "1.268", "")[0] == 1268
    assert I.parse_value(I.BY_KEY["tl_truc_tuyen"], "96,22 %", "")[0] == 96.22
    assert I.parse_value(I.BY_KEY["tl_truc_tuyen"], 0.9622, "", fraction_percent=True)[0] == 96.22
    assert I.parse_value(I.BY_KEY["gn_thuc_hien"], "10,550", "")[0] == 10.55


@pytest.mark.parametrize("text,key", [
    ("- Tổng số hồ sơ tiếp nhận:", "hs_tiep_nhan"), ("+ Trực tuyến", "hs_truc_tuyen"),
    ("1. Tỷ lệ giải ngân (%)", "tl_giai_ngan"), ("Hồ sơ TTHC tiếp nhận", "hs_tiep_nhan"),
    ("DVC trực tuyến toàn trình", "tthc_toan_trinh"), ("hs_qua_han", "hs_qua_han"),
    ("Số dự thảo văn bản góp ý", "vb_gop_y"), ("Ghi chú", None), ("Tổng cộng", None)])
def test_labels_are_recognised(text, key):
    assert I.match_label(text) == key


# ---------------------------------------------------------------- the sheet

@pytest.fixture()
def master(tmp_path) -> Path:
    return write_master(sample_plan(), tmp_path / "So.xlsx", as_of=Q1.end)


def type_values(master: Path, column: str, values: dict) -> dict[str, str]:
    """Type values into the master's "Số liệu" sheet as an official would."""
    wb = load_workbook(master)
    ws = wb["Số liệu"]
    rows: dict = {}
    for r in range(5, ws.max_row + 1):           # the input table (the formula table below repeats the keys)
        rows.setdefault(ws.cell(row=r, column=1).value, r)
    cells = {}
    for k, v in values.items():
        ws[f"{column}{rows[k]}"] = v
        cells[k] = f"{column}{rows[k]}"
    wb.save(master)
    return cells


def test_sheet_layout_and_typed_values_are_checked_by_kiem_tra(master):
    ws = load_workbook(master)["Số liệu"]
    assert [ws.cell(row=4, column=c).value for c in range(1, 9)] == [
        "Mã", "Nhóm", "Chỉ tiêu", "Đơn vị tính", "Quý I/2025", "6 tháng/2025", "Quý III/2025", "Năm 2025"]
    cells = type_values(master, "H", {"hs_tiep_nhan": 1268, "hs_truc_tuyen": 1219, "tl_truc_tuyen": 96.22,
                                      "hs_truc_tiep": 49, "hs_da_giai_quyet": "nhiều"})
    data = read_master(master)
    assert data.indicators.of(YEAR) == {"hs_tiep_nhan": 1268, "hs_truc_tuyen": 1219, "tl_truc_tuyen": 96.22,
                                        "hs_truc_tiep": 49}
    res = run("kiem-tra", master, "--ngay", "14/12/2025")
    assert res.exit_code == 1
    out = " ".join(res.output.split())
    assert f"trang 'Số liệu', ô {cells['tl_truc_tuyen']}" in out and "1.219/1.268 = 96,14%" in out
    assert f"ô {cells['hs_da_giai_quyet']}" in out and "'nhiều' không phải là số" in out


# ---------------------------------------------------------------- import

def export_file(path: Path, rows: list[list], pct_cells: tuple[str, ...] = ()) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    for r in rows:
        ws.append(r)
    for ref in pct_cells:
        ws[ref].number_format = "0.00%"
    wb.save(path)
    return path


ONE_STOP = [["BÁO CÁO TÌNH HÌNH GIẢI QUYẾT TTHC"], [],
            ["STT", "Chỉ tiêu", "Số lượng", "Ghi chú"],
            [1, "- Tổng số hồ sơ tiếp nhận:", 1268, ""],
            [2, "+ Trực tuyến", "1.219", "hồ sơ"],
            [3, "Tỷ lệ trực tuyến", 0.9622],
            [4, "+ Trực tiếp", 49],
            [5, "Hồ sơ đã giải quyết", 1214],
            [6, "Đang giải quyết", 28],
            [7, "Người ký", "Nguyễn Văn A"]]


def test_import_reads_reports_and_checks(master, tmp_path):
    src = export_file(tmp_path / "mot_cua.xlsx", ONE_STOP, pct_cells=("C6",))
    res = run("nhap-so-lieu", master, "--tu-tep", src, "--ky", "Năm 2025")
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "Báo cáo!C6" in out and "96,22%" in out                  # read, with where from
    assert "Bỏ qua Báo cáo!A1" in out and "Bỏ qua Báo cáo!A10" in out   # what was skipped
    assert "1.219/1.268 = 96,14%" in out                             # and checked, naming the master's cell
    data = read_master(master)
    assert data.indicators.of(YEAR) == {"hs_tiep_nhan": 1268, "hs_truc_tuyen": 1219, "tl_truc_tuyen": 96.22,
                                        "hs_truc_tiep": 49, "hs_da_giai_quyet": 1214, "hs_dang_giai_quyet": 28}
    assert data.indicators.of(Q3) == {}
    cell = data.indicators.cell(YEAR, "tl_truc_tuyen")
    assert cell.startswith("H") and f"ô {cell}" in out
    # the same file again changes nothing
    again = run("nhap-so-lieu", master, "--tu-tep", src, "--ky", "Năm 2025")
    assert again.exit_code == 0 and "Đã ghi 0 số liệu" in again.output


@pytest.mark.parametrize("content", ["=H16-H17", "chờ số liệu huyện", -5], ids=["formula", "note", "negative"])
def test_import_never_replaces_what_is_not_a_value_unasked(master, tmp_path, content):
    """A cell of the period holding the official's formula, a note or a bad value is theirs: the
    import refuses it by cell (nothing written) unless --ghi-de, like a different value."""
    cell = read_master(master).indicators.cell(YEAR, "hs_truc_tiep")
    wb = load_workbook(master)
    wb[I.SHEET][cell] = content
    wb.save(master)
    src = export_file(tmp_path / "a.xlsx", ONE_STOP)
    before = hashlib.sha256(master.read_bytes()).hexdigest()
    res = run("nhap-so-lieu", master, "--tu-tep", src, "--ky", "Năm 2025")
    out = " ".join(res.output.split())
    assert res.exit_code == 1 and f"ô {cell}" in out and "tệp nhập ghi 49" in out and "--ghi-de" in out
    assert hashlib.sha256(master.read_bytes()).hexdigest() == before
    res = run("nhap-so-lieu", master, "--tu-tep", src, "--ky", "Năm 2025", "--ghi-de")
    assert res.exit_code == 0, res.output
    assert read_master(master).indicators.of(YEAR)["hs_truc_tiep"] == 49

def test_import_never_overwrites_silently(master, tmp_path):
    src = export_file(tmp_path / "a.xlsx", ONE_STOP)
    assert run("nhap-so-lieu", master, "--tu-tep", src, "--ky", "Năm 2025").exit_code == 0
    changed = [r if r[1:2] != ["Hồ sơ đã giải quyết"] else [5, "Hồ sơ đã giải quyết", 1220] for r in ONE_STOP]
    src2 = export_file(tmp_path / "b.xlsx", changed)
    before = hashlib.sha256(master.read_bytes()).hexdigest()
    res = run("nhap-so-lieu", master, "--tu-tep", src2, "--ky", "Năm 2025")
    assert res.exit_code == 1
    assert "đang là 1.214, tệp nhập ghi 1.220" in " ".join(res.output.split())
    assert hashlib.sha256(master.read_bytes()).hexdigest() == before
    res = run("nhap-so-lieu", master, "--tu-tep", src2, "--ky", "Năm 2025", "--thu")
    assert res.exit_code == 1                         # a dry run does not bypass the refusal either
    res = run("nhap-so-lieu", master, "--tu-tep", src2, "--ky", "Năm 2025", "--ghi-de")
    assert res.exit_code == 0, res.output
    assert read_master(master).indicators.of(YEAR)["hs_da_giai_quyet"] == 1220
    assert list((master.parent / "sao_luu").glob("So_*.xlsx"))


def test_import_bad_value_imports_nothing(master, tmp_path):
    rows = ONE_STOP[:4] + [[2, "+ Trực tuyến", 12.5]] + ONE_STOP[5:]
    src = export_file(tmp_path / "x.xlsx", rows)
    before = hashlib.sha256(master.read_bytes()).hexdigest()
    res = run("nhap-so-lieu", master, "--tu-tep", src, "--ky", "Năm 2025")
    assert res.exit_code == 1
    out = " ".join(res.output.split())
    assert "tệp x.xlsx, trang 'Báo cáo', ô C5" in out and "Không nhập gì" in out
    assert hashlib.sha256(master.read_bytes()).hexdigest() == before


def test_import_file_without_indicators_or_not_excel(master, tmp_path):
    src = export_file(tmp_path / "trong.xlsx", [["Danh sách cán bộ"], ["Nguyễn Văn A", 1980]])
    res = run("nhap-so-lieu", master, "--tu-tep", src, "--ky", "Năm 2025")
    assert res.exit_code == 1 and "Không tìm thấy chỉ tiêu nào" in res.output
    bad = tmp_path / "hong.xlsx"
    bad.write_bytes(b"not a zip")
    res = run("nhap-so-lieu", master, "--tu-tep", bad, "--ky", "Năm 2025")
    assert res.exit_code == 1 and "Traceback" not in res.output and "hong.xlsx" in res.output


def test_dry_run_writes_nothing(master, tmp_path):
    src = export_file(tmp_path / "a.xlsx", ONE_STOP)
    before = hashlib.sha256(master.read_bytes()).hexdigest()
    res = run("nhap-so-lieu", master, "--tu-tep", src, "--ky", "Năm 2025", "--thu")
    assert res.exit_code == 0 and "Chạy thử" in res.output
    assert hashlib.sha256(master.read_bytes()).hexdigest() == before


# ---------------------------------------------------------------- into the report

def test_annual_report_carries_the_figures_as_seed_003(master, tmp_path):
    type_values(master, "H", {k: v for k, v in SEED_003.items()})
    data = read_master(master)
    rep = build_report(data.plan, YEAR, indicators=data.indicators)
    t = rep.indicator_text
    assert t.procedures == ("Tổng số thủ tục hành chính thuộc thẩm quyền giải quyết của UBND xã: 559 thủ tục, "
                            "trong đó 368 thủ tục đủ điều kiện cung cấp dịch vụ công trực tuyến "
                            "(toàn trình: 75 thủ tục, một phần: 293 thủ tục).")
    # rates are recomputed from the counts with the one rounding rule, not copied
    assert "tiếp nhận 1.268 hồ sơ (trong đó trực tuyến 1.219 hồ sơ (96,14%), trực tiếp 49 hồ sơ (3,86%))" \
        in t.dossiers
    assert "đã giải quyết 1.214 hồ sơ, đang giải quyết 28 hồ sơ" in t.dossiers
    assert "trước hạn, đúng hạn: 99,75%, quá hạn: 0,25%" in t.dossiers
    assert t.province_tasks.endswith("giao 36 nhiệm vụ; đã xử lý xong 36 nhiệm vụ (đúng hạn 100%).")
    assert t.disbursement == "Kết quả giải ngân vốn đầu tư công: 10,55 tỷ đồng, đạt 82,1% kế hoạch."
    assert t.revenue == "Tổng thu ngân sách: 5,147/3,046 tỷ đồng, đạt 168,98% dự toán được giao."
    assert "Trong kỳ không có phản ánh, kiến nghị" in t.complaints
    assert {f.code for f in rep.indicator_findings} >= {"indicator_rate_mismatch"}
    doc = write_report_docx(rep, tmp_path / "nam.docx", commune="xã Quảng Sơn", province="tỉnh Lâm Đồng")
    paras = [p.text for p in Document(doc).paragraphs]
    i_tthc = next(i for i, p in enumerate(paras) if p.startswith("2. Cải cách thủ tục hành chính"))
    i_next = next(i for i, p in enumerate(paras) if p.startswith("3. Cải cách tổ chức"))
    assert t.procedures in paras[i_tthc:i_next] and t.dossiers in paras[i_tthc:i_next]
    assert any(p.startswith("5. Kết quả thực hiện các nhiệm vụ được UBND tỉnh") for p in paras)
    i_fin = next(i for i, p in enumerate(paras) if p.startswith("5. Cải cách tài chính công"))
    assert t.disbursement in paras[i_fin:i_fin + 8]
    lay = report_layout(rep)
    ref = lay.tables["indicators"]
    rows = {lay.cells[(r, 2)]: r for r in range(ref.first_row, ref.last_row + 1)}
    r = rows["Tỷ lệ hồ sơ trực tuyến"]
    assert lay.cells[(r, 4)] == pytest.approx(0.9614)
    assert "96,22%" in lay.cells[(r, 5)]                # the reviewer's note next to it
    assert lay.cells[(rows["Hồ sơ TTHC tiếp nhận"], 4)] == 1268


def test_report_without_figures_says_so(master):
    rep = build_report(read_master(master).plan, Q1, indicators=read_master(master).indicators)
    lay = report_layout(rep)
    assert "indicators" not in lay.tables
    assert any(isinstance(v, str) and "Chưa nhập số liệu của kỳ" in v for v in lay.cells.values())
    assert not rep.indicator_text.any()


@pytest.mark.libreoffice
@pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
def test_sheet_recalculated_rates_agree_with_python(master, tmp_path):
    """The formula table under the input table gives, in LibreOffice, the rates Python reports."""
    from cchc_xl.report.pdf import recalculate

    year = type_values(master, "H", SEED_003)
    type_values(master, "E", dict(hs_tiep_nhan=32, hs_truc_tuyen=1, hs_truc_tiep=31, hs_da_giai_quyet=160,
                                   hs_dung_han=159, hs_qua_han=1, gn_ke_hoach=12.85, gn_thuc_hien=2.1))
    wb = load_workbook(recalculate(master, tmp_path / "lo"), data_only=True)
    ws = wb["Số liệu"]
    recalc = {ws.cell(row=r, column=1).value: r for r in range(5, ws.max_row + 1)
              if ws.cell(row=r, column=3).value and str(ws.cell(row=r, column=3).value).endswith("(tính lại)")}
    assert set(recalc) == {i.key for i in I.INDICATORS if i.rate_of}
    data = read_master(master)
    assert data.indicators.of(Q1) == {k: float(v) for k, v in dict(
        hs_tiep_nhan=32, hs_truc_tuyen=1, hs_truc_tiep=31, hs_da_giai_quyet=160, hs_dung_han=159, hs_qua_han=1,
        gn_ke_hoach=12.85, gn_thuc_hien=2.1).items()}       # the formula table is not read as input
    for period, col in ((Q1, "E"), (YEAR, "H")):
        values = data.indicators.of(period)
        for key, r in recalc.items():
            got = ws[f"{col}{r}"].value
            expected = I.computed_rate(values, key)
            if expected is None:
                assert got in (None, ""), (period.code, key, got)
            else:
                assert got == pytest.approx(expected, abs=1e-9), (period.code, key)
    assert ws[f"E{recalc['tl_truc_tuyen']}"].value == pytest.approx(3.13)      # 1/32: half up, like Python
    assert ws[f"E{recalc['tl_qua_han']}"].value == pytest.approx(0.63)         # 1/160
    assert ws[f"H{recalc['tl_truc_tuyen']}"].value == pytest.approx(96.14)
    # the written 96,22 % is marked by a conditional format on its own cell
    rules = [r for rng in load_workbook(master)["Số liệu"].conditional_formatting for r in rng.rules
             if year["tl_truc_tuyen"] in str(rng.sqref)]
    assert rules and "ABS(" in rules[0].formula[0]


def test_import_of_an_export_formatted_down_to_the_last_cell(master, tmp_path):
    """A border drawn at XFD1048576 in the export (openpyxl's rectangle: 17 billion cells): read as usual."""
    from openpyxl.styles import Border, Side

    src = export_file(tmp_path / "mot_cua.xlsx", ONE_STOP, pct_cells=("C6",))
    wb = load_workbook(src)
    wb.active.cell(1048576, 16384).border = Border(bottom=Side(style="thin"))
    wb.save(src)
    res = run("nhap-so-lieu", master, "--tu-tep", src, "--ky", "Năm 2025")
    assert res.exit_code == 0, res.output
    assert "Báo cáo!C6" in " ".join(res.output.split())
    assert read_master(master).indicators.of(YEAR)["hs_tiep_nhan"] == 1268


# ---------------------------------------------------------------- import: which cell is the value

HEADED = [["Chỉ tiêu", "Kỳ này", "Cùng kỳ năm trước"]]


@pytest.mark.parametrize("rows, cell, shown", [
    # the period's cell holds text: an error, not the next number of the row (last year's)
    (HEADED + [["Tổng số hồ sơ tiếp nhận", "1.268 hồ sơ", 1150]], "B2", "'1.268 hồ sơ'"),
    (HEADED + [["Hồ sơ đã giải quyết", "chưa tổng hợp", 980]], "B2", "'chưa tổng hợp'"),
    # no header: the first cell right of the name that is not a unit word
    ([["Tổng số hồ sơ tiếp nhận", "hồ sơ", "khoảng 1.200", 1150]], "C1", "'khoảng 1.200'"),
], ids=["text-with-number", "note", "no-header"])
def test_import_value_cell_that_is_not_a_number_imports_nothing(master, tmp_path, rows, cell, shown):
    """The value an official would read in the export is refused by cell; another column's
    number (last year's) is never taken in its place."""
    src = export_file(tmp_path / "e.xlsx", rows)
    before = hashlib.sha256(master.read_bytes()).hexdigest()
    res = run("nhap-so-lieu", master, "--tu-tep", src, "--ky", "Năm 2025")
    out = " ".join(res.output.split())
    assert res.exit_code == 1 and f"trang 'Báo cáo', ô {cell}" in out and shown in out, out
    assert "Không nhập gì" in out and "1.150" not in out and "980" not in out
    assert hashlib.sha256(master.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("rows, expected, skipped", [
    # an empty cell in the period's column is skipped: last year's figure is not taken
    (HEADED + [["Tổng số hồ sơ tiếp nhận", None, 1150], ["+ Trực tuyến", 900, 800]],
     {"hs_truc_tuyen": 900}, "A2"),
    # the period's column found by its year, whatever the order of the columns
    ([["Nội dung", "Năm 2024", "Năm 2025", "So sánh (%)"], ["Tổng số hồ sơ tiếp nhận", 1150, 1268, 110.26],
      ["+ Trực tuyến", 800, 1219, 152.4]], {"hs_tiep_nhan": 1268, "hs_truc_tuyen": 1219}, None),
    # a plan column and a unit column before the figures
    ([["STT", "Chỉ tiêu", "ĐVT", "Kế hoạch", "Thực hiện", "Ghi chú"],
      [1, "Tổng số hồ sơ tiếp nhận", "hồ sơ", 1500, 1268, ""]], {"hs_tiep_nhan": 1268}, None),
], ids=["empty-this-period", "year-columns", "plan-and-unit-columns"])
def test_import_takes_the_period_column(master, tmp_path, rows, expected, skipped):
    src = export_file(tmp_path / "e.xlsx", rows)
    res = run("nhap-so-lieu", master, "--tu-tep", src, "--ky", "Năm 2025", "--thu")
    out = " ".join(res.output.split())
    assert res.exit_code == 0, out
    assert read_export(src, YEAR).as_dict() == expected
    if skipped:
        assert f"Bỏ qua Báo cáo!{skipped}" in out and "cột 'Kỳ này' trống" in out


def test_import_without_a_column_of_the_period(master, tmp_path):
    """Columns of other periods only: every row is skipped, saying why; nothing is imported."""
    rows = [["Chỉ tiêu", "Cùng kỳ năm trước", "Kế hoạch năm"], ["Tổng số hồ sơ tiếp nhận", 1150, 1300]]
    src = export_file(tmp_path / "e.xlsx", rows)
    res = run("nhap-so-lieu", master, "--tu-tep", src, "--ky", "Năm 2025")
    out = " ".join(res.output.split())
    assert res.exit_code == 1 and "không có cột số liệu của Năm 2025" in out and "'Cùng kỳ năm trước'" in out
