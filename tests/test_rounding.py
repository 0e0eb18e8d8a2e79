"""One rounding rule for percentages (core.rounding): half up to 2 decimals, the same
in Python, in the report text and in Excel's ROUND (checked by LibreOffice)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from openpyxl import Workbook, load_workbook

from cchc_xl.core import compute
from cchc_xl.core.models import Area, Plan, PlanInfo, Status, Task
from cchc_xl.core.rounding import percent, round_half_up
from cchc_xl.report.data import completion_sentence, fmt_pct
from cchc_xl.workbook.dashboard import percent_formula

# (part, whole, expected percent): halves that binary floats and banker's rounding get wrong
CASES = [(41, 43, 95.35), (1, 32, 3.13), (1, 160, 0.63), (3, 32, 9.38), (5, 32, 15.63),
         (1219, 1268, 96.14), (49, 1268, 3.86), (1, 3, 33.33), (2, 3, 66.67), (0, 7, 0.0),
         (7, 7, 100.0), (1, 8000, 0.01), (3, 8000, 0.04), (36, 36, 100.0)]


@pytest.mark.parametrize("part,whole,expected", CASES)
def test_percent_half_up(part, whole, expected):
    assert percent(part, whole) == expected


def test_python_round_would_disagree():
    # the reason for the module: round() is banker's rounding on a binary float
    assert round(1 / 32 * 100, 2) == 3.12 and percent(1, 32) == 3.13
    assert round(1 / 160 * 100, 2) == 0.62 and percent(1, 160) == 0.63


def test_no_ratio_without_whole():
    assert percent(3, 0) is None and percent(None, 4) is None and percent(1, None) is None


def test_amounts_taken_as_typed():
    assert percent(10.55, 12.85) == 82.1           # seed 003: giải ngân 10,550 tỷ, đạt 82,1 %
    assert percent(5.147, 3.046) == 168.98         # thu ngân sách vượt kế hoạch
    assert round_half_up(2.675) == 2.68            # as typed, not the binary 2.67499…
    assert round_half_up(Fraction(1, 8), 2) == 0.13
    assert round_half_up(-0.125, 2) == -0.13       # away from zero, like Excel
    assert round_half_up(None) is None


def _plan(done: int, total: int) -> Plan:
    tasks = [Task(id=f"T{i:03}", area=Area.TTHC, title=f"Nhiệm vụ {i}",
                  status=Status.DONE if i < done else Status.IN_PROGRESS,
                  completed_on=dt.date(2025, 3, 1) if i < done else None)
             for i in range(total)]
    return Plan(info=PlanInfo(year=2025), tasks=tasks)


def test_compute_report_text_and_cli_use_the_rule():
    p = compute.progress(_plan(41, 43).tasks, dt.date(2025, 12, 14))
    assert p.percent == 95.35
    assert fmt_pct(p.percent) == "95,35%"
    assert "41/43 nhiệm vụ, đạt 95,35%" in completion_sentence(p.done, p.total, p.percent)
    table = compute.completion_table(_plan(1, 32).tasks, dt.date(2025, 12, 14), "area")
    assert table["percent"].tolist() == [3.13]


def test_udf_uses_the_rule():
    from cchc_xl.xl.udfs import CCHC_TYLE_HOANTHANH
    statuses = [["Đã hoàn thành"]] + [["Đang thực hiện"]] * 31
    dates = [[dt.datetime(2025, 3, 1)]] + [[None]] * 31
    assert CCHC_TYLE_HOANTHANH(statuses, dates, dt.datetime(2025, 12, 14)) == 3.13


@pytest.mark.libreoffice
@pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
def test_excel_round_agrees_with_python(tmp_path):
    from cchc_xl.report.pdf import recalculate
    from cchc_xl.workbook.master import write_master
    from cchc_xl.core import schema as S
    from cchc_xl.workbook.dashboard import dashboard_cells

    wb = Workbook()
    ws = wb.active
    for r, (part, whole, _e) in enumerate(CASES, start=1):
        ws.cell(row=r, column=1, value=part)
        ws.cell(row=r, column=2, value=whole)
        ws.cell(row=r, column=3, value=percent_formula(f"A{r}", f"B{r}"))   # the dashboard's formula
        ws.cell(row=r, column=4, value=f"=ROUND(A{r}/B{r}*100,2)")
    src = tmp_path / "ty_le.xlsx"
    wb.save(src)
    out = load_workbook(recalculate(src, tmp_path / "lo"), data_only=True).active
    for r, (part, whole, expected) in enumerate(CASES, start=1):
        assert out.cell(row=r, column=3).value * 100 == pytest.approx(percent(part, whole), abs=1e-9)
        assert out.cell(row=r, column=4).value == pytest.approx(expected, abs=1e-9), (part, whole)

    # and the real dashboard of a master with 41/43 tasks done shows 95,35 %
    master = write_master(_plan(41, 43), tmp_path / "So.xlsx", as_of=dt.date(2025, 12, 14))
    dash = load_workbook(recalculate(master, tmp_path / "lo2"), data_only=True)[S.SHEET_DASHBOARD]
    cells = dashboard_cells(dash)
    assert dash[cells["percent"]].value == pytest.approx(0.9535, abs=1e-12)


def test_udf_cchc_tyle():
    from cchc_xl.xl.udfs import CCHC_TYLE
    assert CCHC_TYLE(41.0, 43.0) == 95.35
    assert CCHC_TYLE("1", "32") == 3.13
    assert CCHC_TYLE("1.219", "1.268") == 96.14          # Vietnamese thousands separator
    assert CCHC_TYLE(3.0, 0.0) == "" and CCHC_TYLE(None, 5.0) == ""
    assert CCHC_TYLE("nhiều", 5.0).startswith("Lỗi:")


@pytest.mark.parametrize("typed, shown", [
    (82.125, "82,13%"), (96.225, "96,23%"), (2.675, "2,68%"), (0.005, "0,01%"), (95.345, "95,35%"),
    (85.08, "85,08%"), (100, "100%"),
])
def test_a_rate_typed_without_counts_is_shown_by_the_rule(typed, shown):
    """A rate the official typed (no counts to compute it from) is printed with the same rule
    as a computed one - half up at its decimal form, as Excel shows the cell - not with Python's
    float formatting (82.125 is stored 82.12499... and '{:.2f}' gives 82,12)."""
    from cchc_xl.core.text import format_number

    assert fmt_pct(typed) == shown
    assert format_number(typed, 2) + "%" == shown
    assert fmt_pct(round_half_up(typed)) == shown
