"""The rules engine: the contract with its callers, and matching compiled once per batch.

`financeapp.rules.services.apply_rules(workspace, subjects) -> list[RuleOutcome]` returns one
outcome per subject, in order: what the first matching rule(s) would set.

Semantics (documented for users on the rules page too):

- Rules are tried in order (`position`); inactive rules are skipped.
- A rule matches when every condition it has holds: its text condition (on the payee, the
  memo, or either; `contains` and `equals` ignore case and runs of spaces; a regular
  expression is searched case-insensitively), the absolute amount within [min, max], the
  sign (money in, money out, any) and the account.
- **First matching rule wins, per action**: the payee comes from the first matching rule
  that sets a payee, the category from the first matching rule that sets a category, and
  the labels from the first matching rule that adds labels. So a specific rule early in the
  list and a broad one below it combine. Conditions always read the original text (a
  rename by an earlier rule does not feed later rules).
- `RuleOutcome.rule_id`/`rule_name` name the first matching rule (the one that explains
  most of the outcome); None when no rule matched.

Regular expressions are checked when saved (`regex_problem`): at most 200 characters, no
back-references, no repeat inside a repeated group, no alternative (`|`) inside a
repeated group, at most two open-ended repeats; together with matching only the first
255 characters of a text, this keeps every pattern linear-ish without any timeout.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

try:  # the standard library's own regex parser; private, so guarded
    from re import _constants as _sre_constants  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as _sre_constants  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]


@dataclass(frozen=True)
class RuleSubject:
    payee: str
    memo: str
    amount: Decimal  # signed
    account_id: int


@dataclass(frozen=True)
class RuleOutcome:
    rule_id: int | None = None  # the rule that matched; None when none did
    rule_name: str = ""
    payee: str | None = None  # rename to this payee
    category_id: int | None = None
    labels: tuple[str, ...] = ()


NO_MATCH = RuleOutcome()
REGEX_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 255  # only this much of a payee or memo is matched
MAX_OPEN_REPEATS = 2
_OPEN_ENDED = 16  # a repeat allowing more than this many is treated as unbounded


def normalise(text: str | None) -> str:
    """Case-folded, runs of whitespace collapsed, cut to the matched length."""
    return " ".join((text or "")[:TEXT_MAX_LENGTH].split()).casefold()


def regex_problem(pattern: str) -> str | None:
    """Why a regular expression is refused, or None when it is acceptable."""
    if not pattern:
        return "Enter a regular expression."
    if len(pattern) > REGEX_MAX_LENGTH:
        return f"Use at most {REGEX_MAX_LENGTH} characters in a regular expression."
    try:
        re.compile(pattern)
        parsed = _sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError) as err:
        message = getattr(err, "msg", None) or str(err)
        position = getattr(err, "pos", None)
        where = f" at character {position + 1}" if isinstance(position, int) else ""
        return f"That is not a valid regular expression: {message}{where}."
    try:
        open_repeats = _check(parsed)
    except _Refused as refused:
        return str(refused)
    if open_repeats > MAX_OPEN_REPEATS:
        return (f"Use at most {MAX_OPEN_REPEATS} open-ended repeats (*, + or {{n,}}) in one expression; "
                "more can make matching very slow.")
    return None


class _Refused(Exception):
    pass


_REPEATS = {_sre_constants.MAX_REPEAT, _sre_constants.MIN_REPEAT}
if hasattr(_sre_constants, "POSSESSIVE_REPEAT"):
    _REPEATS.add(_sre_constants.POSSESSIVE_REPEAT)


def _check(items: Iterable[tuple[Any, Any]], *, in_open: bool = False, in_multi: bool = False) -> int:
    """Walk a parsed pattern; count open-ended repeats and refuse the catastrophic shapes.

    `in_open`: inside an open-ended repeat; `in_multi`: inside any repeat of more than once.
    """
    count = 0
    for op, arg in items:
        if op in _REPEATS:
            _low, high, body = arg
            open_ended = high == _sre_constants.MAXREPEAT or high > _OPEN_ENDED
            if open_ended:
                if in_multi:
                    raise _Refused("A repeat inside a repeated group (like (a+)+) can take forever; "
                                   "rewrite it without the nesting.")
                count += 1
            count += _check(body, in_open=in_open or open_ended, in_multi=in_multi or high > 1)
        elif op in (_sre_constants.GROUPREF, getattr(_sre_constants, "GROUPREF_EXISTS", None)):
            raise _Refused("Back-references (\\1, (?P=name), (?(1)...)) are not supported in rules.")
        elif op == _sre_constants.BRANCH:
            if in_open:
                raise _Refused("An alternative (|) inside a repeated group (like (a|b)+) can take forever; "
                               "repeat a character class such as [ab]+ instead.")
            for branch in arg[1]:
                count += _check(branch, in_open=in_open, in_multi=in_multi)
        elif op == _sre_constants.SUBPATTERN:
            count += _check(arg[-1], in_open=in_open, in_multi=in_multi)
        elif op in (_sre_constants.ASSERT, _sre_constants.ASSERT_NOT):
            count += _check(arg[1], in_open=in_open, in_multi=in_multi)
        elif op == getattr(_sre_constants, "ATOMIC_GROUP", object()):
            count += _check(arg, in_open=in_open, in_multi=in_multi)
    return count


@dataclass(frozen=True)
class RuleSpec:
    """What the engine needs of one rule (a plain copy of the row, so it is cheap and picklable)."""

    id: int
    name: str
    match_field: str = "payee"
    match_op: str = "contains"
    match_text: str = ""
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    sign: str = "any"
    account_id: int | None = None
    set_payee: str = ""
    set_category_id: int | None = None
    labels: tuple[str, ...] = ()


class CompiledRule:
    """One rule as plain values the engine's loop reads without method calls."""

    __slots__ = ("account_id", "amount_max", "amount_min", "category_id", "field", "id", "labels", "name",
                 "payee", "regex", "sign", "text", "text_test")

    def __init__(self, spec: RuleSpec):
        self.id = spec.id
        self.name = spec.name
        self.account_id = spec.account_id
        self.amount_min = spec.amount_min
        self.amount_max = spec.amount_max
        self.sign = {"in": 1, "out": -1}.get(spec.sign, 0)
        self.field = spec.match_field
        self.payee = spec.set_payee or None
        self.category_id = spec.set_category_id
        self.labels = spec.labels
        self.regex = None
        self.text = ""
        self.text_test = ""  # "": no text condition
        if spec.match_text:
            if spec.match_op == "regex":
                # A pattern saved before the checks tightened is refused here, never run.
                if regex_problem(spec.match_text) is None:
                    self.regex = re.compile(spec.match_text, re.IGNORECASE)
                    self.text_test = "regex"
                else:
                    self.text_test = "never"
            else:
                self.text = normalise(spec.match_text)
                self.text_test = spec.match_op

    def text_matches(self, payee: str, memo: str, payee_text: str, memo_text: str) -> bool:
        """The text condition (True when the rule has none); `*_text` are the normalised forms."""
        test = self.text_test
        if not test:
            return True
        if test == "never":
            return False
        field = self.field
        if test == "regex":
            search = self.regex.search  # type: ignore[union-attr]
            return ((field != "memo" and search(payee[:TEXT_MAX_LENGTH]) is not None)
                    or (field != "payee" and search(memo[:TEXT_MAX_LENGTH]) is not None))
        if test == "contains":
            return ((field != "memo" and self.text in payee_text)
                    or (field != "payee" and self.text in memo_text))
        return (field != "memo" and self.text == payee_text) or (field != "payee" and self.text == memo_text)


class _TextEntry:
    """The rules whose text condition holds for one (payee, memo), and outcomes cached for it."""

    __slots__ = ("by_context", "candidates", "needs_amount")

    def __init__(self, candidates: tuple[CompiledRule, ...]):
        self.candidates = candidates
        self.needs_amount = any(r.amount_min is not None or r.amount_max is not None for r in candidates)
        self.by_context: dict[tuple[int, int], RuleOutcome] = {}


class RuleEngine:
    """Rules compiled once; `outcome()` per subject, first match wins per action.

    Speed, for 100,000 import rows: the text conditions depend only on the payee and memo, so
    which rules' text holds is worked out once per distinct (payee, memo) and cached (bounded);
    one combined regular expression per field tells at once whether any "contains" rule can
    hold; "equals" rules are a dictionary look-up. Where no candidate rule has an amount range,
    the whole outcome is cached per (account, sign) too.
    """

    CACHE_LIMIT = 50_000

    def __init__(self, specs: Sequence[RuleSpec]):
        self.rules = [CompiledRule(spec) for spec in specs]
        self._position = {rule: index for index, rule in enumerate(self.rules)}.__getitem__
        self._always = tuple(rule for rule in self.rules if not rule.text_test)
        self._regex_rules = [rule for rule in self.rules if rule.text_test == "regex"]
        self._contains: dict[str, list[CompiledRule]] = {"payee": [], "memo": []}
        self._equals: dict[str, dict[str, list[CompiledRule]]] = {"payee": {}, "memo": {}}
        for rule in self.rules:
            fields = ("payee", "memo") if rule.field == "any" else (rule.field,)
            for field in fields:
                if rule.text_test == "contains":
                    self._contains[field].append(rule)
                elif rule.text_test == "equals":
                    self._equals[field].setdefault(rule.text, []).append(rule)
        self._prefilter = {
            field: re.compile("|".join(sorted({re.escape(rule.text) for rule in rules}, key=len, reverse=True)))
            if rules else None
            for field, rules in self._contains.items()
        }
        self._texts: dict[tuple[str, str], _TextEntry] = {}

    def _matching_texts(self, payee: str, memo: str) -> tuple[CompiledRule, ...]:
        payee_text = normalise(payee)
        memo_text = normalise(memo)
        matched: list[CompiledRule] = []
        for field, text in (("payee", payee_text), ("memo", memo_text)):
            prefilter = self._prefilter[field]
            if prefilter is not None and prefilter.search(text) is not None:
                matched.extend(rule for rule in self._contains[field] if rule.text in text)
            equal = self._equals[field].get(text)
            if equal:
                matched.extend(equal)
        for rule in self._regex_rules:
            if rule.text_matches(payee, memo, payee_text, memo_text):
                matched.append(rule)
        if not matched:
            return self._always
        return tuple(sorted({*matched, *self._always}, key=self._position))

    def _entry(self, payee: str, memo: str) -> _TextEntry:
        key = (payee, memo)
        entry = self._texts.get(key)
        if entry is None:
            if len(self._texts) >= self.CACHE_LIMIT:
                self._texts.clear()
            entry = self._texts[key] = _TextEntry(self._matching_texts(payee, memo))
        return entry

    def outcome(self, subject: RuleSubject) -> RuleOutcome:
        if not self.rules:
            return NO_MATCH
        entry = self._entry(subject.payee or "", subject.memo or "")
        if not entry.candidates:
            return NO_MATCH
        amount = subject.amount
        sign = 1 if amount > 0 else -1 if amount < 0 else 0
        if entry.needs_amount:
            return self._decide(entry.candidates, subject.account_id, sign, -amount if sign < 0 else amount)
        context = (subject.account_id, sign)
        found = entry.by_context.get(context)
        if found is None:
            found = entry.by_context[context] = self._decide(entry.candidates, subject.account_id, sign, None)
        return found

    @staticmethod
    def _decide(candidates: tuple[CompiledRule, ...], account_id: int, sign: int,
                size: Decimal | None) -> RuleOutcome:
        first: CompiledRule | None = None
        payee: str | None = None
        category_id: int | None = None
        labels: tuple[str, ...] | None = None
        for rule in candidates:
            if rule.account_id is not None and rule.account_id != account_id:
                continue
            if rule.sign and rule.sign != sign:
                continue
            if size is not None:
                if rule.amount_min is not None and size < rule.amount_min:
                    continue
                if rule.amount_max is not None and size > rule.amount_max:
                    continue
            if first is None:
                first = rule
            if payee is None and rule.payee:
                payee = rule.payee
            if category_id is None and rule.category_id is not None:
                category_id = rule.category_id
            if labels is None and rule.labels:
                labels = rule.labels
            if payee is not None and category_id is not None and labels is not None:
                break
        if first is None:
            return NO_MATCH
        return RuleOutcome(rule_id=first.id, rule_name=first.name, payee=payee, category_id=category_id,
                           labels=labels or ())

    def outcomes(self, subjects: Sequence[RuleSubject]) -> list[RuleOutcome]:
        outcome = self.outcome
        return [outcome(subject) for subject in subjects]
