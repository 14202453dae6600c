"""The bench history as one CSV of all its accounts, the shape Firefly III, Actual, YNAB and
spreadsheets export: one row per booking with an account column.

    .venv/bin/python bench/history_csv.py OUT.csv [--transactions 13000] [--seed 1] [--end 2026-11-30]

The history is `financeapp.demo.generator`'s plan (eight accounts, one in EUR; forty categories;
salaries, bills, spending, splits, labels, transfers), written without a database. Columns:

    Date, Account, Currency, Payee, Category ("Group/Name"), Amount (signed), Memo, Tags, Transfer, Split

A transfer is written on both accounts, each row naming the other account in "Transfer" (as the apps
above export them: the import must make one transfer of the two rows, never two). A split is one row
per line sharing a "Split" id. `summarise(path)` recomputes, from the file alone with the csv module,
what an import of it must give (tests/imports/test_history.py and the bench compare against it).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/history_csv.py`
    sys.path.insert(0, str(ROOT))

from financeapp.core.money import minor_units  # noqa: E402
from financeapp.demo import catalogue  # noqa: E402
from financeapp.demo.generator import _Planner, _sides  # noqa: E402

HEADER = ("Date", "Account", "Currency", "Payee", "Category", "Amount", "Memo", "Tags", "Transfer", "Split")


def write_history_csv(path: Path, transactions: int, *, seed: int = 1, end: date = date(2026, 11, 30),
                      base: str = "USD") -> int:
    """Write the history; returns the number of data rows."""
    planner = _Planner(random.Random(seed), base, transactions, end)
    plan = planner.plan()
    group_of = {name: group for (group, _kind), names in catalogue.CATEGORIES.items() for name in names}
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for n, event in enumerate(plan.events):
            sides = list(_sides(event))
            for side in sides:
                currency = planner.currency[side.account]
                places = minor_units(currency)
                other = next((s for s in sides if s is not side), None)
                transfer = plan.names[other.account] if other is not None else ""
                common = [side.on.isoformat(), plan.names[side.account], currency, side.payee or ""]
                tags = ",".join(side.labels)
                if side.split:
                    for category, minor, memo in side.split:
                        out.writerow([*common, f"{group_of[category]}/{category}",
                                      str(Decimal(minor).scaleb(-places)), memo, tags, "", f"S{n}"])
                        rows += 1
                    continue
                category = f"{group_of[side.category]}/{side.category}" if side.category and not transfer else ""
                out.writerow([*common, category, str(Decimal(side.minor).scaleb(-places)), side.memo, tags,
                              transfer, ""])
                rows += 1
    return rows


@dataclass
class Expected:
    """What importing the file must give, worked out from the file alone."""

    transactions: int = 0
    transfers: int = 0  # each with two sides
    balances: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))  # per account
    currencies: dict[str, str] = field(default_factory=dict)
    # (year, currency) -> "Group/Name" -> net amount of the non-transfer lines
    categories: dict[tuple[int, str], dict[str, Decimal]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Decimal)))


def summarise(path: Path) -> Expected:
    expected = Expected()
    last_split = None
    with path.open(encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            amount = Decimal(record["Amount"])
            account = record["Account"]
            expected.balances[account] += amount
            expected.currencies[account] = record["Currency"]
            split = (record["Split"], record["Date"], account, record["Payee"]) if record["Split"] else None
            if split is None or split != last_split:
                expected.transactions += 1
            last_split = split
            if record["Transfer"]:
                expected.transfers += 1  # counted on both sides: halved below
            elif record["Category"]:
                year = int(record["Date"][:4])
                expected.categories[(year, record["Currency"])][record["Category"]] += amount
    expected.transfers //= 2
    return expected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--transactions", type=int, default=13_000,
                        help="about 1,300 make a year (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 11, 30))
    args = parser.parse_args(argv)
    rows = write_history_csv(args.out, args.transactions, seed=args.seed, end=args.end)
    print(f"{args.out}: {rows} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
