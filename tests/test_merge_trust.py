"""Tổng hợp never rolls back, overwrites or fakes (issue 8).

Each family with its own variants: the base of the 3-way merge lives in the master; older
returns never replace newer values; a row is checked and applied whole; repeated ids;
multi-line and over-long texts.  Returns are made as an official would: the unit workbook
is opened with openpyxl, cells are changed and the file is saved; the time Excel saved it
(docProps/core.xml) is set where a test needs it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from cchc_xl.core import schema as S
from cchc_xl.core.dispatch import ITEM_COL
from cchc_xl.core.tracking import FIELD_LABELS, TRACKING_KEYS
from cchc_xl.core.validate import validate_master
from cchc_xl.roundtrip.bases import read_bases, read_returns
from cchc_xl.roundtrip.consolidate import consolidate, read_master_values
from cchc_xl.roundtrip.split import split_master
from cchc_xl.workbook.master import read_master

AS_OF = dt.date(2025, 9, 14)
PERIOD = "Quý III/2025"


def fill(src: Path, out: Path, changes: dict[str, dict[str, Any]], *, sheet: str = S.SHEET_TASKS,
         saved: dt.datetime | None = None, duplicate: list[str] = ()) -> Path:
    """The unit's return: cells changed by task id, optional copies of rows, saved at ``saved``."""
    wb = load_workbook(src)
    ws = wb[sheet]
    cols = S.TASK_COLUMNS if sheet == S.SHEET_TASKS else S.REMEDIATION_COLUMNS
    rows = {ws.cell(r, 1).value: r for r in range(S.FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, 1).value}
    for item, values in changes.items():
        for key, value in values.items():
            ws.cell(rows[item], S.col_index(cols, key), value=value)
    for item in duplicate:
        ws.append([c.value for c in ws[rows[item]]])
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    if saved is not None:
        set_saved_at(out, saved)
    return out


def set_saved_at(path: Path, when: dt.datetime) -> None:
    """Rewrite docProps/core.xml "modified" (what Excel writes when it saves)."""
    with zipfile.ZipFile(path) as z:
        parts = {i: z.read(i.filename) for i in z.infolist()}
    out = path.with_suffix(".tmp")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts.items():
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)",
                              rb"\g<1>" + when.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>", data)
            z.writestr(info, data)
    out.replace(path)


def task(master: Path, tid: str):
    return {t.id: t for t in read_master(master).plan.tasks}[tid]


def set_master(master: Path, tid: str, **values: Any) -> None:
    """The official edits the master by hand (openpyxl, as Excel would save it)."""
    wb = load_workbook(master)
    ws = wb[S.SHEET_TASKS]
    row = next(r for r in range(S.FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, 1).value == tid)
    for key, value in values.items():
        ws.cell(row, S.col_index(S.TASK_COLUMNS, key), value=value)
    wb.save(master)


def audit_actions(master: Path) -> list[str]:
    rows = read_master_values(master, [S.SHEET_AUDIT])[S.SHEET_AUDIT]
    return [str(r[9]) for r in rows[S.HEADER_ROW:] if len(r) > 9 and r[9]]


def run(env: dict[str, Path], *files: Path, as_of: dt.date = AS_OF):
    for f in env["inbox"].iterdir():
        f.unlink()
    for f in files:
        shutil.copy2(f, env["inbox"] / f.name)
    return consolidate(env["master"], env["inbox"], as_of=as_of)


def sent(env: dict[str, Path]) -> Path:
    return env["root"] / "gui"


# ================================================================ the base lives in the master

def test_split_records_what_each_unit_is_sent(env: dict[str, Path]) -> None:
    store = read_bases(read_master_values(env["master"], [S.SHEET_META])[S.SHEET_META])
    assert store.get("VHXH", S.SHEET_TASKS, "III-01").issued["status"] == "Chưa thực hiện"
    assert store.get("PVHCC", S.SHEET_TASKS, "II-02").master is not None      # several lead units
    assert store.get("VHXH", S.SHEET_TASKS, "II-03") is None                   # not sent to VHXH


@pytest.mark.parametrize("field, first, official", [
    ("progress", 40, 55),
    ("evidence", "Quyết định 12/QĐ-UBND", "Quyết định 12/QĐ-UBND (bản có dấu)"),
    ("status", "Đang thực hiện", "Chưa thực hiện"),
])
def test_resending_applied_content_changes_nothing_after_a_hand_edit(env, field: str, first: Any,
                                                                     official: Any) -> None:
    a = fill(env["VHXH"], sent(env) / "lan1" / env["VHXH"].name, {"III-01": {field: first}})
    assert run(env, a).plan.master_changes
    set_master(env["master"], "III-01", **{field: official})
    # the same content again, saved again (another SHA-256), with one more edit elsewhere
    b = fill(env["VHXH"], sent(env) / "lan2" / env["VHXH"].name,
             {"III-01": {field: first}, "III-03": {"note": "Đã gửi dự thảo"}})
    result = run(env, b)
    assert not result.conflicts and not result.rejections, result.summary_text()
    got = task(env["master"], "III-01")
    assert (getattr(got, field).value if field == "status" else getattr(got, field)) == official
    assert task(env["master"], "III-03").note == "Đã gửi dự thảo"


def test_base_advances_with_every_value_applied(env) -> None:
    a = fill(env["VHXH"], sent(env) / "1" / env["VHXH"].name, {"III-01": {"progress": 30}})
    run(env, a)
    b = fill(env["VHXH"], sent(env) / "2" / env["VHXH"].name, {"III-01": {"progress": 60}})
    result = run(env, b)
    assert not result.conflicts and task(env["master"], "III-01").progress == 60
    store = read_bases(read_master_values(env["master"], [S.SHEET_META])[S.SHEET_META])
    entry = store.get("VHXH", S.SHEET_TASKS, "III-01")
    assert entry.base["progress"] == 60 and entry.issued["progress"] == 0


def test_official_edit_then_unit_edit_is_a_conflict_every_time(env) -> None:
    set_master(env["master"], "III-01", progress=50)
    a = fill(env["VHXH"], sent(env) / "1" / env["VHXH"].name, {"III-01": {"progress": 30}})
    first = run(env, a)
    assert [c.item_id for c in first.conflicts] == ["III-01"]
    b = fill(env["VHXH"], sent(env) / "2" / env["VHXH"].name, {"III-01": {"progress": 30},
                                                                "III-03": {"note": "lần 2"}})
    assert [c.item_id for c in run(env, b).conflicts] == ["III-01"]   # the base did not move
    assert task(env["master"], "III-01").progress == 50


@pytest.mark.parametrize("sheet, unit, item, official", [
    (S.SHEET_TASKS, "VHXH", "III-01", 150), (S.SHEET_TASKS, "VHXH", "III-01", -1),
    (S.SHEET_REMEDIATION, "VP", "KP-01", 101), (S.SHEET_REMEDIATION, "VP", "KP-01", 100.5)])
def test_an_out_of_range_value_the_official_typed_is_a_conflict(env, sheet, unit, item, official) -> None:
    """A "Tiến độ" outside 0-100 typed in the master after the split is still the official's value:
    a conflict naming it, kept, and "Nhật ký" logs it as the old value (never an invented 0)."""
    wb = load_workbook(env["master"])
    ws = wb[sheet]
    cols = S.TASK_COLUMNS if sheet == S.SHEET_TASKS else S.REMEDIATION_COLUMNS
    row = next(r for r in range(S.FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, 1).value == item)
    ws.cell(row, S.col_index(cols, "progress"), value=official)
    wb.save(env["master"])
    a = fill(env[unit], sent(env) / env[unit].name, {item: {"progress": 80}}, sheet=sheet)
    result = run(env, a)
    assert [c.item_id for c in result.conflicts] == [item]
    assert _master_cells(env["master"], sheet, item)["progress"] == official
    logged = [(r[7], r[9]) for r in _audit_rows(env["master"]) if r[5] == item]
    assert logged == [(str(official).replace(".", ","), "Xung đột")]


def _forge_base(path: Path, item: str, **values: Any) -> None:
    """Edit the hidden "_meta" of a return: claim another base for ``item``."""
    wb = load_workbook(path)
    ws = wb[S.SHEET_META]
    header = [c.value for c in ws[1]]
    col = header.index("base") + 1
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, header.index("id") + 1).value == item:
            base = json.loads(ws.cell(r, col).value)
            base.update(values)
            ws.cell(r, col, value=json.dumps(base, ensure_ascii=False))
    wb.save(path)


@pytest.mark.parametrize("field, official, forged, theirs", [
    ("progress", 80, 80.0, 20),
    ("note", "Cán bộ ghi", "Cán bộ ghi", "Đơn vị ghi đè"),
])
def test_a_forged_base_never_overwrites_the_official(env, field: str, official: Any, forged: Any,
                                                     theirs: Any) -> None:
    set_master(env["master"], "III-03", **{field: official})
    a = fill(env["VHXH"], sent(env) / env["VHXH"].name, {"III-03": {field: theirs}})
    _forge_base(a, "III-03", **{field: forged})       # "the master had this when it was sent"
    result = run(env, a)
    assert [r.item_id for r in result.rejections] == ["III-03"]
    assert "_meta" in result.rejections[0].reason
    got = task(env["master"], "III-03")
    assert getattr(got, field) == official


# ================================================================ older returns

def test_a_return_saved_before_the_applied_one_is_rejected(env) -> None:
    newer = fill(env["VHXH"], sent(env) / "moi" / env["VHXH"].name, {"III-01": {"progress": 70}},
                 saved=dt.datetime(2025, 9, 12, 16, 0))
    older = fill(env["VHXH"], sent(env) / "cu" / env["VHXH"].name, {"III-01": {"progress": 20},
                                                                     "III-03": {"progress": 10}},
                 saved=dt.datetime(2025, 9, 10, 8, 0))
    run(env, newer)
    result = run(env, older)
    assert [f.status for f in result.plan.files] == ["Từ chối"]
    assert "cũ hơn" in result.rejections[0].reason and "12/09/2025" in result.rejections[0].reason
    assert task(env["master"], "III-01").progress == 70 and task(env["master"], "III-03").progress == 0
    assert read_returns(dict((str(r[0]), r[1]) for r in read_master_values(
        env["master"], [S.SHEET_META])[S.SHEET_META] if r and r[0]))["VHXH"].saved_at.startswith("2025-09-12")


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None).replace(microsecond=0)


@pytest.mark.parametrize("ahead", [dt.timedelta(days=3), dt.timedelta(days=400), None],
                         ids=["days-ahead", "a-year-ahead", "year-9999"])
def test_a_saved_time_later_than_the_clock_does_not_make_later_returns_look_older(env, ahead) -> None:
    """A unit computer whose clock runs ahead: its return is applied with a warning, and its
    saved time is not what later returns of the unit are compared with."""
    future = _utc_now() + ahead if ahead else dt.datetime(9999, 12, 31, 23, 59, 59)
    first = fill(env["VHXH"], sent(env) / "lech" / env["VHXH"].name, {"III-01": {"progress": 40}}, saved=future)
    result = run(env, first)
    (warn,) = [f for f in result.findings if f.code == "return_saved_later"]
    assert warn.severity == "warning" and warn.file == first.name and "đồng hồ" in warn.message
    assert future.strftime("%Y") in warn.message and not result.rejections
    assert task(env["master"], "III-01").progress == 40
    later = fill(env["VHXH"], sent(env) / "dung" / env["VHXH"].name,
                 {"III-01": {"progress": 80}, "III-03": {"progress": 20}}, saved=_utc_now())
    result = run(env, later)
    assert not result.rejections and [f.status for f in result.plan.files] == ["Đã tổng hợp"]
    assert task(env["master"], "III-01").progress == 80 and task(env["master"], "III-03").progress == 20


def test_a_future_time_recorded_by_an_earlier_run_is_not_trusted(env, monkeypatch) -> None:
    """A master that recorded a saved time in the future (before this check existed)."""
    from cchc_xl.roundtrip.consolidate import merge as M

    monkeypatch.setattr(M, "_in_future", lambda saved: False)     # how earlier versions recorded it
    run(env, fill(env["VHXH"], sent(env) / "lech" / env["VHXH"].name, {"III-01": {"progress": 40}},
                  saved=_utc_now() + dt.timedelta(days=30)))
    monkeypatch.undo()
    result = run(env, fill(env["VHXH"], sent(env) / "dung" / env["VHXH"].name, {"III-01": {"progress": 60}},
                           saved=_utc_now()))
    assert not result.rejections and task(env["master"], "III-01").progress == 60


def test_saved_times_with_an_offset_are_compared_as_utc(env) -> None:
    """core.xml "modified" written with +07:00 (some programs): 23:00+07:00 is 16:00 UTC."""
    newer = fill(env["VHXH"], sent(env) / "moi" / env["VHXH"].name, {"III-01": {"progress": 70}},
                 saved=dt.datetime(2025, 9, 12, 16, 30))
    older = fill(env["VHXH"], sent(env) / "cu" / env["VHXH"].name, {"III-01": {"progress": 20}})
    with zipfile.ZipFile(older) as z:
        parts = {i: z.read(i.filename) for i in z.infolist()}
    with zipfile.ZipFile(older, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts.items():
            if info.filename == "docProps/core.xml":    # 12/09 23:00 Vietnam time = 16:00 UTC, before 16:30
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>2025-09-12T23:00:00+07:00\g<2>", data)
            z.writestr(info, data)
    run(env, newer)
    result = run(env, older)
    assert result.rejections and "cũ hơn" in result.rejections[0].reason
    assert "12/09/2025 23:00:00" in result.rejections[0].reason and "12/09/2025 23:30:00" in result.rejections[0].reason
    assert task(env["master"], "III-01").progress == 70


@pytest.mark.parametrize("damage", ["{hỏng", "[1, 2]", "12"])
def test_a_damaged_record_of_returns_stops_tong_hop(env, damage: str) -> None:
    """Read as "no return applied yet", an older return would replace newer values: refused by name."""
    from cchc_xl.core.models import CchcError

    newer = fill(env["VHXH"], sent(env) / "moi" / env["VHXH"].name, {"III-01": {"progress": 70}},
                 saved=dt.datetime(2025, 9, 12, 16, 0))
    run(env, newer)
    wb = load_workbook(env["master"])
    ws = wb[S.SHEET_META]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "returns")
    ws.cell(row, 2).value = damage
    wb.save(env["master"])
    older = fill(env["VHXH"], sent(env) / "cu" / env["VHXH"].name, {"III-01": {"progress": 20}},
                 saved=dt.datetime(2025, 9, 10, 8, 0))
    with pytest.raises(CchcError) as err:
        run(env, older)
    assert f"B{row}" in str(err.value) and "phiếu cũ có thể thay số liệu mới" in str(err.value)
    assert task(env["master"], "III-01").progress == 70


@pytest.mark.parametrize("damage", ["{hỏng", None, '{"v":2,"i":[1],"b":[]}'])
def test_a_damaged_base_record_is_said_not_silent(env, damage) -> None:
    """One record of the merge base edited by hand: that item falls back to the log, with a warning."""
    wb = load_workbook(env["master"])
    ws = wb[S.SHEET_META]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 6).value == "III-01")
    ws.cell(row, 7).value = damage
    wb.save(env["master"])
    result = run(env, fill(env["VHXH"], sent(env) / env["VHXH"].name, {"III-03": {"progress": 20}}))
    (f,) = [f for f in result.findings if f.code == "master_bases_damaged"]
    assert f.severity == "warning" and f.cell == f"G{row}" and f.message.startswith("1 bản ghi")
    assert task(env["master"], "III-03").progress == 20


def test_a_return_of_an_earlier_split_is_rejected_after_a_newer_one(env) -> None:
    old_book = fill(env["VHXH"], sent(env) / "v2" / env["VHXH"].name, {"III-01": {"progress": 15}})
    split_master(env["master"], env["root"] / "phieu_v3", period_label=PERIOD, as_of=AS_OF)
    v3 = next((env["root"] / "phieu_v3").glob("*VHXH*"))
    newer = fill(v3, sent(env) / "v3" / v3.name, {"III-01": {"progress": 90}})
    run(env, newer)
    result = run(env, old_book)
    assert result.rejected_files and "phiên bản 2" in result.rejections[0].reason
    assert task(env["master"], "III-01").progress == 90


@pytest.mark.parametrize("order", ["newest_first_by_name", "newest_last_by_name"])
def test_two_returns_of_one_unit_in_one_run_newest_wins(env, order: str) -> None:
    early, late = dt.datetime(2025, 9, 11, 9, 0), dt.datetime(2025, 9, 13, 17, 30)
    names = ("a_VHXH.xlsx", "b_VHXH.xlsx") if order == "newest_first_by_name" else ("b_VHXH.xlsx", "a_VHXH.xlsx")
    new = fill(env["VHXH"], sent(env) / names[0], {"III-01": {"progress": 65}}, saved=late)
    old = fill(env["VHXH"], sent(env) / names[1], {"III-01": {"progress": 25}, "III-03": {"progress": 5}},
               saved=early)
    result = run(env, new, old)
    status = {f.file: f.status for f in result.plan.files}
    assert status[new.name] == "Đã tổng hợp" and status[old.name] == "Bỏ qua (có phiếu mới hơn)"
    assert any(f.code == "return_superseded" and new.name in f.message for f in result.findings)
    assert task(env["master"], "III-01").progress == 65 and task(env["master"], "III-03").progress == 0


def test_an_unedited_cell_never_rolls_back_a_later_value(env) -> None:
    """A second copy of the workbook lacks the unit's earlier edit: reported, not rolled back."""
    a = fill(env["VHXH"], sent(env) / "1" / env["VHXH"].name, {"III-01": {"progress": 45}})
    run(env, a)
    b = fill(env["VHXH"], sent(env) / "2" / env["VHXH"].name, {"III-03": {"progress": 10}})
    result = run(env, b)
    assert task(env["master"], "III-01").progress == 45 and task(env["master"], "III-03").progress == 10
    assert any(f.code == "return_rollback" and f.task_id == "III-01" for f in result.findings)


# ================================================================ the official's formulas are kept

def _formula_at(master: Path, sheet: str, item: str, key: str, formula: str) -> str:
    wb = load_workbook(master)
    ws = wb[sheet]
    cols = S.TASK_COLUMNS if sheet == S.SHEET_TASKS else S.REMEDIATION_COLUMNS
    row = next(r for r in range(S.FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, 1).value == item)
    cell = ws.cell(row, S.col_index(cols, key))
    cell.value = formula
    wb.save(master)
    return cell.coordinate


def _cell_formula(master: Path, sheet: str, ref: str) -> Any:
    return load_workbook(master)[sheet][ref].value


@pytest.mark.parametrize("sheet, unit, item, key, value, other", [
    (S.SHEET_TASKS, "VHXH", "III-01", "progress", 70, ("evidence", "BC 12")),
    (S.SHEET_TASKS, "VHXH", "III-01", "status", "Đang thực hiện", ("progress", 30)),
    (S.SHEET_REMEDIATION, "KT", "KP-02", "progress", 40, ("evidence", "KH 3")),
], ids=["task-progress", "task-status", "remediation-progress"])
def test_a_formula_the_official_put_in_the_master_is_never_written_over(env, sheet, unit, item, key, value,
                                                                          other) -> None:
    ref = _formula_at(env["master"], sheet, item, key, "=10*2")
    a = fill(env[unit], sent(env) / env[unit].name, {item: {key: value, other[0]: other[1]}}, sheet=sheet,
             saved=dt.datetime(2025, 9, 12, 9, 0))
    result = run(env, a)
    (f,) = [f for f in result.findings if f.code == "master_cell_formula"]
    assert (f.sheet, f.cell, f.task_id, f.severity) == (sheet, ref, item, "warning") and ref in f.message
    assert _cell_formula(env["master"], sheet, ref) == "=10*2"             # the formula is still there
    assert not [c for c in result.plan.master_changes if c.cell == ref]
    # nor the rest of the row: a row is applied whole or not at all (the unit's value is named)
    assert not [c for c in result.plan.master_changes if c.task_id == item]
    (held,) = [f for f in result.findings if f.code == "row_held"]
    assert held.task_id == item and ref in held.message and str(other[1]) in held.message
    assert any("công thức" in a for a in audit_actions(env["master"]))
    # reported again on the next run (the unit's value was not applied: the base did not move)
    later = fill(env[unit], sent(env) / "lan2" / env[unit].name, {item: {key: value, "note": "gửi lại"}},
                 sheet=sheet, saved=dt.datetime(2025, 9, 13, 9, 0))
    again = run(env, later)
    assert not again.rejections
    assert [g.cell for g in again.findings if g.code == "master_cell_formula"] == [ref]
    assert _cell_formula(env["master"], sheet, ref) == "=10*2"


def test_a_formula_in_a_task_of_several_units_keeps_the_derived_value_out(env) -> None:
    """The master row of a task of several units is derived from their reports: not over a formula."""
    ref = _formula_at(env["master"], S.SHEET_TASKS, "II-02", "progress", "=SUM(1,2)")
    a = fill(env["VP"], sent(env) / env["VP"].name, {"II-02": {"status": "Đang thực hiện", "progress": 80}})
    result = run(env, a)
    assert [f.cell for f in result.findings if f.code == "master_cell_formula"] == [ref]
    assert _cell_formula(env["master"], S.SHEET_TASKS, ref) == "=SUM(1,2)"
    # the derived row is written whole or not at all: the status waits with the progress
    assert task(env["master"], "II-02").status.value == "Chưa thực hiện"
    (held,) = [f for f in result.findings if f.code == "row_held"]
    assert ref in held.message and "Trạng thái 'Đang thực hiện'" in held.message



# ================================================================ an error value in the master is not a value

def _audit_rows(master: Path) -> list[tuple[Any, ...]]:
    rows = read_master_values(master, [S.SHEET_AUDIT])[S.SHEET_AUDIT]
    return [tuple(r) for r in rows[S.HEADER_ROW:] if len(r) > 9 and r[5]]


@pytest.mark.parametrize("sheet, unit, item, key, value, error, other", [
    (S.SHEET_TASKS, "VHXH", "III-01", "progress", 70, "#N/A", ("evidence", "BC 12")),
    (S.SHEET_TASKS, "VHXH", "III-01", "status", "Đang thực hiện", "#REF!", ("progress", 30)),
    (S.SHEET_REMEDIATION, "KT", "KP-02", "progress", 40, "#DIV/0!", ("evidence", "KH 3")),
], ids=["task-progress", "task-status", "remediation-progress"])
def test_an_error_value_in_the_master_is_not_taken_for_a_value(env, sheet, unit, item, key, value, error,
                                                                 other) -> None:
    """python-calamine reads #REF! as an empty cell: the merge must not compare the unit's value
    with a default the cell does not hold, write over it, or log a made-up old value."""
    ref = _formula_at(env["master"], sheet, item, key, error)      # a value pasted from a failed lookup
    assert load_workbook(env["master"])[sheet][ref].data_type == "e"
    a = fill(env[unit], sent(env) / env[unit].name, {item: {key: value, other[0]: other[1]}}, sheet=sheet,
             saved=dt.datetime(2025, 9, 12, 9, 0))
    result = run(env, a)
    (f,) = [f for f in result.findings if f.code == "master_cell_error"]
    assert (f.sheet, f.cell, f.task_id, f.file, f.severity) == (sheet, ref, item, env["master"].name, "warning")
    assert error in f.message
    cell = load_workbook(env["master"])[sheet][ref]
    assert (cell.value, cell.data_type) == (error, "e")                    # still the official's to settle
    assert not [c for c in result.plan.master_changes if c.cell == ref]
    assert not [c for c in result.plan.master_changes if c.task_id == item]     # nor the rest of its row
    assert [f.task_id for f in result.findings if f.code == "row_held"] == [item]
    logged = [r[6:9] for r in _audit_rows(env["master"]) if r[5] == item and r[6] == FIELD_LABELS[key]]
    assert [r[1] for r in logged].count(error) == 1        # the log says what the master cell held
    later = fill(env[unit], sent(env) / "lan2" / env[unit].name, {item: {key: value, "note": "gửi lại"}},
                 sheet=sheet, saved=dt.datetime(2025, 9, 13, 9, 0))
    again = run(env, later)
    assert [g.cell for g in again.findings if g.code == "master_cell_error"] == [ref]    # until it is settled


def test_an_error_value_in_a_task_of_several_units_keeps_the_derived_value_out(env) -> None:
    ref = _formula_at(env["master"], S.SHEET_TASKS, "II-02", "progress", "#VALUE!")
    a = fill(env["VP"], sent(env) / env["VP"].name, {"II-02": {"status": "Đang thực hiện", "progress": 80}})
    result = run(env, a)
    assert [f.cell for f in result.findings if f.code == "master_cell_error"] == [ref]
    assert load_workbook(env["master"])[S.SHEET_TASKS][ref].value == "#VALUE!"
    assert task(env["master"], "II-02").status.value == "Chưa thực hiện"     # waits with the progress
    assert [f.task_id for f in result.findings if f.code == "row_held"] == ["II-02"]


def test_tao_phieu_names_the_formulas_in_tracking_cells(env) -> None:
    """The unit is sent what the formula shows; Tổng hợp will keep the formula: said beforehand.
    A formula elsewhere in the row (the deadline) is not a tracking cell."""
    from cchc_xl.roundtrip.split import split_master_detailed

    ref = _formula_at(env["master"], S.SHEET_TASKS, "III-01", "progress", "=10*2")
    ref2 = _formula_at(env["master"], S.SHEET_REMEDIATION, "KP-02", "status", '="Đang thực hiện"')
    _formula_at(env["master"], S.SHEET_TASKS, "III-02", "due", "=DATE(2025,12,31)")
    result = split_master_detailed(env["master"], env["root"] / "ky4", period_label="Quý IV/2025")
    found = [(f.sheet, f.cell, f.severity) for f in result.findings if f.code == "split_cell_formula"]
    assert found == [(S.SHEET_TASKS, ref, "warning"), (S.SHEET_REMEDIATION, ref2, "warning")]


def test_tao_phieu_names_each_error_value_of_the_master(env) -> None:
    from cchc_xl.roundtrip.split import split_master_detailed

    ref = _formula_at(env["master"], S.SHEET_TASKS, "III-01", "status", "#N/A")
    ref2 = _formula_at(env["master"], S.SHEET_REMEDIATION, "KP-02", "progress", "#REF!")
    result = split_master_detailed(env["master"], env["root"] / "ky4", period_label="Quý IV/2025")
    found = [(f.sheet, f.cell, f.severity) for f in result.findings if f.code == "split_cell_error"]
    assert found == [(S.SHEET_TASKS, ref, "warning"), (S.SHEET_REMEDIATION, ref2, "warning")]
    assert all(env["master"].name == f.file for f in result.findings if f.code == "split_cell_error")


# ================================================================ a row is checked and applied whole

@pytest.mark.parametrize("row, cell, words", [
    ({"status": "Đã hoàn thành", "progress": 40, "completed_on": dt.date(2025, 9, 1)}, "N", "chỉ 40%"),
    ({"status": "Đã hoàn thành", "progress": 0.4, "completed_on": dt.date(2025, 9, 1)}, "N", "chỉ 0,4%"),
    ({"status": "Đã hoàn thành", "progress": 100, "completed_on": dt.date(2024, 11, 30)}, "O", "trước kỳ kế hoạch"),
    ({"status": "Đã hoàn thành", "progress": 100, "completed_on": dt.date(2025, 10, 2)}, "O", "sau ngày số liệu"),
    ({"status": "Đã hoàn thành", "progress": 100, "completed_on": "31/02/2025"}, "O", "không hợp lệ"),
    # a number beyond Excel's last date (31/12/9999), or an ISO text with no such month: Vietnamese
    # reasons (Python's own are English, and a number this big made the date overflow)
    ({"status": "Đã hoàn thành", "progress": 100, "completed_on": 3000000}, "O", "'3.000.000' không phải ngày"),
    ({"status": "Đã hoàn thành", "progress": 100, "completed_on": 1e308}, "O", "'1e+308' không phải ngày"),
    ({"status": "Đã hoàn thành", "progress": 100, "completed_on": "2025-13-01"}, "O", "'2025-13-01' không phải ngày"),
    ({"status": "Đã hoàn thành", "progress": 100, "completed_on": "0000-01-01"}, "O", "'0000-01-01' không phải ngày"),
])
def test_an_error_rejects_the_whole_row(env, row: dict[str, Any], cell: str, words: str) -> None:
    a = fill(env["VHXH"], sent(env) / env["VHXH"].name,
             {"III-01": {**row, "evidence": "Báo cáo số 7"}, "III-03": {"progress": 20}})
    result = run(env, a)
    rej = [r for r in result.rejections if r.item_id == "III-01"]
    assert len(rej) == 1 and rej[0].cell.startswith(cell) and words in rej[0].reason, rej
    t = task(env["master"], "III-01")
    assert (t.status.value, t.progress, t.completed_on, t.evidence) == ("Chưa thực hiện", 0, None, "")
    assert task(env["master"], "III-03").progress == 20       # the other rows still apply
    assert any(a.startswith("Từ chối") for a in audit_actions(env["master"]))


@pytest.mark.parametrize("key, error", [("progress", "#N/A"), ("status", "#REF!"), ("completed_on", "#DIV/0!"),
                                        ("evidence", "#NAME?")])
def test_an_excel_error_value_is_not_read_as_an_empty_cell(env, key: str, error: str) -> None:
    """python-calamine reads #N/A as an empty cell: read so, a progress of 50 became 0."""
    first = fill(env["VHXH"], sent(env) / "dau" / env["VHXH"].name,
                 {"III-01": {"status": "Đang thực hiện", "progress": 50, "completed_on": None, "evidence": "BC 1"}},
                 saved=dt.datetime(2025, 9, 10, 8, 0))
    run(env, first)
    wb = load_workbook(first)        # the same workbook, the cell now holding an error value
    ws = wb[S.SHEET_TASKS]
    row = next(r for r in range(S.FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, 1).value == "III-01")
    cell = ws.cell(row, S.col_index(S.TASK_COLUMNS, key))
    cell.value = error
    assert cell.data_type == "e"
    second = sent(env) / "sau" / env["VHXH"].name
    second.parent.mkdir(parents=True, exist_ok=True)
    wb.save(second)
    set_saved_at(second, dt.datetime(2025, 9, 12, 8, 0))
    result = run(env, second)
    (f,) = [f for f in result.findings if f.code == "return_cell_error"]
    assert f.cell == cell.coordinate and error in f.message and f.task_id == "III-01"
    t = task(env["master"], "III-01")
    assert (t.status.value, t.progress, t.evidence) == ("Đang thực hiện", 50, "BC 1")


def test_a_date_after_the_plan_year_is_an_error(env) -> None:
    a = fill(env["VHXH"], sent(env) / env["VHXH"].name,
             {"III-01": {"status": "Đã hoàn thành", "progress": 100, "completed_on": dt.date(2026, 1, 5)}})
    result = run(env, a, as_of=dt.date(2026, 1, 10))
    assert ["sau năm kế hoạch 2025" in r.reason for r in result.rejections] == [True]
    assert task(env["master"], "III-01").status.value == "Chưa thực hiện"


@pytest.mark.parametrize("row, code", [
    ({"status": "Chưa thực hiện", "progress": 100}, "progress_not_done"),
    ({"status": "Đang thực hiện", "progress": 60, "completed_on": dt.date(2025, 9, 2)}, "date_not_done"),
    ({"status": "Đã hoàn thành", "progress": 100}, "done_no_date"),
    ({"status": "Đã hoàn thành", "progress": 100, "completed_on": dt.date(2025, 7, 1)}, "date_before_plan"),
    ({"progress": 0.5}, "progress_fraction"),
    ({"progress": "0,5"}, "progress_fraction"),
])
def test_a_contradiction_warning_is_applied_and_logged(env, row: dict[str, Any], code: str) -> None:
    a = fill(env["VHXH"], sent(env) / env["VHXH"].name, {"III-01": row})
    result = run(env, a)
    assert not result.rejections, result.summary_text()
    found = [f for f in result.findings if f.code == code]
    assert len(found) == 1 and found[0].task_id == "III-01" and found[0].severity == "warning"
    assert any(a.startswith("Cảnh báo") and found[0].message in a for a in audit_actions(env["master"]))
    # kiem-tra says the same thing about the row now in the master
    again = [f for f in validate_master(read_master(env["master"]), AS_OF) if f.code == code]
    assert [f.message for f in again] == [found[0].message]


# ================================================================ repeated ids, texts

@pytest.mark.parametrize("edit", [{}, {"III-01": {"progress": 35}}])
def test_a_repeated_id_rejects_every_row_with_it(env, edit: dict[str, Any]) -> None:
    a = fill(env["VHXH"], sent(env) / env["VHXH"].name, {**edit, "III-03": {"progress": 25}},
             duplicate=["III-01", "III-01"])
    result = run(env, a)
    rej = [r for r in result.rejections if r.item_id == "III-01"]
    assert len(rej) == 3 and all("3 lần" in r.reason for r in rej)
    assert task(env["master"], "III-01").progress == 0
    assert task(env["master"], "III-03").progress == 25


def test_multi_line_evidence_keeps_its_lines(env) -> None:
    text = "Quyết định số 12/QĐ-UBND\r\nBiên bản kiểm tra ngày 05/9\n- Ảnh chụp hiện trường"
    a = fill(env["VHXH"], sent(env) / env["VHXH"].name, {"III-01": {"evidence": text, "progress": 50}})
    assert not run(env, a).rejections
    want = "Quyết định số 12/QĐ-UBND\nBiên bản kiểm tra ngày 05/9\n- Ảnh chụp hiện trường"
    assert task(env["master"], "III-01").evidence == want
    ws = load_workbook(env["master"])[S.SHEET_TASKS]
    cell = next(ws.cell(r, S.col_index(S.TASK_COLUMNS, "evidence")) for r in range(5, ws.max_row + 1)
                if ws.cell(r, 1).value == "III-01")
    assert cell.value.split("\n") == want.split("\n")


@pytest.mark.parametrize("field", ["evidence", "note"])
def test_text_beyond_the_excel_cell_limit_is_refused(env, field: str) -> None:
    a = fill(env["VHXH"], sent(env) / env["VHXH"].name, {"III-01": {field: "x" * 32_000, "progress": 50}})
    wb_path = a
    # a cell Excel could not hold: grow it inside the package (openpyxl writes what it is given)
    with zipfile.ZipFile(wb_path) as z:
        parts = {i: z.read(i.filename) for i in z.infolist()}
    with zipfile.ZipFile(wb_path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts.items():
            z.writestr(info, data.replace(b"x" * 32_000, b"x" * 40_000))
    result = run(env, wb_path)
    rej = [r for r in result.rejections if r.item_id == "III-01"]
    assert len(rej) == 1 and "40.000 ký tự" in rej[0].reason and "32.767" in rej[0].reason
    t = task(env["master"], "III-01")
    assert t.progress == 0 and getattr(t, field) == ""


# ================================================================ a row is applied whole or not at all

def _master_cells(master: Path, sheet: str, item: str) -> dict[str, Any]:
    wb = load_workbook(master)
    ws = wb[sheet]
    cols = S.TASK_COLUMNS if sheet == S.SHEET_TASKS else S.REMEDIATION_COLUMNS
    row = next(r for r in range(S.FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, 1).value == item)
    return {k: ws.cell(row, S.col_index(cols, k)).value for k in TRACKING_KEYS}


@pytest.mark.parametrize("sheet, unit, item, official, theirs, resend", [
    # the official set the progress; the unit reports the task done: "Đã hoàn thành" at 30 % is nobody's row
    (S.SHEET_TASKS, "VHXH", "III-01", {"progress": 30},
     {"status": "Đã hoàn thành", "progress": 100, "completed_on": dt.datetime(2025, 9, 1), "evidence": "QĐ 5"},
     True),
    # the official wrote a note; the unit changes its note and the status
    (S.SHEET_TASKS, "VHXH", "III-01", {"note": "Chờ ý kiến Chủ tịch"},
     {"status": "Đang thực hiện", "progress": 40, "note": "Đã trình"}, True),
    # the same on a remediation row of several units (the master row derived from their reports):
    # not derived again until a report changes, so the official types the cells the finding names
    (S.SHEET_REMEDIATION, "KT", "KP-02", {"progress": 20},
     {"status": "Đang thực hiện", "progress": 60, "evidence": "KH 3"}, False),
], ids=["task-done-over-progress", "task-note", "remediation"])
def test_a_conflict_holds_back_the_whole_row(env, sheet, unit, item, official, theirs, resend) -> None:
    wb = load_workbook(env["master"])
    ws = wb[sheet]
    cols = S.TASK_COLUMNS if sheet == S.SHEET_TASKS else S.REMEDIATION_COLUMNS
    row = next(r for r in range(S.FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, 1).value == item)
    for k, v in official.items():
        ws.cell(row, S.col_index(cols, k), value=v)
    wb.save(env["master"])
    before = _master_cells(env["master"], sheet, item)
    a = fill(env[unit], sent(env) / env[unit].name, {item: theirs}, sheet=sheet, saved=dt.datetime(2025, 9, 12, 9))
    result = run(env, a)
    (conflict,) = result.conflicts
    assert conflict.item_id == item and conflict.column_key in official
    assert _master_cells(env["master"], sheet, item) == before          # nothing of the row is written
    assert not [c for c in result.plan.master_changes if c.task_id == item]
    (held,) = [f for f in result.findings if f.code == "row_held"]
    waiting = [k for k in theirs if k not in official]
    for k in waiting:                                                   # each cell held back, named
        assert f"{FIELD_LABELS[k]} '" in held.message
    assert conflict.cell in held.message and held.sheet == sheet and held.file == env["master"].name
    logged = [r for r in _audit_rows(env["master"]) if r[5] == item and str(r[9]).startswith("Cảnh báo: chưa")]
    assert sorted(r[6] for r in logged) == sorted(FIELD_LABELS[k] for k in waiting)
    if not resend:
        return
    # the official settles the conflict by taking the unit's value; the unit's next file applies the rest
    k = conflict.column_key
    wb = load_workbook(env["master"])
    wb[sheet].cell(row, S.col_index(cols, k), value=theirs[k])
    wb.save(env["master"])
    later = fill(env[unit], sent(env) / "lan2" / env[unit].name, {item: theirs}, sheet=sheet,
                 saved=dt.datetime(2025, 9, 13, 9))
    again = run(env, later)
    assert not again.conflicts and not [f for f in again.findings if f.code == "row_held"]
    after = _master_cells(env["master"], sheet, item)
    for k2, v in theirs.items():
        assert after[k2] == v or (isinstance(v, str) and v in str(after[k2])), (k2, after[k2], v)


def test_a_conflict_in_a_unit_report_holds_back_that_report(env) -> None:
    """A task of several units: the unit's row of "Báo cáo đơn vị" is applied whole or not at all,
    and the master row derived from the reports does not move."""
    first = fill(env["VP"], sent(env) / env["VP"].name, {"II-02": {"status": "Đang thực hiện", "progress": 40}},
                 saved=dt.datetime(2025, 9, 12, 9))
    run(env, first)
    wb = load_workbook(env["master"])                   # the official corrects VP's report by hand
    ws = wb[S.SHEET_UNIT_REPORTS]
    (r,) = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "II-02" and ws.cell(r, 2).value == "VP"]
    header = {ws.cell(S.HEADER_ROW, c).value: c for c in range(1, ws.max_column + 1)}
    ws.cell(r, header[FIELD_LABELS["progress"]], value=50)
    wb.save(env["master"])
    derived = _master_cells(env["master"], S.SHEET_TASKS, "II-02")
    later = fill(env["VP"], sent(env) / "lan2" / env["VP"].name,
                 {"II-02": {"status": "Đã hoàn thành", "progress": 100, "completed_on": dt.datetime(2025, 9, 10)}},
                 saved=dt.datetime(2025, 9, 13, 9))
    result = run(env, later)
    assert [c.column_key for c in result.conflicts] == ["progress"]
    (held,) = [f for f in result.findings if f.code == "row_held"]
    assert "Trạng thái 'Đã hoàn thành'" in held.message and held.sheet == S.SHEET_UNIT_REPORTS
    wb = load_workbook(env["master"])
    ws = wb[S.SHEET_UNIT_REPORTS]
    assert ws.cell(r, header[FIELD_LABELS["status"]]).value == "Đang thực hiện"      # VP's report as it was
    assert ws.cell(r, header[FIELD_LABELS["progress"]]).value == 50
    assert _master_cells(env["master"], S.SHEET_TASKS, "II-02") == derived


# ================================================================ what the unit sees: a percentage

@pytest.mark.parametrize("fmt, stored, expected", [
    ("0%", 0.8, 80), ("0.0%", 0.455, 45.5), ('0%" đạt"', 0.3, 30), ("#,##0.00%", 1, 100),
    ('0" %"', 30, 30),                  # a quoted "%" is text: 30 shows "30 %", it is 30
], ids=["builtin", "one-decimal", "custom-with-text", "hundred", "quoted-sign"])
def test_progress_typed_as_a_percentage_is_what_the_unit_sees(env, fmt, stored, expected) -> None:
    """Typing "80%" in Excel stores 0,8 shown as 80 %: the progress is 80, not 0,8 (and 100 %
    with "Đã hoàn thành" is not refused as "tiến độ chỉ 1%")."""
    done = expected == 100
    values = {"status": "Đã hoàn thành" if done else "Đang thực hiện", "progress": stored}
    if done:
        values["completed_on"] = dt.datetime(2025, 9, 1)
    a = fill(env["VHXH"], sent(env) / env["VHXH"].name, {"III-01": values}, saved=dt.datetime(2025, 9, 12, 9))
    wb = load_workbook(a)
    ws = wb[S.SHEET_TASKS]
    row = next(r for r in range(S.FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, 1).value == "III-01")
    cell = ws.cell(row, S.col_index(S.TASK_COLUMNS, "progress"))
    cell.number_format = fmt
    ws.cell(row, S.col_index(S.TASK_COLUMNS, "note")).number_format = "0%"     # a text cell: no effect
    wb.save(a)
    result = run(env, a)
    assert not result.rejections, result.rejections
    assert task(env["master"], "III-01").progress == expected
    read = [f for f in result.findings if f.code == "return_percent_read"]
    if stored == expected:
        assert not read
        return
    (f,) = read
    assert (f.cell, f.task_id, f.severity) == (cell.coordinate, "III-01", "info")


# ================================================================ what a file says it was sent is a claim

def _meta_cell(wb, key: str):
    meta = wb[S.SHEET_META]
    return next(meta.cell(r, 2) for r in range(1, meta.max_row + 1) if meta.cell(r, 1).value == key)


def _drop_meta_item(wb, item: str) -> None:
    """Delete the per-item row of ``item`` in the unit workbook's "_meta" (columns D:J)."""
    meta = wb[S.SHEET_META]
    col = ITEM_COL + 1                              # "id" is the second item column
    (r,) = [r for r in range(1, meta.max_row + 1) if meta.cell(r, col).value == item]
    for c in range(ITEM_COL, ITEM_COL + 7):
        meta.cell(r, c).value = None


@pytest.mark.parametrize("how", ["relabelled-and-renamed", "relabelled"])
def test_another_units_form_relabelled_is_refused_whole(env, how) -> None:
    """VP's form with "_meta" saying KT (and named as KT's file): the master did not send VP's
    rows to KT, so nothing of it is KT's - not even the task the two units share."""
    kt_name = env["KT"].name
    wb = load_workbook(env["VP"])
    _meta_cell(wb, "unit_code").value = "KT"
    ws = wb[S.SHEET_TASKS]
    rows = {ws.cell(r, 1).value: r for r in range(S.FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, 1).value}
    for item, r in rows.items():
        ws.cell(r, S.col_index(S.TASK_COLUMNS, "progress"), value=77)
        ws.cell(r, S.col_index(S.TASK_COLUMNS, "status"), value="Đang thực hiện")
    out = sent(env) / (kt_name if how == "relabelled-and-renamed" else "phieu.xlsx")
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    before = {t: task(env["master"], t).progress for t in rows}
    result = run(env, out)
    (f,) = result.rejected_files
    assert "Phiếu ghi là của đơn vị KT" in f.reason and "không phải phiếu đã gửi cho KT" in f.reason
    assert not result.plan.master_changes and not result.plan.new_unit_reports
    assert {t: task(env["master"], t).progress for t in rows} == before


def test_a_row_deleted_with_its_meta_row_is_still_reported(env) -> None:
    """The master's record says which rows were sent: deleting a row and its "_meta" row too
    does not make it vanish from what the official is told."""
    wb = load_workbook(env["VHXH"])
    ws = wb[S.SHEET_TASKS]
    (r,) = [r for r in range(S.FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, 1).value == "III-01"]
    ws.delete_rows(r)
    _drop_meta_item(wb, "III-01")
    out = sent(env) / env["VHXH"].name
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    result = run(env, out)
    assert not result.rejected_files
    assert [f.task_id for f in result.findings if f.code == "row_deleted"] == ["III-01"]


# ================================================================ what is printed adds up

def test_a_derived_conflict_says_it_is_derived_and_the_counts_add_up(env) -> None:
    """A task of several units whose master row the official edited: the unit's own report is
    written to "Báo cáo đơn vị" (counted), the derived master value conflicts - said as derived
    (the unit never sent '15'), and not sent back to the unit as its mistake."""
    from cchc_xl.roundtrip.consolidate.plan import changes_line
    from cchc_xl.roundtrip.feedback import review_returns

    set_master(env["master"], "II-02", progress=50)
    a = fill(env["VP"], sent(env) / env["VP"].name,
             {"II-02": {"status": "Đang thực hiện", "progress": 30}, "I-02": {"progress": 20}},
             saved=dt.datetime(2025, 9, 12, 9))
    reviews = review_returns(env["master"], [a], as_of=AS_OF)     # what phan-hoi would send back
    (review,) = reviews
    assert review.file_reason == "" and not [i for i in review.items if i.item_id == "II-02"]
    result = run(env, a)
    (c,) = result.conflicts
    assert c.derived and c.item_id == "II-02" and c.header.endswith("(tổng hợp các đơn vị)") and c.theirs != "30"
    (f,) = [f for f in result.findings if f.code == "conflict_derived"]
    assert "tính từ báo cáo của các đơn vị chủ trì" in f.message and "đã ghi vào trang 'Báo cáo đơn vị'" in f.message
    plan = result.plan
    line = changes_line(plan)
    assert f"cập nhật {len(plan.master_changes)} ô trong sổ" in line
    assert f"và {len(plan.unit_report_upserts)} ô/dòng trang 'Báo cáo đơn vị'" in line and plan.unit_report_upserts
    assert "2 dòng đơn vị đã sửa (1 dòng trong đó chưa cập nhật)" in line
    rows_read = sum(1 for k in load_workbook(a)[S.SHEET_TASKS].iter_rows(min_row=S.FIRST_DATA_ROW, values_only=True)
                    if k[0]) + sum(1 for k in load_workbook(a)[S.SHEET_REMEDIATION].iter_rows(
                        min_row=S.FIRST_DATA_ROW, values_only=True) if k[0])
    assert plan.unchanged + plan.edited_rows == rows_read          # every row read is counted once


# ================================================================ a form as issued is not a return

def _register(master: Path) -> dict[str, Any]:
    from cchc_xl.roundtrip.register import read_register

    return {s.unit: s for s in read_register(master)}


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("how", ["outgoing-folder", "copies-in-inbox", "cli", "cli-dry-run"])
def test_the_outgoing_folder_is_refused_and_nothing_written(env, how: str) -> None:
    """Tổng hợp pointed at the forms Tạo phiếu wrote (untouched): every unit was marked
    'Đã nhận, trễ hạn', reminders stopped, and a real return saved on a PC whose clock is
    behind was then refused as older than the 'return' recorded."""
    from typer.testing import CliRunner

    from cchc_xl.cli import app
    from cchc_xl.core.models import CchcError

    before, register = _sha(env["master"]), _register(env["master"])
    folder = env["phieu"]
    if how == "copies-in-inbox":
        for unit in ("VHXH", "PVHCC"):
            shutil.copy2(env[unit], env["inbox"] / env[unit].name)
        folder = env["inbox"]
    if how.startswith("cli"):
        res = CliRunner().invoke(app, ["tong-hop", str(env["master"]), str(folder), "--ngay", "14/09/2025",
                                       *(["--thu"] if how == "cli-dry-run" else [])], env={"COLUMNS": "250"})
        text = " ".join(res.output.split())
        assert res.exit_code == 1 and "thư mục phiếu gửi đi" in text and "Traceback" not in text, res.output
        assert str(folder) in text.replace(" ", "") or folder.name in text
    else:
        with pytest.raises(CchcError) as err:
            consolidate(env["master"], folder, as_of=AS_OF)
        assert err.value.finding.code == "outgoing_folder" and "chưa điền gì" in str(err.value)
    assert _sha(env["master"]) == before and not (env["root"] / "sao_luu").exists()
    assert _register(env["master"]) == register


@pytest.mark.parametrize("name", ["same-name", "renamed"])
def test_an_untouched_form_among_returns_is_listed_and_its_unit_not_received(env, name: str) -> None:
    filled = fill(env["VHXH"], sent(env) / env["VHXH"].name, {"III-01": {"progress": 40}})
    untouched = sent(env) / (env["PVHCC"].name if name == "same-name" else "PVHCC_gui_lai.xlsx")
    shutil.copy2(env["PVHCC"], untouched)
    result = run(env, filled, untouched)
    status = {f.file: f.status for f in result.plan.files}
    assert status == {filled.name: "Đã tổng hợp", untouched.name: "Không tính (giống phiếu gửi đi)"}
    (said,) = [f for f in result.findings if f.file == untouched.name]
    assert said.code == "return_as_issued" and "chưa điền gì - giống phiếu đã gửi đi" in said.message.lower()
    assert not result.has_problems and task(env["master"], "III-01").progress == 40
    reg = _register(env["master"])
    assert reg["VHXH"].returned and not reg["PVHCC"].returned and reg["PVHCC"].file == ""
    assert untouched.name in reg["PVHCC"].details and "không tính là đơn vị PVHCC" in reg["PVHCC"].details
    again = _sha(env["master"])
    run(env, filled, untouched)                                    # the same folder again: nothing new
    assert _sha(env["master"]) == again
    # the unit's real return, saved on a PC whose clock is two hours behind: applied, not "older"
    real = fill(env["PVHCC"], sent(env) / "that" / env["PVHCC"].name, {"II-09": {"progress": 60}},
                saved=_utc_now() - dt.timedelta(hours=2))
    result = run(env, real)
    assert not result.rejections and task(env["master"], "II-09").progress == 60, result.summary_text()
    assert _register(env["master"])["PVHCC"].returned


@pytest.mark.parametrize("later", [dt.timedelta(minutes=-5), dt.timedelta(0)], ids=["clock-behind", "same-second"])
def test_a_form_saved_again_without_a_change_is_received_and_the_register_says_so(env, later) -> None:
    """A unit with nothing new to report opens its form, saves it and sends it back: a return
    (also when it is saved within the second the form was written: the times are to the second)."""
    from cchc_xl.workbook.returned import read_unit_workbook

    made = read_unit_workbook(env["PVHCC"]).made_at
    same = fill(env["PVHCC"], sent(env) / env["PVHCC"].name, {}, saved=made + later)
    result = run(env, same)
    assert [f.status for f in result.plan.files] == ["Đã tổng hợp"] and not result.has_problems
    (said,) = [f for f in result.findings if f.code == "return_no_change"]
    assert said.file == same.name and said.severity == "warning"
    reg = _register(env["master"])["PVHCC"]
    assert reg.returned and reg.file == same.name and "không thay đổi ô theo dõi nào" in reg.details
