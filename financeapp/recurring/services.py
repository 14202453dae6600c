"""Recurring rules: items and their schedules, posting or skipping an occurrence exactly once,
bill reminders, matching bills to payments, and the upcoming list.

Exactly once: an occurrence is claimed by inserting its (recurring_id, occurrence_date) row inside a
savepoint before its transaction is created. The unique key makes the database the judge: a second
claim (the same job run twice, two job processes at once, a double-clicked Confirm) fails with an
IntegrityError and is skipped; until the first claimer commits, MariaDB makes the second wait.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from financeapp.accounts.models import Account
from financeapp.categories.models import Category
from financeapp.core.errors import Invalid, NotFound
from financeapp.core.money import format_money
from financeapp.core.pagination import Page, paginate
from financeapp.core.scoping import as_id, scoped
from financeapp.core.validation import checked_amount
from financeapp.extensions import db
from financeapp.notifications.services import notify
from financeapp.payees.models import Payee
from financeapp.recurring.models import KINDS, RecurringItem, RecurringOccurrence
from financeapp.recurring.schedule import Schedule, ScheduleError
from financeapp.transactions.models import Transaction
from financeapp.transactions.services import EntryInput, TransferInput, record_entry, record_transfer
from financeapp.workspaces.models import Workspace

# Auto-posting catches up on missed occurrences at most this far back (a year of a daily item).
CATCH_UP_DAYS = 366
# The upcoming list also shows occurrences waiting for confirmation from this many days back.
OVERDUE_DAYS = 60
# A payment matches a bill due this many days before or after the payment's date.
MATCH_WINDOW_DAYS = 7
MAX_REMIND_DAYS = 60
PER_PAGE = 25
RECURRING_URL = "/recurring/"


@dataclass(frozen=True)
class RecurringInput:
    """A recurring item as the user described it; `amount` is positive (the expected amount of a bill)."""

    name: str
    account_id: int
    amount: Decimal
    start_date: date
    kind: str = "entry"  # "entry" (money in or out of one account) or "transfer"
    direction: str = "out"
    to_account_id: int | None = None
    to_amount: Decimal | None = None  # a transfer across currencies: what arrives
    payee: str = ""
    category_id: int | None = None
    memo: str = ""
    frequency: str = "monthly"
    interval: int = 1
    weekdays: tuple[int, ...] = ()
    monthly_mode: str = "day"
    month_day: int | None = None
    nth: int | None = None
    nth_weekday: int | None = None
    end_date: date | None = None
    count: int | None = None
    auto_post: bool = False
    is_bill: bool = False
    remind_days: int = 3
    tolerance_pct: int | None = None


def _invalid(name: str, message: str) -> Invalid:
    return Invalid(message, fields={name: message})


def _account(workspace: Workspace, account_id: int | None, name: str) -> Account:
    key = as_id(account_id)
    account = db.session.scalar(scoped(Account, workspace).where(Account.id == key)) if key else None
    if account is None:
        raise _invalid(name, "Choose one of your accounts.")
    return account


def _schedule_of(data: RecurringInput) -> Schedule:
    schedule = Schedule(
        start=data.start_date, frequency=data.frequency, interval=data.interval, weekdays=tuple(data.weekdays),
        monthly_mode=data.monthly_mode, month_day=data.month_day, nth=data.nth, nth_weekday=data.nth_weekday,
        end=data.end_date, count=data.count,
    )
    try:
        return schedule.validate()
    except ScheduleError as err:
        raise _invalid(err.field, err.message) from None


def _schedule_fields(item: RecurringItem) -> tuple:
    return (item.frequency, item.interval, item.weekdays, item.monthly_mode, item.month_day, item.nth,
            item.nth_weekday, item.start_date, item.end_date, item.count)


def _apply(workspace: Workspace, item: RecurringItem, data: RecurringInput) -> None:
    if data.kind not in KINDS:
        raise _invalid("kind", "Choose a transaction or a transfer.")
    if data.direction not in ("in", "out"):
        raise _invalid("direction", "Choose money in or money out.")
    account = _account(workspace, data.account_id, "account_id")
    amount = checked_amount(data.amount, account.currency)
    to_account, to_amount, category = None, None, None
    if data.kind == "transfer":
        to_account = _account(workspace, data.to_account_id, "to_account_id")
        if to_account.id == account.id:
            raise _invalid("to_account_id", "Choose two different accounts.")
        if to_account.currency != account.currency:
            if data.to_amount is None:
                raise _invalid("to_amount", f"Enter the amount that arrives in {to_account.currency}.")
            to_amount = checked_amount(data.to_amount, to_account.currency, field="to_amount")
        if data.is_bill:
            raise _invalid("is_bill", "A bill is money out of one account, not a transfer.")
    elif data.category_id:
        category = db.session.scalar(scoped(Category, workspace).where(Category.id == as_id(data.category_id)))
        if category is None:
            raise _invalid("category_id", "Choose one of your categories.")
    if data.is_bill and data.direction != "out":
        raise _invalid("direction", "A bill is money out.")
    if not 0 <= data.remind_days <= MAX_REMIND_DAYS:
        raise _invalid("remind_days", f"Remind from 0 to {MAX_REMIND_DAYS} days before.")
    if data.tolerance_pct is not None and not 0 <= data.tolerance_pct <= 100:
        raise _invalid("tolerance_pct", "Enter a tolerance from 0 to 100 per cent, or leave it empty.")
    schedule = _schedule_of(data)
    name = " ".join(data.name.split())[:120] or " ".join(data.payee.split())[:120]
    if not name:
        raise _invalid("name", "Give it a name, such as “Rent”.")
    item.name = name
    item.kind = data.kind
    item.account = account
    item.to_account = to_account
    item.direction = "out" if data.kind == "transfer" else data.direction
    item.amount = amount
    item.to_amount = to_amount
    item.payee = "" if data.kind == "transfer" else " ".join(data.payee.split())[:120]
    item.category = category
    item.memo = data.memo.strip()[:255]
    item.frequency = schedule.frequency
    item.interval = schedule.interval
    item.weekdays = ",".join(str(d) for d in sorted(set(schedule.weekdays))) if schedule.frequency == "weekly" else ""
    item.monthly_mode = schedule.monthly_mode if schedule.frequency == "monthly" else "day"
    by_day = schedule.frequency == "monthly" and schedule.monthly_mode == "day"
    by_nth = schedule.frequency == "monthly" and schedule.monthly_mode == "nth_weekday"
    item.month_day = (schedule.month_day or schedule.start.day) if by_day else None
    item.nth = schedule.nth if by_nth else None
    item.nth_weekday = schedule.nth_weekday if by_nth else None
    item.start_date = schedule.start
    item.end_date = schedule.end
    item.count = schedule.count
    item.auto_post = bool(data.auto_post)
    item.is_bill = bool(data.is_bill)
    item.remind_days = data.remind_days
    item.tolerance_pct = data.tolerance_pct if data.is_bill else None


def create_recurring(workspace: Workspace, data: RecurringInput) -> RecurringItem:
    """Add a recurring item; occurrences count from its start date."""
    item = RecurringItem(workspace_id=workspace.id)
    _apply(workspace, item, data)
    item.effective_from = item.start_date
    db.session.add(item)
    db.session.flush()
    return item


def update_recurring(workspace: Workspace, item: RecurringItem, data: RecurringInput, *,
                     today: date | None = None) -> RecurringItem:
    """Change an item; a changed schedule applies from today, so past dates are never posted again."""
    before = _schedule_fields(item)
    _apply(workspace, item, data)
    if _schedule_fields(item) != before:
        item.effective_from = max(item.start_date, today or date.today())
    db.session.flush()
    return item


def set_paused(item: RecurringItem, paused: bool) -> None:
    """Pause (nothing posts or reminds) or resume an item."""
    item.paused = paused
    db.session.flush()


def delete_recurring(workspace: Workspace, item: RecurringItem) -> None:
    """Delete an item and its occurrence history; the transactions it posted stay."""
    db.session.execute(sa.delete(RecurringOccurrence).where(
        RecurringOccurrence.workspace_id == workspace.id, RecurringOccurrence.recurring_id == item.id))
    db.session.delete(item)
    db.session.flush()


def item_page(workspace: Workspace, number: int = 1) -> Page[RecurringItem]:
    """A page of the workspace's recurring items, by name."""
    return paginate(scoped(RecurringItem, workspace).options(selectinload(RecurringItem.account))
                    .order_by(RecurringItem.name, RecurringItem.id), number, PER_PAGE)


def recent_occurrences(workspace: Workspace, item: RecurringItem, limit: int = 20) -> list[RecurringOccurrence]:
    """The item's latest dealt-with occurrences, newest first."""
    return list(db.session.scalars(
        scoped(RecurringOccurrence, workspace).where(RecurringOccurrence.recurring_id == item.id)
        .order_by(RecurringOccurrence.occurrence_date.desc()).limit(limit)
    ))


# --- Occurrences: exactly once ---------------------------------------------------------------

def begin_write(immediate: bool = False) -> None:
    """Make sure the database transaction has begun before a savepoint.

    pysqlite opens its transaction lazily, at the first INSERT/UPDATE/DELETE; a SAVEPOINT issued
    before that starts a transaction of its own, which its RELEASE commits at once, so a rollback
    later would keep the claimed occurrence without its transaction. Other databases need nothing.
    `immediate` takes SQLite's write lock now, so a concurrent job waits instead of deadlocking.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def claim_occurrence(workspace: Workspace, item: RecurringItem, on: date, status: str, *,
                     transaction_id: int | None = None, immediate: bool = False) -> RecurringOccurrence | None:
    """Insert the occurrence row in a savepoint; None when it exists already (the database decides)."""
    begin_write(immediate)
    occurrence = RecurringOccurrence(workspace_id=workspace.id, recurring_id=item.id, occurrence_date=on,
                                     status=status, transaction_id=transaction_id)
    try:
        with db.session.begin_nested():
            db.session.add(occurrence)
    except sa.exc.IntegrityError:
        return None
    return occurrence


def is_occurrence(item: RecurringItem, on: date) -> bool:
    """Whether the item's schedule falls due on this date (and it is not history)."""
    return on >= item.effective_from and item.schedule.between(on, on) == [on]


def _check_occurrence(item: RecurringItem, on: date) -> None:
    if not isinstance(on, date) or not is_occurrence(item, on):
        raise _invalid("on", f"{item.name} is not due on {on}.")


def _record(workspace: Workspace, item: RecurringItem, on: date) -> Transaction:
    if item.is_transfer:
        source, _ = record_transfer(workspace, TransferInput(
            from_account_id=item.account_id, to_account_id=item.to_account_id or 0, on=on, amount=item.amount,
            to_amount=item.to_amount, memo=item.memo or item.name))
        return source
    return record_entry(workspace, EntryInput(
        account_id=item.account_id, on=on, amount=item.amount, direction=item.direction, payee=item.payee,
        category_id=item.category_id, memo=item.memo), announce=False)


def post_occurrence(workspace: Workspace, item: RecurringItem, on: date, *,
                    immediate: bool = False) -> RecurringOccurrence | None:
    """Post one occurrence as a transaction, exactly once; None when it was already posted, paid or skipped."""
    _check_occurrence(item, on)
    occurrence = claim_occurrence(workspace, item, on, "posted", immediate=immediate)
    if occurrence is None:
        return None
    occurrence.transaction_id = _record(workspace, item, on).id
    db.session.flush()
    return occurrence


def skip_occurrence(workspace: Workspace, item: RecurringItem, on: date) -> RecurringOccurrence | None:
    """Mark one occurrence skipped (nothing is posted); None when it was already dealt with."""
    _check_occurrence(item, on)
    return claim_occurrence(workspace, item, on, "skipped")


def _handled(workspace: Workspace, item_ids: Iterable[int], first: date, last: date) -> set[tuple[int, date]]:
    ids = list(item_ids)
    if not ids:
        return set()
    rows = db.session.execute(
        sa.select(RecurringOccurrence.recurring_id, RecurringOccurrence.occurrence_date).where(
            RecurringOccurrence.workspace_id == workspace.id, RecurringOccurrence.recurring_id.in_(ids),
            RecurringOccurrence.occurrence_date.between(first, last))
    )
    return {(item_id, on) for item_id, on in rows}


def workspaces_with(*, auto_post: bool = False, bills: bool = False) -> list[int]:
    """Ids of workspaces with active auto-posting items (or bills): the jobs serve every workspace."""
    query = sa.select(RecurringItem.workspace_id).where(RecurringItem.paused.is_(False)).distinct()
    if auto_post:
        query = query.where(RecurringItem.auto_post.is_(True))
    if bills:
        query = query.where(RecurringItem.is_bill.is_(True))
    return list(db.session.scalars(query.order_by(RecurringItem.workspace_id)))


def due_occurrences(workspace: Workspace, day: date) -> list[tuple[int, date]]:
    """(item id, date) of auto-posting occurrences up to `day` not yet dealt with, oldest first."""
    items = list(db.session.scalars(scoped(RecurringItem, workspace).where(
        RecurringItem.auto_post.is_(True), RecurringItem.paused.is_(False), RecurringItem.effective_from <= day)))
    floor = day - timedelta(days=CATCH_UP_DAYS)
    handled = _handled(workspace, (i.id for i in items), floor, day)
    due = [(item.id, on) for item in items
           for on in item.schedule.between(max(item.effective_from, floor), day)
           if (item.id, on) not in handled]
    return sorted(due, key=lambda pair: (pair[1], pair[0]))


def get_item(workspace: Workspace, item_id: int) -> RecurringItem:
    item = db.session.scalar(scoped(RecurringItem, workspace).where(RecurringItem.id == as_id(item_id)))
    if item is None:
        raise NotFound("No such recurring item.")
    return item


def notify_posted(workspace: Workspace, item: RecurringItem, dates: Sequence[date]) -> None:
    """Tell the members what an item posted by itself: one notification per item and run, keyed by
    the last date posted, so a repeated run (which posts nothing) never notifies again."""
    if not dates:
        return
    last = max(dates)
    when = (last.isoformat() if len(dates) == 1
            else f"{len(dates)} times, {min(dates).isoformat()} to {last.isoformat()}")
    currency = item.account.currency
    notify(workspace, "recurring_posted", f"Posted {item.name}: {format_money(item.amount, currency)}"
           + ("" if len(dates) == 1 else f" × {len(dates)}"),
           f"recurring:{item.id}:{last.isoformat()}",
           body=f"{item.name} was posted to {item.account.name} ({when}).", url=RECURRING_URL)


def remind_bills(workspace: Workspace, day: date) -> int:
    """Raise a "bill_due" notification for each unpaid bill due within its reminder days; returns how many."""
    bills = list(db.session.scalars(scoped(RecurringItem, workspace).where(
        RecurringItem.is_bill.is_(True), RecurringItem.paused.is_(False))
        .options(selectinload(RecurringItem.account))))
    if not bills:
        return 0
    horizon = day + timedelta(days=max(b.remind_days for b in bills))
    handled = _handled(workspace, (b.id for b in bills), day, horizon)
    raised = 0
    for bill in bills:
        for on in bill.schedule.between(max(day, bill.effective_from), day + timedelta(days=bill.remind_days)):
            if (bill.id, on) in handled:
                continue
            when = "today" if on == day else "tomorrow" if on == day + timedelta(days=1) else f"on {on.isoformat()}"
            begin_write(immediate=True)
            created = notify(workspace, "bill_due", f"{bill.name} is due {when}",
                             f"bill:{bill.id}:{on.isoformat()}",
                             body=f"Expected {format_money(bill.amount, bill.account.currency)} "
                                  f"from {bill.account.name}.",
                             url=RECURRING_URL)
            raised += 1 if created else 0
    return raised


# --- Bills matched by payments ----------------------------------------------------------------

def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def payee_matches(expected: str, payee: str, memo: str = "") -> bool:
    """A bill's payee text matches a payment whose payee (or memo) contains it, or the other way round."""
    want = _words(expected)
    if not want:
        return True
    have = _words(payee)
    return want in have or want in _words(memo) or (bool(have) and have in want)


def amount_matches(bill: RecurringItem, amount: Decimal) -> bool:
    """Exact when the bill has no tolerance; else within `tolerance_pct` per cent of the expected amount."""
    paid = abs(amount)
    if bill.tolerance_pct is None:
        return paid == bill.amount
    return abs(paid - bill.amount) * 100 <= bill.amount * bill.tolerance_pct


def match_bills(workspace: Workspace, transaction_ids: Sequence[int]) -> int:
    """Mark bills paid by these (new or imported) transactions; returns how many bills were marked.

    A transaction pays a bill when it is money out of the bill's account, its amount is the expected
    amount (or within the bill's tolerance), its payee or memo contains the bill's payee text (any,
    when the bill has none), and its date is within MATCH_WINDOW_DAYS of a due date not yet dealt
    with. The nearest such due date is marked paid, linked to the transaction; a transaction pays one
    bill at most, and one already linked to an occurrence (posted by us) pays none.
    """
    ids = sorted({key for key in map(as_id, transaction_ids) if key is not None})
    if not ids:
        return 0
    bills = list(db.session.scalars(scoped(RecurringItem, workspace).where(
        RecurringItem.is_bill.is_(True), RecurringItem.paused.is_(False), RecurringItem.kind == "entry")))
    if not bills:
        return 0
    marked = 0
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        rows = db.session.execute(
            sa.select(Transaction.id, Transaction.account_id, Transaction.on, Transaction.amount,
                      Transaction.memo, Payee.name)
            .outerjoin(Payee, Payee.id == Transaction.payee_id)
            .where(Transaction.workspace_id == workspace.id, Transaction.id.in_(chunk), Transaction.amount < 0)
            .order_by(Transaction.on, Transaction.id)
        ).all()
        if not rows:
            continue
        linked = set(db.session.scalars(sa.select(RecurringOccurrence.transaction_id).where(
            RecurringOccurrence.workspace_id == workspace.id, RecurringOccurrence.transaction_id.in_(chunk))))
        window = timedelta(days=MATCH_WINDOW_DAYS)
        handled = _handled(workspace, (b.id for b in bills), rows[0].on - window, rows[-1].on + window)
        for txn_id, account_id, on, amount, memo, payee in rows:
            if txn_id in linked:
                continue
            candidates = [
                (abs((due - on).days), due, bill)
                for bill in bills
                if bill.account_id == account_id and amount_matches(bill, amount)
                and payee_matches(bill.payee, payee or "", memo or "")
                for due in bill.schedule.between(max(on - window, bill.effective_from), on + window)
                if (bill.id, due) not in handled
            ]
            for _, due, bill in sorted(candidates, key=lambda c: (c[0], c[1], c[2].id)):
                if claim_occurrence(workspace, bill, due, "paid", transaction_id=txn_id) is not None:
                    handled.add((bill.id, due))
                    marked += 1
                    break
    db.session.flush()
    return marked


def bill_paid_by(workspace: Workspace, transaction_id: int) -> RecurringItem | None:
    """The bill this transaction was matched to as its payment, if any."""
    return db.session.scalar(
        scoped(RecurringItem, workspace).join(RecurringOccurrence, RecurringOccurrence.recurring_id == RecurringItem.id)
        .where(RecurringOccurrence.workspace_id == workspace.id, RecurringOccurrence.transaction_id == transaction_id,
               RecurringOccurrence.status == "paid").limit(1))


# --- The upcoming list ------------------------------------------------------------------------

@dataclass(frozen=True)
class UpcomingOccurrence:
    item: RecurringItem
    on: date
    amount: Decimal  # signed from the (source) account's side
    currency: str
    overdue: bool

    @property
    def needs_confirm(self) -> bool:
        return not self.item.auto_post


@dataclass
class CurrencyTotal:
    currency: str
    incoming: Decimal = Decimal(0)
    outgoing: Decimal = Decimal(0)

    @property
    def net(self) -> Decimal:
        return self.incoming - self.outgoing


@dataclass
class Upcoming:
    first: date
    last: date
    occurrences: list[UpcomingOccurrence] = field(default_factory=list)
    totals: list[CurrencyTotal] = field(default_factory=list)

    @property
    def bills(self) -> list[UpcomingOccurrence]:
        return [o for o in self.occurrences if o.item.is_bill]


def upcoming(workspace: Workspace, days: int = 30, *, today: date | None = None) -> Upcoming:
    """Occurrences due from today to `days` ahead not yet dealt with, plus those still waiting for
    confirmation from the last OVERDUE_DAYS; totals in and out per account currency (transfers,
    which move money between your own accounts, are listed but not totalled)."""
    today = today or date.today()
    days = max(0, min(days, 366))
    last = today + timedelta(days=days)
    first = today - timedelta(days=OVERDUE_DAYS)
    items = list(db.session.scalars(
        scoped(RecurringItem, workspace).where(RecurringItem.paused.is_(False), RecurringItem.effective_from <= last)
        .options(selectinload(RecurringItem.account), selectinload(RecurringItem.to_account))
    ))
    handled = _handled(workspace, (i.id for i in items), first, last)
    result = Upcoming(first=today, last=last)
    totals: dict[str, CurrencyTotal] = {}
    for item in items:
        since = max(item.effective_from, today if item.auto_post else first)
        for on in item.schedule.between(since, last):
            if (item.id, on) in handled:
                continue
            currency = item.account.currency
            result.occurrences.append(UpcomingOccurrence(item, on, item.signed_amount, currency, on < today))
            if not item.is_transfer:
                total = totals.setdefault(currency, CurrencyTotal(currency))
                if item.direction == "in":
                    total.incoming += item.amount
                else:
                    total.outgoing += item.amount
    result.occurrences.sort(key=lambda o: (o.on, o.item.name.casefold(), o.item.id))
    result.totals = [totals[c] for c in sorted(totals)]
    return result
