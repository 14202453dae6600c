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
    make_user("first@example.com")  # the install's first user administers it
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


def test_the_first_user_of_an_install_is_an_administrator_and_later_ones_are_not(ctx):
    first, second = make_user("first@example.com"), make_user("second@example.com")
    assert (first.is_admin, second.is_admin) == (True, False)


def test_owners_see_the_cron_lines_until_scheduled_jobs_run(client, auth, ctx):
    make_user("owner@example.com")
    auth.login("owner@example.com")
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'id="scheduler-banner"' in page and "have never run" in page
    assert "flask jobs run-due" in page and "flask notify deliver" in page and "jobs send-digests" in page
    db.session.add(JobRun(name="run-due", for_date=date.today(), started_at=utcnow(), finished_at=utcnow(),
                          status="ok"))
    db.session.commit()
    assert 'id="scheduler-banner"' not in client.get("/dashboard").get_data(as_text=True)


def test_the_banner_says_when_jobs_stopped_and_members_never_see_it(client, auth, ctx):
    from tests.factories import add_member, personal_workspace

    owner = make_user("owner@example.com")
    member = make_user("member@example.com")
    add_member(personal_workspace(owner), member, "manager")
    old = utcnow() - timedelta(days=3)
    db.session.add(JobRun(name="run-due", for_date=date.today(), started_at=old, finished_at=old, status="ok"))
    db.session.commit()
    auth.login("owner@example.com")
    assert "stopped running" in client.get("/dashboard").get_data(as_text=True)
    auth.logout()
    auth.login("member@example.com")
    client.post(f"/workspaces/{personal_workspace(owner).id}/switch")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "manager" in page and 'id="scheduler-banner"' not in page
