"""compute.py: states, completion %, per-unit/per-area tables, overdue list, deductions.

All expectations are computed by hand from the task list below.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cchc_xl.core.compute import (UNASSIGNED, completion_table, deduction, deduction_table, index_totals,
                             overdue_tasks, progress, task_state)
from cchc_xl.importers.index import sample_index
from cchc_xl.core.models import Area, Plan, PlanInfo, Status, Task

Q3 = dt.date(2025, 9, 14)      # data cut-off of the Q3 report
D = dt.date


def _t(tid: str, area: Area, status: Status, units: list[str], due: dt.date | None = None,
       done_on: dt.date | None = None) -> Task:
    return Task(id=tid, area=area, title=tid, status=status, lead_units=units, due=due,
                completed_on=done_on, progress=100 if status == Status.DONE else 0)


TASKS = [
    _t("T1", Area.CHI_DAO, Status.DONE, ["VP"], D(2025, 3, 31), D(2025, 3, 1)),           # done
    _t("T2", Area.CHI_DAO, Status.DONE, ["VHXH"], D(2025, 9, 30), D(2025, 9, 20)),        # done after cut-off, not due -> in progress
    _t("T3", Area.THE_CHE, Status.DONE, ["KT"], D(2025, 8, 31), D(2025, 9, 20)),          # done after cut-off, due passed -> overdue
    _t("T4", Area.TTHC, Status.IN_PROGRESS, ["VP", "KT"], D(2025, 6, 30)),                # overdue, two units
    _t("T5", Area.TTHC, Status.NOT_STARTED, ["VHXH"], D(2025, 12, 31)),                   # not started
    _t("T6", Area.TTHC, Status.CANCELLED, ["VP"], D(2025, 1, 31)),                        # cancelled (not counted)
    _t("T7", Area.CQ_SO, Status.ONGOING, []),                                             # in progress, no unit
    _t("T8", Area.CQ_SO, Status.NOT_STARTED, ["PVHCC"], D(2025, 5, 31)),                  # overdue
    _t("T9", Area.CHI_DAO, Status.DONE, ["VP", "VHXH"], D(2025, 1, 31)),                  # done, no date
]
BY_ID = {t.id: t for t in TASKS}


@pytest.mark.parametrize("tid, state", [
    ("T1", "done"), ("T2", "in_progress"), ("T3", "overdue"), ("T4", "overdue"), ("T5", "not_started"),
    ("T6", "cancelled"), ("T7", "in_progress"), ("T8", "overdue"), ("T9", "done"),
])
def test_states_at_q3_cutoff(tid, state):
    assert task_state(BY_ID[tid], Q3) == state


def test_states_move_with_the_cutoff():
    year_end = D(2025, 12, 14)
    assert task_state(BY_ID["T2"], year_end) == "done"
    assert task_state(BY_ID["T3"], year_end) == "done"
    # due on the cut-off day itself is not late yet; the day after it is
    t = _t("X", Area.CHI_DAO, Status.IN_PROGRESS, ["VP"], Q3)
    assert task_state(t, Q3) == "in_progress"
    assert task_state(t, Q3 + dt.timedelta(days=1)) == "overdue"


def test_progress_counts():
    p = progress(TASKS, Q3)
    # counted = 9 - 1 cancelled = 8; done T1,T9; in progress T2,T7; not started T5; overdue T3,T4,T8
    assert (p.total, p.done, p.in_progress, p.not_started, p.overdue, p.cancelled) == (8, 2, 2, 1, 3, 1)
    assert p.percent == 25.0
    assert progress(TASKS, D(2025, 12, 14)).percent == 50.0      # T2, T3 now done: 4/8
    assert progress([], Q3).percent is None


def test_completion_by_unit_counts_multi_unit_tasks_per_unit():
    table = completion_table(TASKS, Q3, by="unit")
    rows = {r["key"]: (r["total"], r["done"], r["in_progress"], r["not_started"], r["overdue"], r["percent"])
            for r in table.to_dict("records")}
    assert list(table["key"]) == ["VP", "VHXH", "KT", UNASSIGNED, "PVHCC"]    # first-seen order
    assert rows == {
        "VP": (3, 2, 0, 0, 1, 66.67),      # T1 done, T4 overdue, T9 done (T6 cancelled)
        "VHXH": (3, 1, 1, 1, 0, 33.33),    # T2 in progress, T5 not started, T9 done
        "KT": (2, 0, 0, 0, 2, 0.0),        # T3, T4 overdue
        UNASSIGNED: (1, 0, 1, 0, 0, 0.0),  # T7
        "PVHCC": (1, 0, 0, 0, 1, 0.0),     # T8
    }
    assert table["total"].sum() == 10      # 8 counted tasks, T4 and T9 counted twice


@pytest.mark.parametrize("units", [["KT", "KT"], ["KT", " KT", "VP", "KT"], ["VP", "KT", "VP"]])
def test_unit_listed_twice_counts_once(units):
    """A task's lead units are a set (order kept): "KT; KT" is one unit, as in the formulas of
    "Tổng quan" (FIND of ";KT;"), so the task counts once for KT."""
    t = _t("X", Area.TTHC, Status.DONE, units, D(2025, 6, 30), D(2025, 6, 1))
    assert t.lead_units == list(dict.fromkeys(u.strip() for u in units))
    rows = {r["key"]: (r["total"], r["done"]) for r in completion_table([t, BY_ID["T3"]], Q3, "unit")
            .to_dict("records")}
    assert rows["KT"] == (2, 1)
    assert all(total == 1 for key, (total, _d) in rows.items() if key != "KT")


def test_completion_by_area():
    table = completion_table(TASKS, Q3, by="area")
    rows = {r["key"]: (r["name"], r["total"], r["done"], r["overdue"], r["percent"])
            for r in table.to_dict("records")}
    assert list(table["key"]) == ["1", "2", "3", "7"]
    assert rows == {
        "1": ("Chỉ đạo, điều hành", 3, 2, 0, 66.67),   # T1, T9 done; T2 in progress (counted once)
        "2": ("Thể chế", 1, 0, 1, 0.0),
        "3": ("Thủ tục hành chính", 2, 0, 1, 0.0),      # T6 cancelled not counted
        "7": ("Chính quyền số", 2, 0, 1, 0.0),
    }


def test_area_with_only_cancelled_tasks_has_no_percent():
    table = completion_table([BY_ID["T6"]], Q3, by="area")
    assert table.to_dict("records")[0]["total"] == 0 and table.to_dict("records")[0]["percent"] is None


def test_overdue_most_late_first():
    assert [t.id for t in overdue_tasks(TASKS, Q3)] == ["T8", "T4", "T3"]
    assert [t.id for t in overdue_tasks(TASKS, D(2025, 6, 1))] == ["T8"]


def test_deduction_table_seed_002():
    areas, criteria, _ = sample_index()
    table = deduction_table(Plan(info=PlanInfo(year=2024), index_areas=list(reversed(areas)),
                                 index_criteria=criteria))
    rows = {r["area"]: r for r in table.to_dict("records")}
    assert list(table["area"]) == [str(i) for i in range(1, 9)]
    assert (rows["1"]["deducted"], rows["1"]["deducted_calc"], rows["1"]["criteria_deducted"]) == (1.87, 1.87, 2.5)
    assert rows["5"]["criteria_deducted"] == 1.38          # the "không có điểm" line has no number
    assert rows["7"]["criteria_deducted"] == 5.72
    assert rows["8"]["criteria_deducted"] == 3.04
    assert rows["2"]["criteria_deducted"] == 0.25
    assert rows["7"]["name"] == "Chính quyền số"
    totals = index_totals(Plan(info=PlanInfo(year=2024), index_areas=areas))
    assert totals == {"max_points": 100, "appraised": 85.08, "deducted": 14.92}


def test_deduction_helper():
    assert deduction(1.5, 1.43) == 0.07
    assert deduction(11, None) is None
    assert deduction(20, 14.27) == 5.73
