"""Writing a plan into the master, and ``consolidate`` (read + plan + backup + write).

Adapters applying a ``ConsolidationPlan``: ``apply_with(setter, appender, plan)``
(generic, used with a live xlwings Book), ``apply_to_openpyxl(wb, plan)``, and
``plan_patch`` + ``files.xlsx_patch.patch_xlsx``, which edits the changed cells directly
in the xlsx package: fast on large masters, and keeps everything openpyxl would drop
(charts, images, VBA).  ``consolidate`` backs the master up first and writes it
atomically; it patches the package and falls back to openpyxl when the patcher refuses.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from openpyxl.utils import column_index_from_string, get_column_letter

from cchc_xl.core import schema as S
from cchc_xl.core.findings import catalog
from cchc_xl.core.safety import starts_like_formula
from cchc_xl.files.memory import gc_paused, release_free_memory
from cchc_xl.files.package import refuse_openpyxl_losses
from cchc_xl.files.safeio import check_can_write, file_sha256, guarded_write, save_workbook_guarded
from cchc_xl.files.xlsx_patch import Append, PatchUnsupported, patch_xlsx
from cchc_xl.roundtrip.consolidate.check import refuse_if_unsafe, refuse_outgoing_folder
from cchc_xl.roundtrip.consolidate.merge import plan_consolidation
from cchc_xl.roundtrip.consolidate.plan import ConsolidationPlan, ConsolidationResult, Progress
from cchc_xl.roundtrip.consolidate.read import _ReadAhead
from cchc_xl.roundtrip.consolidate.register import return_edits
from cchc_xl.roundtrip.consolidate.state import master_state_from_sheets
from cchc_xl.roundtrip.folders import unread_entries
from cchc_xl.workbook.cells import put
from cchc_xl.workbook.cells import set_value
from cchc_xl.workbook.master import write_table
from cchc_xl.workbook.returned import iter_unit_files

WRITE_ACTION = "ghi kết quả tổng hợp vào sổ"


def consolidate(master_path: str | os.PathLike[str],
                inbox_dir_or_files: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], *,
                as_of: dt.date | None = None, user: str = "", dry_run: bool = False,
                progress: Progress | None = None, engine: str = "auto",
                now: dt.datetime | None = None) -> ConsolidationResult:
    """Tổng hợp: merge returned unit workbooks into the master file.

    Backs the master up (``sao_luu/``) and writes it atomically; ``dry_run``
    writes nothing.  ``engine``: "auto" (patch the xlsx in place, openpyxl if the
    package layout is unusual), "patch" or "openpyxl".
    """
    path = Path(master_path)
    if not path.exists():
        raise catalog.NO_MASTER.error(file=str(path))
    with gc_paused():
        return _consolidate(path, inbox_dir_or_files, as_of=as_of, user=user, dry_run=dry_run,
                            progress=progress, engine=engine, now=now)


def _consolidate(path: Path, inbox_dir_or_files: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], *,
                 as_of: dt.date | None, user: str, dry_run: bool, progress: Progress | None, engine: str,
                 now: dt.datetime | None) -> ConsolidationResult:
    """``consolidate`` for an existing master ``path``, with garbage collection paused."""
    if not dry_run:
        check_can_write(path, WRITE_ACTION)   # open in Excel/LibreOffice, read-only, no room: say so first
    sha_before = file_sha256(path)
    files = iter_unit_files(inbox_dir_or_files)
    files = [f for f in files if f.resolve() != path.resolve()]
    # the master and the returned files are read together (python-calamine runs without the
    # GIL); the master state is built meanwhile
    as_of = as_of or dt.date.today()
    with _ReadAhead(files, master=path, as_of=as_of) as reader:
        values = reader.master_values()
        submissions = values.get(S.SHEET_SUBMISSIONS)   # the register's rows; the rest is freed below
        state = master_state_from_sheets(values, file=path.name, fast="light", texts=False, consume=True)
        del values
        release_free_memory()   # the master's cell values: the merge starts from the state only
        state.data.path = str(path)
        refuse_if_unsafe(state, "tổng hợp")
        now = now or dt.datetime.now()
        plan = plan_consolidation(state, returns=files, as_of=as_of, user=user, now=now, progress=progress,
                                  _reader=reader)
        refuse_outgoing_folder(plan, _where(inbox_dir_or_files, files))
        if isinstance(inbox_dir_or_files, (str, os.PathLike)) and Path(inbox_dir_or_files).is_dir():
            plan.findings.extend(unread_entries(inbox_dir_or_files))   # subfolders, lock files: listed
        # "Tình hình gửi phiếu": which file each unit returned, when, what was refused (same write)
        register = return_edits(submissions, plan, files, now=now) if submissions is not None else {}
        del state  # the plan is all the write needs: the master's state is freed before it
    release_free_memory()
    result = ConsolidationResult(plan=plan, master=path, dry_run=dry_run)
    if dry_run or (plan.is_empty and not register):
        return result
    if file_sha256(path) != sha_before:
        raise catalog.MASTER_CHANGED.error(action="tổng hợp", file=path.name)
    result.backup = _write_master(path, plan, engine, register)  # the file is unchanged: same sha-256
    result.written = True
    return result


def _where(inbox: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], files: list[Path]) -> str:
    """The folder (or the files) a run was given, as the official named it."""
    if isinstance(inbox, (str, os.PathLike)):
        return str(inbox)
    folders = {str(f.parent) for f in files}
    return folders.pop() if len(folders) == 1 else ", ".join(f.name for f in files)


def _write_master(path: Path, plan: ConsolidationPlan, engine: str,
                  register: Mapping[tuple[int, int], Any] | None = None) -> Path | None:
    """Write ``plan`` into the master file ``path`` (atomically): patch the package, or
    with openpyxl when the patcher refuses it (``engine="auto"``) or when asked.
    ``register``: cells of "Tình hình gửi phiếu" ({(row, column): value}) written too."""
    if engine in ("auto", "patch"):
        try:
            edits, appends = plan_patch(plan)
            if register:
                edits[S.SHEET_SUBMISSIONS] = dict(register)
            with guarded_write(path, WRITE_ACTION) as w:   # backup, atomic, clean failure
                patch_xlsx(path, w.tmp, edits, appends)
            return w.backup
        except PatchUnsupported:
            if engine == "patch":
                raise
    from openpyxl import load_workbook

    # openpyxl rewrites the whole package: refuse rather than drop what the official added
    refuse_openpyxl_losses(path, WRITE_ACTION)
    wb = load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm")
    apply_to_openpyxl(wb, plan)
    for (r, c), value in (register or {}).items():
        cell = put(wb[S.SHEET_SUBMISSIONS], r, c, value)
        if isinstance(value, (dt.date, dt.datetime)):
            cell.number_format = "dd/mm/yyyy"
    return save_workbook_guarded(wb, path, WRITE_ACTION).backup


def _excel_text(value: Any) -> Any:
    """Text typed into a live Excel: formula-like text (``core.safety``) gets the quote prefix."""
    if starts_like_formula(value):
        return "'" + value
    return value


def apply_with(setter: Callable[[str, str, Any], None], appender: Callable[[str, list[Any]], None],
               plan: ConsolidationPlan, *, excel_safe: bool = False) -> None:
    """Apply ``plan`` through callbacks: ``setter(sheet, "M12", value)``, ``appender(sheet, row values)``.

    Rows are appended to "Báo cáo đơn vị" (``schema.UNIT_REPORT_COLUMNS`` order) and
    "Nhật ký" (``schema.AUDIT_COLUMNS`` order).  With ``excel_safe`` formula-like text
    (``core.safety.starts_like_formula``) gets a leading apostrophe, so a live Excel keeps it as text.
    """
    fix = _excel_text if excel_safe else (lambda v: v)
    for c in plan.changes:
        setter(c.sheet, c.cell, fix(c.new))
    for r in plan.new_unit_reports:
        appender(S.SHEET_UNIT_REPORTS, [fix(v) for v in r.cells()])
    for row in plan.audit_rows:
        appender(S.SHEET_AUDIT, [fix(v) for v in row])


def _ws_last_row(ws) -> int:
    for row in range(ws.max_row, S.HEADER_ROW, -1):
        if any(c.value not in (None, "") for c in ws[row]):
            return row
    return S.HEADER_ROW


def apply_to_openpyxl(wb, plan: ConsolidationPlan) -> None:
    """Apply ``plan`` to an openpyxl workbook in memory (cells changed in place)."""
    titles = {S.SHEET_AUDIT: ("NHẬT KÝ TỔNG HỢP", S.AUDIT_COLUMNS),
              S.SHEET_UNIT_REPORTS: ("BÁO CÁO CỦA TỪNG ĐƠN VỊ (nhiệm vụ nhiều đơn vị chủ trì)",
                                     S.UNIT_REPORT_COLUMNS)}
    next_row: dict[str, int] = {}

    def sheet(name: str):
        if name not in wb.sheetnames:
            title, cols = titles[name]
            write_table(wb.create_sheet(name), cols, [], title=title)
        return wb[name]

    def put(ws, ref: str, value: Any) -> None:
        set_value(ws[ref], value)     # text, never a formula

    def setter(name: str, ref: str, value: Any) -> None:
        put(sheet(name), ref, value)

    def appender(name: str, values: list[Any]) -> None:
        ws = sheet(name)
        r = next_row.get(name) or _ws_last_row(ws) + 1
        for j, v in enumerate(values, start=1):
            put(ws, f"{get_column_letter(j)}{r}", v)
        next_row[name] = r + 1

    apply_with(setter, appender, plan)


def plan_cell_edits(plan: ConsolidationPlan) -> dict[str, dict[tuple[int, int], Any]]:
    """{sheet: {(row, column): value}} for ``patch_xlsx`` (appends at ``plan.next_rows``)."""
    edits: dict[str, dict[tuple[int, int], Any]] = {}
    cols: dict[str, int] = {}
    for c in plan.changes:
        letters = c.cell.rstrip("0123456789")
        col = cols.get(letters) or cols.setdefault(letters, column_index_from_string(letters))
        edits.setdefault(c.sheet, {})[(c.row, col)] = c.new
    for name, rows in ((S.SHEET_UNIT_REPORTS, [r.cells() for r in plan.new_unit_reports]),
                       (S.SHEET_AUDIT, plan.audit_rows)):
        if not rows:
            continue
        start = plan.next_rows.get(name)
        if not start:
            raise PatchUnsupported(f"không biết dòng cuối của trang {name}")
        target = edits.setdefault(name, {})
        for i, values in enumerate(rows, start=start):
            for j, v in enumerate(values, start=1):
                if v is not None and v != "":
                    target[(i, j)] = v
    return edits


def plan_patch(plan: ConsolidationPlan) -> tuple[dict[str, dict[tuple[int, int], Any]], dict[str, Append]]:
    """``plan_cell_edits`` split for ``patch_xlsx``: changed cells, and the appended rows of
    "Báo cáo đơn vị" and "Nhật ký" as whole rows (100 000 audit rows are not 1 000 000 edits)."""
    edits: dict[str, dict[tuple[int, int], Any]] = {}
    cols: dict[str, int] = {}
    for c in plan.changes:
        letters = c.cell.rstrip("0123456789")
        col = cols.get(letters) or cols.setdefault(letters, column_index_from_string(letters))
        edits.setdefault(c.sheet, {})[(c.row, col)] = c.new
    appends: dict[str, Append] = {}
    for name, rows, fixed in ((S.SHEET_UNIT_REPORTS, [r.cells() for r in plan.new_unit_reports], 0),
                              (S.SHEET_AUDIT, plan.audit_rows, S.AUDIT_FIXED_COLUMNS)):
        if not rows:
            continue
        start = plan.next_rows.get(name)
        if not start:
            raise PatchUnsupported(f"không biết dòng cuối của trang {name}")
        appends[name] = (start, rows, fixed)
    return edits, appends
