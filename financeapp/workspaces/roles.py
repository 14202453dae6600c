"""The roles a member can hold in a workspace, each including the ones before it."""

from __future__ import annotations

ROLES = ("viewer", "member", "manager", "owner")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}


def has_role(role: str | None, needed: str) -> bool:
    """Whether `role` is at least `needed` (an unknown `needed` is a programming error)."""
    if needed not in ROLE_RANK:
        raise ValueError(f"unknown role {needed}")
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[needed]
