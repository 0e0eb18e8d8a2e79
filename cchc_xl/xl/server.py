"""The button handlers over HTTP, for JSON clients of xlwings' "remote" protocol.

A client posts the workbook as JSON (the payload of xlwings' ``runPython`` in
Office Scripts - ``xlwings/js/xlwings.ts`` shipped with xlwings - or in an
Office.js add-in) and gets back ``book.json()``: the list of actions (write
values, add a sheet, show a message) that the client applies to the open
workbook.  Same handlers as the desktop buttons (``cchc_xl.xl.buttons``).

Run::

    set XLWINGS_LICENSE_KEY=noncommercial      (xlwings PRO licence, see book_io)
    set CCHC_XL_THU_MUC=D:\\CCHC               (folder for unit workbooks / reports)
    set CCHC_XL_TOKEN=<a long random text>     (optional: required "Authorization")
    python -m cchc_xl.xl.server --host 127.0.0.1 --port 8000

Endpoints: ``POST /kiem-tra``, ``/tao-phieu``, ``/tong-hop``, ``/bao-cao-quy``;
``GET /`` (health).  Needs the optional packages ``fastapi`` and ``uvicorn``.
"""

from __future__ import annotations

import argparse
import hmac
import os
from typing import Any, Callable

import xlwings as xw
from fastapi import Body, FastAPI, Header, HTTPException
from fastapi.middleware.cors import CORSMiddleware

from cchc_xl.core.models import CchcError
from cchc_xl.xl import buttons
from cchc_xl.xl.book_io import open_json_book

ENV_TOKEN = "CCHC_XL_TOKEN"
ENV_ORIGINS = "CCHC_XL_CORS"   # comma-separated allowed origins; default "*"

Handler = Callable[[xw.Book], Any]

HANDLERS: dict[str, Handler] = {
    "kiem-tra": buttons.kiem_tra,
    "tao-phieu": buttons.tao_phieu,
    "tong-hop": buttons.tong_hop,
    "phan-hoi": buttons.phan_hoi,
    "bao-cao-quy": buttons.bao_cao_quy,
}


def _check_token(authorization: str | None) -> None:
    expected = os.environ.get(ENV_TOKEN)
    if expected and not hmac.compare_digest(authorization or "", expected):
        raise HTTPException(status_code=401, detail="Sai hoặc thiếu mã truy cập (Authorization)")


def _open(payload: dict[str, Any]) -> xw.Book:
    if not isinstance(payload, dict) or not isinstance(payload.get("sheets"), list) \
            or "book" not in payload or "version" not in payload:
        raise HTTPException(status_code=400, detail="Dữ liệu gửi lên không phải sổ Excel dạng JSON "
                                                    "của xlwings (thiếu 'book', 'sheets' hoặc 'version')")
    payload.setdefault("names", [])
    payload.setdefault("client", "Office.js")
    try:
        return open_json_book(payload)
    except CchcError as exc:
        raise HTTPException(status_code=503, detail=exc.finding.message) from None
    except xw.XlwingsError as exc:
        raise HTTPException(status_code=400, detail=(
            f"Phiên bản xlwings trong Excel khác máy chủ ({xw.__version__}): {exc}")) from None
    except (KeyError, TypeError, IndexError) as exc:
        raise HTTPException(status_code=400, detail=f"Sổ JSON không hợp lệ ({exc!r})") from None


def run(name: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Run handler ``name`` on a JSON book and return the actions for the client."""
    book = _open(payload)
    HANDLERS[name](book)
    return book.json()


def create_app() -> FastAPI:
    app = FastAPI(title="cchc_xl", description="Sổ theo dõi cải cách hành chính - máy chủ xlwings")
    origins = [o.strip() for o in os.environ.get(ENV_ORIGINS, "*").split(",") if o.strip()]
    app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"],
                       allow_headers=["*"])

    @app.get("/")
    def health() -> dict[str, Any]:
        return {"ung_dung": "cchc_xl", "xlwings": xw.__version__, "chuc_nang": sorted(HANDLERS)}

    def endpoint(name: str) -> Callable[..., dict[str, Any]]:
        def handle(payload: dict[str, Any] = Body(...),
                   authorization: str | None = Header(default=None)) -> dict[str, Any]:
            _check_token(authorization)
            return run(name, payload)

        handle.__name__ = name.replace("-", "_")
        return handle

    for name in HANDLERS:
        app.post(f"/{name}")(endpoint(name))
    return app


app = create_app()


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="Máy chủ xlwings cho sổ theo dõi CCHC")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    uvicorn.run(app, host=args.host, port=args.port)


if __name__ == "__main__":  # pragma: no cover
    main()
