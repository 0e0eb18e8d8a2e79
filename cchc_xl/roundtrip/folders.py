"""Which files of a folder are unit workbooks (phiếu đơn vị).

One definition for the CLI (``tong-hop``, ``gui-email``) and the Excel buttons:
Excel lock files ("~$..."), hidden/temporary files (".~...", ".DS_Store") and the
files Windows puts into folders (desktop.ini, Thumbs.db) are never unit workbooks.
Everything else in an inbox is handed to the consolidation, which rejects a stray
.pdf or .xls with a Vietnamese reason, so the user learns about it.
"""

from __future__ import annotations

import os
from pathlib import Path

from cchc_xl.core.findings import catalog
from cchc_xl.core.models import Finding

SYSTEM_FILES = ("desktop.ini", "thumbs.db", ".ds_store")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def is_user_file(path: Path) -> bool:
    """A regular file a person put there (not a lock, hidden or system file)."""
    name = path.name
    return (path.is_file() and not name.startswith(("~$", "."))
            and name.lower() not in SYSTEM_FILES)


def returned_files(folder: str | os.PathLike[str]) -> list[Path]:
    """Files of an inbox folder to consolidate, sorted by name (not recursive).

    Raises ``CchcError`` when the folder does not exist.
    """
    p = Path(folder)
    if not p.is_dir():
        raise catalog.NO_INBOX.error(path=p)
    return sorted(f for f in p.iterdir() if is_user_file(f))


def unit_workbooks(folder: str | os.PathLike[str]) -> list[Path]:
    """Excel files (.xlsx/.xlsm) of a folder of unit workbooks, sorted by name."""
    return [f for f in returned_files(folder) if f.suffix.lower() in WORKBOOK_SUFFIXES]


def _lock_of(name: str) -> str | None:
    """The workbook an Excel ("~$Phieu.xlsx") or LibreOffice (".~lock.Phieu.xlsx#") lock file is for."""
    if name.startswith("~$"):
        return name[2:]
    if name.startswith(".~lock.") and name.endswith("#"):
        return name[len(".~lock."):-1]
    return None


def unread_entries(folder: str | os.PathLike[str]) -> list[Finding]:
    """What an inbox folder holds that Tổng hợp does not read, one warning each: subfolders
    holding workbooks (a return saved into "KT_gui_qua_zalo/"; they are never read) and
    the lock files of Excel/LibreOffice (a form someone has open).  Hidden and system files
    are not listed."""
    p = Path(folder)
    out: list[Finding] = []
    try:
        entries = sorted(p.iterdir())
    except OSError:
        return out
    for e in entries:
        if e.is_dir() and not e.name.startswith("."):
            books = sorted(f.relative_to(e).as_posix() for f in e.rglob("*")
                           if f.suffix.lower() in WORKBOOK_SUFFIXES and _lock_of(f.name) is None and f.is_file())
            if books:
                names = ", ".join(books[:3]) + (f" và {len(books) - 3} tệp khác" if len(books) > 3 else "")
                out.append(catalog.INBOX_SUBFOLDER_NOT_READ(folder=e.name, count=len(books), names=names))
        elif e.is_file() and (workbook := _lock_of(e.name)) is not None:
            out.append(catalog.INBOX_LOCK_FILE(name=e.name, workbook=workbook, file=e.name))
    return out
