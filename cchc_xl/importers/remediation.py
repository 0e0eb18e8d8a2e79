"""Remediation plans (Kế hoạch khắc phục tồn tại, hạn chế sau Chỉ số CCHC) -> items.

Communes write these plans in prose more often than in tables.  The parser reads the
blocks of ``plan_text`` and understands:

* area headings in the document's own order, numbered ("1.", "III."), lettered
  ("a) Đối với lĩnh vực…") or plain Markdown/bold headings, matched to the 8 index
  areas **by name** - never by their number;
* criteria as bullets ("-", "*", "+", "\\*") under "Điểm số bị trừ…", or as item headings
  ("Tiêu chí 1.4.1: …", "7.3.7. …", "a) …: bị trừ 0,5 điểm"), with the points deducted as
  written ("bị trừ 0,50 điểm", "bị trừ 1 điểm (tổng 0,5 điểm)", "đạt 0,5/2 điểm",
  "… nên bị trừ 0,50 điểm" in the result sentence);
* fields "Kết quả thực hiện năm …", "Chỉ tiêu khắc phục", "Định hướng/Giải pháp khắc phục",
  "Bộ phận chủ trì tham mưu (khắc phục)", "Cơ quan tham mưu", "Chủ trì", "Cơ quan phối hợp",
  "Thời gian thực hiện/hoàn thành"…, given for one item or once for a group of items
  (the area, or the items of a list);
* tables with columns such as "Tiêu chí | Điểm bị trừ | Giải pháp | Chủ trì | Phối hợp |
  Thời gian".

Nothing is guessed silently: an item without a lead stays without one (a finding says
so); criterion codes found by name matching are *suggestions*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from cchc_xl.core.criteria import NUMBERING as _NUMBERING, CriteriaSet, area_of_heading, match_criterion, normalize_code
from cchc_xl.core.deadlines import parse_deadline
from cchc_xl.core.findings import catalog
from cchc_xl.core.models import AREA_SHORT, Area, DeadlineKind, Finding, RemediationItem
from cchc_xl.core.text import fold, normalize_text, parse_points
from cchc_xl.importers.index import parse_deduction_line
from cchc_xl.importers.plan_text import Block, Line, Table, read_blocks

FIELDS = ("last_result", "target", "solution", "deadline_text", "lead", "partners")
FIELD_LABELS = {"last_result": "Kết quả năm trước", "target": "Chỉ tiêu khắc phục",
                "solution": "Giải pháp khắc phục", "deadline_text": "Thời gian khắc phục",
                "lead": "Chủ trì", "partners": "Phối hợp"}

# field label (folded, parentheses removed) -> field; the whole text before ":" must match
_FIELD_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((k, re.compile(rf"^(?:{p})$")) for k, p in (
    ("summary", r"(?:tong )?(?:so )?diem(?: so)? bi tru(?: diem)?|noi dung bi tru diem|cac noi dung bi tru diem"
                r"|cac tieu chi bi tru diem|tieu chi bi tru diem|ton tai han che"),
    ("last_result", r"ket qua(?: thuc hien| dat duoc| danh gia| cham diem)?(?: nam \d{4}| nam truoc)?"),
    ("target", r"chi tieu(?: khac phuc| phan dau| can dat)?(?: nam \d{4})?|muc tieu(?: khac phuc)?"),
    ("solution", r"(?:dinh huong |nhiem vu )?(?:va )?(?:giai phap|bien phap|nhiem vu)(?: va giai phap)?"
                 r"(?: khac phuc| thuc hien)?|dinh huong(?: khac phuc)?|dinh huong giai phap khac phuc"),
    ("deadline_text", r"thoi (?:gian|han)(?: khac phuc| thuc hien| hoan thanh)*(?: thuc hien| hoan thanh)?"),
    ("lead", r"(?:bo phan|co quan|don vi|nguoi|can bo|cong chuc)?(?: ?chu tri)?(?: tham muu)?(?: khac phuc)?"
             r"(?: thuc hien)?|chu tri(?: thuc hien| tham muu)?|thuc hien|trach nhiem thuc hien|phu trach"),
    ("partners", r"(?:co quan|don vi|bo phan|can bo)? ?phoi hop(?: thuc hien)?"),
))
_GROUP_WORDS = re.compile(r"\bchung\b|\bcac tieu chi tren\b|\bcac noi dung tren\b")
_PARENS = re.compile(r"\([^)]*\)")
_TIEU_CHI = re.compile(r"^(?:tiêu chí|tieu chi)(?: thành phần| thanh phan)?\s+(?P<code>\d+[a-z]?(?:\.\d+[a-z]?)*)"
                       r"\.?\s*[:.\-–]?\s*", re.I)
_CODE_LEAD = re.compile(r"^(?P<code>\d+[a-z](?:\.\d+[a-z]?)*|\d+(?:\.\d+){2,}[a-z]?)\.?\s*[:.\-–]?\s+", re.I)
_LIST_END = re.compile(r"(?:trong do|gom|cu the|do la|nhu sau|bao gom)\s*$")
_STOP = re.compile(r"^(?:tren day la|noi nhan|to chuc thuc hien|kinh phi thuc hien)")
_DEDUCTION_ANYWHERE = re.compile(r"bi tru\s*:?\s*(?:diem\s*)?\d|khong (?:co|dat|duoc) diem|\d\s*/\s*\d+(?:[.,]\d+)?\s*diem")
_MAX_IN_NAME = re.compile(r"\(\s*(?:tối đa|toi da)?\s*(\d+(?:[.,]\d+)?)\s*(?:điểm|diem)\s*\)\s*$", re.I)


def field_of(text: str) -> tuple[str, str, bool] | None:
    """("lead", "Công chức Văn phòng - Thống kê", group?) for "Chủ trì thực hiện: Công chức…"."""
    head, sep, tail = text.partition(":")
    if not sep:
        head, tail = text, ""
    if len(head) > 90:
        return None
    key = fold(_PARENS.sub(" ", head))
    group = bool(_GROUP_WORDS.search(key))
    key = _GROUP_WORDS.sub(" ", key)
    key = re.sub(r"\b(?:cho|cua|doi voi)\b", " ", key)
    key = " ".join(key.replace(" va ", " ").split())
    for name, rx in _FIELD_PATTERNS:
        if key and rx.match(key):
            if not sep and name in ("lead", "last_result") and key in ("thuc hien", "ket qua"):
                return None
            return name, tail.strip(), group
    return None


# ---------------------------------------------------------------- parsed items

@dataclass
class ParsedItem:
    area: Area
    name: str
    code: str = ""                     # criterion code as written ("" when the document gives none)
    deducted: float | None = None
    max_points: float | None = None
    appraised: float | None = None
    fields: dict[str, list[str]] = field(default_factory=dict)
    own: set[str] = field(default_factory=set)      # fields given for this item itself
    line: int = 0
    in_list: bool = False             # a bullet of a list (fields after it belong to the group)

    def add(self, key: str, text: str) -> None:
        if text:
            self.fields.setdefault(key, []).append(text)
        else:
            self.fields.setdefault(key, [])
        self.own.add(key)

    def label(self) -> str:
        code = f"{self.code} " if self.code else ""
        name = self.name if len(self.name) <= 70 else self.name[:67] + "…"
        return f"Lĩnh vực {self.area.value} - {code}{name}"


@dataclass
class _AreaCtx:
    area: Area
    fields: dict[str, list[str]] = field(default_factory=dict)
    items: list[ParsedItem] = field(default_factory=list)


@dataclass
class RemediationDoc:
    """What a remediation plan says: items (with inherited fields resolved) and findings."""

    items: list[RemediationItem]
    findings: list[Finding]
    parsed: list[ParsedItem] = field(default_factory=list)
    source: str = ""


def _join(key: str, parts: list[str]) -> str:
    parts = [p for p in (normalize_text(x) for x in parts) if p]
    if key == "solution":
        return "\n".join(p if p.startswith("- ") else f"- {p}" for p in parts)
    return " ".join(parts).strip(" ;.")


class _Parser:
    def __init__(self, file: str) -> None:
        self.file = file
        self.findings: list[Finding] = []
        self.areas: list[_AreaCtx] = []
        self.ctx: _AreaCtx | None = None
        self.item: ParsedItem | None = None
        self.field: str | None = None           # field receiving continuation lines
        self.field_owner: str = "area"          # "area" | "item"
        self.in_summary = False                 # bullets are criteria (after "Điểm số bị trừ: … trong đó:")
        self.stopped = False
        self.columns: tuple[int, dict[str, int], list[str]] | None = None   # (width, columns, header) of the
        #                                                                     table just read

    # ------------------------------------------------------------ areas
    def open_area(self, area: Area) -> None:
        ctx = next((c for c in self.areas if c.area == area), None)
        if ctx is None:
            ctx = _AreaCtx(area)
            self.areas.append(ctx)
        self.ctx, self.item, self.field, self.in_summary = ctx, None, None, False

    def close_area(self) -> None:
        self.ctx, self.item, self.field, self.in_summary = None, None, None, False

    # ------------------------------------------------------------ items
    def new_item(self, name: str, code: str, line: int, *, in_list: bool, deducted: float | None = None,
                 max_points: float | None = None) -> ParsedItem:
        assert self.ctx is not None
        m = _MAX_IN_NAME.search(name)
        if m and max_points is None:
            max_points = parse_points(m.group(1))
            name = name[: m.start()].rstrip(" :,-")
        name = name.strip(" :;.,-")
        item = ParsedItem(area=self.ctx.area, name=name[:1].upper() + name[1:], code=code, deducted=deducted,
                          max_points=max_points, line=line, in_list=in_list)
        self.ctx.items.append(item)
        self.item = item
        self.field = None
        return item

    def item_from_text(self, text: str, code: str, line: int, *, in_list: bool) -> ParsedItem:
        parsed = parse_deduction_line(text)
        if parsed is not None:
            item = self.new_item(parsed.name, code, line, in_list=in_list, deducted=parsed.deducted,
                                 max_points=parsed.max_points)
            item.appraised = parsed.appraised
            return item
        return self.new_item(text, code, line, in_list=in_list)

    # ------------------------------------------------------------ fields
    def set_field(self, key: str, value: str, group: bool) -> None:
        assert self.ctx is not None
        if key == "summary":
            self.in_summary = True
            self.field = None
            content = re.search(r"(?i)n[ộo]i dung b[ịi] tr[ừu] đi[ểe]m l[àa]\s+(.+)$", value)
            if content:
                self.item_from_text(content.group(1), "", 0, in_list=True)
                self.item.deducted = self.item.deducted if self.item.deducted is not None else _first_number(value)
            return
        self.in_summary = False
        to_item = self.item is not None and not self.item.in_list and not group
        if to_item:
            self.item.add(key, value)
            self.field_owner = "item"
        else:
            if self.item is not None and self.item.in_list or group:
                self.item = None
            self.ctx.fields.setdefault(key, [])
            if value:
                self.ctx.fields[key].append(value)
            self.field_owner = "area"
        self.field = key

    def add_to_field(self, text: str) -> None:
        assert self.ctx is not None and self.field is not None
        if self.field_owner == "item" and self.item is not None:
            self.item.fields.setdefault(self.field, []).append(text)
        else:
            self.ctx.fields.setdefault(self.field, []).append(text)

    # ------------------------------------------------------------ lines
    def feed(self, line: Line) -> None:
        self.columns = None                     # a table after this line does not continue the one before
        if self.stopped:
            return
        text = line.text
        f = fold(text)
        if _STOP.match(fold(_NUMBERING.sub("", text))):
            self.stopped = self.ctx is not None or bool(self.areas)
            self.close_area()
            return
        num = _NUMBERING.match(text)
        body = text[num.end():] if num else text
        level = (num.group("num") or "").count(".") if num else 0
        # a field ("1.3. Chủ trì thực hiện: …", "- Cơ quan phối hợp: …")
        fld = field_of(body) if self.ctx is not None else None
        if fld is not None:
            self.set_field(*fld)
            return
        # an area heading
        if not line.bullet and len(body.split()) <= 22 and not _DEDUCTION_ANYWHERE.search(f) and (
                (num and level == 0) or line.heading or fold(body).startswith(("linh vuc", "doi voi linh vuc"))):
            area = area_of_heading(body)
            if area is not None:
                self.open_area(area)
                return
            if line.heading or (num and num.group("roman")):
                if self.ctx is not None and (line.heading and not num or (num and num.group("roman"))):
                    if fold(body).startswith(("linh vuc", "doi voi linh vuc")):
                        self.findings.append(catalog.REMEDIATION_UNKNOWN_AREA(line=line.number, text=text,
                                                                             file=self.file))
                    self.close_area()
                    return
        if self.ctx is None:
            return
        # an item with an explicit code: "Tiêu chí 1.4.1: …", "7.3.7. …"
        m = _TIEU_CHI.match(body) or _CODE_LEAD.match(body) or (
            _CODE_LEAD.match(text) if num and level >= 2 else None)
        if m is not None:
            rest = (body if m.re is not _CODE_LEAD or m.string is body else text)[m.end():]
            code = normalize_code(m.group("code"))
            if _LIST_END.search(fold(rest)) and _DEDUCTION_ANYWHERE.search(fold(rest)):
                self.in_summary = True     # a parent criterion followed by its sub-criteria
            self.item_from_text(rest, code, line.number, in_list=False)
            self.in_summary = self.in_summary and _LIST_END.search(fold(rest)) is not None
            return
        has_points = _DEDUCTION_ANYWHERE.search(f) is not None
        if has_points and _LIST_END.search(f):
            self.in_summary, self.field, self.item = True, None, None   # "5. …: bị trừ 1,88, trong đó:"
            return
        if line.bullet and (self.in_summary or (has_points and self.field is None)):
            self.item_from_text(body, "", line.number, in_list=True)
            return
        if (num or line.heading) and not line.bullet and (has_points or self.in_summary):
            self.item_from_text(body, "", line.number, in_list=False)
            self.in_summary = False
            return
        if self.field is not None:
            self.add_to_field(body if line.bullet else text)
            return
        if has_points:
            self.item_from_text(body, "", line.number, in_list=not (num or line.heading))
            return
        self.findings.append(catalog.REMEDIATION_SKIPPED_LINE(line=line.number, text=_short(text), file=self.file))

    # ------------------------------------------------------------ tables
    def where(self, table: Table, r: int, column: str) -> dict[str, str]:
        """Sheet/cell of row ``r`` (0-based) of ``table``, column headed ``column``: "Bảng 2",
        "dòng 3, cột 'Điểm bị trừ'" in a Word document, the line of a text table."""
        if self.file.lower().endswith(".docx"):
            return {"sheet": f"Bảng {table.number}", "cell": f"dòng {r + 1}, cột '{column}'"}
        return {"sheet": "", "cell": f"dòng {table.number + r}, cột '{column}'"}

    def feed_table(self, table: Table) -> None:
        """A table with its header row; a table without one right after a remediation table as
        wide continues it (a table split across pages, header not repeated); any other is
        skipped, and said so (``remediation_table_skipped``)."""
        width = max((len(r) for r in table.rows), default=0)
        cols = _table_columns(table.rows)
        header = table.rows[cols[0]] if cols is not None else []
        if cols is None and self.columns is not None and self.columns[0] == width:
            cols, header = (-1, self.columns[1]), self.columns[2]
        if cols is None:
            if any(c for r in table.rows for c in r):
                where = f"Bảng {table.number}" if self.file.lower().endswith(".docx") else \
                    f"Bảng ở dòng {table.number}"
                self.findings.append(catalog.REMEDIATION_TABLE_SKIPPED(
                    table=where, rows=len(table.rows), first=_short(" | ".join(c for c in table.rows[0] if c), 60),
                    file=self.file))
            self.columns = None
            return
        h, cmap = cols
        self.columns = (width, cmap, header)
        merged = table.merged
        last: dict[str, str] = {}
        for r in range(h + 1, len(table.rows)):
            row = table.rows[r]
            get = lambda k: normalize_text(row[cmap[k]]) if k in cmap and cmap[k] < len(row) else ""  # noqa: E731
            name = get("name")
            others = [get(k) for k in FIELDS if k in cmap]
            area = area_of_heading(name) if name else None
            filled = [normalize_text(c) for c in row if normalize_text(c)]
            heading = area_of_heading(filled[0]) if len(filled) == 1 and len(row) > 1 else None
            if heading is not None:
                # a heading merged across the row ("I. CẢI CÁCH THỂ CHẾ": Word keeps the text in the first
                # cell, whichever column that is)
                self.open_area(heading)
                continue
            if area is not None and not any(others) and not get("deducted"):
                self.open_area(area)
                continue
            if area is None and "area" in cmap and get("area"):
                area = area_of_heading(get("area"))
                if area is not None and (self.ctx is None or self.ctx.area != area):
                    self.open_area(area)
            if not name or self.ctx is None:
                continue
            code = normalize_code(get("code")) if get("code") else ""
            m = _TIEU_CHI.match(name) or _CODE_LEAD.match(name)
            if m is not None:
                code, name = code or normalize_code(m.group("code")), name[m.end():]
            item = self.item_from_text(name, code, table.number + r, in_list=False)
            if get("deducted"):
                try:
                    item.deducted = parse_points(get("deducted").replace("điểm", "").strip())
                except ValueError:
                    item.deducted = _first_number(get("deducted"))
                if item.deducted is not None and item.deducted < 0:
                    raise catalog.REMEDIATION_NEGATIVE_POINTS.error(
                        value=get("deducted"), item=item.label(), file=self.file,
                        **self.where(table, r, header[cmap["deducted"]]))
            for key in FIELDS:
                if key not in cmap:
                    continue
                value = get(key)
                # a cell merged down in Word belongs to every row of the group
                if not value and merged and r < len(merged) and cmap[key] < len(merged[r]) and merged[r][cmap[key]]:
                    value = last.get(key, "")
                if value:
                    last[key] = value
                    item.add(key, value if key != "solution" else value)
        self.item, self.field = None, None


def _first_number(text: str) -> float | None:
    m = re.search(r"\d+(?:[.,]\d+)?", text or "")
    return parse_points(m.group(0)) if m else None


def _short(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


_TABLE_HEADERS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((k, re.compile(p)) for k, p in (
    ("tt", r"^(?:s?tt|so tt|so thu tu)$"),
    ("code", r"^(?:ma(?: so)?(?: tieu chi)?)$"),
    ("area", r"^linh vuc$"),
    ("name", r"^(?:(?:noi dung|tieu chi)(?: tieu chi)?(?: thanh phan)?(?: bi tru diem)?|ton tai han che"
             r"|noi dung ton tai han che|tieu chi bi tru diem)$"),
    ("deducted", r"^(?:so )?diem bi tru$"),
    ("last_result", r"^ket qua(?: thuc hien| dat duoc)?(?: nam \d{4}| nam truoc)?$"),
    ("target", r"^chi tieu(?: khac phuc| phan dau)?$|^muc tieu$"),
    ("solution", r"^(?:dinh huong )?(?:nhiem vu )?(?:giai phap|bien phap)(?: khac phuc| thuc hien)?$"
                 r"|^dinh huong(?: giai phap)?(?: khac phuc)?$|^nhiem vu giai phap(?: khac phuc)?$"),
    ("lead", r"^(?:bo phan |co quan |don vi )?chu tri(?: tham muu)?(?: khac phuc)?(?: thuc hien)?$|^co quan tham muu$"),
    ("partners", r"^(?:bo phan |co quan |don vi )?phoi hop(?: thuc hien)?$"),
    ("deadline_text", r"^thoi (?:gian|han)(?: khac phuc| thuc hien| hoan thanh)*$"),
))


def _table_columns(rows: list[list[str]], limit: int = 6) -> tuple[int, dict[str, int]] | None:
    for i, row in enumerate(rows[:limit]):
        cmap: dict[str, int] = {}
        for j, cell in enumerate(row):
            key = fold(_PARENS.sub(" ", cell)).replace(" va ", " ")
            key = " ".join(key.split())
            for name, rx in _TABLE_HEADERS:
                if name not in cmap and rx.match(key):
                    cmap[name] = j
                    break
        if "name" in cmap and ({"solution", "lead"} & set(cmap)):
            return i, cmap
    return None


# ---------------------------------------------------------------- document -> items

def parse_blocks(blocks: list[Block], *, file: str = "") -> tuple[list[ParsedItem], list[Finding], list[_AreaCtx]]:
    parser = _Parser(file)
    for block in blocks:
        if isinstance(block, Table):
            parser.feed_table(block)
        else:
            parser.feed(block)
    items: list[ParsedItem] = []
    for ctx in parser.areas:
        for item in ctx.items:
            for key in FIELDS:
                if key not in item.own or not any(item.fields.get(key, [])):
                    if ctx.fields.get(key):
                        item.fields[key] = list(ctx.fields[key])
            # "… nên bị trừ 0,50 điểm" in the result sentence of the item
            if item.deducted is None:
                for key in ("last_result",):
                    for text in item.fields.get(key, []):
                        parsed = parse_deduction_line(text)
                        if parsed is not None and parsed.deducted is not None:
                            item.deducted = parsed.deducted
                            item.max_points = item.max_points if item.max_points is not None else parsed.max_points
                            break
            items.append(item)
    return items, parser.findings, parser.areas


def to_items(parsed: list[ParsedItem], *, year: int, source: str = "", file: str = "",
             cset: CriteriaSet | None = None) -> tuple[list[RemediationItem], list[Finding]]:
    """Remediation items (without ids: ``id`` is the provisional "?" until merged)."""
    out: list[RemediationItem] = []
    findings: list[Finding] = []
    for p in parsed:
        values = {k: _join(k, p.fields.get(k, [])) for k in FIELDS}
        deadline = parse_deadline(values["deadline_text"], year) if values["deadline_text"] else None
        suggested = ""
        if cset is not None and not p.code:
            ref = match_criterion(cset, p.area, p.name)
            if ref is not None:
                suggested = ref.code
                findings.append(catalog.REMEDIATION_CODE_SUGGESTED(item=p.label(), codes=ref.code, file=file))
        label = p.label()
        if not values["lead"]:
            findings.append(catalog.REMEDIATION_NO_LEAD(item=label, file=file))
        if p.deducted is None:
            findings.append(catalog.REMEDIATION_NO_POINTS(item=label, file=file))
        if not values["deadline_text"]:
            findings.append(catalog.REMEDIATION_NO_DEADLINE(item=label, file=file))
        elif deadline is not None and deadline.due is None:
            findings.append(catalog.REMEDIATION_DEADLINE_CONDITIONAL(item=label, text=values["deadline_text"],
                                                                     file=file))
        out.append(RemediationItem(
            id="?", area=p.area, criterion=p.name, criterion_code=p.code, deducted=p.deducted,
            last_result=values["last_result"], target=values["target"], solution=values["solution"],
            deadline_text=values["deadline_text"], due=deadline.due if deadline else None,
            lead=values["lead"], partners=values["partners"], criteria_suggested=suggested, source=source))
    return out, findings


def read_remediation_plan(path: str | Path, *, year: int, cset: CriteriaSet | None = None) -> RemediationDoc:
    """Read a remediation plan document into items and findings (no ids yet)."""
    p = Path(path)
    blocks = read_blocks(p)
    parsed, findings, _ = parse_blocks(blocks, file=p.name)
    if not parsed:
        raise catalog.REMEDIATION_NONE.error(file=p.name)
    items, more = to_items(parsed, year=year, source=p.name, file=p.name, cset=cset)
    return RemediationDoc(items=items, findings=findings + more, parsed=parsed, source=p.name)


def area_label(area: Area) -> str:
    return f"{area.value}. {AREA_SHORT[area]}"


__all__ = ["RemediationDoc", "ParsedItem", "area_of_heading", "field_of", "parse_blocks", "to_items",
           "read_remediation_plan", "DeadlineKind"]
