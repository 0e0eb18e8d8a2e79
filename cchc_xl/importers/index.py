"""Import CCHC index scores (Chỉ số CCHC): 8 areas, deducted criteria, remediation.

Sources:

* ``.xlsx``/``.xlsm``: a sheet laid out like ``schema.INDEX_COLUMNS`` (the master's
  "Chỉ số CCHC" sheet) or a simple table ``TT | Nội dung | Điểm tối đa | Điểm thẩm
  định | Điểm bị trừ`` (area rows have TT 1..8, the rows below are its criteria).
* ``.tsv``/``.txt`` (tab) and ``.csv``: the same simple table, e.g. pasted from a
  Word plan.
* ``.json``: the bundled format ``cchc_xl.index/1`` (see
  ``cchc_xl/data/cam_son_2023_chi_so.json``): the area table plus every deduction
  line and the remediation paragraph of each area, numbers as written.

Numbers are kept *as written*: nothing here corrects a deduction; ``validate``
reports the inconsistencies.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

from cchc_xl.core import schema as S
from cchc_xl.core.records import parse_area, read_table
from cchc_xl.core.models import AREA_NAMES, Area, Finding, IndexArea, IndexCriterion, RemediationItem
from cchc_xl.core.findings import catalog
from cchc_xl.core.text import CellValueError, fold, normalize_text, parse_points, strip_diacritics
from cchc_xl.importers.sources import delimited_rows, read_text

SAMPLE_FILE = "cam_son_2023_chi_so.json"
FIXTURE_FORMAT = "cchc_xl.index/1"
TOLERANCE = 0.005

_NUM = r"\d+(?:[.,]\d+)?"
_DEDUCTED = re.compile(rf"\bbi tru\s*:?\s*(?:diem\s*)?({_NUM})(?:\s*/\s*({_NUM}))?")
_ACHIEVED = re.compile(rf"({_NUM})\s*/\s*({_NUM})")
_TOTAL = re.compile(rf"\btong(?: so)?(?: diem)?\s*:?\s*({_NUM})")
_NO_POINTS = re.compile(r"\bkhong (?:co|dat|duoc) diem\b")
_CONTENT_IS = re.compile(r"\bnoi dung bi tru diem la\s+")
_LEADING = re.compile(r"^\s*(?:[-+•*–]\s*)?(?:\d+(?:\.\d+)*\.\s+)?")
_TAGS = re.compile(r"<[^>]+>")


# ---------------------------------------------------------------- one deduction line

@dataclass(frozen=True)
class DeductionLine:
    """Values read from one line such as "X: 1,43/1,5 điểm (bị trừ 0,7 điểm)"."""

    name: str
    max_points: float | None = None
    appraised: float | None = None
    deducted: float | None = None       # as written (not recomputed)
    no_points: bool = False             # "không có điểm": the criterion scored 0

    def criterion(self, area: Area, code: str = "") -> IndexCriterion:
        return IndexCriterion(area=area, code=code, name=self.name, max_points=self.max_points,
                              appraised=self.appraised, deducted=self.deducted)


def _fold_chars(text: str) -> str:
    """Lower case without diacritics, one output character per input character."""
    return "".join((strip_diacritics(c).lower() or c)[:1] for c in text)


def _num(raw: str | None) -> float | None:
    return parse_points(raw) if raw else None


def _clean_name(name: str) -> str:
    name = _LEADING.sub("", name).strip(" ,;:.-")
    if fold(name).endswith(" dat"):
        name = name[: name.rfind(" ")].rstrip(" ,;:")
    return name[:1].upper() + name[1:]


def _value_start(low: str) -> int | None:
    """Index where the numbers of the line begin (first marker), or None."""
    starts = [m.start() for m in (_DEDUCTED.search(low), _NO_POINTS.search(low)) if m]
    for m in _ACHIEVED.finditer(low):
        if re.match(r"\s*diem\b", low[m.end():]):
            starts.append(m.start())
            break
    return min(starts) if starts else None


def parse_deduction_line(text: object) -> DeductionLine | None:
    """Parse one deduction line; ``None`` when the line holds no score.

    Shapes: "X đạt: 1,43/1,5 điểm (bị trừ 0,7 điểm)", "X: đạt 0,5/2 điểm, bị trừ
    1,5 điểm", "X: bị trừ 0,2 điểm (tổng 0,5 điểm)", "X: bị trừ 2/2 điểm",
    "X, bị trừ 0,01 điểm", "X: không có điểm ...", "Điểm số bị trừ: 0,25 điểm, nội
    dung bị trừ điểm là X".
    """
    line = normalize_text(_TAGS.sub(" ", normalize_text(text)))
    low = _fold_chars(line)
    content = _CONTENT_IS.search(low)
    if content:
        name, values = line[content.end():], low[: content.start()]
    else:
        start = _value_start(low)
        if start is None:
            return None
        colon = line.rfind(":", 0, start)
        cut = colon if colon >= 0 else start
        name, values = line[:cut], low[cut:]
    deducted = max_points = appraised = None
    m = _DEDUCTED.search(values)
    if m:
        deducted, max_points = _num(m.group(1)), _num(m.group(2))
        values = values[: m.start()] + " " * (m.end() - m.start()) + values[m.end():]
    a = _ACHIEVED.search(values)
    if a:
        appraised = _num(a.group(1))
        max_points = max_points if max_points is not None else _num(a.group(2))
    t = _TOTAL.search(values)
    if t and max_points is None:
        max_points = _num(t.group(1))
    no_points = bool(_NO_POINTS.search(values))
    if no_points and appraised is None:
        appraised = 0.0
    if deducted is None and appraised is None:
        return None
    return DeductionLine(name=_clean_name(name), max_points=max_points, appraised=appraised,
                         deducted=deducted, no_points=no_points)


# ---------------------------------------------------------------- remediation measures

@dataclass(frozen=True)
class AreaMeasures:
    """The remediation paragraph of one area (Thời gian, Chủ trì, Phối hợp, Giải pháp)."""

    deadline_text: str = ""
    lead: str = ""
    partners: str = ""
    solutions: tuple[str, ...] = ()


def is_deducted(c: IndexCriterion) -> bool:
    """A criterion lost points: deduction > 0, or it scored 0 with no number written."""
    if c.deducted is not None:
        return c.deducted > TOLERANCE
    return c.appraised is not None and (c.max_points is None or c.appraised < c.max_points)


def remediation_items(criteria: Iterable[IndexCriterion], measures: dict[Area, AreaMeasures],
                      prefix: str = "KP") -> list[RemediationItem]:
    """One remediation item per deducted criterion ("KP-01", "KP-02", ...)."""
    items: list[RemediationItem] = []
    ordered = sorted(criteria, key=lambda c: int(c.area.value))  # stable: keeps source order
    for c in ordered:
        if not is_deducted(c):
            continue
        m = measures.get(c.area, AreaMeasures())
        items.append(RemediationItem(
            id=f"{prefix}-{len(items) + 1:02d}", area=c.area, criterion=c.name, deducted=c.deducted,
            solution="\n".join(f"- {s}" for s in m.solutions), deadline_text=m.deadline_text,
            lead=m.lead, partners=m.partners))
    return items


# ---------------------------------------------------------------- JSON (bundled format)

@dataclass
class IndexSource:
    """Everything read from a source: scores, measures per area, import findings."""

    areas: list[IndexArea]
    criteria: list[IndexCriterion]
    measures: dict[Area, AreaMeasures]
    findings: list[Finding]
    sheet: str = ""
    cells: dict[str, dict[str, str]] = field(default_factory=dict)   # "area:<n>"/"crit:<i>" -> field -> cell
    total: dict[str, float | None] = field(default_factory=dict)     # the document's own total row


def _label(key: str) -> str:
    """The column a score key is written in ("deducted" -> "Điểm bị trừ"; the JSON keys are the same)."""
    return S.header_of(S.INDEX_COLUMNS, key)


def _json_number(raw: Any, what: str, file: str, findings: list[Finding]) -> float | None:
    try:
        return parse_points(raw)
    except CellValueError as exc:
        findings.append(exc.finding(column=what, file=file))
        return None


def read_index_json(path: str | os.PathLike[str]) -> IndexSource:
    """Read the bundled JSON format (``cchc_xl.index/1``)."""
    p = Path(path)
    try:
        doc = json.loads(read_text(p))
    except json.JSONDecodeError as exc:
        raise catalog.INDEX_JSON_SYNTAX.error(line=exc.lineno, column=exc.colno, file=p.name) from None
    if not isinstance(doc, dict) or doc.get("format") != FIXTURE_FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else None
        raise catalog.INDEX_JSON_FORMAT.error(expected=FIXTURE_FORMAT, found=found or "", file=p.name)
    return index_from_dict(doc, file=p.name)


def index_from_dict(doc: dict[str, Any], file: str = "") -> IndexSource:
    """Build areas/criteria/measures from the parsed JSON document."""
    findings: list[Finding] = []
    src = IndexSource([], [], {}, findings)
    once = _Once(file=file)
    for number, raw in enumerate(_json_list(doc, "areas", file, findings), start=1):
        if not isinstance(raw, dict):
            findings.append(catalog.INDEX_JSON_ENTRY(key="areas", number=number, file=file))
            continue
        area = parse_area(raw.get("tt"))
        if area is None:
            findings.append(catalog.BAD_AREA(value=raw.get("tt") or "", file=file))
            continue
        nums = {k: _json_number(raw.get(k), f"Lĩnh vực {area.value}, {_label(k)}", file, findings)
                for k in ("max_points", "appraised", "deducted")}
        if nums["max_points"] is None:
            findings.append(catalog.MISSING_MAX_POINTS(area=area.value, file=file))
            continue
        once.area(area, f"mục {number} của \"areas\"")
        src.areas.append(IndexArea(area=area, name=normalize_text(raw.get("name")) or AREA_NAMES[area],
                                   **nums))
        _check_summary(raw.get("summary"), nums["deducted"], area, file, findings)
        for line in _json_list(raw, "criteria", file, findings):
            parsed = parse_deduction_line(line)
            if parsed is None:
                findings.append(catalog.INDEX_LINE_UNPARSED(area=area.value, text=normalize_text(line), file=file))
                continue
            src.criteria.append(parsed.criterion(area))
        rem = raw.get("remediation") or {}
        src.measures[area] = AreaMeasures(
            deadline_text=normalize_text(rem.get("deadline")), lead=normalize_text(rem.get("lead")),
            partners=normalize_text(rem.get("partners")),
            solutions=tuple(normalize_text(s) for s in rem.get("solutions", []) if normalize_text(s)))
    total = doc.get("total")
    if total and not isinstance(total, dict):
        findings.append(catalog.INDEX_JSON_ENTRY(key="total", number=1, file=file))
    elif total:
        t = {k: _json_number(total.get(k), f"Tổng điểm, {_label(k)}", file, findings)
             for k in ("max_points", "appraised", "deducted")}
        findings.extend(check_total_row(src.areas, t, file=file))
    return src


def _json_list(doc: dict[str, Any], key: str, file: str, findings: list[Finding]) -> list[Any]:
    """``doc[key]`` when it is a list (absent: empty; anything else: a finding, empty)."""
    value = doc.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        findings.append(catalog.INDEX_JSON_NOT_LIST(key=key, file=file))
        return []
    return value


def _check_summary(summary: object, deducted: float | None, area: Area, file: str,
                   findings: list[Finding]) -> None:
    """The "Điểm số bị trừ: X điểm" sentence of an area must repeat the table value."""
    parsed = parse_deduction_line(summary) if summary else None
    if parsed is None or parsed.deducted is None or deducted is None:
        return
    if abs(parsed.deducted - deducted) > TOLERANCE:
        findings.append(catalog.INDEX_SUMMARY_MISMATCH(area=area.value, stated=parsed.deducted, table=deducted,
                                                       file=file))


def check_total_row(areas: list[IndexArea], total: dict[str, float | None], *, file: str = "",
                    sheet: str = "", cells: dict[str, str] | None = None) -> list[Finding]:
    """Compare a "Tổng điểm" row with the sums over the areas (one finding per column).

    ``cells`` maps "max_points"/"appraised"/"deducted" to the cell of the total row.
    """
    out: list[Finding] = []
    for key in ("max_points", "appraised", "deducted"):
        values = [getattr(a, key) for a in areas]
        written = total.get(key)
        if written is None or not values or any(v is None for v in values):
            continue
        s = round(sum(values), 4)
        if abs(s - written) > TOLERANCE:
            out.append(catalog.INDEX_TOTAL_ROW_MISMATCH(column=_label(key), written=written, computed=s,
                                                        file=file, sheet=sheet, cell=(cells or {}).get(key, "")))
    return out


class _Once:
    """Refuses an area or a criterion code written twice in one source (``index_area_twice``,
    ``index_code_twice``, naming both rows): summing both, or keeping one, would be a guess."""

    def __init__(self, *, file: str = "", sheet: str = "") -> None:
        self.file, self.sheet = file, sheet
        self.areas: dict[Area, str] = {}
        self.codes: dict[str, tuple[str, str]] = {}

    @staticmethod
    def _place(where: str) -> str:
        return where if not where or where.startswith(("dòng", "mục")) else f"ô {where}"

    def area(self, area: Area, where: str) -> None:
        first = self.areas.get(area)
        self.areas.setdefault(area, where)
        if first is not None:
            raise catalog.INDEX_AREA_TWICE.error(area=area.value, first=self._place(first),
                                                 second=self._place(where), file=self.file, sheet=self.sheet,
                                                 cell=where if not where.startswith("mục") else "")

    def code(self, c: IndexCriterion, where: str) -> None:
        key = c.code.replace(" ", "").lower()
        if not key:
            return
        first = self.codes.get(key)
        self.codes.setdefault(key, (where, c.name))
        if first is not None:
            raise catalog.INDEX_CODE_TWICE.error(code=c.code, first=self._place(first[0]), first_name=first[1],
                                                 second=self._place(where), name=c.name, file=self.file,
                                                 sheet=self.sheet, cell=where)


# ---------------------------------------------------------------- tables (xlsx/tsv/csv)

def _strip(v: Any) -> Any:
    return normalize_text(_TAGS.sub(" ", v)) if isinstance(v, str) else v


_SIMPLE_HEADERS = {
    "tt": ("tt", "stt", "so tt", "so thu tu"),
    "name": ("noi dung", "tieu chi", "linh vuc", "noi dung tieu chi"),
    "max_points": ("diem toi da",),
    "appraised": ("diem tham dinh", "diem dat", "diem danh gia", "diem dat duoc"),
    "self_assessed": ("diem tu danh gia", "diem tu cham", "tu danh gia", "tu cham diem", "diem tu cham diem"),
    "deducted": ("diem bi tru",),
}
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8"}


def _simple_header(rows: list[tuple[Any, ...]], limit: int = 15) -> tuple[int, dict[str, int]] | None:
    for i, row in enumerate(rows[:limit]):
        keys = [fold(_strip(v)) if v not in (None, "") else "" for v in row]
        cmap: dict[str, int] = {}
        for key, names in _SIMPLE_HEADERS.items():
            j = next((j for j, k in enumerate(keys) if k in names), None)
            if j is not None:
                cmap[key] = j
        if "max_points" in cmap and "name" in cmap:
            return i, cmap
    return None


def _area_of_tt(v: Any) -> Area | None:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return parse_area(int(v)) if float(v).is_integer() else None
    key = fold(v).replace(" ", "")
    key = _ROMAN.get(key, key)
    return parse_area(key) if re.fullmatch(r"[1-8]", key) else None


def _cell(col: int, row: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col + 1)}{row}"


def read_simple_table(rows: list[tuple[Any, ...]], *, file: str = "", sheet: str = "") -> IndexSource:
    """Read "TT | Nội dung | Điểm tối đa | Điểm thẩm định | Điểm bị trừ" rows."""
    found = _simple_header(rows)
    if found is None:
        raise _no_simple_header(file=file, sheet=sheet)
    h, cmap = found
    src = IndexSource([], [], {}, [], sheet=sheet)
    current: Area | None = None
    once = _Once(file=file, sheet=sheet)
    for r in range(h + 1, len(rows)):
        raw = rows[r]
        get = lambda k: _strip(raw[cmap[k]]) if k in cmap and cmap[k] < len(raw) else None  # noqa: E731
        name = normalize_text(get("name"))
        if all(get(k) in (None, "") for k in cmap):
            continue
        nums: dict[str, float | None] = {}
        for key in ("max_points", "appraised", "deducted", "self_assessed"):
            if key not in cmap:
                nums[key] = None
                continue
            try:
                nums[key] = parse_points(get(key))
            except CellValueError as exc:
                nums[key] = None
                src.findings.append(exc.finding(column=_label(key), file=file, sheet=sheet,
                                                cell=_cell(cmap[key], r + 1)))
        if _is_total_row(get("tt"), name):
            cells = {k: _cell(cmap[k], r + 1) for k in nums if k in cmap}
            src.findings.extend(check_total_row(src.areas, nums, file=file, sheet=sheet, cells=cells))
            src.total = src.total or nums
            continue
        area = _area_of_tt(get("tt")) if "tt" in cmap else None
        if area is not None and name and _area_by_name(name) != area:
            # a row numbered 1..8 whose name is not that area: the table is not the 8 areas
            # (a 3-part 68/22/10 split...) - never assign points by row number
            raise catalog.INDEX_NOT_AREAS.error(file=file, sheet=sheet, cell=_cell(cmap["name"], r + 1),
                                                row=r + 1, name=name, area=area.value)
        if area is None and not get("tt") and nums["max_points"] is not None:
            area = parse_area(name) or _area_by_name(name)
        row_cells = {k: _cell(cmap[k], r + 1) for k in ("name", *nums) if k in cmap}
        row_cells["area"] = row_cells["code"] = _cell(cmap["tt" if get("tt") else "name"], r + 1)
        if area is not None:
            current = area
            once.area(area, row_cells["area"])
            if nums["max_points"] is None:
                src.findings.append(catalog.MISSING_MAX_POINTS(area=area.value, file=file, sheet=sheet,
                                                               cell=_cell(cmap["max_points"], r + 1)))
                continue
            src.areas.append(IndexArea(area=area, name=name or AREA_NAMES[area], **nums))
            src.cells[f"area:{area.value}"] = row_cells
            if "appraised" in cmap and get("appraised") in (None, ""):     # (text there: not_a_number)
                src.findings.append(catalog.INDEX_AREA_NO_APPRAISED(area=area.value, file=file, sheet=sheet,
                                                                    cell=row_cells["appraised"]))
            continue
        if current is None:
            src.findings.append(catalog.INDEX_CRITERION_NO_AREA(name=name, file=file, sheet=sheet,
                                                                cell=_cell(cmap["name"], r + 1)))
            continue
        if all(v is None for v in nums.values()):
            parsed = parse_deduction_line(name)
            if parsed is None:
                src.findings.append(catalog.INDEX_LINE_UNPARSED(area=current.value, text=name, file=file,
                                                                sheet=sheet, cell=_cell(cmap["name"], r + 1)))
                continue
            src.criteria.append(parsed.criterion(current, _code(get("tt"))))
            row_cells.update({k: row_cells["name"] for k in nums})     # the points are in the text
        else:
            src.criteria.append(IndexCriterion(area=current, code=_code(get("tt")), name=name, **nums))
        src.cells[f"crit:{len(src.criteria) - 1}"] = row_cells
        once.code(src.criteria[-1], _cell(cmap["tt"], r + 1) if "tt" in cmap else "")
    return src


_TOTAL_LABEL = re.compile(r"^(?:tong(?: cong)?(?: so)?(?: diem)?(?: dat(?: duoc)?)?(?: chi so(?: cchc)?)?|cong(?: diem)?)"
                          r"(?: (?:ca |cua )?(?:\d |tam |cac )?linh vuc)?$")


def _is_total_row(tt: Any, name: str) -> bool:
    """A total row: no area number or criterion code, and a total wording ("Tổng cộng",
    "Tổng điểm:", "Tổng số điểm", "Cộng"), in the name or the TT column - not any name
    that starts with "Tổng" ("Tổng hợp, báo cáo CCHC định kỳ" is a criterion)."""
    label = name
    if tt not in (None, ""):
        if _area_of_tt(tt) is not None or _code(tt):
            return False
        label = name or normalize_text(tt)
    return bool(_TOTAL_LABEL.match(fold(label)))


def _area_by_name(name: str) -> Area | None:
    """The area a row name means, by name only (short or full names, "Chỉ đạo điều hành"...)."""
    from cchc_xl.core.criteria import area_of_heading

    return parse_area(name) or area_of_heading(name)


def _code(tt: Any) -> str:
    code = normalize_text(tt).strip(" .-+")
    return code if re.search(r"\d", code) else ""


def read_index_sheet(rows: list[tuple[Any, ...]], *, file: str = "", sheet: str = "") -> IndexSource:
    """Read a sheet laid out like ``schema.INDEX_COLUMNS`` (level "Lĩnh vực"/"Tiêu chí")."""
    recs, findings = read_table(rows, S.INDEX_COLUMNS, file=file, sheet=sheet,
                                required=("area", "name", "max_points"))
    src = IndexSource([], [], {}, list(findings), sheet=sheet)

    def cell(key: str, row: int) -> dict[str, str]:
        return {"file": file, "sheet": sheet, "cell": f"{S.col_letter(S.INDEX_COLUMNS, key)}{row}"}

    once = _Once(file=file, sheet=sheet)
    for row, rec in recs:
        area = parse_area(rec.get("area"))
        if area is None:
            src.findings.append(catalog.BAD_AREA_NUMBER(**cell("area", row)))
            continue
        nums: dict[str, float | None] = {}
        for key in ("max_points", "appraised", "deducted"):
            try:
                nums[key] = parse_points(rec.get(key))
            except CellValueError as exc:
                nums[key] = None
                src.findings.append(exc.finding(column=_label(key), **cell(key, row)))
        name = normalize_text(rec.get("name"))
        if fold(rec.get("level")) == fold(S.LEVEL_AREA):
            if nums["max_points"] is None:
                src.findings.append(catalog.MISSING_MAX_POINTS(area=area.value, **cell("max_points", row)))
                continue
            once.area(area, cell("area", row)["cell"])
            src.areas.append(IndexArea(area=area, name=name or AREA_NAMES[area], **nums))
            key = f"area:{area.value}"
        else:
            src.criteria.append(IndexCriterion(area=area, code=normalize_text(rec.get("code")),
                                               name=name, **nums))
            once.code(src.criteria[-1], cell("code", row)["cell"])
            key = f"crit:{len(src.criteria) - 1}"
        src.cells[key] = {k: cell(k, row)["cell"] for k in ("area", "code", "name", *nums)}
    return src


def _xlsx_rows(path: Path) -> list[tuple[str, list[tuple[Any, ...]]]]:
    from cchc_xl.files.excel import load_xlsx

    wb = load_xlsx(path, read_only=True, data_only=True)
    try:
        sheets = [(ws.title, [tuple(r) for r in ws.iter_rows(values_only=True)]) for ws in wb.worksheets]
    finally:
        wb.close()
    sheets.sort(key=lambda s: s[0] != S.SHEET_INDEX)  # the master's sheet first
    return sheets


def _text_rows(path: Path) -> list[tuple[Any, ...]]:
    return delimited_rows(read_text(path), comma=path.suffix.lower() == ".csv")


def _read_rows(rows: list[tuple[Any, ...]], *, file: str, sheet: str) -> IndexSource | None:
    """Pick the layout of a sheet: master index layout, simple table, or None."""
    from cchc_xl.core.records import find_header_row

    if find_header_row(rows, S.INDEX_COLUMNS[0].header) is not None and any(
            fold(v) == fold(S.header_of(S.INDEX_COLUMNS, "level")) for r in rows[:15] for v in r if v):
        return read_index_sheet(rows, file=file, sheet=sheet)
    if _simple_header(rows) is not None:
        return read_simple_table(rows, file=file, sheet=sheet)
    return None


def read_index_source(path: str | os.PathLike[str]) -> IndexSource:
    """Read any supported file into an ``IndexSource``."""
    p = Path(path)
    if not p.exists():
        raise catalog.NO_FILE.error(file=str(p))
    ext = p.suffix.lower()
    if ext == ".json":
        return read_index_json(p)
    if ext in (".xlsx", ".xlsm"):
        for sheet, rows in _xlsx_rows(p):
            src = _read_rows(rows, file=p.name, sheet=sheet)
            if src is not None:
                return src
        raise catalog.INDEX_NO_SHEET.error(file=p.name)
    if ext in (".tsv", ".txt", ".csv"):
        src = _read_rows(_text_rows(p), file=p.name, sheet="")
        if src is None:
            raise _no_simple_header(file=p.name)
        return src
    raise catalog.FILE_TYPE.error(suffix=p.suffix or "(không có đuôi)", what="điểm Chỉ số CCHC",
                                  accepted=".xlsx, .tsv, .csv hoặc .json", file=p.name)


def _no_simple_header(*, file: str, sheet: str = "") -> Exception:
    return catalog.NO_HEADER.error(expected="có cột 'Nội dung' và 'Điểm tối đa'", file=file, sheet=sheet)


def import_index(path: str | os.PathLike[str]) -> tuple[list[IndexArea], list[IndexCriterion], list[Finding]]:
    """Index areas, criteria and import findings from ``path`` (.xlsx, .tsv, .csv, .json)."""
    src = read_index_source(path)
    return src.areas, src.criteria, src.findings


def sample_index() -> tuple[list[IndexArea], list[IndexCriterion], list[RemediationItem]]:
    """The bundled sample (xã Cẩm Sơn, index 2023), numbers as published - errors included."""
    ref = resources.files("cchc_xl") / "data" / SAMPLE_FILE
    with resources.as_file(ref) as p:
        src = read_index_json(p)
    return src.areas, src.criteria, remediation_items(src.criteria, src.measures)


# ---------------------------------------------------------------- index results (nhap-chi-so)

_N = r"(\d+(?:[.,]\d+)?)"
_SUM_TOTAL = re.compile(rf"(?:dat|duoc cham(?: diem)?|cham diem|tong diem(?: dat)?|tong so diem)\s*(?:tong so\s*)?(?:diem\s*)?:?\s*{_N}(?:\s*/\s*100)?\s*diem")
_SUM_CHANGE = re.compile(rf"\b(tang|giam)\s*{_N}\s*diem\s*so voi(?: nam)?\s*(\d{{4}})")
_SUM_SURVEY = re.compile(rf"diem (?:dieu tra )?xa hoi hoc\s*(?:la|dat|:)?\s*{_N}")
_SUM_RANK = re.compile(r"\bxep (?:thu|hang)(?: thu)?\s*(\d+)\s*/\s*(\d+)")
_SUM_YEAR = re.compile(r"chi so (?:cai cach hanh chinh|cchc)(?: cua [^.]{0,40}?)?(?: nam)?\s*(\d{4})"
                       r"|kiem tra (?:cong tac )?(?:cai cach hanh chinh|cchc)(?: nam)?\s*(\d{4})")


@dataclass
class IndexResult:
    """Index results of one year as a document states them (numbers as written)."""

    year: int | None = None
    areas: list[IndexArea] = field(default_factory=list)
    criteria: list[IndexCriterion] = field(default_factory=list)
    total: float | None = None
    survey: float | None = None
    rank: str = ""                    # "01/19"
    rating: str = ""
    change: tuple[str, float, int] | None = None   # ("giam", 4.86, 2023)
    findings: list[Finding] = field(default_factory=list)
    sheet: str = ""                   # where the table is ("Bảng 2" of a Word document, a sheet)
    cells: dict[str, dict[str, str]] = field(default_factory=dict)   # as ``IndexSource.cells``


def _folded_with_digits(text: str) -> str:
    """Lower case, no diacritics, punctuation kept (numbers like 83,33 and 01/19 survive)."""
    return strip_diacritics(normalize_text(text)).lower()


def parse_summary_sentences(lines: Iterable[str]) -> dict[str, Any]:
    """Total, survey points, change vs a year, rank, rating and index year from prose."""
    out: dict[str, Any] = {}
    for line in lines:
        low = _folded_with_digits(line)
        if "total" not in out and (m := _SUM_TOTAL.search(low)) and "bi tru" not in low[max(0, m.start() - 12):m.start()]:
            value = parse_points(m.group(1))
            if value is not None and value <= 100:
                out["total"] = value
        if "change" not in out and (m := _SUM_CHANGE.search(low)):
            out["change"] = (m.group(1), parse_points(m.group(2)), int(m.group(3)))
        if "survey" not in out and (m := _SUM_SURVEY.search(low)):
            out["survey"] = parse_points(m.group(1))
        if "rank" not in out and (m := _SUM_RANK.search(low)):
            out["rank"] = f"{m.group(1)}/{m.group(2)}"
        if "rating" not in out and (i := low.find("xep loai")) >= 0:
            orig = normalize_text(line)
            word = re.split(r"[,.;()]", orig[i + len("xep loai"):])[0].strip(" :")
            if word:
                out["rating"] = word[:30]
        if "year" not in out and (m := _SUM_YEAR.search(low)):
            out["year"] = int(m.group(1) or m.group(2))
    return out


def read_index_results(path: str | os.PathLike[str], year: int | None = None) -> IndexResult:
    """Index results of a table file (.xlsx/.tsv/.csv/.json) or a plan document (.docx/.txt/.md).

    A table not laid out as the 8 areas is refused (``index_not_areas``); a document with
    only a total is accepted with a warning (``index_only_total``).
    """
    p = Path(path)
    ext = p.suffix.lower()
    res = IndexResult()
    lines: list[str] = []
    stated: float | None = None               # the total row of the table
    if ext in (".docx", ".md") or (ext == ".txt" and not _is_plain_table(p)):
        from cchc_xl.importers.plan_text import Table, read_blocks

        for block in read_blocks(p):
            if isinstance(block, Table):
                if _simple_header(block.rows) is not None and not res.areas:
                    src = read_simple_table([tuple(r) for r in block.rows], file=p.name, sheet=f"Bảng {block.number}")
                    res.areas, res.criteria, res.sheet, res.cells = src.areas, src.criteria, src.sheet, src.cells
                    res.findings.extend(src.findings)
                    stated = src.total.get("appraised")
                else:
                    lines.extend(" ".join(c for c in row if c) for row in block.rows)
            else:
                lines.append(block.text)
    else:
        src = read_index_source(p)
        res.areas, res.criteria, res.sheet, res.cells = src.areas, src.criteria, src.sheet, src.cells
        stated = src.total.get("appraised")
        res.findings.extend(src.findings)
        if ext == ".json":
            doc = json.loads(read_text(p))
            year = year or doc.get("index_year")
    said = parse_summary_sentences(lines)
    res.year = year or said.get("year")
    res.total = said.get("total")
    res.survey = said.get("survey")
    res.rank = said.get("rank", "")
    res.rating = said.get("rating", "")
    res.change = said.get("change")
    if not res.areas and res.total is None:
        raise catalog.INDEX_NOTHING.error(file=p.name)
    if not res.areas:
        res.findings.append(catalog.INDEX_ONLY_TOTAL(file=p.name))
    if res.year is None:
        raise catalog.INDEX_NO_YEAR.error(file=p.name)
    if res.areas and res.total is not None and all(a.appraised is not None for a in res.areas):
        computed = round(sum(a.appraised or 0 for a in res.areas), 4)
        if len(res.areas) == 8 and abs(computed - res.total) > TOLERANCE:
            res.findings.append(catalog.INDEX_TOTAL_MISMATCH(stated=res.total, computed=computed, file=p.name))
    if res.total is None and res.areas and all(a.appraised is not None for a in res.areas):
        res.total = round(sum(a.appraised or 0 for a in res.areas), 4)
    if res.total is None and stated is not None:
        res.total = stated            # an area's points left blank: the document's own total, as written
    return res


def _is_plain_table(p: Path) -> bool:
    """A .txt that is a tab-separated table from its first line (not a plan in prose)."""
    try:
        head = p.read_text(encoding="utf-8-sig")[:2000]
    except (OSError, UnicodeDecodeError):
        return False
    first = next((line for line in head.splitlines() if line.strip()), "")
    return first.count("\t") >= 2
