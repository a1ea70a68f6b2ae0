import io
from decimal import Decimal

import pytest

from orderhub.formats import FormatError
from orderhub.formats.catalog import CatalogArticle, ImportIssue, parse_price
from orderhub.formats.catalog_csv import neutralize_csv_cell, write_csv
from orderhub.formats.catalog_generator import generate_catalog
from orderhub.formats.catalog_reader import read_catalog


def read(source, **kwargs):
    reader = read_catalog(source, **kwargs)
    items = list(reader)
    return (
        reader,
        [i for i in items if isinstance(i, CatalogArticle)],
        [i for i in items if isinstance(i, ImportIssue)],
    )


def test_semicolon_utf8_with_bom_german_headers(catalog_data):
    reader, articles, issues = read(catalog_data / "csv_semicolon_utf8.csv")
    assert reader.format_name == "csv"
    assert reader.header.transaction == "CSV"
    assert reader.header.format_version == "csv"
    assert [a.partner_article_number for a in articles] == [
        "SN-HA-AURA7-RIC-R-BEIGE",
        "SN-R-M-3-R",
        "SN-D-OPEN-M",
        "SN-BAT-312-60",
    ]
    hearing_aid, receiver, dome, batteries = articles

    assert hearing_aid.gtin == "04006381333931"
    assert hearing_aid.hmv_number == "1320030003"
    assert hearing_aid.manufacturer_article_number == "10-000042"
    assert hearing_aid.short_description == "Hörsystem Aura 7 RIC, rechts, beige"
    # A quoted field with the delimiter and a line break inside.
    assert hearing_aid.long_description == (
        "Ex-Hörer-Hörsystem; Technologiestufe 7.\nFür das rechte Ohr."
    )
    assert hearing_aid.price == Decimal("1234.56")  # "1.234,56"
    assert hearing_aid.order_unit == "C62"  # "Stück"
    assert hearing_aid.attributes == {
        "style": "RIC",
        "side": "R",
        "colour": "beige",
        "battery_size": "rechargeable",
    }
    assert hearing_aid.line == 2

    assert receiver.line == 4  # the quoted line break moved it down one line
    assert receiver.price == Decimal("54.90")
    assert receiver.currency == "EUR"
    assert receiver.attributes == {"side": "R", "receiver_power": "M", "receiver_length": "3"}

    assert dome.order_unit == "PK"  # "Packung"
    assert dome.price == Decimal("9.9")
    assert dome.status == "discontinued"
    assert dome.attributes == {"dome_size": "M"}

    assert batteries.gtin is None  # wrong check digit: dropped, article kept
    assert batteries.price is None  # "12.50." is not a price
    assert batteries.status == "active"

    messages = {(i.line, i.partner_article_number): i.message for i in issues}
    assert messages[(1, None)] == "ignored unknown columns: Lagerort, Bemerkung"
    assert "without article number" in messages[(7, None)]
    assert "row has 20 fields but the header has 19" in messages[(9, None)]
    battery_messages = [i.message for i in issues if i.partner_article_number == "SN-BAT-312-60"]
    assert len(battery_messages) == 3
    assert any("check digit" in m for m in battery_messages)
    assert any("'12.50.' is not a number" in m for m in battery_messages)
    assert any("unknown status 'vielleicht'" in m for m in battery_messages)
    assert all(i.line == 8 for i in issues if i.partner_article_number == "SN-BAT-312-60")


def test_comma_windows_1252_english_headers(catalog_data):
    raw = (catalog_data / "csv_comma_cp1252.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the fixture really is Windows-1252
    _reader, articles, issues = read(raw)
    assert issues == []
    receiver, dome, hearing_aid = articles
    assert receiver.short_description == "Hörer M, Länge 2, rechts"
    assert receiver.price == Decimal("1234.56")
    assert receiver.manufacturer_name == "Klangwerk"
    assert receiver.attributes == {
        "side": "R",
        "receiver_power": "M",
        "receiver_length": "2",
        "category": "receiver",
    }
    assert dome.short_description == "Dome Größe L (10 Stück)"
    assert dome.price == Decimal("1234.50")  # "1,234.50"
    assert dome.gtin == "00000096385074"
    assert dome.status == "discontinued"
    assert dome.attributes == {"dome_size": "L", "category": "dome"}
    assert hearing_aid.short_description == "Hörsystem Klang 9 HdO – links"  # 0x96 en dash
    assert hearing_aid.hmv_number == "1320010009"
    assert hearing_aid.attributes["colour"] == "weiß"
    assert hearing_aid.attributes["battery_size"] == "13"


def test_missing_article_number_column_is_fatal():
    data = "Bezeichnung;Preis\nHörer;12,00\n".encode()
    with pytest.raises(FormatError) as caught:
        list(read_catalog(data))
    assert "missing required column: article number" in caught.value.message
    assert caught.value.line == 1
    assert caught.value.field == "partner_article_number"


def test_bytes_invalid_in_both_encodings_are_fatal_with_line():
    # 0x81 is neither a UTF-8 start byte nor defined in Windows-1252.
    data = b"Artikelnummer;Bezeichnung\nA-1;Hoerer\nA-2;H\x81rer\n"
    yielded = []
    with pytest.raises(FormatError) as caught:
        for item in read_catalog(data):
            yielded.append(item)
    assert "wrong encoding" in caught.value.message
    assert caught.value.line == 3
    assert [a.partner_article_number for a in yielded] == ["A-1"]  # caller must roll back


def test_utf16_csv_is_refused_clearly():
    data = "Artikelnummer;Bezeichnung\nA-1;Hörer\n".encode("utf-16")
    with pytest.raises(FormatError, match="UTF-16"):
        list(read_catalog(data))


def test_oversize_csv_stream_is_refused():
    data = ("Artikelnummer;Bezeichnung\n" + "A-1;Hörer\n" * 5000).encode()

    class Pipe(io.RawIOBase):
        def __init__(self):
            self.inner = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, buffer):
            chunk = self.inner.read(min(len(buffer), 1000))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    with pytest.raises(FormatError, match="too large"):
        list(read_catalog(Pipe(), max_bytes=20_000))


def test_line_without_line_breaks_is_refused():
    data = b"Artikelnummer;Bezeichnung\n" + b"x" * (1 << 20) + b"yy"
    with pytest.raises(FormatError, match="line longer than") as caught:
        list(read_catalog(data))
    assert caught.value.line == 2


def test_strict_csv_turns_row_issues_into_errors():
    data = b"Artikelnummer;EAN\nA-1;4006381333931\nA-2;4006381333932\n"
    assert len(list(read_catalog(data))) == 3  # lenient: 2 articles + 1 issue
    with pytest.raises(FormatError) as caught:
        list(read_catalog(data, strict=True))
    assert caught.value.line == 3
    assert "check digit" in caught.value.message


def test_action_column_and_tab_delimiter():
    data = (
        b"Artikelnummer\tAktion\tPreis\n"
        b"A-1\tneu\t1,00\nA-2\tL\xc3\xb6schen\t\nA-3\t\xc3\xa4ndern\t2,00\nA-4\tirgendwas\t\n"
    )
    _reader, articles, issues = read(data)
    assert [(a.partner_article_number, a.mode) for a in articles] == [
        ("A-1", "new"),
        ("A-2", "delete"),
        ("A-3", "update"),
    ]
    assert len(issues) == 1 and "unknown action 'irgendwas'" in issues[0].message


@pytest.mark.parametrize(
    ("delimiter", "encoding"), [(";", "utf-8"), (",", "cp1252"), (";", "utf-8-sig")]
)
def test_write_csv_round_trip(delimiter, encoding):
    original = list(generate_catalog("SN", 120, seed=7))
    original[0].short_description = '=HYPERLINK("http://evil")'
    original[1].long_description = "-20 % Aktion; solange Vorrat reicht\nzweite Zeile"
    out = io.BytesIO()
    assert write_csv(original, out, delimiter=delimiter, encoding=encoding) == 120
    data = out.getvalue()
    assert b"'=HYPERLINK" in data  # neutralised for spreadsheets
    assert not out.closed  # the caller's stream is left open

    _reader, articles, issues = read(data)
    assert issues == []
    assert len(articles) == 120
    for before, after in zip(original, articles):
        after.line = None
        assert after == before


def test_write_csv_uses_decimal_comma_with_semicolons():
    article = CatalogArticle(partner_article_number="A-1", price=Decimal("1234.5"))
    out = io.BytesIO()
    write_csv([article], out)
    assert "A-1;;;;;;;C62;1234,5;EUR;aktiv;" in out.getvalue().decode()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+49 30 123", "'+49 30 123"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Hörer", "Hörer"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_neutralize_csv_cell(value, expected):
    assert neutralize_csv_cell(value) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.234,56", "1234.56"),
        ("1234,56", "1234.56"),
        ("1234.56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1.234.567", "1234567"),
        ("1 234,56 €", "1234.56"),
        ("EUR 12,50", "12.50"),
        ("0,99", "0.99"),
        ("7", "7"),
    ],
)
def test_parse_price(raw, expected):
    assert parse_price(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["", "abc", "-5", "12.50.", "1,2,3", "1.23.4", "1e5"])
def test_parse_price_rejects(raw):
    with pytest.raises(ValueError):
        parse_price(raw)
