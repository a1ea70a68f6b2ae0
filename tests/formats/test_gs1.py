"""GS1 element strings as scanned from a GS1 DataMatrix / GS1-128 on a hearing-aid box.

The example numbers are the GS1 General Specifications' and the GS1 DataMatrix Guideline's own
(GS1 company prefixes 950, 0614141): their check digits are right, so they double as a test of
the check-digit rule.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderhub.formats import FormatError, gs1

GS = "\x1d"
TODAY = date(2026, 1, 15)

# GS1 DataMatrix Guideline example: GTIN, expiry, lot, serial.
GUIDELINE_HRI = "(01)09501101020917(17)190508(10)ABCD1234(21)10"
GUIDELINE_SCAN = "]d2" + "0109501101020917" + "17190508" + "10ABCD1234" + GS + "2110"


def test_datamatrix_scan_of_the_guideline_example():
    scan = gs1.parse(GUIDELINE_SCAN, today=TODAY)
    assert scan.symbology == "GS1 DataMatrix"
    assert scan.gtin == "09501101020917"
    assert scan.expiry == date(2019, 5, 8)
    assert scan.lot == "ABCD1234"
    assert scan.serial == "10"
    assert [e.ai for e in scan.elements] == ["01", "17", "10", "21"]
    assert [e.position for e in scan.elements] == [4, 20, 28, 39]
    assert scan.human_readable() == GUIDELINE_HRI
    assert "]d2" + scan.element_string() == GUIDELINE_SCAN


def test_human_readable_form_reads_the_same():
    printed = gs1.parse(GUIDELINE_HRI, today=TODAY)
    scanned = gs1.parse(GUIDELINE_SCAN, today=TODAY)
    assert printed.symbology is None
    assert printed.elements == scanned.elements
    assert (printed.gtin, printed.serial, printed.lot, printed.expiry) == (
        scanned.gtin,
        scanned.serial,
        scanned.lot,
        scanned.expiry,
    )
    spaced = gs1.parse("(01) 09501101020917 (17) 190508 (10) ABCD1234 (21) 10", today=TODAY)
    assert spaced.elements == scanned.elements


def test_hearing_aid_box_serial_first_then_lot():
    # Variable-length serial before the lot: the GS ends the serial; the lot is last, no GS.
    text = "]d2" + "0100614141999996" + "21HA-2026-000417" + GS + "17280300" + "10L24A07"
    scan = gs1.parse(text, today=TODAY)
    assert scan.gtin == "00614141999996"
    assert scan.serial == "HA-2026-000417"
    assert scan.expiry == date(2028, 3, 31)  # day 00: last day of the month
    assert scan.lot == "L24A07"
    assert scan.human_readable() == "(01)00614141999996(21)HA-2026-000417(17)280300(10)L24A07"


def test_gs1_128_with_a_weight_ai_kept_raw():
    # General Specifications example: GTIN with net weight 0.123 kg (AI 3103, predefined length).
    scan = gs1.parse("]C1" + "0195012345678903" + "3103000123", today=TODAY)
    assert scan.symbology == "GS1-128"
    assert scan.gtin == "95012345678903"
    assert scan.value("3103") == "000123"
    assert scan.elements[1].title == ""  # not read by meaning, but kept


def test_qr_code_and_sscc():
    scan = gs1.parse("]Q3" + "00006141411234567890" + "37" + "12", today=TODAY)
    assert scan.symbology == "GS1 QR Code"
    assert scan.sscc == "006141411234567890"
    assert scan.count == 12


def test_other_dates_and_ids_are_read_gracefully():
    text = (
        "]d2"
        + "0109506000134352"
        + "11250601"
        + "15271200"
        + "240HdO-Mini-312"
        + GS
        + "241K-4711/7"
        + GS
        + "21A1"
    )
    scan = gs1.parse(text, today=TODAY)
    assert scan.gtin == "09506000134352"
    assert scan.production_date == date(2025, 6, 1)
    assert scan.best_before == date(2027, 12, 31)
    assert scan.additional_id == "HdO-Mini-312"
    assert scan.customer_part_number == "K-4711/7"
    assert scan.serial == "A1"
    assert [e.title for e in scan.elements][:3] == ["GTIN", "PROD DATE", "BEST BEFORE or BEST BY"]


@pytest.mark.parametrize(
    ("yymmdd", "expected"),
    [
        ("240200", date(2024, 2, 29)),  # leap year
        ("250200", date(2025, 2, 28)),
        ("261100", date(2026, 11, 30)),
        ("261231", date(2026, 12, 31)),
        ("751231", date(2075, 12, 31)),  # 49 years ahead: this century
        ("770101", date(1977, 1, 1)),  # 51 years ahead: the previous century
        ("991231", date(1999, 12, 31)),
        ("000101", date(2000, 1, 1)),
    ],
)
def test_expiry_dates_and_the_century_window(yymmdd, expected):
    assert gs1.parse("0109501101020917" + "17" + yymmdd, today=TODAY).expiry == expected
    assert gs1.gs1_date(yymmdd, today=TODAY) == expected


def test_scanner_noise_is_tolerated():
    # A leading GS (FNC1 sent as GS), a GS after a predefined-length field, a trailing CR LF.
    text = GS + "0109501101020917" + GS + "10ABCD1234" + GS + GS + "2110\r\n"
    scan = gs1.parse(text, today=TODAY)
    assert (scan.gtin, scan.lot, scan.serial) == ("09501101020917", "ABCD1234", "10")
    # the same AI twice with the same data is the same statement
    assert gs1.parse("0109501101020917" + "0109501101020917").gtin == "09501101020917"


@pytest.mark.parametrize(
    ("text", "ai", "position", "words"),
    [
        ("]d2" + "0109501101020918", "01", 19, "check digit of GTIN 09501101020918 is wrong"),
        ("]d2" + "0109501101020917" + "10" + "A" * 21, "10", 22, "GS separator after it missing"),
        ("]d2" + "0109501101020917" + "1719050", "17", 22, "needs 6 characters"),
        ("]d2" + "01095011010", "01", 6, "needs 14 characters"),
        ("0109501101020917" + "17191308", "17", 19, "month 13 does not exist"),
        ("0109501101020917" + "17190230", "17", 19, "2019-02 has no day 30"),
        ("01095O1101020917", "01", 3, "must be digits"),
        ("0109501101020917" + "21AB C", "21", 21, "character ' ' is not allowed"),
        ("0109501101020917" + "21Hörer", "21", 20, "character 'ö' is not allowed"),
        ("0109501101020917" + "10A" + GS + "10B", "10", 21, "occurs twice with different data"),
        ("0109501101020917" + "5512", "55", 17, "no Application Identifier starts with"),
        ("(01)09501101020917(17)1905", "17", 23, "needs 6 characters"),
        ("(01)0950110102091", "01", 5, "needs 14 characters"),
        ("(01)09501101020917(10)", "10", 23, "has no data"),
        ("(01)09501101020917(55)1", "55", 19, "is not an Application Identifier"),
        ("  (0101)09501101020917", "0101", 3, "is not an Application Identifier"),
    ],
)
def test_errors_name_the_ai_and_the_position(text, ai, position, words):
    with pytest.raises(gs1.GS1Error) as raised:
        gs1.parse(text, today=TODAY)
    error = raised.value
    assert isinstance(error, FormatError)
    assert (error.ai, error.position) == (ai, position), str(error)
    assert f"AI ({ai}), position {position}:" in str(error)
    assert words in str(error)


def test_ai_235_is_a_three_digit_ai_with_variable_length():
    # (235) third-party serialisation: not read by meaning, but kept with its data
    assert gs1.parse("(01)09501101020917(235)XYZ-1").value("235") == "XYZ-1"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("]d1" + "0109501101020917", "Data Matrix without GS1 data"),
        ("]C0" + "0109501101020917", "Code 128 without GS1 data"),
        ("]X9" + "0109501101020917", "unknown symbology identifier"),
        ("]d2", "the scan has no data"),
        ("", "the scan has no data"),
        ("ABC", "expected an Application Identifier"),
        ("(17", "must start with an AI in parentheses"),
    ],
)
def test_scans_that_are_no_gs1_data(text, words):
    with pytest.raises(gs1.GS1Error, match=words.replace("(", r"\(")):
        gs1.parse(text, today=TODAY)


def test_writing_element_strings():
    pairs = [("01", "09501101020917"), ("21", "SN1"), ("10", "L1"), ("17", "261200")]
    assert gs1.element_string(pairs, symbology="]d2") == (
        "]d2" + "0109501101020917" + "21SN1" + GS + "10L1" + GS + "17261200"
    )
    assert gs1.human_readable(pairs) == "(01)09501101020917(21)SN1(10)L1(17)261200"
    with pytest.raises(gs1.GS1Error):
        gs1.element_string(pairs, symbology="]d1")


# --------------------------------------------------------------------------- properties

_CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"


@st.composite
def gtins(draw):
    body = draw(st.text("0123456789", min_size=13, max_size=13))
    return body + gs1.check_digit(body)


@st.composite
def yymmdd(draw):
    day = draw(st.dates(min_value=date(1977, 1, 1), max_value=date(2075, 12, 31)))
    last_day = draw(st.booleans())
    return f"{day:%y%m}" + ("00" if last_day else f"{day:%d}")


def _text_without_ai_look(text: str) -> bool:
    # In the printed form "(NN)" inside data would read as the next AI.
    return gs1._HRI_AI.search(text) is None


@st.composite
def box_scans(draw):
    elements = [("01", draw(gtins()))]
    optional = {
        "21": st.text(_CSET82, min_size=1, max_size=20),
        "10": st.text(_CSET82, min_size=1, max_size=20),
        "17": yymmdd(),
        "11": yymmdd(),
        "240": st.text(_CSET82, min_size=1, max_size=30),
    }
    chosen = draw(st.lists(st.sampled_from(sorted(optional)), unique=True))
    elements += [(ai, draw(optional[ai])) for ai in chosen]
    order = draw(st.permutations(elements))
    return list(order)


@settings(max_examples=300, deadline=None)
@given(box_scans(), st.sampled_from(["", "]d2", "]C1", "]Q3"]))
def test_written_element_strings_read_back(elements, symbology):
    scan = gs1.parse(gs1.element_string(elements, symbology=symbology), today=TODAY)
    assert [(e.ai, e.value) for e in scan.elements] == elements
    values = dict(elements)
    assert scan.gtin == values["01"]
    assert scan.serial == values.get("21")
    assert scan.lot == values.get("10")
    if "17" in values:
        assert scan.expiry == gs1.gs1_date(values["17"], today=TODAY)
    printed = scan.human_readable()
    if all(_text_without_ai_look(v) and v == v.strip() for v in values.values()):
        assert gs1.parse(printed, today=TODAY).elements == scan.elements


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        st.sampled_from([*"0123456789()]dCQ", GS, "A", "é", " "]),
        max_size=40,
    )
)
def test_any_text_is_read_or_refused_with_gs1_error(text):
    try:
        scan = gs1.parse(text, today=TODAY)
    except gs1.GS1Error as error:
        assert str(error).startswith("GS1")
    else:
        assert scan.elements


@settings(max_examples=200, deadline=None)
@given(gtins(), st.integers(0, 13), st.sampled_from("0123456789"))
def test_a_changed_gtin_digit_is_caught(gtin, index, digit):
    changed = gtin[:index] + digit + gtin[index + 1 :]
    if changed == gtin:
        return
    with pytest.raises(gs1.GS1Error, match="check digit"):
        gs1.parse("01" + changed)
