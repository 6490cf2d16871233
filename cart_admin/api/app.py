"""The FastAPI application Reflex mounts (`rx.App(api_transformer=...)`)."""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from cart_admin import __version__
from cart_admin.api import (
    admin,
    alerts,
    analytics,
    analytics_exports,
    cart_save,
    catalog,
    chat,
    checkout_admin,
    churn,
    content,
    embed,
    engagement,
    health,
    preview,
    public,
    recovery_links,
    themes,
    upsells,
    voice,
)


def _field_path(loc: tuple) -> str:
    return ".".join(str(part) for part in loc if part != "body") or "body"


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with one readable sentence plus field-level errors."""
    errors = []
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            position = err.get("loc", ("body", "?"))[-1]
            errors.append({"field": "body", "message": f"Malformed JSON near position {position}."})
        else:
            errors.append(
                {
                    "field": _field_path(tuple(err.get("loc", ()))),
                    "message": err["msg"].removeprefix("Value error, "),
                }
            )
    summary = "; ".join(
        e["message"] if e["field"] == "body" else f"{e['field']}: {e['message']}" for e in errors
    )
    return JSONResponse(
        {"detail": f"Invalid request: {summary}", "errors": errors},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


def create_api() -> FastAPI:
    api = FastAPI(
        title="Cart Admin API",
        version=__version__,
        description=(
            "Admin REST API of Cart Admin. Authenticate with the dashboard's session cookie or "
            "with a company API key: `Authorization: Bearer ca_...`."
        ),
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    api.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    api.include_router(health.router)
    api.include_router(themes.router)  # before admin: its static paths win over /{page_id}
    api.include_router(catalog.router)
    api.include_router(admin.router)
    api.include_router(churn.router)  # before cart_save: its /{attempt_id} paths
    api.include_router(alerts.router)
    api.include_router(analytics.cart_save)
    api.include_router(analytics.intelligence)
    api.include_router(analytics_exports.router)
    api.include_router(checkout_admin.churn_settings)
    api.include_router(checkout_admin.router)
    api.include_router(chat.router)
    api.include_router(voice.router)  # before cart_save: its /{attempt_id} paths
    api.include_router(voice.webhooks)
    api.include_router(cart_save.router)
    api.include_router(content.router)
    api.include_router(recovery_links.router)
    api.include_router(public.router)
    api.include_router(engagement.router)
    api.include_router(upsells.router)
    api.include_router(embed.router)
    api.include_router(preview.router)
    return api
