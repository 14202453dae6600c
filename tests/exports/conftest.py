"""Exports test helpers: a rich generated workspace, and entity hashes with ids replaced by content."""

from __future__ import annotations

import hashlib
import io
import json
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.accounts.models import Account
from financeapp.accounts.services import ReconcileInput, reconcile
from financeapp.demo.generator import generate_history
from financeapp.demo.planning import seed_demo_budgets, seed_demo_debts, seed_demo_goals, seed_demo_recurring
from financeapp.extensions import db
from financeapp.imports.models import CsvMapping, ImportBatch
from financeapp.rates.services import set_rate
from financeapp.receipts.services import store_attachment
from financeapp.rules.services import RuleInput, create_rule
from financeapp.transactions.models import Transaction, TransferRefusal
from financeapp.transactions.services import EntryInput, LineInput, TransferInput, record_entry, record_transfer
from tests.factories import make_account, make_category, make_user, personal_workspace

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def build_rich_workspace(email: str = "eve@example.com"):
    """2,000 generated transactions plus one of everything else a backup must carry."""
    eve = make_user(email, name="Eve")
    ws = personal_workspace(eve)
    generate_history(ws.id, 2000, seed=3, end=date(2026, 6, 30))
    db.session.commit()
    accounts = list(db.session.scalars(sa.select(Account).where(Account.workspace_id == ws.id).order_by(Account.id)))
    checking, other = accounts[0], accounts[1]
    food = make_category(ws, "Restored food", group="Backup group")
    batch = ImportBatch(workspace_id=ws.id, file_name="bank.csv", format="csv", status="committed",
                        stored_name="deadbeef", rows_total=1, rows_imported=1, created_by_id=eve.id)
    db.session.add(batch)
    db.session.add(CsvMapping(workspace_id=ws.id, header_signature="abc123", name="My bank",
                              mapping='{"date": 0, "amount": 2}'))
    db.session.flush()
    split = record_entry(ws, EntryInput(account_id=checking.id, on=date(2026, 6, 1), amount=Decimal("30.01"),
                                        direction="out", payee="Split shop", labels=("backup", "x"),
                                        lines=(LineInput(food.id, Decimal("20"), "food part"),
                                               LineInput(None, Decimal("10.01"), "rest"))))
    split.import_id = batch.id
    split.external_id = "FITID-1"
    record_transfer(ws, TransferInput(from_account_id=checking.id, to_account_id=other.id, on=date(2026, 6, 2),
                                      amount=Decimal("125.50"), memo="to savings", labels=("backup",)))
    # A pair the user said is no transfer (found_transfers): the refusal names both rows.
    sides = [record_entry(ws, EntryInput(account_id=account.id, on=date(2026, 6, 3), amount=Decimal("64.32"),
                                         direction=direction, payee="Not a transfer"))
             for account, direction in ((checking, "out"), (other, "in"))]
    db.session.add(TransferRefusal(workspace_id=ws.id, out_id=sides[0].id, in_id=sides[1].id, refused_by_id=eve.id))
    set_rate(ws, "GBP", ws.base_currency, date(2026, 6, 1), Decimal("1.2712345678"))
    create_rule(ws, RuleInput(name="Shop rule", match_op="regex", match_text=r"^split\s+shop",
                              amount_min=Decimal("1.5"), sign="out", account_id=checking.id,
                              set_payee="Split Shop", set_category_id=food.id, add_labels="backup"))
    create_rule(ws, RuleInput(name="Second", match_text="coffee", set_category_id=food.id, active=False))
    store_attachment(ws, eve, split, "receipt.png", io.BytesIO(PNG))
    db.session.flush()
    reconcile(ws, checking, ReconcileInput(date(2026, 6, 30), Decimal(0), frozenset(), record_adjustment=True),
              eve.id)
    # Planning: budgets, goals (with contributions), debts (with a payment), recurring items.
    from financeapp.debts.services import PaymentInput, record_payment
    today = date(2026, 6, 30)
    assert seed_demo_budgets(ws, today=today) > 0
    assert seed_demo_goals(ws, today=today) > 0
    debts = seed_demo_debts(ws, today=today)
    assert debts
    loan = next((d for d in debts if d.is_loan), None)
    if loan is not None:
        record_payment(ws, loan, PaymentInput(on=date(2026, 6, 15), amount=Decimal("100.00")))
    assert seed_demo_recurring(ws, today=today) > 0
    from financeapp.budgets.services import set_style
    from financeapp.debts.services import save_plan
    from financeapp.recurring.services import post_occurrence, skip_occurrence
    set_style(ws, "zero_based")
    save_plan(ws, "snowball", Decimal("50"))
    from financeapp.recurring.services import upcoming
    due = upcoming(ws, days=40, today=today).occurrences
    assert len({o.item.id for o in due}) >= 2
    first = due[0]
    second = next(o for o in due if o.item.id != first.item.id)
    post_occurrence(ws, first.item, first.on)
    skip_occurrence(ws, second.item, second.on)
    _add_documents(ws, eve, split)
    from financeapp.insights.models import UnusualException
    db.session.add(UnusualException(workspace_id=ws.id, payee_id=split.payee_id, currency=checking.currency,
                                    low=Decimal("30.01"), high=Decimal("45.50"), taught_by_id=eve.id))
    _add_investments(ws)
    db.session.commit()
    return eve, ws


def _add_investments(ws) -> None:
    """An investment account with a security, a buy, a split, a price and its cost method."""
    from financeapp.investments import services as investments
    from financeapp.investments.models import InvestmentSetting

    broker = make_account(ws, "Backup broker", type="investment")
    fund = investments.find_or_create_security(ws, "BKUP", name="Backup fund", kind="fund", currency="USD",
                                               unique_id="US0000000001")
    investments.record_trade(ws, broker, investments.NewTrade(kind="buy", on=date(2026, 1, 5), security_id=fund.id,
                                                              quantity=Decimal("3.12345678"), price=Decimal("10.5"),
                                                              fees=Decimal("1.25")))
    investments.record_trade(ws, broker, investments.NewTrade(kind="split", on=date(2026, 2, 1), security_id=fund.id,
                                                              split_from=Decimal(1), split_to=Decimal(2)))
    investments.record_price(ws, fund, date(2026, 2, 2), Decimal("5.4321"))
    db.session.add(InvestmentSetting(workspace_id=ws.id, account_id=broker.id, cost_method="average"))


def _add_documents(ws, eve, booked) -> None:
    """One of each documents table: a vendor, a batch, a booked invoice with its fields, flags and trail."""
    from financeapp.documents.models import (
        Document,
        DocumentBatch,
        DocumentEvent,
        DocumentField,
        DocumentFlag,
        DocumentItem,
        DocumentSettings,
        DocumentTaxLine,
        VendorPattern,
    )
    from financeapp.vendors.models import Vendor

    vendor = Vendor(workspace_id=ws.id, name="Backup Traders", match_name="backup traders", gstin="27AAPFU0939F1ZV",
                    gstin_valid=True)
    batch = DocumentBatch(workspace_id=ws.id, created_by_id=eve.id)
    db.session.add_all([vendor, batch])
    db.session.flush()
    doc = Document(workspace_id=ws.id, batch_id=batch.id, vendor_id=vendor.id, original_name="inv.pdf",
                   stored_name="ab" * 16, content_type="application/pdf", size=10, sha256="0" * 64, status="processed",
                   source="text", text="Backup Traders\nTotal 118.00", vendor_name="Backup Traders", currency="INR",
                   subtotal=Decimal("100"), tax_total=Decimal("18"), total=Decimal("118"), state="approved",
                   transaction_id=booked.id, invoice_date=date(2026, 6, 1), invoice_number="B-1")
    db.session.add(doc)
    db.session.flush()
    db.session.add_all([
        DocumentField(workspace_id=ws.id, document_id=doc.id, name="total", extracted="118.00", confidence=90),
        DocumentFlag(workspace_id=ws.id, document_id=doc.id, code="low_confidence", reason="Check the date."),
        DocumentTaxLine(workspace_id=ws.id, document_id=doc.id, kind="IGST", rate=Decimal(18), amount=Decimal(18)),
        DocumentItem(workspace_id=ws.id, document_id=doc.id, position=1, description="Paper", quantity=Decimal(2),
                     unit_price=Decimal(50), amount=Decimal(100)),
        DocumentEvent(workspace_id=ws.id, document_id=doc.id, actor_id=eve.id, actor_name="Eve", action="approve",
                      from_state="submitted", to_state="approved"),
        DocumentSettings(workspace_id=ws.id, second_approval_above=Decimal("100000")),
        VendorPattern(workspace_id=ws.id, vendor_id=vendor.id, field="total", label="Net Payable"),
    ])
    db.session.flush()


@pytest.fixture
def rich(ctx):
    return build_rich_workspace()


REFS_NOT_FK = {("transactions", "transfer_key"): "transactions"}


def _refs(table_name: str) -> dict[str, str]:
    table = db.metadata.tables[table_name]
    refs = {c.name: next(iter(c.foreign_keys)).column.table.name for c in table.columns if c.foreign_keys}
    refs.update({col: target for (t, col), target in REFS_NOT_FK.items() if t == table_name})
    return refs


def entity_hashes(document: dict) -> dict[str, Counter]:
    """Per table, a multiset of row hashes in which every id is replaced by its row's own hash."""
    tables = {name: [dict(zip(part["columns"], row, strict=True)) for row in part["rows"]]
              for name, part in document["tables"].items()}
    by_id = {name: {row["id"]: row for row in rows if "id" in row} for name, rows in tables.items()}
    memo: dict[tuple[str, int, bool], str] = {}

    def digest(name: str, row: dict, *, skip_self: bool = False) -> str:
        key = (name, row.get("id"), skip_self)
        if row.get("id") is not None and key in memo:
            return memo[key]
        refs = _refs(name)
        items = []
        for column in sorted(row):
            value = row[column]
            if column == "id":
                continue
            target = refs.get(column)
            if target and value is not None:
                if target == name and (column, name) == ("transfer_key", "transactions"):
                    if skip_self:
                        continue
                    value = "transfer:" + digest(name, by_id[name][value], skip_self=True)
                else:
                    value = digest(target, by_id[target][value])
            items.append([column, value])
        text = hashlib.sha256(json.dumps([name, items], sort_keys=True).encode()).hexdigest()
        if row.get("id") is not None:
            memo[key] = text
        return text

    return {name: Counter(digest(name, row) for row in rows) for name, rows in tables.items()}


def balances(ws_id: int) -> dict[str, Decimal]:
    rows = db.session.execute(
        sa.select(Account.name, Account.opening_balance, sa.func.coalesce(sa.func.sum(Transaction.amount), 0))
        .outerjoin(Transaction, Transaction.account_id == Account.id)
        .where(Account.workspace_id == ws_id).group_by(Account.id, Account.name, Account.opening_balance)
    ).all()
    return {name: opening + Decimal(total) for name, opening, total in rows}
