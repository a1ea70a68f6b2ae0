import pytest

from orderhub.formats.bmecat import write_bmecat
from orderhub.formats.catalog_generator import catalog_header, generate_catalog


@pytest.fixture
def bmecat_file(tmp_path):
    def make(size=200, prefix="SN", seed=1, name="catalog.xml"):
        path = tmp_path / name
        with open(path, "wb") as out:
            write_bmecat(catalog_header(prefix, size), generate_catalog(prefix, size, seed=seed), out)
        return path
    return make
