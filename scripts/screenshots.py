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
        voice_simulator(page, base_url)
        browser.close()


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


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://localhost:3000")
