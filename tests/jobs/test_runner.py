"""run_due: posts due occurrences once however often it runs, reminds of bills, records a JobRun."""

from __future__ import annotations

import json
import signal
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.core.db import utcnow
from financeapp.extensions import db
from financeapp.jobs import runner
from financeapp.jobs.models import JobRun
from financeapp.notifications.models import Notification
from financeapp.recurring.models import RecurringOccurrence
from financeapp.transactions.models import Transaction

DAY = date(2026, 3, 10)


def counts() -> tuple[int, int]:
    db.session.rollback()
    return (db.session.scalar(sa.select(sa.func.count(Transaction.id))),
            db.session.scalar(sa.select(sa.func.count(RecurringOccurrence.id))))


def test_run_due_posts_every_due_occurrence_and_catches_up(planned):
    run = runner.run_due(DAY)
    assert run.status == "ok", run.error
    summary = json.loads(run.summary)
    # Salary on 25 January and 25 February, coffee every day from 1 to 10 March; rent waits for confirmation.
    assert summary["posted"] == 12
    assert summary["already_posted"] == 0
    assert summary["bill_reminders"] == 1  # electricity, due on the 12th
    assert counts() == (12, 12)
    total = db.session.scalar(sa.select(sa.func.sum(Transaction.amount)))
    assert total == Decimal("5965")


def test_run_due_twice_posts_each_occurrence_once(planned):
    first = runner.run_due(DAY)
    second = runner.run_due(DAY)
    assert json.loads(second.summary)["posted"] == 0
    assert json.loads(second.summary)["bill_reminders"] == 0
    assert (first.status, second.status) == ("ok", "ok")
    assert counts() == (12, 12)
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(Notification.kind == "bill_due")) == 1


def test_a_later_run_posts_only_the_new_days(planned):
    runner.run_due(DAY)
    run = runner.run_due(DAY + timedelta(days=2))
    assert json.loads(run.summary)["posted"] == 2
    assert counts() == (14, 14)


def test_posted_occurrences_notify_the_members_once_per_item_and_run(planned):
    runner.run_due(DAY)
    runner.run_due(DAY)
    titles = db.session.scalars(sa.select(Notification.title).where(Notification.kind == "recurring_posted")
                                .order_by(Notification.title)).all()
    assert titles == ["Posted Coffee: $3.50 × 10", "Posted Salary: $3,000.00 × 2"]
    runner.run_due(DAY + timedelta(days=1))
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.kind == "recurring_posted")) == 3


def test_missing_planning_modules_are_skipped_not_errors(planned, monkeypatch):
    import importlib

    real = importlib.import_module

    def without_planning(name, *args):
        if name in ("financeapp.budgets.jobs", "financeapp.goals.jobs"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real(name, *args)

    monkeypatch.setattr(runner.importlib, "import_module", without_planning)
    run = runner.run_due(DAY)
    assert run.status == "ok"
    assert run.summary_data["budget_alerts"] == "skipped: budgets not installed"
    assert run.summary_data["goal_milestones"] == "skipped: goals not installed"


def test_planning_checks_are_called_with_the_day(planned, monkeypatch):
    import importlib
    import types

    seen = []
    fake_budgets = types.SimpleNamespace(check_budget_alerts=lambda day: seen.append(("budgets", day)) or 2)
    fake_goals = types.SimpleNamespace(check_goal_milestones=lambda day: seen.append(("goals", day)) or 1)
    real = importlib.import_module
    fakes = {"financeapp.budgets.jobs": fake_budgets, "financeapp.goals.jobs": fake_goals}
    monkeypatch.setattr(runner.importlib, "import_module", lambda name, *a: fakes.get(name) or real(name, *a))
    run = runner.run_due(DAY)
    assert (run.summary_data["budget_alerts"], run.summary_data["goal_milestones"]) == (2, 1)
    assert seen == [("budgets", DAY), ("goals", DAY)]


def test_a_failing_step_is_recorded_and_the_others_still_run(planned, monkeypatch):
    import importlib
    import types

    def broken(day):
        raise RuntimeError("budget table is on fire")

    real = importlib.import_module
    fakes = {"financeapp.budgets.jobs": types.SimpleNamespace(check_budget_alerts=broken)}
    monkeypatch.setattr(runner.importlib, "import_module", lambda name, *a: fakes.get(name) or real(name, *a))
    run = runner.run_due(DAY)
    assert run.status == "error"
    assert "budget_alerts: RuntimeError: budget table is on fire" in run.error
    assert run.summary_data["posted"] == 12 and run.summary_data["budget_alerts"] == "error"
    assert run.finished_at is not None


def test_an_occurrence_that_cannot_post_is_an_error_and_the_rest_post(planned):
    from financeapp.accounts.models import Account

    euro = Account(workspace_id=planned.ws.id, name="Euro", currency="EUR", opening_date=date(2026, 1, 1))
    db.session.add(euro)
    db.session.flush()
    planned.salary.kind, planned.salary.to_account_id = "transfer", euro.id  # no amount for the euro side
    db.session.commit()
    run = runner.run_due(DAY)
    assert run.status == "error"
    assert run.summary_data["post_failed"] == 2 and run.summary_data["posted"] == 10
    assert f"recurring item #{planned.salary.id} on 2026-01-25" in run.error


def test_describe_run_is_one_line(planned):
    text = runner.describe_run(runner.run_due(DAY))
    assert "\n" not in text
    assert text.startswith("run-due 2026-03-10: posted 12, bill reminders: 1")
    assert " — ok in " in text


@pytest.mark.parametrize(("text", "seconds"), [("90", 90), ("30s", 30), ("15m", 900), ("1h", 3600), ("2H", 7200)])
def test_parse_every_accepts_seconds_minutes_and_hours(text, seconds):
    assert runner.parse_every(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "15x", "-5m", "1.5h", "25h", "m"])
def test_parse_every_refuses_nonsense(text):
    with pytest.raises(ValueError):
        runner.parse_every(text)


def test_run_forever_stops_after_max_runs(planned):
    lines = []
    assert runner.run_forever(1, max_runs=2, echo=lines.append, today=lambda: DAY) == 2
    assert len(lines) == 2 and "posted 12" in lines[0] and "posted 0" in lines[1]
    assert db.session.scalar(sa.select(sa.func.count(JobRun.id))) == 2


def test_run_forever_stops_cleanly_on_sigterm(planned):
    lines = []

    def echo(line):
        lines.append(line)
        if len(lines) == 1:
            signal.raise_signal(signal.SIGTERM)

    before = signal.getsignal(signal.SIGTERM)
    assert runner.run_forever(3600, echo=echo, today=lambda: DAY) == 1
    assert lines[-1] == "Stopped."
    assert signal.getsignal(signal.SIGTERM) is before


def test_staleness_follows_the_last_successful_run(ctx):
    assert runner.is_stale()
    now = utcnow()
    db.session.add_all([
        JobRun(name="run-due", for_date=DAY, started_at=now - timedelta(days=2), finished_at=now - timedelta(days=2),
               status="ok"),
        JobRun(name="run-due", for_date=DAY, started_at=now - timedelta(hours=1), finished_at=now - timedelta(hours=1),
               status="error"),
    ])
    db.session.commit()
    assert runner.is_stale()
    assert not runner.is_stale(now=now - timedelta(days=1, hours=12))
    db.session.add(JobRun(name="run-due", for_date=DAY, started_at=now, finished_at=now, status="ok"))
    db.session.commit()
    assert not runner.is_stale()
    assert isinstance(runner.last_success().finished_at, datetime)


def test_the_scheduler_posts_an_item_due_today_on_its_first_run_without_any_command(planned):
    """`make run` keeps `flask jobs loop --every 1m` running; its first run posts today's item."""
    today = date(2026, 3, 25)  # salary day, frozen
    lines = []
    assert runner.run_forever(60, max_runs=1, echo=lines.append, today=lambda: today) == 1
    db.session.rollback()
    salary = db.session.scalars(sa.select(Transaction).where(Transaction.on == today,
                                                             Transaction.amount == Decimal("3000"))).all()
    assert len(salary) == 1 and "delivered" in lines[0]


def test_the_scheduler_sends_the_weekly_digest_on_mondays_once(planned):
    monday = date(2026, 3, 9)
    assert monday.weekday() == 0
    runner.run_forever(60, max_runs=1, echo=lambda _: None, today=lambda: monday)
    runner.run_forever(60, max_runs=1, echo=lambda _: None, today=lambda: monday)
    db.session.rollback()
    digests = db.session.scalar(sa.select(sa.func.count(Notification.id)).where(Notification.kind == "weekly_digest"))
    assert digests == 1
    runner.run_forever(60, max_runs=1, echo=lambda _: None, today=lambda: monday + timedelta(days=1))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))
                             .where(Notification.kind == "weekly_digest")) == 1


def test_make_run_starts_the_scheduler_beside_the_server_and_takes_a_port():
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    plan = subprocess.run(["make", "-n", "run", "PORT=5001"], cwd=root, capture_output=True, text=True,
                          check=True, timeout=30).stdout
    assert "flask jobs loop --every 1m" in plan and "kill $scheduler" in plan
    assert "--port 5001" in plan
