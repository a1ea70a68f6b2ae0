"""A deterministic, realistic hearing-acoustics catalog of any size (demo data, tests, benchmarks).

``generate_catalog("SN", 5000)`` yields 5,000 :class:`CatalogArticle` items the way a hearing-aid
manufacturer's catalog looks: hearing aids in every style, side and colour, receivers, domes,
custom earmolds and lab material, batteries and accessories — with German descriptions, valid
GTIN-13s, HMV numbers for hearing aids and assistive listening accessories, manufacturer article
numbers, EUR net prices and about 2 % discontinued articles.

Article numbers follow readable patterns so demo practice data can reference real articles
(``{P}`` is the prefix, 1–4 characters)::

    {P}-HA-{MODEL}-{STYLE}-{SIDE}-{COLOUR}   SN-HA-AURA7-RIC-R-BEIGE, SN-HA-NOVA5G2-BTEP-L-SILBER
    {P}-R-{POWER}-{LENGTH}-{SIDE}            SN-R-M-3-R         receiver, generation 1
    {P}-R-G{N}-{POWER}-{LENGTH}-{SIDE}       SN-R-G2-HP-0-L     receiver, generation N >= 2
    {P}-D-{TYPE}-{SIZE}                      SN-D-OPEN-M        domes, pack of 10
    {P}-OTO-{MATERIAL}-{SHAPE}-{SIDE}        SN-OTO-SIL-SCHALE-R custom earmold
    {P}-MAT-{CODE}                           SN-MAT-ABF-SOFT    earmold lab material
    {P}-BAT-{SIZE}-{PACK}                    SN-BAT-312-60      batteries
    {P}-ACC-{CODE}                           SN-ACC-TV          accessories

MODEL is the series name and technology level (3/5/7/9), with ``G{N}`` appended from the second
platform generation on; STYLE is RIC, BTE, BTEP (power BTE), ITE or CIC; SIDE L or R; COLOUR
BEIGE, SILBER, GRAPHIT, SCHWARZ, SAND, BRAUN, WEISS, TITAN (ITE/CIC: BEIGE, BRAUN, SCHWARZ).
POWER is S, M, P, HP; LENGTH 0–5; dome TYPE OPEN, CLOSED, POWER; SIZE S, M, L.

**Variants** (issue 17): a hearing aid's variants are the articles of one ``model`` (style ×
side × colour, each with its battery); receivers and domes carry a ``receiver_family``
(``G{N}``, the platform generation): a RIC hearing aid of generation N takes the receivers of
family ``G{N}`` (power × length × side), and the domes (type × size) fit family ``G1`` only, so
a generation-2 device asks for its own domes. ``orderhub.catalog.variants`` checks a line's
options against exactly this structure.

The sequence does not depend on ``size``: a smaller catalog is a prefix of a larger one, so
``SN-HA-AURA7-RIC-R-BEIGE`` exists in every catalog with at least a few dozen articles.
Article numbers, GTINs and HMV numbers depend only on prefix and position; prices and the
discontinued flag also depend on ``seed``. HMV numbers are well-formed but fictional.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import zlib
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from itertools import count

from .bmecat.writer import write_bmecat
from .catalog import CatalogArticle, CatalogHeader
from .catalog_csv import write_csv
from .identifiers import gtin_with_check_digit

__all__ = ["DEFAULT_MANUFACTURER", "MAX_SIZE", "catalog_header", "generate_catalog", "main"]

DEFAULT_MANUFACTURER = "Sonora Hörsysteme GmbH"
#: GTINs are 400 + 3-digit company + 6-digit item number, so one prefix holds a million.
MAX_SIZE = 1_000_000
DISCONTINUED_SHARE = 0.02

_PREFIX = re.compile(r"[A-Z0-9]{1,4}")
_CENT = Decimal("0.01")

SERIES = [
    "AURA",
    "NOVA",
    "VITA",
    "LUMA",
    "ORA",
    "ZEN",
    "ECHO",
    "FLOW",
    "ARIA",
    "SOLA",
    "MIRA",
    "TERA",
]
LEVELS = [3, 5, 7, 9]
LEVEL_PRICES = {3: 420, 5: 690, 7: 1040, 9: 1480}

# style code: (attribute style, name, long name, price factor, HMV subgroup, colours core/more)
_EAR_COLOURS = (["BEIGE", "SILBER"], ["GRAPHIT", "SCHWARZ", "SAND", "BRAUN", "WEISS", "TITAN"])
_SHELL_COLOURS = (["BEIGE"], ["BRAUN", "SCHWARZ"])
STYLES = {
    "RIC": ("RIC", "RIC", "Ex-Hörer-Hörsystem (RIC)", 1.00, "03", _EAR_COLOURS),
    "BTE": ("BTE", "HdO", "Hinter-dem-Ohr-Hörsystem (HdO)", 0.95, "01", _EAR_COLOURS),
    "BTEP": ("BTE", "HdO", "Hinter-dem-Ohr-Power-Hörsystem (HdO)", 1.05, "05", _EAR_COLOURS),
    "ITE": (
        "ITE",
        "IdO",
        "Im-Ohr-Hörsystem (IdO), individuell gefertigt",
        1.15,
        "02",
        _SHELL_COLOURS,
    ),
    "CIC": (
        "CIC",
        "CIC",
        "Im-Kanal-Hörsystem (CIC), individuell gefertigt",
        1.25,
        "04",
        _SHELL_COLOURS,
    ),
}
COLOUR_NAMES = {
    "BEIGE": "beige",
    "SILBER": "silber",
    "GRAPHIT": "graphit",
    "SCHWARZ": "schwarz",
    "SAND": "sand",
    "BRAUN": "braun",
    "WEISS": "weiß",
    "TITAN": "titan",
}
SIDES = {"L": ("links", "linke"), "R": ("rechts", "rechte")}

RECEIVER_POWERS = {
    "S": ("Standard", 48),
    "M": ("Medium", 52),
    "P": ("Power", 58),
    "HP": ("High Power", 64),
}
DOME_TYPES = {  # code: (name, price, dome_type)
    "OPEN": ("offen", 9.90, "open"),
    "CLOSED": ("geschlossen", 10.50, "closed"),
    "POWER": ("Power (doppelt)", 12.50, "power"),
}
EARMOLD_MATERIALS = {
    "ACR": ("Acryl, hart", 39),
    "SIL": ("Silikon, weich", 49),
    "THERMO": ("Thermoplast", 59),
}
EARMOLD_SHAPES = {
    "SCHALE": ("Vollschale", 1.0),
    "HALB": ("Halbschale", 0.95),
    "KRALLE": ("Kralle", 0.9),
    "CANAL": ("Gehörgangsstück", 0.85),
}
LAB_MATERIALS = [
    ("ABF-SOFT", "Abformmasse Silikon weich, 2 Kartuschen à 50 ml", 34.50),
    ("ABF-MEDIUM", "Abformmasse Silikon mittel, 2 Kartuschen à 50 ml", 34.50),
    ("ABF-HARD", "Abformmasse Silikon hart, 2 Kartuschen à 50 ml", 36.00),
    ("TAMP-S", "Ohrtamponaden Größe S, 100 Stück", 14.90),
    ("TAMP-M", "Ohrtamponaden Größe M, 100 Stück", 14.90),
    ("SCHL-20", "Otoplastik-Schlauch 2,0 mm, 10 m", 11.20),
    ("SCHL-25", "Otoplastik-Schlauch 2,5 mm, 10 m", 11.20),
    ("LACK", "Otoplastik-Schutzlack, 15 ml", 18.60),
]
BATTERIES = {
    "10": ("gelb", 2.10),
    "312": ("braun", 2.10),
    "13": ("orange", 2.20),
    "675": ("blau", 2.40),
}
BATTERY_PACKS = [6, 60]
# code, description, net price, HMV number or None, battery size or None
ACCESSORIES = [
    ("LADER-RIC", "Ladeschale für Ex-Hörer-Hörsysteme (Akku)", 129.00, None, "rechargeable"),
    ("LADER-BTE", "Ladeschale für HdO-Hörsysteme (Akku)", 129.00, None, "rechargeable"),
    ("LADER-MOBIL", "Mobiles Ladeetui mit integriertem Akku", 179.00, None, "rechargeable"),
    ("TV", "TV-Streamer für Hörsysteme, Bluetooth", 219.00, "1399010001", None),
    ("MIC", "Partnermikrofon, drahtlos", 249.00, "1399010002", None),
    ("FB", "Fernbedienung für Hörsysteme", 89.00, None, None),
    ("TEL", "Telefonadapter Festnetz", 159.00, "1399010003", None),
    ("FILTER", "Cerumenschutzfilter, 8 Stück", 6.90, None, None),
    ("FILTER-R", "Cerumenschutz für Ex-Hörer, 8 Stück", 7.40, None, None),
    ("REIN-TUCH", "Reinigungstücher, 100 Stück", 8.20, None, None),
    ("REIN-SPRAY", "Reinigungsspray, 30 ml", 7.90, None, None),
    ("REIN-BUERSTE", "Reinigungsbürste mit Magnet", 3.40, None, None),
    ("TROCKEN", "Elektrische Trockenbox mit UV-Licht", 59.00, None, None),
    ("TROCKEN-KAPSEL", "Trockenkapseln, 6 Stück", 9.60, None, None),
    ("PFLEGESET", "Pflegeset für Hörsysteme", 24.90, None, None),
    ("ETUI", "Aufbewahrungsetui, Hartschale", 12.50, None, None),
    ("SCHUTZ", "Sportschutz-Sleeve, 2 Stück", 14.80, None, None),
    ("BATTEST", "Batterietester", 11.90, None, None),
]

# Share of each family in a large catalog (smooth weighted round robin; finite families drop
# out once every variant was produced).
FAMILY_WEIGHTS = {"HA": 55, "R": 15, "OTO": 6, "D": 5, "MAT": 3, "BAT": 4, "ACC": 12}
# First two digits of manufacturer article numbers, per family.
FAMILY_NUMBERS = {"HA": 10, "R": 20, "D": 30, "OTO": 40, "MAT": 45, "BAT": 50, "ACC": 60}


def _unit(seed: int, key: str) -> float:
    """A reproducible number in [0, 1) for ``key`` (independent of iteration order)."""
    digest = hashlib.blake2b(f"{seed}\x00{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _price(base: float, seed: int, key: str, spread: float = 0.04) -> Decimal:
    factor = 1 + spread * (2 * _unit(seed, "price" + key) - 1)
    return Decimal(str(base * factor)).quantize(_CENT, rounding=ROUND_HALF_UP)


# Each family yields (family, number suffix, short, long, attributes, base price, hmv).
_FamilyItem = tuple[str, str, str, str, dict[str, str], float, str | None]


def _hearing_aids() -> Iterator[_FamilyItem]:
    for generation in count(1):
        for core in (True, False):
            for series_index, series in enumerate(SERIES):
                for level_index, level in enumerate(LEVELS):
                    gen = "" if generation == 1 else f"G{generation}"
                    code = f"{series}{level}{gen}"
                    ordinal = (
                        ((generation - 1) * len(SERIES) + series_index) * len(LEVELS)
                        + level_index
                        + 1
                    )
                    name = f"{series.title()} {level}" + (f" G{generation}" if gen else "")
                    for style_code, (
                        style,
                        short_style,
                        long_style,
                        factor,
                        subgroup,
                        colours,
                    ) in STYLES.items():
                        hmv = f"1320{subgroup}{ordinal % 10000:04d}"
                        model = name + (" Power" if style_code == "BTEP" else "")
                        battery = (
                            "rechargeable"
                            if style_code == "RIC" and level >= 7
                            else {
                                "RIC": "312",
                                "BTE": "13",
                                "BTEP": "675",
                                "ITE": "312",
                                "CIC": "10",
                            }[style_code]
                        )
                        battery_text = (
                            "Lithium-Ionen-Akku"
                            if battery == "rechargeable"
                            else f"Batteriegröße {battery}"
                        )
                        for side, (side_short, side_long) in SIDES.items():
                            for colour in colours[0] if core else colours[1]:
                                colour_name = COLOUR_NAMES[colour]
                                yield (
                                    "HA",
                                    f"HA-{code}-{style_code}-{side}-{colour}",
                                    f"Hörsystem {model} {short_style}, {side_short}, {colour_name}",
                                    f"{long_style} der Serie {series.title()}, "
                                    f"Technologiestufe {level}"
                                    + (f", Plattform-Generation {generation}" if gen else "")
                                    + f". Für das {side_long} Ohr, Farbe {colour_name}. "
                                    f"{battery_text}.",
                                    {
                                        "model": model,
                                        "style": style,
                                        "side": side,
                                        "colour": colour_name,
                                        "battery_size": battery,
                                        "category": "hearing_aid",
                                        **(
                                            {"receiver_family": f"G{generation}"}
                                            if style == "RIC"
                                            else {}
                                        ),
                                    },
                                    LEVEL_PRICES[level]
                                    * factor
                                    * (1 + 0.03 * min(generation - 1, 5)),
                                    hmv,
                                )


def _receivers() -> Iterator[_FamilyItem]:
    for generation in count(1):
        gen = "" if generation == 1 else f"G{generation}-"
        for power, (power_name, base) in RECEIVER_POWERS.items():
            for length in range(6):
                for side, (side_short, side_long) in SIDES.items():
                    label = "Hörer" + (f" G{generation}" if gen else "")
                    yield (
                        "R",
                        f"R-{gen}{power}-{length}-{side}",
                        f"{label} {power}, Länge {length}, {side_short}",
                        f"Ex-Hörer Leistungsstufe {power_name} ({power}), Kabellänge {length}, "
                        f"für das {side_long} Ohr. Für Ex-Hörer-Hörsysteme der "
                        f"Plattform-Generation {generation}.",
                        {
                            "receiver_power": power,
                            "receiver_length": str(length),
                            "receiver_family": f"G{generation}",
                            "side": side,
                            "category": "receiver",
                        },
                        base + 1.5 * length,
                        None,
                    )


def _domes() -> Iterator[_FamilyItem]:
    for dome, (name, base, dome_type) in DOME_TYPES.items():
        for size in ("S", "M", "L"):
            yield (
                "D",
                f"D-{dome}-{size}",
                f"Dome {name}, Größe {size}, 10 Stück",
                f"Schirmchen (Dome) {name} für Ex-Hörer und Slim-Tube, Größe {size}, "
                "Packung mit 10 Stück.",
                {
                    "dome_type": dome_type,
                    "dome_size": size,
                    "receiver_family": "G1",
                    "category": "dome",
                },
                base,
                None,
            )


def _earmolds() -> Iterator[_FamilyItem]:
    for material, (material_name, base) in EARMOLD_MATERIALS.items():
        for shape, (shape_name, factor) in EARMOLD_SHAPES.items():
            for side, (side_short, side_long) in SIDES.items():
                yield (
                    "OTO",
                    f"OTO-{material}-{shape}-{side}",
                    f"Otoplastik {shape_name}, {material_name.split(',')[0]}, {side_short}",
                    f"Individuelle Otoplastik ({shape_name}) aus {material_name}, für das "
                    f"{side_long} Ohr. Fertigung nach Abformung.",
                    {"side": side, "category": "earmold"},
                    base * factor,
                    None,
                )


def _lab_materials() -> Iterator[_FamilyItem]:
    for code, text, base in LAB_MATERIALS:
        yield ("MAT", f"MAT-{code}", text, text + ".", {"category": "earmold_material"}, base, None)


def _batteries() -> Iterator[_FamilyItem]:
    for pack in BATTERY_PACKS:
        for size, (tab, base) in BATTERIES.items():
            yield (
                "BAT",
                f"BAT-{size}-{pack}",
                f"Zink-Luft-Batterie {size}, {pack} Stück",
                f"Hörgerätebatterie Zink-Luft Größe {size} (Farbcode {tab}), 1,45 V, "
                f"Packung mit {pack} Stück.",
                {"battery_size": size, "category": "battery"},
                base * (pack / 6) * (0.85 if pack == 60 else 1.0),
                None,
            )


def _accessories() -> Iterator[_FamilyItem]:
    for code, text, base, hmv, battery in ACCESSORIES:
        attributes = {"category": "accessory"}
        if battery:
            attributes["battery_size"] = battery
        yield ("ACC", f"ACC-{code}", text, text + ".", attributes, base, hmv)


def _interleaved() -> Iterator[_FamilyItem]:
    """Smooth weighted round robin over the families, independent of the requested size."""
    families = {
        "HA": _hearing_aids(),
        "R": _receivers(),
        "OTO": _earmolds(),
        "D": _domes(),
        "MAT": _lab_materials(),
        "BAT": _batteries(),
        "ACC": _accessories(),
    }
    current = {name: 0 for name in families}
    while families:
        total = sum(FAMILY_WEIGHTS[name] for name in families)
        for name in families:
            current[name] += FAMILY_WEIGHTS[name]
        chosen = max(families, key=lambda name: current[name])
        current[chosen] -= total
        try:
            yield next(families[chosen])
        except StopIteration:
            del families[chosen]
            del current[chosen]


def catalog_header(
    prefix: str, size: int, manufacturer: str = DEFAULT_MANUFACTURER
) -> CatalogHeader:
    """The header used when a generated catalog is written as BMEcat."""
    return CatalogHeader(
        transaction="T_NEW_CATALOG",
        catalog_id=f"{prefix}-{size}"[:20],
        catalog_version="1.0",
        supplier_name=manufacturer[:50],
        format_version="2005",
    )


def generate_catalog(
    prefix: str,
    size: int,
    *,
    seed: int = 0,
    manufacturer: str = DEFAULT_MANUFACTURER,
) -> Iterator[CatalogArticle]:
    """Yield ``size`` deterministic articles with partner article numbers ``{prefix}-...``."""
    prefix = prefix.upper()
    if not _PREFIX.fullmatch(prefix):
        raise ValueError(
            "prefix must be 1 to 4 letters or digits (article numbers have at "
            "most 32 characters in BMEcat)"
        )
    if not 0 <= size <= MAX_SIZE:
        raise ValueError(f"size must be between 0 and {MAX_SIZE}")
    company = f"{zlib.crc32(prefix.encode()) % 1000:03d}"
    for index, (family, suffix, short, long, attributes, base, hmv) in zip(
        range(size), _interleaved()
    ):
        number = f"{prefix}-{suffix}"
        price = _price(base, seed, number)
        yield CatalogArticle(
            partner_article_number=number,
            short_description=short,
            long_description=long,
            gtin="0" + gtin_with_check_digit(f"400{company}{index:06d}"),
            hmv_number=hmv,
            manufacturer_article_number=f"{FAMILY_NUMBERS[family]}-{index:06d}",
            manufacturer_name=manufacturer,
            order_unit="C62",
            price=price,
            price_amount=price,
            price_type="net_list",
            currency="EUR",
            attributes=dict(attributes),
            status="discontinued" if _unit(seed, number) < DISCONTINUED_SHARE else "active",
            mode="new",
            line=None,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orderhub.formats.catalog_generator",
        description="Write a deterministic hearing-acoustics catalog as BMEcat 2005 or CSV.",
    )
    parser.add_argument("--prefix", default="SN", help="article number prefix (1-4 characters)")
    parser.add_argument("--size", type=int, default=1000, help="number of articles")
    parser.add_argument("--seed", type=int, default=0, help="varies prices and discontinued")
    parser.add_argument("--manufacturer", default=DEFAULT_MANUFACTURER)
    parser.add_argument("--format", choices=("bmecat", "csv"), default="bmecat")
    parser.add_argument("--delimiter", default=";", help="CSV delimiter (default ;)")
    parser.add_argument("--encoding", default="utf-8", help="CSV encoding (default utf-8)")
    parser.add_argument("out", help="output file, - for stdout")
    args = parser.parse_args(argv)

    try:
        articles = generate_catalog(
            args.prefix, args.size, seed=args.seed, manufacturer=args.manufacturer
        )
        # Fail on a bad prefix/size before an output file is created.
        first = next(articles, None)
    except ValueError as exc:
        parser.error(str(exc))

    def all_articles() -> Iterator[CatalogArticle]:
        if first is not None:
            yield first
            yield from articles

    out = sys.stdout.buffer if args.out == "-" else open(args.out, "wb")
    try:
        if args.format == "bmecat":
            written = write_bmecat(
                catalog_header(args.prefix.upper(), args.size, args.manufacturer),
                all_articles(),
                out,
            )
        else:
            written = write_csv(
                all_articles(), out, delimiter=args.delimiter, encoding=args.encoding
            )
    finally:
        if out is not sys.stdout.buffer:
            out.close()
        else:
            out.flush()
    print(f"{written} articles written", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
