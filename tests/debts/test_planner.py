"""Acceptance 2 (the arithmetic): avalanche never pays more interest than snowball; every plan reaches zero."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest

from financeapp.debts.planner import MAX_MONTHS, PlanDebt, compare, ordered, simulate

START = date(2026, 11, 20)
D = Decimal


def household() -> list[PlanDebt]:
    return [
        PlanDebt(1, "Car loan", D("12000"), D("6.9"), D("355.00")),
        PlanDebt(2, "Visa", D("4200"), D("22.99"), D("35"), minimum_percent=D(2)),
        PlanDebt(3, "Store card", D("600"), D("29.9"), D("25")),
        PlanDebt(4, "Student loan", D("18500"), D("4.5"), D("190.00")),
    ]


def random_sets(count: int, seed: int) -> list[tuple[list[PlanDebt], Decimal]]:
    rng = random.Random(seed)
    sets = []
    while len(sets) < count:
        debts = []
        for i in range(rng.randint(2, 6)):
            balance = D(rng.randint(100, 5_000_000)) / 100
            rate = D(rng.randint(0, 3000)) / 100
            if rng.random() < 0.5:  # a loan with a level payment of 2-4 % of the balance
                debts.append(PlanDebt(i, f"loan {i}", balance, rate, max(D(25), (balance * rng.randint(2, 4) / 100)
                                                                          .quantize(D("0.01")))))
            else:  # a card: a percentage with a floor
                debts.append(PlanDebt(i, f"card {i}", balance, rate, D(rng.choice([10, 25, 35])),
                                      minimum_percent=D(rng.choice([2, 3, 5])), order=rng.randint(1, 9)))
        sets.append((debts, D(rng.choice([0, 50, 200, 1000]))))
    return sets


SETS = [(household(), D(0)), (household(), D(250)), *random_sets(60, seed=2026)]


@pytest.mark.parametrize(("debts", "extra"), SETS)
def test_avalanche_never_pays_more_interest_than_snowball_and_both_reach_zero(debts, extra):
    plans = compare(debts, extra, start=START)
    avalanche, snowball = plans["avalanche"], plans["snowball"]
    assert avalanche.finished and snowball.finished, (avalanche.message, snowball.message)
    assert avalanche.total_interest <= snowball.total_interest
    for plan in plans.values():
        assert plan.months[-1].balances == tuple(D(0) for _ in debts)
        assert all(b >= 0 for m in plan.months for b in m.balances)
        # Every cent owed plus every cent of interest was paid, and nothing more.
        assert plan.total_paid == plan.starting_balance + plan.total_interest
        assert plan.debt_free == plan.months[-1].on


def test_the_household_plan_in_figures():
    plans = compare(household(), D(250), start=START)
    avalanche, snowball = plans["avalanche"], plans["snowball"]
    assert [d.name for d in avalanche.debts] == ["Store card", "Visa", "Car loan", "Student loan"]
    assert [d.name for d in snowball.debts] == ["Store card", "Visa", "Car loan", "Student loan"]
    assert avalanche.budget == D("355.00") + D("84.00") + D("25") + D("190.00") + D(250)
    # Month 1: interest is added before paying, and the extra goes to the first debt in the order.
    first = avalanche.months[0]
    # 4200 x 22.99 / 1200 = 80.465 exactly: half-even keeps 80.46.
    assert first.interest == (D("14.95"), D("80.46"), D("69.00"), D("69.38"))
    # The card's minimum is 2 % of its balance after interest (85.61), so the store card gets what is left.
    assert first.payments[1:] == (D("85.61"), D("355.00"), D("190.00"))
    assert first.payments[0] == avalanche.budget - sum(first.payments[1:]) == D("273.39")
    assert first.on == date(2026, 12, 20)
    assert avalanche.month_count == len(avalanche.months) and avalanche.total_interest <= snowball.total_interest


def test_with_the_same_order_the_strategies_agree_to_the_cent():
    debts = [PlanDebt(1, "a", D(1000), D(20), D(50)), PlanDebt(2, "b", D(5000), D(10), D(100))]
    plans = compare(debts, D(100), start=START)
    assert plans["avalanche"].total_interest == plans["snowball"].total_interest
    assert plans["avalanche"].months == plans["snowball"].months


def test_custom_order_is_the_users_own_and_unnumbered_debts_come_last():
    debts = [PlanDebt(1, "a", D(1000), D(20), D(50), order=None), PlanDebt(2, "b", D(5000), D(10), D(100), order=2),
             PlanDebt(3, "c", D(300), D(5), D(20), order=1)]
    assert [d.id for d in ordered(debts, "custom")] == [3, 2, 1]
    assert [d.id for d in ordered(debts, "avalanche")] == [1, 2, 3]
    assert [d.id for d in ordered(debts, "snowball")] == [3, 1, 2]
    plan = simulate(debts, "custom", D(500), start=START)
    assert plan.finished and plan.paid_off_month(0) <= plan.paid_off_month(1)


def test_a_percentage_minimum_never_drops_below_its_floor_nor_exceeds_the_balance():
    card = PlanDebt(1, "card", D(1000), D(0), D(35), minimum_percent=D(2))
    assert card.minimum_due(D(1000)) == D(35)
    assert card.minimum_due(D(5000)) == D(100)
    assert card.minimum_due(D(20)) == D(20)
    assert card.minimum_due(D("1234.56")) == D("35")
    assert card.minimum_due(D("2024.75")) == D("40.50")  # 40.495 rounds half-even


def test_payments_below_the_interest_give_a_clear_message_not_an_endless_loop():
    debts = [PlanDebt(1, "loan shark", D(10000), D(60), D(100))]  # 500 interest a month, 100 paid
    plan = simulate(debts, "avalanche", start=START)
    assert not plan.finished and plan.debt_free is None
    assert "never be paid off" in plan.message
    assert plan.month_count == 1


def test_a_plan_that_creeps_down_too_slowly_stops_at_one_hundred_years():
    debts = [PlanDebt(1, "slow", D(1000000), D(12), D("10000.01"))]  # 10000 interest, a cent of principal
    plan = simulate(debts, "avalanche", start=START)
    assert not plan.finished and "100 years" in plan.message
    assert plan.month_count == MAX_MONTHS


def test_a_growing_balance_is_caught_when_the_order_starves_the_dear_debt():
    # Month 1 pays 510 against 500 of interest, but paying the 0 % loan first lets the 60 % card grow.
    debts = [PlanDebt(1, "interest-free loan", D(20000), D(0), D(500), order=1),
             PlanDebt(2, "dear card", D(10000), D(60), D(10), order=2)]
    plan = simulate(debts, "custom", start=START)
    assert not plan.finished and "keep growing" in plan.message and plan.month_count < 60
    assert simulate(debts, "avalanche", D(600), start=START).finished


def test_nothing_owed_is_debt_free_now():
    plan = simulate([PlanDebt(1, "done", D(0), D(5), D(10))], "avalanche", start=START)
    assert plan.finished and plan.months == [] and plan.debt_free is None and plan.total_interest == 0
