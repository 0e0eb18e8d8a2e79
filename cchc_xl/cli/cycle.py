"""Commands of the reporting period as officials live it: ``nhac-nho`` (remind the units
that are missing, overdue or refused) and ``phan-hoi`` (send each unit its workbook back
with the refused cells); ``print_register`` shows "Tình hình gửi phiếu" for ``tien-do``.
Mail goes through the same code and settings as ``gui-email``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from cchc_xl.core.reasons import os_reason
from cchc_xl.cli import common as C
from cchc_xl.cli import email as E
from cchc_xl.core import register as R
from cchc_xl.core import schema as S
from cchc_xl.core.findings import catalog
from cchc_xl.core.models import CchcError, Finding
from cchc_xl.mail import mailer, reminders

console = C.console

REMIND_HELP = ("Nhắc nhở các đơn vị chưa gửi phiếu, gửi quá hạn hoặc có ô bị từ chối trong kỳ (theo trang "
               "'Tình hình gửi phiếu' của sổ): thư lịch sự nêu hạn gửi và, với ô bị từ chối, từng ô và lý do. "
               "Mặc định chỉ tạo thư nháp (.eml); thêm --gui để gửi qua SMTP (cùng cấu hình với gui-email).")
FEEDBACK_HELP = ("Phản hồi sau khi tổng hợp: mỗi đơn vị có ô bị từ chối hoặc xung đột nhận lại chính phiếu "
                 "của mình, có thêm trang 'Phản hồi' (ô, giá trị đã gửi, lý do, cần làm) và các ô cần sửa tô "
                 "đỏ; đơn vị sửa rồi gửi lại, lần tổng hợp sau nhận tệp đó như phiếu gửi về bình thường. "
                 "Mặc định tạo phiếu phản hồi + thư nháp (.eml); thêm --gui để gửi qua SMTP.")


def register(app: typer.Typer) -> None:
    app.command("nhac-nho", help=REMIND_HELP)(nhac_nho)
    app.command("phan-hoi", help=FEEDBACK_HELP)(phan_hoi)


# ---------------------------------------------------------------- tien-do: the register

def register_table(subs: list[R.Submission], period: str, as_of: dt.date) -> Table:
    figures = R.summary(subs, period, as_of)
    table = Table(title=f"Tình hình gửi phiếu kỳ {escape(period)}")
    for h in ("Đơn vị", "Phiên bản", "Hạn gửi", "Ngày nhận", "Tệp gửi về", "Ô bị từ chối", "Tình trạng"):
        table.add_column(h, overflow="fold")
    styles = {R.STATUS_OVERDUE: "red", R.STATUS_CELLS_REFUSED: "red", R.STATUS_FILE_REFUSED: "red",
              R.STATUS_LATE: "yellow", R.STATUS_ON_TIME: "green"}
    for s in R.of_period(subs, period):
        status = s.compute_status(as_of)
        table.add_row(escape(f"{s.unit} - {s.unit_name}" if s.unit_name else s.unit), str(s.version or ""),
                      f"{s.due:%d/%m/%Y}" if s.due else "", f"{s.received_on:%d/%m/%Y}" if s.received_on else "",
                      escape(s.file), str(s.refused_cells or ""), f"[{styles.get(status, 'white')}]{status}[/]")
    pct = figures["percent"]
    table.caption = (f"Đã gửi về {figures['returned']}/{figures['issued']}"
                     + (f" ({pct * 100:.2f}%)".replace(".", ",") if pct != "" else "")
                     + f"; đúng hạn {figures['on_time']}, trễ hạn {figures['late']}; chưa gửi {figures['missing']}"
                     f" (quá hạn {figures['overdue']}); có ô/tệp bị từ chối {figures['refused']}"
                     f" ({figures['refused_cells']} ô)")
    return table


def print_register(master: Path, as_of: dt.date, period: str | None = None) -> None:
    """Print "Tình hình gửi phiếu" of ``period`` (default: the latest period issued)."""
    from cchc_xl.roundtrip.register import read_register

    try:
        subs = read_register(master)
    except CchcError:
        return
    period = period or R.latest_period(subs)
    if not subs or not period:
        console.print("Chưa có phiếu nào được phát hành (trang 'Tình hình gửi phiếu' còn trống).")
        return
    console.print(register_table(subs, period, as_of))


# ---------------------------------------------------------------- shared

def _mail_setup(master: Path, cau_hinh: Optional[Path], bao_mat: Optional[str], **options):
    if bao_mat is not None and bao_mat not in mailer.DEFAULT_PORTS:
        C.fail(f"Lỗi: --bao-mat '{bao_mat}' không hợp lệ (starttls, ssl hoặc none)")
    try:
        settings = E._settings(cau_hinh, master)
    except CchcError as exc:
        C.fail(str(exc))
    return E.resolve_sender(settings, bao_mat=bao_mat, **options)


def _units(master: Path):
    data = C.read_master_or_fail(master)
    return data, {u.code: u for u in data.plan.units}


def _compose(build, unit, problems: list[Finding], master: Path):
    try:
        return build()
    except CchcError as exc:
        exc.finding.file = exc.finding.file or master.name
        problems.append(exc.finding)
        return None


# ---------------------------------------------------------------- nhac-nho

def nhac_nho(
    master: Annotated[Path, typer.Argument(help="Sổ tổng hợp CCHC (.xlsx)", metavar=C.MASTER_METAVAR)],
    ky: Annotated[str, typer.Option("--ky", metavar=C.PERIOD_METAVAR, help="Kỳ báo cáo, ví dụ 'Quý III/2025'")],
    gui: E.SendOpt = False,
    ra: Annotated[Optional[Path], typer.Option("--ra", help="Thư mục ghi thư nháp (mặc định: thu_nhac_nho cạnh sổ)")] = None,
    ngay: Annotated[Optional[str], typer.Option("--ngay", metavar=C.DATE_METAVAR,
                                                help="Ngày xét quá hạn (mặc định: hôm nay)")] = None,
    dinh_kem: Annotated[Optional[Path], typer.Option(
        "--dinh-kem", metavar=C.UNIT_FOLDER_METAVAR,
        help="Thư mục phiếu đã tạo: đính kèm lại phiếu của đơn vị chưa gửi (phòng khi thư trước bị thất lạc)")] = None,
    nguoi_gui: E.SenderOpt = None,
    tra_loi: E.ReplyToOpt = None,
    may_chu: E.HostOpt = None,
    cong: E.PortOpt = None,
    bao_mat: E.SecurityOpt = None,
    ten_dang_nhap: E.UserOpt = None,
    cau_hinh: E.ConfigOpt = None,
) -> None:
    global console
    console = E.console = C.new_console()
    today = C.parse_day_option(ngay, "--ngay") or dt.date.today()
    C.require_file(master)
    data, units = _units(master)
    period = C.period_or_fail(ky, data.plan.info.year).short_label
    settings, sender = _mail_setup(master, cau_hinh, bao_mat, may_chu=may_chu, cong=cong,
                                   ten_dang_nhap=ten_dang_nhap, nguoi_gui=nguoi_gui, tra_loi=tra_loi)
    from cchc_xl.roundtrip.register import read_register

    try:
        subs = read_register(master)
    except CchcError as exc:
        C.fail(str(exc))
    if not R.of_period(subs, period):
        C.fail(str(catalog.REGISTER_NO_PERIOD(period=period, file=master.name, sheet=S.SHEET_SUBMISSIONS)))
    console.print(register_table(subs, period, today))
    targets = R.needing_reminder(subs, period, today)
    if not targets:
        console.print(f"[green]Không có đơn vị nào cần nhắc: mọi đơn vị đã gửi phiếu kỳ {escape(period)} hợp lệ.[/]")
        raise typer.Exit(0)
    problems: list[Finding] = []
    attach: dict[str, Path] = {}
    if dinh_kem is not None:
        if not dinh_kem.is_dir():
            C.fail(f"Lỗi: không tìm thấy thư mục phiếu ({dinh_kem})")
        wanted = [u for u in data.plan.units if any(s.unit == u.code and not s.returned for s in targets)]
        attach, found = _reminder_forms(master, dinh_kem, wanted, data.plan.units, period,
                                        done="gửi" if gui else "tạo",
                                        issued=E.issued_by(data, R.of_period(subs, period)))
        problems.extend(found)
    messages = []
    for sub in targets:
        unit = units.get(sub.unit)
        if unit is None:
            problems.append(catalog.REGISTER_UNKNOWN_UNIT(unit=sub.unit, file=master.name, sheet=S.SHEET_UNITS))
            continue
        msg = _compose(lambda: reminders.compose_reminder(
            unit, sub, commune=data.plan.info.commune, sender=sender, today=today,
            reply_to=settings.reply_to or None, attachment=attach.get(unit.code)), unit, problems, master)
        if msg is not None:
            messages.append(msg)
        if sub.file_refused:
            problems.append(_new_form(master, period, sub.unit))
    C.print_findings(problems)
    if not messages:
        C.fail("Không có thư nhắc nào để gửi.")
    report = E.deliver(messages, gui=gui, settings=settings, sender=sender,
                       drafts_dir=ra or master.parent / "thu_nhac_nho", period=period)
    failed = any(f.severity == "error" for f in problems) or (report is not None and not report.ok)
    raise typer.Exit(1 if failed else 0)


def _reminder_forms(master: Path, folder: Path, wanted: list, units: list, period: str, *,
                    done: str, issued: mailer.IssuedBy) -> tuple[dict[str, Path], list[Finding]]:
    """``--dinh-kem``: the form of each unit in ``wanted`` found in ``folder``, and what kept a
    form out (files of another period, a unit's two files, ...) - each unit left without its
    form said by name.  The forms of the other ``units`` (nothing to remind) are left aside;
    the e-mail address problems are left to the reminder itself."""
    from cchc_xl.roundtrip.folders import unit_workbooks

    files = mailer.other_units_files(unit_workbooks(folder), units, [u.code for u in wanted])
    pairs, skipped = mailer.match_attachments(wanted, files, period_label=period, issued=issued,
                                              unit_cells=mailer.unit_email_cells(master),
                                              master_file=master.name)
    attach = {u.code: p for u, p in pairs}
    left = {catalog.NO_EMAIL.code, catalog.BAD_EMAIL.code, catalog.UNIT_WITHOUT_FILE.code}
    problems = [f for f in skipped if f.code not in left]
    other_files = any(f.code != catalog.DUPLICATE_FILES.code for f in problems)   # another period, ...
    doubled = [f.message for f in problems if f.code == catalog.DUPLICATE_FILES.code]
    for unit in wanted:
        if unit.code in attach or unit.is_group:
            continue
        tag = f"'{unit.name}' ({unit.code})"      # how the matching findings name a unit
        why = (f"thư mục '{folder}' có nhiều phiếu của đơn vị" if any(tag in m for m in doubled) else
               f"thư mục '{folder}' không có phiếu kỳ {period} dùng được của đơn vị" if other_files else
               f"thư mục '{folder}' không có phiếu nào của đơn vị")
        problems.append(catalog.REMINDER_WITHOUT_FORM(unit=unit.name, code=unit.code, why=why, done=done,
                                                      period=period, file=master.name, sheet=S.SHEET_UNITS))
    return attach, problems


def _new_form(master: Path, period: str, unit: str) -> Finding:
    """The official's next step when a unit's whole file was refused: a fresh form to send."""
    return catalog.NEW_FORM_NEEDED(unit=unit, master=master.name, period=period)


# ---------------------------------------------------------------- phan-hoi

def phan_hoi(
    master: Annotated[Path, typer.Argument(help="Sổ tổng hợp CCHC (.xlsx)", metavar=C.MASTER_METAVAR)],
    thu_muc_phieu: Annotated[Path, typer.Argument(help="Thư mục các phiếu đơn vị đã gửi về (đã tổng hợp)",
                                                  metavar=C.UNIT_FOLDER_METAVAR)],
    ky: Annotated[str, typer.Option("--ky", metavar=C.PERIOD_METAVAR, help="Kỳ báo cáo, ví dụ 'Quý III/2025'")],
    ra: Annotated[Optional[Path], typer.Option("--ra", help="Thư mục ghi phiếu phản hồi (mặc định: phan_hoi_<kỳ> cạnh sổ)")] = None,
    han: Annotated[Optional[str], typer.Option("--han", "--han-gui", metavar=C.DATE_METAVAR,
                                               help="Hạn gửi lại phiếu đã sửa (mặc định: hạn trong trang 'Tình hình gửi phiếu' nếu chưa qua)")] = None,
    ngay: Annotated[Optional[str], typer.Option("--ngay", "--ngay-so-lieu", metavar=C.DATE_METAVAR,
                                                help="Ngày số liệu dùng khi kiểm tra lại (mặc định: hôm nay, như tổng hợp)")] = None,
    gui: E.SendOpt = False,
    nguoi_gui: E.SenderOpt = None,
    tra_loi: E.ReplyToOpt = None,
    may_chu: E.HostOpt = None,
    cong: E.PortOpt = None,
    bao_mat: E.SecurityOpt = None,
    ten_dang_nhap: E.UserOpt = None,
    cau_hinh: E.ConfigOpt = None,
) -> None:
    from cchc_xl.roundtrip.feedback import latest_per_unit, review_returns, write_feedback
    from cchc_xl.roundtrip.folders import unit_workbooks
    from cchc_xl.roundtrip.register import read_register
    from cchc_xl.core.dispatch import ascii_slug

    global console
    console = E.console = C.new_console()
    due_option = C.parse_day_option(han, "--han")
    as_of = C.parse_day_option(ngay, "--ngay")
    if not thu_muc_phieu.is_dir():
        C.fail(f"Lỗi: không tìm thấy thư mục phiếu gửi về ({thu_muc_phieu})")
    C.require_file(master)
    data, units = _units(master)
    period = C.period_or_fail(ky, data.plan.info.year).short_label
    settings, sender = _mail_setup(master, cau_hinh, bao_mat, may_chu=may_chu, cong=cong,
                                   ten_dang_nhap=ten_dang_nhap, nguoi_gui=nguoi_gui, tra_loi=tra_loi)
    files = unit_workbooks(thu_muc_phieu)
    if not files:
        C.fail(f"Lỗi: thư mục '{thu_muc_phieu}' chưa có phiếu đơn vị nào gửi về (.xlsx)")
    try:
        subs = read_register(master)
        reviews = review_returns(master, files, as_of=as_of)
    except CchcError as exc:
        C.fail(str(exc))
    problems: list[Finding] = [catalog.FEEDBACK_UNREADABLE(why=r.unreadable, file=r.path.name)
                               for r in reviews if r.unreadable]
    current = {s.unit: s.sha256 for s in R.of_period(subs, period) if s.sha256}
    chosen = [r for r in latest_per_unit(reviews, period, current) if r.needs_feedback]
    C.print_findings(problems)
    if not chosen:
        console.print(f"[green]Không có đơn vị nào cần phản hồi: các phiếu kỳ {escape(period)} không còn ô bị "
                      "từ chối hay xung đột.[/]")
        raise typer.Exit(0)
    out = ra or master.parent / f"phan_hoi_{ascii_slug(period, 24)}"
    today = dt.date.today()
    table = Table(title=f"Phiếu phản hồi kỳ {escape(period)} ({escape(str(out))})")
    for h in ("Đơn vị", "Tệp đơn vị gửi", "Ô bị từ chối", "Xung đột", "Phiếu phản hồi"):
        table.add_column(h, overflow="fold")
    problems = []
    messages = []
    for review in chosen:
        sub = R.find(subs, period, review.unit)
        due = due_option or (sub.due if sub and sub.due and sub.due >= today else None)
        try:
            path = write_feedback(review, out, commune=data.plan.info.commune, due=due)
        except (OSError, CchcError) as exc:
            why = exc.finding.message if isinstance(exc, CchcError) else os_reason(exc)
            problems.append(catalog.FEEDBACK_NOT_WRITTEN(why=why, file=review.path.name))
            continue
        refused = sum(i.kind == "Bị từ chối" for i in review.items)
        table.add_row(review.unit, escape(review.path.name), str(refused), str(len(review.items) - refused),
                      escape(path.name))
        unit = units.get(review.unit)
        if unit is None:
            continue
        msg = _compose(lambda: reminders.compose_feedback(
            unit, period=period, source_name=review.path.name, items=review.items,
            file_reason=review.file_reason, attachment=path, commune=data.plan.info.commune, sender=sender,
            due=due, reply_to=settings.reply_to or None), unit, problems, master)
        if msg is not None:
            messages.append(msg)
        if review.file_reason:
            problems.append(_new_form(master, period, review.unit))
    console.print(table)
    C.print_findings(problems)
    report = None
    if messages:
        report = E.deliver(messages, gui=gui, settings=settings, sender=sender,
                           drafts_dir=out / mailer.DRAFTS_DIR_NAME, period=period)
    failed = any(f.severity == "error" for f in problems) or (report is not None and not report.ok)
    raise typer.Exit(1 if failed else 0)
