"""Forms of the settings pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from financeapp.auth.tokens import NewToken
from financeapp.settings.services import WEEKDAYS, Profile, locale_choices

EXPIRY_CHOICES = [("30", "30 days"), ("90", "90 days"), ("365", "1 year"), ("never", "Never")]
THEME_CHOICES = [("auto", "Follow the device"), ("light", "Light"), ("dark", "Dark")]


class ProfileForm(FlaskForm):
    display_name = StringField("Display name", validators=[DataRequired(), Length(max=80)])
    locale = SelectField("Numbers and dates",
                         description="How amounts and dates are written, e.g. 1,234.56 or 1.234,56.")
    first_day_of_week = SelectField("First day of the week", coerce=int,
                                    choices=[(i, day) for i, day in enumerate(WEEKDAYS)])
    theme = SelectField("Theme", choices=THEME_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = locale_choices()

    def to_input(self) -> Profile:
        return Profile(display_name=self.display_name.data or "", locale=self.locale.data or "",
                       first_day_of_week=self.first_day_of_week.data, theme=self.theme.data or "")


class EmailChangeForm(FlaskForm):
    email = EmailField("New e-mail address", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Your password", validators=[DataRequired()])


class TokenForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)],
                       description="What uses it, e.g. “budget script on the NAS”.")
    scope = SelectField("Access", choices=[("read", "Read only"), ("read-write", "Read and write")], default="read")
    expires = SelectField("Expires after", choices=EXPIRY_CHOICES, default="90")

    def to_input(self) -> NewToken:
        days = None if self.expires.data == "never" else int(self.expires.data)
        return NewToken(name=self.name.data or "", scope=self.scope.data, expires_in_days=days)


class ConfirmTwoFactorForm(FlaskForm):
    code = StringField("Code from the app", validators=[DataRequired(), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class DisableTwoFactorForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired()])
    code = StringField("Code from the app (or a recovery code)", validators=[DataRequired(), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code"})


class PasswordConfirmForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired()])


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired()])
    code = StringField("Two-factor code (if turned on)", validators=[Length(max=20)],
                       render_kw={"autocomplete": "one-time-code"})
    confirm = StringField("Type DELETE to confirm", validators=[DataRequired(), Length(max=10)])
