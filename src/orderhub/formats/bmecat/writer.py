"""The streaming BMEcat 2005 writer (:func:`write_bmecat`): what the catalog generator, the demo,
the tests and the benchmarks write, valid against the official XSD when the articles are sound.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, BinaryIO, Protocol

from lxml import etree

from .. import FormatError
from ..catalog import PRICE_TYPE_RANK, CatalogArticle, CatalogHeader
from .schema import NS_2005, TRANSACTIONS

if TYPE_CHECKING:
    from lxml.etree._serializer import _IncrementalFileWriter

#: Feature names the writer uses (German, as partners' catalogs do); the reader accepts these
#: and the English names listed in docs/catalog-formats.md.
FEATURE_NAMES = {
    "model": "Modell",
    "style": "Bauform",
    "side": "Seite",
    "colour": "Farbe",
    "receiver_power": "Hörerstärke",
    "receiver_length": "Hörerlänge",
    "receiver_family": "Hörerfamilie",
    "dome_type": "Dometyp",
    "dome_size": "Domegröße",
    "battery_size": "Batteriegröße",
    "category": "Kategorie",
}
HMV_FEATURE_NAME = "HMV-Nummer"

_CATALOG_VERSION = re.compile(r"\d{1,3}\.\d{1,3}")


def _clip(text: str, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _format_amount(value: Decimal) -> str:
    text = format(value, "f")
    return text


def write_bmecat(
    header: CatalogHeader,
    articles: Iterable[CatalogArticle],
    out: BinaryIO,
    *,
    prev_version: int = 0,
    generator_info: str = "OrderHub",
) -> int:
    """Write a BMEcat 2005 document to ``out`` (binary) and return the number of products.

    ``header.transaction`` chooses T_NEW_CATALOG (default), T_UPDATE_PRODUCTS (each product
    with its ``mode``) or T_UPDATE_PRICES (only SUPPLIER_PID and the price). The output is valid
    against the official XSD when the articles are sound: free texts are clipped to the XSD
    maximum lengths; a partner article number over 32 characters raises FormatError. Products
    are streamed with ``lxml.etree.xmlfile``; nothing accumulates in memory.
    """
    transaction = header.transaction if header.transaction in TRANSACTIONS else "T_NEW_CATALOG"

    def q(name: str) -> str:
        return f"{{{NS_2005}}}{name}"

    count = 0
    with etree.xmlfile(out, encoding="UTF-8") as xf:
        xf.write_declaration()

        def leaf(name: str, text: str, attrib: dict[str, str] | None = None) -> None:
            with xf.element(q(name), attrib or {}):
                xf.write(text)

        with xf.element(q("BMECAT"), {"version": "2005"}, nsmap={None: NS_2005}):
            xf.write("\n")
            with xf.element(q("HEADER")):
                leaf("GENERATOR_INFO", _clip(generator_info, 250) or "OrderHub")
                with xf.element(q("CATALOG")):
                    leaf("LANGUAGE", header.language or "deu")
                    leaf("CATALOG_ID", _clip(header.catalog_id, 20) or "CATALOG")
                    version = header.catalog_version
                    leaf(
                        "CATALOG_VERSION",
                        version if _CATALOG_VERSION.fullmatch(version or "") else "1.0",
                    )
                    leaf("CURRENCY", header.currency or "EUR")
                with xf.element(q("SUPPLIER")):
                    leaf("SUPPLIER_NAME", _clip(header.supplier_name, 50) or "Supplier")
            txn_attrib = (
                {} if transaction == "T_NEW_CATALOG" else {"prev_version": str(prev_version)}
            )
            xf.write("\n")
            with xf.element(q(transaction), txn_attrib):
                for article in articles:
                    xf.write("\n")  # one product per line: issues and errors get useful lines
                    _write_product(xf, leaf, q, article, transaction, header)
                    count += 1
                    if count % 1000 == 0:
                        xf.flush()
                xf.write("\n")
            xf.write("\n")
    return count


_WRITABLE_PRICE_TYPES = frozenset(PRICE_TYPE_RANK)


class _Leaf(Protocol):
    def __call__(self, name: str, text: str, attrib: dict[str, str] | None = None) -> None: ...


def _write_product(
    xf: _IncrementalFileWriter,
    leaf: _Leaf,
    q: Callable[[str], str],
    article: CatalogArticle,
    transaction: str,
    header: CatalogHeader,
) -> None:
    pid = (article.partner_article_number or "").strip()
    if not pid or len(pid) > 32:
        raise FormatError(
            f"partner article number {pid!r} cannot be written to BMEcat 2005 "
            "(1 to 32 characters required)"
        )
    attrib = {"mode": article.mode} if transaction == "T_UPDATE_PRODUCTS" else {}
    with xf.element(q("PRODUCT"), attrib):
        leaf("SUPPLIER_PID", pid)
        if transaction != "T_UPDATE_PRICES":
            with xf.element(q("PRODUCT_DETAILS")):
                leaf(
                    "DESCRIPTION_SHORT",
                    _clip(" ".join(article.short_description.split()), 150) or pid,
                )
                if article.long_description:
                    leaf("DESCRIPTION_LONG", _clip(article.long_description, 64000))
                if article.gtin:
                    gtin = (
                        article.gtin[1:]
                        if len(article.gtin) == 14 and article.gtin.startswith("0")
                        else article.gtin
                    )
                    leaf("INTERNATIONAL_PID", gtin, {"type": "gtin"})
                if article.manufacturer_article_number:
                    leaf("MANUFACTURER_PID", _clip(article.manufacturer_article_number, 50))
                if article.manufacturer_name:
                    leaf("MANUFACTURER_NAME", _clip(article.manufacturer_name, 50))
                if article.status == "discontinued":
                    leaf("PRODUCT_STATUS", "ausgelaufen", {"type": "others"})
            features = [
                (FEATURE_NAMES[key], value)
                for key, value in article.attributes.items()
                if key in FEATURE_NAMES and value
            ]
            if article.hmv_number:
                features.append((HMV_FEATURE_NAME, article.hmv_number))
            if features:
                with xf.element(q("PRODUCT_FEATURES")):
                    for fname, fvalue in features:
                        with xf.element(q("FEATURE")):
                            leaf("FNAME", fname)
                            leaf("FVALUE", _clip(str(fvalue), 60))
            with xf.element(q("PRODUCT_ORDER_DETAILS")):
                leaf("ORDER_UNIT", article.order_unit or "C62")
        with xf.element(q("PRODUCT_PRICE_DETAILS")):
            price_type = (
                article.price_type if article.price_type in _WRITABLE_PRICE_TYPES else "net_list"
            )
            with xf.element(q("PRODUCT_PRICE"), {"price_type": price_type}):
                if article.price is not None:
                    leaf("PRICE_AMOUNT", _format_amount(article.price))
                leaf("PRICE_CURRENCY", article.currency or header.currency or "EUR")


__all__ = ["FEATURE_NAMES", "HMV_FEATURE_NAME", "write_bmecat"]
