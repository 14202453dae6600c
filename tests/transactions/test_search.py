"""The search language: terms and their errors, and results equal to independent SQL."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from financeapp.extensions import db
from financeapp.labels.models import Label
from financeapp.receipts.models import Attachment
from financeapp.transactions import search
from financeapp.transactions.models import SavedSearch, transaction_labels
from financeapp.transactions.queries import TransactionFilter, transaction_page
from tests.factories import make_account, make_category, make_transaction, make_user, personal_workspace


def test_terms_keep_quotes_negation_and_positions():
    text = 'coffee amount>20 category:"Eating out" -label:work "corner cafe"'
    terms = search.parse(text)
    assert [(t.field, t.op, t.value, t.negated) for t in terms] == [
        (None, ":", "coffee", False), ("amount", ">", "20", False), ("category", ":", "Eating out", False),
        ("label", ":", "work", True), (None, ":", "corner cafe", False)]
    assert text[terms[2].start:terms[2].end] == 'category:"Eating out"'


@pytest.mark.parametrize(("text", "bad", "message"), [
    ("coffee colour:red", "colour:red", "is not a search operator"),
    ("before:2025-13-01", "before:2025-13-01", "is not a date"),
    ("after:9999-12-31", "after:9999-12-31", "between 1900 and 2199"),
    ("month:2025-3x", "month:2025-3x", "is not a month"),
    ("is:lost", "is:lost", "is:lost is not known"),
    ("amount>abc", "amount>abc", "is not an amount"),
    ("payee>3", "payee>3", "payee takes “:”"),
    ("tea label:", "label:", "Give label: a value"),
])
def test_a_bad_term_is_an_error_pointing_at_it(text, bad, message, ctx):
    ws = personal_workspace(make_user())
    with pytest.raises(search.SearchError) as caught:
        search.conditions(ws, text)
    assert caught.value.bad == bad and message in caught.value.message


@pytest.fixture
def ledger(ctx):
    """Two accounts, categories in two groups, labels, payees, receipts: 240 transactions over 2025."""
    user = make_user("search@example.com")
    ws = personal_workspace(user)
    checking, visa = make_account(ws, "Checking"), make_account(ws, "Visa", type="credit_card")
    eating = make_category(ws, "Eating out", group="Food")
    groceries = make_category(ws, "Groceries", group="Food")
    rent = make_category(ws, "Rent", group="Home")
    trip, work = Label(workspace_id=ws.id, name="trip"), Label(workspace_id=ws.id, name="work")
    db.session.add_all([trip, work])
    rng = random.Random(20251)
    payees = ["Starbucks Reserve", "Corner Coffee", "Landlord", "Super Market", None]
    for n in range(240):
        txn = make_transaction(rng.choice([checking, visa]), f"-{rng.randint(100, 9000) / 100:.2f}",
                               on=date(2025, 1, 1) + timedelta(days=rng.randrange(365)),
                               category=rng.choice([eating, groceries, rent, None]), payee=rng.choice(payees),
                               memo=rng.choice(["", "coffee with Sam", "weekly shop", "coffee beans"]),
                               status=rng.choice(["uncleared", "cleared"]))
        for label in (trip, work):
            if rng.random() < 0.3:
                db.session.execute(transaction_labels.insert().values(transaction_id=txn.id, label_id=label.id))
        if n % 17 == 0:
            db.session.add(Attachment(workspace_id=ws.id, transaction_id=txn.id, original_name="r.png",
                                      content_type="image/png", size=10, stored_name=f"stored-{n}.png",
                                      sha256="0" * 64))
    db.session.commit()
    return ws


def ids_of(ws, text: str) -> set[int]:
    f = TransactionFilter(q=text, per_page=200)
    page = transaction_page(ws, f)
    assert page.search_error is None, page.search_error and page.search_error.message
    every = set()
    number = 1
    while True:
        every |= {txn.id for txn in transaction_page(ws, TransactionFilter(q=text, per_page=200, page=number)).rows}
        if number * 200 >= page.total:
            return every
        number += 1


def sql_ids(sql: str, **params) -> set[int]:
    return set(db.session.scalars(sa.text(sql), params))


def test_five_operators_return_exactly_what_independent_sql_returns(ledger):
    text = 'coffee amount>20 category:"Eating out" -label:work after:2025-03-01 before:2025-10-31 is:uncleared'
    expected = sql_ids("""
        SELECT t.id FROM transactions t
        LEFT JOIN payees p ON p.id = t.payee_id
        WHERE t.workspace_id = :ws
          AND (t.memo LIKE '%coffee%' OR p.name LIKE '%coffee%')
          AND ABS(t.amount) > 20000
          AND t.id IN (SELECT l.transaction_id FROM transaction_lines l JOIN categories c ON c.id = l.category_id
                       WHERE c.name = 'Eating out')
          AND t.id NOT IN (SELECT tl.transaction_id FROM transaction_labels tl JOIN labels b ON b.id = tl.label_id
                           WHERE b.name = 'work')
          AND t.date >= '2025-03-01' AND t.date <= '2025-10-31' AND t.status = 'uncleared'
    """, ws=ledger.id)
    assert expected  # the data must make the query meaningful
    assert ids_of(ledger, text) == expected


def test_a_category_group_includes_its_categories_and_month_is_a_calendar_month(ledger):
    expected = sql_ids("""
        SELECT t.id FROM transactions t WHERE t.workspace_id = :ws
          AND t.date >= '2025-03-01' AND t.date < '2025-04-01'
          AND t.id IN (SELECT l.transaction_id FROM transaction_lines l JOIN categories c ON c.id = l.category_id
                       JOIN categories g ON g.id = c.parent_id WHERE g.name = 'Food')
    """, ws=ledger.id)
    assert expected and ids_of(ledger, "category:Food month:2025-03") == expected


def test_negated_words_keep_rows_without_a_payee_and_has_receipt_finds_attachments(ledger):
    without = sql_ids("""
        SELECT t.id FROM transactions t LEFT JOIN payees p ON p.id = t.payee_id WHERE t.workspace_id = :ws
          AND t.memo NOT LIKE '%coffee%' AND (p.name IS NULL OR p.name NOT LIKE '%coffee%')
    """, ws=ledger.id)
    assert ids_of(ledger, "-coffee") == without
    receipts = sql_ids("SELECT transaction_id FROM attachments WHERE workspace_id = :ws", ws=ledger.id)
    assert receipts and ids_of(ledger, "has:receipt") == receipts
    assert ids_of(ledger, "account:visa payee:starbucks") == sql_ids("""
        SELECT t.id FROM transactions t JOIN accounts a ON a.id = t.account_id JOIN payees p ON p.id = t.payee_id
        WHERE t.workspace_id = :ws AND a.name = 'Visa' AND p.name LIKE '%starbucks%'""", ws=ledger.id)


def test_amounts_compare_without_sign_unless_negative(ledger):
    assert ids_of(ledger, "amount<=10") == sql_ids(
        "SELECT id FROM transactions WHERE workspace_id = :ws AND ABS(amount) <= 10000", ws=ledger.id)
    assert ids_of(ledger, "amount<-85") == sql_ids(
        "SELECT id FROM transactions WHERE workspace_id = :ws AND amount < -85000", ws=ledger.id)


def test_names_are_looked_up_in_the_workspace_only(ledger):
    other = personal_workspace(make_user("other@example.com"))
    make_category(other, "Secret", group="Hidden")
    with pytest.raises(search.SearchError, match="No category is called “Secret”"):
        search.conditions(ledger, "category:Secret")
    page = transaction_page(other, TransactionFilter(q="label:trip"))
    assert page.search_error is not None and page.total == 0


def test_the_page_shows_the_error_at_the_bad_term(client, auth, ledger):
    auth.login("search@example.com")
    page = client.get("/transactions/", query_string={"q": "coffee colour:red"}).get_data(as_text=True)
    assert 'id="search-error"' in page and "<mark>colour:red</mark>" in page
    assert "is not a search operator" in page


def test_a_saved_search_keeps_its_name_and_opens_from_a_bookmarkable_url(client, auth, ledger):
    auth.login("search@example.com")
    response = client.post("/transactions/searches", data={"name": "Coffee on trips", "q": "coffee label:trip"})
    assert response.status_code == 302 and "q=coffee+label:trip" in response.headers["Location"]
    page = client.get("/transactions/").get_data(as_text=True)
    assert "Coffee on trips" in page and 'id="saved-searches-menu"' in page
    saved = db.session.scalar(sa.select(SavedSearch))
    opened = client.get(f"/transactions/searches/{saved.id}")
    assert opened.status_code == 302 and "q=coffee+label:trip" in opened.headers["Location"]
    auth.logout()
    auth.login("search@example.com")
    assert "Coffee on trips" in client.get("/transactions/").get_data(as_text=True)
    assert client.post(f"/transactions/searches/{saved.id}/delete").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(SavedSearch.id))) == 0


def test_a_search_that_cannot_be_read_is_not_saved(client, auth, ledger):
    auth.login("search@example.com")
    response = client.post("/transactions/searches", data={"name": "Broken", "q": "colour:red"}, follow_redirects=True)
    assert "is not a search operator" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(SavedSearch.id))) == 0


def test_saved_searches_are_personal(client, auth, ledger):
    from tests.factories import add_member

    auth.login("search@example.com")
    client.post("/transactions/searches", data={"name": "Mine", "q": "coffee"})
    saved = db.session.scalar(sa.select(SavedSearch))
    auth.logout()
    partner = make_user("partner@example.com")
    add_member(ledger, partner, "member")
    db.session.commit()
    auth.login("partner@example.com")
    client.post(f"/workspaces/{ledger.id}/switch")
    assert client.get(f"/transactions/searches/{saved.id}").status_code == 404
    assert client.post(f"/transactions/searches/{saved.id}/delete").status_code == 404
    assert "Mine" not in client.get("/transactions/").get_data(as_text=True)
