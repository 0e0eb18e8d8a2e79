"""Vietnamese text normalisation, matching keys and number formats (cchc_xl.core.text)."""

import unicodedata

import pytest

from cchc_xl.core.text import (fold, format_number, format_percent, initials, normalize_text, parse_number,
                          strip_diacritics)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize("text", [
    "Cải cách hành chính nhà nước xã Quảng Sơn năm 2025",
    "Phòng Văn hóa - Xã hội",
    "Ủy ban nhân dân; Hội đồng nhân dân",
    "Trung tâm Phục vụ hành chính công",
])
def test_nfd_input_becomes_nfc(text):
    decomposed = nfd(text)
    assert decomposed != text                       # the input really is decomposed
    out = normalize_text(decomposed)
    assert out == text
    assert unicodedata.is_normalized("NFC", out)


@pytest.mark.parametrize("old, new", [
    ("hoá", "hóa"), ("Hoá", "Hóa"), ("HOÁ", "HÓA"), ("Văn hoá - Xã hội", "Văn hóa - Xã hội"),
    ("thuỷ", "thủy"), ("Thuỷ lợi", "Thủy lợi"), ("khoẻ", "khỏe"), ("uỷ ban", "ủy ban"),
    ("tuỳ", "tùy"), ("xoá bỏ", "xóa bỏ"), ("hoạ", "họa"), ("thuỵ", "thụy"),
])
def test_old_style_tone_marks_move_to_modern_place(old, new):
    assert normalize_text(old) == new
    assert normalize_text(nfd(old)) == new          # also when the input is decomposed


@pytest.mark.parametrize("word", [
    "quý", "Quý III", "QUÝ IV", "quỳnh", "hoàn thành", "toán", "khuya", "hóa", "thủy", "ngoài",
    "quyết định", "tuyên truyền", "Ủy",
])
def test_words_already_right_are_untouched(word):
    assert normalize_text(word) == word
    assert normalize_text(nfd(word)) == word


def test_white_space_none_and_numbers():
    assert normalize_text("  Phòng \t VHXH\u00a0 xã  ") == "Phòng VHXH xã"
    assert normalize_text(None) == ""
    assert normalize_text("   ") == ""
    assert normalize_text(2025) == "2025"


def test_fold_is_a_matching_key():
    key = "phong van hoa xa hoi"
    assert fold("Phòng Văn hoá - Xã hội") == key
    assert fold("PHÒNG VĂN HÓA – XÃ HỘI") == key
    assert fold(nfd("phòng Văn hóa- Xã hội")) == key
    assert fold("Đăk Lăk; ĐỒNG") == "dak lak dong"
    assert fold("Quyết định số 149/QĐ-UBND") == "quyet dinh so 149 qd ubnd"
    assert fold(None) == ""
    assert strip_diacritics("Đường") == "Duong"


def test_initials():
    assert initials("Văn hóa - Xã hội") == "VHXH"
    assert initials("Phục vụ hành chính công") == "PVHCC"


@pytest.mark.parametrize("value, decimals, text", [
    (85.08, 2, "85,08"), (0.07, 2, "0,07"), (2.5, 2, "2,5"), (100, 2, "100"), (100.0, 2, "100"),
    (1268, 0, "1.268"), (1268.5, 2, "1.268,5"), (1234567.891, 2, "1.234.567,89"), (-3.25, 2, "-3,25"),
    (0, 2, "0"), (-0.001, 2, "0"), (0.9534 * 100, 2, "95,34"),
])
def test_format_number(value, decimals, text):
    assert format_number(value, decimals) == text


def test_format_number_none_and_percent():
    assert format_number(None) == ""
    assert format_percent(0.9534) == "95,34%"
    assert format_percent(None) == ""


@pytest.mark.parametrize("text, value", [
    ("0,07", 0.07), ("0,7", 0.7), ("85,08", 85.08), ("85.08", 85.08), ("1.268", 1268.0),
    ("1.268,5", 1268.5), ("12", 12.0), (" 3 ", 3.0), ("80%", 80.0), ("-0,5", -0.5), (12, 12.0),
    (2.25, 2.25),
])
def test_parse_number(text, value):
    assert parse_number(text) == pytest.approx(value)


def test_parse_number_empty_and_errors():
    assert parse_number("") is None
    assert parse_number(None) is None
    for bad in ("abc", "1,2,3", "1.2.3", "85,08 điểm", True):
        with pytest.raises(ValueError):
            parse_number(bad)


@pytest.mark.parametrize("value", [0.07, 1.43, 85.08, 1268.5, 2.0, 1234567.25])
def test_format_then_parse_round_trip(value):
    assert parse_number(format_number(value)) == pytest.approx(value)
