"""Bearer tokens: random, shown once, stored as a SHA-256 digest.

Tokens carry 256 bits of randomness, so a fast digest is enough to make a stolen table useless
while keeping the per-request lookup one indexed query (argon2 is for low-entropy passwords).
"""

from __future__ import annotations

import hashlib
import secrets


def new_token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
