"""What keeps Tổng hợp's memory flat at province scale gives the same results as before:
the master read row by row (only the cells the merge reads, below the header of
"Phân công"), a bounded read-ahead of returned files, compact merge-base records, and
freed memory handed back between stages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import python_calamine as pc
from openpyxl import Workbook

from cchc_xl.core import schema as S
from cchc_xl.files.memory import release_free_memory
from cchc_xl.roundtrip.bases import BASE_HEADERS, BaseEntry, BaseStore, read_bases
from cchc_xl.roundtrip.consolidate import read as R
from cchc_xl.roundtrip.consolidate.state import LIGHT_TASK_KEYS, _sheet_rows, read_master_values


def _book(path: Path, cells: dict[str, object]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Trang"
    for ref, v in cells.items():
        ws[ref] = v
    wb.save(path)
    return path


@pytest.mark.parametrize("cells", [
    {"A1": "x"},                                   # from A1
    {"B3": "x", "D5": 2},                          # empty leading rows and columns
    {"C1": "x", "C2": None, "E7": "cuối"},         # empty leading columns only
    {"A4": 1, "B4": 2},                            # empty leading rows only
    {},                                            # empty sheet
])
def test_rows_read_one_by_one_equal_calamine_from_a1(tmp_path, cells):
    path = _book(tmp_path / "b.xlsx", cells)
    wb = pc.CalamineWorkbook.from_path(str(path))
    expected = [tuple(r) for r in wb.get_sheet_by_name("Trang").to_python(skip_empty_area=False)]
    assert _sheet_rows(wb.get_sheet_by_name("Trang")) == expected


def _master(path: Path, headers: list[str]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = S.SHEET_TASKS
    ws["A1"] = "PHÂN CÔNG THỰC HIỆN NHIỆM VỤ"
    for j, h in enumerate(headers, start=1):
        ws.cell(row=S.HEADER_ROW, column=j, value=h)
    for r in range(S.FIRST_DATA_ROW, S.FIRST_DATA_ROW + 30):
        for j, h in enumerate(headers, start=1):
            ws.cell(row=r, column=j, value=f"{h} {r}")
    wb.save(path)
    return path


def test_light_read_keeps_the_cells_the_merge_reads_and_blanks_the_rest(tmp_path):
    headers = [c.header for c in S.TASK_COLUMNS]
    path = _master(tmp_path / "so.xlsx", headers)
    full = read_master_values(path, [S.SHEET_TASKS])[S.SHEET_TASKS]
    light = read_master_values(path, [S.SHEET_TASKS], light=True)[S.SHEET_TASKS]
    keep = {S.col_index(S.TASK_COLUMNS, k) - 1 for k in LIGHT_TASK_KEYS}
    assert len(light) == len(full)
    assert light[:S.HEADER_ROW] == full[:S.HEADER_ROW]          # title and header whole
    for a, b in zip(full[S.HEADER_ROW:], light[S.HEADER_ROW:]):
        assert [v for j, v in enumerate(a) if j in keep] == [v for j, v in enumerate(b) if j in keep]
        assert all(v is None for j, v in enumerate(b) if j not in keep)
    assert any(v not in (None, "") for j, v in enumerate(full[-1]) if j not in keep)   # the texts existed


def test_light_read_keeps_everything_when_a_column_it_needs_is_missing(tmp_path):
    """Without one of the merge's columns the generic reader runs (and reports it): it
    must see the whole sheet."""
    headers = [c.header for c in S.TASK_COLUMNS if c.key != "evidence"]
    path = _master(tmp_path / "so.xlsx", headers)
    assert read_master_values(path, [S.SHEET_TASKS], light=True) == read_master_values(path, [S.SHEET_TASKS])


def test_read_ahead_window_keeps_file_order_and_reads_every_file(tmp_path, monkeypatch):
    monkeypatch.setattr(R, "READ_AHEAD", 2)
    files = [tmp_path / f"{i:02d}.xlsx" for i in range(9)]
    for i, f in enumerate(files):
        f.write_bytes(b"not a workbook %d" % i if i % 3 else b"")
    seen = []
    with R._ReadAhead(files, threads=2) as reader:
        assert len(reader.futures) == 2                  # only the window is started
        for got in reader.results():
            seen.append(got.path)
            assert got.book is None and got.reason is not None   # damaged/empty: a reason, no exception
            assert len([f for f in reader.futures if f is not None]) <= 2
    assert seen == files


def test_read_ahead_closed_midway_reads_the_rest_in_the_caller(tmp_path, monkeypatch):
    monkeypatch.setattr(R, "READ_AHEAD", 2)
    files = [tmp_path / f"{i}.xlsx" for i in range(6)]
    for f in files:
        f.write_bytes(b"")
    reader = R._ReadAhead(files, threads=2)
    it = reader.results()
    first = next(it)
    reader.close()
    assert [first.path, *[r.path for r in it]] == files


def test_base_records_compact_and_equal_after_a_round_trip():
    issued = {"status": "Đang thực hiện", "progress": 50.0, "completed_on": None, "evidence": "BC 12", "note": ""}
    store = BaseStore()
    store.put("VP", S.SHEET_TASKS, "I-01", BaseEntry(3, issued, issued, None))
    store.put("VP", S.SHEET_TASKS, "I-02", BaseEntry(3, issued, issued, dict(issued, progress=20.0)))
    store.advance("VP", S.SHEET_TASKS, "I-01", dict(issued, progress=100.0, status="Đã hoàn thành"))
    grid: dict[int, dict[str, object]] = {}
    for ref, v in store.edits.items():
        grid.setdefault(int(ref[1:]), {})[ref[0]] = v
    rows = [tuple(grid.get(i, {}).get(c) for c in "ABCDEFG") for i in range(1, max(grid) + 1)]
    again = read_bases(rows)
    assert again.entries == store.entries
    one = again.get("VP", S.SHEET_TASKS, "I-01")
    assert one.issued == issued and one.base["progress"] == 100.0 and one.master is None
    assert again.get("VP", S.SHEET_TASKS, "I-02").master["progress"] == 20.0
    # a record never applied keeps one tuple for what was issued and the base
    two = again.get("VP", S.SHEET_TASKS, "I-02")
    assert two._base is two._issued


def test_release_free_memory_is_harmless():
    assert release_free_memory() in (True, False)


def test_state_from_handed_over_sheets_equals_state_from_a_copy(tmp_path):
    """``consume=True`` frees "Phân công" and "_meta" as it goes; the state is the same."""
    from period_env import build_template, fixture_plan
    from cchc_xl.roundtrip.consolidate.state import master_state_from_sheets

    root = build_template(tmp_path / "mau", fixture_plan())
    values = read_master_values(next(root.glob("*.xlsx")), light=True)
    kept = master_state_from_sheets(values, file="so.xlsx", fast="light", texts=False)
    handed = dict(values)
    got = master_state_from_sheets(handed, file="so.xlsx", fast="light", texts=False, consume=True)
    assert S.SHEET_TASKS not in handed and S.SHEET_META not in handed
    assert got.light_tasks == kept.light_tasks and got.bases.entries == kept.bases.entries
    assert got.meta == kept.meta and got.meta_rows == kept.meta_rows and got.columns == kept.columns
    assert got.next_rows == kept.next_rows and got.data.rows == kept.data.rows
    assert [str(f) for f in got.data.findings] == [str(f) for f in kept.data.findings]


def test_base_records_of_the_same_text_parsed_once_each_keeps_its_row():
    """Repeated record texts share their values; a damaged text drops only its own records."""
    same = '{"v":2,"i":["Chưa thực hiện",0.0,"","",""],"b":["Chưa thực hiện",0.0,"","",""]}'
    moved = '{"v":2,"i":["Chưa thực hiện",0.0,"","",""],"b":["Đã hoàn thành",100,"2025-09-01","BC",""]}'
    rows = [(None, None, None, *BASE_HEADERS)]
    rows += [(None, None, None, "U1", S.SHEET_TASKS, f"T-{i}", t)
             for i, t in enumerate([same, same, "{hỏng", moved, same, '{"v":2,"i":[1],"b":[]}', None, moved])]
    store = read_bases(rows)
    assert sorted(store.entries) == [("U1", S.SHEET_TASKS, f"T-{i}") for i in (0, 1, 3, 4, 7)]
    a, b = store.get("U1", S.SHEET_TASKS, "T-0"), store.get("U1", S.SHEET_TASKS, "T-4")
    assert (a.row, b.row) == (2, 6) and a._base is b._base and a.base["status"] == "Chưa thực hiện"
    done = store.get("U1", S.SHEET_TASKS, "T-7")
    assert done.row == 9 and done.base["completed_on"] == dt.date(2025, 9, 1) and done.issued["progress"] == 0
    assert store.next_row == 10
    # moving one record's base leaves the others sharing its old text untouched
    store.advance("U1", S.SHEET_TASKS, "T-0", dict(a.base, progress=30.0))
    assert store.get("U1", S.SHEET_TASKS, "T-0").base["progress"] == 30.0
    assert store.get("U1", S.SHEET_TASKS, "T-1").base["progress"] == 0.0
