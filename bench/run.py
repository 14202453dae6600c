"""Time the key pages on a seeded database, in-process through Flask's test client.

    .venv/bin/python bench/run.py                      # the SQLite file bench/seed.py fills
    .venv/bin/python bench/run.py --database-url mysql+pymysql://root@127.0.0.1:3306/financeapp_bench

Signs in as bench-owner-1 (see bench/seed.py), then for each endpoint makes 3 warm-up
requests and `--repeat` timed ones (time.perf_counter around each request: routing, queries,
rendering; no network). Reports median and p95 in ms and the status codes seen, as JSON and
a Markdown table in `--out` (<database kind>-<UTC timestamp>.json/.md); the table is printed
too. A page that answers anything but 200 is reported with its status, not timed as a success.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import platform
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/run.py`
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402 (after the path fix above)

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
    server_version,
)

WARMUP = 3


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL, help="SQLAlchemy URL (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=50, help="timed requests per endpoint (default: 50)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to save the report (default: %(default)s)")
    parser.add_argument("--owner", type=int, default=1, help="which bench-owner-N to sign in as (default: 1)")
    return parser.parse_args(argv)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def facts(app: Any, email: str) -> dict[str, Any]:
    """The workspace, its size, newest date and most used expense category, read once up front."""
    from financeapp.auth.services import find_user
    from financeapp.categories.models import Category
    from financeapp.extensions import db
    from financeapp.transactions.models import Transaction, TransactionLine
    from financeapp.workspaces.services import memberships_of

    with app.app_context():
        user = find_user(email)
        if user is None:
            raise SystemExit(f"No user {email} in this database: run bench/seed.py first.")
        workspace_id = next(m.workspace_id for m in memberships_of(user) if m.workspace.is_personal)
        count, newest = db.session.execute(
            sa.select(sa.func.count(), sa.func.max(Transaction.on)).where(Transaction.workspace_id == workspace_id)
        ).one()
        popular = db.session.execute(
            sa.select(Category.id, Category.name, sa.func.count())
            .join(TransactionLine, TransactionLine.category_id == Category.id)
            .where(Category.workspace_id == workspace_id, TransactionLine.workspace_id == workspace_id,
                   Category.kind == "expense", Category.parent_id.is_not(None))
            .group_by(Category.id, Category.name)
            .order_by(sa.func.count().desc())
            .limit(1)
        ).first()
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Transaction))
        kind, version = database_kind(db.engine), server_version(db.engine)
        db.session.remove()
    return {"workspace_id": workspace_id, "transactions_in_workspace": count, "transactions_in_database": total,
            "newest": newest, "category": popular, "database": kind, "server_version": version}


def endpoints(info: dict[str, Any]) -> list[tuple[str, str]]:
    newest: date = info["newest"] or date.today()
    start = newest - timedelta(days=182)
    category = info["category"]
    category_id = category[0] if category else 0
    return [
        ("Transactions, first page", "/transactions/"),
        ("Transactions, filtered (category + 6 months)",
         f"/transactions/?category={category_id}&start={start.isoformat()}&end={newest.isoformat()}"),
        ("Accounts", "/accounts/"),
        ("API transactions, 50", "/api/v1/transactions?per_page=50"),
    ]


def measure(client: Any, url: str, repeat: int) -> dict[str, Any]:
    """Warm up, then time `repeat` requests; medians count only the 200 answers."""
    samples: list[tuple[str, float]] = []
    size = 0
    for i in range(WARMUP + repeat):
        started = time.perf_counter()
        try:
            response = client.get(url)
            status, size = str(response.status_code), len(response.get_data())
        except Exception as err:  # report a crashing page, keep measuring the others
            status = f"error: {type(err).__name__}: {err}"[:200]
        elapsed = (time.perf_counter() - started) * 1000
        if i >= WARMUP:
            samples.append((status, elapsed))
    ok = [ms for status, ms in samples if status == "200"]
    return {
        "statuses": dict(Counter(status for status, _ in samples)),
        "all_200": all(status == "200" for status, _ in samples),
        "median_ms": round(statistics.median(ok), 2) if ok else None,
        "p95_ms": round(percentile(ok, 0.95), 2) if ok else None,
        "min_ms": round(min(ok), 2) if ok else None,
        "max_ms": round(max(ok), 2) if ok else None,
        "median_ms_any_status": round(statistics.median(ms for _, ms in samples), 2) if samples else None,
        "bytes": size,
    }


def markdown(info: dict[str, Any], results: list[dict[str, Any]], repeat: int) -> str:
    category = info["category"]
    lines = [
        f"# Page timings on {info['database']} {info['server_version']}",
        "",
        f"{info['when']} · git {info['git']} · Python {platform.python_version()} · "
        f"workspace {info['workspace_id']} with {info['transactions_in_workspace']:,} transactions "
        f"({info['transactions_in_database']:,} in the database) · "
        f"filter category: {category[1] if category else 'none'} · "
        f"{WARMUP} warm-up + {repeat} timed requests each, in-process test client.",
        "",
        "| Endpoint | Status | Median ms | p95 ms | Bytes |",
        "|---|---|---:|---:|---:|",
    ]
    for r in results:
        status = ", ".join(f"{code} ×{n}" for code, n in r["statuses"].items())
        if not r["all_200"]:
            status = f"**{status}**"
        median = f"{r['median_ms']:.1f}" if r["median_ms"] is not None else "–"
        p95 = f"{r['p95_ms']:.1f}" if r["p95_ms"] is not None else "–"
        lines.append(f"| {r['name']} `{r['url']}` | {status} | {median} | {p95} | {r['bytes']:,} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = database_url(args.database_url)
    app = make_app(url, RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False)
    logging.getLogger("financeapp.request").setLevel(logging.WARNING)  # one log line per request is noise here
    email = owner_email(args.owner)
    info = facts(app, email)
    info.update(when=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), git=git_revision(), url=masked(url))

    client = app.test_client()  # no app context held open: each request gets its own, as in production
    login = client.post("/auth/login", data={"email": email, "password": BENCH_PASSWORD})
    if login.status_code != 302:
        raise SystemExit(f"Signing in as {email} answered {login.status_code}, not a redirect.")

    results = []
    for name, path in endpoints(info):
        result = {"name": name, "url": path, **measure(client, path, args.repeat)}
        results.append(result)
        print(f"{name}: {result['statuses']} median {result['median_ms']} ms, p95 {result['p95_ms']} ms",
              file=sys.stderr)

    report = markdown(info, results, args.repeat)
    print(report)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"{info['database']}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    (args.out / f"{stem}.json").write_text(json.dumps(
        {**info, "category": list(info["category"]) if info["category"] else None, "warmup": WARMUP,
         "repeat": args.repeat, "python": platform.python_version(), "results": results},
        indent=2, default=str))
    (args.out / f"{stem}.md").write_text(report)
    print(f"saved {args.out / stem}.json and .md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
