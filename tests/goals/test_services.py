"""Goal rules without HTTP: progress, the saving needed, projections at the recent rate, milestones."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.core.errors import Invalid, NotFound
from financeapp.demo.planning import seed_demo_goals
from financeapp.extensions import db
from financeapp.goals.jobs import check_goal_milestones
from financeapp.goals.models import Goal, GoalContribution
from financeapp.goals.services import (
    GoalInput,
    add_contribution,
    create_goal,
    delete_goal,
    goal_status,
    update_goal,
)
from financeapp.notifications.models import Notification
from tests.factories import add_member, make_account, make_transaction, make_user, personal_workspace
from tests.goals.conftest import TODAY, goal


def contribute(ws, row, on: date, amount: str):
    add_contribution(ws, row, on, Decimal(amount))
    db.session.commit()


def milestones() -> list[str]:
    return list(db.session.scalars(sa.select(Notification.dedupe_key).where(Notification.kind == "goal_milestone")
                                   .order_by(Notification.id)))


def test_projection_from_contributions_with_fixed_dates(saver):
    row = goal(saver.ws, target_date=date(2026, 12, 31))
    for day in (date(2026, 1, 10), date(2026, 2, 10), date(2026, 3, 10)):
        contribute(saver.ws, row, day, "100")
    contribute(saver.ws, row, date(2026, 4, 1), "500")  # after "today": not counted yet
    status = goal_status(row, TODAY)
    assert (status.saved, status.percent, status.missing) == (300, 25, 900)
    assert status.rate == 100
    assert status.months_left == 9
    assert status.monthly_needed == Decimal("100.00")
    assert status.projected == date(2026, 12, 15)
    assert status.on_track is True


def test_the_saving_needed_is_rounded_up_to_the_cent(saver):
    row = goal(saver.ws, target="1000", target_date=date(2026, 6, 30))
    assert goal_status(row, TODAY).monthly_needed == Decimal("333.34")


def test_a_goal_without_recent_saving_is_not_reached_at_the_current_rate(saver):
    row = goal(saver.ws, target_date=date(2026, 1, 31))
    contribute(saver.ws, row, date(2025, 6, 1), "400")
    contribute(saver.ws, row, date(2026, 2, 1), "-50")
    status = goal_status(row, TODAY)
    assert status.rate < 0 and status.projected is None
    assert status.overdue and status.monthly_needed is None and status.months_left is None


def test_a_linked_account_is_the_progress_and_its_balance_change_the_rate(saver):
    row = goal(saver.ws, "Emergency fund", "6000", account=saver.savings)
    assert row.currency == "USD"
    make_transaction(saver.savings, "1500", on=date(2025, 11, 1))
    make_transaction(saver.savings, "900", on=date(2026, 1, 1))
    make_transaction(saver.savings, "-300", on=date(2026, 3, 1))
    status = goal_status(row, TODAY)
    assert status.saved == 2100
    assert status.rate == 200  # (2100 - 1500) / 3
    assert status.projected == date(2027, 11, 15)  # 3900 / 200 = 19.5, so 20 months
    with pytest.raises(Invalid, match="follows its account"):
        add_contribution(saver.ws, row, TODAY, Decimal(5))


def test_milestones_notify_once_each_and_skip_the_ones_passed_together(saver):
    row = goal(saver.ws, target="1000")
    contribute(saver.ws, row, date(2026, 3, 1), "300")
    assert milestones() == [f"goal:{row.id}:25"]
    assert check_goal_milestones(TODAY) == 0
    assert check_goal_milestones(TODAY) == 0
    db.session.add(GoalContribution(workspace_id=saver.ws.id, goal_id=row.id, on=date(2026, 3, 2),
                                    amount=Decimal(500)))  # as another process would have written it
    db.session.commit()
    assert check_goal_milestones(TODAY) == 1
    assert check_goal_milestones(TODAY) == 0
    db.session.commit()
    assert milestones() == [f"goal:{row.id}:25", f"goal:{row.id}:75"]
    contribute(saver.ws, row, date(2026, 3, 3), "200")
    assert milestones()[-1] == f"goal:{row.id}:100"
    assert db.session.scalar(sa.select(Notification.title).order_by(Notification.id.desc()).limit(1)) \
        == "Goal reached: Holiday"


def test_the_job_announces_account_goals_to_every_member(saver):
    partner = make_user("partner@example.com")
    add_member(saver.ws, partner, "member")
    row = goal(saver.ws, "Car", "1000", account=saver.savings)
    make_transaction(saver.savings, "520", on=date(2026, 3, 1))
    assert check_goal_milestones(TODAY) == 2
    assert check_goal_milestones(TODAY) == 0
    db.session.commit()
    assert milestones() == [f"goal:{row.id}:50"] * 2


def test_a_goal_created_half_way_does_not_announce_the_milestones_it_starts_with(saver):
    make_transaction(saver.savings, "600", on=date(2026, 1, 1))
    row = goal(saver.ws, "Car", "1000", account=saver.savings)
    assert row.milestone == 50
    assert check_goal_milestones(TODAY) == 0


@pytest.mark.parametrize(("data", "field"), [
    (GoalInput("", Decimal(1)), "name"),
    (GoalInput("x" * 81, Decimal(1)), "name"),
    (GoalInput("Car", Decimal(0)), "target_amount"),
    (GoalInput("Car", Decimal(-5)), "target_amount"),
    (GoalInput("Car", Decimal("1.234")), "target_amount"),
    (GoalInput("Car", None), "target_amount"),
    (GoalInput("Car", Decimal("NaN")), "target_amount"),
    (GoalInput("Car", Decimal(1), date(1800, 1, 1)), "target_date"),
])
def test_bad_goals_are_refused_at_their_field(saver, data, field):
    with pytest.raises(Invalid) as err:
        create_goal(saver.ws, data, TODAY)
    assert field in err.value.fields
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Goal)) == 0


def test_another_workspaces_account_cannot_be_linked(saver):
    other = personal_workspace(make_user("other@example.com"))
    theirs = make_account(other, "Theirs")
    with pytest.raises(NotFound):
        create_goal(saver.ws, GoalInput("Car", Decimal(1), account_id=theirs.id), TODAY)


def test_bad_contributions_are_refused(saver):
    row = goal(saver.ws)
    for on, amount in ((TODAY, Decimal(0)), (TODAY, None), (None, Decimal(5)), (TODAY, Decimal("0.001"))):
        with pytest.raises(Invalid):
            add_contribution(saver.ws, row, on, amount)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GoalContribution)) == 0


def test_editing_and_deleting_a_goal(saver):
    row = goal(saver.ws)
    contribute(saver.ws, row, TODAY, "100")
    update_goal(saver.ws, row, GoalInput("Big holiday", Decimal(150), account_id=None), TODAY)
    assert (row.name, row.milestone) == ("Big holiday", 50)
    delete_goal(saver.ws, row)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GoalContribution)) == 0


def test_demo_goals_are_an_emergency_fund_and_a_holiday(saver):
    make_transaction(saver.savings, "2500", on=date(2026, 1, 1))
    assert seed_demo_goals(saver.ws, TODAY) == 2
    db.session.commit()
    goals = {g.name: g for g in db.session.scalars(sa.select(Goal))}
    assert goals["Emergency fund"].account_id == saver.savings.id
    assert goals["Emergency fund"].target_amount == 4000
    assert goal_status(goals["Summer holiday"], TODAY).saved == 1000
    assert milestones() == []
    assert seed_demo_goals(saver.ws, TODAY) == 0
