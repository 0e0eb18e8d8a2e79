"""Commands: ``so-do`` (JSON schemas) and ``demo`` (a whole quarter on the sample)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console()


def register(app: typer.Typer) -> None:
    @app.command("so-do", help="Xuất lược đồ JSON (JSON Schema) của dữ liệu ra thư mục schemas/.")
    def so_do(
        ra: Path = typer.Option(Path("schemas"), "--ra", help="Thư mục ghi lược đồ."),
    ) -> None:
        from cchc_xl.files.schemas_export import write

        for p in write(ra):
            console.print(f"Đã ghi [bold]{p}[/]")

    from cchc_xl.demo import register_demo

    register_demo(app)
