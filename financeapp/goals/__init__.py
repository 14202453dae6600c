"""The goals domain."""

from flask import Blueprint

bp = Blueprint("goals", __name__, url_prefix="/goals")
