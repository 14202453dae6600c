"""/api/v1/rates: exchange rates set, read, changed and deleted through rates/services; roles, isolation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from financeapp.extensions import db
from financeapp.rates.models import ExchangeRate
from financeapp.rates.services import set_rate
from tests.api.fixtures import assert_problem, count

URL = "/api/v1/rates"


def test_round_trip_and_the_same_day_replaced(client, owner):
    made = client.post(URL, json={"base": "eur", "quote": "USD", "date": "2026-03-01", "rate": "1.08560"})
    assert made.status_code == 201, made.get_json()
    rate = made.get_json()["data"]
    assert rate | {"id": 0} == {"id": 0, "base": "EUR", "quote": "USD", "date": "2026-03-01", "rate": "1.0856"}
    assert client.get(made.headers["Location"]).get_json()["data"] == rate
    again = client.post(URL, json={"base": "EUR", "quote": "USD", "date": "2026-03-01", "rate": 1.1}).get_json()
    assert again["data"]["id"] == rate["id"] and again["data"]["rate"] == "1.1"
    client.post(URL, json={"base": "GBP", "quote": "USD", "date": "2026-03-01", "rate": "1.27"})
    assert [r["base"] for r in client.get(f"{URL}?pair=EUR-USD").get_json()["data"]] == ["EUR"]
    assert client.get(URL).get_json()["meta"]["total"] == 2
    assert client.patch(f"{URL}/{rate['id']}", json={"rate": "0.5"}).get_json()["data"]["rate"] == "0.5"
    assert client.delete(f"{URL}/{rate['id']}").status_code == 204
    assert count(ExchangeRate) == 1


def test_invalid_rates_write_nothing(client, owner):
    body = assert_problem(client.post(URL, json={"base": "EURO", "quote": 1, "date": "x", "rate": "abc"}), 422)
    assert set(body["errors"]) == {"base", "quote", "date", "rate"}
    assert_problem(client.post(URL, json={"base": "EUR", "quote": "EUR", "date": "2026-03-01", "rate": 1}), 422)
    assert_problem(client.post(URL, json={"base": "EUR", "quote": "USD", "date": "2026-03-01", "rate": 0}), 422)
    assert_problem(client.post(URL, json={"base": "EUR", "quote": "USD", "date": "2026-03-01"}), 422)
    assert_problem(client.get(f"{URL}?pair=EURUSD"), 400)
    assert count(ExchangeRate) == 0


def test_roles_and_isolation(client, viewer, auth):
    mine = set_rate(viewer.ws, "EUR", "USD", date(2026, 1, 1), Decimal("1.1")).id
    theirs = set_rate(viewer.other_ws, "EUR", "USD", date(2026, 1, 1), Decimal("1.2")).id
    db.session.commit()
    assert client.get(f"{URL}/{mine}").status_code == 200
    assert_problem(client.post(URL, json={"base": "EUR", "quote": "USD", "date": "2026-01-02", "rate": 1}), 403)
    assert_problem(client.patch(f"{URL}/{mine}", json={"rate": 2}), 403)
    assert_problem(client.delete(f"{URL}/{mine}"), 403)
    auth.logout()
    auth.login("owner@example.com")
    for response in (client.get(f"{URL}/{theirs}"), client.patch(f"{URL}/{theirs}", json={"rate": 9}),
                     client.delete(f"{URL}/{theirs}")):
        assert_problem(response, 404)
    assert [r["rate"] for r in client.get(URL).get_json()["data"]] == ["1.1"]
    assert count(ExchangeRate, ExchangeRate.rate == Decimal("1.2")) == 1


def test_etag_and_idempotency(client, owner):
    headers = {"Idempotency-Key": "rate-1"}
    body = {"base": "EUR", "quote": "USD", "date": "2026-03-01", "rate": "1.1"}
    a, b = (client.post(URL, json=body, headers=headers) for _ in range(2))
    assert a.status_code == b.status_code == 201 and a.get_json() == b.get_json() and count(ExchangeRate) == 1
    etag = client.get(URL).headers["ETag"]
    assert client.get(URL, headers={"If-None-Match": etag}).status_code == 304
