"""Commands: ``so-do`` (JSON schemas) and ``demo`` (a whole quarter on the sample)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console()


def register(app: typer.Typer) -> None:
    @app.command("so-do", help="Xuất lược đồ JSON (JSON Schema) của dữ liệu ra thư mục schemas/ và danh mục "
                               "thông báo ra docs/THONG_BAO.md.")
    def so_do(
        ra: Path = typer.Option(Path("schemas"), "--ra", help="Thư mục ghi lược đồ."),
        thong_bao: Path = typer.Option(Path("docs/THONG_BAO.md"), "--thong-bao",
                                       help="Tệp ghi danh mục thông báo (mã, mức, mẫu câu)."),
    ) -> None:
        from cchc_xl.core.findings.listing import catalogue_markdown
        from cchc_xl.files.safeio import atomic_path
        from cchc_xl.files.schemas_export import write

        for p in write(ra):
            console.print(f"Đã ghi [bold]{p}[/]")
        with atomic_path(thong_bao) as tmp:
            tmp.write_text(catalogue_markdown(), encoding="utf-8")
        console.print(f"Đã ghi [bold]{thong_bao}[/]")

    from cchc_xl.demo import register_demo

    register_demo(app)
