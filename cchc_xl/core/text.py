"""Vietnamese text normalisation.

* ``normalize_text``: NFC, collapse white space, modern tone placement
  ("hoá" -> "hóa", "thuỷ" -> "thủy", "khoẻ" -> "khỏe").  Use it on every string
  that comes from a user or a file before storing it.
* ``fold``: an aggressive key for matching (no diacritics, "đ" -> "d", lower
  case, punctuation removed).  Never show a folded string to a user.
* ``format_number`` / ``parse_number``: Vietnamese decimals ("85,08", "1.268");
  ``parse_points``: points of the index ("6.875" is 6,875 points, never thousands);
  ``format_date``: "30/07/2025".
"""

from __future__ import annotations

import functools
import re
from decimal import ROUND_HALF_UP, Decimal
import unicodedata
from typing import Any, Callable

# Combining tone marks (the five tones besides "ngang").
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_WS = re.compile(r"[^\S\n]+")  # white space except new lines
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _move_tone(word: str) -> str:
    """Put the tone of an open "oa/oe/uy" syllable on the first vowel.

    Works on the NFD form: tone marks are separate combining characters.
    "hoá" (h o a+acute) -> "hóa" (h o+acute a). Syllables with a final
    consonant ("hoàn", "toán") keep the tone on the second vowel, which is
    correct in both styles.  "qu" + "y" ("quý") is an onset plus a vowel and
    is left alone.
    """
    decomposed = unicodedata.normalize("NFD", word)
    base = [c for c in decomposed if not unicodedata.combining(c)]
    base_str = "".join(base).lower()
    m = re.fullmatch(r"([b-df-hj-np-tv-zđ]*)(oa|oe|uy)", base_str)
    if not m:
        return word
    onset = m.group(1)
    if onset.endswith("q") or (onset == "g" and m.group(2).startswith("i")):
        return word
    # locate tone mark and the character it follows
    chars = list(decomposed)
    tone_idx = next((i for i, c in enumerate(chars) if c in _TONES), None)
    if tone_idx is None:
        return word
    # index of the base char (in chars) of first and second vowel
    base_positions = [i for i, c in enumerate(chars) if not unicodedata.combining(c)]
    first_vowel = base_positions[len(onset)]
    second_vowel = base_positions[len(onset) + 1]
    if tone_idx < second_vowel:
        return word  # already on the first vowel
    tone = chars.pop(tone_idx)
    # insert after the first vowel's own combining marks (e.g. none for o/u)
    insert_at = first_vowel + 1
    while insert_at < len(chars) and unicodedata.combining(chars[insert_at]) and chars[insert_at] not in _TONES:
        insert_at += 1
    chars.insert(insert_at, tone)
    return unicodedata.normalize("NFC", "".join(chars))


def normalize_text(value: object) -> str:
    """NFC, single spaces, trimmed, modern tone placement. ``None`` -> "".

    Line breaks inside a cell are kept (blank lines dropped).
    """
    if value is None:
        return ""
    text = str(value)
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # keep line breaks (Alt+Enter in a cell), collapse other white space
    lines = [_WS.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(line for line in lines if line).strip()
    if not text:
        return ""
    return _WORD.sub(lambda m: _move_tone(m.group(0)), text)


def strip_diacritics(text: str) -> str:
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.replace("đ", "d").replace("Đ", "D")


def fold(value: object) -> str:
    """Matching key: no diacritics, lower case, alphanumerics separated by one space."""
    if type(value) is str and len(value) <= _FOLD_CACHED:    # labels, codes, names: repeat a lot
        return _fold_short(value)
    return _fold(value)


_FOLD_CACHED = 200      # longer texts (notes, evidence) are folded each time, not kept


def _fold(value: object) -> str:
    text = strip_diacritics(normalize_text(value)).lower()
    return " ".join(re.findall(r"[a-z0-9]+", text))


@functools.lru_cache(maxsize=8192)
def _fold_short(value: str) -> str:
    return _fold(value)


def initials(value: str) -> str:
    """Upper-case initials of the words of ``value``: "Văn hóa - Xã hội" -> "VHXH"."""
    words = re.findall(r"[^\W_]+", strip_diacritics(normalize_text(value)), re.UNICODE)
    return "".join(w[0] for w in words).upper()


def format_number(value: float | int | None, decimals: int = 2) -> str:
    """Vietnamese number: comma as decimal separator, dot for thousands.

    >>> format_number(85.08)
    '85,08'
    >>> format_number(1268, 0)
    '1.268'
    """
    if value is None:
        return ""
    # half up at the shortest decimal form, the project's rule (``core.rounding``) and Excel's:
    # 82.125 -> "82,13" (the float is 82.12499999... and Python's format would give "82,12")
    exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if exact.is_finite():
        exact = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    s = f"{exact:,.{decimals}f}"  # 1,268.50
    s = s.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")
    if decimals and "," in s:
        s = s.rstrip("0").rstrip(",")
    return "0" if s == "-0" else s  # -0.001 rounds to "-0"


def format_date(day: object) -> str:
    """Vietnamese date "dd/mm/yyyy" ("" for None)."""
    return day.strftime("%d/%m/%Y") if day else ""  # type: ignore[attr-defined]


def format_percent(value: float | None, decimals: int = 2) -> str:
    """0.9534 -> "95,34%"."""
    if value is None:
        return ""
    return format_number(value * 100, decimals) + "%"


class CellValueError(ValueError):
    """A value a parser cannot read, as a catalogue finding (one type per reason).

    ``code`` names the finding type (``not_a_number``, ``bad_date``...), ``params`` fill its
    template except ``column``, which the caller knows: ``exc.finding(column=..., file=,
    sheet=, cell=)`` / ``exc.error(...)``.  ``str(exc)`` is the reason without the column.
    """

    # ``core.findings.get``, set when the catalogue loads (this module is below it: no import of it here)
    catalogue: Callable[[str], Any] | None = None

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code, self.params = code, params

    def _type(self) -> Any:
        if CellValueError.catalogue is None:
            raise RuntimeError("cchc_xl.core.findings is not loaded")
        return CellValueError.catalogue(self.code)

    def finding(self, *, column: str = "", **where: object):
        return self._type()(column=column, **self.params, **where)

    def error(self, *, column: str = "", **where: object):
        return self._type().error(column=column, **self.params, **where)

    def __str__(self) -> str:
        # the templates read "{column}: <reason>": the reason alone for "{why}" of older callers
        if CellValueError.catalogue is None:
            return f"{self.code}: {self.params}"
        return self._type().message(column="", **self.params).lstrip(": ")


def _number_text(value: object) -> float | str | None:
    """A cell value on its way to a number: ``None``, a number (as float), or its text without
    spaces; a boolean raises ``CellValueError`` (``not_a_number``)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellValueError("not_a_number", value=value)
    if isinstance(value, (int, float)):
        return float(value)
    return normalize_text(value).replace(" ", "")


_NUM_RE = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$|^[+-]?\d+(,\d+)?$|^[+-]?\d+(\.\d+)?$")


def parse_number(value: object) -> float | None:
    """Parse "0,07", "1.268", "85.08", 12 -> float; "" / None -> None.

    Raises ``CellValueError`` (a ``ValueError``, finding ``not_a_number``) for text that is
    not a number.
    """
    text = _number_text(value)
    if not isinstance(text, str):
        return text
    text = text.rstrip("%")
    if not text:
        return None
    if not _NUM_RE.match(text):
        raise CellValueError("not_a_number", value=normalize_text(value))
    if re.match(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$", text):
        text = text.replace(".", "").replace(",", ".")
    elif "," in text:
        text = text.replace(",", ".")
    return float(text)


_POINTS_RE = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_POINTS_GROUPED_RE = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+,\d+$")


def parse_points(value: object) -> float | None:
    """Parse points of the CCHC index: "6,875", "6.875", "0.125", "85.080" -> float.

    Points are never 1000 or more (the index totals 100), so a lone "." or "," is the
    decimal mark ("11.000" is 11, not eleven thousand - unlike ``parse_number``, which
    reads counts); with both, "." groups thousands and "," is the decimal mark (Vietnamese
    usage).  "" / None -> None.  Raises ``CellValueError`` (``not_a_number``) otherwise.
    """
    text = _number_text(value)
    if not isinstance(text, str):
        return text
    if not text:
        return None
    if _POINTS_GROUPED_RE.match(text):
        return float(text.replace(".", "").replace(",", "."))
    if not _POINTS_RE.match(text):
        raise CellValueError("not_a_number", value=normalize_text(value))
    return float(text.replace(",", "."))
