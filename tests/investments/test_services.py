"""Investment services: trades signed and checked, short sales refused, prices upserted, holdings read."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from financeapp.core.errors import Conflict, Invalid, NotFound
from financeapp.extensions import db
from financeapp.investments import services
from financeapp.investments.models import Trade
from tests.factories import make_account, make_transaction
from tests.investments.conftest import buy, cash, price, sell

D = Decimal


def test_a_buy_takes_price_times_quantity_plus_fees_from_cash(books):
    trade = buy(books.ws, books.broker, books.acme, "10", "100", date(2026, 2, 2), fees="10")
    assert trade.amount == D("-1010")
    assert trade.currency == "USD"
    result = services.portfolio(books.ws, as_of=date(2026, 2, 3))
    [holding] = result.holdings
    assert holding.quantity == 10 and holding.cost == D("1010")
    assert result.cash == {"USD": D("-1010")}


def test_the_accounts_ledger_balance_is_cash_beside_the_trades_cash(books):
    """Money moved in by a ledger transfer (or the opening balance) is the account's cash, which buys spend."""
    books.broker.opening_balance = D("2000")
    make_transaction(books.broker, "500.00", on=date(2026, 2, 1), memo="Transfer in")
    buy(books.ws, books.broker, books.acme, "10", "100", date(2026, 2, 2), fees="10")
    result = services.portfolio(books.ws, as_of=date(2026, 2, 3))
    assert result.cash == {"USD": D("1490")}  # 2,000 + 500 - 1,010
    assert services.portfolio(books.ws, as_of=date(2026, 1, 31)).cash == {"USD": D("2000")}


def test_a_sale_of_more_than_is_held_is_refused_with_the_holding_and_date(books):
    buy(books.ws, books.broker, books.acme, "5", "100", date(2026, 2, 2))
    with pytest.raises(services.ShortSaleRefused) as err:
        sell(books.ws, books.broker, books.acme, "6", "110", date(2026, 2, 3))
    assert "You hold only 5 shares of ACME on 2026-02-03" in err.value.message
    db.session.rollback()
    assert db.session.query(Trade).filter_by(workspace_id=books.ws.id, kind="sell").count() == 0


def test_a_back_dated_sale_before_the_buy_is_refused(books):
    buy(books.ws, books.broker, books.acme, "5", "100", date(2026, 2, 2))
    with pytest.raises(services.ShortSaleRefused, match="You hold only 0 shares of ACME on 2026-01-15"):
        sell(books.ws, books.broker, books.acme, "1", "110", date(2026, 1, 15))


def test_deleting_a_buy_that_a_later_sale_needs_is_refused(books):
    first = buy(books.ws, books.broker, books.acme, "5", "100", date(2026, 2, 2))
    sell(books.ws, books.broker, books.acme, "5", "110", date(2026, 2, 5))
    with pytest.raises(services.ShortSaleRefused):
        services.delete_trade(books.ws, first)
    db.session.rollback()


def test_a_trade_needs_an_investment_account(books):
    checking = make_account(books.ws, "Checking")
    with pytest.raises(Invalid, match="not an investment account"):
        services.record_trade(books.ws, checking, services.NewTrade(kind="deposit", on=date(2026, 1, 1),
                                                                   amount=D("100")))


def test_a_statement_id_is_recorded_once_per_account(books):
    buy(books.ws, books.broker, books.acme, "1", "10", date(2026, 2, 2), external_id="FITID-1")
    with pytest.raises(Conflict):
        buy(books.ws, books.broker, books.acme, "1", "10", date(2026, 2, 2), external_id="FITID-1")
    db.session.rollback()


def test_another_workspaces_security_is_not_found(books):
    with pytest.raises(NotFound):
        services.record_trade(books.ws, books.broker, services.NewTrade(
            kind="buy", on=date(2026, 1, 1), security_id=books.other_security_id, quantity=D(1), price=D(1)))


@pytest.mark.parametrize(("field", "change", "message"), [
    ("quantity", {"quantity": D("0")}, "more than zero"),
    ("quantity", {"quantity": D("1.00000000001")}, "10 decimal places"),
    ("price", {"price": None}, "price per share"),
    ("fees", {"fees": D("-1")}, "zero or more"),
    ("on", {"on": None}, "Enter a date"),
])
def test_bad_trade_input_names_its_field(books, field, change, message):
    data = {"kind": "buy", "on": date(2026, 1, 1), "security_id": books.acme.id, "quantity": D(1), "price": D(1)}
    data.update(change)
    with pytest.raises(Invalid) as err:
        services.record_trade(books.ws, books.broker, services.NewTrade(**data))
    assert message in err.value.fields[field]


def test_eight_decimal_quantities_are_kept_exactly(books):
    trade = buy(books.ws, books.broker, books.acme, "0.12345678", "30000", date(2026, 1, 3))
    db.session.expire_all()
    assert db.session.get(Trade, trade.id).quantity == D("0.12345678")


def test_quantities_keep_ten_places_beyond_a_floats_precision(books):
    """19 significant digits: a float (SQLite's NUMERIC) would lose the last ones."""
    trade = buy(books.ws, books.broker, books.acme, "899999999.9999999999", "0.0000000001", date(2026, 1, 3))
    db.session.expire_all()
    assert db.session.get(Trade, trade.id).quantity == D("899999999.9999999999")
    with pytest.raises(Invalid, match="too large"):
        services.record_trade(books.ws, books.broker, services.NewTrade(
            kind="buy", on=date(2026, 1, 1), security_id=books.acme.id, quantity=D("900000000"), price=D(1)))


def test_cash_movements_are_signed_by_kind(books):
    cash(books.ws, books.broker, "deposit", "1000", date(2026, 1, 1))
    cash(books.ws, books.broker, "withdrawal", "100", date(2026, 1, 2))
    cash(books.ws, books.broker, "fee", "5", date(2026, 1, 3))
    cash(books.ws, books.broker, "dividend", "12.50", date(2026, 1, 4), books.acme)
    cash(books.ws, books.broker, "interest", "1.25", date(2026, 1, 5))
    result = services.portfolio(books.ws, as_of=date(2026, 1, 31))
    assert result.cash == {"USD": D("908.75")}
    assert result.dividends == D("12.50") and result.interest == D("1.25")


def test_a_price_recorded_twice_on_a_day_is_replaced(books):
    price(books.ws, books.acme, "10", date(2026, 1, 5))
    again = price(books.ws, books.acme, "11.5", date(2026, 1, 5))
    assert services.list_prices(books.ws).total == 1
    assert again.close == D("11.5")


def test_the_last_price_on_or_before_the_day_values_the_holding_and_old_ones_are_stale(books):
    buy(books.ws, books.broker, books.acme, "10", "100", date(2026, 1, 2))
    price(books.ws, books.acme, "110", date(2026, 1, 5))
    price(books.ws, books.acme, "130", date(2026, 3, 1))
    result = services.portfolio(books.ws, as_of=date(2026, 1, 10), stale_after=7)
    [holding] = result.holdings
    assert holding.price == D("110") and holding.market_value == D("1100.00")
    assert holding.unrealized == D("100.00") and not holding.stale
    later = services.portfolio(books.ws, as_of=date(2026, 1, 20), stale_after=7)
    assert later.holdings[0].stale and later.stale_prices == ["ACME"]


def test_a_holding_without_a_price_is_flagged_missing_not_valued(books):
    buy(books.ws, books.broker, books.acme, "10", "100", date(2026, 1, 2))
    result = services.portfolio(books.ws, as_of=date(2026, 1, 10))
    assert result.missing_prices == ["ACME"]
    assert result.holdings[0].market_value is None
    assert not result.complete


def test_a_security_found_again_by_its_unique_id(books):
    first = services.find_or_create_security(books.ws, "VTI", name="Total", kind="etf", currency="USD",
                                             unique_id="922908769")
    again = services.find_or_create_security(books.ws, "OTHER", currency="USD", unique_id="922908769")
    assert again.id == first.id


def test_gains_in_base_currency_show_the_currency_effect(books):
    from financeapp.rates.services import set_rate

    eur = services.find_or_create_security(books.ws, "SAP", name="SAP", kind="stock", currency="EUR")
    set_rate(books.ws, "EUR", "USD", date(2026, 1, 1), D("1.10"))
    set_rate(books.ws, "EUR", "USD", date(2026, 6, 1), D("1.20"))
    db.session.commit()
    buy(books.ws, books.broker, eur, "10", "100", date(2026, 1, 2))
    price(books.ws, eur, "110", date(2026, 6, 2))
    [holding] = services.portfolio(books.ws, as_of=date(2026, 6, 2)).holdings
    assert holding.cost_base == D("1100.00")  # 1,000 EUR at 1.10
    assert holding.market_value_base == D("1320.00")  # 1,100 EUR at 1.20
    assert holding.unrealized == D("100.00")  # in EUR
    assert holding.unrealized_base == D("220.00")
    assert holding.currency_effect == D("100.00")  # 220 - 100 EUR x 1.20


def test_a_kept_book_is_not_used_once_a_trade_changes(books):
    """The holdings come from a kept book while the trades are the same, and never after a change."""
    first = buy(books.ws, books.broker, books.acme, "10", "100", date(2026, 1, 2))
    buy(books.ws, books.broker, books.acme, "10", "120", date(2026, 1, 3))
    sell(books.ws, books.broker, books.acme, "10", "130", date(2026, 1, 4))
    day = date(2026, 1, 31)
    assert services.portfolio(books.ws, as_of=day).realized_gain == D("300")
    assert services.portfolio(books.ws, as_of=day).realized_gain == D("300")  # from the kept book
    services.update_trade(books.ws, first, services.NewTrade(kind="buy", on=date(2026, 1, 5),
                                                            security_id=books.acme.id, quantity=D(10), price=D(100)))
    db.session.commit()
    # Moved after the sale: the sale now takes the 120 lot (FIFO), and the 100 lot is still held.
    result = services.portfolio(books.ws, as_of=day)
    assert result.realized_gain == D("100") and result.holdings[0].cost == D("1000")


def test_an_import_checks_the_holdings_once_after_all_its_trades(books):
    """Rows in statement order may sell before the buy that covers it on the same day is recorded."""
    sold = services.record_trade(books.ws, books.broker, services.NewTrade(
        kind="sell", on=date(2026, 1, 5), security_id=books.acme.id, quantity=D(5), price=D(10)), check=False)
    services.record_trade(books.ws, books.broker, services.NewTrade(
        kind="buy", on=date(2026, 1, 4), security_id=books.acme.id, quantity=D(5), price=D(9)), check=False)
    services.check_holdings(books.ws, books.broker, {books.acme.id})
    assert sold.amount == D("50.00")
    services.record_trade(books.ws, books.broker, services.NewTrade(
        kind="sell", on=date(2026, 1, 6), security_id=books.acme.id, quantity=D(1), price=D(10)), check=False)
    with pytest.raises(services.ShortSaleRefused, match="You hold only 0 shares of ACME on 2026-01-06"):
        services.check_holdings(books.ws, books.broker, {books.acme.id})
    db.session.rollback()
