"""Transaction rules without HTTP: splits, transfers, locking, bulk edits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.accounts.queries import balance_on
from financeapp.core.errors import Conflict, Invalid
from financeapp.extensions import db
from financeapp.transactions import services
from financeapp.transactions.models import Transaction, TransactionLine
from financeapp.transactions.services import EntryInput, LineInput, TransferInput
from tests.factories import make_account, make_category, make_user, personal_workspace


@pytest.fixture
def ws(ctx):
    return personal_workspace(make_user("ledger@example.com"))


def entry(account, amount="12.50", direction="out", **kw) -> EntryInput:
    return EntryInput(account_id=account.id, on=date(2026, 3, 5), amount=Decimal(amount),
                      direction=direction, **kw)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_expense_is_stored_negative_with_one_line(ws):
    account = make_account(ws)
    groceries = make_category(ws, "Groceries")
    txn = services.record_entry(ws, entry(account, "42.10", category_id=groceries.id, payee="Market"))
    db.session.commit()
    assert txn.amount == Decimal("-42.10")
    assert [(line.category_id, line.amount) for line in txn.lines] == [(groceries.id, Decimal("-42.10"))]
    assert txn.payee.name == "Market"
    assert balance_on(account) == Decimal("-42.10")


def test_payee_default_category_applies_when_none_chosen(ws):
    account = make_account(ws)
    coffee = make_category(ws, "Coffee")
    first = services.record_entry(ws, entry(account, payee="Bean Bar"))
    first.payee.default_category_id = coffee.id
    second = services.record_entry(ws, entry(account, payee="Bean Bar"))
    assert second.lines[0].category_id == coffee.id


def test_split_lines_must_add_up(ws):
    account = make_account(ws)
    food, home = make_category(ws, "Food"), make_category(ws, "Home")
    with pytest.raises(Invalid) as err:
        services.record_entry(ws, entry(account, "50.00", lines=(
            LineInput(food.id, Decimal("30.00")), LineInput(home.id, Decimal("15.00")))))
    assert "add up to $45.00 but the transaction is $50.00 ($5.00 left to assign)" in err.value.message
    db.session.rollback()
    assert count(Transaction) == 0


def test_split_is_stored_with_signed_lines(ws):
    account = make_account(ws)
    food, home = make_category(ws, "Food"), make_category(ws, "Home")
    txn = services.record_entry(ws, entry(account, "50.00", lines=(
        LineInput(food.id, Decimal("30.00"), "bread"), LineInput(home.id, Decimal("20.00")))))
    db.session.commit()
    assert txn.is_split
    assert [line.amount for line in txn.lines] == [Decimal("-30.00"), Decimal("-20.00")]
    assert sum(line.amount for line in txn.lines) == txn.amount


def test_amount_precision_follows_the_account_currency(ws):
    yen = make_account(ws, "Yen wallet", currency="JPY")
    with pytest.raises(Invalid, match="at most 0 decimal places"):
        services.record_entry(ws, entry(yen, "10.50"))
    with pytest.raises(Invalid, match="positive amount"):
        services.record_entry(ws, entry(yen, "-5"))


def test_transfer_is_created_and_deleted_as_one(ws):
    checking = make_account(ws, "Checking", opening_balance="1000")
    savings = make_account(ws, "Savings")
    source, target = services.record_transfer(ws, TransferInput(
        from_account_id=checking.id, to_account_id=savings.id, on=date(2026, 3, 1), amount=Decimal("250")))
    db.session.commit()
    assert source.transfer_key == target.transfer_key == source.id
    assert (source.amount, target.amount) == (Decimal("-250"), Decimal("250"))
    assert balance_on(checking) == Decimal("750") and balance_on(savings) == Decimal("250")
    assert target.kind == "transfer"

    assert services.delete_transaction(ws, target) == 2
    db.session.commit()
    assert count(Transaction) == 0 and count(TransactionLine) == 0


def test_transfer_edit_changes_both_sides(ws):
    checking, savings = make_account(ws, "Checking"), make_account(ws, "Savings")
    source, _ = services.record_transfer(ws, TransferInput(checking.id, savings.id, date(2026, 3, 1),
                                                           Decimal("10")))
    db.session.commit()
    services.update_transfer(ws, source, TransferInput(checking.id, savings.id, date(2026, 3, 2),
                                                       Decimal("15"), version=source.version))
    db.session.commit()
    assert balance_on(checking) == Decimal("-15") and balance_on(savings) == Decimal("15")


def test_failure_writing_the_second_side_writes_nothing(ws, monkeypatch):
    checking, savings = make_account(ws, "Checking"), make_account(ws, "Savings")
    real_flush = db.session.flush
    calls = {"n": 0}

    def failing_flush(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # the flush that links the second side
            raise RuntimeError("disk full")
        return real_flush(*args, **kwargs)

    monkeypatch.setattr(db.session, "flush", failing_flush)
    with pytest.raises(RuntimeError):
        services.record_transfer(ws, TransferInput(checking.id, savings.id, date(2026, 3, 1), Decimal("5")))
    monkeypatch.undo()
    db.session.rollback()
    assert count(Transaction) == 0


def test_cross_currency_transfer_needs_both_amounts(ws):
    usd, eur = make_account(ws, "USD checking"), make_account(ws, "Euro account", currency="EUR")
    with pytest.raises(Invalid, match="Enter the amount that arrived in EUR"):
        services.record_transfer(ws, TransferInput(usd.id, eur.id, date(2026, 3, 1), Decimal("100")))
    source, target = services.record_transfer(ws, TransferInput(
        usd.id, eur.id, date(2026, 3, 1), Decimal("100"), to_amount=Decimal("91.37")))
    assert (source.amount, target.amount) == (Decimal("-100"), Decimal("91.37"))


def test_transfer_to_the_same_account_is_refused(ws):
    checking = make_account(ws)
    with pytest.raises(Invalid, match="two different accounts"):
        services.record_transfer(ws, TransferInput(checking.id, checking.id, date(2026, 3, 1), Decimal("5")))


def test_reconciled_transaction_is_locked_until_unlocked(ws):
    account = make_account(ws)
    txn = services.record_entry(ws, entry(account, status="reconciled"))
    db.session.commit()
    with pytest.raises(Conflict, match="reconciled and locked"):
        services.update_entry(ws, txn, entry(account, "99", version=txn.version))
    with pytest.raises(Conflict):
        services.delete_transaction(ws, txn)
    services.update_entry(ws, txn, entry(account, "99", version=txn.version, unlock=True))
    assert txn.amount == Decimal("-99")


def test_stale_edit_is_refused(ws):
    account = make_account(ws)
    txn = services.record_entry(ws, entry(account))
    db.session.commit()
    opened = txn.version
    services.update_entry(ws, txn, entry(account, "20", version=opened))
    db.session.commit()
    with pytest.raises(Conflict, match="changed this transaction after you opened it"):
        services.update_entry(ws, txn, entry(account, "30", version=opened))


def test_bulk_set_category_skips_splits_and_transfers(ws):
    account, other = make_account(ws), make_account(ws, "Other")
    food, home = make_category(ws, "Food"), make_category(ws, "Home")
    plain = services.record_entry(ws, entry(account))
    split = services.record_entry(ws, entry(account, "10", lines=(
        LineInput(food.id, Decimal("5")), LineInput(home.id, Decimal("5")))))
    transfer, _ = services.record_transfer(ws, TransferInput(account.id, other.id, date(2026, 3, 1),
                                                             Decimal("1")))
    result = services.bulk_set_category(ws, [plain.id, split.id, transfer.id], home.id)
    assert result.changed == 1 and len(result.skipped) == 2
    assert plain.lines[0].category_id == home.id


def test_bulk_delete_removes_both_sides_and_ignores_other_workspaces(ws):
    account, other = make_account(ws), make_account(ws, "Other")
    stranger = personal_workspace(make_user("stranger@example.com"))
    foreign = services.record_entry(stranger, entry(make_account(stranger, "Theirs")))
    transfer, _ = services.record_transfer(ws, TransferInput(account.id, other.id, date(2026, 3, 1),
                                                             Decimal("1")))
    db.session.commit()
    result = services.bulk_delete(ws, [transfer.id, foreign.id])
    db.session.commit()
    assert result.changed == 2
    assert db.session.get(Transaction, foreign.id) is not None


def test_bulk_add_labels_keeps_existing_ones(ws):
    account = make_account(ws)
    txn = services.record_entry(ws, entry(account, labels=("trip",)))
    services.bulk_add_labels(ws, [txn.id], ["Trip", "work"])
    assert sorted(label.name for label in txn.labels) == ["trip", "work"]


def test_deleting_a_transaction_removes_its_receipt_files(ws):
    import io

    from financeapp.receipts.services import attachment_path, store_attachment
    account = make_account(ws)
    txn = services.record_entry(ws, entry(account))
    attachment = store_attachment(ws, None, txn, "r.pdf", io.BytesIO(b"%PDF-1.4\n%%EOF\n"))
    db.session.commit()
    path = attachment_path(attachment)
    assert path.is_file()
    services.delete_transaction(ws, txn)
    db.session.commit()
    assert not path.exists()
