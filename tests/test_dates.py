"""One rule for dates everywhere: every form and API date field refuses dates outside 1900-2199 with a
message, writes nothing, and never answers 500 (9999-12-31 once reached bill matching and gave one).

A new date field joins CASES: (name, how to send the date, where the message shows).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.core.validation import DATE_RANGE_MESSAGE
from financeapp.extensions import db
from financeapp.goals import services as goal_services
from financeapp.models import accounts, debts, goals, rates, recurring, transactions
from financeapp.transactions import services as txn_services
from tests.debts.conftest import make_loan
from tests.factories import make_account, make_category, make_transaction, make_user, personal_workspace
from tests.recurring.helpers import make_recurring

EMAIL = "dates@example.com"
OUT_OF_RANGE = ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01"]
# What must not change when a date is refused (rows before == rows after).
WRITTEN = [transactions.Transaction, accounts.Account, accounts.Reconciliation, goals.Goal,
           goals.GoalContribution, rates.ExchangeRate, recurring.RecurringItem, recurring.RecurringOccurrence,
           debts.Debt, debts.DebtPayment]


@dataclass
class Ids:
    checking: int
    savings: int
    groceries: int
    txn: int
    transfer: int
    goal: int
    loan: int
    item: int


@pytest.fixture
def ids(ctx) -> Ids:
    ws = personal_workspace(make_user(EMAIL))
    checking, savings = make_account(ws, "Checking", opening_balance="500"), make_account(ws, "Savings")
    groceries = make_category(ws)
    txn = make_transaction(checking, "-20.00", payee="Market")
    transfer, _ = txn_services.record_transfer(ws, txn_services.TransferInput(
        from_account_id=checking.id, to_account_id=savings.id, on=date(2026, 3, 2), amount=Decimal(50)))
    goal = goal_services.create_goal(ws, goal_services.GoalInput(name="Trip", target_amount=Decimal(900)))
    db.session.commit()
    return Ids(checking.id, savings.id, groceries.id, txn.id, transfer.id, goal.id, make_loan(ws).id,
               make_recurring(ws, checking.id).id)


def entry(ids: Ids, day: str) -> dict:
    return {"on": day, "account_id": ids.checking, "direction": "out", "amount": "9.99", "status": "uncleared",
            "payee": "Market"}


def transfer(ids: Ids, day: str) -> dict:
    return {"on": day, "from_account_id": ids.checking, "to_account_id": ids.savings, "amount": "10",
            "status": "uncleared"}


def recurring_form(ids: Ids, **dates: str) -> dict:
    return {"name": "Gym", "kind": "entry", "account_id": ids.checking, "direction": "out", "amount": "30",
            "frequency": "monthly", "interval": "1", "monthly_mode": "day", "month_day": "1", "nth": "1",
            "nth_weekday": "0", "start_date": "2026-01-01", "ends": "on" if "end_date" in dates else "never",
            "auto_post": "confirm", "remind_days": "3", **dates}


def loan_form(day: str) -> dict:
    return {"name": "Van", "kind": "loan", "currency": "USD", "annual_rate": "5", "principal": "9000",
            "term_months": "36", "start_date": day, "min_payment_kind": "fixed"}


API = "/api/v1/transactions"
Send = Callable[..., object]

# (name, send(client, ids, day) -> response, where: "page" (the re-rendered form), "flash" (after the
# redirect), "json" (a problem's errors))
CASES: list[tuple[str, Send, str]] = [
    ("entry form", lambda c, i, d: c.post("/transactions/new", data=entry(i, d)), "page"),
    ("entry edit form", lambda c, i, d: c.post(f"/transactions/{i.txn}/edit", data={**entry(i, d), "version": "1"}),
     "page"),
    ("transfer form", lambda c, i, d: c.post("/transactions/transfer", data=transfer(i, d)), "page"),
    ("transfer edit form", lambda c, i, d: c.post(f"/transactions/{i.transfer}/edit",
                                                  data={**transfer(i, d), "version": "2"}), "page"),
    ("transactions filter", lambda c, i, d: c.get(f"/transactions/?start={d}"), "page"),
    ("account form", lambda c, i, d: c.post("/accounts/new", data={
        "name": "Cash", "type": "cash", "currency": "USD", "opening_balance": "0", "opening_date": d,
        "colour": "#0d6efd"}), "page"),
    ("balance update", lambda c, i, d: c.post(f"/accounts/{i.checking}/balance", data={"on": d, "balance": "10"},
                                              follow_redirects=True), "flash"),
    ("reconcile form", lambda c, i, d: c.post(f"/accounts/{i.checking}/reconcile", data={
        "statement_date": d, "statement_balance": "480"}), "page"),
    ("goal form", lambda c, i, d: c.post("/goals/new", data={"name": "Car", "target_amount": "100",
                                                             "target_date": d, "account_id": ""}), "page"),
    ("goal contribution", lambda c, i, d: c.post(f"/goals/{i.goal}/contributions", data={"on": d, "amount": "5"}),
     "page"),
    ("rate form", lambda c, i, d: c.post("/rates/", data={"on": d, "base": "EUR", "quote": "USD", "rate": "1.1"}),
     "page"),
    ("recurring start date", lambda c, i, d: c.post("/recurring/new", data=recurring_form(i, start_date=d)),
     "page"),
    ("recurring end date", lambda c, i, d: c.post("/recurring/new", data=recurring_form(i, end_date=d)), "page"),
    ("recurring confirm", lambda c, i, d: c.post(f"/recurring/{i.item}/confirm", data={"on": d},
                                                 follow_redirects=True), "flash"),
    ("debt form", lambda c, i, d: c.post("/debts/new", data=loan_form(d)), "page"),
    ("debt payment", lambda c, i, d: c.post(f"/debts/{i.loan}/payments", data={"on": d, "amount": "100"}), "page"),
    ("debt what-if", lambda c, i, d: c.get(f"/debts/{i.loan}?one_off_amount=500&one_off_date={d}"), "page"),
    ("rules apply", lambda c, i, d: c.get(f"/rules/apply?preview=1&rule=all&start={d}"), "page"),
    ("report filter", lambda c, i, d: c.get(f"/reports/monthly?preset=custom&start={d}&end=2026-12-31"), "page"),
    ("API entry", lambda c, i, d: c.post(API, json={"account_id": i.checking, "date": d, "amount": "-9.99"}),
     "json"),
    ("API transfer", lambda c, i, d: c.post(API, json={
        "type": "transfer", "from_account_id": i.checking, "to_account_id": i.savings, "date": d, "amount": "10"}),
     "json"),
    ("API list filter", lambda c, i, d: c.get(f"{API}?end={d}"), "json"),
    ("API report filter", lambda c, i, d: c.get(f"/api/v1/reports/monthly?preset=custom&start={d}&end=2026-12-31"),
     "json"),
]


def _rows() -> list[int]:
    db.session.rollback()
    return [db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in WRITTEN]


@pytest.mark.parametrize("day", OUT_OF_RANGE)
@pytest.mark.parametrize(("name", "send", "where"), CASES, ids=[case[0] for case in CASES])
def test_a_date_outside_1900_to_2199_is_refused_with_a_message(client, auth, ids, name, send, where, day):
    before = _rows()
    auth.login(EMAIL)
    response = send(client, ids, day)
    assert response.status_code != 500
    if where == "json":
        assert response.status_code in (400, 422)
        assert DATE_RANGE_MESSAGE in response.get_json()["errors"].values()
    else:
        assert response.status_code in ((200,) if where == "flash" else (200, 422))
        assert DATE_RANGE_MESSAGE in response.get_data(as_text=True)
    assert _rows() == before


@pytest.mark.parametrize("day", ["1900-01-01", "2199-12-31"])
def test_the_first_and_last_day_of_the_range_are_accepted(client, auth, ids, day):
    auth.login(EMAIL)
    assert client.post("/transactions/new", data=entry(ids, day)).status_code == 302
    assert client.post(API, json={"account_id": ids.checking, "date": day, "amount": "-1"}).status_code == 201


def test_date_boxes_offer_only_the_range(client, auth, ids):
    auth.login(EMAIL)
    page = client.get("/transactions/new").get_data(as_text=True)
    assert 'min="1900-01-01"' in page and 'max="2199-12-31"' in page


@pytest.fixture
def invoice(client, auth, tmp_path, app, monkeypatch):
    """A read invoice in the signed-in user's workspace (documents keep their own date field)."""
    from financeapp.documents import jobs
    from financeapp.documents import services as doc_services
    from tests.documents.corpus import one_invoice

    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    with app.app_context():
        user = make_user(EMAIL, currency="INR")
        ws = personal_workspace(user)
        batch = doc_services.upload_documents(ws, user, [doc_services.Upload("inv.pdf", io.BytesIO(
            one_invoice(35)[1]))])
        db.session.commit()
        doc = doc_services.batch_documents(ws, batch)[0]
        jobs.run_document(doc.id, ws.id, today=date(2026, 4, 1))
        db.session.expire_all()
        doc = doc_services.get_document(ws, doc.id)
        fields = {"vendor": doc.vendor_name or "", "invoice_number": doc.invoice_number or "",
                  "currency": "INR", "total": f"{doc.total:.2f}" if doc.total is not None else "",
                  "version": str(doc.version), "date": doc.invoice_date.isoformat() if doc.invoice_date else ""}
        result = doc.id, fields, doc.invoice_date
    auth.login(EMAIL)
    return result


@pytest.mark.parametrize("day", OUT_OF_RANGE)
def test_the_document_review_form_and_the_invoice_api_refuse_dates_outside_the_range(client, app, invoice, day):
    from financeapp.documents.models import Document

    doc_id, fields, before = invoice
    page = client.post(f"/documents/{doc_id}", data={**fields, "date": day})
    assert page.status_code == 422 and DATE_RANGE_MESSAGE in page.get_data(as_text=True)
    api = client.patch(f"/api/v1/invoices/{doc_id}", json={"date": day})
    assert api.status_code == 422 and DATE_RANGE_MESSAGE in api.get_json()["errors"].values()
    with app.app_context():
        assert db.session.get(Document, doc_id).invoice_date == before
