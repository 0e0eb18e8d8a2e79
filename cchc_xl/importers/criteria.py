"""Criteria sets (bộ tiêu chí Chỉ số CCHC cấp xã): the bundled ones and a province's own file.

* ``bundled_sets()`` / ``load_bundled(province, year)`` - the sets shipped in ``cchc_xl/data``
  (files ``criteria_*.json``, format ``cchc_xl.criteria/1``).
* ``read_criteria_file(path, province=, year=)`` - a set from ``.json`` or from the table a
  province publishes (.xlsx/.xlsm/.tsv/.csv): columns "Mã/STT", "Tiêu chí/Nội dung",
  "Điểm tối đa"; rows numbered 1..8 or I..VIII are the areas, the others criteria whose
  code starts with the area number ("1.4.1", "7b.2.3.1").
"""

from __future__ import annotations

import csv
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cchc_xl.core.criteria import CriteriaArea, CriteriaSet, CriterionDef, code_area, normalize_code
from cchc_xl.core.findings import catalog
from cchc_xl.core.models import AREA_NAMES, Area, CchcError, Finding
from cchc_xl.core.text import CellValueError, fold, normalize_text, parse_points
from cchc_xl.importers.sources import delimited_rows, read_text

_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8"}


def bundled_sets() -> list[CriteriaSet]:
    """Every criteria set shipped with the package."""
    out = []
    for ref in sorted(resources.files("cchc_xl.data").iterdir(), key=lambda r: r.name):
        if ref.name.startswith("criteria_") and ref.name.endswith(".json"):
            out.append(CriteriaSet.model_validate_json(ref.read_text(encoding="utf-8")))
    return out


def load_bundled(province: str | None = None, year: int | None = None) -> CriteriaSet:
    """The bundled set of ``province`` (any spelling) for ``year`` (else the latest year <= it)."""
    sets = bundled_sets()
    if province:
        key = fold(province).removeprefix("tinh ")
        sets = [s for s in sets if fold(s.province).removeprefix("tinh ") == key]
    if year:
        sets = [s for s in sets if s.year <= year] or sets
    if not sets:
        available = ", ".join(f"{s.province} {s.year}" for s in bundled_sets())
        raise catalog.CRITERIA_NOT_FOUND.error(what=f"{province or ''} {year or ''}".strip(), available=available)
    return max(sets, key=lambda s: s.year)


def bundled_for(province: str = "", year: int | None = None) -> CriteriaSet | None:
    """The bundled set that applies to a commune of ``province`` (any set when the province is
    not known); None when the province has no bundled set - another province's codes and
    maxima would only mislead."""
    try:
        if province:
            return load_bundled(province, year)
        return load_bundled(None, year)
    except CchcError:
        return None


def read_criteria_file(path: str | Path, *, province: str = "", year: int | None = None
                       ) -> tuple[CriteriaSet, list[Finding]]:
    """A criteria set from a .json (format ``cchc_xl.criteria/1``) or a province table."""
    p = Path(path)
    if not p.is_file():
        raise catalog.NO_FILE.error(file=str(p))
    ext = p.suffix.lower()
    if ext == ".json":
        try:
            return CriteriaSet.model_validate_json(read_text(p, "utf-8")), []
        except (ValidationError, ValueError) as exc:
            raise catalog.CRITERIA_BAD_FILE.error(file=p.name, why=str(exc).splitlines()[0]) from None
    if ext in (".xlsx", ".xlsm"):
        from cchc_xl.files.excel import load_xlsx

        wb = load_xlsx(p, read_only=True, data_only=True)
        try:
            sheets = [(ws.title, [tuple(r) for r in ws.iter_rows(values_only=True)]) for ws in wb.worksheets]
        finally:
            wb.close()
    elif ext in (".tsv", ".csv", ".txt"):
        text = read_text(p)
        rows = (delimited_rows(text, comma=True) if ext == ".csv"
                else [tuple(r) for r in csv.reader(text.splitlines(), delimiter="\t")])
        sheets = [("", rows)]
    else:
        raise catalog.FILE_TYPE.error(suffix=p.suffix or "(không có đuôi)", what="bộ tiêu chí",
                                      accepted=".json, .xlsx, .tsv, .csv hoặc .txt", file=p.name)
    for sheet, rows in sheets:
        found = criteria_from_rows(rows, province=province, year=year, file=p.name, sheet=sheet)
        if found is not None:
            return found
    raise catalog.CRITERIA_NO_TABLE.error(file=p.name)


_HEAD = {"code": re.compile(r"^(?:ma(?: so)?(?: tieu chi)?|s?tt|so tt)$"),
         "name": re.compile(r"^(?:tieu chi|noi dung|linh vuc tieu chi|ten tieu chi|linh vuc tieu chi tieu chi thanh phan"
                            r"|linh vuc tieu chi thanh phan|noi dung tieu chi)$"),
         "max_points": re.compile(r"^(?:diem toi da|diem chuan|thang diem)$")}


def criteria_from_rows(rows: list[tuple[Any, ...]], *, province: str = "", year: int | None = None,
                       file: str = "", sheet: str = "") -> tuple[CriteriaSet, list[Finding]] | None:
    """A set from plain table rows, or None when no header row is found."""
    for h, row in enumerate(rows[:15]):
        cmap: dict[str, int] = {}
        for j, v in enumerate(row):
            key = fold(v) if v not in (None, "") else ""
            for name, rx in _HEAD.items():
                if key and name not in cmap and rx.match(key):
                    cmap[name] = j
        if {"code", "name", "max_points"} <= set(cmap):
            break
    else:
        return None
    findings: list[Finding] = []
    areas: list[CriteriaArea] = []
    criteria: list[CriterionDef] = []
    for r, raw in enumerate(rows[h + 1:], start=h + 2):
        get = lambda k: raw[cmap[k]] if cmap[k] < len(raw) else None  # noqa: E731
        code_raw, name = normalize_text(get("code")), normalize_text(get("name"))
        if not code_raw and not name:
            continue
        loc = {"file": file, "sheet": sheet}
        try:
            top = parse_points(get("max_points"))
        except CellValueError:
            findings.append(catalog.CRITERIA_ROW_MAX_NOT_NUMBER(text=f"{code_raw} {name}".strip(), value=str(get(
                "max_points")), cell=f"dòng {r}", **loc))
            continue
        key = _ROMAN.get(fold(code_raw).replace(" ", ""), fold(code_raw).replace(" ", ""))
        if re.fullmatch(r"[1-8]", key):
            if top is None:
                findings.append(catalog.CRITERIA_AREA_NO_MAX(text=name, cell=f"dòng {r}", **loc))
                continue
            areas.append(CriteriaArea(area=Area(key), name=name or AREA_NAMES[Area(key)], max_points=top))
            continue
        code = normalize_code(code_raw)
        area = code_area(code)
        if area is None:
            findings.append(catalog.CRITERIA_ROW_BAD_CODE(text=f"{code_raw} {name}".strip(), cell=f"dòng {r}",
                                                          **loc))
            continue
        parent = code.rpartition(".")[0]
        criteria.append(CriterionDef(code=code, area=area, name=name, max_points=top,
                                     parent=parent if "." in parent else ""))
    if not areas:
        raise catalog.CRITERIA_NO_AREAS.error(file=file, sheet=sheet)
    total = round(sum(a.max_points for a in areas), 4)
    cset = CriteriaSet(province=province or "(chưa ghi tỉnh)", year=year or 0, source=file,
                       official_codes=True, total=total, areas=areas, criteria=criteria)
    return cset, findings


def save_json(cset: CriteriaSet) -> str:
    return json.dumps(cset.model_dump(mode="json", exclude_none=True), ensure_ascii=False, indent=1) + "\n"
