"""What a catalog import reports, as codes and parameters (issue 15: "store codes and
parameters, not German text").

The readers describe every problem as a code with JSON-safe parameters: an
:class:`~orderhub.formats.catalog.ImportIssue` for one product or row that was skipped or
corrected, a :class:`~orderhub.formats.FormatError` with ``code``/``params`` for a file that
cannot be imported. The English sentences here are the format layer's own words (exception text,
logs, tests); the portal and the CLI say the same codes in the reader's language
(``orderhub.catalog.import_messages``, German source, English catalogue). Both dictionaries list
the same codes — a test checks it.

Parameters named ``detail`` carry a parser's own text (libxml2, the csv module) and are shown as
such; ``reason`` is an identifier reason code of :mod:`orderhub.formats.identifiers`.
"""

from __future__ import annotations

from typing import Any, Protocol

from orderhub.formats import FormatError
from orderhub.formats.identifiers import REASONS

#: import issue code -> English sentence with named ``%(params)s``.
ISSUES: dict[str, str] = {
    # BMEcat: ``element`` PRODUCT or ARTICLE, ``field`` SUPPLIER_PID or SUPPLIER_AID
    "no_article_number": "%(element)s without supplier article number (%(field)s) skipped",
    "csv_no_article_number": "row without article number skipped",
    "mode_missing": "product without mode attribute in T_UPDATE_PRODUCTS, treated as update",
    "mode_unknown": "unknown product mode %(mode)r (expected new, update or delete); skipped",
    "csv_action_unknown": "unknown action %(action)r (expected new, update or delete); row skipped",
    "price_update_without_price": "price update without a usable price; skipped",
    # ``reason``: an identifiers reason code
    "gtin_invalid": "GTIN %(value)r: %(reason)s; GTIN dropped, article kept",
    "hmv_invalid": "HMV number %(value)r: %(reason)s; HMV number dropped, article kept",
    "price_without_amount": "price element (%(price_type)s) without PRICE_AMOUNT ignored",
    "price_without_amount.untyped": "price element (no price_type) without PRICE_AMOUNT ignored",
    "price_not_a_number": "price %(value)r is not a number; price ignored",
    "price_not_a_number.no_price": (
        "price %(value)r is not a number; price ignored, article kept without price"
    ),
    "csv_price_not_a_number": "price %(value)r is not a number (%(price_type)s); price ignored",
    "csv_price_quantity_not_a_number": "price quantity %(value)r is not a number; 1 assumed",
    "no_net_price": (
        "no net price: price type %(price_type)s used (docs/catalog-formats.md, price rule)"
    ),
    "unit_unknown": (
        "order unit %(unit)r is neither a UN/ECE Rec 20 code nor a known unit name "
        "(docs/catalog-formats.md); the article cannot be ordered electronically until "
        "the catalog names its unit"
    ),
    "csv_status_unknown": "unknown status %(status)r; treated as active",
    "csv_columns_ignored": "ignored unknown columns: %(columns)s",
    "csv_row_too_wide": (
        "row has %(fields)s fields but the header has %(width)s "
        "(unquoted separator in a text?); row skipped"
    ),
    "strict_needs_2005": (
        "strict schema validation is only available for BMEcat 2005; "
        "this BMEcat %(version)s file was read without it"
    ),
    # catalog.services: the same article number twice in one file
    "duplicate_article": (
        "article number %(number)r appears more than once in this catalog "
        "(first at line %(first_line)s); the last entry wins"
    ),
    "duplicate_article.no_line": (
        "article number %(number)r appears more than once in this catalog; the last entry wins"
    ),
}

#: file-level error code -> English sentence (the import stops, nothing is written).
ERRORS: dict[str, str] = {
    "xml_encoding": "wrong encoding or invalid characters in XML: %(detail)s",
    "xml_not_xml": "not an XML document: %(detail)s",
    "xml_entity": (
        "XML uses an entity that is not allowed (only &lt; &gt; &amp; &quot; &apos; and "
        "numeric character references are): %(detail)s"
    ),
    "xml_malformed": "XML is malformed or truncated: %(detail)s",
    # formats.safexml, for every XML document: ``entity`` the entity's name
    "entity_refused": (
        "the XML document uses the entity &%(entity)s; — entity expansion is refused "
        "(declarations alone are accepted)"
    ),
    "entity_in_attribute_refused": (
        "the XML document uses the entity &%(entity)s; in an attribute — entity expansion is "
        "refused (declarations alone are accepted)"
    ),
    "parameter_entity_refused": (
        "the XML document uses the parameter entity %%%(entity)s; in its DOCTYPE — entity "
        "expansion and external entities are refused (declarations alone are accepted)"
    ),
    "not_bmecat": "not a BMEcat document (root element <%(root)s>)",
    "not_bmecat.no_root": "not a BMEcat document (no root element)",
    "no_transaction": (
        "BMEcat document without T_NEW_CATALOG, T_UPDATE_PRODUCTS or T_UPDATE_PRICES"
    ),
    # ``errors``: [[line, libxml2 message], …] (the first few), ``more``: how many besides
    "schema_invalid": "BMEcat 2005 schema validation failed: %(errors)s%(more)s",
    "schema_missing": "BMEcat 2005 schema not found at %(path)s; set ORDERHUB_STANDARDS_DIR",
    "csv_line_too_long": "line longer than %(limit)s bytes; not a CSV catalog?",
    "csv_utf16": (
        "wrong encoding: UTF-16 CSV files are not supported, please save as UTF-8 "
        "or Windows-1252 (Excel: 'CSV UTF-8')"
    ),
    "csv_encoding": (
        "wrong encoding: byte 0x%(byte)s at position %(position)s is neither UTF-8 nor Windows-1252"
    ),
    "csv_empty": "empty CSV file: no header row",
    "csv_header_unreadable": "CSV header row cannot be read: %(detail)s",
    "csv_no_article_column": (
        "missing required column: article number (one of Artikelnummer, article_number, "
        "SUPPLIER_PID); found columns: %(columns)s"
    ),
    "csv_unreadable": "CSV cannot be read: %(detail)s",
    # ``issue``/``issue_params``: the row's first issue (a code of ISSUES)
    "csv_strict": "strict CSV import: %(issue)s",
    "too_large": "file too large: more than %(limit)s bytes (limit)",
    "cannot_open": "cannot open catalog file: %(detail)s",
    "empty_file": "empty file: no catalog data",
    "no_header": "catalog has no header",
    # catalog.services: the database refused what the reader produced
    "not_stored": "the catalog could not be stored: %(detail)s",
}


class Report(Protocol):
    """Report an issue of the product or row being read: an :data:`ISSUES` code."""

    def __call__(self, code: str, **params: Any) -> None: ...


def _english(template: str, params: dict[str, Any]) -> str:
    values = dict(params)
    if "reason" in values:
        values["reason"] = REASONS.get(values["reason"], values["reason"])
    if "errors" in values:
        values["errors"] = "; ".join(f"line {line}: {text}" for line, text in values["errors"])
        more = values.get("more") or 0
        values["more"] = f"; and {more} more" if more else ""
    if "issue" in values:
        values["issue"] = issue_text(values["issue"], values.get("issue_params") or {})
    try:
        return template % values
    except (KeyError, TypeError, ValueError):
        return template


def issue_text(code: str, params: dict[str, Any]) -> str:
    """The English sentence of an import issue."""
    template = ISSUES.get(code)
    return _english(template, params) if template is not None else code


def error(
    code: str, *, line: int | None = None, field: str | None = None, **params: Any
) -> FormatError:
    """A catalog file that cannot be imported, as ``code`` with ``params`` (and its English)."""
    template = ERRORS.get(code, code)
    return FormatError(_english(template, params), line=line, field=field, code=code, params=params)
