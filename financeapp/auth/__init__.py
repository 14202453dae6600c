"""Sign-up, sign-in, sign-out, passwords, two-factor, e-mail verification, API tokens."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.record_once
def _init_request_hooks(state) -> None:
    from financeapp.auth.loader import init_request_hooks

    init_request_hooks(state.app)
