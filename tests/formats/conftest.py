"""Shared helpers for the pure format tests (no database, no Django needed)."""

from pathlib import Path

import pytest

from orderhub.formats.documents import SHIPPED_STANDARDS

CATALOG_DATA = Path(__file__).parent / "data" / "catalog"
STANDARDS = SHIPPED_STANDARDS


@pytest.fixture
def catalog_data() -> Path:
    return CATALOG_DATA


@pytest.fixture(scope="session")
def bmecat_examples() -> list[Path]:
    examples = sorted((STANDARDS / "bmecat-2005" / "examples").glob("*.xml"))
    assert examples, f"no BMEcat examples under {STANDARDS}"
    return examples
