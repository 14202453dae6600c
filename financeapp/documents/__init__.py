"""The documents domain: receipts and invoices read, checked, approved and booked."""

from flask import Blueprint

bp = Blueprint("documents", __name__, url_prefix="/documents")
