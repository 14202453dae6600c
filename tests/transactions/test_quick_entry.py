"""Entering many transactions in a row: quick add reopens on the last entry's account, date and
direction; the full form starts on the account used last; a payee's default category is offered."""

from __future__ import annotations

import re

import pytest

from financeapp.extensions import db
from financeapp.payees.models import Payee
from tests.factories import make_account, make_category, make_user, personal_workspace


@pytest.fixture
def accounts(ctx):
    ws = personal_workspace(make_user("quick@example.com"))
    alpha, zulu = make_account(ws, "Alpha bank"), make_account(ws, "Zulu card", type="credit_card")
    food = make_category(ws, "Groceries")
    db.session.add(Payee(workspace_id=ws.id, name="Corner shop", default_category_id=food.id))
    db.session.commit()
    return {"alpha": alpha.id, "zulu": zulu.id, "food": food.id}


def selected(page: str, select_name: str) -> str | None:
    block = re.search(rf'<select[^>]*name="{select_name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    match = re.search(r'<option[^>]*value="([^"]*)"[^>]*selected', block) or \
        re.search(r'<option[^>]*selected[^>]*value="([^"]*)"', block)
    return match.group(1) if match else None


def quick_form(page: str) -> str:
    return page[page.index('id="quick-add"'):page.index("</details>", page.index('id="quick-add"'))]


def test_quick_add_reopens_on_the_last_account_date_and_direction(client, auth, accounts):
    auth.login("quick@example.com")
    response = client.post("/transactions/new", data={
        "quick": "1", "next": "/transactions/", "on": "2026-02-14", "account_id": accounts["zulu"],
        "direction": "in", "amount": "12.50", "payee": "", "category_id": "", "status": "uncleared"})
    assert response.status_code == 302
    quick = quick_form(client.get("/transactions/").get_data(as_text=True))
    assert "data-focus-next" in quick and " open" in quick.split(">", 1)[0]
    assert selected(quick, "account_id") == str(accounts["zulu"])
    assert 'value="2026-02-14"' in quick and selected(quick, "direction") == "in"
    later = quick_form(client.get("/transactions/").get_data(as_text=True))
    assert "data-focus-next" not in later  # reopened once, after the save
    assert selected(later, "account_id") == str(accounts["zulu"])  # still the last account used


def test_the_full_form_starts_on_the_account_used_last_not_the_first_by_name(client, auth, accounts):
    auth.login("quick@example.com")
    assert selected(client.get("/transactions/new").get_data(as_text=True), "account_id") in (
        None, str(accounts["alpha"]))
    client.post("/transactions/new", data={"on": "2026-02-14", "account_id": accounts["zulu"], "direction": "out",
                                           "amount": "3", "status": "uncleared"})
    assert selected(client.get("/transactions/new").get_data(as_text=True), "account_id") == str(accounts["zulu"])


def test_payee_names_carry_their_default_category_for_the_form(client, auth, accounts):
    auth.login("quick@example.com")
    body = client.get("/payees/names.json").get_json()
    assert body["data"] == ["Corner shop"] and body["defaults"] == {"Corner shop": accounts["food"]}
    assert "data-payee-hint" in client.get("/transactions/new").get_data(as_text=True)
