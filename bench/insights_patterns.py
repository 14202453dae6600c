"""Seasonal patterns on the bench's 10-year history: is December flagged on total spending, and are rent
and subscriptions left out? And how long the computation takes.

    .venv/bin/python bench/insights_patterns.py               # seed 2, 100,000 transactions, SQLite
    .venv/bin/python bench/insights_patterns.py --seed 1      # the seed the gates were chosen on

Seeds (or reuses) a workspace per seed with `generate_history` (no injected outliers), computes the
patterns as the scan job does (`services.compute_patterns`: the reports' monthly totals, then an STL fit
per series) and prints the seasons and trends found, and the acceptance checks. Results go to
`bench/results/insights-patterns-<db>-<UTC stamp>.json`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/insights_patterns.py`
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402 (after the path fix above)
from flask_migrate import upgrade  # noqa: E402

from bench.common import (  # noqa: E402
    BENCH_PASSWORD,
    RESULTS,
    database_kind,
    database_url,
    git_revision,
    make_app,
    masked,
    prepare_database,
)

DEFAULT_URL = f"sqlite:///{RESULTS / 'insights-patterns.db'}"
END = date(2026, 11, 30)
TODAY = date(2026, 12, 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL, help="SQLAlchemy URL (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=2, help="history seed (default: %(default)s)")
    parser.add_argument("--transactions", type=int, default=100_000, help="history size (default: %(default)s)")
    parser.add_argument("--fresh", action="store_true", help="drop the database first")
    args = parser.parse_args(argv)
    url = database_url(args.database_url)
    prepare_database(url, fresh=args.fresh)
    app = make_app(url)

    from financeapp.auth.services import Registration, find_user, register_user
    from financeapp.demo.generator import generate_history
    from financeapp.extensions import db
    from financeapp.insights import services
    from financeapp.transactions.models import Transaction
    from financeapp.workspaces.services import memberships_of

    with app.app_context():
        upgrade()
        kind = database_kind(db.engine)
        email = f"bench-patterns-{args.seed}-{args.transactions}@example.com"
        user = find_user(email) or register_user(
            Registration(email=email, display_name=f"Patterns bench {args.seed}", password=BENCH_PASSWORD))
        db.session.commit()
        ws = next(m.workspace for m in memberships_of(user) if m.workspace.is_personal)
        if not db.session.scalar(sa.select(sa.func.count()).select_from(Transaction)
                                 .where(Transaction.workspace_id == ws.id)):
            started = time.perf_counter()
            workspace_id = ws.id
            db.session.remove()
            with db.engine.begin() as conn:
                stats = generate_history(workspace_id, args.transactions, seed=args.seed, end=END, connection=conn)
            print(f"seeded workspace {workspace_id}: {stats['transactions']:,} transactions "
                  f"({stats['start']}..{stats['end']}) in {time.perf_counter() - started:.1f} s")
            ws = db.session.merge(ws)
        started = time.perf_counter()
        data = services.compute_patterns(ws, TODAY).to_json()
        seconds = time.perf_counter() - started
        db.session.rollback()

    seasonal = {item["series"]: item for item in data["seasonal"]}
    total = seasonal.get("Total spending")
    december = next((m for m in (total or {}).get("months", []) if m["month"] == 12), None)
    checks = {
        "december_flagged_on_total": december is not None and float(december["percent"]) > 0,
        "rent_not_seasonal": "Home: Rent or mortgage" not in seasonal,
        "subscriptions_not_seasonal": "Leisure: Subscriptions" not in seasonal,
    }
    print(f"{kind} at {masked(url)}, seed {args.seed}: {data['months']} whole months "
          f"{data['first']}..{data['through']}, computed in {seconds:.2f} s")
    for item in data["seasonal"]:
        print(f"  season  {item['series']} (strength {item['strength']}): "
              + "; ".join(m["text"] for m in item["months"][:4]))
    for item in data["trends"]:
        print(f"  trend   {item['text']}")
    for name, ok in checks.items():
        print(f"{name}: {'yes' if ok else 'NO'}" + (f" ({december['text']})" if name.startswith("dec") and december
                                                     else ""))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"insights-patterns-{kind}-{stamp}.json"
    path.write_text(json.dumps({"database": kind, "git": git_revision(), "seed": args.seed,
                                "transactions": args.transactions, "seconds": round(seconds, 3), "checks": checks,
                                "patterns": data}, indent=2))
    print(f"saved {path.relative_to(ROOT)}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
