"""The recovery dashboard in headless Chromium on the demo shop: its figures are the report's,
the charts draw, the presets and dates change the period, a funnel bar opens its attempts, and
the CSV and the PDF download with the report's numbers."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from cart_admin.db import engine_for
from cart_admin.demo.generator import DEMO_EMAIL, DEMO_PASSWORD
from cart_admin.domain.analytics.periods import last_days
from cart_admin.domain.analytics.report import build_report, channels_table
from cart_admin.domain.save_flow.queries import AttemptFilters, list_attempts
from cart_admin.models import CartSaveStage, Company
from cart_admin.models.types import utcnow
from cart_admin.ui import format as fmt
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def _log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.locator("#email").fill(DEMO_EMAIL)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("#login-submit").click()
    expect(page.locator("#kpi-carts")).not_to_have_text("—", timeout=30_000)


def _report(live_app, days: int = 30):
    with Session(engine_for(live_app.database_url)) as session:
        company = session.exec(select(Company)).first()
        assert company is not None
        period = last_days(days, utcnow())
        report = build_report(session, company_id=company.id, start=period.start, end=period.end)
        return report, period, company


@pytest.fixture
def dashboard(live_app, page: Page) -> Page:
    _log_in(page, live_app.base_url)
    page.goto(f"{live_app.base_url}/analytics")
    expect(page.locator("#incremental-revenue")).not_to_have_text("—", timeout=30_000)
    return page


def test_the_figures_are_the_reports(live_app, dashboard: Page) -> None:
    report, period, company = _report(live_app)
    money = fmt.money(report.incrementality.incremental_revenue, company.currency)
    expect(dashboard.locator("#incremental-revenue")).to_have_text(money)
    expect(dashboard.locator("#kpis")).to_contain_text(fmt.count(report.recovery.recovered))
    expect(dashboard.locator("#kpis")).to_contain_text(f"{report.recovery.recovery_rate:.1%}")
    expect(dashboard.locator("#date-from")).to_have_value(period.first_day.isoformat())
    expect(dashboard.locator("#date-to")).to_have_value(period.last_day.isoformat())
    # Every chart drew its bars or points (Plotly's SVG), the channel table has every channel.
    for chart in ("incrementality", "timeline", "funnel", "channels", "reasons", "triggers"):
        expect(dashboard.locator(f"#chart-{chart} .main-svg").first).to_be_visible()
    expect(dashboard.locator("#chart-funnel .trace.bars .point")).to_have_count(14)
    expect(dashboard.locator("#table-channels tbody tr")).to_have_count(len(report.channels))
    expect(dashboard.locator("body")).to_contain_text("Revenue: 1-day click attribution")
    screenshot(dashboard, "analytics")


def test_presets_dates_and_a_bad_range(live_app, dashboard: Page) -> None:
    week, period, company = _report(live_app, 7)
    dashboard.get_by_role("radio", name="7 days").click()
    expect(dashboard.locator("#date-from")).to_have_value(period.first_day.isoformat())
    money = fmt.money(week.incrementality.incremental_revenue, company.currency)
    expect(dashboard.locator("#incremental-revenue")).to_have_text(money)

    dashboard.locator("#date-from").fill("2026-12-31")
    dashboard.locator("#date-to").fill("2026-01-01")
    expect(dashboard.locator("#period-error")).to_contain_text("'from' is after 'to'.")
    dashboard.get_by_role("radio", name="30 days").click()
    expect(dashboard.locator("#period-error")).to_have_count(0)


def test_a_funnel_bar_opens_its_attempts(live_app, dashboard: Page) -> None:
    _, period, company = _report(live_app)
    bar = dashboard.locator("#chart-funnel .trace.bars").first.locator(".point").nth(1)
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    dashboard.mouse.move(x, y)  # Plotly reports the point it hovers when the click comes
    dashboard.wait_for_timeout(300)
    dashboard.mouse.click(x, y)

    expect(dashboard).to_have_url(re.compile(r"/recovery/attempts\?reached=PATTERN_INTERRUPT"))
    expect(dashboard.locator("#drill-text")).to_contain_text("reached Pattern interrupt")
    with Session(engine_for(live_app.database_url)) as session:
        behind = list_attempts(session, company.id, AttemptFilters(
            reached_stage=CartSaveStage.PATTERN_INTERRUPT, started_from=period.start,
            started_before=period.end, holdout=False))  # fmt: skip
    expect(dashboard.locator("body")).to_contain_text(f"of {behind.total:,}")


def test_csv_and_pdf_downloads(live_app, dashboard: Page) -> None:
    report, period, _ = _report(live_app)
    with dashboard.expect_download() as download:
        dashboard.locator("#csv-channels").click()
    name = download.value.suggested_filename
    assert name == f"recovery-channels-{period.first_day}-to-{period.last_day}.csv"
    with open(download.value.path(), encoding="utf-8") as file:
        text = file.read()
    rows = list(csv.reader(io.StringIO(text)))
    head, expected = channels_table(report)
    assert rows[0] == head
    assert rows[1:] == [[str(cell) for cell in row] for row in expected]

    with dashboard.expect_download() as download:
        dashboard.locator("#download-pdf").click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as file:
        assert file.read(5) == b"%PDF-"
