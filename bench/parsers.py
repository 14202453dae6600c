"""Parser throughput: generate large CSV, OFX, QIF and CAMT files in a temp dir, parse them, print rows/s and memory.

    .venv/bin/python bench/parsers.py                 # 100,000 rows per format
    .venv/bin/python bench/parsers.py --rows 20000 --formats csv ofx

Each format runs in its own process. The file is parsed twice: once for the time (wall clock and CPU; rows/s is per
CPU second, which a busy host does not distort), once under tracemalloc for the peak of Python allocations
(tracemalloc slows parsing, so that run is not timed). Peak RSS (ru_maxrss) includes the interpreter and the
generated file held in memory.
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
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from financeapp.imports.parsers import parse, sniff

PAYEES = ["REWE Markt", "Stadtwerke München", "Café Müller", "Amazon EU", "Miete Januar", "Gehalt ACME GmbH"]


def _days(n: int) -> list[date]:
    start = date(2015, 1, 1)
    return [start + timedelta(days=i * 3650 // max(n, 1)) for i in range(n)]


def make_csv(n: int, rng: random.Random) -> bytes:
    """A German bank export: metadata lines, ';', Windows-1252, decimal comma, quoted multi-line purposes."""
    lines = [
        "Umsatzanzeige;Girokonto",
        "IBAN;DE89 3704 0044 0532 0130 00",
        "",
        "Buchungstag;Valuta;Auftraggeber/Empfänger;Verwendungszweck;Betrag;Währung",
    ]
    for i, day in enumerate(_days(n)):
        cents = rng.randint(-250000, 150000)
        amount = f"{cents / 100:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
        purpose = f'"Rechnung {i}\nKunde {i % 977}"' if i % 50 == 0 else f"Rechnung {i}"
        lines.append(f"{day:%d.%m.%Y};{day:%d.%m.%Y};{PAYEES[i % len(PAYEES)]};{purpose};{amount};EUR")
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def make_ofx(n: int, rng: random.Random) -> bytes:
    """OFX 1.02 SGML (unclosed leaf tags), one checking statement."""
    parts = [
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n"
        "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0"
        "<SEVERITY>INFO</STATUS><DTSERVER>20250101<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1><BANKMSGSRSV1>"
        "<STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS><CURDEF>USD<BANKACCTFROM>"
        "<BANKID>121099999<ACCTID>999988<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST><DTSTART>20150101"
        "<DTEND>20250101\n"
    ]
    for i, day in enumerate(_days(n)):
        cents = rng.randint(-250000, 150000)
        parts.append(
            f"<STMTTRN>\n<TRNTYPE>{'DEBIT' if cents < 0 else 'CREDIT'}\n<DTPOSTED>{day:%Y%m%d}120000.000[-5:EST]\n"
            f"<TRNAMT>{cents / 100:.2f}\n<FITID>{i:010d}\n<NAME>{PAYEES[i % len(PAYEES)]}\n<MEMO>Ref {i}\n"
            "</STMTTRN>\n"
        )
    parts.append("</BANKTRANLIST><LEDGERBAL><BALAMT>1234.56<DTASOF>20250101</LEDGERBAL></STMTRS></STMTTRNRS>"
                 "</BANKMSGSRSV1></OFX>\n")
    return "".join(parts).encode("cp1252")


def make_qif(n: int, rng: random.Random) -> bytes:
    lines = ["!Type:Bank"]
    for i, day in enumerate(_days(n)):
        cents = rng.randint(-250000, 150000)
        lines += [f"D{day:%m/%d/%Y}", f"T{cents / 100:,.2f}", f"P{PAYEES[i % len(PAYEES)]}", "LGroceries", "^"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def make_camt(n: int, rng: random.Random) -> bytes:
    entries = []
    for i, day in enumerate(_days(n)):
        cents = rng.randint(-250000, 150000)
        entries.append(
            f"<Ntry><Amt Ccy=\"EUR\">{abs(cents) / 100:.2f}</Amt><CdtDbtInd>{'DBIT' if cents < 0 else 'CRDT'}"
            f"</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>{day:%Y-%m-%d}</Dt></BookgDt><AcctSvcrRef>R{i}</AcctSvcrRef>"
            f"<NtryDtls><TxDtls><RltdPties><Cdtr><Nm>{PAYEES[i % len(PAYEES)]}</Nm></Cdtr></RltdPties>"
            f"<RmtInf><Ustrd>Invoice {i}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
        )
    doc = (
        '<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
        "<BkToCstmrStmt><GrpHdr><MsgId>1</MsgId><CreDtTm>2025-01-01T00:00:00</CreDtTm></GrpHdr><Stmt><Id>1</Id>"
        "<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        + "".join(entries)
        + "</Stmt></BkToCstmrStmt></Document>"
    )
    return doc.encode("utf-8")


MAKERS = {"csv": make_csv, "ofx": make_ofx, "qif": make_qif, "camt": make_camt}
NAMES = {"csv": "bench.csv", "ofx": "bench.ofx", "qif": "bench.qif", "camt": "bench.xml"}


def bench(fmt: str, rows: int, folder: Path) -> dict[str, float]:
    path = folder / NAMES[fmt]
    path.write_bytes(MAKERS[fmt](rows, random.Random(42)))
    data = path.read_bytes()
    started, cpu_started = time.perf_counter(), time.process_time()
    mapping = sniff(data).suggested if fmt == "csv" else None
    parsed = parse(data, path.name, csv_mapping=mapping)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    count = parsed.transaction_count
    assert count == rows, f"{fmt}: parsed {count} of {rows} rows"
    del parsed
    tracemalloc.start()
    parse(data, path.name, csv_mapping=mapping)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"rows": count, "mb": len(data) / 1e6, "seconds": seconds, "cpu": cpu, "per_second": count / cpu,
            "peak_mb": peak / 1e6, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--formats", nargs="+", choices=sorted(MAKERS), default=["csv", "ofx", "qif", "camt"])
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one format in this process
    args = parser.parse_args()
    if args.one:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(bench(args.one, args.rows, Path(tmp))))
        return
    print(f"{'format':<7}{'rows':>9}{'file MB':>8}{'wall s':>8}{'CPU s':>7}{'rows/CPU s':>11}"
          f"{'peak MB (tracemalloc)':>22}{'peak RSS MB':>12}")
    for fmt in args.formats:  # one process per format, so the RSS peak is that format's own
        out = subprocess.run([sys.executable, __file__, "--one", fmt, "--rows", str(args.rows)],
                             check=True, capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(f"{fmt:<7}{r['rows']:>9,}{r['mb']:>8.1f}{r['seconds']:>8.2f}{r['cpu']:>7.2f}{r['per_second']:>11,.0f}"
              f"{r['peak_mb']:>22.0f}{r['rss_mb']:>12.0f}")
    print("Peak RSS includes the interpreter and the generated file held in memory; wall time suffers on a busy host.")


if __name__ == "__main__":
    main()
