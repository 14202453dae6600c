"""The recurring item form, and the small forms that confirm or skip an occurrence."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from financeapp.core.fields import DayField, MoneyField, money_required
from financeapp.core.scoping import as_id
from financeapp.recurring.models import RecurringItem
from financeapp.recurring.schedule import FREQUENCY_LABELS, MONTHLY_MODES, NTH_LABELS, WEEKDAYS
from financeapp.recurring.services import MAX_REMIND_DAYS, RecurringInput

ENDS = [("never", "Never"), ("on", "On a date"), ("after", "After a number of times")]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RecurringForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)],
                       description="What you call it, such as “Rent” or “Salary”.")
    kind = RadioField("Kind", choices=[("entry", "Income or expense"), ("transfer", "Transfer")], default="entry")
    account_id = SelectField("Account", choices=[], validate_choice=False)
    to_account_id = SelectField("To account", choices=[], validate_choice=False)
    direction = RadioField("Direction", choices=[("out", "Money out"), ("in", "Money in")], default="out")
    amount = MoneyField("Amount", validators=[money_required], description="For a bill, the amount you expect.")
    to_amount = MoneyField("Amount received", description="Only for a transfer between currencies.")
    payee = StringField("Payee", validators=[Optional(), Length(max=120)],
                        render_kw={"list": "payee-names", "autocomplete": "off"})
    category_id = SelectField("Category", choices=[], validate_choice=False)
    memo = StringField("Memo", validators=[Optional(), Length(max=255)])

    frequency = SelectField("Repeats", choices=list(FREQUENCY_LABELS.items()), default="monthly")
    interval = IntegerField("Every", default=1, validators=[DataRequired(), NumberRange(1, 99)],
                            description="1 for every time unit, 2 for every other one, and so on.")
    weekdays = MultiCheckboxField("On", choices=[(str(i), name) for i, name in enumerate(WEEKDAYS)],
                                  validate_choice=False)
    monthly_mode = SelectField("Day of the month", choices=list(MONTHLY_MODES.items()), default="day")
    month_day = IntegerField("Day", validators=[Optional(), NumberRange(1, 31)],
                             description="29, 30 or 31 fall on the last day of shorter months. Empty: the first "
                                         "date's day.")
    nth = SelectField("Which", choices=[(str(k), v) for k, v in NTH_LABELS.items()], default="1")
    nth_weekday = SelectField("Weekday", choices=[(str(i), name) for i, name in enumerate(WEEKDAYS)], default="0")
    start_date = DayField("First date", default=date.today, validators=[InputRequired()])
    ends = RadioField("Ends", choices=ENDS, default="never")
    end_date = DayField("End date", validators=[Optional()])
    count = IntegerField("Number of times", validators=[Optional(), NumberRange(1, 10_000)])

    auto_post = RadioField("When it is due", default="confirm", choices=[
        ("confirm", "Wait for me to confirm it"), ("auto", "Post it automatically")])
    is_bill = BooleanField("This is a bill: remind me before it is due, and mark it paid when the payment "
                           "is entered or imported")
    remind_days = IntegerField("Remind me this many days before", default=3,
                               validators=[Optional(), NumberRange(0, MAX_REMIND_DAYS)])
    tolerance_pct = IntegerField("Amount tolerance (%)", validators=[Optional(), NumberRange(0, 100)],
                                 description="A payment within this percentage of the expected amount marks the bill "
                                             "paid. Leave empty to require the exact amount.")

    def set_choices(self, accounts: list[tuple[str, str]], categories: list[tuple[str, str]]) -> None:
        self.account_id.choices = accounts
        self.to_account_id.choices = accounts
        self.category_id.choices = categories

    def validate(self, extra_validators=None) -> bool:
        """Field rules, then the end the user chose must be filled in."""
        valid = super().validate(extra_validators)
        needed = {"on": (self.end_date, "Enter the date of the last occurrence."),
                  "after": (self.count, "Enter how many times it happens.")}.get(self.ends.data or "")
        if needed and needed[0].data is None and not needed[0].errors:
            needed[0].errors = [*needed[0].errors, needed[1]]
            valid = False
        return valid

    def fill_from(self, item: RecurringItem) -> None:
        """Show an existing item (on GET)."""
        for name in ("name", "kind", "direction", "payee", "memo", "frequency", "interval", "monthly_mode",
                     "month_day", "start_date", "end_date", "count", "is_bill", "remind_days", "tolerance_pct"):
            getattr(self, name).data = getattr(item, name)
        self.account_id.data = str(item.account_id)
        self.to_account_id.data = str(item.to_account_id or "")
        self.category_id.data = str(item.category_id or "")
        self.amount.data = str(item.amount)
        self.to_amount.data = str(item.to_amount) if item.to_amount is not None else ""
        self.weekdays.data = [d for d in item.weekdays.split(",") if d]
        self.nth.data = str(item.nth or 1)
        self.nth_weekday.data = str(item.nth_weekday or 0)
        self.ends.data = "on" if item.end_date else "after" if item.count else "never"
        self.auto_post.data = "auto" if item.auto_post else "confirm"

    def to_input(self) -> RecurringInput:
        ends = self.ends.data
        return RecurringInput(
            name=self.name.data or "", kind=self.kind.data or "entry",
            account_id=as_id(self.account_id.data) or 0, amount=self.amount.decimal or Decimal(0),
            start_date=self.start_date.data, direction=self.direction.data or "out",
            to_account_id=as_id(self.to_account_id.data), to_amount=self.to_amount.decimal,
            payee=self.payee.data or "", category_id=as_id(self.category_id.data), memo=self.memo.data or "",
            frequency=self.frequency.data, interval=self.interval.data or 1,
            weekdays=tuple(int(d) for d in self.weekdays.data or () if str(d).isdigit() and int(d) < 7),
            monthly_mode=self.monthly_mode.data, month_day=self.month_day.data,
            nth=int(self.nth.data) if self.nth.data in {str(k) for k in NTH_LABELS} else None,
            nth_weekday=int(self.nth_weekday.data) if self.nth_weekday.data in {str(i) for i in range(7)} else None,
            end_date=self.end_date.data if ends == "on" else None,
            count=self.count.data if ends == "after" else None,
            auto_post=self.auto_post.data == "auto", is_bill=bool(self.is_bill.data),
            remind_days=self.remind_days.data if self.remind_days.data is not None else 3,
            tolerance_pct=self.tolerance_pct.data,
        )


class OccurrenceForm(FlaskForm):
    """Confirm or skip one occurrence: its date travels in the form."""

    on = DayField("Date", validators=[InputRequired()])
