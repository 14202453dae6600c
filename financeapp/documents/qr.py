"""The signed QR code of an Indian e-invoice: a JWT whose payload names seller, buyer, number, date, total.

The IRP (Invoice Registration Portal) signs it with its private key; without the IRP's public key
the signature is not checked, so every value taken from it is marked "from QR, unverified".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from PIL import Image

JWT_SHAPE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
NOTE = "from QR, unverified"


@dataclass(frozen=True)
class QrInvoice:
    seller_gstin: str | None
    buyer_gstin: str | None
    number: str | None
    on: date | None
    total: Decimal | None
    irn: str | None


def read_codes(image: Image.Image) -> list[str]:
    """The text of every QR code on a page image (none when zxing-cpp is not installed)."""
    try:
        import zxingcpp
    except ImportError:
        return []
    return [result.text for result in zxingcpp.read_barcodes(image) if result.text]


def _day(text: object) -> date | None:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(str(text), fmt).date()
        except ValueError:
            continue
    return None


def _amount(value: object) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount.quantize(Decimal("0.01")) if amount.is_finite() else None


def decode(text: str) -> QrInvoice | None:
    """The invoice in an e-invoice QR payload, or None when the text is not one."""
    import jwt

    text = text.strip()
    if not JWT_SHAPE.match(text):
        return None
    try:
        claims = jwt.decode(text, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    data = claims.get("data", claims)
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return None
    if not isinstance(data, dict) or not ({"SellerGstin", "DocNo"} & set(data)):
        return None

    def text_of(key: str) -> str | None:
        value = data.get(key)
        return str(value).strip().upper()[:60] if value else None

    return QrInvoice(seller_gstin=text_of("SellerGstin"), buyer_gstin=text_of("BuyerGstin"),
                     number=(str(data["DocNo"]).strip()[:60] if data.get("DocNo") else None),
                     on=_day(data.get("DocDt")), total=_amount(data.get("TotInvVal")), irn=text_of("Irn"))


def find_invoice(image: Image.Image) -> QrInvoice | None:
    """The e-invoice QR on a page image, decoded, or None."""
    for code in read_codes(image):
        found = decode(code)
        if found is not None:
            return found
    return None
