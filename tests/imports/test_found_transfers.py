"""Two imported statements of one's own accounts hold both sides of each transfer: they are found.

Acceptance (issue 10, point 2): two OFX statements with 20 transfers between them and 200 rows that
look alike give exactly the 20 pairs; refusing one keeps it unlinked and it is not proposed again.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.accounts.queries import balance_on
from financeapp.extensions import db
from financeapp.imports import committing, storage
from financeapp.imports.models import ImportBatch
from financeapp.reports.queries import ReportFilter, monthly_flows, rate_book
from financeapp.transactions import found_transfers
from financeapp.transactions.models import Transaction
from financeapp.transactions.services import TransferInput, record_transfer
from tests.factories import make_account, make_transaction, make_user, personal_workspace
from tests.imports.conftest import ofx_file, ofx_statement

START = date(2026, 1, 5)
CHECKING, SAVINGS = "11110001", "22220002"


@pytest.fixture
def ws(ctx, bank_parsers):
    return personal_workspace(make_user("tia@example.com", name="Tia"))


@pytest.fixture
def accounts(ws):
    return (make_account(ws, "Checking", number=CHECKING, opening_balance="5000"),
            make_account(ws, "Savings", type="savings", number=SAVINGS, opening_balance="5000"))


class Statements:
    """The rows of two bank statements (checking, savings), built with the truth about each transfer."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple[str, str, str, str]]] = {CHECKING: [], SAVINGS: []}
        self.transfers: list[tuple[str, str]] = []  # (FITID of the money-out, FITID of the money-in)
        self.amounts = (Decimal(f"{n * 7 + 100}.{n % 100:02d}") for n in range(1, 10_000))  # each amount once

    def add(self, account: str, on: date, amount: Decimal, name: str) -> str:
        fitid = f"{account[-1]}-{len(self.rows[account]) + 1}"
        self.rows[account].append((fitid, on.strftime("%Y%m%d"), f"{amount:.2f}", name))
        return fitid

    def files(self) -> tuple[bytes, bytes]:
        return (ofx_file(ofx_statement(self.rows[CHECKING], acctid=CHECKING)),
                ofx_file(ofx_statement(self.rows[SAVINGS], acctid=SAVINGS)))


def two_statements(rng: random.Random) -> tuple[Statements, list[Decimal]]:
    """20 transfers both ways, 0-2 days apart, and 170 look-alike rows in the statements.

    Also returns the amounts of 10 look-alikes that need rows no statement holds (the test adds
    them: a transfer linked already, with a lone row of its amount beside it)."""
    s = Statements()
    day = lambda n: START + timedelta(days=n)  # noqa: E731 (a short local helper)
    for n in range(20):
        amount, on, gap = next(s.amounts), day(n * 9), rng.randint(0, 2)
        source, target = (CHECKING, SAVINGS) if n % 3 else (SAVINGS, CHECKING)
        out = s.add(source, on, -amount, "ONLINE TRANSFER")
        s.transfers.append((out, s.add(target, on + timedelta(days=gap), amount, "ONLINE TRANSFER")))
        # Other payee, same amount, same account as the money-out, farther from the money-in: loses.
        s.add(source, on + timedelta(days=gap + 2), -amount, "HARDWARE STORE")
    for n in range(25):  # the same amount out of both accounts (two purchases, not a transfer)
        amount, on = next(s.amounts), day(n * 7 + 1)
        s.add(CHECKING, on, -amount, "GROCER")
        s.add(SAVINGS, on + timedelta(days=rng.randint(0, 3)), -amount, "FEE")
    for n in range(25):  # out and back in one account (a refund)
        amount, on, account = next(s.amounts), day(n * 7 + 2), rng.choice((CHECKING, SAVINGS))
        s.add(account, on, -amount, "SHOP")
        s.add(account, on + timedelta(days=rng.randint(0, 3)), amount, "SHOP REFUND")
    for n in range(25):  # out of one, into the other, but 5 to 40 days later
        amount, on = next(s.amounts), day(n * 7 + 3)
        source, target = rng.choice(((CHECKING, SAVINGS), (SAVINGS, CHECKING)))
        s.add(source, on, -amount, "PAYMENT")
        s.add(target, on + timedelta(days=rng.randint(5, 40)), amount, "DEPOSIT")
    return s, [next(s.amounts) for _ in range(10)]


def import_file(ws, name: str, data: bytes) -> ImportBatch:
    result = committing.run_file(ws, None, name, data)
    db.session.commit()
    return result.batch


def income_and_spending(ws, start: date, end: date) -> tuple[Decimal, Decimal]:
    """The monthly report's income and spending over a range."""
    flows = monthly_flows(ws, ReportFilter(start, end), rate_book(ws)).values()
    return sum(f.income for f in flows), sum(f.spending for f in flows)


YEAR = (date(2026, 1, 1), date(2026, 12, 31))  # whole months: read from the monthly totals
EDGES = (date(2026, 1, 3), date(2026, 6, 17))  # with days at both ends: those read from the ledger


def test_two_statements_give_the_20_transfers_and_no_false_pair_among_200_look_alikes(ws, accounts):
    checking, savings = accounts
    statements, linked_amounts = two_statements(random.Random(20261203))
    for n, amount in enumerate(linked_amounts):  # already linked: a transfer, and a lone row of its amount
        on = START + timedelta(days=n * 11 + 4)
        record_transfer(ws, TransferInput(checking.id, savings.id, on, amount))
        lone = (checking, -amount) if n % 2 else (savings, amount)  # would pair with a side of the transfer
        make_transaction(lone[0], str(lone[1]), on=on + timedelta(days=1))
    db.session.commit()
    looks_alike = sum(len(rows) for rows in statements.rows.values()) - 40 + 10 + 20
    assert looks_alike == 200

    first = import_file(ws, "checking.ofx", statements.files()[0])
    assert storage.options_of(first)["transfers_found"] == 0  # the other sides are not there yet
    second = import_file(ws, "savings.ofx", statements.files()[1])
    assert storage.options_of(second)["transfers_found"] == 20

    fitid = dict(db.session.execute(sa.select(Transaction.external_id, Transaction.id)
                                    .where(Transaction.import_id.is_not(None))).tuples().all())
    truth = {(fitid[out], fitid[into]) for out, into in statements.transfers}
    pairs = found_transfers.find_transfers(ws)
    assert {(p.out_id, p.in_id) for p in pairs} == truth  # all 20, and nothing else
    assert found_transfers.find_transfers(ws, batch_id=second.id) == pairs
    assert all(p.reason.startswith("same amount, ") for p in pairs)

    balances = (balance_on(checking), balance_on(savings))
    before = {span: income_and_spending(ws, *span) for span in (YEAR, EDGES)}
    refused = pairs[0]
    found_transfers.refuse_pair(ws, refused.out_id, refused.in_id, user_id=None)
    db.session.commit()
    # A refusal is of the pair: the money-in may now pair with the look-alike of the same amount
    # (the hardware store, 2 days farther); the user says that is no transfer either.
    [(other_out, other_in)] = {(p.out_id, p.in_id) for p in found_transfers.find_transfers(ws)} - truth
    hardware = db.session.get(Transaction, other_out)
    assert other_in == refused.in_id and hardware.payee.name == "HARDWARE STORE"
    found_transfers.refuse_pair(ws, other_out, other_in, user_id=None)
    linked = found_transfers.link_all(ws)
    db.session.commit()
    assert len(linked) == 19 and refused not in linked
    assert found_transfers.find_transfers(ws) == []  # a refused pair is never proposed again
    kept = db.session.scalars(sa.select(Transaction.transfer_key)
                              .where(Transaction.id.in_((refused.out_id, refused.in_id)))).all()
    assert kept == [None, None]
    assert (balance_on(checking), balance_on(savings)) == balances

    # The reports no longer count the linked pairs: income loses each money-in, spending each money-out.
    for span in (YEAR, EDGES):
        within = lambda on, span=span: span[0] <= on <= span[1]  # noqa: E731
        income, spending = before[span]
        assert income_and_spending(ws, *span) == (income - sum(p.amount for p in linked if within(p.in_on)),
                                                  spending - sum(p.amount for p in linked if within(p.out_on)))
    assert before[EDGES] != income_and_spending(ws, *EDGES)


def test_the_result_page_links_the_pairs_of_its_import(client, auth, ws, accounts):
    statements, _ = two_statements(random.Random(7))
    import_file(ws, "checking.ofx", statements.files()[0])
    batch = import_file(ws, "savings.ofx", statements.files()[1])
    auth.login("tia@example.com")
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert "20 possible transfers found — review" in page
    assert f'href="/transactions/found-transfers?batch={batch.id}"' in page
    listed = client.get(f"/transactions/found-transfers?batch={batch.id}").get_data(as_text=True)
    assert listed.count("data-pair=") == 20 and "savings.ofx" in listed


def test_undoing_one_import_leaves_the_other_side_a_plain_transaction(ws, accounts):
    statements, _ = two_statements(random.Random(3))
    checking_batch = import_file(ws, "checking.ofx", statements.files()[0])
    savings_batch = import_file(ws, "savings.ofx", statements.files()[1])
    assert len(found_transfers.link_all(ws)) == 20
    db.session.commit()
    committing.undo_import(ws, savings_batch)
    db.session.commit()
    left = db.session.scalars(sa.select(Transaction.transfer_key)
                              .where(Transaction.import_id == checking_batch.id)).all()
    assert len(left) == len(statements.rows[CHECKING]) and set(left) == {None}


def test_the_cli_prints_each_pair_with_its_reason_and_links_them_with_apply(runner, ws, accounts):
    checking, savings = accounts
    out = make_transaction(checking, "-250.00", on=date(2026, 3, 10))
    into = make_transaction(savings, "250.00", on=date(2026, 3, 12))
    dry = runner.invoke(args=["imports", "find-transfers", "--workspace", "tia@example.com"])
    assert dry.exit_code == 0, dry.output
    assert (f"#{out.id} 2026-03-10 -> #{into.id} 2026-03-12  250.00 USD: same amount, 2 days apart, "
            "Checking → Savings") in dry.output
    assert "1 possible transfer found. Run again with --apply to link them." in dry.output
    db.session.expire_all()
    assert db.session.get(Transaction, out.id).transfer_key is None
    applied = runner.invoke(args=["imports", "find-transfers", "--workspace", str(ws.id), "--apply"])
    assert applied.exit_code == 0 and "Linked 1 transfer." in applied.output
    db.session.expire_all()
    assert db.session.get(Transaction, into.id).transfer_key == out.id
    again = runner.invoke(args=["imports", "find-transfers", "--workspace", str(ws.id)])
    assert "0 possible transfers found." in again.output


def test_the_cli_narrows_to_one_import_and_refuses_an_unknown_one(runner, ws, accounts):
    statements, _ = two_statements(random.Random(5))
    first = import_file(ws, "checking.ofx", statements.files()[0])
    second = import_file(ws, "savings.ofx", statements.files()[1])
    found = runner.invoke(args=["imports", "find-transfers", "--workspace", str(ws.id), "--import", str(second.id)])
    assert found.exit_code == 0 and "20 possible transfers found." in found.output
    assert first.id != second.id
    unknown = runner.invoke(args=["imports", "find-transfers", "--workspace", str(ws.id), "--import", "999999"])
    assert unknown.exit_code == 1 and "No import #999999" in unknown.output
