"""The rules engine without a database: conditions, first match per action, regex safety."""

from __future__ import annotations

from decimal import Decimal

import pytest

from financeapp.rules.matching import RuleEngine, RuleOutcome, RuleSpec, RuleSubject, regex_problem


def subject(payee: str = "", memo: str = "", amount: str = "-10", account_id: int = 1) -> RuleSubject:
    return RuleSubject(payee=payee, memo=memo, amount=Decimal(amount), account_id=account_id)


def outcome(spec: RuleSpec, s: RuleSubject) -> RuleOutcome:
    return RuleEngine([spec]).outcome(s)


def rule(**kwargs) -> RuleSpec:
    kwargs.setdefault("id", 1)
    kwargs.setdefault("name", "r")
    kwargs.setdefault("set_category_id", 7)
    return RuleSpec(**kwargs)


@pytest.mark.parametrize(("spec", "text", "matches"), [
    (rule(match_text="amazon"), "AMAZON MKTP DE", True),
    (rule(match_text="amazon  mktp"), "Amazon   Mktp", True),
    (rule(match_text="amazon"), "AMZN", False),
    (rule(match_op="equals", match_text="rewe"), "REWE", True),
    (rule(match_op="equals", match_text="rewe"), "REWE Markt", False),
    (rule(match_op="regex", match_text=r"^amzn.*mktp"), "AMZN Mktp DE", True),
    (rule(match_op="regex", match_text=r"^amzn.*mktp"), "Pay AMZN Mktp", False),
    (rule(match_op="regex", match_text=r"\d{4}$"), "Card 1234", True),
])
def test_text_conditions_ignore_case_and_spacing(spec, text, matches):
    assert (outcome(spec, subject(payee=text)).rule_id is not None) is matches


def test_memo_and_either_field_are_matched_separately():
    in_memo = subject(payee="PAYPAL", memo="Spotify AB")
    assert outcome(rule(match_field="payee", match_text="spotify"), in_memo).rule_id is None
    assert outcome(rule(match_field="memo", match_text="spotify"), in_memo).rule_id == 1
    assert outcome(rule(match_field="any", match_text="spotify"), in_memo).rule_id == 1
    assert outcome(rule(match_field="any", match_text="paypal"), in_memo).rule_id == 1


@pytest.mark.parametrize(("amount", "matches"), [
    ("-9.99", False), ("-10", True), ("-50", True), ("50", True), ("-50.01", False), ("0", False),
])
def test_amount_range_is_on_the_absolute_value(amount, matches):
    spec = rule(amount_min=Decimal("10"), amount_max=Decimal("50"))
    assert (outcome(spec, subject(amount=amount)).rule_id is not None) is matches


@pytest.mark.parametrize(("sign", "amount", "matches"), [
    ("in", "5", True), ("in", "-5", False), ("out", "-5", True), ("out", "5", False),
    ("any", "5", True), ("any", "-5", True), ("in", "0", False), ("out", "0", False),
])
def test_sign_picks_money_in_or_out(sign, amount, matches):
    assert (outcome(rule(sign=sign), subject(amount=amount)).rule_id is not None) is matches


def test_account_condition_limits_a_rule_to_one_account():
    spec = rule(account_id=2, match_text="rent")
    assert outcome(spec, subject(payee="Rent", account_id=2)).rule_id == 1
    assert outcome(spec, subject(payee="Rent", account_id=3)).rule_id is None


def test_first_matching_rule_wins_for_each_action_separately():
    engine = RuleEngine([
        RuleSpec(id=1, name="category only", match_text="shop", set_category_id=10),
        RuleSpec(id=2, name="other category and payee", match_text="shop", set_category_id=20, set_payee="Shop"),
        RuleSpec(id=3, name="labels", match_text="shop", labels=("a", "b")),
        RuleSpec(id=4, name="more labels", match_text="shop", labels=("c",), set_payee="Later"),
    ])
    result = engine.outcome(subject(payee="SHOP 123"))
    assert result == RuleOutcome(rule_id=1, rule_name="category only", payee="Shop", category_id=10,
                                 labels=("a", "b"))


def test_no_rules_or_no_match_gives_the_empty_outcome():
    assert RuleEngine([]).outcome(subject(payee="x")) == RuleOutcome()
    assert outcome(rule(match_text="zzz"), subject(payee="x")) == RuleOutcome()


def test_later_rules_read_the_original_payee_not_the_renamed_one():
    engine = RuleEngine([
        RuleSpec(id=1, name="rename", match_text="amzn", set_payee="Amazon"),
        RuleSpec(id=2, name="by new name", match_text="amazon", set_category_id=5),
    ])
    assert engine.outcome(subject(payee="AMZN MKTP")).category_id is None


def test_only_the_first_255_characters_are_matched():
    long = "x" * 300 + "needle"
    assert outcome(rule(match_text="needle"), subject(payee=long)).rule_id is None
    assert outcome(rule(match_op="regex", match_text="needle"), subject(payee=long)).rule_id is None


@pytest.mark.parametrize(("pattern", "problem"), [
    ("[", "not a valid regular expression: unterminated character set at character 1"),
    ("(a+)+$", "repeat inside a repeated group"),
    ("(\\w+\\s?)*x", "repeat inside a repeated group"),
    ("(foo|bar)*x", "alternative (|) inside a repeated group"),
    ("\\w*\\w*\\w*x", "at most 2 open-ended repeats"),
    ("(a)\\1", "Back-references"),
    ("a" * 201, "at most 200 characters"),
])
def test_dangerous_or_broken_regexes_are_refused_with_a_reason(pattern, problem):
    assert problem in (regex_problem(pattern) or "")


@pytest.mark.parametrize("pattern", ["^amzn.*mktp", "(jan|feb) \\d+", "paypal \\*", "x{1,100}", "(ab){2}c+",
                                     "[0-9]{4}$"])
def test_ordinary_regexes_are_accepted(pattern):
    assert regex_problem(pattern) is None


def test_a_stored_regex_that_is_now_refused_never_matches_instead_of_running():
    assert outcome(rule(match_op="regex", match_text="(a+)+$"), subject(payee="a" * 40 + "b")).rule_id is None


def test_a_hundred_thousand_subjects_get_their_outcomes_in_order():
    specs = [RuleSpec(id=i, name=f"r{i}", match_op="equals", match_text=f"shop{i} berlin", set_category_id=i)
             for i in range(1, 20)]
    specs.append(RuleSpec(id=99, name="regex", match_op="regex", match_text=r"^card \d+", set_payee="Card",
                          labels=("card",)))
    specs.append(RuleSpec(id=100, name="big", amount_min=Decimal("1000"), sign="in", set_category_id=100))
    engine = RuleEngine(specs)
    subjects = []
    for i in range(100_000):
        kind = i % 4
        if kind == 0:
            subjects.append(subject(payee=f"SHOP{i % 19 + 1} BERLIN", amount="-12.50"))
        elif kind == 1:
            subjects.append(subject(payee=f"Card {i}", amount="-3"))
        elif kind == 2:
            subjects.append(subject(payee="Employer", amount="2500"))
        else:
            subjects.append(subject(payee="nobody", memo="nothing", amount="-1"))
    results = engine.outcomes(subjects)
    assert len(results) == 100_000
    for i in (0, 1, 2, 3, 99_996, 99_997, 99_998, 99_999):
        got = results[i]
        kind = i % 4
        if kind == 0:
            assert got.category_id == i % 19 + 1 and got.rule_id == i % 19 + 1
        elif kind == 1:
            assert (got.rule_id, got.payee, got.labels) == (99, "Card", ("card",))
        elif kind == 2:
            assert (got.rule_id, got.category_id) == (100, 100)
        else:
            assert got == RuleOutcome()
    assert sum(1 for r in results if r.rule_id is None) == 25_000
