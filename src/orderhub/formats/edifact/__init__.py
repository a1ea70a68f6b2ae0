"""EDIFACT D.96A in EANCOM style, one module per role (import from the module; this package
re-exports nothing).

* :mod:`.order_writer` — what OrderHub sends: ORDERS (:func:`~.order_writer.write_orders`).
* :mod:`.answer_reader` — what OrderHub reads back: ORDRSP and DESADV
  (:func:`~.answer_reader.parse_answer`, :func:`~.answer_reader.parse_answers`).
* :mod:`.changes` — what OrderHub sends after the order: ORDCHG (:func:`~.changes.write_ordchg`).
* :mod:`.structure` — the D.96A message structures (segment groups, order, repeats) and
  :func:`~.structure.check_structure`.
* :mod:`.syntax` — the shared segment syntax: the envelope read and checked
  (:func:`~.syntax.read_interchange`) or written, and the value and segment helpers.
* :mod:`.partner` — the partner's side, for ``simulator/`` and the tests only: reading ORDERS and
  ORDCHG, writing ORDRSP and DESADV.

The segment order follows the message directory in ``formats/standards/edifact-d96a``.

Choices worth knowing (partners read them in ``docs/partner-formats.md``):

* Syntax ``UNOC:3`` (ISO 8859-1). Characters outside Latin-1 are transliterated (``č`` → ``c``)
  or replaced by ``?``; control characters become spaces. Files declared as UNOA/UNOB/UNOC that are
  valid UTF-8 are read as UTF-8, because many systems write UTF-8 whatever they declare.
* Date-times (``DTM`` format 203, 102) carry no zone: OrderHub writes and reads German local time.
* Identifiers (order number, article numbers) are never shortened: too long raises
  :class:`~orderhub.formats.FormatError`. Free text is split over the components the segment
  offers and cut beyond that.
* Party ids: a 13-digit GLN goes into ``NAD`` with agency 9; otherwise the customer number
  (agency 91, buyer) or the buyer-assigned id (agency 92). With a GLN, the customer number follows
  as ``RFF+IT`` and the supplier id as ``RFF+IA``.
"""
