"""/api/v1/accounts: create, get, change and delete through accounts/services; roles, isolation, ETag, idempotency."""

from __future__ import annotations

import sqlalchemy as sa

from financeapp.accounts.models import Account
from financeapp.api.models import IdempotencyKey
from tests.api.fixtures import assert_problem, count
from tests.factories import make_account, make_transaction

URL = "/api/v1/accounts"


def test_create_get_change_delete_round_trip(client, owner):
    made = client.post(URL, json={"name": "Euro savings", "type": "savings", "currency": "eur",
                                  "opening_balance": "120.50", "opening_date": "2026-01-31", "group": "Saved"})
    assert made.status_code == 201, made.get_json()
    account = made.get_json()["data"]
    assert made.headers["Location"].endswith(f"{URL}/{account['id']}")
    assert account | {"id": 0} == {
        "id": 0, "name": "Euro savings", "type": "savings", "currency": "EUR", "group": "Saved", "archived": False,
        "include_in_net_worth": True, "opening_balance": "120.50", "opening_date": "2026-01-31",
        "colour": "#0d6efd", "notes": "", "balance": "120.50", "balance_in_base": None, "missing_rate": True}
    assert client.get(f"{URL}/{account['id']}").get_json()["data"] == account

    changed = client.patch(f"{URL}/{account['id']}", json={"name": "Rainy day", "archived": True})
    assert changed.status_code == 200
    assert changed.get_json()["data"] | {"name": "Euro savings", "archived": False} == account
    assert client.get(f"{URL}?archived=true").get_json()["data"][0]["name"] == "Rainy day"

    assert client.delete(f"{URL}/{account['id']}").status_code == 204
    assert client.get(f"{URL}/{account['id']}").status_code == 404
    assert count(Account) == 2  # the owner's and the stranger's


def test_create_defaults_to_the_base_currency_today_and_zero(client, owner):
    account = client.post(URL, json={"name": "Wallet", "type": "cash"}).get_json()["data"]
    assert (account["currency"], account["opening_balance"], account["balance"]) == ("USD", "0.00", "0.00")


def test_invalid_fields_are_all_named_and_nothing_is_written(client, owner):
    response = client.post(URL, json={"name": "", "type": "boat", "opening_balance": "abc",
                                      "opening_date": "2026-02-30", "colour": "red", "bogus": 1})
    body = assert_problem(response, 422)
    assert set(body["errors"]) >= {"type", "opening_balance", "opening_date", "bogus"}
    assert count(Account) == 2  # the owner's and the stranger's


def test_the_service_checks_what_the_body_cannot(client, owner):
    body = assert_problem(client.post(URL, json={"name": "Checking"}), 422)
    assert "already an account" in body["errors"]["name"]
    body = assert_problem(client.post(URL, json={"name": "Yen", "currency": "JPY", "opening_balance": "1.5"}), 422)
    assert "opening_balance" in body["errors"]
    assert count(Account) == 2  # the owner's and the stranger's


def test_a_patch_keeps_what_it_does_not_send_and_refuses_a_currency_change_with_transactions(client, owner):
    make_transaction(owner_account(owner), "-5.00")
    body = assert_problem(client.patch(f"{URL}/{owner.account_id}", json={"currency": "EUR"}), 422)
    assert "currency" in body["errors"]
    row = client.patch(f"{URL}/{owner.account_id}", json={"notes": "main"}).get_json()["data"]
    assert (row["name"], row["notes"], row["balance"]) == ("Checking", "main", "95.00")


def owner_account(owner) -> Account:
    from financeapp.extensions import db
    return db.session.get(Account, owner.account_id)


def test_deleting_an_account_with_transactions_needs_confirmation(client, owner):
    make_transaction(owner_account(owner), "-5.00")
    assert_problem(client.delete(f"{URL}/{owner.account_id}"), 409)
    assert count(Account) == 2  # the owner's and the stranger's
    assert client.delete(f"{URL}/{owner.account_id}?delete_transactions=true").status_code == 204
    assert count(Account) == 1


def test_a_viewer_reads_but_cannot_write(client, viewer):
    assert client.get(f"{URL}/{viewer.account_id}").status_code == 200
    assert_problem(client.post(URL, json={"name": "Mine"}), 403)
    assert_problem(client.patch(f"{URL}/{viewer.account_id}", json={"name": "Mine"}), 403)
    assert_problem(client.delete(f"{URL}/{viewer.account_id}"), 403)
    assert count(Account, Account.name == "Mine") == 0 and count(Account) == 2


def test_another_workspaces_account_is_not_found(client, owner):
    other = owner.other_account_id
    for response in (client.get(f"{URL}/{other}"), client.patch(f"{URL}/{other}", json={"name": "x"}),
                     client.delete(f"{URL}/{other}?delete_transactions=true")):
        assert_problem(response, 404)
    assert count(Account, Account.id == other, Account.name == "Stranger's checking") == 1
    assert [row["id"] for row in client.get(URL).get_json()["data"]] == [owner.account_id]


def test_pages_share_the_list_envelope(client, owner):
    for number in range(4):
        make_account(owner.ws, f"Extra {number}")
    first = client.get(f"{URL}?per_page=2").get_json()
    assert first["meta"] == {"page": 1, "per_page": 2, "total": 5, "pages": 3, "next": 2, "base_currency": "USD"}
    last = client.get(f"{URL}?per_page=2&page=3").get_json()
    assert last["meta"]["next"] is None and len(last["data"]) == 1
    for bad in ("per_page=0", "per_page=201", "page=x", "type=boat", "archived=maybe"):
        assert_problem(client.get(f"{URL}?{bad}"), 400)


def test_reads_carry_an_etag_and_answer_304_until_something_changes(client, owner):
    first = client.get(f"{URL}/{owner.account_id}")
    etag = first.headers["ETag"]
    assert etag
    again = client.get(f"{URL}/{owner.account_id}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert client.get(URL, headers={"If-None-Match": etag}).status_code == 200  # another body, another tag
    client.patch(f"{URL}/{owner.account_id}", json={"notes": "changed"})
    changed = client.get(f"{URL}/{owner.account_id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_a_repeated_idempotency_key_answers_the_first_response_and_writes_nothing(client, owner):
    headers = {"Idempotency-Key": "3f2b9a1e-key-1"}
    first = client.post(URL, json={"name": "Once"}, headers=headers)
    second = client.post(URL, json={"name": "Once"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json() and second.headers["Location"] == first.headers["Location"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert count(Account, Account.name == "Once") == 1

    reused = assert_problem(client.post(URL, json={"name": "Twice"}, headers=headers), 422)
    assert "Idempotency-Key" in reused["errors"]
    assert count(Account, Account.name == "Twice") == 0
    assert_problem(client.post(URL, json={"name": "x"}, headers={"Idempotency-Key": "has space"}), 400)


def test_a_failed_create_does_not_use_up_its_key(client, owner):
    headers = {"Idempotency-Key": "retry-after-fix"}
    assert_problem(client.post(URL, json={"name": "Fixed", "type": "boat"}, headers=headers), 422)
    assert count(IdempotencyKey) == 0
    assert client.post(URL, json={"name": "Fixed"}, headers=headers).status_code == 201


def test_keys_belong_to_their_workspace_and_user(client, owner, auth):
    headers = {"Idempotency-Key": "same-key"}
    assert client.post(URL, json={"name": "Tess's"}, headers=headers).status_code == 201
    auth.logout()
    assert auth.login("stranger@example.com").status_code == 302
    made = client.post(URL, json={"name": "Stranger's"}, headers=headers)
    assert made.status_code == 201 and made.get_json()["data"]["name"] == "Stranger's"
    assert count(IdempotencyKey) == 2


def test_keys_expire_after_a_day_and_the_scheduled_purge_forgets_them(client, owner, ctx):
    from datetime import timedelta

    from financeapp.api.resources import purge_expired_keys
    from financeapp.core.db import utcnow
    from financeapp.extensions import db

    headers = {"Idempotency-Key": "old-key"}
    assert client.post(URL, json={"name": "Day one"}, headers=headers).status_code == 201
    db.session.execute(sa.update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    again = client.post(URL, json={"name": "Day two"}, headers=headers)
    assert again.status_code == 201 and again.get_json()["data"]["name"] == "Day two"
    db.session.execute(sa.update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=25)))
    assert purge_expired_keys() == 1
    db.session.commit()
    assert count(IdempotencyKey) == 0
