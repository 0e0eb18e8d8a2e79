"""Findings of the index importer, the Word report and the index-document import, and the
parser reasons that became their own types (cell values, plan documents, criteria tables,
e-mail addresses): catalogue codes, severities and messages naming file, sheet and cell - one
test per family of failure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from cchc_xl.cli import app
from cchc_xl.core import schema as S
from cchc_xl.core.findings import catalog as C
from cchc_xl.core.models import CchcError, Plan, PlanInfo
from cchc_xl.core.records import parse_date, read_master_sheets
from cchc_xl.core.text import CellValueError, parse_number
from cchc_xl.files.safeio import file_sha256
from cchc_xl.importers.index import import_index, read_index_json, sample_index
from cchc_xl.ingest import index_docs
from cchc_xl.ingest.index_docs import import_index_results, import_remediation, write_edits
from cchc_xl.report.word import write_report_docx
from cchc_xl.workbook.master import write_master

FIXTURES = Path(__file__).parent / "fixtures"
JSON_FIXTURE = FIXTURES / "cam_son_2023_chi_so.json"
DOCS = FIXTURES / "index_docs"


def _raised(call, *args, **kwargs):
    with pytest.raises(CchcError) as e:
        call(*args, **kwargs)
    return e.value.finding


# ---------------------------------------------------------------- cell values: one type per reason

@pytest.mark.parametrize("parse, raw, code, text", [
    (parse_number, "mười hai", "not_a_number", "'mười hai' không phải là số"),
    (parse_number, "1,2,3", "not_a_number", "'1,2,3' không phải là số"),
    (parse_date, "31/02/2025", "bad_date", "'31/02/2025' không phải ngày hợp lệ (dạng dd/mm/yyyy)"),
    (parse_date, "cuối quý", "bad_date", "'cuối quý' không phải ngày hợp lệ (dạng dd/mm/yyyy)"),
])
def test_parsers_raise_a_typed_reason(parse, raw, code, text):
    with pytest.raises(CellValueError) as e:
        parse(raw)
    assert e.value.code == code and str(e.value) == text         # str: the reason, for callers without a column
    f = e.value.finding(column="Hạn (ngày)", file="So.xlsx", sheet="Phân công", cell="M7")
    assert f.code == code and f.severity == "error" and f.message == f"Hạn (ngày): {text}"
    # the older "bad_cell" ({column}: {why}) of a reader not converted yet prints the same words
    assert C.BAD_CELL(column="Hạn (ngày)", why=e.value).message == f.message
    assert str(f).endswith("(tệp So.xlsx, trang 'Phân công', ô M7)")


def _master_sheets(tmp_path: Path, edit) -> dict:
    path = tmp_path / "So.xlsx"
    areas, criteria, remediation = sample_index()
    write_master(Plan(info=PlanInfo(year=2025, index_year=2023), index_areas=areas, index_criteria=criteria,
                      remediation=remediation), path, make_backup=False)
    wb = load_workbook(path)
    edit(wb)
    wb.save(path)
    wb = load_workbook(path, data_only=True)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def test_master_cells_get_their_own_codes(tmp_path):
    col = lambda cols, key: S.col_letter(cols, key)  # noqa: E731
    first = S.FIRST_DATA_ROW

    def edit(wb):
        wb[S.SHEET_INDEX][f"{col(S.INDEX_COLUMNS, 'appraised')}{first}"] = "chín"
        wb[S.SHEET_REMEDIATION][f"{col(S.REMEDIATION_COLUMNS, 'due')}{first}"] = "giữa năm"
        wb[S.SHEET_REMEDIATION][f"{col(S.REMEDIATION_COLUMNS, 'status')}{first + 1}"] = "Làm rồi"

    data = read_master_sheets(_master_sheets(tmp_path, edit), file="So.xlsx")
    got = {f.code: f for f in data.findings}
    index_cell = f"{col(S.INDEX_COLUMNS, 'appraised')}{first}"
    assert (got["not_a_number"].sheet, got["not_a_number"].cell) == (S.SHEET_INDEX, index_cell)
    assert got["not_a_number"].message == "Điểm thẩm định: 'chín' không phải là số"
    assert str(got["bad_date"]) == (f"Lỗi: Hạn (ngày): 'giữa năm' không phải ngày hợp lệ (dạng dd/mm/yyyy) (tệp "
                                    f"So.xlsx, trang '{S.SHEET_REMEDIATION}', ô "
                                    f"{col(S.REMEDIATION_COLUMNS, 'due')}{first})")
    # a status typed outside the list is no longer read silently as "Chưa thực hiện" (same words as
    # "Phân công", whose reader Tổng hợp mirrors)
    status = got["bad_cell"]
    assert status.cell == f"{col(S.REMEDIATION_COLUMNS, 'status')}{first + 1}" and status.severity == "error"
    assert status.message == "Trạng thái: 'Làm rồi' không có trong danh sách trạng thái"
    assert len(data.findings) == 3


# ---------------------------------------------------------------- index importer: score tables

def _write_table(path: Path, rows) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Bảng điểm"
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_simple_table_rows_without_area_or_score(tmp_path):
    p = _write_table(tmp_path / "diem.xlsx", [
        ["TT", "Nội dung", "Điểm tối đa", "Điểm thẩm định", "Điểm bị trừ"],   # row 1
        ["1.1", "Ban hành kế hoạch", 1, 0.5, 0.5],                            # row 2: before any area
        [1, "Chỉ đạo, điều hành", None, 9, 2],                                # row 3: area without max
        [2, "Cải cách thể chế", 7, 6.5, 0.5],                                 # row 4
        ["-", "Rà soát văn bản theo kế hoạch", None, None, None],             # row 5: no score
    ])
    _, _, findings = import_index(p)
    got = [(f.code, f.severity, f.cell, str(f)) for f in findings]
    assert got == [
        ("criterion_without_area", "error", "B2",
         "Lỗi: Tiêu chí 'Ban hành kế hoạch' nằm trước mọi dòng lĩnh vực (TT 1..8) nên không biết thuộc lĩnh vực "
         "nào - dòng này bị bỏ qua (tệp diem.xlsx, trang 'Bảng điểm', ô B2)"),
        ("missing_max_points", "error", "C3",
         "Lỗi: Lĩnh vực 1: thiếu điểm tối đa (tệp diem.xlsx, trang 'Bảng điểm', ô C3)"),
        ("unparsed_line", "warning", "B5",
         "Cảnh báo: Lĩnh vực 2: không đọc được điểm của dòng 'Rà soát văn bản theo kế hoạch' - dòng này bị bỏ "
         "qua (tệp diem.xlsx, trang 'Bảng điểm', ô B5)"),
    ]


def test_master_layout_sheet_bad_cells(tmp_path):
    areas, criteria, _ = sample_index()
    p = tmp_path / "so_cu.xlsx"
    write_master(Plan(info=PlanInfo(year=2024, index_year=2023), index_areas=areas, index_criteria=criteria), p,
                 make_backup=False)
    wb = load_workbook(p)
    ws = wb[S.SHEET_INDEX]
    row = S.FIRST_DATA_ROW
    area, max_col = S.col_letter(S.INDEX_COLUMNS, "area"), S.col_letter(S.INDEX_COLUMNS, "max_points")
    deducted = S.col_letter(S.INDEX_COLUMNS, "deducted")
    ws[f"{area}{row}"] = 9                     # no area 9
    ws[f"{max_col}{row + 1}"] = None           # first criterion row: fine without a maximum
    ws[f"{deducted}{row + 1}"] = "một nửa"
    area_rows = [r for r in range(row + 1, ws.max_row + 1)
                 if ws[f"{S.col_letter(S.INDEX_COLUMNS, 'level')}{r}"].value == S.LEVEL_AREA]
    ws[f"{max_col}{area_rows[0]}"] = None      # the second area loses its maximum
    wb.save(p)
    _, _, findings = import_index(p)
    by_code = {f.code: f for f in findings}
    assert set(by_code) == {"bad_area_number", "not_a_number", "missing_max_points"}
    assert (by_code["bad_area_number"].sheet, by_code["bad_area_number"].cell) == (S.SHEET_INDEX, f"{area}{row}")
    assert str(by_code["not_a_number"]) == (f"Lỗi: Điểm bị trừ: 'một nửa' không phải là số (tệp so_cu.xlsx, "
                                           f"trang '{S.SHEET_INDEX}', ô {deducted}{row + 1})")
    assert by_code["missing_max_points"].message == "Lĩnh vực 2: thiếu điểm tối đa"
    assert by_code["missing_max_points"].cell == f"{max_col}{area_rows[0]}"


def test_text_tables_unreadable_or_without_header(tmp_path):
    latin = tmp_path / "bang.tsv"
    latin.write_bytes(b"TT\tN\xf4i dung\t\xd0i\xeam t\xf4i \xf0a\n1\tCh\xec \xf0a\xf2o\t11\n")   # not UTF-8
    f = _raised(import_index, latin)
    assert (f.code, f.file) == ("text_not_utf8", "bang.tsv") and "lưu lại với bảng mã UTF-8" in f.message
    one_column = tmp_path / "ghi_chu.csv"                 # the CSV sniffer finds no delimiter: no traceback
    one_column.write_text("Ghi chú\nKhông có bảng điểm\n", encoding="utf-8")
    f = _raised(import_index, one_column)
    assert f.code == "no_header" and str(f) == ("Lỗi: Không tìm thấy dòng tiêu đề có cột 'Nội dung' và "
                                                "'Điểm tối đa' (tệp ghi_chu.csv)")
    odt = tmp_path / "diem.ods"
    odt.write_bytes(b"PK")
    f = _raised(import_index, odt)
    assert f.code == "bad_file_type" and "'.ods'" in f.message and f.file == "diem.ods"
    f = _raised(import_index, tmp_path / "khong_co.xlsx")
    assert f.code == "no_file" and f.file.endswith("khong_co.xlsx")


# ---------------------------------------------------------------- index importer: malformed JSON

def _json(tmp_path: Path, doc, name="chi_so.json") -> Path:
    p = tmp_path / name
    p.write_text(doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return p


def test_json_syntax_and_format_refused(tmp_path):
    f = _raised(read_index_json, _json(tmp_path, '{"format": "cchc_xl.index/1",\n "areas": [1,]}'))
    assert (f.code, f.severity, f.file) == ("index_json_syntax", "error", "chi_so.json")
    assert f.message.startswith("Tệp JSON chỉ số sai cú pháp ở dòng 2, cột ")
    f = _raised(read_index_json, _json(tmp_path, {"format": "cchc_xl.index/0", "areas": []}))
    assert f.code == "bad_format" and f.message == (
        "Tệp JSON không theo định dạng 'cchc_xl.index/1' (khóa \"format\" ghi 'cchc_xl.index/0')")
    f = _raised(read_index_json, _json(tmp_path, [1, 2]))
    assert f.code == "bad_format" and "ghi ''" in f.message


def test_json_entries_of_the_wrong_shape_are_findings(tmp_path):
    doc = json.loads(JSON_FIXTURE.read_text(encoding="utf-8"))
    doc["areas"][0]["appraised"] = "chín"
    doc["areas"][1]["max_points"] = None
    doc["areas"][2]["tt"] = "IX"
    doc["areas"][3]["criteria"] = "bị trừ 0,5 điểm"
    doc["areas"].append("Lĩnh vực 9")
    doc["total"]["max_points"] = "một trăm"
    _, _, findings = import_index(_json(tmp_path, doc))
    got = sorted((f.code, f.message) for f in findings if f.code != "total_mismatch")   # 3 areas left out
    assert got == sorted([
        ("not_a_number", "Lĩnh vực 1, Điểm thẩm định: 'chín' không phải là số"),
        ("missing_max_points", "Lĩnh vực 2: thiếu điểm tối đa"),
        ("bad_area", "Lĩnh vực 'IX' không thuộc 8 lĩnh vực CCHC"),
        ("index_json_not_list", "Khóa \"criteria\" phải là một danh sách JSON [...] - bỏ qua khóa này"),
        ("index_json_entry", "Mục thứ 9 của khóa \"areas\" không phải một đối tượng JSON (cần các khóa 'tt', "
                             "'name', 'max_points'...) - bỏ qua mục này"),
        ("not_a_number", "Tổng điểm, Điểm tối đa: 'một trăm' không phải là số"),
    ])
    assert all(f.file == "chi_so.json" and f.severity == "error" for f in findings)


def test_json_summary_and_total_row_messages(tmp_path):
    doc = json.loads(JSON_FIXTURE.read_text(encoding="utf-8"))
    doc["areas"][2]["summary"] = "3.1. Điểm số bị trừ: 1,5 điểm, đó là:"   # table says 1,51
    doc["total"]["deducted"] = "14,29"                                      # areas add up to 14,92
    _, _, findings = import_index(_json(tmp_path, doc))
    assert sorted((f.code, f.severity, f.message) for f in findings) == [
        ("summary_mismatch", "error",
         "Lĩnh vực 3: phần nội dung ghi bị trừ 1,5 điểm nhưng bảng điểm ghi 1,51 điểm"),
        ("total_mismatch", "error", "Dòng tổng: Điểm bị trừ ghi 14,29 nhưng cộng các lĩnh vực được 14,92"),
    ]


# ---------------------------------------------------------------- Word report

def _report():
    from cchc_xl.core.periods import parse_period
    from cchc_xl.report.data import build_report

    areas, criteria, remediation = sample_index()
    plan = Plan(info=PlanInfo(year=2025, commune="xã Thử", index_year=2023), index_areas=areas,
                index_criteria=criteria, remediation=remediation)
    return build_report(plan, parse_period("Q3/2025"))


def test_word_report_into_a_folder_or_an_unwritable_place(tmp_path):
    report = _report()
    folder = tmp_path / "bao_cao.docx"
    folder.mkdir()
    f = _raised(write_report_docx, report, folder, commune="xã Thử", province="tỉnh Thử")
    assert (f.code, f.severity) == ("is_dir", "error")
    assert f.message == f"'{folder}' là thư mục, không phải tệp Word - hãy ghi cả tên tệp Word (.docx)"
    blocker = tmp_path / "tep"
    blocker.write_text("không phải thư mục", encoding="utf-8")
    target = blocker / "Bao_cao.docx"          # its "folder" is a file: the OS refuses
    f = _raised(write_report_docx, report, target, commune="xã Thử", province="tỉnh Thử")
    assert f.code == "write_aborted" and f.file == "Bao_cao.docx"
    assert f.message.startswith("Không ghi được tệp khi ghi báo cáo Word (") and f.message.endswith(
        "): tệp không thay đổi")
    assert blocker.read_text(encoding="utf-8") == "không phải thư mục"


def test_word_report_written_then_replaced_with_a_backup(tmp_path):
    target = tmp_path / "Bao_cao.docx"
    report = _report()
    write_report_docx(report, target, commune="xã Thử", province="tỉnh Thử")
    write_report_docx(report, target, commune="xã Thử", province="tỉnh Thử")
    assert target.exists() and list((tmp_path / "sao_luu").glob("Bao_cao_*.docx"))


# ---------------------------------------------------------------- index documents into the master

@pytest.fixture
def master(tmp_path: Path) -> Path:
    path = tmp_path / "So.xlsx"
    write_master(Plan(info=PlanInfo(year=2025, commune="xã Thử")), path, make_backup=False)
    return path


@pytest.mark.parametrize("sheet, run", [
    (S.SHEET_REMEDIATION, lambda m: import_remediation(m, DOCS / "xa_a_2024_khac_phuc.md")),
    (S.SHEET_INDEX, lambda m: import_index_results(m, DOCS / "chi_so_2024_bang.csv", year=2024)),
])
def test_import_into_a_master_without_its_sheet(master, sheet, run):
    wb = load_workbook(master)
    wb.remove(wb[sheet])
    wb.save(master)
    sha = file_sha256(master)
    f = _raised(run, master)
    assert (f.code, f.severity, f.file) == ("missing_sheet", "error", "So.xlsx")
    assert str(f) == f"Lỗi: Thiếu trang '{sheet}' - đây không phải sổ tổng hợp CCHC (tệp So.xlsx)"
    assert file_sha256(master) == sha


def test_import_refuses_a_master_changed_since_it_was_read(master):
    sha = file_sha256(master)
    f = _raised(index_docs._write_if_unchanged, master, "0" * 64, {})
    assert f.code == "master_changed" and f.file == "So.xlsx"
    assert f.message == "Sổ tổng hợp vừa bị thay đổi trong lúc nhập: hãy lưu, đóng sổ rồi chạy lại"
    assert file_sha256(master) == sha and not (master.parent / "sao_luu").exists()


def test_import_write_failure_is_a_catalogue_error(tmp_path):
    blocker = tmp_path / "tep"
    blocker.write_text("x", encoding="utf-8")
    f = _raised(write_edits, blocker / "So.xlsx", {S.SHEET_INDEX: {(3, 1): 1}})
    assert f.code == "write_aborted" and f.file == "So.xlsx"
    assert f.message.startswith("Không ghi được tệp khi ghi sổ tổng hợp (")


def test_cli_prints_the_catalogue_message_once(master):
    wb = load_workbook(master)
    wb.remove(wb[S.SHEET_REMEDIATION])
    wb.save(master)
    out = CliRunner().invoke(app, ["nhap-khac-phuc", str(master), "--tu-tep", str(DOCS / "xa_a_2024_khac_phuc.md")],
                             env={"COLUMNS": "300"})
    assert out.exit_code == 1 and "Traceback" not in out.output
    expected = C.MISSING_SHEET.message(name=S.SHEET_REMEDIATION)
    assert out.output.count(expected) == 1


def test_cells_the_dashboard_formulas_read_differently(tmp_path):
    """Two reasons, two warnings (they were one "cell_formula_mismatch" with a free-text reason)."""
    col = lambda key: S.col_letter(S.TASK_COLUMNS, key)  # noqa: E731
    plan = Plan.model_validate_json((FIXTURES / "xl_plan_quang_son.json").read_text("utf-8"))
    path = tmp_path / "So.xlsx"
    write_master(plan, path, make_backup=False)
    wb = load_workbook(path)
    ws = wb[S.SHEET_TASKS]
    row = S.FIRST_DATA_ROW
    ws[f"{col('status')}{row}"] = "hoàn thành"
    ws[f"{col('due')}{row + 1}"] = "30/9/2025"
    wb.save(path)
    wb = load_workbook(path)
    sheets = {w.title: [tuple(r) for r in w.iter_rows(values_only=True)] for w in wb.worksheets}
    got = {f.code: f for f in read_master_sheets(sheets, file="So.xlsx").findings
           if f.code in ("status_spelling", "date_as_text")}
    assert (got["status_spelling"].severity, got["status_spelling"].cell) == ("warning", f"{col('status')}{row}")
    assert got["status_spelling"].message.startswith(
        "Trạng thái: 'hoàn thành' được hiểu là 'Đã hoàn thành' nhưng viết khác giá trị chuẩn")
    assert str(got["date_as_text"]) == (
        f"Cảnh báo: Hạn (ngày): '30/9/2025' đang là văn bản, không phải ngày - công thức trang "
        f"'{S.SHEET_DASHBOARD}' không tính được; hãy nhập lại ô dưới dạng ngày (dd/mm/yyyy) "
        f"(tệp So.xlsx, trang '{S.SHEET_TASKS}', ô {col('due')}{row + 1})")


# ---------------------------------------------------------------- plan documents and criteria tables

def test_plan_documents_damaged_or_not_utf8(tmp_path):
    from cchc_xl.importers.plan_text import read_blocks

    damaged = tmp_path / "ke_hoach.docx"
    damaged.write_bytes(b"PK\x03\x04 not a Word package")
    f = _raised(read_blocks, damaged)
    assert (f.code, f.file) == ("bad_document", "ke_hoach.docx")
    assert f.message == "Tệp 'ke_hoach.docx' bị hỏng hoặc không phải tệp Word (.docx) hợp lệ."
    latin = tmp_path / "ke_hoach.md"
    latin.write_bytes(b"# K\xea ho\xe1ch kh\xe1c ph\xf5c\n")
    f = _raised(read_blocks, latin)
    assert (f.code, f.severity, f.file) == ("text_not_utf8", "error", "ke_hoach.md")
    pdf = tmp_path / "ke_hoach.pdf"
    pdf.write_bytes(b"%PDF")
    f = _raised(read_blocks, pdf)
    assert f.code == "bad_file_type" and f.message == (
        "Không hỗ trợ loại tệp '.pdf' cho tài liệu kế hoạch, kết quả chỉ số (dùng .docx, .txt, .md, .tsv hoặc .csv)")


def test_criteria_table_rows_skipped_for_each_reason(tmp_path):
    from cchc_xl.importers.criteria import read_criteria_file

    p = tmp_path / "bo_tieu_chi.tsv"
    p.write_text("STT\tTiêu chí\tĐiểm tối đa\n"          # row 1
                 "I\tChỉ đạo, điều hành\t11\n"           # row 2
                 "1.1\tKế hoạch CCHC\thai\n"             # row 3: maximum not a number
                 "II\tCải cách thể chế\t\n"              # row 4: area without maximum
                 "x\tGhi chú\t\n", encoding="utf-8")     # row 5: code of no area
    cset, findings = read_criteria_file(p, province="tỉnh Thử", year=2025)
    assert [a.area.value for a in cset.areas] == ["1"]
    assert [(f.code, f.severity, f.cell, f.message) for f in findings] == [
        ("criteria_row_max_not_number", "warning", "dòng 3",
         "Bỏ qua dòng '1.1 Kế hoạch CCHC': điểm tối đa 'hai' không phải là số"),
        ("criteria_area_no_max", "warning", "dòng 4", "Bỏ qua dòng 'Cải cách thể chế': lĩnh vực thiếu điểm tối đa"),
        ("criteria_row_skipped", "warning", "dòng 5",
         "Bỏ qua dòng 'x Ghi chú': mã không bắt đầu bằng số lĩnh vực (1-8)"),
    ]
    assert str(findings[0]).endswith("(tệp bo_tieu_chi.tsv, dòng 3)")


def test_criteria_files_without_a_table_or_areas(tmp_path):
    from cchc_xl.importers.criteria import read_criteria_file

    notes = tmp_path / "ghi_chu.csv"
    notes.write_text("Ghi chú\nChưa có bộ tiêu chí\n", encoding="utf-8")    # one column: nothing to sniff
    f = _raised(read_criteria_file, notes)
    assert (f.code, f.file) == ("criteria_no_table", "ghi_chu.csv")
    only_criteria = tmp_path / "tieu_chi.csv"
    only_criteria.write_text("STT;Tiêu chí;Điểm tối đa\n1.1;Kế hoạch CCHC;1\n", encoding="utf-8")
    f = _raised(read_criteria_file, only_criteria)
    assert f.code == "criteria_no_areas" and f.message == (
        "Bộ tiêu chí không hợp lệ: không có dòng lĩnh vực nào (mã 1..8 hoặc I..VIII)")
    latin = tmp_path / "bo.txt"
    latin.write_bytes(b"STT\tTi\xeau ch\xed\n")
    assert _raised(read_criteria_file, latin).code == "text_not_utf8"
    f = _raised(read_criteria_file, _json(tmp_path, {"x": 1}, "bo.pdf"))
    assert f.code == "bad_file_type" and "cho bộ tiêu chí" in f.message


# ---------------------------------------------------------------- e-mail addresses: a structured address

@pytest.mark.parametrize("email, code, text", [
    ("", "no_email", "Đơn vị 'Văn phòng' (VP): chưa có địa chỉ email"),
    (" ; ", "no_email", "Đơn vị 'Văn phòng' (VP): chưa có địa chỉ email"),
    ("vp@xa.vn; ketoan@xa", "bad_email", "Đơn vị 'Văn phòng' (VP): địa chỉ email 'ketoan@xa' không hợp lệ"),
])
def test_unit_address_findings(email, code, text):
    from cchc_xl.core.models import Unit
    from cchc_xl.mail.mailer import new_unit_message

    unit = Unit(code="VP", name="Văn phòng", email=email)
    f = _raised(new_unit_message, unit, "Phiếu", sender="", issuer="UBND xã Thử")
    assert (f.code, f.severity, f.sheet, f.message) == (code, "error", S.SHEET_UNITS, text)


def test_sender_and_reply_to_name_the_bad_address():
    from cchc_xl.core.models import Unit
    from cchc_xl.mail.mailer import AddressError, new_unit_message, parse_recipients

    unit = Unit(code="VP", name="Văn phòng", email="vp@xa.vn")
    f = _raised(new_unit_message, unit, "Phiếu", sender="văn.phòng@xa", issuer="UBND")
    assert (f.code, f.message) == ("bad_sender", "Người gửi: địa chỉ email 'văn.phòng@xa' không hợp lệ")
    f = _raised(new_unit_message, unit, "Phiếu", sender="", issuer="UBND", reply_to="tra loi")
    assert (f.code, f.message) == ("bad_reply_to", "Địa chỉ nhận trả lời: địa chỉ email 'tra loi' không hợp lệ")
    with pytest.raises(AddressError) as e:
        parse_recipients("a@x.vn; b@")
    assert e.value.address == "b@"


@pytest.mark.parametrize("value", [3000000, 1e308, -1e9, "2025-13-01"])
def test_master_dates_beyond_excel_are_bad_dates_not_crashes(tmp_path, value):
    """A serial past 31/12/9999 (Excel shows ####) or an ISO text with no such month."""
    due = f"{S.col_letter(S.REMEDIATION_COLUMNS, 'due')}{S.FIRST_DATA_ROW}"

    def edit(wb):
        wb[S.SHEET_REMEDIATION][due] = value

    data = read_master_sheets(_master_sheets(tmp_path, edit), file="So.xlsx")
    (bad,) = [f for f in data.findings if f.code == "bad_date"]
    assert bad.cell == due and "không phải ngày hợp lệ" in bad.message


@pytest.mark.parametrize("edit, cell, words", [
    ({"plan_info": "{hỏng"}, "plan_info", "bị sửa, không đọc được"),
    ({"plan_info": '{"year": "abc", "commune": "xã A"}'}, "plan_info", "bị sửa, không đọc được"),
    ({"plan_info": None, "year": "abc"}, "year", "ghi năm 'abc', không phải một năm"),
    ({"plan_info": None, "year": 20251}, "year", "ghi năm '20251'"),
    ("clear", None, "không còn"),
], ids=["json-broken", "json-wrong-year", "year-text", "year-out-of-range", "meta-cleared"])
def test_master_plan_info_damaged_is_one_vietnamese_error(tmp_path, edit, cell, words):
    """Not pydantic's English, not a traceback, not the current year taken silently."""
    from cchc_xl.core.models import CchcError

    def change(wb):
        ws = wb[S.SHEET_META]
        for r in range(1, ws.max_row + 1):
            if edit == "clear":
                for c in range(1, ws.max_column + 1):
                    ws.cell(r, c).value = None
            elif ws.cell(r, 1).value in edit:
                ws.cell(r, 2).value = edit[ws.cell(r, 1).value]

    sheets = _master_sheets(tmp_path, change)
    with pytest.raises(CchcError) as err:
        read_master_sheets(sheets, file="So.xlsx")
    f = err.value.finding
    assert f.code == "master_info_damaged" and words in f.message and f.sheet == S.SHEET_META
    if cell:
        row = next(i for i, r in enumerate(sheets[S.SHEET_META], start=1) if r and r[0] == cell)
        assert f.cell == f"B{row}"
