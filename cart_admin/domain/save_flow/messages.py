"""Turn an intervention's content into an e-mail (HTML + text) or an SMS, with its links.

Every link carries the intervention's tracking token: `/r/` restores the cart (a click),
`/s/` is the survey, `/u/` unsubscribes (RFC 8058 one-click), `/t/o/` is the open pixel.
Shop data is escaped; nothing from the cart is ever inserted as HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from cart_admin.domain.save_flow.content import ContentContext, InterventionContent, money
from cart_admin.models import CartAbandonmentReason as R
from cart_admin.models import CartSaveStage as S

SMS_OPT_OUT = "Reply STOP to opt out."
SURVEY_REASONS: tuple[tuple[R, str], ...] = (
    (R.TOO_EXPENSIVE, "It's more than I want to spend"),
    (R.SHIPPING_COST, "Shipping costs too much"),
    (R.NEED_MORE_INFO, "I need more information"),
    (R.COMPARING_OPTIONS, "I'm comparing options"),
    (R.SAVING_FOR_LATER, "I'm saving it for later"),
    (R.PAYMENT_ISSUES, "I had trouble paying"),
    (R.JUST_BROWSING, "I was just browsing"),
    (R.OTHER, "Something else"),
)


@dataclass(frozen=True)
class Links:
    recovery: str
    survey: str
    unsubscribe: str
    open_pixel: str

    @classmethod
    def for_token(cls, base_url: str, token: str) -> Links:
        base = base_url.rstrip("/")
        return cls(f"{base}/r/{token}", f"{base}/s/{token}", f"{base}/u/{token}",
                   f"{base}/t/o/{token}.gif")  # fmt: skip


def email_text(ctx: ContentContext, content: InterventionContent, links: Links) -> str:
    lines = [content.headline, "", content.body, ""]
    for item in ctx.items:
        lines.append(f"- {item.name} x {item.quantity}: {money(item.unit_price, ctx.currency)}")
    lines += ["", f"Total: {money(ctx.grand_total, ctx.currency)}", ""]
    if ctx.stage is S.DIAGNOSIS_SURVEY:
        lines += ["Tell us what's holding you back:", links.survey, ""]
    lines += [f"{content.cta}: {links.recovery}", "", "—", ctx.company_name,
              f"Unsubscribe: {links.unsubscribe}"]  # fmt: skip
    return "\n".join(lines)


def email_html(ctx: ContentContext, content: InterventionContent, links: Links) -> str:
    rows = "".join(
        "<tr>"
        + (f'<td width="64"><img src="{escape(i.image_url)}" width="56" height="56" alt=""'
           ' style="border-radius:6px;display:block"></td>' if i.image_url else "<td></td>")
        + f'<td style="padding:6px 12px">{escape(i.name)} &times; {i.quantity}</td>'
        f'<td align="right">{escape(money(i.unit_price, ctx.currency))}</td></tr>'
        for i in ctx.items
    )  # fmt: skip
    survey = ""
    if ctx.stage is S.DIAGNOSIS_SURVEY:
        buttons = "".join(
            f'<a href="{escape(links.survey)}?reason={reason}" style="display:block;margin:6px 0;'
            "padding:10px 14px;border:1px solid #d0d5dd;border-radius:8px;color:#1d2939;"
            f'text-decoration:none">{escape(label)}</a>'
            for reason, label in SURVEY_REASONS
        )
        survey = f"<p><strong>What's holding you back?</strong></p>{buttons}"
    return (
        '<!doctype html><html><body style="margin:0;background:#f2f4f7;'
        'font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1d2939">'
        f'<span style="display:none">{escape(content.preheader)}</span>'
        '<table role="presentation" width="100%"><tr><td align="center" style="padding:24px">'
        '<table role="presentation" width="560" style="background:#fff;border-radius:12px;'
        'padding:28px">'
        f'<tr><td><h1 style="font-size:22px;margin:0 0 12px">{escape(content.headline)}</h1>'
        f'<p style="line-height:1.5">{escape(content.body)}</p>'
        f'<table role="presentation" width="100%" style="margin:16px 0">{rows}</table>'
        f"<p><strong>Total: {escape(money(ctx.grand_total, ctx.currency))}</strong></p>"
        f"{survey}"
        f'<p style="margin:24px 0"><a href="{escape(links.recovery)}" style="background:#4f46e5;'
        'color:#fff;padding:12px 20px;border-radius:8px;text-decoration:none;display:inline-block">'
        f"{escape(content.cta)}</a></p>"
        f'<p style="font-size:12px;color:#667085">{escape(ctx.company_name)} · '
        f'<a href="{escape(links.unsubscribe)}" style="color:#667085">Unsubscribe</a></p>'
        "</td></tr></table></td></tr></table>"
        f'<img src="{escape(links.open_pixel)}" width="1" height="1" alt="">'
        "</body></html>"
    )


def unsubscribe_headers(links: Links, mailto: str | None) -> dict[str, str]:
    """RFC 2369 / RFC 8058: mail clients show their own one-click unsubscribe button."""
    targets = [f"<{links.unsubscribe}>"] + ([f"<mailto:{mailto}?subject=unsubscribe>"]
                                              if mailto else [])  # fmt: skip
    return {
        "List-Unsubscribe": ", ".join(targets),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def sms_text(ctx: ContentContext, content: InterventionContent, links: Links) -> str:
    link = links.survey if ctx.stage is S.DIAGNOSIS_SURVEY else links.recovery
    return f"{content.sms} {link} {SMS_OPT_OUT}"
