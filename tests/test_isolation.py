"""Another workspace's ids are a 404 on every scoped URL; a viewer gets 403 on every write."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.accounts.services import ReconcileInput, reconcile
from financeapp.extensions import db
from financeapp.labels.services import labels_named
from financeapp.payees.services import find_or_create_payee
from financeapp.rates.services import set_rate
from financeapp.receipts.services import store_attachment
from financeapp.transactions.models import Transaction
from tests.factories import add_member, make_account, make_category, make_transaction, make_user, personal_workspace

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def owned(ctx):
    """Owner Olga's workspace with one of everything; returns the ids."""
    olga = make_user("olga@example.com", name="Olga")
    ws = personal_workspace(olga)
    account = make_account(ws, "Olga checking", opening_balance="500")
    other = make_account(ws, "Olga savings")
    category = make_category(ws, "Groceries")
    txn = make_transaction(account, "-12.34", category=category, payee="Olga's shop")
    payee = find_or_create_payee(ws, "Olga's shop")
    label = labels_named(ws, ["olga-label"])[0]
    rate = set_rate(ws, "EUR", "USD", date(2026, 1, 1), Decimal("1.1"))
    attachment = store_attachment(ws, olga, txn, "receipt.png", io.BytesIO(PNG))
    reconcile(ws, other, ReconcileInput(date(2026, 1, 31), Decimal(0), frozenset()), olga.id)
    # The planning and automation domains: one of each.
    from financeapp.budgets.services import LineInput, set_line
    from financeapp.debts.services import DebtInput, create_debt
    from financeapp.goals.services import GoalInput, create_goal
    from financeapp.recurring.services import RecurringInput, create_recurring
    from financeapp.rules.services import RuleInput, create_rule
    line = set_line(ws, LineInput(category.id, date(2026, 3, 1), Decimal("100")))
    goal = create_goal(ws, GoalInput("Olga's trip", Decimal("1000")))
    debt = create_debt(ws, DebtInput(name="Olga's loan", kind="loan", currency="USD", annual_rate=Decimal(5),
                                     principal=Decimal(1000), term_months=12, start_date=date(2026, 1, 1)))
    item = create_recurring(ws, RecurringInput(name="Olga's rent", account_id=account.id, amount=Decimal(500),
                                               start_date=date(2026, 1, 1)))
    rule = create_rule(ws, RuleInput(name="Olga's rule", match_text="olga", set_category_id=category.id))
    db.session.commit()
    # Documents: a read invoice (its batch and vendor come with it).
    from financeapp.documents import jobs as document_jobs
    from financeapp.documents import services as documents
    from tests.documents.corpus import one_invoice
    batch = documents.upload_documents(ws, olga, [documents.Upload("olga-invoice.pdf", io.BytesIO(one_invoice(5)[1]))])
    db.session.commit()
    doc = documents.batch_documents(ws, batch)[0]
    document_jobs.run_document(doc.id, ws.id)
    db.session.refresh(doc)
    return {"ws": ws.id, "acc": account.id, "acc2": other.id, "cat": category.id, "txn": txn.id,
            "payee": payee.id, "label": label.id, "rate": rate.id, "att": attachment.id, "line": line.id,
            "goal": goal.id, "debt": debt.id, "item": item.id, "rule": rule.id, "doc": doc.id, "batch": batch.id,
            "vendor": doc.vendor_id}


READS = [
    "/accounts/{acc}/edit", "/accounts/{acc}/reconcile", "/transactions/{txn}/edit",
    "/categories/{cat}/edit", "/payees/{payee}/edit", "/receipts/{att}",
    "/budgets/lines/{line}/edit", "/goals/{goal}", "/goals/{goal}/edit", "/debts/{debt}", "/debts/{debt}/edit",
    "/recurring/{item}/edit", "/rules/{rule}/edit", "/rules/new?from_txn={txn}",
    "/documents/{doc}", "/documents/{doc}/pages/1", "/documents/{doc}/file", "/documents/batches/{batch}",
    "/documents/batches/{batch}/progress", "/vendors/{vendor}", "/api/v1/invoices/{doc}",
]
WRITES = [
    "/accounts/{acc}/edit", "/accounts/{acc}/archive", "/accounts/{acc}/delete", "/accounts/{acc}/balance",
    "/accounts/{acc}/reconcile", "/transactions/{txn}/edit", "/transactions/{txn}/delete",
    "/categories/{cat}/edit", "/categories/{cat}/merge", "/categories/{cat}/delete",
    "/payees/{payee}/edit", "/payees/{payee}/merge", "/payees/{payee}/delete",
    "/labels/{label}/rename", "/labels/{label}/delete", "/rates/{rate}/delete",
    "/receipts/transaction/{txn}", "/receipts/{att}/delete",
    "/budgets/lines/{line}", "/budgets/lines/{line}/delete", "/goals/{goal}/edit", "/goals/{goal}/delete",
    "/goals/{goal}/contributions", "/debts/{debt}/edit", "/debts/{debt}/delete", "/debts/{debt}/payments",
    "/recurring/{item}/edit", "/recurring/{item}/pause", "/recurring/{item}/delete", "/recurring/{item}/confirm",
    "/recurring/{item}/skip", "/rules/{rule}/edit", "/rules/{rule}/delete", "/rules/{rule}/move",
    "/documents/{doc}", "/documents/{doc}/submit", "/documents/{doc}/approve", "/documents/{doc}/reject",
    "/documents/{doc}/return", "/documents/{doc}/pay", "/documents/{doc}/retry", "/documents/{doc}/delete",
    "/documents/batches/{batch}/run", "/vendors/{vendor}", "/vendors/{vendor}/merge",
    "/api/v1/invoices/{doc}/submit", "/api/v1/invoices/{doc}/approve", "/api/v1/invoices/{doc}/reject",
    "/api/v1/invoices/{doc}/return", "/api/v1/invoices/{doc}/pay",
    "/workspaces/{ws}/switch",
]
CREATES = [
    "/accounts/new", "/transactions/new", "/transactions/transfer", "/transactions/bulk", "/categories/",
    "/labels/", "/rates/", "/rates/import", "/workspaces/settings", "/documents/upload", "/documents/settings",
    "/api/v1/invoices",
]


def _state():
    from financeapp.documents.models import Document, DocumentEvent, DocumentSettings
    from financeapp.vendors.models import Vendor

    ledger = db.session.execute(sa.select(sa.func.count(), sa.func.sum(Transaction.amount))).one()
    documents = db.session.execute(sa.select(sa.func.count(), sa.func.sum(Document.version),
                                             sa.func.max(Document.state))).one()
    others = [db.session.scalar(sa.select(sa.func.count()).select_from(model))
              for model in (Vendor, DocumentEvent, DocumentSettings)]
    return (*ledger, *documents, *others)


@pytest.mark.parametrize("url", READS)
def test_another_workspaces_ids_are_404_on_reads(client, auth, owned, url):
    make_user("mallory@example.com", name="Mallory")
    auth.login("mallory@example.com")
    assert client.get(url.format(**owned)).status_code == 404


@pytest.mark.parametrize("url", WRITES)
def test_another_workspaces_ids_are_404_on_writes(client, auth, owned, url):
    make_user("mallory@example.com", name="Mallory")
    auth.login("mallory@example.com")
    before = _state()
    data = {"name": "pwned", "target_id": "", "target": "Olga's shop", "delete_transactions": "y",
            "on": "2026-02-01", "balance": "1", "statement_date": "2026-02-01", "statement_balance": "1",
            "file": (io.BytesIO(PNG), "x.png")}
    assert client.post(url.format(**owned), data=data).status_code == 404
    assert _state() == before


def test_forms_refuse_another_workspaces_accounts_and_categories(client, auth, owned):
    make_user("mallory@example.com", name="Mallory")
    auth.login("mallory@example.com")
    before = _state()
    entry = client.post("/transactions/new", data={"on": "2026-02-01", "account_id": owned["acc"],
                                                   "direction": "in", "amount": "1000000"})
    transfer = client.post("/transactions/transfer", data={
        "on": "2026-02-01", "from_account_id": owned["acc"], "to_account_id": owned["acc2"], "amount": "5"})
    bulk = client.post("/transactions/bulk", data={"ids": [owned["txn"]], "action": "delete"})
    assert entry.status_code == 404 and transfer.status_code == 404
    assert bulk.status_code == 302
    assert _state() == before


def test_lists_never_show_another_workspaces_rows(client, auth, owned):
    make_user("mallory@example.com", name="Mallory")
    auth.login("mallory@example.com")
    for url in ["/accounts/", "/transactions/", f"/transactions/?account={owned['acc']}",
                "/payees/", "/labels/", "/rates/", "/categories/", "/documents/", "/vendors/", "/documents/dashboard",
                f"/documents/?vendor_id={owned['vendor']}", f"/documents/?batch_id={owned['batch']}",
                "/documents/export.csv", f"/api/v1/invoices?vendor_id={owned['vendor']}", "/api/v1/vendors"]:
        page = client.get(url, buffered=True).get_data(as_text=True)
        assert "Olga" not in page and "olga-label" not in page and "olga-invoice" not in page, url


@pytest.mark.parametrize("url", WRITES[:-1] + CREATES)
def test_a_viewer_gets_403_on_every_write(client, auth, owned, url, ctx):
    from financeapp.workspaces.models import Workspace
    viewer = make_user("vera@example.com", name="Vera")
    add_member(db.session.get(Workspace, owned["ws"]), viewer, "viewer")
    auth.login("vera@example.com")
    client.post(f"/workspaces/{owned['ws']}/switch")
    before = _state()
    response = client.post(url.format(**owned), data={"name": "x", "on": "2026-02-01", "amount": "1",
                                                      "account_id": owned["acc"], "direction": "out"})
    assert response.status_code == 403
    assert _state() == before


def test_a_viewer_can_read_everything(client, auth, owned, ctx):
    from financeapp.workspaces.models import Workspace
    viewer = make_user("vera@example.com", name="Vera")
    add_member(db.session.get(Workspace, owned["ws"]), viewer, "viewer")
    auth.login("vera@example.com")
    client.post(f"/workspaces/{owned['ws']}/switch")
    # Edit forms that only writers may open are not reads for a viewer.
    writer_forms = {"/budgets/lines/{line}/edit", "/rules/new?from_txn={txn}"}
    writer_forms.add("/documents/batches/{batch}/progress")  # htmx's fragment; a plain visit is sent to the page
    reads = [url for url in READS if url not in writer_forms]
    for url in [*reads, "/accounts/", "/transactions/", "/categories/", "/payees/", "/labels/", "/rates/",
                "/budgets/", "/goals/", "/debts/", "/debts/plan", "/recurring/", "/rules/", "/imports/",
                "/reports/", "/dashboard", "/notifications/", "/members/", "/documents/", "/documents/dashboard",
                "/vendors/", "/api/v1/invoices", "/api/v1/vendors"]:
        response = client.get(url.format(**owned))
        response.close()  # a receipt is streamed from its file
        assert response.status_code == 200, url


@pytest.mark.parametrize("url", ["/transactions/99999999999999999999/edit", "/accounts/99999999999999999999/edit",
                                 "/receipts/99999999999999999999"])
def test_ids_beyond_bigint_are_404_not_500(client, auth, owned, url):
    auth.login("olga@example.com")
    assert client.get(url).status_code == 404


def test_filter_ids_beyond_bigint_are_ignored_with_a_message(client, auth, owned):
    auth.login("olga@example.com")
    response = client.get("/transactions/?account=99999999999999999999&category=%C2%B2")
    assert response.status_code == 200
    assert "out of range" in response.get_data(as_text=True)


def test_document_forms_refuse_another_workspaces_accounts_and_vendors(client, auth, owned):
    from financeapp.documents.models import Document
    from financeapp.vendors.models import Vendor
    from financeapp.workspaces.models import Workspace
    mallory = make_user("mallory@example.com", name="Mallory")
    mine = personal_workspace(mallory)
    vendor = Vendor(workspace_id=mine.id, name="Mallory's vendor", match_name="mallory s vendor")
    db.session.add(vendor)
    db.session.commit()
    vendor_id = vendor.id
    auth.login("mallory@example.com")
    before = _state()
    assert client.post(f"/vendors/{vendor_id}/merge", data={"target_id": owned["vendor"]}).status_code == 404
    assert client.post("/documents/settings", data={"account_id": owned["acc"]}).status_code == 404
    assert _state() == before
    olga_docs = db.session.scalar(sa.select(sa.func.count()).select_from(Document).where(
        Document.workspace_id == owned["ws"]))
    assert olga_docs == 1 and db.session.get(Workspace, owned["ws"]) is not None


def test_another_workspaces_document_cannot_be_corrected_through_the_api(client, auth, owned):
    make_user("mallory@example.com", name="Mallory")
    auth.login("mallory@example.com")
    before = _state()
    assert client.patch(f"/api/v1/invoices/{owned['doc']}", json={"total": "1.00"}).status_code == 404
    assert _state() == before
