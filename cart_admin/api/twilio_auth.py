"""Twilio's webhooks prove they come from Twilio with `X-Twilio-Signature`: an HMAC of the
full URL (as Twilio requested it, query included) and the POST parameters, keyed by our auth
token. The URL is rebuilt from `API_URL`/`APP_URL`, since behind a proxy the request's own
host and scheme are not what Twilio saw."""

from __future__ import annotations

from fastapi import Request, status
from fastapi.responses import Response
from twilio.request_validator import RequestValidator

from cart_admin.settings import get_settings


async def verified_params(request: Request) -> dict[str, str] | Response:
    """The webhook's form parameters, or a 403 response when the signature does not hold
    (or no auth token is configured, so nothing can be verified)."""
    settings = get_settings()
    form = await request.form()
    params = {key: str(value) for key, value in form.items()}
    url = settings.callback_base_url + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    signature = request.headers.get("X-Twilio-Signature", "")
    token = settings.twilio_auth_token
    if not token or not RequestValidator(token).validate(url, params, signature):
        return Response(
            "Invalid Twilio signature.",
            status_code=status.HTTP_403_FORBIDDEN,
            media_type="text/plain",
        )
    return params
