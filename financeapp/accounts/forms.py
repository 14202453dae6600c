"""Account forms: details, balance update, reconciliation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from financeapp.accounts.models import ACCOUNT_TYPES
from financeapp.accounts.services import AccountInput, ReconcileInput
from financeapp.core.fields import DayField, MoneyField, money_required
from financeapp.core.money import currency_choices


class AccountForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    type = SelectField("Type", choices=list(ACCOUNT_TYPES.items()), default="checking")
    currency = SelectField("Currency")
    opening_balance = MoneyField(
        "Opening balance", default="0",
        description="For a credit card or loan, enter what you owe as a negative number.",
    )
    opening_date = DayField("Opening date", default=date.today, validators=[DataRequired()])
    group_name = StringField("Group", validators=[Optional(), Length(max=40)],
                             description="Optional, such as “Joint” or “Business”.")
    colour = StringField("Colour", default="#0d6efd", render_kw={"type": "color"})
    include_in_net_worth = BooleanField("Include in net worth", default=True)
    number = StringField("Account number", validators=[Optional(), Length(max=64)],
                         description="Optional; matches bank files on import.")
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})

    def __init__(self, *args, base_currency: str = "USD", **kwargs):
        super().__init__(*args, **kwargs)
        self.currency.choices = currency_choices()
        if not self.currency.data:
            self.currency.data = base_currency

    def to_input(self) -> AccountInput:
        return AccountInput(
            name=self.name.data or "", type=self.type.data, currency=self.currency.data,
            opening_balance=self.opening_balance.decimal or Decimal(0),
            opening_date=self.opening_date.data, group_name=self.group_name.data or "",
            colour=self.colour.data or "#0d6efd",
            include_in_net_worth=bool(self.include_in_net_worth.data),
            number=self.number.data or "", notes=self.notes.data or "",
        )


class BalanceUpdateForm(FlaskForm):
    on = DayField("Date", default=date.today, validators=[DataRequired()])
    balance = MoneyField("Balance on that date", validators=[money_required])


class ReconcileForm(FlaskForm):
    statement_date = DayField("Statement date", default=date.today, validators=[DataRequired()])
    statement_balance = MoneyField("Statement closing balance", validators=[money_required])
    record_adjustment = BooleanField("Record any remaining difference as an adjustment")

    def to_input(self, cleared_ids: list[int]) -> ReconcileInput:
        return ReconcileInput(
            statement_date=self.statement_date.data,
            statement_balance=self.statement_balance.decimal,  # type: ignore[arg-type]
            cleared_ids=frozenset(cleared_ids),
            record_adjustment=bool(self.record_adjustment.data),
        )


class DeleteAccountForm(FlaskForm):
    delete_transactions = BooleanField("Also delete all of its transactions")
