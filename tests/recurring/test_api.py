"""/api/v1/recurring: recurring items and bills, the upcoming list, confirming and skipping, via recurring/services."""

from __future__ import annotations

from datetime import date, timedelta

from financeapp.recurring.models import RecurringItem, RecurringOccurrence
from financeapp.transactions.models import Transaction
from tests.api.fixtures import assert_problem, count
from tests.factories import make_account
from tests.recurring.helpers import make_recurring

URL = "/api/v1/recurring"


def test_round_trip_pause_and_bills(client, owner):
    made = client.post(URL, json={"name": "Rent", "account_id": owner.account_id, "amount": "950",
                                  "start_date": "2026-01-01", "month_day": 1, "is_bill": True, "payee": "Landlord"})
    assert made.status_code == 201, made.get_json()
    item = made.get_json()["data"]
    assert (item["amount"], item["direction"], item["frequency"], item["month_day"], item["is_bill"]) == (
        "950.00", "out", "monthly", 1, True)
    assert client.get(made.headers["Location"]).get_json()["data"] == item
    changed = client.patch(f"{URL}/{item['id']}", json={"paused": True, "amount": "1000"}).get_json()["data"]
    assert (changed["paused"], changed["amount"], changed["name"]) == (True, "1000.00", "Rent")
    assert [i["name"] for i in client.get(f"{URL}?bill=true").get_json()["data"]] == ["Rent"]
    assert client.get(f"{URL}?bill=false").get_json()["data"] == []
    assert client.delete(f"{URL}/{item['id']}").status_code == 204
    assert count(RecurringItem) == 0


def test_upcoming_confirm_and_skip(client, owner):
    today = date.today()
    item = make_recurring(owner.ws, owner.account_id, name="Gym", amount="30", start=today - timedelta(days=2),
                          frequency="daily")
    upcoming = client.get(f"{URL}/upcoming?days=1").get_json()["data"]
    dates = [o["date"] for o in upcoming["occurrences"] if o["item_id"] == item.id]
    assert dates[0] == (today - timedelta(days=2)).isoformat() and upcoming["occurrences"][0]["overdue"]
    first = client.post(f"{URL}/{item.id}/confirm", json={"date": dates[0]}).get_json()["data"]
    assert first["status"] == "posted" and first["transaction_id"]
    again = client.post(f"{URL}/{item.id}/confirm", json={"date": dates[0]}).get_json()["data"]
    assert again["status"] == "already handled"
    assert client.post(f"{URL}/{item.id}/skip", json={"date": dates[1]}).get_json()["data"]["status"] == "skipped"
    assert count(Transaction) == 1 and count(RecurringOccurrence) == 2
    assert_problem(client.post(f"{URL}/{item.id}/confirm", json={}), 422)
    assert_problem(client.get(f"{URL}/upcoming?days=999"), 400)


def test_invalid_input_names_fields_and_writes_nothing(client, owner):
    body = assert_problem(client.post(URL, json={"account_id": "x", "amount": 0, "start_date": "never",
                                                 "frequency": "hourly", "weekdays": ["mon"], "y": 1}), 422)
    assert set(body["errors"]) == {"account_id", "amount", "start_date", "frequency", "weekdays", "y"}
    savings = make_account(owner.ws, "Savings")
    body = assert_problem(client.post(URL, json={"kind": "transfer", "account_id": owner.account_id,
                                                 "to_account_id": savings.id, "amount": 5,
                                                 "start_date": "2026-01-01", "is_bill": True}), 422)
    assert "is_bill" in body["errors"]
    assert count(RecurringItem) == 0


def test_roles_and_isolation(client, viewer, auth):
    mine = make_recurring(viewer.ws, viewer.account_id, name="Mine").id
    theirs = make_recurring(viewer.other_ws, viewer.other_account_id, name="Theirs").id
    assert client.get(f"{URL}/{mine}").status_code == 200
    assert_problem(client.post(URL, json={"account_id": viewer.account_id, "amount": 1,
                                          "start_date": "2026-01-01"}), 403)
    for method in ("patch", "delete"):
        assert_problem(getattr(client, method)(f"{URL}/{mine}", json={"name": "x"}), 403)
    assert_problem(client.post(f"{URL}/{mine}/confirm", json={"date": "2026-01-01"}), 403)
    auth.logout()
    auth.login("owner@example.com")
    for response in (client.get(f"{URL}/{theirs}"), client.patch(f"{URL}/{theirs}", json={"name": "x"}),
                     client.delete(f"{URL}/{theirs}"), client.post(f"{URL}/{theirs}/skip", json={"date": "2026-01-01"}),
                     client.post(f"{URL}/{theirs}/confirm", json={"date": "2026-01-01"})):
        assert_problem(response, 404)
    # A stranger's account in the body is refused as the page refuses it: "Choose one of your accounts."
    body = assert_problem(client.post(URL, json={"account_id": viewer.other_account_id, "amount": 1,
                                                 "start_date": "2026-01-01"}), 422)
    assert "account_id" in body["errors"]
    assert [i["name"] for i in client.get(URL).get_json()["data"]] == ["Mine"]
    assert count(RecurringItem) == 2 and count(RecurringOccurrence) == 0


def test_etag_and_idempotency(client, owner):
    headers = {"Idempotency-Key": "rec-1"}
    body = {"account_id": owner.account_id, "amount": 1, "start_date": "2026-01-01", "name": "Once"}
    a, b = (client.post(URL, json=body, headers=headers) for _ in range(2))
    assert a.status_code == b.status_code == 201 and a.get_json() == b.get_json() and count(RecurringItem) == 1
    etag = client.get(URL).headers["ETag"]
    assert client.get(URL, headers={"If-None-Match": etag}).status_code == 304
