"""Handlers of the master workbook's buttons, written only against the xlwings Book API.

* ``kiem_tra(book)``    - "Kiểm tra": validate, list findings on the sheet "Kết quả kiểm tra".
* ``tao_phieu(book)``   - "Tạo phiếu": one workbook per unit in a folder next to the master.
* ``tong_hop(book)``    - "Tổng hợp": merge the returned unit workbooks into the OPEN book
  (cell writes + audit rows; the file on disk is backed up, never rewritten).
* ``bao_cao_quy(book)`` - "Báo cáo quý": the sheet "Báo cáo quý" + a Word draft file.
* ``nhap_khac_phuc(book, document)`` - "Nhập khắc phục": a remediation plan (.docx/.txt/.md)
  merged into "Khắc phục" of the OPEN book (same rules as ``cchc-xl nhap-khac-phuc``).
* ``nhap_chi_so(book, document, year)`` - "Nhập chỉ số": index results into "Chỉ số CCHC"
  (same rules as ``cchc-xl nhap-chi-so``).

VBA calls the zero-argument entries ``btn_*`` (``RunPython "import cchc_xl.xl.buttons
as b; b.btn_kiem_tra()"``).  A handler never raises: every error becomes a
Vietnamese message box (a JSON book gets an ``alert`` action) and the returned
``ButtonResult`` says what happened.

Settings are read from the dashboard "Tổng quan" (see ``cchc_xl.workbook.dashboard.SETTINGS``):
workbook names ``NgaySoLieu``, ``KyBaoCao``, ``ThuMucPhieu``, ``ThuMucNhanVe``,
i.e. cells C4:C7 next to the labels "Ngày số liệu", "Kỳ báo cáo", "Thư mục phiếu
đơn vị", "Thư mục phiếu nhận về".  Empty cells mean: today, the period of the
report date, "phieu_don_vi" and "phieu_nhan_ve" next to the master.  A JSON book
has no folder: its folders are inside the work folder (``work_root`` set by the server,
else ``CCHC_XL_THU_MUC``), and what its cells name is confined there (no absolute path
outside it, no "..", no link leading out: ``files.safeio.confined_path``) - a posted
workbook is not trusted to pick folders on this computer.
"""

from __future__ import annotations

import datetime as dt
import getpass
import logging
import os
import tempfile
import traceback
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import xlwings as xw

from cchc_xl.core import schema as S
from cchc_xl.workbook.dashboard import (NAME_AS_OF, NAME_INBOX_DIR, NAME_PERIOD, NAME_UNIT_DIR, as_of_value,
                                        labelled_cells)
from cchc_xl.core.findings import catalog
from cchc_xl.core.records import MasterData, cell_notes
from cchc_xl.core.models import CchcError, Finding
from cchc_xl.core.periods import ReportingPeriod, current_period, parse_period
from cchc_xl.files.safeio import backup, check_can_write, confined_path, is_inside, write_error
from cchc_xl.core.text import format_number, normalize_text
from cchc_xl.xl.book_io import (FINDINGS_SHEET, BookWriter, book_error_cells, book_formula_refs, book_path,
                                book_sheets, cosmetic, excel_value, find_sheet, is_remote, master_sheets, range_values,
                                read_book, rich_formatting, show_message, write_findings_sheet)

ENV_WORK_DIR = "CCHC_XL_THU_MUC"
DEFAULT_UNIT_DIR = "phieu_don_vi"
DEFAULT_INBOX_DIR = "phieu_nhan_ve"
REPORT_DIR = "bao_cao"
MAX_LISTED = 8       # findings/files listed in a message box

log = logging.getLogger(__name__)


@dataclass
class ButtonResult:
    """What a handler did; ``message`` is what the user was shown."""

    ok: bool
    message: str
    findings: list[Finding] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    cells_written: int = 0
    rows_appended: int = 0


@dataclass
class Settings:
    as_of: dt.date
    period_text: str = ""
    unit_dir: str = ""
    inbox_dir: str = ""
    as_of_cell: str = "C4"      # the dashboard cell "Ngày số liệu" was read from


# ------------------------------------------------------------------ settings

_NAME_OF = {NAME_AS_OF: "as_of", NAME_PERIOD: "period", NAME_UNIT_DIR: "unit_dir",
            NAME_INBOX_DIR: "inbox_dir"}


def _named_values(book: xw.Book) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, key in _NAME_OF.items():
        try:
            values = range_values(book.names[name].refers_to_range)
            out[key] = values[0][0] if values and values[0] else None
        except Exception:  # name missing / not a range / engine without names
            continue
    return out


def read_settings(book: xw.Book, sheets: dict[str, list[tuple[Any, ...]]] | None = None) -> Settings:
    """Settings from the dashboard: workbook names first, then the labelled cells."""
    rows = (sheets or {}).get(S.SHEET_DASHBOARD)
    if rows is None:
        sheet = find_sheet(book, S.SHEET_DASHBOARD)
        rows = book_sheets(book, [sheet.name])[sheet.name] if sheet else []
    cells = labelled_cells(rows)
    values = {**{k: v for k, (v, _c) in cells.items()},
              **{k: v for k, v in _named_values(book).items() if v not in (None, "")}}
    # the rule of the command line (workbook.dashboard.read_as_of): no other date used silently
    as_of, what = as_of_value(values.get("as_of"))
    if as_of is None:
        raise catalog.AS_OF_NOT_DATE.error(what=what, dashboard=S.SHEET_DASHBOARD, file=book.name,
                                           sheet=S.SHEET_DASHBOARD, cell=cells.get("as_of", (None, "C4"))[1])
    return Settings(as_of=as_of, as_of_cell=cells.get("as_of", (None, "C4"))[1],
                    period_text=normalize_text(values.get("period")),
                    unit_dir=normalize_text(values.get("unit_dir")),
                    inbox_dir=normalize_text(values.get("inbox_dir")))


_WORK_ROOT: ContextVar[Path | None] = ContextVar("cchc_work_root", default=None)


@contextmanager
def work_root(folder: str | os.PathLike[str] | None) -> Iterator[None]:
    """Handlers run inside this block use ``folder`` as the work folder of JSON books."""
    token = _WORK_ROOT.set(Path(folder) if folder else None)
    try:
        yield
    finally:
        _WORK_ROOT.reset(token)


def work_dir(book: xw.Book) -> Path:
    """Folder of the master file (for a JSON book: ``work_root``, else ``CCHC_XL_THU_MUC``)."""
    path = book_path(book)
    if path is not None:
        return path.parent
    root = _WORK_ROOT.get()
    if root is not None:
        return root
    env = os.environ.get(ENV_WORK_DIR)
    if env:
        return Path(env)
    raise catalog.NO_FOLDER.error(file=book.name, sheet=S.SHEET_DASHBOARD)


def resolve_dir(book: xw.Book, setting: str, default: str) -> Path:
    """An absolute folder from a settings cell (relative = next to the master).

    A JSON book (posted over HTTP) only reaches folders inside its work folder.
    """
    if is_remote(book):
        return confined_path(work_dir(book), setting or default)
    if setting and Path(setting).is_absolute():
        return Path(setting)
    return work_dir(book) / (setting or default)


def _confine(book: xw.Book, folder: Path) -> Path:
    """``folder`` itself, checked to stay in the work folder when the book is a JSON book."""
    return confined_path(work_dir(book), folder) if is_remote(book) else folder


def resolve_period(text: str | None, as_of: dt.date, book: xw.Book,
                   plan_year: int | None = None) -> ReportingPeriod:
    """The "Kỳ báo cáo" setting (a missing year is the plan's, as in ``cchc-xl --ky``)."""
    if not text:
        return current_period(as_of)
    try:
        return parse_period(text, default_year=plan_year or as_of.year)
    except CchcError as exc:
        raise CchcError(exc.finding.message, file=book.name, sheet=S.SHEET_DASHBOARD,
                        code="bad_period") from None


# ------------------------------------------------------------------ running a handler

def error_log_path() -> Path:
    base = os.environ.get("LOCALAPPDATA") or tempfile.gettempdir()
    return Path(base) / "cchc_xl" / "loi.log"


def _log_unexpected(what: str) -> Path | None:
    path = error_log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"--- {dt.datetime.now():%Y-%m-%d %H:%M:%S} {what}\n{traceback.format_exc()}\n")
        return path
    except OSError:
        return None


def run_handler(book: xw.Book, what: str, body: Callable[[], ButtonResult]) -> ButtonResult:
    """Run ``body``; show its message, or a Vietnamese error message instead of a traceback."""
    desktop = not is_remote(book)
    if desktop:
        cosmetic(lambda: setattr(book.app, "screen_updating", False))
    try:
        result = body()
    except CchcError as exc:
        found = getattr(exc, "findings", None) or [exc.finding]     # refuse_if_unsafe lists them
        result = ButtonResult(ok=False, message=f"{what}: {exc.finding}", findings=list(found))
    except Exception as exc:  # a bug or an environment problem: log it, tell the user plainly
        log.debug("%s failed", what, exc_info=True)   # not to stderr: RunPython would show it
        where = _log_unexpected(what)
        detail = (f" Chi tiết kỹ thuật đã ghi vào tệp {where}; hãy gửi tệp này cho cán bộ kỹ "
                  "thuật." if where else "")
        result = ButtonResult(ok=False, message=(
            f"{what}: đã xảy ra lỗi ngoài dự kiến ({exc.__class__.__name__}: {exc}).{detail}"))
    finally:
        if desktop:
            cosmetic(lambda: setattr(book.app, "screen_updating", True))
    show_message(book, result.message, critical=not result.ok)
    return result


def _listing(items: list[str]) -> str:
    shown = [f"- {s}" for s in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        shown.append(f"- ... và {len(items) - MAX_LISTED} mục khác")
    return "\n".join(shown)


# ------------------------------------------------------------------ Kiểm tra

def kiem_tra(book: xw.Book, as_of: dt.date | None = None) -> ButtonResult:
    """Validate the open master; findings go to the sheet "Kết quả kiểm tra"."""
    return run_handler(book, "Kiểm tra", lambda: _kiem_tra(book, as_of))


def _kiem_tra(book: xw.Book, as_of: dt.date | None) -> ButtonResult:
    from cchc_xl.core.validate import validate_master

    sheets = master_sheets(book)
    data = read_book(book, sheets)
    as_of = as_of or read_settings(book, sheets).as_of
    findings = validate_master(data, as_of)
    write_findings_sheet(book, findings, as_of=as_of)
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = sum(1 for f in findings if f.severity == "warning")
    head = (f"Đã kiểm tra {len(data.plan.tasks)} nhiệm vụ, {len(data.plan.index_areas)} lĩnh vực chỉ "
            f"số, {len(data.plan.remediation)} nội dung khắc phục (ngày số liệu {as_of:%d/%m/%Y}).")
    if not findings:
        return ButtonResult(ok=True, message=f"{head}\nKhông phát hiện lỗi.", findings=[])
    return ButtonResult(ok=errors == 0, findings=findings, message=(
        f"{head}\nCó {errors} lỗi, {warnings} cảnh báo, {len(findings) - errors - warnings} thông tin. "
        f"Xem chi tiết ở trang '{FINDINGS_SHEET}' (bấm 'Mở' để đến ô cần sửa)."))


# ------------------------------------------------------------------ Tạo phiếu

def tao_phieu(book: xw.Book, out_dir: str | os.PathLike[str] | None = None,
              period: str | None = None) -> ButtonResult:
    """Split the open master into one workbook per unit (files in a folder, not the live book)."""
    return run_handler(book, "Tạo phiếu", lambda: _tao_phieu(book, out_dir, period))


def _as_int(value: Any) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0


def _tao_phieu(book: xw.Book, out_dir: str | os.PathLike[str] | None,
               period_text: str | None) -> ButtonResult:
    from cchc_xl.roundtrip.consolidate.state import (ERROR_CELLS, FORMULA_CELLS, WRITTEN_SHEETS,
                                                     master_state_from_sheets)
    from cchc_xl.roundtrip.split import (as_of_after_cutoff, meta_cell_updates, refuse_unsafe_split,
                                         split_cell_findings, split_meta_updates, split_plan_detailed)

    sheets, errors_at = book_error_cells(master_sheets(book), WRITTEN_SHEETS)   # as the command reads them
    settings = read_settings(book, sheets)
    state = master_state_from_sheets({**sheets, FORMULA_CELLS: book_formula_refs(book, WRITTEN_SHEETS),
                                      ERROR_CELLS: errors_at}, file=book.name)
    refuse_unsafe_split(state, book.name)
    plan = state.data.plan
    version = max(_as_int(state.meta.get("master_version")), plan.info.master_version) + 1
    period = resolve_period(period_text or settings.period_text, settings.as_of, book, plan.info.year)
    target = Path(out_dir) if out_dir else _confine(book, resolve_dir(book, settings.unit_dir,
                                                                      DEFAULT_UNIT_DIR) / period.code)
    result = split_plan_detailed(
        plan, target, period_label=period.short_label, as_of=settings.as_of, master_version=version,
        master_name=book.name, unit_reports={(u.task_id, u.unit): u.values for u in state.unit_reports},
        master_data=state.data)
    if not result.files:
        return ButtonResult(ok=False, message="Tạo phiếu: không có đơn vị nào được giao nhiệm vụ "
                                              "(kiểm tra cột 'Mã đơn vị chủ trì' trang 'Phân công').")
    # record the version the workbooks carry: returns of an unknown version are rejected
    writer = BookWriter(book)
    cells = meta_cell_updates(sheets.get(S.SHEET_META, []), split_meta_updates(state.meta, result))
    cells.update(_issued_bases(plan, version, list(result.counts), state))
    for ref, value in cells.items():
        writer.set(S.SHEET_META, ref, value)
    _register_issue(writer, sheets, period.short_label, result, plan)
    saved = _save(book)
    lines = [f"{f.name} ({result.counts.get(_unit_of(f), (0, 0))[0]} nhiệm vụ)" for f in result.files]
    message = (f"Đã tạo {len(result.files)} phiếu đơn vị kỳ {period.label} (phiên bản {version}) trong "
               f"thư mục:\n{target}\n" + _listing(lines))
    if result.findings:
        message += (f"\nLưu ý: {len(result.findings)} nhiệm vụ chưa xác định đơn vị chủ trì nên không có "
                    f"trong phiếu nào: " + ", ".join(f.task_id for f in result.findings[:MAX_LISTED]))
    # the same warnings as ``tao-phieu`` (formulas: desktop Excel only, a JSON book does not say)
    late = as_of_after_cutoff(settings.as_of, period, file=book.name, sheet=S.SHEET_DASHBOARD,
                              cell=settings.as_of_cell, source=f"trang '{S.SHEET_DASHBOARD}', ô {settings.as_of_cell}",
                              fix=f"ô 'Ngày số liệu' trang '{S.SHEET_DASHBOARD}'")
    if late:
        message += f"\nLưu ý: {late[0].message}."
    cell_notes = [*late, *split_cell_findings(state, book.name)]
    errors = [f for f in cell_notes if f.code == catalog.SPLIT_CELL_ERROR.code]
    if errors:
        message += (f"\nLưu ý: {len(errors)} ô của sổ có giá trị lỗi, phiếu đơn vị ghi giá trị mặc định (hãy gõ "
                    "giá trị đúng vào sổ): " + ", ".join(f"{f.sheet}!{f.cell}" for f in errors[:MAX_LISTED]))
    formulas = [f for f in cell_notes if f.code == catalog.SPLIT_CELL_FORMULA.code]
    if formulas:
        message += (f"\nLưu ý: {len(formulas)} ô theo dõi có công thức; khi tổng hợp, giá trị đơn vị gửi không ghi đè "
                    "công thức: " + ", ".join(f"{f.sheet}!{f.cell}" for f in formulas[:MAX_LISTED]))
    message += ("\nĐã lưu sổ (bản cũ ở thư mục 'sao_luu')." if saved else
                "\nHãy lưu sổ (Ctrl+S) ngay để ghi nhận phiên bản phiếu vừa tạo.")
    return ButtonResult(ok=True, message=message, files=result.files, findings=[*result.findings, *cell_notes],
                        cells_written=writer.cells_written)


def _issued_bases(plan: Any, version: int, units: list[str], state: Any) -> dict[str, Any]:
    """"_meta" cells recording, in the master, the merge base sent to each unit (as ``tao-phieu``),
    added to the merge base the state read from "_meta"."""
    from cchc_xl.roundtrip.bases import issue
    from cchc_xl.roundtrip.split import issued_items
    from cchc_xl.core.dispatch import items_by_unit, registry_for

    reg = registry_for(plan)
    reports = {(u.task_id, u.unit): u.values for u in state.unit_reports}
    return issue(state.bases, version,
                 issued_items(plan, units, items_by_unit(plan, reg), reports, reg))


def _register_issue(writer: BookWriter, sheets: dict, period: str, result: Any, plan: Any) -> None:
    """"Tình hình gửi phiếu": which unit got which version (and the deadline printed)."""
    from cchc_xl.roundtrip.register import book_issue_edits
    from cchc_xl.workbook.unitbook import _default_dates

    names = {u.code: u.name for u in plan.units}
    due = _default_dates(period, result.as_of, None)[1]
    edits = book_issue_edits(sheets, period, [(c, names.get(c, c)) for c in result.counts],
                             version=result.version, issued_on=result.created_at.date(), due=due)
    for ref, value in edits.items():
        writer.set(S.SHEET_SUBMISSIONS, ref, value)


def _unit_of(path: Path) -> str:
    from cchc_xl.core.dispatch import unit_code_from_file_name

    return unit_code_from_file_name(path.name) or ""


def backup_open_book(path: Path, action: str) -> Path | None:
    """Back up the saved file of the open book (same guard as the commands, except the lock
    files: Excel itself holds the book open); a Vietnamese ``CchcError`` when it cannot."""
    check_can_write(path, action, check_locks=False, needed=path.stat().st_size + (1 << 20))
    try:
        return backup(path)
    except OSError as exc:
        raise write_error(exc, path, action) from None


def _save(book: xw.Book) -> bool:
    """Save the open book in place (desktop, after a backup of the file); False if not possible."""
    path = book_path(book)
    if path is None or not path.exists():
        return False
    try:
        backup_open_book(path, "lưu sổ")
        book.save()
    except Exception:  # read-only, locked, cloud conflict: the user saves by hand
        log.debug("save failed", exc_info=True)
        return False
    return True


# ------------------------------------------------------------------ Tổng hợp

def tong_hop(book: xw.Book, inbox: str | os.PathLike[str] | None = None) -> ButtonResult:
    """Merge returned unit workbooks into the open book (cell writes + audit rows)."""
    return run_handler(book, "Tổng hợp", lambda: _tong_hop(book, inbox))


def returned_files(folder: Path) -> list[Path]:
    """Files of the inbox folder (``folders.returned_files``: lock and system files skipped)."""
    from cchc_xl.roundtrip.folders import returned_files as inbox_files

    if not folder.is_dir():
        raise catalog.NO_INBOX.error(path=folder)
    return inbox_files(folder)


MAX_SUMMARY_LINES = 25


def _tong_hop(book: xw.Book, inbox: str | os.PathLike[str] | None) -> ButtonResult:
    from cchc_xl.roundtrip.consolidate.check import refuse_outgoing_folder
    from cchc_xl.roundtrip.folders import unread_entries
    from cchc_xl.roundtrip.consolidate.merge import plan_from_sheets
    from cchc_xl.roundtrip.consolidate.plan import summary_text
    from cchc_xl.roundtrip.consolidate.write import apply_with

    sheets = master_sheets(book)
    settings = read_settings(book, sheets)
    folder = Path(inbox) if inbox else resolve_dir(book, settings.inbox_dir, DEFAULT_INBOX_DIR)
    files = returned_files(folder)
    outside: list[Path] = []
    if is_remote(book):     # a link in the inbox leading out of the work folder is not read
        root = work_dir(book)
        outside = [f for f in files if not is_inside(root, f)]
        files = [f for f in files if f not in outside]
    skipped = (f"\nBỏ qua {len(outside)} tệp là liên kết ra ngoài thư mục làm việc: "
               + ", ".join(f.name for f in outside[:MAX_LISTED])) if outside else ""
    if not files:
        return ButtonResult(ok=False, message=f"Tổng hợp: chưa có phiếu nào trong thư mục\n{folder}{skipped}")
    from cchc_xl.roundtrip.consolidate.state import ERROR_CELLS, FORMULA_CELLS, WRITTEN_SHEETS

    # the official's formulas (desktop Excel says where they are) and error values in the cells
    # Tổng hợp writes are kept
    clean, errors_at = book_error_cells(sheets, WRITTEN_SHEETS)       # as the command reads them
    cplan = plan_from_sheets({**clean, FORMULA_CELLS: book_formula_refs(book, WRITTEN_SHEETS),
                              ERROR_CELLS: errors_at}, files, file=book.name, as_of=settings.as_of, user=_user())
    refuse_outgoing_folder(cplan, str(folder))       # the forms as issued: nothing written, as the command
    cplan.findings.extend(unread_entries(folder))    # subfolders, lock files: listed, as the command
    path = book_path(book)
    if path is not None and path.exists() and not cplan.is_empty:
        backup_open_book(path, "sao lưu sổ trước khi tổng hợp")  # the saved file before this merge
    writer = BookWriter(book)
    apply_with(writer.set, writer.append, cplan)   # the writer keeps "=..." text as text
    from cchc_xl.roundtrip.register import book_return_edits

    for ref, value in book_return_edits(sheets, cplan, files).items():
        writer.set(S.SHEET_SUBMISSIONS, ref, value)
    lines = summary_text(cplan).splitlines()
    if skipped:
        lines.append(skipped.strip())
    if len(lines) > MAX_SUMMARY_LINES:
        lines = lines[:MAX_SUMMARY_LINES] + [f"... (xem đủ ở trang '{S.SHEET_AUDIT}')"]
    changed = writer.cells_written > 0 or writer.rows_appended > 0
    tail = "\nĐã ghi vào sổ đang mở: hãy xem lại rồi lưu sổ (Ctrl+S)." if changed else ""
    return ButtonResult(ok=not cplan.has_problems, message="\n".join(lines) + tail, files=files,
                        findings=list(cplan.findings), cells_written=writer.cells_written,
                        rows_appended=writer.rows_appended)


# ------------------------------------------------------------------ Phản hồi

FEEDBACK_DIR = "phan_hoi"


def phan_hoi(book: xw.Book, inbox: str | os.PathLike[str] | None = None,
             out_dir: str | os.PathLike[str] | None = None, period: str | None = None) -> ButtonResult:
    """After Tổng hợp: each unit with refused cells or conflicts gets its workbook back with a
    "Phản hồi" sheet (files in a folder; the open book is not changed).  Same as ``cchc-xl phan-hoi``
    without the e-mail (use the command, or attach the files by hand)."""
    return run_handler(book, "Phản hồi", lambda: _phan_hoi(book, inbox, out_dir, period))


def _phan_hoi(book: xw.Book, inbox: str | os.PathLike[str] | None, out_dir: str | os.PathLike[str] | None,
              period_text: str | None) -> ButtonResult:
    from cchc_xl.core import register as R
    from cchc_xl.roundtrip.feedback import latest_per_unit, review_returns, write_feedback

    sheets = master_sheets(book)
    settings = read_settings(book, sheets)
    folder = Path(inbox) if inbox else resolve_dir(book, settings.inbox_dir, DEFAULT_INBOX_DIR)
    files = [f for f in returned_files(folder) if f.suffix.lower() in (".xlsx", ".xlsm")]
    if not files:
        return ButtonResult(ok=False, message=f"Phản hồi: chưa có phiếu nào trong thư mục\n{folder}")
    from cchc_xl.core.records import meta_dict

    year = _as_int(meta_dict([tuple(r) for r in sheets.get(S.SHEET_META, [])]).get("year")) or None
    subs = R.read_submissions(sheets.get(S.SHEET_SUBMISSIONS, []))
    # no "Kỳ báo cáo" typed: the latest period workbooks were issued for
    period = resolve_period(period_text or settings.period_text or R.latest_period(subs), settings.as_of,
                            book, year)
    current = {s.unit: s.sha256 for s in R.of_period(subs, period.short_label) if s.sha256}
    reviews = review_returns(book_path(book) or Path(book.name), files, as_of=settings.as_of, sheets=sheets)
    chosen = [r for r in latest_per_unit(reviews, period.short_label, current) if r.needs_feedback]
    if not chosen:
        return ButtonResult(ok=True, message=f"Phản hồi: không có đơn vị nào cần phản hồi kỳ {period.label} "
                                             "(không còn ô bị từ chối hay xung đột).")
    target = Path(out_dir) if out_dir else resolve_dir(book, "", FEEDBACK_DIR) / period.code
    written = []
    for review in chosen:
        sub = R.find(subs, period.short_label, review.unit)
        written.append(write_feedback(review, target, due=sub.due if sub and sub.due and
                                      sub.due >= dt.date.today() else None))
    lines = [f"{p.name} ({len(r.items)} ô cần sửa)" for p, r in zip(written, chosen)]
    message = (f"Đã tạo {len(written)} phiếu phản hồi kỳ {period.label} trong thư mục:\n{target}\n"
               + _listing(lines) + "\nGửi mỗi tệp cho đơn vị của nó (hoặc dùng lệnh 'cchc-xl phan-hoi ... --gui').")
    return ButtonResult(ok=True, message=message, files=written)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return ""


# ------------------------------------------------------------------ Báo cáo quý

def bao_cao_quy(book: xw.Book, period: str | None = None) -> ButtonResult:
    """Write the report sheet through the Book API and the Word draft next to the master."""
    return run_handler(book, "Báo cáo quý", lambda: _bao_cao_quy(book, period))


def _bao_cao_quy(book: xw.Book, period_text: str | None) -> ButtonResult:
    from cchc_xl.report.data import build_report
    from cchc_xl.report.sheet import report_layout

    sheets = master_sheets(book)
    data = read_book(book, sheets)
    settings = read_settings(book, sheets)
    period = resolve_period(period_text or settings.period_text, settings.as_of, book,
                            data.plan.info.year)
    # snapshots and "Số liệu" are read; closing a period is done by chot-ky / bao-cao (file commands)
    report = build_report(data.plan, period, history=data.history, indicators=data.indicators)
    layout = report_layout(report)
    write_layout(book, S.SHEET_REPORT, layout)
    files: list[Path] = []
    note = ""
    try:
        folder = _confine(book, work_dir(book) / REPORT_DIR)
    except CchcError:
        folder = None
        note = "\n(Chưa tạo bản Word vì không xác định được thư mục của sổ.)"
    if folder is not None:
        files.append(_write_docx(report, data, folder / f"Bao_cao_CCHC_{period.code}.docx"))
    s = report.summary
    pct = format_number(s.percent) + "%" if s.percent is not None else "chưa có"
    message = (f"Đã lập báo cáo {period.label} (số liệu đến {period.end:%d/%m/%Y}): "
               f"hoàn thành {s.done}/{s.total} nhiệm vụ ({pct}), quá hạn {s.overdue}. "
               f"Xem trang '{S.SHEET_REPORT}'.")
    if files:
        message += f"\nBản dự thảo Word: {files[0]}"
    # the cells skipped or read otherwise by "Tổng quan", as ``bao-cao`` lists them
    notes = cell_notes(data.findings)
    for line, cells in notes:
        message += f"\nLưu ý: {line.message}\n" + _listing([str(f) for f in cells])
    return ButtonResult(ok=True, message=message + note, files=files,
                        findings=[f for line, cells in notes for f in (line, *cells)])


def _write_docx(report: Any, data: MasterData, path: Path) -> Path:
    from cchc_xl.report.word import write_report_docx

    path.parent.mkdir(parents=True, exist_ok=True)
    info = data.plan.info
    return Path(write_report_docx(report, path, commune=info.commune, province=info.province))


_BOLD = {"title", "subtitle", "section", "header", "total", "total_number"}
_ITALIC = {"italic", "note"}
_WRAP = {"title", "subtitle", "italic", "note", "text", "header", "cell", "center", "warn"}
_FILL = {"header": "#D9E2F3", "total": "#F2F2F2", "total_number": "#F2F2F2", "warn": "#FCE4D6"}


def _runs(cells: dict[tuple[int, int], str]) -> list[tuple[int, int, int, str]]:
    """Group cells with the same tag into horizontal runs (row, first col, last col, tag)."""
    runs: list[tuple[int, int, int, str]] = []
    for (r, c), tag in sorted(cells.items()):
        if runs and runs[-1][0] == r and runs[-1][2] == c - 1 and runs[-1][3] == tag:
            runs[-1] = (r, runs[-1][1], c, tag)
        else:
            runs.append((r, c, c, tag))
    return runs


def write_layout(book: xw.Book, name: str, layout: Any) -> xw.Sheet:
    """Replace sheet ``name`` with a ``report_sheet.ReportSheetLayout`` through the Book API."""
    old = find_sheet(book, name)
    if old is not None:
        old.delete()
    anchor = find_sheet(book, S.SHEET_DASHBOARD) or book.sheets[0]
    sheet = book.sheets.add(name=name, after=anchor)
    grid = layout.grid()
    if grid:
        sheet.range("A1").value = [[excel_value(v) for v in row] for row in grid]
    if rich_formatting(book):
        _format_layout(book, sheet, layout)
        _add_charts(book, sheet, layout)
    return sheet


def _format_layout(book: xw.Book, sheet: xw.Sheet, layout: Any) -> None:
    from cchc_xl.report.sheet import WIDTHS

    for (r, c1, c2, fmt) in _runs(layout.formats):
        cosmetic(lambda: setattr(sheet.range((r, c1), (r, c2)), "number_format", fmt))
    for (r, c1, c2, style) in _runs(layout.styles):
        rng = sheet.range((r, c1), (r, c2))
        if style in _BOLD:
            cosmetic(lambda: setattr(rng.font, "bold", True))
        if style in _ITALIC:
            cosmetic(lambda: setattr(rng.font, "italic", True))
        if style in _FILL:
            cosmetic(lambda: setattr(rng, "color", _FILL[style]))
        if style in _WRAP:
            cosmetic(lambda: setattr(rng, "wrap_text", True))
    for r1, c1, r2, c2 in layout.merges:
        cosmetic(lambda: sheet.range((r1, c1), (r2, c2)).merge())
    for r, height in layout.heights.items():
        cosmetic(lambda: setattr(sheet.range((r, 1)), "row_height", height))
    for j, chars in enumerate(WIDTHS, start=1):
        width = chars * 7 if is_remote(book) else chars
        cosmetic(lambda: setattr(sheet.range((1, j)), "column_width", width))


def _add_charts(book: xw.Book, sheet: xw.Sheet, layout: Any) -> None:
    """Native bar charts in desktop Excel (JSON clients have no chart action)."""
    if is_remote(book):
        return
    for spec in layout.charts:
        def add(spec=spec) -> None:
            top_left = sheet.range(spec.anchor)
            chart = sheet.charts.add(left=top_left.left, top=top_left.top, width=480, height=240)
            cols = (spec.cat_col,) + tuple(spec.value_cols)
            parts = [sheet.range((spec.header_row, c), (spec.last_row, c)).address for c in cols]
            chart.set_source_data(sheet.range(",".join(parts)))
            chart.chart_type = "column_stacked" if spec.stacked else "column_clustered"
        cosmetic(add)


# ------------------------------------------------------------------ Nhập khắc phục / Nhập chỉ số

def _document(document: str | os.PathLike[str] | None, book: xw.Book) -> Path:
    if not document:
        raise catalog.NO_DOCUMENT.error(file=book.name)
    path = Path(document)
    if not path.is_absolute():
        path = work_dir(book) / path
    if not path.is_file():
        raise catalog.NO_FILE.error(file=str(path))
    return path


def _apply_edits(book: xw.Book, edits: dict[str, dict[tuple[int, int], Any]]) -> BookWriter:
    from cchc_xl.files.xlsx_patch import Formula

    writer = BookWriter(book)
    for sheet, cells in edits.items():
        for (row, col), value in sorted(cells.items()):
            address = f"{S.column_letter(col)}{row}"
            if isinstance(value, Formula):      # the only values written as formulas
                writer.sheet(sheet).range(address).value = value.text
                writer.cells_written += 1
            else:
                writer.set(sheet, address, value)   # text starting with "=" stays text
    return writer


def _backup_saved(book: xw.Book) -> None:
    path = book_path(book)
    if path is not None and path.exists():
        backup(path)


def nhap_khac_phuc(book: xw.Book, document: str | os.PathLike[str] | None = None,
                   dry_run: bool = False) -> ButtonResult:
    """Merge a remediation plan document into "Khắc phục" of the open book."""
    return run_handler(book, "Nhập khắc phục", lambda: _nhap_khac_phuc(book, document, dry_run))


def _nhap_khac_phuc(book: xw.Book, document: str | os.PathLike[str] | None, dry_run: bool) -> ButtonResult:
    from cchc_xl.ingest.index_docs import plan_remediation_import

    path = _document(document, book)
    sheets = master_sheets(book)
    result, edits = plan_remediation_import(sheets, path, file=book.name, formulas=book_formula_refs(
        book, (S.SHEET_REMEDIATION, S.SHEET_TASKS)))
    m = result.merge
    head = (f"Đọc {path.name}: {result.items} nội dung khắc phục. Thêm {len(m.added)}, cập nhật "
            f"{len(m.changes)} ô, giữ {len(m.kept)} ô cán bộ đã sửa, không đổi {m.unchanged}, không còn trong "
            f"tài liệu {len(m.gone)}.")
    findings = result.read + result.changes
    notes = [f.message for f in findings if f.severity != "info"]
    body = head + ("\n" + _listing(notes) if notes else "")
    if dry_run or m.is_empty:
        return ButtonResult(ok=True, message=body + ("\nChạy thử: sổ không thay đổi." if dry_run else ""),
                            findings=findings)
    _backup_saved(book)
    writer = _apply_edits(book, edits)
    return ButtonResult(ok=True, findings=findings, cells_written=writer.cells_written,
                        message=body + "\nĐã ghi vào sổ đang mở: hãy xem lại rồi lưu sổ (Ctrl+S).")


def nhap_chi_so(book: xw.Book, document: str | os.PathLike[str] | None = None, year: int | None = None,
                dry_run: bool = False) -> ButtonResult:
    """Index results (table or summary sentences) into "Chỉ số CCHC" of the open book."""
    return run_handler(book, "Nhập chỉ số", lambda: _nhap_chi_so(book, document, year, dry_run))


def _nhap_chi_so(book: xw.Book, document: str | os.PathLike[str] | None, year: int | None,
                 dry_run: bool) -> ButtonResult:
    from cchc_xl.ingest.index_docs import plan_index_import

    path = _document(document, book)
    sheets = master_sheets(book)
    try:
        result, edits = plan_index_import(sheets, path, year=year, file=book.name,
                                          formulas=book_formula_refs(book, (S.SHEET_INDEX, S.SHEET_TASKS)))
    except CchcError as exc:   # "--nam NĂM" is the command's way: a button cannot take it
        if exc.finding.code != catalog.INDEX_NO_YEAR.code:
            raise
        raise catalog.INDEX_NO_YEAR_BUTTON.error(master=book_path(book) or book.name, document=path,
                                                 file=path.name) from None
    errors = [f for f in result.findings if f.severity == "error"]
    notes = [str(f) for f in result.findings if f.severity != "info"]
    body = result.summary + ("\n" + _listing(notes) if notes else "")
    if dry_run or not result.changed:
        tail = "\nChạy thử: sổ không thay đổi." if dry_run else "\nSổ đã có đủ số liệu này."
        return ButtonResult(ok=not errors, message=body + tail, findings=result.findings)
    _backup_saved(book)
    writer = _apply_edits(book, edits)
    return ButtonResult(ok=not errors, findings=result.findings, cells_written=writer.cells_written,
                        message=body + "\nĐã ghi vào sổ đang mở: hãy xem lại rồi lưu sổ (Ctrl+S).")


# ------------------------------------------------------------------ VBA entries

def btn_kiem_tra() -> None:
    """VBA: ``RunPython "import cchc_xl.xl.buttons as b; b.btn_kiem_tra()"``."""
    kiem_tra(xw.Book.caller())


def btn_tao_phieu() -> None:
    """VBA: ``RunPython "import cchc_xl.xl.buttons as b; b.btn_tao_phieu()"``."""
    tao_phieu(xw.Book.caller())


def btn_tong_hop() -> None:
    """VBA: ``RunPython "import cchc_xl.xl.buttons as b; b.btn_tong_hop()"``."""
    tong_hop(xw.Book.caller())


def btn_phan_hoi() -> None:
    """VBA: ``RunPython "import cchc_xl.xl.buttons as b; b.btn_phan_hoi()"``."""
    phan_hoi(xw.Book.caller())


def btn_bao_cao_quy() -> None:
    """VBA: ``RunPython "import cchc_xl.xl.buttons as b; b.btn_bao_cao_quy()"``."""
    bao_cao_quy(xw.Book.caller())


def ask_document(book: xw.Book, title: str, filters: str) -> str | None:
    """The file the official picks in Excel's "Open" dialog (desktop Excel); None if cancelled."""
    try:
        chosen = book.app.api.GetOpenFilename(filters, 1, title)
    except Exception:        # no dialog (JSON book, server): the caller reports "no document"
        return None
    return chosen if isinstance(chosen, str) and chosen not in ("", "False") else None


DOC_FILTER = "Tài liệu (*.docx;*.txt;*.md),*.docx;*.txt;*.md"
INDEX_FILTER = ("Bảng điểm hoặc văn bản (*.xlsx;*.csv;*.tsv;*.docx;*.txt;*.md),"
                "*.xlsx;*.csv;*.tsv;*.docx;*.txt;*.md")


def btn_nhap_khac_phuc() -> None:
    """VBA: ``RunPython "import cchc_xl.xl.buttons as b; b.btn_nhap_khac_phuc()"`` (asks for the file)."""
    book = xw.Book.caller()
    nhap_khac_phuc(book, ask_document(book, "Chọn Kế hoạch khắc phục", DOC_FILTER))


def btn_nhap_chi_so() -> None:
    """VBA: ``RunPython "import cchc_xl.xl.buttons as b; b.btn_nhap_chi_so()"`` (asks for the file)."""
    book = xw.Book.caller()
    nhap_chi_so(book, ask_document(book, "Chọn bảng điểm / kết quả Chỉ số CCHC", INDEX_FILTER))
