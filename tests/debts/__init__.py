"""Tests of the debts domain: loan arithmetic, the payoff planner, pages and the JSON API."""
