"""The simulated partner's own catalog (issue 17): what it offers, so it can refuse a line whose
options ask for a combination it does not make (a colour the model does not come in, a dome its
receiver family does not take).

A partner's catalog (``PartnerConfig.catalog``) is a catalog file the portal could import too
(BMEcat or CSV, read by ``orderhub.formats.catalog_reader.read_catalog``), or ``generated:PREFIX:SIZE[:SEED]``
for the deterministic catalog of ``orderhub.formats.catalog_generator`` (what the demo imports).
The rules are the portal's own (``orderhub.formats.variants``): an order that passed the portal's
cart passes here; one that did not (another sender, a stale catalog) is refused per line.
"""

from __future__ import annotations

from pathlib import Path

from orderhub.formats.catalog import CatalogArticle
from orderhub.formats.catalog_generator import generate_catalog
from orderhub.formats.catalog_reader import read_catalog
from orderhub.formats.documents import OrderItem
from orderhub.formats.options import Terms
from orderhub.formats.variants import InMemory, check, touches_catalog

GENERATED = "generated:"


def load(spec: str) -> InMemory:
    """The catalog a spec names; ValueError or OSError when it cannot be read."""
    if spec.startswith(GENERATED):
        parts = spec[len(GENERATED) :].split(":")
        if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts[1:]):
            raise ValueError(f"catalog {spec!r}: expected generated:PREFIX:SIZE[:SEED]")
        prefix, size, seed = parts[0], int(parts[1]), int(parts[2]) if len(parts) == 3 else 0
        return InMemory(generate_catalog(prefix, size, seed=seed))
    with read_catalog(Path(spec)) as reader:
        return InMemory(item for item in reader if isinstance(item, CatalogArticle))


def refusal(catalog: InMemory, item: OrderItem, terms: Terms | None = None) -> str | None:
    """Why the partner refuses this line (German, as its answers are), or None.

    Only lines whose article the catalog lists and whose options it can judge are checked; an
    unknown article is not this check's business."""
    if not touches_catalog(item.options):
        return None
    article = catalog.find(item.supplier_article_number)
    if article is None:
        return None
    verdict = check(catalog, article, item.options, terms)
    if verdict is None:
        return None
    reason = verdict.message_de.split(" Bitte ")[0]  # the cart's request is not for the partner
    return f"Kombination nicht lieferbar: {reason}"
