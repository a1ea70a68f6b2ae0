"""404 and 403 in the site's layout, in German and in English, with a hint where it helps."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db


def _client(language: str, user=None) -> Client:
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        c.force_login(user)
    return c


def test_a_page_that_does_not_exist_is_a_404_in_the_layout_in_both_languages():
    r = _client("de").get("/gibt-es-nicht/")
    html = r.content.decode()
    assert r.status_code == 404
    assert "Seite nicht gefunden" in html and 'class="top"' in html and "Zur Startseite" in html
    r = _client("en").get("/gibt-es-nicht/")
    html = r.content.decode()
    assert r.status_code == 404
    assert "Page not found" in html and "To the start page" in html
    assert "Seite nicht gefunden" not in html and "Not Found</h1>" not in html


def test_a_login_without_access_gets_a_403_that_names_it_and_suggests_another_login():
    user = get_user_model().objects.create_user("ohne-firma", password="x" * 20)
    r = _client("de", user).get("/dashboard/")
    html = r.content.decode()
    assert r.status_code == 403
    assert "Kein Zugriff" in html and "Sie sind als ohne-firma angemeldet" in html
    assert "anderen Zugang" in html and "Abmelden" in html  # the layout's logout button
    r = _client("en", user).get("/dashboard/")
    html = r.content.decode()
    assert r.status_code == 403
    assert "No access" in html and "You are logged in as ohne-firma" in html
    assert "Kein Zugriff" not in html


def test_a_server_error_page_says_it_in_the_persons_language_without_details(rf):
    from django.utils import translation

    from orderhub.core.outage import server_error

    pages = {}
    for language in ("de", "en"):
        with translation.override(language):
            try:
                raise ValueError("secret internals")
            except ValueError:
                r = server_error(rf.get("/dashboard/"))
        assert r.status_code == 500
        pages[language] = r.content.decode()
        assert "secret internals" not in pages[language] and "Traceback" not in pages[language]
    assert "Ein Fehler ist aufgetreten" in pages["de"] and "Something went" not in pages["de"]
    assert "Something went wrong" in pages["en"] and "Ein Fehler" not in pages["en"]
    assert '<html lang="en">' in pages["en"]
