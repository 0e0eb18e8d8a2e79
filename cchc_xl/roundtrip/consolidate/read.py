"""Reading the returned unit workbooks (python-calamine), ahead of the merge.

The returned files - and the master, when given - are read in background threads:
python-calamine parses without the GIL, so two threads read about 1.8 times as fast on
two cores.  Each reading thread also does the file-only part of the checks
(``check._prepare``).  Results come back in file order; an unreadable or damaged file
becomes a reason to reject it, never an exception.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

from cchc_xl.core.reasons import why_unreadable
from cchc_xl.core.findings import catalog
from cchc_xl.core.models import CchcError, Finding
from cchc_xl.files.safeio import file_sha256
from cchc_xl.roundtrip.consolidate.check import _Checker, _prepare, unread_content
from cchc_xl.roundtrip.bases import AppliedFiles
from cchc_xl.roundtrip.consolidate.plan import ACTION_FILE_DONE, Progress
from cchc_xl.roundtrip.consolidate.state import read_master_values
from cchc_xl.core.dispatch import unit_code_from_file_name
from cchc_xl.workbook.returned import ReturnedBook, read_unit_workbook

READ_THREADS = 2          # python-calamine parses without the GIL: 2 threads ~ 1.8x on 2 cores
_PARALLEL_MIN_FILES = 4
_META_WAIT = 60.0          # seconds a reading thread waits at most for the master's "_meta"
READ_AHEAD = 256          # files read ahead of the merge at most (each holds its cell values: ~0.25 MB)


@dataclass
class _Read:
    """Outcome of reading one returned file (a book, or why it cannot be used)."""

    path: Path
    book: ReturnedBook | None = None
    reason: Finding | None = None
    sha256: str = ""
    unreadable: bool = False   # OSError: no hash, no unit


def _read_one(path: Path, as_of: dt.date | None = None, done: frozenset[str] | None = None) -> _Read:
    """Read one returned file (and ``check._prepare`` it when ``as_of`` is given); never raises.
    ``done``: SHA-256 of files the master lists as consolidated: only what identifies them is read."""
    try:
        book = read_unit_workbook(path, done.__contains__ if done else None)
    except CchcError as exc:
        try:
            sha = file_sha256(path) if path.is_file() else ""
        except OSError:
            sha = ""
        return _Read(path, reason=exc.finding, sha256=sha)
    except OSError as exc:
        return _Read(path, reason=catalog.RETURN_UNREADABLE(why=why_unreadable(exc)), unreadable=True)
    except Exception as exc:  # anything else a damaged package makes the readers raise
        return _Read(path, reason=catalog.RETURN_DAMAGED(why=why_unreadable(exc)),
                     sha256=_sha_or_empty(path))
    if as_of is not None and not book.partial:
        try:
            _prepare(book, as_of)
        except Exception:  # only work done ahead: ``evaluate`` does it again (and reports)
            book.prepared.clear()
    return _Read(path, book=book)


def _sha_or_empty(path: Path) -> str:
    try:
        return file_sha256(path)
    except OSError:
        return ""


class _ReadAhead:
    """Reads the returned files - and the master, when given - in background threads.

    Results come back in the order of ``files``.  At most ``READ_AHEAD`` files are read
    ahead of the consumer (a finished read that nobody has taken yet holds the file's cell
    values).  With one CPU, few files or no thread available, everything is read in the
    calling thread instead (same results).
    """

    def __init__(self, files: Sequence[Path], master: Path | None = None, threads: int | None = None,
                 as_of: dt.date | None = None):
        self.files = list(files)
        self.master = master
        self.as_of = as_of  # cut-off date: the reading threads also do ``_prepare``
        n = threads if threads is not None else min(READ_THREADS, os.cpu_count() or 1)
        self.pool: ThreadPoolExecutor | None = None
        self.master_future: Future[dict[str, list[tuple[Any, ...]]]] | None = None
        self.futures: list[Future[_Read]] = []
        self.done: frozenset[str] | None = None    # files the master lists as consolidated
        # the reading threads start once the master's "_meta" says which files those are
        # (read first, in a fraction of a second): every run reads the same, whatever the timing
        self.meta_read = threading.Event()
        if master is None:
            self.meta_read.set()
        if n > 1 and len(self.files) >= _PARALLEL_MIN_FILES:
            try:
                self.pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="cchc-doc-phieu")
                if master is not None:
                    self.master_future = self.pool.submit(read_master_values, master, light=True,
                                                          on_meta=self._learn_done)
                    self.master_future.add_done_callback(lambda _: self.meta_read.set())   # also on error
                self.futures = [self.pool.submit(self._read, f) for f in self.files[:READ_AHEAD]]
            except RuntimeError:  # no thread can be started: read in this thread
                self.close()

    def _learn_done(self, applied: AppliedFiles) -> None:
        """From the master's "_meta" (read first): the files it lists as consolidated, whose
        cells the reading threads need not read from then on (a rerun over the same folder)."""
        try:
            if applied.found:
                self.done = frozenset(sha for sha, actions in applied.files.items()
                                      if any(a.split(":")[0] == ACTION_FILE_DONE for a in actions))
        finally:
            self.meta_read.set()

    def _read(self, path: Path) -> _Read:
        if self.pool is not None:     # a reading thread (in the caller's thread "_meta" came first)
            self.meta_read.wait(_META_WAIT)
        return _read_one(path, self.as_of, self.done)

    def master_values(self) -> dict[str, list[tuple[Any, ...]]]:
        """The master's cell values, handed over once: the reader keeps no reference, so
        they are freed as soon as the caller has built its state from them."""
        if self.master is None:
            raise ValueError("_ReadAhead: không có sổ tổng hợp")
        if self.master_future is not None:
            fut, self.master_future = self.master_future, None
            return fut.result()
        try:
            return read_master_values(self.master, light=True, on_meta=self._learn_done)
        finally:
            self.meta_read.set()

    def results(self) -> Iterator[_Read]:
        """Each file's outcome in file order; the reader keeps no reference to what it
        handed over (a consumer that drops a book frees it)."""
        if self.pool is not None and self.futures:
            for i in range(len(self.files)):
                if i + READ_AHEAD < len(self.files) and self.pool is not None:   # keep the window full
                    self.futures.append(self.pool.submit(self._read, self.files[i + READ_AHEAD]))
                fut = self.futures[i] if i < len(self.futures) else None
                if fut is None or fut.cancelled():   # closed meanwhile: the rest in this thread
                    yield self._read(self.files[i])
                    continue
                self.futures[i] = None
                yield fut.result()
                del fut
        else:
            for f in self.files:
                yield self._read(f)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def __enter__(self) -> "_ReadAhead":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _a_return(book: ReturnedBook, planner: _Checker) -> bool:
    """Whether ``book`` is a unit's return.  The rule (README, "Tổng hợp đọc những tệp nào"):
    a file whose tracking cells all hold what Tạo phiếu wrote (``_Checker.as_issued``) and
    that was never saved since it was written (``ReturnedBook.never_saved``: Excel and
    LibreOffice set the saved time when they save) is the form as issued - the attachment
    sent back untouched, or the outgoing folder: listed, not a return.  The same content
    saved again by the unit is a return that reports nothing new: merged (the unit is
    received) with a warning that says so, in the report and in the register.  What a return
    holds that is not read (other sheets, columns outside the table) is listed too."""
    if book.partial:        # listed as consolidated: dealt with (and listed) by an earlier run
        return True
    if planner.as_issued(book):
        if book.never_saved:
            planner.skip_as_issued(book)
            return False
        planner.plan.findings.append(catalog.RETURN_NO_CHANGE(unit=book.unit_code, file=book.name))
    planner.plan.findings.extend(unread_content(book))   # what the file holds that is not read: listed
    return True


def _load_returns(returns: Sequence[ReturnedBook | str | os.PathLike[str]], planner: _Checker,
                  progress: Progress | None, reader: _ReadAhead | None = None) -> list[ReturnedBook]:
    """Returned books in merge order; unusable files become whole-file rejections of ``planner``,
    forms as issued are listed (``_a_return``)."""
    books: list[ReturnedBook] = []
    total = len(returns)
    paths = [Path(r) for r in returns if not isinstance(r, ReturnedBook)]
    own = reader is None
    reader = reader or _ReadAhead(paths, as_of=planner.as_of)
    try:
        results = reader.results()
        for i, item in enumerate(returns, start=1):
            if isinstance(item, ReturnedBook):
                if _a_return(item, planner):
                    books.append(item)
            else:
                got = next(results)
                if got.book is not None:
                    if _a_return(got.book, planner):
                        books.append(got.book)
                elif got.unreadable:
                    planner.reject_file(None, got.path, got.reason or catalog.RETURN_UNREADABLE(why="?"))
                else:
                    planner.reject_file(None, got.path, got.reason or catalog.RETURN_UNREADABLE(why="?"), sha=got.sha256,
                                        unit=unit_code_from_file_name(got.path.name) or "")
            if progress:
                progress(i, total, f"Đọc phiếu: {Path(getattr(item, 'path', item)).name}")
    finally:
        if own:
            reader.close()
    return sorted(books, key=lambda b: b.order_key())


def _handed_over(books: list[ReturnedBook]) -> Iterator[ReturnedBook]:
    """The books in order, each removed from ``books`` as it is handed over: once merged, a
    returned file's cell values are freed (the merge keeps only what it planned), so the
    memory of a run does not hold every file until the end."""
    for i in range(len(books)):
        book, books[i] = books[i], None  # type: ignore[call-overload]
        yield book
