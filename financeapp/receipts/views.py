"""Routes of the receipts domain: attach a file to a transaction, view or download it, delete it.

Every change answers with a 303 back to where the user was: the form's `next` (a local path),
else the transaction's edit page, else the dashboard.
"""

from __future__ import annotations

import io
from pathlib import Path

from flask import g, request, send_file, url_for
from flask_login import current_user
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from financeapp.core import crypto
from financeapp.core.forms import require_valid
from financeapp.core.scoping import get_scoped_or_404, require_role
from financeapp.core.security import safe_next_url
from financeapp.core.views import run_action
from financeapp.receipts import bp, services
from financeapp.receipts.forms import AttachmentForm
from financeapp.transactions.models import Transaction

# A stored file must never run script or load anything, even if a browser mistakes its type.
FILE_CSP = "default-src 'none'; sandbox"


def _back(txn_id: int) -> str:
    target = safe_next_url(request.form.get("next"))
    if target is None:
        try:
            target = url_for("transactions.edit", txn_id=txn_id)
        except BuildError:  # the transaction pages may not be registered
            target = url_for("dashboard.index")
    return target


@bp.post("/transaction/<int:txn_id>")
@require_role("member")
def upload(txn_id: int):
    transaction = get_scoped_or_404(Transaction, txn_id, g.workspace)
    form = AttachmentForm()

    def write():
        require_valid(form)
        sent = form.file.data
        return services.store_attachment(g.workspace, current_user, transaction, sent.filename or "", sent.stream)

    return run_action(write, success=lambda attachment: f"Attached {attachment.original_name}.",
                      then=_back(txn_id), code=303)


@bp.get("/<int:attachment_id>")
@require_role("viewer")
def download(attachment_id: int):
    attachment = services.get_attachment(g.workspace, attachment_id)
    path = services.stored_file(attachment)
    # Browsers refuse to show a PDF under a sandbox CSP (Chrome: "blocked"), so PDFs download;
    # images show inline unless ?download=1 asks for the file.
    as_attachment = attachment.content_type == "application/pdf" or request.args.get("download") == "1"
    return stored_file_response(path, attachment.content_type, attachment.original_name, attachment.sha256,
                                as_attachment=as_attachment)


def stored_file_response(path: Path, content_type: str, name: str, sha256: str, *, as_attachment: bool) -> Response:
    """A stored upload sent to a member, decrypted: sandboxed, privately cached, under the user's file name."""
    response = send_file(io.BytesIO(crypto.read_file(path)), mimetype=content_type, as_attachment=as_attachment,
                         download_name=name, etag=sha256)
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.cache_control.private = True
    return response


@bp.post("/<int:attachment_id>/delete")
@require_role("member")
def delete(attachment_id: int):
    attachment = services.get_attachment(g.workspace, attachment_id)
    name, txn_id = attachment.original_name, attachment.transaction_id
    return run_action(lambda: services.delete_attachment(g.workspace, attachment), success=f"Removed {name}.",
                      then=_back(txn_id), code=303)
