"""GET /api/v1/categories: the workspace's two-level tree."""

from __future__ import annotations

from financeapp.categories.services import DEFAULT_CATEGORIES
from tests.api.fixtures import assert_problem
from tests.factories import make_category


def test_the_tree_lists_groups_with_their_categories_income_first(client, owner):
    make_category(owner.ws, "Board games", group="Leisure")
    make_category(owner.ws, "Tutoring", group="Side jobs", kind="income")

    groups = client.get("/api/v1/categories").get_json()["data"]

    names = [group["name"] for group in groups]
    assert names[:2] == ["Income", "Side jobs"]
    assert len(groups) == len(DEFAULT_CATEGORIES) + 1
    leisure = next(group for group in groups if group["name"] == "Leisure")
    assert leisure["kind"] == "expense"
    assert [c["name"] for c in leisure["categories"]] == sorted([*DEFAULT_CATEGORIES[("Leisure", "expense")],
                                                                 "Board games"])
    tutoring = next(group for group in groups if group["name"] == "Side jobs")["categories"]
    assert tutoring == [{"id": tutoring[0]["id"], "name": "Tutoring", "kind": "income"}]


def test_another_workspaces_categories_are_not_in_the_tree(client, owner, ctx):
    hobby = make_category(owner.other_ws, "Stranger's hobby", group="Stranger's group")

    groups = client.get("/api/v1/categories").get_json()["data"]

    assert "Stranger's group" not in [group["name"] for group in groups]
    every_id = [c["id"] for group in groups for c in [group, *group["categories"]]]
    assert hobby.id not in every_id
    assert hobby.parent_id not in every_id


def test_a_viewer_can_read_the_tree(client, viewer):
    assert client.get("/api/v1/categories").status_code == 200


def test_signing_in_is_required(client, ledger):
    assert_problem(client.get("/api/v1/categories"), 401)
