"""Sharing over HTTP: only owners manage members; the invite link works once; other workspaces are 404."""

from __future__ import annotations

import re

import sqlalchemy as sa
from markupsafe import escape

from financeapp.extensions import db
from financeapp.mail import outbox, text_of
from financeapp.members.models import Invitation
from financeapp.workspaces.models import Membership
from tests.factories import DEFAULT_PASSWORD, add_member, make_user, personal_workspace


def link_in(message) -> str:
    return re.search(r"http://\S+/members/join/\S+", text_of(message)).group(0)


def test_an_owner_invites_by_mail_and_the_invitee_joins_with_the_link(app, client, auth, ctx):
    owner = make_user("owner@example.com", name="Olive")
    make_user("sam@example.com", name="Sam")
    outbox().clear()
    auth.login("owner@example.com")
    response = client.post("/members/invite", data={"email": "sam@example.com", "role": "viewer"})
    assert response.status_code == 302
    [message] = outbox()
    assert message["To"] == "sam@example.com"
    assert "Olive invited you" in message["Subject"]
    assert message.get_body(preferencelist=("html",)) is not None
    link = link_in(message)
    auth.logout()

    path = link.split("localhost", 1)[-1].split("5000", 1)[-1]
    page = client.get(path)
    assert page.status_code == 200
    assert "Sign in to accept" in page.get_data(as_text=True)
    auth.login("sam@example.com")
    assert "Accept and join" in client.get(path).get_data(as_text=True)
    assert client.post(path).status_code == 302
    workspace = personal_workspace(owner)
    roles = dict(db.session.execute(sa.select(Membership.user_id, Membership.role)
                                    .where(Membership.workspace_id == workspace.id)).all())
    assert sorted(roles.values()) == ["owner", "viewer"]
    assert "Members of" in client.get("/members/").get_data(as_text=True)

    again = client.post(path)
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


def test_only_owners_manage_members(client, auth, ctx):
    owner, manager = make_user(), make_user("manager@example.com")
    workspace = personal_workspace(owner)
    membership = add_member(workspace, manager, "manager")
    auth.login("manager@example.com")
    client.post(f"/workspaces/{workspace.id}/switch")
    assert client.get("/members/").status_code == 200
    assert client.post("/members/invite", data={"email": "x@example.com", "role": "member"}).status_code == 403
    assert client.post(f"/members/{membership.id}/role", data={"role": "owner"}).status_code == 403
    assert client.post(f"/members/{workspace.memberships[0].id}/remove").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0


def test_another_workspaces_member_and_invitation_ids_are_404(client, auth, ctx):
    make_user("me@example.com")
    other = make_user()
    theirs = personal_workspace(other)
    invitation = Invitation(workspace_id=theirs.id, email="x@example.com", role="member", nonce="n",
                            expires_at=theirs.created_at.replace(year=2100))
    db.session.add(invitation)
    db.session.commit()
    auth.login("me@example.com")
    their_membership = theirs.memberships[0].id
    assert client.post(f"/members/{their_membership}/role", data={"role": "viewer"}).status_code == 404
    assert client.post(f"/members/{their_membership}/remove").status_code == 404
    assert client.post(f"/members/invitations/{invitation.id}/revoke").status_code == 404
    assert client.post("/members/99999999999999999999999/remove").status_code == 404


def test_the_last_owner_gets_a_clear_message(client, auth, ctx):
    owner = make_user("solo@example.com")
    auth.login("solo@example.com")
    mine = personal_workspace(owner).memberships[0].id
    page = client.post(f"/members/{mine}/role", data={"role": "viewer"}, follow_redirects=True)
    assert "last owner" in page.get_data(as_text=True)
    page = client.post("/members/leave", follow_redirects=True)
    assert "last owner" in page.get_data(as_text=True)
    db.session.expire_all()
    assert personal_workspace(owner).memberships[0].role == "owner"


def test_a_member_leaves_and_an_owner_removes(client, auth, ctx):
    owner, member, other = make_user("o@example.com"), make_user("m@example.com"), make_user("x@example.com")
    workspace = personal_workspace(owner)
    add_member(workspace, member, "member")
    removed = add_member(workspace, other, "viewer")
    auth.login("m@example.com")
    client.post(f"/workspaces/{workspace.id}/switch")
    assert client.post("/members/leave").status_code == 302
    auth.logout()
    auth.login("o@example.com", DEFAULT_PASSWORD)
    assert client.post(f"/members/{removed.id}/remove").status_code == 302
    left = db.session.scalars(sa.select(Membership.user_id).where(Membership.workspace_id == workspace.id)).all()
    assert left == [owner.id]


def test_a_wrong_account_cannot_accept_someone_elses_invitation(client, auth, ctx):
    from financeapp.members import services

    owner = make_user()
    make_user("eve@example.com")
    invitation = services.invite(personal_workspace(owner), owner, services.NewInvitation("sam@example.com"))
    db.session.commit()
    token = services.invitation_token(invitation)
    auth.login("eve@example.com")
    assert "Sign out and sign in as sam@example.com" in client.get(f"/members/join/{token}").get_data(as_text=True)
    assert client.post(f"/members/join/{token}").status_code == 403


def test_a_junk_invitation_link_is_a_friendly_400(client):
    response = client.get("/members/join/not-a-token")
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_an_unknown_role_is_refused_with_a_message_and_changes_nothing(client, auth, ctx):
    owner, member = make_user("o@example.com"), make_user("m@example.com")
    membership = add_member(personal_workspace(owner), member, "member")
    auth.login("o@example.com")
    page = client.post(f"/members/{membership.id}/role", data={"role": "emperor"}, follow_redirects=True)
    assert "Choose a role from the list." in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Membership, membership.id).role == "member"


def test_after_leaving_the_member_acts_in_their_own_workspace(client, auth, ctx):
    owner, member = make_user("o@example.com"), make_user("m@example.com", name="Mia")
    shared = personal_workspace(owner)
    add_member(shared, member, "member")
    auth.login("m@example.com")
    client.post(f"/workspaces/{shared.id}/switch")
    page = client.post("/members/leave", follow_redirects=True).get_data(as_text=True)
    assert f"You left {escape(shared.name)}." in page
    with client.session_transaction() as session:
        assert session["workspace_id"] == personal_workspace(member).id
