"""Bring a commune's own index documents into the master file.

``import_remediation(master, document)`` - "Nhập khắc phục": the items of a remediation
plan merged into "Khắc phục" (``core.remediation_merge`` decides; this module reads the
master, and writes it back: backup, atomic write, cells patched in place so that what the
official added to the workbook - drawings, comments, VBA, buttons - is kept).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from cchc_xl.core import index_years as IY
from cchc_xl.core import schema as S
from cchc_xl.core.criteria import CriteriaSet
from cchc_xl.core.findings import catalog
from cchc_xl.core.models import AREA_NAMES, CchcError, Finding, IndexArea, IndexCriterion, Plan
from cchc_xl.core.remediation_merge import (MergeResult, merge_findings, merge_remediation, read_base,
                                            remediation_edits)
from cchc_xl.core.units import DEFAULT_UNITS, UnitRegistry
from cchc_xl.files.safeio import atomic_path, backup, file_sha256, write_error
from cchc_xl.files.xlsx_patch import Formula
from openpyxl.utils import get_column_letter


WRITE_ACTION = "ghi sổ tổng hợp"     # "{action}" of the write findings (write_denied, write_aborted...)


def write_edits(path: Path, edits: dict[str, dict[tuple[int, int], Any]]) -> None:
    """Write cell edits into the master atomically: patched in place (drawings, comments, VBA,
    buttons kept); a package layout the patcher refuses is written with openpyxl instead."""
    from cchc_xl.files.xlsx_patch import PatchUnsupported, patch_xlsx

    try:
        try:
            with atomic_path(path) as tmp:
                patch_xlsx(path, tmp, edits)
        except PatchUnsupported:
            from openpyxl import load_workbook

            from cchc_xl.files.excel import save_xlsx
            from cchc_xl.workbook.cells import put, put_formula

            wb = load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm")
            for sheet, cells in edits.items():
                ws = wb[sheet]
                for (row, col), value in cells.items():
                    if isinstance(value, Formula):
                        put_formula(ws, row, col, value.text)
                    else:
                        put(ws, row, col, value)          # text stays text, never a formula
            with atomic_path(path) as tmp:
                save_xlsx(wb, tmp)
    except OSError as exc:      # open in Excel, read-only, disk full
        raise write_error(exc, path, WRITE_ACTION) from None


@dataclass
class RemediationImport:
    master: Path
    document: Path
    read: list[Finding] = field(default_factory=list)        # what the document said (and lacked)
    merge: MergeResult = field(default_factory=MergeResult)
    changes: list[Finding] = field(default_factory=list)     # what the import changes in the master
    items: int = 0
    suggested: int = 0                                        # tasks given a suggested criterion code
    dry_run: bool = False
    written: bool = False
    backup: Path | None = None


def lead_findings(plan: Plan, items: list[Any], file: str = "") -> list[Finding]:
    """A warning for each lead name the "Đơn vị" sheet cannot map to a unit."""
    reg = UnitRegistry(plan.units or DEFAULT_UNITS)
    out = []
    for item in items:
        if not item.lead:
            continue
        _, unknown = reg.resolve(item.lead)
        for name in unknown:
            out.append(catalog.REMEDIATION_UNKNOWN_LEAD(item=f"Lĩnh vực {item.area.value} - {item.criterion[:60]}",
                                                        name=name, file=file))
    return out


def plan_remediation_import(sheets: dict[str, list[tuple[Any, ...]]], document: Path, *,
                            cset: CriteriaSet | None = None, file: str = "",
                            year: int | None = None,
                            formulas: Mapping[str, frozenset[str]] | None = None) -> tuple[RemediationImport, dict]:
    """Read ``document`` and decide the merge against the master's plain sheet values.

    Returns the result and the cell edits ({sheet: {(row, col): value}}).  ``formulas``:
    the master's cells holding a formula ({sheet: addresses}; ``guard_formula_cells``).
    """
    from cchc_xl.core.records import read_master_sheets
    from cchc_xl.importers.remediation import read_remediation_plan

    data = read_master_sheets(sheets, file=file)
    year = year or data.plan.info.year
    if cset is None:
        from cchc_xl.importers.criteria import bundled_for

        cset = bundled_for(data.plan.info.province, year)
    known = master_criteria_set(data.plan)
    if known is not None and any(c.code for c in data.plan.index_criteria):
        cset = known            # the commune's own coded criteria before the bundled set
    doc = read_remediation_plan(document, year=year, cset=cset)
    source = document.name
    base = read_base(sheets.get(S.SHEET_META) or [], source)
    res = merge_remediation(data.plan.remediation, doc.items, source=source, base=base)
    headers = {c.key: c.header for c in S.REMEDIATION_COLUMNS}
    result = RemediationImport(master=Path(file), document=document, merge=res, items=len(doc.items))
    result.read = doc.findings + lead_findings(data.plan, doc.items, file=document.name)
    result.changes = merge_findings(res, file=file, headers=headers)
    edits = remediation_edits(sheets, data.rows.get(S.SHEET_REMEDIATION, {}), res, source=source)
    suggestions, result.suggested = task_suggestion_edits(
        sheets, data.plan, data.rows.get(S.SHEET_TASKS, {}), master_criteria_set(data.plan, doc.items))
    if suggestions and not res.is_empty:
        edits.setdefault(S.SHEET_TASKS, {}).update(suggestions)
    return result, guard_formula_cells(edits, formulas, sheets, file=file)


def import_remediation(master: str | Path, document: str | Path, *, dry_run: bool = False,
                       cset: CriteriaSet | None = None, year: int | None = None) -> RemediationImport:
    """"Nhập khắc phục" on files: read, merge, and (unless ``dry_run``) write the master."""
    path, doc = Path(master), Path(document)
    sha, sheets, formulas = _read_master(path, S.SHEET_REMEDIATION)
    result, edits = plan_remediation_import(sheets, doc, cset=cset, file=path.name, year=year, formulas=formulas)
    result.master, result.dry_run = path, dry_run
    if not (dry_run or result.merge.is_empty):
        result.backup = _write_if_unchanged(path, sha, edits)
        result.written = True
    return result


def _read_master(path: Path, sheet: str
                 ) -> tuple[str, dict[str, list[tuple[Any, ...]]], dict[str, frozenset[str]]]:
    """(SHA-256, plain values of the sheets an import needs, the cells holding a formula in
    the sheets it writes) of the master file, read once."""
    from cchc_xl.roundtrip.consolidate.state import FORMULA_CELLS, read_master_values

    if not path.is_file():
        raise catalog.NO_FILE.error(file=str(path))
    sha = file_sha256(path)
    sheets = read_master_values(path, [S.SHEET_TASKS, S.SHEET_UNITS, sheet, S.SHEET_META],
                                scan=(S.SHEET_TASKS, sheet))
    if sheet not in sheets:
        raise catalog.MISSING_SHEET.error(name=sheet, file=path.name)
    return sha, sheets, sheets.get(FORMULA_CELLS) or {}


# sheets where a write planned over a formula is only a suggestion: left out, never refused
_OPTIONAL_SHEETS = (S.SHEET_TASKS,)


def guard_formula_cells(edits: dict[str, dict[tuple[int, int], Any]],
                        formulas: Mapping[str, frozenset[str]] | None,
                        sheets: Mapping[str, list[tuple[Any, ...]]], *, file: str = "") -> dict:
    """``edits`` that never replace a formula the official put in the master.

    A write of the value the formula already shows is left out (the formula stays); a
    suggestion (``_OPTIONAL_SHEETS``) over a formula is left out; any other write over a
    formula refuses the whole import by cell (``import_formula_cell``): no row is written
    half.  The tool's own formulas (``Formula`` values) are written as planned."""
    from cchc_xl.core.index_years import same

    for sheet, cells in edits.items():
        refs = (formulas or {}).get(sheet)
        if not refs:
            continue
        rows = sheets.get(sheet) or []
        for (r, c), value in list(cells.items()):
            ref = f"{get_column_letter(c)}{r}"
            if isinstance(value, Formula) or ref not in refs:
                continue
            row = rows[r - 1] if r - 1 < len(rows) else ()
            current = row[c - 1] if c - 1 < len(row) else None
            if same(value, current) or sheet in _OPTIONAL_SHEETS:
                del cells[(r, c)]
                continue
            raise catalog.IMPORT_FORMULA_CELL.error(current=_show(current), new=_show(value), file=file, sheet=sheet,
                                                    cell=ref)
    return edits


def _write_if_unchanged(path: Path, sha: str, edits: dict[str, dict[tuple[int, int], Any]]) -> Path:
    """Back the master up and write ``edits`` - unless the file changed since it was read."""
    if file_sha256(path) != sha:
        raise catalog.MASTER_CHANGED.error(action="nhập", file=path.name)
    try:
        saved = backup(path)
    except OSError as exc:
        raise write_error(exc, path, WRITE_ACTION) from None
    write_edits(path, edits)
    return saved


__all__ = ["RemediationImport", "import_remediation", "plan_remediation_import", "lead_findings", "dt"]


# ================================================================= index results ("Nhập chỉ số")

YEARS_META_KEY = "chi_so_cac_nam"   # _meta: {year: {areas, criteria, total, survey, rank, rating, source}} (JSON)


@dataclass
class IndexImport:
    master: Path
    document: Path
    year: int = 0
    findings: list[Finding] = field(default_factory=list)
    years: dict[int, dict[str, Any]] = field(default_factory=dict)
    changed: bool = False
    suggested: int = 0
    dry_run: bool = False
    written: bool = False
    backup: Path | None = None

    @property
    def summary(self) -> str:
        from cchc_xl.core.text import format_number

        lines = [f"Chỉ số CCHC trong sổ ({len(self.years)} năm):"]
        prev = None
        for y in sorted(self.years):
            d = self.years[y]
            total = d.get("total")
            parts = [f"tổng điểm {format_number(total)}" if total is not None else "chưa có tổng điểm"]
            if d.get("survey") is not None:
                parts.append(f"điều tra XHH {format_number(d['survey'])}")
            if d.get("rank"):
                parts.append(f"xếp thứ {d['rank']}")
            if d.get("rating"):
                parts.append(f"xếp loại {d['rating']}")
            if prev is not None and total is not None and prev.get("total") is not None:
                delta = round(total - prev["total"], 2)
                parts.append(("tăng " if delta >= 0 else "giảm ") + format_number(abs(delta)))
            lines.append(f"  - Năm {y}: " + ", ".join(parts) + f" ({len(d.get('areas', []))} lĩnh vực, "
                         f"{len(d.get('criteria', []))} tiêu chí)")
            prev = d
        return "\n".join(lines)


def _recorded_years(meta_rows: list[tuple[Any, ...]], text: Any, file: str) -> dict[int, dict[str, Any]]:
    """The years kept in "_meta" (``YEARS_META_KEY``); a record that does not read refuses the
    import (``master_index_years_damaged``): going on would drop the earlier years."""
    import json

    if text in (None, ""):
        return {}
    try:
        years = {int(k): v for k, v in json.loads(str(text)).items()}
        for d in years.values():
            for part in ("areas", "criteria"):
                for e in d.get(part) or []:       # each one as the table lays it out (ValidationError: ValueError)
                    (IndexArea if part == "areas" else IndexCriterion).model_validate(e)
    except (ValueError, TypeError, AttributeError, RecursionError):
        row = next((i for i, r in enumerate(meta_rows, start=1) if r and r[0] == YEARS_META_KEY), 0)
        raise catalog.MASTER_INDEX_YEARS_DAMAGED.error(file=file, sheet=S.SHEET_META,
                                                       cell=f"B{row}" if row else "") from None
    return years


def _year_record(res: Any, source: str) -> dict[str, Any]:
    return {"areas": [a.model_dump(mode="json") for a in res.areas],
            "criteria": [c.model_dump(mode="json") for c in res.criteria],
            "total": res.total, "survey": res.survey, "rank": res.rank, "rating": res.rating, "source": source}


def _criteria_from_document(document: Path, year: int) -> list[Any]:
    """Deducted criteria stated in the prose of a plan (the remediation parser reads them)."""
    from cchc_xl.core.models import IndexCriterion
    from cchc_xl.importers.plan_text import read_blocks
    from cchc_xl.importers.remediation import parse_blocks

    parsed, _, _ = parse_blocks(read_blocks(document), file=document.name)
    return [IndexCriterion(area=p.area, code=p.code, name=p.name, max_points=p.max_points, appraised=p.appraised,
                           deducted=p.deducted)
            for p in parsed if p.deducted is not None or p.max_points is not None]


def plan_index_import(sheets: dict[str, list[tuple[Any, ...]]], document: Path, *, year: int | None = None,
                      file: str = "", cset: CriteriaSet | None = None,
                      formulas: Mapping[str, frozenset[str]] | None = None) -> tuple[IndexImport, dict]:
    """Read ``document`` and decide the cells of "Chỉ số CCHC" (all years side by side).

    What the official typed into the table since the last import is kept (``core.index_years``):
    a corrected value, a row added or deleted, a year's points in its column; a new document
    for that year does not replace it (``index_kept``).  ``formulas``: as in
    ``plan_remediation_import``."""
    import json

    from cchc_xl.core.criteria import check_scores
    from cchc_xl.core.validate import validate_index_source
    from cchc_xl.core.records import meta_dict, read_master_sheets
    from cchc_xl.importers.criteria import bundled_for
    from cchc_xl.importers.index import read_index_results

    res = read_index_results(document, year=year)
    assert res.year is not None
    if not res.criteria and document.suffix.lower() in (".docx", ".txt", ".md"):
        try:
            res.criteria = _criteria_from_document(document, res.year)
        except CchcError:
            pass
    out = IndexImport(master=Path(file), document=document, year=res.year, findings=list(res.findings))
    meta_rows = sheets.get(S.SHEET_META) or []
    data = read_master_sheets(sheets, file=file)
    plan = data.plan
    if cset is None:
        cset = bundled_for(plan.info.province, res.year)
    # what 'kiem-tra' will say of these scores, said now at the document's cells; the numbers
    # are still written as the document states them (and the command exits 1)
    out.findings.extend(validate_index_source(res.areas, res.criteria, file=document.name, sheet=res.sheet,
                                              cells=res.cells))
    if cset is not None and res.areas:
        out.findings.extend(check_scores(cset, res.areas, res.criteria, file=document.name, validated=True))
    meta = meta_dict(meta_rows)
    years = _recorded_years(meta_rows, meta.get(YEARS_META_KEY), file)
    recorded = copy.deepcopy(years)            # as the last import wrote them
    sheet_entries = _sheet_entries(data)
    header_row = _index_header_row(sheets)
    held = plan.info.index_year
    base: dict[str, Any] | None
    if not years and plan.index_areas and held:
        # the scores already in the sheet (typed by the official) are kept as their year
        years[held] = {"areas": [a.model_dump(mode="json") for a in plan.index_areas],
                       "criteria": [c.model_dump(mode="json") for c in plan.index_criteria],
                       "total": round(sum(a.appraised or 0 for a in plan.index_areas), 4), "survey": None,
                       "rank": "", "rating": "", "source": S.SHEET_INDEX}
        base = {"areas": [], "criteria": []} if held == res.year else None   # every value is the official's
        laid_out = 0
    else:
        out.findings.extend(_hand_changes(years, sheet_entries, sheets, header_row, file))
        base = recorded.get(res.year)
        shown = _shown_year(recorded)
        laid_out = len(IY.table_entries(recorded[shown])) if shown is not None else 0
    record = _year_record(res, document.name)
    old = years.get(res.year)
    if old is not None and not record["areas"] and old.get("areas"):
        record["areas"], record["criteria"] = old["areas"], old["criteria"]   # a total-only source keeps the table
    if old is not None:
        record, kept = IY.merge_year(base, old, record)
        out.findings.extend(_kept_findings(kept, file))
    years[res.year] = record
    out.changed = years != recorded
    out.years = years
    if res.change is not None:
        direction, stated, prev = res.change
        label = "tăng" if direction == "tang" else "giảm"
        if prev in years and years[prev].get("total") is not None and res.total is not None:
            computed = round(res.total - years[prev]["total"], 2)
            if abs(computed - (stated if direction == "tang" else -stated)) > 0.005:
                out.findings.append(catalog.INDEX_CHANGE_MISMATCH(
                    direction=label, stated=stated, prev=prev, year=res.year, total=res.total,
                    prev_total=years[prev]["total"], computed=("+" if computed >= 0 else "") + _num(computed),
                    file=document.name))
        elif res.total is not None:
            implied = round(res.total - stated if direction == "tang" else res.total + stated, 2)
            out.findings.append(catalog.INDEX_CHANGE_UNCHECKED(direction=label, stated=stated, prev=prev,
                                                               implied=implied, file=document.name))
    owned = set(data.rows.get(S.SHEET_INDEX, {}).values()) | set(range(header_row + 1, header_row + 1 + laid_out))
    edits = index_edits(sheets, years, owned_rows=owned, file=file)
    _set_meta(edits[S.SHEET_META], sheets, YEARS_META_KEY,
              json.dumps({str(k): v for k, v in sorted(years.items())}, ensure_ascii=False, sort_keys=True))
    coded = [c for c in res.criteria if c.code]
    if coded and out.changed:
        from cchc_xl.core.criteria import CriterionDef

        cs = CriteriaSet(province=plan.info.province or "(sổ tổng hợp)", year=res.year, criteria=[
            CriterionDef(code=c.code, area=c.area, name=c.name, max_points=c.max_points) for c in coded])
        suggestions, out.suggested = task_suggestion_edits(sheets, plan, data.rows.get(S.SHEET_TASKS, {}), cs)
        if suggestions:
            edits.setdefault(S.SHEET_TASKS, {}).update(suggestions)
    info = plan.info.model_copy(update={"index_year": max(years)})
    info_row = next((i for i, r in enumerate(meta_rows, start=1) if r and r[0] == "plan_info"), None)
    if info_row is not None:
        edits[S.SHEET_META][(info_row, 2)] = info.model_dump_json()
    return out, guard_formula_cells(edits, formulas, sheets, file=file)


def _num(v: float) -> str:
    from cchc_xl.core.text import format_number

    return format_number(v)


def index_edits(sheets: dict[str, list[tuple[Any, ...]]], years: dict[int, dict[str, Any]], *,
                owned_rows: set[int] | None = None, file: str = "") -> dict:
    """Cells of "Chỉ số CCHC": the latest year with areas in the main columns, every year's
    appraised points side by side (columns "Thẩm định NĂM") and the change between the
    last two years; rows of an earlier, longer table are cleared.

    Only what the tool laid out is written over: the rows ``owned_rows`` (the table the
    last import laid out, and the rows read as index rows) and the columns whose header it
    wrote ("Thẩm định NĂM", "Tăng/giảm"); the years go to the right of the columns the
    official added.  A cell of the official's in the way refuses the import, by name
    (``index_row_taken``, ``index_column_taken``): nothing is written."""
    rows = sheets.get(S.SHEET_INDEX) or []
    header_row = _index_header_row(sheets)
    h = header_row - 1
    main_year = _shown_year(years)
    cells: dict[tuple[int, int], Any] = {}
    ncols = len(S.INDEX_COLUMNS)
    keys = ("area", "level", "code", "name", "max_points", "appraised", "deducted", "self_assessed")
    col = {k: S.col_index(S.INDEX_COLUMNS, k) for k in keys}
    table: list[dict[str, Any]] = []
    if main_year is not None:
        for kind, key, e in IY.table_entries(years[main_year]):
            if kind == "area":
                area = IndexArea.model_validate(e)
                table.append({"area": int(area.area.value), "level": S.LEVEL_AREA, "code": area.area.value,
                              "name": area.name or AREA_NAMES[area.area], "max_points": area.max_points,
                              "appraised": area.appraised, "deducted": area.deducted,
                              "self_assessed": area.self_assessed, "_key": key})
            else:
                c = IndexCriterion.model_validate(e)
                table.append({"area": int(c.area.value), "level": S.LEVEL_CRITERION, "code": c.code or None,
                              "name": c.name, "max_points": c.max_points, "appraised": c.appraised,
                              "deducted": c.deducted, "self_assessed": c.self_assessed, "_key": key})
    last_old = h + 1
    for i, r in enumerate(rows[h + 1:], start=h + 2):
        if any(v not in (None, "") for v in r[:ncols]):
            last_old = i
    owned = set(range(header_row + 1, last_old + 1)) if owned_rows is None else set(owned_rows)
    first, last = header_row + 1, header_row + len(table)
    formula_rows = int(_meta_value(sheets, FORMULA_ROWS_KEY) or last_old)
    formula_cols = [S.col_index(S.INDEX_COLUMNS, key) for key in ("deducted_calc", "check", "at_risk")]
    for n in range(first, last + 1):      # the rows the table needs: the tool's, or empty
        written = [] if n in owned else [col[k] for k in keys]
        if n > formula_rows:              # the row formulas are written there too
            written += formula_cols
        r = rows[n - 1] if n - 1 < len(rows) else ()
        j = next((c for c in written if c - 1 < len(r) and r[c - 1] not in (None, "")), None)
        if j is not None:
            raise catalog.INDEX_ROW_TAKEN.error(text=_short(r[j - 1]), year=main_year, first=first, last=last,
                                                file=file, sheet=S.SHEET_INDEX, cell=f"{get_column_letter(j)}{n}")
    for n, rec in enumerate(table, start=first):
        for k in keys:
            cells[(n, col[k])] = rec.get(k)
        if n > formula_rows:       # rows the workbook was built without: add their formulas
            for key, formula in row_formulas(n).items():
                cells[(n, S.col_index(S.INDEX_COLUMNS, key))] = Formula(formula)
    for n in sorted(owned):
        if n > last:
            for k in keys:
                cells[(n, col[k])] = None
    # side-by-side years, in the columns the tool wrote (or right of the official's own)
    yrs = sorted(years)
    head = rows[h] if h < len(rows) else ()
    width = max([ncols, *(len(r) for r in rows[h:])])
    managed = [j for j in range(ncols + 1, width + 1) if j - 1 < len(head) and _year_column(head[j - 1])]
    used = {j: n for j in range(ncols + 1, width + 1) if j not in managed
            for n in [_first_used_row(rows, h, j)] if n is not None}      # column -> its first row used
    start = managed[0] if managed else max([ncols, *used]) + 1
    block = len(yrs) + (1 if len(yrs) >= 2 else 0) if table else 0
    for j in range(start, start + block):
        if j in used:
            needed = f"Thẩm định {yrs[j - start]}" if j - start < len(yrs) else "Tăng/giảm"
            title = head[j - 1] if j - 1 < len(head) else ""
            raise catalog.INDEX_COLUMN_TAKEN.error(column=get_column_letter(j), header=_short(title), needed=needed,
                                                   file=file, sheet=S.SHEET_INDEX,
                                                   cell=f"{get_column_letter(j)}{used[j]}")
    for j in managed:                      # clear earlier year columns
        for n in range(header_row, max(len(rows), last) + 1):
            cells[(n, j)] = None
    if yrs and table:
        for off, y in enumerate(yrs):
            cells[(header_row, start + off)] = f"Thẩm định {y}"
            values = _year_values(years[y])
            for n, rec in enumerate(table, start=first):
                cells[(n, start + off)] = values.get(rec["_key"])
        if len(yrs) >= 2:
            j = start + len(yrs)
            a, b = yrs[-2], yrs[-1]
            cells[(header_row, j)] = f"Tăng/giảm {a}→{b}"
            va, vb = _year_values(years[a]), _year_values(years[b])
            for n, rec in enumerate(table, start=first):
                x, y_ = va.get(rec["_key"]), vb.get(rec["_key"])
                cells[(n, j)] = round(y_ - x, 2) if x is not None and y_ is not None else None
    cells[(2, 1)] = _years_line(years)
    edits: dict[str, dict[tuple[int, int], Any]] = {S.SHEET_INDEX: cells, S.SHEET_META: {}}
    _set_meta(edits[S.SHEET_META], sheets, FORMULA_ROWS_KEY, max(formula_rows, last))
    return edits


_YEAR_COLUMN = re.compile(r"^(?:Thẩm định \d{4}|Tăng/giảm \d{4}\s*→\s*\d{4})$")


def _year_column(header: Any) -> bool:
    """Whether a header is one the tool writes beside the table ("Thẩm định 2024", "Tăng/giảm 2023→2024")."""
    from cchc_xl.core.text import normalize_text

    return isinstance(header, str) and bool(_YEAR_COLUMN.match(normalize_text(header)))


def _first_used_row(rows: list[tuple[Any, ...]], h: int, j: int) -> int | None:
    """The first row (1-based, from the header row ``h + 1`` on) with a value in column ``j``."""
    return next((i for i, r in enumerate(rows[h:], start=h + 1) if j - 1 < len(r) and r[j - 1] not in (None, "")),
                None)


def _show(value: Any) -> str:
    """A cell value in a message: "(trống)", a number the Vietnamese way, or a quoted text."""
    from cchc_xl.core.text import format_number

    if value in (None, ""):
        return "(trống)"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(value)
    return f"'{_short(value)}'"


def _short(value: Any, limit: int = 40) -> str:
    text = str(value if value is not None else "").strip()
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _index_header_row(sheets: dict[str, list[tuple[Any, ...]]]) -> int:
    """1-based row of the header of "Chỉ số CCHC"."""
    from cchc_xl.core.records import find_header_row

    h = find_header_row(sheets.get(S.SHEET_INDEX) or [], S.INDEX_COLUMNS[0].header)
    if h is None:
        raise catalog.SHEET_NO_HEADER.error(sheet=S.SHEET_INDEX, header=S.INDEX_COLUMNS[0].header)
    return h + 1


def _shown_year(years: dict[int, dict[str, Any]]) -> int | None:
    """The year the main columns of the table show (the latest with areas)."""
    return max((y for y, d in years.items() if d.get("areas")), default=None)


def _sheet_entries(data: Any) -> list[IY.SheetEntry]:
    """The index rows of the sheet as it is now, in the records' shape."""
    rows = data.rows.get(S.SHEET_INDEX, {})
    out = [IY.SheetEntry("area", IY.entry_key("area", e), e, rows[f"area:{a.area.value}"])
           for a in data.plan.index_areas for e in [a.model_dump(mode="json")] if f"area:{a.area.value}" in rows]
    out += [IY.SheetEntry("criterion", IY.entry_key("criterion", e), e, rows[f"crit:{i}"])
            for i, c in enumerate(data.plan.index_criteria) for e in [c.model_dump(mode="json")]
            if f"crit:{i}" in rows]
    return sorted(out, key=lambda e: e.row)


def _hand_changes(years: dict[int, dict[str, Any]], entries: list[IY.SheetEntry],
                  sheets: dict[str, list[tuple[Any, ...]]], header_row: int, file: str) -> list[Finding]:
    """What the official typed into the table since the last import, made part of the years
    (``years`` changed in place), one finding each."""
    shown = _shown_year(years)
    out: list[Finding] = []
    where = {"file": file, "sheet": S.SHEET_INDEX}
    if shown is not None:
        diff = IY.compare(years[shown], entries, header_row + 1)
        laid = {key: n for n, (_, key, _) in enumerate(IY.table_entries(years[shown]), start=header_row + 1)}
        if not diff.empty:
            years[shown] = IY.apply(years[shown], diff)
        for e in diff.edits:
            out.append(catalog.INDEX_HAND_EDIT(label=e.label, column=S.header_of(S.INDEX_COLUMNS, e.field),
                                               value=_show(e.value), recorded=_show(e.recorded), year=shown,
                                               cell=f"{S.col_letter(S.INDEX_COLUMNS, e.field)}{e.row}", **where))
        for a in diff.added:
            out.append(catalog.INDEX_HAND_ROW_ADDED(label=IY.label_of(a.kind, a.entry), year=shown,
                                                    cell=f"A{a.row}", **where))
        for kind, key, entry in diff.removed:
            out.append(catalog.INDEX_HAND_ROW_REMOVED(label=IY.label_of(kind, entry), year=shown,
                                                      row=laid.get(key, "?"), **where))
    rows = sheets.get(S.SHEET_INDEX) or []
    head = rows[header_row - 1] if header_row - 1 < len(rows) else ()
    rows_of = {e.key: e.row for e in entries}
    for j, title in enumerate(head, start=1):      # the other years, in their columns
        m = re.fullmatch(r"Thẩm định (\d{4})", str(title or "").strip())
        if not m or int(m.group(1)) == shown or int(m.group(1)) not in years:
            continue
        y = int(m.group(1))
        values = {e.key: _cell(rows, e.row, j) for e in entries}
        changes = IY.side_edits(years[y], values)
        if changes:
            years[y] = IY.set_appraised(years[y], changes, {e.key: (e.kind, e.entry) for e in entries})
        for key, recorded, value in changes:
            out.append(catalog.INDEX_HAND_EDIT(label=_label_of_key(years[y], key), column=str(title).strip(),
                                               value=_show(value), recorded=_show(recorded), year=y,
                                               cell=f"{get_column_letter(j)}{rows_of[key]}", **where))
    return out


def _cell(rows: list[tuple[Any, ...]], row: int, col: int) -> Any:
    r = rows[row - 1] if row - 1 < len(rows) else ()
    v = r[col - 1] if col - 1 < len(r) else None
    return None if v == "" else v


def _label_of_key(record: dict[str, Any], key: str) -> str:
    return next((IY.label_of(kind, e) for kind, k, e in IY.table_entries(record) if k == key), key)


def _kept_findings(kept: list[IY.Kept], file: str) -> list[Finding]:
    out = []
    for k in kept:
        if not k.field:
            out.append(catalog.INDEX_ROW_KEPT(label=k.label, file=file, sheet=S.SHEET_INDEX))
        else:
            out.append(catalog.INDEX_KEPT(label=k.label, column=S.header_of(S.INDEX_COLUMNS, k.field),
                                          mine=_show(k.mine), theirs=_show(k.theirs), file=file, sheet=S.SHEET_INDEX))
    return out


FORMULA_ROWS_KEY = "chi_so_dong_cong_thuc"   # _meta: last row of "Chỉ số CCHC" holding the row formulas


def row_formulas(row: int) -> dict[str, str]:
    """The formulas of one row of "Chỉ số CCHC" (as the workbook builder writes them)."""
    from cchc_xl.workbook.dashboard import risk_formula
    from cchc_xl.workbook.styling import index_formulas

    calc, check = index_formulas(row)
    return {"deducted_calc": calc, "check": check, "at_risk": risk_formula(row)}


def _meta_value(sheets: dict[str, list[tuple[Any, ...]]], key: str) -> Any:
    from cchc_xl.core.records import meta_dict

    return meta_dict(sheets.get(S.SHEET_META) or []).get(key)


def _set_meta(cells: dict[tuple[int, int], Any], sheets: dict[str, list[tuple[Any, ...]]], key: str,
              value: Any) -> None:
    """Write ``key`` = ``value`` in "_meta" (its row, else a new row after the last one used)."""
    rows = sheets.get(S.SHEET_META) or []
    row = next((i for i, r in enumerate(rows, start=1) if r and r[0] == key), None)
    if row is None:
        used = [k for (k, c) in cells if c == 1]
        row = max([len(rows)] + used) + 1
        cells[(row, 1)] = key
    cells[(row, 2)] = value


def _year_values(d: dict[str, Any]) -> dict[str, float | None]:
    """Key (``index_years.entry_key``, the table's ``_key``) -> appraised points of a year; a
    criterion is also found by its name (a year whose table gave it no code)."""
    out: dict[str, float | None] = {}
    for a in d.get("areas", []):
        out[IY.entry_key("area", a)] = a.get("appraised")
    for c in d.get("criteria", []):
        v = c.get("appraised")
        if c.get("code"):
            out[IY.entry_key("criterion", c)] = v
        out[IY.entry_key("criterion", {**c, "code": ""})] = v
    return out


def _years_line(years: dict[int, dict[str, Any]]) -> str:
    parts = []
    for y in sorted(years):
        d = years[y]
        bits = [_num(d["total"]) + " điểm" if d.get("total") is not None else "chưa có tổng điểm"]
        if d.get("survey") is not None:
            bits.append(f"điều tra XHH {_num(d['survey'])}")
        if d.get("rank"):
            bits.append(f"xếp thứ {d['rank']}")
        if d.get("rating"):
            bits.append(d["rating"])
        parts.append(f"Năm {y}: " + ", ".join(bits))
    return "Tổng điểm - " + "; ".join(parts)


def import_index_results(master: str | Path, document: str | Path, *, year: int | None = None,
                         dry_run: bool = False, cset: CriteriaSet | None = None) -> IndexImport:
    """"Nhập chỉ số" on files."""
    path, doc = Path(master), Path(document)
    sha, sheets, formulas = _read_master(path, S.SHEET_INDEX)
    result, edits = plan_index_import(sheets, doc, year=year, file=path.name, cset=cset, formulas=formulas)
    result.master, result.dry_run = path, dry_run
    if result.changed and not dry_run:
        result.backup = _write_if_unchanged(path, sha, edits)
        result.written = True
    return result


# ================================================================= criterion code suggestions for tasks

def master_criteria_set(plan: Plan, extra: list[Any] = ()) -> CriteriaSet | None:
    """The criteria the master knows with a code ("Chỉ số CCHC" rows, remediation items with a
    code), as a set to suggest codes from; None when there is none."""
    from cchc_xl.core.criteria import CriterionDef

    seen: dict[str, CriterionDef] = {}
    for c in plan.index_criteria:
        if c.code:
            seen.setdefault(c.code, CriterionDef(code=c.code, area=c.area, name=c.name, max_points=c.max_points))
    for r in [*plan.remediation, *extra]:
        if r.criterion_code and r.criterion:
            seen.setdefault(r.criterion_code, CriterionDef(code=r.criterion_code, area=r.area, name=r.criterion))
    if not seen:
        return None
    return CriteriaSet(province=plan.info.province or "(sổ tổng hợp)", year=plan.info.index_year or plan.info.year,
                       criteria=list(seen.values()))


def task_suggestion_edits(sheets: dict[str, list[tuple[Any, ...]]], plan: Plan, rows: dict[str, int],
                          cset: CriteriaSet | None) -> tuple[dict[tuple[int, int], Any], int]:
    """Cells "Tiêu chí (gợi ý)" of "Phân công" for tasks with neither a code nor a suggestion yet
    (a suggestion is never written over anything the official typed)."""
    from cchc_xl.core.criteria import suggest_codes
    from cchc_xl.core.records import find_header_row
    from cchc_xl.core.text import fold

    if cset is None:
        return {}, 0
    task_rows = sheets.get(S.SHEET_TASKS) or []
    h = find_header_row(task_rows, S.TASK_COLUMNS[0].header)
    if h is None:
        return {}, 0
    header = S.header_of(S.TASK_COLUMNS, "criteria_suggested")
    col = next((j for j, v in enumerate(task_rows[h], start=1) if v and fold(v) == fold(header)), None)
    if col is None:
        return {}, 0
    out: dict[tuple[int, int], Any] = {}
    for t in plan.tasks:
        if t.criteria or t.criteria_suggested or t.id not in rows:
            continue
        codes = suggest_codes(cset, f"{t.title} {t.product}", area=t.area)
        if codes:
            out[(rows[t.id], col)] = "; ".join(codes)
    return out, len(out)
