"""The patcher's streamed fast path: a big sheet is read, patched and compressed window by
window (``files.xlsx_patch.fast._patch_stream_b``).  Whatever the window - smaller than one row,
a few rows, a few kilobytes - it writes exactly what the in-memory path writes, refuses the
same layouts, and never holds the whole sheet."""

from __future__ import annotations

import datetime as dt
import shutil
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.formula import ArrayFormula

from cchc_xl.files.xlsx_patch import fast, package
from cchc_xl.files.xlsx_patch import PatchUnsupported, patch_xlsx
from test_xlsx_patch_golden import EXCEL_FILES, FIXTURES, _first_sheet, plan_edits

WINDOWS = (1, 97, 4096)


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def _streamed(monkeypatch, window: int) -> None:
    """Every sheet part takes the streamed path, in windows of ``window`` bytes read in
    pieces of 61 bytes (so tags and rows straddle the pieces).  Each constant is patched on
    the module that defines it; every reader reads it from there at call time."""
    monkeypatch.setattr(package, "_BUFFERED_PART", -1)
    monkeypatch.setattr(fast, "_WINDOW", window)
    monkeypatch.setattr(fast, "_CHUNK", 61)


def _both(src: Path, tmp_path: Path, monkeypatch, window: int, edits, appends=None):
    """(in-memory result, streamed result): the packages' parts, or the refusal's text."""
    out = []
    for label in ("memory", "stream"):
        if label == "stream":
            _streamed(monkeypatch, window)
        dst = tmp_path / f"{label}.xlsx"
        try:
            patch_xlsx(src, dst, edits, appends)
            out.append(_parts(dst))
        except PatchUnsupported as exc:
            out.append(f"refused: {exc}")
    return out


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("name", sorted(EXCEL_FILES))
def test_excel_saved_sheets_streamed_as_in_memory(tmp_path, monkeypatch, name, window):
    src = tmp_path / name
    shutil.copyfile(FIXTURES / name, src)
    memory, stream = _both(src, tmp_path, monkeypatch, window, {_first_sheet(src): plan_edits(src)})
    assert memory == stream


def _tracking_book(path: Path, rows: int = 300) -> Path:
    """A sheet like the master's "Phân công": header at row 4, every data cell present
    (styled), so the fast path places every edit."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Phân công"
    ws["A1"] = "PHÂN CÔNG THỰC HIỆN NHIỆM VỤ"
    for j, h in enumerate(("Mã NV", "Nhiệm vụ", "Trạng thái", "Tiến độ (%)", "Ngày hoàn thành"), start=1):
        ws.cell(row=4, column=j, value=h)
    for r in range(5, 5 + rows):
        ws.cell(row=r, column=1, value=f"T{r:04d}")
        ws.cell(row=r, column=2, value=f"Rà soát thủ tục hành chính đợt {r} – “ưu tiên” & <b>")
        ws.cell(row=r, column=3, value="Chưa thực hiện")
        ws.cell(row=r, column=4, value=0)
        ws.cell(row=r, column=5).number_format = "dd/mm/yyyy"
        ws.cell(row=r, column=5).value = None
        ws.cell(row=r, column=5).style = "Normal"
    ws2 = wb.create_sheet("Nhật ký")
    for j, h in enumerate(("Thời điểm", "Người", "Tệp", "Giá trị mới"), start=1):
        ws2.cell(row=4, column=j, value=h)
    wb.save(path)
    return path


def _tracking_edits(rows: int = 300) -> dict[tuple[int, int], object]:
    edits: dict[tuple[int, int], object] = {}
    for r in range(5, 5 + rows, 7):
        edits[(r, 3)] = "Đang thực hiện" if r % 2 else "=HYPERLINK(\"x\") (văn bản)"
        edits[(r, 4)] = (r % 100) + 0.5
    edits[(6, 2)] = None                                # cleared
    edits[(5 + rows - 1, 3)] = "Đã hoàn thành"          # the last row
    return edits


@pytest.mark.parametrize("window", WINDOWS)
def test_every_edit_placed_and_rows_appended_when_streamed(tmp_path, monkeypatch, window):
    src = _tracking_book(tmp_path / "so.xlsx")
    edits = {"Phân công": _tracking_edits()}
    appends = {"Phân công": (305, [["T-new", "dòng thêm", "Đã hoàn thành", 100, dt.date(2025, 9, 14)]], 0),
               "Nhật ký": (5, [[dt.datetime(2025, 9, 14, 8), "cán bộ", f"tệp {i}.xlsx", i] for i in range(50)], 2)}
    memory, stream = _both(src, tmp_path, monkeypatch, window, edits, appends)
    assert memory == stream
    ws = load_workbook(tmp_path / "stream.xlsx")["Phân công"]
    assert ws["C19"].value == "Đang thực hiện" and ws["D19"].value == 19.5
    assert ws["C12"].value == "=HYPERLINK(\"x\") (văn bản)" and ws["C12"].data_type == "s"
    assert ws["B6"].value is None and ws["C304"].value == "Đã hoàn thành"
    assert ws["A305"].value == "T-new" and ws["E305"].is_date
    assert load_workbook(tmp_path / "stream.xlsx")["Nhật ký"]["D54"].value == 49


@pytest.mark.parametrize("window", WINDOWS)
def test_appends_over_existing_rows_take_the_general_path_when_streamed(tmp_path, monkeypatch, window):
    """The overlap is only seen at the end of a streamed sheet: the whole package is
    written again on the general path, with the same result as in memory."""
    src = _tracking_book(tmp_path / "so.xlsx")
    appends = {"Phân công": (300, [["T-over", "ghi vào dòng có sẵn"]], 0)}
    memory, stream = _both(src, tmp_path, monkeypatch, window, {"Phân công": {(5, 3): "Đang thực hiện"}},
                           appends)
    assert memory == stream
    assert load_workbook(tmp_path / "stream.xlsx")["Phân công"]["A300"].value == "T-over"


@pytest.mark.parametrize("window", WINDOWS)
def test_refusals_are_the_same_when_streamed(tmp_path, monkeypatch, window):
    """A cell far down the sheet holding a formula, or inside an array formula: refused
    (seen in a later window than the first)."""
    path = tmp_path / "f.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Trang"
    for r in range(1, 200):
        ws.cell(row=r, column=1, value=f"dòng {r}")
        ws.cell(row=r, column=2, value=r)
    ws["C150"] = "=B150*2"
    ws["D180"] = ArrayFormula("D180:D182", "=B180:B182*2")
    wb.save(path)
    for cell in ((150, 3), (181, 4)):
        memory, stream = _both(path, tmp_path, monkeypatch, window, {"Trang": {(5, 2): 1, cell: "x"}})
        monkeypatch.undo()
        assert isinstance(memory, str) and memory == stream, (cell, memory, stream)


def test_a_big_sheet_is_never_held_whole(tmp_path, monkeypatch):
    """Memory bound: patching a sheet of several MB holds a window of it, not the sheet
    (Python allocations traced; the source sheet is about 40 times the window)."""
    rows = 12_000
    src = _tracking_book(tmp_path / "lon.xlsx", rows)
    with zipfile.ZipFile(src) as z:
        size = next(i.file_size for i in z.infolist() if i.filename == "xl/worksheets/sheet1.xml")
    window = 64 << 10
    assert size > 40 * window
    monkeypatch.setattr(package, "_BUFFERED_PART", 1 << 20)
    monkeypatch.setattr(fast, "_WINDOW", window)
    monkeypatch.setattr(fast, "_CHUNK", 8 << 10)    # pieces queued for the compressing thread
    edits = {"Phân công": _tracking_edits(rows)}
    tracemalloc.start()
    try:
        patch_xlsx(src, tmp_path / "out.xlsx", edits)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < size / 3, (peak, size)
    ws = load_workbook(tmp_path / "out.xlsx", read_only=True)["Phân công"]
    assert [c.value for c in next(ws.iter_rows(min_row=19, max_row=19))][2:4] == ["Đang thực hiện", 19.5]


@pytest.fixture()
def modes(monkeypatch) -> list[bool]:
    """The passes ``patch_xlsx`` makes over the package (True: fast path, False: general)."""
    seen: list[bool] = []
    real = package._patch_package

    def spy(*a, **k):
        seen.append(k.get("fast"))
        return real(*a, **k)

    monkeypatch.setattr(package, "_patch_package", spy)
    return seen


def _meta_like(path: Path, rows: int = 60) -> Path:
    """A sheet like the master's "_meta": key/values in A:B, a table in D:G, styled rows."""
    wb = Workbook()
    ws = wb.active
    ws.title = "_meta"
    ws["A1"], ws["B1"] = "khoa", "gia_tri"
    for r in range(1, rows + 1):
        for c, v in zip("DEFG", ("VP", "Phân công", f"I-{r:02d}", '{"v":1}')):
            ws[f"{c}{r}"] = v
        ws[f"D{r}"].number_format = "@"
    wb.save(path)
    return path


@pytest.mark.parametrize("window", WINDOWS)
def test_cells_new_to_their_row_are_added_on_the_fast_path(tmp_path, monkeypatch, modes, window):
    """A column the rows do not have yet (the list of files in "_meta" I:J) is added row by
    row without sending the sheet - or the whole package - to the general path; the cells
    read back as the general path writes them."""
    src = _meta_like(tmp_path / "meta.xlsx")
    listed = {**{(r, 9): f"sha{r}" for r in range(2, 40)}, **{(r, 10): '["Đã tổng hợp tệp"]' for r in range(2, 40)}}
    edits = {"_meta": {(1, 9): "tep_da_xu_ly", (1, 10): "ket_qua", (2, 7): '{"v":2}', **listed, (45, 4): "KT"}}
    general = tmp_path / "general.xlsx"
    package._patch_package(src, general, edits, {}, fast=False)
    modes.clear()
    _streamed(monkeypatch, window)
    fast = tmp_path / "fast.xlsx"
    patch_xlsx(src, fast, edits)
    assert modes == [True]                           # no second pass on the general path
    a, b = load_workbook(general)["_meta"], load_workbook(fast)["_meta"]
    cells = lambda ws: {(c.row, c.column): (c.value, c.style_id) for row in ws.iter_rows() for c in row  # noqa: E731
                        if c.value is not None}
    assert cells(a) == cells(b)
    assert b["I1"].value == "tep_da_xu_ly" and b["J39"].value == '["Đã tổng hợp tệp"]' and b["D45"].value == "KT"
    assert b["G2"].value == '{"v":2}' and b["F39"].value == "I-39"     # the row's other cells kept


def test_a_row_that_does_not_exist_still_takes_the_general_path(tmp_path, monkeypatch, modes):
    src = _meta_like(tmp_path / "meta.xlsx", rows=10)
    _streamed(monkeypatch, 97)
    patch_xlsx(src, tmp_path / "out.xlsx", {"_meta": {(5, 9): "x", (12, 4): "mới"}})   # row 12 is new
    assert modes == [True, False]
    ws = load_workbook(tmp_path / "out.xlsx")["_meta"]
    assert ws["I5"].value == "x" and ws["D12"].value == "mới"
