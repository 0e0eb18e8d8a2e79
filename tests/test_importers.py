"""Appendix import (tsv/txt, docx, xlsx) and the bundled sample (cchc_xl.importers.appendix, cchc_xl.importers.sample)."""

import datetime as dt
import os
import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from pathlib import Path

import docx
import pytest
from openpyxl import Workbook, load_workbook

from cchc_xl.core.compute import progress, task_state
from cchc_xl.importers.appendix import (import_appendix, parse_appendix_rows, read_appendix_docx, read_appendix_tsv,
                               read_appendix_xlsx)
from cchc_xl.core.models import Area, CchcError, Status
from cchc_xl.importers.sample import (SAMPLE_APPENDIX, sample_appendix_text, sample_plan, sample_progress,
                            write_appendix_docx, write_sample_inputs)
from cchc_xl.core.units import DEFAULT_UNITS, UnitRegistry

FIXTURES = Path(__file__).parent / "fixtures"
TSV = FIXTURES / "quang_son_2025_phan_cong.tsv"
NAME = TSV.name
D = dt.date
KEYS = ("id", "area", "section", "tt", "title", "product", "deadline_text", "due", "lead", "partners",
        "monitor", "lead_units")
REG = UnitRegistry(DEFAULT_UNITS)


@pytest.fixture(scope="module")
def result():
    return import_appendix(TSV)


@pytest.fixture(scope="module")
def tasks(result):
    return {t.id: t for t in result.tasks}


def key_fields(tasks):
    return [t.model_dump(include=set(KEYS)) for t in tasks]


def findings_at(result, cell, code=None):
    return [f for f in result.findings if f.cell == cell and (code is None or f.code == code)]


# ---------------------------------------------------------------- the seed appendix (tsv)

def test_fixture_is_the_packaged_sample():
    assert TSV.read_bytes() == (Path(__file__).parent.parent / "cchc_xl" / "data" / SAMPLE_APPENDIX).read_bytes()
    assert sample_appendix_text() == TSV.read_text(encoding="utf-8")


def test_plan_info_from_the_title(result):
    info = result.info
    assert info is not None
    assert (info.year, info.plan_number, info.plan_date, info.commune) == (
        2025, "149/KH-UBND", D(2025, 7, 30), "xã Quảng Sơn")


def test_tasks_per_section(result):
    assert Counter(t.section for t in result.tasks) == {
        "I": 3, "II": 12, "III": 9, "IV": 5, "V": 9, "VI": 9, "VII": 5}
    assert len({t.id for t in result.tasks}) == len(result.tasks) == 52


def test_areas_follow_section_names_not_numerals(result):
    areas = {t.section: t.area for t in result.tasks}
    assert areas == {"I": Area.THE_CHE, "II": Area.TTHC, "III": Area.TO_CHUC, "IV": Area.CONG_VU,
                     "V": Area.TAI_CHINH, "VI": Area.CQ_SO, "VII": Area.CHI_DAO}
    assert result.sections["VII"] == "Công tác chỉ đạo, điều hành"


def test_ids_in_order(result):
    ids = [t.id for t in result.tasks]
    assert ids[:3] == ["I-01", "I-02", "I-03"]
    assert ids[3:15] == ["II-01", "II-02", "II-03", "II-04a", "II-04b", "II-05", "II-06", "II-07", "II-08",
                         "II-09", "II-10", "II-11"]
    assert ids[15:18] == ["III-01a", "III-01b", "III-01c"]
    assert ids[-5:] == ["VII-01", "VII-02a", "VII-02b", "VII-03", "VII-04"]


def test_specific_tasks(tasks):
    t = tasks["II-09"]
    assert (t.tt, t.product, t.deadline_text, t.due) == ("8", "Khẩu hiệu hành động", "Trước ngày 30/7/2025",
                                                          D(2025, 7, 30))
    assert (t.lead, t.lead_units, t.partners, t.monitor) == (
        "Trung tâm PVHCC", ["PVHCC"], "Trung tâm PVHCC; Phòng VHXH", "Trung tâm PVHCC")
    assert tasks["II-02"].lead_units == ["VP", "VHXH", "KT", "PVHCC"]       # a group, expanded
    assert tasks["VI-01"].lead == "Văn phòng HDND-UBND xã" and tasks["VI-01"].lead_units == ["VP"]
    assert tasks["II-08"].lead_units == ["PVHCC"]        # "Người đứng đầu bộ phận một cửa xã"
    assert tasks["I-01"].lead_units == []
    assert tasks["V-02"].due == D(2026, 2, 28)
    assert tasks["III-04"].due is None                   # "Sau 03 tháng kể từ khi có văn bản..."
    vii = tasks["VII-01"]
    assert (vii.tt, vii.area, vii.due) == ("", Area.CHI_DAO, D(2025, 7, 30))
    assert vii.title.startswith("Xây dựng và tổ chức thực hiện Kế hoạch cải cách hành chính năm 2025")


def test_products_of_merged_task_cells_are_separate_tasks(tasks):
    a, b, c = tasks["III-01a"], tasks["III-01b"], tasks["III-01c"]
    assert a.title == b.title == c.title and a.title.startswith("Xây dựng Kế hoạch sắp xếp")
    assert a.tt == b.tt == c.tt == "1"
    assert [x.product for x in (a, b, c)] == [
        "Xây dựng Kế hoạch của UBND xã",
        "Hồ sơ trình cơ quan có thẩm quyền quyết định về tổ chức lại, giải thể các ĐVSNCL",
        "Đề án, Quyết định về tổ chức lại, giải thể các ĐVSNCL"]
    assert b.deadline_text == "Theo lộ trình tại Kế hoạch của UBND tỉnh" and b.due is None
    v2a, v2b = tasks["VII-02a"], tasks["VII-02b"]
    assert v2a.title == v2b.title and (v2a.due, v2b.due) == (D(2025, 7, 31), D(2025, 11, 30))
    assert v2b.partners == ""                            # empty in the source, not copied from above
    assert tasks["V-03b"].title == tasks["V-03a"].title
    assert tasks["V-03b"].product.startswith("Báo cáo về tình hình quản lý, sử dụng kinh phí")


def test_number_printed_on_a_product_row_belongs_to_the_group(result, tasks):
    assert [tasks[f"IV-02{x}"].tt for x in "abc"] == ["2", "2", "2"]
    assert tasks["IV-02b"].title == tasks["IV-02a"].title
    assert findings_at(result, "dòng 41", "numbered_product")[0].task_id == "IV-02b"


def test_row_missing_a_column_is_realigned(result, tasks):
    # line 16: "<empty>\tKết quả giải quyết TTHC\tThường xuyên trong năm\t..." (6 of 7 cells)
    t = tasks["II-04b"]
    assert (t.title, t.product, t.deadline_text) == (
        tasks["II-04a"].title, "Kết quả giải quyết TTHC", "Thường xuyên trong năm")
    assert (t.lead, t.partners, t.monitor) == ("Trung tâm PVHCC", "Các phòng, đơn vị trực thuộc",
                                               "Trung tâm PVHCC")
    f = findings_at(result, "dòng 16", "columns_realigned")[0]
    assert f.severity == "warning" and f.task_id == "II-04b" and "'Nhiệm vụ'" in f.message
    for line, tid in ((18, "II-06"), (62, "VI-04"), (63, "VI-05"), (64, "VI-06"), (69, "VI-08"), (70, "VI-09")):
        f = findings_at(result, f"dòng {line}", "columns_realigned")
        assert f and f[0].task_id == tid and "Theo dõi, kiểm tra, đôn đốc" in f[0].message
    assert tasks["VI-04"].partners == "Các phòng, đơn vị trực thuộc" and tasks["VI-04"].monitor == ""


def test_trailing_cell_and_page_break_continuation(result, tasks):
    t = tasks["VI-07"]
    assert t.title.startswith("Có giải pháp tuyên truyền, vận động")
    assert "tại địa bàn dân cư thực hiện dịch vụ công trực tuyến, thanh toán trực tuyến" in t.title
    assert t.title.endswith("khai thác, sử dụng lại thông tin, dữ liệu số hóa.")
    assert t.product.startswith("Tỷ lệ hồ sơ trực tuyến") and "Tỷ lệ khai thác, sử dụng lại" in t.product
    assert t.monitor == "Trung tâm PVHCC"                # the row carrying only "Theo dõi" (line 66)
    assert [f.code for f in findings_at(result, "dòng 66")] == ["trailing_filled"]
    assert [f.code for f in findings_at(result, "dòng 68")] == ["continuation_joined"]
    assert not any(x.title[:1].islower() or x.product.startswith("dịch vụ công") for x in result.tasks)


def test_section_row_with_stray_value(result, tasks):
    f = findings_at(result, "dòng 71")
    assert [x.code for x in f] == ["section_stray"] and "Phòng VHXH" in f[0].message
    assert tasks["VI-09"].monitor == ""                  # the stray value is not given to a task


def test_findings_for_irregular_rows_name_file_and_line(result):
    codes = {(f.code, f.cell, f.task_id) for f in result.findings}
    assert {("missing_lead", "dòng 17", "II-05"), ("missing_due", "dòng 17", "II-05"),
            ("missing_lead", "dòng 51", "V-04"), ("missing_due", "dòng 51", "V-04"),
            ("unit_part_unknown", "dòng 6", "I-01"), ("unit_part_unknown", "dòng 41", "IV-02b"),
            ("unit_part_unknown", "dòng 43", "IV-02c"), ("numbering_gap", "dòng 17", "II-05"),
            ("numbering_gap", "dòng 23", "II-10")} <= codes
    assert not any(f.severity == "error" for f in result.findings)
    for f in result.findings:
        assert f.file == NAME
        assert re.fullmatch(r"dòng \d+", f.cell)
        assert f"tệp {NAME}" in str(f) and f"{f.cell})" in str(f) and "ô dòng" not in str(f)
    unknown = findings_at(result, "dòng 41", "unit_part_unknown")[0]
    assert "'ĐVSNCL'" in unknown.message and unknown.severity == "warning"


def test_year_taken_from_title_when_not_given(tmp_path):
    body = TSV.read_text(encoding="utf-8").replace("NĂM 2025", "NĂM 2026", 1)
    path = tmp_path / "pc.txt"
    path.write_text(body, encoding="utf-8")
    res = import_appendix(path)
    assert res.info.year == 2026
    assert {t.due for t in res.tasks if t.deadline_text == "Thường xuyên trong năm"} == {D(2026, 12, 31)}
    assert import_appendix(path, year=2025).tasks[0].due == D(2025, 12, 31)


_YEAR_BODY = [["TT", "Nhiệm vụ", "Sản phẩm", "Thời gian hoàn thành", "Chủ trì"],
              ["I", "Cải cách thể chế", "", "", ""],
              ["1", "Rà soát văn bản QPPL", "Báo cáo", "Quý III", "Phòng Kinh tế"],
              ["2", "Tuyên truyền pháp luật", "Kế hoạch", "{late}", "Phòng Kinh tế"]]


@pytest.mark.parametrize("title, late, year, assumed", [
    ("PHÂN CÔNG THỰC HIỆN NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2024", "Thường xuyên trong năm", 2024, False),
    ("Phụ lục: phân công nhiệm vụ CCHC năm 2023", "Tháng 11", 2023, False),
    ("PHÂN CÔNG THỰC HIỆN NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH", "Tháng 11/2024", 2024, False),     # deadlines only
    ("PHÂN CÔNG THỰC HIỆN NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH", "Thường xuyên trong năm", None, True),  # no year
])
def test_plan_year_found_in_the_document_is_the_plan_year(tmp_path, title, late, year, assumed):
    rows = [[title], [""]] + [[c.format(late=late) for c in r] for r in _YEAR_BODY]
    path = tmp_path / "pl.tsv"
    path.write_text("\n".join("\t".join(r) for r in rows), encoding="utf-8")
    res = import_appendix(path)
    year = year or dt.date.today().year
    assert res.info is not None and res.info.year == year           # no plan number/date/commune needed
    assert res.tasks[0].due == D(year, 9, 30)
    warned = [f for f in res.findings if f.code == "year_assumed"]
    assert bool(warned) == assumed
    if assumed:
        assert warned[0].severity == "warning" and f"năm {year}" in warned[0].message
        assert "--nam" in warned[0].message and warned[0].file == "pl.tsv"
        given = import_appendix(path, year=2024)                  # the official said which year
        assert given.info.year == 2024 and not any(f.code == "year_assumed" for f in given.findings)


def _word_and_excel(folder, rows, title: str = ""):
    """The same table as ``folder/pl.docx`` (saved) and as a workbook (returned, to save), under
    ``title`` when given."""
    d = docx.Document()
    if title:
        d.add_paragraph(title)
    t = d.add_table(rows=len(rows), cols=len(rows[0]))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            t.cell(r, c).text = value
    d.save(str(folder / "pl.docx"))
    wb = Workbook()
    if title:
        wb.active.append([title])
    for values in rows:
        wb.active.append(values)
    return wb


def test_plan_year_from_the_title_of_a_word_or_excel_appendix(tmp_path):
    body = [[c.format(late="Tháng 11") for c in r] for r in _YEAR_BODY]
    _word_and_excel(tmp_path, body, title="PHÂN CÔNG THỰC HIỆN NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2024").save(
        tmp_path / "pl.xlsx")
    for name in ("pl.docx", "pl.xlsx"):
        res = import_appendix(tmp_path / name)
        assert res.info.year == 2024 and res.tasks[1].due == D(2024, 11, 30), name


# ---------------------------------------------------------------- other text encodings / shapes

def _cp1258(text: str) -> bytes:
    """Windows-1258: precomposed base letters (â, ê, ô, ơ, ư, ă...) + combining tone marks."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", ch)
        options = [(unicodedata.normalize("NFC", base + m), marks[:i] + marks[i + 1:])
                   for i, m in enumerate(marks)] + [(base, marks)]
        for head, rest in options:
            try:
                out += head.encode("cp1258") + "".join(rest).encode("cp1258")
                break
            except UnicodeEncodeError:
                continue
        else:
            raise AssertionError(f"cannot encode {ch!r} in cp1258")
    return bytes(out)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "cp1258"])
def test_excel_text_exports(tmp_path, result, encoding):
    text = TSV.read_text(encoding="utf-8").replace("\n", "\r\n")
    path = tmp_path / "phan_cong.txt"
    path.write_bytes(_cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    res = import_appendix(path)
    assert key_fields(res.tasks) == key_fields(result.tasks)
    assert any(f.code == "legacy_encoding" for f in res.findings) == (encoding == "cp1258")


def test_excel_quoted_cells_with_line_breaks(tmp_path):
    path = tmp_path / "quoted.tsv"
    path.write_text("TT\tNhiệm vụ\tSản phẩm\tThời gian hoàn thành\tChủ trì\tPhối hợp\tTheo dõi\n"
                    "I\tCải cách thể chế\t\t\t\t\t\n"
                    '1\t"Tham mưu ban hành\nvăn bản ""quy phạm"""\tVăn bản\tQuý III\tPhòng VHXH\t\tPhòng VHXH\n'
                    "2\tRà soát văn bản\tBáo cáo\tQuý IV\t\t\tPhòng VHXH\n", encoding="utf-8")
    res = import_appendix(path, year=2025)
    first, second = res.tasks
    assert "Tham mưu ban hành" in first.title and 'văn bản "quy phạm"' in first.title
    assert first.due == D(2025, 9, 30) and second.due == D(2025, 12, 31)
    assert [(f.code, f.cell) for f in res.findings] == [("missing_lead", "dòng 5")]


def test_header_variants_sections_and_missing_columns():
    rows = [
        ["PHỤ LỤC"],
        ["(1)", "(2)", "(3)", "(4)", "(5)"],                       # before the header: ignored
        ["STT", "Nội dung nhiệm vụ", "Thời hạn", "Cơ quan chủ trì", "Đơn vị phối hợp"],
        ["(1)", "(2)", "(3)", "(4)", "(5)"],
        ["I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CẢI CÁCH HÀNH CHÍNH", "", "", "", ""],
        ["1", "Ban hành kế hoạch CCHC", "Quý I", "Phòng Văn hoá - Xã hội", ""],
        ["II", "Tác động của cải cách hành chính đến người dân", "", "", ""],
        ["1", "Khảo sát mức độ hài lòng", "Tháng 11", "Trung tâm PVHCC", "Phòng VHXH"],
        ["III", "Phần khác", "", "", ""],
        ["1", "", "", "", ""],
        ["2", "Nhiệm vụ không rõ lĩnh vực", "Khi có chỉ đạo", "Phòng Tư pháp", ""],
    ]
    res = parse_appendix_rows(rows, year=2026, registry=REG, file="pl.xlsx", sheet="Phụ lục")
    assert [(t.id, t.area, t.due, t.lead_units) for t in res.tasks] == [
        ("I-01", Area.CHI_DAO, D(2026, 3, 31), ["VHXH"]),
        ("II-01", Area.TAC_DONG, D(2026, 11, 30), ["PVHCC"]),
        ("III-01", Area.TTHC, None, []),         # unknown name: falls back to the numeral, with a warning
    ]
    codes = {(f.code, f.cell) for f in res.findings}
    assert ("missing_column", "3") in codes                       # no "Sản phẩm" column
    assert ("section_unknown_area", "B9") in codes
    assert ("number_only_row", "B10") in codes                         # "1" with nothing else: not a task
    assert ("unit_part_unknown", "D11") in codes
    assert all(f.file == "pl.xlsx" and f.sheet == "Phụ lục" for f in res.findings)


def test_two_row_header():
    rows = [["TT", "Nhiệm vụ", "Sản phẩm", "Thời gian hoàn thành", "Đơn vị thực hiện", "", "Theo dõi"],
            ["", "", "", "", "Chủ trì", "Phối hợp", ""],
            ["I", "Cải cách thể chế", "", "", "", "", ""],
            ["1", "Rà soát văn bản", "Báo cáo", "Tháng 6/2025", "Phòng KT", "Phòng VHXH", "Phòng VHXH"]]
    (t,) = parse_appendix_rows(rows, year=2025, registry=REG).tasks
    assert (t.lead, t.partners, t.monitor, t.lead_units) == ("Phòng KT", "Phòng VHXH", "Phòng VHXH", ["KT"])


# time columns: (header, value in row 1, value in row 2) of each, left to right
_START = ("Thời gian bắt đầu", "01/3/2025", "Tháng 2/2025")
_END = ("Thời gian hoàn thành", "30/6/2025", "Tháng 11/2025")


def _timed_rows(*columns: tuple[str, str, str]) -> list[list[str]]:
    heads = [c[0] for c in columns]
    return [["TT", "Nhiệm vụ", "Sản phẩm", *heads, "Chủ trì"],
            ["I", "Cải cách thể chế", "", *[""] * len(heads), ""],
            ["1", "Rà soát văn bản QPPL", "Báo cáo", *[c[1] for c in columns], "Phòng Kinh tế"],
            ["2", "Kiểm tra văn bản", "Báo cáo", *[c[2] for c in columns], "Phòng Kinh tế"]]


@pytest.mark.parametrize("columns, due, codes", [
    ((_START, _END), [D(2025, 6, 30), D(2025, 11, 30)], {"deadline_column_skipped"}),
    ((_END, ("Ngày bắt đầu", "01/3/2025", "01/02/2025")), [D(2025, 6, 30), D(2025, 11, 30)], set()),
    ((("Tiến độ thực hiện", "Đang thực hiện", "Chưa thực hiện"), _END), [D(2025, 6, 30), D(2025, 11, 30)],
     {"deadline_column_skipped"}),
    ((("Thời gian thực hiện", "Quý I - Quý II", "Cả năm"), ("Thời hạn hoàn thành", "30/6/2025", "Tháng 11/2025")),
     [D(2025, 6, 30), D(2025, 11, 30)], {"deadline_column_skipped"}),
    ((("Mốc thời gian bắt đầu", "01/3/2025", "Tháng 2/2025"), ("Hạn hoàn thành", "30/6/2025", "Tháng 11/2025")),
     [D(2025, 6, 30), D(2025, 11, 30)], {"deadline_column_skipped"}),
    ((("Thời gian thực hiện", "30/6/2025", "Tháng 11/2025"),), [D(2025, 6, 30), D(2025, 11, 30)], set()),
    ((("Tiến độ thực hiện", "30/6/2025", "Tháng 11/2025"),), [D(2025, 6, 30), D(2025, 11, 30)],
     {"deadline_column_guessed"}),
    ((_START,), [None, None], {"deadline_column_skipped", "missing_column", "missing_due"}),
])
def test_deadline_is_the_completion_column_never_a_start_or_progress_column(columns, due, codes):
    res = parse_appendix_rows(_timed_rows(*columns), year=2025, registry=REG, file="pl.tsv", line_cells=True)
    assert [t.due for t in res.tasks] == due
    assert {f.code for f in res.findings} == codes
    for f in res.findings:
        if f.code == "deadline_column_skipped":     # names the column it did not take, and the one it took
            skipped = next(c[0] for c in columns if c[0] in f.message)
            assert skipped != "Thời gian hoàn thành" and f.cell == "dòng 1"
            assert ("hạn lấy từ cột" in f.message) == (due[0] is not None)


def test_two_columns_that_could_both_be_the_deadline_are_named():
    res = parse_appendix_rows(_timed_rows(("Thời hạn", "30/6/2025", "Tháng 11/2025"), _START,
                                          ("Hạn hoàn thành", "31/7/2025", "Tháng 12/2025")),
                              year=2025, registry=REG, file="pl.xlsx", sheet="PL")
    (warn,) = [f for f in res.findings if f.code == "deadline_column_ambiguous"]
    assert warn.severity == "warning" and "'Thời hạn'" in warn.message and "'Hạn hoàn thành'" in warn.message
    assert (warn.sheet, warn.cell) == ("PL", "D1")
    assert [t.due for t in res.tasks] == [D(2025, 6, 30), D(2025, 11, 30)]    # the first, said so
    skipped = [f for f in res.findings if f.code == "deadline_column_skipped"]
    assert [f.cell for f in skipped] == ["E1"] and "'Thời gian bắt đầu'" in skipped[0].message


def test_time_header_on_two_rows_start_and_completion():
    rows = [["TT", "Nhiệm vụ", "Sản phẩm", "Thời gian", "", "Chủ trì"],
            ["", "", "", "Bắt đầu", "Hoàn thành", ""],
            ["I", "Cải cách thể chế", "", "", "", ""],
            ["1", "Rà soát văn bản QPPL", "Báo cáo", "01/3/2025", "30/6/2025", "Phòng Kinh tế"]]
    res = parse_appendix_rows(rows, year=2025, registry=REG)
    (t,) = res.tasks
    assert (t.deadline_text, t.due, t.lead_units) == ("30/6/2025", D(2025, 6, 30), ["KT"])
    assert [f.code for f in res.findings] == ["deadline_column_skipped"]


def test_start_and_completion_columns_in_word_and_excel(tmp_path):
    rows = _timed_rows(_START, _END)
    wb = _word_and_excel(tmp_path, rows)
    wb.active["D3"] = dt.datetime(2025, 3, 1)            # a real date in the start column
    wb.save(tmp_path / "pl.xlsx")
    (tmp_path / "pl.tsv").write_text("\n".join("\t".join(r) for r in rows), encoding="utf-8")
    for name in ("pl.docx", "pl.xlsx", "pl.tsv"):
        res = import_appendix(tmp_path / name, year=2025)
        assert [(t.deadline_text, t.due) for t in res.tasks] == [("30/6/2025", D(2025, 6, 30)),
                                                                 ("Tháng 11/2025", D(2025, 11, 30))], name
        assert [f.code for f in res.findings if f.code.startswith("deadline_column")] == \
            ["deadline_column_skipped"], name


@pytest.mark.parametrize("number", [str, lambda n: f"{n}."])
def test_areas_numbered_with_arabic_numerals_are_sections(number):
    head = ["TT", "Nhiệm vụ", "Sản phẩm", "Thời gian hoàn thành", "Chủ trì", "Phối hợp"]
    rows = [head,
            [number(1), "Cải cách thể chế", "", "", "", ""],
            ["1.1", "Rà soát văn bản", "Báo cáo", "30/6/2025", "Phòng Kinh tế", ""],
            ["1.2", "Kiểm tra văn bản", "Kết luận", "30/9/2025", "Phòng Kinh tế", ""],
            [number(2), "CẢI CÁCH THỦ TỤC HÀNH CHÍNH", "", "", "", ""],
            ["2.1", "Niêm yết TTHC", "Danh mục", "Quý I/2025", "Trung tâm PVHCC", ""],
            [number(3), "Xây dựng chính quyền số", "", "", "", ""],
            ["3.1", "Số hóa hồ sơ", "Hồ sơ số", "Thường xuyên", "Phòng VHXH", ""],
            [number(4), "Tuyên truyền cải cách tổ chức bộ máy", "Tin bài", "Quý IV", "Phòng VHXH", ""]]
    res = parse_appendix_rows(rows, year=2025, registry=REG, file="pl.xlsx", sheet="PL")
    assert [(t.id, t.area, t.tt) for t in res.tasks] == [
        ("I-01", Area.THE_CHE, "1.1"), ("I-02", Area.THE_CHE, "1.2"), ("II-01", Area.TTHC, "2.1"),
        ("III-01", Area.CQ_SO, "3.1"),
        ("III-02", Area.CQ_SO, number(4))]        # names an area but has a product, deadline, lead: a task
    assert res.sections == {"I": "Cải cách thể chế", "II": "CẢI CÁCH THỦ TỤC HÀNH CHÍNH",
                            "III": "Xây dựng chính quyền số"}
    said = [f for f in res.findings if f.code == "section_from_number"]
    assert [f.cell for f in said] == ["A2", "A5", "A7"] and "phần II" in said[1].message
    assert all(f.severity == "info" for f in res.findings)


def test_arabic_heading_rows_are_tasks_in_a_plan_with_roman_sections():
    rows = [["TT", "Nhiệm vụ", "Sản phẩm", "Thời gian hoàn thành", "Chủ trì"],
            ["I", "Cải cách thể chế", "", "", ""],
            ["1", "Cải cách thể chế", "", "", ""],                 # a (poorly filled) task, not a section
            ["2", "Rà soát văn bản", "Báo cáo", "Quý II", "Phòng Kinh tế"]]
    res = parse_appendix_rows(rows, year=2025, registry=REG)
    assert [t.id for t in res.tasks] == ["I-01", "I-02"]
    assert not any(f.code == "section_from_number" for f in res.findings)


def test_arabic_sections_in_an_excel_appendix(tmp_path):
    wb = Workbook()
    for values in (["TT", "Nhiệm vụ", "Sản phẩm", "Thời gian hoàn thành", "Chủ trì"],
                   [1, "Công tác chỉ đạo, điều hành", None, None, None],
                   [1.1, "Ban hành kế hoạch CCHC", "Kế hoạch", "Quý I", "Phòng VHXH"],
                   [2, "Cải cách tài chính công", None, None, None],
                   ["2.1", "Công khai ngân sách", "Báo cáo", "Quý IV", "Phòng Kinh tế"]):
        wb.active.append(values)
    wb.save(tmp_path / "pl.xlsx")
    res = import_appendix(tmp_path / "pl.xlsx", year=2025)
    assert [(t.id, t.area) for t in res.tasks] == [("I-01", Area.CHI_DAO), ("II-01", Area.TAI_CHINH)]


def test_no_header_is_an_error():
    with pytest.raises(CchcError) as exc:
        parse_appendix_rows([["Không có bảng"]], year=2025, registry=REG, file="x.tsv")
    assert exc.value.finding.code == "no_header" and "x.tsv" in str(exc.value)


def test_tasks_before_any_section_and_untitled_rows():
    rows = [["TT", "Nhiệm vụ", "Sản phẩm", "Thời gian hoàn thành", "Chủ trì"],
            ["1", "Nhiệm vụ chung", "Báo cáo", "Quý II", "Phòng VHXH"],
            ["2", "", "Kế hoạch", "Quý III", "Phòng VHXH"]]
    res = parse_appendix_rows(rows, year=2025, registry=REG)
    assert [t.id for t in res.tasks] == ["NV-01", "NV-02"]
    assert {f.code for f in res.findings} >= {"no_section", "empty_task"}


# ---------------------------------------------------------------- Word

def _docx_has_merges(path: Path) -> tuple[int, int]:
    d = docx.Document(str(path))
    xml = d.tables[0]._tbl.xml
    return xml.count("<w:vMerge/>") + xml.count('w:vMerge w:val="continue"'), xml.count("<w:gridSpan ")


def test_generated_docx_with_merged_cells_gives_the_same_tasks(tmp_path, result):
    path = write_appendix_docx(result.tasks, tmp_path / "phan_cong.docx", title="PHÂN CÔNG THỰC HIỆN "
                               "NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2025", subtitle="(Ban hành kèm theo Kế hoạch "
                               "số 149/KH-UBND ngày 30/7/2025 của UBND xã Quảng Sơn)",
                               section_names=result.sections)
    continues, spans = _docx_has_merges(path)
    assert continues >= 10 and spans == 7                  # vertical merges + one span per section row
    res = import_appendix(path)
    assert key_fields(res.tasks) == key_fields(result.tasks)
    assert res.info == result.info
    f = next(x for x in res.findings if x.code == "unit_part_unknown" and x.task_id == "I-01")
    assert (f.file, f.sheet, f.cell) == ("phan_cong.docx", "Bảng 1", "E3")


def _hand_built_docx(path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("PHÂN CÔNG THỰC HIỆN NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2026")
    d.add_table(rows=1, cols=2).cell(0, 0).text = "Bảng khác, không phải phụ lục"
    t = d.add_table(rows=5, cols=7)
    data = [["STT", "Nội dung nhiệm vụ", "Sản phẩm", "Thời hạn", "Đơn vị chủ trì", "Đơn vị phối hợp",
             "Theo dõi, đôn đốc"],
            ["I", "Công tác chỉ đạo, điều hành", "", "", "", "", ""],
            ["1", "Xây dựng kế hoạch kiểm tra", "Kế hoạch kiểm tra", "Quý I", "Phòng VHXH", "Phòng Kinh tế",
             "Văn phòng HĐND-UBND xã"],
            ["", "", "Báo cáo kết quả kiểm tra", "Quý IV", "", "", ""],
            ["2", "Tuyên truyền CCHC", "Tin bài", "Thường xuyên", "Trung tâm PVHCC", "", "Phòng VHXH"]]
    for r, values in enumerate(data):
        for c, value in enumerate(values):
            t.cell(r, c).text = value
    t.cell(1, 1).merge(t.cell(1, 6))                      # section name across the row
    for col in (0, 1, 4, 6):                              # TT, Nhiệm vụ, Chủ trì, Theo dõi merged
        t.cell(2, col).merge(t.cell(3, col))
    d.save(str(path))


def test_hand_built_docx_merged_cells_are_not_duplicated(tmp_path):
    path = tmp_path / "tu_lam.docx"
    _hand_built_docx(path)
    raw = read_appendix_docx(path)
    assert raw.sheet == "Bảng 2"
    assert raw.rows[1] == ["I", "Công tác chỉ đạo, điều hành", "", "", "", "", ""]
    assert raw.rows[3] == ["", "", "Báo cáo kết quả kiểm tra", "Quý IV", "", "", ""]
    assert raw.merged[3] == [True, True, False, False, True, False, True]
    res = import_appendix(path)
    a, b, c = res.tasks
    assert [t.id for t in res.tasks] == ["I-01a", "I-01b", "I-02"]
    assert a.title == b.title == "Xây dựng kế hoạch kiểm tra"
    assert (b.product, b.due, b.tt) == ("Báo cáo kết quả kiểm tra", D(2026, 12, 31), "1")
    assert (b.lead, b.monitor, b.lead_units) == ("Phòng VHXH", "Văn phòng HĐND-UBND xã", ["VHXH"])
    assert b.partners == ""                                  # not merged: really empty
    assert c.due == D(2026, 12, 31) and c.area == Area.CHI_DAO
    assert [(f.code, f.sheet) for f in res.findings] == [("table_skipped", "Bảng 1")]   # reported, not silent


# ---------------------------------------------------------------- Excel

def _write_xlsx(tasks, sections, path: Path) -> dict[str, int]:
    """The appendix as a worksheet with merged cells; returns the row of each task."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    ws["A1"] = "PHÂN CÔNG THỰC HIỆN NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2025"
    ws.merge_cells("A1:G1")
    ws["A2"] = "(Ban hành kèm theo Kế hoạch số 149/KH-UBND ngày 30/7/2025 của UBND xã Quảng Sơn)"
    ws.merge_cells("A2:G2")
    ws.append([])
    ws.append(["TT", "Nhiệm vụ", "Sản phẩm", "Thời gian hoàn thành", "Chủ trì thực hiện",
               "Phối hợp thực hiện", "Theo dõi, kiểm tra, đôn đốc"])
    rows: dict[str, int] = {}
    groups: list[list] = []
    for t in tasks:
        same = groups and (groups[-1][0].section, groups[-1][0].id.rstrip("abc")) == (t.section, t.id.rstrip("abc"))
        groups[-1].append(t) if same else groups.append([t])
    section = None
    for group in groups:
        if group[0].section != section:
            section = group[0].section
            ws.append([section, sections[section]])
            ws.merge_cells(start_row=ws.max_row, start_column=2, end_row=ws.max_row, end_column=7)
        top = ws.max_row + 1
        for i, t in enumerate(group):
            ws.append([int(t.tt) if t.tt and i == 0 else (t.tt if i == 0 else None),
                       t.title if i == 0 else None, t.product, t.deadline_text, t.lead, t.partners, t.monitor])
            rows[t.id] = ws.max_row
        if len(group) > 1:
            for col in (1, 2):
                ws.merge_cells(start_row=top, start_column=col, end_row=ws.max_row, end_column=col)
            if len({t.lead for t in group}) == 1:            # same lead: one merged cell
                for r in range(top + 1, ws.max_row + 1):
                    ws.cell(r, 5).value = None
                ws.merge_cells(start_row=top, start_column=5, end_row=ws.max_row, end_column=5)
    wb.save(path)
    return rows


def test_xlsx_with_merged_cells_gives_the_same_tasks(tmp_path, result):
    path = tmp_path / "phan_cong.xlsx"
    rows = _write_xlsx(result.tasks, result.sections, path)
    raw = read_appendix_xlsx(path)
    assert raw.sheet == "Phụ lục"
    assert raw.merged[rows["III-01b"] - 1][4] and not raw.merged[rows["III-01b"] - 1][5]
    res = import_appendix(path)
    assert key_fields(res.tasks) == key_fields(result.tasks)
    assert res.info == result.info
    f = next(x for x in res.findings if x.code == "unit_part_unknown" and x.task_id == "I-01")
    assert (f.file, f.sheet, f.cell) == ("phan_cong.xlsx", "Phụ lục", f"E{rows['I-01']}")
    f = next(x for x in res.findings if x.code == "missing_due" and x.task_id == "V-04")
    assert f.cell == f"D{rows['V-04']}"


def test_xlsx_date_cells_and_xlsm(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["TT", "Nhiệm vụ", "Sản phẩm", "Thời gian hoàn thành", "Chủ trì"])
    ws.append(["I", "Cải cách thể chế"])
    ws.append([1, "Ban hành kế hoạch", "Kế hoạch", dt.datetime(2025, 7, 30), "Phòng VHXH"])
    path = tmp_path / "bang.xlsm"
    wb.save(path)
    (t,) = import_appendix(path, year=2025).tasks
    assert (t.deadline_text, t.due, t.tt) == ("30/7/2025", D(2025, 7, 30), "1")


@pytest.mark.parametrize("corner", ["A1", "C4"])
def test_xlsx_date_shown_as_a_month_is_that_month(tmp_path, corner):
    """A deadline typed "6/2025" in Excel is the date 01/06/2025 shown "06/2025": the end of June,
    as the text "Tháng 6/2025", not the 1st (the task would be overdue a month early)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    row0, col0 = ws[corner].row, ws[corner].column
    cells = [["TT", "Nhiệm vụ", "Sản phẩm", "Thời gian hoàn thành", "Chủ trì"],
             ["I", "Cải cách thể chế", "", "", ""],
             [1, "Rà soát văn bản", "Báo cáo", dt.datetime(2025, 6, 1), "Phòng VHXH"],
             [2, "Tuyên truyền", "Tin bài", dt.datetime(2025, 9, 1), "Phòng VHXH"],
             [3, "Kiểm tra", "Báo cáo", dt.datetime(2025, 10, 15), "Phòng VHXH"],
             [4, "Tổng kết", "Báo cáo", dt.datetime(2025, 12, 1), "Phòng VHXH"],
             [5, "Khảo sát", "Báo cáo", "Quý II", "Phòng VHXH"],
             [6, "Đánh giá", "Báo cáo", dt.datetime(2025, 7, 1), "Phòng VHXH"]]
    for r, values in enumerate(cells):
        for c, value in enumerate(values):
            ws.cell(row0 + r, col0 + c, value)
    formats = ["mm/yyyy", "mmm-yy", '[$-42A]mmmm yyyy', '"Tháng "m/yyyy', "mm/yyyy", "dd/mm/yyyy"]
    for r, code in enumerate(formats, start=2):
        ws.cell(row0 + r, col0 + 3).number_format = code
    path = tmp_path / "thang.xlsx"
    wb.save(path)
    res = import_appendix(path, year=2025)
    assert [(t.deadline_text, t.due) for t in res.tasks] == [
        ("Tháng 6/2025", D(2025, 6, 30)), ("Tháng 9/2025", D(2025, 9, 30)), ("Tháng 10/2025", D(2025, 10, 31)),
        ("Tháng 12/2025", D(2025, 12, 31)),
        ("Quý II", D(2025, 6, 30)),                  # text under a month format: as typed
        ("1/7/2025", D(2025, 7, 1))]                 # a format with the day: that day
    month = [f for f in res.findings if f.code == "month_date_read"]
    column = ws.cell(1, col0 + 3).column_letter
    assert [f.cell for f in month] == [f"{column}{row0 + r}" for r in range(2, 6)]
    assert "01/06/2025" in month[0].message and "'mm/yyyy'" in month[0].message and month[0].sheet == "Phụ lục"


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("name", ["ke_hoach.pdf", "phu_luc.doc", "bang.xls", "khong_duoi"])
def test_unsupported_format(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"%PDF-1.4 ...")
    with pytest.raises(CchcError) as exc:
        import_appendix(path)
    msg = str(exc.value)
    assert name in msg and "không được hỗ trợ" in msg and exc.value.finding.file == name
    assert ("lưu lại dưới dạng .docx/.xlsx" in msg) == name.endswith((".doc", ".xls"))


@pytest.mark.parametrize("name, kind", [("hong.docx", "Word"), ("hong.xlsx", "Excel")])
def test_corrupt_files(tmp_path, name, kind):
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04 this is not a real package" * 10)
    with pytest.raises(CchcError) as exc:
        import_appendix(path)
    assert name in str(exc.value) and "bị hỏng" in str(exc.value) and kind in str(exc.value)


def test_binary_text_file_and_missing_file(tmp_path):
    path = tmp_path / "anh.tsv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(CchcError, match="anh.tsv.*không phải tệp văn bản"):
        import_appendix(path)
    with pytest.raises(CchcError, match="Không tìm thấy tệp"):
        import_appendix(tmp_path / "khong_co.docx")


def test_files_without_the_appendix_table(tmp_path):
    d = docx.Document()
    d.add_paragraph("Báo cáo kết quả CCHC")
    d.add_table(rows=2, cols=2).cell(0, 0).text = "Nội dung"
    d.save(str(tmp_path / "bao_cao.docx"))
    with pytest.raises(CchcError, match="Không tìm thấy bảng phân công.*bao_cao.docx"):
        import_appendix(tmp_path / "bao_cao.docx")
    wb = Workbook()
    wb.active.append(["Lĩnh vực", "Điểm"])
    wb.save(tmp_path / "diem.xlsx")
    with pytest.raises(CchcError, match="Không tìm thấy bảng phân công.*diem.xlsx"):
        import_appendix(tmp_path / "diem.xlsx")
    (tmp_path / "ghi_chu.txt").write_text("Không có bảng\n", encoding="utf-8")
    with pytest.raises(CchcError, match="ghi_chu.txt"):
        import_appendix(tmp_path / "ghi_chu.txt")


def test_tsv_reader_keeps_line_numbers():
    raw = read_appendix_tsv(TSV)
    assert raw.line_cells and raw.row_numbers[:3] == [1, 2, 3]
    assert raw.rows[70] == ["VII", "Công tác chỉ đạo, điều hành", "", "", "", "Phòng VHXH"]


# ---------------------------------------------------------------- sample

def test_sample_plan():
    plan = sample_plan()
    assert (plan.info.commune, plan.info.province, plan.info.year, plan.info.plan_number,
            plan.info.plan_date) == ("xã Quảng Sơn", "tỉnh Lâm Đồng", 2025, "149/KH-UBND", D(2025, 7, 30))
    assert len(plan.tasks) == 52 and plan.task("III-01b") is not None
    emails = {u.code: u.email for u in plan.units}
    assert emails["VHXH"] == "vhxh.quangson@example.gov.vn"
    assert all(e.endswith("@example.gov.vn") for c, e in emails.items() if c != "CM")
    try:
        import cchc_xl.importers.index  # noqa: F401
    except ImportError:
        return
    assert len(plan.index_areas) == 8 and plan.remediation and plan.info.index_year == 2023


@pytest.mark.parametrize("as_of", [D(2025, 9, 14), D(2025, 12, 14)])
def test_sample_progress_is_a_realistic_mix(as_of):
    plan = sample_plan()
    sim = sample_progress(plan, as_of)
    assert sim is not plan and all(t.status == Status.NOT_STARTED for t in plan.tasks)
    p = progress(sim.tasks, as_of)
    assert p.done >= 5 and p.in_progress >= 5 and p.overdue >= 1
    for t in sim.tasks:
        assert 0 <= t.progress <= 100
        if t.status == Status.DONE:
            assert t.progress == 100 and t.completed_on <= as_of and t.evidence
        else:
            assert t.completed_on is None and t.progress < 100
    assert key_fields(sim.tasks) == key_fields(plan.tasks)   # plan data untouched
    assert sample_progress(plan, as_of) == sim                  # deterministic


def test_sample_progress_is_consistent_over_time():
    plan = sample_plan()
    q3, year = sample_progress(plan, D(2025, 9, 14)), sample_progress(plan, D(2025, 12, 14))
    for a, b in zip(q3.tasks, year.tasks):
        if a.status == Status.DONE:
            assert (b.status, b.completed_on) == (Status.DONE, a.completed_on)
    assert task_state(q3.task("II-09"), D(2025, 9, 14)) in {"done", "overdue"}


def test_write_sample_inputs(tmp_path):
    tsv, docx_path = write_sample_inputs(tmp_path)
    assert tsv.read_bytes() == TSV.read_bytes()
    assert key_fields(import_appendix(docx_path).tasks) == key_fields(import_appendix(TSV).tasks)
    style = docx.Document(str(docx_path)).styles["Normal"]
    assert style.font.name == "Times New Roman"


# ---------------------------------------------------------------- LibreOffice

@pytest.mark.libreoffice
def test_docx_saved_again_by_libreoffice_still_imports(tmp_path, result):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    src = write_appendix_docx(result.tasks, tmp_path / "goc.docx", title="PHÂN CÔNG NĂM 2025",
                              section_names=result.sections)
    out = tmp_path / "lo"
    profile = (tmp_path / "lo_profile").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                    "docx:MS Word 2007 XML", "--outdir", str(out), str(src)],
                   check=True, capture_output=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)})
    res = import_appendix(out / "goc.docx", year=2025)
    assert key_fields(res.tasks) == key_fields(result.tasks)


@pytest.mark.parametrize("edit", ["border-far", "title-deleted"])
def test_xlsx_appendix_formatted_far_or_without_a1_reads_the_same(tmp_path, result, edit):
    """A border drawn at XFD1048576 (openpyxl's rectangle: 17 billion cells) and a sheet whose row 1
    is empty: the same tasks, findings at the same cells."""
    from openpyxl.styles import Border, Side

    path = tmp_path / "phan_cong.xlsx"
    rows = _write_xlsx(result.tasks, result.sections, path)
    wb = load_workbook(path)
    ws = wb.active
    if edit == "border-far":
        ws.cell(1048576, 16384).border = Border(bottom=Side(style="thin"))
    else:
        ws.unmerge_cells("A1:G1")
        ws["A1"] = None
    wb.save(path)
    res = import_appendix(path)
    assert key_fields(res.tasks) == key_fields(result.tasks)
    f = next(x for x in res.findings if x.code == "unit_part_unknown" and x.task_id == "I-01")
    assert f.cell == f"E{rows['I-01']}"


def test_xlsx_appendix_with_a_value_far_away_is_refused_by_name(tmp_path, result):
    path = tmp_path / "phan_cong.xlsx"
    _write_xlsx(result.tasks, result.sections, path)
    wb = load_workbook(path)
    wb.active.cell(200000, 702).value = "gõ nhầm"
    wb.save(path)
    with pytest.raises(CchcError) as err:
        import_appendix(path)
    assert err.value.finding.code == "sheet_too_far" and "ZZ200000" in str(err.value)


def _stretch(path: Path, old: str, new: str) -> None:
    """Rewrite the first worksheet's XML of ``path`` (``old`` -> ``new``), as another program would save it."""
    import zipfile

    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                assert old.encode() in data
                data = data.replace(old.encode(), new.encode())
            zout.writestr(info, data)
    tmp.replace(path)


def test_xlsx_merge_or_value_down_to_the_last_row(tmp_path, result):
    """A merge down to row 1 048 576 (a column merged whole) is a range, not a million cells:
    the same tasks; a value typed that far away is refused by name, never read."""
    path = tmp_path / "phan_cong.xlsx"
    rows = _write_xlsx(result.tasks, result.sections, path)
    last = max(rows.values())
    wb = load_workbook(path)
    wb.active.merge_cells(f"G{last}:G{last + 1}")
    wb.save(path)
    _stretch(path, f'ref="G{last}:G{last + 1}"', f'ref="G{last}:G1048576"')
    raw = read_appendix_xlsx(path)
    assert len(raw.merged) == len(raw.rows) and all(len(m) == len(r) for m, r in zip(raw.merged, raw.rows))
    assert key_fields(import_appendix(path).tasks) == key_fields(result.tasks)
    _stretch(path, '</sheetData>', '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
                                   '</sheetData>')
    with pytest.raises(CchcError) as err:
        read_appendix_xlsx(path)
    assert err.value.finding.code == "sheet_too_far" and "XFD1048576" in str(err.value)
