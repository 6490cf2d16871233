"""The shopper's side of recovery messages: open pixel, recovery link, survey, unsubscribe,
and Twilio's inbound-SMS webhook (STOP). Small server-rendered pages; all text escaped."""

from __future__ import annotations

import base64
from html import escape
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from cart_admin.api.deps import NowDep, SessionDep
from cart_admin.api.twilio_auth import verified_params
from cart_admin.domain.save_flow import links
from cart_admin.domain.save_flow.messages import SURVEY_REASONS
from cart_admin.domain.tenancy import NotFound
from cart_admin.models import CartAbandonmentReason, CartIntervention
from cart_admin.settings import get_settings

router = APIRouter(tags=["recovery links"])

Token = Annotated[str, Path(min_length=8, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _page(title: str, body: str, code: int = 200) -> HTMLResponse:
    html = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>"
        "body{font-family:-apple-system,Segoe UI,Roboto,sans-serif;background:#f2f4f7;"
        "color:#1d2939;margin:0;padding:32px 16px}main{max-width:480px;margin:auto;"
        "background:#fff;border-radius:12px;padding:28px}h1{font-size:22px;margin-top:0}"
        "label{display:block;border:1px solid #d0d5dd;border-radius:8px;padding:10px 12px;"
        "margin:8px 0;cursor:pointer}label:has(input:checked){border-color:#4f46e5;"
        "background:#eef2ff}textarea{width:100%;box-sizing:border-box;border:1px solid #d0d5dd;"
        "border-radius:8px;padding:8px;min-height:70px}button,.button{background:#4f46e5;"
        "color:#fff;border:0;border-radius:8px;padding:12px 20px;font-size:15px;margin-top:12px;"
        "text-decoration:none;display:inline-block;cursor:pointer}.muted{color:#667085}"
        f"</style></head><body><main>{body}</main></body></html>"
    )
    return HTMLResponse(html, status_code=code, headers=NO_STORE)


def _row(session: Session, token: str) -> CartIntervention | None:
    try:
        return links.by_token(session, token)
    except NotFound:
        return None


def _gone() -> HTMLResponse:
    return _page("Link not valid", "<h1>This link is not valid</h1><p class=muted>It may be "
                 "mistyped or from an old message.</p>", status.HTTP_404_NOT_FOUND)  # fmt: skip


@router.get("/t/o/{token}.gif", include_in_schema=False)
def open_pixel(token: Token, session: SessionDep, now: NowDep) -> Response:
    """The e-mail's open pixel (opens are a weak signal: image proxies prefetch them)."""
    row = _row(session, token)
    if row is not None:
        links.record_open(session, row, now=now)
    return Response(PIXEL, media_type="image/gif", headers=NO_STORE)


@router.get("/r/{token}", response_model=None)
def recovery_link(token: Token, session: SessionDep, now: NowDep) -> Response:
    """Restore the cart, apply the offer and open the drawer on the store (records a click)."""
    row = _row(session, token)
    if row is None:
        return _gone()
    target = links.recover(session, row, now=now, app_url=get_settings().app_url)
    return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER, headers=NO_STORE)


def _survey_form(token: str, company: str, chosen: str | None, error: str = "") -> str:
    options = "".join(
        f'<label><input type=radio name=reason value="{reason}"'
        f"{' checked' if chosen == reason else ''}> {escape(text)}</label>"
        for reason, text in SURVEY_REASONS
    )
    alert = f'<p role=alert style="color:#b42318">{escape(error)}</p>' if error else ""
    return (
        f"<h1>What's holding you back?</h1><p class=muted>{escape(company)} would like to "
        f'help.</p>{alert}<form method=post action="/s/{escape(token)}">{options}'
        '<p><textarea name=comment maxlength=500 placeholder="Anything else? (optional)">'
        "</textarea></p><button type=submit>Send</button></form>"
    )


@router.get("/s/{token}", response_class=HTMLResponse)
def survey(
    token: Token,
    session: SessionDep,
    reason: Annotated[str | None, Query(max_length=32)] = None,
) -> HTMLResponse:
    """The diagnosis survey. A reason in the link only preselects: answering is a POST."""
    row = _row(session, token)
    if row is None:
        return _gone()
    return _page("What's holding you back?", _survey_form(token, links.company_name(session, row),
                                                          reason))  # fmt: skip


@router.post("/s/{token}", response_class=HTMLResponse)
def answer_survey(
    token: Token,
    session: SessionDep,
    now: NowDep,
    reason: Annotated[str | None, Form(max_length=32)] = None,
    comment: Annotated[str | None, Form(max_length=500)] = None,
) -> HTMLResponse:
    row = _row(session, token)
    if row is None:
        return _gone()
    company = links.company_name(session, row)
    try:
        chosen = CartAbandonmentReason(reason or "")
    except ValueError:
        return _page("What's holding you back?", _survey_form(
            token, company, None, "Choose one of the answers."), 422)  # fmt: skip
    links.answer_survey(session, row, reason=chosen, comment=(comment or "").strip() or None,
                        now=now)  # fmt: skip
    back = f"/r/{escape(token)}"
    return _page("Thank you", f"<h1>Thank you</h1><p>We read every answer. Your cart is saved."
                 f'</p><a class=button href="{back}">Back to my cart</a>')  # fmt: skip


@router.get("/u/{token}", response_class=HTMLResponse)
def unsubscribe_page(token: Token, session: SessionDep) -> HTMLResponse:
    row = _row(session, token)
    if row is None:
        return _gone()
    company = escape(links.company_name(session, row))
    return _page("Unsubscribe", f"<h1>Unsubscribe</h1><p>Stop cart reminders from {company}?"
                 f'</p><form method=post action="/u/{escape(token)}"><button type=submit>'
                 "Unsubscribe</button></form>")  # fmt: skip


@router.post("/u/{token}", response_class=HTMLResponse)
def unsubscribe(token: Token, session: SessionDep, now: NowDep) -> HTMLResponse:
    """The page's button and RFC 8058 one-click (`List-Unsubscribe=One-Click`) alike."""
    row = _row(session, token)
    if row is None:
        return _gone()
    links.unsubscribe(session, row, now=now)
    company = escape(links.company_name(session, row))
    return _page("Unsubscribed", f"<h1>You're unsubscribed</h1><p>{company} will not send you "
                 "cart reminders any more.</p>")  # fmt: skip


@router.post("/api/webhooks/twilio/sms", include_in_schema=False)
async def inbound_sms(request: Request, session: SessionDep, now: NowDep) -> Response:
    """Twilio's inbound-message webhook: verified by `X-Twilio-Signature`; STOP opts out."""
    params = await verified_params(request)
    if isinstance(params, Response):
        return params
    await run_in_threadpool(
        links.sms_stop, session, phone=params.get("From", ""), body=params.get("Body", ""), now=now
    )
    return Response("<Response/>", media_type="application/xml")
