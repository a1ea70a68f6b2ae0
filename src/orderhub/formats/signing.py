"""HMAC-SHA256 signatures for webhooks, in both directions.

OrderHub signs every webhook it sends (orders to partners, order updates to practices) and checks
the signature of webhooks partners send back. Header::

    X-OrderHub-Signature: t=<unix timestamp>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>

The timestamp is inside the signed bytes, so an old request cannot be replayed with a fresh
timestamp; :func:`verify` refuses timestamps outside ``tolerance`` seconds and, given a ``seen``
store, the same signature twice. Several ``v1=`` values may be sent while a secret is rotated;
one matching is enough.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable, MutableSet
from datetime import datetime

from . import FormatError

HEADER = "X-OrderHub-Signature"
DEFAULT_TOLERANCE = 300
_HEX = re.compile(r"[0-9a-f]{64}")


class SignatureError(FormatError):
    """A webhook signature is missing, malformed, wrong, too old or replayed."""


def _secret(secret: bytes | str) -> bytes:
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if not secret:
        raise SignatureError("an empty secret cannot sign or verify anything")
    return secret


def _now(now: int | float | datetime | None) -> int:
    if now is None:
        return int(time.time())
    if isinstance(now, datetime):
        return int(now.timestamp())
    return int(now)


def sign(secret: bytes | str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 over ``b"<timestamp>." + body``."""
    message = f"{int(timestamp)}.".encode("ascii") + bytes(body)
    return hmac.new(_secret(secret), message, hashlib.sha256).hexdigest()


def signature_header(
    secret: bytes | str, body: bytes, now: int | float | datetime | None = None
) -> dict[str, str]:
    """The header(s) to send with ``body``."""
    timestamp = _now(now)
    return {HEADER: f"t={timestamp},v1={sign(secret, timestamp, body)}"}


def parse_header(header_value: str | None) -> tuple[int, list[str]]:
    """(timestamp, v1 signatures) from a header value; :class:`SignatureError` when malformed."""
    if not header_value or not isinstance(header_value, str):
        raise SignatureError(f"missing {HEADER} header", field=HEADER)
    timestamp, signatures = None, []
    for part in header_value.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            if not re.fullmatch(r"[0-9]{1,12}", value.strip()):
                raise SignatureError(f"{HEADER}: timestamp is not a number", field=HEADER)
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value.strip().lower())
    if timestamp is None or not signatures:
        raise SignatureError(f"{HEADER} must look like t=<timestamp>,v1=<hex>", field=HEADER)
    return timestamp, signatures


def verify(
    secret: bytes | str,
    header_value: str | None,
    body: bytes,
    *,
    now: int | float | datetime | None = None,
    tolerance: int = DEFAULT_TOLERANCE,
    seen: MutableSet[str] | Callable[[str], bool] | None = None,
) -> int:
    """Check a signature header against ``body``; return its timestamp.

    ``seen`` guards against replays within the tolerance window: either a mutable set (the
    signature is added to it) or a callable that takes the signature and returns True when it
    was seen before — and records it, atomically if several processes share it (for example
    ``lambda key: not cache.add(f"webhook:{key}", 1, timeout=2 * tolerance)``).
    Raises :class:`SignatureError` for anything not in order.
    """
    timestamp, signatures = parse_header(header_value)
    expected = sign(secret, timestamp, body)
    # compare_digest on equal-length ASCII keeps the comparison constant-time.
    matched = next(
        (
            s
            for s in signatures
            if _HEX.fullmatch(s)
            and hmac.compare_digest(s.encode("ascii"), expected.encode("ascii"))
        ),
        None,
    )
    if matched is None:
        raise SignatureError("webhook signature does not match the body", field=HEADER)
    age = _now(now) - timestamp
    if abs(age) > tolerance:
        raise SignatureError(
            f"webhook timestamp is {abs(age)} s {'old' if age > 0 else 'in the future'}, "
            f"outside the {tolerance} s window",
            field=HEADER,
        )
    if seen is not None:
        if callable(seen) and not isinstance(seen, MutableSet):
            replayed = seen(matched)
        else:
            replayed = matched in seen
            seen.add(matched)
        if replayed:
            raise SignatureError("webhook was already received (replayed signature)", field=HEADER)
    return timestamp


__all__ = ["HEADER", "SignatureError", "parse_header", "sign", "signature_header", "verify"]
