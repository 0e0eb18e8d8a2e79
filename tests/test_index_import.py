"""Import of CCHC index scores (seed 002, xã Cẩm Sơn, index 2023)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from cchc_xl.importers.index import (import_index, parse_deduction_line, read_index_json,
                                  remediation_items, sample_index, AreaMeasures)
from cchc_xl.workbook.master import write_master
from cchc_xl.core.models import Area, CchcError, IndexCriterion, Plan, PlanInfo

FIXTURES = Path(__file__).parent / "fixtures"
JSON_FIXTURE = FIXTURES / "cam_son_2023_chi_so.json"
TSV_FIXTURE = FIXTURES / "cam_son_2023_bang_diem.tsv"
PACKAGE_DATA = Path(__file__).parents[1] / "cchc_xl" / "data" / "cam_son_2023_chi_so.json"

# The area table of seed 002 (Điểm tối đa | Điểm thẩm định | Điểm bị trừ), as printed.
SEED_AREAS = {
    "1": (11, 9.13, 1.87), "2": (7, 6.75, 0.25), "3": (14.5, 12.99, 1.51), "4": (6, 5.5, 0.5),
    "5": (16.5, 14.62, 1.88), "6": (13.5, 12.86, 0.64), "7": (20, 14.27, 5.73),
    "8": (11.5, 8.96, 2.54),
}
# Number of deduction lines per area in section III of the seed.
SEED_CRITERIA_COUNT = {"1": 5, "2": 1, "3": 2, "4": 1, "5": 3, "6": 2, "7": 13, "8": 4}


# ---------------------------------------------------------------- one line

@pytest.mark.parametrize("line, expected", [
    # (name, max, appraised, deducted) - the 0,7 is kept as written (0,07 is meant)
    ("Thực hiện Kế hoạch CCHC đạt: 1,43/1,5 điểm (bị trừ 0,7 điểm)",
     ("Thực hiện Kế hoạch CCHC", 1.5, 1.43, 0.7)),
    ("Đổi mới, sáng tạo trong triển khai nhiệm vụ CCHC: đạt 0,5/2 điểm, bị trừ 1,5 điểm.",
     ("Đổi mới, sáng tạo trong triển khai nhiệm vụ CCHC", 2, 0.5, 1.5)),
    ("Tỷ lệ cán bộ, công chức cấp xã có chữ ký số hoặc chữ ký điện tử cá nhân: bị trừ 0,2 điểm "
     "(tổng 0,5 điểm)",
     ("Tỷ lệ cán bộ, công chức cấp xã có chữ ký số hoặc chữ ký điện tử cá nhân", 0.5, None, 0.2)),
    ("Trang thông tin điện tử có đầy đủ các loại thông tin cung cấp theo quy định tại Khoản 1, "
     "Điều 4, Nghị định 42/2022/NĐ-CP: bị trừ 1 điểm (tổng 0,5 điểm)",
     ("Trang thông tin điện tử có đầy đủ các loại thông tin cung cấp theo quy định tại Khoản 1, "
      "Điều 4, Nghị định 42/2022/NĐ-CP", 0.5, None, 1.0)),
    ("Mức độ thu hút đầu tư: bị trừ 2/2 điểm", ("Mức độ thu hút đầu tư", 2, None, 2)),
    ("Thực hiện thu ngân sách theo kế hoạch được giao: bị trừ 0,5/2 điểm",
     ("Thực hiện thu ngân sách theo kế hoạch được giao", 2, None, 0.5)),
    ("Ban hành kế hoạch rà soát, đánh giá TTHC: bị trừ 0,5 điểm",
     ("Ban hành kế hoạch rà soát, đánh giá TTHC", None, None, 0.5)),
    ("Tỷ lệ hồ sơ TTHC do UBND cấp xã tiếp nhận trong năm được giải quyết trước và đúng hạn, "
     "bị trừ 0,01 điểm.",
     ("Tỷ lệ hồ sơ TTHC do UBND cấp xã tiếp nhận trong năm được giải quyết trước và đúng hạn",
      None, None, 0.01)),
    ("Trong năm không có văn bản phê bình của cấp trên: không có điểm do có văn bản phê bình.",
     ("Trong năm không có văn bản phê bình của cấp trên", None, 0, None)),
    ("2.1. Điểm số bị trừ: 0,25 điểm, nội dung bị trừ điểm là công tác góp ý các dự thảo văn bản "
     "quy phạm pháp luật được lấy ý kiến.",
     ("Công tác góp ý các dự thảo văn bản quy phạm pháp luật được lấy ý kiến", None, None, 0.25)),
    ("5. Kết quả thực hiện nhiệm vụ của cán bộ, công chức: bị trừ 1,88, trong đó:",
     ("Kết quả thực hiện nhiệm vụ của cán bộ, công chức", None, None, 1.88)),
    # the colon inside the name ("(... 7b.2.3.1)") and "/" in "quốc gia/ hệ thống" stay in the name
    ("- Đánh giá mức độ tuân thủ quy trình TTHC thông qua kiểm tra, bóc mẫu hồ sơ kết hợp kiểm tra "
     "trên Cổng dịch vụ công quốc gia/ hệ thống thông tin giải quyết TTHC của tỉnh để đánh giá (đã loại "
     "trừ các hồ sơ quá hạn ở 7b.2.3.1): bị trừ 0,75 điểm (tổng 1,5 điểm)",
     ("Đánh giá mức độ tuân thủ quy trình TTHC thông qua kiểm tra, bóc mẫu hồ sơ kết hợp kiểm tra "
      "trên Cổng dịch vụ công quốc gia/ hệ thống thông tin giải quyết TTHC của tỉnh để đánh giá (đã "
      "loại trừ các hồ sơ quá hạn ở 7b.2.3.1)", 1.5, None, 0.75)),
])
def test_parse_deduction_line_shapes(line, expected):
    parsed = parse_deduction_line(line)
    assert parsed is not None
    assert (parsed.name, parsed.max_points, parsed.appraised, parsed.deducted) == expected


def test_parse_deduction_line_nfd_input():
    import unicodedata

    parsed = parse_deduction_line(unicodedata.normalize("NFD", "Tỷ lệ thanh toán trực tuyến: bị trừ 0,22 điểm"))
    assert parsed is not None and parsed.name == "Tỷ lệ thanh toán trực tuyến" and parsed.deducted == 0.22


@pytest.mark.parametrize("line", [
    "1.5. Giải pháp thực hiện:", "", None, "Thời gian khắc phục: Năm 2024.",
    "Tăng cường kêu gọi đầu tư về trên địa bàn.",
])
def test_parse_deduction_line_without_score(line):
    assert parse_deduction_line(line) is None


def test_no_points_line_builds_criterion():
    c = parse_deduction_line("Trong năm không có văn bản phê bình của cấp trên: không có điểm").criterion(Area.CONG_VU)
    assert c.area == Area.CONG_VU and c.appraised == 0 and c.deducted is None


# ---------------------------------------------------------------- JSON fixture

def test_json_fixture_areas_as_published():
    areas, criteria, findings = import_index(JSON_FIXTURE)
    assert findings == []
    assert {a.area.value: (a.max_points, a.appraised, a.deducted) for a in areas} == SEED_AREAS
    assert areas[0].name == "Chỉ đạo điều hành"
    counts = {k: sum(1 for c in criteria if c.area.value == k) for k in SEED_CRITERIA_COUNT}
    assert counts == SEED_CRITERIA_COUNT
    assert len(criteria) == 31


def test_json_fixture_keeps_errors_as_written():
    _, criteria, _ = import_index(JSON_FIXTURE)
    first = criteria[0]
    assert (first.area, first.name, first.max_points, first.appraised, first.deducted) == (
        Area.CHI_DAO, "Thực hiện Kế hoạch CCHC", 1.5, 1.43, 0.7)
    portal = next(c for c in criteria if c.name.startswith("Trang thông tin điện tử"))
    assert (portal.area, portal.deducted, portal.max_points) == (Area.CQ_SO, 1.0, 0.5)
    area8 = [(c.deducted, c.max_points) for c in criteria if c.area == Area.TAC_DONG]
    assert area8 == [(0.01, None), (2.0, 2.0), (0.5, 2.0), (0.53, 2.0)]


def test_package_data_is_the_fixture():
    assert PACKAGE_DATA.read_bytes() == JSON_FIXTURE.read_bytes()


def test_json_summary_and_total_checked(tmp_path):
    doc = json.loads(JSON_FIXTURE.read_text(encoding="utf-8"))
    doc["areas"][2]["summary"] = "3.1. Điểm số bị trừ: 1,5 điểm, đó là:"   # table says 1,51
    doc["total"]["deducted"] = "14,29"
    doc["areas"][3]["criteria"].append("Giải pháp: tăng cường kiểm tra")   # no score
    p = tmp_path / "cam_son.json"
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    _, _, findings = import_index(p)
    by_code = {f.code: f for f in findings}
    assert set(by_code) == {"summary_mismatch", "total_mismatch", "unparsed_line"}
    assert "Lĩnh vực 3" in by_code["summary_mismatch"].message
    assert "1,5" in by_code["summary_mismatch"].message and "1,51" in by_code["summary_mismatch"].message
    assert "14,29" in by_code["total_mismatch"].message and "14,92" in by_code["total_mismatch"].message
    assert by_code["unparsed_line"].severity == "warning" and by_code["unparsed_line"].file == "cam_son.json"


def test_json_wrong_format(tmp_path):
    p = tmp_path / "khac.json"
    p.write_text('{"format": "khac"}', encoding="utf-8")
    with pytest.raises(CchcError) as exc:
        read_index_json(p)
    assert exc.value.finding.file == "khac.json" and "định dạng" in str(exc.value)


# ---------------------------------------------------------------- TSV / xlsx tables

def test_tsv_seed_table_matches_json():
    areas, criteria, findings = import_index(TSV_FIXTURE)
    assert findings == []        # the "Tổng điểm" row (100 | 85,08 | 14,92) adds up
    assert criteria == []
    assert areas == import_index(JSON_FIXTURE)[0]


def test_tsv_total_row_mismatch_names_cell(tmp_path):
    text = TSV_FIXTURE.read_text(encoding="utf-8").replace("<b>85,08</b>", "<b>85,80</b>")
    p = tmp_path / "bang.tsv"
    p.write_text(text, encoding="utf-8")
    _, _, findings = import_index(p)
    assert [(f.code, f.cell) for f in findings] == [("total_mismatch", "D10")]
    assert "85,8" in findings[0].message and "85,08" in findings[0].message


_HEADER = "TT\tNội dung\tĐiểm tối đa\tĐiểm thẩm định\tĐiểm bị trừ\n"


def _tsv(tmp_path: Path, body: str, name: str = "bang.tsv") -> Path:
    p = tmp_path / name
    p.write_text(_HEADER + body, encoding="utf-8")
    return p


@pytest.mark.parametrize("text, value", [
    ("6.875", 6.875), ("0.125", 0.125), ("11.000", 11.0), ("85.080", 85.08), ("100.000", 100.0),
    ("6,875", 6.875), ("0,5", 0.5), ("7", 7.0), (" 12,99 ", 12.99), ("-0,25", -0.25),
    ("1.234,5", 1234.5), (9.13, 9.13), ("", None), (None, None),
])
def test_parse_points_dot_is_a_decimal_mark(text, value):
    from cchc_xl.core.text import parse_points

    assert parse_points(text) == value


@pytest.mark.parametrize("text", ["1.234.567", "6,875.5", "1,2,3", "12 điểm", "abc"])
def test_parse_points_refuses_what_is_not_points(text):
    from cchc_xl.core.text import CellValueError, parse_points

    with pytest.raises(CellValueError):
        parse_points(text)


@pytest.mark.parametrize("rows, areas, total", [
    # one area written with dots (6.875 / 0.125), the total row too
    ("1.\tChỉ đạo điều hành\t11\t9,13\t1,87\n2.\tCải cách thể chế\t7\t6.875\t0.125\n"
     "\tTổng điểm:\t18\t16.005\t1.995\n", [(11, 9.13, 1.87), (7, 6.875, 0.125)], None),
    # every value with three decimals and dots ("11.000", "9.130")
    ("1.\tChỉ đạo điều hành\t11.000\t9.130\t1.870\n2.\tCải cách thể chế\t7.000\t6.750\t0.250\n"
     "\tTổng điểm:\t18.000\t15.880\t2.120\n", [(11, 9.13, 1.87), (7, 6.75, 0.25)], None),
])
def test_dot_decimals_in_points_are_never_thousands(tmp_path, rows, areas, total):
    got, _, findings = import_index(_tsv(tmp_path, rows))
    assert [(a.max_points, a.appraised, a.deducted) for a in got] == areas
    assert findings == []          # the total row adds up: nothing read 1000x too large


def test_dot_decimals_in_deduction_lines_and_summary():
    from cchc_xl.importers.index import parse_summary_sentences

    parsed = parse_deduction_line("Thực hiện Kế hoạch CCHC: đạt 1.375/1.5 điểm (bị trừ 0.125 điểm)")
    assert (parsed.max_points, parsed.appraised, parsed.deducted) == (1.5, 1.375, 0.125)
    assert parse_summary_sentences(["Chỉ số CCHC năm 2024 đạt tổng số 85.080 điểm"])["total"] == 85.08


_TWO_AREAS = "1.\tChỉ đạo điều hành\t11\t9,13\t1,87\n2.\tCải cách thể chế\t7\t6,75\t0,25\n"


@pytest.mark.parametrize("tt, name", [
    ("1.b", "Tổng hợp, báo cáo CCHC định kỳ"), ("", "Tổng hợp, báo cáo CCHC định kỳ"),
    ("1.2", "Tổng kết công tác CCHC"), ("-", "Tổng số văn bản được kiểm tra"), ("1.3", "Tổng điểm"),
])
def test_criterion_named_tong_is_a_criterion_not_the_total(tmp_path, tt, name):
    body = ("1.\tChỉ đạo điều hành\t11\t9,13\t1,87\n1.a\tThực hiện Kế hoạch CCHC\t1,5\t0,5\t1\n"
            f"{tt}\t{name}\t2\t1,13\t0,87\n2.\tCải cách thể chế\t7\t6,75\t0,25\n")
    areas, criteria, findings = import_index(_tsv(tmp_path, body))
    assert [a.area.value for a in areas] == ["1", "2"] and findings == []
    assert [(c.area.value, c.name, c.max_points, c.appraised, c.deducted) for c in criteria] == [
        ("1", "Thực hiện Kế hoạch CCHC", 1.5, 0.5, 1.0), ("1", name, 2.0, 1.13, 0.87)]


@pytest.mark.parametrize("tt, label", [
    ("", "Tổng cộng"), ("", "Tổng điểm:"), ("", "TỔNG SỐ ĐIỂM"), ("", "Cộng"), ("", "Tổng cộng 8 lĩnh vực"),
    ("Tổng cộng", ""), ("", "Tổng"),
])
def test_total_row_wordings(tmp_path, tt, label):
    ok = _tsv(tmp_path, _TWO_AREAS + f"{tt}\t{label}\t18\t15,88\t2,12\n", "dung.tsv")
    areas, criteria, findings = import_index(ok)
    assert len(areas) == 2 and criteria == [] and findings == []
    bad = _tsv(tmp_path, _TWO_AREAS + f"{tt}\t{label}\t18\t16\t2,12\n", "sai.tsv")
    _, _, findings = import_index(bad)
    assert [(f.code, f.cell) for f in findings] == [("total_mismatch", "D4")]


@pytest.mark.parametrize("body, code, cells", [
    # area 2 twice, other points (the sum would be 98,58 for 85,08)
    (_TWO_AREAS + "2.\tCải cách thể chế\t7\t6,5\t0,5\n", "index_area_twice", ("A3", "A4")),
    # the very same row copied
    (_TWO_AREAS + "2.\tCải cách thể chế\t7\t6,75\t0,25\n", "index_area_twice", ("A3", "A4")),
    # TT "II" then "2"
    ("I\tChỉ đạo điều hành\t11\t9,13\t1,87\nII\tCải cách thể chế\t7\t6,75\t0,25\n"
     "2\tCải cách thể chế\t7\t6,75\t0,25\n", "index_area_twice", ("A3", "A4")),
    # a criterion code twice, same name and points
    ("1.\tChỉ đạo điều hành\t11\t9,13\t1,87\n1.a\tKế hoạch CCHC\t1,5\t0,5\t1\n"
     "1.a\tKế hoạch CCHC\t1,5\t0,63\t0,87\n", "index_code_twice", ("A3", "A4")),
    # the same code for two criteria, spelled "1.1" / "1.1." in another area
    ("1.\tChỉ đạo điều hành\t11\t9,13\t1,87\n1.1\tBan hành kế hoạch\t1\t0,5\t0,5\n"
     "2.\tCải cách thể chế\t7\t6,75\t0,25\n1.1.\tBáo cáo CCHC\t1\t0,5\t0,5\n", "index_code_twice",
     ("A3", "A5")),
])
def test_area_or_code_written_twice_is_refused_naming_both_rows(tmp_path, body, code, cells):
    with pytest.raises(CchcError) as exc:
        import_index(_tsv(tmp_path, body))
    f = exc.value.finding
    assert f.code == code and f.file == "bang.tsv" and f.cell == cells[1]
    assert f"ô {cells[0]}" in f.message and f"ô {cells[1]}" in f.message


def test_area_written_twice_in_an_xlsx_and_json(tmp_path):
    p = tmp_path / "bang_diem.xlsx"
    _simple_workbook(p)
    from openpyxl import load_workbook

    wb = load_workbook(p)
    wb["Bảng điểm"].append([2, "Cải cách thể chế", 7, 6.5, 0.5])                     # row 10
    wb.save(p)
    with pytest.raises(CchcError) as exc:
        import_index(p)
    f = exc.value.finding
    assert (f.code, f.sheet, f.cell) == ("index_area_twice", "Bảng điểm", "A10") and "ô A7" in f.message
    doc = json.loads(JSON_FIXTURE.read_text(encoding="utf-8"))
    doc["areas"].append(dict(doc["areas"][2]))
    j = tmp_path / "chi_so.json"
    j.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CchcError) as exc:
        import_index(j)
    assert exc.value.finding.code == "index_area_twice" and "mục 9" in str(exc.value)


def test_cli_area_twice_writes_nothing(tmp_path):
    from typer.testing import CliRunner

    from cchc_xl.cli import app
    from cchc_xl.files.safeio import file_sha256

    master = tmp_path / "So.xlsx"
    write_master(Plan(info=PlanInfo(year=2025, commune="xã Thử")), master, make_backup=False)
    sha = file_sha256(master)
    src = _tsv(tmp_path, _TWO_AREAS + "2.\tCải cách thể chế\t7\t6,5\t0,5\n")
    out = CliRunner().invoke(app, ["nhap-chi-so", str(master), "--tu-tep", str(src), "--nam", "2024"])
    assert out.exit_code == 1 and "Lĩnh vực 2 có hai dòng" in out.output and "Traceback" not in out.output
    assert file_sha256(master) == sha


def _simple_workbook(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Bảng điểm"
    ws.append(["BẢNG ĐIỂM CHỈ SỐ CCHC NĂM 2023"])
    ws.append([])
    ws.append(["STT", "Nội dung", "Điểm tối đa", "Điểm thẩm định", "Điểm bị trừ"])   # row 3
    ws.append(["I", "Chỉ đạo điều hành", 11, 9.13, 1.87])                            # row 4
    ws.append(["1.1", "Thực hiện Kế hoạch CCHC", 1.5, 1.43, "0,7"])                  # row 5
    ws.append(["-", "Đổi mới, sáng tạo: đạt 0,5/2 điểm, bị trừ 1,5 điểm", None, None, None])  # row 6
    ws.append([2, "Cải cách thể chế", "7", "6,75", "0,25"])                          # row 7
    ws.append([3, "Cải cách thủ tục hành chính", 14.5, "mười hai", 1.51])           # row 8
    ws.append([None, "Tổng điểm", 32.5, 28.87, 3.63])                                # row 9
    wb.save(path)


def test_xlsx_simple_table(tmp_path):
    p = tmp_path / "bang_diem.xlsx"
    _simple_workbook(p)
    areas, criteria, findings = import_index(p)
    assert [(a.area.value, a.max_points, a.appraised, a.deducted) for a in areas] == [
        ("1", 11, 9.13, 1.87), ("2", 7, 6.75, 0.25), ("3", 14.5, None, 1.51)]
    assert [(c.area.value, c.code, c.name, c.max_points, c.appraised, c.deducted) for c in criteria] == [
        ("1", "1.1", "Thực hiện Kế hoạch CCHC", 1.5, 1.43, 0.7),
        ("1", "", "Đổi mới, sáng tạo", 2, 0.5, 1.5)]
    # bad number in D8; the total row cannot check "Điểm thẩm định" (area 3 unknown) but checks the rest
    assert [(f.code, f.severity, f.sheet, f.cell) for f in findings] == [
        ("not_a_number", "error", "Bảng điểm", "D8")]
    assert str(findings[0]) == ("Lỗi: Điểm thẩm định: 'mười hai' không phải là số "
                                "(tệp bang_diem.xlsx, trang 'Bảng điểm', ô D8)")


def test_xlsx_master_layout_roundtrip(tmp_path):
    areas, criteria, _ = sample_index()
    plan = Plan(info=PlanInfo(year=2024, index_year=2023), index_areas=areas, index_criteria=criteria)
    p = tmp_path / "so_tong_hop.xlsx"
    write_master(plan, p, make_backup=False)
    areas2, criteria2, findings = import_index(p)
    assert findings == []
    assert areas2 == areas
    assert criteria2 == criteria


def test_xlsx_without_index_sheet(tmp_path):
    p = tmp_path / "trong.xlsx"
    wb = Workbook()
    wb.active.append(["Không có gì"])
    wb.save(p)
    with pytest.raises(CchcError) as exc:
        import_index(p)
    assert exc.value.finding.file == "trong.xlsx" and "Chỉ số CCHC" in str(exc.value)


def test_missing_and_unsupported_files(tmp_path):
    with pytest.raises(CchcError, match="Không tìm thấy tệp"):
        import_index(tmp_path / "khong_co.xlsx")
    p = tmp_path / "bang.docx"
    p.write_bytes(b"x")
    with pytest.raises(CchcError, match="Không hỗ trợ"):
        import_index(p)


# ---------------------------------------------------------------- sample + remediation

def test_sample_index_remediation_items():
    areas, criteria, items = sample_index()
    assert len(areas) == 8 and len(criteria) == 31
    # every seed criterion lost points (area 5's "không có điểm" one included)
    assert [i.id for i in items] == [f"KP-{n:02d}" for n in range(1, 32)]
    first = items[0]
    assert (first.area, first.criterion, first.deducted, first.deadline_text, first.lead) == (
        Area.CHI_DAO, "Thực hiện Kế hoạch CCHC", 0.7, "Năm 2024", "Công chức Văn phòng - Thống kê")
    assert first.partners.startswith("các công chức UBND xã")
    assert first.solution.count("\n- ") == 1 and first.solution.startswith("- Nêu cao vai trò")
    area5 = [i for i in items if i.area == Area.CONG_VU]
    assert [i.deducted for i in area5] == [0.38, 1.0, None]
    assert {(i.lead, i.partners) for i in area5} == {("Toàn thể cán bộ, công chức trong cơ quan", "")}
    area7 = [i for i in items if i.area == Area.CQ_SO]
    assert len(area7) == 13 and area7[0].solution.count("- ") == 5


def test_remediation_items_skip_undeducted():
    crits = [IndexCriterion(area=Area.THE_CHE, name="A", max_points=1, appraised=1, deducted=0),
             IndexCriterion(area=Area.CHI_DAO, name="B", deducted=0.5),
             IndexCriterion(area=Area.THE_CHE, name="C", max_points=1, appraised=0.5)]
    items = remediation_items(crits, {Area.THE_CHE: AreaMeasures("Quý II/2025", "Công chức Tư pháp", "",
                                                                 ("Rà soát",))})
    assert [(i.id, i.area, i.criterion, i.deducted, i.solution, i.lead) for i in items] == [
        ("KP-01", Area.CHI_DAO, "B", 0.5, "", ""),
        ("KP-02", Area.THE_CHE, "C", None, "- Rà soát", "Công chức Tư pháp")]
