"""A bounded closed-loop load test over HTTP: N clients for T seconds against a real server.

    .venv/bin/python bench/load.py --database-url mysql+pymysql://root@127.0.0.1:3306/financeapp_bench \\
        --serve --workers 2 --clients 50 --seconds 30                     # the mix
    .venv/bin/python bench/load.py ... --only dashboard --clients 8      # one endpoint alone

Each client sends a request, waits for the whole answer, then sends the next (closed loop), until
`--seconds` have passed or `--max-requests` were sent. Requests are drawn from the mix below by
weight: list pages, the dashboard, report JSON and writes through the API with a read-write token
(created for the run and revoked afterwards). Every write carries a tag in its memo; afterwards the
database is read directly and every write the server acknowledged (201) must be there exactly once
and whole (an entry with lines summing to its amount, a transfer with both sides):

- missing: acknowledged, not in the database;
- doubled: the tag is there more than once (more than one entry, or more than one transfer pair);
- partial: there, but not whole;
- unacknowledged but written: no 201 reached the client (an error, a timeout), yet the write is
  there. Not a fault (the server cannot tell the client after a lost connection), but counted.

Pages sign in once through the real sign-in form and share the cookie; `--serve` starts gunicorn
with deploy/gunicorn.conf.py on `--port` (2 sync workers by default) and stops it afterwards;
without it, `--base-url` names a running server on the same database. `--at S --run CMD` runs a
shell command S seconds into the load (e.g. a MariaDB restart, see bench/servers.py). Prints
requests, status counts, p50/p95/p99 per endpoint and overall, throughput and the write check,
and saves JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/load.py`
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
)
from bench.run import percentile  # noqa: E402
from bench.servers import Gunicorn  # noqa: E402

# name -> (weight in the mix, method, path template); {…} filled from the workspace's facts.
ENDPOINTS: dict[str, tuple[int, str, str]] = {
    "dashboard": (20, "GET", "/dashboard"),
    "transactions": (20, "GET", "/transactions/"),
    "transactions-filtered": (5, "GET", "/transactions/?category={category}&start={start}&end={end}"),
    "accounts": (10, "GET", "/accounts/"),
    "categories-json": (10, "GET", "/api/v1/categories"),
    "report-categories": (10, "GET", "/api/v1/reports/categories?preset=last-12-months"),
    "report-monthly": (5, "GET", "/api/v1/reports/monthly?preset=last-12-months"),
    "api-transactions": (10, "GET", "/api/v1/transactions?per_page=50"),
    "write-entry": (8, "POST", "/api/v1/transactions"),
    "write-transfer": (2, "POST", "/api/v1/transactions"),
}
WRITES = ("write-entry", "write-transfer")
TIMEOUT = 30.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL, help="the server's database (default: %(default)s)")
    parser.add_argument("--base-url", default="", help="a running server (default: the one --serve starts)")
    parser.add_argument("--serve", action="store_true", help="start gunicorn on --port for the run")
    parser.add_argument("--port", type=int, default=18000)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers with --serve")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of load before timing starts")
    parser.add_argument("--max-requests", type=int, default=200_000, help="stop after this many in all")
    parser.add_argument("--only", default="", help="comma-separated endpoint names (default: the whole mix)")
    parser.add_argument("--owner", type=int, default=1, help="which bench-owner-N to act as")
    parser.add_argument("--at", type=float, default=None, help="seconds into the timed run to start --run")
    parser.add_argument("--run", default="", help="shell command to run at --at (e.g. restart the database)")
    parser.add_argument("--label", default="", help="a note saved with the results")
    parser.add_argument("--out", type=Path, default=RESULTS)
    return parser.parse_args(argv)


@dataclass
class Sample:
    name: str
    status: str
    ms: float
    at: float
    tag: str = ""


@dataclass
class Shared:
    """What every client reads (filled before the run) and the samples they append."""

    host: str
    port: int
    cookie: str
    token: str
    facts: dict[str, Any]
    names: list[str]
    weights: list[int]
    stop_at: float
    timed_from: float
    max_requests: int
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: int = 0


def workspace_facts(app: Any, email: str) -> dict[str, Any]:
    """The owner, workspace, two same-currency accounts and an expense category, for URLs and writes."""
    from financeapp.accounts.models import Account
    from financeapp.auth.services import find_user
    from financeapp.categories.models import Category
    from financeapp.extensions import db
    from financeapp.transactions.models import Transaction
    from financeapp.workspaces.services import memberships_of

    with app.app_context():
        user = find_user(email)
        if user is None:
            raise SystemExit(f"No user {email} in this database: run bench/seed.py first.")
        workspace = next(m.workspace for m in memberships_of(user) if m.workspace.is_personal)
        accounts = db.session.execute(
            sa.select(Account.id, Account.currency).where(Account.workspace_id == workspace.id)
            .order_by(Account.id)).all()
        base = [a.id for a in accounts if a.currency == workspace.base_currency]
        category = db.session.scalar(
            sa.select(Category.id).where(Category.workspace_id == workspace.id, Category.kind == "expense",
                                         Category.parent_id.is_not(None)).order_by(Category.id).limit(1))
        count, newest = db.session.execute(
            sa.select(sa.func.count(), sa.func.max(Transaction.on))
            .where(Transaction.workspace_id == workspace.id)).one()
        kind = database_kind(db.engine)
        facts = {"user_id": user.id, "workspace_id": workspace.id, "accounts": base[:2], "category": category,
                 "transactions": count, "newest": newest or date.today(), "database": kind}
        db.session.remove()
    if len(facts["accounts"]) < 2 or facts["category"] is None:
        raise SystemExit("The workspace needs two accounts in its base currency and an expense category.")
    return facts


def make_token(app: Any, facts: dict[str, Any]) -> tuple[int, str]:
    from financeapp.auth.models import User
    from financeapp.auth.tokens import NewToken, create_token
    from financeapp.extensions import db
    from financeapp.workspaces.models import Workspace

    with app.app_context():
        user = db.session.get(User, facts["user_id"])
        workspace = db.session.get(Workspace, facts["workspace_id"])
        token, raw = create_token(user, workspace, NewToken(name="bench/load.py", scope="read-write",
                                                            expires_in_days=1))
        db.session.commit()
        token_id = token.id
        db.session.remove()
    return token_id, raw


def revoke(app: Any, facts: dict[str, Any], token_id: int) -> None:
    from financeapp.auth.models import User
    from financeapp.auth.tokens import revoke_token
    from financeapp.extensions import db

    with app.app_context():
        revoke_token(db.session.get(User, facts["user_id"]), token_id)
        db.session.commit()
        db.session.remove()


def _request(host: str, port: int, method: str, path: str, headers: dict[str, str], body: bytes | None = None
             ) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        conn.close()


def sign_in(host: str, port: int, email: str) -> str:
    """The session cookie after signing in through the real form (its CSRF token included)."""
    status, headers, body = _request(host, port, "GET", "/auth/login", {})
    jar = _cookies(headers)
    match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body)
    form = {"email": email, "password": BENCH_PASSWORD}
    if match:
        form["csrf_token"] = match.group(1).decode()
    status, headers, _ = _request(
        host, port, "POST", "/auth/login",
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": _cookie_header(jar)},
        urllib.parse.urlencode(form).encode())
    jar.update(_cookies(headers))
    if status != 302:
        raise SystemExit(f"Signing in as {email} answered {status}, not a redirect.")
    return _cookie_header(jar)


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    raw = headers.get("set-cookie", "")
    found = {}
    for part in re.split(r",(?=\s*[A-Za-z0-9_-]+=)", raw):
        name, _, rest = part.strip().partition("=")
        if name:
            found[name] = rest.split(";", 1)[0]
    return found


def _cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def path_for(name: str, facts: dict[str, Any]) -> str:
    newest: date = facts["newest"]
    return ENDPOINTS[name][2].format(category=facts["category"], start=(newest - timedelta(days=182)).isoformat(),
                                     end=newest.isoformat())


def write_body(name: str, tag: str, rng: random.Random, facts: dict[str, Any]) -> dict[str, Any]:
    on = (facts["newest"] - timedelta(days=rng.randrange(0, 60))).isoformat()
    amount = f"{rng.randrange(100, 20000) / 100:.2f}"
    first, second = facts["accounts"]
    if name == "write-transfer":
        return {"type": "transfer", "from_account_id": first, "to_account_id": second, "date": on,
                "amount": amount, "memo": tag}
    return {"type": "entry", "account_id": first, "date": on, "amount": amount, "direction": "out",
            "category_id": facts["category"], "memo": tag, "payee": "Load test"}


def client_loop(shared: Shared, number: int, run_id: str) -> None:
    rng = random.Random(f"{run_id}-{number}")
    sequence = 0
    while True:
        now = time.perf_counter()
        with shared.lock:
            if now >= shared.stop_at or shared.sent >= shared.max_requests:
                return
            shared.sent += 1
        name = rng.choices(shared.names, shared.weights)[0]
        method, tag, body = ENDPOINTS[name][1], "", None
        headers = {"Cookie": shared.cookie, "Accept": "text/html,application/json"}
        if name in WRITES:
            sequence += 1
            tag = f"load-{run_id}-{number}-{sequence}"
            headers = {"Authorization": f"Bearer {shared.token}", "Content-Type": "application/json"}
            body = json.dumps(write_body(name, tag, rng, shared.facts)).encode()
        elif name.startswith(("categories-json", "report-", "api-")):
            headers["Accept"] = "application/json"
        started = time.perf_counter()
        try:
            status_code, _, _ = _request(shared.host, shared.port, method, path_for(name, shared.facts), headers,
                                         body)
            status = str(status_code)
        except (OSError, http.client.HTTPException) as err:
            status = f"error:{type(err).__name__}"
        ended = time.perf_counter()
        with shared.lock:
            shared.samples.append(Sample(name, status, (ended - started) * 1000, started, tag))


def verify_writes(url: str, facts: dict[str, Any], run_id: str, samples: list[Sample]) -> dict[str, Any]:
    """Read back every tagged write of this run from the database and compare with what was acknowledged."""
    engine = sa.create_engine(url)
    tx, lines = sa.table("transactions", sa.column("id"), sa.column("workspace_id"), sa.column("memo"),
                         sa.column("amount"), sa.column("transfer_key")), \
        sa.table("transaction_lines", sa.column("transaction_id"), sa.column("amount"))
    line_sums = (sa.select(lines.c.transaction_id, sa.func.sum(lines.c.amount).label("total"))
                 .group_by(lines.c.transaction_id).subquery())
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(tx.c.memo, tx.c.amount, tx.c.transfer_key, line_sums.c.total)
            .outerjoin(line_sums, line_sums.c.transaction_id == tx.c.id)
            .where(tx.c.workspace_id == facts["workspace_id"], tx.c.memo.like(f"load-{run_id}-%"))).all()
    engine.dispose()
    found: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        found[row.memo].append(row)
    acknowledged = {s.tag: s.name for s in samples if s.tag and s.status == "201"}
    attempted = {s.tag: s.name for s in samples if s.tag}
    missing, doubled, partial, stray = [], [], [], []
    for tag, name in attempted.items():
        rows_for_tag = found.get(tag, [])
        expected = 2 if name == "write-transfer" else 1
        if not rows_for_tag:
            if tag in acknowledged:
                missing.append(tag)
            continue
        if tag not in acknowledged:
            stray.append(tag)
        if len(rows_for_tag) > expected:
            doubled.append(tag)
        elif not _whole(rows_for_tag, expected):
            partial.append(tag)
    return {"attempted": len(attempted), "acknowledged": len(acknowledged), "found": len(found),
            "missing": missing, "doubled": doubled, "partial": partial, "unacknowledged_but_written": stray}


def _whole(rows: list[Any], expected: int) -> bool:
    """An entry whose lines sum to its amount; a transfer: both sides, one key, opposite amounts."""
    if len(rows) != expected:
        return False
    if any(row.total is None or Decimal(row.total) != Decimal(row.amount) for row in rows):
        return False
    if expected == 2:
        return rows[0].transfer_key is not None and rows[0].transfer_key == rows[1].transfer_key \
            and Decimal(rows[0].amount) == -Decimal(rows[1].amount)
    return True


def summarise(samples: list[Sample], seconds: float) -> dict[str, Any]:
    by_name: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_name[sample.name].append(sample)

    def stats(group: list[Sample]) -> dict[str, Any]:
        times = [s.ms for s in group]
        return {"requests": len(group), "per_second": round(len(group) / seconds, 1),
                "statuses": dict(sorted(Counter(s.status for s in group).items())),
                "p50_ms": round(percentile(times, 0.50), 1), "p95_ms": round(percentile(times, 0.95), 1),
                "p99_ms": round(percentile(times, 0.99), 1), "max_ms": round(max(times), 1)}

    return {"overall": stats(samples) if samples else {},
            "endpoints": {name: stats(group) for name, group in sorted(by_name.items())}}


def print_report(result: dict[str, Any]) -> None:
    overall, writes = result["summary"]["overall"], result["writes"]
    print(f"\n{result['clients']} clients × {result['seconds']:.0f} s against {result['base_url']} "
          f"({result['database']}, {result['facts']['transactions']:,} transactions, git {result['git']}, "
          f"load average before {result['load_before']})")
    print(f"{'endpoint':<24}{'requests':>9}{'req/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}  statuses")
    for name, s in [*result["summary"]["endpoints"].items(), ("ALL", overall)]:
        statuses = " ".join(f"{code}×{n}" for code, n in s["statuses"].items())
        print(f"{name:<24}{s['requests']:>9}{s['per_second']:>8}{s['p50_ms']:>8}{s['p95_ms']:>8}{s['p99_ms']:>8}"
              f"  {statuses}")
    print(f"writes: {writes['attempted']} sent, {writes['acknowledged']} acknowledged (201), "
          f"{len(writes['missing'])} missing, {len(writes['doubled'])} doubled, {len(writes['partial'])} partial, "
          f"{len(writes['unacknowledged_but_written'])} unacknowledged but written")
    if result.get("event"):
        print(f"event: {result['event']}")


def run_command_at(command: str, delay: float, record: dict[str, Any]) -> threading.Thread:
    def go() -> None:
        time.sleep(delay)
        started = time.perf_counter()
        done = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=300)
        record.update(command=command, at_s=delay, took_s=round(time.perf_counter() - started, 1),
                      rc=done.returncode, output=(done.stdout + done.stderr).strip()[-500:])

    thread = threading.Thread(target=go, daemon=True)
    thread.start()
    return thread


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = database_url(args.database_url)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(ENDPOINTS)
    unknown = set(names) - set(ENDPOINTS)
    if unknown:
        raise SystemExit(f"Unknown endpoints {', '.join(sorted(unknown))}; choose from {', '.join(ENDPOINTS)}")
    app = make_app(url)
    facts = workspace_facts(app, owner_email(args.owner))
    token_id, raw_token = make_token(app, facts)
    server = None
    if args.serve:
        env = {"FINANCEAPP_ENV": "production", "DATABASE_URL": url, "SECRET_KEY": "bench-" + "x" * 40,
               "INSECURE_COOKIES": "1", "BASE_URL": f"http://127.0.0.1:{args.port}",
               "REDIS_URL": os.environ.get("REDIS_URL", ""), "LOGIN_RATE_LIMIT": "1000 per minute",
               "ENCRYPTION_KEY": app.config["ENCRYPTION_KEY"]}  # the key the seed wrote with
        server = Gunicorn(args.port, env, workers=args.workers, log=args.out / f"load-gunicorn-{args.port}.log")
        args.out.mkdir(parents=True, exist_ok=True)
        server.start()
    base = urllib.parse.urlsplit(args.base_url or f"http://127.0.0.1:{args.port}")
    run_id = uuid.uuid4().hex[:8]
    event: dict[str, Any] = {}
    try:
        cookie = sign_in(base.hostname or "127.0.0.1", base.port or 80, owner_email(args.owner))
        load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        started = time.perf_counter()
        shared = Shared(host=base.hostname or "127.0.0.1", port=base.port or 80, cookie=cookie, token=raw_token,
                        facts=facts, names=names, weights=[ENDPOINTS[n][0] for n in names],
                        stop_at=started + args.warmup + args.seconds, timed_from=started + args.warmup,
                        max_requests=args.max_requests)
        if args.run and args.at is not None:
            run_command_at(args.run, args.warmup + args.at, event)
        threads = [threading.Thread(target=client_loop, args=(shared, n, run_id), daemon=True)
                   for n in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(args.warmup + args.seconds + TIMEOUT + 5)
        elapsed = min(time.perf_counter(), shared.stop_at) - shared.timed_from
        timed = [s for s in shared.samples if s.at >= shared.timed_from]
        writes = verify_writes(url, facts, run_id, shared.samples)
    finally:
        if server is not None:
            server.stop()
        revoke(app, facts, token_id)
    result = {"when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "git": git_revision(),
              "database": facts["database"], "url": masked(url), "base_url": base.geturl(), "clients": args.clients,
              "seconds": elapsed, "warmup": args.warmup, "workers": args.workers if args.serve else None,
              "endpoints": names, "label": args.label, "load_before": load_before, "run_id": run_id,
              "facts": {k: str(v) if isinstance(v, date) else v for k, v in facts.items()},
              "summary": summarise(timed, elapsed), "writes": writes, "event": event}
    print_report(result)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = args.out / f"load-{facts['database']}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    print(f"saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    bad = writes["missing"] or writes["doubled"] or writes["partial"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
