"""financeapp/ops/metrics.py in one process: what /metrics shows and who may read it."""

from __future__ import annotations

import re

import pytest
from prometheus_client import REGISTRY

from financeapp.ops import metrics
from tests.factories import make_account, make_user, personal_workspace

TOKEN = "metrics-token-for-tests-0123456789"


@pytest.fixture
def token(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    return TOKEN


def scrape(client, token: str = TOKEN) -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/plain"
    return response.get_data(as_text=True)


def sample(text: str, name: str, **labels: str) -> float:
    """One sample's value from the exposition text (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(rf"{re.escape(name)}\{{(.*)\}} (\S+)", line) or re.fullmatch(
            rf"{re.escape(name)} (\S+)", line)
        if not match:
            continue
        if match.lastindex == 1 and not labels:
            return float(match.group(1))
        if match.lastindex == 2 and ",".join(sorted(match.group(1).split(","))) == wanted:
            return float(match.group(2))
    return 0.0


def test_metrics_is_not_served_without_a_token_configured(client):
    assert client.get("/metrics").status_code == 404


def test_metrics_refuses_a_missing_or_wrong_token(client, token):
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")
    assert TOKEN not in wrong.get_data(as_text=True)


def test_requests_are_counted_by_route_template_and_status(client, auth, ctx, token):
    user = make_user("metrics@example.com")
    account = make_account(personal_workspace(user))
    auth.login("metrics@example.com")
    before = scrape(client)
    route = "/accounts/<int:account_id>/edit"
    client.get(f"/accounts/{account.id}/edit")
    client.get(f"/accounts/{account.id}/edit")
    client.get("/accounts/999999/edit")
    client.get("/no/such/page/at/all")
    after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew("financeapp_http_requests_total", method="GET", route=route, status="200") == 2
    assert grew("financeapp_http_requests_total", method="GET", route=route, status="404") == 1
    assert grew("financeapp_http_requests_total", method="GET", route="<unmatched>", status="404") == 1
    assert grew("financeapp_http_request_duration_seconds_count", method="GET", route=route) == 3
    assert f'route="/accounts/{account.id}/edit"' not in after  # the template, never the concrete URL
    assert "financeapp_db_pool_connections_in_use" in after


def test_the_pool_gauge_follows_checkouts(app):
    from financeapp.extensions import db

    def in_use() -> float:
        return REGISTRY.get_sample_value("financeapp_db_pool_connections_in_use") or 0.0

    with app.app_context():
        before = in_use()
        connection = db.engine.connect()
        assert in_use() == before + 1
        connection.close()
        assert in_use() == before


def test_import_rows_and_durations_are_recorded_by_the_helpers():
    def value(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    before = value("financeapp_import_rows_total", outcome="committed")
    metrics.count_import_rows(7)
    metrics.count_import_rows(0)
    assert value("financeapp_import_rows_total", outcome="committed") == before + 7
    for histogram, name in ((metrics.OCR_SECONDS, "financeapp_ocr_duration_seconds"),
                            (metrics.FORECAST_SECONDS, "financeapp_forecast_duration_seconds")):
        count = value(f"{name}_count")
        with pytest.raises(ValueError), metrics.timed(histogram):
            raise ValueError("a failed run is timed too")
        assert value(f"{name}_count") == count + 1


def test_the_queue_collector_reports_redis_down_instead_of_failing(client, app, token, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens on port 1
    text = scrape(client)
    assert sample(text, "financeapp_redis_up") == 0
    assert "financeapp_http_requests_total" in text


def test_a_committed_import_counts_its_rows(ctx, app, tmp_path, monkeypatch):
    from financeapp.extensions import db
    from financeapp.imports import jobs, services
    from financeapp.imports.state import WizardState
    from tests.imports.conftest import MARCH, ofx_file, ofx_statement

    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    ws = personal_workspace(make_user("rows@example.com"))
    checking = make_account(ws, "Checking", number="12345678")
    batch = services.stage_upload(ws, None, "march.ofx", ofx_file(ofx_statement(MARCH)))
    WizardState.change(batch, accounts={"0": checking.id}, analysed=True, job="commit")
    batch.status = "running"
    db.session.commit()
    before = REGISTRY.get_sample_value("financeapp_import_rows_total", {"outcome": "committed"}) or 0.0
    assert jobs.run_step(batch.id, ws.id, "commit") == "committed"
    after = REGISTRY.get_sample_value("financeapp_import_rows_total", {"outcome": "committed"})
    assert after == before + len(MARCH)
