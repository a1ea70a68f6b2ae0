"""Property tests for what partners send: answers and catalogs are never a crash.

The OpenAPI document declares no request body for ``POST /api/v1/partner/documents`` and
``POST /api/v1/partner/catalogs`` (they take the raw file), so schemathesis only ever sends them an
empty body. These tests send what a partner (or an attacker holding a partner token) could send:
arbitrary bytes, and valid documents for a real order with single values replaced by hostile ones
(huge, negative, malformed numbers and dates, NUL, markup, wrong types). Every answer is 202 or a
4xx problem+json; a catalog import ends ``succeeded`` or ``failed`` with an error, never stuck.

``FUZZ_EXAMPLES`` scales the bounded run; ``make fuzz`` runs them again under the "long" hypothesis
profile (tests/fuzz/test_partner_uploads_long.py).
"""

from __future__ import annotations

import io
import json
import os
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ApiClient, run_queued_tasks

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
ALLOWED_DOCUMENT_STATUSES = {202, 400, 403, 404, 409, 413, 415, 422}
FUZZ_SETTINGS = dict(
    deadline=None,
    database=None,
    derandomize=True,
    print_blob=False,
    suppress_health_check=list(HealthCheck),
)


def _settings(examples: int | None = None):
    """Bounded and derandomized, unless the "long" profile is active (make fuzz): then it decides."""
    if settings.get_current_profile_name() == "long":
        return settings(deadline=None, suppress_health_check=list(HealthCheck))
    kwargs = dict(FUZZ_SETTINGS)
    if examples is not None:
        kwargs["max_examples"] = examples
    return settings(**kwargs)


NASTY_TEXT = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "-0",
            "1e30",
            "1E+400",
            "99999999999999999999.999",
            "0.0000000001",
            "NaN",
            "Infinity",
            "2026-02-30",
            "0000-00-00",
            "0001-01-01",
            "9999-12-31",
            "2026-13-01",
            "20261301",
            "2026-01-01T25:61:00",
            "2026-01-01T00:00:00+18:20",
            "\x00",
            "a\x00b",
            "<x>",
            "&amp;",
            "]]>",
            "'",
            "?",
            "+",
            ":",
            "\u202e",
            "\ud7ff",
            "x" * 5000,
            "1" * 400,
            "١٢٣",  # Arabic-Indic digits
        ]
    ),
    st.text(max_size=30),
    st.integers(-(2**70), 2**70).map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
)
NASTY_JSON = st.one_of(
    NASTY_TEXT,
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(NASTY_TEXT, max_size=3),
    st.dictionaries(st.text(max_size=5), NASTY_TEXT, max_size=2),
)


def _answer(order_number: str, kind: str):
    from orderhub.formats.documents import AnswerLine, PartnerAnswer

    status = "shipped" if kind == "dispatch_notification" else "confirmed"
    return PartnerAnswer(
        kind=kind,
        order_number=order_number,
        document_id="FUZZ-1",
        issued_at=datetime(2026, 5, 4, 12, 0, tzinfo=UTC),
        delivery_date=date(2026, 5, 10),
        tracking_numbers=["T-1"] if status == "shipped" else [],
        carrier="DHL" if status == "shipped" else "",
        lines=[
            AnswerLine(
                line_no=1,
                status=status,
                quantity=Decimal(2),
                delivery_date=date(2026, 5, 9),
                supplier_article_number="SN-X",
                note="ok",
            ),
            AnswerLine(line_no=2, status=status, quantity=Decimal(1)),
        ],
    )


def _valid_documents(order_number: str) -> dict[str, tuple[str, bytes]]:
    from orderhub.formats import partner_json
    from orderhub.formats.edifact.partner import write_desadv, write_ordrsp
    from orderhub.formats.opentrans.partner import write_dispatch_notification, write_order_response

    docs = {}
    for kind in ("order_response", "dispatch_notification"):
        a = _answer(order_number, kind)
        docs[f"json-{kind}"] = ("application/json", partner_json.write_answer(a))
        writer = write_order_response if kind == "order_response" else write_dispatch_notification
        docs[f"opentrans-{kind}"] = ("application/xml", writer(a))
        writer = write_ordrsp if kind == "order_response" else write_desadv
        docs[f"edifact-{kind}"] = (
            "application/edifact",
            writer(a, sender_id="4000001000005", recipient_id="ORDERHUB", interchange_ref="7"),
        )
    return docs


@st.composite
def mutated_json(draw, base: bytes):
    payload = json.loads(base)
    line = payload["lines"][draw(st.integers(0, len(payload["lines"]) - 1))]
    for _ in range(draw(st.integers(1, 3))):
        target = draw(st.sampled_from(["top", "line", "extra-line"]))
        if target == "top":
            payload[draw(st.sampled_from(sorted(payload)))] = draw(NASTY_JSON)
        elif target == "line":
            line[draw(st.sampled_from(sorted(line)))] = draw(NASTY_JSON)
        else:
            lines = payload["lines"] if isinstance(payload.get("lines"), list) else []
            payload["lines"] = [*lines, dict(line, line_no=draw(NASTY_JSON))]
    payload["document_id"] = draw(st.one_of(st.just(payload.get("document_id")), NASTY_JSON))
    return json.dumps(payload, allow_nan=True).encode()


@st.composite
def mutated_xml(draw, base: bytes):
    text = base.decode()
    for _ in range(draw(st.integers(1, 3))):
        matches = list(re.finditer(r"<((?:bmecat:)?[A-Z_.]+)>[^<]*</\1>", text))
        if not matches:
            break
        m = draw(st.sampled_from(matches))
        name = m.group(1)
        value = escape(draw(NASTY_TEXT).replace("\x00", "\\0"))
        text = text[: m.start()] + f"<{name}>{value}</{name}>" + text[m.end() :]
    return text.encode("utf-8", "surrogatepass")


@st.composite
def mutated_edifact(draw, base: bytes):
    text = base.decode()
    segments = text.split("'")
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(1, max(1, len(segments) - 2)))
        elements = segments[i].split("+")
        j = draw(st.integers(1, max(1, len(elements) - 1))) if len(elements) > 1 else 0
        value = draw(NASTY_TEXT)
        if draw(st.booleans()):  # escaped, or raw (breaking the syntax on purpose)
            value = re.sub(r"([?'+:])", r"?\1", value)
        elements[j] = value if j < len(elements) else value
        segments[i] = "+".join(elements)
    return "'".join(segments).encode("utf-8", "surrogatepass")


def _bytes_mutation(base: bytes):
    return st.one_of(
        st.integers(1, max(1, len(base) - 1)).map(lambda n: base[:n]),  # truncated
        st.tuples(st.integers(0, len(base) - 1), st.binary(min_size=1, max_size=8)).map(
            lambda t: base[: t[0]] + t[1] + base[t[0] + len(t[1]) :]
        ),  # overwritten bytes
    )


def _post_document(client, content_type, body):
    # ``generic`` sends the bytes as they are (``post`` would try to encode multipart or charset bodies).
    r = client.client.generic(
        "POST",
        "/api/v1/partner/documents",
        data=body,
        content_type=content_type,
        headers={"Authorization": f"Bearer {client.token}"},
    )
    try:
        r.json_body = json.loads(r.content)
    except ValueError:
        r.json_body = None
    assert r.status_code in ALLOWED_DOCUMENT_STATUSES, (
        r.status_code,
        content_type,
        body[:300],
        r.content[:400],
    )
    if r.status_code >= 400:
        assert r["Content-Type"].startswith("application/problem+json"), r["Content-Type"]
        assert r.json_body["status"] == r.status_code
    return r


@pytest.mark.parametrize("family", ["json", "opentrans", "edifact"])
def test_hostile_values_in_valid_partner_documents(world, family):
    client = ApiClient(world.partner_tokens["sonora"])
    numbers = [world.a.orders["sent"].number, world.a.orders["queued"].number]
    docs = {
        name: doc
        for n in numbers
        for name, doc in _valid_documents(n).items()
        if name.startswith(family)
    }
    mutate = {"json": mutated_json, "opentrans": mutated_xml, "edifact": mutated_edifact}[family]
    cases = st.one_of(
        *[
            st.tuples(st.just(ct), st.one_of(mutate(body), _bytes_mutation(body)))
            for ct, body in docs.values()
        ]
    )

    @given(case=cases)
    @_settings(EXAMPLES)
    def fuzz(case):
        _post_document(client, *case)

    fuzz()


def test_arbitrary_bytes_as_partner_document(world):
    client = ApiClient(world.partner_tokens["sonora"])

    @given(
        body=st.binary(max_size=3000),
        content_type=st.sampled_from(
            [
                "application/xml",
                "text/xml",
                "application/edifact",
                "application/edi-edifact",
                "application/json",
                "application/json; charset=latin-1",
                "text/plain",
                "",
                "multipart/form-data; boundary=x",
                "application/x-www-form-urlencoded",
            ]
        ),
    )
    @_settings(EXAMPLES)
    def fuzz(body, content_type):
        _post_document(client, content_type, body)

    fuzz()


def _seed_catalogs() -> list[bytes]:
    from orderhub.formats.bmecat.writer import write_bmecat
    from orderhub.formats.catalog_csv import write_csv
    from orderhub.formats.catalog_generator import catalog_header, generate_catalog

    bme = io.BytesIO()
    write_bmecat(catalog_header("OT", 3), generate_catalog("OT", 3, seed=3), bme)
    csv_out = io.BytesIO()
    write_csv(list(generate_catalog("OT", 3, seed=4)), csv_out)
    return [bme.getvalue(), csv_out.getvalue()]


def import_now(token: str, body: bytes, capture, query: str = ""):
    """Upload a catalog and run its import task; returns (response, job, error raised by the task).

    The task runs inside a savepoint: on PostgreSQL a database error in the task breaks the
    transaction, and the test must still be able to look at the job afterwards.
    """
    from django.db import transaction

    from orderhub.catalog.models import CatalogImport

    with capture(execute=True):
        r = ApiClient(token).post(
            f"/api/v1/partner/catalogs{query}", raw=body, content_type="application/octet-stream"
        )
    if r.status_code != 202:
        return r, None, None
    from django_tasks_db.models import DBTaskResult

    task_error = None
    try:
        with transaction.atomic():
            run_queued_tasks()
            # The worker records a task's exception instead of raising it.
            failed = (
                DBTaskResult.objects.filter(status="FAILED", task_path__contains="catalog")
                .order_by("-finished_at")
                .first()
            )
            if failed is not None and str(r.json_body["import_id"]) in str(failed.args_kwargs):
                task_error = RuntimeError(failed.traceback.strip().splitlines()[-1])
    except Exception as exc:
        task_error = exc
    return r, CatalogImport.objects.get(pk=r.json_body["import_id"]), task_error


def _assert_import_finished(r, job, task_error, body=b""):
    assert r.status_code in (202, 413, 422), (r.status_code, r.content[:300])
    if job is None:
        return
    assert job.status in ("succeeded", "failed"), (
        f"import job left {job.status!r} (a poller would wait forever); the task raised "
        f"{type(task_error).__name__ if task_error else None}: {str(task_error)[:300]}; body {body[:120]!r}"
    )
    if job.status == "failed":
        assert job.error.strip(), "failed import without an error message"


def test_hostile_catalogs_end_succeeded_or_failed(world, django_capture_on_commit_callbacks):
    seeds = _seed_catalogs()
    token = world.partner_tokens["otoplast"]
    catalogs = st.one_of(
        st.binary(max_size=2000),
        *[mutated_xml(seeds[0]), _bytes_mutation(seeds[0]), _bytes_mutation(seeds[1])],
        st.lists(NASTY_TEXT, min_size=3, max_size=25).map(
            lambda cells: (
                seeds[1].split(b"\r\n")[0]
                + b"\r\n"
                + ";".join(cells).encode("utf-8", "surrogatepass")
            )
        ),
    )

    @given(body=catalogs, mode=st.sampled_from(["", "?mode=update", "?strict=true"]))
    @_settings(max(10, EXAMPLES // 2))
    def fuzz(body, mode):
        r, job, task_error = import_now(token, body, django_capture_on_commit_callbacks, mode)
        _assert_import_finished(r, job, task_error, body)
        if job is not None:
            polled = ApiClient(token).get(f"/api/v1/partner/catalogs/{job.pk}")
            assert polled.status_code == 200 and polled.json_body["status"] == job.status

    fuzz()


@pytest.mark.parametrize(
    "body",
    [
        b"\x00",  # a single NUL byte (quoted in the "not a catalog" error)
        b"Artikel\x00nummer;Kurzbeschreibung\r\nOT-1;Dome\r\n",  # NUL inside a header name
        b"\x00rtikelnummer;EAN;Kurzbeschreibung\r\nOT-1;;Dome\r\n",  # NUL in a header the error message quotes
        b"Artikelnummer;Kurzbeschreibung\r\nOT-1;Dome\x00offen\r\n",  # NUL in an article's text
        b"Artikelnummer;Kurzbeschreibung\r\nOT-\x001;Dome\r\n",  # NUL in the article number
    ],
    ids=[
        "nul-only",
        "nul-in-header",
        "nul-in-quoted-header",
        "nul-in-description",
        "nul-in-article-number",
    ],
)
def test_catalog_with_nul_characters_ends_succeeded_or_failed(
    world, django_capture_on_commit_callbacks, body
):
    r, job, task_error = import_now(
        world.partner_tokens["otoplast"], body, django_capture_on_commit_callbacks
    )
    _assert_import_finished(r, job, task_error, body)


@pytest.mark.parametrize(
    "field",
    [
        "order_number",
        "document_id",
        "note",
        "carrier",
        "tracking_numbers",
        "line_note",
        "supplier_article_number",
    ],
)
def test_partner_answer_with_nul_values_is_not_a_crash(world, field):
    """JSON allows "\\u0000" anywhere; PostgreSQL stores it nowhere (text and jsonb refuse NUL)."""
    order = world.a.orders["sent"]
    payload = json.loads(_valid_documents(order.number)["json-dispatch_notification"][1])
    value = "A\x00B"
    if field == "tracking_numbers":
        payload["tracking_numbers"] = [value]
    elif field == "line_note":
        payload["lines"][0]["note"] = value
    elif field == "supplier_article_number":
        payload["lines"][0]["supplier_article_number"] = value
    elif field == "order_number":
        payload["order_number"] = order.number + "\x00"
    else:
        payload[field] = value
    _post_document(
        ApiClient(world.partner_tokens["sonora"]), "application/json", json.dumps(payload).encode()
    )


def test_edifact_answer_with_nul_in_the_order_number_is_not_a_crash(world):
    order = world.a.orders["sent"]
    body = _valid_documents(order.number)["edifact-order_response"][1]
    _post_document(
        ApiClient(world.partner_tokens["sonora"]),
        "application/edifact",
        body.replace(f"RFF+ON:{order.number}".encode(), f"RFF+ON:{order.number}\x00".encode()),
    )
