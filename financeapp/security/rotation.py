"""Re-encrypting everything under the current key: database values, keyed hashes, uploaded files.

`rotate()` is what `flask security rotate-key` runs (and the 0402 migration for the database). It
is safe to run again and while the app serves: each value is read under whichever key of the ring
wrote it (values from before encryption, as they are) and written under ENCRYPTION_KEY; files are
replaced atomically. When nothing is left under an older key, that key is retired in
`encryption_keys`, and ENCRYPTION_OLD_KEYS can be emptied.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from financeapp.core import crypto
from financeapp.core.db import utcnow
from financeapp.security.models import EncryptionKey

BATCH = 500
# Files under UPLOAD_FOLDER that hold no uploaded content: progress counters, temporary and probe files.
NOT_CONTENT_SUFFIXES = (".progress", ".tmp")


@dataclass
class Rotation:
    values: int = 0  # database values re-encrypted (or encrypted for the first time)
    digests: int = 0  # account-number hashes recomputed
    files: int = 0  # files re-encrypted
    key_id: str = ""
    retired: list[str] = field(default_factory=list)


def _raw(column: sa.Column) -> sa.ColumnElement:
    """The column as stored (the ciphertext), bypassing EncryptedText's decryption."""
    return sa.type_coerce(column, sa.Text())


def rotate_values(conn: sa.Connection, ring: crypto.KeyRing, metadata: sa.MetaData) -> int:
    """Every EncryptedText value not under the current key, re-encrypted in place; returns how many."""
    done = 0
    for column in crypto.encrypted_columns(metadata):
        table = column.table
        [key] = list(table.primary_key.columns)
        context = column.type.context
        last = None
        while True:
            query = sa.select(key, _raw(column)).where(column.isnot(None), _raw(column) != "")
            if last is not None:
                query = query.where(key > last)
            rows = conn.execute(query.order_by(key).limit(BATCH)).all()
            if not rows:
                break
            last = rows[-1][0]
            for row_id, stored in rows:
                if crypto.text_key_id(stored) == ring.current_id:
                    continue
                fresh = ring.encrypt_text(ring.decrypt_text(stored, context), context)
                conn.execute(sa.update(table).where(key == row_id).values({column.name: sa.literal(fresh, sa.Text())}))
                done += 1
    return done


def rehash_numbers(conn: sa.Connection, ring: crypto.KeyRing) -> int:
    """Recompute every account number's keyed hash under the current key; returns how many changed."""
    from financeapp.accounts.models import Account, normalise_number

    table = Account.__table__
    changed = 0
    rows = conn.execute(sa.select(table.c.id, _raw(table.c.number), table.c.number_digest)).all()
    for row_id, stored, digest in rows:
        plain = normalise_number(ring.decrypt_text(stored, "accounts.number")) if stored else ""
        fresh = ring.blind_indexes(plain)[0] if plain else None
        if fresh != digest:
            conn.execute(sa.update(table).where(table.c.id == row_id).values(number_digest=fresh))
            changed += 1
    return changed


def register_current_key(conn: sa.Connection, ring: crypto.KeyRing) -> None:
    """Note that the current key holds data here (with a value only it opens), once."""
    table = EncryptionKey.__table__
    found = conn.execute(sa.select(table.c.id).where(table.c.key_id == ring.current_id)).first()
    if found is None:
        conn.execute(sa.insert(table).values(key_id=ring.current_id, created_at=utcnow(),
                                             check_value=ring.encrypt_text(crypto.CHECK_TEXT, crypto.KEYS_TABLE)))
    else:
        conn.execute(sa.update(table).where(table.c.id == found[0]).values(retired_at=None))


def retire_other_keys(conn: sa.Connection, ring: crypto.KeyRing) -> list[str]:
    table = EncryptionKey.__table__
    others = [kid for (kid,) in conn.execute(sa.select(table.c.key_id).where(
        table.c.key_id != ring.current_id, table.c.retired_at.is_(None)))]
    if others:
        conn.execute(sa.update(table).where(table.c.key_id.in_(others)).values(retired_at=utcnow()))
    return others


def content_files(folder: Path) -> Iterator[Path]:
    """Every uploaded file under `folder` (receipts, documents, bank files and their previews)."""
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith(".") and not path.name.endswith(NOT_CONTENT_SUFFIXES):
            yield path


def rotate_files(folder: Path, ring: crypto.KeyRing) -> int:
    """Re-encrypt (or encrypt, for files stored in clear) every file not under the current key."""
    done = 0
    for path in content_files(folder):
        with path.open("rb") as handle:
            head = handle.read(len(crypto.FILE_MAGIC) + crypto.KEY_ID_LENGTH)
        if crypto.file_key_id(head) == ring.current_id:
            continue
        sealed = ring.encrypt_bytes(ring.decrypt_bytes(path.read_bytes()))
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(sealed)
        os.replace(temporary, path)
        done += 1
    return done


def rotate(engine: sa.Engine, ring: crypto.KeyRing, metadata: sa.MetaData, upload_folder: Path | None) -> Rotation:
    """Everything under the current key, then older keys retired. Each step commits on its own."""
    result = Rotation(key_id=ring.current_id)
    with engine.begin() as conn:
        register_current_key(conn, ring)
    with engine.begin() as conn:
        result.values = rotate_values(conn, ring, metadata)
        result.digests = rehash_numbers(conn, ring)
    if upload_folder is not None:
        result.files = rotate_files(upload_folder, ring)
    with engine.begin() as conn:
        result.retired = retire_other_keys(conn, ring)
    return result


@dataclass
class KeyStatus:
    key_id: str
    values_by_key: dict[str, int]
    files_by_key: dict[str, int]


def status(engine: sa.Engine, ring: crypto.KeyRing, metadata: sa.MetaData, upload_folder: Path) -> KeyStatus:
    """How many values and files each key (None: in clear) holds."""
    values: dict[str, int] = {}
    with engine.connect() as conn:
        for column in crypto.encrypted_columns(metadata):
            for (stored,) in conn.execute(sa.select(_raw(column)).where(column.isnot(None), _raw(column) != "")):
                kid = crypto.text_key_id(stored) or "clear"
                values[kid] = values.get(kid, 0) + 1
    files: dict[str, int] = {}
    for path in content_files(upload_folder):
        with path.open("rb") as handle:
            kid = crypto.file_key_id(handle.read(len(crypto.FILE_MAGIC) + crypto.KEY_ID_LENGTH)) or "clear"
        files[kid] = files.get(kid, 0) + 1
    return KeyStatus(ring.current_id, values, files)
