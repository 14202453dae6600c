"""/api/v1/debts: create, get, change, delete debts and a loan's payments through debts/services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from financeapp.accounts.models import Account
from financeapp.accounts.queries import balance_on
from financeapp.api.models import IdempotencyKey
from financeapp.debts.models import Debt, DebtPayment
from financeapp.debts.services import PaymentInput, record_payment
from financeapp.extensions import db
from financeapp.transactions.models import Transaction
from tests.api.fixtures import assert_problem, count
from tests.debts.conftest import make_loan

URL = "/api/v1/debts"
LOAN = {"name": "Car", "annual_rate": "6", "principal": "12000", "term_months": 48, "start_date": "2026-01-15"}


def test_a_loan_round_trip_with_payments(client, owner):
    made = client.post(URL, json=LOAN)
    assert made.status_code == 201, made.get_json()
    loan = made.get_json()["data"]
    assert (loan["kind"], loan["currency"], loan["annual_rate"], loan["principal"], loan["balance"]) == (
        "loan", "USD", "6", "12000.00", "12000.00")
    assert loan["payment"] == "281.82" and loan["payment_day"] == 15
    assert client.get(made.headers["Location"]).get_json()["data"] == loan

    payments = f"{URL}/{loan['id']}/payments"
    paid = client.post(payments, json={"date": "2026-02-15", "amount": "281.82", "from_account_id": owner.checking_id})
    assert paid.status_code == 201, paid.get_json()
    payment = paid.get_json()["data"]
    assert (payment["interest"], payment["principal"], payment["created_transaction"]) == ("60.00", "221.82", True)
    assert balance_on(db.session.get(Account, owner.checking_id)) == Decimal("9718.18")
    listed = client.get(payments).get_json()
    assert listed["data"] == [payment] and listed["meta"]["total"] == 1
    assert client.get(f"{URL}/{loan['id']}").get_json()["data"]["balance"] == "11778.18"

    assert client.delete(f"{payments}/{payment['id']}").status_code == 204
    assert count(Transaction, Transaction.workspace_id == owner.ws.id) == 0  # the payment's own transaction too
    changed = client.patch(f"{URL}/{loan['id']}", json={"annual_rate": 0, "name": "Car loan"}).get_json()["data"]
    assert (changed["name"], changed["annual_rate"], changed["payment"]) == ("Car loan", "0", "250.00")
    assert [d["name"] for d in client.get(URL).get_json()["data"]] == ["Car loan"]
    assert client.delete(f"{URL}/{loan['id']}").status_code == 204
    assert count(Debt, Debt.workspace_id == owner.ws.id) == 0


def test_a_card_takes_a_balance_and_no_payments(client, owner):
    card = client.post(URL, json={"name": "Visa", "kind": "credit_card", "annual_rate": "22.9", "balance": "1500",
                                  "min_payment_kind": "percent", "min_payment_percent": "2", "min_payment": "25"})
    assert card.status_code == 201, card.get_json()
    body = card.get_json()["data"]
    assert (body["balance"], body["payment"], body["min_payment_percent"]) == ("1500.00", "30.00", "2")
    assert_problem(client.post(f"{URL}/{body['id']}/payments", json={"date": "2026-02-01", "amount": 5}), 422)
    assert count(DebtPayment) == 0


def test_invalid_input_names_each_field_and_writes_nothing(client, owner):
    body = assert_problem(client.post(URL, json={"name": "", "kind": "mortgage", "annual_rate": "lots",
                                                 "term_months": 0, "start_date": "2026-02-31", "x": 1}), 422)
    assert set(body["errors"]) == {"kind", "annual_rate", "term_months", "start_date", "x"}
    body = assert_problem(client.post(URL, json={"name": "Car", "annual_rate": "2000"}), 422)
    assert {"annual_rate", "principal", "term_months", "start_date"} <= set(body["errors"])
    loan = client.post(URL, json=LOAN).get_json()["data"]
    assert_problem(client.post(URL, json=LOAN), 422)  # the name is taken
    body = assert_problem(client.post(f"{URL}/{loan['id']}/payments", json={"amount": "-1", "from_account_id": 0}),
                          422)
    assert set(body["errors"]) == {"amount", "from_account_id"}
    assert count(Debt, Debt.workspace_id == owner.ws.id) == 1 and count(DebtPayment) == 0


def test_roles(client, viewer):
    loan = make_loan(viewer.ws)
    assert client.get(f"{URL}/{loan.id}/payments").status_code == 200
    assert_problem(client.post(URL, json=LOAN), 403)
    assert_problem(client.patch(f"{URL}/{loan.id}", json={"name": "x"}), 403)
    assert_problem(client.delete(f"{URL}/{loan.id}"), 403)
    assert_problem(client.post(f"{URL}/{loan.id}/payments", json={"date": "2026-02-15", "amount": 1}), 403)
    assert count(Debt) == 2 and count(DebtPayment) == 0


def test_another_workspaces_debts_and_payments_are_not_found(client, owner, auth):
    theirs = owner.other_debt_id
    their_payment = record_payment(owner.other_ws, db.session.get(Debt, theirs),
                                   PaymentInput(on=date(2026, 2, 15), amount=Decimal(100)))
    db.session.commit()
    mine = make_loan(owner.ws)
    payment_id = their_payment.id
    for response in (client.get(f"{URL}/{theirs}"), client.patch(f"{URL}/{theirs}", json={"name": "x"}),
                     client.delete(f"{URL}/{theirs}"), client.get(f"{URL}/{theirs}/payments"),
                     client.post(f"{URL}/{theirs}/payments", json={"date": "2026-02-15", "amount": 1}),
                     client.delete(f"{URL}/{theirs}/payments/{payment_id}"),
                     client.delete(f"{URL}/{mine.id}/payments/{payment_id}")):
        assert_problem(response, 404)
    assert [d["id"] for d in client.get(URL).get_json()["data"]] == [mine.id]
    assert count(Debt) == 2 and count(DebtPayment) == 1


def test_a_repeated_payment_key_pays_once(client, owner):
    loan = make_loan(owner.ws)
    headers = {"Idempotency-Key": "pay-feb"}
    body = {"date": "2026-02-15", "amount": "100", "from_account_id": owner.checking_id}
    a, b = (client.post(f"{URL}/{loan.id}/payments", json=body, headers=headers) for _ in range(2))
    assert a.status_code == b.status_code == 201 and a.get_json() == b.get_json()
    assert count(DebtPayment) == 1 and count(Transaction) == 1 and count(IdempotencyKey) == 1
    etag = client.get(f"{URL}/{loan.id}").headers["ETag"]
    assert client.get(f"{URL}/{loan.id}", headers={"If-None-Match": etag}).status_code == 304
