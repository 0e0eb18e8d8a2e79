"""What counts as formula-like text, and safe file-name parts (one rule for every reader and writer).

Spreadsheets run text that starts with ``=`` (and, when typed or imported, ``+``, ``-``,
``@``) as a formula; a DDE call (``=cmd|' /C calc'!A0``) starts a program and
``=HYPERLINK``/``=WEBSERVICE``/``=IMPORTXML`` reach the network.  cchc_xl never makes
such text live: every writer stores text as text (see ``cchc_xl.workbook.cells``).
This module only *decides*:

* ``starts_like_formula(value)`` - broad: the first visible character is a formula
  lead (``= + - @`` or full-width ``＝ ＋ － ＠``, after spaces, tabs, CR/LF or
  invisible characters).  Writers mark such text with Excel's quote prefix so that
  editing the cell later does not turn it into a formula either.  Ordinary bullets
  ("- Ban hành kế hoạch", "+ Tổ 1") are included here: harmless, they stay as written.
* ``looks_like_formula(value)`` - narrow: text a spreadsheet would really run as a
  formula or DDE call (``=...`` except arrows like "=> xem", ``+SUM(``, ``@A1``,
  ``-2+3+cmd|...``, ``cmd|' /C calc'!A0`` anywhere).  Imports report such cells,
  validation warns about them and Tổng hợp rejects them in returned workbooks.
  Vietnamese bullets and phone numbers ("- Nêu cao...", "+84 912...") are not flagged.
* ``safe_file_component(text)`` - a file/folder name part without path separators,
  control characters, characters Windows refuses or reserved device names.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["FORMULA_LEADS", "looks_like_formula", "looks_like_formula_injection", "preview",
           "safe_file_component", "starts_like_formula"]

FORMULA_LEADS = "=+-@\uff1d\uff0b\uff0d\uff20"          # = + - @ and full-width ＝ ＋ － ＠
_EQUALS = "=\uff1d"
# characters a spreadsheet (or a reader's eye) skips before the first visible one
_INVISIBLE = " \t\r\n\v\f\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009" \
             "\u200a\u200b\u200c\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"

# DDE anywhere: cmd|' /C calc'!A0, msexcel|'x'!A1, DDE("cmd";...), DDEAUTO
_DDE = re.compile(r"[A-Za-z0-9_.]+\s*\|\s*'[^']*'\s*!|\bDDE(?:AUTO)?\s*\(|\bDDEAUTO\b", re.I)
_CALL = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*(?:\(|\s*\|)", re.A)          # SUM(  WEBSERVICE(  cmd|
# a cell reference (optionally on another sheet) standing alone or followed by an operator
_REF = re.compile(r"(?:(?:'[^']+'|[A-Za-z_][A-Za-z0-9_.]*)!)?\$?[A-Za-z]{1,3}\$?\d+"
                  r"\s*(?:$|[-+*/^&,;:)<>=])", re.A)
_ARITH = re.compile(r"[\d.,]+\s*[-+*/^&<>=]", re.A)


def _visible(value: str) -> str:
    return value.lstrip(_INVISIBLE)


def starts_like_formula(value: object) -> bool:
    """True when the first visible character of text is a formula lead (``= + - @``, full-width too)."""
    if not isinstance(value, str):
        return False
    text = _visible(value)
    return bool(text) and text[0] in FORMULA_LEADS


def looks_like_formula(value: object) -> bool:
    """True for text a spreadsheet would run as a formula or DDE call (see the module docstring)."""
    if not isinstance(value, str) or not value:
        return False
    if _DDE.search(value):
        return True
    text = _visible(value)
    if not text or text[0] not in FORMULA_LEADS:
        return False
    body = text.lstrip(FORMULA_LEADS + _INVISIBLE)
    if _CALL.match(body) or _REF.match(body):
        return True
    if text[0] in _EQUALS:
        # "=1+1", "= 5", "=Tổng"...: Excel parses every "=..." as a formula; only arrows
        # ("=> xem phụ lục", "==>") and a lone "=" are prose
        rest = text[1:].lstrip(_INVISIBLE)
        return bool(rest) and rest[0] not in ">" + _EQUALS
    return False


# the historical name (validation rules and Tổng hợp used it)
looks_like_formula_injection = looks_like_formula


def preview(value: object, limit: int = 40) -> str:
    """A short one-line rendering of ``value`` for messages (control characters shown as spaces)."""
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in str(value))
    return text if len(text) <= limit else text[:limit - 1] + "…"


# ---------------------------------------------------------------- file names

_RESERVED = re.compile(r"^(?:CON|PRN|AUX|NUL|CLOCK\$|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])(?:\..*)?$",
                       re.I)
_BAD_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')


def safe_file_component(text: object, max_len: int = 80, default: str = "x") -> str:
    """``text`` usable as one file or folder name on Windows and Linux.

    No path separators, no ``..``, no control or format characters, none of
    ``<>:"/\\|?*``, no trailing dot/space, no reserved device name (CON, NUL, COM1...:
    prefixed with "_"), at most ``max_len`` characters; ``default`` when nothing is left.
    """
    s = unicodedata.normalize("NFC", str(text or ""))
    s = "".join(ch for ch in s if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    s = _BAD_CHARS.sub("_", s)
    s = re.sub(r"\s+", " ", s).strip(" .")
    s = re.sub(r"\.{2,}", ".", s)
    s = s[:max_len].rstrip(" .")
    if not s:
        return default
    if _RESERVED.match(s):
        s = "_" + s
    return s
