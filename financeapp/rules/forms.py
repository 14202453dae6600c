"""Rule forms: conditions and actions of one rule; the "apply to existing transactions" scope."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from financeapp.core.fields import MoneyField
from financeapp.core.scoping import as_id
from financeapp.rules.models import SIGNS, TEXT_FIELDS, TEXT_OPS
from financeapp.rules.services import RuleInput


class RuleForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Give the rule a name."), Length(max=80)])
    active = BooleanField("Active", default=True)
    on_manual = BooleanField("Also on entries you type",
                             description="Imports always run rules; with this on, the entry form, quick add "
                                         "and the API do too. What you chose yourself stays.")
    match_field = SelectField("Look at", choices=list(TEXT_FIELDS.items()), default="payee")
    match_op = SelectField("How", choices=list(TEXT_OPS.items()), default="contains")
    match_text = StringField(
        "Text", validators=[Optional(strip_whitespace=False), Length(max=255)],
        description="Leave empty to match any text. Contains and equals ignore case; a regular expression "
                    "is searched case-insensitively (for example ^amzn.*mktp).",
    )
    amount_min = MoneyField("Amount at least", description="Without its sign; leave empty for no minimum.")
    amount_max = MoneyField("Amount at most", description="Without its sign; leave empty for no maximum.")
    sign = SelectField("Direction", choices=list(SIGNS.items()), default="any")
    account_id = SelectField("Account", choices=[("", "Any account")], default="")
    set_payee = StringField("Rename the payee to", validators=[Optional(), Length(max=120)])
    set_category_id = SelectField("Set the category to", choices=[("", "Leave as it is")], default="")
    add_labels = StringField("Add labels", validators=[Optional(), Length(max=255)],
                             description="Comma-separated, such as “work, travel”.")

    def set_choices(self, accounts: list[tuple[str, str]], categories: list[tuple[str, str]]) -> None:
        self.account_id.choices = [("", "Any account"), *accounts]
        self.set_category_id.choices = [("", "Leave as it is"), *categories]

    def fill(self, data: RuleInput) -> None:
        """Pre-fill the form from a rule input (a suggestion or an existing rule)."""
        self.name.data = data.name
        self.active.data = data.active
        self.on_manual.data = data.on_manual
        self.match_field.data = data.match_field
        self.match_op.data = data.match_op
        self.match_text.data = data.match_text
        self.amount_min.data = "" if data.amount_min is None else f"{data.amount_min.normalize():f}"
        self.amount_max.data = "" if data.amount_max is None else f"{data.amount_max.normalize():f}"
        self.sign.data = data.sign
        self.account_id.data = str(data.account_id or "")
        self.set_payee.data = data.set_payee
        self.set_category_id.data = str(data.set_category_id or "")
        self.add_labels.data = data.add_labels

    def to_input(self) -> RuleInput:
        return RuleInput(
            name=self.name.data or "", active=bool(self.active.data), on_manual=bool(self.on_manual.data),
            match_field=self.match_field.data,
            match_op=self.match_op.data, match_text=self.match_text.data or "",
            amount_min=self.amount_min.decimal, amount_max=self.amount_max.decimal, sign=self.sign.data,
            account_id=as_id(self.account_id.data) if self.account_id.data else None,
            set_payee=self.set_payee.data or "",
            set_category_id=as_id(self.set_category_id.data) if self.set_category_id.data else None,
            add_labels=self.add_labels.data or "",
        )
