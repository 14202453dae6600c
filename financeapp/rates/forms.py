"""Exchange-rate forms: one rate by hand, or a CSV of them."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length

from financeapp.core.fields import DayField
from financeapp.core.money import currency_choices
from financeapp.rates.services import RateInput


class RateForm(FlaskForm):
    on = DayField("Date", default=date.today, validators=[InputRequired("Enter the date of the rate.")])
    base = SelectField("Base currency", validators=[InputRequired()])
    quote = SelectField("Quote currency", validators=[InputRequired()])
    # Text, not a DecimalField: the service's parser reads it exactly and explains what is wrong.
    rate = StringField(
        "Rate",
        validators=[InputRequired("Enter a rate such as 1.0856."), Length(max=40)],
        render_kw={"inputmode": "decimal", "autocomplete": "off", "placeholder": "1.0856"},
        description="How much 1 unit of the base currency costs in the quote currency, "
        "e.g. 1 EUR = 1.0856 USD. A second rate for the same day and pair replaces the first.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = currency_choices()
        self.base.choices = choices
        self.quote.choices = choices

    def to_input(self) -> RateInput:
        return RateInput(on=self.on.data, base=self.base.data, quote=self.quote.data, rate=self.rate.data)


class RateImportForm(FlaskForm):
    file = FileField(
        "CSV file",
        validators=[
            FileRequired("Choose a CSV file to import."),
            FileAllowed(["csv", "txt"], "Upload a .csv file."),
        ],
        render_kw={"accept": ".csv,text/csv"},
        description="A header row with date, base, quote and rate (or from and to). "
        "Dates as YYYY-MM-DD or DD.MM.YYYY. Any bad row rejects the whole file.",
    )
