"""In-app notifications: budget alerts, bills due, goal milestones."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
