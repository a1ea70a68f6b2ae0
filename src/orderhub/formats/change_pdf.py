"""A readable German order change ("Bestelländerung") or cancellation ("Stornierung") as PDF,
for partners who order by e-mail (issue 16); the same fonts and layout as :mod:`order_pdf`."""

from __future__ import annotations

from .changes import OrderChange, apply_change, check_change
from .documents import OrderDocument
from .order_pdf import UNIT_NAMES, _date_text, _OrderPDF, _quantity_text


def render_change_pdf(change: OrderChange, order: OrderDocument, *, compress: bool = True) -> bytes:
    """The change of the sent ``order`` as an A4 PDF in German: what changes, then the order as
    it stands after the change."""
    check_change(change, order)
    cancel = change.kind == "cancel"
    title = "Stornierung" if cancel else "Bestelländerung"
    pdf = _OrderPDF(order, compress=compress)
    pdf.set_title(f"{title} {change.document_id}")
    pdf.set_creation_date(change.issued_at)
    t = pdf.text_for
    pdf.add_page()
    pdf.font(18, bold=True)
    pdf.cell(0, 10, t(title), new_x="LMARGIN", new_y="NEXT")
    pdf.font(10)
    facts = [
        ("Bestellnummer", order.order_number),
        ("Änderung Nr.", str(change.sequence)),
        ("Datum der Änderung", _date_text(change.issued_at)),
        ("Bestellt am", _date_text(order.order_date)),
    ]
    if order.buyer_account:
        facts.append(("Kundennummer", order.buyer_account))
    facts.append(("Besteller", order.buyer.name))
    if change.note:
        facts.append(("Grund", change.note))
    for label, value in facts:
        pdf.font(10, bold=True)
        pdf.cell(48, 6, t(f"{label}:"))
        pdf.font(10)
        pdf.multi_cell(0, 6, t(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    if cancel:
        pdf.font(11, bold=True)
        pdf.multi_cell(
            0,
            6,
            t(f"Die gesamte Bestellung {order.order_number} wird storniert."),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    else:
        items = {item.line_no: item for item in order.items}
        pdf.font(11, bold=True)
        pdf.cell(0, 7, t("Änderungen"), new_x="LMARGIN", new_y="NEXT")
        pdf.font(8.5)
        with pdf.table(
            col_widths=(9, 32, 70, 63),
            text_align=("RIGHT", "LEFT", "LEFT", "LEFT"),
            line_height=4.4,
            padding=1.2,
            first_row_as_headings=True,
        ) as table:
            header = table.row()
            for heading in ("Pos.", "Artikelnummer", "Bezeichnung", "Änderung"):
                header.cell(t(heading))
            for line in change.lines:
                item = items[line.line_no]
                what = []
                if line.removed:
                    what.append("Position entfällt")
                if line.quantity is not None:
                    what.append(
                        f"Menge {_quantity_text(item.quantity)} → {_quantity_text(line.quantity)}"
                        f" {UNIT_NAMES.get(item.unit, item.unit)}"
                    )
                if line.delivery_date is not None:
                    what.append(f"Liefertermin {line.delivery_date:%d.%m.%Y}")
                if line.note:
                    what.append(line.note)
                row = table.row()
                row.cell(str(line.line_no))
                row.cell(t(item.supplier_article_number or "—"))
                row.cell(t(item.description or "—"))
                row.cell(t("\n".join(what)))
            for item in change.added:
                row = table.row()
                row.cell(str(item.line_no))
                row.cell(t(item.supplier_article_number or "—"))
                row.cell(t(item.description or "—"))
                row.cell(
                    t(
                        f"neue Position: {_quantity_text(item.quantity)} "
                        f"{UNIT_NAMES.get(item.unit, item.unit)}"
                    )
                )
        after = apply_change(order, change)
        pdf.ln(4)
        pdf.font(11, bold=True)
        pdf.cell(0, 7, t("Bestellung nach der Änderung"), new_x="LMARGIN", new_y="NEXT")
        pdf.font(8.5)
        with pdf.table(
            col_widths=(9, 32, 95, 19, 19),
            text_align=("RIGHT", "LEFT", "LEFT", "RIGHT", "LEFT"),
            line_height=4.4,
            padding=1.2,
            first_row_as_headings=True,
        ) as table:
            header = table.row()
            for heading in ("Pos.", "Artikelnummer", "Bezeichnung", "Menge", "Einheit"):
                header.cell(t(heading))
            for item in after.items:
                row = table.row()
                row.cell(str(item.line_no))
                row.cell(t(item.supplier_article_number or "—"))
                row.cell(t(item.description or "—"))
                row.cell(_quantity_text(item.quantity))
                row.cell(t(UNIT_NAMES.get(item.unit, item.unit)))
    pdf.ln(6)
    pdf.font(8.5)
    pdf.set_text_color(60)
    pdf.multi_cell(
        0,
        4.5,
        t(
            f"Bitte nehmen Sie die {title} im OrderHub-Lieferantenportal an oder lehnen Sie sie "
            f"ab. Bestellnummer und Änderungsnummer ({change.document_id}) kennzeichnen sie "
            "eindeutig; erhalten Sie sie mehrfach, handelt es sich um dieselbe."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_text_color(0)
    return bytes(pdf.output())


__all__ = ["render_change_pdf"]
