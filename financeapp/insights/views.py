"""Routes of the Insights page."""

from __future__ import annotations

from flask import render_template

from financeapp.core.scoping import require_role
from financeapp.insights import bp


@bp.get("/")
@require_role("viewer")
def index():
    return render_template("insights/index.html")
