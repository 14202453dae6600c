"""De-duplication of incoming bank rows against the transactions already in an account.

Two ways a row is a duplicate of an existing transaction in the same account:

1. the bank's own id: the same FITID (`external_id`), whatever the date;
2. the same exact amount and the same normalised text, dated at most `WINDOW_DAYS` apart
   (banks move a booking date by a day or two between downloads).

Each existing transaction absorbs at most one incoming row, so identical rows inside one file
(the same coffee twice a day) stay real: two incoming rows against one existing transaction
are one duplicate and one new row. Rows without a bank id are stored with a fingerprint of
their original text in `external_id` ("~" + hash), so a later rule renaming the payee does
not stop the next import of the same rows from being recognised.

The lookups are one SQL query per account over the file's date span (the
(workspace_id, account_id, date, amount) index) plus chunked `external_id IN (...)` queries
(the (workspace_id, account_id, external_id) index); never one query per row.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from financeapp.extensions import db
from financeapp.payees.models import Payee
from financeapp.transactions.models import Transaction

WINDOW_DAYS = 3  # how far apart two bookings of the same amount and text may be dated
FINGERPRINT_PREFIX = "~"
IN_CHUNK = 500  # external ids per IN (...) query

_PUNCTUATION = re.compile(r"[^\w\s]+|_+")
_NUMBERISH = re.compile(r"^x*\d+$")  # card numbers, references, dates: "1234", "xxxx1234"


def normalise_text(*parts: str | None) -> str:
    """Casefolded words without punctuation, accents or number-only tokens, single-spaced."""
    return _normalised(" ".join(p for p in parts if p))


@functools.lru_cache(maxsize=65_536)  # bank files repeat the same payees and memos many times
def _normalised(text: str) -> str:
    text = text.casefold()
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    words = _PUNCTUATION.sub(" ", text).split()
    return " ".join(w for w in words if not _NUMBERISH.match(w))


@functools.lru_cache(maxsize=65_536)
def fingerprint(text: str) -> str:
    """What is stored in `external_id` for a row without a bank id: a hash of its normalised text."""
    return FINGERPRINT_PREFIX + hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:24]


def is_bank_id(external_id: str | None) -> bool:
    return bool(external_id) and not external_id.startswith(FINGERPRINT_PREFIX)  # type: ignore[union-attr]


@dataclass(frozen=True, slots=True)
class Incoming:
    """One incoming row, as far as matching cares."""

    on: date
    amount: Decimal
    texts: tuple[str, ...]  # normalised texts it may have been stored under (as in the file, as renamed)
    external_id: str | None = None


@dataclass(slots=True)
class Existing:
    """A transaction already in the account."""

    id: int
    on: date
    amount: Decimal
    payee: str
    memo: str
    external_id: str | None
    texts: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class Match:
    """Why an incoming row is a duplicate: the transaction it matches, and on what."""

    transaction_id: int
    on: date
    amount: Decimal
    payee: str
    memo: str
    kind: str  # "fitid" | "text" | "transfer"
    days_apart: int = 0
    external_id: str = ""

    @property
    def reason(self) -> str:
        if self.kind == "fitid":
            return f"same bank transaction id ({self.external_id})"
        if self.kind == "transfer":
            apart = f", {self.days_apart} day{'' if self.days_apart == 1 else 's'} apart" if self.days_apart else ""
            return f"the same transfer between these two accounts (same amount{apart})"
        if self.days_apart == 0:
            return "same account, date, amount and text"
        day_word = "day" if self.days_apart == 1 else "days"
        return f"same account, amount and text, {self.days_apart} {day_word} apart"


def existing_texts(payee: str, memo: str, external_id: str | None) -> frozenset[str]:
    """The normalised texts (or the fingerprint) an existing transaction answers to.

    A row imported without a bank id carries the fingerprint of its text as the file had it, which
    is what the same row in the next file produces; its stored payee and memo are not needed.
    """
    if external_id and external_id.startswith(FINGERPRINT_PREFIX):
        return frozenset((external_id,))
    return frozenset((normalise_text(payee, memo),))


def match_rows(incoming: Sequence[Incoming], existing: Iterable[Existing],
               window: int = WINDOW_DAYS) -> list[Match | None]:
    """Pair each incoming row with at most one existing transaction (and each existing with one row).

    Bank ids first, then text matches on the same day, then the nearest day within the window.
    """
    result: list[Match | None] = [None] * len(incoming)
    used: set[int] = set()
    by_bank_id: dict[str, list[Existing]] = defaultdict(list)
    by_text: dict[tuple[Decimal, str], list[Existing]] = defaultdict(list)
    for row in sorted(existing, key=lambda e: e.id):
        if is_bank_id(row.external_id):
            by_bank_id[row.external_id].append(row)  # type: ignore[index]
        for text in row.texts:
            by_text[(row.amount, text)].append(row)

    def take(row: Existing, kind: str, on: date) -> Match:
        used.add(row.id)
        return Match(row.id, row.on, row.amount, row.payee, row.memo, kind, abs((row.on - on).days),
                     row.external_id or "")

    # 1. The bank's id, whatever the date; an exact twin (same date and amount) first.
    for i, item in enumerate(incoming):
        if not item.external_id:
            continue
        free = [e for e in by_bank_id.get(item.external_id, ()) if e.id not in used]
        if free:
            free.sort(key=lambda e: (e.amount != item.amount, abs((e.on - item.on).days), e.id))
            result[i] = take(free[0], "fitid", item.on)

    # 2. Text: same day first, then widening the window, so overlapping statements pair up exactly.
    if not by_text:
        return result
    pending: list[tuple[int, Incoming, list[Existing]]] = []
    for i, item in enumerate(incoming):
        if result[i] is not None:
            continue
        keys = set(item.texts)
        if item.texts and not item.external_id:
            keys.add(fingerprint(item.texts[0]))
        found: dict[int, Existing] = {}
        for text in keys:
            for row in by_text.get((item.amount, text), ()):
                # A row carrying its own bank id only matches that id, never text.
                if abs((row.on - item.on).days) <= window and not (item.external_id and is_bank_id(row.external_id)):
                    found[row.id] = row
        if found:
            pending.append((i, item, sorted(found.values(), key=lambda e: e.id)))
    for distance in range(window + 1):
        for i, item, rows in pending:
            if result[i] is not None:
                continue
            for row in rows:
                if row.id not in used and abs((row.on - item.on).days) == distance:
                    result[i] = take(row, "text", item.on)
                    break
    return result


def load_existing(workspace_id: int, account_id: int, incoming: Sequence[Incoming],
                  window: int = WINDOW_DAYS) -> list[Existing]:
    """The account's transactions a row could match: the file's date span (one query) and its bank ids."""
    if not incoming:
        return []
    start = min(i.on for i in incoming) - timedelta(days=window)
    end = max(i.on for i in incoming) + timedelta(days=window)
    columns = (Transaction.id, Transaction.on, Transaction.amount, Transaction.memo, Transaction.external_id,
               Payee.name)
    base = (
        sa.select(*columns)
        .outerjoin(Payee, Payee.id == Transaction.payee_id)
        .where(Transaction.workspace_id == workspace_id, Transaction.account_id == account_id)
    )
    rows: dict[int, Existing] = {}

    def keep(result: Iterable[sa.Row]) -> None:
        for txn_id, on, amount, memo, external_id, payee in result:
            if txn_id not in rows:
                rows[txn_id] = Existing(txn_id, on, amount, payee or "", memo or "", external_id,
                                        existing_texts(payee or "", memo or "", external_id))

    keep(db.session.execute(base.where(Transaction.on.between(start, end))))
    wanted = sorted({i.external_id for i in incoming if i.external_id}
                    - {e.external_id for e in rows.values() if e.external_id})
    for offset in range(0, len(wanted), IN_CHUNK):
        keep(db.session.execute(base.where(Transaction.external_id.in_(wanted[offset:offset + IN_CHUNK]))))
    return list(rows.values())


def find_duplicates(workspace_id: int, account_id: int, incoming: Sequence[Incoming],
                    window: int = WINDOW_DAYS) -> list[Match | None]:
    """For each incoming row of one account, the existing transaction it duplicates, or None."""
    return match_rows(incoming, load_existing(workspace_id, account_id, incoming, window), window)
