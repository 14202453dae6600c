"""Receipt rules: check an upload by its content, store it under a random name, find and delete it.

Files live in ``UPLOAD_FOLDER/<workspace id>/<random hex>``, outside ``static/``; the name on disk
never comes from the user. The database row and the file are kept in step with the session's unit
of work (the caller's one commit or rollback):

- a stored file whose flush fails is removed at once; one whose transaction is rolled back (or
  ends without a commit) is removed when that transaction ends, so no orphan is left behind;
- a deleted attachment's file is removed only after the commit, so a rollback keeps the file
  that the restored row points to.

Savepoints (``begin_nested``) are not tracked: only the outermost commit or rollback acts.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import re
import secrets
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from financeapp.core import crypto
from financeapp.core.errors import Invalid, NotFound
from financeapp.core.scoping import get_scoped_or_404, scoped
from financeapp.extensions import db
from financeapp.receipts.models import Attachment

if TYPE_CHECKING:
    from financeapp.auth.models import User
    from financeapp.transactions.models import Transaction
    from financeapp.workspaces.models import Workspace

log = logging.getLogger("financeapp.receipts")


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class FileKind:
    """A file type we accept: how to recognise it and what to call it."""

    content_type: str
    name: str  # after "is not": "a PDF"
    described: str  # after "its content is": "a PDF document"
    magic: bytes
    extensions: tuple[str, ...]  # the first is the one added to a name without an extension
    offset: int = 0  # where the magic bytes sit (ISO media files such as HEIC: after the box size)

    def matches(self, head: bytes) -> bool:
        return head[self.offset : self.offset + len(self.magic)] == self.magic


ACCEPTED = (
    FileKind("application/pdf", "a PDF", "a PDF document", b"%PDF-", (".pdf",)),
    FileKind("image/png", "a PNG image", "a PNG image", b"\x89PNG\r\n\x1a\n", (".png",)),
    FileKind("image/jpeg", "a JPEG image", "a JPEG image", b"\xff\xd8\xff", (".jpg", ".jpeg")),
)
ACCEPTED_EXTENSIONS = tuple(ext for kind in ACCEPTED for ext in kind.extensions)
ONLY_THESE = "Only PDF, PNG and JPEG files can be attached"

# Refused types people often try (phone photos, office files), named so the message can say
# what the file is instead of only what it is not.
_REFUSED_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"GIF87a", "a GIF image"),
    (0, b"GIF89a", "a GIF image"),
    (0, b"II*\x00", "a TIFF image"),
    (0, b"MM\x00*", "a TIFF image"),
    (0, b"PK\x03\x04", "a ZIP archive or an Office document"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Office document"),
    (0, b"{\\rtf", "an RTF document"),
    (4, b"ftypheic", "a HEIC image"),
    (4, b"ftypheix", "a HEIC image"),
    (4, b"ftypmif1", "a HEIF image"),
    (4, b"ftypavif", "an AVIF image"),
)

SNIFF_BYTES = 64
CHUNK_BYTES = 64 * 1024
DEFAULT_LIMIT = 10 * 1024 * 1024
MAX_NAME_LENGTH = 255  # Attachment.original_name
_STORED_NAME = re.compile(r"^[0-9a-f]{32}$")


def sniff(head: bytes, kinds: tuple[FileKind, ...] = ACCEPTED) -> FileKind | None:
    """The accepted kind whose magic bytes `head` carries, or None."""
    return next((kind for kind in kinds if kind.matches(head)), None)


def describe_refused(head: bytes) -> str:
    """A short phrase for content we do not accept: "a GIF image", "plain text"."""
    for offset, magic, described in _REFUSED_SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return described
    if b"\x00" not in head:
        try:
            # Incremental: the sample may end inside a multi-byte character.
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        except UnicodeDecodeError:
            pass
        else:
            return "plain text"
    return "in a format we do not recognise"


def display_name(filename: str) -> str:
    """The user's file name, safe to show and to send back: no folders, control or bidi characters.

    Unlike werkzeug's ``secure_filename`` it keeps non-ASCII letters ("Quittung März.pdf"): this
    name is only displayed and sent as the download name, never used on disk.
    """
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    # Category C: control, format (bidi overrides, zero-width), surrogate, private, unassigned.
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_NAME_LENGTH:
        _stem, dot, ext = name.rpartition(".")
        keep = dot + ext if dot and len(ext) <= 10 else ""
        name = name[: MAX_NAME_LENGTH - len(keep)].rstrip(" .") + keep
    return name


def _extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return f".{ext.lower()}" if dot and stem else ""


def _quoted(name: str) -> str:
    return f"“{name}”" if name else "The file"


def _checked_name(name: str, kind: FileKind | None, head: bytes, kinds: tuple[FileKind, ...] = ACCEPTED,
                  only: str = ONLY_THESE, stem: str = "receipt") -> tuple[FileKind, str]:
    """The kind and final display name of an upload; Invalid when its content or extension is wrong."""
    if kind is None:
        message = f"{only}: {_quoted(name)} is {describe_refused(head)}."
        raise Invalid(message, fields={"file": message})
    ext = _extension(name)
    if not ext:
        # A name without an extension is accepted by its content and given the right one.
        return kind, f"{name or stem}{kind.extensions[0]}"
    if ext in kind.extensions:
        return kind, name
    claimed = next((other for other in kinds if ext in other.extensions), None)
    if claimed is not None:
        message = f"{_quoted(name)} is not {claimed.name}: its content is {kind.described}."
    else:
        message = (
            f"{_quoted(name)} ends in {ext}, but its content is {kind.described}. "
            f"Rename it to end in {kind.extensions[0]} and try again."
        )
    raise Invalid(message, fields={"file": message})


def _read_some(stream: Readable, size: int) -> bytes:
    """Up to `size` bytes, fewer only at the end of the stream."""
    parts: list[bytes] = []
    wanted = size
    while wanted > 0:
        part = stream.read(wanted)
        if not part:
            break
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)


def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def _file_path(workspace_id: int, stored_name: str) -> Path:
    if not _STORED_NAME.match(stored_name):
        # Only ever random hex, but a tampered row must not point outside the folder.
        raise NotFound("This receipt's file is missing.")
    return upload_root() / str(int(workspace_id)) / stored_name


def attachment_path(attachment: Attachment) -> Path:
    """Where the attachment's file lives on disk (it may be missing)."""
    return _file_path(attachment.workspace_id, attachment.stored_name)


def stored_file(attachment: Attachment) -> Path:
    """The attachment's file on disk; NotFound when it has gone missing (e.g. a partial restore)."""
    path = attachment_path(attachment)
    if not path.is_file():
        raise NotFound("This receipt's file is missing from the server.")
    return path


def _write_new_file(folder: Path, head: bytes, stream: Readable, limit: int, quoted: str
                    ) -> tuple[str, int, str]:
    """Write `head` and the rest of `stream`, encrypted (core/crypto.py), to a new random file; its name,
    size and sha256 (of the content, as the user sent it)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    path = folder / stored_name
    digest = hashlib.sha256()
    size = 0
    parts: list[bytes] = []
    chunk = head
    while chunk:
        size += len(chunk)
        if size > limit:
            message = f"{quoted} is larger than the {limit / (1024 * 1024):g} MB upload limit."
            raise Invalid(message, fields={"file": message})
        digest.update(chunk)
        parts.append(chunk)
        chunk = stream.read(min(CHUNK_BYTES, limit + 1 - size))
    try:
        crypto.write_file(path, b"".join(parts), exclusive=True)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return stored_name, size, digest.hexdigest()


@dataclass(frozen=True)
class WrittenUpload:
    """A file checked by its content and written under a random name, not yet tied to a row."""

    kind: FileKind
    name: str  # the display name
    stored_name: str
    size: int
    sha256: str
    path: Path


def write_checked_upload(workspace_id: int, filename: str, stream: Readable, *,
                         kinds: tuple[FileKind, ...] = ACCEPTED, only: str = ONLY_THESE,
                         stem: str = "receipt") -> WrittenUpload:
    """Check an upload by its content (and its name against it) and write it to the workspace's folder.

    The caller adds the row and calls `keep_with_row`, which ties the file to the session's outcome.
    """
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or DEFAULT_LIMIT
    head = _read_some(stream, SNIFF_BYTES)
    name = display_name(filename)
    if not head:
        message = f"{_quoted(name)} is empty."
        raise Invalid(message, fields={"file": message})
    kind, name = _checked_name(name, sniff(head, kinds), head, kinds, only, stem)
    folder = upload_root() / str(int(workspace_id))
    stored_name, size, sha256 = _write_new_file(folder, head, stream, limit, _quoted(name))
    return WrittenUpload(kind, name, stored_name, size, sha256, folder / stored_name)


def keep_with_row(written: WrittenUpload, row: object) -> None:
    """Add and flush the row that points to a written file; the file goes if the flush or the transaction fails."""
    try:
        db.session.add(row)
        db.session.flush()
    except BaseException:
        written.path.unlink(missing_ok=True)
        raise
    _on_outcome(written=written.path)


def store_attachment(workspace: Workspace, user: User | None, transaction: Transaction,
                     filename: str, stream: Readable) -> Attachment:
    """Attach a PDF, PNG or JPEG file to one of the workspace's transactions."""
    if transaction.workspace_id != workspace.id:
        raise NotFound("No such transaction.")
    written = write_checked_upload(workspace.id, filename, stream)
    attachment = Attachment(
        workspace_id=workspace.id, transaction_id=transaction.id, original_name=written.name,
        stored_name=written.stored_name, content_type=written.kind.content_type, size=written.size,
        sha256=written.sha256, uploaded_by_id=user.id if user is not None else None,
    )
    keep_with_row(written, attachment)
    return attachment


def attachments_for(workspace: Workspace, transaction: Transaction) -> list[Attachment]:
    """The transaction's attachments, oldest first."""
    return list(db.session.scalars(
        scoped(Attachment, workspace)
        .where(Attachment.transaction_id == transaction.id)
        .order_by(Attachment.created_at, Attachment.id)
    ))


def get_attachment(workspace: Workspace, attachment_id: object) -> Attachment:
    """The workspace's attachment with this id; any other id is a 404."""
    return get_scoped_or_404(Attachment, attachment_id, workspace)


def delete_attachment(workspace: Workspace, attachment: Attachment) -> None:
    """Delete the attachment's row now and its file once the caller commits."""
    if attachment.workspace_id != workspace.id:
        raise NotFound("No such attachment.")
    path = attachment_path(attachment)
    db.session.delete(attachment)
    db.session.flush()
    _on_outcome(doomed=path)


def delete_attachments_for(workspace: Workspace, transaction: Transaction) -> int:
    """Delete every attachment of a transaction about to be deleted (the database cascade
    would drop the rows but leave their files); returns how many there were."""
    attachments = attachments_for(workspace, transaction)
    for attachment in attachments:
        delete_attachment(workspace, attachment)
    return len(attachments)


def delete_attachments_of(workspace: Workspace,
                          transaction_ids: Collection[int] | sa.Select[tuple[int]]) -> int:
    """Bulk: delete the attachments of these transactions (ids, or a SELECT of ids, for deleting
    a whole account) with one DELETE, and their files once the caller commits. Returns how many."""
    where = (Attachment.workspace_id == workspace.id, Attachment.transaction_id.in_(transaction_ids))
    found = db.session.execute(sa.select(Attachment.stored_name).where(*where)).scalars().all()
    if found:
        db.session.execute(sa.delete(Attachment).where(*where).execution_options(synchronize_session=False))
        for stored_name in found:
            _on_outcome(doomed=_file_path(workspace.id, stored_name))
    return len(found)


# Files waiting for the outcome of the session's outermost transaction.
_WRITTEN = "receipts.files_written"
_DOOMED = "receipts.files_doomed"


def remove_workspace_files_after_commit(workspace_id: int) -> None:
    """When the workspace is deleted: every stored upload of it (receipts and documents share its folder)
    goes once the caller commits; a rollback keeps them."""
    folder = upload_root() / str(int(workspace_id))
    if folder.is_dir():
        for path in folder.iterdir():
            if path.is_file():
                _on_outcome(doomed=path)


def stored_path(workspace_id: int, stored_name: str) -> Path:
    """Where a stored upload of the workspace lives (documents share the receipts' folder and rules)."""
    return _file_path(workspace_id, stored_name)


def remove_after_commit(path: Path) -> None:
    """Delete a stored file once the caller's transaction commits (a rollback keeps it)."""
    _on_outcome(doomed=path)


def _on_outcome(*, written: Path | None = None, doomed: Path | None = None) -> None:
    """Remember a file to keep or remove depending on how the session's transaction ends."""
    if written is not None:
        db.session.info.setdefault(_WRITTEN, []).append(written)
    if doomed is not None:
        db.session.info.setdefault(_DOOMED, []).append(doomed)


def _remove_files(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove receipt file %s", path, exc_info=True)


@event.listens_for(Session, "after_commit")
def _keep_written_remove_doomed(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint: the outer transaction decides
    session.info.pop(_WRITTEN, None)
    _remove_files(session.info.pop(_DOOMED, []))


@event.listens_for(Session, "after_transaction_end")
def _remove_written_keep_doomed(session: Session, transaction: SessionTransaction) -> None:
    # After a commit the lists are already empty; anything left was rolled back or abandoned.
    if transaction.parent is not None:
        return
    session.info.pop(_DOOMED, None)
    _remove_files(session.info.pop(_WRITTEN, []))


