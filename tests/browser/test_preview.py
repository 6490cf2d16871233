"""The drawer's preview mode in Chromium: framed by a same-origin parent, restyled live.

Serves `create_api()` plus the preview router (and a tiny parent page) from uvicorn in a
thread: the preset preview needs no database and no frontend build.
"""

from __future__ import annotations

import socket
import statistics
import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.responses import HTMLResponse

from cart_admin.api.app import create_api
from cart_admin.domain.theming import css_block, resolve_theme

pytestmark = pytest.mark.browser

PRESET = "espresso"
PARENT = """<!doctype html><html><head><meta charset="utf-8"><title>parent</title></head>
<body style="margin:0">
<iframe name="preview" src="/preview/presets/{preset}" width="420" height="760"></iframe>
<iframe name="other" src="{other}/test/other" width="10" height="10"></iframe>
<script>
  window.applied = [];
  addEventListener("message", (e) => {{
    if (e.origin === location.origin && e.data && e.data.type === "cart-admin:applied")
      applied.push({{ at: e.data.at, got: performance.now() }});
  }});
</script></body></html>
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    import uvicorn

    port = _free_port()
    api = create_api()

    @api.get("/test/parent", response_class=HTMLResponse)
    def parent() -> str:
        return PARENT.format(preset=PRESET, other=f"http://localhost:{port}")

    @api.get("/test/other", response_class=HTMLResponse)
    def other() -> str:
        return "<!doctype html><title>another origin</title>"

    server = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _theme_css(button: str) -> str:
    return css_block(resolve_theme({"preset": PRESET, "colors": {"button": button}}).theme)


def _rgb(hex_color: str) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_preview_renders_the_sample_and_restyles_live(server, page) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{server}/test/parent")
    frame = page.frame(name="preview")
    assert frame is not None
    checkout = frame.locator('[data-ca="checkout"]')
    checkout.wait_for()

    # Open on the sample cart, with its trigger facts.
    assert frame.locator('[data-ca="drawer"]').is_visible()
    assert frame.locator('[data-ca="item"]').count() == 3
    assert frame.locator('[data-ca="scarcity"]').count() == 1
    assert frame.locator('[data-ca="urgency"]').is_visible()
    assert frame.locator('[data-ca="free-shipping"]').is_visible()
    assert frame.locator('[data-ca="trust"]').is_visible()
    espresso = resolve_theme({"preset": PRESET}).theme.colors.button
    bg = "getComputedStyle(document.querySelector('cart-admin-drawer').shadowRoot"
    bg += ".querySelector('[data-ca=checkout]')).backgroundColor"
    assert frame.evaluate(bg) == _rgb(espresso)
    origin = frame.evaluate("performance.timeOrigin")

    # Buttons work on the sample, locally; checkout goes nowhere.
    mug = frame.locator('[data-ca="item"][data-product-id="sample-mug"]')
    mug.locator('[data-ca="inc"]').click()
    assert mug.locator('[data-ca="qty"]').text_content() == "3"
    checkout.click()
    page.wait_for_timeout(100)

    # A message from another origin is ignored.
    other = page.frame(name="other")
    assert other is not None and other.url.startswith("http://localhost:")
    other.evaluate(
        "(css) => parent.frames.preview.postMessage({type: 'cart-admin:theme', css,"
        " texts: {checkout_button: 'Hijacked'}}, '*')",
        _theme_css("#ff0000"),
    )
    page.wait_for_timeout(300)
    assert frame.evaluate(bg) == _rgb(espresso)
    assert "Hijacked" not in checkout.text_content()
    assert page.evaluate("applied.length") == 0

    # The parent's message restyles and re-renders without a reload, and is acknowledged.
    texts = resolve_theme({}).theme.texts.model_dump() | {"checkout_button": "Pay now"}
    page.evaluate(
        "([css, texts]) => frames.preview.postMessage({type: 'cart-admin:theme', css, texts},"
        " location.origin)",
        [_theme_css("#0a7d5a"), texts],
    )
    page.wait_for_function("applied.length === 1")
    assert frame.evaluate(bg) == _rgb("#0a7d5a")
    assert "Pay now" in checkout.text_content()
    assert frame.evaluate("performance.timeOrigin") == origin
    assert mug.locator('[data-ca="qty"]').text_content() == "3"  # same document, same state

    # Input-to-repaint: postMessage to `applied`, over 20 changes.
    colors = [f"#{i * 12:02x}{255 - i * 12:02x}80" for i in range(20)]
    timings = page.evaluate(
        """async (sheets) => {
          const out = [];
          const shift = frames.preview.performance.timeOrigin - performance.timeOrigin;
          for (const css of sheets) {
            const n = applied.length;
            const t0 = performance.now();
            frames.preview.postMessage({type: "cart-admin:theme", css}, location.origin);
            while (applied.length === n) await new Promise((r) => setTimeout(r, 0));
            const a = applied[applied.length - 1];
            out.push([a.at + shift - t0, a.got - t0]);
          }
          return out;
        }""",
        [_theme_css(c) for c in colors],
    )
    assert frame.evaluate(bg) == _rgb(colors[-1])
    applied_ms = statistics.median(t[0] for t in timings)
    round_trip_ms = statistics.median(t[1] for t in timings)
    print(
        f"\npreview restyle: median postMessage->applied {applied_ms:.2f} ms "
        f"(round trip back to the parent {round_trip_ms:.2f} ms) over {len(timings)} changes"
    )
    assert applied_ms < 100

    # Preview mode makes no cart, impression, heartbeat or upsell requests.
    assert not [u for u in requests if "/api/" in u], requests
