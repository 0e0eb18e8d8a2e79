"""The Word draft (and the report sheet) rendered to PDF by LibreOffice headless.

Conversion runs with a private LibreOffice profile (cchc_xl.report.pdf).  The
PDF text is read with ``pdftotext`` (poppler-utils) or, failing that, pypdf;
without either only the file and its page count are checked.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook

from cchc_xl.report.data import build_report
from cchc_xl.report.word import docx_to_pdf, write_report_docx
from cchc_xl.report.sheet import write_report_sheet

from test_report import Q3, _report_app, _RUNNER, make_plan

pytestmark = pytest.mark.libreoffice


def _page_count(pdf: Path) -> int:
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))


def _pdf_text(pdf: Path) -> str | None:
    """Text of the PDF with white space collapsed, or None when no extractor is installed."""
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                              check=True).stdout.decode("utf-8")
    else:
        try:
            from pypdf import PdfReader
        except ImportError:
            return None
        text = "\n".join(page.extract_text() or "" for page in PdfReader(str(pdf)).pages)
    return " ".join(text.split())


@pytest.fixture(scope="module")
def report():
    return build_report(make_plan(), Q3)


def test_word_draft_to_pdf(tmp_path, report):
    docx = write_report_docx(report, tmp_path / "Bao_cao_Q3.docx", commune="xã Quảng Sơn",
                             province="tỉnh Lâm Đồng", signer_name="Nguyễn Văn A")
    pdf = docx_to_pdf(docx, tmp_path / "pdf")
    assert pdf.exists() and pdf.suffix == ".pdf" and pdf.stat().st_size > 5000
    assert pdf.read_bytes().startswith(b"%PDF")
    assert _page_count(pdf) >= 2
    text = _pdf_text(pdf)
    if text is None:
        pytest.skip("không có pdftotext/pypdf để đọc chữ trong PDF")
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "BÁO CÁO" in text
    assert "Kết quả thực hiện công tác cải cách hành chính quý III năm 2025" in text
    assert "Đến thời điểm báo cáo, đã hoàn thành 6/13 nhiệm vụ, đạt 46,15% kế hoạch đề ra." in text
    assert "TM. ỦY BAN NHÂN DÂN" in text and "Nguyễn Văn A" in text
    # the national title comes before the report title, the signature at the end
    assert text.index("CỘNG HÒA XÃ HỘI") < text.index("BÁO CÁO") < text.index("Nơi nhận")
    # page numbers from page 2 on (ND 30/2020): page 1 has none at the top
    if shutil.which("pdftotext"):
        page2 = subprocess.run(["pdftotext", "-f", "2", "-l", "2", "-enc", "UTF-8", str(pdf), "-"],
                               capture_output=True, check=True).stdout.decode("utf-8")
        assert page2.split()[0] == "2"


def test_report_sheet_opens_in_libreoffice(tmp_path, report):
    """The sheet with its two native charts is a valid workbook for LibreOffice."""
    wb = Workbook()
    wb.remove(wb.active)
    write_report_sheet(wb, report)
    xlsx = tmp_path / "Bao_cao_quy.xlsx"
    wb.save(xlsx)
    pdf = docx_to_pdf(xlsx, tmp_path)
    assert _page_count(pdf) >= 1
    text = _pdf_text(pdf)
    if text is None:
        pytest.skip("không có pdftotext/pypdf để đọc chữ trong PDF")
    assert "BÁO CÁO KẾT QUẢ THỰC HIỆN KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH QUÝ III NĂM 2025" in text
    assert "Tỷ lệ hoàn thành nhiệm vụ theo lĩnh vực" in text      # chart title rendered
    assert "Rà soát văn bản quy phạm pháp luật" in text


def test_cli_bao_cao_pdf(tmp_path):
    from cchc_xl.workbook.master import write_master

    master = tmp_path / "So.xlsx"
    write_master(make_plan(), master, make_backup=False)
    res = _RUNNER.invoke(_report_app(), ["bao-cao", str(master), "--ky", "Quý III/2025", "--pdf"])
    assert res.exit_code == 0, res.output
    pdf = tmp_path / "Bao_cao_CCHC_Q3-2025.pdf"
    assert pdf.exists() and _page_count(pdf) >= 1
