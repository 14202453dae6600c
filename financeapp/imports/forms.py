"""Import forms: the upload. The mapping, account and preview steps read their many
per-column and per-row fields straight from the request (their number depends on the file)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

FILE_LABEL = "Bank file (CSV, OFX, QFX, QIF or CAMT.053)"


class UploadForm(FlaskForm):
    file = FileField(FILE_LABEL, validators=[FileRequired("Choose a file to import.")],
                     render_kw={"accept": ".csv,.tsv,.txt,.ofx,.qfx,.qbo,.qif,.xml,.sta"})


# -- the CSV column mapping: a field per attribute of the parser's CsvMapping -----------------------

COLUMN_FIELDS = (
    ("date_column", "Date"),
    ("amount_column", "Amount (signed)"),
    ("debit_column", "Debit (money out)"),
    ("credit_column", "Credit (money in)"),
    ("payee_column", "Payee or description"),
    ("memo_column", "Memo or reference"),
    ("external_id_column", "Bank's transaction id"),
    ("sign_column", "Debit/credit indicator (D/C, S/H...)"),
    # One file of many accounts (Firefly III, Actual, YNAB, a spreadsheet).
    ("account_column", "Account (a file of many accounts)"),
    ("currency_column", "Currency of the account"),
    ("category_column", "Category (Group/Name, Group:Name or Group > Name)"),
    ("labels_column", "Tags or labels"),
    ("transfer_column", "Transfer account (the other side of a transfer)"),
    ("split_column", "Split id (rows of one split share it)"),
    ("destination_column", "Destination account (rows from the account column to this one)"),
    ("type_column", "Transaction type (withdrawal, deposit, transfer)"),
)
DELIMITERS = {"comma": (",", "Comma"), "semicolon": (";", "Semicolon"), "tab": ("\t", "Tab"), "bar": ("|", "Bar")}
DECIMAL_NAMES = {".": "Point (1234.56)", ",": "Comma (1234,56)"}
THOUSANDS_NAMES = {"": "None", ",": "Comma", ".": "Point", " ": "Space", "'": "Apostrophe"}


@dataclass
class MappingField:
    name: str
    label: str
    kind: str  # "column" | "choice" | "bool" | "text" | "hidden"
    value: Any
    choices: list[tuple[str, str]] = field(default_factory=list)
    help: str = ""


def _date_choices(current: str) -> list[tuple[str, str]]:
    from financeapp.imports.parsers.csv import DATE_FORMATS

    sample = date(2026, 3, 31)
    formats = list(DATE_FORMATS) + ([current] if current and current not in DATE_FORMATS else [])
    return [(fmt, f"{sample.strftime(fmt)}  ({fmt})") for fmt in formats]


def mapping_fields(layout: Any, mapping: dict[str, Any] | None) -> list[MappingField]:
    """The mapping step's fields, pre-filled from a saved or suggested mapping (or the sniffed layout)."""
    mapping = dict(mapping or {})
    columns = [("", "(none)")] + [(str(i), f"{i + 1}: {name}") for i, name in enumerate(layout.columns)]
    out = [MappingField(name, label, "column", mapping.get(name), columns) for name, label in COLUMN_FIELDS]
    date_format = mapping.get("date_format") or "%Y-%m-%d"
    header_row = mapping.get("header_row", layout.header_row)
    out += [
        MappingField("date_format", "Date format", "choice", date_format, _date_choices(date_format),
                     "Shown with 31 March 2026 as the example."),
        MappingField("decimal_separator", "Decimal separator", "choice", mapping.get("decimal_separator", "."),
                     list(DECIMAL_NAMES.items())),
        MappingField("thousands_separator", "Thousands separator", "choice", mapping.get("thousands_separator", ","),
                     list(THOUSANDS_NAMES.items())),
        MappingField("delimiter", "Columns separated by", "choice", _delimiter_key(mapping.get("delimiter",
                                                                                             layout.delimiter)),
                     [(key, label) for key, (_char, label) in DELIMITERS.items()]),
        MappingField("header_row", "Header on line", "text", "" if header_row is None else header_row + 1,
                     help="Leave empty when the file has no header line."),
        MappingField("encoding", "Encoding", "text", mapping.get("encoding", layout.encoding)),
        MappingField("negate", "Flip every sign (the file shows spending as positive)", "bool",
                     bool(mapping.get("negate"))),
        MappingField("transfers_from_payee", "A payee that is one of the file's accounts (or “Transfer : …”) "
                     "is a transfer", "bool", bool(mapping.get("transfers_from_payee"))),
        MappingField("quotechar", "Quote character", "hidden", mapping.get("quotechar", layout.quotechar)),
        MappingField("preset", "Export of", "hidden", mapping.get("preset", getattr(layout, "preset", ""))),
    ]
    return out


def _delimiter_key(char: str) -> str:
    return next((key for key, (c, _label) in DELIMITERS.items() if c == char), "comma")


def read_mapping(form: Mapping[str, str], layout: Any) -> dict[str, Any]:
    """The mapping the user chose, as the parser's CsvMapping.from_dict() reads it (it checks the rest)."""
    chosen: dict[str, Any] = {}
    for name, _label in COLUMN_FIELDS:
        raw = (form.get(f"map_{name}") or "").strip()
        chosen[name] = int(raw) if raw.isdigit() and int(raw) < max(layout.column_count, 1) else None
    chosen["date_format"] = (form.get("map_date_format") or "%Y-%m-%d")[:40]
    chosen["decimal_separator"] = form.get("map_decimal_separator", ".")
    chosen["thousands_separator"] = form.get("map_thousands_separator", ",")
    chosen["delimiter"] = DELIMITERS.get(form.get("map_delimiter", ""), (layout.delimiter, ""))[0]
    header = (form.get("map_header_row") or "").strip()
    chosen["header_row"] = int(header) - 1 if header.isdigit() and 0 < int(header) <= 1000 else None
    chosen["encoding"] = (form.get("map_encoding") or layout.encoding).strip()[:40]
    chosen["negate"] = "map_negate" in form
    chosen["transfers_from_payee"] = "map_transfers_from_payee" in form
    chosen["quotechar"] = form.get("map_quotechar") or layout.quotechar
    chosen["preset"] = (form.get("map_preset") or "")[:40]
    return chosen
