"""Unit names and aliases (cchc_xl.core.units)."""

import unicodedata

import pytest

from cchc_xl.core.models import Unit
from cchc_xl.core.units import DEFAULT_UNITS, UnitRegistry

ALL_DEPARTMENTS = ["VP", "VHXH", "KT", "PVHCC"]


@pytest.fixture(scope="module")
def registry():
    return UnitRegistry(DEFAULT_UNITS)


@pytest.mark.parametrize("name", [
    "Phòng VHXH", "Phòng Văn hoá - Xã hội", "phòng Văn hóa- Xã hội", "Phòng Văn hóa - Xã hội",
    "PHÒNG VĂN HÓA - XÃ HỘI", "VHXH", "Văn hóa - Xã hội", "Phòng Văn hóa Xã hội",
    unicodedata.normalize("NFD", "Phòng Văn hoá - Xã hội"),
])
def test_culture_department_spellings(registry, name):
    assert registry.lookup(name) == "VHXH"
    assert registry.resolve(name) == (["VHXH"], [])


@pytest.mark.parametrize("name", [
    "Văn phòng HĐND-UBND xã", "Văn phòng HĐND và UBND xã", "Văn phòng HĐND&UBND xã",
    "Văn phòng HĐND - UBND", "Văn phòng HĐND-UBND", "văn phòng hđnd-ubnd xã",
    # the typo "HDND" (D instead of Đ) as written in the seed plan
    "Văn phòng HDND-UBND xã", "Văn phòng HDND&UBND xã",
])
def test_office_spellings_including_typo(registry, name):
    assert registry.lookup(name) == "VP"


@pytest.mark.parametrize("name, code", [
    ("Phòng Kinh tế", "KT"), ("Phòng KT", "KT"),
    ("Trung tâm PVHCC", "PVHCC"), ("Trung tâm phục vụ hành chính công xã", "PVHCC"),
    ("Trung tâm Phục vụ hành chính công", "PVHCC"), ("Người đứng đầu bộ phận một cửa xã", "PVHCC"),
])
def test_other_departments(registry, name, code):
    assert registry.lookup(name) == code


def test_groups_expand_to_their_members(registry):
    for name in ("Các phòng, ban chuyên môn", "Các phòng, đơn vị trực thuộc"):
        assert registry.resolve(name) == (ALL_DEPARTMENTS, [])
        assert registry.resolve(name, expand_groups=False) == (["CM"], [])


def test_several_names_in_one_cell(registry):
    assert registry.resolve("Văn phòng HĐND-UBND xã; Trung tâm PVHCC") == (["VP", "PVHCC"], [])
    assert registry.resolve("Trung tâm PVHCC; Phòng VHXH") == (["PVHCC", "VHXH"], [])
    assert registry.resolve("Phòng Kinh tế, Phòng VHXH") == (["KT", "VHXH"], [])
    assert registry.resolve("Phòng VHXH\nPhòng Kinh tế") == (["VHXH", "KT"], [])
    # a group after a member: no duplicates, first-seen order
    assert registry.resolve("Trung tâm PVHCC; Các phòng, ban chuyên môn") == (
        ["PVHCC", "VP", "VHXH", "KT"], [])


def test_comma_inside_a_group_name_does_not_split(registry):
    assert registry.split_names("Các phòng, ban chuyên môn") == ["Các phòng, ban chuyên môn"]


def test_unknown_names_are_reported(registry):
    assert registry.resolve("Phòng Tư pháp") == ([], ["Phòng Tư pháp"])
    assert registry.resolve("Phòng Kinh tế, các trường học trên địa bàn xã") == (
        ["KT"], ["các trường học trên địa bàn xã"])
    codes, unknown = registry.resolve("Cơ quan được giao nhiệm vụ tham mưu chủ trì soạn thảo văn bản")
    assert codes == [] and unknown == ["Cơ quan được giao nhiệm vụ tham mưu chủ trì soạn thảo văn bản"]
    assert registry.resolve("") == ([], [])
    assert registry.lookup("UBND xã") is None


def test_canonical_name(registry):
    assert registry.canonical_name("phòng vhxh") == "Phòng Văn hóa - Xã hội"
    assert registry.canonical_name("Văn phòng HDND-UBND xã") == "Văn phòng HĐND và UBND xã"
    assert registry.canonical_name("Phòng  Tư   pháp") == "Phòng Tư pháp"


def test_units_added_on_the_sheet_with_aliases():
    units = DEFAULT_UNITS + [Unit(code="TP", name="Phòng Tư pháp",
                                  aliases="Công chức Tư pháp - Hộ tịch; Tư pháp xã")]
    reg = UnitRegistry(units)
    assert reg.lookup("Công chức Tư pháp - Hộ tịch") == "TP"
    assert reg.lookup("Tư pháp xã") == "TP"
    assert reg.lookup("Phòng TP") == "TP"            # automatic: prefix + initials
    assert reg.lookup("Phòng VHXH") == "VHXH"


def test_ambiguous_alias_resolves_to_nothing():
    units = [Unit(code="A", name="Phòng Nội vụ", aliases=["Phòng chung"]),
             Unit(code="B", name="Phòng Tài chính", aliases=["Phòng chung"])]
    reg = UnitRegistry(units)
    assert reg.lookup("Phòng chung") is None
    assert "phong chung" in reg.ambiguous
    assert reg.resolve("Phòng chung") == ([], ["Phòng chung"])
    assert reg.lookup("Phòng Nội vụ") == "A"
