"""Sending over one SMTP connection with per-message results and Vietnamese reasons, and the
SMTP settings read from a small config file (see ``cchc_xl.mail.mailer``)."""

from __future__ import annotations

import configparser
import json
import os
import re
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any, Callable, Iterable, Literal, Mapping

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError

from cchc_xl.core.reasons import os_reason
from cchc_xl.core.findings import catalog
from cchc_xl.core.models import CchcError
from cchc_xl.core.text import normalize_text
from cchc_xl.mail.compose import HEADER_UNIT, message_recipients

Security = Literal["starttls", "ssl", "none"]

ENV_USER = "CCHC_SMTP_USER"
ENV_PASSWORD = "CCHC_SMTP_PASSWORD"
DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "ssl": 465, "none": 25}
CONFIG_NAMES = ("cau_hinh_thu.toml", "cau_hinh_thu.ini", "cau_hinh_thu.json")

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


def _timed_out(exc: BaseException) -> bool:
    """A timeout, also where smtplib turned it into ``SMTPServerDisconnected`` ("Connection
    unexpectedly closed: timed out", the socket's timeout as its context)."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, (TimeoutError, socket.timeout)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def explain_smtp_error(exc: BaseException, host: str, port: int, timeout: float = 30, *,
                       sending: bool = False, sent_before: int = 0) -> str:
    """Vietnamese explanation of a connection/login error, or (``sending``) of a failure while
    sending a message over a connection that was opened and logged in - where the port or
    the security mode cannot be the cause; ``sent_before``: messages the server already took
    over this run."""
    where = f"{host}:{port}"
    hint = "Kiểm tra chế độ bảo mật: cổng 465 dùng 'ssl', cổng 587 dùng 'starttls'."
    if sending and isinstance(exc, (smtplib.SMTPServerDisconnected, OSError)):
        if _timed_out(exc):
            return catalog.SMTP_TIMEOUT_SENDING(timeout=f"{timeout:g}", where=where).message
        if sent_before:
            return catalog.SMTP_DROPPED_AFTER(where=where, sent=sent_before).message
        return catalog.SMTP_DROPPED_SENDING(where=where).message
    if isinstance(exc, smtplib.SMTPServerDisconnected) and _timed_out(exc):
        return f"Hết thời gian chờ ({timeout:g} giây) khi liên lạc với máy chủ thư {where}. {hint}"
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
        return f"Không kết nối được máy chủ thư {where} ({os_reason(exc)})."
    return f"Lỗi không xác định khi gửi thư qua {where}."


class _Session:
    """One SMTP connection, reopened at most when it drops."""

    def __init__(self, host: str, port: int, security: Security, timeout: float,
                 username: str | None, password: str | None, context: ssl.SSLContext | None) -> None:
        self.host, self.port, self.security, self.timeout = host, port, security, timeout
        self.username, self._password = username, password
        self.context = context
        self.smtp: smtplib.SMTP | None = None
        self.dead = ""      # Vietnamese reason once reconnecting failed
        self.accepted = 0   # messages the server took (over this connection or an earlier one)

    def open(self) -> None:
        """Connect, STARTTLS, log in.  Raises ``SmtpFailure`` (Vietnamese)."""
        if self.username and not self._password:
            raise SmtpFailure(f"Thiếu mật khẩu thư điện tử cho '{self.username}': đặt biến môi "
                              f"trường {ENV_PASSWORD} hoặc nhập khi được hỏi.")
        for what, value in (("Tên đăng nhập", self.username), ("Mật khẩu", self._password)):
            if self.username and value and not value.isascii():   # smtplib logs in with ASCII only
                raise SmtpFailure(catalog.SMTP_LOGIN_NOT_ASCII(what=what, where=f"{self.host}:{self.port}").message)
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
        _reset(session)
        refused = exc.recipients
    except smtplib.SMTPSenderRefused as exc:
        _reset(session)
        return _Attempt(error=f"Máy chủ từ chối địa chỉ người gửi {exc.sender} "
                              f"(mã {exc.smtp_code}: {_reply_text(exc.smtp_error)})",
                        transient=400 <= exc.smtp_code < 500)
    except smtplib.SMTPDataError as exc:
        _reset(session)
        return _Attempt(error=f"Máy chủ từ chối nội dung thư (mã {exc.smtp_code}: "
                              f"{_reply_text(exc.smtp_error)})",
                        transient=400 <= exc.smtp_code < 500)
    except smtplib.SMTPServerDisconnected as exc:
        session.drop()
        return _Attempt(error=explain_smtp_error(exc, session.host, session.port, session.timeout,
                                                 sending=True, sent_before=session.accepted),
                        transient=True)
    except smtplib.SMTPResponseException as exc:     # any other refusal in the transaction
        _reset(session)
        return _Attempt(error=explain_smtp_error(exc, session.host, session.port, session.timeout),
                        transient=400 <= exc.smtp_code < 500)
    except (smtplib.SMTPException, OSError) as exc:   # dropped connection, timeout ...
        session.drop()
        return _Attempt(error=explain_smtp_error(exc, session.host, session.port, session.timeout,
                                                 sending=True, sent_before=session.accepted),
                        transient=True)
    out = _Attempt(delivered=[a for a in to_addrs if a not in refused])
    session.accepted += bool(out.delivered)
    out.refused = {a: (int(code), _reply_text(text)) for a, (code, text) in refused.items()}
    return out


def _reset(session: _Session) -> None:
    """End the transaction a refusal left open (RSET), so that the next message starts clean;
    a server that does not answer RSET is reconnected for the next message.

    smtplib does not reset when the DATA command itself is refused (or when every RCPT of a
    message with the same address twice was refused): the next MAIL FROM then fails with
    "503 nested MAIL command" - another unit's message refused for this one's fault."""
    smtp = session.smtp
    if smtp is None:
        return
    try:
        code, _ = smtp.rset()
    except (smtplib.SMTPException, OSError):
        code = 0
    if code != 250:
        session.drop()


def _unique(addresses: Iterable[str]) -> list[str]:
    """Each address once (case of the domain and of the local part ignored), first spelling kept."""
    seen: set[str] = set()
    out = []
    for a in addresses:
        if a.lower() not in seen:
            seen.add(a.lower())
            out.append(a)
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
        SendResult(index=i, recipients=_unique(message_recipients(m)), subject=str(m.get("Subject") or ""),
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
