"""The analytics downloads on a small hand-built shop (SQLite and PostgreSQL): each table as a
CSV file and the one-page PDF, their content types and file names, an unknown table, bad
ranges and windows, an empty company, and another company's rows never in the file."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlmodel import Session

from cart_admin.api.app import create_api
from cart_admin.domain.analytics.report import TABLES
from cart_admin.domain.auth import SESSION_COOKIE
from cart_admin.models import CartAbandonmentReason, CartStatus, UserRole
from cart_admin.models.types import utcnow
from tests.factories import (
    make_api_key,
    make_attempt,
    make_cart,
    make_company,
    make_login_session,
    make_product,
    make_user,
)

NOW = utcnow()
INTELLIGENCE = "/api/momentum/cart-intelligence"
TODAY = NOW.date()
FIRST = TODAY - timedelta(days=29)  # the default range: the last 30 days
RANGE = f"from={FIRST}&to={TODAY}"


def _client(session: Session, company) -> TestClient:
    return TestClient(
        create_api(), headers={"Authorization": f"Bearer {make_api_key(session, company)}"}
    )


def _abandoned(session, company, product, *, days_ago, recovered: bool, holdout=False,
               reason=None) -> None:  # fmt: skip
    at = NOW - timedelta(days=days_ago)
    cart = make_cart(
        session, company, items=[(product, 1)], created_at=at - timedelta(hours=1),
        status=CartStatus.CONVERTED if recovered else CartStatus.ABANDONED, abandoned_at=at,
        converted_at=at + timedelta(hours=12) if recovered else None,
    )  # fmt: skip
    attempt = make_attempt(session, cart, is_holdout=holdout, started_at=at)
    attempt.recovered_value = cart.grand_total if recovered else None
    attempt.diagnosis_reason = reason
    session.add(attempt)
    session.commit()


@pytest.fixture
def shop(session: Session):
    company = make_company(session, "Acme Coffee")
    mug = make_product(session, company, name="Mug", price="30.00")
    for recovered in (True, True, False, False):  # treated: 2 of 4 back
        _abandoned(session, company, mug, days_ago=3, recovered=recovered)
    _abandoned(session, company, mug, days_ago=4, recovered=False, holdout=True)  # 0 of 1
    _abandoned(session, company, mug, days_ago=40, recovered=True)  # the period before
    other = make_company(session, "Other Shop")
    _abandoned(session, other, make_product(session, other, name="X", price="99.00"),
               days_ago=3, recovered=True, reason=CartAbandonmentReason.PAYMENT_ISSUES)  # fmt: skip
    return company


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.text, newline="")))


def _pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def _day(days_ago: int) -> str:
    return (NOW - timedelta(days=days_ago)).date().isoformat()


def test_a_table_downloads_as_a_csv_file(session: Session, shop) -> None:
    response = _client(session, shop).get(f"{INTELLIGENCE}/export/timeline.csv?{RANGE}")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="recovery-timeline-{FIRST}-to-{TODAY}.csv"'
    )
    # The other shop's cart, abandoned three days ago too, is not counted.
    assert _csv(response) == [
        ["date", "abandoned", "recovered", "recovery_rate"],
        [_day(4), "1", "0", "0.0000"],
        [_day(3), "4", "2", "0.5000"],
    ]


def test_every_table_downloads(session: Session, shop) -> None:
    api = _client(session, shop)
    for name in TABLES:
        response = api.get(f"{INTELLIGENCE}/export/{name}.csv?from=2026-01-01&to=2026-01-31")
        assert response.status_code == 200, (name, response.text)
        assert response.headers["content-disposition"] == (
            f'attachment; filename="recovery-{name}-2026-01-01-to-2026-01-31.csv"'
        )
        assert _csv(response)[0], name


def test_reasons_and_success_metrics_are_the_companys_own(session: Session, shop) -> None:
    api = _client(session, shop)
    reasons = {r[0]: r[1:] for r in _csv(api.get(f"{INTELLIGENCE}/export/reasons.csv"))[1:]}
    assert reasons["UNKNOWN"] == ["4", "2", "0.5000"]  # the treated attempts
    assert reasons["PAYMENT_ISSUES"] == ["0", "0", "0.0000"]  # the other shop's
    success = {r[0]: r[1:] for r in _csv(api.get(f"{INTELLIGENCE}/export/success-metrics.csv"))}
    assert success["Recovery rate"][:2] == ["0.4000", "1.0000"]  # 2 of 5; 1 of 1 before


def test_the_window_names_the_revenue_column(session: Session, shop) -> None:
    api = _client(session, shop)
    default = _csv(api.get(f"{INTELLIGENCE}/export/channels.csv"))
    wider = _csv(api.get(f"{INTELLIGENCE}/export/channels.csv?attributionHours=72"))
    assert default[0][-1] == "revenue_24h_click" and wider[0][-1] == "revenue_72h_click"
    assert [r[0] for r in default[1:]] == ["EMAIL", "SMS", "PUSH", "VOICE", "IN_APP"]


def test_an_unknown_table_is_404_naming_the_tables(session: Session, shop) -> None:
    response = _client(session, shop).get(f"{INTELLIGENCE}/export/customers.csv")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "There is no table 'customers'. The tables are: success-metrics, timeline, "
        "stages, channels, reasons, interventions, triggers, upsells."
    }


def test_the_report_downloads_as_a_one_page_pdf(session: Session, shop) -> None:
    response = _client(session, shop).get(f"{INTELLIGENCE}/report.pdf?{RANGE}&attributionHours=72")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="recovery-report-{FIRST}-to-{TODAY}.pdf"'
    )
    pages, text = _pdf_text(response.content)
    assert pages == 1
    assert "Acme Coffee" in text
    assert "$60.00" in text  # incremental: ($60 / 4 - $0) per treated cart × 4
    assert "3-day click" in text
    assert "Nuclear offer" in text
    assert "Other Shop" not in text and "$99.00" not in text


def test_the_pdf_is_in_the_companys_currency_and_name(session: Session) -> None:
    company = make_company(session, "Caffè € — 🚀", currency="EUR")
    mug = make_product(session, company, name="Mug", price="30.00")
    _abandoned(session, company, mug, days_ago=2, recovered=True)
    response = _client(session, company).get(f"{INTELLIGENCE}/report.pdf")
    assert response.status_code == 200, response.text
    pages, text = _pdf_text(response.content)
    assert pages == 1
    assert "Caffè € —" in text and "€30.00" in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-11-30&to=2026-11-01", "'from' is after 'to'."),
        ("from=2024-01-01&to=2026-01-01", "Ask for 366 days at most."),
        ("from=yesterday", "from"),
        ("to=1999-12-31", "to"),
        ("attributionHours=0", "attributionHours"),
        ("attributionHours=721", "attributionHours"),
        ("attributionHours=1.5", "attributionHours"),
    ],
)
def test_bad_ranges_and_windows_are_422(session: Session, shop, query, message) -> None:
    api = _client(session, shop)
    for path in ("/export/channels.csv", "/report.pdf"):
        response = api.get(f"{INTELLIGENCE}{path}?{query}")
        assert response.status_code == 422, (path, response.text)
        assert message in response.text


def test_an_empty_company_downloads_headers_and_a_page(session: Session) -> None:
    api = _client(session, make_company(session, "Empty Shop"))
    for name in TABLES:
        response = api.get(f"{INTELLIGENCE}/export/{name}.csv")
        assert response.status_code == 200, (name, response.text)
    timeline = api.get(f"{INTELLIGENCE}/export/timeline.csv")
    assert _csv(timeline) == [["date", "abandoned", "recovered", "recovery_rate"]]
    pdf = api.get(f"{INTELLIGENCE}/report.pdf")
    assert pdf.status_code == 200
    pages, text = _pdf_text(pdf.content)
    assert pages == 1 and "Empty Shop" in text and "$0.00" in text


def test_an_analyst_may_download(session: Session, shop) -> None:
    analyst = make_user(session, shop, role=UserRole.ANALYST)
    token = make_login_session(session, analyst)
    api = TestClient(create_api(), cookies={SESSION_COOKIE: token})
    assert api.get(f"{INTELLIGENCE}/export/stages.csv").status_code == 200
    assert api.get(f"{INTELLIGENCE}/report.pdf").status_code == 200
