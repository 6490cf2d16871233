"""Recovery content endpoints: writing settings and AI usage, previews, spec §8 generation,
pinned A/B versions, and the trigger library. Thin: parse, authorise, call the domain."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Path, Query, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel
from sqlalchemy import Engine

from cart_admin.api.admin import require_writer
from cart_admin.api.deps import AdminRoute, CurrentPrincipal, NowDep, SessionDep, feature_flag
from cart_admin.channels.ai import ai_completer_from_settings
from cart_admin.domain import ai_budget
from cart_admin.domain.recovery_content import content_types, preview, versions
from cart_admin.domain.recovery_content.pinned import PLACEHOLDERS
from cart_admin.domain.recovery_content.settings import read_settings, save_settings
from cart_admin.domain.recovery_content.trigger_library import LIBRARY
from cart_admin.domain.recovery_content.writer import ClaudeWriter
from cart_admin.domain.save_flow.config import field_errors
from cart_admin.domain.tenancy import NotFound
from cart_admin.models import CartAbandonmentReason, CartRecoveryContentType, CartSaveStage
from cart_admin.models.enums import AIPurpose, BrandVoice, UrgencyLevel
from cart_admin.settings import get_settings

router = APIRouter(
    prefix="/api/momentum/content",
    route_class=AdminRoute,
    tags=["recovery content"],
    dependencies=[feature_flag("enable_mi_cart_save")],
)

Stage = Annotated[CartSaveStage, Path()]
Variant = Annotated[str, Path(pattern="^[AB]$")]
CartId = Annotated[str | None, Field(default=None, alias="cartId", max_length=24,
                                     pattern=r"^[0-9a-f]+$")]  # fmt: skip


class _In(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class PreviewIn(_In):
    stage: CartSaveStage
    reason: CartAbandonmentReason | None = None
    cart_id: CartId
    ai: bool = False  # ask Claude too (spends tokens)


class OfferIn(_In):
    discount_percent: Decimal | None = Field(default=None, max_digits=5, decimal_places=2)
    free_shipping: bool = False
    gift_with_purchase: str | None = Field(default=None, max_length=80)


class StyleIn(_In):
    brand_voice: BrandVoice | None = None
    urgency_level: UrgencyLevel | None = None


class GenerateIn(_In):
    type: CartRecoveryContentType
    cart_id: CartId
    offer: OfferIn | None = None
    style: StyleIn | None = None


class VersionIn(_In):
    subject: str = Field(max_length=400)
    preheader: str = Field(default="", max_length=400)
    headline: str = Field(max_length=400)
    body: str = Field(max_length=8000)
    cta: str = Field(max_length=200)
    sms: str = Field(max_length=1000)
    source: str = Field(default="edited", pattern="^(ai|template|edited)$")


def _claude(engine: Engine, now) -> ClaudeWriter | None:
    settings = get_settings()
    completer = ai_completer_from_settings(settings, timeout=settings.ai_content_timeout_seconds)
    if completer is None:
        return None
    return ClaudeWriter(completer, engine, purpose=AIPurpose.CONTENT_PREVIEW, clock=lambda: now)


def _invalid(errors: dict[str, str]) -> JSONResponse:
    return JSONResponse(status_code=422, content={"detail": "Invalid content", "errors": errors})


@router.get("/settings")
def get_content_settings(principal: CurrentPrincipal, session: SessionDep, now: NowDep) -> dict:
    """Brand voice, AI switch and monthly token budget, SMS length, tone per stage, A/B
    splits; with this month's AI usage."""
    form = read_settings(session, principal.company_id)
    return {
        **form.model_dump(mode="json", by_alias=True),
        "aiConfigured": bool(get_settings().anthropic_api_key),
        "usage": ai_budget.usage_summary(session, principal.company_id, now).as_dict(),
    }


@router.put("/settings", responses={422: {"description": "Invalid settings, by field"}})
def put_content_settings(
    principal: CurrentPrincipal, session: SessionDep, now: NowDep, body: Annotated[dict, Body()]
):
    require_writer(principal)
    try:
        form = save_settings(session, principal.company_id, body, now=now)
    except ValidationError as exc:
        return _invalid(field_errors(exc))
    return form.model_dump(mode="json", by_alias=True)


@router.get("/usage")
def usage(principal: CurrentPrincipal, session: SessionDep, now: NowDep) -> dict:
    """This month's Claude tokens, cost and requests, by purpose, against the budget."""
    return ai_budget.usage_summary(session, principal.company_id, now).as_dict()


@router.post("/preview")
def preview_content(
    principal: CurrentPrincipal, session: SessionDep, now: NowDep, body: PreviewIn
) -> dict:
    """What a cart would get at a stage: the template, pinned A/B versions and (with
    `ai: true`) Claude's version, each with the checks' findings."""
    if body.ai:
        require_writer(principal)  # spends tokens
    claude = _claude(session.get_bind(), now) if body.ai else None  # type: ignore[arg-type]
    try:
        found = preview.preview_slot(session, company_id=principal.company_id, stage=body.stage,
                                     reason=body.reason, now=now, cart_id=body.cart_id,
                                     claude=claude)  # fmt: skip
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    out = found.as_dict()
    if body.ai and claude is None:
        out["aiNotes"] = ["No ANTHROPIC_API_KEY is configured: templates write every message."]
    return out


@router.post("/generate", responses={422: {"description": "An offer above the caps"}})
def generate(principal: CurrentPrincipal, session: SessionDep, now: NowDep, body: GenerateIn):
    """Spec §8: one recovery message of a content type for a cart."""
    require_writer(principal)
    offer = None
    if body.offer is not None:
        offer = content_types.RequestedOffer(body.offer.discount_percent, body.offer.free_shipping,
                                             body.offer.gift_with_purchase)  # fmt: skip
    try:
        return content_types.generate(
            session, company_id=principal.company_id, content_type=body.type, now=now,
            cart_id=body.cart_id, offer=offer,
            brand_voice=str(body.style.brand_voice) if body.style and body.style.brand_voice
            else None,
            urgency=str(body.style.urgency_level) if body.style and body.style.urgency_level
            else None,
            claude=_claude(session.get_bind(), now),  # type: ignore[arg-type]
            app_url=get_settings().app_url,
        )  # fmt: skip
    except content_types.ContentRequestError as exc:
        return _invalid({exc.field: str(exc)})
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc


@router.get("/versions")
def list_versions(principal: CurrentPrincipal, session: SessionDep) -> dict:
    """Every pinned version of the company, and the placeholders a version may use."""
    return {
        "placeholders": PLACEHOLDERS,
        "versions": [
            {"stage": str(v.stage), "reason": v.reason_key, "variant": v.variant,
             "subject": v.subject, "preheader": v.preheader, "headline": v.headline,
             "body": v.body, "cta": v.cta, "sms": v.sms, "source": v.source,
             "pinnedBy": v.pinned_by, "updatedAt": v.updated_at.isoformat()}
            for v in versions.list_versions(session, principal.company_id)
        ],
    }  # fmt: skip


@router.put("/versions/{stage}/{variant}",
            responses={422: {"description": "Invalid version, by field"}})  # fmt: skip
def pin_version(
    stage: Stage,
    variant: Variant,
    principal: CurrentPrincipal,
    session: SessionDep,
    now: NowDep,
    body: VersionIn,
    reason: Annotated[CartAbandonmentReason | None, Query()] = None,
):
    """Pin (or replace) the version of a stage (and reason) and variant."""
    require_writer(principal)
    try:
        row = versions.pin(session, company_id=principal.company_id, stage=stage, reason=reason,
                           variant=variant, fields=body.model_dump(exclude={"source"}),
                           source=body.source, pinned_by=principal.user_id, now=now)  # fmt: skip
    except versions.VersionError as exc:
        return _invalid(exc.errors)
    return {"stage": str(row.stage), "reason": row.reason_key, "variant": row.variant,
            "updatedAt": row.updated_at.isoformat()}  # fmt: skip


@router.delete("/versions/{stage}/{variant}", status_code=status.HTTP_204_NO_CONTENT)
def unpin_version(
    stage: Stage,
    variant: Variant,
    principal: CurrentPrincipal,
    session: SessionDep,
    reason: Annotated[CartAbandonmentReason | None, Query()] = None,
) -> None:
    require_writer(principal)
    if not versions.unpin(session, company_id=principal.company_id, stage=stage, reason=reason,
                          variant=variant):  # fmt: skip
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Nothing is pinned there.")


@router.get("/variants/{stage}")
def variant_stats(stage: Stage, principal: CurrentPrincipal, session: SessionDep) -> dict:
    """The A/B experiment of a stage: its split and each variant's sent/opened/clicked/
    converted messages."""
    split = read_settings(session, principal.company_id).experiments.get(stage, 0)
    return {"stage": str(stage), "splitPercent": split,
            "variants": versions.variant_stats(session, principal.company_id, stage)}  # fmt: skip


@router.get("/triggers")
def trigger_library(principal: CurrentPrincipal) -> list[dict]:
    """MI's 13 behavioural triggers: what each is, where it applies, the fact it needs."""
    return [
        {"trigger": str(t.trigger), "name": t.name, "description": t.description,
         "guidance": t.guidance, "needs": t.needs,
         "contexts": sorted(str(c) for c in t.contexts),
         "stages": [str(s) for s in CartSaveStage if s in t.stages]}
        for t in LIBRARY
    ]  # fmt: skip
