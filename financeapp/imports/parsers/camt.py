"""ISO 20022 CAMT.053 bank statements (also CAMT.052 reports and CAMT.054 notifications) -> ParsedFile.

Read with defusedxml (no entity expansion, no external references). Each Stmt/Rpt/Ntfctn becomes a statement
(IBAN, or Othr/Id when the account has no IBAN; Acct/Ccy or the entries' currency; the CLBD closing balance).
Each Ntry becomes a transaction, except a batch entry with several TxDtls, which becomes one transaction per
TxDtls. The sign comes from CdtDbtInd (DBIT = money out); the payee is the counterparty (the creditor of a
debit, the debtor of a credit); the memo is RmtInf/Ustrd (lines joined), else the structured reference or the
additional entry information; the external id is AcctSvcrRef, else NtryRef, else EndToEndId (placeholders
such as NOTPROVIDED and NONREF do not count).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as XmlParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from financeapp.imports.parsed import ParsedFile, ParsedStatement, ParsedTransaction, ParseError
from financeapp.imports.parsers._text import short, squash, tidy

_KINDS = {
    "camt.053": ("BkToCstmrStmt", "Stmt"),
    "camt.052": ("BkToCstmrAcctRpt", "Rpt"),
    "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}
_PLACEHOLDERS = {"", "NOTPROVIDED", "NONREF", "NOT PROVIDED", "NONE"}


class _Ns:
    """find/findall/text with the document's namespace, written as plain paths ('Acct/Id/IBAN')."""

    def __init__(self, uri: str) -> None:
        self.prefix = f"{{{uri}}}" if uri else ""
        self._paths: dict[str, str] = {}

    def path(self, path: str) -> str:
        qualified = self._paths.get(path)
        if qualified is None:
            qualified = "/".join(p if p in (".", "..") else self.prefix + p for p in path.split("/"))
            self._paths[path] = qualified
        return qualified

    def find(self, el: Element | None, path: str) -> Element | None:
        return None if el is None else el.find(self.path(path))

    def findall(self, el: Element | None, path: str) -> list[Element]:
        return [] if el is None else el.findall(self.path(path))

    def text(self, el: Element | None, *paths: str) -> str:
        for path in paths:
            found = self.find(el, path)
            if found is not None and found.text and found.text.strip():
                return found.text.strip()
        return ""


def _date(value: str) -> date | None:
    m = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _amount(value: str, row: int | None, what: str) -> Decimal:
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        amount = None  # type: ignore[assignment]
    if amount is None or not amount.is_finite():
        raise ParseError(f"{what} “{short(value)}” is not an amount.", row=row)
    return tidy(amount)


def _ref(*values: str) -> str | None:
    for value in values:
        if value and value.strip().upper() not in _PLACEHOLDERS:
            return value.strip()
    return None


def _party(ns: _Ns, details: Element | None, role: str) -> str:
    return ns.text(
        details,
        f"RltdPties/{role}/Nm",
        f"RltdPties/{role}/Pty/Nm",
        f"RltdPties/Ultmt{role}/Nm",
        f"RltdPties/Ultmt{role}/Pty/Nm",
    )


def _memo(ns: _Ns, details: Element | None, entry: Element) -> str:
    lines = [el.text.strip() for el in ns.findall(details, "RmtInf/Ustrd") if el.text and el.text.strip()]
    if lines:
        return squash(" ".join(lines))
    return squash(
        ns.text(details, "RmtInf/Strd/CdtrRefInf/Ref", "AddtlTxInf") or ns.text(entry, "AddtlNtryInf")
    )


def _statement(ns: _Ns, node: Element, first_row: int, warnings: list[str]) -> ParsedStatement:
    account = ns.find(node, "Acct")
    number = ns.text(account, "Id/IBAN", "Id/Othr/Id")
    currency = ns.text(account, "Ccy").upper() or None
    statement = ParsedStatement(account_number=number.replace(" ", ""), currency=currency)

    for balance in ns.findall(node, "Bal"):
        if ns.text(balance, "Tp/CdOrPrtry/Cd").upper() != "CLBD":
            continue
        amount = _amount(ns.text(balance, "Amt"), None, "The closing balance")
        if ns.text(balance, "CdtDbtInd").upper() == "DBIT":
            amount = -amount
        statement.closing_balance = amount
        statement.closing_date = _date(ns.text(balance, "Dt/Dt", "Dt/DtTm"))
        amt = ns.find(balance, "Amt")
        if statement.currency is None and amt is not None and amt.get("Ccy"):
            statement.currency = amt.get("Ccy", "").upper()

    row = first_row
    for entry in ns.findall(node, "Ntry"):
        row += 1
        amt_el = ns.find(entry, "Amt")
        if amt_el is None or not (amt_el.text or "").strip():
            raise ParseError("the entry has no amount (Amt).", row=row)
        entry_sign = -1 if ns.text(entry, "CdtDbtInd").upper() == "DBIT" else 1
        on = _date(ns.text(entry, "BookgDt/Dt", "BookgDt/DtTm")) or _date(ns.text(entry, "ValDt/Dt", "ValDt/DtTm"))
        if on is None:
            raise ParseError("the entry has no booking date (BookgDt) nor value date (ValDt).", row=row)
        if statement.currency is None and amt_el.get("Ccy"):
            statement.currency = amt_el.get("Ccy", "").upper()
        details = ns.findall(entry, "NtryDtls/TxDtls")
        entry_ref = _ref(ns.text(entry, "AcctSvcrRef"), ns.text(entry, "NtryRef"))
        if len(details) <= 1:
            detail = details[0] if details else None
            amount = entry_sign * _amount(amt_el.text or "", row, "The entry amount")
            statement.transactions.append(
                _transaction(ns, entry, detail, row, on, amount, entry_ref)
            )
            continue
        batch: list[ParsedTransaction] = []
        for detail in details:
            raw = ns.text(detail, "Amt", "AmtDtls/TxAmt/Amt")
            if not raw:
                raise ParseError("a transaction of this batch entry has no amount.", row=row)
            amount = _amount(raw, row, "The transaction amount")
            indicator = ns.text(detail, "CdtDbtInd").upper()
            sign = entry_sign if not indicator else (-1 if indicator == "DBIT" else 1)
            batch.append(_transaction(ns, entry, detail, row, on, sign * amount, None))
        # The parts of a batch need ids of their own: number them when the bank gave them one shared id or none.
        ids = Counter(t.external_id for t in batch)
        for index, txn in enumerate(batch, start=1):
            base = txn.external_id or entry_ref
            if base and (txn.external_id is None or ids[txn.external_id] > 1):
                txn = replace(txn, external_id=f"{base}/{index}")
            statement.transactions.append(txn)
    if statement.currency == "XXX":
        warnings.append(f"The statement for {number or 'the account'} gives its currency as XXX (no currency).")
        statement.currency = None
    return statement


def _transaction(
    ns: _Ns, entry: Element, detail: Element | None, row: int, on: date, amount: Decimal, entry_ref: str | None
) -> ParsedTransaction:
    counterparty = _party(ns, detail, "Cdtr" if amount < 0 else "Dbtr")
    external_id = _ref(
        entry_ref or "",
        ns.text(detail, "Refs/AcctSvcrRef"),
        ns.text(detail, "Refs/EndToEndId"),
        ns.text(detail, "Refs/TxId"),
    )
    return ParsedTransaction(
        row=row,
        on=on,
        amount=amount if amount else abs(amount),  # no -0.00
        payee=squash(counterparty),
        memo=_memo(ns, detail, entry),
        external_id=external_id,
    )


def parse_camt(data: bytes) -> ParsedFile:
    """Parse a CAMT.053 (or .052/.054) file. Raises ParseError for malformed or unsupported XML."""
    try:
        root = fromstring(data)
    except XmlParseError as err:
        raise ParseError(f"The file is not well-formed XML ({err}); it may be cut short.") from None
    except DefusedXmlException as err:
        raise ParseError(f"The XML uses a forbidden construct ({type(err).__name__}).") from None
    m = re.match(r"\{([^}]*)\}(.*)", root.tag)
    uri, name = (m.group(1), m.group(2)) if m else ("", root.tag)
    kind = next((k for k in _KINDS if f":{k}." in uri), None)
    if kind is None or name != "Document":
        where = f"namespace {uri}" if uri else "no namespace"
        raise ParseError(
            f"Unsupported XML: the root element <{name}> in {where} is not an ISO 20022 CAMT.053 statement."
        )
    ns = _Ns(uri)
    container, child = _KINDS[kind]
    warnings: list[str] = []
    if kind != "camt.053":
        label = "account report" if kind == "camt.052" else "debit/credit notification"
        warnings.append(f"This is a {kind} {label}, not a CAMT.053 statement; its entries were read all the same.")
    nodes = ns.findall(root, f"{container}/{child}")
    if not nodes:
        raise ParseError(f"The {kind} document holds no {child} element.")
    statements: list[ParsedStatement] = []
    row = 0
    for node in nodes:
        statement = _statement(ns, node, row, warnings)
        row += len(ns.findall(node, "Ntry"))
        statements.append(statement)
    if not any(s.transactions for s in statements):
        warnings.append("The statement holds no entries.")
    return ParsedFile(format="camt053", statements=statements, warnings=warnings)
