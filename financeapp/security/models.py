"""Which encryption keys hold data (core/crypto.py): the app refuses to start without them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from financeapp.core.db import Base, utcnow


class EncryptionKey(Base):
    """A key that encrypted data here, by id (never the key itself), with a value only it opens."""

    __tablename__ = "encryption_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(sa.String(16), unique=True)
    check_value: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by rotate-key once nothing is left under this key: the app no longer needs it.
    retired_at: Mapped[datetime | None]
