"""Form fields shared by every domain."""

from __future__ import annotations

from decimal import Decimal

from wtforms import DateField, StringField
from wtforms.validators import ValidationError

from financeapp.core.errors import Invalid
from financeapp.core.validation import (
    DATE_RANGE_MESSAGE,
    FIRST_DAY,
    LAST_DAY,
    checked_amount,
    in_date_range,
    parse_amount,
)


class MoneyField(StringField):
    """A text box for an amount typed in the user's locale (`3,50` for de_DE): a finite Decimal out.

    The currency's rules (decimal places, sign) are the service's, through `checked_amount`.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {})
        kwargs["render_kw"].setdefault("inputmode", "decimal")
        kwargs["render_kw"].setdefault("autocomplete", "off")
        super().__init__(*args, **kwargs)
        self.decimal: Decimal | None = None

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        self.decimal = None
        text = (self.data if isinstance(self.data, str) else "" if self.data is None else str(self.data)).strip()
        if not text:
            return
        try:
            self.decimal = checked_amount(parse_amount(text), None, field=None, sign="any")
        except Invalid as err:
            raise ValueError(err.message) from None

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


def money_required(form, field: MoneyField) -> None:
    if field.decimal is None and not field.errors:
        raise ValidationError("Enter an amount.")


class DayField(DateField):
    """A date box that accepts only the years every date may have (core/validation.py), with the
    range also in the picker's min and max."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {})
        kwargs["render_kw"].setdefault("min", FIRST_DAY.isoformat())
        kwargs["render_kw"].setdefault("max", LAST_DAY.isoformat())
        super().__init__(*args, **kwargs)

    def pre_validate(self, form) -> None:
        if self.data is not None and not in_date_range(self.data):
            raise ValidationError(DATE_RANGE_MESSAGE)
