"""A readable German order ("Bestellung") as PDF, for partners who order by e-mail.

The PDF is the human-readable half of the e-mail channel; the machine-readable attachment is
openTRANS or JSON. Umlauts need a Unicode TrueType font: the first of :data:`FONT_CANDIDATES`
that exists is embedded (DejaVu Sans on Debian, ``fonts-dejavu-core``), or the one named by the
``ORDERHUB_PDF_FONT`` environment variable (regular style; a ``-Bold`` sibling is used when
present). Without any, the PDF falls back to the built-in Helvetica, which covers Latin-1 — enough
for German — and replaces other characters by ``?``.
"""

from __future__ import annotations

import os
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF

from . import options as opts
from .documents import LOCAL_TZ, OrderDocument, OrderItem, Party, aware

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/arial.ttf",
)
UNIT_NAMES = {
    "C62": "Stück",
    "H87": "Stück",
    "PCE": "Stück",
    "PR": "Paar",
    "SET": "Set",
    "PK": "Packung",
    "BX": "Karton",
    "MTR": "Meter",
}
COUNTRY_NAMES = {"DE": "Deutschland", "AT": "Österreich", "CH": "Schweiz"}


def find_font() -> tuple[Path, Path | None] | None:
    """(regular, bold or None) TrueType font files, or None to use the built-in Helvetica."""
    configured = os.environ.get("ORDERHUB_PDF_FONT")
    for candidate in ([configured] if configured else []) + list(FONT_CANDIDATES):
        regular = Path(candidate)
        if regular.is_file():
            stem = regular.stem.removesuffix("-Regular")
            bold = regular.with_name(f"{stem}-Bold{regular.suffix}")
            return regular, bold if bold.is_file() else None
    return None


class _OrderPDF(FPDF):
    def __init__(self, doc: OrderDocument, *, compress: bool):
        super().__init__(orientation="P", unit="mm", format="A4")
        self._order = doc
        self.compress = compress
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 16, 18)
        self.alias_nb_pages()
        font = find_font()
        self._unicode = font is not None
        if font is not None:
            regular, bold = font
            self.add_font("Body", "", str(regular))
            self.add_font("Body", "B", str(bold or regular))
            self._font_family = "Body"
        else:
            self._font_family = "Helvetica"
        self.set_title(f"Bestellung {doc.order_number}")
        self.set_author("OrderHub")
        self.set_creator("OrderHub")
        self.set_lang("de-DE")
        # The order date, not "now": the same order renders to the same document.
        self.set_creation_date(aware(doc.order_date))

    def text_for(self, value: str | None) -> str:
        value = value or ""
        if self._unicode:
            return value
        return value.encode("latin-1", errors="replace").decode("latin-1")

    def font(self, size: float = 10, bold: bool = False) -> None:
        self.set_font(self._font_family, "B" if bold else "", size)

    def footer(self) -> None:
        self.set_y(-13)
        self.font(7.5)
        self.set_text_color(90)
        self.cell(
            0,
            5,
            self.text_for(
                f"Bestellung {self._order.order_number} · übermittelt über OrderHub · "
                f"Seite {self.page_no()}/{{nb}}"
            ),
            align="C",
        )
        self.set_text_color(0)


def _date_text(value: datetime) -> str:
    return f"{aware(value).astimezone(LOCAL_TZ):%d.%m.%Y %H:%M} Uhr"


def _quantity_text(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value.is_finite() else str(value)
    return text.replace(".", ",")


def _address_lines(party: Party) -> list[str]:
    lines = [party.name]
    if party.contact:
        lines.append(f"z. Hd. {party.contact}")
    lines.append(party.street)
    lines.append(" ".join(p for p in (party.postal_code, party.city) if p))
    if party.country and party.country != "DE":
        lines.append(COUNTRY_NAMES.get(party.country, party.country))
    if party.phone:
        lines.append(f"Tel. {party.phone}")
    if party.email:
        lines.append(party.email)
    if party.gln:
        lines.append(f"GLN {party.gln}")
    return [line for line in lines if line and line.strip()]


def _item_text(item: OrderItem, mates: dict[str, list[int]] | None = None) -> str:
    parts = [item.description or "—"]
    if item.options:
        parts.append(", ".join(f"{k}: {v}" for k, v in opts.describe(item.options)))
    attributes = {
        k: v for k, v in item.attributes.items() if opts.option_key(k) not in item.options
    }
    if attributes:
        parts.append(", ".join(f"{k}: {v}" for k, v in attributes.items()))
    if item.pair:
        others = [n for n in (mates or {}).get(item.pair, []) if n != item.line_no]
        with_text = f" mit Pos. {', '.join(map(str, others))}" if others else ""
        parts.append(f"Binaurales Paar{with_text} ({item.pair})")
    if item.reference:
        parts.append(f"Referenz: {item.reference}")
    return "\n".join(parts)


def _identifiers(item: OrderItem) -> str:
    lines = []
    if item.gtin:
        lines.append(f"GTIN {item.gtin}")
    if item.hmv_number:
        lines.append(f"HMV {item.hmv_number}")
    if item.manufacturer_article_number:
        lines.append(f"Herst. {item.manufacturer_article_number}")
    return "\n".join(lines) or "—"


def render_order_pdf(doc: OrderDocument, *, compress: bool = True) -> bytes:
    """Render the order as an A4 PDF in German. ``compress=False`` keeps streams readable."""
    pdf = _OrderPDF(doc, compress=compress)
    t = pdf.text_for
    pdf.add_page()

    pdf.font(18, bold=True)
    pdf.cell(0, 10, t("Bestellung"), new_x="LMARGIN", new_y="NEXT")
    pdf.font(10)
    facts = [("Bestellnummer", doc.order_number), ("Datum", _date_text(doc.order_date))]
    if doc.buyer_account:
        facts.append(("Kundennummer", doc.buyer_account))
    if doc.reference:
        facts.append(("Referenz / Kommission", doc.reference))
    if doc.order_type and doc.order_type != "standard":
        facts.append(("Auftragsart", opts.order_type_label(doc.order_type)))
    if doc.return_date:
        facts.append(("Rückgabe bis", f"{doc.return_date:%d.%m.%Y}"))
    if doc.original_order_number:
        facts.append(("Originalauftrag", doc.original_order_number))
    if doc.fitting_reference:
        facts.append(("Versorgung", doc.fitting_reference))
    for label, value in facts:
        pdf.font(10, bold=True)
        pdf.cell(48, 6, t(f"{label}:"))
        pdf.font(10)
        pdf.multi_cell(0, 6, t(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    blocks = [("Besteller", _address_lines(doc.buyer)), ("Lieferant", _address_lines(doc.supplier))]
    delivery = _address_lines(doc.delivery) if doc.delivery else ["wie Besteller"]
    blocks.append(("Lieferadresse", delivery))
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / 3
    top = pdf.get_y()
    bottom = top
    for index, (title, lines) in enumerate(blocks):
        pdf.set_xy(pdf.l_margin + index * width, top)
        pdf.font(10, bold=True)
        pdf.cell(width - 4, 6, t(title), new_x="LEFT", new_y="NEXT")
        pdf.font(9)
        pdf.multi_cell(width - 4, 4.6, t("\n".join(lines) or "—"), new_x="LEFT", new_y="NEXT")
        bottom = max(bottom, pdf.get_y())
    pdf.set_xy(pdf.l_margin, bottom + 5)

    pdf.font(11, bold=True)
    pdf.cell(0, 7, t("Positionen"), new_x="LMARGIN", new_y="NEXT")
    pdf.font(8.5)
    with pdf.table(
        col_widths=(9, 30, 68, 15, 15, 37),
        text_align=("RIGHT", "LEFT", "LEFT", "RIGHT", "LEFT", "LEFT"),
        line_height=4.4,
        padding=1.2,
        first_row_as_headings=True,
    ) as table:
        header = table.row()
        for title in ("Pos.", "Artikelnummer", "Bezeichnung", "Menge", "Einheit", "GTIN / HMV"):
            header.cell(t(title))
        mates: dict[str, list[int]] = {}
        for item in doc.items:
            if item.pair:
                mates.setdefault(item.pair, []).append(item.line_no)
        for item in doc.items:
            row = table.row()
            row.cell(str(item.line_no))
            row.cell(t(item.supplier_article_number or "—"))
            row.cell(t(_item_text(item, mates)))
            row.cell(_quantity_text(item.quantity))
            row.cell(t(UNIT_NAMES.get(item.unit, item.unit)))
            row.cell(t(_identifiers(item)))

    if doc.note:
        pdf.ln(4)
        pdf.font(10, bold=True)
        pdf.cell(0, 6, t("Bemerkung"), new_x="LMARGIN", new_y="NEXT")
        pdf.font(9.5)
        pdf.multi_cell(0, 5, t(doc.note), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.font(8.5)
    pdf.set_text_color(60)
    pdf.multi_cell(
        0,
        4.5,
        t(
            f"Bitte bestätigen Sie diese Bestellung im OrderHub-Lieferantenportal. Die Bestellnummer "
            f"{doc.order_number} kennzeichnet diese Bestellung eindeutig; erhalten Sie sie mehrfach, "
            f"handelt es sich um dieselbe Bestellung."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_text_color(0)
    return bytes(pdf.output())


__all__ = ["find_font", "render_order_pdf"]
