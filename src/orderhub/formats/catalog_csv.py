"""CSV catalogs: a streaming reader and a writer for exports.

Partners export catalogs from Excel or their ERP: semicolon- or comma-separated, UTF-8 (with or
without BOM) or Windows-1252, German or English column names, German or English decimal
prices. The reader accepts all of these and streams row by row; the column names it knows are
listed in ``docs/catalog-formats.md`` and in ``COLUMN_ALIASES`` below.

Encoding is decided line by line while streaming: strict UTF-8 first, Windows-1252 as the
fallback, and once a line needed Windows-1252 the rest of the file is read as Windows-1252. A
single Windows-1252 umlaut or ß between ASCII characters is never a valid UTF-8 sequence, so real
files of either kind decode correctly. The one ambiguity is the reader's rule: a line *before* the
first Windows-1252-only line whose bytes also form valid UTF-8 (a capital letter À–ô directly
followed by a character among € ‚ ƒ … ¿, e.g. "Ã¤" — itself the look of mojibake, not German
text) is read as UTF-8. A line whose bytes are valid in neither is a fatal "wrong encoding"
error with its line number.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any, BinaryIO

from . import catalog_messages
from .catalog import (
    ATTRIBUTE_KEYS,
    CatalogArticle,
    CatalogHeader,
    ImportIssue,
    _name_key,
    attribute_key,
    normalize_attribute_value,
    parse_price,
    parse_status,
    price_type_rank,
    unit_price,
)
from .catalog_messages import Report as _Issue
from .identifiers import InvalidIdentifier, normalize_gtin, normalize_hmv
from .units import unit_code

__all__ = [
    "COLUMN_ALIASES",
    "CSV_COLUMNS",
    "iter_csv",
    "neutralize_csv_cell",
    "write_csv",
]

#: Longest physical line accepted; protects memory against files without line breaks.
MAX_LINE_BYTES = 1 << 20

#: Column names per field, compared case-insensitively and ignoring spaces, dashes,
#: underscores and umlaut spelling ("Währung" = "Waehrung" = "WAEHRUNG").
COLUMN_ALIASES: dict[str, list[str]] = {
    "partner_article_number": [
        "Artikelnummer",
        "Artikel-Nr",
        "Artikelnr",
        "ArtNr",
        "Art-Nr",
        "Bestellnummer",
        "Lieferantenartikelnummer",
        "article_number",
        "article number",
        "supplier_pid",
        "supplier_aid",
        "partner_article_number",
        "sku",
        "item number",
        "Order number",
        "Order no",
        "Order No.",
        "ordering number",
        "Bestell-Nr",
        "Best.-Nr.",
        "Bestellnr",
    ],
    "gtin": ["EAN", "GTIN", "EAN/GTIN", "GTIN/EAN", "EAN-Code", "EAN13", "Barcode"],
    "hmv_number": [
        "HMV",
        "HMV-Nummer",
        "HMV-Nr",
        "HMV number",
        "hmv_number",
        "Hilfsmittelnummer",
        "Hilfsmittel-Nr",
    ],
    "manufacturer_article_number": [
        "Herstellerartikelnummer",
        "Hersteller-Artikelnummer",
        "Herstellerartikelnr",
        "Hersteller-Nr",
        "Herstellernummer",
        "manufacturer_article_number",
        "manufacturer article number",
        "manufacturer_pid",
        "MPN",
    ],
    "manufacturer_name": ["Hersteller", "Herstellername", "manufacturer", "manufacturer_name"],
    "short_description": [
        "Kurzbeschreibung",
        "Bezeichnung",
        "Artikelbezeichnung",
        "Beschreibung",
        "Kurztext",
        "short_description",
        "description",
        "description_short",
        "name",
    ],
    "long_description": [
        "Langbeschreibung",
        "Langtext",
        "long_description",
        "description_long",
    ],
    "order_unit": ["Einheit", "Bestelleinheit", "Mengeneinheit", "ME", "unit", "order_unit"],
    "price_quantity": [
        "Preiseinheit",
        "Preismenge",
        "PE",
        "Preis je",
        "Preis pro",
        "price_quantity",
        "price quantity",
        "price unit",
        "per",
    ],
    "currency": ["Währung", "currency"],
    "status": ["Status", "Artikelstatus", "status"],
    "mode": ["Aktion", "Modus", "mode", "action"],
}

#: Price columns per BMEcat price type. When a file has several, the rule of
#: :data:`~.catalog.PRICE_TYPE_RANK` chooses (net_customer > net_list > nrp > gros_list), the
#: first non-empty cell of a row in that order wins.
PRICE_COLUMNS: dict[str, list[str]] = {
    "net_customer": [
        "EK",
        "Einkaufspreis",
        "EK netto",
        "EK-Preis",
        "Netto-EK",
        "EK ohne MwSt",
        "EK-Preis netto",
        "Einkaufspreis netto",
        "Kundenpreis",
        "Ihr Preis",
        "net_customer",
        "customer price",
        "purchase price",
        "net purchase price",
    ],
    "net_list": [
        "Preis",
        "Nettopreis",
        "Listenpreis",
        "Netto-Listenpreis",
        "Listenpreis netto",
        "Nettolistenpreis",
        "price",
        "net_price",
        "net price",
        "list_price",
        "list price",
        "net_list",
        "net list price",
    ],
    "nrp": [
        "UVP",
        "unverbindliche Preisempfehlung",
        "empf. VK",
        "empfohlener VK",
        "VK",
        "Verkaufspreis",
        "nrp",
        "RRP",
        "MSRP",
        "retail price",
    ],
    "gros_list": [
        "Bruttopreis",
        "Bruttolistenpreis",
        "Listenpreis brutto",
        "VK brutto",
        "gros_list",
        "gross price",
        "gross list price",
    ],
}
_PRICE_TYPE_BY_NAME = {
    _name_key(alias): price_type
    for price_type, aliases in PRICE_COLUMNS.items()
    for alias in aliases
}

_FIELD_BY_NAME = {
    _name_key(alias): field_name
    for field_name, aliases in COLUMN_ALIASES.items()
    for alias in (*aliases, field_name)
}

_MODES = {
    "": "new",
    "new": "new",
    "neu": "new",
    "n": "new",
    "insert": "new",
    "update": "update",
    "u": "update",
    "aenderung": "update",
    "aendern": "update",
    "change": "update",
    "delete": "delete",
    "d": "delete",
    "del": "delete",
    "loeschen": "delete",
    "loeschung": "delete",
    "remove": "delete",
}

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize_csv_cell(value: str) -> str:
    """Prefix ``'`` to a cell that a spreadsheet would run as a formula (CSV injection).

    Cells starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return are affected; every
    export of partner-supplied text through CSV must go through this. The reader removes the
    quote again when it is followed by one of those characters, so a written file reads back
    to the same values.
    """
    if value and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _unneutralize(value: str) -> str:
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def _decoded_lines(stream: BinaryIO) -> Iterator[str]:
    """Physical lines as text; UTF-8 first, Windows-1252 as fallback, else a FormatError."""
    number = 0
    windows_1252 = False
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES:
            raise catalog_messages.error("csv_line_too_long", line=number, limit=MAX_LINE_BYTES)
        if number == 1:
            if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                raise catalog_messages.error("csv_utf16", line=1)
            if raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
        if not windows_1252:
            try:
                yield raw.decode("utf-8")
                continue
            except UnicodeDecodeError:
                windows_1252 = True
        if windows_1252:
            try:
                yield raw.decode("cp1252")
            except UnicodeDecodeError as exc:
                raise catalog_messages.error(
                    "csv_encoding",
                    line=number,
                    byte=f"{raw[exc.start]:02x}",
                    position=exc.start + 1,
                ) from None


def _sniff_delimiter(header_line: str) -> str:
    counts = {";": 0, ",": 0, "\t": 0, "|": 0}
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda d: (counts[d], d == ";"))
    return best if counts[best] else ";"


def iter_csv(
    stream: BinaryIO,
    set_header: Callable[[CatalogHeader], None],
    *,
    strict: bool = False,
) -> Iterator[CatalogArticle | ImportIssue]:
    """Yield articles and issues from a CSV stream; call ``set_header`` after the header row.

    Used through :func:`orderhub.formats.catalog_reader.read_catalog`. With ``strict`` the first row
    problem raises FormatError instead of becoming an ImportIssue.
    """
    lines = _decoded_lines(stream)
    header_line = next(lines, None)
    offset = 0  # leading blank lines, not seen by the csv module's line counter
    while header_line is not None and not header_line.strip():
        header_line = next(lines, None)
        offset += 1
    if header_line is None:
        raise catalog_messages.error("csv_empty", line=1)
    delimiter = _sniff_delimiter(header_line)
    first_line = header_line  # a str here; the closure would not see the narrowing

    def all_lines() -> Iterator[str]:
        yield first_line
        yield from lines

    reader = csv.reader(all_lines(), delimiter=delimiter, quotechar='"', strict=False)
    try:
        columns = next(reader)
    except csv.Error as exc:
        raise catalog_messages.error("csv_header_unreadable", line=1, detail=str(exc)) from None
    header_row_line = reader.line_num + offset

    fields: dict[str, int] = {}
    attributes: dict[str, int] = {}
    prices: list[tuple[int, str, int]] = []  # (rank, price type, column)
    ignored: list[str] = []
    for index, name in enumerate(columns):
        label = name.strip().lstrip("\ufeff")
        field_name = _FIELD_BY_NAME.get(_name_key(label))
        price_type = _PRICE_TYPE_BY_NAME.get(_name_key(label)) if field_name is None else None
        key = attribute_key(label) if field_name is None and price_type is None else None
        if price_type is not None:
            if not any(t == price_type for _, t, _ in prices):
                prices.append((price_type_rank(price_type), price_type, index))
        elif field_name is not None and field_name not in fields:
            fields[field_name] = index
        elif key is not None and key not in attributes:
            attributes[key] = index
        elif label:
            ignored.append(label)
    if "partner_article_number" not in fields:
        raise catalog_messages.error(
            "csv_no_article_column",
            line=header_row_line,
            field="partner_article_number",
            columns=", ".join(c.strip() for c in columns if c.strip()),
        )

    header = CatalogHeader(transaction="CSV", format_version="csv")
    set_header(header)
    if ignored:
        yield ImportIssue(header_row_line, "csv_columns_ignored", {"columns": ", ".join(ignored)})

    width = len(columns)
    previous_end = header_row_line
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise catalog_messages.error(
                "csv_unreadable", line=previous_end + 1, detail=str(exc)
            ) from None
        line = previous_end + 1
        previous_end = reader.line_num + offset
        if not any(cell.strip() for cell in row):
            continue
        items = _row_items(row, line, width, fields, attributes, header, sorted(prices))
        if strict:
            for item in items:
                if isinstance(item, ImportIssue):
                    raise catalog_messages.error(
                        "csv_strict", line=item.line, issue=item.code, issue_params=item.params
                    )
        yield from items


def _set_price(
    article: CatalogArticle,
    cells: list[tuple[str, str]],
    quantity_text: str,
    issue: _Issue,
) -> None:
    """The first usable price cell in price-rule order (``cells`` come sorted by rank)."""
    quantity = None
    if quantity_text:
        try:
            quantity = parse_price(quantity_text)
        except ValueError:
            issue("csv_price_quantity_not_a_number", value=quantity_text)
    for price_type, text in cells:
        if not text:
            continue
        try:
            amount = parse_price(text)
        except ValueError:
            issue("csv_price_not_a_number", value=text, price_type=price_type)
            continue
        quantity = quantity if quantity not in (None, 0) else Decimal(1)
        article.price_type = price_type
        article.price_amount = amount
        article.price_quantity = quantity
        article.price = unit_price(amount, quantity)
        return


def _row_items(
    row: list[str],
    line: int,
    width: int,
    fields: dict[str, int],
    attributes: dict[str, int],
    header: CatalogHeader,
    prices: Sequence[tuple[int, str, int]] = (),
) -> list[CatalogArticle | ImportIssue]:
    if len(row) > width and any(cell.strip() for cell in row[width:]):
        return [ImportIssue(line, "csv_row_too_wide", {"fields": len(row), "width": width})]

    def get(index: int | None) -> str:
        if index is None or index >= len(row):
            return ""
        return _unneutralize(row[index].strip())

    pid = get(fields["partner_article_number"])
    if not pid:
        return [ImportIssue(line, "csv_no_article_number")]
    issues: list[ImportIssue] = []

    def issue(code: str, **params: Any) -> None:
        issues.append(ImportIssue(line, code, params, pid))

    mode_text = get(fields.get("mode"))
    mode = _MODES.get(_name_key(mode_text))
    if mode is None:
        return [ImportIssue(line, "csv_action_unknown", {"action": mode_text}, pid)]
    article = CatalogArticle(
        partner_article_number=pid,
        mode=mode,
        line=line,
        currency=get(fields.get("currency")).upper() or header.currency,
    )
    if mode == "delete":
        return [article]

    article.short_description = " ".join(get(fields.get("short_description")).split())
    article.long_description = get(fields.get("long_description"))
    article.manufacturer_article_number = get(fields.get("manufacturer_article_number")) or None
    article.manufacturer_name = get(fields.get("manufacturer_name")) or None
    unit = get(fields.get("order_unit"))
    code = unit_code(unit)
    if code is None:
        article.order_unit = " ".join(unit.split())[:10]
        issue("unit_unknown", unit=unit)
    else:
        article.order_unit = code

    gtin = get(fields.get("gtin"))
    if gtin:
        try:
            article.gtin = normalize_gtin(gtin)
        except InvalidIdentifier as exc:
            issue("gtin_invalid", value=gtin, reason=exc.reason)
    hmv = get(fields.get("hmv_number"))
    if hmv:
        try:
            article.hmv_number = normalize_hmv(hmv)
        except InvalidIdentifier as exc:
            issue("hmv_invalid", value=hmv, reason=exc.reason)
    _set_price(
        article,
        [(price_type, get(index)) for _, price_type, index in prices],
        get(fields.get("price_quantity")),
        issue,
    )
    status_text = get(fields.get("status"))
    status = parse_status(status_text)
    if status is None:
        issue("csv_status_unknown", status=status_text)
        status = "active"
    article.status = status

    for key, index in attributes.items():
        value = normalize_attribute_value(key, get(index))
        if value:
            article.attributes[key] = value
    return [*issues, article]


# --------------------------------------------------------------------------------------------
# Writing

#: Columns written by :func:`write_csv`: (German header, article field or attribute key).
CSV_COLUMNS: list[tuple[str, str]] = [
    ("Artikelnummer", "partner_article_number"),
    ("EAN", "gtin"),
    ("HMV-Nummer", "hmv_number"),
    ("Herstellerartikelnummer", "manufacturer_article_number"),
    ("Hersteller", "manufacturer_name"),
    ("Kurzbeschreibung", "short_description"),
    ("Langbeschreibung", "long_description"),
    ("Einheit", "order_unit"),
    ("Preis", "price"),
    ("Währung", "currency"),
    ("Status", "status"),
    ("Modell", "model"),
    ("Bauform", "style"),
    ("Seite", "side"),
    ("Farbe", "colour"),
    ("Hörerstärke", "receiver_power"),
    ("Hörerlänge", "receiver_length"),
    ("Hörerfamilie", "receiver_family"),
    ("Dometyp", "dome_type"),
    ("Domegröße", "dome_size"),
    ("Batteriegröße", "battery_size"),
    ("Kategorie", "category"),
]
_STATUS_WORDS = {"active": "aktiv", "discontinued": "ausgelaufen"}


def _cell(article: CatalogArticle, name: str, decimal_comma: bool) -> str:
    if name in ATTRIBUTE_KEYS:
        return article.attributes.get(name, "")
    value: object = getattr(article, name)
    if value is None:
        return ""
    if name == "price":
        text = format(value, "f") if isinstance(value, Decimal) else str(value)
        return text.replace(".", ",") if decimal_comma else text
    if name == "gtin" and isinstance(value, str) and len(value) == 14 and value.startswith("0"):
        return value[1:]
    if name == "status" and isinstance(value, str):
        return _STATUS_WORDS.get(value, value)
    return str(value)


def write_csv(
    articles: Iterable[CatalogArticle],
    out: BinaryIO,
    *,
    delimiter: str = ";",
    encoding: str = "utf-8",
) -> int:
    """Write articles as CSV to the binary stream ``out``; return the number of rows.

    German column names (``CSV_COLUMNS``); prices with a decimal comma when the delimiter is
    ``;`` (what German Excel expects), else with a point. Every cell passes
    :func:`neutralize_csv_cell`. Use ``encoding="utf-8-sig"`` for Excel, ``"cp1252"`` for
    legacy systems (characters it lacks become ``?``).
    """
    errors = "strict" if codecs.lookup(encoding).name.startswith("utf") else "replace"
    text = io.TextIOWrapper(out, encoding=encoding, errors=errors, newline="")
    decimal_comma = delimiter == ";"
    count = 0
    try:
        writer = csv.writer(
            text, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n"
        )
        writer.writerow([label for label, _ in CSV_COLUMNS])
        for article in articles:
            writer.writerow(
                [
                    neutralize_csv_cell(_cell(article, name, decimal_comma))
                    for _, name in CSV_COLUMNS
                ]
            )
            count += 1
    finally:
        text.flush()
        text.detach()
    return count
