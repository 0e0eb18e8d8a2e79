"""Tổng hợp: merging returned unit workbooks into the master (real files in tmp_path).

Returned files are made like an official would: the unit workbook is opened
with openpyxl, tracking cells are changed, and the file is saved (one test
re-saves it with LibreOffice too).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest
import typer
from openpyxl import load_workbook
from typer.testing import CliRunner

from cchc_xl.core import schema as S
from cchc_xl.cli.roundtrip import register
from cchc_xl.files.xlsx_patch import patch_xlsx
from cchc_xl.roundtrip.consolidate import consolidate
from cchc_xl.roundtrip.consolidate.merge import derive_tracking, plan_consolidation, plan_from_sheets
from cchc_xl.roundtrip.consolidate.plan import ConsolidationPlan
from cchc_xl.roundtrip.consolidate.write import apply_with
from cchc_xl.workbook.master import read_master
from cchc_xl.core.models import CchcError
from cchc_xl.roundtrip.split import split_master

AS_OF = dt.date(2025, 9, 14)
PERIOD = "Quý III/2025"
COL = {c.key: c for c in S.TASK_COLUMNS}
LETTER = {c.key: S.col_letter(S.TASK_COLUMNS, c.key) for c in S.TASK_COLUMNS}


def fill(src: Path, inbox: Path, sheet: str, changes: dict[str, dict[str, Any]], *, name: str | None = None,
         text_cells: dict[str, str] | None = None) -> Path:
    """Open a unit workbook, set cells of rows found by id, save into ``inbox``."""
    wb = load_workbook(src)
    ws = wb[sheet]
    columns = S.TASK_COLUMNS if sheet == S.SHEET_TASKS else S.REMEDIATION_COLUMNS
    rows = {ws.cell(r, 1).value: r for r in range(S.FIRST_DATA_ROW, ws.max_row + 1)}
    for item, values in changes.items():
        for key, value in values.items():
            ws.cell(rows[item], S.col_index(columns, key), value=value)
    for ref, text in (text_cells or {}).items():  # text that looks like a formula, stored as text
        ws[ref].value = text
        ws[ref].data_type = "s"
    out = inbox / (name or src.name)
    wb.save(out)
    return out


def tasks(master: Path) -> dict[str, Any]:
    data = read_master(master)
    assert [f for f in data.findings if f.severity == "error"] == []
    return {t.id: t for t in data.plan.tasks}


def sheet_rows(master: Path, sheet: str) -> list[tuple]:
    ws = load_workbook(master)[sheet]
    return [r for r in ws.iter_rows(min_row=S.FIRST_DATA_ROW, values_only=True) if any(v is not None for v in r)]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- the happy path

def test_returns_update_master_and_audit_log(env: dict[str, Path]) -> None:
    vhxh = fill(env["VHXH"], env["inbox"], S.SHEET_TASKS, {
        "III-03": {"status": "Đã hoàn thành", "progress": 100, "completed_on": dt.date(2025, 9, 10),
                   "evidence": "Quyết định số 125/QĐ-UBND ngày 10/9/2025"},
        "III-01": {"status": "Đang thực hiện", "progress": 40, "note": "- Đã xin ý kiến các đơn vị"}})
    fill(env["PVHCC"], env["inbox"], S.SHEET_TASKS, {"II-09": {"status": "Đang thực hiện", "progress": 60}})
    result = consolidate(env["master"], env["inbox"], as_of=AS_OF, user="Nguyễn Văn Thư",
                         now=dt.datetime(2025, 9, 15, 9, 30))
    assert result.written and not result.has_problems
    t = tasks(env["master"])
    assert (t["III-03"].status.value, t["III-03"].progress, t["III-03"].completed_on) == \
        ("Đã hoàn thành", 100, dt.date(2025, 9, 10))
    assert t["III-03"].evidence == "Quyết định số 125/QĐ-UBND ngày 10/9/2025"
    assert (t["III-01"].status.value, t["III-01"].progress) == ("Đang thực hiện", 40)
    assert t["III-01"].note == "- Đã xin ý kiến các đơn vị"  # a bullet is text, not a formula
    assert (t["II-09"].status.value, t["II-09"].progress) == ("Đang thực hiện", 60)
    assert t["I-02"].progress == 0  # untouched
    audit = sheet_rows(env["master"], S.SHEET_AUDIT)
    updated = [r for r in audit if r[9] == "Đã cập nhật"]
    assert len(updated) == 9  # III-03: 4 fields, III-01: 3, II-09: 2
    row = next(r for r in updated if r[5] == "III-03" and r[6] == "Tiến độ (%)")
    assert row[:5] == ("15/09/2025 09:30:00", "Nguyễn Văn Thư", vhxh.name, sha(vhxh), "VHXH")
    assert row[7:] == ("0", "100", "Đã cập nhật")
    assert next(r for r in updated if r[5] == "III-03" and r[6] == "Ngày hoàn thành")[8] == "10/09/2025"
    summaries = [r for r in audit if r[9] == "Đã tổng hợp tệp"]
    assert len(summaries) == 2  # the two files that came back
    assert result.backup is not None and result.backup.exists()
    assert result.backup.parent.name == "sao_luu"
    assert "Đã tổng hợp" in result.summary_text() and "VHXH" in result.summary_text()


def test_running_twice_changes_nothing(env: dict[str, Path]) -> None:
    fill(env["VHXH"], env["inbox"], S.SHEET_TASKS, {"III-03": {"progress": 70}})
    first = consolidate(env["master"], env["inbox"], as_of=AS_OF)
    assert len(first.plan.master_changes) == 1
    before, audit_before = sha(env["master"]), sheet_rows(env["master"], S.SHEET_AUDIT)
    second = consolidate(env["master"], env["inbox"], as_of=AS_OF)
    assert second.plan.changes == [] and not second.written
    assert [f.status for f in second.plan.files] == ["Đã tổng hợp trước đó"]
    assert sha(env["master"]) == before
    assert sheet_rows(env["master"], S.SHEET_AUDIT) == audit_before


def test_dry_run_writes_nothing(env: dict[str, Path]) -> None:
    fill(env["VHXH"], env["inbox"], S.SHEET_TASKS, {"III-03": {"progress": 70}})
    before = sha(env["master"])
    result = consolidate(env["master"], env["inbox"], as_of=AS_OF, dry_run=True)
    assert len(result.plan.master_changes) == 1 and result.plan.master_changes[0].cell == "N13"
    assert sha(env["master"]) == before and result.backup is None
    assert not (env["master"].parent / "sao_luu").exists()


# ---------------------------------------------------------------- conflicts and rejections

def test_conflict_is_reported_and_not_applied(env: dict[str, Path]) -> None:
    wb = load_workbook(env["master"])  # the secretary edits the master after the split
    ws = wb[S.SHEET_TASKS]
    row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == "III-03")
    ws.cell(row, S.col_index(S.TASK_COLUMNS, "progress"), value=30)
    ws.cell(row, S.col_index(S.TASK_COLUMNS, "note"), value="Đã nhắc Phòng VHXH")
    wb.save(env["master"])
    fill(env["VHXH"], env["inbox"], S.SHEET_TASKS, {
        "III-03": {"progress": 100, "note": "Đã nhắc Phòng VHXH", "evidence": "Tờ trình 88/TTr-VHXH"}})
    result = consolidate(env["master"], env["inbox"], as_of=AS_OF)
    [c] = result.conflicts
    assert (c.item_id, c.column_key, c.mine, c.theirs, c.base, c.cell) == ("III-03", "progress", "30", "100", "0",
                                                                          f"N{row}")
    assert "trong sổ là '30'" in c.message() and "VHXH gửi '100'" in c.message()
    t = tasks(env["master"])
    assert t["III-03"].progress == 30  # not applied
    assert t["III-03"].evidence == ""   # nor the rest of the row: applied whole or not at all
    (held,) = [f for f in result.findings if f.code == "row_held"]
    assert f"ô N{row}" in held.message and "Minh chứng 'Tờ trình 88/TTr-VHXH'" in held.message
    audit = sheet_rows(env["master"], S.SHEET_AUDIT)
    assert [r[5:] for r in audit if r[9] == "Xung đột"] == [("III-03", "Tiến độ (%)", "30", "100", "Xung đột")]
    assert [r[5:9] for r in audit if str(r[9]).startswith("Cảnh báo: chưa cập nhật")] == [
        ("III-03", "Minh chứng", None, "Tờ trình 88/TTr-VHXH")]


def test_tampered_locked_column_rejects_row_with_cell(env: dict[str, Path]) -> None:
    fill(env["VHXH"], env["inbox"], S.SHEET_TASKS, {
        "III-01": {"title": "Nhiệm vụ đã được sửa", "progress": 90},
        "III-03": {"progress": 20}})
    result = consolidate(env["master"], env["inbox"], as_of=AS_OF)
    [rej] = result.rejections
    assert rej.item_id == "III-01" and rej.cell == "E6" and rej.sheet == S.SHEET_TASKS
    assert "Cột bị khóa" in rej.reason and "Nhiệm vụ" in rej.reason
    t = tasks(env["master"])
    assert t["III-01"].progress == 0 and t["III-01"].title.startswith("Xây dựng Kế hoạch")
    assert t["III-03"].progress == 20  # the rest of the file still applies


def test_wrong_unit_file_rejected(env: dict[str, Path]) -> None:
    # the VHXH workbook sent under KT's file name
    kt_name = env["KT"].name
    fill(env["VHXH"], env["inbox"], S.SHEET_TASKS, {"III-03": {"progress": 50}}, name=kt_name)
    result = consolidate(env["master"], env["inbox"], as_of=AS_OF)
    [f] = result.rejected_files
    assert f.file == kt_name and "Tên tệp ghi đơn vị KT" in f.reason and "VHXH" in f.reason
    assert tasks(env["master"])["III-03"].progress == 0


def test_rows_of_another_unit_rejected(env: dict[str, Path]) -> None:
    # metadata says KT, but rows III-01/III-03 belong to VHXH (II-02 is shared with KT): the
    # master did not send those rows to KT, so the file is not KT's form - not one row of it is
    # taken as KT's (II-02 was applied as KT's report before the master's record was checked)
    wb = load_workbook(env["VHXH"])
    meta = wb[S.SHEET_META]
    row = next(r for r in range(1, meta.max_row + 1) if meta.cell(r, 1).value == "unit_code")
    meta.cell(row, 2, value="KT")
    ws = wb[S.SHEET_TASKS]
    ws["N6"] = 55
    path = env["inbox"] / "phieu_kinh_te.xlsx"
    wb.save(path)
    result = consolidate(env["master"], env["inbox"], as_of=AS_OF)
    [f] = result.rejected_files
    assert "Phiếu ghi là của đơn vị KT" in f.reason and "III-01" in f.reason and "không phải phiếu đã gửi" in f.reason
    assert tasks(env["master"])["III-01"].progress == 0
    assert not result.plan.master_changes and not result.plan.new_unit_reports


def test_unknown_id_rejected_and_deleted_row_warned(env: dict[str, Path]) -> None:
    fill(env["VHXH"], env["inbox"], S.SHEET_TASKS, {"III-01": {"id": "IX-99", "progress": 10}})
    result = consolidate(env["master"], env["inbox"], as_of=AS_OF)
    [rej] = result.rejections
    assert rej.reason == "Mã NV IX-99 không có trong sổ tổng hợp" and rej.cell == "A6"
    warn = [f for f in result.findings if f.code == "row_deleted"]
    assert [w.task_id for w in warn] == ["III-01"]


def test_formula_hyperlink_and_dde_cells_rejected(env: dict[str, Path]) -> None:
    fill(env["VHXH"], env["inbox"], S.SHEET_TASKS,
         {"III-01": {"evidence": '=HYPERLINK("http://evil.example","Bấm vào đây")', "progress": 45},
          "III-03": {"note": "=1+2"}},
         text_cells={"Q6": "=cmd|' /C calc'!A0", "P7": "@SUM(1+1)"})
    result = consolidate(env["master"], env["inbox"], as_of=AS_OF)
    cells = sorted(r.cell for r in result.rejections)
    assert cells == ["P6", "P7", "Q6", "Q7"]
    assert all(r.sheet == S.SHEET_TASKS and r.file.startswith("02_VHXH") for r in result.rejections)
    assert any("chứa công thức" in r.reason for r in result.rejections if r.cell == "P6")
    assert any("công thức độc hại" in r.reason for r in result.rejections if r.cell == "Q6")
    t = tasks(env["master"])
    # a rejected cell never leaves its row half applied: the progress of III-01 is not taken either
    assert t["III-01"].progress == 0 and t["III-01"].evidence == "" and t["III-01"].note == ""
    wb = load_workbook(env["master"])
    # the rejected texts are logged as written (not mangled) and stay text, never a formula
    logged = [c for row in wb[S.SHEET_AUDIT].iter_rows() for c in row if isinstance(c.value, str)]
    assert "=cmd|' /C calc'!A0" in {c.value for c in logged}
    assert all(c.data_type == "s" for c in logged)
    assert all(c.data_type != "f" for ws in (wb[S.SHEET_TASKS], wb[S.SHEET_AUDIT]) for row in ws.iter_rows()
               for c in row)


def test_invalid_values_rejected_with_cell(env: dict[str, Path]) -> None:
    fill(env["PVHCC"], env["inbox"], S.SHEET_TASKS, {
        "II-03": {"status": "Xong rồi nhé"}, "II-09": {"progress": 150},
        "III-02": {"completed_on": dt.date(2025, 10, 1), "progress": 100}})
    result = consolidate(env["master"], env["inbox"], as_of=AS_OF)
    got = {r.cell: r.reason for r in result.rejections}
    assert set(got) == {"M6", "N7", "O8"}
    assert "không có trong danh sách" in got["M6"]
    assert "ngoài khoảng 0 - 100" in got["N7"]
    assert "01/10/2025 của III-02 sau ngày số liệu 14/09/2025" in got["O8"]
    # the whole row of the rejected date is left as it was (not "100 %" without its date)
    assert tasks(env["master"])["III-02"].progress == 0


def test_bad_files_rejected_while_others_apply(env: dict[str, Path]) -> None:
    inbox = env["inbox"]
    fill(env["VHXH"], inbox, S.SHEET_TASKS, {"III-03": {"progress": 65}})
    (inbox / "bi_hong.xlsx").write_bytes(b"PK\x03\x04 day khong phai tep excel" * 10)
    (inbox / "mau_cu.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    (inbox / "rong.xlsx").write_bytes(b"")
    (inbox / "so_lieu.csv").write_text("Mã NV;Tiến độ\nIII-03;100\n", encoding="utf-8")
    (inbox / "ghi_chu.docx").write_bytes(b"PK\x03\x04")
    (inbox / "mat_khau.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64
                                          + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 64)
    shutil.copy(env["master"], inbox / "so_khac.xlsx")  # a workbook, but not a unit workbook
    (inbox / "~$02_VHXH_dang_mo.xlsx").write_bytes(b"lock")  # Excel lock file: ignored
    result = consolidate(env["master"], inbox, as_of=AS_OF)
    reasons = {f.file: f.reason for f in result.rejected_files}
    assert set(reasons) == {"bi_hong.xlsx", "mau_cu.xls", "rong.xlsx", "so_lieu.csv", "ghi_chu.docx",
                            "mat_khau.xlsx", "so_khac.xlsx"}
    assert "hỏng" in reasons["bi_hong.xlsx"]
    assert ".xls" in reasons["mau_cu.xls"] and "97-2003" in reasons["mau_cu.xls"]
    assert "rỗng" in reasons["rong.xlsx"]
    assert "CSV" in reasons["so_lieu.csv"]
    assert "Không phải tệp Excel" in reasons["ghi_chu.docx"]
    assert "mật khẩu" in reasons["mat_khau.xlsx"]
    assert "Không phải phiếu đơn vị" in reasons["so_khac.xlsx"]
    assert tasks(env["master"])["III-03"].progress == 65
    # a second run: the good file is skipped, the bad ones are reported but not logged again
    n_audit = len(sheet_rows(env["master"], S.SHEET_AUDIT))
    again = consolidate(env["master"], inbox, as_of=AS_OF)
    assert len(again.rejected_files) == 7 and not again.written
    assert len(sheet_rows(env["master"], S.SHEET_AUDIT)) == n_audit


def test_version_never_issued_rejected_older_version_warned(env: dict[str, Path]) -> None:
    wb = load_workbook(env["VHXH"])
    meta = wb[S.SHEET_META]
    row = next(r for r in range(1, meta.max_row + 1) if meta.cell(r, 1).value == "master_version")
    meta.cell(row, 2, value=7)
    wb.save(env["inbox"] / env["VHXH"].name)
    result = consolidate(env["master"], env["inbox"], as_of=AS_OF)
    assert "chưa từng tạo phiếu phiên bản này" in result.rejected_files[0].reason
    # a newer split: the old KT workbook is still accepted, with a warning
    split_master(env["master"], env["master"].parent / "phieu_moi", period_label=PERIOD, as_of=AS_OF)
    fill(env["KT"], env["inbox"], S.SHEET_REMEDIATION, {"KP-02": {"progress": 30}})
    result = consolidate(env["master"], [env["inbox"] / env["KT"].name], as_of=AS_OF)
    assert [f.code for f in result.findings if f.severity == "warning"] == ["old_version"]
    assert not result.rejections


# ---------------------------------------------------------------- several lead units

def test_multi_unit_task_derived_from_unit_reports(env: dict[str, Path]) -> None:
    inbox = env["inbox"]
    fill(env["VP"], inbox, S.SHEET_TASKS, {"II-02": {"status": "Đã hoàn thành", "progress": 100,
                                                     "completed_on": dt.date(2025, 9, 1), "evidence": "BC 15/BC-VP"}})
    fill(env["VHXH"], inbox, S.SHEET_TASKS, {"II-02": {"status": "Đang thực hiện", "progress": 50}})
    consolidate(env["master"], inbox, as_of=AS_OF)
    t = tasks(env["master"])["II-02"]
    assert (t.status.value, t.progress, t.completed_on) == ("Đang thực hiện", 37.5, None)  # (100+50+0+0)/4
    assert t.evidence == "[VP] BC 15/BC-VP"
    reports = {(r[0], r[1]): r for r in sheet_rows(env["master"], S.SHEET_UNIT_REPORTS)}
    assert set(reports) == {("II-02", "VP"), ("II-02", "VHXH")}
    assert reports[("II-02", "VP")][2:5] == ("Đã hoàn thành", 100, dt.datetime(2025, 9, 1))
    # the others finish; VHXH sends a second, later return of the same workbook
    for code in ("KT", "PVHCC"):
        fill(env[code], inbox, S.SHEET_TASKS, {"II-02": {"status": "Đã hoàn thành", "progress": 100,
                                                         "completed_on": dt.date(2025, 9, 5)}})
    fill(env["VHXH"], inbox, S.SHEET_TASKS, {"II-02": {"status": "Đã hoàn thành", "progress": 100,
                                                       "completed_on": dt.date(2025, 9, 12)}},
         name="02_VHXH_lan_2.xlsx")
    result = consolidate(env["master"], inbox, as_of=AS_OF)
    assert not result.has_problems
    t = tasks(env["master"])["II-02"]
    assert (t.status.value, t.progress, t.completed_on) == ("Đã hoàn thành", 100, dt.date(2025, 9, 12))
    reports = {(r[0], r[1]): r for r in sheet_rows(env["master"], S.SHEET_UNIT_REPORTS)}
    assert len(reports) == 4 and reports[("II-02", "VHXH")][3] == 100


def test_multi_unit_remediation_and_derive_rules(env: dict[str, Path]) -> None:
    fill(env["KT"], env["inbox"], S.SHEET_REMEDIATION, {"KP-02": {"status": "Đang thực hiện", "progress": 40}})
    consolidate(env["master"], env["inbox"], as_of=AS_OF)
    rem = {r.id: r for r in read_master(env["master"]).plan.remediation}
    assert (rem["KP-02"].status.value, rem["KP-02"].progress) == ("Đang thực hiện", 20)
    base = {"status": "Chưa thực hiện", "progress": 0.0, "completed_on": None, "evidence": "", "note": ""}
    done = dict(base, status="Đã hoàn thành", progress=100.0, completed_on=dt.date(2025, 9, 1))
    cancelled = dict(base, status="Không thực hiện")
    assert derive_tracking([done, cancelled], ["A", "B"])["status"] == "Đã hoàn thành"
    assert derive_tracking([cancelled, cancelled], ["A", "B"])["status"] == "Không thực hiện"
    assert derive_tracking([base, base], ["A", "B"])["status"] == "Chưa thực hiện"


# ---------------------------------------------------------------- adapters and the file after writing

def test_master_still_opens_and_dashboard_formulas_intact(env: dict[str, Path]) -> None:
    before = [[c.value for c in row] for row in load_workbook(env["master"])[S.SHEET_DASHBOARD].iter_rows()]
    names_before = set(load_workbook(env["master"]).defined_names)
    fill(env["VHXH"], env["inbox"], S.SHEET_TASKS, {"III-03": {"status": "Đã hoàn thành", "progress": 100,
                                                               "completed_on": dt.date(2025, 9, 10)}})
    consolidate(env["master"], env["inbox"], as_of=AS_OF)
    wb = load_workbook(env["master"])
    assert [[c.value for c in row] for row in wb[S.SHEET_DASHBOARD].iter_rows()] == before
    assert any(isinstance(v, str) and v.startswith("=") for row in before for v in row)
    assert set(wb.defined_names) == names_before
    ws = wb[S.SHEET_TASKS]
    cell = ws[f"O{13}"]
    assert cell.value == dt.datetime(2025, 9, 10) and cell.number_format == "dd/mm/yyyy"
    assert ws.data_validations.dataValidation  # dropdowns kept
    assert wb[S.SHEET_META].sheet_state == "veryHidden"


def test_openpyxl_engine_and_patch_engine_agree(env: dict[str, Path], tmp_path: Path) -> None:
    fill(env["VHXH"], env["inbox"], S.SHEET_TASKS, {"III-03": {"progress": 100, "status": "Đã hoàn thành",
                                                               "completed_on": dt.date(2025, 9, 2)}})
    fill(env["VP"], env["inbox"], S.SHEET_TASKS, {"II-02": {"progress": 80, "evidence": "Báo cáo 3 & 4 <đợt 1>"}})
    other = tmp_path / "ban_sao.xlsx"
    shutil.copy(env["master"], other)
    now = dt.datetime(2025, 9, 15, 8, 0)
    consolidate(env["master"], env["inbox"], as_of=AS_OF, engine="patch", now=now)
    consolidate(other, env["inbox"], as_of=AS_OF, engine="openpyxl", now=now)
    for sheet in (S.SHEET_TASKS, S.SHEET_AUDIT, S.SHEET_UNIT_REPORTS, S.SHEET_REMEDIATION):
        assert sheet_rows(env["master"], sheet) == sheet_rows(other, sheet), sheet
    assert read_master(env["master"]).plan == read_master(other).plan


def test_apply_with_callbacks_like_a_live_book(env: dict[str, Path]) -> None:
    """The xlwings path: plan from sheet values, apply through setter/appender callbacks."""
    fill(env["VHXH"], env["inbox"], S.SHEET_TASKS, {"III-03": {"progress": 75}, "II-02": {"progress": 40}})
    wb = load_workbook(env["master"])
    sheets = {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    plan = plan_from_sheets(sheets, sorted(env["inbox"].iterdir()), as_of=AS_OF, user="xlwings")
    assert isinstance(plan, ConsolidationPlan)
    set_cells: dict[tuple[str, str], Any] = {}
    appended: dict[str, list[list[Any]]] = {}
    apply_with(lambda sh, ref, v: set_cells.__setitem__((sh, ref), v),
               lambda sh, row: appended.setdefault(sh, []).append(row), plan, excel_safe=True)
    assert set_cells[(S.SHEET_TASKS, "N13")] == 75
    assert set_cells[(S.SHEET_TASKS, "N8")] == 10  # II-02: (0+40+0+0)/4
    assert [r[:4] for r in appended[S.SHEET_UNIT_REPORTS]] == [["II-02", "VHXH", "Chưa thực hiện", 40]]
    assert len(appended[S.SHEET_AUDIT]) == len(plan.audit_rows)
    # the signature with (MasterData, sheet values, files) gives the same plan
    from cchc_xl.core.records import read_master_sheets
    plan2 = plan_consolidation(read_master_sheets(sheets), sheets, sorted(env["inbox"].iterdir()), as_of=AS_OF,
                               user="xlwings", now=dt.datetime.now())
    assert [(c.cell, c.new) for c in plan2.changes] == [(c.cell, c.new) for c in plan.changes]


def test_refuses_master_with_duplicate_ids(env: dict[str, Path]) -> None:
    wb = load_workbook(env["master"])
    wb[S.SHEET_TASKS]["A7"] = "I-02"
    wb.save(env["master"])
    fill(env["VHXH"], env["inbox"], S.SHEET_TASKS, {"III-03": {"progress": 75}})
    with pytest.raises(CchcError, match="(?s)Không thể tổng hợp.*bị trùng.*ô A7"):
        consolidate(env["master"], env["inbox"], as_of=AS_OF)


def _rename_tasks_sheet(wb) -> None:
    wb[S.SHEET_TASKS].title = "PC"


def _rename_progress_header(wb) -> None:
    wb[S.SHEET_TASKS].cell(S.HEADER_ROW, S.col_index(S.TASK_COLUMNS, "progress")).value = "Tiến độ thực hiện"


@pytest.mark.parametrize("edit, code, words", [
    (_rename_tasks_sheet, "missing_sheet", f"Thiếu trang '{S.SHEET_TASKS}'"),
    (_rename_progress_header, "missing_columns", f"Thiếu cột: '{COL['progress'].header}'"),
], ids=["tasks-sheet-renamed", "progress-header-renamed"])
def test_master_without_its_sheet_or_column_is_refused_by_name(env: dict[str, Path], edit, code: str,
                                                               words: str) -> None:
    """The message names what is missing and where (the header row as a range, not a row number)."""
    wb = load_workbook(env["master"])
    edit(wb)
    wb.save(env["master"])
    before = sha(env["master"])
    fill(env["VHXH"], env["inbox"], S.SHEET_TASKS, {"III-03": {"progress": 75}})
    with pytest.raises(CchcError) as err:
        consolidate(env["master"], env["inbox"], as_of=AS_OF)
    assert err.value.finding.code == code and words in str(err.value)
    if code == "missing_columns":
        width = S.column_letter(len(S.TASK_COLUMNS))
        assert err.value.finding.cell == f"A{S.HEADER_ROW}:{width}{S.HEADER_ROW}"
    assert sha(env["master"]) == before


def test_patch_xlsx_inserts_cells_and_rows_with_date_style(tmp_path: Path) -> None:
    from openpyxl import Workbook

    src, dst = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Trang"
    ws["A1"], ws["C1"], ws["A3"] = "x", 1, "=SUM(C1:C2)"
    wb.save(src)
    patch_xlsx(src, dst, {"Trang": {(1, 2): "chèn & <giữa>", (2, 1): dt.date(2025, 9, 1), (9, 3): 2.5,
                                    (1, 3): None}})
    ws = load_workbook(dst)["Trang"]
    assert [ws["A1"].value, ws["B1"].value, ws["C1"].value] == ["x", "chèn & <giữa>", None]
    assert ws["A2"].value == dt.datetime(2025, 9, 1) and ws["A2"].number_format == "dd/mm/yyyy"
    assert ws["C9"].value == 2.5 and ws["A3"].value == "=SUM(C1:C2)"


def test_cli_tong_hop_exit_codes(env: dict[str, Path]) -> None:
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)
    fill(env["VHXH"], env["inbox"], S.SHEET_TASKS, {"III-03": {"progress": 75}})
    run = CliRunner()
    res = run.invoke(app, ["tong-hop", str(env["master"]), str(env["inbox"]), "--thu", "--ngay-so-lieu",
                           "14/09/2025"], env={"COLUMNS": "220"})
    assert res.exit_code == 0, res.output
    assert "CHẠY THỬ" in res.output and tasks(env["master"])["III-03"].progress == 0
    res = run.invoke(app, ["tong-hop", str(env["master"]), str(env["inbox"]), "--ngay-so-lieu", "14/09/2025"],
                     env={"COLUMNS": "220"})
    assert res.exit_code == 0, res.output
    assert tasks(env["master"])["III-03"].progress == 75
    (env["inbox"] / "rong.xlsx").write_bytes(b"")
    res = run.invoke(app, ["tong-hop", str(env["master"]), str(env["inbox"])], env={"COLUMNS": "220"})
    assert res.exit_code == 1 and "rong.xlsx" in res.output


# ---------------------------------------------------------------- a real spreadsheet client

@pytest.mark.libreoffice
def test_libreoffice_resaved_return_and_recalculated_master(env: dict[str, Path], tmp_path: Path) -> None:
    from cchc_xl.core.compute import progress
    from cchc_xl.workbook.dashboard import dashboard_cells
    from cchc_xl.report.pdf import recalculate

    edited = fill(env["VHXH"], tmp_path, S.SHEET_TASKS, {
        "III-03": {"status": "Đã hoàn thành", "progress": 100, "completed_on": dt.date(2025, 9, 10),
                   "evidence": "Quyết định số 125/QĐ-UBND"},
        "III-01": {"progress": 35}})
    resaved = recalculate(edited, env["inbox"])  # LibreOffice opens and saves the returned workbook
    assert resaved.exists() and resaved.read_bytes() != edited.read_bytes()
    result = consolidate(env["master"], env["inbox"], as_of=AS_OF)
    assert not result.has_problems, result.summary_text()
    t = tasks(env["master"])
    assert (t["III-03"].status.value, t["III-03"].completed_on, t["III-01"].progress) == \
        ("Đã hoàn thành", dt.date(2025, 9, 10), 35)
    # the patched master opens in LibreOffice and its dashboard formulas recalculate correctly
    out = recalculate(env["master"], tmp_path / "tinh_lai")
    wb = load_workbook(out, data_only=True)
    ws = wb[S.SHEET_DASHBOARD]
    cells = dashboard_cells(ws)
    expected = progress(read_master(env["master"]).plan.tasks, AS_OF)
    assert ws[cells["done"]].value == expected.done == 1
    assert ws[cells["total"]].value == expected.total


# ---------------------------------------------------------------- the fast paths keep every check

def test_parallel_and_serial_reading_give_the_same_plan(env: dict[str, Path], monkeypatch) -> None:
    """Returned files are read in threads (python-calamine runs without the GIL): same plan,
    same order of messages as reading them one by one."""
    from cchc_xl.roundtrip.consolidate import read as R
    from cchc_xl.roundtrip.consolidate import state as C

    fill(env["VHXH"], env["inbox"], S.SHEET_TASKS, {"III-03": {"progress": 100, "status": "Đã hoàn thành",
                                                               "completed_on": dt.date(2025, 9, 2)},
                                                    "III-01": {"title": "sửa nội dung", "progress": 5}})
    fill(env["VP"], env["inbox"], S.SHEET_TASKS, {"II-02": {"progress": 80}, "I-02": {"note": "=1+1"}})
    fill(env["PVHCC"], env["inbox"], S.SHEET_TASKS, {"II-03": {"progress": 150}})
    fill(env["KT"], env["inbox"], S.SHEET_REMEDIATION, {"KP-02": {"progress": 30}})
    (env["inbox"] / "rong.xlsx").write_bytes(b"")
    files = sorted(env["inbox"].iterdir())
    now = dt.datetime(2025, 9, 15, 8, 0)

    def plan_with(threads: int) -> ConsolidationPlan:
        monkeypatch.setattr(R, "READ_THREADS", threads)
        state = C.read_master_state(env["master"])
        return plan_consolidation(state, returns=files, as_of=AS_OF, user="x", now=now)

    serial, parallel = plan_with(1), plan_with(2)
    # books read beforehand (no work done ahead by the reading threads): the same plan again
    from cchc_xl.workbook.returned import read_unit_workbook
    books = []
    for f in files:
        try:
            books.append(read_unit_workbook(f))
        except CchcError:
            pass
    unprepared = plan_consolidation(C.read_master_state(env["master"]), returns=books, as_of=AS_OF, user="x",
                                    now=now)
    assert all(not b.prepared for b in books)
    # "_meta" I:J lists the files dealt with: the empty file only where it was given
    def applied(p: ConsolidationPlan) -> dict[str, str]:
        cells = {c.cell: c.new for c in p.changes if c.sheet == S.SHEET_META and c.cell[0] in "IJ"}
        return {v: cells.get("J" + ref[1:]) for ref, v in cells.items() if ref[0] == "I" and ref != "I1"}

    others = lambda p: [(c.cell, c.new) for c in p.changes  # noqa: E731
                        if not (c.sheet == S.SHEET_META and c.cell[0] in "IJ")]
    assert others(unprepared) == others(parallel)
    empty_sha = hashlib.sha256(b"").hexdigest()
    assert empty_sha in applied(parallel) and empty_sha not in applied(unprepared)
    assert applied(unprepared) == {k: v for k, v in applied(parallel).items() if k != empty_sha}
    assert unprepared.audit_rows == [r for r in parallel.audit_rows if r[2] != "rong.xlsx"]
    assert len(parallel.changes) >= 5 and len(parallel.rejections) == 4  # E6 tampered, Q5 formula, N6, rong.xlsx
    assert [(c.sheet, c.cell, c.old, c.new) for c in parallel.changes] == \
        [(c.sheet, c.cell, c.old, c.new) for c in serial.changes]
    assert parallel.audit_rows == serial.audit_rows
    assert [(r.file, r.cell, r.reason) for r in parallel.rejections] == \
        [(r.file, r.cell, r.reason) for r in serial.rejections]
    assert [str(f) for f in parallel.findings] == [str(f) for f in serial.findings]


def test_consolidation_leaves_garbage_collection_as_it_was(env: dict[str, Path]) -> None:
    import gc

    fill(env["VHXH"], env["inbox"], S.SHEET_TASKS, {"III-03": {"progress": 70}})
    assert gc.isenabled()
    consolidate(env["master"], env["inbox"], as_of=AS_OF, dry_run=True)
    assert gc.isenabled()
    gc.disable()
    try:
        consolidate(env["master"], env["inbox"], as_of=AS_OF, dry_run=True)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_second_run_appends_audit_rows_after_the_first(env: dict[str, Path]) -> None:
    fill(env["VHXH"], env["inbox"], S.SHEET_TASKS, {"III-03": {"progress": 40}})
    consolidate(env["master"], env["inbox"], as_of=AS_OF, now=dt.datetime(2025, 9, 15, 8, 0))
    first = sheet_rows(env["master"], S.SHEET_AUDIT)
    inbox2 = env["inbox"].parent / "lan_2"
    inbox2.mkdir()
    fill(env["PVHCC"], inbox2, S.SHEET_TASKS, {"II-09": {"progress": 90, "evidence": "Báo cáo <số 7> & phụ lục"}})
    consolidate(env["master"], inbox2, as_of=AS_OF, now=dt.datetime(2025, 9, 16, 8, 0))
    ws = load_workbook(env["master"])[S.SHEET_AUDIT]
    rows = [tuple(c.value for c in row) for row in ws.iter_rows(min_row=S.FIRST_DATA_ROW)]
    assert all(any(v is not None for v in r) for r in rows)  # no gap between the two runs
    assert rows[:len(first)] == first
    added = rows[len(first):]
    assert [r[5:] for r in added if r[9] == "Đã cập nhật"] == [
        ("II-09", "Tiến độ (%)", "0", "90", "Đã cập nhật"),
        ("II-09", "Minh chứng", None, "Báo cáo <số 7> & phụ lục", "Đã cập nhật")]
    assert {r[0] for r in added} == {"16/09/2025 08:00:00"}
    assert ws.cell(S.FIRST_DATA_ROW + len(first), 1).font.name == "Times New Roman"  # styled like the rest
    assert tasks(env["master"])["II-09"].evidence == "Báo cáo <số 7> & phụ lục"


def test_audit_rows_merge_into_formatted_empty_rows(env: dict[str, Path]) -> None:
    """A row that Excel keeps below the log (formatted, no value) gets the new cells, not a
    second row with the same number (the general patch path)."""
    from openpyxl.styles import PatternFill

    wb = load_workbook(env["master"])
    ws = wb[S.SHEET_AUDIT]
    ws.cell(row=S.FIRST_DATA_ROW + 1, column=3).fill = PatternFill("solid", fgColor="FFFF00")
    wb.save(env["master"])
    fill(env["VHXH"], env["inbox"], S.SHEET_TASKS, {"III-03": {"progress": 40, "note": "ghi chú"}})
    consolidate(env["master"], env["inbox"], as_of=AS_OF, engine="patch")
    ws = load_workbook(env["master"])[S.SHEET_AUDIT]
    rows = [tuple(c.value for c in row) for row in ws.iter_rows(min_row=S.FIRST_DATA_ROW, max_row=ws.max_row)]
    assert [r[5:7] for r in rows] == [("III-03", "Tiến độ (%)"), ("III-03", "Ghi chú"), (None, None)]
    assert rows[2][9] == "Đã tổng hợp tệp"
    assert ws.cell(row=S.FIRST_DATA_ROW + 1, column=3).fill.fgColor.rgb.endswith("FFFF00")


def test_damaged_sheet_inside_a_valid_package_is_rejected(env: dict[str, Path]) -> None:
    import zipfile

    good = fill(env["VHXH"], env["inbox"], S.SHEET_TASKS, {"III-03": {"progress": 40}})
    bad = env["inbox"] / "03_KT_hong.xlsx"
    with zipfile.ZipFile(env["KT"]) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[:len(data) // 2]  # cut in the middle of the rows
            zout.writestr(info, data)
    result = consolidate(env["master"], env["inbox"], as_of=AS_OF)
    assert [f.file for f in result.rejected_files] == [bad.name]
    assert "hỏng" in result.rejected_files[0].reason
    assert tasks(env["master"])["III-03"].progress == 40 and good.exists()


def test_light_master_reader_finds_what_the_full_reader_finds(env: dict[str, Path]) -> None:
    """``consolidate`` reads only what the merge needs from "Phân công"; the errors it reports
    (and refuses to merge on) are those of the full reader."""
    from cchc_xl.roundtrip.consolidate import state as C
    from cchc_xl.core.records import read_master_sheets

    wb = load_workbook(env["master"])
    ws = wb[S.SHEET_TASKS]
    ws["M8"], ws["N9"], ws["O10"], ws["H11"] = "lung tung", "tám mươi", "32/13/2025", "không rõ"
    ws["C13"], ws["M12"], ws["N11"], ws["P7"] = "Lĩnh vực lạ", "hoàn thành", "80%", "  nhiều   khoảng  "
    ws["A13"] = None  # a row without id but with content
    wb.save(env["master"])
    values = C.read_master_values(env["master"])
    light = C.master_state_from_sheets(values, file="so.xlsx", fast="light", texts=False)
    full = read_master_sheets({k: [tuple(r) for r in v] for k, v in values.items()}, file="so.xlsx")
    fast = C.master_state_from_sheets(values, file="so.xlsx", fast=True)  # "Tạo phiếu"
    said = lambda fs: [(f.code, f.severity, f.cell, str(f)) for f in fs]  # noqa: E731
    assert said(light.data.findings) == said(full.findings)
    assert said(fast.data.findings) == said(full.findings)
    assert len(light.data.findings) == 6
    assert {"not_a_number", "bad_date", "status_spelling"} <= {f.code for f in light.data.findings}
    # what ``consolidate`` reads: the same rows, the long task texts left out
    projected = C.read_master_values(env["master"], light=True)
    again = C.master_state_from_sheets(projected, file="so.xlsx", fast="light", texts=False)
    assert said(again.data.findings) == said(full.findings)
    assert again.light_tasks == light.light_tasks and again.data.rows == light.data.rows
    assert [(t.id, t.status, t.progress, t.completed_on, t.lead_units, t.title) for t in fast.data.plan.tasks] == \
        [(t.id, t.status, t.progress, t.completed_on, t.lead_units, t.title) for t in full.plan.tasks]
    assert light.data.rows[S.SHEET_TASKS] == full.rows[S.SHEET_TASKS]
    by_id = {t.id: t for t in full.plan.tasks}
    for tid, (units, track) in light.light_tasks.items():
        t = by_id[tid]
        assert units == t.lead_units
        assert (track["status"], track["progress"], track["completed_on"], track["evidence"], track["note"]) == \
            (t.status.value, t.progress, t.completed_on, t.evidence, t.note), tid


def test_row_fingerprints_of_raw_rows_match_the_split(tmp_path: Path) -> None:
    """The memoised fingerprint over raw rows equals ``row_fingerprint`` for every kind of
    value a reader returns - including ``True`` against ``1`` (equal as dict keys)."""
    import random

    from cchc_xl.core.fingerprint import RowFingerprinter, row_fingerprint

    fp = RowFingerprinter(S.TASK_COLUMNS, {c.key: i for i, c in enumerate(S.TASK_COLUMNS)})
    values = [None, "", "  a  b ", "Hoá", "Hóa", 1, 1.0, True, False, 0, 0.0, 2.5, "1", "TRUE",
              dt.date(2025, 9, 1), dt.datetime(2025, 9, 1), dt.datetime(2025, 9, 1, 10, 5), "x\u00a0y"]
    rng = random.Random(3)
    for _ in range(3000):
        row = [rng.choice(values) for _ in S.TASK_COLUMNS]
        assert fp(row) == row_fingerprint(S.TASK_COLUMNS, {c.key: row[i] for i, c in enumerate(S.TASK_COLUMNS)})
    assert fp(["I-01"]) == row_fingerprint(S.TASK_COLUMNS, {"id": "I-01"})  # short row: missing = empty
    one = ["I-01", "", "", 1.0] + [""] * 13
    assert fp(one) != fp(["I-01", "", "", True] + [""] * 13)


def test_formula_scan_looks_only_at_cells() -> None:
    from cchc_xl.files.sheet_scan import formula_cells

    sheet = ('<worksheet><sheetData><row r="5"><c r="N5"><f>1+1</f><v>2</v></c>'
             '<c r="P5" t="inlineStr"><is><t>Tham khảo file pdf</t></is></c></row></sheetData>'
             '<conditionalFormatting sqref="A5:Q9"><cfRule type="expression"><formula>$M5="x"</formula>'
             '</cfRule></conditionalFormatting></worksheet>').encode()
    assert formula_cells(sheet) == {"N5"}
    assert formula_cells(sheet.replace(b"<f>1+1</f>", b"")) == set()
    assert formula_cells(b'<x:worksheet><x:sheetData><x:row r="2"><x:c r="Q2"><x:f t="shared" si="0"/>'
                         b'</x:c></x:row></x:sheetData></x:worksheet>') == {"Q2"}


def test_base_values_written_by_the_split_are_read_back_exactly() -> None:
    from cchc_xl.core.tracking import base_from_json, base_to_json
    from cchc_xl.workbook.returned import _read_items

    sent = {"status": "Đã hoàn thành", "progress": 37.5, "completed_on": dt.date(2025, 9, 1),
            "evidence": "BC 15/BC-VP", "note": ""}
    assert base_from_json(base_to_json(sent)) == sent
    odd = '{"status": "dang lam", "progress": "40", "completed_on": "", "evidence": 12, "note": null}'
    assert base_from_json(odd) == {"status": "Đang thực hiện", "progress": 40.0, "completed_on": None,
                                   "evidence": "12", "note": ""}
    header = ["kind", "unit", "", "sheet", "id", "row", "fingerprint", "cells", "base", "master_base"]
    rows = [header, ["", "", "", "Phân công", "I-02", 6.0, "ab", "a b", base_to_json(sent), ""],
            ["", "", "", "Phân công", "I-03", 7.0, "cd", "c d", '{"status": "Đã hoàn', ""]]
    with pytest.raises(CchcError, match="giá trị gốc của I-03"):
        _read_items(rows, "x.xlsx")
    items = _read_items(rows[:2], "x.xlsx")
    assert items[("Phân công", "I-02")].base == sent and items[("Phân công", "I-02")].row == 6


def test_audit_index_normalises_the_logged_texts() -> None:
    """What earlier runs logged (possibly retyped by hand) decides idempotency and 3-way merges."""
    from cchc_xl.roundtrip.consolidate.audit import _read_audit

    header = tuple(c.header for c in S.AUDIT_COLUMNS)
    rows = [("NHẬT KÝ TỔNG HỢP",), (), (), header,
            ("t", "u", "a.xlsx", "h1", " VP ", "I-02", "Tiến  độ (%)", "0", " 1,5 ", " Đã cập nhật "),
            ("t", "u", "a.xlsx", "h1", "VP", "I-02", "Minh chứng", "", "Tờ trình  số 5", "Xung đột"),
            ("t", "u", "a.xlsx", "h1", "VP", "", "", "", "1 cập nhật", "Đã tổng hợp tệp"),
            ("t", "u", "b.xlsx", "h2", "", "", "", "", "", "Từ chối tệp: Tệp rỗng"),
            ("t",), ()]
    index, cmap = _read_audit(rows)
    assert index.last_applied == {("VP", "I-02", "progress"): "1,5"}
    assert index.files == {"h1": ["Đã tổng hợp tệp"], "h2": ["Từ chối tệp: Tệp rỗng"]}
    assert cmap["action"] == "J"


def test_rejections_are_catalogue_findings_with_their_own_codes(env: dict[str, Path]) -> None:
    """Nhật ký, the report and the CLI print the same filled templates; each kind has its code."""
    from cchc_xl.core import findings as F

    fill(env["VHXH"], env["inbox"], S.SHEET_TASKS, {"III-01": {"id": "IX-99", "progress": 10},
                                                   "III-03": {"note": "=1+2"}})
    fill(env["PVHCC"], env["inbox"], S.SHEET_TASKS, {"II-09": {"progress": 150}})
    fill(env["KT"], env["inbox"], S.SHEET_TASKS, {}, name=env["VHXH"].name.replace("VHXH", "VHXH_ban_2"))
    shutil.copy(env["master"], env["inbox"] / "so_khac.xlsx")        # the master sent back as a return
    (env["inbox"] / "rong.xlsx").write_bytes(b"")
    result = consolidate(env["master"], env["inbox"], as_of=AS_OF)
    codes = {f.code for f in result.findings}
    assert {"return_row_unknown", "return_cell_formula", "return_cell_invalid", "row_deleted",
            "return_name_mismatch", "master_as_return", "empty_file"} <= codes, codes
    assert not codes & {"rejected", "file_rejected"}
    for f in result.findings:
        t = F.get(f.code)
        assert t.severity == f.severity
        assert "{" not in f.message and f.file
    # each rejection's reason is the message of its finding, at the same place
    located = {(f.file, f.sheet, f.cell): f.message for f in result.findings}
    for r in result.rejections:
        assert located[(r.file, r.sheet, r.cell)] == r.reason


def _rename_sheet(src: Path, out: Path) -> None:
    wb = load_workbook(src)
    wb[S.SHEET_TASKS].title = "Phan cong (sua)"
    wb.save(out)


def _clear_header(header: str | None):
    def edit(src: Path, out: Path) -> None:
        wb = load_workbook(src)
        ws = wb[S.SHEET_TASKS]
        for row in ws.iter_rows(min_row=1, max_row=S.FIRST_DATA_ROW - 1):
            for c in row:
                if isinstance(c.value, str) and (header is None or c.value.strip() == header):
                    c.value = None
        wb.save(out)
    return edit


def _copy_column(key: str, to: int):
    """The unit copies a tracking column to an empty column (header included) and fills the copy."""
    def edit(src: Path, out: Path) -> None:
        wb = load_workbook(src)
        ws = wb[S.SHEET_TASKS]
        col = S.col_index(S.TASK_COLUMNS, key)
        for r in range(1, ws.max_row + 1):
            ws.cell(r, to).value = ws.cell(r, col).value
        ws.cell(S.FIRST_DATA_ROW, to).value = 90 if key == "progress" else "Đang thực hiện"
        wb.save(out)
    return edit


@pytest.mark.parametrize("edit, code, words", [
    (_rename_sheet, "return_no_sheet", f"Thiếu trang '{S.SHEET_TASKS}'"),
    (_clear_header(COL["progress"].header), "return_missing_columns",
     f"Trang '{S.SHEET_TASKS}' thiếu cột: '{COL['progress'].header}'"),
    (_clear_header(COL["status"].header), "return_missing_columns", f"'{COL['status'].header}'"),
    (_clear_header(None), "return_no_header", f"Trang '{S.SHEET_TASKS}' không có dòng tiêu đề"),
    (_copy_column("progress", 30), "return_repeated_column", f"nhiều cột '{COL['progress'].header}' (cột "
                                                             f"{LETTER['progress']}, AD)"),
    (_copy_column("status", 25), "return_repeated_column", f"nhiều cột '{COL['status'].header}' (cột "
                                                            f"{LETTER['status']}, Y)"),
], ids=["sheet-renamed", "progress-header-cleared", "status-header-cleared", "header-row-cleared",
        "progress-column-copied-right", "status-column-copied-right"])
def test_return_without_its_sheet_or_columns_is_rejected_by_name(env: dict[str, Path], edit, code: str,
                                                                 words: str) -> None:
    """The message names the sheet (a template parameter that is also the finding's location)."""
    bad = env["inbox"] / env["VHXH"].name
    edit(env["VHXH"], bad)
    fill(env["PVHCC"], env["inbox"], S.SHEET_TASKS, {"II-09": {"progress": 40}})
    result = consolidate(env["master"], env["inbox"], as_of=AS_OF)
    (found,) = [f for f in result.findings if f.file == bad.name]
    assert found.code == code and words in found.message and "{" not in found.message
    assert {f.file for f in result.rejected_files} == {bad.name}
    assert tasks(env["master"])["II-09"].progress == 40          # the good return is applied


# ---------------------------------------------------------------- what Tổng hợp does not read is listed

def _copy_tasks_sheet_and_fill(path: Path) -> None:
    wb = load_workbook(path)
    copy = wb.copy_worksheet(wb[S.SHEET_TASKS])
    copy.title = "Phân công (2)"
    copy[f"{LETTER['status']}{S.FIRST_DATA_ROW}"] = "Đã hoàn thành"
    copy[f"{LETTER['progress']}{S.FIRST_DATA_ROW}"] = 100
    wb.save(path)


def _own_sheet(path: Path) -> None:
    wb = load_workbook(path)
    wb.create_sheet("Ghi chú của phòng")["B3"] = "Nhiệm vụ III-03 đã xong, chờ quyết định"
    wb.save(path)


def _own_column(letter: str, header: str | None):
    def edit(path: Path) -> None:
        wb = load_workbook(path)
        ws = wb[S.SHEET_TASKS]
        if header:
            ws[f"{letter}{S.HEADER_ROW}"] = header
        ws[f"{letter}{S.FIRST_DATA_ROW + 1}"] = "Đạt 60%, chờ thẩm định"
        wb.save(path)
    return edit


@pytest.mark.parametrize("edit, code, words", [
    (_copy_tasks_sheet_and_fill, "return_sheet_not_read", "Trang 'Phân công (2)' không được đọc"),
    (_own_sheet, "return_sheet_not_read", "Trang 'Ghi chú của phòng' không được đọc"),
    (_own_column("T", "Kết quả chi tiết"), "return_column_not_read",
     f"cột T ('Kết quả chi tiết') có nội dung không được đọc (2 ô, đầu tiên là ô T{S.HEADER_ROW})"),
    (_own_column("Z", None), "return_column_not_read",
     f"cột Z có nội dung không được đọc (1 ô, đầu tiên là ô Z{S.FIRST_DATA_ROW + 1})"),
], ids=["copied-sheet", "own-sheet", "own-column-with-header", "far-column"])
def test_content_of_a_return_that_is_not_read_is_listed(env: dict[str, Path], edit, code: str, words: str) -> None:
    """A sheet or a column Tổng hợp does not read was dropped silently and the unit shown as received."""
    from cchc_xl.roundtrip.register import read_register

    ret = fill(env["VHXH"], env["inbox"], S.SHEET_TASKS, {"III-01": {"progress": 30}})
    edit(ret)
    result = consolidate(env["master"], env["inbox"], as_of=AS_OF)
    (said,) = [f for f in result.findings if f.code == code]
    assert said.severity == "warning" and said.file == ret.name and words in said.message, said.message
    assert tasks(env["master"])["III-01"].progress == 30 and tasks(env["master"])["III-03"].progress == 0
    (reg,) = [s for s in read_register(env["master"]) if s.unit == "VHXH"]
    assert reg.returned and words in reg.details          # the register says what was not read


@pytest.mark.parametrize("how", ["api", "cli"])
def test_subfolders_and_lock_files_of_the_inbox_are_listed(env: dict[str, Path], how: str) -> None:
    inbox = env["inbox"]
    fill(env["VHXH"], inbox, S.SHEET_TASKS, {"III-01": {"progress": 30}})
    (inbox / "KT_gui_qua_zalo" / "lan2").mkdir(parents=True)
    fill(env["PVHCC"], inbox / "KT_gui_qua_zalo", S.SHEET_TASKS, {"II-09": {"progress": 60}})
    fill(env["PVHCC"], inbox / "KT_gui_qua_zalo" / "lan2", S.SHEET_TASKS, {"II-09": {"progress": 70}})
    (inbox / "anh_chup").mkdir()
    (inbox / "anh_chup" / "phieu.jpg").write_bytes(b"\xff\xd8")                      # no workbook: not listed
    (inbox / f"~${env['VHXH'].name}").write_bytes(b"lock")
    (inbox / f".~lock.{env['VHXH'].name}#").write_text("Can Bo,may01;")
    if how == "cli":
        app = typer.Typer()
        register(app)
        app.command("noop")(lambda: None)
        res = CliRunner().invoke(app, ["tong-hop", str(env["master"]), str(inbox), "--ngay", "14/09/2025"],
                                 env={"COLUMNS": "250"})
        assert res.exit_code == 0, res.output
        text = " ".join(res.output.split())
    else:
        text = " ".join(str(f) for f in consolidate(env["master"], inbox, as_of=AS_OF).findings)
    assert "Thư mục con 'KT_gui_qua_zalo' không được đọc: có 2 tệp .xlsx/.xlsm" in text, text
    assert f"lan2/{env['PVHCC'].name}" in text and "anh_chup" not in text
    assert f"Tệp khóa '~${env['VHXH'].name}' bị bỏ qua" in text
    assert f"Tệp khóa '.~lock.{env['VHXH'].name}#' bị bỏ qua" in text
    assert tasks(env["master"])["II-09"].progress == 0      # listed, not read
