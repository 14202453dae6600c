"""What the import wizard keeps between requests, typed: `WizardState` on the batch, `PreviewRow`s beside
the upload.

`WizardState` is the batch's `options` JSON (the column is unchanged, and so are its keys: a batch
staged before this module existed loads as it was). It is read and written only here: `load(batch)`
ignores what it does not know and falls back to the default for a value of the wrong type, `save`
writes it back, `change(batch, **fields)` does both for a few fields (an unknown name is a TypeError).

`PreviewRow` is one row of the preview file (one JSON object per line after its status and key, so
counting and filtering need not parse the JSON); `amount` and the match's amount are exact strings.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from typing import Any

from financeapp.imports.models import ImportBatch


@dataclass
class WizardState:
    csv_mapping: dict[str, Any] | None = None  # the parser's CsvMapping.to_dict(), once the columns are chosen
    mapping_id: int | None = None  # the saved mapping it is (it remembers the account too)
    statements: list[dict[str, Any]] | None = None  # services.summarise() of the file; None until parsed
    warnings: list[str] = field(default_factory=list)  # the parser's, then the plan's
    accounts: dict[str, Any] = field(default_factory=dict)  # statement index -> account id or "new"
    account_id: int | None = None  # the default account (the CLI's --account)
    force: list[str] = field(default_factory=list)  # keys of duplicates to import anyway
    skip: list[str] = field(default_factory=list)  # keys of new rows to leave out
    skip_errors: bool = False  # import the good rows, leave out those with errors
    analysed: bool = False  # the preview file is current
    targets: list[str] = field(default_factory=list)  # where each statement goes, as the preview says it
    target_how: list[str] = field(default_factory=list)
    skipped_notes: list[str] = field(default_factory=list)
    sums: list[list[Any]] = field(default_factory=list)  # [account, currency, sum, count] of the rows to import
    job: str | None = None  # the step running ("analyse" | "commit")
    mode: str | None = None  # how it runs ("now" | "page" | "queued")
    created_accounts: list[int] = field(default_factory=list)  # what the commit created: undo removes them
    created_categories: list[int] = field(default_factory=list)
    created_labels: list[int] = field(default_factory=list)
    transfers_found: int = 0  # pairs the imported rows make with rows already there (the result page links them)
    investment: bool = False  # an investment statement: trades (investments/importing.py), not bank rows
    created_securities: list[int] = field(default_factory=list)  # what an investment import created: undo
    created_prices: list[int] = field(default_factory=list)  # removes them once nothing uses them

    @classmethod
    def load(cls, batch: ImportBatch) -> WizardState:
        try:
            data = json.loads(batch.options or "{}")
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        state = cls()
        for f in fields(cls):
            if f.name in data and _fits(f.name, data[f.name], getattr(state, f.name)):
                setattr(state, f.name, data[f.name])
        return state

    def save(self, batch: ImportBatch) -> WizardState:
        batch.options = json.dumps(asdict(self), default=str)
        return self

    @classmethod
    def change(cls, batch: ImportBatch, **changes: Any) -> WizardState:
        state = cls.load(batch)
        for name, value in changes.items():
            if name not in _NAMES:
                raise TypeError(f"WizardState has no field {name!r}")
            setattr(state, name, value)
        return state.save(batch)


_NAMES = frozenset(f.name for f in fields(WizardState))
_OPTIONAL = {"csv_mapping": dict, "statements": list, "account_id": int, "job": str, "mode": str, "mapping_id": int}


def _fits(name: str, value: Any, default: Any) -> bool:
    """Whether a stored value has the field's type (JSON keeps dicts, lists, strings, numbers, booleans)."""
    if value is None:
        return name in _OPTIONAL
    kind = _OPTIONAL.get(name) or type(default)
    return type(value) is kind if kind in (int, bool) else isinstance(value, kind)


@dataclass(frozen=True)
class PreviewMatch:
    """The transaction a duplicate matches."""

    transaction_id: int
    date: str
    amount: Decimal
    payee: str
    memo: str
    kind: str


@dataclass
class PreviewRow:
    """One row of the preview: what happens to it and why."""

    key: str  # "<statement>:<index>"
    status: str  # new | duplicate | error
    row: int  # the file's row (CSV line, QIF record...)
    date: str
    amount: Decimal
    currency: str
    account: str
    payee: str
    file_payee: str
    memo: str
    category: str
    labels: list[str]
    rule: str
    reason: str
    split: int  # number of split lines (0: not split)
    transfer: str = ""  # the other account, for a side of a transfer
    match: PreviewMatch | None = None
    include: bool = False  # with the user's choices, set when read

    def to_line(self) -> str:
        data = asdict(self)
        data.pop("include")
        return f"{self.status}\t{self.key}\t{json.dumps(data, ensure_ascii=False, default=str)}\n"

    @classmethod
    def from_json(cls, text: str) -> PreviewRow:
        data = json.loads(text)
        match = data.pop("match", None)
        row = cls(**{**data, "amount": Decimal(data["amount"])})
        if match:
            row.match = PreviewMatch(**{**match, "amount": Decimal(match["amount"])})
        return row
