"""A plan document as a list of blocks: text lines and tables (.docx, .txt, .md).

Text converted from Word comes in many shapes: Markdown headings (``##``), bold or
italic marks (``**…**``, ``*…*``, ``<b>…</b>``), escaped bullets (``\\*``), tables as
tab-separated lines or Markdown pipes.  ``read_blocks`` turns all of them into

* ``Line``  - one paragraph, cleaned (marks removed), with ``bullet`` / ``heading`` flags;
* ``Table`` - rows of cell texts (plus which cells continue a vertical merge in Word).

The parsers of remediation plans and index results work on these blocks only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from cchc_xl.core.findings import catalog
from cchc_xl.core.text import normalize_text
from cchc_xl.importers.sources import open_docx, read_text

SUFFIXES = (".docx", ".txt", ".md", ".tsv", ".csv")


@dataclass
class Line:
    text: str
    bullet: bool = False
    heading: bool = False       # Markdown heading, bold paragraph or Word heading style
    number: int = 0             # line number in the source (1-based; paragraph number for .docx)


@dataclass
class Table:
    rows: list[list[str]]
    merged: list[list[bool]] = field(default_factory=list)
    number: int = 0             # first line (text) / table index (.docx)


Block = Line | Table

_TAGS = re.compile(r"</?[a-zA-Z][^>]*>")
_HEADING = re.compile(r"^\s*#{1,6}\s*")
_BULLET = re.compile(r"^\s*(?:\\?[-+*•·–—]|\\\*)\s+")
_ESCAPES = re.compile(r"\\([*_\-+.#()\[\]|>`])")
_EMPH = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])|(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])")
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)(.+)\1\s*:?\s*$")


def clean_marks(text: str) -> str:
    """Text without Markdown emphasis, HTML tags and backslash escapes."""
    text = _TAGS.sub("", text)
    prev = None
    while prev != text:
        prev = text
        text = _EMPH.sub(lambda m: m.group(2) or m.group(3) or m.group(4) or "", text)
    text = text.replace("**", "")
    return _ESCAPES.sub(r"\1", text)


def text_line(raw: str, number: int = 0) -> Line | None:
    """One line of a text document -> ``Line`` (None when blank)."""
    heading = bool(_HEADING.match(raw)) or bool(_BOLD_LINE.match(_HEADING.sub("", raw)))
    text = _HEADING.sub("", raw)
    bullet = False
    m = _BULLET.match(text)
    if m:
        bullet, text = True, text[m.end():]
    text = normalize_text(clean_marks(text))
    m = _BULLET.match(text)          # "**-** text" or a bullet inside emphasis
    if m:
        bullet, text = True, text[m.end():]
    text = text.strip()
    if not text or re.fullmatch(r"[-=_*|:\s]+", text):
        return None
    return Line(text=text, bullet=bullet, heading=heading, number=number)


def _pipe_cells(raw: str) -> list[str] | None:
    s = raw.strip()
    if not (s.startswith("|") and s.count("|") >= 2):
        return None
    cells = [normalize_text(clean_marks(c)) for c in s.strip("|").split("|")]
    if all(re.fullmatch(r":?-{2,}:?|", c) for c in cells):
        return []      # the separator row of a Markdown table
    return cells


def blocks_from_text(text: str) -> list[Block]:
    """Blocks of a .txt/.md document (tables: tab-separated or Markdown pipe rows)."""
    blocks: list[Block] = []
    table: Table | None = None
    for n, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        cells = _pipe_cells(raw)
        if cells is None and "\t" in raw.strip("\t ") and raw.count("\t") >= 1 and raw.strip():
            cells = [normalize_text(clean_marks(c)) for c in raw.split("\t")]
        if cells is not None:
            if table is None:
                table = Table(rows=[], number=n)
                blocks.append(table)
            if cells:
                table.rows.append(cells)
            continue
        if not raw.strip():
            continue         # a blank line does not end a table (Word exports put some between rows)
        table = None
        line = text_line(raw, n)
        if line is not None:
            blocks.append(line)
    return blocks


def blocks_from_docx(path: Path) -> list[Block]:
    """Blocks of a Word document: paragraphs in order, tables with merged cells marked."""
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

    from cchc_xl.importers.appendix.readers import _docx_grid

    document = open_docx(path)
    blocks: list[Block] = []
    n = t = 0
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            n += 1
            style = (block.style.name if block.style is not None else "") or ""
            raw = block.text
            if not raw.strip():
                continue
            numbering = block._p.pPr is not None and block._p.pPr.numPr is not None
            line = text_line(("- " if numbering and not style.lower().startswith("heading") else "") + raw, n)
            if line is None:
                continue
            bold = all(r.bold for r in block.runs if r.text.strip()) and any(r.text.strip() for r in block.runs)
            line.heading = line.heading or style.lower().startswith(("heading", "title")) or bold
            blocks.append(line)
        elif isinstance(block, DocxTable):
            t += 1
            rows, merged = _docx_grid(block)
            blocks.append(Table(rows=[[normalize_text(c) for c in r] for r in rows], merged=merged, number=t))
    return blocks


def read_blocks(path: str | Path) -> list[Block]:
    """Blocks of a plan document (.docx, .txt, .md, .tsv, .csv as text)."""
    p = Path(path)
    if not p.is_file():
        raise catalog.NO_FILE.error(file=str(p))
    ext = p.suffix.lower()
    if ext not in SUFFIXES:
        raise catalog.FILE_TYPE.error(suffix=p.suffix or "(không có đuôi)", what="tài liệu kế hoạch, kết quả chỉ số",
                                      accepted=".docx, .txt, .md, .tsv hoặc .csv", file=p.name)
    if ext == ".docx":
        return blocks_from_docx(p)
    return blocks_from_text(read_text(p))
