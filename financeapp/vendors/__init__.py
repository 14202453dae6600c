"""The vendors domain: who sent the workspace's invoices and receipts, and how much to trust them."""

from flask import Blueprint

bp = Blueprint("vendors", __name__, url_prefix="/vendors")
