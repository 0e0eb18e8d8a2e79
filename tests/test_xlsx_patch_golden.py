"""Golden tests of the OOXML patcher (``files.xlsx_patch``), in the manner of XlsxWriter's
comparison tests: real packages saved by Excel (tests/fixtures/excel_saved, see its
LICENSE.txt) and by LibreOffice are patched, then

* the values are read back with openpyxl and python-calamine (edited cells as written,
  every other cell of every sheet as it was);
* every zip part the patch does not need to touch is byte-identical (decompressed), and the
  patched sheet is identical outside ``<sheetData>``: drawings, comments, VBA, tables,
  validations, conditional formats, protection, hyperlinks, names all kept;
* LibreOffice opens every patched file, recalculates it (formulas fed by a patched cell
  give the new result) and saves it again;
* layouts the patcher must not write into (formula cells, array formula ranges, table
  header/totals rows, 1904 dates, namespace-prefixed sheets) are refused with
  ``PatchUnsupported`` and the source stays untouched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import zipfile
from pathlib import Path

import pytest
import python_calamine as pc
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from cchc_xl.files.xlsx_patch import PatchUnsupported, patch_xlsx, sheet_parts

FIXTURES = Path(__file__).parent / "fixtures" / "excel_saved"
TEXT = "Đã hoàn thành – “ưu tiên” & <b>báo cáo</b> ở xã"
FORMULA_TEXT = "=SUM(1,2) (văn bản, không phải công thức)"
DAY = dt.date(2025, 9, 14)
NUMBER = 42.5

# Excel-saved packages: each shows a feature of real Excel XML the patcher must keep.
EXCEL_FILES = {
    "shared_strings01.xlsx": "many shared strings",
    "optimize01.xlsx": "inline strings",
    "format01.xlsx": "cell styles, three sheets",
    "protect03.xlsx": "sheet protection",
    "data_validation02.xlsx": "data validation, empty <sheetData/>",
    "cond_format10.xlsx": "conditional format, dxf styles",
    "table10.xlsx": "table with totals row, structured references, calcChain",
    "defined_name01.xlsx": "defined names, print setup, several sheets",
    "comment03.xlsx": "comments (VML), a row at 1048576",
    "hyperlink20.xlsx": "hyperlinks (sheet relationships)",
    "chart_bar01.xlsx": "chart and drawing",
    "rich_string12.xlsx": "rich strings",
    "utf8_04.xlsx": "UTF-8 text",
    "macro01.xlsm": "VBA project (.xlsm)",
    "embed_image01.xlsx": "image in cell: rich data, metadata, mc:Ignorable extensions",
    "array_formula01.xlsx": "array formula",
    "outline01.xlsx": "row outline levels, SUBTOTAL formulas, calcChain",
    "merge_range01.xlsx": "merged cells",
}
# Cells that feed formulas: {file: ({(row, col): value}, {cell: value after recalculation})}
FEEDS = {
    "outline01.xlsx": ({(2, 2): 2000, (7, 2): 100}, {"B6": 5300, "B11": 1800, "B12": 7100}),
    "table10.xlsx": ({(4, 2): 5, (4, 3): 6, (4, 4): 7}, {"K4": 18}),
    "array_formula01.xlsx": ({(1, 2): 2, (2, 2): 3, (1, 3): 4, (2, 3): 5}, {"A1": 26}),
}
# Rows that are not plain data (a table's header and totals rows: refused, tested below)
FRAME_ROWS = {"table10.xlsx": {3, 6}}
# Patched files LibreOffice opens and recalculates (one LibreOffice run; the feeds above, and
# the packages with drawings, comments, VBA, rich data)
# (not comment03.xlsx: LibreOffice takes minutes on its empty row 1048576 spanning 16384
# columns - the unpatched original too)
LIBREOFFICE_CHECKS = ("outline01.xlsx", "table10.xlsx", "array_formula01.xlsx", "macro01.xlsm",
                      "chart_bar01.xlsx", "embed_image01.xlsx", "shared_strings01.xlsx", "hyperlink20.xlsx")
# LibreOffice-saved packages, made from these Excel files in the test run
LIBREOFFICE_FROM = ("outline01.xlsx", "shared_strings01.xlsx", "format01.xlsx")


# ---------------------------------------------------------------- building the edits

def _values(path: Path, data_only: bool = False) -> dict[str, dict[tuple[int, int], object]]:
    wb = load_workbook(path, data_only=data_only)
    out = {}
    for ws in wb.worksheets:
        # the cells the file holds (``iter_rows`` would walk 1048576 x 16384 cells when a
        # sheet has an empty row at the last row and column, as comment03.xlsx has)
        out[ws.title] = {rc: _plain(c.value) for rc, c in ws._cells.items() if c.value is not None}
    wb.close()
    return out


def _plain(value: object) -> object:
    """Comparable form of an openpyxl value (an array formula object by its text and range)."""
    if type(value).__name__ == "ArrayFormula":
        return ("array", value.ref, value.text)
    return value


def _first_sheet(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return next(iter(sheet_parts(z)))


def plan_edits(path: Path) -> dict[tuple[int, int], object]:
    """The edits made to the first sheet of ``path``: an existing value overwritten with a
    Vietnamese text, another cleared, a number added to an existing row, a new row (below
    the data, or between rows) with a date, a formula-looking text, a boolean and an int."""
    name = _first_sheet(path)
    cells = _values(path)[name]
    ws = load_workbook(path)[name]
    frame = FRAME_ROWS.get(path.name, set())
    plain = [rc for rc, v in sorted(cells.items())
             if not (isinstance(v, str) and v.startswith("=")) and not isinstance(v, tuple)
             and rc[0] not in frame]
    # openpyxl reads an empty cell under a hyperlink as the link's target: not cleared here
    clearable = [rc for rc in plain[1:] if ws.cell(*rc).hyperlink is None]
    edits: dict[tuple[int, int], object] = {}
    if plain:
        edits[plain[0]] = TEXT
        edits[(plain[0][0], ws.max_column + 1)] = NUMBER   # after every column (merged ones too)
    if clearable:
        edits[clearable[-1]] = None
    last = max((r for r, _ in cells), default=0)
    new_row = last + 2
    while new_row in ws.row_dimensions and ws.row_dimensions[new_row].ht is not None:
        new_row += 1
    ws.parent.close()
    edits.update({(new_row, 1): DAY, (new_row, 2): FORMULA_TEXT, (new_row, 3): True, (new_row, 4): 7})
    edits.update(FEEDS.get(path.name, ({}, {}))[0])
    return edits


# ---------------------------------------------------------------- LibreOffice

def _soffice() -> str | None:
    from cchc_xl.report.pdf import find_soffice

    return find_soffice()


def lo_convert(files: list[Path], out_dir: Path) -> dict[str, Path]:
    """Open every file in one LibreOffice run, recalculate, save as xlsx into ``out_dir``."""
    from cchc_xl.report.pdf import _make_profile, _run

    out_dir.mkdir(parents=True, exist_ok=True)
    profile = _make_profile(out_dir / "profile")
    cmd = [_soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible",
           "--norestore", "--nologo", "--nolockcheck", "--nodefault", "--convert-to",
           "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out_dir), *[str(f) for f in files]]
    _run(cmd, 600, files[0])
    return {f.name: out_dir / (f.stem + ".xlsx") for f in files}


# ---------------------------------------------------------------- the checks

def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        return {n: z.read(n) for n in z.namelist()}


_SHEET_DATA = re.compile(rb"<sheetData\s*/>|<sheetData\b[^>]*>.*?</sheetData>", re.S)
_DIMENSION = re.compile(rb"<dimension\b[^>]*/>")
_CALC_PR = re.compile(rb"<calcPr\b[^>]*/>")


def check_package(src: Path, dst: Path, sheet: str) -> None:
    """Untouched parts byte-identical; the patched sheet identical outside its cell data."""
    before, after = _parts(src), _parts(dst)
    with zipfile.ZipFile(src) as z:
        part = sheet_parts(z)[sheet]
    chain = "xl/calcChain.xml" in before
    assert set(after) == set(before) - {"xl/calcChain.xml"}
    free = {part, "xl/workbook.xml", "xl/styles.xml"} | ({"[Content_Types].xml", "xl/_rels/workbook.xml.rels"}
                                                        if chain else set())
    for name, data in before.items():
        if name not in free and name != "xl/calcChain.xml":
            assert after[name] == data, f"{src.name}: {name} changed"
    assert _CALC_PR.sub(b"", after["xl/workbook.xml"]) == _CALC_PR.sub(b"", before["xl/workbook.xml"])
    assert b'fullCalcOnLoad="1"' in after["xl/workbook.xml"]
    outside = lambda xml: _DIMENSION.sub(b"", _SHEET_DATA.sub(b"", xml))  # noqa: E731
    assert outside(after[part]) == outside(before[part]), f"{src.name}: {part} changed outside sheetData"
    if after["xl/styles.xml"] != before["xl/styles.xml"]:   # only cell formats may be added
        n = lambda xml: int(re.search(rb'<cellXfs count="(\d+)"', xml).group(1))  # noqa: E731
        assert 0 < n(after["xl/styles.xml"]) - n(before["xl/styles.xml"]) <= 4   # date, quote prefix
        xfs = lambda xml: re.search(rb"<cellXfs\b.*?</cellXfs>", xml, re.S).group(0)  # noqa: E731
        strip = lambda xml: xml.replace(xfs(xml), b"")  # noqa: E731
        assert re.sub(rb"<numFmts\b.*?</numFmts>|<numFmts\b[^>]*/>", b"", strip(after["xl/styles.xml"]), flags=re.S) \
            == re.sub(rb"<numFmts\b.*?</numFmts>|<numFmts\b[^>]*/>", b"", strip(before["xl/styles.xml"]), flags=re.S)
    if chain:
        assert b"calcChain" not in after["[Content_Types].xml"]
        assert b"calcChain" not in after["xl/_rels/workbook.xml.rels"]
    # the formula-looking text is text: no <f> was added
    assert after[part].count(b"<f") == before[part].count(b"<f")


def _same(read, expected) -> bool:
    if isinstance(expected, bool) or isinstance(read, bool):
        return read == expected and type(read) is type(expected)
    if isinstance(expected, dt.date):
        return isinstance(read, dt.date) and (read.date() if isinstance(read, dt.datetime) else read) == expected
    if isinstance(expected, (int, float)):
        return isinstance(read, (int, float)) and float(read) == float(expected)
    return read == expected


def check_values(src: Path, dst: Path, sheet: str, edits: dict[tuple[int, int], object]) -> None:
    """openpyxl and calamine read the edits back; every other cell of every sheet is unchanged."""
    before, after = _values(src), _values(dst)
    assert set(after) == set(before)
    for name in before:
        touched = set(edits) if name == sheet else set()
        assert {k: v for k, v in after[name].items() if k not in touched} == \
               {k: v for k, v in before[name].items() if k not in touched}, (src.name, name)
    for (r, c), v in edits.items():
        got = after[sheet].get((r, c))
        if v is None:
            assert got is None, (src.name, r, c, got)
        else:
            assert _same(got, v), (src.name, r, c, got, v)
    wb = pc.CalamineWorkbook.from_path(str(dst))
    rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    wb.close()
    for (r, c), v in edits.items():
        got = rows[r - 1][c - 1] if r <= len(rows) and c <= len(rows[r - 1]) else ""
        if v is None:
            assert got == "", (src.name, r, c, got)
        else:
            assert _same(got, v), (src.name, r, c, got, v)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- the patched set (module)

@pytest.fixture(scope="module")
def patched(tmp_path_factory) -> dict[str, tuple[Path, Path, str, dict]]:
    """{file name: (source copy, patched file, sheet, edits)} for every Excel-saved fixture."""
    base = tmp_path_factory.mktemp("golden")
    out = {}
    for name in EXCEL_FILES:
        src = base / "src" / name
        src.parent.mkdir(exist_ok=True)
        shutil.copyfile(FIXTURES / name, src)
        sheet, edits = _first_sheet(src), plan_edits(src)
        digest = _sha(src)
        dst = base / "patched" / name
        dst.parent.mkdir(exist_ok=True)
        patch_xlsx(src, dst, {sheet: edits})
        assert _sha(src) == digest
        out[name] = (src, dst, sheet, edits)
    return out


@pytest.mark.parametrize("name", sorted(EXCEL_FILES))
def test_excel_saved_package_patched_in_place(patched, name: str) -> None:
    src, dst, sheet, edits = patched[name]
    check_package(src, dst, sheet)
    check_values(src, dst, sheet, edits)


def test_patched_cells_keep_their_style_and_new_dates_get_a_date_format(patched) -> None:
    src, dst, sheet, edits = patched["protect03.xlsx"]          # A1 plain, A2/A3 styled (locked/unlocked)
    a = load_workbook(src)[sheet]
    b = load_workbook(dst)[sheet]
    for (r, c) in edits:
        if (r, c) in a._cells and a._cells[(r, c)].value is not None:
            assert b.cell(r, c).style_id == a.cell(r, c).style_id
            assert b.cell(r, c).protection.locked == a.cell(r, c).protection.locked
    date_cell = next(rc for rc, v in edits.items() if isinstance(v, dt.date))
    assert b.cell(*date_cell).is_date and b.cell(*date_cell).number_format == "dd/mm/yyyy"
    assert b.protection.sheet and b.protection.password == a.protection.password


@pytest.mark.libreoffice
def test_libreoffice_opens_and_recalculates_every_patched_file(patched, tmp_path: Path) -> None:
    names = sorted(LIBREOFFICE_CHECKS)
    converted = lo_convert([patched[n][1] for n in names], tmp_path / "lo")
    for name in names:
        src, dst, sheet, edits = patched[name]
        lo = converted[name]
        assert lo.is_file(), f"LibreOffice không mở được {name}"
        wb = pc.CalamineWorkbook.from_path(str(lo))
        rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        wb.close()
        for (r, c), v in edits.items():
            got = rows[r - 1][c - 1] if r <= len(rows) and c <= len(rows[r - 1]) else ""
            if isinstance(v, bool):   # LibreOffice may keep a boolean or write 1/0 with a format
                assert got in (v, int(v)), (name, r, c, got, v)
                continue
            assert (got == "") if v is None else _same(got, v), (name, r, c, got, v)
        for ref, value in FEEDS.get(name, ({}, {}))[1].items():
            col = re.match(r"[A-Z]+", ref).group(0)
            r = int(ref[len(col):])
            c = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(col)))
            assert float(rows[r - 1][c - 1]) == value, (name, ref, rows[r - 1][c - 1])


@pytest.mark.libreoffice
def test_libreoffice_saved_packages_patched_in_place(tmp_path: Path) -> None:
    """Packages written by LibreOffice (its own XML: every row attribute spelled out, shared
    strings, its styles) are patched the same way; LibreOffice then recalculates them."""
    made = lo_convert([FIXTURES / n for n in LIBREOFFICE_FROM], tmp_path / "lo_saved")
    patched_files = []
    for name in LIBREOFFICE_FROM:
        src = made[name]
        assert b"LibreOffice" in _parts(src).get("docProps/app.xml", b"")
        sheet, edits = _first_sheet(src), plan_edits(src)
        dst = tmp_path / "patched" / name
        dst.parent.mkdir(exist_ok=True)
        digest = _sha(src)
        patch_xlsx(src, dst, {sheet: edits})
        assert _sha(src) == digest
        check_package(src, dst, sheet)
        check_values(src, dst, sheet, edits)
        patched_files.append(dst)
    again = lo_convert(patched_files, tmp_path / "lo_again")
    rows = pc.CalamineWorkbook.from_path(str(again["outline01.xlsx"])).get_sheet_by_name(
        _first_sheet(again["outline01.xlsx"])).to_python()
    assert [rows[5][1], rows[10][1], rows[11][1]] == [5300, 1800, 7100]


# ---------------------------------------------------------------- refused layouts

def _refused(tmp_path: Path, name: str, edits: dict, *, src: Path | None = None) -> str:
    src = src or tmp_path / name
    if not src.exists():
        shutil.copyfile(FIXTURES / name, src)
    digest = _sha(src)
    with pytest.raises(PatchUnsupported) as info:
        patch_xlsx(src, tmp_path / f"out_{name}", {_first_sheet(src): edits})
    assert _sha(src) == digest
    return str(info.value)


def test_formula_cells_are_refused(tmp_path: Path) -> None:
    assert "công thức" in _refused(tmp_path, "outline01.xlsx", {(6, 2): 1})          # SUBTOTAL
    assert "công thức" in _refused(tmp_path, "table10.xlsx", {(4, 11): 1})           # calculated column
    assert "công thức" in _refused(tmp_path, "array_formula01.xlsx", {(1, 1): 1})    # array master


def test_cells_inside_an_array_formula_are_refused(tmp_path: Path) -> None:
    assert "mảng" in _refused(tmp_path, "array_formula01.xlsx", {(2, 1): 5})
    assert "mảng" in _refused(tmp_path, "array_formula01.xlsx", {(1, 2): 1, (3, 1): "x"})


@pytest.mark.parametrize("cell", [(3, 2), (3, 11), (6, 2)])   # header B3, K3; totals label B6
def test_table_header_and_totals_rows_are_refused(tmp_path: Path, cell) -> None:
    assert "bảng" in _refused(tmp_path, "table10.xlsx", {cell: "Tên khác"})


def test_table_appends_into_the_table_are_refused(tmp_path: Path) -> None:
    src = tmp_path / "table10.xlsx"
    shutil.copyfile(FIXTURES / "table10.xlsx", src)
    with pytest.raises(PatchUnsupported):
        patch_xlsx(src, tmp_path / "out.xlsx", {}, {"Sheet1": (5, [[None, 1, 2]], 0)})


def test_a_1904_workbook_is_refused(tmp_path: Path) -> None:
    """Serials of the 1904 date system are not computed: the whole workbook is refused."""
    assert "1904" in _refused(tmp_path, "date_1904_02.xlsx", {(20, 1): DAY})
    assert "1904" in _refused(tmp_path, "date_1904_02.xlsx", {(20, 5): 45914})


def test_namespace_prefixed_sheet_is_refused(tmp_path: Path) -> None:
    """Some writers prefix the spreadsheet namespace (``<x:sheetData>``): refused, not
    half-patched (a row without the namespace would be invalid)."""
    src = tmp_path / "prefixed.xlsx"
    with zipfile.ZipFile(FIXTURES / "shared_strings01.xlsx") as zin, zipfile.ZipFile(src, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"<(/?)(?!\?)([A-Za-z])", rb"<\1x:\2", data)
                data = data.replace(b'<x:worksheet xmlns="', b'<x:worksheet xmlns:x="', 1)
            zout.writestr(info, data)
    assert load_workbook(src)["Sheet1"]["A1"].value is not None   # a valid package
    _refused(tmp_path, "prefixed.xlsx", {(1, 1): "x"}, src=src)


def test_refusal_names_the_cell(tmp_path: Path) -> None:
    message = _refused(tmp_path, "table10.xlsx", {(3, 4): "x"})
    assert f"{get_column_letter(4)}3" in message


def test_formula_like_text_in_one_workbook_after_another(tmp_path: Path) -> None:
    """The quote-prefix style of a formula-like text belongs to each workbook: patching a
    second workbook with the same text must add the style there too (a cell naming a style
    the file does not have makes openpyxl fail and Excel repair the file)."""
    for name in ("protect03.xlsx", "optimize01.xlsx", "utf8_04.xlsx"):
        src, dst = tmp_path / name, tmp_path / f"out_{name}"
        shutil.copyfile(FIXTURES / name, src)
        patch_xlsx(src, dst, {_first_sheet(src): {(9, 1): FORMULA_TEXT, (9, 2): "+84 912 345 678"}})
        ws = load_workbook(dst)[_first_sheet(src)]
        assert ws["A9"].value == FORMULA_TEXT and ws["A9"].quotePrefix and ws["B9"].quotePrefix
