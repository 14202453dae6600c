"""The import wizard over HTTP: upload, accounts, preview with overrides, commit, result, undo, roles."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.accounts.models import Account
from financeapp.extensions import db
from financeapp.imports import jobs, services, storage
from financeapp.imports.models import ImportBatch
from financeapp.transactions.models import Transaction
from tests.factories import add_member, make_account, make_transaction, make_user, personal_workspace
from tests.imports.conftest import APRIL, MARCH, ofx_file, ofx_statement


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    return folder


@pytest.fixture
def ws(ctx, bank_parsers):
    return personal_workspace(make_user("imp@example.com", name="Ivy"))


@pytest.fixture
def checking(ws):
    return make_account(ws, "Checking", number="12345678")


def upload(client, data: bytes, name: str = "march.ofx"):
    return client.post("/imports/", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def batch_id(response) -> int:
    return int(re.search(r"/imports/(\d+)/", response.headers["Location"]).group(1))


def count_transactions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Transaction)) or 0


def import_through_wizard(client, data: bytes, choice: str | None = None, name: str = "march.ofx") -> int:
    response = upload(client, data, name)
    assert response.status_code == 302, response.get_data(as_text=True)
    bid = batch_id(response)
    page = client.get(f"/imports/{bid}/accounts")
    assert page.status_code == 200
    selected = choice or re.search(r'<option value="([^"]+)" selected', page.get_data(as_text=True)).group(1)
    response = client.post(f"/imports/{bid}/accounts", data={"account_0": selected})
    assert response.headers["Location"].endswith(f"/imports/{bid}/preview")
    return bid


def test_the_page_lists_imports_and_offers_the_upload_to_members(client, auth, ws):
    auth.login("imp@example.com")
    page = client.get("/imports/").get_data(as_text=True)
    assert "No imports yet" in page and 'enctype="multipart/form-data"' in page and "Bank file" in page


def test_an_ofx_file_goes_from_upload_to_preview_to_commit(client, auth, ws, checking):
    auth.login("imp@example.com")
    bid = import_through_wizard(client, ofx_file(ofx_statement(MARCH)))
    page = client.get(f"/imports/{bid}/preview").get_data(as_text=True)
    assert page.count('data-status="new"') == 4 and "BLUE BOTTLE COFFEE" in page and "Import 4 rows" in page
    assert count_transactions() == 0  # nothing written before the confirmation
    response = client.post(f"/imports/{bid}/preview", data={
        "action": "commit", "shown": ["0:0", "0:1", "0:2", "0:3"], "include": ["0:0", "0:1", "0:2", "0:3"]})
    assert response.headers["Location"].endswith(f"/imports/{bid}")
    result = client.get(f"/imports/{bid}").get_data(as_text=True)
    assert "Imported 4 of 4 rows" in result and "Checking" in result and "$2,428.01" in result
    assert count_transactions() == 4
    batch = db.session.get(ImportBatch, bid)
    assert (batch.status, batch.rows_imported, batch.file_name) == ("committed", 4, "march.ofx")
    assert not (storage.import_folder(ws.id) / batch.stored_name).exists()  # the upload is not kept


def test_the_preview_explains_each_duplicate_and_the_user_can_override_it(client, auth, ws, checking):
    auth.login("imp@example.com")
    client_bid = import_through_wizard(client, ofx_file(ofx_statement(MARCH)))
    client.post(f"/imports/{client_bid}/preview", data={"action": "commit", "shown": [], "include": []})
    existing = db.session.scalar(sa.select(Transaction).where(Transaction.external_id == "M4"))
    bid = import_through_wizard(client, ofx_file(ofx_statement(APRIL)), name="april.ofx")
    page = client.get(f"/imports/{bid}/preview").get_data(as_text=True)
    row = page[page.index('data-status="duplicate"'):]
    assert f"/transactions/{existing.id}/edit" in row and "2026-03-10" in row and "XFINITY" in row
    assert "same bank transaction id (M4)" in row
    # Import the duplicate anyway, and leave out one new row.
    client.post(f"/imports/{bid}/preview", data={"action": "save", "shown": ["0:0", "0:1", "0:2"],
                                                 "include": ["0:0", "0:1"]})
    batch = db.session.get(ImportBatch, bid)
    db.session.refresh(batch)
    assert (batch.rows_imported, batch.rows_duplicate, batch.rows_skipped) == (2, 0, 1)
    client.post(f"/imports/{bid}/preview", data={"action": "commit", "shown": ["0:0", "0:1", "0:2"],
                                                 "include": ["0:0", "0:1"]})
    assert count_transactions() == 6
    assert db.session.scalar(sa.select(sa.func.count()).where(Transaction.external_id == "M4")) == 2


def test_the_same_file_twice_adds_nothing_through_the_wizard(client, auth, ws, checking):
    auth.login("imp@example.com")
    data = ofx_file(ofx_statement(MARCH))
    first = import_through_wizard(client, data)
    client.post(f"/imports/{first}/preview", data={"action": "commit"})
    second = import_through_wizard(client, data)
    client.post(f"/imports/{second}/preview", data={"action": "commit"})
    assert count_transactions() == 4
    result = client.get(f"/imports/{second}").get_data(as_text=True)
    assert "nothing new to add" in result
    assert f"/imports/{second}/undo" not in result  # nothing was added, so nothing to undo
    listing = client.get("/imports/").get_data(as_text=True)
    assert f"/imports/{second}/undo" not in listing and f"/imports/{first}/undo" in listing


def test_a_file_with_an_unknown_account_number_creates_the_account(client, auth, ws):
    auth.login("imp@example.com")
    bid = import_through_wizard(client, ofx_file(ofx_statement(MARCH, acctid="DE001", currency="EUR")))
    client.post(f"/imports/{bid}/preview", data={"action": "commit"})
    account = db.session.scalar(sa.select(Account).where(Account.number == "DE001"))
    assert account.currency == "EUR" and account.name == "Checking DE001"
    assert count_transactions() == 4


def test_a_file_that_cannot_be_read_is_refused_with_the_reason(client, auth, ws, uploads):
    auth.login("imp@example.com")
    truncated = ofx_file(ofx_statement(MARCH))[:-40]
    response = upload(client, truncated)
    assert response.status_code == 422
    assert "not closed" in response.get_data(as_text=True) or "end" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == 0
    assert not [p for p in uploads.rglob("*") if p.is_file()]


def test_an_empty_or_unknown_file_is_a_clear_error(client, auth, ws):
    auth.login("imp@example.com")
    assert "The file is empty." in upload(client, b"").get_data(as_text=True) or \
        "Choose a file" in upload(client, b"").get_data(as_text=True)
    response = upload(client, b"\x00\x01 not a bank file", "photo.jpg")
    assert response.status_code == 422


def test_a_row_error_refuses_the_commit_and_names_the_row(client, auth, ws, checking):
    auth.login("imp@example.com")
    rows = [*MARCH, ("BAD", "20260311", "-1.005", "HALF CENT")]
    bid = import_through_wizard(client, ofx_file(ofx_statement(rows)))
    page = client.get(f"/imports/{bid}/preview").get_data(as_text=True)
    assert "Row 5: the amount -1.005 has more decimals than USD allows" in page
    response = client.post(f"/imports/{bid}/preview", data={"action": "commit", "has_errors": "1"},
                           follow_redirects=True)
    assert "Nothing was imported: 1 row has an error: row 5" in response.get_data(as_text=True)
    assert count_transactions() == 0
    client.post(f"/imports/{bid}/preview", data={"action": "commit", "has_errors": "1", "skip_errors": "y"})
    assert count_transactions() == 4


def test_undo_from_the_list_removes_the_import_and_a_second_undo_is_refused(client, auth, ws, checking):
    auth.login("imp@example.com")
    bid = import_through_wizard(client, ofx_file(ofx_statement(MARCH)))
    client.post(f"/imports/{bid}/preview", data={"action": "commit"})
    kept = make_transaction(checking, "-1.00", payee="Manual")
    listing = client.get("/imports/").get_data(as_text=True)
    assert f"/imports/{bid}/undo" in listing and "data-confirm" in listing and "Ivy" in listing
    response = client.post(f"/imports/{bid}/undo", follow_redirects=True)
    assert "removed the 4 transactions" in response.get_data(as_text=True)
    assert list(db.session.scalars(sa.select(Transaction.id))) == [kept.id]
    assert "undone" in client.get(f"/imports/{bid}").get_data(as_text=True)
    again = client.post(f"/imports/{bid}/undo", follow_redirects=True)
    assert "already been undone" in again.get_data(as_text=True)


def test_the_preview_is_paginated_and_keeps_choices_across_pages(client, auth, ws, checking):
    auth.login("imp@example.com")
    rows = [(f"F{i}", "20260301", f"-{i}.00", f"SHOP {i}") for i in range(1, 131)]
    bid = import_through_wizard(client, ofx_file(ofx_statement(rows)))
    first = client.get(f"/imports/{bid}/preview").get_data(as_text=True)
    assert first.count('name="shown"') == 100 and "Page 1 of 2" in first
    keys = [f"0:{i}" for i in range(100)]
    response = client.post(f"/imports/{bid}/preview", data={"goto": "2", "shown": keys, "include": keys[1:]})
    assert response.headers["Location"].endswith("page=2&show=all")
    second = client.get(f"/imports/{bid}/preview?page=2").get_data(as_text=True)
    assert second.count('name="shown"') == 30
    db.session.expire_all()
    assert db.session.get(ImportBatch, bid).rows_skipped == 1
    errors_only = client.get(f"/imports/{bid}/preview?show=error").get_data(as_text=True)
    assert "No rows to show here." in errors_only


def test_another_workspaces_import_is_not_found(client, auth, ws, checking):
    auth.login("imp@example.com")
    bid = import_through_wizard(client, ofx_file(ofx_statement(MARCH)))
    make_user("stranger@example.com")
    auth.logout()
    auth.login("stranger@example.com")
    for url in (f"/imports/{bid}", f"/imports/{bid}/preview", f"/imports/{bid}/accounts", f"/imports/{bid}/progress"):
        assert client.get(url).status_code == 404, url
    for url in (f"/imports/{bid}/preview", f"/imports/{bid}/undo", f"/imports/{bid}/discard", f"/imports/{bid}/run",
                f"/imports/{bid}/accounts"):
        assert client.post(url, data={"action": "commit"}).status_code == 404, url
    assert client.get("/imports/99999999999999999999").status_code == 404


def test_a_viewer_sees_imports_but_every_post_is_forbidden(client, auth, ws, checking):
    auth.login("imp@example.com")
    bid = import_through_wizard(client, ofx_file(ofx_statement(MARCH)))
    auth.logout()
    viewer = make_user("viewer@example.com")
    add_member(ws, viewer, "viewer")
    auth.login("viewer@example.com")
    client.post(f"/workspaces/{ws.id}/switch")
    assert client.get("/imports/").status_code == 200
    assert client.get(f"/imports/{bid}/preview").status_code == 200
    assert upload(client, ofx_file(ofx_statement(MARCH))).status_code == 403
    for url in (f"/imports/{bid}/accounts", f"/imports/{bid}/preview", f"/imports/{bid}/undo",
                f"/imports/{bid}/discard", f"/imports/{bid}/run", f"/imports/{bid}/columns"):
        assert client.post(url, data={"action": "commit", "account_0": str(checking.id)}).status_code == 403, url
    assert count_transactions() == 0


def test_discarding_a_staged_import_forgets_it_and_its_file(client, auth, ws, checking, uploads):
    auth.login("imp@example.com")
    bid = import_through_wizard(client, ofx_file(ofx_statement(MARCH)))
    response = client.post(f"/imports/{bid}/discard")
    assert response.status_code == 302
    assert db.session.get(ImportBatch, bid) is None
    assert not [p for p in uploads.rglob("*") if p.is_file()]


# -- large files: a job with a progress bar ---------------------------------------------------------


class FakeQueue:
    def __init__(self):
        self.jobs = []

    def enqueue(self, func, *args, **kwargs):
        self.jobs.append((func, args, kwargs))


def test_a_large_file_without_redis_runs_from_the_progress_page(client, auth, ws, checking, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_BACKGROUND_BYTES", 100)
    auth.login("imp@example.com")
    response = upload(client, ofx_file(ofx_statement(MARCH)))
    bid = batch_id(response)
    response = client.post(f"/imports/{bid}/accounts", data={"account_0": str(checking.id)})
    assert response.headers["Location"].endswith(f"/imports/{bid}/progress")
    page = client.get(f"/imports/{bid}/progress").get_data(as_text=True)
    assert f'hx-post="/imports/{bid}/run"' in page and "<progress" in page and 'hx-trigger="every 1s"' in page
    bar = client.get(f"/imports/{bid}/progress", headers={"HX-Request": "true"})
    assert bar.status_code == 200 and 'id="import-progress"' in bar.get_data(as_text=True)
    done = client.post(f"/imports/{bid}/run", headers={"HX-Request": "true"})
    assert done.headers["HX-Redirect"].endswith(f"/imports/{bid}/preview")
    client.post(f"/imports/{bid}/preview", data={"action": "commit"})
    client.post(f"/imports/{bid}/run")
    assert count_transactions() == 4
    finished = client.get(f"/imports/{bid}/progress", headers={"HX-Request": "true"})
    assert finished.headers["HX-Redirect"].endswith(f"/imports/{bid}")


def test_a_large_file_with_redis_is_queued_and_the_job_does_the_work(client, auth, ws, checking, app, monkeypatch):
    queue = FakeQueue()
    monkeypatch.setitem(app.config, "IMPORT_BACKGROUND_BYTES", 100)
    monkeypatch.setattr(jobs, "get_queue", lambda app: queue)
    auth.login("imp@example.com")
    bid = batch_id(upload(client, ofx_file(ofx_statement(MARCH))))
    response = client.post(f"/imports/{bid}/accounts", data={"account_0": str(checking.id)})
    assert response.headers["Location"].endswith(f"/imports/{bid}/progress")
    func, args, kwargs = queue.jobs.pop()
    assert func is jobs.import_job and args == (bid, ws.id, "analyse") and kwargs["job_timeout"] > 0
    assert "in the background" in client.get(f"/imports/{bid}/progress").get_data(as_text=True)
    assert func(*args) == "staged"  # what the worker runs
    client.post(f"/imports/{bid}/preview", data={"action": "commit"})
    func, args, _ = queue.jobs.pop()
    assert func(*args) == "committed"
    assert count_transactions() == 4
    assert db.session.get(ImportBatch, bid).progress == 4


def test_the_job_records_a_row_error_on_the_batch_instead_of_losing_it(ctx, ws, checking, uploads):
    data = ofx_file(ofx_statement([*MARCH, ("BAD", "20260311", "-1.005", "HALF CENT")]))
    batch = services.stage_upload(ws, None, "bad.ofx", data)
    storage.set_options(batch, accounts={"0": checking.id}, analysed=True, job="commit")
    batch.status = "running"
    db.session.commit()
    assert jobs.import_job(batch.id, ws.id, "commit") == "staged"
    db.session.expire_all()
    batch = db.session.get(ImportBatch, batch.id)
    assert "row 5" in batch.message and batch.status == "staged"
    assert count_transactions() == 0


def test_the_job_runs_on_a_real_redis_when_one_is_running(ctx, ws, checking, uploads):
    redis = pytest.importorskip("redis")
    from rq import Queue

    connection = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    batch = services.stage_upload(ws, None, "march.ofx", ofx_file(ofx_statement(MARCH)))
    storage.set_options(batch, accounts={"0": checking.id}, analysed=True, job="commit")
    batch.status = "running"
    db.session.commit()
    queue = Queue("financeapp-test", connection=connection, is_async=False)
    job = queue.enqueue(jobs.import_job, batch.id, ws.id, "commit")
    assert job.return_value() == "committed"
    assert count_transactions() == 4
    assert sum(db.session.scalars(sa.select(Transaction.amount))) == Decimal("2428.01")


# -- CSV: the column mapping, saved and chosen again by the header --------------------------------------

GERMAN_CSV = ("Buchungstag;Empfänger;Verwendungszweck;Betrag\r\n"
              "02.03.2026;Bäckerei Schmidt;Karte 1234;-3,50\r\n"
              "05.03.2026;Stadtwerke;Strom März;-64,99\r\n").encode()
ODD_CSV = (b"when|who|what|how much\r\n2026-03-02|Corner shop|bread|12.50\r\n"
           b"2026-03-03|Employer|pay|-2000.00\r\n")


def selected_values(page: str) -> dict[str, str]:
    """What each select of a page submits: its selected option, else its first."""
    values = {}
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = (re.search(r'<option value="([^"]*)" selected', options)
                  or re.search(r'<option value="([^"]*)"', options))
        values[name] = chosen.group(1)
    return values


def test_a_csv_file_is_mapped_with_the_detected_columns(client, auth, ws, checking):
    auth.login("imp@example.com")
    response = upload(client, GERMAN_CSV, "konto.csv")
    bid = batch_id(response)
    assert response.headers["Location"].endswith(f"/imports/{bid}/columns")
    page = client.get(f"/imports/{bid}/columns").get_data(as_text=True)
    assert "Bäckerei Schmidt" in page and "Buchungstag" in page
    assert re.search(r'name="map_date_column">\s*<option value="">\(none\)</option><option value="0" selected', page)
    form = selected_values(page)
    form.update({"map_header_row": "1", "map_encoding": "utf-8", "map_quotechar": '"', "name": "Sparkasse"})
    response = client.post(f"/imports/{bid}/columns", data=form)
    assert response.headers["Location"].endswith(f"/imports/{bid}/accounts"), response.get_data(as_text=True)
    client.post(f"/imports/{bid}/accounts", data={"account_0": str(checking.id)})
    client.post(f"/imports/{bid}/preview", data={"action": "commit"})
    assert sorted(db.session.scalars(sa.select(Transaction.amount))) == [Decimal("-64.99"), Decimal("-3.50")]


def test_a_mapping_chosen_by_hand_is_saved_and_chosen_again_for_the_same_header(client, auth, ws, checking):
    auth.login("imp@example.com")
    bid = batch_id(upload(client, ODD_CSV, "odd.csv"))
    mapping = {"map_date_column": "0", "map_payee_column": "1", "map_memo_column": "2", "map_amount_column": "3",
               "map_date_format": "%Y-%m-%d", "map_decimal_separator": ".", "map_thousands_separator": "",
               "map_delimiter": "bar", "map_header_row": "1", "map_encoding": "utf-8", "map_negate": "y",
               "name": "My odd bank"}
    bad = client.post(f"/imports/{bid}/columns", data={**mapping, "map_amount_column": ""})
    assert bad.status_code == 422 and "Choose an amount column" in bad.get_data(as_text=True)
    assert client.post(f"/imports/{bid}/columns", data=mapping).status_code == 302
    client.post(f"/imports/{bid}/accounts", data={"account_0": str(checking.id)})
    client.post(f"/imports/{bid}/preview", data={"action": "commit"})
    assert sorted(db.session.scalars(sa.select(Transaction.amount))) == [Decimal("-12.50"), Decimal("2000.00")]
    # The next file with the same header comes with the saved mapping selected.
    again = batch_id(upload(client, ODD_CSV.replace(b"12.50", b"13.00"), "odd-april.csv"))
    page = client.get(f"/imports/{again}/columns").get_data(as_text=True)
    assert "Using the mapping you saved" in page and "My odd bank" in page
    assert 'id="map_negate" name="map_negate" checked' in page
