"""/api/v1/imports: upload, status, accounts (and the analysis), preview, commit, undo, discard, through
imports/services and imports/jobs; roles, isolation, Idempotency-Key on the upload."""

from __future__ import annotations

import io

import pytest

from financeapp.api.models import IdempotencyKey
from financeapp.imports.models import ImportBatch
from financeapp.transactions.models import Transaction
from tests.api.fixtures import assert_problem, count
from tests.imports.conftest import MARCH, ofx_file, ofx_statement

URL = "/api/v1/imports"


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))


def upload(client, data: bytes, name: str = "march.ofx", **headers):
    return client.post(URL, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data",
                       headers=headers)


def test_the_whole_wizard_then_undo(client, owner):
    made = upload(client, ofx_file(ofx_statement(MARCH)))
    assert made.status_code == 201, made.get_json()
    batch = made.get_json()["data"]
    assert (batch["status"], batch["next_step"], batch["format"], batch["rows_total"]) == ("staged", "accounts",
                                                                                         "ofx", 4)
    assert batch["statements"] == [{"index": 0, "name": batch["statements"][0]["name"], "currency": "USD",
                                    "rows": 4}]
    assert client.get(made.headers["Location"]).get_json()["data"] == batch
    bid = batch["id"]
    assert_problem(client.get(f"{URL}/{bid}/preview"), 409)  # not analysed yet
    assert_problem(client.post(f"{URL}/{bid}/commit", json={}), 409)

    analysed = client.post(f"{URL}/{bid}/accounts", json={"accounts": {"0": owner.account_id}})
    assert analysed.status_code == 200, analysed.get_json()
    assert analysed.get_json()["data"]["next_step"] == "commit"
    preview = client.get(f"{URL}/{bid}/preview").get_json()
    assert [row["status"] for row in preview["data"]] == ["new"] * 4 and preview["meta"]["total"] == 4
    skipped = preview["data"][0]["key"]

    done = client.post(f"{URL}/{bid}/commit", json={"exclude": [skipped]}).get_json()["data"]
    assert (done["status"], done["rows_imported"], done["rows_skipped"], done["next_step"]) == ("committed", 3, 1,
                                                                                               None)
    assert count(Transaction, Transaction.import_id == bid) == 3
    assert [b["id"] for b in client.get(f"{URL}?status=committed").get_json()["data"]] == [bid]
    assert_problem(client.delete(f"{URL}/{bid}"), 422)  # a done import is undone, not discarded

    undone = client.post(f"{URL}/{bid}/undo").get_json()["data"]
    assert undone["status"] == "undone" and count(Transaction, Transaction.import_id == bid) == 0
    assert_problem(client.post(f"{URL}/{bid}/undo"), 409)


def test_a_bad_file_and_bad_steps_write_nothing(client, owner):
    assert_problem(client.post(URL, data={}, content_type="multipart/form-data"), 422)
    assert_problem(upload(client, b"\x00\x01 not a bank file", "photo.jpg"), 422)
    assert count(ImportBatch) == 0
    bid = upload(client, ofx_file(ofx_statement(MARCH))).get_json()["data"]["id"]
    assert_problem(client.post(f"{URL}/{bid}/accounts", json={"accounts": []}), 422)
    assert_problem(client.post(f"{URL}/{bid}/accounts", json={"accounts": {"0": owner.other_account_id}}), 404)
    assert_problem(client.post(f"{URL}/{bid}/columns", json={"mapping": {}}), 409)  # not a CSV
    assert_problem(client.get(f"{URL}?status=lost"), 400)
    assert client.delete(f"{URL}/{bid}").status_code == 204
    assert count(ImportBatch) == 0 and count(Transaction) == 0


def test_a_repeated_upload_key_stages_one_import(client, owner):
    data = ofx_file(ofx_statement(MARCH))
    first = upload(client, data, **{"Idempotency-Key": "march-file"})
    again = upload(client, data, **{"Idempotency-Key": "march-file"})  # a new multipart boundary, same file
    assert first.status_code == again.status_code == 201 and first.get_json() == again.get_json()
    assert count(ImportBatch) == 1 and count(IdempotencyKey) == 1
    other = upload(client, ofx_file(ofx_statement(MARCH[:2])), **{"Idempotency-Key": "march-file"})
    assert_problem(other, 422)
    assert count(ImportBatch) == 1


def test_roles_and_isolation(client, owner, auth):
    bid = upload(client, ofx_file(ofx_statement(MARCH))).get_json()["data"]["id"]
    auth.logout()
    auth.login("stranger@example.com")
    for response in (client.get(f"{URL}/{bid}"), client.get(f"{URL}/{bid}/preview"),
                     client.post(f"{URL}/{bid}/accounts", json={}), client.post(f"{URL}/{bid}/commit", json={}),
                     client.post(f"{URL}/{bid}/undo"), client.delete(f"{URL}/{bid}")):
        assert_problem(response, 404)
    assert client.get(URL).get_json()["data"] == []
    assert count(ImportBatch) == 1


def test_a_viewer_reads_but_cannot_import(client, viewer):
    assert client.get(URL).status_code == 200
    assert_problem(upload(client, ofx_file(ofx_statement(MARCH))), 403)
    assert count(ImportBatch) == 0
