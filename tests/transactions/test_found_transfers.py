"""Transfers found among unrelated rows: which pairs are proposed, linking, refusing, and the page."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.accounts.queries import balance_on
from financeapp.extensions import db
from financeapp.reports import totals
from financeapp.transactions import found_transfers
from financeapp.transactions.models import Transaction, TransferRefusal
from financeapp.transactions.services import (
    EntryInput,
    LineInput,
    TransferInput,
    delete_transaction,
    record_entry,
    record_transfer,
)
from tests.conftest import csrf_token_from
from tests.factories import add_member, make_account, make_category, make_transaction, make_user, personal_workspace

DAY = date(2026, 3, 10)


@pytest.fixture
def ws(ctx):
    return personal_workspace(make_user("pat@example.com", name="Pat"))


@pytest.fixture
def checking(ws):
    return make_account(ws, "Checking", opening_balance="1000")


@pytest.fixture
def savings(ws):
    return make_account(ws, "Savings", type="savings")


def row(account, amount: str, days: int = 0, **kw) -> Transaction:
    return make_transaction(account, amount, on=DAY + timedelta(days=days), **kw)


def proposed(ws) -> set[tuple[int, int]]:
    return {(p.out_id, p.in_id) for p in found_transfers.find_transfers(ws)}


def test_a_money_out_and_a_money_in_of_the_same_amount_in_two_accounts_are_proposed(ws, checking, savings):
    out, into = row(checking, "-250.00", payee="To savings"), row(savings, "250.00", 2)
    [pairing] = found_transfers.find_transfers(ws)
    assert (pairing.out_id, pairing.in_id, pairing.amount, pairing.currency) == (out.id, into.id, Decimal("250"),
                                                                                 "USD")
    assert pairing.reason == "same amount, 2 days apart, Checking → Savings"


@pytest.mark.parametrize(("days", "found"), [(-4, True), (0, True), (4, True), (5, False), (-5, False)])
def test_the_two_sides_may_be_at_most_four_days_apart_either_way(ws, checking, savings, days, found):
    row(checking, "-80.00")
    row(savings, "80.00", days)
    assert bool(proposed(ws)) is found


def test_look_alikes_are_not_proposed(ws, checking, savings):
    euros = make_account(ws, "Euro", currency="EUR")
    row(checking, "-10.00"), row(savings, "-10.00")  # the same direction
    row(checking, "-20.00"), row(checking, "20.00", 1)  # one account: a refund
    row(checking, "-30.00"), row(savings, "30.01")  # another amount
    row(checking, "-40.00"), row(euros, "40.00")  # another currency
    record_transfer(ws, TransferInput(checking.id, savings.id, DAY, Decimal("50")))  # linked already ...
    row(savings, "50.00", 1), row(checking, "-50.00", 1)  # ... so each of these has no partner but the other
    db.session.commit()
    assert {(p.amount, p.from_account, p.to_account) for p in found_transfers.find_transfers(ws)} == {
        (Decimal("50"), "Checking", "Savings")}


def test_a_split_is_never_one_side_of_a_transfer(ws, checking, savings):
    food, fuel = make_category(ws, "Food"), make_category(ws, "Fuel")
    record_entry(ws, EntryInput(checking.id, DAY, Decimal("60"), "out", lines=(
        LineInput(food.id, Decimal("35")), LineInput(fuel.id, Decimal("25")))))
    row(savings, "60.00")
    db.session.commit()
    assert proposed(ws) == set()


def test_one_match_each_closest_dates_first_then_the_earlier_money_out(ws, checking, savings):
    far_out, near_out = row(checking, "-100.00", -3), row(checking, "-100.00", -1)
    into = row(savings, "100.00")
    assert proposed(ws) == {(near_out.id, into.id)}  # the nearer one wins; the other is left alone
    second_in = row(savings, "100.00", 5)  # 8 days after far_out: out of its window, 6 after near_out: too
    assert proposed(ws) == {(near_out.id, into.id)} and second_in.id
    twin = row(checking, "-100.00", 1)  # as near as near_out: the earlier money-out wins the tie
    assert proposed(ws) == {(near_out.id, into.id), (twin.id, second_in.id)}
    assert far_out.id


def test_the_same_data_always_gives_the_same_pairs(ws, checking, savings):
    for n in range(6):
        row(checking, "-75.00", n % 3)
        row(savings, "75.00", (n * 2) % 5)
    first = found_transfers.find_transfers(ws)
    assert len(first) == 6 and found_transfers.find_transfers(ws) == first
    assert [(p.out_on, p.out_id) for p in first] == sorted((p.out_on, p.out_id) for p in first)


def test_linking_makes_one_transfer_and_keeps_balances(ws, checking, savings):
    groceries = make_category(ws, "Groceries")
    out = row(checking, "-250.00", category=groceries, payee="ACME BANK XFER", memo="to savings")
    into = row(savings, "250.00", 1)
    before = (balance_on(checking), balance_on(savings))
    [pairing] = found_transfers.link_all(ws)
    db.session.commit()
    out, into = db.session.get(Transaction, out.id), db.session.get(Transaction, into.id)
    assert out.transfer_key == into.transfer_key == out.id and out.kind == into.kind == "transfer"
    assert [line.category_id for line in out.lines + into.lines] == [None, None]
    assert (out.amount, into.amount, out.on, into.on) == (Decimal("-250"), Decimal("250"), DAY, DAY + timedelta(1))
    assert out.payee.name == "ACME BANK XFER" and out.memo == "to savings"  # what the bank said stays
    assert out.version == into.version == 2  # an edit form opened before is stale now
    assert (balance_on(checking), balance_on(savings)) == before == (Decimal("750"), Decimal("250"))
    assert proposed(ws) == set()
    assert pairing.out_id == out.id


def test_a_linked_pair_is_edited_and_deleted_as_one_transfer(ws, checking, savings):
    out, into = row(checking, "-90.00"), row(savings, "90.00")
    found_transfers.link_all(ws)
    db.session.commit()
    assert delete_transaction(ws, db.session.get(Transaction, into.id)) == 2
    db.session.commit()
    assert db.session.get(Transaction, out.id) is None


def test_link_one_pair_and_a_pair_no_longer_proposed_is_refused(ws, checking, savings):
    out, into = row(checking, "-90.00"), row(savings, "90.00")
    found_transfers.link_pair(ws, out.id, into.id)
    db.session.commit()
    with pytest.raises(found_transfers.Conflict):
        found_transfers.link_pair(ws, out.id, into.id)


def test_a_refused_pair_stays_unlinked_and_is_never_proposed_again(ws, checking, savings, ctx):
    out, into = row(checking, "-90.00"), row(savings, "90.00")
    found_transfers.refuse_pair(ws, out.id, into.id, user_id=None)
    db.session.commit()
    assert proposed(ws) == set() and found_transfers.link_all(ws) == []
    other_in = row(savings, "90.00", 1)  # another money-in may still pair with the money-out
    assert proposed(ws) == {(out.id, other_in.id)}
    assert db.session.get(Transaction, into.id).transfer_key is None


def test_another_workspaces_ids_are_not_found(ws, checking, savings):
    out = row(checking, "-90.00")
    stranger = personal_workspace(make_user("sam@example.com", name="Sam"))
    theirs = row(make_account(stranger, "Theirs"), "90.00")
    with pytest.raises(found_transfers.NotFound):
        found_transfers.link_pair(ws, out.id, theirs.id)
    with pytest.raises(found_transfers.NotFound):
        found_transfers.refuse_pair(stranger, out.id, theirs.id, user_id=None)
    assert proposed(ws) == set() and proposed(stranger) == set()


def test_deleting_a_side_deletes_its_refusals(ws, checking, savings):
    out, into = row(checking, "-90.00"), row(savings, "90.00")
    found_transfers.refuse_pair(ws, out.id, into.id, user_id=None)
    db.session.commit()
    delete_transaction(ws, db.session.get(Transaction, out.id))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TransferRefusal)) == 0


def test_unlinking_partners_leaves_no_transfer_with_one_side(ws, checking, savings):
    out, into = row(checking, "-90.00"), row(savings, "90.00")
    found_transfers.link_all(ws)
    db.session.commit()
    found_transfers.unlink_partners_of(ws, sa.select(Transaction.id).where(Transaction.id == out.id))
    totals.mark_where(db.session, Transaction.id == out.id)  # as a bulk delete must (undo_import does)
    db.session.execute(sa.delete(Transaction).where(Transaction.id == out.id))
    db.session.commit()
    assert db.session.get(Transaction, into.id).transfer_key is None


# -- the page --------------------------------------------------------------------------------------------


def test_the_page_shows_each_pair_with_both_rows_and_its_reason(client, auth, ws, checking, savings):
    row(checking, "-250.00", payee="TRANSFER TO SAVINGS"), row(savings, "250.00", 2, payee="FROM CHECKING")
    auth.login("pat@example.com")
    page = client.get("/transactions/found-transfers").get_data(as_text=True)
    assert "same amount, 2 days apart, Checking → Savings" in page
    assert "TRANSFER TO SAVINGS" in page and "FROM CHECKING" in page and "$250.00" in page
    assert "Link all 1" in page and "Not a transfer" in page


def test_the_page_says_when_there_is_nothing_to_link(client, auth, ws, checking):
    auth.login("pat@example.com")
    page = client.get("/transactions/found-transfers").get_data(as_text=True)
    assert "No transfers to link" in page and "Link all" not in page


def test_the_page_is_paginated(client, auth, ws, checking, savings):
    for n in range(found_transfers_per_page() + 3):
        row(checking, f"-{10 + n}.00", n % 20), row(savings, f"{10 + n}.00", n % 20)
    auth.login("pat@example.com")
    first = client.get("/transactions/found-transfers").get_data(as_text=True)
    last = client.get("/transactions/found-transfers?page=2").get_data(as_text=True)
    assert first.count("data-pair=") == found_transfers_per_page() and last.count("data-pair=") == 3
    assert "Page 1 of 2" in first


def found_transfers_per_page() -> int:
    from financeapp.transactions.views import FOUND_PER_PAGE

    return FOUND_PER_PAGE


def test_link_one_refuse_one_and_link_all_from_the_page(client, auth, ws, checking, savings):
    pairs = [(row(checking, f"-{n}.00").id, row(savings, f"{n}.00", 1).id) for n in (11, 22, 33)]
    auth.login("pat@example.com")
    page = client.get("/transactions/found-transfers").get_data(as_text=True)
    token = csrf_token_from(page)
    (out1, in1), (out2, in2), _third = pairs
    response = client.post(f"/transactions/found-transfers/{out1}/{in1}/link", data={"csrf_token": token})
    assert response.status_code == 302
    response = client.post(f"/transactions/found-transfers/{out2}/{in2}/refuse", data={"csrf_token": token})
    assert response.status_code == 302
    page = client.get("/transactions/found-transfers").get_data(as_text=True)
    assert "is not a transfer; this pair will not be proposed again" in page
    assert page.count("data-pair=") == 1
    client.post("/transactions/found-transfers", data={"csrf_token": token})
    page = client.get("/transactions/found-transfers").get_data(as_text=True)
    assert "Linked 1 transfer." in page and "No transfers to link" in page
    keys = dict(db.session.execute(sa.select(Transaction.id, Transaction.transfer_key)).tuples().all())
    assert keys[out1] == keys[in1] == out1 and keys[out2] is None and keys[in2] is None


def test_the_actions_need_the_csrf_token(app, client, auth, ws, checking, savings, monkeypatch):
    out, into = row(checking, "-90.00"), row(savings, "90.00")
    auth.login("pat@example.com")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    for url in (f"/transactions/found-transfers/{out.id}/{into.id}/link",
                f"/transactions/found-transfers/{out.id}/{into.id}/refuse", "/transactions/found-transfers"):
        assert client.post(url).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TransferRefusal)) == 0
    assert proposed(ws) == {(out.id, into.id)}


def test_a_viewer_sees_the_pairs_but_cannot_act(client, auth, ws, checking, savings):
    out, into = row(checking, "-90.00"), row(savings, "90.00")
    add_member(ws, make_user("vic@example.com", name="Vic"), "viewer")
    auth.login("vic@example.com")
    client.post(f"/workspaces/{ws.id}/switch")
    page = client.get("/transactions/found-transfers").get_data(as_text=True)
    assert "same amount, same day, Checking → Savings" in page and "Link all" not in page
    assert "Not a transfer" not in page
    for url in (f"/transactions/found-transfers/{out.id}/{into.id}/link",
                f"/transactions/found-transfers/{out.id}/{into.id}/refuse", "/transactions/found-transfers"):
        assert client.post(url).status_code == 403
    assert proposed(ws) == {(out.id, into.id)}


def test_a_pair_gone_meanwhile_is_a_message_not_an_error(client, auth, ws, checking, savings):
    out, into = row(checking, "-90.00"), row(savings, "90.00")
    found_transfers.link_all(ws)
    db.session.commit()
    auth.login("pat@example.com")
    response = client.post(f"/transactions/found-transfers/{out.id}/{into.id}/link", follow_redirects=True)
    assert response.status_code == 200
    assert "no longer proposed" in response.get_data(as_text=True)


def test_an_unknown_import_is_not_found(client, auth, ws):
    auth.login("pat@example.com")
    assert client.get("/transactions/found-transfers?batch=999999").status_code == 404
    assert client.get("/transactions/found-transfers?batch=junk").status_code == 404


def test_many_pairs_are_linked_in_chunks_each_side_with_its_own_partner(ws, checking, savings, monkeypatch):
    monkeypatch.setattr(found_transfers, "LINK_CHUNK", 2)
    pairs = {(row(checking, f"-{n}.00", n).id, row(savings, f"{n}.00", n + 1).id) for n in range(1, 6)}
    assert len(found_transfers.link_all(ws)) == 5
    db.session.commit()
    keys = dict(db.session.execute(sa.select(Transaction.id, Transaction.transfer_key)).tuples().all())
    assert all(keys[out] == keys[into] == out for out, into in pairs)
