"""Debt rules: loans and cards, payments against loans, their state today, and the payoff plan.

Decisions (see also amortization.py and planner.py for the arithmetic):

- A debt linked to a ledger account (loan, credit card or other liability) takes its current
  balance from that account (what is owed is minus the account balance). Otherwise a loan's
  balance is its principal less the principal of its recorded payments, and a card's is typed in.
- Payments are recorded against loans. Each recorded payment is one monthly period: its
  interest is a month of interest on the balance before it (half-even to the cent), the rest is
  principal. For an unlinked loan the split of every payment is recomputed in date order from the
  principal whenever a payment is added or removed, so back-dated payments stay consistent; for
  a linked loan the balance before a payment is the account's balance the day before.
- Recording a payment "from" an account writes it to the ledger through the transactions
  services: a transfer into the linked account when the loan has one, otherwise an expense with
  the loan's name as payee. Deleting the payment deletes that transaction too. A payment can also
  point at an existing transaction (`transaction_id`), which it then only references.
- The planner works in the workspace's base currency with today's rates; a debt in a currency
  without a rate is left out and named.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from financeapp.accounts.models import Account
from financeapp.accounts.queries import balance_on
from financeapp.core.errors import Invalid, NotFound
from financeapp.core.money import format_money, is_currency, minor_units, quantize
from financeapp.core.pagination import Page, paginate
from financeapp.core.scoping import get_scoped_or_404, scoped
from financeapp.core.validation import checked_amount, checked_day, convert, gather
from financeapp.debts import amortization as am
from financeapp.debts import planner
from financeapp.debts.models import DEBT_KINDS, MIN_PAYMENT_KINDS, Debt, DebtPayment, DebtPlanSetting
from financeapp.debts.queries import PaymentTotals, linked_balances, payment_totals
from financeapp.extensions import db
from financeapp.rates.services import rates_to
from financeapp.transactions.models import Transaction
from financeapp.transactions.services import (
    EntryInput,
    TransferInput,
    delete_transaction,
    record_entry,
    record_transfer,
)
from financeapp.workspaces.models import Workspace

ZERO = Decimal(0)
LIABILITY_ACCOUNT_TYPES = ("loan", "credit_card", "other_liability")
MAX_RATE = Decimal(1000)  # percent a year; payday loans reach several hundred
MAX_TERM = am.MAX_PERIODS


# ----------------------------------------------------------------------------------------------- debts


@dataclass(frozen=True)
class DebtInput:
    name: str
    kind: str
    currency: str
    annual_rate: Decimal | None
    account_id: int | None = None
    principal: Decimal | None = None
    term_months: int | None = None
    start_date: date | None = None
    payment_day: int | None = None
    balance: Decimal | None = None
    min_payment_kind: str = "fixed"
    min_payment: Decimal | None = None
    min_payment_percent: Decimal | None = None
    notes: str = ""


def _places_ok(value: Decimal, places: int) -> bool:
    return value == value.quantize(Decimal(1).scaleb(-places)) if value.is_finite() else False


def _validated(workspace: Workspace, data: DebtInput, current: Debt | None = None) -> dict:
    errors: dict[str, str] = {}
    name = " ".join((data.name or "").split())
    if not name:
        errors["name"] = "Give the debt a name."
    elif len(name) > 80:
        errors["name"] = "Use at most 80 characters."
    else:
        clash = db.session.scalar(scoped(Debt, workspace).where(Debt.name == name))
        if clash is not None and clash is not current:
            errors["name"] = f"There is already a debt called “{name}”."
    kind = data.kind
    if kind not in DEBT_KINDS:
        errors["kind"] = "Choose a loan or a credit card."
    account = None
    if data.account_id:
        try:
            account = get_scoped_or_404(Account, data.account_id, workspace)
        except NotFound:
            errors["account_id"] = "Choose one of this workspace's accounts."
        else:
            if account.type not in LIABILITY_ACCOUNT_TYPES:
                errors["account_id"] = "Link a loan, credit card or other liability account."
    currency = account.currency if account else (data.currency or "").strip().upper()
    if not is_currency(currency):
        errors["currency"] = "Choose an ISO 4217 currency such as USD or EUR."
        currency = workspace.base_currency
    rate = data.annual_rate
    if rate is None or not rate.is_finite():
        errors["annual_rate"] = "Enter the annual interest rate in percent, such as 6.5 (0 for none)."
    elif rate < 0 or rate > MAX_RATE:
        errors["annual_rate"] = f"Enter a rate between 0 and {MAX_RATE} percent."
    elif not _places_ok(rate, 6):
        errors["annual_rate"] = "Use at most 6 decimal places."

    def amount(name: str, value: Decimal | None, *, required: bool, positive: bool = True) -> Decimal | None:
        if value is None:
            if required:
                errors[name] = "Enter an amount."
            return None
        sign = "positive" if positive else "nonnegative"
        return gather(errors, lambda: checked_amount(value, currency, field=name, sign=sign))

    clean: dict = {"name": name, "kind": kind, "currency": currency, "annual_rate": rate,
                   "account_id": account.id if account else None, "notes": (data.notes or "").strip()[:2000],
                   "principal": None, "term_months": None, "start_date": None, "payment_day": None,
                   "balance": None, "min_payment_kind": "fixed", "min_payment": None, "min_payment_percent": None}
    if kind == "loan":
        clean["principal"] = amount("principal", data.principal, required=True)
        if data.term_months is None:
            errors["term_months"] = "Enter the term in months."
        elif not 1 <= data.term_months <= MAX_TERM:
            errors["term_months"] = f"Enter a term between 1 and {MAX_TERM} months."
        if data.start_date is None:
            errors["start_date"] = "Enter the date the loan started."
        else:
            gather(errors, lambda: checked_day(data.start_date, field="start_date"))
        if data.payment_day is not None and not 1 <= data.payment_day <= 31:
            errors["payment_day"] = "Enter a day of the month from 1 to 31."
        clean.update(term_months=data.term_months, start_date=data.start_date,
                     payment_day=data.payment_day or (data.start_date.day if data.start_date else None))
    elif kind == "credit_card":
        if account is None:
            clean["balance"] = amount("balance", data.balance, required=True, positive=False)
        if data.min_payment_kind not in MIN_PAYMENT_KINDS:
            errors["min_payment_kind"] = "Choose a fixed amount or a percentage."
        clean["min_payment_kind"] = data.min_payment_kind
        if data.min_payment_kind == "percent":
            percent = data.min_payment_percent
            if percent is None or not percent.is_finite() or not 0 < percent <= 100:
                errors["min_payment_percent"] = "Enter a percentage above 0 and at most 100, such as 2."
            elif not _places_ok(percent, 6):
                errors["min_payment_percent"] = "Use at most 6 decimal places."
            else:
                clean["min_payment_percent"] = percent
            clean["min_payment"] = amount("min_payment", data.min_payment, required=False, positive=False) or ZERO
        else:
            clean["min_payment"] = amount("min_payment", data.min_payment, required=True)
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    return clean


def create_debt(workspace: Workspace, data: DebtInput) -> Debt:
    """Add a loan or a credit card to the workspace."""
    debt = Debt(workspace_id=workspace.id, **_validated(workspace, data))
    db.session.add(debt)
    db.session.flush()
    return debt


def update_debt(workspace: Workspace, debt: Debt, data: DebtInput) -> Debt:
    """Change a debt's details; an unlinked loan's payments are re-split on the new terms."""
    if data.kind != debt.kind and debt.is_loan and payment_totals(workspace, debt.id):
        raise Invalid("A loan with recorded payments cannot become a credit card; delete its payments first.",
                      fields={"kind": "A loan with recorded payments cannot become a credit card."})
    for key, value in _validated(workspace, data, current=debt).items():
        setattr(debt, key, value)
    db.session.flush()
    if debt.is_loan and debt.account_id is None:
        _resplit(workspace, debt)
    return debt


def delete_debt(workspace: Workspace, debt: Debt) -> None:
    """Delete a debt and its payment records (ledger transactions stay: they are real money movements)."""
    db.session.execute(sa.delete(DebtPayment).where(DebtPayment.workspace_id == workspace.id,
                                                    DebtPayment.debt_id == debt.id))
    db.session.delete(debt)
    db.session.flush()


# -------------------------------------------------------------------------------------------- payments


@dataclass(frozen=True)
class PaymentInput:
    on: date | None
    amount: Decimal | None
    from_account_id: int | None = None
    transaction_id: int | None = None
    memo: str = ""


def _payments(workspace: Workspace, debt: Debt) -> list[DebtPayment]:
    return list(db.session.scalars(
        scoped(DebtPayment, workspace).where(DebtPayment.debt_id == debt.id).order_by(DebtPayment.on, DebtPayment.id)
    ))


def _resplit(workspace: Workspace, debt: Debt) -> None:
    """Split every payment of an unlinked loan into interest and principal, in date order, from the principal."""
    places = minor_units(debt.currency)
    balance = quantize(debt.principal or ZERO, debt.currency)
    for payment in _payments(workspace, debt):
        interest = am.interest_for(balance, debt.annual_rate, places) if balance > 0 else ZERO
        principal = payment.amount - interest
        if principal > balance:
            payoff = format_money(balance + interest, debt.currency)
            raise Invalid(
                f"The payment of {format_money(payment.amount, debt.currency)} on {payment.on} is more than the "
                f"payoff amount of {payoff} on that date.",
                fields={"amount": f"That is more than the payoff amount of {payoff}."},
            )
        payment.interest, payment.principal = interest, principal
        balance -= principal
    db.session.flush()


def record_payment(workspace: Workspace, debt: Debt, data: PaymentInput) -> DebtPayment:
    """Record a payment on a loan, optionally writing it to the ledger or pointing at a transaction."""
    if not debt.is_loan:
        raise Invalid("Payments are recorded against loans; for a card, update its balance or link its account.")
    errors: dict[str, str] = {}
    txn = None
    on, amount = data.on, data.amount
    if data.transaction_id is not None:
        try:
            txn = get_scoped_or_404(Transaction, data.transaction_id, workspace)
        except NotFound:
            errors["transaction_id"] = "Choose one of this workspace's transactions."
        else:
            on = on or txn.on
            amount = amount if amount is not None else abs(txn.amount)
    if on is None:
        errors["on"] = "Enter the date of the payment."
    elif gather(errors, lambda: checked_day(on, field="on")) and debt.start_date and on < debt.start_date:
        errors["on"] = f"The loan started on {debt.start_date}; a payment cannot be earlier."
    places = minor_units(debt.currency)
    amount = gather(errors, lambda: checked_amount(amount, debt.currency))
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    assert on is not None and amount is not None
    memo = (data.memo or "").strip()[:255] or f"Payment: {debt.name}"
    created = False
    interest = principal = ZERO
    if debt.account is not None:
        before = max(ZERO, -balance_on(debt.account, on - timedelta(days=1)))
        interest = am.interest_for(before, debt.annual_rate, places)
        principal = amount - interest
    if txn is None and data.from_account_id is not None:
        source = _funding_account(workspace, debt, data.from_account_id)
        if debt.account is not None:
            txn, _ = record_transfer(workspace, TransferInput(from_account_id=source.id, to_account_id=debt.account.id,
                                                              on=on, amount=amount, memo=memo))
        else:
            txn = record_entry(workspace, EntryInput(account_id=source.id, on=on, amount=amount, direction="out",
                                                     payee=debt.name, memo=memo))
        created = True
    payment = DebtPayment(workspace_id=workspace.id, debt_id=debt.id, on=on, amount=amount, interest=interest,
                          principal=principal, transaction_id=txn.id if txn else None, created_transaction=created,
                          memo=memo)
    db.session.add(payment)
    db.session.flush()
    if debt.account is None:
        _resplit(workspace, debt)
    return payment


def _funding_account(workspace: Workspace, debt: Debt, account_id: int) -> Account:
    try:
        source = get_scoped_or_404(Account, account_id, workspace)
    except NotFound:
        raise Invalid("Choose one of this workspace's accounts.",
                      fields={"from_account_id": "Choose one of this workspace's accounts."}) from None
    if source.id == debt.account_id:
        raise Invalid("Pay from another account than the loan's own.",
                      fields={"from_account_id": "Pay from another account than the loan's own."})
    if source.currency != debt.currency:
        message = f"Pay from an account in {debt.currency}, the loan's currency."
        raise Invalid(message, fields={"from_account_id": message})
    return source


def delete_payment(workspace: Workspace, payment: DebtPayment) -> None:
    """Remove a payment record, and the ledger transaction it wrote (a reconciled one is refused)."""
    debt = get_scoped_or_404(Debt, payment.debt_id, workspace)
    if payment.created_transaction and payment.transaction_id is not None:
        txn = db.session.scalar(scoped(Transaction, workspace).where(Transaction.id == payment.transaction_id))
        if txn is not None:
            delete_transaction(workspace, txn)
    db.session.delete(payment)
    db.session.flush()
    if debt.account_id is None:
        _resplit(workspace, debt)


def payments_of(workspace: Workspace, debt: Debt, page: int = 1, per_page: int = 24) -> Page[DebtPayment]:
    """A page of the loan's payments, newest first."""
    return paginate(scoped(DebtPayment, workspace).where(DebtPayment.debt_id == debt.id)
                    .order_by(DebtPayment.on.desc(), DebtPayment.id.desc()), page, per_page)


# ------------------------------------------------------------------------------------ state and schedules


@dataclass
class DebtStatus:
    """A debt as it stands: balance, regular payment, payments so far, and the projection to zero."""

    debt: Debt
    balance: Decimal
    payment: Decimal  # a loan's scheduled payment, a card's minimum payment this month
    totals: PaymentTotals
    projection: am.Schedule | None = None
    message: str = ""  # why there is no projection (a payment that never pays it off)
    first_number: int = 1
    first_due: date | None = None

    @property
    def payoff_date(self) -> date | None:
        return self.projection.payoff_date if self.projection else None

    @property
    def projected_interest(self) -> Decimal | None:
        return self.projection.total_interest if self.projection else None

    @property
    def places(self) -> int:
        return minor_units(self.debt.currency)


def loan_payment(debt: Debt) -> Decimal:
    return am.payment_amount(debt.principal or ZERO, debt.annual_rate, debt.term_months or 1,
                             minor_units(debt.currency))


def contract_schedule(debt: Debt) -> am.Schedule:
    """The loan's schedule as agreed: principal, rate and term from the start date."""
    return am.loan_schedule(debt.principal or ZERO, debt.annual_rate, debt.term_months or 1,
                            debt.start_date or date.today(), debt.payment_day, minor_units(debt.currency))


def plan_debt(debt: Debt, balance: Decimal, payment: Decimal | None = None) -> planner.PlanDebt:
    """The debt as the planner sees it (in its own currency)."""
    if debt.is_loan:
        return planner.PlanDebt(debt.id, debt.name, balance, debt.annual_rate,
                                payment if payment is not None else loan_payment(debt), order=debt.payoff_order)
    percent = debt.min_payment_percent if debt.min_payment_kind == "percent" else None
    return planner.PlanDebt(debt.id, debt.name, balance, debt.annual_rate, debt.min_payment or ZERO, percent,
                            order=debt.payoff_order)


def _status(debt: Debt, totals: PaymentTotals, account_balance: Decimal | None, today: date) -> DebtStatus:
    places = minor_units(debt.currency)
    if account_balance is not None:
        balance = max(ZERO, -account_balance)
    elif debt.is_loan:
        balance = max(ZERO, (debt.principal or ZERO) - totals.principal)
    else:
        balance = debt.balance or ZERO
    balance = quantize(balance, debt.currency)
    if debt.is_loan:
        payment = loan_payment(debt)
        start, day, term = debt.start_date or today, debt.payment_day, debt.term_months or 1
        if account_balance is not None:
            number = 1
            while am.payment_date(start, number, day) <= today and number <= am.MAX_PERIODS:
                number += 1
        else:
            number = totals.count + 1
        first_due = am.payment_date(start, number, day)
        status = DebtStatus(debt, balance, payment, totals, first_number=number, first_due=first_due)
        try:
            status.projection = am.amortise(balance, debt.annual_rate, payment, first_due,
                                            payment_day=day or start.day, last_number=max(term, number),
                                            first_number=number, places=places)
        except am.NeverPaidOff as err:
            status.message = str(err)
        return status
    pd = plan_debt(debt, balance)
    status = DebtStatus(debt, balance, pd.minimum_due(balance, places), totals, first_due=am.add_months(today, 1))
    plan = planner.simulate([pd], "avalanche", start=today, places=places)
    if not plan.finished:
        status.message = plan.message.replace("the debts", "the card").replace("The debts", "The card")
    else:
        periods = [am.Period(m.number, m.on, m.payments[0], m.interest[0], m.payments[0] - m.interest[0],
                             m.balances[0]) for m in plan.months]
        status.projection = am.Schedule(periods, status.payment)
    return status


def debt_status(workspace: Workspace, debt: Debt, today: date | None = None) -> DebtStatus:
    """One debt's state today."""
    totals = payment_totals(workspace, debt.id).get(debt.id, PaymentTotals())
    linked = balance_on(debt.account) if debt.account is not None else None
    return _status(debt, totals, linked, today or date.today())


def debt_statuses(workspace: Workspace, today: date | None = None) -> list[DebtStatus]:
    """Every debt's state today, by name: five queries however many debts and payments there are."""
    today = today or date.today()
    debts = list(db.session.scalars(
        scoped(Debt, workspace).options(selectinload(Debt.account)).order_by(Debt.name, Debt.id)))
    totals = payment_totals(workspace)
    balances = linked_balances(workspace)
    return [_status(d, totals.get(d.id, PaymentTotals()), balances.get(d.account_id) if d.account_id else None,
                    today) for d in debts]


def schedule_for(workspace: Workspace, debt: Debt, today: date | None = None) -> am.Schedule:
    """What the schedule endpoint shows: a loan's agreed schedule, a card's payoff at the minimum payment."""
    if debt.is_loan:
        return contract_schedule(debt)
    status = debt_status(workspace, debt, today)
    if status.projection is None:
        raise Invalid(status.message)
    return status.projection


@dataclass(frozen=True)
class WhatIfInput:
    extra_monthly: Decimal = ZERO
    one_off_amount: Decimal = ZERO
    one_off_date: date | None = None


def loan_what_if(status: DebtStatus, data: WhatIfInput) -> am.WhatIf:
    """Months and interest saved on the rest of a loan by paying more each month and/or once."""
    debt = status.debt
    if not debt.is_loan:
        raise Invalid("What-if payments are for loans; use the payoff planner for cards.")
    errors: dict[str, str] = {}
    extra = gather(errors, lambda: checked_amount(data.extra_monthly, debt.currency, field="extra_monthly",
                                                  sign="nonnegative"))
    once = gather(errors, lambda: checked_amount(data.one_off_amount, debt.currency, field="one_off_amount",
                                                 sign="nonnegative"))
    if once and data.one_off_date is None:
        errors["one_off_date"] = "Enter the date of the one-off payment."
    elif once:
        gather(errors, lambda: checked_day(data.one_off_date, field="one_off_date"))
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    assert extra is not None  # gather gives None only with an error, and there is none
    places = status.places
    one_off = [(data.one_off_date, once)] if once and data.one_off_date else []
    try:
        return am.what_if(status.balance, debt.annual_rate, status.payment, status.first_due or date.today(),
                          payment_day=debt.payment_day, last_number=max(debt.term_months or 1, status.first_number),
                          first_number=status.first_number, extra_monthly=extra,
                          one_off=one_off, places=places)
    except am.NeverPaidOff as err:
        raise Invalid(str(err)) from None


# -------------------------------------------------------------------------------------------- the plan


def plan_setting(workspace: Workspace) -> DebtPlanSetting:
    """The workspace's saved strategy and extra amount (avalanche and nothing extra until saved)."""
    setting = db.session.scalar(scoped(DebtPlanSetting, workspace))
    return setting or DebtPlanSetting(workspace_id=workspace.id, strategy="avalanche", extra=ZERO)


def parse_strategy(value: str | None, default: str = "avalanche") -> str:
    if value is None or value == "":
        return default
    if value not in planner.STRATEGY_NAMES:
        raise Invalid("Choose avalanche, snowball or custom.",
                      fields={"strategy": "Choose avalanche, snowball or custom."})
    return value


def check_extra(extra: Decimal | None, currency: str) -> Decimal:
    """The extra monthly amount: zero or more, in the currency's minor units."""
    return ZERO if extra is None else checked_amount(extra, currency, field="extra", sign="nonnegative")


def save_plan(workspace: Workspace, strategy: str, extra: Decimal | None,
              order: dict[int, int | None] | None = None) -> DebtPlanSetting:
    """Keep the chosen strategy, extra amount and (for custom) the user's own order of the debts."""
    strategy = parse_strategy(strategy)
    extra = check_extra(extra, workspace.base_currency)
    setting = db.session.scalar(scoped(DebtPlanSetting, workspace))
    if setting is None:
        setting = DebtPlanSetting(workspace_id=workspace.id)
        db.session.add(setting)
    setting.strategy, setting.extra = strategy, extra
    if order is not None:
        for value in order.values():
            if value is not None and not 0 <= value <= 10_000:
                raise Invalid("Number the debts from 1 upwards.", fields={"order": "Number the debts from 1 upwards."})
        for debt in db.session.scalars(scoped(Debt, workspace)):
            if debt.id in order:
                debt.payoff_order = order[debt.id]
    db.session.flush()
    return setting


@dataclass
class PlanView:
    """The chosen plan, the three strategies side by side, and what was left out."""

    plan: planner.Plan
    comparison: dict[str, planner.Plan]
    currency: str
    start: date
    statuses: list[DebtStatus]
    missing_rates: list[str] = field(default_factory=list)

    @property
    def total_debt(self) -> Decimal:
        return self.plan.starting_balance


def plan_start(statuses: list[DebtStatus], today: date) -> date:
    """The day before the plan's first month: its month 1 falls on the first payment due.

    A loan's own schedule pays on its due dates (often later this month), a card's a month from
    today. Starting the plan's months on the earliest due date keeps every debt on the same grid
    of months as its own projection, so no debt is paid off later in the plan than on its own.
    """
    due = [status.first_due for status in statuses if status.first_due is not None and status.first_due > today]
    first = min(due, default=am.add_months(today, 1))
    return am.add_months(first, -1) if first < am.add_months(today, 1) else today


def build_plan(workspace: Workspace, strategy: str, extra: Decimal = ZERO, today: date | None = None,
               statuses: list[DebtStatus] | None = None) -> PlanView:
    """Every debt paid off by `strategy` with `extra` a month on top, in the base currency."""
    today = today or date.today()
    strategy = parse_strategy(strategy)
    base = workspace.base_currency
    extra = check_extra(extra, base)
    statuses = statuses if statuses is not None else debt_statuses(workspace, today)
    rates = rates_to(workspace, {s.debt.currency for s in statuses}, base, today)
    debts: list[planner.PlanDebt] = []
    missing: set[str] = set()
    for status in statuses:
        rate = rates.get(status.debt.currency)
        if rate is None:
            missing.add(status.debt.currency)
            continue
        pd = plan_debt(status.debt, status.balance, status.payment if status.debt.is_loan else None)
        if status.debt.is_loan and status.projection is not None:
            pd = replace(pd, final_month=len(status.projection.periods))
        if rate != 1:
            pd = replace(pd, balance=convert(pd.balance, rate, base), minimum=convert(pd.minimum, rate, base))
        debts.append(pd)
    start = plan_start(statuses, today)
    comparison = planner.compare(debts, extra, start=start, places=minor_units(base))
    return PlanView(comparison[strategy], comparison, base, start, statuses, sorted(missing))


def debt_summary(workspace: Workspace, today: date | None = None) -> dict:
    """For the dashboard: total debt in the base currency and the debt-free date of the saved plan.

    The saved strategy and extra amount, as the debts page uses them, so the two never disagree.
    Keys: currency, total_debt (Decimal), count, debt_free (date or None), finished (bool),
    months (int), total_interest (Decimal), strategy, extra (Decimal, the saved extra amount),
    message, missing_rates (currencies left out for want of a rate).
    """
    setting = plan_setting(workspace)
    view = build_plan(workspace, setting.strategy, setting.extra, today)
    plan = view.plan
    return {
        "strategy": plan.strategy,
        "currency": view.currency,
        "total_debt": view.total_debt,
        "count": len(view.statuses),
        "debt_free": plan.debt_free,
        "finished": plan.finished,
        "months": plan.month_count,
        "total_interest": plan.total_interest,
        "extra": setting.extra,
        "message": plan.message,
        "missing_rates": view.missing_rates,
    }
