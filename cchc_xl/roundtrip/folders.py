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
