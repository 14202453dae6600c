"""Time the transfer finder (financeapp.transactions.found_transfers) on a seeded database.

    .venv/bin/python bench/transfers.py --database-url mysql+pymysql://root@127.0.0.1:3306/financeapp_bench

The seeded history (bench/seed.py) has its transfers linked already. Inside one database
transaction that is rolled back at the end (the database is left as it was), this unlinks every
transfer of bench-owner-N's workspace, as if both sides had come from two imported statements,
then times `find_transfers` (`--repeat` runs, after one warm-up), compares the pairs it proposes
with the transfers that were there (found again / proposed but not one of them / missed), and
times `link_all` with the monthly totals' refresh that a commit would run. Prints the plan
(EXPLAIN) of the candidates query on MySQL/MariaDB.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/transfers.py`
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402 (after the path fix above)

from bench.common import (  # noqa: E402
    DEFAULT_URL,
    RESULTS,
    database_kind,
    database_url,
    git_revision,
    make_app,
    masked,
    owner_email,
    server_version,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL, help="SQLAlchemy URL (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of the finder (default: %(default)s)")
    parser.add_argument("--owner", type=int, default=1, help="whose workspace, bench-owner-N (default: 1)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = database_url(args.database_url)
    app = make_app(url)

    from financeapp.auth.services import find_user
    from financeapp.extensions import db
    from financeapp.reports import totals
    from financeapp.transactions import found_transfers
    from financeapp.transactions.models import Transaction
    from financeapp.workspaces.services import memberships_of

    with app.app_context():
        user = find_user(owner_email(args.owner))
        if user is None:
            raise SystemExit(f"No {owner_email(args.owner)}: run bench/seed.py first.")
        workspace = next(m.workspace for m in memberships_of(user) if m.workspace.is_personal)
        ws = Transaction.workspace_id == workspace.id
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(Transaction).where(ws))
        sides = db.session.execute(sa.select(Transaction.transfer_key, Transaction.id, Transaction.amount)
                                   .where(ws, Transaction.transfer_key.is_not(None))).all()
        by_key: dict[int, dict[str, int]] = {}
        for key, txn_id, amount in sides:
            by_key.setdefault(key, {})["out" if amount < 0 else "in"] = txn_id
        truth = {(pair["out"], pair["in"]) for pair in by_key.values() if len(pair) == 2}
        db.session.execute(sa.update(Transaction).where(ws, Transaction.transfer_key.is_not(None))
                           .values(transfer_key=None).execution_options(synchronize_session=False))
        totals.mark_where(db.session, ws)
        totals.flush_totals(db.session)  # the unlinking's own refresh, so the timed one is the link's only

        found_transfers.find_transfers(workspace)  # warm-up: caches, buffer pool
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            pairs = found_transfers.find_transfers(workspace)
            times.append(time.perf_counter() - started)
        proposed = {(p.out_id, p.in_id) for p in pairs}

        plan = []
        if db.engine.dialect.name == "mysql":
            compiled = found_transfers._candidates(workspace).compile(
                dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
            plan = [dict(row._mapping) for row in db.session.execute(sa.text(f"EXPLAIN {compiled}"))]

        started = time.perf_counter()
        linked = found_transfers.link_all(workspace)
        totals.flush_totals(db.session)  # what the commit would run
        link_seconds = time.perf_counter() - started
        db.session.rollback()

        result = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"), "git": git_revision(),
            "database": f"{database_kind(db.engine)} {server_version(db.engine)}", "url": masked(url),
            "transactions": rows, "transfers_unlinked": len(truth), "proposed": len(proposed),
            "found_again": len(proposed & truth), "not_a_seeded_transfer": len(proposed - truth),
            "missed": len(truth - proposed),
            "find_seconds": {"median": round(statistics.median(times), 3), "max": round(max(times), 3),
                             "runs": args.repeat},
            "link_all_seconds": round(link_seconds, 3), "linked": len(linked), "explain": plan,
        }
    print(f"{result['database']}, {rows:,} transactions, {len(truth)} transfers unlinked")
    print(f"find_transfers: median {result['find_seconds']['median']:.3f} s, max {result['find_seconds']['max']:.3f} s"
          f" over {args.repeat} runs; {len(proposed)} pairs proposed: {result['found_again']} were seeded transfers, "
          f"{result['not_a_seeded_transfer']} were not, {result['missed']} transfers missed")
    print(f"link_all + monthly totals refresh: {link_seconds:.3f} s for {len(linked)} pairs (rolled back)")
    for row in plan:
        print("  ", {k: row.get(k) for k in ("table", "type", "key", "ref", "rows", "Extra")})
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"transfers-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    print(f"saved {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
