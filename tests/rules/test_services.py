"""Rule services: saving and ordering rules, apply_rules, and applying rules to existing transactions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.core.errors import Invalid, NotFound
from financeapp.extensions import db
from financeapp.rules import services
from financeapp.rules.matching import RuleOutcome, RuleSubject
from financeapp.rules.models import Rule
from financeapp.rules.services import ApplyScope, RuleInput
from financeapp.transactions.models import Transaction
from financeapp.transactions.services import EntryInput, LineInput, TransferInput, record_entry, record_transfer
from tests.factories import make_account, make_transaction, make_user, personal_workspace
from tests.rules.conftest import add_rule


def test_an_invalid_regex_is_refused_with_a_clear_message_at_its_field(setup):
    with pytest.raises(Invalid) as err:
        services.create_rule(setup["ws"], RuleInput(name="bad", match_op="regex", match_text="(unclosed",
                                                     set_category_id=setup["groceries"].id))
    assert "not a valid regular expression: missing ), unterminated subpattern" in err.value.fields["match_text"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rule)) == 0


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"name": " "}, "name", "Give the rule a name."),
    ({"match_text": ""}, "match_text", "at least one condition"),
    ({"set_category_id": None}, "set_category_id", "at least one action"),
    ({"amount_min": Decimal("20"), "amount_max": Decimal("10")}, "amount_max", "not be below the minimum"),
    ({"amount_min": Decimal("-1")}, "amount_min", "zero or more"),
    ({"sign": "sideways"}, "sign", "money in, money out"),
    ({"match_op": "regex", "match_text": "(a+)+"}, "match_text", "repeat inside a repeated group"),
    ({"set_category_id": 10**30}, "set_category_id", "one of your categories"),
    ({"account_id": 10**30}, "account_id", "one of your accounts"),
    ({"add_labels": "x" * 41}, "add_labels", "at most 40 characters"),
])
def test_bad_rules_are_refused_at_the_field(setup, changes, field, message):
    data = {"name": "ok", "match_text": "shop", "set_category_id": setup["groceries"].id, **changes}
    with pytest.raises(Invalid) as err:
        services.create_rule(setup["ws"], RuleInput(**data))
    assert message in err.value.fields[field]


def test_another_workspaces_account_or_category_cannot_be_used(setup):
    other = personal_workspace(make_user("otto@example.com"))
    foreign = make_account(other, "Otto's")
    with pytest.raises(Invalid) as err:
        services.create_rule(setup["ws"], RuleInput(name="x", account_id=foreign.id,
                                                     set_category_id=setup["groceries"].id))
    assert "account_id" in err.value.fields


def test_rules_are_added_at_the_end_and_move_up_and_down(setup):
    ws = setup["ws"]
    a, b, c = (add_rule(ws, n, match_text=n, set_category_id=setup["groceries"].id) for n in "abc")
    order = lambda: [r.name for r in services.list_rules(ws).rows]  # noqa: E731
    assert order() == ["a", "b", "c"]
    assert services.move_rule(ws, c, "up") is True
    assert order() == ["a", "c", "b"]
    assert services.move_rule(ws, a, "up") is False
    assert services.move_rule(ws, a, "down") is True
    assert order() == ["c", "a", "b"]
    assert services.move_rule(ws, b, "down") is False


def test_apply_rules_uses_active_rules_in_order(setup):
    ws = setup["ws"]
    first = add_rule(ws, "first", match_text="rewe", set_category_id=setup["groceries"].id)
    add_rule(ws, "inactive", match_text="rewe", set_payee="Never", active=False)
    add_rule(ws, "second", match_text="rewe", set_category_id=setup["shopping"].id, set_payee="REWE",
             add_labels="food, weekly")
    subjects = [RuleSubject("REWE 123", "", Decimal("-5"), setup["account"].id),
                RuleSubject("Other", "", Decimal("-5"), setup["account"].id)]
    assert services.apply_rules(ws, subjects) == [
        RuleOutcome(rule_id=first.id, rule_name="first", payee="REWE", category_id=setup["groceries"].id,
                    labels=("food", "weekly")),
        RuleOutcome(),
    ]


def test_a_rule_is_suggested_from_a_recategorised_transaction(setup):
    txn = make_transaction(setup["account"], "-9.99", payee="Corner Shop", category=setup["shopping"])
    suggestion = services.rule_input_from_transaction(setup["ws"], txn.id)
    assert (suggestion.match_field, suggestion.match_op, suggestion.match_text) == ("payee", "contains", "Corner Shop")
    assert suggestion.set_category_id == setup["shopping"].id
    with pytest.raises(NotFound):
        services.rule_input_from_transaction(setup["ws"], 10**12)


def _category_of(txn_id: int) -> int | None:
    return db.session.get(Transaction, txn_id).lines[0].category_id


def test_the_preview_counts_exactly_what_applying_changes(setup):
    ws, account = setup["ws"], setup["account"]
    groceries = setup["groceries"]
    add_rule(ws, "rewe", match_text="rewe", set_category_id=groceries.id, add_labels="food")
    hits = [make_transaction(account, f"-{i}", payee="REWE Markt", on=date(2026, 3, i)) for i in range(1, 6)]
    already = make_transaction(account, "-7", payee="REWE Markt", category=groceries, on=date(2026, 3, 7))
    make_transaction(account, "-8", payee="Aldi", on=date(2026, 3, 8))
    outside = make_transaction(account, "-9", payee="REWE", on=date(2026, 5, 1))
    locked = make_transaction(account, "-10", payee="REWE", on=date(2026, 3, 10), status="reconciled")
    scope = ApplyScope(start=date(2026, 3, 1), end=date(2026, 3, 31))

    preview = services.preview_apply(ws, scope)
    assert preview.changes == 6  # five new categories and labels, plus the label on the already-categorised one
    assert preview.skipped_reconciled == 1
    assert len(preview.sample) == 6
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transaction)
                             .where(Transaction.version > 1)) == 0  # the preview wrote nothing

    result = services.apply_to_existing(ws, scope)
    db.session.commit()
    assert (result.changed, result.skipped_reconciled) == (preview.changes, 1)
    assert {_category_of(t.id) for t in hits} == {groceries.id}
    assert [label.name for label in db.session.get(Transaction, already.id).labels] == ["food"]
    assert _category_of(outside.id) is None and _category_of(locked.id) is None
    assert services.preview_apply(ws, scope).changes == 0  # applying again changes nothing


def test_transfers_are_left_alone_and_splits_keep_their_categories(setup):
    ws, account = setup["ws"], setup["account"]
    add_rule(ws, "all money out", sign="out", set_category_id=setup["shopping"].id, set_payee="Renamed")
    record_transfer(ws, TransferInput(from_account_id=account.id, to_account_id=setup["savings"].id,
                                      on=date(2026, 3, 1), amount=Decimal("50")))
    split = record_entry(ws, EntryInput(account_id=account.id, on=date(2026, 3, 2), amount=Decimal("30"),
                                        direction="out", payee="Market", lines=(
                                            LineInput(setup["groceries"].id, Decimal("20")),
                                            LineInput(None, Decimal("10")))))
    db.session.commit()
    preview = services.preview_apply(ws, ApplyScope())
    assert preview.changes == 1  # only the split's payee
    services.apply_to_existing(ws, ApplyScope())
    db.session.commit()
    split = db.session.get(Transaction, split.id)
    assert split.payee.name == "Renamed"
    assert [line.category_id for line in split.lines] == [setup["groceries"].id, None]
    transfers = db.session.scalars(sa.select(Transaction).where(Transaction.transfer_key.is_not(None))).all()
    assert len(transfers) == 2
    assert all(t.payee is None and t.lines[0].category_id is None for t in transfers)


def test_applying_one_chosen_rule_ignores_the_others(setup):
    ws, account = setup["ws"], setup["account"]
    add_rule(ws, "rewe", match_text="rewe", set_category_id=setup["groceries"].id)
    aldi = add_rule(ws, "aldi", match_text="aldi", set_category_id=setup["groceries"].id, active=False)
    make_transaction(account, "-1", payee="REWE")
    make_transaction(account, "-2", payee="ALDI Süd")
    preview = services.preview_apply(ws, ApplyScope(rule_id=aldi.id))
    assert preview.changes == 1 and preview.sample[0].old_payee == "ALDI Süd"


def test_another_workspaces_rule_is_not_found(setup):
    other = personal_workspace(make_user("otto@example.com"))
    foreign = add_rule(other, "theirs", match_text="x", set_payee="y")
    with pytest.raises(NotFound):
        services.preview_apply(setup["ws"], ApplyScope(rule_id=foreign.id))
    with pytest.raises(NotFound):
        services.rule_or_404(setup["ws"], foreign.id)


def test_applying_in_chunks_changes_every_matching_transaction(setup, monkeypatch):
    monkeypatch.setattr(services, "CHUNK", 7)
    ws, account = setup["ws"], setup["account"]
    add_rule(ws, "coffee", match_field="memo", match_op="regex", match_text=r"^coffee #\d+$",
             set_payee="Café", add_labels="coffee")
    for i in range(30):
        make_transaction(account, "-3", memo=f"coffee #{i}" if i % 3 else "tea")
    assert services.preview_apply(ws, ApplyScope()).changes == 20
    assert services.apply_to_existing(ws, ApplyScope()).changed == 20
    db.session.commit()
    renamed = db.session.scalar(sa.select(sa.func.count()).select_from(Transaction)
                                .where(Transaction.payee.has(name="Café")))
    assert renamed == 20
