import pytest

from orderhub.formats.identifiers import (
    InvalidIdentifier,
    gtin_with_check_digit,
    normalize_article_number,
    normalize_gtin,
    normalize_hmv,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("96385074", "00000096385074"),  # EAN-8
        ("036000291452", "00036000291452"),  # UPC-A (12)
        ("4006381333931", "04006381333931"),  # EAN-13
        ("04006381333931", "04006381333931"),  # GTIN-14 of the same article
        ("10614141000415", "10614141000415"),  # GTIN-14 with packaging indicator
        (" 4006381 333931 ", "04006381333931"),
        ("400-6381-33393-1", "04006381333931"),
    ],
)
def test_normalize_gtin_accepts_all_lengths_and_returns_14_digits(raw, expected):
    assert normalize_gtin(raw) == expected


def test_ean13_and_gtin14_forms_compare_equal():
    assert normalize_gtin("4006381333931") == normalize_gtin("04006381333931")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("4006381333932", "check_digit"),
        ("96385075", "check_digit"),
        ("400638133393", "check_digit"),  # 12 digits, not a valid UPC
        ("400638133", "length"),
        ("400638133393100", "length"),
        ("40063813339A1", "not_numeric"),
        ("４００６３８１３３３９３１", "not_numeric"),  # full-width digits are not ASCII
        ("", "empty"),
        ("0000000000000", "placeholder"),
    ],
)
def test_normalize_gtin_rejects_with_reason(raw, reason):
    with pytest.raises(InvalidIdentifier) as caught:
        normalize_gtin(raw)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)
    assert caught.value.kind == "GTIN"


def test_invalid_identifier_reason_is_a_code_with_english_words():
    # The code is what import reports and cart lines store; people read it in their language
    # (catalog.issues.INVALID), the exception itself says it in English.
    with pytest.raises(InvalidIdentifier) as caught:
        normalize_gtin("4006381333932")
    assert caught.value.reason == "check_digit"
    assert str(caught.value) == "GTIN '4006381333932': wrong check digit"


def test_gtin_with_check_digit():
    assert gtin_with_check_digit("400638133393") == "4006381333931"
    assert gtin_with_check_digit("9638507") == "96385074"
    assert normalize_gtin(gtin_with_check_digit("400015000000")) == "04000150000000"
    with pytest.raises(InvalidIdentifier):
        gtin_with_check_digit("12345")
    with pytest.raises(InvalidIdentifier):
        gtin_with_check_digit("4006381A3393")


@pytest.mark.parametrize(
    "raw",
    ["13.20.01.0001", "1320010001", "13 20 01 0001", " 13.20.01.0001 ", "13-20-01-0001"],
)
def test_normalize_hmv_accepts_dotted_and_plain(raw):
    assert normalize_hmv(raw) == "1320010001"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("13.20.01.001", "length"),
        ("13.20.01.00011", "length"),
        ("13.20.AB.0001", "not_numeric"),
        ("", "empty"),
        ("00.00.00.0000", "placeholder"),
    ],
)
def test_normalize_hmv_rejects(raw, reason):
    with pytest.raises(InvalidIdentifier) as caught:
        normalize_hmv(raw)
    assert caught.value.reason == reason
    assert caught.value.kind == "HMV"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SN-R-M-3-R", "SNRM3R"),
        ("sn r m 3/r", "SNRM3R"),
        ("sn_r.m-3 r", "SNRM3R"),
        ("0815-R-M2", "0815RM2"),
        ("  ", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_article_number(raw, expected):
    assert normalize_article_number(raw) == expected


def test_article_number_keeps_leading_zeros():
    # "0123" and "123" are different articles at many manufacturers.
    assert normalize_article_number("0123") != normalize_article_number("123")
