"""Import the plan appendix "PHÂN CÔNG THỰC HIỆN NHIỆM VỤ" into ``Task`` objects.

Readers (thin adapters) turn a Word table (.docx), a worksheet (.xlsx/.xlsm) or
tab-separated text (.tsv/.txt, e.g. copied out of Word) into plain rows of
strings (``RawTable``).  ``parse_appendix_rows`` does the real work and does
not care where the rows came from:

* finds the header row (TT | Nhiệm vụ | Sản phẩm | Thời gian hoàn thành |
  Chủ trì | Phối hợp | Theo dõi...), tolerating variants and missing columns;
* section rows ("II | Cải cách thủ tục hành chính") give the index area, by
  the section *name* (a plan may put "Chỉ đạo, điều hành" last as VII);
* rows with an empty TT are (a) an unnumbered task, (b) a further product of
  the task above (empty "Nhiệm vụ": a merged cell in the source), (c) text
  continued across a page break ("Nhiệm vụ" starting in lower case), or (d)
  a row carrying only trailing columns that belong to the task above;
* rows with fewer cells than the header are realigned on the deadline cell.

Every task gets a stable id ``<section>-<nn>`` ("II-05"), products of one
task ``III-01a``, ``III-01b``...  Problems become located ``Finding`` s.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from openpyxl.utils import get_column_letter

from cchc_xl.core.deadlines import parse_deadline
from cchc_xl.core.findings import FindingType, catalog
from cchc_xl.core.models import Area, CchcError, DeadlineKind, Finding, PlanInfo, Severity, Task
from cchc_xl.core.schema import TASK_COLUMNS, header_of
from cchc_xl.core.text import fold, normalize_text
from cchc_xl.core.units import DEFAULT_UNITS, UnitRegistry
from cchc_xl.importers.sources import open_docx

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


# ---------------------------------------------------------------- parsing state

@dataclass
class _Product:
    row: int
    values: dict[str, str]
    rows: dict[str, int]            # field -> source row number (for cell names)


@dataclass
class _Group:
    section: str
    area: Area
    seq: int
    tt: str
    title: str
    row: int
    products: list[_Product] = field(default_factory=list)


TASK = object()   # a finding parameter standing for the id of the task, known only once tasks are built


@dataclass
class _Pending:
    ftype: FindingType
    params: dict[str, object]       # a value ``TASK`` becomes the task id
    cell: str
    product: _Product | None = None
    severity: Severity | None = None


@dataclass
class _Aligned:
    values: dict[str, str]
    merged: set[str] | None         # None: the source has no merge information
    missing: list[str]
    ambiguous: bool                 # short row whose layout had to be guessed
    mode: str                       # "full" | "left" | "right" | "deadline"


class _Parser:
    """One pass over the data rows; see ``parse_appendix_rows``."""

    def __init__(self, *, year: int, registry: UnitRegistry, colmap: dict[str, int], ncols: int,
                 cell_name: Callable[[str, int], str]):
        self.year = year
        self.registry = registry
        self.colmap = colmap
        self.ncols = ncols
        self.cell = cell_name
        self.order = [f for f, _ in sorted(colmap.items(), key=lambda kv: kv[1])]
        self.contiguous = sorted(colmap.values()) == list(range(len(colmap)))
        self.groups: list[_Group] = []
        self.pending: list[_Pending] = []
        self.sections: dict[str, str] = {}
        self.section = ""
        self.area: Area | None = None
        self.seq: Counter[str] = Counter()
        self.last_num: dict[str, int] = {}
        self.last_product: _Product | None = None
        # (field, source row of a merged cell) -> the products sharing it (several tasks)
        self.shared: dict[tuple[str, int], list[_Product]] = {}

    # -- helpers
    def note(self, ftype: FindingType, cell: str, product: _Product | None = None, *,
             severity: Severity | None = None, **params: object) -> None:
        """A finding of ``ftype`` at ``cell``, about ``product``'s task (parameter value ``TASK``)."""
        self.pending.append(_Pending(ftype, params, cell, product, severity))

    def current_group(self) -> _Group | None:
        """The last task group of the current section (None right after a section row)."""
        if self.groups and self.groups[-1].section == self.section:
            return self.groups[-1]
        return None

    # -- alignment
    def align(self, raw: list[str], merged_row: list[bool] | None) -> _Aligned:
        n, k = len(self.order), len(raw)
        if k >= n or not self.contiguous:   # every mapped column present
            values = {f: (raw[c] if c < k else "") for f, c in self.colmap.items()}
            merged = None if merged_row is None else {
                f for f, c in self.colmap.items() if c < len(merged_row) and merged_row[c]}
            return _Aligned(values, merged, [], False, "full")
        assign: dict[str, str] = {}
        mode = "left"
        j = self._deadline_position(raw)
        if j is not None:
            mode = "deadline"
            d = self.order.index("deadline_text")
            assign.update(self._assign_before(raw[:j], self.order[:d]))
            assign["deadline_text"] = raw[j]
            assign.update(zip(self.order[d + 1:], raw[j + 1:]))
        elif not any(raw[: min(3, k)]):
            mode = "right"
            assign.update(zip(self.order[n - k:], raw))
        else:
            assign.update(zip(self.order, raw))
        missing = [f for f in self.order if f not in assign]
        values = {f: assign.get(f, "") for f in self.order}
        first_unit = min((self.order.index(f) for f in ("deadline_text",) + UNIT_FIELDS
                          if f in self.order), default=n)
        ambiguous = mode != "left" or any(raw[first_unit:])
        return _Aligned(values, None, missing, ambiguous, mode)

    def _deadline_position(self, raw: list[str]) -> int | None:
        if "deadline_text" not in self.order:
            return None
        d = self.order.index("deadline_text")
        for shift in range(0, len(self.order) - len(raw) + 1):
            j = d - shift
            if 0 <= j < len(raw) and _looks_like_deadline(raw[j], self.year, self.registry):
                return j
        return None

    def _assign_before(self, cells: list[str], fields: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        if fields and fields[0] == "tt" and cells and _tt_like(cells[0]):
            out["tt"] = cells[0]
            rest_f, rest_c = fields[1:], cells[1:]
            numbered = bool(cells[0])
            if numbered or len(rest_c) >= len(rest_f):
                out.update(zip(rest_f, rest_c))
            else:  # unnumbered: the text next to the deadline is the product
                out.update(zip(rest_f[len(rest_f) - len(rest_c):], rest_c))
        else:
            out.update(zip(fields, cells))
        return out

    # -- sections
    def section_of(self, raw: list[str]) -> tuple[str, str, list[str]] | None:
        """(roman, name, stray values) when the row is a section heading."""
        tt_col, title_col = self.colmap.get("tt"), self.colmap.get("title")
        tt = raw[tt_col] if tt_col is not None and tt_col < len(raw) else ""
        m = _ROMAN_RE.match(tt)
        if m and roman_value(m.group(1)):
            used = {tt_col, title_col}
            name = raw[title_col] if title_col is not None and title_col < len(raw) else ""
            if not name:  # name written in another cell of the row
                name = next((c for i, c in enumerate(raw) if c and i != tt_col), "")
                used.add(raw.index(name) if name else None)
            stray = [c for i, c in enumerate(raw) if c and i not in used]
            return m.group(1), name, stray
        filled = [(i, c) for i, c in enumerate(raw) if c]
        if filled:
            m2 = _ROMAN_PREFIX_RE.match(filled[0][1])
            if m2 and roman_value(m2.group(1)) and (len(filled) == 1 or filled[0][0] == tt_col):
                return m2.group(1), m2.group(2), [c for _, c in filled[1:]]
        return None

    def start_section(self, roman: str, name: str, stray: list[str], rn: int) -> None:
        self.section = roman
        self.sections.setdefault(roman, name)
        area = area_from_name(name)
        if area is None:
            fallback = roman_value(roman) or 1
            area = Area(str(min(max(fallback, 1), 8)))
            self.note(catalog.SECTION_UNKNOWN_AREA, self.cell("title", rn), roman=roman, name=name,
                      area=area.value)
        self.area = area
        for value in stray:
            self.note(catalog.SECTION_STRAY, self.cell("tt", rn), roman=roman, name=name, value=value)

    # -- rows
    def feed(self, raw: list[str], rn: int, merged_row: list[bool] | None) -> None:
        sec = self.section_of(raw)
        if sec:
            self.start_section(*sec, rn)
            return
        al = self.align(raw, merged_row)
        v = al.values
        tt, title, product = v.get("tt", ""), v.get("title", ""), v.get("product", "")
        rest = {f: v.get(f, "") for f in ("deadline_text",) + UNIT_FIELDS}
        group = self.current_group()
        last = group.products[-1] if group and group.products else None
        if not (tt or title or product):
            self.fill_trailing(rest, rn, last)
            return
        if tt and not (title or product or any(rest.values())):
            self.note(catalog.NUMBER_ONLY_ROW, self.cell("title", rn), tt=tt)
            return
        if last is not None and not tt and title[:1].islower():
            self.continue_text(group, last, {"title": title, "product": product, **rest}, rn)
            return
        if last is not None and not tt and not title and product[:1].islower():
            self.continue_text(group, last, {"product": product, **rest}, rn)
            return
        if group is not None and last is not None and not title and (not tt or not group.tt):
            product_ = self.add_product(group, last, tt, v, al.merged, rn)
        else:
            product_ = self.new_task(tt, title, v, rn)
            self.inherit_merged(product_, al.merged)
        if al.ambiguous:
            names = ", ".join(f"'{LABELS[f]}'" for f in al.missing)
            how = ("theo ô 'Thời gian hoàn thành'" if al.mode == "deadline"
                   else "từ trái sang phải")
            self.note(catalog.COLUMNS_REALIGNED, self.cell("title", rn), product_, count=len(raw),
                      ncols=self.ncols, how=how, names=names, task=TASK)

    def new_task(self, tt: str, title: str, v: dict[str, str], rn: int) -> _Product:
        if self.area is None:
            self.area = Area.CHI_DAO
            self.note(catalog.NO_SECTION, self.cell("title", rn))
        key = self.section or "NV"
        self.seq[key] += 1
        group = _Group(section=self.section, area=self.area, seq=self.seq[key], tt=tt, title=title, row=rn)
        product = _Product(row=rn, values={f: v.get(f, "") for f in ROW_FIELDS},
                           rows={f: rn for f in FIELDS})
        group.products.append(product)
        self.groups.append(group)
        self.check_number(tt, rn, product)
        if not title:
            self.note(catalog.EMPTY_TASK, self.cell("title", rn), product,
                      numbered=f" có số TT '{tt}' nhưng" if tt else "", column=LABELS["title"], task=TASK)
        elif not tt:
            self.note(catalog.NO_NUMBER, self.cell("tt", rn), product, task=TASK)
        return product

    def check_number(self, tt: str, rn: int, product: _Product) -> None:
        m = _TT_RE.match(tt)
        if not m:
            return
        num = int(m.group(1))
        prev = self.last_num.get(self.section)
        if prev is not None and num > prev + 1:
            missing = ", ".join(str(i) for i in range(prev + 1, num))
            self.note(catalog.NUMBERING_GAP, self.cell("tt", rn), product, prev=prev, num=num,
                      section=self.section or "(chưa có phần)", missing=missing)
        self.last_num[self.section] = num

    def add_product(self, group: _Group, last: _Product, tt: str, v: dict[str, str],
                    merged: set[str] | None, rn: int) -> _Product:
        values = {f: v.get(f, "") for f in ROW_FIELDS}
        rows = {f: rn for f in FIELDS}
        rows["title"] = group.row
        # Merged cells continue the value above.  Without merge information (text),
        # columns that are never legitimately empty are taken from the row above.
        inherit = merged if merged is not None else {"deadline_text", "lead", "monitor"}
        for f in ("deadline_text",) + UNIT_FIELDS:
            if not values[f] and f in inherit and last.values[f]:
                values[f] = last.values[f]
                rows[f] = last.rows[f]
        product = _Product(row=rn, values=values, rows=rows)
        group.products.append(product)
        self.last_product = product
        if tt and not group.tt:
            group.tt = tt
            self.check_number(tt, rn, product)
            self.note(catalog.NUMBERED_PRODUCT, self.cell("tt", rn), product, tt=tt, column=LABELS["title"],
                      task=TASK)
        return product

    def inherit_merged(self, product: _Product, merged: set[str] | None) -> None:
        """A cell merged down over several tasks (one lead, one deadline, one partner list for
        consecutive rows) belongs to every task it covers: take it from the task above."""
        prev = self.last_product
        self.last_product = product
        if not merged or prev is None:
            return
        for f in ("product", "deadline_text") + UNIT_FIELDS:
            if f in merged and not product.values[f] and prev.values[f]:
                product.values[f] = prev.values[f]
                product.rows[f] = prev.rows[f]
                self.shared.setdefault((f, prev.rows[f]), [prev]).append(product)

    def continue_text(self, group: _Group, last: _Product, parts: dict[str, str], rn: int) -> None:
        if parts.get("title"):
            group.title = f"{group.title} {parts['title']}".strip()
        for f in ROW_FIELDS:
            if parts.get(f):
                last.values[f] = f"{last.values[f]} {parts[f]}".strip()
        self.note(catalog.CONTINUATION_JOINED, self.cell("title", rn), last, task=TASK)

    def fill_trailing(self, rest: dict[str, str], rn: int, last: _Product | None) -> None:
        given = {f: val for f, val in rest.items() if val}
        if not given:
            return
        labels = ", ".join(f"'{LABELS[f]}'" for f in given)
        if last is None:
            self.note(catalog.ORPHAN_ROW, self.cell(next(iter(given)), rn), columns=labels)
            return
        for f, val in given.items():
            if not last.values[f]:
                last.values[f] = val
                last.rows[f] = rn
                self.note(catalog.TRAILING_FILLED, self.cell(f, rn), last, column=LABELS[f], value=val, task=TASK)
            elif fold(last.values[f]) != fold(val):
                self.note(catalog.TRAILING_CONFLICT, self.cell(f, rn), last, column=LABELS[f], value=val,
                          task=TASK, existing=last.values[f])


# ---------------------------------------------------------------- core entry point

def parse_appendix_rows(rows: list[list[str]], *, year: int, registry: UnitRegistry, file: str = "",
                        sheet: str = "", row_numbers: list[int] | None = None,
                        merged: list[list[bool]] | None = None, line_cells: bool = False,
                        preamble: Iterable[str] = (), row_sheets: list[str] | None = None) -> ImportResult:
    """Turn appendix rows (any source) into tasks + findings.

    ``row_numbers[i]`` is the row (or text line) of ``rows[i]`` in the source;
    ``merged`` marks cells continuing a vertical merge; ``line_cells`` names
    cells "dòng N" (text files) instead of "E23"; ``row_sheets[i]`` names the
    table of ``rows[i]`` when the appendix spans several tables (Word).
    """
    local = list(row_numbers) if row_numbers is not None else list(range(1, len(rows) + 1))
    # the parser keys rows by position (unique over several tables); cells name the local row
    numbers = list(range(1, len(rows) + 1)) if row_sheets else local
    clean = [[normalize_text(c) for c in row] for row in rows]
    h = find_header(clean)
    if h is None:
        raise catalog.NO_HEADER.error(expected="của bảng phân công (cần các cột 'TT', 'Nhiệm vụ', 'Sản phẩm', "
                                               "'Thời gian hoàn thành', 'Chủ trì'...).", file=file, sheet=sheet)
    colmap, start = table_header(clean, h)
    last_header_cell = max(i for i, c in enumerate(clean[h]) if c)
    ncols = max(max(colmap.values()), last_header_cell) + 1

    def cell_name(f: str, rn: int) -> str:
        where = ""
        if row_sheets:
            where, rn = f"{row_sheets[rn - 1]}!", local[rn - 1]
        if line_cells:
            return f"{where}dòng {rn}"
        col = colmap.get(f, colmap.get("title", 0))
        return f"{where}{get_column_letter(col + 1)}{rn}"

    parser = _Parser(year=year, registry=registry, colmap=colmap, ncols=ncols, cell_name=cell_name)
    head_findings = [catalog.MISSING_COLUMN(column=LABELS[f], file=file, sheet=row_sheets[h] if row_sheets else sheet,
                                            cell=f"dòng {local[h]}" if line_cells else str(local[h]))
                     for f in ("product", "deadline_text", "lead") if f not in colmap]
    for i in range(start, len(clean)):
        raw = clean[i]
        if not any(raw) or is_header_row(raw) or _is_header_part(raw) or _is_numbering_row(raw):
            continue
        parser.feed(raw, numbers[i], merged[i] if merged is not None and i < len(merged) else None)
    tasks, ids = _build_tasks(parser, year, registry)
    _check_tasks(parser, tasks, ids)
    _note_shared(parser, ids)
    findings = head_findings
    for p in parser.pending:
        tid = ids.get(id(p.product), "") if p.product is not None else ""
        where, _, cell = p.cell.rpartition("!")
        params = {k: tid if v is TASK else v for k, v in p.params.items()}
        findings.append(p.ftype(file=file, sheet=where or sheet, cell=cell, task_id=tid, severity=p.severity,
                                **params))
    order = {name: i for i, name in enumerate(dict.fromkeys(row_sheets or []))}
    findings.sort(key=lambda f: (order.get(f.sheet, 0), _finding_row(f)))
    info = guess_plan_info(_title_lines(clean[:h]) + [normalize_text(p) for p in preamble], year)
    return ImportResult(tasks=tasks, findings=findings, info=info, sections=dict(parser.sections))


def _note_shared(parser: _Parser, ids: dict[int, str]) -> None:
    """One finding per merged cell shared by several different tasks (what the import understood)."""
    for (f, rn), products in parser.shared.items():
        tasks = list(dict.fromkeys(ids[id(p)] for p in products))
        if len(tasks) < 2:
            continue
        parser.note(catalog.MERGED_APPLIED, parser.cell(f, rn), column=LABELS[f],
                    value=_short(products[0].values[f]), count=len(tasks), ids=", ".join(tasks))


def _short(text: str, size: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


def _finding_row(f: Finding) -> int:
    m = re.search(r"(\d+)$", f.cell)
    return int(m.group(1)) if m else 0


def _title_lines(rows: list[list[str]], keep: int = 6) -> list[str]:
    """The last non-empty lines above the header (the appendix title)."""
    lines = [" ".join(c for c in r if c) for r in rows]
    return [x for x in lines if x][-keep:]


def _build_tasks(parser: _Parser, year: int, registry: UnitRegistry) -> tuple[list[Task], dict[int, str]]:
    tasks: list[Task] = []
    ids: dict[int, str] = {}
    for g in parser.groups:
        many = len(g.products) > 1
        for i, p in enumerate(g.products):
            suffix = _suffix(i) if many else ""
            tid = f"{g.section or 'NV'}-{g.seq:02d}{suffix}"
            ids[id(p)] = tid
            deadline = parse_deadline(p.values["deadline_text"], year)
            lead = normalize_text(p.values["lead"])
            tasks.append(Task(id=tid, area=g.area, section=g.section, tt=g.tt, title=g.title,
                              product=p.values["product"], deadline_text=p.values["deadline_text"],
                              due=deadline.due, lead=lead, partners=p.values["partners"],
                              monitor=p.values["monitor"], lead_units=registry.resolve(lead)[0],
                              milestones=list(deadline.steps)))
    return tasks, ids


def _suffix(i: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return letters[i] if i < 26 else letters[i // 26 - 1] + letters[i % 26]


def _check_tasks(parser: _Parser, tasks: list[Task], ids: dict[int, str]) -> None:
    """Missing/unknown lead unit, missing/unparseable deadline."""
    by_id = {t.id: t for t in tasks}
    for g in parser.groups:
        for p in g.products:
            t = by_id[ids[id(p)]]
            lead_cell = parser.cell("lead", p.rows.get("lead", p.row))
            item = f"Nhiệm vụ {t.id}"
            # at import these are warnings (the official completes the master); the master checks say error
            if not t.lead:
                parser.note(catalog.MISSING_LEAD, lead_cell, p, severity="warning", item=item)
            for f in UNIT_FIELDS:
                if unknown := parser.registry.resolve(getattr(t, f))[1]:
                    # an unknown lead blocks the unit's workbook; partners/monitors are for information
                    parser.note(catalog.UNIT_PART_UNKNOWN, parser.cell(f, p.rows.get(f, p.row)), p,
                                severity=None if f == "lead" else "info", column=LABELS[f], task=t.id,
                                names=", ".join(f"'{n}'" for n in unknown))
            dl_cell = parser.cell("deadline_text", p.rows.get("deadline_text", p.row))
            if not t.deadline_text:
                parser.note(catalog.MISSING_DUE, dl_cell, p, item=item)
            elif parse_deadline(t.deadline_text, parser.year).kind == DeadlineKind.UNKNOWN:
                parser.note(catalog.DEADLINE_UNPARSED, dl_cell, p, severity="info", item=item,
                            text=t.deadline_text, due_column=header_of(TASK_COLUMNS, "due"))


# ---------------------------------------------------------------- plan header

_PLAN_NO = re.compile(r"(?:Kế hoạch|Quyết định)\s+số[:\s]*([0-9]+\s*/\s*[0-9A-Za-zĐđ/\-–]+)", re.I)
_PLAN_DATE = re.compile(r"ngày\s+(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})", re.I)
_PLAN_DATE_WORDS = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.I)
_COMMUNE = re.compile(r"(?:UBND|Ủy ban nhân dân)\s+(xã|phường|thị trấn|đặc khu)\s+((?:\w+\s*)+)", re.I)
_PROVINCE = re.compile(r"(?<!\w)(tỉnh|thành phố)\s+((?:\w+\s*)+)", re.I)
_YEAR_WORD = re.compile(r"\bnam (20\d\d)\b")


def guess_plan_info(lines: Iterable[str], year: int) -> PlanInfo | None:
    """PlanInfo from title lines like "(Ban hành kèm theo Kế hoạch số 149/KH-UBND ngày
    30/7/2025 của UBND xã Quảng Sơn)"; None when nothing is recognised."""
    text = "\n".join(normalize_text(x) for x in lines if normalize_text(x))
    number = date = None
    if m := _PLAN_NO.search(text):
        number = re.sub(r"\s+", "", m.group(1)).replace("–", "-")
    for rx in (_PLAN_DATE, _PLAN_DATE_WORDS):
        if (m := rx.search(text)) and date is None:
            try:
                date = dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            except ValueError:
                date = None
    commune = _named(_COMMUNE, text)
    province = _named(_PROVINCE, text)
    if not (number or date or commune):
        return None
    return PlanInfo(year=year, plan_number=number or "", plan_date=date, commune=commune,
                    province=province)


def _named(rx: re.Pattern[str], text: str) -> str:
    """"xã Quảng Sơn" from the first match of ``rx`` followed by a capitalised name."""
    for m in rx.finditer(text):
        words = []
        for word in m.group(2).split():
            if not word[:1].isupper():
                break
            words.append(word.title() if word.isupper() else word)
        if words:
            return f"{m.group(1).lower()} {' '.join(words)}"
    return ""


def guess_year(rows: list[list[str]], preamble: Iterable[str] = ()) -> int | None:
    """Plan year from the title ("... NĂM 2025"), the plan date or the deadline texts."""
    clean = [[normalize_text(c) for c in r] for r in rows]
    h = find_header(clean)
    head = _title_lines(clean[:h] if h is not None else clean[:10]) + [normalize_text(x) for x in preamble]
    for line in head:
        if m := _YEAR_WORD.search(fold(line)):
            return int(m.group(1))
    info = guess_plan_info(head, 0)
    if info and info.plan_date:
        return info.plan_date.year
    if h is None:
        return None
    col = header_map(clean[h]).get("deadline_text")
    years: Counter[int] = Counter()
    for r in clean[h + 1:]:
        if col is not None and col < len(r):
            years.update(int(y) for y in re.findall(r"\b(20\d\d)\b", r[col]))
    return years.most_common(1)[0][0] if years else None


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
        raise catalog.FILE_UNREADABLE.error(path=p, why=exc.strerror or exc, file=p.name) from exc


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
    skipped.  Merged ranges keep only the top-left value (``merged`` marks the rest)."""
    from openpyxl import load_workbook

    p = Path(path)
    _read_bytes(p)
    try:
        wb = load_workbook(p, data_only=True)
    except Exception as exc:  # zipfile/openpyxl raise several types for damaged files
        raise catalog.BAD_DOCUMENT.error(name=p.name, kind="Excel (.xlsx)", file=p.name) from exc
    blocks: list[tuple[str, list[list[str]], list[list[bool]]]] = []
    try:
        for ws in wb.worksheets:
            rows = [[_cell_text(v) for v in r] for r in
                    ws.iter_rows(min_row=1, min_col=1, max_row=ws.max_row, max_col=ws.max_column,
                                 values_only=True)]
            width = max((max((i for i, c in enumerate(r) if c.strip()), default=-1) for r in rows),
                        default=-1) + 1
            if not width:
                continue          # an empty sheet says nothing
            rows = [r[:width] for r in rows]
            merged = [[False] * width for _ in rows]
            for rng in ws.merged_cells.ranges:
                for r in range(rng.min_row + 1, rng.max_row + 1):
                    for c in range(rng.min_col, min(rng.max_col, width) + 1):
                        if r - 1 < len(merged):
                            merged[r - 1][c - 1] = True
            blocks.append((ws.title, rows, merged))
    finally:
        wb.close()
    return join_tables(blocks, p.name, lambda n: f"Không trang nào trong {n} trang có dữ liệu của tệp có "
                                                 "dòng tiêu đề như vậy.")


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


def import_appendix(path: str | Path, *, year: int | None = None,
                    registry: UnitRegistry | None = None) -> ImportResult:
    """Read an appendix file (.docx, .xlsx/.xlsm, .tsv/.txt) into tasks + findings.

    ``year`` defaults to the year in the title ("NĂM 2025"), else the deadline
    texts, else the current year.
    """
    p = Path(path)
    reader = READERS.get(p.suffix.lower())
    if reader is None:
        hint = (" Với tệp .doc/.xls đời cũ, hãy mở bằng Word/Excel và lưu lại dưới dạng .docx/.xlsx."
                if p.suffix.lower() in (".doc", ".xls") else "")
        raise catalog.UNSUPPORTED_FORMAT.error(name=p.name, suffix=p.suffix or "(không có đuôi)", hint=hint,
                                               file=p.name)
    table = reader(p)
    if year is None:
        year = guess_year(table.rows, table.preamble) or dt.date.today().year
    try:
        result = parse_appendix_rows(table.rows, year=year, registry=registry or UnitRegistry(DEFAULT_UNITS),
                                     file=p.name, sheet=table.sheet, row_numbers=table.row_numbers,
                                     merged=table.merged, line_cells=table.line_cells,
                                     preamble=table.preamble, row_sheets=table.row_sheets)
    except CchcError as exc:
        if exc.finding.code == catalog.NO_HEADER.code:
            raise catalog.NO_APPENDIX.error(file=p.name, hint="Không dòng nào của tệp là dòng tiêu đề "
                                            "như vậy.") from None
        raise
    result.findings[:0] = table.findings
    result.tables = list(dict.fromkeys(table.row_sheets or [table.sheet] if table.sheet else []))
    return result
