"""The transactions domain."""

from flask import Blueprint

bp = Blueprint("transactions", __name__, url_prefix="/transactions")
