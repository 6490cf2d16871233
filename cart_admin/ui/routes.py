"""Route strings in one place."""

LOGIN = "/login"
OVERVIEW = "/"
API_KEYS = "/settings/api-keys"

FAVICON = "/favicon.svg"
