"""`flask jobs ...`: run-due (also as two concurrent processes: acceptance 3), loop and status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from financeapp.core.db import utcnow
from financeapp.extensions import db
from financeapp.jobs.models import JobRun
from financeapp.recurring.models import RecurringOccurrence
from financeapp.transactions.models import Transaction
from tests.factories import make_account, make_user, personal_workspace
from tests.recurring.helpers import make_recurring

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2026, 3, 10)


def test_run_due_prints_a_one_line_summary(runner, planned):
    result = runner.invoke(args=["jobs", "run-due", "--date", "2026-03-10"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("run-due 2026-03-10: posted 12, bill reminders: 1")
    assert result.output.count("\n") == 1


def test_run_due_twice_in_a_row_posts_each_occurrence_once(runner, planned):
    assert runner.invoke(args=["jobs", "run-due", "--date", "2026-03-10"]).exit_code == 0
    second = runner.invoke(args=["jobs", "run-due", "--date", "2026-03-10"])
    assert second.exit_code == 0
    assert "posted 0 (12 already posted)" not in second.output  # nothing was even due a second time
    assert second.output.startswith("run-due 2026-03-10: posted 0")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Transaction.id))) == 12


def test_run_due_refuses_a_junk_date(runner, ctx):
    result = runner.invoke(args=["jobs", "run-due", "--date", "2026-02-30"])
    assert result.exit_code == 2
    assert "Invalid value for '--date'" in result.output
    assert db.session.scalar(sa.select(sa.func.count(JobRun.id))) == 0


def test_run_due_exits_non_zero_when_a_step_fails(runner, planned, monkeypatch):
    from financeapp.jobs import runner as job_runner

    def broken(day):
        raise RuntimeError("boom")

    monkeypatch.setattr(job_runner, "remind_due_bills", broken)
    result = runner.invoke(args=["jobs", "run-due", "--date", "2026-03-10"])
    assert result.exit_code == 1
    assert "— error" in result.output and "bill_reminders: RuntimeError: boom" in result.output


def test_loop_runs_the_given_number_of_times(runner, ctx):
    result = runner.invoke(args=["jobs", "loop", "--every", "1s", "--max-runs", "2"])
    assert result.exit_code == 0, result.output
    assert [line[:8] for line in result.output.splitlines()] == ["Running ", "run-due ", "run-due "]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(JobRun.id)).where(JobRun.status == "ok")) == 2


def test_loop_refuses_a_bad_interval(runner, ctx):
    result = runner.invoke(args=["jobs", "loop", "--every", "soon"])
    assert result.exit_code == 2 and "Use a number with s, m or h" in result.output


def test_status_lists_runs_and_warns_when_stale(runner, ctx):
    empty = runner.invoke(args=["jobs", "status"])
    assert "No job has run yet" in empty.output and empty.exit_code == 1
    old = utcnow() - timedelta(days=3)
    db.session.add(JobRun(name="run-due", for_date=DAY, started_at=old, finished_at=old, status="ok",
                          summary=json.dumps({"posted": 4})))
    db.session.commit()
    stale = runner.invoke(args=["jobs", "status"])
    assert "run-due 2026-03-10: posted 4" in stale.output
    assert "WARNING: run-due has not run successfully in the last day." in stale.output
    assert stale.exit_code == 1
    db.session.add(JobRun(name="run-due", for_date=DAY, started_at=utcnow(), finished_at=utcnow(), status="ok"))
    db.session.commit()
    fresh = runner.invoke(args=["jobs", "status"])
    assert fresh.exit_code == 0 and "WARNING" not in fresh.output


def _flask_env(app) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "FINANCEAPP_"))}
    env.update({
        "FLASK_APP": "wsgi", "FINANCEAPP_ENV": "development", "SECRET_KEY": "concurrency-test-" + "x" * 32,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "FINANCEAPP_INSTANCE": app.config["UPLOAD_FOLDER"],  # a scratch dir, not the checkout's instance/
    })
    return env


def test_two_concurrent_run_due_processes_post_each_occurrence_exactly_once(app, ctx):
    """Acceptance 3: two real `flask jobs run-due` processes at once, on SQLite or TEST_DATABASE_URL's MariaDB."""
    expected = 0
    for n in range(3):
        ws = personal_workspace(make_user(f"racer{n}@example.com"))
        account = make_account(ws, "Checking")
        daily = make_recurring(ws, account.id, name="Coffee", amount="3.50", frequency="daily", auto_post=True,
                               start=DAY - timedelta(days=59), payee="Corner café")
        monthly = make_recurring(ws, account.id, name="Salary", direction="in", amount="3000", month_day=31,
                                 auto_post=True, start=date(2025, 11, 30))
        weekly = make_recurring(ws, account.id, name="Cleaner", amount="60", frequency="weekly", weekdays=(0, 3),
                                auto_post=True, start=date(2025, 12, 1), payee="Sparkle")
        expected += sum(len(i.schedule.between(i.start_date, DAY)) for i in (daily, monthly, weekly))
    db.session.commit()

    flask = str(Path(sys.executable).with_name("flask"))
    command = [flask, "jobs", "run-due", "--date", DAY.isoformat()]
    processes = [subprocess.Popen(command, cwd=ROOT, env=_flask_env(app), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in processes]
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, f"{out}\n{err}"

    db.session.rollback()  # a fresh snapshot (MariaDB's REPEATABLE READ)
    transactions = db.session.scalar(sa.select(sa.func.count(Transaction.id)))
    occurrences = db.session.scalar(sa.select(sa.func.count(RecurringOccurrence.id)))
    linked = db.session.scalar(sa.select(sa.func.count(sa.distinct(RecurringOccurrence.transaction_id))))
    assert expected == 3 * (60 + 4 + 29)
    assert (transactions, occurrences, linked) == (expected, expected, expected)
    runs = db.session.scalars(sa.select(JobRun)).all()
    assert [r.status for r in runs] == ["ok", "ok"]
    posted = [r.summary_data["posted"] for r in runs]
    assert sum(posted) == expected
    print(f"\nconcurrent run-due on {db.engine.dialect.name}: posted {posted}, "
          f"already posted {[r.summary_data['already_posted'] for r in runs]}, took {[r.seconds for r in runs]} s")
