"""Goal forms: the goal itself and a contribution."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from financeapp.core.fields import DayField, MoneyField, money_required
from financeapp.goals.services import GoalInput


class GoalForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Give the goal a name."), Length(max=80)])
    target_amount = MoneyField("Target amount", validators=[money_required])
    target_date = DayField("Target date", validators=[Optional()],
                           description="Optional: shows the saving needed each month to get there.")
    account_id = SelectField("Progress from", description="A linked account's balance is the progress; "
                             "otherwise add contributions by hand.")
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})

    def to_input(self) -> GoalInput:
        return GoalInput(name=self.name.data or "", target_amount=self.target_amount.decimal,
                         target_date=self.target_date.data, account_id=self.account_id.data or None,
                         notes=self.notes.data or "")


class ContributionForm(FlaskForm):
    on = DayField("Date", default=date.today, validators=[DataRequired(message="Enter a date.")])
    amount = MoneyField("Amount", validators=[money_required],
                        description="Negative when you take money out of the goal.")
    memo = StringField("Memo", validators=[Optional(), Length(max=255)])
