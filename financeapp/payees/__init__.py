"""The payees domain."""

from flask import Blueprint

bp = Blueprint("payees", __name__, url_prefix="/payees")
