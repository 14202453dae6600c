"""The unusual-transaction finder: pure arithmetic over arrays, no database, no Flask.

Three signals, each with a reason a person can check:

- size: the log of a purchase against the median and MAD (median absolute deviation) of the log
  amounts of its category — or of its payee, once the payee has enough history of its own — per
  currency. Logs, because spending is multiplicative (a $50 coffee is as odd as a $5,000 grocery bill
  relative to their medians); median and MAD, because the outliers being looked for must not move
  the yardstick (a mean and standard deviation are dragged by the very purchase they should flag).
  A purchase is unusual when its robust z-score reaches the sensitivity's threshold *and* it is a
  material multiple of the median *and* not a small sum (a $12 coffee is not worth an alert).
- new payee: the first payment to a payee above an amount, once the history is past its first
  weeks (at the start every payee is new), and large for its category too.
- duplicate: a second charge of the same amount to the same payee on the same account and day.

A taught exception (a payee's amounts a member called normal) silences all three for that payee
within the learnt range. Amounts come in as integer thousandths of a unit (the Money column's own
scale), magnitudes of money out; floats appear only inside the statistics.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

MAD_SCALE = 1.4826  # makes the MAD a consistent estimate of the standard deviation for normal data
SIGMA_FLOOR = 0.10  # log units: a constant subscription has MAD 0; a 10 % change must not be "infinite"
MIN_CATEGORY_HISTORY = 8  # purchases a category needs before its median means anything
MIN_PAYEE_HISTORY = 10  # payments a payee needs before it is its own yardstick
WARMUP_DAYS = 90  # "first payment to this payee" only after the history's first three months
EXCEPTION_MARGIN = Decimal("0.10")  # a taught range covers amounts up to 10 % beyond it
CURRENCY_SLOTS = 1024  # group keys are id * CURRENCY_SLOTS + currency index
# A group's yardstick is its 1,000 most recently recorded rows: prices drift over ten years, and scoring a
# new entry then reads at most this many rows per group (services.load_rows), whatever the history's size.
HISTORY_WINDOW = 1_000

KIND_ORDER = ("duplicate", "size", "new_payee")  # the primary kind of a transaction flagged several ways


@dataclass(frozen=True)
class Sensitivity:
    """How unusual is unusual. `normal` is the default; its numbers were tuned on bench seed 1."""

    name: str
    threshold: float  # robust z-score of the log amount
    min_ratio: float  # and at least this multiple of the median
    min_amount: Decimal  # and at least this much (units of the account's currency)
    new_payee_amount: Decimal  # a first payment to a payee from this much
    new_payee_ratio: float  # ... that is also this multiple of its category's median
    duplicate_amount: Decimal  # a same-day repeat from this much


SENSITIVITIES = {
    "low": Sensitivity("low", 5.0, 4.0, Decimal(100), Decimal(1000), 3.5, Decimal(50)),
    "normal": Sensitivity("normal", 4.0, 3.0, Decimal(50), Decimal(500), 2.5, Decimal(20)),
    "high": Sensitivity("high", 3.0, 2.0, Decimal(25), Decimal(250), 2.0, Decimal(10)),
}
DEFAULT_SENSITIVITY = "normal"


@dataclass
class Rows:
    """One entry per spending line of a non-transfer transaction (a split has several, same `txn`).

    `on` is the date's ordinal; `payee` and `category` are -1 when missing; `currency` indexes
    `currencies`; `line` and `amount` are the line's and the transaction's magnitudes in thousandths.
    """

    txn: np.ndarray
    on: np.ndarray
    account: np.ndarray
    payee: np.ndarray
    category: np.ndarray
    currency: np.ndarray
    line: np.ndarray
    amount: np.ndarray
    currencies: list[str]

    def __len__(self) -> int:
        return len(self.txn)

    def subset(self, mask: np.ndarray) -> Rows:
        """The rows where `mask` is true."""
        return Rows(self.txn[mask], self.on[mask], self.account[mask], self.payee[mask], self.category[mask],
                    self.currency[mask], self.line[mask], self.amount[mask], self.currencies)


@dataclass(frozen=True)
class Finding:
    """Why one transaction is unusual. `basis` is what `median` and `ratio` compare it with
    ("category" `basis_id`, or "payee"); `duplicate_of` counts the same charges before it that day."""

    transaction_id: int
    kinds: tuple[str, ...]
    score: float
    basis: str | None
    basis_id: int | None
    median: int | None  # thousandths
    ratio: float | None
    amount: int  # the compared amount, thousandths
    currency: str
    payee_id: int | None
    duplicate_of: int

    @property
    def kind(self) -> str:
        return self.kinds[0]


def _thousandths(value: Decimal) -> int:
    return int(value * 1000)


def _robust(frame: pd.DataFrame, value: str, keys: pd.Series, min_count: int) -> tuple[pd.Series, pd.Series]:
    """Per group, from its HISTORY_WINDOW most recently recorded rows (highest ids): the median and
    max(1.4826 MAD, floor), mapped onto every row of the group; both NaN where it has under `min_count` rows."""
    frame = frame.assign(_key=keys)
    recent = frame.sort_values("txn", kind="stable").groupby("_key").tail(HISTORY_WINDOW)
    groups = recent.groupby("_key")[value]
    median = groups.median()
    mad = (recent[value] - recent["_key"].map(median)).abs().groupby(recent["_key"]).median()
    enough = groups.size() >= min_count
    sigma = np.maximum(mad * MAD_SCALE, SIGMA_FLOOR)
    return frame["_key"].map(median.where(enough)), frame["_key"].map(sigma.where(enough))


def find(rows: Rows, sensitivity: Sensitivity, *, history_start: int, exceptions: dict[tuple[int, str], tuple[int, int]]
         | None = None, only: set[int] | None = None) -> list[Finding]:
    """The unusual transactions among `rows` (those in `only`, when given), most unusual first.

    `rows` must hold at least the HISTORY_WINDOW most recent lines of each category and payee it is
    asked about (the statistics are those rows'); `history_start` is the ordinal of the workspace's first transaction;
    `exceptions` maps (payee id, currency) to a taught (low, high) range in thousandths.
    """
    if len(rows) == 0:
        return []
    lines = pd.DataFrame({"txn": rows.txn, "on": rows.on, "account": rows.account, "payee": rows.payee,
                          "category": rows.category, "currency": rows.currency, "line": rows.line,
                          "amount": rows.amount})
    lines = lines[(lines["line"] > 0) & (lines["amount"] > 0)]
    if lines.empty:
        return []
    lines["x"] = np.log(lines["line"].to_numpy(dtype=float) / 1000.0)
    med_cat, sigma_cat = _robust(lines, "x", lines["category"] * CURRENCY_SLOTS + lines["currency"],
                                 MIN_CATEGORY_HISTORY)
    lines["z_cat"] = (lines["x"] - med_cat) / sigma_cat
    lines["med_cat"] = med_cat
    lines["sigma_cat"] = sigma_cat
    # Each transaction keeps the line that is most unusual for its category (a split's lines differ).
    lines["rank"] = lines["z_cat"].fillna(-np.inf)
    txns = lines.sort_values(["txn", "rank"]).drop_duplicates("txn", keep="last")
    txns.index = pd.Index(txns["txn"].to_numpy())  # unnamed, so "txn" stays a plain column for sorting

    txns["tx"] = np.log(txns["amount"].to_numpy(dtype=float) / 1000.0)
    payee_keys = txns["payee"] * CURRENCY_SLOTS + txns["currency"]
    med_pay, sigma_pay = _robust(txns, "tx", payee_keys, MIN_PAYEE_HISTORY)
    # A payee's own median is the centre, but its spread is never taken as narrower than its category's:
    # the MAD of a dozen payments is too noisy to trust (tuned on bench seed 1: it made most false alarms).
    z_pay = (txns["tx"] - med_pay) / np.fmax(sigma_pay, txns["sigma_cat"])
    use_payee = (txns["payee"] >= 0) & z_pay.notna()
    z = z_pay.where(use_payee, txns["z_cat"])
    median_log = med_pay.where(use_payee, txns["med_cat"])
    compared = txns["amount"].where(use_payee, txns["line"])
    log_amount = txns["tx"].where(use_payee, txns["x"])
    ratio = np.exp(log_amount - median_log)

    size = ((z >= sensitivity.threshold) & (ratio >= sensitivity.min_ratio)
            & (compared >= _thousandths(sensitivity.min_amount)))

    ordered = txns.sort_values(["payee", "on", "txn"])
    first = ~ordered["payee"].duplicated() & (ordered["payee"] >= 0)
    first = first.reindex(txns.index)
    # Large for its category too (a new landlord's rent is not news), or a category without history yet.
    large = (np.exp(txns["x"] - txns["med_cat"]) >= sensitivity.new_payee_ratio) | txns["z_cat"].isna()
    new_payee = (first & (txns["on"] >= history_start + WARMUP_DAYS)
                 & (txns["amount"] >= _thousandths(sensitivity.new_payee_amount)) & large)

    by_charge = txns.sort_values("txn").groupby(["account", "payee", "on", "amount"]).cumcount()
    earlier = by_charge.reindex(txns.index)
    duplicate = (earlier >= 1) & (txns["amount"] >= _thousandths(sensitivity.duplicate_amount))

    flagged = size | new_payee | duplicate
    if exceptions:
        margin = 1 + EXCEPTION_MARGIN
        for (payee_id, currency), (low, high) in exceptions.items():
            if currency not in rows.currencies:
                continue
            slot = rows.currencies.index(currency)
            taught = ((txns["payee"] == payee_id) & (txns["currency"] == slot)
                      & (txns["amount"] >= int(low / margin)) & (txns["amount"] <= int(high * margin)))
            flagged &= ~taught
    if only is not None:
        flagged &= txns["txn"].isin(list(only))

    findings = []
    picked = txns[flagged]
    for txn_id in picked.index:
        kinds = tuple(kind for kind, mask in (("duplicate", duplicate), ("size", size), ("new_payee", new_payee))
                      if bool(mask.at[txn_id]))
        row = picked.loc[txn_id]
        by_payee = bool(use_payee.at[txn_id])
        score = z.at[txn_id]
        has_basis = not pd.isna(median_log.at[txn_id])
        findings.append(Finding(
            transaction_id=int(txn_id), kinds=kinds,
            score=float(score) if not pd.isna(score) else 0.0,
            basis=("payee" if by_payee else "category") if has_basis else None,
            basis_id=int(row["payee"] if by_payee else row["category"]) if has_basis else None,
            # float ok: the median in milli-units, shown in words
            median=round(float(np.exp(median_log.at[txn_id])) * 1000) if has_basis else None,
            ratio=float(ratio.at[txn_id]) if has_basis else None,
            amount=int(compared.at[txn_id]), currency=rows.currencies[int(row["currency"])],
            payee_id=int(row["payee"]) if row["payee"] >= 0 else None,
            duplicate_of=int(earlier.at[txn_id]),
        ))
    findings.sort(key=lambda f: (-f.score, f.transaction_id))
    return findings
