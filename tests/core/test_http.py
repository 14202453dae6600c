"""Error pages, problem+json, security headers, request ids and health probes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from financeapp import create_app


def test_security_headers_on_every_page(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_only_over_https(client):
    response = client.get("/auth/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_request_id_is_returned_and_kept_when_sane(client):
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "abc12345-trace"}).headers["X-Request-ID"] == \
        "abc12345-trace"
    assert client.get("/healthz", headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"] != "<script>"


def test_request_is_logged_with_its_id(client, caplog):
    caplog.set_level("INFO", logger="financeapp.request")
    rid = client.get("/healthz").headers["X-Request-ID"]
    lines = [r.getMessage() for r in caplog.records]
    assert any(f"rid={rid}" in line and "GET /healthz 200" in line for line in lines)


def test_not_found_is_a_friendly_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "couldn't find that page" in response.get_data(as_text=True)


def test_wrong_method_is_405_with_allow(client):
    response = client.get("/auth/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "isn't allowed" in response.get_data(as_text=True)


def test_api_errors_are_problem_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 404 and response.json["title"] == "Not Found"
    unauth = client.get("/api/v1/me")
    assert unauth.status_code == 401 and unauth.mimetype == "application/problem+json"


def test_unexpected_error_is_a_500_page_without_a_trace(app):
    crashing = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "RAISE_UNEXPECTED": False,
    })

    @crashing.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    @crashing.get("/api/v1/boom")
    def api_boom():
        raise RuntimeError("secret internals")

    client = crashing.test_client()
    page = client.get("/boom")
    assert page.status_code == 500
    assert "secret internals" not in page.get_data(as_text=True)
    assert page.headers["X-Request-ID"] in page.get_data(as_text=True)
    api = client.get("/api/v1/boom")
    assert api.status_code == 500 and api.mimetype == "application/problem+json"


def test_too_large_upload_is_413(app):
    small = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "MAX_CONTENT_LENGTH": 10,
    })
    response = small.test_client().post("/auth/login", data={"email": "x" * 100})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_health_probes(client):
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json == {"status": "ok", "database": "ok", "migrations": "ok", "uploads": "ok"}


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path):
    broken = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db"})
    import shutil
    shutil.rmtree(tmp_path / "missing")
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


# What production needs besides SECRET_KEY (issue 11): the site's address and an encryption key.
PRODUCTION = {"BASE_URL": "https://money.example.org", "ENCRYPTION_KEY": "A" * 43 + "="}


def test_production_refuses_a_missing_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", {"SECRET_KEY": "", "SQLALCHEMY_DATABASE_URI": "sqlite://", **PRODUCTION})
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", {"SECRET_KEY": "changeme", "SQLALCHEMY_DATABASE_URI": "sqlite://", **PRODUCTION})
    app = create_app("production", {"SECRET_KEY": "k" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://", **PRODUCTION})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_mysql_urls_get_utf8mb4_and_a_healthy_pool():
    from config import engine_options, normalise_database_url
    url = normalise_database_url("mysql+pymysql://u@127.0.0.1/db")
    assert url.endswith("?charset=utf8mb4")
    assert engine_options(url) == {"pool_pre_ping": True, "pool_recycle": 280}
    assert sa.make_url(url).query["charset"] == "utf8mb4"


def test_tokens_in_link_paths_never_reach_the_log(client, caplog):
    caplog.set_level("INFO", logger="financeapp.request")
    secret = "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eA"
    client.get(f"/auth/reset/{secret}?next=/dashboard")
    lines = " ".join(r.getMessage() for r in caplog.records)
    assert secret not in lines and "[masked]" in lines and "next=/dashboard" in lines
