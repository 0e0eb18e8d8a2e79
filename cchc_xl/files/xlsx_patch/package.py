"""``patch_xlsx``: the package read and written.  Every part is copied (re-compressed by a
background thread, ``_MemberWriter``), the calculation chain dropped, full recalculation
asked for on load, ``xl/styles.xml`` written last; each sheet to patch goes down the fast
path (streamed when big) or, when that misses, the general one (see "The package" and
"Two paths" in the contract, ``cchc_xl/files/xlsx_patch/__init__.py``).
"""

from __future__ import annotations

import os
import queue
import re
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Iterable, Mapping

from cchc_xl.files.xlsx_patch.cells import _Styles
from cchc_xl.files.xlsx_patch.fast import _FastPathMiss, _member_chunks, _patch_chunks_b, _patch_stream_b, _read_member
from cchc_xl.files.xlsx_patch.general import _patch_sheet
from cchc_xl.files.xlsx_patch.parts import _refuse_array_cells, _refuse_table_frames, sheet_parts
from cchc_xl.files.xlsx_patch.values import Append, PatchUnsupported, _checked_values


_DATE1904 = re.compile(rb'<(?:\w+:)?workbookPr\b[^>]*\bdate1904="(?:1|true)"')

_BUFFERED_PART = 4 << 20   # sheet parts up to 4 MB are patched in memory (see _patch_package)
_BUFFERED_ROWS = 5_000     # ... unless more rows than this are appended to them (the audit log)


def patch_xlsx(src: str | os.PathLike[str], dst: str | os.PathLike[str],
               edits: Mapping[str, Mapping[tuple[int, int], Any]],
               appends: Mapping[str, Append] | None = None, *,
               parts: Mapping[str, bytes] | None = None) -> None:
    """Copy the xlsx/xlsm ``src`` to ``dst`` with cell values replaced/added.

    ``edits``: {sheet name: {(row, column): value}} (1-based row and column); values are
    numbers, booleans, text (written as inline strings), dates (get a dd/mm/yyyy style)
    or None / "" (cleared) - see the contract (``xlsx_patch/__init__.py``) for every case.
    ``appends``: {sheet name: (first row, rows, fixed)}: whole rows added below the
    last row (``fixed`` leading columns repeat from row to row: built once per run).
    ``parts``: {zip part name: content} of ``src`` already read (a head start: the
    sheets' parts are not read again).
    Untouched parts are copied byte for byte (re-compressed); the calculation
    chain is dropped and Excel is asked to recalculate on open.

    Raises ``PatchUnsupported`` (before ``dst`` is complete: write ``dst`` to a temporary
    path) when the package uses a layout the patcher does not handle.
    """
    edits, appends = _checked_values(edits, appends or {})
    try:
        try:
            _patch_package(src, dst, edits, appends, fast=True, parts=parts)
        except _FastPathMiss:  # a sheet needs the general path: write the package again
            _patch_package(src, dst, edits, appends, fast=False, parts=parts)
    except UnicodeEncodeError as exc:  # a lone surrogate (e.g. from a file name) cannot be UTF-8
        raise PatchUnsupported("văn bản chứa ký tự không mã hóa được (UTF-8)") from exc


def _patch_package(src: str | os.PathLike[str], dst: str | os.PathLike[str],
                   edits: Mapping[str, Mapping[tuple[int, int], Any]], appends: Mapping[str, Append], *,
                   fast: bool, parts: Mapping[str, bytes] | None = None) -> None:
    """``patch_xlsx``; ``parts``: {zip part name: content} of ``src`` already read."""
    preread = parts or {}
    with zipfile.ZipFile(src) as zin:
        names = set(zin.namelist())
        if _DATE1904.search(zin.read("xl/workbook.xml")):
            raise PatchUnsupported("sổ dùng hệ ngày 1904")
        sheets = sheet_parts(zin)
        styles = _Styles(zin.read("xl/styles.xml").decode("utf-8")) if "xl/styles.xml" in names else None
        jobs: dict[str, tuple[dict[tuple[int, int], Any], Append | None]] = {}
        for sheet in [*edits, *[n for n in appends if n not in edits]]:
            cells, app = edits.get(sheet) or {}, appends.get(sheet)
            if not cells and not (app and app[1]):
                continue
            part = sheets.get(sheet)
            if not part or part not in names:
                raise PatchUnsupported(f"không có trang {sheet}")
            _refuse_table_frames(zin, names, part, cells, app)
            jobs[part] = (dict(cells), app)
        new: dict[str, bytes] = {}
        new["xl/workbook.xml"] = _full_calc_on_load(zin.read("xl/workbook.xml").decode("utf-8")).encode("utf-8")
        skip = {"xl/calcChain.xml"}
        if "xl/calcChain.xml" in names:
            ct = zin.read("[Content_Types].xml").decode("utf-8")
            new["[Content_Types].xml"] = re.sub(r'<Override\b[^>]*?PartName="/xl/calcChain\.xml"[^>]*/>', "",
                                                ct).encode("utf-8")
            rels = zin.read("xl/_rels/workbook.xml.rels").decode("utf-8")
            new["xl/_rels/workbook.xml.rels"] = re.sub(r'<Relationship\b[^>]*?Target="[^"]*calcChain\.xml"[^>]*/>',
                                                       "", rels).encode("utf-8")
        # level 1: the rewritten sheets of a big master compress 3-4 times faster; a second
        # thread compresses while the next chunk is patched (zlib runs without the GIL)
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout, \
                _MemberWriter(zout) as out:
            later: list[zipfile.ZipInfo] = []
            for info in zin.infolist():
                name = info.filename
                if name in skip:
                    continue
                if name == "xl/styles.xml" and styles is not None:
                    later.append(info)  # date styles may still be added by the sheets
                    continue
                if name in jobs:
                    cells, app = jobs[name]
                    if fast and name not in preread and (info.file_size > _BUFFERED_PART or
                                                         (app is not None and len(app[1]) > _BUFFERED_ROWS)):
                        # a big sheet - or one getting many rows - is read, patched and
                        # compressed window by window: never held whole
                        out.stream(info, _patch_stream_b(_member_chunks(zin, info), cells, styles, app))
                        continue
                    data = preread.get(name) or _read_member(zin, info)
                    _refuse_array_cells(data, cells)
                    if fast and len(data) <= _BUFFERED_PART:
                        # a small sheet (register, _meta...) is patched in memory: a cell the fast
                        # path cannot place sends this sheet alone down the general path
                        try:
                            patched = b"".join(_patch_chunks_b(data, cells, styles, app))
                        except _FastPathMiss:
                            patched = _patch_sheet(bytes(data).decode("utf-8"), cells, styles, app).encode("utf-8")
                        out.write(info, patched)
                    elif fast:
                        out.stream(info, _patch_chunks_b(data, cells, styles, app))
                    else:
                        out.write(info, _patch_sheet(bytes(data).decode("utf-8"), cells, styles, app)
                                  .encode("utf-8"))
                    del data  # a big sheet is held while it is patched, not after
                else:
                    out.write(info, new[name] if name in new else zin.read(name))
            for info in later:
                out.write(info, styles.render().encode("utf-8") if styles is not None and styles.changed
                          else zin.read(info.filename))


class _MemberWriter:
    """Writes zip members (deflate level 1) in order, in one background thread."""

    def __init__(self, zout: zipfile.ZipFile):
        """Write into ``zout`` from one background thread (in this thread when none can start)."""
        self.zout = zout
        self.pool: ThreadPoolExecutor | None = None
        self.futures: list[Future[None]] = []
        try:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cchc-ghi-so")
        except RuntimeError:
            self.pool = None

    @staticmethod
    def _info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
        """A fresh ``ZipInfo`` for ``info``'s member: same name, time and attributes, deflate level 1."""
        zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
        zi.compress_type = zipfile.ZIP_DEFLATED
        zi.external_attr = info.external_attr
        # the level ``ZipFile.open(..., "w")`` uses ("compress_level" from Python 3.13 on)
        setattr(zi, "compress_level" if hasattr(zi, "compress_level") else "_compresslevel", 1)
        return zi

    def _check(self) -> None:
        """Drop finished writes, raising the error of one that failed."""
        done = [f for f in self.futures if f.done()]
        for f in done:
            f.result()  # raise a write error early
            self.futures.remove(f)

    def write(self, info: zipfile.ZipInfo, data: bytes) -> None:
        """Write a member whose content is ready (in the background thread when there is one)."""
        zi = self._info(info)
        if self.pool is None:
            self.zout.writestr(zi, data, compresslevel=1)
            return
        self.futures.append(self.pool.submit(self.zout.writestr, zi, data, compresslevel=1))
        self._check()

    def stream(self, info: zipfile.ZipInfo, chunks: Iterable[bytes]) -> None:
        """Write a member from ``chunks``, compressing each one while the next is produced."""
        zi = self._info(info)
        if self.pool is None:
            with self.zout.open(zi, "w") as f:
                for chunk in chunks:
                    f.write(chunk)
            return
        q: queue.Queue[bytes | None] = queue.Queue(maxsize=8)
        fut = self.pool.submit(self._drain, zi, q)
        self.futures.append(fut)
        try:
            for chunk in chunks:
                while True:
                    try:
                        q.put(chunk, timeout=0.5)
                        break
                    except queue.Full:
                        if fut.done():  # the writer failed: stop producing, raise its error
                            fut.result()
        finally:
            if not fut.done():
                q.put(None)
        self._check()

    def _drain(self, zi: zipfile.ZipInfo, q: "queue.Queue[bytes | None]") -> None:
        """Background side of ``stream``: write the queued chunks until ``None``."""
        with self.zout.open(zi, "w") as f:
            while (chunk := q.get()) is not None:
                f.write(chunk)

    def __enter__(self) -> "_MemberWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        """Wait for every pending write; raise the first error."""
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None
        for f in self.futures:
            f.result()


def _full_calc_on_load(xml: str) -> str:
    """Ask Excel to recalculate every formula when the file is opened."""
    m = re.search(r"<calcPr\b[^>]*?/?>", xml)
    if m:
        tag = m.group(0)
        if "fullCalcOnLoad=" in tag:
            new = re.sub(r'fullCalcOnLoad="[^"]*"', 'fullCalcOnLoad="1"', tag)
        else:
            new = tag.replace("<calcPr", '<calcPr fullCalcOnLoad="1"', 1)
        return xml[:m.start()] + new + xml[m.end():]
    for marker in _CALC_AFTER:
        i = xml.find(marker)
        if i >= 0:
            return xml[:i] + '<calcPr fullCalcOnLoad="1"/>' + xml[i:]
    return xml


_CALC_AFTER = ("<oleSize", "<customWorkbookViews", "<pivotCaches", "<smartTagPr", "<smartTagTypes",
               "<webPublishing", "<fileRecoveryPr", "<webPublishObjects", "<extLst", "</workbook>")
