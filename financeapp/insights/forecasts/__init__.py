"""Forecasts with their measured accuracy, budget recommendations and balance projections (issue 14).

metrics (M4 MASE/sMAPE) → models (statsmodels fits) → backtest (rolling origin) → forecaster (one
series) ← series (monthly series from the reports' queries); cache + jobs keep the fits out of
requests; services read the cache for pages and the API; recommendations and projection build on it.
"""
