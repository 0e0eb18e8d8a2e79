"""A returned unit workbook, read with python-calamine (fast).

``read_unit_workbook`` gives what came back: the values of the data sheets, the
metadata and the items as sent (``_meta``, layout in ``core.dispatch``), which cells
hold formulas, the saved time and the file's SHA-256 - all claims for Tổng hợp to
check.  ``check_file_kind`` names what a file that cannot be a unit workbook is;
``iter_unit_files`` lists the files of an inbox.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from openpyxl.utils import get_column_letter

from cchc_xl.core.reasons import why_unreadable
from cchc_xl.core import schema as S
from cchc_xl.core.dispatch import DATA_SHEETS, ITEM_HEADERS, UNIT_KIND
from cchc_xl.core.findings import catalog
from cchc_xl.core.models import CchcError
from cchc_xl.core.tracking import base_values, decode_json_texts, fast_normalize
from cchc_xl.files.xlsx_patch import sheet_parts
from cchc_xl.files.package import check_package_size
from cchc_xl.files.sheet_scan import (check_value_box, error_cells, format_styles, format_symbols, formula_cells,
                                      styled_cells)


@dataclass(slots=True)
class ItemMeta:
    sheet: str
    id: str
    row: int
    fingerprint: str
    cell_text: str                  # per-cell hashes as written ("a1b2c3d4 ..."): see ``cells``
    base: dict[str, Any]
    master_base: dict[str, Any] | None = None   # master values as sent (items of several units)

    @property
    def cells(self) -> list[str]:
        """Short per-cell hashes of the locked cells (only needed to name a tampered cell:
        kept as the one text read, 12 strings per row less while hundreds of files are held)."""
        return self.cell_text.split()


@dataclass
class ReturnedBook:
    """A returned unit workbook as read by python-calamine."""

    path: Path
    sha256: str
    meta: dict[str, Any]
    items: dict[tuple[str, str], ItemMeta]          # (sheet, id) -> as sent
    sheets: dict[str, list[list[Any]]]              # data sheets, rows from A1
    formula_cells: dict[str, set[str]] = field(default_factory=dict)
    # {sheet: {address: "#N/A"}}: Excel error values, which python-calamine reads as empty
    error_cells: dict[str, dict[str, str]] = field(default_factory=dict)
    # {sheet: {address: "0%"}}: cells shown as a percentage - "80%" typed in Excel is stored 0,8
    percent_cells: dict[str, dict[str, str]] = field(default_factory=dict)
    saved_at: dt.datetime | None = None              # docProps/core.xml "modified"
    made_at: dt.datetime | None = None               # docProps/core.xml "created"
    # docProps/core.xml names nobody as its last author, as Tạo phiếu writes it (a program that
    # saves the file names the user, or, like openpyxl, leaves the element out)
    core_as_written: bool = False
    mtime: float = 0.0
    warnings: list[str] = field(default_factory=list)
    # sheets Tổng hợp does not read (not a data sheet, "_meta", the guide or the feedback sheet)
    other_sheets: list[str] = field(default_factory=list)
    # only what identifies the file was read (its "_meta" keys, SHA-256, saved time): the
    # master lists it as consolidated already, so its cells and items were not read
    partial: bool = False
    # work done ahead by the reading thread (``roundtrip.consolidate.check._prepare``): sheet -> results
    prepared: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @functools.cached_property
    def name(self) -> str:
        return self.path.name

    @functools.cached_property
    def unit_code(self) -> str:
        return fast_normalize(self.meta.get("unit_code"))

    @property
    def created_at(self) -> str:
        return str(self.meta.get("created_at") or "")

    @property
    def never_saved(self) -> bool:
        """Whether the file was never saved since it was written: Excel and LibreOffice set
        docProps/core.xml "modified" when they save, and Tạo phiếu writes it equal to "created"
        with an empty "lastModifiedBy" (a form attached as it was issued, or the outgoing folder
        itself).  The times are to the second: the author element tells a save made within
        the second the form was written."""
        return self.saved_at is not None and self.saved_at == self.made_at and self.core_as_written

    def order_key(self) -> tuple:
        """Older returns first: metadata version/creation, saved time, then file mtime."""
        saved = self.saved_at.isoformat() if self.saved_at else ""
        return (_int(self.meta.get("master_version")), self.created_at, saved, self.mtime, self.name)


def _int(v: Any) -> int:
    try:
        return int(float(v))
    except (TypeError, ValueError):
        return 0


ACCEPTED_SUFFIXES = (".xlsx", ".xlsm")
# the sheets of a unit workbook besides its data sheets (Tổng hợp reads none of them for values)
KNOWN_SHEETS = (S.SHEET_META, S.SHEET_GUIDE, S.SHEET_FEEDBACK)
# the rectangle of values a sheet of a returned file may span: a unit workbook holds a few
# hundred rows of some twenty columns (the master's own sheets may reach MAX_VALUE_CELLS)
RETURN_MAX_CELLS = 1_000_000
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_file_kind(path: Path, data: bytes | None = None) -> None:
    """Raise ``CchcError`` (Vietnamese reason) for files that cannot be a unit workbook.

    ``data``: the file's content when already read (saves opening it again)."""
    suffix = path.suffix.lower()
    name = path.name
    if suffix == ".xls":
        raise catalog.RETURN_XLS.error(file=name)
    if suffix in (".csv", ".txt", ".tsv"):
        raise catalog.RETURN_CSV.error(file=name)
    if suffix not in ACCEPTED_SUFFIXES:
        raise catalog.NOT_EXCEL.error(suffix=path.suffix or "(không có)", file=name)
    size = path.stat().st_size if data is None else len(data)
    if size == 0:
        raise catalog.EMPTY_FILE.error(file=name)
    if data is None:
        with open(path, "rb") as f:
            head = f.read(8)
            rest = head + f.read() if head == _CFB_MAGIC else head
    else:
        head, rest = data[:8], data
    if head == _CFB_MAGIC:
        if "EncryptionInfo".encode("utf-16-le") in rest:
            raise catalog.ENCRYPTED.error(file=name)
        raise catalog.RETURN_OLD_FORMAT.error(file=name)
    if not zipfile.is_zipfile(path if data is None else io.BytesIO(data)):
        raise catalog.RETURN_NOT_ZIP.error(file=name)


def read_unit_workbook(path: str | os.PathLike[str],
                       skip_cells: Callable[[str], bool] | None = None) -> ReturnedBook:
    """Read a returned unit workbook with python-calamine (raises ``CchcError`` when unusable).

    The file is read once: its SHA-256, the cell values and the package scan come from
    the same bytes.  Safe to call from several threads (python-calamine parses without
    holding the GIL; ``consolidate`` reads the returned files in parallel).
    ``skip_cells(sha256)`` true: the data sheets and the items are not read
    (``ReturnedBook.partial``; a file the master lists as consolidated already).
    """
    import python_calamine as pc

    p = Path(path)
    if p.suffix.lower() not in ACCEPTED_SUFFIXES:
        check_file_kind(p)  # raises the reason (by name: the file is not read)
    check_package_size(p)         # before anything decompresses it (zip bomb)
    data = p.read_bytes()
    check_file_kind(p, data)
    sha = hashlib.sha256(data).hexdigest()
    partial = skip_cells is not None and skip_cells(sha)
    try:   # what calamine does not show (formulas, saved time, links), and a rectangle it can read
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            scan = _scan_package(z, p.name, partial)
    except CchcError:
        raise
    except Exception as exc:  # zip/xml errors
        raise catalog.RETURN_DAMAGED.error(why=why_unreadable(exc), file=p.name) from None
    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except pc.PasswordError:
        raise catalog.ENCRYPTED.error(file=p.name) from None
    except Exception as exc:  # zip/xml errors
        raise catalog.RETURN_DAMAGED.error(why=why_unreadable(exc), file=p.name) from None
    try:
        names = wb.sheet_names
        if S.SHEET_META not in names:
            raise catalog.NO_META.error(file=p.name)
        meta_rows = wb.get_sheet_by_name(S.SHEET_META).to_python(skip_empty_area=False)
        sheets = {} if partial else {n: wb.get_sheet_by_name(n).to_python(skip_empty_area=False)
                                     for n in DATA_SHEETS if n in names}
    except CchcError:
        raise
    except Exception as exc:  # a sheet part that does not parse
        raise catalog.RETURN_DAMAGED.error(why=why_unreadable(exc), file=p.name) from None
    finally:
        wb.close()
    meta = {str(r[0]): (r[1] if len(r) > 1 else None) for r in meta_rows if r and r[0] not in (None, "")}
    if meta.get("kind") != UNIT_KIND:
        raise (catalog.MASTER_AS_RETURN if meta.get("kind") == "master" else catalog.NOT_UNIT_BOOK).error(
            file=p.name)
    return ReturnedBook(path=p, sha256=sha, meta=meta, items={} if partial else _read_items(meta_rows, p.name),
                        sheets=sheets, mtime=p.stat().st_mtime, partial=partial,
                        formula_cells=scan.formula_cells, error_cells=scan.error_cells,
                        percent_cells=scan.percent_cells, saved_at=scan.saved_at,
                        made_at=scan.made_at, core_as_written=scan.core_as_written,
                        warnings=scan.warnings,
                        other_sheets=[n for n in names if n not in DATA_SHEETS and n not in KNOWN_SHEETS])


def _read_items(rows: list[list[Any]], fname: str) -> dict[tuple[str, str], ItemMeta]:
    header = rows[0] if rows else []
    idx = {h: i for i, h in enumerate(header) if isinstance(h, str) and h in ITEM_HEADERS}
    if not set(ITEM_HEADERS[:6]) <= set(idx):
        raise catalog.BAD_META.error(file=fname, sheet=S.SHEET_META)
    si, ii, ri, fi, ci, bi = (idx[k] for k in ITEM_HEADERS[:6])
    mi = idx.get("master_base")
    width = max(idx.values()) + 1
    entries: list[tuple[str, str, Sequence[Any]]] = []
    for r in rows[1:]:
        if len(r) < width:
            r = [*r, *[""] * (width - len(r))]
        sheet, item_id = str(r[si] or ""), fast_normalize(r[ii])
        if sheet and item_id:
            entries.append((sheet, item_id, r))
    texts = [str(r[bi] or "{}") for _, _, r in entries]
    # items sent in the same state have the same base text: each distinct text is decoded once
    # and its values shared (read only: the merge never changes a base in place)
    distinct = list(dict.fromkeys(texts))
    decoded = dict(zip(distinct, decode_json_texts(distinct)))
    bases: dict[str, dict[str, Any]] = {}
    out: dict[tuple[str, str], ItemMeta] = {}
    for (sheet, item_id, r), text in zip(entries, texts):
        shared = r[mi] if mi is not None else ""
        try:
            base = bases.get(text)
            if base is None:
                base = bases[text] = base_values(decoded[text])    # None (did not decode): ValueError
            master_base = base_values(json.loads(str(shared))) if shared else None
        except (ValueError, TypeError, RecursionError):  # JSONDecodeError is a ValueError
            raise catalog.BAD_META_BASE.error(item=item_id, file=fname, sheet=S.SHEET_META) from None
        row, fp, cells = r[ri], r[fi], r[ci]
        out[(sheet, item_id)] = ItemMeta(
            sheet, item_id, int(row) if type(row) is float and row.is_integer() else _int(row),
            fp if type(fp) is str else str(fp or ""),
            cells if type(cells) is str else str(cells or ""), base, master_base)
    return out


_MODIFIED = re.compile(rb'<dcterms:modified[^>]*>([^<]+)<')
_CREATED = re.compile(rb'<dcterms:created[^>]*>([^<]+)<')
_NO_AUTHOR = re.compile(rb'<cp:lastModifiedBy\s*/>|<cp:lastModifiedBy>\s*</cp:lastModifiedBy>')


@dataclass
class _Scan:
    formula_cells: dict[str, set[str]] = field(default_factory=dict)
    error_cells: dict[str, dict[str, str]] = field(default_factory=dict)
    percent_cells: dict[str, dict[str, str]] = field(default_factory=dict)
    saved_at: dt.datetime | None = None
    made_at: dt.datetime | None = None
    core_as_written: bool = False
    warnings: list[str] = field(default_factory=list)


# Excel's built-in percentage formats (not written in styles.xml)
_BUILTIN_PERCENT = {9: "0%", 10: "0.00%"}


def _percent_format(code: str) -> bool:
    """A number format showing a percentage ("0%", "0.0%", "#,##0.00%"), literal text aside."""
    return "%" in format_symbols(code)


def _core_time(core: bytes, pattern: re.Pattern[bytes]) -> dt.datetime | None:
    """A time of docProps/core.xml ("created", "modified"), as UTC without a time zone."""
    m = pattern.search(core)
    if not m:
        return None
    try:
        when = dt.datetime.fromisoformat(m.group(1).decode().strip().replace("Z", ""))
        if when.tzinfo is not None:    # "+07:00": kept as UTC, like "Z" times
            when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return when
    except (ValueError, OverflowError, UnicodeDecodeError):
        return None


def _scan_package(z: zipfile.ZipFile, name: str, partial: bool) -> _Scan:
    """What python-calamine does not show - formula and error cells of the data sheets,
    the saved time, external links - and, before it reads a sheet, whether the rectangle of its values
    is small enough to read (``sheet_too_far``: one value typed at XFD1048576 would ask
    it for 512 GB).  ``partial``: only "_meta" is going to be read."""
    out = _Scan()
    names = set(z.namelist())
    parts = sheet_parts(z)
    percent = {} if partial else format_styles(z, _percent_format, _BUILTIN_PERCENT)
    for sheet in (S.SHEET_META, *(() if partial else DATA_SHEETS)):
        part = parts.get(sheet)
        if not part or part not in names:
            continue
        xml = z.read(part)
        check_value_box(xml, sheet=sheet, file=name, limit=RETURN_MAX_CELLS)
        if sheet != S.SHEET_META:
            cells = formula_cells(xml)
            if cells:
                out.formula_cells[sheet] = cells
            errors = error_cells(xml)
            if errors:
                out.error_cells[sheet] = errors
            if percent:     # none in the workbooks Tạo phiếu writes: only when the unit made one
                shown = {f"{get_column_letter(c + 1)}{r + 1}": code
                         for (r, c), code in styled_cells(xml, percent).items()}
                if shown:
                    out.percent_cells[sheet] = shown
        del xml
    if "docProps/core.xml" in names:
        core = z.read("docProps/core.xml")
        out.saved_at, out.made_at = _core_time(core, _MODIFIED), _core_time(core, _CREATED)
        out.core_as_written = _NO_AUTHOR.search(core) is not None
    if any(n.startswith("xl/externalLinks/") for n in names):
        out.warnings.append("Tệp có liên kết ngoài/DDE (externalLinks): các liên kết này bị bỏ qua")
    return out


def iter_unit_files(inbox: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files to consolidate: a folder (non-recursive, no hidden/lock files) or explicit files."""
    if isinstance(inbox, (str, os.PathLike)):
        p = Path(inbox)
        if p.is_dir():
            return sorted(f for f in p.iterdir()
                          if f.is_file() and not f.name.startswith((".", "~$")))
        return [p]
    return [Path(f) for f in inbox]
