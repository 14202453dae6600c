"""Show that SUM over the Money column is exact, and that floats are not.

    .venv/bin/python bench/exact_sum.py       # SQLite in memory, and MariaDB when it answers

Inserts 1,000,000 rows of 1234567.89 through a scratch table with a Money column (a BIGINT
of thousandths behind a TypeDecorator) and sums them in SQL: exactly 1234567890000.00 on
every database. On SQLite the same values as floats, summed by SQL (CAST(... AS REAL), a
REAL column, and a Numeric column, which SQLite stores as REAL), come back different.
"""

from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/exact_sum.py`
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402 (after the path fix above)

from bench.common import database_kind, database_url, masked, prepare_database  # noqa: E402
from financeapp.core.db import Money  # noqa: E402

AMOUNT = Decimal("1234567.89")
DEFAULT_URLS = ("sqlite://", "mysql+pymysql://root@127.0.0.1:3306/financeapp_bench")
CHUNK = 50_000

metadata = sa.MetaData()
money_table = sa.Table("bench_exact_sum", metadata, sa.Column("id", sa.Integer, primary_key=True),
                       sa.Column("amount", Money, nullable=False))
real_table = sa.Table("bench_float_sum", metadata, sa.Column("id", sa.Integer, primary_key=True),
                      sa.Column("amount", sa.Float, nullable=False))
numeric_table = sa.Table("bench_numeric_sum", metadata, sa.Column("id", sa.Integer, primary_key=True),
                         sa.Column("amount", sa.Numeric(16, 2), nullable=False))


def run(url: str, rows: int) -> list[tuple[str, str, str]]:
    """(database, method, result) rows for one database."""
    engine = sa.create_engine(url)
    kind = database_kind(engine)
    expected = AMOUNT * rows
    results = []
    try:
        metadata.drop_all(engine)
        metadata.create_all(engine)
        started = time.perf_counter()
        with engine.begin() as conn:
            batch = [{"amount": AMOUNT}] * CHUNK
            for done in range(0, rows, CHUNK):
                conn.execute(money_table.insert(), batch[: min(CHUNK, rows - done)])
        print(f"{kind}: inserted {rows:,} rows in {time.perf_counter() - started:.1f} s")
        with engine.begin() as conn:
            exact = conn.scalar(sa.select(sa.func.sum(money_table.c.amount)))
            results.append((kind, "SUM(Money column)", _show(exact, expected)))
            if kind == "sqlite":
                cast = conn.scalar(sa.text("SELECT SUM(CAST(amount AS REAL) / 1000) FROM bench_exact_sum"))
                results.append((kind, "SUM(CAST(amount AS REAL) / 1000)", _show(cast, expected)))
                conn.execute(sa.text("INSERT INTO bench_float_sum (amount) SELECT 1234567.89 FROM bench_exact_sum"))
                real = conn.scalar(sa.select(sa.func.sum(real_table.c.amount)))
                results.append((kind, "SUM(REAL column of 1234567.89)", _show(real, expected)))
                conn.execute(numeric_table.insert().from_select(
                    ["amount"], sa.select(sa.literal(AMOUNT, sa.Numeric(16, 2))).select_from(money_table)))
                numeric = conn.scalar(sa.select(sa.func.sum(numeric_table.c.amount)))
                results.append((kind, "SUM(Numeric(16, 2) column), as SQLAlchemy returns it",
                                _show(numeric, expected)))
            else:
                double = conn.scalar(sa.text("SELECT SUM(CAST(amount AS DOUBLE) / 1000) FROM bench_exact_sum"))
                results.append((kind, "SUM(CAST(amount AS DOUBLE) / 1000)", _show(double, expected)))
    finally:
        metadata.drop_all(engine)
        engine.dispose()
    return results


def _show(value: object, expected: Decimal) -> str:
    if isinstance(value, Decimal):
        text = str(value.quantize(Decimal("0.01")))
        difference = value - expected
    else:
        text = repr(value)
        difference = Decimal(repr(value)) - expected
    return f"{text}  ({'exact' if difference == 0 else f'off by {difference:+}'})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", action="append", help="repeatable (default: SQLite in memory and "
                        "MariaDB at 127.0.0.1:3306/financeapp_bench)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    print(f"expected: {AMOUNT} x {args.rows:,} = {(AMOUNT * args.rows).quantize(Decimal('0.01'))}")
    table = []
    for raw in args.database_url or DEFAULT_URLS:
        url = database_url(raw)
        try:
            prepare_database(url, fresh=False)
            table.extend(run(url, args.rows))
        except sa.exc.OperationalError as err:
            if args.database_url:
                raise
            print(f"skipped {masked(url)}: {err.orig}", file=sys.stderr)
    width = max(len(method) for _, method, _ in table)
    for kind, method, result in table:
        print(f"{kind:<8} {method:<{width}}  {result}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
