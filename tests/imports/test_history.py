"""Switching in from another app in one step: bench/'s generated history (8 accounts, categories,
splits, labels, transfers written on both sides) as one CSV, imported by `flask imports run` without
--account, gives what the file itself says; importing it again adds nothing (issue 10, acceptance 1)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bench.history_csv import summarise, write_history_csv
from tests.factories import make_user, personal_workspace
from tests.imports.history import TWO_YEARS, check_import, transaction_count


@pytest.fixture
def history(tmp_path):
    path = tmp_path / "history.csv"
    write_history_csv(path, TWO_YEARS, seed=3, end=date(2026, 6, 30))
    return path, summarise(path)


def _run(runner, path, ws) -> dict:
    result = runner.invoke(args=["imports", "run", str(path), "--workspace", str(ws.id), "--json"])
    assert result.exit_code in (0, 3), result.output
    return json.loads(result.output)


def test_one_csv_of_eight_accounts_imports_to_what_the_file_says_and_again_adds_nothing(ctx, runner, history):
    path, expected = history
    ws = personal_workspace(make_user("switch@example.com"))
    assert expected.transfers > 100 and len(expected.balances) >= 7  # the car has no rows in two years

    first = _run(runner, path, ws)
    assert first["status"] == "committed" and first["imported"] == expected.transactions
    assert first["transfers"] == expected.transfers
    check_import(ws, expected)

    again = _run(runner, path, ws)
    assert again["imported"] == 0 and again["rows"]["duplicate"] == expected.transactions
    assert transaction_count(ws) == expected.transactions
