"""What a person reads about a refused goods receipt or order change (issue 15): every code the
services raise has a German sentence and its English translation; a bad scan is said with the
scan's number and the character, in German or English, never with the API's English text."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.utils import translation

from orderhub.core.problems import FieldError, InvalidInput
from orderhub.formats import gs1
from orderhub.ordering import input_messages, receipts

SRC = Path(input_messages.__file__).resolve().parents[1]
NAMED = re.compile(r"%\((\w+)\)")
GS = gs1.GS
GTIN = "0109501101020917"  # AI 01 and a GTIN with a right check digit

#: A scan for each GS1Error code that a scan can reach.
BAD_SCANS = {
    "ai_expected": GTIN + "AB",
    "ai_unknown": GTIN + "5512",
    "ai_cut_short": GTIN + "24",
    "too_long": "]d2" + GTIN + "10" + "A" * 21,
    "no_data": "(01)09501101020917(10)",
    "not_digits": "01095O1101020917",
    "character_not_allowed": GTIN + "21AB C",
    "too_short": "]d2" + "01095011010",
    "hri_start": "(1)0950",
    "not_an_ai": "(01)09501101020917(55)1",
    "hri_length": "(01)0950110102091",
    "symbology_plain": "]d1" + GTIN,
    "symbology_unknown": "]x9" + GTIN,
    "scan_empty": "]d2",
    "ai_twice": GTIN + "10A" + GS + "10B",
    "check_digit": "]d2" + "0109501101020918",
    "date_month": GTIN + "17191308",
    "date_day": GTIN + "17190230",
}


def _english(german: str) -> str:
    with translation.override("en"):
        return translation.gettext(german)


def _calls(path: Path, name: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name
    ]


def _codes_raised(path: Path, name: str, *, first: bool = True) -> set[str]:
    """The string codes ``name(...)`` is called with in ``path`` (first argument or ``code=``)."""
    found = set()
    for node in _calls(path, name):
        given = [
            *(node.args[:1] if first else []),
            *(k.value for k in node.keywords if k.arg == "code"),
        ]
        for arg in given:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(arg.value)
    return found


def test_every_gs1_code_has_an_english_and_a_german_sentence():
    assert set(input_messages.GS1) == set(gs1.MESSAGES)
    raised = _codes_raised(SRC / "formats" / "gs1.py", "GS1Error")
    raised |= _codes_raised(SRC / "formats" / "gs1.py", "_DateError")
    assert raised <= set(gs1.MESSAGES), raised - set(gs1.MESSAGES)
    assert set(gs1.MESSAGES) <= raised | {"date_format"}  # every code is used
    for code, german in input_messages.GS1.items():
        # the German names nothing the English does not have (``field`` is made from ``ai``)
        assert set(NAMED.findall(german)) <= set(NAMED.findall(gs1.MESSAGES[code])) | {
            "field",
            "ai",
        }, code
        assert _english(german) != german, f"{code} has no English translation"


def test_every_receipt_and_change_code_has_a_german_sentence_and_an_english_one():
    receipts_py, changes_py = SRC / "ordering" / "receipts.py", SRC / "ordering" / "changes.py"
    raised = _codes_raised(receipts_py, "InvalidInput", first=False)
    raised |= _codes_raised(changes_py, "InvalidInput", first=False)
    uncoded = [
        node.lineno
        for path in (receipts_py, changes_py)
        for node in _calls(path, "InvalidInput")
        if not any(k.arg == "code" for k in node.keywords)
    ]
    # the one without: ordering.changes re-raising formats.changes.check_change (generic sentence)
    assert len(uncoded) == 1, uncoded
    assert raised and raised <= set(input_messages.SENTENCES), raised - set(
        input_messages.SENTENCES
    )
    for code, german in input_messages.SENTENCES.items():
        assert _english(german) != german, f"{code} has no English translation"
    for german in (
        input_messages.GENERIC,
        input_messages.GENERIC_FIELD,
        input_messages.SCAN_AT,
        input_messages.NOT_RECEIVABLE,
        input_messages.KEY_REUSED,
        *(n for n in input_messages.AI_NAMES.values() if n not in ("SSCC", "GTIN")),
    ):
        assert _english(german) != german


@pytest.mark.parametrize("code", sorted(BAD_SCANS))
def test_each_bad_scan_is_said_with_its_number_and_character_in_both_languages(code):
    with pytest.raises(InvalidInput) as raised:
        receipts.parse_scan(BAD_SCANS[code], 2)
    error = raised.value.errors[0]
    assert (error.field, error.code) == ("scans[2]", f"gs1.{code}")
    assert error.params["scan_index"] == 2
    assert "Zeichen" not in error.message  # the API's text is English only
    with translation.override("de"):
        german = input_messages.problem_sentence(raised.value)
    with translation.override("en"):
        english = input_messages.problem_sentence(raised.value)
    assert german.startswith(f"Scan 3, Zeichen {error.params['character']}: "), german
    assert english.startswith(f"Scan 3, character {error.params['character']}: "), english
    for told in (german, english):
        assert "%(" not in told and "None" not in told, told
    assert german != english
    assert error.message not in german


def test_a_date_is_said_as_a_date_of_its_field():
    with pytest.raises(InvalidInput) as raised:
        receipts.parse_scan("]d2" + GTIN + "17261340", 0)
    with translation.override("de"):
        assert input_messages.problem_sentence(raised.value) == (
            "Scan 1, Zeichen 22: Das Datum „261340“ im Feld „Verfallsdatum“ (AI 17) ist kein "
            "gültiges Datum: einen Monat 13 gibt es nicht."
        )
    with translation.override("en"):
        assert input_messages.problem_sentence(raised.value) == (
            "Scan 1, character 22: The date “261340” in field “expiry date” (AI 17) is not a "
            "valid date: there is no month 13."
        )


def test_a_change_quantity_names_the_line_and_an_unknown_code_is_the_generic_sentence():
    error = FieldError(
        "lines[0].quantity", "at most 3 decimals", "change.quantity_decimals", {"position": 2}
    )
    with translation.override("de"):
        assert input_messages.field_sentence(error) == (
            "Pos. 2: Die Menge darf höchstens 3 Nachkommastellen haben."
        )
        uncoded = InvalidInput("lines", "line 2: nothing changes")
        assert input_messages.problem_sentence(uncoded) == (
            "Die Eingabe wurde nicht angenommen (Feld lines)."
        )
        unknown = InvalidInput("x", "technical", code="nobody.knows")
        assert input_messages.problem_sentence(unknown) == (
            "Die Eingabe wurde nicht angenommen (Feld x)."
        )
    with translation.override("en"):
        assert input_messages.field_sentence(error) == (
            "Item 2: The quantity may have at most 3 decimals."
        )


def test_the_api_item_has_code_and_params_only_when_coded():
    assert InvalidInput("lines", "text").body()["errors"] == [{"field": "lines", "message": "text"}]
    coded = InvalidInput("shipment", "text", code="receipt.no_shipment", params={"shipment": "L"})
    assert coded.body()["errors"] == [
        {
            "field": "shipment",
            "message": "text",
            "code": "receipt.no_shipment",
            "params": {"shipment": "L"},
        }
    ]
