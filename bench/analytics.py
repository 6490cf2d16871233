"""Analytics benchmark: the report endpoints' response time on a year of a big shop's data.

    python bench/analytics.py [--carts 1000000] [--repeat 9] [--ranges 30,90,365]
        [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432] [--keep]
    python bench/analytics.py --reuse postgresql+psycopg://.../bench_analytics_xxxx

1. Data. A fresh database `bench_analytics_<random>` on `--postgres-url`'s server (created
   from template0 through template1; `postgres` and `test` are never touched), migrated to
   head, then filled with set-based SQL (`INSERT ... SELECT` over `generate_series` and a
   temporary plan table, no ORM objects): `--carts` carts of one company spread over the last
   365 days, and a second company with a twentieth as many, so every report's company filter
   has rows to skip. The proportions are the demo shop's (`cart_admin.demo`, whose constants
   are imported): ~26% bought in the session, the rest abandoned; one attempt of the save flow
   per abandoned cart, 10% of them held out; each stage's message on the channels the shopper
   consented to (e-mail, SMS, push, in-app; the voice call of the Nuclear offer for carts of
   $100 or more with voice consent), delivered, opened, clicked and converted at the demo's
   rates; recovery per stage at the demo's natural rate plus what a delivered message adds;
   survey answers and the branch they lead to; 48-hour codes (a discount code row each);
   real-time checkout offers, trigger impressions (treatment and control) and upsells. JSON
   columns carry content of the demo's size, so rows are as wide as real ones, and ids are
   time-ordered like the app's and rows inserted in time order, so a period's rows lie
   together as in a table that grew for a year. Cart lines are not generated (no report reads
   them). Foreign-key triggers are off during the load when the role may do that
   (`session_replication_role`; the rows are consistent by construction), then
   `VACUUM ANALYZE`, as autovacuum would have left a year-old table.
2. Measurement. The real API (`create_api()`) served by uvicorn on 127.0.0.1 in a thread of
   this process, authenticated with a company API key. Every analytics endpoint (the five of
   `cart-intelligence` and `cart-save/analytics`, and the voice report) is called over HTTP
   for the last 30, 90 and 365 days (`--ranges`): a warm-up round, then `--repeat` rounds in
   which each endpoint and the baseline is requested once in turn, one request at a time on
   a keep-alive connection. Printed: median and p95 (nearest rank) per endpoint and range,
   and the ratio of the median to the baseline's.
3. Baseline: `GET /bench/count` added to the same app, authenticated and given the period the
   same way, answering a bare `SELECT count(*)` of the company's carts created in the range
   (the rows the overview's cart figures start from); timed the same way. Its time inside the
   database alone (the query run directly, no HTTP) is printed too.

The goal is every endpoint under 300 ms (marked `!` when over). Absolute figures follow the
machine and whatever else runs on it; the ratios, measured in the same rounds, move less.
`--keep` leaves the database for EXPLAIN; `--reuse URL` measures such a database again
without generating it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import socket
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
DB_PREFIX = "bench_analytics_"
COMPANY_IDS = {"a": "bench_company_a", "b": "bench_company_b"}
SECOND_COMPANY_SHARE = 20  # the second company has a twentieth of the first one's carts
CARTS_PER_CUSTOMER = 10
GOAL_MS = 300.0

INTELLIGENCE = "/api/momentum/cart-intelligence"
SAVE = "/api/momentum/cart-save/analytics"
ENDPOINTS = {
    "cart-intelligence/overview": f"{INTELLIGENCE}/overview",
    "cart-intelligence/recovery": f"{INTELLIGENCE}/recovery",
    "cart-intelligence/triggers": f"{INTELLIGENCE}/triggers",
    "cart-intelligence/upsells": f"{INTELLIGENCE}/upsells",
    "cart-save/analytics/overview": f"{SAVE}/overview",
    "cart-save/analytics/attempts": f"{SAVE}/attempts",
    "cart-save/voice/analytics": "/api/momentum/cart-save/voice/analytics",
}
BASELINE = "bare count(*) (HTTP)"
BASELINE_PATH = "/bench/count"


# --- the data --------------------------------------------------------------------------------


def _lit(value: Any) -> str:
    """A SQL literal of a constant this file chose (never outside input)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(float(value))
    # Quotes doubled; colons escaped for SQLAlchemy's text() (":name" is a bind parameter).
    return "'" + str(value).replace("'", "''").replace(":", "\\:") + "'"


def _pick(r: str, weights: dict) -> str:
    """SQL drawing one key of `weights` (relative weights) with the uniform draw `r`."""
    items = list(weights.items())
    if len(items) == 1:
        return _lit(str(items[0][0]))
    total = float(sum(w for _, w in items))
    acc, whens = 0.0, []
    for key, weight in items[:-1]:
        acc += weight / total
        whens.append(f"WHEN {r} < {acc:.6f} THEN {_lit(str(key))}")
    return f"(CASE {' '.join(whens)} ELSE {_lit(str(items[-1][0]))} END)"


def _chance(r: str, by: str, rates: dict, default: float = 0.0) -> str:
    """SQL: `r` falls under the rate of the value of `by` (a column) in `rates`."""
    whens = " ".join(f"WHEN {_lit(str(k))} THEN {v}" for k, v in rates.items())
    return f"({r} < CASE {by} {whens} ELSE {default} END)"


def _customer_flags(k: str) -> dict[str, str]:
    """A customer's consents, a function of its number (the customers table and the plan
    agree without a join): e-mail 85%, a phone 70% with SMS 64% and voice 29% of those."""
    k = f"CAST({k} AS bigint)"
    return {
        "email": f"(({k} * 7919) % 100 < 85)",
        "phone": f"(({k} * 104729) % 100 < 70)",
        "sms": f"(({k} * 104729) % 100 < 70 AND ({k} * 15485863) % 100 < 64)",
        "voice": f"(({k} * 104729) % 100 < 70 AND ({k} * 2038074743) % 100 < 29)",
    }


def _stages() -> list[dict[str, Any]]:
    from cart_admin.demo.flow import FLOW, NATURAL, STAGE_DELAYS, STAGE_KINDS, STAGE_LIFT
    from cart_admin.demo.triggers import STAGE_TRIGGERS

    out = []
    for index, stage in enumerate(FLOW, start=1):
        out.append(
            {
                "idx": index,
                "stage": str(stage),
                "delay": STAGE_DELAYS[stage],
                "kind": str(STAGE_KINDS[stage]) if stage in STAGE_KINDS else None,
                "natural": NATURAL[stage],
                "lift": STAGE_LIFT[stage],
                "previous": str(FLOW[index - 2]) if index > 1 else None,
                "triggers": [str(t) for t in STAGE_TRIGGERS[stage][:3]],
            }
        )
    return out


# The slots a stage's messages may take, with the condition on the plan row (p) for each:
# the demo's channel choice (recovery._channels) plus the Nuclear offer's call.
CHANNEL_DIGITS = {"EMAIL": 1, "SMS": 2, "PUSH": 3, "VOICE": 4, "IN_APP": 5}
SLOTS: list[tuple[int, str, str]] = [
    (1, "PUSH", "p.customer_k IS NOT NULL AND p.r_push < 0.4"),
    (1, "IN_APP", "NOT (p.customer_k IS NOT NULL AND p.r_push < 0.4)"),
    (2, "EMAIL", "p.email"),
    (2, "SMS", "p.sms AND p.r_sms < 0.5"),
    (3, "SMS", "p.sms AND (NOT p.email OR p.r_sms < 0.35)"),
    (3, "EMAIL", "p.email AND NOT (p.sms AND (NOT p.email OR p.r_sms < 0.35))"),
    (4, "EMAIL", "p.email"),
    (5, "EMAIL", "p.email"),
    (5, "SMS", "p.sms"),
    (5, "VOICE", "p.calls"),
    (6, "EMAIL", "p.email"),
    (7, "EMAIL", "p.email"),
]
# Which of a stage's messages the order is attributed to when the shopper buys in that stage.
CONVERTING = {
    (2, "SMS"): "NOT p.email",
    (5, "EMAIL"): "NOT p.won_by_call",
    (5, "SMS"): "NOT p.won_by_call AND NOT p.email",
    (5, "VOICE"): "p.won_by_call",
}
CHECKOUT_KINDS = {  # real-time interventions (spec §5): type, action, weight, price-bearing
    "EXIT_INTENT": ("APPLY_DISCOUNT", 40, True),
    "FREE_SHIPPING_OFFER": ("APPLY_FREE_SHIPPING", 20, True),
    "DISCOUNT_HELP": ("APPLY_DISCOUNT", 20, True),
    "CHECKOUT_HELP": ("OPEN_CHAT", 20, False),
}
CHECKOUT_SIGNALS = {
    "EXIT_INTENT": "MOUSE_EXIT_INTENT",
    "FREE_SHIPPING_OFFER": "SHIPPING_COST_SHOCK",
    "DISCOUNT_HELP": "DISCOUNT_CODE_FAILURE",
    "CHECKOUT_HELP": "FORM_FIELD_ERRORS",
}
CHECKOUT_SHARE = 0.35  # abandoned carts that reached checkout first
CHECKOUT_OFFER_SHARE = 0.3  # carts at checkout shown a real-time intervention
CALL_SHARE = 1.0  # eligible carts the queue called at the Nuclear offer
CALL_WINS = 0.45  # of carts bought while the call was due, bought on the call
CALL_STATUS = {"COMPLETED": 68, "NO_ANSWER": 27, "BUSY": 4, "FAILED": 1}


@dataclass
class Generated:
    carts: int  # of the first company
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)
    steps: dict[str, float] = field(default_factory=dict)


def _plan_sql(carts_a: int, carts_b: int) -> str:
    """The temporary plan: one row per cart with every decision about it, in SQL layers."""
    from cart_admin.demo.carts import DIRECT_CONVERSION, GUEST_SHARE
    from cart_admin.demo.flow import (
        ANSWER_RATE,
        BRANCH_LIFT,
        BRANCHES,
        CART_EXPIRY,
        HOLDOUT_SHARE,
        OFFER_USE_RATE,
        REASON_WEIGHTS,
        WINBACK_RUN,
    )
    from cart_admin.demo.interventions import FAILURE_RATE
    from cart_admin.demo.voice import MIN_CART_VALUE

    stages = _stages()
    delays = [s["delay"] for s in stages]
    ends = [*delays[1:], delays[-1] + int(WINBACK_RUN.total_seconds() // 60)]
    # The shopper buys 10 min + ~90 min (exponential) into the stage, before the next one.
    buys_at = " ".join(
        f"WHEN {i} THEN abandoned_at + interval '1 minute'"
        f" * least({d} + 10 + 90 * -ln(1 - r_wait), {e} - 1)"
        for i, d, e in zip(range(1, 8), delays, ends, strict=True)
    )
    flags = _customer_flags("customer_k")
    reached = " ".join(
        f"WHEN age_min >= {d} THEN {i}" for i, d in reversed(list(enumerate(delays, 1)))
    )
    has_channel = {
        1: "true",
        2: "(email OR (sms AND r_sms < 0.5))",
        3: "(email OR sms)",
        4: "email",
        5: "(email OR sms)",
        6: "email",
        7: "email",
    }
    branch_lift = " ".join(f"WHEN {_lit(str(k))} THEN {v}" for k, v in BRANCH_LIFT.items())
    probabilities = []
    for s in stages:
        lift = f"CASE branch {branch_lift} ELSE {s['lift']} END" if s["idx"] == 4 else s["lift"]
        probabilities.append(
            f"{s['natural']} + CASE WHEN NOT holdout AND {has_channel[s['idx']]} "
            f"THEN ({lift}) * {1 - FAILURE_RATE} ELSE 0 END AS p{s['idx']}"
        )
    survive, whens = "1", []
    for i in range(1, 8):
        whens.append(f"WHEN r_recover < 1 - {survive} * (1 - p{i}) THEN {i}")
        survive = f"{survive} * (1 - p{i})"
    branch_when = []
    for reason, options in BRANCHES.items():
        branch_when.append(f"WHEN {_lit(str(reason))} THEN {_pick('r_branch', options)}")
    direct = " ".join(
        f"WHEN {_lit(k)} THEN {v}" for k, v in DIRECT_CONVERSION.items() if k is not None
    )
    expiry_days = CART_EXPIRY.days
    return f"""
CREATE TEMP TABLE bench_plan AS
WITH base AS (
    SELECT g.n, g.co, g.customers,
           -- in id order, as the app's time-ordered ids: the table's rows lie in time order
           CAST(:now AS timestamptz)
               - interval '365 days' * (1 - (g.n - g.first + random()) / g.total) AS created_at,
           random() AS r_guest, random() AS r_cust, random() AS r_gmail, random() AS r_group,
           random() AS r_group2, random() AS r_direct, random() AS r_session,
           random() AS r_abandon, random() AS r_holdout, random() AS r_recover,
           random() AS r_wait, random() AS r_answer, random() AS r_reason,
           random() AS r_branch, random() AS r_price, random() AS r_items,
           random() AS r_checkout, random() AS r_offer, random() AS r_call,
           random() AS r_call2, random() AS r_push, random() AS r_sms, random() AS r_risk,
           random() AS r_trig, random() AS r_upsell, random() AS r_win
    FROM (
        SELECT n, 'a' AS co, :customers_a AS customers, 1 AS first, :carts_a AS total
        FROM generate_series(1, :carts_a) AS n
        UNION ALL
        SELECT n, 'b', :customers_b, :carts_a + 1, :carts_b
        FROM generate_series(:carts_a + 1, :carts_a + :carts_b) AS n
    ) AS g
), shopper AS (
    SELECT b.*,
           CASE WHEN r_guest >= {GUEST_SHARE} THEN 1 + floor(r_cust * customers)::int END
               AS customer_k,
           created_at + (2 + 38 * r_session) * interval '1 minute' AS last_activity_at,
           CASE WHEN r_group < 0.2 THEN NULL
                WHEN r_group2 < 0.83 THEN 'treatment' ELSE 'control' END AS tgroup,
           round(CAST(14 + 150 * power(r_price, 2.2) AS numeric), 2) AS subtotal,
           1 + floor(r_items * 4)::int AS items
    FROM base AS b
), cart AS MATERIALIZED (
    SELECT s.*,
           CASE WHEN customer_k IS NULL THEN r_gmail < 0.55 ELSE {flags["email"]} END AS email,
           coalesce({flags["sms"]}, false) AS sms,
           coalesce({flags["voice"]}, false) AS voice,
           r_direct < CASE tgroup {direct} ELSE {DIRECT_CONVERSION[None]} END AS direct,
           last_activity_at + (30 + 30 * r_abandon) * interval '1 minute' AS leaves_at,
           CASE WHEN subtotal >= 50 THEN 0.00 ELSE 5.99 END AS shipping0,
           round(subtotal * 0.08, 2) AS tax0
    FROM shopper AS s
), abandoned AS (
    SELECT c.*,
           NOT direct AND leaves_at > CAST(:now AS timestamptz) AS active,
           CASE WHEN NOT direct AND leaves_at <= CAST(:now AS timestamptz) THEN leaves_at END
               AS abandoned_at,
           subtotal + shipping0 + tax0 AS grand0,
           r_holdout < {HOLDOUT_SHARE} AS holdout,
           extract(epoch FROM CAST(:now AS timestamptz) - leaves_at) / 60 AS age_min
    FROM cart AS c
), diagnosis AS (
    SELECT a.*,
           CASE WHEN NOT holdout AND (email OR sms) AND r_answer < {ANSWER_RATE}
                THEN {_pick("r_reason", REASON_WEIGHTS)} END AS reason0,
           CASE {reached} ELSE 0 END AS reached_due
    FROM abandoned AS a
), branching AS (
    SELECT d.*,
           CASE WHEN reason0 = 'SHIPPING_COST' AND shipping0 = 0 THEN 'TOO_EXPENSIVE'
                ELSE reason0 END AS reason1
    FROM diagnosis AS d
), odds AS (
    SELECT b.*,
           CASE WHEN email THEN CASE reason1 {" ".join(branch_when)} ELSE 'CART_REMINDER' END
                ELSE 'CART_REMINDER' END AS branch
    FROM branching AS b
), odds2 AS MATERIALIZED (
    SELECT o.*, {", ".join(probabilities)}
    FROM odds AS o
), recovery AS MATERIALIZED (
    SELECT o.*,
           CASE {" ".join(whens)} ELSE 0 END AS rec_stage0
    FROM odds2 AS o
), timed AS (
    SELECT r.*,
           CASE rec_stage0 {buys_at} END AS rec_at0,
           abandoned_at + interval '1 minute' * ({delays[4]} + 5 + 175 * r_call) AS call_at
    FROM recovery AS r
), outcome AS (
    SELECT t.*,
           coalesce(rec_stage0 > 0 AND rec_stage0 <= reached_due
                    AND rec_at0 <= CAST(:now AS timestamptz), false) AS recovered
    FROM timed AS t
), calls AS MATERIALIZED (
    SELECT o.*,
           CASE WHEN recovered THEN rec_stage0 ELSE reached_due END AS reached,
           abandoned_at IS NOT NULL AND NOT holdout AND voice AND grand0 >= {MIN_CART_VALUE}
               AND r_call2 < {CALL_SHARE}
               AND reached_due >= 5 AND (NOT recovered OR rec_stage0 >= 5)
               AND call_at + interval '2 hours' <= CAST(:now AS timestamptz)
               AND (NOT recovered OR rec_at0 > call_at) AS calls
    FROM outcome AS o
), offers AS (
    SELECT c.*,
           calls AND recovered AND rec_stage0 = 5 AND r_win < {CALL_WINS}
               AS won_by_call,
           CASE WHEN grand0 >= 100 AND 30 + 20 * (customer_k IS NULL)::int
                     + 10 * (grand0 >= 100)::int + 24 * (r_risk - 0.5) >= 70 THEN 30
                WHEN grand0 >= 150 THEN 25 WHEN grand0 >= 75 THEN 20 ELSE 15 END AS best_pct,
           round(CAST(least(100, greatest(0, 30 + 20 * (customer_k IS NULL)::int
                 + 10 * (grand0 >= 100)::int + 24 * (r_risk - 0.5))) AS numeric), 1) AS risk,
           CASE WHEN reached >= 3 AND NOT (recovered AND rec_stage0 <= 3) THEN reason1 END
               AS reason
    FROM calls AS c
), used AS MATERIALIZED (
    SELECT o.*,
           recovered AND r_offer < {OFFER_USE_RATE} AND (
               (rec_stage0 = 4 AND branch IN ('PERCENTAGE_DISCOUNT', 'FREE_SHIPPING'))
               OR (rec_stage0 = 5 AND (email OR sms OR won_by_call))
           ) AS offer_used
    FROM offers AS o
), totals AS (
    SELECT u.*,
           CASE WHEN NOT offer_used THEN 0.00
                WHEN rec_stage0 = 4 AND branch = 'PERCENTAGE_DISCOUNT'
                    THEN round(subtotal * 0.10, 2)
                WHEN rec_stage0 = 5 THEN round(subtotal * best_pct / 100.0, 2)
                ELSE 0.00 END AS discount,
           CASE WHEN offer_used AND rec_stage0 = 4 AND branch = 'FREE_SHIPPING' THEN 0.00
                ELSE shipping0 END AS shipping
    FROM used AS u
)
SELECT n, co, customer_k, created_at, last_activity_at, tgroup, subtotal, items, email, sms,
       voice, direct, active, abandoned_at, holdout, reason, branch, reached, recovered,
       CASE WHEN recovered THEN rec_stage0 ELSE 0 END AS rec_stage,
       CASE WHEN recovered THEN rec_at0 END AS rec_at,
       calls, call_at, won_by_call, best_pct, risk, offer_used, shipping0, tax0, grand0,
       discount, shipping, round((subtotal - discount) * 0.08, 2) AS tax,
       subtotal - discount + shipping + round((subtotal - discount) * 0.08, 2) AS grand,
       CASE WHEN direct THEN 'CONVERTED' WHEN active THEN 'ACTIVE'
            WHEN recovered THEN 'CONVERTED'
            WHEN abandoned_at + interval '{expiry_days} days' <= CAST(:now AS timestamptz)
                THEN 'EXPIRED'
            ELSE 'ABANDONED' END AS cart_status,
       CASE WHEN recovered THEN 'COMPLETED'
            WHEN abandoned_at + interval '{expiry_days} days' <= CAST(:now AS timestamptz)
                THEN 'EXPIRED'
            WHEN reached_due = 7 THEN 'EXHAUSTED'
            ELSE 'IN_PROGRESS' END AS attempt_status,
       CASE WHEN NOT offer_used THEN NULL
            WHEN rec_stage0 = 4 AND branch = 'PERCENTAGE_DISCOUNT' THEN 'SAVE10-' || co || n
            WHEN rec_stage0 = 4 THEN 'FREESHIP-' || co || n
            ELSE 'BEST' || best_pct || '-' || co || n END AS used_code,
       r_push, r_sms, r_checkout, r_trig, r_upsell
FROM totals
"""


def _ids(alias: str = "p") -> dict[str, str]:
    """Row ids as SQL of the plan row: 24 characters, the company's letter first."""
    n = f"{alias}.n::text"
    return {
        "cart": f"{alias}.co || 'c' || lpad({n}, 22, '0')",
        "attempt": f"{alias}.co || 'a' || lpad({n}, 22, '0')",
        "customer": f"{alias}.co || 'p' || lpad({alias}.customer_k::text, 22, '0')",
        "company": f"CASE {alias}.co WHEN 'a' THEN :company_a ELSE :company_b END",
        "page": f"CASE {alias}.co WHEN 'a' THEN 'bench_page_a' ELSE 'bench_page_b' END",
        "voice": f"{alias}.co || 'v' || lpad({n}, 22, '0')",
        "checkout": f"{alias}.co || 'x' || lpad({n}, 22, '0')",
    }


def _message_id(alias: str, scheduled: str, stage: str, digit: str) -> str:
    """Time-ordered like the app's ids (the millisecond it was scheduled, in hex, first), so
    the table's rows lie in the order the flow wrote them."""
    ms = f"lpad(to_hex(CAST(extract(epoch FROM {scheduled}) * 1000 AS bigint)), 12, '0')"
    return (
        f"{alias}.co || 'i' || {ms} || "
        f"lpad(CAST({alias}.n * 100 + {stage} * 10 + {digit} AS text), 10, '0')"
    )


def _iso(column: str) -> str:
    return (
        f"""to_char(({column}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24\\:MI\\:SS') || '+00\\:00'"""
    )


def _statements(carts_a: int, carts_b: int) -> list[tuple[str, str | list[str]]]:
    """(table, SQL) in the order they run; :now and the company ids are bound."""
    from cart_admin.demo.engagement import ACCEPT_RATES, PLACEMENTS, TYPE_WEIGHTS, UPSELL_SHARE
    from cart_admin.demo.interventions import CLICK_RATES, DELIVERY_RATE, FAILURE_RATE, OPEN_RATES
    from cart_admin.demo.messages import TEMPLATES
    from cart_admin.demo.voice import DURATIONS, OUTCOME_WEIGHTS, SCRIPTS
    from cart_admin.models import BehavioralTrigger

    ids = _ids()
    stages = _stages()
    fill = {"name": "Sam", "item": "Ethiopia Yirgacheffe 340 g", "more": " and 1 more",
            "reviews": "1,240", "code": "{code}", "pct": "{pct}", "total": "{total}"}  # fmt: skip
    kinds = ", ".join(
        "(" + ", ".join(_lit(x) for x in (str(k), *(t.format(**fill) for t in text))) + ")"
        for k, text in TEMPLATES.items()
    )
    stage_rows = ", ".join(
        f"({s['idx']}, {_lit(s['stage'])}, {s['delay']}, {_lit(s['kind'] or '')}, "
        f"{_lit(s['previous'] or '')}, {_lit(json.dumps(s['triggers']))}::jsonb)"
        for s in stages
    )
    slot_rows = ", ".join(f"({i}, {_lit(ch)}, {CHANNEL_DIGITS[ch]})" for i, ch, _ in SLOTS)
    slot_ok = " ".join(f"WHEN s.idx = {i} AND s.channel = {_lit(ch)} THEN {cond}"
                       for i, ch, cond in SLOTS)  # fmt: skip
    converting = " ".join(f"WHEN s.idx = {i} AND s.channel = {_lit(ch)} THEN {cond}"
                          for (i, ch), cond in CONVERTING.items())  # fmt: skip
    pending = "p.attempt_status = 'IN_PROGRESS' AND s.idx = p.reached + 1"
    msg_id = _message_id("p", "p.abandoned_at + interval '1 minute' * st.delay", "s.idx", "s.digit")
    now = "CAST(:now AS timestamptz)"
    outcomes = {k: v for k, v in OUTCOME_WEIGHTS.items() if str(k) != "RECOVERED"}
    duration = " ".join(f"WHEN {_lit(str(k))} THEN {lo} + floor(random() * {hi - lo})::int"
                        for k, (lo, hi) in DURATIONS.items())  # fmt: skip
    triggers = [str(t) for t in BehavioralTrigger]
    trigger_of = f"(ARRAY[{', '.join(_lit(t) for t in triggers)}])"
    placement = " ".join(f"WHEN {_lit(str(t))} THEN {_lit(str(p))}" for t, p in PLACEMENTS.items())
    upsell_types = {str(k): v for k, v in TYPE_WEIGHTS.items()}
    checkout_pick = _pick("r_kind", {k: v[1] for k, v in CHECKOUT_KINDS.items()})
    action = " ".join(f"WHEN {_lit(k)} THEN {_lit(v[0])}" for k, v in CHECKOUT_KINDS.items())
    price_kinds = ", ".join(_lit(k) for k, v in CHECKOUT_KINDS.items() if v[2])
    signal = " ".join(f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in CHECKOUT_SIGNALS.items())
    flags = _customer_flags("k")
    open_rate = (
        "CASE s.channel "
        + " ".join(f"WHEN {_lit(str(k))} THEN {v}" for k, v in OPEN_RATES.items())
        + " ELSE 0 END"
    )
    click_rate = (
        "CASE s.channel "
        + " ".join(f"WHEN {_lit(str(k))} THEN {v}" for k, v in CLICK_RATES.items())
        + " ELSE 0 END"
    )
    script = _pick("v.r_script", {str(k): w for k, w in SCRIPTS.items()})
    call_message = _message_id(
        "p",
        f"p.abandoned_at + interval '1 minute' * {stages[4]['delay']}",
        "5",
        str(CHANNEL_DIGITS["VOICE"]),
    )
    transcript = ", ".join(
        f"jsonb_build_object('role', {_lit(role)}, 'text', {text})"
        for role, text in (
            ("assistant", _lit("Hi, this is Bench Roasters about the coffee in your cart.")),
            ("user", _lit("Oh, right. What about it?")),
            (
                "assistant",
                "'It is still saved, and I can take ' || v.best_pct"
                " || '% off if you would like to finish today.'",
            ),
        )
    )
    upsell_draw = "(p.r_upsell * 7919 + k * 0.37 - floor(p.r_upsell * 7919 + k * 0.37))"
    upsell_kind = _pick(upsell_draw, upsell_types)
    return [
        (
            "bench_kinds",
            [
                "CREATE TEMP TABLE bench_kinds (kind text PRIMARY KEY, subject text, "
                "headline text, body text, cta text)",
                f"INSERT INTO bench_kinds VALUES {kinds}",
            ],
        ),
        (
            "bench_stages",
            [
                "CREATE TEMP TABLE bench_stages (idx int PRIMARY KEY, stage text, delay int, "
                "kind text, previous text, triggers jsonb)",
                f"INSERT INTO bench_stages VALUES {stage_rows}",
            ],
        ),
        (
            "bench_slots",
            [
                "CREATE TEMP TABLE bench_slots (idx int, channel text, digit int)",
                f"INSERT INTO bench_slots VALUES {slot_rows}",
            ],
        ),
        ("bench_plan", [_plan_sql(carts_a, carts_b), "ANALYZE bench_plan"]),
        (
            "companies",
            """
INSERT INTO companies (id, name, slug, timezone, currency, support_email, shipping_flat_rate,
                       tax_rate, created_at, updated_at)
VALUES (:company_a, 'Bench Roasters', 'bench-roasters', 'America/New_York', 'USD',
        'help@bench-roasters.example', 5.99, 0.08, :now - interval '400 days', :now),
       (:company_b, 'Other Shop', 'bench-other-shop', 'Europe/Paris', 'USD',
        'help@other-shop.example', 5.99, 0.08, :now - interval '400 days', :now)""",
        ),
        (
            "landing_pages",
            """
INSERT INTO landing_pages (id, company_id, name, slug, public_key, status, allowed_origins,
                           checkout_url, store_url, cart_theme, product_catalog, created_at,
                           updated_at)
SELECT 'bench_page_' || co, CASE co WHEN 'a' THEN :company_a ELSE :company_b END, 'Shop',
       'shop', 'pk_bench_' || co, 'PUBLISHED',
       jsonb_build_array('https://' || co || '.bench.example'),
       'https://' || co || '.bench.example/checkout', '/shop', '{}'::jsonb, '{}'::jsonb,
       :now - interval '400 days', :now
FROM (VALUES ('a'), ('b')) AS v(co)""",
        ),
        (
            "customers",
            f"""
INSERT INTO customers (id, company_id, first_name, last_name, email, phone, timezone,
                       email_consent, sms_consent, voice_consent, voice_consent_at,
                       lifetime_value, order_count, created_at, updated_at)
SELECT c.co || 'p' || lpad(k::text, 22, '0'), c.company_id, 'Shopper', 'No. ' || k,
       'shopper' || k || '@' || c.co || '.bench.example',
       CASE WHEN {flags["phone"]} THEN '+1555' || lpad(k::text, 7, '0') END,
       'America/New_York', {flags["email"]}, {flags["sms"]}, {flags["voice"]},
       CASE WHEN {flags["voice"]} THEN :now - interval '400 days' END,
       0.00, 0, :now - interval '400 days', :now
FROM (VALUES ('a', :company_a, :customers_a),
             ('b', :company_b, :customers_b)) AS c(co, company_id, total),
     generate_series(1, c.total) AS k""",
        ),
        (
            "carts",
            f"""
INSERT INTO carts (id, company_id, landing_page_id, customer_id, public_token, session_id,
                   status, currency, email, item_count, subtotal, discount_total,
                   shipping_total, tax_total, grand_total, discount_code, last_activity_at,
                   checkout_started_at, abandoned_at, converted_at, expired_at, created_at,
                   updated_at)
SELECT {ids["cart"]}, {ids["company"]}, {ids["page"]},
       CASE WHEN p.customer_k IS NOT NULL THEN {ids["customer"]} END,
       'tok_' || p.co || p.n, 'sess_' || p.co || p.n, p.cart_status, 'USD',
       CASE WHEN p.customer_k IS NOT NULL
            THEN 'shopper' || p.customer_k || '@' || p.co || '.bench.example'
            WHEN p.email THEN 'guest' || p.n || '@example.net' END,
       p.items, p.subtotal, p.discount, p.shipping, p.tax, p.grand,
       p.used_code,
       p.last_activity_at,
       CASE WHEN p.direct OR p.r_checkout < {CHECKOUT_SHARE}
                THEN greatest(p.created_at,
                          p.last_activity_at - interval '1 minute' * (1 + 3 * p.r_checkout))
            WHEN p.recovered THEN p.rec_at - interval '3 minutes' END,
       p.abandoned_at,
       CASE WHEN p.direct THEN p.last_activity_at ELSE p.rec_at END,
       CASE WHEN p.cart_status = 'EXPIRED' THEN p.abandoned_at + interval '30 days' END,
       p.created_at,
       greatest(p.last_activity_at, coalesce(p.rec_at, p.abandoned_at, p.last_activity_at))
FROM bench_plan AS p
ORDER BY p.created_at""",
        ),
        (
            "cart_save_attempts",
            f"""
INSERT INTO cart_save_attempts (id, company_id, cart_id, customer_id, channel, current_stage,
                                stage_history, diagnosis_reason, diagnosis_answers,
                                customer_risk_score, cart_value, is_holdout, status, outcome,
                                current_offer, accepted_offer, metadata, scheduled_at,
                                started_at, completed_at, recovered_value, created_at,
                                updated_at)
SELECT {ids["attempt"]}, {ids["company"]}, {ids["cart"]},
       CASE WHEN p.customer_k IS NOT NULL THEN {ids["customer"]} END,
       CASE WHEN NOT p.holdout AND p.reached >= 1
            THEN CASE WHEN p.customer_k IS NOT NULL AND p.r_push < 0.4 THEN 'PUSH'
                      ELSE 'IN_APP' END END,
       (SELECT stage FROM bench_stages WHERE idx = greatest(p.reached, 1)),
       coalesce((SELECT jsonb_agg(jsonb_build_object(
                    'stage', s.stage,
                    'enteredAt', {_iso("p.abandoned_at + interval '1 minute' * s.delay")},
                    'previousStage', nullif(s.previous, '')) ORDER BY s.idx)
                 FROM bench_stages AS s WHERE s.idx <= p.reached), '[]'::jsonb),
       p.reason,
       CASE WHEN p.reason IS NULL THEN '{{}}'::jsonb
            ELSE jsonb_build_object('reason', p.reason, 'answeredAt',
                 {_iso("p.abandoned_at + interval '200 minutes'")}) END,
       p.risk, p.grand0, p.holdout, p.attempt_status,
       CASE p.attempt_status
            WHEN 'COMPLETED' THEN CASE WHEN p.offer_used THEN 'SAVED_WITH_DISCOUNT'
                                       ELSE 'CONVERTED' END
            WHEN 'EXPIRED' THEN 'EXPIRED' WHEN 'EXHAUSTED' THEN 'EXHAUSTED' END,
       CASE WHEN NOT p.holdout AND p.reached >= 5 AND (p.email OR p.sms)
            THEN jsonb_build_object('id', 'of' || p.co || p.n, 'type', 'PERCENTAGE_DISCOUNT',
                 'value', p.best_pct, 'code', 'BEST' || p.best_pct || '-' || p.co || p.n,
                 'amount', round(p.subtotal * p.best_pct / 100.0, 2)::text,
                 'expiresAt', {_iso("p.abandoned_at + interval '72 hours'")}) END,
       CASE WHEN p.offer_used THEN jsonb_build_object('code', p.used_code,
                 'acceptedAt', {_iso("p.rec_at")}) END,
       jsonb_build_object('itemCount', p.items, 'hasHighValueItems', p.subtotal >= 100,
                          'customerLTV', '0.00', 'holdout', p.holdout),
       CASE WHEN p.attempt_status = 'IN_PROGRESS'
            THEN p.abandoned_at + interval '1 minute'
                 * (SELECT delay FROM bench_stages WHERE idx = p.reached + 1) END,
       p.abandoned_at,
       CASE p.attempt_status WHEN 'COMPLETED' THEN p.rec_at
            WHEN 'EXPIRED' THEN p.abandoned_at + interval '30 days'
            WHEN 'EXHAUSTED' THEN p.abandoned_at + interval '4320 minutes' END,
       CASE WHEN p.recovered THEN p.grand END,
       p.abandoned_at,
       coalesce(p.rec_at, p.abandoned_at)
FROM bench_plan AS p
WHERE p.abandoned_at IS NOT NULL
ORDER BY p.abandoned_at""",
        ),
        (
            "cart_interventions",
            f"""
INSERT INTO cart_interventions (id, company_id, cart_id, cart_save_attempt_id, stage,
                                channels, channel, step, tracking_token, type, content,
                                triggers_used, offer_included, offer_id, offer_code,
                                offer_value, status, scheduled_at, sent_at, delivered_at,
                                opened_at, clicked_at, executed_at, converted_at,
                                response_type, response_data, error_message, lease_token,
                                delivery_attempts, created_at, updated_at)
SELECT m.id, m.company_id, m.cart_id, m.attempt_id, m.stage, jsonb_build_array(m.channel),
       m.channel, 0, m.id, m.kind,
       CASE WHEN m.pending OR k.kind IS NULL THEN jsonb_build_object('recoveryUrl', m.url)
            ELSE jsonb_build_object(
                'subject', replace(replace(k.subject, '{{pct}}', m.pct), '{{total}}', m.total),
                'headline', k.headline,
                'body', replace(replace(replace(k.body, '{{code}}', coalesce(m.code, '')),
                                '{{pct}}', m.pct), '{{total}}', m.total),
                'cta', replace(k.cta, '{{pct}}', m.pct),
                'recoveryUrl', m.url) END,
       m.triggers,
       CASE WHEN m.code IS NOT NULL THEN jsonb_build_object('code', m.code, 'value', m.offer) END,
       CASE WHEN m.code IS NOT NULL THEN 'of' || m.co || m.n || m.idx END,
       m.code, m.offer,
       CASE WHEN m.pending THEN 'SCHEDULED' WHEN m.failed THEN 'FAILED'
            WHEN m.converted AND m.channel = 'VOICE' THEN 'CONVERTED'
            WHEN m.channel = 'VOICE' THEN 'EXECUTED'
            WHEN m.converted THEN 'CONVERTED' WHEN m.clicked IS NOT NULL THEN 'CLICKED'
            WHEN m.opened IS NOT NULL THEN 'OPENED' WHEN m.delivered IS NOT NULL THEN 'DELIVERED'
            ELSE 'SENT' END,
       m.scheduled, m.sent, m.delivered, m.opened, m.clicked,
       CASE WHEN m.channel = 'VOICE' THEN m.sent END,
       CASE WHEN m.converted THEN m.rec_at END,
       CASE WHEN m.surveyed THEN 'SURVEY_ANSWER' END,
       CASE WHEN m.surveyed THEN jsonb_build_object('reason', m.reason) END,
       CASE WHEN m.failed THEN 'Recipient unreachable' END,
       0, CASE WHEN m.pending THEN 0 WHEN m.failed THEN 3 ELSE 1 END,
       m.scheduled, coalesce(m.converted_at, m.clicked, m.opened, m.delivered, m.sent, m.scheduled)
FROM (
    SELECT e.*,
           CASE WHEN e.converted THEN e.rec_at END AS converted_at,
           CASE WHEN e.converted AND e.channel <> 'VOICE'
                THEN greatest(e.opened, e.rec_at - interval '1 minute' * (1 + 20 * e.r1))
                WHEN e.opened IS NOT NULL AND (e.surveyed OR e.r3 < e.click_rate)
                     AND e.opened + interval '1 minute' * 20 * e.r1 <= {now}
                THEN e.opened + interval '1 minute' * 20 * e.r1 END AS clicked
    FROM (
        SELECT d.*,
               CASE WHEN d.converted AND d.channel <> 'VOICE'
                    THEN greatest(d.delivered, d.rec_at - interval '1 minute' * (2 + 40 * d.r1))
                    WHEN d.delivered IS NOT NULL AND d.channel <> 'VOICE'
                         AND (d.surveyed OR d.r2 < d.open_rate)
                         AND d.delivered + interval '1 minute' * 360 * d.r2 <= {now}
                    THEN d.delivered + interval '1 minute' * 360 * d.r2 END AS opened
        FROM (
            SELECT c.*,
                   CASE WHEN c.sent IS NOT NULL AND (c.converted OR c.r4 < {DELIVERY_RATE})
                        THEN least(c.sent + interval '1 second' * (2 + 28 * c.r4), {now})
                        END AS delivered
            FROM (
                SELECT x.*,
                       CASE WHEN x.pending OR x.failed THEN NULL
                            WHEN x.channel = 'VOICE' THEN x.call_at
                            ELSE least(x.scheduled + interval '1 second' * 90 * x.r1, {now})
                            END AS sent
                FROM (
                    SELECT {msg_id} AS id, {ids["company"]} AS company_id,
                           {ids["cart"]} AS cart_id, {ids["attempt"]} AS attempt_id,
                           p.co, p.n, s.idx, s.channel, st.stage, st.triggers, p.rec_at,
                           p.call_at, p.reason,
                           {pending} AS pending,
                           p.abandoned_at + interval '1 minute' * st.delay AS scheduled,
                           CASE WHEN s.channel = 'VOICE' THEN 'VOICE_CALL'
                                WHEN s.idx = 4 THEN p.branch ELSE st.kind END AS kind,
                           p.rec_stage = s.idx AND NOT ({pending})
                               AND coalesce(CASE {converting} END, true) AS converted,
                           s.idx = 3 AND p.reason IS NOT NULL AND NOT ({pending}) AS surveyed,
                           CASE WHEN {pending} OR s.channel = 'VOICE' THEN NULL
                                WHEN s.idx = 4 AND p.branch = 'PERCENTAGE_DISCOUNT'
                                    THEN round(p.subtotal * 0.10, 2)
                                WHEN s.idx = 4 AND p.branch = 'FREE_SHIPPING' THEN p.shipping0
                                WHEN s.idx = 5 THEN round(p.subtotal * p.best_pct / 100.0, 2)
                                END AS offer,
                           CASE WHEN {pending} OR s.channel = 'VOICE' THEN NULL
                                WHEN s.idx = 4 AND p.branch = 'PERCENTAGE_DISCOUNT'
                                    THEN 'SAVE10-' || p.co || p.n
                                WHEN s.idx = 4 AND p.branch = 'FREE_SHIPPING'
                                    THEN 'FREESHIP-' || p.co || p.n
                                WHEN s.idx = 5 THEN 'BEST' || p.best_pct || '-' || p.co || p.n
                                END AS code,
                           p.best_pct::text AS pct, p.grand0::text AS total,
                           'https://' || p.co || '.bench.example/checkout?recover=tok_'
                               || p.co || p.n AS url,
                           {open_rate} AS open_rate, {click_rate} AS click_rate,
                           random() < {FAILURE_RATE} AND NOT (p.rec_stage = s.idx)
                               AND s.channel <> 'VOICE' AS failed,
                           random() AS r1, random() AS r2, random() AS r3, random() AS r4
                    FROM bench_plan AS p
                    JOIN bench_slots AS s
                      ON s.idx <= p.reached + (p.attempt_status = 'IN_PROGRESS')::int
                    JOIN bench_stages AS st ON st.idx = s.idx
                    WHERE p.abandoned_at IS NOT NULL AND NOT p.holdout
                      AND CASE {slot_ok} END
                      AND NOT (s.channel = 'VOICE' AND {pending})
                OFFSET 0) AS x
            OFFSET 0) AS c
        OFFSET 0) AS d
    OFFSET 0) AS e
) AS m
LEFT JOIN bench_kinds AS k ON k.kind = m.kind
ORDER BY m.scheduled""",
        ),
        (
            "cart_voice_calls",
            f"""
INSERT INTO cart_voice_calls (id, company_id, cart_save_attempt_id, cart_id, customer_id,
                              voice_call_id, to_phone, script_type, offer, status,
                              initiated_at, answered_at, completed_at, duration, outcome,
                              transcript, sentiment, error_message, error_code,
                              intervention_id, answered_by, details, created_at, updated_at)
SELECT v.id, v.company_id, v.attempt_id, v.cart_id, v.customer_id,
       CASE WHEN v.status <> 'FAILED' THEN 'CA' || lpad(v.co || v.n, 32, '0') END,
       '+1555' || lpad(v.customer_k::text, 7, '0'), {script},
       jsonb_build_object('type', 'PERCENTAGE_DISCOUNT', 'value', v.best_pct,
                          'code', 'BEST' || v.best_pct || '-' || v.co || v.n),
       v.status, v.call_at,
       CASE WHEN v.outcome NOT IN ('NO_ANSWER') AND v.status = 'COMPLETED'
            THEN v.call_at + interval '15 seconds' END,
       CASE WHEN v.status <> 'FAILED' THEN v.call_at + interval '1 second' * (20 + v.duration)
            END,
       v.duration, v.outcome,
       CASE WHEN v.duration > 0 THEN jsonb_build_array({transcript}) END,
       CASE v.outcome WHEN 'RECOVERED' THEN 'POSITIVE' WHEN 'DISCOUNT_ACCEPTED' THEN 'POSITIVE'
            WHEN 'DECLINED' THEN 'NEUTRAL' END,
       CASE WHEN v.status = 'FAILED' THEN 'Twilio refused the call' END,
       CASE WHEN v.status = 'FAILED' THEN '21215' END,
       v.intervention_id,
       CASE WHEN v.outcome = 'VOICEMAIL' THEN 'machine_end_beep'
            WHEN v.status = 'COMPLETED' THEN 'human' END,
       jsonb_build_object('placedBy', 'queue'),
       v.call_at, v.call_at + interval '1 second' * (20 + v.duration)
FROM (
    SELECT o.*,
           CASE WHEN o.status = 'COMPLETED'
                THEN CASE o.outcome {duration} ELSE 0 END ELSE 0 END AS duration
    FROM (
        SELECT {ids["voice"]} AS id, {ids["company"]} AS company_id,
               {ids["attempt"]} AS attempt_id, {ids["cart"]} AS cart_id,
               {ids["customer"]} AS customer_id, p.co, p.n, p.customer_k, p.call_at,
               p.best_pct, {call_message} AS intervention_id,
               r.r_script,
               CASE WHEN p.won_by_call THEN 'COMPLETED'
                    ELSE {_pick("r.r_status", CALL_STATUS)} END AS status,
               CASE WHEN p.won_by_call THEN 'RECOVERED'
                    ELSE {_pick("r.r_outcome", {str(k): w for k, w in outcomes.items()})} END
                   AS outcome0
        FROM bench_plan AS p
        CROSS JOIN LATERAL (SELECT random() AS r_status, random() AS r_outcome,
                                   random() AS r_script WHERE p.n > 0) AS r
        WHERE p.calls
    OFFSET 0) AS q
    CROSS JOIN LATERAL (
        SELECT q.*,
               CASE WHEN q.status = 'COMPLETED' AND q.outcome0 = 'NO_ANSWER' THEN 'VOICEMAIL'
                    WHEN q.status IN ('NO_ANSWER', 'BUSY') THEN 'NO_ANSWER'
                    WHEN q.status = 'FAILED' THEN NULL
                    ELSE q.outcome0 END AS outcome
    ) AS o
) AS v
ORDER BY v.call_at""",
        ),
        (
            "discount_codes",
            """
INSERT INTO discount_codes (id, company_id, code, kind, value, min_subtotal, expires_at,
                            max_uses, uses, cart_id, intervention_id, is_active, created_at)
SELECT DISTINCT ON (i.offer_code)
       left(i.id, 23) || 'd', i.company_id, i.offer_code,
       CASE WHEN i.type = 'FREE_SHIPPING' THEN 'FREE_SHIPPING' ELSE 'PERCENT' END,
       CASE WHEN i.type = 'FREE_SHIPPING' THEN 0 WHEN i.type = 'PERCENTAGE_DISCOUNT' THEN 10
            ELSE coalesce(substring(i.offer_code FROM 'BEST([0-9]+)')::int, 15) END,
       NULL, i.scheduled_at + interval '48 hours', 1,
       coalesce(c.discount_code = i.offer_code, false)::int,
       i.cart_id, i.id, true, i.scheduled_at
FROM cart_interventions AS i
JOIN carts AS c ON c.id = i.cart_id
WHERE i.offer_code IS NOT NULL
ORDER BY i.offer_code, i.channel""",
        ),
        (
            "discount_codes (calls)",
            """
INSERT INTO discount_codes (id, company_id, code, kind, value, expires_at, max_uses, uses,
                            cart_id, intervention_id, is_active, created_at)
SELECT left(v.intervention_id, 22) || 'dv', v.company_id, 'CALL-' || v.id, 'PERCENT', 15,
       v.initiated_at + interval '48 hours', 1, 0, v.cart_id, v.intervention_id, true,
       v.initiated_at
FROM cart_voice_calls AS v
WHERE v.outcome = 'DISCOUNT_ACCEPTED'""",
        ),
        (
            "checkout_interventions",
            f"""
INSERT INTO checkout_interventions (id, company_id, cart_id, session_id, type, action, signal,
                                    risk_score, message, discount_percent, price_slot, status,
                                    created_at, accepted_at, dismissed_at, converted_at)
SELECT x.id, x.company_id, x.cart_id, x.session_id, x.kind,
       CASE x.kind {action} END, CASE x.kind {signal} END,
       40 + floor(x.r1 * 55)::int, 'Before you go: here is something to help.',
       CASE WHEN x.kind IN ('EXIT_INTENT', 'DISCOUNT_HELP') THEN 10.00 END,
       CASE WHEN x.kind IN ({price_kinds}) THEN 'PRICE' END,
       CASE WHEN x.converted_at IS NOT NULL THEN 'CONVERTED'
            WHEN x.accepted_at IS NOT NULL THEN 'ACCEPTED'
            WHEN x.r2 < 0.6 THEN 'DISMISSED' ELSE 'SHOWN' END,
       x.shown_at, x.accepted_at,
       CASE WHEN x.converted_at IS NULL AND x.accepted_at IS NULL AND x.r2 < 0.6
            THEN x.shown_at + interval '20 seconds' END,
       x.converted_at
FROM (
    SELECT y.*,
           CASE WHEN y.bought_at >= y.shown_at THEN y.bought_at END AS converted_at
    FROM (
        SELECT {ids["checkout"]} AS id, {ids["company"]} AS company_id,
               {ids["cart"]} AS cart_id, 'sess_' || p.co || p.n AS session_id,
               {checkout_pick} AS kind,
               greatest(p.created_at, p.last_activity_at - interval '1 minute' * 3 * z.r1)
                   AS shown_at,
               CASE WHEN z.r2 < 0.3 THEN p.last_activity_at END AS accepted_at,
               CASE WHEN p.direct THEN p.last_activity_at ELSE p.rec_at END AS bought_at,
               z.r1, z.r2
        FROM bench_plan AS p
        CROSS JOIN LATERAL (SELECT random() AS r_kind, random() AS r1, random() AS r2,
                                   random() AS r_show WHERE p.n > 0) AS z
        WHERE (p.direct OR p.r_checkout < {CHECKOUT_SHARE}) AND NOT p.active
          AND z.r_show < {CHECKOUT_OFFER_SHARE}
    OFFSET 0) AS y
) AS x
ORDER BY x.shown_at""",
        ),
        (
            "cart_trigger_impressions",
            f"""
INSERT INTO cart_trigger_impressions (id, company_id, cart_id, session_id, trigger, placement,
                                      variant, control, impressed_at, interacted_at,
                                      converted_at, context)
SELECT p.co || 't' || lpad(p.n::text, 21, '0') || k, {ids["company"]}, {ids["cart"]},
       'sess_' || p.co || p.n, t.trigger,
       CASE t.trigger {placement} ELSE 'CART_HEADER' END,
       p.tgroup, p.tgroup = 'control', t.impressed_at,
       CASE WHEN p.tgroup = 'treatment' AND random() < 0.22
            THEN least(t.impressed_at + interval '1 second' * (3 + 87 * random()),
                       p.last_activity_at) END,
       CASE WHEN p.direct THEN p.last_activity_at ELSE p.rec_at END,
       jsonb_build_object('cartValue', p.grand0::text, 'itemCount', p.items)
FROM bench_plan AS p
CROSS JOIN LATERAL generate_series(1, CASE WHEN p.r_trig < 0.25 THEN 1
                                           WHEN p.r_trig < 0.6 THEN 2
                                           WHEN p.r_trig < 0.85 THEN 3 ELSE 4 END) AS k
CROSS JOIN LATERAL (
    SELECT {trigger_of}[1 + (floor(p.r_trig * 1000)::int + 5 * k) % {len(triggers)}] AS trigger,
           p.created_at + (p.last_activity_at - p.created_at) * random() AS impressed_at
) AS t
WHERE p.tgroup IS NOT NULL
ORDER BY t.impressed_at""",
        ),
        (
            "cart_upsell_offers",
            f"""
INSERT INTO cart_upsell_offers (id, company_id, cart_id, type, position, original_price,
                                offer_price, savings, message, triggers_used, presented_at,
                                viewed_at, clicked_at, accepted_at, declined_at)
SELECT u.id, u.company_id, u.cart_id, u.kind,
       CASE WHEN u.r1 < 0.85 THEN 'CART_DRAWER' ELSE 'CHECKOUT' END,
       u.original, u.price, u.original - u.price,
       'Add ' || u.kind || ' to your order and save', '["RECIPROCITY", "SOCIAL_PROOF"]'::jsonb,
       u.presented, u.viewed,
       CASE WHEN u.accepted OR (u.viewed IS NOT NULL AND u.r3 < 0.25)
            THEN u.viewed + interval '5 seconds' END,
       CASE WHEN u.accepted THEN u.viewed + interval '12 seconds' END,
       CASE WHEN NOT u.accepted AND u.viewed IS NOT NULL AND u.r4 < 0.35
            THEN u.viewed + interval '20 seconds' END
FROM (
    SELECT w.*,
           CASE WHEN w.accepted OR w.r2 < 0.82 THEN w.presented + interval '5 seconds' END
               AS viewed,
           CASE WHEN w.kind IN ('FREE_GIFT_THRESHOLD') THEN 0.00
                WHEN w.kind IN ('SHIPPING_PROTECTION', 'WARRANTY') THEN w.original
                ELSE round(w.original * 0.9, 2) END AS price
    FROM (
        SELECT v.*,
               {_chance("v.r5", "v.kind", {str(k): r for k, r in ACCEPT_RATES.items()})}
                   AS accepted,
               round(CAST(8 + 40 * v.r1 AS numeric), 2) AS original
        FROM (
            SELECT p.co || 'u' || lpad(p.n::text, 21, '0') || k AS id,
                   {ids["company"]} AS company_id, {ids["cart"]} AS cart_id,
                   {upsell_kind} AS kind,
                   p.created_at + (p.last_activity_at - p.created_at) * random() AS presented,
                   random() AS r1, random() AS r2, random() AS r3, random() AS r4,
                   random() AS r5
            FROM bench_plan AS p
            CROSS JOIN LATERAL generate_series(1, CASE WHEN p.r_upsell < {UPSELL_SHARE * 0.2}
                                                       THEN 2 ELSE 1 END) AS k
            WHERE p.r_upsell < {UPSELL_SHARE}
        OFFSET 0) AS v
    OFFSET 0) AS w
) AS u
ORDER BY u.presented""",
        ),
    ]


def _superuser_load(conn) -> bool:
    """Foreign-key triggers off for this session when the role may (the rows are consistent by
    construction); True when they are off."""
    try:
        conn.exec_driver_sql("SET session_replication_role = replica")
        return True
    except Exception:
        conn.rollback()
        return False


def generate(url: str, carts: int, *, now: datetime, seed: float = 0.42, log=print) -> Generated:
    """Fill a migrated, empty PostgreSQL database; `carts` for the first company."""
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    carts_b = max(1, carts // SECOND_COMPANY_SHARE)
    params = {
        "now": now,
        "company_a": COMPANY_IDS["a"],
        "company_b": COMPANY_IDS["b"],
        "carts_a": carts,
        "carts_b": carts_b,
        "customers_a": max(1, carts // CARTS_PER_CUSTOMER),
        "customers_b": max(1, carts_b // CARTS_PER_CUSTOMER),
    }
    engine = sa.create_engine(url, poolclass=NullPool)
    out = Generated(carts=carts, seconds=0.0)
    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        fk_off = _superuser_load(conn)
        conn.exec_driver_sql("SET synchronous_commit = off")
        conn.exec_driver_sql("SET jit = off")  # compiling the generator's expressions costs more
        conn.exec_driver_sql("SET work_mem = '256MB'")
        conn.exec_driver_sql("SET maintenance_work_mem = '512MB'")
        conn.execute(sa.text("SELECT setseed(:seed)"), {"seed": seed})
        for table, sql in _statements(carts, carts_b):
            began = time.perf_counter()
            total = 0
            for statement in [sql] if isinstance(sql, str) else sql:
                result = conn.execute(sa.text(statement), params)
                total += max(result.rowcount, 0)
            out.steps[table] = time.perf_counter() - began
            if not table.startswith("bench_"):
                name = table.split(" ")[0]
                out.rows[name] = out.rows.get(name, 0) + total
            log(f"  {table:26s} {total:>11,} rows {out.steps[table]:7.1f} s")
        if fk_off:
            conn.exec_driver_sql("SET session_replication_role = DEFAULT")
        began = time.perf_counter()
        tables = ", ".join(name for name in out.rows)
        conn.exec_driver_sql(f"VACUUM (ANALYZE) {tables}")
        out.steps["vacuum analyze"] = time.perf_counter() - began
        log(f"  {'VACUUM (ANALYZE)':26s} {'':>16s} {out.steps['vacuum analyze']:7.1f} s")
    engine.dispose()
    out.seconds = time.perf_counter() - started
    return out


# --- the server ------------------------------------------------------------------------------


def _add_baseline(api) -> None:
    """`GET /bench/count`: authenticated and given the period like the reports, then a bare
    count of the company's carts created in it."""
    import sqlalchemy as sa
    from fastapi import APIRouter, Depends

    from cart_admin.api.deps import AdminRoute, get_principal, get_session
    from cart_admin.api.periods import period as period_of

    router = APIRouter(route_class=AdminRoute)

    # The reports' dependencies, given as defaults (this module's annotations are strings).
    @router.get(BASELINE_PATH)
    def count(
        principal=Depends(get_principal),
        session=Depends(get_session, scope="function"),
        period=Depends(period_of),
    ) -> dict:
        carts = session.execute(
            sa.text(
                "SELECT count(*) FROM carts WHERE company_id = :c "
                "AND created_at >= :s AND created_at < :e"
            ),
            {"c": principal.company_id, "s": period.start, "e": period.end},
        ).scalar_one()
        return {"carts": carts}

    api.include_router(router)


class Server:
    """The API (plus the baseline) served by uvicorn on loopback, in a thread of this process."""

    def __init__(self) -> None:
        import uvicorn

        from cart_admin.api.app import create_api

        api = create_api()
        _add_baseline(api)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            api, host="127.0.0.1", port=self.port, log_level="warning", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


# --- the measurement -------------------------------------------------------------------------


@dataclass
class Timing:
    samples: list[float] = field(default_factory=list)  # seconds
    status: int = 0
    body: dict = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def api_key(url: str, company_id: str = COMPANY_IDS["a"]) -> str:
    """A fresh API key of the company (through the app's own function)."""
    from sqlmodel import Session

    from cart_admin.db import engine_for
    from cart_admin.domain import auth
    from cart_admin.models.types import utcnow

    with Session(engine_for(url)) as session:
        _, plaintext = auth.create_api_key(
            session, company_id=company_id, name="bench", created_by_id=None, now=utcnow()
        )
        session.commit()
    return plaintext


def ranges_ending(today: date, days: list[int]) -> dict[int, tuple[date, date]]:
    return {d: (today - timedelta(days=d - 1), today) for d in days}


def measure(
    port: int, key: str, ranges: dict[int, tuple[date, date]], repeat: int, log=None
) -> dict[str, dict[int, Timing]]:
    """Every endpoint and the baseline, per range: a warm-up round, then `repeat` rounds of one
    timed request each, in turn (so a busy moment of the machine falls on all of them)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
    paths = {**ENDPOINTS, BASELINE: BASELINE_PATH}
    out: dict[str, dict[int, Timing]] = {name: {} for name in paths}
    for days, (first, last) in ranges.items():
        query = f"?from={first.isoformat()}&to={last.isoformat()}"
        for name in paths:
            out[name][days] = Timing()
        for round_ in range(repeat + 1):
            round_began = time.perf_counter()
            for name, path in paths.items():
                timing = out[name][days]
                began = time.perf_counter()
                conn.request("GET", path + query, headers=headers)
                response = conn.getresponse()
                data = response.read()
                elapsed = time.perf_counter() - began
                timing.status = response.status
                if response.status != 200:
                    raise RuntimeError(f"{name} {days} days: {response.status} {data[:300]!r}")
                if round_ == 0:
                    timing.body = json.loads(data)
                else:
                    timing.samples.append(elapsed)
            if log is not None:
                what = "warm-up" if round_ == 0 else f"round {round_} of {repeat}"
                log(f"  {days:>3} days, {what}: {time.perf_counter() - round_began:.1f} s")
    conn.close()
    return out


def sql_count_times(url: str, ranges: dict[int, tuple[date, date]], repeat: int) -> dict:
    """The baseline's query alone, in the database (no HTTP, no ORM): median seconds."""
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    engine = sa.create_engine(url, poolclass=NullPool)
    out = {}
    with engine.connect() as conn:
        for days, (first, last) in ranges.items():
            start = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
            end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
            samples, carts = [], 0
            for i in range(repeat + 1):
                began = time.perf_counter()
                carts = conn.execute(
                    sa.text(
                        "SELECT count(*) FROM carts WHERE company_id = :c "
                        "AND created_at >= :s AND created_at < :e"
                    ),
                    {"c": COMPANY_IDS["a"], "s": start, "e": end},
                ).scalar_one()
                if i:
                    samples.append(time.perf_counter() - began)
            out[days] = (statistics.median(samples), carts)
    engine.dispose()
    return out


def report(results: dict[str, dict[int, Timing]], sql: dict, days: list[int]) -> list[str]:
    lines = []
    head = "".join(f" | {f'{d} days':^27s}" for d in days)
    lines.append(f"  {'':30s}{head}")
    sub = "".join(f" | {'median':>8s} {'p95':>8s} {'ratio':>8s}" for _ in days)
    lines.append(f"  {'endpoint (ms)':30s}{sub}")
    base = {d: results[BASELINE][d].median for d in days}
    for name, by_range in results.items():
        cells = []
        for d in days:
            t = by_range[d]
            mark = "!" if t.median * 1000 > GOAL_MS and name != BASELINE else " "
            cells.append(
                f" | {t.median * 1000:7.1f}{mark} {t.p95 * 1000:8.1f} {t.median / base[d]:7.1f}x"
            )
        lines.append(f"  {name:30s}{''.join(cells)}")
    in_db = "".join(f" | {sql[d][0] * 1000:7.1f}  {'':8s} {'':8s}" for d in days)
    lines.append(f"  {'bare count(*) (in database)':30s}{in_db}")
    counted = "".join(f" | {sql[d][1]:>27,}" for d in days)
    lines.append(f"  {'carts in range (count(*))':30s}{counted}")
    return lines


# --- databases -------------------------------------------------------------------------------


def _pg_admin(server_url: str):
    import sqlalchemy as sa

    return sa.create_engine(f"{server_url}/template1", isolation_level="AUTOCOMMIT")


def _create_postgres(server_url: str) -> str:
    import sqlalchemy as sa

    name = f"{DB_PREFIX}{secrets.token_hex(4)}"
    engine = _pg_admin(server_url)
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    engine.dispose()
    return f"{server_url}/{name}"


def _drop_postgres(url: str) -> None:
    import sqlalchemy as sa

    server_url, name = url.rsplit("/", 1)
    assert name.startswith(DB_PREFIX), name
    engine = _pg_admin(server_url)
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def _migrate(url: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")


def _use_database(url: str) -> None:
    """Point the app's settings at `url` (the server reads DATABASE_URL)."""
    from cart_admin.settings import get_settings

    os.environ.update(DATABASE_URL=url, SCHEDULER="off", DEMO_DATA="false", LOG_LEVEL="WARNING")
    get_settings.cache_clear()


def run(url: str, args: argparse.Namespace, *, generate_data: bool) -> None:
    from cart_admin.models.types import utcnow

    now = utcnow().replace(microsecond=0)
    _use_database(url)
    if generate_data:
        print(f"generating {args.carts:,} carts (+{max(1, args.carts // SECOND_COMPANY_SHARE):,} "
              f"of a second company) in {url.rsplit('/', 1)[1]}")  # fmt: skip
        began = time.perf_counter()
        _migrate(url)
        migrated = time.perf_counter() - began
        data = generate(url, args.carts, now=now)
        rows = sum(data.rows.values())
        print(f"  migrate {migrated:.1f} s; generated {rows:,} rows in {data.seconds:.0f} s")
    days = [int(d) for d in args.ranges.split(",")]
    ranges = ranges_ending(now.date(), days)
    key = api_key(url)
    with Server() as server:
        results = measure(server.port, key, ranges, args.repeat, log=print)
    sql = sql_count_times(url, ranges, args.repeat)
    print(f"\nmedian and p95 of {args.repeat} requests after a warm-up; ratio = median / the "
          f"bare count(*)'s median over HTTP; ! = over {GOAL_MS:.0f} ms")  # fmt: skip
    for line in report(results, sql, days):
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--carts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--ranges", default="30,90,365", help="days, comma-separated")
    parser.add_argument("--postgres-url", default=DEFAULT_PG, help="server URL, no database")
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    parser.add_argument("--reuse", metavar="URL", help="measure a kept database again")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.reuse:
        run(args.reuse, args, generate_data=False)
    else:
        url = _create_postgres(args.postgres_url.rstrip("/"))
        try:
            run(url, args, generate_data=True)
        finally:
            from cart_admin.db import engine_for

            engine_for(url).dispose()
            if args.keep:
                print(f"\nkept {url}")
            else:
                _drop_postgres(url)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
