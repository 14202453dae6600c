"""Rule pages: list, create with errors at the field, edit, reorder, delete, apply with a preview; roles."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from financeapp.extensions import db
from financeapp.rules.models import Rule
from financeapp.transactions.models import Transaction
from tests.factories import add_member, make_transaction, make_user
from tests.rules.conftest import add_rule


@pytest.fixture
def rita(setup, client, auth):
    auth.login("rita@example.com")
    return setup


def _rules() -> list[str]:
    return list(db.session.scalars(sa.select(Rule.name).order_by(Rule.position)))


def test_the_empty_rule_list_invites_a_first_rule(rita, client):
    page = client.get("/rules/")
    assert page.status_code == 200
    assert "No rules yet" in page.text and "Add your first rule" in page.text


def test_a_rule_is_created_from_the_form(rita, client):
    response = client.post("/rules/new", data={
        "name": "Supermarket", "active": "y", "match_field": "payee", "match_op": "contains", "match_text": "rewe",
        "amount_min": "", "amount_max": "100", "sign": "out", "account_id": "", "set_payee": "REWE",
        "set_category_id": str(rita["groceries"].id), "add_labels": "food",
    })
    assert response.status_code == 302
    rule = db.session.scalar(sa.select(Rule))
    assert (rule.name, rule.match_text, rule.amount_max, rule.sign, rule.add_labels) == (
        "Supermarket", "rewe", 100, "out", "food")
    listing = client.get("/rules/").text
    assert "Supermarket" in listing and "payee contains “rewe”" in listing


def test_an_invalid_regex_is_shown_at_its_field_and_nothing_is_saved(rita, client):
    response = client.post("/rules/new", data={
        "name": "Bad", "match_field": "payee", "match_op": "regex", "match_text": "([a-z]+)*$", "sign": "any",
        "set_category_id": str(rita["groceries"].id),
    })
    assert response.status_code == 422
    assert "A repeat inside a repeated group" in response.text
    assert 'id="match_text"' in response.text and "is-invalid" in response.text
    assert _rules() == []


def test_a_rule_is_edited_and_keeps_its_place(rita, client):
    add_rule(rita["ws"], "first", match_text="a", set_payee="A")
    second = add_rule(rita["ws"], "second", match_text="b", set_payee="B")
    form = client.get(f"/rules/{second.id}/edit")
    assert form.status_code == 200 and 'value="second"' in form.text
    response = client.post(f"/rules/{second.id}/edit", data={
        "name": "second renamed", "active": "y", "match_field": "memo", "match_op": "equals", "match_text": "b",
        "sign": "any", "set_payee": "B", "amount_min": "5"})
    assert response.status_code == 302
    assert _rules() == ["first", "second renamed"]


def test_rules_move_up_and_down_and_are_deleted(rita, client):
    for name in ("a", "b", "c"):
        add_rule(rita["ws"], name, match_text=name, set_payee=name)
    c_id = db.session.scalar(sa.select(Rule.id).where(Rule.name == "c"))
    assert client.post(f"/rules/{c_id}/move", data={"direction": "up"}).status_code == 302
    assert _rules() == ["a", "c", "b"]
    assert client.post(f"/rules/{c_id}/move", data={"direction": "down"}).status_code == 302
    assert _rules() == ["a", "b", "c"]
    page = client.get("/rules/").text
    assert 'data-confirm="Delete the rule “c”?' in page
    assert client.post(f"/rules/{c_id}/delete").status_code == 302
    assert _rules() == ["a", "b"]


def test_new_rule_from_a_transaction_is_prefilled(rita, client):
    txn = make_transaction(rita["account"], "-4.50", payee="Corner Café", category=rita["shopping"])
    page = client.get(f"/rules/new?from_txn={txn.id}")
    assert page.status_code == 200
    assert 'value="Corner Café"' in page.text
    assert f'<option selected value="{rita["shopping"].id}">' in page.text
    assert "filled in from the transaction" in page.text


def test_apply_shows_how_many_would_change_then_changes_them(rita, client):
    add_rule(rita["ws"], "rewe", match_text="rewe", set_category_id=rita["groceries"].id)
    for day in (1, 2, 3):
        make_transaction(rita["account"], "-5", payee="REWE", on=date(2026, 3, day))
    make_transaction(rita["account"], "-5", payee="REWE", on=date(2026, 3, 4), status="reconciled")
    preview = client.get("/rules/apply?preview=1&rule=all&start=2026-03-01&end=2026-03-31")
    assert preview.status_code == 200
    assert "3 transactions would change" in preview.text
    assert "1</strong> reconciled transaction would match but will be skipped" in preview.text
    assert "Change 3 transactions" in preview.text
    response = client.post("/rules/apply", data={"rule": "all", "start": "2026-03-01", "end": "2026-03-31"})
    assert response.status_code == 302
    done = client.get(response.headers["Location"]).text
    assert "Changed 3 transactions. 1 reconciled transaction was skipped." in done
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transaction).where(Transaction.version > 1)) == 3


def test_apply_with_junk_dates_says_so(rita, client):
    response = client.get("/rules/apply?preview=1&rule=all&start=yesterday")
    assert response.status_code == 422
    assert "“yesterday” is not a date" in response.text


@pytest.fixture
def mallory(setup, client, auth):
    """Another user, signed in, and one of Rita's rules and transactions."""
    rule = add_rule(setup["ws"], "rita's", match_text="x", set_payee="y")
    txn = make_transaction(setup["account"], "-1", payee="x")
    make_user("mallory@example.com", name="Mallory")
    auth.login("mallory@example.com")
    return {"rule": rule.id, "txn": txn.id}


@pytest.mark.parametrize(("method", "url"), [
    ("get", "/rules/{rule}/edit"), ("post", "/rules/{rule}/edit"), ("post", "/rules/{rule}/delete"),
    ("post", "/rules/{rule}/move"), ("get", "/rules/apply?preview=1&rule={rule}"), ("get", "/rules/new?from_txn={txn}"),
])
def test_another_workspaces_rule_or_transaction_is_404(mallory, client, method, url):
    response = getattr(client, method)(url.format(**mallory), data={"direction": "up", "name": "pwned"})
    assert response.status_code == 404
    assert _rules() == ["rita's"]


@pytest.mark.parametrize(("method", "url"), [
    ("get", "/rules/new"), ("post", "/rules/new"), ("post", "/rules/{rule}/edit"), ("post", "/rules/{rule}/delete"),
    ("post", "/rules/{rule}/move"), ("post", "/rules/apply"),
])
def test_a_viewer_can_read_rules_but_gets_403_on_every_write(setup, client, auth, method, url):
    rule = add_rule(setup["ws"], "rita's", match_text="x", set_payee="y")
    viewer = make_user("vera@example.com", name="Vera")
    add_member(setup["ws"], viewer, "viewer")
    auth.login("vera@example.com")
    client.post(f"/workspaces/{setup['ws'].id}/switch")
    assert client.get("/rules/").status_code == 200
    assert client.get(f"/rules/{rule.id}/edit").status_code == 200
    response = getattr(client, method)(url.format(rule=rule.id), data={"direction": "up", "name": "x", "rule": "all"})
    assert response.status_code == 403
    assert _rules() == ["rita's"]


def test_a_member_is_not_a_manager(setup, client, auth):
    member = make_user("max@example.com")
    add_member(setup["ws"], member, "member")
    auth.login("max@example.com")
    client.post(f"/workspaces/{setup['ws'].id}/switch")
    assert client.get("/rules/new").status_code == 403

