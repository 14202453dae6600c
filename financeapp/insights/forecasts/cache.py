"""The forecast cache: one row per workspace and series, valid while the series' checksum matches.

A request reads the row and compares its checksum with the checksum of the series as it is now
(the series itself is a cheap GROUP BY over the monthly totals); a transaction that changes any
month of the series changes the checksum, so the row is stale and the page says "being computed"
until the job has refitted it. `requested_at` keeps a burst of page views from queueing the same
job again and again: one request per PENDING_FOR.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from financeapp.core.db import Base, Timestamps, WorkspaceScoped, utcnow
from financeapp.core.scoping import scoped
from financeapp.extensions import db
from financeapp.insights.forecasts.forecaster import Forecast
from financeapp.insights.forecasts.series import MonthlySeries
from financeapp.workspaces.models import Workspace

PENDING_FOR = timedelta(minutes=10)


class ForecastCache(WorkspaceScoped, Timestamps, Base):
    """A series' last forecast and backtest (JSON, amounts as strings), and the checksum it was made from."""

    __tablename__ = "forecast_cache"
    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "series_key", name="uq_forecast_cache_series"),
        sa.Index("ix_forecast_cache_lookup", "workspace_id", "series_key", "checksum"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_key: Mapped[str] = mapped_column(sa.String(60))
    checksum: Mapped[str] = mapped_column(sa.String(64), default="")
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")  # pending, ready, error
    payload: Mapped[str] = mapped_column(sa.Text, default="")
    computed_at: Mapped[datetime | None]
    requested_at: Mapped[datetime | None]
    milliseconds: Mapped[int] = mapped_column(default=0)  # how long the fit and backtest took
    error: Mapped[str] = mapped_column(sa.String(500), default="")


@dataclass(frozen=True)
class Cached:
    """What a request may show: a ready forecast, or "computing" (stale, missing or failed)."""

    status: str  # ready, computing, error
    forecast: Forecast | None = None
    computed_at: datetime | None = None


def _row(workspace: Workspace, key: str) -> ForecastCache | None:
    return db.session.scalar(scoped(ForecastCache, workspace).where(ForecastCache.series_key == key))


def read(workspace: Workspace, series: MonthlySeries) -> Cached:
    """The cached forecast of `series` if it was made from exactly these figures."""
    row = db.session.scalar(scoped(ForecastCache, workspace).where(
        ForecastCache.series_key == series.key.text, ForecastCache.checksum == series.checksum))
    if row is None or row.status != "ready" or not row.payload:
        if row is not None and row.status == "error":
            return Cached("error")
        return Cached("computing")
    return Cached("ready", Forecast.from_data(json.loads(row.payload)), row.computed_at)


def is_fresh(workspace: Workspace, series: MonthlySeries) -> bool:
    return read(workspace, series).status == "ready"


def mark_requested(workspace: Workspace, keys: list[str], now: datetime | None = None) -> list[str]:
    """Note that these series were asked for; returns the keys not already asked for within PENDING_FOR
    (the ones to enqueue). Flushes."""
    now = now or utcnow()
    fresh: list[str] = []
    rows = {r.series_key: r for r in db.session.scalars(
        scoped(ForecastCache, workspace).where(ForecastCache.series_key.in_(keys)))} if keys else {}
    for key in keys:
        row = rows.get(key)
        if row is None:
            row = ForecastCache(workspace_id=workspace.id, series_key=key, status="pending")
            db.session.add(row)
        elif row.requested_at is not None and now - row.requested_at < PENDING_FOR:
            continue
        row.requested_at = now
        fresh.append(key)
    db.session.flush()
    return fresh


def store(workspace: Workspace, series: MonthlySeries, forecast: Forecast, seconds: float) -> ForecastCache:
    """Write a computed forecast for the series' current checksum. Flushes."""
    row = _row(workspace, series.key.text)
    if row is None:
        row = ForecastCache(workspace_id=workspace.id, series_key=series.key.text)
        db.session.add(row)
    row.checksum = series.checksum
    row.status = "ready"
    row.payload = json.dumps(forecast.to_data(), sort_keys=True)
    row.computed_at = utcnow()
    row.requested_at = None
    row.milliseconds = int(seconds * 1000)
    row.error = ""
    db.session.flush()
    return row


def store_failure(workspace: Workspace, series: MonthlySeries, message: str) -> None:
    row = _row(workspace, series.key.text)
    if row is None:
        row = ForecastCache(workspace_id=workspace.id, series_key=series.key.text)
        db.session.add(row)
    row.checksum, row.status, row.payload, row.error = series.checksum, "error", "", message[:500]
    row.requested_at = None
    db.session.flush()


def read_many(workspace: Workspace, series: list[MonthlySeries]) -> dict[str, Cached]:
    """`read` for many series in one query."""
    keys = [s.key.text for s in series]
    rows = {r.series_key: r for r in db.session.scalars(
        scoped(ForecastCache, workspace).where(ForecastCache.series_key.in_(keys)))} if keys else {}
    result: dict[str, Cached] = {}
    for s in series:
        row = rows.get(s.key.text)
        if row is None or row.checksum != s.checksum or row.status != "ready" or not row.payload:
            result[s.key.text] = Cached("error" if row is not None and row.status == "error"
                                        and row.checksum == s.checksum else "computing")
        else:
            result[s.key.text] = Cached("ready", Forecast.from_data(json.loads(row.payload)), row.computed_at)
    return result
