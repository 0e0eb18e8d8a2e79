"""Free-text "Thời gian hoàn thành" -> kind and due date (cchc_xl.core.deadlines)."""

import datetime as dt
from pathlib import Path

import pytest

from cchc_xl.core.deadlines import parse_deadline
from cchc_xl.importers.appendix import import_appendix
from cchc_xl.core.models import DeadlineKind as K

FIXTURE = Path(__file__).parent / "fixtures" / "quang_son_2025_phan_cong.tsv"
D = dt.date
END = D(2025, 12, 31)

# Every distinct deadline text of the Quảng Sơn 2025 appendix: (kind, due, recurrence).
SEED_DEADLINES: dict[str, tuple[K, dt.date | None, str]] = {
    "Thường xuyên trong năm": (K.RECURRING, END, "continuous"),
    "Thường xuyên": (K.RECURRING, END, "continuous"),
    "Thực hiện thường xuyên trong năm": (K.RECURRING, END, "continuous"),
    "Thực hiện thường xuyên trong năm.": (K.RECURRING, END, "continuous"),
    # "thường xuyên" only when asked: conditional, never a silent 31/12
    "Thực hiện thường xuyên khi có yêu cầu của bộ, ngành Trung ương.": (K.CONDITIONAL, None, ""),
    "Báo cáo định kỳ theo thời gian quy định; thực hiện thường xuyên trong năm.":
        (K.RECURRING, END, "continuous"),
    "Định kỳ hằng tháng": (K.RECURRING, END, "monthly"),
    "Tự phát hiện hoặc sau khi có ý kiến của cấp có thẩm quyền về việc xử lý văn bản":
        (K.CONDITIONAL, None, ""),
    "Theo Kế hoạch của UBND tỉnh và của cơ quan, đơn vị, địa phương": (K.CONDITIONAL, None, ""),
    "Theo kế hoạch của UBND tỉnh": (K.CONDITIONAL, None, ""),
    "Theo lộ trình tại Kế hoạch của UBND tỉnh": (K.CONDITIONAL, None, ""),
    "Sau 03 tháng kể từ khi có văn bản của Trung ương hoặc Quyết định liên quan của cơ quan có thẩm quyền":
        (K.CONDITIONAL, None, ""),
    "Khi có Kế hoạch của UBND tỉnh": (K.CONDITIONAL, None, ""),
    "Trước ngày 30/7/2025": (K.DATE, D(2025, 7, 30), ""),
    "Ban hành kế hoạch chậm nhất là ngày 30/7/2025 và tổ chức thực hiện": (K.DATE, D(2025, 7, 30), ""),
    "Ban hành kế hoạch chậm nhất là ngày 15/8/2025 và tổ chức thực hiện.": (K.DATE, D(2025, 8, 15), ""),
    "Ban hành kế hoạch trong tháng 7/2025 và tổ chức thực hiện.": (K.MONTH, D(2025, 7, 31), ""),
    "Ban hành kế hoạch chậm nhất là ngày 15/8/2025, tổ chức kiểm tra chậm nhất trong tháng 10/2025 và "
    "báo cáo kết quả khắc phục các tồn tại, hạn chế phát hiện qua kiểm tra chậm nhất trong tháng 11/2025.":
        (K.MONTH, D(2025, 11, 30), ""),
    "Triển khai thực hiện sáng kiến, mô hình, giải pháp và báo cáo kết quả thực hiện chậm nhất trong "
    "tháng 10/2025": (K.MONTH, D(2025, 10, 31), ""),
    "Tháng 9/2025": (K.MONTH, D(2025, 9, 30), ""),
    "Tháng 02/2026": (K.MONTH, D(2026, 2, 28), ""),
    "Trong năm 2025": (K.YEAR, END, ""),
    "Thực hiện trong năm 2025": (K.YEAR, END, ""),
    "Thực hiện nộp NSNN trong năm 2025": (K.YEAR, END, ""),
}


def test_seed_list_is_exactly_the_deadlines_of_the_appendix():
    texts = {t.deadline_text for t in import_appendix(FIXTURE, year=2025).tasks if t.deadline_text}
    assert texts == set(SEED_DEADLINES)


@pytest.mark.parametrize("text", sorted(SEED_DEADLINES))
def test_seed_deadline(text):
    kind, due, recurrence = SEED_DEADLINES[text]
    d = parse_deadline(text, 2025)
    assert (d.kind, d.due, d.recurrence) == (kind, due, recurrence)
    assert d.text == text


def test_several_milestones_are_all_kept():
    text = ("Ban hành kế hoạch chậm nhất là ngày 15/8/2025, tổ chức kiểm tra chậm nhất trong tháng "
            "10/2025 và báo cáo kết quả khắc phục các tồn tại, hạn chế phát hiện qua kiểm tra chậm nhất "
            "trong tháng 11/2025.")
    assert parse_deadline(text, 2025).milestones == (D(2025, 8, 15), D(2025, 10, 31), D(2025, 11, 30))


@pytest.mark.parametrize("text, kind, due", [
    ("Quý III", K.QUARTER, D(2025, 9, 30)),
    ("Trong quý I", K.QUARTER, D(2025, 3, 31)),
    ("Quý IV/2025", K.QUARTER, D(2025, 12, 31)),
    ("quý 2 năm 2026", K.QUARTER, D(2026, 6, 30)),
    ("6 tháng đầu năm", K.QUARTER, D(2025, 6, 30)),
    ("30-7-2025", K.DATE, D(2025, 7, 30)),
    ("Trước ngày 30/7/25", K.DATE, D(2025, 7, 30)),
    ("Trước 15/8", K.DATE, D(2025, 8, 15)),                    # year of the plan
    ("ngày 30 tháng 7 năm 2025", K.DATE, D(2025, 7, 30)),
    ("Chậm nhất ngày 20/12/2025", K.DATE, D(2025, 12, 20)),
    ("Tháng 12", K.MONTH, D(2025, 12, 31)),
    ("9/2025", K.MONTH, D(2025, 9, 30)),
    ("Tháng 9/2025 và tháng 12/2025", K.MONTH, D(2025, 12, 31)),
    ("Năm 2026", K.YEAR, D(2026, 12, 31)),
    ("Cả năm", K.YEAR, END),
    ("Theo yêu cầu", K.CONDITIONAL, None),
    ("Khi có văn bản hướng dẫn", K.CONDITIONAL, None),
])
def test_other_shapes(text, kind, due):
    d = parse_deadline(text, 2025)
    assert (d.kind, d.due) == (kind, due)


@pytest.mark.parametrize("text, recurrence", [
    ("Hằng tuần", "weekly"), ("Hằng quý", "quarterly"), ("Hằng năm", "yearly"), ("Liên tục", "continuous"),
])
def test_recurrences(text, recurrence):
    d = parse_deadline(text, 2025)
    assert (d.kind, d.recurrence, d.due) == (K.RECURRING, recurrence, END)


def test_empty_and_unreadable():
    assert parse_deadline("", 2025).kind == K.UNKNOWN
    assert parse_deadline(None, 2025).due is None
    assert parse_deadline("Sớm", 2025).kind == K.UNKNOWN
    # an impossible date is not silently read as the month "2/2025"
    bad = parse_deadline("31/2/2025", 2025)
    assert (bad.kind, bad.due) == (K.UNKNOWN, None)


def test_plan_year_fills_missing_years_only():
    assert parse_deadline("Quý III", 2026).due == D(2026, 9, 30)
    assert parse_deadline("Thường xuyên", 2026).due == D(2026, 12, 31)
    assert parse_deadline("Tháng 9/2025", 2026).due == D(2025, 9, 30)
