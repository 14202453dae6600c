"""The form that teaches Ask an alias: the words the user typed, and the question to answer again."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length

from financeapp.insights.ask.parser import MAX_QUESTION
from financeapp.insights.ask.vocabulary import MAX_PHRASE


class LearnForm(FlaskForm):
    """Hidden fields of a "Did you mean" button (a POST with CSRF)."""

    phrase = HiddenField("Words", validators=[DataRequired(message="Say which words you used."),
                                              Length(max=MAX_PHRASE)])
    q = HiddenField("Question", validators=[Length(max=MAX_QUESTION)])
