"""Routes for sharing a workspace: members, invitations, roles, leaving, and accepting an invite."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, session, url_for
from flask_login import current_user

from financeapp.auth import audit
from financeapp.auth.context import request_meta
from financeapp.core.forms import form_status, require_valid
from financeapp.core.scoping import require_role
from financeapp.core.views import run_action, save_form
from financeapp.extensions import db
from financeapp.mail import MailError, external_url, send_mail
from financeapp.members import bp, services
from financeapp.members.forms import InviteForm, RoleForm
from financeapp.members.models import Invitation
from financeapp.workspaces.models import Membership


def _render_index(form: InviteForm | None = None, status: int = 200):
    return render_template(
        "members/index.html", members=services.members_of(g.workspace),
        invitations=services.open_invitations(g.workspace) if g.membership.role == "owner" else [],
        form=form or InviteForm(), role_form=RoleForm(),
    ), status


@bp.get("/")
@require_role("viewer")
def index():
    return _render_index()


@bp.post("/invite")
@require_role("owner")
def invite():
    form = InviteForm()
    done = save_form(form, lambda: services.invite(g.workspace, current_user, form.to_input()))
    if not done:
        return _render_index(form, form_status(form))
    _send_invitation(done.value)
    return redirect(url_for("members.index"))


def _send_invitation(invitation: Invitation) -> None:
    """Mail the saved invitation's link; a mail failure keeps the invitation and says so."""
    try:
        send_mail(invitation.email, f"{current_user.display_name} invited you to {g.workspace.name}", "invitation",
                  inviter=current_user.display_name, workspace=g.workspace.name, role=invitation.role,
                  days=services.INVITE_DAYS,
                  link=external_url("members.join", token=services.invitation_token(invitation)))
    except MailError:
        flash(f"The invitation for {invitation.email} is saved, but the e-mail could not be sent. "
              "Try again later with “Send again”.", "warning")
    else:
        flash(f"Invitation sent to {invitation.email}.", "success")


@bp.post("/invitations/<int:invitation_id>/revoke")
@require_role("owner")
def revoke_invitation(invitation_id: int):
    return run_action(lambda: services.revoke_invitation(g.workspace, invitation_id),
                      success=lambda invitation: f"Invitation for {invitation.email} withdrawn.",
                      then=url_for("members.index"))


@bp.post("/<int:membership_id>/role")
@require_role("owner")
def change_role(membership_id: int):
    form = RoleForm()

    def write() -> Membership:
        require_valid(form, "Choose a role from the list.")
        return services.change_role(g.workspace, membership_id, form.role.data)

    return run_action(write, success=lambda membership: f"{membership.user.display_name} is now {membership.role}.",
                      then=url_for("members.index"))


@bp.post("/<int:membership_id>/remove")
@require_role("owner")
def remove(membership_id: int):
    return run_action(lambda: services.remove_member(g.workspace, membership_id),
                      success=lambda user: f"{user.display_name} no longer has access to {g.workspace.name}.",
                      then=url_for("members.index"))


@bp.post("/leave")
@require_role("viewer")
def leave():
    name = g.workspace.name

    def write() -> None:
        services.leave_workspace(g.workspace, current_user)
        audit.record_event(current_user, "workspace_left", request_meta(), name)
        # Cleared before the commit, which is safe: a session's workspace is always checked against
        # membership (workspaces/context.py), so a leave that fails to commit only costs the choice.
        session["workspace_id"] = None

    return run_action(write, success=f"You left {name}.", then=url_for("dashboard.index"),
                      back=url_for("members.index"))


@bp.get("/join/<token>")
def join(token: str):
    invitation = services.invitation_from_token(token)
    return render_template("members/join.html", invitation=invitation, token=token)


@bp.post("/join/<token>")
def accept(token: str):
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=url_for("members.join", token=token)))
    membership = services.accept_invitation(token, current_user)
    audit.record_event(current_user, "invite_accepted", request_meta(), membership.workspace.name)
    db.session.commit()
    session["workspace_id"] = membership.workspace_id
    flash(f"Welcome to {membership.workspace.name}! You joined as {membership.role}.", "success")
    return redirect(url_for("dashboard.index"))
