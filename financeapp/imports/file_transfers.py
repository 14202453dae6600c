"""Transfers a file states (a transfer-account column, QIF `L[Account]`): each becomes one transfer
with both sides, however many of the file's accounts list it.

A row of account A that names account B is one side. Its other side is the unpaired row of B that
names A with the opposite amount (with another currency, any opposite amount), dated nearest and at
most `WINDOW_DAYS` apart (a bank may book the receiving side a day or two later);
when B's rows do not list it (B is not in the file, or its export left it out), the other side is
written from this one into B (`ParsedFile.made`), so it is never counted twice nor missing. Pure:
works on a ParsedFile, before any account is chosen.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from financeapp.imports.parsed import ParsedFile, ParsedStatement, ParsedTransaction, RowRef
from financeapp.imports.parsers.ledger import fold

WINDOW_DAYS = 3


def _name(statement: ParsedStatement) -> str:
    return fold(statement.account_name or statement.account_number)


def link_transfers(parsed: ParsedFile) -> ParsedFile:
    """Fill in `parsed.transfers` (and `parsed.made`), adding the sides the file lacks; once per file."""
    if parsed.linked:
        return parsed
    parsed.linked = True
    by_name = {_name(s): i for i, s in reversed(list(enumerate(parsed.statements))) if _name(s)}
    waiting: dict[tuple[int, str], list[int]] = defaultdict(list)  # (statement, other account) -> rows
    for s, statement in enumerate(parsed.statements):
        for i, txn in enumerate(statement.transactions):
            if txn.transfer_account:
                waiting[(s, fold(txn.transfer_account))].append(i)
    paired: set[RowRef] = set()
    for s in range(len(parsed.statements)):
        statement = parsed.statements[s]
        for i, txn in enumerate(list(statement.transactions)):
            if not txn.transfer_account or (s, i) in paired:
                continue
            other = fold(txn.transfer_account)
            if other == _name(statement):
                continue
            target = by_name.get(other)
            match = _counterpart(parsed, waiting, paired, s, txn, target) if target is not None else None
            if match is None:
                target = target if target is not None else _add_statement(parsed, by_name, txn.transfer_account,
                                                                          statement)
                match = (target, _write_other_side(parsed, target, txn, statement))
                parsed.made.add(match)
            paired.update({(s, i), match})
            parsed.transfers.append(((s, i), match))
    return parsed


def _counterpart(parsed: ParsedFile, waiting: dict[tuple[int, str], list[int]], paired: set[RowRef],
                 s: int, txn: ParsedTransaction, target: int) -> RowRef | None:
    """The row of the other account that is this transfer's other side, if the file has it."""
    rows = parsed.statements[target].transactions
    candidates = [i for i in waiting.get((target, _name(parsed.statements[s])), [])
                  if (target, i) not in paired and abs((rows[i].on - txn.on).days) <= WINDOW_DAYS]
    currencies = {parsed.statements[s].currency, parsed.statements[target].currency}
    two_currencies = None not in currencies and len(currencies) == 2  # then the amounts differ
    fitting = [i for i in candidates if rows[i].amount == -txn.amount
               or (two_currencies and (rows[i].amount > 0) != (txn.amount > 0))]
    if not fitting:
        return None
    return target, min(fitting, key=lambda i: (abs((rows[i].on - txn.on).days), rows[i].amount != -txn.amount))


def _add_statement(parsed: ParsedFile, by_name: dict[str, int], name: str, like: ParsedStatement) -> int:
    """A statement for an account the file names only as a transfer's other side."""
    parsed.statements.append(ParsedStatement(account_name=name.strip()[:80], currency=like.currency))
    by_name[fold(name)] = len(parsed.statements) - 1
    return len(parsed.statements) - 1


def _write_other_side(parsed: ParsedFile, target: int, txn: ParsedTransaction, source: ParsedStatement) -> int:
    other_side = replace(txn, amount=-txn.amount, external_id=None, category="", splits=(),
                         transfer_account=source.account_name or source.account_number)
    parsed.statements[target].transactions.append(other_side)
    return len(parsed.statements[target].transactions) - 1
