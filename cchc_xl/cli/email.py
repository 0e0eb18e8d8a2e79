"""Command ``gui-email``: e-mail each unit its workbook (drafts by default, SMTP with --gui)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from cchc_xl.cli import common as C
from cchc_xl.mail import mailer
from cchc_xl.files.safeio import check_can_write
from cchc_xl.roundtrip.folders import unit_workbooks
from cchc_xl.roundtrip.register import REGISTER_ACTION
from cchc_xl.core.reasons import os_reason
from cchc_xl.core.findings import catalog
from cchc_xl.core.records import parse_date
from cchc_xl.core.text import format_date
from cchc_xl.workbook.master import read_master
from cchc_xl.core.models import CchcError

console = C.console

HELP = ("Gửi phiếu đơn vị qua thư điện tử. Mặc định chỉ tạo thư nháp (.eml, mở bằng Outlook rồi "
        f"bấm Gửi) trong {C.UNIT_FOLDER_METAVAR}/thu_nhap; thêm --gui để gửi thật qua máy chủ SMTP. Thông số "
        "máy chủ có thể để trong tệp cấu hình cau_hinh_thu.toml (cạnh sổ tổng hợp); mật khẩu đặt "
        "trong biến môi trường CCHC_SMTP_PASSWORD hoặc nhập khi được hỏi.")


# Options shared by every command that sends mail (gui-email, nhac-nho, phan-hoi)
SenderOpt = Annotated[Optional[str], typer.Option("--nguoi-gui", help="Địa chỉ người gửi (From)")]
ReplyToOpt = Annotated[Optional[str], typer.Option("--tra-loi", help="Địa chỉ nhận thư trả lời, nếu khác người gửi")]
SendOpt = Annotated[bool, typer.Option("--gui", help="Gửi thật qua máy chủ SMTP (mặc định chỉ tạo thư nháp .eml)")]
HostOpt = Annotated[Optional[str], typer.Option("--may-chu", help="Máy chủ SMTP, ví dụ smtp.gmail.com")]
PortOpt = Annotated[Optional[int], typer.Option("--cong", help="Cổng SMTP (mặc định 587 với starttls, 465 với ssl)")]
SecurityOpt = Annotated[Optional[str], typer.Option("--bao-mat", help="Bảo mật: starttls, ssl hoặc none")]
UserOpt = Annotated[Optional[str], typer.Option("--ten-dang-nhap", help="Tên đăng nhập SMTP (hoặc biến CCHC_SMTP_USER)")]
ConfigOpt = Annotated[Optional[Path], typer.Option("--cau-hinh", help="Tệp cấu hình thư (.toml, .ini hoặc .json)")]


def register(app: typer.Typer) -> None:
    app.command("gui-email", help=HELP)(gui_email)


_fail = C.fail
_print_findings = C.print_findings
_unit_files = unit_workbooks


def _settings(config: Optional[Path], master: Path) -> mailer.SmtpSettings:
    path = config or mailer.find_settings_file(master.parent)
    if path is None:
        return mailer.SmtpSettings()
    console.print(f"Dùng tệp cấu hình thư: {escape(str(path))}")
    return mailer.SmtpSettings.load(path)


def _send(messages: list, settings: mailer.SmtpSettings) -> mailer.SendReport:
    username = settings.username_value()
    password = settings.password_value()
    if username and not password and sys.stdin.isatty():
        password = typer.prompt(f"Mật khẩu thư điện tử của {username}", hide_input=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=False) as bar:
        task = bar.add_task("Đang gửi thư", total=len(messages))

        def step(res: mailer.SendResult) -> None:
            bar.update(task, advance=1, description=f"Đang gửi thư ({res.unit or res.index})")

        return mailer.send_messages(messages, host=settings.host, port=settings.effective_port,
                                    username=username, password=password,
                                    security=settings.security, timeout=settings.timeout,
                                    progress=step)


def _summary(report: mailer.SendReport) -> Table:
    table = Table(title="Kết quả gửi thư")
    for header in ("STT", "Đơn vị", "Người nhận", "Kết quả", "Ghi chú"):
        table.add_column(header)
    for r in report.results:
        style = "green" if r.ok else ("yellow" if r.delivered else "red")
        table.add_row(str(r.index), r.unit, ", ".join(r.recipients), f"[{style}]{r.status_label}[/]",
                      r.problem_text() if not report.connection_error else "")
    return table


def gui_email(
    master: Annotated[Path, typer.Argument(help="Sổ tổng hợp CCHC (.xlsx); email đơn vị lấy ở trang 'Đơn vị'",
                                           metavar=C.MASTER_METAVAR)],
    thu_muc_phieu: Annotated[Path, typer.Argument(help="Thư mục chứa các phiếu đơn vị (.xlsx) đã tạo",
                                                  metavar=C.UNIT_FOLDER_METAVAR)],
    ky: Annotated[str, typer.Option("--ky", metavar=C.PERIOD_METAVAR,
                                    help="Kỳ báo cáo, ví dụ 'Quý III/2025' (như khi tạo phiếu)")],
    han: Annotated[str, typer.Option("--han", "--han-gui", metavar=C.DATE_METAVAR,
                                     help="Hạn đơn vị gửi lại phiếu")],
    nguoi_gui: SenderOpt = None,
    tra_loi: ReplyToOpt = None,
    gui: SendOpt = False,
    may_chu: HostOpt = None,
    cong: PortOpt = None,
    bao_mat: SecurityOpt = None,
    ten_dang_nhap: UserOpt = None,
    cau_hinh: ConfigOpt = None,
    don_vi: Annotated[Optional[list[str]], typer.Option(
        "--don-vi", help="Chỉ gửi cho đơn vị (mã hoặc tên), lặp lại được")] = None,
    gui_lai: Annotated[bool, typer.Option(
        "--gui-lai", help="Gửi cả cho đơn vị đã được gửi thư kỳ này (đã có 'Ngày gửi thư' trong trang "
                          "'Tình hình gửi phiếu'); mặc định bỏ qua các đơn vị đó")] = False,
) -> None:
    global console
    console = C.new_console()
    try:
        due = parse_date(han)
    except ValueError as exc:
        _fail(f"Lỗi: hạn gửi lại --han {exc}")
    if bao_mat is not None and bao_mat not in mailer.DEFAULT_PORTS:
        _fail(f"Lỗi: --bao-mat '{bao_mat}' không hợp lệ (starttls, ssl hoặc none)")
    if not thu_muc_phieu.is_dir():
        _fail(f"Lỗi: không tìm thấy thư mục phiếu đơn vị ({thu_muc_phieu})")
    C.require_file(master)
    try:
        settings = _settings(cau_hinh, master)
        data = read_master(master)
        # the register is written after the mail: a master that cannot be written now (open in
        # Excel/LibreOffice, read-only) is refused before any mail leaves, not after
        check_can_write(master, REGISTER_ACTION)
    except CchcError as exc:
        _fail(str(exc))
    period = C.period_or_fail(ky, data.plan.info.year)
    C.year_mismatch_warning(period, data.plan.info.year)
    if due < period.start:          # a year typed wrong ("10/09/2024" for a 2025 period): said before mailing
        C.print_findings([catalog.DUE_BEFORE_PERIOD(due=format_date(due), period=period.short_label,
                                                    start=format_date(period.start))])
    ky = period.short_label
    settings, sender = resolve_sender(settings, may_chu=may_chu, cong=cong, bao_mat=bao_mat,
                                      ten_dang_nhap=ten_dang_nhap, nguoi_gui=nguoi_gui, tra_loi=tra_loi)

    files = _unit_files(thu_muc_phieu)
    if not files:
        _fail(f"Lỗi: thư mục {thu_muc_phieu} không có phiếu đơn vị (.xlsx)")
    subs = _period_register(master, ky)
    units, skipped = _units_to_mail(data, subs, ky, don_vi, resend=gui_lai)
    files = mailer.other_units_files(files, data.plan.units, [u.code for u in units])
    pairs, problems = mailer.match_attachments(
        units, files, unit_cells=mailer.unit_email_cells(master), master_file=master.name,
        period_label=ky, issued=issued_by(data, subs))
    problems = skipped + problems
    messages = []
    for unit, path in pairs:
        try:
            messages.append(mailer.compose_unit_email(
                unit, path, sender=sender, commune=data.plan.info.commune, period_label=ky,
                due_date=due, reply_to=settings.reply_to or None))
        except CchcError as exc:
            exc.finding.file = exc.finding.file or master.name
            problems.append(exc.finding)
    _print_findings(problems)
    failed = any(f.severity == "error" for f in problems)
    if not messages and skipped and not failed:
        console.print(f"[green]Không có thư nào cần gửi: các đơn vị đã được gửi thư kỳ {escape(ky)}.[/]")
        raise typer.Exit(0)
    if not messages:
        _fail("Không có thư nào để gửi.")

    report = deliver(messages, gui=gui, settings=settings, sender=sender,
                     drafts_dir=thu_muc_phieu / mailer.DRAFTS_DIR_NAME, period=ky)
    recorded = _record_deadline(master, ky, pairs, due, report)
    raise typer.Exit(1 if failed or not recorded or (report is not None and not report.ok) else 0)


def _period_register(master: Path, period: str) -> list:
    """The rows of ``period`` in the master's "Tình hình gửi phiếu" (exit 1 when unreadable)."""
    from cchc_xl.core import register as R
    from cchc_xl.roundtrip.register import read_register

    try:
        return R.of_period(read_register(master), period)
    except CchcError as exc:
        _fail(str(exc))


def _units_to_mail(data, subs: list, period: str, requested: Optional[list[str]], *,
                   resend: bool) -> tuple[list, list]:
    """The units to mail (``--don-vi``: those named, by code or name; a group stands for its
    members) and, unless ``resend``, the ones left out because the register already has the
    day their mail went for ``period`` - each said (``already_mailed``)."""
    from cchc_xl.core.findings import catalog
    from cchc_xl.roundtrip.split import units_to_split

    units = list(data.plan.units)
    if requested:
        try:
            chosen = {u.code for u in units_to_split(data.plan, requested)}
        except CchcError as exc:
            _fail(str(exc))
        units = [u for u in units if u.code in chosen]
    if resend:
        return units, []
    mailed = {s.unit.upper(): s for s in subs
              if s.mailed_on and not (s.issued_on and s.issued_on > s.mailed_on)}   # not a later issue
    skipped = [catalog.ALREADY_MAILED(unit=u.name, code=u.code, period=period,
                                      day=f"{mailed[u.code.upper()].mailed_on:%d/%m/%Y}")
               for u in units if u.code.upper() in mailed]
    return [u for u in units if u.code.upper() not in mailed], skipped


def issued_by(data, subs: list) -> mailer.IssuedBy:
    """What the forms to send must match: the master's commune and year, and the version the
    register rows ``subs`` (of the period) say was last issued to each unit."""
    versions = {s.unit.upper(): s.version for s in subs if s.version is not None}
    return mailer.IssuedBy(commune=data.plan.info.commune, year=data.plan.info.year, versions=versions)


def _record_deadline(master: Path, period: str, pairs: list, due, report: mailer.SendReport | None) -> bool:
    """Keep the deadline (and the mailing date of what was really sent) in the register."""
    from cchc_xl.roundtrip.register import record_mailing

    sent = {r.unit for r in report.results if r.delivered} if report is not None else set()
    try:
        record_mailing(master, period, [(u.code, u.name) for u, _p in pairs], due=due, mailed=sent)
    except CchcError as exc:
        from cchc_xl.core.findings import catalog

        if exc.finding.code == catalog.REGISTER_NO_SHEET.code:   # an old master: mail is still fine
            console.print(f"[yellow]Cảnh báo: {escape(exc.finding.message)}[/]")
            return True

        console.print(f"[bold red]{escape(str(catalog.REGISTER_NOT_WRITTEN(why=exc, file=master.name)))}[/]")
        return False
    console.print(f"Đã ghi hạn gửi lại {due:%d/%m/%Y} vào trang 'Tình hình gửi phiếu' của sổ.")
    return True


def resolve_sender(settings: mailer.SmtpSettings, **options) -> tuple[mailer.SmtpSettings, str]:
    """Command-line options over the settings file; the sender (From) to use."""
    keys = {"may_chu": "host", "cong": "port", "bao_mat": "security", "ten_dang_nhap": "username",
            "nguoi_gui": "sender", "tra_loi": "reply_to"}
    settings = settings.model_copy(update={keys[k]: v for k, v in options.items() if v is not None})
    sender = settings.sender
    if not sender and mailer.is_valid_email(settings.username_value() or ""):
        sender = settings.username_value() or ""
    return settings, sender


def deliver(messages: list, *, gui: bool, settings: mailer.SmtpSettings, sender: str,
            drafts_dir: Path, period: str) -> mailer.SendReport | None:
    """Drafts (.eml) into ``drafts_dir`` or, with ``gui``, SMTP sending; prints the outcome.

    Every message carries its ``period`` (``X-CCHC-Period``): the drafts of the same units and
    period left in ``drafts_dir`` by an earlier run are moved aside (said), so that a unit never
    has two drafts of a period.  Returns the sending report (``None`` for drafts).  Exits 1 for
    missing SMTP settings."""
    from cchc_xl.core.findings import catalog
    from cchc_xl.core.register import period_key

    for msg in messages:
        del msg[mailer.HEADER_PERIOD]
        msg[mailer.HEADER_PERIOD] = period_key(period)
    if not gui:
        try:
            moved = mailer.retire_drafts(drafts_dir, messages, period_key=period_key(period), period_label=period)
        except OSError as exc:
            _fail(str(catalog.WRITE_ABORTED(action="cất thư nháp cũ", why=os_reason(exc), file=drafts_dir.name)))
        if moved:
            _print_findings([catalog.OLD_DRAFTS_MOVED(count=len(moved), period=period, folder=str(moved[0].parent),
                                                      names=", ".join(p.name for p in moved))])
        paths = mailer.write_drafts(messages, drafts_dir)
        table = Table(title=escape(f"Đã tạo {len(paths)} thư nháp trong {drafts_dir}"))
        table.add_column("Thư nháp")
        table.add_column("Người nhận")
        for p, m in zip(paths, messages):
            table.add_row(escape(p.name), ", ".join(mailer.message_recipients(m)))
        console.print(table)
        console.print("Mở từng tệp .eml bằng Outlook (hoặc ứng dụng thư), kiểm tra rồi bấm Gửi.")
        return None
    if not settings.host:
        _fail("Lỗi: chưa có máy chủ SMTP: dùng --may-chu hoặc tệp cấu hình thư (may_chu = ...)")
    if not sender:
        _fail("Lỗi: chưa có địa chỉ người gửi: dùng --nguoi-gui hoặc tệp cấu hình thư (nguoi_gui = ...)")
    report = _send(messages, settings)
    if report.connection_error:
        console.print(f"[bold red]Lỗi: {escape(report.connection_error)}[/]")
    console.print(_summary(report))
    console.print(f"Đã gửi {report.sent}/{len(report.results)} thư.")
    return report
