import io
from decimal import Decimal

import pytest
from lxml import etree

from orderhub.formats import FormatError
from orderhub.formats.bmecat.schema import STRICT_BATCH_PRODUCTS, load_schema
from orderhub.formats.bmecat.writer import write_bmecat
from orderhub.formats.catalog import (
    CatalogArticle,
    CatalogHeader,
    ImportIssue,
    normalize_attribute_value,
)
from orderhub.formats.catalog_generator import catalog_header, generate_catalog
from orderhub.formats.catalog_reader import read_catalog


def articles_and_issues(source, **kwargs):
    reader = read_catalog(source, **kwargs)
    items = list(reader)
    articles = [i for i in items if isinstance(i, CatalogArticle)]
    issues = [i for i in items if isinstance(i, ImportIssue)]
    return reader, articles, issues


def bmecat_bytes(articles, header=None, **kwargs) -> bytes:
    out = io.BytesIO()
    write_bmecat(header or catalog_header("SN", len(articles)), articles, out, **kwargs)
    return out.getvalue()


# --- the official BMEcat 2005 example -------------------------------------------------------


def test_official_example_imports_leniently(bmecat_examples):
    reader, articles, issues = articles_and_issues(bmecat_examples[0])

    assert reader.header == CatalogHeader(
        transaction="T_NEW_CATALOG",
        catalog_id="CAT1",
        catalog_version="1.0",
        language="deu",
        currency="EUR",
        supplier_name="SupplyCo Ltd.",
        format_version="2005",
    )
    assert [a.partner_article_number for a in articles] == ["1000"]
    article = articles[0]
    assert article.short_description == 'Apple MacBook Pro 13"'
    assert article.long_description == "Das Kraftpaket unter den Notebooks."
    assert article.manufacturer_article_number == "MPN"
    assert article.manufacturer_name == "Microsoft"
    assert article.order_unit == "BX"  # "BOX" is no Rec 20 code: read as the name of a box
    # Two net_customer tiers: the one for the lowest quantity (LOWER_BOUND 1) is the list price.
    assert article.price == Decimal("1499.5")
    assert article.currency == "EUR"
    assert article.status == "active"
    assert article.mode == "new"
    assert article.line == 90
    # The example's GTIN 8712670911213 has a wrong check digit: dropped, reported, kept.
    assert article.gtin is None
    assert len(issues) == 1
    assert issues[0].line == 90
    assert issues[0].partner_article_number == "1000"
    assert "check digit" in issues[0].message


def test_official_example_is_refused_in_strict_mode_with_lines(bmecat_examples):
    with pytest.raises(FormatError) as caught:
        list(read_catalog(bmecat_examples[0], strict=True))
    error = caught.value
    assert error.line == 53
    assert "schema validation failed" in error.message
    assert "line 53: Element 'USER_DEFINED_EXTENSIONS'" in error.message
    assert "line 122: Element 'ORDER_UNIT'" in error.message
    assert "{…}" in error.message  # the 1,000-entry unit enumeration is not spelled out


# --- strict mode with generated catalogs ---------------------------------------------------


def test_generated_catalog_is_xsd_valid_and_reads_back_in_strict_mode():
    size = STRICT_BATCH_PRODUCTS + 250  # two validation batches
    original = list(generate_catalog("SN", size, seed=3))
    data = bmecat_bytes(original)

    schema = load_schema()
    assert schema.validate(etree.fromstring(data)), schema.error_log.last_error

    reader, articles, issues = articles_and_issues(data, strict=True)
    assert issues == []
    assert reader.header.transaction == "T_NEW_CATALOG"
    assert reader.header.supplier_name == "Sonora Hörsysteme GmbH"
    assert len(articles) == size
    for before, after in zip(original, articles):
        after_line = after.line
        after.line = None
        assert after == before
        assert after_line is not None


def test_strict_mode_refuses_an_invalid_product_with_its_line():
    data = bmecat_bytes(list(generate_catalog("SN", STRICT_BATCH_PRODUCTS + 100)))
    lines = data.split(b"\n")
    # Break the 520th product (second batch): lines 1-4 are declaration, root, header, txn.
    bad_line = 4 + 520
    assert lines[bad_line - 1].startswith(b"<PRODUCT>")
    lines[bad_line - 1] = lines[bad_line - 1].replace(b"<ORDER_UNIT>C62", b"<ORDER_UNIT>XYZ")
    broken = b"\n".join(lines)

    yielded = []
    with pytest.raises(FormatError) as caught:
        for item in read_catalog(broken, strict=True):
            yielded.append(item)
    assert caught.value.line == bad_line
    assert "ORDER_UNIT" in caught.value.message and "XYZ" in caught.value.message
    # Only articles of batches that validated were handed out.
    assert len(yielded) <= STRICT_BATCH_PRODUCTS
    assert all(item.line < bad_line for item in yielded)


def test_strict_mode_reports_missing_required_elements():
    data = b"""<?xml version="1.0"?>
<BMECAT version="2005" xmlns="http://www.bmecat.org/bmecat/2005">
<HEADER><CATALOG><LANGUAGE>deu</LANGUAGE><CATALOG_ID>X</CATALOG_ID>
<CATALOG_VERSION>1.0</CATALOG_VERSION></CATALOG>
<SUPPLIER><SUPPLIER_NAME>S</SUPPLIER_NAME></SUPPLIER></HEADER>
<T_NEW_CATALOG>
<PRODUCT><SUPPLIER_PID>A-1</SUPPLIER_PID></PRODUCT>
</T_NEW_CATALOG>
</BMECAT>"""
    assert len(list(read_catalog(data))) == 1  # lenient: imported
    with pytest.raises(FormatError) as caught:
        list(read_catalog(data, strict=True))
    assert caught.value.line == 7
    assert "Missing child element" in caught.value.message


def test_strict_mode_validates_price_updates(catalog_data):
    _reader, articles, issues = articles_and_issues(
        catalog_data / "bmecat2005_update_prices.xml", strict=True
    )
    # SN-ACC-TV has only a gross list price: taken by the price rule, with an issue saying so.
    assert [a.partner_article_number for a in articles] == [
        "SN-HA-AURA7-RIC-R-BEIGE",
        "SN-BAT-312-60",
        "SN-ACC-TV",
    ]
    assert articles[2].price_type == "gros_list"
    assert any("gros_list" in i.message for i in issues)


def test_strict_mode_is_not_available_for_bmecat_12(catalog_data):
    _reader, articles, issues = articles_and_issues(
        catalog_data / "bmecat12_new_catalog.xml", strict=True
    )
    assert len(articles) == 3
    assert issues[0].line is None
    assert "only available for BMEcat 2005" in issues[0].message
    assert "1.2" in issues[0].message


def test_missing_schema_is_a_clear_error(tmp_path):
    data = bmecat_bytes(list(generate_catalog("SN", 3)))
    with pytest.raises(FormatError, match="schema not found"):
        list(read_catalog(data, strict=True, standards_dir=tmp_path))


# --- BMEcat 1.2 without namespace -----------------------------------------------------------


def test_bmecat_12_without_namespace(catalog_data):
    reader, articles, issues = articles_and_issues(catalog_data / "bmecat12_new_catalog.xml")
    assert issues == []
    assert reader.header == CatalogHeader(
        transaction="T_NEW_CATALOG",
        catalog_id="HK-2024",
        catalog_version="3.1",
        language="deu",
        currency="EUR",
        supplier_name="Klangwerk Vertrieb GmbH",
        format_version="1.2",
    )
    receiver, hearing_aid, dome = articles

    # ISO-8859-1 umlauts decoded; EAN element; features mapped; unknown feature ignored.
    assert receiver.partner_article_number == "KW-4711"
    assert receiver.short_description == "Hörer M, Länge 2, rechts"
    assert receiver.gtin == "04006381333931"
    assert receiver.manufacturer_article_number == "0815-R-M2"
    assert receiver.price == Decimal("54.90")
    assert receiver.attributes == {"receiver_power": "M", "receiver_length": "2", "side": "R"}

    # HMV number with dots from SPECIAL_TREATMENT_CLASS type="HMV", EAN-8, status text.
    assert hearing_aid.hmv_number == "1320010042"
    assert hearing_aid.gtin == "00000096385074"
    assert hearing_aid.status == "discontinued"
    assert hearing_aid.attributes == {
        "style": "BTE",
        "model": "Klang 100",
        "colour": "silber",
        "battery_size": "13",
        "side": "L",
    }

    # PRICE_QUANTITY 2: the price per order unit is half the amount.
    assert dome.order_unit == "PK"
    assert dome.price == Decimal("9.90")
    assert dome.attributes == {"dome_size": "M"}
    assert dome.line == 76


def test_bmecat_12_with_schema_namespace():
    data = b"""<?xml version="1.0" encoding="UTF-8"?>
<BMECAT version="1.2" xmlns="http://www.bmecat.org/XMLSchema/1.2/bmecat_new_catalog">
 <HEADER><CATALOG><LANGUAGE>deu</LANGUAGE><CATALOG_ID>C</CATALOG_ID>
 <CATALOG_VERSION>1.0</CATALOG_VERSION></CATALOG></HEADER>
 <T_NEW_CATALOG><ARTICLE><SUPPLIER_AID>A-1</SUPPLIER_AID>
 <ARTICLE_DETAILS><DESCRIPTION_SHORT>Filter</DESCRIPTION_SHORT></ARTICLE_DETAILS>
 <ARTICLE_PRICE_DETAILS><ARTICLE_PRICE price_type="net_list"><PRICE_AMOUNT>6.9</PRICE_AMOUNT>
 </ARTICLE_PRICE></ARTICLE_PRICE_DETAILS></ARTICLE></T_NEW_CATALOG></BMECAT>"""
    reader, articles, _issues = articles_and_issues(data)
    assert reader.header.format_version == "1.2"
    assert [(a.partner_article_number, a.price) for a in articles] == [("A-1", Decimal("6.9"))]


# --- update transactions --------------------------------------------------------------------


def test_update_products_modes_and_lenient_issues(catalog_data):
    reader, articles, issues = articles_and_issues(catalog_data / "bmecat2005_update_products.xml")
    assert reader.header.transaction == "T_UPDATE_PRODUCTS"
    assert [(a.partner_article_number, a.mode) for a in articles] == [
        ("SN-NEW-1", "new"),
        ("SN-UPD-1", "update"),
        ("SN-DEL-1", "delete"),
        ("SN-D-POWER-L", "update"),
    ]
    new, update, delete, dome = articles

    # SUPPLIER_PID stripped only; description in the catalog language; UPC; HMV with spaces.
    assert new.short_description == "Hörsystem Nova 7 RIC links"
    assert new.gtin == "00036000291452"
    assert new.hmv_number == "1320030007"
    assert new.manufacturer_article_number == "00123"
    assert new.attributes == {
        "style": "RIC",
        "side": "L",
        "colour": "champagne",
        "receiver_power": "P",
        "receiver_length": "3",
        "battery_size": "rechargeable",
    }

    # Invalid GTIN dropped but article kept; decimal comma accepted; discontinued status.
    assert update.gtin is None
    assert update.price == Decimal("12.50")
    assert update.status == "discontinued"

    assert delete.short_description == ""  # a delete carries only the article number

    # L and R together mean both sides; unparsable price kept as None.
    assert dome.attributes == {"side": "B", "dome_size": "L"}
    assert dome.price is None

    by_line = {(i.line, i.partner_article_number): i.message for i in issues}
    assert "check digit" in by_line[(37, "SN-UPD-1")]
    assert "without supplier article number" in by_line[(55, None)]
    assert "unknown product mode 'replace'" in by_line[(58, "SN-ODD-1")]
    assert "not a number" in by_line[(61, "SN-D-POWER-L")]
    assert len(issues) == 4


def test_update_prices_only_fill_price(catalog_data):
    reader, articles, issues = articles_and_issues(catalog_data / "bmecat2005_update_prices.xml")
    assert reader.header.transaction == "T_UPDATE_PRICES"
    hearing_aid, batteries, gross_only = articles
    # The price rule (docs/catalog-formats.md): net_customer wins over net_list; within one
    # type the LOWER_BOUND 1 tier wins over the 10-piece tier.
    assert hearing_aid.price == Decimal("500.00") and hearing_aid.price_type == "net_customer"
    assert hearing_aid.mode == "update"
    assert hearing_aid.short_description == "" and hearing_aid.gtin is None
    assert hearing_aid.attributes == {}
    # PRICE_FACTOR applies; PRICE_CURRENCY overrides the header currency.
    assert batteries.price == Decimal("27")
    assert batteries.currency == "CHF"
    # Only a gross list price: used, and said so.
    assert gross_only.price == Decimal("261.61") and gross_only.price_type == "gros_list"
    assert len(issues) == 1
    assert issues[0].partner_article_number == "SN-ACC-TV"
    assert "gros_list" in issues[0].message and "no net price" in issues[0].message


@pytest.mark.parametrize("transaction", ["T_UPDATE_PRODUCTS", "T_UPDATE_PRICES"])
def test_writer_produces_valid_update_documents(transaction):
    articles = list(generate_catalog("SN", 6))
    articles[1].mode = "update"
    articles[2].mode = "delete"
    header = CatalogHeader(
        transaction=transaction, catalog_id="SN-UPD", catalog_version="2.0", supplier_name="Sonora"
    )
    data = bmecat_bytes(articles, header, prev_version=1)
    schema = load_schema()
    assert schema.validate(etree.fromstring(data)), schema.error_log.last_error

    reader, read, issues = articles_and_issues(data, strict=True)
    assert issues == []
    assert reader.header.transaction == transaction
    if transaction == "T_UPDATE_PRODUCTS":
        assert [a.mode for a in read] == ["new", "update", "delete", "new", "new", "new"]
    else:
        assert {a.mode for a in read} == {"update"}
        assert [a.price for a in read] == [a.price for a in articles]


def test_writer_refuses_overlong_article_numbers():
    article = CatalogArticle(partner_article_number="X" * 33, short_description="zu lang")
    with pytest.raises(FormatError, match="32 characters"):
        bmecat_bytes([article])


def test_writer_clips_free_texts_to_schema_limits():
    article = CatalogArticle(
        partner_article_number="A-1",
        short_description="Sehr lang " * 40,
        manufacturer_name="M" * 80,
        attributes={"model": "Modell " * 20},
    )
    data = bmecat_bytes([article], CatalogHeader(transaction="T_NEW_CATALOG"))
    schema = load_schema()
    assert schema.validate(etree.fromstring(data)), schema.error_log.last_error


# --- hostile and broken files ---------------------------------------------------------------


def test_truncated_xml_is_a_format_error_with_line():
    data = bmecat_bytes(list(generate_catalog("SN", 20)))
    truncated = data[: len(data) // 2]
    with pytest.raises(FormatError) as caught:
        list(read_catalog(truncated))
    assert "malformed or truncated" in caught.value.message
    assert caught.value.line is not None and caught.value.line > 4


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE BMECAT [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<BMECAT version="2005"><HEADER><CATALOG><CATALOG_ID>&lol9;</CATALOG_ID></CATALOG></HEADER>
<T_NEW_CATALOG><PRODUCT><SUPPLIER_PID>&lol9;</SUPPLIER_PID></PRODUCT></T_NEW_CATALOG></BMECAT>
"""


def test_entity_bomb_is_refused():
    with pytest.raises(FormatError) as caught:
        list(read_catalog(BILLION_LAUGHS))
    assert "entity" in caught.value.message


def test_external_entity_is_refused_and_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    for target in ("file:///etc/passwd", secret.as_uri()):
        data = f"""<?xml version="1.0"?>
<!DOCTYPE BMECAT [ <!ENTITY xxe SYSTEM "{target}"> ]>
<BMECAT version="2005"><HEADER/><T_NEW_CATALOG><PRODUCT>
<SUPPLIER_PID>A-1</SUPPLIER_PID>
<PRODUCT_DETAILS><DESCRIPTION_SHORT>&xxe;</DESCRIPTION_SHORT></PRODUCT_DETAILS>
</PRODUCT></T_NEW_CATALOG></BMECAT>""".encode()
        yielded = []
        with pytest.raises(FormatError) as caught:
            for item in read_catalog(data):
                yielded.append(item)
        assert yielded == []
        assert "entity" in caught.value.message
        assert "TOP-SECRET" not in str(caught.value) and "root:" not in str(caught.value)


def test_parameter_entity_is_refused():
    data = b"""<?xml version="1.0"?>
<!DOCTYPE BMECAT [ <!ENTITY % pe SYSTEM "file:///etc/passwd"> %pe; ]>
<BMECAT version="2005"><HEADER/><T_NEW_CATALOG/></BMECAT>"""
    with pytest.raises(FormatError, match="entity"):
        list(read_catalog(data))


def test_external_dtd_reference_is_not_fetched_and_not_needed(bmecat_examples):
    # The official example references bmecat_2005_tnc.dtd, which does not exist here.
    assert b"<!DOCTYPE BMECAT SYSTEM" in bmecat_examples[0].read_bytes()
    assert len(list(read_catalog(bmecat_examples[0]))) == 2


def test_wrong_encoding_in_xml():
    data = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<BMECAT version="2005"><HEADER/>'
        b"<T_NEW_CATALOG><PRODUCT><SUPPLIER_PID>H\xf6rer\x81</SUPPLIER_PID></PRODUCT>"
        b"</T_NEW_CATALOG></BMECAT>"
    )
    with pytest.raises(FormatError) as caught:
        list(read_catalog(data))
    assert "wrong encoding" in caught.value.message
    assert caught.value.line == 2


def test_oversize_input_is_refused_for_paths_and_streams(tmp_path):
    data = bmecat_bytes(list(generate_catalog("SN", 50)))
    path = tmp_path / "big.xml"
    path.write_bytes(data)
    with pytest.raises(FormatError, match="too large"):
        read_catalog(path, max_bytes=10_000)  # size known up front: refused before reading

    class Pipe(io.RawIOBase):  # a non-seekable stream of unknown size
        def __init__(self):
            self.inner = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, buffer):
            chunk = self.inner.read(min(len(buffer), 4096))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    with pytest.raises(FormatError, match="too large"):
        list(read_catalog(Pipe(), max_bytes=10_000))
    assert len(list(read_catalog(Pipe(), max_bytes=len(data)))) == 50


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (b"   \n", "empty file"),
        (b"<html><body>Login</body></html>", "not a BMEcat document"),
        (b"<?xml version='1.0'?><BMECAT version='2005'><HEADER/></BMECAT>", "without T_NEW"),
        (b"<BMECAT><HEADER></BMECAT>", "malformed"),
    ],
)
def test_not_a_catalog(data, message):
    with pytest.raises(FormatError, match=message):
        list(read_catalog(data))


def test_progress_and_header_before_iteration(tmp_path):
    data = bmecat_bytes(list(generate_catalog("SN", 30)))
    path = tmp_path / "c.xml"
    path.write_bytes(data)
    calls = []
    with read_catalog(path, progress=lambda done, total: calls.append((done, total))) as reader:
        assert reader.header is None
        header = reader.read_header()
        assert header.catalog_id == "SN-30"
        items = list(reader)
    assert len(items) == 30  # nothing lost while reading the header
    assert items[0].partner_article_number == "SN-HA-AURA3-RIC-L-BEIGE"
    assert calls and calls[-1] == (len(data), len(data))


def test_reader_accepts_binary_file_objects(catalog_data):
    with open(catalog_data / "bmecat2005_update_prices.xml", "rb") as handle:
        items = list(read_catalog(handle))
    assert len(items) == 4  # three articles, one issue


@pytest.mark.parametrize(
    ("key", "raw", "expected"),
    [
        ("side", "links", "L"),
        ("side", "Right", "R"),
        ("side", "beidseitig", "B"),
        ("style", "HdO", "BTE"),
        ("style", "Ex-Hörer", "RIC"),
        ("style", "IdO", "ITE"),
        ("style", "cic", "CIC"),
        ("receiver_power", "High Power", "HP"),
        ("receiver_length", "Länge 4", "4"),
        ("battery_size", "PR41", "312"),
        ("battery_size", "Typ 675", "675"),
        ("battery_size", "Li-Ion", "rechargeable"),
        ("dome_size", "klein", "S"),
        ("colour", "  Weiß ", "weiß"),
        ("model", "Aura  7", "Aura 7"),
        ("side", "oben", "oben"),
    ],
)
def test_attribute_values_are_normalised(key, raw, expected):
    assert normalize_attribute_value(key, raw) == expected


def test_undefined_html_entity_is_a_clear_error():
    data = (
        b'<BMECAT version="2005"><HEADER/><T_NEW_CATALOG><PRODUCT>\n'
        b"<SUPPLIER_PID>A&nbsp;1</SUPPLIER_PID></PRODUCT></T_NEW_CATALOG></BMECAT>"
    )
    with pytest.raises(FormatError) as caught:
        list(read_catalog(data))
    assert "Entity 'nbsp' not defined" in caught.value.message
    assert caught.value.line == 2


# --- the reader's fast paths give what the general functions give -------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from orderhub.formats.bmecat import reader as bmecat_reader  # noqa: E402
from orderhub.formats.catalog import parse_price  # noqa: E402
from orderhub.formats.identifiers import InvalidIdentifier, normalize_gtin, normalize_hmv  # noqa: E402

_FAST = settings(max_examples=300, deadline=None)
_digits = st.text(alphabet="0123456789", min_size=0, max_size=16)
_identifier_like = st.one_of(
    _digits,
    st.text(alphabet="0123456789 -.x٣", max_size=16),
    st.sampled_from(
        [
            "4006381333931",
            "4006381333932",
            "04006381333931",
            "96385074",
            "036000291452",
            "00000000",
            "1320030001",
            "0000000000",
            "13.20.03.0001",
        ]
    ),
)


def _outcome(fn, raw):
    try:
        return "ok", fn(raw)
    except (InvalidIdentifier, ValueError) as exc:
        return "error", str(exc)


@_FAST
@given(_identifier_like)
def test_inline_gtin_check_matches_normalize_gtin(raw):
    assert _outcome(bmecat_reader._gtin, raw) == _outcome(normalize_gtin, raw)


@_FAST
@given(_identifier_like)
def test_inline_hmv_check_matches_normalize_hmv(raw):
    assert _outcome(bmecat_reader._hmv, raw) == _outcome(normalize_hmv, raw)


@_FAST
@given(
    st.one_of(
        st.from_regex(r"\d{1,17}(\.\d{0,12})?", fullmatch=True),
        st.text(alphabet="0123456789.,€ -+E", max_size=20),
    )
)
def test_inline_price_parsing_matches_parse_price(raw):
    assert _outcome(bmecat_reader._price, raw) == _outcome(parse_price, raw)


def test_memoised_feature_values_match_and_stay_bounded():
    for key, raw, expected in [
        ("side", "links", "L"),
        ("style", "HdO", "BTE"),
        ("colour", "  Weiß ", "weiß"),
    ]:
        assert (
            bmecat_reader._feature_value(key, raw)
            == expected
            == bmecat_reader._feature_value(key, raw)
        )
    long_value = "Farbe " * 40
    assert bmecat_reader._feature_value("colour", long_value) == normalize_attribute_value(
        "colour", long_value
    )
    assert ("colour", long_value) not in bmecat_reader._feature_values
    for i in range(bmecat_reader._MEMO_ENTRIES + 10):
        bmecat_reader._feature_value("model", f"Modell {i}")
        bmecat_reader._feature_key(f"Merkmal {i}")
    assert len(bmecat_reader._feature_values) <= bmecat_reader._MEMO_ENTRIES
    assert len(bmecat_reader._feature_keys) <= bmecat_reader._MEMO_ENTRIES
    assert bmecat_reader._feature_key("HMV-Nr") is bmecat_reader._HMV_FEATURE
    assert bmecat_reader._feature_key("Hörer-Stärke") == "receiver_power"
    assert bmecat_reader._feature_key("Gewicht") is bmecat_reader._IGNORED


BMECAT_1_WITH_INTERNAL_SUBSET = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE BMECAT SYSTEM "bmecat_new_catalog_1_2.dtd" [
<!-- user defined extensions -->
<!ENTITY % USERDEFINES "UDX.HA.COLOUR?, UDX.HA.BATTERY?">
<!ENTITY unused "never referenced">
<!ELEMENT UDX.HA.COLOUR (#PCDATA)>
<!ELEMENT UDX.HA.BATTERY (#PCDATA)>
]>
<BMECAT version="1.2"><HEADER><CATALOG><LANGUAGE>deu</LANGUAGE><CATALOG_ID>C</CATALOG_ID>
<CATALOG_VERSION>1.0</CATALOG_VERSION></CATALOG></HEADER>
<T_NEW_CATALOG><ARTICLE><SUPPLIER_AID>UDX-1</SUPPLIER_AID>
<ARTICLE_DETAILS><DESCRIPTION_SHORT>H\xf6rer</DESCRIPTION_SHORT></ARTICLE_DETAILS>
<USER_DEFINED_EXTENSIONS><UDX.HA.COLOUR>beige</UDX.HA.COLOUR></USER_DEFINED_EXTENSIONS>
</ARTICLE></T_NEW_CATALOG></BMECAT>"""


def test_bmecat1_doctype_internal_subset_declarations_are_read():
    items = list(read_catalog(BMECAT_1_WITH_INTERNAL_SUBSET))
    assert [a.partner_article_number for a in items] == ["UDX-1"]
    assert items[0].short_description == "H\u00f6rer"


def test_bmecat_declared_entity_that_is_used_is_refused():
    data = BMECAT_1_WITH_INTERNAL_SUBSET.replace(b"H\xf6rer", b"&unused;")
    with pytest.raises(FormatError, match="uses the entity &unused;"):
        list(read_catalog(data))


def test_bmecat_declared_entity_used_in_an_attribute_is_refused():
    data = BMECAT_1_WITH_INTERNAL_SUBSET.replace(
        b"<DESCRIPTION_SHORT>", b'<DESCRIPTION_SHORT lang="&unused;">'
    )
    with pytest.raises(FormatError, match="entity &unused;"):
        list(read_catalog(data))


def test_opentrans_doctype_declaration_without_use_is_read():
    from orderhub.formats import safexml

    root = safexml.parse_bytes(b'<!DOCTYPE A [ <!ENTITY x "y"> <!ENTITY % p "q"> ]><A>1</A>')
    assert root.text == "1"
    with pytest.raises(FormatError, match="entity"):
        safexml.parse_bytes(b'<!DOCTYPE A [ <!ENTITY x "y"> ]><A>&x;</A>')
    with pytest.raises(FormatError, match="parameter entity %p;"):
        safexml.parse_bytes(b"<!DOCTYPE A [ <!ENTITY % p \"<!ENTITY x 'y'>\"> %p; ]><A>1</A>")
