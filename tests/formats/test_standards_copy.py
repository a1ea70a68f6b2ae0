"""The standards shipped in the package are the team's official ones, unchanged."""

from pathlib import Path

import pytest

from orderhub.formats.documents import SHIPPED_STANDARDS

OFFICIAL = Path(__file__).resolve().parents[2].parent / "shared" / "standards"
#: Files OrderHub ships beyond the team's reference set, each with its source in the README
#: of the standards directory. Once the reference set has a file, the copy must equal it.
ADDED = {Path("edifact-d96a/ordchg.xml")}


def test_shipped_standards_equal_the_official_files():
    if not OFFICIAL.is_dir():
        pytest.skip(f"{OFFICIAL} not present on this machine")
    shipped = sorted(
        p.relative_to(SHIPPED_STANDARDS)
        for p in SHIPPED_STANDARDS.rglob("*")
        if p.is_file() and p.name != "README.md"
    )
    assert len(shipped) >= 15
    for rel in shipped:
        if rel in ADDED and not (OFFICIAL / rel).exists():
            continue
        assert (SHIPPED_STANDARDS / rel).read_bytes() == (OFFICIAL / rel).read_bytes(), rel
