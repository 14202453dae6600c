"""The approval workflow, exhaustively: every state x role x action, audited; an approval books one entry."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from itertools import product

import pytest
import sqlalchemy as sa

from financeapp.core import crypto
from financeapp.core.errors import Conflict, FinanceError, Forbidden, Invalid
from financeapp.documents import workflow
from financeapp.documents.models import STATES, Document, DocumentEvent
from financeapp.extensions import db
from financeapp.receipts import services as storage
from financeapp.receipts.models import Attachment
from financeapp.transactions.models import Transaction
from financeapp.vendors.models import Vendor
from tests.factories import add_member, make_account, make_category, make_transaction, make_user, personal_workspace
from tests.receipts import samples

ROLES = ("viewer", "member", "manager", "owner")
# The specification, written out: (state, action) -> next state; the least role per action.
ALLOWED = {("draft", "submit"): "submitted", ("returned", "submit"): "submitted",
           ("submitted", "approve"): "approved", ("submitted", "reject"): "rejected",
           ("submitted", "return"): "returned", ("approved", "pay"): "paid"}
LEAST = {"submit": "member", "approve": "manager", "reject": "manager", "return": "manager", "pay": "manager"}


def rank(role: str) -> int:
    return ROLES.index(role)


@pytest.fixture
def team(ctx):
    """Olga's workspace with a member Sam (who submits), one user per role, an INR account and a vendor."""
    olga = make_user("olga@example.com", name="Olga", currency="INR")
    ws = personal_workspace(olga)
    sam = make_user("sam@example.com", name="Sam")
    add_member(ws, sam, "member")
    people = {"owner": olga}
    for role in ("viewer", "member", "manager"):
        person = make_user(f"{role}@example.com", name=role.title())
        add_member(ws, person, role)
        people[role] = person
    account = make_account(ws, "Current account", currency="INR")
    category = make_category(ws, "Office supplies", group="Business")
    vendor = Vendor(workspace_id=ws.id, name="Kaveri Office Supplies", match_name="kaveri office supplies",
                    default_category_id=category.id)
    db.session.add(vendor)
    db.session.commit()
    workflow.save_settings(ws, account.id, None)
    db.session.commit()
    return {"ws": ws, "sam": sam, "people": people, "account": account, "category": category, "vendor": vendor}


def make_document(team, state: str, total: str = "1180.00") -> Document:
    ws = team["ws"]
    written = storage.write_checked_upload(ws.id, "invoice.pdf", io.BytesIO(samples.pdf()))
    doc = Document(workspace_id=ws.id, original_name=written.name, stored_name=written.stored_name,
                   content_type="application/pdf", size=written.size, sha256=written.sha256, status="processed",
                   vendor_id=team["vendor"].id, vendor_name="Kaveri Office Supplies", currency="INR",
                   invoice_number="KOS/0042", invoice_date=date(2026, 3, 3), total=Decimal(total), state=state)
    if state != "draft":
        doc.submitted_by_id = team["sam"].id
    storage.keep_with_row(written, doc)
    if state in ("approved", "paid"):
        doc.transaction_id = make_transaction(team["account"], f"-{total}", payee="Kaveri Office Supplies").id
    db.session.commit()
    return doc


def events(doc: Document) -> list[DocumentEvent]:
    return list(db.session.scalars(sa.select(DocumentEvent).where(DocumentEvent.document_id == doc.id)))


@pytest.mark.parametrize(("state", "role", "action"), list(product(STATES, ROLES, workflow.ACTIONS)))
def test_every_state_role_and_action(team, state, role, action):
    doc = make_document(team, state)
    actor = team["people"][role]
    before_txns = db.session.scalar(sa.select(sa.func.count()).select_from(Transaction))
    allowed = (state, action) in ALLOWED and rank(role) >= rank(LEAST[action])
    options = workflow.Options(comment="Looks right" if action != "reject" else "Not our order")
    if not allowed:
        with pytest.raises(FinanceError) as refused:
            workflow.transition(team["ws"], actor, role, doc, action, options)
        expected = Forbidden if rank(role) < rank(LEAST[action]) else Conflict
        assert type(refused.value) is expected
        assert refused.value.status in (403, 409)
        db.session.rollback()
        assert db.session.get(Document, doc.id).state == state
        assert events(doc) == []
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Transaction)) == before_txns
        return
    event = workflow.transition(team["ws"], actor, role, doc, action, options)
    db.session.commit()
    assert db.session.get(Document, doc.id).state == ALLOWED[(state, action)]
    [logged] = events(doc)
    assert (logged.actor_id, logged.action, logged.from_state, logged.to_state, logged.comment) == (
        actor.id, action, state, ALLOWED[(state, action)], options.comment)
    assert logged.created_at is not None and event.id == logged.id
    booked = db.session.scalar(sa.select(sa.func.count()).select_from(Transaction)) - before_txns
    assert booked == (1 if action == "approve" else 0)


def test_an_approval_books_exactly_one_expense_with_vendor_category_and_the_document(team):
    doc = make_document(team, "submitted")
    manager = team["people"]["manager"]
    workflow.transition(team["ws"], manager, "manager", doc, "approve")
    db.session.commit()
    txn = db.session.get(Transaction, doc.transaction_id)
    assert (txn.amount, txn.on, txn.account_id) == (Decimal("-1180.00"), date(2026, 3, 3), team["account"].id)
    assert txn.payee.name == "Kaveri Office Supplies"
    assert [line.category_id for line in txn.lines] == [team["category"].id]
    [attachment] = db.session.scalars(sa.select(Attachment).where(Attachment.transaction_id == txn.id)).all()
    assert crypto.read_file(storage.attachment_path(attachment)) == samples.pdf()
    with pytest.raises(Conflict):  # a second approval cannot book it again
        workflow.transition(team["ws"], team["people"]["owner"], "owner", doc, "approve")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transaction)) == 1


def test_the_submitter_never_approves_their_own_document(team):
    manager = team["people"]["manager"]
    doc = make_document(team, "draft")
    workflow.transition(team["ws"], manager, "manager", doc, "submit")
    db.session.commit()
    for action in ("approve", "reject", "return"):
        with pytest.raises(Forbidden, match="You submitted this document"):
            workflow.transition(team["ws"], manager, "manager", doc, action, workflow.Options(comment="x"))
        db.session.rollback()


def test_rejecting_needs_a_reason(team):
    doc = make_document(team, "submitted")
    with pytest.raises(Invalid) as refused:
        workflow.transition(team["ws"], team["people"]["manager"], "manager", doc, "reject")
    assert refused.value.fields == {"comment": "Give the reason for rejecting it."}


def test_above_the_owners_amount_two_different_approvers_are_needed(team):
    workflow.save_settings(team["ws"], team["account"].id, Decimal("1000"))
    db.session.commit()
    doc = make_document(team, "submitted", total="5000.00")
    manager, owner = team["people"]["manager"], team["people"]["owner"]
    first = workflow.transition(team["ws"], manager, "manager", doc, "approve")
    db.session.commit()
    assert (doc.state, first.to_state, doc.transaction_id) == ("submitted", "submitted", None)
    with pytest.raises(Conflict, match="second approver"):
        workflow.transition(team["ws"], manager, "manager", doc, "approve")
    db.session.rollback()
    workflow.transition(team["ws"], owner, "owner", doc, "approve")
    db.session.commit()
    assert doc.state == "approved" and doc.transaction_id is not None
    small = make_document(team, "submitted", total="999.00")
    workflow.transition(team["ws"], manager, "manager", small, "approve")
    assert small.state == "approved"


def test_paying_links_the_payment(team):
    doc = make_document(team, "submitted")
    workflow.transition(team["ws"], team["people"]["manager"], "manager", doc, "approve")
    bank = make_transaction(make_account(team["ws"], "Bank", currency="INR"), "-1180.00", payee="Kaveri")
    workflow.transition(team["ws"], team["people"]["owner"], "owner", doc, "pay",
                        workflow.Options(payment_transaction_id=bank.id))
    db.session.commit()
    assert (doc.state, doc.payment_transaction_id) == ("paid", bank.id)
    assert doc.paid_at is not None


def test_paying_without_a_payment_clears_the_booked_entry(team):
    doc = make_document(team, "submitted")
    workflow.transition(team["ws"], team["people"]["manager"], "manager", doc, "approve")
    workflow.transition(team["ws"], team["people"]["manager"], "manager", doc, "pay")
    db.session.commit()
    assert doc.payment_transaction_id == doc.transaction_id
    assert db.session.get(Transaction, doc.transaction_id).status == "cleared"


def test_an_account_in_another_currency_is_refused_with_the_reason(team):
    usd = make_account(team["ws"], "Dollar card", currency="USD")
    doc = make_document(team, "submitted")
    with pytest.raises(Invalid, match="in INR but Dollar card is in USD"):
        workflow.transition(team["ws"], team["people"]["manager"], "manager", doc, "approve",
                            workflow.Options(account_id=usd.id))
