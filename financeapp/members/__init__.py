"""The members domain: sharing a workspace, invitations, roles."""

from flask import Blueprint

bp = Blueprint("members", __name__, url_prefix="/members")
