"""`flask users ...` and `flask workspaces ...` and `flask demo seed`."""

from __future__ import annotations


def test_users_create_list_set_password_deactivate(runner, auth, client):
    result = runner.invoke(args=["users", "create", "ada@example.com", "--admin",
                                 "--password", "first-pass-12"])
    assert result.exit_code == 0, result.output
    assert "as admin" in result.output
    listing = runner.invoke(args=["users", "list"]).output
    assert "ada@example.com" in listing

    result = runner.invoke(args=["users", "set-password", "ada@example.com", "--password", "second-pass-34"])
    assert result.exit_code == 0
    assert auth.login("ada@example.com", "second-pass-34").status_code == 302


def test_duplicate_and_unknown_users_fail_with_one_line(runner):
    runner.invoke(args=["users", "create", "ada@example.com", "--password", "first-pass-12"])
    dup = runner.invoke(args=["users", "create", "ada@example.com", "--password", "first-pass-12"])
    assert dup.exit_code != 0
    assert "already exists" in dup.output
    unknown = runner.invoke(args=["users", "deactivate", "nobody@example.com"])
    assert unknown.exit_code != 0
    assert "No user with email nobody@example.com" in unknown.output


def test_weak_password_from_cli_is_refused(runner):
    result = runner.invoke(args=["users", "create", "weak@example.com", "--password", "short"])
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output


def test_workspaces_list_shows_owner_and_members(runner):
    runner.invoke(args=["users", "create", "ada@example.com", "--name", "Ada", "--password", "first-pass-12"])
    runner.invoke(args=["users", "create", "bob@example.com", "--name", "Bob", "--password", "first-pass-12"])
    everyone = runner.invoke(args=["workspaces", "list"]).output
    assert "Ada's money" in everyone and "Bob's money" in everyone
    only_ada = runner.invoke(args=["workspaces", "list", "--user", "ada@example.com"]).output
    assert "Ada's money" in only_ada and "Bob's money" not in only_ada
    assert "ada@example.com" in only_ada


def test_demo_seed_is_idempotent(runner, app, auth):
    first = runner.invoke(args=["demo", "seed"])
    second = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == second.exit_code == 0
    assert "Already present" in second.output
    users = runner.invoke(args=["users", "list"]).output
    assert users.count(app.config["DEMO_EMAIL"]) == 1
    assert auth.login(app.config["DEMO_EMAIL"], app.config["DEMO_PASSWORD"]).status_code == 302
