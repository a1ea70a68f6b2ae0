"""The operator's Impressum and Datenschutz pages (docs/deployment.md "Impressum and Datenschutz").

Whoever runs OrderHub is the provider of the site and must say who they are and how they process
personal data; OrderHub cannot know it. The texts come from settings (``ORDERHUB_IMPRINT``,
``ORDERHUB_PRIVACY``, each with an ``…_EN`` variant): text, or the path of a ``.txt`` or ``.html``
file (HTML is the operator's own and shown as it is). Until they are set, the pages say so.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.shortcuts import render
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _


def operator_text(german: str, english: str) -> SafeString | None:
    """The configured text for the current language as HTML, or None when nothing is configured."""
    value = english if (get_language() or "").startswith("en") and english else german
    value = value.strip()
    if not value:
        return None
    path = Path(value)
    if "\n" not in value and len(value) < 1024 and path.suffix in (".txt", ".html", ".htm"):
        content = path.read_text(encoding="utf-8")
        if path.suffix != ".txt":
            return mark_safe(content)  # the operator's own file, shown as written
        value = content
    return SafeString(linebreaks(value, autoescape=True))


def imprint(request):
    return render(
        request,
        "web/legal_page.html",
        {
            "heading": _("Impressum"),
            "text": operator_text(settings.IMPRINT, settings.IMPRINT_EN),
            "missing": _(
                "Der Betreiber dieser Installation hat noch kein Impressum hinterlegt. "
                "Er muss hier angeben, wer die Seite anbietet: Name und Anschrift, "
                "Kontaktmöglichkeiten und, wo vorhanden, Register und Umsatzsteuer-ID."
            ),
        },
    )


def privacy(request):
    return render(
        request,
        "web/legal_page.html",
        {
            "heading": _("Datenschutz"),
            "text": operator_text(settings.PRIVACY, settings.PRIVACY_EN),
            "missing": _(
                "Der Betreiber dieser Installation hat noch keine Datenschutzerklärung "
                "hinterlegt. Er muss hier beschreiben, welche personenbezogenen Daten OrderHub "
                "verarbeitet, wozu, wie lange und wer Auskunft gibt."
            ),
        },
    )
