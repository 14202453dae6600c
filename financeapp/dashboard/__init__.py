"""The home page: an overview of the current workspace."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)
