"""Forecast accuracy and speed on the bench's generated 10-year history (issue 14, acceptance 2).

    .venv/bin/python bench/insights_forecasts.py --seed 2            # measure (the code was tuned on seed 1)
    .venv/bin/python bench/insights_forecasts.py --seed 1 --quick    # while tuning: fewer series

Builds a fresh SQLite database in bench/results/ (or --database-url), one workspace with
financeapp.demo.generator.generate_history (13,000 transactions = ten years, ending --end), then:

1. a rolling-origin backtest (3 folds, 12 months ahead) of every category's series and the three
   totals, for the ensemble and for seasonal-naive; prints the mean sMAPE of each, the mean MASE of
   each, the relative MASE (mean ensemble MASE / mean seasonal-naive MASE: MASE is already scaled
   by the in-sample seasonal-naive error, so the ensemble's absolute MASE also counts how much harder
   12 months ahead is than one season in-sample; the ratio of the two out-of-sample MASEs isolates
   the models' gain, the figure the target is about), and the total-spending MASE;
2. the time of the forecast job (financeapp.insights.forecasts.jobs.refresh_workspace) for 50 series,
   cache empty, in-process.

The "ensemble" measured is the ensemble itself at every origin, not the shown forecast (which
switches to seasonal-naive where the ensemble lost the same backtest: scoring that choice on the
backtest that made it would flatter it).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import RESULTS, database_url, git_revision, make_app, prepare_database  # noqa: E402

TEN_YEARS = 13_000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=2, help="history seed (default %(default)s; tuning used 1)")
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 11, 30), help="last day of the history")
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file in bench/results/")
    parser.add_argument("--quick", action="store_true", help="only the totals and ten categories")
    parser.add_argument("--job-series", type=int, default=50, help="series in the timed job (default 50)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = database_url(args.database_url or f"sqlite:///{RESULTS / f'forecasts-seed{args.seed}.db'}")
    prepare_database(url, fresh=True)
    app = make_app(url)

    import numpy as np
    from flask_migrate import upgrade

    from financeapp.auth.services import Registration, register_user
    from financeapp.demo.generator import generate_history
    from financeapp.extensions import db
    from financeapp.insights.forecasts import jobs
    from financeapp.insights.forecasts.backtest import rolling_origin
    from financeapp.insights.forecasts.series import all_series
    from financeapp.workspaces.services import memberships_of

    with app.app_context():
        upgrade()
        user = register_user(Registration(email="forecast-bench@example.com", display_name="Bench",
                                          password="bench-password-1"))
        db.session.commit()
        workspace = next(m.workspace for m in memberships_of(user) if m.workspace.is_personal)
        started = time.perf_counter()
        generate_history(workspace.id, TEN_YEARS, seed=args.seed, end=args.end)
        db.session.commit()
        print(f"seed {args.seed}: history of {TEN_YEARS:,} transactions to {args.end} "
              f"in {time.perf_counter() - started:.1f} s")

        every = all_series(workspace, args.end)
        measured = [s for s in every if s.key.account_id is None]
        if args.quick:
            measured = measured[:13]
        rows = []
        started = time.perf_counter()
        for series in measured:
            y = np.array([float(v) for v in series.values])
            result = rolling_origin(y, series.key.kind)
            if result is None:
                continue
            rows.append({"key": series.key.text, "label": series.label, "months": len(y),
                         "ens_mase": result.ensemble.mase, "sn_mase": result.seasonal_naive.mase,
                         "ens_smape": result.ensemble.smape, "sn_smape": result.seasonal_naive.smape})
        backtest_seconds = time.perf_counter() - started

        def mean(key: str) -> float:
            values = [r[key] for r in rows if r[key] is not None]
            return statistics.fmean(values)

        both = [r for r in rows if r["ens_mase"] is not None and r["sn_mase"] is not None]
        ens_smape, sn_smape = mean("ens_smape"), mean("sn_smape")
        ens_mase, sn_mase = (statistics.fmean(r["ens_mase"] for r in both),
                             statistics.fmean(r["sn_mase"] for r in both))
        geo = math.exp(statistics.fmean(math.log(r["ens_mase"] / r["sn_mase"]) for r in both
                                        if r["ens_mase"] > 0 and r["sn_mase"] > 0))
        total = next(r for r in rows if r["key"] == "spending")
        wins = sum(1 for r in both if r["ens_mase"] < r["sn_mase"])
        summary = {
            "seed": args.seed, "series": len(rows), "series_with_mase": len(both), "backtest_seconds": backtest_seconds,
            "ensemble_mean_smape": ens_smape, "seasonal_naive_mean_smape": sn_smape,
            "smape_ratio": ens_smape / sn_smape,
            "ensemble_mean_mase": ens_mase, "seasonal_naive_mean_mase": sn_mase,
            "relative_mase": ens_mase / sn_mase, "geometric_mean_mase_ratio": geo,
            "total_spending_mase": total["ens_mase"], "total_spending_seasonal_naive_mase": total["sn_mase"],
            "ensemble_wins": wins,
        }
        print(f"backtest: {len(rows)} series ({len(both)} with a MASE), 3 folds x 12 months, "
              f"{backtest_seconds:.1f} s")
        print(f"  mean sMAPE  ensemble {ens_smape:.2f} %  seasonal-naive {sn_smape:.2f} %  "
              f"ratio {ens_smape / sn_smape:.3f}  (target <= 0.8)")
        print(f"  mean MASE   ensemble {ens_mase:.3f}  seasonal-naive {sn_mase:.3f}  "
              f"relative {ens_mase / sn_mase:.3f}  geometric mean of ratios {geo:.3f}  (target <= 0.85)")
        print(f"  total spending MASE ensemble {total['ens_mase']:.3f} (seasonal-naive {total['sn_mase']:.3f})"
              f"  (target <= 0.85)")
        print(f"  the ensemble beats seasonal-naive on {wins} of {len(both)} series")

        job_keys = [s.key.text for s in every][: args.job_series]
        started = time.perf_counter()
        done = jobs.refresh_workspace(workspace.id, job_keys, as_of=args.end)
        job_seconds = time.perf_counter() - started
        started = time.perf_counter()
        jobs.refresh_workspace(workspace.id, job_keys, as_of=args.end, force=True, workers=0)
        inline_seconds = time.perf_counter() - started
        summary.update({"job_series": done, "job_seconds": job_seconds, "job_workers": os.cpu_count(),
                        "job_in_process_seconds": inline_seconds})
        print(f"forecast job: {done} series (fit + backtest + cache write) in {job_seconds:.1f} s with "
              f"{os.cpu_count()} worker processes (target <= 30 s); in one process with threaded BLAS "
              f"{inline_seconds:.1f} s")

    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"insights-forecasts-seed{args.seed}-{stamp}.json"
    path.write_text(json.dumps({"git": git_revision(), "summary": summary, "series": rows}, indent=2, default=str))
    print(f"saved {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
