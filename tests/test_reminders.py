"""Reminder and feedback mail: one wording per situation, polite official Vietnamese, the
deadline and each refused cell named; headers from the same code as gửi email."""

from __future__ import annotations

import datetime as dt

import pytest

from cchc_xl.core import register as R
from cchc_xl.core.models import CchcError, Unit
from cchc_xl.mail import mailer
from cchc_xl.mail.reminders import (KIND_MISSING, KIND_OVERDUE, KIND_REFUSED, compose_reminder,
                                    reminder_kind)

D = dt.date
UNIT = Unit(code="VHXH", name="Phòng Văn hóa - Xã hội", email="vhxh@quangson.gov.vn", head="Trần Thị Bình")
SENDER = "Văn phòng <vanphong@quangson.gov.vn>"


def sub(**kw) -> R.Submission:
    base = dict(period="Quý III/2025", unit="VHXH", unit_name=UNIT.name, version=3, issued_on=D(2025, 9, 14),
                due=D(2025, 9, 18))
    base.update(kw)
    return R.Submission(**base)


def text(msg) -> str:
    return msg.get_body(("plain",)).get_content()


def compose(s: R.Submission, today: dt.date):
    return compose_reminder(UNIT, s, commune="xã Quảng Sơn", sender=SENDER, today=today)


def test_missing_before_the_deadline():
    msg = compose(sub(), D(2025, 9, 16))
    body = text(msg)
    assert reminder_kind(sub(), D(2025, 9, 16)) == KIND_MISSING
    assert msg["Subject"] == "[CCHC] Nhắc gửi phiếu CCHC kỳ Quý III/2025 - Phòng Văn hóa - Xã hội (hạn 18/09/2025)"
    assert body.startswith("Kính gửi: Phòng Văn hóa - Xã hội (đồng chí Trần Thị Bình).")
    assert "phiếu phiên bản 3, phát hành ngày 14/09/2025" in body
    assert "trước ngày 18/09/2025" in body and "Trân trọng./." in body and "UBND xã Quảng Sơn" in body
    assert msg[mailer.HEADER_UNIT] == "VHXH" and msg["To"].addresses[0].addr_spec == "vhxh@quangson.gov.vn"
    assert msg["From"].addresses[0].display_name == "Văn phòng"


def test_missing_without_deadline_and_overdue():
    nodue = text(compose(sub(due=None), D(2025, 9, 30)))
    assert "gửi lại phiếu sớm" in nodue and "hạn" not in compose(sub(due=None), D(2025, 9, 30))["Subject"]
    late = compose(sub(), D(2025, 9, 20))
    assert reminder_kind(sub(), D(2025, 9, 20)) == KIND_OVERDUE
    assert "đã quá hạn (18/09/2025)" in late["Subject"]
    assert "Hạn gửi lại phiếu là ngày 18/09/2025. Đến ngày 20/09/2025" in text(late)
    assert "khẩn trương" in text(late)


def test_refused_cells_each_with_reason():
    s = sub(file="02_VHXH.xlsx", sha256="ab", received_on=D(2025, 9, 17), returns=1, refused_cells=2,
            details="trang 'Phân công', ô N7, nhiệm vụ III-03: 'Tiến độ (%)' không hợp lệ\n"
                    "trang 'Phân công', ô O9, nhiệm vụ III-05: Ngày hoàn thành 30/09/2025 sau ngày số liệu")
    assert reminder_kind(s, D(2025, 9, 17)) == KIND_REFUSED
    msg = compose(s, D(2025, 9, 17))
    body = text(msg)
    assert "Đề nghị sửa và gửi lại phiếu" in msg["Subject"]
    assert "Riêng 2 ô dưới đây" in body and "ngày 17/09/2025" in body
    assert "  - trang 'Phân công', ô N7, nhiệm vụ III-03: 'Tiến độ (%)' không hợp lệ" in body
    assert "ô O9" in body and "trước ngày 18/09/2025" in body
    html = msg.get_body(("html",)).get_content()
    assert "<li>trang &#x27;Phân công&#x27;, ô N7" in html
    # past the deadline: "as soon as possible" instead of a date already gone
    assert "trong thời gian sớm nhất" in text(compose(s, D(2025, 9, 25)))


def test_refused_file_and_units_that_need_nothing():
    s = sub(file="x.xlsx", sha256="cd", received_on=D(2025, 9, 17), file_refused=1,
            details="Cả tệp bị từ chối: Phiếu mang phiên bản 9")
    body = text(compose(s, D(2025, 9, 17)))
    assert "chưa tổng hợp được tệp này" in body and "phiên bản 9" in body
    ok = sub(file="y.xlsx", sha256="ef", received_on=D(2025, 9, 17))
    assert reminder_kind(ok, D(2025, 9, 30)) is None
    assert reminder_kind(sub(received_on=D(2025, 9, 19), file="z", sha256="1"), D(2025, 9, 30)) is None


def test_invalid_address_is_a_vietnamese_error():
    bad = UNIT.model_copy(update={"email": "vhxh@quangson"})
    with pytest.raises(CchcError, match="không hợp lệ"):
        compose_reminder(bad, sub(), commune="xã Quảng Sơn", sender=SENDER, today=D(2025, 9, 16))
