"""Import the plan appendix "PHÂN CÔNG THỰC HIỆN NHIỆM VỤ" into ``Task`` objects.

Readers (thin adapters) turn a Word table (.docx), a worksheet (.xlsx/.xlsm) or
tab-separated text (.tsv/.txt, e.g. copied out of Word) into plain rows of
strings (``RawTable``).  ``parse_appendix_rows`` does the real work and does
not care where the rows came from:

* finds the header row (TT | Nhiệm vụ | Sản phẩm | Thời gian hoàn thành |
  Chủ trì | Phối hợp | Theo dõi...), tolerating variants and missing columns;
* section rows ("II | Cải cách thủ tục hành chính") give the index area, by
  the section *name* (a plan may put "Chỉ đạo, điều hành" last as VII);
* rows with an empty TT are (a) an unnumbered task, (b) a further product of
  the task above (empty "Nhiệm vụ": a merged cell in the source), (c) text
  continued across a page break ("Nhiệm vụ" starting in lower case), or (d)
  a row carrying only trailing columns that belong to the task above;
* rows with fewer cells than the header are realigned on the deadline cell.

Every task gets a stable id ``<section>-<nn>`` ("II-05"), products of one
task ``III-01a``, ``III-01b``...  Problems become located ``Finding`` s.

One module per part: ``table`` (field names, ``ImportResult``/``RawTable``, the header
row, small classifiers of cells), ``parse`` (``parse_appendix_rows``), ``plan_info`` (the
plan header above the table), ``readers`` (.docx, .xlsx/.xlsm, .tsv/.txt -> ``RawTable``);
``import_appendix`` (here) picks the reader by suffix and parses.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cchc_xl.core.findings import catalog
from cchc_xl.core.models import CchcError, Finding, PlanInfo
from cchc_xl.core.units import DEFAULT_UNITS, UnitRegistry
from cchc_xl.importers.appendix.parse import parse_appendix_rows
from cchc_xl.importers.appendix.plan_info import guess_plan_info, guess_year
from cchc_xl.importers.appendix.readers import (READERS, join_tables, read_appendix_docx, read_appendix_tsv,
                                                read_appendix_xlsx, split_tsv_text)
from cchc_xl.importers.appendix.table import SUPPORTED_SUFFIXES, ImportResult, RawTable

__all__ = ["ImportResult", "RawTable", "READERS", "SUPPORTED_SUFFIXES", "guess_plan_info", "guess_year",
           "import_appendix", "join_tables", "parse_appendix_rows", "read_appendix_docx", "read_appendix_tsv",
           "read_appendix_xlsx", "split_tsv_text"]


def import_appendix(path: str | Path, *, year: int | None = None,
                    registry: UnitRegistry | None = None) -> ImportResult:
    """Read an appendix file (.docx, .xlsx/.xlsm, .tsv/.txt) into tasks + findings.

    ``year`` defaults to the year in the title ("NĂM 2025"), else the plan date, else the
    deadline texts, else the current year (said by a ``year_assumed`` warning).  The result's
    ``info`` always carries that year, even when the title gives nothing else.
    """
    p = Path(path)
    reader = READERS.get(p.suffix.lower())
    if reader is None:
        hint = (" Với tệp .doc/.xls đời cũ, hãy mở bằng Word/Excel và lưu lại dưới dạng .docx/.xlsx."
                if p.suffix.lower() in (".doc", ".xls") else "")
        raise catalog.UNSUPPORTED_FORMAT.error(name=p.name, suffix=p.suffix or "(không có đuôi)", hint=hint,
                                               file=p.name)
    table = reader(p)
    assumed: Finding | None = None
    if year is None:
        year = guess_year(table.rows, table.preamble)
    if year is None:
        year = dt.date.today().year
        assumed = catalog.YEAR_ASSUMED(year=year, example=year - 1, file=p.name)
    try:
        result = parse_appendix_rows(table.rows, year=year, registry=registry or UnitRegistry(DEFAULT_UNITS),
                                     file=p.name, sheet=table.sheet, row_numbers=table.row_numbers,
                                     merged=table.merged, line_cells=table.line_cells,
                                     preamble=table.preamble, row_sheets=table.row_sheets)
    except CchcError as exc:
        if exc.finding.code == catalog.NO_HEADER.code:
            raise catalog.NO_APPENDIX.error(file=p.name, hint="Không dòng nào của tệp là dòng tiêu đề "
                                            "như vậy.") from None
        raise
    result.findings[:0] = table.findings + ([assumed] if assumed else [])
    if result.info is None:
        result.info = PlanInfo(year=year)
    result.tables = list(dict.fromkeys(table.row_sheets or [table.sheet] if table.sheet else []))
    return result
