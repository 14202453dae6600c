"""Category rules: defaults, merge and delete with reassignment; payees and labels."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.categories import services
from financeapp.categories.models import Category
from financeapp.core.errors import Conflict, Invalid
from financeapp.extensions import db
from financeapp.payees.services import find_or_create_payee, merge_payees
from financeapp.transactions.models import Transaction, TransactionLine
from tests.factories import make_account, make_category, make_transaction, make_user, personal_workspace


@pytest.fixture
def ws(ctx):
    return personal_workspace(make_user("cat@example.com"))


def test_new_workspace_gets_a_default_set(ws):
    tree = services.category_tree(ws)
    assert tree[0].name == "Income" and tree[0].kind == "income"
    names = {c.name for group in tree for c in group.children}
    assert {"Salary", "Groceries", "Rent or mortgage"} <= names
    assert sum(len(g.children) for g in tree) >= 30


def test_merge_moves_lines_and_payee_defaults(ws):
    account = make_account(ws)
    coffee, cafe = make_category(ws, "Coffee"), make_category(ws, "Cafe")
    make_transaction(account, "-3", category=cafe)
    payee = find_or_create_payee(ws, "Bean Bar")
    payee.default_category_id = cafe.id
    moved = services.merge_categories(ws, cafe, coffee)
    db.session.commit()
    assert moved == 1
    assert db.session.get(Category, cafe.id) is None
    assert db.session.scalar(sa.select(TransactionLine.category_id)) == coffee.id
    assert payee.default_category_id == coffee.id


def test_delete_group_reassigns_its_categories_lines(ws):
    account = make_account(ws)
    hobby = make_category(ws, "Pottery", group="Crafts")
    make_transaction(account, "-30", category=hobby)
    other = make_category(ws, "Entertainment", group="Leisure")
    group = db.session.get(Category, hobby.parent_id)
    services.delete_category(ws, group, other)
    db.session.commit()
    assert db.session.scalar(sa.select(TransactionLine.category_id)) == other.id
    assert db.session.scalar(sa.select(Transaction.amount)) == Decimal("-30")


def test_duplicate_names_are_refused_at_the_same_level(ws):
    with pytest.raises(Conflict):
        services.create_category(ws, services.CategoryInput("Income", "income"))
    group = services.create_category(ws, services.CategoryInput("Side gig", "income"))
    services.create_category(ws, services.CategoryInput("Design", "income", group.id))
    with pytest.raises(Conflict):
        services.create_category(ws, services.CategoryInput("Design", "income", group.id))


def test_only_two_levels(ws):
    leaf = make_category(ws, "Groceries")
    with pytest.raises(Invalid, match="two levels"):
        services.create_category(ws, services.CategoryInput("Organic", "expense", leaf.id))


def test_merge_payees_moves_transactions(ws):
    account = make_account(ws)
    make_transaction(account, "-1", payee="ACME Corp")
    make_transaction(account, "-2", payee="Acme")
    source = find_or_create_payee(ws, "ACME Corp")
    target = find_or_create_payee(ws, "Acme")
    assert merge_payees(ws, source, target) == 1
    db.session.commit()
    assert set(db.session.scalars(sa.select(Transaction.payee_id))) == {target.id}


def test_category_filter_includes_a_groups_children(ws, client, auth):
    account = make_account(ws)
    groceries = make_category(ws, "Groceries")
    make_transaction(account, "-4", category=groceries, on=date(2026, 1, 2))
    auth.login("cat@example.com")
    page = client.get(f"/transactions/?category={groceries.parent_id}").get_data(as_text=True)
    assert ">1</strong> transaction match" in page


def test_payee_names_for_autocomplete_are_scoped(ws, client, auth):
    make_transaction(make_account(ws), "-1", payee="Corner shop")
    stranger = personal_workspace(make_user("other@example.com"))
    make_transaction(make_account(stranger, "Theirs"), "-1", payee="Secret payee")
    auth.login("cat@example.com")
    assert client.get("/payees/names.json").get_json()["data"] == ["Corner shop"]
