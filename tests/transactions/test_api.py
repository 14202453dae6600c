"""/api/v1/transactions: the filtered list, one transaction, and recording entries and transfers."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp import create_app
from financeapp.accounts.models import Account
from financeapp.accounts.queries import balance_on
from financeapp.extensions import db
from financeapp.recurring.models import RecurringOccurrence
from financeapp.transactions import services
from financeapp.transactions.models import Transaction, TransactionLine
from financeapp.transactions.services import EntryInput
from tests.api.fixtures import OWNER, assert_problem, count
from tests.conftest import IsolatedClient, csrf_token_from
from tests.factories import DEFAULT_PASSWORD, make_account, make_category, make_transaction
from tests.recurring.helpers import make_recurring

URL = "/api/v1/transactions"


def entry(account_id: int | str, /, **changes) -> dict:
    return {"account_id": account_id, "date": "2026-03-05", "amount": "12.50", "direction": "out", **changes}


def post_raw(client, text: str):
    return client.post(URL, data=text, content_type="application/json")


def raw_entry(account_id: int, amount: str, direction: str = "out") -> str:
    """An entry's JSON text with `amount` written literally (12.10, NaN), as a client may send it."""
    return json.dumps(entry(account_id, amount="AMOUNT", direction=direction)).replace('"AMOUNT"', amount)


def balance(account_id: int) -> Decimal:
    db.session.rollback()
    return balance_on(db.session.get(Account, account_id))


# GET /transactions ---------------------------------------------------------------------------


def test_a_transaction_lists_its_account_payee_labels_and_lines(client, owner):
    food = make_category(owner.ws, "Food")
    services.record_entry(owner.ws, EntryInput(
        account_id=owner.account_id, on=date(2026, 3, 5), amount=Decimal("42.10"), direction="out",
        payee="Market", category_id=food.id, memo="weekly shop", labels=("home", "Food run"),
    ))
    db.session.commit()

    body = client.get(URL).get_json()

    [txn] = body["data"]
    assert txn == {
        "id": txn["id"], "date": "2026-03-05", "account": {"id": owner.account_id, "name": "Checking"},
        "amount": "-42.10", "currency": "USD", "payee": {"id": txn["payee"]["id"], "name": "Market"},
        "memo": "weekly shop", "status": "uncleared", "kind": "expense", "transfer_key": None,
        "labels": ["Food run", "home"],
        "lines": [{"category": {"id": food.id, "name": "Food"}, "amount": "-42.10", "memo": ""}], "version": 1,
    }
    assert body["meta"] == {"page": 1, "per_page": 50, "total": 1, "pages": 1, "next": None, "sum": "-42.10",
                            "currency": "USD", "sums": {"USD": "-42.10"}}


@pytest.fixture
def month(owner):
    """Six transactions in March in the owner's checking account, and one in savings."""
    checking = db.session.get(Account, owner.account_id)
    savings = make_account(owner.ws, "Savings", type="savings")
    for day, amount, memo in [(1, "1000.00", "salary"), (2, "-20.00", "coffee beans"), (3, "-0.10", "fee"),
                              (4, "-0.20", "fee"), (5, "-300.00", "rent"), (6, "15.55", "refund")]:
        make_transaction(checking, amount, on=date(2026, 3, day), memo=memo)
    make_transaction(savings, "0.30", on=date(2026, 3, 7), memo="interest")
    return savings.id


@pytest.mark.parametrize(("query", "memos"), [
    ("", ["interest", "refund", "rent", "fee", "fee", "coffee beans", "salary"]),
    ("sort=amount", ["rent", "coffee beans", "fee", "fee", "interest", "refund", "salary"]),
    ("kind=income", ["interest", "refund", "salary"]),
    ("kind=expense&start=2026-03-03&end=2026-03-04", ["fee", "fee"]),
    ("q=COFFEE", ["coffee beans"]),
    ("min=15&max=300", ["refund", "rent", "coffee beans"]),
    ("min=-0.20&max=-0.10", ["fee", "fee"]),
])
def test_filters_match_the_html_page(client, month, query, memos):
    body = client.get(f"{URL}?{query}").get_json()
    assert [txn["memo"] for txn in body["data"]] == memos
    assert body["meta"]["total"] == len(memos)


def test_the_sum_is_exact_and_null_when_the_accounts_mix_currencies(client, month, owner):
    # 1000.00 - 20.00 - 0.10 - 0.20 - 300.00 + 15.55 + 0.30 (every account uses USD)
    assert client.get(URL).get_json()["meta"]["sum"] == "695.55"
    assert client.get(f"{URL}?start=2026-03-03&end=2026-03-04").get_json()["meta"]["sum"] == "-0.30"
    euros = make_account(owner.ws, "Euros", currency="EUR")
    assert client.get(URL).get_json()["meta"]["sum"] == "695.55", "an empty EUR account mixes nothing"
    make_transaction(euros, "5.00")

    mixed = client.get(URL).get_json()["meta"]
    one_account = client.get(f"{URL}?account={month}").get_json()["meta"]

    assert (mixed["sum"], mixed["currency"]) == (None, None)
    assert mixed["sums"] == {"EUR": "5.00", "USD": "695.55"}
    assert (one_account["sum"], one_account["currency"]) == ("0.30", "USD")


def test_pages_carry_their_meta(client, owner):
    checking = db.session.get(Account, owner.account_id)
    for day in range(1, 28):
        make_transaction(checking, f"-{day}.00", on=date(2026, 2, day))

    first = client.get(f"{URL}?per_page=25&sort=date").get_json()
    second = client.get(f"{URL}?per_page=25&sort=date&page=2").get_json()
    beyond = client.get(f"{URL}?per_page=25&page=9").get_json()

    assert first["meta"] == {"page": 1, "per_page": 25, "total": 27, "pages": 2, "next": 2, "sum": "-378.00",
                             "currency": "USD", "sums": {"USD": "-378.00"}}
    assert [t["date"] for t in first["data"]][:2] == ["2026-02-01", "2026-02-02"]
    assert [t["amount"] for t in second["data"]] == ["-26.00", "-27.00"]
    assert beyond["data"] == [] and beyond["meta"]["page"] == 9


@pytest.mark.parametrize(("query", "parameter"), [
    ("start=2026-13-01", "start"),
    ("end=yesterday", "end"),
    ("min=abc", "min"),
    ("max=NaN", "max"),
    ("account=x", "account"),
    ("account=99999999999999999999", "account"),
    ("category=1.5", "category"),
    ("kind=expenses", "kind"),
    ("sort=payee", "sort"),
    ("per_page=7", "per_page"),
    ("page=0", "page"),
])
def test_a_bad_filter_is_a_problem_naming_the_parameter(client, owner, query, parameter):
    body = assert_problem(client.get(f"{URL}?{query}"), 400)
    assert list(body["errors"]) == [parameter]


def test_every_bad_filter_is_reported_at_once(client, owner):
    body = assert_problem(client.get(f"{URL}?start=x&end=y&min=z"), 400)
    assert set(body["errors"]) == {"start", "end", "min"}


def test_another_workspaces_rows_are_never_listed(client, owner):
    stranger = db.session.get(Account, owner.other_account_id)
    make_transaction(stranger, "-99.00", memo="stranger's")
    make_transaction(db.session.get(Account, owner.account_id), "-1.00", memo="mine")

    everything = client.get(URL).get_json()
    filtered = client.get(f"{URL}?account={owner.other_account_id}").get_json()
    searched = client.get(f"{URL}?q=stranger").get_json()

    assert [t["memo"] for t in everything["data"]] == ["mine"]
    assert everything["meta"]["total"] == 1 and everything["meta"]["sum"] == "-1.00"
    assert filtered["data"] == [] and filtered["meta"]["total"] == 0
    assert searched["data"] == []


def test_one_transaction_can_be_read_but_not_another_workspaces(client, owner):
    mine = make_transaction(db.session.get(Account, owner.account_id), "-1.00").id
    theirs = make_transaction(db.session.get(Account, owner.other_account_id), "-1.00").id

    assert client.get(f"{URL}/{mine}").get_json()["data"]["id"] == mine
    assert_problem(client.get(f"{URL}/{theirs}"), 404)
    assert_problem(client.get(f"{URL}/{2**64}"), 404)


# POST /transactions: entries -------------------------------------------------------------


def test_an_expense_is_recorded_negative_with_its_location(client, owner):
    food = make_category(owner.ws, "Food")

    response = client.post(URL, json=entry(owner.account_id, amount="42.10", payee="Market", category_id=food.id,
                                           memo="weekly", labels=["home"], status="cleared"))

    assert response.status_code == 201
    [txn] = response.get_json()["data"]
    assert response.headers["Location"].endswith(f"/api/v1/transactions/{txn['id']}")
    assert (txn["amount"], txn["currency"], txn["kind"], txn["status"]) == ("-42.10", "USD", "expense", "cleared")
    assert txn["payee"]["name"] == "Market" and txn["labels"] == ["home"]
    assert txn["lines"] == [{"category": {"id": food.id, "name": "Food"}, "amount": "-42.10", "memo": ""}]
    assert client.get(response.headers["Location"]).get_json()["data"] == txn
    assert balance(owner.account_id) == Decimal("57.90")


def test_income_is_recorded_positive(client, owner):
    response = client.post(URL, json=entry(owner.account_id, amount=1500, direction="in"))
    assert response.status_code == 201
    assert response.get_json()["data"][0]["amount"] == "1500.00"
    assert response.get_json()["data"][0]["kind"] == "income"


def test_a_signed_amount_round_trips_through_get(client, owner):
    food, home = make_category(owner.ws, "Food").id, make_category(owner.ws, "Home", group="House").id
    first = client.post(URL, json={"account_id": owner.account_id, "date": "2026-03-05", "amount": "-50.00",
                                   "lines": [{"category_id": food, "amount": "-30.00"},
                                             {"category_id": home, "amount": "-20.00"}]})
    assert first.status_code == 201, first.get_json()
    listed = client.get(first.headers["Location"]).get_json()["data"]

    # What GET returned, posted back as it is (no direction), records the same transaction again.
    again = client.post(URL, json={"account_id": listed["account"]["id"], "date": listed["date"],
                                   "amount": listed["amount"], "memo": listed["memo"],
                                   "lines": [{"category_id": line["category"]["id"], "amount": line["amount"]}
                                             for line in listed["lines"]]})

    assert again.status_code == 201, again.get_json()
    copy = client.get(again.headers["Location"]).get_json()["data"]
    assert (copy["amount"], copy["kind"], [line["amount"] for line in copy["lines"]]) == (
        "-50.00", "expense", ["-30.00", "-20.00"])
    assert balance(owner.account_id) == Decimal("0.00")


@pytest.mark.parametrize(("changes", "amount"), [
    ({"amount": "-12.50", "direction": None}, "-12.50"),  # the sign says money out
    ({"amount": "12.50", "direction": None}, "12.50"),  # a positive amount without direction is money in
    ({"amount": "-12.50", "direction": "out"}, "-12.50"),  # a sign that agrees with the direction
    ({"amount": "12.50", "direction": "out"}, "-12.50"),  # a positive amount goes the way direction says
])
def test_the_direction_is_optional_when_the_amount_is_signed(client, owner, changes, amount):
    body = {key: value for key, value in entry(owner.account_id, **changes).items() if value is not None}
    response = client.post(URL, json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["data"][0]["amount"] == amount


def test_an_entry_recorded_through_the_api_marks_the_bill_it_pays(client, owner):
    bill = make_recurring(owner.ws, owner.account_id, name="Electricity", amount="95", month_day=12, is_bill=True,
                          payee="City Power")

    response = client.post(URL, json=entry(owner.account_id, amount="-95.00", direction=None, date="2026-03-11",
                                           payee="City Power & Light"))

    assert response.status_code == 201, response.get_json()
    db.session.rollback()
    occurrence = db.session.scalar(sa.select(RecurringOccurrence))
    assert (occurrence.recurring_id, occurrence.occurrence_date, occurrence.status, occurrence.transaction_id) == (
        bill.id, date(2026, 3, 12), "paid", response.get_json()["data"][0]["id"])


def test_json_numbers_are_read_exactly_never_as_floats(client, owner):
    # As floats 0.1 + 0.2 is 0.30000000000000004 and 12.10 is 12.0999999999999996447...
    split = post_raw(client, raw_entry(owner.account_id, "0.3")[:-1] + ', "lines": [{"amount": 0.1}, {"amount": 0.2}]}')
    twelve = post_raw(client, raw_entry(owner.account_id, "12.10", direction="in"))
    for _ in range(3):
        assert post_raw(client, raw_entry(owner.account_id, "0.1")).status_code == 201

    assert split.status_code == 201, split.get_json()
    assert [line["amount"] for line in split.get_json()["data"][0]["lines"]] == ["-0.10", "-0.20"]
    assert twelve.get_json()["data"][0]["amount"] == "12.10"
    # 100.00 - 0.30 + 12.10 - 3 x 0.10
    assert balance(owner.account_id) == Decimal("111.50")


def test_a_split_is_recorded_with_its_lines(client, owner):
    food, home = make_category(owner.ws, "Food").id, make_category(owner.ws, "Home", group="House").id

    response = client.post(URL, json=entry(owner.account_id, amount="50.00", lines=[
        {"category_id": food, "amount": "30.00", "memo": "groceries"},
        {"category_id": home, "amount": 20},
    ]))

    assert response.status_code == 201
    lines = response.get_json()["data"][0]["lines"]
    assert [(line["category"]["id"], line["amount"], line["memo"]) for line in lines] == [
        (food, "-30.00", "groceries"), (home, "-20.00", "")]


def test_split_lines_must_add_up_and_nothing_is_written(client, owner):
    food = make_category(owner.ws, "Food").id

    response = client.post(URL, json=entry(owner.account_id, amount="50.00", lines=[
        {"category_id": food, "amount": "30.00"}, {"category_id": food, "amount": "15.00"}]))

    body = assert_problem(response, 422)
    assert "$5.00 left to assign" in body["errors"]["lines"]
    assert count(Transaction) == 0 and count(TransactionLine) == 0


def test_every_invalid_field_is_reported_at_once(client, owner):
    response = client.post(URL, json={"account_id": owner.account_id, "amount": "twelve", "direction": "sideways",
                                      "labels": "a,b", "colour": "red",
                                      "lines": [{"amount": "1.00"}, {"amount": -2, "category": 3}]})

    body = assert_problem(response, 422)
    assert body["errors"] == {
        "date": "Required.",
        "amount": 'Send the amount as a number or a string such as "12.50".',
        "direction": "Choose one of: in, out.",
        "labels": 'Send labels as a list of names, such as ["travel", "work"].',
        "colour": "Unknown field.",
        "lines[1].amount": "Give every line the sign of the amount (negative for money out), or send them all "
                           "positive.",
        "lines[1].category": "Unknown field.",
    }
    assert count(Transaction) == 0


@pytest.mark.parametrize(("changes", "field"), [
    ({"amount": True}, "amount"),
    ({"amount": None}, "amount"),
    ({"amount": "NaN"}, "amount"),
    ({"amount": "Infinity"}, "amount"),
    ({"amount": "1e3"}, "amount"),
    ({"amount": [12]}, "amount"),
    ({"amount": 0}, "amount"),
    ({"amount": "-12.50", "direction": "in"}, "amount"),
    ({"amount": "10000000000000"}, "amount"),
    ({"date": "2026-02-30"}, "date"),
    ({"date": "05/03/2026"}, "date"),
    ({"date": "20260305"}, "date"),
    ({"date": "1066-10-14"}, "date"),
    ({"date": 20260305}, "date"),
    ({"account_id": "abc"}, "account_id"),
    ({"account_id": True}, "account_id"),
    ({"account_id": 1.0}, "account_id"),
    ({"account_id": 0}, "account_id"),
    ({"account_id": 2**64}, "account_id"),
    ({"category_id": -1}, "category_id"),
    ({"direction": "sideways"}, "direction"),
    ({"amount": "-12.50", "direction": None, "lines": [{"amount": "-6.25"}, {"amount": "6.25"}]}, "lines[1].amount"),
    ({"date": "0001-01-01"}, "date"),
    ({"date": "9999-12-31"}, "date"),
    ({"payee": "x" * 121}, "payee"),
    ({"memo": 5}, "memo"),
    ({"labels": ["ok", ""]}, "labels"),
    ({"labels": ["x" * 41]}, "labels"),
    ({"labels": [f"label {n}" for n in range(21)]}, "labels"),
    ({"status": "pending"}, "status"),
    ({"lines": [{"amount": "1.00"}]}, "lines"),
    ({"lines": [{"amount": "1.00"}] * 21}, "lines"),
    ({"lines": {"amount": "1.00"}}, "lines"),
    ({"lines": [{"amount": "6.25"}, "6.25"]}, "lines[1]"),
    ({"category_id": 5, "lines": [{"amount": "6.25"}, {"amount": "6.25"}]}, "category_id"),
    ({"type": "refund"}, "type"),
])
def test_an_invalid_field_is_named(client, owner, changes, field):
    body = assert_problem(client.post(URL, json=entry(owner.account_id, **changes)), 422)
    assert list(body["errors"]) == [field]
    assert count(Transaction) == 0


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_json_numbers_are_refused_at_their_field(client, owner, literal):
    response = post_raw(client, raw_entry(owner.account_id, literal))
    body = assert_problem(response, 422)
    assert body["errors"] == {"amount": "Send a finite amount (NaN and Infinity are not amounts)."}


def test_more_decimals_than_the_currency_has_are_refused(client, owner):
    yen = make_account(owner.ws, "Yen", currency="JPY").id

    cents = client.post(URL, json=entry(owner.account_id, amount="1.005"))
    sen = client.post(URL, json=entry(yen, amount=12.5))

    assert assert_problem(cents, 422)["errors"] == {"amount": "USD amounts have at most 2 decimal places."}
    assert assert_problem(sen, 422)["errors"] == {"amount": "JPY amounts have at most 0 decimal places."}
    assert client.post(URL, json=entry(yen, amount=1200)).get_json()["data"][0]["amount"] == "-1200"


def test_ids_may_be_sent_as_digit_strings(client, owner):
    response = client.post(URL, json=entry(str(owner.account_id)))
    assert response.status_code == 201


@pytest.mark.parametrize(("send", "status"), [
    (lambda c, body: c.post(URL, data=body), 415),  # a form post
    (lambda c, body: c.post(URL, data=json.dumps(body), content_type="text/plain"), 415),
    (lambda c, body: post_raw(c, "{not json"), 400),
    (lambda c, body: post_raw(c, ""), 400),
    (lambda c, body: post_raw(c, "[1, 2]"), 400),
    (lambda c, body: post_raw(c, '"12.50"'), 400),
    (lambda c, body: post_raw(c, '{"amount": "1", "amount": "2"}'), 400),
    (lambda c, body: post_raw(c, '{"amount": ' + "9" * 5000 + "}"), 400),
    (lambda c, body: post_raw(c, "[" * 100_000), 400),
    (lambda c, body: c.post(URL, data=b'{"memo": "\xff"}', content_type="application/json"), 400),
])
def test_a_body_that_is_not_a_json_object_is_a_problem(client, owner, send, status):
    assert_problem(send(client, entry(owner.account_id)), status)
    assert count(Transaction) == 0


def test_another_workspaces_account_or_category_is_not_found(client, owner):
    theirs = make_category(owner.other_ws, "Their food").id
    stranger_before = balance(owner.other_account_id)

    assert_problem(client.post(URL, json=entry(owner.other_account_id)), 404)
    assert_problem(client.post(URL, json=entry(owner.account_id, category_id=theirs)), 404)
    assert_problem(client.post(URL, json=entry(owner.account_id, lines=[
        {"amount": "6.25"}, {"amount": "6.25", "category_id": theirs}])), 404)
    assert_problem(client.post(URL, json={"type": "transfer", "from_account_id": owner.account_id,
                                          "to_account_id": owner.other_account_id, "date": "2026-03-05",
                                          "amount": "10"}), 404)

    assert count(Transaction) == 0
    assert balance(owner.other_account_id) == stranger_before


# POST /transactions: transfers -----------------------------------------------------------


def transfer(from_id: int, to_id: int, **changes) -> dict:
    return {"type": "transfer", "from_account_id": from_id, "to_account_id": to_id, "date": "2026-03-05",
            "amount": "250.00", **changes}


def test_a_transfer_returns_both_sides(client, owner):
    savings = make_account(owner.ws, "Savings", type="savings").id

    response = client.post(URL, json=transfer(owner.account_id, savings, memo="monthly", labels=["saving"]))

    assert response.status_code == 201
    assert "Location" not in response.headers
    out, into = response.get_json()["data"]
    assert (out["account"]["id"], out["amount"], into["account"]["id"], into["amount"]) == (
        owner.account_id, "-250.00", savings, "250.00")
    assert out["kind"] == into["kind"] == "transfer"
    assert out["transfer_key"] == into["transfer_key"] is not None
    assert out["labels"] == into["labels"] == ["saving"] and out["memo"] == "monthly"
    assert balance(owner.account_id) == Decimal("-150.00") and balance(savings) == Decimal("250.00")


def test_a_cross_currency_transfer_needs_the_amount_received(client, owner):
    euros = make_account(owner.ws, "Euros", currency="EUR").id

    missing = client.post(URL, json=transfer(owner.account_id, euros))
    assert "to_amount" in assert_problem(missing, 422)["errors"]
    assert count(Transaction) == 0

    response = client.post(URL, json=transfer(owner.account_id, euros, amount=100, to_amount=91.74))
    assert response.status_code == 201
    out, into = response.get_json()["data"]
    assert (out["amount"], out["currency"], into["amount"], into["currency"]) == ("-100.00", "USD", "91.74", "EUR")


def test_a_same_currency_transfer_with_a_different_amount_received_is_refused(client, owner):
    savings = make_account(owner.ws, "Savings").id
    body = assert_problem(client.post(URL, json=transfer(owner.account_id, savings, to_amount="249.99")), 422)
    assert "to_amount" in body["errors"]


def test_a_transfer_reports_every_invalid_field(client, owner):
    response = client.post(URL, json={"type": "transfer", "from_account_id": owner.account_id,
                                      "to_account_id": owner.account_id, "amount": "-1", "to_amount": "x",
                                      "payee": "Bank"})
    assert set(assert_problem(response, 422)["errors"]) == {"to_account_id", "date", "amount", "to_amount", "payee"}


# Roles, sign-in and CSRF ---------------------------------------------------------------------


def test_a_viewer_reads_but_cannot_record(client, viewer):
    make_transaction(db.session.get(Account, viewer.account_id), "-5.00")

    assert client.get(URL).get_json()["meta"]["total"] == 1
    assert_problem(client.post(URL, json=entry(viewer.account_id)), 403)
    assert count(Transaction) == 1


def test_signing_in_is_required(client, ledger):
    assert_problem(client.get(URL), 401)
    assert_problem(client.get(f"{URL}/1"), 401)
    assert_problem(client.post(URL, json=entry(ledger.account_id)), 401)
    assert count(Transaction) == 0


def test_unknown_api_urls_and_methods_are_problems(client, owner):
    assert_problem(client.get("/api/v1/nothing-here"), 404)
    assert_problem(client.delete(URL), 405)


@pytest.fixture
def guarded_app(app):
    """The same database, with CSRF protection on as in production."""
    guarded = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                     "WTF_CSRF_ENABLED": True})
    guarded.test_client_class = IsolatedClient
    yield guarded
    with guarded.app_context():
        db.engine.dispose()


def test_a_post_needs_the_csrf_token_in_a_header(guarded_app, ledger):
    client = guarded_app.test_client()
    login_token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    assert client.post("/auth/login", data={"email": OWNER, "password": DEFAULT_PASSWORD,
                                            "csrf_token": login_token}).status_code == 302
    token = csrf_token_from(client.get("/dashboard").get_data(as_text=True))

    refused = client.post(URL, json=entry(ledger.account_id))
    accepted = client.post(URL, json=entry(ledger.account_id), headers={"X-CSRFToken": token})

    assert "security token" in assert_problem(refused, 400)["detail"]
    assert accepted.status_code == 201
    assert count(Transaction, Transaction.account_id == ledger.account_id) == 1
    assert client.get(URL).status_code == 200  # reading needs no token
