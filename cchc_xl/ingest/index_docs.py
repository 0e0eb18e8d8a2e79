"""Bring a commune's own index documents into the master file.

``import_remediation(master, document)`` - "Nhập khắc phục": the items of a remediation
plan merged into "Khắc phục" (``core.remediation_merge`` decides; this module reads the
master, and writes it back: backup, atomic write, cells patched in place so that what the
official added to the workbook - drawings, comments, VBA, buttons - is kept).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cchc_xl.core import schema as S
from cchc_xl.core.criteria import CriteriaSet
from cchc_xl.core.findings import catalog
from cchc_xl.core.models import CchcError, Finding, Plan
from cchc_xl.core.remediation_merge import (MergeResult, merge_findings, merge_remediation, read_base,
                                            remediation_edits)
from cchc_xl.core.units import DEFAULT_UNITS, UnitRegistry
from cchc_xl.files.safeio import atomic_path, backup, file_sha256, write_error
from cchc_xl.files.xlsx_patch import Formula


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
                            year: int | None = None) -> tuple[RemediationImport, dict]:
    """Read ``document`` and decide the merge against the master's plain sheet values.

    Returns the result and the cell edits ({sheet: {(row, col): value}}).
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
    return result, edits


def import_remediation(master: str | Path, document: str | Path, *, dry_run: bool = False,
                       cset: CriteriaSet | None = None, year: int | None = None) -> RemediationImport:
    """"Nhập khắc phục" on files: read, merge, and (unless ``dry_run``) write the master."""
    path, doc = Path(master), Path(document)
    sha, sheets = _read_master(path, S.SHEET_REMEDIATION)
    result, edits = plan_remediation_import(sheets, doc, cset=cset, file=path.name, year=year)
    result.master, result.dry_run = path, dry_run
    if not (dry_run or result.merge.is_empty):
        result.backup = _write_if_unchanged(path, sha, edits)
        result.written = True
    return result


def _read_master(path: Path, sheet: str) -> tuple[str, dict[str, list[tuple[Any, ...]]]]:
    """(SHA-256, plain values of the sheets an import needs) of the master file."""
    from cchc_xl.roundtrip.consolidate.state import read_master_values

    if not path.is_file():
        raise catalog.NO_FILE.error(file=str(path))
    sha = file_sha256(path)
    sheets = read_master_values(path, [S.SHEET_TASKS, S.SHEET_UNITS, sheet, S.SHEET_META])
    if sheet not in sheets:
        raise catalog.MISSING_SHEET.error(name=sheet, file=path.name)
    return sha, sheets


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
                      file: str = "", cset: CriteriaSet | None = None) -> tuple[IndexImport, dict]:
    """Read ``document`` and decide the cells of "Chỉ số CCHC" (all years side by side)."""
    import json

    from cchc_xl.core.criteria import check_scores
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
    if cset is not None and res.areas:
        out.findings.extend(check_scores(cset, res.areas, res.criteria, file=document.name))
    meta = meta_dict(meta_rows)
    try:
        years = {int(k): v for k, v in json.loads(meta.get(YEARS_META_KEY) or "{}").items()}
    except (ValueError, AttributeError):
        years = {}
    held = plan.info.index_year
    if not years and plan.index_areas and held and held != res.year:
        # the scores already in the sheet are kept as their year
        years[held] = {"areas": [a.model_dump(mode="json") for a in plan.index_areas],
                       "criteria": [c.model_dump(mode="json") for c in plan.index_criteria],
                       "total": round(sum(a.appraised or 0 for a in plan.index_areas), 4), "survey": None,
                       "rank": "", "rating": "", "source": S.SHEET_INDEX}
    record = _year_record(res, document.name)
    old = years.get(res.year)
    if old is not None and not record["areas"] and old.get("areas"):
        record["areas"], record["criteria"] = old["areas"], old["criteria"]   # a total-only source keeps the table
    out.changed = old != record
    years[res.year] = record
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
    edits = index_edits(sheets, years)
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
    return out, edits


def _num(v: float) -> str:
    from cchc_xl.core.text import format_number

    return format_number(v)


def index_edits(sheets: dict[str, list[tuple[Any, ...]]], years: dict[int, dict[str, Any]]) -> dict:
    """Cells of "Chỉ số CCHC": the latest year with areas in the main columns, every year's
    appraised points side by side (columns "Thẩm định NĂM") and the change between the
    last two years; leftover rows of an earlier, longer table are cleared."""
    from cchc_xl.core.models import AREA_NAMES, IndexArea, IndexCriterion
    from cchc_xl.core.records import find_header_row
    from cchc_xl.core.text import fold

    rows = sheets.get(S.SHEET_INDEX) or []
    h = find_header_row(rows, S.INDEX_COLUMNS[0].header)
    if h is None:
        raise catalog.SHEET_NO_HEADER.error(sheet=S.SHEET_INDEX, header=S.INDEX_COLUMNS[0].header)
    header_row = h + 1
    main_year = max((y for y, d in years.items() if d.get("areas")), default=None)
    cells: dict[tuple[int, int], Any] = {}
    ncols = len(S.INDEX_COLUMNS)
    keys = ("area", "level", "code", "name", "max_points", "appraised", "deducted", "self_assessed")
    col = {k: S.col_index(S.INDEX_COLUMNS, k) for k in keys}
    table: list[dict[str, Any]] = []
    if main_year is not None:
        d = years[main_year]
        areas = [IndexArea.model_validate(a) for a in d["areas"]]
        crits = [IndexCriterion.model_validate(c) for c in d["criteria"]]
        for a in sorted(areas, key=lambda x: int(x.area.value)):
            table.append({"area": int(a.area.value), "level": S.LEVEL_AREA, "code": a.area.value,
                          "name": a.name or AREA_NAMES[a.area], "max_points": a.max_points,
                          "appraised": a.appraised, "deducted": a.deducted, "self_assessed": a.self_assessed,
                          "_key": f"a{a.area.value}"})
            for c in crits:
                if c.area == a.area:
                    table.append({"area": int(c.area.value), "level": S.LEVEL_CRITERION, "code": c.code or None,
                                  "name": c.name, "max_points": c.max_points, "appraised": c.appraised,
                                  "deducted": c.deducted, "self_assessed": c.self_assessed,
                                  "_key": f"c{c.area.value}|{c.code.lower()}" if c.code else f"n{c.area.value}|{fold(c.name)}"})
    last_old = h + 1
    for i, r in enumerate(rows[h + 1:], start=h + 2):
        if any(v not in (None, "") for v in r[:ncols]):
            last_old = i
    formula_rows = int(_meta_value(sheets, FORMULA_ROWS_KEY) or last_old)
    for n, rec in enumerate(table, start=header_row + 1):
        for k in keys:
            cells[(n, col[k])] = rec.get(k)
        if n > formula_rows:       # rows the workbook was built without: add their formulas
            for key, formula in row_formulas(n).items():
                cells[(n, S.col_index(S.INDEX_COLUMNS, key))] = Formula(formula)
    for n in range(header_row + 1 + len(table), last_old + 1):
        for k in keys:
            cells[(n, col[k])] = None
    # side-by-side years
    yrs = sorted(years)
    width = max(len(rows[h]) if rows else 0, ncols)
    for j in range(ncols + 1, width + 1):         # clear earlier year columns
        for n in range(header_row, max(last_old, header_row + len(table)) + 1):
            cells[(n, j)] = None
    if len(yrs) >= 1 and table:
        for off, y in enumerate(yrs, start=1):
            cells[(header_row, ncols + off)] = f"Thẩm định {y}"
            values = _year_values(years[y])
            for n, rec in enumerate(table, start=header_row + 1):
                cells[(n, ncols + off)] = values.get(rec["_key"])
        if len(yrs) >= 2:
            j = ncols + len(yrs) + 1
            a, b = yrs[-2], yrs[-1]
            cells[(header_row, j)] = f"Tăng/giảm {a}→{b}"
            va, vb = _year_values(years[a]), _year_values(years[b])
            for n, rec in enumerate(table, start=header_row + 1):
                x, y_ = va.get(rec["_key"]), vb.get(rec["_key"])
                cells[(n, j)] = round(y_ - x, 2) if x is not None and y_ is not None else None
    cells[(2, 1)] = _years_line(years)
    edits: dict[str, dict[tuple[int, int], Any]] = {S.SHEET_INDEX: cells, S.SHEET_META: {}}
    _set_meta(edits[S.SHEET_META], sheets, FORMULA_ROWS_KEY, max(formula_rows, header_row + len(table)))
    return edits


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
    from cchc_xl.core.text import fold

    out: dict[str, float | None] = {}
    for a in d.get("areas", []):
        out[f"a{a['area']}"] = a.get("appraised")
    for c in d.get("criteria", []):
        v = c.get("appraised")
        if c.get("code"):
            out[f"c{c['area']}|{c['code'].lower()}"] = v
        out[f"n{c['area']}|{fold(c['name'])}"] = v
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
    sha, sheets = _read_master(path, S.SHEET_INDEX)
    result, edits = plan_index_import(sheets, doc, year=year, file=path.name, cset=cset)
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
