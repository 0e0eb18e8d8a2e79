"""Feedback to units (phản hồi): the whole loop on real files.

split -> a unit returns a workbook with a bad cell -> Tổng hợp refuses that row ->
feedback workbook ("Phản hồi" sheet, refused cells highlighted) -> the unit corrects it ->
Tổng hợp applies it -> a second Tổng hợp changes nothing.  The register ("Tình hình gửi
phiếu") follows each step.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from cchc_xl.core import register as R
from cchc_xl.core import schema as S
from cchc_xl.roundtrip.consolidate import consolidate
from cchc_xl.roundtrip.feedback import (HIGHLIGHT_FILL, KIND_CONFLICT, KIND_REFUSED, latest_per_unit,
                                        review_returns, write_feedback)
from cchc_xl.roundtrip.register import read_register
from cchc_xl.workbook.master import read_master
from period_env import AS_OF, PERIOD, build_template, copy_env, fill, fixture_plan, task_rows

NOW = dt.datetime(2025, 9, 15, 9, 0)
LATER = dt.datetime(2025, 9, 18, 10, 0)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("template"), fixture_plan(), return_by=dt.date(2025, 9, 16))


@pytest.fixture()
def env(template: Path, tmp_path: Path) -> dict[str, Path]:
    return copy_env(template, tmp_path)


rows_of = task_rows


def consolidate_and_record(master: Path, inbox: Path, now: dt.datetime):
    """Tổng hợp writes the register together with the merge (one atomic write)."""
    return consolidate(master, sorted(inbox.glob("*.xlsx")), as_of=AS_OF, user="Thư", now=now)


def tasks(master: Path) -> dict[str, Any]:
    return {t.id: t for t in read_master(master).plan.tasks}


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_split_records_every_unit_in_the_register(env: dict[str, Path]) -> None:
    subs = read_register(env["master"])
    assert {s.unit for s in subs} == {"VP", "VHXH", "KT", "PVHCC"}
    assert all(s.period == PERIOD and s.due == dt.date(2025, 9, 16) and s.version for s in subs)
    assert all(not s.returned for s in subs)


def test_full_feedback_loop(env: dict[str, Path]) -> None:
    master, inbox = env["master"], env["inbox"]
    # 1. VHXH returns: one good row, one row with progress 150 (refused, row not applied)
    first = fill(env["VHXH"], inbox / env["VHXH"].name, {
        "III-01": {"status": "Đang thực hiện", "progress": 40},
        "III-03": {"status": "Đang thực hiện", "progress": 150, "note": "gần xong"}})
    result = consolidate_and_record(master, inbox, NOW)
    assert result.written and result.rejections
    refused = [r for r in result.rejections if not r.whole_file]
    assert {r.item_id for r in refused} == {"III-03"}
    t = tasks(master)
    assert t["III-01"].progress == 40 and t["III-03"].progress == 0
    reg = {s.unit: s for s in read_register(master)}
    vhxh = reg["VHXH"]
    assert (vhxh.file, vhxh.sha256, vhxh.received_on) == (first.name, sha(first), NOW.date())
    assert vhxh.refused_cells == 1 and vhxh.status == R.STATUS_CELLS_REFUSED
    assert "III-03" in vhxh.details and vhxh.returns == 1

    # 2. feedback workbook for VHXH only
    reviews = latest_per_unit(review_returns(master, [first], as_of=AS_OF, now=NOW), PERIOD,
                              {s.unit: s.sha256 for s in read_register(master)})
    assert [r.unit for r in reviews if r.needs_feedback] == ["VHXH"]
    review = reviews[0]
    assert [(i.kind, i.item_id, i.value) for i in review.items] == [(KIND_REFUSED, "III-03", 150)]
    out = write_feedback(review, env["root"] / "phan_hoi", due=dt.date(2025, 9, 20))
    wb = load_workbook(out)
    assert wb.sheetnames[0] == S.SHEET_FEEDBACK
    fb = wb[S.SHEET_FEEDBACK]
    table = [r for r in fb.iter_rows(min_row=6, values_only=True) if r[0]]
    assert len(table) == 1
    assert table[0][1:7] == (KIND_REFUSED, S.SHEET_TASKS, review.items[0].cell, "III-03", "Tiến độ (%)", 150)
    assert "0 đến 100" in table[0][8]
    cell = wb[S.SHEET_TASKS][review.items[0].cell]
    assert cell.fill.fgColor.rgb.endswith(HIGHLIGHT_FILL) and "Tiến độ" in cell.comment.text
    assert wb[S.SHEET_TASKS].protection.sheet  # still protected, still the unit's workbook
    assert wb.security.lockStructure and wb[S.SHEET_META].sheet_state == "veryHidden"
    assert wb[S.SHEET_TASKS].data_validations.dataValidation      # dropdowns kept
    sent, back = load_workbook(first), wb
    assert [[c.value for c in r] for r in sent[S.SHEET_META].iter_rows()] == \
        [[c.value for c in r] for r in back[S.SHEET_META].iter_rows()]   # version, fingerprints as sent

    # 3. the unit corrects the highlighted cell and returns the feedback workbook
    corrected = fill(out, inbox / out.name, {"III-03": {"progress": 90}})
    result = consolidate_and_record(master, inbox, LATER)
    assert result.written and not result.has_problems, result.summary_text()
    t = tasks(master)
    assert (t["III-03"].progress, t["III-03"].note, t["III-01"].progress) == (90, "gần xong", 40)
    vhxh = {s.unit: s for s in read_register(master)}["VHXH"]
    assert (vhxh.file, vhxh.sha256, vhxh.refused_cells, vhxh.returns) == (corrected.name, sha(corrected), 0, 2)
    assert vhxh.status == R.STATUS_LATE  # received 18/09, deadline 16/09
    assert f"tệp {first.name}" in vhxh.superseded

    # 4. a second Tổng hợp changes nothing, not even the register
    before = sha(master)
    result = consolidate_and_record(master, inbox, LATER)
    assert not result.written and not result.plan.changes
    assert sha(master) == before
    # and nothing is left to send back
    reviews = review_returns(master, sorted(inbox.glob("*.xlsx")), as_of=AS_OF, now=LATER)
    current = latest_per_unit(reviews, PERIOD, {s.unit: s.sha256 for s in read_register(master)})
    assert [r for r in current if r.needs_feedback] == []


def test_conflict_is_sent_back_with_the_master_value(env: dict[str, Path]) -> None:
    master, inbox = env["master"], env["inbox"]
    # the office already typed a value in the master; the unit sends another one
    wb = load_workbook(master)
    ws = wb[S.SHEET_TASKS]
    row = rows_of(ws)["III-01"]
    ws.cell(row, S.col_index(S.TASK_COLUMNS, "progress"), value=70)
    wb.save(master)
    sent = fill(env["VHXH"], inbox / env["VHXH"].name, {"III-01": {"progress": 30}})
    result = consolidate_and_record(master, inbox, NOW)
    assert result.conflicts
    review = review_returns(master, [sent], as_of=AS_OF, now=NOW)[0]
    assert [(i.kind, i.item_id, i.value) for i in review.items] == [(KIND_CONFLICT, "III-01", 30)]
    assert "'70'" in review.items[0].todo
    out = write_feedback(review, env["root"] / "phan_hoi")
    # the unit agrees with the office: same value -> no conflict, nothing to change
    fixed = fill(out, inbox / out.name, {"III-01": {"progress": 70}})
    result = consolidate_and_record(master, inbox, LATER)
    assert not result.conflicts and not result.rejections
    assert tasks(master)["III-01"].progress == 70
    assert {s.unit: s for s in read_register(master)}["VHXH"].file == fixed.name


def test_feedback_twice_replaces_the_old_sheet(env: dict[str, Path]) -> None:
    master, inbox = env["master"], env["inbox"]
    first = inbox / env["KT"].name
    wb = load_workbook(env["KT"])
    ws = wb[S.SHEET_TASKS]
    ids = [i for i in rows_of(ws) if i]
    r1, r2 = rows_of(ws)[ids[0]], rows_of(ws)[ids[-1]]
    ws.cell(r1, S.col_index(S.TASK_COLUMNS, "progress"), value=101)
    wb.save(first)
    consolidate_and_record(master, inbox, NOW)
    review = review_returns(master, [first], as_of=AS_OF, now=NOW)[0]
    out = write_feedback(review, env["root"] / "phan_hoi")
    # the unit fixes the first cell but breaks another one
    wb = load_workbook(out)
    ws = wb[S.SHEET_TASKS]
    ws.cell(r1, S.col_index(S.TASK_COLUMNS, "progress"), value=50)
    ws.cell(r2, S.col_index(S.TASK_COLUMNS, "completed_on"), value="ngày 31/2")
    second = inbox / out.name
    wb.save(second)
    consolidate_and_record(master, inbox, LATER)
    review = review_returns(master, [second], as_of=AS_OF, now=LATER)[0]
    assert [i.item_id for i in review.items] == [ids[-1]]
    again = write_feedback(review, env["root"] / "phan_hoi_2")
    assert again.name == out.name  # no "_phan_hoi_phan_hoi"
    wb = load_workbook(again)
    assert wb.sheetnames.count(S.SHEET_FEEDBACK) == 1
    assert not wb[S.SHEET_TASKS].cell(r1, S.col_index(S.TASK_COLUMNS, "progress")).fill.fgColor.rgb.endswith(
        HIGHLIGHT_FILL)


def test_unreadable_and_foreign_files_are_reported_not_sent_back(env: dict[str, Path]) -> None:
    master, inbox = env["master"], env["inbox"]
    broken = inbox / "05_KT_hong.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    other = inbox / "06_VP_khac.xlsx"
    wb = load_workbook(env["VP"])
    meta = wb[S.SHEET_META]
    for row in meta.iter_rows(min_row=1, max_col=2):
        if row[0].value == "master_version":
            row[1].value = 99          # a version this master never issued
    wb.save(other)
    reviews = review_returns(master, [broken, other], as_of=AS_OF, now=NOW)
    assert reviews[0].unreadable and not reviews[0].needs_feedback
    assert "phiên bản 99" in reviews[1].file_reason and reviews[1].needs_feedback
    assert latest_per_unit(reviews, PERIOD) == [reviews[1]]
    out = write_feedback(reviews[1], env["root"] / "ph")
    fb = load_workbook(out)[S.SHEET_FEEDBACK]
    assert any("phiên bản 99" in str(c.value) for row in fb.iter_rows(max_row=5) for c in row)


def test_master_made_before_the_register_still_consolidates(env: dict[str, Path]) -> None:
    master, inbox = env["master"], env["inbox"]
    wb = load_workbook(master)
    del wb[S.SHEET_SUBMISSIONS]
    wb.save(master)
    fill(env["VHXH"], inbox / env["VHXH"].name, {"III-01": {"progress": 40}})
    result = consolidate_and_record(master, inbox, NOW)
    assert result.written and not result.has_problems
    assert tasks(master)["III-01"].progress == 40
    assert S.SHEET_SUBMISSIONS not in load_workbook(master).sheetnames   # not added behind the user's back
    assert not consolidate_and_record(master, inbox, NOW).written


def test_cells_that_contradict_each_other_get_a_todo_that_says_how(env: dict[str, Path]) -> None:
    """'Đã hoàn thành' at 60 %: the progress 60 already is a number from 0 to 100, so "type a
    number from 0 to 100" tells the unit nothing; the todo says the cells must agree, and how."""
    master, inbox = env["master"], env["inbox"]
    sent = fill(env["VHXH"], inbox / env["VHXH"].name,
                {"III-01": {"status": "Đã hoàn thành", "progress": 60, "completed_on": dt.datetime(2025, 9, 1)}})
    consolidate_and_record(master, inbox, NOW)
    (review,) = review_returns(master, [sent], as_of=AS_OF, now=NOW)
    (item,) = [i for i in review.items if i.item_id == "III-01"]
    assert item.kind == KIND_REFUSED and "phải khớp nhau" in item.todo and "Tiến độ 100" in item.todo
    assert "số từ 0 đến 100" not in item.todo


def test_a_file_refused_whole_asks_for_a_new_form_not_cell_fixes(env: dict[str, Path]) -> None:
    """A return whose "_meta" says a version the master never issued: nothing in it can be mended
    cell by cell - the feedback, the e-mail and the reminder say a new form is coming, and the
    official is told how to make it."""
    from cchc_xl.core.models import Unit
    from cchc_xl.mail.reminders import compose_feedback, reminder_parts

    master, inbox = env["master"], env["inbox"]
    wb = load_workbook(env["VHXH"])
    meta = wb[S.SHEET_META]
    row = next(r for r in range(1, meta.max_row + 1) if meta.cell(r, 1).value == "master_version")
    meta.cell(row, 2, value=1)
    wb[S.SHEET_TASKS].cell(rows_of(wb[S.SHEET_TASKS])["III-01"], S.col_index(S.TASK_COLUMNS, "progress"), value=40)
    sent = inbox / env["VHXH"].name
    wb.save(sent)
    result = consolidate_and_record(master, inbox, NOW)
    assert result.rejected_files
    (review,) = review_returns(master, [sent], as_of=AS_OF, now=NOW)
    assert review.file_reason and not review.items
    out = write_feedback(review, env["root"] / "phan_hoi")
    texts = " ".join(str(c.value) for r in load_workbook(out)[S.SHEET_FEEDBACK].iter_rows() for c in r if c.value)
    assert "không dùng lại được bằng cách sửa ô" in texts and "Sửa từng ô" not in texts
    unit = Unit(code="VHXH", name="Phòng Văn hóa - Xã hội", email="vhxh@example.gov.vn")
    msg = compose_feedback(unit, period=PERIOD, source_name=sent.name, items=review.items,
                           file_reason=review.file_reason, attachment=out, commune="xã Quảng Sơn",
                           sender="vp@example.gov.vn")
    body = msg.get_body(("plain",)).get_content()
    assert "phiếu mới" in body and "sửa các ô đó ngay trong tệp" not in body
    (sub,) = [s for s in read_register(master) if s.unit == "VHXH" and s.period == PERIOD]
    assert sub.file_refused
    ask = reminder_parts(unit, sub, commune="xã Quảng Sơn", today=AS_OF)["ask"]
    assert "phiếu mới" in ask and "nền vàng" not in ask
