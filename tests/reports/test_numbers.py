"""Each report's numbers equal an independent SQL computation on a generated dataset with splits,
transfers and a second currency (EUR) converted with monthly rates."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from financeapp.extensions import db
from tests.reports.conftest import line_flows, money, month_end, month_sql, text, to_base


def category_names(ws_id: int) -> dict:
    """{id: (name, group name)} by hand-written SQL."""
    return {cid: (name, group or "") for cid, name, group in db.session.execute(sa.text(
        "SELECT c.id, c.name, p.name FROM categories c LEFT JOIN categories p ON p.id = c.parent_id "
        "WHERE c.workspace_id = :ws"), {"ws": ws_id})}


RANGE = "preset=custom&start=2026-01-01&end=2026-10-31"
MONTHS = [f"2026-{m:02d}" for m in range(1, 11)]


def series(client, slug: str, query: str = RANGE) -> dict:
    response = client.get(f"/api/v1/reports/{slug}?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["data"]


def test_monthly_summary_matches_sql_per_month(client, signed_in):
    expected = line_flows(signed_in.ws, date(2026, 1, 1), date(2026, 10, 31))
    data = series(client, "monthly")
    income, spending = data["datasets"][0]["data"], data["datasets"][1]["data"]
    assert income == [text(expected[m][0]) for m in MONTHS]
    assert spending == [text(expected[m][1]) for m in MONTHS]
    assert data["warnings"] == []
    total_in = sum(expected[m][0] for m in MONTHS)
    total_out = sum(expected[m][1] for m in MONTHS)
    assert data["table"]["totals"][1:4] == [text(total_in), text(total_out), text(total_in - total_out)]


def test_the_dataset_really_has_euros_splits_and_transfers(client, signed_in):
    counts = db.session.execute(sa.text("""
        SELECT (SELECT COUNT(*) FROM transactions t JOIN accounts a ON a.id = t.account_id
                WHERE t.workspace_id = :ws AND a.currency = 'EUR' AND t.transfer_key IS NULL),
               (SELECT COUNT(*) FROM transactions WHERE workspace_id = :ws AND transfer_key IS NOT NULL),
               (SELECT COUNT(*) FROM (SELECT transaction_id FROM transaction_lines WHERE workspace_id = :ws
                GROUP BY transaction_id HAVING COUNT(*) > 1) s)
    """), {"ws": signed_in.ws.id}).one()
    assert all(n > 10 for n in counts)


def test_categories_report_matches_sql_for_the_range_and_the_previous_period(client, signed_in):
    ws = signed_in.ws
    key = "l.category_id"
    current = line_flows(ws, date(2026, 1, 1), date(2026, 10, 31), key)
    # 304 days, so the previous period is the 304 days before 2026-01-01.
    previous = line_flows(ws, date(2025, 3, 3), date(2025, 12, 31), key)

    def per_category(flows: dict) -> dict:
        totals: dict = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for (_month, category), (money_in, money_out) in flows.items():
            totals[category][0] += money_in
            totals[category][1] += money_out
        return totals

    cur, prev = per_category(current), per_category(previous)
    names = category_names(ws.id)
    data = series(client, "categories")
    rows = {(row[0], row[1]): row for row in data["table"]["rows"]}
    for category, (money_in, money_out) in cur.items():
        if not money_in and not money_out:
            continue
        row = rows[names.get(category, ("Uncategorised", ""))]
        assert row[2] == text(money_out)
        assert row[3] == text(prev[category][1])
        assert row[5] == text(money_in)
    assert data["table"]["totals"][2] == text(sum(v[1] for v in cur.values()))
    # The doughnut: the eight largest and "Other" add up to all spending.
    assert len(data["labels"]) <= 9
    assert sum(Decimal(v) for v in data["datasets"][0]["data"]) == sum(v[1] for v in cur.values())


def test_a_split_counts_in_each_of_its_categories(client, signed_in):
    data = series(client, "categories", f"preset=custom&start=2026-10-20&end=2026-10-20&label={signed_in.label_id}")
    rows = {row[0]: row[2] for row in data["table"]["rows"]}
    assert rows == {"Groceries": "100.25", "Cinema": "49.75"}


def test_trends_match_sql_per_category_and_month(client, signed_in):
    ws = signed_in.ws
    flows = line_flows(ws, date(2026, 1, 1), date(2026, 10, 31), "l.category_id")
    names = category_names(ws.id)
    data = series(client, "trends")
    rows = {(row[0], row[1]): row for row in data["table"]["rows"]}
    checked = 0
    for (month, category), (_in, money_out) in flows.items():
        if money_out:
            row = rows[names.get(category, ("Uncategorised", ""))]
            assert row[2 + MONTHS.index(month)] == text(money_out)
            checked += 1
    assert checked > 50
    assert len(data["datasets"]) == 8 and all(len(d["data"]) == 10 for d in data["datasets"])


def months_with_entries(ws_id: int, start: date, end: date) -> set[str]:
    """Months holding an entry that is not a transfer, by hand-written SQL."""
    return {month for month, in db.session.execute(sa.text(
        f"SELECT DISTINCT {month_sql()} FROM transactions t WHERE t.workspace_id = :ws "
        "AND t.transfer_key IS NULL AND t.date >= :s AND t.date <= :e"), {"ws": ws_id, "s": start, "e": end})}


def test_year_over_year_compares_the_months_up_to_the_ranges_end_with_the_year_before(client, signed_in):
    data = series(client, "year-over-year", "preset=custom&start=2026-03-01&end=2026-10-31")
    this = line_flows(signed_in.ws, date(2026, 1, 1), date(2026, 10, 31))
    last = line_flows(signed_in.ws, date(2025, 1, 1), date(2025, 10, 31))
    both = months_with_entries(signed_in.ws.id, date(2025, 1, 1), date(2026, 10, 31))
    compared = [m for m in range(1, 11) if f"2026-{m:02d}" in both and f"2025-{m:02d}" in both]
    assert len(compared) >= 8
    assert data["datasets"][0]["data"] == [text(last[f"2025-{m:02d}"][1]) for m in compared]
    assert data["datasets"][1]["data"] == [text(this[f"2026-{m:02d}"][1]) for m in compared]
    assert data["labels"] == [["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct"][m - 1]
                              for m in compared]


def test_net_worth_matches_balances_at_each_month_end(client, signed_in):
    ws = signed_in.ws
    data = series(client, "net-worth")
    expected = []
    for month in MONTHS:
        end = month_end(month)
        rows = db.session.execute(sa.text("""
            SELECT a.currency, a.type, a.opening_balance, a.opening_date,
                   (SELECT COALESCE(SUM(t.amount), 0) FROM transactions t
                    WHERE t.account_id = a.id AND t.date <= :d) AS moved
            FROM accounts a WHERE a.workspace_id = :ws AND a.include_in_net_worth = :yes
        """), {"ws": ws.id, "d": end, "yes": True}).all()
        assets = liabilities = Decimal(0)
        for currency, type_, opening, opening_date, moved in rows:
            opening_date = opening_date if isinstance(opening_date, date) else date.fromisoformat(opening_date)
            balance = money(moved) + (money(opening) if opening_date <= end else 0)
            value = to_base(ws, balance, currency, month)
            if type_ in ("credit_card", "loan", "other_liability") or value < 0:
                liabilities += value
            else:
                assets += value
        expected.append((assets, liabilities))
    assert data["datasets"][0]["data"] == [text(a + b) for a, b in expected]
    assert [row[1:] for row in data["table"]["rows"]] == [[text(a), text(b), text(a + b)] for a, b in expected]


def test_top_payees_match_sql(client, signed_in):
    ws = signed_in.ws
    rows = db.session.execute(sa.text(f"""
        SELECT p.name, a.currency, {month_sql()}, COUNT(*), SUM(CASE WHEN t.amount < 0 THEN -t.amount ELSE 0 END)
        FROM transactions t JOIN accounts a ON a.id = t.account_id LEFT JOIN payees p ON p.id = t.payee_id
        WHERE t.workspace_id = :ws AND t.transfer_key IS NULL AND t.date BETWEEN :s AND :e
        GROUP BY p.name, a.currency, {month_sql()}
    """), {"ws": ws.id, "s": date(2026, 1, 1), "e": date(2026, 10, 31)}).all()
    spent: dict = defaultdict(Decimal)
    counts: dict = defaultdict(int)
    for name, currency, month, count, out in rows:
        spent[name or "No payee"] += to_base(ws, money(out), currency, month)
        counts[name or "No payee"] += count
    top = sorted((n for n in spent if spent[n] > 0), key=lambda n: (-spent[n], n))[:20]
    data = series(client, "payees")
    assert [row[0] for row in data["table"]["rows"]] == top
    assert [row[2] for row in data["table"]["rows"]] == [text(spent[n]) for n in top]
    assert [row[1] for row in data["table"]["rows"]] == [counts[n] for n in top]


def test_cash_flow_per_account_matches_sql_in_the_account_currency(client, signed_in):
    ws = signed_in.ws
    rows = db.session.execute(sa.text("""
        SELECT a.name,
               SUM(CASE WHEN t.transfer_key IS NULL AND t.amount > 0 THEN t.amount ELSE 0 END),
               SUM(CASE WHEN t.transfer_key IS NULL AND t.amount < 0 THEN -t.amount ELSE 0 END),
               SUM(CASE WHEN t.transfer_key IS NOT NULL AND t.amount > 0 THEN t.amount ELSE 0 END),
               SUM(CASE WHEN t.transfer_key IS NOT NULL AND t.amount < 0 THEN -t.amount ELSE 0 END)
        FROM transactions t JOIN accounts a ON a.id = t.account_id
        WHERE t.workspace_id = :ws AND t.date BETWEEN :s AND :e GROUP BY a.name
    """), {"ws": ws.id, "s": date(2026, 1, 1), "e": date(2026, 10, 31)}).all()
    data = series(client, "cash-flow")
    table = {row[0]: row for row in data["table"]["rows"]}
    for name, income, spending, t_in, t_out in rows:
        assert table[name][1:6] == [text(money(income)), text(money(spending)), text(money(t_in)), text(money(t_out)),
                                    text(money(income) - money(spending) + money(t_in) - money(t_out))]


def test_transfers_are_neither_income_nor_spending(client, signed_in):
    data = series(client, "monthly", "preset=custom&start=2026-10-05&end=2026-10-05&account="
                  f"{signed_in.checking_id}")
    transfers_only = db.session.execute(sa.text(
        "SELECT COUNT(*) FROM transactions WHERE account_id = :a AND date = :d AND transfer_key IS NULL"),
        {"a": signed_in.checking_id, "d": date(2026, 10, 5)}).scalar()
    if not transfers_only:
        assert data["datasets"][0]["data"] == ["0.00"] and data["datasets"][1]["data"] == ["0.00"]
    flows = series(client, "cash-flow", f"preset=custom&start=2026-10-05&end=2026-10-05&account={signed_in.euro_id}")
    euro_row = next(row for row in flows["table"]["rows"] if row[0] and row[3] != "0.00")
    assert Decimal(euro_row[3]) >= Decimal("431.20")


def test_budget_against_actual_matches_sql_per_budgeted_category(client, signed_in):
    """Budgets on the generated dataset (euros, splits, transfers): spent is the net of each month's lines."""
    from financeapp.budgets.services import LineInput, set_line

    ws = signed_in.ws
    busiest = [category for category, in db.session.execute(sa.text(
        "SELECT l.category_id FROM transaction_lines l JOIN transactions t ON t.id = l.transaction_id "
        "WHERE t.workspace_id = :ws AND t.transfer_key IS NULL AND l.category_id IS NOT NULL AND l.amount < 0 "
        "GROUP BY l.category_id ORDER BY COUNT(*) DESC, l.category_id LIMIT 3"), {"ws": ws.id})]
    for category_id in busiest:
        for month in MONTHS:
            set_line(ws, LineInput(category_id=category_id, month=date.fromisoformat(f"{month}-01"),
                                   amount=Decimal("250.00")))
    db.session.commit()
    spent: dict = defaultdict(Decimal)
    for currency, month, category_id, net in db.session.execute(sa.text(f"""
        SELECT a.currency, {month_sql()}, l.category_id, SUM(l.amount)
        FROM transaction_lines l JOIN transactions t ON t.id = l.transaction_id JOIN accounts a ON a.id = t.account_id
        WHERE t.workspace_id = :ws AND t.transfer_key IS NULL AND t.date >= :s AND t.date <= :e
        GROUP BY a.currency, {month_sql()}, l.category_id
    """), {"ws": ws.id, "s": date(2026, 1, 1), "e": date(2026, 10, 31)}):
        if category_id in busiest:
            spent[category_id] -= to_base(ws, money(net), currency, month)
    assert len(busiest) == 3 and all(spent[category_id] > 0 for category_id in busiest)
    names = category_names(ws.id)
    data = series(client, "budget")
    rows = {row[0]: row for row in data["table"]["rows"]}
    for category_id in busiest:
        name, group = names[category_id]
        row = rows[f"{group}: {name}" if group else name]
        assert row[1] == text(Decimal(250 * len(MONTHS)))
        assert row[2] == text(spent[category_id])
    assert data["warnings"] == []


def test_every_report_totals_the_same_spending_and_income_to_the_cent_with_euros(client, signed_in):
    """Foreign amounts are converted per account, month and category in every report, so no rounding differs."""
    categories, monthly = series(client, "categories"), series(client, "monthly")
    cash_flow, budget = series(client, "cash-flow"), series(client, "budget")
    spent = categories["table"]["totals"][2]
    assert monthly["table"]["totals"][2] == budget["table"]["totals"][2] == spent
    assert text(sum((Decimal(v) for v in cash_flow["datasets"][1]["data"]), Decimal(0))) == spent
    assert categories["table"]["totals"][5] == monthly["table"]["totals"][1]
    assert text(sum((Decimal(v) for v in cash_flow["datasets"][0]["data"]), Decimal(0))) == monthly["table"][
        "totals"][1]
