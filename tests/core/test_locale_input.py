"""Amounts typed into forms are read in the signed-in user's locale, exactly; ambiguous ones are refused.

Each form is posted over HTTP by a user whose locale is de_DE, fr_FR or en_IN, and the stored value
is read back from the database; the JSON API keeps reading plain "12.50" whatever the locale.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.accounts.models import Account
from financeapp.budgets.models import BudgetLine
from financeapp.extensions import db
from financeapp.goals.models import Goal
from financeapp.transactions.models import Transaction
from tests.factories import make_account, make_category, make_user, personal_workspace

EMAIL = "locale@example.com"

# (locale, what the user types, the exact value it must give)
TYPED = [
    ("de_DE", "3,50", Decimal("3.50")),
    ("de_DE", "1.500,00", Decimal("1500.00")),
    ("de_DE", "1.234.567,89", Decimal("1234567.89")),
    ("de_DE", "1.500", Decimal("1500")),  # de_DE's point groups thousands (en_US refuses it as ambiguous)
    ("fr_FR", "1 500,00", Decimal("1500.00")),
    ("fr_FR", "1\u202f500,25", Decimal("1500.25")),  # the narrow no-break space French grouping uses
    ("en_IN", "1,50,000.00", Decimal("150000.00")),
    ("en_IN", "12.50", Decimal("12.50")),
    ("en_IN", "1,500", Decimal("1500")),  # en_IN's comma groups (de_DE and fr_FR refuse it as ambiguous)
]


@pytest.fixture
def person(ctx):
    def make(locale: str):
        user = make_user(EMAIL, currency="EUR")
        user.locale = locale
        ws = personal_workspace(user)
        account = make_account(ws, "Girokonto", currency="EUR")
        groceries = make_category(ws, "Groceries")
        db.session.commit()
        return ws, account.id, groceries.id
    return make


def _stored(model, column, *where):
    db.session.rollback()
    return db.session.scalar(sa.select(column).select_from(model).where(*where))


def _entry(account_id: int, amount: str, **changes) -> dict:
    return {"on": "2026-03-02", "account_id": account_id, "direction": "out", "amount": amount,
            "status": "uncleared", **changes}


@pytest.mark.parametrize(("locale", "typed", "value"), TYPED)
def test_the_entry_form_reads_the_users_locale(client, auth, person, locale, typed, value):
    _, account_id, _ = person(locale)
    auth.login(EMAIL)
    response = client.post("/transactions/new", data=_entry(account_id, typed))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _stored(Transaction, Transaction.amount) == -value


@pytest.mark.parametrize(("locale", "typed", "value"), TYPED)
def test_quick_add_on_the_list_reads_the_users_locale(client, auth, person, locale, typed, value):
    _, account_id, _ = person(locale)
    auth.login(EMAIL)
    page = client.get("/transactions/").get_data(as_text=True)
    assert 'id="quick-add"' in page and 'inputmode="decimal"' in page
    response = client.post("/transactions/new", data=_entry(account_id, typed, next="/transactions/"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/transactions/")
    assert _stored(Transaction, Transaction.amount) == -value


@pytest.mark.parametrize(("locale", "typed", "value"), TYPED)
def test_the_account_form_reads_the_opening_balance_in_the_users_locale(client, auth, person, locale, typed,
                                                                         value):
    person(locale)
    auth.login(EMAIL)
    response = client.post("/accounts/new", data={
        "name": "Tagesgeld", "type": "savings", "currency": "EUR", "opening_balance": typed,
        "opening_date": "2026-01-01", "colour": "#0d6efd", "include_in_net_worth": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _stored(Account, Account.opening_balance, Account.name == "Tagesgeld") == value


@pytest.mark.parametrize(("locale", "typed", "value"), TYPED)
def test_the_budget_form_reads_the_users_locale(client, auth, person, locale, typed, value):
    _, _, groceries = person(locale)
    auth.login(EMAIL)
    response = client.post("/budgets/lines", data={"category_id": groceries, "amount": typed, "period": "month",
                                                   "month": "2026-03"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _stored(BudgetLine, BudgetLine.amount) == value


@pytest.mark.parametrize(("locale", "typed", "value"), TYPED)
def test_the_goal_form_reads_the_users_locale(client, auth, person, locale, typed, value):
    person(locale)
    auth.login(EMAIL)
    response = client.post("/goals/new", data={"name": "Holiday", "target_amount": typed, "account_id": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _stored(Goal, Goal.target_amount) == value


@pytest.mark.parametrize(("locale", "typed", "readings"), [
    ("de_DE", "1,500", ("1.500", "1,5")),  # a decimal comma before three digits: 1500 by habit, or 1.5?
    ("fr_FR", "1,500", ("1 500", "1,5")),
    ("en_IN", "1.500", ("1,500", "1.5")),
    ("en_US", "1.500", ("1,500", "1.5")),
])
def test_an_ambiguous_amount_is_refused_with_both_readings_and_nothing_is_written(client, auth, person, locale,
                                                                                    typed, readings):
    _, account_id, _ = person(locale)
    auth.login(EMAIL)
    response = client.post("/transactions/new", data=_entry(account_id, typed, payee="Bäckerei"))
    page = response.get_data(as_text=True).replace("\u202f", " ").replace("\xa0", " ")
    assert response.status_code == 422
    assert "could mean" in page and all(reading in page for reading in readings)
    assert 'value="Bäckerei"' in page
    assert _stored(Transaction, sa.func.count()) == 0


def test_an_edit_form_shows_the_amount_as_the_user_types_it(client, auth, person):
    _, account_id, _ = person("de_DE")
    auth.login(EMAIL)
    client.post("/transactions/new", data=_entry(account_id, "1.234,50"))
    txn_id = _stored(Transaction, Transaction.id)
    page = client.get(f"/transactions/{txn_id}/edit").get_data(as_text=True)
    assert 'value="1234,50"' in page
    # Saving the form unchanged keeps the amount (the box reads back what it shows).
    response = client.post(f"/transactions/{txn_id}/edit", data=_entry(account_id, "1234,50", version="1"))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _stored(Transaction, Transaction.amount) == Decimal("-1234.50")


def test_the_list_filters_read_amounts_in_the_users_locale(client, auth, person):
    _, account_id, _ = person("de_DE")
    auth.login(EMAIL)
    for typed in ("3,50", "1.500,00"):
        client.post("/transactions/new", data=_entry(account_id, typed, payee=f"paid {typed}"))
    page = client.get("/transactions/?min=-10&max=-1,5").get_data(as_text=True)
    assert "paid 3,50" in page and "paid 1.500,00" not in page
    assert 'value="-1,5"' in page  # the box shows the bound as it was typed, so a second search keeps it


@pytest.mark.parametrize("locale", ["de_DE", "fr_FR", "en_IN"])
def test_the_api_reads_plain_amounts_whatever_the_users_locale(client, auth, person, locale):
    _, account_id, _ = person(locale)
    auth.login(EMAIL)
    response = client.post("/api/v1/transactions", json={"account_id": account_id, "date": "2026-03-02",
                                                         "amount": "-12.50"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["data"][0]["amount"] == "-12.50"
    listed = client.get("/api/v1/transactions?min=-12.50&max=-12.50").get_json()
    assert [row["amount"] for row in listed["data"]] == ["-12.50"]

