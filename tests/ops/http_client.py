"""A small browser for tests against real servers: a cookie jar, CSRF tokens from pages, no redirects followed."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Response:
    def __init__(self, status: int, headers, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Browser:
    """One user agent: its cookies go to every instance on 127.0.0.1, whatever the port (as a browser's would
    go to one site behind a proxy)."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(self, base: str, path: str, *, data: dict | None = None, files: dict | None = None,
                headers: dict | None = None, timeout: float = 30) -> Response:
        body, all_headers = None, dict(headers or {})
        if files:
            body, content_type = _multipart(data or {}, files)
            all_headers["Content-Type"] = content_type
        elif data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(base + path, data=body, headers=all_headers)
        try:
            with self.opener.open(request, timeout=timeout) as answer:
                return Response(answer.status, answer.headers, answer.read())
        except urllib.error.HTTPError as err:
            return Response(err.code, err.headers, err.read())

    def get(self, base: str, path: str, **kwargs) -> Response:
        return self.request(base, path, **kwargs)

    def post(self, base: str, path: str, data: dict | None = None, *, page: str | None = None, **kwargs) -> Response:
        """POST a form with the CSRF token of `page` (default: the same path) read first from the same instance."""
        form = dict(data or {})
        source = self.get(base, page or path)
        match = CSRF.search(source.text)
        if match:
            form["csrf_token"] = match.group(1)
        return self.request(base, path, data=form, **kwargs)

    def sign_in(self, base: str, email: str, password: str) -> Response:
        return self.post(base, "/auth/login", {"email": email, "password": password})


def _multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
