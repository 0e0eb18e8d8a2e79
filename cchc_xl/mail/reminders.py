"""Reminders (nhắc nhở) to the units that are missing, overdue or refused.

``compose_reminder`` builds one polite official Vietnamese message from the unit's row of
the register (``core.register.Submission``): it names the deadline and, for a return that
was refused, each refused cell with its reason.  Headers, drafts and SMTP sending are
those of ``mailer`` (the same code as gửi email).
"""

from __future__ import annotations

import datetime as dt
import html
from email.message import EmailMessage
from typing import Any

from cchc_xl.core import register as R
from cchc_xl.core.models import Unit
from cchc_xl.mail.compose import add_workbook, html_letter, issuer_of, new_unit_message

KIND_MISSING = "missing"
KIND_OVERDUE = "overdue"
KIND_REFUSED = "refused"


def reminder_kind(sub: R.Submission, today: dt.date) -> str | None:
    status = sub.compute_status(today)
    if status == R.STATUS_OVERDUE:
        return KIND_OVERDUE
    if status == R.STATUS_PENDING:
        return KIND_MISSING
    if status in (R.STATUS_CELLS_REFUSED, R.STATUS_FILE_REFUSED):
        return KIND_REFUSED
    return None


def _shown(value: Any) -> str:
    """A cell value as the official typed it: 150.0 -> "150", 0.5 -> "0,5", dates dd/mm/yyyy."""
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:g}".replace(".", ",")
    return str(value)


def _d(day: dt.date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


def reminder_parts(unit: Unit, sub: R.Submission, *, commune: str, today: dt.date) -> dict[str, Any]:
    """Subject and paragraphs of the reminder (plain text; ``lines``: refused cells)."""
    issuer = issuer_of(commune)
    kind = reminder_kind(sub, today)
    name = unit.name or sub.unit_name or sub.unit
    greeting = f"Kính gửi: {name}" + (f" (đồng chí {unit.head})" if unit.head else "") + "."
    sent = (f"Thực hiện việc tổng hợp báo cáo kết quả thực hiện Kế hoạch cải cách hành chính (CCHC) "
            f"kỳ {sub.period}, {issuer} đã gửi {name} phiếu cập nhật tiến độ các nhiệm vụ CCHC được giao"
            + (f" (phiếu phiên bản {sub.version}" if sub.version else "")
            + (f", phát hành ngày {_d(sub.issued_on)})" if sub.issued_on and sub.version else
               (")" if sub.version else "")) + ".")
    due = sub.due
    lines: list[str] = []
    if kind == KIND_OVERDUE:
        subject = f"[CCHC] Nhắc gửi phiếu CCHC kỳ {sub.period} đã quá hạn ({_d(due)}) - {name}"
        facts = (f"Hạn gửi lại phiếu là ngày {_d(due)}. Đến ngày {_d(today)}, {issuer} vẫn chưa nhận được "
                 f"phiếu của {name}.")
        ask = (f"Đề nghị {name} khẩn trương cập nhật và gửi lại phiếu trong thời gian sớm nhất để kịp "
               f"tổng hợp báo cáo kỳ {sub.period}.")
    elif kind == KIND_REFUSED:
        subject = f"[CCHC] Đề nghị sửa và gửi lại phiếu CCHC kỳ {sub.period} - {name}"
        received = f" ngày {_d(sub.received_on)}" if sub.received_on else ""
        if sub.file_refused:
            facts = (f"{issuer} đã nhận phiếu \"{sub.file}\" của {name}{received}, nhưng chưa tổng hợp "
                     f"được tệp này vì lý do sau:")
        else:
            facts = (f"{issuer} đã nhận phiếu \"{sub.file}\" của {name}{received} và đã tổng hợp các nội "
                     f"dung hợp lệ. Riêng {sub.refused_cells} ô dưới đây chưa được cập nhật vào sổ tổng hợp:")
        lines = sub.detail_lines() or [f"{sub.refused_cells} ô bị từ chối (xem trang Nhật ký của sổ tổng hợp)"]
        when = (f"trước ngày {_d(due)}" if due and due >= today else "trong thời gian sớm nhất")
        ask = (f"Tệp này không dùng lại được bằng cách sửa ô: {issuer} sẽ gửi {name} phiếu mới; đề nghị "
               f"{name} nhập số liệu vào phiếu mới đó và gửi lại {when}." if sub.file_refused else
               f"Đề nghị {name} sửa các nội dung nêu trên ngay trong tệp phiếu đã gửi (chỉ sửa các cột "
               f"nền vàng, không sửa các cột đã khóa, không đổi tên tệp) và gửi lại {when}.")
    else:
        subject = (f"[CCHC] Nhắc gửi phiếu CCHC kỳ {sub.period} - {name}"
                   + (f" (hạn {_d(due)})" if due else ""))
        facts = f"Đến ngày {_d(today)}, {issuer} chưa nhận được phiếu của {name}."
        ask = (f"Đề nghị {name} cập nhật và gửi lại phiếu trước ngày {_d(due)}." if due else
               f"Đề nghị {name} cập nhật và gửi lại phiếu sớm để kịp tổng hợp báo cáo.")
    return {"subject": subject, "greeting": greeting, "sent": sent, "facts": facts, "lines": lines,
            "ask": ask, "thanks": f"Rất mong nhận được sự phối hợp của {name}.", "issuer": issuer,
            "kind": kind}


def _plain(p: dict[str, Any]) -> str:
    cells = "".join(f"  - {line}\n" for line in p["lines"])
    return (f"{p['greeting']}\n\n{p['sent']}\n\n{p['facts']}\n" + (f"{cells}" if cells else "")
            + f"\n{p['ask']}\n\n{p['thanks']}\n\nTrân trọng./.\n\n{p['issuer']}\n")


def _html(p: dict[str, Any]) -> str:
    e = html.escape
    cells = "".join(f"<li>{e(line)}</li>" for line in p["lines"])
    return html_letter(f"<p>{e(p['greeting'])}</p><p>{e(p['sent'])}</p><p>{e(p['facts'])}</p>"
                       + (f"<ul>{cells}</ul>" if cells else "")
                       + f"<p><b>{e(p['ask'])}</b></p><p>{e(p['thanks'])}</p>", p["issuer"])


def compose_reminder(unit: Unit, sub: R.Submission, *, commune: str, sender: str, today: dt.date,
                     reply_to: str | None = None, attachment: Any = None) -> EmailMessage:
    """The reminder for one unit (``attachment``: an optional workbook to attach, e.g. the
    feedback workbook of ``phan-hoi``).  Raises ``CchcError`` for an invalid address."""
    parts = reminder_parts(unit, sub, commune=commune, today=today)
    if attachment is not None:
        parts["ask"] += " Phiếu của đơn vị được gửi kèm lại theo thư này."
    msg = new_unit_message(unit, parts["subject"], sender=sender, issuer=parts["issuer"], reply_to=reply_to)
    msg.set_content(_plain(parts))
    msg.add_alternative(_html(parts), subtype="html")
    if attachment is not None:
        add_workbook(msg, attachment)
    return msg


def compose_feedback(unit: Unit, *, period: str, source_name: str, items: list[Any], file_reason: str,
                     attachment: Any, commune: str, sender: str, due: dt.date | None = None,
                     reply_to: str | None = None) -> EmailMessage:
    """Send a unit its workbook back (``feedback.write_feedback``) with the cells to correct.

    ``items``: ``feedback.FeedbackItem`` (cell, value sent, reason, what to do)."""
    issuer = issuer_of(commune)
    name = unit.name or unit.code
    lines = []
    for it in items:
        shown = "" if it.value in (None, "") else f" - đã gửi '{_shown(it.value)}'"
        lines.append(f"Trang '{it.sheet}', ô {it.cell or '?'} ({it.item_id}, cột '{it.column}'){shown}: "
                     f"{it.reason}. Cần làm: {it.todo}")
    when = f" trước ngày {_d(due)}" if due else " trong thời gian sớm nhất"
    parts = {
        "subject": f"[CCHC] Phản hồi phiếu CCHC kỳ {period} - {name}: nội dung cần sửa",
        "greeting": f"Kính gửi: {name}" + (f" (đồng chí {unit.head})" if unit.head else "") + ".",
        "sent": (f"{issuer} đã nhận và tổng hợp phiếu \"{source_name}\" của {name} cho kỳ {period}. "
                 "Xin cảm ơn quý đơn vị."),
        "facts": ((f"Tệp chưa được tổng hợp vì: {file_reason}. " if file_reason else "")
                  + ("Các nội dung sau chưa được cập nhật vào sổ tổng hợp:" if lines else "")).strip(),
        "lines": lines,
        "ask": (f"Tệp đính kèm là chính phiếu của {name}, có thêm trang \"Phản hồi\" nêu lý do. Tệp này không "
                f"dùng lại được bằng cách sửa ô: {issuer} sẽ gửi {name} phiếu mới; đề nghị {name} nhập số liệu "
                f"vào phiếu mới đó và gửi lại{when}." if file_reason and not lines else
                f"Tệp đính kèm là chính phiếu của {name}, có thêm trang \"Phản hồi\" và các ô cần sửa được tô "
                f"đỏ. Đề nghị {name} sửa các ô đó ngay trong tệp đính kèm, lưu lại và gửi lại{when}."),
        "thanks": f"Rất mong nhận được sự phối hợp của {name}.",
        "issuer": issuer,
    }
    msg = new_unit_message(unit, parts["subject"], sender=sender, issuer=issuer, reply_to=reply_to)
    msg.set_content(_plain(parts))
    msg.add_alternative(_html(parts), subtype="html")
    add_workbook(msg, attachment)
    return msg
