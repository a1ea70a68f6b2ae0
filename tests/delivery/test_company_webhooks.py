"""Companies can register a signed webhook and hear about every status change of their orders."""

import json

import pytest

from orderhub.delivery.models import CompanyWebhook
from orderhub.formats import signing
from tests.conftest import run_queued_tasks
from tests.delivery.conftest import mark_sent

pytestmark = pytest.mark.django_db


def test_status_changes_are_pushed_signed(company, queued_order, recorder):
    CompanyWebhook.objects.create(company=company[0], url=recorder.url, secret="s3cret")
    mark_sent(queued_order)
    run_queued_tasks()
    events = [json.loads(r["body"]) for r in recorder.requests]
    assert [e["event"]["to_status"] for e in events if e["order"]["id"] == str(queued_order.pk)][-2:] == ["sending", "sent"]
    for r in recorder.requests:
        signing.verify(b"s3cret", r["headers"]["X-OrderHub-Signature"], r["body"])
    with pytest.raises(signing.SignatureError):
        signing.verify(b"other", recorder.requests[0]["headers"]["X-OrderHub-Signature"], recorder.requests[0]["body"])


def test_webhooks_page_shows_the_secret_once(company, practice):
    from django.test import Client

    browser = Client()
    browser.force_login(company[1])
    r = browser.post("/dashboard/webhooks/", {"url": "https://praxis.example/orderhub"})
    hook = CompanyWebhook.objects.get(company=company[0])
    assert hook.secret in r.content.decode()
    assert hook.secret not in browser.get("/dashboard/webhooks/").content.decode()


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/x", "http://localhost/x", "http://10.1.2.3/x",
                                 "http://169.254.169.254/latest/meta-data", "http://[::1]/x"])
def test_webhooks_to_internal_addresses_are_refused(company, practice, url, settings):
    from django.test import Client

    settings.ALLOW_PRIVATE_URLS = False  # the suite allows 127.0.0.1 partners (tests/devenv.py)

    browser = Client()
    browser.force_login(company[1])
    r = browser.post("/dashboard/webhooks/", {"url": url})
    assert "Interne Adressen sind nicht erlaubt." in r.content.decode()
    assert not CompanyWebhook.objects.filter(company=company[0]).exists()
