"""The demo (``make demo``) shows issue 17's variant structure: DEMO-8 names a RIC pair by its HMV
number; the options choose the variants and the cart names the colours and domes on offer."""

from pathlib import Path

import pytest

from orderhub.catalog import issues
from orderhub.demo import seed
from orderhub.ordering.models import Order

pytestmark = pytest.mark.django_db


def test_the_demo_cart_names_the_variants_on_offer(tmp_path: Path):
    seed.configure_partners(seed.SimulatorEndpoints(1, 1, tmp_path))
    seed.import_demo_catalogs(300, progress=lambda _: None)
    company, _ = seed.demo_company()
    seed.demo_orders(company)
    cart = Order.objects.get(company=company, external_order_id="DEMO-8")
    assert cart.status == "cart"
    right, left = cart.lines.order_by("position")
    assert issues.in_language("de", issues.message, right.issue).startswith(
        "Aura 7 (RIC): Farbe „rot · Code RT“ gibt es nicht"
    )
    assert left.article.partner_article_number == "SN-HA-AURA7-RIC-L-BEIGE"  # by the options
    assert issues.in_language("de", issues.message, left.issue).startswith(
        "Schirmchen der Hörerfamilie G1: Schirmchen „Tulpe“"
    )
    kommission = Order.objects.get(company=company, external_order_id="DEMO-2")
    assert kommission.status == "queued"  # its options fit the catalog
