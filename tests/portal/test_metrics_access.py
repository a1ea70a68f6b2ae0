"""``/metrics`` counts orders across all companies: only the operator's monitoring may read it."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

OUTSIDE = "198.51.100.20"


def _get(address="127.0.0.1", **headers):
    return Client(REMOTE_ADDR=address).get("/metrics", headers=headers)


def test_without_a_token_only_loopback_is_answered(settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_NETWORKS = ["127.0.0.1/32", "::1/128"]
    r = _get()
    assert r.status_code == 200 and "orderhub_orders" in r.content.decode()
    assert _get(OUTSIDE).status_code == 404
    assert _get(OUTSIDE, authorization="Bearer anything").status_code == 404
    # Through a reverse proxy on the same machine the address is loopback, the client is not.
    assert _get(x_forwarded_for=OUTSIDE).status_code == 404
    assert _get(forwarded=f"for={OUTSIDE}").status_code == 404


def test_with_a_token_the_bearer_header_opens_it_from_anywhere(settings):
    settings.METRICS_TOKEN = "metrics-token-0123456789"
    settings.METRICS_NETWORKS = []  # the default once a token is set
    assert _get(OUTSIDE, authorization="Bearer metrics-token-0123456789").status_code == 200
    assert _get(OUTSIDE, authorization="Bearer metrics-token-wrong").status_code == 404
    assert _get(OUTSIDE, authorization="metrics-token-0123456789").status_code == 404
    assert _get(OUTSIDE).status_code == 404
    assert _get().status_code == 404  # loopback alone is not enough once a token is set


def test_configured_internal_networks_and_trusted_proxies(settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_NETWORKS = ["10.20.0.0/16"]
    assert _get("10.20.3.4").status_code == 200
    assert _get("10.21.3.4").status_code == 404
    assert _get().status_code == 404  # loopback is not listed
    settings.TRUSTED_PROXY_COUNT = 1
    assert _get("127.0.0.1", x_forwarded_for="10.20.3.4").status_code == 200
    assert _get("127.0.0.1", x_forwarded_for=OUTSIDE).status_code == 404


def test_the_404_looks_like_any_missing_page(settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_NETWORKS = ["127.0.0.1/32"]
    r = _get(OUTSIDE)
    assert r.status_code == 404 and "orderhub_" not in r.content.decode()
