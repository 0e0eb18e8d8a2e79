"""Helpers shared by the ``cchc-xl`` commands: one console, one way to fail, one way to
read a date option, a master file or a reporting period, and the Vietnamese texts of
typer/click (help panels, usage errors).

Every command module (``cli_core``, ``cli_roundtrip``, ``cli_email``, ``cli_report``)
uses these, so option names, messages and exit codes stay the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import NoReturn, Optional

import typer
from rich.console import Console
from rich.markup import escape

from cchc_xl.core.records import MasterData, cell_finding, parse_date

from cchc_xl.files.excel import open_error
from cchc_xl.workbook.master import read_master
from cchc_xl.core.findings import catalog
from cchc_xl.core.models import CchcError, Finding
from cchc_xl.core.periods import ReportingPeriod, parse_period

# Argument placeholders in "Cách dùng" lines and help texts.
MASTER_METAVAR = "SỔ_TỔNG_HỢP"
FOLDER_METAVAR = "THƯ_MỤC"
UNIT_FOLDER_METAVAR = "THƯ_MỤC_PHIẾU"
DATE_METAVAR = "dd/mm/yyyy"
PERIOD_METAVAR = "KỲ"

console = Console(highlight=False)


def new_console() -> Console:
    """A fresh console for this run (picks up the terminal width / COLUMNS now)."""
    global console
    console = Console(highlight=False)
    return console


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``message`` in red (markup-escaped) and exit with ``code``."""
    console.print(f"[bold red]{escape(message)}[/]")
    raise typer.Exit(code)


def parse_day_option(text: Optional[str], option: str) -> dt.date | None:
    """A dd/mm/yyyy option value; exit 2 with a Vietnamese message naming the option."""
    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError as exc:       # the parser's own type (bad_date), the option as the column
        fail(str(cell_finding(exc, column=option)), 2)


def require_file(path: Path, what: str = "sổ tổng hợp") -> None:
    """Exit 1 with a Vietnamese message when ``path`` is missing or is a folder."""
    if not path.exists():
        fail(str(catalog.NO_FILE_NAMED.error(what=what, file=str(path))))
    if path.is_dir():
        fail(str(open_error(path)))


def read_master_or_fail(path: Path) -> MasterData:
    """``read_master`` with its ``CchcError`` printed instead of a traceback (exit 1)."""
    try:
        return read_master(path)
    except CchcError as exc:
        fail(str(exc))


SHOWN_CELLS = 20    # unreadable cells listed by a command that is not kiem-tra


def warn_unreadable_cells(data: MasterData) -> None:
    """When the master has cells that could not be read (they are skipped): a line, then each cell
    (file, sheet, cell, value), at most ``SHOWN_CELLS`` of them; the same for cells read one way
    here and another way by the formulas of "Tổng quan" (a status spelled otherwise, a date
    typed as text), whose figures would then differ from this command's."""
    from cchc_xl.core.records import cell_notes

    for line, cells in cell_notes(data.findings):
        console.print(f"[yellow]{escape(str(line))}[/]")
        print_findings(cells[:SHOWN_CELLS])
        if len(cells) > SHOWN_CELLS:
            console.print(f"[yellow]… và {len(cells) - SHOWN_CELLS} ô khác.[/]")


def refuse_freezing_unreadable(data: MasterData, period: ReportingPeriod, *, draft: str = "") -> None:
    """Exit 1 before a period is closed (snapshot on "Lịch sử") while a cell of the tasks or the
    remediation items - what a snapshot copies - could not be read: each cell is listed."""
    from cchc_xl.core import schema as S

    errors = [f for f in data.findings if f.severity == "error"
              and f.sheet in (S.SHEET_TASKS, S.SHEET_REMEDIATION)]
    if not errors:
        return
    print_findings(errors)
    fail(str(catalog.HIST_UNREADABLE.error(period=period.short_label, count=len(errors), draft=draft,
                                            file=Path(data.path).name if data.path else "")))


def plan_year_of(master: Path) -> int | None:
    """Plan year from the master's hidden "_meta" sheet (fast: that sheet only); None if unknown."""
    from cchc_xl.core import schema as S
    from cchc_xl.roundtrip.consolidate.state import read_master_values
    from cchc_xl.core.records import read_plan_info

    try:
        rows = read_master_values(master, [S.SHEET_META]).get(S.SHEET_META)
        return read_plan_info(rows).year if rows else None
    except Exception:  # unreadable master: the command reports it when it reads the file
        return None


def period_or_fail(text: str, default_year: int | None, option: str = "--ky") -> ReportingPeriod:
    """Parse a reporting period ("Quý III/2025", "q3-2025", "6 tháng 2026"...) or exit 1."""
    try:
        return parse_period(text, default_year=default_year)
    except CchcError as exc:
        fail(str(catalog.BAD_OPTION(option=option, why=exc.finding.message)))


def year_mismatch_warning(period: ReportingPeriod, plan_year: int | None) -> None:
    """Warn when the reporting period is not in the plan's year (usually a typo)."""
    if plan_year and period.year != plan_year:
        console.print(f"[yellow]{escape(str(catalog.PERIOD_OTHER_YEAR(period=period.short_label, year=plan_year)))}[/]")


def print_findings(findings: list[Finding]) -> None:
    """One coloured line per finding (errors red, warnings yellow, information cyan)."""
    for f in findings:
        style = {"error": "red", "warning": "yellow"}.get(f.severity, "cyan")
        console.print(f"[{style}]{escape(str(f))}[/]")


# ---------------------------------------------------------------- Vietnamese typer texts

TYPER_TEXTS: dict[str, str] = {          # module constants of typer.rich_utils
    "ARGUMENTS_PANEL_TITLE": "Tham số",
    "OPTIONS_PANEL_TITLE": "Tùy chọn",
    "COMMANDS_PANEL_TITLE": "Lệnh",
    "ERRORS_PANEL_TITLE": "Lỗi",
    "ABORTED_TEXT": "Đã hủy.",
    "DEFAULT_STRING": "[mặc định: {}]",
    "REQUIRED_LONG_STRING": "[bắt buộc]",
    "ENVVAR_STRING": "[biến môi trường: {}]",
    "DEPRECATED_STRING": "(không dùng nữa) ",
    "RICH_HELP": "Xem [blue]'{command_path} {help_option}'[/] để biết cách dùng.",
}
HELP_OPTION_TEXT = "Xem hướng dẫn này rồi thoát."
USAGE_PREFIX = "Cách dùng: "
# usage errors of typer's command parser (English) -> Vietnamese
USAGE_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(a, re.S), b) for a, b in (
    (r"^Missing option (.+)\.$", r"Thiếu tùy chọn \1."),
    (r"^Missing argument (.+)\.$", r"Thiếu tham số \1."),
    (r"^Missing parameter: (.+)$", r"Thiếu tham số \1"),
    (r"^Missing command\.$", "Thiếu tên lệnh."),
    (r"^No such option: (\S+) \(Possible options: (.+)\)$", r"Không có tùy chọn \1 (có phải: \2?)"),
    (r"^No such option: (\S+)$", r"Không có tùy chọn \1."),
    (r"^No such command '(.+)'\.$", r"Không có lệnh '\1'."),
    (r"^Got unexpected extra arguments? ?(?:\(s\))? \((.+)\)$", r"Thừa tham số: \1"),
    (r"^Option '(.+)' requires an argument\.$", r"Tùy chọn '\1' cần một giá trị."),
    (r"^Option '(.+)' requires (\d+) arguments\.$", r"Tùy chọn '\1' cần \2 giá trị."),
    (r"^Option '(.+)' does not take a value\.$", r"Tùy chọn '\1' không nhận giá trị."),
    (r"^Invalid value for (.+?): (.*)$", r"Giá trị không hợp lệ cho \1: \2"),
))


VALUE_ERRORS: tuple[tuple[str, str], ...] = (    # reasons inside "Invalid value for ..."
    ("Input should be a valid integer, unable to parse string as an integer", "phải là số nguyên"),
    ("Input should be a valid integer", "phải là số nguyên"),
    ("Input should be a valid number, unable to parse string as a number", "phải là số"),
    ("Input should be a valid number", "phải là số"),
)
USAGE_WORDS = (("[OPTIONS]", "[TÙY_CHỌN]"), ("COMMAND [ARGS]...", "LỆNH [THAM_SỐ]..."))
TYPE_WORDS = {"<str>": "<văn bản>", "<path>": "<đường dẫn>", "<int>": "<số>", "<float>": "<số>",
              "<bool>": "", "<list[str]>": "<văn bản>"}   # value types shown in --help


def translate_usage_error(message: str) -> str:
    """Vietnamese text of a typer usage error (unchanged when not recognised)."""
    for pattern, repl in USAGE_ERRORS:
        if pattern.match(message):
            message = pattern.sub(repl, message).strip()
            break
    for english, vietnamese in VALUE_ERRORS:
        message = message.replace(english, vietnamese)
    return message


def install_vietnamese_cli_texts() -> None:
    """Show typer's help panels, "--help" line, usage line and usage errors in Vietnamese.

    Idempotent.  Uses typer's documented ``rich_utils`` constants; the usage line, the
    "--help" text and the error messages are wrapped where typer builds them, and are
    left in English if a future typer moves them.
    """
    from typer import rich_utils

    for attr, text in TYPER_TEXTS.items():
        if hasattr(rich_utils, attr):
            setattr(rich_utils, attr, text)
    if getattr(rich_utils, "_cchc_vi", False):
        return
    rich_utils._cchc_vi = True  # type: ignore[attr-defined]
    original_error = rich_utils.rich_format_error

    def vi_format_error(self):  # type: ignore[no-untyped-def]
        message = translate_usage_error(self.format_message())
        self.format_message = lambda: message
        return original_error(self)

    rich_utils.rich_format_error = vi_format_error
    try:
        from typer import core as typer_core
        from typer._click import core as click_core
        from typer._click import formatting
    except ImportError:  # pragma: no cover - typer without its vendored click
        return
    param_class = getattr(typer_core, "_TyperParameter", None)
    if param_class is not None and hasattr(param_class, "display_type"):
        original_type = param_class.display_type

        def vi_display_type(self, ctx):  # type: ignore[no-untyped-def]
            label = original_type(self, ctx)
            return TYPE_WORDS.get(label, label)

        param_class.display_type = vi_display_type
    original_usage = formatting.HelpFormatter.write_usage

    def vi_write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:  # type: ignore[no-untyped-def]
        for english, vietnamese in USAGE_WORDS:
            args = args.replace(english, vietnamese)
        original_usage(self, prog, args, USAGE_PREFIX if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = vi_write_usage  # type: ignore[method-assign]
    original_help = click_core.Command.get_help_option

    def vi_help_option(self, ctx):  # type: ignore[no-untyped-def]
        option = original_help(self, ctx)
        if option is not None:
            option.help = HELP_OPTION_TEXT
        return option

    click_core.Command.get_help_option = vi_help_option  # type: ignore[method-assign]
