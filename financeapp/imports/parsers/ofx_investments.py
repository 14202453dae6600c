"""The investment aggregates of an OFX statement (INVSTMTRS) -> ParsedTrade, ParsedPosition, ParsedSecurity.

ofx.py's one tokenizer reads the file; when an investment transaction, a position or a security closes, it
hands the aggregate's data elements here as a flat dict (nested aggregates such as INVTRAN, INVBUY, SECID
and SECINFO merged into it, CURRENCY as "CURRENCY.CURSYM"). Pure functions, no database.

Sign conventions: brokers disagree on the sign of TOTAL and UNITS (401(k) files write buys positive), so
the kind decides: a buy's cash effect is negative, a sale's positive, whatever the file's sign. A line
whose numbers cannot be read keeps its place with an `error`, so the preview names it and nothing is written.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from financeapp.imports.parsed import ParsedPosition, ParsedSecurity, ParsedTrade
from financeapp.imports.parsers._text import short, squash

BUYS = {"BUYDEBT", "BUYMF", "BUYOPT", "BUYOTHER", "BUYSTOCK"}
SELLS = {"SELLDEBT", "SELLMF", "SELLOPT", "SELLOTHER", "SELLSTOCK"}
# Investment transactions this version does not turn into trades, with the reason the preview gives.
NOT_IMPORTED = {
    "CLOSUREOPT": "option exercise/assignment/expiry (CLOSUREOPT) is not imported",
    "JRNLFUND": "a journal between sub-accounts (JRNLFUND) moves no money in or out",
    "JRNLSEC": "a journal between sub-accounts (JRNLSEC) moves no shares in or out",
    "RETOFCAP": "return of capital (RETOFCAP) is not imported in this version",
}
SECURITY_KINDS = {"STOCKINFO": "stock", "MFINFO": "fund", "DEBTINFO": "bond", "OPTINFO": "other", "OTHERINFO": "other"}
_INCOME_KINDS = {"INTEREST": "interest"}  # DIV, CGLONG, CGSHORT, MISC: a dividend (a distribution)
_BANK_KINDS = {"INT": "interest", "DIV": "dividend", "FEE": "fee", "SRVCHG": "fee"}


def number(value: str | None) -> Decimal | None:
    """An OFX number with any number of decimals ("-00000000001500.0000", "+75.6000", "1,5"); None if absent."""
    text = (value or "").strip().replace(" ", "")
    if not text:
        return None
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # a decimal comma (ofxtools' euro sample)
    try:
        result = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"“{short(value or '')}” is not a number") from None
    if not result.is_finite():
        raise ValueError(f"“{short(value or '')}” is not a number")
    return result + 0 if result == 0 else result  # -0 -> 0


def number_or_none(value: str | None) -> Decimal | None:
    try:
        return number(value)
    except ValueError:
        return None


def security_key(fields: dict[str, str]) -> str | None:
    """How a SECID is referred to: "CUSIP:123456789" (the type upper-cased), or None without a UNIQUEID."""
    unique = squash(fields.get("UNIQUEID")).upper()
    if not unique:
        return None
    kind = squash(fields.get("UNIQUEIDTYPE")).upper() or "ID"
    return f"{kind}:{unique}"


def security_from(tag: str, fields: dict[str, str], default_currency: str | None) -> ParsedSecurity | None:
    """A SECLIST entry (STOCKINFO, MFINFO...); None when it has no SECID."""
    key = security_key(fields)
    if key is None:
        return None
    unique = key.split(":", 1)[1]
    ticker = squash(fields.get("TICKER")).upper()
    currency = squash(fields.get("CURRENCY.CURSYM") or fields.get("ORIGCURRENCY.CURSYM")).upper() or default_currency
    return ParsedSecurity(key=key, symbol=(ticker or unique)[:32], name=squash(fields.get("SECNAME"))[:200],
                          kind=SECURITY_KINDS.get(tag, "other"), currency=currency, unique_id=unique[:32])


def _date(value: str | None) -> date | None:
    text = (value or "").strip()
    if len(text) >= 8 and text[:8].isdigit():
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        except ValueError:
            return None
    return None


def _sum(fields: dict[str, str], *names: str) -> Decimal:
    total = Decimal(0)
    for name in names:
        value = number(fields.get(name))
        if value is not None:
            total += abs(value)
    return total


def trade_from(tag: str, fields: dict[str, str], row: int, currency: str | None) -> ParsedTrade | str:
    """One investment transaction of INVTRANLIST, or why it is left out (the kinds in NOT_IMPORTED, a transfer
    of no shares): the caller notes it."""
    if tag in NOT_IMPORTED:
        return NOT_IMPORTED[tag]
    if tag == "TRANSFER" and fields.get("UNITS", "").strip() and number_or_none(fields.get("UNITS")) == 0:
        return "a transfer of no shares (UNITS 0, a balance update) moves nothing"
    fitid = squash(fields.get("FITID")) or None
    memo = squash(fields.get("MEMO") or fields.get("NAME"))
    raw_date = fields.get("DTTRADE") or fields.get("DTPOSTED") or ""
    on = _date(raw_date)
    trade_currency = squash(fields.get("CURRENCY.CURSYM") or fields.get("ORIGCURRENCY.CURSYM")).upper() or currency
    base = {"row": row, "on": on, "memo": memo[:255], "external_id": fitid, "currency": trade_currency,
            "source": tag, "security": security_key(fields)}
    which = f"{tag} {fitid}" if fitid else tag
    if on is None:
        reason = f"DTTRADE “{short(raw_date)}” is not a date" if raw_date.strip() else "it has no date (DTTRADE)"
        return ParsedTrade(kind="buy", error=f"{which}: {reason}.", **base)  # type: ignore[arg-type]
    try:
        return _trade(tag, fields, base)
    except ValueError as err:
        return ParsedTrade(kind="buy", error=f"{which}: {err}.", **base)  # type: ignore[arg-type]


def _trade(tag: str, f: dict[str, str], base: dict[str, Any]) -> ParsedTrade:
    units = number(f.get("UNITS"))
    price = number(f.get("UNITPRICE"))
    total = number(f.get("TOTAL"))
    fees = _sum(f, "COMMISSION", "FEES", "LOAD")
    taxes = _sum(f, "TAXES", "WITHHOLDING", "STATEWITHHOLDING")
    if tag in BUYS or tag in SELLS:
        side = squash(f.get("BUYTYPE") or f.get("SELLTYPE") or f.get("OPTBUYTYPE") or f.get("OPTSELLTYPE")).upper()
        if side in ("SELLSHORT", "BUYTOCOVER"):
            raise ValueError(f"a short sale ({side}) is not imported: this version has no short sales")
        if base["security"] is None:
            raise ValueError("it names no security (SECID)")
        if not units:
            raise ValueError("it has no number of units (UNITS)")
        quantity = abs(units)
        if total is None:
            gross = quantity * (price or Decimal(0))
            total = -(gross + fees + taxes) if tag in BUYS else gross - fees - taxes
        amount = -abs(total) if tag in BUYS else abs(total)
        kind = "buy" if tag in BUYS else "sell"
        if price is None:
            price = ((abs(total) - fees - taxes) if kind == "buy" else (abs(total) + fees + taxes)) / quantity
        return ParsedTrade(kind=kind, quantity=quantity, price=abs(price), fees=fees, taxes=taxes, amount=amount,
                           **base)
    if tag == "INCOME":
        if total is None:
            raise ValueError("it has no amount (TOTAL)")
        kind = _INCOME_KINDS.get(squash(f.get("INCOMETYPE")).upper(), "dividend")
        return ParsedTrade(kind=kind, taxes=taxes, amount=total, **base)
    if tag == "REINVEST":
        if base["security"] is None:
            raise ValueError("it names no security (SECID)")
        if not units:
            raise ValueError("it has no number of units (UNITS)")
        quantity = abs(units)
        gross = abs(total) if total is not None else quantity * abs(price or Decimal(0))
        if price is None:
            price = (gross - fees) / quantity
        # Income that buys shares at once: no cash stays in the account. The income is the amount reinvested.
        return ParsedTrade(kind="reinvest", quantity=quantity, price=abs(price), fees=fees, taxes=taxes,
                           amount=gross, **base)
    if tag == "SPLIT":
        if base["security"] is None:
            raise ValueError("it names no security (SECID)")
        numerator, denominator = number(f.get("NUMERATOR")), number(f.get("DENOMINATOR"))
        old, new = number(f.get("OLDUNITS")), number(f.get("NEWUNITS"))
        if not (numerator and denominator) and old and new:
            numerator, denominator = abs(new), abs(old)
        if not (numerator and denominator):
            raise ValueError("it gives no ratio (NUMERATOR/DENOMINATOR) and no OLDUNITS/NEWUNITS")
        added = abs(abs(new) - abs(old)) if old is not None and new is not None else Decimal(0)
        cash = number(f.get("FRACCASH")) or Decimal(0)
        return ParsedTrade(kind="split", quantity=added, split_from=abs(denominator), split_to=abs(numerator),
                           amount=abs(cash), **base)
    if tag == "TRANSFER":
        if base["security"] is None:
            raise ValueError("it names no security (SECID)")
        if not units:
            raise ValueError("it has no number of units (UNITS)")
        action = squash(f.get("TFERACTION")).upper()
        incoming = action == "IN" if action in ("IN", "OUT") else units > 0
        # The cost basis a transfer in brings: AVGCOSTBASIS is the lot's total, UNITPRICE a price per share.
        basis = number(f.get("AVGCOSTBASIS"))
        per_share = abs(basis) / abs(units) if basis else (abs(price) if price is not None else None)
        return ParsedTrade(kind="transfer_in" if incoming else "transfer_out", quantity=abs(units),
                           price=per_share, **base)
    if tag in ("INVEXPENSE", "MARGININTEREST"):
        if total is None:
            raise ValueError("it has no amount (TOTAL)")
        return ParsedTrade(kind="fee", amount=-abs(total), **base)
    raise ValueError(f"{tag} is not an investment transaction this version reads")


def cash_trade(fields: dict[str, str], row: int, on: date, amount: Decimal, currency: str | None) -> ParsedTrade:
    """An INVBANKTRAN (its STMTTRN already checked by the bank reader): money in or out of the account's cash."""
    kind = _BANK_KINDS.get(squash(fields.get("TRNTYPE")).upper()) or ("deposit" if amount >= 0 else "withdrawal")
    if kind in ("interest", "dividend") and amount < 0:
        kind = "fee" if kind == "interest" else "withdrawal"  # margin interest charged; a dividend reversed
    if kind == "fee" and amount > 0:
        kind = "deposit"  # a fee refunded
    memo = squash(" ".join(p for p in (squash(fields.get("NAME") or fields.get("PAYEE.NAME")),
                                       squash(fields.get("MEMO"))) if p))
    trade_currency = squash(fields.get("CURRENCY.CURSYM")).upper() or currency
    return ParsedTrade(row=row, on=on, kind=kind, amount=amount, currency=trade_currency, memo=memo[:255],
                       external_id=squash(fields.get("FITID")) or None, source="INVBANKTRAN")


def position_from(tag: str, fields: dict[str, str], currency: str | None) -> ParsedPosition | str | None:
    """An INVPOSLIST entry, the reason it cannot be read (a string), or None for one naming no security
    (nothing to compare it with: the caller notes it)."""
    key = security_key(fields)
    if key is None:
        return None
    try:
        units = number(fields.get("UNITS"))
        price = number(fields.get("UNITPRICE"))
    except ValueError as err:
        return f"the position in {key}: {err}"
    if units is None:
        return f"the position in {key} has no units (UNITS)"
    if squash(fields.get("POSTYPE")).upper() == "SHORT" and units > 0:
        units = -units
    pos_currency = squash(fields.get("CURRENCY.CURSYM")).upper() or currency
    return ParsedPosition(security=key, units=units, unit_price=abs(price) if price is not None else None,
                          on=_date(fields.get("DTPRICEASOF")), currency=pos_currency, kind=tag)
