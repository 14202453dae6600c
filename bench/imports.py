"""Import throughput: 100,000-row CSV and OFX files through parse + de-duplication + commit.

    .venv/bin/python bench/imports.py                                  # SQLite file bench/results/imports.db
    .venv/bin/python bench/imports.py --database-url mysql+pymysql://root@127.0.0.1:3306/financeapp_bench_imports

Each measurement runs in its own child process on a fresh database built by the migrations, so
the peak memory (ru_maxrss: the whole process, interpreter and app included) belongs to that one
import. Measured per format: the first import (every row new, written) and importing the same
file again (every row found as a duplicate, nothing written). The time covers reading the file,
detecting its format, parsing, rules, de-duplication and the commit, as `flask imports run` does.
Target: at most 30 s and under 500 MB for 100,000 rows. The process's CPU time is printed beside
the wall-clock time: on a shared machine the difference is time spent waiting for a core (and, on
MariaDB, for the server, whose own CPU is not counted). Results: bench/results/imports-*.json.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/imports.py`
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    RESULTS,
    database_kind,
    database_url,
    git_revision,
    make_app,
    masked,
    prepare_database,
    server_version,
)

DEFAULT_URL = f"sqlite:///{RESULTS / 'imports.db'}"
TARGET_SECONDS = 30
TARGET_MB = 500
SHOPS = [f"{a} {b}" for a in ("Corner", "City", "Blue", "Green", "Main Street", "Harbor", "Oak", "Sunset", "Union",
                               "Metro") for b in ("Grocer", "Coffee", "Pharmacy", "Books", "Hardware", "Bakery",
                                                  "Cinema", "Gas", "Deli", "Florist")]


def rows(n: int, seed: int = 7) -> list[tuple[date, Decimal, str, str, str]]:
    """n realistic rows: (date, amount, payee, memo, bank id), about 2 years, some identical twins."""
    rng = random.Random(seed)
    start = date(2024, 1, 1)
    out = []
    for i in range(n):
        on = start + timedelta(days=rng.randrange(730))
        if rng.random() < 0.08:
            amount = Decimal(rng.randrange(150_000, 600_000)) / 100
            payee, memo = "ACME Payroll", f"Salary ref {rng.randrange(10**6)}"
        else:
            amount = -Decimal(max(1, int(rng.lognormvariate(3, 1.1) * 100))) / 100
            payee = rng.choice(SHOPS)
            memo = f"CARD {rng.randrange(1000, 9999)} {payee.upper()}"
        out.append((on, amount, payee, memo, f"BENCH{i:08d}"))
    return out


def csv_file(data: list, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("Date,Payee,Memo,Amount\r\n")
        for on, amount, payee, memo, _ in data:
            handle.write(f"{on.isoformat()},{payee},{memo},{amount}\r\n")


def ofx_file(data: list, path: Path) -> None:
    first, last = min(r[0] for r in data), max(r[0] for r in data)
    with path.open("w", encoding="ascii", newline="") as handle:
        handle.write("OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\n"
                     "CHARSET:1252\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n<OFX>\r\n"
                     "<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20260101"
                     "<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>\r\n<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0"
                     "<SEVERITY>INFO</STATUS><STMTRS><CURDEF>USD<BANKACCTFROM><BANKID>121000358"
                     "<ACCTID>BENCH-OFX<ACCTTYPE>CHECKING</BANKACCTFROM>\r\n"
                     f"<BANKTRANLIST><DTSTART>{first:%Y%m%d}<DTEND>{last:%Y%m%d}\r\n")
        for on, amount, payee, memo, fitid in data:
            kind = "CREDIT" if amount > 0 else "DEBIT"
            handle.write(f"<STMTTRN><TRNTYPE>{kind}<DTPOSTED>{on:%Y%m%d}<TRNAMT>{amount}<FITID>{fitid}"
                         f"<NAME>{payee}<MEMO>{memo}</STMTTRN>\r\n")
        handle.write("</BANKTRANLIST><LEDGERBAL><BALAMT>0.00<DTASOF>20260101</LEDGERBAL></STMTRS></STMTTRNRS>"
                     "</BANKMSGSRSV1>\r\n</OFX>\r\n")


def history_file(n: int, path: Path) -> None:
    """bench/history_csv.py's generated history of n transactions (ten years at 100,000): eight accounts
    in one CSV with account, category, tags, transfer and split columns."""
    from bench.history_csv import write_history_csv

    write_history_csv(path, n)


def _check_history(workspace, path: Path) -> dict:
    """After importing the history: do the transactions, linked transfers and balances match the file?"""
    import sqlalchemy as sa

    from bench.history_csv import summarise
    from financeapp.accounts.models import Account
    from financeapp.extensions import db
    from financeapp.transactions.models import Transaction

    expected = summarise(path)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Transaction).where(
        Transaction.workspace_id == workspace.id))
    transfers = db.session.scalar(sa.select(sa.func.count(sa.distinct(Transaction.transfer_key))).where(
        Transaction.workspace_id == workspace.id))
    balances = dict(db.session.execute(sa.select(Account.name, sa.func.sum(Transaction.amount)).join(
        Transaction, Transaction.account_id == Account.id).where(Account.workspace_id == workspace.id)
        .group_by(Account.name)).all())
    return {"transactions": count, "expected_transactions": expected.transactions, "transfers": transfers,
            "expected_transfers": expected.transfers,
            "balances_match": {k: Decimal(v) for k, v in balances.items()} == dict(expected.balances)}


def child(url: str, path: Path, fmt: str) -> dict:
    """In a fresh process: set up a workspace, import the file twice, report times and peak memory."""
    from flask_migrate import upgrade

    from financeapp.accounts.models import Account
    from financeapp.auth.services import Registration, register_user
    from financeapp.extensions import db
    from financeapp.imports import committing
    from financeapp.workspaces.services import memberships_of

    app = make_app(url, UPLOAD_FOLDER=tempfile.mkdtemp())
    result: dict = {"format": fmt, "bytes": path.stat().st_size}
    with app.app_context():
        upgrade(revision="heads")
        user = register_user(Registration(email=f"bench-import-{fmt}@example.com", display_name="Bench",
                                          password="bench-password-1"))
        workspace = memberships_of(user)[0].workspace
        account = None  # the history names its eight accounts itself: none is given, as without --account
        if fmt != "history":
            account = Account(workspace_id=workspace.id, name="Checking", type="checking", currency="USD",
                              opening_balance=Decimal(0), opening_date=date(2023, 12, 31))
            db.session.add(account)
        db.session.commit()
        result["database"] = database_kind(db.engine)
        result["server"] = server_version(db.engine)
        for phase in ("first", "again"):
            started, cpu = time.perf_counter(), time.process_time()
            data = path.read_bytes()
            run = committing.run_file(workspace, user, path.name, data, account=account)
            db.session.commit()
            seconds = time.perf_counter() - started
            cpu_seconds = time.process_time() - cpu
            counts = run.plan.counts()
            del run, data
            result[phase] = {"seconds": round(seconds, 2), "cpu_seconds": round(cpu_seconds, 2),
                             "rows": counts["total"], "imported": counts["imported"],
                             "duplicates": counts["duplicate"], "errors": counts["error"],
                             "rows_per_second": round(counts["total"] / seconds)}
            result[phase]["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
            if fmt == "history":
                result[phase]["check"] = _check_history(workspace, path)
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL, help="SQLAlchemy URL (default: %(default)s)")
    parser.add_argument("--rows", type=int, default=100_000, help="rows per file (default: %(default)s)")
    parser.add_argument("--formats", default="csv,ofx",
                        help="comma-separated: csv, ofx, history (eight accounts in one CSV) (default: %(default)s)")
    parser.add_argument("--child", nargs=2, metavar=("FORMAT", "FILE"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = database_url(args.database_url)
    if args.child:
        print(json.dumps(child(url, Path(args.child[1]), args.child[0])))
        return 0
    RESULTS.mkdir(parents=True, exist_ok=True)
    data = rows(args.rows)
    report = {"rows": args.rows, "database_url": masked(url), "revision": git_revision(),
              "when": datetime.now(UTC).isoformat(timespec="seconds"), "results": []}
    with tempfile.TemporaryDirectory() as folder:
        for fmt in [f.strip() for f in args.formats.split(",") if f.strip()]:
            path = Path(folder) / f"bench-{args.rows}.{'csv' if fmt == 'history' else fmt}"
            if fmt == "history":
                history_file(args.rows, path)
            else:
                (csv_file if fmt == "csv" else ofx_file)(data, path)
            prepare_database(url, fresh=True)
            out = subprocess.run([sys.executable, __file__, "--database-url", url, "--child", fmt, str(path)],
                                 capture_output=True, text=True, cwd=ROOT)
            if out.returncode:
                print(out.stdout, out.stderr, file=sys.stderr)
                return out.returncode
            result = json.loads(out.stdout.strip().splitlines()[-1])
            report["results"].append(result)
            for phase, label in (("first", "import"), ("again", "re-import")):
                r = result[phase]
                ok = r["seconds"] <= TARGET_SECONDS and r["peak_mb"] < TARGET_MB
                print(f"{result['database']:8} {fmt:7} {label:9} {r['rows']:>7} rows {r['seconds']:>6.2f} s "
                      f"(CPU {r['cpu_seconds']:>6.2f} s) {r['rows_per_second']:>7} rows/s  "
                      f"peak {r['peak_mb']:>4} MB  new {r['imported']:>6} "
                      f"dup {r['duplicates']:>6}  {'ok' if ok else 'OVER TARGET'}"
                      + (f"  matches the file: {r['check']}" if "check" in r else ""))
    kind = report["results"][0]["database"] if report["results"] else "none"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"imports-{kind}-{stamp}.json").write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
