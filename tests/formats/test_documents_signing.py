"""Webhook signatures: HMAC-SHA256 over timestamp and body, replay window, replay store."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from orderhub.formats import FormatError
from orderhub.formats.signing import (
    HEADER,
    SignatureError,
    sign,
    signature_header,
    verify,
)

SECRET = b"partner-secret"
BODY = b'{"kind": "order_response"}'
NOW = 1_768_000_000


def header(body: bytes = BODY, now: int = NOW) -> str:
    return signature_header(SECRET, body, now=now)[HEADER]


def test_signature_is_hmac_sha256_over_timestamp_dot_body():
    expected = hmac.new(SECRET, f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, NOW, BODY) == expected
    assert header() == f"t={NOW},v1={expected}"


def test_valid_signature_returns_the_timestamp():
    assert verify(SECRET, header(), BODY, now=NOW + 10) == NOW
    assert verify(SECRET.decode(), header(), BODY, now=datetime.fromtimestamp(NOW, UTC))


def test_signature_error_is_a_format_error():
    assert issubclass(SignatureError, FormatError)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "garbage",
        "t=abc,v1=00",
        f"t={NOW}",
        "v1=" + "0" * 64,
    ],
)
def test_malformed_headers(value):
    with pytest.raises(SignatureError):
        verify(SECRET, value, BODY, now=NOW)


def test_tampered_body_or_wrong_secret():
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, header(), BODY + b" ", now=NOW)
    with pytest.raises(SignatureError, match="does not match"):
        verify(b"other", header(), BODY, now=NOW)
    forged = header().replace(f"t={NOW}", f"t={NOW + 1}")
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, forged, BODY, now=NOW)


def test_replay_window():
    assert verify(SECRET, header(), BODY, now=NOW + 300) == NOW
    with pytest.raises(SignatureError, match="old"):
        verify(SECRET, header(), BODY, now=NOW + 301)
    with pytest.raises(SignatureError, match="future"):
        verify(SECRET, header(), BODY, now=NOW - 301)
    assert verify(SECRET, header(), BODY, now=NOW + 3600, tolerance=3600) == NOW


def test_replayed_signature_with_a_set():
    seen: set[str] = set()
    verify(SECRET, header(), BODY, now=NOW, seen=seen)
    with pytest.raises(SignatureError, match="replayed"):
        verify(SECRET, header(), BODY, now=NOW, seen=seen)
    # A different request is fine.
    verify(SECRET, header(BODY + b"\n"), BODY + b"\n", now=NOW, seen=seen)


def test_replayed_signature_with_a_callable():
    store: dict[str, int] = {}

    def seen(key: str) -> bool:
        if key in store:
            return True
        store[key] = 1
        return False

    verify(SECRET, header(), BODY, now=NOW, seen=seen)
    with pytest.raises(SignatureError, match="replayed"):
        verify(SECRET, header(), BODY, now=NOW, seen=seen)


def test_forged_requests_do_not_fill_the_replay_store():
    seen: set[str] = set()
    with pytest.raises(SignatureError):
        verify(SECRET, f"t={NOW:d},v1={'a' * 64}", BODY, now=NOW, seen=seen)
    assert seen == set()


def test_rotation_accepts_any_matching_v1():
    old = sign(b"old-secret", NOW, BODY)
    value = f"t={NOW},v1={old},v1={sign(SECRET, NOW, BODY)}"
    assert verify(SECRET, value, BODY, now=NOW) == NOW


def test_empty_secret_is_refused():
    with pytest.raises(SignatureError):
        sign(b"", NOW, BODY)
