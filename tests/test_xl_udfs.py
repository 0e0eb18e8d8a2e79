"""Worksheet functions CCHC_* called the way Excel calls them.

Excel hands a UDF dates as ``datetime``, numbers as ``float``, empty cells as
``None`` and ranges (ndim=2) as lists of lists; the ranges here are read from a
real master workbook written by ``master.write_master``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import sys
import types
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cchc_xl.core import schema as S
from cchc_xl.core.compute import progress
from cchc_xl.workbook.master import write_master
from cchc_xl.core.models import Plan
from cchc_xl.xl import udfs
from cchc_xl.xl.udfs import (CCHC_CHUANHOA, CCHC_DIEMTRU, CCHC_DONVI, CCHC_HAN, CCHC_KIEMTRA_DIEM,
                             CCHC_KIEMTRA_DONG, CCHC_TRANGTHAI, CCHC_TYLE_HOANTHANH)

FIXTURES = Path(__file__).parent / "fixtures"
D = dt.datetime
CUTOFF = D(2025, 9, 14)        # Quý III/2025: data cut-off 14/9


@pytest.fixture(scope="module")
def plan() -> Plan:
    return Plan.model_validate_json((FIXTURES / "xl_plan_quang_son.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def master_sheet(plan: Plan, tmp_path_factory) -> list[list]:
    """Rows of "Phân công" of a real master file, as 2D values (Excel would pass these)."""
    path = write_master(plan, tmp_path_factory.mktemp("udf") / "so.xlsx", as_of=CUTOFF.date())
    ws = load_workbook(path)[S.SHEET_TASKS]
    return [list(r) for r in ws.iter_rows(min_row=S.FIRST_DATA_ROW, max_row=S.FIRST_DATA_ROW + 20,
                                           values_only=True)]


def column(rows: list[list], key: str) -> list[list]:
    j = S.col_index(S.TASK_COLUMNS, key) - 1
    return [[r[j]] for r in rows]


# ------------------------------------------------------------------ CCHC_HAN

@pytest.mark.parametrize("text, year, expected", [
    ("Trước ngày 30/7/2025", 2025.0, D(2025, 7, 30)),
    ("Tháng 9/2025", 2025.0, D(2025, 9, 30)),
    ("Quý III", 2025.0, D(2025, 9, 30)),
    ("Ban hành kế hoạch chậm nhất là ngày 15/8/2025, tổ chức kiểm tra chậm nhất trong tháng "
     "10/2025 và báo cáo kết quả khắc phục các tồn tại, hạn chế phát hiện qua kiểm tra chậm nhất "
     "trong tháng 11/2025.", 2025.0, D(2025, 11, 30)),
    ("Thường xuyên trong năm", 2025.0, D(2025, 12, 31)),
    ("Quý I", "2026", D(2026, 3, 31)),               # year typed as text
    ("Trong năm 2025", None, D(2025, 12, 31)),         # year taken from the text
])
def test_han_parses_deadline_texts_of_the_plan(text, year, expected):
    assert CCHC_HAN(text, year) == expected


def test_han_is_empty_for_conditional_or_empty_deadlines():
    assert CCHC_HAN("Khi có Kế hoạch của UBND tỉnh", 2025.0) == ""
    assert CCHC_HAN("Sau 03 tháng kể từ khi có văn bản của Trung ương", 2025.0) == ""
    assert CCHC_HAN(None, 2025.0) == ""


def test_han_reports_a_bad_year_in_vietnamese():
    assert CCHC_HAN("Quý III", "năm ngoái") == "Lỗi: Năm: 'năm ngoái' không phải là số"
    assert CCHC_HAN("Quý III", 25.0).startswith("Lỗi: năm '25' không hợp lệ")   # as Excel shows the cell


# ------------------------------------------------------------------ CCHC_TRANGTHAI

def test_trangthai_follows_compute_task_state():
    assert CCHC_TRANGTHAI("Đã hoàn thành", D(2025, 7, 30), D(2025, 7, 25), CUTOFF) == "Đã hoàn thành"
    # completed after the cut-off date: still in progress at the report date
    assert CCHC_TRANGTHAI("Đã hoàn thành", D(2025, 9, 30), D(2025, 9, 20), CUTOFF) == "Đang thực hiện"
    assert CCHC_TRANGTHAI("Đang thực hiện", D(2025, 8, 15), None, CUTOFF) == "Quá hạn"
    assert CCHC_TRANGTHAI("Thường xuyên", D(2025, 12, 31), None, CUTOFF) == "Đang thực hiện"
    assert CCHC_TRANGTHAI(None, None, None, CUTOFF) == "Chưa thực hiện"
    assert CCHC_TRANGTHAI("Không thực hiện", D(2025, 1, 1), None, CUTOFF) == "Không thực hiện"


def test_trangthai_accepts_text_dates_serials_and_loose_spelling():
    serial = float((dt.date(2025, 8, 15) - dt.date(1899, 12, 30)).days)   # unformatted date cell
    assert CCHC_TRANGTHAI("dang thuc hien", serial, None, "14/09/2025") == "Quá hạn"
    assert CCHC_TRANGTHAI("Đang thực hiện", "15/8/2025", None, "01/08/2025") == "Đang thực hiện"


def test_trangthai_rejects_unknown_status_and_bad_dates():
    msg = CCHC_TRANGTHAI("Xong rồi nhé", None, None, CUTOFF)
    assert msg.startswith("Lỗi: trạng thái 'Xong rồi nhé' không có trong danh sách")
    assert CCHC_TRANGTHAI("Đang thực hiện", "31/02/2025", None, CUTOFF) == \
        "Lỗi: Hạn: '31/02/2025' không phải ngày hợp lệ (dạng dd/mm/yyyy)"


# ------------------------------------------------------------------ CCHC_TYLE_HOANTHANH

def test_tyle_hoanthanh_equals_compute_on_the_master_columns(plan, master_sheet):
    expected = progress(plan.tasks, CUTOFF.date()).percent
    got = CCHC_TYLE_HOANTHANH(column(master_sheet, "status"), column(master_sheet, "completed_on"),
                              CUTOFF, column(master_sheet, "id"))
    assert got == expected == pytest.approx(100 * 3 / 9, abs=0.01)
    # without the id column: rows with an empty status (the blank rows below the table) are skipped
    assert CCHC_TYLE_HOANTHANH(column(master_sheet, "status"), column(master_sheet, "completed_on"),
                               CUTOFF) == expected


def test_tyle_hoanthanh_edge_cases():
    assert CCHC_TYLE_HOANTHANH([["Không thực hiện"]], [[None]], CUTOFF) == ""
    assert CCHC_TYLE_HOANTHANH([["Đã hoàn thành"]], [[None]], CUTOFF) == 100.0  # one-cell ranges
    assert CCHC_TYLE_HOANTHANH("Đã hoàn thành", None, CUTOFF) == 100.0          # plain values
    # an id without a status counts as "Chưa thực hiện"
    assert CCHC_TYLE_HOANTHANH([["Đã hoàn thành"], [None]], [[D(2025, 9, 1)], [None]], CUTOFF,
                               [["I-01"], ["I-02"]]) == 50.0
    assert CCHC_TYLE_HOANTHANH([["Đã hoàn thành"]], [[None], [None]], CUTOFF) == \
        "Lỗi: các vùng phải có cùng số dòng"


# ------------------------------------------------------------------ scores (seed 002)

def test_diemtru_with_vietnamese_decimals():
    assert CCHC_DIEMTRU(11.0, 9.13) == 1.87
    assert CCHC_DIEMTRU("1,5", "1,43") == 0.07
    assert CCHC_DIEMTRU(20.0, None) == ""
    assert CCHC_DIEMTRU("hai mươi", 1.0) == "Lỗi: Điểm tối đa: 'hai mươi' không phải là số"


def test_kiemtra_diem_flags_the_errors_of_seed_002():
    # "Thực hiện Kế hoạch CCHC đạt: 1,43/1,5 điểm (bị trừ 0,7 điểm)" - 0,07 is meant
    assert CCHC_KIEMTRA_DIEM(1.5, 1.43, 0.7) == \
        "Điểm bị trừ ghi 0,7 nhưng điểm tối đa 1,5 - điểm thẩm định 1,43 = 0,07"
    # "Trang thông tin điện tử ... bị trừ 1 điểm (tổng 0,5 điểm)"
    assert CCHC_KIEMTRA_DIEM(0.5, None, 1.0) == "Điểm bị trừ 1 lớn hơn điểm tối đa 0,5"
    assert CCHC_KIEMTRA_DIEM(11.0, 9.13, 1.87) == ""
    assert CCHC_KIEMTRA_DIEM(1.5, 1.43, "0,07") == ""
    assert "âm" in CCHC_KIEMTRA_DIEM(2.0, 2.5, -0.5)


# ------------------------------------------------------------------ CCHC_KIEMTRA_DONG

def test_kiemtra_dong_messages():
    assert CCHC_KIEMTRA_DONG("Đã hoàn thành", 100.0, D(2025, 7, 25), D(2025, 7, 30), CUTOFF) == ""
    msg = CCHC_KIEMTRA_DONG("Đã hoàn thành", 80.0, None, D(2025, 7, 30), CUTOFF)
    assert msg == ("Trạng thái 'Đã hoàn thành' nhưng tiến độ chỉ 80%; "
                   "Trạng thái 'Đã hoàn thành' nhưng chưa có ngày hoàn thành")
    msg = CCHC_KIEMTRA_DONG("Đang thực hiện", 30.0, None, D(2025, 8, 15), CUTOFF)
    assert msg == "Quá hạn 30 ngày (hạn 15/08/2025)"
    msg = CCHC_KIEMTRA_DONG("Đang thực hiện", 120.0, D(2025, 9, 20), None, CUTOFF)
    assert "Tiến độ 120% nằm ngoài khoảng 0-100" in msg
    assert "Ngày hoàn thành 20/09/2025 sau ngày kiểm tra 14/09/2025" in msg
    assert CCHC_KIEMTRA_DONG("Đang thực hiện", "tám mươi", None, None, CUTOFF) == \
        "Lỗi: Tiến độ: 'tám mươi' không phải là số"


# ------------------------------------------------------------------ text / units

def test_chuanhoa():
    nfd = "Pho\u0300ng Va\u0306n ho\u0301a"                    # decomposed input
    assert CCHC_CHUANHOA(nfd + "  -   Xã hội ") == "Phòng Văn hóa - Xã hội"
    assert CCHC_CHUANHOA("Văn hoá, thuỷ lợi, quý III") == "Văn hóa, thủy lợi, quý III"
    assert CCHC_CHUANHOA(None) == ""


def test_donvi_resolves_names_groups_and_reports_unknown():
    assert CCHC_DONVI("Phòng Văn hoá - Xã hội") == "VHXH"
    assert CCHC_DONVI("Văn phòng HĐND-UBND xã; Trung tâm PVHCC") == "VP; PVHCC"
    assert CCHC_DONVI("Các phòng, ban chuyên môn") == "VP; VHXH; KT; PVHCC"
    assert CCHC_DONVI("Cơ quan được giao nhiệm vụ tham mưu chủ trì soạn thảo văn bản") == \
        "Không nhận ra: Cơ quan được giao nhiệm vụ tham mưu chủ trì soạn thảo văn bản"


def test_donvi_uses_the_unit_table_of_the_workbook(plan, tmp_path):
    plan = plan.model_copy(deep=True)
    plan.units[1].aliases.append("Bộ phận Văn hóa")
    ws = load_workbook(write_master(plan, tmp_path / "so.xlsx"))[S.SHEET_UNITS]
    table = [list(r) for r in ws.iter_rows(min_row=S.HEADER_ROW, values_only=True)]   # with header
    assert CCHC_DONVI("Bộ phận Văn hóa", table) == "VHXH"
    assert CCHC_DONVI("Bộ phận Văn hóa") == "Không nhận ra: Bộ phận Văn hóa"


# ------------------------------------------------------------------ Windows registration

@pytest.fixture
def windows_udfs(monkeypatch):
    """xlwings' Windows UDF machinery (xlwings.udfs) with pywin32 stubbed out."""
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None
    client = types.ModuleType("win32com.client")
    client.Dispatch = object
    win32com = types.ModuleType("win32com")
    win32com.client = client
    for name, mod in (("pythoncom", pythoncom), ("pywintypes", types.ModuleType("pywintypes")),
                      ("win32com", win32com), ("win32com.client", client)):
        monkeypatch.setitem(sys.modules, name, mod)
    monkeypatch.delitem(sys.modules, "xlwings.udfs", raising=False)
    module = importlib.import_module("xlwings.udfs")
    yield module
    sys.modules.pop("xlwings.udfs", None)
    import xlwings

    if getattr(xlwings, "udfs", None) is module:      # the package attribute set by the import
        delattr(xlwings, "udfs")


def test_functions_register_with_xlwings_on_windows(windows_udfs):
    """What "Import Functions" does on Windows: metadata, converters, VBA wrappers."""
    from xlwings import conversion

    names = sorted(n for n in dir(udfs) if n.startswith("CCHC_"))
    assert names == ["CCHC_CHUANHOA", "CCHC_DIEMTRU", "CCHC_DONVI", "CCHC_HAN", "CCHC_KIEMTRA_DIEM",
                     "CCHC_KIEMTRA_DONG", "CCHC_TRANGTHAI", "CCHC_TYLE", "CCHC_TYLE_HOANTHANH"]
    module = types.ModuleType("cchc_udfs_copy")     # decorate copies, not the shared functions
    for name in names:
        func = getattr(udfs, name)
        copy = types.FunctionType(func.__code__, func.__globals__, name, func.__defaults__,
                                  func.__closure__)
        copy.__wrapped__, copy.__doc__ = func.__wrapped__, func.__doc__
        copy.__annotations__ = func.__annotations__
        setattr(module, name, windows_udfs.xlfunc(category=udfs.CATEGORY)(copy))
        meta = getattr(module, name).__xlfunc__
        assert meta["category"] == "CCHC"
        assert 0 < len(meta["ret"]["doc"]) <= 255 and meta["ret"]["doc"][0].isupper()
        for arg in meta["args"]:
            assert arg["doc"] and not arg["doc"].startswith("Positional argument")
            options = arg["options"]
            conversion.accessors.get(options.get("convert"), options.get("convert")).reader(options)
    ranges = {a["name"]: a["options"].get("ndim") for a in module.CCHC_TYLE_HOANTHANH.__xlfunc__["args"]}
    assert ranges == {"trang_thai_range": 2, "ngay_ht_range": 2, "ngay_so_lieu": None, "ma_nv_range": 2}

    class Workbook:
        Name = "So_tong_hop_CCHC_2025.xlsm"

    out = io.StringIO()
    windows_udfs.generate_vba_wrapper("cchc_xl.xl.udfs", module, out, Workbook())
    vba = out.getvalue()
    assert "Function CCHC_HAN(thoi_gian, Optional nam)" in vba
    assert ("Function CCHC_TYLE_HOANTHANH(trang_thai_range, ngay_ht_range, Optional ngay_so_lieu, "
            "Optional ma_nv_range)") in vba
    assert vba.count("End Function") == len(names)
    assert vba.isascii()            # VBA modules are ANSI: only the descriptions are Vietnamese
