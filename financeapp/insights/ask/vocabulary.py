"""The names a question may use: the workspace's categories, groups, payees, accounts and labels,
a table of synonyms, fuzzy matching for misspellings (rapidfuzz) and the aliases it learned.

How a phrase resolves, first match wins:
1. a learned alias of the workspace (the user picked it from a "Did you mean");
2. a name, exactly (case, accents and punctuation aside; "Everyday: Groceries" too);
3. a synonym ("eating out" / "restaurants" / "dining"): any name of its set, exactly;
4. the phrase's words all in exactly one name ("checking" for "Everyday Checking");
5. a close spelling (Levenshtein ratio, plain or token-sorted, >= ACCEPT, clearly ahead of the next name),
   against the names and the synonyms: "resturants" -> "restaurants" -> Eating out.
A phrase that comes close to several names, or only fairly close to one, is not guessed: the
parser answers "Did you mean" with the candidates, and picking one teaches an alias (`learn`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from rapidfuzz import fuzz, process
from sqlalchemy.orm import aliased

from financeapp.accounts.models import Account
from financeapp.categories.models import Category
from financeapp.core.errors import Invalid, NotFound
from financeapp.extensions import db
from financeapp.insights.ask.models import ALIAS_KINDS, AskAlias
from financeapp.labels.models import Label
from financeapp.payees.models import Payee
from financeapp.workspaces.models import Workspace

ACCEPT = 85  # a close spelling taken without asking (one slip in a 6-letter word scores 91)
SUGGEST = 70  # below this a phrase is simply unknown
LEAD = 4  # how far the best name must be ahead of the next one to be taken
MAX_PHRASE = 120

# Sets of words for one thing; the first names found in a workspace win. Names of the default and demo
# categories first in each set, then what people call them.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("eating out", "restaurants", "restaurant", "dining", "dining out", "takeaway", "takeout", "take out",
     "meals out", "food out", "eating"),
    ("groceries", "grocery", "supermarket", "supermarkets", "food shopping", "food"),
    ("coffee", "cafe", "cafes", "coffee shops", "coffees"),
    ("fuel", "gas", "petrol", "gasoline"),
    ("rent or mortgage", "rent", "mortgage", "housing"),
    ("utilities", "electricity", "power", "water bill", "energy"),
    ("internet and phone", "internet", "phone", "mobile", "broadband", "cell phone"),
    ("public transport", "transit", "bus", "train", "trains", "metro", "subway", "public transportation"),
    ("taxi", "taxis", "cab", "cabs", "rideshare", "ride share"),
    ("pharmacy", "drugstore", "chemist", "medicine", "medicines"),
    ("fitness", "gym", "sport", "sports"),
    ("entertainment", "fun", "movies", "cinema", "going out"),
    ("subscriptions", "streaming", "subscription"),
    ("travel", "holidays", "holiday", "trips", "flights", "hotels"),
    ("salary", "wages", "wage", "paycheck", "paychecks", "payroll", "pay"),
    ("gifts", "presents", "gift"),
    ("clothing", "clothes", "apparel", "fashion"),
    ("personal care", "haircuts", "haircut", "toiletries", "beauty"),
    ("household supplies", "household", "cleaning supplies", "home supplies"),
    ("car maintenance", "car repairs", "car service", "servicing"),
    ("car insurance", "auto insurance", "motor insurance"),
    ("health insurance", "medical insurance"),
    ("doctor", "doctors", "medical", "gp", "dentist"),
    ("childcare", "daycare", "nursery", "babysitting"),
    ("pets", "pet", "vet", "pet care"),
    ("bank fees", "fees", "bank charges"),
    ("taxes", "tax"),
    ("interest paid", "interest charges"),
    ("books", "reading", "ebooks"),
    ("hobbies", "hobby"),
    ("education", "school", "tuition", "courses"),
    ("furniture", "furnishings"),
    ("repairs", "home repairs", "maintenance"),
    ("parking", "car park"),
    ("dividends", "dividend"),
    ("bonus", "bonuses"),
)
_SYNONYM_OF: dict[str, tuple[str, ...]] = {word: group for group in SYNONYMS for word in group}
KIND_ORDER = {"category": 0, "group": 1, "label": 2, "account": 3, "payee": 4}  # an exact tie goes to the first


def normalise(text: str) -> str:
    """Lower case, accents and punctuation off, one space between words, no leading "the"/"my"."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ").replace("'", "")
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    return re.sub(r"^(?:the|my|our|a)\s+", "", text)


@dataclass(frozen=True)
class Entity:
    """A row a question can be about."""

    kind: str  # category, group, payee, account, label
    id: int
    name: str  # as the answer shows it ("Everyday: Groceries")
    income: bool = False  # an income category or group
    currency: str = ""  # an account's

    @property
    def ref(self) -> tuple[str, int]:
        return self.kind, self.id


@dataclass
class Resolution:
    """What a phrase means: one entity, or candidates to ask about (or nothing)."""

    phrase: str
    entity: Entity | None = None
    how: str = ""  # alias, exact, synonym, words, spelling
    candidates: list[Entity] = field(default_factory=list)


@dataclass
class Vocabulary:
    """One workspace's names and aliases, with their lookup tables (see `load`)."""

    entities: list[Entity]
    aliases: dict[str, Entity]
    by_key: dict[str, list[Entity]] = field(default_factory=dict)
    _choices: list[str] = field(default_factory=list)
    _words: list[tuple[frozenset[str], list[Entity]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for entity in self.entities:
            for key in self.keys(entity):
                self.by_key.setdefault(key, []).append(entity)
        for found in self.by_key.values():
            found.sort(key=lambda e: KIND_ORDER[e.kind])
        self._choices = sorted(set(self.by_key) | set(_SYNONYM_OF))
        self._words = [(frozenset(key.split()), found) for key, found in self.by_key.items()]

    @staticmethod
    def keys(entity: Entity) -> set[str]:
        keys = {normalise(entity.name)}
        if entity.kind == "category" and ": " in entity.name:
            keys.add(normalise(entity.name.split(": ", 1)[1]))
        if entity.kind == "account":
            keys.add(re.sub(r"\s+account$", "", normalise(entity.name)))
        return {key for key in keys if key}

    def exact(self, key: str) -> list[Entity]:
        return self.by_key.get(key, [])

    def resolve(self, phrase: str) -> Resolution:
        """The entity `phrase` names (see the module docstring for the order)."""
        key = normalise(phrase)[:MAX_PHRASE]
        result = Resolution(key)
        if not key:
            return result
        if key in self.aliases:
            return Resolution(key, self.aliases[key], "alias")
        found = self.exact(key)
        if found:
            return self._one(result, found, "exact")
        for word in _SYNONYM_OF.get(key, ()):
            if self.exact(word):
                return self._one(result, self.exact(word), "synonym")
        words = set(key.split())
        if len(key) >= 3:
            containing = {e.ref: e for k, es in self._words if words <= k for e in es}
            if len(containing) == 1:
                return Resolution(key, next(iter(containing.values())), "words")
            if len(containing) > 1:
                result.candidates = sorted(containing.values(), key=lambda e: (KIND_ORDER[e.kind], e.name))[:5]
                return result
        if len(key) < 4:  # "car", "gas": too short to guess a spelling
            return result
        return self._spelling(result, key)

    def _one(self, result: Resolution, found: list[Entity], how: str) -> Resolution:
        best = [e for e in found if KIND_ORDER[e.kind] == KIND_ORDER[found[0].kind]]
        if len(best) == 1:
            return Resolution(result.phrase, best[0], how)
        result.candidates = best[:5]  # two categories of one name in different groups
        return result

    def _spelling(self, result: Resolution, key: str) -> Resolution:
        scored: dict[tuple[str, int], tuple[float, Entity]] = {}
        # Plain ratio for a slip inside a word, token-sorted for words in another order (a slip can move a
        # word in the sorted order, so one alone misses some): the better of the two counts.
        matches = [match for scorer in (fuzz.ratio, fuzz.token_sort_ratio)
                   for match in process.extract(key, self._choices, scorer=scorer, limit=8, score_cutoff=SUGGEST)]
        for choice, score, _ in matches:
            targets = self.exact(choice) or next(
                (self.exact(word) for word in _SYNONYM_OF.get(choice, ()) if self.exact(word)), [])
            for entity in targets:
                if entity.ref not in scored or scored[entity.ref][0] < score:
                    scored[entity.ref] = (score, entity)
        ranked = sorted(scored.values(), key=lambda pair: (-pair[0], KIND_ORDER[pair[1].kind], pair[1].name))
        if not ranked:
            return result
        best_score, best = ranked[0]
        second = ranked[1][0] if len(ranked) > 1 else 0
        if best_score >= ACCEPT and best_score - second >= LEAD:
            return Resolution(result.phrase, best, "spelling", [e for _, e in ranked[1:4]])
        result.candidates = [e for _, e in ranked[:5]]
        return result


_CACHE: OrderedDict[int, tuple[tuple, Vocabulary]] = OrderedDict()
CACHE_SIZE = 32  # workspaces whose vocabulary a process keeps


def _rows(workspace: Workspace) -> tuple[tuple[Any, ...], ...]:
    """The workspace's names and aliases as plain rows, in five small indexed queries."""
    parent = aliased(Category)
    run = db.session.execute
    return (
        tuple(tuple(row) for row in run(
            sa.select(Category.id, Category.name, Category.kind, Category.parent_id, parent.name)
            .outerjoin(parent, parent.id == Category.parent_id).where(Category.workspace_id == workspace.id))),
        tuple(tuple(row) for row in run(sa.select(Payee.id, Payee.name).where(Payee.workspace_id == workspace.id))),
        tuple(tuple(row) for row in run(sa.select(Account.id, Account.name, Account.currency)
                                        .where(Account.workspace_id == workspace.id))),
        tuple(tuple(row) for row in run(sa.select(Label.id, Label.name).where(Label.workspace_id == workspace.id))),
        tuple(tuple(row) for row in run(sa.select(AskAlias.phrase, AskAlias.kind, AskAlias.target_id)
                                        .where(AskAlias.workspace_id == workspace.id))),
    )


def load(workspace: Workspace) -> Vocabulary:
    """The workspace's names and learned aliases.

    The rows are read on every question (a few milliseconds); building the lookup tables from them
    is what costs, so a process keeps the built vocabulary while the rows are the same. Comparing the
    rows themselves, not a timestamp, means a rename is seen at once (MariaDB keeps whole seconds).
    """
    rows = _rows(workspace)
    cached = _CACHE.get(workspace.id)
    if cached is not None and cached[0] == rows:
        _CACHE.move_to_end(workspace.id)
        return cached[1]
    vocabulary = _build(rows)
    _CACHE[workspace.id] = (rows, vocabulary)
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return vocabulary


def _build(rows: tuple[tuple[Any, ...], ...]) -> Vocabulary:
    categories, payees, accounts, labels, alias_rows = rows
    entities: list[Entity] = []
    for cid, name, kind, parent_id, group in categories:
        if parent_id is None:
            entities.append(Entity("group", cid, name, kind == "income"))
        else:
            entities.append(Entity("category", cid, f"{group}: {name}", kind == "income"))
    entities += [Entity("payee", pid, name) for pid, name in payees]
    entities += [Entity("account", aid, name, currency=currency) for aid, name, currency in accounts]
    entities += [Entity("label", lid, name) for lid, name in labels]
    known = {e.ref: e for e in entities}
    aliases = {phrase: known[(kind, target)] for phrase, kind, target in alias_rows if (kind, target) in known}
    return Vocabulary(entities, aliases)


def find(workspace: Workspace, kind: str, target_id: int) -> Entity | None:
    """The workspace's `kind` row `target_id` as an Entity (None when it has no such row)."""
    model = {"category": Category, "group": Category, "payee": Payee, "account": Account, "label": Label}.get(kind)
    if model is None:
        return None
    query = sa.select(model.id).where(model.workspace_id == workspace.id, model.id == target_id)
    if kind in ("category", "group"):
        query = query.where(Category.parent_id.is_(None) if kind == "group" else Category.parent_id.is_not(None))
    if db.session.scalar(query) is None:
        return None
    return next((e for e in load(workspace).entities if e.ref == (kind, target_id)), None)


def learn(workspace: Workspace, phrase: str, kind: str, target_id: int) -> AskAlias:
    """Remember that `phrase` means the workspace's `kind` row `target_id` (another workspace's: NotFound)."""
    if kind not in ALIAS_KINDS:
        raise NotFound("No such name to learn.")
    key = normalise(phrase)[:MAX_PHRASE]
    if not key:
        raise Invalid("Say which words should mean this name.", fields={"phrase": "Enter the words you used."})
    if find(workspace, kind, target_id) is None:
        raise NotFound("No such name in this workspace.")
    alias = db.session.scalar(sa.select(AskAlias).where(AskAlias.workspace_id == workspace.id,
                                                         AskAlias.phrase == key))
    if alias is None:
        alias = AskAlias(workspace_id=workspace.id, phrase=key, kind=kind, target_id=target_id)
        db.session.add(alias)
    else:
        alias.kind, alias.target_id = kind, target_id
    db.session.flush()
    return alias
