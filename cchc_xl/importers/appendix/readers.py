"""Readers (thin adapters): a Word table (.docx), a worksheet (.xlsx/.xlsm) or tab-separated
text (.tsv/.txt) -> ``RawTable``; tables continued across pages are joined."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Callable

from openpyxl.utils import get_column_letter

from cchc_xl.core.reasons import os_reason
from cchc_xl.core.findings import catalog
from cchc_xl.core.models import CchcError, Finding
from cchc_xl.core.text import normalize_text
from cchc_xl.importers.sources import open_docx
from cchc_xl.importers.appendix.table import (_ROMAN_PREFIX_RE, _ROMAN_RE, _TT_RE, RawTable, _short, _tt_like,
                                              area_from_name, find_header, roman_value, table_header)


# ---------------------------------------------------------------- readers

def read_appendix_tsv(path: str | Path) -> RawTable:
    """Tab-separated text (UTF-8/UTF-16, or Windows-1258 from old Excel)."""
    p = Path(path)
    data = _read_bytes(p)
    findings: list[Finding] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        if b"\x00" in data:
            raise catalog.NOT_TEXT_FILE.error(name=p.name, file=p.name)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1258", errors="replace")
            findings.append(catalog.LEGACY_ENCODING(file=p.name))
    rows, numbers = split_tsv_text(text)
    return RawTable(rows=rows, row_numbers=numbers, line_cells=True, findings=findings)


def split_tsv_text(text: str) -> tuple[list[list[str]], list[int]]:
    """Rows and 1-based line numbers of tab-separated text (Excel-style quoting understood)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not re.search(r'(^|\t)"', text, re.M):
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return [line.split("\t") for line in lines], list(range(1, len(lines) + 1))
    rows: list[list[str]] = []
    numbers: list[int] = []
    reader = csv.reader(io.StringIO(text), delimiter="\t", quotechar='"', strict=False)
    prev_end = 0
    for record in reader:      # Excel quotes cells holding tabs/new lines
        rows.append(record or [""])
        numbers.append(prev_end + 1)
        prev_end = reader.line_num
    return rows, numbers


def _read_bytes(p: Path) -> bytes:
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise catalog.FILE_NOT_FOUND.error(path=p, file=p.name) from None
    except OSError as exc:
        raise catalog.FILE_UNREADABLE.error(path=p, why=os_reason(exc), file=p.name) from exc


def read_appendix_docx(path: str | Path) -> RawTable:
    """The appendix of a Word document, over as many tables as it spans.

    The first table with a header row (TT | Nhiệm vụ | ... | Chủ trì) starts the
    appendix.  Every later table that continues it is appended: a table with its
    own (repeated) header, or a table without header whose shape fits (about the
    same number of columns, a TT-like first column, numbering that continues or
    a section row).  A section heading written as a paragraph between two parts
    ("II. Cải cách thủ tục hành chính") becomes a section row.  Tables that are
    clearly something else are skipped and reported (``table_skipped``), as is
    stray text between parts of the appendix.  Merged cells are not repeated;
    ``merged`` marks the cells continuing a vertical merge.
    """
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    p = Path(path)
    _read_bytes(p)
    document = open_docx(p)
    blocks: list[str | tuple[str, list[list[str]], list[list[bool]]]] = []
    index = 0
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            if block.text.strip():
                blocks.append(block.text)
        elif isinstance(block, Table):
            index += 1
            blocks.append((f"Bảng {index}", *_docx_grid(block)))
    return join_tables(blocks, p.name)


def join_tables(blocks: list, file: str, hint: Callable[[int], str] | None = None) -> RawTable:
    """Paragraphs (str) and tables (name, rows, merged) in document order -> one RawTable.

    Used for Word tables and for the worksheets of an Excel file alike."""
    tables = [b for b in blocks if not isinstance(b, str)]
    clean = {b[0]: [[normalize_text(c) for c in r] for r in b[1]] for b in tables}
    first = next((b for b in tables if find_header(clean[b[0]]) is not None), None)
    if first is None:
        raise catalog.NO_APPENDIX.error(file=file, hint=(hint or _no_table_hint)(len(tables)))
    start = blocks.index(first)
    colmap, _ = table_header(clean[first[0]], find_header(clean[first[0]]))
    width = len(first[1][0]) if first[1] else 0
    out = RawTable(rows=[], row_numbers=[], sheet=first[0], merged=[], row_sheets=[],
                   preamble=[b for b in blocks[:start] if isinstance(b, str)][-8:])
    for b in blocks[:start]:
        if not isinstance(b, str):
            out.findings.append(_skipped(b, clean[b[0]], "đứng trước bảng phân công và không có dòng "
                                         "tiêu đề 'TT', 'Nhiệm vụ', 'Chủ trì'", file))

    def append(name: str, rows: list[list[str]], merged: list[list[bool]]) -> None:
        out.rows.extend(rows)
        out.merged.extend(merged)
        out.row_numbers.extend(range(1, len(rows) + 1))
        out.row_sheets.extend([name] * len(rows))

    append(*first)
    between: list[str] = []
    for b in blocks[start + 1:]:
        if isinstance(b, str):
            between.append(b)
            continue
        name, rows, merged = b
        why, rows, merged = _continues(clean[name], rows, merged, colmap, width, out)
        if rows is None:
            out.findings.append(_skipped(b, clean[name], why, file))
            continue
        for text in between:   # text between two parts of the appendix
            section = _section_paragraph(text)
            if section:
                row = [""] * width
                row[colmap.get("tt", 0)], row[colmap.get("title", 1)] = section
                append(name, [row], [[False] * width])
                out.row_numbers[-1] = 0
                out.findings.append(catalog.SECTION_FROM_TEXT(text=_short(text), section=section[0],
                                                              file=file, sheet=name))
            else:
                out.findings.append(catalog.TEXT_BETWEEN_TABLES(text=_short(text), file=file, sheet=name))
        between = []
        out.findings.append(catalog.TABLE_CONTINUED(table=_label(name), rows=len(rows), why=why, file=file,
                                                    sheet=name))
        append(name, rows, merged)
    return out


def _label(name: str) -> str:
    """"Bảng 2" (Word) as is; a worksheet as "Trang 'Phụ lục (tiếp)'"."""
    return name if re.fullmatch(r"Bảng \d+", name) else f"Trang '{name}'"


def _no_table_hint(tables: int) -> str:
    if not tables:
        return "Tệp không có bảng nào: phụ lục phải là một bảng Word (không phải văn bản thường hay ảnh)."
    return (f"Tệp có {tables} bảng nhưng không bảng nào có dòng tiêu đề như vậy; hãy kiểm tra lại "
            "tệp hoặc chép phụ lục sang tệp Excel/văn bản tách bằng Tab.")


def _skipped(block: tuple, clean: list[list[str]], why: str, file: str) -> Finding:
    name, rows, _ = block
    first = next((c for r in clean for c in r if c), "")
    return catalog.TABLE_SKIPPED(table=_label(name), rows=len(rows), cols=len(rows[0]) if rows else 0,
                                 first=_short(first, 40), why=why, file=file, sheet=name)


def _section_paragraph(text: str) -> tuple[str, str] | None:
    """("II", "Cải cách thủ tục hành chính") for a heading paragraph naming an index area."""
    m = _ROMAN_PREFIX_RE.match(normalize_text(text))
    if m and roman_value(m.group(1)) and area_from_name(m.group(2)) and len(m.group(2)) <= 160:
        return m.group(1), m.group(2)
    return None


def _continues(clean: list[list[str]], rows: list[list[str]], merged: list[list[bool]],
               colmap: dict[str, int], width: int, so_far: RawTable
               ) -> tuple[str, list[list[str]] | None, list[list[bool]]]:
    """Does a later table (Word) or worksheet (Excel) continue the appendix?  (reason, rows laid
    out like the first table or None when it does not, merged flags)."""
    h = find_header(clean)
    if h is not None:      # header repeated (maybe in another column order); a title above it dropped
        own, _ = table_header(clean, h)
        rows = [[""] * len(r) for r in rows[:h]] + rows[h:]   # blank rows: local row numbers kept
        if own == colmap:
            return "có dòng tiêu đề của bảng phân công", rows, merged
        order = [(own[f], colmap[f]) for f in colmap if f in own]
        moved = [_reorder(r, order, width) for r in rows]
        moved_m = [[bool(x) for x in _reorder(m, order, width)] for m in merged]
        return "có dòng tiêu đề của bảng phân công, thứ tự cột khác: đã xếp lại", moved, moved_m
    k = len(rows[0]) if rows else 0
    data = [r for r in clean if any(r)]
    if not data:
        return "bảng trống", None, merged
    if k > width:   # empty grid columns (Word keeps them after a split): drop them, rightmost first
        empty = [c for c in range(k - 1, -1, -1) if not any(r[c] for r in clean)][: k - width]
        if len(empty) == k - width:
            keep = [c for c in range(k) if c not in empty]
            rows = [[r[c] for c in keep] for r in rows]
            merged = [[m[c] for c in keep] for m in merged]
            clean = [[r[c] for c in keep] for r in clean]
            data = [r for r in clean if any(r)]
            k = width
    if k > width or k < max(width - 2, 3):
        return f"có {k} cột, bảng phân công có {width} cột", None, merged
    tt_col = colmap.get("tt", 0) if k == width else 0
    title_col = colmap.get("title", 1) if k == width else 1
    task_like = [r for r in data if _tt_like(r[tt_col].rstrip(".")) and any(r[tt_col + 1:])]
    if len(task_like) * 10 < len(data) * 6:
        return "cột đầu không phải số thứ tự nhiệm vụ", None, merged
    numbers = [int(m.group(1)) for r in data if (m := _TT_RE.match(r[tt_col]))]
    prev_col = colmap.get("tt", 0)             # rows read so far are laid out like the first table
    previous = next(([int(m.group(1))] for r in reversed(so_far.rows) if len(r) > prev_col
                     and (m := _TT_RE.match(normalize_text(r[prev_col])))), [])
    sections = any(_ROMAN_RE.match(r[tt_col]) and roman_value(_ROMAN_RE.match(r[tt_col]).group(1))
                   for r in data)
    if numbers and previous and numbers[0] == previous[0] + 1:
        why = f"số TT nối tiếp từ {previous[0]}"
    elif sections:
        why = "có dòng tiêu đề phần (I, II, ...)"
    elif not numbers and any(r[title_col][:1].islower() for r in data[:1]):
        why = "nội dung tiếp theo của nhiệm vụ trước (sang trang)"
    elif k == width:
        why = "cùng số cột và cột đầu là số thứ tự"
    else:
        return f"có {k} cột, bảng phân công có {width} cột, số TT không nối tiếp", None, merged
    return why, rows, merged


def _reorder(row: list, order: list[tuple[int, int]], width: int) -> list:
    out: list = [""] * width
    for src, dst in order:
        if src < len(row) and dst < width:
            out[dst] = row[src]
    return out


def _docx_grid(table) -> tuple[list[list[str]], list[list[bool]]]:
    """Rectangular text grid of a Word table: a merged cell's text appears once."""
    from docx.table import _Cell

    trs = table._tbl.tr_lst
    ncols = len(table._tbl.tblGrid.gridCol_lst) if table._tbl.tblGrid is not None else 0
    ncols = max([ncols] + [tr.grid_before + sum(tc.grid_span for tc in tr.tc_lst) for tr in trs])
    rows: list[list[str]] = []
    merged: list[list[bool]] = []
    for tr in trs:
        row, mrow = [""] * ncols, [False] * ncols
        col = tr.grid_before
        for tc in tr.tc_lst:
            span = max(tc.grid_span, 1)
            if col < ncols:
                if tc.vMerge == "continue":
                    for c in range(col, min(col + span, ncols)):
                        mrow[c] = True
                else:  # non-empty paragraphs only (merging cells in Word leaves empty ones)
                    paragraphs = _Cell(tc, table).paragraphs
                    row[col] = "\n".join(p.text for p in paragraphs if p.text.strip())
            col += span
        rows.append(row)
        merged.append(mrow)
    return rows, merged


def read_appendix_xlsx(path: str | Path) -> RawTable:
    """The appendix of an Excel file: the first worksheet with a header row, followed by the
    later worksheets that continue it (see ``join_tables``); other sheets are reported as
    skipped.  Merged ranges keep only the top-left value (``merged`` marks the rest).

    Read with python-calamine (the values Excel saved, as openpyxl's ``data_only``): a merge
    or a border drawn down to row 1 048 576 is a range, not a million cells to build (openpyxl
    took about 50 s on such a file).  A value too far from the table is refused
    (``sheet_too_far``) before the sheet is read."""
    import io
    import zipfile

    import python_calamine as pc

    from cchc_xl.files.sheet_scan import MAX_VALUE_CELLS, check_value_box, styled_cells
    from cchc_xl.files.xlsx_patch import sheet_parts

    p = Path(path)
    data = _read_bytes(p)
    month_cells: dict[str, dict[tuple[int, int], str]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            month_styles = _month_only_styles(z)
            for name, part in sheet_parts(z).items():
                if part in z.NameToInfo:
                    xml = z.read(part)
                    check_value_box(xml, sheet=name, file=p.name, limit=MAX_VALUE_CELLS)
                    if month_styles:
                        month_cells[name] = styled_cells(xml, month_styles)
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except CchcError:
        raise
    except Exception as exc:  # zipfile/calamine raise several types for damaged files
        raise catalog.BAD_DOCUMENT.error(name=p.name, kind="Excel (.xlsx)", file=p.name) from exc
    blocks: list[tuple[str, list[list[str]], list[list[bool]]]] = []
    month_findings: list[Finding] = []
    try:
        for info in wb.sheets_metadata:
            if "chart" in str(info.typ).lower():
                continue
            try:
                sheet = wb.get_sheet_by_name(info.name)
                values = sheet.to_python(skip_empty_area=False)
                ranges = sheet.merged_cell_ranges or []
            except Exception as exc:
                raise catalog.BAD_DOCUMENT.error(name=p.name, kind="Excel (.xlsx)", file=p.name) from exc
            rows = [[_cell_text(v) for v in r] for r in values]
            for (r, c), code in month_cells.get(info.name, {}).items():
                value = values[r][c] if r < len(values) and c < len(values[r]) else None
                if isinstance(value, dt.date):     # a date shown as "06/2025": the month, not its 1st
                    rows[r][c] = f"Tháng {value.month}/{value.year}"
                    month_findings.append(catalog.MONTH_DATE_READ(
                        date=f"{value:%d/%m/%Y}", format=code, text=rows[r][c], file=p.name, sheet=info.name,
                        cell=f"{get_column_letter(c + 1)}{r + 1}"))
            width = max((max((i for i, c in enumerate(r) if c.strip()), default=-1) for r in rows),
                        default=-1) + 1
            if not width:
                continue          # an empty sheet says nothing
            while rows and not any(c.strip() for c in rows[-1]):
                rows.pop()
            rows = [r[:width] + [""] * (width - len(r)) for r in rows]
            merged = [[False] * width for _ in rows]
            for (r0, c0), (r1, c1) in ranges:     # 0-based, both ends included
                for r in range(r0 + 1, min(r1, len(rows) - 1) + 1):
                    for c in range(c0, min(c1, width - 1) + 1):
                        merged[r][c] = True
            blocks.append((info.name, rows, merged))
    finally:
        wb.close()
    table = join_tables(blocks, p.name, lambda n: f"Không trang nào trong {n} trang có dữ liệu của tệp có "
                                                  "dòng tiêu đề như vậy.")
    table.findings.extend(f for f in month_findings if f.sheet in (table.row_sheets or [table.sheet]))
    return table


# Excel's built-in date formats that show no day: 17 "mmm-yy" (others are in styles.xml numFmts)
_BUILTIN_MONTH_FORMATS = {17: "mmm-yy"}


def _month_only_format(code: str) -> bool:
    """A date format showing month and year but no day ("mm/yyyy", "mmm-yy", "[$-42A]mmmm yyyy")."""
    from cchc_xl.files.sheet_scan import format_symbols

    bare = format_symbols(code).lower()
    return "m" in bare and "y" in bare and not any(ch in bare for ch in "dhs")


def _month_only_styles(z) -> dict[int, str]:
    """Cell style index -> number format code, for the styles showing a date without its day."""
    from cchc_xl.files.sheet_scan import format_styles

    return format_styles(z, _month_only_format, _BUILTIN_MONTH_FORMATS)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value.day}/{value.month}/{value.year}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


READERS: dict[str, Callable[[str | Path], RawTable]] = {
    ".tsv": read_appendix_tsv, ".txt": read_appendix_tsv,
    ".docx": read_appendix_docx, ".xlsx": read_appendix_xlsx, ".xlsm": read_appendix_xlsx,
}


