"""What goes in and out of the API: JSON bodies and query strings checked field by field.

Bodies are parsed exactly (a JSON number with a fraction becomes a `Decimal`, never a
float), every field is checked before anything is reported, and the result is the
service's own input dataclass. Bad input raises `Invalid` (422) with one message per
field in `fields`, which the app's error handler sends as the problem's `errors`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Request

from financeapp.core.errors import FinanceError, Invalid
from financeapp.core.money import amount_text
from financeapp.core.validation import DATE_RANGE_MESSAGE, EARLIEST_YEAR, LATEST_YEAR, checked_amount, in_date_range
from financeapp.transactions.models import STATUSES
from financeapp.transactions.queries import KINDS, PER_PAGE_CHOICES, SORTS, TransactionFilter
from financeapp.transactions.services import MAX_LINES, EntryInput, LineInput, TransferInput

# Ids are BIGINT-sized at most: a larger one would overflow the driver, not just miss.
MAX_ID = 2**63 - 1
MAX_LABELS = 20
# Numbers in query strings are read as programs write them (a dot before the decimals), whatever the
# locale of the token's user; JSON bodies carry numbers or plain "12.50" strings.
NUMBER_LOCALE = "en_US"
# The date range is core/validation.py's; named here too for the OpenAPI document.
__all__ = ["EARLIEST_YEAR", "LATEST_YEAR", "amount_text"]  # amount_text: the one JSON money format (core.money)

_AMOUNT_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_DIGITS = re.compile(r"\d{1,19}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

ENTRY_FIELDS = frozenset({"type", "account_id", "date", "amount", "direction", "payee", "category_id", "memo",
                          "labels", "status", "lines"})
LINE_FIELDS = frozenset({"category_id", "amount", "memo"})
TRANSFER_FIELDS = frozenset({"type", "from_account_id", "to_account_id", "date", "amount", "to_amount", "memo",
                             "labels", "status"})


class UnsupportedMediaType(FinanceError):
    status = 415
    title = "Unsupported media type"


class _NonFinite:
    """Stands in for NaN and Infinity, which JSON does not allow, so the field can be named."""

    def __repr__(self) -> str:
        return "NaN"


NON_FINITE = _NonFinite()


class _DuplicateKey(Exception):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for key, value in pairs:
        if key in body:
            raise _DuplicateKey(key)
        body[key] = value
    return body


def read_json(request: Request) -> dict[str, Any]:
    """The request's JSON object, with fractional numbers as exact Decimals."""
    if not request.is_json:
        raise UnsupportedMediaType("Send the body as JSON with the header Content-Type: application/json.")
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise FinanceError("The request body is empty; send a JSON object.")
    try:
        body = json.loads(raw, parse_float=Decimal, parse_constant=lambda _: NON_FINITE,
                          object_pairs_hook=_unique_keys)
    except _DuplicateKey as err:
        raise FinanceError(f"The key “{str(err)[:40]}” appears twice in the JSON body.") from None
    except (ValueError, RecursionError):  # JSONDecodeError, bad UTF-8, an integer of thousands of digits
        raise FinanceError("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise FinanceError('Send a JSON object, such as {"amount": "12.50"}.')
    return body


class _Fields:
    """Reads one JSON object's fields, collecting a message per bad field instead of stopping."""

    def __init__(self, body: Mapping[str, Any], allowed: frozenset[str], errors: dict[str, str],
                 prefix: str = ""):
        self.body, self.errors, self.prefix = body, errors, prefix
        for key in body:
            if key not in allowed:
                self.error(key, "Unknown field.")

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(f"{self.prefix}{name}", message)

    def ok(self, name: str) -> bool:
        return f"{self.prefix}{name}" not in self.errors

    def identifier(self, name: str, *, required: bool = False) -> int | None:
        value = self.body.get(name)
        if value is None:
            if required:
                self.error(name, "Required.")
            return None
        if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
            self.error(name, "Send the id as a positive integer.")
            return None
        return value

    def amount(self, name: str, *, required: bool = True, sign: str = "positive") -> Decimal | None:
        """A JSON number or numeric string, exactly; the maximum and `sign` as every amount has them
        (the currency's decimal places are checked by the service, which knows the account)."""
        value = self.body.get(name)
        if value is None:
            if required:
                self.error(name, "Required.")
            return None
        if isinstance(value, str) and _AMOUNT_TEXT.fullmatch(value.strip()):
            value = Decimal(value.strip())
        if value is NON_FINITE:
            self.error(name, "Send a finite amount (NaN and Infinity are not amounts).")
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.error(name, 'Send the amount as a number or a string such as "12.50".')
            return None
        try:
            return checked_amount(Decimal(value), None, field=name, sign=sign)
        except Invalid as err:
            self.error(name, err.message)
            return None

    def day(self, name: str) -> date | None:
        value = self.body.get(name)
        if value is None:
            self.error(name, "Required.")
            return None
        try:
            on = date.fromisoformat(value) if isinstance(value, str) and _ISO_DATE.fullmatch(value) else None
        except ValueError:  # a day that is not on the calendar, such as 2026-02-30
            on = None
        if on is None:
            self.error(name, "Send a date as YYYY-MM-DD.")
            return None
        if not in_date_range(on):
            self.error(name, DATE_RANGE_MESSAGE)
            return None
        return on

    def text(self, name: str, max_length: int) -> str:
        value = self.body.get(name)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.error(name, "Send text (a JSON string).")
            return ""
        if len(value.strip()) > max_length:
            self.error(name, f"At most {max_length} characters.")
            return ""
        return value

    def choice(self, name: str, choices: tuple[str, ...], default: str | None = None) -> str:
        value = self.body.get(name)
        if value is None and default is not None:
            return default
        if not isinstance(value, str) or value not in choices:  # (a list or an object is unhashable)
            self.error(name, f"Choose one of: {', '.join(choices)}.")
            return default or ""
        return value

    def integer(self, name: str, minimum: int, maximum: int) -> int | None:
        """A whole number in range (a JSON integer or its digits as a string); None when not sent."""
        value = self.body.get(name)
        if value is None:
            return None
        if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            self.error(name, f"Send a whole number from {minimum} to {maximum}.")
            return None
        return value

    def number(self, name: str) -> Decimal | None:
        """A decimal (a rate, a percentage), exactly; the range is the service's to check."""
        value = self.body.get(name)
        if value is None:
            return None
        if isinstance(value, str) and _AMOUNT_TEXT.fullmatch(value.strip()) and len(value.strip()) <= 30:
            value = Decimal(value.strip())
        if isinstance(value, bool) or not isinstance(value, int | Decimal) or value is NON_FINITE \
                or abs(value) >= 10**12:
            self.error(name, 'Send a number or a string such as "6.5".')
            return None
        return Decimal(value)

    def optional_day(self, name: str) -> date | None:
        return self.day(name) if self.body.get(name) is not None else None

    def boolean(self, name: str, default: bool) -> bool:
        value = self.body.get(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(name, "Send true or false.")
            return default
        return value

    def labels(self, name: str = "labels") -> tuple[str, ...]:
        value = self.body.get(name)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.error(name, 'Send labels as a list of names, such as ["travel", "work"].')
            return ()
        names: list[str] = []
        for item in value:
            label = " ".join(item.split())
            if not label:
                self.error(name, "Label names cannot be blank.")
            elif len(label) > 40:
                self.error(name, "Labels have at most 40 characters.")
            elif label.lower() not in (n.lower() for n in names):
                names.append(label)
        if len(names) > MAX_LABELS:
            self.error(name, f"At most {MAX_LABELS} labels.")
        return tuple(names) if self.ok(name) else ()


def fields_of(body: Mapping[str, Any], allowed: frozenset[str], errors: dict[str, str]) -> _Fields:
    """A field reader for another resource's body (every bad field collected in `errors`)."""
    return _Fields(body, allowed, errors)


def raise_if(errors: dict[str, str]) -> None:
    """Invalid (422) naming every bad field, when there is any."""
    if errors:
        raise _invalid(errors)


def _invalid(errors: dict[str, str]) -> Invalid:
    names = ", ".join(list(errors)[:8])
    more = f" and {len(errors) - 8} more" if len(errors) > 8 else ""
    noun = "field needs" if len(errors) == 1 else "fields need"
    return Invalid(f"{len(errors)} {noun} attention: {names}{more}.", fields=errors)


def transaction_input(body: Mapping[str, Any]) -> EntryInput | TransferInput:
    """An entry (the default) or a transfer from a POSTed JSON object; Invalid lists every bad field."""
    kind = body.get("type", "entry")
    if kind == "transfer":
        return transfer_input(body)
    if kind != "entry":
        raise _invalid({"type": "Choose entry or transfer."})
    return entry_input(body)


def entry_input(body: Mapping[str, Any]) -> EntryInput:
    """Money in or out of one account, with one category or two or more split lines.

    The amount is signed as GET shows it (negative = money out), so a listed transaction posts back
    as it is; `direction` is optional: with it, a positive amount goes that way.
    """
    errors: dict[str, str] = {}
    fields = _Fields(body, ENTRY_FIELDS, errors)
    account_id = fields.identifier("account_id", required=True)
    on = fields.day("date")
    amount = fields.amount("amount", sign="nonzero")
    direction = _direction(fields, amount)
    payee = fields.text("payee", 120)
    category_id = fields.identifier("category_id")
    memo = fields.text("memo", 255)
    labels = fields.labels()
    status = fields.choice("status", STATUSES, default="uncleared")
    lines = _lines(body.get("lines"), errors, direction)
    if lines and body.get("category_id") is not None:
        fields.error("category_id", "Leave category_id out of a split; each line has its own.")
    if errors:
        raise _invalid(errors)
    return EntryInput(
        account_id=account_id, on=on, amount=abs(amount), direction=direction,  # type: ignore[arg-type]
        payee=payee, category_id=category_id, memo=memo, labels=labels, status=status, lines=lines,
    )


def _direction(fields: _Fields, amount: Decimal | None) -> str:
    """"in" or "out": the amount's sign says it, or `direction` does for a positive amount."""
    direction = fields.choice("direction", ("in", "out"), default="")
    if amount is None or not fields.ok("direction"):
        return direction or "out"
    if amount < 0:
        if direction == "in":
            fields.error("amount", "A negative amount is money out, but direction says in; send one of them.")
        return "out"
    return direction or "in"


def _lines(value: Any, errors: dict[str, str], direction: str) -> tuple[LineInput, ...]:
    """Split lines, each signed like the amount (negative for money out) or all positive."""
    if value is None or value == []:
        return ()
    if not isinstance(value, list):
        errors["lines"] = "Send split lines as a list of objects."
        return ()
    if len(value) == 1:
        errors["lines"] = "A split needs at least two lines; for one category send category_id instead."
        return ()
    if len(value) > MAX_LINES:
        errors["lines"] = f"A transaction can have at most {MAX_LINES} split lines."
        return ()
    signed: list[LineInput] = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            errors[f"lines[{index}]"] = "Send each line as an object with category_id, amount and memo."
            continue
        line = _Fields(item, LINE_FIELDS, errors, prefix=f"lines[{index}].")
        category_id = line.identifier("category_id")
        amount = line.amount("amount", sign="nonzero")
        memo = line.text("memo", 255)
        if amount is None:
            continue
        mixed = bool(signed) and (amount < 0) != (signed[0].amount < 0)
        if mixed or (amount < 0 and direction == "in"):
            line.error("amount", "Give every line the sign of the amount (negative for money out), or send them all "
                                 "positive.")
        else:
            signed.append(LineInput(category_id=category_id, amount=amount, memo=memo))
    return tuple(LineInput(line.category_id, abs(line.amount), line.memo) for line in signed)


def transfer_input(body: Mapping[str, Any]) -> TransferInput:
    """Money moved between two of the workspace's accounts; to_amount only across currencies."""
    errors: dict[str, str] = {}
    fields = _Fields(body, TRANSFER_FIELDS, errors)
    from_account_id = fields.identifier("from_account_id", required=True)
    to_account_id = fields.identifier("to_account_id", required=True)
    if from_account_id is not None and from_account_id == to_account_id:
        fields.error("to_account_id", "Choose two different accounts.")
    on = fields.day("date")
    amount = fields.amount("amount")
    to_amount = fields.amount("to_amount", required=False)
    memo = fields.text("memo", 255)
    labels = fields.labels()
    status = fields.choice("status", STATUSES, default="uncleared")
    if errors:
        raise _invalid(errors)
    return TransferInput(
        from_account_id=from_account_id, to_account_id=to_account_id,  # type: ignore[arg-type]
        on=on, amount=amount, to_amount=to_amount, memo=memo, labels=labels,  # type: ignore[arg-type]
        status=status,
    )


def transaction_filter(args: Mapping[str, str]) -> TransactionFilter:
    """The list filters, read as the HTML page reads them, but refusing what the page quietly drops.

    The page ignores an unknown kind or sort and falls back to the defaults; an API client
    that misspelt one would get the wrong rows without noticing, so here it is a 400.
    """
    f = TransactionFilter.from_args(args, locale=NUMBER_LOCALE)
    errors = dict(f.errors)

    def given(name: str) -> str:
        return (args.get(name) or "").strip()

    for name in ("account", "category", "label", "payee"):
        if name not in errors and given(name) and abs(int(given(name))) > MAX_ID:
            errors[name] = f"“{given(name)[:20]}” is not a valid {name}."
    if args.get("kind") and args["kind"] not in KINDS:
        errors["kind"] = f"Choose one of: {', '.join(KINDS)}."
    if args.get("sort") and args["sort"] not in SORTS:
        errors["sort"] = f"Choose one of: {', '.join(SORTS)}."
    if "per_page" not in errors and given("per_page") and int(given("per_page")) not in PER_PAGE_CHOICES:
        errors["per_page"] = f"Choose one of: {', '.join(map(str, PER_PAGE_CHOICES))}."
    if "page" not in errors and given("page") and not 1 <= int(given("page")) <= 1_000_000:
        errors["page"] = "Pages are numbered from 1."
    if errors:
        names = ", ".join(errors)
        raise FinanceError(f"Check the query parameters: {names}.", fields=errors)
    return f
