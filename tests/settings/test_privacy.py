"""Privacy: the JSON export holds my data and no secrets; deleting the account keeps shared workspaces."""

from __future__ import annotations

import json

import pyotp
import sqlalchemy as sa

from financeapp.accounts.models import Account
from financeapp.auth import tokens, twofactor
from financeapp.auth.models import User
from financeapp.extensions import db
from financeapp.workspaces.models import Workspace
from tests.factories import DEFAULT_PASSWORD, add_member, make_account, make_transaction, make_user, personal_workspace


def test_the_export_has_my_workspaces_data_and_no_secrets(client, auth, ctx):
    user = make_user("me@example.com", name="Mia")
    account = make_account(personal_workspace(user), "Wallet", opening_balance="10.50")
    make_transaction(account, "-4.20", memo="coffee")
    _, raw = tokens.create_token(user, personal_workspace(user), tokens.NewToken("script"))
    twofactor.start_setup(user)
    codes = twofactor.confirm_setup(user, pyotp.TOTP(user.totp_secret).now())
    db.session.commit()
    other = make_user()
    make_account(personal_workspace(other), "Not mine")
    auth.login("me@example.com")
    client.post("/auth/two-factor", data={"code": codes[0]})
    with client.get("/settings/privacy/export") as response:
        assert response.status_code == 200
        assert "attachment" in response.headers["Content-Disposition"]
        text = response.get_data(as_text=True)
    data = json.loads(text)
    assert data["user"]["email"] == "me@example.com"
    [workspace] = data["workspaces"]
    assert workspace["role"] == "owner"
    assert [a["name"] for a in workspace["tables"]["accounts"]] == ["Wallet"]
    assert workspace["tables"]["accounts"][0]["opening_balance"] == "10.500"
    assert [t["memo"] for t in workspace["tables"]["transactions"]] == ["coffee"]
    assert data["api_tokens"][0]["name"] == "script"
    db.session.expire_all()
    me = db.session.scalar(sa.select(User).where(User.email == "me@example.com"))
    for secret in (raw, me.password_hash, me.totp_secret, codes[1], "Not mine"):
        assert secret not in text
    assert "data_exported" in [e["kind"] for e in data["security_events"]]


def test_deleting_the_account_removes_personal_data_and_keeps_shared_workspaces(client, auth, ctx):
    me, friend = make_user("me@example.com"), make_user("friend@example.com")
    mine = personal_workspace(me)
    make_transaction(make_account(mine, "Private"), "-3.00", memo="private coffee")
    shared = personal_workspace(friend)
    add_member(shared, me, "member")
    make_account(shared, "Household")
    mine_id, shared_id = mine.id, shared.id
    auth.login("me@example.com")
    wrong = client.post("/settings/privacy/delete", data={"password": "wrong-password-1", "confirm": "DELETE"})
    assert wrong.status_code == 422
    unconfirmed = client.post("/settings/privacy/delete", data={"password": DEFAULT_PASSWORD, "confirm": "yes"})
    assert unconfirmed.status_code == 422
    response = client.post("/settings/privacy/delete", data={"password": DEFAULT_PASSWORD, "confirm": "DELETE"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(User).where(User.email == "me@example.com")) is None
    assert db.session.get(Workspace, mine_id) is None
    assert db.session.scalars(sa.select(Account.name).where(Account.workspace_id == mine_id)).all() == []
    assert db.session.get(Workspace, shared_id) is not None
    assert db.session.scalars(sa.select(Account.name).where(Account.workspace_id == shared_id)).all() == ["Household"]
    assert client.get("/dashboard").status_code == 302
    assert auth.login("me@example.com").status_code == 422


def test_the_last_owner_of_a_shared_workspace_cannot_delete_the_account(client, auth, ctx):
    me, friend = make_user("me@example.com"), make_user()
    add_member(personal_workspace(me), friend, "viewer")
    auth.login("me@example.com")
    page = client.get("/settings/privacy").get_data(as_text=True)
    assert "You are the last owner of" in page
    response = client.post("/settings/privacy/delete", data={"password": DEFAULT_PASSWORD, "confirm": "DELETE"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.scalar(sa.select(User).where(User.email == "me@example.com")) is not None


def test_with_two_factor_deleting_needs_a_code(client, auth, ctx):
    me = make_user("me@example.com")
    twofactor.start_setup(me)
    codes = twofactor.confirm_setup(me, pyotp.TOTP(me.totp_secret).now())
    db.session.commit()
    auth.login("me@example.com")
    client.post("/auth/two-factor", data={"code": codes[0]})
    data = {"password": DEFAULT_PASSWORD, "confirm": "DELETE"}
    assert client.post("/settings/privacy/delete", data=data).status_code == 422
    assert client.post("/settings/privacy/delete", data={**data, "code": codes[1]}).status_code == 302


def test_deleting_the_account_deletes_the_files_of_its_receipts_and_invoices(app, client, auth, ctx, tmp_path,
                                                                           monkeypatch):
    import io

    from financeapp.documents import services as documents
    from financeapp.receipts.services import store_attachment
    from tests.documents.corpus import one_invoice
    from tests.receipts import samples

    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    me, friend = make_user("me@example.com"), make_user("friend@example.com")
    mine = personal_workspace(me)
    txn = make_transaction(make_account(mine, "Private"), "-3.00")
    store_attachment(mine, me, txn, "receipt.png", io.BytesIO(samples.png()))
    documents.upload_documents(mine, me, [documents.Upload("invoice.pdf", io.BytesIO(one_invoice(3)[1]))])
    theirs = personal_workspace(friend)
    documents.upload_documents(theirs, friend, [documents.Upload("kept.pdf", io.BytesIO(one_invoice(4)[1]))])
    db.session.commit()
    mine_id, theirs_id = mine.id, theirs.id
    files = lambda ws_id: sorted(p.name for p in (tmp_path / "uploads" / str(ws_id)).glob("*"))  # noqa: E731
    assert len(files(mine_id)) == 2 and len(files(theirs_id)) == 1
    kept = files(theirs_id)
    auth.login("me@example.com")
    response = client.post("/settings/privacy/delete", data={"password": DEFAULT_PASSWORD, "confirm": "DELETE"})
    assert response.status_code == 302
    assert files(mine_id) == [] and files(theirs_id) == kept
