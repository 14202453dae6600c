"""`flask security`: make a key, rotate to it, and see which key holds what."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from financeapp.core import crypto
from financeapp.extensions import db
from financeapp.security import rotation

security_cli = AppGroup("security", help="Encryption at rest: new-key, rotate-key, key-status.")


@security_cli.command("new-key")
def new_key() -> None:
    """Print a fresh random ENCRYPTION_KEY (nothing is changed)."""
    click.echo(crypto.new_key())


@security_cli.command("rotate-key")
def rotate_key() -> None:
    """Re-encrypt every value and uploaded file under ENCRYPTION_KEY, then retire the older keys.

    To rotate without downtime: set the new key as ENCRYPTION_KEY and the old one in
    ENCRYPTION_OLD_KEYS on every instance (they then read both and write the new one), run this,
    then remove ENCRYPTION_OLD_KEYS. Safe to run again; it also encrypts values and files stored
    before encryption existed.
    """
    result = rotation.rotate(db.engine, crypto.ring(), db.metadata, Path(current_app.config["UPLOAD_FOLDER"]))
    click.echo(f"Key {result.key_id}: {result.values} values and {result.files} files re-encrypted, "
               f"{result.digests} account-number hashes recomputed.")
    if result.retired:
        click.echo(f"Retired keys: {', '.join(result.retired)} (they may now be removed from ENCRYPTION_OLD_KEYS).")


@security_cli.command("key-status")
def key_status() -> None:
    """How many stored values and files each key holds ("clear": not encrypted yet)."""
    found = rotation.status(db.engine, crypto.ring(), db.metadata, Path(current_app.config["UPLOAD_FOLDER"]))
    click.echo(f"Current key: {found.key_id}")
    for label, counts in (("values", found.values_by_key), ("files", found.files_by_key)):
        click.echo(f"{label}: " + (", ".join(f"{kid} {n}" for kid, n in sorted(counts.items())) or "none"))
