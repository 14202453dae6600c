"""Routes of the import wizard: upload, (CSV) columns, accounts, preview, progress, result, undo.

Reads need the viewer role; every POST needs member. A batch of another workspace is a 404.
"""

from __future__ import annotations

from flask import flash, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from financeapp.accounts.models import Account
from financeapp.core.errors import FinanceError
from financeapp.core.scoping import check_role, require_role, scoped
from financeapp.core.views import attempt, run_action, save_form
from financeapp.extensions import db
from financeapp.imports import bp, committing, jobs, planning, queries, services, storage
from financeapp.imports.forms import UploadForm, mapping_fields, read_mapping
from financeapp.imports.models import ImportBatch
from financeapp.imports.state import WizardState

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


def next_url(batch: ImportBatch) -> str:
    """Where a batch's wizard goes next: the one place that knows the order of the steps."""
    if batch.status == "running":
        return url_for("imports.progress", batch_id=batch.id)
    if batch.status != "staged":
        return url_for("imports.detail", batch_id=batch.id)
    state = WizardState.load(batch)
    if batch.format == "csv" and not state.csv_mapping and not state.investment:
        return url_for("imports.columns", batch_id=batch.id)
    if not state.analysed:
        return url_for("imports.accounts", batch_id=batch.id)
    return url_for("imports.preview", batch_id=batch.id)


def _redirect_or_htmx(url: str):
    if request.headers.get("HX-Request"):
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)


def _after_step(batch: ImportBatch) -> str:
    """Where to go once a step has run; a step that failed says why on the page it leads back to
    (the batch's message, cleared by the next choice the user makes), so no GET writes."""
    db.session.refresh(batch)
    if batch.status == "committed":
        flash(f"Imported {batch.rows_imported} of {batch.rows_total} rows from {batch.file_name}.", "success")
    return next_url(batch)


def _run(batch: ImportBatch, step: str):
    """Start a step: queued on RQ, on the progress page, or right now for a small file."""
    mode = jobs.start(batch, step)
    if mode == "now":
        jobs.run_step(batch.id, g.workspace.id, step)
        return redirect(_after_step(batch))
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
    if done := save_form(form, lambda: services.upload(g.workspace, current_user, form.file.data.filename or "",
                                                        form.file.data.read())):
        return redirect(next_url(done.value))
    return render_template("imports/index.html", form=form, batches=queries.recent_imports(g.workspace)), 422


# -- CSV columns -------------------------------------------------------------------------------------


@bp.route("/<int:batch_id>/columns", methods=["GET", "POST"])
@require_role("viewer")
def columns(batch_id: int):
    batch = _batch(batch_id)
    if batch.format != "csv" or batch.status != "staged" or WizardState.load(batch).investment:
        return redirect(next_url(batch))
    data = storage.read_stored(batch)  # read and sniffed once for the whole request
    layout = planning.csv_layout(data)
    mapping, saved = planning.mapping_for_layout(g.workspace, layout)
    mapping = WizardState.load(batch).csv_mapping or mapping
    error, status = "", 200
    if request.method == "POST":
        chosen = read_mapping(request.form, layout)
        outcome = attempt(lambda: services.choose_csv_mapping(g.workspace, batch, chosen, data=data, layout=layout,
                                                              name=request.form.get("name", "")))
        if not isinstance(outcome, FinanceError):
            db.session.commit()
            return redirect(url_for("imports.accounts", batch_id=batch.id))
        error, status, mapping = outcome.message, outcome.status, chosen
    return render_template("imports/columns.html", batch=batch, layout=layout, saved=saved, error=error,
                           fields=mapping_fields(layout, mapping)), status


# -- accounts ----------------------------------------------------------------------------------------


@bp.route("/<int:batch_id>/accounts", methods=["GET", "POST"])
@require_role("viewer")
def accounts(batch_id: int):
    batch = _batch(batch_id)
    state = WizardState.load(batch)
    if batch.status != "staged" or (batch.format == "csv" and not state.csv_mapping and not state.investment):
        return redirect(next_url(batch))
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        chosen = {key.removeprefix("account_"): value for key, value in request.form.items()
                  if key.startswith("account_")}
        outcome = attempt(lambda: services.choose_accounts(g.workspace, batch, chosen))
        if not isinstance(outcome, FinanceError):
            return _run(batch, "analyse")  # commits the choice with the start of the step
        errors, status = (outcome.fields or {"form": outcome.message}), outcome.status
    else:
        chosen = services.default_choices(g.workspace, batch)
    query = scoped(Account, g.workspace).where(Account.archived.is_(False))
    if state.investment:  # trades go to investment accounts only
        query = query.where(Account.type == "investment")
    accounts = list(db.session.scalars(query.order_by(Account.name)))
    return render_template("imports/accounts.html", batch=batch, statements=services.statement_summaries(batch),
                           proposed=services.proposed_names(g.workspace, batch), accounts=accounts, chosen=chosen,
                           errors=errors, warnings=WizardState.load(batch).warnings, new=planning.NEW), status


# -- preview -----------------------------------------------------------------------------------------


@bp.route("/<int:batch_id>/preview", methods=["GET", "POST"])
@require_role("viewer")
def preview(batch_id: int):
    batch = _batch(batch_id)
    state = WizardState.load(batch)
    if batch.status != "staged" or not state.analysed:
        return redirect(next_url(batch))
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
    return render_template("imports/preview.html", batch=batch, page=page, state=state, message=batch.message)


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
    state = WizardState.load(batch)
    if batch.status != "running":
        return _redirect_or_htmx(next_url(batch))
    done, total, step = _progress_numbers(batch)
    template = "imports/_progress.html" if request.headers.get("HX-Request") else "imports/progress.html"
    return render_template(template, batch=batch, done=done, total=total, step=step or state.job, mode=state.mode)


@bp.post("/<int:batch_id>/run")
@require_role("member")
def run(batch_id: int):
    """Run a large file's step in this request (no Redis): the progress page calls it once."""
    batch = _batch(batch_id)
    state = WizardState.load(batch)
    if batch.status == "running" and state.mode == "page" and state.job in jobs.STEPS:
        jobs.run_step(batch.id, g.workspace.id, state.job)
        return _redirect_or_htmx(_after_step(batch))
    return _redirect_or_htmx(next_url(batch))


# -- the result, undo, discard -----------------------------------------------------------------------


@bp.get("/<int:batch_id>")
@require_role("viewer")
def detail(batch_id: int):
    batch = _batch(batch_id)
    sums = queries.imported_sums(g.workspace, batch) if batch.status == "committed" else []
    return render_template("imports/detail.html", batch=batch, sums=sums, who=queries.who_ran(batch),
                           state=WizardState.load(batch), resume=next_url(batch))


@bp.post("/<int:batch_id>/undo")
@require_role("member")
def undo(batch_id: int):
    batch = _batch(batch_id)
    return run_action(lambda: committing.undo_import(g.workspace, batch),
                      success=lambda removed: f"Undone: removed the {removed} "
                                              f"{'trades' if WizardState.load(batch).investment else 'transactions'}"
                                              f" imported from {batch.file_name}.",
                      then=url_for("imports.index"), back=url_for("imports.detail", batch_id=batch_id))


@bp.post("/<int:batch_id>/discard")
@require_role("member")
def discard(batch_id: int):
    """Forget an import that was never committed, and its uploaded file."""
    batch = _batch(batch_id)
    name = batch.file_name
    return run_action(lambda: services.discard_batch(batch), success=f"Discarded {name}.",
                      then=url_for("imports.index"), back=url_for("imports.detail", batch_id=batch_id))
