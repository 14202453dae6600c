"""Time the transactions list with the search language, for five query shapes, on a seeded database.

    .venv/bin/python bench/search.py --database-url mysql+pymysql://root@127.0.0.1:3306/financeapp_bench

Signs in as bench-owner-N (bench/seed.py), picks real names from that workspace (its busiest
category, account, label and payee, and a word of its memos), then times `GET /transactions/?q=...`
for each shape with 3 warm-up and `--repeat` timed requests, and the SQL inside (bench/reports.py's
clock). Each request is the whole page: the search compiled to the scoped filter, the count and
sums of every match, and the first page of rows.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/search.py`
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402 (after the path fix above)

from bench.common import (  # noqa: E402
    BENCH_PASSWORD,
    DEFAULT_URL,
    RESULTS,
    database_url,
    git_revision,
    make_app,
    masked,
    owner_email,
)
from bench.reports import SqlClock, markdown, measure  # noqa: E402
from bench.run import facts  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL, help="SQLAlchemy URL (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=50, help="timed requests per query (default: 50)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to save the report (default: %(default)s)")
    parser.add_argument("--owner", type=int, default=1, help="which bench-owner-N to sign in as (default: 1)")
    return parser.parse_args(argv)


def busiest(app: Any, workspace_id: int) -> dict[str, str]:
    """Names that match many rows in the workspace, so each shape does real work."""
    queries = {
        "category": "SELECT c.name FROM categories c JOIN transaction_lines l ON l.category_id = c.id "
                    "WHERE c.workspace_id = :ws AND c.parent_id IS NOT NULL GROUP BY c.id, c.name "
                    "ORDER BY COUNT(*) DESC LIMIT 1",
        "account": "SELECT a.name FROM accounts a JOIN transactions t ON t.account_id = a.id "
                   "WHERE a.workspace_id = :ws GROUP BY a.id, a.name ORDER BY COUNT(*) DESC LIMIT 1",
        "label": "SELECT b.name FROM labels b JOIN transaction_labels tl ON tl.label_id = b.id "
                 "WHERE b.workspace_id = :ws GROUP BY b.id, b.name ORDER BY COUNT(*) DESC LIMIT 1",
        "payee": "SELECT p.name FROM payees p JOIN transactions t ON t.payee_id = p.id "
                 "WHERE p.workspace_id = :ws GROUP BY p.id, p.name ORDER BY COUNT(*) DESC LIMIT 1",
        "month": "SELECT MAX(date) FROM transactions WHERE workspace_id = :ws",
    }
    with app.app_context():
        from financeapp.extensions import db

        found = {key: db.session.execute(sa.text(sql), {"ws": workspace_id}).scalar() for key, sql in queries.items()}
    found["month"] = str(found["month"])[:7]
    found["word"] = found["payee"].split()[0].lower() if found["payee"] else "coffee"
    return {key: str(value) for key, value in found.items()}


def shapes(names: dict[str, str]) -> list[tuple[str, str]]:
    year = names["month"][:4]
    texts = [
        ("free text", names["word"]),
        ("category and month", f'category:"{names["category"]}" month:{names["month"]}'),
        ("amount, account and a date range",
         f'amount>50 account:"{names["account"]}" after:{year}-01-01 before:{year}-06-30'),
        ("label, negated payee, status", f'label:"{names["label"]}" -payee:"{names["payee"]}" is:uncleared'),
        ("five operators and a word", f'{names["word"]} amount>5 category:"{names["category"]}" '
                                      f'account:"{names["account"]}" after:{int(year) - 2}-01-01 '
                                      f'-label:"{names["label"]}"'),
    ]
    return [(name, "/transactions/?" + urlencode({"q": text})) for name, text in texts]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = database_url(args.database_url)
    app = make_app(url, RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False)
    logging.getLogger("financeapp.request").setLevel(logging.WARNING)
    email = owner_email(args.owner)
    info = facts(app, email)
    info.update(when=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), git=git_revision(), url=masked(url))
    with app.app_context():
        from financeapp.extensions import db

        clock = SqlClock(db.engine)
    client = app.test_client()
    login = client.post("/auth/login", data={"email": email, "password": BENCH_PASSWORD})
    if login.status_code != 302:
        raise SystemExit(f"Signing in as {email} answered {login.status_code}, not a redirect.")
    results = []
    for name, path in shapes(busiest(app, info["workspace_id"])):
        result = {"name": name, "url": path, **measure(client, clock, path, args.repeat)}
        results.append(result)
        print(f"{name}: {result['statuses']} median {result['median_ms']} ms, p95 {result['p95_ms']} ms",
              file=sys.stderr)
    report = markdown(info, results, args.repeat, "search language on the transactions list")
    print(report)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"{info['database']}-search-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    (args.out / f"{stem}.json").write_text(json.dumps({"info": info, "results": results}, indent=2, default=str))
    (args.out / f"{stem}.md").write_text(report)
    return 0 if all(r["all_200"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
