"""Shared helpers for the pure format tests (no database, no Django needed)."""

from pathlib import Path

import pytest

CATALOG_DATA = Path(__file__).parent / "data" / "catalog"
STANDARDS = Path(__file__).resolve().parents[3] / "shared" / "standards"


@pytest.fixture
def catalog_data() -> Path:
    return CATALOG_DATA


@pytest.fixture(scope="session")
def bmecat_examples() -> list[Path]:
    examples = sorted((STANDARDS / "bmecat-2005" / "examples").glob("*.xml"))
    assert examples, f"no BMEcat examples under {STANDARDS}"
    return examples
