"""Importing a bank file again adds nothing; overlapping statements add only the difference.

On the real bank files in ../shared/fixtures when they are there (skipped with one line when not),
and on small files written here, so the default suite covers it on any machine.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from financeapp.core.errors import FinanceError
from financeapp.extensions import db
from financeapp.imports import committing, planning
from financeapp.transactions.models import Transaction
from tests.conftest import SHARED
from tests.factories import make_account, make_user, personal_workspace
from tests.imports.conftest import APRIL, MARCH, ofx_file, ofx_statement

FIXTURES = SHARED / "fixtures"
FORMAT_FOLDERS = ("ofx", "qfx", "qif", "camt", "csv")


def _fixture_files() -> list[Path]:
    files: list[Path] = []
    for folder in FORMAT_FOLDERS:
        if (FIXTURES / folder).is_dir():
            files.extend(sorted(p for p in (FIXTURES / folder).iterdir() if p.is_file()))
    return files


FILES = _fixture_files()


@pytest.fixture
def ws(ctx):
    workspace = personal_workspace(make_user("again@example.com"))
    make_account(workspace, "Everyday")  # for files without account numbers (CSV, most QIF)
    return workspace


def count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Transaction)) or 0


def import_file(ws, name: str, data: bytes):
    """Run a file through the pipeline as the CLI does (rows without a number go to Everyday)."""
    everyday = planning.find_account(ws, "Everyday")
    result = committing.run_file(ws, None, name, data, account=everyday, skip_errors=True)
    db.session.commit()
    return result.plan


def save_the_mapping_a_user_would_choose(ws, path: Path) -> None:
    """CSVs whose columns are not detected get the mapping a user would pick once in the wizard."""
    from financeapp.imports.models import CsvMapping as SavedMapping
    from financeapp.imports.parsers.csv import header_signature, sniff
    from tests.imports.parsers.test_fixtures import fixture_mapping

    mapping = fixture_mapping(f"{path.parent.name}/{path.name}") if path.parent.name == "csv" else None
    if mapping is None:
        return
    signature = header_signature(sniff(path.read_bytes()))
    db.session.add(SavedMapping(workspace_id=ws.id, header_signature=signature, name=path.name,
                                mapping=json.dumps(mapping.to_dict())))
    db.session.commit()


@pytest.mark.skipif(not FILES, reason=f"no bank-file fixtures at {FIXTURES}")
@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_importing_a_fixture_again_adds_nothing(ws, path):
    save_the_mapping_a_user_would_choose(ws, path)
    try:
        first = import_file(ws, path.name, path.read_bytes())
    except FinanceError as err:
        db.session.rollback()
        pytest.skip(f"does not import as a whole: {err.message[:120]}")
    after_first = count()
    assert after_first == first.counts()["imported"]
    again = import_file(ws, path.name, path.read_bytes())
    assert again.counts()["imported"] == 0, [r.key for r in again.rows if r.include]
    assert again.counts()["duplicate"] == first.counts()["imported"]
    assert count() == after_first


@pytest.mark.skipif(not (FIXTURES / "ofx" / "jgnash_bank2.ofx").exists(), reason=f"no OFX fixtures at {FIXTURES}")
def test_an_overlapping_fixture_statement_adds_only_its_new_rows(ws):
    shorter = import_file(ws, "jgnash_bank2.ofx", (FIXTURES / "ofx" / "jgnash_bank2.ofx").read_bytes())
    assert shorter.counts()["imported"] == 2
    longer = import_file(ws, "jgnash_bank1.ofx", (FIXTURES / "ofx" / "jgnash_bank1.ofx").read_bytes())
    counts = longer.counts()
    assert (counts["new"], counts["duplicate"]) == (2, 2)
    assert count() == 4


def test_a_file_written_here_imported_again_adds_nothing(ws):
    data = ofx_file(ofx_statement(MARCH), ofx_statement(APRIL[1:], acctid="SAV-1", currency="USD"))
    first = import_file(ws, "two-accounts.ofx", data)
    assert first.counts()["imported"] == 6 and count() == 6
    again = import_file(ws, "two-accounts.ofx", data)
    assert again.counts() == {"total": 6, "new": 0, "duplicate": 6, "error": 0, "skipped": 0, "forced": 0,
                              "imported": 0}
    assert count() == 6


def test_overlapping_statements_written_here_add_only_the_difference(ws):
    import_file(ws, "march.ofx", ofx_file(ofx_statement(MARCH)))
    april = import_file(ws, "april.ofx", ofx_file(ofx_statement(APRIL)))
    assert [r.outcome for r in april.rows] == ["duplicate", "new", "new"]
    assert count() == 6
