"""Routes of the import wizard: upload, (CSV) columns, accounts, preview, progress, result, undo.

Reads need the viewer role; every POST needs member. A batch of another workspace is a 404.
"""

from __future__ import annotations

from flask import flash, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from financeapp.accounts.models import Account
from financeapp.core.errors import FinanceError, Invalid
from financeapp.core.forms import attach_errors
from financeapp.core.scoping import check_role, require_role, scoped
from financeapp.extensions import db
from financeapp.imports import bp, committing, jobs, planning, queries, services, storage
from financeapp.imports.forms import UploadForm, mapping_fields, read_mapping
from financeapp.imports.models import ImportBatch

PREVIEW_PER_PAGE = 100


def _int_arg(name: str, default: int = 1) -> int:
    try:
        return max(1, min(int(request.values.get(name, default)), 10**6))
    except (TypeError, ValueError):
        return default


def _batch(batch_id: int) -> ImportBatch:
    """The current workspace's batch (else 404); a POST needs the member role before anything else."""
    batch = services.get_batch(g.workspace, batch_id)
    if request.method == "POST":
        check_role("member")
    return batch


def resume_url(batch: ImportBatch) -> str:
    """Where a batch's wizard continues."""
    options = storage.options_of(batch)
    if batch.status == "running":
        return url_for("imports.progress", batch_id=batch.id)
    if batch.status != "staged":
        return url_for("imports.detail", batch_id=batch.id)
    if batch.format == "csv" and not options.get("csv_mapping"):
        return url_for("imports.columns", batch_id=batch.id)
    if not options.get("analysed"):
        return url_for("imports.accounts", batch_id=batch.id)
    return url_for("imports.preview", batch_id=batch.id)


def _redirect_or_htmx(url: str):
    if request.headers.get("HX-Request"):
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)


def _after_step(batch: ImportBatch, step: str):
    """Where to go once a step has run: the preview, the result, or back with the reason."""
    db.session.refresh(batch)
    if batch.status == "committed":
        flash(f"Imported {batch.rows_imported} of {batch.rows_total} rows from {batch.file_name}.", "success")
        return url_for("imports.detail", batch_id=batch.id)
    if batch.message:
        flash(batch.message, "danger")
        if batch.status == "staged":  # shown once, as the flash
            batch.message = ""
            db.session.commit()
    if batch.status == "staged" and step == "analyse" and not storage.options_of(batch).get("analysed"):
        return url_for("imports.accounts", batch_id=batch.id)
    return resume_url(batch)


def _run(batch: ImportBatch, step: str):
    """Start a step: queued on RQ, on the progress page, or right now for a small file."""
    mode = jobs.start(batch, step)
    if mode == "now":
        jobs.run_step(batch.id, g.workspace.id, step)
        return redirect(_after_step(batch, step))
    return redirect(url_for("imports.progress", batch_id=batch.id))


# -- the list and the upload ----------------------------------------------------------------------


@bp.get("/")
@require_role("viewer")
def index():
    return render_template("imports/index.html", form=UploadForm(), batches=queries.recent_imports(
        g.workspace, _int_arg("page")))


@bp.post("/")
@require_role("member")
def upload():
    form = UploadForm()
    if form.validate_on_submit():
        uploaded = form.file.data
        batch = None
        try:
            batch = services.stage_upload(g.workspace, current_user, uploaded.filename or "", uploaded.read())
            if batch.format != "csv":
                services.statement_summaries(batch)  # a file that cannot be read is refused right here
        except FinanceError as err:
            if batch is not None:
                storage.discard_files(batch)
            db.session.rollback()
            attach_errors(form, err)
        else:
            db.session.commit()
            return redirect(resume_url(batch))
    return render_template("imports/index.html", form=form, batches=queries.recent_imports(g.workspace)), 422


# -- CSV columns -------------------------------------------------------------------------------------


@bp.route("/<int:batch_id>/columns", methods=["GET", "POST"])
@require_role("viewer")
def columns(batch_id: int):
    batch = _batch(batch_id)
    if batch.format != "csv" or batch.status != "staged":
        return redirect(resume_url(batch))
    layout = planning.csv_layout(storage.read_stored(batch))
    options = storage.options_of(batch)
    mapping, saved = planning.mapping_for_layout(g.workspace, layout)
    mapping = options.get("csv_mapping") or mapping
    error, status = "", 200
    if request.method == "POST":
        chosen = read_mapping(request.form, layout)
        try:
            services.choose_csv_mapping(g.workspace, batch, chosen, name=request.form.get("name", ""))
        except FinanceError as err:
            db.session.rollback()
            error, status, mapping = err.message, err.status, chosen
        else:
            db.session.commit()
            return redirect(url_for("imports.accounts", batch_id=batch.id))
    return render_template("imports/columns.html", batch=batch, layout=layout, saved=saved, error=error,
                           fields=mapping_fields(layout, mapping)), status


# -- accounts ----------------------------------------------------------------------------------------


@bp.route("/<int:batch_id>/accounts", methods=["GET", "POST"])
@require_role("viewer")
def accounts(batch_id: int):
    batch = _batch(batch_id)
    if batch.status != "staged" or (batch.format == "csv" and not storage.options_of(batch).get("csv_mapping")):
        return redirect(resume_url(batch))
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        choices = {key.removeprefix("account_"): value for key, value in request.form.items()
                   if key.startswith("account_")}
        try:
            services.choose_accounts(g.workspace, batch, choices)
        except FinanceError as err:
            db.session.rollback()
            errors, status = (err.fields or {"form": err.message}), err.status
            chosen = choices
        else:
            return _run(batch, "analyse")
    else:
        chosen = services.default_choices(g.workspace, batch)
        db.session.commit()  # the statements summary is kept on the batch once parsed
    accounts = list(db.session.scalars(scoped(Account, g.workspace).where(Account.archived.is_(False))
                                       .order_by(Account.name)))
    options = storage.options_of(batch)
    return render_template("imports/accounts.html", batch=batch, statements=services.statement_summaries(batch),
                           proposed=services.proposed_names(g.workspace, batch), accounts=accounts, chosen=chosen,
                           errors=errors, warnings=options.get("warnings", []), new=planning.NEW), status


# -- preview -----------------------------------------------------------------------------------------


@bp.route("/<int:batch_id>/preview", methods=["GET", "POST"])
@require_role("viewer")
def preview(batch_id: int):
    batch = _batch(batch_id)
    options = storage.options_of(batch)
    if batch.status != "staged" or not options.get("analysed"):
        return redirect(resume_url(batch))
    show = request.values.get("show") or request.values.get("current_show") or "all"
    if request.method == "POST":
        services.set_overrides(batch, request.form.getlist("shown"), request.form.getlist("include"),
                               skip_errors=("skip_errors" in request.form) if "has_errors" in request.form
                               else None)
        if request.form.get("action") == "commit":
            return _run(batch, "commit")
        db.session.commit()
        if request.form.get("action") == "save":
            flash("Your choices are saved.", "success")
        page = _int_arg("goto") if "goto" in request.form else 1 if "show" in request.form else _int_arg("page")
        return redirect(url_for("imports.preview", batch_id=batch.id, page=page, show=show))
    page = services.preview_page(batch, page=_int_arg("page"), show=show, per_page=PREVIEW_PER_PAGE)
    return render_template("imports/preview.html", batch=batch, page=page, options=options,
                           message=batch.message)


# -- progress ----------------------------------------------------------------------------------------


def _progress_numbers(batch: ImportBatch) -> tuple[int, int, str]:
    live = storage.ProgressFile.read(batch) or {}
    total = int(live.get("total") or batch.rows_total or 0)
    done = int(live.get("done") or batch.progress or 0)
    return min(done, total) if total else done, total, str(live.get("step") or "")


@bp.get("/<int:batch_id>/progress")
@require_role("viewer")
def progress(batch_id: int):
    batch = _batch(batch_id)
    options = storage.options_of(batch)
    if batch.status != "running":
        return _redirect_or_htmx(_after_step(batch, options.get("job") or "commit") if batch.message
                                 else resume_url(batch))
    done, total, step = _progress_numbers(batch)
    template = "imports/_progress.html" if request.headers.get("HX-Request") else "imports/progress.html"
    return render_template(template, batch=batch, done=done, total=total, step=step or options.get("job"),
                           mode=options.get("mode"))


@bp.post("/<int:batch_id>/run")
@require_role("member")
def run(batch_id: int):
    """Run a large file's step in this request (no Redis): the progress page calls it once."""
    batch = _batch(batch_id)
    options = storage.options_of(batch)
    step = options.get("job")
    if batch.status == "running" and options.get("mode") == "page" and step in jobs.STEPS:
        jobs.run_step(batch.id, g.workspace.id, step)
        return _redirect_or_htmx(_after_step(batch, step))
    return _redirect_or_htmx(resume_url(batch))


# -- the result, undo, discard -----------------------------------------------------------------------


@bp.get("/<int:batch_id>")
@require_role("viewer")
def detail(batch_id: int):
    batch = _batch(batch_id)
    sums = queries.imported_sums(g.workspace, batch) if batch.status == "committed" else []
    return render_template("imports/detail.html", batch=batch, sums=sums, who=queries.who_ran(batch),
                           options=storage.options_of(batch), resume=resume_url(batch))


@bp.post("/<int:batch_id>/undo")
@require_role("member")
def undo(batch_id: int):
    batch = _batch(batch_id)
    try:
        removed = committing.undo_import(g.workspace, batch)
    except FinanceError as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for("imports.detail", batch_id=batch_id))
    db.session.commit()
    flash(f"Undone: removed the {removed} transactions imported from {batch.file_name}.", "success")
    return redirect(url_for("imports.index"))


@bp.post("/<int:batch_id>/discard")
@require_role("member")
def discard(batch_id: int):
    """Forget an import that was never committed, and its uploaded file."""
    batch = _batch(batch_id)
    if batch.status not in ("staged", "failed"):
        raise Invalid("Only an import that was not carried out can be discarded; undo it instead.")
    storage.discard_files(batch)
    name = batch.file_name
    db.session.delete(batch)
    db.session.commit()
    flash(f"Discarded {name}.", "success")
    return redirect(url_for("imports.index"))
