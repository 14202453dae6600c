"""The Exchange rates page over HTTP: listing, adding, importing, deleting, roles and isolation."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.auth.models import User
from financeapp.extensions import db
from financeapp.rates import services
from financeapp.rates.models import ExchangeRate
from tests.factories import add_member, make_user, personal_workspace

MAR_1 = date(2026, 3, 1)


@pytest.fixture
def people(ctx):
    ada = make_user("ada@example.com", name="Ada", currency="USD")
    bob = make_user("bob@example.com", name="Bob", currency="EUR")
    return personal_workspace(ada), personal_workspace(bob)


def add_rate(ws, base="EUR", quote="USD", on=MAR_1, rate="1.0856") -> int:
    row = services.set_rate(ws, base, quote, on, rate)
    db.session.commit()
    return row.id


def rates_of(ws) -> list[tuple[str, str, date, Decimal]]:
    db.session.rollback()  # a fresh snapshot: MariaDB's REPEATABLE READ hides the requests' commits
    rows = db.session.scalars(
        sa.select(ExchangeRate).where(ExchangeRate.workspace_id == ws.id).order_by(ExchangeRate.on)
    )
    return [(r.base, r.quote, r.on, r.rate) for r in rows]


def listed(response) -> list[str]:
    """The rates in the page's table, as shown."""
    return re.findall(r'<td class="amount">(.*?)</td>', response.get_data(as_text=True))


def csv_upload(text: str, name: str = "rates.csv") -> dict:
    return {"file": (io.BytesIO(text.encode()), name)}


def join_as(client, auth, ws, role: str) -> None:
    """Log Ada in to Bob's workspace with `role`."""
    user = db.session.scalar(sa.select(User).where(User.email == "ada@example.com"))
    add_member(ws, user, role)
    auth.login("ada@example.com")
    assert client.post(f"/workspaces/{ws.id}/switch").status_code == 302


# Reading -----------------------------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_sign_in(client, people):
    response = client.get("/rates/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_empty_page_explains_what_rates_are_for(client, auth, people):
    auth.login("ada@example.com")
    page = client.get("/rates/").get_data(as_text=True)
    assert "No exchange rates yet" in page
    assert "converted into USD" in page
    assert 'action="/rates/"' in page and 'action="/rates/import"' in page
    assert '<label class="form-label" for="rate">Rate</label>' in page
    assert '<label class="form-label" for="file">CSV file</label>' in page
    assert '<option selected value="USD">USD</option>' in page  # base defaults to the workspace's


def test_page_has_no_inline_script_or_event_handlers(client, auth, people):
    ada_ws, _ = people
    add_rate(ada_ws)
    auth.login("ada@example.com")
    page = client.get("/rates/").get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert not re.search(r"\son[a-z]+=", page)
    assert 'data-confirm="Delete the EUR→USD rate of 2026-03-01? This cannot be undone."' in page


def test_rates_are_listed_newest_first_as_sentences(client, auth, people):
    ada_ws, _ = people
    add_rate(ada_ws, on=MAR_1, rate="1.0800000000")
    add_rate(ada_ws, on=date(2026, 3, 2), rate="1.0856")
    add_rate(ada_ws, "USD", "JPY", date(2026, 2, 1), "25000")
    auth.login("ada@example.com")
    response = client.get("/rates/")
    assert listed(response) == ["1 EUR = 1.0856 USD", "1 EUR = 1.08 USD", "1 USD = 25,000 JPY"]
    assert "3 rates." in response.get_data(as_text=True)


def test_list_is_paginated_fifty_a_page(client, auth, people):
    ada_ws, _ = people
    for offset in range(51):
        services.set_rate(ada_ws, "EUR", "USD", MAR_1 + timedelta(days=offset), "1.08")
    db.session.commit()
    auth.login("ada@example.com")
    first = client.get("/rates/")
    assert listed(first) == ["1 EUR = 1.08 USD"] * 50
    assert "Page 1 of 2" in first.get_data(as_text=True)
    assert 'href="/rates/?page=2"' in first.get_data(as_text=True)
    second = client.get("/rates/?page=2")
    assert listed(second) == ["1 EUR = 1.08 USD"]
    assert "2026-03-01" in second.get_data(as_text=True)
    for junk in ("abc", "-3", "999"):
        assert client.get(f"/rates/?page={junk}").status_code == 200


def test_pair_filter_shows_one_pair(client, auth, people):
    ada_ws, _ = people
    add_rate(ada_ws, "EUR", "USD", rate="1.0856")
    add_rate(ada_ws, "GBP", "USD", rate="1.27")
    auth.login("ada@example.com")
    response = client.get("/rates/?pair=GBP-USD")
    assert listed(response) == ["1 GBP = 1.27 USD"]
    assert '<option value="GBP-USD" selected>' in response.get_data(as_text=True)
    empty = client.get("/rates/?pair=CHF-USD").get_data(as_text=True)
    assert "No CHF → USD rates" in empty


def test_junk_pair_filter_is_explained_not_a_500(client, auth, people):
    ada_ws, _ = people
    add_rate(ada_ws)
    auth.login("ada@example.com")
    response = client.get("/rates/?pair=%3Cscript%3E")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "is not a currency pair" in page and "<script>" not in page
    assert listed(response) == ["1 EUR = 1.0856 USD"]


# Adding ------------------------------------------------------------------------------------------


def test_member_adds_a_rate(client, auth, people):
    ada_ws, _ = people
    auth.login("ada@example.com")
    response = client.post("/rates/", data={"on": "2026-03-01", "base": "EUR", "quote": "USD",
                                            "rate": "1.0856"})
    assert response.status_code == 302 and response.headers["Location"] == "/rates/"
    page = client.get("/rates/").get_data(as_text=True)
    assert "Saved 1 EUR = 1.0856 USD on 2026-03-01." in page
    assert rates_of(ada_ws) == [("EUR", "USD", MAR_1, Decimal("1.0856"))]


def test_adding_the_same_day_again_replaces_the_rate(client, auth, people):
    ada_ws, _ = people
    add_rate(ada_ws, rate="1.00")
    auth.login("ada@example.com")
    data = {"on": "2026-03-01", "base": "EUR", "quote": "USD", "rate": "1,0856"}
    assert client.post("/rates/", data=data).status_code == 302
    assert rates_of(ada_ws) == [("EUR", "USD", MAR_1, Decimal("1.0856"))]


@pytest.mark.parametrize(("changes", "message"), [
    ({"rate": "abc"}, "“abc” is not a rate."),
    ({"rate": "0"}, "A rate must be greater than zero."),
    ({"rate": "-1"}, "A rate must be greater than zero."),
    ({"rate": "NaN"}, "“NaN” is not a rate."),
    ({"rate": ""}, "Enter a rate such as 1.0856."),
    ({"quote": "EUR"}, "Base and quote are both EUR"),
    ({"quote": "XXY"}, "Not a valid choice"),
    ({"on": "yesterday"}, "Not a valid date value"),
    ({"on": "1066-10-14"}, "Use a date between 1900 and 2199."),
])
def test_bad_rate_is_refused_with_the_reason_and_nothing_written(client, auth, people, changes, message):
    ada_ws, _ = people
    auth.login("ada@example.com")
    data = {"on": "2026-03-01", "base": "EUR", "quote": "USD", "rate": "1.0856", **changes}
    response = client.post("/rates/", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="invalid-feedback"' in page  # shown at the field
    assert rates_of(ada_ws) == []


# Importing ---------------------------------------------------------------------------------------


def test_member_imports_a_csv(client, auth, people):
    ada_ws, _ = people
    add_rate(ada_ws, rate="1.00")
    auth.login("ada@example.com")
    text = "\ufeffDate,From,To,Rate\n2026-03-01,EUR,USD,1.0856\n02.03.2026,EUR,USD,1.09\n"
    response = client.post("/rates/import", data=csv_upload(text), content_type="multipart/form-data")
    assert response.status_code == 302
    assert "Imported 2 rates (1 updated)." in client.get("/rates/").get_data(as_text=True)
    assert rates_of(ada_ws) == [
        ("EUR", "USD", MAR_1, Decimal("1.0856")),
        ("EUR", "USD", date(2026, 3, 2), Decimal("1.09")),
    ]


@pytest.mark.parametrize(("upload", "message"), [
    (csv_upload("date,base,quote,rate\n2026-03-02,EUR,USD,1.09\n2026-03-03,EUR,USD,abc\n"),
     "Row 3: “abc” is not a rate."),
    (csv_upload(""), "The file is empty."),
    (csv_upload("date,base,rate\n2026-03-02,EUR,1.09\n"), "missing: quote"),
    (csv_upload("date,base,quote,rate\n", "rates.xlsx"), "Upload a .csv file."),
    ({}, "Choose a CSV file to import."),
])
def test_bad_import_shows_the_reason_and_writes_nothing(client, auth, people, upload, message):
    ada_ws, _ = people
    add_rate(ada_ws, rate="1.00")
    auth.login("ada@example.com")
    response = client.post("/rates/import", data=upload, content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert rates_of(ada_ws) == [("EUR", "USD", MAR_1, Decimal("1.00"))]


# Deleting ----------------------------------------------------------------------------------------


def test_member_deletes_a_rate_and_returns_to_the_same_page(client, auth, people):
    ada_ws, _ = people
    rate_id = add_rate(ada_ws)
    auth.login("ada@example.com")
    response = client.post(f"/rates/{rate_id}/delete?page=2&pair=EUR-USD")
    assert response.status_code == 302
    assert response.headers["Location"] == "/rates/?page=2&pair=EUR-USD"
    assert "Deleted the EUR→USD rate of 2026-03-01." in client.get("/rates/").get_data(as_text=True)
    assert rates_of(ada_ws) == []


def test_another_workspaces_rate_is_not_found(client, auth, people):
    _, bob_ws = people
    rate_id = add_rate(bob_ws)
    auth.login("ada@example.com")
    assert client.post(f"/rates/{rate_id}/delete").status_code == 404
    assert client.post("/rates/999999/delete").status_code == 404
    assert listed(client.get("/rates/")) == []
    assert len(rates_of(bob_ws)) == 1


# Roles -------------------------------------------------------------------------------------------


def test_viewer_sees_rates_but_no_forms(client, auth, people):
    _, bob_ws = people
    add_rate(bob_ws)
    join_as(client, auth, bob_ws, "viewer")
    page = client.get("/rates/").get_data(as_text=True)
    assert listed(client.get("/rates/")) == ["1 EUR = 1.0856 USD"]
    assert "Add a rate" not in page and "Import rates" not in page and "data-confirm" not in page


def test_viewer_gets_403_on_every_post_and_nothing_changes(client, auth, people):
    _, bob_ws = people
    rate_id = add_rate(bob_ws)
    join_as(client, auth, bob_ws, "viewer")
    create = client.post("/rates/", data={"on": "2026-03-02", "base": "EUR", "quote": "USD", "rate": "2"})
    upload = client.post("/rates/import", data=csv_upload("date,base,quote,rate\n2026-03-03,EUR,USD,2\n"),
                         content_type="multipart/form-data")
    delete = client.post(f"/rates/{rate_id}/delete")
    assert [create.status_code, upload.status_code, delete.status_code] == [403, 403, 403]
    assert rates_of(bob_ws) == [("EUR", "USD", MAR_1, Decimal("1.0856"))]


def test_member_of_a_shared_workspace_writes_to_that_workspace(client, auth, people):
    ada_ws, bob_ws = people
    join_as(client, auth, bob_ws, "member")
    data = {"on": "2026-03-01", "base": "USD", "quote": "EUR", "rate": "0.92"}
    assert client.post("/rates/", data=data).status_code == 302
    assert rates_of(bob_ws) == [("USD", "EUR", MAR_1, Decimal("0.92"))]
    assert rates_of(ada_ws) == []
