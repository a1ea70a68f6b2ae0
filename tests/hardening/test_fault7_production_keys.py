"""Issue 14, fault 7: production never runs on the public development key, and partner credentials
are encrypted with keys of their own (old values encrypted with the SECRET_KEY still decrypt)."""

import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

SCRUB = {
    "DEBUG",
    "SECRET_KEY",
    "ORDERHUB_CREDENTIALS_KEYS",
    "ORDERHUB_DEVELOPMENT",
    "DATABASE_URL",
    "DJANGO_SETTINGS_MODULE",
    "ORDERHUB_ALLOW_PRIVATE_URLS",
}


def _check(tmp_path: Path, **env_overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in SCRUB}
    env.update(ORDERHUB_DATA_DIR=str(tmp_path / "data"), **env_overrides)
    orderhub = Path(sys.executable).with_name("orderhub")
    return subprocess.run(
        [str(orderhub), "check"], env=env, capture_output=True, text=True, timeout=120
    )


def test_fault7_production_refuses_to_start_without_secret_key(tmp_path):
    result = _check(tmp_path, ORDERHUB_CREDENTIALS_KEYS=secrets.token_urlsafe(40))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "ImproperlyConfigured" in result.stderr


def test_fault7_production_refuses_the_development_key_and_short_keys(tmp_path):
    for key in ("django-insecure-orderhub-development-key-set-SECRET_KEY-in-production", "short"):
        result = _check(
            tmp_path, SECRET_KEY=key, ORDERHUB_CREDENTIALS_KEYS=secrets.token_urlsafe(40)
        )
        assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_fault7_production_needs_credentials_keys_of_their_own(tmp_path):
    key = secrets.token_urlsafe(64)
    result = _check(tmp_path, SECRET_KEY=key)
    assert result.returncode != 0 and "ORDERHUB_CREDENTIALS_KEYS" in result.stderr
    result = _check(tmp_path, SECRET_KEY=key, ORDERHUB_CREDENTIALS_KEYS=key)
    assert result.returncode != 0 and "ORDERHUB_CREDENTIALS_KEYS" in result.stderr
    result = _check(tmp_path, SECRET_KEY=key, ORDERHUB_CREDENTIALS_KEYS=secrets.token_urlsafe(40))
    assert result.returncode == 0, result.stderr


def test_fault7_explicit_development_flag_starts_on_the_built_in_key(tmp_path):
    result = _check(tmp_path, ORDERHUB_DEVELOPMENT="1")
    assert result.returncode == 0, result.stderr


def test_fault7_credentials_use_their_own_key_and_old_values_still_decrypt(settings):
    from orderhub.core import crypto

    settings.SECRET_KEY = "s" * 10 + secrets.token_urlsafe(50)
    settings.CREDENTIALS_LEGACY_KEYS = [settings.SECRET_KEY]
    settings.CREDENTIALS_KEYS = [secrets.token_urlsafe(40)]
    # What an earlier release wrote: encrypted with a key derived from the SECRET_KEY.
    raw = hashlib.sha256(("orderhub-credentials:" + settings.SECRET_KEY).encode()).digest()
    legacy = Fernet(base64.urlsafe_b64encode(raw))
    old = legacy.encrypt(json.dumps({"password": "alt"}).encode()).decode()
    assert crypto.decrypt_json(old) == {"password": "alt"}
    new = crypto.encrypt_json({"password": "neu"})
    with pytest.raises(Exception):
        legacy.decrypt(new.encode())  # new values are not encrypted with the SECRET_KEY
    assert crypto.decrypt_json(new) == {"password": "neu"}
