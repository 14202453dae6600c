"""Vendor rules: found or created from what extraction read, merged by hand, scored for risk.

A vendor is found by its GSTIN first (the one identifier printed the same on every invoice), then
by its name folded for matching; a new one is created otherwise. The risk score is a sum of listed
points, each with its reason, capped at 100: nothing hidden in a model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal

import sqlalchemy as sa

from financeapp.categories.models import Category
from financeapp.core.db import rows_matched
from financeapp.core.errors import Invalid
from financeapp.core.money import quantize
from financeapp.core.pagination import Page, paginate
from financeapp.core.scoping import get_scoped_or_404, scoped
from financeapp.documents.models import Document, DocumentFlag, VendorPattern
from financeapp.extensions import db
from financeapp.vendors.models import Vendor
from financeapp.workspaces.models import Workspace

MAX_NAME = 120
_SUFFIXES = re.compile(r"\b(?:pvt|private|ltd|limited|llp|inc|llc|co|company|the)\b")


def match_name(name: str) -> str:
    """A vendor name folded for matching: lower case, no punctuation or company suffixes."""
    folded = re.sub(r"[^a-z0-9 ]", " ", (name or "").lower())
    folded = _SUFFIXES.sub(" ", folded)
    return " ".join(folded.split())[:MAX_NAME]


def find_vendor(workspace: Workspace, name: str, gstin: str | None) -> Vendor | None:
    """The workspace's vendor with this GSTIN, else with this name."""
    if gstin:
        vendor = db.session.scalar(scoped(Vendor, workspace).where(Vendor.gstin == gstin))
        if vendor is not None:
            return vendor
    folded = match_name(name)
    if not folded:
        return None
    return db.session.scalar(scoped(Vendor, workspace).where(Vendor.match_name == folded).order_by(Vendor.id).limit(1))


def vendor_for(workspace: Workspace, name: str, gstin: str | None, gstin_valid: bool | None) -> Vendor | None:
    """Find the document's vendor or create it; None when neither a name nor a GSTIN was read."""
    name = " ".join((name or "").split())[:MAX_NAME]
    vendor = find_vendor(workspace, name, gstin)
    if vendor is None:
        if not name and not gstin:
            return None
        vendor = Vendor(workspace_id=workspace.id, name=name or gstin or "", match_name=match_name(name),
                        gstin=gstin or None, gstin_valid=gstin_valid)
        db.session.add(vendor)
        db.session.flush()
    elif gstin and vendor.gstin is None and gstin_valid:
        clash = db.session.scalar(scoped(Vendor, workspace).where(Vendor.gstin == gstin))
        if clash is None:
            vendor.gstin, vendor.gstin_valid = gstin, gstin_valid
    return vendor


def note_bank_details(vendor: Vendor, details: str, when) -> None:
    """Remember the bank details on the vendor's invoice; a change from the last ones is a risk point."""
    if not details:
        return
    if vendor.bank_details and vendor.bank_details != details:
        vendor.bank_details_changed_at = when
    vendor.bank_details = details


@dataclass(frozen=True)
class VendorInput:
    name: str
    default_category_id: int | None = None


def update_vendor(workspace: Workspace, vendor: Vendor, data: VendorInput) -> Vendor:
    """Rename a vendor or set the category its expenses are booked to."""
    name = " ".join((data.name or "").split())
    if not name:
        raise Invalid("Enter the vendor's name.", fields={"name": "Enter the vendor's name."})
    if len(name) > MAX_NAME:
        raise Invalid(f"At most {MAX_NAME} characters.", fields={"name": f"At most {MAX_NAME} characters."})
    category = get_scoped_or_404(Category, data.default_category_id, workspace) if data.default_category_id else None
    vendor.name, vendor.match_name = name, match_name(name)
    vendor.default_category_id = category.id if category else None
    db.session.flush()
    return vendor


def merge_vendors(workspace: Workspace, source: Vendor, target: Vendor) -> int:
    """Move the source vendor's documents and learned patterns to the target and delete the source."""
    if source.id == target.id:
        raise Invalid("Choose another vendor to merge into.", fields={"target_id": "Choose another vendor."})
    for vendor in (source, target):
        if vendor.workspace_id != workspace.id:
            get_scoped_or_404(Vendor, vendor.id, workspace)
    moved = rows_matched(db.session.execute(sa.update(Document).where(
        Document.workspace_id == workspace.id, Document.vendor_id == source.id).values(vendor_id=target.id)))
    existing = set(db.session.scalars(sa.select(VendorPattern.field + ":" + VendorPattern.label).where(
        VendorPattern.vendor_id == target.id)))
    for pattern in db.session.scalars(scoped(VendorPattern, workspace).where(VendorPattern.vendor_id == source.id)):
        if f"{pattern.field}:{pattern.label}" in existing:
            db.session.delete(pattern)
        else:
            pattern.vendor_id = target.id
    if target.gstin is None and source.gstin is not None:
        gstin, valid = source.gstin, source.gstin_valid
        source.gstin = None
        db.session.flush()
        target.gstin, target.gstin_valid = gstin, valid
    if target.default_category_id is None:
        target.default_category_id = source.default_category_id
    db.session.delete(source)
    db.session.flush()
    return moved


def merge_into(workspace: Workspace, source: Vendor, target_id: int | None) -> tuple[Vendor, int]:
    """Merge the source vendor into the workspace's vendor `target_id`; (the target, documents moved)."""
    if target_id is None:
        raise Invalid("Choose the vendor to merge into.", fields={"target_id": "Choose the vendor to merge into."})
    target = get_scoped_or_404(Vendor, target_id, workspace)
    return target, merge_vendors(workspace, source, target)


def other_vendors(workspace: Workspace, vendor: Vendor, limit: int = 500) -> list[Vendor]:
    """The workspace's other vendors by name, for the merge box."""
    return list(db.session.scalars(scoped(Vendor, workspace).where(Vendor.id != vendor.id)
                                   .order_by(Vendor.name, Vendor.id).limit(limit)))


# -- figures and risk -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VendorFigures:
    documents: int
    totals: dict[str, Decimal]  # per currency
    average: dict[str, Decimal]
    duplicates: int
    unusual: int = 0

    @property
    def duplicate_rate(self) -> Decimal:
        return (Decimal(self.duplicates) / self.documents * 100).quantize(Decimal("0.1")) if self.documents else \
            Decimal(0)


def figures(workspace: Workspace, vendor_ids: list[int]) -> dict[int, VendorFigures]:
    """Per vendor: documents, total and average per currency, documents flagged duplicate (SQL aggregates)."""
    if not vendor_ids:
        return {}
    base = (Document.workspace_id == workspace.id, Document.vendor_id.in_(vendor_ids))
    rows = db.session.execute(sa.select(Document.vendor_id, Document.currency, sa.func.count(),
                                        sa.func.sum(Document.total), sa.func.count(Document.total))
                              .where(*base).group_by(Document.vendor_id, Document.currency)).all()
    flagged = db.session.execute(
        sa.select(Document.vendor_id, DocumentFlag.code, sa.func.count(sa.distinct(Document.id))).join(
            DocumentFlag, DocumentFlag.document_id == Document.id)
        .where(*base, DocumentFlag.code.in_(("duplicate", "unusual_amount")))
        .group_by(Document.vendor_id, DocumentFlag.code)).all()
    dupes = {vendor_id: n for vendor_id, code, n in flagged if code == "duplicate"}
    unusual = {vendor_id: n for vendor_id, code, n in flagged if code == "unusual_amount"}
    out: dict[int, VendorFigures] = {}
    for vendor_id in vendor_ids:
        mine = [r for r in rows if r[0] == vendor_id]
        totals = {r[1] or "": r[3] or Decimal(0) for r in mine if r[4]}
        average = {r[1] or "": quantize((r[3] or Decimal(0)) / r[4], r[1] or "") for r in mine if r[4]}
        out[vendor_id] = VendorFigures(documents=sum(r[2] for r in mine), totals=totals, average=average,
                                       duplicates=dupes.get(vendor_id, 0), unusual=unusual.get(vendor_id, 0))
    return out


@dataclass(frozen=True)
class RiskPoint:
    points: int
    reason: str


@dataclass(frozen=True)
class Risk:
    score: int
    points: list[RiskPoint]


RISK_POINTS = {
    "invalid_gstin": 30,
    "no_gstin": 10,
    "first_invoice": 15,
    "bank_changed": 25,
    "duplicates": 20,
    "above_usual": 15,
}
RISK_EXPLAINED = {
    "invalid_gstin": "its GSTIN fails the check (or was never valid)",
    "no_gstin": "no GSTIN on its invoices (unregistered, or not an Indian supplier)",
    "first_invoice": "only one document so far: no history to compare with",
    "bank_changed": "the bank details on its invoices changed",
    "duplicates": "a quarter or more of its documents were flagged as duplicates",
    "above_usual": "a recent document is far above its usual amount",
}


def risk(workspace: Workspace, vendor: Vendor, figures_: VendorFigures | None = None) -> Risk:
    """The vendor's risk score, 0-100: the sum of the listed points that apply, each with its reason."""
    stats = figures_ or figures(workspace, [vendor.id])[vendor.id]
    points: list[RiskPoint] = []

    def add(key: str, detail: str = "") -> None:
        points.append(RiskPoint(RISK_POINTS[key], RISK_EXPLAINED[key] + (f" ({detail})" if detail else "")))

    if vendor.gstin and vendor.gstin_valid is False:
        add("invalid_gstin", vendor.gstin)
    elif not vendor.gstin:
        add("no_gstin")
    if stats.documents <= 1:
        add("first_invoice")
    if vendor.bank_details_changed_at is not None:
        add("bank_changed", f"{vendor.bank_details_changed_at:%d %b %Y}")
    if stats.documents and stats.duplicates * 4 >= stats.documents and stats.duplicates:
        add("duplicates", f"{stats.duplicates} of {stats.documents}")
    if stats.unusual:
        add("above_usual", f"{stats.unusual} flagged")
    return Risk(score=min(100, sum(p.points for p in points)), points=points)


@dataclass(frozen=True)
class VendorRow:
    vendor: Vendor
    figures: VendorFigures
    risk: Risk


def vendor_page(workspace: Workspace, number: int = 1, per_page: int = 50, search: str = "") -> Page:
    """A page of vendors by name, each a VendorRow with its figures and risk."""
    query = scoped(Vendor, workspace)
    if search:
        query = query.where(Vendor.match_name.contains(match_name(search)))
    page = paginate(query.order_by(Vendor.name, Vendor.id), number, per_page)
    stats = figures(workspace, [v.id for v in page.rows])
    return replace(page, rows=[VendorRow(v, stats[v.id], risk(workspace, v, stats[v.id])) for v in page.rows])


def riskiest(workspace: Workspace, limit: int = 5) -> list[VendorRow]:
    """The vendors with the highest risk score (scored over the workspace's most active 200)."""
    busiest = (sa.select(Document.vendor_id).where(Document.workspace_id == workspace.id,
                                                   Document.vendor_id.is_not(None))
               .group_by(Document.vendor_id).order_by(sa.func.count().desc(), Document.vendor_id).limit(200))
    ids = list(db.session.scalars(busiest))
    active = list(db.session.scalars(scoped(Vendor, workspace).where(Vendor.id.in_(ids)))) if ids else []
    stats = figures(workspace, [v.id for v in active])
    rows = [VendorRow(v, stats[v.id], risk(workspace, v, stats[v.id])) for v in active]
    rows.sort(key=lambda r: (-r.risk.score, r.vendor.name))
    return [r for r in rows if r.risk.score > 0][:limit]
