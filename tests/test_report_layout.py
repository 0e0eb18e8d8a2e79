"""Print layout of the report: the sheet "Báo cáo quý" and the Word draft.

Without LibreOffice: every row of the written sheet is as tall as its wrapped
text, charts sit on reserved rows and the page breaks keep each chart on one
A4 page; saving the report keeps the outline ("+") of the folded columns of
"Phân công".  With LibreOffice (marked ``libreoffice``; poppler's
``pdftotext -bbox`` reads word boxes): the sheet's PDF has no overlapping
words and each chart prints whole on one page; the Word PDF opens with the
national title and the report title, and no text leaves the text area.

The realistic data is the packaged sample (xã Quảng Sơn 2025, 52 tasks, the
Cẩm Sơn index and 31 remediation items) with simulated progress, as in
``cchc-xl demo``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from cchc_xl.core import schema as S
from cchc_xl.workbook.master import write_master
from cchc_xl.core.models import Plan, Task, Unit
from cchc_xl.report.data import build_report
from cchc_xl.report.word import TEXT_WIDTH_CM, docx_to_pdf, write_report_docx
from cchc_xl.report.sheet import (CHART_HEIGHT_CM, MARGIN_BOTTOM_IN, ReportSheetLayout,
                                  page_capacity, paginate, report_layout, update_master_report,
                                  write_report_sheet)
from cchc_xl.importers.sample import sample_plan, sample_progress
from cchc_xl.workbook.styling import lines_height, wrapped_lines

from test_report import Q3, make_plan

PT_PER_CM = 72 / 2.54


@pytest.fixture(scope="module")
def sample() -> Plan:
    """The demo's data: the packaged sample with progress as of the Q3 cut-off."""
    return sample_progress(sample_plan(), Q3.end)


def _many_units_plan() -> Plan:
    """A plan with 18 units: the unit table and its chart no longer fit under the summary."""
    plan = make_plan()
    extra = [Unit(code=f"T{i:02d}", name=f"Tổ công tác thôn {i}") for i in range(1, 15)]
    plan.units += extra
    plan.tasks += [Task(id=f"IX-{i:02d}", area=plan.tasks[i % 10].area, title=f"Nhiệm vụ thôn {i}",
                        lead_units=[u.code]) for i, u in enumerate(extra, start=1)]
    return plan


# ---------------------------------------------------------------- row heights (no LibreOffice)

def _merged_widths(ws) -> dict[tuple[int, int], float]:
    """(row, first col) of each merged range -> its width (sum of column widths)."""
    widths = {}
    for rng in ws.merged_cells.ranges:
        widths[(rng.min_row, rng.min_col)] = sum(
            ws.column_dimensions[get_column_letter(c)].width for c in range(rng.min_col, rng.max_col + 1))
    return widths


def _check_row_heights(path: Path) -> int:
    """Assert every wrapped text cell fits its row height; returns the rows with 2+ lines."""
    ws = load_workbook(path)[S.SHEET_REPORT]
    merged = _merged_widths(ws)
    multi = 0
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row):
        r = row[0].row
        height = ws.row_dimensions[r].height
        assert height, f"hàng {r} không có chiều cao: LibreOffice/máy in không tự giãn hàng"
        for cell in row:
            if not isinstance(cell.value, str) or not cell.alignment.wrap_text:
                continue
            width = merged.get((r, cell.column),
                               ws.column_dimensions[cell.column_letter].width)
            size, bold = cell.font.sz or 11, bool(cell.font.b)
            lines = wrapped_lines(cell.value, width, size=size, bold=bold)
            assert height >= lines_height(lines, size) - 0.05, \
                f"ô {cell.coordinate} ({lines} dòng) cao {height}: chữ tràn sang hàng dưới"
            multi += lines > 1
    return multi


def test_row_heights_fit_wrapped_text(tmp_path, sample):
    path = tmp_path / "So.xlsx"
    write_master(sample, path, make_backup=False)
    update_master_report(path, Q3)
    assert _check_row_heights(path) >= 5
    ws = load_workbook(path)[S.SHEET_REPORT]
    label = next(c for row in ws.iter_rows() for c in row
                 if isinstance(c.value, str) and c.value.startswith("Tổng số nhiệm vụ phải thực hiện"))
    # the two-line label of the summary: two lines high, not printed over "Đã hoàn thành"
    assert ws.row_dimensions[label.row].height >= lines_height(2)
    assert ws.cell(row=label.row + 1, column=2).value == "Đã hoàn thành"


def test_row_heights_fit_on_the_hand_built_plan(tmp_path):
    wb = Workbook()
    wb.remove(wb.active)
    write_report_sheet(wb, build_report(make_plan(), Q3))
    wb.save(tmp_path / "bc.xlsx")
    assert _check_row_heights(tmp_path / "bc.xlsx") >= 3


# ---------------------------------------------------------------- charts and page breaks

def _pages(lay: ReportSheetLayout) -> list[tuple[int, int]]:
    """(first, last) row of each printed page, as the breaks and the page height make them."""
    cap = page_capacity()
    pages, first, used = [], 1, 0.0
    for r in range(1, lay.last_row + 1):
        h = lay.heights[r]
        if used + h > cap and used > 0:          # an automatic break of the printer
            pages.append((first, r - 1))
            first, used = r, 0.0
        used += h
        if r in lay.breaks:
            pages.append((first, r))
            first, used = r + 1, 0.0
    pages.append((first, lay.last_row))
    return pages


@pytest.mark.parametrize("plan_of", [make_plan, _many_units_plan,
                                     lambda: sample_progress(sample_plan(), Q3.end)],
                         ids=["tay", "nhieu_don_vi", "mau"])
def test_each_chart_on_reserved_rows_within_one_page(plan_of):
    lay = report_layout(build_report(plan_of(), Q3))
    assert len(lay.charts) == 3          # by unit, by area, trend across the periods
    pages = _pages(lay)
    for spec in lay.charts:
        first, last = spec.rows
        assert spec.anchor == f"B{first}"
        # the reserved rows are empty and at least as tall as the chart
        assert not any(r in range(first, last + 1) for r, _ in lay.cells)
        assert sum(lay.heights[r] for r in range(first, last + 1)) >= CHART_HEIGHT_CM * PT_PER_CM
        assert any(a <= first and last <= b for a, b in pages), \
            f"biểu đồ '{spec.title}' (hàng {first}-{last}) nằm vắt qua hai trang: {pages}"
    # the section heading above a chart starts on the chart's page (table and chart together)
    for spec in lay.charts:
        table = "unit" if spec.stacked else "trend" if "qua các kỳ" in spec.title else "area"
        heading = lay.tables[table].header_row - (2 if table == "trend" else 1)
        assert any(a <= heading and spec.rows[1] <= b for a, b in pages)


def test_many_units_push_the_area_section_to_a_new_page():
    lay = report_layout(build_report(_many_units_plan(), Q3))
    area = lay.tables["area"]
    heading = area.header_row - 1
    assert heading - 1 in lay.breaks or heading - 2 in lay.breaks, lay.breaks
    assert all(b < lay.last_row for b in lay.breaks)


def test_paginate_moves_a_kept_block_and_splits_an_oversized_one():
    heights = {r: 10.0 for r in range(1, 31)}
    # rows 8..12 do not fit after 1..7 on a 100-point page: break after 7
    assert paginate(heights, 30, [(8, 12)], 100) == [7, 17, 27]
    # nothing kept: a break wherever the page is full
    assert paginate(heights, 30, [], 100) == [10, 20]
    # a kept block taller than a page falls back to the shorter block starting there
    assert paginate(heights, 30, [(5, 20), (5, 7)], 100) == [10, 20]
    assert paginate(heights, 30, [(9, 25), (9, 12)], 100) == [8, 18, 28]


def test_written_sheet_has_the_breaks_and_chart_anchors(tmp_path):
    rep = build_report(_many_units_plan(), Q3)
    wb = Workbook()
    wb.remove(wb.active)
    write_report_sheet(wb, rep)
    wb.save(tmp_path / "bc.xlsx")
    ws = load_workbook(tmp_path / "bc.xlsx")[S.SHEET_REPORT]
    lay = report_layout(rep)
    assert [b.id for b in ws.row_breaks.brk] == lay.breaks and lay.breaks
    starts = sorted(c.anchor._from.row + 1 for c in ws._charts)
    assert starts == [spec.rows[0] for spec in lay.charts]


# ---------------------------------------------------------------- outline of "Phân công"

def _sheet_xml(path: Path, title: str) -> str:
    """XML of the worksheet named ``title``."""
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(rf'<sheet [^>]*name="{re.escape(title)}"[^>]*r:id="(rId\d+)"', book).group(1)
        target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or \
            re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
        name = target.group(1).lstrip("/")
        return z.read(name if name.startswith("xl/") else f"xl/{name}").decode()


def test_report_keeps_the_outline_of_folded_columns(tmp_path):
    path = tmp_path / "So.xlsx"
    write_master(make_plan(), path, make_backup=False)
    assert 'outlineLevelCol="1"' in _sheet_xml(path, S.SHEET_TASKS)
    update_master_report(path, Q3)
    xml = _sheet_xml(path, S.SHEET_TASKS)
    # Excel shows the "+" of the grouped columns only with sheetFormatPr/@outlineLevelCol
    assert re.search(r'<sheetFormatPr [^>]*outlineLevelCol="1"', xml), xml[:600]
    assert re.search(r'<col [^>]*hidden="1"[^>]*outlineLevel="1"', xml) or \
        re.search(r'<col [^>]*outlineLevel="1"[^>]*hidden="1"', xml)


# ---------------------------------------------------------------- PDF word boxes (LibreOffice)

@dataclass
class Word:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


@dataclass
class Page:
    number: int
    width: float
    height: float
    words: list[Word]


def _pdf_pages(pdf: Path) -> list[Page]:
    if not shutil.which("pdftotext"):
        pytest.skip("không có pdftotext (poppler-utils) để đọc vị trí chữ trong PDF")
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                          check=True).stdout.decode("utf-8")
    pages = []
    for i, m in enumerate(re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>',
                                      html, re.S), start=1):
        words = [Word(i, float(a), float(b), float(c), float(d), unescape(t)) for a, b, c, d, t in
                 re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                            r'yMax="([\d.]+)">(.*?)</word>', m.group(3))]
        pages.append(Page(i, float(m.group(1)), float(m.group(2)), words))
    return pages


def _overlapping(words: list[Word], share: float = 0.2) -> list[tuple[str, str, float]]:
    """Pairs of words whose boxes overlap by more than ``share`` of the smaller box."""
    found = []
    ordered = sorted(words, key=lambda w: w.y0)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b.y0 >= a.y1:
                break
            dx = min(a.x1, b.x1) - max(a.x0, b.x0)
            dy = min(a.y1, b.y1) - max(a.y0, b.y0)
            small = min((a.x1 - a.x0) * (a.y1 - a.y0), (b.x1 - b.x0) * (b.y1 - b.y0))
            if dx > 0 and dy > 0 and dx * dy > share * small:
                found.append((a.text, b.text, round(a.y0)))
    return found


def _find(pages: list[Page], phrase: str) -> list[tuple[int, Word]]:
    """(page, first word) of every occurrence of ``phrase`` as consecutive words."""
    target = phrase.split()
    hits = []
    for page in pages:
        texts = [w.text for w in page.words]
        for i in range(len(texts) - len(target) + 1):
            if texts[i:i + len(target)] == target:
                hits.append((page.number, page.words[i]))
    return hits


@pytest.fixture(scope="module")
def sheet_pdf(tmp_path_factory, sample) -> tuple[list[Page], ReportSheetLayout]:
    """The report sheet of a real master, printed alone (other sheets hidden)."""
    from cchc_xl.report.pdf import to_pdf

    folder = tmp_path_factory.mktemp("sheet_pdf")
    master = folder / "So.xlsx"
    write_master(sample, master, make_backup=False)
    update_master_report(master, Q3)
    wb = load_workbook(master)
    for ws in wb.worksheets:
        ws.sheet_state = "visible" if ws.title == S.SHEET_REPORT else "hidden"
        ws.sheet_view.tabSelected = ws.title == S.SHEET_REPORT
    wb.active = wb.sheetnames.index(S.SHEET_REPORT)
    only = folder / "Bao_cao_quy.xlsx"
    wb.save(only)
    pdf = to_pdf(only, folder)
    return _pdf_pages(pdf), report_layout(build_report(sample, Q3))


@pytest.mark.libreoffice
def test_sheet_pdf_has_no_overlapping_words(sheet_pdf):
    pages, _ = sheet_pdf
    assert len(pages) >= 2
    assert _find(pages, "Tổng số nhiệm vụ phải thực hiện")
    for page in pages:
        assert not _overlapping(page.words), f"trang {page.number}: {_overlapping(page.words)[:5]}"


@pytest.mark.libreoffice
def test_sheet_pdf_each_chart_whole_on_one_page(sheet_pdf):
    pages, lay = sheet_pdf
    after = {lay.charts[0].title: "III. KẾT QUẢ THEO LĨNH VỰC",
             lay.charts[1].title: "IV. CHỈ SỐ CẢI CÁCH HÀNH CHÍNH"}
    for title, next_heading in after.items():
        (title_page, title_word), = _find(pages, title)
        (head_page, head_word), = _find(pages, next_heading)
        # the section after the chart starts on the chart's page, or on the next page with
        # nothing above it there (a chart cut by the break would print its rest above it)
        assert head_page in (title_page, title_page + 1), (title, title_page, head_page)
        if head_page == title_page:
            assert title_word.y0 < head_word.y0
        else:
            above = [w.text for w in pages[head_page - 1].words if w.y1 <= head_word.y0 + 0.5]
            assert not above, f"phần biểu đồ '{title}' in sang trang {head_page}: {above[:10]}"
    # the percent axis of the area chart (0%..100%) prints whole under the chart's title
    (area_page, area_title), = _find(pages, lay.charts[1].title)
    (head_page, head_word), = _find(pages, after[lay.charts[1].title])
    bottom = head_word.y0 if head_page == area_page else pages[area_page - 1].height
    for tick in ("0%", "50%", "100%"):
        under = [w for p, w in _find(pages, tick)
                 if p == area_page and area_title.y1 < w.y0 < bottom]
        assert len(under) == 1, (tick, area_page)
    # the body stays above the bottom margin (nothing cut at the foot); the footer below it
    for page in pages:
        limit = page.height - MARGIN_BOTTOM_IN * 72
        foot = [w for w in page.words if w.y1 > limit]
        assert [w.text for w in foot] == ["Trang", f"{page.number}/{len(pages)}"]
        assert all(w.y0 > limit and w.y1 < page.height for w in foot)


@pytest.mark.libreoffice
def test_sheet_pdf_vietnamese_decimals(sheet_pdf):
    pages, _ = sheet_pdf
    words = {w.text for p in pages for w in p.words}
    assert "7,69%" in words or any(re.fullmatch(r"\d+,\d\d%", w) for w in words)
    assert not any(re.fullmatch(r"\d+\.\d\d%?", w) for w in words), "số thập phân phải dùng dấu phẩy"


# ---------------------------------------------------------------- Word draft PDF

@pytest.fixture(scope="module")
def word_pdf(tmp_path_factory, sample) -> tuple[Path, list[Page]]:
    folder = tmp_path_factory.mktemp("word_pdf")
    docx = write_report_docx(build_report(sample, Q3), folder / "Bao_cao_Q3.docx",
                             commune="xã Quảng Sơn", province="tỉnh Lâm Đồng",
                             signer_name="Nguyễn Văn A")
    return docx, _pdf_pages(docx_to_pdf(docx, folder))


def test_word_tables_fit_the_text_width(tmp_path, sample):
    docx = write_report_docx(build_report(sample, Q3), tmp_path / "bc.docx", commune="xã Quảng Sơn",
                             province="tỉnh Lâm Đồng")
    doc = Document(str(docx))
    limit = Cm(TEXT_WIDTH_CM) + Cm(0.01)
    assert len(doc.tables) >= 10
    for i, table in enumerate(doc.tables):
        grid = table._tbl.tblGrid.findall(qn("w:gridCol"))
        total = sum(int(g.get(qn("w:w"))) for g in grid) * 635      # twips -> EMU
        assert total <= limit, f"bảng {i + 1} rộng {total / 360000:.2f} cm > {TEXT_WIDTH_CM} cm"
    # long remediation solutions and upcoming tasks are tables, not pages of justified text
    report = build_report(sample, Q3)
    heads = [[c.text for c in t.rows[0].cells] for t in doc.tables]
    rem = doc.tables[heads.index(["TT", "Tiêu chí bị trừ điểm", "Chủ trì", "Thời hạn", "Tình trạng"])]
    assert len(rem.rows) - 1 == len(report.remediation_open) > 0
    assert rem.rows[1].cells[1].text == report.remediation_open[0].criterion
    upcoming = doc.tables[heads.index(["TT", "Nhiệm vụ", "Chủ trì", "Hạn"])]
    assert len(upcoming.rows) - 1 == len(report.upcoming) > 0
    texts = [p.text for p in doc.paragraphs]
    assert not any(t.startswith("- ") and "giải pháp:" in t for t in texts)
    assert not any(re.search(r"[^\d\s]\. \(|\.;", t) for t in texts)


def test_word_signature_without_signer_leaves_a_highlighted_blank(tmp_path):
    docx = write_report_docx(build_report(make_plan(), Q3), tmp_path / "bc.docx",
                             commune="xã Quảng Sơn", province="tỉnh Lâm Đồng")
    sign = Document(str(docx)).tables[-1]
    right = [p for p in sign.cell(0, 1).paragraphs if p.text]
    assert [p.text for p in right] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "………"]
    assert right[-1].runs[0].font.highlight_color is not None
    # the recipients: "Như trên" stands for the addressee of "Kính gửi"
    left = [p.text for p in sign.cell(0, 0).paragraphs if p.text]
    assert left[:2] == ["Nơi nhận:", "- Như trên;"] and left[-1] == "- Lưu: VT."
    assert sign.rows[0]._tr.trPr.find(qn("w:cantSplit")) is not None


@pytest.mark.libreoffice
def test_word_pdf_first_page_has_national_title_and_report_title(word_pdf):
    _, pages = word_pdf
    first = pages[0]
    text = " ".join(w.text for w in first.words)
    for phrase in ("ỦY BAN NHÂN DÂN", "XÃ QUẢNG SƠN", "Số: …/BC-UBND",
                   "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                   "Quảng Sơn, ngày … tháng … năm 2025", "BÁO CÁO",
                   "Kết quả thực hiện công tác cải cách hành chính quý III năm 2025",
                   "Kính gửi: Sở Nội vụ tỉnh Lâm Đồng."):
        assert phrase in text, phrase
    (_, nation), = _find([first], "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    (_, organ), = _find([first], "ỦY BAN NHÂN DÂN")
    (_, title), = _find([first], "BÁO CÁO")
    assert organ.x1 < first.width / 2 < nation.x1          # organ left, national title right
    assert abs(organ.y0 - nation.y0) < 3 and nation.y1 < title.y0
    # the signature block closes the report
    last = " ".join(w.text for w in pages[-1].words)
    assert "Nơi nhận:" in last and "TM. ỦY BAN NHÂN DÂN" in last and "Nguyễn Văn A" in last


@pytest.mark.libreoffice
def test_word_pdf_text_inside_margins_and_no_overlap(word_pdf):
    _, pages = word_pdf
    left, right = 30 / 25.4 * 72, 15 / 25.4 * 72           # ND 30/2020 margins (mm -> pt)
    for page in pages:
        outside = [w.text for w in page.words
                   if w.x0 < left - 3 or w.x1 > page.width - right + 3]
        assert not outside, f"trang {page.number}: chữ ra ngoài lề {outside[:8]}"
        assert not _overlapping(page.words), f"trang {page.number}: {_overlapping(page.words)[:5]}"
    # page numbers from page 2 on, at the top centre
    second = sorted(pages[1].words, key=lambda w: w.y0)[0]
    assert second.text == "2" and abs((second.x0 + second.x1) / 2 - pages[1].width / 2) < 60
