"""Route strings in one place."""

LOGIN = "/login"
OVERVIEW = "/"
API_KEYS = "/settings/api-keys"
LANDING_PAGES = "/landing-pages"
PRESET_GALLERY = "/themes/presets"
THEME_EDITOR = "/themes/editor"
CATALOG = "/catalog"
ALERTS = "/analytics/alerts"

FAVICON = "/favicon.svg"


def safe_next_path(value: str | None) -> str:
    """Where to go after login: only a path on this site, never another host."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return OVERVIEW
    if any(ord(ch) < 0x20 for ch in value):
        return OVERVIEW
    return value
