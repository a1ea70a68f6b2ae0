"""Companies can register a signed webhook and hear about every status change of their orders."""

import json

import pytest
from django.utils import timezone

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


@pytest.fixture
def hooks(company):
    """Two company webhooks on real HTTP servers on 127.0.0.1: ``ok`` answers 200, ``bad`` as scripted."""
    from tests.delivery.conftest import Recorder

    ok, bad = Recorder(), Recorder()
    try:
        yield (
            (ok, CompanyWebhook.objects.create(company=company[0], url=ok.url, secret="ok")),
            (bad, CompanyWebhook.objects.create(company=company[0], url=bad.url, secret="bad")),
        )
    finally:
        ok.close()
        bad.close()


def _order_with_events(practice, django_capture_on_commit_callbacks) -> str:
    """A new order (announced after intake's commit), delivered to its partner: queued, sending, sent."""
    from tests.ordering.conftest import order_body, submit

    with django_capture_on_commit_callbacks(execute=True):
        order_id = submit(practice, order_body()).json_body["id"]
    return order_id


def _events(recorder, order_id) -> list[dict]:
    bodies = [json.loads(r["body"]) for r in recorder.requests]
    return [b for b in bodies if b["order"]["id"] == order_id]


def _make_webhooks_due():
    """Skip the backoff (the time, not the rule): every retrying webhook row is due now."""
    from django.utils import timezone

    from orderhub.delivery.models import WebhookDelivery

    return WebhookDelivery.objects.filter(status="retrying").update(next_attempt_at=timezone.now())


def test_a_hook_failing_twice_gets_each_event_once_it_answers_with_the_same_signed_bytes(
    http_partner, practice, hooks, django_capture_on_commit_callbacks
):
    from orderhub.delivery.models import WebhookDelivery
    from orderhub.delivery.worker import DeliveryLoop

    (ok, ok_hook), (bad, bad_hook) = hooks
    bad.codes = [500, 500]  # the first two requests fail, then it answers 200
    order_id = _order_with_events(practice, django_capture_on_commit_callbacks)
    loop = DeliveryLoop(concurrency=4, batch=8, interval=0)  # the worker's own loop
    loop.run(until_idle=True)
    assert [e["event"]["to_status"] for e in _events(ok, order_id)] == ["queued", "sending", "sent"]
    assert len(bad.requests) == 3  # one per event, two of them answered 500
    assert run_queued_tasks() == 0, "a failed hook waits for its backoff: no retry storm"
    for _round in range(5):
        _make_webhooks_due()
        loop.run(until_idle=True)
    by_event: dict = {}
    for r in bad.requests:
        by_event.setdefault(json.loads(r["body"])["event"]["id"], []).append(r)
    assert len(by_event) == 3 and sum(len(rs) for rs in by_event.values()) == 5
    for requests in by_event.values():
        assert len({r["body"] for r in requests}) == 1, "every attempt posts the same bytes"
        assert [r["headers"]["X-OrderHub-Attempt"] for r in requests] == [
            str(n) for n in range(1, len(requests) + 1)
        ]
        for r in requests:
            signing.verify(b"bad", r["headers"]["X-OrderHub-Signature"], r["body"])
    assert len(ok.requests) == 3, "the working hook got every event once"
    rows = WebhookDelivery.objects.filter(order_id=order_id)
    assert {(r.hook_id, r.status) for r in rows} == {
        (ok_hook.pk, "delivered"),
        (bad_hook.pk, "delivered"),
    }
    logs = sorted([a.outcome for a in r.attempt_log.all()] for r in rows.filter(hook=bad_hook))
    assert logs == [["retry", "success"], ["retry", "success"], ["success"]]
    failed = [a for r in rows.filter(hook=bad_hook) for a in r.attempt_log.filter(outcome="retry")]
    assert all(a.status_code == 500 and a.finished_at and "500" in a.detail for a in failed)


def test_a_hook_that_always_fails_is_dead_lettered_after_max_tries_and_retried_by_hand(
    http_partner, practice, hooks, django_capture_on_commit_callbacks, admin_client
):
    from django_tasks_db.models import DBTaskResult

    from orderhub.delivery import company_webhooks
    from orderhub.delivery.models import WebhookDelivery

    (ok, _ok_hook), (bad, bad_hook) = hooks
    bad.codes = [500] * 100
    order_id = _order_with_events(practice, django_capture_on_commit_callbacks)
    run_queued_tasks()
    for _round in range(3 * company_webhooks.MAX_TRIES):
        _make_webhooks_due()
        if not run_queued_tasks():
            break
    created = _events(ok, order_id)
    assert [e["event"]["to_status"] for e in created] == ["queued", "sending", "sent"], (
        "the new order is announced, and every change once"
    )
    tries = [e["event"]["id"] for e in _events(bad, order_id)]
    assert sorted(set(tries)) == sorted(e["event"]["id"] for e in created)
    for event_id in set(tries):
        assert tries.count(event_id) == company_webhooks.MAX_TRIES, "bounded retries"
    dead = WebhookDelivery.objects.filter(hook=bad_hook)
    assert {r.status for r in dead} == {"dead"} and all("500" in r.last_error for r in dead)
    for row in dead:
        assert [a.outcome for a in row.attempt_log.all()] == ["retry"] * (
            company_webhooks.MAX_TRIES - 1
        ) + ["failed"]
    # Dead is dead: nothing is due any more, not even when its time comes.
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    assert run_queued_tasks() == 0 and len(bad.requests) == len(tries)
    assert not DBTaskResult.objects.exists(), "webhooks are outbox rows, not tasks"

    # The operator retries one dead event by hand (admin action); the hook works again.
    bad.codes = []
    row = dead.order_by("event_id").first()
    r = admin_client.post(
        "/admin/delivery/webhookdelivery/",
        {"action": "retry", "_selected_action": [row.pk]},
    )
    assert r.status_code == 302
    assert run_queued_tasks() == 1
    row.refresh_from_db()
    assert row.status == "delivered" and row.attempts == company_webhooks.MAX_TRIES + 1
    assert [a.outcome for a in row.attempt_log.all()][-1] == "success"
    assert len(ok.requests) == 3, "hooks that succeeded never get an event twice"
    assert admin_client.get(f"/admin/delivery/webhookdelivery/{row.pk}/change/").status_code == 200


def test_a_deactivated_hook_gets_no_more_events(
    http_partner, practice, hooks, django_capture_on_commit_callbacks
):
    from orderhub.delivery.models import WebhookDelivery

    _, (bad, bad_hook) = hooks
    bad.codes = [500] * 10
    _order_with_events(practice, django_capture_on_commit_callbacks)
    run_queued_tasks()
    CompanyWebhook.objects.filter(pk=bad_hook.pk).update(is_active=False)
    _make_webhooks_due()
    run_queued_tasks()
    assert set(WebhookDelivery.objects.filter(hook=bad_hook).values_list("status", flat=True)) == {
        "cancelled"
    }
    assert len(bad.requests) == 3  # each event once (failed), then nothing more


def test_a_hook_created_after_the_last_order_hears_the_next_one(
    company, practice, django_capture_on_commit_callbacks
):
    """Which company has hooks is kept for a moment (``active_hooks``); creating a hook forgets it,
    so the next order of this process is announced to the new hook, and the order before it, when
    the company had none, to nobody."""
    from orderhub.delivery.models import WebhookDelivery
    from tests.ordering.conftest import order_body, submit

    with django_capture_on_commit_callbacks(execute=True):
        before = submit(practice, order_body("B-1"), key="k-1").json_body
    hook = CompanyWebhook.objects.create(
        company=company[0], url="https://praxis.example/h", secret="s"
    )
    with django_capture_on_commit_callbacks(execute=True):
        after = submit(practice, order_body("B-2"), key="k-2").json_body
    announced = set(WebhookDelivery.objects.filter(hook=hook).values_list("order_id", flat=True))
    assert {str(o) for o in announced} == {after["id"]}
    assert before["id"] != after["id"]
