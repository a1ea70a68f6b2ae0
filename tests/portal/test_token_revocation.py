"""Revoking an API token stops the practice software at once: the portal asks first."""

import pytest
from django.test import Client

from orderhub.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def test_revoking_a_token_asks_first_and_only_a_confirmed_post_revokes(company):
    company_obj, user = company[0], company[1]
    row, _ = ApiToken.issue(company=company_obj, name="Werkstatt-PC", created_by="test")
    c = Client()
    c.force_login(user)
    url = f"/dashboard/tokens/{row.pk}/widerrufen/"

    asked = c.get(url)
    assert asked.status_code == 200 and "Werkstatt-PC" in asked.content.decode()
    assert "wird sofort ungültig" in asked.content.decode()
    unconfirmed = c.post(url)  # the old one-click form, a double submit, a stray request
    assert unconfirmed.status_code == 200 and "Ja, widerrufen" in unconfirmed.content.decode()
    row.refresh_from_db()
    assert not row.is_revoked

    done = c.post(url, {"confirm": "1"}, follow=True)
    assert "Token widerrufen." in done.content.decode()
    row.refresh_from_db()
    assert row.is_revoked
    assert c.get(url).status_code == 302  # nothing left to ask


def test_the_question_is_english_for_an_english_reader(company):
    from django.conf import settings

    company_obj, user = company[0], company[1]
    row, _ = ApiToken.issue(company=company_obj, name="Werkstatt-PC", created_by="test")
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(user)
    html = c.get(f"/dashboard/tokens/{row.pk}/widerrufen/").content.decode()
    assert "Revoke the token?" in html and "stops working at once" in html and "Yes, revoke" in html
    assert "widerrufen?" not in html
