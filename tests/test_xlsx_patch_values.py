"""The patcher's value contract: what it writes, what it refuses before writing anything."""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal
from fractions import Fraction

import pytest
from openpyxl import Workbook, load_workbook

from cchc_xl.files.xlsx_patch import PatchUnsupported, patch_xlsx


@pytest.fixture
def book(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Trang"
    for r in range(1, 6):
        ws.cell(row=r, column=1, value=f"dòng {r}")
    src = tmp_path / "src.xlsx"
    wb.save(src)
    return src


class _NumpyLikeInt(int):
    """Stands for numpy integer types: an Integral that is not exactly ``int``."""


def test_other_number_types_are_written_as_numbers(book, tmp_path):
    dst = tmp_path / "dst.xlsx"
    patch_xlsx(book, dst, {"Trang": {(1, 2): Fraction(1, 4), (2, 2): Decimal("2.5"), (3, 2): _NumpyLikeInt(7)}})
    ws = load_workbook(dst)["Trang"]
    assert ws["B1"].value == 0.25 and ws["B1"].data_type == "n"
    assert ws["B3"].value == 7 and ws["B3"].data_type == "n"


@pytest.mark.parametrize("value", [float("inf"), float("-inf"),
                                   dt.datetime(2025, 9, 1, 8, tzinfo=dt.timezone.utc)])
def test_values_the_format_cannot_hold_are_refused_before_writing(book, tmp_path, value):
    dst = tmp_path / "dst.xlsx"
    with pytest.raises(PatchUnsupported):
        patch_xlsx(book, dst, {"Trang": {(1, 2): value}})
    with pytest.raises(PatchUnsupported):
        patch_xlsx(book, dst, {}, {"Trang": (6, [["a", value]], 0)})
    assert not dst.exists()


def test_lone_surrogate_is_refused_not_crashing(book, tmp_path):
    dst = tmp_path / "dst.xlsx"
    with pytest.raises(PatchUnsupported):
        patch_xlsx(book, dst, {"Trang": {(1, 2): "tệp \udcff.xlsx"}})


def test_1904_date_system_is_refused(tmp_path):
    wb = Workbook()
    wb.epoch = dt.datetime(1904, 1, 1)
    wb.active.title = "Trang"
    src = tmp_path / "mac.xlsx"
    wb.save(src)
    with zipfile.ZipFile(src) as z:
        assert b"date1904" in z.read("xl/workbook.xml")
    with pytest.raises(PatchUnsupported):
        patch_xlsx(src, tmp_path / "dst.xlsx", {"Trang": {(1, 1): dt.date(2025, 9, 1)}})


def test_cell_missing_from_a_small_sheet_is_placed(tmp_path):
    """A cell absent from the sheet XML (never written) is created in its row, in column order,
    next to edits of cells that exist - one sheet falling back does not disturb the other."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Trang"
    ws["A5"], ws["C5"] = "có", "có"          # B5 and D5 do not exist in the XML
    other = wb.create_sheet("Khác")
    other["A1"] = 1
    src = tmp_path / "src.xlsx"
    wb.save(src)
    dst = tmp_path / "dst.xlsx"
    patch_xlsx(src, dst, {"Trang": {(5, 2): "mới", (5, 4): 4, (5, 3): "sửa"}, "Khác": {(1, 1): 2}})
    out = load_workbook(dst)
    assert [c.value for c in out["Trang"][5]] == ["có", "mới", "sửa", 4]
    assert out["Khác"]["A1"].value == 2


@pytest.mark.parametrize("row_xml, ref, found", [
    ('<row r="1"><c r="A1" s="2"><v>1</v></c><c r="A10"/></row>', "A1", '<c r="A1" s="2"><v>1</v></c>'),
    ('<row r="1"><c r="A10"/><c s="3" r="A1" t="n"><v>2</v></c></row>', "A1", '<c s="3" r="A1" t="n"><v>2</v></c>'),
    ('<row r="7"><c t="s" s="1" r="AB7"/></row>', "AB7", '<c t="s" s="1" r="AB7"/>'),
    ('<row r="7"><c s="1" r="AB70"/><c r="B7"/></row>', "AB7", None),
    ('<row r="7"><c s="1" xr="AB7"/></row>', "AB7", None),
])
def test_cells_are_found_whatever_the_attribute_order(row_xml, ref, found):
    from cchc_xl.files.xlsx_patch.general import _find_cell

    span = _find_cell(row_xml, ref)
    assert (row_xml[span[0]:span[1]] if span else None) == found
