"""The report's files on a hand-built shop, on SQLite and PostgreSQL: every table's CSV against
sums worked out by hand, an empty company, the formula guard, and the one-page PDF (read back
with pypdf) for an ordinary, an empty and an overfull report and awkward company names."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlmodel import Session

from cart_admin.domain.analytics.attribution import AttributionWindow
from cart_admin.domain.analytics.engagement import TriggerRow
from cart_admin.domain.analytics.exports import (
    UnknownTable,
    csv_cell,
    pdf_report,
    printable,
    table_csv,
)
from cart_admin.domain.analytics.report import TABLES, Report, build_report
from cart_admin.domain.analytics.stats import compare_rates
from cart_admin.domain.save_flow.engine import new_tracking_token
from cart_admin.models import BehavioralTrigger as T
from cart_admin.models import CartAbandonmentReason as R
from cart_admin.models import CartIntervention as Message
from cart_admin.models import CartSaveStage as S
from cart_admin.models import CartStatus, CartTriggerImpression, Channel, TriggerPlacement
from cart_admin.models import InterventionType as K
from cart_admin.models.types import utcnow
from tests.factories import make_attempt, make_cart, make_company, make_product

NOW = utcnow().replace(microsecond=0)
START, END = NOW - timedelta(days=30), NOW


def _day(days_ago: int) -> str:
    return (NOW - timedelta(days=days_ago)).date().isoformat()


def _abandoned(session, company, product, *, days_ago, back_hours=None, qty=1, reason=None,
               holdout=False):  # fmt: skip
    """A cart abandoned `days_ago` (bought `back_hours` later) and its save-flow attempt."""
    at = NOW - timedelta(days=days_ago)
    back = at + timedelta(hours=back_hours) if back_hours else None
    cart = make_cart(
        session, company, items=[(product, qty)], created_at=at - timedelta(minutes=40),
        status=CartStatus.CONVERTED if back else CartStatus.ABANDONED, abandoned_at=at,
        converted_at=back,
    )  # fmt: skip
    attempt = make_attempt(session, cart, is_holdout=holdout, started_at=at)
    attempt.diagnosis_reason = reason
    attempt.recovered_value = cart.grand_total if back else None
    session.add(attempt)
    session.commit()
    return attempt


def _message(session, attempt, stage, channel, kind, *, days_ago, clicked=False, converted=False,
             offer=None) -> None:  # fmt: skip
    sent = NOW - timedelta(days=days_ago)
    session.add(
        Message(
            company_id=attempt.company_id, cart_id=attempt.cart_id,
            cart_save_attempt_id=attempt.id, stage=stage, channel=channel,
            channels=[str(channel)], type=kind, tracking_token=new_tracking_token(),
            scheduled_at=sent, sent_at=sent, offer_value=offer,
            clicked_at=sent + timedelta(hours=1) if clicked else None,
            converted_at=sent + timedelta(hours=2) if converted else None,
        )
    )  # fmt: skip
    session.commit()


def _impressions(session, company, trigger, *, n, converted, control=False) -> None:
    """`n` impressions, each on its own cart (the test counts carts)."""
    at = NOW - timedelta(days=2)
    session.add_all(
        CartTriggerImpression(
            company_id=company.id, cart_id=make_cart(session, company).id, session_id="s",
            trigger=trigger,
            placement=TriggerPlacement.CART_ITEM, control=control, impressed_at=at,
            interacted_at=at if i < 3 and not control else None,
            converted_at=at if i < converted else None,
        )
        for i in range(n)
    )  # fmt: skip
    session.commit()


@pytest.fixture
def shop(session: Session):
    """Three treated carts (two bought back: $20 after 6 h, $40 after 30 h), one holdout cart,
    a recovered cart in the period before, another company's cart on the same days."""
    company = make_company(session, "Acme Coffee")
    mug = make_product(session, company, name="Mug", price="20.00")
    fast = _abandoned(session, company, mug, days_ago=5, back_hours=6, reason=R.TOO_EXPENSIVE)
    slow = _abandoned(session, company, mug, days_ago=9, back_hours=30, qty=2,
                      reason=R.SHIPPING_COST)  # fmt: skip
    lost = _abandoned(session, company, mug, days_ago=3, reason=R.TOO_EXPENSIVE)
    _abandoned(session, company, mug, days_ago=5, holdout=True)
    _abandoned(session, company, mug, days_ago=45, back_hours=2)  # the period before
    _message(session, fast, S.BROWSE_REMINDER, Channel.IN_APP, K.CART_REMINDER, days_ago=5)
    _message(session, fast, S.PATTERN_INTERRUPT, Channel.EMAIL, K.CART_SUMMARY, days_ago=5,
             clicked=True, converted=True)  # fmt: skip
    _message(session, slow, S.PATTERN_INTERRUPT, Channel.EMAIL, K.CART_SUMMARY, days_ago=9)
    _message(session, slow, S.NUCLEAR_OFFER, Channel.SMS, K.BEST_OFFER, days_ago=8,
             converted=True, offer=Decimal("10.00"))  # fmt: skip
    _message(session, lost, S.PATTERN_INTERRUPT, Channel.EMAIL, K.CART_SUMMARY, days_ago=3)
    _impressions(session, company, T.SCARCITY, n=40, converted=10)
    _impressions(session, company, T.SCARCITY, n=40, converted=5, control=True)
    _impressions(session, company, T.URGENCY, n=40, converted=5)  # worse than its control
    _impressions(session, company, T.URGENCY, n=40, converted=10, control=True)
    other = make_company(session, "Other Shop")
    stranger = _abandoned(session, other, make_product(session, other, price="99.00"),
                          days_ago=5, back_hours=1, reason=R.PAYMENT_ISSUES)  # fmt: skip
    _message(session, stranger, S.PATTERN_INTERRUPT, Channel.EMAIL, K.CART_SUMMARY, days_ago=5,
             converted=True)  # fmt: skip
    _impressions(session, other, T.SCARCITY, n=7, converted=7)
    return company


def _report(session: Session, company, **kwargs) -> Report:
    return build_report(session, company_id=company.id, start=START, end=END, **kwargs)


def _rows(report: Report, name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(table_csv(report, name), newline="")))


def test_channels_csv(session: Session, shop) -> None:
    assert _rows(_report(session, shop), "channels") == [
        ["channel", "messages_sent", "attributed_orders", "conversion_rate", "revenue_24h_click"],
        ["EMAIL", "3", "1", "0.3333", "20.00"],  # three sent, the fast cart's brought $20
        ["SMS", "1", "1", "1.0000", "40.00"],
        ["PUSH", "0", "0", "0.0000", "0.00"],
        ["VOICE", "0", "0", "0.0000", "0.00"],
        ["IN_APP", "1", "0", "0.0000", "0.00"],
    ]


def test_stages_csv(session: Session, shop) -> None:
    assert _rows(_report(session, shop), "stages") == [
        ["stage", "title", "attempts_reached", "converted", "conversion_rate"],
        ["BROWSE_REMINDER", "Browse reminder", "1", "0", "0.0000"],
        ["PATTERN_INTERRUPT", "Pattern interrupt", "3", "1", "0.3333"],
        ["DIAGNOSIS_SURVEY", "Diagnosis survey", "0", "0", "0.0000"],
        ["BRANCHING_INTERVENTION", "Branching intervention", "0", "0", "0.0000"],
        ["NUCLEAR_OFFER", "Nuclear offer", "1", "1", "1.0000"],
        ["LOSS_VISUALIZATION", "Loss visualization", "0", "0", "0.0000"],
        ["WINBACK_SEQUENCE", "Win-back sequence", "0", "0", "0.0000"],
    ]


def test_reasons_csv(session: Session, shop) -> None:
    head, *rows = _rows(_report(session, shop), "reasons")
    assert head == ["reason", "attempts", "recovered", "recovery_rate"]
    assert [r[0] for r in rows] == [*(str(r) for r in R), "UNKNOWN"]
    found = {r[0]: r[1:] for r in rows if r[1] != "0"}
    # Treated attempts only: the holdout cart (no reason) is not UNKNOWN, the other shop's
    # PAYMENT_ISSUES is not ours.
    assert found == {"TOO_EXPENSIVE": ["2", "1", "0.5000"], "SHIPPING_COST": ["1", "1", "1.0000"]}


def test_timeline_csv(session: Session, shop) -> None:
    assert _rows(_report(session, shop), "timeline") == [
        ["date", "abandoned", "recovered", "recovery_rate"],
        [_day(9), "1", "1", "1.0000"],
        [_day(5), "2", "1", "0.5000"],  # the fast cart and the holdout cart
        [_day(3), "1", "0", "0.0000"],
    ]


def test_success_metrics_csv(session: Session, shop) -> None:
    assert _rows(_report(session, shop), "success-metrics") == [
        ["metric", "value", "previous_period", "baseline", "target", "met"],
        ["Cart abandonment rate", "1.0000", "1.0000", "0.7", "0.55", "false"],
        ["Recovery rate", "0.5000", "1.0000", "0.05", "0.2", "true"],
        ["Average cart value", "30.0000", "20.0000", "45.0", "58.0", "false"],
        ["Upsell acceptance", "0.0000", "0.0000", "", "0.15", "false"],
        ["Checkout completion", "0.0000", "0.0000", "0.3", "0.45", "false"],
    ]


def test_interventions_csv(session: Session, shop) -> None:
    assert _rows(_report(session, shop), "interventions") == [
        ["type", "shown", "accepted", "acceptance_rate", "avg_discount", "revenue_24h_click"],
        ["CART_SUMMARY", "3", "1", "0.3333", "0.00", "20.00"],
        ["BEST_OFFER", "1", "0", "0.0000", "10.00", "40.00"],
        ["CART_REMINDER", "1", "0", "0.0000", "0.00", "0.00"],
    ]


def test_triggers_csv_keeps_a_negative_lift_a_number(session: Session, shop) -> None:
    head, *rows = _rows(_report(session, shop), "triggers")
    assert head[:11] == ["trigger", "impressions", "carts", "interactions", "conversions",
                         "conversion_rate", "control_impressions", "control_carts",
                         "control_conversions", "control_rate", "lift"]  # fmt: skip
    by_trigger = {r[0]: r for r in rows}
    assert list(by_trigger) == [str(t) for t in T]
    scarcity = compare_rates(10, 40, 5, 40)
    assert by_trigger["SCARCITY"] == [
        "SCARCITY", "40", "40", "3", "10", "0.2500", "40", "40", "5", "0.1250", "1.0000",
        f"{scarcity.ci_low:.4f}", f"{scarcity.ci_high:.4f}", f"{scarcity.p_value:.4f}",
        "false", "false",
    ]  # fmt: skip
    urgency = by_trigger["URGENCY"]
    assert urgency[1:11] == ["40", "40", "3", "5", "0.1250", "40", "40", "10", "0.2500",
                             "-0.5000"]  # fmt: skip
    assert urgency[11].startswith("-")  # the interval's low end, not guarded either
    assert by_trigger["ANCHORING"][1:11] == ["0", "0", "0", "0", "0.0000", "0", "0", "0",
                                             "0.0000", ""]  # fmt: skip


def test_upsells_csv_and_every_table_parses(session: Session, shop) -> None:
    report = _report(session, shop)
    for name, build in TABLES.items():
        head, rows = build(report)
        parsed = _rows(report, name)
        assert parsed[0] == head, name
        assert len(parsed) == len(rows) + 1, name
    assert _rows(report, "upsells")[0] == ["type", "presented", "accepted", "acceptance_rate",
                                           "revenue"]  # fmt: skip
    assert table_csv(report, "channels").endswith("\r\n")  # RFC 4180 line ends


def test_the_window_names_the_revenue_column(session: Session, shop) -> None:
    report = _report(session, shop, window=AttributionWindow(72))
    assert _rows(report, "channels")[0][-1] == "revenue_72h_click"


def test_an_empty_company_has_headers_and_zeros(session: Session) -> None:
    report = _report(session, make_company(session))
    tables = {name: _rows(report, name) for name in TABLES}
    assert tables["timeline"] == [["date", "abandoned", "recovered", "recovery_rate"]]
    assert tables["interventions"][1:] == []
    for name in ("channels", "stages", "reasons", "triggers", "upsells"):
        rows = tables[name][1:]
        assert rows, name
        for row in rows:
            if name == "triggers":  # no data: the p-value is 1, not 0
                assert row[13] == "1.0000"
                row = row[:13]
            numbers = [c for c in row if c[:1].isdigit()]
            assert all(float(c) == 0 for c in numbers), (name, row)
    assert [r[1:3] for r in tables["success-metrics"][1:]] == [["0.0000", "0.0000"]] * 5


def test_an_unknown_table_is_a_clear_error(session: Session) -> None:
    report = _report(session, make_company(session))
    with pytest.raises(UnknownTable) as refused:
        table_csv(report, "customers")
    assert isinstance(refused.value, KeyError)
    assert str(refused.value) == (
        "There is no table 'customers'; the tables are: success-metrics, timeline, stages, "
        "channels, reasons, interventions, triggers, upsells."
    )


# --- the formula guard --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+cmd", "'+1+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("-0.0312", "-0.0312"),  # a negative lift: a number, untouched
        ("+1.5", "+1.5"),
        ("-1e-05", "-1e-05"),
        ("TOO_EXPENSIVE", "TOO_EXPENSIVE"),
        ("", ""),
        (-0.0312, "-0.0312"),
        (-5, "-5"),
        (Decimal("-3.5"), "-3.50"),
        (Decimal("12.5"), "12.50"),
        (True, "true"),
        (None, ""),
    ],
)
def test_formula_guard(value: object, cell: str) -> None:
    assert csv_cell(value) == cell


def test_a_formula_in_a_table_is_quoted_as_text(session: Session) -> None:
    report = _report(session, make_company(session))
    report = replace(report, reasons=[
        {"reason": "=1+2", "attempts": 3, "recovered": 1, "recoveryRate": -0.0312},
    ])  # fmt: skip
    assert _rows(report, "reasons")[1] == ["'=1+2", "3", "1", "-0.0312"]


# --- the PDF ------------------------------------------------------------------------------------


def _pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_is_one_page_with_the_headline(session: Session, shop) -> None:
    data = pdf_report(_report(session, shop), company_name="Acme Coffee", currency="USD")

    pages, text = _pdf_text(data)
    assert data.startswith(b"%PDF-")
    assert pages == 1
    assert "Acme Coffee" in text
    assert "$60.00" in text  # incremental revenue: ($60 / 3 - $0 / 1) per cart × 3 treated
    assert "1-day click" in text
    assert "Pattern interrupt" in text and "Win-back sequence" in text
    assert "Other Shop" not in text
    first, last = (NOW - timedelta(days=30)), (NOW - timedelta(microseconds=1))
    assert f"{first.day} {first:%b %Y}" in text and f"{last.day} {last:%b %Y}" in text


def test_the_pdf_names_the_window_and_the_currency(session: Session, shop) -> None:
    report = _report(session, shop, window=AttributionWindow(36))
    _, text = _pdf_text(pdf_report(report, company_name="Acme", currency="EUR"))
    assert "36-hour click" in text
    assert "€60.00" in text


def test_an_empty_period_is_one_page(session: Session) -> None:
    report = _report(session, make_company(session))
    pages, text = _pdf_text(pdf_report(report, company_name="Empty Shop", currency="USD"))
    assert pages == 1
    assert "Empty Shop" in text and "$0.00" in text and "Sample too small" in text
    assert "Browse reminder" in text


def test_forty_reasons_and_triggers_still_fit_one_page(session: Session) -> None:
    report = _report(session, make_company(session))
    triggers = list(T)
    report = replace(
        report,
        reasons=[{"reason": f"REASON_{i}", "attempts": 100 - i, "recovered": i, "recoveryRate":
                  round(i / (100 - i), 4)} for i in range(40)],
        triggers=[TriggerRow(triggers[i % len(triggers)], 500 - i, 10, 50, 100, 5,
                             compare_rates(50, 500 - i, 5, 100)) for i in range(40)],
    )  # fmt: skip
    pages, text = _pdf_text(pdf_report(report, company_name="Busy Shop", currency="USD"))
    assert pages == 1
    assert "+ 34 more in the reasons CSV file" in text
    assert "+ 34 more in the triggers CSV file" in text


@pytest.mark.parametrize(
    "name",
    ["Caffè € — 🚀", "Ωmega Ünïcode “quotes” 東京 👩‍👩‍👧", "X" * 200, "Tab\tand\nnewline", ""],
)
def test_any_company_name_prints(session: Session, name: str) -> None:
    report = _report(session, make_company(session))
    pages, text = _pdf_text(pdf_report(report, company_name=name, currency="GBP"))
    assert pages == 1
    assert "£0.00" in text


def test_what_the_fonts_cannot_print_is_replaced() -> None:
    assert printable("Caffè € — 🚀") == "Caffè € —"
    assert printable("Ωmega Ünïcode “quotes” 東京") == "?mega Ünïcode “quotes” ??"
    assert printable("Łódź ﬁ ✓ 👩‍👩‍👧 end") == "Lódz fi end"
    assert printable("−3 ≤ x") == "-3 <= x"
    assert printable("Tab\tand\nnewline") == "Tab and newline"


def test_the_company_name_is_on_the_page_as_printed(session: Session) -> None:
    report = _report(session, make_company(session))
    _, text = _pdf_text(pdf_report(report, company_name="Caffè € — 🚀", currency="EUR"))
    assert "Caffè € —" in text


def test_the_same_report_gives_the_same_bytes(session: Session, shop) -> None:
    report = _report(session, shop)
    at = datetime(2026, 4, 1, 9, 30, tzinfo=UTC)
    once = pdf_report(report, company_name="Acme", currency="USD", generated_at=at)
    again = pdf_report(report, company_name="Acme", currency="USD", generated_at=at)
    assert once == again
    assert pdf_report(report, company_name="Acme", currency="USD") == pdf_report(
        report, company_name="Acme", currency="USD"
    )
    assert "Generated 01 Apr 2026 09:30 UTC" in _pdf_text(once)[1]
