"""Routes of the documents pages: list and upload, a batch's live progress, review and workflow, the
dashboard, the CSV export and the owner's settings.

Reading runs in a job (RQ with Redis). Without Redis the batch page reads one document per request
(`run`, which htmx calls again after each answer) while it polls the progress, as imports do.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from financeapp.accounts.queries import account_choices
from financeapp.core.db import utcnow
from financeapp.core.errors import Invalid, NotFound
from financeapp.core.forms import form_status
from financeapp.core.pagination import page_number
from financeapp.core.scoping import as_id, check_role, get_scoped_or_404, require_role
from financeapp.core.validation import amount_for_input
from financeapp.core.views import run_action, save_form
from financeapp.documents import bp, jobs, queries, services, workflow
from financeapp.documents.forms import FieldsForm, MoveForm, SettingsForm, UploadForm
from financeapp.documents.models import FLAG_CODES, STATES, STATUSES, Document, DocumentBatch
from financeapp.exports.services import iter_chunks
from financeapp.extensions import db
from financeapp.receipts.views import FILE_CSP, stored_file_response
from financeapp.vendors import services as vendors

FLAG_LABELS = {"duplicate": "Duplicate", "invalid_gstin": "Invalid GSTIN", "total_mismatch": "Total mismatch",
               "future_date": "Date", "unusual_amount": "Unusual amount", "low_confidence": "Low confidence"}
STATE_STYLES = {"draft": "secondary", "submitted": "primary", "approved": "success", "rejected": "danger",
                "returned": "warning", "paid": "success"}
STATUS_LABELS = {"queued": "Waiting", "processing": "Reading", "processed": "Read", "failed": "Failed"}


@bp.app_context_processor
def document_labels() -> dict[str, Any]:
    return {"flag_labels": FLAG_LABELS, "state_styles": STATE_STYLES, "status_labels": STATUS_LABELS,
            "field_labels": services.FIELD_LABELS}


def _accounts() -> list[tuple[str, str]]:
    return account_choices(g.workspace)


def _role() -> str | None:
    return g.membership.role if g.get("membership") else None


# -- list and upload ----------------------------------------------------------------------------------


def _index(form: UploadForm, status: int = 200):
    f = queries.DocumentFilter.from_args(request.args)
    for message in f.errors.values():
        flash(f"A filter was ignored: {message}", "warning")
    page = queries.document_page(g.workspace, f, page_number(request.args.get("page")), queries.PER_PAGE).linked(
        "documents.index", **f.args())
    return render_template("documents/index.html", form=form, page=page, f=f, states=STATES, statuses=STATUSES,
                           flag_codes=FLAG_CODES, max_files=services.MAX_FILES), status


@bp.get("/")
@require_role("viewer")
def index():
    return _index(UploadForm(formdata=None))


@bp.post("/upload")
@require_role("member")
def upload():
    form = UploadForm()
    done = save_form(form, lambda: services.upload_documents(
        g.workspace, current_user, [services.Upload(f.filename or "", f.stream) for f in form.uploads()]))
    if done is None:
        return _index(form, form_status(form))
    batch = done.value
    mode = jobs.start(g.workspace, services.batch_documents(g.workspace, batch))
    count = len(form.uploads())
    flash(f"Uploaded {count} file{'s' if count != 1 else ''}; reading them now.", "success")
    return redirect(url_for("documents.batch", batch_id=batch.id, **({"run": "page"} if mode == "page" else {})))


# -- batches ------------------------------------------------------------------------------------------


def _batch(batch_id: int) -> DocumentBatch:
    return get_scoped_or_404(DocumentBatch, batch_id, g.workspace)


def _page_runs() -> bool:
    return jobs.mode(current_app) == "page" or request.args.get("run") == "page"


def _progress_context(batch: DocumentBatch) -> dict[str, Any]:
    # A reading whose job died shows as failed (with a retry) once it is past the stale limit.
    if services.fail_stale_readings(g.workspace, batch=batch):
        db.session.commit()
    return {"batch": batch, "progress": queries.batch_progress(g.workspace, batch),
            "rows": queries.batch_rows(g.workspace, batch), "page_runs": _page_runs()}


@bp.get("/batches/<int:batch_id>")
@require_role("viewer")
def batch(batch_id: int):
    return render_template("documents/batch.html", **_progress_context(_batch(batch_id)))


@bp.get("/batches/<int:batch_id>/progress")
@require_role("viewer")
def progress(batch_id: int):
    """The progress table alone, for htmx to poll; a plain visit gets the whole page."""
    found = _batch(batch_id)
    if not request.headers.get("HX-Request"):
        return redirect(url_for("documents.batch", batch_id=found.id))
    return render_template("documents/_batch_progress.html", **_progress_context(found))


@bp.post("/batches/<int:batch_id>/run")
@require_role("member")
def run(batch_id: int):
    """Read the batch's next waiting document in this request (no worker): the batch page calls it again
    after each answer until none is left."""
    found = _batch(batch_id)
    jobs.run_next(g.workspace, found)
    if not request.headers.get("HX-Request"):
        return redirect(url_for("documents.batch", batch_id=found.id, run="page"))
    return render_template("documents/_batch_runner.html", batch=found,
                           progress=queries.batch_progress(g.workspace, found), page_runs=True)


@bp.post("/<int:document_id>/retry")
@require_role("member")
def retry(document_id: int):
    """Read a failed (or a draft) document again from its file."""
    doc = services.get_document(g.workspace, document_id)
    name, batch_id = doc.original_name, doc.batch_id
    then = url_for("documents.batch", batch_id=batch_id) if batch_id else url_for("documents.detail",
                                                                                document_id=doc.id)

    def again() -> str:
        return jobs.retry(g.workspace, doc)

    return run_action(again, success=f"{name} is queued to be read again.",
                      then=lambda mode: then + ("?run=page" if mode == "page" and batch_id else ""), back=then)


# -- review and workflow ------------------------------------------------------------------------------


def _fields_form(doc: Document) -> FieldsForm:
    if request.method == "POST":
        return FieldsForm()
    values = {name: value for name, value, _field in services.field_rows(doc)}
    form = FieldsForm(formdata=None, version=doc.version)
    for name, value in values.items():
        if value is None:
            continue
        form[name].data = amount_for_input(value, doc.currency or g.workspace.base_currency) \
            if name in services.AMOUNT_FIELDS else value
    return form


def _review(doc: Document, form: FieldsForm, status: int = 200):
    role = _role()
    return render_template(
        "documents/detail.html", doc=doc, form=form, rows=services.field_rows(doc),
        actions=workflow.allowed_actions(doc, role), move_form=MoveForm(formdata=None, accounts=_accounts()),
        settings=workflow.settings_of(g.workspace), events=workflow.events_of(g.workspace, doc),
        editable=doc.state in services.EDITABLE_STATES and doc.status not in ("queued", "processing"),
        has_file=services.document_path(doc).exists(),
        page_number=min(max(1, as_id(request.args.get("p", "1")) or 1), max(1, doc.pages or 1)),
        related={f.related_id: services.find_document(g.workspace, f.related_id) for f in doc.flags if f.related_id},
    ), status


@bp.route("/<int:document_id>", methods=["GET", "POST"])
@require_role("viewer")
def detail(document_id: int):
    doc = services.get_document(g.workspace, document_id)
    form = _fields_form(doc)
    if request.method == "POST":
        check_role("member")
        done = save_form(form, lambda: services.update_fields(g.workspace, current_user, doc, form.to_input()))
        if done is not None:
            changed = done.value
            flash(f"Saved: {', '.join(services.FIELD_LABELS[n] for n in changed)}." if changed
                  else "Nothing changed.", "success")
            return redirect(url_for("documents.detail", document_id=doc.id))
        doc = services.get_document(g.workspace, document_id)  # the rollback expired it
    return _review(doc, form, form_status(form))


@bp.post("/<int:document_id>/<any(submit, approve, reject, return, pay):action>")
@require_role("viewer")
def move(document_id: int, action: str):
    """One workflow move; the service's table decides who may make it (403) and from where (409)."""
    doc = services.get_document(g.workspace, document_id)
    form = MoveForm(accounts=_accounts())  # CSRF is checked for every POST before the view (auth.loader)
    options = workflow.Options(comment=form.comment.data or "", account_id=as_id(form.account_id.data))
    back = url_for("documents.detail", document_id=doc.id)
    return run_action(lambda: workflow.transition(g.workspace, current_user, _role(), doc, action, options),
                      success=lambda event: f"{workflow.describe(event)}: {doc.original_name}.", then=back)


@bp.get("/<int:document_id>/pages/<int:number>")
@require_role("viewer")
def page_image(document_id: int, number: int):
    """A page of the document as an image for the review page (PDF pages and HEIC rendered to JPEG)."""
    doc = services.get_document(g.workspace, document_id)
    response = Response(services.preview(doc, number), mimetype="image/jpeg")
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.cache_control.private = True
    response.cache_control.max_age = 3600
    response.set_etag(f"{doc.sha256}-{number}")
    return response.make_conditional(request)


@bp.get("/<int:document_id>/file")
@require_role("viewer")
def download(document_id: int):
    doc = services.get_document(g.workspace, document_id)
    path = services.document_path(doc)
    if not path.exists():
        raise NotFound("The file of this document is not on this server.")
    return stored_file_response(path, doc.content_type, doc.original_name, doc.sha256, as_attachment=True)


@bp.post("/<int:document_id>/delete")
@require_role("member")
def delete(document_id: int):
    doc = services.get_document(g.workspace, document_id)
    name = doc.original_name
    return run_action(lambda: services.delete_document(g.workspace, doc), success=f"Deleted {name}.",
                      then=url_for("documents.index"), back=url_for("documents.detail", document_id=doc.id))


# -- dashboard, export, settings ----------------------------------------------------------------------


@bp.get("/dashboard")
@require_role("viewer")
def dashboard():
    figures = queries.dashboard(g.workspace, utcnow().date())  # approvals are stamped in UTC
    return render_template("documents/dashboard.html", figures=figures, risky=vendors.riskiest(g.workspace, 5))


@bp.get("/export.csv")
@require_role("viewer")
def export_csv():
    f = queries.DocumentFilter.from_args(request.args)
    if f.errors:
        raise Invalid("The export was not made: " + " ".join(f.errors.values()), fields=f.errors)
    name = f"invoices-{date.today().isoformat()}.csv"
    body = stream_with_context(iter_chunks(queries.invoices_csv(g.workspace, f)))
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                        "Cache-Control": "no-store"})


@bp.route("/settings", methods=["GET", "POST"])
@require_role("owner")
def settings():
    current = workflow.settings_of(g.workspace)
    form = SettingsForm(accounts=_accounts())
    if request.method == "GET":
        form.account_id.data = str(current.account_id or "")
        if current.second_approval_above is not None:
            form.second_approval_above.data = f"{current.second_approval_above:f}"
    done = request.method == "POST" and save_form(form, lambda: workflow.save_settings(
        g.workspace, as_id(form.account_id.data), form.second_approval_above.decimal))
    if done:
        flash("Document settings saved.", "success")
        return redirect(url_for("documents.settings"))
    return render_template("documents/settings.html", form=form), form_status(form)
