"""The checkout chat the drawer talks to (spec §6: `/api/momentum/cs/sessions` and
`/messages`). A chat is named by its token, a secret only the shopper's tab holds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status
from sqlmodel import Session

from cart_admin.api.checkout_schemas import (
    ActionOut,
    ChatAction,
    ChatPost,
    ChatReplyOut,
    ChatSessionOut,
    ChatStart,
    MessageOut,
)
from cart_admin.api.deps import NowDep, SessionDep
from cart_admin.api.public import cart_out
from cart_admin.domain import storefront as shop
from cart_admin.domain.chat import conversation as chat
from cart_admin.domain.chat.config import load_chat_config
from cart_admin.domain.chat.service import answerer_for
from cart_admin.domain.tenancy import NotFound
from cart_admin.models import ChatSession
from cart_admin.settings import get_settings

router = APIRouter(prefix="/api/momentum/cs/sessions", tags=["storefront"])

PageKey = Annotated[str, Query(alias="key", max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
ChatToken = Annotated[str, Path(min_length=16, max_length=48, pattern=r"^[A-Za-z0-9_-]+$")]


def _chat(session: Session, token: str) -> ChatSession:
    try:
        return chat.session_for_token(session, token)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc


def _refused(exc: chat.ChatError) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, detail=str(exc))


def _session_out(session: Session, conversation: ChatSession, after: int = 0) -> ChatSessionOut:
    config = load_chat_config(session, conversation.company_id)
    return ChatSessionOut(
        id=conversation.token,
        status=str(conversation.status),
        quick_questions=config.quick_questions,
        position=config.position,
        messages=[MessageOut.of(m) for m in chat.messages_after(session, conversation, after)],
    )


@router.post("", response_model=ChatSessionOut, response_model_by_alias=True, status_code=201)
def start_chat(key: PageKey, body: ChatStart, session: SessionDep, now: NowDep) -> ChatSessionOut:
    """Open a conversation (with the welcome message) for this page and, when given, the
    shopper's cart: reopening the chat of a cart continues its conversation."""
    try:
        store = shop.storefront_for_key(session, public_key=key)
        token = body.context.cart_token
        cart = shop.cart_for_token(session, store=store, token=token) if token else None
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    try:
        if cart is not None:
            conversation = chat.open_for_cart(session, store=store, cart=cart, now=now)
        else:
            context = body.context.model_dump(mode="json", by_alias=True, exclude_none=True)
            conversation = chat.start(session, store=store, cart=None, context=context, now=now)
    except chat.ChatError as exc:
        raise _refused(exc) from exc
    return _session_out(session, conversation)


@router.get("/{token}/messages", response_model=ChatSessionOut, response_model_by_alias=True)
def read_messages(
    token: ChatToken,
    session: SessionDep,
    after: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ChatSessionOut:
    """The messages after `after` (a seq): the drawer polls this for a person's replies."""
    conversation = _chat(session, token)
    return _session_out(session, conversation, after)


def _reply(
    session: Session, conversation: ChatSession, added: list, escalated: bool, cart=None
) -> ChatReplyOut:
    said = next((m for m in reversed(added) if m.role in ("assistant", "agent")), None)
    messages = [MessageOut.of(m) for m in added]
    last = MessageOut.of(said) if said is not None else None
    return ChatReplyOut(
        response=last.content if last else "",
        suggested_actions=[ActionOut(**a.model_dump()) for a in last.actions] if last else [],
        escalated=escalated,
        status=str(conversation.status),
        messages=messages,
        cart=cart.model_dump(mode="json") if cart is not None else None,
    )


@router.post("/{token}/messages", response_model=ChatReplyOut, response_model_by_alias=True)
def post_message(
    token: ChatToken, body: ChatPost, session: SessionDep, now: NowDep
) -> ChatReplyOut:
    """The shopper's message and the answer (from the policies, or Claude grounded in them);
    a person's conversation only records it and marks it for a reply."""
    conversation = _chat(session, token)
    answer_with = answerer_for(session, conversation.company_id, settings=get_settings(), now=now)
    try:
        posted = chat.post(
            session, chat=conversation, content=body.content, answer_with=answer_with, now=now
        )
    except chat.ChatError as exc:
        raise _refused(exc) from exc
    return _reply(session, conversation, posted.messages, posted.escalated)


@router.post("/{token}/actions", response_model=ChatReplyOut, response_model_by_alias=True)
def take_action(
    token: ChatToken, body: ChatAction, session: SessionDep, now: NowDep
) -> ChatReplyOut:
    """Carry out an action the chat offered: checked again now (cap, cart, one price offer
    per cart); any value in the request is ignored."""
    conversation = _chat(session, token)
    try:
        done = chat.take_action(
            session, chat=conversation, message_id=body.message_id, kind=body.type, now=now
        )
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    except (chat.ChatError, shop.CartError) as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    cart = None
    if done.cart is not None:
        store, _ = shop.storefront_for_cart_token(session, token=done.cart.cart.public_token)
        cart = cart_out(session, store, done.cart, now)
    escalated = body.type == "escalate"
    return _reply(session, conversation, [done.message], escalated, cart)


@router.post("/{token}/escalate", response_model=ChatReplyOut, response_model_by_alias=True)
def escalate(token: ChatToken, session: SessionDep, now: NowDep) -> ChatReplyOut:
    """ "Talk to a person": the conversation goes to the inbox."""
    conversation = _chat(session, token)
    config = load_chat_config(session, conversation.company_id)
    try:
        note = chat.request_person(session, conversation, config, now)
    except chat.ChatError as exc:
        raise _refused(exc) from exc
    return _reply(session, conversation, [note], True)
