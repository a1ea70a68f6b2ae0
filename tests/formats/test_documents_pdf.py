"""The German order PDF: valid PDF, text extractable through the embedded font's ToUnicode map."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from orderhub.formats import order_pdf, partner_json
from orderhub.formats.documents import OrderDocument, OrderItem

DATA = Path(__file__).parent / "data" / "documents"


@pytest.fixture
def order() -> OrderDocument:
    return partner_json.parse_order((DATA / "order.json").read_bytes())


def _literal(raw: bytes) -> bytes:
    """Decode a PDF literal string body (escapes as fpdf2 writes them)."""
    out, i = bytearray(), 0
    escapes = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}
    while i < len(raw):
        byte = raw[i]
        if byte == 0x5C:  # backslash
            nxt = raw[i + 1]
            if 0x30 <= nxt <= 0x37:
                digits = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4]).group()
                out.append(int(digits, 8) & 0xFF)
                i += 1 + len(digits)
                continue
            out.append(escapes.get(nxt, nxt))
            i += 2
            continue
        out.append(byte)
        i += 1
    return bytes(out)


def extract_text(pdf: bytes) -> str:
    """Text of an uncompressed fpdf2 PDF, decoded like a viewer does: font → ToUnicode CMap."""
    objects = {
        int(m.group(1)): m.group(2) for m in re.finditer(rb"(\d+) 0 obj(.*?)endobj", pdf, re.S)
    }
    maps: dict[bytes, dict[int, str]] = {}
    for name, ref in re.findall(rb"/(F\d+) (\d+) 0 R", pdf):
        font = objects[int(ref)]
        to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", font)
        cmap: dict[int, str] = {}
        if to_unicode:
            body = objects[int(to_unicode.group(1))]
            for src, dst in re.findall(rb"<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]+)>", body):
                cmap[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
        maps[name] = cmap
    text, font = [], None
    for stream in re.findall(rb"stream\n(.*?)\nendstream", pdf, re.S):
        for match in re.finditer(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", stream, re.S):
            if match.group(1):
                font = match.group(1)
                continue
            raw = _literal(match.group(2))
            cmap = maps.get(font) or {}
            if cmap:
                text.append(
                    "".join(
                        cmap.get(int.from_bytes(raw[i : i + 2], "big"), "?")
                        for i in range(0, len(raw) - 1, 2)
                    )
                )
            else:
                text.append(raw.decode("latin-1"))
        text.append("\n")
    return "".join(text)


def test_pdf_is_a_pdf(order):
    data = order_pdf.render_order_pdf(order)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


def test_pdf_text_is_extractable_with_umlauts(order):
    text = extract_text(order_pdf.render_order_pdf(order, compress=False))
    for expected in (
        "Bestellung",
        "OH-2026-000123",
        "Hörer M, rechts",
        "Kundennummer",
        "K-4711",
        "Besteller",
        "Lieferadresse",
        "Filiale Mitte",
        "Hauptstraße 1",
        "SN-R-312",
        "GTIN 4012345678901",
        "HMV 13.20.01.1234",
        "Stück",
        "Paar",
        "Kommission Müller",
        "side: R",
        "15.01.2026 10:30",
    ):
        assert expected in text, expected


def test_pdf_uses_an_embedded_unicode_font_when_available(order):
    data = order_pdf.render_order_pdf(order, compress=False)
    if order_pdf.find_font() is None:
        pytest.skip("no TrueType font on this machine; core-font fallback in use")
    assert b"/FontFile2" in data


def test_pdf_falls_back_to_core_fonts(order, monkeypatch):
    monkeypatch.setattr(order_pdf, "find_font", lambda: None)
    order.items[0].description = "Hörer ✓ rechts"
    data = order_pdf.render_order_pdf(order, compress=False)
    text = extract_text(data)
    assert "Hörer ? rechts" in text and "OH-2026-000123" in text


def test_long_orders_flow_onto_more_pages(order):
    order.items = [
        OrderItem(
            line_no=n,
            quantity=Decimal(1),
            supplier_article_number=f"A-{n}",
            description="Hörer " * 12,
        )
        for n in range(1, 60)
    ]
    data = order_pdf.render_order_pdf(order, compress=False)
    assert data.count(b"/Type /Page\n") >= 2
    assert "Seite 2/" in extract_text(data)


def test_same_order_renders_the_same_bytes(order):
    order.order_date = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    assert order_pdf.render_order_pdf(order) == order_pdf.render_order_pdf(order)
