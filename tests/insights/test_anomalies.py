"""The unusual-transaction finder and its service: reasons, exceptions, incremental scoring, scoping."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest
import sqlalchemy as sa

from financeapp.extensions import db
from financeapp.insights import anomalies, services
from financeapp.insights.models import UnusualException, UnusualTransaction
from financeapp.notifications.models import Notification
from financeapp.transactions.models import Transaction
from tests.factories import make_account, make_category, make_transaction, make_user, personal_workspace
from tests.insights.helpers import coffee_history


@pytest.fixture
def ws(ctx):
    return personal_workspace(make_user("una@example.com", name="Una"))


@pytest.fixture
def ledger(ws):
    account = make_account(ws, "Checking")
    coffee = make_category(ws, "Coffee")
    coffee_history(account, coffee)
    return account, coffee


def _rows(**columns) -> anomalies.Rows:
    n = len(columns["amount"])
    base = {"txn": np.arange(1, n + 1), "on": np.full(n, 800_000), "account": np.ones(n, dtype=np.int64),
            "payee": np.full(n, -1), "category": np.ones(n, dtype=np.int64), "currency": np.zeros(n, dtype=np.int64)}
    base.update({k: np.asarray(v, dtype=np.int64) for k, v in columns.items()})
    base.setdefault("line", base["amount"])
    return anomalies.Rows(**base, currencies=["USD"])


def test_a_purchase_far_above_its_categorys_median_is_flagged_with_the_multiple():
    amounts = [5000 + 37 * (i % 11) for i in range(40)] + [61_500]
    found = anomalies.find(_rows(amount=amounts, on=800_000 + np.arange(41)),
                           anomalies.SENSITIVITIES["normal"], history_start=800_000)
    assert [f.transaction_id for f in found] == [41]
    assert found[0].kind == "size" and found[0].basis == "category"
    assert found[0].ratio == pytest.approx(61_500 / found[0].median)
    assert found[0].score > 3.5


def test_the_median_and_mad_ignore_the_outlier_they_look_for():
    """A mean and standard deviation would be dragged up by ten huge purchases; the median is not."""
    amounts = [5000 + 37 * (i % 11) for i in range(60)] + [200_000] * 10
    found = anomalies.find(_rows(amount=amounts, on=800_000 + np.arange(70)),
                           anomalies.SENSITIVITIES["normal"], history_start=800_000)
    assert sorted(f.transaction_id for f in found) == list(range(61, 71))


def test_small_purchases_and_small_groups_are_not_flagged():
    level = anomalies.SENSITIVITIES["normal"]
    cheap = [1000 + 10 * (i % 5) for i in range(40)] + [9_000]  # 9x, but $9 is not worth an alert
    assert anomalies.find(_rows(amount=cheap), level, history_start=0) == []
    few = [5000, 5100, 5200, 90_000]  # four purchases say nothing about a category
    assert anomalies.find(_rows(amount=few), level, history_start=0) == []


def test_a_constant_subscription_with_a_price_rise_is_not_unusual():
    amounts = [15_490] * 30 + [17_990] * 20
    assert anomalies.find(_rows(amount=amounts), anomalies.SENSITIVITIES["normal"], history_start=0) == []


def test_a_payee_with_history_is_its_own_yardstick():
    """An expensive shop in a cheap category is normal for itself."""
    n = 60
    payee = np.where(np.arange(n) < 40, 7, 8)
    amounts = np.where(payee == 7, 5000 + 37 * (np.arange(n) % 11), 60_000 + 500 * (np.arange(n) % 7))
    found = anomalies.find(_rows(amount=amounts, payee=payee, on=800_000 + np.arange(n)),
                           anomalies.SENSITIVITIES["normal"], history_start=800_000)
    assert found == []


def test_reasons_in_words(ws, ledger):
    account, coffee = ledger
    big = make_transaction(account, "-61.50", on=date(2026, 2, 10), category=coffee, payee="Bean There")
    roofer = make_transaction(account, "-2400.00", on=date(2026, 6, 1), category=make_category(ws, "Repairs"),
                              payee="Summit Roofing")
    twice = [make_transaction(account, "-58.20", on=date(2026, 2, 11), category=coffee, payee="Bean There")
             for _ in range(2)]
    reasons = {f.transaction_id: text for f, text in _found_with_reasons(ws)}
    assert reasons[big.id] == "11.7× your median payment to Bean There of $5.25"  # 40 payments, median 5.25
    assert reasons[roofer.id] == "first payment to this payee above $500.00"
    assert reasons[twice[1].id] == ("a second charge of the same amount on the same day; "
                                    "11.1× your median payment to Bean There of $5.25")
    assert reasons[twice[0].id] == "11.1× your median payment to Bean There of $5.25"  # the first is no duplicate


def _found_with_reasons(ws):
    level = services.sensitivity()
    found = services.find_unusual(ws, level)
    words = services.reasons(ws, found, level)
    return [(f, words[f.transaction_id]) for f in found]


def test_category_reason_names_the_category(ws):
    account = make_account(ws, "Checking")
    coffee = make_category(ws, "Coffee")
    for i in range(12):  # twelve cafés, none with enough history of its own
        make_transaction(account, "-5.50" if i % 2 else "-5.20", on=date(2026, 1, 1) + timedelta(days=i),
                         category=coffee, payee=f"Café {i}")
    big = make_transaction(account, "-67.65", on=date(2026, 1, 20), category=coffee, payee="Café 3")
    [(finding, reason)] = _found_with_reasons(ws)
    assert finding.transaction_id == big.id
    assert reason == "12.3× your median Coffee purchase of $5.50"


def test_rescan_stores_flags_and_drops_those_no_longer_raised(ws, ledger):
    account, coffee = ledger
    big = make_transaction(account, "-61.50", on=date(2026, 2, 10), category=coffee, payee="Bean There")
    result = services.rescan(ws)
    db.session.commit()
    assert (result.flagged, result.added, result.removed) == (1, 1, 0)
    [flag] = db.session.scalars(sa.select(UnusualTransaction)).all()
    assert flag.transaction_id == big.id and flag.status == "open" and flag.score > Decimal("3.5")
    big.amount = Decimal("-5.40")
    big.lines[0].amount = Decimal("-5.40")
    db.session.commit()
    assert services.rescan(ws).removed == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UnusualTransaction)) == 0


def test_this_is_normal_teaches_a_payee_exception(ws, ledger):
    account, coffee = ledger
    make_transaction(account, "-61.50", on=date(2026, 2, 10), category=coffee, payee="Bean There")
    services.rescan(ws)
    [flag] = services.unusual_list(ws)
    assert services.mark_normal(ws, services.get_flag(ws, flag.flag_id), None) == 1
    db.session.commit()
    rule = db.session.scalars(sa.select(UnusualException)).one()
    assert (rule.low, rule.high, rule.currency) == (Decimal("61.50"), Decimal("61.50"), "USD")
    assert services.unusual_list(ws) == []
    # A later one within the learnt range (plus its margin) is normal; one well above it is not.
    within = make_transaction(account, "-64.00", on=date(2026, 2, 12), category=coffee, payee="Bean There")
    above = make_transaction(account, "-95.00", on=date(2026, 2, 13), category=coffee, payee="Bean There")
    new = services.score_new(ws, [within.id, above.id])
    db.session.commit()
    assert [f.transaction_id for f in new] == [above.id]
    services.rescan(ws)  # a full rescan agrees, and keeps the flag marked normal as it is
    db.session.commit()
    statuses = dict(db.session.execute(sa.select(UnusualTransaction.transaction_id, UnusualTransaction.status)).all())
    assert statuses == {flag.transaction_id: "normal", above.id: "open"}


def test_marking_one_normal_closes_the_payees_other_flags_within_the_range(ws, ledger):
    account, coffee = ledger
    first = make_transaction(account, "-70.00", on=date(2026, 2, 10), category=coffee, payee="Bean There")
    second = make_transaction(account, "-66.00", on=date(2026, 2, 14), category=coffee, payee="Bean There")
    services.rescan(ws)
    flags = {i.transaction_id: i.flag_id for i in services.unusual_list(ws)}
    assert set(flags) == {first.id, second.id}
    assert services.mark_normal(ws, services.get_flag(ws, flags[first.id]), None) == 2
    assert services.unusual_list(ws) == []


def test_a_new_entry_is_scored_on_its_own_as_a_full_scan_would(ws, ledger):
    account, coffee = ledger
    groceries = make_category(ws, "Groceries")
    for i in range(20):
        make_transaction(account, f"-{60 + i}.00", on=date(2026, 1, 1) + timedelta(days=i), category=groceries,
                         payee=f"Market {i % 3}")
    big = make_transaction(account, "-61.50", on=date(2026, 2, 10), category=coffee, payee="Bean There")
    [flag] = services.score_new(ws, [big.id])
    full = {f.transaction_id: f for f in services.find_unusual(ws)}
    assert flag.transaction_id == big.id and flag.score == services._score(full[big.id].score)
    assert services.score_new(ws, [big.id]) == []  # already flagged: not twice


def test_incremental_scoring_alerts_the_members(ws, ledger):
    account, coffee = ledger
    big = make_transaction(account, "-61.50", on=date(2026, 2, 10), category=coffee, payee="Bean There")
    services.score_new(ws, [big.id])
    db.session.commit()
    [note] = db.session.scalars(sa.select(Notification)).all()
    assert note.kind == "unusual_transaction" and note.dedupe_key == f"unusual:{big.id}"
    assert "$61.50" in note.title and "median payment to Bean There" in note.body


def test_another_workspaces_flags_and_exceptions_are_never_seen(ws, ledger):
    account, coffee = ledger
    make_transaction(account, "-61.50", on=date(2026, 2, 10), category=coffee, payee="Bean There")
    services.rescan(ws)
    [flag] = services.unusual_list(ws)
    services.mark_normal(ws, services.get_flag(ws, flag.flag_id), None)
    other = personal_workspace(make_user("otto@example.com", name="Otto"))
    assert services.unusual_list(other) == [] and services.exceptions_of(other) == {}
    assert services.unusual_page(other).total == 0
    with pytest.raises(Exception) as err:
        services.get_flag(other, flag.flag_id)
    assert getattr(err.value, "status", None) == 404
    # Otto's own scan sees none of Una's transactions.
    assert services.load_rows(other).txn.size == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transaction)) > 0


def test_transfers_and_income_are_never_scored(ws, ledger):
    account, coffee = ledger
    salary = make_transaction(account, "9000.00", on=date(2026, 2, 10), category=coffee, payee="Bean There")
    rows = services.load_rows(ws)
    assert salary.id not in set(rows.txn.tolist())



def test_the_generator_records_the_outliers_it_injects_and_the_finder_finds_them(ws):
    from financeapp.demo.generator import generate_history

    stats = generate_history(ws.id, 4_000, seed=11, end=date(2026, 11, 30), outliers=True)
    db.session.commit()
    injected = {item["id"]: item for item in stats["injected"]}
    assert len(injected) == 6 and {i["kind"] for i in injected.values()} == {"size", "new_payee", "duplicate"}
    amounts = dict(db.session.execute(sa.select(Transaction.id, Transaction.amount)
                                      .where(Transaction.id.in_(list(injected)))).all())
    assert {i: str(a) for i, a in amounts.items()} == {i: str(Decimal(item["amount"]).quantize(Decimal("0.001")))
                                                      for i, item in injected.items()}
    found = {f.transaction_id for f in services.find_unusual(ws)}
    assert len(found & set(injected)) >= 5


def test_the_generator_injects_nothing_by_default(ws):
    from financeapp.demo.generator import generate_history

    assert "injected" not in generate_history(ws.id, 500, seed=11, end=date(2026, 11, 30))


def test_a_new_entry_reads_only_each_groups_recent_window(ws, ledger, monkeypatch):
    """With a window of 12 the yardstick is the last 12 coffees, on both paths: the same score."""
    account, coffee = ledger
    monkeypatch.setattr(anomalies, "HISTORY_WINDOW", 12)
    big = make_transaction(account, "-61.50", on=date(2026, 2, 10), category=coffee, payee="Bean There")
    rows = services.load_rows(ws, categories={coffee.id}, payees={big.payee_id}, dates={big.on})
    assert len(rows) == 12  # the category's and the payee's last twelve lines are the same twelve
    [flag] = services.score_new(ws, [big.id])
    full = {f.transaction_id: f for f in services.find_unusual(ws)}
    assert flag.score == services._score(full[big.id].score)
