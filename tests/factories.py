"""Test data builders with explicit owners. Call inside an app context; they commit."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from financeapp.accounts.models import Account
from financeapp.auth.models import User
from financeapp.auth.services import Registration, register_user
from financeapp.categories.models import Category
from financeapp.extensions import db
from financeapp.payees.models import Payee
from financeapp.transactions.models import Transaction, TransactionLine
from financeapp.workspaces.models import Membership, Workspace

DEFAULT_PASSWORD = "correct-horse-42"
_counter = itertools.count(1)


def make_user(email: str | None = None, *, name: str = "Tess", password: str = DEFAULT_PASSWORD,
              currency: str = "USD") -> User:
    email = email or f"user{next(_counter)}@example.com"
    user = register_user(Registration(email=email, display_name=name, password=password,
                                      currency=currency))
    db.session.commit()
    return user


def personal_workspace(user: User) -> Workspace:
    return next(m.workspace for m in user.memberships if m.workspace.is_personal)


def add_member(workspace: Workspace, user: User, role: str) -> Membership:
    membership = Membership(workspace=workspace, user=user, role=role)
    db.session.add(membership)
    db.session.commit()
    return membership


def make_account(workspace: Workspace, name: str = "Checking", *, type: str = "checking",
                 currency: str | None = None, opening_balance: str = "0",
                 opening_date: date = date(2026, 1, 1), **extra) -> Account:
    account = Account(workspace_id=workspace.id, name=name, type=type,
                      currency=currency or workspace.base_currency,
                      opening_balance=Decimal(opening_balance), opening_date=opening_date, **extra)
    db.session.add(account)
    db.session.commit()
    return account


def make_category(workspace: Workspace, name: str = "Groceries", *, group: str = "Everyday",
                  kind: str = "expense") -> Category:
    parent = db.session.scalar(sa.select(Category).where(
        Category.workspace_id == workspace.id, Category.parent_id.is_(None), Category.name == group))
    if parent is None:
        parent = Category(workspace_id=workspace.id, name=group, kind=kind)
        db.session.add(parent)
        db.session.flush()
    category = db.session.scalar(sa.select(Category).where(
        Category.workspace_id == workspace.id, Category.parent_id == parent.id, Category.name == name))
    if category is not None:
        return category
    category = Category(workspace_id=workspace.id, name=name, kind=kind, parent_id=parent.id)
    db.session.add(category)
    db.session.commit()
    return category


def make_transaction(account: Account, amount: str, *, on: date = date(2026, 3, 1),
                     category: Category | None = None, payee: str | None = None, memo: str = "",
                     status: str = "uncleared") -> Transaction:
    """A plain (unsplit, non-transfer) transaction written straight to the database."""
    payee_row = None
    if payee:
        payee_row = db.session.scalar(sa.select(Payee).where(
            Payee.workspace_id == account.workspace_id, Payee.name == payee))
        if payee_row is None:
            payee_row = Payee(workspace_id=account.workspace_id, name=payee)
            db.session.add(payee_row)
    txn = Transaction(workspace_id=account.workspace_id, account=account, on=on, amount=Decimal(amount),
                      payee=payee_row, memo=memo, status=status)
    txn.lines.append(TransactionLine(workspace_id=account.workspace_id, category=category,
                                     amount=Decimal(amount)))
    db.session.add(txn)
    db.session.commit()
    return txn
