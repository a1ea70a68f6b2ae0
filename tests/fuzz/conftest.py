"""``make fuzz``: the long runs (``pytest tests/fuzz -m fuzz --hypothesis-profile=long``).

Registers the hypothesis profile "long" (1,000 examples per test — the schemathesis run over all
operations and credentials then takes ≈ 10 minutes on the reference machine, 500 took 4.5–5 —, random seeds, failures kept in the
local example database for replay) and the ``fuzz`` marker, and borrows the fixtures of
tests/security. Outside the long profile every test here skips itself, so ``make test`` (which
collects tests/ as a whole) stays bounded.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from tests.security.conftest import b_cart, fast_hashing, world, wsgi_app  # noqa: F401 - fixtures

settings.register_profile(
    "long",
    max_examples=1000,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)


def pytest_configure(config):
    config.addinivalue_line("markers", "fuzz: long fuzzing run, executed by `make fuzz` only")


def pytest_collection_modifyitems(config, items):
    if settings.get_current_profile_name() == "long":
        return
    skip = pytest.mark.skip(reason="long fuzz run: `make fuzz` (hypothesis profile 'long')")
    for item in items:
        if item.get_closest_marker("fuzz") is not None and "tests/fuzz/" in str(
            item.fspath
        ).replace("\\", "/"):
            item.add_marker(skip)
