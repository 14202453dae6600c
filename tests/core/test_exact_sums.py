"""Sums of money are exact in SQL on SQLite and MariaDB, where floats drift."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.core.db import Money
from financeapp.extensions import db


# The cartesian product of six digit tables is how the 10^6 rows are made.
@pytest.mark.filterwarnings("ignore:SELECT statement has a cartesian product")
def test_a_million_amounts_sum_exactly(ctx):
    scratch = sa.MetaData()
    digits = sa.Table("scratch_digits", scratch, sa.Column("d", sa.Integer))
    amounts = sa.Table("scratch_amounts", scratch, sa.Column("amount", Money, nullable=False))
    scratch.create_all(db.engine)
    try:
        with db.engine.begin() as conn:
            conn.execute(digits.insert(), [{"d": d} for d in range(10)])
            tables = [digits.alias(f"d{i}") for i in range(6)]
            stored = Money().process_bind_param(Decimal("1234567.89"), conn.dialect)
            one_million = sa.select(sa.literal(stored)).select_from(*tables)
            conn.execute(amounts.insert().from_select(["amount"], one_million))
        total = db.session.scalar(sa.select(sa.func.sum(amounts.c.amount)))
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(amounts))
        assert rows == 1_000_000
        assert total == Decimal("1234567890000.00")
        assert isinstance(total, Decimal)
        if db.engine.dialect.name == "sqlite":
            as_floats = db.session.scalar(sa.text("SELECT SUM(CAST(amount AS REAL) / 1000) FROM scratch_amounts"))
            assert Decimal(repr(as_floats)) != Decimal("1234567890000.00"), "floats drift; the column must not"
    finally:
        db.session.rollback()
        scratch.drop_all(db.engine)
