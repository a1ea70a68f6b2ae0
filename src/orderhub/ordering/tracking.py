"""Where a person follows a parcel: the carrier's tracking page for a tracking number.

Dispatch notifications name the carrier as free text ("DHL", "DPD Deutschland GmbH", "ups") and
the parcels' tracking numbers (or SSCCs). For the carriers hearing-aid suppliers ship with in
Germany the public tracking page is known, so the order page and the API link each number there;
an unknown carrier gets no link (the number is still shown), never a guessed one.
"""

from __future__ import annotations

from urllib.parse import quote

#: carrier (lower-case word the carrier's name starts with or contains) -> tracking page.
PAGES: dict[str, str] = {
    "dhl": "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={n}",
    "deutsche post": "https://www.deutschepost.de/de/s/sendungsverfolgung.html?piececode={n}",
    "dpd": "https://tracking.dpd.de/status/de_DE/parcel/{n}",
    "ups": "https://www.ups.com/track?loc=de_DE&tracknum={n}",
    "gls": "https://gls-group.com/DE/de/paketverfolgung?match={n}",
    "hermes": "https://www.myhermes.de/empfangen/sendungsverfolgung/sendungsinformation#{n}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={n}",
    "go!": "https://www.general-overnight.com/deu_de/sendungsverfolgung.html?reference={n}",
}


def page_for(carrier: str | None, number: str) -> str | None:
    """The tracking page of ``number`` at ``carrier``, or None for an unknown carrier."""
    name = " ".join((carrier or "").lower().split())
    if not name or not number.strip():
        return None
    for key, template in PAGES.items():
        if name == key or name.startswith(key + " ") or f" {key} " in f" {name} ":
            return template.format(n=quote(number.strip(), safe=""))
    return None


def links(carrier: str | None, numbers: list[str]) -> list[dict[str, str | None]]:
    """[{"number": …, "url": … or None}] in the parcels' order."""
    return [{"number": n, "url": page_for(carrier, n)} for n in numbers]
