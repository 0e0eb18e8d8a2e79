"""Nothing is lost: back up before writing, write atomically.

``guarded_write(path, action)`` is the one way a command writes a workbook the official
keeps (the master): it refuses first - with a Vietnamese message - when the file is open
in Excel or LibreOffice (their lock files beside it), read-only, in a folder that cannot
be written, or on a disk without room for the backup and the new file; then it backs the
file up (the copy is complete or absent) and yields a temporary path that replaces the
file only once fully written.  Any failure while writing (disk full, permission) becomes
a ``CchcError``: the file is untouched, the backup of this run and the temporary file are
removed.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from dataclasses import dataclass
from typing import Iterator

from cchc_xl.core.reasons import os_reason
from cchc_xl.core.findings import catalog
from cchc_xl.core.models import CchcError

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
    # copied under a temporary name first: a full disk never leaves half a backup behind
    tmp = dst.with_name(f".~{dst.name}.tmp")
    try:
        shutil.copy2(src, tmp)
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
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
    from cchc_xl.files.excel import save_xlsx   # openpyxl is loaded already: ``wb`` is one of its books

    with atomic_path(path) as tmp:
        save_xlsx(wb, tmp)
    return Path(path)


# ================================================================ guarded writes

LOCK_APPS = (("~$", "", "Excel"), (".~lock.", "#", "LibreOffice"))


def lock_files(path: str | os.PathLike[str]) -> list[tuple[Path, str]]:
    """Lock files Excel ("~$Name.xlsx") or LibreOffice (".~lock.Name.xlsx#") keep beside an open file."""
    p = Path(path)
    out = []
    for prefix, suffix, app in LOCK_APPS:
        lock = p.with_name(f"{prefix}{p.name}{suffix}")
        if lock.exists():
            out.append((lock, app))
    return out


def _size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MB".replace(".", ",")


def _read_only(p: Path) -> bool:
    """No write permission bit set (Windows' read-only attribute), or no access for this user."""
    try:
        return not (p.stat().st_mode & 0o222) or not os.access(p, os.W_OK)
    except OSError:
        return False


def check_can_write(path: str | os.PathLike[str], action: str, *, needed: int | None = None,
                    check_locks: bool = True) -> None:
    """Raise a ``CchcError`` when ``path`` cannot be replaced now (locks, read-only, no room).

    ``action``: what the command does, in Vietnamese ("ghi sổ tổng hợp", ...).
    ``needed``: bytes the write needs (default: twice the file - backup and new file - + 1 MB).
    """
    p = Path(path)
    name = p.name
    if check_locks:
        for lock, app in lock_files(p):
            raise catalog.MASTER_IN_USE.error(app=app, lock=lock.name, action=action, file=name)
    if p.exists() and _read_only(p):
        raise catalog.FILE_READ_ONLY.error(action=action, file=name)
    folder = p.parent if str(p.parent) else Path(".")
    if folder.exists() and _read_only(folder):
        raise catalog.FOLDER_READ_ONLY.error(folder=str(folder), action=action, file=name)
    size = p.stat().st_size if p.exists() else 0
    want = needed if needed is not None else 2 * size + (1 << 20)
    try:
        free = shutil.disk_usage(folder if folder.exists() else Path(".")).free
    except OSError:
        return
    if free < want:
        raise catalog.DISK_FULL.error(needed=_size(want), free=_size(free), action=action, file=name)


def write_error(exc: OSError, path: str | os.PathLike[str], action: str) -> CchcError:
    """The Vietnamese ``CchcError`` of an ``OSError`` met while writing ``path``."""
    name = Path(path).name
    err = exc.errno
    if err in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return catalog.DISK_FULL_WRITING.error(action=action, file=name)
    if err == errno.EROFS:
        return catalog.FOLDER_READ_ONLY.error(folder=str(Path(path).parent), action=action, file=name)
    if isinstance(exc, PermissionError) or err in (errno.EACCES, errno.EPERM):
        return catalog.WRITE_DENIED.error(action=action, file=name)
    return catalog.WRITE_ABORTED.error(action=action, why=os_reason(exc), file=name)


@dataclass
class GuardedWrite:
    """``tmp``: write the new file here; ``backup``: the copy made of the old file (or None)."""

    tmp: Path
    backup: Path | None


@contextmanager
def guarded_write(path: str | os.PathLike[str], action: str, *, make_backup: bool = True,
                  needed: int | None = None, check_locks: bool = True) -> Iterator[GuardedWrite]:
    """Check, back up, yield a temporary path; it replaces ``path`` when the block succeeds.

    On any failure ``path`` is untouched and neither the temporary file nor the backup of
    this call remain; an ``OSError`` becomes a Vietnamese ``CchcError``.
    """
    check_can_write(path, action, needed=needed, check_locks=check_locks)
    backup_dir = Path(path).parent / BACKUP_DIR_NAME
    new_dir = not backup_dir.exists()
    made: Path | None = None

    def undo() -> None:
        if made is not None:
            made.unlink(missing_ok=True)
        if new_dir and backup_dir.is_dir():
            try:
                backup_dir.rmdir()      # only when empty: made by this call
            except OSError:
                pass

    try:
        made = backup(path) if make_backup else None
        with atomic_path(path) as tmp:
            yield GuardedWrite(tmp, made)
    except OSError as exc:
        undo()
        raise write_error(exc, path, action) from None
    except BaseException:
        undo()
        raise


def save_workbook_guarded(wb, path: str | os.PathLike[str], action: str) -> GuardedWrite:
    """Save an openpyxl workbook through ``guarded_write`` (backup of the old file first)."""
    from cchc_xl.files.excel import save_xlsx

    with guarded_write(path, action) as w:
        save_xlsx(wb, w.tmp)
    return w


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
