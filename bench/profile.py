"""Profile pages with pyinstrument on a seeded database, in-process, to see where a request's time goes.

    .venv/bin/python bench/profile.py --database-url mysql+pymysql://root@127.0.0.1:3306/financeapp_bench \\
        --page /dashboard --page /transactions/ --repeat 30

Signs in as bench-owner-N (bench/seed.py), warms each page up, then profiles `--repeat` requests
of it through the test client (routing, hooks, SQL, rendering; no WSGI server or network). Prints
pyinstrument's call tree (frames under 2 % hidden) and, per page, the wall time per request, the
CPU time per request and the SQL statements per request and their time (timed at the driver).
Writes the HTML profiles to bench/results/profile-<page>-<stamp>.html.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/profile.py`
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402 (after the path fix above)
from pyinstrument import Profiler  # noqa: E402

from bench.common import BENCH_PASSWORD, DEFAULT_URL, RESULTS, database_url, make_app, owner_email  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--page", action="append", default=[], help="a path to profile (repeatable)")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--owner", type=int, default=1)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    pages = args.page or ["/dashboard", "/transactions/"]
    app = make_app(database_url(args.database_url))
    logging.getLogger("financeapp.request").setLevel(logging.WARNING)
    client = app.test_client()
    login = client.post("/auth/login", data={"email": owner_email(args.owner), "password": BENCH_PASSWORD})
    if login.status_code != 302:
        raise SystemExit(f"Signing in answered {login.status_code}: run bench/seed.py first.")
    with app.app_context():
        from financeapp.extensions import db

        engine = db.engine
    sql = {"count": 0, "seconds": 0.0}

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        sql["count"] += 1
        sql["seconds"] += time.perf_counter() - conn.info.pop("started", time.perf_counter())

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for page in pages:
        for _ in range(3):
            assert client.get(page).status_code == 200, page
        sql.update(count=0, seconds=0.0)
        profiler = Profiler(interval=0.0005)
        wall, cpu = time.perf_counter(), time.process_time()
        profiler.start()
        for _ in range(args.repeat):
            client.get(page)
        profiler.stop()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"\n=== {page}: {wall / args.repeat * 1000:.1f} ms wall, {cpu / args.repeat * 1000:.1f} ms CPU per "
              f"request; {sql['count'] / args.repeat:.1f} SQL statements taking "
              f"{sql['seconds'] / args.repeat * 1000:.1f} ms per request")
        print(profiler.output_text(unicode=False, color=False, show_all=False, timeline=False))
        name = re.sub(r"[^a-z0-9]+", "-", page.lower()).strip("-") or "root"
        (RESULTS / f"profile-{name}-{stamp}.html").write_text(profiler.output_html())
    return 0


if __name__ == "__main__":
    sys.exit(main())
