"""The one validator's edges that the type checker relies on: bools are no amounts, optional days, row counts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.core.db import rows_matched
from financeapp.core.errors import Invalid
from financeapp.core.validation import checked_amount, checked_day
from financeapp.extensions import db
from financeapp.labels.models import Label
from tests.factories import make_user, personal_workspace


@pytest.mark.parametrize("value", [True, False])
def test_a_bool_is_no_amount_though_python_counts_it_an_int(value):
    with pytest.raises(Invalid, match="Enter an amount"):
        checked_amount(value, "USD", sign="any")


def test_an_int_is_whole_units_in_the_currencys_places():
    assert checked_amount(12, "USD") == Decimal("12.00")
    assert str(checked_amount(12, "JPY")) == "12"


def test_an_optional_day_may_be_missing_a_required_one_may_not():
    assert checked_day(None, required=False) is None
    assert checked_day(date(2026, 3, 1)) == date(2026, 3, 1)
    with pytest.raises(Invalid, match="Enter a date"):
        checked_day(None)
    with pytest.raises(Invalid, match="between 1900 and 2199"):
        checked_day(date(1899, 12, 31), required=False)


def test_rows_matched_counts_an_update_and_refuses_a_select(ctx):
    workspace = personal_workspace(make_user())
    db.session.add_all([Label(workspace_id=workspace.id, name=name) for name in ("a", "b", "c")])
    db.session.flush()
    result = db.session.execute(sa.update(Label).where(Label.workspace_id == workspace.id, Label.name != "c")
                                .values(colour="#000000").execution_options(synchronize_session=False))
    assert rows_matched(result) == 2
    with pytest.raises(TypeError, match="UPDATE or DELETE"):
        rows_matched(db.session.execute(sa.select(Label.id)))  # an ORM select gives a ChunkedIteratorResult
