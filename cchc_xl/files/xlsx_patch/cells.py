"""The XML of one cell (``_cell_xml``: numbers, booleans, dates as serials, inline strings
escaped, formulas) and ``_Styles``, the minimal editor of ``xl/styles.xml`` that adds the
date and quote-prefix styles a cell needs (see "Values written" and "Styles" in the
contract, ``cchc_xl/files/xlsx_patch/__init__.py``).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

from openpyxl.utils import get_column_letter

from cchc_xl.core.safety import starts_like_formula
from cchc_xl.files.xlsx_patch.values import Formula, PatchUnsupported


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f]")
_EPOCH = dt.datetime(1899, 12, 30)


class _Styles:
    """Minimal editor of xl/styles.xml: find/create date cell formats (dd/mm/yyyy)."""

    DATE_CODE = "dd/mm/yyyy"

    def __init__(self, xml: str):
        """Parse ``cellXfs`` and the custom number formats of ``xml`` (``xl/styles.xml``)."""
        self.xml = xml
        self.changed = False
        m = re.search(r"<cellXfs\b[^>]*>(.*?)</cellXfs>", xml, re.S)
        if not m:
            raise PatchUnsupported("styles.xml không có cellXfs")
        self.xfs = re.findall(r"<xf\b[^>]*?/>|<xf\b[^>]*?>.*?</xf>", m.group(1), re.S)
        self.fmts = {int(i): html.unescape(c) for i, c in
                     re.findall(r'<numFmt\b[^>]*?numFmtId="(\d+)"[^>]*?formatCode="([^"]*)"', xml)}
        self.cache: dict[int, int] = {}
        self.text_cache: dict[int, int] = {}
        self.dates: dict[int, bool] = {}
        self.new_fmt: int | None = None

    def is_date(self, s: int) -> bool:
        """Whether the cell style ``s`` (an index into ``cellXfs``) shows a date (cached)."""
        known = self.dates.get(s)
        if known is None:
            known = self.dates[s] = self._is_date(s)
        return known

    def _is_date(self, s: int) -> bool:
        """Built-in date/time formats 14-22 and 45-47, or a custom format with d or y outside quotes and brackets."""
        if s >= len(self.xfs):
            return False
        m = re.search(r'numFmtId="(\d+)"', self.xfs[s])
        fid = int(m.group(1)) if m else 0
        if 14 <= fid <= 22 or 45 <= fid <= 47:
            return True
        code = re.sub(r'"[^"]*"|\[[^\]]*\]', "", self.fmts.get(fid, "")).lower()
        return bool(code) and bool(re.search(r"[dy]", code)) and "general" not in code

    def date_style(self, s: int | None) -> int:
        """A style showing a date: ``s`` itself, or a copy of ``s`` (default 0) with ``dd/mm/yyyy``, added once."""
        s = s or 0
        if self.is_date(s):
            return s
        if s in self.cache:
            return self.cache[s]
        fid = self._date_fmt_id()
        xf = self.xfs[s] if s < len(self.xfs) else '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        xf = re.sub(r'\snumFmtId="\d+"', "", xf, count=1)
        xf = re.sub(r'\sapplyNumberFormat="\d"', "", xf, count=1)
        xf = xf.replace("<xf", f'<xf numFmtId="{fid}" applyNumberFormat="1"', 1)
        self.xfs.append(xf)
        self.cache[s] = len(self.xfs) - 1
        self.changed = True
        return self.cache[s]

    def text_style(self, s: int | None) -> int:
        """A style with Excel's quote prefix: ``s`` itself if it has one, else a copy of ``s`` (default 0), added once."""
        s = s or 0
        hit = self.text_cache.get(s)
        if hit is not None:
            return hit
        xf = self.xfs[s] if s < len(self.xfs) else '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        head = xf[:xf.find(">") + 1]
        if re.search(r'\squotePrefix="(?:1|true)"', head):
            self.text_cache[s] = s
            return s
        xf = re.sub(r'\squotePrefix="[^"]*"', "", xf, count=1)
        self.xfs.append(xf.replace("<xf", '<xf quotePrefix="1"', 1))
        self.text_cache[s] = len(self.xfs) - 1
        self.changed = True
        return self.text_cache[s]

    def _date_fmt_id(self) -> int:
        """Number format id of ``dd/mm/yyyy``: an existing one, else a new custom id (at least 164)."""
        for fid, code in self.fmts.items():
            if code.lower() == self.DATE_CODE:
                return fid
        if self.new_fmt is None:
            self.new_fmt = max([163, *self.fmts]) + 1
            self.fmts[self.new_fmt] = self.DATE_CODE
        return self.new_fmt

    def render(self) -> str:
        """The styles part with the added number format and cell styles (``cellXfs`` count updated)."""
        xml = self.xml
        if self.new_fmt is not None:
            entry = f'<numFmt numFmtId="{self.new_fmt}" formatCode="{self.DATE_CODE}"/>'
            if re.search(r"<numFmts\b[^>]*/>", xml):
                xml = re.sub(r"<numFmts\b[^>]*/>", f'<numFmts count="1">{entry}</numFmts>', xml, count=1)
            elif "<numFmts" in xml:
                xml = re.sub(r"<numFmts\b[^>]*>", lambda m: m.group(0) + entry, xml, count=1)
                xml = re.sub(r'(<numFmts\b[^>]*?count=")(\d+)(")',
                             lambda m: f"{m.group(1)}{int(m.group(2)) + 1}{m.group(3)}", xml, count=1)
            else:
                xml = re.sub(r"(<styleSheet\b[^>]*>)", lambda m: m.group(1) + f'<numFmts count="1">{entry}</numFmts>',
                             xml, count=1)
        body = "".join(self.xfs)
        return re.sub(r"<cellXfs\b[^>]*>.*?</cellXfs>",
                      lambda m: f'<cellXfs count="{len(self.xfs)}">{body}</cellXfs>', xml, count=1, flags=re.S)


def _col_num(letters: str) -> int:
    """Column number of column letters (``"A"`` -> 1, ``"AA"`` -> 27)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _serial(value: dt.date) -> float:
    """Excel serial number of a date or datetime (1900 date system; an integer for whole days)."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    delta = value - _EPOCH
    serial = delta.days + delta.seconds / 86400
    return int(serial) if serial == int(serial) else round(serial, 8)


def _cell_xml(ref: str, value: Any, style: int | None, styles: _Styles | None) -> str:
    """XML of the cell ``ref`` holding ``value`` with style ``style`` (see the contract in
    ``xlsx_patch/__init__.py`` for each type; dates get a date style from ``styles``)."""
    if isinstance(value, Formula):
        s = f' s="{style}"' if style else ""
        return f'<c r="{ref}"{s}><f>{html.escape(_ILLEGAL.sub("", value.text[1:]), quote=False)}</f></c>'
    if type(value) is str and value:
        text = value
        if styles is not None and starts_like_formula(text):
            style = styles.text_style(style)
        if _NEEDS_ESCAPE.search(text):
            text = html.escape(_ILLEGAL.sub("", text), quote=False)
        s = f' s="{style}"' if style else ""
        t = "<t>" if text.strip() == text else '<t xml:space="preserve">'
        return f'<c r="{ref}"{s} t="inlineStr"><is>{t}{text}</t></is></c>'
    if isinstance(value, (dt.date, dt.datetime)) and styles is not None:
        style = styles.date_style(style)
    s = f' s="{style}"' if style else ""
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return f'<c r="{ref}"{s}/>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (dt.date, dt.datetime)):
        return f'<c r="{ref}"{s}><v>{_serial(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    text = html.escape(_ILLEGAL.sub("", str(value)), quote=False)
    t = "<t>" if text.strip() == text else '<t xml:space="preserve">'
    return f'<c r="{ref}"{s} t="inlineStr"><is>{t}{text}</t></is></c>'


_LETTERS = [""] + [get_column_letter(i) for i in range(1, 200)]


def _cell_tail(value: Any, style: int | None, styles: _Styles | None) -> str:
    """Cell XML after ``<c r="A1`` (starts with the closing quote of the address)."""
    return '"' + _cell_xml("", value, style, styles)[len('<c r=""'):]
