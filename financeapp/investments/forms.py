"""Investment forms: a trade, a price, an account's cost method, and the performance range."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from financeapp.core.errors import Invalid
from financeapp.core.fields import DayField, MoneyField
from financeapp.core.money import currency_choices
from financeapp.core.validation import parse_amount
from financeapp.investments.models import COST_METHODS, SECURITY_KINDS, TRADE_KINDS


class QuantityField(StringField):
    """A number of shares or a price typed in the user's locale, with up to ten decimals."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {})
        kwargs["render_kw"].setdefault("inputmode", "decimal")
        kwargs["render_kw"].setdefault("autocomplete", "off")
        super().__init__(*args, **kwargs)
        self.decimal: Decimal | None = None

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        self.decimal = None
        text = (self.data or "").strip() if isinstance(self.data, str) else ""
        if not text:
            return
        try:
            # Ten places: a `1,500` in a locale whose decimal mark is the comma reads as 1.5, not as ambiguous.
            self.decimal = parse_amount(text, places=10)
        except Invalid as err:
            raise ValueError(err.message) from None


class TradeForm(FlaskForm):
    account_id = SelectField("Account")
    kind = SelectField("What happened", choices=list(TRADE_KINDS.items()), default="buy")
    on = DayField("Date", default=date.today, validators=[DataRequired(message="Enter a date.")])
    symbol = StringField("Security (symbol)", validators=[Optional(), Length(max=32)],
                         description="A new symbol adds the security; not needed for deposits, withdrawals and fees.",
                         render_kw={"list": "symbols", "autocapitalize": "characters", "autocomplete": "off"})
    security_name = StringField("Name of a new security", validators=[Optional(), Length(max=120)])
    security_kind = SelectField("Kind of a new security", choices=list(SECURITY_KINDS.items()), default="stock")
    security_currency = SelectField("Currency of a new security", validators=[Optional()])
    quantity = QuantityField("Shares", description="Positive; up to ten decimals.")
    price = QuantityField("Price per share")
    fees = MoneyField("Fees")
    taxes = MoneyField("Taxes")
    amount = MoneyField("Amount", description="Dividends, interest, fees, deposits and withdrawals: the cash. "
                        "Buys and sells: leave empty to use shares x price with fees and taxes.")
    split_from = QuantityField("Split: old shares", description="For a split such as 1 → 2 (or 10 → 1).")
    split_to = QuantityField("Split: new shares")
    memo = StringField("Memo", validators=[Optional(), Length(max=255)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.security_currency.choices = [("", "The account's currency"), *currency_choices()]


class PriceForm(FlaskForm):
    security_id = SelectField("Security")
    on = DayField("Date", default=date.today, validators=[DataRequired(message="Enter a date.")])
    close = QuantityField("Closing price")


class MethodForm(FlaskForm):
    cost_method = SelectField("Cost basis", choices=list(COST_METHODS.items()))


class RangeForm(FlaskForm):
    """The performance page's range, read from the query string."""

    class Meta:
        csrf = False

    account = SelectField("Account", validators=[Optional()])
    start = DayField("From", validators=[Optional()])
    end = DayField("To", validators=[Optional()])
