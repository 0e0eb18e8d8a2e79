"""One rounding rule for every percentage the tool shows (sheet, Word, CLI, UDFs).

Rule: **a percentage is rounded half up to 2 decimals** (0,005 goes up), computed
from the exact ratio of the two counts, not from a binary float:

    41/43   = 95,348837…  -> 95,35 %
    1/32    =  3,125      ->  3,13 %   (Python's round() would give 3,12)
    1/160   =  0,625      ->  0,63 %

This is what Excel's ROUND does (and LibreOffice's): the dashboard writes
``ROUND(done/total, 4)`` formatted as ``0.00%``, which is the same number, and
tests recalculate the workbook with LibreOffice and compare cell by cell.

Why not the rule of seed 003 ("41/43 … đạt 95,34 %")?  That figure is the ratio
*truncated* to 2 decimals; the same report writes 1.219/1.268 as 96,22 % (the
ratio is 96,14 %), so it follows no rule at all.  Truncation understates every
rate and does not agree with Excel's ROUND; rounding half up is the rule an
official reviewer and Excel both apply.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

PERCENT_DECIMALS = 2


def round_half_up(value: float | int | Fraction | Decimal | None, decimals: int = PERCENT_DECIMALS
                  ) -> float | None:
    """``value`` rounded half up (away from zero) to ``decimals`` places (None stays None).

    Floats are taken at their shortest decimal repr (``2.675`` is 2,675, as typed),
    like Excel, which rounds what it displays rather than the binary value.
    """
    if value is None:
        return None
    if isinstance(value, Fraction):     # exact: decide the half case on the fraction itself
        scaled = abs(value) * 10 ** decimals
        whole, rest = divmod(scaled.numerator, scaled.denominator)
        q = whole + (1 if 2 * rest >= scaled.denominator else 0)
        return float(Fraction(q if value >= 0 else -q, 10 ** decimals))
    dec = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    return float(dec.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def percent(part: float | int | None, whole: float | int | None,
            decimals: int = PERCENT_DECIMALS) -> float | None:
    """``part / whole × 100`` rounded half up (None when ``whole`` is 0 or missing).

    Counts (ints) are divided exactly; amounts (floats such as 10,55 tỷ đồng) are
    taken at their decimal repr first.
    """
    if part is None or whole is None or not whole:
        return None
    return round_half_up(_exact(part) * 100 / _exact(whole), decimals)


def _exact(x: float | int) -> Fraction:
    return Fraction(x) if isinstance(x, int) else Fraction(Decimal(repr(float(x))))
