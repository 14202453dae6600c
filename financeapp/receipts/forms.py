"""Receipt forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

# The type itself is checked by content in services.store_attachment, not by this form.
FILE_LABEL = "Receipt or invoice (PDF, PNG or JPEG)"


class AttachmentForm(FlaskForm):
    file = FileField(FILE_LABEL, validators=[FileRequired("Choose a file to attach.")])
