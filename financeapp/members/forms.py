"""Forms for inviting people and changing roles."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField
from wtforms.validators import DataRequired, Email, Length

from financeapp.members.services import NewInvitation
from financeapp.workspaces.roles import ROLES

ROLE_CHOICES = [
    ("viewer", "Viewer — sees everything, changes nothing"),
    ("member", "Member — records transactions"),
    ("manager", "Manager — also budgets, rules and approvals"),
    ("owner", "Owner — also members, settings and deleting"),
]
assert [value for value, _ in ROLE_CHOICES] == list(ROLES)


class InviteForm(FlaskForm):
    email = EmailField("E-mail address", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="member")

    def to_input(self) -> NewInvitation:
        return NewInvitation(email=self.email.data or "", role=self.role.data)


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[(value, value.capitalize()) for value in ROLES])
