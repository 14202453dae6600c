"""OFX 1.x (SGML), OFX 2.x (XML), QFX and QBO statements -> ParsedFile.

Library choice. Both OFX libraries installed here were measured against the 58 OFX/QFX fixtures in
../shared/fixtures and a generated 100,000-transaction file before writing this module:

* ofxparse 0.21 is lenient (it read 57 of 58) but is built on BeautifulSoup: 10,000 transactions took
  about 50 s, so 100,000 are out of reach, and it is no longer maintained.
* ofxtools 1.1.1 is maintained and exact, but deliberately strict: its header and tree stage rejected 14 of the
  58 real files (no header, `CHARSET:8859-1`, `CSUNICODE`, indented headers, text after `</OFX>`, comments) and
  its model layer (`convert()`) rejected 10 more (vendor tags, elements out of order, empty balances). Its tree
  builder needs 6.4 s and 235 MB for 100,000 transactions.

So the body is read here by a small streaming tokenizer in the style of ofxtools' own `TreeBuilder` (one regular
expression over the decoded text, unclosed SGML leaf tags closed implicitly), which keeps only the aggregate being
read in memory and extracts statements as their aggregates close. It reads all 58 fixtures, rejects the
malformed ones with a specific message, and parses 100,000 transactions in about a second (see bench/parsers.py).
The charset handling follows the OFX header (USASCII, 1252, 8859-1, UTF-8/CSUNICODE, the XML declaration) but
prefers UTF-8 when the bytes are valid UTF-8 and the header says otherwise, because some banks lie.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections import Counter
from datetime import date
from decimal import Decimal

from financeapp.imports.parsed import (
    ParsedFile,
    ParsedSecurity,
    ParsedStatement,
    ParsedTransaction,
    ParseError,
)
from financeapp.imports.parsers import ofx_investments as invest
from financeapp.imports.parsers._text import (
    UTF8_BOM,
    bom_encoding,
    decode,
    guess_amount,
    is_utf8,
    short,
    squash,
    tidy,
)

_OFX_START = re.compile(rb"<OFX\s*>", re.IGNORECASE)
_TOKEN = re.compile(r"<(/?)([A-Za-z0-9._:-]+)\s*>([^<]*)")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);")

_STATEMENTS = {"STMTRS": "bank", "CCSTMTRS": "credit_card", "INVSTMTRS": "investment"}
_RESPONSES = {"STMTTRNRS", "CCSTMTTRNRS", "INVSTMTTRNRS"}
_ACCOUNT_FROM = {"BANKACCTFROM", "CCACCTFROM", "INVACCTFROM"}
_ACCOUNT_TYPES = {
    "CHECKING": "checking",
    "SAVINGS": "savings",
    "MONEYMRKT": "savings",
    "CD": "savings",
    "CREDITLINE": "loan",
}
_INVESTMENT_TRANSACTIONS = {
    "BUYDEBT", "BUYMF", "BUYOPT", "BUYOTHER", "BUYSTOCK", "CLOSUREOPT", "INCOME", "INVEXPENSE", "JRNLFUND",
    "JRNLSEC", "MARGININTEREST", "REINVEST", "RETOFCAP", "SELLDEBT", "SELLMF", "SELLOPT", "SELLOTHER", "SELLSTOCK",
    "SPLIT", "TRANSFER",
}  # fmt: skip
_POSITIONS = {"POSDEBT", "POSMF", "POSOPT", "POSOTHER", "POSSTOCK"}
# Aggregates whose data elements belong to the aggregate around them (an INVBUY's UNITS are its BUYSTOCK's),
# and the aggregates that collect them: the investment reader sees one flat dict per trade, position, security.
_MERGE_UP = {"INVTRAN", "INVBUY", "INVSELL", "SECID", "INVPOS", "SECINFO", "INV401KSOURCE"}
_PREFIXED = {"CURRENCY", "ORIGCURRENCY"}  # merged as CURRENCY.CURSYM, so CURRATE and CURSYM keep their owner
_COLLECTORS = (_INVESTMENT_TRANSACTIONS | _POSITIONS | set(invest.SECURITY_KINDS)
               | {"INVBUY", "INVSELL", "INVTRAN", "INVPOS", "SECINFO", "STMTTRN"})
# Tags that contain other tags. Every other tag is a data element: its value runs to the next '<', and its
# closing tag is optional (OFX 1.x SGML) and ignored.
_AGGREGATES = frozenset(
    {
        "OFX", "SIGNONMSGSRSV1", "SONRS", "STATUS", "FI", "BANKMSGSRSV1", "CREDITCARDMSGSRSV1", "INVSTMTMSGSRSV1",
        "SECLISTMSGSRSV1", "SIGNUPMSGSRSV1", "STMTTRNRS", "CCSTMTTRNRS", "INVSTMTTRNRS", "STMTENDTRNRS",
        "CCSTMTENDTRNRS", "STMTRS", "CCSTMTRS", "INVSTMTRS", "BANKACCTFROM", "BANKACCTTO", "CCACCTFROM", "CCACCTTO",
        "INVACCTFROM", "BANKTRANLIST", "STMTTRN", "PAYEE", "CURRENCY", "ORIGCURRENCY", "LEDGERBAL", "AVAILBAL",
        "BALLIST", "BAL", "INVTRANLIST", "INVBANKTRAN", "INVPOSLIST", "INVBAL", "INVOOLIST", "SECLIST",
        "ACCTINFOTRNRS", "ACCTINFORS", "ACCTINFO", "BANKACCTINFO", "CCACCTINFO", "INVACCTINFO", "INVTRAN", "INVBUY",
        "INVSELL", "SECID", "INVPOS", "MFINFO", "STOCKINFO", "SECINFO", "DEBTINFO", "OPTINFO", "OTHERINFO",
        "MFASSETCLASS", "FIMFASSETCLASS", "PORTION", "FIPORTION", "INV401K", "INV401KBAL", "INV401KSOURCE",
        "LOANPMTINFO", "IMAGEDATA", "MSGSETLIST", "PROFMSGSRSV1",
    }
    | _INVESTMENT_TRANSACTIONS
    | _POSITIONS
)  # fmt: skip


def _decode(data: bytes) -> tuple[str, list[str]]:
    """The OFX text, decoded as its header says (or as UTF-8 when the bytes are UTF-8 whatever it says)."""
    warnings: list[str] = []
    data = data.rstrip(b"\x00 \t\r\n")
    if bom_encoding(data) == "utf-16":
        return data.decode("utf-16"), warnings
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    start = _OFX_START.search(data)
    if start is None:
        raise ParseError("This is not an OFX file, or it is cut short: there is no <OFX> element.")
    head = data[: start.start()].decode("latin-1")
    declared = _declared_codec(head)
    label = _declared_label(head)
    if data.isascii():
        return data.decode("ascii"), warnings
    if is_utf8(data):
        if declared not in (None, "utf-8"):
            warnings.append(f"The OFX header declares {label} but the file is UTF-8; it was read as UTF-8.")
        return data.decode("utf-8"), warnings
    codec = declared if declared not in (None, "utf-8") else "cp1252"
    if declared == "utf-8":
        warnings.append("The OFX header declares UTF-8 but the file is not valid UTF-8; it was read as Windows-1252.")
    try:
        return decode(data, codec), warnings
    except (UnicodeDecodeError, LookupError):
        return decode(data, "cp1252"), warnings


def _declared_label(head: str) -> str:
    charset = re.search(r"CHARSET\s*:\s*([\w-]+)", head, re.IGNORECASE)
    return f"CHARSET:{charset.group(1)}" if charset else "another encoding"


def _declared_codec(head: str) -> str | None:
    xml = re.search(r"encoding\s*=\s*[\"']([\w.:-]+)[\"']", head)
    encoding = re.search(r"ENCODING\s*:\s*([\w-]+)", head, re.IGNORECASE)
    charset = re.search(r"CHARSET\s*:\s*([\w-]+)", head, re.IGNORECASE)
    enc = encoding.group(1).upper() if encoding else ""
    cs = charset.group(1).upper() if charset else ""
    if enc in ("UTF-8", "UNICODE", "UTF8") or cs in ("CSUNICODE", "UTF-8", "UNICODE"):
        return "utf-8"
    if cs in ("1252", "WINDOWS-1252", "CP1252"):
        return "cp1252"
    if cs in ("8859-1", "ISO-8859-1", "ISO8859-1", "LATIN-1", "LATIN1", "819"):
        return "cp1252"  # as browsers do: ISO-8859-1 files use Windows-1252's printable 0x80-0x9F in practice
    if xml:
        name = xml.group(1).lower()
        return "utf-8" if name.replace("_", "-") in ("utf-8", "utf8") else name
    return None


def _unescape(value: str) -> str:
    # Some banks escape twice (`&amp;lt;`); decode until no entity is left, at most twice.
    for _ in range(2):
        if "&" not in value or not _ENTITY.search(value):
            break
        value = html.unescape(value)
    return value


_DATE = re.compile(r"\s*(\d{4})(\d{2})(\d{2})")
_SIMPLE_AMOUNT = re.compile(r"[+-]?\d+(\.\d+)?")


def _ofx_date(value: str | None) -> date | None:
    if value and value[:8].isdigit():
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
        except ValueError:
            return None
    m = _DATE.match(value or "")
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _ofx_amount(value: str) -> Decimal | None:
    value = value.strip()
    if _SIMPLE_AMOUNT.fullmatch(value):
        amount = Decimal(value)
        dot = value.find(".")
        if amount == 0 or (dot >= 0 and len(value) - dot - 1 > 2):
            return tidy(amount)  # -0, or more than two decimals to trim
        return amount
    if not re.fullmatch(r"[+-]?[\d.,]*\d[\d.,]*|[+-]?[.,]\d+", value):
        return None  # no currency symbols or letters in an OFX amount ("$120" is a broken file)
    return guess_amount(value)


class _Reader:
    """Feeds tokens, keeps a stack of open aggregates, and collects statements as their aggregates close."""

    def __init__(self) -> None:
        self.statements: list[ParsedStatement] = []
        self.warnings: list[str] = []
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.statement: ParsedStatement | None = None
        self.txn_count = 0
        self.skipped_trades: Counter[str] = Counter()
        self.positions = 0
        self.fitids: Counter[str] = Counter()
        self.signon_ok = False
        self.accounts_listed: list[str] = []
        self.closed = False
        self.trade_rows = 0
        self.not_imported: Counter[str] = Counter()
        self.securities: dict[str, ParsedSecurity] = {}

    # -- tokens --
    def feed(self, text: str) -> None:
        stack = self.stack
        aggregates = _AGGREGATES
        for match in _TOKEN.finditer(text):
            closing, name, value = match.groups()
            tag = name.upper()
            if closing:
                if tag in aggregates and self._is_open(tag):
                    self._close(tag)
                    if tag == "OFX":
                        self.closed = True
                continue
            if tag in aggregates:
                if tag == "OFX" and stack:
                    continue
                if self._is_open(tag):  # an aggregate that was never closed
                    self._close(tag)
                stack.append((tag, {}))
                self._start(tag)
            elif stack:
                value = value.strip()
                if "&" in value:
                    value = _unescape(value)
                stack[-1][1][tag] = value

    def _is_open(self, tag: str) -> bool:
        return any(frame[0] == tag for frame in self.stack)

    def _close(self, tag: str) -> None:
        stack = self.stack
        while stack:
            if self._end(*stack.pop()) == tag:
                break

    def _parent(self) -> str:
        return self.stack[-1][0] if self.stack else ""

    def _start(self, tag: str) -> None:
        if tag in _STATEMENTS:
            kind = _STATEMENTS[tag]
            self.statement = ParsedStatement(account_type="" if kind == "bank" else kind)
            self.skipped_trades = Counter()
            self.not_imported = Counter()
            self.positions = 0

    def _end(self, tag: str, fields: dict[str, str]) -> str:
        parent = self._parent()
        if tag == "STMTTRN":
            self._transaction(fields)
        elif tag == "PAYEE":
            if self.stack and fields.get("NAME"):
                self.stack[-1][1].setdefault("PAYEE.NAME", fields["NAME"])
        elif tag in _ACCOUNT_FROM and self.statement is not None and parent in _STATEMENTS:
            self.statement.account_number = squash(fields.get("ACCTID"))
            kind = _ACCOUNT_TYPES.get(fields.get("ACCTTYPE", "").upper())
            if kind and tag == "BANKACCTFROM":
                self.statement.account_type = kind
        elif tag == "LEDGERBAL" and self.statement is not None:
            self._balance(fields)
        elif tag == "STATUS" and self.stack:
            self.stack[-1][1].update({f"STATUS.{k}": v for k, v in fields.items()})
        elif tag == "SONRS":
            if fields.get("STATUS.SEVERITY", "").upper() == "ERROR":
                raise ParseError(f"The bank refused the sign-on: {_status(fields)}.")
            self.signon_ok = True
        elif tag in _RESPONSES:
            if fields.get("STATUS.SEVERITY", "").upper() == "ERROR" and not fields.get("_statement"):
                raise ParseError(f"The bank sent an error instead of a statement: {_status(fields)}.")
        elif tag in _STATEMENTS and self.statement is not None:
            self._finish_statement(fields)
            if self.stack:
                self.stack[-1][1]["_statement"] = "1"
        elif tag in _INVESTMENT_TRANSACTIONS and parent == "INVTRANLIST":
            self.skipped_trades[tag] += 1
            self._trade(tag, fields)
        elif tag in _POSITIONS and parent == "INVPOSLIST":
            self.positions += 1
            self._position(tag, fields)
        elif tag in invest.SECURITY_KINDS and parent == "SECLIST":
            security = invest.security_from(tag, fields, None)
            if security is not None:
                self.securities.setdefault(security.key, security)
        elif tag == "ACCTINFO":
            self.accounts_listed.append(fields.get("DESC", "") or "an account")
        elif parent in _COLLECTORS and self.stack and (tag in _MERGE_UP or tag in _PREFIXED):
            into = self.stack[-1][1]
            prefix = f"{tag}." if tag in _PREFIXED else ""
            for key, value in fields.items():
                into.setdefault(prefix + key, value)
        return tag

    # -- investments (ofx_investments.py reads the aggregates) --
    def _curdef(self) -> str | None:
        for name, fields in reversed(self.stack):
            if name in _STATEMENTS:
                return fields.get("CURDEF", "").strip().upper() or None
        return None

    def _trade(self, tag: str, fields: dict[str, str]) -> None:
        if self.statement is None:
            return
        self.trade_rows += 1
        trade = invest.trade_from(tag, fields, self.trade_rows, self._curdef())
        if isinstance(trade, str):
            fitid = squash(fields.get("FITID"))
            self.not_imported[tag] += 1
            self.warnings.append(f"Investment transaction {self.trade_rows} ({tag}{f' {fitid}' if fitid else ''}) "
                                 f"is left out: {trade}.")
        else:
            self.statement.trades.append(trade)

    def _position(self, tag: str, fields: dict[str, str]) -> None:
        if self.statement is None:
            return
        position = invest.position_from(tag, fields, self._curdef())
        if isinstance(position, str):
            raise ParseError(f"The statement's positions cannot be read: {position}.")
        if position is None:
            self.warnings.append(f"A position ({tag}) names no security (SECID) and is left out.")
        else:
            self.statement.positions.append(position)

    def _transaction(self, f: dict[str, str]) -> None:
        self.txn_count += 1
        row = self.txn_count
        if self.statement is None:
            self.warnings.append(f"Transaction {row} is outside any statement and was left out.")
            return
        fitid = squash(f.get("FITID")) or None
        which = f"the transaction with FITID {fitid}" if fitid else "the transaction"
        posted = f.get("DTPOSTED", "")
        if not posted:
            raise ParseError(f"{which} has no posting date (DTPOSTED).", row=row)
        on = _ofx_date(posted)
        if on is None:
            raise ParseError(f"DTPOSTED “{short(posted)}” of {which} is not a date.", row=row)
        raw_amount = f.get("TRNAMT", "")
        if not raw_amount:
            raise ParseError(f"{which} has no amount (TRNAMT).", row=row)
        amount = _ofx_amount(raw_amount)
        if amount is None:
            raise ParseError(f"TRNAMT “{short(raw_amount)}” of {which} is not an amount.", row=row)
        if fitid:
            self.fitids[fitid] += 1
        if self._parent() == "INVBANKTRAN":
            self.trade_rows += 1
            self.statement.trades.append(invest.cash_trade(f, self.trade_rows, on, amount, self._curdef()))
        self.statement.transactions.append(
            ParsedTransaction(
                row=row,
                on=on,
                amount=amount,
                payee=squash(f.get("NAME") or f.get("PAYEE.NAME")),
                memo=squash(f.get("MEMO")),
                external_id=fitid,
                check_number=squash(f.get("CHECKNUM")),
            )
        )

    def _balance(self, f: dict[str, str]) -> None:
        assert self.statement is not None
        raw = f.get("BALAMT", "")
        as_of = f.get("DTASOF", "").strip()
        if not raw.strip():
            if as_of:
                raise ParseError(
                    f"The ledger balance (LEDGERBAL) dated {short(as_of)} has no amount (BALAMT is empty)."
                )
            return
        amount = _ofx_amount(raw)
        if amount is None:
            raise ParseError(f"The ledger balance (LEDGERBAL) “{short(raw)}” is not an amount.")
        self.statement.closing_balance = amount
        self.statement.closing_date = _ofx_date(as_of)

    def _finish_statement(self, f: dict[str, str]) -> None:
        statement = self.statement
        assert statement is not None
        currency = f.get("CURDEF", "").strip().upper()
        statement.currency = currency or None
        label = statement.account_number or "without an account id"
        if not currency:
            self.warnings.append(f"The statement for account {label} names no currency (CURDEF).")
        if self.skipped_trades:
            kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.skipped_trades.items()))
            total = sum(self.skipped_trades.values())
            statement.skipped.append(
                f"{total} investment transaction{'s' if total != 1 else ''} ({kinds}): "
                "a bank import reads only the cash lines (INVBANKTRAN); the trades import with flask investments "
                "import or the import wizard"
            )
        if self.positions:
            statement.skipped.append(f"{self.positions} position{'s' if self.positions != 1 else ''} (holdings)")
        statement.positions_on = _ofx_date(f.get("DTASOF", "")) if statement.account_type == "investment" else None
        self.statements.append(statement)
        self.statement = None

    def finish(self) -> ParsedFile:
        if self.stack:
            raise ParseError(
                f"The OFX file is cut short: it ends inside <{self.stack[-1][0]}> without the closing </OFX>."
            )
        warnings = self.warnings
        dupes = {k: n for k, n in self.fitids.items() if n > 1}
        for fitid, n in dupes.items():
            warnings.append(f"FITID {fitid} appears on {n} transactions; the bank reused it.")
        if not self.statements:
            if self.accounts_listed:
                warnings.append(
                    f"The file lists {len(self.accounts_listed)} accounts but holds no statement: nothing to import."
                )
            elif self.signon_ok:
                warnings.append("The file holds a sign-on response but no statement: nothing to import.")
            else:
                raise ParseError("The OFX file holds no statement and no sign-on response: it is empty.")
        return ParsedFile(format="ofx", statements=self.statements, warnings=warnings,
                          securities=self._all_securities())

    def _all_securities(self) -> dict[str, ParsedSecurity]:
        """SECLIST's securities, in the statement's currency when they name none, and one for each security a
        trade or position names that SECLIST does not describe (named by its id)."""
        currency = next((s.currency for s in self.statements if s.trades or s.positions), None)
        found: dict[str, ParsedSecurity] = {}
        key: str | None
        for key, security in self.securities.items():
            found[key] = security if security.currency else dataclasses.replace(security, currency=currency)
        for statement in self.statements:
            keys = [t.security for t in statement.trades] + [p.security for p in statement.positions]
            for key in keys:
                if key and key not in found:
                    kind, unique = key.split(":", 1)
                    found[key] = ParsedSecurity(key=key, symbol=unique[:32], name=f"{kind} {unique}"[:200],
                                                currency=statement.currency or currency, unique_id=unique[:32])
        return found


def _status(fields: dict[str, str]) -> str:
    code = fields.get("STATUS.CODE", "").strip()
    message = squash(fields.get("STATUS.MESSAGE", ""))
    return " ".join(p for p in (f"code {code}" if code else "", message) if p) or "no details given"


def parse_ofx(data: bytes, *, format: str = "ofx") -> ParsedFile:
    """Parse an OFX/QFX/QBO file. Raises ParseError naming the problem for truncated or broken files."""
    text, warnings = _decode(data)
    if "<!--" in text:
        text = _COMMENT.sub("", text)
    if "<![CDATA[" in text:
        text = _CDATA.sub(lambda m: html.escape(m.group(1), quote=False), text)
    reader = _Reader()
    reader.warnings.extend(warnings)
    reader.feed(text)
    if not reader.closed:
        where = f" inside <{reader.stack[-1][0]}>" if reader.stack else ""
        raise ParseError(f"The OFX file is cut short: it ends{where} without the closing </OFX>.")
    parsed = reader.finish()
    parsed.format = format
    return parsed
