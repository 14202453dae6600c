"""A question in plain words -> a typed `Query`, or `Unreadable` (never a guess).

The reading, in order:
1. Forecast words ("will", "going to", "predict") are refused: the future is the forecasts' job.
2. Periods are found by `periods.find_periods` and cut out of the text.
3. The intent from its key words: a balance, budget left, top categories/payees, largest
   transactions, an average per month, a comparison ("vs", "compared to"), else a total.
   The measure: income for "earn/income/received", net for "net/saved", else spending.
4. What is left, minus the question's small words, is split at "on/at/in/for/from/with/..."
   into phrases, and each phrase must resolve through the vocabulary. One word that resolves
   to nothing makes the whole question unreadable: "how much did I spend on unicorns" gets no
   number, and "on unicrons" (close to nothing) neither; a phrase close to several names gets
   "Did you mean" with them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from financeapp.insights.ask import periods as grammar
from financeapp.insights.ask.periods import Period
from financeapp.insights.ask.vocabulary import Entity, Resolution, Vocabulary

MAX_QUESTION = 300
MAX_TOP = 50
EXAMPLES = (
    "How much did I spend on groceries last month?",
    "Eating out this month vs last month",
    "Top 5 payees this year",
    "Largest 3 transactions in March 2026",
    "Average spending per month on fuel in the last 6 months",
    "How much did I earn since 1 May?",
    "Balance of Everyday Checking",
    "How much budget is left for groceries?",
    "Spending with label Vacation in 2025",
)

_FUTURE = re.compile(r"\b(will|going to|gonna|forecast|predict|expect|expected|projected|should i|would)\b")
_COMPARE = re.compile(r"\b(?:vs\.?|versus|compared (?:to|with)|against|compare[ds]?)\b")
_BALANCE = re.compile(r"\bbalances?\b|\bhow much (?:money )?(?:is|do (?:i|we) have) (?:left )?(?:in|on)\b")
_BUDGET = re.compile(r"\bbudget(?:ed)?\b")
_BUDGET_LEFT = re.compile(r"\b(left|remaining|remain|remains|available|over)\b")
_TOP = re.compile(r"\b(?:top|biggest|largest|main|most)\s*(?P<n>\d{1,2})?\s*(?P<what>categor(?:y|ies)|payees?|"
                  r"merchants?|shops?|stores?|places?|vendors?)\b")
_WHERE_MOST = re.compile(r"\bwhere (?:did|do) (?:i|we) spend (?:the )?most\b|\bwho did (?:i|we) (?:pay|spend)"
                         r" (?:the )?most\b")
_LARGEST = re.compile(r"\b(?:largest|biggest|highest|most expensive|top)\s*(?P<n>\d{1,2})?\s*(?:single\s+)?"
                      r"(?P<what>transactions?|purchases?|expenses?|payments?|spends?|charges?|incomes?|"
                      r"deposits?|receipts?)\b")
_AVERAGE = re.compile(r"\b(?:on )?average\b|\bavg\b|\bmean\b|\bper month\b|\ba month\b|\beach month\b|"
                      r"\bevery month\b|\bmonthly\b")
_INCOME = re.compile(r"\b(earn|earned|earning|earnings|income|made|make|received|receive|got paid|paid me|"
                     r"came in|coming in|money in|inflows?)\b")
_NET = re.compile(r"\b(net|saved|save|cash flow|cashflow)\b")
_SPEND = re.compile(r"\b(spend|spent|spending|spendings|expenses?|expenditure|cost|costs|pay|paid|"
                    r"outgoings|money out|outflows?|bought|buy|purchases?|charged)\b")
_LABEL = re.compile(r"\b(?:tagged|labell?ed|with (?:the )?(?:label|tag)|(?:label|tag))\s+(?P<name>.+)$")
# The small words of a question: they carry no name. Kept short on purpose: every other word must be a name.
_SMALL = {
    "how", "much", "many", "did", "do", "does", "i", "we", "you", "my", "our", "me", "us", "the", "a", "an",
    "what", "whats", "was", "were", "is", "are", "have", "has", "had", "been", "be", "total", "in total",
    "all", "of", "money", "please", "show", "tell", "give", "amount", "overall", "altogether", "it", "there",
    "so", "far", "get", "at", "to", "and", "or", "by", "for", "on", "in", "from", "with", "using", "via",
    "during", "over", "this", "that", "than", "spend", "spent", "spending", "spendings", "expense", "expenses",
    "expenditure", "cost", "costs", "pay", "paid", "outgoings", "out", "outflow", "outflows", "bought", "buy",
    "purchase", "purchases", "charged", "earn", "earned", "earning", "earnings", "income", "made", "make",
    "received", "receive", "got", "came", "coming", "inflow", "inflows", "net", "saved", "save",
    "cash flow", "cashflow", "average", "avg", "mean", "per", "month", "each", "every", "monthly", "on average",
    "vs", "versus", "compared", "against", "compare", "compares", "compared to", "compared with", "whole",
    "sum", "value", "figure", "categories", "payees", "accounts",
    "transactions", "transaction", "ive", "weve", "id", "can", "could", "see", "know", "much money",
    "up", "period", "time", "just", "s",
}
_KIND_WORDS = {"account", "category", "group", "payee", "label", "tag", "card", "merchant"}  # no name alone
_SPLIT = re.compile(r"\b(?:on|at|in|for|from|with|using|via|by|to|into|and|&)\b|[,;]")


@dataclass(frozen=True)
class Query:
    """A question as the answer services take it."""

    intent: str  # total, compare, top, largest, average, balance, budget
    measure: str = "spending"  # spending, income, net
    periods: tuple[Period, ...] = ()
    subject: Entity | None = None  # a category, group, payee or label
    account: Entity | None = None
    top_of: str = ""  # categories, payees (intent top)
    count: int = 1  # how many (top, largest)
    spelling: tuple[tuple[str, str], ...] = ()  # (phrase typed, name taken) where a spelling was corrected


@dataclass(frozen=True)
class Suggestion:
    """A phrase of the question and the names it may have meant."""

    phrase: str
    candidates: tuple[Entity, ...]


@dataclass(frozen=True)
class Unreadable:
    """A question Ask cannot read, with why, and names it may have meant."""

    reason: str
    suggestions: tuple[Suggestion, ...] = field(default=())


def clean(question: str) -> str:
    text = question.strip()[:MAX_QUESTION].lower()
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip(" ?!.")


def _cut(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with the spans replaced by a comma (so phrases on either side stay apart)."""
    out, last = [], 0
    for begin, end in sorted(spans):
        out.append(text[last:begin])
        out.append(" , ")
        last = end
    out.append(text[last:])
    return "".join(out)


def _phrases(text: str) -> list[tuple[str, str, str]]:
    """The name phrases of what is left, split at connecting words: (phrase, its words with the small ones
    kept, the connecting word after it). Small words are dropped at the edges of the phrase only."""
    phrases = []
    parts = _SPLIT.split(text)
    separators = [m.group(0).strip() for m in _SPLIT.finditer(text)] + [""]
    for part, separator in zip(parts, separators, strict=True):
        words = re.findall(r"[\w'&.+-]+", part)
        raw = " ".join(w for w in words if w not in ("my", "the", "our"))
        while words and words[0].replace("'", "") in _SMALL:
            words.pop(0)
        while words and words[-1].replace("'", "") in _SMALL:
            words.pop()
        joined = " ".join(words)
        if joined and joined not in _SMALL and joined not in _KIND_WORDS:
            phrases.append((joined, raw, separator))
        elif phrases and separator:
            phrases[-1] = (*phrases[-1][:2], separator)
    return phrases


def parse(question: str, vocabulary: Vocabulary, today: date) -> Query | Unreadable:
    """Read `question` (see the module docstring); today anchors the periods."""
    text = clean(question)
    if not text:
        return Unreadable("Type a question.")
    if _FUTURE.search(text):
        return Unreadable("I answer from what has happened; forecasts are on the Insights page.")
    found = grammar.find_periods(text, today)
    spans = [(f.begin, f.end) for f in found]
    rest = _cut(text, spans)
    periods = tuple(f.period for f in found)
    intent, count, top_of = "total", 1, ""
    if match := _TOP.search(rest):
        intent, top_of = "top", "categories" if match["what"].startswith("categor") else "payees"
        count = int(match["n"] or 5)
        rest = rest[:match.start()] + " " + rest[match.end():]
    elif _WHERE_MOST.search(rest):
        match = _WHERE_MOST.search(rest)
        assert match is not None
        intent, top_of, count = "top", "payees" if "who" in match.group(0) else "categories", 5
        rest = rest[:match.start()] + " " + rest[match.end():]
    elif match := _LARGEST.search(rest):
        intent, count = "largest", int(match["n"] or 1)
        if match["what"].startswith(("income", "deposit", "receipt")):
            rest = rest + " income"
        rest = rest[:match.start()] + " " + rest[match.end():]
    elif _BALANCE.search(rest):
        intent = "balance"
        rest = _BALANCE.sub(" ", rest)
    elif _BUDGET.search(rest):
        if not _BUDGET_LEFT.search(rest):
            return Unreadable("I can say how much budget is left; ask “how much budget is left for groceries?”.")
        intent = "budget"
        rest = _BUDGET_LEFT.sub(" ", _BUDGET.sub(" ", rest))
    elif _AVERAGE.search(rest):
        intent = "average"
        rest = _AVERAGE.sub(" ", rest)
    compare = bool(_COMPARE.search(rest))
    if compare:
        rest = _COMPARE.sub(" , ", rest)
    measure = "income" if _INCOME.search(rest) else "net" if _NET.search(rest) else "spending"
    has_measure = bool(_INCOME.search(rest) or _NET.search(rest) or _SPEND.search(rest))
    if not 1 <= count <= MAX_TOP:
        return Unreadable(f"Ask for 1 to {MAX_TOP} items.")

    subject: Entity | None = None
    account: Entity | None = None
    spelling: list[tuple[str, str]] = []
    suggestions: list[Suggestion] = []
    label_match = _LABEL.search(rest)
    phrase_texts: list[tuple[str, str | None]] = []
    if label_match:
        phrase_texts.append((label_match["name"].strip(" ,"), "label"))
        rest = rest[:label_match.start()]
    phrase_texts += _joined(vocabulary, _phrases(rest))
    for phrase, wanted in phrase_texts:
        resolution = _resolve(vocabulary, phrase, wanted)
        if resolution.entity is None:
            if resolution.candidates:
                suggestions.append(Suggestion(phrase, tuple(resolution.candidates)))
                continue
            return Unreadable(f"I don't know “{phrase}”: it is no category, group, payee, account or label here.")
        entity = resolution.entity
        if resolution.how == "spelling":
            spelling.append((phrase, entity.name))
        if entity.kind == "account" and account is None:
            account = entity
        elif entity.kind != "account" and subject is None:
            subject = entity
        elif entity.ref in {e.ref for e in (subject, account) if e is not None}:
            continue  # "groceries this month vs groceries last month"
        else:
            return Unreadable("I can answer for one category, group, payee or label (and one account) at a time.")
    if suggestions:
        return Unreadable("I am not sure which name you mean.", tuple(suggestions))
    if not has_measure and intent == "total" and subject is None and account is None:
        return Unreadable("I could not tell what to add up.")
    if intent == "balance":
        if subject is not None or account is None:
            return Unreadable("Ask for one account's balance, such as “balance of Everyday Checking”.")
        if len(periods) > 1:
            return Unreadable("Ask for one account's balance on one day.")
    if intent == "budget" and (account is not None or (subject is not None and subject.kind not in ("category",
                                                                                                   "group"))):
        return Unreadable("Budgets are per category; ask “how much budget is left for groceries?”.")
    if intent == "top" and subject is not None and subject.kind != "label":
        return Unreadable("Ask for the top categories or payees of a period, with a label or an account.")
    if subject is not None and subject.income and measure == "spending" and not _SPEND.search(rest):
        measure = "income"
    if compare or (len(periods) == 2 and intent == "total"):
        if len(periods) != 2 or intent != "total":
            return Unreadable("To compare, give two periods: “groceries this month vs last month”.")
        intent = "compare"
    elif len(periods) > 1:
        return Unreadable("Give one period (or two to compare, with “vs”).")
    if intent == "average" and measure == "net":
        measure = "spending"
    return Query(intent, measure, periods, subject, account, top_of, count, tuple(spelling))


def _joined(vocabulary: Vocabulary, phrases: list[tuple[str, str, str]]) -> list[tuple[str, str | None]]:
    """The phrases to resolve: a name with a small word in it ("Interest paid") or split at "and"
    ("Internet and phone") is kept whole when the whole is a name, or close to one."""
    out: list[tuple[str, str | None]] = []
    index = 0
    while index < len(phrases):
        phrase, raw, separator = phrases[index]
        if separator in ("and", "&") and index + 1 < len(phrases):
            whole = f"{phrase} and {phrases[index + 1][0]}"
            if vocabulary.resolve(whole).entity is not None:
                out.append((whole, None))
                index += 2
                continue
        if raw != phrase and vocabulary.resolve(raw).how in ("alias", "exact", "synonym"):
            phrase = raw
        out.append((phrase, None))
        index += 1
    return out


def _resolve(vocabulary: Vocabulary, phrase: str, wanted: str | None) -> Resolution:
    resolution = vocabulary.resolve(phrase)
    # "my savings account", "the groceries category": the name without the kind's word, unless the
    # whole phrase is a name ("Travel Account")
    bare = re.sub(r"\s*\b(account|category|group|payee|label|tag)$", "", phrase).strip()
    if bare and bare != phrase and resolution.how not in ("alias", "exact", "synonym", "words"):
        stripped = vocabulary.resolve(bare)
        if stripped.entity is not None or resolution.entity is None:
            resolution = stripped
    if wanted and resolution.entity is not None and resolution.entity.kind != wanted:
        named = [e for e in vocabulary.exact(resolution.phrase) if e.kind == wanted]
        return Resolution(resolution.phrase, named[0], "exact") if named else Resolution(resolution.phrase)
    return resolution
