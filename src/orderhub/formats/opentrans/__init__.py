"""openTRANS 2.1, one module per role (import from the module; this package re-exports nothing).

* :mod:`.order_writer` — what OrderHub sends: the ``ORDER`` (:func:`~.order_writer.write_order`).
* :mod:`.answer_reader` — what OrderHub reads back: ``ORDERRESPONSE`` and
  ``DISPATCHNOTIFICATION`` (:func:`~.answer_reader.parse_answer`).
* :mod:`.changes` — what OrderHub sends after the order: ``ORDERCHANGE`` and
  ``RECEIPTACKNOWLEDGEMENT``.
* :mod:`.schema` — the namespaces, the official XSD, :func:`~.schema.validate` and
  :func:`~.schema.document_type`.
* :mod:`.partner` — the partner's side, for ``simulator/`` and the tests only: reading ORDER,
  ORDERCHANGE and RECEIPTACKNOWLEDGEMENT, writing ORDERRESPONSE and DISPATCHNOTIFICATION.
* :mod:`._xml` — private: the element helpers and OrderHub's UDX/REMARKS vocabulary the others
  share.

Everything written validates against the official XSD (the copy in
``formats/standards/opentrans-2.1``). Parsing is deliberately more lenient than the XSD: partners'
documents are read when the fields OrderHub needs are present, and a missing one raises
:class:`~orderhub.formats.FormatError` naming it. The mapping between the dataclasses and the
elements is documented for partners in ``docs/partner-formats.md``.

Choices worth knowing:

* Identifiers (order number, article numbers, GTIN) are never shortened; one that exceeds its XSD
  length raises :class:`~orderhub.formats.FormatError`. Free text (names, streets, descriptions)
  is cut to the XSD length; a description longer than ``DESCRIPTION_SHORT`` also goes out
  complete as ``DESCRIPTION_LONG``.
* A party without any id gets ``PARTY_ID type="local"`` (value = its role) so the
  ``*_IDREF`` elements the XSD requires can point at it; parsers ignore such ids.
* The order-response line status travels explicitly in ``ITEM_UDX/UDX.ORDERHUB.STATUS``; without it
  (documents from other systems) it is derived from the quantities, see
  :func:`orderhub.formats.documents.line_status`.
"""
