"""GET /api/v1/forecasts, /api/v1/insights/recommendations, /api/v1/accounts/<id>/projection, the pages."""

from __future__ import annotations

from datetime import date

import pytest

from financeapp.api.openapi import document
from financeapp.extensions import db
from financeapp.insights.forecasts import jobs
from financeapp.insights.forecasts.cache import ForecastCache
from tests.insights.forecast_data import history


@pytest.fixture
def fran(ctx, auth):
    _, ws, account, groceries, salary = history(months=28)
    ids = {"ws": ws.id, "acc": account.id, "cat": groceries.id, "salary": salary.id}
    db.session.commit()
    auth.login("fran@example.com")
    return ids


def test_a_stale_forecast_answers_202_and_the_job_runs_after_the_response(client, fran):
    first = client.get("/api/v1/forecasts?series=spending&months=6", buffered=True)
    assert first.status_code == 202
    assert first.json["data"]["status"] == "computing" and first.json["data"]["points"] == []
    assert len(first.json["data"]["history"]) == 24
    # Without Redis the job ran once the response was sent (the buffered client closes it).
    second = client.get("/api/v1/forecasts?series=spending&months=6")
    assert second.status_code == 200
    data = second.json["data"]
    assert data["status"] == "ready" and len(data["points"]) == 6
    assert data["backtest"]["baseline"]["seasonal_naive"].keys() == {"mase", "smape"}


def test_a_category_and_an_account_forecast(client, fran, ctx):
    today = date.today()
    jobs.refresh_workspace(fran["ws"], [f"spending:c{fran['cat']}:a{fran['acc']}"], as_of=today)
    response = client.get(f"/api/v1/forecasts?series=spending&category_id={fran['cat']}&account_id={fran['acc']}")
    assert response.status_code == 200, response.json
    assert response.json["data"]["key"] == f"spending:c{fran['cat']}:a{fran['acc']}"


@pytest.mark.parametrize("query", ["series=profit", "months=0", "months=13", "months=soon"])
def test_bad_parameters_are_400(client, fran, query):
    response = client.get(f"/api/v1/forecasts?{query}")
    assert response.status_code == 400
    assert response.content_type.startswith("application/problem+json")


def test_another_workspaces_category_account_and_projection_are_404(client, fran, auth, ctx):
    history("mallory@example.com")
    auth.logout()
    auth.login("mallory@example.com")
    assert client.get(f"/api/v1/forecasts?category_id={fran['cat']}").status_code == 404
    assert client.get(f"/api/v1/forecasts?account_id={fran['acc']}").status_code == 404
    assert client.get(f"/api/v1/accounts/{fran['acc']}/projection").status_code == 404
    assert client.get(f"/insights/forecasts?category_id={fran['cat']}").status_code == 404
    assert client.get(f"/insights/forecasts?projection={fran['acc']}").status_code == 404
    mallory = client.get("/api/v1/forecasts?series=spending", buffered=True)
    assert mallory.json["data"]["label"] == "Total spending"
    rows = db.session.query(ForecastCache.workspace_id).distinct().all()
    assert (fran["ws"],) not in rows  # Mallory's request asked only for her own series


def test_the_pages_render_with_their_sections(client, fran, ctx):
    jobs.refresh_workspace(fran["ws"], as_of=date.today())
    page = client.get("/insights/").get_data(as_text=True)
    assert 'id="forecasts"' in page and 'data-chart="forecast"' in page and 'id="recommendations"' in page
    assert "Apply to that month" in page and 'name="csrf_token"' in page
    page = client.get(f"/insights/forecasts?projection={fran['acc']}").get_data(as_text=True)
    assert "Every series" in page and "Groceries" in page and 'data-chart="projection"' in page
    assert "MASE" in page
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'id="forecast-card"' in dashboard


def test_the_openapi_document_lists_the_endpoints(app):
    with app.app_context():
        paths = document()["paths"]
    assert {"/api/v1/forecasts", "/api/v1/insights/recommendations", "/api/v1/accounts/{account_id}/projection"} \
        <= set(paths)
