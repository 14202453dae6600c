"""Which proxy headers to believe: only what `TRUSTED_PROXIES` says stands in front of the app.

`TRUSTED_PROXIES` is either a count of hops (`1` for one nginx: the last X-Forwarded-For entry is
the client) or a comma-separated list of proxy addresses and networks (`127.0.0.1, 10.0.0.0/8`):
the client is then the first address, counted from the right, that is not one of them. Unset
(the default), no forwarded header is trusted and the client is the connection's own address, so
a client cannot pick the address the rate limiter counts by sending `X-Forwarded-For` itself.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
WSGIApp = Callable[..., Iterable[bytes]]


def parse_trusted_proxies(value: Any) -> int | list[Network]:
    """A hop count, or the list of trusted networks; 0 means trust nothing. Bad values stop the start."""
    if value is None or value == "" or value is False:
        return 0
    if isinstance(value, int):
        return max(0, value)
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    try:
        return [ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip()]
    except ValueError as err:
        raise RuntimeError(f"TRUSTED_PROXIES must be a number of hops or a list of addresses/CIDRs: {err}") from None


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(text: str, networks: list[Network]) -> bool:
    address = _address(text)
    return address is not None and any(address in network for network in networks)


class TrustedNetworks:
    """Like ProxyFix, for proxies named by address: headers count only when the peer is a trusted proxy."""

    def __init__(self, app: WSGIApp, networks: list[Network]):
        self.app = app
        self.networks = networks

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        peer = environ.get("REMOTE_ADDR", "")
        if _trusted(peer, self.networks):
            hops = [h.strip() for h in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
            client = peer
            for hop in reversed(hops):
                client = hop
                if not _trusted(hop, self.networks):
                    break
            if _address(client) is not None:
                environ["werkzeug.proxy_fix.orig_remote_addr"] = peer
                environ["REMOTE_ADDR"] = client
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
        return self.app(environ, start_response)


def wrap(app: WSGIApp, setting: Any) -> WSGIApp:
    """The WSGI app with forwarded headers honoured as `setting` (TRUSTED_PROXIES) allows."""
    trusted = parse_trusted_proxies(setting)
    if isinstance(trusted, list):
        return TrustedNetworks(app, trusted) if trusted else app
    if trusted == 0:
        return app
    # The Host header stays the one the proxy sent: links come from BASE_URL, ALLOWED_HOSTS checks Host.
    return ProxyFix(app, x_for=trusted, x_proto=trusted, x_host=0)
