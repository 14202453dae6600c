"""The cost-basis engine without a database: the issue's reference values, exactly, and FIFO booking
equal to beancount's on 1,000 generated trades.

The reference values sit beside the loan reference values (tests/debts/test_amortization.py and
/work/shared/reference-values.md): each comes from a public source and is asserted exactly.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from financeapp.investments import engine
from financeapp.investments.engine import Event, ShortSale

D = Decimal
CENT = D("0.01")


def trade(n: int, kind: str, quantity: str = "0", price: str | None = None, *, on: date | None = None,
          fees: str = "0", amount: str = "0", security: str = "ACME", **extra) -> Event:
    return Event(n, on or date(2026, 1, n), kind, security, D(quantity), D(price) if price else None, D(fees),
                 D(0), D(amount), **extra)


# ------------------------------------------------------------------ reference values (issue 16, acceptance 1)


def test_fifo_against_average_realized_and_remaining_basis():
    """Buy 10 @ 100, buy 10 @ 120, sell 15 @ 130: FIFO realizes 350 (basis left 600), average 300 (550)."""
    events = [trade(1, "buy", "10", "100"), trade(2, "buy", "10", "120"), trade(3, "sell", "15", "130")]
    fifo = engine.run(events, "fifo")
    average = engine.run(events, "average")
    assert [s.gain for s in fifo.realized()] == [D("350")]
    assert fifo.cost("ACME") == D("600") and fifo.quantity("ACME") == 5
    assert [s.gain for s in average.realized()] == [D("300")]
    assert average.cost("ACME") == D("550") and average.quantity("ACME") == 5


def test_weighted_average_cost_is_83_73_not_the_mean_of_the_prices():
    """Maybe's #2085: 1.9887 @ 88.63 and 0.388 @ 58.64 average 83.73 a share (73.64 is the unweighted mean)."""
    book = engine.run([trade(1, "buy", "1.9887", "88.63"), trade(2, "buy", "0.388", "58.64")], "average")
    per_share = engine.average_cost(book.quantity("ACME"), book.cost("ACME"))
    assert per_share.quantize(CENT) == D("83.73")
    assert book.quantity("ACME") == D("2.3767")


@pytest.mark.parametrize("method", engine.METHODS)
def test_a_two_for_one_split_doubles_the_quantity_and_keeps_the_total_basis(method):
    book = engine.run([trade(1, "buy", "10", "100"), trade(2, "buy", "5", "80"),
                       trade(3, "split", split_from=D(1), split_to=D(2))], method)
    assert book.quantity("ACME") == 30
    assert book.cost("ACME") == D("1400")
    assert sorted(lot.unit_cost for lot in book.lots["ACME"]) == ([D("40"), D("50")] if method == "fifo"
                                                                    else [D("1400") / 30])


def test_a_reverse_split_and_shares_added_keep_the_basis():
    book = engine.run([trade(1, "buy", "10", "100"), trade(2, "split", split_from=D(5), split_to=D(1))])
    assert book.quantity("ACME") == 2 and book.cost("ACME") == 1000
    book = engine.run([trade(1, "buy", "10", "100"), trade(2, "split", "20")])  # 20 shares added: 3 for 1
    assert book.quantity("ACME") == 30 and book.cost("ACME") == 1000


def test_commission_is_in_the_basis_of_a_buy():
    """10 @ 100 with a 10 commission: basis 1,010."""
    book = engine.run([trade(1, "buy", "10", "100", fees="10")])
    assert book.cost("ACME") == D("1010")
    assert book.lots["ACME"][0].unit_cost == D("101")


def test_fees_come_out_of_the_proceeds_of_a_sale():
    book = engine.run([trade(1, "buy", "10", "100"), trade(2, "sell", "10", "120", fees="15")])
    [sale] = book.realized()
    assert sale.proceeds == D("1185") and sale.gain == D("185")


def test_a_reinvested_dividend_is_income_and_a_new_lot():
    book = engine.run([trade(1, "buy", "10", "100"), trade(2, "reinvest", "0.5", "110")])
    assert book.quantity("ACME") == D("10.5") and book.cost("ACME") == D("1055.0")
    assert [(i.kind, i.amount) for i in book.income] == [("dividend", D("55.0"))]


def test_shares_transferred_out_leave_with_their_basis_and_no_gain():
    book = engine.run([trade(1, "buy", "10", "100"), trade(2, "buy", "10", "200"),
                       trade(3, "transfer_out", "15")])
    assert book.realized() == []
    assert book.quantity("ACME") == 5 and book.cost("ACME") == 1000
    transferred_in = engine.run([trade(1, "transfer_in", "4", "25")])
    assert transferred_in.cost("ACME") == 100


def test_selling_more_than_is_held_is_a_short_sale():
    with pytest.raises(ShortSale) as err:
        engine.run([trade(1, "buy", "5", "100"), trade(2, "sell", "5.0000000001", "100")])
    assert err.value.held == 5 and err.value.on == date(2026, 1, 2)


def test_realized_gains_per_period():
    book = engine.run([trade(1, "buy", "10", "100"), trade(2, "sell", "2", "110"), trade(20, "sell", "2", "90")])
    assert [s.gain for s in book.realized(date(2026, 1, 1), date(2026, 1, 10))] == [D("20")]
    assert [s.gain for s in book.realized(date(2026, 1, 11), None)] == [D("-20")]


# ------------------------------------------------------------------ FIFO equal to beancount's (acceptance 2)


def _generated_trades(seed: int, count: int = 1000, securities: int = 20) -> list[Event]:
    """Buys and partial sales over `securities` symbols, fractional quantities, fees; never short."""
    rng = random.Random(seed)
    symbols = [f"SEC{n:02d}" for n in range(securities)]
    held = dict.fromkeys(symbols, D(0))
    day = date(2020, 1, 1)
    events: list[Event] = []
    for n in range(1, count + 1):
        day += timedelta(days=rng.choice((0, 0, 1, 2, 5)))
        symbol = rng.choice(symbols)
        price = D(rng.randint(500, 50000)) / 100
        fees = D(rng.choice((0, 0, 1, 495, 999))) / 100
        if held[symbol] > 0 and rng.random() < 0.45:
            quantity = min(held[symbol], (held[symbol] * D(rng.randint(1, 100)) / 100).quantize(D("0.0001")))
            if quantity <= 0:
                quantity = held[symbol]
            proceeds = (quantity * price).quantize(CENT) - fees
            events.append(Event(n, day, "sell", symbol, quantity, price, fees, D(0), proceeds))
            held[symbol] -= quantity
        else:
            quantity = D(rng.randint(1, 2_000_000)) / 10_000
            cost = (quantity * price).quantize(CENT) + fees
            events.append(Event(n, day, "buy", symbol, quantity, price, fees, D(0), -cost))
            held[symbol] += quantity
    return events


def _beancount_ledger(events: list[Event]) -> str:
    symbols = sorted({str(e.security) for e in events})
    lines = ['option "booking_method" "FIFO"', 'option "operating_currency" "USD"',
             "2019-12-31 open Assets:Cash USD", "2019-12-31 open Income:Gains USD"]
    for symbol in symbols:
        lines += [f"2019-12-31 commodity {symbol}", f"2019-12-31 open Assets:Broker:{symbol} {symbol}"]
    for e in events:
        lines.append(f'{e.on.isoformat()} * "{e.kind} {e.security}" ^t{e.id}')
        if e.kind == "buy":
            lines.append(f"  Assets:Broker:{e.security}  {e.quantity} {e.security} {{{{{-e.amount} USD}}}}")
            lines.append(f"  Assets:Cash  {e.amount} USD")
        else:
            lines.append(f"  Assets:Broker:{e.security}  -{e.quantity} {e.security} {{}}")
            lines.append(f"  Assets:Cash  {e.amount} USD")
            lines.append("  Income:Gains")
    return "\n".join(lines) + "\n"


def test_fifo_lots_and_realized_gains_equal_beancounts_fifo_booking():
    from beancount import loader
    from beancount.core import data, inventory

    events = _generated_trades(seed=16)
    assert len(events) == 1000 and len({e.security for e in events}) == 20
    entries, errors, _options = loader.load_string(_beancount_ledger(events))
    assert errors == []
    theirs_gain: dict[int, Decimal] = {}
    theirs_lots: dict[str, inventory.Inventory] = {}
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        trade_id = int(next(iter(entry.links))[1:])
        for posting in entry.postings:
            if posting.account == "Income:Gains":
                theirs_gain[trade_id] = -posting.units.number
            elif posting.account.startswith("Assets:Broker:"):
                theirs_lots.setdefault(posting.account.rsplit(":", 1)[1], inventory.Inventory()).add_position(posting)
    book = engine.run(events, "fifo")
    ours_gain = {s.trade_id: s.gain.quantize(CENT, rounding=ROUND_HALF_EVEN) for s in book.realized()}
    assert len(ours_gain) > 300
    assert ours_gain == theirs_gain
    for symbol, inv in theirs_lots.items():
        theirs = sorted((p.cost.date, p.units.number, p.cost.number.quantize(D("1e-8"))) for p in inv if p.units.number)
        ours = sorted((lot.opened, lot.quantity, lot.unit_cost.quantize(D("1e-8"))) for lot in book.lots.get(symbol, [])
                      if lot.quantity)
        # Beancount merges same-day lots at the same cost; compare the merged views.
        assert _merged(ours) == _merged(theirs), symbol


def _merged(lots: list[tuple[date, Decimal, Decimal]]) -> list[tuple[date, Decimal, Decimal]]:
    totals: dict[tuple[date, Decimal], Decimal] = {}
    for day, quantity, unit in lots:
        totals[(day, unit)] = totals.get((day, unit), D(0)) + quantity
    return sorted((day, quantity, unit) for (day, unit), quantity in totals.items())
