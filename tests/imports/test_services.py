"""The import pipeline without HTTP: de-duplication, all-or-nothing commits, undo, accounts, rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.accounts.models import Account, number_digest
from financeapp.core.errors import Conflict, Invalid
from financeapp.extensions import db
from financeapp.imports import committing, planning, services, storage
from financeapp.imports.models import ImportBatch
from financeapp.imports.state import WizardState
from financeapp.labels.models import Label
from financeapp.payees.models import Payee
from financeapp.receipts.models import Attachment
from financeapp.rules.models import Rule
from financeapp.transactions.models import Transaction, TransactionLine, transaction_labels
from tests.factories import make_account, make_category, make_transaction
from tests.imports.conftest import parsed, run_import, statement, txn


def count(model=Transaction) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def coffee_day(*, number: str = "") -> object:
    return parsed(statement(
        txn(1, "2026-03-02", "-3.50", "Blue Bottle Coffee", "card 4242"),
        txn(2, "2026-03-02", "-3.50", "Blue Bottle Coffee", "card 4242"),
        txn(3, "2026-03-03", "2500.00", "ACME Payroll", "Salary March"),
        number=number,
    ), fmt="csv")


# -- de-duplication ------------------------------------------------------------------------------


def test_identical_rows_in_one_file_are_all_imported(ws, checking):
    _, plan = run_import(ws, coffee_day(), account=checking)
    assert plan.counts()["new"] == 3
    assert count() == 3


def test_importing_the_same_file_twice_adds_nothing(ws, checking):
    run_import(ws, coffee_day(), account=checking)
    batch, plan = run_import(ws, coffee_day(), account=checking)
    assert (batch.rows_imported, batch.rows_duplicate, batch.rows_total) == (0, 3, 3)
    assert count() == 3
    assert all(r.match is not None and r.match.kind == "text" for r in plan.rows)


def test_two_identical_incoming_rows_against_one_existing_make_one_duplicate_and_one_new(ws, checking):
    existing = make_transaction(checking, "-3.50", on=date(2026, 3, 2), payee="Blue Bottle Coffee", memo="card 9999")
    _, plan = run_import(ws, coffee_day(), account=checking)
    outcomes = [r.outcome for r in plan.rows]
    assert outcomes == ["duplicate", "new", "new"]
    assert plan.rows[0].match.transaction_id == existing.id
    assert count() == 3  # the existing one and two new


def test_overlapping_statements_add_only_the_new_rows(ws, checking):
    first = parsed(statement(
        txn(1, "2026-03-01", "-10.00", "Grocer", fitid="A1"),
        txn(2, "2026-03-05", "-20.00", "Grocer", fitid="A2"),
        txn(3, "2026-03-09", "-30.00", "Grocer", fitid="A3"),
        number="12345678"))
    second = parsed(statement(
        txn(1, "2026-03-05", "-20.00", "Grocer", fitid="A2"),
        txn(2, "2026-03-09", "-30.00", "Grocer", fitid="A3"),
        txn(3, "2026-03-12", "-40.00", "Grocer", fitid="A4"),
        txn(4, "2026-03-15", "-50.00", "Grocer", fitid="A5"),
        number="12345678"))
    run_import(ws, first)
    batch, plan = run_import(ws, second)
    assert (batch.rows_imported, batch.rows_duplicate) == (2, 2)
    assert [r.outcome for r in plan.rows] == ["duplicate", "duplicate", "new", "new"]
    assert count() == 5
    assert db.session.scalar(sa.select(sa.func.sum(Transaction.amount))) == Decimal("-150.00")


def test_a_bank_id_matches_whatever_the_date_and_text(ws, checking):
    make_transaction(checking, "-12.00", on=date(2026, 1, 1), payee="Old text")
    db.session.execute(sa.update(Transaction).values(external_id="FIT-1"))
    db.session.commit()
    _, plan = run_import(ws, parsed(statement(txn(1, "2026-02-20", "-12.00", "New text", fitid="FIT-1"),
                                              number="12345678")))
    row = plan.rows[0]
    assert row.status == "duplicate" and row.match.kind == "fitid"
    assert "FIT-1" in row.reason


def test_a_different_bank_id_is_never_a_text_duplicate(ws, checking):
    run_import(ws, parsed(statement(txn(1, "2026-03-01", "-9.99", "Netflix", fitid="X1"), number="12345678")))
    _, plan = run_import(ws, parsed(statement(txn(1, "2026-03-01", "-9.99", "Netflix", fitid="X2"),
                                              number="12345678")))
    assert plan.rows[0].status == "new"


@pytest.mark.parametrize(("days", "duplicate"), [(0, True), (1, True), (3, True), (4, False), (-3, True)])
def test_text_duplicates_are_found_within_a_three_day_window(ws, checking, days, duplicate):
    make_transaction(checking, "-42.00", on=date(2026, 3, 10), payee="City Power", memo="Invoice 88123")
    on = date.fromordinal(date(2026, 3, 10).toordinal() + days).isoformat()
    _, plan = run_import(ws, parsed(statement(txn(1, on, "-42.00", "CITY POWER", "invoice #55555")), fmt="csv"),
                         account=checking)
    assert (plan.rows[0].status == "duplicate") is duplicate
    if duplicate and days:
        assert f"{abs(days)} day" in plan.rows[0].reason


def test_a_different_amount_or_account_is_not_a_duplicate(ws, checking):
    savings = make_account(ws, "Savings", type="savings")
    make_transaction(checking, "-42.00", on=date(2026, 3, 10), payee="City Power")
    rows = statement(txn(1, "2026-03-10", "-42.01", "City Power"), txn(2, "2026-03-10", "-42.00", "City Power"))
    _, plan = run_import(ws, parsed(rows, fmt="csv"), account=savings)
    assert [r.status for r in plan.rows] == ["new", "new"]


def test_renaming_a_payee_after_an_import_still_recognises_the_rows(ws, checking):
    run_import(ws, coffee_day(), account=checking)
    db.session.execute(sa.update(Payee).where(Payee.name == "Blue Bottle Coffee").values(name="Coffee"))
    db.session.commit()
    batch, _ = run_import(ws, coffee_day(), account=checking)
    assert batch.rows_duplicate == 3


def test_the_nearest_date_is_matched_first_so_overlaps_pair_exactly(ws, checking):
    make_transaction(checking, "-5.00", on=date(2026, 3, 1), payee="Bus")
    make_transaction(checking, "-5.00", on=date(2026, 3, 3), payee="Bus")
    rows = statement(txn(1, "2026-03-01", "-5.00", "Bus"), txn(2, "2026-03-02", "-5.00", "Bus"),
                     txn(3, "2026-03-03", "-5.00", "Bus"))
    _, plan = run_import(ws, parsed(rows, fmt="csv"), account=checking)
    assert [r.outcome for r in plan.rows] == ["duplicate", "new", "duplicate"]
    assert plan.rows[0].match.on == date(2026, 3, 1) and plan.rows[2].match.on == date(2026, 3, 3)


# -- overrides --------------------------------------------------------------------------------------


def test_a_duplicate_can_be_imported_anyway_and_a_new_row_skipped(ws, checking):
    run_import(ws, coffee_day(), account=checking)
    batch, plan = run_import(ws, parsed(statement(
        txn(1, "2026-03-02", "-3.50", "Blue Bottle Coffee", "card 4242"),
        txn(2, "2026-03-20", "-8.00", "Lunch"),
    ), fmt="csv"), account=checking, force=["0:0"], skip=["0:1"])
    assert [r.outcome for r in plan.rows] == ["forced", "skipped"]
    assert (batch.rows_imported, batch.rows_duplicate, batch.rows_skipped) == (1, 0, 1)
    assert count() == 4


# -- all or nothing ---------------------------------------------------------------------------------


def big_file_with_a_bad_row(bad_at: int = 9_000, size: int = 10_000):
    rows = [txn(i, "2026-03-01", "-1.00" if i != bad_at else "-1.005", f"Shop {i}") for i in range(1, size + 1)]
    return parsed(statement(*rows), fmt="csv")


def test_an_error_in_row_9000_writes_nothing_and_names_the_row(ws, checking):
    with pytest.raises(Invalid) as err:
        run_import(ws, big_file_with_a_bad_row(), account=checking)
    assert "row 9000" in err.value.message and "more decimals than USD" in err.value.message
    assert count() == 0 and count(Payee) == 0 and count(TransactionLine) == 0


def test_rows_with_errors_can_be_left_out_when_the_user_says_so(ws, checking):
    batch, plan = run_import(ws, big_file_with_a_bad_row(size=20, bad_at=7), account=checking, skip_errors=True)
    assert (batch.rows_imported, batch.rows_error) == (19, 1)
    assert plan.errors()[0].row == 7
    assert count() == 19


def test_a_failure_while_writing_leaves_nothing_behind(ws, checking, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(committing, "_label_ids", explode)
    with pytest.raises(RuntimeError):
        run_import(ws, coffee_day(), account=checking)
    assert count() == 0 and count(Payee) == 0 and count(ImportBatch) == 0


def test_a_statement_without_an_account_is_an_error_for_each_row(ws, checking):
    make_account(ws, "Savings")
    with pytest.raises(Invalid, match="no account was chosen"):
        run_import(ws, coffee_day())


def test_a_currency_that_differs_from_the_account_is_an_error(ws, checking):
    rows = parsed(statement(txn(1, "2026-03-01", "-1.00", "Shop"), currency="EUR"))
    with pytest.raises(Invalid, match="the file is in EUR but Checking is in USD"):
        run_import(ws, rows, account=checking)


# -- what gets written --------------------------------------------------------------------------------


def test_each_transaction_records_its_import_bank_id_line_and_payee(ws, checking, owner):
    batch, _ = run_import(ws, parsed(statement(txn(1, "2026-03-01", "-12.34", "  Grocer   Ltd ", "weekly", fitid="F1"),
                                               number="12345678")), user=owner)
    row = db.session.scalar(sa.select(Transaction))
    assert (row.import_id, row.external_id, row.amount, row.memo, row.status) == (batch.id, "F1", Decimal("-12.34"),
                                                                                  "weekly", "cleared")
    assert row.payee.name == "Grocer Ltd"
    assert [line.amount for line in row.lines] == [Decimal("-12.34")]
    assert (batch.status, batch.created_by_id, batch.rows_imported) == ("committed", owner.id, 1)
    assert batch.committed_at is not None


def test_payees_are_reused_whatever_their_case(ws, checking):
    make_transaction(checking, "-1.00", on=date(2025, 1, 1), payee="Grocer")
    run_import(ws, parsed(statement(txn(1, "2026-03-01", "-2.00", "GROCER"), txn(2, "2026-03-02", "-3.00", "grocer"),
                                    txn(3, "2026-03-03", "-4.00", "Baker")), fmt="csv"), account=checking)
    assert sorted(db.session.scalars(sa.select(Payee.name))) == ["Baker", "Grocer"]


def test_qif_splits_become_lines_that_add_up_and_categories_match_by_name(ws, checking):
    books = make_category(ws, "Textbooks", group="Education")
    household = make_category(ws, "Household", group="Home")
    rows = statement(
        txn(1, "2026-03-01", "-98.05", "Campus store",
            splits=(("-53.30", "Education:Textbooks"), ("-44.75", "Household"))),
        txn(2, "2026-03-02", "-10.00", "Corner shop", category="household"),
        txn(3, "2026-03-03", "-500.00", "", transfer="Savings"),
    )
    run_import(ws, parsed(rows, fmt="qif"), account=checking)
    first, second, third, other_side = db.session.scalars(sa.select(Transaction).order_by(Transaction.on,
                                                                                          Transaction.id))
    assert [(line.category_id, line.amount) for line in first.lines] == [(books.id, Decimal("-53.30")),
                                                                           (household.id, Decimal("-44.75"))]
    assert sum(line.amount for line in first.lines) == first.amount
    assert second.lines[0].category_id == household.id
    # [Savings] is a transfer: the other side goes to a Savings account, created for it.
    assert third.transfer_key == other_side.transfer_key == third.id
    assert (other_side.account.name, other_side.amount, third.account_id) == ("Savings", Decimal("500.00"),
                                                                               checking.id)


def test_splits_that_do_not_add_up_are_an_error(ws, checking):
    rows = statement(txn(1, "2026-03-01", "-10.00", "Shop", splits=(("-4.00", ""), ("-5.00", ""))))
    with pytest.raises(Invalid, match=r"row 1: the split lines add up to -9\.00"):
        run_import(ws, parsed(rows, fmt="qif"), account=checking)


def test_rules_set_payee_category_and_labels(ws, checking):
    coffee = make_category(ws, "Coffee", group="Eating out")
    db.session.add(Rule(workspace_id=ws.id, name="Coffee shops", position=1, match_field="payee", match_op="contains",
                        match_text="bottle", set_payee="Blue Bottle", set_category_id=coffee.id,
                        add_labels="treats, work"))
    db.session.commit()
    _, plan = run_import(ws, coffee_day(), account=checking)
    assert plan.rows[0].rule == "Coffee shops" and plan.rows[0].category == "Eating out: Coffee"
    rows = list(db.session.scalars(sa.select(Transaction).where(Transaction.amount == Decimal("-3.50"))))
    assert {r.payee.name for r in rows} == {"Blue Bottle"}
    assert {line.category_id for r in rows for line in r.lines} == {coffee.id}
    assert sorted(label.name for label in rows[0].labels) == ["treats", "work"]
    # The rename does not stop the same file from being recognised next time.
    batch, _ = run_import(ws, coffee_day(), account=checking)
    assert batch.rows_duplicate == 3


# -- accounts ----------------------------------------------------------------------------------------


def test_rows_go_to_the_account_with_the_files_number(ws, checking):
    make_account(ws, "Other", number="999")
    run_import(ws, parsed(statement(txn(1, "2026-03-01", "-1.00", "Shop"), number="1234-5678")))
    assert db.session.scalar(sa.select(Transaction.account_id)) == checking.id


def test_a_missing_account_is_created_from_the_file_with_its_currency(ws, checking):
    rows = statement(txn(1, "2026-03-01", "-100.00", "Shop", fitid="E1"),
                     txn(2, "2026-03-04", "50.00", "Refund", fitid="E2"),
                     number="DE89370400440532013000", currency="EUR", kind="savings", closing="950.00")
    batch, _ = run_import(ws, parsed(rows))
    digest = number_digest("DE89370400440532013000")  # the number itself is encrypted (issue 11)
    account = db.session.scalar(sa.select(Account).where(Account.number_digest == digest))
    assert (account.name, account.currency, account.type) == ("Savings DE89370400440532013000", "EUR", "savings")
    assert account.opening_balance == Decimal("1000.00") and account.opening_date == date(2026, 2, 28)
    assert WizardState.load(batch).created_accounts == [account.id]
    committing.undo_import(ws, batch)
    db.session.commit()
    assert db.session.get(Account, account.id) is None


def test_the_cli_account_choice_applies_to_files_without_numbers(ws, checking):
    savings = make_account(ws, "Savings")
    run_import(ws, coffee_day(), account=savings)
    assert set(db.session.scalars(sa.select(Transaction.account_id))) == {savings.id}


def test_another_workspaces_account_cannot_be_chosen(ws, checking, app):
    from tests.factories import make_user, personal_workspace

    other = personal_workspace(make_user("other@example.com"))
    theirs = make_account(other, "Theirs")
    with pytest.raises(Exception) as err:
        run_import(ws, coffee_day(), choices={"0": theirs.id})
    assert getattr(err.value, "status", None) == 404


# -- undo -------------------------------------------------------------------------------------------


def test_undo_removes_every_transaction_with_its_lines_labels_and_attachments(ws, checking):
    batch, _ = run_import(ws, coffee_day(), account=checking)
    kept = make_transaction(checking, "-1.00", on=date(2026, 3, 2), payee="Manual")
    first = db.session.scalar(sa.select(Transaction).where(Transaction.import_id == batch.id))
    label = Label(workspace_id=ws.id, name="tagged")
    db.session.add(label)
    db.session.flush()
    db.session.execute(transaction_labels.insert().values(transaction_id=first.id, label_id=label.id))
    db.session.add(Attachment(workspace_id=ws.id, transaction_id=first.id, stored_name="ab" * 16,
                              original_name="r.pdf", content_type="application/pdf", size=3,
                              sha256="0" * 64))
    db.session.commit()
    assert committing.undo_import(ws, batch) == 3
    db.session.commit()
    assert list(db.session.scalars(sa.select(Transaction.id))) == [kept.id]
    assert count(TransactionLine) == 1 and count(Attachment) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(transaction_labels)) == 0
    assert batch.status == "undone" and batch.undone_at is not None
    with pytest.raises(Conflict, match="already been undone"):
        committing.undo_import(ws, batch)


def test_after_an_undo_the_same_file_imports_again(ws, checking):
    batch, _ = run_import(ws, coffee_day(), account=checking)
    committing.undo_import(ws, batch)
    db.session.commit()
    again, _ = run_import(ws, coffee_day(), account=checking)
    assert again.rows_imported == 3


def test_a_committed_batch_cannot_be_committed_again(ws, checking):
    batch, _ = run_import(ws, coffee_day(), account=checking)
    with pytest.raises(Conflict, match="already been imported"):
        committing.commit_import(ws, batch, parsed=coffee_day())


# -- saved CSV mappings ------------------------------------------------------------------------------


def test_a_saved_csv_mapping_is_found_again_by_the_files_header(ws, checking, app, tmp_path, monkeypatch):
    from financeapp.imports.models import CsvMapping

    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    data = b"when|who|how much\r\n2026-03-02|Corner shop|-12.50\r\n"
    batch = services.stage_upload(ws, None, "odd.csv", data)
    mapping = {"date_column": 0, "payee_column": 1, "amount_column": 2, "delimiter": "|", "header_row": 0,
               "thousands_separator": ""}
    services.choose_csv_mapping(ws, batch, mapping, name="Odd bank")
    db.session.commit()
    saved = db.session.scalar(sa.select(CsvMapping))
    assert saved.name == "Odd bank" and saved.workspace_id == ws.id
    later = services.stage_upload(ws, None, "odd-2.csv", data.replace(b"12.50", b"99.00"))
    found, row = planning.mapping_for_layout(ws, planning.csv_layout(storage.read_stored(later)))
    assert row.id == saved.id and found["delimiter"] == "|" and found["amount_column"] == 2
    # The command line uses it too.
    result = committing.run_file(ws, None, "odd-3.csv", data, account=checking)
    assert result.plan.counts()["new"] == 1
