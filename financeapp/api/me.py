"""Who is signed in, and in which workspace."""

from __future__ import annotations

from flask import g, jsonify
from flask_login import current_user

from financeapp.api import bp
from financeapp.core.scoping import require_role


@bp.get("/me")
@require_role("viewer")
def me():
    return jsonify(
        data={
            "email": current_user.email,
            "display_name": current_user.display_name,
            "workspace": {
                "id": g.workspace.id,
                "name": g.workspace.name,
                "base_currency": g.workspace.base_currency,
                "role": g.membership.role,
            },
        }
    )
