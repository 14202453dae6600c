"""Fill a benchmark database: N workspaces, one owner each, a seeded history of M transactions each.

    .venv/bin/python bench/seed.py                                   # SQLite file bench/results/bench.db
    .venv/bin/python bench/seed.py --fresh --workspaces 1 --per-workspace 100000 \\
        --database-url mysql+pymysql://root@127.0.0.1:3306/financeapp_bench

The schema comes from the Alembic migrations (`--fresh` drops the database first). Owners are
bench-owner-N@example.com with password bench-password-1; workspace N's history uses seed N.
A workspace that already has transactions is left alone. Prints transactions and rows per second.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/seed.py`
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402 (after the path fix above)
from flask_migrate import upgrade  # noqa: E402

from bench.common import (  # noqa: E402
    BENCH_PASSWORD,
    DEFAULT_URL,
    RESULTS,
    database_kind,
    database_url,
    git_revision,
    make_app,
    masked,
    owner_email,
    prepare_database,
    server_version,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL, help="SQLAlchemy URL (default: %(default)s)")
    parser.add_argument("--workspaces", type=int, default=10, help="workspaces to fill (default: %(default)s)")
    parser.add_argument("--per-workspace", type=int, default=100_000,
                        help="transactions per workspace (default: %(default)s)")
    parser.add_argument("--fresh", action="store_true", help="drop the database and migrate from scratch")
    parser.add_argument("--end", type=datetime.fromisoformat, default=None,
                        help="last day of the histories, YYYY-MM-DD (default: today)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = database_url(args.database_url)
    prepare_database(url, fresh=args.fresh)
    app = make_app(url)

    from financeapp.auth.services import Registration, find_user, register_user
    from financeapp.demo.generator import generate_history
    from financeapp.extensions import db
    from financeapp.transactions.models import Transaction
    from financeapp.workspaces.services import memberships_of

    end = args.end.date() if args.end else None
    runs = []
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        kind = database_kind(db.engine)
        print(f"{kind} {server_version(db.engine)} at {masked(url)}: schema migrated "
              f"in {time.perf_counter() - started:.1f} s")
        for n in range(1, args.workspaces + 1):
            email = owner_email(n)
            user = find_user(email) or register_user(
                Registration(email=email, display_name=f"Bench owner {n}", password=BENCH_PASSWORD))
            db.session.commit()
            workspace = next(m.workspace for m in memberships_of(user) if m.workspace.is_personal)
            workspace_id = workspace.id
            existing = db.session.scalar(
                sa.select(sa.func.count()).select_from(Transaction).where(Transaction.workspace_id == workspace_id))
            db.session.remove()
            if existing:
                print(f"workspace {workspace_id} ({email}): already has {existing:,} transactions, skipped "
                      "(use --fresh to start over)")
                continue
            started = time.perf_counter()
            with db.engine.begin() as conn:
                stats = generate_history(workspace_id, args.per_workspace, seed=n, end=end, connection=conn)
            seconds = time.perf_counter() - started  # including the commit
            rows = stats["transactions"] + stats["lines"] + stats["labelled"]
            runs.append({"workspace_id": workspace_id, "email": email, **stats, "seconds_with_commit": seconds,
                         "transactions_per_second": stats["transactions"] / seconds,
                         "rows_per_second": rows / seconds})
            print(f"workspace {workspace_id} ({email}): {stats['transactions']:,} transactions, "
                  f"{stats['lines']:,} lines, {stats['transfers']:,} transfers, {stats['splits']:,} splits, "
                  f"{stats['start']}..{stats['end']} in {seconds:.1f} s = "
                  f"{stats['transactions'] / seconds:,.0f} transactions/s ({rows / seconds:,.0f} rows/s)")
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Transaction))
        db.session.remove()
        db.engine.dispose()
    if runs:
        seconds = sum(r["seconds_with_commit"] for r in runs)
        transactions = sum(r["transactions"] for r in runs)
        print(f"total: {transactions:,} transactions in {seconds:.1f} s = {transactions / seconds:,.0f}/s; "
              f"the database now holds {total:,} transactions")
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = RESULTS / f"seed-{kind}-{stamp}.json"
        path.write_text(json.dumps({"database": kind, "url": masked(url), "git": git_revision(),
                                    "runs": runs, "total_transactions": total}, indent=2, default=str))
        print(f"saved {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
