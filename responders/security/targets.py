"""Outbound targets (expert and partner webhooks, notification endpoints) checked against SSRF.

A target must be http(s) and must not point at this machine or a private network: loopback, private (RFC 1918,
unique-local IPv6), link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast, reserved and
unspecified addresses are refused, as are names that only resolve locally (`localhost`, `*.localhost`, `*.local`,
`*.internal`). `allow_private` (the development setting RRC_ALLOW_PRIVATE_TARGETS) lifts the address rules for
local testing. `check_url` runs where a target is stored (no DNS: records are validated offline); senders call
`check_resolved` just before connecting, so a public name that resolves to a private address is refused too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
CGNAT = ipaddress.ip_network("100.64.0.0/10")


class TargetRefused(ValueError):
    """The URL may not be called from this system; the message says why."""


def address_refusal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why `ip` is not a public unicast address, or None when it is."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return address_refusal(ip.ipv4_mapped)
    for test, what in ((ip.is_loopback, "loopback"), (ip.is_link_local, "link-local"),
                       (ip.is_multicast, "multicast"), (ip.is_unspecified, "unspecified"),
                       (isinstance(ip, ipaddress.IPv4Address) and ip in CGNAT, "shared (carrier-grade NAT)"),
                       (ip.is_private, "private"), (ip.is_reserved, "reserved")):
        if test:
            return what
    return None


def check_url(url: str, *, allow_private: bool = False) -> None:
    """Refuse (TargetRefused) a URL that is not http(s) or that names a local or private host."""
    parts = urlsplit(str(url))
    if parts.scheme not in ("http", "https"):
        raise TargetRefused(f"only http and https targets are allowed, not {parts.scheme or 'no scheme'!r}")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise TargetRefused("the URL has no host")
    if parts.username or parts.password:
        raise TargetRefused("credentials in the URL are not allowed")
    if allow_private:
        return
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        if host == "localhost" or host.endswith(LOCAL_SUFFIXES) or "." not in host:
            raise TargetRefused(f"{host!r} is a local name; targets must be public hosts") from None
        return
    why = address_refusal(ip)
    if why:
        raise TargetRefused(f"{host} is a {why} address; targets must be public hosts")


async def check_resolved(url: str, *, allow_private: bool = False) -> list[str]:
    """`check_url`, then resolve the host and refuse it if any address is not public; returns the addresses."""
    check_url(url, allow_private=allow_private)
    parts = urlsplit(str(url))
    port = parts.port or (443 if parts.scheme == "https" else 80)
    infos = await asyncio.get_running_loop().getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    addresses = sorted({info[4][0] for info in infos})
    if not allow_private:
        for address in addresses:
            why = address_refusal(ipaddress.ip_address(address.split("%")[0]))
            if why:
                raise TargetRefused(f"{parts.hostname} resolves to {address}, a {why} address")
    return addresses


def contact_issues(record: object, *, allow_private: bool = False) -> list[tuple[str, str]]:
    """(field, reason) for each refused target of a roster record's contact (empty when all are fine)."""
    contact = getattr(record, "contact", None)
    url = getattr(contact, "webhook_url", None) if contact is not None else None
    if url is None:
        return []
    try:
        check_url(str(url), allow_private=allow_private)
    except TargetRefused as exc:
        return [("contact.webhook_url", str(exc))]
    return []
