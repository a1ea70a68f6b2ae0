"""Issue 14 (lower): a Content-Security-Policy on every page, and no Server header advertised."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.test import Client

from tests.e2e.stack import free_port

pytestmark = pytest.mark.django_db


def test_csp_header_on_pages_and_api(company, anon_api):
    browser = Client()
    browser.force_login(company[1])
    r = browser.get("/dashboard/")
    policy = r["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "Content-Security-Policy" in anon_api.get("/api/v1/partners")


def test_csp_pages_have_no_inline_script_or_event_handlers():
    import re

    root = Path(__file__).resolve().parents[2] / "src" / "orderhub"
    offenders = []
    for path in root.rglob("*.html"):
        text = path.read_text()
        if (
            re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text)
            or re.search(r"\son[a-z]+=", text)
            or re.search(r"\sstyle=", text)
        ):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_no_server_header_from_gunicorn(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "ORDERHUB_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [
            str(gunicorn),
            "orderhub.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--no-control-socket",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/anmelden/", timeout=5)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        assert "server" not in {k.lower() for k in r.headers}, r.headers
        assert "Content-Security-Policy" in r.headers
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.browser
def test_csp_pages_work_in_the_browser_without_violations(live_server, page, company):
    from django.contrib.auth import get_user_model

    user = company[1]
    user.set_password("Geheim-12345!")
    user.save()
    violations = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(live_server.url + "/anmelden/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "Geheim-12345!")
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/**")
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")  # the handler in orderhub.js
    assert page.locator("html").get_attribute("lang") == "en"
    assert violations == []
    assert get_user_model().objects.filter(pk=user.pk).exists()
