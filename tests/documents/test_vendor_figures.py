"""A vendor's figures per currency: the average is in that currency's own minor units."""

from __future__ import annotations

from decimal import Decimal

from financeapp.documents.models import Document
from financeapp.extensions import db
from financeapp.vendors import services
from financeapp.vendors.models import Vendor
from tests.factories import make_user, personal_workspace


def test_the_average_has_the_currencys_decimal_places(ctx):
    ws = personal_workspace(make_user())
    vendor = Vendor(workspace_id=ws.id, name="Gulf Traders", match_name="gulf traders")
    db.session.add(vendor)
    db.session.flush()
    totals = [("BHD", "1.000"), ("BHD", "1.000"), ("BHD", "2.001"), ("JPY", "1000"), ("JPY", "1001")]
    for number, (currency, total) in enumerate(totals):
        db.session.add(Document(workspace_id=ws.id, original_name=f"{number}.pdf", stored_name=f"{number:064x}",
                                content_type="application/pdf", size=1, sha256=f"{number:064x}",
                                vendor_id=vendor.id, currency=currency, total=Decimal(total)))
    db.session.flush()
    figures = services.figures(ws, [vendor.id])[vendor.id]
    assert figures.average == {"BHD": Decimal("1.334"), "JPY": Decimal("1000")}  # 4.001 / 3 and 2001 / 2, half-even
    assert figures.totals == {"BHD": Decimal("4.001"), "JPY": Decimal("2001")}
