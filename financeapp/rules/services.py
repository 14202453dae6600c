"""Rule rules: save and order rules, run them over import rows, apply them to existing transactions.

`apply_rules(workspace, subjects)` is what the import preview calls: it loads the workspace's
active rules once, compiles them (regexes included) and returns one outcome per subject.
The matching semantics are in `financeapp.rules.matching`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import cast

import sqlalchemy as sa

from financeapp.accounts.models import Account
from financeapp.categories.models import Category
from financeapp.categories.services import category_choices
from financeapp.core.db import utcnow
from financeapp.core.errors import Invalid, NotFound
from financeapp.core.pagination import Page, paginate
from financeapp.core.scoping import as_id, get_scoped_or_404, scoped
from financeapp.core.validation import checked_amount, gather, parse_day
from financeapp.extensions import db
from financeapp.labels.models import Label
from financeapp.labels.services import labels_named, parse_label_names
from financeapp.payees.models import Payee
from financeapp.payees.services import clean_name, find_or_create_payee
from financeapp.reports import totals
from financeapp.rules.matching import (
    NO_MATCH,
    RuleEngine,
    RuleOutcome,
    RuleSpec,
    RuleSubject,
    regex_problem,
)
from financeapp.rules.models import SIGNS, TEXT_FIELDS, TEXT_OPS, Rule
from financeapp.transactions.models import Transaction, TransactionLine, transaction_labels
from financeapp.workspaces.models import Workspace

MAX_RULES = 1_000
CHUNK = 2_000  # transactions per round trip when applying rules to existing ones
SAMPLE = 20


@dataclass(frozen=True)
class RuleInput:
    name: str
    match_text: str = ""
    match_field: str = "payee"
    match_op: str = "contains"
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    sign: str = "any"
    account_id: int | None = None
    set_payee: str = ""
    set_category_id: int | None = None
    add_labels: str = ""  # comma-separated
    active: bool = True
    on_manual: bool = False


# -- saving rules ------------------------------------------------------------------------------


def _amount(value: Decimal | None, name: str, errors: dict[str, str]) -> Decimal | None:
    """A bound of the amount range: zero or more (the range is on the amount without its sign), in the
    thousandths an amount is stored in whatever its account's currency."""
    if value is None:
        return None
    bound = gather(errors, lambda: checked_amount(value, None, field=name, sign="nonnegative"))
    if bound is not None and bound != bound.quantize(Decimal("0.001")):
        errors[name] = "Use at most three decimal places."
        return None
    return bound


def _validated(workspace: Workspace, data: RuleInput) -> dict:
    """The columns to store, or Invalid with a message per field."""
    errors: dict[str, str] = {}
    name = " ".join((data.name or "").split())
    if not name:
        errors["name"] = "Give the rule a name."
    elif len(name) > 80:
        errors["name"] = "Use at most 80 characters."
    if data.match_field not in TEXT_FIELDS:
        errors["match_field"] = "Choose payee, memo, or payee or memo."
    if data.match_op not in TEXT_OPS:
        errors["match_op"] = "Choose contains, equals or regular expression."
    if data.sign not in SIGNS:
        errors["sign"] = "Choose money in, money out, or either."
    text = (data.match_text or "").strip() if data.match_op != "regex" else (data.match_text or "")
    if len(text) > 255:
        errors["match_text"] = "Use at most 255 characters."
    elif data.match_op == "regex" and text:
        problem = regex_problem(text)
        if problem:
            errors["match_text"] = problem
    low = _amount(data.amount_min, "amount_min", errors)
    high = _amount(data.amount_max, "amount_max", errors)
    if low is not None and high is not None and low > high:
        errors["amount_max"] = "The maximum must not be below the minimum."
    account_id = None
    if data.account_id is not None:
        account = db.session.scalar(scoped(Account, workspace).where(Account.id == as_id(data.account_id)))
        if account is None:
            errors["account_id"] = "Choose one of your accounts."
        else:
            account_id = account.id
    category_id = None
    if data.set_category_id is not None:
        category = db.session.scalar(scoped(Category, workspace).where(Category.id == as_id(data.set_category_id)))
        if category is None:
            errors["set_category_id"] = "Choose one of your categories."
        else:
            category_id = category.id
    try:
        payee = clean_name(data.set_payee or "")
    except Invalid as err:
        errors["set_payee"] = err.message
        payee = ""
    try:
        labels = ", ".join(parse_label_names(data.add_labels or ""))
    except Invalid as err:
        errors["add_labels"] = err.message
        labels = ""
    if len(labels) > 255:
        errors["add_labels"] = "Use at most 255 characters of labels."
    if not errors:
        has_condition = bool(text) or low is not None or high is not None or data.sign != "any" or account_id
        if not has_condition:
            errors["match_text"] = ("Give the rule at least one condition (text, amount, money in or out, "
                                    "or account); without one it would match every transaction.")
        if not (payee or category_id or labels):
            errors["set_category_id"] = "Choose at least one action: a payee, a category or labels."
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    return {
        "name": name, "active": bool(data.active), "on_manual": bool(data.on_manual),
        "match_field": data.match_field, "match_op": data.match_op,
        "match_text": text, "amount_min": low, "amount_max": high, "sign": data.sign, "account_id": account_id,
        "set_payee": payee, "set_category_id": category_id, "add_labels": labels,
    }


def list_rules(workspace: Workspace, *, page: int = 1, per_page: int = 50) -> Page[Rule]:
    """A page of the workspace's rules in order."""
    return paginate(scoped(Rule, workspace).order_by(Rule.position, Rule.id), page, per_page)


def create_rule(workspace: Workspace, data: RuleInput) -> Rule:
    """Add a rule at the end of the list."""
    values = _validated(workspace, data)
    count, last = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(Rule.position)).where(Rule.workspace_id == workspace.id)
    ).one()
    if count >= MAX_RULES:
        raise Invalid(f"A workspace can have at most {MAX_RULES} rules.")
    rule = Rule(workspace_id=workspace.id, position=(last or 0) + 1, **values)
    db.session.add(rule)
    db.session.flush()
    return rule


def update_rule(workspace: Workspace, rule: Rule, data: RuleInput) -> Rule:
    """Change a rule's name, conditions and actions (its place in the list stays)."""
    for name, value in _validated(workspace, data).items():
        setattr(rule, name, value)
    db.session.flush()
    return rule


def delete_rule(workspace: Workspace, rule: Rule) -> None:
    db.session.delete(rule)
    db.session.flush()


def move_rule(workspace: Workspace, rule: Rule, direction: str) -> bool:
    """Swap a rule with its neighbour above ("up") or below ("down"); False at either end."""
    if direction not in ("up", "down"):
        raise Invalid("Move a rule up or down.")
    query = scoped(Rule, workspace).where(Rule.id != rule.id)
    if direction == "up":
        query = query.where(sa.or_(Rule.position < rule.position,
                                   sa.and_(Rule.position == rule.position, Rule.id < rule.id)))
        query = query.order_by(Rule.position.desc(), Rule.id.desc())
    else:
        query = query.where(sa.or_(Rule.position > rule.position,
                                   sa.and_(Rule.position == rule.position, Rule.id > rule.id)))
        query = query.order_by(Rule.position, Rule.id)
    neighbour = db.session.scalar(query.limit(1))
    if neighbour is None:
        return False
    if neighbour.position == rule.position:  # ties (from a restore or a race): spread them first
        _renumber(workspace)
    rule.position, neighbour.position = neighbour.position, rule.position
    db.session.flush()
    return True


def _renumber(workspace: Workspace) -> None:
    for index, row in enumerate(db.session.scalars(scoped(Rule, workspace).order_by(Rule.position, Rule.id)), 1):
        row.position = index
    db.session.flush()


def rule_input_from_transaction(workspace: Workspace, transaction_id: object) -> RuleInput:
    """A rule suggested by a transaction: payee contains its payee's name, set its category."""
    txn = get_scoped_or_404(Transaction, transaction_id, workspace)
    payee = txn.payee.name if txn.payee else ""
    category_id = txn.lines[0].category_id if len(txn.lines) == 1 and not txn.is_transfer else None
    return RuleInput(
        name=(payee or txn.memo or "New rule")[:80], match_field="payee" if payee else "memo",
        match_op="contains", match_text=payee or txn.memo[:255], set_category_id=category_id,
    )


# -- running rules -----------------------------------------------------------------------------


def _spec(rule: Rule) -> RuleSpec:
    return RuleSpec(
        id=rule.id, name=rule.name, match_field=rule.match_field, match_op=rule.match_op,
        match_text=rule.match_text, amount_min=rule.amount_min, amount_max=rule.amount_max, sign=rule.sign,
        account_id=rule.account_id, set_payee=rule.set_payee, set_category_id=rule.set_category_id,
        labels=tuple(rule.label_names),
    )


def load_engine(workspace: Workspace, rule_id: int | None = None) -> RuleEngine:
    """The workspace's active rules compiled in order; or just one rule (active or not)."""
    query = scoped(Rule, workspace).where(Rule.id == rule_id if rule_id is not None else Rule.active.is_(True))
    return RuleEngine([_spec(rule) for rule in db.session.scalars(query.order_by(Rule.position, Rule.id))])


def apply_rules(workspace: Workspace, subjects: Sequence[RuleSubject]) -> list[RuleOutcome]:
    """One outcome per subject, in order: what the workspace's active rules would set."""
    return load_engine(workspace).outcomes(subjects)


def manual_entry_outcome(workspace: Workspace, subject: RuleSubject) -> RuleOutcome:
    """What the active rules switched on for typed entries would set on a new entry."""
    query = scoped(Rule, workspace).where(Rule.active.is_(True), Rule.on_manual.is_(True))
    rules = db.session.scalars(query.order_by(Rule.position, Rule.id)).all()
    if not rules:
        return NO_MATCH
    return RuleEngine([_spec(rule) for rule in rules]).outcomes([subject])[0]


@dataclass(frozen=True)
class Change:
    """What rules would do to one existing transaction."""

    transaction_id: int
    on: date
    amount: Decimal
    account_id: int
    memo: str
    old_payee: str
    new_payee: str | None  # None: unchanged
    old_category_id: int | None
    new_category_id: int | None  # None: unchanged
    add_labels: tuple[str, ...]
    reconciled: bool


@dataclass
class ApplyPreview:
    changes: int = 0
    skipped_reconciled: int = 0
    examined: int = 0
    sample: list[Change] = field(default_factory=list)
    category_names: dict[int, str] = field(default_factory=dict)
    accounts: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> (name, currency)


@dataclass(frozen=True)
class ApplyScope:
    rule_id: int | None = None  # None: every active rule
    start: date | None = None
    end: date | None = None


def _check_scope(workspace: Workspace, scope: ApplyScope) -> None:
    if scope.rule_id is not None:
        get_scoped_or_404(Rule, scope.rule_id, workspace)
    if scope.start and scope.end and scope.start > scope.end:
        raise Invalid("The start date is after the end date.", fields={"end": "Must not be before the start."})


def _planned_changes(workspace: Workspace, scope: ApplyScope) -> Iterator[tuple[list[Change], int]]:
    """Chunks of (changes, transactions examined) over the scope; transfers are never examined.

    Each chunk is its own keyset query, so the caller may write between chunks and no more
    than CHUNK transactions are in memory at once.
    """
    engine = load_engine(workspace, scope.rule_id)
    if not engine.rules:
        return
    base = (
        sa.select(Transaction.id, Transaction.on, Transaction.amount, Transaction.memo, Transaction.status,
                  Transaction.account_id, Payee.name)
        .outerjoin(Payee, Payee.id == Transaction.payee_id)
        .where(Transaction.workspace_id == workspace.id, Transaction.transfer_key.is_(None))
    )
    if scope.start:
        base = base.where(Transaction.on >= scope.start)
    if scope.end:
        base = base.where(Transaction.on <= scope.end)
    last = 0
    while True:
        found = db.session.execute(base.where(Transaction.id > last).order_by(Transaction.id).limit(CHUNK)).all()
        if not found:
            return
        last = found[-1][0]
        # Each chunk's lines by primary-key look-ups (a GROUP BY over all lines per chunk would
        # read the whole workspace every time).
        line_count: dict[int, int] = {}
        line_category: dict[int, int | None] = {}
        for txn_id, category_id in db.session.execute(
            sa.select(TransactionLine.transaction_id, TransactionLine.category_id)
            .where(TransactionLine.workspace_id == workspace.id,
                   TransactionLine.transaction_id.in_([row[0] for row in found]))
        ):
            line_count[txn_id] = line_count.get(txn_id, 0) + 1
            line_category[txn_id] = category_id
        rows = [(*row, line_count.get(row[0], 0), line_category.get(row[0])) for row in found]
        outcomes = engine.outcomes([
            RuleSubject(payee=payee or "", memo=memo or "", amount=amount, account_id=account_id)
            for _id, _on, amount, memo, _status, account_id, payee, _n, _cat in rows
        ])
        want_labels = [row[0] for row, outcome in zip(rows, outcomes, strict=True) if outcome.labels]
        existing: dict[int, set[str]] = {}
        if want_labels:
            for txn_id, name in db.session.execute(
                sa.select(transaction_labels.c.transaction_id, Label.name)
                .join(Label, Label.id == transaction_labels.c.label_id)
                .where(transaction_labels.c.transaction_id.in_(want_labels))
            ):
                existing.setdefault(txn_id, set()).add(name.casefold())
        changes = []
        for (txn_id, on, amount, memo, status, account_id, payee, n, category_id), outcome in zip(
                rows, outcomes, strict=True):
            if outcome.rule_id is None:
                continue
            new_payee = outcome.payee if outcome.payee and outcome.payee != (payee or "") else None
            # Split transactions keep their lines: only a plain one-line transaction is recategorised.
            new_category = (outcome.category_id if outcome.category_id is not None and n == 1
                            and outcome.category_id != category_id else None)
            have = existing.get(txn_id, set())
            add = tuple(name for name in outcome.labels if name.casefold() not in have)
            if new_payee is None and new_category is None and not add:
                continue
            changes.append(Change(
                transaction_id=txn_id, on=on, amount=amount, account_id=account_id, memo=memo or "",
                old_payee=payee or "", new_payee=new_payee, old_category_id=category_id,
                new_category_id=new_category, add_labels=add, reconciled=status == "reconciled",
            ))
        yield changes, len(rows)


def preview_apply(workspace: Workspace, scope: ApplyScope, *, sample: int = SAMPLE) -> ApplyPreview:
    """How many transactions applying the rule(s) would change, with a sample; writes nothing."""
    _check_scope(workspace, scope)
    preview = ApplyPreview()
    for changes, examined in _planned_changes(workspace, scope):
        preview.examined += examined
        for change in changes:
            if change.reconciled:
                preview.skipped_reconciled += 1
                continue
            preview.changes += 1
            if len(preview.sample) < sample:
                preview.sample.append(change)
    preview.category_names = {int(value): label for value, label in category_choices(workspace, blank=None)}
    preview.accounts = {account_id: (name, currency) for account_id, name, currency in db.session.execute(
        sa.select(Account.id, Account.name, Account.currency).where(Account.workspace_id == workspace.id))}
    return preview


@dataclass
class ApplyResult:
    changed: int = 0
    skipped_reconciled: int = 0


def apply_to_existing(workspace: Workspace, scope: ApplyScope) -> ApplyResult:
    """Apply the rule(s) to the workspace's transactions in the scope; reconciled ones are skipped.

    Writes in bulk per chunk: one UPDATE per new payee and per new category, one INSERT of
    the new label links; each changed transaction's version is bumped so an edit form that
    was open on it reports the conflict instead of overwriting.
    """
    _check_scope(workspace, scope)
    result = ApplyResult()
    payee_ids: dict[str, int] = {}
    label_ids: dict[str, int] = {}
    # Declarative models type `__table__` as any FromClause; these two are plain tables.
    txns = cast(sa.Table, Transaction.__table__)
    line_table = cast(sa.Table, TransactionLine.__table__)
    for changes, _examined in _planned_changes(workspace, scope):
        by_payee: dict[int, list[int]] = {}
        by_category: dict[int, list[int]] = {}
        links: list[dict[str, int]] = []
        changed: list[int] = []
        for change in changes:
            if change.reconciled:
                result.skipped_reconciled += 1
                continue
            changed.append(change.transaction_id)
            if change.new_payee is not None:
                if change.new_payee not in payee_ids:
                    payee_ids[change.new_payee] = find_or_create_payee(workspace, change.new_payee).id  # type: ignore[union-attr]
                by_payee.setdefault(payee_ids[change.new_payee], []).append(change.transaction_id)
            if change.new_category_id is not None:
                by_category.setdefault(change.new_category_id, []).append(change.transaction_id)
            for name in change.add_labels:
                key = name.casefold()
                if key not in label_ids:
                    label_ids[key] = labels_named(workspace, [name])[0].id
                links.append({"transaction_id": change.transaction_id, "label_id": label_ids[key]})
        for payee_id, ids in by_payee.items():
            db.session.execute(txns.update().where(txns.c.workspace_id == workspace.id, txns.c.id.in_(ids))
                               .values(payee_id=payee_id))
        if changed:  # before any write: lock their accounts, mark their months
            totals.mark_where(db.session, Transaction.workspace_id == workspace.id, Transaction.id.in_(changed))
        for category_id, ids in by_category.items():
            db.session.execute(line_table.update()
                               .where(line_table.c.workspace_id == workspace.id, line_table.c.transaction_id.in_(ids))
                               .values(category_id=category_id))
        if links:
            db.session.execute(transaction_labels.insert(), links)
        if changed:
            db.session.execute(txns.update().where(txns.c.workspace_id == workspace.id, txns.c.id.in_(changed))
                               .values(version=txns.c.version + 1, updated_at=utcnow()))
        result.changed += len(changed)
    db.session.flush()
    db.session.expire_all()  # rows changed behind the ORM's back
    return result


def rule_or_404(workspace: Workspace, rule_id: object) -> Rule:
    return get_scoped_or_404(Rule, rule_id, workspace)


def parse_scope(workspace: Workspace, rule: str | None, start: str | None, end: str | None) -> ApplyScope:
    """An ApplyScope from query or form text ("all" or a rule id; ISO dates); Invalid on junk."""
    errors: dict[str, str] = {}
    rule_id = None
    if rule and rule != "all":
        rule_id = as_id(rule)
        if rule_id is None:
            raise NotFound("No such rule.")

    def day(name: str, raw: str | None) -> date | None:
        return gather(errors, lambda: parse_day(raw, field=name)) if raw and raw.strip() else None

    scope = ApplyScope(rule_id=rule_id, start=day("start", start), end=day("end", end))
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    return scope


def rule_input(rule: Rule) -> RuleInput:
    """A rule's values as the input its form edits."""
    return RuleInput(
        name=rule.name, match_text=rule.match_text, match_field=rule.match_field, match_op=rule.match_op,
        amount_min=rule.amount_min, amount_max=rule.amount_max, sign=rule.sign, account_id=rule.account_id,
        set_payee=rule.set_payee, set_category_id=rule.set_category_id, add_labels=rule.add_labels,
        active=rule.active, on_manual=rule.on_manual,
    )
