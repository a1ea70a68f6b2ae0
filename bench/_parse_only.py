"""Ceilings for the catalog import, run as their own process so time and peak RSS are theirs alone.

``python -m bench._parse_only lxml FILE``   — raw ``lxml.etree.iterparse`` over the products, clearing
                                              each one (the textbook flat-memory loop), nothing else;
``python -m bench._parse_only reader FILE`` — OrderHub's own BMEcat reader (``read_catalog``), every
                                              article built, no database.
Prints one JSON line: products, seconds.

Issue 13 split the reader's two long functions into section readers (``bmecat/reader.py``:
``_product_items`` from complexity 54 to 10, ``iter_bmecat`` from 27 to 13, output identical on
every test file and 4,945 mutated ones). ``reader`` on the generated 100,000-product catalog
(``bench/.cache/bmecat-SN-100000-seed1.xml``), before and after run in turns on the same
2-core machine while others were running tests, best of 3: before 7.95 s, after 8.21 s
(+3.3 %; two earlier sets: 8.23 → 8.21 s and 7.67 → 7.97 s). Both readers in one process,
alternating over 20,000 products, median of 15: +1.5 %.
"""

from __future__ import annotations

import json
import sys
import time


def raw_lxml(path: str) -> int:
    from lxml import etree

    n = 0
    for _, element in etree.iterparse(
        path,
        events=("end",),
        tag=("{*}PRODUCT", "PRODUCT"),
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
    ):
        n += 1
        element.clear(keep_tail=False)
        parent = element.getparent()
        while element.getprevious() is not None:
            del parent[0]
    return n


def reader(path: str) -> int:
    # Imported here, not at the top: the lxml ceiling's peak RSS must not carry OrderHub's modules.
    from orderhub.formats.catalog import CatalogArticle
    from orderhub.formats.catalog_reader import read_catalog

    n = 0
    with read_catalog(path, max_bytes=2**40) as items:
        items.read_header()
        for item in items:
            n += isinstance(item, CatalogArticle)
    return n


def main() -> int:
    mode, path = sys.argv[1], sys.argv[2]
    start = time.perf_counter()
    n = raw_lxml(path) if mode == "lxml" else reader(path)
    print(json.dumps({"products": n, "seconds": time.perf_counter() - start}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
