"""What is inside an .xlsx/.xlsm package, read without trusting it.

``check_package_size`` looks at a returned workbook before anything decompresses it:
the number of zip entries, the sizes each entry declares, the compression ratio, and -
where the declared sizes cannot rule a zip bomb out - the real sizes, decompressed in
small chunks and stopped at the limit (memory stays bounded whatever the file says).

``package_additions`` lists what an official added to a master workbook that a
rebuild (``khoi-tao --ghi-de``) or an openpyxl load/save would drop: pictures, charts,
text boxes and shapes, comments, buttons and other controls, the VBA project, extra
sheets and defined names.
"""

from __future__ import annotations

import html
import io
import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable

from cchc_xl.core.findings import catalog
from cchc_xl.files.xlsx_patch import sheet_parts


def _unescape(text: str) -> str:
    return html.unescape(text)

MIB = 1 << 20
DEFLATE_MAX_RATIO = 1032     # deflate cannot expand one byte into more than ~1032 bytes
_CHUNK = 64 * 1024           # compressed bytes read at a time
_OUT_CHUNK = 1 * MIB         # decompressed bytes produced at a time


@dataclass(frozen=True)
class PackageLimits:
    """Limits of a returned unit workbook (a real one is far below every one of them)."""

    file_bytes: int = 64 * MIB       # the file itself
    entries: int = 2000              # zip entries
    entry_bytes: int = 64 * MIB      # one entry, decompressed
    total_bytes: int = 256 * MIB     # all entries, decompressed
    ratio: int = 200                 # decompressed / compressed size of one entry ...
    ratio_min_bytes: int = 4 * MIB   # ... for entries at least this big


LIMITS = PackageLimits()


@dataclass
class PackageSize:
    """What the check found: entries, declared total, and the entries really decompressed."""

    entries: int = 0
    declared_bytes: int = 0
    verified: int = 0                # entries whose real size was measured


def _size(n: float) -> str:
    if n >= MIB:
        return f"{n / MIB:.1f} MB".replace(".", ",")
    return f"{max(1, round(n / 1024))} KB"


def _bomb(name: str, why: str, limit: str):
    return catalog.ZIP_BOMB.error(why=why, limit=limit, file=name)


def check_package_size(source: str | os.PathLike[str] | bytes, *, name: str = "",
                       limits: PackageLimits = LIMITS) -> PackageSize:
    """Raise a ``CchcError`` (``zip_bomb``) naming the file when the package is too big to open.

    ``source``: a path, or the file's bytes (``name`` then names it in the message).
    Not-a-zip files pass through untouched: the readers report them with their own message.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        size = len(source)
        label = name or "tệp"
        opener = lambda: io.BytesIO(source)  # noqa: E731
    else:
        path = Path(source)
        label = name or path.name
        size = path.stat().st_size
        opener = lambda: open(path, "rb")  # noqa: E731
    if size > limits.file_bytes:
        raise _bomb(label, f"tệp dài {_size(size)}", _size(limits.file_bytes))
    with opener() as fh:
        try:
            infos = zipfile.ZipFile(fh).infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            return PackageSize()          # not a package: reported by the reader
        return _check_entries(fh, infos, label, limits)


def _check_entries(fh: BinaryIO, infos: list[zipfile.ZipInfo], label: str,
                   limits: PackageLimits) -> PackageSize:
    out = PackageSize(entries=len(infos))
    if len(infos) > limits.entries:
        raise _bomb(label, f"có {len(infos)} thành phần nén", f"{limits.entries} thành phần")
    bound_total = 0
    suspects: list[zipfile.ZipInfo] = []
    for info in infos:
        declared, packed = info.file_size, info.compress_size
        out.declared_bytes += declared
        if declared > limits.entry_bytes:
            raise _bomb(label, f"thành phần '{info.filename}' khai báo {_size(declared)} khi giải nén",
                        _size(limits.entry_bytes))
        if declared >= limits.ratio_min_bytes and declared > limits.ratio * max(packed, 1):
            raise _bomb(label, f"thành phần '{info.filename}' nén {declared // max(packed, 1)} lần "
                               f"({_size(packed)} thành {_size(declared)})", f"{limits.ratio} lần")
        if info.compress_type == zipfile.ZIP_STORED:
            bound = packed
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            bound = packed * DEFLATE_MAX_RATIO
        else:
            raise _bomb(label, f"thành phần '{info.filename}' dùng kiểu nén lạ ({info.compress_type})",
                        "kiểu nén của Excel (deflate)")
        bound_total += bound
        if bound > limits.entry_bytes or bound > declared + MIB:
            suspects.append(info)
    if out.declared_bytes > limits.total_bytes:
        raise _bomb(label, f"các thành phần khai báo tổng cộng {_size(out.declared_bytes)} khi giải nén",
                    _size(limits.total_bytes))
    if bound_total <= limits.total_bytes and not any(
            i.compress_size * DEFLATE_MAX_RATIO > limits.entry_bytes for i in suspects):
        return out      # even a lying header cannot exceed the limits: nothing to decompress
    real_total = 0
    for info in infos:
        if info.compress_type == zipfile.ZIP_STORED:
            real = info.compress_size
        else:
            cap = min(limits.entry_bytes, limits.total_bytes - real_total)
            real = _inflated_size(fh, info, cap)
            out.verified += 1
            if real > cap:
                if cap < limits.entry_bytes:
                    raise _bomb(label, "các thành phần giải nén ra hơn " + _size(limits.total_bytes),
                                _size(limits.total_bytes))
                raise _bomb(label, f"thành phần '{info.filename}' giải nén ra hơn {_size(cap)} "
                                   f"(khai báo {_size(info.file_size)})", _size(limits.entry_bytes))
        if real > info.file_size + MIB:
            raise _bomb(label, f"thành phần '{info.filename}' giải nén ra {_size(real)}, khác với "
                               f"{_size(info.file_size)} đã khai báo", "kích thước khai báo")
        real_total += real
    return out


def _inflated_size(fh: BinaryIO, info: zipfile.ZipInfo, cap: int) -> int:
    """Decompressed size of a deflate entry, counted in chunks; stops once above ``cap``."""
    fh.seek(info.header_offset)
    head = fh.read(30)
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        return 0                     # a damaged entry: the reader reports the file
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    left = info.compress_size
    d = zlib.decompressobj(-15)
    total = 0
    try:
        while left > 0 and not d.eof:
            chunk = fh.read(min(_CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            data = chunk
            while data and not d.eof:
                produced = d.decompress(data, _OUT_CHUNK)
                total += len(produced)
                if total > cap:
                    return total
                data = d.unconsumed_tail
    except zlib.error:
        return total                 # damaged data: the reader reports it
    return total


# ================================================================ official's additions

_SHEET = re.compile(r'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"')
_DEFINED = re.compile(r'<(?:\w+:)?definedName\b([^>]*)>')
_NAME_ATTR = re.compile(r'\bname="([^"]*)"')




@dataclass(frozen=True)
class Addition:
    """One kind of thing in the package (Vietnamese ``label``) and where it was found."""

    kind: str
    label: str


def _drawing_kinds(xml: bytes) -> set[str]:
    kinds = set()
    if b":pic>" in xml or b"<pic>" in xml or b":pic " in xml:
        kinds.add("picture")
    if b"graphicFrame" in xml:
        kinds.add("chart")
    if b":sp>" in xml or b":sp " in xml or b"<sp>" in xml or b"cxnSp" in xml or b":grpSp" in xml:
        kinds.add("shape")
    return kinds


LABELS = {
    "picture": "hình ảnh",
    "chart": "biểu đồ",
    "shape": "hộp văn bản/hình vẽ",
    "comment": "ghi chú (comment)",
    "vba": "dự án VBA (macro)",
    "control": "nút bấm/điều khiển",
    "embedded": "đối tượng nhúng",
    "pivot": "bảng tổng hợp PivotTable",
    "header_image": "hình ở đầu/chân trang",
    "cell_image": "hình trong ô",
    "printer": "thiết lập máy in",
    "sheet": "trang",
    "name": "tên vùng",
}


def _rels_of(z: zipfile.ZipFile, part: str, names: set[str]) -> list[str]:
    folder, _, base = part.rpartition("/")
    rels = f"{folder}/_rels/{base}.rels"
    if rels not in names:
        return []
    out = []
    for m in re.finditer(rb'Target="([^"]+)"', z.read(rels)):
        t = _unescape(m.group(1).decode("utf-8"))
        if t.startswith("/"):
            out.append(t.lstrip("/"))
            continue
        parts = folder.split("/") if folder else []
        for piece in t.split("/"):
            if piece == "..":
                parts = parts[:-1]
            elif piece not in ("", "."):
                parts.append(piece)
        out.append("/".join(parts))
    return out


def package_additions(path: str | os.PathLike[str], *, own_sheets: Iterable[str] = (),
                      own_names: Iterable[str] | None = None,
                      replaced_sheets: Iterable[str] = ()) -> list[Addition]:
    """What the package holds beyond cell values and styles, outside ``replaced_sheets``.

    ``own_sheets``: sheets the tool itself makes (not reported as extra sheets);
    ``own_names``: defined names the tool makes (``None``: names are not checked);
    ``replaced_sheets``: sheets the caller rebuilds anyway (their drawings are its own).
    Returns an empty list for a file that is not a package.
    """
    own, replaced = set(own_sheets), set(replaced_sheets)
    found: dict[tuple[str, str], Addition] = {}

    def add(kind: str, where: str = "") -> None:
        label = LABELS[kind] + (f" '{where}'" if kind in ("sheet", "name") else
                                (f" (trang '{where}')" if where else ""))
        found.setdefault((kind, where), Addition(kind, label))

    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return []
    with z:
        names = set(z.namelist())
        try:
            parts = sheet_parts(z)
            wbx = z.read("xl/workbook.xml").decode("utf-8")
        except (KeyError, UnicodeDecodeError):
            return []
        if "xl/vbaProject.bin" in names:
            add("vba")
        for sheet, part in parts.items():
            if sheet in replaced:
                continue
            if sheet not in own:
                add("sheet", sheet)
            for target in _rels_of(z, part, names):
                if target not in names:
                    continue
                if target.startswith("xl/drawings/") and target.endswith(".xml"):
                    for kind in _drawing_kinds(z.read(target)):
                        add(kind, sheet)
                elif target.endswith(".vml"):
                    vml = z.read(target)
                    if b"ObjectType=\"Note\"" in vml:
                        add("comment", sheet)
                    if re.search(rb'ObjectType="(?!Note)', vml):
                        add("control", sheet)
                    if b"<v:imagedata" in vml or b"o:relid" in vml:
                        add("header_image", sheet)
                elif "/comments" in target or "threadedComment" in target:
                    add("comment", sheet)
                elif target.startswith(("xl/ctrlProps/", "xl/activeX/")):
                    add("control", sheet)
                elif target.startswith("xl/embeddings/"):
                    add("embedded", sheet)
                elif target.startswith("xl/pivotTables/"):
                    add("pivot", sheet)
                elif target.startswith("xl/printerSettings/"):
                    add("printer", sheet)
        if any(n.startswith("xl/richData/") for n in names):
            add("cell_image")
        if own_names is not None:
            mine = set(own_names)
            for m in _DEFINED.finditer(wbx):
                nm = _NAME_ATTR.search(m.group(1))
                if not nm:
                    continue
                name = _unescape(nm.group(1))
                if name.startswith("_xlnm.") or name in mine:
                    continue   # print areas/titles, filters: rebuilt with the sheets
                add("name", name)
        for sheet in _SHEET.findall(wbx):
            sheet = _unescape(sheet)
            if sheet not in own and sheet not in replaced and sheet not in parts:
                add("sheet", sheet)
    return list(found.values())


OPENPYXL_DROPS = frozenset(("picture", "chart", "shape", "comment", "embedded", "header_image",
                            "cell_image", "control", "printer"))


def openpyxl_losses(path: str | os.PathLike[str], *, replaced_sheets: Iterable[str] = ()) -> list[Addition]:
    """Additions an openpyxl load/save of ``path`` would drop or rebuild (``keep_vba`` for .xlsm:
    the VBA project and the legacy drawing of its buttons survive)."""
    drops = set(OPENPYXL_DROPS)
    if Path(path).suffix.lower() == ".xlsm":
        drops.discard("control")
    return [a for a in package_additions(path, replaced_sheets=replaced_sheets, own_names=None)
            if a.kind in drops]


DEFAULT_ADVICE = ("Dùng nút tương ứng trong Excel (Excel tự giữ mọi thứ khi lưu sổ), hoặc gửi sổ cho cán "
                  "bộ kỹ thuật")


def refuse_openpyxl_losses(path: str | os.PathLike[str], action: str, *,
                           replaced_sheets: Iterable[str] = (), advice: str = DEFAULT_ADVICE) -> None:
    """``CchcError`` (``additions_would_be_lost``) when an openpyxl save of ``path`` would drop
    something the official added."""
    lost = openpyxl_losses(path, replaced_sheets=replaced_sheets)
    if lost:
        raise catalog.ADDITIONS_WOULD_BE_LOST.error(what=describe(lost), action=action, advice=advice,
                                                    file=Path(path).name)


def describe(additions: Iterable[Addition], limit: int = 8) -> str:
    """"hình ảnh (trang 'Tổng quan'), trang 'Ghi chép', ..." (at most ``limit`` items)."""
    items = [a.label for a in additions]
    text = ", ".join(items[:limit])
    if len(items) > limit:
        text += f" và {len(items) - limit} mục khác"
    return text


__all__ = ["LIMITS", "PackageLimits", "PackageSize", "check_package_size", "Addition",
           "package_additions", "openpyxl_losses", "refuse_openpyxl_losses", "describe"]
