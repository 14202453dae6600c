"""The site's one address: BASE_URL builds every mailed link; ALLOWED_HOSTS answers other Hosts 400.

A link in a message must never follow the request's `Host` (or `X-Forwarded-Host`): a reset
requested with `Host: evil.example` would mail a real token to evil.example. So links come from
BASE_URL only (mail/external_url), production refuses to start without it, and a request whose
Host is not in ALLOWED_HOSTS (default: BASE_URL's host, plus loopback in development and testing)
is refused before any view runs. The health probes answer any Host: orchestrators call them by IP.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request

from financeapp.core.errors import render_error

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
ANY_HOST_PATHS = frozenset({"/healthz", "/readyz"})


def finish_base_url(app: Flask) -> None:
    """Check BASE_URL and work out ALLOWED_HOSTS; a production app without BASE_URL does not start."""
    base = (app.config.get("BASE_URL") or "").strip().rstrip("/")
    if not base:
        if app.config.get("REQUIRE_BASE_URL"):
            raise RuntimeError("Production needs BASE_URL (the site's public address, e.g. https://money.example.org): "
                               "every link in e-mail is built from it.")
        base = "http://localhost:5000"
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RuntimeError(f"BASE_URL must be a full http:// or https:// address, not {base!r}.")
    app.config["BASE_URL"] = base
    app.config["ALLOWED_HOSTS"] = allowed_hosts(app.config.get("ALLOWED_HOSTS"), parts.hostname,
                                                loopback=not app.config.get("REQUIRE_BASE_URL"))


def allowed_hosts(setting: str | list[str] | None, base_host: str, *, loopback: bool) -> list[str]:
    """The host names a request may name (lower case, no port); "*" lets any through."""
    if setting:
        names = setting.split(",") if isinstance(setting, str) else list(setting)
        return [name.strip().lower().strip("[]") for name in names if name.strip()]
    return [base_host.lower()] + (list(LOOPBACK_HOSTS) if loopback else [])


def _host_name(host: str) -> str:
    """`Host` without its port, lower case; IPv6 literals lose their brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def refuse_unknown_host():
    """before_request: 400 for a Host outside ALLOWED_HOSTS."""
    allowed = current_app.config.get("ALLOWED_HOSTS") or []
    if "*" in allowed or request.path in ANY_HOST_PATHS:
        return None
    if _host_name(request.host) in allowed:
        return None
    return render_error(400, "Bad Request", "This server does not answer for that host name.")


def init_hosts(app: Flask) -> None:
    app.before_request(refuse_unknown_host)
