"""Encryption at rest: AES-256-GCM under ENCRYPTION_KEY, with the key's id stored beside each value.

What is encrypted: TOTP secrets, webhook signing secrets, account numbers and IBANs, bank details
read from invoices (columns of type `EncryptedText`), and every uploaded file (receipts, bank
import files and their previews, documents). A database dump or a copy of the upload folder
shows none of them; a wrong key fails loudly (AES-GCM authenticates), never with garbage.

Keys: `ENCRYPTION_KEY` is 32 random bytes, base64 (`flask security new-key` prints one);
development and testing generate one into instance/, production refuses to start without it.
`ENCRYPTION_OLD_KEYS` (comma-separated) lists keys that are still read while
`flask security rotate-key` re-encrypts everything under the current one. A key's id is the
start of a hash of it, so a value names the key it needs. The `encryption_keys` table records
which keys hold data: an app whose keys cannot read them refuses to start.

Text values look like ``fa1:<key id>:<base64 nonce+ciphertext>``; files start with ``FAENC1``
and the key id. Values and files written before encryption (no prefix) are read as they are,
until the migration or `rotate-key` encrypts them. Searching an encrypted column (an account
number) uses `blind_index`: an HMAC under a key derived from ENCRYPTION_KEY, stored beside it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, current_app
from sqlalchemy.types import TypeDecorator

TEXT_PREFIX = "fa1:"
FILE_MAGIC = b"FAENC1"
NONCE = 12
KEY_ID_LENGTH = 8
CHECK_TEXT = "financeapp encryption key check"


class DecryptionError(RuntimeError):
    """A value or file needs a key this app does not have, or the key does not open it."""


def new_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def parse_key(text: str) -> bytes:
    """32 bytes from base64 (standard or URL-safe) or 64 hex characters; anything else stops the start."""
    text = text.strip()
    raw: bytes | None = None
    if len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text):
        raw = bytes.fromhex(text)
    else:
        try:
            raw = base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_") + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            raw = None
    if raw is None or len(raw) != 32:
        raise RuntimeError("ENCRYPTION_KEY must be 32 random bytes in base64 (or 64 hex characters). "
                           "Generate one with: flask security new-key")
    return raw


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"financeapp key id\0" + key).hexdigest()[:KEY_ID_LENGTH]


@dataclass(frozen=True)
class KeyRing:
    """The current key (for every new value) and older ones (read only, until rotate-key is done)."""

    current: bytes
    older: tuple[bytes, ...] = ()

    @property
    def current_id(self) -> str:
        return key_id(self.current)

    def ids(self) -> list[str]:
        return [key_id(k) for k in (self.current, *self.older)]

    def key(self, kid: str) -> bytes:
        for candidate in (self.current, *self.older):
            if key_id(candidate) == kid:
                return candidate
        raise DecryptionError(f"This value is encrypted under key {kid}, which is neither ENCRYPTION_KEY "
                        f"({self.current_id}) nor in ENCRYPTION_OLD_KEYS.")

    # Text ------------------------------------------------------------------------------------

    def encrypt_text(self, plain: str, context: str) -> str:
        nonce = os.urandom(NONCE)
        sealed = AESGCM(self.current).encrypt(nonce, plain.encode(), context.encode())
        return f"{TEXT_PREFIX}{self.current_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt_text(self, stored: str, context: str) -> str:
        if not is_encrypted_text(stored):
            return stored  # written before encryption; the migration or rotate-key encrypts it
        kid, _, body = stored[len(TEXT_PREFIX):].partition(":")
        try:
            raw = base64.urlsafe_b64decode(body)
            return AESGCM(self.key(kid)).decrypt(raw[:NONCE], raw[NONCE:], context.encode()).decode()
        except (InvalidTag, binascii.Error, ValueError) as err:
            raise DecryptionError(f"A value of {context} does not open with key {kid}: "
                                  "wrong key or damaged data.") from err

    # Files -----------------------------------------------------------------------------------

    def encrypt_bytes(self, plain: bytes) -> bytes:
        nonce = os.urandom(NONCE)
        kid = self.current_id.encode()
        return FILE_MAGIC + kid + nonce + AESGCM(self.current).encrypt(nonce, plain, FILE_MAGIC + kid)

    def decrypt_bytes(self, stored: bytes) -> bytes:
        if not stored.startswith(FILE_MAGIC):
            return stored  # uploaded before encryption
        start = len(FILE_MAGIC)
        kid = stored[start:start + KEY_ID_LENGTH]
        nonce = stored[start + KEY_ID_LENGTH:start + KEY_ID_LENGTH + NONCE]
        try:
            return AESGCM(self.key(kid.decode("ascii"))).decrypt(
                nonce, stored[start + KEY_ID_LENGTH + NONCE:], FILE_MAGIC + kid)
        except (InvalidTag, UnicodeDecodeError) as err:
            raise DecryptionError(f"A stored file does not open with key {kid!r}: wrong key or damaged file.") from err

    # Searching -------------------------------------------------------------------------------

    def blind_indexes(self, value: str) -> list[str]:
        """The value's keyed hash under every key of the ring (the current one first)."""
        return [_blind(k, value) for k in (self.current, *self.older)]


def _blind(key: bytes, value: str) -> str:
    index_key = hashlib.sha256(b"financeapp blind index\0" + key).digest()
    return hmac.new(index_key, value.encode(), hashlib.sha256).hexdigest()


def is_encrypted_text(value: str) -> bool:
    return value.startswith(TEXT_PREFIX)


def file_key_id(head: bytes) -> str | None:
    """The key id a stored file is encrypted under; None for a file stored in clear."""
    if not head.startswith(FILE_MAGIC):
        return None
    return head[len(FILE_MAGIC):len(FILE_MAGIC) + KEY_ID_LENGTH].decode("ascii", "replace")


def text_key_id(value: str | None) -> str | None:
    if not value or not is_encrypted_text(value):
        return None
    return value[len(TEXT_PREFIX):].partition(":")[0]


def ring() -> KeyRing:
    return current_app.extensions["encryption"]


def blind_index(value: str) -> str:
    """The keyed hash stored beside an encrypted value (under the current key)."""
    return ring().blind_indexes(value)[0]


# Files on disk ---------------------------------------------------------------------------------

def write_file(path: Path, plain: bytes, *, exclusive: bool = False) -> None:
    """Write `plain` encrypted to `path` (mode 0600); `exclusive` refuses an existing file."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(ring().encrypt_bytes(plain))


def read_file(path: Path) -> bytes:
    return ring().decrypt_bytes(path.read_bytes())


@contextmanager
def plain_copy(path: Path) -> Iterator[Path]:
    """A decrypted copy of `path` in a private temporary file, for libraries that want a path (PDF, OCR);
    removed afterwards."""
    data = read_file(path)
    fd, name = tempfile.mkstemp(prefix="fa-plain-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


# Columns ---------------------------------------------------------------------------------------

class EncryptedText(TypeDecorator):
    """A text column stored encrypted; `context` (table.column) is bound into each value, so a
    ciphertext copied into another column does not open. Empty strings stay empty (they hold nothing
    and let `col != ""` keep working)."""

    impl = sa.Text
    cache_ok = True

    def __init__(self, context: str):
        super().__init__()
        self.context = context

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None or value == "":
            return value
        return ring().encrypt_text(str(value), self.context)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is None or value == "":
            return value
        return ring().decrypt_text(value, self.context)


def encrypted_columns(metadata: sa.MetaData) -> list[sa.Column]:
    return [column for table in metadata.sorted_tables for column in table.columns
            if isinstance(column.type, EncryptedText)]


# Start-up --------------------------------------------------------------------------------------

def instance_key(instance: Path) -> str:
    """Generate a key once into instance/ (development, testing), as the secret key is."""
    path = instance / "encryption_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(new_key())
    return path.read_text().strip()


def init_encryption(app: Flask, instance: Path) -> None:
    """Load the key ring (generating, or refusing to start, as the environment says)."""
    text = (app.config.get("ENCRYPTION_KEY") or "").strip()
    if not text:
        if app.config.get("REQUIRE_ENCRYPTION_KEY"):
            raise RuntimeError("Production needs ENCRYPTION_KEY (32 random bytes, base64): it encrypts secrets, "
                               "account numbers and uploaded files. Generate one with: flask security new-key")
        text = instance_key(instance)
    older = tuple(parse_key(part) for part in (app.config.get("ENCRYPTION_OLD_KEYS") or "").split(",")
                  if part.strip())
    app.config["ENCRYPTION_KEY"] = text
    app.extensions["encryption"] = KeyRing(parse_key(text), older)


KEYS_TABLE = "encryption_keys"


def _start_up_probe(engine: sa.Engine) -> sa.Engine:
    """An engine for the start-up check that gives up within seconds: a database that accepts the
    connection and then never answers (hung mid-restart) must not hang the app's start (/readyz says it)."""
    if engine.dialect.name not in ("mysql", "mariadb"):
        return engine
    return sa.create_engine(engine.url, poolclass=sa.pool.NullPool,
                            connect_args={"connect_timeout": 3, "read_timeout": 3, "write_timeout": 3})


def check_key_matches_data(app: Flask, engine: sa.Engine) -> None:
    """Refuse to start when the database holds data under a key this app lacks, or the key does not
    open the table's check value. A database not reachable yet or not migrated is left to /readyz."""
    ring_ = app.extensions["encryption"]
    engine = _start_up_probe(engine)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table(KEYS_TABLE):
                return
            rows = conn.execute(sa.text(f"SELECT key_id, check_value FROM {KEYS_TABLE} "
                                        "WHERE retired_at IS NULL")).all()
    except sa.exc.SQLAlchemyError:
        return
    finally:
        engine.dispose()  # no connection kept from start-up (nor carried into forked workers)
    for kid, check in rows:
        if kid not in ring_.ids():
            raise RuntimeError(
                f"ENCRYPTION_KEY does not match this database: its data is encrypted under key {kid}, and this "
                f"app has {', '.join(ring_.ids())}. Set the key the data was written with (during a rotation, "
                "the old one in ENCRYPTION_OLD_KEYS).")
        try:
            ok = ring_.decrypt_text(check, KEYS_TABLE) == CHECK_TEXT
        except DecryptionError:
            ok = False
        if not ok:
            raise RuntimeError(f"ENCRYPTION_KEY with id {kid} does not open this database's check value.")
