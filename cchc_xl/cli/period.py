"""Commands across periods: ``chot-ky`` (snapshot at the cut-off, sheet "Lịch sử") and
``nhap-so-lieu`` (figures of the sheet "Số liệu" from an .xlsx export)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cchc_xl.cli import common as C
from cchc_xl.core import compute
from cchc_xl.core import history as H
from cchc_xl.core import indicators as I
from cchc_xl.core.findings import catalog as F
from cchc_xl.core.models import CchcError
from cchc_xl.core.periods import ReportingPeriod
from cchc_xl.core.text import format_number
from cchc_xl.report.data import fmt_pct

CLOSE_HELP = ("Chốt số liệu của một kỳ báo cáo: chép trạng thái, tiến độ, ngày hoàn thành của mọi nhiệm vụ "
              "và nội dung khắc phục vào trang 'Lịch sử' của sổ tổng hợp. Báo cáo của kỳ đã chốt luôn lấy "
              "số liệu từ bản chốt (lập lại bao nhiêu lần cũng ra cùng số liệu) và biểu đồ xu hướng Quý I - "
              "6 tháng - Quý III - Năm dùng các bản chốt. Kỳ đã chốt không chốt lại, trừ khi thêm --ghi-de "
              "(bản cũ vẫn được giữ, đánh dấu 'Đã thay thế'). Lệnh bao-cao tự chốt kỳ khi đã qua ngày chốt "
              "số liệu mà kỳ chưa được chốt.")
IMPORT_HELP = ("Nhập số liệu của kỳ (hồ sơ TTHC, dịch vụ công trực tuyến, phản ánh kiến nghị, giải ngân, thu "
               "ngân sách...) vào trang 'Số liệu' từ tệp .xlsx xuất từ phần mềm một cửa hoặc tệp tự lập: mỗi "
               "dòng có tên chỉ tiêu, số liệu ở cột của kỳ theo dòng tiêu đề bảng (không lấy cột cùng kỳ, kế "
               "hoạch, so sánh). Lệnh in ra những gì đã đọc, những "
               "dòng bỏ qua, rồi kiểm tra số liệu (tổng các phần, tỷ lệ so với số lượng, tỷ lệ trên 100%). "
               "Ô đã có số liệu khác chỉ được thay khi thêm --ghi-de.")

console = C.console
KY_HELP = "Kỳ báo cáo, ví dụ \"Quý I/2025\", \"6 tháng 2025\", \"Quý III/2025\", \"Năm 2025\""


def register(app: typer.Typer) -> None:
    app.command("chot-ky", help=CLOSE_HELP)(chot_ky)
    app.command("nhap-so-lieu", help=IMPORT_HELP)(nhap_so_lieu)


def now() -> dt.datetime:
    """The moment a snapshot is taken (tests replace it)."""
    return dt.datetime.now()


def close_period(master: Path, data, period: ReportingPeriod, *, replace: bool,
                 moment: dt.datetime | None = None) -> H.Snapshot:
    """Take and save the snapshot of ``period`` (refused when one exists, unless ``replace``)."""
    from cchc_xl.workbook.periodbook import save_snapshot

    old = data.history.current(period)
    if old is not None and not replace:
        raise F.HIST_EXISTS.error(period=period.short_label, taken_at=H.stamp(old.taken_at), file=master.name,
                                  sheet=H.SHEET)
    snap = H.take(data.plan, period, moment or now())
    save_snapshot(master, snap)
    return snap


def snapshot_line(snap: H.Snapshot) -> str:
    p = compute.progress(snap.tasks, snap.period.end)
    return (f"Đã chốt số liệu kỳ {snap.period.short_label}, {H.describe(snap)}: {len(snap.tasks)} nhiệm vụ, "
            f"{len(snap.remediation)} nội dung khắc phục; hoàn thành {p.done}/{p.total} nhiệm vụ "
            f"({fmt_pct(p.percent) or '-'}).")


def chot_ky(
    master: Annotated[Path, typer.Argument(help="Sổ tổng hợp CCHC (.xlsx hoặc .xlsm)", metavar=C.MASTER_METAVAR)],
    ky: Annotated[str, typer.Option("--ky", metavar=C.PERIOD_METAVAR, help=KY_HELP)],
    ghi_de: Annotated[bool, typer.Option(
        "--ghi-de", help="Chốt lại kỳ đã chốt (bản chốt cũ được giữ, đánh dấu 'Đã thay thế')")] = False,
) -> None:
    global console
    console = C.new_console()
    C.require_file(master)
    data = C.read_master_or_fail(master)
    period = C.period_or_fail(ky, data.plan.info.year)
    C.year_mismatch_warning(period, data.plan.info.year)
    if data.history.current(period) is None or ghi_de:
        C.refuse_freezing_unreadable(data, period)
    moment = now()
    today = moment.date()
    if today <= period.end:
        C.print_findings([F.HIST_BEFORE_CUTOFF(period=period.short_label, today=today, cutoff=period.end)])
    try:
        snap = close_period(master, data, period, replace=ghi_de, moment=moment)
    except CchcError as exc:
        C.fail(str(exc))
    console.print(f"[green]{escape(snapshot_line(snap))}[/]")


def nhap_so_lieu(
    master: Annotated[Path, typer.Argument(help="Sổ tổng hợp CCHC (.xlsx hoặc .xlsm)", metavar=C.MASTER_METAVAR)],
    tu_tep: Annotated[Path, typer.Option("--tu-tep", metavar="TỆP", help="Tệp .xlsx có số liệu cần nhập")],
    ky: Annotated[str, typer.Option("--ky", metavar=C.PERIOD_METAVAR, help=KY_HELP)],
    ghi_de: Annotated[bool, typer.Option(
        "--ghi-de", help="Thay các ô đã có số liệu khác (sổ cũ được sao lưu trước)")] = False,
    thu: Annotated[bool, typer.Option("--thu", help="Chạy thử: chỉ đọc và kiểm tra, không ghi sổ")] = False,
) -> None:
    from cchc_xl.importers.indicators import read_export
    from cchc_xl.workbook.periodbook import save_indicators

    global console
    console = C.new_console()
    C.require_file(master)
    C.require_file(tu_tep, "số liệu")
    data = C.read_master_or_fail(master)
    period = C.period_or_fail(ky, data.plan.info.year)
    C.year_mismatch_warning(period, data.plan.info.year)
    try:
        read = read_export(tu_tep, period)
    except CchcError as exc:
        C.fail(str(exc))
    _print_read(read, tu_tep)
    if read.errors:
        C.print_findings(read.errors)
        C.fail("Không nhập gì vào sổ: sửa các ô trên trong tệp số liệu rồi chạy lại.")
    current = data.indicators.of(period)
    conflicts = [F.IND_IMPORT_CONFLICT(label=I.BY_KEY[v.key].label, period=period.short_label,
                                       old=_num(v.key, current[v.key]), new=_num(v.key, v.value),
                                       file=master.name, sheet=I.SHEET, cell=data.indicators.cell(period, v.key))
                 for v in read.values if v.key in current and abs(current[v.key] - v.value) > 1e-9]
    # a cell holding what is not a value (the official's formula, a note): theirs too, never replaced unasked
    unreadable = {f.cell: f for f in data.indicators.findings if f.sheet == I.SHEET and f.severity == "error"}
    conflicts += [F.IND_IMPORT_OVER_CONTENT(label=I.BY_KEY[v.key].label, period=period.short_label,
                                            why=unreadable[cell].message.split(": ", 1)[-1], new=_num(v.key, v.value),
                                            file=master.name, sheet=I.SHEET, cell=cell)
                  for v in read.values if v.key not in current
                  for cell in [data.indicators.cell(period, v.key)] if cell in unreadable]
    if conflicts and not ghi_de:
        C.print_findings(conflicts)
        C.fail(f"Không nhập gì vào sổ: {len(conflicts)} ô đã có số liệu khác (thêm --ghi-de để thay).")
    # a closed period's report re-issues the same text: new figures for it would change a report sent
    closed = data.history.current(period)
    adding = [v for v in read.values if current.get(v.key) != v.value]
    if closed is not None and adding:
        line = F.IND_PERIOD_CLOSED(period=period.short_label, taken=H.stamp(closed.taken_at), count=len(adding),
                                   file=master.name, sheet=I.SHEET)
        if not ghi_de:
            C.fail(f"Không nhập gì vào sổ: {line.message} (thêm --ghi-de nếu đúng là cần sửa).")
        C.print_findings([line])
    merged = {**current, **read.as_dict()}
    findings = I.check_period(merged, period.short_label,
                              lambda k: data.indicators.cell(period, k) or "", file=master.name)
    if thu:
        C.print_findings(findings)
        console.print("[cyan]Chạy thử: không ghi sổ.[/]")
        return
    changed = {v.key: v.value for v in read.values if current.get(v.key) != v.value}
    try:
        cells = save_indicators(master, period, changed) if changed else {}
    except CchcError as exc:
        C.fail(str(exc))
    for f in conflicts:
        console.print(f"[yellow]Đã thay: {escape(f.message.split(' - ')[0])}[/]")
    # findings again, now naming the cells just written
    findings = I.check_period(merged, period.short_label,
                              lambda k: cells.get(k) or data.indicators.cell(period, k) or "", file=master.name)
    C.print_findings(findings)
    console.print(f"[green]Đã ghi {len(changed)} số liệu của kỳ {escape(period.short_label)} vào trang "
                  f"'{I.SHEET}'[/] ({len(read.values) - len(changed)} số liệu không đổi).")


def _num(key: str, value: float) -> str:
    return format_number(value, 0 if I.BY_KEY[key].kind == "count" else 3)


def _print_read(read, path: Path) -> None:
    table = Table(title=f"Số liệu đọc từ {escape(path.name)}")
    for col in ("Chỉ tiêu", "Số liệu", "Ô trong tệp", "Ghi trong tệp"):
        table.add_column(col, justify="right" if col == "Số liệu" else "left")
    for v in read.values:
        ind = I.BY_KEY[v.key]
        shown = _num(v.key, v.value) + ("%" if ind.kind == "rate" else f" {ind.unit}")
        table.add_row(escape(ind.label), shown, f"{escape(v.sheet)}!{v.cell}", escape(v.text))
    console.print(table)
    for sheet, cell, why in read.skipped:
        console.print(f"[dim]Bỏ qua {escape(sheet)}!{cell}: {escape(why)}[/]")

