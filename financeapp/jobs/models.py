"""A record of each scheduled job run: when, how long, what it did, what went wrong.

Not workspace data: the jobs serve every workspace, and only administrators see the runs.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from financeapp.core.db import Base, utcnow

RUN_STATUSES = ("running", "ok", "error")


class JobRun(Base):
    __tablename__ = "job_runs"
    __table_args__ = (
        sa.CheckConstraint(sa.column("status").in_(RUN_STATUSES), name="status_known"),
        sa.Index("ix_job_runs_name_started", "name", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    for_date: Mapped[date]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(sa.String(10), default="running")
    summary: Mapped[str] = mapped_column(sa.Text, default="{}")  # JSON object of counts
    error: Mapped[str] = mapped_column(sa.Text, default="")
    host: Mapped[str] = mapped_column(sa.String(120), default="")  # host:pid, to tell concurrent runs apart

    @property
    def summary_data(self) -> dict:
        try:
            data = json.loads(self.summary or "{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
