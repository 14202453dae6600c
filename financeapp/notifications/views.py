"""Routes: the user's notifications in the current workspace, the navbar badge, read and delete."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from financeapp.core.conditional import not_modified
from financeapp.core.scoping import as_id, require_role
from financeapp.core.security import safe_next_url
from financeapp.extensions import db
from financeapp.notifications import bp, queries, services

# htmx stops polling when a poll is answered with 286 (signed out, or no workspace any more).
STOP_POLLING = 286


@bp.app_context_processor
def notification_badge() -> dict[str, Any]:
    """`unread_notifications()` for the navbar; it queries only when a template calls it."""

    def unread_notifications() -> int:
        workspace = g.get("workspace")
        if workspace is None or not current_user.is_authenticated:
            return 0
        try:
            return queries.unread_count(workspace, current_user.id)
        except Exception:  # an error page must render even when the database is down
            return 0

    return {"unread_notifications": unread_notifications}


def _page_arg() -> int:
    return min(as_id(request.args.get("page", 1)) or 1, 1_000_000)


def _back() -> str:
    return safe_next_url(request.form.get("next")) or url_for("notifications.index")


@bp.get("/")
@require_role("viewer")
def index():
    page = queries.notification_page(g.workspace, current_user.id, _page_arg())
    return render_template("notifications/index.html", page=page)


@bp.get("/badge")
def badge():
    """The unread count fragment the navbar polls every 60 seconds."""
    if not current_user.is_authenticated or g.get("workspace") is None:
        return "", STOP_POLLING
    count = queries.unread_count(g.workspace, current_user.id)
    unchanged = not_modified("badge", current_user.id, g.workspace.id, count, data=False)
    return unchanged or render_template("notifications/_badge.html", count=count)


@bp.post("/<int:notification_id>/follow")
@require_role("viewer")
def follow(notification_id: int):
    notification = queries.get_notification_or_404(g.workspace, current_user.id, notification_id)
    services.mark_read(notification)
    db.session.commit()
    return redirect(safe_next_url(notification.url) or url_for("notifications.index"))


@bp.post("/<int:notification_id>/read")
@require_role("viewer")
def read(notification_id: int):
    notification = queries.get_notification_or_404(g.workspace, current_user.id, notification_id)
    services.mark_read(notification)
    db.session.commit()
    return redirect(_back())


@bp.post("/read-all")
@require_role("viewer")
def read_all():
    count = services.mark_all_read(g.workspace, current_user.id)
    db.session.commit()
    flash(f"Marked {count} notification{'s' if count != 1 else ''} read." if count else "Nothing was unread.",
          "success")
    return redirect(_back())


@bp.post("/<int:notification_id>/delete")
@require_role("viewer")
def delete(notification_id: int):
    notification = queries.get_notification_or_404(g.workspace, current_user.id, notification_id)
    services.delete_notification(notification)
    db.session.commit()
    flash("Notification deleted.", "success")
    return redirect(_back())
