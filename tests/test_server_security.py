"""The HTTP server is safe by default: tests over a real uvicorn on 127.0.0.1.

Token (missing, wrong, stored 0600 and shown once), foreign origins (preflight and
simple request), folders named by a posted workbook (absolute, "..", symbolic link
leaving the work folder), oversized bodies (declared and chunked), too many
sheets/cells, and Vietnamese JSON errors instead of tracebacks.
"""

from __future__ import annotations

import copy
import http.client
import json
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")

from cchc_xl.core.models import Plan  # noqa: E402
from cchc_xl.workbook.dashboard import SETTINGS, SETTINGS_ROW  # noqa: E402
from cchc_xl.workbook.master import write_master  # noqa: E402
from cchc_xl.xl import book_io, server  # noqa: E402
from cchc_xl.xl.book_io import book_payload_from_xlsx, enable_remote_engine  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "ma-thu-nghiem-0123456789abcdef"
AUTH = {"Authorization": TOKEN}


@pytest.fixture(autouse=True)
def remote(monkeypatch, tmp_path):
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "appdata"))
    monkeypatch.setenv(server.ENV_PROFILE, str(tmp_path / "ho_so"))
    monkeypatch.delenv(server.ENV_WORK_DIR, raising=False)
    monkeypatch.delenv(server.ENV_TOKEN, raising=False)
    monkeypatch.delenv(server.ENV_ORIGINS, raising=False)
    enable_remote_engine()


@pytest.fixture(scope="module")
def sent_payload(tmp_path_factory) -> dict[str, Any]:
    import datetime as dt

    plan = Plan.model_validate_json((FIXTURES / "xl_plan_quang_son.json").read_text("utf-8"))
    path = write_master(plan, tmp_path_factory.mktemp("so") / "So.xlsx", as_of=dt.date(2025, 9, 14))
    return book_payload_from_xlsx(path)


@pytest.fixture
def payload(sent_payload) -> dict[str, Any]:
    return copy.deepcopy(sent_payload)


def with_setting(payload: dict, key: str, value: str) -> dict:
    row = SETTINGS_ROW + [k for k, *_ in SETTINGS].index(key)
    sheet = next(s for s in payload["sheets"] if s["name"] == "Tổng quan")
    sheet["values"][row - 1][2] = value
    return payload


class Server:
    """A real uvicorn on 127.0.0.1 (ephemeral port) serving ``create_app(config)``."""

    def __init__(self, config: server.ServerConfig):
        self.srv = uvicorn.Server(uvicorn.Config(server.create_app(config), host="127.0.0.1", port=0,
                                                 log_level="critical"))
        self.thread = threading.Thread(target=self.srv.run, daemon=True)

    def __enter__(self) -> "Server":
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.srv.started and self.thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.srv.started, "uvicorn did not start"
        self.port = self.srv.servers[0].sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        self.srv.should_exit = True
        self.thread.join(15)

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
                raw: bytes | None = None) -> tuple[int, dict[str, str], Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode("utf-8"))
        conn.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
        res = conn.getresponse()
        text = res.read()
        conn.close()
        hdrs = {k.lower(): v for k, v in res.getheaders()}
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = text.decode("utf-8", "replace")
        return res.status, hdrs, parsed


def alerts(actions: dict) -> list[str]:
    return book_io.alerts(actions)


@pytest.fixture
def work(tmp_path) -> Path:
    folder = tmp_path / "lam_viec"
    folder.mkdir()
    return folder


@pytest.fixture
def running(work):
    with Server(server.ServerConfig(token=TOKEN, work_dir=work)) as s:
        yield s


# ---------------------------------------------------------------- token

def test_token_is_required_and_checked(running, payload) -> None:
    assert running.request("GET", "/")[0] == 200                           # health needs no token
    for headers in ({}, {"Authorization": ""}, {"Authorization": "sai"}, {"Authorization": TOKEN[:-1]},
                    {"Authorization": "Bearer " + TOKEN + "x"}, {"X-Token": TOKEN}):
        status, _h, body = running.request("POST", "/kiem-tra", payload, headers)
        assert status == 401 and body == {"detail": "Sai hoặc thiếu mã truy cập (Authorization)"}, headers
    for headers in (AUTH, {"Authorization": "Bearer " + TOKEN}, {"authorization": "bearer " + TOKEN}):
        status, _h, body = running.request("POST", "/kiem-tra", payload, headers)
        assert status == 200 and "actions" in body


def test_token_is_checked_before_the_body_is_read(running) -> None:
    status, _h, body = running.request("POST", "/tao-phieu", raw=b"x" * (3 * 1024 * 1024))
    assert status == 401 and "mã truy cập" in body["detail"]


def test_token_generated_once_stored_0600_and_reused(tmp_path) -> None:
    folder = tmp_path / "ho_so_moi"
    token, path, created = server.load_or_create_token(folder)
    assert created and len(token) >= 40 and path.read_text().strip() == token
    if os.name != "nt":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        os.chmod(path, 0o644)
    again, _p, created2 = server.load_or_create_token(folder)
    assert (again, created2) == (token, False)
    if os.name != "nt":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600                    # tightened
    other = server.load_or_create_token(tmp_path / "khac")[0]
    assert other != token                                                 # random per profile


def test_default_config_requires_the_stored_token(tmp_path, monkeypatch) -> None:
    config = server.config_from_env()
    stored = (tmp_path / "ho_so" / server.TOKEN_FILE).read_text().strip()
    assert config.token == stored and config.origins == [] and config.work_dir is None
    monkeypatch.setenv(server.ENV_TOKEN, "tu-bien-moi-truong-123456")
    assert server.config_from_env().token == "tu-bien-moi-truong-123456"
    with pytest.raises(ValueError):
        server.create_app(server.ServerConfig(token=""))


def _start_cli(args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen, list[str]]:
    """``python -m cchc_xl.xl.server`` in a child process; its stderr lines up to "Uvicorn running"."""
    proc = subprocess.Popen([sys.executable, "-m", "cchc_xl.xl.server", "--port", "0", *args],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if "Uvicorn running" in line or "Application startup complete" in line:
            break
    return proc, lines


def test_cli_shows_a_new_token_once_and_warns_off_loopback(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCHC_XL_")}
    env.update({server.ENV_PROFILE: str(tmp_path / "ho_so_cli"), "XLWINGS_LICENSE_KEY": "noncommercial"})
    proc, first = _start_cli(["--thu-muc", str(tmp_path)], env)
    proc.terminate()
    proc.wait(30)
    token = (tmp_path / "ho_so_cli" / server.TOKEN_FILE).read_text().strip()
    text = "\n".join(first)
    assert "Mã truy cập mới" in text and token in text and "CẢNH BÁO" not in text
    assert f"Thư mục làm việc: {tmp_path.resolve()}" in text
    proc, second = _start_cli(["--host", "127.0.0.2"], env)          # still a loopback address
    proc.terminate()
    proc.wait(30)
    text = "\n".join(second)
    assert token not in text and "Dùng mã truy cập đã lưu" in text     # shown once only
    assert "CẢNH BÁO: máy chủ lắng nghe trên 127.0.0.2" in text
    assert "Chưa đặt thư mục làm việc" in text


# ---------------------------------------------------------------- origins (CORS)

def test_no_origin_is_allowed_by_default(running, payload) -> None:
    evil = {"Origin": "https://evil.example"}
    preflight = {**evil, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"}
    status, headers, body = running.request("OPTIONS", "/kiem-tra", headers=preflight)
    assert status == 403 and "access-control-allow-origin" not in headers
    assert "không được phép" in body["detail"]
    # a "simple" request (text/plain, no preflight) with a valid token: refused before it runs
    status, headers, body = running.request(
        "POST", "/tao-phieu", payload, {**AUTH, **evil, "Content-Type": "text/plain"})
    assert status == 403 and "access-control-allow-origin" not in headers
    assert not any(running.request("GET", "/", headers=evil)[1].get(h) for h in ("access-control-allow-origin",))


def test_configured_origin_only(work, payload) -> None:
    good = "https://excel.example.gov.vn"
    with Server(server.ServerConfig(token=TOKEN, work_dir=work, origins=[good])) as s:
        pre = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
        status, headers, _ = s.request("OPTIONS", "/kiem-tra", headers={"Origin": good, **pre})
        assert status == 200 and headers["access-control-allow-origin"] == good
        status, headers, _ = s.request("POST", "/kiem-tra", payload, {"Origin": good, **AUTH})
        assert status == 200 and headers["access-control-allow-origin"] == good
        for origin in ("https://evil.example", "https://excel.example.gov.vn.evil.example", "null"):
            status, headers, _ = s.request("OPTIONS", "/kiem-tra", headers={"Origin": origin, **pre})
            assert status == 403 and "access-control-allow-origin" not in headers


# ---------------------------------------------------------------- folders from the posted workbook

def test_unit_folder_confined_to_the_work_folder(running, payload, work, tmp_path) -> None:
    outside = tmp_path / "ngoai"
    outside.mkdir()
    (work / "lien_ket").symlink_to(outside, target_is_directory=True)
    for bad in (str(outside), "../ngoai", "..\\ngoai", "phieu/../../ngoai", "lien_ket", "lien_ket/con",
                "C:\\Windows\\Temp", "\\\\may-chu\\chia-se"):
        status, _h, actions = running.request("POST", "/tao-phieu", with_setting(copy.deepcopy(payload),
                                                                                  "unit_dir", bad), AUTH)
        assert status == 200
        message = alerts(actions)[0]
        assert "nằm ngoài thư mục làm việc" in message, (bad, message)
        assert not any(outside.rglob("*")), bad
    # inside the work folder: written there
    status, _h, actions = running.request("POST", "/tao-phieu", with_setting(payload, "unit_dir", "phieu"), AUTH)
    assert status == 200 and "Đã tạo" in alerts(actions)[0]
    made = list((work / "phieu").rglob("*.xlsx"))
    assert made and all(p.resolve().is_relative_to(work.resolve()) for p in made)


def test_inbox_confined_and_links_leaving_it_skipped(running, payload, work, tmp_path) -> None:
    outside = tmp_path / "ngoai"
    outside.mkdir()
    (outside / "01_VP_bi_mat.xlsx").write_bytes(b"PK secret")
    status, _h, actions = running.request("POST", "/tong-hop", with_setting(copy.deepcopy(payload),
                                                                             "inbox_dir", str(outside)), AUTH)
    assert "nằm ngoài thư mục làm việc" in alerts(actions)[0]
    inbox = work / "nhan_ve"
    inbox.mkdir()
    (inbox / "01_VP_lien_ket.xlsx").symlink_to(outside / "01_VP_bi_mat.xlsx")
    status, _h, actions = running.request("POST", "/tong-hop", with_setting(payload, "inbox_dir", "nhan_ve"),
                                          AUTH)
    message = alerts(actions)[0]
    assert "Bỏ qua 1 tệp là liên kết ra ngoài thư mục làm việc: 01_VP_lien_ket.xlsx" in message


def test_report_folder_cannot_be_a_link_out(running, payload, work, tmp_path) -> None:
    outside = tmp_path / "ngoai"
    outside.mkdir()
    (work / "bao_cao").symlink_to(outside, target_is_directory=True)
    status, _h, actions = running.request("POST", "/bao-cao-quy", payload, AUTH)
    assert status == 200 and not any(outside.iterdir())


def test_without_a_work_folder_nothing_is_written(payload, tmp_path) -> None:
    with Server(server.ServerConfig(token=TOKEN)) as s:
        status, _h, actions = s.request("POST", "/tao-phieu", with_setting(payload, "unit_dir", str(tmp_path)),
                                        AUTH)
    assert status == 200 and "Không xác định được thư mục" in alerts(actions)[0]
    assert not list(tmp_path.rglob("*.xlsx"))


# ---------------------------------------------------------------- bounds and errors

def test_oversized_bodies_are_refused(work, payload) -> None:
    with Server(server.ServerConfig(token=TOKEN, work_dir=work, max_body_bytes=200_000)) as s:
        big = json.dumps(payload).encode() + b" " * 300_000
        status, _h, body = s.request("POST", "/kiem-tra", raw=big, headers=AUTH)
        assert status == 413 and "quá lớn" in body["detail"]
        # chunked (no Content-Length): counted while reading
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
        conn.putrequest("POST", "/kiem-tra")
        for k, v in {**AUTH, "Content-Type": "application/json", "Transfer-Encoding": "chunked"}.items():
            conn.putheader(k, v)
        conn.endheaders()
        chunk = b"[" + b"1," * 50_000
        try:
            for _ in range(6):
                conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            conn.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        res = conn.getresponse()
        assert res.status == 413 and "quá lớn" in json.loads(res.read())["detail"]
        conn.close()


def test_too_many_sheets_or_cells(work, payload) -> None:
    cells = sum(len(r) for sh in payload["sheets"] for r in sh["values"])
    with Server(server.ServerConfig(token=TOKEN, work_dir=work, max_cells=cells - 1)) as s:
        status, _h, body = s.request("POST", "/kiem-tra", payload, AUTH)
        assert status == 413 and "quá nhiều ô" in body["detail"]
    with Server(server.ServerConfig(token=TOKEN, work_dir=work, max_sheets=len(payload["sheets"]) - 1)) as s:
        status, _h, body = s.request("POST", "/kiem-tra", payload, AUTH)
        assert status == 413 and "quá nhiều trang" in body["detail"]
    with Server(server.ServerConfig(token=TOKEN, work_dir=work, max_cells=cells)) as s:
        assert s.request("POST", "/kiem-tra", payload, AUTH)[0] == 200           # at the bound: fine


@pytest.mark.parametrize("raw,expected", [
    (b"{not json", "không phải JSON hợp lệ"),
    (b"[1, 2]", "không phải sổ Excel"),
    (b'{"book": {}, "sheets": [{"name": "x", "values": 5}], "version": "1"}', "không phải sổ Excel"),
    (b'{"book": 1, "sheets": [{"name": "x", "values": [[1]]}], "version": "0.37.8"}', "không phải sổ Excel"),
])
def test_errors_are_vietnamese_json_without_traceback(running, raw, expected) -> None:
    status, headers, body = running.request("POST", "/kiem-tra", raw=raw, headers=AUTH)
    assert 400 <= status < 600 and headers["content-type"].startswith("application/json")
    assert isinstance(body, dict) and list(body) == ["detail"]
    assert expected in body["detail"]
    assert "Traceback" not in body["detail"] and "File \"" not in body["detail"]
    status, _h, body = running.request("GET", "/khong-co", headers=AUTH)
    assert status == 404 and body == {"detail": "Không có chức năng này"}
    assert running.request("GET", "/docs")[0] == 404 and running.request("GET", "/openapi.json")[0] == 404


def test_a_book_that_is_not_a_master_gets_a_vietnamese_alert(running) -> None:
    raw = b'{"book": {"name": "x.xlsx"}, "sheets": [{"name": "x", "values": [[1]]}], "version": "0.37.8"}'
    status, _h, body = running.request("POST", "/kiem-tra", raw=raw, headers=AUTH)
    assert status == 200
    assert alerts(body) == ["Kiểm tra: Lỗi: Thiếu trang 'Phân công' - đây không phải sổ tổng hợp CCHC (tệp x.xlsx)"]
