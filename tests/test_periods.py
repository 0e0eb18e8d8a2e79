"""Reporting periods: data windows, due dates, parsing, the period being prepared."""

from __future__ import annotations

import datetime as dt

import pytest

from cchc_xl.core.models import CchcError
from cchc_xl.core.periods import current_period, parse_period, period_for, periods_of_year

D = dt.date


@pytest.mark.parametrize("kind, year, start, end, due, label", [
    ("Q1", 2026, D(2025, 12, 15), D(2026, 3, 14), D(2026, 3, 20), "Quý I năm 2026"),
    ("6T", 2026, D(2025, 12, 15), D(2026, 6, 14), D(2026, 6, 20), "6 tháng đầu năm 2026"),
    ("Q3", 2026, D(2026, 6, 15), D(2026, 9, 14), D(2026, 9, 20), "Quý III năm 2026"),
    ("NAM", 2026, D(2025, 12, 15), D(2026, 12, 14), D(2026, 12, 20), "Năm 2026"),
    ("Q1", 2024, D(2023, 12, 15), D(2024, 3, 14), D(2024, 3, 20), "Quý I năm 2024"),   # leap year
])
def test_period_rules(kind, year, start, end, due, label):
    p = period_for(kind, year)
    assert (p.kind, p.year, p.start, p.end, p.due, p.label) == (kind, year, start, end, due, label)


def test_period_boundaries_contains():
    q3 = period_for("Q3", 2025)
    assert q3.contains(D(2025, 6, 15)) and q3.contains(D(2025, 9, 14))
    assert not q3.contains(D(2025, 6, 14)) and not q3.contains(D(2025, 9, 15))
    q1 = period_for("Q1", 2026)
    assert q1.contains(D(2025, 12, 15)) and not q1.contains(D(2025, 12, 14))
    # the annual report of the previous year ends the day before Q1 starts
    assert period_for("NAM", 2025).end + dt.timedelta(days=1) == q1.start


def test_period_for_lower_case_and_bad_kind():
    assert period_for("q3", 2025).kind == "Q3"
    with pytest.raises(CchcError) as err:
        period_for("Q2", 2025)
    assert "không hợp lệ" in str(err.value)


def test_next_previous_and_outlook():
    q3 = period_for("Q3", 2025)
    assert q3.next() == period_for("NAM", 2025)
    assert period_for("NAM", 2025).next() == period_for("Q1", 2026)
    assert period_for("Q1", 2026).previous() == period_for("NAM", 2025)
    assert [p.kind for p in periods_of_year(2025)] == ["Q1", "6T", "Q3", "NAM"]
    assert q3.outlook_label == "quý IV năm 2025" and q3.outlook_end == D(2025, 12, 31)
    assert period_for("Q1", 2026).outlook_label == "quý II năm 2026"
    assert period_for("6T", 2026).outlook_label == "6 tháng cuối năm 2026"
    assert period_for("NAM", 2025).outlook_label == "năm 2026"
    assert q3.code == "Q3-2025" and q3.short_label == "Quý III/2025"


@pytest.mark.parametrize("text, code", [
    ("Quý I/2026", "Q1-2026"),
    ("q1-2026", "Q1-2026"),
    ("Q1 2026", "Q1-2026"),
    ("quý 1 năm 2026", "Q1-2026"),
    ("QUÝ I NĂM 2026", "Q1-2026"),
    ("Quí I/2026", "Q1-2026"),
    ("6 tháng 2026", "6T-2026"),
    ("6 tháng đầu năm 2026", "6T-2026"),
    ("6T/2026", "6T-2026"),
    ("sáu tháng 2026", "6T-2026"),
    ("năm 2025", "NAM-2025"),
    ("Năm 2025", "NAM-2025"),
    ("Báo cáo năm 2025", "NAM-2025"),
    ("cả năm 2025", "NAM-2025"),
    ("NAM-2025", "NAM-2025"),
    ("quy3 2025", "Q3-2025"),
    ("Quý III/2025", "Q3-2025"),
    ("Kỳ báo cáo quý III năm 2025", "Q3-2025"),
    ("  q3/2025 ", "Q3-2025"),
    ("Quý III năm 2025", "Q3-2025"),       # the label itself parses back
])
def test_parse_period_variants(text, code):
    assert parse_period(text).code == code


def test_labels_round_trip():
    for p in periods_of_year(2027):
        assert parse_period(p.label) == p
        assert parse_period(p.short_label) == p


def test_parse_period_default_year():
    assert parse_period("Quý III", default_year=2025).code == "Q3-2025"
    assert parse_period("6 tháng", default_year=2026).code == "6T-2026"
    with pytest.raises(CchcError) as err:
        parse_period("Quý III")
    assert "thiếu năm" in str(err.value)


@pytest.mark.parametrize("text, words", [
    ("Quý II/2026", ["quý II", "6 tháng"]),
    ("q4 2025", ["quý IV", "năm"]),
    ("abc 2025", ["Không hiểu kỳ báo cáo 'abc 2025'"]),
    ("quý I xyz 2026", ["Không hiểu"]),
    ("2025", ["Không hiểu"]),
    ("", ["Chưa nhập kỳ báo cáo"]),
    ("Quý I/2025 năm 2026", ["nhiều năm"]),
    ("Quý I/1999", ["Năm 1999"]),
])
def test_parse_period_errors_are_vietnamese(text, words):
    with pytest.raises(CchcError) as err:
        parse_period(text)
    for w in words:
        assert w in str(err.value)


@pytest.mark.parametrize("today, code", [
    (D(2026, 1, 10), "Q1-2026"),
    (D(2026, 3, 14), "Q1-2026"),     # cut-off day
    (D(2026, 3, 20), "Q1-2026"),     # due day: still preparing Q1
    (D(2026, 3, 21), "6T-2026"),
    (D(2026, 6, 20), "6T-2026"),
    (D(2026, 6, 21), "Q3-2026"),
    (D(2026, 9, 20), "Q3-2026"),
    (D(2026, 9, 21), "NAM-2026"),
    (D(2026, 12, 20), "NAM-2026"),
    (D(2026, 12, 21), "Q1-2027"),    # the next year's Q1 data window already started on 15/12
    (D(2026, 12, 31), "Q1-2027"),
])
def test_current_period_around_boundaries(today, code):
    assert current_period(today).code == code
