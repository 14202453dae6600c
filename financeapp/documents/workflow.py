"""The approval workflow: an explicit table of (state, action) -> (next state, least role), audited.

    draft     --submit-->  submitted   (member)
    returned  --submit-->  submitted   (member)
    submitted --approve--> approved    (manager; never the submitter; a second approver above the
                                        owner's amount, the document staying submitted until then)
    submitted --reject-->  rejected    (manager; a reason is required)
    submitted --return-->  returned    (manager; for changes)
    approved  --pay----->  paid        (manager; links the payment)

Anything else is refused: a role below the action's is 403, a move the table does not have from
the document's state is 409. Every move writes a `DocumentEvent` (who, when, comment). The final
approval books exactly one ledger entry: an expense transaction in the owner's chosen account,
with the vendor as payee, the vendor's default category and the document attached to it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from financeapp.accounts.models import Account
from financeapp.auth.models import User
from financeapp.core import crypto
from financeapp.core.db import utcnow
from financeapp.core.errors import Conflict, Forbidden, Invalid
from financeapp.core.scoping import get_scoped_or_404, scoped
from financeapp.core.validation import checked_amount
from financeapp.documents import services
from financeapp.documents.models import Document, DocumentEvent, DocumentSettings
from financeapp.extensions import db
from financeapp.receipts import services as storage
from financeapp.receipts.models import Attachment
from financeapp.transactions.models import Transaction
from financeapp.transactions.services import EntryInput, record_entry
from financeapp.workspaces.models import Workspace
from financeapp.workspaces.roles import ROLES, has_role

ACTIONS = ("submit", "approve", "reject", "return", "pay")
ACTION_LABELS = {"submit": "Submitted", "approve": "Approved", "reject": "Rejected", "return": "Returned for changes",
                 "pay": "Marked paid", "first_approval": "Approved (first of two)"}


@dataclass(frozen=True)
class Move:
    to: str
    role: str


TRANSITIONS: dict[tuple[str, str], Move] = {
    ("draft", "submit"): Move("submitted", "member"),
    ("returned", "submit"): Move("submitted", "member"),
    ("submitted", "approve"): Move("approved", "manager"),
    ("submitted", "reject"): Move("rejected", "manager"),
    ("submitted", "return"): Move("returned", "manager"),
    ("approved", "pay"): Move("paid", "manager"),
}
LEAST_ROLE = {action: min((m.role for (_s, a), m in TRANSITIONS.items() if a == action),
                          key=ROLES.index) for action in ACTIONS}


@dataclass(frozen=True)
class Options:
    comment: str = ""
    account_id: int | None = None  # approve: where the expense is booked (default: the owner's setting)
    payment_transaction_id: int | None = None  # pay: the transaction that paid it (default: the booked one)
    today: date | None = None


def allowed_actions(doc: Document, role: str | None) -> list[str]:
    """The actions the table allows from the document's state for this role (for the buttons)."""
    return [action for (state, action), move in TRANSITIONS.items()
            if state == doc.state and has_role(role, move.role)]


def settings_of(workspace: Workspace) -> DocumentSettings:
    """The workspace's document settings (a default row when none was saved)."""
    found = db.session.scalar(scoped(DocumentSettings, workspace))
    return found or DocumentSettings(workspace_id=workspace.id)


def save_settings(workspace: Workspace, account_id: int | None, second_approval_above: Decimal | None
                  ) -> DocumentSettings:
    """The owner's choices: the account approved expenses go to, and the amount needing a second approver."""
    account = get_scoped_or_404(Account, account_id, workspace) if account_id else None
    threshold = checked_amount(second_approval_above, account.currency if account else workspace.base_currency,
                               field="second_approval_above", sign="positive") if second_approval_above else None
    settings = db.session.scalar(scoped(DocumentSettings, workspace))
    if settings is None:
        settings = DocumentSettings(workspace_id=workspace.id)
        db.session.add(settings)
    settings.account_id = account.id if account else None
    settings.second_approval_above = threshold
    db.session.flush()
    return settings


def _approvals_since_submit(doc: Document) -> list[DocumentEvent]:
    events = list(db.session.scalars(sa.select(DocumentEvent).where(DocumentEvent.document_id == doc.id)
                                     .order_by(DocumentEvent.id.desc())))
    approvals = []
    for event in events:
        if event.action == "submit":
            break
        if event.action == "approve":
            approvals.append(event)
    return approvals


def _needs_second(workspace: Workspace, doc: Document) -> bool:
    threshold = settings_of(workspace).second_approval_above
    return threshold is not None and doc.total is not None and doc.total > threshold


def transition(workspace: Workspace, actor: User, role: str | None, doc: Document, action: str,
               options: Options | None = None) -> DocumentEvent:
    """Move a document through the workflow as `actor` with `role`; audited. Flushes, never commits."""
    options = options or Options()
    comment = " ".join((options.comment or "").split())[:500]
    if action not in ACTIONS:
        raise Invalid(f"Unknown action “{action[:20]}”.")
    if doc.workspace_id != workspace.id:
        get_scoped_or_404(Document, doc.id, workspace)
    if not has_role(role, LEAST_ROLE[action]):
        raise Forbidden(f"To {action} a document needs the {LEAST_ROLE[action]} role.")
    move = TRANSITIONS.get((doc.state, action))
    if move is None:
        raise Conflict(f"A {doc.state} document cannot be {ACTION_LABELS[action].lower()}.")
    if not has_role(role, move.role):
        raise Forbidden(f"To {action} a {doc.state} document needs the {move.role} role.")
    before = doc.state
    if action == "submit":
        _check_submittable(doc)
        doc.submitted_by_id, doc.submitted_at = actor.id, utcnow()
    elif action in ("approve", "reject", "return") and doc.submitted_by_id == actor.id:
        raise Forbidden("You submitted this document: another manager or owner must decide on it.")
    if action in ("reject", "return") and not comment:
        why = "Give the reason for rejecting it." if action == "reject" else "Say what needs changing."
        raise Invalid(why, fields={"comment": why})
    to = move.to
    if action == "approve":
        earlier = _approvals_since_submit(doc)
        if any(event.actor_id == actor.id for event in earlier):
            raise Conflict("You approved this document already; it needs a second approver.")
        if _needs_second(workspace, doc) and not earlier:
            to = "submitted"  # the first of two approvals
        else:
            _book(workspace, actor, doc, options)
            doc.approved_at = utcnow()
    elif action == "pay":
        _pay(workspace, doc, options)
    doc.state = to
    event = DocumentEvent(workspace_id=workspace.id, document_id=doc.id, actor_id=actor.id,
                          actor_name=(actor.display_name or actor.email)[:120], action=action, from_state=before,
                          to_state=to, comment=comment)
    db.session.add(event)
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict("Someone else moved this document at the same time. Reload and try again.") from None
    return event


def _check_submittable(doc: Document) -> None:
    if doc.status in ("queued", "processing"):
        raise Conflict("This document is still being read; submit it once its fields are there.")
    missing = [label for label, value in (("the total", doc.total), ("the date", doc.invoice_date)) if value is None]
    if missing:
        message = f"Enter {' and '.join(missing)} before submitting."
        raise Invalid(message, fields={"total" if doc.total is None else "date": message})


def _book(workspace: Workspace, actor: User, doc: Document, options: Options) -> Transaction:
    """The one ledger entry of an approved document: an expense with its vendor, category and file."""
    if doc.transaction_id is not None:
        raise Conflict("This document is booked to the ledger already.")
    account_id = options.account_id or settings_of(workspace).account_id
    if account_id is None:
        message = "Choose the account this expense is paid from (the owner can set a default)."
        raise Invalid(message, fields={"account_id": message})
    account = get_scoped_or_404(Account, account_id, workspace)
    if doc.currency and doc.currency != account.currency:
        message = f"This document is in {doc.currency} but {account.name} is in {account.currency}: choose an " \
                  f"account in {doc.currency}."
        raise Invalid(message, fields={"account_id": message})
    vendor = doc.vendor
    number = f" {doc.invoice_number}" if doc.invoice_number else ""
    txn = record_entry(workspace, EntryInput(
        account_id=account.id, on=doc.invoice_date or options.today or date.today(), amount=doc.total,
        direction="out", payee=(vendor.name if vendor else doc.vendor_name) or "",
        category_id=vendor.default_category_id if vendor else None,
        memo=f"{doc.kind.capitalize()}{number} (document #{doc.id})"))
    with io.BytesIO(crypto.read_file(services.document_path(doc))) as stream:
        written = storage.write_checked_upload(workspace.id, doc.original_name, stream, kinds=services.KINDS,
                                               only=services.ONLY_THESE, stem="document")
    storage.keep_with_row(written, Attachment(
        workspace_id=workspace.id, transaction_id=txn.id, original_name=written.name,
        stored_name=written.stored_name, content_type=written.kind.content_type, size=written.size,
        sha256=written.sha256, uploaded_by_id=actor.id))
    doc.transaction_id = txn.id
    return txn


def _pay(workspace: Workspace, doc: Document, options: Options) -> None:
    """Link the payment: the given transaction, or the booked entry itself (then marked cleared)."""
    if options.payment_transaction_id:
        payment = get_scoped_or_404(Transaction, options.payment_transaction_id, workspace)
    else:
        payment = db.session.get(Transaction, doc.transaction_id) if doc.transaction_id else None
        if payment is None or payment.workspace_id != workspace.id:
            message = "Choose the transaction that paid this document (its booked entry is gone)."
            raise Invalid(message, fields={"payment_transaction_id": message})
        if payment.status == "uncleared":
            payment.status = "cleared"
    doc.payment_transaction_id = payment.id
    doc.paid_at = utcnow()


def describe(event: DocumentEvent) -> str:
    """What a move did, in words ("Approved", or "Approved (first of two)" when another approver must follow)."""
    if event.action == "approve" and event.to_state == "submitted":
        return ACTION_LABELS["first_approval"]
    return ACTION_LABELS[event.action]


def events_of(workspace: Workspace, doc: Document) -> list[DocumentEvent]:
    """The document's audit trail, oldest first."""
    return list(db.session.scalars(scoped(DocumentEvent, workspace).where(DocumentEvent.document_id == doc.id)
                                   .order_by(DocumentEvent.created_at, DocumentEvent.id)))
