"""Button handlers driven through JSON books (xlwings' remote engine).

Each test writes a real master workbook with ``master.write_master``, converts
it to the JSON an Office.js client sends (``book_payload_from_xlsx``), runs a handler
on ``xw.Book(json=...)`` and checks the actions returned by ``book.json()`` -
and, after applying them like Excel would (``apply_actions``), the workbook the
user ends up with.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import xlwings as xw

from cchc_xl.core import schema as S
from cchc_xl.core.compute import progress
from cchc_xl.workbook.master import read_master, write_master
from cchc_xl.core.models import CchcError, Plan
from cchc_xl.xl import book_io, buttons
from cchc_xl.xl.book_io import (FINDINGS_HEADERS, FINDINGS_SHEET, BookWriter, alerts, apply_actions,
                                book_payload_from_xlsx, enable_remote_engine, open_json_book,
                                read_book, sheet_rows)

FIXTURES = Path(__file__).parent / "fixtures"
CUTOFF = dt.date(2025, 9, 14)          # Quý III/2025


@pytest.fixture(autouse=True)
def remote(monkeypatch, tmp_path):
    # xlwings' JSON engine is part of xlwings PRO: a key is needed ("noncommercial" is accepted)
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "appdata"))
    monkeypatch.delenv(buttons.ENV_WORK_DIR, raising=False)
    enable_remote_engine()


@pytest.fixture(scope="module")
def plan() -> Plan:
    return Plan.model_validate_json((FIXTURES / "xl_plan_quang_son.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def master(plan, tmp_path_factory) -> Path:
    """A real master file (read-only for the tests: JSON handlers never write it)."""
    return write_master(plan, tmp_path_factory.mktemp("so") / "So_tong_hop_CCHC_2025.xlsx", as_of=CUTOFF)


@pytest.fixture(scope="module")
def sent_payload(master) -> dict[str, Any]:
    return book_payload_from_xlsx(master)


@pytest.fixture
def payload(sent_payload) -> dict[str, Any]:
    return copy.deepcopy(sent_payload)


# ------------------------------------------------------------------ helpers

def sheet_of(payload: dict, name: str) -> dict:
    return next(s for s in payload["sheets"] if s["name"] == name)


def set_value(payload: dict, sheet: str, address: str, value: Any) -> None:
    row, col = book_io.cell_position(address)
    values = sheet_of(payload, sheet)["values"]
    values[row - 1][col - 1] = value


def value(payload: dict, sheet: str, address: str) -> Any:
    row, col = book_io.cell_position(address)
    return sheet_of(payload, sheet)["values"][row - 1][col - 1]


def run(handler, payload: dict, *args, **kwargs) -> tuple[buttons.ButtonResult, dict, dict]:
    """Run a handler on a JSON book: (result, actions, the payload after Excel applied them)."""
    book = open_json_book(payload)
    result = handler(book, *args, **kwargs)
    actions = book.json()
    # the message box is always the last action (Office Scripts stops at an alert)
    assert actions["actions"][-1]["func"] == "alert"
    assert alerts(actions) == [result.message]
    # actions must be JSON for the client
    json.dumps(actions, ensure_ascii=False)
    return result, actions, apply_actions(payload, actions)


def rows_of(payload: dict, sheet: str) -> list[tuple]:
    book = open_json_book(payload)
    return sheet_rows(book_io.find_sheet(book, sheet))


# ------------------------------------------------------------------ reading

def test_json_book_reads_like_the_file(master, payload):
    from_file = read_master(master)
    data = read_book(open_json_book(payload))
    assert data.findings == []
    assert data.plan == from_file.plan
    assert data.rows == from_file.rows
    assert data.plan.task("II-08").tt == "8"


def test_excel_doubles_read_as_integers(payload, master):
    # desktop Excel hands every number over as a float
    row = read_master(master).rows[S.SHEET_TASKS]["II-08"]
    set_value(payload, S.SHEET_TASKS, f"{S.col_letter(S.TASK_COLUMNS, 'tt')}{row}", 8.0)
    set_value(payload, S.SHEET_TASKS, f"{S.col_letter(S.TASK_COLUMNS, 'progress')}{row}", 100.0)
    task = read_book(open_json_book(payload)).plan.task("II-08")
    assert task.tt == "8" and task.progress == 100


@pytest.mark.parametrize("text", ["2025-09-10T08:30:00", "2025-09-10T08:30:00+07:00", "2025-09-10T08:30:00.5",
                                  "2025-02-30T08:30:00"])
def test_text_looking_like_an_iso_date_time_stays_text(master, payload, workdir, text):
    """xlwings' reader takes such text for a date, cuts a character off and fails ("Invalid isoformat
    string", English): the book is read as the client sent it, the text as typed, every button runs."""
    row = read_master(master).rows[S.SHEET_TASKS]["II-08"]
    set_value(payload, S.SHEET_TASKS, f"{S.col_letter(S.TASK_COLUMNS, 'note')}{row}", text)
    set_value(payload, S.SHEET_DASHBOARD, "C5", "Quý III/2025")
    book = open_json_book(payload)
    assert read_book(book).plan.task("II-08").note == text
    assert buttons.read_settings(book).as_of == CUTOFF         # a date the client sent is still a date
    for handler in (buttons.kiem_tra, buttons.tao_phieu, buttons.bao_cao_quy):
        result, _, _ = run(handler, payload)
        assert "ngoài dự kiến" not in result.message and "isoformat" not in result.message, result.message
    from cchc_xl.workbook.returned import read_unit_workbook

    vhxh = read_unit_workbook(next(f for f in (workdir / "phieu_don_vi").rglob("*.xlsx") if "_VHXH_" in f.name))
    assert vhxh.meta["unit_code"] == "VHXH"


def test_payload_has_the_shape_office_js_sends(payload):
    assert payload["version"] == xw.__version__ and payload["client"] == "Office.js"
    assert [s["name"] for s in payload["sheets"]][:2] == [S.SHEET_DASHBOARD, S.SHEET_TASKS]
    assert sheet_of(payload, S.SHEET_META)["visibility"] == "VeryHidden"
    names = {n["name"]: n for n in payload["names"]}
    assert names["NgaySoLieu"]["address"] == "C4" and names["NgaySoLieu"]["sheet_index"] == 0
    assert value(payload, S.SHEET_DASHBOARD, "C4") == "2025-09-14T00:00:00.000Z"


def test_remote_engine_needs_a_licence_key(monkeypatch):
    monkeypatch.delenv("XLWINGS_LICENSE_KEY")
    monkeypatch.setattr(xw, "engines", xw.main.Engines())
    with pytest.raises(CchcError, match="XLWINGS_LICENSE_KEY"):
        enable_remote_engine()


# ------------------------------------------------------------------ writing

def test_writer_escapes_text_and_appends_below_the_table(payload):
    book = open_json_book(payload)
    writer = BookWriter(book)
    writer.set_cells([
        (S.SHEET_TASKS, "P5", '=HYPERLINK("http://x.example","bấm vào")'),
        (S.SHEET_TASKS, "Q5", "- Văn bản số 12/UBND"),
        SimpleNamespace(sheet=S.SHEET_TASKS, cell="M6", new="Đã hoàn thành"),
        SimpleNamespace(sheet=S.SHEET_TASKS, cell="O6", new=dt.date(2025, 9, 10)),
        SimpleNamespace(sheet=S.SHEET_TASKS, cell="N6", new=100.0),
    ])
    first = writer.append(S.SHEET_AUDIT, ["14/09/2025 10:00", "vanphong", "01_VP.xlsx"])
    second = writer.append(S.SHEET_AUDIT, [["a"], ["b"]])
    assert (first, second) == (S.FIRST_DATA_ROW, S.FIRST_DATA_ROW + 1)   # empty log: row 5, then 6
    sets = [a for a in book.json()["actions"] if a["func"] == "setValues"]
    assert [a["values"] for a in sets[:5]] == [
        [["'=HYPERLINK(\"http://x.example\",\"bấm vào\")"]], [["'- Văn bản số 12/UBND"]],
        [["Đã hoàn thành"]], [["2025-09-10"]], [[100.0]]]
    assert [(a["start_row"], a["row_count"]) for a in sets[5:]] == [(4, 1), (5, 2)]   # 0-based
    # a date-like text stays text (Excel would read "14/09" per the PC's locale)
    assert sets[5]["values"] == [["'14/09/2025 10:00", "vanphong", "01_VP.xlsx"]]
    after = read_book(open_json_book(apply_actions(payload, book.json())))
    assert after.plan.tasks[0].evidence == '=HYPERLINK("http://x.example","bấm vào")'
    assert after.plan.tasks[1].completed_on == dt.date(2025, 9, 10)
    audit = rows_of(apply_actions(payload, book.json()), S.SHEET_AUDIT)
    assert [r[:2] for r in audit[S.HEADER_ROW:]] == [("14/09/2025 10:00", "vanphong"), ("a", None),
                                                      ("b", None)]


@pytest.mark.parametrize("text", ["#N/A", "#REF!", "#div/0!", " #VALUE! ", "#NAME?"])
def test_writer_keeps_an_error_literal_typed_as_text(payload, text):
    """A unit's text "#N/A" is written back as text (apostrophe, like "80%" or "TRUE"): Excel would
    otherwise store the error value, which the next Tạo phiếu / Tổng hợp reads as an error cell."""
    book = open_json_book(payload)
    BookWriter(book).set(S.SHEET_TASKS, "Q5", text)
    (action,) = [a for a in book.json()["actions"] if a["func"] == "setValues"]
    assert action["values"] == [["'" + text]]
    assert book_io.excel_value("#REF! xem lại") == "#REF! xem lại"      # not an error literal: as typed


def test_module_level_helpers(payload):
    book = open_json_book(payload)
    assert book_io.set_cells(book, [(S.SHEET_TASKS, "Q5", "Ghi chú mới")]) == 1
    assert book_io.append_rows(book, S.SHEET_AUDIT, [["x", "y"]]) == S.FIRST_DATA_ROW
    after = apply_actions(payload, book.json())
    assert value(after, S.SHEET_TASKS, "Q5") == "Ghi chú mới"
    assert rows_of(after, S.SHEET_AUDIT)[S.HEADER_ROW][:2] == ("x", "y")


def test_writer_names_a_missing_sheet(payload):
    with pytest.raises(CchcError, match="Không tìm thấy trang 'Sổ cái'"):
        BookWriter(open_json_book(payload)).set("Sổ cái", "A1", 1)


# ------------------------------------------------------------------ Kiểm tra

def test_kiem_tra_lists_findings_with_cells(master, payload):
    rows = read_master(master).rows
    result, actions, after = run(buttons.kiem_tra, payload)
    assert actions["actions"][0]["func"] == "addSheet"
    assert actions["actions"][0]["args"][1] == FINDINGS_SHEET
    assert not result.ok
    assert "Có 2 lỗi, 10 cảnh báo" in result.message  # 2: dates before the plan was issued and "14/09/2025" in result.message
    sheet = rows_of(after, FINDINGS_SHEET)
    assert sheet[S.HEADER_ROW - 1] == FINDINGS_HEADERS
    table = {r[2]: r for r in sheet[S.HEADER_ROW:]}
    crit_cell = f"G{rows[S.SHEET_INDEX]['crit:0']}"              # "Thực hiện Kế hoạch CCHC"
    first = table[f"{S.SHEET_INDEX}!{crit_cell}"]
    assert first[0] == 1 and first[1] == "Lỗi"                   # errors come first
    assert "điểm bị trừ ghi 0,7" in first[4] and "= 0,07" in first[4]
    assert first[5] == f'=HYPERLINK("#\'{S.SHEET_INDEX}\'!{crit_cell}","Mở")'
    area_cell = f"G{rows[S.SHEET_INDEX]['area:1']}"
    assert "tổng điểm bị trừ của 5 tiêu chí là 2,5" in table[f"{S.SHEET_INDEX}!{area_cell}"][4]
    late = table[f"{S.SHEET_TASKS}!H{rows[S.SHEET_TASKS]['VII-03']}"]
    assert late[1] == "Cảnh báo" and late[3] == "VII-03" and "quá hạn 30 ngày" in late[4]


def test_kiem_tra_twice_reuses_the_sheet(payload):
    _, _, after = run(buttons.kiem_tra, payload)
    _, actions, again = run(buttons.kiem_tra, after)
    funcs = [a["func"] for a in actions["actions"]]
    assert "addSheet" not in funcs and "sheetClearContents" in funcs
    assert [s["name"] for s in again["sheets"]].count(FINDINGS_SHEET) == 1


def test_kiem_tra_takes_the_report_date_from_the_dashboard(payload):
    set_value(payload, S.SHEET_DASHBOARD, "C4", "2025-08-01T00:00:00.000Z")   # NgaySoLieu
    result, _, _ = run(buttons.kiem_tra, payload)
    assert "ngày số liệu 01/08/2025" in result.message
    assert not any(f.code == "overdue" for f in result.findings)   # VII-03 is due 15/08


@pytest.mark.parametrize("typed, why", [
    ("14/06/2025", "nhập dạng văn bản"),       # a date typed as text: the dashboard's formulas cannot use it
    ("30/02/2025", "không phải ngày hợp lệ"),
    ("Quý II", "không phải ngày hợp lệ"),
    ("", "đang trống"),                         # blank was taken for today
], ids=["text-date", "impossible", "word", "blank"])
def test_buttons_refuse_a_report_date_that_is_not_a_date(payload, typed, why):
    """The rule of the command line (tien-do, kiem-tra): no other date is used silently; the
    message names the dashboard's cell."""
    set_value(payload, S.SHEET_DASHBOARD, "C4", typed)
    result, actions, _ = run(buttons.kiem_tra, payload)
    assert not result.ok and why in result.message and "C4" in result.message, result.message
    assert "Tổng quan" in result.message and "Traceback" not in result.message
    assert [a["func"] for a in actions["actions"]] == ["alert"]


def test_kiem_tra_names_bad_and_dangerous_cells(master, payload):
    row = read_master(master).rows[S.SHEET_TASKS]["II-08"]
    progress_cell = f"{S.col_letter(S.TASK_COLUMNS, 'progress')}{row}"
    evidence_cell = f"{S.col_letter(S.TASK_COLUMNS, 'evidence')}{row}"
    set_value(payload, S.SHEET_TASKS, progress_cell, "tám mươi")
    set_value(payload, S.SHEET_TASKS, evidence_cell, "=cmd|' /C calc'!A0")
    result, _, _ = run(buttons.kiem_tra, payload)
    by_code = {f.code: f for f in result.findings if f.sheet == S.SHEET_TASKS}
    unreadable = by_code["not_a_number"]
    assert (unreadable.cell, unreadable.severity) == (progress_cell, "error")
    assert unreadable.message == "Tiến độ: 'tám mươi' không phải là số"
    assert unreadable.file == "So_tong_hop_CCHC_2025.xlsx"
    assert by_code["formula_injection"].cell == evidence_cell
    assert "nghi ngờ công thức độc hại" in by_code["formula_injection"].message


def test_a_book_without_the_tasks_sheet_gets_a_vietnamese_message(payload):
    payload["sheets"] = [s for s in payload["sheets"] if s["name"] != S.SHEET_TASKS]
    result, actions, _ = run(buttons.kiem_tra, payload)
    assert not result.ok
    assert [a["func"] for a in actions["actions"]] == ["alert"]
    assert result.message == ("Kiểm tra: Lỗi: Thiếu trang 'Phân công' - đây không phải sổ tổng hợp "
                              "CCHC (tệp So_tong_hop_CCHC_2025.xlsx)")
    assert actions["actions"][0]["args"][3] == "critical"


def test_an_unexpected_error_is_logged_not_shown_as_a_traceback(payload, monkeypatch, tmp_path):
    import cchc_xl.core.validate

    def broken(*args, **kwargs):
        raise RuntimeError("hỏng")

    monkeypatch.setattr(cchc_xl.core.validate, "validate_master", broken)
    result, _, _ = run(buttons.kiem_tra, payload)
    log = tmp_path / "appdata" / "cchc_xl" / "loi.log"
    assert result.message.startswith("Kiểm tra: đã xảy ra lỗi ngoài dự kiến (RuntimeError: hỏng).")
    assert str(log) in result.message
    assert "Traceback" in log.read_text("utf-8") and "RuntimeError: hỏng" in log.read_text("utf-8")


def test_vba_entry_uses_the_calling_book(payload):
    book = open_json_book(payload)
    book.set_mock_caller()
    try:
        buttons.btn_kiem_tra()
    finally:
        del xw.Book._mock_caller
    funcs = [a["func"] for a in book.json()["actions"]]
    assert funcs[0] == "addSheet" and funcs[-1] == "alert"


# ------------------------------------------------------------------ Báo cáo quý

def test_bao_cao_quy_writes_the_report_sheet_and_the_word_draft(plan, payload, tmp_path, monkeypatch):
    pytest.importorskip("docx")
    monkeypatch.setenv(buttons.ENV_WORK_DIR, str(tmp_path / "cchc"))
    set_value(payload, S.SHEET_DASHBOARD, "C5", "Quý III/2025")              # KyBaoCao
    result, actions, after = run(buttons.bao_cao_quy, payload)
    assert result.ok, result.message
    assert [s["name"] for s in after["sheets"]][:2] == [S.SHEET_DASHBOARD, S.SHEET_REPORT]
    rows = rows_of(after, S.SHEET_REPORT)
    assert rows[0][0] == "BÁO CÁO KẾT QUẢ THỰC HIỆN KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH QUÝ III NĂM 2025"
    counts = {r[1]: r[2] for r in rows if r and isinstance(r[1], str) and len(r) > 2}
    expected = progress(plan.tasks, CUTOFF)
    assert counts["Đã hoàn thành"] == expected.done == 3
    assert counts["Quá hạn"] == expected.overdue == 1
    assert counts["Tỷ lệ hoàn thành"] == pytest.approx(expected.percent / 100, abs=1e-4)
    funcs = {a["func"] for a in actions["actions"]}
    assert {"setNumberFormat", "rangeMerge", "setFontProperty"} <= funcs
    docx_path = tmp_path / "cchc" / "bao_cao" / "Bao_cao_CCHC_Q3-2025.docx"
    assert result.files == [docx_path]
    import docx

    text = "\n".join(p.text for p in docx.Document(str(docx_path)).paragraphs)
    assert "đã hoàn thành 3/9 nhiệm vụ, đạt 33,33%" in text
    assert "hoàn thành 3/9 nhiệm vụ (33,33%), quá hạn 1" in result.message


def test_bao_cao_quy_replaces_the_old_report_sheet(payload):
    _, _, after = run(buttons.bao_cao_quy, payload, "Quý III/2025")
    result, actions, again = run(buttons.bao_cao_quy, after, "6 tháng 2025")
    assert [a["func"] for a in actions["actions"]][:2] == ["sheetDelete", "addSheet"]
    assert [s["name"] for s in again["sheets"]].count(S.SHEET_REPORT) == 1
    assert rows_of(again, S.SHEET_REPORT)[0][0].endswith("6 THÁNG ĐẦU NĂM 2025")
    # a JSON book without CCHC_XL_THU_MUC has no folder for the Word file: said, not failed
    assert result.ok and "Chưa tạo bản Word" in result.message


@pytest.mark.parametrize("item, key, typed, code, headline", [
    ("VII-03", "status", "Xong rồi", "bad_cell", "ô không đọc được"),
    ("III-02", "progress", "tám mươi", "not_a_number", "ô không đọc được"),
    ("VII-03", "status", "hoàn thành", "status_spelling", "trang 'Tổng quan' đọc khác"),
    ("III-02", "completed_on", "10/09/2025", "date_as_text", "trang 'Tổng quan' đọc khác"),
])
def test_bao_cao_quy_names_the_cells_it_skips_or_tong_quan_reads_otherwise(master, payload, item, key, typed,
                                                                          code, headline):
    """As ``bao-cao`` (cli.common.warn_unreadable_cells): the cells skipped when counting and those the
    formulas of "Tổng quan" read otherwise are named in the message and the findings."""
    ref = f"{S.col_letter(S.TASK_COLUMNS, key)}{read_master(master).rows[S.SHEET_TASKS][item]}"
    set_value(payload, S.SHEET_TASKS, ref, typed)
    result, _, _ = run(buttons.bao_cao_quy, payload, "Quý III/2025")
    assert result.ok, result.message
    assert headline in result.message and f"trang '{S.SHEET_TASKS}', ô {ref}" in result.message
    assert typed in result.message
    assert [f.cell for f in result.findings if f.code == code] == [ref]
    assert {"cells_skipped", "cells_counted_otherwise"} & {f.code for f in result.findings}


def test_bao_cao_quy_rejects_an_unknown_period(payload):
    set_value(payload, S.SHEET_DASHBOARD, "C5", "Quý V/2025")
    result, actions, _ = run(buttons.bao_cao_quy, payload)
    assert not result.ok and [a["func"] for a in actions["actions"]] == ["alert"]
    assert result.message.startswith("Báo cáo quý: Lỗi: ")
    assert "trang 'Tổng quan'" in result.message


def test_office_scripts_client_gets_only_actions_it_knows(payload):
    """xlwings.ts (Office Scripts) applies only the actions it registers; others would fail."""
    import re

    script = (Path(xw.__file__).parent / "js" / "xlwings.ts").read_text("utf-8")
    known = set(re.findall(r"registerCallback\((\w+)\)", script))
    assert {"setValues", "addSheet", "alert"} <= known
    payload["client"] = "Microsoft Office Scripts"
    for handler in (buttons.kiem_tra, buttons.bao_cao_quy):
        result, actions, _ = run(handler, payload)
        assert {a["func"] for a in actions["actions"]} <= known, handler.__name__
    assert "33,33%" in result.message


# ------------------------------------------------------------------ Tạo phiếu / Tổng hợp

@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "Sổ CCHC 2025"                 # a Vietnamese folder name, like on office PCs
    monkeypatch.setenv(buttons.ENV_WORK_DIR, str(folder))
    return folder


def split(payload: dict) -> tuple[buttons.ButtonResult, dict]:
    pytest.importorskip("cchc_xl.roundtrip.split")
    result, _, after = run(buttons.tao_phieu, payload)
    assert result.ok, result.message
    return result, after


def fill_return(path: Path, inbox: Path, task_id: str, **values: Any) -> Path:
    """What an official does: open the unit workbook, fill tracking cells, save, send it back."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb[S.SHEET_TASKS]
    for row in ws.iter_rows(min_row=S.FIRST_DATA_ROW):
        if row[0].value == task_id:
            for key, v in values.items():
                row[S.col_index(S.TASK_COLUMNS, key) - 1].value = v
    inbox.mkdir(parents=True, exist_ok=True)
    wb.save(inbox / path.name)
    return inbox / path.name


def test_tao_phieu_writes_unit_workbooks_and_records_the_version(payload, workdir):
    from cchc_xl.core.records import meta_dict

    result, after = split(payload)
    folder = workdir / "phieu_don_vi" / "Q3-2025"
    assert [f.parent for f in result.files] == [folder] * 4
    assert [f.name.split("_")[1] for f in result.files] == ["VP", "VHXH", "KT", "PVHCC"]
    assert "(phiên bản 2)" in result.message and "Hãy lưu sổ (Ctrl+S)" in result.message
    meta = meta_dict(rows_of(after, S.SHEET_META))
    assert meta["master_version"] == 2
    assert json.loads(meta["plan_info"])["master_version"] == 2
    assert [(s["version"], s["period"], s["date"]) for s in json.loads(meta["splits"])] == \
        [(2, "Quý III/2025", "2025-09-14")]
    from cchc_xl.workbook.returned import read_unit_workbook

    vhxh = read_unit_workbook(result.files[1])
    assert vhxh.meta["unit_code"] == "VHXH" and int(vhxh.meta["master_version"]) == 2
    from cchc_xl.core.register import read_submissions

    register = read_submissions(rows_of(after, S.SHEET_SUBMISSIONS))   # "Tình hình gửi phiếu"
    assert [(r.unit, r.version, r.period, r.due) for r in register] == \
        [(c, 2, "Quý III/2025", dt.date(2025, 9, 16)) for c in ("VP", "VHXH", "KT", "PVHCC")]


def test_tao_phieu_refuses_a_master_with_duplicate_ids(master, payload, workdir):
    pytest.importorskip("cchc_xl.roundtrip.split")
    rows = read_master(master).rows[S.SHEET_TASKS]
    set_value(payload, S.SHEET_TASKS, f"A{rows['III-03']}", "III-02")
    result, actions, _ = run(buttons.tao_phieu, payload)
    assert not result.ok and [a["func"] for a in actions["actions"]] == ["alert"]
    assert "Không thể tạo phiếu: sổ tổng hợp có 1 lỗi cần sửa trước" in result.message
    assert f"Mã nhiệm vụ 'III-02' bị trùng (đã có ở dòng {rows['III-02']})" in result.message
    assert not (workdir / "phieu_don_vi").exists()


@pytest.mark.parametrize("sheet, item, progress", [
    (S.SHEET_TASKS, "VII-03", 150), (S.SHEET_TASKS, "VII-03", -1), (S.SHEET_TASKS, "III-02", 100.5),
    (S.SHEET_REMEDIATION, None, 101)])
def test_tao_phieu_refuses_a_progress_a_unit_workbook_cannot_carry(master, payload, workdir, sheet, item,
                                                                    progress):
    """The button as the command: a "Tiến độ" outside 0-100 is refused by cell, no workbook written, no
    version recorded (it was an "unexpected error" after the first unit's workbook)."""
    pytest.importorskip("cchc_xl.roundtrip.split")
    columns = S.TASK_COLUMNS if sheet == S.SHEET_TASKS else S.REMEDIATION_COLUMNS
    rows = read_master(master).rows[sheet]
    item = item or next(iter(rows))
    ref = f"{S.col_letter(columns, 'progress')}{rows[item]}"
    set_value(payload, sheet, ref, progress)
    result, actions, _ = run(buttons.tao_phieu, payload)
    assert not result.ok and [a["func"] for a in actions["actions"]] == ["alert"]
    assert "ngoài dự kiến" not in result.message and "Không thể tạo phiếu" in result.message
    assert f"trang '{sheet}', ô {ref}" in result.message and "nằm ngoài khoảng 0-100" in result.message
    assert [(f.code, f.cell) for f in result.findings] == [("progress_range", ref)]
    assert not (workdir / "phieu_don_vi").exists() or not list((workdir / "phieu_don_vi").rglob("*.xlsx"))


def test_every_button_refuses_a_unit_form_opened_as_the_master(payload, workdir):
    """As every command (records.refuse_unit_book): a unit's form is named as such before any setting is
    read (it has no "Tổng quan": Tạo phiếu and Tổng hợp said its 'Ngày số liệu' cell was empty)."""
    split_result, _ = split(payload)
    form = book_payload_from_xlsx(split_result.files[1])
    inbox = workdir / "phieu_nhan_ve"
    inbox.mkdir(parents=True, exist_ok=True)
    document = workdir / "khac_phuc.txt"
    document.write_text("1. Khắc phục tiêu chí 1.1\n", encoding="utf-8")
    for handler, args in ((buttons.kiem_tra, ()), (buttons.tao_phieu, ()), (buttons.tong_hop, ()),
                          (buttons.phan_hoi, ()), (buttons.bao_cao_quy, ()),
                          (buttons.nhap_khac_phuc, (str(document),)), (buttons.nhap_chi_so, (str(document),))):
        result, actions, _ = run(handler, form, *args)
        assert not result.ok and [a["func"] for a in actions["actions"]] == ["alert"], handler.__name__
        assert "Đây là phiếu đơn vị VHXH" in result.message, (handler.__name__, result.message)
        assert [f.code for f in result.findings] == ["unit_book_as_master"]


def test_tao_phieu_and_kiem_tra_name_a_unit_code_written_twice(payload, workdir):
    """Button as command: two rows of "Đơn vị" with code VP are an error of Kiểm tra, and Tạo phiếu
    refuses (it wrote two forms 05_VP_… both named after the second row)."""
    sheet = sheet_of(payload, S.SHEET_UNITS)
    units = sheet["values"]
    extra = len(units) + 1
    units.append(["VP", "Văn phòng (bản 2)"] + [""] * (len(units[0]) - 2))
    sheet["used_range_address"] = sheet["used_range_address"].rstrip("0123456789") + str(extra)
    result, _, _ = run(buttons.kiem_tra, payload)
    assert [(f.code, f.cell) for f in result.findings if f.sheet == S.SHEET_UNITS] == [("duplicate_id", f"A{extra}")]
    result, actions, _ = run(buttons.tao_phieu, payload)
    assert not result.ok and [a["func"] for a in actions["actions"]] == ["alert"]
    assert "Mã đơn vị 'VP' bị trùng (đã có ở dòng" in result.message
    assert not (workdir / "phieu_don_vi").exists()


@pytest.mark.parametrize("name, text", [
    ("chi_so_2024_bang.csv", None),                                        # a table: it cannot say its year
    ("ket_qua.txt", "Chỉ số CCHC của xã đạt 85,5 điểm, xếp thứ 12/60.\n"),  # a text that does not say it
])
def test_nhap_chi_so_without_a_year_tells_the_buttons_way(payload, workdir, name, text):
    """The button cannot take "--nam NĂM": it says what to do in Excel (a sentence with the year in the
    document) and the whole command to run instead; nothing written."""
    import shutil

    workdir.mkdir(parents=True)
    document = workdir / name
    if text is None:
        shutil.copy(FIXTURES / "index_docs" / name, document)
    else:
        document.write_text(text, encoding="utf-8")
    result, actions, _ = run(buttons.nhap_chi_so, payload, str(document))
    assert not result.ok and [a["func"] for a in actions["actions"]] == ["alert"]
    assert "Nút 'Nhập chỉ số' không nhận năm" in result.message and "rồi bấm lại nút" in result.message
    assert f'cchc-xl nhap-chi-so "{payload["book"]["name"]}" "{document}" --nam NĂM' in result.message
    assert [f.code for f in result.findings] == ["index_no_year_button"]
    # the way it names works: the year written in the document
    document = document.with_suffix(".txt")
    document.write_text("Chỉ số CCHC năm 2024 của xã đạt 85,5 điểm, xếp thứ 12/60.\n", encoding="utf-8")
    done, _, _ = run(buttons.nhap_chi_so, payload, str(document))
    assert "Năm 2024" in done.message, done.message


@pytest.mark.parametrize("c4, late", [("2026-11-26T00:00:00.000Z", "26/11/2026"),
                                     ("2025-09-15T00:00:00.000Z", "15/09/2025"),
                                     ("2025-09-14T00:00:00.000Z", None)])
def test_tao_phieu_warns_of_a_report_date_after_the_cut_off(payload, workdir, c4, late):
    """"Ngày số liệu" left at the day the master was made stamps every form months after the period's
    cut-off: said, with the cell to fix (the forms are still made)."""
    set_value(payload, S.SHEET_DASHBOARD, "C4", c4)
    set_value(payload, S.SHEET_DASHBOARD, "C5", "Quý III/2025")
    result, _ = split(payload)
    found = [f for f in result.findings if f.code == "split_as_of_after_cutoff"]
    if late is None:
        assert not found and "sau ngày chốt" not in result.message
        return
    assert [(f.severity, f.sheet, f.cell) for f in found] == [("warning", S.SHEET_DASHBOARD, "C4")]
    assert f"Ngày số liệu {late} (trang 'Tổng quan', ô C4) sau ngày chốt số liệu 14/09/2025" in result.message


def test_tong_hop_merges_returns_into_the_open_book(payload, workdir):
    pytest.importorskip("cchc_xl.roundtrip.consolidate")
    split_result, sent = split(payload)
    inbox = workdir / "phieu_nhan_ve"
    fill_return(split_result.files[1], inbox, "VII-03", status="Đã hoàn thành", progress=100,
                completed_on=dt.datetime(2025, 9, 12), evidence="- Kế hoạch số 170/KH-UBND")
    (inbox / "ghi_chu.pdf").write_bytes(b"%PDF-1.4 not a workbook")
    (inbox / "~$02_VHXH.xlsx").write_bytes(b"lock")                 # Excel's lock file: skipped
    result, actions, merged = run(buttons.tong_hop, sent)
    assert not result.ok                                             # the .pdf was rejected
    assert "ghi_chu.pdf" in result.message and "(VHXH): Đã tổng hợp; cập nhật 4" in result.message
    assert "~$" not in result.message
    assert "hãy xem lại rồi lưu sổ (Ctrl+S)" in result.message
    task = read_book(open_json_book(merged)).plan.task("VII-03")
    assert (task.status.value, task.progress, task.completed_on, task.evidence) == \
        ("Đã hoàn thành", 100, dt.date(2025, 9, 12), "- Kế hoạch số 170/KH-UBND")
    evidence = [a for a in actions["actions"] if a["func"] == "setValues"
                and a["values"] == [["'- Kế hoạch số 170/KH-UBND"]]]
    assert len(evidence) == 1                                        # kept as text in Excel
    audit = [r for r in rows_of(merged, S.SHEET_AUDIT)[S.HEADER_ROW:] if r[5] == "VII-03"]
    assert [(r[6], r[9]) for r in audit] == [("Trạng thái", "Đã cập nhật"), ("Tiến độ (%)", "Đã cập nhật"),
                                             ("Ngày hoàn thành", "Đã cập nhật"),
                                             ("Minh chứng", "Đã cập nhật")]
    from cchc_xl.core.register import read_submissions

    register = {r.unit: r for r in read_submissions(rows_of(merged, S.SHEET_SUBMISSIONS))}
    assert register["VHXH"].file == split_result.files[1].name and register["VHXH"].returns == 1
    assert register["VP"].file == ""
    # the same files again: nothing changes in the book
    again, actions, _ = run(buttons.tong_hop, merged)
    assert [a["func"] for a in actions["actions"]] == ["alert"]
    assert "Đã tổng hợp trước đó" in again.message


def test_phan_hoi_sends_back_the_refused_cells(payload, workdir):
    """Button Phản hồi: after Tổng hợp, the unit with a refused cell gets its workbook back."""
    pytest.importorskip("cchc_xl.roundtrip.feedback")
    from openpyxl import load_workbook

    split_result, sent = split(payload)
    inbox = workdir / "phieu_nhan_ve"
    fill_return(split_result.files[1], inbox, "VII-03", progress=150)
    _, _, merged = run(buttons.tong_hop, sent)
    result, actions, after = run(buttons.phan_hoi, merged)
    assert result.ok, result.message
    assert [f.name.split("_")[1] for f in result.files] == ["VHXH"]
    assert result.files[0].parent == workdir / "phan_hoi" / "Q3-2025"
    assert "1 ô cần sửa" in result.message
    wb = load_workbook(result.files[0])
    assert wb.sheetnames[0] == S.SHEET_FEEDBACK
    assert [a["func"] for a in actions["actions"]] == ["alert"]      # the open book is not changed


def test_tong_hop_reports_a_conflict_and_keeps_the_master_value(master, payload, workdir):
    pytest.importorskip("cchc_xl.roundtrip.consolidate")
    split_result, sent = split(payload)
    # after sending, the office typed another progress into the master for VII-03
    row = read_master(master).rows[S.SHEET_TASKS]["VII-03"]
    set_value(sent, S.SHEET_TASKS, f"{S.col_letter(S.TASK_COLUMNS, 'progress')}{row}", 50)
    fill_return(split_result.files[1], workdir / "phieu_nhan_ve", "VII-03", progress=80)
    result, _, merged = run(buttons.tong_hop, sent)
    assert not result.ok and "1 xung đột" in result.message and "VII-03" in result.message
    assert read_book(open_json_book(merged)).plan.task("VII-03").progress == 50


@pytest.mark.parametrize("sheet, item, official", [
    (S.SHEET_TASKS, "VII-03", 150), (S.SHEET_TASKS, "VII-03", -1), (S.SHEET_TASKS, "VII-03", 100.5),
    (S.SHEET_REMEDIATION, "KP-01", 101)])
def test_tong_hop_keeps_an_out_of_range_value_the_official_typed(master, payload, workdir, sheet, item, official):
    """The button reads the open book as ``tong-hop`` reads the file: a "Tiến độ" outside 0-100 typed in
    the master after the forms went out is the official's value - a conflict, never taken for 0 and
    overwritten (it was written over with "Đã cập nhật" and old value '0' in "Nhật ký")."""
    pytest.importorskip("cchc_xl.roundtrip.consolidate")
    split_result, sent = split(payload)
    columns = S.TASK_COLUMNS if sheet == S.SHEET_TASKS else S.REMEDIATION_COLUMNS
    ref = f"{S.col_letter(columns, 'progress')}{read_master(master).rows[sheet][item]}"
    set_value(sent, sheet, ref, official)
    from openpyxl import load_workbook

    wb = load_workbook(split_result.files[1])       # VHXH leads VII-03 and KP-01
    ws = wb[sheet]
    row = next(r for r in range(S.FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, 1).value == item)
    ws.cell(row, S.col_index(columns, "progress"), value=80)
    (workdir / "phieu_nhan_ve").mkdir(parents=True)
    wb.save(workdir / "phieu_nhan_ve" / split_result.files[1].name)
    result, _, merged = run(buttons.tong_hop, sent)
    assert not result.ok and "1 xung đột" in result.message and item in result.message
    assert value(merged, sheet, ref) == official
    audit = [r for r in rows_of(merged, S.SHEET_AUDIT)[S.HEADER_ROW:] if r[5] == item]
    assert [(r[7], r[8], r[9]) for r in audit] == [(str(official).replace(".", ","), "80", "Xung đột")]


def test_error_values_of_the_open_book_are_named_and_never_written_over(master, payload, workdir):
    """An error value (the JSON book sends its text, desktop Excel reads it so): Tạo phiếu names the
    cell, Tổng hợp leaves it to the official and logs what it held."""
    pytest.importorskip("cchc_xl.roundtrip.consolidate")
    row = read_master(master).rows[S.SHEET_TASKS]["VII-03"]
    ref = f"{S.col_letter(S.TASK_COLUMNS, 'status')}{row}"
    set_value(payload, S.SHEET_TASKS, ref, "#N/A")
    split_result, sent = split(payload)
    assert "1 ô của sổ có giá trị lỗi" in split_result.message and f"{S.SHEET_TASKS}!{ref}" in split_result.message
    assert [(f.code, f.cell) for f in split_result.findings if f.code == "split_cell_error"] == \
        [("split_cell_error", ref)]
    fill_return(split_result.files[1], workdir / "phieu_nhan_ve", "VII-03", status="Đang thực hiện", progress=60)
    result, _, merged = run(buttons.tong_hop, sent)
    assert [f.cell for f in result.findings if f.code == "master_cell_error"] == [ref]
    assert value(merged, S.SHEET_TASKS, ref) == "#N/A"
    # nor the rest of the row: applied whole or not at all (the unit's 60 % waits, named)
    assert read_book(open_json_book(merged)).plan.task("VII-03").progress != 60
    assert [f.task_id for f in result.findings if f.code == "row_held"] == ["VII-03"]
    audit = [r for r in rows_of(merged, S.SHEET_AUDIT)[S.HEADER_ROW:] if r[5] == "VII-03" and r[6] == "Trạng thái"]
    assert [r[7] for r in audit] == ["#N/A"]

@pytest.mark.parametrize("c4, expected", [
    (None, "sau ngày số liệu 14/09/2025"),                   # the dashboard's date, as the button
    ("14/09/2025", "'14/09/2025' nhập dạng văn bản, không phải ngày"),   # text: refused by cell, as tien-do
    ("", "Ô 'Ngày số liệu' đang trống")])
def test_tong_hop_command_takes_the_dashboard_date_like_the_button(master, tmp_path, c4, expected):
    """README: without --ngay, tong-hop uses "Ngày số liệu" of Tổng quan (the button's date); it used
    today, and accepted a completion date after the cut-off the button refuses."""
    import shutil

    import typer
    from openpyxl import load_workbook
    from typer.testing import CliRunner

    from cchc_xl.cli.roundtrip import register
    from cchc_xl.roundtrip.split import split_master

    path = tmp_path / master.name
    shutil.copy(master, path)
    files = split_master(path, tmp_path / "phieu", period_label="Quý III/2025", as_of=CUTOFF)
    if c4 is not None:
        wb = load_workbook(path)
        wb[S.SHEET_DASHBOARD]["C4"] = c4 or None
        wb.save(path)
    fill_return(files[1], tmp_path / "in", "VII-03", status="Đã hoàn thành", progress=100,
                completed_on=dt.datetime(2025, 9, 20))
    before = path.read_bytes()
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)
    res = CliRunner().invoke(app, ["tong-hop", str(path), str(tmp_path / "in")], env={"COLUMNS": "300"})
    assert res.exit_code == 1 and expected in " ".join(res.output.split()), res.output
    if c4 is not None:
        assert "trang 'Tổng quan', ô C4" in " ".join(res.output.split()) and path.read_bytes() == before
    assert read_master(path).plan.task("VII-03").completed_on is None


def test_tong_hop_without_the_inbox_folder(payload, workdir):
    result, actions, _ = run(buttons.tong_hop, payload)
    assert not result.ok and [a["func"] for a in actions["actions"]] == ["alert"]
    assert "Không tìm thấy thư mục phiếu nhận về" in result.message
    assert str(workdir / "phieu_nhan_ve") in result.message


# ------------------------------------------------------------------ HTTP server

SERVER_TOKEN = "token-123-abcdefghijklmnop"
AUTH = {"Authorization": SERVER_TOKEN}


@pytest.fixture
def server_url(tmp_path):
    """The FastAPI app served by a real uvicorn on 127.0.0.1 (ephemeral port)."""
    uvicorn = pytest.importorskip("uvicorn")
    pytest.importorskip("fastapi")
    import threading
    import time

    from cchc_xl.xl import server

    config = server.ServerConfig(token=SERVER_TOKEN, work_dir=tmp_path / "lam_viec")
    srv = uvicorn.Server(uvicorn.Config(server.create_app(config), host="127.0.0.1", port=0,
                                        log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert srv.started, "uvicorn did not start"
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


def http(url: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    import urllib.error
    import urllib.request

    data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json",
                                                              **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_server_runs_a_handler_on_the_posted_book(server_url, payload):
    status, info = http(server_url + "/")
    assert status == 200 and info["chuc_nang"] == ["bao-cao-quy", "kiem-tra", "phan-hoi", "tao-phieu", "tong-hop"]
    status, actions = http(server_url + "/kiem-tra", payload, AUTH)
    assert status == 200
    assert actions["actions"][0]["args"][1] == FINDINGS_SHEET
    assert "Có 2 lỗi" in alerts(actions)[0]
    after = read_book(open_json_book(apply_actions(payload, actions)))      # still a readable master
    assert len(after.plan.tasks) == 9


def test_server_rejects_what_is_not_a_book_and_checks_the_token(server_url, payload):
    status, body = http(server_url + "/kiem-tra", {"hello": 1}, AUTH)
    assert status == 400 and "không phải sổ Excel" in body["detail"]
    assert http(server_url + "/kiem-tra", payload)[0] == 401
    status, body = http(server_url + "/kiem-tra", payload, {"Authorization": "token-124"})
    assert status == 401 and body["detail"].startswith("Sai hoặc thiếu mã truy cập")
    assert http(server_url + "/kiem-tra", payload, AUTH)[0] == 200
    assert http(server_url + "/kiem-tra", payload, {"Authorization": "Bearer " + SERVER_TOKEN})[0] == 200


# ------------------------------------------------------------------ VBA module

ROOT = Path(__file__).resolve().parent.parent


def test_vba_module_calls_existing_zero_argument_entries():
    import importlib.util
    import inspect
    import re

    raw = (ROOT / "macros" / "cchc_xl.bas").read_bytes()
    assert raw.isascii()                                    # VBA source is ANSI: no diacritics
    assert b"\n" not in raw.replace(b"\r\n", b"")            # CRLF, as the VBA editor exports
    text = raw.decode("ascii")
    assert text.startswith('Attribute VB_Name = "cchc_xl"\r\n')
    calls = re.findall(r'RunPython "import cchc_xl\.xl\.buttons as b; b\.(\w+)\(\)"', text)
    assert calls == ["btn_kiem_tra", "btn_tao_phieu", "btn_tong_hop", "btn_phan_hoi", "btn_bao_cao_quy",
                     "btn_nhap_khac_phuc", "btn_nhap_chi_so"]
    for name in calls:
        assert not inspect.signature(getattr(buttons, name)).parameters
    subs = re.findall(r"^Public Sub (\w+)\(\)", text, re.M)
    assert subs == ["KiemTra", "TaoPhieu", "TongHop", "PhanHoi", "BaoCaoQuy", "NhapKhacPhuc", "NhapChiSo",
                    "NapHamCCHC"]
    # the Windows set-up script wires its buttons to these macros and the UDF module
    spec = importlib.util.spec_from_file_location("tao_so_xlsm", ROOT / "macros" / "tao_so_xlsm.py")
    setup = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(setup)
    assert [macro for _, macro in setup.BUTTONS] == subs[:7]
    assert ["UDF Modules", "cchc_xl.xl.udfs"] in setup.config_rows()
    assert setup.DASHBOARD == S.SHEET_DASHBOARD
    assert all(p.exists() for p in setup._vba_modules())     # xlwings.bas, Dictionary.cls, ours


@pytest.mark.parametrize("sheet", [S.SHEET_TASKS, S.SHEET_META])
def test_a_used_range_reaching_far_gets_a_message_not_a_hang(payload, sheet):
    """Excel's used range to XFD1048576 (a border drawn there): refused by name, nothing asked of Excel."""
    sheet_of(payload, sheet)["used_range_address"] = "A1:XFD1048576"
    result, actions, _ = run(buttons.kiem_tra, payload)
    assert not result.ok and [a["func"] for a in actions["actions"]] == ["alert"]
    assert f"Trang '{sheet}'" in result.message and "XFD1048576" in result.message
    assert "kể cả ô chỉ có định dạng" in result.message
