"""Helpers for views: where the current request comes from, for the audit log."""

from __future__ import annotations

from flask import request

from financeapp.auth.audit import RequestMeta


def request_meta() -> RequestMeta:
    return RequestMeta(ip=request.remote_addr or "", user_agent=request.headers.get("User-Agent", "")[:200])
