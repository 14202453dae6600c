"""Bank CSV exports -> ParsedFile, with layout sniffing and column auto-detection.

`sniff(data)` works out the encoding (BOM, UTF-8, UTF-16, else Windows-1252 or a CJK encoding via
charset-normalizer), the delimiter and quote character, the lines above the table, the header row and a few sample
rows, and suggests a `CsvMapping` from the usual header names in English, German, French, Spanish and Dutch.
`parse_csv(data, mapping)` streams the rows through the csv module and raises ParseError with the CSV line number
and the bad value for a date or amount it cannot read. Lines without an amount (pending notices, section titles,
balances) and lines whose date cell holds no digit at all (titles, totals, "***END OF FILE***") are skipped and
listed in the warnings, never dropped silently.

Sign conventions: one signed amount column (optionally with a D/C, Af/Bij, Soll/Haben... indicator column that
sets the sign), or separate debit and credit columns read as absolute values (credit - debit); `negate` flips the
result for exports that write money out as positive numbers.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import charset_normalizer

from financeapp.imports.parsed import ParsedFile, ParseError
from financeapp.imports.parsers._text import (
    bom_encoding,
    decode_errors,
    is_utf8,
    short,
    squash,
    strip_accents,
    tidy,
    utf16_without_bom,
)
from financeapp.imports.parsers.ledger import LedgerRow, assemble, category_path, labels_of

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 256 * 1024
SAMPLE_RECORDS = 200
MAX_ROW_WARNINGS = 20

# Formats offered for CSV dates, strftime-style. Numbers may be unpadded; anything after the date (a time,
# "as of ...") is ignored.
DATE_FORMATS = (
    "%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d",
    "%d.%m.%Y", "%d.%m.%y", "%d-%m-%Y", "%d-%m-%y",
    "%m/%d/%Y", "%m/%d/%y", "%d/%m/%Y", "%d/%m/%y",
    "%d %b %Y", "%d-%b-%Y", "%d-%b-%y", "%d %b %y", "%b %d, %Y", "%b %d %Y",
    "%d%m%Y", "%m-%d-%Y",
)  # fmt: skip

_MONTHS = {
    **dict.fromkeys(("jan", "janv", "ene", "enero", "januar", "janvier", "januari", "jän"), 1),
    **dict.fromkeys(("feb", "fev", "fév", "fevr", "févr", "febr", "februar", "fevrier", "febrero"), 2),
    **dict.fromkeys(("mar", "mär", "mrz", "mrt", "mars", "marz", "märz", "marzo", "maart"), 3),
    **dict.fromkeys(("apr", "avr", "abr", "april", "avril", "abril"), 4),
    **dict.fromkeys(("may", "mai", "mei", "mayo"), 5),
    **dict.fromkeys(("jun", "juin", "juni", "junio"), 6),
    **dict.fromkeys(("jul", "juil", "juli", "julio", "juillet"), 7),
    **dict.fromkeys(("aug", "aou", "aoû", "ago", "august", "aout", "août", "agosto", "augustus"), 8),
    **dict.fromkeys(("sep", "sept", "set", "september", "septembre", "septiembre"), 9),
    **dict.fromkeys(("oct", "okt", "october", "oktober", "octobre", "octubre"), 10),
    **dict.fromkeys(("nov", "november", "novembre", "noviembre"), 11),
    **dict.fromkeys(("dec", "dez", "déc", "dic", "december", "dezember", "decembre", "décembre", "diciembre"), 12),
}

# Header names, normalised (lower case, no accents, no parenthesised parts, punctuation as spaces), best first.
DATE_NAMES = (
    "buchungstag", "buchungsdatum", "buchung", "date", "transaction date", "trans date", "posting date",
    "posted date", "post date", "booking date", "datum", "date operation", "date d operation",
    "date de l operation", "date de operation", "date comptable", "fecha", "fecha operacion",
    "fecha de operacion", "fecha contable", "transactiedatum", "boekdatum", "boekingsdatum", "started date",
    "order date", "datetime", "data", "konyveles datuma", "completed date", "date valeur", "date de valeur",
    "value date", "valutadatum", "valuta", "wertstellung", "wertstellungsdatum", "fecha valor", "rentedatum",
)  # fmt: skip
AMOUNT_NAMES = (
    "amount", "betrag", "montant", "importe", "bedrag", "umsatz", "transaction amount", "brutto", "gross",
    "monto", "importo", "valor", "summe", "osszeg", "net amount", "amount eur", "betrag eur",
)  # fmt: skip
DEBIT_NAMES = (
    "debit", "debits", "debit amount", "withdrawal", "withdrawals", "outflow", "money out", "paid out", "amount out",
    "soll", "ausgang", "belastung", "cargo", "cargos", "debe", "af", "montant debit", "uitgaand",
)  # fmt: skip
CREDIT_NAMES = (
    "credit", "credits", "credit amount", "deposit", "deposits", "inflow", "money in", "paid in", "amount in",
    "haben", "eingang", "gutschrift", "abono", "abonos", "haber", "bij", "montant credit", "inkomend",
)  # fmt: skip
SIGN_NAMES = (
    "af bij", "d c", "c d", "debit credit", "credit debit", "creditdebet", "credit debet", "debet credit", "dr cr",
    "cr dr", "soll haben", "s h", "transaction type", "cdtdbtind",
)  # fmt: skip
PAYEE_NAMES = (
    "payee", "payee name", "name", "beneficiary", "counterparty", "counter party", "auftraggeber empfanger",
    "empfanger", "zahlungsempfanger", "auftraggeber", "name zahlungsbeteiligter", "beguenstigter zahlungspflichtiger",
    "begunstigter zahlungspflichtiger", "auftraggeber begunstigter", "beneficiaire", "tiers", "destinataire",
    "beneficiario", "ordenante", "naam omschrijving", "naam", "tegenpartij", "naam tegenpartij",
    "tegenrekeninghouder", "merchant", "merchant name", "partner name", "partner nev", "contrepartie",
)  # fmt: skip
MEMO_NAMES = (
    "memo", "verwendungszweck", "description", "libelle", "libelle operation", "concepto", "descripcion",
    "omschrijving", "mededelingen", "buchungstext", "umsatztext", "text", "details", "detail", "notes", "note",
    "remarque", "label", "narrative", "purpose", "observaciones", "reference", "referenz", "betreff", "title",
    "item title", "original description", "informations complementaires", "concepto comun", "transaction details",
)  # fmt: skip
ID_NAMES = (
    "transaction id", "transaktionscode", "transaction reference", "fitid", "id", "ref", "reference number",
    "tranzakcioazonosito",
)  # fmt: skip
ACCOUNT_NAMES = ("account", "account name", "konto", "compte", "cuenta", "rekening", "source name")
CURRENCY_NAMES = ("currency", "currency code", "wahrung", "waehrung", "devise", "moneda", "valuta code")
CATEGORY_NAMES = (
    "category", "category group category", "category name", "kategorie", "categorie", "categoria", "rubrik",
)  # fmt: skip
LABEL_NAMES = ("tags", "labels", "tag", "flag")
TRANSFER_NAMES = ("transfer account", "transfer", "transfer to", "to account", "counter account")
SPLIT_NAMES = ("split", "split id", "split group", "group id")
_SIGN_DEBIT = {"d", "db", "dr", "debit", "debet", "af", "s", "soll", "lastschrift", "belastung", "out", "-", "dbit"}
_SIGN_CREDIT = {"c", "cr", "credit", "bij", "h", "haben", "gutschrift", "in", "+", "crdt"}
_ALL_NAMES = frozenset(
    DATE_NAMES + AMOUNT_NAMES + DEBIT_NAMES + CREDIT_NAMES + SIGN_NAMES + PAYEE_NAMES + MEMO_NAMES + ID_NAMES
    + ACCOUNT_NAMES + CATEGORY_NAMES + LABEL_NAMES + TRANSFER_NAMES + SPLIT_NAMES
)

# Exports of other apps, recognised by their header (normalised names): the preset's columns by name.
PRESETS: dict[str, dict[str, object]] = {
    # Firefly III: one journal per row, from a source to a destination account; "type" says which side is
    # the user's (withdrawal: the source; deposit: the destination; transfer: both). Tags joined by commas.
    "Firefly III": {
        "required": ("type", "amount", "description", "date", "source name", "destination name"),
        "columns": {"date_column": "date", "amount_column": "amount", "memo_column": "description",
                    "account_column": "source name", "destination_column": "destination name",
                    "type_column": "type", "currency_column": "currency code", "category_column": "category",
                    "labels_column": "tags", "split_column": "group id"},
        "flags": {},
    },
    # Actual: Account, Date, Payee, Notes, Category, Amount[, Split_Amount], Cleared; a transfer's payee is
    # the other account.
    "Actual": {
        "required": ("account", "date", "payee", "notes", "category", "amount"),
        "columns": {"date_column": "date", "amount_column": "amount", "payee_column": "payee",
                    "memo_column": "notes", "account_column": "account", "category_column": "category"},
        "flags": {"transfers_from_payee": True},
    },
    # YNAB's register: Account, Flag, Date, Payee, Category Group/Category, ..., Memo, Outflow, Inflow, Cleared;
    # a transfer's payee is "Transfer : <account>".
    "YNAB": {
        "required": ("account", "date", "payee", "category group category", "memo", "outflow", "inflow"),
        "columns": {"date_column": "date", "debit_column": "outflow", "credit_column": "inflow",
                    "payee_column": "payee", "memo_column": "memo", "account_column": "account",
                    "category_column": "category group category", "labels_column": "flag"},
        "flags": {"transfers_from_payee": True},
    },
}


@dataclass(frozen=True)
class CsvMapping:
    """How to read one bank's CSV layout; columns are 0-based indexes. Stored as JSON via to_dict()/from_dict()."""

    date_column: int
    date_format: str = "%Y-%m-%d"
    amount_column: int | None = None
    debit_column: int | None = None
    credit_column: int | None = None
    payee_column: int | None = None
    memo_column: int | None = None
    external_id_column: int | None = None
    sign_column: int | None = None  # a D/C, Af/Bij, Soll/Haben... indicator that sets the amount's sign
    decimal_separator: str = "."
    thousands_separator: str = ","
    negate: bool = False
    header_row: int | None = 0  # 0-based CSV record of the header; None when the file has no header
    delimiter: str = ","
    quotechar: str = '"'
    encoding: str = "utf-8"
    # Files of many accounts (one row per booking, an account column): see parsers/ledger.py.
    account_column: int | None = None
    currency_column: int | None = None
    category_column: int | None = None  # "Group/Name", "Group:Name" or "Group > Name"
    labels_column: int | None = None
    transfer_column: int | None = None  # the other account of a transfer
    split_column: int | None = None  # rows sharing an id (and date, account, payee) are one split
    destination_column: int | None = None  # with type_column: rows from the account column to this one
    type_column: int | None = None  # Firefly III: withdrawal | deposit | transfer | opening balance
    transfers_from_payee: bool = False  # "Transfer : Savings", or a payee that is one of the file's accounts
    preset: str = ""  # the app whose export this is, when recognised

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CsvMapping:
        """Rebuild a stored mapping; unknown keys are ignored, wrong types raise ValueError."""
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name not in known:
                continue
            if name.endswith("_column") or name == "header_row":
                if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                    raise ValueError(f"{name} must be a column number or null")
            elif name in ("negate", "transfers_from_payee"):
                if not isinstance(value, bool):
                    raise ValueError(f"{name} must be true or false")
            elif not isinstance(value, str):
                raise ValueError(f"{name} must be a string")
            values[name] = value
        if "date_column" not in values or values["date_column"] is None:
            raise ValueError("date_column is required")
        mapping = cls(**values)
        mapping.check()
        return mapping

    def check(self) -> None:
        """Raise ValueError when the mapping cannot work (no amount column, bad separators...)."""
        if self.amount_column is None and (self.debit_column is None or self.credit_column is None):
            raise ValueError("Choose an amount column, or both a debit and a credit column.")
        if self.amount_column is not None and (self.debit_column is not None or self.credit_column is not None):
            raise ValueError("Choose either an amount column or debit and credit columns, not both.")
        if self.destination_column is not None and self.account_column is None:
            raise ValueError("A destination account column needs a source account column.")
        if self.decimal_separator not in (".", ","):
            raise ValueError("The decimal separator must be '.' or ','.")
        thousands = self.thousands_separator
        if thousands not in ("", ".", ",", " ", "'") or thousands == self.decimal_separator:
            raise ValueError("The thousands separator must differ from the decimal separator.")
        if len(self.delimiter) != 1 or len(self.quotechar) != 1:
            raise ValueError("The delimiter and the quote character must be single characters.")
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise ValueError(f"Unknown encoding {self.encoding!r}.") from None
        _date_pattern(self.date_format)


@dataclass(frozen=True)
class CsvLayout:
    """What sniff() found: enough for a mapping form (header, samples) and a suggested mapping when it could."""

    encoding: str
    delimiter: str
    quotechar: str
    header_row: int | None
    header: tuple[str, ...]
    sample_rows: tuple[tuple[str, ...], ...]
    preamble: tuple[str, ...]  # the lines above the header, for the mapping page
    column_count: int
    suggested: CsvMapping | None
    problems: tuple[str, ...] = ()  # the columns auto-detection could not recognise
    notes: tuple[str, ...] = ()  # assumptions worth a look (ambiguous day/month order...)
    preset: str = ""  # "Firefly III", "Actual", "YNAB" when the header is that app's export

    @property
    def columns(self) -> list[str]:
        """A label per column: the header cell, or "Column N" for files without a header."""
        return [
            (self.header[i].strip() if i < len(self.header) and self.header[i].strip() else f"Column {i + 1}")
            for i in range(self.column_count)
        ]


# --- encoding and layout -------------------------------------------------------------------------------------------


def detect_encoding(data: bytes) -> str:
    bom = bom_encoding(data)
    if bom:
        return bom
    utf16 = utf16_without_bom(data)
    if utf16:
        return utf16
    if is_utf8(data):
        return "utf-8"
    best = charset_normalizer.from_bytes(
        data[:SAMPLE_BYTES], cp_isolation=["cp1252", "euc_jp", "shift_jis", "gb18030", "big5", "euc_kr", "cp1251"]
    ).best()
    if best is not None and best.encoding in ("euc_jp", "shift_jis", "gb18030", "big5", "euc_kr", "cp1251"):
        return best.encoding
    return "cp1252"  # Windows-1252 (a superset of Latin-1's printable characters) is what such exports are


def _sample_text(data: bytes, encoding: str) -> str:
    chunk = data[:SAMPLE_BYTES]
    errors = decode_errors(encoding) if encoding == "cp1252" else "replace"
    text = chunk.decode(encoding, errors)
    if len(data) > SAMPLE_BYTES:
        cut = max(text.rfind("\n"), 0)
        text = text[:cut]
    return text.lstrip("\ufeff")


def _records(text: str, delimiter: str, quotechar: str, limit: int = SAMPLE_RECORDS) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar,
                        skipinitialspace=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) >= limit:
                break
    except csv.Error:
        pass  # a sample cut inside a quoted field: what was read is enough to judge the layout
    return rows


def _detect_dialect(text: str) -> tuple[str, str]:
    quotechar = '"'
    if '"' not in text and re.search(r"(^|[,;\t|])'", text, re.MULTILINE):
        quotechar = "'"
    best, best_score = ",", (-1, 0)
    for delimiter in DELIMITERS:
        counts = [len(r) for r in _records(text, delimiter, quotechar, 60) if sum(1 for c in r if c.strip()) >= 1]
        if not counts:
            continue
        modal, freq = Counter(counts).most_common(1)[0]
        score = (freq if modal > 1 else 0, modal)
        if score > best_score:
            best, best_score = delimiter, score
    return best, quotechar


def normalise_header(name: str) -> str:
    name = strip_accents(name.replace("ß", "ss")).lower()
    name = re.sub(r"\([^)]*\)", " ", name)
    return re.sub(r"[^a-z0-9]+", " ", name).strip()


def _header_score(row: list[str]) -> int:
    return sum(1 for cell in row if normalise_header(cell) in _ALL_NAMES)


# --- values --------------------------------------------------------------------------------------------------------

_BIDI = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"))
_ISO_CODE = re.compile(r"^[A-Z]{3}(?=[\s\d+\-(.,])|(?<=[\d\s.,)\-+])[A-Z]{3}$")
_NON_LATIN_AFFIX = re.compile(r"^(?:[^\W\d_A-Za-z][.]?)+|(?:[^\W\d_A-Za-z][.]?)+$")
_NUMBER = re.compile(r"\d+(\.\d+)?|\.\d+")


_PLAIN: dict[tuple[str, str], re.Pattern[str]] = {}


def _plain_pattern(decimal_separator: str, thousands_separator: str) -> re.Pattern[str]:
    """Amounts written plainly ('-1.234,56', '12.5'): the fast path for the common case."""
    key = (decimal_separator, thousands_separator)
    pattern = _PLAIN.get(key)
    if pattern is None:
        t = re.escape(thousands_separator) if thousands_separator in (".", ",") else ""
        whole = rf"(?:\d{{1,3}}(?:{t}\d{{3}})+|\d+)" if t else r"\d+"
        pattern = _PLAIN[key] = re.compile(rf"[+-]?{whole}(?:{re.escape(decimal_separator)}\d+)?")
    return pattern


def parse_amount(raw: str, decimal_separator: str = ".", thousands_separator: str = ",") -> Decimal | None:
    """'1.234,56', '(12.50)', '12.50-', '- $12.01', 'EUR -5,00', '<Arabic currency>4.750' -> Decimal.

    None when the cell is not a number (letters other than a currency code or symbol, stray separators).
    """
    s = raw.strip()
    if _plain_pattern(decimal_separator, thousands_separator).fullmatch(s):
        if thousands_separator in (".", ","):
            s = s.replace(thousands_separator, "")
        value = Decimal(s.replace(decimal_separator, ".") if decimal_separator != "." else s)
        return tidy(value) if not value or value.as_tuple().exponent < -2 else value  # type: ignore[operator]
    s = s.translate(_BIDI).strip().replace("\u2212", "-")
    if not s:
        return None
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    s = "".join(c for c in s if unicodedata.category(c) != "Sc")
    s = _ISO_CODE.sub("", s.strip())
    s = _NON_LATIN_AFFIX.sub("", s.strip())
    s = s.replace(" ", "").replace("\u00a0", "").replace("\u202f", "").replace("'", "")
    if s.endswith("-"):
        negative, s = not negative, s[:-1]
    elif s.endswith("+"):
        s = s[:-1]
    if s.startswith("-"):
        negative, s = not negative, s[1:]
    elif s.startswith("+"):
        s = s[1:]
    if s.startswith("(") and s.endswith(")"):
        negative, s = not negative, s[1:-1]
    if not s:
        return None
    t, d = thousands_separator, decimal_separator
    if t and t not in (" ", "'") and t in s:
        whole = s.split(d, 1)[0] if d in s else s
        if re.fullmatch(rf"\d{{1,3}}({re.escape(t)}\d{{3}})+", whole):
            s = s.replace(t, "")
        elif d not in s and s.count(t) == 1 and re.fullmatch(rf"\d+{re.escape(t)}\d{{1,2}}", s):
            s = s.replace(t, d)  # "12.50" in a decimal-comma file is still 12.50
        else:
            return None
    if d != ".":
        s = s.replace(d, ".")
    if not _NUMBER.fullmatch(s):
        return None
    try:
        value = Decimal(s)
    except InvalidOperation:  # pragma: no cover - the regex rules this out
        return None
    return tidy(-value if negative else value)


def _separators(values: list[str], delimiter: str) -> tuple[str, str]:
    comma = dot = weak_comma = weak_dot = 0
    for raw in values:
        v = re.sub(r"[^\d.,]", "", raw)
        if not v:
            continue
        if "," in v and "." in v:
            if v.rfind(",") > v.rfind("."):
                comma += 1
            else:
                dot += 1
        elif re.search(r",\d{1,2}$", v) or re.search(r",\d{4,}$", v):
            comma += 1
        elif re.search(r"\.\d{1,2}$", v) or re.search(r"\.\d{4,}$", v):
            dot += 1
        elif re.search(r",\d{3}$", v):
            weak_comma += 1
        elif re.search(r"\.\d{3}$", v):
            weak_dot += 1
    european = (",", ".")
    english = (".", ",")
    if comma != dot:
        return european if comma > dot else english
    if weak_comma and not weak_dot:
        return english  # "1,280" groups thousands
    # Nothing decisive ("1.500", "2500"): semicolon files come from decimal-comma countries.
    return european if delimiter == ";" else english


_TOKEN_RE = {"%d": r"(?P<d>\d{1,2})", "%m": r"(?P<m>\d{1,2})", "%Y": r"(?P<Y>\d{4})", "%y": r"(?P<y>\d{2})",
             "%b": r"(?P<b>[^\W\d_]{3,9})\.?"}
_FIXED_RE = {"%d": r"(?P<d>\d{2})", "%m": r"(?P<m>\d{2})"}
_PATTERNS: dict[str, re.Pattern[str]] = {}


def _date_pattern(fmt: str) -> re.Pattern[str]:
    pattern = _PATTERNS.get(fmt)
    if pattern is not None:
        return pattern
    out, i, seen = [], 0, set()
    while i < len(fmt):
        token = fmt[i : i + 2]
        if token in _TOKEN_RE:
            if token in seen:
                raise ValueError(f"The date format {fmt!r} repeats {token}.")
            seen.add(token)
            adjacent = fmt[i + 2 : i + 3] == "%"
            out.append(_FIXED_RE.get(token, _TOKEN_RE[token]) if adjacent else _TOKEN_RE[token])
            i += 2
        elif fmt[i] == "%":
            raise ValueError(f"The date format {fmt!r} uses {token}; use %d, %m, %Y, %y and %b.")
        else:
            out.append(r"\s+" if fmt[i].isspace() else re.escape(fmt[i]))
            i += 1
    if "%d" not in seen or ("%m" not in seen and "%b" not in seen) or ("%Y" not in seen and "%y" not in seen):
        raise ValueError(f"The date format {fmt!r} needs a day, a month and a year.")
    pattern = re.compile(r"\s*" + "".join(out) + r"(?!\d)", re.IGNORECASE)
    _PATTERNS[fmt] = pattern
    return pattern


def parse_date(raw: str, fmt: str) -> date | None:
    m = _date_pattern(fmt).match(raw)
    if not m:
        return None
    parts = m.groupdict()
    if parts.get("Y"):
        year = int(parts["Y"])
    else:
        yy = int(parts["y"])
        year = 2000 + yy if yy < 70 else 1900 + yy
    if parts.get("b"):
        month = _MONTHS.get(parts["b"].lower())
        if month is None:
            return None
    else:
        month = int(parts["m"])
    try:
        return date(year, month, int(parts["d"]))
    except ValueError:
        return None


def human_format(fmt: str) -> str:
    """'%d.%m.%Y' -> 'DD.MM.YYYY', for messages."""
    for token, text in (("%d", "DD"), ("%m", "MM"), ("%Y", "YYYY"), ("%y", "YY"), ("%b", "Mon")):
        fmt = fmt.replace(token, text)
    return fmt


def _date_formats(values: list[str], decimal_separator: str) -> list[str]:
    """Every format that reads all the sample dates, the likeliest first."""
    values = [v for v in values if any(ch.isdigit() for ch in v)]
    if not values:
        return []
    order = list(DATE_FORMATS)
    if decimal_separator == ",":  # a decimal-comma country writes the day first
        order.sort(key=lambda f: 0 if f.startswith("%d/") else 1 if f.startswith("%m/") else -1)
    fits = [f for f in order if all(parse_date(v, f) for v in values)]
    if fits:
        return fits
    # No format reads every sample: take the one that reads most of them, so the bad row is named when parsing.
    counts = {f: sum(1 for v in values if parse_date(v, f)) for f in order}
    best = max(order, key=lambda f: counts[f])
    return [best] if counts[best] * 2 >= len(values) else []


# --- auto-detection ------------------------------------------------------------------------------------------------


def _find(names: tuple[str, ...], header: list[str], used: set[int]) -> int | None:
    for name in names:
        for i, cell in enumerate(header):
            if i not in used and cell == name:
                return i
    return None


def _column(rows: list[list[str]], index: int) -> list[str]:
    return [r[index].strip() for r in rows if index < len(r) and r[index].strip()]


def _preset(norm: list[str]) -> str:
    """The app whose export has this (normalised) header, or ""."""
    names = set(norm)
    return next((name for name, preset in PRESETS.items() if set(preset["required"]) <= names), "")  # type: ignore[arg-type]


def _preset_columns(preset: str, norm: list[str]) -> dict[str, object]:
    spec = PRESETS[preset]
    columns: dict[str, object] = {key: norm.index(name) for key, name in spec["columns"].items()  # type: ignore[union-attr]
                                  if name in norm}
    columns.update(spec["flags"])  # type: ignore[arg-type]
    return columns


def _guess_columns(norm: list[str], rows: list[list[str]], problems: list[str]) -> dict[str, object]:
    """Columns by their usual header names, the filled one first where two could be meant."""
    used: set[int] = set()

    def take(names: tuple[str, ...], *, filled: bool = False) -> int | None:
        index = None
        if filled:  # a column with values beats a better-named empty one ("Dátum" vs "Könyvelés dátuma")
            empty = {i for i in range(len(norm)) if not _column(rows, i)} if rows else set()
            index = _find(names, norm, used | empty)
        if index is None:
            index = _find(names, norm, used)
        if index is not None:
            used.add(index)
        return index

    columns: dict[str, object] = {"date_column": take(DATE_NAMES, filled=True),
                                  "amount_column": take(AMOUNT_NAMES, filled=True)}
    if columns["amount_column"] is None:
        columns["debit_column"], columns["credit_column"] = take(DEBIT_NAMES), take(CREDIT_NAMES)
        if columns["debit_column"] is None or columns["credit_column"] is None:
            problems.append("amount (or debit and credit)")
    else:
        candidate = _find(SIGN_NAMES, norm, used)
        if candidate is not None:
            values = {v.lower() for v in _column(rows, candidate)}
            if values and values <= (_SIGN_DEBIT | _SIGN_CREDIT):
                columns["sign_column"] = candidate
                used.add(candidate)
    # The ledger columns first: "account" and "category" must not be taken for a payee or memo.
    for key, names in (("account_column", ACCOUNT_NAMES), ("currency_column", CURRENCY_NAMES),
                       ("category_column", CATEGORY_NAMES), ("labels_column", LABEL_NAMES),
                       ("transfer_column", TRANSFER_NAMES), ("split_column", SPLIT_NAMES)):
        columns[key] = take(names)
    payee_col = take(PAYEE_NAMES)
    memo_col = take(MEMO_NAMES)
    if payee_col is None and memo_col is not None:
        payee_col, memo_col = memo_col, take(MEMO_NAMES)
    columns["payee_column"], columns["memo_column"] = payee_col, memo_col
    columns["external_id_column"] = take(ID_NAMES)
    return columns


def _suggest(
    header: list[str], rows: list[list[str]], delimiter: str, quotechar: str, encoding: str, header_row: int | None
) -> tuple[CsvMapping | None, list[str], list[str], str]:
    norm = [normalise_header(h) for h in header]
    problems: list[str] = []
    notes: list[str] = []
    preset = _preset(norm)
    columns = _preset_columns(preset, norm) if preset else _guess_columns(norm, rows, problems)
    date_col = columns.get("date_column")
    if date_col is None:
        problems.append("date")

    money_cols = [c for c in (columns.get(k) for k in ("amount_column", "debit_column", "credit_column"))
                  if isinstance(c, int)]
    decimal_sep, thousands_sep = _separators([v for c in money_cols for v in _column(rows, c)], delimiter)
    date_format = "%Y-%m-%d"
    if isinstance(date_col, int):
        values = _column(rows, date_col)
        formats = _date_formats(values, decimal_sep)
        if formats:
            date_format = formats[0]
            if any(f.startswith("%m/") for f in formats) and any(f.startswith("%d/") for f in formats):
                other = next(f for f in formats[1:] if f[:3] != date_format[:3])
                notes.append(
                    f"The dates read both as {human_format(date_format)} and as {human_format(other)}; "
                    f"{human_format(date_format)} was assumed."
                )
        elif any(any(ch.isdigit() for ch in v) for v in values):
            problems.append(f"date format (for example “{short(values[0])}”)")
    if problems:
        return None, problems, notes, preset
    try:
        mapping = CsvMapping(**{k: v for k, v in columns.items() if v is not None},  # type: ignore[arg-type]
                             date_format=date_format, decimal_separator=decimal_sep,
                             thousands_separator=thousands_sep, header_row=header_row, delimiter=delimiter,
                             quotechar=quotechar, encoding=encoding, preset=preset)
        mapping.check()
    except ValueError as err:
        return None, [str(err)], notes, preset
    return mapping, problems, notes, preset


def sniff(data: bytes) -> CsvLayout:
    """Work out the layout of a CSV file and suggest a mapping. Raises ParseError for an empty or binary file."""
    if not data.strip():
        raise ParseError("The file is empty.")
    encoding = detect_encoding(data)
    text = _sample_text(data, encoding)
    if "\x00" in text:
        raise ParseError("This is not a text file: it contains binary data.")
    delimiter, quotechar = _detect_dialect(text)
    records = _records(text, delimiter, quotechar)
    scores = [(_header_score(r), -i) for i, r in enumerate(records[:40])]
    best = max(scores, default=(0, 0))
    header_row: int | None = -best[1] if best[0] >= 2 else None
    if header_row is None and best[0] == 1:
        # One known name ("Date,Who,What") still makes a header when no cell of that row is a number or a date.
        row = records[-best[1]]
        if not any(re.search(r"\d", cell) for cell in row):
            header_row = -best[1]
    if header_row is not None:
        header = records[header_row]
        body = records[header_row + 1 :]
        preamble = tuple(delimiter.join(r).strip(delimiter + " ") for r in records[:header_row])
    else:
        header, body, preamble = [], records, ()
    rows = [r for r in body if any(c.strip() for c in r)]
    column_count = max([len(header), *(len(r) for r in rows[:50])], default=0)
    preset = ""
    if header_row is None:
        suggested, problems, notes = None, ["header row (this file has none: map the columns by hand)"], []
    else:
        suggested, problems, notes, preset = _suggest(header, rows, delimiter, quotechar, encoding, header_row)
    return CsvLayout(
        encoding=encoding,
        delimiter=delimiter,
        quotechar=quotechar,
        header_row=header_row,
        header=tuple(header),
        sample_rows=tuple(tuple(r) for r in rows[:5]),
        preamble=preamble,
        column_count=column_count,
        suggested=suggested,
        problems=tuple(problems),
        notes=tuple(notes),
        preset=preset,
    )


def header_signature(layout: CsvLayout) -> str:
    """sha256 of the normalised header (or of the column count for header-less files), to find a saved mapping."""
    if layout.header_row is None:
        key = f"<no header>{layout.delimiter}{layout.column_count}"
    else:
        key = "\x1f".join(normalise_header(h) for h in layout.header)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


# --- parsing -------------------------------------------------------------------------------------------------------


def _rows(data: bytes, mapping: CsvMapping) -> Iterator[tuple[int, list[str]]]:
    """(CSV line number where the record starts, cells) for the header (line 0 is never a data line:
    the header is yielded first, when the mapping has one) and every record after it."""
    encoding = mapping.encoding
    if encoding.replace("_", "-").lower() in ("utf-8", "utf8") and data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors=decode_errors(encoding), newline="")
    reader = csv.reader(stream, delimiter=mapping.delimiter, quotechar=mapping.quotechar, skipinitialspace=True)
    previous = 0
    index = -1
    try:
        for index, record in enumerate(reader):
            line = previous + 1
            previous = reader.line_num
            if mapping.header_row is not None and index < mapping.header_row:
                continue
            yield (0 if index == mapping.header_row else line), record
    except UnicodeDecodeError as err:
        raise ParseError(
            f"The file is not in the {mapping.encoding} encoding (byte {err.start} cannot be read).",
            row=previous + 1,
        ) from None
    except csv.Error as err:
        raise ParseError(f"The CSV cannot be read here: {err}.", row=previous + 1) from None


@dataclass
class _Skips:
    warnings: list[str] = field(default_factory=list)
    count: int = 0

    def add(self, message: str) -> None:
        self.count += 1
        if self.count <= MAX_ROW_WARNINGS:
            self.warnings.append(message)


@dataclass
class _Width:
    """How many fields a data row has: the header's, give or take one trailing empty field.

    A trailing delimiter on every data line (or only on the header) is an empty last column. Any other
    difference means the row's fields are not where the header says (an unquoted comma in an amount),
    so the row is refused, never read with its fields shifted or cut. The one exception is a header
    shorter than every data row (an export whose last text runs on over extra fields): then no row fits
    and the extra fields are left out with a warning.
    """

    fields: int | None = None  # None until the header (or, without one, the first data row) is seen
    header_ends_empty: bool = False
    seen_fit: bool = False
    first_misfit: tuple[int, int] | None = None  # (line, fields)
    only_longer: bool = True

    def fits(self, record: list[str]) -> bool:
        n = len(record)
        if self.fields is None:
            self.fields = n
        return n == self.fields or (n == self.fields + 1 and not record[-1].strip()) \
            or (n == self.fields - 1 and self.header_ends_empty)

    def error(self, line: int, n: int) -> ParseError:
        return ParseError(f"This row has {n} fields but the header has {self.fields}: a field is missing or one "
                          "holds an unquoted delimiter (a comma in an amount?).", row=line)

    def check(self, record: list[str], line: int) -> bool:
        """Whether the row fits; raises once the file is known to have rows that do."""
        if self.fits(record):
            self.seen_fit = True
            if self.first_misfit is not None:
                raise self.error(*self.first_misfit)
            return True
        if self.seen_fit:
            raise self.error(line, len(record))
        self.first_misfit = self.first_misfit or (line, len(record))
        self.only_longer = self.only_longer and len(record) > (self.fields or 0)
        return False

    def finish(self, warnings: list[str]) -> None:
        if self.first_misfit is None:
            return
        if not self.only_longer:
            raise self.error(*self.first_misfit)
        warnings.append(f"The header names {self.fields} columns but every row has more; the fields beyond "
                        "the header were left out.")


def _amount(record: list[str], mapping: CsvMapping, money_cols: tuple[int | None, ...], line: int) -> Decimal:
    dec, thou = mapping.decimal_separator, mapping.thousands_separator
    raw_money = [record[c].strip() for c in money_cols]  # type: ignore[index]
    if mapping.amount_column is not None:
        amount = parse_amount(raw_money[0], dec, thou)
        if amount is None:
            raise ParseError(f"“{short(raw_money[0])}” is not an amount.", row=line)
        if mapping.sign_column is not None:
            indicator = record[mapping.sign_column].strip().lower()
            if indicator in _SIGN_DEBIT:
                amount = -abs(amount)
            elif indicator in _SIGN_CREDIT:
                amount = abs(amount)
            elif indicator:
                raise ParseError(f"“{short(record[mapping.sign_column])}” is not a debit/credit indicator.",
                                 row=line)
    else:
        amount = Decimal(0)
        for raw, sign in zip(raw_money, (-1, 1), strict=True):
            if raw in ("", "-", "–"):
                continue
            value = parse_amount(raw, dec, thou)
            if value is None:
                raise ParseError(f"“{short(raw)}” is not an amount.", row=line)
            amount += sign * abs(value)
    if mapping.negate:
        amount = -amount
    return amount if amount else amount + 0  # no -0


def _cell(record: list[str], column: int | None) -> str:
    return squash(record[column]) if column is not None else ""


def _ledger_row(record: list[str], mapping: CsvMapping, line: int, on: date, amount: Decimal) -> LedgerRow:
    """A data row with its account, category, tags, transfer and split id."""
    row = LedgerRow(
        row=line, on=on, amount=amount, payee=_cell(record, mapping.payee_column),
        memo=_cell(record, mapping.memo_column),
        external_id=(record[mapping.external_id_column].strip() or None)
        if mapping.external_id_column is not None else None,
        account=_cell(record, mapping.account_column)[:80], currency=_cell(record, mapping.currency_column),
        category=category_path(_cell(record, mapping.category_column)),
        labels=labels_of(_cell(record, mapping.labels_column)),
        transfer=_cell(record, mapping.transfer_column)[:80], split_id=_cell(record, mapping.split_column),
    )
    if mapping.destination_column is not None:
        _from_source_to_destination(row, record, mapping)
    return row


def _from_source_to_destination(row: LedgerRow, record: list[str], mapping: CsvMapping) -> None:
    """Firefly III's rows go from a source account to a destination account; the user's side is the
    source of a withdrawal, the destination of a deposit, both of a transfer (written once)."""
    source, destination = row.account, _cell(record, mapping.destination_column)[:80]
    kind = _cell(record, mapping.type_column).casefold()
    if kind == "transfer":
        row.amount, row.transfer = -abs(row.amount), destination
        return
    money_in = kind == "deposit" or (kind != "withdrawal" and row.amount > 0)
    row.amount = abs(row.amount) if money_in else -abs(row.amount)
    row.account, counterpart = (destination, source) if money_in else (source, destination)
    row.payee = row.payee or counterpart


def parse_csv(data: bytes, mapping: CsvMapping) -> ParsedFile:
    """Read every row with `mapping`. Raises ParseError(row=<CSV line>) at the first bad date or amount,
    or a row whose fields do not line up with the header."""
    try:
        mapping.check()
    except ValueError as err:
        raise ParseError(f"The column mapping cannot be used: {err}") from None
    date_col, fmt = mapping.date_column, mapping.date_format
    money_cols = (
        (mapping.amount_column,) if mapping.amount_column is not None else (mapping.debit_column, mapping.credit_column)
    )
    used = [getattr(mapping, f.name) for f in fields(mapping) if f.name.endswith("_column")]
    width = 1 + max(c for c in used if c is not None)
    skips = _Skips()
    fit = _Width()
    rows: list[LedgerRow] = []
    for line, record in _rows(data, mapping):
        if line == 0:  # the header
            fit.fields, fit.header_ends_empty = len(record), bool(record) and not record[-1].strip()
            continue
        if not any(c.strip() for c in record):
            continue  # a blank line
        cells = record + [""] * (width - len(record)) if len(record) < width else record
        raw_date = cells[date_col].strip()
        if all(cells[c].strip() in ("", "-", "–") for c in money_cols):  # type: ignore[index]
            skips.add(f"Row {line} has no amount and was skipped.")
            continue
        if not any(ch.isdigit() for ch in raw_date):
            label = f"“{short(raw_date)}”" if raw_date else "an empty date"
            skips.add(f"Row {line} was skipped: {label} is not a date (a title, total or notice line).")
            continue
        fits = fit.check(record, line)
        try:
            on = parse_date(raw_date, fmt)
            if on is None:
                raise ParseError(f"“{short(raw_date)}” is not a date in the format {human_format(fmt)}.", row=line)
            rows.append(_ledger_row(cells, mapping, line, on, _amount(cells, mapping, money_cols, line)))
        except ParseError:
            if not fits:
                raise fit.error(line, len(record)) from None
            raise
    warnings = skips.warnings
    fit.finish(warnings)
    if skips.count > MAX_ROW_WARNINGS:
        warnings.append(f"… and {skips.count - MAX_ROW_WARNINGS} more lines skipped.")
    if not rows:
        warnings.append("The file holds no transactions.")
    statements = assemble(rows, transfers_from_payee=mapping.transfers_from_payee)
    return ParsedFile(format="csv", statements=statements, warnings=warnings)
