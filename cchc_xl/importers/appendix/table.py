"""The appendix table: field names, results (``ImportResult``, ``RawTable``), the header row
and small classifiers of cells (section numerals, area names, TT, deadlines)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cchc_xl.core.deadlines import parse_deadline
from cchc_xl.core.models import Area, DeadlineKind, Finding, PlanInfo, Task
from cchc_xl.core.schema import TASK_COLUMNS, header_of
from cchc_xl.core.text import fold
from cchc_xl.core.units import UnitRegistry

FIELDS: tuple[str, ...] = ("tt", "title", "product", "deadline_text", "lead", "partners", "monitor")
ROW_FIELDS: tuple[str, ...] = ("product", "deadline_text", "lead", "partners", "monitor")
UNIT_FIELDS: tuple[str, ...] = ("lead", "partners", "monitor")
LABELS: dict[str, str] = {f: header_of(TASK_COLUMNS, f) for f in FIELDS}
SUPPORTED_SUFFIXES: tuple[str, ...] = (".docx", ".xlsx", ".xlsm", ".tsv", ".txt")

# Section name keywords (folded) -> index area.  Order matters: the first match wins.
_AREA_KEYWORDS: tuple[tuple[Area, tuple[str, ...]], ...] = (
    (Area.CHI_DAO, ("chi dao dieu hanh", "chi dao va dieu hanh", "cong tac chi dao")),
    (Area.TAC_DONG, ("tac dong",)),
    (Area.THE_CHE, ("the che",)),
    (Area.TTHC, ("thu tuc hanh chinh", "tthc")),
    (Area.TO_CHUC, ("to chuc bo may", "bo may")),
    (Area.CONG_VU, ("cong vu",)),
    (Area.TAI_CHINH, ("tai chinh cong", "tai chinh")),
    (Area.CQ_SO, ("chinh quyen dien tu", "chinh quyen so", "chuyen doi so", "chinh phu dien tu",
                  "chinh phu so")),
)

_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}
_ROMAN_RE = re.compile(r"^(?:PHẦN\s+|Phần\s+|phần\s+)?([IVX]{1,5})\s*[.:)]?$")
_ROMAN_PREFIX_RE = re.compile(r"^(?:PHẦN\s+|Phần\s+|phần\s+)?([IVX]{1,5})\s*[.:)\-–]\s*(\S.*)$", re.S)
_NUMBERING_RE = re.compile(r"^\(?\d{1,2}\)?$")
_TT_RE = re.compile(r"^(\d{1,3})(?:[.)]|\.\d+)*$")


# ---------------------------------------------------------------- results

@dataclass
class ImportResult:
    """Tasks read from an appendix, the located findings and the plan header (if any)."""

    tasks: list[Task]
    findings: list[Finding]
    info: PlanInfo | None = None
    sections: dict[str, str] = field(default_factory=dict)  # "II" -> name as printed
    tables: list[str] = field(default_factory=list)          # tables/sheets read ("Bảng 2", "Bảng 3")


@dataclass
class RawTable:
    """A source table as plain strings.

    Merged cells hold their value in the first cell only; ``merged[i][j]`` is
    True for a cell that continues a vertical merge (docx, xlsx).
    """

    rows: list[list[str]]
    row_numbers: list[int]
    sheet: str = ""
    merged: list[list[bool]] | None = None
    preamble: list[str] = field(default_factory=list)   # text above the table (docx)
    line_cells: bool = False                           # text file: cells are "dòng N"
    findings: list[Finding] = field(default_factory=list)
    row_sheets: list[str] | None = None                # table of each row (Word: "Bảng 2")


# ---------------------------------------------------------------- header

# How surely a header names the deadline column: completion words first, then a plain time
# ("Thời gian thực hiện"), then a schedule/progress column ("Tiến độ thực hiện") only when
# nothing better exists.  A start date ("Thời gian bắt đầu") is never the deadline.
DEADLINE_COMPLETION, DEADLINE_TIME, DEADLINE_PROGRESS, NOT_DEADLINE = 1, 2, 3, 9
_START_WORDS = ("bat dau", "khoi dau", "khoi cong", "tu ngay")
_COMPLETION_WORDS = ("hoan thanh", "ket thuc", "thoi han", "han chot", "han cuoi")


def time_rank(value: object) -> int | None:
    """How surely a header cell names the deadline (``DEADLINE_*``), ``NOT_DEADLINE`` for a start
    date, None when it is no time column at all."""
    k = fold(value)
    if not k or len(k) > 60:
        return None
    timed = (k == "han" or k.startswith(("thoi gian", "thoi han", "han ", "tien do", "moc thoi gian"))
             or " thoi gian" in k or " thoi han" in k)
    if not timed:
        return None
    if any(re.search(rf"\b{w}\b", k) for w in _START_WORDS):
        return NOT_DEADLINE
    if k == "han" or k.startswith("han ") or any(re.search(rf"\b{w}\b", k) for w in _COMPLETION_WORDS):
        return DEADLINE_COMPLETION
    if k.startswith("tien do"):
        return DEADLINE_PROGRESS
    return DEADLINE_TIME


def header_field(value: object) -> str | None:
    """The task field a header cell names ("Chủ trì thực hiện" -> "lead"), or None.

    Every time column ("Thời gian bắt đầu", "Tiến độ thực hiện", "Thời hạn") is "deadline_text"
    here; which one is the deadline is decided over the whole row (``deadline_choice``)."""
    k = fold(value)
    if not k or len(k) > 60:
        return None
    if k in {"tt", "stt", "so tt", "so thu tu", "thu tu"}:
        return "tt"
    if "chu tri" in k:
        return "lead"
    if "phoi hop" in k:
        return "partners"
    if "theo doi" in k or "don doc" in k:
        return "monitor"
    if time_rank(value) is not None:
        return "deadline_text"
    if "san pham" in k or k.startswith("ket qua"):
        return "product"
    if k.startswith(("nhiem vu", "noi dung", "ten nhiem vu", "cong viec")):
        return "title"
    return None


@dataclass
class DeadlineChoice:
    """The deadline column of a header row and the other time columns beside it."""

    column: int | None                 # None: no column may be the deadline
    rivals: list[int]                  # other columns as sure as ``column`` (the choice is a guess)
    skipped: list[int]                 # time columns not taken (start dates, progress, plain times)


def deadline_choice(row: list[str]) -> DeadlineChoice:
    """Which time column of a header row is the deadline: the surest one (``time_rank``), the
    first of them when several are as sure (then ``rivals`` names the others)."""
    ranked = [(rank, col) for col, value in enumerate(row)
              if header_field(value) == "deadline_text" and (rank := time_rank(value)) is not None]
    usable = [(rank, col) for rank, col in ranked if rank != NOT_DEADLINE]
    if not usable:
        return DeadlineChoice(None, [], [col for _, col in ranked])
    best = min(rank for rank, _ in usable)
    cols = [col for rank, col in usable if rank == best]
    return DeadlineChoice(cols[0], cols[1:], [col for rank, col in ranked if rank != best])


def header_map(row: list[str]) -> dict[str, int]:
    """Field -> 0-based column for a header row (first match wins; the deadline is the surest
    time column, see ``deadline_choice``)."""
    found: dict[str, int] = {}
    for col, value in enumerate(row):
        f = header_field(value)
        if f and f not in found and f != "deadline_text":
            found[f] = col
    deadline = deadline_choice(row).column
    if deadline is not None:
        found["deadline_text"] = deadline
    return found


def is_header_row(row: list[str]) -> bool:
    found = header_map(row)
    return "title" in found and len(found) >= 3


def find_header(rows: list[list[str]]) -> int | None:
    """0-based index of the first header row, or None."""
    return next((i for i, r in enumerate(rows) if is_header_row(r)), None)


def header_labels(clean: list[list[str]], h: int) -> tuple[list[str], int]:
    """The header labels of the table whose header is row ``h`` and the index of the first row
    after the header.  A second header row ("Đơn vị thực hiện" over "Chủ trì | Phối hợp",
    "Thời gian" over "Bắt đầu | Hoàn thành") is read with the cell above it, or the nearest
    filled cell to its left (a merged title): "Thời gian Hoàn thành"."""
    top = clean[h]
    start = h + 1
    if start >= len(clean) or is_header_row(clean[start]):
        return top, start
    second = clean[start]
    if any(_TT_RE.match(c) or roman_value(c) for c in second[:1]):
        return top, start
    width = max(len(top), len(second))
    labels: list[str] = []
    parent = ""
    for c in range(width):
        above = top[c] if c < len(top) else ""
        parent = above or parent
        below = second[c] if c < len(second) else ""
        labels.append(f"{parent} {below}".strip() if below else above)
    colmap, both = header_map(top), header_map(labels)
    extra = {f for f in header_map(second) if f not in colmap}
    if extra or both.get("deadline_text") != colmap.get("deadline_text"):
        return labels, start + 1
    return top, start


def table_header(clean: list[list[str]], h: int) -> tuple[dict[str, int], int]:
    """Field -> column of the header at row ``h`` (a second header row included, see
    ``header_labels``) and the index of the first row after it."""
    labels, start = header_labels(clean, h)
    return header_map(labels), start


def _is_header_part(row: list[str]) -> bool:
    """A repeated second header row ("Chủ trì | Phối hợp" alone): every filled cell is a header."""
    fields = [header_field(c) for c in row if c]
    return len(fields) >= 2 and None not in fields and len(set(fields)) == len(fields)


def _is_numbering_row(row: list[str]) -> bool:
    """The "(1) (2) (3)..." row some templates put under the header."""
    cells = [c for c in row if c]
    return len(cells) >= 3 and all(_NUMBERING_RE.match(c) for c in cells)


# ---------------------------------------------------------------- small classifiers

def roman_value(text: str) -> int | None:
    """"IV" -> 4 (I..XXXIX); anything else -> None."""
    if not text or any(c not in _ROMAN_VALUES for c in text):
        return None
    total = 0
    for i, c in enumerate(text):
        v = _ROMAN_VALUES[c]
        total += -v if i + 1 < len(text) and _ROMAN_VALUES[text[i + 1]] > v else v
    return total if 0 < total < 40 else None


def area_from_name(name: str) -> Area | None:
    """Index area of a section name, by keywords ("...thủ tục hành chính..." -> 3)."""
    k = fold(name)
    for area, keys in _AREA_KEYWORDS:
        if any(re.search(rf"\b{key}\b", k) for key in keys):
            return area
    return None


def _tt_like(text: str) -> bool:
    return not text or bool(_TT_RE.match(text)) or roman_value(text.rstrip(".")) is not None


def _looks_like_deadline(text: str, year: int, registry: UnitRegistry) -> bool:
    if not text:
        return False
    if parse_deadline(text, year).kind == DeadlineKind.UNKNOWN:
        return False
    return not registry.resolve(text)[0]


def _short(text: str, size: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


def _title_lines(rows: list[list[str]], keep: int = 6) -> list[str]:
    """The last non-empty lines above the header (the appendix title)."""
    lines = [" ".join(c for c in r if c) for r in rows]
    return [x for x in lines if x][-keep:]
