"""The seeded history generator: exact, deterministic, and shaped like a household's ledger."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from financeapp.core.errors import NotFound
from financeapp.demo.generator import generate_history
from financeapp.extensions import db
from tests.factories import make_user, personal_workspace

END = date(2026, 6, 30)


def _workspace_id(email: str | None = None) -> int:
    return personal_workspace(make_user(email)).id


def _generate(n: int, **options) -> tuple[int, dict]:
    ws = _workspace_id()
    stats = generate_history(ws, n, end=END, **options)
    db.session.commit()
    return ws, stats


def _scalar(sql: str, **params):
    return db.session.execute(sa.text(sql), params).scalar()


def _history(ws: int) -> list[tuple]:
    """Everything about a workspace's history except its ids."""
    rows = db.session.execute(sa.text("""
        SELECT t.date, a.name, t.amount, p.name, t.memo, t.status, t.transfer_key IS NULL,
               (SELECT COUNT(*) FROM transaction_lines l WHERE l.transaction_id = t.id),
               (SELECT COUNT(*) FROM transaction_labels tl WHERE tl.transaction_id = t.id)
        FROM transactions t JOIN accounts a ON a.id = t.account_id LEFT JOIN payees p ON p.id = t.payee_id
        WHERE t.workspace_id = :ws ORDER BY t.id"""), {"ws": ws})
    return [tuple(str(v) for v in row) for row in rows]


def test_same_seed_gives_the_same_history_and_another_seed_does_not(ctx):
    first, _ = _generate(400, seed=7)
    second, _ = _generate(400, seed=7)
    third, _ = _generate(400, seed=8)
    assert _history(first) == _history(second)
    assert _history(first) != _history(third)


def test_counts_match_what_was_asked_and_what_is_stored(ctx):
    ws, stats = _generate(2_000)
    assert stats["transactions"] == 2_000
    assert _scalar("SELECT COUNT(*) FROM transactions WHERE workspace_id = :ws", ws=ws) == 2_000
    assert _scalar("SELECT COUNT(*) FROM transaction_lines WHERE workspace_id = :ws", ws=ws) == stats["lines"]
    assert _scalar("SELECT COUNT(*) FROM transactions WHERE workspace_id = :ws AND transfer_key IS NOT NULL",
                   ws=ws) == 2 * stats["transfers"]
    assert _scalar("SELECT COUNT(*) FROM accounts WHERE workspace_id = :ws", ws=ws) == stats["accounts"] == 8
    assert _scalar("SELECT COUNT(*) FROM payees WHERE workspace_id = :ws", ws=ws) == stats["payees"] == 500
    assert _scalar("SELECT COUNT(*) FROM categories WHERE workspace_id = :ws AND parent_id IS NOT NULL "
                   "AND id IN (SELECT category_id FROM transaction_lines)", ws=ws) >= 35
    assert stats["categories"] == 40 and stats["category_groups"] == 8
    assert stats["lines"] > stats["transactions"]
    assert 0.02 <= stats["splits"] / 2_000 <= 0.045
    assert 0.035 <= stats["labelled"] / 2_000 <= 0.07
    assert stats["seconds"] >= 0


@pytest.mark.parametrize("n", [1, 2, 5, 37])
def test_tiny_histories_have_exactly_the_rows_asked_for(ctx, n):
    ws, stats = _generate(n)
    assert stats["transactions"] == n
    assert _scalar("SELECT COUNT(*) FROM transactions WHERE workspace_id = :ws", ws=ws) == n


def test_every_transaction_has_lines_that_sum_exactly_to_its_amount(ctx):
    ws, _ = _generate(2_000)
    mismatched = db.session.execute(sa.text("""
        SELECT t.id FROM transactions t LEFT JOIN transaction_lines l ON l.transaction_id = t.id
        WHERE t.workspace_id = :ws
        GROUP BY t.id, t.amount
        HAVING COUNT(l.id) = 0 OR SUM(l.amount) <> t.amount"""), {"ws": ws}).all()
    assert mismatched == []
    split_sizes = db.session.execute(sa.text("""
        SELECT COUNT(*) FROM transaction_lines WHERE workspace_id = :ws
        GROUP BY transaction_id HAVING COUNT(*) > 1"""), {"ws": ws}).scalars().all()
    assert split_sizes and set(split_sizes) <= {2, 3}


def test_transfers_come_in_pairs_with_one_key_and_opposite_amounts(ctx):
    ws, stats = _generate(2_000)
    pairs = db.session.execute(sa.text("""
        SELECT t.transfer_key, COUNT(*), MIN(t.id), SUM(t.amount), COUNT(DISTINCT a.currency),
               COUNT(DISTINCT t.account_id), COUNT(DISTINCT t.date), MIN(t.amount)
        FROM transactions t JOIN accounts a ON a.id = t.account_id
        WHERE t.workspace_id = :ws AND t.transfer_key IS NOT NULL
        GROUP BY t.transfer_key"""), {"ws": ws}).all()
    assert len(pairs) == stats["transfers"] > 0
    cross_currency = 0
    for key, count, first_id, total, currencies, accounts, dates, smallest in pairs:
        assert (count, accounts, dates) == (2, 2, 1)
        assert key == first_id
        assert smallest < 0
        if currencies == 1:
            assert total == 0
        else:
            cross_currency += 1
    assert cross_currency >= 1
    transfer_lines = db.session.execute(sa.text("""
        SELECT COUNT(*), COUNT(l.category_id) FROM transaction_lines l
        JOIN transactions t ON t.id = l.transaction_id
        WHERE t.workspace_id = :ws AND t.transfer_key IS NOT NULL"""), {"ws": ws}).one()
    assert tuple(transfer_lines) == (2 * stats["transfers"], 0)


def test_statuses_are_reconciled_in_the_past_and_mostly_uncleared_lately(ctx):
    ws, _ = _generate(1_300)
    counts = dict(db.session.execute(sa.text("""
        SELECT status, COUNT(*) FROM transactions WHERE workspace_id = :ws AND date < :old GROUP BY status"""),
        {"ws": ws, "old": date(2026, 3, 1)}).all())
    assert counts["reconciled"] > 0.8 * sum(counts.values())
    recent = dict(db.session.execute(sa.text("""
        SELECT status, COUNT(*) FROM transactions WHERE workspace_id = :ws AND date > :new GROUP BY status"""),
        {"ws": ws, "new": date(2026, 6, 20)}).all())
    assert "reconciled" not in recent
    assert recent["uncleared"] > recent.get("cleared", 0)
    assert str(_scalar("SELECT MAX(date) FROM transactions WHERE workspace_id = :ws", ws=ws)) <= str(END)


def test_a_foreign_currency_account_holds_its_own_currency(ctx):
    ws, _ = _generate(1_300)
    currencies = db.session.execute(sa.text(
        "SELECT currency, COUNT(*) FROM accounts WHERE workspace_id = :ws GROUP BY currency"), {"ws": ws}).all()
    assert dict(currencies) == {"USD": 7, "EUR": 1}
    assert _scalar("SELECT COUNT(*) FROM exchange_rates WHERE workspace_id = :ws AND base = 'EUR' "
                   "AND quote = 'USD'", ws=ws) >= 12


def test_a_second_run_reuses_accounts_categories_and_payees(ctx):
    ws, first = _generate(300)
    second = generate_history(ws, 300, seed=2, end=END)
    db.session.commit()
    assert second["transactions"] == 300
    assert _scalar("SELECT COUNT(*) FROM transactions WHERE workspace_id = :ws", ws=ws) == 600
    assert _scalar("SELECT COUNT(*) FROM accounts WHERE workspace_id = :ws", ws=ws) == 8
    assert _scalar("SELECT COUNT(*) FROM payees WHERE workspace_id = :ws", ws=ws) == 500
    assert second["exchange_rates"] == 0 < first["exchange_rates"]


def test_an_explicit_connection_works_outside_the_session(app):
    with app.app_context():
        ws = _workspace_id()
        with db.engine.begin() as conn:
            stats = generate_history(ws, 2_000, seed=3, end=END, connection=conn)
        db.session.rollback()  # MariaDB's REPEATABLE READ: see what the other connection committed
        assert _scalar("SELECT COUNT(*) FROM transactions WHERE workspace_id = :ws", ws=ws) == 2_000
        assert stats["transactions"] == 2_000
        db.session.remove()


def test_an_unknown_workspace_is_not_found(ctx):
    with pytest.raises(NotFound, match="No workspace with id 999999"):
        generate_history(999_999, 10)
