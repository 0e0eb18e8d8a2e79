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

def header_field(value: object) -> str | None:
    """The task field a header cell names ("Chủ trì thực hiện" -> "lead"), or None."""
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
    if k == "han" or k.startswith(("thoi gian", "thoi han", "han hoan thanh", "tien do", "moc thoi gian")):
        return "deadline_text"
    if "san pham" in k or k.startswith("ket qua"):
        return "product"
    if k.startswith(("nhiem vu", "noi dung", "ten nhiem vu", "cong viec")):
        return "title"
    return None


def header_map(row: list[str]) -> dict[str, int]:
    """Field -> 0-based column for a header row (first match wins)."""
    found: dict[str, int] = {}
    for col, value in enumerate(row):
        f = header_field(value)
        if f and f not in found:
            found[f] = col
    return found


def is_header_row(row: list[str]) -> bool:
    found = header_map(row)
    return "title" in found and len(found) >= 3


def find_header(rows: list[list[str]]) -> int | None:
    """0-based index of the first header row, or None."""
    return next((i for i, r in enumerate(rows) if is_header_row(r)), None)


def table_header(clean: list[list[str]], h: int) -> tuple[dict[str, int], int]:
    """Field -> column of the header at row ``h`` (a second header row such as "Đơn vị thực
    hiện" / "Chủ trì | Phối hợp" included) and the index of the first row after it."""
    colmap = header_map(clean[h])
    start = h + 1
    if start < len(clean) and not is_header_row(clean[start]):
        extra = {f: c for f, c in header_map(clean[start]).items() if f not in colmap}
        if extra and not any(_TT_RE.match(c) or roman_value(c) for c in clean[start][:1]):
            colmap.update(extra)
            start += 1
    return colmap, start


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
