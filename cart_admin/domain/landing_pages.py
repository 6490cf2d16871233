"""Read-side summary of a company's landing pages for the dashboard."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from cart_admin.models import LandingPage, LandingPageProduct, LandingPageStatus


@dataclass(frozen=True)
class LandingPageSummary:
    id: str
    name: str
    slug: str
    status: LandingPageStatus
    public_key: str
    allowed_origins: list[str]
    checkout_url: str | None
    preset: str
    product_count: int


def landing_page_summaries(session: Session, *, company_id: str) -> list[LandingPageSummary]:
    counts = dict(
        session.exec(
            select(LandingPageProduct.landing_page_id, sa.func.count())
            .where(col(LandingPageProduct.company_id) == company_id)
            .group_by(col(LandingPageProduct.landing_page_id))
        ).all()
    )
    pages = session.exec(
        select(LandingPage)
        .where(col(LandingPage.company_id) == company_id)
        .order_by(col(LandingPage.created_at), col(LandingPage.id))
    ).all()
    return [
        LandingPageSummary(
            id=p.id,
            name=p.name,
            slug=p.slug,
            status=p.status,
            public_key=p.public_key,
            allowed_origins=list(p.allowed_origins),
            checkout_url=p.checkout_url,
            preset=str((p.cart_theme or {}).get("preset") or "light"),
            product_count=int(counts.get(p.id, 0)),
        )
        for p in pages
    ]


def embed_snippet(app_url: str, public_key: str) -> str:
    """The one tag a merchant pastes into the storefront."""
    return f'<script src="{app_url.rstrip("/")}/embed/{public_key}.js" async></script>'
