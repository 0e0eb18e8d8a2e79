"""``parse_appendix_rows``: plain rows of strings -> tasks with stable ids and located findings
(sections, unnumbered tasks, further products, text continued across pages, realigned rows)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable

from openpyxl.utils import get_column_letter

from cchc_xl.core.deadlines import parse_deadline
from cchc_xl.core.findings import FindingType, catalog
from cchc_xl.core.models import Area, DeadlineKind, Finding, Severity, Task
from cchc_xl.core.schema import TASK_COLUMNS, header_of
from cchc_xl.core.text import fold, normalize_text
from cchc_xl.core.units import UnitRegistry
from cchc_xl.importers.appendix.table import (FIELDS, LABELS, ROW_FIELDS, UNIT_FIELDS, ImportResult, _ROMAN_PREFIX_RE,
                                              _ROMAN_RE, _TT_RE, _is_header_part, _is_numbering_row,
                                              _looks_like_deadline, _short, _title_lines, _tt_like, area_from_name,
                                              DEADLINE_COMPLETION, DEADLINE_PROGRESS, NOT_DEADLINE, deadline_choice,
                                              find_header, header_labels, header_map, is_header_row, roman_value,
                                              time_rank)
from cchc_xl.importers.appendix.plan_info import guess_plan_info


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
        self.roman_seen = False         # a Roman section row: "1", "2"... are tasks, never sections
        self.row = 0                    # source row being fed

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
            self.roman_seen = True
            return m.group(1), name, stray
        filled = [(i, c) for i, c in enumerate(raw) if c]
        if filled:
            m2 = _ROMAN_PREFIX_RE.match(filled[0][1])
            if m2 and roman_value(m2.group(1)) and (len(filled) == 1 or filled[0][0] == tt_col):
                self.roman_seen = True
                return m2.group(1), m2.group(2), [c for _, c in filled[1:]]
        return self.arabic_section(raw, tt, title_col)

    def arabic_section(self, raw: list[str], tt: str, title_col: int | None) -> tuple[str, str, list[str]] | None:
        """A heading numbered "1", "2"... (tasks "1.1", "1.2" below) in a table without Roman sections:
        the row names one of the index areas and has nothing but its number and name."""
        m = _ARABIC_SECTION_RE.match(tt)
        if not m or self.roman_seen or title_col is None or title_col >= len(raw):
            return None
        name = raw[title_col]
        if area_from_name(name) is None or any(
                raw[c] for f, c in self.colmap.items() if f not in ("tt", "title") and c < len(raw)):
            return None
        roman = _to_roman(int(m.group(1)))
        if roman is None:
            return None
        self.note(catalog.SECTION_FROM_NUMBER, self.cell("tt", self.row), tt=tt, name=_short(name), roman=roman)
        return roman, name, []

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
        self.row = rn
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


_ARABIC_SECTION_RE = re.compile(r"^(\d{1,2})\.?$")


def _to_roman(n: int) -> str | None:
    """1 -> "I" ... 39 -> "XXXIX" (the section keys of task ids); None outside that range."""
    if not 0 < n < 40:
        return None
    out = ""
    for value, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        count, n = divmod(n, value)
        out += letters * count
    return out


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
    labels, start = header_labels(clean, h)
    colmap = header_map(labels)
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
    head_findings += _deadline_column_findings(labels, file=file, sheet=row_sheets[h] if row_sheets else sheet,
                                               row=f"dòng {local[h]}" if line_cells else str(local[h]))
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


_TIME_KIND = {NOT_DEADLINE: "ngày bắt đầu", DEADLINE_PROGRESS: "tiến độ", DEADLINE_COMPLETION: "thời hạn"}


def _deadline_column_findings(labels: list[str], *, file: str, sheet: str, row: str) -> list[Finding]:
    """What the header says about the deadline column: two columns as sure as each other (a
    guess, warned), a progress column taken for want of a better one, the time columns skipped."""
    choice = deadline_choice(labels)

    def where(col: int) -> str:
        return row if row.startswith("dòng") else f"{get_column_letter(col + 1)}{row}"

    def name(col: int) -> str:
        return _short(labels[col], 40)

    out: list[Finding] = []
    taken = choice.column
    if taken is not None and choice.rivals:
        out.append(catalog.DEADLINE_COLUMN_AMBIGUOUS(taken=name(taken), rivals=", ".join(
            f"'{name(c)}'" for c in choice.rivals), file=file, sheet=sheet, cell=where(taken)))
    elif taken is not None and time_rank(labels[taken]) == DEADLINE_PROGRESS:
        out.append(catalog.DEADLINE_COLUMN_GUESSED(column=name(taken), file=file, sheet=sheet, cell=where(taken)))
    for col in choice.skipped:
        out.append(catalog.DEADLINE_COLUMN_SKIPPED(
            column=name(col), why=_TIME_KIND.get(time_rank(labels[col]) or 0, "thời gian thực hiện"),
            taken=f"; hạn lấy từ cột '{name(taken)}'" if taken is not None else "", file=file, sheet=sheet,
            cell=where(col)))
    return out


def _note_shared(parser: _Parser, ids: dict[int, str]) -> None:
    """One finding per merged cell shared by several different tasks (what the import understood)."""
    for (f, rn), products in parser.shared.items():
        tasks = list(dict.fromkeys(ids[id(p)] for p in products))
        if len(tasks) < 2:
            continue
        parser.note(catalog.MERGED_APPLIED, parser.cell(f, rn), column=LABELS[f],
                    value=_short(products[0].values[f]), count=len(tasks), ids=", ".join(tasks))


def _finding_row(f: Finding) -> int:
    m = re.search(r"(\d+)$", f.cell)
    return int(m.group(1)) if m else 0


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


