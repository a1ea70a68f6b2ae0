"""Impressum and Datenschutz: the operator's texts, linked in every page's footer."""

import pytest
from django.conf import settings as django_settings
from django.test import Client

pytestmark = pytest.mark.django_db


def _get(path, language="de"):
    c = Client()
    c.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    r = c.get(path)
    assert r.status_code == 200
    return r.content.decode()


def test_the_footer_links_both_pages_and_the_defaults_ask_the_operator(settings):
    settings.IMPRINT = settings.PRIVACY = settings.IMPRINT_EN = settings.PRIVACY_EN = ""
    home = _get("/")
    assert 'href="/impressum/"' in home and 'href="/datenschutz/"' in home
    assert "noch kein Impressum hinterlegt" in _get("/impressum/")
    assert "noch keine Datenschutzerklärung" in _get("/datenschutz/")
    english = _get("/impressum/", "en")
    assert (
        "has not provided a legal notice yet" in english and "Impressum hinterlegt" not in english
    )
    assert "has not provided a privacy policy yet" in _get("/datenschutz/", "en")


def test_the_operator_sets_text_or_a_file_per_language(settings, tmp_path):
    settings.IMPRINT = "Hörnetz Betriebs GmbH\nMusterweg 1 <Berlin>"
    settings.IMPRINT_EN = ""
    html = _get("/impressum/")
    assert "Hörnetz Betriebs GmbH<br>Musterweg 1 &lt;Berlin&gt;" in html
    assert "Hörnetz Betriebs GmbH" in _get("/impressum/", "en")  # falls back to the German text
    page = tmp_path / "privacy.html"
    page.write_text("<h2>Verantwortlicher</h2><p>Hörnetz</p>", encoding="utf-8")
    english = tmp_path / "privacy-en.txt"
    english.write_text("Controller: Hörnetz <GmbH>", encoding="utf-8")
    settings.PRIVACY, settings.PRIVACY_EN = str(page), str(english)
    assert "<h2>Verantwortlicher</h2><p>Hörnetz</p>" in _get("/datenschutz/")
    assert "Controller: Hörnetz &lt;GmbH&gt;" in _get("/datenschutz/", "en")
