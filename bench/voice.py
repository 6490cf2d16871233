"""Voice benchmark: the call queue's dialling rate and the cost of one turn of a call.

    python bench/voice.py [--calls 200] [--database-url postgresql+psycopg://...]

1. Queue: `--calls` carts due a call (an abandoned cart, its attempt at the Nuclear offer
   stage with two delivered e-mails, the stage's VOICE row), then one `run_queue` over them
   with every criterion passing. The phone line is an in-process channel that answers with a
   SID at once, so the figure is the queue's own cost: assessing each cart, the claim
   transaction under the company lock, writing the call, recording Twilio's answer.
2. Webhooks: each placed call is driven through the real API (FastAPI's TestClient, signed
   with twilio's RequestValidator) the way Twilio would: answer, five speech turns (a price
   objection to an accepted discount, the code applied to the cart), completed. Prints p50 and
   p99 per webhook, and the ratio to a bare FastAPI endpoint answering a constant TwiML
   through the same client in the same process.

SQLite (a temporary file) by default; `--database-url` a PostgreSQL database to drop and
recreate.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = "bench-auth-token"
API_URL = "https://bench.example"
NOW = datetime(2026, 3, 3, 20, 0, tzinfo=UTC)  # 15:00 in New York: inside the call hours
TURNS = ("yes this is Ada", "sure", "it was too expensive", "yes please", "no thanks")


class InstantLine:
    """A phone line that places every call at once (the bench measures the app, not Twilio)."""

    name = "twilio"

    def __init__(self) -> None:
        self.placed = 0

    def place(self, call) -> str:
        self.placed += 1
        return f"CA{self.placed:032x}"


def _database(url: str | None) -> str:
    if url is None:
        return f"sqlite:///{tempfile.mkdtemp()}/voice-bench.db"
    import sqlalchemy as sa

    name = url.rsplit("/", 1)[1]
    admin = sa.create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = _database(args.database_url)
    os.environ.update(DATABASE_URL=url, API_URL=API_URL, TWILIO_AUTH_TOKEN=TOKEN)
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_PHONE_NUMBER", "ANTHROPIC_API_KEY"):
        os.environ.pop(name, None)

    from fastapi import FastAPI
    from fastapi.responses import Response
    from fastapi.testclient import TestClient
    from sqlmodel import Session, select
    from twilio.request_validator import RequestValidator

    from cart_admin.api.app import create_api
    from cart_admin.channels.sms import ConsoleSms
    from cart_admin.db import engine_for
    from cart_admin.domain.voice import queue
    from cart_admin.domain.voice.service import VoiceService
    from cart_admin.models import CartVoiceCall, VoiceCallOutcome
    from cart_admin.settings import get_settings
    from tests.conftest import migrate
    from tests.voice_world import make_call_due, make_shop

    # Importing the test helpers blanks provider credentials: set ours after them.
    os.environ.update(DATABASE_URL=url, API_URL=API_URL, TWILIO_AUTH_TOKEN=TOKEN)
    get_settings.cache_clear()
    migrate(url)
    engine = engine_for(url)
    with Session(engine, expire_on_commit=False) as session:
        shop = make_shop(session)
        for _ in range(args.calls):
            make_call_due(session, shop=shop)
    # One shopper per cart: the queue calls a number once a week.
    with Session(engine) as session:
        from cart_admin.models import Cart, Customer

        carts = session.exec(select(Cart)).all()
        for index, cart in enumerate(carts):
            customer = session.get(Customer, cart.customer_id)
            clone = Customer(
                **{
                    **customer.model_dump(exclude={"id", "email", "phone"}),
                    "email": f"shopper{index}@bench.example",
                    "phone": f"+1555{index:07d}",
                }
            )
            session.add(clone)
            session.flush()
            cart.customer_id = clone.id
            session.add(cart)
        session.commit()
        from cart_admin.models import CartSaveAttempt

        for attempt in session.exec(select(CartSaveAttempt)).all():
            attempt.customer_id = session.get(Cart, attempt.cart_id).customer_id
            session.add(attempt)
        session.commit()
    from cart_admin.domain.voice.config import VoiceRecoveryConfig, save_voice_config

    with Session(engine) as session:
        save_voice_config(session, shop[0].id, VoiceRecoveryConfig(maxCallsPerDay=100_000))
        session.commit()

    line = InstantLine()
    service = VoiceService(channel=line, sms=ConsoleSms(), base_url=API_URL)
    started = time.perf_counter()
    counts = queue.run_queue(engine, service, now_fn=lambda: NOW, worker="bench", limit=args.calls)
    queue_seconds = time.perf_counter() - started
    print(f"database: {url.split(':', 1)[0]}")
    print(f"queue: {counts} in {queue_seconds:.2f} s = {line.placed / queue_seconds:.1f} calls/s")

    client = TestClient(create_api())
    validator = RequestValidator(TOKEN)
    timings: dict[str, list[float]] = {"answer": [], "gather": [], "status": []}

    def post(path: str, params: dict[str, str], kind: str) -> str:
        signature = validator.compute_signature(API_URL + path, params)
        begin = time.perf_counter()
        response = client.post(path, data=params, headers={"X-Twilio-Signature": signature})
        timings[kind].append(time.perf_counter() - begin)
        assert response.status_code in (200, 204), response.text
        return response.text

    with Session(engine) as session:
        calls = session.exec(select(CartVoiceCall.id, CartVoiceCall.voice_call_id)).all()
    base = "/api/webhooks/twilio/voice"
    for call_id, sid in calls:
        post(f"{base}/{call_id}/answer", {"CallSid": sid, "AnsweredBy": "human"}, "answer")
        for turn, words in enumerate(TURNS):
            post(
                f"{base}/{call_id}/gather?turn={turn}",
                {"CallSid": sid, "SpeechResult": words},
                "gather",
            )
        post(
            f"{base}/{call_id}/status",
            {"CallSid": sid, "CallStatus": "completed", "CallDuration": "95"},
            "status",
        )
    with Session(engine) as session:
        accepted = session.exec(
            select(CartVoiceCall).where(CartVoiceCall.outcome == VoiceCallOutcome.DISCOUNT_ACCEPTED)
        ).all()
    assert len(accepted) == len(calls), (len(accepted), len(calls))

    bare = FastAPI()
    document = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hi</Say></Response>'

    @bare.post("/twiml")
    def twiml() -> Response:
        return Response(document, media_type="application/xml")

    bare_client = TestClient(bare)
    baseline = []
    for _ in range(len(calls) * 7):
        begin = time.perf_counter()
        bare_client.post("/twiml", data={"CallSid": "CA1"})
        baseline.append(time.perf_counter() - begin)
    base_p50 = statistics.median(baseline)
    print(f"webhooks over {len(calls)} calls ({len(calls) * 7} requests):")
    for kind, values in timings.items():
        p50, p99 = statistics.median(values), _percentile(values, 0.99)
        print(
            f"  {kind:7s} p50 {p50 * 1000:6.2f} ms  p99 {p99 * 1000:6.2f} ms  "
            f"ratio p50/bare {p50 / base_p50:5.1f}"
        )
    print(f"  bare    p50 {base_p50 * 1000:6.2f} ms  (constant TwiML, same client)")


if __name__ == "__main__":
    main()
