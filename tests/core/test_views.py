"""The one write path of views (core/views.py): a service error rolls back and is shown; success commits once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from wtforms import StringField

from financeapp.core.errors import Invalid, NotFound
from financeapp.core.forms import form_status
from financeapp.core.views import read_form, run_action, save_form
from financeapp.extensions import db
from financeapp.labels.models import Label
from tests.factories import make_user, personal_workspace


class NameForm(FlaskForm):
    name = StringField("Name")


@pytest.fixture
def workspace_id(app) -> int:
    with app.app_context():
        return personal_workspace(make_user()).id


@pytest.fixture
def posted(app):
    """A NameForm submitted with the name "Trips", in its request."""
    with app.test_request_context(method="POST", data={"name": "Trips"}):
        yield NameForm()


def _label_names(workspace_id: int) -> list[str]:
    return list(db.session.scalars(sa.select(Label.name).where(Label.workspace_id == workspace_id)))


def _add_label(workspace_id: int, name: str, *, then_fail: Exception | None = None) -> Label:
    label = Label(workspace_id=workspace_id, name=name)
    db.session.add(label)
    db.session.flush()
    if then_fail is not None:
        raise then_fail
    return label


def test_save_form_commits_a_write_that_succeeds(posted, workspace_id):
    done = save_form(posted, lambda: _add_label(workspace_id, posted.name.data))
    assert done and done.value.name == "Trips"
    db.session.rollback()  # nothing left to roll back: the helper committed
    assert _label_names(workspace_id) == ["Trips"]


def test_save_form_rolls_back_and_puts_the_error_at_its_field(posted, workspace_id):
    error = Invalid("Pick another name.", fields={"name": "That name is taken."})
    assert save_form(posted, lambda: _add_label(workspace_id, "Trips", then_fail=error)) is None
    assert posted.name.errors == ["That name is taken."]
    assert form_status(posted) == 422
    assert _label_names(workspace_id) == []


def test_save_form_puts_an_error_without_a_known_field_above_the_form(posted, workspace_id):
    assert save_form(posted, lambda: _add_label(workspace_id, "Trips", then_fail=Invalid("Not today."))) is None
    assert (posted.form_errors, posted.name.errors) == (["Not today."], [])


def test_a_foreign_id_is_not_a_form_error_but_a_404_after_the_rollback(posted, workspace_id):
    with pytest.raises(NotFound):
        save_form(posted, lambda: _add_label(workspace_id, "Trips", then_fail=NotFound("No such label.")))
    assert _label_names(workspace_id) == []


def test_read_form_writes_nothing_and_shows_the_error(app, workspace_id):
    with app.test_request_context(method="GET", query_string={"name": "x"}):
        form = NameForm()
        assert read_form(form, lambda: _add_label(workspace_id, "x", then_fail=Invalid("Bad filter."))) is None
        assert form.form_errors == ["Bad filter."]
        assert read_form(form, lambda: 42) == 42
        assert _label_names(workspace_id) == []


def test_run_action_commits_flashes_and_redirects_to_a_url_made_from_the_result(app, workspace_id):
    with app.test_request_context(method="POST"):
        response = run_action(lambda: _add_label(workspace_id, "Trips"),
                              success=lambda label: (f"Added {label.name}.", "info"),
                              then=lambda label: f"/labels/{label.id}", code=303)
        assert response.status_code == 303
        [label_id] = db.session.scalars(sa.select(Label.id).where(Label.workspace_id == workspace_id))
        assert response.location == f"/labels/{label_id}"
        assert get_flashed_messages(with_categories=True) == [("info", "Added Trips.")]


def test_run_action_rolls_back_flashes_the_error_and_goes_back(app, workspace_id):
    with app.test_request_context(method="POST"):
        response = run_action(lambda: _add_label(workspace_id, "Trips", then_fail=Invalid("Not now.")),
                              success="Added.", then="/labels/", back="/labels/new")
        assert (response.status_code, response.location) == (302, "/labels/new")
        assert get_flashed_messages(with_categories=True) == [("danger", "Not now.")]
        assert _label_names(workspace_id) == []


def test_run_action_needs_back_when_then_depends_on_the_result(app, workspace_id):
    with app.test_request_context(method="POST"), pytest.raises(TypeError, match="needs `back`"):
        run_action(lambda: _add_label(workspace_id, "Trips", then_fail=Invalid("Not now.")),
                   then=lambda label: f"/labels/{label.id}")
