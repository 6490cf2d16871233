"""Take the README's screenshots from a running app: `python scripts/screenshots.py [BASE_URL]`.

Logs in as the demo owner in headless Chromium and saves docs/screenshots/*.png.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cart_admin.demo.generator import DEMO_EMAIL, DEMO_PASSWORD  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
PAGES = {
    "overview": "/",
    "landing-pages": "/landing-pages",
    "presets": "/themes/presets",
    "catalog": "/catalog",
    "api-keys": "/settings/api-keys",
    "save-flow": "/recovery/flow",
    "attempts": "/recovery/attempts",
    "content": "/recovery/content",
    "voice": "/recovery/voice",
    "checkout-help": "/recovery/checkout-help",
    "alerts": "/analytics/alerts",
}
FULL_PAGE = {"save-flow", "content"}  # long pages: the whole of it


def main(base_url: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{base_url}/login")
        page.locator("#email").fill(DEMO_EMAIL)
        page.locator("#password").fill("")
        page.screenshot(path=str(OUT / "login.png"))
        page.locator("#password").fill(DEMO_PASSWORD)
        page.locator("#login-submit").click()
        expect(page.locator("#kpi-carts")).not_to_have_text("—", timeout=30_000)
        for name, route in PAGES.items():
            page.goto(f"{base_url}{route}")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(2500)  # iframes (preset thumbnails) load lazily
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=name in FULL_PAGE)
            print(OUT / f"{name}.png")
        analytics(page, base_url)
        voice_simulator(page, base_url)
        checkout_help(browser, page, base_url)
        browser.close()


def analytics(page, base_url: str) -> None:
    """The dashboard's first screens: incrementality, KPIs, recovery over time, funnel."""
    page.set_viewport_size({"width": 1440, "height": 1500})
    page.goto(f"{base_url}/analytics")
    expect(page.locator("#incremental-revenue")).not_to_have_text("—", timeout=30_000)
    page.wait_for_timeout(2500)  # Plotly draws after the figures arrive
    path = OUT / "analytics.png"
    page.screenshot(path=str(path))
    print(path)
    page.set_viewport_size({"width": 1440, "height": 900})


def voice_simulator(page, base_url: str) -> None:
    """The simulator through a price objection to an accepted discount."""
    page.goto(f"{base_url}/recovery/voice")
    page.locator("#voice-tab-simulator").click()
    page.locator("#sim-start").click()
    expect(page.locator(".sim-agent").first).to_be_visible(timeout=15_000)
    for words in ("Yes, speaking", "Sure", "It was too expensive", "Yes please"):
        before = page.locator(".sim-agent").count()
        page.locator(".sim-quick", has_text=words).first.click()
        page.wait_for_function(f"document.querySelectorAll('.sim-agent').length > {before}")
    path = OUT / "voice-simulator.png"
    page.set_viewport_size({"width": 1440, "height": 1180})  # the fixed sidebar stays put
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path))
    print(path)


def checkout_help(browser, admin, base_url: str) -> None:
    """The exit-intent offer on the demo store, then a chat handed to a person and answered
    from the Inbox. A cart in the save flow's holdout group sees no offer: try a new one."""
    for _ in range(6):
        shop = browser.new_page(viewport={"width": 1440, "height": 900})
        shop.goto(f"{base_url}/demo/store/shop")
        shop.wait_for_function("window.MomentumCart && window.MomentumCart.ready")
        shop.evaluate("MomentumCart.ready")
        shop.locator("article.card button").nth(1).click()
        shop.locator("cart-admin-drawer [data-ca='close']").click()
        shop.mouse.move(640, 300)
        shop.mouse.move(640, 5, steps=4)
        shop.mouse.move(640, -5)
        offer = shop.locator("cart-admin-drawer [data-ca='exit-offer']")
        try:
            expect(offer).to_be_visible(timeout=3000)
        except AssertionError:
            shop.close()
            continue
        shop.wait_for_timeout(400)
        shop.screenshot(path=str(OUT / "exit-intent.png"))
        print(OUT / "exit-intent.png")
        shop.locator("cart-admin-drawer [data-ca='offer-dismiss']").click()
        break
    drawer = shop.locator("cart-admin-drawer")
    shop.evaluate("MomentumCart.chat()")
    drawer.locator('[data-ca="chat-quick"]', has_text="PayPal").click()
    expect(drawer.locator('[data-role="assistant"]')).to_have_count(2)
    drawer.locator('[data-ca="chat-input"]').fill("Can I talk to someone about Friday delivery?")
    drawer.locator('[data-ca="chat-send"]').click()
    expect(drawer.locator('[data-role="system"]')).to_have_count(1)
    admin.goto(f"{base_url}/recovery/inbox")
    admin.locator(".inbox-row").first.click()
    admin.locator("#inbox-reply").fill("Yes! Order today and it ships tomorrow: Friday latest.")
    admin.locator("#inbox-send").click()
    expect(admin.locator('.inbox-message[data-role="agent"]')).to_have_count(1)
    admin.screenshot(path=str(OUT / "inbox.png"))
    print(OUT / "inbox.png")
    expect(drawer.locator('[data-role="agent"]')).to_have_count(1, timeout=15_000)
    shop.screenshot(path=str(OUT / "chat.png"))
    print(OUT / "chat.png")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://localhost:3000")
