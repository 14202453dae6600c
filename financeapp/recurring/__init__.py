"""The recurring domain."""

from flask import Blueprint

bp = Blueprint("recurring", __name__, url_prefix="/recurring")
