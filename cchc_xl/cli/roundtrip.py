"""Commands ``tao-phieu`` (split the master into unit workbooks) and ``tong-hop``
(consolidate the returned workbooks).  Exit code 1 when something was rejected
or conflicted, so scripts notice."""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cchc_xl.cli import common as C
from cchc_xl.core import schema as S
from cchc_xl.roundtrip.consolidate import consolidate
from cchc_xl.roundtrip.consolidate.plan import STATUS_AS_ISSUED, SUMMARY_HEADERS, ConsolidationResult, changes_line
from cchc_xl.roundtrip.folders import returned_files, unread_entries
from cchc_xl.core.models import CchcError
from cchc_xl.roundtrip.split import split_master_detailed

SPLIT_HELP = ("Tạo phiếu đơn vị: chia sổ tổng hợp thành mỗi đơn vị một tệp Excel (chỉ các nhiệm vụ "
              "đơn vị chủ trì, chỉ mở khóa các cột theo dõi). Sổ được sao lưu và ghi nhận phiên bản phiếu.")
MERGE_HELP = (f"Tổng hợp: đọc các phiếu đơn vị gửi lại trong {C.FOLDER_METAVAR}, đối chiếu 3 chiều và "
              "cập nhật sổ tổng hợp (sao lưu trước khi ghi, ghi nhật ký). Mã thoát 1 nếu có tệp/ô bị "
              "từ chối, có xung đột hoặc thư mục không có phiếu nào.")


def register(app: typer.Typer) -> None:
    app.command("tao-phieu", help=SPLIT_HELP)(tao_phieu)
    app.command("tong-hop", help=MERGE_HELP)(tong_hop)


_fail = C.fail
_day = C.parse_day_option
console = C.console


class _Bar:
    """A rich progress bar driven by ``callback(done, total, label)``."""

    def __init__(self, title: str):
        self.title = title
        self.progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[label]}"), TimeElapsedColumn(), console=console,
                                 transient=True)
        self.task = None

    def __enter__(self) -> Callable[[int, int, str], None]:
        self.progress.__enter__()
        return self.update

    def update(self, done: int, total: int, label: str) -> None:
        if self.task is None:
            self.task = self.progress.add_task(self.title, total=total, label="")
        phase, _, name = label.partition(": ")
        self.progress.update(self.task, completed=done, total=total, label=(name or phase)[:48],
                             description=phase if name else self.title)

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)


def tao_phieu(
    master: Annotated[Path, typer.Argument(help="Sổ tổng hợp (.xlsx)", metavar=C.MASTER_METAVAR)],
    ky: Annotated[str, typer.Option(
        "--ky", metavar=C.PERIOD_METAVAR, help="Kỳ báo cáo, ví dụ \"Quý III/2025\", \"6 tháng 2026\", \"Năm 2025\" (thiếu năm thì "
                     "lấy năm kế hoạch của sổ)")],
    ra: Annotated[Optional[Path], typer.Option("--ra", help="Thư mục ghi phiếu (mặc định: phieu_<kỳ> cạnh sổ)")] = None,
    don_vi: Annotated[Optional[list[str]], typer.Option(
        "--don-vi", help="Chỉ tạo cho đơn vị (mã hoặc tên), lặp lại được")] = None,
    ngay_so_lieu: Annotated[Optional[str], typer.Option(
        "--ngay-so-lieu", "--ngay", metavar=C.DATE_METAVAR,
        help="Ngày số liệu (mặc định: ngày chốt số liệu của kỳ)")] = None,
    han_gui: Annotated[Optional[str], typer.Option(
        "--han-gui", "--han", metavar=C.DATE_METAVAR,
        help="Hạn đơn vị gửi lại phiếu (mặc định: 2 ngày sau ngày chốt số liệu)")] = None,
    lien_he: Annotated[str, typer.Option("--lien-he", help="Nơi nhận phiếu gửi lại (bộ phận/người, email)")] = "",
) -> None:
    """Tạo phiếu đơn vị."""
    from cchc_xl.core.dispatch import ascii_slug

    global console
    console = C.new_console()
    as_of = _day(ngay_so_lieu, "--ngay-so-lieu")
    return_by = _day(han_gui, "--han-gui")
    C.require_file(master)
    plan_year = C.plan_year_of(master)
    period = C.period_or_fail(ky, plan_year)
    C.year_mismatch_warning(period, plan_year)
    label = period.short_label
    out = ra or master.parent / f"phieu_{ascii_slug(label, 24)}"
    try:
        with _Bar("Tạo phiếu") as cb:
            result = split_master_detailed(master, out, period_label=label, as_of=as_of or period.end,
                                           units=don_vi or None, progress=cb, return_by=return_by,
                                           contact=lien_he)
    except CchcError as exc:
        _fail(str(exc))
    if as_of is not None:
        from cchc_xl.roundtrip.split import as_of_after_cutoff

        result.findings.extend(as_of_after_cutoff(as_of, period, file=master.name, source="--ngay-so-lieu",
                                                  fix="--ngay-so-lieu"))
    table = Table(title=f"Đã tạo {len(result.files)} phiếu kỳ {label} (phiên bản sổ {result.version})")
    for h in ("Đơn vị", "Nhiệm vụ", "Khắc phục", "Tệp"):
        table.add_column(h)
    for path, (code, (n_tasks, n_rem)) in zip(result.files, result.counts.items()):
        table.add_row(code, str(n_tasks), str(n_rem), escape(path.name))
    console.print(table)
    console.print(f"Thư mục: {escape(str(out))}")
    C.print_findings(result.findings)


def _print_result(result: ConsolidationResult) -> None:
    plan = result.plan
    table = Table(title="Kết quả tổng hợp" + (" (CHẠY THỬ - chưa ghi sổ)" if result.dry_run else ""))
    for h in SUMMARY_HEADERS:
        table.add_column(h, overflow="fold")
    styles = {"Từ chối": "red", "Đã tổng hợp trước đó": "dim", STATUS_AS_ISSUED: "yellow"}
    for row, f in zip(plan.summary_rows(), plan.files):
        table.add_row(*map(escape, row), style=styles.get(f.status, "red" if f.conflicts or f.rejected else None))
    console.print(table)
    if plan.conflicts:
        t = Table(title="Xung đột (chưa cập nhật)")
        for h in ("Tệp", "Đơn vị", "Mã NV", "Cột", "Ô trong sổ", "Giá trị trong sổ", "Giá trị theo phiếu"):
            t.add_column(h, overflow="fold")
        for c in plan.conflicts:
            t.add_row(*map(escape, (c.file, c.unit, c.item_id, c.header, c.cell, c.mine, c.theirs)))
        console.print(t)
    rows = [r for r in plan.rejections if not r.whole_file]
    if rows:
        t = Table(title="Ô/dòng bị từ chối")
        for h in ("Tệp", "Trang", "Ô", "Lý do"):
            t.add_column(h, overflow="fold")
        for r in rows:
            t.add_row(*map(escape, (r.file, r.sheet, r.cell, r.reason)))
        console.print(t)
    shown = ("conflict", "conflict_derived")          # in the table above
    C.print_findings([f for f in plan.findings if f.severity == "warning" and f.code not in shown])
    line = changes_line(plan)
    console.print(line[0].upper() + line[1:] + ".")
    if result.backup:
        console.print(f"Đã sao lưu sổ: {escape(str(result.backup))}")


def tong_hop(
    master: Annotated[Path, typer.Argument(help="Sổ tổng hợp (.xlsx)", metavar=C.MASTER_METAVAR)],
    thu_muc: Annotated[Path, typer.Argument(help="Thư mục (hoặc tệp) phiếu đơn vị gửi lại",
                                            metavar=C.FOLDER_METAVAR)],
    thu: Annotated[bool, typer.Option("--thu", help="Chạy thử: chỉ báo cáo, không ghi sổ")] = False,
    ngay_so_lieu: Annotated[Optional[str], typer.Option(
        "--ngay-so-lieu", "--ngay", metavar=C.DATE_METAVAR,
        help="Ngày số liệu (mặc định ô 'Ngày số liệu' trên trang Tổng quan, như nút Tổng hợp)")] = None,
    nguoi: Annotated[str, typer.Option("--nguoi", help="Người thực hiện (ghi vào nhật ký)")] = "",
) -> None:
    """Tổng hợp phiếu đơn vị."""
    global console
    console = C.new_console()
    as_of = _day(ngay_so_lieu, "--ngay-so-lieu")
    if not thu_muc.exists():
        _fail(f"Lỗi: không tìm thấy thư mục phiếu '{thu_muc}'")
    C.require_file(master)
    if as_of is None:      # README: without --ngay, the dashboard's "Ngày số liệu" (the button's rule)
        as_of = _dashboard_as_of(master)
    files = returned_files(thu_muc) if thu_muc.is_dir() else [thu_muc]
    if not files:
        unread = "".join(f"\n  - {f}" for f in unread_entries(thu_muc)) if thu_muc.is_dir() else ""
        _fail(f"Lỗi: thư mục '{thu_muc}' chưa có phiếu đơn vị nào gửi về (.xlsx) - chép các phiếu "
              f"vào thư mục rồi chạy lại{unread}")
    try:
        with _Bar("Tổng hợp") as cb:
            result = consolidate(master, files, as_of=as_of, user=nguoi or _user(), dry_run=thu,
                                 progress=cb)
    except CchcError as exc:
        _fail(str(exc))
    if thu_muc.is_dir():     # the files were passed as a list: what the folder holds besides them
        result.plan.findings.extend(unread_entries(thu_muc))
    _print_result(result)
    if result.has_problems:
        raise typer.Exit(1)


def _dashboard_as_of(master: Path) -> dt.date | None:
    """The dashboard's "Ngày số liệu" (``None``: no such cell, today is used); exit 1 naming the
    cell when it is not a date.  Only that sheet is read (python-calamine), not the workbook."""
    from cchc_xl.roundtrip.consolidate.state import read_master_values
    from cchc_xl.workbook.dashboard import as_of_from_rows

    try:
        rows = read_master_values(master, [S.SHEET_DASHBOARD], scan=()).get(S.SHEET_DASHBOARD)
        return as_of_from_rows(rows, master.name)
    except CchcError as exc:
        _fail(str(exc))


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (service account)
        return ""
