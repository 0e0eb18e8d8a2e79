"""The criteria set of the commune PAR index (bộ tiêu chí Chỉ số CCHC cấp xã) as data.

A ``CriteriaSet`` holds, for one province and year, the 8 areas with their maximum
points and the criteria (code, name, maximum).  The bundled set lives in
``cchc_xl/data/criteria/`` (format ``cchc_xl.criteria/1``, JSON Schema in
``schemas/criteria_set.schema.json``); a province's own set is read from its .xlsx
by ``cchc_xl.importers.criteria``.

Pure functions here:

* ``check_scores``  - imported index scores against the set (unknown code, points above
  the maximum, criteria deductions above their area's, area maxima vs the set).
* ``match_criterion`` - the criterion of the set a written name means (same area).
* ``suggest_codes`` - criterion codes whose names resemble a task/remediation text
  (suggestions: the official confirms them).
"""

from __future__ import annotations

import difflib
import re
from typing import Iterable, Literal

from pydantic import BaseModel, Field

from cchc_xl.core.findings import catalog
from cchc_xl.core.models import AREA_NAMES, Area, Finding, IndexArea, IndexCriterion
from cchc_xl.core.text import fold

CRITERIA_FORMAT = "cchc_xl.criteria/1"
TOLERANCE = 0.005


class CriteriaArea(BaseModel):
    """One of the 8 areas of the set, with its maximum points."""

    area: Area
    name: str = ""
    max_points: float


class CriterionDef(BaseModel):
    """A criterion (tiêu chí / tiêu chí thành phần) of the set."""

    code: str = Field(..., description="Mã tiêu chí, ví dụ '1.4.1' hoặc '7b.2.3.1'")
    area: Area
    name: str
    max_points: float | None = None
    parent: str = ""                  # code of the enclosing criterion ("" at the top level)


class CriteriaSet(BaseModel):
    """Bộ tiêu chí Chỉ số CCHC cấp xã of one province and year."""

    format: Literal["cchc_xl.criteria/1"] = CRITERIA_FORMAT
    province: str = Field(..., description="Tỉnh ban hành bộ tiêu chí, ví dụ 'tỉnh Hà Tĩnh'")
    level: str = "xã"
    year: int = Field(..., description="Năm đánh giá (năm của chỉ số)")
    source: str = ""                  # the decision / document the set comes from
    official_codes: bool = Field(True, description="Mã tiêu chí là mã chính thức của tỉnh (False: mã tạm)")
    total: float = 100.0
    survey_points: float | None = None  # điểm điều tra xã hội học, when the set states it
    note: str = ""
    areas: list[CriteriaArea] = Field(default_factory=list)
    criteria: list[CriterionDef] = Field(default_factory=list)

    def area(self, area: Area) -> CriteriaArea | None:
        return next((a for a in self.areas if a.area == area), None)

    def criterion(self, code: str) -> CriterionDef | None:
        key = normalize_code(code)
        return next((c for c in self.criteria if normalize_code(c.code) == key), None)

    @property
    def label(self) -> str:
        return f"bộ tiêu chí {self.province} năm {self.year}"


# ---------------------------------------------------------------- codes and names

_CODE = re.compile(r"^\s*(?:tieu chi(?: thanh phan)?\s*)?(\d+[a-z]?(?:\.\d+[a-z]?)*)\b", re.I)


def normalize_code(code: object) -> str:
    """"1.4.1." / " 1.4.1 " / "7B.2" -> "1.4.1" / "1.4.1" / "7b.2"."""
    text = str(code or "").strip().strip(".").lower()
    return re.sub(r"\s+", "", text)


def code_area(code: str) -> Area | None:
    """The area a criterion code belongs to ("7b.2.3.1" -> 7, "1.4" -> 1)."""
    m = re.match(r"^([1-8])(?:[a-z]|\.|$)", normalize_code(code))
    return Area(m.group(1)) if m else None


_STOP = {"cua", "va", "cac", "trong", "theo", "duoc", "co", "la", "cho", "ve", "tai", "de", "nam", "xa",
         "thuc", "hien", "ty", "le", "so", "viec", "nhung", "mot", "voi", "tren", "dia", "ban", "quy", "dinh"}


def _tokens(text: object) -> set[str]:
    return {w for w in fold(text).split() if w not in _STOP and not w.isdigit()}


def similarity(a: object, b: object) -> float:
    """0..1: how alike two criterion names are (word overlap and character ratio)."""
    fa, fb = fold(a), fold(b)
    if not fa or not fb:
        return 0.0
    if fa == fb:
        return 1.0
    ta, tb = _tokens(a), _tokens(b)
    overlap = len(ta & tb) / max(1, min(len(ta), len(tb))) if ta and tb else 0.0
    ratio = difflib.SequenceMatcher(None, fa, fb, autojunk=False).ratio()
    return max(ratio, 0.8 * overlap + 0.2 * ratio)


def match_criterion(cset: CriteriaSet, area: Area | None, name: str,
                    threshold: float = 0.72) -> CriterionDef | None:
    """The criterion of ``cset`` named ``name`` (in ``area`` when given), or None."""
    best, score = None, threshold
    for c in cset.criteria:
        if area is not None and c.area != area:
            continue
        s = similarity(c.name, name)
        if s > score or (s == score and best is None):
            best, score = c, s
    return best


def _bigrams(text: object) -> set[str]:
    """Pairs of consecutive syllables (Vietnamese words are mostly two syllables: "thanh toán")."""
    words = [w for w in fold(text).split() if w not in _STOP or w in ("thuc", "hien", "quy", "dinh")]
    return {f"{a} {b}" for a, b in zip(words, words[1:])}


def suggest_codes(cset: CriteriaSet, text: str, area: Area | None = None, *, limit: int = 2,
                  threshold: float = 0.6) -> list[str]:
    """Codes of the criteria whose names the text covers (best first) - suggestions only.

    A criterion is suggested when 60 % of the syllable pairs of its name (small words such as
    "của", "các", "xã" left out), and at least two of them, occur in ``text`` (same area
    when given)."""
    tt = _bigrams(text)
    if not tt:
        return []
    scored: list[tuple[float, int, str]] = []
    for c in cset.criteria:
        if area is not None and c.area != area:
            continue
        tc = _bigrams(c.name)
        common = len(tt & tc)
        if tc and common >= 2 and common / len(tc) >= threshold:
            scored.append((common / len(tc), common, c.code))
    scored.sort(key=lambda x: (-x[0], -x[1]))         # the most specific criterion first
    return [code for _, _, code in scored[:limit]]


# ---------------------------------------------------------------- area headings

NUMBERING = re.compile(r"^\s*(?:(?P<roman>[IVXivx]{1,4})[.)]|(?P<num>\d{1,2}(?:\.\d{1,2})*)[.)]?"
                        r"|(?P<letter>[a-zđA-ZĐ])[.)])\s+")
_AREA_KEYS: tuple[tuple[Area, re.Pattern[str]], ...] = tuple((a, re.compile(p)) for a, p in (
    (Area.CHI_DAO, r"^(?:cong tac )?chi dao(?: va)? dieu hanh"),
    (Area.THE_CHE, r"^(?:cai cach )?the che"),
    (Area.TTHC, r"^(?:cai cach )?(?:thu tuc hanh chinh|tthc)"),
    (Area.TO_CHUC, r"^(?:cai cach )?to chuc bo may"),
    (Area.CONG_VU, r"^(?:cai cach )?(?:che do )?cong vu"),
    (Area.TAI_CHINH, r"^(?:cai cach )?tai chinh cong"),
    (Area.CQ_SO, r"^(?:xay dung(?: va)?(?: phat trien)? )?(?:chinh quyen dien tu|chinh quyen so|chuyen doi so)"),
    (Area.TAC_DONG, r"^tac dong(?: cua)? (?:cai cach hanh chinh|cchc)"),
))
_AREA_PREFIX = re.compile(r"^(?:(?:doi voi|ve) )?(?:linh vuc(?: \d)?(?: ve)? ?)?(?:cong tac )?")

def area_of_heading(text: str) -> Area | None:
    """The index area a heading names ("Đối với lĩnh vực cải cách thể chế" -> 2), by name only."""
    f = fold(NUMBERING.sub("", text))
    f = _AREA_PREFIX.sub("", f, count=1)
    for area, rx in _AREA_KEYS:
        if rx.search(f):
            return area
    return None



# ---------------------------------------------------------------- checks

def _fmt_area(area: Area) -> str:
    return f"{area.value}. {AREA_NAMES[area]}"


def check_scores(cset: CriteriaSet, areas: Iterable[IndexArea], criteria: Iterable[IndexCriterion], *,
                 file: str = "", sheet: str = "", validated: bool = False) -> list[Finding]:
    """Imported scores against the criteria set.

    Unknown criterion code (an error when the set has official codes, else a warning);
    a maximum, appraised or deducted value above the set's maximum; an area maximum
    other than the set's; deductions of an area's criteria adding up to more than the
    area's deduction.  ``validated``: the scores also go through the rules of
    ``validate.validate_index`` (``validate_index_source``), which report a value above its
    own written maximum and the criteria's sum against the area: those are left to them
    (one message per problem).
    """
    out: list[Finding] = []
    loc = {"file": file, "sheet": sheet}
    areas = list(areas)
    criteria = list(criteria)
    for a in areas:
        ref = cset.area(a.area)
        if ref is None:
            continue
        if abs(a.max_points - ref.max_points) > TOLERANCE:
            out.append(catalog.CRITERIA_AREA_MAX(area=_fmt_area(a.area), value=a.max_points,
                                                         expected=ref.max_points, set=cset.label, **loc))
        for key, label in (("appraised", "điểm thẩm định"), ("deducted", "điểm bị trừ")):
            v = getattr(a, key)
            if validated and v is not None and v > a.max_points + TOLERANCE:
                continue
            if v is not None and v > ref.max_points + TOLERANCE:
                out.append(catalog.CRITERIA_ABOVE_MAX(what=_fmt_area(a.area), label=label, value=v,
                                                              max=ref.max_points, **loc))
    for c in criteria:
        what = f"{c.code} {c.name}".strip()
        ref = cset.criterion(c.code) if c.code else match_criterion(cset, c.area, c.name)
        if c.code and ref is None:
            ftype = catalog.CRITERIA_UNKNOWN_CODE
            out.append(ftype(code=c.code, name=c.name, set=cset.label, **loc,
                                     severity="error" if cset.official_codes else "warning"))
            continue
        if ref is not None and ref.area != c.area:
            out.append(catalog.CRITERIA_WRONG_AREA(code=ref.code, name=c.name, area=c.area.value,
                                                           expected=ref.area.value, **loc))
        top = ref.max_points if ref is not None and ref.max_points is not None else None
        if top is not None and c.max_points is not None and c.max_points > top + TOLERANCE:
            out.append(catalog.CRITERIA_ABOVE_MAX(what=what, label="điểm tối đa", value=c.max_points,
                                                          max=top, **loc))
        limit = c.max_points if c.max_points is not None else top
        if validated and c.max_points is not None:
            continue
        for key, label in (("appraised", "điểm thẩm định"), ("deducted", "điểm bị trừ")):
            v = getattr(c, key)
            if v is not None and limit is not None and v > limit + TOLERANCE:
                out.append(catalog.CRITERIA_ABOVE_MAX(what=what, label=label, value=v, max=limit, **loc))
    by_area = {a.area: a for a in areas}
    for area in () if validated else Area:
        ded = [c.deducted for c in criteria if c.area == area and c.deducted is not None]
        a = by_area.get(area)
        if ded and a is not None and a.deducted is not None and sum(ded) > a.deducted + TOLERANCE:
            out.append(catalog.CRITERIA_SUM_ABOVE_AREA(area=_fmt_area(area), sum=round(sum(ded), 4),
                                                               deducted=a.deducted, **loc))
    return out


def resolve_codes(cset: CriteriaSet, criteria: Iterable[IndexCriterion]) -> list[IndexCriterion]:
    """Criteria with the set's code filled in where the name matches one criterion of the set."""
    out = []
    for c in criteria:
        if not c.code:
            ref = match_criterion(cset, c.area, c.name)
            if ref is not None:
                c = c.model_copy(update={"code": ref.code})
        out.append(c)
    return out
