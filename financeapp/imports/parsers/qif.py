"""QIF (Quicken Interchange Format) -> ParsedFile.

Bank, credit-card, cash and other asset/liability sections become statements (one per account and section type);
`!Account` blocks name the account the following `!Type:` section belongs to (`!Clear:AutoSwitch` ends an account
list, after which no account is current). Category, class, memorized and security lists are not transactions and
are passed over; investment sections (`!Type:Invst`) are skipped with a note.

QIF has no date format declaration (except the rare `!Option:MDY`), so the order of day, month and year is
resolved by scanning every date in the file: a date that only reads one way decides; when both M/D and D/M fit
every date, M/D (Quicken's own) is used with a warning. Two-digit years pivot at 70; Quicken's apostrophe
(`1/ 1'00`) means 2000s, and a three-digit year (`03/25/099`) counts from 1900.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from financeapp.imports.parsed import ParsedFile, ParsedSplit, ParsedStatement, ParsedTransaction, ParseError
from financeapp.imports.parsers._text import UTF8_BOM, guess_amount, is_utf8, make_date, short, squash, year_from

_TYPES = {
    "bank": "checking",
    "ccard": "credit_card",
    "cash": "cash",
    "oth a": "",
    "oth l": "loan",
    "invst": "investment",
}
_LISTS = {"cat", "class", "memorized", "security", "prices", "bill", "invoice", "budget", "tax", "payee"}
_DATE = re.compile(r"\s*(\d{1,4})\s*([/.\-'])\s*(\d{1,2})\s*([/.\-'])\s*(\d{1,4})")
_COMPACT_DATE = re.compile(r"\s*(\d{4})(\d{2})(\d{2})\b")
_ORDERS = ("MDY", "DMY", "YMD")


@dataclass
class _Record:
    row: int
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    splits: list[dict[str, str]] = field(default_factory=list)


@dataclass
class _Section:
    account_name: str
    kind: str  # bank | ccard | cash | oth a | oth l | invst
    records: list[_Record] = field(default_factory=list)


def _decode(data: bytes) -> str:
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    if is_utf8(data):
        return data.decode("utf-8", "replace")
    return data.decode("cp1252", "replace")


def _date_parts(raw: str) -> tuple[str, str, str, bool] | None:
    m = _DATE.match(raw)
    if m:
        return m.group(1), m.group(3), m.group(5), m.group(4) == "'"
    m = _COMPACT_DATE.match(raw)
    if m:
        return m.group(1), m.group(2), m.group(3), False
    return None


def _read_date(raw: str, order: str) -> date | None:
    parts = _date_parts(raw)
    if parts is None:
        return None
    a, b, c, apostrophe = parts
    if len(a) == 4:
        order = "YMD"
    if order == "YMD":
        if len(c) > 2:
            return None
        return make_date(year_from(a), int(b), int(c))
    if len(c) < 2 and not apostrophe:
        return None
    year = year_from(c, apostrophe=apostrophe)
    if order == "MDY":
        return make_date(year, int(a), int(b))
    return make_date(year, int(b), int(a))


def _date_order(records: list[_Record], hint: str | None, warnings: list[str]) -> str:
    dates = [(r, r.fields["D"]) for r in records if r.fields.get("D")]
    if hint:
        return hint
    valid = [o for o in _ORDERS if all(_read_date(raw, o) for _, raw in dates)]
    if not valid:
        best = max(_ORDERS, key=lambda o: sum(1 for _, raw in dates if _read_date(raw, o)))
        record, raw = next((r, raw) for r, raw in dates if _read_date(raw, best) is None)
        raise ParseError(f"“{short(raw)}” (line {record.line}) is not a date.", row=record.row)
    if "MDY" in valid and "DMY" in valid:
        if any(_read_date(raw, "MDY") != _read_date(raw, "DMY") for _, raw in dates):
            warnings.append(
                "Every date in this file reads both as month/day and as day/month; month/day was used. "
                "Check the dates in the preview."
            )
        return "MDY"
    if len(valid) == 1:
        return valid[0]

    def span(order: str) -> int:
        days = [_read_date(raw, order) for _, raw in dates]
        return (max(days) - min(days)).days  # type: ignore[type-var,operator]

    return min(valid, key=lambda o: (span(o), _ORDERS.index(o)))


def _category(raw: str, own_account: str) -> tuple[str, str]:
    """(category, transfer account) from an L line: `Food:Groceries/Class`, `[Savings]`, `--Split--`."""
    value = raw.strip()
    if value.startswith("[") and "]" in value:
        account = value[1 : value.index("]")].strip()
        return "", "" if account == own_account else account
    if value == "--Split--":
        return "", ""
    return value.split("/", 1)[0].strip(), ""


def _amount(raw: str, record: _Record, what: str) -> Decimal:
    value = guess_amount(raw.replace("$", "").lstrip("="))
    if value is None:
        raise ParseError(f"“{short(raw)}” (line {record.line}) is not an amount{what}.", row=record.row)
    return value


def _read(text: str, warnings: list[str]) -> tuple[list[_Section], str | None]:
    sections: dict[tuple[str, str], _Section] = {}
    section: _Section | None = None
    mode = "none"  # none | txn | account | list
    current_account = ("", "")
    account_block: dict[str, str] = {}
    record: _Record | None = None
    hint: str | None = None
    row = 0

    def finish_record() -> None:
        nonlocal record
        if record is not None and section is not None and (record.fields or record.splits):
            section.records.append(record)
        record = None

    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("!"):
            finish_record()
            header = line[1:].strip().lower()
            if header.startswith("type:"):
                kind = header[5:].strip()
                if kind in _TYPES:
                    name, _ = current_account
                    section = sections.setdefault((name, kind), _Section(name, kind))
                    mode = "txn"
                else:
                    section, mode = None, "list"
                    if kind not in _LISTS:
                        warnings.append(f"Section “{line.strip()}” (line {line_no}) is unknown and was skipped.")
            elif header == "account":
                section, mode, account_block = None, "account", {}
            elif header == "clear:autoswitch":
                current_account = ("", "")  # the end of an account list: no account is current
            elif header == "option:autoswitch":
                pass
            elif header.startswith("option:") and header[7:].upper() in _ORDERS:
                hint = header[7:].upper()
            else:
                section, mode = None, "list"
            continue
        code, value = line[0], line[1:].rstrip("\r\n")
        if mode == "account":
            if code == "^":
                if account_block.get("N"):  # the last account named is the one the next !Type: section is for
                    current_account = (account_block["N"].strip(), account_block.get("T", "").strip().lower())
                account_block = {}
            elif code in "NT":
                account_block[code] = value
            continue
        if mode != "txn" or section is None:
            continue
        if code == "^":
            finish_record()
            continue
        if record is None:
            row += 1
            record = _Record(row=row, line=line_no)
        if code == "S":
            record.splits.append({"S": value})
        elif code in "E$%" and section.kind != "invst":
            if not record.splits or code in record.splits[-1]:
                record.splits.append({code: value})
            else:
                record.splits[-1][code] = value
        elif code == "D" and record.splits:
            continue  # a date on a split line (Quicken exports them); the transaction's date stands
        elif code == "A":
            record.fields["A"] = (record.fields.get("A", "") + " " + value).strip()
        else:
            record.fields.setdefault(code, value)
    finish_record()
    return list(sections.values()), hint


def _transaction(record: _Record, order: str, own_account: str, warnings: list[str]) -> ParsedTransaction:
    f = record.fields
    raw_date = f.get("D", "")
    if not raw_date.strip():
        raise ParseError(f"The record starting on line {record.line} has no date (D line).", row=record.row)
    on = _read_date(raw_date, order)
    if on is None:
        raise ParseError(f"“{short(raw_date)}” (line {record.line}) is not a date.", row=record.row)
    raw_amount = f.get("T") or f.get("U")
    splits: list[ParsedSplit] = []
    split_ok = True
    for split in record.splits:
        raw_split = split.get("$", "").strip()
        amount = guess_amount(raw_split.replace("$", "").lstrip("=")) if raw_split else None
        if amount is None:
            split_ok = False
            continue
        category, transfer = _category(split.get("S", ""), own_account)
        splits.append(ParsedSplit(amount=amount, category=f"[{transfer}]" if transfer else category,
                                  memo=squash(split.get("E"))))
    if raw_amount is None or not raw_amount.strip():
        if not splits or not split_ok:
            raise ParseError(f"The record starting on line {record.line} has no amount (T line).", row=record.row)
        total = sum((s.amount for s in splits), Decimal(0))
    else:
        total = _amount(raw_amount, record, "")
    if record.splits and (not split_ok or sum((s.amount for s in splits), Decimal(0)) != total):
        warnings.append(
            f"The splits of the record on line {record.line} do not add up to its amount {total}; "
            "the amount was kept and the splits left out."
        )
        splits = []
    # With splits, the L line only repeats the first split (or says --Split--): the splits carry the categories.
    category, transfer = _category(f.get("L", ""), own_account) if not splits else ("", "")
    return ParsedTransaction(
        row=record.row,
        on=on,
        amount=total,
        payee=squash(f.get("P")),
        memo=squash(f.get("M")),
        category=category,
        check_number=squash(f.get("N")),
        splits=tuple(splits),
        transfer_account=transfer,
    )


def parse_qif(data: bytes) -> ParsedFile:
    """Parse a QIF file. Raises ParseError with the record number for a bad date or amount."""
    warnings: list[str] = []
    text = _decode(data)
    first = next((ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")), "")
    if not first.startswith("!"):
        raise ParseError("This is not a QIF file: it should start with a line such as “!Type:Bank”.")
    sections, hint = _read(text, warnings)
    cash_records = [r for s in sections if s.kind != "invst" for r in s.records]
    order = _date_order(cash_records, hint, warnings) if cash_records else "MDY"
    statements: list[ParsedStatement] = []
    for section in sections:
        statement = ParsedStatement(account_name=section.account_name, account_type=_TYPES[section.kind])
        if section.kind == "invst":
            if section.records:
                n = len(section.records)
                statement.skipped.append(
                    f"{n} investment record{'s' if n != 1 else ''} (!Type:Invst): investments are not imported yet"
                )
        else:
            statement.transactions = [_transaction(r, order, section.account_name, warnings) for r in section.records]
        if statement.transactions or statement.skipped:
            statements.append(statement)
    if not statements:
        warnings.append("The file holds no transactions.")
    return ParsedFile(format="qif", statements=statements, warnings=warnings)
