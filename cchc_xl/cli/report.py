"""Command ``bao-cao``: the periodic report (sheet "Báo cáo quý" + Word draft [+ PDF])."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Optional

import typer
from openpyxl import load_workbook
from rich.markup import escape
from rich.table import Table

from cchc_xl.cli import common as C
from cchc_xl.core import schema as S
from cchc_xl.core.findings import catalog
from cchc_xl.core.history import early as early_snapshot, stamp
from cchc_xl.core.models import CchcError, Finding
from cchc_xl.cli.period import now, snapshot_line
from cchc_xl.core.periods import ReportingPeriod, current_period, parse_period
from cchc_xl.report.data import (DONE_IN_PERIOD_LABEL, DONE_UNDATED_LABEL, QuarterlyReport, fmt_date,
                                  fmt_pct, report_for)
from cchc_xl.report.periodic import GAINED_LABEL, replaced_rows

REPORT_HELP = ("Lập báo cáo kết quả thực hiện công tác cải cách hành chính theo kỳ (Quý I, 6 tháng, "
               "Quý III, Năm): ghi trang 'Báo cáo quý' (bảng số liệu, biểu đồ) vào sổ tổng hợp - sổ "
               "được sao lưu trước khi ghi - và tạo bản dự thảo Word theo thể thức Nghị định "
               "30/2020/NĐ-CP; thêm --pdf để xuất PDF bằng LibreOffice.")

console = C.console


def register(app: typer.Typer) -> None:
    app.command("bao-cao", help=REPORT_HELP)(bao_cao)


_fail = C.fail


PERIOD_NAME = "KyBaoCao"      # workbook name of the dashboard's "Kỳ báo cáo" cell


def period_setting(master: Path) -> str | None:
    """Text of the dashboard's "Kỳ báo cáo" cell (workbook name KyBaoCao), if filled in."""
    try:
        wb = load_workbook(master, read_only=True)
    except Exception:   # a setting is optional: never fail the report because of it
        return None
    try:
        dn = wb.defined_names.get(PERIOD_NAME)
        for sheet, ref in (dn.destinations if dn is not None else ()):
            value = wb[sheet][ref.replace("$", "")].value
            if value not in (None, ""):
                return str(value)
    except Exception:
        return None
    finally:
        wb.close()
    return None


def _dashboard_day(master: Path) -> tuple[dt.date | None, Finding | None]:
    """"Ngày số liệu" of the dashboard, read once: (the date, None), or (None, why it is not a
    date, as a warning: the report counts at the period's cut-off, not at that cell)."""
    from cchc_xl.workbook.dashboard import read_as_of

    try:
        return read_as_of(master), None
    except CchcError as exc:
        return None, exc.finding.model_copy(update={"severity": "warning"})


def resolve_period(text: str | None, plan_year: int, today: dt.date | None = None) -> ReportingPeriod:
    """--ky text (year defaults to the plan's year) or the period being prepared today."""
    if text:
        return parse_period(text, default_year=plan_year)
    return current_period(today or dt.date.today())


def default_word_path(master: Path, period: ReportingPeriod) -> Path:
    """Bao_cao_CCHC_Q3-2025.docx next to the master."""
    return master.parent / f"Bao_cao_CCHC_{period.code}.docx"


def word_path(option: Path | None, master: Path, period: ReportingPeriod) -> Path:
    """The Word file to write: --word (a folder gets the default name inside), else the default."""
    if option is None:
        return default_word_path(master, period)
    if option.is_dir():
        return option / default_word_path(master, period).name
    return option if option.suffix.lower() == ".docx" else option.with_name(option.name + ".docx")


def _summary_table(report: QuarterlyReport) -> Table:
    s = report.summary
    t = Table(title=f"Báo cáo {report.period.label} - số liệu đến ngày {fmt_date(report.as_of)}",
              show_header=True, header_style="bold")
    t.add_column("Chỉ tiêu")
    t.add_column("Số lượng", justify="right")
    for label, value in (("Tổng số nhiệm vụ", s.total), ("Đã hoàn thành", s.done),
                         ("Đang thực hiện", s.in_progress), ("Chưa thực hiện", s.not_started),
                         ("Quá hạn", s.overdue), ("Không thực hiện", s.cancelled),
                         ("Tỷ lệ hoàn thành", fmt_pct(s.percent) or "-"),
                         (DONE_IN_PERIOD_LABEL, len(report.completed_in_period)),
                         (DONE_UNDATED_LABEL, len(report.done_undated))):
        t.add_row(label, str(value))
    return t


def _trend_table(report: QuarterlyReport) -> Table:
    t = Table(title="Lũy kế qua các kỳ", show_header=True, header_style="bold")
    for col in ("Kỳ", "Ngày chốt", "Tổng số", "Hoàn thành lũy kế", GAINED_LABEL, "Quá hạn", "Tỷ lệ", "Số liệu"):
        t.add_column(col, justify="left" if col in ("Kỳ", "Số liệu") else "right")
    for r in report.trend:
        t.add_row(r.label, fmt_date(r.cutoff), str(r.total), str(r.done), str(r.gained), str(r.overdue),
                  fmt_pct(r.percent) or "-", r.basis_label)
    return t


def dashboard_date_findings(master: Path, period: ReportingPeriod,
                            reading: tuple[dt.date | None, Finding | None]) -> list[Finding]:
    """"Ngày số liệu" of "Tổng quan" (``reading``: ``_dashboard_day``) that is not a date, or
    other than the report's cut-off: the dashboard's formulas count at another date than the
    report (said; the official's cell is not changed)."""
    day, problem = reading
    if problem is not None:
        return [problem]
    if day is None or day == period.end:
        return []
    return [catalog.DASHBOARD_OTHER_DATE(day=fmt_date(day), cutoff=fmt_date(period.end), period=period.short_label,
                                         dashboard=S.SHEET_DASHBOARD, file=master.name, sheet=S.SHEET_DASHBOARD)]


def bao_cao(
    master: Annotated[Path, typer.Argument(help="Sổ tổng hợp CCHC (.xlsx hoặc .xlsm)",
                                           metavar=C.MASTER_METAVAR)],
    ky: Annotated[Optional[str], typer.Option(
        "--ky", metavar=C.PERIOD_METAVAR, help="Kỳ báo cáo, ví dụ \"Quý III/2025\", \"6 tháng 2026\", \"Năm 2025\" "
                     "(mặc định: ô 'Kỳ báo cáo' trên trang Tổng quan, nếu trống thì kỳ của ô 'Ngày số liệu', "
                     "như nút Báo cáo quý; không có thì kỳ đang đến hạn báo cáo)")] = None,
    word: Annotated[Optional[Path], typer.Option(
        "--word", help="Tệp Word cần tạo, hoặc thư mục để ghi (mặc định: Bao_cao_CCHC_<kỳ>.docx cạnh "
                       "sổ tổng hợp)")] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="Xuất thêm bản PDF (cần LibreOffice)")] = False,
    khong_ghi_so: Annotated[bool, typer.Option(
        "--khong-ghi-so", help="Không ghi trang 'Báo cáo quý' vào sổ tổng hợp (chỉ tạo Word)")] = False,
    so: Annotated[str, typer.Option("--so", help="Số, ký hiệu văn bản")] = "…/BC-UBND",
    nguoi_ky: Annotated[str, typer.Option("--nguoi-ky", help="Họ tên người ký")] = "",
    chuc_vu: Annotated[str, typer.Option(
        "--chuc-vu", help="Chức vụ người ký: CHỦ TỊCH hoặc PHÓ CHỦ TỊCH")] = "CHỦ TỊCH",
    xa: Annotated[Optional[str], typer.Option(
        "--xa", help="Tên xã/phường, ví dụ \"xã Quảng Sơn\" (mặc định: theo sổ)")] = None,
    tinh: Annotated[Optional[str], typer.Option(
        "--tinh", help="Tên tỉnh, ví dụ \"tỉnh Lâm Đồng\" (mặc định: theo sổ)")] = None,
) -> None:
    global console
    console = C.new_console()
    C.require_file(master)
    data = C.read_master_or_fail(master)
    text = ky or period_setting(master)
    dashboard_day = _dashboard_day(master)
    try:
        # no period given: the one of the dashboard's "Ngày số liệu", as the button picks it
        period = resolve_period(text, data.plan.info.year, today=None if text else dashboard_day[0])
    except CchcError as exc:
        _fail(f"Lỗi: {'--ky' if ky else 'ô Kỳ báo cáo (trang Tổng quan)'}: {exc.finding.message}")
    C.year_mismatch_warning(period, data.plan.info.year)
    # the first report after the cut-off of a period not closed yet closes it (not with --khong-ghi-so)
    moment = None if khong_ghi_so else now()
    if moment is not None and data.history.current(period) is None and moment.date() > period.end:
        C.refuse_freezing_unreadable(data, period, draft=" (hoặc lập bản nháp không chốt kỳ với --khong-ghi-so)")
    C.warn_unreadable_cells(data)
    report, snap = report_for(data.plan, period, history=data.history, indicators=data.indicators,
                              moment=moment)
    info = data.plan.info
    outputs: list[tuple[str, Path]] = []
    # imported here: python-docx/lxml are not loaded by the other commands (Tổng hợp's memory)
    from cchc_xl.report.sheet import save_report_sheet
    from cchc_xl.report.word import docx_to_pdf, write_report_docx

    try:
        if not khong_ghi_so:
            outputs.append((f"Trang '{S.SHEET_REPORT}'", save_report_sheet(master, report, snapshot=snap)))
        docx = write_report_docx(report, word_path(word, master, period),
                                 commune=xa or info.commune, province=tinh or info.province,
                                 signer_name=nguoi_ky, signer_title=chuc_vu, number=so)
        outputs.append(("Dự thảo Word", docx))
        if pdf:
            outputs.append(("Bản PDF", docx_to_pdf(docx)))
    except CchcError as exc:
        for label, path in outputs:
            console.print(f"Đã tạo: {label}: {escape(str(path))}")
        _fail(str(exc))
    console.print(_summary_table(report))
    if report.trend:
        console.print(_trend_table(report))
    used = data.history.current(period) if snap is None else snap
    if used is not None and early_snapshot(used):
        C.print_findings([catalog.SNAPSHOT_EARLY(period=period.short_label, taken=stamp(used.taken_at),
                                                 cutoff=fmt_date(period.end), master=master.name,
                                                 file=master.name, sheet=S.SHEET_HISTORY)])
    C.print_findings(dashboard_date_findings(master, period, dashboard_day))
    C.print_findings([catalog.TREND_SNAPSHOT_REPLACED(period=r.label, used=r.source, current=current,
                                                      report=period.short_label, file=master.name,
                                                      sheet=S.SHEET_HISTORY)
                      for r, current in replaced_rows(report.trend, data.history)])
    if snap is not None:
        console.print(f"[green]{escape(snapshot_line(snap))}[/]")
    elif report.closed:
        console.print(f"Số liệu nhiệm vụ theo bản {escape(report.source)} (trang 'Lịch sử').")
    else:
        console.print("[yellow]Kỳ chưa chốt số liệu: báo cáo tính từ sổ hiện tại (chạy chot-ky sau ngày "
                      "chốt số liệu để giữ cố định).[/]")
    C.print_findings(report.indicator_findings)
    console.print(escape(report.narrative.completion))
    if report.overdue_tasks:
        console.print(f"[yellow]{escape(report.narrative.overdue)}[/]")
    for label, path in outputs:
        console.print(f"[green]Đã ghi[/] {label}: {escape(str(path))}")
