"""`/api/v1/docs` renders from the portal's own files: no CDN (which would also tell a third party
who reads the docs), under the portal's Content-Security-Policy."""

import pytest


@pytest.mark.browser
def test_api_docs_render_with_every_other_host_blocked(live_server, page):
    elsewhere, violations = [], []

    def only_the_portal(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_portal)
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(live_server.url + "/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15000)
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("OrderHub API")
    assert page.locator(".opblock").count() >= 10  # the operations are listed
    assert elsewhere == [], elsewhere
    assert violations == [], violations


def test_api_docs_page_refers_only_to_local_assets(client):
    html = client.get("/api/v1/docs").content.decode()
    assert "swagger-ui-bundle.js" in html
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html
