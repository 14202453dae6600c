"""Recurring services: validation, posting and skipping exactly once, bills matched and reminded, upcoming."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.core.errors import Invalid
from financeapp.demo.planning import seed_demo_recurring
from financeapp.extensions import db
from financeapp.notifications.models import Notification
from financeapp.recurring import services
from financeapp.recurring.models import RecurringOccurrence
from financeapp.transactions.models import Transaction
from tests.factories import make_account, make_category, make_transaction
from tests.recurring.helpers import make_recurring


def count(model, **where) -> int:
    query = sa.select(sa.func.count()).select_from(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    return db.session.scalar(query)


def test_posting_an_occurrence_records_the_transaction_and_links_it(home):
    groceries = make_category(home.ws, "Rent or mortgage", group="Home")
    item = make_recurring(home.ws, home.checking.id, payee="Parkside Apartments", category_id=groceries.id,
                          month_day=1, memo="monthly rent")
    occurrence = services.post_occurrence(home.ws, item, date(2026, 2, 1))
    db.session.commit()
    txn = db.session.get(Transaction, occurrence.transaction_id)
    assert (txn.on, txn.amount, txn.payee.name, txn.memo) == (date(2026, 2, 1), Decimal("-1000.000"),
                                                              "Parkside Apartments", "monthly rent")
    assert txn.lines[0].category_id == groceries.id
    assert occurrence.status == "posted"


def test_posting_the_same_occurrence_twice_posts_once(home):
    item = make_recurring(home.ws, home.checking.id)
    assert services.post_occurrence(home.ws, item, date(2026, 3, 1)) is not None
    db.session.commit()
    assert services.post_occurrence(home.ws, item, date(2026, 3, 1)) is None
    db.session.commit()
    assert count(Transaction) == 1
    assert count(RecurringOccurrence) == 1


def test_a_skipped_occurrence_is_never_posted(home):
    item = make_recurring(home.ws, home.checking.id)
    assert services.skip_occurrence(home.ws, item, date(2026, 3, 1)).status == "skipped"
    db.session.commit()
    assert services.post_occurrence(home.ws, item, date(2026, 3, 1)) is None
    assert count(Transaction) == 0


def test_a_date_that_is_not_an_occurrence_is_refused(home):
    item = make_recurring(home.ws, home.checking.id, month_day=1)
    with pytest.raises(Invalid, match="not due on 2026-03-02"):
        services.post_occurrence(home.ws, item, date(2026, 3, 2))
    with pytest.raises(Invalid):
        services.skip_occurrence(home.ws, item, date(2025, 12, 1))  # before the start
    assert count(RecurringOccurrence) == 0


def test_a_transfer_posts_both_sides(home):
    item = make_recurring(home.ws, home.checking.id, name="Save", kind="transfer", to_account_id=home.savings.id,
                          amount="250")
    occurrence = services.post_occurrence(home.ws, item, date(2026, 1, 1))
    db.session.commit()
    amounts = sorted(db.session.scalars(sa.select(Transaction.amount)))
    assert amounts == [Decimal("-250"), Decimal("250")]
    assert db.session.get(Transaction, occurrence.transaction_id).account_id == home.checking.id


def test_a_failed_posting_rolls_back_with_its_claim(home):
    euro = make_account(home.ws, "Euro", currency="EUR")
    item = make_recurring(home.ws, home.checking.id, name="Save", kind="transfer", to_account_id=euro.id,
                          to_amount=Decimal("90"), amount="100")
    item.to_amount = None  # the data went bad after it was saved
    db.session.commit()
    with pytest.raises(Invalid):
        services.post_occurrence(home.ws, item, date(2026, 1, 1))
    db.session.rollback()
    assert count(RecurringOccurrence) == 0


@pytest.mark.parametrize(("fields", "field"), [
    ({"amount": Decimal("0")}, "amount"),
    ({"amount": Decimal("-5")}, "amount"),
    ({"amount": Decimal("1.001")}, "amount"),
    ({"amount": Decimal("NaN")}, "amount"),
    ({"account_id": 999_999}, "account_id"),
    ({"account_id": 2**70}, "account_id"),
    ({"kind": "transfer", "to_account_id": None}, "to_account_id"),
    ({"kind": "gift"}, "kind"),
    ({"direction": "sideways"}, "direction"),
    ({"category_id": 999_999}, "category_id"),
    ({"month_day": 40}, "month_day"),
    ({"count": 0}, "count"),
    ({"is_bill": True, "direction": "in"}, "direction"),
    ({"is_bill": True, "remind_days": 61}, "remind_days"),
    ({"is_bill": True, "tolerance_pct": 101}, "tolerance_pct"),
    ({"name": "  ", "payee": ""}, "name"),
])
def test_bad_input_is_refused_at_its_field_and_writes_nothing(home, fields, field):
    account_id = fields.pop("account_id", home.checking.id)
    with pytest.raises(Invalid) as err:
        make_recurring(home.ws, account_id, **fields)
    assert field in err.value.fields
    db.session.rollback()
    assert count(RecurringOccurrence) == 0


def test_another_workspaces_account_is_refused(home):
    from tests.factories import make_user, personal_workspace

    other = make_account(personal_workspace(make_user("mallory@example.com")), "Mallory's")
    with pytest.raises(Invalid) as err:
        make_recurring(home.ws, other.id)
    assert "account_id" in err.value.fields


def test_editing_the_schedule_applies_from_today(home):
    item = make_recurring(home.ws, home.checking.id, month_day=1, auto_post=True)
    data = services.RecurringInput(name="Rent", account_id=home.checking.id, amount=Decimal("1000"),
                                   start_date=date(2026, 1, 1), month_day=15, auto_post=True)
    services.update_recurring(home.ws, item, data, today=date(2026, 3, 20))
    db.session.commit()
    assert item.effective_from == date(2026, 3, 20)
    assert services.due_occurrences(home.ws, date(2026, 4, 20)) == [(item.id, date(2026, 4, 15))]


def test_editing_only_the_amount_keeps_the_history_start(home):
    item = make_recurring(home.ws, home.checking.id)
    data = services.RecurringInput(name="Rent", account_id=home.checking.id, amount=Decimal("1100"),
                                   start_date=date(2026, 1, 1))
    services.update_recurring(home.ws, item, data, today=date(2026, 3, 20))
    assert item.effective_from == date(2026, 1, 1)


def test_due_occurrences_catch_up_and_leave_out_handled_paused_and_confirm_items(home):
    auto = make_recurring(home.ws, home.checking.id, name="Salary", direction="in", auto_post=True, month_day=25)
    make_recurring(home.ws, home.checking.id, name="Rent", month_day=1)  # waits for confirmation
    paused = make_recurring(home.ws, home.checking.id, name="Gym", auto_post=True, month_day=3)
    services.set_paused(paused, True)
    services.skip_occurrence(home.ws, auto, date(2026, 2, 25))
    db.session.commit()
    assert services.due_occurrences(home.ws, date(2026, 4, 1)) == [
        (auto.id, date(2026, 1, 25)), (auto.id, date(2026, 3, 25))]


def _txn(home, amount: str, on: date, payee: str = "City Power & Light", memo: str = "", account=None):
    return make_transaction(account or home.checking, amount, on=on, payee=payee, memo=memo).id


def test_match_bills_marks_the_nearest_due_date_paid(home):
    bill = make_recurring(home.ws, home.checking.id, name="Electricity", amount="95", month_day=12, is_bill=True,
                          payee="City Power", tolerance_pct=10)
    txn_id = _txn(home, "-99.50", date(2026, 3, 10))
    assert services.match_bills(home.ws, [txn_id]) == 1
    db.session.commit()
    occurrence = db.session.scalar(sa.select(RecurringOccurrence))
    assert (occurrence.recurring_id, occurrence.occurrence_date, occurrence.status, occurrence.transaction_id) == (
        bill.id, date(2026, 3, 12), "paid", txn_id)
    # Matching again (a re-import, a second call) changes nothing.
    assert services.match_bills(home.ws, [txn_id]) == 0


@pytest.mark.parametrize(("amount", "on", "payee", "account"), [
    ("-120.00", date(2026, 3, 12), "City Power & Light", "checking"),  # beyond the 10 % tolerance
    ("95.00", date(2026, 3, 12), "City Power & Light", "checking"),  # money in, not a payment
    ("-95.00", date(2026, 3, 25), "City Power & Light", "checking"),  # 13 days from any due date
    ("-95.00", date(2026, 3, 12), "Metro Gas Co.", "checking"),  # another payee
    ("-95.00", date(2026, 3, 12), "City Power & Light", "savings"),  # another account
])
def test_match_bills_ignores_payments_that_do_not_fit(home, amount, on, payee, account):
    make_recurring(home.ws, home.checking.id, name="Electricity", amount="95", month_day=12, is_bill=True,
                   payee="city power", tolerance_pct=10)
    assert services.match_bills(home.ws, [_txn(home, amount, on, payee, account=getattr(home, account))]) == 0


def test_match_bills_without_tolerance_needs_the_exact_amount(home):
    make_recurring(home.ws, home.checking.id, name="Internet", amount="79.99", month_day=18, is_bill=True,
                   payee="Xfinity")
    assert services.match_bills(home.ws, [_txn(home, "-80.00", date(2026, 3, 18), "Xfinity")]) == 0
    assert services.match_bills(home.ws, [_txn(home, "-79.99", date(2026, 3, 17), "XFINITY Comcast")]) == 1


def test_match_bills_finds_the_payee_in_the_memo_of_an_imported_row(home):
    make_recurring(home.ws, home.checking.id, name="Internet", amount="79.99", month_day=18, is_bill=True,
                   payee="Xfinity")
    txn = _txn(home, "-79.99", date(2026, 3, 20), payee="", memo="DIRECT DEBIT XFINITY 123")
    assert services.match_bills(home.ws, [txn]) == 1


def test_one_payment_pays_one_bill_and_two_payments_pay_two_months(home):
    make_recurring(home.ws, home.checking.id, name="Phone", amount="30", frequency="weekly", is_bill=True)
    first = _txn(home, "-30", date(2026, 1, 8), "Phone co")
    second = _txn(home, "-30", date(2026, 1, 9), "Phone co")
    assert services.match_bills(home.ws, [first, second]) == 2
    dates = sorted(db.session.scalars(sa.select(RecurringOccurrence.occurrence_date)))
    assert dates == [date(2026, 1, 8), date(2026, 1, 15)]


def test_match_bills_never_matches_a_transaction_we_posted_or_another_workspaces(home):
    from tests.factories import make_user, personal_workspace

    bill = make_recurring(home.ws, home.checking.id, name="Electricity", amount="95", month_day=12, is_bill=True)
    posted = services.post_occurrence(home.ws, bill, date(2026, 1, 12))
    db.session.commit()
    assert services.match_bills(home.ws, [posted.transaction_id]) == 0
    other_ws = personal_workspace(make_user("mallory@example.com"))
    foreign = make_transaction(make_account(other_ws, "M"), "-95", on=date(2026, 2, 12)).id
    assert services.match_bills(home.ws, [foreign, 2**70, -1]) == 0


def test_bill_reminders_come_once_per_bill_and_due_date(home):
    make_recurring(home.ws, home.checking.id, name="Electricity", amount="95", month_day=12, is_bill=True,
                   remind_days=3)
    assert services.remind_bills(home.ws, date(2026, 3, 8)) == 0  # four days ahead: not yet
    assert services.remind_bills(home.ws, date(2026, 3, 9)) == 1
    db.session.commit()
    assert services.remind_bills(home.ws, date(2026, 3, 10)) == 0  # already reminded of the 12th
    note = db.session.scalar(sa.select(Notification))
    assert (note.kind, note.title, note.user_id) == ("bill_due", "Electricity is due on 2026-03-12", home.user.id)


def test_a_paid_bill_is_not_reminded(home):
    bill = make_recurring(home.ws, home.checking.id, name="Electricity", amount="95", month_day=12, is_bill=True)
    services.claim_occurrence(home.ws, bill, date(2026, 3, 12), "paid")
    db.session.commit()
    assert services.remind_bills(home.ws, date(2026, 3, 11)) == 0


def test_upcoming_lists_the_next_days_with_totals_per_currency(home):
    euro = make_account(home.ws, "Euro", currency="EUR")
    start = date(2026, 3, 20)
    make_recurring(home.ws, home.checking.id, name="Salary", direction="in", amount="3000", month_day=25,
                   auto_post=True, start=start)
    make_recurring(home.ws, home.checking.id, name="Rent", amount="1200.50", month_day=1, start=start)
    make_recurring(home.ws, home.checking.id, name="Save", kind="transfer", to_account_id=home.savings.id,
                   amount="100", month_day=2, start=start)
    make_recurring(home.ws, euro.id, name="Streaming", amount="9.99", frequency="weekly", weekdays=(0,), start=start)
    gym = make_recurring(home.ws, home.checking.id, name="Gym", amount="40", month_day=5, start=start)
    services.set_paused(gym, True)
    db.session.commit()
    result = services.upcoming(home.ws, 30, today=date(2026, 3, 20))
    names = [(o.on.isoformat(), o.item.name) for o in result.occurrences]
    assert names == [
        ("2026-03-23", "Streaming"), ("2026-03-25", "Salary"), ("2026-03-30", "Streaming"),
        ("2026-04-01", "Rent"), ("2026-04-02", "Save"), ("2026-04-06", "Streaming"), ("2026-04-13", "Streaming")]
    totals = {t.currency: (t.incoming, t.outgoing, t.net) for t in result.totals}
    assert totals == {"EUR": (Decimal(0), Decimal("39.96"), Decimal("-39.96")),
                      "USD": (Decimal("3000"), Decimal("1200.50"), Decimal("1799.50"))}


def test_upcoming_keeps_unconfirmed_past_occurrences_as_overdue_and_drops_handled_ones(home):
    rent = make_recurring(home.ws, home.checking.id, name="Rent", amount="1000", month_day=1)
    make_recurring(home.ws, home.checking.id, name="Salary", direction="in", amount="3000", month_day=1,
                   auto_post=True)
    services.post_occurrence(home.ws, rent, date(2026, 2, 1))
    db.session.commit()
    result = services.upcoming(home.ws, 14, today=date(2026, 3, 20))
    assert [(o.on.isoformat(), o.item.name, o.overdue) for o in result.occurrences] == [
        # January is beyond the OVERDUE_DAYS window, February was posted, the auto-posting
        # Salary's past dates are the job's to post.
        ("2026-03-01", "Rent", True), ("2026-04-01", "Rent", False), ("2026-04-01", "Salary", False)]
    assert result.bills == []


def test_seed_demo_recurring_adds_four_items_once(home):
    make_account(home.ws, "Everyday Checking")
    today = date.today()
    assert seed_demo_recurring(home.ws, today=today) == 4
    db.session.commit()
    assert seed_demo_recurring(home.ws, today=today) == 0
    page = services.item_page(home.ws)
    assert sorted(i.name for i in page.rows) == ["Electricity", "Internet", "Rent", "Salary"]
    assert {i.account.name for i in page.rows} == {"Everyday Checking"}
    assert [i.name for i in page.rows if i.is_bill] == ["Electricity", "Internet"]
    assert [i.name for i in page.rows if i.auto_post] == ["Salary"]
    assert services.due_occurrences(home.ws, today) == []  # nothing in the past gets posted
    assert len(services.upcoming(home.ws, 31, today=today).occurrences) >= 4
    assert services.upcoming(home.ws, 31, today=today).last == today + timedelta(days=31)
