"""Batched delivery: claims in batches never hand one delivery to two workers; the loop sends a batch
concurrently and records every attempt; the bulk status change keeps the status machine's rules."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from orderhub.delivery import outbox
from orderhub.delivery.models import Delivery, DeliveryAttempt, Document
from orderhub.delivery.worker import DeliveryLoop
from orderhub.ordering import status as order_status
from orderhub.ordering.models import Order, OrderEvent
from tests.ordering.conftest import order_body, submit


def submit_many(practice, n, prefix="BATCH"):
    ids = []
    for i in range(n):
        r = submit(practice, order_body(f"{prefix}-{i}"), key=f"{prefix}-key-{i}")
        assert r.status_code == 201, r.json_body
        ids.append(r.json_body["id"])
    return ids


@pytest.mark.django_db
def test_batch_claims_are_disjoint_and_leased(http_partner, practice):
    submit_many(practice, 5)
    taken, first = outbox.claim_due(3, worker_id="w1")
    assert taken == 3 and len(first) == 3
    taken, second = outbox.claim_due(10, worker_id="w2")
    assert taken == 2 and len(second) == 2
    assert outbox.claim_due(10, worker_id="w3") == (0, [])
    ids = [j.delivery.pk for j in first + second]
    assert len(set(ids)) == 5
    for d in Delivery.objects.filter(pk__in=ids):
        assert d.status == "in_progress" and d.attempts == 1 and d.lease_until > timezone.now()
    assert Counter(Delivery.objects.filter(pk__in=ids).values_list("worker_id", flat=True)) == {
        "w1": 3,
        "w2": 2,
    }
    assert set(Order.objects.values_list("status", flat=True)) == {"sending"}
    assert DeliveryAttempt.objects.filter(outcome="running").count() == 5
    # A delivery held under a lease is not claimed again, not even by its id.
    assert outbox.claim([ids[0]]) == []


@pytest.mark.django_db
def test_a_delivery_not_due_is_not_claimed(http_partner, practice):
    submit_many(practice, 2)
    later = Delivery.objects.order_by("pk").first()
    Delivery.objects.filter(pk=later.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    taken, jobs = outbox.claim_due(10)
    assert taken == 1 and len(jobs) == 1 and jobs[0].delivery.pk != later.pk
    assert Order.objects.get(delivery=later).status == "queued"
    assert outbox.claim_due(10) == (0, [])


@pytest.mark.django_db
def test_loop_sends_a_batch_concurrently_and_records_everything(http_partner, practice, recorder):
    ids = submit_many(practice, 12)
    recorder.codes = [200, 503, 200, 400]  # the order of requests is not fixed: count outcomes
    loop = DeliveryLoop(concurrency=4, batch=5, interval=0)
    loop.run(until_idle=True)
    deliveries = list(Delivery.objects.filter(order_id__in=ids))
    statuses = Counter(d.status for d in deliveries)
    assert statuses == {"delivered": 10, "retrying": 1, "dead": 1}
    assert len(recorder.requests) == 12
    assert len({r["headers"]["Idempotency-Key"] for r in recorder.requests}) == 12
    assert Counter(Order.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        "sent": 10,
        "sending": 1,
        "failed": 1,
    }
    for d in deliveries:
        (attempt,) = d.attempt_log.all()
        assert attempt.finished_at and attempt.channel == "opentrans_http" and attempt.status_code
        assert (
            attempt.outcome
            == {"delivered": "success", "retrying": "retry", "dead": "failed"}[d.status]
        )
        assert attempt.response_excerpt  # the partner's answer is kept
    sent_events = OrderEvent.objects.filter(order_id__in=ids, to_status="sent")
    assert sent_events.count() == 10 and all(e.data == {"attempt": 1} for e in sent_events)
    retrying = next(d for d in deliveries if d.status == "retrying")
    assert retrying.next_attempt_at > timezone.now() + timedelta(seconds=10)  # backoff
    assert loop.delivered == 10
    assert Document.objects.filter(order_id__in=ids, direction="outbound").count() == 12


@pytest.mark.django_db
def test_retry_of_a_batch_reuses_the_stored_bytes(http_partner, practice, recorder):
    submit_many(practice, 3)
    recorder.codes = [503, 503, 503]
    DeliveryLoop(concurrency=3, batch=3, interval=0).run(until_idle=True)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"retrying"}
    Delivery.objects.update(next_attempt_at=timezone.now())
    DeliveryLoop(concurrency=3, batch=3, interval=0).run(until_idle=True)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
    bodies: dict = {}
    for r in recorder.requests:
        bodies.setdefault(r["headers"]["Idempotency-Key"], []).append(r["body"])
    assert len(bodies) == 3 and all(len(b) == 2 and b[0] == b[1] for b in bodies.values())
    assert Document.objects.filter(direction="outbound").count() == 3


@pytest.mark.django_db
def test_outcome_after_a_lost_lease_is_recorded_as_abandoned(http_partner, practice):
    submit_many(practice, 1)
    _, (job,) = outbox.claim_due(5)
    outbox.prepare([job])
    assert (
        outbox.recover_stale(now=timezone.now() + timedelta(seconds=outbox.lease_seconds() + 1))
        == 1
    )
    job.result = outbox.DeliveryResult.success("HTTP 200", 200)
    outbox.record([job])
    delivery = Delivery.objects.get(pk=job.delivery.pk)
    assert delivery.status == "retrying"  # the recovery's retry counts, not the late outcome
    assert [a.outcome for a in delivery.attempt_log.all()] == ["abandoned"]
    assert Order.objects.get(pk=delivery.order_id).status == "sending"


@pytest.mark.django_db
def test_transition_many_checks_every_change_and_records_events(practice):
    a, b, c = (Order.objects.get(pk=i) for i in submit_many(practice, 3))
    order_status.transition(c, "cancelled", actor="test")
    moved = order_status.transition_many(
        [
            (a, "delivery.sending", {"channel": "a"}, {"x": 1}),
            (b, "delivery.sending", {"channel": "b"}, None),
            (c, "delivery.sending", {"channel": "c"}, None),
        ],
        "sending",
        actor="Zustellung",
    )
    assert {o.pk for o in moved} == {a.pk, b.pk} and a.status == b.status == "sending"
    assert Order.objects.get(pk=c.pk).status == "cancelled"
    e = OrderEvent.objects.get(order=a, to_status="sending")
    assert (e.from_status, e.reason_code, e.reason_params, e.data, e.actor) == (
        "queued",
        "delivery.sending",
        {"channel": "a"},
        {"x": 1},
        "Zustellung",
    )
    assert not OrderEvent.objects.filter(order=c, to_status="sending").exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_batch_claims_never_hand_a_delivery_to_two_workers(http_partner, practice):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        ("file:memorydb", ":memory:")
    ):
        pytest.skip(
            "shared-cache in-memory SQLite reports table locks instead of waiting; e2e covers SQLite"
        )
    submit_many(practice, 40, prefix="RACE")
    claimed: dict[str, list[int]] = {}
    errors = []
    start = threading.Barrier(4)

    def claimer(name):
        try:
            start.wait()
            mine = claimed.setdefault(name, [])
            while True:
                taken, jobs = outbox.claim_due(3, worker_id=name)
                if not taken:
                    break
                mine.extend(j.delivery.pk for j in jobs)
        except Exception as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=claimer, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    everything = [pk for pks in claimed.values() for pk in pks]
    assert len(everything) == 40 and len(set(everything)) == 40
    assert DeliveryAttempt.objects.count() == 40
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}
    for name, pks in claimed.items():
        assert set(Delivery.objects.filter(pk__in=pks).values_list("worker_id", flat=True)) <= {
            name
        }


@pytest.mark.django_db
def test_a_broken_row_does_not_block_the_queue(http_partner, practice, recorder, monkeypatch):
    ids = submit_many(practice, 4)
    poison = Delivery.objects.get(order_id=ids[1]).pk
    real = outbox._claim_locked

    def claim_locked(delivery_ids, limit, worker_id, now):
        taken, jobs = real(delivery_ids, limit, worker_id, now)
        if any(j.delivery.pk == poison for j in jobs):
            raise RuntimeError("broken data")
        return taken, jobs

    monkeypatch.setattr(outbox, "_claim_locked", claim_locked)
    loop = DeliveryLoop(concurrency=4, batch=8, interval=0)
    # After a failed claim the loop claims one row at a time; the one that keeps failing is deferred.
    for _ in range(20):
        loop.run(until_idle=True)
        if Delivery.objects.filter(status="delivered").count() == 3:
            break
    assert Counter(Delivery.objects.values_list("status", flat=True)) == {
        "delivered": 3,
        "pending": 1,
    }
    deferred = Delivery.objects.get(pk=poison)
    assert deferred.status == "pending" and "broken data" in deferred.last_error
    assert deferred.next_attempt_at > timezone.now() + timedelta(minutes=9)  # tried again later
    assert not deferred.attempt_log.exists()  # every failed claim was rolled back
    assert len(recorder.requests) == 3
