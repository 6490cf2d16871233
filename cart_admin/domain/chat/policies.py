"""The company's policies (shipping, returns, payment, FAQ) as the chat reads them: passages,
each with its topic, plus the facts the store's own settings make true (rates, thresholds)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from sqlmodel import Session, col, select

from cart_admin.domain.save_flow.content import money
from cart_admin.models import Company, StorePolicies
from cart_admin.models.types import storable_text

TOPICS = ("shipping", "returns", "payment", "faq")
MAX_POLICY_CHARS = 6000
FAQ_PAIR = re.compile(r"^\s*Q:\s*(?P<q>.+?)\s*\n\s*A:\s*(?P<a>.+)$", re.S | re.I)


PolicyText = Annotated[str, Field(max_length=MAX_POLICY_CHARS), AfterValidator(storable_text)]


class PoliciesForm(BaseModel):
    """The Settings page's and the API's shape (camelCase in JSON)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    shipping: PolicyText = ""
    returns: PolicyText = ""
    payment: PolicyText = ""
    faq: PolicyText = ""


@dataclass(frozen=True)
class Passage:
    topic: str  # shipping | returns | payment | faq | store
    text: str  # what the answer says
    question: str = ""  # an FAQ entry's question: matched, not said


def load_policies(session: Session, company_id: str) -> PoliciesForm:
    row = _row(session, company_id)
    if row is None:
        return PoliciesForm()
    return PoliciesForm(
        shipping=row.shipping, returns=row.returns, payment=row.payment, faq=row.faq
    )


def save_policies(
    session: Session, company_id: str, form: PoliciesForm, *, now: datetime
) -> PoliciesForm:
    row = _row(session, company_id) or StorePolicies(company_id=company_id)
    row.shipping, row.returns = form.shipping.strip(), form.returns.strip()
    row.payment, row.faq = form.payment.strip(), form.faq.strip()
    row.updated_at = now
    session.add(row)
    session.flush()
    return load_policies(session, company_id)


def _row(session: Session, company_id: str) -> StorePolicies | None:
    return session.exec(
        select(StorePolicies).where(col(StorePolicies.company_id) == company_id)
    ).first()


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def passages(
    form: PoliciesForm, company: Company, free_shipping_threshold: Decimal | None
) -> list[Passage]:
    """Every passage the chat may answer from: the policies, paragraph by paragraph (FAQ entries
    as question and answer), then the facts the store's settings state."""
    out: list[Passage] = []
    for topic in ("shipping", "returns", "payment"):
        out += [Passage(topic, p) for p in _paragraphs(getattr(form, topic))]
    for block in _paragraphs(form.faq):
        match = FAQ_PAIR.match(block)
        if match:
            out.append(Passage("faq", match["a"].strip(), question=match["q"].strip()))
        else:
            out.append(Passage("faq", block))
    rate = company.shipping_flat_rate
    ship = f"Shipping costs a flat {money(rate, company.currency)} per order"
    if rate <= 0:
        ship = "Shipping is free on every order"
    elif free_shipping_threshold:
        ship += f", and free on orders over {money(free_shipping_threshold, company.currency)}"
    out.append(Passage("shipping", ship + "."))
    if company.support_email:
        out.append(Passage("store", f"You can also e-mail us at {company.support_email}."))
    return out
