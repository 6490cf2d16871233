"""The content page on the live demo app: a stage's template preview passes the checks, pin
it as version A (placeholders, not the sample's figures), a bad placeholder is refused at its
field and saves nothing, the fix saves and is filled for the cart; reasons for the branching
stage; Claude without a key; the settings' field errors; analysts only read."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, col, delete, select

from cart_admin.db import engine_for
from cart_admin.models import Company, ContentSettings, ContentVersion
from tests.browser.conftest import screenshot
from tests.browser.test_save_flow import ANALYST_EMAIL, _log_in

pytestmark = pytest.mark.browser


def _versions(live_app) -> list[ContentVersion]:
    with Session(engine_for(live_app.database_url)) as session:
        return list(session.exec(select(ContentVersion).order_by(col(ContentVersion.variant))))


def _reset(live_app) -> None:
    with Session(engine_for(live_app.database_url)) as session:
        session.exec(delete(ContentVersion))  # type: ignore[call-overload]
        session.exec(delete(ContentSettings))  # type: ignore[call-overload]
        session.commit()


def test_pin_edit_and_fill_a_version(live_app, page) -> None:
    _reset(live_app)
    _log_in(page, live_app.base_url)
    page.goto(f"{live_app.base_url}/recovery/content")
    template = page.locator("#preview-template")
    expect(template).to_contain_text("Passes every check", timeout=30_000)
    expect(template).to_contain_text("30% off")
    expect(page.locator("#content-offer")).to_have_text("Offer: 30% off")

    page.locator("#pin-template-a").click()
    expect(page.locator("#content-notice")).to_contain_text("Pinned as version A")
    (pinned,) = _versions(live_app)
    assert pinned.stage == "NUCLEAR_OFFER" and pinned.variant == "A"
    assert "{code}" in pinned.body and "SAVE-PREVIEW" not in pinned.body
    assert "{expiry}" in pinned.body  # the preview's own moment, turned back exactly
    assert "{offer}" in pinned.subject
    expect(page.locator("#version-a-subject")).to_have_value(pinned.subject)

    sms = page.locator("#version-a-sms")
    sms.fill("{company}: use {coupon} today")
    page.locator("#version-a-save").click()
    expect(page.locator("#version-a")).to_contain_text("Unknown placeholder {coupon}")
    assert _versions(live_app)[0].sms == pinned.sms  # nothing saved

    sms.fill("{company}: {code} takes {offer} off your cart")
    page.locator("#version-a-save").click()
    expect(page.locator("#content-notice")).to_contain_text("Version A saved.")
    assert _versions(live_app)[0].sms == "{company}: {code} takes {offer} off your cart"
    rendered = page.locator("#version-a-rendered")
    expect(rendered).to_contain_text("Bluebird Coffee Roasters: SAVE-PREVIEW takes 30% off")
    expect(rendered).to_contain_text("Passes every check")
    screenshot(page, "content-page")

    page.locator("#content-stage").click()
    page.get_by_role("option", name="4. Branching intervention").click()
    expect(page.locator("#content-reason")).to_be_visible()
    page.locator("#content-reason").click()
    page.get_by_role("option", name="Too expensive").click()
    expect(page.locator("#content-offer")).to_have_text("Offer: 10% off", timeout=15_000)
    expect(page.locator("#preview-template")).to_contain_text("Here's 10% off your order")
    expect(page.locator("#version-a")).to_contain_text("Not pinned")

    page.locator("#content-generate-ai").click()
    expect(page.locator("body")).to_contain_text("No ANTHROPIC_API_KEY is configured")
    _reset(live_app)


def test_settings_refuse_bad_values_and_save_good_ones(live_app, page) -> None:
    _reset(live_app)
    _log_in(page, live_app.base_url)
    page.goto(f"{live_app.base_url}/recovery/content")
    segments = page.locator("#content-sms-segments")
    expect(segments).to_have_value("2", timeout=30_000)
    segments.fill("0")
    page.locator("#content-save-settings").click()
    expect(page.locator("#content-settings-notice")).to_contain_text("Nothing was saved")
    expect(page.get_by_role("alert").first).to_contain_text("greater than or equal to 1")
    segments.fill("1")
    page.locator("#content-budget").fill("50000")
    page.locator("#content-stage-tone").fill("warm, witty")
    page.locator("#content-stage-urgency").click()
    page.get_by_role("option", name="High urgency").click()
    page.locator("#content-save-settings").click()
    expect(page.locator("#content-settings-notice")).to_have_text("Saved.")
    with Session(engine_for(live_app.database_url)) as session:
        company_id = session.exec(select(Company.id)).one()
        row = session.exec(select(ContentSettings)).one()
    assert (row.company_id, row.sms_max_segments, row.monthly_token_budget) == (
        company_id,
        1,
        50000,
    )
    assert row.stage_styles == {"NUCLEAR_OFFER": {"tone": "warm, witty", "urgency": "high"}}
    expect(page.locator("#content-usage-tokens")).to_contain_text("of 50,000 tokens")
    _reset(live_app)


def test_analysts_read_the_content_page(live_app, page) -> None:
    _log_in(page, live_app.base_url, ANALYST_EMAIL)
    page.goto(f"{live_app.base_url}/recovery/content")
    expect(page.locator("#preview-template")).to_contain_text("Passes every check", timeout=30_000)
    expect(page.locator("#pin-template-a")).to_have_count(0)
    expect(page.locator("#content-save-settings")).to_have_count(0)
