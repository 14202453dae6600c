"""The debts domain."""

from flask import Blueprint

bp = Blueprint("debts", __name__, url_prefix="/debts")
