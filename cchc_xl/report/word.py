"""Word draft of the periodic CCHC report (python-docx), Nghị định 30/2020/NĐ-CP layout.

A4, margins top/bottom 20 mm, left 30 mm, right 15 mm, Times New Roman 14 pt;
header block (issuing body + number | national title + motto + place/date),
"BÁO CÁO" + trích yếu, sections I-VI as in real commune reports (seed 003),
"Nơi nhận" and the signature block.  Figures come from ``QuarterlyReport``;
text that cannot be derived from data is left as a highlighted "…" placeholder
for the official to fill in.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Iterable, Sequence

from docx import Document
from docx.document import Document as DocumentT
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT, WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from cchc_xl.core.findings import catalog
from cchc_xl.core.models import AREA_NAMES, Area
from cchc_xl.report.periodic import GAINED_LABEL, basis_note, trend_sentence
from cchc_xl.report.data import QuarterlyReport, RemediationLine, TaskLine, fmt_date, fmt_pct, fmt_points
from cchc_xl.files.safeio import atomic_path, backup, write_error

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 12
TEXT_WIDTH_CM = 16.5          # 210 - 30 - 15 mm
PLACEHOLDER = "…"
WRITE_ACTION = "ghi báo cáo Word"      # "{action}" of the write findings (write_denied, write_aborted...)
_CENTER = WD_ALIGN_PARAGRAPH.CENTER
_JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY
_LEFT = WD_ALIGN_PARAGRAPH.LEFT


# ---------------------------------------------------------------- low-level helpers

def _fonts(rpr_owner) -> None:
    """Set all four rFonts slots (ascii, hAnsi, cs, eastAsia) to Times New Roman."""
    rfonts = rpr_owner.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        rfonts.set(qn(attr), FONT)


def _setup_document(doc: DocumentT) -> None:
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(20), Mm(20)
    sec.left_margin, sec.right_margin = Mm(30), Mm(15)
    sec.header_distance, sec.footer_distance = Mm(10), Mm(10)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    _fonts(normal.element)
    rpr = normal.element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)          # last child of this rPr: schema order (after w:sz)
    lang.set(qn("w:val"), "vi-VN")
    pf = normal.paragraph_format
    pf.space_before = Pt(6)
    pf.space_after = Pt(0)
    pf.line_spacing = 1.15
    _page_numbers(sec)


def _page_numbers(sec) -> None:
    """Page number centred in the top margin, not on the first page (ND 30/2020)."""
    sec.different_first_page_header_footer = True
    p = sec.header.paragraphs[0]
    p.alignment = _CENTER
    for kind in ("begin", "instr", "separate", "text", "end"):
        run = _run(p, "1" if kind == "text" else "", size=13)
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = " PAGE "
            run._r.append(el)
        elif kind != "text":
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)


def _run(p: Paragraph, text: str, *, bold: bool = False, italic: bool = False, size: float | None = None,
         underline: bool = False, highlight: bool = False):
    r = p.add_run(text)
    r.bold, r.italic = bold or None, italic or None
    if underline:
        r.underline = True
    if size:
        r.font.size = Pt(size)
    if highlight:
        r.font.highlight_color = WD_COLOR_INDEX.YELLOW
    _fonts(r._r)
    return r


def _para(container, text: str = "", *, align=_JUSTIFY, bold: bool = False, italic: bool = False,
          size: float | None = None, indent: bool = True, before: float | None = None,
          after: float | None = None, keep_next: bool = False) -> Paragraph:
    p = container.add_paragraph()
    p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Cm(1)
    if before is not None:
        p.paragraph_format.space_before = Pt(before)
    if after is not None:
        p.paragraph_format.space_after = Pt(after)
    if keep_next:
        p.paragraph_format.keep_with_next = True
    if text:
        _run(p, text, bold=bold, italic=italic, size=size)
    return p


def _rule(container, width_cm: float, avail_cm: float) -> Paragraph:
    """A short centred horizontal line (bottom border of an empty tiny paragraph)."""
    p = container.add_paragraph()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    borders.append(bottom)
    p._p.get_or_add_pPr().append(borders)   # first: spacing/ind are then inserted after it
    pf = p.paragraph_format
    side = max((avail_cm - width_cm) / 2, 0)
    pf.left_indent, pf.right_indent = Cm(side), Cm(side)
    pf.space_before, pf.space_after = Pt(0), Pt(0)
    pf.line_spacing = Pt(2)
    return p


def _placeholder(container, hint: str, prefix: str = "") -> Paragraph:
    """A paragraph the official must write: italic hint + "…", highlighted."""
    p = _para(container)
    if prefix:
        _run(p, prefix)
    _run(p, f"({hint}) ", italic=True, highlight=True)
    _run(p, PLACEHOLDER * 3, highlight=True)
    return p


def _heading(doc: DocumentT, text: str, level: int = 1) -> Paragraph:
    return _para(doc, text, bold=True, before=10 if level == 1 else 6, keep_next=True)


def _cell_text(cell: _Cell, text: str, *, bold: bool = False, italic: bool = False, align=_LEFT,
               size: float = TABLE_PT) -> Paragraph:
    p = cell.paragraphs[0]
    p.alignment = align
    pf = p.paragraph_format
    pf.space_before, pf.space_after, pf.line_spacing = Pt(2), Pt(2), 1.0
    pf.first_line_indent = Cm(0)
    if text:
        _run(p, text, bold=bold, italic=italic, size=size)
    return p


def _no_split_header(table: Table) -> None:
    """Repeat the first row on each page; never split a row across pages."""
    for i, row in enumerate(table.rows):
        trpr = row._tr.get_or_add_trPr()
        trpr.append(OxmlElement("w:cantSplit"))
        if i == 0:
            trpr.append(OxmlElement("w:tblHeader"))


def _set_widths(table: Table, widths_cm: Sequence[float]) -> None:
    table.autofit = False
    for i, w in enumerate(widths_cm):
        table.columns[i].width = Cm(w)
        for cell in table.columns[i].cells:
            cell.width = Cm(w)


def _data_table(doc: DocumentT, headers: Sequence[str], rows: Iterable[Sequence[str]],
                widths_cm: Sequence[float], *, numeric_from: int = 99,
                total_last: bool = False) -> Table:
    """A bordered table (style "Table Grid"): bold centred header, numbers right-aligned."""
    rows = [list(r) for r in rows]
    table = doc.add_table(rows=1 + len(rows), cols=len(headers))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for j, h in enumerate(headers):
        cell = table.rows[0].cells[j]
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _cell_text(cell, h, bold=True, align=_CENTER)
    for i, values in enumerate(rows, start=1):
        bold = total_last and i == len(rows)
        for j, v in enumerate(values):
            align = _CENTER if j == 0 else (WD_ALIGN_PARAGRAPH.RIGHT if j >= numeric_from else _LEFT)
            _cell_text(table.rows[i].cells[j], v, bold=bold, align=align)
    _set_widths(table, widths_cm)
    _no_split_header(table)
    _para(doc, before=0, indent=False).paragraph_format.line_spacing = Pt(6)   # gap after the table
    return table


def _num(value: int | float | None) -> str:
    if value is None:
        return ""
    return str(value) if isinstance(value, int) else fmt_points(value)


def _plain_place(commune: str) -> str:
    """"xã Quảng Sơn" -> "Quảng Sơn" (địa danh)."""
    low = commune.strip()
    for prefix in ("xã ", "phường ", "thị trấn ", "đặc khu "):
        if low.lower().startswith(prefix):
            return low[len(prefix):].strip()
    return low


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def _inline(text: str) -> str:
    """Text on one line, without a final period: for use inside a sentence."""
    return " ".join(text.split()).rstrip(" .;,")


# ---------------------------------------------------------------- blocks

def _header_block(doc: DocumentT, rep: QuarterlyReport, commune: str, number: str) -> None:
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = (6.3, TEXT_WIDTH_CM - 6.3)
    _set_widths(table, widths)
    left, right = table.rows[0].cells
    p = _cell_text(left, "ỦY BAN NHÂN DÂN", bold=True, align=_CENTER, size=13)
    p.paragraph_format.space_before = Pt(0)
    _para(left, commune.upper(), bold=True, size=13, align=_CENTER, indent=False, before=0)
    _rule(left, 2.0, widths[0] - 0.4)
    _para(left, f"Số: {number}", size=13, align=_CENTER, indent=False, before=8)
    p = _cell_text(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, align=_CENTER, size=12.5)
    p.paragraph_format.space_before = Pt(0)
    p = _para(right, "", align=_CENTER, indent=False, before=0)
    _run(p, "Độc lập - Tự do - Hạnh phúc", bold=True, size=13.5, underline=True)
    _para(right, f"{_plain_place(commune)}, ngày {PLACEHOLDER} tháng {PLACEHOLDER} năm {rep.period.due.year}",
          italic=True, size=14, align=_CENTER, indent=False, before=12)


def _title_block(doc: DocumentT, rep: QuarterlyReport, province: str) -> None:
    _para(doc, "BÁO CÁO", bold=True, align=_CENTER, indent=False, before=18)
    _para(doc, f"Kết quả thực hiện công tác cải cách hành chính {_lower_first(rep.period.label)}",
          bold=True, align=_CENTER, indent=False, before=0)
    _rule(doc, 5.0, TEXT_WIDTH_CM)
    to = f"Sở Nội vụ {province}" if province else f"Sở Nội vụ {PLACEHOLDER}"
    p = _para(doc, "", align=_CENTER, indent=False, before=12, after=6)
    _run(p, "Kính gửi: ")
    _run(p, f"{to}.")


def _opening(doc: DocumentT, rep: QuarterlyReport, commune: str) -> None:
    info, p = rep.info, rep.period
    if info.plan_number:
        date = f" ngày {fmt_date(info.plan_date)}" if info.plan_date else ""
        ref = (f"Kế hoạch số {info.plan_number}{date} của Ủy ban nhân dân {commune} về cải cách "
               f"hành chính năm {info.year}")
    else:
        ref = f"Kế hoạch cải cách hành chính năm {info.year} của Ủy ban nhân dân {commune}"
    _para(doc, f"Thực hiện {ref}, Ủy ban nhân dân {commune} báo cáo kết quả thực hiện công tác cải cách "
               f"hành chính {_lower_first(p.label)} (số liệu tính từ ngày {fmt_date(p.start)} đến ngày "
               f"{fmt_date(p.end)}) như sau:")


def _result_text(t: TaskLine) -> str:
    if t.state == "done":
        return "Đã hoàn thành" + (f" ngày {fmt_date(t.completed_on)}" if t.completed_on else "")
    if t.state == "overdue":
        return f"Quá hạn {t.days_late} ngày" + (f" (đạt {_num(t.progress)}%)" if t.progress else "")
    if t.state == "in_progress":
        return "Đang thực hiện" + (f" ({_num(t.progress)}%)" if 0 < t.progress < 100 else "")
    return t.state_label


def _deadline(t: TaskLine) -> str:
    return fmt_date(t.due) if t.due else (t.deadline_text or "-")


def _task_table(doc: DocumentT, tasks: list[TaskLine]) -> None:
    rows = [(str(i), t.title, t.lead, _deadline(t), _result_text(t)) for i, t in enumerate(tasks, 1)]
    _data_table(doc, ("TT", "Nhiệm vụ", "Chủ trì", "Thời hạn", "Kết quả"), rows,
                (1.0, 6.6, 3.3, 2.6, 3.0))


def _area_sentence(rep: QuarterlyReport, area: Area) -> str:
    row = rep.area_row(area)
    if row is None or (not row.total and not row.cancelled):
        return "Kế hoạch không giao nhiệm vụ thuộc lĩnh vực này."
    parts = [f"đã hoàn thành {row.done}/{row.total} nhiệm vụ ({fmt_pct(row.percent)})"] if row.total else []
    parts += [f"{n} nhiệm vụ {label}" for n, label in ((row.in_progress, "đang thực hiện"),
                                                        (row.not_started, "chưa thực hiện"),
                                                        (row.overdue, "quá hạn"),
                                                        (row.cancelled, "không thực hiện")) if n]
    return f"Kế hoạch giao {row.total + row.cancelled} nhiệm vụ; " + ", ".join(parts) + "."


def _pct_cell(value: float | None) -> str:
    return fmt_pct(value) if value is not None else "-"


def _count_rows(rows, name_of) -> list[list[str]]:
    return [[str(i), name_of(r), str(r.total), str(r.done), str(r.in_progress), str(r.not_started),
             str(r.overdue), _pct_cell(r.percent)] for i, r in enumerate(rows, start=1)]


_COUNT_HEADERS = ("Tổng số", "Đã hoàn thành", "Đang thực hiện", "Chưa thực hiện", "Quá hạn",
                  "Tỷ lệ hoàn thành")
_COUNT_WIDTHS = (1.0, 5.0, 1.6, 1.8, 1.8, 1.8, 1.5, 2.0)


def _section_direction(doc: DocumentT, rep: QuarterlyReport) -> None:
    n = rep.narrative
    year = rep.info.year
    _heading(doc, "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CẢI CÁCH HÀNH CHÍNH")
    _heading(doc, "1. Các hoạt động chỉ đạo, điều hành", 2)
    _placeholder(doc, "Nêu các văn bản chỉ đạo, điều hành công tác cải cách hành chính đã ban hành "
                      "trong kỳ: số, ngày, trích yếu")
    tasks = rep.tasks_of(Area.CHI_DAO)
    if tasks:
        _para(doc, "Kết quả thực hiện các nhiệm vụ về công tác chỉ đạo, điều hành: "
                   + _lower_first(_area_sentence(rep, Area.CHI_DAO)), keep_next=True)
        _task_table(doc, tasks)
    _heading(doc, f"2. Tiến độ thực hiện Kế hoạch CCHC năm {year}", 2)
    _para(doc, f"{n.plan} {n.completion}")
    for text in (n.breakdown, n.period_done):
        if text:
            _para(doc, text)
    _trend_block(doc, rep)
    if rep.by_unit:
        _para(doc, "Kết quả thực hiện theo đơn vị chủ trì:", keep_next=True)
        _data_table(doc, ("TT", "Đơn vị chủ trì") + _COUNT_HEADERS,
                    _count_rows(rep.by_unit, lambda r: r.name), _COUNT_WIDTHS, numeric_from=2)
    _heading(doc, "3. Công tác kiểm tra cải cách hành chính", 2)
    if rep.indicator_text.inspection:
        _para(doc, rep.indicator_text.inspection)
    else:
        _placeholder(doc, "Kết quả kiểm tra, tự kiểm tra công tác cải cách hành chính trong kỳ")
    _heading(doc, "4. Công tác thông tin, tuyên truyền cải cách hành chính", 2)
    _placeholder(doc, "Kết quả thông tin, tuyên truyền cải cách hành chính")
    if rep.indicator_text.province_tasks:
        _heading(doc, "5. Kết quả thực hiện các nhiệm vụ được UBND tỉnh, Chủ tịch UBND tỉnh giao", 2)
        _para(doc, rep.indicator_text.province_tasks)


def _trend_block(doc: DocumentT, rep: QuarterlyReport) -> None:
    """Cumulative figures at each cut-off of the year (seed 003 gives only the last one)."""
    if rep.closed:
        _para(doc, f"Số liệu nhiệm vụ trong báo cáo này lấy theo bản {rep.source}.", italic=True)
    else:        # a draft from the current master: said in the document that gets signed, not only on screen
        _para(doc, f"Số liệu nhiệm vụ trong báo cáo này chưa chốt: tính từ sổ tổng hợp lúc lập báo cáo, tại ngày "
                   f"{fmt_date(rep.as_of)}; số liệu còn có thể thay đổi cho đến khi kỳ "
                   f"{rep.period.short_label} được chốt.", italic=True)
    if len(rep.trend) < 2:
        return
    _para(doc, trend_sentence(rep.trend), keep_next=True)
    rows = [[r.label, fmt_date(r.cutoff), str(r.total), str(r.done), _pct_cell(r.percent), str(r.gained),
             str(r.overdue), r.basis_label] for r in rep.trend]
    _data_table(doc, ("Kỳ", "Ngày chốt", "Tổng số", "Hoàn thành lũy kế", "Tỷ lệ lũy kế",
                      GAINED_LABEL, "Quá hạn", "Số liệu"), rows,
                (2.3, 2.2, 1.4, 1.9, 1.8, 1.9, 1.4, 1.8), numeric_from=2)
    if basis_note(rep.trend):
        _para(doc, basis_note(rep.trend), italic=True)


def _section_results(doc: DocumentT, rep: QuarterlyReport) -> None:
    _heading(doc, "II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH")
    if rep.by_area:
        s = rep.summary
        rows = _count_rows(rep.by_area, lambda r: AREA_NAMES[Area(r.key)])
        rows.append(["", "Tổng cộng", str(s.total), str(s.done), str(s.in_progress), str(s.not_started),
                     str(s.overdue), fmt_pct(s.percent)])
        _para(doc, "Kết quả thực hiện theo lĩnh vực:", keep_next=True)
        _data_table(doc, ("TT", "Lĩnh vực") + _COUNT_HEADERS, rows, _COUNT_WIDTHS, numeric_from=2,
                    total_last=True)
    for i, area in enumerate(list(Area)[1:], start=1):
        _heading(doc, f"{i}. {AREA_NAMES[area]}", 2)
        _para(doc, _area_sentence(rep, area), keep_next=bool(rep.tasks_of(area)))
        for text in rep.indicator_text.by_area().get(area.value, []):
            _para(doc, text)
        if rep.tasks_of(area):
            _task_table(doc, rep.tasks_of(area))
        _placeholder(doc, "Đánh giá kết quả nổi bật, số liệu cụ thể của lĩnh vực")


def _remediation_state(item: RemediationLine) -> str:
    if item.progress and 0 < item.progress < 100:
        return f"{item.state_label} ({_num(item.progress)}%)"
    return item.state_label


def _section_index(doc: DocumentT, rep: QuarterlyReport) -> None:
    _heading(doc, "III. CHỈ SỐ CẢI CÁCH HÀNH CHÍNH VÀ KẾT QUẢ KHẮC PHỤC")
    year = f" năm {rep.info.index_year}" if rep.info.index_year else ""
    _heading(doc, f"1. Kết quả Chỉ số cải cách hành chính{year}", 2)
    if rep.deductions:
        if rep.narrative.index:
            _para(doc, rep.narrative.index, keep_next=True)
        rows = [[str(i), AREA_NAMES[d.area], _num(d.max_points), _num(d.appraised), _num(d.effective)]
                for i, d in enumerate(rep.deductions, start=1)]
        rows.append(["", "Tổng điểm", _num(rep.index_max), _num(rep.index_appraised),
                     _num(rep.index_deducted)])
        _data_table(doc, ("TT", "Lĩnh vực", "Điểm tối đa", "Điểm thẩm định", "Điểm bị trừ"), rows,
                    (1.0, 9.5, 2.0, 2.0, 2.0), numeric_from=2, total_last=True)
        for d in rep.deductions:
            if d.check:
                _para(doc, f"Lưu ý rà soát số liệu lĩnh vực {d.area.value}: {d.check}.", italic=True,
                      size=12)
    else:
        _placeholder(doc, "Kết quả Chỉ số cải cách hành chính được công bố")
    _heading(doc, "2. Kết quả khắc phục tồn tại, hạn chế", 2)
    total = rep.remediation_total
    if total.total or total.cancelled:
        if rep.narrative.remediation:
            _para(doc, rep.narrative.remediation, keep_next=True)
        rows = [[str(i), AREA_NAMES[Area(r.key)], str(r.total), str(r.done), str(r.in_progress),
                 str(r.not_started), _pct_cell(r.percent)]
                for i, r in enumerate(rep.remediation_by_area, start=1)]
        rows.append(["", "Tổng cộng", str(total.total), str(total.done), str(total.in_progress),
                     str(total.not_started), fmt_pct(total.percent)])
        _data_table(doc, ("TT", "Lĩnh vực", "Số nội dung", "Đã hoàn thành", "Đang thực hiện",
                          "Chưa thực hiện", "Tỷ lệ hoàn thành"), rows,
                    (1.0, 6.6, 1.7, 1.8, 1.8, 1.8, 1.8), numeric_from=2, total_last=True)
        if rep.remediation_open:
            _para(doc, "Các nội dung chưa hoàn thành khắc phục:", keep_next=True)
            rows = [(str(i), _inline(item.criterion) or AREA_NAMES[item.area], item.lead,
                     item.deadline_text or "-", _remediation_state(item))
                    for i, item in enumerate(rep.remediation_open, start=1)]
            _data_table(doc, ("TT", "Tiêu chí bị trừ điểm", "Chủ trì", "Thời hạn", "Tình trạng"),
                        rows, (1.0, 6.0, 4.3, 2.2, 3.0))
    else:
        _placeholder(doc, "Kết quả khắc phục các tồn tại, hạn chế và tiêu chí bị trừ điểm")
    if rep.points_at_risk:
        _heading(doc, "3. Điểm có nguy cơ bị trừ", 2)
        _para(doc, rep.narrative.risk, keep_next=True)
        rows = [[str(i), r.code, _inline(r.name), _num(r.points), ", ".join(r.late)]
                for i, r in enumerate(rep.points_at_risk, start=1)]
        rows.append(["", "", "Tổng cộng", _num(rep.risk_total), ""])
        _data_table(doc, ("TT", "Mã", "Tiêu chí", "Điểm", "Nhiệm vụ/khắc phục quá hạn"), rows,
                    (1.0, 1.6, 8.0, 1.6, 4.3), numeric_from=3, total_last=True)


def _section_issues(doc: DocumentT, rep: QuarterlyReport) -> None:
    _heading(doc, "IV. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN")
    _heading(doc, "1. Tồn tại, hạn chế", 2)
    _para(doc, rep.narrative.overdue, keep_next=bool(rep.overdue_tasks))
    if rep.overdue_tasks:
        rows = [(str(i), t.title, t.lead, fmt_date(t.due), str(t.days_late))
                for i, t in enumerate(rep.overdue_tasks, start=1)]
        _data_table(doc, ("TT", "Nhiệm vụ", "Chủ trì", "Hạn", "Số ngày quá hạn"), rows,
                    (1.0, 7.3, 3.6, 2.6, 2.0), numeric_from=4)
    _placeholder(doc, "Tồn tại, hạn chế khác trong thực hiện công tác cải cách hành chính")
    _heading(doc, "2. Nguyên nhân", 2)
    _placeholder(doc, "Nguyên nhân khách quan, chủ quan của các tồn tại, hạn chế")


def _section_outlook(doc: DocumentT, rep: QuarterlyReport) -> None:
    label = rep.period.outlook_label
    _heading(doc, f"V. PHƯƠNG HƯỚNG, NHIỆM VỤ {label.upper()}")
    k = 1
    if rep.overdue_tasks:
        _para(doc, f"{k}. Tập trung chỉ đạo hoàn thành {len(rep.overdue_tasks)} nhiệm vụ quá hạn "
                   "nêu tại Mục IV.")
        k += 1
    if rep.upcoming:
        # the window as it is: tasks due right after the cut-off still belong to this year or quarter
        # ("đến hạn trong năm 2026" for tasks due 31/12/2025 would be false)
        first = rep.as_of + dt.timedelta(days=1)
        _para(doc, f"{k}. Triển khai thực hiện {len(rep.upcoming)} nhiệm vụ chưa hoàn thành có hạn từ ngày "
                   f"{fmt_date(first)} đến ngày {fmt_date(rep.period.outlook_end)}:", keep_next=True)
        rows = [(str(i), t.title, t.lead, fmt_date(t.due)) for i, t in enumerate(rep.upcoming, 1)]
        _data_table(doc, ("TT", "Nhiệm vụ", "Chủ trì", "Hạn"), rows, (1.0, 9.6, 3.5, 2.4))
        k += 1
    if rep.remediation_open:
        _para(doc, f"{k}. Tiếp tục thực hiện {len(rep.remediation_open)} nội dung khắc phục các tiêu chí "
                   "bị trừ điểm chưa hoàn thành.")
        k += 1
    _placeholder(doc, "Các nhiệm vụ trọng tâm khác", prefix=f"{k}. ")
    _heading(doc, "VI. ĐỀ XUẤT, KIẾN NGHỊ")
    _placeholder(doc, "Đề xuất, kiến nghị với cấp trên, nếu có")


def _closing(doc: DocumentT, rep: QuarterlyReport, commune: str) -> None:
    _para(doc, f"Trên đây là báo cáo kết quả thực hiện công tác cải cách hành chính "
               f"{_lower_first(rep.period.label)} của Ủy ban nhân dân {commune}./.", before=8,
          keep_next=True)


def _signature_block(doc: DocumentT, signer_name: str, signer_title: str) -> None:
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _set_widths(table, (8.0, TEXT_WIDTH_CM - 8.0))
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))   # one page
    left, right = table.rows[0].cells
    p = _cell_text(left, "Nơi nhận:", bold=True, italic=True, size=12)
    p.paragraph_format.space_before = Pt(12)
    recipients = ("- Như trên;", "- TT Đảng ủy, TT HĐND xã;", "- Chủ tịch, các PCT UBND xã;",
                  "- Các phòng, ban, đơn vị thuộc UBND xã;", "- Lưu: VT.")
    for line in recipients:
        q = _para(left, line, size=11, align=_LEFT, indent=False, before=0)
        q.paragraph_format.line_spacing = 1.0
    title = signer_title.strip().upper() or "CHỦ TỊCH"
    lines = ["TM. ỦY BAN NHÂN DÂN"]
    if title.startswith("PHÓ"):
        lines.append("KT. CHỦ TỊCH")
    lines.append(title)
    p = _cell_text(right, lines[0], bold=True, align=_CENTER, size=14)
    p.paragraph_format.space_before = Pt(12)
    for line in lines[1:]:
        _para(right, line, bold=True, size=14, align=_CENTER, indent=False, before=0)
    for _ in range(4):
        _para(right, "", indent=False, before=0)
    if signer_name:
        _para(right, signer_name, bold=True, size=14, align=_CENTER, indent=False, before=0)
    else:                                     # the official types the signer's name here
        p = _para(right, "", align=_CENTER, indent=False, before=0)
        _run(p, PLACEHOLDER * 3, bold=True, highlight=True)


# ---------------------------------------------------------------- public API

def build_report_document(report: QuarterlyReport, *, commune: str, province: str,
                          signer_name: str = "", signer_title: str = "CHỦ TỊCH",
                          number: str = "…/BC-UBND") -> DocumentT:
    """The Word document in memory."""
    commune = commune.strip() or report.info.commune or "xã …"
    doc = Document()
    _setup_document(doc)
    props = doc.core_properties
    props.title = f"Báo cáo kết quả thực hiện công tác cải cách hành chính {_lower_first(report.period.label)}"
    props.author = f"Ủy ban nhân dân {commune}"
    props.language = "vi-VN"
    _header_block(doc, report, commune, number)
    _title_block(doc, report, province)
    _opening(doc, report, commune)
    _section_direction(doc, report)
    _section_results(doc, report)
    _section_index(doc, report)
    _section_issues(doc, report)
    _section_outlook(doc, report)
    _closing(doc, report, commune)
    _signature_block(doc, signer_name, signer_title)
    _drop_first_empty_paragraph(doc)
    return doc


def _drop_first_empty_paragraph(doc: DocumentT) -> None:
    """python-docx's template starts with an empty paragraph: remove it."""
    body = doc.element.body
    first = body[0]
    if first.tag == qn("w:p") and not "".join(first.itertext()).strip():
        body.remove(first)


def write_report_docx(report: QuarterlyReport, path: str | os.PathLike[str], *, commune: str,
                      province: str, signer_name: str = "", signer_title: str = "CHỦ TỊCH",
                      number: str = "…/BC-UBND") -> Path:
    """Write the Word draft (an existing file is backed up first, then replaced atomically)."""
    doc = build_report_document(report, commune=commune, province=province, signer_name=signer_name,
                                signer_title=signer_title, number=number)
    target = Path(path)
    if target.is_dir():
        raise catalog.IS_DIR.error(path=target, kind="Word", suffix=".docx")
    try:
        backup(target)
        with atomic_path(target) as tmp:
            doc.save(str(tmp))
    except OSError as exc:       # open in Word, read-only, disk full, a folder that cannot be made
        raise write_error(exc, target, WRITE_ACTION) from None
    return target


# ---------------------------------------------------------------- PDF (LibreOffice)

def docx_to_pdf(path: str | os.PathLike[str], out_dir: str | os.PathLike[str] | None = None) -> Path:
    """Convert with LibreOffice headless (``cchc_xl.report.pdf``: private profile, timeout)."""
    from cchc_xl.report.pdf import to_pdf

    src = Path(path)
    return Path(to_pdf(src, Path(out_dir) if out_dir else src.parent))
