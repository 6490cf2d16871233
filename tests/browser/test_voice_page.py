"""The voice page on the live demo app: the simulator plays a call through a price objection
to an accepted discount, a script line with an unknown placeholder saves nothing, a valid
edit is saved and spoken by the simulator, and the call log opens a transcript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from cart_admin.db import engine_for
from cart_admin.domain.voice.config import VoiceRecoveryConfig, load_voice_config, save_voice_config
from cart_admin.models import Company
from tests.browser.conftest import screenshot
from tests.browser.test_save_flow import _log_in

pytestmark = pytest.mark.browser

VOICE = "/recovery/voice"


def _company_id(live_app) -> str:
    with Session(engine_for(live_app.database_url)) as session:
        return session.exec(select(Company.id)).one()


def _reset_voice(live_app) -> None:
    with Session(engine_for(live_app.database_url)) as session:
        save_voice_config(session, _company_id(live_app), VoiceRecoveryConfig(agentName="Jamie"))
        session.commit()


def _stored(live_app) -> VoiceRecoveryConfig:
    with Session(engine_for(live_app.database_url)) as session:
        return load_voice_config(session, _company_id(live_app))


def _say(page, words: str) -> None:
    """Type a reply as the shopper and send it; wait for the agent's answer."""
    before = page.locator(".sim-agent").count()
    page.locator("#sim-input").fill(words)
    page.locator("#sim-send").click()
    expect(page.locator(".sim-customer").last).to_contain_text(words)
    page.wait_for_function(
        f"document.querySelectorAll('.sim-agent').length > {before}", timeout=15_000
    )


def test_the_simulator_plays_a_price_objection_to_an_accepted_discount(live_app, page) -> None:
    _reset_voice(live_app)
    _log_in(page, live_app.base_url)
    page.goto(f"{live_app.base_url}{VOICE}")
    page.locator("#voice-tab-simulator").click()
    page.locator("#sim-start").click()
    agent = page.locator(".sim-agent")
    expect(agent.first).to_have_text("Hi, is this Sam?", timeout=15_000)

    _say(page, "Yes, this is Sam")
    expect(agent.nth(1)).to_contain_text("This is Jamie from Bluebird Coffee Roasters")
    expect(agent.nth(2)).to_have_text("Do you have a quick moment?")
    _say(page, "sure, go ahead")
    expect(agent.last).to_contain_text("Weekender Duffel Bag in your cart")

    _say(page, "Honestly the price was more than I wanted to pay")
    expect(page.locator(".sim-customer").last).to_contain_text("understood as price|")
    expect(agent.last).to_contain_text("I can actually offer you 30% off your order right now")

    _say(page, "Yes please, that would help")
    expect(agent.last).to_contain_text("I've applied the discount to your cart")
    expect(page.locator("#sim-outcome")).to_contain_text("Discount accepted")
    effects = page.locator("#sim-effects")
    expect(effects).to_contain_text("Applies the discount to the cart")
    expect(effects).to_contain_text("Texts the recovery link")

    # The TwiML of each turn is what Twilio would be sent.
    page.locator("#sim-twiml").click()
    expect(page.locator("#sim-conversation")).to_contain_text('<Gather action="')
    _say(page, "no thanks, that's all")
    expect(agent.last).to_contain_text("Enjoy your order. Goodbye!")
    expect(page.locator(".sim-system").last).to_have_text("The call ends.")
    expect(page.locator("#sim-input")).to_have_count(0)
    screenshot(page, "voice-simulator")


def test_an_unknown_placeholder_saves_nothing_and_a_valid_line_is_spoken(live_app, page) -> None:
    _reset_voice(live_app)
    _log_in(page, live_app.base_url)
    page.goto(f"{live_app.base_url}{VOICE}")
    page.locator("#voice-tab-script").click()
    greeting = page.locator("#voice-script-opening-greeting")
    expect(greeting).to_have_value("Hi, is this {{customerName}}?", timeout=15_000)

    greeting.fill("Hello {{firstName}}, got a minute?")
    expect(page.locator("#voice-script-opening-greeting-error")).to_contain_text(
        "Unknown placeholder {{firstName}}"
    )
    page.locator("#voice-save").click()
    expect(page.locator("#voice-errors")).to_contain_text("Nothing was saved")
    assert _stored(live_app).script.opening.greeting == "Hi, is this {{customerName}}?"

    greeting.fill("Hello {{customerName}}, it's {{agentName}} here.")
    expect(page.locator("#voice-script-opening-greeting-error")).to_have_count(0)
    page.locator("#voice-save").click()
    expect(page.locator("#voice-notice")).to_contain_text("Saved")
    assert _stored(live_app).script.opening.greeting == (
        "Hello {{customerName}}, it's {{agentName}} here."
    )

    page.reload()
    page.locator("#voice-tab-simulator").click()
    page.locator("#sim-start").click()
    expect(page.locator(".sim-agent").first).to_have_text(
        "Hello Sam, it's Jamie here.", timeout=15_000
    )
    _reset_voice(live_app)


def test_the_call_log_opens_a_transcript(live_app, page) -> None:
    _log_in(page, live_app.base_url)
    page.goto(f"{live_app.base_url}{VOICE}")
    page.locator("#voice-tab-calls").click()
    page.locator("#calls-filter").click()
    page.get_by_role("option", name="Discount accepted").click()
    rows = page.locator(".call-row")
    expect(rows.first).to_contain_text("Discount accepted", timeout=15_000)
    rows.first.click()
    transcript = page.locator("#call-transcript")
    expect(transcript).to_contain_text("Bluebird Coffee Roasters")
    screenshot(page, "voice-call-log")
