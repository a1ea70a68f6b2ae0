"""Shared fixtures: partners, companies with tokens, and an API client speaking JSON."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from orderhub.accounts.models import Account, ApiToken, Company
from orderhub.partners.models import Partner, PartnerToken


# ``make test`` is deterministic: every property test runs the same examples on every machine and
# run (derandomize, no example database). Random exploration is ``make fuzz`` (profile "long",
# registered in tests/fuzz/conftest.py, chosen with --hypothesis-profile, which overrides this).
@pytest.fixture(autouse=True)
def search_index(tmp_path, settings):
    """Every test gets its own search index directory; stale indexes are rebuilt inline, because the
    test's data lives in a transaction that no background thread sees."""
    from orderhub.catalog.search import index, terms

    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"
    settings.SEARCH_REFRESH_INLINE = True
    settings.SEARCH_FRESHNESS_SECONDS = 0  # an edit is searched for at once
    index.forget()
    terms.forget_lexicon()
    yield settings.SEARCH_INDEX_DIR
    index.forget()


@pytest.fixture(autouse=True)
def process_caches():
    """Tokens and webhooks a test's rolled-back rows left in the process's caches are forgotten:
    ids are reused after a rollback, so the next test must not see the last one's hooks."""
    from django.core.cache import caches

    yield
    for name in ("tokens", "webhooks"):
        caches[name].clear()


@pytest.fixture(autouse=True)
def file_storage(tmp_path, settings):
    """Every test gets its own file storage (uploads, documents): nothing is left in the checkout."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }
    return tmp_path / "media"


hypothesis_settings.register_profile(
    "deterministic", derandomize=True, database=None, print_blob=True
)
hypothesis_settings.load_profile("deterministic")


class ApiClient:
    """A thin JSON wrapper over Django's test client (in-process, real middleware and URL routing)."""

    def __init__(self, token: str | None = None):
        self.client = Client()
        self.token = token

    def _headers(self, headers):
        h = dict(headers or {})
        if self.token:
            h.setdefault("Authorization", f"Bearer {self.token}")
        return h

    def request(
        self,
        method: str,
        path: str,
        body=None,
        *,
        headers=None,
        raw: bytes | None = None,
        content_type="application/json",
    ):
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        fn = getattr(self.client, method.lower())
        kwargs = {"headers": self._headers(headers)}
        if data is not None:
            kwargs.update(data=data, content_type=content_type)
        response = fn(path, **kwargs)
        try:
            response.json_body = json.loads(response.content) if response.content else None
        except ValueError:
            response.json_body = None
        return response

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)


@pytest.fixture
def partners(db):
    return {
        "sonora": Partner.objects.create(
            slug="sonora", name="Sonora Hörsysteme GmbH", channel="opentrans_http"
        ),
        "audiotec": Partner.objects.create(
            slug="audiotec", name="Audiotec Hörgeräte AG", channel="edifact"
        ),
        "otoplast": Partner.objects.create(
            slug="otoplast",
            name="Otoplast Zubehör KG",
            channel="email",
            requires_customer_number=False,
        ),
    }


def make_company(name: str):
    from django.contrib.auth import get_user_model

    company = Company.objects.create(name=name)
    user = get_user_model().objects.create_user(
        username=f"login-{company.pk.hex[:8]}", password="Geheim-12345!"
    )
    Account.objects.create(user=user, company=company)
    _, token = ApiToken.issue(company=company, name="Test")
    return company, user, token


@pytest.fixture
def company(db):
    return make_company("Hörakustik Muster GmbH")


@pytest.fixture
def other_company(db):
    return make_company("Hörstudio Anders OHG")


@pytest.fixture
def api(company):
    return ApiClient(company[2])


@pytest.fixture
def anon_api(db):
    return ApiClient()


@pytest.fixture
def partner_token(partners):
    _, plain = PartnerToken.issue(partner=partners["sonora"], name="Test")
    return plain


def snapshot(branches=2, users=3, **overrides):
    data = {
        "company": {"name": "Hörakustik Muster GmbH"},
        "branches": [
            {
                "id": f"F{i}",
                "name": f"Filiale {i}",
                "street": f"Hauptstr. {i}",
                "postal_code": "10115",
                "city": "Berlin",
                "country": "DE",
            }
            for i in range(1, branches + 1)
        ],
        "users": [
            {
                "id": f"U{i}",
                "name": f"Mitarbeiter {i}",
                "email": f"u{i}@muster.example",
                "phone": "+49 30 1234567",
                "branch_ids": ["F1"],
                "is_admin": i == 1,
            }
            for i in range(1, users + 1)
        ],
        "customer_numbers": [{"partner": "sonora", "customer_number": "K-4711", "branch_id": None}],
    }
    data.update(overrides)
    return data


# --- Browser (Debian's chromium through Playwright; never a downloaded browser) -------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    import os

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are
    # synchronous and safe here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="de-DE")
    context.set_default_timeout(15_000)
    pg = context.new_page()
    yield pg
    context.close()


def run_queued_tasks(limit: int = 1000) -> int:
    """Run ready django-tasks-db tasks and due outbox rows (deliveries, company webhooks) in this
    process (the test's transaction stays open); returns how many tasks and attempts ran."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    from orderhub.delivery import outbox

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="pytest",
        excluded_queue_names=[],
    )
    ran = 0
    while ran < limit:
        before = ran
        while ran < limit and (task := DBTaskResult.objects.ready().first()) is not None:
            task.claim("pytest")
            worker.run_task(task)
            ran += 1
        ran += outbox.run_due(limit - ran)
        if ran == before:
            break
    return ran


# --- Catalogs --------------------------------------------------------------------------------------


@pytest.fixture
def bmecat_file(tmp_path):
    """Write a generated BMEcat 2005 catalog; ``make(size, prefix, seed, name)`` returns its path."""
    from orderhub.formats.bmecat.writer import write_bmecat
    from orderhub.formats.catalog_generator import catalog_header, generate_catalog

    def make(size=200, prefix="SN", seed=1, name="catalog.xml"):
        path = tmp_path / name
        with open(path, "wb") as out:
            write_bmecat(
                catalog_header(prefix, size), generate_catalog(prefix, size, seed=seed), out
            )
        return path

    return make


@pytest.fixture
def sonora_catalog(bmecat_file, partners):
    from orderhub.catalog.services import import_file

    job = import_file(partners["sonora"], bmecat_file(300))
    assert job.status == "succeeded", job.error
    return partners["sonora"]


@pytest.fixture
def practice(api, partners, sonora_catalog):
    """A company with master data (branch F1 with a branch-level Sonora number, F2 without) and a catalog."""
    data = snapshot()
    data["customer_numbers"] = [
        {"partner": "sonora", "customer_number": "K-F1", "branch_id": "F1"},
        {"partner": "sonora", "customer_number": "K-4711", "branch_id": None},
    ]
    r = api.put("/api/v1/masterdata", data)
    assert r.status_code == 200, r.json_body
    return api
