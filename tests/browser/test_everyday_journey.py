"""Everyday use from the keyboard: ten expenses in one quick-add session, a six-line split, the
shortcut help, a search with five operators (checked against independent SQL), a bad operator's
error, and a saved search that is still there after signing out and in."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from financeapp.auth.models import User
from financeapp.extensions import db
from financeapp.labels.models import Label
from financeapp.transactions.models import transaction_labels
from tests.browser.conftest import finish_sign_up, screenshot
from tests.factories import make_account, make_category, make_transaction, personal_workspace

pytestmark = pytest.mark.browser
PASSWORD = "everyday-pass-2026"


def register(page, email: str) -> None:
    page.goto("/auth/register")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Display name").fill("Kai")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    finish_sign_up(page, PASSWORD)


def sign_in(page, email: str) -> None:
    page.goto("/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def workspace_of(email: str):
    user = db.session.scalar(sa.select(User).where(User.email == email))
    return personal_workspace(user)


def test_ten_expenses_from_the_keyboard_and_a_six_line_split(page, app):
    register(page, "kai@example.com")
    with app.app_context():
        ws = workspace_of("kai@example.com")
        make_account(ws, "Everyday card", type="credit_card")
        make_transaction(make_account(ws, "Savings"), "1.00")  # the list is not empty: quick add starts closed
        ws_id = ws.id
    page.goto("/transactions/")
    page.locator("body").press("?")
    expect(page.get_by_role("heading", name="Keyboard shortcuts")).to_be_visible()
    expect(page.locator("#shortcut-help")).to_be_focused()  # shown: focus moves into the dialog
    page.keyboard.press("Escape")
    expect(page.get_by_role("heading", name="Keyboard shortcuts")).to_be_hidden()

    page.keyboard.press("n")  # opens quick add on its first empty box: the amount
    expect(page.locator("#quick-add")).to_have_attribute("open", "")
    expect(page.locator("#quick-add [name=amount]")).to_be_focused()
    page.keyboard.press("Shift+Tab")  # direction: money out, as it is
    page.keyboard.press("Shift+Tab")  # account
    page.keyboard.press("E")  # "Everyday card" by its first letter
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    amounts = [f"{n + 1}.{n}5" for n in range(10)]
    for n, amount in enumerate(amounts):
        expect(page.locator("#quick-add [name=amount]")).to_be_focused()  # each entry starts here
        page.keyboard.type(amount)
        page.keyboard.press("Tab")
        page.keyboard.type(f"Shop {n}")
        page.keyboard.press("Enter")
        expect(page.get_by_text(f"Saved expense of ${amount} in Everyday card.")).to_be_visible()
    with app.app_context():
        saved = db.session.execute(sa.text(
            "SELECT t.amount FROM transactions t JOIN accounts a ON a.id = t.account_id "
            "WHERE t.workspace_id = :ws AND a.name = 'Everyday card' ORDER BY t.id"), {"ws": ws_id}).scalars().all()
    assert [Decimal(value) / 1000 for value in saved] == [-Decimal(a) for a in amounts]

    page.goto("/transactions/new")
    page.get_by_label("Amount", exact=True).fill("60.00")
    page.get_by_text("Split across categories").click()
    for _ in range(2):
        page.get_by_role("button", name="Add a line").click()
    for n in range(6):
        page.get_by_label(f"Split line {n + 1} amount").fill("10.00" if n < 5 else "5.00")
    expect(page.locator("#split-left")).to_have_text("5.00 left to assign")
    page.get_by_label("Split line 6 amount").fill("10.00")
    expect(page.locator("#split-left")).to_have_text("Fully assigned.")
    page.get_by_role("button", name="Add transaction").click()
    expect(page.get_by_text("Saved expense of $60.00")).to_be_visible()
    with app.app_context():
        lines = db.session.execute(sa.text(
            "SELECT COUNT(*) FROM transaction_lines l JOIN transactions t ON t.id = l.transaction_id "
            "WHERE t.workspace_id = :ws AND t.amount = -60000"), {"ws": ws_id}).scalar()
    assert lines == 6
    screenshot(page, "everyday-split")


def test_search_with_five_operators_matches_sql_and_a_saved_search_stays(page, app):
    register(page, "mia@example.com")
    with app.app_context():
        ws = workspace_of("mia@example.com")
        card, checking = make_account(ws, "Visa", type="credit_card"), make_account(ws, "Checking")
        eating = make_category(ws, "Eating out", group="Food")
        trip = Label(workspace_id=ws.id, name="trip")
        db.session.add(trip)
        rng = random.Random(13)
        for _ in range(120):
            txn = make_transaction(rng.choice([card, checking]), f"-{rng.randint(100, 6000) / 100:.2f}",
                                   on=date(2025, 1, 1) + timedelta(days=rng.randrange(365)),
                                   category=rng.choice([eating, None]),
                                   payee=rng.choice(["Starbucks", "Corner Coffee", "Grocer"]),
                                   memo=rng.choice(["", "coffee"]))
            if rng.random() < 0.4:
                db.session.execute(transaction_labels.insert().values(transaction_id=txn.id, label_id=trip.id))
        db.session.commit()
        expected = set(db.session.execute(sa.text("""
            SELECT t.id FROM transactions t JOIN accounts a ON a.id = t.account_id
            WHERE t.workspace_id = :ws AND a.name = 'Visa' AND ABS(t.amount) > 20000
              AND t.id IN (SELECT l.transaction_id FROM transaction_lines l JOIN categories c ON c.id = l.category_id
                           WHERE c.name = 'Eating out')
              AND t.id IN (SELECT transaction_id FROM transaction_labels WHERE label_id = :trip)
              AND t.date >= '2025-03-01'"""), {"ws": ws.id, "trip": trip.id}).scalars())
    assert expected
    query = 'amount>20 category:"Eating out" label:trip account:Visa after:2025-03-01'
    page.goto("/transactions/")
    page.keyboard.press("/")
    expect(page.locator("#f-q")).to_be_focused()
    page.keyboard.type(query)
    page.keyboard.press("Enter")
    expect(page.locator("#match-count")).to_have_text(str(len(expected)))
    page.locator("#per-page").select_option("200")
    expect(page).to_have_url(re.compile(r"per_page=200"))
    expect(page.locator("#transactions tbody tr[data-id]")).to_have_count(len(expected))
    shown = {int(i) for i in page.locator("#transactions tbody tr[data-id]").evaluate_all(
        "rows => rows.map(r => r.dataset.id)")}
    assert shown == expected

    page.get_by_label("Name of this search").fill("Trip meals")
    page.get_by_role("button", name="Save search").click()
    expect(page.get_by_text("Saved the search “Trip meals”.")).to_be_visible()

    page.locator("#nav-search").fill("coffee colour:red")
    page.locator("#nav-search").press("Enter")
    expect(page.locator("#search-error mark")).to_have_text("colour:red")
    expect(page.locator("#search-error")).to_contain_text("is not a search operator")
    screenshot(page, "everyday-search-error")

    page.locator("#user-menu").click()
    page.locator("#logout").click()
    sign_in(page, "mia@example.com")
    page.locator("#saved-searches-menu").click()
    page.get_by_role("link", name="Trip meals").click()
    expect(page.locator("#match-count")).to_have_text(str(len(expected)))
    expect(page.locator("#f-q")).to_have_value(query)
