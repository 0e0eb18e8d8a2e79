"""E-mail the unit workbooks to the departments (stdlib ``email`` + ``smtplib``).

* ``compose_unit_email``  - one Vietnamese message (text + HTML) with the unit workbook attached.
* ``match_attachments``   - pair unit workbooks with units (``_meta`` sheet or file name code).
* ``write_drafts``        - ``.eml`` drafts (``X-Unsent: 1``: Outlook opens them ready to send).
* ``send_messages``       - real sending over one SMTP connection, per-message results.
* ``SmtpSettings``        - SMTP settings read from a small config file.

Config file (``cau_hinh_thu.toml``; ``.ini``/``.cfg`` and ``.json`` are read too), keys in
English or Vietnamese without diacritics, optionally inside an ``[smtp]`` table/section::

    [smtp]
    may_chu = "smtp.gmail.com"      # host
    cong = 587                      # port (default: 587 starttls, 465 ssl, 25 none)
    bao_mat = "starttls"            # security: starttls | ssl | none
    ten_dang_nhap = "vanphong.quangson@gmail.com"   # username
    nguoi_gui = "vanphong.quangson@gmail.com"       # sender (From)
    tra_loi = ""                    # reply_to (optional)
    thoi_gian_cho = 30              # timeout, seconds

The password is best kept out of the file: set ``CCHC_SMTP_PASSWORD`` (and optionally
``CCHC_SMTP_USER``) in the environment, or type it when asked.
"""

from __future__ import annotations

import configparser
import datetime as dt
import html
import json
import os
import re
import smtplib
import socket
import ssl
import time
import unicodedata
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, getaddresses, make_msgid, parseaddr
from pathlib import Path
from typing import Any, Callable, Iterable, Literal, Mapping, NamedTuple, Sequence

from openpyxl.utils import get_column_letter
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError

from cchc_xl.core import schema as S
from cchc_xl.core.findings import catalog
from cchc_xl.core.models import CchcError, Finding, Unit
from cchc_xl.core.periods import same_period
from cchc_xl.files.safeio import atomic_path
from cchc_xl.core.text import fold, normalize_text, strip_diacritics

Security = Literal["starttls", "ssl", "none"]

XLSX_MAINTYPE = "application"
XLSX_SUBTYPE = "vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_UNIT = "X-CCHC-Unit"          # unit code, ASCII; used for draft names and reports
ENV_USER = "CCHC_SMTP_USER"
ENV_PASSWORD = "CCHC_SMTP_PASSWORD"
DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "ssl": 465, "none": 25}
CONFIG_NAMES = ("cau_hinh_thu.toml", "cau_hinh_thu.ini", "cau_hinh_thu.json")
DRAFTS_DIR_NAME = "thu_nhap"

# keys of the unit workbook's "_meta" sheet that may hold the unit code / the period
_META_UNIT_KEYS = ("unit_code", "unit", "ma_don_vi", "code")
_META_PERIOD_KEYS = ("period_label", "period", "ky")

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

    Raises ``AddressError`` (a ``ValueError``) for an empty value or an invalid address.
    """
    text = normalize_text(value)
    out: list[tuple[str, str]] = []
    for piece in re.split(r"[;,]", text):
        piece = piece.strip()
        if not piece:
            continue
        name, addr = parseaddr(piece)
        if not addr or not is_valid_email(addr) or (not name and addr != piece.strip("<>")):
            raise AddressError(piece)
        out.append((normalize_text(name), addr))
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


def _html_body(p: dict[str, Any]) -> str:
    e = html.escape
    steps = "".join(f"<li>{e(s)}</li>" for s in p["steps"])
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head>"
            "<body style=\"font-family: 'Times New Roman', serif; font-size: 14pt\">"
            f"<p>{e(p['greeting'])}</p><p>{e(p['request'])}</p>"
            f"<p><b>{e(p['due'])}</b></p><p>Hướng dẫn:</p><ol>{steps}</ol>"
            f"<p>Trân trọng./.</p><p><b>{e(p['issuer'])}</b></p></body></html>\n")


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
    msg = EmailMessage(policy=SMTP_POLICY)
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


# ---------------------------------------------------------------- matching files to units

class UnitFile(NamedTuple):
    unit: Unit
    path: Path


@dataclass(frozen=True)
class WorkbookTag:
    """What a unit workbook says about itself."""

    path: Path
    name_code: str = ""     # second "_" field of the file name
    meta_code: str = ""     # unit code in the hidden "_meta" sheet
    meta_kind: str = ""
    meta_period: str = ""
    error: str = ""         # Vietnamese reason when the file cannot be read


def _code_key(code: object) -> str:
    return normalize_text(code).upper()


def _calamine_rows(path: Path, sheet: str) -> list[list[Any]] | None:
    from cchc_xl.files.excel import calamine_sheet

    return calamine_sheet(path, sheet)


def read_unit_tag(path: Path) -> WorkbookTag:
    """Unit code from the ``_meta`` sheet (python-calamine) and from the file name."""
    path = Path(path)
    parts = unicodedata.normalize("NFC", path.stem).split("_")
    name_code = _code_key(parts[1]) if len(parts) >= 2 else ""
    try:
        rows = _calamine_rows(path, S.SHEET_META)
    except Exception as exc:  # corrupt zip, not a workbook, locked ...
        return WorkbookTag(path, name_code, error=f"không đọc được tệp Excel ({exc.__class__.__name__})")
    meta: dict[str, Any] = {}
    for row in rows or []:
        if row and row[0] not in (None, ""):
            meta[normalize_text(row[0]).lower()] = row[1] if len(row) > 1 else None
    code = next((_code_key(meta[k]) for k in _META_UNIT_KEYS if meta.get(k) not in (None, "")), "")
    period = next((normalize_text(meta[k]) for k in _META_PERIOD_KEYS if meta.get(k) not in (None, "")), "")
    return WorkbookTag(path, name_code, code, normalize_text(meta.get("kind")), period)


def unit_email_cells(master_path: Path) -> dict[str, str]:
    """Unit code -> cell of its e-mail in the master's "Đơn vị" sheet (``{"VP": "D5"}``)."""
    from cchc_xl.core.records import find_header_row

    try:
        rows = _calamine_rows(Path(master_path), S.SHEET_UNITS)
    except Exception:
        return {}
    if not rows:
        return {}
    h = find_header_row([tuple(r) for r in rows], S.header_of(S.UNIT_COLUMNS, "code"))
    if h is None:
        return {}
    header = [fold(v) for v in rows[h]]
    try:
        code_i = header.index(fold(S.header_of(S.UNIT_COLUMNS, "code")))
        mail_i = header.index(fold(S.header_of(S.UNIT_COLUMNS, "email")))
    except ValueError:
        return {}
    out: dict[str, str] = {}
    for r in range(h + 1, len(rows)):
        code = _code_key(rows[r][code_i] if code_i < len(rows[r]) else "")
        if code and code not in out:
            out[code] = f"{get_column_letter(mail_i + 1)}{r + 1}"
    return out




def _file_unit(tag: WorkbookTag, by_code: Mapping[str, Unit],
               period_label: str | None) -> tuple[Unit | None, Finding | None]:
    """Resolve the unit of one workbook, or explain why not."""
    p = tag.path
    if tag.error:
        return None, catalog.FILE_UNREADABLE(path=p.name, why=tag.error, file=p.name)
    if tag.meta_kind and fold(tag.meta_kind) != "unit":
        return None, catalog.NOT_UNIT_WORKBOOK(kind=tag.meta_kind, file=p.name)
    if tag.meta_code and tag.name_code in by_code and tag.name_code != tag.meta_code:
        return None, catalog.UNIT_CODE_MISMATCH(meta_sheet=S.SHEET_META, meta_code=tag.meta_code,
                                                name_code=tag.name_code, file=p.name)
    if period_label and tag.meta_period and not same_period(tag.meta_period, period_label):
        return None, catalog.PERIOD_MISMATCH(theirs=tag.meta_period, period=period_label, file=p.name)
    code = tag.meta_code or tag.name_code
    unit = by_code.get(code)
    if unit is None:
        if code:
            return None, catalog.FILE_WITHOUT_UNIT(code=code, units_sheet=S.SHEET_UNITS, file=p.name)
        return None, catalog.FILE_NAME_UNPARSED(file=p.name)
    return unit, None


def match_attachments(units: Sequence[Unit], files: Iterable[Path], *,
                      unit_cells: Mapping[str, str] | None = None, master_file: str = "",
                      period_label: str | None = None) -> tuple[list[UnitFile], list[Finding]]:
    """Pair each unit workbook with its unit.  Returns ``(pairs, problems)``.

    Problems (Vietnamese ``Finding``): unreadable file, file without unit, file of another
    period, two files for one unit, unit without e-mail / with an invalid e-mail (located in
    the "Đơn vị" sheet via ``unit_cells``), and (warning) a unit with no file.
    """
    by_code = {_code_key(u.code): u for u in units}
    cells = {_code_key(k): v for k, v in (unit_cells or {}).items()}
    problems: list[Finding] = []
    files_of: dict[str, list[Path]] = {}
    for path in sorted((Path(f) for f in files), key=lambda p: p.name):
        unit, problem = _file_unit(read_unit_tag(path), by_code, period_label)
        if problem:
            problems.append(problem)
        elif unit is not None:
            files_of.setdefault(_code_key(unit.code), []).append(path)
    pairs: list[UnitFile] = []
    for unit in units:
        key = _code_key(unit.code)
        found = files_of.get(key, [])
        where = {"file": master_file, "sheet": S.SHEET_UNITS, "cell": cells.get(key, "")}
        if len(found) > 1:
            names = ", ".join(p.name for p in found)
            problems.append(catalog.DUPLICATE_FILES(unit=unit.name, code=unit.code, count=len(found), names=names,
                                                    file=found[0].parent.name))
            continue
        if not found:
            if not unit.is_group:
                problems.append(catalog.UNIT_WITHOUT_FILE(unit=unit.name, code=unit.code, **where))
            continue
        try:
            parse_recipients(unit.email)
        except AddressError as exc:
            fix = f"; điền vào cột '{S.header_of(S.UNIT_COLUMNS, 'email')}' của trang '{S.SHEET_UNITS}'"
            kind, params = _unit_address(unit, exc)
            problems.append(kind(fix=fix, **params, **where))
            continue
        pairs.append(UnitFile(unit, found[0]))
    pairs.sort(key=lambda uf: uf.path.name)
    return pairs, problems


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
    return b"X-Unsent: 1\r\n" + msg.as_bytes(policy=SMTP_POLICY)


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


# ---------------------------------------------------------------- sending

@dataclass
class SendResult:
    """Outcome of one message."""

    index: int                      # 1-based position in the batch
    recipients: list[str]
    subject: str = ""
    unit: str = ""                  # unit code (X-CCHC-Unit)
    delivered: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)   # address -> Vietnamese reason
    error: str = ""                 # Vietnamese; whole message failed
    attempts: int = 0

    @property
    def ok(self) -> bool:
        return not self.error and not self.refused and bool(self.delivered)

    @property
    def status_label(self) -> str:
        if self.ok:
            return "Đã gửi"
        return "Gửi một phần" if self.delivered else "Lỗi"

    def problem_text(self) -> str:
        return "; ".join([self.error] * bool(self.error) + list(self.refused.values()))


@dataclass
class SendReport:
    results: list[SendResult] = field(default_factory=list)
    connection_error: str = ""      # Vietnamese; could not connect / log in

    @property
    def ok(self) -> bool:
        return not self.connection_error and all(r.ok for r in self.results)

    @property
    def sent(self) -> int:
        return sum(r.ok for r in self.results)

    @property
    def failed(self) -> int:
        return len(self.results) - self.sent


class SmtpFailure(Exception):
    """A sending failure explained in Vietnamese (never contains the password)."""


def _reply_text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return normalize_text(value)


def explain_smtp_error(exc: BaseException, host: str, port: int, timeout: float = 30) -> str:
    """Vietnamese explanation of a connection/login error."""
    where = f"{host}:{port}"
    hint = "Kiểm tra chế độ bảo mật: cổng 465 dùng 'ssl', cổng 587 dùng 'starttls'."
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (f"Đăng nhập máy chủ thư {where} thất bại: tên đăng nhập hoặc mật khẩu không đúng "
                f"(máy chủ trả lời {exc.smtp_code}). Với Gmail/Outlook cần dùng mật khẩu ứng dụng.")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return (f"Máy chủ thư {where} không hỗ trợ đăng nhập (AUTH) trên kết nối này; "
                "thử chế độ bảo mật 'starttls' hoặc 'ssl'.")
    if isinstance(exc, smtplib.SMTPConnectError):
        return f"Máy chủ thư {where} từ chối kết nối (mã {exc.smtp_code}: {_reply_text(exc.smtp_error)})."
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"Máy chủ thư {where} ngắt kết nối bất ngờ. {hint}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"Máy chủ thư {where} báo lỗi (mã {exc.smtp_code}: {_reply_text(exc.smtp_error)})."
    if isinstance(exc, smtplib.SMTPException):
        return f"Lỗi giao tiếp với máy chủ thư {where}: {exc}."
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (f"Không xác minh được chứng chỉ bảo mật của máy chủ thư {where} "
                f"({exc.verify_message or exc.reason}). Kiểm tra tên máy chủ.")
    if isinstance(exc, ssl.SSLError):
        return f"Lỗi kết nối bảo mật SSL/TLS với máy chủ thư {where}. {hint}"
    if isinstance(exc, socket.gaierror):
        return f"Không tìm thấy máy chủ thư '{host}' (sai tên máy chủ hoặc máy tính không có mạng)."
    if isinstance(exc, ConnectionRefusedError):
        return (f"Không kết nối được máy chủ thư {where}: máy chủ từ chối kết nối "
                "(sai cổng hoặc máy chủ không chạy).")
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return f"Hết thời gian chờ ({timeout:g} giây) khi liên lạc với máy chủ thư {where}. {hint}"
    if isinstance(exc, OSError):
        return f"Không kết nối được máy chủ thư {where} ({exc.strerror or exc.__class__.__name__})."
    return f"Lỗi không xác định khi gửi thư qua {where} ({exc.__class__.__name__})."


class _Session:
    """One SMTP connection, reopened at most when it drops."""

    def __init__(self, host: str, port: int, security: Security, timeout: float,
                 username: str | None, password: str | None, context: ssl.SSLContext | None) -> None:
        self.host, self.port, self.security, self.timeout = host, port, security, timeout
        self.username, self._password = username, password
        self.context = context
        self.smtp: smtplib.SMTP | None = None
        self.dead = ""      # Vietnamese reason once reconnecting failed

    def open(self) -> None:
        """Connect, STARTTLS, log in.  Raises ``SmtpFailure`` (Vietnamese)."""
        if self.username and not self._password:
            raise SmtpFailure(f"Thiếu mật khẩu thư điện tử cho '{self.username}': đặt biến môi "
                              f"trường {ENV_PASSWORD} hoặc nhập khi được hỏi.")
        ctx = self.context or ssl.create_default_context()
        smtp: smtplib.SMTP | None = None
        try:
            if self.security == "ssl":
                smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ctx)
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            smtp.set_debuglevel(0)
            smtp.ehlo()
            if self.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise SmtpFailure(f"Máy chủ thư {self.host}:{self.port} không hỗ trợ STARTTLS; "
                                      "chọn chế độ bảo mật 'ssl' (cổng 465) hoặc 'none'.")
                smtp.starttls(context=ctx)
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self._password or "")
        except SmtpFailure:
            _quiet_close(smtp)
            raise
        except Exception as exc:
            _quiet_close(smtp)
            raise SmtpFailure(explain_smtp_error(exc, self.host, self.port, self.timeout)) from None
        self.smtp = smtp

    def ensure_open(self) -> smtplib.SMTP:
        if self.dead:
            raise SmtpFailure(self.dead)
        if self.smtp is None:
            try:
                self.open()
            except SmtpFailure as exc:
                self.dead = str(exc)
                raise
        assert self.smtp is not None
        return self.smtp

    def drop(self) -> None:
        _quiet_close(self.smtp)
        self.smtp = None

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except Exception:
                pass
        self.drop()


def _quiet_close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        try:
            smtp.close()
        except Exception:
            pass


@dataclass
class _Attempt:
    delivered: list[str] = field(default_factory=list)
    refused: dict[str, tuple[int, str]] = field(default_factory=dict)
    error: str = ""
    transient: bool = False


def _attempt(session: _Session, msg: Message, to_addrs: list[str]) -> _Attempt:
    """Send once to ``to_addrs``; classify the outcome."""
    try:
        smtp = session.ensure_open()
    except SmtpFailure as exc:
        return _Attempt(error=str(exc))
    try:
        refused = smtp.send_message(msg, to_addrs=to_addrs)
    except smtplib.SMTPRecipientsRefused as exc:
        refused = exc.recipients
    except smtplib.SMTPSenderRefused as exc:
        return _Attempt(error=f"Máy chủ từ chối địa chỉ người gửi {exc.sender} "
                              f"(mã {exc.smtp_code}: {_reply_text(exc.smtp_error)})",
                        transient=400 <= exc.smtp_code < 500)
    except smtplib.SMTPDataError as exc:
        return _Attempt(error=f"Máy chủ từ chối nội dung thư (mã {exc.smtp_code}: "
                              f"{_reply_text(exc.smtp_error)})",
                        transient=400 <= exc.smtp_code < 500)
    except (smtplib.SMTPException, OSError) as exc:   # dropped connection, timeout ...
        session.drop()
        return _Attempt(error=explain_smtp_error(exc, session.host, session.port, session.timeout),
                        transient=True)
    out = _Attempt(delivered=[a for a in to_addrs if a not in refused])
    out.refused = {a: (int(code), _reply_text(text)) for a, (code, text) in refused.items()}
    return out


def _deliver(session: _Session, msg: Message, res: SendResult, retry_delay: float) -> None:
    """Send one message; retry once what failed with a transient (4xx / network) error."""
    if not msg.get("From"):
        res.error = "Thư chưa có địa chỉ người gửi (From)"
        return
    if not res.recipients:
        res.error = "Thư chưa có người nhận"
        return
    pending = list(res.recipients)
    for attempt in (1, 2):
        res.attempts = attempt
        out = _attempt(session, msg, pending)
        res.delivered.extend(out.delivered)
        retry = [a for a, (code, _) in out.refused.items() if 400 <= code < 500]
        if out.error and out.transient and attempt == 1 and not session.dead:
            time.sleep(retry_delay)
            continue
        if retry and attempt == 1 and not out.error:
            for a, (code, text) in out.refused.items():
                if a not in retry:
                    res.refused[a] = f"Máy chủ từ chối người nhận {a} (mã {code}: {text})"
            pending = retry
            time.sleep(retry_delay)
            continue
        res.error = out.error
        for a, (code, text) in out.refused.items():
            res.refused[a] = f"Máy chủ từ chối người nhận {a} (mã {code}: {text})"
        return


def send_messages(messages: Iterable[Message], *, host: str, port: int | None = None,
                  username: str | None = None, password: str | None = None,
                  security: Security = "starttls", timeout: float = 30,
                  progress: Callable[[SendResult], None] | None = None,
                  ssl_context: ssl.SSLContext | None = None, retry_delay: float = 2.0) -> SendReport:
    """Send all messages over one SMTP connection.  Never raises for SMTP/network problems.

    Credentials default to the environment variables ``CCHC_SMTP_USER`` /
    ``CCHC_SMTP_PASSWORD``.  ``progress`` is called after each message with its result.
    """
    msgs = list(messages)
    if security not in DEFAULT_PORTS:
        raise catalog.BAD_SECURITY.error(security=security)
    port = port or DEFAULT_PORTS[security]
    username = username or os.environ.get(ENV_USER) or None
    password = password if password else (os.environ.get(ENV_PASSWORD) or None)
    report = SendReport(results=[
        SendResult(index=i, recipients=message_recipients(m), subject=str(m.get("Subject") or ""),
                   unit=str(m.get(HEADER_UNIT) or ""))
        for i, m in enumerate(msgs, start=1)])
    if not msgs:
        return report
    session = _Session(host, port, security, timeout, username, password, ssl_context)
    try:
        session.open()
    except SmtpFailure as exc:
        report.connection_error = str(exc)
        for res in report.results:
            res.error = str(exc)
            if progress:
                progress(res)
        return report
    try:
        for msg, res in zip(msgs, report.results):
            _deliver(session, msg, res, retry_delay)
            if progress:
                progress(res)
    finally:
        session.close()
    return report


# ---------------------------------------------------------------- settings

class SmtpSettings(BaseModel):
    """SMTP settings; keys in English or Vietnamese without diacritics (see module doc)."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field("", validation_alias=AliasChoices("host", "may_chu"))
    port: int | None = Field(None, ge=1, le=65535, validation_alias=AliasChoices("port", "cong"))
    security: Security = Field("starttls", validation_alias=AliasChoices("security", "bao_mat"))
    username: str = Field("", validation_alias=AliasChoices("username", "ten_dang_nhap"))
    password: SecretStr | None = Field(None, validation_alias=AliasChoices("password", "mat_khau"))
    sender: str = Field("", validation_alias=AliasChoices("sender", "nguoi_gui"))
    reply_to: str = Field("", validation_alias=AliasChoices("reply_to", "tra_loi"))
    timeout: float = Field(30, gt=0, validation_alias=AliasChoices("timeout", "thoi_gian_cho"))

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.security]

    def password_value(self) -> str | None:
        """Password from the settings, else from ``CCHC_SMTP_PASSWORD``."""
        if self.password is not None and self.password.get_secret_value():
            return self.password.get_secret_value()
        return os.environ.get(ENV_PASSWORD) or None

    def username_value(self) -> str | None:
        return self.username or os.environ.get(ENV_USER) or None

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "SmtpSettings":
        """Read a ``.toml``, ``.ini``/``.cfg`` or ``.json`` file.  Raises ``CchcError``."""
        p = Path(path)
        if not p.is_file():
            raise catalog.NO_MAIL_CONFIG.error(file=str(p))
        try:
            data = _read_config(p)
        except CchcError:
            raise
        except Exception as exc:
            # never the parser's own text: configparser quotes the offending line (a password...)
            raise catalog.MAIL_CONFIG_SYNTAX.error(line=_error_line(exc), file=p.name) from None
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            errs = "; ".join(f"'{'.'.join(str(x) for x in e['loc']) or '?'}': {_pydantic_vi(e)}"
                             for e in exc.errors())
            raise catalog.BAD_MAIL_CONFIG.error(errors=errs, file=p.name) from None


def _error_line(exc: BaseException) -> str:
    """" (dòng N)" from a parser error, without quoting the line itself."""
    line = getattr(exc, "lineno", None)
    if not isinstance(line, int):
        errors = getattr(exc, "errors", None)          # configparser.ParsingError: [(lineno, line)]
        if errors and isinstance(errors[0], tuple) and isinstance(errors[0][0], int):
            line = errors[0][0]
    if not isinstance(line, int):
        m = re.search(r"\bline:?\s*(\d+)", str(exc))
        line = int(m.group(1)) if m else None
    return f" (dòng {line})" if line else ""


def _pydantic_vi(err: Mapping[str, Any]) -> str:
    kind = str(err.get("type", ""))
    if kind == "extra_forbidden":
        return "khóa không được hỗ trợ"
    if kind == "literal_error":
        return "phải là starttls, ssl hoặc none"
    if kind.startswith(("int", "float")):
        return "phải là số"
    if kind.startswith(("greater", "less")):
        return "ngoài khoảng cho phép"
    return "không hợp lệ"


def _read_config(p: Path) -> dict[str, Any]:
    suffix = p.suffix.lower()
    text = p.read_text(encoding="utf-8-sig")
    if suffix == ".json":
        data = json.loads(text)
    elif suffix == ".toml":
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            import tomli as tomllib  # type: ignore[no-redef]
        data = tomllib.loads(text)
    elif suffix in (".ini", ".cfg"):
        cp = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=("#",))
        cp.read_string(text)
        section = "smtp" if cp.has_section("smtp") else (cp.sections() or [None])[0]
        data = dict(cp[section]) if section else dict(cp.defaults())
        return {k: v for k, v in data.items() if v != ""}
    else:
        raise catalog.MAIL_CONFIG_SUFFIX.error(file=p.name)
    if not isinstance(data, dict):
        raise catalog.MAIL_CONFIG_NOT_TABLE.error(file=p.name)
    if isinstance(data.get("smtp"), dict):
        data = data["smtp"]
    return data


def find_settings_file(*folders: str | os.PathLike[str]) -> Path | None:
    """First ``cau_hinh_thu.(toml|ini|json)`` in ``folders`` (then the user's home ``.cchc_xl``)."""
    candidates = [Path(f) for f in folders] + [Path.home() / ".cchc_xl"]
    for folder in candidates:
        for name in CONFIG_NAMES:
            if (folder / name).is_file():
                return folder / name
    return None
