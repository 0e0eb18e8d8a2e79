"""Command line: every Excel button is also a command here (Vietnamese help)."""

from __future__ import annotations

import importlib

import typer

from .cli_common import install_vietnamese_cli_texts

install_vietnamese_cli_texts()   # help panels and usage errors of typer/click in Vietnamese

app = typer.Typer(
    name="cchc-xl",
    help="Công cụ theo dõi Kế hoạch cải cách hành chính (CCHC) cấp xã: tạo sổ tổng hợp, "
         "kiểm tra, tạo phiếu đơn vị, tổng hợp, báo cáo quý.",
    no_args_is_help=True,
    add_completion=False,
)

# Each module defines ``register(app)`` and adds its commands.
COMMAND_MODULES = (
    "cchc_xl.cli_core",       # khoi-tao (init), kiem-tra, tien-do
    "cchc_xl.cli_roundtrip",  # tao-phieu, tong-hop
    "cchc_xl.cli_email",      # gui-email
    "cchc_xl.cli_report",     # bao-cao
    "cchc_xl.cli_tools",      # demo (whole quarterly cycle on the bundled sample), so-do (JSON schemas)
)

for _name in COMMAND_MODULES:
    try:
        _mod = importlib.import_module(_name)
    except ModuleNotFoundError as exc:  # a module not written yet
        if exc.name != _name:
            raise
        continue
    _mod.register(app)


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
