"""The button handlers over HTTP, for JSON clients of xlwings' "remote" protocol.

A client posts the workbook as JSON (the payload of xlwings' ``runPython`` in
Office Scripts - ``xlwings/js/xlwings.ts`` shipped with xlwings - or in an
Office.js add-in) and gets back ``book.json()``: the list of actions (write
values, add a sheet, show a message) that the client applies to the open
workbook.  Same handlers as the desktop buttons (``cchc_xl.xl.buttons``).

Safe by default (any web page the official opens can send requests to
http://127.0.0.1, so nothing is trusted that a request says):

* a token is required (header ``Authorization: <mã>`` or ``Bearer <mã>``): the
  ``CCHC_XL_TOKEN`` variable, else the token stored in the user's profile
  (``ma_truy_cap.txt``, permissions 0600), generated on first start and shown once;
* no cross-origin (CORS) access unless origins are configured (``--cho-phep-nguon`` /
  ``CCHC_XL_CORS``); a request carrying another ``Origin`` is refused outright;
* binds 127.0.0.1 unless told otherwise (and warns when told otherwise);
* folders named by the posted workbook stay inside the work folder (``--thu-muc`` /
  ``CCHC_XL_THU_MUC``; see ``buttons.resolve_dir``);
* request size, sheets and cells of a posted workbook are bounded;
* every error is JSON ``{"detail": "<Vietnamese message>"}``, never a traceback.

Run::

    set XLWINGS_LICENSE_KEY=noncommercial      (xlwings PRO licence, see book_io)
    python -m cchc_xl.xl.server --thu-muc D:\\CCHC --port 8000

Endpoints: ``POST /kiem-tra``, ``/tao-phieu``, ``/tong-hop``, ``/bao-cao-quy``;
``GET /`` (health, no token needed).  Needs the optional packages ``fastapi`` and ``uvicorn``.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os
import secrets
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import xlwings as xw
from fastapi import Body, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from cchc_xl.core.models import CchcError
from cchc_xl.xl import buttons
from cchc_xl.xl.book_io import open_json_book

log = logging.getLogger(__name__)

ENV_TOKEN = "CCHC_XL_TOKEN"
ENV_ORIGINS = "CCHC_XL_CORS"      # comma-separated allowed origins; default: none
ENV_PROFILE = "CCHC_XL_HO_SO"     # folder of the stored token (default: the user's profile)
ENV_WORK_DIR = buttons.ENV_WORK_DIR
TOKEN_FILE = "ma_truy_cap.txt"

MAX_BODY_BYTES = 32 * 1024 * 1024     # a province-size master as JSON is ~10 MB
MAX_SHEETS = 60
MAX_CELLS = 2_000_000
LOOPBACK = ("127.0.0.1", "::1", "localhost")

Handler = Callable[[xw.Book], Any]

HANDLERS: dict[str, Handler] = {
    "kiem-tra": buttons.kiem_tra,
    "tao-phieu": buttons.tao_phieu,
    "tong-hop": buttons.tong_hop,
    "phan-hoi": buttons.phan_hoi,
    "bao-cao-quy": buttons.bao_cao_quy,
}

MSG_TOKEN = "Sai hoặc thiếu mã truy cập (Authorization)"
MSG_ORIGIN = "Trang web '{origin}' không được phép gọi máy chủ này (nguồn chưa được cấu hình)"
MSG_TOO_LARGE = "Dữ liệu gửi lên quá lớn ({size} byte; tối đa {limit} byte)"
MSG_NOT_BOOK = ("Dữ liệu gửi lên không phải sổ Excel dạng JSON của xlwings "
                "(thiếu 'book', 'sheets' hoặc 'version')")
MSG_TOO_MANY_SHEETS = "Sổ gửi lên có quá nhiều trang ({n}; tối đa {limit})"
MSG_TOO_MANY_CELLS = "Sổ gửi lên có quá nhiều ô ({n}; tối đa {limit})"
MSG_BAD_JSON = "Dữ liệu gửi lên không phải JSON hợp lệ"
MSG_UNEXPECTED = "Máy chủ gặp lỗi ngoài dự kiến; chi tiết đã ghi vào nhật ký của máy chủ"
MSG_BY_STATUS = {404: "Không có chức năng này", 405: "Phương thức không được hỗ trợ"}


# ------------------------------------------------------------------ configuration

@dataclass
class ServerConfig:
    """What the server trusts: one token, the listed origins, one work folder."""

    token: str
    origins: list[str] = field(default_factory=list)
    work_dir: Path | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    max_sheets: int = MAX_SHEETS
    max_cells: int = MAX_CELLS


def profile_dir() -> Path:
    """The user's settings folder for cchc_xl (``CCHC_XL_HO_SO`` overrides)."""
    explicit = os.environ.get(ENV_PROFILE)
    if explicit:
        return Path(explicit)
    if os.name == "nt" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "cchc_xl"
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "cchc_xl"


def load_or_create_token(folder: Path | None = None) -> tuple[str, Path, bool]:
    """(token, file, created now?): read the stored token, or generate and store a new one (0600)."""
    folder = folder or profile_dir()
    path = folder / TOKEN_FILE
    if path.is_file():
        if os.name != "nt" and stat.S_IMODE(path.stat().st_mode) & 0o077:
            os.chmod(path, 0o600)         # readable by others: tighten (the token stays valid)
        token = path.read_text(encoding="utf-8").strip()
        if len(token) >= 16:
            return token, path, False
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    token = secrets.token_urlsafe(32)
    tmp = path.with_name(path.name + ".tmp")
    if tmp.exists():
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(token + "\n")
    os.replace(tmp, path)
    return token, path, True


def config_from_env(work_dir: str | os.PathLike[str] | None = None, origins: str | None = None) -> ServerConfig:
    """Token from ``CCHC_XL_TOKEN`` or the profile, origins and work folder from options/environment."""
    token = os.environ.get(ENV_TOKEN, "").strip() or load_or_create_token()[0]
    text = origins if origins is not None else os.environ.get(ENV_ORIGINS, "")
    folder = work_dir or os.environ.get(ENV_WORK_DIR) or None
    return ServerConfig(token=token, origins=[o.strip().rstrip("/") for o in text.split(",") if o.strip()],
                        work_dir=Path(folder).resolve() if folder else None)


# ------------------------------------------------------------------ checks

def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status)


def _token_ok(authorization: str | None, expected: str) -> bool:
    given = (authorization or "").strip()
    if given[:7].lower() == "bearer ":
        given = given[7:].strip()
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


class _Guard:
    """ASGI middleware, before anything else runs: refuse foreign origins, requests without the
    token (every POST), and bodies over the size limit (read up to the limit, then replayed)."""

    def __init__(self, app: Any, config: ServerConfig):
        self.app, self.config = app, config

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        origin = headers.get("origin")
        if origin is not None and origin.rstrip("/") not in self.config.origins:
            await _error(403, MSG_ORIGIN.format(origin=origin[:100]))(scope, receive, send)
            return
        if scope.get("method") == "POST" and not _token_ok(headers.get("authorization"), self.config.token):
            await _error(401, MSG_TOKEN)(scope, receive, send)
            return
        limit = self.config.max_body_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _error(413, MSG_TOO_LARGE.format(size=declared, limit=limit))(scope, receive, send)
            return
        # read the body up to the limit (a chunked body has no length), then replay it
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return                                  # client went away
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > limit:
                await _error(413, MSG_TOO_LARGE.format(size=f"> {limit}", limit=limit))(scope, receive, send)
                return
        sent = False

        async def replay() -> dict:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _check_book(payload: Any, config: ServerConfig) -> None:
    if not isinstance(payload, dict) or not isinstance(payload.get("sheets"), list) \
            or not isinstance(payload.get("book"), dict) or not isinstance(payload.get("version"), str):
        raise HTTPException(status_code=400, detail=MSG_NOT_BOOK)
    sheets = payload["sheets"]
    if len(sheets) > config.max_sheets:
        raise HTTPException(status_code=413, detail=MSG_TOO_MANY_SHEETS.format(n=len(sheets),
                                                                               limit=config.max_sheets))
    cells = 0
    for sheet in sheets:
        values = sheet.get("values") if isinstance(sheet, dict) else None
        if not isinstance(values, list) or not all(isinstance(r, list) for r in values):
            raise HTTPException(status_code=400, detail=MSG_NOT_BOOK)
        cells += sum(len(r) for r in values)
        if cells > config.max_cells:
            raise HTTPException(status_code=413, detail=MSG_TOO_MANY_CELLS.format(n=f"> {config.max_cells}",
                                                                                  limit=config.max_cells))


def _open(payload: dict[str, Any]) -> xw.Book:
    payload.setdefault("names", [])
    payload.setdefault("client", "Office.js")
    try:
        return open_json_book(payload)
    except CchcError as exc:
        raise HTTPException(status_code=503, detail=exc.finding.message) from None
    except xw.XlwingsError:
        raise HTTPException(status_code=400, detail=(
            f"Phiên bản xlwings trong Excel khác máy chủ ({xw.__version__})")) from None
    except (KeyError, TypeError, IndexError, ValueError, AttributeError):
        raise HTTPException(status_code=400, detail="Sổ JSON không hợp lệ") from None


def run(name: str, payload: dict[str, Any], config: ServerConfig | None = None) -> dict[str, Any]:
    """Run handler ``name`` on a JSON book (folders confined to the work folder); the client's actions."""
    config = config or ServerConfig(token="")
    _check_book(payload, config)
    book = _open(payload)
    with buttons.work_root(config.work_dir):
        HANDLERS[name](book)
    return book.json()


# ------------------------------------------------------------------ the app

def create_app(config: ServerConfig | None = None) -> FastAPI:
    """The FastAPI app; ``config`` defaults to ``config_from_env()`` (token required)."""
    config = config or config_from_env()
    if not config.token:
        raise ValueError("a token is required")
    app = FastAPI(title="cchc_xl", description="Sổ theo dõi cải cách hành chính - máy chủ xlwings",
                  docs_url=None, redoc_url=None, openapi_url=None)
    if config.origins:
        app.add_middleware(CORSMiddleware, allow_origins=config.origins, allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(_Guard, config=config)      # outermost: runs first

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc, HTTPException) else MSG_BY_STATUS.get(exc.status_code, "Lỗi")
        return _error(exc.status_code, str(detail))

    @app.exception_handler(RequestValidationError)
    async def bad_request(_request: Request, _exc: RequestValidationError) -> JSONResponse:
        return _error(400, MSG_BAD_JSON)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, _exc: Exception) -> JSONResponse:
        log.exception("unexpected server error")
        return _error(500, MSG_UNEXPECTED)

    @app.get("/")
    def health() -> dict[str, Any]:
        return {"ung_dung": "cchc_xl", "chuc_nang": sorted(HANDLERS)}

    def endpoint(name: str) -> Callable[..., dict[str, Any]]:
        def handle(payload: Any = Body(...)) -> dict[str, Any]:
            return run(name, payload, config)     # the token was checked by ``_Guard``

        handle.__name__ = name.replace("-", "_")
        return handle

    for name in HANDLERS:
        app.post(f"/{name}")(endpoint(name))
    return app


def __getattr__(name: str) -> Any:
    """``uvicorn cchc_xl.xl.server:app`` still works (the app - and the token - made on first use)."""
    if name == "app":
        globals()["app"] = create_app()
        return globals()["app"]
    raise AttributeError(name)


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="Máy chủ xlwings cho sổ theo dõi CCHC")
    parser.add_argument("--host", default="127.0.0.1",
                        help="Địa chỉ lắng nghe (mặc định 127.0.0.1: chỉ máy này gọi được)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--thu-muc", dest="work_dir", default=None,
                        help=f"Thư mục làm việc: phiếu, báo cáo chỉ được đọc/ghi trong đó (hoặc {ENV_WORK_DIR})")
    parser.add_argument("--cho-phep-nguon", dest="origins", default=None,
                        help=f"Các nguồn (origin) được gọi từ trình duyệt, cách nhau bằng dấu phẩy "
                             f"(hoặc {ENV_ORIGINS}); mặc định: không nguồn nào")
    args = parser.parse_args(argv)
    if not os.environ.get(ENV_TOKEN, "").strip():
        token, path, created = load_or_create_token()
        if created:
            print(f"Mã truy cập mới (chỉ hiện một lần; đã lưu trong {path}):\n  {token}\n"
                  "Ghi mã này vào tùy chọn 'auth' của runPython trong Excel.", file=sys.stderr)
        else:
            print(f"Dùng mã truy cập đã lưu trong {path}.", file=sys.stderr)
    config = config_from_env(args.work_dir, args.origins)
    if args.host not in LOOPBACK:
        print(f"CẢNH BÁO: máy chủ lắng nghe trên {args.host}: các máy khác trong mạng gọi được máy chủ này "
              "(vẫn cần mã truy cập). Chỉ dùng sau HTTPS và tường lửa.", file=sys.stderr)
    if "*" in config.origins:
        print("CẢNH BÁO: cho phép mọi nguồn (*): mọi trang web đều gửi được yêu cầu (vẫn cần mã truy cập).",
              file=sys.stderr)
    if config.work_dir is None:
        print(f"Chưa đặt thư mục làm việc (--thu-muc hoặc {ENV_WORK_DIR}): Tạo phiếu/Tổng hợp/Báo cáo "
              "sẽ báo lỗi cho tới khi đặt.", file=sys.stderr)
    else:
        print(f"Thư mục làm việc: {config.work_dir}", file=sys.stderr)
    uvicorn.run(create_app(config), host=args.host, port=args.port, server_header=False)


if __name__ == "__main__":  # pragma: no cover
    main()
