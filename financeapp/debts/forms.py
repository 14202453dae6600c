"""Debt forms: a loan or card, a payment, the what-if question and the saved plan."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from financeapp.core.errors import Invalid
from financeapp.core.fields import DayField, MoneyField, money_required
from financeapp.core.money import currency_choices
from financeapp.core.validation import parse_amount
from financeapp.debts.models import DEBT_KINDS, MIN_PAYMENT_KINDS, STRATEGIES
from financeapp.debts.services import DebtInput, PaymentInput, WhatIfInput


class PercentField(StringField):
    """A percentage typed in the user's locale (6.5, or 6,5 in de_DE); a finite Decimal out (range rules are the
    service's)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {})
        kwargs["render_kw"].setdefault("inputmode", "decimal")
        kwargs["render_kw"].setdefault("autocomplete", "off")
        super().__init__(*args, **kwargs)
        self.decimal: Decimal | None = None

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        self.decimal = None
        raw = self.data if isinstance(self.data, str) else "" if self.data is None else str(self.data)
        text = raw.strip().removesuffix("%").strip()
        if not text:
            return
        try:  # read as amounts are, in the user's locale: 6,5 in de_DE
            self.decimal = parse_amount(text, places=3)  # a mark before three digits is a decimal point: 6.125
        except Invalid:
            raise ValueError("Enter a percentage such as 6.5.") from None


class DebtForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    kind = SelectField("Kind", choices=list(DEBT_KINDS.items()), default="loan")
    account_id = SelectField("Linked account", default="",
                             description="Optional: a loan or credit card account of the ledger. Its balance is then "
                                         "the debt's current balance.")
    currency = SelectField("Currency", description="Ignored when an account is linked: the account's is used.")
    annual_rate = PercentField("Annual interest rate (%)", default="0",
                               description="The nominal yearly rate or APR, such as 6.5; 0 for an interest-free loan.")
    principal = MoneyField("Amount borrowed")
    term_months = IntegerField("Term (months)", validators=[Optional()])
    start_date = DayField("Start date", validators=[Optional()], default=date.today)
    payment_day = IntegerField("Payment day of the month", validators=[Optional()],
                               description="1 to 31; the last day of shorter months. Empty: the start date's day.")
    balance = MoneyField("Current balance", description="What you owe today (ignored when an account is linked).")
    min_payment_kind = SelectField("Minimum payment", choices=list(MIN_PAYMENT_KINDS.items()), default="fixed")
    min_payment = MoneyField("Minimum amount", description="The fixed minimum, or the floor of a percentage.")
    min_payment_percent = PercentField("Minimum percentage of the balance (%)")
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})

    def __init__(self, *args, accounts: list[tuple[str, str]] = (), base_currency: str = "USD", **kwargs):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.account_id.choices = list(accounts)
        self.currency.choices = currency_choices()
        if not self.currency.data:
            self.currency.data = base_currency

    def to_input(self) -> DebtInput:
        return DebtInput(
            name=self.name.data or "", kind=self.kind.data, currency=self.currency.data or "",
            annual_rate=self.annual_rate.decimal,
            account_id=int(self.account_id.data) if (self.account_id.data or "").isdigit() else None,
            principal=self.principal.decimal, term_months=self.term_months.data, start_date=self.start_date.data,
            payment_day=self.payment_day.data, balance=self.balance.decimal,
            min_payment_kind=self.min_payment_kind.data, min_payment=self.min_payment.decimal,
            min_payment_percent=self.min_payment_percent.decimal, notes=self.notes.data or "",
        )


class PaymentForm(FlaskForm):
    on = DayField("Date", default=date.today, validators=[DataRequired()])
    amount = MoneyField("Amount paid", validators=[money_required])
    from_account_id = SelectField("Paid from", default="",
                                  description="Choose an account to write the payment to the ledger as well "
                                              "(a transfer into the linked loan account, or an expense).")
    memo = StringField("Memo", validators=[Optional(), Length(max=255)])

    def __init__(self, *args, accounts: list[tuple[str, str]] = (), **kwargs):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.from_account_id.choices = list(accounts)

    def to_input(self) -> PaymentInput:
        source = self.from_account_id.data or ""
        return PaymentInput(on=self.on.data, amount=self.amount.decimal,
                            from_account_id=int(source) if source.isdigit() else None, memo=self.memo.data or "")


class WhatIfForm(FlaskForm):
    """Read from the query string (a GET that changes nothing)."""

    class Meta:
        csrf = False

    extra_monthly = MoneyField("Extra each month")
    one_off_amount = MoneyField("One-off extra payment")
    one_off_date = DayField("On", validators=[Optional()])

    def asked(self) -> bool:
        return bool(self.extra_monthly.decimal or self.one_off_amount.decimal)

    def to_input(self) -> WhatIfInput:
        return WhatIfInput(extra_monthly=self.extra_monthly.decimal or Decimal(0),
                           one_off_amount=self.one_off_amount.decimal or Decimal(0),
                           one_off_date=self.one_off_date.data)


class PlanQueryForm(FlaskForm):
    """The planner's strategy and extra amount, from the query string."""

    class Meta:
        csrf = False

    strategy = SelectField("Strategy", choices=list(STRATEGIES.items()))
    extra = MoneyField("Extra each month", description="On top of the minimum payments.")


class PlanSaveForm(FlaskForm):
    strategy = SelectField("Strategy", choices=list(STRATEGIES.items()))
    extra = MoneyField("Extra each month")

