"""Debt rules without HTTP: validation, payments and their ledger transactions, state, what-if, summary, demo."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.core.errors import Conflict, Invalid
from financeapp.debts import amortization as am
from financeapp.debts import services
from financeapp.debts.models import Debt, DebtPayment
from financeapp.debts.services import DebtInput, PaymentInput, WhatIfInput
from financeapp.demo.planning import seed_demo_debts
from financeapp.extensions import db
from financeapp.rates.services import set_rate
from financeapp.transactions.models import Transaction
from tests.debts.conftest import make_card, make_loan
from tests.factories import make_account, make_transaction

D = Decimal
TODAY = date(2026, 11, 20)


def loan_input(**changes) -> DebtInput:
    values = {"name": "Car loan", "kind": "loan", "currency": "USD", "annual_rate": D(8), "principal": D(15000),
              "term_months": 60, "start_date": date(2026, 1, 15)}
    return DebtInput(**{**values, **changes})


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": "  "}, "name"),
    ({"kind": "mortgage"}, "kind"),
    ({"annual_rate": None}, "annual_rate"),
    ({"annual_rate": D(-1)}, "annual_rate"),
    ({"annual_rate": D("1000.01")}, "annual_rate"),
    ({"annual_rate": D("1.1234567")}, "annual_rate"),
    ({"annual_rate": D("NaN")}, "annual_rate"),
    ({"principal": None}, "principal"),
    ({"principal": D(0)}, "principal"),
    ({"principal": D("10.005")}, "principal"),
    ({"principal": D("1e14")}, "principal"),
    ({"term_months": None}, "term_months"),
    ({"term_months": 0}, "term_months"),
    ({"term_months": 1201}, "term_months"),
    ({"start_date": None}, "start_date"),
    ({"start_date": date(1800, 1, 1)}, "start_date"),
    ({"payment_day": 32}, "payment_day"),
    ({"currency": "XYZ"}, "currency"),
    ({"kind": "credit_card", "balance": None}, "balance"),
    ({"kind": "credit_card", "balance": D(100), "min_payment": None}, "min_payment"),
    ({"kind": "credit_card", "balance": D(100), "min_payment_kind": "percent", "min_payment_percent": None},
     "min_payment_percent"),
    ({"kind": "credit_card", "balance": D(100), "min_payment_kind": "percent", "min_payment_percent": D(101)},
     "min_payment_percent"),
])
def test_bad_debt_input_names_the_field_and_writes_nothing(books, changes, field):
    with pytest.raises(Invalid) as caught:
        services.create_debt(books.ws, loan_input(**changes))
    assert field in caught.value.fields
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Debt).where(Debt.workspace_id == books.ws.id)) == 0


def test_names_are_unique_per_workspace_only(books):
    make_loan(books.ws, "Mortgage")
    with pytest.raises(Invalid, match="already a debt"):
        services.create_debt(books.ws, loan_input(name="Mortgage"))
    db.session.rollback()
    make_loan(books.other_ws, "Mortgage")


def test_a_linked_account_must_be_the_workspaces_own_liability_and_gives_the_currency(books):
    strangers = make_account(books.other_ws, "Their loan", type="loan")
    with pytest.raises(Invalid) as caught:
        services.create_debt(books.ws, loan_input(account_id=strangers.id))
    assert "account_id" in caught.value.fields
    with pytest.raises(Invalid, match="liability"):
        services.create_debt(books.ws, loan_input(account_id=books.checking_id))
    db.session.rollback()
    euro_loan = make_account(books.ws, "Euro loan", type="loan", currency="EUR", opening_balance="-9000")
    debt = services.create_debt(books.ws, loan_input(account_id=euro_loan.id, currency="USD"))
    assert debt.currency == "EUR"
    assert services.debt_status(books.ws, debt, TODAY).balance == D(9000)


def assert_follows_contract(projected, contract) -> None:
    """A projection from the actual balance books interest on that balance (rounded each month), the
    contract books numpy-financial's ipmt rounded: the same dates and payments, interest within a cent."""
    assert [(p.number, p.on) for p in projected] == [(p.number, p.on) for p in contract]
    assert all(p.payment == c.payment for p, c in zip(projected[:-1], contract[:-1], strict=True))
    assert all(abs(p.interest - c.interest) <= D("0.01") for p, c in zip(projected, contract, strict=True))
    assert projected[-1].balance == contract[-1].balance == 0


def test_a_new_loan_owes_its_principal_and_pays_off_on_its_last_scheduled_date(books):
    debt = make_loan(books.ws)
    state = services.debt_status(books.ws, debt, TODAY)
    contract = services.contract_schedule(debt)
    assert state.balance == D(15000) and state.payment == D("304.15") == contract.payment
    assert state.payoff_date == contract.payoff_date == date(2031, 1, 15)
    assert_follows_contract(state.projection.periods, contract.periods)
    assert state.totals.count == 0 and state.totals.interest == 0


def test_payments_split_into_interest_and_principal_and_bring_the_balance_down(books):
    debt = make_loan(books.ws)
    first = services.record_payment(books.ws, debt, PaymentInput(on=date(2026, 2, 15), amount=D("304.15")))
    assert (first.interest, first.principal) == (D("100.00"), D("204.15"))
    second = services.record_payment(books.ws, debt, PaymentInput(on=date(2026, 3, 15), amount=D("304.15")))
    contract = services.contract_schedule(debt).periods
    assert (second.interest, second.principal) == (contract[1].interest, contract[1].principal)
    db.session.commit()
    state = services.debt_status(books.ws, debt, TODAY)
    assert state.balance == contract[1].balance
    assert state.totals.interest == contract[0].interest + contract[1].interest
    assert state.totals.paid == D("608.30")
    assert state.first_number == 3 and state.first_due == date(2026, 4, 15)
    assert_follows_contract(state.projection.periods, contract[2:])  # on schedule: the rest of the contract
    assert state.payoff_date == date(2031, 1, 15)


def test_an_extra_payment_brings_the_payoff_date_forward_and_back_dated_payments_resplit(books):
    debt = make_loan(books.ws)
    services.record_payment(books.ws, debt, PaymentInput(on=date(2026, 3, 15), amount=D("304.15")))
    early = services.record_payment(books.ws, debt, PaymentInput(on=date(2026, 2, 15), amount=D("5304.15")))
    db.session.commit()
    payments = db.session.scalars(sa.select(DebtPayment).where(DebtPayment.debt_id == debt.id)
                                  .order_by(DebtPayment.on)).all()
    assert payments[0].id == early.id and (payments[0].interest, payments[0].principal) == (D("100.00"), D("5204.15"))
    assert payments[1].interest == am.interest_for(D(15000) - D("5204.15"), D(8))
    state = services.debt_status(books.ws, debt, TODAY)
    assert state.balance == D(15000) - payments[0].principal - payments[1].principal
    assert state.payoff_date < date(2031, 1, 15)
    assert state.projection.periods[-1].balance == 0


def test_payments_that_overpay_predate_the_loan_or_hit_a_card_are_refused(books):
    debt = make_loan(books.ws, principal="1000", rate="12", term=12)
    with pytest.raises(Invalid, match="payoff amount"):
        services.record_payment(books.ws, debt, PaymentInput(on=date(2026, 2, 15), amount=D("1010.01")))
    db.session.rollback()
    debt = db.session.get(Debt, debt.id)
    paid = services.record_payment(books.ws, debt, PaymentInput(on=date(2026, 2, 15), amount=D("1010.00")))
    assert paid.principal == D(1000) and services.debt_status(books.ws, debt, TODAY).balance == 0
    with pytest.raises(Invalid) as caught:
        services.record_payment(books.ws, debt, PaymentInput(on=date(2025, 1, 1), amount=D(1)))
    assert "on" in caught.value.fields
    with pytest.raises(Invalid) as caught:
        services.record_payment(books.ws, debt, PaymentInput(on=date(2026, 3, 1), amount=D("1.001")))
    assert "amount" in caught.value.fields
    db.session.rollback()
    card = make_card(books.ws)
    with pytest.raises(Invalid, match="loans"):
        services.record_payment(books.ws, card, PaymentInput(on=date(2026, 3, 1), amount=D(10)))


def test_a_payment_from_an_account_writes_an_expense_and_deleting_it_removes_both(books):
    debt = make_loan(books.ws)
    payment = services.record_payment(books.ws, debt, PaymentInput(on=date(2026, 2, 15), amount=D("304.15"),
                                                                   from_account_id=books.checking_id))
    db.session.commit()
    txn = db.session.get(Transaction, payment.transaction_id)
    assert payment.created_transaction
    assert (txn.account_id, txn.amount, txn.on, txn.payee.name) == (books.checking_id, D("-304.15"),
                                                                   date(2026, 2, 15), "Car loan")
    services.delete_payment(books.ws, payment)
    db.session.commit()
    assert db.session.get(Transaction, txn.id) is None
    assert services.debt_status(books.ws, debt, TODAY).balance == D(15000)


def test_a_linked_loan_is_paid_by_a_transfer_and_its_balance_follows_the_account(books):
    account = make_account(books.ws, "Car Loan", type="loan", opening_balance="-15000",
                           opening_date=date(2026, 1, 15))
    debt = make_loan(books.ws, account_id=account.id)
    payment = services.record_payment(books.ws, debt, PaymentInput(on=date(2026, 2, 15), amount=D("304.15"),
                                                                   from_account_id=books.checking_id))
    db.session.commit()
    assert (payment.interest, payment.principal) == (D("100.00"), D("204.15"))
    state = services.debt_status(books.ws, debt, TODAY)
    assert state.balance == D("14695.85")  # the account got the whole 304.15; interest is not booked there
    assert state.first_due == date(2026, 12, 15)  # the next due date after today
    with pytest.raises(Invalid) as caught:
        services.record_payment(books.ws, debt, PaymentInput(on=date(2026, 3, 15), amount=D(1),
                                                             from_account_id=account.id))
    assert "from_account_id" in caught.value.fields


def test_an_existing_transaction_can_be_linked_and_stays_when_the_payment_goes(books):
    debt = make_loan(books.ws)
    checking = db.session.get(Transaction.account.property.mapper.class_, books.checking_id)
    txn = make_transaction(checking, "-304.15", on=date(2026, 2, 15))
    payment = services.record_payment(books.ws, debt, PaymentInput(on=None, amount=None, transaction_id=txn.id))
    assert (payment.on, payment.amount, payment.created_transaction) == (date(2026, 2, 15), D("304.15"), False)
    services.delete_payment(books.ws, payment)
    db.session.commit()
    assert db.session.get(Transaction, txn.id) is not None
    other_txn = make_transaction(make_account(books.other_ws, "Theirs"), "-5")
    with pytest.raises(Invalid) as caught:
        services.record_payment(books.ws, debt, PaymentInput(on=None, amount=None, transaction_id=other_txn.id))
    assert "transaction_id" in caught.value.fields


def test_a_reconciled_ledger_payment_cannot_be_deleted_silently(books):
    debt = make_loan(books.ws)
    payment = services.record_payment(books.ws, debt, PaymentInput(on=date(2026, 2, 15), amount=D("304.15"),
                                                                   from_account_id=books.checking_id))
    db.session.get(Transaction, payment.transaction_id).status = "reconciled"
    db.session.commit()
    with pytest.raises(Conflict):
        services.delete_payment(books.ws, payment)


def test_what_if_on_the_remaining_loan_reports_months_and_interest_saved(books):
    debt = make_loan(books.ws)
    state = services.debt_status(books.ws, debt, TODAY)
    result = services.loan_what_if(state, WhatIfInput(extra_monthly=D(100)))
    assert (result.months_saved, result.interest_saved) == (17, D("958.19"))
    one_off = services.loan_what_if(state, WhatIfInput(one_off_amount=D(5000), one_off_date=date(2026, 6, 1)))
    assert one_off.months_saved > 0 and one_off.interest_saved > 0
    with pytest.raises(Invalid) as caught:
        services.loan_what_if(state, WhatIfInput(one_off_amount=D(5000)))
    assert "one_off_date" in caught.value.fields


def test_a_card_projects_its_payoff_at_the_minimum_and_says_when_that_never_ends(books):
    card = make_card(books.ws, balance="2000", rate="18", minimum="50")
    state = services.debt_status(books.ws, card, TODAY)
    assert state.payment == D(50) and state.projection.periods[-1].balance == 0
    assert state.projection.periods[0].interest == D("30.00") and state.first_due == date(2026, 12, 20)
    stuck = make_card(books.ws, "Stuck", balance="10000", rate="24", minimum="150")
    stuck_state = services.debt_status(books.ws, stuck, TODAY)
    assert stuck_state.projection is None and "never be paid off" in stuck_state.message
    with pytest.raises(Invalid, match="never"):
        services.schedule_for(books.ws, stuck, TODAY)


def test_the_summary_totals_in_the_base_currency_and_leaves_out_currencies_without_a_rate(books):
    make_loan(books.ws, principal="10000", rate="5", term=24)
    make_card(books.ws, balance="1000", rate="20", minimum="40")
    make_card(books.ws, "Euro card", balance="500", rate="10", minimum="25", currency="EUR")
    make_card(books.ws, "Yen card", balance="10000", rate="10", minimum="1000", currency="JPY")
    set_rate(books.ws, "EUR", "USD", date(2026, 1, 1), D("1.1"))
    db.session.commit()
    summary = services.debt_summary(books.ws)
    assert summary["currency"] == "USD" and summary["count"] == 4
    assert summary["total_debt"] == D(10000) + D(1000) + D(550)
    assert summary["missing_rates"] == ["JPY"]
    assert summary["finished"] and summary["debt_free"] is not None and summary["total_interest"] > 0
    view = services.build_plan(books.ws, "snowball")
    assert view.comparison["avalanche"].total_interest <= view.comparison["snowball"].total_interest


def test_saving_the_plan_keeps_strategy_extra_and_custom_order(books):
    loan, card = make_loan(books.ws), make_card(books.ws)
    setting = services.save_plan(books.ws, "custom", D("75.50"), {card.id: 1, loan.id: 2, books.other_debt_id: 1})
    db.session.commit()
    assert (setting.strategy, setting.extra) == ("custom", D("75.50"))
    assert (card.payoff_order, loan.payoff_order) == (1, 2)
    assert db.session.get(Debt, books.other_debt_id).payoff_order is None
    assert [d.id for d in services.build_plan(books.ws, "custom").plan.debts] == [card.id, loan.id]
    for strategy, extra in (("sideways", D(0)), ("custom", D(-1)), ("custom", D("0.001"))):
        with pytest.raises(Invalid):
            services.save_plan(books.ws, strategy, extra)


def test_seed_demo_debts_links_the_demo_accounts_and_runs_twice_safely(books):
    car = make_account(books.ws, "Car Loan", type="loan", opening_balance="-18500")
    visa = make_account(books.ws, "Visa Rewards Card", type="credit_card", opening_balance="-640")
    made = seed_demo_debts(books.ws, TODAY)
    db.session.commit()
    assert {d.name: d.account_id for d in made} == {"Car loan": car.id, "Visa Rewards Card": visa.id}
    assert seed_demo_debts(books.ws, TODAY) == []
    balances = {s.debt.name: s.balance for s in services.debt_statuses(books.ws, TODAY)}
    assert balances == {"Car loan": D(18500), "Visa Rewards Card": D(640)}
    summary = services.debt_summary(books.ws)
    assert summary["total_debt"] == D(19140) and summary["finished"]


def test_seed_demo_debts_without_the_demo_accounts_enters_balances_by_hand(books):
    made = seed_demo_debts(books.ws, TODAY)
    assert [d.account_id for d in made] == [None, None]
    assert made[1].balance == D(640)


@pytest.mark.parametrize("strategy", ["avalanche", "snowball"])
def test_no_debt_is_paid_off_later_in_the_plan_than_at_its_own_payment(books, strategy):
    today = date(2026, 12, 3)
    loan = make_loan(books.ws, "Car loan", principal="15000", rate="6.9", term=36, start=date(2026, 11, 20))
    card = make_card(books.ws, "Visa", balance="2700", rate="22.99", minimum="35", percent="2")
    view = services.build_plan(books.ws, strategy, Decimal(0), today)
    statuses = {status.debt.id: status for status in view.statuses}
    assert statuses[loan.id].first_due == date(2026, 12, 20)
    assert view.plan.months[0].on == date(2026, 12, 20)  # month 1 is the first payment due, not a month on
    for debt in (loan, card):
        in_plan, alone = view.plan.paid_off_on(debt.id), statuses[debt.id].payoff_date
        assert (in_plan.year, in_plan.month) <= (alone.year, alone.month), debt.name
    loan_alone = statuses[loan.id].payoff_date
    if strategy == "avalanche":  # the card goes first; the loan gets its payment every month, no more
        assert (view.plan.paid_off_on(loan.id).year, view.plan.paid_off_on(loan.id).month) == (
            loan_alone.year, loan_alone.month)
    assert view.plan.debt_free == max(view.plan.paid_off_on(d.id) for d in (loan, card))
