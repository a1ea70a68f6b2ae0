"""Audit rows, actors, conflicts and timeline entries read as sentences in German and in English,
from the codes and parameters the rows store (older rows included)."""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import translation

from orderhub.core.actors import Actor
from orderhub.web import sentences

pytestmark = pytest.mark.django_db


def _audit(action, changes, object_type="", object_id=""):
    return SimpleNamespace(
        action=action, changes=changes, object_type=object_type, object_id=object_id
    )


def both(render):
    with translation.override("de"):
        german = render()
    with translation.override("en"):
        english = render()
    return german, english


def test_audit_rows_are_sentences_in_both_languages():
    synced = _audit(
        "masterdata.synced",
        {
            "branches": {"created": 2, "updated": 0, "deactivated": 0, "unchanged": 0},
            "users": {"created": 0, "updated": 1, "deactivated": 0, "unchanged": 2},
        },
    )
    german, english = both(lambda: sentences.audit_sentence(synced))
    assert (
        german
        == "Stammdaten aus der Branchensoftware abgeglichen: Filialen: 2 neu; Benutzer: 1 geändert"
    )
    assert (
        english
        == "Master data synchronised from the practice software: Branches: 2 new; Users: 1 changed"
    )
    edited = _audit("branch.edited", {"street": ["Hauptstr. 1", "Dashboardweg 5"]}, "branch", "F1")
    german, english = both(lambda: sentences.audit_sentence(edited))
    assert (
        german == "Filiale F1 im Dashboard geändert: Straße von „Hauptstr. 1“ in „Dashboardweg 5“"
    )
    assert (
        english
        == "Branch F1 changed in the dashboard: Street changed from “Hauptstr. 1” to “Dashboardweg 5”"
    )
    token = _audit("api_token.issued", {"name": "Empfang"})
    assert both(lambda: sentences.audit_sentence(token)) == (
        "API-Token „Empfang“ ausgestellt",
        "API token “Empfang” issued",
    )
    unknown = _audit("something.new", {"x": 1})
    assert "technischen Angaben" in both(lambda: sentences.audit_sentence(unknown))[0]
    assert "code: something.new" in sentences.technical(code="something.new", changes={"x": 1})


def test_actors_and_records_are_named_in_the_chosen_language():
    assert both(lambda: sentences.actor_label(Actor.person("muster-admin"))) == (
        "Benutzer muster-admin",
        "User muster-admin",
    )
    assert both(lambda: sentences.actor_label(Actor.software("Schnittstelle", "ab12")))[1] == (
        "Practice software (API token Schnittstelle …ab12)"
    )
    assert both(lambda: sentences.record_label("branch", "F1", "Studio Mitte")) == (
        "Filiale „Studio Mitte“ (F1)",
        "Branch “Studio Mitte” (F1)",
    )
    # A branch named "Filiale Mitte" is not called "Filiale Filiale Mitte".
    assert both(lambda: sentences.record_label("branch", "F1", "Filiale Mitte"))[0] == (
        "„Filiale Mitte“ (F1)"
    )
    assert both(lambda: sentences.field_label("branch", "street")) == ("Straße", "Street")


def test_timeline_entries_are_sentences_of_status_and_reason_codes():
    def event(to_status="", code="", params=None, reason=""):
        return SimpleNamespace(
            to_status=to_status, reason_code=code, reason_params=params or {}, reason=reason
        )

    sent = event("sent")
    german, english = both(lambda: sentences.event_sentence(sent))
    assert "→" not in german and german.startswith("Neuer Status: ") and german.endswith(".")
    assert english.startswith("New status: ")
    picked = event(code="cart.article_chosen", params={"position": 2, "article": "SN-R-M-3-R"})
    assert both(lambda: sentences.event_sentence(picked)) == (
        "Position 2: Artikel SN-R-M-3-R gewählt",
        "Line 2: article SN-R-M-3-R chosen",
    )
    delivered = event("sent", "delivery.sent", {"detail": "written to /srv/drop/B-1.xml"})
    german, english = both(lambda: sentences.event_sentence(delivered))
    assert english == "New status: sent. Transmitted to the partner" and "/srv" not in german
    # An old row no pattern knew: its text as stored, a msgid of older code translated.
    cancelled = event(reason="über die API storniert")
    assert both(lambda: sentences.event_sentence(cancelled))[1] == "cancelled through the API"


def test_every_audit_action_the_code_records_reads_as_a_sentence():
    """An action recorded anywhere (``audit.record(company, actor, "<action>", …)``) has a
    sentence in AUDIT, so the trail never falls back to "Änderung (Einzelheiten …)"."""
    src = Path(sentences.__file__).resolve().parents[1]
    recorded = set()
    for path in src.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        recorded |= set(re.findall(r'audit\.record\(\s*[^,]+,\s*[^,]+,\s*"([a-z_.]+)"', text))
    assert len(recorded) > 20
    assert sorted(recorded - set(sentences.AUDIT)) == []
    reset = _audit("customer_number.reset", {"number": ["K-DASH", "K-SYNC"]})
    assert both(lambda: sentences.audit_sentence(reset))[1] == (
        "Customer number reset from “K-DASH” to the practice software's value “K-SYNC”"
    )
