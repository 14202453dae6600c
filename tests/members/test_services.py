"""Sharing rules without HTTP: invitations are single-use and expire; the last owner stays."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from financeapp.auth.signing import InvalidLink
from financeapp.core.db import utcnow
from financeapp.core.errors import Conflict, Forbidden, Invalid, NotFound
from financeapp.extensions import db
from financeapp.members import services
from financeapp.workspaces.models import Membership
from tests.factories import add_member, make_user, personal_workspace


def invite(workspace, inviter, email="sam@example.com", role="member", **kw):
    invitation = services.invite(workspace, inviter, services.NewInvitation(email, role), **kw)
    db.session.commit()
    return invitation, services.invitation_token(invitation)


def test_an_invitation_is_accepted_once_with_its_role(ctx):
    owner, sam = make_user(), make_user("sam@example.com")
    workspace = personal_workspace(owner)
    _, token = invite(workspace, owner, role="viewer")
    membership = services.accept_invitation(token, sam)
    db.session.commit()
    assert (membership.workspace_id, membership.role) == (workspace.id, "viewer")
    with pytest.raises(InvalidLink, match="already been used"):
        services.accept_invitation(token, sam)


def test_an_expired_invitation_is_refused(ctx):
    owner, sam = make_user(), make_user("sam@example.com")
    _, token = invite(personal_workspace(owner), owner)
    with pytest.raises(InvalidLink, match="expired"):
        services.accept_invitation(token, sam, now=utcnow() + timedelta(days=8))


def test_a_forged_or_tampered_link_is_refused(ctx):
    owner = make_user()
    _, token = invite(personal_workspace(owner), owner)
    for bad in ("", "junk", token[:-2] + "xx", "x" * 5000):
        with pytest.raises(InvalidLink):
            services.invitation_from_token(bad)


def test_inviting_again_replaces_the_earlier_link(ctx):
    owner, sam = make_user(), make_user("sam@example.com")
    workspace = personal_workspace(owner)
    _, first = invite(workspace, owner)
    _, second = invite(workspace, owner, role="manager")
    with pytest.raises(InvalidLink):
        services.accept_invitation(first, sam)
    assert services.accept_invitation(second, sam).role == "manager"


def test_a_withdrawn_invitation_is_refused(ctx):
    owner, sam = make_user(), make_user("sam@example.com")
    workspace = personal_workspace(owner)
    invitation, token = invite(workspace, owner)
    services.revoke_invitation(workspace, invitation.id)
    with pytest.raises(InvalidLink, match="withdrawn"):
        services.accept_invitation(token, sam)


def test_only_the_invited_address_may_accept(ctx):
    owner, eve = make_user(), make_user("eve@example.com")
    _, token = invite(personal_workspace(owner), owner)
    with pytest.raises(Forbidden):
        services.accept_invitation(token, eve)


def test_accepting_verifies_the_invited_address(ctx):
    owner, sam = make_user(), make_user("sam@example.com")
    assert sam.email_verified_at is None
    _, token = invite(personal_workspace(owner), owner)
    services.accept_invitation(token, sam)
    assert sam.email_verified_at is not None


@pytest.mark.parametrize(("email", "role", "field"), [("not-an-email", "member", "email"),
                                                      ("a@b.c", "emperor", "role")])
def test_bad_invitations_are_refused_per_field(ctx, email, role, field):
    owner = make_user()
    with pytest.raises(Invalid) as err:
        services.invite(personal_workspace(owner), owner, services.NewInvitation(email, role))
    assert field in err.value.fields


def test_a_member_cannot_be_invited_twice(ctx):
    owner, sam = make_user(), make_user("sam@example.com")
    workspace = personal_workspace(owner)
    add_member(workspace, sam, "member")
    with pytest.raises(Conflict):
        services.invite(workspace, owner, services.NewInvitation("SAM@example.com", "viewer"))


def test_the_last_owner_can_neither_leave_nor_be_demoted_nor_removed(ctx):
    owner = make_user()
    workspace = personal_workspace(owner)
    membership = workspace.memberships[0]
    with pytest.raises(Conflict, match="last owner"):
        services.leave_workspace(workspace, owner)
    with pytest.raises(Conflict, match="last owner"):
        services.change_role(workspace, membership.id, "manager")
    with pytest.raises(Conflict, match="last owner"):
        services.remove_member(workspace, membership.id)


def test_with_a_second_owner_the_first_may_step_down_and_leave(ctx):
    owner, second = make_user(), make_user()
    workspace = personal_workspace(owner)
    add_member(workspace, second, "owner")
    mine = db.session.scalar(sa.select(Membership).where(Membership.user_id == owner.id,
                                                         Membership.workspace_id == workspace.id))
    services.change_role(workspace, mine.id, "member")
    services.leave_workspace(workspace, owner)
    db.session.commit()
    assert [m.user_id for m in services.members_of(workspace)] == [second.id]


def test_another_workspaces_membership_or_invitation_is_a_404(ctx):
    owner, other = make_user(), make_user()
    mine, theirs = personal_workspace(owner), personal_workspace(other)
    invitation, _ = invite(theirs, other)
    with pytest.raises(NotFound):
        services.change_role(mine, theirs.memberships[0].id, "viewer")
    with pytest.raises(NotFound):
        services.remove_member(mine, theirs.memberships[0].id)
    with pytest.raises(NotFound):
        services.revoke_invitation(mine, invitation.id)
