"""Recurring pages: the upcoming list with Confirm / Skip, the form, pause and delete, roles and scoping."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from financeapp.extensions import db
from financeapp.recurring.models import RecurringItem, RecurringOccurrence
from financeapp.transactions.models import Transaction
from tests.factories import add_member, make_account, make_user, personal_workspace
from tests.recurring.helpers import make_recurring

TODAY = date.today()


def form_data(account: int, **overrides) -> dict:
    data = {"name": "Rent", "kind": "entry", "account_id": str(account), "direction": "out", "amount": "1,250.00",
            "payee": "Parkside Apartments", "category_id": "", "memo": "", "frequency": "monthly", "interval": "1",
            "monthly_mode": "day", "month_day": "31", "nth": "1", "nth_weekday": "0",
            "start_date": TODAY.isoformat(), "ends": "never", "auto_post": "confirm", "remind_days": "3"}
    data.update(overrides)
    return data


def rows(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_empty_page_invites_to_add_one(client, auth, home):
    auth.login("olga@example.com")
    page = client.get("/recurring/").get_data(as_text=True)
    assert "Nothing recurring yet" in page and "Add your first recurring transaction" in page


def test_create_a_monthly_item_and_see_it_upcoming_with_totals(client, auth, home):
    auth.login("olga@example.com")
    response = client.post("/recurring/new", data=form_data(home.checking.id))
    assert response.status_code == 302
    item = db.session.scalar(sa.select(RecurringItem))
    assert (item.month_day, item.auto_post, str(item.amount)) == (31, False, "1250.000")
    page = client.get("/recurring/?days=60").get_data(as_text=True)
    assert "Monthly on the 31st (or the month&#39;s last day)" in page
    assert 'id="upcoming-totals"' in page and "$1,250.00" in page
    assert "Confirm" in page and "Skip" in page


def test_a_weekly_item_with_weekdays_and_a_count(client, auth, home):
    auth.login("olga@example.com")
    data = form_data(home.checking.id, name="Cleaner", frequency="weekly", interval="2", ends="after", count="10",
                     auto_post="auto")
    data["weekdays"] = ["0", "3"]
    assert client.post("/recurring/new", data=data).status_code == 302
    item = db.session.scalar(sa.select(RecurringItem))
    assert (item.weekdays, item.interval, item.count, item.month_day, item.auto_post) == ("0,3", 2, 10, None, True)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"amount": "abc"}, "is not an amount"),
    ({"amount": "NaN"}, "Enter a finite amount"),
    ({"amount": "0"}, "Enter a positive amount"),
    ({"start_date": "2026-13-45"}, "Not a valid date value"),
    ({"start_date": "0001-01-01"}, "Use a date between 1900 and 2199"),
    ({"interval": "99999999999999999999"}, "between 1 and 99"),
    ({"month_day": "32"}, "between 1 and 31"),
    ({"ends": "on", "end_date": ""}, "Enter the date of the last occurrence."),
    ({"ends": "after", "count": ""}, "Enter how many times it happens."),
    ({"account_id": "99999999999999999999999"}, "Choose one of your accounts."),
    ({"kind": "transfer", "to_account_id": ""}, "Choose one of your accounts."),
    ({"monthly_mode": "nth_weekday", "nth": "7"}, "Not a valid choice"),
])
def test_bad_input_re_renders_the_form_with_a_clear_message(client, auth, home, overrides, message):
    auth.login("olga@example.com")
    response = client.post("/recurring/new", data=form_data(home.checking.id, **overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert rows(RecurringItem) == 0


def test_confirm_posts_the_occurrence_once_and_skip_hides_the_next(client, auth, home):
    item = make_recurring(home.ws, home.checking.id, start=TODAY, month_day=TODAY.day if TODAY.day <= 28 else 28)
    first = item.schedule.first()
    auth.login("olga@example.com")
    assert client.post(f"/recurring/{item.id}/confirm", data={"on": first.isoformat()}).status_code == 302
    again = client.post(f"/recurring/{item.id}/confirm", data={"on": first.isoformat()}, follow_redirects=True)
    assert "was already dealt with" in again.get_data(as_text=True)
    assert rows(Transaction) == 1
    second = item.schedule.between(first + timedelta(days=1), first + timedelta(days=40))[0]
    assert client.post(f"/recurring/{item.id}/skip", data={"on": second.isoformat()}).status_code == 302
    assert db.session.scalars(sa.select(RecurringOccurrence.status).order_by(RecurringOccurrence.id)).all() == [
        "posted", "skipped"]
    page = client.get("/recurring/?days=60").get_data(as_text=True)
    assert f'data-date="{first.isoformat()}"' not in page and f'data-date="{second.isoformat()}"' not in page


@pytest.mark.parametrize("on", ["", "junk", "2026-02-30", TODAY.replace(year=TODAY.year + 1).isoformat()[:8] + "xx"])
def test_confirm_with_a_junk_date_posts_nothing(client, auth, home, on):
    item = make_recurring(home.ws, home.checking.id)
    auth.login("olga@example.com")
    response = client.post(f"/recurring/{item.id}/confirm", data={"on": on}, follow_redirects=True)
    assert response.status_code == 200
    assert rows(Transaction) == 0


def test_confirm_on_a_date_that_is_not_due_says_so(client, auth, home):
    item = make_recurring(home.ws, home.checking.id, month_day=1)
    auth.login("olga@example.com")
    response = client.post(f"/recurring/{item.id}/confirm", data={"on": "2026-03-02"}, follow_redirects=True)
    assert "Rent is not due on 2026-03-02." in response.get_data(as_text=True)
    assert rows(Transaction) == 0


def test_edit_pause_and_delete(client, auth, home):
    item = make_recurring(home.ws, home.checking.id)
    auth.login("olga@example.com")
    page = client.get(f"/recurring/{item.id}/edit").get_data(as_text=True)
    assert 'value="Rent"' in page and "History" in page
    response = client.post(f"/recurring/{item.id}/edit", data=form_data(
        home.checking.id, name="Flat rent", amount="1300", start_date="2026-01-01", month_day="1"))
    assert response.status_code == 302
    db.session.refresh(item)
    assert (item.name, str(item.amount)) == ("Flat rent", "1300.000")
    assert client.post(f"/recurring/{item.id}/pause").status_code == 302
    db.session.refresh(item)
    assert item.paused
    assert "paused" in client.get("/recurring/").get_data(as_text=True)
    page = client.get("/recurring/").get_data(as_text=True)
    assert 'data-confirm="Delete “Flat rent”? The transactions it already posted stay."' in page
    assert client.post(f"/recurring/{item.id}/delete").status_code == 302
    assert rows(RecurringItem) == 0


@pytest.fixture
def foreign(home):
    """Another workspace's recurring item, for Mallory to reach for."""
    mallory = make_user("mallory@example.com", name="Mallory")
    make_account(personal_workspace(mallory), "Mallory's")
    return make_recurring(home.ws, home.checking.id).id


@pytest.mark.parametrize(("method", "url"), [
    ("get", "/recurring/{id}/edit"), ("post", "/recurring/{id}/edit"), ("post", "/recurring/{id}/pause"),
    ("post", "/recurring/{id}/delete"), ("post", "/recurring/{id}/confirm"), ("post", "/recurring/{id}/skip"),
])
def test_another_workspaces_item_is_a_404(client, auth, foreign, method, url):
    auth.login("mallory@example.com")
    response = getattr(client, method)(url.format(id=foreign), data={"on": "2026-02-01", "name": "pwned"})
    assert response.status_code == 404
    assert rows(RecurringOccurrence) == 0
    assert db.session.scalar(sa.select(RecurringItem.name)) == "Rent"


@pytest.mark.parametrize(("method", "url"), [
    ("post", "/recurring/new"), ("post", "/recurring/{id}/edit"), ("post", "/recurring/{id}/pause"),
    ("post", "/recurring/{id}/delete"), ("post", "/recurring/{id}/confirm"), ("post", "/recurring/{id}/skip"),
])
def test_a_viewer_may_look_but_not_change(client, auth, home, method, url):
    item = make_recurring(home.ws, home.checking.id)
    add_member(home.ws, make_user("vera@example.com", name="Vera"), "viewer")
    auth.login("vera@example.com")
    client.post(f"/workspaces/{home.ws.id}/switch")
    assert client.get("/recurring/").status_code == 200
    assert client.get(f"/recurring/{item.id}/edit").status_code == 200
    response = getattr(client, method)(url.format(id=item.id), data={**form_data(home.checking.id), "on": "2026-02-01"})
    assert response.status_code == 403
    assert rows(RecurringOccurrence) == 0 and rows(RecurringItem) == 1 and rows(Transaction) == 0


def test_huge_and_junk_ids_are_404(client, auth, home):
    auth.login("olga@example.com")
    assert client.get(f"/recurring/{2**70}/edit").status_code == 404
    assert client.get("/recurring/?page=junk&days=-5").status_code == 200
