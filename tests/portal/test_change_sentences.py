"""Timeline reasons of order changes (stored as German text by ordering/changes.py) read as
sentences in the chosen language."""

import pytest
from django.utils import translation

from orderhub.web.sentences import reason_text


@pytest.mark.parametrize(
    "stored, english",
    [
        ("Änderung 2 an den Partner gesendet", "Change 2 sent to the partner"),
        ("Stornierung 1 an den Partner gesendet", "Cancellation 1 sent to the partner"),
        (
            "Änderung 1 vom Partner abgelehnt: Ware schon unterwegs – die Bestellung bleibt wie sie war",
            "Change 1 refused by the partner: Ware schon unterwegs – the order stays as it was",
        ),
        ("Stornierung 3 vom Partner angenommen", "Cancellation 3 accepted by the partner"),
        (
            "Stornierung 1 angefragt: Patient hat storniert",
            "Cancellation 1 requested: Patient hat storniert",
        ),
        (
            "Änderung 1 angefragt: Pos. 1 Menge 3, Liefertermin 30.01.2027; Pos. 2 entfernen",
            "Change 1 requested: line 1: quantity 3, delivery date 30.01.2027; remove line 2",
        ),
        ("Änderung 4 nicht zustellbar: HTTP 500", "Change 4 could not be delivered: HTTP 500"),
    ],
)
def test_change_reasons_in_english_and_german(stored, english):
    with translation.override("en"):
        assert reason_text(stored) == english
    with translation.override("de"):
        assert reason_text(stored) == stored
