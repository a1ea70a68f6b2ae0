"""Article identifiers: GTIN/EAN, HMV number (Hilfsmittelnummer), article numbers.

An order line is matched by partner article number, GTIN, HMV number and manufacturer article
number, in that order (SPEC §3.10). Matching only works if both sides are normalised the same
way, so every reader and the catalog search call these functions instead of comparing raw text.

Rules in short:

* GTIN: separators (spaces, dashes) are removed, 8/12/13/14 digits are accepted, the GS1 check
  digit is verified (python-stdnum), and the result is always the 14-digit form with leading
  zeros, so an EAN-13 ``4006381333931`` and the GTIN-14 ``04006381333931`` compare equal.
* HMV number: 10 digits; dots and spaces as in ``13.20.01.0001`` are removed. The HMV number
  has no check digit, so only the shape can be verified.
* Article numbers (partner and manufacturer): upper-cased, separators removed, leading zeros
  kept — see :func:`normalize_article_number`.
"""

from __future__ import annotations

import re

from stdnum import ean
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

__all__ = [
    "InvalidIdentifier",
    "gtin_with_check_digit",
    "normalize_article_number",
    "normalize_gtin",
    "normalize_hmv",
]

GTIN_LENGTHS = (8, 12, 13, 14)
HMV_LENGTH = 10

# Why an identifier is refused, as a code: import reports and cart lines store the code and say
# it in the reader's language (``orderhub.catalog.issues.INVALID``); REASONS is the English.
WRONG_CHECK_DIGIT = "check_digit"
WRONG_LENGTH = "length"
NOT_NUMERIC = "not_numeric"
EMPTY = "empty"
PLACEHOLDER = "placeholder"
REASONS = {
    WRONG_CHECK_DIGIT: "wrong check digit",
    WRONG_LENGTH: "wrong length",
    NOT_NUMERIC: "not numeric",
    EMPTY: "empty",
    PLACEHOLDER: "placeholder of zeros",
}

_GTIN_SEPARATORS = re.compile(r"[\s\-]")
_HMV_SEPARATORS = re.compile(r"[\s.\-/]")
_ARTICLE_NUMBER_SEPARATORS = re.compile(r"[\s\-./_]")


class InvalidIdentifier(ValueError):
    """An identifier that cannot be normalised; ``reason`` is one of the :data:`REASONS` codes."""

    def __init__(self, kind: str, value: str, reason: str):
        self.kind = kind
        self.value = value
        self.reason = reason
        super().__init__(f"{kind} {value!r}: {REASONS.get(reason, reason)}")


def _is_ascii_digits(value: str) -> bool:
    # str.isdigit() accepts e.g. Arabic-Indic or superscript digits; identifiers must not.
    return value.isascii() and value.isdigit()


def normalize_gtin(raw: str) -> str:
    """The 14-digit GTIN for an EAN-8, UPC-A (12), EAN-13 or GTIN-14 with a valid check digit.

    >>> normalize_gtin("4006381-333931")
    '04006381333931'
    """
    value = _GTIN_SEPARATORS.sub("", raw or "")
    if not value:
        raise InvalidIdentifier("GTIN", raw, EMPTY)
    if not _is_ascii_digits(value):
        raise InvalidIdentifier("GTIN", raw, NOT_NUMERIC)
    if len(value) not in GTIN_LENGTHS:
        raise InvalidIdentifier("GTIN", raw, WRONG_LENGTH)
    if not value.strip("0"):
        raise InvalidIdentifier("GTIN", raw, PLACEHOLDER)
    try:
        ean.validate(value)
    except InvalidChecksum:
        raise InvalidIdentifier("GTIN", raw, WRONG_CHECK_DIGIT) from None
    except InvalidLength:  # pragma: no cover - length checked above
        raise InvalidIdentifier("GTIN", raw, WRONG_LENGTH) from None
    except (InvalidFormat, ValidationError):  # pragma: no cover - digits checked above
        raise InvalidIdentifier("GTIN", raw, NOT_NUMERIC) from None
    return value.zfill(14)


def gtin_with_check_digit(body: str) -> str:
    """Append the GS1 check digit to ``body`` (7, 11, 12 or 13 digits), e.g. for generated GTINs."""
    if not _is_ascii_digits(body) or len(body) + 1 not in GTIN_LENGTHS:
        reason = WRONG_LENGTH if _is_ascii_digits(body) else NOT_NUMERIC
        raise InvalidIdentifier("GTIN body", body, reason)
    return body + ean.calc_check_digit(body)


def normalize_hmv(raw: str) -> str:
    """Return the 10 plain digits of an HMV number written as ``13.20.01.0001``, ``1320010001``
    or with spaces.

    The Hilfsmittelverzeichnis number is Produktgruppe (2) . Anwendungsort (2) . Untergruppe (2)
    . Produktart (1) + Einzelprodukt (3); it carries no check digit.
    """
    value = _HMV_SEPARATORS.sub("", raw or "")
    if not value:
        raise InvalidIdentifier("HMV", raw, EMPTY)
    if not _is_ascii_digits(value):
        raise InvalidIdentifier("HMV", raw, NOT_NUMERIC)
    if len(value) != HMV_LENGTH:
        raise InvalidIdentifier("HMV", raw, WRONG_LENGTH)
    if not value.strip("0"):
        raise InvalidIdentifier("HMV", raw, PLACEHOLDER)
    return value


def normalize_article_number(raw: str | None) -> str:
    """Comparable form of a partner or manufacturer article number ("" when empty).

    Case and the separators people type differently (whitespace, ``-``, ``.``, ``/``, ``_``)
    are removed: ``sn-r-m 3/r`` and ``SN-R-M-3-R`` are the same article.

    Leading zeros are *kept*: article numbers are codes, not numbers. Many manufacturers use
    ``0123`` and ``123`` for different articles, and stripping zeros would turn a unique exact
    hit into a wrong one — and a wrong automatic hit is worse than no hit, because only a unique
    exact hit is accepted without a person looking at it (SPEC §3.10).
    """
    if not raw:
        return ""
    return _ARTICLE_NUMBER_SEPARATORS.sub("", raw).upper()
