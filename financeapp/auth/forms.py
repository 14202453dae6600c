"""Forms for signing up, in, and changing the password."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from financeapp.auth.services import Registration
from financeapp.core.money import currency_choices
from financeapp.core.security import PASSWORD_RULE, password_problem


def strong_password(form: FlaskForm, field: PasswordField) -> None:
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class RegisterForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    display_name = StringField("Display name", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), strong_password],
                             description=PASSWORD_RULE)
    confirm = PasswordField(
        "Repeat password", validators=[DataRequired(), EqualTo("password", "Passwords differ.")]
    )
    currency = SelectField("Main currency", default="USD")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency.choices = currency_choices()

    def to_input(self) -> Registration:
        return Registration(
            email=self.email.data, display_name=self.display_name.data,
            password=self.password.data, currency=self.currency.data,
        )


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Keep me signed in on this device")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    password = PasswordField("New password", validators=[DataRequired(), strong_password],
                             description=PASSWORD_RULE)
    confirm = PasswordField(
        "Repeat new password", validators=[DataRequired(), EqualTo("password", "Passwords differ.")]
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), strong_password],
                             description=PASSWORD_RULE)
    confirm = PasswordField(
        "Repeat new password", validators=[DataRequired(), EqualTo("password", "Passwords differ.")]
    )


class TwoFactorForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=20)],
                       description="The 6-digit code from your authenticator app, or one of your recovery codes.",
                       render_kw={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"})
