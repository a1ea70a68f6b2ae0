"""XML entity expansion and external entities: refused on partner documents and catalog uploads.

Every payload names a file whose content is a unique marker (and /etc/passwd, as attackers do) and
a loopback HTTP server that records any fetch. After each attempt the marker must appear nowhere:
not in the response, not in any database row; the server must have seen no request; and the
refused document must have changed nothing.
"""

from __future__ import annotations

import http.server
import io
import re
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.apps import apps

from tests.conftest import ApiClient, run_queued_tasks

pytestmark = pytest.mark.django_db

MARKER = "XXE-MARKER-7f3a9c-DO-NOT-LEAK"
PASSWD_MARKERS = ("root:x:0:0", "root:*:0:0", "/bin/bash", "/usr/sbin/nologin")


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(MARKER + "\n")
    return path


@pytest.fixture
def trap_server():
    """A loopback HTTP server that serves an evil DTD and records every request it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            body = f'<!ENTITY leak "{MARKER}">'.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/xml-dtd")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.hits = hits
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def _attacks(secret_file, trap_url, root: str) -> dict[str, tuple[str, str, bool]]:
    """name -> (DOCTYPE block, replacement text for one element, must_be_refused)."""
    laughs = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    ]
    return {
        "billion-laughs": (f"<!DOCTYPE {root} [{''.join(laughs)}]>", "&lol9;", True),
        "quadratic-blowup": (
            f'<!DOCTYPE {root} [<!ENTITY a "{"A" * 50_000}">]>',
            "&a;" * 20_000,
            True,
        ),
        "external-entity-file": (
            f'<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "file://{secret_file}">]>',
            "&xxe;",
            True,
        ),
        "external-entity-passwd": (
            f'<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
            "&xxe;",
            True,
        ),
        "external-entity-http": (
            f'<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "{trap_url}/entity">]>',
            "&xxe;",
            True,
        ),
        "parameter-entity-oob": (
            f'<!DOCTYPE {root} [<!ENTITY % dtd SYSTEM "{trap_url}/evil.dtd"> %dtd;]>',
            "&leak;",
            True,
        ),
        # No entity declared: may be accepted, but nothing may be fetched or included.
        "external-dtd": (f'<!DOCTYPE {root} SYSTEM "{trap_url}/external.dtd">', None, False),
        "xinclude": (
            "",
            f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://{secret_file}" '
            f'parse="text"/>',
            False,
        ),
    }


def _inject(document: bytes, doctype: str, element: str, replacement: str | None) -> bytes:
    text = document.decode()
    if doctype:
        text = re.sub(r"(<\?xml[^>]*\?>\s*)", lambda m: m.group(1) + doctype + "\n", text, count=1)
    if replacement is not None:
        text = re.sub(
            rf"(<{element}>)[^<]*(</{element}>)",
            lambda m: m.group(1) + replacement + m.group(2),
            text,
            count=1,
        )
    return text.encode()


def _leaked_anywhere(*texts) -> list[str]:
    """Markers found in the given texts or in any row of any table (documents, events, imports, ...)."""
    markers = (MARKER, *PASSWD_MARKERS)
    found = [f"response: {m}" for t in texts for m in markers if m in t]
    for model in apps.get_models():
        if model._meta.app_label in ("contenttypes", "auth", "sessions", "admin"):
            continue
        for row in model.objects.all().values():
            blob = " ".join(
                bytes(v).decode("utf-8", "replace")
                if isinstance(v, (bytes, memoryview))
                else str(v)
                for v in row.values()
            )
            found += [f"{model._meta.label}: {m}" for m in markers if m in blob]
    return found


# --- partner documents (/api/v1/partner/documents) -----------------------------------------------


@pytest.fixture
def sent_order_answer(world):
    from orderhub.formats.documents import AnswerLine, PartnerAnswer
    from orderhub.formats.opentrans.partner import write_order_response

    order = world.a.orders["sent"]
    answer = PartnerAnswer(
        kind="order_response",
        order_number=order.number,
        document_id="AB-XXE-1",
        issued_at=datetime.now(UTC),
        lines=[AnswerLine(line_no=1, status="confirmed", quantity=Decimal(2), note="Notiz")],
    )
    return order, write_order_response(answer)


ATTACK_NAMES = [
    "billion-laughs",
    "quadratic-blowup",
    "external-entity-file",
    "external-entity-passwd",
    "external-entity-http",
    "parameter-entity-oob",
    "external-dtd",
    "xinclude",
]


def test_partner_documents_with_entities_are_refused(
    world, sent_order_answer, secret_file, trap_server
):
    from orderhub.delivery.models import Document

    order, valid = sent_order_answer
    client = ApiClient(world.partner_tokens["sonora"])
    failures = []
    for attack in ATTACK_NAMES:
        doctype, replacement, must_refuse = _attacks(secret_file, trap_server.url, "ORDERRESPONSE")[
            attack
        ]
        element = "LINE_ITEM_ID" if attack == "xinclude" else "SUPPLIER_ORDER_ID"
        if attack == "xinclude":
            replacement = "1" + replacement
        body = _inject(valid, doctype, element, replacement)
        assert body != valid
        for content_type in ("application/xml", "text/xml"):
            started = time.monotonic()
            r = client.post("/api/v1/partner/documents", raw=body, content_type=content_type)
            elapsed = time.monotonic() - started
            where = f"{attack} as {content_type}: {r.status_code} {r.content[:200]!r}"
            if r.status_code >= 500 or elapsed > 5:
                failures.append(f"{where} after {elapsed:.1f}s")
            if must_refuse:
                order.refresh_from_db()
                if not (
                    400 <= r.status_code < 500
                    and r["Content-Type"].startswith("application/problem+json")
                    and re.search(r"entit|DOCTYPE", (r.json_body or {}).get("detail", ""), re.I)
                ):
                    failures.append(f"not refused with a clear 4xx: {where}")
                if (
                    order.status != "sent"
                    or Document.objects.filter(order=order, direction="inbound").exists()
                ):
                    failures.append(f"the refused document changed the order: {where}")
            if trap_server.hits:
                failures.append(f"{attack}: the XML parser fetched {trap_server.hits}")
                trap_server.hits.clear()
            leaks = _leaked_anywhere(r.content.decode("utf-8", "replace"))
            if leaks:
                failures.append(f"{attack}: file content leaked into {leaks}")
    assert failures == [], "\n".join(failures)


# --- catalog uploads (/api/v1/partner/catalogs) --------------------------------------------------


def _small_bmecat(prefix="SN", size=3) -> bytes:
    from orderhub.formats.bmecat.writer import write_bmecat
    from orderhub.formats.catalog_generator import catalog_header, generate_catalog

    out = io.BytesIO()
    write_bmecat(catalog_header(prefix, size), generate_catalog(prefix, size, seed=7), out)
    return out.getvalue()


def upload_catalog(token: str, body: bytes, capture, query: str = ""):
    """POST the catalog, run the import task in-process, return (response, job or None)."""
    from orderhub.catalog.models import CatalogImport

    with capture(execute=True):
        r = ApiClient(token).post(
            f"/api/v1/partner/catalogs{query}", raw=body, content_type="application/xml"
        )
    if r.status_code != 202:
        return r, None
    run_queued_tasks()
    return r, CatalogImport.objects.get(pk=r.json_body["import_id"])


def test_catalogs_with_entities_fail_the_import(
    world, secret_file, trap_server, django_capture_on_commit_callbacks
):
    from orderhub.catalog.models import Article

    token = world.partner_tokens["sonora"]
    failures = []
    for attack in ATTACK_NAMES:
        doctype, replacement, must_refuse = _attacks(secret_file, trap_server.url, "BMECAT")[attack]
        if attack == "xinclude":
            replacement = "Hörer " + replacement
        body = _inject(_small_bmecat(), doctype, "DESCRIPTION_SHORT", replacement)
        before = sorted(
            Article.objects.filter(partner__slug="sonora").values_list(
                "partner_article_number", flat=True
            )
        )
        started = time.monotonic()
        r, job = upload_catalog(token, body, django_capture_on_commit_callbacks)
        elapsed = time.monotonic() - started
        where = f"{attack}: upload {r.status_code}, job {job and job.status} {job and job.error!r}"
        if r.status_code >= 500 or elapsed > 10:
            failures.append(f"{where} after {elapsed:.1f}s")
        if must_refuse:
            # Refused at upload (4xx), or accepted for import and then failed with a clear error.
            if job is None and not 400 <= r.status_code < 500:
                failures.append(f"not refused: {where}")
            if job is not None:
                if job.status != "failed" or not re.search(r"entit|DOCTYPE", job.error, re.I):
                    failures.append(f"import did not fail clearly: {where}")
                polled = ApiClient(token).get(f"/api/v1/partner/catalogs/{job.pk}").json_body
                said = f"{polled['error']} {polled['error_en']}"
                if (
                    polled["status"] != job.status
                    or polled["error_code"] != job.error_code
                    or not re.search(r"Entität|entity", polled["error"])
                    or not re.search(r"entity", polled["error_en"])
                    or not re.search(r"Zeile \d+", polled["error"])
                    or "%(" in said
                ):
                    failures.append(f"polling shows {polled}: {where}")
            after = sorted(
                Article.objects.filter(partner__slug="sonora").values_list(
                    "partner_article_number", flat=True
                )
            )
            if after != before:
                failures.append(f"a refused catalog changed the articles: {where}")
        elif job is None or job.status not in ("succeeded", "failed"):
            failures.append(f"import did not finish: {where}")
        if trap_server.hits:
            failures.append(f"{attack}: the XML parser fetched {trap_server.hits}")
            trap_server.hits.clear()
        leaks = _leaked_anywhere(r.content.decode("utf-8", "replace"))
        if leaks:
            failures.append(f"{attack}: file content leaked into {leaks}")
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("attack", ["billion-laughs", "external-entity-file"])
def test_strict_catalog_validation_does_not_resolve_entities(
    world, secret_file, trap_server, attack, django_capture_on_commit_callbacks
):
    """``strict=true`` validates against the XSD (a second parser): it must be just as closed."""
    doctype, replacement, _ = _attacks(secret_file, trap_server.url, "BMECAT")[attack]
    body = _inject(_small_bmecat(), doctype, "DESCRIPTION_SHORT", replacement)
    r, job = upload_catalog(
        world.partner_tokens["sonora"],
        body,
        django_capture_on_commit_callbacks,
        query="?strict=true",
    )
    assert r.status_code < 500
    if job is not None:
        assert job.status == "failed", (job.status, job.error)
    assert trap_server.hits == []
    assert _leaked_anywhere(r.content.decode("utf-8", "replace")) == []
