"""Export services: the CSV of filtered transactions, the workspace document, and an identical round trip."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.core.db import utcnow
from financeapp.core.errors import Invalid
from financeapp.exports import registry, services
from financeapp.extensions import db
from financeapp.labels.services import labels_named
from financeapp.transactions.models import Transaction
from financeapp.transactions.queries import SORTS, TransactionFilter
from financeapp.transactions.services import EntryInput, LineInput, TransferInput, record_entry, record_transfer
from financeapp.workspaces.models import Membership, Workspace
from tests.exports.conftest import balances, entity_hashes
from tests.factories import make_account, make_category, make_transaction, make_user, personal_workspace


def _csv(ws, **args) -> list[dict[str, str]]:
    text = "".join(services.transactions_csv(ws, TransactionFilter.from_args(args)))
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def ledger(ctx):
    user = make_user("cara@example.com", name="Cara")
    ws = personal_workspace(user)
    checking = make_account(ws, "Checking")
    savings = make_account(ws, "Savings")
    food = make_category(ws, "Food", group="Daily")
    txn = make_transaction(checking, "-12.30", on=date(2026, 3, 1), category=food, payee="Bakery", memo="bread")
    txn.labels = labels_named(ws, ["weekly", "bio"])
    make_transaction(checking, "2500", on=date(2026, 3, 2), payee="=HYPERLINK(\"x\")", memo="salary")
    record_entry(ws, EntryInput(account_id=checking.id, on=date(2026, 3, 3), amount=Decimal("30"),
                                direction="out", payee="Market",
                                lines=(LineInput(food.id, Decimal("20")),
                                       LineInput(None, Decimal("10")))))
    record_transfer(ws, TransferInput(from_account_id=checking.id, to_account_id=savings.id, on=date(2026, 3, 4),
                                      amount=Decimal("100")))
    db.session.commit()
    return ws


def test_csv_has_one_row_per_transaction_with_splits_transfers_and_labels(ledger):
    rows = _csv(ledger, sort="date")
    assert list(rows[0]) == list(services.CSV_COLUMNS)
    assert [(r["date"], r["account"], r["amount"]) for r in rows] == [
        ("2026-03-01", "Checking", "-12.30"), ("2026-03-02", "Checking", "2500.00"),
        ("2026-03-03", "Checking", "-30.00"), ("2026-03-04", "Checking", "-100.00"),
        ("2026-03-04", "Savings", "100.00"),
    ]
    bakery, salary, split, out, into = rows
    assert (bakery["payee"], bakery["category"], bakery["memo"], bakery["labels"], bakery["currency"],
            bakery["status"]) == ("Bakery", "Daily: Food", "bread", "bio, weekly", "USD", "uncleared")
    assert salary["payee"] == "'=HYPERLINK(\"x\")"  # never a live formula in a spreadsheet
    assert (split["category"], split["splits"]) == ("Split", "Daily: Food -20.00; Uncategorised -10.00")
    assert (out["transfer"], into["transfer"], out["category"]) == ("Savings", "Checking", "")


def test_csv_uses_the_transactions_page_filters_and_sort(ledger):
    assert [r["payee"] for r in _csv(ledger, q="bak")] == ["Bakery"]
    assert [r["amount"] for r in _csv(ledger, kind="transfer", sort="amount")] == ["-100.00", "100.00"]
    assert [r["date"] for r in _csv(ledger, start="2026-03-02", end="2026-03-03")] == ["2026-03-03", "2026-03-02"]
    assert _csv(ledger, account="999999") == []


@pytest.mark.parametrize("sort", ["-date", "date", "-amount", "amount"])
def test_csv_streams_in_chunks_without_losing_or_repeating_a_row(ctx, monkeypatch, sort):
    monkeypatch.setattr(services, "CHUNK", 7)
    ws = personal_workspace(make_user("dan@example.com"))
    account = make_account(ws)
    for i in range(40):  # ties on date and on amount cross the chunk edges
        make_transaction(account, f"-{i % 5 + 1}", on=date(2026, 1, 1 + i % 3), memo=f"row {i}")
    pieces = list(services.transactions_csv(ws, TransactionFilter.from_args({"sort": sort})))
    assert len(pieces) == 1 + 6  # the header, then ceil(40 / 7) chunks
    rows = list(csv.DictReader(io.StringIO("".join(pieces))))
    assert sorted(r["memo"] for r in rows) == sorted(f"row {i}" for i in range(40))
    page = [t.memo for t in db.session.scalars(sa.select(Transaction).order_by(*SORTS[sort]))]
    assert [r["memo"] for r in rows] == page


def test_the_workspace_round_trip_is_identical(rich):
    eve, ws = rich
    first = json.loads("".join(services.workspace_json(ws)))
    assert (first["format"], first["version"]) == ("financeapp-workspace", 1)
    result = services.restore_workspace(eve, json.dumps(first).encode())
    db.session.commit()
    restored = result.workspace
    assert restored.id != ws.id and restored.base_currency == ws.base_currency
    assert restored.name == f"{ws.name} (restored {utcnow().date().isoformat()})"
    assert [m.role for m in restored.memberships] == ["owner"]
    second = json.loads("".join(services.workspace_json(restored)))

    assert services.counts_of(restored) == services.counts_of(ws) == result.counts
    assert result.counts["transactions"] > 2000 and result.counts["rules"] == 2
    assert all(result.counts[name] > 0 for name in result.counts), result.counts
    assert balances(restored.id) == balances(ws.id)
    assert entity_hashes(second) == entity_hashes(first)
    # The comparison notices a change of a single cent somewhere.
    first["tables"]["transaction_lines"]["rows"][5][first["tables"]["transaction_lines"]["columns"].index("amount")] \
        += "1"
    assert entity_hashes(second) != entity_hashes(first)

    transfers = db.session.execute(
        sa.select(Transaction.transfer_key, sa.func.count()).where(
            Transaction.workspace_id == restored.id, Transaction.transfer_key.is_not(None))
        .group_by(Transaction.transfer_key)).all()
    assert transfers and all(count == 2 for _key, count in transfers)
    keys = {key for key, _ in transfers}
    assert keys <= set(db.session.scalars(sa.select(Transaction.id).where(Transaction.workspace_id == restored.id)))


def test_a_restore_with_a_bad_reference_writes_nothing(rich):
    eve, ws = rich
    document = json.loads("".join(services.workspace_json(ws)))
    lines = document["tables"]["transaction_lines"]
    lines["rows"][-1][lines["columns"].index("transaction_id")] = 10**9
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Workspace))
    with pytest.raises(Invalid) as err:
        services.restore_workspace(eve, json.dumps(document))
    db.session.rollback()
    assert f"Table “transaction_lines”, row {len(lines['rows'])}" in err.value.message
    assert "refers to transactions id 1000000000, which is not in the file" in err.value.message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Workspace)) == before


@pytest.mark.parametrize(("content", "message"), [
    (b"\xff\xfe\x00garbage", "not a UTF-8 JSON file"),
    (b"{not json", "not valid JSON"),
    (b"[]", "expected format “financeapp-workspace”"),
    (b'{"format": "firefly", "version": 1}', "expected format “financeapp-workspace”"),
    (b'{"format": "financeapp-workspace", "version": 2, "tables": {}}', "format version 2, but this financeapp "
                                                                         "reads only version 1"),
    (b'{"format": "financeapp-workspace", "version": 1}', "has no tables"),
    (b'{"format": "financeapp-workspace", "version": 1, "workspace": {"name": "x", "base_currency": "USD"}, '
     b'"tables": {"budgets_from_the_future": {}}}', "tables this financeapp does not know"),
    (b'{"format": "financeapp-workspace", "version": 1, "workspace": {"name": "x", "base_currency": "USD"}, '
     b'"tables": {"accounts": {"columns": ["id", "name", "colour_of_money"], "rows": []}}}', "colour_of_money"),
    (b'{"format": "financeapp-workspace", "version": 1, "workspace": {"name": "x", "base_currency": "USD"}, '
     b'"tables": {"labels": {"columns": ["id", "name"], "rows": [[1, "a"], [1, "b"]]}}}', "repeated"),
    (b'{"format": "financeapp-workspace", "version": 1, "workspace": {"name": "x", "base_currency": "USD"}, '
     b'"tables": {"accounts": {"columns": ["id", "name", "currency", "opening_date", "opening_balance"], '
     b'"rows": [[1, "a", "USD", "2026-13-01", "0"]]}}}', "column “opening_date”"),
    (b'{"format": "financeapp-workspace", "version": 1, "workspace": {"name": "x", "base_currency": "USD"}, '
     b'"tables": {"accounts": {"columns": ["id", "name", "currency", "opening_date", "opening_balance"], '
     b'"rows": [[1, "a", "USD", "2026-01-01", "NaN"]]}}}', "is not an amount this column can hold"),
    (b'{"format": "financeapp-workspace", "version": 1, "workspace": {"name": "x", "base_currency": "USD"}, '
     b'"tables": {"labels": {"columns": ["id", "name"], "rows": [[1, "' + b"x" * 41 + b'"]]}}}',
     "longer than 40 characters"),
])
def test_a_wrong_file_is_refused_with_a_clear_message_and_writes_nothing(ctx, content, message):
    user = make_user("fay@example.com")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Workspace))
    with pytest.raises(Invalid) as err:
        services.restore_workspace(user, content)
    db.session.rollback()
    assert message in err.value.message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Workspace)) == before


def test_every_workspace_table_is_backed_up_or_deliberately_left_out(ctx):
    registered = {spec.name for spec in registry.TABLES}
    missing = []
    for name, table in db.metadata.tables.items():
        if name in registered or name in registry.NOT_EXPORTED or name in registry.PENDING_REGISTRATION:
            continue
        if "workspace_id" in table.columns:
            missing.append(name)
    assert not missing, (f"Register {missing} in financeapp/exports/registry.py TABLES (or list them in "
                         "NOT_EXPORTED with a reason) so workspace backups keep their data.")


def test_the_export_of_one_workspace_holds_none_of_another(rich, ledger):
    document = json.loads("".join(services.workspace_json(ledger)))
    counts = {name: len(part["rows"]) for name, part in document["tables"].items()}
    assert counts["transactions"] == 5 and counts["rules"] == 0 and counts["accounts"] == 2


def test_a_restored_backup_is_named_as_one_and_never_twins_a_workspace_in_the_list(rich):
    eve, ws = rich
    document = json.loads("".join(services.workspace_json(ws)))
    day = date(2026, 12, 2)
    names = [services.restore_workspace(eve, document, today=day).workspace.name for _ in range(3)]
    db.session.commit()
    assert names == [f"{ws.name} (restored 2026-12-02)", f"{ws.name} (restored 2026-12-02) (2)",
                     f"{ws.name} (restored 2026-12-02) (3)"]
    # A backup of a restored workspace is named after the original, not "(restored …) (restored …)".
    again = json.loads("".join(services.workspace_json(db.session.scalar(
        sa.select(Workspace).where(Workspace.name == names[1])))))
    assert services.restore_workspace(eve, again, today=date(2026, 12, 3)).workspace.name \
        == f"{ws.name} (restored 2026-12-03)"
    assert services.restore_workspace(eve, document, name="  Old   books ").workspace.name == "Old books"
    assert services.restore_workspace(eve, document, name="Old books").workspace.name == "Old books (2)"
    listed = db.session.scalars(sa.select(Workspace.name).join(Membership).where(Membership.user_id == eve.id)).all()
    assert len(listed) == len(set(listed))
