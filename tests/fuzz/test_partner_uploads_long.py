"""tests/security/test_partner_uploads_fuzz.py with the "long" profile (partner answers and catalogs)."""

from __future__ import annotations

import pytest

from tests.security.test_partner_uploads_fuzz import (  # noqa: F401 - collected here again
    test_arbitrary_bytes_as_partner_document,
    test_hostile_catalogs_end_succeeded_or_failed,
    test_hostile_values_in_valid_partner_documents,
)

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]
