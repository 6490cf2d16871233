"""GET /api/health: is this process serving, on which database and schema, ticking or not."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from cart_admin import __version__
from cart_admin.db import get_engine
from cart_admin.settings import get_settings
from cart_admin.worker.scheduler import STATUS

router = APIRouter(tags=["health"])


@router.get("/api/health")
def health() -> JSONResponse:
    """200 when the database answers, 503 otherwise (load balancers read the code)."""
    settings = get_settings()
    body: dict = {
        "status": "ok",
        "version": __version__,
        "database": {"kind": settings.database_kind, "ok": True, "revision": None},
        "scheduler": STATUS.as_dict() | {"configured": settings.scheduler.value},
    }
    try:
        with get_engine().connect() as conn:
            body["database"]["revision"] = conn.execute(
                sa.text("SELECT version_num FROM alembic_version")
            ).scalar()
    except sa.exc.SQLAlchemyError as exc:
        body["status"] = "degraded"
        body["database"].update(ok=False, error=type(exc).__name__)
        return JSONResponse(body, status_code=503)
    return JSONResponse(body)
