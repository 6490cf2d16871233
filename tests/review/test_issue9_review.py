"""Review of issue 9 (recovery analytics): defects found, each shown by a test that fails until
it is fixed (strict xfail, so the suite stays green meanwhile and goes red once the fix lands,
when the mark is to be removed). Database tests run on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlmodel import Session, select

from cart_admin.api.app import create_api
from cart_admin.demo import seed_demo
from cart_admin.domain.analytics import exports
from cart_admin.domain.analytics.engagement import (
    TriggerRow,
    trigger_performance,
    upsell_performance,
)
from cart_admin.domain.analytics.periods import day_range, last_days
from cart_admin.domain.analytics.report import build_report
from cart_admin.domain.analytics.stats import compare_rates
from cart_admin.domain.analytics.success import period_figures
from cart_admin.domain.save_flow.queries import list_attempts
from cart_admin.models import (
    BehavioralTrigger,
    CartAbandonmentReason,
    CartStatus,
    CartTriggerImpression,
    CartUpsellOffer,
    CartUpsellType,
    Channel,
    Company,
    TriggerPlacement,
)
from cart_admin.ui import charts
from cart_admin.ui.pages.analytics_state import AnalyticsState
from cart_admin.ui.pages.attempts import ANY, AttemptsState
from tests.factories import make_api_key, make_attempt, make_cart, make_company, make_product

# A fixed clock: the report takes its period, not the time, so the rows say what "now" is.
NOW = datetime(2026, 3, 18, 18, 0, tzinfo=UTC)


def _analytics_state() -> AnalyticsState:
    return AnalyticsState(_reflex_internal_init=True)  # type: ignore[call-arg]


def _attempts_state(query: dict[str, str]) -> SimpleNamespace:
    """The attempt list's state as a dashboard link leaves it (`from_link` on these params)."""
    state = SimpleNamespace(
        router=SimpleNamespace(url=SimpleNamespace(query_parameters=query)),
        offset=0, stage=ANY, status=ANY, channel=ANY, reason=ANY, search="", min_value="",
        max_value="", reached="", started_from="", started_to="", holdout="",
    )  # fmt: skip
    state._reset_filters = lambda: AttemptsState._reset_filters(state)
    AttemptsState.from_link.fn(state)
    return state


# --- 1. the biggest reason bar opens the wrong list ----------------------------------------


def test_the_unknown_reason_bar_opens_only_the_attempts_without_a_reason(
    session: Session,
) -> None:
    company = make_company(session)
    mug = make_product(session, company, name="Mug", price="20.00")
    started = NOW - timedelta(days=2)
    for reason in (CartAbandonmentReason.SHIPPING_COST, None, None):
        cart = make_cart(session, company, items=[(mug, 1)], status=CartStatus.ABANDONED,
                         created_at=started, abandoned_at=started)  # fmt: skip
        attempt = make_attempt(session, cart, started_at=started)
        attempt.diagnosis_reason = reason
        session.add(attempt)
    session.commit()
    period = last_days(7, NOW)
    report = build_report(session, company_id=company.id, start=period.start, end=period.end)
    unknown = next(r for r in report.reasons if r["reason"] == "UNKNOWN")
    assert unknown["attempts"] == 2  # the bar the merchant clicks

    dashboard = _analytics_state()
    dashboard.date_from, dashboard.date_to = (
        period.first_day.isoformat(),
        period.last_day.isoformat(),
    )
    link = dashboard._attempts_link(reason="UNKNOWN", holdout="false")  # what open_reason sends
    listed = list_attempts(
        session,
        company.id,
        AttemptsState._filters(_attempts_state(dict(parse_qsl(urlsplit(link).query)))),
    )

    assert listed.total == unknown["attempts"]  # now 3: the SHIPPING_COST attempt too


# --- 2. KPIs compared against a period whose carts had time to come back --------------------


def _steady_shop(session: Session):
    """Five carts abandoned every day for two weeks, one of each day's bought back 48 h later
    (if that moment has come by NOW): the same shop, week after week."""
    company = make_company(session)
    mug = make_product(session, company, name="Mug", price="30.00")
    for days_ago in range(14):
        abandoned = NOW - timedelta(days=days_ago, hours=1)
        back = abandoned + timedelta(hours=48)
        for i in range(5):
            recovered = i == 0 and back <= NOW
            make_cart(session, company, items=[(mug, 1)],
                      created_at=abandoned - timedelta(hours=1),
                      status=CartStatus.CONVERTED if recovered else CartStatus.ABANDONED,
                      abandoned_at=abandoned, converted_at=back if recovered else None)  # fmt: skip
    session.commit()
    return company


def test_a_steady_shop_does_not_get_red_recovery_kpis(session: Session) -> None:
    company = _steady_shop(session)
    period = last_days(7, NOW)
    report = build_report(session, company_id=company.id, start=period.start, end=period.end)
    state = _analytics_state()
    state._show(report, "USD")

    recovery_kpis = {k["label"]: k for k in state.kpis[:3]}
    # now: 14.3% against 20.0% ("-5.7 pt"), 5 against 7 carts, $150 against $210, all red
    assert {label: k["tone"] for label, k in recovery_kpis.items()} == {
        "Recovery rate": "flat",
        "Recovered revenue": "flat",
        "Carts recovered": "flat",
    }


# --- 3. trigger significance counted on impressions, not carts ------------------------------


def _shown(session, company, *, carts: int, bought: int, control: bool, products: int) -> None:
    """`carts` carts, each shown the trigger on each of its `products` lines (the drawer records
    one impression per product), `bought` of them bought."""
    at = NOW - timedelta(days=1)
    for c in range(carts):
        cart = make_cart(session, company, created_at=at)
        for _ in range(products):
            session.add(
                CartTriggerImpression(
                    company_id=company.id, cart_id=cart.id, session_id="s",
                    trigger=BehavioralTrigger.SOCIAL_PROOF, placement=TriggerPlacement.CART_ITEM,
                    control=control, impressed_at=at, converted_at=at if c < bought else None,
                )
            )  # fmt: skip
    session.flush()


def test_trigger_lift_is_tested_on_carts_not_impressions(session: Session) -> None:
    company = make_company(session)
    _shown(session, company, carts=12, bought=8, control=False, products=5)
    _shown(session, company, carts=12, bought=2, control=True, products=5)
    period = last_days(7, NOW)

    rows = trigger_performance(session, company_id=company.id, start=period.start, end=period.end)
    social = next(r for r in rows if r.trigger is BehavioralTrigger.SOCIAL_PROOF)

    assert social.control_impressions == 60  # now: 40 of 60 against 10 of 60, p < 0.0001
    assert not social.lift.significant  # 8 of 12 carts against 2 of 12: too few to tell


# --- 4. a trigger that significantly hurts is drawn green ----------------------------------


def test_a_significantly_harmful_trigger_is_not_green() -> None:
    harmful = TriggerRow(
        trigger=BehavioralTrigger.URGENCY, impressions=400, interactions=50, conversions=40,
        control_impressions=400, control_conversions=100, lift=compare_rates(40, 400, 100, 400),
    )  # fmt: skip
    assert harmful.lift.significant and harmful.lift.difference < 0  # 10% against 25%

    (points,) = charts.trigger_lift_figure([harmful]).data

    assert list(points.marker.color) != [charts.GREEN]


def test_the_pdf_does_not_print_a_significant_loss_as_good_news() -> None:
    worse = compare_rates(40, 400, 100, 400)  # 10% against 25%: significantly worse
    assert worse.significant and worse.difference < 0

    _text, tone = exports._verdict(worse)

    assert tone != "good"


# --- 5. a cart abandonment rate over 100% -------------------------------------------------


def test_the_abandonment_rate_is_a_share_of_the_same_carts(session: Session) -> None:
    company = make_company(session)
    day = date(2026, 3, 10)
    period = day_range(day, day, NOW)
    midnight = period.start
    make_cart(session, company, status=CartStatus.ABANDONED,
              created_at=midnight + timedelta(hours=9),
              abandoned_at=midnight + timedelta(hours=10))  # fmt: skip
    make_cart(session, company, status=CartStatus.CONVERTED,
              created_at=midnight + timedelta(hours=11),
              converted_at=midnight + timedelta(hours=11, minutes=20))  # fmt: skip
    for minutes in (10, 30):  # late last night, left after midnight
        make_cart(session, company, status=CartStatus.ABANDONED,
                  created_at=midnight - timedelta(minutes=minutes),
                  abandoned_at=midnight + timedelta(minutes=60 - minutes))  # fmt: skip
    session.commit()

    figures = period_figures(session, company_id=company.id, start=period.start, end=period.end)
    rate = next(m for m in figures.metrics() if m.key == "abandonmentRate")

    assert 0.0 <= rate.value <= 1.0  # now 1.5: 3 abandoned "of" 2 created


# --- 6. no recovery reads as a faster recovery ---------------------------------------------


def test_a_period_without_recoveries_does_not_show_a_faster_recovery(session: Session) -> None:
    company = make_company(session)
    mug = make_product(session, company, name="Mug", price="30.00")
    period = last_days(7, NOW)
    before = period.start - timedelta(days=3)
    make_cart(session, company, items=[(mug, 1)], created_at=before, abandoned_at=before,
              status=CartStatus.CONVERTED, converted_at=before + timedelta(hours=10))  # fmt: skip
    for days_ago in (2, 3, 4):
        at = NOW - timedelta(days=days_ago)
        make_cart(session, company, items=[(mug, 1)], created_at=at, abandoned_at=at,
                  status=CartStatus.ABANDONED)  # fmt: skip
    session.commit()
    report = build_report(session, company_id=company.id, start=period.start, end=period.end)
    state = _analytics_state()
    state._show(report, "USD")

    hours = next(k for k in state.kpis if k["label"] == "Time to recovery")
    assert hours["tone"] != "good"  # now: "0.0 h", "-10.0 h vs previous period", green
    assert hours["value"] != "0.0 h"


# --- 7. an incremental revenue 'interval' without a holdout --------------------------------


def test_no_holdout_no_incremental_interval(session: Session) -> None:
    company = make_company(session)
    mug = make_product(session, company, name="Mug", price="30.00")
    for i in range(40):  # treated only (holdout 0%), 10 of 40 bought back
        at = NOW - timedelta(days=2, minutes=i)
        bought = i < 10
        cart = make_cart(session, company, items=[(mug, 1)], created_at=at, abandoned_at=at,
                         status=CartStatus.CONVERTED if bought else CartStatus.ABANDONED,
                         converted_at=at + timedelta(hours=5) if bought else None)  # fmt: skip
        attempt = make_attempt(session, cart, started_at=at)
        attempt.recovered_value = cart.grand_total if bought else None
        session.add(attempt)
    session.commit()
    period = last_days(7, NOW)
    report = build_report(session, company_id=company.id, start=period.start, end=period.end)
    state = _analytics_state()
    state._show(report, "USD")

    # now: "$300.00" and "95% interval $136.92 to $463.08", on the page and in the PDF
    assert "95% interval" not in state.incremental_interval
    pdf = exports.pdf_report(report, company_name="Shop", currency="USD", generated_at=NOW)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "95% interval" not in text


# --- 8. the charts print dollars for every shop ---------------------------------------------


def test_revenue_charts_use_the_shop_currency(session: Session) -> None:
    company = make_company(session)
    period = last_days(7, NOW)
    report = build_report(session, company_id=company.id, start=period.start, end=period.end)
    state = _analytics_state()
    state._show(report, "EUR")

    (bars,) = state.fig_channels.data
    assert "$" not in (state.fig_channels.layout.yaxis.tickprefix or "")
    assert "$" not in bars.hovertemplate


# --- 9. a drill-down link with a far date breaks the attempt list ---------------------------


def test_a_link_with_the_last_possible_date_does_not_break_the_list() -> None:
    state = _attempts_state({"from": "2026-03-01", "to": "9999-12-31"})
    AttemptsState._filters(state)  # now: OverflowError: date value out of range


# --- 10. the shop's days are UTC days ------------------------------------------------------


@pytest.mark.xfail(
    strict=True,
    reason="periods and the timeline are UTC days whatever the company's timezone (New York by "
    "default), and the page does not say so: a cart left at 20:30 on Mar 1 in New York is "
    "not in Mar 1's report",
)
def test_a_days_report_covers_the_shops_day(session: Session) -> None:
    company = make_company(session)  # timezone America/New_York
    mug = make_product(session, company, name="Mug", price="30.00")
    evening = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # Mar 1, 20:30 in New York
    make_cart(session, company, items=[(mug, 1)], created_at=evening - timedelta(minutes=40),
              abandoned_at=evening, status=CartStatus.ABANDONED)  # fmt: skip
    session.commit()
    client = TestClient(
        create_api(), headers={"Authorization": f"Bearer {make_api_key(session, company)}"}
    )

    body = client.get(
        "/api/momentum/cart-intelligence/recovery?from=2026-03-01&to=2026-03-01"
    ).json()

    assert body["summary"]["totalAbandoned"] == 1  # now 0
    assert [d["date"] for d in body["recoveryTimeline"]] == ["2026-03-01"]


# --- 11. upsell "revenue" from carts nobody bought ------------------------------------------


def test_upsell_revenue_counts_only_carts_that_were_bought(session: Session) -> None:
    company = make_company(session)
    at = NOW - timedelta(days=1)
    for status in (CartStatus.CONVERTED, CartStatus.ABANDONED):
        cart = make_cart(session, company, created_at=at, status=status,
                         abandoned_at=at if status is CartStatus.ABANDONED else None,
                         converted_at=at + timedelta(minutes=5)
                         if status is CartStatus.CONVERTED else None)  # fmt: skip
        session.add(
            CartUpsellOffer(
                company_id=company.id, cart_id=cart.id, type=CartUpsellType.COMPLEMENTARY,
                original_price=Decimal("12.50"), offer_price=Decimal("12.50"),
                presented_at=at, accepted_at=at,
            )
        )  # fmt: skip
    session.flush()
    period = last_days(7, NOW)

    rows = upsell_performance(session, company_id=company.id, start=period.start, end=period.end)
    complementary = next(r for r in rows if r.type is CartUpsellType.COMPLEMENTARY)

    assert complementary.revenue == Decimal("12.50")  # now 25.00: the abandoned cart's too


# --- 12. the demo's voice figures disagree with themselves ---------------------------------


@pytest.mark.xfail(
    strict=True,
    reason="the demo's answered calls whose shopper took the offer and bought stay "
    "DISCOUNT_ACCEPTED (the engine marks them RECOVERED) and carry no intervention id: the "
    "dashboard's Voice channel and its voice panel give different orders and revenue",
)
def test_on_the_demo_the_voice_panel_agrees_with_the_voice_channel(session: Session) -> None:
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("the demo takes ~20 s to seed on PostgreSQL; SQLite shows it")
    seed_demo(session, now=NOW)
    session.commit()
    company = session.exec(select(Company)).one()
    period = last_days(90, NOW)
    report = build_report(session, company_id=company.id, start=period.start, end=period.end)
    voice = next(c for c in report.channels if c.channel is Channel.VOICE)

    assert report.voice.carts_recovered == voice.conversions  # now 11 against 26
    assert report.voice.revenue_recovered == voice.revenue
