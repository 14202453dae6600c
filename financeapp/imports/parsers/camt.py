"""ISO 20022 CAMT.053 bank statements (also CAMT.052 reports and CAMT.054 notifications) -> ParsedFile.

Read with defusedxml's parser (no entity expansion, no external references), incrementally: the account,
balances and entries of a statement are read as each one ends and are then dropped, so memory does not grow with
the file (only the ParsedTransactions do). Errors are the ones reading the whole tree first would give: a file
that is not well-formed XML says so, and a bad closing balance is reported before a bad entry of its statement.

Each Stmt/Rpt/Ntfctn becomes a statement (IBAN, or Othr/Id when the account has no IBAN; Acct/Ccy, else the
CLBD balance's or the entries' currency; the CLBD closing balance).
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
from xml.etree.ElementTree import Element, TreeBuilder
from xml.etree.ElementTree import ParseError as XmlParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from financeapp.imports.parsed import ParsedFile, ParsedStatement, ParsedTransaction, ParseError
from financeapp.imports.parsers._text import short, squash, tidy

_KINDS = {
    "camt.053": ("BkToCstmrStmt", "Stmt"),
    "camt.052": ("BkToCstmrAcctRpt", "Rpt"),
    "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}
_PLACEHOLDERS = {"", "NOTPROVIDED", "NONREF", "NOT PROVIDED", "NONE"}
# Document (1) > BkToCstmrStmt (2) > Stmt (3) > Acct, Bal, Ntry (4): deeper elements are read from their depth-4
# ancestor once it has ended.
_DEPTH = 4
_CHUNK = 64 * 1024


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


def _currency_attribute(amount: Element | None) -> str | None:
    """The Ccy attribute of an Amt element, upper-cased; None when there is none."""
    if amount is None:
        return None
    return (amount.get("Ccy") or "").upper() or None


def _entry_transactions(ns: _Ns, entry: Element, row: int) -> list[ParsedTransaction]:
    """The transactions of one Ntry: one, or one per TxDtls of a batch entry."""
    amt_el = ns.find(entry, "Amt")
    if amt_el is None or not (amt_el.text or "").strip():
        raise ParseError("the entry has no amount (Amt).", row=row)
    entry_sign = -1 if ns.text(entry, "CdtDbtInd").upper() == "DBIT" else 1
    on = _date(ns.text(entry, "BookgDt/Dt", "BookgDt/DtTm")) or _date(ns.text(entry, "ValDt/Dt", "ValDt/DtTm"))
    if on is None:
        raise ParseError("the entry has no booking date (BookgDt) nor value date (ValDt).", row=row)
    details = ns.findall(entry, "NtryDtls/TxDtls")
    entry_ref = _ref(ns.text(entry, "AcctSvcrRef"), ns.text(entry, "NtryRef"))
    if len(details) <= 1:
        detail = details[0] if details else None
        amount = entry_sign * _amount(amt_el.text or "", row, "The entry amount")
        return [_transaction(ns, entry, detail, row, on, amount, entry_ref)]
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
    numbered: list[ParsedTransaction] = []
    for index, txn in enumerate(batch, start=1):
        base = txn.external_id or entry_ref
        if base and (txn.external_id is None or ids[txn.external_id] > 1):
            txn = replace(txn, external_id=f"{base}/{index}")
        numbered.append(txn)
    return numbered


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


class _StatementReader:
    """One Stmt/Rpt/Ntfctn, read child by child: its first Acct, its Bal and its Ntry elements as each one ends."""

    def __init__(self, ns: _Ns, first_row: int) -> None:
        self.ns = ns
        self.row = first_row  # of the last Ntry read; the next statement's entries go on from here
        self.statement = ParsedStatement()
        self.number = ""
        self.account_read = False
        # The currency is Acct/Ccy, else the first CLBD amount's, else the first entry's, wherever they stand.
        self.account_currency: str | None = None
        self.balance_currency: str | None = None
        self.entry_currency: str | None = None
        self.entry_error: ParseError | None = None
        self.readers = {
            ns.path("Acct"): self.read_account,
            ns.path("Bal"): self.read_balance,
            ns.path("Ntry"): self.read_entry,
        }

    def read(self, child: Element) -> None:
        reader = self.readers.get(child.tag)
        if reader is not None:
            reader(child)

    def read_account(self, account: Element) -> None:
        if self.account_read:
            return
        self.account_read = True
        self.number = self.ns.text(account, "Id/IBAN", "Id/Othr/Id")
        self.account_currency = self.ns.text(account, "Ccy").upper() or None

    def read_balance(self, balance: Element) -> None:
        ns, statement = self.ns, self.statement
        if ns.text(balance, "Tp/CdOrPrtry/Cd").upper() != "CLBD":
            return
        amount = _amount(ns.text(balance, "Amt"), None, "The closing balance")
        if ns.text(balance, "CdtDbtInd").upper() == "DBIT":
            amount = -amount
        statement.closing_balance = amount
        statement.closing_date = _date(ns.text(balance, "Dt/Dt", "Dt/DtTm"))
        self.balance_currency = self.balance_currency or _currency_attribute(ns.find(balance, "Amt"))

    def read_entry(self, entry: Element) -> None:
        self.row += 1
        if self.entry_error is not None:
            return
        try:
            self.statement.transactions.extend(_entry_transactions(self.ns, entry, self.row))
        except ParseError as err:
            # Held until the statement ends: a bad closing balance further on is the error to report.
            self.entry_error = err
            return
        self.entry_currency = self.entry_currency or _currency_attribute(self.ns.find(entry, "Amt"))

    def finish(self, warnings: list[str]) -> ParsedStatement:
        if self.entry_error is not None:
            raise self.entry_error
        statement = self.statement
        statement.account_number = self.number.replace(" ", "")
        statement.currency = self.account_currency or self.balance_currency or self.entry_currency
        if statement.currency == "XXX":
            warnings.append(
                f"The statement for {self.number or 'the account'} gives its currency as XXX (no currency)."
            )
            statement.currency = None
        return statement


class _DocumentReader:
    """The whole file from the elements the target hands it: the root's kind, then one reader per statement."""

    def __init__(self) -> None:
        self.ns = _Ns("")
        self.kind = ""
        self.container = self.child = ""  # their qualified tags
        self.in_container = False
        self.current: _StatementReader | None = None
        self.rows = 0
        self.statements: list[ParsedStatement] = []
        self.warnings: list[str] = []

    def start(self, el: Element, depth: int) -> None:
        if depth == 1:
            self.open_document(el)
        elif depth == 2:
            self.in_container = el.tag == self.container
        elif depth == 3 and self.in_container and el.tag == self.child:
            self.current = _StatementReader(self.ns, self.rows)

    def end(self, el: Element, depth: int) -> None:
        if self.current is None:
            return
        if depth == _DEPTH:
            self.current.read(el)
        elif depth == 3:
            self.statements.append(self.current.finish(self.warnings))
            self.rows = self.current.row
            self.current = None

    def open_document(self, root: Element) -> None:
        m = re.match(r"\{([^}]*)\}(.*)", root.tag)
        uri, name = (m.group(1), m.group(2)) if m else ("", root.tag)
        kind = next((k for k in _KINDS if f":{k}." in uri), None)
        if kind is None or name != "Document":
            where = f"namespace {uri}" if uri else "no namespace"
            raise ParseError(
                f"Unsupported XML: the root element <{name}> in {where} is not an ISO 20022 CAMT.053 statement."
            )
        self.ns, self.kind = _Ns(uri), kind
        container, child = _KINDS[kind]
        self.container, self.child = self.ns.path(container), self.ns.path(child)
        if kind != "camt.053":
            label = "account report" if kind == "camt.052" else "debit/credit notification"
            self.warnings.append(
                f"This is a {kind} {label}, not a CAMT.053 statement; its entries were read all the same."
            )

    def result(self) -> ParsedFile:
        if not self.statements:
            child = _KINDS[self.kind][1]
            raise ParseError(f"The {self.kind} document holds no {child} element.")
        if not any(s.transactions for s in self.statements):
            self.warnings.append("The statement holds no entries.")
        return ParsedFile(format="camt053", statements=self.statements, warnings=self.warnings)


class _PruningTarget:
    """The parser's target: a TreeBuilder that hands the reader the elements down to _DEPTH, then prunes them.

    Each such element is removed from its parent once read, so the tree never holds more than the statement child
    being read. After the reader's first error it only builds and prunes, so that an XML error later in the file is
    still found and reported first, as when the whole tree was parsed before being read.
    """

    def __init__(self, document: _DocumentReader) -> None:
        self.builder = TreeBuilder()
        self.data = self.builder.data  # text goes straight to the builder
        self.document = document
        self.open: list[Element] = []
        self.error: ParseError | None = None

    def start(self, tag: str, attrib: dict[str, str]) -> Element:
        el = self.builder.start(tag, attrib)
        self.open.append(el)
        if len(self.open) <= _DEPTH and self.error is None:
            try:
                self.document.start(el, len(self.open))
            except ParseError as err:
                self.error = err
        return el

    def end(self, tag: str) -> Element:
        el = self.builder.end(tag)
        depth = len(self.open)
        self.open.pop()
        if depth <= _DEPTH:
            if self.error is None:
                try:
                    self.document.end(el, depth)
                except ParseError as err:
                    self.error = err
            if self.open:
                self.open[-1].remove(el)  # the last child of its parent: found at once
        return el

    def close(self) -> Element:
        return self.builder.close()


def parse_camt(data: bytes) -> ParsedFile:
    """Parse a CAMT.053 (or .052/.054) file. Raises ParseError for malformed or unsupported XML."""
    document = _DocumentReader()
    target = _PruningTarget(document)
    # defusedxml's parser fed in chunks with a target, rather than iterparse: the same defences, without an event
    # queue and iterators around every element (iterparse cost a fifth of the throughput).
    parser = DefusedXMLParser(target=target)
    try:
        for offset in range(0, len(data), _CHUNK):
            parser.feed(data[offset : offset + _CHUNK])
        parser.close()
    except XmlParseError as err:
        raise ParseError(f"The file is not well-formed XML ({err}); it may be cut short.") from None
    except DefusedXmlException as err:
        raise ParseError(f"The XML uses a forbidden construct ({type(err).__name__}).") from None
    if target.error is not None:
        raise target.error
    return document.result()
