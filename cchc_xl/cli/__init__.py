"""Command line: every Excel button is also a command here (Vietnamese help)."""

from __future__ import annotations

import importlib

import typer

from cchc_xl.cli.common import install_vietnamese_cli_texts

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
    "cchc_xl.cli.plan",       # khoi-tao (init), kiem-tra, tien-do
    "cchc_xl.cli.roundtrip",  # tao-phieu, tong-hop
    "cchc_xl.cli.email",      # gui-email
    "cchc_xl.cli.cycle",      # nhac-nho (reminders), phan-hoi (feedback workbooks)
    "cchc_xl.cli.report",     # bao-cao
    "cchc_xl.cli.period",     # chot-ky, nhap-so-lieu
    "cchc_xl.cli.index",      # nhap-khac-phuc, nhap-chi-so
    "cchc_xl.cli.tools",      # demo (whole quarterly cycle on the bundled sample), so-do (JSON schemas)
)

for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
