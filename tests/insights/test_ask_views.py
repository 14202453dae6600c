"""Ask's page, dashboard box, "Did you mean" aliases, API and CLI: shapes, scoping and refusals."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from financeapp.core.errors import NotFound
from financeapp.extensions import db
from financeapp.insights.ask.answer import ask
from financeapp.insights.ask.models import AskAlias
from financeapp.insights.ask.vocabulary import learn
from tests.conftest import csrf_token_from
from tests.factories import add_member, make_account, make_category, make_transaction, make_user, personal_workspace

TODAY = date(2026, 3, 20)


def _ledger(email: str = "ada@example.com", spent: str = "-61.25"):
    user = make_user(email, name="Ada")
    ws = personal_workspace(user)
    account = make_account(ws, "Everyday Checking", opening_balance="1000")
    groceries = make_category(ws, "Groceries", group="Everyday")
    make_category(ws, "Garden supplies", group="Home")
    make_category(ws, "Garden tools", group="Home")
    make_transaction(account, spent, on=date(2026, 2, 10), category=groceries, payee="Corner Shop")
    make_transaction(account, "-20.00", on=date(2026, 2, 11), category=groceries, payee="Corner Shop")
    make_transaction(account, "-5.00", on=date(2026, 3, 2), category=groceries, payee="Corner Shop")
    return user, ws, account, groceries


def test_the_answer_page_states_reading_value_and_link(client, auth, ctx):
    _ledger()
    auth.login("ada@example.com")
    page = client.get("/insights/ask?q=groceries+in+February+2026").get_data(as_text=True)
    assert "Spending on Everyday: Groceries, 1–28 Feb 2026" in page
    assert "$81.25" in page
    assert "/transactions/?start=2026-02-01&amp;end=2026-02-28&amp;flow=spending&amp;category=" in page


def test_the_page_without_a_question_shows_examples_and_the_period_rules(client, auth, ctx):
    _ledger()
    auth.login("ada@example.com")
    page = client.get("/insights/ask").get_data(as_text=True)
    assert "How much did I spend on groceries last month?" in page
    assert "6 whole months before this one" in page


def test_a_question_outside_the_grammar_gets_no_number(client, auth, ctx):
    _ledger()
    auth.login("ada@example.com")
    page = client.get("/insights/ask?q=what+is+the+weather").get_data(as_text=True)
    assert "I can&#39;t answer that yet" in page or "I can't answer that yet" in page
    assert "$" not in page.split('id="ask-answer"')[1].split("</div>")[0]


def test_the_dashboard_has_the_ask_box_as_a_get_form(client, auth, ctx):
    _ledger()
    auth.login("ada@example.com")
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'action="/insights/ask"' in page and 'name="q"' in page and "js/ask.js" in page


def test_did_you_mean_teaches_an_alias_with_a_csrf_post(client, auth, ctx, app):
    _user, ws, _account, _groceries = _ledger()
    tools = db.session.scalar(sa.select(AskAlias.id).where(AskAlias.workspace_id == ws.id))
    assert tools is None
    auth.login("ada@example.com")
    page = client.get("/insights/ask?q=spending+on+garden+last+month").get_data(as_text=True)
    assert "Did you mean" in page and "Home: Garden tools" in page
    target = next(e for e in ask(ws, "spending on garden last month", TODAY).suggestions[0].candidates
                  if e.name == "Home: Garden tools")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = client.post(f"/insights/ask/learn/category/{target.id}", data={"phrase": "garden", "q": "x"})
        assert refused.status_code == 400  # no CSRF token
        token = csrf_token_from(client.get("/insights/ask?q=spending+on+garden").get_data(as_text=True))
        done = client.post(f"/insights/ask/learn/category/{target.id}",
                           data={"phrase": "garden", "q": "spending on garden last month", "csrf_token": token})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert done.status_code == 302 and "/insights/ask?q=spending" in done.headers["Location"]
    assert ask(ws, "spending on garden in March 2026", TODAY).reading == "Spending on Home: Garden tools, 1–31 Mar 2026"


def test_aliases_and_answers_never_cross_workspaces(ctx):
    _u, ws, _a, groceries = _ledger()
    _v, other, _b, _g = _ledger("bob@example.com", spent="-1000.00")
    learn(ws, "shopping", "category", groceries.id)
    db.session.commit()
    assert ask(ws, "shopping in February 2026", TODAY).value == 81.25
    assert ask(other, "shopping in February 2026", TODAY).value is None  # Ada's alias is hers only
    assert ask(other, "groceries in February 2026", TODAY).value == 1020
    with pytest.raises(NotFound):
        learn(other, "mine", "category", groceries.id)


def test_learning_another_workspaces_id_is_404_and_a_viewer_403(client, auth, ctx):
    _u, _ws, _a, groceries = _ledger()
    _v, other, _b, _g = _ledger("bob@example.com")
    auth.login("bob@example.com")
    assert client.post(f"/insights/ask/learn/category/{groceries.id}", data={"phrase": "x"}).status_code == 404
    assert client.post("/insights/ask/learn/widget/1", data={"phrase": "x"}).status_code == 404
    vera = make_user("vera@example.com")
    add_member(other, vera, "viewer")
    auth.logout()
    auth.login("vera@example.com")
    client.post(f"/workspaces/{other.id}/switch")
    assert client.post(f"/insights/ask/learn/category/{_g.id}", data={"phrase": "x"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AskAlias)) == 0


def test_the_api_answers_in_the_json_shape(client, auth, ctx):
    _ledger()
    auth.login("ada@example.com")
    body = client.get("/api/v1/ask?q=groceries+in+February+2026&today=2026-03-20").get_json()["data"]
    assert body["value"] == "81.25" and body["currency"] == "USD"
    assert body["reading"] == "Spending on Everyday: Groceries, 1–28 Feb 2026"
    assert body["answer"] == "Spending on Everyday: Groceries, 1–28 Feb 2026: $81.25"
    assert body["link"].startswith("/transactions/?start=2026-02-01&end=2026-02-28&flow=spending&category=")
    refused = client.get("/api/v1/ask?q=how+much+on+unicorns&today=2026-03-20").get_json()["data"]
    assert refused["value"] is None and refused["currency"] is None and refused["answer"].startswith("I can't")
    assert client.get("/api/v1/ask").status_code == 422
    assert client.get("/api/v1/ask?q=x&today=nope").status_code == 422


def test_the_cli_prints_the_json_shape(runner, ctx):
    _u, ws, _a, _g = _ledger()
    result = runner.invoke(args=["insights", "ask", "last month's spending on groceries vs this month",
                                 "--workspace", str(ws.id), "--today", "2026-03-20", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"answer", "value", "currency", "reading", "link"} <= set(data)
    assert data["value"] == "76.25" and data["currency"] == "USD"
    assert [i["value"] for i in data["items"]] == ["81.25", "5.00"]
    plain = runner.invoke(args=["insights", "ask", "balance of checking", "--workspace", "ada@example.com",
                                "--today", "2026-03-20"])
    assert plain.exit_code == 0 and "Balance of Everyday Checking at the end of 20 Mar 2026: $913.75" in plain.output


def test_a_renamed_category_is_read_by_its_new_name_at_once(ctx):
    _u, ws, _a, groceries = _ledger()
    assert ask(ws, "groceries in February 2026", TODAY).value == 81.25  # the vocabulary is now cached
    groceries.name = "Food shop"
    db.session.commit()
    assert ask(ws, "food shop in February 2026", TODAY).value == 81.25
    assert ask(ws, "groceries in February 2026", TODAY).value is None


def test_budget_left_comes_from_the_budgets(ctx):
    from decimal import Decimal

    from financeapp.budgets.services import LineInput, set_line

    _u, ws, _a, groceries = _ledger()
    set_line(ws, LineInput(groceries.id, date(2026, 2, 1), Decimal("100")))
    db.session.commit()
    result = ask(ws, "how much budget is left for groceries in February 2026", TODAY)
    assert result.value == Decimal("18.75")
    assert result.answer == ("Budget left for Everyday: Groceries, 1–28 Feb 2026: $18.75 ($81.25 spent of $100.00)")
    assert ask(ws, "budget left for groceries in March 2026", TODAY).value is None  # no line that month
    assert ask(ws, "how much budget is left for groceries in 2026", TODAY).value is None  # one month at a time
