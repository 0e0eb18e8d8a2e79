"""``cchc-xl demo``: one whole reporting period on the bundled sample.

1. Khởi tạo sổ tổng hợp from the sample appendix (xã Quảng Sơn 2025) and index data.
2. Kiểm tra (validation).
3. Tạo phiếu đơn vị (one workbook per department).
4. Thư nháp (.eml) for each department.
5. The departments fill in their workbooks (simulated: deterministic sample progress,
   written with openpyxl into the tracking cells only, as an official would).
6. Tổng hợp the returned files (twice: the second run must change nothing).
7. Số liệu: the period's one-stop/budget export imported into the sheet "Số liệu".
8. Báo cáo: the period is closed (sheet "Lịch sử"), report sheet + Word draft (+ PDF).

``--ca-nam`` runs steps 3-8 for Quý I, 6 tháng, Quý III and Năm (``run_year_demo``); in Quý I
and Quý III one unit sends nothing before the deadline and another resends with a refused
cell (reminders, feedback workbook, corrected resend: ``feedback_round``, ``YEAR_SCENARIO``),
and a few tasks finish early so that the trend grows from Quý I (``year_progress``).
Each step is a function ``step_*`` so that longer scenarios reuse them.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from openpyxl import load_workbook

from cchc_xl.core import schema as S
from cchc_xl.core.records import find_header_row
from cchc_xl.core.findings import catalog
from cchc_xl.workbook.cells import put
from cchc_xl.core.models import CchcError, Plan, Status
from cchc_xl.core.periods import ReportingPeriod
from cchc_xl.core.text import fold, format_number

if TYPE_CHECKING:
    from cchc_xl.report.data import QuarterlyReport

MASTER_NAME = "So_tong_hop_CCHC_2025.xlsx"
DEFAULT_PERIOD = "Quý III/2025"
MARKER = ".cchc_demo"     # marks a folder made by the demo: only such a folder is emptied


@dataclass
class DemoResult:
    out_dir: Path
    master: Path
    unit_files: list[Path] = field(default_factory=list)
    drafts: list[Path] = field(default_factory=list)
    returned: list[Path] = field(default_factory=list)
    changes: int = 0
    second_run_changes: int = 0
    conflicts: int = 0
    rejected: int = 0
    findings: int = 0
    errors: int = 0
    reminders: list[Path] = field(default_factory=list)
    feedback_files: list[Path] = field(default_factory=list)
    refused_round: int = 0          # cells refused in the unit's faulty resend
    resend_changes: int = 0         # cells applied from the corrected feedback workbook
    last_run_changes: int = 0       # Tổng hợp once more: nothing changes
    register: list = field(default_factory=list)
    rounds: list["RoundResult"] = field(default_factory=list)   # one per period with a resend round
    report_docx: Path | None = None
    report_pdf: Path | None = None
    summary: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class RoundResult:
    """What happened after the first Tổng hợp of one period (``feedback_round``)."""
    period: str
    refused_unit: str                 # resends its workbook late with a refused cell
    missing_unit: str | None          # sends nothing before the deadline, then returns late
    refused: int = 0
    status_before: dict[str, str] = field(default_factory=dict)   # register status when reminding
    status_after: dict[str, str] = field(default_factory=dict)    # after the corrected resend
    reminders: list[Path] = field(default_factory=list)
    feedback_files: list[Path] = field(default_factory=list)
    resend_changes: int = 0
    last_run_changes: int = 0


@dataclass(frozen=True)
class YearScenario:
    """Which units are late or refused in which period of the year demo (others: on time)."""
    refused_unit: str
    missing_unit: str | None = None


# Quý I and Quý III have a round of reminders and feedback; 6 tháng and Năm are clean.
YEAR_SCENARIO: dict[str, YearScenario] = {
    "Q1": YearScenario(refused_unit="VHXH", missing_unit="KT"),
    "Q3": YearScenario(refused_unit="VP", missing_unit="PVHCC"),
}

# Year demo: a few tasks of each unit are finished early (Quý I, then 6 tháng), so the
# trend starts above zero: the sample tasks are mostly due late in the year.
_EARLY_FINISH = ((dt.date(2025, 2, 25), 0), (dt.date(2025, 5, 20), 1))   # (finish date, position)


def year_progress(plan: Plan, as_of: dt.date) -> Plan:
    """``sample_progress`` plus tasks finished ahead of their deadline, in the plan's year.

    Deterministic and monotone: a task finished early stays finished, with the same date,
    at every later cut-off.  Only tasks with one lead unit and a deadline after the early
    finish date qualify (the unit's own workbook carries them).
    """
    from cchc_xl.importers.sample import sample_progress

    out = sample_progress(plan, as_of)
    year = plan.info.year
    by_unit: dict[str, list] = {}
    for t in plan.tasks:
        if len(t.lead_units) == 1 and t.due is not None:
            by_unit.setdefault(t.lead_units[0], []).append(t)
    early: dict[str, dt.date] = {}
    for tasks in by_unit.values():
        for day, pos in _EARLY_FINISH:
            day = day.replace(year=year)
            eligible = [t for t in tasks if t.due > day + dt.timedelta(days=30) and t.id not in early]
            if len(eligible) > pos:
                early[eligible[pos].id] = day
    for i, t in enumerate(out.tasks):
        day = early.get(t.id)
        if day is not None and day <= as_of:
            out.tasks[i] = t.model_copy(update={
                "status": Status.DONE, "progress": 100.0, "completed_on": day,
                "evidence": f"Báo cáo số {day.timetuple().tm_yday}/BC-{t.lead_units[0]} ngày "
                            f"{day.day:02d}/{day.month:02d}/{day.year}",
                "note": "Hoàn thành sớm so với kế hoạch"})
    return out


def fill_returned_workbook(src: Path, dst: Path, simulated: Plan) -> int:
    """Copy a unit workbook and type the simulated tracking values into its unlocked cells.

    Returns the number of rows filled.  Only tracking columns are touched.
    """
    wb = load_workbook(src)
    by_id = {t.id: t for t in simulated.tasks}
    rem_by_id = {r.id: r for r in simulated.remediation}
    filled = 0
    for sheet, columns, items in ((S.SHEET_TASKS, S.TASK_COLUMNS, by_id),
                                  (S.SHEET_REMEDIATION, S.REMEDIATION_COLUMNS, rem_by_id)):
        if sheet not in wb.sheetnames:
            continue
        ws = wb[sheet]
        h = find_header_row([tuple(r) for r in ws.iter_rows(max_row=15, values_only=True)],
                            columns[0].header)
        if h is None:
            continue
        header_row = h + 1
        col_of = {fold(ws.cell(row=header_row, column=c).value): c for c in range(1, ws.max_column + 1)}
        for r in range(header_row + 1, ws.max_row + 1):
            item = items.get(str(ws.cell(row=r, column=1).value or ""))
            if item is None:
                continue
            for col in columns:
                if not col.tracking:
                    continue
                c = col_of.get(fold(col.header))
                if c is None:
                    continue
                value = getattr(item, col.key)
                if isinstance(value, Status):
                    value = value.value
                put(ws, r, c, value if value not in ("",) else None)
            filled += 1
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return filled


_DEMO_ENTRIES = (MARKER, MASTER_NAME, "phieu_don_vi", "phieu_gui_ve", "sao_luu", "Bao_cao_CCHC_*", "thu_nhac_nho",
                 "phan_hoi", "phieu_chua_gui")


def _made_by_demo(out: Path) -> bool:
    """The folder holds the demo's marker, or only what a demo writes (older demo output)."""
    import fnmatch

    if (out / MARKER).is_file():
        return True
    return all(any(fnmatch.fnmatchcase(p.name, pat) for pat in _DEMO_ENTRIES) for p in out.iterdir())


def prepare_out_dir(out: Path) -> None:
    """Create ``out`` (or empty it when an earlier demo made it); never empty anything else.

    Raises ``CchcError`` for a file, or a folder holding other files: the demo must not
    delete a user's documents because of a mistyped ``--ra``.
    """
    if out.exists() and not out.is_dir():
        raise catalog.DEMO_OUT_EXISTS.error(path=out)
    if out.is_dir() and any(out.iterdir()):
        if not _made_by_demo(out):
            raise catalog.DEMO_OUT_NOT_EMPTY.error(path=out)
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("Thư mục do lệnh 'cchc-xl demo' tạo; chạy lại demo sẽ xóa và tạo lại.\n",
                              encoding="utf-8")


# ---------------------------------------------------------------- steps
# One function per step, so that a longer scenario (a whole year, late or refused
# units, reminders, corrected resends) is a different sequence of the same steps.

def step_init(out: Path, as_of: dt.date) -> DemoResult:
    """Khởi tạo: the master from the sample appendix and index data."""
    from cchc_xl.importers.sample import sample_plan
    from cchc_xl.workbook.master import write_master

    master = write_master(sample_plan(), out / MASTER_NAME, as_of=as_of)
    return DemoResult(out_dir=out, master=master)


def step_check(res: DemoResult, as_of: dt.date) -> None:
    """Kiểm tra."""
    from cchc_xl.core.validate import validate_master
    from cchc_xl.workbook.master import read_master

    findings = validate_master(read_master(res.master), as_of=as_of)
    res.findings = len(findings)
    res.errors = sum(1 for f in findings if f.severity == "error")


def step_send(res: DemoResult, period: ReportingPeriod, unit_dir: Path) -> Plan:
    """Tạo phiếu đơn vị + thư nháp; returns the plan as sent."""
    from cchc_xl.mail.mailer import compose_unit_email, match_attachments, write_drafts
    from cchc_xl.roundtrip.split import split_master
    from cchc_xl.workbook.master import read_master

    res.unit_files = split_master(res.master, unit_dir, period_label=period.short_label, as_of=period.end)
    plan_now = read_master(res.master).plan
    pairs, _problems = match_attachments(plan_now.units, res.unit_files)
    messages = [compose_unit_email(p.unit, p.path, sender="vanphong.quangson@example.gov.vn",
                                   commune=plan_now.info.commune, period_label=period.short_label,
                                   due_date=period.due - dt.timedelta(days=5)) for p in pairs]
    res.drafts = write_drafts(messages, unit_dir / "thu_nhap")
    from cchc_xl.roundtrip.register import record_mailing

    record_mailing(res.master, period.short_label, [(p.unit.code, p.unit.name) for p in pairs],
                   due=period.due - dt.timedelta(days=5))
    return plan_now


def step_units_fill(res: DemoResult, plan_now: Plan, period: ReportingPeriod, inbox: Path, *,
                    progress: Callable[[Plan, dt.date], Plan] | None = None,
                    hold_back: str | None = None) -> Path | None:
    """The departments fill in their workbooks and send them back (simulated).

    ``hold_back``: the unit code whose filled workbook is kept aside (not yet sent); its path
    is returned so that a later step sends it late."""
    from cchc_xl.importers.sample import sample_progress

    simulated = (progress or sample_progress)(plan_now, period.end)
    res.returned = []
    held = None
    for f in res.unit_files:
        if hold_back and f"_{hold_back}_" in f.name:
            held = res.out_dir / "phieu_chua_gui" / period.code / f.name
            fill_returned_workbook(f, held, simulated)
            continue
        dst = inbox / f.name
        fill_returned_workbook(f, dst, simulated)
        res.returned.append(dst)
    return held


def step_consolidate(res: DemoResult, inbox: Path, as_of: dt.date, now: dt.datetime | None = None) -> None:
    """Tổng hợp, twice: the second run must change nothing."""
    from cchc_xl.roundtrip.consolidate import consolidate

    first = consolidate(res.master, inbox, as_of=as_of, user="demo", now=now)
    res.changes = len(first.applied)
    res.conflicts = len(first.conflicts)
    res.rejected = len(first.rejections)
    second = consolidate(res.master, inbox, as_of=as_of, user="demo", now=now)
    res.second_run_changes = len(second.applied)


def step_indicators(res: DemoResult, period: ReportingPeriod, folder: Path) -> int:
    """Số liệu: the one-stop/budget export of the period, imported like ``nhap-so-lieu``."""
    from openpyxl import Workbook

    from cchc_xl.importers.indicators import read_export
    from cchc_xl.importers.sample import sample_indicators
    from cchc_xl.workbook.periodbook import save_indicators

    wb = Workbook()
    ws = wb.active
    ws.title = "Số liệu"
    ws.append([f"SỐ LIỆU {period.label.upper()}"])
    for label, value in sample_indicators(period.kind):
        ws.append([label, value])
    folder.mkdir(parents=True, exist_ok=True)
    export = folder / f"So_lieu_{period.code}.xlsx"
    wb.save(export)
    read = read_export(export, period)
    if read.errors:
        first = read.errors[0]          # a catalogue finding: raise it as it is
        raise CchcError(first.message, file=first.file, sheet=first.sheet, cell=first.cell, code=first.code)
    save_indicators(res.master, period, read.as_dict())
    return len(read.values)


def step_report(res: DemoResult, period: ReportingPeriod, *, pdf: bool) -> "QuarterlyReport":
    """Báo cáo: closes the period (the day after its cut-off) and writes the sheet + Word (+ PDF)."""
    from cchc_xl.report.data import report_for
    from cchc_xl.report.sheet import save_report_sheet
    from cchc_xl.report.word import write_report_docx
    from cchc_xl.workbook.master import read_master

    data = read_master(res.master)
    moment = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(8, 0))
    report, snap = report_for(data.plan, period, history=data.history, indicators=data.indicators,
                              moment=moment)
    save_report_sheet(res.master, report, snapshot=snap)
    info = data.plan.info
    res.report_docx = write_report_docx(report, res.out_dir / f"Bao_cao_CCHC_{period.code}.docx",
                                        commune=info.commune, province=info.province)
    res.report_pdf = None
    if pdf:
        from cchc_xl.report.pdf import find_soffice, to_pdf

        if find_soffice():
            res.report_pdf = to_pdf(res.report_docx, res.out_dir)
    return report


def run_demo(out_dir: Path, *, period_text: str = DEFAULT_PERIOD, pdf: bool = True,
             step: Callable[[str], None] | None = None) -> DemoResult:
    """Run the whole cycle into ``out_dir`` (emptied first).  ``step`` reports progress."""
    from cchc_xl.core.periods import parse_period

    say = step or (lambda _msg: None)
    out = Path(out_dir)
    period = parse_period(period_text, default_year=2025)
    as_of = period.end
    prepare_out_dir(out)

    say("Khởi tạo sổ tổng hợp từ dữ liệu mẫu")
    res = step_init(out, as_of)
    say("Kiểm tra sổ tổng hợp")
    step_check(res, as_of)
    report = _period_cycle(res, period, out / "phieu_don_vi", out / "phieu_gui_ve", pdf=pdf, say=say,
                           scenario=YearScenario(refused_unit="VHXH"))
    res.summary = _summary(res, report, pdf=pdf)
    return res


def _period_cycle(res: DemoResult, period: ReportingPeriod, unit_dir: Path, inbox: Path, *, pdf: bool,
                  say: Callable[[str], None], scenario: "YearScenario | None" = None,
                  progress: Callable[[Plan, dt.date], Plan] | None = None,
                  sub: str = "") -> "QuarterlyReport":
    """One reporting period: send, fill, consolidate, [late/refused round], figures, report.

    ``scenario``: the resend round of ``feedback_round`` (a unit missing at first, a unit
    resending with a refused cell); ``sub``: sub-folder of the reminders and feedback files."""
    say(f"{period.short_label}: tạo phiếu đơn vị, soạn thư nháp")
    plan_now = step_send(res, period, unit_dir)
    say(f"{period.short_label}: đơn vị điền phiếu và gửi về (mô phỏng)")
    held = step_units_fill(res, plan_now, period, inbox, progress=progress,
                           hold_back=scenario.missing_unit if scenario else None)
    say(f"{period.short_label}: tổng hợp phiếu gửi về")
    due = period.due - dt.timedelta(days=5)
    step_consolidate(res, inbox, period.end, dt.datetime.combine(due - dt.timedelta(days=1), dt.time(9, 0)))
    if scenario is not None:
        feedback_round(res, res.master, inbox, res.out_dir, period.short_label, period.end, due, say,
                       refused_unit=scenario.refused_unit, held=held, sub=sub)
    say(f"{period.short_label}: nhập số liệu một cửa, ngân sách")
    step_indicators(res, period, inbox)
    say(f"{period.short_label}: chốt số liệu, lập báo cáo")
    return step_report(res, period, pdf=pdf)


def run_year_demo(out_dir: Path, *, year: int = 2025, pdf: bool = True,
                  step: Callable[[str], None] | None = None) -> DemoResult:
    """Quý I -> 6 tháng -> Quý III -> Năm on the sample: each period closed, the annual
    report with the trend across the four cut-offs."""
    from cchc_xl.core.periods import periods_of_year

    say = step or (lambda _msg: None)
    out = Path(out_dir)
    prepare_out_dir(out)
    periods = periods_of_year(year)
    say("Khởi tạo sổ tổng hợp từ dữ liệu mẫu")
    res = step_init(out, periods[0].end)
    say("Kiểm tra sổ tổng hợp")
    step_check(res, periods[0].end)
    report = None
    for p in periods:
        report = _period_cycle(res, p, out / "phieu_don_vi" / p.code, out / "phieu_gui_ve" / p.code,
                               pdf=pdf and p.kind == "NAM", say=say, scenario=YEAR_SCENARIO.get(p.kind),
                               progress=year_progress, sub=p.code)
    assert report is not None
    from cchc_xl.roundtrip.register import read_register

    res.register = read_register(res.master)
    res.summary = [(f"{periods[-1].short_label}: {k}" if k.startswith("Tổng hợp lần") else k, v)
                   for k, v in _summary(res, report, pdf=pdf)]
    res.summary.insert(-2, ("Lũy kế qua các kỳ", "; ".join(
        f"{r.label}: {r.done}/{r.total} ({format_number(r.percent)}%)" for r in report.trend)))
    return res


def _summary(res: DemoResult, report, *, pdf: bool) -> list[tuple[str, str]]:
    return [
        ("Sổ tổng hợp", str(res.master)),
        ("Số nhiệm vụ", str(report.summary.total + report.summary.cancelled)),
        ("Phiếu đơn vị", f"{len(res.unit_files)} tệp"),
        ("Thư nháp", f"{len(res.drafts)} tệp .eml"),
        ("Tổng hợp lần 1", f"{res.changes} ô cập nhật, {res.conflicts} xung đột, {res.rejected} từ chối"),
        ("Tổng hợp lần 2", f"{res.second_run_changes} ô cập nhật (không đổi là đúng)"),
        *[line for rnd in res.rounds for line in _round_lines(rnd, len(res.rounds) > 1)],
        ("Tiến độ", report.narrative.completion),
        ("Kiểm tra số liệu", f"{len(report.indicator_findings)} ghi chú" if report.indicator_findings
         else "khớp"),
        ("Báo cáo Word", str(res.report_docx)),
        ("Báo cáo PDF", str(res.report_pdf) if res.report_pdf
         else ("(không có LibreOffice)" if pdf else "(không xuất PDF)")),
    ]


def _round_lines(rnd: RoundResult, named: bool) -> list[tuple[str, str]]:
    prefix = f"{rnd.period}: " if named else ""
    late = f"{rnd.missing_unit} chưa gửi đúng hạn, " if rnd.missing_unit else ""
    return [
        (f"{prefix}Gửi lại có ô sai", f"{late}{rnd.refused_unit}: {rnd.refused} ô bị từ chối; "
                                      f"{len(rnd.reminders)} thư nhắc, {len(rnd.feedback_files)} phiếu phản hồi"),
        (f"{prefix}Phiếu đã sửa", f"{rnd.resend_changes} ô cập nhật; tổng hợp lại: {rnd.last_run_changes} ô "
                                  "(không đổi)"),
    ]


def _consolidate(master: Path, inbox: Path, as_of: dt.date, now: dt.datetime):
    from cchc_xl.roundtrip.consolidate import consolidate

    return consolidate(master, inbox, as_of=as_of, user="demo", now=now)


def feedback_round(res: DemoResult, master: Path, inbox: Path, out: Path, period: str, as_of: dt.date,
                   due: dt.date, say: Callable[[str], None], *, refused_unit: str = "VHXH",
                   held: Path | None = None, sub: str = "") -> RoundResult:
    """``refused_unit`` resends its workbook after the deadline with a formula in a cell: Tổng hợp
    refuses the cell; the unit ``held`` back has sent nothing.  Reminders go to both, the feedback
    workbook to the refused unit; it corrects it, the missing unit sends its workbook (late),
    Tổng hợp applies both, and once more changes nothing."""
    from cchc_xl.core import register as R
    from cchc_xl.mail.mailer import write_drafts
    from cchc_xl.mail.reminders import compose_reminder
    from cchc_xl.roundtrip.feedback import latest_per_unit, review_returns, write_feedback
    from cchc_xl.roundtrip.register import read_register
    from cchc_xl.workbook.master import read_master

    rnd = RoundResult(period=period, refused_unit=refused_unit,
                      missing_unit=held.name.split("_")[1] if held else None)
    say(f"{period}: đơn vị {refused_unit} gửi lại phiếu sau hạn, có ô chứa công thức (mô phỏng)")
    late = dt.datetime.combine(due + dt.timedelta(days=1), dt.time(10, 0))
    target = next(p for p in sorted(inbox.glob("*.xlsx")) if f"_{refused_unit}_" in p.name)
    wb = load_workbook(target)
    ws = wb[S.SHEET_TASKS]
    row = S.FIRST_DATA_ROW
    note = ws.cell(row=row, column=S.col_index(S.TASK_COLUMNS, "note"))
    note.value = '=HYPERLINK("http://quangson.example.gov.vn/minh-chung","Xem minh chứng")'
    wb.save(target)
    bad = _consolidate(master, inbox, as_of, late)
    rnd.refused = len([r for r in bad.rejections if not r.whole_file])

    say(f"{period}: nhắc nhở đơn vị và gửi phiếu phản hồi")
    plan = read_master(master).plan
    units = {u.code: u for u in plan.units}
    subs = read_register(master)
    rnd.status_before = {s.unit: s.compute_status(late.date()) for s in R.of_period(subs, period)}
    messages = [compose_reminder(units[s.unit], s, commune=plan.info.commune, today=late.date(),
                                 sender="vanphong.quangson@example.gov.vn")
                for s in R.needing_reminder(subs, period, late.date()) if s.unit in units]
    rnd.reminders = write_drafts(messages, out / "thu_nhac_nho" / sub)
    current = {s.unit: s.sha256 for s in R.of_period(subs, period) if s.sha256}
    reviews = [r for r in latest_per_unit(review_returns(master, sorted(inbox.glob("*.xlsx")), as_of=as_of),
                                          period, current) if r.needs_feedback]
    rnd.feedback_files = [write_feedback(r, out / "phan_hoi" / sub) for r in reviews]

    say(f"{period}: đơn vị sửa phiếu phản hồi, gửi lại" + (f"; {rnd.missing_unit} gửi phiếu (trễ hạn)"
                                                            if held else "") + "; tổng hợp")
    for path in rnd.feedback_files:
        wb = load_workbook(path)
        ws = wb[S.SHEET_TASKS]
        put(ws, row, S.col_index(S.TASK_COLUMNS, "note"),
            f"Minh chứng ({period}): http://quangson.example.gov.vn/minh-chung")
        wb.save(inbox / path.name)
    if held is not None:
        shutil.copy2(held, inbox / held.name)
    fixed_at = late + dt.timedelta(days=1)
    fixed = _consolidate(master, inbox, as_of, fixed_at)
    rnd.resend_changes = len(fixed.applied)
    rnd.last_run_changes = len(_consolidate(master, inbox, as_of, fixed_at).applied)
    res.register = read_register(master)
    rnd.status_after = {s.unit: s.compute_status(fixed_at.date()) for s in R.of_period(res.register, period)}
    res.rounds.append(rnd)
    res.refused_round, res.reminders, res.feedback_files = rnd.refused, rnd.reminders, rnd.feedback_files
    res.resend_changes, res.last_run_changes = rnd.resend_changes, rnd.last_run_changes
    return rnd


def register_demo(app) -> None:
    import typer
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()

    @app.command("demo", help="Chạy thử trọn một kỳ báo cáo trên dữ liệu mẫu (xã Quảng Sơn, năm 2025): "
                              "khởi tạo, kiểm tra, tạo phiếu, thư nháp, tổng hợp, báo cáo.")
    def demo(
        ra: Path = typer.Option(Path("out/demo"), "--ra", help="Thư mục kết quả: thư mục mới, trống hoặc "
                                                               "của lần chạy thử trước (sẽ được làm mới)."),
        ky: str = typer.Option(DEFAULT_PERIOD, "--ky", help="Kỳ báo cáo, ví dụ 'Quý III/2025', 'Năm 2025'."),
        khong_pdf: bool = typer.Option(False, "--khong-pdf", help="Không xuất PDF."),
        ca_nam: bool = typer.Option(False, "--ca-nam", help="Chạy cả năm: Quý I, 6 tháng, Quý III, Năm "
                                                           "(mỗi kỳ chốt số liệu; báo cáo năm có xu hướng)."),
    ) -> None:
        with console.status("Đang chạy...") as status:
            def step(msg: str) -> None:
                status.update(msg + "...")
                console.print(f"[green]✓[/] {msg}")

            try:
                res = (run_year_demo(ra, pdf=not khong_pdf, step=step) if ca_nam
                       else run_demo(ra, period_text=ky, pdf=not khong_pdf, step=step))
            except CchcError as exc:
                console.print(f"[bold red]{escape(str(exc))}[/]")
                raise typer.Exit(1) from None
        table = Table(title="Kết quả chạy thử", show_header=False)
        for k, v in res.summary:
            table.add_row(k, v)
        console.print(table)
        if res.second_run_changes:
            raise typer.Exit(1)
