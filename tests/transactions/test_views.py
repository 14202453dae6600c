"""The transactions page, forms and bulk actions over HTTP."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.extensions import db
from financeapp.recurring.models import RecurringOccurrence
from financeapp.transactions.models import Transaction
from financeapp.workspaces.models import Workspace
from tests.factories import make_account, make_category, make_transaction, make_user, personal_workspace
from tests.recurring.helpers import make_recurring


@pytest.fixture
def setup(ctx):
    user = make_user("tx@example.com")
    ws = personal_workspace(user)
    checking = make_account(ws, "Checking", opening_balance="100")
    savings = make_account(ws, "Savings")
    food = make_category(ws, "Groceries")
    return {"ws": ws, "checking": checking.id, "savings": savings.id, "food": food.id}


def balances(*ids):
    db.session.expire_all()
    from financeapp.accounts.models import Account
    from financeapp.accounts.queries import balance_on
    return [balance_on(db.session.get(Account, i)) for i in ids]


def test_add_expense_through_the_form(client, auth, setup):
    auth.login("tx@example.com")
    response = client.post("/transactions/new", data={
        "on": "2026-03-02", "account_id": setup["checking"], "direction": "out", "amount": "1,234.50",
        "payee": "Landlord", "category_id": setup["food"], "status": "uncleared",
    })
    assert response.status_code == 302
    assert balances(setup["checking"]) == [Decimal("-1134.50")]
    page = client.get("/transactions/").get_data(as_text=True)
    assert "Landlord" in page and "-$1,234.50" in page


def test_bad_amount_keeps_input_and_writes_nothing(client, auth, setup):
    auth.login("tx@example.com")
    response = client.post("/transactions/new", data={
        "on": "2026-03-02", "account_id": setup["checking"], "direction": "out", "amount": "12.345",
        "payee": "Typo shop", "status": "uncleared",
    })
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "could mean 12,345 or 12.345" in page and 'value="Typo shop"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transaction)) == 0


@pytest.mark.parametrize("amount", ["abc", "NaN", "1e400", "", "-5"])
def test_garbage_amounts_are_a_message_never_a_500(client, auth, setup, amount):
    auth.login("tx@example.com")
    response = client.post("/transactions/new", data={
        "on": "2026-03-02", "account_id": setup["checking"], "direction": "out", "amount": amount,
    })
    assert response.status_code == 422


def test_split_through_the_form_must_add_up(client, auth, setup):
    auth.login("tx@example.com")
    data = {"on": "2026-03-02", "account_id": setup["checking"], "direction": "out", "amount": "50",
            "status": "uncleared",
            "lines-0-category_id": setup["food"], "lines-0-amount": "30",
            "lines-1-category_id": "", "lines-1-amount": "15"}
    response = client.post("/transactions/new", data=data)
    assert response.status_code == 422
    assert "$5.00 left to assign" in response.get_data(as_text=True)
    data["lines-1-amount"] = "20"
    assert client.post("/transactions/new", data=data).status_code == 302
    assert "Split (2)" in client.get("/transactions/").get_data(as_text=True)


def test_transfer_through_the_form_and_delete_as_one(client, auth, setup):
    auth.login("tx@example.com")
    response = client.post("/transactions/transfer", data={
        "on": "2026-03-03", "from_account_id": setup["checking"], "to_account_id": setup["savings"],
        "amount": "40", "status": "uncleared",
    })
    assert response.status_code == 302
    assert balances(setup["checking"], setup["savings"]) == [Decimal("60"), Decimal("40")]
    listing = client.get("/transactions/").get_data(as_text=True)
    assert "to Savings" in listing and "from Checking" in listing
    txn_id = db.session.scalar(sa.select(Transaction.id).where(Transaction.amount > 0))
    edit = client.get(f"/transactions/{txn_id}/edit")
    assert edit.status_code == 200 and "Edit transfer" in edit.get_data(as_text=True)
    assert client.post(f"/transactions/{txn_id}/delete").status_code == 302
    assert balances(setup["checking"], setup["savings"]) == [Decimal("100"), Decimal("0")]


def test_edit_with_a_stale_version_is_refused(client, auth, setup, ctx):
    from financeapp.accounts.models import Account
    txn = make_transaction(db.session.get(Account, setup["checking"]), "-5")
    auth.login("tx@example.com")
    form = {"on": "2026-03-02", "account_id": setup["checking"], "direction": "out", "amount": "6",
            "status": "uncleared", "version": str(txn.version)}
    assert client.post(f"/transactions/{txn.id}/edit", data=form).status_code == 302
    stale = client.post(f"/transactions/{txn.id}/edit", data={**form, "amount": "7"})
    assert stale.status_code == 409
    assert "Someone else changed this transaction" in stale.get_data(as_text=True)


def test_filters_count_and_sum_and_pagination(client, auth, setup, ctx):
    from financeapp.accounts.models import Account
    from financeapp.categories.models import Category
    checking = db.session.get(Account, setup["checking"])
    food = db.session.get(Category, setup["food"])
    for day in range(1, 31):
        make_transaction(checking, "-1.10", on=date(2026, 4, day), category=food if day % 2 else None,
                         payee="Bakery" if day % 3 == 0 else "Kiosk")
    auth.login("tx@example.com")
    page = client.get("/transactions/?per_page=25").get_data(as_text=True)
    assert ">30</strong> transactions" in page and "-$33.00" in page and "Page 1 of 2" in page
    filtered = client.get(f"/transactions/?category={setup['food']}&start=2026-04-01&end=2026-04-10")
    text = filtered.get_data(as_text=True)
    assert ">5</strong> transactions match" in text and "-$5.50" in text
    searched = client.get("/transactions/?q=Baker").get_data(as_text=True)
    assert ">10</strong> transactions match" in searched
    uncategorised = client.get("/transactions/?category=-1").get_data(as_text=True)
    assert ">15</strong> transactions match" in uncategorised


@pytest.mark.parametrize("query", ["start=yesterday", "min=lots", "page=-3", "category=abc", "sort=evil",
                                   "per_page=100000", "account=999999", "q=%25%27%22"])
def test_bad_filters_never_break_the_page(client, auth, setup, query):
    auth.login("tx@example.com")
    assert client.get(f"/transactions/?{query}").status_code == 200


def test_bulk_set_category_and_delete(client, auth, setup, ctx):
    from financeapp.accounts.models import Account
    checking = db.session.get(Account, setup["checking"])
    ids = [make_transaction(checking, "-2", payee="Kiosk").id for _ in range(3)]
    auth.login("tx@example.com")
    response = client.post("/transactions/bulk", data={"ids": ids[:2], "action": "category",
                                                       "category_id": setup["food"]})
    assert response.status_code == 302
    assert ">2</strong> transactions match" in client.get(
        f"/transactions/?category={setup['food']}").get_data(as_text=True)
    client.post("/transactions/bulk", data={"ids": ids, "action": "delete"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transaction)) == 0


def test_empty_states(client, auth, ctx):
    make_user("empty@example.com")
    auth.login("empty@example.com")
    assert "Add an account first" in client.get("/transactions/").get_data(as_text=True)
    assert "No accounts yet" in client.get("/accounts/").get_data(as_text=True)


def test_an_entry_that_pays_an_expected_bill_marks_it_paid_and_says_so(client, auth, setup):
    bill = make_recurring(db.session.get(Workspace, setup["ws"].id), setup["checking"], name="Internet",
                          amount="79.99", month_day=18, is_bill=True, payee="Xfinity")
    auth.login("tx@example.com")
    response = client.post("/transactions/new", data={
        "on": "2026-03-17", "account_id": setup["checking"], "direction": "out", "amount": "79.99",
        "payee": "Xfinity", "status": "uncleared",
    }, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "It matched the expected bill “Internet”, which is now marked paid." in page
    assert "Saved expense of $79.99 in Checking." in page
    paid = db.session.scalar(sa.select(RecurringOccurrence).where(RecurringOccurrence.recurring_id == bill.id))
    assert (paid.occurrence_date, paid.status) == (date(2026, 3, 18), "paid")
