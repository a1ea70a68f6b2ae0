"""The outbox: one rendering, retries with backoff, dead letter on permanent errors or after the horizon."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from orderhub.delivery import outbox
from orderhub.delivery.models import Delivery, Document
from orderhub.formats.opentrans.schema import validate
from orderhub.ordering.models import Order
from tests.conftest import run_queued_tasks

pytestmark = pytest.mark.django_db


def test_backoff_grows_exponentially_with_jitter_and_a_cap(partners):
    p = partners["sonora"]  # defaults: first retry 30 s, cap 1 h
    rng = random.Random(1)
    delays = [outbox.backoff(p, attempt, rng) for attempt in range(1, 12)]
    assert 15 <= delays[0] <= 30 and 30 <= delays[1] <= 60 and 60 <= delays[2] <= 120
    assert all(1800 <= d <= 3600 for d in delays[8:])  # capped at an hour, still jittered
    assert len({round(outbox.backoff(p, 3, random.Random(s)), 3) for s in range(20)}) > 10


def test_retry_after_5xx_sends_the_identical_document(http_partner, queued_order, recorder):
    recorder.codes = [503]
    assert run_queued_tasks() == 1
    delivery = Delivery.objects.get(order=queued_order)
    assert delivery.status == "retrying" and delivery.attempts == 1
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=10)
    assert run_queued_tasks() == 0  # not due before its backoff
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert run_queued_tasks() == 1
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    first, second = recorder.requests
    assert first["body"] == second["body"]
    assert first["headers"]["Idempotency-Key"] == queued_order.number
    assert first["headers"]["Authorization"].startswith("Basic ")
    validate(first["body"])
    assert Document.objects.filter(order=queued_order, direction="outbound").count() == 1
    queued_order.refresh_from_db()
    assert queued_order.status == "sent"
    assert [a.outcome for a in delivery.attempt_log.all()] == ["retry", "success"]
    assert "503" in delivery.attempt_log.first().detail


def test_permanent_refusal_dead_letters_at_once_with_the_reason(
    http_partner, queued_order, recorder
):
    recorder.codes = [400]
    run_queued_tasks()
    delivery = Delivery.objects.get(order=queued_order)
    assert delivery.status == "dead" and "400" in delivery.last_error
    queued_order.refresh_from_db()
    assert queued_order.status == "failed"
    outbox.retry_dead(delivery, "Betreiber")
    run_queued_tasks()
    queued_order.refresh_from_db()
    assert queued_order.status == "sent"


def test_transient_errors_dead_letter_after_the_horizon(http_partner, queued_order, recorder):
    recorder.codes = [503]
    Delivery.objects.filter(order=queued_order).update(
        first_attempt_at=timezone.now() - timedelta(hours=47, minutes=59, seconds=50)
    )
    run_queued_tasks()
    delivery = Delivery.objects.get(order=queued_order)
    assert delivery.status == "dead"
    assert Order.objects.get(pk=queued_order.pk).status == "failed"


def test_unreachable_partner_is_retried_not_lost(partners, queued_order):
    sonora = partners["sonora"]
    sonora.channel_config = {"url": "http://127.0.0.1:9/closed", "timeout": 2}
    sonora.save()
    run_queued_tasks()
    delivery = Delivery.objects.get(order=queued_order)
    assert delivery.status == "retrying" and "ConnectError" in delivery.last_error


def test_stale_lease_of_a_dead_worker_is_recovered(http_partner, queued_order, recorder):
    claimed = outbox._claim(Delivery.objects.get(order=queued_order).pk)
    assert claimed is not None  # a worker took it ... and died before sending
    assert outbox.recover_stale(now=timezone.now()) == 0
    assert (
        outbox.recover_stale(now=timezone.now() + timedelta(seconds=outbox.lease_seconds() + 1))
        == 1
    )
    Delivery.objects.filter(order=queued_order).update(next_attempt_at=timezone.now())
    run_queued_tasks()
    delivery = Delivery.objects.get(order=queued_order)
    assert delivery.status == "delivered" and len(recorder.requests) == 1
    assert [a.outcome for a in delivery.attempt_log.all()] == ["abandoned", "success"]


def test_the_outbox_is_the_only_queue_no_task_rows(http_partner, queued_order, recorder):
    """A delivery is its Delivery row: no django-tasks row is written for it, before or after."""
    from django_tasks_db.models import DBTaskResult

    assert not DBTaskResult.objects.exists()
    recorder.codes = [503]
    assert run_queued_tasks() == 1
    assert Delivery.objects.get(order=queued_order).status == "retrying"
    Delivery.objects.filter(order=queued_order).update(next_attempt_at=timezone.now())
    assert run_queued_tasks() == 1
    assert Delivery.objects.get(order=queued_order).status == "delivered"
    assert not DBTaskResult.objects.exists()


def test_a_delivery_task_left_from_before_the_one_queue_is_a_harmless_no_op(
    http_partner, queued_order, recorder
):
    from orderhub.delivery.tasks import deliver

    deliver.enqueue(Delivery.objects.get(order=queued_order).pk)
    assert run_queued_tasks() == 2  # the old task (a no-op) and the one attempt
    assert len(recorder.requests) == 1
    assert Delivery.objects.get(order=queued_order).status == "delivered"
