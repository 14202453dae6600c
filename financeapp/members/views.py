"""Routes for sharing a workspace: members, invitations, roles, leaving, and accepting an invite."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, session, url_for
from flask_login import current_user

from financeapp.auth import audit
from financeapp.auth.context import request_meta
from financeapp.core.errors import FinanceError
from financeapp.core.forms import attach_errors, form_status
from financeapp.core.scoping import require_role
from financeapp.extensions import db
from financeapp.mail import MailError, external_url, send_mail
from financeapp.members import bp, services
from financeapp.members.forms import InviteForm, RoleForm


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
    if not form.validate_on_submit():
        return _render_index(form, 422)
    try:
        invitation = services.invite(g.workspace, current_user, form.to_input())
    except FinanceError as err:
        db.session.rollback()
        attach_errors(form, err)
        return _render_index(form, form_status(form))
    db.session.commit()
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
    return redirect(url_for("members.index"))


@bp.post("/invitations/<int:invitation_id>/revoke")
@require_role("owner")
def revoke_invitation(invitation_id: int):
    invitation = services.revoke_invitation(g.workspace, invitation_id)
    db.session.commit()
    flash(f"Invitation for {invitation.email} withdrawn.", "success")
    return redirect(url_for("members.index"))


@bp.post("/<int:membership_id>/role")
@require_role("owner")
def change_role(membership_id: int):
    form = RoleForm()
    if not form.validate_on_submit():
        flash("Choose a role from the list.", "danger")
        return redirect(url_for("members.index"))
    try:
        membership = services.change_role(g.workspace, membership_id, form.role.data)
    except FinanceError as err:
        db.session.rollback()
        if err.status == 404:
            raise
        flash(err.message, "danger")
        return redirect(url_for("members.index"))
    db.session.commit()
    flash(f"{membership.user.display_name} is now {membership.role}.", "success")
    return redirect(url_for("members.index"))


@bp.post("/<int:membership_id>/remove")
@require_role("owner")
def remove(membership_id: int):
    try:
        user = services.remove_member(g.workspace, membership_id)
    except FinanceError as err:
        db.session.rollback()
        if err.status == 404:
            raise
        flash(err.message, "danger")
        return redirect(url_for("members.index"))
    db.session.commit()
    flash(f"{user.display_name} no longer has access to {g.workspace.name}.", "success")
    return redirect(url_for("members.index"))


@bp.post("/leave")
@require_role("viewer")
def leave():
    name = g.workspace.name
    try:
        services.leave_workspace(g.workspace, current_user)
        audit.record_event(current_user, "workspace_left", request_meta(), name)
    except FinanceError as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for("members.index"))
    db.session.commit()
    session["workspace_id"] = None
    flash(f"You left {name}.", "success")
    return redirect(url_for("dashboard.index"))


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
