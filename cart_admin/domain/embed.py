"""The embed script: the drawer's JavaScript with the page's config and theme CSS inlined."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cart_admin.domain.storefront import Storefront
from cart_admin.domain.theming import CartTheme, css_block

EMBED_DIR = Path(__file__).resolve().parent.parent / "embed"
CONFIG_TOKEN = "__CART_ADMIN_CONFIG__"
CSS_TOKEN = "__CART_ADMIN_CSS__"


@dataclass(frozen=True)
class EmbedScript:
    body: bytes
    etag: str

    @property
    def gzipped(self) -> bytes:
        return _gzip(self.body)


@lru_cache(maxsize=4)
def _sources(js_mtime: float, css_mtime: float) -> tuple[str, str]:
    """drawer.js and drawer.css, re-read only when they change on disk, without indentation
    and comment lines (the sources are written readable; shoppers download them)."""
    js = (EMBED_DIR / "drawer.js").read_text()
    css = re.sub(r"/\*.*?\*/", "", (EMBED_DIR / "drawer.css").read_text(), flags=re.S)
    return _compact(js, comment="//"), _compact(css)


def _compact(source: str, *, comment: str | None = None) -> str:
    """Drop leading whitespace, blank lines and whole-line comments. Safe for these sources:
    they have no template literals or other strings spanning lines (a test checks)."""
    lines = (line.strip() for line in source.splitlines())
    return "\n".join(t for t in lines if t and not (comment and t.startswith(comment)))


@lru_cache(maxsize=64)
def _gzip(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=9, mtime=0)


def embed_config(store: Storefront, *, api_base: str, preview: bool = False) -> dict:
    theme = store.theme
    return {
        "apiBase": api_base.rstrip("/"),
        "publicKey": store.page.public_key,
        "currency": store.company.currency,
        "texts": theme.texts.model_dump(mode="json"),
        "layout": {"side": theme.layout.side},
        "triggers": {
            "loss_aversion": theme.triggers.loss_aversion.model_dump(mode="json"),
            "live_viewers": {"enabled": theme.triggers.live_viewers.enabled},
        },
        "upsells": {"enabled": theme.upsells.enabled, "max_shown": theme.upsells.max_shown},
        "preview": preview,
    }


def _script_json(value: object) -> str:
    """JSON safe inside a <script>: no '</script>' or HTML comment can be formed."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_embed(store: Storefront, *, api_base: str, preview: bool = False) -> EmbedScript:
    js_path, css_path = EMBED_DIR / "drawer.js", EMBED_DIR / "drawer.css"
    config = embed_config(store, api_base=api_base, preview=preview)
    return _render(
        json.dumps(config, sort_keys=True),
        store.theme,
        js_path.stat().st_mtime,
        css_path.stat().st_mtime,
    )


@lru_cache(maxsize=128)
def _render(config_json: str, theme: CartTheme, js_mtime: float, css_mtime: float) -> EmbedScript:
    """The same page, theme and sources give the same script: built once."""
    js, css = _sources(js_mtime, css_mtime)
    theme_css = css + "\n" + css_block(theme, selector=":host")
    config = json.loads(config_json)
    body = js.replace(CONFIG_TOKEN, _script_json(config), 1).replace(
        CSS_TOKEN, _script_json(theme_css), 1
    )
    encoded = body.encode()
    return EmbedScript(body=encoded, etag=f'"{hashlib.sha256(encoded).hexdigest()[:32]}"')
