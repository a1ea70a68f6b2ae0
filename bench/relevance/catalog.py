"""A deterministic, realistic hearing-acoustics catalog for the relevance benchmark.

``catalog()`` returns the labelled base catalog (a few thousand articles, always the same): hearing
systems of five fictitious manufacturers in every level, style, colour and side, their receivers,
domes, filters, slim tubes, battery doors and ear hooks, tubes, custom earmolds and lab material,
zinc-air batteries, chargers, remote controls and care products. Descriptions are written the way
the respective supplier writes them — and suppliers differ: Auritec writes "Aura 3 HdO links
silber", Sonora "Vivo G5 RIC 312 Hörsystem rechts, Farbe titan", Klangwerk English-ish
"Lumen 2 BTE beige L", Nordhall abbreviates "Fjord 60 HdO re. sand". That, and the many
near-duplicates that differ only by side, colour, size, length, power or one extra word ("HdO" /
"HdO SP", "Aura 3" / "Aura Plus 5", "Hörgeräteschlauch 2,0 mm" / "…, verstärkt"), is what
makes ranking hard.

``scaled_catalog(n)`` yields the base catalog followed by deterministic distractor families (other
fictitious brands with synthetic model names, their devices and spare parts) until ``n`` articles,
e.g. 1,000,000 for latency tests. Distractors never carry a labelled query's distinguishing words
(checked by ``python -m bench.relevance --check --scale N``), so every labelled article stays the
right answer at any size.

Every article is a dict::

    partner_article_number  "AT-HDO-A3-SI-L"
    gtin                    "4061234000011" or None (valid GS1 check digit)
    hmv_number              "1320010001" or None (10 digits, fictitious but well-formed)
    manufacturer_article_number  "" or the manufacturer's own number
    manufacturer_name       "Auritec Hörsysteme GmbH"
    short_description       "Aura 3 HdO links silber"
    attributes              {"side": "L", "colour": "silber", "model": "Aura 3", "style": "HdO", ...}
    order_unit              "C62" (piece), "PA" (pack), "MTR" (metre)
    price                   Decimal, EUR net
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from stdnum import ean

AURITEC = "Auritec Hörsysteme GmbH"
SONORA = "Sonora Hörsysteme GmbH"
KLANGWERK = "Klangwerk Audio AG"
NORDHALL = "Nordhall Hearing AB"
MERIDIAN = "Meridian Audiologie GmbH"
VOLTARA = "Voltara Batterien GmbH"
HOERTEC = "HörTec Zubehör GmbH"
OHRFORM = "Ohrform Otoplastik-Labor GmbH"
AUDICLEAN = "Audiclean Pflege GmbH"

# GS1 company prefixes (7 digits) per manufacturer; item numbers are counted per manufacturer.
GS1 = {
    AURITEC: "4061234",
    SONORA: "4059876",
    KLANGWERK: "4047112",
    NORDHALL: "7391234",
    MERIDIAN: "4250987",
    VOLTARA: "4008765",
    HOERTEC: "4260123",
    AUDICLEAN: "4031234",
}

SIDES = (("L", "links"), ("R", "rechts"))
_CENT = Decimal("0.01")


def _price(base: float, key: str) -> Decimal:
    jitter = (zlib.crc32(key.encode()) % 1000) / 1000 * 0.08 - 0.04  # ±4 %, fixed per article
    return (Decimal(str(base)) * Decimal(str(1 + jitter))).quantize(_CENT, rounding=ROUND_HALF_UP)


class _Builder:
    def __init__(self):
        self.articles: list[dict] = []
        self.numbers: set[str] = set()
        self.gtin_counter: dict[str, int] = {}
        self.hmv_counter: dict[str, int] = {}
        self.descriptions: set[str] = set()

    def gtin(self, manufacturer: str) -> str:
        n = self.gtin_counter.get(manufacturer, 0) + 1
        self.gtin_counter[manufacturer] = n
        body = GS1[manufacturer] + f"{n:05d}"
        return body + ean.calc_check_digit(body)

    def hmv(self, group: str) -> str:
        # group: "13.20.01" (HdO), "13.20.02" (HdO Power), "13.20.03" (IdO), "13.20.08" (RIC/Ex-Hörer)
        n = self.hmv_counter.get(group, 0) + 1
        self.hmv_counter[group] = n
        return group.replace(".", "") + f"{n + 1000:04d}"

    def add(
        self,
        number: str,
        description: str,
        manufacturer: str,
        attributes: dict,
        price: float,
        *,
        unit: str = "C62",
        gtin: bool = True,
        hmv: str | None = None,
        mnr: str = "",
    ) -> dict:
        assert number not in self.numbers, number
        assert description not in self.descriptions, description
        self.numbers.add(number)
        self.descriptions.add(description)
        article = {
            "partner_article_number": number,
            "gtin": self.gtin(manufacturer) if gtin and manufacturer in GS1 else None,
            "hmv_number": self.hmv(hmv) if hmv else None,
            "manufacturer_article_number": mnr,
            "manufacturer_name": manufacturer,
            "short_description": description,
            "attributes": {k: v for k, v in attributes.items() if v not in (None, "")},
            "order_unit": unit,
            "price": _price(price, number),
        }
        self.articles.append(article)
        return article


# --- hearing systems ------------------------------------------------------------------------------

AT_COLOURS = [
    ("SI", "silber"),
    ("BE", "beige"),
    ("AN", "anthrazit"),
    ("SW", "schwarz"),
    ("CH", "champagner"),
    ("GR", "graphit"),
    ("SA", "sand"),
    ("WE", "weiß"),
    ("PE", "petrol"),
    ("RT", "rot"),
]
AT_IDO_COLOURS = [
    ("BE", "beige"),
    ("HB", "hellbraun"),
    ("MB", "mittelbraun"),
    ("DB", "dunkelbraun"),
    ("RO", "rosé"),
]
AT_FORMS = [
    ("HDO", "HdO", "13", "13.20.01", 1.0),
    ("HSP", "HdO SP", "675", "13.20.02", 1.1),
    ("RIC", "RIC 312", "312", "13.20.08", 1.05),
    ("RICA", "RIC Akku", "Li-Ion", "13.20.08", 1.2),
]
AT_LEVELS = [(1, 390), (3, 520), (5, 780), (7, 1090), (9, 1490)]

SN_COLOURS = [
    ("TI", "titan"),
    ("PW", "perlweiß"),
    ("SB", "sandbeige"),
    ("ES", "espresso"),
    ("SW", "schwarz"),
    ("SG", "silbergrau"),
    ("RG", "roségold"),
    ("OB", "ozeanblau"),
    ("GP", "graphit"),
    ("CB", "cremebeige"),
]
SN_IDO_COLOURS = [
    ("BE", "beige"),
    ("HB", "hellbeige"),
    ("BR", "braun"),
    ("DB", "dunkelbraun"),
    ("SW", "schwarz"),
]
SN_FORMS = [
    ("R", "RIC 312", "312", "13.20.08", 1.0),
    ("RA", "RIC Akku", "Li-Ion", "13.20.08", 1.15),
    ("H", "HdO 13", "13", "13.20.01", 0.95),
    ("HA", "HdO Akku", "Li-Ion", "13.20.01", 1.1),
    ("HU", "HdO UP 675", "675", "13.20.02", 1.1),
]
SN_LEVELS = [("G1", 410), ("G3", 560), ("G5", 820), ("G7", 1120), ("G9", 1540)]

KW_COLOURS = [
    ("BG", "beige"),
    ("SV", "silver"),
    ("GP", "graphite"),
    ("BK", "black"),
    ("CP", "champagne"),
    ("WH", "white"),
    ("SD", "sand"),
    ("RD", "red"),
]
KW_IDO_COLOURS = [("BG", "beige"), ("MO", "mocha"), ("DB", "dark brown")]
KW_FORMS = [
    ("BTE", "BTE", "13", "13.20.01", 1.0),
    ("BSP", "BTE SP", "675", "13.20.02", 1.1),
    ("RT", "RITE 312", "312", "13.20.08", 1.0),
    ("RL", "RITE Li-Ion", "Li-Ion", "13.20.08", 1.15),
]
KW_LEVELS = [(1, 380), (2, 540), (3, 760), (4, 1010), (5, 1390), (6, 1790)]

NH_COLOURS = [
    ("SA", "sand"),
    ("GR", "grau"),
    ("BR", "braun"),
    ("SW", "schwarz"),
    ("WE", "weiß"),
    ("SI", "silber"),
    ("PE", "petrol"),
    ("AN", "anthrazit"),
]
NH_FORMS = [
    ("HDO", "HdO", "13", "13.20.01", 1.0),
    ("HDP", "HdO Power", "675", "13.20.02", 1.1),
    ("RIC", "RIC", "312", "13.20.08", 1.0),
]
NH_LEVELS = [(20, 360), (40, 500), (60, 720), (80, 990), (100, 1350)]

MA_COLOURS = [
    ("BE", "beige"),
    ("SI", "silber"),
    ("AN", "anthrazit"),
    ("SW", "schwarz"),
    ("BR", "bronze"),
    ("WE", "weiß"),
    ("CH", "champagner"),
    ("GR", "grau"),
]
MA_FORMS = [
    ("HDO", "Hinter-dem-Ohr", "13", "13.20.01", 1.0),
    ("RIC", "Ex-Hörer 312", "312", "13.20.08", 1.0),
    ("RICA", "Ex-Hörer wiederaufladbar", "Li-Ion", "13.20.08", 1.2),
]
MA_LEVELS = [(2, 450), (4, 690), (6, 980), (8, 1290)]
MA_IDO_COLOURS = [("BE", "beige"), ("BR", "braun"), ("SW", "schwarz")]


def _devices(b: _Builder) -> None:
    # Auritec: "Aura 3 HdO links silber", AT-HDO-A3-SI-L
    for level, base in AT_LEVELS:
        for code, form, battery, hmv, factor in AT_FORMS:
            for ccode, colour in AT_COLOURS:
                for side, side_word in SIDES:
                    b.add(
                        f"AT-{code}-A{level}-{ccode}-{side}",
                        f"Aura {level} {form} {side_word} {colour}",
                        AURITEC,
                        {
                            "model": f"Aura {level}",
                            "style": form,
                            "battery": battery,
                            "side": side,
                            "colour": colour,
                            "category": "hearing_system",
                        },
                        base * factor,
                        hmv=hmv,
                        mnr=f"04{level}{len(b.articles):05d}",
                    )
        for style in ("CIC", "IIC", "ITC", "ITE"):
            for ccode, colour in AT_IDO_COLOURS:
                for side, side_word in SIDES:
                    b.add(
                        f"AT-IDO-{style}-A{level}-{ccode}-{side}",
                        f"Aura {level} IdO {style} {side_word} {colour}",
                        AURITEC,
                        {
                            "model": f"Aura {level}",
                            "style": f"IdO {style}",
                            "side": side,
                            "colour": colour,
                            "category": "hearing_system",
                        },
                        base * 1.25,
                        hmv="13.20.03",
                    )
    # Auritec Aura Plus: the newer platform, RIC only — "Aura Plus 5 RIC 312 links silber"
    for level, base in AT_LEVELS[2:]:
        for code, form, battery, hmv, factor in AT_FORMS[2:]:
            for ccode, colour in AT_COLOURS:
                for side, side_word in SIDES:
                    b.add(
                        f"AT-P{code}-A{level}-{ccode}-{side}",
                        f"Aura Plus {level} {form} {side_word} {colour}",
                        AURITEC,
                        {
                            "model": f"Aura Plus {level}",
                            "style": form,
                            "battery": battery,
                            "side": side,
                            "colour": colour,
                            "category": "hearing_system",
                        },
                        base * factor * 1.12,
                        hmv=hmv,
                    )
    # Sonora: "Vivo G5 RIC 312 Hörsystem rechts, Farbe titan", SN-R-G5-TI-R
    for level, base in SN_LEVELS:
        for code, form, battery, hmv, factor in SN_FORMS:
            for ccode, colour in SN_COLOURS:
                for side, side_word in SIDES:
                    b.add(
                        f"SN-{code}-{level}-{ccode}-{side}",
                        f"Vivo {level} {form} Hörsystem {side_word}, Farbe {colour}",
                        SONORA,
                        {
                            "model": f"Vivo {level}",
                            "style": form,
                            "battery": battery,
                            "side": side,
                            "colour": colour,
                            "category": "hearing_system",
                        },
                        base * factor,
                        hmv=hmv,
                        mnr=f"S{level[1]}-{len(b.articles):05d}-{side}",
                    )
        for style in ("IIC", "CIC", "ITC", "ITE"):
            for ccode, colour in SN_IDO_COLOURS:
                for side, side_word in SIDES:
                    b.add(
                        f"SN-I-{style}-{level}-{ccode}-{side}",
                        f"Vivo {level} IdO {style} Hörsystem {side_word}, Farbe {colour}",
                        SONORA,
                        {
                            "model": f"Vivo {level}",
                            "style": f"IdO {style}",
                            "side": side,
                            "colour": colour,
                            "category": "hearing_system",
                        },
                        base * 1.2,
                        hmv="13.20.03",
                    )
    # Klangwerk: "Lumen 2 BTE beige L", KW-L2-BTE-BG-L (colours and styles in English)
    for level, base in KW_LEVELS:
        for code, form, battery, hmv, factor in KW_FORMS:
            for ccode, colour in KW_COLOURS:
                for side, _ in SIDES:
                    b.add(
                        f"KW-L{level}-{code}-{ccode}-{side}",
                        f"Lumen {level} {form} {colour} {side}",
                        KLANGWERK,
                        {
                            "model": f"Lumen {level}",
                            "style": form,
                            "battery": battery,
                            "side": side,
                            "colour": colour,
                            "category": "hearing_system",
                        },
                        base * factor,
                        hmv=hmv,
                        mnr=f"KLW{level}{len(b.articles):06d}",
                    )
        for style in ("CIC", "ITC", "ITE"):
            for ccode, colour in KW_IDO_COLOURS:
                for side, _ in SIDES:
                    b.add(
                        f"KW-L{level}-{style}-{ccode}-{side}",
                        f"Lumen {level} {style} custom {colour} {side}",
                        KLANGWERK,
                        {
                            "model": f"Lumen {level}",
                            "style": style,
                            "side": side,
                            "colour": colour,
                            "category": "hearing_system",
                        },
                        base * 1.2,
                        hmv="13.20.03",
                    )
    # Nordhall: "Fjord 60 HdO re. sand", NH-F60-HDO-SA-R
    for level, base in NH_LEVELS:
        for code, form, battery, hmv, factor in NH_FORMS:
            for ccode, colour in NH_COLOURS:
                for side, short in (("L", "li."), ("R", "re.")):
                    b.add(
                        f"NH-F{level}-{code}-{ccode}-{side}",
                        f"Fjord {level} {form} {short} {colour}",
                        NORDHALL,
                        {
                            "model": f"Fjord {level}",
                            "style": form,
                            "battery": battery,
                            "side": side,
                            "colour": colour,
                            "category": "hearing_system",
                        },
                        base * factor,
                        hmv=hmv,
                    )
    # Meridian: "Pulse 4 Ex-Hörer 312, rechtes Ohr, bronze", MA-P4-RIC-BR-R
    for level, base in MA_LEVELS:
        for code, form, battery, hmv, factor in MA_FORMS:
            for ccode, colour in MA_COLOURS:
                for side, side_word in (("L", "linkes Ohr"), ("R", "rechtes Ohr")):
                    b.add(
                        f"MA-P{level}-{code}-{ccode}-{side}",
                        f"Pulse {level} {form}, {side_word}, {colour}",
                        MERIDIAN,
                        {
                            "model": f"Pulse {level}",
                            "style": form,
                            "battery": battery,
                            "side": side,
                            "colour": colour,
                            "category": "hearing_system",
                        },
                        base * factor,
                        hmv=hmv,
                    )
        for style in ("ITC", "ITE", "CIC"):
            for ccode, colour in MA_IDO_COLOURS:
                for side, side_word in (("L", "linkes Ohr"), ("R", "rechtes Ohr")):
                    b.add(
                        f"MA-P{level}-{style}-{ccode}-{side}",
                        f"Pulse {level} Im-Ohr {style}, {side_word}, {colour}",
                        MERIDIAN,
                        {
                            "model": f"Pulse {level}",
                            "style": f"IdO {style}",
                            "side": side,
                            "colour": colour,
                            "category": "hearing_system",
                        },
                        base * 1.2,
                        hmv="13.20.03",
                    )
    for level, base in NH_LEVELS:
        for style in ("ITE", "ITC", "CIC"):
            for ccode, colour in (("BE", "beige"), ("BR", "braun"), ("DB", "dunkelbraun")):
                for side, short in (("L", "li."), ("R", "re.")):
                    b.add(
                        f"NH-F{level}-{style}-{ccode}-{side}",
                        f"Fjord {level} IdO {style} {short} {colour}",
                        NORDHALL,
                        {
                            "model": f"Fjord {level}",
                            "style": f"IdO {style}",
                            "side": side,
                            "colour": colour,
                            "category": "hearing_system",
                        },
                        base * 1.2,
                        hmv="13.20.03",
                    )
    # CROS transmitters (for single-sided deafness): one per platform, colour and side
    for ccode, colour in AT_COLOURS:
        for side, side_word in SIDES:
            b.add(
                f"AT-CROS-{ccode}-{side}",
                f"Aura CROS Sender RIC {side_word} {colour}",
                AURITEC,
                {
                    "model": "Aura CROS",
                    "style": "RIC",
                    "side": side,
                    "colour": colour,
                    "category": "hearing_system",
                },
                590,
                hmv="13.20.08",
            )
    for ccode, colour in SN_COLOURS:
        for side, side_word in SIDES:
            b.add(
                f"SN-CROS-{ccode}-{side}",
                f"Vivo CROS Sender RIC 312 {side_word}, Farbe {colour}",
                SONORA,
                {
                    "model": "Vivo CROS",
                    "style": "RIC 312",
                    "side": side,
                    "colour": colour,
                    "category": "hearing_system",
                },
                610,
                hmv="13.20.08",
            )
    for ccode, colour in KW_COLOURS:
        for side, _ in SIDES:
            b.add(
                f"KW-CROS-{ccode}-{side}",
                f"Lumen CROS transmitter {colour} {side}",
                KLANGWERK,
                {
                    "model": "Lumen CROS",
                    "style": "RITE",
                    "side": side,
                    "colour": colour,
                    "category": "hearing_system",
                },
                570,
                hmv="13.20.08",
            )


# --- receivers, domes, filters ---------------------------------------------------------------------


def _receivers(b: _Builder) -> None:
    for power, price in (
        ("S", 89),
        ("M", 95),
        ("P", 109),
        ("UP", 129),
    ):  # "Hörer M, Länge 3, rechts"
        for length in range(6):
            for side, side_word in SIDES:
                b.add(
                    f"SN-HR-{power}-{length}-{side}",
                    f"Hörer {power}, Länge {length}, {side_word}",
                    SONORA,
                    {"power": power, "length": str(length), "side": side, "category": "receiver"},
                    price,
                    mnr=f"HR{power}{length}{side}-V",
                )
    for power, price in (
        ("xS", 85),
        ("S", 88),
        ("M", 94),
        ("HP", 119),
    ):  # "Lautsprecher M, Größe 2, links"
        for size in range(6):
            for side, side_word in SIDES:
                b.add(
                    f"AT-LS-{power.upper()}-{size}-{side}",
                    f"Lautsprecher {power}, Größe {size}, {side_word}",
                    AURITEC,
                    {"power": power, "length": str(size), "side": side, "category": "receiver"},
                    price,
                )
    for db, price in (
        (60, 84),
        (85, 92),
        (100, 108),
        (105, 124),
    ):  # "Receiver-Modul 85 dB, Länge 2, R"
        for length in range(6):
            for side, _ in SIDES:
                b.add(
                    f"KW-RM-{db}-{length}-{side}",
                    f"Receiver-Modul {db} dB, Länge {length}, {side}",
                    KLANGWERK,
                    {
                        "power": f"{db} dB",
                        "length": str(length),
                        "side": side,
                        "category": "receiver",
                    },
                    price,
                )
    for code, power, price in (
        ("S", "Standard", 86),
        ("P", "Power", 104),
        ("U", "Ultra Power", 122),
    ):
        for length in range(1, 6):  # "Ex-Hörer Power L3 re."
            for side, short in (("L", "li."), ("R", "re.")):
                b.add(
                    f"NH-EXH-{code}-{length}-{side}",
                    f"Ex-Hörer {power} L{length} {short}",
                    NORDHALL,
                    {"power": power, "length": str(length), "side": side, "category": "receiver"},
                    price,
                )
    for code, power, price in (
        ("ST", "Standard", 90),
        ("PW", "Power", 106),
        ("SP", "SuperPower", 121),
    ):
        for length in range(1, 6):  # "Hörer-Einheit Pulse Power, Länge 4, rechtes Ohr"
            for side, side_word in (("L", "linkes Ohr"), ("R", "rechtes Ohr")):
                b.add(
                    f"MA-HE-{code}-{length}-{side}",
                    f"Hörer-Einheit Pulse {power}, Länge {length}, {side_word}",
                    MERIDIAN,
                    {"power": power, "length": str(length), "side": side, "category": "receiver"},
                    price,
                )


def _domes_filters(b: _Builder) -> None:
    for code, kind in (
        ("O", "offen"),
        ("G", "geschlossen"),
        ("P", "Power"),
    ):  # "Dome offen M, 10 Stück"
        for size in ("S", "M", "L"):
            b.add(
                f"SN-DO-{code}-{size}",
                f"Dome {kind} {size}, 10 Stück",
                SONORA,
                {"dome_type": kind, "size": size, "pack_size": "10", "category": "dome"},
                9.9,
                unit="PA",
            )
    b.add(
        "SN-DO-T",
        "Dome Tulpe, 10 Stück",
        SONORA,
        {"dome_type": "Tulpe", "pack_size": "10", "category": "dome"},
        11.9,
        unit="PA",
    )
    for code, kind in (
        ("V", "vented"),
        ("C", "closed"),
        ("P", "power"),
    ):  # "Click-Dome vented 8 mm, 10 Stück"
        for mm in (6, 8, 10, 12):
            b.add(
                f"AT-CD-{code}-{mm}",
                f"Click-Dome {kind} {mm} mm, 10 Stück",
                AURITEC,
                {"dome_type": kind, "size": f"{mm} mm", "pack_size": "10", "category": "dome"},
                10.5,
                unit="PA",
            )
    for mm in (8, 10, 12):
        b.add(
            f"KW-DD-{mm}",
            f"Doppelschirm {mm} mm, 10 Stück",
            KLANGWERK,
            {"dome_type": "double", "size": f"{mm} mm", "pack_size": "10", "category": "dome"},
            12.4,
            unit="PA",
        )

    b.add(
        "SN-WS-10",
        "Cerumenschutzfilter WaxStop, 10 Stück",
        SONORA,
        {"pack_size": "10", "category": "filter"},
        8.9,
        unit="PA",
        mnr="WS-100-10",
    )
    b.add(
        "AT-CG-8",
        "CeruGuard Lautsprecherfilter, 8 Stück",
        AURITEC,
        {"pack_size": "8", "category": "filter"},
        8.4,
        unit="PA",
    )
    b.add(
        "KW-FF-6",
        "Filterfix Wachsfilter, 6 Stück",
        KLANGWERK,
        {"pack_size": "6", "category": "filter"},
        7.9,
        unit="PA",
    )
    b.add(
        "NH-PT-8",
        "ProTect Wachsschutz, 8 Stück",
        NORDHALL,
        {"pack_size": "8", "category": "filter"},
        8.1,
        unit="PA",
    )
    b.add(
        "AT-MF-10",
        "Mikrofonschutzfilter Aura, 10 Stück",
        AURITEC,
        {"pack_size": "10", "category": "filter"},
        9.6,
        unit="PA",
    )
    b.add(
        "SN-MA-4",
        "Mikrofonabdeckung Vivo, 4 Stück",
        SONORA,
        {"pack_size": "4", "category": "filter"},
        6.9,
        unit="PA",
    )
    b.add(
        "HT-WF-10",
        "Winkelfilter für Tragehaken, 10 Stück",
        HOERTEC,
        {"pack_size": "10", "category": "filter"},
        5.9,
        unit="PA",
    )


# --- tubes, spare parts ------------------------------------------------------------------------------


def _tubes_parts(b: _Builder) -> None:
    for mm in ("1,3", "1,6", "1,8", "2,0", "2,2"):  # "Hörgeräteschlauch 2,0 mm", sold by the metre
        b.add(
            f"HT-SL-{mm.replace(',', '')}",
            f"Hörgeräteschlauch {mm} mm",
            HOERTEC,
            {"size": f"{mm} mm", "category": "tube"},
            4.2,
            unit="MTR",
        )
    b.add(
        "HT-SLV-20",
        "Hörgeräteschlauch 2,0 mm, verstärkt",
        HOERTEC,
        {"size": "2,0 mm", "category": "tube"},
        5.1,
        unit="MTR",
    )
    b.add(
        "HT-SLF-20",
        "Hörgeräteschlauch 2,0 mm, vorgeformt, 10 Stück",
        HOERTEC,
        {"size": "2,0 mm", "pack_size": "10", "category": "tube"},
        6.8,
        unit="PA",
    )
    b.add("HT-LH-3", "Libby-Horn 3 mm", HOERTEC, {"size": "3 mm", "category": "tube"}, 7.5)
    b.add("HT-LH-4", "Libby-Horn 4 mm", HOERTEC, {"size": "4 mm", "category": "tube"}, 7.5)
    for size in range(4):  # "Dünnschlauch 0,9 mm, Größe 2, links"
        for side, side_word in SIDES:
            b.add(
                f"SN-DS-{size}-{side}",
                f"Dünnschlauch 0,9 mm, Größe {size}, {side_word}",
                SONORA,
                {"size": str(size), "side": side, "category": "tube"},
                6.5,
            )
    for size in range(1, 5):  # "SlimTube Gr. 2 rechts"
        for side, side_word in SIDES:
            b.add(
                f"AT-ST-{size}-{side}",
                f"SlimTube Gr. {size} {side_word}",
                AURITEC,
                {"size": str(size), "side": side, "category": "tube"},
                6.9,
            )
    for size in range(1, 4):  # "Thin Tube size 2 L"
        for side, _ in SIDES:
            b.add(
                f"KW-TT-{size}-{side}",
                f"Thin Tube size {size} {side}",
                KLANGWERK,
                {"size": str(size), "side": side, "category": "tube"},
                6.2,
            )

    # battery doors per platform and colour
    for code, form in (("HDO", "HdO"), ("RIC", "RIC 312")):
        for ccode, colour in AT_COLOURS:
            b.add(
                f"AT-BF-{code}-{ccode}",
                f"Batteriefachdeckel Aura {form}, {colour}",
                AURITEC,
                {"colour": colour, "category": "spare_part"},
                14.5,
            )
    for code, form in (("R", "RIC 312"), ("H", "HdO 13")):
        for ccode, colour in SN_COLOURS:
            b.add(
                f"SN-BL-{code}-{ccode}",
                f"Batterielade Vivo {form}, {colour}",
                SONORA,
                {"colour": colour, "category": "spare_part"},
                13.9,
            )
    for code, form in (("BTE", "BTE"), ("RT", "RITE 312")):
        for ccode, colour in KW_COLOURS:
            b.add(
                f"KW-BD-{code}-{ccode}",
                f"Battery door Lumen {form} {colour}",
                KLANGWERK,
                {"colour": colour, "category": "spare_part"},
                12.9,
            )
    for code, form in (("HDO", "HdO"), ("RIC", "RIC")):
        for ccode, colour in NH_COLOURS:
            b.add(
                f"NH-BF-{code}-{ccode}",
                f"Batteriefach Fjord {form} {colour}",
                NORDHALL,
                {"colour": colour, "category": "spare_part"},
                13.5,
            )
    # shells (housing tops) for the RIC platforms, per colour
    for ccode, colour in AT_COLOURS:
        b.add(
            f"AT-GS-RIC-{ccode}",
            f"Gehäuseoberschale Aura RIC, {colour}",
            AURITEC,
            {"colour": colour, "category": "spare_part"},
            24.0,
        )
    for ccode, colour in SN_COLOURS:
        b.add(
            f"SN-GO-R-{ccode}",
            f"Gehäuseoberteil Vivo RIC, {colour}",
            SONORA,
            {"colour": colour, "category": "spare_part"},
            22.0,
        )
    # ear hooks
    for code, kind in (("STD", "Standard"), ("FIL", "gefiltert"), ("KI", "Kinder")):
        b.add(
            f"AT-TH-{code}",
            f"Tragehaken Aura HdO, {kind}",
            AURITEC,
            {"category": "spare_part"},
            9.5,
        )
    b.add("AT-TH-SP", "Tragehaken Aura HdO SP, Standard", AURITEC, {"category": "spare_part"}, 9.5)
    b.add(
        "SN-WK-T",
        "Winkel Vivo HdO 13, transparent",
        SONORA,
        {"colour": "transparent", "category": "spare_part"},
        8.9,
    )
    b.add(
        "SN-WK-UP",
        "Winkel Vivo HdO UP 675, transparent",
        SONORA,
        {"colour": "transparent", "category": "spare_part"},
        9.9,
    )
    b.add("KW-EH-STD", "Earhook Lumen BTE, standard", KLANGWERK, {"category": "spare_part"}, 8.5)
    b.add("KW-EH-MINI", "Earhook Lumen BTE, mini", KLANGWERK, {"category": "spare_part"}, 8.5)
    b.add("NH-TH", "Tragehaken Fjord HdO", NORDHALL, {"category": "spare_part"}, 9.2)


# --- earmolds and lab material -----------------------------------------------------------------------

EARMOLD_STYLES = [
    ("VS", "Vollschale"),
    ("HS", "Halbschale"),
    ("KR", "Kralle"),
    ("SK", "Skelett"),
    ("GG", "Gehörgangsteil"),
    ("EX", "Ex-Hörer-Schale"),
]
EARMOLD_MATERIALS = [
    ("AC", "Acryl", 38),
    ("S40", "Silikon 40 Shore", 46),
    ("S60", "Silikon 60 Shore", 46),
    ("TP", "Thermoplast", 52),
    ("FP", "Fotoplast", 49),
]


def _earmolds(b: _Builder) -> None:
    for scode, style in EARMOLD_STYLES:  # "Ohrpassstück Vollschale Acryl", custom made, no GTIN
        for mcode, material, price in EARMOLD_MATERIALS:
            b.add(
                f"OP-{scode}-{mcode}",
                f"Ohrpassstück {style} {material}",
                OHRFORM,
                {"style": style, "material": material, "category": "earmold"},
                price,
                gtin=False,
            )
    b.add(
        "OP-GS-15",
        "Gehörschutz-Otoplastik Silikon, Filter 15 dB",
        OHRFORM,
        {"material": "Silikon", "category": "earmold"},
        79,
        gtin=False,
    )
    b.add(
        "OP-GS-25",
        "Gehörschutz-Otoplastik Silikon, Filter 25 dB",
        OHRFORM,
        {"material": "Silikon", "category": "earmold"},
        79,
        gtin=False,
    )
    b.add(
        "OP-SW",
        "Schwimmschutz Silikon, schwimmfähig",
        OHRFORM,
        {"material": "Silikon", "category": "earmold"},
        59,
        gtin=False,
    )
    b.add(
        "OP-REP",
        "Reparatur Ohrpassstück, Neulackierung",
        OHRFORM,
        {"category": "earmold"},
        18,
        gtin=False,
    )
    # lab material
    b.add(
        "OP-AM-40",
        "Abformmasse Silikon Shore A 40, 2 × 50 ml",
        OHRFORM,
        {"material": "Silikon", "category": "lab_material"},
        24.9,
        gtin=False,
        unit="PA",
    )
    b.add(
        "OP-AM-70",
        "Abformmasse Silikon Shore A 70, 2 × 50 ml",
        OHRFORM,
        {"material": "Silikon", "category": "lab_material"},
        24.9,
        gtin=False,
        unit="PA",
    )
    b.add(
        "OP-OB",
        "Otoblock Schaumstoff mit Faden, 50 Stück",
        OHRFORM,
        {"pack_size": "50", "category": "lab_material"},
        16.5,
        gtin=False,
        unit="PA",
    )
    b.add(
        "OP-MK-48",
        "Mischkanülen, 48 Stück",
        OHRFORM,
        {"pack_size": "48", "category": "lab_material"},
        14.9,
        gtin=False,
        unit="PA",
    )
    b.add("OP-AP", "Abformpistole 1:1", OHRFORM, {"category": "lab_material"}, 39.0, gtin=False)
    b.add(
        "OP-UV",
        "UV-Lack für Otoplastiken, 10 ml",
        OHRFORM,
        {"category": "lab_material"},
        19.9,
        gtin=False,
    )
    b.add(
        "OP-ACP", "Acrylat-Pulver, 100 g", OHRFORM, {"category": "lab_material"}, 29.0, gtin=False
    )
    b.add(
        "OP-ACF",
        "Acrylat-Flüssigkeit, 100 ml",
        OHRFORM,
        {"category": "lab_material"},
        27.0,
        gtin=False,
    )


# --- batteries, power, remotes, care -----------------------------------------------------------------

BATTERIES = [
    ("10", "gelb", "PR70"),
    ("312", "braun", "PR41"),
    ("13", "orange", "PR48"),
    ("675", "blau", "PR44"),
]


def _power_remote_care(b: _Builder) -> None:
    for size, colour, iec in BATTERIES:  # "Zink-Luft-Batterie 312, 6 Stück"
        b.add(
            f"VT-{size}-6",
            f"Zink-Luft-Batterie {size}, 6 Stück",
            VOLTARA,
            {
                "battery_size": size,
                "colour_code": colour,
                "iec": iec,
                "pack_size": "6",
                "category": "battery",
            },
            3.2,
            unit="PA",
            mnr=f"V{size}-{iec}",
        )
    b.add(
        "VT-TEST", "Batterietester für Zink-Luft-Batterien", VOLTARA, {"category": "battery"}, 12.9
    )
    b.add("AT-CHG", "Ladestation Aura RIC Akku", AURITEC, {"category": "charger"}, 149)
    b.add("AT-PB", "Powerbank für Ladestation Aura", AURITEC, {"category": "charger"}, 89)
    b.add("SN-CHG", "Vivo Ladegerät induktiv", SONORA, {"category": "charger"}, 139)
    b.add("KW-CHG", "Lumen Charger Li-Ion", KLANGWERK, {"category": "charger"}, 129)
    b.add("KW-ACC", "Ersatzakku Lumen RITE Li-Ion", KLANGWERK, {"category": "charger"}, 59)
    b.add("MA-LS", "Pulse Ladeschale", MERIDIAN, {"category": "charger"}, 119)

    b.add("AT-RC", "Fernbedienung Aura RC-1", AURITEC, {"category": "remote"}, 169, hmv="13.99.01")
    b.add("AT-TV", "TV-Streamer Aura", AURITEC, {"category": "remote"}, 229, hmv="13.99.02")
    b.add("AT-TC", "Telefonclip Aura", AURITEC, {"category": "remote"}, 179)
    b.add("SN-RC", "Vivo Remote Fernbedienung", SONORA, {"category": "remote"}, 159, hmv="13.99.01")
    b.add("SN-TV", "Vivo TV Connector", SONORA, {"category": "remote"}, 239, hmv="13.99.02")
    b.add("SN-PM", "Vivo Partnermikrofon", SONORA, {"category": "remote"}, 259)
    b.add("KW-RC", "Lumen Remote Control", KLANGWERK, {"category": "remote"}, 149)
    b.add("KW-MIC", "Lumen Mini Microphone", KLANGWERK, {"category": "remote"}, 249)
    b.add("NH-FB2", "Fjord Fernbedienung FB-2", NORDHALL, {"category": "remote"}, 139)

    care = [
        ("AC-RT-25", "Reinigungstücher", {"pack_size": "25"}, 4.9, "PA"),
        ("AC-TK-6", "Trockenkapseln", {"pack_size": "6"}, 6.9, "PA"),
        ("AC-RS-30", "Reinigungsspray 30 ml", {}, 7.5, "C62"),
        (
            "AC-TAB-20",
            "Reinigungstabletten für Otoplastiken, 20 Stück",
            {"pack_size": "20"},
            8.9,
            "PA",
        ),
        ("AC-RB", "Reinigungsbürste mit Magnet", {}, 3.9, "C62"),
        ("AC-TBE", "Trockenbox elektrisch mit UV-C", {}, 69.0, "C62"),
        ("AC-TBC", "Trockenbecher mit Deckel", {}, 9.9, "C62"),
        ("AC-BB", "Schlauchpuster (Blasebalg)", {}, 5.9, "C62"),
        (
            "AC-RF",
            "Reinigungsfaden für Belüftungsbohrungen, 30 Stück",
            {"pack_size": "30"},
            5.5,
            "PA",
        ),
        ("AC-SS", "Sicherungsschnur Kinder, mit Clip", {}, 7.9, "C62"),
        ("AC-PS", "Pflegeset Hörsystem", {}, 19.9, "C62"),
        ("AC-US", "Ultraschall-Reinigungsgerät", {}, 89.0, "C62"),
        ("AC-OTO", "Otoskop LED", {}, 79.0, "C62"),
        (
            "AC-ET-25",
            "Einmaltrichter 2,5 mm, 100 Stück",
            {"size": "2,5 mm", "pack_size": "100"},
            12.9,
            "PA",
        ),
        (
            "AC-ET-4",
            "Einmaltrichter 4 mm, 100 Stück",
            {"size": "4 mm", "pack_size": "100"},
            12.9,
            "PA",
        ),
        ("AC-BWH", "Batteriewechselhilfe Magnetstift", {}, 4.5, "C62"),
        ("AC-SH-10", "Schweißschutzhülle HdO, 10 Stück", {"pack_size": "10"}, 9.5, "PA"),
    ]
    for number, text, attrs, price, unit in care:
        b.add(number, text, AUDICLEAN, {**attrs, "category": "care"}, price, unit=unit)


@lru_cache(maxsize=1)
def _base() -> tuple[dict, ...]:
    b = _Builder()
    _devices(b)
    _receivers(b)
    _domes_filters(b)
    _tubes_parts(b)
    _earmolds(b)
    _power_remote_care(b)
    return tuple(b.articles)


def catalog() -> list[dict]:
    """The labelled base catalog (fresh copies: callers may mutate them)."""
    return [{**a, "attributes": dict(a["attributes"])} for a in _base()]


def by_number() -> dict[str, dict]:
    return {a["partner_article_number"]: a for a in _base()}


# --- scaling ---------------------------------------------------------------------------------------

# Distractor brands and model syllables: none of them is a word of the labelled queries, and the
# article numbers start with "X" + two letters, which no labelled fragment contains.
_BRANDS = [
    "Belcora",
    "Dalvena",
    "Fenwick",
    "Garrion",
    "Holvig",
    "Jessara",
    "Kestrel",
    "Morvane",
    "Nalido",
    "Quoran",
    "Rendal",
    "Tavik",
    "Ulmero",
    "Wendra",
    "Yssel",
    "Zorvik",
]
_SYL = [
    "ba",
    "ce",
    "do",
    "fi",
    "gu",
    "ha",
    "ki",
    "lo",
    "me",
    "ni",
    "po",
    "ru",
    "se",
    "ta",
    "vi",
    "xo",
    "ze",
]
_D_FORMS = [("HD", "HdO"), ("RI", "RIC 312"), ("RA", "RIC Akku"), ("BT", "BTE"), ("IT", "ITE")]
_D_COLOURS = ["beige", "silber", "schwarz", "anthrazit", "sand", "titan", "braun", "graphit"]


def _distractor_families() -> Iterator[Iterator[dict]]:
    family = 0
    while True:
        brand = _BRANDS[family % len(_BRANDS)]
        k = family // len(_BRANDS)
        model = (
            _SYL[k % 17] + _SYL[(k // 17) % 17] + _SYL[(k // 289) % 17]
        ).capitalize() + f" {10 + family % 90}"
        code = f"X{brand[:2].upper()}{family:06d}"
        yield _distractor_family(brand, model, code)
        family += 1


def _distractor_family(brand: str, model: str, code: str) -> Iterator[dict]:
    maker = f"{brand} Audio"
    n = 0
    for fcode, form in _D_FORMS:
        for c, colour in enumerate(_D_COLOURS):
            for side, side_word in SIDES:
                n += 1
                yield {
                    "partner_article_number": f"{code}-{fcode}{c}{side}",
                    "gtin": None,
                    "hmv_number": None,
                    "manufacturer_article_number": "",
                    "manufacturer_name": maker,
                    "short_description": f"{brand} {model} {form} {side_word} {colour}",
                    "attributes": {
                        "model": model,
                        "style": form,
                        "side": side,
                        "colour": colour,
                        "category": "hearing_system",
                    },
                    "order_unit": "C62",
                    "price": _price(700, f"{code}{n}"),
                }
    for c, colour in enumerate(_D_COLOURS):
        yield {
            "partner_article_number": f"{code}-GH{c}",
            "gtin": None,
            "hmv_number": None,
            "manufacturer_article_number": "",
            "manufacturer_name": maker,
            "short_description": f"Gehäuse {brand} {model}, {colour}",
            "attributes": {"colour": colour, "category": "spare_part"},
            "order_unit": "C62",
            "price": _price(22, f"{code}GH{c}"),
        }
    for suffix, text in (
        ("LS", f"Ladeschale {brand} {model}"),
        ("FB", f"Fernsteuerung {brand} {model}"),
        ("TH", f"Ohrhaken {brand} {model}"),
    ):
        yield {
            "partner_article_number": f"{code}-{suffix}",
            "gtin": None,
            "hmv_number": None,
            "manufacturer_article_number": "",
            "manufacturer_name": maker,
            "short_description": text,
            "attributes": {"category": "accessory"},
            "order_unit": "C62",
            "price": _price(90, code + suffix),
        }


def scaled_catalog(n: int) -> Iterator[dict]:
    """The base catalog, then distractor families until ``n`` articles (never fewer than the base)."""
    produced = 0
    for article in catalog():
        yield article
        produced += 1
    if produced >= n:
        return
    for family in _distractor_families():
        for article in family:
            yield article
            produced += 1
            if produced >= n:
                return


if __name__ == "__main__":  # a quick look: python -m bench.relevance.catalog
    from collections import Counter

    arts = catalog()
    print(len(arts), "articles")
    print(Counter(a["attributes"].get("category") for a in arts))
