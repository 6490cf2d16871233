"""Typed dependencies shared by the routers: database session, clock, caller."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from sqlmodel import Session

from cart_admin.db import session_scope
from cart_admin.domain import auth
from cart_admin.domain.auth import SESSION_COOKIE, Principal
from cart_admin.domain.origins import normalize_origin
from cart_admin.models.types import utcnow
from cart_admin.settings import get_settings

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def get_session() -> Iterator[Session]:
    """One session per request, committed when the handler returns without error."""
    with session_scope() as session:
        yield session


def get_now() -> datetime:
    return utcnow()


# scope="function": commit BEFORE the response is sent, so a client that acts on a 201 (say,
# adds to the cart it just created) always finds the row; a failing commit is an error
# response instead of a silently lost change after a 200.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
NowDep = Annotated[datetime, Depends(get_now)]


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=message, headers={"WWW-Authenticate": "Bearer"}
    )


def _same_origin(request: Request) -> bool:
    """A cookie-authenticated write must come from our own pages (no cross-site forms).

    Our own pages are APP_URL's origin, or the host the request was sent to (when no proxy
    rewrites it); a request with neither Origin nor Referer is not from a browser form.
    """
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source:
        return True
    try:
        origin = normalize_origin(_origin_part(source))
    except ValueError:
        return False
    if origin == normalize_origin(get_settings().app_url):
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "").lower()


def _origin_part(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def authenticate_request(request: Request) -> Principal:
    """The caller: a bearer API key, or the logged-in admin's session cookie; 401/403 otherwise."""
    now = utcnow()
    with session_scope() as session:
        header = request.headers.get("authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise _unauthorized("Send the API key as 'Authorization: Bearer <key>'.")
            principal = auth.principal_for_api_key(session, plaintext=token.strip(), now=now)
            if principal is None:
                raise _unauthorized("Invalid or revoked API key.")
            return principal
        cookie = request.cookies.get(SESSION_COOKIE, "")
        user = auth.user_for_session_token(session, token=cookie, now=now) if cookie else None
        if user is None:
            raise _unauthorized(
                "Authentication required: log in, or send an API key as a bearer token."
            )
        if request.method in UNSAFE_METHODS and not _same_origin(request):
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Cross-site request refused.")
        return auth.principal_for_user(user)


class AdminRoute(APIRoute):
    """Authenticates before FastAPI reads the body, so no credentials is 401 whatever is sent."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def authenticated(request: Request) -> Response:
            request.state.principal = await run_in_threadpool(authenticate_request, request)
            return await handler(request)

        return authenticated


def get_principal(request: Request) -> Principal:
    """The caller authenticated by AdminRoute."""
    return request.state.principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def feature_flag(setting: str):
    """A router dependency answering 404 while the deployment plan's flag is off."""

    def check() -> None:
        if not getattr(get_settings(), setting):
            raise HTTPException(
                status.HTTP_404_NOT_FOUND,
                detail=f"This feature is switched off on this server ({setting.upper()}=false).",
            )

    return Depends(check)
