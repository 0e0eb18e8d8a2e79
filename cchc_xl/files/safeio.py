"""Nothing is lost: back up before writing, write atomically."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

BACKUP_DIR_NAME = "sao_luu"  # "backups", next to the file


def file_sha256(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def backup(path: str | os.PathLike[str], backup_dir: str | os.PathLike[str] | None = None,
           now: dt.datetime | None = None) -> Path | None:
    """Copy ``path`` to ``<dir>/sao_luu/<stem>_<YYYYmmdd-HHMMSS>.xlsx``; return the copy.

    Returns ``None`` when ``path`` does not exist yet (nothing to lose).
    """
    src = Path(path)
    if not src.exists():
        return None
    target_dir = Path(backup_dir) if backup_dir else src.parent / BACKUP_DIR_NAME
    target_dir.mkdir(parents=True, exist_ok=True)
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    dst = target_dir / f"{src.stem}_{stamp}{src.suffix}"
    n = 1
    while dst.exists():
        dst = target_dir / f"{src.stem}_{stamp}_{n}{src.suffix}"
        n += 1
    shutil.copy2(src, dst)
    return dst


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path in the same folder; on success it replaces ``path``.

    A crash (or an exception) while writing leaves the original file intact.
    """
    dst = Path(path)
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".~{dst.stem}.", suffix=dst.suffix, dir=dst.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb") as f:
            os.fsync(f.fileno())
        # mkstemp creates 0600: keep the old file's mode, else the usual umask default
        if dst.exists():
            os.chmod(tmp_path, dst.stat().st_mode & 0o777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, dst)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def save_workbook_atomic(wb, path: str | os.PathLike[str]) -> Path:
    """Save an openpyxl workbook atomically."""
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


# ---------------------------------------------------------------- confinement

def confined_path(root: str | os.PathLike[str], requested: str | os.PathLike[str]) -> Path:
    """``root/requested`` resolved, refused when it leaves ``root``.

    Refused (``CchcError`` "path_outside_work_dir"): a ``..`` component, a Windows drive or
    UNC prefix, an absolute path outside ``root``, a symbolic link (anywhere on the way)
    leading outside ``root``, control characters.  An absolute path inside ``root`` is
    accepted.  The folder need not exist yet.
    """
    from pathlib import PureWindowsPath

    from cchc_xl.core.findings import catalog

    text = os.fspath(requested).strip()
    base = Path(root).resolve()

    def refuse() -> Exception:
        return catalog.PATH_OUTSIDE.error(path=text, root=str(base))

    if any(ord(ch) < 32 for ch in text):
        raise refuse()
    win = PureWindowsPath(text)
    if ".." in Path(text).parts or ".." in win.parts:
        raise refuse()
    if os.name != "nt" and (win.drive or text.startswith("\\")):
        raise refuse()    # "C:\\..." or "\\\\server\\share" from a Windows client: not a path here
    try:
        target = (base / text).resolve()     # follows every symbolic link on the way
    except (OSError, RuntimeError, ValueError):
        raise refuse() from None
    if target != base and base not in target.parents:
        raise refuse()
    return target


def is_inside(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` (links followed) lies inside ``root``."""
    base = Path(root).resolve()
    try:
        target = Path(path).resolve()
    except (OSError, RuntimeError, ValueError):
        return False
    return target == base or base in target.parents
