"""Budget forms: a line, an amount edited in place, moving money, the style, copying a month."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Optional

from financeapp.budgets.models import STYLES
from financeapp.core.fields import MoneyField, money_required


class LineForm(FlaskForm):
    category_id = SelectField("Category", validators=[DataRequired(message="Choose a category.")],
                              description="Budgeting a group covers its categories that have no line of their own.")
    amount = MoneyField("Amount", validators=[money_required])
    period = SelectField("Per", choices=[("month", "Month"), ("year", "Year (checked against the whole year)")],
                         default="month")
    rollover = BooleanField("Carry what is left (or overspent) into next month")
    month = HiddenField()


class AmountForm(FlaskForm):
    amount = MoneyField("Budgeted", validators=[money_required])
    rollover = BooleanField("Roll over")


class MoveForm(FlaskForm):
    source_id = SelectField("From", validators=[DataRequired(message="Choose where the money comes from.")])
    target_id = SelectField("To", validators=[DataRequired(message="Choose the line to cover.")])
    amount = MoneyField("Amount to move", validators=[money_required])
    month = HiddenField()


class StyleForm(FlaskForm):
    style = SelectField("Budgeting style", choices=list(STYLES.items()))


class CopyForm(FlaskForm):
    month = HiddenField()


class ReportForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter form

    start = StringField("From month", validators=[Optional()], render_kw={"type": "month"})
    end = StringField("To month", validators=[Optional()], render_kw={"type": "month"})


class EnvelopeMoveForm(FlaskForm):
    """Move money from one envelope (or "to budget") to another, in one month."""

    source = SelectField("From", validators=[DataRequired(message="Choose where the money comes from.")])
    target = SelectField("To", validators=[DataRequired(message="Choose where the money goes.")])
    amount = MoneyField("Amount", validators=[money_required])
    month = HiddenField()

    def set_choices(self, envelopes: list[tuple[str, str]], pool: tuple[str, str]) -> None:
        self.source.choices = [pool, *envelopes]
        self.target.choices = [("", "Choose an envelope"), pool, *envelopes]
