"""A parcel's tracking number links to its carrier's tracking page; an unknown carrier gets none."""

import pytest

from orderhub.ordering import tracking


@pytest.mark.parametrize(
    ("carrier", "start"),
    [
        ("DHL", "https://www.dhl.de/"),
        ("dhl paket", "https://www.dhl.de/"),
        ("DPD Deutschland GmbH", "https://tracking.dpd.de/"),
        ("UPS", "https://www.ups.com/"),
        ("GLS", "https://gls-group.com/"),
        ("Hermes", "https://www.myhermes.de/"),
    ],
)
def test_known_carriers_link_to_their_tracking_page(carrier, start):
    url = tracking.page_for(carrier, "00340434161234567890")
    assert url is not None and url.startswith(start) and url.endswith("00340434161234567890")


def test_an_unknown_carrier_or_no_carrier_gets_no_link_but_keeps_the_number():
    assert tracking.page_for("Kurier Müller", "4711") is None
    assert tracking.page_for("", "4711") is None
    assert tracking.links(None, ["4711"]) == [{"number": "4711", "url": None}]


def test_a_number_is_quoted_not_spliced_into_the_url():
    url = tracking.page_for("DHL", "12 34&x=<y>")
    assert url.endswith("piececode=12%2034%26x%3D%3Cy%3E")
