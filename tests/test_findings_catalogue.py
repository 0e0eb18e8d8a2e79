"""The findings vocabulary: stable codes, one template each, filled the same way everywhere."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from cchc_xl.core import findings as F
from cchc_xl.core.findings import catalog as C
from cchc_xl.core.models import CchcError


def test_every_type_is_declared_once_with_a_vietnamese_title():
    cat = F.catalogue()
    assert cat, "catalogue is empty"
    for code, t in cat.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", code), code
        assert t.severity in ("error", "warning", "info")
        assert t.title and t.template
    with pytest.raises(ValueError):
        F.FindingType("bad_file", "error", "x", "y")


def test_finding_is_filled_and_located():
    f = C.BAD_FILE(why="tệp bị hỏng", file="phieu.xlsx", sheet="Phân công", cell="H7")
    assert f.code == "bad_file" and f.severity == "error"
    assert str(f) == "Lỗi: Không mở được tệp Excel: tệp bị hỏng (tệp phieu.xlsx, trang 'Phân công', ô H7)"


def test_missing_parameter_is_a_programming_error():
    with pytest.raises(KeyError):
        C.BAD_FILE(file="a.xlsx")


def test_error_carries_the_finding():
    err = C.BAD_FILE.error(why="x", file="a.xlsx")
    assert isinstance(err, CchcError) and err.finding.code == "bad_file"


def test_parameters_are_written_as_officials_read_them():
    t = F.FindingType("test_param_format", "info", "thử", "{a} | {b} | {c}")
    assert t.message(a=0.5, b=dt.date(2025, 9, 14), c=2) == "0,5 | 14/09/2025 | 2"
