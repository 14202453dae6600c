"""Routes of the Insights page's unusual transactions: "This is normal", the whole-history scan (which also
recomputes the patterns), and the rows of the page's list, its stored patterns and the dashboard's card."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, request, url_for
from flask_login import current_user

from financeapp.core.pagination import Page, page_number
from financeapp.core.scoping import require_role
from financeapp.core.views import run_action
from financeapp.insights import bp, jobs
from financeapp.insights import services as unusual_services

# The list on this page and the card on the dashboard get their rows from this context processor (only
# on those two pages), so the shared index view and templates stay as they are.

DASHBOARD_CARD_ROWS = 3


@bp.app_context_processor
def unusual_context() -> dict[str, Any]:
    workspace = g.get("workspace")
    if workspace is None or request.endpoint not in ("insights.index", "dashboard.index"):
        return {}
    if request.endpoint == "dashboard.index":
        page = unusual_services.unusual_page(workspace, 1, per_page=DASHBOARD_CARD_ROWS)
        return {"unusual_card": page}
    number = page_number(request.args.get("unusual_page"))
    page = unusual_services.unusual_page(workspace, number)
    return {"unusual": page, "unusual_pager": _UnusualPager(page),
            "patterns": unusual_services.stored_patterns(workspace)}


class _UnusualPager:
    """The `pager` macro's links for the list's own page parameter (the page has other sections)."""

    def __init__(self, page: Page):
        self.number, self.pages, self.has_prev, self.has_next = page.number, page.pages, page.has_prev, page.has_next

    def url_for(self, number: int) -> str:
        return url_for("insights.index", unusual_page=number, _anchor="unusual")


@bp.post("/unusual/<int:flag_id>/normal")
@require_role("member")
def unusual_normal(flag_id: int):
    flag = unusual_services.get_flag(g.workspace, flag_id)
    taught = " Payments to this payee in the same range won't be flagged." if flag.transaction.payee_id else ""
    return run_action(lambda: unusual_services.mark_normal(g.workspace, flag, current_user.id),
                      success=f"Marked as normal.{taught}", then=url_for("insights.index", _anchor="unusual"))


@bp.post("/unusual/scan")
@require_role("member")
def unusual_scan():
    mode, result = jobs.start_scan(g.workspace)
    if mode == "queued":
        flash("Scanning your whole history in the background; the list updates when it is done.", "info")
    elif result is not None:
        flash(f"Scanned {result.scored:,} transactions: {result.flagged:,} unusual "
              f"({result.added:,} new).", "success")
    return redirect(url_for("insights.index", _anchor="unusual"))
