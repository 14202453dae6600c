"""Encryption at rest (issue 11, acceptance 7): nothing secret in clear in the database or the upload
folder; rotating the key keeps everything readable and leaves nothing under the old key; a wrong key
fails loudly at start; backups stay encrypted and restore with the same key."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from financeapp import create_app
from financeapp.accounts.models import Account, number_digest
from financeapp.accounts.queries import AccountsByNumber
from financeapp.auth import twofactor
from financeapp.core import crypto
from financeapp.core.errors import Invalid
from financeapp.documents import services as documents
from financeapp.exports import services as exports
from financeapp.extensions import db
from financeapp.imports.services import stage_upload
from financeapp.notifications import delivery
from financeapp.notifications.models import WebhookEndpoint
from financeapp.receipts.services import store_attachment
from financeapp.security import rotation
from financeapp.vendors.models import Vendor
from financeapp.workspaces.models import Workspace
from tests.core.test_migrations import _scratch_url
from tests.documents.corpus import one_invoice
from tests.factories import make_account, make_transaction, make_user, personal_workspace

IBAN = "DE89370400440532013000"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
BANK_FILE = b"Date,Amount,Payee\n2026-11-01,-5.00,Secret Bakery GmbH\n"


def site(app: Flask, uploads: Path, **keys) -> Flask:
    """An app on the suite's database with its own upload folder (and, given, its own keys)."""
    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                  "UPLOAD_FOLDER": str(uploads), **keys})


@pytest.fixture
def books(app: Flask, tmp_path: Path) -> Iterator[tuple[Flask, dict]]:
    """Secrets of every kind, written through the app: a TOTP secret, a webhook secret, an IBAN, bank
    details, a receipt, a bank file and an invoice."""
    here = site(app, tmp_path / "uploads")
    with here.app_context():
        user = make_user("enc@example.com")
        ws = personal_workspace(user)
        secret = twofactor.start_setup(user)
        here.config["WEBHOOK_ALLOW_PRIVATE"] = False
        hook = delivery.set_webhook(user, "https://93.184.216.34/hook")
        account = make_account(ws, "Savings", number=IBAN)
        vendor = Vendor(workspace_id=ws.id, name="Acme", match_name="acme", bank_details="A/c 998877665544 IFSC X")
        db.session.add(vendor)
        txn = make_transaction(account, "-5.00")
        store_attachment(ws, user, txn, "receipt.png", io.BytesIO(PNG))
        stage_upload(ws, user, "bank.csv", BANK_FILE)
        invoice = one_invoice(7)[1]
        documents.upload_documents(ws, user, [documents.Upload("invoice.pdf", io.BytesIO(invoice))])
        rotation.register_current_key(db.session.connection(), crypto.ring())
        db.session.commit()
        plain = {"totp": secret, "webhook": hook.secret, "iban": IBAN, "bank": vendor.bank_details,
                 "files": [PNG, BANK_FILE, invoice], "ws": ws.id, "account": account.id}
        db.session.remove()
    yield here, plain
    with here.app_context():
        db.session.remove()


SECRET_COLUMNS = (("users", "totp_secret"), ("webhook_endpoints", "secret"), ("accounts", "number"),
                  ("vendors", "bank_details"))


def raw_values(columns=SECRET_COLUMNS) -> dict[str, str]:
    """What the database holds, read past the ORM."""
    rows = {}
    for table, column in columns:
        rows[f"{table}.{column}"] = db.session.execute(
            sa.text(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL AND {column} <> ''")).scalar_one()
    return rows


def stored_files(folder: Path) -> list[bytes]:
    return [path.read_bytes() for path in rotation.content_files(folder)]


def test_the_database_and_the_upload_folder_hold_nothing_in_clear(books):
    here, plain = books
    with here.app_context():
        raw = raw_values()
        for name, value in raw.items():
            assert value.startswith(f"fa1:{crypto.ring().current_id}:"), name
        dumped = " ".join(raw.values())
        for secret in (plain["totp"], plain["webhook"], plain["iban"], "998877665544"):
            assert secret not in dumped
        files = stored_files(Path(here.config["UPLOAD_FOLDER"]))
        assert len(files) == 3, "the receipt, the bank file and the invoice"
        for content in files:
            assert content.startswith(crypto.FILE_MAGIC)
        for original in plain["files"]:
            assert all(original not in content and original[:40] not in content for content in files)
        assert b"Secret Bakery" not in b"".join(files)
        # ... and the app reads them all back.
        from financeapp.auth.models import User
        assert db.session.scalar(sa.select(User.totp_secret)) == plain["totp"]
        assert db.session.scalar(sa.select(WebhookEndpoint.secret)) == plain["webhook"]
        account = db.session.get(Account, plain["account"])
        assert account.number == IBAN
        by_number = AccountsByNumber(db.session.get(Workspace, account.workspace_id))
        assert by_number.get("de89 3704 0044 0532 0130 00") == account, "found by its keyed hash, spaces or not"


def test_files_stored_before_encryption_are_read_and_then_encrypted_by_rotate(books):
    here, _ = books
    folder = Path(here.config["UPLOAD_FOLDER"])
    legacy = folder / "imports" / "legacy-upload"
    legacy.write_bytes(BANK_FILE)
    with here.app_context():
        assert crypto.read_file(legacy) == BANK_FILE
        assert rotation.status(db.engine, crypto.ring(), db.metadata, folder).files_by_key["clear"] == 1
        assert rotation.rotate(db.engine, crypto.ring(), db.metadata, folder).files == 1
        assert legacy.read_bytes().startswith(crypto.FILE_MAGIC) and crypto.read_file(legacy) == BANK_FILE


def test_rotating_the_key_keeps_everything_readable_and_nothing_under_the_old_key(app, books, runner):
    here, plain = books
    old_key, new_key = here.config["ENCRYPTION_KEY"], crypto.new_key()
    old_id = here.extensions["encryption"].current_id
    folder = Path(here.config["UPLOAD_FOLDER"])
    rotating = site(app, folder, ENCRYPTION_KEY=new_key, ENCRYPTION_OLD_KEYS=old_key)
    new_id = rotating.extensions["encryption"].current_id
    with rotating.app_context():
        assert raw_values()["accounts.number"].startswith(f"fa1:{old_id}:"), "readable during the rotation"
        assert db.session.get(Account, plain["account"]).number == IBAN
        result = rotating.test_cli_runner().invoke(args=["security", "rotate-key"])
        assert result.exit_code == 0, result.output
        assert "3 files re-encrypted" in result.output and f"Retired keys: {old_id}" in result.output
        db.session.remove()
    after = site(app, folder, ENCRYPTION_KEY=new_key)  # the old key is gone from the environment
    with after.app_context():
        for name, value in raw_values().items():
            assert value.startswith(f"fa1:{new_id}:"), name
        for content in stored_files(folder):
            assert crypto.file_key_id(content) == new_id
        from financeapp.auth.models import User
        [user] = db.session.scalars(sa.select(User)).all()
        assert user.totp_secret == plain["totp"]
        assert db.session.scalar(sa.select(WebhookEndpoint.secret)) == plain["webhook"]
        assert db.session.scalar(sa.select(Vendor.bank_details)) == plain["bank"]
        account = db.session.get(Account, plain["account"])
        assert account.number == IBAN and account.number_digest == number_digest(IBAN)
        by_number = AccountsByNumber(db.session.get(Workspace, account.workspace_id))
        assert by_number.get(IBAN) == account, "found by the new keyed hash"
        assert sorted(crypto.read_file(p) for p in rotation.content_files(folder)) == sorted(plain["files"])
        status = rotation.status(db.engine, crypto.ring(), db.metadata, folder)
        assert set(status.values_by_key) == {new_id} and set(status.files_by_key) == {new_id}
        db.session.remove()
    with pytest.raises(RuntimeError, match=f"encrypted under key {new_id}"):
        site(app, folder, ENCRYPTION_KEY=old_key)


def test_a_wrong_key_fails_loudly_at_start_and_never_reads_garbage(app, books):
    here, _ = books
    wrong = crypto.new_key()
    with pytest.raises(RuntimeError, match="ENCRYPTION_KEY does not match this database"):
        site(app, Path(here.config["UPLOAD_FOLDER"]), ENCRYPTION_KEY=wrong)
    with here.app_context():
        stored = raw_values()["accounts.number"]
        other = crypto.KeyRing(crypto.parse_key(wrong))
        with pytest.raises(crypto.DecryptionError, match="neither ENCRYPTION_KEY"):
            other.decrypt_text(stored, "accounts.number")
        same_id = crypto.KeyRing(crypto.parse_key(wrong))
        forged = stored.replace(stored.split(":")[1], same_id.current_id)
        with pytest.raises(crypto.DecryptionError, match="wrong key or damaged"):
            same_id.decrypt_text(forged, "accounts.number")
        with pytest.raises(crypto.DecryptionError, match="wrong key or damaged"):
            crypto.ring().decrypt_text(stored, "vendors.bank_details")  # a value moved to another column
    with pytest.raises(RuntimeError, match="ENCRYPTION_KEY must be 32"):
        create_app("testing", {"ENCRYPTION_KEY": "too-short"})


def test_production_refuses_to_start_without_an_encryption_key():
    settings = {"SECRET_KEY": "k" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://", "BASE_URL": "https://m.example"}
    with pytest.raises(RuntimeError, match="Production needs ENCRYPTION_KEY"):
        create_app("production", {**settings, "ENCRYPTION_KEY": ""})
    assert create_app("production", {**settings, "ENCRYPTION_KEY": crypto.new_key()})


def test_a_backup_keeps_values_encrypted_and_restores_with_the_same_key(app, books):
    here, plain = books
    with here.app_context():
        from financeapp.auth.models import User
        ws = db.session.get(Workspace, plain["ws"])
        text = "".join(exports.workspace_json(ws))
        assert IBAN not in text and "998877665544" not in text
        document = json.loads(text)
        assert document["encryption"]["key_id"] == crypto.ring().current_id
        assert "same ENCRYPTION_KEY" in document["encryption"]["note"]
        owner = db.session.scalar(sa.select(User))
        restored = exports.restore_workspace(owner, text, name="Restored")
        db.session.commit()
        account = db.session.scalar(sa.select(Account).where(Account.workspace_id == restored.workspace.id))
        assert account.number == IBAN
        assert AccountsByNumber(restored.workspace).get(IBAN) == account
        db.session.remove()
    elsewhere = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://", "ENCRYPTION_KEY": crypto.new_key()})
    with elsewhere.app_context():
        db.create_all()
        from financeapp.auth.models import User
        owner = User(email="o@example.com", display_name="O", password_hash="x")
        db.session.add(owner)
        db.session.flush()
        with pytest.raises(Invalid, match="restore the file where ENCRYPTION_KEY is the key it was exported with"):
            exports.restore_workspace(owner, text)


def test_the_migration_encrypts_existing_values(app, tmp_path):
    """0402 on a database with plain secrets (SQLite here; MariaDB under TEST_DATABASE_URL)."""
    url = _scratch_url(app, tmp_path)
    old = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(tmp_path)})
    try:
        with old.app_context():
            upgrade(revision="0401")
            now = date(2026, 1, 1)
            with db.engine.begin() as conn:
                ws = conn.execute(sa.text(
                    "INSERT INTO workspaces (name, base_currency, is_personal, created_at, updated_at) "
                    "VALUES ('Old', 'USD', 0, :now, :now)"), {"now": now}).lastrowid
                conn.execute(sa.text(
                    "INSERT INTO accounts (workspace_id, name, type, currency, opening_balance, opening_date, "
                    "group_name, colour, include_in_net_worth, archived, number, notes, created_at, updated_at) "
                    "VALUES (:ws, 'Checking', 'checking', 'USD', 0, :d, '', '', 1, 0, :iban, '', :d, :d)"),
                    {"ws": ws, "d": now, "iban": IBAN})
                user = conn.execute(sa.text(
                    "INSERT INTO users (email, display_name, password_hash, active, is_admin, locale, session_token, "
                    "totp_secret, failed_logins, first_day_of_week, theme, created_at, updated_at) VALUES "
                    "('m@example.com', 'M', 'x', 1, 0, 'en_US', 'tok', 'JBSWY3DPEHPK3PXP', 0, 0, 'auto', :d, :d)"),
                    {"d": now}).lastrowid
                conn.execute(sa.text("INSERT INTO webhook_endpoints (user_id, url, secret, created_at) VALUES "
                                     "(:u, 'https://93.184.216.34/h', :s, :d)"), {"u": user, "s": "ab" * 32, "d": now})
            upgrade(revision="heads")
            raw = raw_values(SECRET_COLUMNS[:3])
            assert all(value.startswith("fa1:") for value in raw.values()), raw
            assert "JBSWY3DPEHPK3PXP" not in str(raw) and IBAN not in str(raw)
            account = db.session.scalar(sa.select(Account))
            assert account.number == IBAN and account.number_digest == number_digest(IBAN)
            assert db.session.scalar(sa.select(WebhookEndpoint.secret)) == "ab" * 32
            db.session.remove()
    finally:
        with old.app_context():
            db.session.remove()
            db.engine.dispose()
