"""Routes: the exports page, transactions as CSV, the workspace document, and restoring one."""

from __future__ import annotations

import re
from datetime import date

from flask import Response, abort, flash, g, redirect, render_template, request, session, stream_with_context, url_for
from flask_login import current_user, login_required

from financeapp.core.errors import Invalid
from financeapp.core.forms import form_status
from financeapp.core.scoping import require_role
from financeapp.core.views import save_form
from financeapp.exports import bp, services
from financeapp.exports.forms import RestoreForm
from financeapp.transactions.queries import TransactionFilter
from financeapp.workspaces.roles import has_role


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "workspace"


def _page(form: RestoreForm, status: int = 200):
    role = g.membership.role if g.get("membership") else None
    return render_template("exports/index.html", form=form, can_read=has_role(role, "viewer"),
                           can_download=has_role(role, "owner")), status


@bp.get("/")
@login_required
def index():
    return _page(RestoreForm(formdata=None))


@bp.get("/transactions.csv")
@require_role("viewer")
def transactions_csv():
    f = TransactionFilter.from_args(request.args)
    if f.errors:
        raise Invalid("The export was not made: " + " ".join(f.errors.values()), fields=f.errors)
    name = f"transactions-{_slug(g.workspace.name)}-{date.today().isoformat()}.csv"
    body = stream_with_context(services.iter_chunks(services.transactions_csv(g.workspace, f)))
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})


@bp.get("/workspace.json")
@require_role("owner")
def workspace_json():
    name = f"financeapp-{_slug(g.workspace.name)}-{date.today().isoformat()}.json"
    body = stream_with_context(services.iter_chunks(services.workspace_json(g.workspace)))
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})


@bp.post("/restore")
@login_required
def restore():
    form = RestoreForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    upload = form.file.data
    if upload is None:
        abort(400)
    done = save_form(form, lambda: services.restore_workspace(current_user, upload.read(), name=form.name.data),
                     validate=False)
    if not done:
        return _page(form, form_status(form))
    result = done.value
    session["workspace_id"] = result.workspace.id
    total = result.counts.get("transactions", 0)
    flash(f"Restored “{result.workspace.name}” as a new workspace with {total} transactions; "
          "it is now the current workspace.", "success")
    return redirect(url_for("accounts.index"))
