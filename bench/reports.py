"""Time the dashboard and every report's JSON endpoint, and the SQL inside them, on a seeded database.

    .venv/bin/python bench/reports.py --database-url mysql+pymysql://root@127.0.0.1:3306/financeapp_bench

Signs in as bench-owner-N (see bench/seed.py) through the in-process test client, as
bench/run.py does, then for each endpoint makes 3 warm-up and `--repeat` timed requests.
While each request runs, SQLAlchemy's cursor events time every statement it sends, so the
report gives, per endpoint, the request's median and p95 and the median time spent in SQL
(the raw SQL behind it: the same statements, timed at the driver) and the share of the
request that SQL is. Results go to `--out` as <database>-reports-<UTC timestamp>.json/.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import statistics
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/reports.py`
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
from bench.run import WARMUP, facts, percentile  # noqa: E402

REPORT_SLUGS = ("categories", "trends", "monthly", "year-over-year", "net-worth", "payees", "cash-flow")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL, help="SQLAlchemy URL (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=50, help="timed requests per endpoint (default: 50)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to save the report (default: %(default)s)")
    parser.add_argument("--owner", type=int, default=1, help="which bench-owner-N to sign in as (default: 1)")
    parser.add_argument("--only", default="", help="comma-separated endpoint names to time (default: all)")
    parser.add_argument("--label", default="", help="a note for the report, e.g. which indexes exist")
    return parser.parse_args(argv)


def endpoints(label_id: int | None = None, today: date | None = None) -> list[tuple[str, str]]:
    today = today or date.today()
    found = [("Dashboard (HTML)", "/dashboard")]
    found += [(f"Report {slug}, last 12 months", f"/api/v1/reports/{slug}?preset=last-12-months")
              for slug in REPORT_SLUGS]
    found.append(("Report categories, this month (dashboard doughnut)", "/api/v1/reports/categories?preset=this-month"))
    found.append(("Report net-worth, this year", "/api/v1/reports/net-worth?preset=this-year"))
    # Ranges the monthly totals answer only in part: edge days (and previous-period edges) from the ledger.
    start = (today.replace(day=1) - timedelta(days=330)).replace(day=15)
    cut = f"preset=custom&start={start.isoformat()}&end={today.isoformat()}"
    found.append(("Report categories, a range cutting months", f"/api/v1/reports/categories?{cut}"))
    found.append(("Report net-worth, a range cutting months", f"/api/v1/reports/net-worth?{cut}"))
    if label_id is not None:  # a label filter reads the ledger throughout
        found.append(("Report monthly, last 12 months, one label",
                      f"/api/v1/reports/monthly?preset=last-12-months&label={label_id}"))
        found.append(("Report categories, last 12 months, one label",
                      f"/api/v1/reports/categories?preset=last-12-months&label={label_id}"))
    return found


def busiest_label(app: Any, workspace_id: int) -> int | None:
    """The workspace's label on the most transactions, for the label-filtered timings."""
    with app.app_context():
        from financeapp.extensions import db

        return db.session.execute(sa.text(
            "SELECT l.id FROM labels l JOIN transaction_labels tl ON tl.label_id = l.id "
            "WHERE l.workspace_id = :ws GROUP BY l.id ORDER BY COUNT(*) DESC, l.id LIMIT 1"
        ), {"ws": workspace_id}).scalar()


class SqlClock:
    """Sums the time of every statement sent to the database (cursor execute to its return)."""

    def __init__(self, engine: sa.Engine):
        self.total = 0.0
        self.count = 0
        self.slowest: dict[str, float] = defaultdict(float)
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        elapsed = time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())
        self.total += elapsed
        self.count += 1
        key = " ".join(statement.split())[:160]
        self.slowest[key] = max(self.slowest[key], elapsed)

    def reset(self) -> None:
        self.total, self.count = 0.0, 0


def measure(client: Any, clock: SqlClock, url: str, repeat: int) -> dict[str, Any]:
    samples: list[tuple[str, float, float, int]] = []
    size = 0
    clock.slowest.clear()
    for i in range(WARMUP + repeat):
        clock.reset()
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        status, size = str(response.status_code), len(response.get_data())
        if i >= WARMUP:
            samples.append((status, elapsed, clock.total * 1000, clock.count))
    ok = [s for s in samples if s[0] == "200"]
    total = [s[1] for s in ok]
    sql = [s[2] for s in ok]
    median, sql_median = (statistics.median(total), statistics.median(sql)) if ok else (None, None)
    slow = sorted(clock.slowest.items(), key=lambda kv: -kv[1])[:3]
    return {
        "statuses": dict(Counter(s[0] for s in samples)),
        "all_200": all(s[0] == "200" for s in samples),
        "median_ms": round(median, 2) if median is not None else None,
        "p95_ms": round(percentile(total, 0.95), 2) if ok else None,
        "sql_median_ms": round(sql_median, 2) if sql_median is not None else None,
        "sql_p95_ms": round(percentile(sql, 0.95), 2) if ok else None,
        "sql_share": round(sql_median / median, 2) if median else None,
        "statements": ok[0][3] if ok else None,
        "slowest_statements_ms": [{"sql": text, "ms": round(ms * 1000, 2)} for text, ms in slow],
        "bytes": size,
    }


def markdown(info: dict[str, Any], results: list[dict[str, Any]], repeat: int, label: str) -> str:
    lines = [
        f"# Dashboard and report timings on {info['database']} {info['server_version']}",
        "",
        f"{info['when']} · git {info['git']} · Python {platform.python_version()} · workspace "
        f"{info['workspace_id']} with {info['transactions_in_workspace']:,} transactions "
        f"({info['transactions_in_database']:,} in the database) · {WARMUP} warm-up + {repeat} timed requests "
        f"each, in-process test client.{' · ' + label if label else ''}",
        "",
        "| Endpoint | Status | Median ms | p95 ms | SQL median ms | SQL p95 ms | SQL share | Statements |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        status = ", ".join(f"{code} ×{n}" for code, n in r["statuses"].items())
        if not r["all_200"]:
            status = f"**{status}**"

        def fmt(value: float | None) -> str:
            return "–" if value is None else f"{value:.1f}"

        share = "–" if r["sql_share"] is None else f"{r['sql_share']:.0%}"
        lines.append(f"| {r['name']} `{r['url']}` | {status} | {fmt(r['median_ms'])} | {fmt(r['p95_ms'])} | "
                     f"{fmt(r['sql_median_ms'])} | {fmt(r['sql_p95_ms'])} | {share} | {r['statements']} |")
    return "\n".join(lines) + "\n"


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
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    results = []
    for name, path in endpoints(busiest_label(app, info["workspace_id"])):
        if wanted and not any(w in path for w in wanted):
            continue
        result = {"name": name, "url": path, **measure(client, clock, path, args.repeat)}
        results.append(result)
        print(f"{name}: {result['statuses']} median {result['median_ms']} ms, p95 {result['p95_ms']} ms, "
              f"SQL median {result['sql_median_ms']} ms ({result['sql_share']})", file=sys.stderr)
    report = markdown(info, results, args.repeat, args.label)
    print(report)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"{info['database']}-reports-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    (args.out / f"{stem}.json").write_text(json.dumps(
        {**info, "category": None, "label": args.label, "warmup": WARMUP, "repeat": args.repeat,
         "python": platform.python_version(), "results": results}, indent=2, default=str))
    (args.out / f"{stem}.md").write_text(report)
    print(f"saved {args.out / stem}.json and .md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
