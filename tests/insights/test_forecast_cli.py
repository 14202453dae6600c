"""`flask insights forecast --json`: the shape the issue names, --as-of, names and errors."""

from __future__ import annotations

import json
import re

from tests.factories import make_account, make_category
from tests.insights.forecast_data import history


def test_the_forecast_command_prints_the_json_shape(ctx, runner):
    _, ws, *_ = history()
    result = runner.invoke(args=["insights", "forecast", "--workspace", str(ws.id), "--series", "spending",
                                 "--category", "Groceries", "--months", "3", "--as-of", "2026-06-30", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["series"] == "spending"
    assert [p["month"] for p in data["points"]] == ["2026-07", "2026-08", "2026-09"]
    for point in data["points"]:
        assert set(point) == {"month", "value", "low", "high"}
        assert all(re.fullmatch(r"-?\d+\.\d{2}", point[k]) for k in ("value", "low", "high"))
        assert float(point["low"]) <= float(point["value"]) <= float(point["high"])
    assert data["method"] in ("ensemble", "seasonal-naive")
    backtest = data["backtest"]
    assert set(backtest) >= {"mase", "smape", "baseline"}
    assert set(backtest["baseline"]["seasonal_naive"]) == {"mase", "smape"}
    assert isinstance(backtest["mase"], float) and isinstance(backtest["smape"], float)


def test_as_of_forecasts_from_the_data_up_to_that_date(ctx, runner):
    user, _, *_ = history()
    result = runner.invoke(args=["insights", "forecast", "--workspace", user.email, "--series", "net",
                                 "--months", "1", "--as-of", "2025-03-15", "--json"])
    data = json.loads(result.output)
    assert data["last_month"] == "2025-02" and data["history_months"] == 14
    assert data["points"][0]["month"] == "2025-03"
    assert data["method"] == "ensemble-nonseasonal"  # 14 months: no season, and the JSON says so


def test_an_unknown_category_or_account_is_an_error_not_a_number(ctx, runner):
    _, ws, *_ = history()
    for option, name in (("--category", "Caviar"), ("--account", "Swiss vault")):
        result = runner.invoke(args=["insights", "forecast", "--workspace", str(ws.id), "--series", "spending",
                                     option, name, "--json"])
        assert result.exit_code != 0 and name in result.output


def test_another_workspaces_category_is_not_found(ctx, runner):
    _, fran, *_ = history()
    make_account(fran, "Fran savings")
    make_category(fran, "Caviar")
    _, other, *_ = history("olga@example.com", months=3)
    for option, name in (("--account", "Fran savings"), ("--category", "Caviar")):
        result = runner.invoke(args=["insights", "forecast", "--workspace", str(other.id), "--series", "income",
                                     option, name, "--json"])
        assert result.exit_code != 0 and "No " in result.output
