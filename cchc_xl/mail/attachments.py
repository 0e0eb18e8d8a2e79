"""Which unit each workbook is for: the code in its ``_meta`` sheet, else in its file name;
the e-mail addresses kept in the master."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

from openpyxl.utils import get_column_letter

from cchc_xl.core.reasons import why_unreadable
from cchc_xl.core import schema as S
from cchc_xl.core.findings import catalog
from cchc_xl.core.models import Finding, Unit
from cchc_xl.core.periods import same_period
from cchc_xl.core.text import fold, normalize_text
from cchc_xl.mail.compose import AddressError, _unit_address, parse_recipients

# keys of the unit workbook's "_meta" sheet that may hold the unit code / the period
_META_UNIT_KEYS = ("unit_code", "unit", "ma_don_vi", "code")
_META_PERIOD_KEYS = ("period_label", "period", "ky")

# ---------------------------------------------------------------- matching files to units

class UnitFile(NamedTuple):
    unit: Unit
    path: Path


@dataclass(frozen=True)
class WorkbookTag:
    """What a unit workbook says about itself."""

    path: Path
    name_code: str = ""     # second "_" field of the file name
    meta_code: str = ""     # unit code in the hidden "_meta" sheet
    meta_kind: str = ""
    meta_period: str = ""
    error: str = ""         # Vietnamese reason when the file cannot be read
    meta_commune: str = ""  # the master that made it: commune, plan year, issue (master_version)
    meta_year: int | None = None
    meta_version: int | None = None


def _code_key(code: object) -> str:
    return normalize_text(code).upper()


def _calamine_rows(path: Path, sheet: str) -> list[list[Any]] | None:
    from cchc_xl.files.excel import calamine_sheet

    return calamine_sheet(path, sheet)


def read_unit_tag(path: Path) -> WorkbookTag:
    """Unit code from the ``_meta`` sheet (python-calamine) and from the file name."""
    path = Path(path)
    parts = unicodedata.normalize("NFC", path.stem).split("_")
    name_code = _code_key(parts[1]) if len(parts) >= 2 else ""
    try:
        rows = _calamine_rows(path, S.SHEET_META)
    except Exception as exc:  # corrupt zip, not a workbook, locked ...
        return WorkbookTag(path, name_code, error=f"không đọc được tệp Excel ({why_unreadable(exc)})")
    meta: dict[str, Any] = {}
    for row in rows or []:
        if row and row[0] not in (None, ""):
            meta[normalize_text(row[0]).lower()] = row[1] if len(row) > 1 else None
    code = next((_code_key(meta[k]) for k in _META_UNIT_KEYS if meta.get(k) not in (None, "")), "")
    period = next((normalize_text(meta[k]) for k in _META_PERIOD_KEYS if meta.get(k) not in (None, "")), "")
    return WorkbookTag(path, name_code, code, normalize_text(meta.get("kind")), period,
                       meta_commune=normalize_text(meta.get("commune")), meta_year=_whole(meta.get("year")),
                       meta_version=_whole(meta.get("master_version")))


def _whole(value: Any) -> int | None:
    """A whole number of ``_meta`` (2025, 2.0, "3"), else ``None``."""
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else None


def unit_email_cells(master_path: Path) -> dict[str, str]:
    """Unit code -> cell of its e-mail in the master's "Đơn vị" sheet (``{"VP": "D5"}``)."""
    from cchc_xl.core.records import find_header_row

    try:
        rows = _calamine_rows(Path(master_path), S.SHEET_UNITS)
    except Exception:
        return {}
    if not rows:
        return {}
    h = find_header_row([tuple(r) for r in rows], S.header_of(S.UNIT_COLUMNS, "code"))
    if h is None:
        return {}
    header = [fold(v) for v in rows[h]]
    try:
        code_i = header.index(fold(S.header_of(S.UNIT_COLUMNS, "code")))
        mail_i = header.index(fold(S.header_of(S.UNIT_COLUMNS, "email")))
    except ValueError:
        return {}
    out: dict[str, str] = {}
    for r in range(h + 1, len(rows)):
        code = _code_key(rows[r][code_i] if code_i < len(rows[r]) else "")
        if code and code not in out:
            out[code] = f"{get_column_letter(mail_i + 1)}{r + 1}"
    return out




@dataclass(frozen=True)
class IssuedBy:
    """What a form to send must match in its ``_meta``: the master's commune and plan year,
    and the version last issued to each unit this period (register "Tình hình gửi phiếu")."""

    commune: str
    year: int
    versions: Mapping[str, int]     # unit code -> latest version issued


def _issue_problem(tag: WorkbookTag, unit: Unit, issued: IssuedBy) -> Finding | None:
    """Why a form the unit would receive is not the one Tổng hợp expects back, or ``None``."""
    name = tag.path.name
    other_commune = tag.meta_commune and fold(tag.meta_commune) != fold(issued.commune)
    if other_commune or (tag.meta_year is not None and tag.meta_year != issued.year):
        return catalog.FORM_OTHER_MASTER(commune=tag.meta_commune or "(không rõ)",
                                         year=tag.meta_year if tag.meta_year is not None else "(không rõ)",
                                         master_commune=issued.commune, master_year=issued.year, file=name)
    latest = issued.versions.get(_code_key(unit.code))
    if latest is None or tag.meta_version is None or tag.meta_version == latest:
        return None
    kind = catalog.FORM_SUPERSEDED if tag.meta_version < latest else catalog.FORM_VERSION_NOT_ISSUED
    return kind(version=tag.meta_version, latest=latest, unit=unit.name, code=unit.code, file=name)


def _file_unit(tag: WorkbookTag, by_code: Mapping[str, Unit],
               period_label: str | None, issued: IssuedBy | None = None) -> tuple[Unit | None, Finding | None]:
    """Resolve the unit of one workbook, or explain why not."""
    p = tag.path
    if tag.error:
        return None, catalog.FILE_UNREADABLE(path=p.name, why=tag.error, file=p.name)
    if tag.meta_kind and fold(tag.meta_kind) != "unit":
        return None, catalog.NOT_UNIT_WORKBOOK(kind=tag.meta_kind, file=p.name)
    if tag.meta_code and tag.name_code in by_code and tag.name_code != tag.meta_code:
        return None, catalog.UNIT_CODE_MISMATCH(meta_sheet=S.SHEET_META, meta_code=tag.meta_code,
                                                name_code=tag.name_code, file=p.name)
    if period_label and tag.meta_period and not same_period(tag.meta_period, period_label):
        return None, catalog.PERIOD_MISMATCH(theirs=tag.meta_period, period=period_label, file=p.name)
    code = tag.meta_code or tag.name_code
    unit = by_code.get(code)
    if unit is None:
        if code:
            return None, catalog.FILE_WITHOUT_UNIT(code=code, units_sheet=S.SHEET_UNITS, file=p.name)
        return None, catalog.FILE_NAME_UNPARSED(file=p.name)
    problem = _issue_problem(tag, unit, issued) if issued is not None else None
    return (None, problem) if problem else (unit, None)


def other_units_files(files: Iterable[Path], units: Sequence[Unit], wanted: Iterable[str]) -> list[Path]:
    """``files`` without the forms of ``units`` not in ``wanted`` (codes): a run for some units
    leaves the others' forms aside instead of calling them files of no unit."""
    others = {_code_key(u.code) for u in units} - {_code_key(c) for c in wanted}
    tags = [read_unit_tag(Path(f)) for f in files]
    return [t.path for t in tags if (t.meta_code or t.name_code) not in others]


def match_attachments(units: Sequence[Unit], files: Iterable[Path], *,
                      unit_cells: Mapping[str, str] | None = None, master_file: str = "",
                      period_label: str | None = None,
                      issued: IssuedBy | None = None) -> tuple[list[UnitFile], list[Finding]]:
    """Pair each unit workbook with its unit.  Returns ``(pairs, problems)``.

    Problems (Vietnamese ``Finding``): unreadable file, file without unit, file of another
    period, (with ``issued``) a form of another master or not the version last issued to its
    unit, two files for one unit, unit without e-mail / with an invalid e-mail (located in
    the "Đơn vị" sheet via ``unit_cells``), and (warning) a unit with no file.
    """
    by_code = {_code_key(u.code): u for u in units}
    cells = {_code_key(k): v for k, v in (unit_cells or {}).items()}
    problems: list[Finding] = []
    files_of: dict[str, list[Path]] = {}
    for path in sorted((Path(f) for f in files), key=lambda p: p.name):
        unit, problem = _file_unit(read_unit_tag(path), by_code, period_label, issued)
        if problem:
            problems.append(problem)
        elif unit is not None:
            files_of.setdefault(_code_key(unit.code), []).append(path)
    pairs: list[UnitFile] = []
    for unit in units:
        key = _code_key(unit.code)
        found = files_of.get(key, [])
        where = {"file": master_file, "sheet": S.SHEET_UNITS, "cell": cells.get(key, "")}
        if len(found) > 1:
            names = ", ".join(p.name for p in found)
            problems.append(catalog.DUPLICATE_FILES(unit=unit.name, code=unit.code, count=len(found), names=names,
                                                    file=found[0].parent.name))
            continue
        if not found:
            if not unit.is_group:
                problems.append(catalog.UNIT_WITHOUT_FILE(unit=unit.name, code=unit.code, **where))
            continue
        try:
            parse_recipients(unit.email)
        except AddressError as exc:
            fix = f"; điền vào cột '{S.header_of(S.UNIT_COLUMNS, 'email')}' của trang '{S.SHEET_UNITS}'"
            kind, params = _unit_address(unit, exc)
            problems.append(kind(fix=fix, **params, **where))
            continue
        pairs.append(UnitFile(unit, found[0]))
    pairs.sort(key=lambda uf: uf.path.name)
    return pairs, problems


