"""Pinned versions and A/B experiments: which version a message uses, and storing them.

An experiment runs on a stage while a variant B version is pinned and the company's split for
that stage is above 0: each attempt is assigned A or B by a hash of its id and the stage (the
same attempt always gets the same variant), and the message records its variant so analytics
can compare the two.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cart_admin.domain.recovery_content.pinned import validate_fields
from cart_admin.domain.save_flow.content import PinnedText
from cart_admin.models import CartAbandonmentReason as R
from cart_admin.models import CartIntervention, ContentSettings, ContentVersion
from cart_admin.models import CartSaveStage as S

ANY = "ANY"
VARIANTS = ("A", "B")


class VersionError(ValueError):
    """A version that cannot be pinned; `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


def reason_key(stage: S, reason: R | None) -> str:
    """Only the branching stage's words depend on the diagnosis reason."""
    return str(reason) if stage is S.BRANCHING_INTERVENTION and reason is not None else ANY


def bucket(attempt_id: str, stage: S) -> int:
    return int(hashlib.sha256(f"{attempt_id}:{stage}".encode()).hexdigest()[:8], 16) % 100


def split_for(settings: ContentSettings, stage: S) -> int:
    try:
        return max(0, min(100, int((settings.experiments or {}).get(str(stage), 0))))
    except (TypeError, ValueError):
        return 0


def find_version(
    session: Session, company_id: str, stage: S, reason: R | None, variant: str
) -> ContentVersion | None:
    """The pinned version for the slot: the reason's own, else the stage's 'any reason' one."""
    keys = [reason_key(stage, reason)]
    if keys[0] != ANY:
        keys.append(ANY)
    rows = session.exec(
        select(ContentVersion).where(
            col(ContentVersion.company_id) == company_id,
            col(ContentVersion.stage) == stage,
            col(ContentVersion.variant) == variant,
            col(ContentVersion.reason_key).in_(keys),
        )
    ).all()
    by_key = {row.reason_key: row for row in rows}
    return next((by_key[k] for k in keys if k in by_key), None)


@dataclass(frozen=True)
class Choice:
    variant: str | None  # None: no experiment on this stage
    pinned: PinnedText | None


def choose(
    session: Session,
    settings: ContentSettings,
    *,
    attempt_id: str,
    stage: S,
    reason: R | None,
) -> Choice:
    """The version this attempt's message at this stage uses."""
    company_id = settings.company_id
    b = find_version(session, company_id, stage, reason, "B")
    split = split_for(settings, stage)
    variant: str | None = None
    if b is not None and split > 0:
        variant = "B" if bucket(attempt_id, stage) < split else "A"
    version = b if variant == "B" else find_version(session, company_id, stage, reason, "A")
    return Choice(variant, as_text(version) if version else None)


def as_text(version: ContentVersion) -> PinnedText:
    return PinnedText(version.subject, version.preheader, version.headline, version.body,
                      version.cta, version.sms, version.source)  # fmt: skip


def pin(
    session: Session,
    *,
    company_id: str,
    stage: S,
    reason: R | None,
    variant: str,
    fields: dict[str, str],
    source: str,
    pinned_by: str | None,
    now: datetime,
) -> ContentVersion:
    """Validate and store (replace) the version of a slot."""
    if variant not in VARIANTS:
        raise VersionError({"variant": "Must be A or B."})
    errors = validate_fields(fields, stage)
    if errors:
        raise VersionError(errors)
    key = reason_key(stage, reason)
    values: dict[str, Any] = {
        name: fields.get(name, "").strip()
        for name in ("subject", "preheader", "headline", "body", "cta", "sms")
    }
    values |= {"source": source if source in ("ai", "template", "edited") else "edited",
               "pinned_by": (pinned_by or "")[:200] or None, "updated_at": now}  # fmt: skip
    for _ in range(2):  # two marketers pinning the same slot at once: the later one wins
        row = session.exec(
            select(ContentVersion).where(
                col(ContentVersion.company_id) == company_id,
                col(ContentVersion.stage) == stage,
                col(ContentVersion.reason_key) == key,
                col(ContentVersion.variant) == variant,
            )
        ).first()
        if row is not None:
            for name, value in values.items():
                setattr(row, name, value)
            session.add(row)
            session.flush()
            return row
        row = ContentVersion(company_id=company_id, stage=stage, reason_key=key,
                             variant=variant, **values)  # fmt: skip
        try:
            with session.begin_nested():
                session.add(row)
            return row
        except IntegrityError:
            continue
    raise VersionError({"variant": "Another change to this version was saved at the same time."})


def unpin(session: Session, *, company_id: str, stage: S, reason: R | None, variant: str) -> bool:
    row = session.exec(
        select(ContentVersion).where(
            col(ContentVersion.company_id) == company_id,
            col(ContentVersion.stage) == stage,
            col(ContentVersion.reason_key) == reason_key(stage, reason),
            col(ContentVersion.variant) == variant,
        )
    ).first()
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def list_versions(session: Session, company_id: str) -> list[ContentVersion]:
    return list(
        session.exec(
            select(ContentVersion)
            .where(col(ContentVersion.company_id) == company_id)
            .order_by(
                col(ContentVersion.stage),
                col(ContentVersion.reason_key),
                col(ContentVersion.variant),
            )
        ).all()
    )


def variant_stats(session: Session, company_id: str, stage: S) -> list[dict]:
    """Sent, opened, clicked and converted messages of each variant (one grouped query)."""
    rows = session.execute(
        select(  # type: ignore[call-overload]
            col(CartIntervention.content_variant),
            func.count(),
            func.count(col(CartIntervention.opened_at)),
            func.count(col(CartIntervention.clicked_at)),
            func.count(col(CartIntervention.converted_at)),
        )
        .where(
            col(CartIntervention.company_id) == company_id,
            col(CartIntervention.stage) == stage,
            col(CartIntervention.content_variant).is_not(None),
            col(CartIntervention.sent_at).is_not(None),
        )
        .group_by(col(CartIntervention.content_variant))
        .order_by(col(CartIntervention.content_variant))
    ).all()
    found = {v: (n, o, c, k) for v, n, o, c, k in rows}
    out = []
    for variant in VARIANTS:
        sent, opened, clicked, converted = found.get(variant, (0, 0, 0, 0))
        out.append({
            "variant": variant, "sent": sent, "opened": opened, "clicked": clicked,
            "converted": converted,
            "conversionRate": round(100 * converted / sent, 1) if sent else None,
        })  # fmt: skip
    return out
