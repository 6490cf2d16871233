"""A company's landing pages: the dashboard's summary, and creating and editing pages."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from sqlmodel import Session, col, select

from cart_admin.domain.origins import normalize_origin
from cart_admin.domain.tenancy import get_owned
from cart_admin.domain.theming import service as theming
from cart_admin.domain.theming.resolve import ThemeValidationError, resolve_theme
from cart_admin.models import LandingPage, LandingPageProduct, LandingPageStatus

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_ORIGINS = 20
MAX_THRESHOLD = Decimal("100000")
MAX_URL = 500
STORE_URL_HELP = (
    "Enter the address of the store page that shows the cart drawer (https://...), "
    "or a path starting with /."
)
_HTTP_URL: TypeAdapter[AnyHttpUrl] = TypeAdapter(AnyHttpUrl)


@dataclass(frozen=True)
class LandingPageSummary:
    id: str
    name: str
    slug: str
    status: LandingPageStatus
    public_key: str
    allowed_origins: list[str]
    checkout_url: str | None
    store_url: str | None
    preset: str
    product_count: int
    free_shipping_threshold: Decimal | None = None  # None: the free-shipping bar is off


def _free_shipping_threshold(theme: dict[str, Any] | None) -> Decimal | None:
    try:
        settings = resolve_theme(theme or {}).theme.triggers.free_shipping
    except ThemeValidationError:
        settings = resolve_theme({}).theme.triggers.free_shipping
    return settings.threshold if settings.enabled else None


def landing_page_summaries(session: Session, *, company_id: str) -> list[LandingPageSummary]:
    counts = dict(
        session.exec(
            select(LandingPageProduct.landing_page_id, sa.func.count())
            .where(col(LandingPageProduct.company_id) == company_id)
            .group_by(col(LandingPageProduct.landing_page_id))
        ).all()
    )
    pages = session.exec(
        select(LandingPage)
        .where(col(LandingPage.company_id) == company_id)
        .order_by(col(LandingPage.created_at), col(LandingPage.id))
    ).all()
    return [
        LandingPageSummary(
            id=p.id,
            name=p.name,
            slug=p.slug,
            status=p.status,
            public_key=p.public_key,
            allowed_origins=list(p.allowed_origins),
            checkout_url=p.checkout_url,
            store_url=p.store_url,
            preset=str((p.cart_theme or {}).get("preset") or "light"),
            product_count=int(counts.get(p.id, 0)),
            free_shipping_threshold=_free_shipping_threshold(p.cart_theme),
        )
        for p in pages
    ]


def embed_snippet(app_url: str, public_key: str) -> str:
    """The one tag a merchant pastes into the storefront."""
    return f'<script src="{app_url.rstrip("/")}/embed/{public_key}.js" async></script>'


# --- Creating and editing ------------------------------------------------------------------


class LandingPageError(ValueError):
    """The form cannot be saved; ``errors`` maps a form field to a message for it."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{f}: {m}" for f, m in self.errors.items()))

    @property
    def field(self) -> str:
        return next(iter(self.errors))

    @property
    def message(self) -> str:
        return self.errors[self.field]


def split_origins(text: str) -> list[str]:
    """A textarea's origins: one per line or comma separated; blanks dropped."""
    return [part.strip() for part in re.split(r"[,\r\n]+", text) if part.strip()]


def _has_control_characters(value: str) -> bool:
    return any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value)


def clean_store_url(value: object) -> str | None:
    """The store URL as stored (None when empty); ValueError unless it is a path on this app
    or an http(s) page, since recovery links redirect shoppers there."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(STORE_URL_HELP)
    text = value.strip()
    if not text:
        return None
    if len(text) > MAX_URL:
        raise ValueError(f"Use at most {MAX_URL} characters.")
    if _has_control_characters(text) or " " in text:
        raise ValueError("The URL cannot contain spaces or control characters.")
    if text.startswith("/"):
        if text.startswith(("//", "/\\")):  # a path here, not another host's URL
            raise ValueError(STORE_URL_HELP)
        return text
    if _url_origin(text) is None:
        raise ValueError(STORE_URL_HELP)
    return text


def _url_origin(text: str) -> str | None:
    """The origin of an absolute http(s) URL with a host (no credentials), else None."""
    try:
        _HTTP_URL.validate_python(text)
        parts = urlsplit(text)
        return normalize_origin(f"{parts.scheme}://{parts.netloc}")
    except (ValidationError, ValueError):
        return None


class LandingPageForm(BaseModel):
    """What the admin's form sets on a page (every field, on create and on edit)."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True)]
    slug: Annotated[str, StringConstraints(strip_whitespace=True)]
    allowed_origins: list[str] = Field(default_factory=list)
    checkout_url: str | None = None
    store_url: str | None = None  # after allowed_origins: its check reads them
    free_shipping_threshold: Decimal | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value:
            raise ValueError("Give the page a name.")
        if len(value) > 200:
            raise ValueError("Use at most 200 characters.")
        if _has_control_characters(value):
            raise ValueError("The name cannot contain control characters.")
        return value

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not value:
            raise ValueError("Give the page a slug, e.g. spring-sale.")
        if len(value) > 80:
            raise ValueError("Use at most 80 characters.")
        if not SLUG.fullmatch(value):
            raise ValueError(
                "Use lower-case letters, digits and single hyphens only, e.g. spring-sale."
            )
        return value

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _origins_from_text(cls, value: object) -> object:
        return split_origins(value) if isinstance(value, str) else value

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, values: list[str]) -> list[str]:
        """Stored as browsers send them, so CORS can compare exactly; duplicates dropped."""
        origins: list[str] = []
        for value in values:
            try:
                origins.append(normalize_origin(value))
            except ValueError:
                shown = value if len(value) <= 60 else value[:57] + "..."
                raise ValueError(
                    f"{shown!r} is not an origin: use https://host or https://host:port, "
                    "without a path."
                ) from None
        unique = list(dict.fromkeys(origins))
        if len(unique) > MAX_ORIGINS:
            raise ValueError(f"List at most {MAX_ORIGINS} origins.")
        return unique

    @field_validator("checkout_url", mode="before")
    @classmethod
    def _checkout_url(cls, value: object) -> object:
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValueError("Enter the checkout URL as text.")
        text = value.strip()
        if not text:
            return None
        if len(text) > 500:
            raise ValueError("Use at most 500 characters.")
        if _has_control_characters(text) or " " in text:
            raise ValueError("The URL cannot contain spaces or control characters.")
        try:
            _HTTP_URL.validate_python(text)
        except ValidationError:
            raise ValueError(
                "Enter a full http(s) URL, e.g. https://shop.example/checkout."
            ) from None
        return text

    @field_validator("store_url", mode="before")
    @classmethod
    def _store_url(cls, value: object) -> str | None:
        return clean_store_url(value)

    @field_validator("store_url")
    @classmethod
    def _store_url_on_allowed_origin(cls, value: str | None, info: ValidationInfo) -> str | None:
        """The drawer only loads on allowed origins, so a store page elsewhere can't show it."""
        origins = info.data.get("allowed_origins")  # absent when the origins were refused
        if value is None or value.startswith("/") or not origins:
            return value
        origin = _url_origin(value)
        if origin not in origins:
            raise ValueError(
                f"{origin} is not one of the allowed origins: the cart drawer only works on "
                "those. Add it there, or use a page on one of them."
            )
        return value

    @field_validator("free_shipping_threshold", mode="before")
    @classmethod
    def _threshold(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
            raise ValueError("Enter an amount such as 75.00.")
        try:
            amount = Decimal(value.strip() if isinstance(value, str) else value)
        except InvalidOperation:
            raise ValueError("Enter an amount such as 75.00.") from None
        if not amount.is_finite() or not 0 <= amount <= MAX_THRESHOLD:
            raise ValueError(f"Enter an amount from 0 to {MAX_THRESHOLD:,}.")
        if amount != amount.quantize(Decimal("0.01")):
            raise ValueError("Use at most 2 decimal places.")
        return amount.quantize(Decimal("0.01"))


def _message(error: Any) -> str:
    message = str(error.get("msg", "is invalid"))
    return message.removeprefix("Value error, ")


def parse_form(data: Any) -> LandingPageForm:
    """The form's values checked and normalised; LandingPageError with {field: message}."""
    if isinstance(data, LandingPageForm):
        return data
    try:
        return LandingPageForm.model_validate(data)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            loc = error.get("loc") or ("form",)
            errors.setdefault(str(loc[0]), _message(error))
        raise LandingPageError(errors) from None


def _check_slug_free(
    session: Session, *, company_id: str, slug: str, page_id: str | None = None
) -> None:
    query = select(LandingPage.id).where(
        col(LandingPage.company_id) == company_id, col(LandingPage.slug) == slug
    )
    if page_id is not None:
        query = query.where(col(LandingPage.id) != page_id)
    if session.exec(query).first() is not None:
        raise LandingPageError({"slug": f"Another landing page already uses /{slug}."})


def _apply(session: Session, page: LandingPage, form: LandingPageForm, now: datetime) -> None:
    page.name = form.name
    page.slug = form.slug
    page.allowed_origins = list(form.allowed_origins)
    page.checkout_url = form.checkout_url
    page.store_url = form.store_url
    page.updated_at = now
    session.add(page)
    session.flush()
    if form.free_shipping_threshold is not None:
        changes = {"triggers": {"free_shipping": {"threshold": f"{form.free_shipping_threshold}"}}}
        try:
            theming.update_theme(session, page=page, changes=changes, now=now)
        except ThemeValidationError as exc:
            message = exc.errors[0]["message"] if exc.errors else str(exc)
            raise LandingPageError({"free_shipping_threshold": message}) from exc


def create_landing_page(
    session: Session, *, company_id: str, form: LandingPageForm | dict[str, Any], now: datetime
) -> LandingPage:
    """A new published page with a fresh public key; LandingPageError if the form is refused.

    Nothing is written when the form is refused (all checks run before the first flush).
    """
    checked = parse_form(form)
    _check_slug_free(session, company_id=company_id, slug=checked.slug)
    page = LandingPage(
        company_id=company_id,
        name=checked.name,
        slug=checked.slug,
        public_key=secrets.token_urlsafe(16),
        status=LandingPageStatus.PUBLISHED,
        allowed_origins=[],
        created_at=now,
        updated_at=now,
    )
    _apply(session, page, checked, now)
    return page


def update_landing_page(
    session: Session,
    *,
    company_id: str,
    page_id: str,
    form: LandingPageForm | dict[str, Any],
    now: datetime,
) -> LandingPage:
    """Change a page of this company (NotFound for any other); LandingPageError if refused."""
    page = get_owned(session, LandingPage, page_id, company_id=company_id)
    checked = parse_form(form)
    _check_slug_free(session, company_id=company_id, slug=checked.slug, page_id=page.id)
    _apply(session, page, checked, now)
    return page
