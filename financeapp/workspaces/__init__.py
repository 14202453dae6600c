"""Workspaces: the switcher, creating one, and the owner's settings."""

from flask import Blueprint

bp = Blueprint("workspaces", __name__, url_prefix="/workspaces")
