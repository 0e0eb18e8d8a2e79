"""Across periods: the trend Quý I -> 6 tháng -> Quý III -> Năm, and the indicator
sentences ("Số liệu") of the report's sections, in the words of seed 003.

Pure Python (no file I/O); every percentage goes through ``core.rounding``.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from cchc_xl.core import compute
from cchc_xl.core.history import History, describe
from cchc_xl.core.indicators import BY_KEY, rate
from cchc_xl.core.models import Plan
from cchc_xl.core.periods import ReportingPeriod, periods_of_year
from cchc_xl.core.text import format_date, format_number

SOURCE_LIVE = "Chưa chốt (tính từ số liệu hiện tại)"
BASIS_CLOSED = "Đã chốt"
BASIS_LIVE = "Chưa chốt"
# the trend's "done since the previous cut-off": a difference of two cumulative counts, not the tasks
# whose completion date falls in the period (``data.DONE_IN_PERIOD_LABEL``); sheet, Word and CLI
GAINED_LABEL = "Tăng so với kỳ trước"


class TrendRow(BaseModel):
    """Cumulative figures at one period's cut-off."""

    code: str
    label: str                 # "Quý I/2025"
    cutoff: dt.date
    total: int
    done: int
    percent: float | None
    overdue: int
    gained: int                # done now - done at the previous cut-off (GAINED_LABEL; 0 before Quý I)
    source: str                # "chốt lúc …", SOURCE_LIVE, or which later snapshot it was computed from
    closed: bool               # this period's own snapshot
    basis: str = ""            # short form of ``source`` for the "Số liệu" column (``basis_label``)

    @property
    def basis_label(self) -> str:
        """"Đã chốt", "Chưa chốt" or "Theo bản chốt 6 tháng/2025"."""
        return self.basis or (BASIS_CLOSED if self.closed else BASIS_LIVE)


def trend_rows(plan: Plan, period: ReportingPeriod, history: History | None) -> list[TrendRow]:
    """Rows for the periods of ``period.year`` up to ``period``; ``plan`` is the current data.

    A period not closed yet (no snapshot): each earlier period from its current snapshot, else from
    the current data.  A closed period re-issues the same figures however often it is re-run: each
    earlier period from the snapshot that was in use when this period was closed, else from this
    period's own snapshot at that period's cut-off (never from data or snapshots that came later);
    each row's ``source`` says which.
    """
    own = history.current(period) if history else None
    out: list[TrendRow] = []
    before = 0
    for p in periods_of_year(period.year):
        if p.end > period.end:
            break
        if own is not None:
            snap = own if p.code == period.code else history.current_at(p, own.taken_at)
        else:
            snap = history.current(p) if history else None
        if snap is not None:
            tasks, source, basis = snap.tasks, describe(snap), ""
        elif own is not None:
            tasks = own.tasks
            source = (f"kỳ chưa chốt khi chốt kỳ {period.short_label}: tính tại ngày {format_date(p.end)} từ "
                      f"bản {describe(own)} của kỳ {period.short_label}")
            basis = f"Theo bản chốt {period.short_label}"
        else:
            tasks, source, basis = plan.tasks, SOURCE_LIVE, ""
        pr = compute.progress(tasks, p.end)
        out.append(TrendRow(code=p.code, label=p.short_label, cutoff=p.end, total=pr.total, done=pr.done,
                            percent=pr.percent, overdue=pr.overdue, gained=pr.done - before,
                            source=source, closed=snap is not None, basis=basis))
        before = pr.done
    return out


def replaced_rows(rows: list[TrendRow], history: History | None) -> list[tuple[TrendRow, str]]:
    """Rows of a closed report taken from a snapshot that was replaced since (chot-ky --ghi-de),
    with the snapshot now in use: the report keeps its figures, the official is told they differ."""
    out = []
    for r in rows:
        if not r.closed or history is None:
            continue
        now = next((s for s in history.snapshots if s.period.code == r.code and s.current), None)
        if now is not None and describe(now) != r.source:
            out.append((r, describe(now)))
    return out


def basis_note(rows: list[TrendRow]) -> str:
    """What "Theo bản chốt …" in the "Số liệu" column means ("" when no row is computed that way)."""
    later = [r for r in rows if r.basis]
    if not later:
        return ""
    return (f"Kỳ ghi \"{later[0].basis}\": kỳ đó chưa được chốt khi chốt kỳ {rows[-1].label}, số liệu tính tại "
            f"ngày chốt số liệu của kỳ đó từ bản chốt kỳ {rows[-1].label} (không đổi khi lập lại báo cáo).")


def trend_sentence(rows: list[TrendRow]) -> str:
    """"Lũy kế: Quý I/2025 hoàn thành 5/43 (11,63%); 6 tháng/2025: 20/43 (46,51%), tăng 15 nhiệm vụ; …"."""
    if len(rows) < 2:
        return ""
    parts = []
    for i, r in enumerate(rows):
        text = f"{r.label}: {r.done}/{r.total} nhiệm vụ ({_pct(r.percent)})"
        if i:
            text += f", tăng {r.gained} nhiệm vụ so với kỳ trước"
        parts.append(text)
    return "Kết quả hoàn thành lũy kế qua các kỳ: " + "; ".join(parts) + "."


def _pct(v: float | None) -> str:
    return "" if v is None else format_number(v, 2) + "%"


def _n(v: float | None, key: str) -> str:
    if v is None:
        return ""
    return format_number(v, 0 if BY_KEY[key].kind == "count" else 3)


class IndicatorText(BaseModel):
    """Sentences built from the "Số liệu" of the period, by report section."""

    province_tasks: str = ""       # I.5 nhiệm vụ UBND tỉnh giao
    inspection: str = ""           # I.3 kiểm tra
    institution: str = ""          # II.1 thể chế
    procedures: str = ""           # II.2 TTHC: thủ tục, DVC trực tuyến
    dossiers: str = ""             # II.2 hồ sơ
    complaints: str = ""           # II.2 phản ánh, kiến nghị
    disbursement: str = ""         # II.5 giải ngân
    revenue: str = ""              # II.8 thu ngân sách
    enterprises: str = ""

    def by_area(self) -> dict[str, list[str]]:
        """Sentences for the sections of areas "1".."8" (see ``core.models.Area``)."""
        return {"1": [s for s in (self.province_tasks, self.inspection) if s],
                "2": [self.institution] if self.institution else [],
                "3": [s for s in (self.procedures, self.dossiers, self.complaints) if s],
                "6": [s for s in (self.disbursement, self.revenue, self.enterprises) if s]}

    def any(self) -> bool:
        return any(v for v in self.model_dump().values())


def indicator_text(values: dict[str, float], period: ReportingPeriod) -> IndicatorText:
    v = values.get
    span = f"từ ngày {period.start.strftime('%d/%m/%Y')} đến ngày {period.end.strftime('%d/%m/%Y')}"
    t = IndicatorText()
    if v("nv_tinh_giao") is not None:
        t.province_tasks = f"Trong kỳ ({span}), xã được UBND tỉnh, Chủ tịch UBND tỉnh giao " \
                           f"{_n(v('nv_tinh_giao'), 'nv_tinh_giao')} nhiệm vụ"
        if v("nv_tinh_xong") is not None:
            t.province_tasks += f"; đã xử lý xong {_n(v('nv_tinh_xong'), 'nv_tinh_xong')} nhiệm vụ"
            r = rate(values, "tl_nv_tinh_dung_han")
            if r is not None:
                t.province_tasks += f" (đúng hạn {_pct(r)})"
        t.province_tasks += "."
    if v("don_vi_kiem_tra") is not None:
        t.inspection = f"Đã tiến hành kiểm tra công tác cải cách hành chính tại " \
                       f"{_n(v('don_vi_kiem_tra'), 'don_vi_kiem_tra')} cơ quan, đơn vị."
    inst = []
    if v("vb_ban_hanh") is not None:      # "ban hành 0 văn bản" is not how a report says none
        inst.append(f"ban hành {_n(v('vb_ban_hanh'), 'vb_ban_hanh')} văn bản quy phạm pháp luật" if v("vb_ban_hanh")
                    else "không ban hành văn bản quy phạm pháp luật nào")
    if v("vb_gop_y") is not None:
        inst.append(f"góp ý {_n(v('vb_gop_y'), 'vb_gop_y')} dự thảo văn bản quy phạm pháp luật theo yêu cầu "
                    "của cơ quan cấp trên" if v("vb_gop_y") else
                    "không có dự thảo văn bản quy phạm pháp luật nào cần góp ý theo yêu cầu của cơ quan cấp trên")
    if inst:
        t.institution = f"Trong kỳ, UBND xã {', '.join(inst)}."
    if v("tthc_tong") is not None:
        t.procedures = f"Tổng số thủ tục hành chính thuộc thẩm quyền giải quyết của UBND xã: " \
                       f"{_n(v('tthc_tong'), 'tthc_tong')} thủ tục"
        if v("tthc_dvc") is not None:
            t.procedures += f", trong đó {_n(v('tthc_dvc'), 'tthc_dvc')} thủ tục đủ điều kiện cung cấp " \
                            "dịch vụ công trực tuyến"
            sub = [f"{w}: {_n(v(k), k)} thủ tục" for k, w in (("tthc_toan_trinh", "toàn trình"),
                                                              ("tthc_mot_phan", "một phần")) if v(k) is not None]
            if sub:
                t.procedures += " (" + ", ".join(sub) + ")"
        t.procedures += "."
    if v("hs_tiep_nhan") is not None:
        parts = []
        for k, rk, word in (("hs_truc_tuyen", "tl_truc_tuyen", "trực tuyến"),
                            ("hs_truc_tiep", "tl_truc_tiep", "trực tiếp")):
            if v(k) is not None:
                r = rate(values, rk)
                parts.append(f"{word} {_n(v(k), k)} hồ sơ" + (f" ({_pct(r)})" if r is not None else ""))
        text = f"Trong kỳ ({span}), Trung tâm Phục vụ hành chính công xã tiếp nhận " \
               f"{_n(v('hs_tiep_nhan'), 'hs_tiep_nhan')} hồ sơ"
        if parts:
            text += " (trong đó " + ", ".join(parts) + ")"
        done = [f"đã giải quyết {_n(v('hs_da_giai_quyet'), 'hs_da_giai_quyet')} hồ sơ"] \
            if v("hs_da_giai_quyet") is not None else []
        if v("hs_dang_giai_quyet") is not None:
            done.append(f"đang giải quyết {_n(v('hs_dang_giai_quyet'), 'hs_dang_giai_quyet')} hồ sơ")
        text += (", " + ", ".join(done) if done else "") + "."
        on_time, late = rate(values, "tl_dung_han"), rate(values, "tl_qua_han")
        if on_time is not None:
            text += f" Tỷ lệ hồ sơ giải quyết trước hạn, đúng hạn: {_pct(on_time)}"
            text += (f", quá hạn: {_pct(late)}." if late is not None else ".")
        t.dossiers = text
    if v("pakn_tiep_nhan") is not None:
        n = v("pakn_tiep_nhan")
        if not n:
            t.complaints = "Trong kỳ không có phản ánh, kiến nghị của người dân, tổ chức liên quan đến quy " \
                           "định thủ tục hành chính."
        else:
            t.complaints = f"Trong kỳ tiếp nhận {_n(n, 'pakn_tiep_nhan')} phản ánh, kiến nghị về quy định " \
                           "thủ tục hành chính" + (f", đã xử lý {_n(v('pakn_da_xu_ly'), 'pakn_da_xu_ly')}"
                                                   if v("pakn_da_xu_ly") is not None else "") + "."
    t.disbursement = _achievement(values, "gn_thuc_hien", "gn_ke_hoach", "tl_giai_ngan",
                                  "Kết quả giải ngân vốn đầu tư công")
    t.revenue = _achievement(values, "thu_ns_thuc_hien", "thu_ns_ke_hoach", "tl_thu_ns",
                             "Tổng thu ngân sách", suffix=" dự toán được giao")
    if v("dn_thanh_lap") is not None:
        t.enterprises = f"Trong kỳ, trên địa bàn xã có {_n(v('dn_thanh_lap'), 'dn_thanh_lap')} doanh nghiệp " \
                        "thành lập mới."
    return t


def _achievement(values: dict[str, float], done_key: str, plan_key: str, rate_key: str, lead: str,
                 suffix: str = " kế hoạch") -> str:
    done, planned, r = values.get(done_key), values.get(plan_key), rate(values, rate_key)
    if done is None and r is None:
        return ""
    text = lead + ": "
    if done is not None:
        text += _n(done, done_key) + (f"/{_n(planned, plan_key)}" if planned is not None else "") + " tỷ đồng"
    if r is not None:
        text += (", " if done is not None else "") + f"đạt {_pct(r)}{suffix}"
    return text + "."
