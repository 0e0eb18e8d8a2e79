"""The messages: addresses (checked, Vietnamese names), one message per unit with its workbook
attached (text + HTML), ``.eml`` drafts (``X-Unsent: 1``: Outlook opens them ready to send)."""

from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.policy import EmailPolicy
from email.utils import formatdate, getaddresses, make_msgid, parseaddr
from pathlib import Path
from typing import Any, Iterable

from cchc_xl.core import schema as S
from cchc_xl.core.findings import catalog
from cchc_xl.core.models import Unit
from cchc_xl.files.safeio import atomic_path
from cchc_xl.core.text import fold, normalize_text, strip_diacritics

XLSX_MAINTYPE = "application"
XLSX_SUBTYPE = "vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_UNIT = "X-CCHC-Unit"          # unit code, ASCII; used for draft names and reports
HEADER_PERIOD = "X-CCHC-Period"      # period key ("q3-2025"); drafts of a period replace the earlier ones
DRAFTS_DIR_NAME = "thu_nhap"
OLD_DRAFTS_DIR_NAME = "nhap_cu"      # earlier drafts a new run replaced, beside the new ones

# ---------------------------------------------------------------- policy

class _MailPolicy(EmailPolicy):
    """The SMTP policy (CRLF), except that a non-ASCII Subject is encoded whole, its spaces
    inside the encoded words.

    Python's own folding may leave the space between two words *between* two encoded words,
    where RFC 2047 decoders (Outlook, Thunderbird, webmail) drop it: "Văn phòngHĐND"."""

    _ENCODED_WHOLE = ("subject",)

    def _encoded(self, name: str, value: Any) -> str | None:
        text = str(value)
        if name.lower() not in self._ENCODED_WHOLE or text.isascii():
            return None
        body = Header(text, "utf-8", header_name=name).encode(
            linesep=self.linesep, maxlinelen=self.max_line_length or 78)
        return f"{name}: {body}{self.linesep}"

    def fold(self, name: str, value: Any) -> str:
        return self._encoded(name, value) or super().fold(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        folded = self._encoded(name, value)
        return folded.encode("ascii") if folded else super().fold_binary(name, value)


MAIL_POLICY = _MailPolicy(linesep="\r\n")

# ---------------------------------------------------------------- addresses

_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL_RE = re.compile(rf"{_LOCAL}@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}")


def is_valid_email(address: str) -> bool:
    """Strict check of a bare address ``user@domain.tld`` (ASCII, no display name)."""
    if not isinstance(address, str) or len(address) > 254:
        return False
    if not _EMAIL_RE.fullmatch(address):
        return False
    return len(address.rsplit("@", 1)[0]) <= 64


class AddressError(ValueError):
    """An e-mail field ``parse_recipients`` refuses: ``address`` is the piece that is not an
    address, or ``""`` when the field holds none (findings ``bad_email`` / ``no_email``...)."""

    def __init__(self, address: str = "") -> None:
        super().__init__(address)
        self.address = address


def parse_recipients(value: str) -> list[tuple[str, str]]:
    """``"a@x.vn; Nguyễn A <b@y.vn>"`` -> ``[("", "a@x.vn"), ("Nguyễn A", "b@y.vn")]``.

    An address typed twice ("a@x.vn; Nguyễn A <a@x.vn>", any case) is kept once, with the
    first name given.  Raises ``AddressError`` (a ``ValueError``) for an empty value or an
    invalid address.
    """
    text = normalize_text(value)
    out: list[tuple[str, str]] = []
    where: dict[str, int] = {}
    for piece in re.split(r"[;,]", text):
        piece = piece.strip()
        if not piece:
            continue
        name, addr = parseaddr(piece)
        if not addr or not is_valid_email(addr) or (not name and addr != piece.strip("<>")):
            raise AddressError(piece)
        name = normalize_text(name)
        key = addr.lower()
        if key in where:
            i = where[key]
            out[i] = (out[i][0] or name, out[i][1])
            continue
        where[key] = len(out)
        out.append((name, addr))
    if not out:
        raise AddressError()
    return out


def _unit_address(unit: Unit, exc: AddressError) -> tuple[Any, dict[str, str]]:
    """(type, parameters) of the finding of a unit whose "Email" cell ``parse_recipients`` refused."""
    if exc.address:
        return catalog.BAD_EMAIL, {"unit": unit.name, "code": unit.code, "address": exc.address}
    return catalog.NO_EMAIL, {"unit": unit.name, "code": unit.code}


def message_recipients(msg: Message) -> list[str]:
    """Envelope recipients of a message (To, Cc, Bcc)."""
    values = [str(v) for h in ("To", "Cc", "Bcc") for v in (msg.get_all(h) or [])]
    return [addr for _, addr in getaddresses(values) if addr]


# ---------------------------------------------------------------- composing

def issuer_of(commune: str) -> str:
    """"xã Quảng Sơn" -> "UBND xã Quảng Sơn"."""
    commune = normalize_text(commune)
    if not commune:
        return "Ủy ban nhân dân xã"
    if fold(commune).startswith(("ubnd", "uy ban nhan dan")):
        return commune
    return f"UBND {commune}"


def _editable_headers() -> list[str]:
    return [c.header for c in S.TASK_COLUMNS if c.editable]


def _body_parts(unit: Unit, filename: str, commune: str, period_label: str,
                due_date: dt.date | None) -> dict[str, Any]:
    issuer = issuer_of(commune)
    greeting = f"Kính gửi: {unit.name}" + (f" (đồng chí {unit.head})" if unit.head else "") + "."
    request = (f"Để tổng hợp báo cáo kết quả thực hiện Kế hoạch cải cách hành chính (CCHC) "
               f"kỳ {period_label}, {issuer} đề nghị {unit.name} cập nhật tiến độ thực hiện các "
               f"nhiệm vụ CCHC được giao vào tệp Excel đính kèm thư này ({filename}).")
    if due_date:
        due = f"Hạn gửi lại: trước ngày {due_date:%d/%m/%Y}."
    else:
        due = "Đề nghị gửi lại sớm để kịp tổng hợp báo cáo đúng hạn."
    steps = [
        "Chỉ điền các cột được mở khóa: " + ", ".join(_editable_headers())
        + ". Các cột khác đã khóa, không sửa.",
        "Tiến độ (%) ghi số từ 0 đến 100; ngày ghi theo dạng dd/mm/yyyy; Minh chứng ghi số, "
        "ký hiệu văn bản hoặc đường liên kết.",
        "Không đổi tên tệp, không thêm, xóa dòng hoặc trang tính.",
        "Lưu tệp rồi gửi lại bằng cách trả lời thư này (Trả lời/Reply), đính kèm tệp đã cập nhật.",
    ]
    return {"greeting": greeting, "request": request, "due": due, "steps": steps, "issuer": issuer}


def _plain_body(p: dict[str, Any]) -> str:
    steps = "\n".join(f"{i}. {s}" for i, s in enumerate(p["steps"], start=1))
    return (f"{p['greeting']}\n\n{p['request']}\n\n{p['due']}\n\nHướng dẫn:\n{steps}\n\n"
            f"Trân trọng./.\n\n{p['issuer']}\n")


def html_letter(body: str, issuer: str) -> str:
    """A letter as HTML (Times New Roman 14 pt): ``body`` (escaped HTML), then "Trân trọng./."
    and the issuer - the frame of every message of ``cchc_xl.mail``."""
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head>"
            "<body style=\"font-family: 'Times New Roman', serif; font-size: 14pt\">"
            f"{body}<p>Trân trọng./.</p><p><b>{html.escape(issuer)}</b></p></body></html>\n")


def _html_body(p: dict[str, Any]) -> str:
    e = html.escape
    steps = "".join(f"<li>{e(s)}</li>" for s in p["steps"])
    return html_letter(f"<p>{e(p['greeting'])}</p><p>{e(p['request'])}</p>"
                       f"<p><b>{e(p['due'])}</b></p><p>Hướng dẫn:</p><ol>{steps}</ol>", p["issuer"])


def _one_line(text: str) -> str:
    """Header text on one line: a unit name typed with Alt+Enter must not break (or inject) headers."""
    return " ".join(str(text or "").split())


def _address(name: str, addr: str) -> Address:
    user, domain = addr.rsplit("@", 1)
    return Address(display_name=_one_line(name), username=user, domain=domain)


def compose_unit_email(unit: Unit, attachment: Path, *, sender: str, commune: str, period_label: str,
                       due_date: dt.date | None, reply_to: str | None = None) -> EmailMessage:
    """Build the request e-mail for one unit with its workbook attached.

    ``sender`` may be empty (a draft without From).  Raises ``CchcError`` (Vietnamese) for an
    invalid address or a missing attachment.
    """
    attachment = Path(attachment)
    if not attachment.is_file():
        raise catalog.NO_ATTACHMENT.error(file=str(attachment))
    filename = unicodedata.normalize("NFC", attachment.name)
    parts = _body_parts(unit, filename, commune, period_label, due_date)
    due = f" (hạn {due_date:%d/%m/%Y})" if due_date else ""
    msg = new_unit_message(unit, f"[CCHC] Cập nhật tiến độ nhiệm vụ CCHC kỳ {period_label} - {unit.name}{due}",
                           sender=sender, issuer=parts["issuer"], reply_to=reply_to)
    msg.set_content(_plain_body(parts))
    msg.add_alternative(_html_body(parts), subtype="html")
    add_workbook(msg, attachment)
    return msg


def add_workbook(msg: EmailMessage, attachment: Path) -> None:
    """Attach an Excel workbook (name NFC-normalised)."""
    msg.add_attachment(Path(attachment).read_bytes(), maintype=XLSX_MAINTYPE, subtype=XLSX_SUBTYPE,
                       filename=unicodedata.normalize("NFC", Path(attachment).name))


def new_unit_message(unit: Unit, subject: str, *, sender: str, issuer: str,
                     reply_to: str | None = None) -> EmailMessage:
    """Headers of a message to ``unit`` (To from its e-mail, From, Reply-To, Date, Message-ID,
    ``X-CCHC-Unit``); the caller adds the body.  Raises ``CchcError`` (Vietnamese) for an
    invalid address."""
    try:
        recipients = parse_recipients(unit.email)
    except AddressError as exc:
        kind, params = _unit_address(unit, exc)
        raise kind.error(fix="", sheet=S.SHEET_UNITS, **params) from None
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["Subject"] = _one_line(subject)
    domain = "cchc.local"
    if normalize_text(sender):
        try:
            senders = parse_recipients(sender)
        except AddressError as exc:
            raise catalog.BAD_SENDER.error(address=exc.address or sender) from None
        if len(senders) != 1:
            raise catalog.SENDER_NOT_ONE.error(count=len(senders))
        s_name, s_addr = senders[0]
        msg["From"] = _address(s_name or issuer, s_addr)
        domain = s_addr.rsplit("@", 1)[1]
    msg["To"] = [_address(name or (unit.name if len(recipients) == 1 else ""), addr)
                 for name, addr in recipients]
    if reply_to:
        try:
            msg["Reply-To"] = [_address(n, a) for n, a in parse_recipients(reply_to)]
        except AddressError as exc:
            raise catalog.BAD_REPLY_TO.error(address=exc.address or reply_to) from None
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=domain)
    msg[HEADER_UNIT] = unit.code
    return msg


# ---------------------------------------------------------------- drafts

def _ascii_slug(text: str, limit: int = 50) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", strip_diacritics(normalize_text(text))).strip("_")
    return slug[:limit].rstrip("_") or "thu"


def draft_file_name(msg: Message, index: int) -> str:
    """``01_VHXH_Phong_Van_hoa_Xa_hoi.eml`` (ASCII only)."""
    slug = _ascii_slug(str(msg.get(HEADER_UNIT) or ""), 20)
    names = [n for n, _ in getaddresses([str(v) for v in (msg.get_all("To") or [])])]
    label = _ascii_slug(names[0] if names and names[0] else (message_recipients(msg) or ["thu"])[0])
    return f"{index:02d}_{slug}_{label}.eml" if slug != "thu" else f"{index:02d}_{label}.eml"


def draft_bytes(msg: Message) -> bytes:
    """The message as an unsent draft: ``X-Unsent: 1`` first, CRLF line ends."""
    return b"X-Unsent: 1\r\n" + msg.as_bytes(policy=MAIL_POLICY)


def _draft_identity(path: Path) -> tuple[str, str, str]:
    """(unit code, period key, Subject) of a draft (``""`` for what it does not say)."""
    from email.parser import BytesParser
    from email.policy import default

    try:
        with open(path, "rb") as f:
            head = BytesParser(policy=default).parse(f, headersonly=True)
        return (str(head.get(HEADER_UNIT) or "").strip().upper(), str(head.get(HEADER_PERIOD) or "").strip(),
                str(head.get("Subject") or ""))
    except Exception:     # not a message we can read: not ours to move
        return "", "", ""


def retire_drafts(out_dir: Path, messages: Iterable[Message], *, period_key: str,
                  period_label: str) -> list[Path]:
    """Move the drafts in ``out_dir`` that ``messages`` replace - the same unit and the same
    period (``X-CCHC-Period``, or for drafts written before it, "kỳ <period>" in the Subject) -
    into ``out_dir/nhap_cu``, so that a unit never has two drafts of a period with different
    deadlines.  Returns the new paths of the moved drafts."""
    out = Path(out_dir)
    units = {str(m.get(HEADER_UNIT) or "").strip().upper() for m in messages} - {""}
    if not units or not out.is_dir():
        return []
    moved: list[Path] = []
    for path in sorted(out.glob("*.eml")):
        unit, key, subject = _draft_identity(path)
        same_period = key.lower() == period_key.lower() if key else f"kỳ {period_label} " in f"{subject} "
        if unit not in units or not same_period:
            continue
        target_dir = out / OLD_DRAFTS_DIR_NAME
        target_dir.mkdir(exist_ok=True)
        target, n = target_dir / path.name, 2
        while target.exists():
            target = target_dir / f"{path.stem}_{n}{path.suffix}"
            n += 1
        path.replace(target)
        moved.append(target)
    return moved


def write_drafts(messages: Iterable[Message], out_dir: Path) -> list[Path]:
    """Write each message as an ``.eml`` draft into ``out_dir`` (atomic).  Returns the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    used: set[str] = set()
    for i, msg in enumerate(messages, start=1):
        name = draft_file_name(msg, i)
        n = 2
        while name.lower() in used:
            name = f"{Path(name).stem}_{n}.eml"
            n += 1
        used.add(name.lower())
        target = out / name
        with atomic_path(target) as tmp:
            tmp.write_bytes(draft_bytes(msg))
        written.append(target)
    return written


