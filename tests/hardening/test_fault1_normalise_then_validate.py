"""Issue 14, fault 1: a value that passes the check but not after normalising must never be stored,
and a stored value that a later rule would refuse must never make GET /api/v1/masterdata a 500."""

import pytest

from orderhub.masterdata.models import Branch
from orderhub.masterdata.schemas import RegistrationIn
from tests.conftest import snapshot

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("country", ["hß", "ß1", "Öl", "1a", "d"])
def test_fault1_country_that_grows_when_upper_cased_is_refused(api, partners, country):
    data = snapshot()
    data["branches"][0]["country"] = country
    r = api.put("/api/v1/masterdata", data)
    assert r.status_code == 422, r.json_body
    assert "branches[0].country" in [e["field"] for e in r.json_body["errors"]]
    assert not Branch.objects.exists()
    r = api.get("/api/v1/masterdata")
    assert r.status_code == 200


def test_fault1_country_is_stored_normalised_and_read_back(api, partners):
    data = snapshot()
    data["branches"][0]["country"] = " at "
    assert api.put("/api/v1/masterdata", data).status_code == 200
    assert Branch.objects.get(external_id="F1").country == "AT"
    r = api.get("/api/v1/masterdata")
    assert r.status_code == 200 and r.json_body["branches"][0]["country"] == "AT"


def test_fault1_registration_snapshot_is_validated_after_normalising(anon_api, partners):
    data = snapshot()
    data["branches"][0]["country"] = "hß"
    r = anon_api.post("/api/v1/registrations", data)
    assert r.status_code == 422
    assert "branches[0].country" in [e["field"] for e in r.json_body["errors"]]
    assert RegistrationIn.model_validate(snapshot()).branches[0].country == "DE"


def test_fault1_get_never_500s_for_stored_data_the_input_rule_refuses(api, partners, company):
    """Data stored before a rule existed (or by another path) is still readable."""
    assert api.put("/api/v1/masterdata", snapshot()).status_code == 200
    Branch.objects.filter(company=company[0], external_id="F1").update(country="ß1", name="")
    r = api.get("/api/v1/masterdata")
    assert r.status_code == 200, r.content
    assert r.json_body["branches"][0]["country"] == "ß1"


def test_fault1_dashboard_form_uses_the_same_rule(partners, company):
    from orderhub.web.forms import BranchForm

    empty = {"street": "", "postal_code": "", "city": ""}
    form = BranchForm(data={"name": "Mitte", **empty, "country": "hß"})
    assert not form.is_valid() and "country" in form.errors
    form = BranchForm(data={"name": "Mitte", **empty, "country": "de"})
    assert form.is_valid() and form.cleaned_data["country"] == "DE"
