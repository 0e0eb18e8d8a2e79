"""Index commands: ``nhap-khac-phuc`` (remediation plan) and ``nhap-chi-so`` (index results)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from cchc_xl.cli import common as C
from cchc_xl.core.models import CchcError, Finding

REMEDIATION_HELP = ("Nhập Kế hoạch khắc phục tồn tại, hạn chế (sau Chỉ số CCHC) từ tài liệu của xã (.docx, .txt, "
                    ".md; văn xuôi hoặc bảng) vào trang 'Khắc phục' của sổ tổng hợp. Nhập lại cùng tài liệu "
                    "không thêm gì; tài liệu đã sửa chỉ cập nhật các dòng của nó và báo thay đổi; không ghi đè "
                    "cột theo dõi. Sổ được sao lưu trước khi ghi.")
INDEX_HELP = ("Nhập kết quả Chỉ số CCHC (điểm theo lĩnh vực và tiêu chí, điểm điều tra xã hội học, tổng điểm, "
              "xếp hạng) từ bảng .xlsx/.tsv/.csv hoặc từ câu tổng hợp trong kế hoạch (.docx/.txt/.md) vào "
              "trang 'Chỉ số CCHC'; nhiều năm đặt cạnh nhau, tính và đối chiếu mức tăng/giảm.")

DOC_OPTION = typer.Option("--tu-tep", metavar="TỆP", help="Tài liệu nguồn")
TRY_OPTION = typer.Option("--thu", help="Chạy thử: chỉ hiển thị nội dung đọc được và thay đổi, không ghi sổ")


def register(app: typer.Typer) -> None:
    app.command("nhap-khac-phuc", help=REMEDIATION_HELP)(nhap_khac_phuc)
    app.command("nhap-chi-so", help=INDEX_HELP)(nhap_chi_so)


def _print(findings: list[Finding], title: str) -> None:
    if not findings:
        return
    C.console.print(f"[bold]{escape(title)}[/]")
    C.print_findings(findings)


def nhap_khac_phuc(
    master: Annotated[Path, typer.Argument(help="Sổ tổng hợp CCHC (.xlsx)", metavar=C.MASTER_METAVAR)],
    tu_tep: Annotated[Path, DOC_OPTION],
    thu: Annotated[bool, TRY_OPTION] = False,
    nam: Annotated[Optional[int], typer.Option(
        "--nam", help="Năm dùng để đọc thời hạn không ghi năm (mặc định: năm của sổ)")] = None,
) -> None:
    from cchc_xl.ingest.index_docs import import_remediation

    C.new_console()
    C.require_file(master)
    C.require_file(tu_tep, "tài liệu")
    try:
        result = import_remediation(master, tu_tep, dry_run=thu, year=nam)
    except CchcError as exc:
        C.fail(str(exc))
    _print(result.read, f"Đọc {tu_tep.name}: {result.items} nội dung khắc phục")
    _print(result.changes, "Thay đổi trong sổ" + (" (chạy thử, chưa ghi)" if thu else ""))
    m = result.merge
    C.console.print(f"Thêm {len(m.added)}, cập nhật {len(m.changes)} ô, giữ {len(m.kept)} ô cán bộ đã sửa, "
                    f"không đổi {m.unchanged}, không còn trong tài liệu {len(m.gone)}.")
    _outcome(result, master, thu)


def _outcome(result: object, master: Path, thu: bool) -> None:
    """The closing lines of both commands: suggestions, backup and write, or why nothing was written."""
    if getattr(result, "suggested", 0):
        C.console.print(f"Gợi ý mã tiêu chí cho {getattr(result, 'suggested')} nhiệm vụ ở cột 'Tiêu chí (gợi ý)' "
                        "của trang 'Phân công' - cán bộ xác nhận bằng cách chép sang cột 'Tiêu chí'.")
    if getattr(result, "written", False):
        C.console.print(f"Đã sao lưu sổ: [bold]{escape(str(getattr(result, 'backup')))}[/]")
        C.console.print(f"[bold green]Đã ghi sổ tổng hợp:[/] {escape(str(master))}")
    elif thu:
        C.console.print("[cyan]Chạy thử: sổ tổng hợp không thay đổi.[/]")
    else:
        C.console.print("[green]Sổ tổng hợp đã có đủ nội dung này: không có gì để ghi.[/]")


def nhap_chi_so(
    master: Annotated[Path, typer.Argument(help="Sổ tổng hợp CCHC (.xlsx)", metavar=C.MASTER_METAVAR)],
    tu_tep: Annotated[Path, DOC_OPTION],
    nam: Annotated[Optional[int], typer.Option("--nam", help="Năm của chỉ số (mặc định: năm ghi trong tài liệu)")] = None,
    thu: Annotated[bool, TRY_OPTION] = False,
) -> None:
    from cchc_xl.ingest.index_docs import import_index_results

    C.new_console()
    C.require_file(master)
    C.require_file(tu_tep, "tài liệu")
    try:
        result = import_index_results(master, tu_tep, year=nam, dry_run=thu)
    except CchcError as exc:
        C.fail(str(exc))
    _print(result.findings, f"Đọc {tu_tep.name}")
    C.console.print(result.summary)
    _outcome(result, master, thu)
    errors = sum(1 for f in result.findings if f.severity == "error")
    if errors:
        C.console.print(f"[red]Tài liệu có {errors} lỗi số liệu (đã nhập nguyên văn; xem danh sách trên và chạy "
                        "'kiem-tra').[/]")
        raise typer.Exit(1)
