"""A value typed far from the table (Ctrl+End lands there): refused by name, never a crash.

python-calamine builds the rectangle from A1 to the farthest value: one value at
XFD1048576 asks it for 512 GB and the process is killed without a message; at ZZ200000 it
takes 4.4 GB.  Returned files, the master read by Tổng hợp, the register and ``read_master``
(openpyxl) are each checked; formatted empty cells far away are not values and pass.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.styles import Border, Side
from typer.testing import CliRunner

from cchc_xl.core import schema as S
from cchc_xl.core.models import CchcError
from cchc_xl.files import sheet_scan as SC
from cchc_xl.roundtrip.consolidate import consolidate
from cchc_xl.workbook.master import read_master
from period_env import fill

AS_OF = dt.date(2025, 9, 14)


def _put(src: Path, dst: Path, sheet: str, row: int, col: int, value=None, border: bool = False) -> Path:
    wb = load_workbook(src)
    cell = wb[sheet].cell(row, col)
    if value is not None:
        cell.value = value
    if border:
        cell.border = Border(bottom=Side(style="thin"))
    wb.save(dst)
    return dst


@pytest.mark.parametrize("sheet, row, col, cells", [
    (S.SHEET_TASKS, 1048576, 16384, "ô XFD1048576"),
    (S.SHEET_TASKS, 200000, 702, "ô ZZ200000"),
    (S.SHEET_META, 1048576, 3, "ô C1048576"),
    (S.SHEET_TASKS, 5, 16384, None),                # far right, one row: 16 384 x rows, small enough
], ids=["last-cell", "zz200000", "meta-bottom", "far-right-small"])
def test_return_with_a_value_far_away(env, sheet, row, col, cells) -> None:
    bad = _put(env["VHXH"], env["inbox"] / env["VHXH"].name, sheet, row, col, "ghi nhầm")
    fill(env["PVHCC"], env["inbox"] / env["PVHCC"].name, {"II-09": {"progress": 40}})
    result = consolidate(env["master"], env["inbox"], as_of=AS_OF)
    assert {t.id: t for t in read_master(env["master"]).plan.tasks}["II-09"].progress == 40
    found = [f for f in result.findings if f.file == bad.name and f.code == "sheet_too_far"]
    if cells is None:
        assert not found and bad.name not in {f.file for f in result.rejected_files}
        return
    (f,) = found
    assert f.sheet == sheet and cells in f.message and "Ctrl+End" in f.message
    assert {r.file for r in result.rejected_files} == {bad.name}


def test_formatted_empty_cells_far_away_are_not_values(env) -> None:
    """A border drawn at XFD1048576 (the workbook's rectangle, not its values)."""
    _put(env["VHXH"], env["inbox"] / env["VHXH"].name, S.SHEET_TASKS, 1048576, 16384, border=True)
    _put(env["master"], env["master"], S.SHEET_TASKS, 1048576, 16384, border=True)
    fill(env["PVHCC"], env["inbox"] / env["PVHCC"].name, {"II-09": {"progress": 40}})
    result = consolidate(env["master"], env["inbox"], as_of=AS_OF)
    assert not result.rejected_files and not [f for f in result.findings if f.code == "sheet_too_far"]
    data = read_master(env["master"])
    assert {t.id: t for t in data.plan.tasks}["II-09"].progress == 40


@pytest.mark.parametrize("sheet", [S.SHEET_TASKS, S.SHEET_UNITS, S.SHEET_SUBMISSIONS])
def test_master_with_a_value_far_away_is_refused_by_name(env, sheet) -> None:
    from cchc_xl.cli import app

    _put(env["master"], env["master"], sheet, 1048576, 16384, "x")
    before = env["master"].read_bytes()
    fill(env["PVHCC"], env["inbox"] / env["PVHCC"].name, {"II-09": {"progress": 40}})
    with pytest.raises(CchcError) as err:
        consolidate(env["master"], env["inbox"], as_of=AS_OF)
    assert err.value.finding.code == "sheet_too_far" and err.value.finding.sheet == sheet
    with pytest.raises(CchcError) as err:
        read_master(env["master"])
    assert err.value.finding.code == "sheet_too_far" and "XFD1048576" in str(err.value)
    out = CliRunner().invoke(app, ["tong-hop", str(env["master"]), str(env["inbox"])])
    assert out.exit_code == 1 and "XFD1048576" in out.output and "Traceback" not in out.output
    assert env["master"].read_bytes() == before


def test_measured_rectangle_from_the_cells_not_the_dimension() -> None:
    xml = (b'<worksheet><dimension ref="A1:B2"/><sheetData>'
           b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="ZZ1" s="3"/></row>'
           b'<row r="9"><c s="1" r="C9"><v>2</v></c><c r="D9"></c></row>'
           b'<row r="500000"><x:c r="AB500000" t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c></row>'
           b'</sheetData></worksheet>')
    box = SC.value_box(xml)
    assert (box.rows, box.columns, box.lowest, box.rightmost) == (500000, 28, "AB500000", "AB500000")
    with pytest.raises(CchcError) as err:
        SC.check_value_box(xml, sheet="S", file="f.xlsx")
    assert "ô AB500000" in str(err.value) and "500.000 dòng × 28 cột" in str(err.value)
    SC.check_value_box(xml, sheet="S", file="f.xlsx", limit=500000 * 28)
    # within A1:Z9999 nothing is measured; an empty far cell is not a value
    SC.check_value_box(b'<row r="9999"><c r="Z9999"><v>1</v></c><c r="XFD9999"/></row>', sheet="S", file="f")


@pytest.mark.parametrize("tail, box", [
    (b'<row r="1048576"><c t="inlineStr"><is><t>x</t></is></c></row>', (1048576, 2, "A1048576")),
    (b'<row r="300000"><c/><c/><c><v>1</v></c></row>', (300000, 3, "C300000")),       # counted after empty ones
    (b'<row r="299999"><c r="B299999"/></row><row><c s="1"/><c><v>1</v></c></row>', (300000, 2, "B300000")),
    (b'<x:row r="400000"><x:c><x:v>1</x:v></x:c></x:row>', (400000, 2, "A400000")),      # a namespace prefix
], ids=["cell-without-address", "counted-cells", "row-without-address", "prefixed"])
def test_cells_and_rows_without_an_address_are_counted(tail, box) -> None:
    """A cell may be written without "r=": the reader counts it after the previous one, so a far
    row numbered by hand holding one such cell asks python-calamine for a million rows (855 MB
    for a 19-column return, measured)."""
    xml = (b'<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row>' + tail
           + b'</sheetData></worksheet>')
    found = SC.value_box(xml)
    assert (found.rows, found.columns, found.lowest) == box
    with pytest.raises(CchcError) as err:
        SC.check_value_box(xml, sheet="S", file="f.xlsx", limit=100_000)
    assert err.value.finding.code == "sheet_too_far" and f"ô {box[2]}" in str(err.value)


def test_return_with_a_far_row_whose_cell_has_no_address(env) -> None:
    """Refused by name before python-calamine reads it; the other returns are merged."""
    bad = env["inbox"] / env["VHXH"].name
    buf = io.BytesIO()
    with zipfile.ZipFile(env["VHXH"]) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                assert b"</sheetData>" in data
                data = data.replace(b"</sheetData>", b'<row r="1048576"><c t="inlineStr"><is><t>x</t></is></c>'
                                                     b'</row></sheetData>')
            zout.writestr(info, data)
    bad.write_bytes(buf.getvalue())
    fill(env["PVHCC"], env["inbox"] / env["PVHCC"].name, {"II-09": {"progress": 40}})
    result = consolidate(env["master"], env["inbox"], as_of=AS_OF)
    (f,) = [f for f in result.findings if f.file == bad.name and f.code == "sheet_too_far"]
    assert "ô A1048576" in f.message and {r.file for r in result.rejected_files} == {bad.name}
    assert {t.id: t for t in read_master(env["master"]).plan.tasks}["II-09"].progress == 40

@pytest.mark.parametrize("chunk", [7, 64, 1 << 20])
def test_streamed_measure_across_pieces(monkeypatch, chunk) -> None:
    """``check_sheet_extent`` reads the part piece by piece: a far cell cut in two is still
    found, and a value on an early row combines with a far column found later."""
    monkeypatch.setattr(SC, "_CHUNK", chunk)
    rows = b"".join(b'<row r="%d"><c r="Z%d"><v>1</v></c></row>' % (r, r) for r in range(1, 400))
    xml = b'<worksheet><sheetData>' + rows + b'<row r="200000"><c r="A200000"><v>1</v></c></row></sheetData></worksheet>'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", xml)
    with zipfile.ZipFile(buf) as z:
        with pytest.raises(CchcError) as err:       # 200 000 rows x 26 columns (Z on row 1)
            SC.check_sheet_extent(z, "xl/worksheets/sheet1.xml", sheet="S", file="f", limit=5_000_000)
        assert "ô A200000 và ô Z1" in str(err.value)
        SC.check_sheet_extent(z, "xl/worksheets/sheet1.xml", sheet="S", file="f", limit=200000 * 26)


def test_a_log_down_to_excels_last_row_is_still_read():
    """A 10-column "Nhật ký" may legitimately reach row 1 048 576 (ten quarters at province scale)."""
    assert 1_048_576 * 10 <= SC.MAX_VALUE_CELLS


@pytest.mark.parametrize("row", [1048576, 1048575])
def test_no_row_is_appended_past_excels_last_row(env, row) -> None:
    """A value typed at the bottom of "Nhật ký" (or a full log): refused, nothing written."""
    first = fill(env["PVHCC"], env["inbox"] / env["PVHCC"].name, {"II-09": {"progress": 40}})
    consolidate(env["master"], env["inbox"], as_of=AS_OF)          # the master now lists files in _meta
    first.unlink()
    _put(env["master"], env["master"], S.SHEET_AUDIT, row, 3, "ghi nhầm")
    before = env["master"].read_bytes()
    fill(env["VHXH"], env["inbox"] / env["VHXH"].name, {"III-01": {"progress": 30}})
    with pytest.raises(CchcError) as err:
        consolidate(env["master"], env["inbox"], as_of=AS_OF)
    f = err.value.finding
    assert f.code == "sheet_full" and f"dòng cuối đang có dữ liệu là dòng {row:,}".replace(",", ".") in f.message
    assert env["master"].read_bytes() == before


def test_unit_reports_cannot_be_appended_past_the_last_row_either(env, monkeypatch) -> None:
    from cchc_xl.core import schema

    monkeypatch.setattr(schema, "EXCEL_MAX_ROWS", S.FIRST_DATA_ROW)    # a sheet with no room left
    fill(env["VP"], env["inbox"] / env["VP"].name, {"II-02": {"status": "Đang thực hiện", "progress": 50}})
    with pytest.raises(CchcError) as err:
        consolidate(env["master"], env["inbox"], as_of=AS_OF)
    assert err.value.finding.code == "sheet_full"


def test_formula_like_text_scan_walks_cells_not_the_rectangle():
    """A carried-over sheet formatted at XFD1048576: the scan sees its cells, in row order."""
    from openpyxl import Workbook

    from cchc_xl.workbook.cells import formula_text_findings

    wb = Workbook()
    ws = wb.active
    ws.cell(1048576, 16384).border = Border(bottom=Side(style="thin"))
    ws["C9"], ws["B2"] = '=HYPERLINK("http://x")', "=1+1"
    for c in (ws["C9"], ws["B2"]):
        c.data_type = "s"
    assert [f.cell for f in formula_text_findings(wb, file="a.xlsx")] == ["B2", "C9"]
