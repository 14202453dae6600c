"""`flask workspaces export` and `flask workspaces import`."""

from __future__ import annotations

import json

import sqlalchemy as sa

from financeapp.exports import services
from financeapp.extensions import db
from financeapp.workspaces.models import Membership, Workspace
from tests.exports.conftest import balances, build_rich_workspace, entity_hashes
from tests.factories import make_user


def test_export_then_import_from_the_command_line_is_identical(app, runner, tmp_path):
    with app.app_context():
        _eve, ws = build_rich_workspace()
        make_user("nina@example.com")
        ws_id = ws.id
    path = tmp_path / "backup.json"
    result = runner.invoke(args=["workspaces", "export", str(ws_id), str(path)])
    assert result.exit_code == 0, result.output
    assert "Exported workspace" in result.output
    result = runner.invoke(args=["workspaces", "import", str(path), "--owner", "nina@example.com"])
    assert result.exit_code == 0, result.output
    assert "Restored into new workspace" in result.output and "owned by nina@example.com" in result.output
    with app.app_context():
        new = db.session.scalar(sa.select(Workspace).join(Membership).join(Membership.user)
                                .where(sa.text("users.email = 'nina@example.com'"), Workspace.is_personal.is_(False)))
        assert new is not None
        assert balances(new.id) == balances(ws_id)
        again = json.loads("".join(services.workspace_json(new)))
        assert entity_hashes(again) == entity_hashes(json.loads(path.read_text()))


def test_export_by_owner_email_to_stdout(app, runner):
    with app.app_context():
        make_user("ole@example.com")
    result = runner.invoke(args=["workspaces", "export", "ole@example.com", "-"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["format"] == "financeapp-workspace"


def test_import_refuses_a_bad_file_or_unknown_owner_and_writes_nothing(app, runner, tmp_path):
    with app.app_context():
        make_user("ole@example.com")
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something-else"}')
    result = runner.invoke(args=["workspaces", "import", str(bad), "--owner", "ole@example.com"])
    assert result.exit_code != 0 and "not a financeapp workspace export" in result.output
    result = runner.invoke(args=["workspaces", "import", str(bad), "--owner", "nobody@example.com"])
    assert result.exit_code != 0 and "No user" in result.output
    result = runner.invoke(args=["workspaces", "export", "424242", str(tmp_path / "x.json")])
    assert result.exit_code != 0 and "No workspace" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Workspace)) == 1
