"""Time Ask: 200 generated questions on a bench history, p50 and p95 of answering each (no timed test).

    .venv/bin/python bench/seed.py --workspaces 1                     # the bench history, once
    .venv/bin/python bench/insights_ask.py [--database-url URL] [--owner 1] [--seed 7]

The questions come from the templates of tests/insights/test_ask_questions.py (totals by category,
group, payee, account and label, income, comparisons, averages, top lists, largest transactions,
balances) over the workspace's own names, a third of them misspelt or said by a synonym, and over
the grammar's periods, read as on the history's last day. Each answer is timed from the words to
the Answer (vocabulary, parsing and the report services' SQL), in one app context, after 10 warm-up
questions; the SQL runs on whatever database the URL names. Prints the figures and saves them as JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/insights_ask.py`
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402 (after the path fix above)

from bench.common import DEFAULT_URL, RESULTS, database_url, git_revision, make_app, masked, owner_email  # noqa: E402
from bench.run import percentile  # noqa: E402

PERIODS = ("last month", "this month", "in March 2026", "in October", "in 2025", "last year", "this year",
           "last 6 months", "in the last 3 months", "since 1 May", "between 1 March and 15 April 2026",
           "last quarter", "Q1 2026", "last week", "year to date", "from 10 June 2026 to 20 August 2026")
SYNONYMS = {"Eating out": "restaurants", "Groceries": "supermarket", "Fuel": "petrol", "Clothing": "clothes",
            "Fitness": "gym", "Taxi": "cabs", "Travel": "holidays", "Salary": "wages"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL, help="SQLAlchemy URL (default: %(default)s)")
    parser.add_argument("--owner", type=int, default=1, help="which bench-owner-N's workspace (default: 1)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the questions (default: 7)")
    parser.add_argument("--count", type=int, default=200, help="questions (default: 200)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to save the JSON (default: %(default)s)")
    return parser.parse_args(argv)


def _typed(rng: random.Random, name: str) -> str:
    roll = rng.random()
    if name in SYNONYMS and roll < 0.4:
        return SYNONYMS[name]
    if len(name) >= 7 and roll < 0.6:
        i = rng.randrange(1, len(name) - 1)
        return name[:i] + name[i + 1:]
    return name.lower()


def questions(names: dict[str, list[str]], rng: random.Random, count: int) -> list[str]:
    """`count` questions from the templates over the workspace's names."""
    made: list[str] = []
    while len(made) < count:
        kind = rng.choices(["cat", "group", "payee", "account", "label", "income", "total", "compare",
                            "average", "top", "largest", "balance"], weights=[30, 8, 16, 8, 6, 8, 6, 8, 6, 8, 3, 5])[0]
        period, other = rng.sample(PERIODS, 2)
        pick = {key: _typed(rng, rng.choice(values)) if values else "" for key, values in names.items()}
        made.append({
            "cat": f"How much did I spend on {pick['categories']} {period}?",
            "group": f"total spending on {pick['groups']} {period}",
            "payee": f"how much did I spend at {pick['payees']} {period}",
            "account": f"spending in {pick['accounts']} {period}",
            "label": f"spending tagged {pick['labels']} {period}",
            "income": f"how much did I earn {period}",
            "total": f"how much did I spend {period}",
            "compare": f"{pick['categories']} {period} vs {other}",
            "average": f"average monthly spending on {pick['categories']} {period}",
            "top": rng.choice([f"top 3 categories {period}", f"top 5 payees {period}"]),
            "largest": f"largest transaction {period}",
            "balance": f"balance of {pick['accounts']}",
        }[kind])
    return made


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = database_url(args.database_url)
    app = make_app(url)
    with app.app_context():
        from financeapp.auth.services import find_user
        from financeapp.extensions import db
        from financeapp.insights.ask.answer import ask
        from financeapp.workspaces.models import Membership, Workspace

        user = find_user(owner_email(args.owner))
        if user is None:
            raise SystemExit(f"No {owner_email(args.owner)} in {masked(url)}: run bench/seed.py first.")
        ws = db.session.scalar(sa.select(Workspace).join(Membership).where(
            Membership.user_id == user.id, Membership.role == "owner", Workspace.is_personal.is_(True)))
        run = db.session.execute
        size, newest = run(sa.text("SELECT COUNT(*), MAX(date) FROM transactions WHERE workspace_id = :ws"),
                           {"ws": ws.id}).one()
        today = newest if not isinstance(newest, str) else datetime.fromisoformat(newest).date()
        def column(sql: str) -> list[str]:
            return list(db.session.scalars(sa.text(sql), {"ws": ws.id}))

        names = {
            "categories": column("SELECT name FROM categories WHERE workspace_id = :ws AND parent_id IS NOT NULL "
                                 "ORDER BY id"),
            "groups": column("SELECT name FROM categories WHERE workspace_id = :ws AND parent_id IS NULL ORDER BY id"),
            "payees": column("SELECT p.name FROM payees p JOIN transactions t ON t.payee_id = p.id "
                             "WHERE p.workspace_id = :ws GROUP BY p.id, p.name ORDER BY COUNT(*) DESC, p.id LIMIT 80"),
            "accounts": column("SELECT name FROM accounts WHERE workspace_id = :ws ORDER BY id"),
            "labels": column("SELECT name FROM labels WHERE workspace_id = :ws ORDER BY id"),
        }
        asked = questions(names, random.Random(args.seed), args.count)
        for text in asked[:10]:  # warm-up: imports (dateparser), statement caches
            ask(ws, text, today)
            db.session.rollback()
        timings: list[float] = []
        outcomes: Counter[str] = Counter()
        slowest: list[tuple[float, str]] = []
        for text in asked:
            started = time.perf_counter()
            result = ask(ws, text, today)
            elapsed = (time.perf_counter() - started) * 1000
            db.session.rollback()
            timings.append(elapsed)
            outcomes["answered" if result.value is not None else "no number"] += 1
            slowest.append((elapsed, text))
    report = {
        "benchmark": "insights-ask", "revision": git_revision(), "database": masked(url),
        "python": platform.python_version(), "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "workspace_transactions": size, "today": today.isoformat(), "questions": len(asked),
        "p50_ms": round(percentile(timings, 0.50), 1), "p95_ms": round(percentile(timings, 0.95), 1),
        "max_ms": round(max(timings), 1), "outcomes": dict(outcomes),
        "slowest": [{"ms": round(ms, 1), "question": q} for ms, q in sorted(slowest, reverse=True)[:5]],
    }
    print(f"Ask over {len(asked)} questions on {size:,} transactions ({masked(url)}), as of {today}: "
          f"p50 {report['p50_ms']} ms, p95 {report['p95_ms']} ms, max {report['max_ms']} ms; {dict(outcomes)}")
    for row in report["slowest"]:
        print(f"  {row['ms']:>8} ms  {row['question']}")
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (args.out / f"insights-ask-{stamp}.json").write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
