"""One CSV of many accounts (Firefly III, Actual, YNAB, a spreadsheet), and rows that do not fit."""

from __future__ import annotations

import pytest

from financeapp.imports.parsed import ParseError
from financeapp.imports.parsers import parse, sniff
from financeapp.imports.parsers.ledger import category_path, labels_of

from .helpers import D


def csv(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


# -- a row that does not fit is an error ----------------------------------------------------------------


def test_a_row_with_an_unquoted_comma_in_its_amount_is_an_error_naming_the_row() -> None:
    data = csv("Date,Payee,Amount,Memo", "2026-03-01,Grocer,-12.50,food", "2026-03-02,Landlord,-1,250.00,rent",
               "2026-03-03,Shop,-3.00,x")
    with pytest.raises(ParseError) as caught:
        parse(data, "bank.csv")
    assert caught.value.row == 3 and "5 fields but the header has 4" in str(caught.value)


def test_a_row_with_a_field_missing_is_an_error_naming_the_row() -> None:
    data = csv("Date,Payee,Amount,Memo", "2026-03-01,Grocer,-12.50,food", "2026-03-02,-40.00,rent")
    with pytest.raises(ParseError, match=r"Row 3: This row has 3 fields but the header has 4"):
        parse(data, "bank.csv")


@pytest.mark.parametrize("lines", [
    ("Date,Payee,Amount,", "2026-03-01,Grocer,-12.50,", "2026-03-02,Landlord,-1250.00,"),  # on every line
    ("Date,Payee,Amount", "2026-03-01,Grocer,-12.50,", "2026-03-02,Landlord,-1250.00,"),  # on the rows only
    ("Date,Payee,Amount,", "2026-03-01,Grocer,-12.50", "2026-03-02,Landlord,-1250.00"),  # on the header only
])
def test_a_consistent_trailing_empty_column_is_fine(lines: tuple[str, ...]) -> None:
    [statement] = parse(csv(*lines), "bank.csv").statements
    assert [t.amount for t in statement.transactions] == [D("-12.50"), D("-1250.00")]


# -- one file, many accounts --------------------------------------------------------------------------

SPREADSHEET = csv(
    "Date,Account,Currency,Payee,Category,Amount,Memo,Tags,Transfer,Split",
    "2026-03-01,Checking,USD,Grocer,Everyday/Groceries,-40.00,,food;weekly,,",
    "2026-03-02,Checking,USD,,,-500.00,to savings,,Savings,",
    "2026-03-02,Savings,USD,,,500.00,from checking,,Checking,",
    "2026-03-03,Card,USD,Market,Everyday > Groceries,-30.00,fruit,,,S1",
    "2026-03-03,Card,USD,Market,Home:Household,-12.00,soap,,,S1",
    "2026-03-04,Travel,EUR,Café,Leisure/Eating out,-8.00,,,,",
)


def test_a_spreadsheet_of_several_accounts_is_read_into_one_statement_per_account() -> None:
    layout = sniff(SPREADSHEET)
    mapping = layout.suggested
    assert mapping is not None and (mapping.account_column, mapping.currency_column, mapping.category_column,
                                    mapping.labels_column, mapping.transfer_column, mapping.split_column) == (
        1, 2, 4, 7, 8, 9)
    parsed = parse(SPREADSHEET, "all.csv")
    by_name = {s.account_name: s for s in parsed.statements}
    assert list(by_name) == ["Checking", "Savings", "Card", "Travel"]
    assert by_name["Travel"].currency == "EUR" and by_name["Checking"].currency == "USD"
    grocer, transfer = by_name["Checking"].transactions
    assert (grocer.category, grocer.labels) == ("Everyday:Groceries", ("food", "weekly"))
    assert (transfer.transfer_account, transfer.amount) == ("Savings", D("-500.00"))
    [split] = by_name["Card"].transactions
    assert split.amount == D("-42.00") and [(s.amount, s.category, s.memo) for s in split.splits] == [
        (D("-30.00"), "Everyday:Groceries", "fruit"), (D("-12.00"), "Home:Household", "soap")]


@pytest.mark.parametrize("raw, path", [("Food/Groceries", "Food:Groceries"), ("Food:Groceries", "Food:Groceries"),
                                       ("Food > Groceries", "Food:Groceries"), ("Food: Groceries", "Food:Groceries"),
                                       ("Groceries", "Groceries"), ("", "")])
def test_two_level_categories_are_read_in_the_three_usual_spellings(raw: str, path: str) -> None:
    assert category_path(raw) == path


def test_tags_are_split_on_commas_semicolons_and_bars_once_each() -> None:
    assert labels_of("rent, home;rent|2026 ") == ("rent", "home", "2026")


# -- presets --------------------------------------------------------------------------------------------

FIREFLY = csv(
    "user_id,group_id,journal_id,created_at,updated_at,group_title,type,currency_code,amount,foreign_currency_code,"
    "foreign_amount,native_currency_code,native_amount,native_foreign_amount,description,date,source_name,"
    "source_iban,source_type,destination_name,destination_iban,destination_type,reconciled,category,budget,bill,"
    "tags,notes",
    "1,10,100,,,,Withdrawal,EUR,-12.50,,,EUR,,,Lunch,2026-03-01T12:00:00+01:00,Checking,,Asset account,"
    "Bistro,,Expense account,0,Eating out,,,\"work,lunch\",",
    "1,11,101,,,,Deposit,EUR,2000.00,,,EUR,,,Salary,2026-03-02T00:00:00+01:00,ACME,,Revenue account,"
    "Checking,,Asset account,0,Salary,,,,",
    "1,12,102,,,,Transfer,EUR,300.00,,,EUR,,,Saving,2026-03-03T00:00:00+01:00,Checking,,Asset account,"
    "Savings,,Asset account,0,,,,,",
)


def test_a_firefly_iii_export_is_recognised_and_read_from_the_users_side() -> None:
    layout = sniff(FIREFLY)
    assert layout.preset == "Firefly III" and layout.suggested is not None
    parsed = parse(FIREFLY, "firefly.csv")
    [checking] = [s for s in parsed.statements if s.account_name == "Checking"]
    lunch, salary, saving = checking.transactions
    assert (lunch.amount, lunch.payee, lunch.memo, lunch.category, lunch.labels) == (
        D("-12.50"), "Bistro", "Lunch", "Eating out", ("work", "lunch"))
    assert (salary.amount, salary.payee) == (D("2000.00"), "ACME")
    assert (saving.amount, saving.transfer_account) == (D("-300.00"), "Savings")
    assert checking.currency == "EUR"


ACTUAL = csv(
    "Account,Date,Payee,Notes,Category,Amount,Split_Amount,Cleared",
    "Checking,2026-03-01,Grocer,,Groceries,-40.00,0,Cleared",
    "Checking,2026-03-02,Savings,monthly,,-100.00,0,Cleared",
    "Savings,2026-03-02,Checking,monthly,,100.00,0,Cleared",
    "Checking,2026-03-03,Market,(SPLIT INTO 2) weekly,,0,-25.00,Cleared",
    "Checking,2026-03-03,Market,(SPLIT 1 OF 2) fruit,Groceries,-15.00,0,Cleared",
    "Checking,2026-03-03,Market,(SPLIT 2 OF 2) soap,Household,-10.00,0,Cleared",
)

YNAB = csv(
    '"Account","Flag","Date","Payee","Category Group/Category","Category Group","Category","Memo","Outflow",'
    '"Inflow","Cleared"',
    '"Checking","","03/01/2026","Grocer","Everyday Expenses: Groceries","Everyday Expenses","Groceries","",'
    '"$40.00","$0.00","Cleared"',
    '"Checking","Red","03/02/2026","Transfer : Savings","","","","","$100.00","$0.00","Cleared"',
    '"Savings","","03/02/2026","Transfer : Checking","","","","","$0.00","$100.00","Cleared"',
    '"Checking","","03/03/2026","Market","Everyday Expenses: Groceries","Everyday Expenses","Groceries",'
    '"Split (1/2) fruit","$15.00","$0.00","Cleared"',
    '"Checking","","03/03/2026","Market","Home: Household","Home","Household","Split (2/2) soap","$10.00",'
    '"$0.00","Cleared"',
)


@pytest.mark.parametrize("data, preset", [(ACTUAL, "Actual"), (YNAB, "YNAB")])
def test_actual_and_ynab_exports_give_transfers_and_splits(data: bytes, preset: str) -> None:
    assert sniff(data).preset == preset
    parsed = parse(data, f"{preset}.csv")
    by_name = {s.account_name: s for s in parsed.statements}
    assert set(by_name) == {"Checking", "Savings"}
    grocer, transfer, split = by_name["Checking"].transactions
    assert grocer.amount == D("-40.00") and grocer.category.endswith("Groceries")
    assert (transfer.transfer_account, transfer.amount) == ("Savings", D("-100.00"))
    assert by_name["Savings"].transactions[0].transfer_account == "Checking"
    assert split.amount == D("-25.00") and [(s.amount, s.memo) for s in split.splits] == [
        (D("-15.00"), "fruit"), (D("-10.00"), "soap")]
