"""What the entry forms remember between entries, so entering many in a row takes few keys.

The last entry's account, date and direction are kept in the session (this browser, this
workspace): quick add starts the next entry with them, and the full form starts on the account
used last rather than the first one alphabetically.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import session

KEY = "entry_defaults"


def remember_entry(workspace_id: int, account_id: int, on: date, amount_sign: int) -> None:
    session[KEY] = {"workspace_id": workspace_id, "account_id": account_id, "on": on.isoformat(),
                    "direction": "in" if amount_sign > 0 else "out"}


def entry_defaults(workspace_id: int) -> dict[str, Any]:
    """{account_id, on, direction} of the last entry in this workspace, or {} (a stale date is dropped)."""
    saved = session.get(KEY) or {}
    if saved.get("workspace_id") != workspace_id:
        return {}
    try:
        on = date.fromisoformat(saved.get("on", ""))
    except ValueError:
        on = None
    return {"account_id": saved.get("account_id"), "on": on, "direction": saved.get("direction", "out")}


def apply_defaults(form: Any, workspace_id: int, *, quick: bool) -> None:
    """Start an unsubmitted entry form on the last entry's account; quick add also on its date and direction."""
    defaults = entry_defaults(workspace_id)
    if not defaults:
        return
    if any(value == str(defaults["account_id"]) for value, _ in form.account_id.choices):
        form.account_id.data = str(defaults["account_id"])
    if quick:
        form.direction.data = defaults["direction"]
        if defaults["on"] is not None:
            form.on.data = defaults["on"]


def keep_quick_add_open() -> None:
    """After a quick-add save: the list opens quick add again, focused on the next entry's amount."""
    session["quick_add_open"] = True


def quick_add_reopens() -> bool:
    return bool(session.pop("quick_add_open", False))
