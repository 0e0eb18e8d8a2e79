"""What the official typed into the master is never replaced by the next import without a word.

Families: the official's own columns beside "Chỉ số CCHC" (kept; the years go to their right;
one in the way refuses by name); the official's content below the table (kept, or refuses
when the new table needs its row); hand corrections in the table and in a year's column
(kept as that year's figures, each reported by cell); rows added or deleted by hand; a new
document for a year the official corrected (three-way: the official's value kept and
reported); scores typed before any import; formulas the official put where an import writes
(kept when the import would write what they show, else the import is refused by cell) - for
"Nhập chỉ số" and "Nhập khắc phục", on the command line and through the buttons.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cchc_xl.cli import app
from cchc_xl.core import index_years as IY
from cchc_xl.core import schema as S
from cchc_xl.core.models import Area, CchcError, IndexArea, Plan, PlanInfo
from cchc_xl.files.safeio import file_sha256
from cchc_xl.ingest.index_docs import import_index_results, import_remediation
from cchc_xl.workbook.master import read_master, write_master
from cchc_xl.xl.book_io import formula_refs_from_grid

DOCS = Path(__file__).parent / "fixtures" / "index_docs"
SEED = DOCS / "cam_son_2023_khac_phuc.txt"       # 2023: 8 areas and 31 criteria, from prose
TABLE24 = DOCS / "chi_so_2024_bang.csv"          # 8 areas and criterion 1.4.1 (year given by --nam)
REMEDIATION = DOCS / "xa_b_2024_khac_phuc_bang.md"
NCOLS = len(S.INDEX_COLUMNS)
H = S.HEADER_ROW
runner = CliRunner()


@pytest.fixture
def master(tmp_path: Path) -> Path:
    path = tmp_path / "So.xlsx"
    write_master(Plan(info=PlanInfo(year=2025, commune="xã Thử")), path, make_backup=False)
    return path


def _edit(path: Path, cells: dict[str, object], sheet: str = S.SHEET_INDEX) -> None:
    wb = load_workbook(path)
    for ref, value in cells.items():
        wb[sheet][ref] = value
    wb.save(path)


def _rows(path: Path) -> list[list[object]]:
    ws = load_workbook(path)[S.SHEET_INDEX]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _years(path: Path) -> dict[str, dict]:
    wb = load_workbook(path)
    meta = {r[0]: r[1] for r in wb[S.SHEET_META].iter_rows(values_only=True)}
    return json.loads(meta["chi_so_cac_nam"])


def _area(record: dict, n: int) -> dict:
    return next(a for a in record["areas"] if str(a["area"]) == str(n))


def _codes(findings, code: str) -> list:
    return [f for f in findings if f.code == code]


def _csv(tmp_path: Path, replace: dict[str, str], name: str = "chi_so.csv") -> Path:
    text = TABLE24.read_text(encoding="utf-8")
    for a, b in replace.items():
        assert a in text
        text = text.replace(a, b)
    out = tmp_path / name
    out.write_text(text, encoding="utf-8")
    return out


# ---------------------------------------------------------------- the official's columns and rows

def test_officials_columns_beside_the_table_are_kept_and_years_go_right_of_them(master: Path):
    _edit(master, {f"{'L'}{H}": "Ghi chú của xã", f"L{H + 1}": "đã báo cáo huyện", f"M{H}": "Người phụ trách",
                   f"M{H + 3}": "Anh Hùng"})
    import_index_results(master, SEED)
    import_index_results(master, TABLE24, year=2024)
    rows = _rows(master)
    head = rows[H - 1]
    assert head[11:] == ["Ghi chú của xã", "Người phụ trách", "Thẩm định 2023", "Thẩm định 2024",
                         "Tăng/giảm 2023→2024"]
    assert rows[H][11] == "đã báo cáo huyện" and rows[H + 2][12] == "Anh Hùng"
    assert rows[H][13:16] == [9.13, 10.2, 1.07]     # area 1: 2023, 2024, change
    # a third year grows the block where the tool put it, never over the official's columns
    import_index_results(master, TABLE24, year=2025)
    head = _rows(master)[H - 1]
    assert head[11:] == ["Ghi chú của xã", "Người phụ trách", "Thẩm định 2023", "Thẩm định 2024",
                         "Thẩm định 2025", "Tăng/giảm 2024→2025"]


def test_an_officials_column_where_the_next_year_goes_refuses_by_name(master: Path):
    import_index_results(master, SEED)                  # "Thẩm định 2023" in column L
    _edit(master, {f"M{H}": "Ghi chú", f"M{H + 2}": "xem lại"})
    sha = file_sha256(master)
    with pytest.raises(CchcError) as e:
        import_index_results(master, TABLE24, year=2024)
    f = e.value.finding
    assert f.code == "index_column_taken" and f.cell == f"M{H}" and f.sheet == S.SHEET_INDEX
    assert "'Ghi chú'" in f.message and "Thẩm định 2024" in f.message and file_sha256(master) == sha
    out = runner.invoke(app, ["nhap-chi-so", str(master), "--tu-tep", str(TABLE24), "--nam", "2024"])
    assert out.exit_code == 1 and "ô M4" in out.output and "Traceback" not in out.output
    assert file_sha256(master) == sha


def test_officials_notes_below_the_table_are_kept_or_refuse_the_rows_the_table_needs(master: Path):
    import_index_results(master, TABLE24, year=2022)    # 9 rows: 5..13
    _edit(master, {f"A{H + 11}": "Nguồn: Quyết định 123/QĐ-UBND", f"D{H + 12}": "Người lập: Nguyễn Văn A"})
    import_index_results(master, TABLE24, year=2022 + 1)   # same length: the notes stay
    rows = _rows(master)
    assert rows[H + 10][0] == "Nguồn: Quyết định 123/QĐ-UBND" and rows[H + 11][3] == "Người lập: Nguyễn Văn A"
    sha = file_sha256(master)
    with pytest.raises(CchcError) as e:                 # 2024's table (39 rows) needs row 15
        import_index_results(master, SEED.with_name(SEED.name), year=2024)
    f = e.value.finding
    assert f.code == "index_row_taken" and f.cell == f"A{H + 11}" and "Nguồn: Quyết định" in f.message
    assert file_sha256(master) == sha
    # a note beside the table, where the row formulas of a longer table go, is the official's too
    _edit(master, {f"A{H + 11}": None, f"D{H + 12}": None, f"I{H + 20}": "cần rà soát"})
    sha = file_sha256(master)
    with pytest.raises(CchcError) as e:
        import_index_results(master, SEED.with_name(SEED.name), year=2024)
    assert (e.value.finding.code, e.value.finding.cell) == ("index_row_taken", f"I{H + 20}")
    assert file_sha256(master) == sha


# ---------------------------------------------------------------- hand corrections

def test_hand_corrections_become_that_years_figures_when_another_year_is_imported(master: Path):
    import_index_results(master, SEED)                  # 2023 in the main columns
    before = _years(master)["2023"]
    rows = _rows(master)
    crit_row = next(i for i, r in enumerate(rows, start=1) if r[1] == S.LEVEL_CRITERION)
    _edit(master, {f"F{H + 1}": 9.5, f"K{H + 1}": 10.0, f"D{crit_row}": "Tên tiêu chí cán bộ sửa"})
    res = import_index_results(master, TABLE24, year=2024)
    edits = _codes(res.findings, "index_hand_edit")
    assert {f.cell for f in edits} == {f"F{H + 1}", f"K{H + 1}", f"D{crit_row}"}
    assert all(f.severity == "warning" and "2023" in f.message for f in edits)
    assert "9,5" in next(f.message for f in edits if f.cell == f"F{H + 1}")
    after = _years(master)["2023"]
    assert _area(after, 1)["appraised"] == 9.5 and _area(after, 1)["self_assessed"] == 10.0
    assert after["total"] == round(before["total"] + 9.5 - _area(before, 1)["appraised"], 2)
    assert any(c["name"] == "Tên tiêu chí cán bộ sửa" for c in after["criteria"])
    assert _rows(master)[H][NCOLS] == 9.5             # "Thẩm định 2023" of area 1
    assert "giảm" not in res.summary.split("2024")[0]   # 2023's line is 2023's corrected total
    assert f"{after['total']:.2f}".replace(".", ",").rstrip("0").rstrip(",") in res.summary


def test_a_years_column_corrected_by_hand_is_kept(master: Path):
    import_index_results(master, SEED)
    import_index_results(master, TABLE24, year=2024)    # main: 2024; L = 2023, M = 2024
    _edit(master, {f"L{H + 1}": 9.0, f"L{H + 2}": 0.4})  # area 1 in 2023; criterion 1.4.1 (not in 2023's table)
    res = import_index_results(master, TABLE24, year=2025)
    assert {f.cell for f in _codes(res.findings, "index_hand_edit")} == {f"L{H + 1}", f"L{H + 2}"}
    y23 = _years(master)["2023"]
    assert _area(y23, 1)["appraised"] == 9.0
    assert next(c for c in y23["criteria"] if c.get("code") == "1.4.1")["appraised"] == 0.4
    rows = _rows(master)
    assert rows[H - 1][NCOLS] == "Thẩm định 2023" and rows[H][NCOLS] == 9.0 and rows[H + 1][NCOLS] == 0.4


def test_rows_added_and_deleted_by_hand(master: Path):
    import_index_results(master, TABLE24, year=2024)    # rows 5..13: area 1, 1.4.1, areas 2..8
    rows = _rows(master)
    assert rows[H + 1][2] == "1.4.1"
    cleared = {f"{c}{H + 2}": None for c in "ABCDEFGK"}
    last = H + 10
    _edit(master, {**cleared, f"A{last}": 8, f"B{last}": S.LEVEL_CRITERION, f"C{last}": "8.9",
                   f"D{last}": "Tiêu chí cán bộ thêm", f"E{last}": 1, f"F{last}": 0.5})
    res = import_index_results(master, TABLE24, year=2025)
    assert [f.cell for f in _codes(res.findings, "index_hand_row_added")] == [f"A{last}"]
    removed = _codes(res.findings, "index_hand_row_removed")
    assert len(removed) == 1 and "1.4.1" in removed[0].message and "dòng 6" in removed[0].message
    y24 = _years(master)["2024"]
    assert [c["code"] for c in y24["criteria"]] == ["8.9"]


def test_a_new_document_for_a_corrected_year_keeps_the_officials_value(master: Path, tmp_path: Path):
    import_index_results(master, TABLE24, year=2024)
    _edit(master, {f"F{H + 1}": 10.4})                  # area 1 corrected by hand (10,2 -> 10,4)
    corrected = _csv(tmp_path, {"11;10,5;10,2;0,8": "11;10,5;10,3;0,7", "7;7;6,5;0,5": "7;7;6,6;0,4"})
    res = import_index_results(master, corrected, year=2024)
    kept = _codes(res.findings, "index_kept")
    assert len(kept) == 1 and "10,4" in kept[0].message and "10,3" in kept[0].message
    y24 = _years(master)["2024"]
    assert _area(y24, 1)["appraised"] == 10.4            # the official's
    assert _area(y24, 1)["deducted"] == 0.7              # not edited by hand: the document's
    assert _area(y24, 2)["appraised"] == 6.6             # the document's
    rows = _rows(master)
    assert rows[H][5] == 10.4 and rows[H + 2][5] == 6.6


def test_scores_typed_before_any_import_are_the_officials(tmp_path: Path):
    path = tmp_path / "So.xlsx"
    areas = [IndexArea(area=a, max_points=10, appraised=8.0) for a in Area]
    write_master(Plan(info=PlanInfo(year=2025, commune="xã Thử", index_year=2024), index_areas=areas), path,
                 make_backup=False)
    res = import_index_results(path, TABLE24, year=2024)
    kept = _codes(res.findings, "index_kept")
    assert kept and all("tài liệu mới ghi" in f.message for f in kept)
    data = read_master(path)
    assert [a.appraised for a in data.plan.index_areas] == [8.0] * 8


# ---------------------------------------------------------------- formulas the official put in the master

def test_a_formula_an_import_would_change_refuses_by_cell(master: Path):
    import_index_results(master, TABLE24, year=2024)
    _edit(master, {f"F{H + 2}": "=0.3+0.4"})           # criterion 1.4.1, appraised (no value saved)
    sha = file_sha256(master)
    with pytest.raises(CchcError) as e:
        import_index_results(master, TABLE24, year=2025)
    f = e.value.finding
    assert f.code == "import_formula_cell" and f.cell == f"F{H + 2}" and "0,5" in f.message
    assert file_sha256(master) == sha
    out = runner.invoke(app, ["nhap-chi-so", str(master), "--tu-tep", str(TABLE24), "--nam", "2025"])
    assert out.exit_code == 1 and "công thức" in out.output and file_sha256(master) == sha


def test_a_formula_showing_what_the_import_writes_is_kept(master: Path, tmp_path: Path):
    from cchc_xl.report.pdf import find_soffice, recalculate

    if find_soffice() is None:
        pytest.skip("LibreOffice không có")
    import_index_results(master, TABLE24, year=2024)
    _edit(master, {f"F{H + 2}": "=0.25*2"})            # shows 0,5: what 2025's table writes there
    done = recalculate(master, tmp_path / "lo")          # the cached value, as Excel saves it
    shutil.copy(done, master)
    res = import_index_results(master, TABLE24, year=2025)
    assert res.written
    ws = load_workbook(master)[S.SHEET_INDEX]
    assert ws[f"F{H + 2}"].value == "=0.25*2"


def test_remediation_import_never_writes_over_a_formula(master: Path, tmp_path: Path):
    from cchc_xl.report.pdf import find_soffice, recalculate

    if find_soffice() is None:
        pytest.skip("LibreOffice không có")
    doc = tmp_path / REMEDIATION.name
    shutil.copy(REMEDIATION, doc)
    import_remediation(master, doc)
    j = S.col_letter(S.REMEDIATION_COLUMNS, "deadline_text")
    ref = f"{j}{S.FIRST_DATA_ROW}"
    shown = load_workbook(master)[S.SHEET_REMEDIATION][ref].value
    assert "Quý II/2025" in shown
    # the official's formula shows what the import wrote: not an edit of the value, and the
    # document now says something else
    _edit(master, {ref: f'="{shown}"'}, sheet=S.SHEET_REMEDIATION)
    shutil.copy(recalculate(master, tmp_path / "lo"), master)
    doc.write_text(doc.read_text(encoding="utf-8").replace("Quý II/2025", "Tháng 5/2025"), encoding="utf-8")
    sha = file_sha256(master)
    with pytest.raises(CchcError) as e:
        import_remediation(master, doc)
    assert e.value.finding.code == "import_formula_cell" and e.value.finding.cell == ref
    assert e.value.finding.sheet == S.SHEET_REMEDIATION and file_sha256(master) == sha


def test_buttons_keep_the_officials_column_and_read_formulas_only_where_they_can(master: Path, monkeypatch,
                                                                                   tmp_path: Path):
    from cchc_xl.xl import buttons
    from cchc_xl.xl.book_io import (alerts, apply_actions, book_formula_refs, book_payload_from_xlsx,
                                    enable_remote_engine, open_json_book)

    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "appdata"))
    monkeypatch.setenv("CCHC_XL_THU_MUC", str(tmp_path))
    enable_remote_engine()
    import_index_results(master, SEED)
    _edit(master, {f"P{H}": "Ghi chú", f"P{H + 1}": "đã rà soát"})
    book = open_json_book(book_payload_from_xlsx(master))
    assert book_formula_refs(book, [S.SHEET_INDEX]) == {}     # a JSON book has no formulas to give
    result = buttons.nhap_chi_so(book, str(TABLE24), 2024)
    # written, with the one rule of 'kiem-tra' the table breaks (area 1: criteria 0,5 of 0,8)
    assert [f.code for f in result.findings if f.severity == "error"] == ["area_sum_mismatch"], result.message
    after = apply_actions(book_payload_from_xlsx(master), book.json())
    assert alerts(book.json()) == [result.message]
    index = next(s for s in after["sheets"] if s["name"] == S.SHEET_INDEX)["values"]
    assert index[H - 1][11:14] == ["Thẩm định 2023", "Thẩm định 2024", "Tăng/giảm 2023→2024"]
    assert index[H - 1][15] == "Ghi chú" and index[H][15] == "đã rà soát"


@pytest.mark.parametrize("grid, first, expected", [
    ("=A1+1", (3, 2), {"B3"}),
    ("text", (1, 1), set()),
    (None, (1, 1), set()),
    ((("=1", "a", ""), ("", "=B2", "=")), (4, 1), {"A4", "B5"}),
    (("=1", "x", "=SUM(A1:A2)"), (2, 3), {"C2", "E2"}),        # one row given flat
])
def test_formula_refs_from_the_grid_excel_gives(grid, first, expected):
    assert formula_refs_from_grid(grid, *first) == expected


# ---------------------------------------------------------------- the pure rules

def _rec(*crits: tuple[str, str, float]) -> dict:
    return {"areas": [{"area": "1", "name": "A", "max_points": 10, "appraised": 8.0, "deducted": 2.0,
                       "self_assessed": None}],
            "criteria": [{"area": "1", "code": c, "name": n, "max_points": 1, "appraised": v, "deducted": None,
                          "self_assessed": None} for c, n, v in crits], "total": 8.0}


def _sheet(record: dict, first: int = 5, **changes) -> list[IY.SheetEntry]:
    out = []
    for n, (kind, key, e) in enumerate(IY.table_entries(record), start=first):
        e = dict(e, **changes.get(key, {}))
        out.append(IY.SheetEntry(kind, IY.entry_key(kind, e), e, n))
    return out


def test_compare_finds_edits_renames_in_place_additions_and_deletions():
    rec = _rec(("", "Tiêu chí không mã", 0.5), ("1.2", "Có mã", 0.7))
    assert IY.compare(rec, _sheet(rec), 5).empty
    renamed = _sheet(rec, **{"n1|tieu chi khong ma": {"name": "Tiêu chí đã đổi tên"}})
    diff = IY.compare(rec, renamed, 5)
    assert [(e.field, e.row, e.value) for e in diff.edits] == [("name", 6, "Tiêu chí đã đổi tên")]
    assert not diff.added and not diff.removed
    extra = IY.SheetEntry("criterion", "c1|1.9", {"area": "1", "code": "1.9", "name": "Mới", "appraised": 1}, 9)
    diff = IY.compare(rec, [e for e in _sheet(rec) if e.key != "c1|1.2"] + [extra], 5)
    assert [a.key for a in diff.added] == ["c1|1.9"] and [k for _, k, _ in diff.removed] == ["c1|1.2"]
    merged = IY.apply(rec, IY.compare(rec, _sheet(rec, a1={"appraised": 9.0}), 5))
    assert merged["total"] == 9.0 and rec["total"] == 8.0       # the record given is not changed


def test_merge_year_three_ways():
    base = _rec(("1.1", "X", 0.5), ("1.2", "Y", 0.7))
    mine = IY.apply(base, IY.compare(base, _sheet(base, **{"c1|1.1": {"appraised": 0.9}}), 5))
    theirs = _rec(("1.1", "X", 0.6), ("1.2", "Y", 0.8))
    merged, kept = IY.merge_year(base, mine, theirs)
    crit = {c["code"]: c["appraised"] for c in merged["criteria"]}
    assert crit == {"1.1": 0.9, "1.2": 0.8} and [(k.key, k.mine, k.theirs) for k in kept] == [("c1|1.1", 0.9, 0.6)]
    same_doc, kept = IY.merge_year(base, mine, base)           # the document unchanged: nothing to report
    assert {c["code"]: c["appraised"] for c in same_doc["criteria"]}["1.1"] == 0.9 and not kept
    assert IY.merge_year(base, base, theirs) == (theirs, [])    # no hand edits: the document
    deleted = {**base, "criteria": base["criteria"][1:]}
    merged, _ = IY.merge_year(base, deleted, base)
    assert [c["code"] for c in merged["criteria"]] == ["1.2"]  # deleted by hand, not changed since: stays deleted


@pytest.mark.parametrize("damage", ["{not json", '{"2023": {"areas": [{"area": "9", "max_points": 1}]}}',
                                    '{"x": {}}', '["2023"]'], ids=["syntax", "bad-area", "bad-year", "not-a-map"])
def test_damaged_record_of_the_years_refuses_rather_than_drop_them(master: Path, damage: str):
    import_index_results(master, SEED)
    wb = load_workbook(master)
    ws = wb[S.SHEET_META]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "chi_so_cac_nam")
    ws.cell(row, 2).value = damage
    wb.save(master)
    sha = file_sha256(master)
    with pytest.raises(CchcError) as e:
        import_index_results(master, TABLE24, year=2024)
    f = e.value.finding
    assert (f.code, f.sheet, f.cell) == ("master_index_years_damaged", S.SHEET_META, f"B{row}")
    assert "sao_luu" in f.message and file_sha256(master) == sha
