"""`flask demo seed` and `flask demo generate`."""

from __future__ import annotations

import sqlalchemy as sa

from financeapp.demo.services import DEMO_HISTORY_SIZE
from financeapp.extensions import db
from tests.factories import make_user, personal_workspace


def _transactions(app, workspace_id: int | None = None) -> int:
    with app.app_context():
        query = "SELECT COUNT(*) FROM transactions"
        if workspace_id is not None:
            query += f" WHERE workspace_id = {int(workspace_id)}"
        return db.session.execute(sa.text(query)).scalar()


def test_demo_seed_twice_creates_the_history_once(runner, app, auth):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "Generated demo history: 1,300 transactions" in first.output
    assert "Added demo planning: " in first.output and "2 debts" in first.output and "2 goals" in first.output
    assert first.output.splitlines()[-1] == (
        f"Created demo login {app.config['DEMO_EMAIL']} / {app.config['DEMO_PASSWORD']}")
    assert _transactions(app) == DEMO_HISTORY_SIZE

    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    assert second.output.strip() == (
        f"Already present: demo login {app.config['DEMO_EMAIL']} / {app.config['DEMO_PASSWORD']}")
    assert _transactions(app) == DEMO_HISTORY_SIZE
    assert auth.login(app.config["DEMO_EMAIL"], app.config["DEMO_PASSWORD"]).status_code == 302


def test_demo_generate_fills_the_workspace_it_is_given(runner, app):
    with app.app_context():
        ws = personal_workspace(make_user()).id
        other = personal_workspace(make_user()).id
    result = runner.invoke(args=["demo", "generate", "--workspace", str(ws), "--transactions", "250",
                                 "--seed", "4"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Workspace {ws}: 250 transactions")
    assert _transactions(app, ws) == 250
    assert _transactions(app, other) == 0


def test_demo_generate_refuses_an_unknown_workspace_in_one_line(runner, app):
    result = runner.invoke(args=["demo", "generate", "--workspace", "424242", "--transactions", "10"])
    assert result.exit_code != 0
    assert result.output.strip() == "Error: No workspace with id 424242."
    assert _transactions(app) == 0
