"""The JSON API at /api/v1: one module per domain, calling the same services."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
