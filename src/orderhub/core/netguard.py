"""Outgoing HTTP only to public addresses (issue 14, fault 6: SSRF).

Webhook and partner URLs are checked twice:

* when they are saved (:func:`check_url`): the host name is resolved and *every* address it has
  must be global — loopback, private, link-local, CGNAT, multicast, reserved and documentation
  ranges are refused, also when written as IPv4-mapped (``::ffff:127.0.0.1``), IPv4-compatible
  (``::127.0.0.1``), NAT64 (``64:ff9b::7f00:1``), 6to4 or Teredo addresses; ``localhost`` and
  ``*.localhost`` are refused by name, trailing dots do not hide a name;
* when a request is sent (:class:`PinnedTransport`, used by every outgoing request of the
  portal): the name is resolved again, checked again, and the connection is made to exactly that
  checked address (Host header and TLS SNI/certificate check keep the original name), so a DNS
  answer that changes between check and connect (rebinding) cannot reach an internal address.

``ORDERHUB_ALLOW_PRIVATE_URLS=1`` (settings.ALLOW_PRIVATE_URLS) turns the check off — for the
demo and the test suite, whose partners listen on 127.0.0.1; ``ORDERHUB_ALLOWED_PRIVATE_NETWORKS``
(comma-separated CIDRs) allows chosen internal networks in production (e.g. a partner reached
through a VPN).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import httpx
from django.conf import settings

#: Resolution used by the check (tests replace it; connections themselves use the checked address).
getaddrinfo = socket.getaddrinfo
NAT64 = [ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48")]


class UnsafeURL(httpx.ConnectError):
    """The URL points into the portal's own network (or cannot be resolved). Never retried."""

    def __init__(self, message: str, request: httpx.Request | None = None):
        super().__init__(message, request=request)


def _allowed_networks() -> list:
    return [
        ipaddress.ip_network(n.strip(), strict=False)
        for n in getattr(settings, "ALLOWED_PRIVATE_NETWORKS", [])
        if n.strip()
    ]


def _private_allowed() -> bool:
    return bool(getattr(settings, "ALLOW_PRIVATE_URLS", False))


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, compatible, NAT64, 6to4, Teredo)."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if any(ip in net for net in NAT64) or int(ip) >> 32 == 0:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    return None


def is_public(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    ip = ipaddress.ip_address(str(address).split("%", 1)[0])
    if any(ip in net for net in _allowed_networks()):
        return True
    if ip.version == 6:
        inner = embedded_ipv4(ip)
        if inner is not None:
            return is_public(inner)
    return ip.is_global and not ip.is_multicast


def normalise_host(host: str) -> str:
    host = (host or "").strip().strip("[]").rstrip(".").lower()
    if not host:
        raise UnsafeURL("the URL has no host")
    return host


def resolve_public(host: str, port: int | None = None) -> str:
    """The address to connect to; raises :class:`UnsafeURL` unless every address is public."""
    host = normalise_host(host)
    if host == "localhost" or host.endswith(".localhost"):
        raise UnsafeURL(f"{host} is a local name")
    try:
        return str(ipaddress.ip_address(host)) if is_public(host) else _refuse(host)
    except ValueError:
        pass  # a name, not a literal address
    try:
        infos = getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise UnsafeURL(f"{host} cannot be resolved ({exc})") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise UnsafeURL(f"{host} cannot be resolved")
    for address in addresses:
        if not is_public(address):
            raise UnsafeURL(f"{host} resolves to the internal address {address}")
    return addresses[0]


def _refuse(host: str):
    raise UnsafeURL(f"{host} is an internal address")


def check_url(url: str) -> None:
    """Raise :class:`UnsafeURL` for a URL the portal must not send to (at save time)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("only http and https URLs are allowed")
    if _private_allowed():
        return
    try:
        port = parts.port
    except ValueError:
        raise UnsafeURL("the URL has an invalid port") from None
    resolve_public(parts.hostname or "", port)


class PinnedTransport(httpx.HTTPTransport):
    """Checks the address at connect time and connects to exactly the checked address."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not _private_allowed():
            host = request.url.host
            try:
                address = resolve_public(host, request.url.port)
            except UnsafeURL as exc:
                raise UnsafeURL(str(exc), request=request) from None
            if normalise_host(host) != address:
                extensions = dict(request.extensions)
                if request.url.scheme == "https":
                    extensions.setdefault("sni_hostname", normalise_host(host))
                request.extensions = extensions
                request.url = request.url.copy_with(host=address)
        return super().handle_request(request)
