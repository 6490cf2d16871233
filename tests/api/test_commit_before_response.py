"""A change is committed before its response starts: the next request always sees it."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlmodel import Session, select

from cart_admin.api.app import create_api
from cart_admin.models import Cart
from tests.factories import make_company, make_landing_page


def _post(app, path: str, on_response_start) -> int:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"host", b"testserver")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    status: list[int] = []

    async def receive():
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            status.append(message["status"])
            on_response_start()

    asyncio.run(app(scope, receive, send))
    return status[0]


def test_a_created_cart_is_in_the_database_when_the_201_starts(session: Session, engine) -> None:
    company = make_company(session)
    page = make_landing_page(session, company)
    seen: list[int] = []

    def count_carts() -> None:
        with Session(engine) as other:  # another connection, as the next request would use
            seen.append(other.exec(select(sa.func.count()).select_from(Cart)).one())

    status = _post(create_api(), f"/api/public/{page.public_key}/carts", count_carts)

    assert status == 201
    assert seen == [1]
