"""Switching in from another app: many accounts in one file (CSV and QIF), from the CLI and the wizard;
each transfer once with both sides; what an import created is undone with it; the wizard's state."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.accounts.models import Account
from financeapp.categories.models import Category
from financeapp.extensions import db
from financeapp.imports import committing
from financeapp.imports.models import ImportBatch
from financeapp.imports.state import PreviewRow, WizardState
from financeapp.labels.models import Label
from financeapp.transactions.models import Transaction
from tests.factories import make_account, make_user, personal_workspace

QIF = """!Account
NChecking
TBank
^
!Type:Bank
D03/01/2026
T-500.00
PTo savings
L[Savings]
^
D03/02/2026
T-40.00
PGrocer
LFood:Groceries
^
D03/03/2026
T-75.20
PCard payment
L[Visa Card]
^
!Account
NSavings
TBank
^
!Type:Bank
D03/01/2026
T500.00
PFrom checking
L[Checking]
^
D03/05/2026
T2.10
PBank
LIncome:Interest
^
""".replace("\n", "\r\n").encode()

CSV = (b"Date,Account,Currency,Payee,Category,Amount,Memo,Tags,Transfer\r\n"
       b"2026-03-01,Checking,USD,,,-500.00,,,Savings\r\n"
       b"2026-03-01,Savings,USD,,,500.00,,,Checking\r\n"
       b"2026-03-02,Checking,USD,Grocer,Food/Groceries,-40.00,,weekly,\r\n"
       b"2026-03-03,Checking,USD,,,-75.20,card,,Visa Card\r\n"
       b"2026-03-05,Savings,USD,Bank,Income/Interest,2.10,,,\r\n")


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))


@pytest.fixture
def ws(ctx):
    return personal_workspace(make_user("switch@example.com", name="Sam"))


def _ledger(ws) -> dict[str, list[tuple[str, Decimal, bool]]]:
    """Per account: (date, amount, is a transfer) of its transactions."""
    db.session.expire_all()
    out: dict[str, list[tuple[str, Decimal, bool]]] = {}
    for txn in db.session.scalars(sa.select(Transaction).where(Transaction.workspace_id == ws.id)
                                  .order_by(Transaction.on, Transaction.id)):
        out.setdefault(txn.account.name, []).append((txn.on.isoformat(), txn.amount, txn.transfer_key is not None))
    return out


def _transfers(ws) -> list[int]:
    return [n for _key, n in db.session.execute(
        sa.select(Transaction.transfer_key, sa.func.count()).where(
            Transaction.workspace_id == ws.id, Transaction.transfer_key.is_not(None))
        .group_by(Transaction.transfer_key))]


EXPECTED = {
    "Checking": [("2026-03-01", Decimal("-500.00"), True), ("2026-03-02", Decimal("-40.00"), False),
                 ("2026-03-03", Decimal("-75.20"), True)],
    "Savings": [("2026-03-01", Decimal("500.00"), True), ("2026-03-05", Decimal("2.10"), False)],
    "Visa Card": [("2026-03-03", Decimal("75.20"), True)],
}


@pytest.mark.parametrize("name, data", [("all.qif", QIF), ("all.csv", CSV)])
def test_the_cli_imports_every_account_of_one_file_with_each_transfer_once(runner, ws, tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    result = runner.invoke(args=["imports", "run", str(path), "--workspace", str(ws.id), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["imported"] == 6 and out["transfers"] == 2

    assert _ledger(ws) == EXPECTED
    assert _transfers(ws) == [2, 2]
    card = db.session.scalar(sa.select(Account).where(Account.name == "Visa Card"))
    assert card.type == "credit_card"
    food = db.session.scalar(sa.select(Category).where(Category.workspace_id == ws.id, Category.name == "Food"))
    assert [(c.name, c.kind) for c in food.children] == [("Groceries", "expense")]  # created, with its group
    interest = db.session.scalar(sa.select(Transaction).where(Transaction.amount == Decimal("2.10"))).lines[0]
    assert interest.category.full_name == "Income: Interest"  # the default category, not a new one

    again = runner.invoke(args=["imports", "run", str(path), "--workspace", str(ws.id), "--json"])
    assert again.exit_code == 3 and json.loads(again.output)["imported"] == 0
    assert _ledger(ws) == EXPECTED


def test_the_other_accounts_file_later_finds_the_transfer_already_there(ws):
    checking_file = b"!Account\r\nNChecking\r\nTBank\r\n^\r\n!Type:Bank\r\nD03/01/2026\r\nT-500.00\r\n" \
                    b"PTo savings\r\nL[Savings]\r\n^\r\n"
    savings_file = b"!Account\r\nNSavings\r\nTBank\r\n^\r\n!Type:Bank\r\nD03/02/2026\r\nT500.00\r\n" \
                   b"PIncoming from checking\r\nL[Checking]\r\n^\r\n"
    committing.run_file(ws, None, "checking.qif", checking_file)
    db.session.commit()
    second = committing.run_file(ws, None, "savings.qif", savings_file)
    db.session.commit()
    assert second.plan.counts()["imported"] == 0
    assert "the same transfer between these two accounts" in second.plan.rows[0].reason
    assert _ledger(ws) == {"Checking": [("2026-03-01", Decimal("-500.00"), True)],
                           "Savings": [("2026-03-01", Decimal("500.00"), True)]}


def test_the_two_sides_of_a_transfer_booked_days_apart_are_one_transfer(ws):
    data = (b"Date,Account,Amount,Transfer\r\n2026-03-01,Checking,-500.00,Savings\r\n"
            b"2026-03-03,Savings,500.00,Checking\r\n2026-03-20,Savings,500.00,Checking\r\n")
    committing.run_file(ws, None, "x.csv", data)
    db.session.commit()
    # The 20 March row is too far from the 1 March one: it is a transfer of its own, its other side written.
    assert _ledger(ws) == {"Checking": [("2026-03-01", Decimal("-500.00"), True),
                                        ("2026-03-20", Decimal("-500.00"), True)],
                           "Savings": [("2026-03-03", Decimal("500.00"), True),
                                       ("2026-03-20", Decimal("500.00"), True)]}
    assert _transfers(ws) == [2, 2]


def test_undo_removes_the_accounts_categories_and_labels_the_import_created(ws):
    before = {table: db.session.scalar(sa.select(sa.func.count()).select_from(table).where(
        table.workspace_id == ws.id)) for table in (Account, Category, Label)}
    run = committing.run_file(ws, None, "all.csv", CSV)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Label).where(Label.workspace_id == ws.id)) \
        == before[Label] + 1
    committing.undo_import(ws, run.batch)
    db.session.commit()
    after = {table: db.session.scalar(sa.select(sa.func.count()).select_from(table).where(
        table.workspace_id == ws.id)) for table in (Account, Category, Label)}
    assert after == before and not _ledger(ws)


def test_a_qif_split_line_to_an_account_creates_no_category(ws):
    data = (b"!Type:Bank\r\nD03/01/2026\r\nT-100.00\r\nPShop\r\nSHome:Repairs\r\n$-60.00\r\n"
            b"S[Savings]\r\n$-40.00\r\n^\r\n")
    make_account(ws, "Checking")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Category))
    committing.run_file(ws, None, "split.qif", data)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Category)) == before
    [txn] = db.session.scalars(sa.select(Transaction)).all()
    assert [(line.category.full_name if line.category else None, line.amount) for line in txn.lines] == [
        ("Home: Repairs", Decimal("-60.00")), (None, Decimal("-40.00"))]


def test_a_category_the_workspace_has_is_used_not_created_again(ws):
    food = Category(workspace_id=ws.id, name="Food", kind="expense")
    groceries = Category(workspace_id=ws.id, name="Groceries", kind="expense", parent=food)
    db.session.add_all([food, groceries])
    db.session.commit()
    committing.run_file(ws, None, "all.csv", CSV)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Category).where(
        Category.workspace_id == ws.id, Category.parent_id == food.id)) == 1
    grocer = db.session.scalar(sa.select(Transaction).where(Transaction.amount == Decimal("-40.00")))
    assert grocer.lines[0].category_id == groceries.id


def test_the_wizard_imports_a_multi_account_qif_with_new_accounts_and_writes_nothing_on_get(client, auth, ws):
    make_account(ws, "Savings")  # matched by name; Checking and Visa Card are created
    auth.login("switch@example.com")
    response = client.post("/imports/", data={"file": (io.BytesIO(QIF), "all.qif")},
                           content_type="multipart/form-data")
    bid = int(re.search(r"/imports/(\d+)/", response.headers["Location"]).group(1))
    batch = db.session.get(ImportBatch, bid)
    options_before = batch.options
    page = client.get(f"/imports/{bid}/accounts").get_data(as_text=True)
    db.session.refresh(batch)
    assert batch.options == options_before  # a GET writes nothing
    chosen = dict(re.findall(r'name="(account_\d+)".*?<option value="([^"]+)" selected', page, re.S))
    savings = db.session.scalar(sa.select(Account.id).where(Account.name == "Savings"))
    assert chosen == {"account_0": "new", "account_1": str(savings), "account_2": "new"}
    assert client.post(f"/imports/{bid}/accounts", data=chosen).headers["Location"].endswith("/preview")
    preview = client.get(f"/imports/{bid}/preview").get_data(as_text=True)
    assert "Transfer to Visa Card" in preview and "Transfer from Checking" in preview
    client.post(f"/imports/{bid}/preview", data={"action": "commit"})
    assert _ledger(ws) == EXPECTED and _transfers(ws) == [2, 2]


def test_wizard_state_reads_what_an_older_version_stored_and_ignores_what_does_not_fit():
    batch = ImportBatch(options=json.dumps({"csv_mapping": {"date_column": 0}, "accounts": {"0": 7},
                                            "force": ["0:1"], "analysed": "yes", "job": 3, "unknown": 1}))
    state = WizardState.load(batch)
    assert (state.csv_mapping, state.accounts, state.force) == ({"date_column": 0}, {"0": 7}, ["0:1"])
    assert (state.analysed, state.job, state.statements) == (False, None, None)  # wrong types: the defaults
    WizardState.change(batch, skip=["0:2"])
    assert json.loads(batch.options)["skip"] == ["0:2"] and json.loads(batch.options)["force"] == ["0:1"]
    with pytest.raises(TypeError):
        WizardState.change(batch, nonsense=1)


def test_a_preview_row_round_trips_through_its_line():
    row = PreviewRow(key="0:3", status="new", row=4, date="2026-03-01", amount=Decimal("-75.20"), currency="USD",
                     account="Checking", payee="", file_payee="Card payment", memo="", category="", labels=["x"],
                     rule="", reason="", split=0, transfer="Visa Card")
    status, key, record = row.to_line().rstrip("\n").split("\t", 2)
    assert (status, key) == ("new", "0:3") and PreviewRow.from_json(record) == row


def test_the_columns_step_names_the_app_whose_export_it_is_and_maps_its_columns(client, auth, ws):
    from tests.imports.parsers.test_ledger import YNAB

    auth.login("switch@example.com")
    response = client.post("/imports/", data={"file": (io.BytesIO(YNAB), "register.csv")},
                           content_type="multipart/form-data")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This is an export of YNAB" in page
    assert re.search(r'name="map_account_column".*?<option value="0" selected', page, re.S)
    assert re.search(r'name="map_category_column".*?<option value="4" selected', page, re.S)
    assert re.search(r'name="map_transfers_from_payee"[^>]*checked', page)
