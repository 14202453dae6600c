"""Forms of the notification settings: the webhook address and the grid of channels per kind."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class WebhookForm(FlaskForm):
    url = StringField("Webhook address", validators=[DataRequired(), Length(max=500)],
                      description="We POST each notification you send to “Webhook” here, as signed JSON. "
                                  "Public addresses only: loopback, private and link-local ones (127.0.0.1, "
                                  "10.x, 192.168.x, 169.254.x, ::1) are refused unless the operator set "
                                  "WEBHOOK_ALLOW_PRIVATE=1. Redirects are not followed.")


class PreferencesForm(FlaskForm):
    """The grid itself is read from the request (checkboxes named `pref` with value kind:channel)."""
