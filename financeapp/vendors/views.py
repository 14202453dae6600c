"""Routes of the vendors pages: the list with risk scores, a vendor's page (its documents, figures and
risk points) with rename, default category and merge."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from financeapp.categories.services import category_choices
from financeapp.core.forms import form_status
from financeapp.core.pagination import page_number
from financeapp.core.scoping import as_id, check_role, get_scoped_or_404, require_role
from financeapp.core.views import run_action, save_form
from financeapp.documents import queries, templates
from financeapp.vendors import bp, services
from financeapp.vendors.forms import MergeForm, VendorForm
from financeapp.vendors.models import Vendor

DOCUMENTS_PER_PAGE = 25


@bp.get("/")
@require_role("viewer")
def index():
    search = (request.args.get("q") or "").strip()[:100]
    page = services.vendor_page(g.workspace, page_number(request.args.get("page")), search=search).linked(
        "vendors.index", **({"q": search} if search else {}))
    return render_template("vendors/index.html", page=page, search=search)


@bp.route("/<int:vendor_id>", methods=["GET", "POST"])
@require_role("viewer")
def detail(vendor_id: int):
    vendor = get_scoped_or_404(Vendor, vendor_id, g.workspace)
    form = VendorForm(obj=vendor if request.method == "GET" else None)
    form.default_category_id.choices = category_choices(g.workspace, blank="None")
    if request.method == "GET":
        form.default_category_id.data = str(vendor.default_category_id or "")
    else:
        check_role("member")
        if save_form(form, lambda: services.update_vendor(g.workspace, vendor, form.to_input())):
            flash(f"Saved {vendor.name}.", "success")
            return redirect(url_for("vendors.detail", vendor_id=vendor.id))
        vendor = get_scoped_or_404(Vendor, vendor_id, g.workspace)  # the rollback expired it
    figures = services.figures(g.workspace, [vendor.id])[vendor.id]
    f = queries.DocumentFilter(vendor_id=vendor.id)
    documents = queries.document_page(g.workspace, f, page_number(request.args.get("page")),
                                      DOCUMENTS_PER_PAGE).linked("vendors.detail", vendor_id=vendor.id)
    merge = MergeForm(formdata=None)
    merge.target_id.choices = [("", "— choose —")] + [(str(v.id), v.name) for v in services.other_vendors(
        g.workspace, vendor)]
    return render_template("vendors/detail.html", vendor=vendor, form=form, figures=figures,
                           risk=services.risk(g.workspace, vendor, figures), documents=documents,
                           merge_form=merge,
                           patterns=templates.patterns_of(g.workspace, vendor.id)), form_status(form)


@bp.post("/<int:vendor_id>/merge")
@require_role("member")
def merge(vendor_id: int):
    source = get_scoped_or_404(Vendor, vendor_id, g.workspace)
    target_id = as_id(request.form.get("target_id"))
    back = url_for("vendors.detail", vendor_id=source.id)
    name = source.name

    return run_action(lambda: services.merge_into(g.workspace, source, target_id),
                      success=lambda done: f"Merged “{name}” into “{done[0].name}” ({done[1]} documents).",
                      then=lambda done: url_for("vendors.detail", vendor_id=done[0].id), back=back)
