"""Declarative base with a naming convention, the exact Money column type, mixins."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Naive UTC timestamp (MySQL DATETIME has no zone; we store UTC by convention)."""
    return datetime.now(UTC).replace(tzinfo=None)


def rows_matched(result: sa.Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched. `Session.execute` is typed as returning any Result;
    a DML statement's is a CursorResult, the one that counts rows."""
    if not isinstance(result, sa.CursorResult):
        raise TypeError(f"rows_matched needs the result of an UPDATE or DELETE, not {type(result).__name__}")
    return result.rowcount or 0


class Money(sa.TypeDecorator):
    """An exact amount stored as a scaled integer (thousandths) on every database.

    SQLite has no DECIMAL: Numeric there stores floats, so sums drift. A BIGINT
    of thousandths is exact on SQLite and MySQL, SUM() stays exact (MySQL returns
    DECIMAL, SQLite a 64-bit integer), and three places cover every currency in
    common use (BHD, KWD, JOD have three). Range: about ±9.2 quadrillion.
    """

    impl = sa.BigInteger
    cache_ok = True
    SCALE = 3

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("Money never takes a float; pass a Decimal or a string")
        scaled = Decimal(value).scaleb(self.SCALE)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.SCALE} decimal places")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.SCALE)

    def process_literal_param(self, value: Any, dialect: sa.Dialect) -> str:
        return str(self.process_bind_param(value, dialect))


class Rate(Money):
    """An exact exchange rate, stored as a scaled integer of 10^-10 units."""

    SCALE = 10
    cache_ok = True


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WorkspaceScoped:
    """Every row of workspace data carries a non-null, indexed workspace id."""

    @declared_attr
    def workspace_id(cls) -> Mapped[int]:  # noqa: N805 (declared_attr receives the class)
        return mapped_column(
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"), index=True, nullable=False
        )


@sa.event.listens_for(sa.engine.Engine, "connect")
def _enforce_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    """SQLite ignores foreign keys (and ON DELETE CASCADE) unless asked on each connection."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
