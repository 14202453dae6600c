"""Transaction forms: an entry (with optional split lines), a transfer, bulk actions."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from financeapp.core.fields import DayField, MoneyField, money_required
from financeapp.core.scoping import as_id
from financeapp.labels.services import parse_label_names
from financeapp.transactions.services import EntryInput, LineInput, TransferInput

STATUS_CHOICES = [("uncleared", "Uncleared"), ("cleared", "Cleared"), ("reconciled", "Reconciled")]
SPLIT_ROWS = 4


def _int_or_none(value: str | None) -> int | None:
    return as_id(value) if value else None


def _version(field: HiddenField) -> int | None:
    return _int_or_none(field.data)


class SplitLineForm(Form):
    category_id = SelectField("Category", choices=[], validate_choice=False)
    amount = MoneyField("Amount")
    memo = StringField("Line memo", validators=[Optional(), Length(max=255)])


class EntryForm(FlaskForm):
    on = DayField("Date", default=date.today, validators=[DataRequired()])
    account_id = SelectField("Account", choices=[], validate_choice=False)
    direction = RadioField("Direction", choices=[("out", "Money out"), ("in", "Money in")], default="out")
    amount = MoneyField("Amount", validators=[money_required])
    payee = StringField("Payee", validators=[Optional(), Length(max=120)],
                        render_kw={"list": "payee-names", "autocomplete": "off"})
    category_id = SelectField("Category", choices=[], validate_choice=False)
    memo = StringField("Memo", validators=[Optional(), Length(max=255)])
    labels = StringField("Labels", validators=[Optional(), Length(max=400)],
                         description="Separate labels with commas.")
    status = SelectField("Status", choices=STATUS_CHOICES, default="uncleared")
    lines = FieldList(FormField(SplitLineForm), min_entries=SPLIT_ROWS, max_entries=20)
    version = HiddenField()
    unlock = BooleanField("Unlock: this transaction is reconciled; change it anyway")

    def set_choices(self, accounts: list[tuple[str, str]], categories: list[tuple[str, str]]) -> None:
        self.account_id.choices = accounts
        self.category_id.choices = categories
        for entry in self.lines:
            entry.form.category_id.choices = categories

    def filled_lines(self) -> tuple[LineInput, ...]:
        return tuple(
            LineInput(category_id=_int_or_none(entry.form.category_id.data),
                      amount=entry.form.amount.decimal, memo=entry.form.memo.data or "")
            for entry in self.lines
            if entry.form.amount.decimal is not None
        )

    def validate_lines(self, field: FieldList) -> None:
        if len(self.filled_lines()) == 1:
            raise ValidationError("A split needs at least two lines; clear the line or add another.")

    def to_input(self) -> EntryInput:
        return EntryInput(
            account_id=_int_or_none(self.account_id.data) or 0,
            on=self.on.data, amount=self.amount.decimal, direction=self.direction.data,  # type: ignore[arg-type]
            payee=self.payee.data or "", category_id=_int_or_none(self.category_id.data),
            memo=self.memo.data or "", labels=tuple(parse_label_names(self.labels.data or "")),
            status=self.status.data, lines=self.filled_lines(),
            version=_version(self.version), unlock=bool(self.unlock.data),
        )


class TransferForm(FlaskForm):
    on = DayField("Date", default=date.today, validators=[DataRequired()])
    from_account_id = SelectField("From account", choices=[], validate_choice=False)
    to_account_id = SelectField("To account", choices=[], validate_choice=False)
    amount = MoneyField("Amount sent", validators=[money_required])
    to_amount = MoneyField("Amount received",
                           description="Only when the accounts use different currencies.")
    memo = StringField("Memo", validators=[Optional(), Length(max=255)])
    labels = StringField("Labels", validators=[Optional(), Length(max=400)],
                         description="Separate labels with commas.")
    status = SelectField("Status", choices=STATUS_CHOICES, default="uncleared")
    version = HiddenField()
    unlock = BooleanField("Unlock: this transfer is reconciled; change it anyway")

    def set_choices(self, accounts: list[tuple[str, str]]) -> None:
        self.from_account_id.choices = accounts
        self.to_account_id.choices = accounts

    def to_input(self) -> TransferInput:
        return TransferInput(
            from_account_id=_int_or_none(self.from_account_id.data) or 0,
            to_account_id=_int_or_none(self.to_account_id.data) or 0,
            on=self.on.data, amount=self.amount.decimal,  # type: ignore[arg-type]
            to_amount=self.to_amount.decimal, memo=self.memo.data or "",
            labels=tuple(parse_label_names(self.labels.data or "")), status=self.status.data,
            version=_version(self.version), unlock=bool(self.unlock.data),
        )


class BulkForm(FlaskForm):
    action = SelectField("With the selected", choices=[
        ("category", "Set category"), ("labels", "Add labels"), ("delete", "Delete"),
    ])
    category_id = SelectField("Category", choices=[], validate_choice=False)
    labels = StringField("Labels", validators=[Optional(), Length(max=400)])


class DeleteForm(FlaskForm):
    unlock = BooleanField("Delete even though it is reconciled")
