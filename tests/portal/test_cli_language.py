"""The operator's ``orderhub`` commands speak one language: ORDERHUB_LANG, else the locale."""

import pytest

from orderhub.cli import cli_language


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({}, "de"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "de"),
        ({"LANG": "C.UTF-8"}, "de"),
        ({"LC_ALL": "POSIX", "LANG": "en_US.UTF-8"}, "en"),
        ({"ORDERHUB_LANG": "de", "LANG": "en_US.UTF-8"}, "de"),
        ({"LANGUAGE": "en", "LANG": "de_DE.UTF-8"}, "en"),
    ],
)
def test_the_operators_language(environ, language):
    assert cli_language(environ) == language
