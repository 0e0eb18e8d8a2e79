"""The SMTP password never lands in anything the tool writes or prints.

A planted password (config file and environment) goes through the whole e-mail
flow - drafts, real sending to aiosmtpd on 127.0.0.1 with a wrong and a right
password, broken config files of every format, logging at DEBUG - and every
output is searched for it (plain, base64, AUTH PLAIN/LOGIN encodings): console,
.eml drafts, the master and its backups, unit workbooks, Nhật ký, _meta, log
records, the button error log.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
from contextlib import contextmanager
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cchc_xl.cli.email import register
from cchc_xl.core.models import CchcError, Plan
from cchc_xl.mail import mailer
from cchc_xl.roundtrip.split import split_master
from cchc_xl.workbook.master import write_master

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

FIXTURE = Path(__file__).parent / "fixtures" / "roundtrip_plan.json"
USER = "vanphong"
SECRET = "Bi-Mat#Cuc-Ky-7319"          # the planted password


def needles(secret: str = SECRET) -> list[bytes]:
    """The secret and the encodings an SMTP login puts on the wire."""
    raw = secret.encode()
    return [raw, base64.b64encode(raw), base64.b64encode(b"\0" + USER.encode() + b"\0" + raw),
            secret.encode("utf-16-le")]


def assert_not_in_tree(root: Path, skip: tuple[Path, ...] = ()) -> int:
    """No file under ``root`` (but ``skip``) contains the secret; returns how many files were read."""
    n = 0
    for path in root.rglob("*"):
        if not path.is_file() or path in skip:
            continue
        data = path.read_bytes()
        n += 1
        for needle in needles():
            assert needle not in data, path
        if path.suffix in (".xlsx", ".xlsm", ".docx"):
            import zipfile

            with zipfile.ZipFile(path) as z:
                for name in z.namelist():
                    part = z.read(name)
                    assert not any(nd in part for nd in needles()), (path, name)
    return n


class EphemeralController(aiosmtpd_controller.Controller):
    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class Recorder:
    def __init__(self) -> None:
        self.contents: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.contents.append(bytes(envelope.original_content))
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == SECRET.encode()
    return AuthResult(success=ok, handled=False)


@contextmanager
def smtp_server(handler: Recorder):
    ctl = EphemeralController(handler, hostname="127.0.0.1", port=0, authenticator=authenticator,
                              auth_required=True, auth_require_tls=False)
    ctl.start()
    try:
        yield ctl
    finally:
        ctl.stop()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    monkeypatch.delenv(mailer.ENV_USER, raising=False)
    monkeypatch.delenv(mailer.ENV_PASSWORD, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "appdata"))


@pytest.fixture()
def office(tmp_path) -> tuple[Path, Path]:
    """A master and its unit workbooks in ``tmp_path/so``."""
    plan = Plan.model_validate_json(FIXTURE.read_text(encoding="utf-8"))
    folder = tmp_path / "so"
    master = write_master(plan, folder / "So.xlsx", as_of=dt.date(2025, 9, 14))
    split_master(master, folder / "phieu", period_label="Quý III/2025", as_of=dt.date(2025, 9, 14))
    return master, folder / "phieu"


def cli(args: list[str]):
    app = typer.Typer()
    register(app)
    app.command("_")(lambda: None)          # keep typer in multi-command mode
    return CliRunner().invoke(app, args, env={"COLUMNS": "200"})


def assert_clean_output(text: str) -> None:
    for needle in needles():
        assert needle.decode("latin-1") not in text


@pytest.mark.parametrize("fmt", ["toml", "ini", "json"])
def test_drafts_never_carry_the_password(office, tmp_path, fmt, monkeypatch) -> None:
    master, units = office
    config = master.parent / f"cau_hinh_thu.{fmt}"
    body = {"toml": f'[smtp]\nmay_chu = "127.0.0.1"\nten_dang_nhap = "{USER}"\nmat_khau = "{SECRET}"\n'
                    f'nguoi_gui = "vp@example.gov.vn"\n',
            "ini": f"[smtp]\nmay_chu = 127.0.0.1\nten_dang_nhap = {USER}\nmat_khau = {SECRET}\n"
                   f"nguoi_gui = vp@example.gov.vn\n",
            "json": f'{{"may_chu": "127.0.0.1", "ten_dang_nhap": "{USER}", "mat_khau": "{SECRET}", '
                    f'"nguoi_gui": "vp@example.gov.vn"}}'}[fmt]
    config.write_text(body, encoding="utf-8")
    monkeypatch.setenv(mailer.ENV_PASSWORD, SECRET)
    res = cli(["gui-email", str(master), str(units), "--ky", "Quý III/2025", "--han", "20/09/2025"])
    assert res.exit_code == 0, res.output
    assert "thư nháp" in res.output
    drafts = list((units / mailer.DRAFTS_DIR_NAME).glob("*.eml"))
    assert drafts
    assert_clean_output(res.output)
    assert assert_not_in_tree(tmp_path, skip=(config,)) >= len(drafts) + 2


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_sending_wrong_then_right_password_leaves_no_trace(office, tmp_path, caplog, capfd) -> None:
    master, units = office
    handler = Recorder()
    caplog.set_level(logging.DEBUG)
    with smtp_server(handler) as srv:
        config = master.parent / "cau_hinh_thu.toml"
        base = (f'[smtp]\nmay_chu = "127.0.0.1"\ncong = {srv.port}\nbao_mat = "none"\n'
                f'ten_dang_nhap = "{USER}"\nnguoi_gui = "vp@example.gov.vn"\n')
        config.write_text(base + f'mat_khau = "{SECRET}x"\n', encoding="utf-8")   # wrong
        wrong = cli(["gui-email", str(master), str(units), "--ky", "Quý III/2025", "--han", "20/09/2025", "--gui"])
        assert wrong.exit_code == 1 and "Đăng nhập máy chủ thư" in wrong.output
        config.write_text(base + f'mat_khau = "{SECRET}"\n', encoding="utf-8")      # right
        right = cli(["gui-email", str(master), str(units), "--ky", "Quý III/2025", "--han", "20/09/2025", "--gui"])
        assert right.exit_code == 0, right.output
    assert handler.contents                                   # the messages did go out
    for text in (wrong.output, right.output, caplog.text, *capfd.readouterr()):
        assert_clean_output(text)
        assert f"{SECRET}x" not in text
    for content in handler.contents:
        assert not any(n in content for n in needles())
    assert_not_in_tree(tmp_path, skip=(config,))


@pytest.mark.parametrize("name,text", [
    ("a.ini", f"mat_khau = {SECRET}\n"),                                  # no section header
    ("b.ini", f"[smtp]\nmay_chu = x\n{SECRET}\n"),                         # a line without "="
    ("c.ini", f"[smtp]\nmat_khau = {SECRET}\nmat_khau = {SECRET}\n"),      # duplicate key
    ("d.toml", f'[smtp]\nmat_khau = {SECRET}\n'),                          # unquoted value
    ("e.json", f'{{"mat_khau": "{SECRET}",}}'),                            # trailing comma
    ("f.toml", f'[smtp]\nmat_khau = "{SECRET}"\ncong = "abc"\n'),          # invalid value
    ("g.json", f'{{"mat_khau": "{SECRET}", "khoa_la": 1}}'),               # unknown key
])
def test_broken_config_errors_do_not_quote_the_password(tmp_path, name, text) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CchcError) as err:
        mailer.SmtpSettings.load(path)
    message = str(err.value)
    assert "cấu hình thư" in message and SECRET not in message and SECRET not in repr(err.value)
    assert err.value.__cause__ is None or SECRET not in str(err.value.__cause__)


def test_broken_config_through_the_cli(office, tmp_path) -> None:
    master, units = office
    (master.parent / "cau_hinh_thu.ini").write_text(f"mat_khau = {SECRET}\n", encoding="utf-8")
    res = cli(["gui-email", str(master), str(units), "--ky", "Quý III/2025", "--han", "20/09/2025"])
    assert res.exit_code == 1 and "sai cú pháp (dòng 1)" in res.output
    assert_clean_output(res.output)
    assert res.exception is None or isinstance(res.exception, SystemExit)


def test_settings_never_show_the_password(tmp_path) -> None:
    s = mailer.SmtpSettings.model_validate({"host": "h", "mat_khau": SECRET})
    for text in (repr(s), str(s), s.model_dump_json(), str(s.model_dump())):
        assert SECRET not in text
    assert s.password_value() == SECRET
