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
    assert [e["event"]["to_status"] for e in events if e["order"]["id"] == str(queued_order.pk)][
        -2:
    ] == ["sending", "sent"]
    for r in recorder.requests:
        signing.verify(b"s3cret", r["headers"]["X-OrderHub-Signature"], r["body"])
    with pytest.raises(signing.SignatureError):
        signing.verify(
            b"other",
            recorder.requests[0]["headers"]["X-OrderHub-Signature"],
            recorder.requests[0]["body"],
        )


def test_webhooks_page_shows_the_secret_once(company, practice):
    from django.test import Client

    browser = Client()
    browser.force_login(company[1])
    r = browser.post("/dashboard/webhooks/", {"url": "https://praxis.example/orderhub"})
    hook = CompanyWebhook.objects.get(company=company[0])
    assert hook.secret in r.content.decode()
    assert hook.secret not in browser.get("/dashboard/webhooks/").content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/x",
        "http://localhost/x",
        "http://10.1.2.3/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/x",
    ],
)
def test_webhooks_to_internal_addresses_are_refused(company, practice, url, settings):
    from django.test import Client

    settings.ALLOW_PRIVATE_URLS = False  # the suite allows 127.0.0.1 partners (tests/devenv.py)

    browser = Client()
    browser.force_login(company[1])
    r = browser.post("/dashboard/webhooks/", {"url": url})
    assert "Interne Adressen sind nicht erlaubt." in r.content.decode()
    assert not CompanyWebhook.objects.filter(company=company[0]).exists()


def test_a_failing_hook_is_retried_a_bounded_number_of_times_and_a_working_one_gets_each_event_once(
    company, practice, recorder, django_capture_on_commit_callbacks
):
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from orderhub.delivery import company_webhooks
    from tests.delivery.conftest import Recorder

    failing = Recorder()
    try:
        failing.codes = [500] * 20
        CompanyWebhook.objects.create(company=company[0], url=recorder.url, secret="ok")
        CompanyWebhook.objects.create(company=company[0], url=failing.url, secret="bad")
        from tests.ordering.conftest import order_body, submit

        with django_capture_on_commit_callbacks(
            execute=True
        ):  # the new order is announced after commit
            order_id = submit(practice, order_body()).json_body["id"]
        for _round in range(10):  # run every retry at once, whatever its run_after
            DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
            if not run_queued_tasks():
                break
        created = [
            json.loads(r["body"])
            for r in recorder.requests
            if json.loads(r["body"])["order"]["id"] == order_id
        ]
        statuses = [e["event"]["to_status"] for e in created]
        assert statuses[0] == "queued", "the new order is announced"
        ids = [e["event"]["id"] for e in created]
        assert len(ids) == len(set(ids)), (
            "the working hook got every event once, retries went elsewhere"
        )
        tries = [
            json.loads(r["body"])["event"]["id"]
            for r in failing.requests
            if json.loads(r["body"])["order"]["id"] == order_id
        ]
        for event_id in set(ids):
            assert tries.count(event_id) == company_webhooks.MAX_TRIES, (
                "bounded retries of the failing hook"
            )
        assert not DBTaskResult.objects.filter(
            status="READY", task_path__endswith="notify_company_webhooks"
        ).exists()
    finally:
        failing.close()
