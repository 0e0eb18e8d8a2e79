"""The files Tổng hợp has dealt with are listed in the master's "_meta" (I:J), so a later run
does not read "Nhật ký" back (a row per changed cell: 100 000 a quarter at province scale).

Each family with its variants: a rerun still skips what was applied and re-logs nothing; a
master without the list (made before it), or with a damaged list, falls back to "Nhật ký"
and gets the list; an item without a base record still merges against the values last
applied (read from "Nhật ký" only then); rows the official added below the log are never
written over; the scan that finds the end of the log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from cchc_xl.core import schema as S
from cchc_xl.files.sheet_scan import last_value_row
from cchc_xl.roundtrip.bases import read_applied
from cchc_xl.roundtrip.consolidate import consolidate, read_master_values
from cchc_xl.roundtrip.consolidate import state as ST
from period_env import fill

AS_OF = dt.date(2025, 9, 14)
NOW = dt.datetime(2025, 9, 15, 8, 0)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def audit_reads(monkeypatch) -> list[str]:
    """Sheets whose rows the master reader parsed (to see whether "Nhật ký" was read)."""
    seen: list[str] = []
    real = ST._sheet_rows

    def spy(sheet, projection=None):
        seen.append(sheet.name)
        return real(sheet, projection)

    monkeypatch.setattr(ST, "_sheet_rows", spy)
    return seen


def _inbox(env: dict[str, Path]) -> None:
    fill(env["VHXH"], env["inbox"] / env["VHXH"].name, {"III-03": {"progress": 100, "status": "Đã hoàn thành",
                                               "completed_on": dt.date(2025, 9, 2)}})
    fill(env["VP"], env["inbox"] / env["VP"].name, {"II-02": {"progress": 80}})
    (env["inbox"] / "rong.xlsx").write_bytes(b"")       # rejected as a whole


def _applied_table(master: Path) -> dict[str, list[str]]:
    rows = read_master_values(master, [S.SHEET_META])[S.SHEET_META]
    got = read_applied(rows)
    assert got.found
    return got.files


def _drop_table(master: Path, *, damage: bool = False) -> None:
    """A master from before the list (or with a damaged list), as Excel would save it."""
    wb = load_workbook(master)
    ws = wb[S.SHEET_META]
    for r in range(1, ws.max_row + 1):
        if damage:
            if r > 1 and ws.cell(r, 10).value:
                ws.cell(r, 10).value = "{không phải danh sách"
                break
        else:
            ws.cell(r, 9).value = ws.cell(r, 10).value = None
    wb.save(master)


def test_a_run_lists_every_file_it_dealt_with(env):
    _inbox(env)
    first = consolidate(env["master"], env["inbox"], as_of=AS_OF)
    assert first.written
    table = _applied_table(env["master"])
    shas = {_sha(f): f.name for f in env["inbox"].iterdir()}
    assert set(table) == set(shas)
    assert table[hashlib.sha256(b"").hexdigest()][0].startswith("Từ chối tệp")
    assert all(table[s] == ["Đã tổng hợp tệp"] for s, n in shas.items() if n != "rong.xlsx")


def test_a_rerun_reads_no_audit_log_and_changes_nothing(env, audit_reads):
    _inbox(env)
    consolidate(env["master"], env["inbox"], as_of=AS_OF)
    before = _sha(env["master"])
    audit_reads.clear()
    again = consolidate(env["master"], env["inbox"], as_of=AS_OF)
    assert S.SHEET_AUDIT not in audit_reads and S.SHEET_TASKS in audit_reads
    assert not again.written and _sha(env["master"]) == before
    assert not again.plan.master_changes and not again.plan.audit_rows    # the rejection is not re-logged


def test_a_new_return_after_a_listed_run_is_applied_and_appended_after_the_log(env, audit_reads):
    _inbox(env)
    consolidate(env["master"], env["inbox"], as_of=AS_OF)
    log_before = read_master_values(env["master"], [S.SHEET_AUDIT])[S.SHEET_AUDIT]
    newer = env["root"] / "lan2"
    newer.mkdir()
    fill(env["VP"], newer / env["VP"].name, {"II-02": {"progress": 90}})
    copy = env["root"] / "copy.xlsx"
    shutil.copy2(env["master"], copy)
    _drop_table(copy)                        # the same run, reading "Nhật ký" whole
    full = consolidate(copy, newer, as_of=AS_OF, dry_run=True, now=NOW)
    audit_reads.clear()
    res = consolidate(env["master"], newer, as_of=AS_OF, now=NOW)
    assert S.SHEET_AUDIT not in audit_reads
    assert res.plan.master_changes and [(c.cell, c.new) for c in res.plan.master_changes] == \
        [(c.cell, c.new) for c in full.plan.master_changes]
    assert res.plan.audit_rows == full.plan.audit_rows
    log = read_master_values(env["master"], [S.SHEET_AUDIT])[S.SHEET_AUDIT]
    assert log[:len(log_before)] == log_before                       # nothing written over
    assert len(log) == len(log_before) + len(res.plan.audit_rows)    # appended right below
    assert len(_applied_table(env["master"])) == 4


@pytest.mark.parametrize("damage", [False, True], ids=["without-list", "damaged-list"])
def test_a_master_without_a_usable_list_reads_the_log_and_gets_the_list(env, audit_reads, damage):
    _inbox(env)
    consolidate(env["master"], env["inbox"], as_of=AS_OF)
    listed = _applied_table(env["master"])
    _drop_table(env["master"], damage=damage)
    assert not read_applied(read_master_values(env["master"], [S.SHEET_META])[S.SHEET_META]).found
    audit_reads.clear()
    again = consolidate(env["master"], env["inbox"], as_of=AS_OF)
    assert S.SHEET_AUDIT in audit_reads                 # what was done is read from "Nhật ký"
    assert not again.plan.master_changes and not again.plan.audit_rows
    assert not again.written                            # nothing else to write: the list waits
    newer = env["root"] / "lan2"
    newer.mkdir()
    f = fill(env["VP"], newer / env["VP"].name, {"II-02": {"progress": 90}})
    res = consolidate(env["master"], newer, as_of=AS_OF)
    assert res.written
    assert _applied_table(env["master"]) == {**listed, _sha(f): ["Đã tổng hợp tệp"]}


def test_an_item_without_a_base_record_merges_against_the_log(env, audit_reads):
    """The official hand-edited a value the unit had sent before: still a conflict, found
    through "Nhật ký" (read only for such an item), exactly as when the log is read whole."""
    _inbox(env)
    consolidate(env["master"], env["inbox"], as_of=AS_OF)
    wb = load_workbook(env["master"])
    ws = wb[S.SHEET_META]
    for r in range(2, ws.max_row + 1):       # forget the base record of VP's II-02
        if ws.cell(r, 4).value == "VP" and ws.cell(r, 6).value == "II-02":
            for c in range(4, 8):
                ws.cell(r, c).value = None
    wb.save(env["master"])
    newer = env["root"] / "lan2"
    newer.mkdir()
    fill(env["VP"], newer / env["VP"].name, {"II-02": {"progress": 95}})
    copy = env["root"] / "copy.xlsx"
    shutil.copy2(env["master"], copy)
    audit_reads.clear()
    res = consolidate(env["master"], newer, as_of=AS_OF)
    assert S.SHEET_AUDIT in audit_reads                  # read for this item only, lazily
    # the same plan as a run that reads everything (no list: "Nhật ký" read up front)
    _drop_table(copy)
    full = consolidate(copy, newer, as_of=AS_OF, dry_run=True)
    assert [(c.cell, c.new) for c in res.plan.master_changes] == [(c.cell, c.new) for c in full.plan.master_changes]
    assert [(c.item_id, c.column_key) for c in res.plan.conflicts] == \
        [(c.item_id, c.column_key) for c in full.plan.conflicts]


def test_rows_the_official_added_below_the_log_are_never_written_over(env):
    _inbox(env)
    consolidate(env["master"], env["inbox"], as_of=AS_OF)
    n = len(read_master_values(env["master"], [S.SHEET_AUDIT])[S.SHEET_AUDIT])
    wb = load_workbook(env["master"])
    wb[S.SHEET_AUDIT].cell(n + 3, 2).value = "ghi chú của cán bộ"
    wb.save(env["master"])
    newer = env["root"] / "lan2"
    newer.mkdir()
    fill(env["VP"], newer / env["VP"].name, {"II-02": {"progress": 90}})
    res = consolidate(env["master"], newer, as_of=AS_OF)
    log = read_master_values(env["master"], [S.SHEET_AUDIT])[S.SHEET_AUDIT]
    assert log[n + 2][1] == "ghi chú của cán bộ"
    assert len(log) == n + 3 + len(res.plan.audit_rows)


# ---------------------------------------------------------------- where the log ends

def _sheet(tmp_path: Path, cells: dict[str, object], formula: dict[str, str] | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = S.SHEET_AUDIT
    for ref, v in cells.items():
        ws[ref] = v
    for ref, f in (formula or {}).items():
        ws[ref] = f
    ws.row_dimensions[40].height = 30            # a formatted empty row below everything
    path = tmp_path / "b.xlsx"
    wb.save(path)
    return path


@pytest.mark.parametrize("cells, formula, expected", [
    ({"A1": "tiêu đề", "C7": 3}, None, 7),
    ({"A1": "x", "B9": ""}, None, 1),                     # openpyxl writes no empty text
    ({"A2": "x"}, {"D12": "=1+1"}, 12),                   # a formula counts
    ({}, None, 0),
    ({"A1": "x" * 5000, "A1000": "cuối"}, None, 1000),    # over several chunks
])
def test_last_value_row(tmp_path, cells, formula, expected):
    path = _sheet(tmp_path, cells, formula)
    assert last_value_row(path, S.SHEET_AUDIT) == expected
    assert last_value_row(path, "Không có") is None


def test_last_value_row_over_chunks_of_a_real_log(tmp_path, monkeypatch):
    """Rows cut across the scan's chunks and carries give the same answer as a full read."""
    from cchc_xl.files import sheet_scan

    wb = Workbook()
    ws = wb.active
    ws.title = S.SHEET_AUDIT
    for r in range(1, 400):
        ws.cell(r, 1, f"dòng {r}")
        ws.cell(r, 3, r * 1.5)
    for r in range(400, 420):
        ws.row_dimensions[r].height = 20        # formatted, empty
    path = tmp_path / "log.xlsx"
    wb.save(path)
    for chunk in (37, 101, 4096):
        monkeypatch.setattr(sheet_scan, "_CHUNK", chunk)
        monkeypatch.setattr(sheet_scan, "_CARRY", 64)
        assert last_value_row(path, S.SHEET_AUDIT) == 399, chunk


# ---------------------------------------------------------------- files already consolidated are not read again

def _summaries(res) -> list[tuple]:
    return [(f.file, f.status, f.unit, f.sha256, f.reason) for f in res.plan.files]


@pytest.fixture()
def books_read(monkeypatch) -> list:
    """Every returned book read during a run (to see which were read only in part)."""
    from cchc_xl.roundtrip.consolidate import read as R

    seen: list = []
    real = R.read_unit_workbook

    def spy(path, skip_cells=None):
        book = real(path, skip_cells)
        seen.append(book)
        return book

    monkeypatch.setattr(R, "read_unit_workbook", spy)
    return seen


def _twice(env, monkeypatch, books_read, *, learn=None):
    """First run on the inbox, then a new return added; (second run, the same run when every
    file is read whole)."""
    from cchc_xl.roundtrip.consolidate import read as R

    _inbox(env)
    consolidate(env["master"], env["inbox"], as_of=AS_OF, now=NOW)
    fill(env["PVHCC"], env["inbox"] / env["PVHCC"].name, {"II-03": {"progress": 60}})
    copy = env["root"] / "copy.xlsx"
    shutil.copy2(env["master"], copy)
    with monkeypatch.context() as m:
        m.setattr(R._ReadAhead, "_learn_done", lambda self, rows: None)     # nothing skipped
        whole = consolidate(copy, env["inbox"], as_of=AS_OF, now=NOW, dry_run=True)
    if learn is not None:
        monkeypatch.setattr(R._ReadAhead, "_learn_done", learn)
    books_read.clear()
    return consolidate(env["master"], env["inbox"], as_of=AS_OF, now=NOW), whole


def test_a_rerun_reads_only_the_identity_of_files_consolidated_before(env, monkeypatch, books_read):
    res, whole = _twice(env, monkeypatch, books_read)
    partial = {b.name for b in books_read if b.partial}
    assert partial == {env["VHXH"].name, env["VP"].name}              # consolidated in the first run
    assert all(not b.sheets and not b.items for b in books_read if b.partial)
    assert env["PVHCC"].name not in partial
    assert _summaries(res) == _summaries(whole)
    assert [(c.cell, c.new) for c in res.plan.master_changes] == [(c.cell, c.new) for c in whole.plan.master_changes]
    assert res.plan.audit_rows == whole.plan.audit_rows


def test_a_file_read_in_part_but_not_done_for_this_run_is_read_whole(env, monkeypatch, books_read):
    """Whatever the reading threads took as consolidated, the run's own index decides: a
    book read in part that the index does not list is read again whole and merged."""
    from cchc_xl.roundtrip.consolidate import read as R

    def everything_done(self, rows):
        self.done = frozenset(R.file_sha256(f) for f in self.files)

    res, whole = _twice(env, monkeypatch, books_read, learn=everything_done)
    assert any(b.partial and b.name == env["PVHCC"].name for b in books_read)
    assert _summaries(res) == _summaries(whole)
    assert [(c.cell, c.new) for c in res.plan.master_changes] == [(c.cell, c.new) for c in whole.plan.master_changes]
    assert res.plan.master_changes
