"""``FindingType`` and the registry behind the catalogue (see the package docstring)."""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any

from cchc_xl.core.models import CchcError, Finding, Severity
from cchc_xl.core.text import CellValueError

_CATALOGUE: dict[str, "FindingType"] = {}
_FORMATTER = string.Formatter()


@dataclass(frozen=True)
class FindingType:
    """A kind of finding: stable code, severity, Vietnamese title and message template."""

    code: str
    severity: Severity
    title: str
    template: str
    params: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        names = tuple(dict.fromkeys(f for _, f, _, _ in _FORMATTER.parse(self.template) if f))
        object.__setattr__(self, "params", names)
        if self.code in _CATALOGUE:
            raise ValueError(f"finding code declared twice: {self.code}")
        _CATALOGUE[self.code] = self

    # ------------------------------------------------------------ public API

    def message(self, **params: Any) -> str:
        """The filled template (missing parameters are an error of the caller)."""
        missing = [p for p in self.params if p not in params]
        if missing:
            raise KeyError(f"{self.code}: missing parameters {missing}")
        return self.template.format(**{k: _text(v) for k, v in params.items()})

    def __call__(self, *, file: str = "", sheet: str = "", cell: str = "", task_id: str = "",
                 severity: Severity | None = None, **params: Any) -> Finding:
        """A located ``Finding`` of this type."""
        where = {"file": file, "sheet": sheet, "cell": cell, "task_id": task_id}
        return Finding(code=self.code, severity=severity or self.severity,
                       message=self.message(**self._with_place(params, where)),
                       file=file, sheet=sheet, cell=cell, task_id=task_id)

    def error(self, *, file: str = "", sheet: str = "", cell: str = "", **params: Any) -> CchcError:
        """A ``CchcError`` (to raise) carrying a finding of this type."""
        where = {"file": file, "sheet": sheet, "cell": cell}
        return CchcError(self.message(**self._with_place(params, where)), file=file, sheet=sheet, cell=cell,
                         code=self.code)

    # ----------------------------------------------------------- private API

    def _with_place(self, params: dict[str, Any], where: dict[str, str]) -> dict[str, Any]:
        """``params`` plus the location fields the template names (a template may say '{sheet}':
        the location given to the finding is then also a parameter of its message)."""
        named = {k: v for k, v in where.items() if k in self.params and k not in params}
        return {**params, **named} if named else params


def get(code: str) -> FindingType:
    """The declared type of ``code`` (``KeyError`` when unknown)."""
    return _CATALOGUE[code]


CellValueError.catalogue = staticmethod(get)     # parsers (core.text) name their finding types by code


def catalogue() -> dict[str, FindingType]:
    """Every declared type, by code (a copy)."""
    return dict(sorted(_CATALOGUE.items()))


def _text(value: Any) -> str:
    """Parameters as users read them: numbers with a decimal comma, dates dd/mm/yyyy."""
    import datetime as dt

    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, float):
        if not abs(value) < 1e15:        # huge, infinite or NaN: not 300 digits
            return f"{value:g}".replace(".", ",")
        s = f"{value:,.2f}" if abs(value) >= _GROUPED_FROM else f"{value:.2f}"
        return s.rstrip("0").rstrip(".").translate(_VI_SEPARATORS)
    if isinstance(value, int) and abs(value) >= _GROUPED_FROM:
        return f"{value:,}".replace(",", ".")     # 1.048.576 (a year, 2025, stays as it is)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%d/%m/%Y")
    return str(value)


_GROUPED_FROM = 10_000     # numbers from here on are written with thousands separators
_VI_SEPARATORS = str.maketrans(",.", ".,")     # 123,456.79 -> 123.456,79

