"""Encryption at rest for partner credentials (Fernet, keys derived from settings).

``CREDENTIALS_KEYS`` lists secrets newest first; values encrypted with an older key still
decrypt, so keys can be rotated without a migration. ``CREDENTIALS_LEGACY_KEYS`` (the SECRET_KEY,
which encrypted credentials before they had keys of their own) only decrypt, never encrypt.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _fernet() -> MultiFernet:
    keys = []
    secrets = list(settings.CREDENTIALS_KEYS)
    secrets += [k for k in getattr(settings, "CREDENTIALS_LEGACY_KEYS", []) if k not in secrets]
    for secret in secrets:
        raw = hashlib.sha256(("orderhub-credentials:" + secret).encode()).digest()
        keys.append(Fernet(base64.urlsafe_b64encode(raw)))
    return MultiFernet(keys)


def encrypt_json(value: dict) -> str:
    if not value:
        return ""
    return _fernet().encrypt(json.dumps(value, sort_keys=True).encode()).decode()


def decrypt_json(token: str) -> dict:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise ValueError("credentials cannot be decrypted with the configured keys") from exc
