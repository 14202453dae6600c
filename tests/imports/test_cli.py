"""`flask imports run`: dry runs, JSON, errors with row numbers, exit codes."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from financeapp.extensions import db
from financeapp.imports.models import ImportBatch
from financeapp.transactions.models import Transaction
from tests.factories import make_account, make_user, personal_workspace
from tests.imports.conftest import APRIL, MARCH, ofx_file, ofx_statement


@pytest.fixture
def ws(ctx):
    return personal_workspace(make_user("cli@example.com"))


@pytest.fixture
def march(tmp_path):
    path = tmp_path / "march.ofx"
    path.write_bytes(ofx_file(ofx_statement(MARCH)))
    return path


def count() -> int:
    db.session.commit()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Transaction)) or 0


def run(runner, *args):
    return runner.invoke(args=["imports", "run", *map(str, args)])


def test_a_dry_run_prints_what_would_happen_and_writes_nothing(runner, ws, march):
    make_account(ws, "Checking", number="12345678")
    result = run(runner, march, "--workspace", "cli@example.com", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "march.ofx (OFX): 4 rows" in result.output and "new:        4" in result.output
    assert "Checking: 4 transactions, 2428.01 USD" in result.output and "Dry run: nothing was written." in result.output
    assert count() == 0 and db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == 0


def test_an_import_by_workspace_id_records_the_batch_and_a_second_run_adds_nothing(runner, ws, march):
    make_account(ws, "Checking", number="12345678")
    first = run(runner, march, "--workspace", ws.id)
    assert first.exit_code == 0, first.output
    assert "4 transactions imported" in first.output
    assert count() == 4
    again = run(runner, march, "--workspace", ws.id, "--json")
    assert again.exit_code == 3
    data = json.loads(again.output)
    assert data["rows"] == {"total": 4, "new": 0, "duplicate": 4, "error": 0, "skipped": 0, "forced": 0}
    assert data["duplicates"][0]["reason"] == "same bank transaction id (M1)"
    assert count() == 4


def test_json_output_lists_sums_per_account_and_the_batch(runner, ws, tmp_path):
    make_account(ws, "Checking", number="12345678")
    path = tmp_path / "april.ofx"
    path.write_bytes(ofx_file(ofx_statement(APRIL)))
    result = run(runner, path, "--workspace", "cli@example.com", "--json")
    data = json.loads(result.output)
    assert result.exit_code == 0
    assert data["status"] == "committed" and data["imported"] == 3 and data["batch_id"]
    assert data["accounts"] == [{"account": "Checking", "currency": "USD", "count": 3, "sum": "-116.99"}]


def test_json_amounts_are_strings_in_the_currencys_minor_units(runner, ws, tmp_path, march):
    make_account(ws, "Checking", number="12345678")
    run(runner, march, "--workspace", ws.id)
    path = tmp_path / "april.ofx"
    path.write_bytes(ofx_file(ofx_statement(APRIL)))
    data = json.loads(run(runner, path, "--workspace", ws.id, "--json").output)
    [duplicate] = data["duplicates"]
    assert duplicate["matches"]["amount"] == "-64.99"  # stored as -64.990; written as USD has it
    assert data["accounts"][0]["sum"] == "-52.00"


def test_rows_without_a_number_go_to_the_named_account(runner, ws, tmp_path):
    make_account(ws, "Checking")
    wallet = make_account(ws, "Wallet", type="cash")
    path = tmp_path / "x.ofx"
    path.write_bytes(ofx_file(ofx_statement(MARCH, acctid="")))
    result = run(runner, path, "--workspace", ws.id, "--account", "Wallet")
    assert result.exit_code == 0, result.output
    assert set(db.session.scalars(sa.select(Transaction.account_id))) == {wallet.id}
    by_id = run(runner, path, "--workspace", ws.id, "--account", wallet.id)
    assert by_id.exit_code == 3


def test_row_errors_are_named_with_their_row_and_nothing_is_written(runner, ws, tmp_path):
    make_account(ws, "Checking", number="12345678")
    path = tmp_path / "bad.ofx"
    path.write_bytes(ofx_file(ofx_statement([*MARCH, ("B", "20260320", "-0.001", "TINY")])))
    result = run(runner, path, "--workspace", ws.id)
    assert result.exit_code == 1
    assert "row 5: the amount -0.001 has more decimals than USD allows" in result.output
    assert count() == 0
    as_json = json.loads(run(runner, path, "--workspace", ws.id, "--json").output)
    assert as_json["status"] == "refused" and as_json["errors"] == [
        {"row": 5, "reason": "the amount -0.001 has more decimals than USD allows (2)"}]
    dry = run(runner, path, "--workspace", ws.id, "--dry-run")
    assert dry.exit_code == 1 and "Nothing would be imported" in dry.output
    skipping = run(runner, path, "--workspace", ws.id, "--skip-errors")
    assert skipping.exit_code == 0 and count() == 4


@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.ofx", b"", "The file is empty."),
    ("junk.bin", b"just some words", "Unknown file format (.bin)"),
    ("notes.csv", b"a;b\nc;d\n", "The columns of this CSV file could not be recognised"),
    ("cut.ofx", ofx_file(ofx_statement(MARCH))[:-60], "OFX"),
])
def test_a_file_that_cannot_be_read_exits_with_1(runner, ws, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    result = run(runner, path, "--workspace", ws.id)
    assert result.exit_code == 1
    assert message in result.output


def test_unknown_workspace_or_account_is_a_clear_error(runner, ws, march):
    assert "No workspace with id 999" in run(runner, march, "--workspace", "999").output
    assert "No workspace id or user e-mail" in run(runner, march, "--workspace", "nobody@example.com").output
    result = run(runner, march, "--workspace", ws.id, "--account", "Nope")
    assert result.exit_code == 1 and "No account “Nope”" in result.output


def test_rows_with_no_account_at_all_are_refused(runner, ws, tmp_path):
    make_account(ws, "One")
    make_account(ws, "Two")
    path = tmp_path / "x.ofx"
    path.write_bytes(ofx_file(ofx_statement(MARCH, acctid="")))
    result = run(runner, path, "--workspace", ws.id)
    assert result.exit_code == 1 and "no account was chosen for these rows" in result.output
