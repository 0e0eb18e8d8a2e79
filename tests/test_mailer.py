"""E-mail of unit workbooks: composing, matching, .eml drafts, and real SMTP delivery
through an aiosmtpd server started on 127.0.0.1 (ephemeral port)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import socket
import ssl
import subprocess
from contextlib import contextmanager
from email.parser import BytesParser
from email.policy import default as DEFAULT_POLICY
from pathlib import Path
from types import SimpleNamespace

import pytest
import typer
from openpyxl import Workbook
from typer.testing import CliRunner

from cchc_xl.mail import mailer
from cchc_xl.core import schema as S
from cchc_xl.cli.email import register
from cchc_xl.workbook.master import write_master
from cchc_xl.core.models import Area, CchcError, Plan, PlanInfo, Task, Unit

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
import aiosmtpd.smtp as aiosmtpd_smtp  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

PERIOD = "Quý III/2025"
DUE = dt.date(2025, 9, 12)
SENDER = "vanphong.quangson@lamdong.gov.vn"
USER, PASSWORD = "vanphong", "Mk#2025-bi-mat"

# Units of xã Quảng Sơn (seed 001, appendix "PHÂN CÔNG THỰC HIỆN NHIỆM VỤ"); e-mails made up.
UNITS = [
    Unit(code="VP", name="Văn phòng HĐND và UBND xã", email="vp.quangson@lamdong.gov.vn",
         head="Nguyễn Thị Hoa"),
    Unit(code="VHXH", name="Phòng Văn hóa - Xã hội", email="Trần Văn Bình <vhxh.quangson@lamdong.gov.vn>",
         head="Trần Văn Bình"),
    Unit(code="KT", name="Phòng Kinh tế", email=""),
    Unit(code="PVHCC", name="Trung tâm Phục vụ hành chính công", email="pvhcc@quangson"),
    Unit(code="CM", name="Các phòng, ban chuyên môn", members=["VP", "VHXH", "KT", "PVHCC"]),
]
BY_CODE = {u.code: u for u in UNITS}
VHXH_FILE = "02_VHXH_Phòng Văn hóa - Xã hội_Quý III-2025.xlsx"


def make_unit_workbook(path: Path, code: str | None, *, period: str = PERIOD, kind: str = "unit",
                       meta: bool = True) -> Path:
    """A small unit workbook like split.py writes: task sheet + very hidden "_meta"."""
    wb = Workbook()
    ws = wb.active
    ws.title = S.SHEET_TASKS
    ws["A1"] = "PHÂN CÔNG THỰC HIỆN NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2025"
    for j, col in enumerate(S.TASK_COLUMNS, start=1):
        ws.cell(row=S.HEADER_ROW, column=j, value=col.header)
    ws.cell(row=S.FIRST_DATA_ROW, column=1, value="I-01")
    ws.cell(row=S.FIRST_DATA_ROW, column=5,
            value="Tham mưu trình cấp có thẩm quyền ban hành các văn bản quy phạm pháp luật")
    if meta:
        m = wb.create_sheet(S.SHEET_META)
        for i, (k, v) in enumerate({"kind": kind, "schema_version": 1, "unit_code": code,
                                    "period_label": period}.items(), start=1):
            m.cell(row=i, column=1, value=k)
            m.cell(row=i, column=2, value=v)
        m.sheet_state = "veryHidden"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def compose(unit: Unit, path: Path, **kw) -> mailer.EmailMessage:
    args = dict(sender=SENDER, commune="xã Quảng Sơn", period_label=PERIOD, due_date=DUE)
    args.update(kw)
    return mailer.compose_unit_email(unit, path, **args)


def parse(data: bytes):
    return BytesParser(policy=DEFAULT_POLICY).parsebytes(data)


def structure(msg) -> list:
    """Decoded headers of every part plus the decoded content of every leaf part."""
    out = []
    for part in msg.walk():
        out.append([(k, str(v)) for k, v in part.items()])
        if not part.is_multipart():
            out.append(part.get_content())
    return out


def attachments(msg) -> list:
    return list(msg.iter_attachments())


# ---------------------------------------------------------------- SMTP test server

class EphemeralController(aiosmtpd_controller.Controller):
    """Controller on port 0: learn the real port before the readiness probe."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class Recorder:
    """aiosmtpd handler: stores envelopes; refuses or defers chosen recipients."""

    def __init__(self, refuse: tuple[str, ...] = (), defer: dict[str, int] | None = None) -> None:
        self.envelopes: list[SimpleNamespace] = []
        self.refuse = set(refuse)
        self.defer = dict(defer or {})

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        if self.defer.get(address, 0) > 0:
            self.defer[address] -= 1
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(SimpleNamespace(mail_from=envelope.mail_from,
                                              rcpt_tos=list(envelope.rcpt_tos),
                                              content=bytes(envelope.original_content)))
        return "250 Message accepted for delivery"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode()
          and auth_data.password == PASSWORD.encode())
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


@contextmanager
def smtp_server(handler: Recorder, **kwargs):
    ctl = EphemeralController(handler, hostname="127.0.0.1", port=0, **kwargs)
    ctl.start()
    try:
        yield ctl
    finally:
        ctl.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """Self-signed certificate for 127.0.0.1 (cryptography, else openssl CLI, else skip)."""
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
        import ipaddress
    except ImportError:
        if not shutil.which("openssl"):
            pytest.skip("không có cryptography hoặc openssl để tạo chứng chỉ")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key), "-out", str(cert),
                        "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True, timeout=60)
        return cert, key
    pkey = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    crt = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(pkey.public_key())
           .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
           .not_valid_after(now + dt.timedelta(days=2))
           .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                          critical=False)
           .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
           .sign(pkey, hashes.SHA256()))
    cert.write_bytes(crt.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(pkey.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return cert, key


def server_tls(cert_key: tuple[Path, Path]) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*cert_key)
    return ctx


@pytest.fixture
def workbooks(tmp_path) -> dict[str, Path]:
    d = tmp_path / "phieu"
    return {"VP": make_unit_workbook(d / "01_VP_Van phong HDND va UBND xa_Quy III-2025.xlsx", "VP"),
            "VHXH": make_unit_workbook(d / VHXH_FILE, "VHXH")}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    monkeypatch.delenv(mailer.ENV_USER, raising=False)
    monkeypatch.delenv(mailer.ENV_PASSWORD, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


# ---------------------------------------------------------------- compose

def test_compose_headers_body_and_attachment(workbooks):
    path = workbooks["VHXH"]
    msg = compose(BY_CODE["VHXH"], path, reply_to="Văn phòng <vp.quangson@lamdong.gov.vn>")
    raw = msg.as_bytes()
    assert all(b < 128 for b in raw), "wire format must be 7-bit (encoded words, base64)"
    assert b"filename*" in raw  # RFC 2231 parameter encoding of the Vietnamese file name
    back = parse(raw)
    assert back["Subject"] == ("[CCHC] Cập nhật tiến độ nhiệm vụ CCHC kỳ Quý III/2025 - "
                               "Phòng Văn hóa - Xã hội (hạn 12/09/2025)")
    to = back["To"].addresses
    assert [(a.display_name, a.addr_spec) for a in to] == [("Trần Văn Bình", "vhxh.quangson@lamdong.gov.vn")]
    assert back["From"].addresses[0].display_name == "UBND xã Quảng Sơn"
    assert back["From"].addresses[0].addr_spec == SENDER
    assert back["Reply-To"].addresses[0].addr_spec == "vp.quangson@lamdong.gov.vn"
    assert back[mailer.HEADER_UNIT] == "VHXH"
    assert back["Message-ID"].endswith("@lamdong.gov.vn>")
    assert back.get_content_type() == "multipart/mixed"

    text = back.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("Kính gửi: Phòng Văn hóa - Xã hội (đồng chí Trần Văn Bình).")
    assert "kỳ Quý III/2025" in text and "trước ngày 12/09/2025" in text
    for header in ("Trạng thái", "Tiến độ (%)", "Ngày hoàn thành", "Minh chứng", "Ghi chú"):
        assert header in text
    assert "Không đổi tên tệp" in text and "trả lời thư này" in text
    assert VHXH_FILE in text
    html_part = back.get_body(preferencelist=("html",))
    assert html_part.get_content_type() == "text/html"
    assert "<ol>" in html_part.get_content() and "12/09/2025" in html_part.get_content()

    (att,) = attachments(back)
    assert att.get_content_type() == ("application/vnd.openxmlformats-officedocument."
                                      "spreadsheetml.sheet")
    assert att.get_filename() == VHXH_FILE
    assert att.get_content() == path.read_bytes()


def test_compose_without_due_date_and_without_sender(workbooks):
    msg = compose(BY_CODE["VP"], workbooks["VP"], sender="", due_date=None)
    assert msg["From"] is None
    assert "(hạn" not in msg["Subject"]
    assert "gửi lại sớm" in msg.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.parametrize("unit,fragment", [
    (BY_CODE["KT"], "chưa có địa chỉ email"),
    (BY_CODE["PVHCC"], "'pvhcc@quangson' không hợp lệ"),
])
def test_compose_refuses_bad_unit_address(workbooks, unit, fragment):
    with pytest.raises(CchcError) as err:
        compose(unit, workbooks["VP"])
    assert fragment in str(err.value) and "Đơn vị" in str(err.value)


def test_compose_refuses_bad_sender_and_missing_file(workbooks, tmp_path):
    with pytest.raises(CchcError, match="Người gửi"):
        compose(BY_CODE["VP"], workbooks["VP"], sender="văn.phòng@xa")
    with pytest.raises(CchcError, match="Không tìm thấy tệp đính kèm"):
        compose(BY_CODE["VP"], tmp_path / "khong_co.xlsx")


@pytest.mark.parametrize("address,valid", [
    ("vp.quangson@lamdong.gov.vn", True),
    ("a+b_c@mail-1.example.vn", True),
    ("pvhcc@quangson", False),            # no top-level domain
    ("vp..qs@lamdong.gov.vn", False),     # double dot
    ("vp@-lamdong.gov.vn", False),        # label starts with '-'
    ("văn.phòng@lamdong.gov.vn", False),  # non-ASCII local part
    ("vp@lamdong.gov.vn.", False),
    ("vp lamdong.gov.vn", False),
    ("", False),
])
def test_is_valid_email(address, valid):
    assert mailer.is_valid_email(address) is valid


def test_parse_recipients_several_addresses():
    assert mailer.parse_recipients("a@x.vn; Nguyễn Văn A <b@y.vn>") == [("", "a@x.vn"),
                                                                        ("Nguyễn Văn A", "b@y.vn")]
    with pytest.raises(ValueError) as e:
        mailer.parse_recipients("a@x.vn; b@")
    assert isinstance(e.value, mailer.AddressError) and e.value.address == "b@"
    with pytest.raises(mailer.AddressError) as e:
        mailer.parse_recipients(" ; ")
    assert e.value.address == ""


# ---------------------------------------------------------------- matching

def test_match_attachments_pairs_and_problems(tmp_path):
    d = tmp_path / "phieu"
    by_meta = make_unit_workbook(d / "Phieu VP da sua ten.xlsx", "VP")          # name has no code
    by_name = make_unit_workbook(d / "02_VHXH_Phong VHXH_Quy III-2025.xlsx", None, meta=False)
    no_mail = make_unit_workbook(d / "03_KT_Phong Kinh te_Quy III-2025.xlsx", "KT")
    bad_mail = make_unit_workbook(d / "04_PVHCC_Trung tam_Quy III-2025.xlsx", "PVHCC")
    stray = make_unit_workbook(d / "05_TP_Tu phap_Quy III-2025.xlsx", None, meta=False)
    units = [u for u in UNITS] + [Unit(code="CA", name="Công an xã", email="ca@lamdong.gov.vn")]
    cells = {"VP": "D5", "VHXH": "D6", "KT": "D7", "PVHCC": "D8", "CM": "D9", "CA": "D10"}
    pairs, problems = mailer.match_attachments(units, [by_meta, by_name, no_mail, bad_mail, stray],
                                               unit_cells=cells, master_file="so_tong_hop.xlsx",
                                               period_label=PERIOD)
    assert [(u.code, p) for u, p in pairs] == [("VHXH", by_name), ("VP", by_meta)]
    got = {(f.code, f.severity): f for f in problems}
    assert set(got) == {("file_without_unit", "error"), ("no_email", "error"), ("bad_email", "error"),
                        ("unit_without_file", "warning")}
    stray_f = got[("file_without_unit", "error")]
    assert stray_f.file == stray.name and "mã 'TP'" in stray_f.message
    no_mail_f = got[("no_email", "error")]
    assert (no_mail_f.file, no_mail_f.sheet, no_mail_f.cell) == ("so_tong_hop.xlsx", "Đơn vị", "D7")
    assert "Phòng Kinh tế" in str(no_mail_f) and "chưa có địa chỉ email" in str(no_mail_f)
    assert got[("bad_email", "error")].cell == "D8"
    missing = got[("unit_without_file", "warning")]
    assert "Công an xã" in missing.message and missing.cell == "D10"  # group "CM" is not reported


def test_match_attachments_rejects_suspicious_files(tmp_path):
    d = tmp_path / "phieu"
    mismatch = make_unit_workbook(d / "01_VP_Van phong_Quy III-2025.xlsx", "VHXH")
    old = make_unit_workbook(d / "x_cu.xlsx", "VP", period="Quý II/2025")
    master_like = make_unit_workbook(d / "so_tong_hop.xlsx", None, kind="master")
    corrupt = d / "06_KT_hong.xlsx"
    corrupt.write_bytes(b"PK\x03\x04 khong phai tep excel")
    pairs, problems = mailer.match_attachments(UNITS, [mismatch, old, master_like, corrupt],
                                               period_label=PERIOD)
    assert pairs == []
    codes = {f.file: f.code for f in problems if f.severity == "error"}
    assert codes == {mismatch.name: "unit_code_mismatch", old.name: "period_mismatch",
                     master_like.name: "not_unit_workbook", corrupt.name: "file_unreadable"}
    text = " | ".join(str(f) for f in problems)
    assert "'VHXH' nhưng tên tệp ghi 'VP'" in text and "kỳ 'Quý II/2025'" in text


def test_match_attachments_duplicate_files(tmp_path):
    d = tmp_path / "phieu"
    a = make_unit_workbook(d / "01_VP_a.xlsx", "VP")
    b = make_unit_workbook(d / "07_VP_b.xlsx", "VP")
    pairs, problems = mailer.match_attachments(UNITS[:1], [a, b])
    assert pairs == []
    assert [f.code for f in problems] == ["duplicate_files"]
    assert "01_VP_a.xlsx, 07_VP_b.xlsx" in problems[0].message


def test_unit_email_cells_from_real_master(tmp_path):
    plan = Plan(info=PlanInfo(commune="xã Quảng Sơn", year=2025), units=UNITS,
                tasks=[Task(id="I-01", area=Area.THE_CHE, title="Rà soát văn bản")])
    master = write_master(plan, tmp_path / "so.xlsx")
    cells = mailer.unit_email_cells(master)
    first = S.FIRST_DATA_ROW
    letter = S.col_letter(S.UNIT_COLUMNS, "email")
    assert cells == {u.code: f"{letter}{first + i}" for i, u in enumerate(UNITS)}


# ---------------------------------------------------------------- drafts

def test_write_drafts_round_trip(workbooks, tmp_path):
    msgs = [compose(BY_CODE["VP"], workbooks["VP"]), compose(BY_CODE["VHXH"], workbooks["VHXH"])]
    paths = mailer.write_drafts(msgs, tmp_path / "thu_nhap")
    assert [p.name for p in paths] == ["01_VP_Van_phong_HDND_va_UBND_xa.eml",
                                       "02_VHXH_Tran_Van_Binh.eml"]
    for path, msg in zip(paths, msgs):
        assert path.name.isascii()
        data = path.read_bytes()
        assert data.startswith(b"X-Unsent: 1\r\n")
        assert data == b"X-Unsent: 1\r\n" + msg.as_bytes()       # the message's own policy (CRLF)
        back = BytesParser(policy=DEFAULT_POLICY).parsebytes(data)
        assert back["X-Unsent"] == "1"
        del back["X-Unsent"]
        assert structure(back) == structure(msg)          # same headers, parts and contents
        assert parse(data)["Subject"] == str(msg["Subject"])
        (att,) = attachments(parse(data))
        assert att.get_content() == (workbooks["VP"] if "VP_" in path.name else workbooks["VHXH"]).read_bytes()
    assert not list((tmp_path / "thu_nhap").glob(".~*")), "no temporary files left"


# ---------------------------------------------------------------- headers as a mail client reads them

# unit names of communes (appendix "PHÂN CÔNG"), long ones that make the Subject fold
CLIENT_NAMES = ["Văn phòng HĐND và UBND xã", "Phòng Văn hóa - Xã hội", "Phòng Kinh tế",
                "Trung tâm Phục vụ hành chính công", "Ban Chỉ huy Quân sự xã", "Trạm Y tế xã",
                "Phòng Kinh tế, Hạ tầng và Đô thị", "Hội Liên hiệp Phụ nữ xã",
                "Ủy ban Mặt trận Tổ quốc Việt Nam xã", "Đoàn Thanh niên Cộng sản Hồ Chí Minh xã",
                "Bộ phận Tiếp nhận và Trả kết quả", "Hội Cựu chiến binh xã Quảng Sơn, huyện Đắk Glong"]
CLIENT_PERIODS = ["Quý I/2025", "6 tháng/2025", "Quý III/2025", "Năm 2025"]


def raw_headers(data: bytes) -> dict[str, str]:
    """Header values as sent (unfolded: CRLF + WSP -> WSP), not decoded."""
    import re

    head = data.decode("ascii").split("\r\n\r\n", 1)[0]
    lines = re.sub(r"\r\n([ \t])", r"\1", head).split("\r\n")
    return {line.split(":", 1)[0]: line.split(":", 1)[1][1:] for line in lines if ":" in line}


def client_decoded(raw: str) -> str:
    """RFC 2047 decoding as Outlook/Thunderbird do it: the whitespace between two encoded
    words is not part of the text."""
    from email.header import decode_header, make_header

    return str(make_header(decode_header(raw)))


def client_messages(attachment: Path) -> list[tuple[str, mailer.EmailMessage]]:
    """The messages of gui-email, nhac-nho (missing, overdue, refused) and phan-hoi for every name."""
    from cchc_xl.core import register as R
    from cchc_xl.mail.reminders import compose_feedback, compose_reminder

    out = []
    for name in CLIENT_NAMES:
        unit = Unit(code="X", name=name, email="donvi@lamdong.gov.vn", head="Nguyễn Văn Hùng")
        for period in CLIENT_PERIODS:
            out.append(("gui-email", compose(unit, attachment, period_label=period)))
            for due, refused in ((dt.date(2030, 1, 1), 0), (dt.date(2020, 1, 1), 0), (dt.date(2030, 1, 1), 2)):
                sub = R.Submission(period=period, unit="X", unit_name=name, version=2, due=due,
                                   refused_cells=refused, file="phieu.xlsx" if refused else "")
                out.append(("nhac-nho", compose_reminder(unit, sub, commune="xã Quảng Sơn", sender=SENDER,
                                                         today=dt.date(2025, 9, 25))))
            out.append(("phan-hoi", compose_feedback(unit, period=period, source_name="phieu.xlsx", items=[],
                                                     file_reason="tệp đã bị sửa cấu trúc", attachment=attachment,
                                                     commune="xã Quảng Sơn", sender=SENDER)))
    return out


def test_subject_keeps_every_space_when_a_client_decodes_it(workbooks, tmp_path):
    """Python's folding may put the space between two words between two encoded words, where
    RFC 2047 decoders drop it ("Văn phòngHĐND"): drafts and sent mail read word for word."""
    msgs = client_messages(workbooks["VP"])
    drafts = mailer.write_drafts([m for _, m in msgs], tmp_path / "thu_nhap")
    handler = Recorder()
    sample = msgs[::7]                                    # every command and name, a few periods
    with smtp_server(handler) as srv:
        report = mailer.send_messages([m for _, m in sample], host="127.0.0.1", port=srv.port,
                                      security="none")
    assert report.ok
    wire = [(label, m, p.read_bytes()) for (label, m), p in zip(msgs, drafts)]
    wire += [(label, m, e.content) for (label, m), e in zip(sample, handler.envelopes)]
    wrong = []
    for label, msg, data in wire:
        headers, want = raw_headers(data), str(msg["Subject"])
        assert all(len(line) <= 78 for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"))
        for got in (client_decoded(headers["Subject"]), str(parse(data)["Subject"])):
            if got != want:
                wrong.append(f"[{label}] {want!r} -> {got!r}")
        to = msg["To"].addresses[0]
        assert client_decoded(headers["To"]) == f"{to.display_name} <{to.addr_spec}>"
    assert not wrong, f"{len(wrong)}/{2 * len(wire)}:\n" + "\n".join(wrong[:5])
    assert {label for label, _ in msgs} == {"gui-email", "nhac-nho", "phan-hoi"}


# ---------------------------------------------------------------- sending (real SMTP)

def test_send_plain_delivers_everything(workbooks):
    handler = Recorder()
    msgs = [compose(BY_CODE["VP"], workbooks["VP"]), compose(BY_CODE["VHXH"], workbooks["VHXH"])]
    seen: list[int] = []
    with smtp_server(handler) as srv:
        report = mailer.send_messages(msgs, host="127.0.0.1", port=srv.port, security="none",
                                      progress=lambda r: seen.append(r.index))
    assert report.ok and report.sent == 2 and report.connection_error == ""
    assert seen == [1, 2]
    assert [e.rcpt_tos for e in handler.envelopes] == [["vp.quangson@lamdong.gov.vn"],
                                                       ["vhxh.quangson@lamdong.gov.vn"]]
    assert all(e.mail_from == SENDER for e in handler.envelopes)
    for env, key in zip(handler.envelopes, ("VP", "VHXH")):
        got = parse(env.content)
        assert got["Subject"].endswith(f"{BY_CODE[key].name} (hạn 12/09/2025)")
        (att,) = attachments(got)
        assert att.get_filename() == workbooks[key].name
        assert att.get_content() == workbooks[key].read_bytes()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_send_with_auth_right_and_wrong_password(workbooks, monkeypatch):
    msgs = [compose(BY_CODE["VP"], workbooks["VP"])]
    handler = Recorder()
    with smtp_server(handler, authenticator=authenticator, auth_required=True,
                     auth_require_tls=False) as srv:
        wrong = mailer.send_messages(msgs, host="127.0.0.1", port=srv.port, security="none",
                                     username=USER, password="sai-mat-khau")
        monkeypatch.setenv(mailer.ENV_USER, USER)           # credentials from the environment
        monkeypatch.setenv(mailer.ENV_PASSWORD, PASSWORD)
        right = mailer.send_messages(msgs, host="127.0.0.1", port=srv.port, security="none")
    assert not wrong.ok and wrong.sent == 0
    assert "Đăng nhập máy chủ thư" in wrong.connection_error and "535" in wrong.connection_error
    assert wrong.results[0].error == wrong.connection_error
    assert "sai-mat-khau" not in wrong.connection_error
    assert right.ok and len(handler.envelopes) == 1


def test_send_without_password_is_explained(workbooks):
    report = mailer.send_messages([compose(BY_CODE["VP"], workbooks["VP"])], host="127.0.0.1",
                                  port=free_port(), security="none", username=USER)
    assert "Thiếu mật khẩu" in report.connection_error and mailer.ENV_PASSWORD in report.connection_error


def test_send_starttls_with_auth(workbooks, certificate):
    cafile = str(certificate[0])
    handler = Recorder()
    msgs = [compose(BY_CODE["VHXH"], workbooks["VHXH"])]
    with smtp_server(handler, tls_context=server_tls(certificate), require_starttls=True,
                     authenticator=authenticator, auth_required=True) as srv:
        untrusted = mailer.send_messages(msgs, host="127.0.0.1", port=srv.port, security="starttls",
                                         username=USER, password=PASSWORD, timeout=10)
        report = mailer.send_messages(msgs, host="127.0.0.1", port=srv.port, security="starttls",
                                      username=USER, password=PASSWORD, timeout=10,
                                      ssl_context=ssl.create_default_context(cafile=cafile))
    assert "chứng chỉ" in untrusted.connection_error and untrusted.sent == 0
    assert report.ok, report
    (env,) = handler.envelopes
    assert env.rcpt_tos == ["vhxh.quangson@lamdong.gov.vn"]
    assert attachments(parse(env.content))[0].get_content() == workbooks["VHXH"].read_bytes()


def test_send_starttls_refused_by_plain_server(workbooks):
    with smtp_server(Recorder()) as srv:
        report = mailer.send_messages([compose(BY_CODE["VP"], workbooks["VP"])], host="127.0.0.1",
                                      port=srv.port, security="starttls", timeout=10)
    assert "không hỗ trợ STARTTLS" in report.connection_error


def test_send_implicit_ssl(workbooks, certificate):
    handler = Recorder()
    with smtp_server(handler, ssl_context=server_tls(certificate)) as srv:
        report = mailer.send_messages([compose(BY_CODE["VP"], workbooks["VP"])], host="127.0.0.1",
                                      port=srv.port, security="ssl", timeout=10,
                                      ssl_context=ssl.create_default_context(cafile=str(certificate[0])))
    assert report.ok and len(handler.envelopes) == 1


def test_refused_recipient_does_not_stop_the_others(workbooks):
    bad = Unit(code="KT", name="Phòng Kinh tế", email="kt.khongton@lamdong.gov.vn")
    both = Unit(code="PVHCC", name="Trung tâm Phục vụ hành chính công",
                email="pvhcc@lamdong.gov.vn; kt.khongton@lamdong.gov.vn")
    msgs = [compose(BY_CODE["VP"], workbooks["VP"]), compose(bad, workbooks["VP"]),
            compose(both, workbooks["VHXH"]), compose(BY_CODE["VHXH"], workbooks["VHXH"])]
    handler = Recorder(refuse=("kt.khongton@lamdong.gov.vn",))
    with smtp_server(handler) as srv:
        report = mailer.send_messages(msgs, host="127.0.0.1", port=srv.port, security="none",
                                      retry_delay=0)
    ok, refused, partial, ok2 = report.results
    assert ok.ok and ok2.ok
    assert not refused.ok and refused.delivered == [] and refused.status_label == "Lỗi"
    assert "từ chối người nhận kt.khongton@lamdong.gov.vn (mã 550" in refused.refused[
        "kt.khongton@lamdong.gov.vn"]
    assert partial.delivered == ["pvhcc@lamdong.gov.vn"] and partial.status_label == "Gửi một phần"
    assert refused.attempts == 1, "a permanent refusal is not retried"
    assert report.sent == 2 and report.failed == 2 and not report.ok
    assert [e.rcpt_tos for e in handler.envelopes] == [["vp.quangson@lamdong.gov.vn"],
                                                       ["pvhcc@lamdong.gov.vn"],
                                                       ["vhxh.quangson@lamdong.gov.vn"]]


class DataRefusingSMTP(aiosmtpd_smtp.SMTP):
    """Answers the DATA command itself (before any content) with ``code`` when the transaction
    holds an address in ``refuse`` - a policy filter at DATA, as Postfix can have.  Logs MAIL."""

    refuse: dict[str, str] = {}
    mails: list[str] = []

    @aiosmtpd_smtp.syntax("DATA")
    async def smtp_DATA(self, arg):
        reply = next((r for a, r in self.refuse.items() if a in self.envelope.rcpt_tos), None)
        if reply:
            await self.push(reply)
            return
        return await super().smtp_DATA(arg)

    async def smtp_MAIL(self, arg):
        self.mails.append(arg)
        return await super().smtp_MAIL(arg)


class DataRefusingController(EphemeralController):
    def factory(self):
        return DataRefusingSMTP(self.handler)


def test_a_refused_message_does_not_fail_the_next_unit(workbooks):
    """A refusal the SMTP library leaves unanswered (DATA refused, the same address twice all
    refused at RCPT) must not make the next unit fail with "503 nested MAIL command"."""
    kt = Unit(code="KT", name="Phòng Kinh tế", email="kt@lamdong.gov.vn")
    twice = Unit(code="PVHCC", name="Trung tâm PVHCC", email="pvhcc@lamdong.gov.vn; Lê Minh Tuấn <PVHCC@lamdong.gov.vn>")
    doubled = compose(BY_CODE["VP"], workbooks["VP"])   # a message with the same recipient twice in To / Cc
    doubled["Cc"] = "vp.quangson@lamdong.gov.vn"
    msgs = [compose(BY_CODE["VP"], workbooks["VP"]), compose(kt, workbooks["VP"]),
            compose(BY_CODE["VHXH"], workbooks["VHXH"]), compose(twice, workbooks["VP"]),
            compose(BY_CODE["VHXH"], workbooks["VHXH"]), doubled, compose(kt, workbooks["VP"]),
            compose(BY_CODE["VP"], workbooks["VP"])]
    DataRefusingSMTP.refuse = {"kt@lamdong.gov.vn": "554 5.7.1 Rejected by policy"}
    DataRefusingSMTP.mails = []
    handler = Recorder(refuse=("pvhcc@lamdong.gov.vn",))
    ctl = DataRefusingController(handler, hostname="127.0.0.1", port=0)
    ctl.start()
    try:
        report = mailer.send_messages(msgs, host="127.0.0.1", port=ctl.port, security="none", retry_delay=0)
    finally:
        ctl.stop()
    r = report.results
    assert [x.ok for x in r] == [True, False, True, False, True, True, False, True], [x.problem_text() for x in r]
    assert "mã 554" in r[1].error and "mã 554" in r[6].error
    assert r[3].recipients == ["pvhcc@lamdong.gov.vn"] and "mã 550" in r[3].problem_text()
    assert r[5].recipients == ["vp.quangson@lamdong.gov.vn"]
    assert not any("503" in x.problem_text() for x in r)
    assert [e.rcpt_tos for e in handler.envelopes] == [["vp.quangson@lamdong.gov.vn"],
                                                       ["vhxh.quangson@lamdong.gov.vn"],
                                                       ["vhxh.quangson@lamdong.gov.vn"],
                                                       ["vp.quangson@lamdong.gov.vn"],
                                                       ["vp.quangson@lamdong.gov.vn"]]
    assert parse(handler.envelopes[1].content)[mailer.HEADER_UNIT] == "VHXH"
    # the To header names the unit's address once
    assert [a.addr_spec for a in parse(msgs[3].as_bytes())["To"].addresses] == ["pvhcc@lamdong.gov.vn"]
    assert mailer.parse_recipients("a@x.vn; Tên <A@x.vn>, b@x.vn") == [("Tên", "a@x.vn"), ("", "b@x.vn")]


def test_transient_refusal_is_retried_once(workbooks):
    flaky = Unit(code="KT", name="Phòng Kinh tế", email="kt@lamdong.gov.vn")
    stuck = Unit(code="PVHCC", name="Trung tâm PVHCC", email="pvhcc@lamdong.gov.vn")
    handler = Recorder(defer={"kt@lamdong.gov.vn": 1, "pvhcc@lamdong.gov.vn": 5})
    msgs = [compose(flaky, workbooks["VP"]), compose(stuck, workbooks["VP"])]
    with smtp_server(handler) as srv:
        report = mailer.send_messages(msgs, host="127.0.0.1", port=srv.port, security="none",
                                      retry_delay=0)
    first, second = report.results
    assert first.ok and first.attempts == 2
    assert not second.ok and second.attempts == 2 and "mã 451" in second.refused["pvhcc@lamdong.gov.vn"]
    assert handler.defer["pvhcc@lamdong.gov.vn"] == 3   # tried exactly twice
    assert [e.rcpt_tos for e in handler.envelopes] == [["kt@lamdong.gov.vn"]]


def test_server_unreachable_is_reported_in_vietnamese(workbooks):
    msgs = [compose(BY_CODE["VP"], workbooks["VP"]), compose(BY_CODE["VHXH"], workbooks["VHXH"])]
    port = free_port()
    report = mailer.send_messages(msgs, host="127.0.0.1", port=port, security="none", timeout=5)
    assert not report.ok and report.sent == 0
    assert report.connection_error.startswith(f"Không kết nối được máy chủ thư 127.0.0.1:{port}")
    assert all(r.error == report.connection_error and r.status_label == "Lỗi" for r in report.results)


class Dropping(Recorder):
    """Takes ``keep`` messages, then closes the connection at the end of every later DATA;
    or (``slow``) answers DATA only after ``slow`` seconds."""

    def __init__(self, keep: int = 0, slow: float = 0) -> None:
        super().__init__()
        self.keep, self.slow = keep, slow

    async def handle_DATA(self, server, session, envelope):
        if self.slow:
            import asyncio

            await asyncio.sleep(self.slow)
            return "250 OK"
        if len(self.envelopes) >= self.keep:
            server.transport.close()
            return "421 closing"
        return await super().handle_DATA(server, session, envelope)


def test_timeout_and_drop_while_sending_are_told_apart(workbooks):
    """A timeout (smtplib reports it as a dropped connection) and a drop after messages went
    through with the same settings are not a wrong port or security mode: each gets its own advice."""
    msgs = [compose(BY_CODE["VP"], workbooks["VP"]), compose(BY_CODE["VHXH"], workbooks["VHXH"]),
            compose(BY_CODE["VP"], workbooks["VP"])]
    wrong_hint = "cổng 465 dùng 'ssl'"
    with smtp_server(Dropping(keep=2)) as srv:
        after = mailer.send_messages(msgs, host="127.0.0.1", port=srv.port, security="none", retry_delay=0)
    assert [r.ok for r in after.results] == [True, True, False]
    assert "ngắt kết nối giữa chừng sau khi đã nhận 2 thư" in after.results[2].error
    with smtp_server(Dropping(keep=0)) as srv:
        first = mailer.send_messages(msgs[:1], host="127.0.0.1", port=srv.port, security="none", retry_delay=0)
    assert "ngắt kết nối khi đang nhận thư này" in first.results[0].error
    with smtp_server(Dropping(slow=3)) as srv:
        slow = mailer.send_messages(msgs[:1], host="127.0.0.1", port=srv.port, security="none", retry_delay=0,
                                    timeout=0.5)
    assert slow.results[0].error.startswith("Hết thời gian chờ (0.5 giây) máy chủ thư")
    assert "thoi_gian_cho" in slow.results[0].error
    for r in (after.results[2], first.results[0], slow.results[0]):
        assert wrong_hint not in r.error and "bất ngờ" not in r.error
    # no greeting at all: a timeout while connecting, where the security mode may well be the cause
    with socket.socket() as mute:
        mute.bind(("127.0.0.1", 0))
        mute.listen(1)
        silent = mailer.send_messages(msgs[:1], host="127.0.0.1", port=mute.getsockname()[1],
                                      security="none", timeout=0.5)
    assert silent.connection_error.startswith("Hết thời gian chờ (0.5 giây) khi liên lạc")
    assert wrong_hint in silent.connection_error


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("user,password,what", [
    (USER, "Mật-khẩu-2025", "Mật khẩu"),             # a Vietnamese password
    (USER, "matkhau2025đ", "Mật khẩu"),              # typed with Unikey on: one letter changed
    ("vănphòng", PASSWORD, "Tên đăng nhập"),
])
def test_login_with_letters_with_diacritics_is_explained(workbooks, user, password, what):
    with smtp_server(Recorder(), authenticator=authenticator, auth_required=True,
                     auth_require_tls=False) as srv:
        report = mailer.send_messages([compose(BY_CODE["VP"], workbooks["VP"])], host="127.0.0.1",
                                      port=srv.port, security="none", username=user, password=password)
    assert report.connection_error.startswith(f"{what} thư điện tử có chữ có dấu")
    assert "Unikey" in report.connection_error and "không xác định" not in report.connection_error
    assert password not in report.connection_error and report.sent == 0


# ---------------------------------------------------------------- settings

def test_settings_files(tmp_path, monkeypatch):
    toml = tmp_path / "cau_hinh_thu.toml"
    toml.write_text('[smtp]\nmay_chu = "smtp.lamdong.gov.vn"\nbao_mat = "ssl"\n'
                    'nguoi_gui = "vanphong.quangson@lamdong.gov.vn"\nten_dang_nhap = "vanphong"\n',
                    encoding="utf-8")
    s = mailer.SmtpSettings.load(toml)
    assert (s.host, s.security, s.effective_port, s.username) == ("smtp.lamdong.gov.vn", "ssl", 465, "vanphong")
    assert s.password_value() is None
    monkeypatch.setenv(mailer.ENV_PASSWORD, PASSWORD)
    assert s.password_value() == PASSWORD

    ini = tmp_path / "thu.ini"
    ini.write_text("[smtp]\nhost = 127.0.0.1\nport = 2525  # cổng thử\nsecurity = none\n"
                   f"password = {PASSWORD}\n", encoding="utf-8")
    s = mailer.SmtpSettings.load(ini)
    assert (s.host, s.effective_port, s.security) == ("127.0.0.1", 2525, "none")
    assert PASSWORD not in repr(s) and PASSWORD not in str(s) and s.password_value() == PASSWORD

    js = tmp_path / "thu.json"
    js.write_text(json.dumps({"host": "smtp.gmail.com", "cong": 587}), encoding="utf-8")
    assert mailer.SmtpSettings.load(js).effective_port == 587

    assert mailer.find_settings_file(tmp_path) == toml


@pytest.mark.parametrize("content,fragment", [
    ('may_chu = "x"\nbao_mat = "tls"\n', "starttls, ssl hoặc none"),
    ('may_chu = "x"\nmay_chuu = "y"\n', "'may_chuu': khóa không được hỗ trợ"),
    ('may_chu = "x\n', "sai cú pháp"),
])
def test_settings_errors_are_vietnamese(tmp_path, content, fragment):
    p = tmp_path / "cau_hinh_thu.toml"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(CchcError) as err:
        mailer.SmtpSettings.load(p)
    assert fragment in str(err.value) and "cau_hinh_thu.toml" in str(err.value)


# ---------------------------------------------------------------- command line

def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """cchc-xl"""

    register(app)
    return app


@pytest.fixture
def master(tmp_path) -> Path:
    plan = Plan(info=PlanInfo(commune="xã Quảng Sơn", year=2025), units=UNITS,
                tasks=[Task(id="I-01", area=Area.THE_CHE, title="Rà soát văn bản", lead_units=["VP"])])
    return write_master(plan, tmp_path / "so_tong_hop.xlsx")


def test_cli_writes_drafts(master, workbooks):
    folder = workbooks["VP"].parent
    result = CliRunner().invoke(_app(), ["gui-email", str(master), str(folder), "--ky", PERIOD,
                                         "--han", "12/09/2025", "--nguoi-gui", SENDER])
    assert result.exit_code == 0, result.output
    drafts = sorted((folder / "thu_nhap").glob("*.eml"))
    assert [p.name[:7] for p in drafts] == ["01_VP_V", "02_VHXH"]
    msg = parse(drafts[1].read_bytes())
    assert msg["To"].addresses[0].addr_spec == "vhxh.quangson@lamdong.gov.vn"
    assert "Cảnh báo" in result.output  # KT and PVHCC have no workbook


def test_cli_drafts_of_a_period_replace_the_earlier_ones(master, workbooks, tmp_path):
    """A second run for the same period moves the earlier drafts of the same units aside (said):
    one draft per unit, with the new deadline; drafts of another period or of other senders stay."""
    folder = workbooks["VP"].parent
    drafts = folder / "thu_nhap"
    hold = tmp_path / "hold"
    hold.mkdir()
    workbooks["VHXH"].rename(hold / workbooks["VHXH"].name)             # VHXH's form not there yet
    args = ["gui-email", str(master), str(folder), "--ky", PERIOD, "--nguoi-gui", SENDER]
    assert CliRunner().invoke(_app(), args + ["--han", "12/09/2025"]).exit_code == 0
    (hold / workbooks["VHXH"].name).rename(workbooks["VHXH"])
    # left in the folder by hand: a draft written before drafts named their period (same period,
    # VHXH), a draft of another period, a message that is not ours
    older = compose(BY_CODE["VHXH"], workbooks["VHXH"], due_date=dt.date(2025, 9, 1))
    (drafts / "07_VHXH_cu.eml").write_bytes(mailer.draft_bytes(older))
    q2 = compose(BY_CODE["VP"], workbooks["VP"], period_label="Quý II/2025")
    (drafts / "09_VP_quy_II.eml").write_bytes(mailer.draft_bytes(q2))
    (drafts / "khac.eml").write_bytes(b"Subject: hello\r\n\r\nbody\r\n")
    result = CliRunner().invoke(_app(), args + ["--han", "15/09/2025"])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert f"Đã chuyển 2 thư nháp cũ kỳ {PERIOD}" in flat and "01_VP_" in flat and "07_VHXH_cu.eml" in flat
    current = {p.name: parse(p.read_bytes()) for p in drafts.glob("*.eml")}
    assert sorted(current) == ["01_VP_Van_phong_HDND_va_UBND_xa.eml", "02_VHXH_Tran_Van_Binh.eml",
                               "09_VP_quy_II.eml", "khac.eml"]
    ours = [m for n, m in current.items() if n[:2] in ("01", "02")]
    assert [(m["Subject"][-16:], m[mailer.HEADER_PERIOD]) for m in ours] == [("(hạn 15/09/2025)", "Q3-2025")] * 2
    kept = sorted(p.name for p in (drafts / "nhap_cu").glob("*.eml"))
    assert kept == ["01_VP_Van_phong_HDND_va_UBND_xa.eml", "07_VHXH_cu.eml"]
    assert parse((drafts / "nhap_cu" / kept[0]).read_bytes())["Subject"].endswith("(hạn 12/09/2025)")


def test_cli_reports_unit_without_email(master, workbooks):
    folder = workbooks["VP"].parent
    make_unit_workbook(folder / "03_KT_Phong Kinh te_Quy III-2025.xlsx", "KT")
    result = CliRunner().invoke(_app(), ["gui-email", str(master), str(folder), "--ky", PERIOD,
                                         "--han", "12/09/2025"])
    assert result.exit_code == 1
    assert "chưa có địa chỉ email" in result.output and "D7" in result.output
    assert len(list((folder / "thu_nhap").glob("*.eml"))) == 2   # the others are still prepared


def test_cli_bad_due_date(master, workbooks):
    result = CliRunner().invoke(_app(), ["gui-email", str(master), str(workbooks["VP"].parent),
                                         "--ky", PERIOD, "--han", "31/02/2025"])
    assert result.exit_code == 1 and "không phải ngày hợp lệ" in result.output


def test_cli_sends_with_config_file(master, workbooks, tmp_path):
    folder = workbooks["VP"].parent
    handler = Recorder(refuse=("vhxh.quangson@lamdong.gov.vn",))
    with smtp_server(handler) as srv:
        cfg = tmp_path / "cau_hinh_thu.toml"   # next to the master: found automatically
        cfg.write_text(f'[smtp]\nmay_chu = "127.0.0.1"\ncong = {srv.port}\nbao_mat = "none"\n'
                       f'nguoi_gui = "{SENDER}"\n', encoding="utf-8")
        result = CliRunner().invoke(_app(), ["gui-email", str(master), str(folder), "--ky", PERIOD,
                                             "--han", "12/09/2025", "--gui"])
        assert result.exit_code == 1, result.output      # one recipient refused
        assert "Kết quả gửi thư" in result.output and "Đã gửi 1/2 thư" in result.output
        handler.refuse.clear()
        ok = CliRunner().invoke(_app(), ["gui-email", str(master), str(folder), "--ky", PERIOD,
                                         "--han", "12/09/2025", "--gui"])
    assert ok.exit_code == 0, ok.output
    assert "(VP) đã được gửi thư" in " ".join(ok.output.split())     # the rerun sends only what failed
    assert [e.rcpt_tos for e in handler.envelopes] == [["vp.quangson@lamdong.gov.vn"],
                                                       ["vhxh.quangson@lamdong.gov.vn"]]
    assert not (folder / "thu_nhap").exists()   # sending does not write drafts


def test_matches_workbooks_built_by_unitbook(tmp_path):
    """Workbooks made by the real unit-workbook builder are recognised (meta and file name)."""
    from cchc_xl.core.dispatch import unit_file_name

    unitbook = pytest.importorskip("cchc_xl.workbook.unitbook")
    plan = Plan(info=PlanInfo(commune="xã Quảng Sơn", year=2025), units=UNITS,
                tasks=[Task(id="I-01", area=Area.THE_CHE, title="Rà soát văn bản", lead_units=["VP"]),
                       Task(id="II-01", area=Area.TTHC, title="Công bố TTHC", lead_units=["VHXH"])])
    files = []
    for seq, code in enumerate(("VP", "VHXH"), start=1):
        wb = unitbook.build_unit_workbook(plan, code, period_label=PERIOD, master_version=1)
        path = tmp_path / unit_file_name(seq, BY_CODE[code], PERIOD)
        wb.save(path)
        files.append(path)
    renamed = files[1].rename(tmp_path / "phieu VHXH gui lai.xlsx")   # meta still says VHXH
    pairs, problems = mailer.match_attachments(UNITS, [files[0], renamed], period_label=PERIOD)
    assert [(u.code, p.name) for u, p in pairs] == [("VP", files[0].name), ("VHXH", renamed.name)]
    assert all(f.severity == "warning" for f in problems)
    other, problems = mailer.match_attachments(UNITS, files[:1], period_label="Quý IV/2025")
    assert other == [] and "period_mismatch" in {f.code for f in problems}
