"""Admin endpoints of checkout assistance: churn settings, chat settings, the policies the chat
answers from, and the inbox of conversations handed to a person."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Path, Query, status
from pydantic import BaseModel, Field, ValidationError
from sqlmodel import Session

from cart_admin.api.admin import require_writer
from cart_admin.api.checkout_schemas import MessageOut, Text
from cart_admin.api.deps import AdminRoute, CurrentPrincipal, NowDep, SessionDep
from cart_admin.api.schemas import invalid_fields
from cart_admin.domain.chat import conversation as chat
from cart_admin.domain.chat import inbox
from cart_admin.domain.chat.config import load_chat_config, parse_chat_config, save_chat_config
from cart_admin.domain.chat.policies import PoliciesForm, load_policies, save_policies
from cart_admin.domain.churn.config import load_churn_config, parse_churn_config, save_churn_config
from cart_admin.domain.config_store import field_errors
from cart_admin.domain.tenancy import NotFound
from cart_admin.models import ChatSession, ChatSessionStatus, User

churn_settings = APIRouter(
    prefix="/api/momentum/cart-save/churn", tags=["checkout"], route_class=AdminRoute
)
router = APIRouter(prefix="/api/momentum/cs", tags=["checkout"], route_class=AdminRoute)

ConversationId = Annotated[str, Path(min_length=1, max_length=24, pattern=r"^[0-9a-f]+$")]
INVALID: dict[int | str, dict[str, Any]] = {422: {"description": "Invalid settings, by field"}}


@churn_settings.get("/config")
def read_churn_config(principal: CurrentPrincipal, session: SessionDep) -> dict:
    """Signal weights (0-100 each), the exit-intent threshold and discount, and switches."""
    config = load_churn_config(session, principal.company_id)
    return config.model_dump(mode="json", by_alias=True)


@churn_settings.put("/config", responses=INVALID)
def update_churn_config(
    principal: CurrentPrincipal, session: SessionDep, body: Annotated[dict, Body()]
) -> dict:
    require_writer(principal)
    try:
        config = parse_churn_config(body)
    except ValidationError as exc:
        return invalid_fields(field_errors(exc, fallback="churn"), "churn settings")  # type: ignore[return-value]
    save_churn_config(session, principal.company_id, config)
    return config.model_dump(mode="json", by_alias=True)


@router.get("/config")
def read_chat_config(principal: CurrentPrincipal, session: SessionDep) -> dict:
    """The spec's `CheckoutChatConfig`: quick questions, capabilities (with the discount cap
    every in-checkout offer obeys) and when to hand a chat to a person."""
    return load_chat_config(session, principal.company_id).model_dump(mode="json", by_alias=True)


@router.put("/config", responses=INVALID)
def update_chat_config(
    principal: CurrentPrincipal, session: SessionDep, body: Annotated[dict, Body()]
) -> dict:
    require_writer(principal)
    try:
        config = parse_chat_config(body)
    except ValidationError as exc:
        return invalid_fields(field_errors(exc, fallback="chat"), "chat settings")  # type: ignore[return-value]
    save_chat_config(session, principal.company_id, config)
    return config.model_dump(mode="json", by_alias=True)


@router.get("/policies", response_model=PoliciesForm, response_model_by_alias=True)
def read_policies(principal: CurrentPrincipal, session: SessionDep) -> PoliciesForm:
    """Shipping, returns, payment and FAQ text the chat answers from."""
    return load_policies(session, principal.company_id)


@router.put("/policies", response_model=PoliciesForm, response_model_by_alias=True)
def update_policies(
    principal: CurrentPrincipal, session: SessionDep, body: PoliciesForm, now: NowDep
) -> PoliciesForm:
    require_writer(principal)
    return save_policies(session, principal.company_id, body, now=now)


@router.get("/conversations")
def list_conversations(
    principal: CurrentPrincipal,
    session: SessionDep,
    status_: Annotated[ChatSessionStatus | None, Query(alias="status")] = None,
) -> dict:
    """The inbox: conversations waiting for a person first, then the most recent."""
    rows = inbox.conversations(session, principal.company_id, status=status_)
    return {
        "waiting": inbox.waiting_count(session, principal.company_id),
        "conversations": [r.as_dict() for r in rows],
    }


def _conversation(session: Session, principal, chat_id: str) -> ChatSession:
    try:
        return inbox.conversation(session, principal.company_id, chat_id)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc


def _thread(session: Session, conversation: ChatSession) -> dict:
    return {
        "id": conversation.id,
        "status": str(conversation.status),
        "needsReply": conversation.needs_reply,
        "escalationReason": conversation.escalation_reason,
        "context": conversation.context,
        "messages": [
            MessageOut.of(m).model_dump(mode="json", by_alias=True)
            for m in chat.messages_after(session, conversation)
        ],
    }


@router.get("/conversations/{chat_id}")
def read_conversation(chat_id: ConversationId, principal: CurrentPrincipal, session: SessionDep):
    return _thread(session, _conversation(session, principal, chat_id))


class Reply(BaseModel):
    content: Text = Field(min_length=1, max_length=2000)


@router.post("/conversations/{chat_id}/reply")
def reply(
    chat_id: ConversationId,
    body: Reply,
    principal: CurrentPrincipal,
    session: SessionDep,
    now: NowDep,
) -> dict:
    """A person's reply; the shopper's drawer shows it within a few seconds."""
    require_writer(principal)
    conversation = _conversation(session, principal, chat_id)
    user = session.get(User, principal.user_id) if principal.user_id else None
    author = user.name if user is not None and user.name.strip() else "Support team"
    try:
        chat.reply(session, chat=conversation, author=author, content=body.content, now=now)
    except chat.ChatError as exc:
        raise HTTPException(422, detail=str(exc)) from exc
    return _thread(session, conversation)


@router.post("/conversations/{chat_id}/close")
def close(
    chat_id: ConversationId, principal: CurrentPrincipal, session: SessionDep, now: NowDep
) -> dict:
    require_writer(principal)
    conversation = _conversation(session, principal, chat_id)
    chat.close(session, conversation, now=now)
    return _thread(session, conversation)
