"""Exchange-rate rules without HTTP: parsing, upserts, look-ups, conversion, CSV import."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.core.errors import Invalid, NotFound
from financeapp.extensions import db
from financeapp.rates import services
from financeapp.rates.models import ExchangeRate
from financeapp.rates.services import MissingRate
from tests.factories import make_user, personal_workspace

MAR_1, MAR_5, MAR_10 = date(2026, 3, 1), date(2026, 3, 5), date(2026, 3, 10)


@pytest.fixture
def ws(ctx):
    return personal_workspace(make_user("ada@example.com", currency="USD"))


@pytest.fixture
def other_ws(ctx):
    return personal_workspace(make_user("bob@example.com", currency="USD"))


def stored(ws) -> list[tuple[str, str, date, Decimal]]:
    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(ExchangeRate).where(ExchangeRate.workspace_id == ws.id)
        .order_by(ExchangeRate.base, ExchangeRate.quote, ExchangeRate.on)
    )
    return [(r.base, r.quote, r.on, r.rate) for r in rows]


class CountQueries:
    """Counts the SQL statements run inside the block."""

    def __enter__(self):
        self.count = 0
        sa.event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def _seen(self, *args):
        self.count += 1

    def __exit__(self, *exc):
        sa.event.remove(db.engine, "before_cursor_execute", self._seen)


# parse_rate ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("1.0856", Decimal("1.0856")),
    (" 0.0000000001 ", Decimal("0.0000000001")),
    ("1,0856", Decimal("1.0856")),
    ("1,234.5", Decimal("1234.5")),
    ("25000", Decimal("25000")),
    (".5", Decimal("0.5")),
    ("1.23456789015", Decimal("1.2345678902")),
    ("1.23456789005", Decimal("1.2345678900")),
    (Decimal("0.92"), Decimal("0.92")),
])
def test_parse_rate_reads_what_people_type_exactly(text, expected):
    value = services.parse_rate(text)
    assert value == expected
    assert value.as_tuple().exponent == -10


@pytest.mark.parametrize(("text", "message"), [
    ("", "Enter a rate"),
    ("abc", "“abc” is not a rate"),
    ("0", "greater than zero"),
    ("0.000", "greater than zero"),
    ("-1.2", "greater than zero"),
    ("NaN", "not a rate"),
    ("Infinity", "not a rate"),
    ("1e5", "not a rate"),
    ("1.2.3", "not a rate"),
    ("0.00000000001", "too small"),
    ("100000000", "too large"),
    (Decimal("NaN"), "finite"),
    (True, "Enter a rate"),
])
def test_parse_rate_rejects_what_is_not_a_positive_rate(text, message):
    with pytest.raises(Invalid, match=message):
        services.parse_rate(text)


@pytest.mark.parametrize(("text", "locale", "expected"), [
    ("1,0856", "de_DE", Decimal("1.0856")),
    ("1.450,25", "de_DE", Decimal("1450.25")),
    ("1,450", "de_DE", Decimal("1.45")),  # a rate's decimal comma before three digits is a decimal
    ("1,450", "en_US", Decimal("1450")),  # and en_US's comma groups thousands
    ("1 450,5", "fr_FR", Decimal("1450.5")),
    ("1,50,000.25", "en_IN", Decimal("150000.25")),
])
def test_parse_rate_reads_the_users_locale(text, locale, expected):
    assert services.parse_rate(text, locale) == expected


# set_rate --------------------------------------------------------------------------------------


def test_stored_rate_round_trips_exactly(ws):
    services.set_rate(ws, "EUR", "USD", MAR_1, "1.0856123457")
    services.set_rate(ws, "USD", "JPY", MAR_1, "99999999.9999999999")
    db.session.commit()
    assert stored(ws) == [
        ("EUR", "USD", MAR_1, Decimal("1.0856123457")),
        ("USD", "JPY", MAR_1, Decimal("99999999.9999999999")),
    ]


def test_set_rate_updates_the_days_rate_instead_of_adding_one(ws):
    first = services.set_rate(ws, "eur", " usd", MAR_1, "1.08")
    again = services.set_rate(ws, "EUR", "USD", MAR_1, "1.09")
    db.session.commit()
    assert again.id == first.id
    assert stored(ws) == [("EUR", "USD", MAR_1, Decimal("1.09"))]


@pytest.mark.parametrize(("base", "quote", "on", "rate", "field", "message"), [
    ("EURO", "USD", MAR_1, "1.1", "base", "not a currency code"),
    ("EUR", "XXY", MAR_1, "1.1", "quote", "not a currency code"),
    ("EUR", "EUR", MAR_1, "1.1", "quote", "both EUR"),
    ("EUR", "USD", MAR_1, "-1", "rate", "greater than zero"),
    ("EUR", "USD", date(1066, 10, 14), "1.1", "on", "between 1900 and 2199"),
])
def test_set_rate_rejects_bad_input_and_names_the_field(ws, base, quote, on, rate, field, message):
    with pytest.raises(Invalid, match=message) as caught:
        services.set_rate(ws, base, quote, on, rate)
    assert field in caught.value.fields
    db.session.rollback()
    assert stored(ws) == []


def test_delete_rate_refuses_another_workspaces_row(ws, other_ws):
    theirs = services.set_rate(other_ws, "EUR", "USD", MAR_1, "1.08")
    with pytest.raises(NotFound):
        services.delete_rate(ws, theirs)
    services.delete_rate(other_ws, theirs)
    db.session.commit()
    assert stored(other_ws) == []


# rate_on / convert / rates_to --------------------------------------------------------------------


def test_rate_on_takes_the_latest_rate_on_or_before_the_day(ws):
    services.set_rate(ws, "EUR", "USD", MAR_1, "1.08")
    services.set_rate(ws, "EUR", "USD", MAR_5, "1.10")
    services.set_rate(ws, "EUR", "USD", MAR_10, "1.12")
    assert services.rate_on(ws, "EUR", "USD", date(2026, 2, 28)) is None
    assert services.rate_on(ws, "EUR", "USD", MAR_1) == Decimal("1.08")
    assert services.rate_on(ws, "EUR", "USD", date(2026, 3, 7)) == Decimal("1.10")
    assert services.rate_on(ws, "EUR", "USD", date(2027, 1, 1)) == Decimal("1.12")


def test_rate_on_uses_the_reverse_pair_when_the_direct_one_is_missing(ws):
    services.set_rate(ws, "USD", "EUR", MAR_1, "0.8")
    services.set_rate(ws, "GBP", "USD", MAR_1, "3")
    assert services.rate_on(ws, "EUR", "USD", MAR_5) == Decimal("1.25")
    assert services.rate_on(ws, "USD", "GBP", MAR_5) == Decimal("0.3333333333")


def test_rate_on_prefers_the_direct_pair_even_when_the_reverse_is_newer(ws):
    services.set_rate(ws, "EUR", "USD", MAR_1, "1.08")
    services.set_rate(ws, "USD", "EUR", MAR_5, "0.5")
    assert services.rate_on(ws, "EUR", "USD", MAR_10) == Decimal("1.08")


def test_rate_on_is_one_for_the_same_currency_and_needs_no_query(ws):
    with CountQueries() as queries:
        assert services.rate_on(ws, "EUR", "eur", MAR_1) == Decimal(1)
    assert queries.count == 0


def test_rate_on_is_one_indexed_query(ws):
    services.set_rate(ws, "USD", "EUR", MAR_1, "0.8")
    db.session.commit()
    db.session.refresh(ws)  # the commit expired it; reloading is not part of the look-up
    with CountQueries() as queries:
        assert services.rate_on(ws, "EUR", "USD", MAR_5) == Decimal("1.25")
    assert queries.count == 1


def test_rate_on_never_reads_another_workspaces_rates(ws, other_ws):
    services.set_rate(other_ws, "EUR", "USD", MAR_1, "1.08")
    assert services.rate_on(ws, "EUR", "USD", MAR_5) is None


def test_convert_rounds_to_the_target_currencys_minor_units(ws):
    services.set_rate(ws, "EUR", "USD", MAR_1, "1.0856")
    services.set_rate(ws, "USD", "JPY", MAR_1, "149.5")
    assert services.convert(ws, Decimal("100.00"), "EUR", "USD", MAR_5) == Decimal("108.56")
    assert services.convert(ws, Decimal("0.05"), "EUR", "USD", MAR_5) == Decimal("0.05")
    assert services.convert(ws, Decimal("10.01"), "USD", "JPY", MAR_5) == Decimal("1496")
    assert services.convert(ws, Decimal("-12.5"), "USD", "USD", MAR_5) == Decimal("-12.50")


def test_convert_without_a_rate_raises_missing_rate_never_one(ws):
    services.set_rate(ws, "EUR", "USD", MAR_5, "1.08")
    with pytest.raises(MissingRate) as caught:
        services.convert(ws, Decimal("10"), "EUR", "USD", MAR_1)
    assert caught.value.status == 422
    assert caught.value.message == (
        "No EUR→USD rate on or before 2026-03-01. Add one on the Exchange rates page."
    )
    assert (caught.value.base, caught.value.quote, caught.value.on) == ("EUR", "USD", MAR_1)


def test_rates_to_answers_every_currency_in_one_query(ws):
    services.set_rate(ws, "EUR", "USD", MAR_1, "1.08")
    services.set_rate(ws, "USD", "GBP", MAR_1, "0.8")
    services.set_rate(ws, "JPY", "USD", MAR_10, "0.0067")
    db.session.commit()
    db.session.refresh(ws)
    with CountQueries() as queries:
        rates = services.rates_to(ws, {"EUR", "GBP", "JPY", "CHF", "USD"}, "USD", MAR_5)
    assert queries.count == 1
    assert rates == {
        "EUR": Decimal("1.08"),
        "GBP": Decimal("1.25"),
        "JPY": None,
        "CHF": None,
        "USD": Decimal(1),
    }
    assert services.rates_to(ws, set(), "USD", MAR_5) == {}


# list_rates ------------------------------------------------------------------------------------


def test_list_rates_pages_newest_first_and_filters_by_pair(ws, other_ws):
    for day in range(1, 8):
        services.set_rate(ws, "EUR", "USD", date(2026, 3, day), f"1.0{day}")
    services.set_rate(ws, "GBP", "USD", MAR_1, "1.27")
    services.set_rate(other_ws, "EUR", "USD", MAR_1, "1.5")
    first = services.list_rates(ws, page=1, per_page=3)
    assert first.total == 8 and first.pages == 3 and not first.has_prev and first.has_next
    assert [r.on.day for r in first.rows] == [7, 6, 5]
    last = services.list_rates(ws, page=99, per_page=3)
    assert last.number == 3 and [(r.base, r.on.day) for r in last.rows] == [("EUR", 1), ("GBP", 1)]
    gbp = services.list_rates(ws, pair=("GBP", "USD"))
    assert gbp.total == 1 and gbp.rows[0].rate == Decimal("1.27")
    assert services.pairs_in_use(ws) == [("EUR", "USD"), ("GBP", "USD")]


@pytest.mark.parametrize(("text", "expected"), [
    ("EUR-USD", ("EUR", "USD")),
    ("eur/usd", ("EUR", "USD")),
    ("", None),
    (None, None),
])
def test_parse_pair_reads_the_filter(text, expected):
    assert services.parse_pair(text) == expected


@pytest.mark.parametrize("text", ["EURUSD", "EUR-XXY", "<script>"])
def test_parse_pair_rejects_junk(text):
    with pytest.raises(Invalid):
        services.parse_pair(text)


# import_rates_csv ------------------------------------------------------------------------------


def test_import_creates_and_updates_rates(ws):
    services.set_rate(ws, "EUR", "USD", MAR_1, "1.00")
    text = (
        "date,base,quote,rate\n"
        "2026-03-01,EUR,USD,1.0856\n2026-03-02,EUR,USD,1.09\n05.03.2026,gbp,usd,1.27\n"
    )
    result = services.import_rates_csv(ws, text)
    db.session.commit()
    assert (result.created, result.updated, result.total) == (2, 1, 3)
    assert stored(ws) == [
        ("EUR", "USD", MAR_1, Decimal("1.0856")),
        ("EUR", "USD", date(2026, 3, 2), Decimal("1.09")),
        ("GBP", "USD", MAR_5, Decimal("1.27")),
    ]


def test_import_reads_bytes_with_a_bom_from_to_headers_and_semicolons(ws):
    data = "\ufeffRate;To;From;Date\r\n1,0856;USD;EUR;2026-03-01\r\n\r\n".encode()
    result = services.import_rates_csv(ws, io.BytesIO(data))
    assert (result.created, result.updated) == (1, 0)
    assert stored(ws) == [("EUR", "USD", MAR_1, Decimal("1.0856"))]


def test_import_is_all_or_nothing_and_names_the_row(ws):
    services.set_rate(ws, "EUR", "USD", MAR_1, "1.00")
    db.session.commit()
    rows = "".join(f"2026-03-0{day},EUR,USD,1.0{day}\n" for day in range(1, 6))
    text = "date,base,quote,rate\n" + rows + "2026-03-06,EUR,USD,abc\n"
    with pytest.raises(Invalid) as caught:
        services.import_rates_csv(ws, text)
    assert caught.value.message.startswith("Row 7: “abc” is not a rate.")
    db.session.rollback()
    assert stored(ws) == [("EUR", "USD", MAR_1, Decimal("1.00"))]


@pytest.mark.parametrize(("text", "message"), [
    ("", "The file is empty"),
    ("\ufeff\n\n", "The file is empty"),
    ("date,base,quote,rate\n", "no rates"),
    ("date,base,rate\n2026-03-01,EUR,1.1\n", "missing: quote"),
    ("when,from,to,price\n", "missing: date, rate"),
    ("date,base,quote,rate\n2026-02-30,EUR,USD,1.1\n", "Row 2: “2026-02-30” is not a date on the calendar"),
    ("date,base,quote,rate\n03/01/2026,EUR,USD,1.1\n", "Row 2: “03/01/2026” is not a date"),
    ("date,base,quote,rate\n,EUR,USD,1.1\n", "Row 2: the date is missing"),
    ("date,base,quote,rate\n2026-03-01,EUR,USD\n", "Row 2: the rate is missing"),
    ("date,base,quote,rate\n2026-03-01,EUR,EUR,1\n", "Row 2: Base and quote are both EUR"),
    ("date,base,quote,rate\n2026-03-01,EUR,DOLLAR,1\n", "Row 2: “DOLLAR” is not a currency code"),
    ("date,base,quote,rate\n2026-03-01,EUR,USD,0\n", "Row 2: A rate must be greater than zero"),
    ("date,base,quote,rate\n2026-03-01,EUR,USD,1.1\n2026-03-01,EUR,USD,1.2\n",
     "Row 3: EUR→USD on 2026-03-01 is already on row 2 with a different rate"),
])
def test_import_explains_what_is_wrong_and_writes_nothing(ws, text, message):
    with pytest.raises(Invalid, match=message):
        services.import_rates_csv(ws, text)
    db.session.rollback()
    assert stored(ws) == []


def test_import_rejects_a_file_that_is_not_utf8(ws):
    with pytest.raises(Invalid, match="not UTF-8"):
        services.import_rates_csv(ws, "date,base,quote,rate\n2026-03-01,EUR,USD,1\n".encode("utf-16"))


def test_import_ignores_an_identical_duplicate_row(ws):
    text = "date,base,quote,rate\n2026-03-01,EUR,USD,1.1\n2026-03-01,EUR,USD,1.10\n"
    assert services.import_rates_csv(ws, text).total == 1


def test_look_ups_use_the_pair_day_index(ws):
    sql = sa.select(services._latest(ws, "EUR", "USD", MAR_1).label("direct"))
    text = str(sql.compile(db.engine, compile_kwargs={"literal_binds": True}))
    if db.engine.dialect.name == "sqlite":
        plan = " ".join(row[3] for row in db.session.execute(sa.text("EXPLAIN QUERY PLAN " + text)))
        assert "USING INDEX sqlite_autoindex_exchange_rates_1" in plan
    else:
        keys = [row.key for row in db.session.execute(sa.text("EXPLAIN " + text)) if row.table]
        assert keys == ["uq_exchange_rates_pair_day"]
