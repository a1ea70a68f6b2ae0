"""BMEcat catalogs, one module per role (import from the module; this package re-exports nothing).

* :mod:`.reader` — the streaming reader OrderHub imports catalogs with (2005, 1.2, 1.01):
  :func:`~.reader.iter_bmecat`, through :func:`orderhub.formats.catalog_reader.read_catalog`.
* :mod:`.writer` — the streaming BMEcat 2005 writer (:func:`~.writer.write_bmecat`).
* :mod:`.schema` — namespace, transactions, the official XSD (:func:`~.schema.load_schema`) and
  the strict mode's batch validation.
"""
