"""Accuracy and speed of reading documents, on the generated corpus (tests/documents/corpus.py).

    .venv/bin/python bench/documents.py --seed 2            # the measured run (rules were tuned on seed 1)
    .venv/bin/python bench/documents.py --seed 1 --quick    # a small run while tuning

Each kind goes into a workspace of its own (so a scan is not a duplicate of its text original),
uploaded and read one document at a time through the same service the CLI and the jobs use, with
today = the corpus' reference day. It prints, per kind: totals exact, date/number/GSTIN right,
invalid GSTINs accepted as valid, planted duplicates and mismatches flagged, clean documents flagged
invalid or mismatched; then p95 seconds per page and the time to read a batch of 50 photos.
Results also go to bench/results/documents-seed<N>.json.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import RESULTS  # noqa: E402


def _pct(good: int, total: int) -> str:
    return f"{100 * good / total:.1f} % ({good}/{total})" if total else "n/a"


def run(seed: int, quick: bool, batch_of: int) -> dict:
    from flask_migrate import upgrade

    from financeapp import create_app
    from financeapp.documents import jobs, services
    from financeapp.documents.models import Document
    from financeapp.extensions import db
    from tests.documents.corpus import KINDS, REFERENCE_DAY, generate, photo, render_receipt
    from tests.factories import make_user, personal_workspace

    per_kind = {"text_pdf": 8, "scan_png": 5, "scan_pdf": 5, "receipt_clean": 5, "receipt_photo": 5} if quick else None
    started = time.perf_counter()
    samples = generate(seed, per_kind)
    print(f"generated {len(samples)} documents from seed {seed} in {time.perf_counter() - started:.0f} s")
    work = Path(tempfile.mkdtemp(prefix="bench-documents-"))
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.db'}",
                                 "UPLOAD_FOLDER": str(work / "uploads")})
    report: dict = {"seed": seed, "documents": len(samples), "kinds": {}}
    page_seconds: list[float] = []
    with app.app_context():
        upgrade(revision="heads")
        for kind in KINDS:
            user = make_user(f"{kind}@bench.example", currency="INR")
            ws = personal_workspace(user)
            stats = {"n": 0, "total": 0, "date": 0, "number": 0, "gstin": 0, "gstin_n": 0, "invalid_accepted": 0,
                     "invalid_n": 0, "dup_planted": 0, "dup_flagged": 0, "mismatch_planted": 0, "mismatch_flagged": 0,
                     "clean_n": 0, "clean_wrongly_flagged": 0, "misses": []}
            for sample in (s for s in samples if s.kind == kind):
                batch = services.upload_documents(ws, user, [services.Upload(sample.name, io.BytesIO(sample.content))])
                db.session.commit()
                doc_id = services.batch_documents(ws, batch)[0].id
                jobs.run_document(doc_id, ws.id, today=REFERENCE_DAY)
                db.session.expire_all()
                doc = db.session.get(Document, doc_id)
                truth = sample.truth
                if doc.seconds is not None and doc.pages:
                    page_seconds.append(float(doc.seconds) / max(1, doc.pages))  # float ok: seconds
                codes = set(doc.flag_codes)
                if truth.duplicate_of is not None:
                    stats["dup_planted"] += 1
                    stats["dup_flagged"] += "duplicate" in codes
                    continue
                stats["n"] += 1
                stats["total"] += doc.total == truth.total
                stats["date"] += doc.invoice_date == truth.on
                stats["number"] += doc.invoice_number == truth.number
                if truth.vendor_gstin:
                    stats["gstin_n"] += 1
                    stats["gstin"] += doc.vendor_gstin == truth.vendor_gstin
                if truth.gstin_valid is False:
                    stats["invalid_n"] += 1
                    stats["invalid_accepted"] += bool(doc.gstin_valid)
                if not truth.consistent:
                    stats["mismatch_planted"] += 1
                    stats["mismatch_flagged"] += "total_mismatch" in codes
                if truth.consistent and truth.gstin_valid is not False:
                    stats["clean_n"] += 1
                    stats["clean_wrongly_flagged"] += bool(codes & {"invalid_gstin", "total_mismatch"})
                wrong = [name for name, ok in (("total", doc.total == truth.total), ("date", doc.invoice_date ==
                         truth.on), ("number", doc.invoice_number == truth.number),
                         ("gstin", not truth.vendor_gstin or doc.vendor_gstin == truth.vendor_gstin)) if not ok]
                if wrong or (codes & {"invalid_gstin", "total_mismatch"} and truth.consistent and truth.gstin_valid):
                    stats["misses"].append({"file": sample.name, "wrong": wrong, "flags": sorted(codes),
                                            "total": str(doc.total), "want": str(truth.total),
                                            "number": doc.invoice_number, "want_number": truth.number,
                                            "gstin": doc.vendor_gstin, "want_gstin": truth.vendor_gstin})
            report["kinds"][kind] = stats
        # A batch of photos, read one after another as a worker (or the batch page) would.
        import random

        from tests.documents.corpus import _receipt_spec, image_bytes
        rng = random.Random(seed * 7 + 1)
        photos = [image_bytes(photo(render_receipt(_receipt_spec(rng, n)), rng), "JPEG", quality=75)
                  for n in range(batch_of)]
        user = make_user("batch@bench.example", currency="INR")
        ws = personal_workspace(user)
        batch = services.upload_documents(ws, user, [services.Upload(f"photo-{n}.jpg", io.BytesIO(content))
                                                     for n, content in enumerate(photos)])
        db.session.commit()
        started = time.perf_counter()
        while jobs.run_next(ws, batch) is not None:
            pass
        report["batch_seconds"] = round(time.perf_counter() - started, 1)
        report["batch_size"] = batch_of
    page_seconds.sort()
    report["pages"] = len(page_seconds)
    report["p50_seconds_per_page"] = round(statistics.median(page_seconds), 2)
    report["p95_seconds_per_page"] = round(page_seconds[int(0.95 * (len(page_seconds) - 1))], 2)
    return report


def print_report(report: dict) -> None:
    print(f"\nseed {report['seed']}: {report['documents']} documents\n")
    print("| kind | totals exact | date | number | GSTIN | invalid GSTINs accepted | duplicates flagged | "
          "mismatches flagged | clean wrongly flagged |")
    print("|---|---|---|---|---|---|---|---|---|")
    for kind, s in report["kinds"].items():
        print(f"| {kind} | {_pct(s['total'], s['n'])} | {_pct(s['date'], s['n'])} | {_pct(s['number'], s['n'])} | "
              f"{_pct(s['gstin'], s['gstin_n'])} | {s['invalid_accepted']}/{s['invalid_n']} | "
              f"{s['dup_flagged']}/{s['dup_planted']} | {s['mismatch_flagged']}/{s['mismatch_planted']} | "
              f"{s['clean_wrongly_flagged']}/{s['clean_n']} |")
    print(f"\npages: {report['pages']}, p50 {report['p50_seconds_per_page']} s, p95 {report['p95_seconds_per_page']} s"
          f" per page; batch of {report['batch_size']} photos: {report['batch_seconds']} s")
    for kind, s in report["kinds"].items():
        for miss in s["misses"][:8]:
            print(f"  miss {kind}: {miss}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="a few documents per kind")
    parser.add_argument("--batch", type=int, default=50, help="photos in the timed batch")
    args = parser.parse_args()
    report = run(args.seed, args.quick, args.batch)
    print_report(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"documents-seed{args.seed}.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
