"""A real OrderHub stack (own database, gunicorn, worker, supplier simulator) per test module."""

from __future__ import annotations

import pytest

from tests.e2e.stack import Stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp("stack"), web_workers=2, workers=1).start()
    yield s
    s.stop()
