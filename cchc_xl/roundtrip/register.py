"""Keep the register "Tình hình gửi phiếu" of a master file up to date.

Tạo phiếu (``record_split``) and gửi email (``record_mailing``) read the register from
the master (python-calamine), apply their event (``core.register``) and write back only
the cells that change (patched into the xlsx package; a master without the sheet gets it
added with openpyxl).  Tổng hợp writes its part together with the merge
(``consolidate.register``); the Excel buttons write the same cells into the open book
(``book_issue_edits``, ``book_return_edits``).  Nothing is written when nothing changes,
so a second Tổng hợp of the same files leaves the master byte for byte as it was.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from cchc_xl.core.reasons import why_unreadable
from cchc_xl.core import register as R
from cchc_xl.core import schema as S
from cchc_xl.core.findings import catalog
from cchc_xl.files.excel import calamine_sheet
from cchc_xl.files.xlsx_patch import PatchUnsupported, patch_xlsx
from cchc_xl.files.safeio import guarded_write
from cchc_xl.workbook.cells import put
from cchc_xl.workbook.register_sheet import add_register_sheet, register_cell_edits


def register_rows(path: str | os.PathLike[str]) -> list[list[Any]] | None:
    """Cell values of the master's register sheet (``None`` when the sheet is absent)."""
    p = Path(path)
    try:
        return calamine_sheet(p, S.SHEET_SUBMISSIONS)
    except Exception as exc:  # not a workbook / corrupt
        raise catalog.BAD_MASTER.error(why=why_unreadable(exc), file=p.name) from None


def read_register(path: str | os.PathLike[str]) -> list[R.Submission]:
    """The register of a master file ([] when it has none yet)."""
    return R.read_submissions(register_rows(path) or [])


REGISTER_ACTION = "ghi trang 'Tình hình gửi phiếu'"   # "{action}" of the write findings


def write_register(path: str | os.PathLike[str], subs: Sequence[R.Submission], *,
                   old_rows: Sequence[Sequence[Any]] | None = None, make_backup: bool = True) -> bool:
    """Write ``subs`` into the master's register.  Returns whether the file changed.

    Through ``guarded_write``: a master open in Excel/LibreOffice, read-only or on a full
    disk is refused (``CchcError``) and left as it was."""
    p = Path(path)
    rows = register_rows(p) if old_rows is None else old_rows
    edits = register_cell_edits(rows or [], subs)
    if not edits or (rows is None and not subs):
        return False
    if rows is None:
        _refuse_openpyxl(p)
    with guarded_write(p, REGISTER_ACTION, make_backup=make_backup) as w:
        if rows is not None:
            try:
                patch_xlsx(p, w.tmp, {S.SHEET_SUBMISSIONS: edits})
                return True
            except PatchUnsupported:
                _refuse_openpyxl(p)
        _write_openpyxl(p, w.tmp, subs)
    return True


def _refuse_openpyxl(path: Path) -> None:
    """openpyxl drops charts and pictures it reads: a master holding some is not rewritten
    (``CchcError`` "register_no_sheet", a warning for the caller to show)."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        if any(n.startswith(("xl/charts/", "xl/drawings/", "xl/media/")) for n in z.namelist()):
            raise catalog.REGISTER_NO_SHEET.error(what="tình hình gửi phiếu", file=path.name)


def _write_openpyxl(path: Path, target: Path, subs: Sequence[R.Submission]) -> None:
    """Fallback (master without the sheet, unusual package): add/fill the sheet with openpyxl,
    the book read from ``path`` saved as ``target``."""
    from openpyxl import load_workbook

    from cchc_xl.files.excel import save_xlsx

    wb = load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm")
    ws = add_register_sheet(wb)
    old = [list(r) for r in ws.iter_rows(values_only=True)]
    for (r, c), v in register_cell_edits(old, subs).items():
        cell = put(ws, r, c, v)
        if isinstance(v, (dt.date, dt.datetime)):
            cell.number_format = "dd/mm/yyyy"
    save_xlsx(wb, target)


# ---------------------------------------------------------------- events

def record_split(path: str | os.PathLike[str], period: str, units: Iterable[tuple[str, str]], *,
                 version: int, issued_on: dt.date, due: dt.date | None,
                 today: dt.date | None = None) -> list[R.Submission]:
    """Tạo phiếu wrote workbook ``version`` of ``period`` for ``units`` (code, name)."""
    rows = register_rows(path)
    subs = R.record_issue(R.read_submissions(rows or []), period, units, version=version,
                          issued_on=issued_on, due=due, today=today or dt.date.today())
    write_register(path, subs, old_rows=rows, make_backup=False)
    return subs


def record_mailing(path: str | os.PathLike[str], period: str, units: Iterable[tuple[str, str]], *,
                   due: dt.date, mailed: Iterable[str] = (), today: dt.date | None = None) -> bool:
    """gửi email: store the deadline ``--han`` for ``units`` (code, name) and today's date
    as the mailing date of the units in ``mailed`` (really sent).  Returns whether it changed."""
    day = today or dt.date.today()
    rows = register_rows(path)
    subs = R.read_submissions(rows or [])
    sent = set(mailed)
    units = list(units)
    for group, mailed_on in (([u for u in units if u[0] in sent], day), ([u for u in units if u[0] not in sent], None)):
        if group:
            subs = R.record_deadline(subs, period, group, due=due, mailed_on=mailed_on, today=day)
    return write_register(path, subs, old_rows=rows)


# ---------------------------------------------------------------- a live Book (Excel buttons)

def _refs(edits: Mapping[tuple[int, int], Any]) -> dict[str, Any]:
    from openpyxl.utils import get_column_letter

    return {f"{get_column_letter(c)}{r}": v for (r, c), v in edits.items()}


def book_issue_edits(sheets: Mapping[str, Sequence[Sequence[Any]]], period: str,
                     units: Iterable[tuple[str, str]], *, version: int, issued_on: dt.date,
                     due: dt.date | None) -> dict[str, Any]:
    """Cells ("E5": value) of the open master's register after Tạo phiếu ({} without the sheet)."""
    rows = sheets.get(S.SHEET_SUBMISSIONS)
    if rows is None:
        return {}
    subs = R.record_issue(R.read_submissions(rows), period, units, version=version, issued_on=issued_on,
                          due=due, today=dt.date.today())
    return _refs(register_cell_edits(rows, subs))


def book_return_edits(sheets: Mapping[str, Sequence[Sequence[Any]]], plan: Any, files: Sequence[Path], *,
                      now: dt.datetime | None = None) -> dict[str, Any]:
    """Cells of the open master's register after Tổng hợp ({} without the sheet)."""
    from cchc_xl.roundtrip.consolidate.register import return_edits

    rows = sheets.get(S.SHEET_SUBMISSIONS)
    if rows is None:
        return {}
    return _refs(return_edits(rows, plan, files, now=now))
