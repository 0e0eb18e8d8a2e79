"""Core commands: ``khoi-tao`` (alias ``init``), ``kiem-tra``, ``tien-do``."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Iterable, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress_bar import ProgressBar
from rich.table import Table

from cchc_xl.cli import common as C
from cchc_xl.core.compute import (UNASSIGNED, Progress, completion_table, overdue_tasks, passed_milestones,
                                   progress)
from cchc_xl.core.rounding import percent
from cchc_xl.core.findings import catalog
from cchc_xl.core.models import AREA_SHORT, SEVERITY_LABELS, Area, CchcError, Finding, Plan, PlanInfo, Task
from cchc_xl.report.data import fmt_pct
from cchc_xl.core.units import DEFAULT_UNITS, UnitRegistry
from cchc_xl.core.intake import Intake, intake_summary
from cchc_xl.core.schema import SHEET_INTAKE

console = Console(highlight=False)

DEFAULT_MASTER = Path("workbook") / "So_tong_hop_CCHC.xlsx"

SEVERITY_STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}

INIT_HELP = ("Tạo sổ tổng hợp CCHC (tệp Excel) từ phụ lục phân công nhiệm vụ (.docx, .xlsx, .tsv...) "
             "hoặc từ dữ liệu mẫu (--mau). Không ghi đè sổ đã có, trừ khi thêm --ghi-de "
             "(sổ cũ được sao lưu vào thư mục sao_luu).")
CHECK_HELP = ("Kiểm tra sổ tổng hợp: trạng thái, tiến độ, ngày tháng, đơn vị chủ trì, điểm chỉ số "
              "CCHC, khắc phục. In danh sách lỗi/cảnh báo kèm vị trí ô; mã thoát 1 nếu có lỗi.")
PROGRESS_HELP = ("Tiến độ thực hiện kế hoạch tính đến ngày số liệu: toàn kế hoạch, theo đơn vị chủ "
                 "trì, theo lĩnh vực và danh sách nhiệm vụ quá hạn.")


class GroupBy(str, Enum):
    don_vi = "don-vi"
    linh_vuc = "linh-vuc"


AS_OF_HELP = "Ngày số liệu (dd/mm/yyyy); mặc định lấy ở trang Tổng quan, nếu không có thì hôm nay"


def register(app: typer.Typer) -> None:
    app.command("khoi-tao", help=INIT_HELP)(khoi_tao)
    app.command("init", help=INIT_HELP + " (Tên khác của lệnh khoi-tao.)")(khoi_tao)
    app.command("kiem-tra", help=CHECK_HELP)(kiem_tra)
    app.command("tien-do", help=PROGRESS_HELP)(tien_do)


# ---------------------------------------------------------------- helpers

def _start() -> None:
    """Fresh console per command (picks up the terminal width / COLUMNS of this run)."""
    global console
    console = C.new_console()


_fail = C.fail
_parse_day = C.parse_day_option
_read = C.read_master_or_fail


def findings_table(findings: Iterable[Finding], title: str) -> Table:
    """Rich table: mức độ, vị trí, nội dung."""
    table = Table(title=title, show_lines=False, expand=False)
    table.add_column("Mức độ", no_wrap=True)
    table.add_column("Vị trí")
    table.add_column("Nội dung")
    for f in findings:
        style = SEVERITY_STYLES[f.severity]
        table.add_row(f"[{style}]{SEVERITY_LABELS[f.severity]}[/]", escape(f.location()),
                      escape(f.message))
    return table


def _count_line(findings: list[Finding]) -> str:
    counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITY_LABELS}
    return ", ".join(f"{n} {SEVERITY_LABELS[s].lower()}" for s, n in counts.items())


# ---------------------------------------------------------------- khoi-tao

def khoi_tao(
    tu_tep: Annotated[Optional[Path], typer.Option(
        "--tu-tep", metavar="TỆP", help="Phụ lục 'Phân công thực hiện nhiệm vụ' (.docx, .xlsx, .xlsm hoặc "
                                        "văn bản tách bằng Tab .tsv/.txt)")] = None,
    mau: Annotated[bool, typer.Option(
        "--mau", help="Dùng kế hoạch mẫu (xã Quảng Sơn năm 2025) để dùng thử")] = False,
    nam: Annotated[Optional[int], typer.Option("--nam", help="Năm của kế hoạch, ví dụ 2025")] = None,
    xa: Annotated[Optional[str], typer.Option("--xa", help="Tên xã/phường, ví dụ 'xã Quảng Sơn'")] = None,
    tinh: Annotated[Optional[str], typer.Option("--tinh", help="Tên tỉnh, ví dụ 'tỉnh Lâm Đồng'")] = None,
    ra: Annotated[Path, typer.Option(
        "--ra", metavar="TỆP", help="Tệp sổ tổng hợp sẽ tạo (.xlsx; nếu là thư mục thì tạo tệp tên mặc định trong đó)")] = DEFAULT_MASTER,
    ngay_so_lieu: Annotated[Optional[str], typer.Option(
        "--ngay-so-lieu", "--ngay", metavar=C.DATE_METAVAR,
        help="Ngày số liệu ghi trên trang Tổng quan (dd/mm/yyyy, mặc định hôm nay)")] = None,
    ghi_de: Annotated[bool, typer.Option(
        "--ghi-de", help="Ghi đè sổ đã có (sổ cũ được sao lưu trước)")] = False,
    thu: Annotated[bool, typer.Option(
        "--thu", help="Chạy thử: chỉ đọc phụ lục và in những gì đọc được, không tạo sổ")] = False,
) -> None:
    _start()
    if bool(tu_tep) == bool(mau):
        _fail(str(catalog.ONE_SOURCE()), 2)
    as_of = _parse_day(ngay_so_lieu, "--ngay-so-lieu")
    ra = master_target(ra)
    if ra.exists() and not ghi_de and not thu:
        _fail(str(catalog.MASTER_EXISTS(path=ra)))
    findings: list[Finding] = []
    intakes: list[Intake] = []
    plan = _sample_plan() if mau else _import_plan(tu_tep, nam, findings, intakes)
    plan = _apply_overrides(plan, nam=nam, commune=xa, province=tinh)
    if findings:
        console.print(findings_table(findings, f"Kết quả đọc phụ lục ({_count_line(findings)})"))
    intake = intakes[0] if intakes else None
    if intake is not None:
        console.print(intake_table(intake, kept=not thu))
    if thu:
        console.print("[bold]Chạy thử:[/] chưa tạo sổ tổng hợp (bỏ --thu để tạo).")
        return
    neutralised: list[Finding] = []
    with console.status("Đang tạo sổ tổng hợp..."):
        try:
            carried, saved = _rebuild_keeping_history(plan, ra, as_of, intake, neutralised)
        except CchcError as exc:
            _fail(str(exc))
    path = ra
    if saved:
        console.print(f"Đã sao lưu sổ cũ: [bold]{escape(str(saved))}[/]")
        if any(carried):
            console.print(f"Giữ lại từ sổ cũ: {carried[0]} số liệu (trang 'Số liệu'), {carried[1]} dòng "
                          "bản chốt (trang 'Lịch sử').")
    if neutralised:
        console.print(findings_table(neutralised, f"Ô giống công thức, đã ghi dưới dạng văn bản "
                                                  f"({len(neutralised)} ô)"))
    console.print(_init_summary(plan))
    console.print(f"[bold green]Đã tạo sổ tổng hợp:[/] {escape(str(path))}")


def _rebuild_keeping_history(plan: Plan, ra: Path, as_of: dt.date | None, intake: Intake | None = None,
                             neutralised: list[Finding] | None = None) -> tuple[tuple[int, int], Path | None]:
    """Build the new master, carry over "Số liệu" and "Lịch sử" of the one it replaces, and
    write it through the guard (locks, read-only, disk; backup; refused when the old master
    holds things the official added that a rebuild would drop).  Returns (carried, backup)."""
    from cchc_xl.files.excel import load_xlsx, save_xlsx
    from cchc_xl.files.safeio import guarded_write
    from cchc_xl.workbook.cells import formula_text_findings
    from cchc_xl.workbook.master import WRITE_ACTION, build_master, refuse_lossy_rebuild
    from cchc_xl.workbook.periodbook import carry_over

    wb = build_master(plan, as_of=as_of, intake=intake)
    if neutralised is not None:
        neutralised.extend(formula_text_findings(wb, file=ra.name))
    carried = (0, 0)
    if ra.exists():
        try:
            old = load_xlsx(ra)
        except CchcError as exc:   # an unreadable old master: nothing to carry (it is backed up)
            console.print(f"[yellow]Cảnh báo: không đọc được sổ cũ để giữ 'Số liệu', 'Lịch sử': "
                          f"{escape(str(exc))}[/]")
        else:
            carried = carry_over(old, wb, plan.info.year)
            refuse_lossy_rebuild(ra, wb)     # what the official added that the new master would not have
    with guarded_write(ra, WRITE_ACTION) as w:
        save_xlsx(wb, w.tmp)
    return carried, w.backup


def master_target(ra: Path) -> Path:
    """The file --ra names: a folder gets the default name inside, no suffix gets ".xlsx"."""
    if ra.is_dir():
        return ra / DEFAULT_MASTER.name
    if not ra.suffix:
        return ra.with_name(ra.name + ".xlsx")
    if ra.suffix.lower() != ".xlsx":
        _fail(str(catalog.MASTER_NOT_XLSX(path=ra)), 2)
    return ra


def _sample_plan() -> Plan:
    from cchc_xl.importers.sample import sample_plan

    return sample_plan()


def _import_plan(path: Path, year: int | None, findings: list[Finding], intakes: list[Intake]) -> Plan:
    from cchc_xl.importers.appendix import import_appendix

    if not path.is_file():
        _fail(str(catalog.NO_APPENDIX_FILE(path=path)))
    registry = UnitRegistry(DEFAULT_UNITS)
    try:
        result = import_appendix(path, year=year, registry=registry)
    except CchcError as exc:
        _fail(str(exc))
    findings.extend(result.findings)
    info = _plan_info(getattr(result, "info", None), year)
    intakes.append(intake_summary(path.name, result.tasks, result.findings, result.sections,
                                  year=info.year, registry=registry, tables=result.tables))
    return Plan(info=info, units=list(DEFAULT_UNITS), tasks=list(result.tasks))


def intake_table(intake: Intake, kept: bool = True) -> Table:
    """What the import understood (also kept on the sheet "Nhập liệu")."""
    table = Table(title="Nhập phụ lục: đã hiểu như sau", show_header=False)
    table.add_column("Mục")
    table.add_column("Kết quả")
    for label, value in intake.lines:
        if label.startswith("  ") and not label.startswith("  Phần"):
            continue   # the details are in the findings above and on the sheet "Nhập liệu"
        table.add_row(escape(label), escape(value))
    if kept:
        table.caption = f"Chi tiết được lưu ở trang '{SHEET_INTAKE}' của sổ tổng hợp."
    return table


def _plan_info(info: Any, year: int | None) -> PlanInfo:
    """``ImportResult.info`` (a PlanInfo, a dict or None) -> PlanInfo."""
    if isinstance(info, PlanInfo):
        return info
    data = dict(info) if isinstance(info, dict) else {}
    data = {k: v for k, v in data.items() if k in PlanInfo.model_fields and v not in (None, "")}
    data.setdefault("year", year or dt.date.today().year)
    return PlanInfo(**data)


def _apply_overrides(plan: Plan, *, nam: int | None, commune: str | None,
                     province: str | None) -> Plan:
    update: dict[str, Any] = {}
    if nam:
        update["year"] = nam
    if commune:
        update["commune"] = commune.strip()
    if province:
        update["province"] = province.strip()
    if not update:
        return plan
    return plan.model_copy(update={"info": plan.info.model_copy(update=update)})


def _init_summary(plan: Plan) -> Table:
    table = Table(title="Nội dung sổ tổng hợp", show_header=False)
    table.add_column("Mục")
    table.add_column("Giá trị", justify="right")
    info = plan.info
    rows = [("Xã/phường", info.commune or "(chưa ghi)"), ("Năm kế hoạch", str(info.year)),
            ("Số nhiệm vụ", str(len(plan.tasks))),
            ("Số đơn vị", str(sum(1 for u in plan.units if not u.is_group))),
            ("Lĩnh vực chỉ số CCHC", str(len(plan.index_areas))),
            ("Nội dung khắc phục", str(len(plan.remediation)))]
    for label, value in rows:
        table.add_row(label, escape(value))
    return table


# ---------------------------------------------------------------- kiem-tra

def kiem_tra(
    master: Annotated[Path, typer.Argument(help="Sổ tổng hợp CCHC (.xlsx)", metavar=C.MASTER_METAVAR)],
    ngay: Annotated[Optional[str], typer.Option("--ngay", "--ngay-so-lieu", help=AS_OF_HELP,
                                                          metavar=C.DATE_METAVAR)] = None,
) -> None:
    from cchc_xl.core.validate import validate_master

    _start()
    given = _parse_day(ngay, "--ngay")
    data = _read(master)
    try:                # even with --ngay: the formulas of 'Tổng quan' cannot use a bad "Ngày số liệu"
        typed, bad_date = _dashboard_date(master), []
    except CchcError as exc:       # "Ngày số liệu" not a date: an error of the master, named at its cell
        typed, bad_date = None, [exc.finding]
    as_of = given or typed
    day = f"{as_of:%d/%m/%Y}" if as_of else f"{dt.date.today():%d/%m/%Y} (hôm nay: ô 'Ngày số liệu' không dùng được)"
    as_of = as_of or dt.date.today()
    findings = bad_date + validate_master(data, as_of)
    errors = sum(1 for f in findings if f.severity == "error")
    if not findings:
        console.print(f"[bold green]Không phát hiện lỗi[/] trong {escape(master.name)} "
                      f"(ngày số liệu {day}).")
        return
    console.print(findings_table(findings, f"Kết quả kiểm tra {escape(master.name)} - ngày số liệu "
                                           f"{escape(day)}"))
    console.print(f"Tổng cộng: {_count_line(findings)}.")
    if errors:
        raise typer.Exit(1)


def _dashboard_date(path: Path, given: dt.date | None = None) -> dt.date | None:
    """``given`` (--ngay), else the dashboard's "Ngày số liệu" (``CchcError`` when it is not a date).

    With ``given``, a bad "Ngày số liệu" is only a warning: the formulas of 'Tổng quan' still
    cannot use it."""
    from cchc_xl.workbook.dashboard import read_as_of

    if given is None:
        return read_as_of(path)
    try:
        read_as_of(path)
    except CchcError as exc:
        console.print(f"[yellow]{escape(str(exc.finding.model_copy(update={'severity': 'warning'})))}[/]")
    return given


# ---------------------------------------------------------------- tien-do

def tien_do(
    master: Annotated[Path, typer.Argument(help="Sổ tổng hợp CCHC (.xlsx)", metavar=C.MASTER_METAVAR)],
    ngay: Annotated[Optional[str], typer.Option("--ngay", "--ngay-so-lieu", help=AS_OF_HELP,
                                                          metavar=C.DATE_METAVAR)] = None,
    theo: Annotated[Optional[str], typer.Option(
        "--theo", metavar="don-vi|linh-vuc",
        help="Chỉ in bảng theo đơn vị (don-vi) hoặc theo lĩnh vực (linh-vuc); mặc định in cả hai")] = None,
) -> None:
    _start()
    group = _group_by(theo)
    as_of = _parse_day(ngay, "--ngay")
    data = _read(master)
    try:
        as_of = _dashboard_date(master, given=as_of) or dt.date.today()
    except CchcError as exc:       # "Ngày số liệu" not a date and no --ngay: refuse, nothing computed
        _fail(str(exc))
    C.warn_unreadable_cells(data)
    plan = data.plan
    info = plan.info
    console.print(f"[bold]TIẾN ĐỘ THỰC HIỆN KẾ HOẠCH CCHC NĂM {info.year}"
                  f"{(' - ' + escape(info.commune.upper())) if info.commune else ''}[/]")
    console.print(f"Ngày số liệu: {as_of:%d/%m/%Y}")
    console.print(summary_table(progress(plan.tasks, as_of)))
    if group in (None, GroupBy.don_vi):
        names = {u.code: u.name for u in plan.units}
        console.print(group_table(plan.tasks, as_of, "unit", names))
    if group in (None, GroupBy.linh_vuc):
        console.print(group_table(plan.tasks, as_of, "area", {}))
    late = overdue_tasks(plan.tasks, as_of)
    if late:
        console.print(overdue_table(late, as_of))
    else:
        console.print("[green]Không có nhiệm vụ quá hạn.[/]")
    steps = [(t, m) for t in plan.tasks for m in passed_milestones(t, as_of)]
    if steps:
        console.print(milestone_table(steps, as_of))
    from cchc_xl.cli import cycle

    cycle.console = console
    cycle.print_register(master, as_of)   # "Tình hình gửi phiếu" of the latest period


def milestone_table(steps: list, as_of: dt.date) -> Table:
    """Intermediate milestones passed on unfinished tasks (the task is not overdue yet)."""
    table = Table(title=f"Mốc trung gian đã qua, nhiệm vụ chưa hoàn thành ({len(steps)})", title_style="yellow")
    for header in ("Mã NV", "Mốc", "Hạn mốc", "Hạn cuối", "Số ngày qua mốc"):
        table.add_column(header)
    for t, m in steps:
        table.add_row(escape(t.id), escape(m.label or "(không tên)"), f"{m.due:%d/%m/%Y}",
                      f"{t.due:%d/%m/%Y}" if t.due else "", str((as_of - m.due).days))
    return table


def _group_by(text: Optional[str]) -> GroupBy | None:
    """--theo value (don-vi / linh-vuc, any case or spelling with diacritics) or exit 2."""
    if not text:
        return None
    from cchc_xl.core.text import fold

    key = fold(text).replace(" ", "-")
    for g in GroupBy:
        if key == g.value:
            return g
    _fail(str(catalog.BAD_OPTION_CHOICE(option="--theo", value=text,
                                         choices="chọn don-vi (theo đơn vị) hoặc linh-vuc (theo lĩnh vực)")), 2)


_pct = fmt_pct


def summary_table(p: Progress) -> Table:
    table = Table(title="Toàn kế hoạch")
    table.add_column("Chỉ tiêu")
    table.add_column("Số nhiệm vụ", justify="right")
    table.add_column("Tỷ lệ", justify="right")
    rows = (("Tổng số nhiệm vụ phải thực hiện", p.total), ("Đã hoàn thành", p.done),
            ("Đang thực hiện", p.in_progress), ("Chưa thực hiện", p.not_started),
            ("Quá hạn", p.overdue), ("Không thực hiện", p.cancelled))
    for i, (label, n) in enumerate(rows):
        with_share = 0 < i < len(rows) - 1 and p.total > 0
        table.add_row(label, str(n), _pct(percent(n, p.total)) if with_share else "")
    table.add_row("[bold]Tỷ lệ hoàn thành[/]", f"[bold]{_pct(p.percent) or '-'}[/]",
                  ProgressBar(total=100, completed=p.percent or 0, width=20))
    return table


def group_table(tasks: list[Task], as_of: dt.date, by: str, names: dict[str, str]) -> Table:
    """Completion table by unit (``by="unit"``) or by area, Vietnamese decimals."""
    frame = completion_table(tasks, as_of, by)  # type: ignore[arg-type]
    title = "Theo đơn vị chủ trì" if by == "unit" else "Theo lĩnh vực"
    table = Table(title=title)
    table.add_column("Đơn vị" if by == "unit" else "Lĩnh vực")
    for header in ("Tổng số", "Đã HT", "Đang TH", "Chưa TH", "Quá hạn", "Tỷ lệ HT"):
        table.add_column(header, justify="right")
    table.add_column("", no_wrap=True)
    records = frame.to_dict("records")
    if by == "unit":   # units in the order of the "Đơn vị" sheet, unknown codes, then unassigned
        order = {code: i for i, code in enumerate(names)}
        records.sort(key=lambda r: (r["key"] == UNASSIGNED, order.get(r["key"], len(order))))
    for rec in records:
        if by == "unit":
            label = rec["key"] if rec["key"] == UNASSIGNED else f"{rec['key']} - {names.get(rec['key'], rec['key'])}"
        else:
            label = f"{rec['key']}. {AREA_SHORT[Area(rec['key'])]}"
        pct = rec["percent"]
        pct = None if pct is None or pct != pct else float(pct)   # NaN -> None
        table.add_row(escape(label), *(str(int(rec[k])) for k in ("total", "done", "in_progress",
                                                           "not_started", "overdue")),
                      _pct(pct), ProgressBar(total=100, completed=pct or 0, width=12))
    return table


def overdue_table(tasks: list[Task], as_of: dt.date) -> Table:
    table = Table(title=f"Nhiệm vụ quá hạn ({len(tasks)})", title_style="bold red")
    for header, justify in (("Mã NV", "left"), ("Nhiệm vụ", "left"), ("Hạn", "center"),
                            ("Chủ trì", "left"), ("Số ngày quá hạn", "right")):
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    for t in tasks:
        title = t.title if len(t.title) <= 90 else t.title[:87] + "..."
        lead = ", ".join(t.lead_units) if t.lead_units else (t.lead or UNASSIGNED)
        days = (as_of - t.due).days if t.due else 0
        table.add_row(escape(t.id), escape(title), f"{t.due:%d/%m/%Y}" if t.due else "", escape(lead),
                      str(days))
    return table
