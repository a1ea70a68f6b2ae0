"""Issue 17: a simulated partner checks the options it receives against its own catalog and
rejects a line whose combination it does not offer, saying why (the rules are the portal's,
``orderhub.formats.variants``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import httpx
import pytest

from orderhub.formats.bmecat.writer import write_bmecat
from orderhub.formats.catalog_generator import catalog_header, generate_catalog
from orderhub.formats.documents import OrderItem
from orderhub.formats.opentrans.answer_reader import parse_answer
from orderhub.formats.opentrans.order_writer import write_order
from orderhub.formats.options import OptionValue
from simulator import PartnerConfig, answers, catalogs
from simulator.__main__ import build_parser, config_from_args

from .conftest import order_document

CATALOG = "generated:SN:300:1"
RIGHT = "SN-HA-AURA7-RIC-R-BEIGE"


def item(line_no, number, **options):
    return OrderItem(
        line_no=line_no,
        quantity=Decimal(1),
        supplier_article_number=number,
        options={
            k: v if isinstance(v, OptionValue) else OptionValue(value=v) for k, v in options.items()
        },
    )


@pytest.fixture(scope="module")
def catalog():
    return catalogs.load(CATALOG)


def test_a_colour_the_model_does_not_come_in_is_refused_naming_the_colours(catalog):
    refused = catalogs.refusal(catalog, item(1, RIGHT, side="R", colour=OptionValue(name="rot")))
    assert refused == (
        "Kombination nicht lieferbar: Aura 7 (RIC): Farbe „rot“ gibt es nicht; "
        "lieferbar: beige, silber."
    )


def test_a_dome_the_receiver_family_does_not_take_is_refused(catalog):
    refused = catalogs.refusal(catalog, item(1, RIGHT, dome_type="tulip", dome_size="M"))
    assert refused == (
        "Kombination nicht lieferbar: Schirmchen der Hörerfamilie G1: Schirmchen „Tulpe“ gibt "
        "es nicht; lieferbar: offen, geschlossen, Power."
    )


@pytest.mark.parametrize(
    "options",
    [
        {"side": "R", "colour": OptionValue(code="P01", name="beige"), "battery": "rechargeable"},
        {"receiver_power": "UP", "receiver_length": "3", "dome_type": "open", "dome_size": "S"},
        {"tubing": "thin"},  # not a catalog feature: nothing to judge
        {},
    ],
)
def test_what_the_catalog_offers_passes(catalog, options):
    assert catalogs.refusal(catalog, item(1, RIGHT, **options)) is None


def test_an_article_the_catalog_does_not_list_is_not_this_checks_business(catalog):
    assert catalogs.refusal(catalog, item(1, "SN-GIBT-ES-NICHT", side="R")) is None


def test_a_bmecat_file_is_a_catalog_too(tmp_path):
    path = tmp_path / "sonora.xml"
    with open(path, "wb") as out:
        write_bmecat(catalog_header("SN", 300), generate_catalog("SN", 300, seed=1), out)
    from_file = catalogs.load(str(path))
    assert catalogs.refusal(from_file, item(1, RIGHT, side="L")) == (
        "Kombination nicht lieferbar: Artikel SN-HA-AURA7-RIC-R-BEIGE passt nicht zu den "
        "Optionen (Seite „links“ statt „rechts“); passende Variante: SN-HA-AURA7-RIC-L-BEIGE."
    )


def test_the_refused_line_is_rejected_with_the_reason_and_the_others_confirmed(catalog):
    order = replace(
        order_document("OH-V1"),
        items=[item(1, RIGHT, colour=OptionValue(name="rot")), item(2, RIGHT, side="R")],
    )
    decisions = answers.decide_lines(
        order, "confirm", date(2026, 3, 2), refuse=lambda i: catalogs.refusal(catalog, i)
    )
    assert [d.status for d in decisions] == ["rejected", "confirmed"]
    assert decisions[0].note.startswith("Kombination nicht lieferbar: Aura 7 (RIC): Farbe „rot“")


def test_the_cli_gives_a_partner_its_catalog():
    args = build_parser().parse_args(
        ["--partner", "audiotec:edifact", "--catalog", f"audiotec={CATALOG}"]
    )
    assert config_from_args(args).partner("audiotec").catalog == CATALOG
    with pytest.raises(ValueError, match="no partner"):
        config_from_args(build_parser().parse_args(["--partner", "a:edifact", "--catalog", "b=x"]))


def test_a_received_order_is_answered_per_line_against_the_catalog(make_simulator, fake_portal):
    sonora = PartnerConfig("sonora", "opentrans", portal_token="t", catalog=CATALOG)
    sim = make_simulator(sonora, portal_url=fake_portal.url)
    order = replace(
        order_document("OH-V2"),
        items=[
            item(1, RIGHT, side="R", colour=OptionValue(code="RT", name="rot")),
            item(2, "SN-HA-AURA7-RIC-L-BEIGE", side="L", colour=OptionValue(name="beige")),
        ],
    )
    with httpx.Client(trust_env=False, timeout=5) as http:
        r = http.post(
            f"{sim.base_url}/sonora/opentrans/orders",
            content=write_order(order),
            headers={"Content-Type": "application/xml"},
        )
    assert r.status_code == 200, r.text
    response = parse_answer(fake_portal.wait_for(1)[0].body)
    rejected, confirmed = response.lines
    assert (rejected.status, confirmed.status) == ("rejected", "confirmed")
    assert rejected.note.startswith(
        "Kombination nicht lieferbar: Aura 7 (RIC): Farbe „rot · Code RT“ gibt es nicht; "
        "lieferbar: beige, silber"
    )
    assert sim.wait_for_answers(5)
