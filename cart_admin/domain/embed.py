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
PARTS_MARKER = "/* __CART_ADMIN_PARTS__ */"  # churn.js joins the drawer's closure here
CHAT_CSS_TOKEN = "__CART_ADMIN_CHAT_CSS__"


@dataclass(frozen=True)
class EmbedScript:
    body: bytes
    etag: str

    @property
    def gzipped(self) -> bytes:
        return _gzip(self.body)


def _mtimes(*names: str) -> tuple[float, ...]:
    return tuple((EMBED_DIR / name).stat().st_mtime for name in names)


DRAWER_SOURCES = ("drawer.js", "churn.js", "drawer.css")
CHAT_SOURCES = ("chat.js", "chat.css")


def _css(name: str) -> str:
    return _compact(re.sub(r"/\*.*?\*/", "", (EMBED_DIR / name).read_text(), flags=re.S))


@lru_cache(maxsize=4)
def _sources(mtimes: tuple[float, ...]) -> tuple[str, str]:
    """drawer.js (with churn.js spliced in) and drawer.css, re-read only when they change on
    disk, without indentation and comment lines (written readable; shoppers download them)."""
    js = (EMBED_DIR / "drawer.js").read_text()
    if PARTS_MARKER not in js:
        raise RuntimeError("drawer.js has no parts marker")
    js = js.replace(PARTS_MARKER, (EMBED_DIR / "churn.js").read_text(), 1)
    return _compact(js, comment="//"), _css("drawer.css")


@lru_cache(maxsize=4)
def _chat_script(mtimes: tuple[float, ...]) -> EmbedScript:
    js = _compact((EMBED_DIR / "chat.js").read_text(), comment="//")
    body = js.replace(CHAT_CSS_TOKEN, _script_json(_css("chat.css")), 1).encode()
    return EmbedScript(body=body, etag=f'"{hashlib.sha256(body).hexdigest()[:32]}"')


def chat_script() -> EmbedScript:
    """The checkout chat's script: the same for every page (the drawer passes it the rest)."""
    return _chat_script(_mtimes(*CHAT_SOURCES))


def _compact(source: str, *, comment: str | None = None) -> str:
    """Drop leading whitespace, blank lines and whole-line comments. Safe for these sources:
    they have no template literals or other strings spanning lines (a test checks)."""
    lines = (line.strip() for line in source.splitlines())
    return "\n".join(t for t in lines if t and not (comment and t.startswith(comment)))


@lru_cache(maxsize=64)
def _gzip(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=9, mtime=0)


def embed_config(
    store: Storefront, *, api_base: str, preview: bool = False, assist: dict | None = None
) -> dict:
    """`assist`: the churn detection and chat settings the drawer needs (none in previews)."""
    theme = store.theme
    return {
        **(assist or {}),
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


def render_embed(
    store: Storefront, *, api_base: str, preview: bool = False, assist: dict | None = None
) -> EmbedScript:
    config = embed_config(store, api_base=api_base, preview=preview, assist=assist)
    return _render(json.dumps(config, sort_keys=True), store.theme, _mtimes(*DRAWER_SOURCES))


@lru_cache(maxsize=128)
def _render(config_json: str, theme: CartTheme, mtimes: tuple[float, ...]) -> EmbedScript:
    """The same page, theme and sources give the same script: built once."""
    js, css = _sources(mtimes)
    theme_css = css + "\n" + css_block(theme, selector=":host")
    config = json.loads(config_json)
    body = js.replace(CONFIG_TOKEN, _script_json(config), 1).replace(
        CSS_TOKEN, _script_json(theme_css), 1
    )
    encoded = body.encode()
    return EmbedScript(body=encoded, etag=f'"{hashlib.sha256(encoded).hexdigest()[:32]}"')
