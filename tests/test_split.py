"""Tạo phiếu: splitting the master into unit workbooks (real files in tmp_path)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
import python_calamine as pc
import typer
from openpyxl import load_workbook
from typer.testing import CliRunner

from cchc_xl.core import schema as S
from cchc_xl.cli.roundtrip import register
from cchc_xl.core.records import meta_dict
from cchc_xl.workbook.master import read_master, write_master
from cchc_xl.core.models import CchcError, Plan
from cchc_xl.roundtrip.split import meta_cell_updates, split_master, split_master_detailed, split_plan
from cchc_xl.core.dispatch import ascii_slug, unit_code_from_file_name, unit_file_name
from cchc_xl.core.fingerprint import row_fingerprint
from cchc_xl.workbook.returned import read_unit_workbook

FIXTURE = Path(__file__).parent / "fixtures" / "roundtrip_plan.json"
AS_OF = dt.date(2025, 9, 14)
PERIOD = "Quý III/2025"
# Expected content of each unit workbook (tasks led by the unit, in plan order;
# II-02 is led by the group "Các phòng, ban chuyên môn" = all four units).
EXPECTED_TASKS = {
    "VP": ["I-02", "I-03", "II-02"],
    "VHXH": ["II-02", "III-01", "III-03"],
    "KT": ["II-02"],
    "PVHCC": ["II-02", "II-03", "II-09", "III-02"],
}
EXPECTED_REMEDIATION = {"VP": ["KP-01"], "VHXH": ["KP-02"], "KT": ["KP-02"], "PVHCC": []}


def load_plan() -> Plan:
    return Plan.model_validate_json(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture()
def master(tmp_path: Path) -> Path:
    path = tmp_path / "So_tong_hop_CCHC.xlsx"
    write_master(load_plan(), path, as_of=AS_OF)
    return path


def by_code(files: list[Path]) -> dict[str, Path]:
    return {unit_code_from_file_name(f.name): f for f in files}


def column_ids(path: Path, sheet: str) -> list[str]:
    ws = load_workbook(path)[sheet]
    return [ws.cell(r, 1).value for r in range(S.FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, 1).value]


def test_one_file_per_unit_with_exactly_its_tasks(master: Path, tmp_path: Path) -> None:
    files = split_master(master, tmp_path / "phieu", period_label=PERIOD, as_of=AS_OF)
    assert len(files) == 4
    for f in files:
        assert re.fullmatch(r"0[1-4]_[A-Z]+_[A-Za-z0-9-]+_Quy-III-2025\.xlsx", f.name), f.name
        assert f.name.isascii()
    files_by = by_code(files)
    assert set(files_by) == set(EXPECTED_TASKS)
    assert files_by["VHXH"].name == "02_VHXH_Phong-Van-hoa-Xa-hoi_Quy-III-2025.xlsx"
    for code, path in files_by.items():
        assert column_ids(path, S.SHEET_TASKS) == EXPECTED_TASKS[code]
        wb = load_workbook(path)
        if EXPECTED_REMEDIATION[code]:
            assert column_ids(path, S.SHEET_REMEDIATION) == EXPECTED_REMEDIATION[code]
        else:
            assert S.SHEET_REMEDIATION not in wb.sheetnames
        ws = wb[S.SHEET_TASKS]
        assert [c.value for c in ws[S.HEADER_ROW]] == [c.header for c in S.TASK_COLUMNS]


def test_only_tracking_columns_unlocked_and_sheet_protected(master: Path, tmp_path: Path) -> None:
    files = by_code(split_master(master, tmp_path / "phieu", period_label=PERIOD, as_of=AS_OF))
    wb = load_workbook(files["VHXH"])
    assert wb.security.lockStructure
    for sheet, columns in ((S.SHEET_TASKS, S.TASK_COLUMNS), (S.SHEET_REMEDIATION, S.REMEDIATION_COLUMNS)):
        ws = wb[sheet]
        assert ws.protection.sheet is True
        assert ws.protection.password  # hashed, present
        assert ws.protection.insertRows and ws.protection.deleteRows  # forbidden
        for j, col in enumerate(columns, start=1):
            cell = ws.cell(S.FIRST_DATA_ROW, j)
            assert cell.protection.locked is (not col.editable), (sheet, col.key)
        assert ws.cell(S.HEADER_ROW, 1).protection.locked
    assert wb[S.SHEET_GUIDE].protection.sheet is True


def test_dropdowns_formats_and_print_setup(master: Path, tmp_path: Path) -> None:
    files = by_code(split_master(master, tmp_path / "phieu", period_label=PERIOD, as_of=AS_OF))
    ws = load_workbook(files["PVHCC"])[S.SHEET_TASKS]
    dvs = {dv.type: dv for dv in ws.data_validations.dataValidation}
    assert set(dvs) == {"list", "decimal", "date"}
    assert "Đã hoàn thành" in dvs["list"].formula1
    assert str(dvs["list"].sqref) == "M5:M8"
    assert (dvs["decimal"].formula1, dvs["decimal"].formula2) == ("0", "100")
    assert str(dvs["date"].sqref) == "O5:O8"
    assert ws.freeze_panes == "B5"
    assert ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == "$4:$4"
    assert ws["E5"].font.name == "Times New Roman"
    assert ws["O5"].number_format == "dd/mm/yyyy"
    rules = [r for rng in ws.conditional_formatting for r in rng.rules]
    assert any("DATE(2025,9,14)" in r.formula[0] for r in rules)  # overdue as of the cut-off


def test_metadata_very_hidden_with_fingerprints(master: Path, tmp_path: Path) -> None:
    files = by_code(split_master(master, tmp_path / "phieu", period_label=PERIOD, as_of=AS_OF))
    path = files["VHXH"]
    wb = load_workbook(path)
    assert wb[S.SHEET_META].sheet_state == "veryHidden"
    cal = pc.CalamineWorkbook.from_path(str(path))
    vis = {m.name: m.visible for m in cal.sheets_metadata}
    assert vis[S.SHEET_META] == pc.SheetVisibleEnum.VeryHidden
    meta = meta_dict([tuple(r) for r in cal.get_sheet_by_name(S.SHEET_META).to_python(skip_empty_area=False)])
    assert meta["kind"] == "unit" and meta["unit_code"] == "VHXH"
    assert meta["unit_name"] == "Phòng Văn hóa - Xã hội"
    assert meta["commune"] == "xã Quảng Sơn" and int(meta["year"]) == 2025
    assert meta["period_label"] == PERIOD and int(meta["master_version"]) == 2
    assert json.loads(meta["task_ids"]) == EXPECTED_TASKS["VHXH"]
    assert json.loads(meta["remediation_ids"]) == ["KP-02"]
    assert meta["return_by"] == "2025-09-16"  # cut-off 14/9 + 2 days
    book = read_unit_workbook(path)
    assert len(book.sha256) == 64
    rows = book.sheets[S.SHEET_TASKS]
    for r, item in zip(rows[S.HEADER_ROW:], EXPECTED_TASKS["VHXH"]):
        values = {c.key: r[j] for j, c in enumerate(S.TASK_COLUMNS)}
        assert book.items[(S.SHEET_TASKS, item)].fingerprint == row_fingerprint(S.TASK_COLUMNS, values)
        assert book.items[(S.SHEET_TASKS, item)].base["status"] == "Chưa thực hiện"
    # the multi-unit task also carries the master's values as sent
    assert book.items[(S.SHEET_TASKS, "II-02")].master_base is not None
    assert book.items[(S.SHEET_TASKS, "III-01")].master_base is None


def test_instructions_sheet_in_vietnamese(master: Path, tmp_path: Path) -> None:
    files = by_code(split_master(master, tmp_path / "phieu", period_label=PERIOD, as_of=AS_OF,
                                 contact="Văn phòng HĐND và UBND xã, cchc.quangson@example.gov.vn"))
    ws = load_workbook(files["KT"])[S.SHEET_GUIDE]
    text = "\n".join(str(c.value) for c in ws["A"] if c.value)
    for phrase in ("Không sửa cột bị khóa", "Không chèn/xóa dòng", "Hạn gửi lại phiếu: 16/09/2025",
                   "Gửi lại cho: Văn phòng HĐND và UBND xã, cchc.quangson@example.gov.vn",
                   "Phòng Kinh tế", "Quý III/2025"):
        assert phrase in text


def test_master_version_bumped_recorded_and_backed_up(master: Path, tmp_path: Path) -> None:
    dashboard_before = [[c.value for c in row] for row in load_workbook(master)[S.SHEET_DASHBOARD].iter_rows()]
    split_master(master, tmp_path / "phieu", period_label=PERIOD, as_of=AS_OF)
    data = read_master(master)
    assert data.findings == []
    assert data.plan.info.master_version == 2
    wb = load_workbook(master)
    meta = meta_dict([tuple(r) for r in wb[S.SHEET_META].iter_rows(values_only=True)])
    assert int(meta["master_version"]) == 2
    splits = json.loads(meta["splits"])
    assert splits[-1]["version"] == 2 and splits[-1]["period"] == PERIOD and splits[-1]["date"] == "2025-09-14"
    assert list((master.parent / "sao_luu").glob("So_tong_hop_CCHC_*.xlsx"))
    # the dashboard (native formulas) is untouched
    assert [[c.value for c in row] for row in wb[S.SHEET_DASHBOARD].iter_rows()] == dashboard_before
    assert wb[S.SHEET_META].sheet_state == "veryHidden"
    # a second split issues version 3 and keeps the history
    split_master(master, tmp_path / "phieu2", period_label=PERIOD, as_of=AS_OF)
    meta = meta_dict([tuple(r) for r in load_workbook(master)[S.SHEET_META].iter_rows(values_only=True)])
    assert [s["version"] for s in json.loads(meta["splits"])] == [2, 3]


def test_refuses_master_with_duplicate_ids(master: Path, tmp_path: Path) -> None:
    wb = load_workbook(master)
    wb[S.SHEET_TASKS]["A7"] = "I-02"  # rows 5-7 hold I-01, I-02, I-03: row 7 now repeats row 6
    wb.save(master)
    before = master.read_bytes()
    with pytest.raises(CchcError) as err:
        split_master(master, tmp_path / "phieu", period_label=PERIOD, as_of=AS_OF)
    msg = str(err.value)
    assert "Không thể tạo phiếu" in msg and "bị trùng" in msg and "A7" in msg
    assert master.read_bytes() == before  # nothing written, version not bumped
    assert not (tmp_path / "phieu").exists() or not list((tmp_path / "phieu").iterdir())


def test_refuses_unreadable_tracking_cell(master: Path, tmp_path: Path) -> None:
    wb = load_workbook(master)
    wb[S.SHEET_TASKS]["N6"] = "tám mươi"
    wb.save(master)
    with pytest.raises(CchcError) as err:
        split_master(master, tmp_path / "phieu", period_label=PERIOD, as_of=AS_OF)
    assert "N6" in str(err.value) and "Tiến độ" in str(err.value)


@pytest.mark.parametrize("sheet, item, progress", [
    (S.SHEET_TASKS, "I-03", 150), (S.SHEET_TASKS, "II-02", -1), (S.SHEET_TASKS, "III-01", 100.5),
    (S.SHEET_REMEDIATION, "KP-02", 101)])
def test_refuses_a_progress_a_unit_workbook_cannot_carry(master: Path, tmp_path: Path, sheet: str, item: str,
                                                          progress: float) -> None:
    """A "Tiến độ" outside 0-100 reads as a number but cannot be sent: refused by cell, nothing written
    (it was a ValueError traceback after the first workbook was written)."""
    columns = S.TASK_COLUMNS if sheet == S.SHEET_TASKS else S.REMEDIATION_COLUMNS
    ref = f"{S.col_letter(columns, 'progress')}{read_master(master).rows[sheet][item]}"
    wb = load_workbook(master)
    wb[sheet][ref] = progress
    wb.save(master)
    before = master.read_bytes()
    with pytest.raises(CchcError) as err:
        split_master(master, tmp_path / "phieu", period_label=PERIOD, as_of=AS_OF)
    msg = str(err.value)
    assert "Không thể tạo phiếu" in msg and f"ô {ref}" in msg and f"trang '{sheet}'" in msg
    assert f"{item}: tiến độ {str(progress).replace('.', ',')}% nằm ngoài khoảng 0-100" in msg
    assert master.read_bytes() == before
    assert not (tmp_path / "phieu").exists() or not list((tmp_path / "phieu").iterdir())
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)
    res = CliRunner().invoke(app, ["tao-phieu", str(master), "--ky", PERIOD, "--ra", str(tmp_path / "phieu")],
                             env={"COLUMNS": "200"})
    assert res.exit_code == 1 and f"ô {ref}" in res.output and "Traceback" not in res.output
    assert master.read_bytes() == before


@pytest.mark.parametrize("code", ["VP", "vp ", "PVHCC"])
def test_refuses_a_unit_code_written_twice(master: Path, tmp_path: Path, code: str) -> None:
    """Two rows of "Đơn vị" with one code: two forms of that unit under one name were written -> refused,
    naming both rows, nothing written."""
    wb = load_workbook(master)
    ws = wb[S.SHEET_UNITS]
    extra = ws.max_row + 1
    ws[f"A{extra}"], ws[f"B{extra}"] = code, "Văn phòng (bản 2)"
    wb.save(master)
    before = master.read_bytes()
    with pytest.raises(CchcError) as err:
        split_master(master, tmp_path / "phieu", period_label=PERIOD, as_of=AS_OF)
    msg = str(err.value)
    assert "Không thể tạo phiếu" in msg and f"Mã đơn vị '{code.strip()}' bị trùng (đã có ở dòng" in msg
    assert f"trang '{S.SHEET_UNITS}', ô A{extra}" in msg
    assert master.read_bytes() == before
    assert not (tmp_path / "phieu").exists() or not list((tmp_path / "phieu").iterdir())


def test_selected_units_and_unknown_unit(master: Path, tmp_path: Path) -> None:
    files = split_master(master, tmp_path / "phieu", period_label=PERIOD, as_of=AS_OF, units=["VHXH"])
    assert [unit_code_from_file_name(f.name) for f in files] == ["VHXH"]
    with pytest.raises(CchcError, match="Không có đơn vị 'XYZ'"):
        split_master(master, tmp_path / "phieu", period_label=PERIOD, as_of=AS_OF, units=["XYZ"])


def test_split_plan_without_a_file_and_progress_callback(tmp_path: Path) -> None:
    plan = load_plan()
    seen: list[tuple[int, int, str]] = []
    files = split_plan(plan, tmp_path / "out", period_label=PERIOD, as_of=AS_OF,
                       progress=lambda d, t, label: seen.append((d, t, label)))
    assert len(files) == 4 and seen[-1][:2] == (4, 4)
    assert int(read_unit_workbook(files[0]).meta["master_version"]) == plan.info.master_version + 1


def test_meta_cell_updates_targets_existing_and_new_keys() -> None:
    rows = [("kind", "master"), ("master_version", 1), (None, None)]
    assert meta_cell_updates(rows, {"master_version": 2, "splits": "[]"}) == {
        "B2": 2, "A3": "splits", "B3": "[]"}


def test_file_name_helpers() -> None:
    assert ascii_slug("Phòng Văn hóa - Xã hội") == "Phong-Van-hoa-Xa-hoi"
    plan = load_plan()
    name = unit_file_name(4, plan.units[3], "Quý III/2025")
    assert name == "04_PVHCC_Trung-tam-Phuc-vu-hanh-chinh-cong_Quy-III-2025.xlsx"
    assert unit_code_from_file_name(name) == "PVHCC"
    assert unit_code_from_file_name("phieu da sua.xlsx") is None


def test_cli_tao_phieu(master: Path, tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # a 2nd command keeps typer in sub-command mode
    out = tmp_path / "phieu"
    res = CliRunner().invoke(app, ["tao-phieu", str(master), "--ky", PERIOD, "--ra", str(out),
                                   "--ngay-so-lieu", "14/09/2025", "--don-vi", "VP", "--don-vi", "KT"],
                             env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "Đã tạo 2 phiếu" in res.output and "01_VP_" in res.output
    assert sorted(p.name[:5] for p in out.iterdir()) == ["01_VP", "03_KT"]
    res = CliRunner().invoke(app, ["tao-phieu", str(tmp_path / "khong_co.xlsx"), "--ky", PERIOD])
    assert res.exit_code == 1 and "Không tìm thấy" in res.output


@pytest.mark.parametrize("day, warned", [("20/09/2025", True), ("14/09/2025", False), ("01/09/2025", False)])
def test_cli_tao_phieu_warns_of_a_report_date_after_the_cut_off(master: Path, tmp_path: Path, day: str,
                                                                  warned: bool) -> None:
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)
    res = CliRunner().invoke(app, ["tao-phieu", str(master), "--ky", PERIOD, "--ra", str(tmp_path / "phieu"),
                                   "--ngay-so-lieu", day], env={"COLUMNS": "300"})
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert (f"Ngày số liệu {day} (--ngay-so-lieu) sau ngày chốt số liệu 14/09/2025" in text) == warned, text


def test_split_detailed_reports_unassigned_task(master: Path, tmp_path: Path) -> None:
    result = split_master_detailed(master, tmp_path / "phieu", period_label=PERIOD, as_of=AS_OF)
    assert result.version == 2 and result.counts["PVHCC"] == (4, 0)
    [finding] = result.findings
    assert finding.task_id == "I-01" and finding.cell == "L5" and "chưa xác định đơn vị" in finding.message
    shutil.rmtree(tmp_path / "phieu")


# ---------------------------------------------------------------- the printed unit workbook

def _dims(ws) -> dict[int, tuple[float, bool, int]]:
    """Column number -> (width, hidden, outline level), expanding <col min..max> ranges."""
    out = {}
    for dim in ws.column_dimensions.values():
        for j in range((dim.min or 0), (dim.max or 0) + 1):
            out[j] = (dim.width or 8.43, bool(dim.hidden), dim.outline_level or 0)
    return out


def test_unit_workbook_prints_legibly_like_the_master(master: Path, tmp_path: Path) -> None:
    """Technical columns folded (hidden, not deleted: the fingerprints still cover them), the
    master's print widths, wrapped text in rows as tall as their text: one A4 page wide at a
    readable scale (17 columns squeezed on one page printed at about 45 %)."""
    from cchc_xl.workbook.styling import GROUPED_COLUMNS, lines_height, wrapped_lines

    files = by_code(split_master(master, tmp_path / "phieu", period_label=PERIOD, as_of=AS_OF))
    wb = load_workbook(files["VHXH"])
    ws = wb[S.SHEET_TASKS]
    dims = _dims(ws)
    folded = {S.col_index(S.TASK_COLUMNS, k) for k in GROUPED_COLUMNS[S.SHEET_TASKS]}
    assert {S.header_of(S.TASK_COLUMNS, k) for k in GROUPED_COLUMNS[S.SHEET_TASKS]} == {
        "Phần", "TT", "Mã đơn vị chủ trì", "Tiêu chí (gợi ý)"}
    for j in range(1, len(S.TASK_COLUMNS) + 1):
        width, hidden, level = dims[j]
        assert hidden is (j in folded) and (level == 1) is (j in folded), j
    assert [c.value for c in ws[S.HEADER_ROW]] == [c.header for c in S.TASK_COLUMNS]  # nothing moved
    visible = sum(w for j, (w, hidden, _) in dims.items() if j <= len(S.TASK_COLUMNS) and not hidden)
    printable = 842 - (ws.page_margins.left + ws.page_margins.right) * 72
    assert printable / (visible * 5.5) >= 0.65          # 5.5 pt per width unit (Times New Roman 11)
    # fitToWidth absent = 1 (the schema default; XlsxWriter writes only other values)
    assert int(ws.page_setup.fitToWidth or 1) == 1 and ws.page_setup.fitToHeight in (0, "0")
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.orientation == "landscape"
    for r in range(S.FIRST_DATA_ROW, ws.max_row + 1):
        lines = max(wrapped_lines(ws.cell(r, j).value, dims[j][0])
                    for j, c in enumerate(S.TASK_COLUMNS, start=1)
                    if j not in folded and c.kind in ("text", "longtext", "choice") and ws.cell(r, j).value)
        assert (ws.row_dimensions[r].height or 15.0) >= lines_height(lines), r
        for j, col in enumerate(S.TASK_COLUMNS, start=1):  # every row styled, not only the first
            cell = ws.cell(r, j)
            assert cell.font.name == "Times New Roman" and cell.border.left.style == "thin", (r, j)
            assert cell.protection.locked is (not col.editable), (r, col.key)
            assert bool(cell.alignment.wrap_text) is (col.kind in ("text", "longtext", "choice")), (r, col.key)
    assert ws.cell(S.FIRST_DATA_ROW + 2, S.col_index(S.TASK_COLUMNS, "due")).number_format == "dd/mm/yyyy"


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) chưa được cài")
def test_unit_workbook_pdf_shows_the_columns_to_fill(master: Path, tmp_path: Path) -> None:
    import subprocess
    import unicodedata

    from cchc_xl.report.pdf import to_pdf

    files = by_code(split_master(master, tmp_path / "phieu", period_label=PERIOD, as_of=AS_OF))
    pdf = to_pdf(files["PVHCC"], tmp_path / "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = [unicodedata.normalize("NFC", p) for p in text.split("\f") if p.strip()]
    squash = "".join(pages[0].split())
    for header in ("Mã NV", "Nhiệm vụ", "Trạng thái", "Tiến độ (%)", "Ngày hoàn thành", "Minh chứng", "Ghi chú"):
        assert all(w in squash for w in header.split()), header
    assert "Mãđơnvịchủtrì" not in squash                       # folded away
    assert "###" not in text and "II-09" in squash and "III-02" in squash
    assert len(pages) <= 4  # 4 tasks + guide, not a page per column strip


# ---------------------------------------------------------------- text is never a live formula

FORMULA_LIKE = ("=HYPERLINK(\"http://x.invalid\",\"bấm\")", "=cmd|' /C calc'!A0", "+1+1", "-2", "@SUM(1)",
                "http://example.invalid/minh-chung", "0912345678", "1e5")


def test_formula_like_texts_reach_the_unit_workbook_as_text(tmp_path: Path) -> None:
    """Every text of the master is written as text (``write_string``): no ``<f>``, no number,
    no hyperlink, in the data sheets and in ``_meta`` - for openpyxl, calamine and the raw XML."""
    import itertools
    import zipfile

    from cchc_xl.files.xlsx_patch import sheet_parts
    from cchc_xl.files.sheet_scan import formula_cells

    plan = load_plan()
    texts = itertools.cycle(FORMULA_LIKE)
    tasks = [t.model_copy(update={"note": next(texts), "evidence": next(texts), "product": next(texts)})
             for t in plan.tasks]
    plan = plan.model_copy(update={"tasks": tasks})
    files = split_plan(plan, tmp_path / "phieu", period_label=PERIOD, as_of=AS_OF)
    seen = set()
    for f in files:
        with zipfile.ZipFile(f) as z:
            parts = sheet_parts(z)
            for sheet, part in parts.items():
                xml = z.read(part)
                assert not formula_cells(xml) and b"<f>" not in xml, (f.name, sheet)
            assert not any(n.startswith("xl/worksheets/_rels") for n in z.namelist())   # no hyperlinks
        wb = load_workbook(f)
        ws = wb[S.SHEET_TASKS]
        for row in ws.iter_rows(min_row=S.FIRST_DATA_ROW):
            for c in row:
                if c.value in FORMULA_LIKE:
                    assert c.data_type == "s", (f.name, c.coordinate)
                    # a formula lead gets Excel's quote prefix: editing the cell keeps it text
                    assert c.quotePrefix is (c.value[0] in "=+-@"), (f.name, c.coordinate)
                    seen.add(c.value)
        book = read_unit_workbook(f)
        assert not book.formula_cells
    assert seen == set(FORMULA_LIKE)


def test_unit_workbook_structure_and_print_setup_for_every_reader(master: Path, tmp_path: Path) -> None:
    """What the XlsxWriter builder must keep: structure lock with the sheet password hash, the
    filter and print-title names on the data sheet, frozen header, widths of the schema."""
    files = by_code(split_master(master, tmp_path / "phieu", period_label=PERIOD, as_of=AS_OF))
    wb = load_workbook(files["VP"])
    assert wb.security.lockStructure and wb.security.workbookPassword == "CA75"   # hash of "cchc"
    assert wb.sheetnames == [S.SHEET_TASKS, S.SHEET_REMEDIATION, S.SHEET_GUIDE, S.SHEET_META]
    assert wb.active.title == S.SHEET_TASKS
    ws = wb[S.SHEET_TASKS]
    assert ws.freeze_panes == f"B{S.FIRST_DATA_ROW}"
    last_col = S.col_letter(S.TASK_COLUMNS, S.TASK_COLUMNS[-1].key)
    assert ws.auto_filter.ref == f"A{S.HEADER_ROW}:{last_col}{S.FIRST_DATA_ROW + len(EXPECTED_TASKS['VP']) - 1}"
    assert ws.protection.password == "CA75" and not ws.protection.formatColumns and ws.protection.sort
    assert ws.protection.insertRows and ws.protection.deleteRows and not ws.protection.autoFilter
    assert ws.page_setup.paperSize in (9, "9") and ws.oddFooter.center.text == "Trang &P/&N"
    from cchc_xl.workbook.styling import PRINT_WIDTHS, column_widths

    widths = column_widths(S.TASK_COLUMNS, PRINT_WIDTHS.get(S.SHEET_TASKS))
    assert ws.column_dimensions[S.col_letter(S.TASK_COLUMNS, "title")].width == widths["title"]
    guide = wb[S.SHEET_GUIDE]
    assert guide.column_dimensions["A"].width == 120 and guide.page_setup.orientation == "portrait"
    assert guide["A1"].font.b and guide["A1"].font.sz == 13


def test_unit_workbook_writer_never_writes_a_guessed_type() -> None:
    """XlsxWriter's generic ``write`` turns "=..." into a formula and "http..." into a link: the
    unit-workbook writer only calls the typed writers (``write_string`` for every text)."""
    import ast

    import cchc_xl.workbook.unitbook as U

    calls = {node.func.attr for node in ast.walk(ast.parse(Path(U.__file__).read_text(encoding="utf-8")))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
             and node.func.attr.startswith("write")}
    assert "write" not in calls and "write_formula" not in calls and "write_url" not in calls
    assert "write_string" in calls
