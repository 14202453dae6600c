"""Another workspace's ids are a 404 on every scoped URL; a viewer gets 403 on every write.

Every route that takes an id (`<int:…>` in the URL map) must be listed here: a route added without
its entry fails test_every_scoped_route_is_listed, so isolation is never left untested by omission.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask

from financeapp import create_app
from financeapp.accounts.models import Account
from financeapp.accounts.services import ReconcileInput, reconcile
from financeapp.auth.models import User
from financeapp.auth.tokens import NewToken, create_token
from financeapp.budgets.services import LineInput, set_line
from financeapp.debts.services import DebtInput, PaymentInput, create_debt, record_payment
from financeapp.documents import jobs as document_jobs
from financeapp.documents import services as documents
from financeapp.extensions import db
from financeapp.goals.services import GoalInput, add_contribution, create_goal
from financeapp.imports.services import stage_upload
from financeapp.labels.services import labels_named
from financeapp.members.services import NewInvitation, invite
from financeapp.notifications.services import notify
from financeapp.payees.services import find_or_create_payee
from financeapp.rates.services import set_rate
from financeapp.receipts.services import store_attachment
from financeapp.recurring.services import RecurringInput, create_recurring
from financeapp.rules.services import RuleInput, create_rule
from financeapp.transactions.models import Transaction
from financeapp.transactions.searches import save_search
from financeapp.workspaces.models import Workspace
from tests.documents.corpus import one_invoice
from tests.factories import add_member, make_account, make_category, make_transaction, make_user, personal_workspace

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


# What Olga owns, one of each kind, built by the functions below. A new domain adds a builder with
# @owns (it gets Olga's workspace, her user and the ids built so far, and returns its rows' ids by name),
# puts its scoped URLs in READS and WRITES with those names, and test_every_scoped_route_is_listed passes.
Builder = Callable[[Workspace, User, dict[str, int]], dict[str, int]]
BUILDERS: list[Builder] = []


def owns(builder: Builder) -> Builder:
    BUILDERS.append(builder)
    return builder


@owns
def _ledger(ws: Workspace, olga: User, _: dict[str, int]) -> dict[str, int]:
    account = make_account(ws, "Olga checking", opening_balance="500")
    other = make_account(ws, "Olga savings")
    category = make_category(ws, "Groceries")
    txn = make_transaction(account, "-12.34", category=category, payee="Olga's shop")
    payee = find_or_create_payee(ws, "Olga's shop")
    label = labels_named(ws, ["olga-label"])[0]
    rate = set_rate(ws, "EUR", "USD", date(2026, 1, 1), Decimal("1.1"))
    attachment = store_attachment(ws, olga, txn, "receipt.png", io.BytesIO(PNG))
    reconcile(ws, other, ReconcileInput(date(2026, 1, 31), Decimal(0), frozenset()), olga.id)
    return {"ws": ws.id, "acc": account.id, "acc2": other.id, "cat": category.id, "txn": txn.id,
            "payee": payee.id, "label": label.id, "rate": rate.id, "att": attachment.id}


@owns
def _planning(ws: Workspace, olga: User, ids: dict[str, int]) -> dict[str, int]:
    account_id, category_id = ids["acc"], ids["cat"]
    line = set_line(ws, LineInput(category_id, date(2026, 3, 1), Decimal("100")))
    goal = create_goal(ws, GoalInput("Olga's trip", Decimal("1000")))
    contribution = add_contribution(ws, goal, date(2026, 2, 1), Decimal("50"))
    debt = create_debt(ws, DebtInput(name="Olga's loan", kind="loan", currency="USD", annual_rate=Decimal(5),
                                     principal=Decimal(1000), term_months=12, start_date=date(2026, 1, 1)))
    payment = record_payment(ws, debt, PaymentInput(on=date(2026, 2, 1), amount=Decimal(100)))
    item = create_recurring(ws, RecurringInput(name="Olga's rent", account_id=account_id, amount=Decimal(500),
                                               start_date=date(2026, 1, 1)))
    rule = create_rule(ws, RuleInput(name="Olga's rule", match_text="olga", set_category_id=category_id))
    return {"line": line.id, "goal": goal.id, "contribution": contribution.id, "debt": debt.id,
            "payment": payment.id, "item": item.id, "rule": rule.id}


@owns
def _imports(ws: Workspace, olga: User, _: dict[str, int]) -> dict[str, int]:
    batch = stage_upload(ws, olga, "olga.csv", b"date,amount,payee\n2026-02-01,-5.00,Olga's cafe\n")
    return {"batch": batch.id}


@owns
def _found_transfer(ws: Workspace, _olga: User, ids: dict[str, int]) -> dict[str, int]:
    """Two plain rows that the transfer finder pairs (financeapp/transactions/found_transfers.py)."""
    out = make_transaction(db.session.get(Account, ids["acc"]), "-77.77", on=date(2026, 3, 2), payee="Olga's xfer")
    into = make_transaction(db.session.get(Account, ids["acc2"]), "77.77", on=date(2026, 3, 3))
    return {"pair_out": out.id, "pair_in": into.id}


@owns
def _people(ws: Workspace, olga: User, _: dict[str, int]) -> dict[str, int]:
    member = add_member(ws, make_user("mike@example.com", name="Mike"), "member")
    db.session.refresh(olga)  # invite() reads inviter.id after adding the row: an expired user would autoflush it
    invitation = invite(ws, olga, NewInvitation(email="ines@example.com"))
    [note] = notify(ws, "recurring_posted", "Olga's note", "isolation", user_ids=[olga.id])
    token, _ = create_token(olga, ws, NewToken("Olga's script"))
    return {"membership": member.id, "invitation": invitation.id, "note": note.id, "token": token.id}


@owns
def _devices(ws: Workspace, olga: User, _: dict[str, int]) -> dict[str, int]:
    """One of Olga's signed-in devices (settings/devices)."""
    from financeapp.auth.audit import RequestMeta
    from financeapp.auth.sessions import start

    return {"device": start(olga, remember=False, meta=RequestMeta("127.0.0.1", "Olga's phone")).id}


@owns
def _searches(ws: Workspace, olga: User, _: dict[str, int]) -> dict[str, int]:
    return {"search": save_search(ws, olga.id, "Olga's coffee", "coffee").id}


@owns
def _documents(ws: Workspace, olga: User, _: dict[str, int]) -> dict[str, int]:
    """A read invoice; its batch and vendor come with it."""
    batch = documents.upload_documents(ws, olga, [documents.Upload("olga-invoice.pdf", io.BytesIO(one_invoice(5)[1]))])
    db.session.commit()
    doc = documents.batch_documents(ws, batch)[0]
    document_jobs.run_document(doc.id, ws.id)
    db.session.refresh(doc)
    return {"doc": doc.id, "doc_batch": batch.id, "vendor": doc.vendor_id}


@owns
def _insights(ws: Workspace, _olga: User, ids: dict[str, int]) -> dict[str, int]:
    """An open unusual-transaction flag on Olga's transaction (financeapp/insights)."""
    from financeapp.insights.models import UnusualTransaction

    flag = UnusualTransaction(workspace_id=ws.id, transaction_id=ids["txn"], kind="size", score=Decimal("9.99"),
                              reason="Olga's unusual coffee", status="open")
    db.session.add(flag)
    db.session.flush()
    return {"unusual": flag.id}


@owns
def _investments(ws: Workspace, _olga: User, _: dict[str, int]) -> dict[str, int]:
    """An investment account with a trade and a price of its security."""
    from financeapp.investments import services as investments

    broker = make_account(ws, "Olga broker", type="investment")
    security = investments.find_or_create_security(ws, "OLGA", name="Olga's fund", kind="fund", currency="USD")
    trade = investments.record_trade(ws, broker, investments.NewTrade(
        kind="buy", on=date(2026, 1, 5), security_id=security.id, quantity=Decimal(3), price=Decimal(10)))
    price = investments.record_price(ws, security, date(2026, 1, 6), Decimal(11))
    return {"broker": broker.id, "security": security.id, "trade": trade.id, "price": price.id}


@pytest.fixture
def owned(ctx):
    """Owner Olga's workspace with one of everything; returns the ids."""
    olga = make_user("olga@example.com", name="Olga")
    ws = personal_workspace(olga)
    ids: dict[str, int] = {}
    for build in BUILDERS:
        ids.update(build(ws, olga, ids))
    db.session.commit()
    return ids


READS = [
    "/accounts/{acc}/edit", "/accounts/{acc}/reconcile", "/transactions/{txn}/edit",
    "/categories/{cat}/edit", "/payees/{payee}/edit", "/receipts/{att}",
    "/budgets/lines/{line}/edit", "/goals/{goal}", "/goals/{goal}/edit", "/debts/{debt}", "/debts/{debt}/edit",
    "/recurring/{item}/edit", "/rules/{rule}/edit", "/rules/new?from_txn={txn}",
    "/budgets/lines/{line}", "/imports/{batch}", "/imports/{batch}/accounts", "/imports/{batch}/columns",
    "/imports/{batch}/preview", "/imports/{batch}/progress",
    "/api/v1/transactions/{txn}", "/api/v1/debts/{debt}/schedule", "/transactions/searches/{search}",
    "/documents/{doc}", "/documents/{doc}/pages/1", "/documents/{doc}/file", "/documents/batches/{doc_batch}",
    "/documents/batches/{doc_batch}/progress", "/vendors/{vendor}", "/api/v1/invoices/{doc}",
    "/transactions/found-transfers?batch={batch}", "/api/v1/accounts/{acc}/projection", "/api/v1/accounts/{acc}",
    "/api/v1/categories/{cat}", "/api/v1/payees/{payee}", "/api/v1/labels/{label}", "/api/v1/goals/{goal}",
    "/api/v1/goals/{goal}/contributions", "/api/v1/budgets/lines/{line}", "/api/v1/debts/{debt}",
    "/api/v1/debts/{debt}/payments", "/api/v1/recurring/{item}", "/api/v1/rules/{rule}",
    "/api/v1/notifications/{note}", "/api/v1/rates/{rate}", "/api/v1/imports/{batch}",
    "/api/v1/imports/{batch}/preview",
    "/investments/accounts/{broker}", "/investments/securities/{security}", "/investments/trades/{trade}/edit",
]
WRITES = [
    "/accounts/{acc}/edit", "/accounts/{acc}/archive", "/accounts/{acc}/delete", "/accounts/{acc}/balance",
    "/accounts/{acc}/reconcile", "/transactions/{txn}/edit", "/transactions/{txn}/delete",
    "/categories/{cat}/edit", "/categories/{cat}/merge", "/categories/{cat}/delete",
    "/payees/{payee}/edit", "/payees/{payee}/merge", "/payees/{payee}/delete",
    "/labels/{label}/rename", "/labels/{label}/delete", "/rates/{rate}/delete",
    "/receipts/transaction/{txn}", "/receipts/{att}/delete",
    "/budgets/lines/{line}", "/budgets/lines/{line}/delete", "/goals/{goal}/edit", "/goals/{goal}/delete",
    "/goals/{goal}/contributions", "/goals/{goal}/contributions/{contribution}/delete",
    "/debts/{debt}/edit", "/debts/{debt}/delete", "/debts/{debt}/payments",
    "/debts/{debt}/payments/{payment}/delete",
    "/recurring/{item}/edit", "/recurring/{item}/pause", "/recurring/{item}/delete", "/recurring/{item}/confirm",
    "/recurring/{item}/skip", "/rules/{rule}/edit", "/rules/{rule}/delete", "/rules/{rule}/move",
    "/imports/{batch}/accounts", "/imports/{batch}/columns", "/imports/{batch}/preview", "/imports/{batch}/run",
    "/imports/{batch}/undo", "/imports/{batch}/discard",
    "/members/{membership}/role", "/members/{membership}/remove", "/members/invitations/{invitation}/revoke",
    "/notifications/{note}/read", "/notifications/{note}/follow", "/notifications/{note}/delete",
    "/settings/tokens/{token}/revoke", "/workspaces/{ws}/switch", "/transactions/searches/{search}/delete",
    "/settings/devices/{device}/revoke",
    "/documents/{doc}", "/documents/{doc}/submit", "/documents/{doc}/approve", "/documents/{doc}/reject",
    "/documents/{doc}/return", "/documents/{doc}/pay", "/documents/{doc}/retry", "/documents/{doc}/delete",
    "/documents/batches/{doc_batch}/run", "/vendors/{vendor}", "/vendors/{vendor}/merge",
    "/api/v1/invoices/{doc}/submit", "/api/v1/invoices/{doc}/approve", "/api/v1/invoices/{doc}/reject",
    "/api/v1/invoices/{doc}/return", "/api/v1/invoices/{doc}/pay", "/api/v1/goals/{goal}/contributions",
    "/api/v1/debts/{debt}/payments", "/api/v1/recurring/{item}/confirm", "/api/v1/recurring/{item}/skip",
    "/api/v1/rules/{rule}/move", "/api/v1/notifications/{note}/read", "/api/v1/imports/{batch}/columns",
    "/api/v1/imports/{batch}/accounts", "/api/v1/imports/{batch}/commit", "/api/v1/imports/{batch}/undo",
    "/transactions/found-transfers/{pair_out}/{pair_in}/link",
    "/transactions/found-transfers/{pair_out}/{pair_in}/refuse",
    "/insights/ask/learn/category/{cat}", "/insights/ask/learn/payee/{payee}",
    "/insights/unusual/{unusual}/normal",
    "/investments/accounts/{broker}/method", "/investments/trades/{trade}/edit", "/investments/trades/{trade}/delete",
    "/investments/prices/{price}/delete",
]
# The API's changes by other methods than POST (sent as JSON): (method, url).
API_CHANGES = [
    ("PATCH", "/api/v1/accounts/{acc}"), ("DELETE", "/api/v1/accounts/{acc}?delete_transactions=true"),
    ("PATCH", "/api/v1/invoices/{doc}"),
    ("PATCH", "/api/v1/goals/{goal}"), ("DELETE", "/api/v1/goals/{goal}"),
    ("DELETE", "/api/v1/goals/{goal}/contributions/{contribution}"),
    ("PATCH", "/api/v1/budgets/lines/{line}"), ("DELETE", "/api/v1/budgets/lines/{line}"),
    ("PATCH", "/api/v1/debts/{debt}"), ("DELETE", "/api/v1/debts/{debt}"),
    ("DELETE", "/api/v1/debts/{debt}/payments/{payment}"),
    ("PATCH", "/api/v1/recurring/{item}"), ("DELETE", "/api/v1/recurring/{item}"),
    ("PATCH", "/api/v1/rules/{rule}"), ("DELETE", "/api/v1/rules/{rule}"),
    ("DELETE", "/api/v1/notifications/{note}"), ("DELETE", "/api/v1/imports/{batch}"),
    ("PATCH", "/api/v1/rates/{rate}"), ("DELETE", "/api/v1/rates/{rate}"),
    ("PATCH", "/api/v1/transactions/{txn}"), ("DELETE", "/api/v1/transactions/{txn}?unlock=true"),
    ("PATCH", "/api/v1/categories/{cat}"), ("DELETE", "/api/v1/categories/{cat}"),
    ("PATCH", "/api/v1/payees/{payee}"), ("DELETE", "/api/v1/payees/{payee}"),
    ("PATCH", "/api/v1/labels/{label}"), ("DELETE", "/api/v1/labels/{label}"),
]
# Writes a viewer may make (their own notifications and tokens, switching workspace): not 403 for them.
VIEWER_MAY = {"/notifications/{note}/read", "/notifications/{note}/follow", "/notifications/{note}/delete",
              "/settings/tokens/{token}/revoke", "/settings/devices/{device}/revoke", "/workspaces/{ws}/switch",
              "/transactions/searches/{search}/delete",  # a viewer's own saved searches
              "/api/v1/notifications/{note}/read", "/api/v1/notifications/{note}"}
CREATES = [
    "/accounts/new", "/transactions/new", "/transactions/transfer", "/transactions/bulk", "/categories/",
    "/labels/", "/rates/", "/rates/import", "/workspaces/settings", "/documents/upload", "/documents/settings",
    "/api/v1/invoices", "/transactions/found-transfers", "/investments/trades/new", "/investments/prices",
    "/api/v1/investments/trades", "/api/v1/investments/prices",
]
# Scoped routes not listed above, each with the reason (none today).
NOT_LISTED: dict[str, str] = {}


def scoped_routes(app: Flask) -> set[tuple[str, str]]:
    """(method, rule) of every route that takes an id, such as ("POST", "/goals/<int:goal_id>/delete")."""
    return {(method, rule.rule) for rule in app.url_map.iter_rules() if "<int:" in rule.rule
            for method in sorted(rule.methods & {"GET", "POST", "PATCH", "DELETE"})}


def listed_routes(app: Flask) -> set[tuple[str, str]]:
    """The (method, rule) pairs READS and WRITES reach, found by matching their URLs against the app."""
    adapter = app.url_map.bind("localhost")
    listed = set()
    pairs = [("GET", url) for url in READS] + [("POST", url) for url in WRITES] + API_CHANGES
    for method, url in pairs:
        rule, _ = adapter.match(url.format_map(defaultdict(lambda: 1)).split("?")[0], method, return_rule=True)
        listed.add((method, rule.rule))
    return listed


def unlisted_routes(app: Flask) -> set[tuple[str, str]]:
    return {route for route in scoped_routes(app) - listed_routes(app) if route[1] not in NOT_LISTED}


def test_every_scoped_route_is_listed(app):
    assert unlisted_routes(app) == set(), "add these routes to READS or WRITES (and what they need to @owns)"


def test_a_new_scoped_route_that_is_not_listed_fails_the_check(app):
    fresh = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    fresh.add_url_rule("/widgets/<int:widget_id>/delete", "widgets_delete", lambda widget_id: "",
                       methods=["POST"])
    assert unlisted_routes(fresh) == {("POST", "/widgets/<int:widget_id>/delete")}


def _state():
    """The ledger, and the documents' rows, versions and states, to compare before and after a refused write."""
    from financeapp.documents.models import Document, DocumentEvent, DocumentSettings
    from financeapp.investments.models import InvestmentSetting, Price, Trade
    from financeapp.vendors.models import Vendor

    ledger = db.session.execute(sa.select(sa.func.count(), sa.func.sum(Transaction.amount))).one()
    docs = db.session.execute(sa.select(sa.func.count(), sa.func.sum(Document.version),
                                        sa.func.max(Document.state))).one()
    others = [db.session.scalar(sa.select(sa.func.count()).select_from(model))
              for model in (Vendor, DocumentEvent, DocumentSettings, Price, InvestmentSetting)]
    trades = db.session.execute(sa.select(sa.func.count(), sa.func.sum(Trade.quantity), sa.func.max(Trade.on))).one()
    return (*ledger, *docs, *others, *trades)


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
            "role": "viewer", "file": (io.BytesIO(PNG), "x.png")}
    assert client.post(url.format(**owned), data=data).status_code == 404
    assert _state() == before


@pytest.mark.parametrize(("method", "url"), API_CHANGES)
def test_another_workspaces_ids_are_404_on_api_changes(client, auth, owned, method, url):
    make_user("mallory@example.com", name="Mallory")
    auth.login("mallory@example.com")
    before = _state()
    response = client.open(url.format(**owned), method=method, json={"name": "pwned", "amount": "1"})
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert _state() == before


@pytest.mark.parametrize(("method", "url"), [(m, u) for m, u in API_CHANGES if u not in VIEWER_MAY])
def test_a_viewer_gets_403_on_api_changes(client, auth, owned, method, url):
    viewer = make_user("vera@example.com", name="Vera")
    add_member(db.session.get(Workspace, owned["ws"]), viewer, "viewer")
    auth.login("vera@example.com")
    client.post(f"/workspaces/{owned['ws']}/switch")
    before = _state()
    assert client.open(url.format(**owned), method=method, json={"name": "x"}).status_code == 403
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
                f"/documents/?vendor_id={owned['vendor']}", f"/documents/?batch_id={owned['doc_batch']}",
                "/documents/export.csv", f"/api/v1/invoices?vendor_id={owned['vendor']}", "/api/v1/vendors",
                "/transactions/found-transfers", "/insights/", "/api/v1/insights/anomalies",
                "/api/v1/insights/patterns",
                "/investments/", "/investments/trades", "/investments/prices",
                "/investments/performance", "/api/v1/investments/holdings", "/api/v1/investments/trades",
                "/api/v1/investments/prices"]:
        page = client.get(url, buffered=True).get_data(as_text=True)
        assert "Olga" not in page and "olga-label" not in page and "olga-invoice" not in page, url


@pytest.mark.parametrize("url", [url for url in WRITES if url not in VIEWER_MAY] + CREATES)
def test_a_viewer_gets_403_on_every_write(client, auth, owned, url, ctx):
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
    viewer = make_user("vera@example.com", name="Vera")
    add_member(db.session.get(Workspace, owned["ws"]), viewer, "viewer")
    auth.login("vera@example.com")
    client.post(f"/workspaces/{owned['ws']}/switch")
    # Edit forms that only writers may open are not reads for a viewer; the import wizard's steps are
    # the importer's; a budget line's own URL answers htmx (a plain GET is sent back to its month);
    # a saved search is Olga's own (anyone else gets 404) and redirects to the list.
    not_pages = {"/budgets/lines/{line}/edit", "/rules/new?from_txn={txn}", "/budgets/lines/{line}",
                 "/transactions/searches/{search}", "/api/v1/notifications/{note}",  # Olga's own, like a search
                 "/documents/batches/{doc_batch}/progress"}  # htmx's fragment; a plain visit goes to the page
    reads = [url for url in READS if url not in not_pages and not url.startswith("/imports/{batch}")
             and not url.startswith("/api/v1/imports/{batch}/")]  # the preview of an import not analysed: 409
    for url in [*reads, "/accounts/", "/transactions/", "/categories/", "/payees/", "/labels/", "/rates/",
                "/budgets/", "/goals/", "/debts/", "/debts/plan", "/recurring/", "/rules/", "/imports/",
                "/reports/", "/dashboard", "/notifications/", "/members/", "/documents/", "/documents/dashboard",
                "/vendors/", "/api/v1/invoices", "/api/v1/vendors", "/insights/", "/api/v1/insights/anomalies",
                "/api/v1/insights/patterns",
                "/investments/", "/investments/trades",
                "/investments/prices", "/investments/performance", "/api/v1/investments/holdings",
                "/api/v1/investments/performance"]:
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
