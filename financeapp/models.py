"""Every model of the app in one import, for Alembic's autogenerate and `flask shell`.

A new domain adds its models module here; create_app imports this module so the metadata
knows every table before the first query.
"""

from __future__ import annotations

from financeapp.accounts import models as accounts  # noqa: F401
from financeapp.api import models as api  # noqa: F401
from financeapp.auth import models as auth  # noqa: F401
from financeapp.budgets import models as budgets  # noqa: F401
from financeapp.categories import models as categories  # noqa: F401
from financeapp.debts import models as debts  # noqa: F401
from financeapp.documents import models as documents  # noqa: F401
from financeapp.exports import models as exports  # noqa: F401
from financeapp.goals import models as goals  # noqa: F401
from financeapp.imports import models as imports  # noqa: F401
from financeapp.insights import models as insights  # noqa: F401
from financeapp.insights.ask import models as insights_ask  # noqa: F401
from financeapp.insights.forecasts import cache as forecast_cache  # noqa: F401
from financeapp.investments import models as investments  # noqa: F401
from financeapp.jobs import models as jobs  # noqa: F401
from financeapp.labels import models as labels  # noqa: F401
from financeapp.members import models as members  # noqa: F401
from financeapp.notifications import models as notifications  # noqa: F401
from financeapp.payees import models as payees  # noqa: F401
from financeapp.rates import models as rates  # noqa: F401
from financeapp.receipts import models as receipts  # noqa: F401
from financeapp.recurring import models as recurring  # noqa: F401
from financeapp.reports import models as reports  # noqa: F401
from financeapp.rules import models as rules  # noqa: F401
from financeapp.security import models as security  # noqa: F401
from financeapp.transactions import models as transactions  # noqa: F401
from financeapp.vendors import models as vendors  # noqa: F401
from financeapp.workspaces import models as workspaces  # noqa: F401
