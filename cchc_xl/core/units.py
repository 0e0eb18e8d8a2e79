"""Unit names and aliases.

"Phòng VHXH", "Phòng Văn hoá - Xã hội", "phòng Văn hóa- Xã hội" and "VHXH" all
resolve to the unit code ``VHXH``.  Aliases come from the unit list (sheet
"Đơn vị") plus automatic ones: the name without its "Phòng/Trung tâm/Văn
phòng" prefix, its initials, and the common abbreviations "HĐND-UBND".
"""

from __future__ import annotations

import re

from cchc_xl.core.models import Unit
from cchc_xl.core.text import fold, initials, normalize_text

_PREFIXES = ("phong", "trung tam", "van phong", "ban", "bo phan", "cong chuc")
_SUFFIXES = (" xa", " phuong", " thi tran")

# Units of a commune after the 2025 two-tier reorganisation (as in the sample plan).
DEFAULT_UNITS: list[Unit] = [
    Unit(code="VP", name="Văn phòng HĐND và UBND xã",
         aliases=["Văn phòng HĐND-UBND xã", "Văn phòng HĐND-UBND", "Văn phòng HĐND&UBND xã",
                  "Văn phòng UBND xã", "Văn phòng"]),
    Unit(code="VHXH", name="Phòng Văn hóa - Xã hội", aliases=["Phòng VHXH", "Phòng Văn hóa Xã hội"]),
    Unit(code="KT", name="Phòng Kinh tế", aliases=["Phòng KT"]),
    Unit(code="PVHCC", name="Trung tâm Phục vụ hành chính công",
         aliases=["Trung tâm PVHCC", "Trung tâm phục vụ hành chính công xã", "Bộ phận một cửa",
                  "Người đứng đầu bộ phận một cửa xã"]),
    Unit(code="CM", name="Các phòng, ban chuyên môn",
         aliases=["Các phòng, đơn vị trực thuộc", "Các cơ quan chuyên môn", "Các phòng, ban"],
         members=["VP", "VHXH", "KT", "PVHCC"]),
]


def _key(text: str) -> str:
    """Fold + normalise HĐND/UBND separators ("HĐND-UBND", "HĐND&UBND", "HĐND và UBND");
    a leading "Các" is dropped ("phòng, ban chuyên môn" = "Các phòng, ban chuyên môn")."""
    k = fold(text)
    k = re.sub(r"\bhdnd (va |and )?ubnd\b", "hdnd ubnd", k)
    if k.startswith("cac ") and len(k) > 8:
        k = k[4:]
    for suffix in _SUFFIXES:
        if k.endswith(suffix) and len(k) > len(suffix) + 3:
            k = k[: -len(suffix)]
    return k


def _auto_aliases(unit: Unit) -> set[str]:
    keys = {_key(unit.name), _key(unit.code)}
    for alias in unit.aliases:
        keys.add(_key(alias))
    base = _key(unit.name)
    for prefix in _PREFIXES:
        if base.startswith(prefix + " "):
            rest_key = base[len(prefix) + 1:]
            # "phong vhxh" ~ "phong van hoa xa hoi": prefix + initials of the rest
            rest_words = normalize_text(unit.name).split(" ")[len(prefix.split()):]
            acr = initials(" ".join(rest_words))
            if len(acr) >= 2:
                keys.add(f"{prefix} {acr.lower()}")
                keys.add(acr.lower())
            if len(rest_key.split()) >= 2:
                keys.add(rest_key)
            break
    return {k for k in keys if k}


class UnitRegistry:
    """Resolve free-text unit names to unit codes."""

    def __init__(self, units: list[Unit]):
        self.units = list(units)
        self.by_code = {u.code: u for u in self.units}
        self._index: dict[str, str] = {}
        self.ambiguous: dict[str, set[str]] = {}
        for u in self.units:
            for k in _auto_aliases(u):
                other = self._index.get(k)
                if other and other != u.code:
                    self.ambiguous.setdefault(k, {other}).add(u.code)
                else:
                    self._index[k] = u.code

    def lookup(self, text: str) -> str | None:
        """Code of the unit named by ``text`` (one name), or ``None``."""
        k = _key(text)
        if not k or k in self.ambiguous:
            return None
        return self._index.get(k)

    def canonical_name(self, text: str) -> str:
        code = self.lookup(text)
        return self.by_code[code].name if code else normalize_text(text)

    def split_names(self, text: str) -> list[str]:
        """Split a cell like "Văn phòng HĐND-UBND xã; Trung tâm PVHCC" into names.

        ";" and new lines always separate.  "," and " và " separate only between
        names: the longest run of pieces that names a known unit is kept whole
        ("Các phòng, ban chuyên môn", "Văn phòng HĐND và UBND xã"), so "Phòng Kinh
        tế, các trường học" gives "Phòng Kinh tế" and "các trường học".  Words between
        known names that name no unit stay as written, as one name, for the caller to report.
        """
        text = normalize_text(text)
        if not text:
            return []
        parts: list[str] = []
        for chunk in re.split(r"[;\n]+", text):
            chunk = chunk.strip(" .-–+")
            if not chunk:
                continue
            if self.lookup(chunk) is not None:
                parts.append(chunk)
                continue
            pieces = re.split(r"(,|\s+và\s+|\s+&\s+)", chunk)
            names, seps = pieces[0::2], pieces[1::2]

            def run(i: int, j: int) -> str:      # pieces i..j-1 as written
                return "".join(names[k] + (seps[k] if k < j - 1 else "") for k in range(i, j)).strip(" .")

            i, unknown_from = 0, None
            while i < len(names):
                j = next((j for j in range(len(names), i, -1) if self.lookup(run(i, j))), None)
                if j is None:                    # no known name starts here
                    unknown_from = i if unknown_from is None else unknown_from
                    i += 1
                    continue
                if unknown_from is not None:     # the words between known names, as one name
                    parts.append(run(unknown_from, i))
                    unknown_from = None
                parts.append(run(i, j))
                i = j
            if unknown_from is not None:
                parts.append(run(unknown_from, len(names)))
        return [p for p in parts if p]

    def resolve(self, text: str, expand_groups: bool = True) -> tuple[list[str], list[str]]:
        """Return (codes, unknown names) for a cell with one or more unit names."""
        codes: list[str] = []
        unknown: list[str] = []
        for name in self.split_names(text):
            code = self.lookup(name)
            if code is None:
                unknown.append(name)
                continue
            unit = self.by_code[code]
            targets = unit.members if (expand_groups and unit.is_group) else [code]
            for c in targets:
                if c not in codes:
                    codes.append(c)
        return codes, unknown
