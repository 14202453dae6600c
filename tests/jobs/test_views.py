"""The admin page of job runs: administrators only, the runs with what they did, a warning when stale."""

from __future__ import annotations

import json
from datetime import date, timedelta

from financeapp.core.db import utcnow
from financeapp.extensions import db
from financeapp.jobs.models import JobRun
from tests.factories import make_user


def admin():
    user = make_user("root@example.com", name="Root")
    user.is_admin = True
    db.session.commit()
    return user


def test_non_admins_get_403_and_anonymous_users_are_sent_to_sign_in(client, auth, ctx):
    make_user("olga@example.com")
    assert client.get("/jobs/").status_code == 302
    auth.login("olga@example.com")
    response = client.get("/jobs/")
    assert response.status_code == 403
    assert "Only administrators" in response.get_data(as_text=True)


def test_admins_see_a_stale_warning_when_nothing_ran(client, auth, ctx):
    admin()
    auth.login("root@example.com")
    page = client.get("/jobs/").get_data(as_text=True)
    assert 'id="stale-warning"' in page and "has not run successfully yet" in page
    assert "No runs yet" in page


def test_admins_see_the_runs_and_a_warning_after_a_day_without_success(client, auth, ctx):
    admin()
    old = utcnow() - timedelta(days=2)
    db.session.add_all([
        JobRun(name="run-due", for_date=date(2026, 3, 8), started_at=old, finished_at=old + timedelta(seconds=3),
               status="ok", summary=json.dumps({"posted": 7, "bill_reminders": 2})),
        JobRun(name="run-due", for_date=date(2026, 3, 10), started_at=utcnow(), finished_at=utcnow(),
               status="error", summary=json.dumps({"posted": 0}), error="budget_alerts: RuntimeError: boom"),
    ])
    db.session.commit()
    auth.login("root@example.com")
    page = client.get("/jobs/").get_data(as_text=True)
    assert "for more than a day" in page
    assert "posted: 7" in page and "bill reminders: 2" in page and "3.0 s" in page
    assert "budget_alerts: RuntimeError: boom" in page
    assert page.index("2026-03-10") < page.index("2026-03-08")  # newest first


def test_no_warning_after_a_recent_success(client, auth, ctx):
    admin()
    db.session.add(JobRun(name="run-due", for_date=date.today(), started_at=utcnow(), finished_at=utcnow(),
                          status="ok"))
    db.session.commit()
    auth.login("root@example.com")
    page = client.get("/jobs/?page=99999999999999999999").get_data(as_text=True)
    assert 'id="stale-warning"' not in page and "run-due last succeeded at" in page
