"""The Insights page's unusual transactions, the dashboard card, the CLI and the API."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from financeapp import create_app
from financeapp.extensions import db
from financeapp.insights import services
from financeapp.insights.models import UnusualException, UnusualTransaction
from tests.api.fixtures import ledger, owner, viewer  # noqa: F401 (fixtures)
from tests.api.test_openapi import assert_documented
from tests.conftest import csrf_token_from
from tests.factories import DEFAULT_PASSWORD, make_category, make_transaction
from tests.insights.helpers import coffee_history


@pytest.fixture
def flagged(ledger):  # noqa: F811 (the fixture above)
    """The owner's coffee history with one $61.50 coffee, scanned; returns its transaction."""
    from financeapp.accounts.models import Account

    account = db.session.get(Account, ledger.account_id)
    coffee = make_category(ledger.ws, "Coffee")
    coffee_history(account, coffee)
    big = make_transaction(account, "-61.50", on=date(2026, 2, 10), category=coffee, payee="Bean There")
    services.rescan(ledger.ws)
    db.session.commit()
    return big


def test_the_insights_page_lists_each_unusual_transaction_with_its_reason(client, owner, flagged):  # noqa: F811
    page = client.get("/insights/").get_data(as_text=True)
    assert 'id="unusual"' in page and "Bean There" in page and "-$61.50" in page
    assert "11.7× your median payment to Bean There of $5.25" in page
    assert "This is normal" in page


def test_an_empty_list_says_so(client, owner):  # noqa: F811
    page = client.get("/insights/").get_data(as_text=True)
    assert "Nothing unusual found" in page


def test_this_is_normal_closes_the_flag_and_teaches_the_payee(client, owner, flagged):  # noqa: F811
    flag_id = db.session.scalar(sa.select(UnusualTransaction.id))
    response = client.post(f"/insights/unusual/{flag_id}/normal")
    assert response.status_code == 302 and response.location.endswith("/insights/#unusual")
    assert db.session.scalar(sa.select(UnusualTransaction.status)) == "normal"
    assert db.session.scalar(sa.select(UnusualException.high)) == 61_500 / 1000
    assert "Nothing unusual found" in client.get("/insights/").get_data(as_text=True)


def test_this_is_normal_needs_the_csrf_token(app, flagged):
    strict = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                    "WTF_CSRF_ENABLED": True})
    flag_id = db.session.scalar(sa.select(UnusualTransaction.id))
    db.session.commit()
    with strict.test_client() as browser:
        login = browser.get("/auth/login").get_data(as_text=True)
        browser.post("/auth/login", data={"email": "owner@example.com", "password": DEFAULT_PASSWORD,
                                          "csrf_token": csrf_token_from(login)})
        page = browser.get("/insights/").get_data(as_text=True)
        assert browser.post(f"/insights/unusual/{flag_id}/normal").status_code == 400
        assert browser.post(f"/insights/unusual/{flag_id}/normal",
                            data={"csrf_token": csrf_token_from(page)}).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(UnusualTransaction.status)) == "normal"


def test_a_viewer_sees_the_list_but_cannot_mark_or_scan(client, viewer, flagged):  # noqa: F811
    page = client.get("/insights/").get_data(as_text=True)
    assert "Bean There" in page and ">This is normal<" not in page and "Scan the whole history" not in page
    flag_id = db.session.scalar(sa.select(UnusualTransaction.id))
    assert client.post(f"/insights/unusual/{flag_id}/normal").status_code == 403
    assert client.post("/insights/unusual/scan").status_code == 403


def test_the_scan_button_scans_inline_without_redis(client, owner, flagged):  # noqa: F811
    db.session.execute(sa.delete(UnusualTransaction))
    db.session.commit()
    response = client.post("/insights/unusual/scan", follow_redirects=True)
    assert "Scanned 37 transactions: 1 unusual (1 new)." in response.get_data(as_text=True)


def test_the_dashboard_shows_a_card_of_the_newest(client, owner, flagged):  # noqa: F811
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'id="unusual-card"' in page and "11.7× your median payment to Bean There" in page


def test_the_list_is_paginated(client, owner, flagged, ledger):  # noqa: F811
    txn_ids = db.session.scalars(sa.select(UnusualTransaction.transaction_id)).all()
    from financeapp.transactions.models import Transaction

    others = db.session.scalars(sa.select(Transaction.id).where(Transaction.id.not_in(txn_ids))).all()
    for txn_id in others[:services.PER_PAGE + 1]:
        db.session.add(UnusualTransaction(workspace_id=ledger.ws.id, transaction_id=txn_id, kind="size",
                                          score=4, reason="a test flag", status="open"))
    db.session.commit()
    first = client.get("/insights/").get_data(as_text=True)
    assert "Page 1 of 2" in first and "unusual_page=2#unusual" in first
    assert "Page 2 of 2" in client.get("/insights/?unusual_page=2").get_data(as_text=True)


def test_the_cli_prints_json_items(runner, flagged, ledger):  # noqa: F811
    result = runner.invoke(args=["insights", "anomalies", "--workspace", str(ledger.ws.id), "--json"])
    assert result.exit_code == 0, result.output
    [item] = json.loads(result.output)
    assert set(item) >= {"transaction_id", "date", "account", "payee", "amount", "score", "reason"}
    assert item == {"transaction_id": flagged.id, "date": "2026-02-10", "account": "Checking", "payee": "Bean There",
                    "amount": "-61.50", "currency": "USD", "score": item["score"],
                    "reason": "11.7× your median payment to Bean There of $5.25"}
    assert float(item["score"]) > 3.5
    later = runner.invoke(args=["insights", "anomalies", "--workspace", str(ledger.ws.id), "--since", "2026-03-01",
                                "--json"])
    assert json.loads(later.output) == []
    bad = runner.invoke(args=["insights", "anomalies", "--workspace", "no such workspace"])
    assert bad.exit_code != 0 and "no workspace" in bad.output


def test_the_cli_scan_rescans(runner, flagged, ledger):  # noqa: F811
    result = runner.invoke(args=["insights", "scan", "--workspace", str(ledger.ws.id)])
    assert result.exit_code == 0 and "scanned 37 transactions, 1 unusual (0 new, 0 no longer)" in result.output


def test_the_api_lists_the_anomalies_as_documented(client, owner, flagged):  # noqa: F811
    response = client.get("/api/v1/insights/anomalies")
    assert_documented(response, "/api/v1/insights/anomalies")
    body = response.get_json()
    assert [a["transaction_id"] for a in body["data"]] == [flagged.id]
    assert body["data"][0]["amount"] == "-61.50" and body["meta"]["total"] == 1
    assert client.get("/api/v1/insights/anomalies?since=2026-03-01").get_json()["data"] == []
    bad = client.get("/api/v1/insights/anomalies?since=soon")
    assert bad.status_code == 400
    assert_documented(bad, "/api/v1/insights/anomalies")


def test_another_workspace_sees_none_of_them(client, auth, flagged, ledger):  # noqa: F811
    assert auth.login("stranger@example.com").status_code == 302
    assert client.get("/api/v1/insights/anomalies").get_json()["data"] == []
    assert "Bean There" not in client.get("/insights/").get_data(as_text=True)
    assert "Bean There" not in client.get("/dashboard").get_data(as_text=True)
    flag_id = db.session.scalar(sa.select(UnusualTransaction.id))
    assert client.post(f"/insights/unusual/{flag_id}/normal").status_code == 404
    assert db.session.scalar(sa.select(UnusualTransaction.status)) == "open"


def test_patterns_are_computed_by_the_scan_and_shown_from_the_store(client, owner, flagged):  # noqa: F811
    assert "Not computed yet" in client.get("/insights/").get_data(as_text=True)
    before = client.get("/api/v1/insights/patterns")
    assert_documented(before, "/api/v1/insights/patterns")
    assert before.get_json()["data"]["computed_at"] is None
    client.post("/insights/unusual/scan")
    after = client.get("/api/v1/insights/patterns")
    assert_documented(after, "/api/v1/insights/patterns")
    data = after.get_json()["data"]
    assert data["computed_at"] and data["seasonal"] == [] and data["currency"] == "USD"
    assert "two years of whole months" in client.get("/insights/").get_data(as_text=True)


def test_the_cli_prints_the_patterns_as_json(runner, flagged, ledger):  # noqa: F811
    result = runner.invoke(args=["insights", "patterns", "--workspace", str(ledger.ws.id), "--today", "2026-12-03",
                                 "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"first", "through", "currency", "months", "seasonal", "trends", "warnings", "computed_at"}
    assert (data["first"], data["through"], data["months"]) == ("2026-01", "2026-11", 11)


def test_another_workspaces_patterns_are_never_shown(client, auth, flagged, ledger, runner):  # noqa: F811
    runner.invoke(args=["insights", "patterns", "--workspace", str(ledger.ws.id)])
    assert auth.login("stranger@example.com").status_code == 302
    assert client.get("/api/v1/insights/patterns").get_json()["data"]["computed_at"] is None
