"""Where a vendor client may connect: never into the server's own network unless allowed.

A host name is resolved once, every address it resolves to is checked, and the socket is
opened to an address that passed the check, so a name that resolves to a public address
for the check and a private one for the connection (DNS rebinding) cannot slip through.
Private, loopback, link-local, multicast and reserved addresses are refused unless the
exact host and port were allowed by the deployment (the simulators of the demo, a vendor's
private deployment an operator configured).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpcore
import httpx

log = logging.getLogger(__name__)

Origin = tuple[str, int]


class AddressNotAllowed(httpcore.ConnectError):
    """Raised before any packet leaves: the address is inside a network the vendor is not in."""


def origin_of(base_url: str) -> Origin:
    """The host and port a base URL dials, lower-cased, with the scheme's default port."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return host, port


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True, slots=True)
class OutboundPolicy:
    """The exact origins that may be dialled even though they resolve to non-public addresses."""

    allowed_private: frozenset[Origin] = field(default_factory=frozenset)

    @classmethod
    def allowing(cls, base_urls: Iterable[str]) -> OutboundPolicy:
        return cls(frozenset(origin_of(url) for url in base_urls))

    def addresses(self, host: str, port: int) -> list[tuple[socket.AddressFamily, str]]:
        """The (family, address) pairs that may be dialled for host:port, or AddressNotAllowed."""
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:
            raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from None
        addresses: list[tuple[socket.AddressFamily, str]] = [
            (family, str(sockaddr[0])) for family, _, _, _, sockaddr in found
        ]
        exempt = (host.lower(), port) in self.allowed_private
        refused = [address for _, address in addresses if not (exempt or is_public(address))]
        if refused or not addresses:
            # Said in the server's log only: the user reads the same words for every failed connection.
            log.warning("outbound connection to %s:%s refused: %s is not a public address", host, port, refused)
            raise AddressNotAllowed(f"{host}:{port} is not a public address")
        return addresses


class GuardedBackend(httpcore.SyncBackend):
    def __init__(self, policy: OutboundPolicy) -> None:
        self.policy = policy

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        last_error: Exception | None = None
        for _, address in self.policy.addresses(host, port):
            try:
                # Dial the checked address itself; TLS still verifies the host name (httpcore
                # passes the origin's name to start_tls).
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as error:
                last_error = error
        assert last_error is not None
        raise last_error


def guarded_transport(policy: OutboundPolicy, *, verify: ssl.SSLContext, limits: httpx.Limits) -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport(verify=verify, limits=limits)
    # httpx builds its httpcore pool without a way to pass a network backend; the pool reads
    # this attribute on every new connection. tests/vendors/test_outbound.py proves the guard
    # runs, so an httpx upgrade that renames it fails there, not silently.
    transport._pool._network_backend = GuardedBackend(policy)
    return transport
