"""Requests the server makes to addresses users chose (webhooks): never to the inside.

A webhook URL naming 127.0.0.1, ::1, a private, shared, link-local (cloud metadata at
169.254.169.254) or otherwise non-public address would let any user make the server call its
own admin ports or the metadata service. So the host is resolved, every address it resolves to
must be public, and the connection goes to the address that was checked (a second DNS answer
cannot swap in 127.0.0.1); redirects are never followed. The check runs when the URL is saved
and again at each delivery. `WEBHOOK_ALLOW_PRIVATE=1` (an operator's setting, for a receiver
on the LAN) lifts the address check, not the rest.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Non-public ranges `is_global` lets through on some Python versions, named for the reader.
METADATA = (ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fd00:ec2::/32"),
            ipaddress.ip_network("100.64.0.0/10"))


class Refused(Exception):
    """The address may not be called; the message says why, for the form or the delivery log."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP the connection goes to


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in METADATA if network.version == address.version):
        return False
    return address.is_global and not address.is_multicast


def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return [literal]
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as err:
        raise Refused(f"The host {host} could not be found.") from err
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in answers]


def check(url: str, *, allow_private: bool) -> Target:
    """Where `url` may be called: resolved, every address public (unless `allow_private`)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("Enter a full http:// or https:// address.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as err:
        raise Refused("The port in this address is not a number from 1 to 65535.") from err
    addresses = resolve(parts.hostname, port)
    if not addresses:
        raise Refused(f"The host {parts.hostname} could not be found.")
    inside = [a for a in addresses if not is_public(a)]
    if inside and not allow_private:
        raise Refused(f"{parts.hostname} is a private, loopback or link-local address ({inside[0]}); "
                      "webhooks go to public addresses only (an operator can allow a LAN receiver with "
                      "WEBHOOK_ALLOW_PRIVATE=1).")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, path, str(addresses[0]))


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """TLS to the checked address, with the certificate checked against the URL's host name."""

    def __init__(self, target: Target, timeout: float):
        self._tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self._tls)
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def post(target: Target, body: bytes, headers: dict[str, str], *, timeout: float) -> int:
    """POST `body` to the checked address; returns the status. Redirects are answers, not followed."""
    connection_class = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    connection = connection_class(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)
        return response.status
    finally:
        connection.close()
