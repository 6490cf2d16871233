"""Recovery pages on the live demo app: edit and save the flow, field errors save nothing,
viewers only read; the attempts list filters by stage and opens an attempt's timeline."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, col, select

from cart_admin.db import engine_for
from cart_admin.demo.generator import DEMO_EMAIL, DEMO_PASSWORD
from cart_admin.domain.save_flow.config import SaveFlowConfig, load_config, save_config
from cart_admin.models import CartSaveAttempt, CartSaveStage, Company
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

ANALYST_EMAIL = "analyst@bluebird-roasters.example"
PATTERN = "#field-stages-patternInterrupt-delayMinutes"
SURVEY = "#field-stages-diagnosisSurvey-delayMinutes"


def _company_id(live_app) -> str:
    with Session(engine_for(live_app.database_url)) as session:
        return session.exec(select(Company.id)).one()


def _stored(live_app) -> SaveFlowConfig:
    with Session(engine_for(live_app.database_url)) as session:
        return load_config(session, _company_id(live_app))


def _reset_config(live_app) -> None:
    with Session(engine_for(live_app.database_url)) as session:
        save_config(session, _company_id(live_app), SaveFlowConfig())
        session.commit()


def _log_in(page, base_url: str, email: str = DEMO_EMAIL) -> None:
    page.goto(f"{base_url}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("#login-submit").click()
    expect(page.locator("#kpi-carts")).not_to_have_text("—", timeout=30_000)


def test_edit_save_and_reload_the_flow(live_app, page) -> None:
    _reset_config(live_app)
    _log_in(page, live_app.base_url)
    page.goto(f"{live_app.base_url}/recovery/flow")
    expect(page.locator(PATTERN)).to_have_value("60", timeout=20_000)
    expect(page.locator("#stage-patternInterrupt")).to_contain_text("1 h after abandonment")
    # The preview: the survey e-mail is swallowed by the 16 h e-mail cap.
    survey_row = page.locator(".preview-row", has_text="Diagnosis survey")
    expect(survey_row).to_contain_text("skipped: frequency cap")

    page.locator(PATTERN).fill("90")
    expect(page.locator("#stage-patternInterrupt")).to_contain_text(
        "1 h 30 min after abandonment", timeout=10_000
    )
    expect(page.locator(".preview-row", has_text="Pattern interrupt")).to_contain_text(
        "1 h 30 min after"
    )
    page.locator("#flow-save").click()
    expect(page.locator("#flow-notice")).to_contain_text("Saved", timeout=10_000)
    screenshot(page, "save-flow", full_page=False)
    screenshot(page, "save-flow-full")
    assert _stored(live_app).stages.pattern_interrupt.delay_minutes == 90

    page.reload()
    expect(page.locator(PATTERN)).to_have_value("90", timeout=20_000)


def test_invalid_values_show_at_the_field_and_save_nothing(live_app, page) -> None:
    _reset_config(live_app)
    _log_in(page, live_app.base_url)
    page.goto(f"{live_app.base_url}/recovery/flow")
    expect(page.locator(SURVEY)).to_have_value("180", timeout=20_000)

    page.locator(SURVEY).fill("30")
    error = page.locator("#field-stages-diagnosisSurvey-delayMinutes-error")
    expect(error).to_contain_text("Must be later than Pattern interrupt (60 min)", timeout=10_000)
    page.locator("#flow-save").click()
    summary = page.locator("#flow-errors")
    expect(summary).to_contain_text("Nothing was saved")
    expect(summary).to_contain_text("Diagnosis survey · Delay (minutes)")
    page.locator(SURVEY).scroll_into_view_if_needed()
    screenshot(page, "save-flow-error", full_page=False)

    page.locator(PATTERN).fill("-5")
    expect(page.locator("#field-stages-patternInterrupt-delayMinutes-error")).to_contain_text(
        "Must be at least 0", timeout=10_000
    )
    page.locator("#flow-save").click()
    expect(summary).to_contain_text("Pattern interrupt · Delay (minutes): Must be at least 0")

    assert _stored(live_app) == SaveFlowConfig()  # nothing was written
    page.reload()
    expect(page.locator(SURVEY)).to_have_value("180", timeout=20_000)
    expect(page.locator(PATTERN)).to_have_value("60")


def test_analysts_see_the_flow_read_only(live_app, page) -> None:
    _reset_config(live_app)
    _log_in(page, live_app.base_url, ANALYST_EMAIL)
    page.goto(f"{live_app.base_url}/recovery/flow")
    expect(page.locator("#flow-read-only")).to_be_visible(timeout=20_000)
    expect(page.locator("#flow-save")).to_have_count(0)
    expect(page.locator(PATTERN)).to_have_attribute("readonly", "")
    expect(page.locator("#field-stages-nuclearOffer-enabled")).to_be_disabled()
    expect(page.locator("#preview-table")).to_contain_text("Nuclear offer")


def test_attempts_filter_by_stage_and_open_one(live_app, page) -> None:
    company_id = _company_id(live_app)
    with Session(engine_for(live_app.database_url)) as session:
        nuclear = session.exec(
            select(CartSaveAttempt).where(
                col(CartSaveAttempt.company_id) == company_id,
                col(CartSaveAttempt.current_stage) == CartSaveStage.NUCLEAR_OFFER,
            )
        ).all()
    assert nuclear, "the demo data has attempts at the nuclear offer"

    _log_in(page, live_app.base_url)
    page.goto(f"{live_app.base_url}/recovery/attempts")
    rows = page.locator(".attempt-row")
    expect(rows.first).to_be_visible(timeout=20_000)

    page.locator("#filter-stage").click()
    page.get_by_role("option", name="Nuclear offer").click()
    expect(page.locator("#attempts-range")).to_have_text(
        re.compile(rf"of {len(nuclear):,}$"), timeout=10_000
    )
    badges = page.locator(".stage-badge")
    expect(badges.first).to_have_text("Nuclear offer")
    assert set(badges.all_inner_texts()) == {"Nuclear offer"}
    screenshot(page, "attempts", full_page=False)

    first = rows.filter(has_not_text="Holdout").first.locator("a").first
    name = first.inner_text()
    first.click()
    expect(page).to_have_url(re.compile(r"/recovery/attempts/detail\?id=[0-9a-f]+"))
    expect(page.locator("#attempt-customer")).to_have_text(name, timeout=20_000)
    expect(page.locator("#attempt-stages")).to_contain_text("Nuclear offer")
    expect(page.locator(".message-card").first).to_be_visible()
    screenshot(page, "attempt-detail", full_page=False)
    screenshot(page, "attempt-detail-full")


def test_another_companys_attempt_is_not_shown(live_app, page) -> None:
    _log_in(page, live_app.base_url)
    page.goto(f"{live_app.base_url}/recovery/attempts/detail?id=ffffffffffffffffffffffff")
    expect(page.locator("#attempt-missing")).to_be_visible(timeout=20_000)
