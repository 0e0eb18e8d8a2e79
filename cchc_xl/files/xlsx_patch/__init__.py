"""Patching cell values into an .xlsx/.xlsm package in place, by rewriting its sheet XML.

openpyxl loads a whole workbook and saves only what it understands (charts, images,
slicers, some extensions are lost) and takes minutes on a 50 000-row master.  This module
copies the package and rewrites only the rows it must touch: everything else (drawings,
comments, VBA, buttons, defined names, validation, conditional formats) is kept as it was.
It works on the XML text with regular expressions and string search, not a parser, so it
accepts only the layouts it knows and refuses the rest (``PatchUnsupported``): the caller
then writes with openpyxl (``roundtrip.consolidate.write`` does so automatically).

Contract
--------

Sheets
    Found by name through ``xl/workbook.xml`` and its relationships (``sheet_parts``;
    ``<x:sheet>`` elements and absolute targets are understood there).  A sheet to patch
    must be a worksheet part with an unprefixed ``<sheetData>``; a workbook whose
    worksheet or ``xl/styles.xml`` elements carry a namespace prefix (``<x:sheetData>``,
    ``<x:cellXfs>``, as some writers emit) is refused.

Values written (``edits`` and ``appends``)
    * ``int`` / ``float``: a number cell, ``<v>`` holding ``repr(value)``.
    * ``bool``: a boolean cell (``t="b"``, 1 or 0).
    * ``datetime.date`` / ``datetime.datetime``: a serial number of the 1900 date system
      (days since 1899-12-30, time as a fraction, microseconds dropped), with a date
      style (below).
    * non-empty ``str``: an inline string (``t="inlineStr"``, ``<is><t>``), never a
      shared string; ``&``, ``<``, ``>`` are escaped, characters XML 1.0 forbids
      (U+0000-U+0008, U+000B, U+000C, U+000E-U+001F) are removed, and
      ``xml:space="preserve"`` is set when the text starts or ends with white space.
      A text starting with "=" is written as text, never as a formula; a text whose first
      visible character is a formula lead (``core.safety.starts_like_formula``: = + - @,
      full-width too) also gets a style with Excel's quote prefix (below), so that editing
      the cell in Excel later keeps it text.
    * ``Formula("=...")``: a formula cell (``<f>``, no cached value; Excel and LibreOffice
      compute it on open) - the only way to write a formula, so text from a returned
      file can never become one.
    * ``None``, ``""`` and NaN: the cell is cleared (an empty ``<c>`` keeping its style);
      in appended rows ``None`` and ``""`` make no cell at all (NaN an empty cell).
    * anything else (``Decimal``, ``datetime.time``, numpy integers...): ``str(value)``
      as an inline string.
    No other value is written as a formula, and a cell to overwrite that holds a formula
    (``<f>``) is refused.  Numbers of other types (numpy integers and floats, any ``numbers.Real``)
    are written as the Python ``int``/``float`` they equal.  ``PatchUnsupported`` is
    raised, before anything is written, for values the package format cannot hold as
    given: infinite floats, timezone-aware datetimes, texts with lone surrogates; and
    for a workbook in the 1904 date system (``<workbookPr date1904="1">``), whose date
    serials the patcher does not compute.

Shared strings
    ``xl/sharedStrings.xml`` is never read or changed.  Untouched cells keep their shared
    strings; an overwritten cell loses its ``t="s"`` reference (the string stays in the
    table, unused).

Styles (``s=``)
    An overwritten cell keeps its ``s=`` (other attributes such as ``t=``, ``cm=``,
    ``vm=`` are dropped with the old value).  A cell created in an existing row, or in a
    new row between existing ones, takes the style of the same column in the nearest
    existing row above when that row lies below the header row (``schema.HEADER_ROW``),
    else the column's ``<col style=>``; appended rows take the styles of the sheet's last
    row (if below the header row), else the column styles.  A date needs a date format:
    when the cell's style has none, a copy of that style (or of the default style 0) with
    the format ``dd/mm/yyyy`` is added to ``cellXfs``, once per source style (and the
    number format to ``numFmts``, reusing an existing ``dd/mm/yyyy``); likewise a
    formula-like text gets a copy of its style with ``quotePrefix="1"`` (once per source
    style; a style that has it already is kept); nothing else in ``xl/styles.xml`` changes.  A package without ``xl/styles.xml`` gets date serials
    without a date format.

Rows and columns
    Cells are found by their ``r=`` address.  Rows without ``r=`` are refused whenever
    rows must be located (inserted, appended after, patched on the general path), and so
    are cells without ``r=`` in a row being rebuilt.  Existing ``<row>`` attributes
    (height, hidden, outline, row style) are kept; when a cell must be inserted into a
    row its ``spans=`` is dropped.  New rows - between existing ones or appended after
    the last row - carry only ``r=``.  ``<cols>`` is only read (column styles of the
    first 200 columns), never changed.  ``<dimension>`` is widened to cover the cells
    written when it is a range (a one-cell ``ref="A1"`` is left as it is).  Merged
    cells, tables, validations, conditional formats and defined names are not adjusted
    to appended rows.

Appends
    ``appends[sheet] = (first row, rows, fixed)``: whole rows of values from column A,
    added below the sheet's last row; when rows already exist there (formatted empty
    rows) the values are merged into them cell by cell instead.  ``fixed`` leading
    columns repeat from row to row and are built once per distinct run (speed only).

The package
    Every other part is copied unchanged (re-compressed, deflate level 1, member order
    and times kept; ``xl/styles.xml`` is written last).  The calculation chain
    (``xl/calcChain.xml``, its content type and relationship) is dropped and
    ``<calcPr fullCalcOnLoad="1">`` asks Excel to recalculate when the file is opened
    (not added when ``xl/workbook.xml`` itself is namespace-prefixed).

Refused (``PatchUnsupported``; ``roundtrip.consolidate.write`` then uses openpyxl)
    a sheet name not in the workbook, or whose part has no unprefixed ``<sheetData>``
    (``<x:sheetData>``); ``xl/styles.xml`` without an unprefixed ``<cellXfs>``; a cell to
    overwrite that holds a formula; a cell covered by an array formula (``<f t="array"
    ref=>``, dynamic arrays too); a cell in the header or totals row of a table (its
    column names and totals, which the table part repeats), or appended rows reaching into
    a table; a workbook of the 1904 date system (above); rows or cells without ``r=``
    where they must be located (above).
    Nothing is refused silently: the exception names the reason.  A refusal can come
    after ``dst`` was started: write to a temporary file (``files.safeio.atomic_path``).

Two paths give the same result: a fast one over the raw bytes of the sheet (every row
to write already exists - a cell its row lacks is added to that row alone, as the general
path would - in order, appended rows after the last row), streamed to a thread that
compresses it; and a general one over the decoded text, which ``patch_xlsx`` takes when
the fast one misses.

Modules
-------

Each imports only those listed above it; ``package`` holds the entry point.

``values``
    The public value types (``Append``, ``Formula``, ``PatchUnsupported``) and the check
    of every value before anything is written.
``cells``
    The XML of one cell (escaping, date serials, inline strings) and ``_Styles``, the
    editor of ``xl/styles.xml`` that adds date and quote-prefix styles.
``parts``
    Locating the sheets (``sheet_parts``) and the layouts refused (table header and
    totals rows, array formulas).
``general``
    The general path over the decoded text of a sheet: rows and cells found, patched,
    inserted, appended.
``fast``
    The fast path over the raw bytes: every row to write already in place (cells a row
    lacks added to it), appended rows after the last one, a big sheet streamed window by window.
``package``
    ``patch_xlsx``: the package read and written (zip members, calculation chain, styles
    written last), each sheet sent down the fast path or the general one.
"""

from cchc_xl.files.xlsx_patch.package import patch_xlsx
from cchc_xl.files.xlsx_patch.parts import sheet_parts
from cchc_xl.files.xlsx_patch.values import Append, Formula, PatchUnsupported

__all__ = ["Append", "Formula", "PatchUnsupported", "patch_xlsx", "sheet_parts"]
