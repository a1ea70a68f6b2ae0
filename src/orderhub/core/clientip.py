"""The client's address as the throttles see it (the same rule as django-axes' settings)."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def client_ip(request) -> str:
    """REMOTE_ADDR, or behind ``ORDERHUB_TRUSTED_PROXIES`` proxies the address they saw."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        header = request.META.get("HTTP_X_FORWARDED_FOR", "")
        forwarded = [a.strip() for a in header.split(",") if a.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def client_digest(request) -> str:
    """A keyed digest of the address: enough to count per address, not the address itself."""
    key = ("orderhub-client:" + settings.SECRET_KEY).encode()
    return hmac.new(key, client_ip(request).encode(), hashlib.sha256).hexdigest()
