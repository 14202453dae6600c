"""Time the investments holdings page with 10,000 trades, and XIRR over 10,000 flows.

    .venv/bin/python bench/investments.py                     # SQLite, bench/results/investments.db
    .venv/bin/python bench/investments.py --database-url mysql+pymysql://root@127.0.0.1:3306/fa_bench_investments

Seeds (fresh each run, its own database) one workspace with one investment account, 20 securities
and `--trades` trades (buys, partial sells that never go short, dividends, deposits, a split every
so often) over about eight years, and a weekly price per security; the rows go in with Core
`executemany`, not one service call each. Then, in-process through the test client (signed in, no
app context held open), times `--repeat` requests of the holdings page (/investments/), the
account's page, the holdings API and the performance page after one warm-up (the holdings page
also "cold": the books kept per fingerprint of the trades dropped before each request), and XIRR
(financeapp.investments.performance.xirr, pyxirr) over `--flows` generated flows.
Targets (issue 16): holdings page p95 <= 150 ms; XIRR over 10,000 flows <= 50 ms.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/investments.py`
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
    server_version,
)

EMAIL = "bench-investor@example.com"
TARGET_PAGE_P95_MS = 150
TARGET_XIRR_MS = 50


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=f"sqlite:///{RESULTS / 'investments.db'}",
                        help="SQLAlchemy URL of a database this script may drop (default: %(default)s)")
    parser.add_argument("--trades", type=int, default=10_000, help="trades to seed (default: %(default)s)")
    parser.add_argument("--securities", type=int, default=20, help="securities (default: %(default)s)")
    parser.add_argument("--flows", type=int, default=10_000, help="flows for the XIRR timing (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1601, help="random seed (default: %(default)s)")
    return parser.parse_args(argv)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summary(samples: list[float]) -> dict[str, float]:
    return {"median_ms": round(statistics.median(samples), 2), "p95_ms": round(percentile(samples, 0.95), 2),
            "min_ms": round(min(samples), 2), "max_ms": round(max(samples), 2)}


def generate(workspace_id: int, account_id: int, security_ids: list[int], count: int, rng: random.Random,
             start: date) -> tuple[list[dict], list[dict]]:
    """Trade rows that never sell short, and a weekly price per security, as plain dicts."""
    held = dict.fromkeys(security_ids, Decimal(0))
    level = {sid: Decimal(rng.randint(2000, 30000)) / 100 for sid in security_ids}
    day = start
    now = datetime.now(UTC).replace(tzinfo=None)
    base = {"workspace_id": workspace_id, "account_id": account_id, "currency": "USD", "memo": "",
            "created_at": now, "updated_at": now, "taxes": Decimal(0), "split_from": None, "split_to": None,
            "import_batch_id": None, "external_id": None}
    trades: list[dict] = []
    for n in range(count):
        if n % 4 == 0:
            day += timedelta(days=rng.choice((0, 1, 1, 2, 3)))
        sid = rng.choice(security_ids)
        roll = rng.random()
        price = level[sid]
        fees = Decimal(rng.choice((0, 0, 100, 495))) / 100
        if roll < 0.05:
            trades.append({**base, "security_id": None, "date": day, "kind": "deposit", "quantity": Decimal(0),
                           "price": None, "fees": Decimal(0), "amount": Decimal(rng.randint(1000, 20000))})
        elif roll < 0.12 and held[sid] > 0:
            trades.append({**base, "security_id": sid, "date": day, "kind": "dividend", "quantity": Decimal(0),
                           "price": None, "fees": Decimal(0), "amount": Decimal(rng.randint(100, 5000)) / 100})
        elif roll < 0.121 and held[sid] > 0:
            trades.append({**base, "security_id": sid, "date": day, "kind": "split", "quantity": Decimal(0),
                           "price": None, "fees": Decimal(0), "amount": Decimal(0), "split_from": Decimal(1),
                           "split_to": Decimal(2)})
            held[sid] *= 2
            level[sid] = (level[sid] / 2).quantize(Decimal("0.01"))
        elif roll < 0.45 and held[sid] > 0:
            quantity = (held[sid] * Decimal(rng.randint(1, 60)) / 100).quantize(Decimal("0.0001"))
            quantity = min(max(quantity, Decimal("0.0001")), held[sid])
            trades.append({**base, "security_id": sid, "date": day, "kind": "sell", "quantity": quantity,
                           "price": price, "fees": fees,
                           "amount": (quantity * price).quantize(Decimal("0.01")) - fees})
            held[sid] -= quantity
        else:
            quantity = Decimal(rng.randint(1, 500_000)) / 10_000
            trades.append({**base, "security_id": sid, "date": day, "kind": "buy", "quantity": quantity,
                           "price": price, "fees": fees,
                           "amount": -((quantity * price).quantize(Decimal("0.01")) + fees)})
            held[sid] += quantity
        if rng.random() < 0.1:  # prices drift
            level[sid] = max(Decimal("1.00"), (level[sid] * Decimal(rng.randint(97, 104)) / 100).quantize(
                Decimal("0.01")))
    prices: list[dict] = []
    weekly = {sid: Decimal(rng.randint(2000, 30000)) / 100 for sid in security_ids}
    week = start
    while week <= day:
        for sid in security_ids:
            weekly[sid] = max(Decimal("1.00"), (weekly[sid] * Decimal(rng.randint(97, 104)) / 100).quantize(
                Decimal("0.01")))
            prices.append({"workspace_id": workspace_id, "security_id": sid, "date": week, "close": weekly[sid],
                           "currency": "USD", "source": "csv", "created_at": now, "updated_at": now})
        week += timedelta(days=7)
    return trades, prices


def time_page(client, url: str, repeat: int, *, cold: bool = False) -> dict:
    """`cold`: the kept books are dropped before each request, so every one reads and books all trades."""
    from financeapp.investments import services

    client.get(url).close()  # warm-up
    samples, statuses = [], set()
    for _ in range(repeat):
        if cold:
            with services._BOOKS_LOCK:
                services._BOOKS.clear()
        started = time.perf_counter()
        response = client.get(url)
        response.get_data()
        samples.append((time.perf_counter() - started) * 1000)
        statuses.add(response.status_code)
    return {"url": url, "cold": cold, "statuses": sorted(statuses), **summary(samples)}


def time_xirr(count: int, repeat: int, rng: random.Random) -> dict:
    from financeapp.investments import performance

    # Deposits over 25 years and the final value they would have grown to at 6 % a year: XIRR ~ 0.06.
    start, end = date(2000, 1, 1), date(2025, 1, 1)
    flows = [(start + timedelta(days=rng.randint(0, 9000)), -Decimal(rng.randint(10_000, 500_000)) / 100)
             for _ in range(count - 1)]
    final = sum(-float(a) * 1.06 ** ((end - d).days / 365) for d, a in flows)
    flows.append((end, Decimal(f"{final:.2f}")))
    performance.xirr(flows)  # warm-up
    samples, rate = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        rate = performance.xirr(flows)
        samples.append((time.perf_counter() - started) * 1000)
    return {"flows": len(flows), "rate": None if rate is None else str(rate), **summary(samples)}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = database_url(args.database_url)
    prepare_database(url, fresh=True)
    app = make_app(url)
    rng = random.Random(args.seed)

    from financeapp.accounts.models import Account
    from financeapp.auth.services import Registration, register_user
    from financeapp.extensions import db
    from financeapp.investments import services
    from financeapp.investments.models import Price, Trade
    from financeapp.workspaces.services import memberships_of

    with app.app_context():
        upgrade()
        kind, version = database_kind(db.engine), server_version(db.engine)
        user = register_user(Registration(email=EMAIL, display_name="Bench investor", password=BENCH_PASSWORD))
        db.session.commit()
        workspace = next(m.workspace for m in memberships_of(user) if m.workspace.is_personal)
        account = Account(workspace_id=workspace.id, name="Bench broker", type="investment", currency="USD",
                          opening_date=date(2018, 1, 1))
        db.session.add(account)
        ids = [services.find_or_create_security(workspace, f"SEC{n:02d}", name=f"Security {n}", kind="stock",
                                                currency="USD").id for n in range(args.securities)]
        db.session.commit()
        account_id = account.id
        started = time.perf_counter()
        trades, prices = generate(workspace.id, account_id, ids, args.trades, rng, date(2018, 1, 2))
        with db.engine.begin() as conn:
            for offset in range(0, len(trades), 2000):
                conn.execute(sa.insert(Trade.__table__), trades[offset:offset + 2000])
            for offset in range(0, len(prices), 2000):
                conn.execute(sa.insert(Price.__table__), prices[offset:offset + 2000])
        seed_seconds = time.perf_counter() - started
        counts = {"trades": len(trades), "prices": len(prices), "first": trades[0]["date"].isoformat(),
                  "last": trades[-1]["date"].isoformat()}
        db.session.remove()
    print(f"{kind} {version} at {masked(url)}: {counts['trades']:,} trades, {counts['prices']:,} prices "
          f"({counts['first']}..{counts['last']}) seeded in {seed_seconds:.1f} s")

    client = app.test_client()
    login = client.post("/auth/login", data={"email": EMAIL, "password": BENCH_PASSWORD})
    if login.status_code != 302:
        raise SystemExit(f"Signing in answered {login.status_code}.")
    pages = [time_page(client, "/investments/", args.repeat, cold=True)]
    pages += [time_page(client, page, args.repeat) for page in (
        "/investments/", f"/investments/accounts/{account_id}", "/api/v1/investments/holdings",
        "/investments/performance")]
    with app.app_context():
        xirr = time_xirr(args.flows, args.repeat, rng)
    for page in pages:
        label = page["url"] + (" (cold)" if page["cold"] else "")
        print(f"  {label:<40} median {page['median_ms']:>8.1f} ms  p95 {page['p95_ms']:>8.1f} ms  "
              f"statuses {page['statuses']}")
    print(f"  XIRR over {xirr['flows']:,} flows: median {xirr['median_ms']:.2f} ms, p95 {xirr['p95_ms']:.2f} ms "
          f"(rate {xirr['rate']})")
    cold, holdings = pages[0], pages[1]
    print(f"Targets: holdings page p95 {holdings['p95_ms']:.1f} ms warm, {cold['p95_ms']:.1f} ms cold "
          f"(<= {TARGET_PAGE_P95_MS}: warm {'met' if holdings['p95_ms'] <= TARGET_PAGE_P95_MS else 'MISSED'}, "
          f"cold {'met' if cold['p95_ms'] <= TARGET_PAGE_P95_MS else 'MISSED'}); XIRR p95 {xirr['p95_ms']:.2f} ms "
          f"(<= {TARGET_XIRR_MS}: {'met' if xirr['p95_ms'] <= TARGET_XIRR_MS else 'MISSED'})")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"investments-{kind}.json"
    out.write_text(json.dumps({"database": kind, "version": version, "revision": git_revision(),
                               "when": datetime.now(UTC).isoformat(), "seeded": counts, "pages": pages,
                               "xirr": xirr, "repeat": args.repeat}, indent=2))
    print(f"Written {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
