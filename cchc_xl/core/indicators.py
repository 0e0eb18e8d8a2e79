"""Figures of a reporting period that do not come from the task table ("Số liệu").

One-stop dossiers (hồ sơ TTHC), procedures offered online, complaints, budget,
legal documents, tasks assigned by the province... The official types them on
the master's sheet "Số liệu" (one row per indicator, one column per period) or
imports them from an .xlsx export (``cchc-xl nhap-so-lieu``).  The report carries
them into its sections as seed 003 does.

``check_period`` reviews one period's figures like a careful reviewer: parts that
do not add up to their total, a part above its whole, a rate written next to its
counts that does not match them (with the one rounding rule of
``core.rounding``), a share above 100 %.  Every finding names sheet and cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from cchc_xl.core import schema as S
from cchc_xl.core.findings import catalog as F
from cchc_xl.core.models import Finding
from cchc_xl.core.periods import ReportingPeriod, parse_period
from cchc_xl.core.rounding import percent
from cchc_xl.core.text import fold, format_number, normalize_text, parse_number

SHEET = S.SHEET_INDICATORS
HEADER = ("Mã", "Nhóm", "Chỉ tiêu", "Đơn vị tính")
FIRST_PERIOD_COL = len(HEADER) + 1          # column E
# below the input table: every rate recomputed from its counts by an Excel formula
RECALC_TITLE = "TỶ LỆ TÍNH LẠI TỪ SỐ LƯỢNG (%): công thức ROUND, làm tròn như báo cáo; ô tỷ lệ đã ghi " \
               "khác số tính lại được tô đỏ"
RATE_TOLERANCE = 0.05                       # beyond this (percentage points) a rate is wrong, not mis-rounded

Kind = Literal["count", "amount", "rate"]


@dataclass(frozen=True)
class Indicator:
    key: str
    group: str
    label: str
    unit: str
    kind: Kind = "count"
    rate_of: tuple[str, str] | None = None   # rate = part / whole x 100
    capped: bool = True                      # a share: above 100 % is an error
    aliases: tuple[str, ...] = ()


G_DIRECTION = "Chỉ đạo, điều hành"
G_INSTITUTION = "Cải cách thể chế"
G_TTHC = "Cải cách thủ tục hành chính"
G_FINANCE = "Cải cách tài chính công"
G_ECONOMY = "Kinh tế - xã hội"

INDICATORS: tuple[Indicator, ...] = (
    Indicator("nv_tinh_giao", G_DIRECTION, "Nhiệm vụ được UBND tỉnh, Chủ tịch UBND tỉnh giao", "nhiệm vụ",
              aliases=("Nhiệm vụ UBND tỉnh giao", "Số nhiệm vụ được giao")),
    Indicator("nv_tinh_xong", G_DIRECTION, "Nhiệm vụ tỉnh giao đã xử lý xong", "nhiệm vụ",
              aliases=("Nhiệm vụ đã xử lý xong",)),
    Indicator("nv_tinh_dung_han", G_DIRECTION, "Nhiệm vụ tỉnh giao xử lý đúng hạn", "nhiệm vụ"),
    Indicator("tl_nv_tinh_dung_han", G_DIRECTION, "Tỷ lệ nhiệm vụ tỉnh giao xử lý đúng hạn", "%", "rate",
              rate_of=("nv_tinh_dung_han", "nv_tinh_xong")),
    Indicator("don_vi_kiem_tra", G_DIRECTION, "Cơ quan, đơn vị được kiểm tra CCHC", "đơn vị"),
    Indicator("vb_ban_hanh", G_INSTITUTION, "Văn bản QPPL do UBND xã ban hành", "văn bản",
              aliases=("Văn bản quy phạm pháp luật ban hành", "Văn bản ban hành")),
    Indicator("vb_gop_y", G_INSTITUTION, "Dự thảo văn bản QPPL đã góp ý", "dự thảo",
              aliases=("Góp ý dự thảo văn bản QPPL", "Số dự thảo văn bản góp ý")),
    Indicator("tthc_tong", G_TTHC, "Thủ tục hành chính thuộc thẩm quyền giải quyết của xã", "thủ tục",
              aliases=("Tổng số thủ tục hành chính", "Tổng số TTHC")),
    Indicator("tthc_dvc", G_TTHC, "Thủ tục đủ điều kiện cung cấp dịch vụ công trực tuyến", "thủ tục",
              aliases=("TTHC đủ điều kiện DVCTT", "Thủ tục đủ điều kiện DVC trực tuyến")),
    Indicator("tthc_toan_trinh", G_TTHC, "Thủ tục cung cấp dịch vụ công trực tuyến toàn trình", "thủ tục",
              aliases=("DVC trực tuyến toàn trình", "Dịch vụ công trực tuyến toàn trình")),
    Indicator("tthc_mot_phan", G_TTHC, "Thủ tục cung cấp dịch vụ công trực tuyến một phần", "thủ tục",
              aliases=("DVC trực tuyến một phần", "Dịch vụ công trực tuyến một phần")),
    Indicator("hs_tiep_nhan", G_TTHC, "Hồ sơ TTHC tiếp nhận", "hồ sơ",
              aliases=("Tổng số hồ sơ tiếp nhận", "Hồ sơ tiếp nhận", "Tổng hồ sơ tiếp nhận")),
    Indicator("hs_truc_tuyen", G_TTHC, "Hồ sơ tiếp nhận trực tuyến", "hồ sơ",
              aliases=("Hồ sơ trực tuyến", "Trực tuyến")),
    Indicator("tl_truc_tuyen", G_TTHC, "Tỷ lệ hồ sơ trực tuyến", "%", "rate",
              rate_of=("hs_truc_tuyen", "hs_tiep_nhan"), aliases=("Tỷ lệ trực tuyến",)),
    Indicator("hs_truc_tiep", G_TTHC, "Hồ sơ tiếp nhận trực tiếp", "hồ sơ",
              aliases=("Hồ sơ trực tiếp", "Trực tiếp")),
    Indicator("tl_truc_tiep", G_TTHC, "Tỷ lệ hồ sơ trực tiếp", "%", "rate",
              rate_of=("hs_truc_tiep", "hs_tiep_nhan"), aliases=("Tỷ lệ trực tiếp",)),
    Indicator("hs_da_giai_quyet", G_TTHC, "Hồ sơ đã giải quyết", "hồ sơ",
              aliases=("Đã giải quyết", "Hồ sơ đã giải quyết xong")),
    Indicator("hs_dang_giai_quyet", G_TTHC, "Hồ sơ đang giải quyết", "hồ sơ",
              aliases=("Đang giải quyết",)),
    Indicator("hs_dung_han", G_TTHC, "Hồ sơ giải quyết trước hạn, đúng hạn", "hồ sơ",
              aliases=("Hồ sơ đúng hạn", "Giải quyết đúng hạn", "Trước hạn, đúng hạn")),
    Indicator("tl_dung_han", G_TTHC, "Tỷ lệ hồ sơ giải quyết trước hạn, đúng hạn", "%", "rate",
              rate_of=("hs_dung_han", "hs_da_giai_quyet"), aliases=("Tỷ lệ đúng hạn",)),
    Indicator("hs_qua_han", G_TTHC, "Hồ sơ giải quyết quá hạn", "hồ sơ",
              aliases=("Hồ sơ quá hạn", "Quá hạn")),
    Indicator("tl_qua_han", G_TTHC, "Tỷ lệ hồ sơ giải quyết quá hạn", "%", "rate",
              rate_of=("hs_qua_han", "hs_da_giai_quyet"), aliases=("Tỷ lệ quá hạn",)),
    Indicator("pakn_tiep_nhan", G_TTHC, "Phản ánh, kiến nghị về quy định TTHC tiếp nhận", "phản ánh",
              aliases=("Phản ánh, kiến nghị tiếp nhận", "Phản ánh kiến nghị")),
    Indicator("pakn_da_xu_ly", G_TTHC, "Phản ánh, kiến nghị đã xử lý", "phản ánh",
              aliases=("Phản ánh kiến nghị đã xử lý",)),
    Indicator("gn_ke_hoach", G_FINANCE, "Kế hoạch vốn đầu tư công được giao", "tỷ đồng", "amount",
              aliases=("Kế hoạch vốn đầu tư công",)),
    Indicator("gn_thuc_hien", G_FINANCE, "Vốn đầu tư công đã giải ngân", "tỷ đồng", "amount",
              aliases=("Giải ngân vốn đầu tư công", "Số vốn đã giải ngân")),
    Indicator("tl_giai_ngan", G_FINANCE, "Tỷ lệ giải ngân vốn đầu tư công", "%", "rate",
              rate_of=("gn_thuc_hien", "gn_ke_hoach"), aliases=("Tỷ lệ giải ngân",)),
    Indicator("thu_ns_ke_hoach", G_FINANCE, "Dự toán thu ngân sách được giao", "tỷ đồng", "amount",
              aliases=("Kế hoạch thu ngân sách",)),
    Indicator("thu_ns_thuc_hien", G_FINANCE, "Thu ngân sách thực hiện", "tỷ đồng", "amount",
              aliases=("Tổng thu ngân sách",)),
    Indicator("tl_thu_ns", G_FINANCE, "Tỷ lệ thu ngân sách so với dự toán", "%", "rate",
              rate_of=("thu_ns_thuc_hien", "thu_ns_ke_hoach"), capped=False,
              aliases=("Tỷ lệ thu ngân sách",)),
    Indicator("dn_thanh_lap", G_ECONOMY, "Doanh nghiệp thành lập mới", "doanh nghiệp"),
)

BY_KEY: dict[str, Indicator] = {i.key: i for i in INDICATORS}

# parts that make up a total: (parts, total)
SUMS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("hs_truc_tuyen", "hs_truc_tiep"), "hs_tiep_nhan"),
    (("hs_dung_han", "hs_qua_han"), "hs_da_giai_quyet"),
    (("tthc_toan_trinh", "tthc_mot_phan"), "tthc_dvc"),
)
# shares of one whole written as rates: they add up to 100 %
RATE_SUMS: tuple[tuple[str, ...], ...] = (("tl_truc_tuyen", "tl_truc_tiep"), ("tl_dung_han", "tl_qua_han"))
# part <= whole; third item: None (an error) or why it may happen (a warning)
BOUNDS: tuple[tuple[tuple[str, ...], str, str | None], ...] = (
    (("tthc_dvc",), "tthc_tong", None),
    (("nv_tinh_xong",), "nv_tinh_giao", None),
    (("nv_tinh_dung_han",), "nv_tinh_xong", None),
    (("pakn_da_xu_ly",), "pakn_tiep_nhan", "có thể do phản ánh kỳ trước chuyển sang"),
    (("hs_da_giai_quyet", "hs_dang_giai_quyet"), "hs_tiep_nhan",
     "có thể do hồ sơ kỳ trước chuyển sang - hãy kiểm tra"),
    (("gn_thuc_hien",), "gn_ke_hoach", "giải ngân vượt kế hoạch vốn"),
)


@dataclass
class IndicatorSheet:
    """Values read from the sheet: ``values[period_code][key]`` and where each cell is."""

    values: dict[str, dict[str, float]] = field(default_factory=dict)
    cells: dict[tuple[str, str], str] = field(default_factory=dict)    # (period code, key) -> "F12"
    rows: dict[str, int] = field(default_factory=dict)                  # key -> row number
    columns: dict[str, int] = field(default_factory=dict)               # period code -> column (1-based)
    labels: dict[str, str] = field(default_factory=dict)                # period code -> header label
    findings: list[Finding] = field(default_factory=list)

    def of(self, period: ReportingPeriod) -> dict[str, float]:
        return dict(self.values.get(period.code, {}))

    def cell(self, period: ReportingPeriod, key: str) -> str:
        if (period.code, key) in self.cells:
            return self.cells[(period.code, key)]
        col, row = self.columns.get(period.code), self.rows.get(key)
        return f"{_col_letter(col)}{row}" if col and row else ""


def _col_letter(col: int) -> str:
    s = ""
    while col:
        col, r = divmod(col - 1, 26)
        s = chr(65 + r) + s
    return s


def header_labels(year: int) -> list[str]:
    """Period column headers of ``year``: "Quý I/2025", "6 tháng/2025", "Quý III/2025", "Năm 2025"."""
    from cchc_xl.core.periods import periods_of_year
    return [p.short_label for p in periods_of_year(year)]


_LEAD = re.compile(r"^\s*(?:[-+*•–]\s*|\(?[0-9ivx]+[.)]\s*|[a-zđ][.)]\s+)+", re.IGNORECASE)
_TAIL_UNIT = re.compile(r"\s*\((?:%|[^()]*)\)\s*:?\s*$")


def _label_key(text: object) -> str:
    t = normalize_text(text)
    t = _LEAD.sub("", t)
    t = _TAIL_UNIT.sub("", t).rstrip(": ")
    t = re.sub(r"^(?:số|tổng số)\s+", "", t, flags=re.IGNORECASE)
    return fold(t)


_MATCH: dict[str, str] = {}
for _i in INDICATORS:
    for _name in (_i.label, *_i.aliases):
        _MATCH.setdefault(_label_key(_name), _i.key)
    _MATCH.setdefault(fold(_i.key), _i.key)


def match_label(text: object) -> str | None:
    """Indicator key of a label as written in a sheet or an export (``None`` if unknown)."""
    key = _label_key(text)
    return _MATCH.get(key) if key else None


def read_sheet(rows: list[tuple[Any, ...]], *, file: str = "") -> IndicatorSheet:
    """Read the "Số liệu" sheet (plain cell values, row 1 first)."""
    out = IndicatorSheet()
    header_i = next((i for i, r in enumerate(rows[:15]) if r and fold(r[0]) == fold(HEADER[0])), None)
    if header_i is None:
        return out
    header = rows[header_i]
    for j in range(len(HEADER), len(header)):
        if header[j] in (None, ""):
            continue
        try:
            p = parse_period(header[j])
        except Exception:
            continue
        out.columns[p.code] = j + 1
        out.labels[p.code] = str(header[j])
    for i in range(header_i + 1, len(rows)):
        row = rows[i]
        if not row or all(v in (None, "") for v in row):
            continue
        if fold(row[0]).startswith(fold(RECALC_TITLE)[:20]):
            break                                   # the formula table below is not input
        key = (str(row[0]).strip() if row[0] not in (None, "") else "")
        key = key if key in BY_KEY else (match_label(row[2] if len(row) > 2 else "") or "")
        r = i + 1
        if not key:
            text = next((str(v) for v in row[:3] if v not in (None, "")), "")
            out.findings.append(F.IND_UNKNOWN_ROW(text=text, file=file, sheet=SHEET, cell=f"A{r}"))
            continue
        out.rows[key] = r
        ind = BY_KEY[key]
        for code, col in out.columns.items():
            raw = row[col - 1] if col - 1 < len(row) else None
            cell = f"{_col_letter(col)}{r}"
            value, problem = parse_value(ind, raw, out.labels[code], file=file, sheet=SHEET, cell=cell)
            if problem:
                out.findings.append(problem)
            elif value is not None:
                out.values.setdefault(code, {})[key] = value
                out.cells[(code, key)] = cell
    return out


def parse_value(ind: Indicator, raw: Any, period_label: str, *, file: str = "", sheet: str = "",
                cell: str = "", fraction_percent: bool = False) -> tuple[float | None, Finding | None]:
    """A typed / imported value: number (Vietnamese "1.268", "96,22 %"), >= 0, whole for counts.

    ``fraction_percent``: the cell is formatted as a percentage (0,9622 shown as 96,22 %).
    """
    loc = {"file": file, "sheet": sheet, "cell": cell}
    try:
        value = parse_number(raw)
    except ValueError:
        return None, F.IND_NOT_NUMBER(label=ind.label, period=period_label, value=raw, **loc)
    if value is None:
        return None, None
    if ind.kind == "rate" and fraction_percent:
        value = float(round(value * 100, 10))
    if value < 0:
        return None, F.IND_NEGATIVE(label=ind.label, period=period_label, value=value, **loc)
    if ind.kind == "count" and value != int(value):
        return None, F.IND_NOT_WHOLE(label=ind.label, period=period_label, unit=ind.unit, value=value, **loc)
    return (float(int(value)) if ind.kind == "count" else value), None


def _n(ind: Indicator, v: float) -> str:
    return format_number(v, 0 if ind.kind == "count" else 3)


def computed_rate(values: dict[str, float], key: str) -> float | None:
    """Rate of ``key`` from its counts (rounded by ``core.rounding``), None without counts."""
    ind = BY_KEY[key]
    if not ind.rate_of:
        return None
    part, whole = (values.get(k) for k in ind.rate_of)
    return percent(part, whole) if part is not None and whole else None


def rate(values: dict[str, float], key: str) -> float | None:
    """The rate to report: computed from its counts when there are counts, else as written."""
    calc = computed_rate(values, key)
    return calc if calc is not None else values.get(key)


def _decimals(value: float) -> int:
    s = repr(float(value))
    return 0 if s.endswith(".0") else min(len(s.split(".")[1]), 2) if "." in s and "e" not in s else 2


def check_period(values: dict[str, float], period_label: str, cell_of, *, file: str = "",
                 sheet: str = SHEET) -> list[Finding]:
    """Review one period's figures; ``cell_of(key)`` gives the cell ("" when unknown)."""
    out: list[Finding] = []
    loc = lambda key: {"file": file, "sheet": sheet, "cell": cell_of(key)}  # noqa: E731
    for parts, total in SUMS:
        if total not in values or any(p not in values for p in parts):
            continue
        s = sum(values[p] for p in parts)
        t = values[total]
        if abs(s - t) > 1e-9:
            ind = BY_KEY[total]
            names = " + ".join(f"\"{BY_KEY[p].label}\"" for p in parts)
            out.append(F.IND_PARTS_SUM(period=period_label, parts=names, parts_sum=_n(ind, s),
                                       total_label=ind.label, total=_n(ind, t), diff=_n(ind, abs(s - t)),
                                       **loc(total)))
    for parts in RATE_SUMS:
        if all(p in values for p in parts) and abs(sum(values[p] for p in parts) - 100) > 0.011:
            s = sum(values[p] for p in parts)
            names = " + ".join(f"\"{BY_KEY[p].label}\"" for p in parts)
            out.append(F.IND_PARTS_SUM(period=period_label, parts=names, parts_sum=format_number(s) + "%",
                                       total_label="100%", total="100%",
                                       diff=format_number(abs(s - 100)) + "%", **loc(parts[0])))
    for parts, whole, why in BOUNDS:
        if whole not in values or any(p not in values for p in parts):
            continue
        s = sum(values[p] for p in parts)
        if s > values[whole] + 1e-9:
            w = BY_KEY[whole]
            label = " + ".join(BY_KEY[p].label for p in parts)
            kw = dict(period=period_label, part_label=label, part=_n(w, s), whole_label=w.label,
                      whole=_n(w, values[whole]), **loc(parts[0]))
            out.append(F.IND_PART_GT_WHOLE(**kw) if why is None else F.IND_PART_GT_WHOLE_WARN(why=why, **kw))
    for ind in INDICATORS:
        if ind.kind != "rate" or ind.key not in values:
            continue
        written = values[ind.key]
        if ind.capped and written > 100 + 1e-9:
            out.append(F.IND_RATE_OVER_100(period=period_label, label=ind.label, written=written,
                                           **loc(ind.key)))
        part_key, whole_key = ind.rate_of or ("", "")
        missing = [BY_KEY[k].label for k in (part_key, whole_key) if k not in values]
        if missing:
            out.append(F.IND_RATE_NO_COUNTS(period=period_label, label=ind.label, written=written,
                                            missing=", ".join(f"\"{m}\"" for m in missing), **loc(ind.key)))
            continue
        calc = computed_rate(values, ind.key)
        if calc is None:
            continue
        # the written rate may carry fewer decimals (82,1 %): compare at its own precision
        d = _decimals(written)
        exact = values[part_key] * 100 / values[whole_key]
        if abs(written - exact) <= 0.5 * 10 ** -d + 1e-9:
            continue
        kind = F.IND_RATE_MISMATCH if abs(written - exact) > RATE_TOLERANCE else F.IND_RATE_ROUNDING
        part, whole = BY_KEY[part_key], BY_KEY[whole_key]
        out.append(kind(period=period_label, label=ind.label, written=written,
                        part=_n(part, values[part_key]), whole=_n(whole, values[whole_key]),
                        computed=calc, part_label=part.label, whole_label=whole.label, **loc(ind.key)))
    return out


def check_sheet(sheet: IndicatorSheet, *, file: str = "") -> list[Finding]:
    """Findings of the whole sheet: unreadable cells, then each period's review, then the
    periods against each other."""
    out = list(sheet.findings)
    for code, values in sheet.values.items():
        label = sheet.labels.get(code, code)
        out.extend(check_period(values, label, lambda k, c=code: sheet.cells.get((c, k), ""), file=file))
    return out + check_across(sheet, file=file)


# counts and amounts that add up over time ("tiếp nhận trong kỳ"): a period that contains another
# cannot have less.  Not the stocks (thủ tục thuộc thẩm quyền, hồ sơ đang giải quyết) or the plans.
FLOWS = frozenset({"nv_tinh_giao", "nv_tinh_xong", "nv_tinh_dung_han", "don_vi_kiem_tra", "vb_ban_hanh",
                   "vb_gop_y", "hs_tiep_nhan", "hs_truc_tuyen", "hs_truc_tiep", "hs_da_giai_quyet",
                   "hs_dung_han", "hs_qua_han", "pakn_tiep_nhan", "pakn_da_xu_ly", "gn_thuc_hien",
                   "thu_ns_thuc_hien", "dn_thanh_lap"})
# amounts reported "lũy kế từ đầu năm" in every period (disbursement, budget revenue): a later
# period contains an earlier one, but two periods are not added
YEAR_TO_DATE = frozenset({"gn_thuc_hien", "thu_ns_thuc_hien"})
# the reporting windows of one year (``core.periods``): Quý I (15/12-14/3) and Quý III (15/6-14/9)
# lie inside the year (15/12-14/12); Quý I inside 6 tháng (15/12-14/6), which Quý III follows
_CONTAINS = (("6T", ("Q1",)), ("NAM", ("6T",)), ("NAM", ("Q3",)), ("NAM", ("6T", "Q3")))


def check_across(sheet: IndicatorSheet, *, file: str = "", only: ReportingPeriod | None = None,
                 sheet_name: str = SHEET) -> list[Finding]:
    """A period that contains others (6 tháng ⊇ Quý I; Năm ⊇ 6 tháng + Quý III) with less of a
    figure that adds up over time than they have: one of the reports is wrong.  ``only``: the
    findings that involve that period."""
    out: list[Finding] = []
    years = {code.split("-", 1)[1] for code in sheet.values if "-" in code}
    for year in sorted(years):
        for outer, inners in _CONTAINS:
            o_code = f"{outer}-{year}"
            codes = [f"{k}-{year}" for k in inners]
            if only is not None and only.code not in (o_code, *codes):
                continue
            o_vals = sheet.values.get(o_code, {})
            for key in sorted(FLOWS & set(o_vals)):
                if len(codes) > 1 and key in YEAR_TO_DATE:
                    continue
                parts = [sheet.values.get(c, {}).get(key) for c in codes]
                if any(v is None for v in parts) or o_vals[key] >= sum(parts) - 1e-9:
                    continue
                ind = BY_KEY[key]
                labels = " + ".join(f"{sheet.labels.get(c, c)} ({_n(ind, v)})" for c, v in zip(codes, parts))
                out.append(F.IND_PERIOD_CONTAINS(
                    label=ind.label, outer=sheet.labels.get(o_code, o_code), outer_value=_n(ind, o_vals[key]),
                    inner=labels, file=file, sheet=sheet_name, cell=sheet.cells.get((o_code, key), "")))
    return out
