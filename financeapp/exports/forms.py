"""Export forms: the restore upload."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import Length, Optional


class RestoreForm(FlaskForm):
    file = FileField("Workspace export (.json)", validators=[FileRequired("Choose a workspace export file.")],
                     render_kw={"accept": ".json,application/json"},
                     description="A file downloaded with “Download the whole workspace”. "
                                 "It is restored into a new workspace that you own; nothing else changes.")
    name = StringField("Name of the new workspace", validators=[Optional(), Length(max=80)],
                       description="Leave empty for the backup's name with “(restored <today's date>)”.")
