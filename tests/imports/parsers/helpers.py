"""Sample files for the parser tests (tests/imports/samples/, written for this suite)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def D(value: str) -> Decimal:
    return Decimal(value)


def day(value: str) -> date:
    return date.fromisoformat(value)
