"""The rates domain."""

from flask import Blueprint

bp = Blueprint("rates", __name__, url_prefix="/rates")
