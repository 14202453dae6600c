"""Sharing a workspace: invitations by e-mail, roles, leaving and removing (never the last owner)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from financeapp.auth.models import User
from financeapp.auth.signing import LINK_EXPIRED, LINK_INVALID, LINK_USED, InvalidLink, make_link_token, read_link
from financeapp.core.db import utcnow
from financeapp.core.errors import Conflict, Forbidden, Invalid
from financeapp.core.scoping import get_scoped_or_404, scoped
from financeapp.extensions import db
from financeapp.members.models import Invitation
from financeapp.workspaces.models import Membership, Workspace
from financeapp.workspaces.roles import ROLES

INVITE_DAYS = 7
LAST_OWNER = ("{name} is the last owner of this workspace. Make another member an owner first "
              "(or delete the workspace).")


@dataclass(frozen=True)
class NewInvitation:
    email: str
    role: str = "member"


def _normalise(email: str) -> str:
    return email.strip().lower()


def members_of(workspace: Workspace) -> list[Membership]:
    """The workspace's memberships with their users, owners first, then by name."""
    rank = sa.case({role: i for i, role in enumerate(reversed(ROLES))}, value=Membership.role)
    return list(db.session.scalars(
        scoped(Membership, workspace).join(Membership.user).options(joinedload(Membership.user))
        .order_by(rank, User.display_name, User.id)
    ))


def open_invitations(workspace: Workspace, *, now: datetime | None = None) -> list[Invitation]:
    now = now or utcnow()
    return list(db.session.scalars(
        scoped(Invitation, workspace).where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
                                            Invitation.expires_at > now).order_by(Invitation.created_at.desc())
    ))


def invite(workspace: Workspace, inviter: User, data: NewInvitation, *, now: datetime | None = None) -> Invitation:
    """Invite an address with a role; inviting it again replaces the earlier link."""
    now = now or utcnow()
    email = _normalise(data.email)
    errors = {}
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        errors["email"] = "Enter an e-mail address such as sam@example.com."
    if data.role not in ROLES:
        errors["role"] = f"Choose one of: {', '.join(ROLES)}."
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    already = db.session.scalar(
        scoped(Membership, workspace).join(Membership.user).where(User.email == email))
    if already is not None:
        message = f"{email} is already a member of {workspace.name}."
        raise Conflict(message, fields={"email": message})
    invitation = next((i for i in open_invitations(workspace, now=now) if i.email == email), None)
    if invitation is None:
        invitation = Invitation(workspace_id=workspace.id, email=email)
        db.session.add(invitation)
    invitation.role = data.role
    invitation.invited_by_id = inviter.id
    invitation.nonce = secrets.token_hex(8)  # any earlier link for this address stops working
    invitation.created_at = now
    invitation.expires_at = now + timedelta(days=INVITE_DAYS)
    db.session.flush()
    return invitation


def invitation_token(invitation: Invitation) -> str:
    return make_link_token("invite", {"i": invitation.id, "n": invitation.nonce})


def invitation_from_token(token: str, *, now: datetime | None = None) -> Invitation:
    """The open invitation a link names; InvalidLink when forged, expired, used or revoked."""
    now = now or utcnow()
    payload = read_link("invite", token, INVITE_DAYS * 86400 + 3600)
    # Unscoped on purpose: the signed link (id + nonce) is what names the workspace here.
    invitation = db.session.get(Invitation, payload.get("i")) if isinstance(payload.get("i"), int) else None
    if invitation is None or invitation.nonce != payload.get("n"):
        raise InvalidLink(LINK_INVALID)
    if invitation.accepted_at is not None:
        raise InvalidLink(LINK_USED)
    if invitation.revoked_at is not None:
        raise InvalidLink("This invitation was withdrawn. Ask the workspace owner for a new one.")
    if invitation.expires_at <= now:
        raise InvalidLink(LINK_EXPIRED)
    return invitation


def accept_invitation(token: str, user: User, *, now: datetime | None = None) -> Membership:
    """Join the workspace with the invited role; only the invited address may accept.

    Accepting also proves the user reads that mailbox, so an unverified address becomes verified.
    """
    now = now or utcnow()
    invitation = invitation_from_token(token, now=now)
    if _normalise(user.email) != invitation.email:
        raise Forbidden(f"This invitation is for {invitation.email}. Sign in with that address to accept it.")
    membership = db.session.scalar(sa.select(Membership).where(
        Membership.user_id == user.id, Membership.workspace_id == invitation.workspace_id))
    if membership is None:
        membership = Membership(user_id=user.id, workspace_id=invitation.workspace_id, role=invitation.role)
        db.session.add(membership)
    invitation.accepted_at = now
    invitation.accepted_by_id = user.id
    if user.email_verified_at is None:
        user.email_verified_at = now
    db.session.flush()
    return membership


def revoke_invitation(workspace: Workspace, invitation_id: object, *, now: datetime | None = None) -> Invitation:
    """Withdraw an invitation of this workspace; its link stops working."""
    invitation = get_scoped_or_404(Invitation, invitation_id, workspace)
    if invitation.revoked_at is None and invitation.accepted_at is None:
        invitation.revoked_at = now or utcnow()
        db.session.flush()
    return invitation


def _owner_count(workspace: Workspace) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(
        Membership.workspace_id == workspace.id, Membership.role == "owner")) or 0


def _refuse_losing_last_owner(workspace: Workspace, membership: Membership) -> None:
    if membership.role == "owner" and _owner_count(workspace) <= 1:
        raise Conflict(LAST_OWNER.format(name=membership.user.display_name))


def change_role(workspace: Workspace, membership_id: object, role: str) -> Membership:
    """Give a member another role; the last owner keeps theirs."""
    membership = get_scoped_or_404(Membership, membership_id, workspace)
    if role not in ROLES:
        raise Invalid(f"Choose one of: {', '.join(ROLES)}.", fields={"role": "Choose a known role."})
    if role != "owner":
        _refuse_losing_last_owner(workspace, membership)
    membership.role = role
    db.session.flush()
    return membership


def remove_member(workspace: Workspace, membership_id: object) -> User:
    """Take a member out of the workspace (their entries stay); never the last owner."""
    membership = get_scoped_or_404(Membership, membership_id, workspace)
    _refuse_losing_last_owner(workspace, membership)
    user = membership.user
    db.session.delete(membership)
    db.session.flush()
    return user


def leave_workspace(workspace: Workspace, user: User) -> None:
    """The user leaves; the last owner cannot."""
    membership = db.session.scalar(scoped(Membership, workspace).where(Membership.user_id == user.id))
    if membership is None:
        raise Invalid("You are not a member of this workspace.")
    if membership.role == "owner" and _owner_count(workspace) <= 1:
        raise Conflict("You are the last owner of this workspace, so you cannot leave it. "
                       "Make another member an owner first.")
    db.session.delete(membership)
    db.session.flush()
